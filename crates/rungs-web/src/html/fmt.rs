//! Dates, durations and event summaries in words, for templates. Computed here so the
//! templates stay free of logic.

use chrono::{DateTime, Utc};
use rungs_core::event::{Category, EventBody, Magnitude};
use serde::Serialize;

pub fn date(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y").to_string()
}

/// `2 years 3 months`, `5 months`, `12 days`.
pub fn span(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let days = (to - from).num_days().max(0);
    let plural = |n: i64, w: &str| if n == 1 { format!("1 {w}") } else { format!("{n} {w}s") };
    if days < 31 {
        return plural(days, "day");
    }
    let months = days * 12 / 365;
    let (y, m) = (months / 12, months % 12);
    match (y, m) {
        (0, m) => plural(m.max(1), "month"),
        (y, 0) => plural(y, "year"),
        (y, m) => format!("{} {}", plural(y, "year"), plural(m, "month")),
    }
}

pub fn ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if (now - t).num_days() < 1 {
        return "today".into();
    }
    format!("{} ago", span(t, now))
}

pub fn category(c: Category) -> &'static str {
    match c {
        Category::Skill => "Skill",
        Category::Certification => "Certification",
        Category::Feedback => "Feedback",
        Category::TaskMastered => "Task mastered",
        Category::ProjectCompleted => "Project completed",
        Category::Learning => "Learning",
        Category::Mentoring => "Mentoring",
        Category::Responsibility => "Responsibility",
    }
}

pub fn category_key(c: Category) -> String {
    serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

pub fn magnitude(m: Magnitude) -> &'static str {
    match m {
        Magnitude::Nano => "Nano",
        Magnitude::Micro => "Micro",
    }
}

/// A label for each event kind, as people say it.
pub fn kind_label(kind: rungs_core::event::EventKind) -> &'static str {
    use rungs_core::event::EventKind as K;
    match kind {
        K::Hired => "Joined",
        K::ProfileUpdated => "Profile change",
        K::MicroProgression => "Win",
        K::Validation => "Validation",
        K::MicroPromotion => "Micro-promotion",
        K::Promotion => "Promotion",
        K::LateralMove => "Move",
        K::Recognition => "Recognition",
        K::Departure => "Departure",
        K::Reversal => "Correction",
        K::MilestoneCompleted => "Milestone",
        K::BadgeAwarded => "Badge",
        K::Demotion => "Level change",
        K::CredentialRevoked => "Credential revoked",
    }
}

/// One event, summarised for a list.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub title: String,
    pub detail: Option<String>,
    pub tags: Vec<String>,
}

pub fn summary(body: &EventBody) -> Summary {
    let s = |title: String, detail: Option<String>| Summary { title, detail, tags: vec![] };
    match body {
        EventBody::Hired(h) => s(format!("Joined as {}", h.position.title), h.department.clone()),
        EventBody::ProfileUpdated(_) => s("Profile updated".into(), None),
        EventBody::MicroProgression(m) => {
            Summary { title: m.title.clone(), detail: m.description.clone(), tags: vec![category(m.category).to_string(), magnitude(m.magnitude).to_string()] }
        }
        EventBody::Validation(v) => s("Validated a win".into(), v.note.clone()),
        EventBody::MicroPromotion(m) => s(format!("New scope: {}", m.scope), m.note.clone()),
        EventBody::Promotion(p) => s(format!("Promoted to {}", p.to.title), p.note.clone()),
        EventBody::LateralMove(l) => {
            let to = l.to.as_ref().map(|p| p.title.clone()).or_else(|| l.department.clone()).unwrap_or_else(|| "a new team".into());
            s(format!("Moved to {to}"), l.note.clone())
        }
        EventBody::Demotion(d) => s(format!("Moved to {}", d.to.title), d.note.clone()),
        EventBody::Recognition(r) => Summary { title: r.message.clone(), detail: None, tags: vec![format!("{} points", r.points)] },
        EventBody::Departure(d) => s(format!("Left ({})", d.reason.as_str()), d.note.clone()),
        EventBody::Reversal(r) => s("Corrected an earlier entry".into(), Some(r.reason.clone())),
        EventBody::MilestoneCompleted(m) => {
            Summary { title: format!("Milestone complete: {}", m.title), detail: None, tags: vec![format!("toward {}", m.to_level.to_uppercase())] }
        }
        EventBody::BadgeAwarded(b) => {
            let how = if b.by_hand { "awarded by hand".to_string() } else { format!("earned by {} events", b.earned_by.len()) };
            Summary { title: format!("Badge: {} ({})", b.name, b.tier.as_str()), detail: b.reason.clone(), tags: vec![how] }
        }
        EventBody::CredentialRevoked(c) => s("A credential was revoked".into(), Some(c.reason.clone())),
    }
}

/// The framework's competencies grouped by category, in framework order, as the
/// `competency_checks` template macro takes them; `checked` keys are ticked.
pub fn competency_groups(fw: &rungs_core::framework::Framework, checked: &[String]) -> Vec<minijinja::Value> {
    let mut groups: Vec<(String, Vec<minijinja::Value>)> = vec![];
    for c in &fw.competencies {
        let item = minijinja::context! { value => c.key.clone(), label => c.name.clone(), checked => checked.contains(&c.key) };
        match groups.iter_mut().find(|(g, _)| *g == c.category) {
            Some((_, items)) => items.push(item),
            None => groups.push((c.category.clone(), vec![item])),
        }
    }
    groups.into_iter().map(|(name, items)| minijinja::context! { name, items }).collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn spans_read_like_people_say_them() {
        let t = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap();
        assert_eq!(span(t(2024, 1, 1), t(2024, 1, 13)), "12 days");
        assert_eq!(span(t(2024, 1, 1), t(2024, 3, 5)), "2 months");
        assert_eq!(span(t(2022, 1, 1), t(2024, 4, 5)), "2 years 3 months");
        assert_eq!(span(t(2023, 1, 1), t(2024, 1, 5)), "1 year");
    }
}
