//! Issuing: a completed milestone, a badge award or a micro-promotion on the ledger
//! becomes a signed `OpenBadgeCredential` (docs/CREDENTIALS.md), stored once per
//! person and event with a random free position in a revocation status list.

use std::sync::LazyLock;

use chrono::{DateTime, SecondsFormat, Utc};
use rand::Rng;
use rungs_core::credentials::{CredentialSource, Issued, IssuedCredential, LIST_ENTRIES};
use rungs_core::event::{Event, EventBody};
use rungs_core::framework::Framework;
use rungs_core::store::Store;
use rungs_core::{EventId, OrgId};
use rungs_credentials::contexts::Contexts;
use rungs_credentials::openbadge::{self, AchievementKind, Alignment, CredentialInput, Evidence};
use rungs_credentials::proof::{self, ProofOptions};
use serde_json::Value;
use uuid::Uuid;

use super::Issuer;
use crate::AppError;

/// How long an issued credential stays valid: five years. A competency the
/// organization validated says less as years pass; five years is the common
/// horizon of professional recertification. The holder can ask again after that
/// only for new achievements (a credential is issued once per event).
pub const VALID_YEARS: i64 = 5;
/// Random positions tried before giving up: each try finds a taken position with
/// probability at most 1/2 (a list takes new credentials until half full), so 32
/// failures in a row happen with probability below 2⁻³².
const POSITION_TRIES: usize = 32;
/// Evidence entries at most per credential (a milestone lists the wins that
/// completed it; the ledger keeps the rest).
const MAX_EVIDENCE: usize = 20;

/// The bundled contexts, read once.
pub(crate) static CONTEXTS: LazyLock<Contexts> = LazyLock::new(Contexts::bundled);

/// The kind of credential `body` earns, if any.
#[must_use]
pub fn source_of(body: &EventBody) -> Option<CredentialSource> {
    match body {
        EventBody::MilestoneCompleted(_) => Some(CredentialSource::Milestone),
        EventBody::BadgeAwarded(_) => Some(CredentialSource::Badge),
        EventBody::MicroPromotion(_) => Some(CredentialSource::MicroPromotion),
        _ => None,
    }
}

/// Where every public credential URL starts: the public URL, or `http://localhost`
/// when none is set (links then only resolve on the server's own machine).
#[must_use]
pub fn base_url(issuer: &Issuer) -> String {
    issuer.public_url().unwrap_or("http://localhost").to_string()
}

/// `{base}/credentials/status/{list}`.
#[must_use]
pub fn status_list_url(issuer: &Issuer, list: i32) -> String {
    format!("{}/credentials/status/{list}", base_url(issuer))
}

/// RFC 3339, seconds, `Z` (what validFrom and proofs carry).
#[must_use]
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn alignments(framework: &Framework, keys: &[String], base: &str, org_name: &str) -> Vec<Alignment> {
    keys.iter()
        .filter_map(|k| framework.competencies.iter().find(|c| &c.key == k))
        .map(|c| Alignment {
            target_name: c.name.clone(),
            target_url: format!("{base}/framework#competency-{}", c.key),
            target_description: (!c.category.is_empty()).then(|| format!("Category: {}", c.category)),
            target_framework: Some(format!("{org_name} career framework")),
            target_code: Some(c.key.clone()),
        })
        .collect()
}

/// What an achievement says.
struct Achievement {
    kind: AchievementKind,
    id: String,
    name: String,
    description: String,
    criteria: String,
    competencies: Vec<String>,
}

fn achievement(e: &Event, framework: &Framework, base: &str) -> Option<Achievement> {
    let (kind, id, name, description, criteria, competencies) = match &e.body {
        EventBody::MilestoneCompleted(m) => {
            let module = framework.milestones.iter().find(|x| x.key == m.milestone);
            let competencies = module.map_or_else(|| e.competencies.clone(), |x| x.competencies.clone());
            let criteria = match module {
                Some(x) => {
                    let r = &x.criterion;
                    let mut s = format!("At least {} point(s) of recorded evidence (wins) in the module's competencies", r.min_events);
                    if r.validated_only {
                        s.push_str(", each validated by a manager or a peer");
                    }
                    if let Some(months) = r.within_months {
                        s.push_str(&format!(", within {months} months"));
                    }
                    s.push_str(", checked by Rungs against the organization's ledger.");
                    s
                }
                None => "The milestone module's criterion, checked by Rungs against the organization's ledger.".to_string(),
            };
            let level = framework.track(&m.track).and_then(|t| t.levels.iter().find(|l| l.key == m.to_level)).map_or(m.to_level.clone(), |l| l.title.clone());
            (
                AchievementKind::Milestone,
                format!("{base}/achievements/milestone/{}", slug(&m.milestone)),
                m.title.clone(),
                format!("A milestone module on the way to {level}: a set of competencies the organization validated from recorded evidence."),
                criteria,
                competencies,
            )
        }
        EventBody::BadgeAwarded(b) => (
            AchievementKind::Badge,
            format!("{base}/achievements/badge/{}/{}", slug(&b.badge), b.tier.as_str()),
            format!("{} ({})", b.name, b.tier.as_str()),
            format!("The {} tier of the badge {}.", b.tier.as_str(), b.name),
            match (&b.reason, b.by_hand) {
                (Some(r), true) => format!("Awarded by hand: {r}"),
                (Some(r), false) => format!("Earned by the badge's rule: {r}"),
                (None, true) => "Awarded by hand by the organization.".into(),
                (None, false) => "Earned by the badge's rule over the organization's ledger.".into(),
            },
            e.competencies.clone(),
        ),
        EventBody::MicroPromotion(p) => (
            AchievementKind::MicroPromotion,
            format!("{base}/achievements/micro-promotion/{}", slug(&p.scope)),
            format!("Micro-promotion: {}", p.scope),
            format!("A step up in scope without a title change: {}.", p.scope),
            "Proposed by the manager and approved by the organization's approval route.".into(),
            e.competencies.clone(),
        ),
        _ => return None,
    };
    Some(Achievement { kind, id, name, description, criteria, competencies })
}

fn evidence(e: &Event, base: &str) -> Vec<Evidence> {
    let mut out = vec![Evidence {
        id: format!("{base}/api/v1/events/{}", e.id),
        name: format!("Ledger event {}", e.kind().as_str()),
        narrative: Some(format!("Recorded on the organization's ledger on {}.", e.occurred_at.date_naive())),
    }];
    if let EventBody::MilestoneCompleted(m) = &e.body {
        out.extend(m.counted.iter().take(MAX_EVIDENCE - 1).map(|id| Evidence {
            id: format!("{base}/api/v1/events/{id}"),
            name: "A win that counted toward the milestone".into(),
            narrative: None,
        }));
    }
    out
}

/// Signs `doc` with the issuer's current key at `at`.
pub(crate) fn sign(issuer: &Issuer, doc: &Value, at: DateTime<Utc>) -> Result<Value, AppError> {
    let options = ProofOptions { created: stamp(at), verification_method: issuer.verification_method(), proof_purpose: "assertionMethod".into() };
    proof::sign(doc, issuer.current_key(), &options, &CONTEXTS).map_err(|e| AppError::context("signing a credential", e))
}

/// Issues the credential for `event` (a milestone completion, badge award or
/// micro-promotion of its subject), or returns the one issued before.
pub async fn issue(store: &dyn Store, issuer: &Issuer, org: OrgId, event: &Event, now: DateTime<Utc>) -> Result<IssuedCredential, AppError> {
    let source = source_of(&event.body).ok_or_else(|| AppError::invalid("event_id", "is not a milestone completion, a badge award or a micro-promotion"))?;
    if let Some(done) = store.credential_for_event(org, event.subject, event.id).await? {
        return Ok(done);
    }
    if store.reversed_ids(org, event.subject).await?.contains(&event.id) {
        return Err(AppError::invalid("event_id", "was reversed: there is nothing to certify"));
    }
    let person = store.person(org, event.subject).await?;
    let organization = store.org(org).await?;
    let framework = store.framework(org).await?;
    let base = base_url(issuer);
    let Achievement { kind, id: achievement_id, name, description, criteria, competencies } =
        achievement(event, &framework, &base).ok_or_else(|| AppError::invalid("event_id", "has no achievement"))?;
    let id = Uuid::now_v7();
    let mut salt = [0u8; 16];
    rand::thread_rng().fill(&mut salt);
    let mut input = CredentialInput {
        id: format!("{base}/credentials/{id}"),
        kind,
        issuer: issuer.ob_issuer(&organization.name),
        achievement_id,
        name: name.clone(),
        description,
        criteria,
        image_url: format!("{base}/credentials/{id}.png"),
        alignments: alignments(&framework, &competencies, &base, &organization.name),
        email: person.email.clone(),
        salt: hex::encode(salt),
        evidence: evidence(event, &base),
        valid_from: stamp(now),
        valid_until: Some(stamp(now + chrono::Duration::days(365 * VALID_YEARS + VALID_YEARS / 4))),
        status_list_url: String::new(),
        status_index: 0,
    };
    if input.issuer.url.is_empty() {
        input.issuer.url = base.clone();
    }
    for _ in 0..POSITION_TRIES {
        let (list, _) = store.status_list_in_use().await?;
        let index = rand::thread_rng().gen_range(0..LIST_ENTRIES);
        input.status_list_url = status_list_url(issuer, list);
        input.status_index = usize::try_from(index).unwrap_or_default();
        let document = sign(issuer, &openbadge::credential(&input), now)?;
        let record = IssuedCredential {
            id,
            org_id: org,
            person: event.subject,
            source,
            event_id: event.id,
            name: name.clone(),
            status_list: list,
            status_index: index,
            document,
            issued_at: now,
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
        };
        match store.insert_credential(&record).await? {
            Issued::New => return Ok(record),
            Issued::Already(old) => return Ok(*old),
            Issued::PositionTaken => continue,
        }
    }
    Err(AppError::internal(format!("no free status list position after {POSITION_TRIES} tries")))
}

/// Issues for the event `id` of the organization.
pub async fn issue_event(store: &dyn Store, issuer: &Issuer, org: OrgId, id: EventId, now: DateTime<Utc>) -> Result<IssuedCredential, AppError> {
    let event = store.event(org, id).await?;
    issue(store, issuer, org, &event, now).await
}
