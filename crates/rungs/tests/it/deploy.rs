//! The service files in `deploy/`: the systemd unit verifies and is hardened, the
//! container recipe is multi-stage, non-root, with a volume and a health check, and the
//! proxy examples forward the scheme (the Secure cookie follows X-Forwarded-Proto:
//! rungs-web `the_session_cookie_is_hardened_and_secure_behind_tls`).

use std::path::PathBuf;

fn deploy(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn the_systemd_unit_is_hardened_and_verifies() {
    let unit = deploy("rungs.service");
    for line in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "StateDirectory=rungs",
        "NoNewPrivileges=yes",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=",
        "KillSignal=SIGTERM",
    ] {
        assert!(unit.lines().any(|l| l.trim() == line), "deploy/rungs.service lacks {line}");
    }
    let Ok(analyze) = which("systemd-analyze") else {
        eprintln!("\n*** SKIPPED: systemd-analyze verify (systemd-analyze is not installed) ***\n");
        return;
    };
    // verify checks that ExecStart exists: point it at the binary under test.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rungs.service");
    std::fs::write(&path, unit.replace("/usr/local/bin/rungs", env!("CARGO_BIN_EXE_rungs"))).unwrap();
    let out = std::process::Command::new(analyze).arg("verify").arg(&path).output().expect("systemd-analyze runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // It exits 0 on unknown keys and bad values and only says so: any output fails.
    let findings: Vec<&str> = stderr.lines().filter(|l| l.contains("rungs.service")).collect();
    assert!(out.status.success() && findings.is_empty(), "systemd-analyze verify:\n{stderr}");
}

fn which(tool: &str) -> Result<PathBuf, ()> {
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(tool)).find(|p| p.is_file())).ok_or(())
}

#[test]
fn the_container_recipe_is_multi_stage_non_root_with_a_volume_and_a_health_check() {
    let c = deploy("Containerfile");
    assert!(c.lines().filter(|l| l.starts_with("FROM ")).count() >= 2, "multi-stage");
    assert!(c.contains("COPY --from=build"));
    let user = c.lines().find_map(|l| l.strip_prefix("USER ")).expect("a USER line");
    assert!(!user.starts_with("root") && !user.starts_with('0'), "non-root: {user}");
    assert!(c.contains("VOLUME [\"/var/lib/rungs\"]"));
    assert!(c.contains("RUNGS_DB=/var/lib/rungs/rungs.db"), "the database lives on the volume");
    let hc = c.lines().skip_while(|l| !l.starts_with("HEALTHCHECK")).take(2).collect::<String>();
    assert!(hc.contains("/healthz"), "{hc}");
}

#[test]
fn the_proxy_examples_terminate_tls_and_forward_the_scheme() {
    let caddy = deploy("Caddyfile");
    assert!(caddy.contains("header_up X-Forwarded-Proto {scheme}"));
    let nginx = deploy("nginx.conf");
    assert!(nginx.contains("proxy_set_header X-Forwarded-Proto $scheme;"));
    assert!(nginx.contains("listen 443 ssl"));
}
