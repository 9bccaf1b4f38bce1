//! `did:web` and `did:key` identifiers and their DID documents.
//!
//! A `did:web` document lists every key the issuer ever signed with (rotation keeps old
//! keys verifying); each is a Multikey in `assertionMethod`.

use serde_json::{Value, json};

use crate::contexts::{DID_V1, MULTIKEY_V1};

/// `did:web:<host>`; a port's `:` is percent-encoded as the method requires.
#[must_use]
pub fn did_web(host: &str) -> String {
    format!("did:web:{}", host.replace(':', "%3A"))
}

/// The `did:key` of a public Multikey.
#[must_use]
pub fn did_key(public_multibase: &str) -> String {
    format!("did:key:{public_multibase}")
}

/// The verification method id of a `did:key` (the key is its own fragment).
#[must_use]
pub fn did_key_method(public_multibase: &str) -> String {
    format!("did:key:{public_multibase}#{public_multibase}")
}

/// One key in a DID document.
#[derive(Debug, Clone)]
pub struct PublishedKey {
    /// The fragment after `#` (e.g. `key-1`).
    pub fragment: String,
    pub public_multibase: String,
}

/// The DID document of `did` publishing `keys`, newest first.
#[must_use]
pub fn document(did: &str, keys: &[PublishedKey]) -> Value {
    let methods: Vec<Value> = keys
        .iter()
        .map(|k| {
            json!({
                "id": format!("{did}#{}", k.fragment),
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": k.public_multibase,
            })
        })
        .collect();
    let ids: Vec<Value> = keys.iter().map(|k| Value::String(format!("{did}#{}", k.fragment))).collect();
    json!({
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    })
}

/// The public Multikey that `document` publishes under `method_id` for assertions.
#[must_use]
pub fn assertion_key<'a>(document: &'a Value, method_id: &str) -> Option<&'a str> {
    let listed =
        document.get("assertionMethod")?.as_array()?.iter().any(|m| m.as_str() == Some(method_id) || m.get("id").and_then(Value::as_str) == Some(method_id));
    if !listed {
        return None;
    }
    document.get("verificationMethod")?.as_array()?.iter().find(|m| m.get("id").and_then(Value::as_str) == Some(method_id))?.get("publicKeyMultibase")?.as_str()
}
