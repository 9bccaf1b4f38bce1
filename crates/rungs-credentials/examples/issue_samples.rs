//! Writes sample credentials for an independent verifier (`.ci/credentials`): a did:web
//! DID document, a signed status list, and valid, revoked, expired and tampered
//! credentials. Usage: `cargo run -p rungs-credentials --example issue_samples -- <dir>`.

use rungs_credentials::contexts::Contexts;
use rungs_credentials::did;
use rungs_credentials::keys::KeyPair;
use rungs_credentials::openbadge::{self, AchievementKind, CredentialInput, Evidence, Issuer};
use rungs_credentials::proof::{self, ProofOptions};
use rungs_credentials::status_list::Bitstring;
use serde_json::Value;

const HOST: &str = "rungs.test";
const REVOKED_INDEX: usize = 70_001;

fn input(did: &str, n: u32, index: usize, until: Option<&str>) -> CredentialInput {
    let base = format!("https://{HOST}");
    CredentialInput {
        id: format!("{base}/credentials/{n}"),
        kind: AchievementKind::Badge,
        issuer: Issuer { id: did.into(), name: "Rungs sample organization".into(), url: format!("{base}/") },
        achievement_id: format!("{base}/achievements/badge/{n}"),
        name: "Helpful reviewer".into(),
        description: "Reviewed twenty changes for others".into(),
        criteria: "Twenty reviews recorded on the ledger".into(),
        image_url: format!("{base}/credentials/{n}/image.png"),
        alignments: vec![openbadge::Alignment {
            target_name: "Collaboration".into(),
            target_url: format!("{base}/frameworks/eng/competencies/collaboration"),
            target_description: None,
            target_framework: Some("Engineering".into()),
            target_code: Some("collaboration".into()),
        }],
        email: "ada@example.com".into(),
        salt: format!("salt{n}"),
        evidence: vec![Evidence { id: format!("{base}/events/{n}"), name: "Badge awarded".into(), narrative: None }],
        valid_from: "2024-01-01T00:00:00Z".into(),
        valid_until: until.map(str::to_owned),
        status_list_url: format!("{base}/credentials/status/1"),
        status_index: index,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: issue_samples <dir>")?;
    std::fs::create_dir_all(&dir)?;
    let key = KeyPair::generate();
    let did = did::did_web(HOST);
    let options = ProofOptions { created: "2024-01-01T00:00:00Z".into(), verification_method: format!("{did}#key-1"), proof_purpose: "assertionMethod".into() };
    let ctx = Contexts::bundled();
    let sign = |doc: &Value| proof::sign(doc, &key, &options, &ctx);
    let write = |name: &str, v: &Value| -> std::io::Result<()> { std::fs::write(format!("{dir}/{name}"), serde_json::to_string_pretty(v)?) };
    write("did.json", &did::document(&did, &[did::PublishedKey { fragment: "key-1".into(), public_multibase: key.public_multibase() }]))?;
    let mut bits = Bitstring::new(0);
    bits.set(REVOKED_INDEX, true)?;
    let list_url = format!("https://{HOST}/credentials/status/1");
    write("status.json", &sign(&openbadge::status_list_credential(&list_url, &did, &bits.encode()?, "2024-01-01T00:00:00Z"))?)?;
    let valid = sign(&openbadge::credential(&input(&did, 1, 12, Some("2099-01-01T00:00:00Z"))))?;
    write("valid.json", &valid)?;
    write("revoked.json", &sign(&openbadge::credential(&input(&did, 2, REVOKED_INDEX, None)))?)?;
    write("expired.json", &sign(&openbadge::credential(&input(&did, 3, 13, Some("2024-06-01T00:00:00Z"))))?)?;
    let mut tampered = valid;
    tampered["credentialSubject"]["achievement"]["name"] = "Chief everything".into();
    write("tampered.json", &tampered)?;
    Ok(())
}
