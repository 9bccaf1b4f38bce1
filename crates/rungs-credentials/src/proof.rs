//! `DataIntegrityProof` with the `eddsa-rdfc-2022` cryptosuite (W3C "Data Integrity EdDSA
//! Cryptosuites v1.0", §3.2).
//!
//! Signing: the proof configuration (the proof without `proofValue`, under the document's
//! `@context`) and the document (without `proof`) are each canonicalized with RDFC-1.0 and
//! hashed with SHA-256; `hashData` = hash(proof config) ‖ hash(document); the Ed25519
//! signature over `hashData` is the `proofValue`, multibase base58btc.

use ed25519_dalek::VerifyingKey;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::Error;
use crate::canon::canonicalize;
use crate::contexts::Contexts;
use crate::keys::{self, KeyPair};

pub const PROOF_TYPE: &str = "DataIntegrityProof";
pub const CRYPTOSUITE: &str = "eddsa-rdfc-2022";

/// The intermediate values of one proof, for tests against published vectors.
#[derive(Debug, Clone)]
pub struct Transcript {
    pub canonical_document: String,
    pub canonical_proof_config: String,
    /// SHA-256(canonical proof config) ‖ SHA-256(canonical document).
    pub hash_data: Vec<u8>,
}

/// What a proof says besides its value.
#[derive(Debug, Clone)]
pub struct ProofOptions {
    /// XML Schema dateTime, e.g. `2023-02-24T23:36:38Z`.
    pub created: String,
    pub verification_method: String,
    pub proof_purpose: String,
}

fn proof_config(document: &Value, options: &ProofOptions) -> Result<Value, Error> {
    let context = document.get("@context").cloned().ok_or_else(|| Error::Proof("the document has no @context".into()))?;
    let mut map = Map::new();
    map.insert("type".into(), PROOF_TYPE.into());
    map.insert("cryptosuite".into(), CRYPTOSUITE.into());
    map.insert("created".into(), options.created.clone().into());
    map.insert("verificationMethod".into(), options.verification_method.clone().into());
    map.insert("proofPurpose".into(), options.proof_purpose.clone().into());
    map.insert("@context".into(), context);
    Ok(Value::Object(map))
}

/// Canonical forms and `hashData` of `unsecured` (no `proof`) under `config` (a proof
/// without `proofValue`, with the document's `@context`).
pub fn transcript(unsecured: &Value, config: &Value, contexts: &Contexts) -> Result<Transcript, Error> {
    let canonical_document = canonicalize(unsecured, contexts)?;
    let canonical_proof_config = canonicalize(config, contexts)?;
    let mut hash_data = Sha256::digest(canonical_proof_config.as_bytes()).to_vec();
    hash_data.extend_from_slice(&Sha256::digest(canonical_document.as_bytes()));
    Ok(Transcript { canonical_document, canonical_proof_config, hash_data })
}

/// Signs `unsecured` (an object without `proof`); returns it with the proof embedded.
pub fn sign(unsecured: &Value, key: &KeyPair, options: &ProofOptions, contexts: &Contexts) -> Result<Value, Error> {
    if unsecured.get("proof").is_some() {
        return Err(Error::Proof("the document already has a proof".into()));
    }
    let config = proof_config(unsecured, options)?;
    let t = transcript(unsecured, &config, contexts)?;
    let proof_value = keys::base58btc(&key.sign(&t.hash_data));
    let mut proof = config;
    if let Some(map) = proof.as_object_mut() {
        map.remove("@context");
        map.insert("proofValue".into(), proof_value.into());
    }
    let mut secured = unsecured.clone();
    secured.as_object_mut().ok_or_else(|| Error::Proof("the document is not a JSON object".into()))?.insert("proof".into(), proof);
    Ok(secured)
}

/// A proof that verified.
#[derive(Debug, Clone)]
pub struct Verified {
    pub verification_method: String,
    pub created: Option<String>,
}

/// The `verificationMethod` a secured document's proof names, before anything is checked.
pub fn verification_method(secured: &Value) -> Result<String, Error> {
    secured
        .get("proof")
        .and_then(|p| p.get("verificationMethod"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::Proof("no proof.verificationMethod".into()))
}

/// Verifies the embedded proof of `secured` with `key` (the key its `verificationMethod`
/// resolved to; the caller resolves it).
pub fn verify(secured: &Value, key: &VerifyingKey, contexts: &Contexts) -> Result<Verified, Error> {
    let map = secured.as_object().ok_or_else(|| Error::Proof("the document is not a JSON object".into()))?;
    let proof = map.get("proof").and_then(Value::as_object).ok_or_else(|| Error::Proof("no proof (or more than one)".into()))?;
    if proof.get("type").and_then(Value::as_str) != Some(PROOF_TYPE) {
        return Err(Error::Proof(format!("proof.type must be {PROOF_TYPE}")));
    }
    if proof.get("cryptosuite").and_then(Value::as_str) != Some(CRYPTOSUITE) {
        return Err(Error::Proof(format!("proof.cryptosuite must be {CRYPTOSUITE}")));
    }
    let proof_value = proof.get("proofValue").and_then(Value::as_str).ok_or_else(|| Error::Proof("no proof.proofValue".into()))?;
    let signature = keys::from_base58btc(proof_value).map_err(|e| Error::Proof(format!("proofValue: {e}")))?;
    let mut unsecured = map.clone();
    unsecured.remove("proof");
    let unsecured = Value::Object(unsecured);
    let mut config = proof.clone();
    config.remove("proofValue");
    config.insert("@context".into(), unsecured.get("@context").cloned().ok_or_else(|| Error::Proof("the document has no @context".into()))?);
    let t = transcript(&unsecured, &Value::Object(config), contexts)?;
    if !keys::verify(key, &t.hash_data, &signature) {
        return Err(Error::Proof("the signature does not match the document (tampered, or signed by another key)".into()));
    }
    Ok(Verified { verification_method: verification_method(secured)?, created: proof.get("created").and_then(Value::as_str).map(str::to_owned) })
}
