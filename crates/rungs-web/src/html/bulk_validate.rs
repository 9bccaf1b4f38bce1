//! Bulk validate from the manager's inbox (`POST /inbox/validations`): the wins ticked
//! on the home page, each validated on its own through `rungs_app::events::record`
//! (the same use case and access decision as one **Validate** button), so the
//! store's key per validator and win keeps each validation once however often the
//! form is sent. Answers 303 back to the inbox with what happened.

use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use rungs_core::PersonId;
use rungs_core::event::EventInput;
use rungs_core::ledger::constraint::ALREADY_VALIDATED;

use super::{HtmlError, flash};
use crate::AppState;
use crate::extract::Session;

/// Wins one form may validate: the inbox lists at most `rungs_app::inbox::LISTED`.
pub const AT_MOST: usize = 50;
const BACK: &str = "/#inbox-h";

pub async fn submit(State(state): State<AppState>, s: Session, headers: HeaderMap, Form(pairs): Form<Vec<(String, String)>>) -> Result<Response, HtmlError> {
    let csrf = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
    s.check_csrf(csrf)?;
    // Each ticked box is `win=SUBJECT:EVENT`; the same win ticked twice counts once.
    let mut wins: Vec<(PersonId, String)> = vec![];
    for (_, v) in pairs.iter().filter(|(k, _)| k == "win") {
        let parsed = v.split_once(':').and_then(|(p, e)| Some((p.parse::<PersonId>().ok()?, e.parse::<rungs_core::EventId>().ok()?.to_string())));
        let Some(w) = parsed else {
            return Ok(flash::see_other_with(BACK, "Nothing was validated: one of the ticked wins is not a win from your inbox.", &headers));
        };
        if !wins.contains(&w) {
            wins.push(w);
        }
    }
    if wins.is_empty() {
        return Ok(flash::see_other_with(BACK, "Nothing was validated: tick the wins to validate first.", &headers));
    }
    if wins.len() > AT_MOST {
        return Ok(flash::see_other_with(BACK, &format!("Nothing was validated: at most {AT_MOST} wins at once."), &headers));
    }
    let (mut done, mut again, mut refused) = (0u64, 0u64, 0u64);
    for (subject, target) in wins {
        let input = EventInput {
            subject: subject.to_string().into(),
            kind: "validation".into(),
            payload: serde_json::json!({ "target": target }),
            ..Default::default()
        };
        match rungs_app::events::record(state.store.as_ref(), &s.viewer, vec![input], None).await {
            Ok(_) => done += 1,
            Err(rungs_app::AppError::Conflict { reason, .. }) if reason == ALREADY_VALIDATED => again += 1,
            // Not theirs to validate, reversed meanwhile, unknown: counted, not shown
            // (the page says how many, never why about someone they may not see).
            Err(rungs_app::AppError::Invalid(_) | rungs_app::AppError::NotFound | rungs_app::AppError::Forbidden(_)) => refused += 1,
            Err(e) => return Err(e.into()),
        }
    }
    let mut msg =
        format!("Validated {}: {} toward their readiness now.", rungs_core::text::count(done, "win"), if done == 1 { "it counts" } else { "they count" });
    if done == 0 {
        msg = "Nothing new was validated.".to_string();
    }
    if again > 0 {
        msg.push_str(&format!(" You had already validated {again} of them: each counts once."));
    }
    if refused > 0 {
        msg.push_str(&format!(" {} could not be validated (reversed, or no longer your report's).", rungs_core::text::count(refused, "win")));
    }
    Ok(flash::see_other_with(BACK, &msg, &headers))
}
