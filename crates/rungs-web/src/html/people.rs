//! People (the people team's directory): search by name or email, page by cursor.

use axum::extract::{Query, State};
use axum::response::Response;
use rungs_core::store::PeopleQuery;
use serde::Deserialize;

use super::error::encode;
use super::{HtmlError, Layout, fmt, render};
use crate::AppState;
use crate::extract::Session;

/// People per page.
const PAGE: u32 = 50;

#[derive(Debug, Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
    #[serde(default)]
    cursor: Option<String>,
}

pub async fn list(State(state): State<AppState>, s: Session, Query(q): Query<Search>) -> Result<Response, HtmlError> {
    let search = q.q.trim().to_string();
    let query = PeopleQuery { search: (!search.is_empty()).then(|| search.clone()), cursor: q.cursor.filter(|c| !c.is_empty()), limit: PAGE, only: None };
    let page = rungs_app::people::list(state.store.as_ref(), &s.viewer, query).await?;
    let people: Vec<_> = page
        .items
        .iter()
        .map(|p| {
            minijinja::context! {
                id => p.id.to_string(),
                name => p.name.clone(),
                email => p.email.clone(),
                department => p.department.clone().unwrap_or_default(),
                title => p.position.title.clone(),
                level => p.position.level.to_uppercase(),
                active => p.status == rungs_core::person::PersonStatus::Active,
                hired => fmt::date(p.hired_at),
            }
        })
        .collect();
    let next = page.next_cursor.map(|c| format!("/people?q={}&cursor={}", encode(&search), encode(&c)));
    render(
        "people.html",
        minijinja::context! {
            layout => Layout::new(&s, "people", "People"),
            q => search,
            people,
            next,
            admin => rungs_app::access::Capabilities::of(s.viewer.role).add_people,
        },
    )
}
