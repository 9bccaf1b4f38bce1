//! `/cycles/new`: the people team creates a promotion cycle from a page (the same
//! use case as `POST /api/v1/cycles`; access: the table's `Calibrate` row, "run
//! cycles"). Budgets are rows (department or track, how many promotions, an optional
//! pay budget, an optional calibration group); rows naming the same group are
//! calibrated together.

use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use rungs_core::ValidationError;
use rungs_core::promotion::{Budget, BudgetScope, CalibrationGroup, CycleInput};

use super::error::see_other;
use super::flash;
use super::promotions::{field, refused, with_flash};
use super::{HtmlError, Layout, render_string};
use crate::AppState;
use crate::extract::Session;

/// Budget rows the form offers.
const ROWS: usize = 6;

fn require(s: &Session) -> Result<(), HtmlError> {
    Ok(rungs_app::access::require(s.viewer.role, rungs_app::access::table::Action::Calibrate, "only the people team runs promotion cycles")?)
}

pub async fn form(State(state): State<AppState>, s: Session, headers: HeaderMap) -> Result<Response, HtmlError> {
    require(&s)?;
    let store = state.store.as_ref();
    let today = rungs_app::calendar::today(store, s.viewer.org_id).await?;
    let zone = rungs_app::calendar::calendar(store, s.viewer.org_id).await?.name();
    let fw = store.framework(s.viewer.org_id).await?;
    let tracks: Vec<_> = fw.tracks.iter().map(|t| minijinja::context! { key => t.key, name => t.name }).collect();
    let rows: Vec<usize> = (0..ROWS).collect();
    let error = flash::take(&headers);
    let d = |n: i64| (today + Duration::days(n)).to_string();
    let body = render_string(
        "cycle_new.html",
        minijinja::context! {
            layout => Layout::new(&s, "promotions", "New promotion cycle"), tracks, rows, zone, error,
            dates => minijinja::context! { nominations_open => d(0), nominations_close => d(20), review_open => d(21), review_close => d(42) },
        },
    )?;
    Ok(with_flash(Html(body).into_response(), &headers, &error))
}

/// The cycle the form describes; errors name the form's fields.
fn input(pairs: &[(String, String)]) -> Result<CycleInput, ValidationError> {
    let f = |k: &str| field(pairs, k);
    let mut e = ValidationError::new();
    let mut date = |k: &str| match f(k).parse::<NaiveDate>() {
        Ok(d) => Some(d),
        Err(_) => {
            e.push(k, "a date (YYYY-MM-DD)");
            None
        }
    };
    let (no, nc, ro, rc) = (date("nominations_open"), date("nominations_close"), date("review_open"), date("review_close"));
    let mut budgets = Vec::new();
    let mut groups: Vec<CalibrationGroup> = Vec::new();
    for i in 0..ROWS {
        let value = f(&format!("value{i}"));
        if value.is_empty() {
            continue;
        }
        let scope = if f(&format!("scope{i}")) == "track" { BudgetScope::Track } else { BudgetScope::Department };
        let Ok(promotions) = f(&format!("promotions{i}")).parse::<u32>() else {
            e.push(format!("budgets[{i}].promotions"), "a whole number of promotions");
            continue;
        };
        let pay = match f(&format!("pay{i}")) {
            p if p.is_empty() => None,
            p => match p.parse::<u64>() {
                Ok(p) => Some(p),
                Err(_) => {
                    e.push(format!("budgets[{i}].pay"), "a whole amount, or empty for no pay budget");
                    continue;
                }
            },
        };
        let b = Budget { scope, value, promotions, pay };
        let group = f(&format!("group{i}"));
        if !group.is_empty() {
            match groups.iter_mut().find(|g| g.name == group) {
                Some(g) => g.budgets.push(b.key()),
                None => groups.push(CalibrationGroup { name: group, budgets: vec![b.key()] }),
            }
        }
        budgets.push(b);
    }
    e.into_result()?;
    let (Some(nominations_open), Some(nominations_close), Some(review_open), Some(review_close)) = (no, nc, ro, rc) else {
        return Err(ValidationError::single("nominations_open", "a date (YYYY-MM-DD)"));
    };
    Ok(CycleInput {
        name: f("name"),
        nominations_open,
        nominations_close,
        review_open,
        review_close,
        self_nomination: f("self_nomination") == "1",
        budgets,
        groups,
    })
}

pub async fn create(State(state): State<AppState>, s: Session, headers: HeaderMap, Form(pairs): Form<Vec<(String, String)>>) -> Result<Response, HtmlError> {
    s.check_csrf(&field(&pairs, "csrf"))?;
    require(&s)?;
    let back = "/cycles/new";
    let input = match input(&pairs) {
        Ok(i) => i,
        Err(e) => return refused(&headers, back, e.into()),
    };
    match rungs_app::promotions::create_cycle(state.store.as_ref(), &s.viewer, input).await {
        Ok(c) => Ok(see_other(&format!("/cycles/{}/board", c.id))),
        Err(e) => refused(&headers, back, e),
    }
}
