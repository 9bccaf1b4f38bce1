//! What the chat command answers: an ephemeral message (only the person who typed
//! the command sees it) with plain `text` (what Mattermost and notifications show)
//! and, where there is something to click, Block Kit `blocks`.

use rungs_core::framework::suggest::Suggestion;
use serde_json::{Value, json};

use super::{CANCEL, CONFIRM_WIN};
use crate::readiness::ReadinessReport;

/// One answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub text: String,
    pub blocks: Option<Value>,
}

impl Reply {
    pub fn text(t: impl Into<String>) -> Self {
        Reply { text: t.into(), blocks: None }
    }

    /// This reply, then `other`'s text on a new line.
    pub fn then(mut self, other: Reply) -> Self {
        self.text = format!("{}\n{}", self.text, other.text);
        self
    }

    pub fn help() -> Self {
        Reply::text(
            "`/rungs win <what you did>`: record a win (I suggest competencies; you confirm).\n\
             `/rungs kudos @person +N <message>`: recognize someone, with N points from your allowance.\n\
             `/rungs me`: your readiness for the next level and the next step.",
        )
    }

    /// The JSON body Slack (and Mattermost) expect: ephemeral. For an interactivity
    /// answer, `replace_original` swaps the message with the buttons for this one.
    pub fn to_json(&self, replace_original: bool) -> Value {
        let mut v = json!({"response_type": "ephemeral", "text": self.text});
        if let Some(b) = &self.blocks {
            v["blocks"] = b.clone();
        }
        if replace_original {
            v["replace_original"] = json!(true);
        }
        v
    }

    /// "Record this win?" with the suggested competencies and the confirm buttons.
    pub fn win_prompt(text: &str, suggestions: &[Suggestion]) -> Self {
        let keys: Vec<&str> = suggestions.iter().map(|s| s.competency.as_str()).collect();
        let names: Vec<&str> = suggestions.iter().map(|s| s.name.as_str()).collect();
        let with = json!({"t": text, "c": keys}).to_string();
        let without = json!({"t": text, "c": []}).to_string();
        let summary = if names.is_empty() {
            "I found no competency in the framework that matches these words.".to_string()
        } else {
            format!("Suggested competencies: {}", names.join(", "))
        };
        let mut buttons = Vec::new();
        if !keys.is_empty() {
            buttons.push(json!({"type": "button", "action_id": CONFIRM_WIN, "style": "primary", "value": with,
                "text": {"type": "plain_text", "text": truncate(&format!("Record with {}", names.join(", ")), 75)}}));
        }
        buttons.push(json!({"type": "button", "action_id": format!("{CONFIRM_WIN}_plain"), "value": without,
            "text": {"type": "plain_text", "text": if keys.is_empty() { "Record the win" } else { "Record without competencies" }}}));
        buttons.push(json!({"type": "button", "action_id": CANCEL, "value": "cancel", "text": {"type": "plain_text", "text": "Cancel"}}));
        let blocks = json!([
            {"type": "section", "text": {"type": "mrkdwn", "text": format!("Record this win?\n>{}", escape(text))}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(&summary)}]},
            {"type": "actions", "block_id": "rungs_win", "elements": buttons},
        ]);
        Reply { text: format!("Record this win? {summary}"), blocks: Some(blocks) }
    }

    /// Readiness and the first recommended step.
    pub fn readiness(r: &ReadinessReport) -> Self {
        let rd = &r.readiness;
        let mut text = match &rd.next_title {
            Some(next) => format!("{}, you are {}% ready for {next}.", r.name, rd.score),
            None => format!("{}, you are at the top of your track ({}).", r.name, r.title),
        };
        match r.recommendations.first() {
            Some(rec) => {
                text.push_str(&format!("\nNext step: {}: {}", rec.name, rec.why));
                if let Some(step) = rec.steps.first() {
                    text.push_str(&format!("\n• {step}"));
                }
            }
            None if rd.next_title.is_some() => text.push_str("\nEvery expectation of the next level is met: talk to your manager about a promotion."),
            None => {}
        }
        Reply::text(text)
    }
}

/// Slack's mrkdwn escapes (`&`, `<`, `>`), so typed text cannot make mentions or links.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_string() } else { format!("{}…", s.chars().take(max - 1).collect::<String>()) }
}
