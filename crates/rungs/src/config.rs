//! The configuration file (`--config FILE` or `RUNGS_CONFIG`; docs/CONFIGURATION.md).
//!
//! One flat TOML table whose keys are the settings' environment names without
//! `RUNGS_`, lower-cased: `RUNGS_LISTEN` is `listen`, `RUNGS_SHUTDOWN_GRACE_SECS` is
//! `shutdown_grace_secs`. Precedence: a flag beats the environment, which beats the
//! file, which beats the built-in default.
//!
//! Adding a setting is one place: a clap argument with `env = "RUNGS_…"` is a file key
//! by that alone (its file value becomes the argument's default, so flags and the
//! environment still win); a setting read by name where it is used
//! (`rungs_core::settings::var`) is one row of [`READ_BY_NAME`].

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::CommandFactory;

/// A setting read by name where it is used, not a clap flag.
pub struct Setting {
    pub env: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
}

/// Every setting read through `rungs_core::settings::var`.
pub const READ_BY_NAME: &[Setting] = &[
    Setting { env: "RUNGS_PG_POOL_MAX_SIZE", default: "10", doc: "PostgreSQL connections per instance (the URL's pool_max_size wins)" },
    Setting { env: "RUNGS_JOB_POLL_MS", default: "1000", doc: "how often an idle job runner looks for due jobs" },
    Setting { env: "RUNGS_JOB_LEASE_SECS", default: "300", doc: "a claimed job's lease" },
    Setting { env: "RUNGS_SWEEP_EVERY_SECS", default: "600", doc: "period of the sweep job" },
    Setting { env: "RUNGS_BADGES_EVERY_SECS", default: "2", doc: "period of the badge evaluation job" },
    Setting { env: "RUNGS_NOTIFY_EVERY_SECS", default: "2", doc: "period of the notification job (derive notifications, send the emails due)" },
    Setting { env: "RUNGS_CREDENTIALS_EVERY_SECS", default: "5", doc: "period of the credential job (issue for the people who opted in)" },
    Setting {
        env: "RUNGS_IDEMPOTENCY_RETENTION_HOURS",
        default: "168",
        doc: "how long the ledger remembers an Idempotency-Key claim (kept API answers: 24 h)",
    },
    Setting { env: "RUNGS_READY_PROBE_SECS", default: "5", doc: "/readyz probes the store with a write at most this often" },
    Setting { env: "RUNGS_SHUTDOWN_GRACE_SECS", default: "30", doc: "on SIGTERM, how long requests in flight may finish" },
    Setting { env: "RUNGS_PAGE_TIMEOUT_SECS", default: "30", doc: "a page still running after this is answered 503 with Retry-After" },
    Setting { env: "RUNGS_API_TIMEOUT_SECS", default: "30", doc: "an API request still running after this is answered 503 (problem+json) with Retry-After" },
    Setting { env: "RUNGS_IMPORT_TIMEOUT_SECS", default: "300", doc: "the limit for imports (bulk events, framework and people imports)" },
    Setting { env: "RUNGS_SECRET_KEY", default: "(random per process)", doc: "signs sign-in forms; the same on every instance" },
    Setting { env: "RUNGS_LOG", default: "info", doc: "log filter (tracing env-filter syntax)" },
    Setting { env: "RUNGS_LOG_FORMAT", default: "text", doc: "json for one JSON object per line" },
    Setting { env: "RUNGS_WEBHOOK_POLL_MS", default: "500", doc: "how often the webhook dispatcher looks for due deliveries" },
    Setting { env: "RUNGS_WEBHOOK_LEASE_SECS", default: "60", doc: "a claimed delivery's lease" },
    Setting { env: "RUNGS_WEBHOOK_TIMEOUT_SECS", default: "10", doc: "one delivery attempt's timeout" },
    Setting { env: "RUNGS_WEBHOOK_RETRY_BASE_MS", default: "10000", doc: "first retry delay" },
    Setting { env: "RUNGS_WEBHOOK_RETRY_CAP_SECS", default: "600", doc: "longest retry delay" },
    Setting { env: "RUNGS_WEBHOOK_GIVE_UP_HOURS", default: "72", doc: "a delivery fails after retrying this long" },
    Setting { env: "RUNGS_WEBHOOK_CA_FILE", default: "(none)", doc: "PEM certificates also trusted for https webhook receivers" },
];

/// The environment variable naming the file; not itself a file key.
const CONFIG_ENV: &str = "RUNGS_CONFIG";

/// One known key: its environment name, default and meaning.
#[derive(Debug, Clone)]
pub struct Known {
    pub env: String,
    pub default: String,
    pub doc: String,
}

/// The file key of an environment name: `RUNGS_LISTEN` → `listen`.
pub fn key_of(env: &str) -> Option<String> {
    env.strip_prefix("RUNGS_").filter(|k| !k.is_empty()).map(str::to_ascii_lowercase)
}

/// Whether a setting is a secret (masked when printed).
pub fn is_secret(key: &str) -> bool {
    ["secret", "password", "token", "_key"].iter().any(|w| key.contains(w)) || key == "key"
}

/// Every key the file may hold: each clap argument with a `RUNGS_` environment name
/// (any subcommand), and [`READ_BY_NAME`].
pub fn known() -> BTreeMap<String, Known> {
    let mut out = BTreeMap::new();
    collect(&crate::cli::Cli::command(), &mut out);
    for s in READ_BY_NAME {
        if let Some(k) = key_of(s.env) {
            out.insert(k, Known { env: s.env.into(), default: s.default.into(), doc: s.doc.into() });
        }
    }
    out
}

fn collect(cmd: &clap::Command, out: &mut BTreeMap<String, Known>) {
    for a in cmd.get_arguments() {
        let Some(env) = a.get_env().and_then(|e| e.to_str()) else { continue };
        if env == CONFIG_ENV {
            continue;
        }
        let Some(key) = key_of(env) else { continue };
        let default = a.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect::<Vec<_>>().join(",");
        let doc = a.get_help().map(ToString::to_string).unwrap_or_default();
        // The first definition wins (serve's before demo's: `serve` is declared first).
        out.entry(key).or_insert(Known { env: env.into(), default, doc });
    }
    for sub in cmd.get_subcommands() {
        collect(sub, out);
    }
}

/// The file's values, keyed by file key, after checking every key is known.
pub fn parse(text: &str, origin: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let table: toml::Table = toml::from_str(text).with_context(|| format!("{} is not valid TOML", origin.display()))?;
    let known = known();
    let mut out = BTreeMap::new();
    for (key, value) in table {
        if !known.contains_key(&key) {
            let nearest = known.keys().min_by_key(|k| strsim::levenshtein(k, &key)).filter(|k| strsim::levenshtein(k, &key) <= 3.max(key.len() / 3));
            match nearest {
                Some(n) => bail!("{}: unknown key `{key}`; did you mean `{n}`?", origin.display()),
                None => bail!("{}: unknown key `{key}` (`rungs config check` lists the known ones)", origin.display()),
            }
        }
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => bail!("{}: `{key}` must be a string, number or boolean, not {}", origin.display(), other.type_str()),
        };
        out.insert(key, text);
    }
    Ok(out)
}

/// The configuration file named by `--config FILE` / `--config=FILE` in `args`, else
/// by `RUNGS_CONFIG`; `None` when neither is given.
pub fn path_from(args: &[OsString]) -> Option<PathBuf> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        if a == "--config" {
            return it.next().map(PathBuf::from);
        }
        if let Some(p) = a.strip_prefix("--config=") {
            return Some(PathBuf::from(p));
        }
    }
    std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// Read and check the file `path`.
pub fn load(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    parse(&text, path)
}

/// The CLI with the file's values as the defaults of the arguments they configure.
pub fn command_with(file: &BTreeMap<String, String>) -> clap::Command {
    inject(crate::cli::Cli::command(), file)
}

fn inject(mut cmd: clap::Command, file: &BTreeMap<String, String>) -> clap::Command {
    let configured: Vec<(clap::Id, String)> = cmd
        .get_arguments()
        .filter_map(|a| {
            let env = a.get_env()?.to_str()?;
            let value = file.get(&key_of(env)?)?;
            Some((a.get_id().clone(), value.clone()))
        })
        .collect();
    for (id, value) in configured {
        // Leaked once per configured argument at start: clap keeps defaults as
        // `'static` strings, and the process lives as long as they are needed.
        let value: &'static str = Box::leak(value.into_boxed_str());
        cmd = cmd.mut_arg(id, |a| a.default_value(value).required(false));
    }
    let subs: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for s in subs {
        cmd = cmd.mut_subcommand(s, |sc| inject(sc, file));
    }
    cmd
}

/// Mask what must not be printed: a secret's value, and the password in a URL.
pub fn shown(key: &str, value: &str) -> String {
    if is_secret(key) {
        return if value.is_empty() { String::new() } else { "********".into() };
    }
    if let Some((scheme, rest)) = value.split_once("://")
        && let Some((userinfo, host)) = rest.split_once('@')
        && let Some((user, _)) = userinfo.split_once(':')
    {
        return format!("{scheme}://{user}:********@{host}");
    }
    value.to_string()
}

/// `rungs config check`: the effective value of every setting and where it comes from.
pub fn check(path: Option<&Path>, file: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    match path {
        Some(p) => out.push_str(&format!("# configuration file: {} ({} keys, all known)\n", p.display(), file.len())),
        None => out.push_str("# no configuration file (--config FILE or RUNGS_CONFIG)\n"),
    }
    out.push_str("# precedence: flag > environment > file > default; flags given to a command override what is shown here\n");
    for (key, k) in known() {
        let env = std::env::var(&k.env).ok().filter(|v| !v.trim().is_empty());
        let (value, source) = match (env, file.get(&key)) {
            (Some(v), _) => (v, format!("environment {}", k.env)),
            (None, Some(v)) => (v.clone(), "file".to_string()),
            (None, None) => (k.default.clone(), "default".to_string()),
        };
        out.push_str(&format!("{key} = {:?}  # {source}\n", shown(&key, &value)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_refused_with_the_nearest_known_one() {
        let e = parse("listne = \"0.0.0.0:80\"\n", Path::new("rungs.toml")).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("unknown key `listne`; did you mean `listen`?"), "{e}");
        let e = parse("shutdown_grace_sec = 5\n", Path::new("rungs.toml")).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("did you mean `shutdown_grace_secs`"), "{e}");
    }

    #[test]
    fn flags_and_env_settings_are_keys() {
        let k = known();
        for key in ["db", "listen", "shutdown_grace_secs", "secret_key", "job_poll_ms"] {
            assert!(k.contains_key(key), "{key} missing from {:?}", k.keys().collect::<Vec<_>>());
        }
        assert!(!k.contains_key("config"));
    }

    #[test]
    fn secrets_and_url_passwords_are_masked() {
        assert_eq!(shown("secret_key", "abc"), "********");
        assert_eq!(shown("db", "postgres://rungs:hunter2@db/rungs"), "postgres://rungs:********@db/rungs");
        assert_eq!(shown("listen", "0.0.0.0:8080"), "0.0.0.0:8080");
    }

    #[test]
    fn the_file_becomes_the_default_of_flags() {
        use clap::FromArgMatches;
        let file = parse("listen = \"0.0.0.0:9999\"\ndb = \"/var/lib/rungs/rungs.db\"\n", Path::new("t.toml")).expect("parses");
        let m = command_with(&file).try_get_matches_from(["rungs", "serve"]).expect("matches");
        let cli = crate::cli::Cli::from_arg_matches(&m).expect("cli");
        match cli.command {
            crate::cli::Command::Serve { db, listen, .. } => {
                assert_eq!(listen, "0.0.0.0:9999");
                assert_eq!(db.db, "/var/lib/rungs/rungs.db");
            }
            other => panic!("{other:?}"),
        }
        let m = command_with(&file).try_get_matches_from(["rungs", "serve", "--listen", "127.0.0.1:1"]).expect("matches");
        let cli = crate::cli::Cli::from_arg_matches(&m).expect("cli");
        assert!(matches!(cli.command, crate::cli::Command::Serve { listen, .. } if listen == "127.0.0.1:1"), "a flag beats the file");
    }

    /// A commented-out line of the example says what the setting is when left out:
    /// its value must be the default (keys without one may show an example).
    #[test]
    fn the_documented_example_shows_the_default_of_what_it_leaves_commented() {
        let doc = include_str!("../../../docs/CONFIGURATION.md");
        let start = doc.find("```toml\n").expect("a ```toml block in CONFIGURATION.md") + "```toml\n".len();
        let end = start + doc[start..].find("```").expect("its end");
        let known = known();
        let mut wrong = vec![];
        for line in doc[start..end].lines() {
            let Some(Ok(table)) = line.strip_prefix("# ").map(toml::from_str::<toml::Table>) else { continue };
            for (key, value) in table {
                let Some(k) = known.get(&key) else { continue };
                if k.default.is_empty() || k.default.starts_with('(') {
                    continue;
                }
                let shown = match value {
                    toml::Value::String(s) => s,
                    toml::Value::Integer(n) => n.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    other => format!("{other:?}"),
                };
                if shown != k.default {
                    wrong.push(format!("{key}: the example shows {shown:?}, the default is {:?}", k.default));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn the_documented_example_parses_and_covers_every_key() {
        let doc = include_str!("../../../docs/CONFIGURATION.md");
        let start = doc.find("```toml\n").expect("a ```toml block in CONFIGURATION.md") + "```toml\n".len();
        let end = start + doc[start..].find("```").expect("its end");
        let values = parse(&doc[start..end], Path::new("docs/CONFIGURATION.md")).expect("the example parses");
        let missing: Vec<_> = known().into_keys().filter(|k| !values.contains_key(k) && !doc[start..end].contains(&format!("# {k} ="))).collect();
        assert!(missing.is_empty(), "the example names every setting (set or commented out); missing: {missing:?}");
    }
}
