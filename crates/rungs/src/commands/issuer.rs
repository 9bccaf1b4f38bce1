//! The credential issuer of `serve`, `demo` and `init`: its key file and public URL
//! (docs/CREDENTIALS.md).

use std::path::{Path, PathBuf};

use rungs_app::credentials::{Issuer, IssuerKeys};

use crate::cli::IssuerArgs;

/// `explicit`, else beside a SQLite database (`<db>.issuer-key`), else
/// `./rungs-issuer.key` when the database is a server (PostgreSQL).
pub fn key_path(db: &str, explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    let db = db.trim();
    if let Some((scheme, _)) = db.split_once("://")
        && !scheme.eq_ignore_ascii_case("sqlite")
    {
        return PathBuf::from("rungs-issuer.key");
    }
    let path = db.strip_prefix("sqlite://").or_else(|| db.strip_prefix("sqlite:")).unwrap_or(db);
    let path = path.split('?').next().unwrap_or_default();
    PathBuf::from(format!("{path}.issuer-key"))
}

/// The issuer's keys (the file is created when missing) and DID.
pub fn load(db: &str, args: &IssuerArgs, public_url: Option<&str>) -> anyhow::Result<Issuer> {
    let path = key_path(db, args.issuer_key.as_deref());
    let (keys, created) = IssuerKeys::load_or_create(&path)?;
    if created {
        tracing::info!(path = %path.display(), "created the credential issuer key file (mode 0600): keep it secret and backed up");
    }
    let issuer = Issuer::new(keys, public_url).map_err(|e| anyhow::anyhow!("--public-url / RUNGS_PUBLIC_URL: {e}"))?;
    if issuer.public_url().is_none() {
        tracing::info!(did = %issuer.did(), "RUNGS_PUBLIC_URL is not set: credentials are issued as the did:key of the issuer key");
    }
    Ok(issuer)
}

#[cfg(test)]
mod tests {
    use super::key_path;
    use std::path::{Path, PathBuf};

    #[test]
    fn the_key_sits_beside_a_sqlite_file_and_in_the_current_directory_for_postgres() {
        assert_eq!(key_path("./data/rungs.db", None), PathBuf::from("./data/rungs.db.issuer-key"));
        assert_eq!(key_path("sqlite:///srv/r.db?mode=rwc", None), PathBuf::from("/srv/r.db.issuer-key"));
        assert_eq!(key_path("postgres://u@h/db", None), PathBuf::from("rungs-issuer.key"));
        assert_eq!(key_path("postgres://u@h/db", Some(Path::new("/etc/k"))), PathBuf::from("/etc/k"));
    }
}
