//! One inbound delivery: who sent it (the source named in the URL, its secret), what
//! it says (the sender's published payload), whose work it is (account links, email)
//! and what it maps to (the rules). A delivery is recorded once per source and
//! delivery id; a matched one leaves a suggested win in its person's inbox, or a win
//! at once when the organization auto-accepts.

use chrono::{DateTime, Utc};
use rungs_core::evidence::payload::{Author, Skip, WorkEvent, read};
use rungs_core::evidence::rules::{account_key, map};
use rungs_core::evidence::verify::{Refusal, verify_generic, verify_github, verify_gitlab};
use rungs_core::evidence::{Outcome, Received, Source, SourceKind, Suggestion, SuggestionState};
use rungs_core::person::PersonStatus;
use rungs_core::store::{Store, StoreError};
use rungs_core::{OrgId, PersonId};
use uuid::Uuid;

use super::{AcceptInput, accept_as, person_viewer};
use crate::AppError;

/// The headers a delivery may carry, as sent.
#[derive(Debug, Clone, Default)]
pub struct Inbound<'a> {
    /// `X-GitHub-Event` or `X-Gitlab-Event`.
    pub event: Option<&'a str>,
    /// `X-GitHub-Delivery`, or GitLab's `Idempotency-Key` / `X-Gitlab-Event-UUID`.
    pub delivery: Option<&'a str>,
    /// `X-Hub-Signature-256`, `X-Gitlab-Token` or `Rungs-Evidence-Signature`.
    pub signature: Option<&'a str>,
}

/// Why a delivery is refused before anything is read from it.
#[derive(Debug)]
pub enum Refused {
    /// No source has this id.
    UnknownSender,
    /// The source's secret does not check out (with the source's kind, for metrics).
    Signature(SourceKind, Refusal),
    /// Signed, but not in the shape the sender publishes: the field and the reason.
    Malformed(SourceKind, String),
    /// The store failed.
    Store(AppError),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Self {
        Refused::Store(e.into())
    }
}

/// What became of an authentic delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub kind: SourceKind,
    pub outcome: Outcome,
    /// The delivery had been received before: nothing changed.
    pub duplicate: bool,
    /// The suggestion it made (or had made), if any.
    pub suggestion: Option<Uuid>,
}

/// Receive a delivery for source `source_id`.
pub async fn receive(store: &dyn Store, source_id: Uuid, h: &Inbound<'_>, body: &[u8], now: DateTime<Utc>) -> Result<Receipt, Refused> {
    let source = match store.source_by_id(source_id).await {
        Ok(s) => s,
        Err(StoreError::NotFound) => return Err(Refused::UnknownSender),
        Err(e) => return Err(e.into()),
    };
    let checked = match source.kind {
        SourceKind::Github => verify_github(&source.secret_hash, h.signature, body),
        SourceKind::Gitlab => verify_gitlab(&source.secret_hash, h.signature),
        SourceKind::Generic => verify_generic(&source.secret_hash, h.signature, body, now),
    };
    checked.map_err(|r| Refused::Signature(source.kind, r))?;
    let work = match read(source.kind, h.event, h.delivery, body) {
        Ok(w) => w,
        Err(Skip::Ignored(_)) => return Ok(Receipt { kind: source.kind, outcome: Outcome::Ignored, duplicate: false, suggestion: None }),
        Err(Skip::Malformed(why)) => return Err(Refused::Malformed(source.kind, why)),
    };
    let org = source.org_id;
    let person = author(store, org, source.kind, &work).await?;
    let mapped = map(&store.rules(org).await?, &work);
    let auto = store.auto_accept(org).await?;
    let (outcome, suggestion) = match (person, mapped) {
        (None, _) => (Outcome::UnknownAuthor, None),
        (Some(_), None) => (Outcome::Unmapped, None),
        (Some(p), Some((competencies, category))) => {
            (if auto { Outcome::AutoAccepted } else { Outcome::Suggested }, Some(suggestion(&source, p, &work, competencies, category, now)))
        }
    };
    let received = Received { source_id: source.id, delivery: work.delivery.clone(), outcome, received_at: now };
    let fresh = store.record_delivery(org, &received, suggestion.as_ref()).await?;
    if !fresh {
        let earlier = store.received(org, source.id, 1000).await?.into_iter().find(|r| r.delivery == work.delivery);
        return Ok(Receipt { kind: source.kind, outcome: earlier.map_or(outcome, |r| r.outcome), duplicate: true, suggestion: None });
    }
    if let Some(s) = &suggestion
        && auto
    {
        // The person's own right to record a win about themself; a refusal (they
        // left, a date before their hire) leaves the suggestion pending for them.
        if let Err(e) = accept_as(store, &person_viewer(org, s.person_id), s.clone(), &AcceptInput::default(), now).await {
            tracing::warn!(suggestion = %s.id, error = %e, "auto-accept refused: the suggestion waits for its person");
        }
    }
    Ok(Receipt { kind: source.kind, outcome, duplicate: false, suggestion: suggestion.map(|s| s.id) })
}

/// The active person the work is credited to: the first author a link or an email names.
async fn author(store: &dyn Store, org: OrgId, kind: SourceKind, work: &WorkEvent) -> Result<Option<PersonId>, Refused> {
    let accounts = store.accounts(org).await?;
    for a in &work.authors {
        let found = match a {
            Author::Email(email) => match store.person_by_email(org, email).await {
                Ok(p) => Some(p.id),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            },
            other => account_key(other).and_then(|key| accounts.iter().find(|x| x.system == kind && x.login == key).map(|x| x.person_id)),
        };
        if let Some(id) = found {
            match store.person(org, id).await {
                Ok(p) if p.status == PersonStatus::Active => return Ok(Some(id)),
                Ok(_) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(None)
}

fn suggestion(
    source: &Source,
    person: PersonId,
    w: &WorkEvent,
    competencies: Vec<String>,
    category: rungs_core::event::Category,
    now: DateTime<Utc>,
) -> Suggestion {
    // A date ahead of our clock (a sender's skew) would be refused by the ledger.
    let occurred_at = w.occurred_at.filter(|t| *t <= now);
    Suggestion {
        id: Uuid::now_v7(),
        org_id: source.org_id,
        person_id: person,
        source_id: source.id,
        source_kind: source.kind,
        delivery: w.delivery.clone(),
        title: w.title.clone(),
        description: w.description.clone(),
        url: w.url.clone().filter(|u| rungs_core::text::parse_url("url", u).is_ok()),
        competencies,
        category,
        occurred_at,
        state: SuggestionState::Pending,
        event_id: None,
        created_at: now,
        resolved_at: None,
    }
}
