//! Next steps: the gaps to the next level, ranked by how much closing each would raise
//! readiness, each with concrete micro-steps and the reason for its place.

use serde::Serialize;
use utoipa::ToSchema;

use super::{CompetencyReadiness, Readiness, RuleProgress, categories_text, weight};
use crate::framework::{Criterion, EvidenceRule};
use crate::opportunity::OpportunityMatch;

/// One gap to close, with why it ranks where it does and what to do next.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Recommendation {
    /// 1 = the gap whose closing raises readiness most.
    pub rank: u32,
    pub competency: String,
    pub name: String,
    /// Readiness points gained by closing this gap completely.
    pub gain: f64,
    /// Current coverage of the competency's criterion, 0–1.
    pub coverage: f64,
    /// Why this gap ranks here, in words.
    pub why: String,
    /// Concrete next micro-steps, most useful first.
    pub steps: Vec<String>,
    /// Open opportunities on the board that build this competency, best match first
    /// (filled in by the caller with [`crate::opportunity::matches_for`]; empty here).
    pub opportunities: Vec<OpportunityMatch>,
}

/// Rank the open gaps of `r`: by gain, largest first; equal gains by competency key.
pub fn recommend(r: &Readiness) -> Vec<Recommendation> {
    let n = r.checkable;
    let next = r.next_title.clone().unwrap_or_default();
    let mut gaps: Vec<(&CompetencyReadiness, f64)> =
        r.competencies.iter().filter_map(|c| c.coverage.filter(|&cov| cov < 1.0).map(|cov| (c, 100.0 * (1.0 - cov) / n as f64))).collect();
    gaps.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.competency.cmp(&b.0.competency)));
    let total = gaps.len();
    gaps.into_iter()
        .enumerate()
        .map(|(i, (c, gain))| {
            let cov = c.coverage.unwrap_or(0.0);
            let p = c.progress.as_ref();
            let (points, required) = p.map_or((0.0, 0), |p| (p.points, p.required));
            let after = (f64::from(r.score) + gain).round().min(100.0);
            let place = if total == 1 {
                "it is the only open gap".to_string()
            } else if i == 0 {
                format!("no other of the {total} open gaps adds more")
            } else {
                format!("{i} open {} as much or more", if i == 1 { "gap adds" } else { "gaps add" })
            };
            let why = format!(
                "{} is {:.0}% covered ({points:.2} of {required} points). It is one of {n} checkable expectations for {next}, \
                 so closing it adds {gain:.1} points of readiness (about {} → {after:.0}); rank {} because {place}.",
                c.name,
                cov * 100.0,
                r.score,
                i + 1,
            );
            Recommendation {
                rank: i as u32 + 1,
                competency: c.competency.clone(),
                name: c.name.clone(),
                gain,
                coverage: cov,
                why,
                steps: steps(r, c),
                opportunities: vec![],
            }
        })
        .collect()
}

fn steps(r: &Readiness, c: &CompetencyReadiness) -> Vec<String> {
    let mut out = Vec::new();
    match &c.criterion {
        Some(Criterion::Evidence(rule)) => {
            if let Some(p) = &c.progress {
                evidence_steps(rule, p, &c.name, &mut out);
            }
        }
        Some(Criterion::Milestone(k)) => {
            if let Some(m) = r.milestones.iter().find(|m| &m.key == k) {
                out.push(format!("Complete the milestone “{}”.", m.title));
                evidence_steps(&m.rule, &m.progress, &m.competencies.join(", "), &mut out);
            }
        }
        Some(Criterion::Recognition(rule)) => {
            let who = if rule.outside_team { "colleagues outside your team" } else { "different colleagues, ideally in other teams" };
            out.push(format!(
                "Help {who} with {}: recognition tagged with {} counts here, once per person (a second thank-you from the same person adds nothing).",
                c.name, c.name
            ));
            if let Some(p) = &c.progress
                && !p.unvalidated.is_empty()
            {
                out.push(format!(
                    "{} from your own team do not count here: this expectation asks for people outside it.",
                    crate::text::count(p.unvalidated.len() as u64, "recognition")
                ));
            }
        }
        None => {}
    }
    if !c.expectation.is_empty() {
        out.push(format!("What the next level expects: {}", c.expectation));
    }
    out
}

fn evidence_steps(rule: &EvidenceRule, p: &RuleProgress, name: &str, out: &mut Vec<String>) {
    let mut left = f64::from(p.required) - p.points;
    for u in p.unvalidated.iter().take(2) {
        if left <= 0.0 {
            break;
        }
        out.push(format!("Ask your manager or a peer to validate “{}”: only validated wins count here, and it would add {:.2} points.", u.title, u.weight));
        left -= u.weight;
    }
    if !rule.validated_only
        && let Some(u) = p.counted.iter().find(|c| !c.validated)
    {
        out.push(format!("Ask for a validation of “{}”: a validated win is worth 0.5 points more.", u.title));
    }
    if left > 0.0 {
        let each = weight(rule.validated_only, true);
        let k = (left / each).ceil().max(1.0) as u32;
        let validated = if rule.validated_only { ", and have each one validated" } else { "" };
        let window = rule.within_months.map(|m| format!(" (only the last {m} months count)")).unwrap_or_default();
        let wins = if k == 1 { "win" } else { "wins" };
        out.push(format!("Log {k} new {wins}{} evidencing {name}{validated}: a recent one is worth {each:.2} points{window}.", categories_text(rule)));
    }
}
