//! What anyone may read and check without signing in: a credential, its baked PNG,
//! the signed status list, and verification of a pasted or uploaded credential.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rungs_core::credentials::{IssuedCredential, LIST_ENTRIES};
use rungs_core::store::{Store, StoreError};
use rungs_credentials::status_list::Bitstring;
use rungs_credentials::verify::{self, Check, Resolver};
use rungs_credentials::{bake, openbadge};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::Issuer;
use super::issuing::{CONTEXTS, base_url, sign, stamp, status_list_url};
use crate::AppError;

/// The credential with id `id` (public: the id is in the credential's own URL).
pub async fn credential(store: &dyn Store, id: Uuid) -> Result<IssuedCredential, AppError> {
    Ok(store.credential(id).await?)
}

/// The badge image with the credential baked in (Open Badges baking).
pub fn baked_png(c: &IssuedCredential) -> Result<Vec<u8>, AppError> {
    let image = bake::solid_png(256, colour(c))?;
    let json = serde_json::to_string(&c.document).map_err(AppError::unexpected)?;
    Ok(bake::bake(&image, &json)?)
}

/// One colour per kind of achievement (the page's palette).
fn colour(c: &IssuedCredential) -> [u8; 3] {
    match c.source {
        rungs_core::credentials::CredentialSource::Milestone => [0x1f, 0x6f, 0xb2],
        rungs_core::credentials::CredentialSource::Badge => [0xb2, 0x6b, 0x1f],
        rungs_core::credentials::CredentialSource::MicroPromotion => [0x2e, 0x7d, 0x32],
    }
}

impl From<rungs_credentials::Error> for AppError {
    fn from(e: rungs_credentials::Error) -> Self {
        AppError::unexpected(e)
    }
}

/// The signed `BitstringStatusListCredential` of `list`: its revoked positions set.
/// Deterministic for a given state (dated and signed at the latest revocation, and
/// Ed25519 signatures are deterministic), so caches and ETags hold.
pub async fn status_list(store: &dyn Store, issuer: &Issuer, list: i32) -> Result<Value, AppError> {
    let (revoked, at) = match store.status_list_bits(list).await {
        Ok(x) => x,
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let mut bits = Bitstring::new(usize::try_from(LIST_ENTRIES).unwrap_or_default());
    for i in revoked {
        bits.set(usize::try_from(i).unwrap_or(usize::MAX), true)?;
    }
    let doc = openbadge::status_list_credential(&status_list_url(issuer, list), &issuer.did(), &bits.encode()?, &stamp(at));
    sign(issuer, &doc, at)
}

/// A verification, check by check.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// Every check passed.
    pub valid: bool,
    /// The proof, by a key the issuer's DID document lists for assertions.
    #[schema(value_type = Object)]
    pub signature: Check,
    /// The fields the Open Badges 3.0 credential schema requires.
    #[schema(value_type = Object)]
    pub schema: Check,
    /// The revocation status list (itself signed by the same issuer).
    #[schema(value_type = Object)]
    pub status: Check,
    /// validFrom / validUntil at the time of verification.
    #[schema(value_type = Object)]
    pub dates: Check,
    pub revoked: bool,
    pub expired: bool,
    /// The credential's id and achievement name, when present.
    pub id: Option<String>,
    pub name: Option<String>,
}

/// Resolves only what this server publishes: its own DID document and status lists.
/// Anything else is reported as unresolvable (never fetched: a verification request
/// must not make the server call out to addresses it names).
struct Local {
    did: String,
    did_document: Value,
    lists: HashMap<String, Value>,
}

impl Resolver for Local {
    fn did_document(&self, did: &str) -> Option<Value> {
        (did == self.did).then(|| self.did_document.clone())
    }
    fn status_list(&self, url: &str) -> Option<Value> {
        self.lists.get(url).cloned()
    }
}

fn check(ok: bool, detail: impl Into<String>) -> Check {
    Check { ok, detail: detail.into() }
}

fn has(v: &Value, pointer: &str) -> bool {
    v.pointer(pointer).is_some_and(|x| !x.is_null())
}

fn types(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => vec![],
    }
}

/// The Open Badges 3.0 AchievementCredential schema's requirements (VC 2.0
/// revision): the first failure, naming the field.
fn check_schema(doc: &Value) -> Check {
    let contexts = types(doc.get("@context"));
    if contexts.first().map(String::as_str) != Some(rungs_credentials::contexts::CREDENTIALS_V2) {
        return check(false, "@context must start with https://www.w3.org/ns/credentials/v2");
    }
    if !contexts.iter().any(|c| c.starts_with("https://purl.imsglobal.org/spec/ob/v3p0/context")) {
        return check(false, "@context must include the Open Badges 3.0 context");
    }
    let t = types(doc.get("type"));
    if !t.iter().any(|x| x == "VerifiableCredential") || !t.iter().any(|x| x == "OpenBadgeCredential" || x == "AchievementCredential") {
        return check(false, "type must include VerifiableCredential and OpenBadgeCredential");
    }
    for (pointer, field) in [
        ("/id", "id"),
        ("/name", "name"),
        ("/issuer/id", "issuer.id"),
        ("/validFrom", "validFrom"),
        ("/credentialSubject/achievement/id", "credentialSubject.achievement.id"),
        ("/credentialSubject/achievement/name", "credentialSubject.achievement.name"),
        ("/credentialSubject/achievement/description", "credentialSubject.achievement.description"),
        ("/credentialSubject/achievement/criteria", "credentialSubject.achievement.criteria"),
    ] {
        if !has(doc, pointer) {
            return check(false, format!("{field} is required"));
        }
    }
    if !types(doc.pointer("/credentialSubject/type")).iter().any(|x| x == "AchievementSubject") {
        return check(false, "credentialSubject.type must include AchievementSubject");
    }
    if !types(doc.pointer("/credentialSubject/achievement/type")).iter().any(|x| x == "Achievement") {
        return check(false, "credentialSubject.achievement.type must include Achievement");
    }
    if !has(doc, "/credentialSubject/id") && doc.pointer("/credentialSubject/identifier").and_then(Value::as_array).is_none_or(Vec::is_empty) {
        return check(false, "credentialSubject needs an id or an identifier");
    }
    for (i, ident) in doc.pointer("/credentialSubject/identifier").and_then(Value::as_array).into_iter().flatten().enumerate() {
        for f in ["type", "hashed", "identityHash", "identityType"] {
            if ident.get(f).is_none() {
                return check(false, format!("credentialSubject.identifier[{i}].{f} is required"));
            }
        }
    }
    if !has(doc, "/proof") {
        return check(false, "proof is required (an embedded Data Integrity proof)");
    }
    check(true, "has every field the Open Badges 3.0 credential schema requires")
}

/// Verifies `doc` (a credential as JSON) against what this server publishes.
pub async fn verify(store: &dyn Store, issuer: &Issuer, doc: &Value, now: DateTime<Utc>) -> Result<Verification, AppError> {
    let mut lists = HashMap::new();
    let prefix = format!("{}/credentials/status/", base_url(issuer));
    if let Some(url) = doc.pointer("/credentialStatus/statusListCredential").and_then(Value::as_str)
        && let Some(list) = url.strip_prefix(&prefix).and_then(|n| n.parse::<i32>().ok())
    {
        match status_list(store, issuer, list).await {
            Ok(v) => {
                lists.insert(url.to_string(), v);
            }
            Err(AppError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    let resolver = Local { did: issuer.did(), did_document: issuer.did_document(), lists };
    let report = verify::verify(doc, &resolver, &CONTEXTS, now);
    let schema = check_schema(doc);
    Ok(Verification {
        valid: report.valid && schema.ok,
        signature: report.signature,
        schema,
        status: report.status,
        dates: report.dates,
        revoked: report.revoked,
        expired: report.expired,
        id: doc.get("id").and_then(Value::as_str).map(str::to_owned),
        name: doc.pointer("/credentialSubject/achievement/name").and_then(Value::as_str).map(str::to_owned),
    })
}

/// A credential from what was pasted or uploaded: JSON text, or a PNG with a baked
/// credential. The field named in errors is `field`.
pub fn parse_upload(bytes: &[u8], field: &str) -> Result<Value, AppError> {
    let text = if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        bake::extract(bytes)
            .map_err(|e| AppError::invalid(field, format!("is not a readable PNG: {e}")))?
            .ok_or_else(|| AppError::invalid(field, "is a PNG without a baked credential (no openbadgecredential iTXt chunk)"))?
    } else {
        String::from_utf8(bytes.to_vec()).map_err(|_| AppError::invalid(field, "is neither JSON text nor a PNG"))?
    };
    let doc: Value = serde_json::from_str(text.trim()).map_err(|e| AppError::invalid(field, format!("is not JSON: {e}")))?;
    if !doc.is_object() {
        return Err(AppError::invalid(field, "must be a JSON object (a credential)"));
    }
    Ok(doc)
}
