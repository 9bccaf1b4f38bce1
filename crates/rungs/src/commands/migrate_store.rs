//! `rungs migrate-store --from sqlite://a.db --to postgres://...`: copy a deployment
//! into an empty PostgreSQL database, then prove the two are equal.
//!
//! Copied: the organization, its framework, the ledger in seq order exactly as it is
//! (ids, seqs, times, actors, idempotency keys), API tokens (hashes), password
//! credentials (argon2 hashes), and the opportunity board (every opportunity and
//! application with its status, times and evidence, replayed through the board's own
//! moves), the organization's time zone, and the issued Open Badges credentials (each
//! exactly as signed, at the same status-list position, revoked as at the source) with
//! the people's automatic-issuing choice and the issuing job's cursor. The people
//! projection is rebuilt at the target with the same folds. The issuer's key is a file,
//! not a table: keep using it at the target (`--issuer-key`, docs/CREDENTIALS.md), or
//! what was issued no longer verifies against the served DID document. Not copied: browser sessions (people sign in again) and request
//! idempotency claims (stop the server while migrating, so no request is in flight).
//!
//! The check compares counts and two SHA-256 digests computed the same way on both
//! sides: of the ledger (each event's canonical JSON, one per line, in seq order) and
//! of `all_people` (each person's JSON, in id order), and of the board (each
//! opportunity's JSON with its applications, in id order).

use std::process::ExitCode;

use anyhow::{Context, bail};
use rungs_core::OrgId;
use rungs_core::opportunity::{Application, ApplicationQuery, ApplicationStatus, Move, Opportunity, OpportunityQuery, OpportunityStatus};
use rungs_core::page::MAX_PAGE;
use rungs_core::session_store::SessionStore;
use rungs_core::store::Store;
use sha2::{Digest, Sha256};

use super::{open_store, the_org};

/// Events read from the source per round trip.
const CHUNK: u32 = 5_000;

/// What the equality check compares.
#[derive(Debug, PartialEq, Eq)]
pub struct Summary {
    pub events: u64,
    pub people: u64,
    pub tokens: u64,
    pub credentials: u64,
    pub opportunities: u64,
    pub applications: u64,
    pub ledger_sha256: String,
    pub people_sha256: String,
    pub board_sha256: String,
    pub issued: u64,
    pub issued_sha256: String,
}

pub async fn run(from: &str, to: &str) -> anyhow::Result<ExitCode> {
    let src = open_store(from).await?;
    let dst = rungs_store::open_postgres(to).await.with_context(|| format!("cannot open target {to}"))?;
    if !dst.is_empty().await? {
        bail!("the target database is not empty: migrate-store only copies into an empty database");
    }
    let org = the_org(src.as_ref()).await?;
    dst.create_org(&org).await?;
    dst.save_framework(org.id, &*src.framework(org.id).await?).await?;
    // Every version, oldest first, so history is still judged by the version in force.
    use rungs_core::framework::FrameworkStore;
    for v in src.framework_versions(org.id).await? {
        dst.save_framework_version(org.id, &v.framework, v.created_at).await?;
    }
    // The organization's calendar (its time zone), when one was set.
    use rungs_core::calendar::CalendarStore;
    if let Some(tz) = src.org_time_zone(org.id).await? {
        dst.save_org_time_zone(org.id, &tz).await?;
    }
    let mut after = 0;
    let mut copied = 0u64;
    loop {
        let chunk = src.export_events(org.id, after, CHUNK).await?;
        let Some(last) = chunk.last() else { break };
        after = last.seq;
        dst.import_events(org.id, &chunk).await?;
        copied += chunk.len() as u64;
        if copied % 100_000 < u64::from(CHUNK) {
            eprintln!("copied {copied} events");
        }
    }
    let rebuilt = dst.rebuild(org.id).await?;
    for t in src.tokens(org.id, None).await? {
        dst.create_token(&t).await?;
    }
    for p in src.all_people(org.id).await? {
        if let Ok(c) = src.credential_by_email(&p.email).await
            && c.org_id == org.id
            && c.person_id == p.id
        {
            dst.set_password_hash(&c).await?;
        }
    }
    let opportunities = copy_board(src.as_ref(), &dst, org.id).await?;
    let issued = copy_credentials(src.as_ref(), &dst, org.id).await?;
    if issued > 0 {
        eprintln!("copied {issued} issued credentials: serve the target with the same issuer key file (--issuer-key), or they stop verifying");
    }
    println!("copied organization \"{}\" ({}): {copied} events, {} people rebuilt, {opportunities} opportunities", org.name, org.id, rebuilt.people);
    let dst: std::sync::Arc<dyn Store> = std::sync::Arc::new(dst);
    let (a, b) = (summary(src.as_ref(), org.id).await?, summary(dst.as_ref(), org.id).await?);
    let same_framework = src.framework(org.id).await? == dst.framework(org.id).await?;
    for (side, s) in [("source", &a), ("target", &b)] {
        println!(
            "{side}: {} events, {} people, {} tokens, {} credentials, {} opportunities, {} applications, {} issued credentials\n  ledger sha256 {}\n  people sha256 {}\n  board sha256 {}\n  issued sha256 {}",
            s.events,
            s.people,
            s.tokens,
            s.credentials,
            s.opportunities,
            s.applications,
            s.issued,
            s.ledger_sha256,
            s.people_sha256,
            s.board_sha256,
            s.issued_sha256
        );
    }
    if a == b && same_framework {
        println!("the target equals the source");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("the target DIFFERS from the source (framework equal: {same_framework})");
        Ok(ExitCode::from(2))
    }
}

/// Counts and digests of one organization, computed only through the Store trait so
/// both backends are measured the same way.
pub async fn summary(store: &dyn Store, org: OrgId) -> anyhow::Result<Summary> {
    let mut ledger = Sha256::new();
    let (mut after, mut events) = (0, 0u64);
    loop {
        let chunk = store.export_events(org, after, CHUNK).await?;
        let Some(last) = chunk.last() else { break };
        after = last.seq;
        for e in &chunk {
            ledger.update(serde_json::to_vec(e)?);
            ledger.update(b"\n");
        }
        events += chunk.len() as u64;
    }
    let people = store.all_people(org).await?;
    let mut folded = Sha256::new();
    let mut credentials = 0u64;
    for p in &people {
        folded.update(serde_json::to_vec(p)?);
        folded.update(b"\n");
        if store.credential_by_email(&p.email).await.is_ok_and(|c| c.org_id == org && c.person_id == p.id) {
            credentials += 1;
        }
    }
    let mut tokens = store.tokens(org, None).await?;
    tokens.sort_by_key(|t| t.id);
    let mut board = Sha256::new();
    let mut opportunities = all_opportunities(store, org).await?;
    opportunities.sort_by_key(|o| o.id);
    let mut applications = 0u64;
    for o in &opportunities {
        board.update(serde_json::to_vec(o)?);
        board.update(b"\n");
        let mut apps = store.applications(org, &ApplicationQuery { opportunity: Some(o.id), applicant: None }).await?;
        apps.sort_by_key(|a| a.id);
        for a in &apps {
            board.update(serde_json::to_vec(a)?);
            board.update(b"\n");
        }
        applications += apps.len() as u64;
    }
    let mut issued = Sha256::new();
    let all_issued = all_credentials(store, org).await?;
    for c in &all_issued {
        issued.update(serde_json::to_vec(c)?);
        issued.update(b"\n");
    }
    Ok(Summary {
        issued: all_issued.len() as u64,
        issued_sha256: hex(&issued.finalize()),
        events,
        people: people.len() as u64,
        tokens: tokens.len() as u64,
        credentials,
        opportunities: opportunities.len() as u64,
        applications,
        ledger_sha256: hex(&ledger.finalize()),
        people_sha256: hex(&folded.finalize()),
        board_sha256: hex(&board.finalize()),
    })
}

/// Every opportunity of `org`, newest first.
async fn all_opportunities(store: &dyn Store, org: OrgId) -> anyhow::Result<Vec<Opportunity>> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.opportunities(org, &OpportunityQuery { cursor, limit: MAX_PAGE, ..Default::default() }).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// Copy the board: each opportunity as open, every application as applied, then the
/// moves that bring each to its status (at the time it last changed), then the
/// closing. Replaying the moves keeps the board's rules checked at the target.
async fn copy_board(src: &dyn Store, dst: &dyn Store, org: OrgId) -> anyhow::Result<u64> {
    let mut opportunities = all_opportunities(src, org).await?;
    opportunities.sort_by_key(|o| o.id);
    for o in &opportunities {
        dst.create_opportunity(&Opportunity { status: OpportunityStatus::Open, closed_at: None, taken: 0, pending: 0, ..o.clone() }).await?;
        let apps = src.applications(org, &ApplicationQuery { opportunity: Some(o.id), applicant: None }).await?;
        for a in &apps {
            dst.apply(&Application { status: ApplicationStatus::Applied, updated_at: a.created_at, evidence: None, ..a.clone() }).await?;
        }
        for a in &apps {
            let moves: &[Move] = match a.status {
                ApplicationStatus::Applied => &[],
                ApplicationStatus::Accepted => &[Move::Accept],
                ApplicationStatus::Completed => &[Move::Accept, Move::Complete],
                ApplicationStatus::Declined => &[Move::Decline],
                ApplicationStatus::Withdrawn => &[Move::Withdraw],
            };
            for mv in moves {
                let evidence = if *mv == Move::Complete { a.evidence } else { None };
                dst.move_application(org, a.id, *mv, a.updated_at, evidence).await?;
            }
        }
        if let (OpportunityStatus::Closed, Some(at)) = (o.status, o.closed_at) {
            dst.close_opportunity(org, o.id, at).await?;
        }
    }
    Ok(opportunities.len() as u64)
}

/// Every issued credential of `org`, newest first.
async fn all_credentials(store: &dyn Store, org: OrgId) -> anyhow::Result<Vec<rungs_core::credentials::IssuedCredential>> {
    let mut out: Vec<rungs_core::credentials::IssuedCredential> = Vec::new();
    loop {
        let page = store.credentials_page(org, out.last().map(|c| c.id), 1_000).await?;
        if page.is_empty() {
            return Ok(out);
        }
        out.extend(page);
    }
}

/// Copy the issued credentials as signed (same ids, documents and status-list
/// positions, so every published link and status bit stays valid), then each
/// revocation as recorded at the source, the people's opt-ins and the issuing
/// cursor. Runs after the rebuild, which could not project revocation events onto
/// credentials not yet copied.
async fn copy_credentials(src: &dyn Store, dst: &dyn Store, org: OrgId) -> anyhow::Result<u64> {
    use rungs_core::credentials::Issued;
    let all = all_credentials(src, org).await?;
    for c in all.iter().rev() {
        let fresh = rungs_core::credentials::IssuedCredential { revoked_at: None, revoked_by: None, revoke_reason: None, ..c.clone() };
        match dst.insert_credential(&fresh).await? {
            Issued::New => {}
            other => bail!("credential {} could not be copied as issued: {other:?}", c.id),
        }
        if let Some(at) = c.revoked_at {
            dst.revoke_credential(org, c.id, c.revoked_by, c.revoke_reason.as_deref().unwrap_or_default(), at).await?;
        }
    }
    let people: Vec<_> = src.all_people(org).await?.into_iter().map(|p| p.id).collect();
    let now = chrono::Utc::now();
    for chunk in people.chunks(1_000) {
        for p in src.opted_in(org, chunk).await? {
            dst.set_credential_opt_in(org, p, true, now).await?;
        }
    }
    let cursor = src.credential_cursor(org).await?;
    if cursor > 0 && !dst.move_credential_cursor(org, 0, cursor).await? {
        bail!("the target's credential cursor moved while copying");
    }
    Ok(all.len() as u64)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
