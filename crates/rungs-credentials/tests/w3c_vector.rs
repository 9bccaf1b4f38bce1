//! The W3C test vector of the eddsa-rdfc-2022 cryptosuite ("Data Integrity EdDSA
//! Cryptosuites v1.0", B.1), reproduced byte for byte: canonical forms, hashes, proofValue.
#![allow(clippy::unwrap_used)]

use rungs_credentials::contexts::Contexts;
use rungs_credentials::keys::{self, KeyPair};
use rungs_credentials::proof::{self, ProofOptions};
use serde_json::Value;
use sha2::{Digest, Sha256};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/w3c-vc-di-eddsa");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}")).unwrap()
}

fn json(name: &str) -> Value {
    serde_json::from_str(&read(name)).unwrap()
}

fn contexts() -> Contexts {
    Contexts::bundled().with(
        "https://www.w3.org/ns/credentials/examples/v2",
        &std::fs::read_to_string(format!("{}/tests/fixtures/credentials-examples-v2.jsonld", env!("CARGO_MANIFEST_DIR"))).unwrap(),
    )
}

#[test]
fn the_canonical_forms_and_hashes_are_the_published_ones() {
    let expected = json("expected.json");
    let t = proof::transcript(&json("unsigned.json"), &json("proofConfig.json"), &contexts()).unwrap();
    assert_eq!(t.canonical_document, read("canonicalDocument.nq"));
    assert_eq!(t.canonical_proof_config, read("canonicalProofConfig.nq"));
    assert_eq!(hex::encode(Sha256::digest(t.canonical_document.as_bytes())), expected["documentHash"].as_str().unwrap());
    assert_eq!(hex::encode(&t.hash_data[..32]), expected["proofConfigHash"].as_str().unwrap());
}

#[test]
fn the_proof_value_is_the_published_one_and_verifies() {
    let pair = json("keyPair.json");
    let key = KeyPair::from_secret_multibase(pair["privateKeyMultibase"].as_str().unwrap()).unwrap();
    assert_eq!(key.public_multibase(), pair["publicKeyMultibase"].as_str().unwrap());
    let config = json("proofConfig.json");
    let options = ProofOptions {
        created: config["created"].as_str().unwrap().to_owned(),
        verification_method: config["verificationMethod"].as_str().unwrap().to_owned(),
        proof_purpose: "assertionMethod".into(),
    };
    let secured = proof::sign(&json("unsigned.json"), &key, &options, &contexts()).unwrap();
    assert_eq!(secured["proof"]["proofValue"], json("expected.json")["proofValue"]);

    let public = keys::public_from_multibase(&key.public_multibase()).unwrap();
    proof::verify(&secured, &public, &contexts()).unwrap();

    // One changed character anywhere the graph sees fails.
    let mut tampered = secured.clone();
    tampered["credentialSubject"]["alumniOf"] = "The School of Exampler".into();
    assert!(proof::verify(&tampered, &public, &contexts()).is_err());
    let mut tampered = secured;
    tampered["proof"]["created"] = "2023-02-24T23:36:39Z".into();
    assert!(proof::verify(&tampered, &public, &contexts()).is_err());
}

#[test]
fn a_context_that_is_not_bundled_is_an_error_not_a_fetch() {
    let err = proof::transcript(&json("unsigned.json"), &json("proofConfig.json"), &Contexts::bundled()).unwrap_err();
    assert!(err.to_string().contains("JSON-LD"), "{err}");
}
