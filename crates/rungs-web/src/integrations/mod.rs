//! Inbound integrations that are not part of the JSON API: their request formats are
//! the sender's (Slack's form-encoded slash commands), not ours, so they live beside
//! the API and outside its OpenAPI document.

pub mod slack;

use axum::Router;
use axum::routing::post;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/integrations/slack/commands", post(slack::commands)).route("/integrations/slack/interactivity", post(slack::interactivity))
}
