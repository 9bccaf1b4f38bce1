//! Verifying a credential: each check reported separately, with the reason.
//!
//! The caller supplies how to resolve a DID document and fetch a status list credential
//! (Rungs resolves its own from the store; anything else is reported as unresolvable,
//! never fetched from the network here).

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::contexts::Contexts;
use crate::did;
use crate::keys;
use crate::proof;
use crate::status_list::Bitstring;

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    pub ok: bool,
    pub detail: String,
}

impl Check {
    fn pass(detail: impl Into<String>) -> Self {
        Self { ok: true, detail: detail.into() }
    }
    fn fail(detail: impl Into<String>) -> Self {
        Self { ok: false, detail: detail.into() }
    }
}

/// The verification report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub valid: bool,
    pub signature: Check,
    pub status: Check,
    pub dates: Check,
    /// Whether the credential is revoked (false when the status could not be read).
    pub revoked: bool,
    pub expired: bool,
}

/// Where DID documents and status lists come from.
pub trait Resolver {
    /// The DID document of `did` (without fragment).
    fn did_document(&self, did: &str) -> Option<Value>;
    /// The status list credential at `url`.
    fn status_list(&self, url: &str) -> Option<Value>;
}

/// The public key a verification method names: `did:key` is self-describing; other DIDs
/// go through the resolver.
pub fn resolve_key(method: &str, resolver: &dyn Resolver) -> Result<ed25519_dalek::VerifyingKey, String> {
    let (did_part, fragment) = method.split_once('#').ok_or_else(|| format!("verification method {method} has no #fragment"))?;
    if let Some(public) = did_part.strip_prefix("did:key:") {
        if public != fragment {
            return Err("did:key fragment does not match its key".into());
        }
        return keys::public_from_multibase(public).map_err(|e| e.to_string());
    }
    let doc = resolver.did_document(did_part).ok_or_else(|| format!("cannot resolve {did_part}"))?;
    let public = did::assertion_key(&doc, method).ok_or_else(|| format!("{did_part} does not list {method} for assertions"))?;
    keys::public_from_multibase(public).map_err(|e| e.to_string())
}

fn check_signature(doc: &Value, resolver: &dyn Resolver, contexts: &Contexts) -> Check {
    let method = match proof::verification_method(doc) {
        Ok(m) => m,
        Err(e) => return Check::fail(e.to_string()),
    };
    let issuer = doc.get("issuer").and_then(|i| i.get("id").or(Some(i))).and_then(Value::as_str).unwrap_or_default();
    if !method.starts_with(&format!("{issuer}#")) {
        return Check::fail(format!("the key {method} is not the issuer's ({issuer})"));
    }
    let key = match resolve_key(&method, resolver) {
        Ok(k) => k,
        Err(e) => return Check::fail(e),
    };
    match proof::verify(doc, &key, contexts) {
        Ok(_) => Check::pass(format!("signed by {method}")),
        Err(e) => Check::fail(e.to_string()),
    }
}

fn parse_time(doc: &Value, field: &str) -> Result<Option<DateTime<Utc>>, String> {
    match doc.get(field) {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| Some(t.with_timezone(&Utc)))
            .ok_or_else(|| format!("{field} is not an RFC 3339 date-time")),
    }
}

fn check_dates(doc: &Value, now: DateTime<Utc>) -> (Check, bool) {
    let from = match parse_time(doc, "validFrom") {
        Ok(t) => t,
        Err(e) => return (Check::fail(e), false),
    };
    let until = match parse_time(doc, "validUntil") {
        Ok(t) => t,
        Err(e) => return (Check::fail(e), false),
    };
    if let Some(from) = from
        && now < from
    {
        return (Check::fail(format!("not valid before {}", from.to_rfc3339())), false);
    }
    if let Some(until) = until
        && now > until
    {
        return (Check::fail(format!("expired on {}", until.to_rfc3339())), true);
    }
    (Check::pass("within its validity period"), false)
}

fn check_status(doc: &Value, resolver: &dyn Resolver, contexts: &Contexts) -> (Check, bool) {
    let Some(status) = doc.get("credentialStatus") else {
        return (Check::pass("no status entry (cannot be revoked)"), false);
    };
    let url = status.get("statusListCredential").and_then(Value::as_str);
    let index = status.get("statusListIndex").and_then(Value::as_str).and_then(|s| s.parse::<usize>().ok());
    let (Some(url), Some(index)) = (url, index) else {
        return (Check::fail("credentialStatus lacks statusListCredential or a numeric statusListIndex"), false);
    };
    let Some(list) = resolver.status_list(url) else {
        return (Check::fail(format!("cannot fetch the status list {url}")), false);
    };
    let signed = check_signature(&list, resolver, contexts);
    if !signed.ok {
        return (Check::fail(format!("the status list's proof fails: {}", signed.detail)), false);
    }
    if list.get("issuer").and_then(Value::as_str) != doc.get("issuer").and_then(|i| i.get("id").or(Some(i))).and_then(Value::as_str) {
        return (Check::fail("the status list has another issuer"), false);
    }
    let Some(encoded) = list.pointer("/credentialSubject/encodedList").and_then(Value::as_str) else {
        return (Check::fail("the status list has no encodedList"), false);
    };
    match Bitstring::decode(encoded).and_then(|b| b.get(index)) {
        Ok(true) => (Check::fail("revoked"), true),
        Ok(false) => (Check::pass("not revoked"), false),
        Err(e) => (Check::fail(e.to_string()), false),
    }
}

/// Verifies signature, validity dates and revocation status of `doc` at `now`.
#[must_use]
pub fn verify(doc: &Value, resolver: &dyn Resolver, contexts: &Contexts, now: DateTime<Utc>) -> Report {
    let signature = check_signature(doc, resolver, contexts);
    let (dates, expired) = check_dates(doc, now);
    let (status, revoked) = check_status(doc, resolver, contexts);
    Report { valid: signature.ok && dates.ok && status.ok, signature, status, dates, revoked, expired }
}
