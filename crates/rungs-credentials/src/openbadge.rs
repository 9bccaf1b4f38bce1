//! The Open Badges 3.0 documents Rungs issues: `OpenBadgeCredential` and the
//! `BitstringStatusListCredential` it points at. Pure builders: ids and URLs come in.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::contexts::{CREDENTIALS_V2, OB_V3P0, OB_V3P0_EXTENSIONS};

/// The official JSON Schema every credential names (and is tested against).
pub const OB_SCHEMA_URL: &str = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

/// What the credential is for; sets `achievementType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AchievementKind {
    /// A completed ladder milestone: a validated competency.
    Milestone,
    /// A recognition badge.
    Badge,
    /// A micro-promotion: a step up the ladder.
    MicroPromotion,
}

impl AchievementKind {
    #[must_use]
    pub fn achievement_type(self) -> &'static str {
        match self {
            Self::Milestone => "Competency",
            Self::Badge => "Badge",
            Self::MicroPromotion => "MicroCredential",
        }
    }
}

/// The issuing organization.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// `did:web:…` (or `did:key:…` offline).
    pub id: String,
    pub name: String,
    /// The organization's public Rungs URL.
    pub url: String,
}

/// A framework competency the achievement aligns to.
#[derive(Debug, Clone)]
pub struct Alignment {
    pub target_name: String,
    pub target_url: String,
    pub target_description: Option<String>,
    pub target_framework: Option<String>,
    pub target_code: Option<String>,
}

/// A ledger event the award rests on.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// Public URL of the event's evidence.
    pub id: String,
    pub name: String,
    pub narrative: Option<String>,
}

/// Everything one credential says.
#[derive(Debug, Clone)]
pub struct CredentialInput {
    /// The credential's public URL.
    pub id: String,
    pub kind: AchievementKind,
    pub issuer: Issuer,
    /// The achievement's stable URL (one per milestone / badge / rung).
    pub achievement_id: String,
    pub name: String,
    pub description: String,
    pub criteria: String,
    pub image_url: String,
    pub alignments: Vec<Alignment>,
    /// The earner's email and a per-credential salt: only the salted hash is published.
    pub email: String,
    pub salt: String,
    pub evidence: Vec<Evidence>,
    /// RFC 3339, seconds, `Z`.
    pub valid_from: String,
    pub valid_until: Option<String>,
    /// The status list credential's URL and this credential's index in it.
    pub status_list_url: String,
    pub status_index: usize,
}

/// `sha256$<hex>` of the email (trimmed, lower-cased) followed by the salt, as the
/// IdentityObject's `identityHash` defines it.
#[must_use]
pub fn identity_hash(email: &str, salt: &str) -> String {
    let normalized = email.trim().to_lowercase();
    let digest = Sha256::digest(format!("{normalized}{salt}").as_bytes());
    format!("sha256${}", hex::encode(digest))
}

/// The unsigned `OpenBadgeCredential`.
#[must_use]
pub fn credential(input: &CredentialInput) -> Value {
    let alignments: Vec<Value> = input
        .alignments
        .iter()
        .map(|a| {
            let mut v = json!({
                "type": ["Alignment"],
                "targetName": a.target_name,
                "targetUrl": a.target_url,
            });
            if let Some(d) = &a.target_description {
                v["targetDescription"] = d.clone().into();
            }
            if let Some(f) = &a.target_framework {
                v["targetFramework"] = f.clone().into();
            }
            if let Some(c) = &a.target_code {
                v["targetCode"] = c.clone().into();
            }
            v
        })
        .collect();
    let evidence: Vec<Value> = input
        .evidence
        .iter()
        .map(|e| {
            let mut v = json!({"id": e.id, "type": ["Evidence"], "name": e.name});
            if let Some(n) = &e.narrative {
                v["narrative"] = n.clone().into();
            }
            v
        })
        .collect();
    let mut achievement = json!({
        "id": input.achievement_id,
        "type": ["Achievement"],
        "achievementType": input.kind.achievement_type(),
        "name": input.name,
        "description": input.description,
        "criteria": {"narrative": input.criteria},
        "image": {"id": input.image_url, "type": "Image"},
        "creator": issuer_profile(&input.issuer),
    });
    if !alignments.is_empty() {
        achievement["alignment"] = Value::Array(alignments);
    }
    let mut credential = json!({
        "@context": [CREDENTIALS_V2, OB_V3P0, OB_V3P0_EXTENSIONS],
        "id": input.id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": input.name,
        "description": input.description,
        "issuer": issuer_profile(&input.issuer),
        "validFrom": input.valid_from,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": identity_hash(&input.email, &input.salt),
                "identityType": "emailAddress",
                "hashed": true,
                "salt": input.salt,
            }],
            "achievement": achievement,
        },
        "evidence": evidence,
        "credentialSchema": [{
            "id": OB_SCHEMA_URL,
            "type": "1EdTechJsonSchemaValidator2019",
        }],
        "credentialStatus": {
            "id": format!("{}#{}", input.status_list_url, input.status_index),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": input.status_index.to_string(),
            "statusListCredential": input.status_list_url,
        },
    });
    if let Some(until) = &input.valid_until {
        credential["validUntil"] = until.clone().into();
    }
    credential
}

/// The issuer `Profile`.
#[must_use]
pub fn issuer_profile(issuer: &Issuer) -> Value {
    json!({
        "id": issuer.id,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
    })
}

/// The unsigned `BitstringStatusListCredential` at `url`.
#[must_use]
pub fn status_list_credential(url: &str, issuer_id: &str, encoded_list: &str, valid_from: &str) -> Value {
    json!({
        "@context": [CREDENTIALS_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    })
}
