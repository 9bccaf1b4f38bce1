//! The issuer: its Ed25519 keys (a file beside the database, mode 0600) and its DID.
//!
//! With a public URL (`rungs serve --public-url https://rungs.example.com`) the issuer
//! is `did:web:rungs.example.com`, whose DID document Rungs serves at
//! `/.well-known/did.json` listing every key in the file (old keys keep verifying what
//! they signed). Without one it is the `did:key` of the current key: verifiable
//! offline, but a rotation changes the issuer.
//!
//! The key file has one key per line, `<fragment> <secret multibase>`, oldest first;
//! the last line signs. `#` starts a comment.

use std::io::Write;
use std::path::Path;

use rungs_credentials::did::{self, PublishedKey};
use rungs_credentials::keys::KeyPair;
use rungs_credentials::openbadge;
use serde_json::Value;

use crate::error::AppError;

/// Every key the issuer ever signed with, oldest first; the last one signs.
#[derive(Debug, Clone)]
pub struct IssuerKeys {
    keys: Vec<(String, KeyPair)>,
}

impl IssuerKeys {
    /// One fresh key, kept in memory only (tests, or a server without a key file).
    #[must_use]
    pub fn ephemeral() -> Self {
        IssuerKeys { keys: vec![("key-1".into(), KeyPair::generate())] }
    }

    /// Reads `path`.
    pub fn load(path: &Path) -> Result<Self, AppError> {
        let text = std::fs::read_to_string(path).map_err(|e| AppError::context(format!("cannot read the issuer key file {}", path.display()), e))?;
        Self::parse(&text).map_err(|reason| AppError::internal(format!("issuer key file {}: {reason}", path.display())))
    }

    /// Reads `path`, or creates it (mode 0600) with one fresh key when it does not
    /// exist. Returns the keys and whether the file was created.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), AppError> {
        if path.exists() {
            return Ok((Self::load(path)?, false));
        }
        let keys = Self::ephemeral();
        write_private(path, &keys.to_file_text())?;
        Ok((keys, true))
    }

    /// Adds a fresh key that signs from now on; the file must then be saved.
    pub fn rotate(&mut self) {
        let fragment = format!("key-{}", self.keys.len() + 1);
        self.keys.push((fragment, KeyPair::generate()));
    }

    /// Writes the keys to `path` (mode 0600), replacing it atomically: a sibling
    /// file written and synced, then renamed over it, so a crash leaves the old keys
    /// or the new ones, never a torn file (losing it means no more signing under
    /// those keys).
    pub fn save(&self, path: &Path) -> Result<(), AppError> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".new");
        let tmp = std::path::PathBuf::from(tmp);
        write_private(&tmp, &self.to_file_text())?;
        std::fs::rename(&tmp, path)
            .map_err(|e| AppError::Unexpected(rungs_core::Cause::context(format!("cannot replace the issuer key file {}", path.display()), e)))
    }

    /// The fragment of the key that signs (`key-2` after one rotation).
    pub fn current_fragment(&self) -> &str {
        &self.current().0
    }

    /// How many keys the file holds (every one still verifies what it signed).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Never: a key file holds at least one key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn parse(text: &str) -> Result<Self, String> {
        let mut keys = vec![];
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (fragment, secret) = line.split_once(' ').ok_or_else(|| format!("line {}: expected '<fragment> <secret>'", n + 1))?;
            if fragment.is_empty() || !fragment.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(format!("line {}: the fragment must be letters, digits, '-' or '_'", n + 1));
            }
            let key = KeyPair::from_secret_multibase(secret.trim()).map_err(|e| format!("line {}: {e}", n + 1))?;
            keys.push((fragment.to_string(), key));
        }
        if keys.is_empty() {
            return Err("holds no key".into());
        }
        Ok(IssuerKeys { keys })
    }

    fn to_file_text(&self) -> String {
        let mut text = String::from(
            "# Rungs credential issuer keys (Ed25519): '<fragment> <secret>', oldest first; the last signs.\n# Keep this file secret and backed up: losing it means credentials can no longer be issued under the same keys.\n",
        );
        for (fragment, key) in &self.keys {
            text.push_str(&format!("{fragment} {}\n", key.secret_multibase()));
        }
        text
    }

    fn current(&self) -> &(String, KeyPair) {
        // `parse` and the constructors never leave the list empty.
        &self.keys[self.keys.len() - 1]
    }
}

fn write_private(path: &Path, text: &str) -> Result<(), AppError> {
    let fail = |e: std::io::Error| AppError::context(format!("cannot write the issuer key file {}", path.display()), e);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(fail)?;
    }
    file.write_all(text.as_bytes()).map_err(fail)?;
    file.sync_all().map_err(fail)
}

/// The issuer as the outside world sees it: keys plus where Rungs is published.
#[derive(Debug, Clone)]
pub struct Issuer {
    keys: IssuerKeys,
    /// `https://host[:port]`, no trailing slash; `None`: did:key.
    public_url: Option<String>,
}

impl Issuer {
    /// `public_url` must be an absolute `http(s)://host[:port]` URL without a path
    /// (did:web then resolves at `/.well-known/did.json`).
    pub fn new(keys: IssuerKeys, public_url: Option<&str>) -> Result<Self, AppError> {
        let public_url = match public_url.map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(url) => Some(check_public_url(url)?),
        };
        Ok(Issuer { keys, public_url })
    }

    /// An in-memory key, no public URL.
    #[must_use]
    pub fn ephemeral() -> Self {
        Issuer { keys: IssuerKeys::ephemeral(), public_url: None }
    }

    #[must_use]
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    /// `did:web:<host>` with a public URL, else `did:key:<current key>`.
    #[must_use]
    pub fn did(&self) -> String {
        match &self.public_url {
            Some(url) => did::did_web(host_of(url)),
            None => did::did_key(&self.current_key().public_multibase()),
        }
    }

    /// The verification method that signs now.
    #[must_use]
    pub fn verification_method(&self) -> String {
        let (fragment, key) = self.keys.current();
        match &self.public_url {
            Some(_) => format!("{}#{fragment}", self.did()),
            None => did::did_key_method(&key.public_multibase()),
        }
    }

    #[must_use]
    pub fn current_key(&self) -> &KeyPair {
        &self.keys.current().1
    }

    /// The DID document: every key (did:web) or the current one (did:key).
    #[must_use]
    pub fn did_document(&self) -> Value {
        let did = self.did();
        let published: Vec<PublishedKey> = match &self.public_url {
            Some(_) => {
                self.keys.keys.iter().rev().map(|(fragment, k)| PublishedKey { fragment: fragment.clone(), public_multibase: k.public_multibase() }).collect()
            }
            None => {
                let public = self.current_key().public_multibase();
                vec![PublishedKey { fragment: public.clone(), public_multibase: public }]
            }
        };
        did::document(&did, &published)
    }

    /// The Open Badges issuer `Profile` of the organization named `org_name`.
    #[must_use]
    pub fn profile(&self, org_name: &str) -> Value {
        openbadge::issuer_profile(&self.ob_issuer(org_name))
    }

    /// The issuer as `rungs-credentials` takes it.
    #[must_use]
    pub fn ob_issuer(&self, org_name: &str) -> openbadge::Issuer {
        openbadge::Issuer { id: self.did(), name: org_name.to_string(), url: self.public_url.clone().unwrap_or_default() }
    }
}

fn check_public_url(url: &str) -> Result<String, AppError> {
    let bad = |reason: &str| AppError::invalid("public_url", format!("'{url}' {reason}"));
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or_else(|| bad("must start with https:// (or http://)"))?;
    let host = rest.trim_end_matches('/');
    if host.is_empty() {
        return Err(bad("has no host"));
    }
    if host.contains('/') || host.contains('?') || host.contains('#') {
        return Err(bad("must be the server's root (no path): did:web resolves at /.well-known/did.json"));
    }
    if !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')) {
        return Err(bad("has characters a host cannot have"));
    }
    Ok(url.trim_end_matches('/').to_string())
}

fn host_of(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, h)| h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_private_and_reloads_the_same_keys() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("issuer.key");
        let (keys, created) = IssuerKeys::load_or_create(&path).expect("create");
        assert!(created);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        }
        let (again, created) = IssuerKeys::load_or_create(&path).expect("load");
        assert!(!created);
        assert_eq!(again.current().1.public_multibase(), keys.current().1.public_multibase());
    }

    #[test]
    fn did_web_lists_every_key_and_signs_with_the_newest() {
        let mut keys = IssuerKeys::ephemeral();
        let old = keys.current().1.public_multibase();
        keys.rotate();
        let issuer = Issuer::new(keys, Some("https://rungs.example.com:8443/")).expect("issuer");
        assert_eq!(issuer.did(), "did:web:rungs.example.com%3A8443");
        assert_eq!(issuer.verification_method(), "did:web:rungs.example.com%3A8443#key-2");
        let doc = issuer.did_document();
        assert_eq!(did::assertion_key(&doc, "did:web:rungs.example.com%3A8443#key-1"), Some(old.as_str()));
        assert!(did::assertion_key(&doc, &issuer.verification_method()).is_some());
    }

    #[test]
    fn without_a_public_url_the_issuer_is_its_did_key() {
        let issuer = Issuer::ephemeral();
        assert!(issuer.did().starts_with("did:key:z6Mk"));
        assert!(did::assertion_key(&issuer.did_document(), &issuer.verification_method()).is_some());
    }

    #[test]
    fn bad_public_urls_and_key_files_are_named() {
        for url in ["rungs.example.com", "https://x.example/rungs", "https://"] {
            let e = Issuer::new(IssuerKeys::ephemeral(), Some(url)).expect_err(url);
            assert!(e.to_string().contains("public_url") || matches!(e, AppError::Invalid(_)), "{e}");
        }
        assert!(IssuerKeys::parse("# only a comment\n").is_err());
        assert!(IssuerKeys::parse("key-1 znotakey\n").is_err());
    }
}
