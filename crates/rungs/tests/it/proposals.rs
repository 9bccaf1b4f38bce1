//! `rungs proposals` and `rungs routes` on a demo: the routes in force are listed, a
//! route that could never complete is refused naming the field, a manager proposes a
//! micro-promotion for their report from a file, the approver of the demo's route
//! (the people team) approves it, and effective today it is on the record.

use serde_json::Value;

use crate::support::*;

#[test]
fn propose_and_decide_from_the_cli_along_the_route() {
    let dir = tempdir();
    let a = db(dir.path(), "a.db");
    let demo = run(&["demo", "--db", &a, "--people", "60", "--no-serve"], 0);
    let printed = format!("{}{}", stdout(&demo), stderr(&demo));
    let emails: Vec<String> = printed.lines().filter_map(|l| l.trim().strip_prefix("email: ")).map(str::to_string).collect();
    let [employee, manager, admin] = [&emails[0], &emails[1], &emails[2]];

    let routes = stdout(&run(&["routes", "list", "--db", &a], 0));
    assert!(routes.lines().any(|l| l.starts_with("micro_promotion\tconfigured\tPeople team → Sales head")), "{routes}");
    assert!(routes.lines().any(|l| l.starts_with("pay_change\tdefault\tManager's manager") || l.starts_with("pay_change\tdefault\t")), "{routes}");

    let never = path(dir.path(), "never.json");
    std::fs::write(&never, r#"{"kind": "lateral_move", "steps": [{"name": "Two of one", "need": 2, "approvers": [{"type": "manager"}]}]}"#).unwrap();
    let refused = run(&["routes", "save", "--db", &a, "--file", never.to_str().unwrap()], 1);
    assert!(stderr(&refused).contains("steps[0]"), "{}", stderr(&refused));
    assert!(stdout(&run(&["routes", "list", "--db", &a], 0)).contains("lateral_move\tdefault"), "a refused route changes nothing");

    let file = path(dir.path(), "micro.json");
    let today = chrono::Utc::now().date_naive();
    std::fs::write(
        &file,
        serde_json::json!({
            "details": {"kind": "micro_promotion", "from": "On the payments team", "to": "Owns the CLI end to end"},
            "rationale": "Shipped the CLI for proposals.",
            "effective_on": today.to_string(),
        })
        .to_string(),
    )
    .unwrap();
    let own = run(&["proposals", "propose", "--db", &a, "--as", employee, "--subject", employee, "--file", file.to_str().unwrap()], 1);
    assert!(stderr(&own).contains("refused"), "nobody proposes for themself: {}", stderr(&own));
    let made = stdout(&run(&["proposals", "propose", "--db", &a, "--as", manager, "--subject", employee, "--file", file.to_str().unwrap()], 0));
    let id = made.split('\t').next().unwrap().trim().to_string();
    assert!(made.contains("micro_promotion\tpending"), "{made}");

    let wrong = run(&["proposals", "decide", "--db", &a, "--as", employee, &id, "--approve"], 1);
    assert!(stderr(&wrong).contains("refused"), "{}", stderr(&wrong));
    let no_reason = run(&["proposals", "decide", "--db", &a, "--as", admin, &id, "--reject"], 1);
    assert!(stderr(&no_reason).contains("comment"), "a rejection needs a comment: {}", stderr(&no_reason));
    let decided = stdout(&run(&["proposals", "decide", "--db", &a, "--as", admin, &id, "--approve", "--comment", "Yes"], 0));
    assert!(decided.contains("\teffective\t"), "approved on its day, it takes effect at once: {decided}");

    let listed: Value = serde_json::from_str(&stdout(&run(&["proposals", "list", "--db", &a, "--subject", employee, "--json"], 0))).unwrap();
    let p = listed.as_array().unwrap().iter().find(|p| p["id"] == id.as_str()).unwrap();
    assert_eq!(p["status"], "effective");
    assert!(p["event"].is_string(), "a ledger event: {p}");
    let pending = stdout(&run(&["proposals", "list", "--db", &a, "--status", "pending"], 0));
    assert!(!pending.contains(&id), "{pending}");
}
