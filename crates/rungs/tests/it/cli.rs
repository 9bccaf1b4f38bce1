//! The CLI commands end to end: demo, export/import round trip, rebuild, CSV import,
//! tokens.

use serde_json::Value;

use crate::support::*;

#[test]
fn export_then_import_into_an_empty_database_reproduces_the_ledger_exactly() {
    let dir = tempdir();
    let a = db(dir.path(), "a.db");
    let b = db(dir.path(), "b.db");
    run(&["demo", "--db", &a, "--people", "60", "--seed", "7", "--no-serve"], 0);
    let first = path(dir.path(), "first.jsonl");
    let second = path(dir.path(), "second.jsonl");
    run(&["export", "--db", &a, "--out", first.to_str().unwrap()], 0);
    run(&["import", "events", "--db", &b, first.to_str().unwrap()], 0);
    run(&["export", "--db", &b, "--out", second.to_str().unwrap()], 0);
    let (x, y) = (std::fs::read_to_string(&first).unwrap(), std::fs::read_to_string(&second).unwrap());
    assert!(x.lines().count() > 1000, "the demo has a real history: {} lines", x.lines().count());
    assert!(x == y, "the re-export differs from the export");
    // And the projections agree person by person.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (sa, sb) = (rungs_store::open(&a).await.unwrap(), rungs_store::open(&b).await.unwrap());
        let org = sa.default_org().await.unwrap().unwrap();
        assert_eq!(sa.all_people(org.id).await.unwrap(), sb.all_people(org.id).await.unwrap());
    });
}

#[test]
fn rebuild_reports_that_the_rebuilt_state_equals_the_live_state() {
    let dir = tempdir();
    let a = db(dir.path(), "a.db");
    run(&["demo", "--db", &a, "--people", "40", "--seed", "3", "--no-serve"], 0);
    let out = run(&["rebuild", "--db", &a], 0);
    assert!(stdout(&out).contains("equals the live state"), "{}", stdout(&out));
}

#[test]
fn logs_written_to_a_file_or_pipe_carry_no_colour_codes() {
    let dir = tempdir();
    let a = db(dir.path(), "a.db");
    let out = rungs().args(["demo", "--db", &a, "--people", "20", "--seed", "5", "--no-serve"]).env("RUNGS_LOG", "info").output().unwrap();
    assert!(out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("INFO"), "the demo logs at info: {log}");
    assert!(!log.contains('\x1b'), "escape codes in a piped log: {log:?}");
}

#[test]
fn the_demo_prints_three_logins_and_is_reproducible_from_its_seed() {
    let dir = tempdir();
    let (a, b) = (db(dir.path(), "a.db"), db(dir.path(), "b.db"));
    let out = run(&["demo", "--db", &a, "--people", "50", "--seed", "11", "--no-serve"], 0);
    let text = stdout(&out);
    for role in ["employee", "manager", "admin"] {
        assert!(text.contains(role), "{text}");
    }
    assert_eq!(text.matches("token: rungs_").count(), 3, "{text}");
    run(&["demo", "--db", &b, "--people", "50", "--seed", "11", "--no-serve"], 0);
    let names = |db: &str| {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let s = rungs_store::open(db).await.unwrap();
            let org = s.default_org().await.unwrap().unwrap();
            let mut v: Vec<_> = s.all_people(org.id).await.unwrap().into_iter().map(|p| (p.email, p.position.level, p.micro_progressions)).collect();
            v.sort();
            v
        })
    };
    assert_eq!(names(&a), names(&b), "same seed, same organization");
    assert!(std::path::Path::new(&format!("{a}.truths.json")).exists());
}

#[test]
fn a_csv_with_bad_rows_imports_nothing_and_names_every_bad_line() {
    let dir = tempdir();
    let a = db(dir.path(), "a.db");
    init(&a);
    let csv = path(dir.path(), "people.csv");
    std::fs::write(
        &csv,
        "Work Email,Full Name,Manager Email,Department,Hire Date,Track,Level,Job Title\n\
         lead@acme.test,Lena Lead,,Engineering,2021-01-04,management,m2,\n\
         bad-email,Bob,lead@acme.test,Engineering,2022-02-01,engineering,e2,\n\
         cy@acme.test,Cy <script>,lead@acme.test,Engineering,2022-13-01,engineering,e2,\n\
         di@acme.test,Di,lead@acme.test,Engineering,2022-02-01,engineering,e2,Engineer\n",
    )
    .unwrap();
    let out = run(&["import", "people", "--db", &a, csv.to_str().unwrap()], 1);
    let err = stderr(&out);
    assert!(err.contains("line 3") && err.contains("email"), "{err}");
    assert!(err.contains("line 4") && err.contains("hire_date"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    let count = |db: &str| {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let s = rungs_store::open(db).await.unwrap();
            let org = s.default_org().await.unwrap().unwrap();
            s.all_people(org.id).await.unwrap().len()
        })
    };
    assert_eq!(count(&a), 1, "only the admin: nothing was imported");
    let out = run(&["import", "people", "--db", &a, "--skip-invalid", csv.to_str().unwrap()], 0);
    assert!(stdout(&out).contains("imported 2 people"), "{}", stdout(&out));
    assert_eq!(count(&a), 3);
    // Importing the same file again adds nobody.
    let out = run(&["import", "people", "--db", &a, "--skip-invalid", csv.to_str().unwrap()], 0);
    assert!(stdout(&out).contains("imported 0 people; 2 already present"), "{}", stdout(&out));
}

#[test]
fn tokens_are_created_listed_and_revoked_from_the_cli() {
    let dir = tempdir();
    let a = db(dir.path(), "a.db");
    init(&a);
    let out = run(&["token", "create", "--db", &a, "--email", "ADMIN@acme.test", "--role", "manager"], 0);
    assert!(stdout(&out).trim().starts_with("rungs_"));
    let list = stdout(&run(&["token", "list", "--db", &a], 0));
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(!list.contains("rungs_"), "secrets are never listed");
    let id = list.lines().find(|l| l.contains("manager")).unwrap().split('\t').next().unwrap().to_string();
    run(&["token", "revoke", "--db", &a, &id], 0);
    assert!(stdout(&run(&["token", "list", "--db", &a], 0)).contains("revoked"));
    let out = run(&["token", "create", "--db", &a, "--email", "nobody@acme.test", "--role", "admin"], 1);
    assert!(stderr(&out).contains("no person with email"), "{}", stderr(&out));
    run(&["init", "--db", &a, "--admin-email", "x@acme.test"], 1);
}

#[test]
fn a_framework_imports_from_yaml_and_a_csv_matrix_previewing_first() {
    let dir = tempdir();
    let a = db(dir.path(), "a.db");
    init(&a);
    let yaml = path(dir.path(), "ladder.yaml");
    std::fs::write(&yaml, "tracks:\n\t- {key: research, name: Research, levels: [{key: r1, title: Researcher}, {key: r2, title: Senior Researcher}]}\ncompetencies: [{key: rigour, name: Rigour, category: craft}]\n").unwrap();
    let out = run(&["import", "framework", "--db", &a, yaml.to_str().unwrap()], 0);
    let text = stdout(&out);
    assert!(text.contains("change: added track research") && text.contains("tolerated: ladder.yaml:2: tab") && text.contains("preview only"), "{text}");
    let out = run(&["import", "framework", "--db", &a, "--commit", yaml.to_str().unwrap()], 0);
    assert!(stdout(&out).contains("saved as framework version 2"), "{}", stdout(&out));
    let csv = path(dir.path(), "matrix.csv");
    std::fs::write(&csv, "Competency,Researcher,Senior Researcher\nRigour,Checks results,Designs studies\nrigour,x,y\n").unwrap();
    let out = run(&["import", "framework", "--db", &a, "--track", "research", "--commit", csv.to_str().unwrap()], 1);
    let err = stderr(&out);
    assert!(err.contains("matrix.csv:3: duplicate competency 'rigour'") && err.contains("nothing was imported"), "{err}");
    std::fs::write(&csv, "Competency,Researcher,Senior Researcher\nRigour,Checks results,Designs studies\n").unwrap();
    let out = run(&["import", "framework", "--db", &a, "--track", "research", "--commit", csv.to_str().unwrap()], 0);
    assert!(stdout(&out).contains("saved as framework version 3"), "{}", stdout(&out));
    let out = run(&["import", "framework", "--db", &a, "--track", "research", "--commit", csv.to_str().unwrap()], 0);
    assert!(stdout(&out).contains("nothing changed: no new version saved (framework version 3 stays in force)"), "{}", stdout(&out));
    // Without a track, a matrix makes one named after the file; a column the reader
    // cannot place is mapped, and the mapping kept for next time.
    std::fs::write(&csv, "Competency;Owner;Researcher;Senior Researcher\nRigour;Ada;Checks results;Designs studies\n").unwrap();
    let roles = path(dir.path(), "roles.txt");
    let out = run(&["import", "framework", "--db", &a, "--map", "Owner=ignore", "--save-mapping", roles.to_str().unwrap(), csv.to_str().unwrap()], 0);
    assert!(stdout(&out).contains("(a new track)") && stdout(&out).contains("of matrix"), "{}", stdout(&out));
    assert!(std::fs::read_to_string(&roles).unwrap().contains("Owner=ignore"));
    let out = run(&["import", "framework", "--db", &a, "--track", "research", "--mapping", roles.to_str().unwrap(), csv.to_str().unwrap()], 0);
    assert!(stdout(&out).contains("column 2 'Owner' is mapped to ignore"), "{}", stdout(&out));
    let out = run(&["import", "framework", "--db", &a, "--track", "research", csv.to_str().unwrap()], 1);
    assert!(stderr(&out).contains("'Owner' is not a level of track 'research'"), "{}", stderr(&out));
}

#[test]
fn importing_events_records_the_milestones_they_complete_once() {
    let dir = tempdir();
    let a = db(dir.path(), "a.db");
    init(&a);
    let rex = uuid::Uuid::now_v7();
    let hire = serde_json::json!({"subject": rex, "kind": "hired", "occurred_at": "2024-01-02T09:00:00Z", "payload": {
        "name": "Rex Report", "email": "rex@acme.test", "position": {"track": "engineering", "level": "e2", "title": "Engineer"}}});
    // Into e3, "Lead a design review" needs one project-completed or responsibility win
    // evidencing system design or communication.
    let design = |title: &str| {
        serde_json::json!({"subject": rex, "kind": "micro_progression", "competencies": ["system-design"],
            "payload": {"category": "project_completed", "magnitude": "micro", "title": title}})
    };
    let first = path(dir.path(), "first.jsonl");
    std::fs::write(&first, format!("{hire}\n{}\n", design("Led the storage design review"))).unwrap();
    let out = run(&["import", "events", "--db", &a, first.to_str().unwrap()], 0);
    assert!(stdout(&out).contains("imported 2 events (0 already present); 1 milestone completions recorded"), "{}", stdout(&out));
    let second = path(dir.path(), "second.jsonl");
    std::fs::write(&second, format!("{}\n", design("Led another review"))).unwrap();
    let out = run(&["import", "events", "--db", &a, second.to_str().unwrap()], 0);
    assert!(stdout(&out).contains("0 milestone completions recorded"), "once only: {}", stdout(&out));

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = rungs_store::open(&a).await.unwrap();
        let org = s.default_org().await.unwrap().unwrap();
        let events = s.subject_events(org.id, rungs_core::PersonId(rex)).await.unwrap();
        let done: Vec<_> = events.iter().filter(|e| e.kind() == rungs_core::event::EventKind::MilestoneCompleted).collect();
        assert_eq!(done.len(), 1, "{done:?}");
        let rungs_core::event::EventBody::MilestoneCompleted(m) = &done[0].body else { unreachable!() };
        assert_eq!(m.milestone, "e3-design-review");
        let version = s.framework_versions(org.id).await.unwrap().last().map(|v| v.version);
        assert_eq!(m.framework_version, version, "the version in force is recorded");
    });
}

#[test]
fn a_markdown_ladder_imports_only_once_its_drifting_names_are_answered() {
    let dir = tempdir();
    let a = db(dir.path(), "a.db");
    init(&a);
    let md = path(dir.path(), "research.md");
    std::fs::write(
        &md,
        "# Research\n\n## R1 — Researcher\n### Code quality\n- Checks results\n\n## R2 — Senior Researcher\n### Code quality & review\n- Reviews studies\n",
    )
    .unwrap();
    let out = run(&["import", "framework", "--db", &a, md.to_str().unwrap()], 0);
    let text = stdout(&out);
    assert!(text.contains("2 competencies (1 new), 2 expectations for levels r1, r2 of research (a new track)"), "{text}");
    assert!(
        text.contains("needs confirmation: 'Code quality' (research.md:4) and 'Code quality & review' (research.md:8)") && text.contains("preview only"),
        "{text}"
    );
    let out = run(&["import", "framework", "--db", &a, "--commit", md.to_str().unwrap()], 1);
    let err = stderr(&out);
    assert!(err.contains("confirm: 'Code quality' (research.md:4)") && err.contains("--same \"A=B\"") && err.contains("nothing was imported"), "{err}");
    let out = run(&["import", "framework", "--db", &a, "--commit", "--same", "Code quality=Code quality & review", md.to_str().unwrap()], 0);
    let text = stdout(&out);
    assert!(text.contains("confirmed the same") && text.contains("saved as framework version 2"), "{text}");
    let out = run(&["import", "framework", "--db", &a, "--commit", "--different", "Code quality=Nope", md.to_str().unwrap()], 1);
    assert!(stderr(&out).contains("--different: 'Code quality=Nope' is not a pair flagged"), "{}", stderr(&out));
}

#[test]
fn rungs_readiness_prints_the_score_the_gaps_and_the_next_steps() {
    let dir = tempdir();
    let a = db(dir.path(), "a.db");
    let out = run(&["demo", "--db", &a, "--people", "60", "--seed", "5", "--no-serve"], 0);
    let text = stdout(&out);
    let email = text.lines().skip_while(|l| !l.trim_start().starts_with("employee")).find_map(|l| l.trim().strip_prefix("email:")).unwrap().trim().to_string();
    let report: Value = serde_json::from_str(&stdout(&run(&["readiness", "--db", &a, "--email", &email, "--json"], 0))).unwrap();
    let score = report["readiness"]["score"].as_u64().unwrap();
    let lines = stdout(&run(&["readiness", "--db", &a, "--email", &email], 0));
    assert!(lines.starts_with(&format!("{} (", report["name"].as_str().unwrap())), "{lines}");
    assert!(lines.contains(&format!("readiness {score} / 100 for ")), "{lines}");
    assert!(lines.contains("next steps:") && lines.contains("1. ") && lines.contains("* opportunity "), "{lines}");
    let unknown = run(&["readiness", "--db", &a, "--email", "nobody@example.com"], 1);
    assert!(stderr(&unknown).contains("no person with email nobody@example.com"), "{}", stderr(&unknown));
}

/// A database file marked read-only is refused at start with a message naming the
/// file, instead of serving and answering every write "unexpected storage error".
#[test]
fn serve_refuses_a_read_only_database_file_and_names_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let a = db(dir.path(), "a.db");
    init(&a);
    std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o444)).unwrap();
    // Before the fix this served (as root, SQLite writes a 0444 file anyway): give it
    // a deadline rather than hang.
    let mut child = rungs()
        .args(["serve", "--db", &a, "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "serve refuses to start: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&a) && err.contains("read-only") && err.contains("0444"), "{err}");
    // Writable again, it serves.
    std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(Server::start(&a));
}
