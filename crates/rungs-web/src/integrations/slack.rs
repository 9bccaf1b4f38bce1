//! `POST /integrations/slack/commands` and `/integrations/slack/interactivity`:
//! Slack's slash-command and interactivity requests (form-encoded, signed with the
//! app's signing secret; Mattermost sends the same form). Every request is verified
//! before anything is read from it (`rungs_core::slack::verify`: v0 HMAC-SHA256, a
//! five-minute replay window, constant-time compare); a refused one is a 401 and is
//! counted in `/metrics` (`rungs_integration_requests_refused_total`).
//!
//! Slack waits three seconds for an answer (Mattermost longer): the work runs in its
//! own task, and when it is not done in [`ANSWER_WITHIN`] the request is answered at
//! once ("working on it", ephemeral) and the result is posted to the request's
//! `response_url` when it is ready (Slack's delayed response; Mattermost's
//! `response_url` takes the same JSON). A button click is answered the same way.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rungs_app::chat::{self, Directory, Reply};
use serde::Deserialize;
use serde_json::json;

use crate::AppState;

/// What answers within Slack's three seconds, with room for the network.
pub const ANSWER_WITHIN: Duration = Duration::from_millis(2500);

/// The chat command's settings: the signing secret and the workspace directory.
pub struct ChatSettings {
    pub signing_secret: String,
    pub directory: Directory,
    /// How long a request waits for its answer before "working on it" goes back and
    /// the answer goes to the `response_url` ([`ANSWER_WITHIN`]).
    pub answer_within: Duration,
}

impl ChatSettings {
    pub fn new(signing_secret: &str, api_base: &str, bot_token: &str) -> Self {
        ChatSettings { signing_secret: signing_secret.to_string(), directory: Directory::new(api_base, bot_token), answer_within: ANSWER_WITHIN }
    }

    /// Answer "working on it" after `d` instead of [`ANSWER_WITHIN`] (tests).
    #[must_use]
    pub fn with_answer_within(mut self, d: Duration) -> Self {
        self.answer_within = d;
        self
    }
}

/// Why a request was not let in.
enum Refused {
    NotConfigured,
    Signature,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::NotConfigured => (StatusCode::NOT_FOUND, "the chat command is not configured on this server").into_response(),
            Refused::Signature => (StatusCode::UNAUTHORIZED, "the request signature did not verify").into_response(),
        }
    }
}

/// The settings if the request is authentic; else why not (a bad signature is counted).
fn verified(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Arc<ChatSettings>, Refused> {
    let Some(chat) = state.chat.clone() else {
        return Err(Refused::NotConfigured);
    };
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    match rungs_core::slack::verify(&chat.signing_secret, h(rungs_core::slack::TIMESTAMP_HEADER), h(rungs_core::slack::SIGNATURE_HEADER), body, now) {
        Ok(()) => Ok(chat),
        Err(refusal) => {
            state.metrics.refuse("slack", refusal.as_str());
            tracing::warn!(reason = refusal.as_str(), "refused a chat request");
            Err(Refused::Signature)
        }
    }
}

fn bad_request(what: &str) -> Response {
    (StatusCode::BAD_REQUEST, format!("not a well-formed {what}")).into_response()
}

#[derive(Debug, Deserialize)]
struct Command {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    response_url: Option<String>,
    #[serde(default)]
    ssl_check: Option<String>,
}

pub async fn commands(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let chat = match verified(&state, &headers, &body) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let Ok(cmd) = serde_urlencoded::from_bytes::<Command>(&body) else { return bad_request("slash command") };
    if cmd.ssl_check.is_some() {
        return StatusCode::OK.into_response();
    }
    if cmd.user_id.is_empty() {
        return bad_request("slash command (no user_id)");
    }
    let store = state.store.clone();
    let within = chat.answer_within;
    let work = tokio::spawn(async move { chat::command(store.as_ref(), &chat.directory, &cmd.user_id, &cmd.text).await });
    match answer_within(work, within, cmd.response_url, false).await {
        Ok(reply) => Json(reply.to_json(false)).into_response(),
        Err(working) => Json(working).into_response(),
    }
}

/// What goes back at once when the answer is not ready in time.
fn working_on_it(replace: bool) -> serde_json::Value {
    let mut v = json!({"response_type": "ephemeral", "text": "Working on it…"});
    if replace {
        v["replace_original"] = json!(true);
    }
    v
}

/// The reply if the work is done within `within`: `Ok`. Else `Err` with "working on
/// it" to answer at once, and the reply goes to `response_url` when it is ready (a
/// request without one gets it nowhere: nothing is lost, the work still completes).
async fn answer_within(
    mut work: tokio::task::JoinHandle<Reply>,
    within: Duration,
    response_url: Option<String>,
    replace: bool,
) -> Result<Reply, serde_json::Value> {
    match tokio::time::timeout(within, &mut work).await {
        Ok(Ok(reply)) => Ok(reply),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "the chat command task failed");
            Ok(Reply::text("Something went wrong in Rungs; try again."))
        }
        Err(_) => {
            tokio::spawn(async move {
                let reply = match work.await {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::error!(error = %e, "the chat command task failed");
                        Reply::text("Something went wrong in Rungs; try again.")
                    }
                };
                match response_url {
                    Some(url) => chat::respond(&url, &reply, replace).await,
                    None => tracing::warn!("a slow chat answer had no response_url to go to"),
                }
            });
            Err(working_on_it(replace))
        }
    }
}

#[derive(Debug, Deserialize)]
struct Interaction {
    payload: String,
}

#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(rename = "type")]
    kind: String,
    user: User,
    #[serde(default)]
    actions: Vec<Action>,
    #[serde(default)]
    container: Option<Container>,
    #[serde(default)]
    response_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct User {
    id: String,
}

#[derive(Debug, Deserialize)]
struct Action {
    action_id: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    action_ts: String,
}

#[derive(Debug, Deserialize)]
struct Container {
    #[serde(default)]
    message_ts: Option<String>,
}

pub async fn interactivity(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let chat = match verified(&state, &headers, &body) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    let Ok(form) = serde_urlencoded::from_bytes::<Interaction>(&body) else { return bad_request("interactivity request") };
    let Ok(p) = serde_json::from_str::<Payload>(&form.payload) else { return bad_request("interactivity payload") };
    let Some(action) = p.actions.into_iter().next().filter(|_| p.kind == "block_actions") else {
        // Other interaction types (shortcuts, view submissions) are not used by Rungs.
        return StatusCode::OK.into_response();
    };
    let store = state.store.clone();
    let user = p.user.id;
    // The click, once: the prompt message and the button (a retried delivery of the
    // same click replays instead of recording again).
    let once = format!("{}:{}", p.container.and_then(|c| c.message_ts).unwrap_or(action.action_ts), action.action_id);
    let dir = chat.clone();
    let work = tokio::spawn(async move {
        if action.action_id == chat::CANCEL {
            Reply::text("Nothing was recorded.")
        } else if action.action_id.starts_with(chat::CONFIRM_WIN) {
            chat::confirm_win(store.as_ref(), &dir.directory, &user, &action.value, &once).await
        } else {
            Reply::text("That button is not one of Rungs'.")
        }
    });
    // Slack ignores the body of an interactivity answer and takes the reply at the
    // response_url; Mattermost reads the body. Both get it. A slow one: "working on
    // it" now, the reply at the response_url when the win is recorded.
    match answer_within(work, chat.answer_within, p.response_url.clone(), true).await {
        Ok(reply) => {
            if let Some(url) = p.response_url {
                let r = reply.clone();
                tokio::spawn(async move {
                    chat::respond(&url, &r, true).await;
                });
            }
            Json(reply.to_json(true)).into_response()
        }
        Err(working) => Json(working).into_response(),
    }
}
