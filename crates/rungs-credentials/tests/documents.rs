//! Status lists, PNG baking, and an Open Badges credential signed and verified end to end
//! (with did:key, revocation and expiry).
#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use rungs_credentials::bake;
use rungs_credentials::contexts::Contexts;
use rungs_credentials::did;
use rungs_credentials::keys::KeyPair;
use rungs_credentials::openbadge::{self, AchievementKind, CredentialInput, Evidence, Issuer};
use rungs_credentials::proof::{self, ProofOptions};
use rungs_credentials::status_list::{Bitstring, MIN_ENTRIES};
use rungs_credentials::verify::{self, Resolver};
use serde_json::Value;

#[test]
fn a_status_list_round_trips_and_is_long_enough() {
    let mut bits = Bitstring::new(10);
    assert_eq!(bits.len(), MIN_ENTRIES);
    bits.set(0, true).unwrap();
    bits.set(131_071, true).unwrap();
    assert!(bits.set(131_072, true).is_err());
    let encoded = bits.encode().unwrap();
    assert!(encoded.starts_with('u'));
    let back = Bitstring::decode(&encoded).unwrap();
    assert!(back.get(0).unwrap());
    assert!(!back.get(1).unwrap());
    assert!(back.get(131_071).unwrap());
    assert_eq!(back, bits);
}

#[test]
fn a_status_list_bit_zero_is_the_first_bytes_high_bit() {
    // The specification's example: index 0 set → first byte 0x80.
    let mut bits = Bitstring::new(0);
    bits.set(0, true).unwrap();
    let encoded = bits.encode().unwrap();
    let raw = Bitstring::decode(&encoded).unwrap();
    assert!(raw.get(0).unwrap());
    assert!(!raw.get(7).unwrap());
}

#[test]
fn a_baked_png_carries_the_credential_and_stays_a_png() {
    let png = bake::solid_png(4, [10, 20, 30]).unwrap();
    let baked = bake::bake(&png, r#"{"a":1}"#).unwrap();
    assert_eq!(bake::extract(&baked).unwrap().as_deref(), Some(r#"{"a":1}"#));
    assert_eq!(bake::extract(&png).unwrap(), None);
    // Baking twice replaces, never stacks.
    let again = bake::bake(&baked, r#"{"b":2}"#).unwrap();
    assert_eq!(bake::extract(&again).unwrap().as_deref(), Some(r#"{"b":2}"#));
    assert_eq!(again.len(), baked.len());
    assert!(bake::extract(b"not a png").is_err());
}

struct Fixed {
    did_doc: Option<Value>,
    list: Option<Value>,
}

impl Resolver for Fixed {
    fn did_document(&self, did: &str) -> Option<Value> {
        self.did_doc.clone().filter(|d| d["id"] == did)
    }
    fn status_list(&self, _url: &str) -> Option<Value> {
        self.list.clone()
    }
}

fn input(issuer_did: &str, until: Option<&str>) -> CredentialInput {
    CredentialInput {
        id: "https://rungs.example/credentials/1".into(),
        kind: AchievementKind::Milestone,
        issuer: Issuer { id: issuer_did.into(), name: "Example Org".into(), url: "https://rungs.example/".into() },
        achievement_id: "https://rungs.example/achievements/milestone/1".into(),
        name: "Ships reliable services".into(),
        description: "Milestone of the Backend ladder".into(),
        criteria: "Validated by two reviewers".into(),
        image_url: "https://rungs.example/credentials/1/image.png".into(),
        alignments: vec![openbadge::Alignment {
            target_name: "Reliability".into(),
            target_url: "https://rungs.example/frameworks/eng/competencies/reliability".into(),
            target_description: None,
            target_framework: Some("Engineering".into()),
            target_code: Some("reliability".into()),
        }],
        email: "Ada@Example.com".into(),
        salt: "pepper".into(),
        evidence: vec![Evidence { id: "https://rungs.example/events/42".into(), name: "Milestone completed".into(), narrative: None }],
        valid_from: "2026-01-01T00:00:00Z".into(),
        valid_until: until.map(str::to_owned),
        status_list_url: "https://rungs.example/credentials/status/1".into(),
        status_index: 777,
    }
}

fn sign(doc: &Value, key: &KeyPair, method: &str) -> Value {
    proof::sign(
        doc,
        key,
        &ProofOptions { created: "2026-01-01T00:00:00Z".into(), verification_method: method.into(), proof_purpose: "assertionMethod".into() },
        &Contexts::bundled(),
    )
    .unwrap()
}

#[test]
fn an_open_badge_verifies_then_reports_revoked_tampered_and_expired() {
    let key = KeyPair::generate();
    let did = did::did_web("rungs.example:8443");
    assert_eq!(did, "did:web:rungs.example%3A8443");
    let method = format!("{did}#key-1");
    let did_doc = did::document(&did, &[did::PublishedKey { fragment: "key-1".into(), public_multibase: key.public_multibase() }]);
    let cred = sign(&openbadge::credential(&input(&did, Some("2027-01-01T00:00:00Z"))), &key, &method);
    assert_eq!(
        cred["credentialSubject"]["identifier"][0]["identityHash"],
        format!("sha256${}", hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"ada@example.compepper")))
    );

    let mut bits = Bitstring::new(0);
    let list_url = "https://rungs.example/credentials/status/1";
    let list = |bits: &Bitstring| sign(&openbadge::status_list_credential(list_url, &did, &bits.encode().unwrap(), "2026-01-01T00:00:00Z"), &key, &method);
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let ctx = Contexts::bundled();
    let resolver = Fixed { did_doc: Some(did_doc.clone()), list: Some(list(&bits)) };
    let report = verify::verify(&cred, &resolver, &ctx, now);
    assert!(report.valid, "{report:?}");

    // Tampered: a changed name fails the signature.
    let mut tampered = cred.clone();
    tampered["credentialSubject"]["achievement"]["name"] = "CTO".into();
    let report = verify::verify(&tampered, &resolver, &ctx, now);
    assert!(!report.valid && !report.signature.ok, "{report:?}");

    // Expired.
    let later = Utc.with_ymd_and_hms(2027, 6, 1, 0, 0, 0).unwrap();
    let report = verify::verify(&cred, &resolver, &ctx, later);
    assert!(!report.valid && report.expired, "{report:?}");

    // Revoked.
    bits.set(777, true).unwrap();
    let resolver = Fixed { did_doc: Some(did_doc), list: Some(list(&bits)) };
    let report = verify::verify(&cred, &resolver, &ctx, now);
    assert!(!report.valid && report.revoked, "{report:?}");

    // Unknown DID: cannot resolve, not valid.
    let nobody = Fixed { did_doc: None, list: None };
    assert!(!verify::verify(&cred, &nobody, &ctx, now).valid);
}

#[test]
fn a_did_key_credential_verifies_offline() {
    let key = KeyPair::generate();
    let did = did::did_key(&key.public_multibase());
    let cred = sign(&openbadge::credential(&input(&did, None)), &key, &did::did_key_method(&key.public_multibase()));
    let mut unlisted = cred.clone();
    unlisted.as_object_mut().unwrap().remove("credentialStatus");
    let unlisted = sign(
        &{
            let mut u = unlisted;
            u.as_object_mut().unwrap().remove("proof");
            u
        },
        &key,
        &did::did_key_method(&key.public_multibase()),
    );
    let nobody = Fixed { did_doc: None, list: None };
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let report = verify::verify(&unlisted, &nobody, &Contexts::bundled(), now);
    assert!(report.valid, "{report:?}");
}
