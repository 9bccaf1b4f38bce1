//! The promotion packet as a printable page (`/people/{id}/packet?level=`): the same
//! use case as `GET /api/v1/people/{id}/packet`.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Utc;
use rungs_core::PersonId;
use rungs_core::packet::PacketEvidence;
use serde::Deserialize;

use super::{HtmlError, Layout, fmt, render};
use crate::AppState;
use crate::extract::Session;

#[derive(Debug, Deserialize)]
pub struct Params {
    #[serde(default)]
    level: Option<String>,
}

fn rows(ev: &[PacketEvidence]) -> Vec<minijinja::Value> {
    ev.iter()
        .map(|e| {
            minijinja::context! {
                title => e.title, date => fmt::date(e.occurred_at), iso => e.occurred_at.format("%Y-%m-%d").to_string(),
                category => fmt::category(e.category), validated => e.validated, links => e.links,
            }
        })
        .collect()
}

pub async fn show(State(state): State<AppState>, s: Session, Path(id): Path<String>, Query(q): Query<Params>) -> Result<Response, HtmlError> {
    let id: PersonId = id.parse().map_err(|_| HtmlError::NotFound)?;
    let p = rungs_app::packet::get(state.store.as_ref(), &s.viewer, id, q.level.as_deref().filter(|l| !l.is_empty()), Utc::now()).await?;
    let own = Some(id) == s.viewer.person_id;
    let title = format!("Promotion packet: {} for {}", p.name, p.target_title);
    let competencies: Vec<_> = p
        .competencies
        .iter()
        .map(|c| {
            minijinja::context! {
                name => c.name, category => c.category, expectation => c.expectation,
                coverage => c.coverage.map(|x| (x * 100.0).round() as u32), evidence => rows(&c.evidence),
            }
        })
        .collect();
    render(
        "packet.html",
        minijinja::context! {
            layout => Layout::new(&s, if own { "progress" } else { "team" }, title.clone()),
            heading => title,
            person_id => id.to_string(),
            p => minijinja::context! {
                name => p.name, title => p.title, target_title => p.target_title, generated => fmt::date(p.generated_at),
            },
            summary => p.summary,
            competencies,
            other => rows(&p.other_evidence),
        },
    )
}
