//! The chat command `/rungs` in Slack's slash-command and interactivity format
//! (docs/INTEGRATIONS.md, "Slack and Mattermost"):
//!
//! - `/rungs win <text>`: competencies suggested from the framework, a Block Kit
//!   button confirms, then the win (a `micro_progression`) is on the ledger;
//! - `/rungs kudos @person +N <message>`: recognition through the recognition use
//!   case (the giver's allowance and policy apply as anywhere else);
//! - `/rungs me`: readiness for the next level and the next step.
//!
//! The chat user is the person whose email the workspace shows for them
//! ([`directory`]); they act with their own sign-in role, so every access rule is the
//! one the API and the pages apply. Signature checks live in `rungs_core::slack`.

pub mod directory;
mod reply;

use rungs_core::event::EventInput;
use rungs_core::person::{Person, PersonStatus};
use rungs_core::recognition::GiftInput;
use rungs_core::store::{Store, StoreError};
use serde_json::json;

pub use directory::{Directory, LookupError};
pub use reply::Reply;

use crate::{AppError, Viewer, accounts};

/// The `action_id` of the button that records a suggested win.
pub const CONFIRM_WIN: &str = "rungs_win_confirm";
/// The `action_id` of the button that drops it.
pub const CANCEL: &str = "rungs_cancel";
/// Longest win text carried in a button value (Slack allows 2,000 characters).
const MAX_WIN_TEXT: usize = 1500;
/// Longest win title; a longer text goes whole into the description.
const MAX_TITLE: usize = 120;

/// The person behind chat user `user_id`, as a viewer acting with their role.
async fn who(store: &dyn Store, dir: &Directory, user_id: &str) -> Result<(Viewer, Person), Reply> {
    let email = dir.email_of(user_id).await.map_err(|e| Reply::text(format!("I could not tell who you are: {e}.")))?;
    let org = store.default_org().await.map_err(internal)?.ok_or_else(|| Reply::text("Rungs has no organization yet."))?;
    let person = match store.person_by_email(org.id, &email).await {
        Ok(p) if p.status == PersonStatus::Active => p,
        Ok(_) | Err(StoreError::NotFound) => return Err(Reply::text(format!("No one in Rungs has the email {email}; ask your people team to add you."))),
        Err(e) => return Err(internal(e)),
    };
    let role = accounts::role_of(store, &person).await.map_err(internal)?;
    Ok((Viewer { org_id: org.id, person_id: Some(person.id), role, token_id: None }, person))
}

fn internal(e: impl Into<AppError>) -> Reply {
    let e: AppError = e.into();
    tracing::error!(error = %e, "chat command failed");
    Reply::text("Something went wrong in Rungs; nothing was recorded. Try again in a moment.")
}

/// An error of a use case in words: field errors say which field and why.
fn refused(e: AppError) -> Reply {
    match e {
        AppError::Invalid(v) => {
            Reply::text(format!("Nothing was recorded: {}.", v.errors.iter().map(|p| format!("{}: {}", p.field, p.reason)).collect::<Vec<_>>().join("; ")))
        }
        AppError::Forbidden(why) => Reply::text(format!("Not allowed: {why}.")),
        AppError::Conflict { field, reason } => Reply::text(format!("Nothing was recorded: {field}: {reason}.")),
        other => internal(other),
    }
}

/// Answer a slash command from chat user `user_id` with `text` (what followed `/rungs`).
pub async fn command(store: &dyn Store, dir: &Directory, user_id: &str, text: &str) -> Reply {
    let text = text.trim();
    let (verb, rest) = text.split_once(char::is_whitespace).map_or((text, ""), |(v, r)| (v, r.trim()));
    let (viewer, person) = match verb.to_ascii_lowercase().as_str() {
        "" | "help" => return Reply::help(),
        "win" | "kudos" | "me" => match who(store, dir, user_id).await {
            Ok(w) => w,
            Err(reply) => return reply,
        },
        other => return Reply::text(format!("I do not know `{other}`.")).then(Reply::help()),
    };
    match verb.to_ascii_lowercase().as_str() {
        "win" => suggest_win(store, &viewer, &person, rest).await,
        "kudos" => kudos(store, dir, &viewer, rest).await,
        _ => me(store, &viewer, &person).await,
    }
}

async fn suggest_win(store: &dyn Store, viewer: &Viewer, person: &Person, text: &str) -> Reply {
    if text.is_empty() {
        return Reply::text("Say what you did: `/rungs win shipped the billing export`.");
    }
    let text: String = text.chars().take(MAX_WIN_TEXT).collect();
    let suggestions = match crate::framework::suggest(store, viewer, &text, Some(person.position.track.as_str())).await {
        Ok(s) => s.into_iter().take(3).collect::<Vec<_>>(),
        Err(e) => return refused(e),
    };
    Reply::win_prompt(&text, &suggestions)
}

/// Record the win a confirm button carries (`value` is the button's value).
/// `once` identifies the click (Slack's message and action timestamps): a repeated
/// delivery of the same click records nothing new.
pub async fn confirm_win(store: &dyn Store, dir: &Directory, user_id: &str, value: &str, once: &str) -> Reply {
    let (viewer, person) = match who(store, dir, user_id).await {
        Ok(w) => w,
        Err(reply) => return reply,
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(value) else {
        return Reply::text("That button is from an older version of Rungs; run the command again.");
    };
    let text = v.get("t").and_then(|t| t.as_str()).unwrap_or_default().trim().to_string();
    let competencies = v.get("c").cloned().unwrap_or_else(|| json!([]));
    if text.is_empty() {
        return Reply::text("That button carries no win; run the command again.");
    }
    let (title, description) = if text.chars().count() > MAX_TITLE {
        let cut: String = text.chars().take(MAX_TITLE - 1).collect();
        (format!("{}…", cut.trim_end()), Some(text.clone()))
    } else {
        (text.clone(), None)
    };
    let input = EventInput {
        subject: json!(person.id),
        kind: json!("micro_progression"),
        payload: json!({"category": "skill", "magnitude": "micro", "title": title, "description": description}),
        competencies,
        ..EventInput::default()
    };
    let claim = match crate::events::claim(&viewer, Some(&format!("chat:{once}")), value.as_bytes()) {
        Ok(c) => c,
        Err(e) => return refused(e),
    };
    match crate::events::record(store, &viewer, vec![input], claim).await {
        Ok(_) => Reply::text(format!("Recorded your win: {title}")),
        Err(e) => refused(e),
    }
}

/// `@person [@person…] [+N] message`, mentions as Slack escapes them (`<@U123|name>`).
fn parse_kudos(rest: &str) -> Result<(Vec<String>, u32, String), String> {
    let mut users = Vec::new();
    let mut points = 0;
    let mut words = rest.split_whitespace().peekable();
    while let Some(w) = words.peek() {
        if let Some(inner) = w.strip_prefix("<@").and_then(|m| m.strip_suffix('>')) {
            users.push(inner.split('|').next().unwrap_or(inner).to_string());
            words.next();
        } else {
            break;
        }
    }
    if let Some(w) = words.peek()
        && let Some(n) = w.strip_prefix('+')
    {
        points = n.parse().map_err(|_| format!("`{w}` is not a number of points; write it as +5"))?;
        words.next();
    }
    let message = words.collect::<Vec<_>>().join(" ");
    if users.is_empty() {
        return Err("Mention who you recognize: `/rungs kudos @ada +5 for the release notes`.".into());
    }
    if message.is_empty() {
        return Err("Say what they did after the mention and points.".into());
    }
    Ok((users, points, message))
}

async fn kudos(store: &dyn Store, dir: &Directory, viewer: &Viewer, rest: &str) -> Reply {
    let (users, points, message) = match parse_kudos(rest) {
        Ok(k) => k,
        Err(e) => return Reply::text(e),
    };
    let mut to = Vec::new();
    for u in &users {
        let email = match dir.email_of(u).await {
            Ok(e) => e,
            Err(e) => return Reply::text(format!("I could not tell who <@{u}> is: {e}.")),
        };
        match store.person_by_email(viewer.org_id, &email).await {
            Ok(p) if p.status == PersonStatus::Active => to.push(p),
            Ok(_) | Err(StoreError::NotFound) => return Reply::text(format!("<@{u}> is not in Rungs ({email}).")),
            Err(e) => return internal(e),
        }
    }
    let input = GiftInput { to: to.iter().map(|p| p.id).collect(), message, points, tags: Vec::new(), competencies: Vec::new(), public: true };
    match crate::recognition::give(store, viewer, input, None, chrono::Utc::now()).await {
        Ok(given) => {
            let names = to.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
            let left = given.balance.left;
            Reply::text(format!("Recognized {names} with {points} point(s). You have {left} point(s) left this period."))
        }
        Err(e) => refused(e),
    }
}

async fn me(store: &dyn Store, viewer: &Viewer, person: &Person) -> Reply {
    let report = match crate::readiness::get(store, viewer, person.id).await {
        Ok(r) => r,
        Err(e) => return refused(e),
    };
    Reply::readiness(&report)
}

/// Post `reply` to a `response_url` (the answer to a button, or to a command that
/// took longer than Slack waits). The URL comes from a request whose signature
/// checked out. Failures are logged: the person can run the command again.
pub async fn respond(response_url: &str, reply: &Reply, replace_original: bool) {
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).redirect(reqwest::redirect::Policy::none()).build();
    let sent = match client {
        Ok(c) => c.post(response_url).json(&reply.to_json(replace_original)).send().await.and_then(reqwest::Response::error_for_status),
        Err(e) => Err(e),
    };
    if let Err(e) = sent {
        tracing::warn!(error = %e, "could not post the chat answer to its response_url");
    }
}

#[cfg(test)]
mod tests {
    use super::parse_kudos;

    #[test]
    fn kudos_reads_slack_mentions_points_and_message() {
        assert_eq!(parse_kudos("<@U1|ada> <@U2> +5 for the release notes"), Ok((vec!["U1".into(), "U2".into()], 5, "for the release notes".into())));
        assert_eq!(parse_kudos("<@U1|ada> thanks"), Ok((vec!["U1".into()], 0, "thanks".into())));
        assert!(parse_kudos("+5 thanks").is_err_and(|e| e.contains("Mention")));
        assert!(parse_kudos("<@U1> +x thanks").is_err_and(|e| e.contains("+x")));
        assert!(parse_kudos("<@U1> +3").is_err_and(|e| e.contains("what they did")));
    }
}
