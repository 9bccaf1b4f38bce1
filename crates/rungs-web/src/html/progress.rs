//! Progress: the milestone map, readiness and the ranked next steps toward the next
//! level, mine (`/progress`) and a report's (`/people/{id}/progress`, for their
//! managers and the people team). Same use case as `GET /api/v1/people/{id}/readiness`.

use axum::extract::{Path, State};
use axum::response::Response;
use rungs_core::PersonId;
use rungs_core::framework::{Criterion, EvidenceRule};
use rungs_core::readiness::{Counted, RuleProgress};
use serde::Serialize;

use super::{HtmlError, Layout, fmt, render};
use crate::AppState;
use crate::extract::Session;

#[derive(Serialize)]
struct Win {
    title: String,
    date: String,
    iso: String,
    validated: bool,
    recent: bool,
    weight: String,
}

fn wins(c: &[Counted]) -> Vec<Win> {
    c.iter()
        .map(|w| Win {
            title: w.title.clone(),
            date: fmt::date(w.occurred_at),
            iso: w.occurred_at.format("%Y-%m-%d").to_string(),
            validated: w.validated,
            recent: w.recent,
            weight: format!("{:.2}", w.weight),
        })
        .collect()
}

/// A rule in words: "3 points of skill or task mastered wins in the last 12 months, validated only".
fn rule_text(r: &EvidenceRule) -> String {
    let cats: Vec<&str> = r.categories.iter().map(|c| rungs_core::event::category_label(*c)).collect();
    let of = if cats.is_empty() { "any".to_string() } else { cats.join(" or ") };
    let window = r.within_months.map(|m| format!(" in the last {m} months")).unwrap_or_default();
    let validated = if r.validated_only { ", validated only" } else { "" };
    format!("{} of {of} wins{window}{validated}", rungs_core::text::count(u64::from(r.min_events), "point"))
}

#[derive(Serialize)]
struct Progress {
    percent: u32,
    points: String,
    required: u32,
    counted: Vec<Win>,
    waiting: Vec<Win>,
}

fn progress(p: &RuleProgress) -> Progress {
    Progress {
        percent: (p.coverage * 100.0).round() as u32,
        points: format!("{:.2}", p.points),
        required: p.required,
        counted: wins(&p.counted),
        waiting: wins(&p.unvalidated),
    }
}

pub async fn mine(state: State<AppState>, s: Session) -> Result<Response, HtmlError> {
    let me = s.person.id;
    page(state, s, me).await
}

pub async fn of_person(state: State<AppState>, s: Session, Path(id): Path<String>) -> Result<Response, HtmlError> {
    let id: PersonId = id.parse().map_err(|_| HtmlError::NotFound)?;
    page(state, s, id).await
}

async fn page(State(state): State<AppState>, s: Session, id: PersonId) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let report = rungs_app::readiness::get(store, &s.viewer, id).await?;
    let fw = rungs_app::framework::get(store, &s.viewer).await?;
    let comp_name = |k: &str| fw.competency(k).map_or_else(|| k.to_string(), |c| c.name.clone());
    let r = &report.readiness;
    let milestones: Vec<_> = r
        .milestones
        .iter()
        .map(|m| {
            minijinja::context! {
                key => m.key, title => m.title, complete => m.complete,
                competencies => m.competencies.iter().map(|c| comp_name(c)).collect::<Vec<_>>(),
                rule => rule_text(&m.rule), progress => progress(&m.progress),
            }
        })
        .collect();
    let competencies: Vec<_> = r
        .competencies
        .iter()
        .map(|c| {
            let rule = match &c.criterion {
                Some(Criterion::Evidence(e)) => rule_text(e),
                Some(Criterion::Recognition(rr)) => {
                    let who = if rr.outside_team { " outside the team" } else { "" };
                    let window = rr.within_months.map(|m| format!(" in the last {m} months")).unwrap_or_default();
                    format!(
                        "recognition from {}{who}{window} (each person once; another team counts 1, the same team ½)",
                        rungs_core::text::count(u64::from(rr.distinct_givers), "person")
                    )
                }
                Some(Criterion::Milestone(k)) => {
                    let title = r.milestones.iter().find(|m| &m.key == k).map_or(k.as_str(), |m| m.title.as_str());
                    format!("the milestone “{title}”")
                }
                None => "judged by a person (not in the score)".to_string(),
            };
            minijinja::context! {
                key => c.competency, name => c.name, category => c.category, expectation => c.expectation,
                rule, checkable => c.coverage.is_some(), met => c.coverage.is_some_and(|x| x >= 1.0),
                progress => c.progress.as_ref().map(progress), missing => c.missing,
            }
        })
        .collect();
    let done = r.milestones.iter().filter(|m| m.complete).count();
    let history = rungs_app::readiness::history(store, &s.viewer, id, report.computed_at, 12).await?;
    let trend = super::progress_charts::trend(&history);
    let modules: Vec<(String, bool, u32)> = r.milestones.iter().map(|m| (m.title.clone(), m.complete, (m.progress.coverage * 100.0).round() as u32)).collect();
    let map = super::progress_charts::path(&modules);
    let own = Some(id) == s.viewer.person_id;
    let (current, title) = if own { ("progress", "My progress".to_string()) } else { ("team", format!("{}’s progress", report.name)) };
    let track = fw.track(&r.track).map_or_else(|| r.track.clone(), |t| t.name.clone());
    render(
        "progress.html",
        minijinja::context! {
            layout => Layout::new(&s, current, title.clone()),
            heading => title,
            own,
            person => minijinja::context! { id => id.to_string(), name => report.name, title => report.title, track },
            score => r.score,
            next_title => r.next_title,
            checkable => r.checkable,
            version => report.framework_version,
            milestones,
            milestones_done => done,
            trend,
            map,
            competencies,
            recommendations => report.recommendations.iter().map(|x| minijinja::context! {
                rank => x.rank, name => x.name, gain => format!("{:.1}", x.gain), why => x.why, steps => x.steps,
                opportunities => x.opportunities,
            }).collect::<Vec<_>>(),
        },
    )
}
