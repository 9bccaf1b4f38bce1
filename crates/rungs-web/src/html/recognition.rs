//! Recognition: give it (a form on the feed page; points move at once), the feed,
//! and the collusion report for the people team. Every decision is in
//! `rungs_app::recognition`; this file turns forms into calls and answers into pages.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rungs_app::AppError;
use rungs_app::recognition::Balance;
use rungs_core::event::EventBody;
use rungs_core::recognition::GiftInput;
use serde::{Deserialize, Serialize};

use super::error::see_other;
use super::{HtmlError, Layout, fmt, render, render_string};
use crate::AppState;
use crate::extract::Session;

/// What was typed, kept for the re-rendered form.
#[derive(Debug, Default, Clone, Serialize)]
struct Input {
    to: String,
    message: String,
    points: String,
    tags: Vec<String>,
    private: bool,
}

#[derive(Debug, Deserialize)]
pub struct FeedParams {
    cursor: Option<String>,
    given: Option<String>,
}

/// The balance as the page draws it: a bar of what was given and what is left.
#[derive(Serialize)]
struct BalanceView {
    b: Balance,
    resets: String,
    /// Width (of 200) of the given part of the bar.
    given_w: u64,
}

fn balance_view(b: Balance) -> BalanceView {
    let given_w = if b.allowance == 0 { 0 } else { (b.given.min(u64::from(b.allowance)) * 200) / u64::from(b.allowance) };
    BalanceView { resets: fmt::date(b.period.end), given_w, b }
}

/// The caller's balance for the home page.
pub async fn my_balance(state: &AppState, s: &Session) -> Result<serde_json::Value, HtmlError> {
    let b = rungs_app::recognition::balance(state.store.as_ref(), &s.viewer, None, Utc::now()).await?;
    Ok(serde_json::to_value(balance_view(b)).unwrap_or_default())
}

async fn page(
    state: &AppState,
    s: &Session,
    input: &Input,
    errors: &HashMap<String, String>,
    cursor: Option<&str>,
    notice: bool,
    status: StatusCode,
) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let now = Utc::now();
    let policy = rungs_app::recognition::policy(store, s.viewer.org_id).await?;
    let balance = balance_view(rungs_app::recognition::balance(store, &s.viewer, None, now).await?);
    let feed = match rungs_app::recognition::feed(store, &s.viewer, cursor, None, None).await {
        Ok(f) => f,
        Err(AppError::Invalid(_)) => rungs_app::recognition::feed(store, &s.viewer, None, None, None).await?,
        Err(e) => return Err(e.into()),
    };
    let items: Vec<_> = feed
        .items
        .iter()
        .filter_map(|f| {
            let EventBody::Recognition(r) = &f.event.body else { return None };
            Some(minijinja::context! {
                giver => f.giver_name.clone().unwrap_or_else(|| "The organization".into()),
                receiver => f.receiver_name,
                receiver_id => f.event.subject.to_string(),
                message => r.message,
                points => r.points,
                tags => r.tags,
                public => r.public,
                when => fmt::ago(f.event.occurred_at, now),
                competencies => f.event.competencies,
            })
        })
        .collect();
    let body = render_string(
        "recognition.html",
        minijinja::context! {
            layout => Layout::new(s, "recognition", "Recognition"),
            input,
            errors,
            values => policy.values,
            balance,
            items,
            next_cursor => feed.next_cursor,
            notice,
        },
    )?;
    Ok((status, axum::response::Html(body)).into_response())
}

pub async fn show(State(state): State<AppState>, s: Session, Query(q): Query<FeedParams>) -> Result<Response, HtmlError> {
    let input = Input { points: "10".into(), ..Input::default() };
    page(&state, &s, &input, &HashMap::new(), q.cursor.as_deref(), q.given.is_some(), StatusCode::OK).await
}

/// Which form input an error field belongs to.
fn input_of(field: &str) -> &'static str {
    match field.split(['[', '.']).next().unwrap_or("") {
        "to" => "to",
        "message" => "message",
        "points" => "points",
        "tags" => "tags",
        _ => "form",
    }
}

pub async fn give(State(state): State<AppState>, s: Session, Form(pairs): Form<Vec<(String, String)>>) -> Result<Response, HtmlError> {
    let mut input = Input::default();
    let mut csrf = String::new();
    for (k, v) in pairs {
        match k.as_str() {
            "to" => input.to = v,
            "message" => input.message = v,
            "points" => input.points = v,
            "tags" => input.tags.push(v),
            "private" => input.private = true,
            "csrf" => csrf = v,
            _ => {}
        }
    }
    s.check_csrf(&csrf)?;
    let mut errors: HashMap<String, String> = HashMap::new();
    let points = match input.points.trim() {
        "" => 0,
        p => p.parse::<u32>().unwrap_or_else(|_| {
            errors.insert("points".into(), "Enter a whole number of points.".into());
            0
        }),
    };
    let emails: Vec<String> = input.to.split([',', ';', '\n']).map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect();
    let to = match rungs_app::recognition::resolve_emails(state.store.as_ref(), &s.viewer, &emails).await {
        Ok(to) => to,
        Err(AppError::Invalid(v)) => {
            for e in v.errors {
                errors.entry(input_of(&e.field).into()).or_insert(e.reason);
            }
            vec![]
        }
        Err(e) => return Err(e.into()),
    };
    if errors.is_empty() {
        let gift = GiftInput { to, message: input.message.clone(), points, tags: input.tags.clone(), competencies: vec![], public: !input.private };
        match rungs_app::recognition::give(state.store.as_ref(), &s.viewer, gift, None, Utc::now()).await {
            Ok(_) => return Ok(see_other("/recognition?given=1")),
            Err(AppError::Invalid(v)) => {
                for e in v.errors {
                    errors.entry(input_of(&e.field).into()).or_insert(e.reason);
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    page(&state, &s, &input, &errors, None, false, StatusCode::UNPROCESSABLE_ENTITY).await
}

#[derive(Debug, Deserialize)]
pub struct CollusionParams {
    days: Option<u32>,
}

/// The collusion report: each flag as a small cycle diagram with its numbers.
pub async fn collusion(State(state): State<AppState>, s: Session, Query(q): Query<CollusionParams>) -> Result<Response, HtmlError> {
    let r = rungs_app::recognition::collusion(state.store.as_ref(), &s.viewer, q.days, Utc::now()).await?;
    let flags: Vec<_> = r
        .flags
        .iter()
        .map(|f| {
            // Members on a circle, arrows between them: where the points go round.
            let n = f.flag.members.len().max(1) as f64;
            let at = |i: usize| {
                let a = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
                (110.0 + 70.0 * a.cos(), 105.0 + 70.0 * a.sin())
            };
            let nodes: Vec<_> = f
                .names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let (x, y) = at(i);
                    // Names outside the ring, clear of the arrows: above the upper
                    // nodes, below the others.
                    let dy = if y < 100.0 { -22 } else { 30 };
                    minijinja::context! { x => format!("{x:.0}"), y => format!("{y:.0}"), dy, name }
                })
                .collect();
            let edges: Vec<_> = f
                .flag
                .edges
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let ((x1, y1), (x2, y2)) = (at(i), at((i + 1) % f.flag.members.len()));
                    // Stop short of the circles so the arrowheads show.
                    let (dx, dy) = (x2 - x1, y2 - y1);
                    let len = (dx * dx + dy * dy).sqrt().max(1.0);
                    let (ux, uy) = (dx / len, dy / len);
                    minijinja::context! {
                        x1 => format!("{:.0}", x1 + ux * 18.0), y1 => format!("{:.0}", y1 + uy * 18.0),
                        x2 => format!("{:.0}", x2 - ux * 20.0), y2 => format!("{:.0}", y2 - uy * 20.0),
                        points => e.points, share => format!("{:.0}", e.share * 100.0), times => format!("{:.1}", e.times_p99), count => e.count,
                        giver => f.names.get(i).cloned().unwrap_or_default(),
                        receiver => f.names.get((i + 1) % f.names.len()).cloned().unwrap_or_default(),
                    }
                })
                .collect();
            minijinja::context! { kind => if f.names.len() == 2 { "Pair" } else { "Ring" }, names => f.names, why => f.why, excess => f.flag.excess_points, nodes, edges }
        })
        .collect();
    render(
        "recognition_collusion.html",
        minijinja::context! {
            layout => Layout::new(&s, "collusion", "Recognition collusion"),
            from => fmt::date(r.from),
            to => fmt::date(r.to),
            baseline => r.baseline,
            share_median => format!("{:.0}", r.baseline.share_median * 100.0),
            flags,
        },
    )
}
