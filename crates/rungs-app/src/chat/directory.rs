//! Who a chat user is: slash commands and interactivity payloads carry only the
//! workspace's user id (`U123`), so the email is looked up with the Web API method
//! `users.info` (scope `users:read.email`) and the answer cached. The API base URL is
//! configurable: `https://slack.com/api` for Slack, a fake server in tests.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;

/// How long a user id → email answer is reused.
const CACHE_TTL: Duration = Duration::from_secs(3600);
/// `users.info` must answer in this time: the whole command has three seconds.
const LOOKUP_TIMEOUT: Duration = Duration::from_millis(1500);

/// Slack's `users.info` with a cache.
pub struct Directory {
    api_base: String,
    bot_token: String,
    http: reqwest::Client,
    cache: Mutex<HashMap<String, (String, Instant)>>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory").field("api_base", &self.api_base).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct UsersInfo {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    user: Option<User>,
}

#[derive(Deserialize)]
struct User {
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    profile: Profile,
}

#[derive(Deserialize, Default)]
struct Profile {
    #[serde(default)]
    email: Option<String>,
}

/// Why a chat user could not be resolved to an email.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("the chat workspace did not answer in time; try again")]
    Unavailable,
    #[error("the chat workspace shows no email for this user ({0})")]
    NoEmail(String),
}

impl Directory {
    pub fn new(api_base: &str, bot_token: &str) -> Self {
        let http = reqwest::Client::builder().timeout(LOOKUP_TIMEOUT).redirect(reqwest::redirect::Policy::none()).build().unwrap_or_default();
        Directory { api_base: api_base.trim_end_matches('/').to_string(), bot_token: bot_token.to_string(), http, cache: Mutex::new(HashMap::new()) }
    }

    /// The email of chat user `user_id`, lower-cased.
    pub async fn email_of(&self, user_id: &str) -> Result<String, LookupError> {
        if let Some((email, at)) = self.cache.lock().await.get(user_id)
            && at.elapsed() < CACHE_TTL
        {
            return Ok(email.clone());
        }
        let res =
            self.http.get(format!("{}/users.info", self.api_base)).bearer_auth(&self.bot_token).query(&[("user", user_id)]).send().await.map_err(|e| {
                tracing::warn!(error = %e, "users.info failed");
                LookupError::Unavailable
            })?;
        let info: UsersInfo = res.json().await.map_err(|e| {
            tracing::warn!(error = %e, "users.info answered something unreadable");
            LookupError::Unavailable
        })?;
        let email = match info {
            UsersInfo { ok: true, user: Some(User { deleted: false, profile: Profile { email: Some(e) } }), .. } if !e.trim().is_empty() => {
                e.trim().to_lowercase()
            }
            UsersInfo { ok: false, error, .. } => return Err(LookupError::NoEmail(error.unwrap_or_else(|| "no error given".into()))),
            _ => return Err(LookupError::NoEmail("no email in the profile; the app needs the users:read.email scope".into())),
        };
        self.cache.lock().await.insert(user_id.to_string(), (email.clone(), Instant::now()));
        Ok(email)
    }
}
