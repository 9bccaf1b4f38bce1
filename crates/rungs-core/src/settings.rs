//! Settings read by name (`RUNGS_…`) anywhere in the program: the environment first,
//! then the configuration file (`--config` / `RUNGS_CONFIG`, docs/CONFIGURATION.md),
//! whose values the binary installs once at start. Settings that are clap flags get
//! the file's values through clap instead; these are the ones read where they are
//! used (job intervals, webhook retries, the pool size, the log filter, ...).

use std::collections::BTreeMap;
use std::sync::OnceLock;

static FILE: OnceLock<BTreeMap<String, String>> = OnceLock::new();

/// Install the configuration file's values, keyed by environment variable name
/// (`RUNGS_SHUTDOWN_GRACE_SECS`). Only the first call counts.
pub fn install_file_values(values: BTreeMap<String, String>) {
    let _ = FILE.set(values);
}

/// The setting `name`: the environment variable when set and not blank, else the
/// configuration file's value, else `None`.
pub fn var(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Some(v),
        _ => FILE.get().and_then(|f| f.get(name).cloned()),
    }
}

/// Where [`var`] found `name`: `"environment"`, `"file"`, or `None`.
pub fn source(name: &str) -> Option<&'static str> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Some("environment"),
        _ => FILE.get().and_then(|f| f.get(name)).map(|_| "file"),
    }
}
