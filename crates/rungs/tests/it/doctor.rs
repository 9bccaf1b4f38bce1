//! `rungs doctor` says what to fix and exits 1 when something is wrong; a database
//! newer than the binary is refused with a clear message.

use crate::support::*;

#[cfg(unix)]
#[test]
fn doctor_passes_a_sound_install_and_names_what_to_fix() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let db = db(dir.path(), "doc.db");
    init(&db);
    // As `init` left it, whatever the umask: the database is private (rungs makes it
    // 0600), so a fresh install passes every check.
    let mode = |p: &str| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600, "a new database is private");
    let out = run(&["doctor", "--db", &db], 0);
    let text = stdout(&out);
    for check in ["integrity", "migrations", "WAL", "disk", "permissions", "issuer key", "clock"] {
        assert!(text.contains(&format!("ok       {check}")), "{check}: {text}");
    }

    // The credential issuer's signing key, readable by others.
    let key = format!("{db}.issuer-key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = run(&["doctor", "--db", &db], 1);
    assert!(stdout(&out).contains(&format!("fix: chmod 600 {key}")), "{}", stdout(&out));
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();

    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run(&["doctor", "--db", &db], 1);
    assert!(stdout(&out).contains(&format!("fix: chmod 600 {db}")), "{}", stdout(&out));

    // A config file holding the secret key, readable by others.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    let cfg = path(dir.path(), "rungs.toml");
    std::fs::write(&cfg, "secret_key = \"0123456789abcdef0123456789abcdef\"\n").unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run(&["doctor", "--db", &db, "--config", &cfg.to_string_lossy()], 1);
    assert!(stdout(&out).contains("holds a secret"), "{}", stdout(&out));

    // A database from a newer rungs: the doctor says so, and opening it is refused.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)", []).unwrap();
    drop(conn);
    let out = run(&["doctor", "--db", &db], 1);
    assert!(stdout(&out).contains("schema version 9999 is newer than this build knows"), "{}", stdout(&out));
    let refused = run(&["rebuild", "--db", &db], 1);
    assert!(stderr(&refused).contains("newer than this build knows") && stderr(&refused).contains("upgrade rungs"), "{}", stderr(&refused));
}

#[test]
fn config_check_prints_the_effective_configuration_masked_and_refuses_unknown_keys() {
    let dir = tempdir();
    let cfg = path(dir.path(), "rungs.toml");
    std::fs::write(
        &cfg,
        "listen = \"0.0.0.0:9000\"\nsecret_key = \"0123456789abcdef0123456789abcdef\"\ndb = \"postgres://rungs:hunter2@db/rungs\"\nshutdown_grace_secs = 12\n",
    )
    .unwrap();
    let out = rungs().args(["config", "check", "--config", &cfg.to_string_lossy()]).env("RUNGS_SHUTDOWN_GRACE_SECS", "7").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("listen = \"0.0.0.0:9000\"  # file"), "{text}");
    assert!(text.contains("shutdown_grace_secs = \"7\"  # environment RUNGS_SHUTDOWN_GRACE_SECS"), "the environment beats the file: {text}");
    assert!(text.contains("secret_key = \"********\""), "{text}");
    assert!(!text.contains("hunter2") && !text.contains("0123456789abcdef"), "secrets masked: {text}");

    std::fs::write(&cfg, "lisen = \"0.0.0.0:9000\"\n").unwrap();
    let out = rungs().args(["config", "check"]).env("RUNGS_CONFIG", &cfg).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unknown key `lisen`; did you mean `listen`?"), "{}", stderr(&out));
}

#[test]
fn serve_takes_its_address_from_the_file_and_a_flag_beats_it() {
    let dir = tempdir();
    let db = db(dir.path(), "cfg.db");
    init(&db);
    let port = free_port();
    let cfg = path(dir.path(), "rungs.toml");
    std::fs::write(&cfg, format!("listen = \"127.0.0.1:{port}\"\ndb = \"{db}\"\n")).unwrap();
    let mut child = rungs().args(["serve", "--config", &cfg.to_string_lossy()]).spawn().unwrap();
    let ok = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok, "rungs serve listened on the file's address");
}
