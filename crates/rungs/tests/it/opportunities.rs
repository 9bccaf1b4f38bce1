//! `rungs opportunities` on a demo: the board is seeded, its completed work is on the
//! ledger exactly once as a validated win, and bad flags are refused.

use std::collections::HashMap;

use serde_json::Value;

use crate::support::*;

#[test]
fn the_demo_board_lists_and_its_completed_work_is_on_the_ledger_once() {
    let dir = tempdir();
    let a = db(dir.path(), "a.db");
    run(&["demo", "--db", &a, "--people", "60", "--seed", "5", "--no-serve"], 0);
    let board: Vec<Value> = serde_json::from_str(&stdout(&run(&["opportunities", "--db", &a, "--status", "all", "--json"], 0))).unwrap();
    assert!(board.len() >= 7, "{} opportunities", board.len());
    let apps: Vec<&Value> = board.iter().flat_map(|o| o["applications"].as_array().unwrap()).collect();
    let status = |s: &str| apps.iter().filter(|a| a["status"] == s).count();
    assert!(status("applied") > 0 && status("accepted") > 0 && status("completed") > 0 && status("declined") > 0, "every state: {apps:?}");

    // Every completion's evidence is a win on the applicant's ledger, validated by the
    // owner, and no stretch-project win exists without a completion.
    let out = path(dir.path(), "ledger.jsonl");
    run(&["export", "--db", &a, "--out", out.to_str().unwrap()], 0);
    let events: Vec<Value> = std::fs::read_to_string(&out).unwrap().lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect();
    let by_id: HashMap<&str, &Value> = events.iter().filter_map(|e| e["id"].as_str().map(|id| (id, e))).collect();
    let stretch = events.iter().filter(|e| e["payload"]["title"].as_str().is_some_and(|t| t.starts_with("Completed the stretch project"))).count();
    assert_eq!(stretch, status("completed"));
    for o in &board {
        for app in o["applications"].as_array().unwrap().iter().filter(|a| a["status"] == "completed") {
            let win = by_id[app["evidence"].as_str().unwrap()];
            assert_eq!(win["subject"], app["applicant"]);
            assert_eq!(win["actor"], o["owner"]);
            assert_eq!(win["payload"]["category"], o["category"]);
            let validations = events.iter().filter(|e| e["kind"] == "validation" && e["payload"]["target"] == win["id"]).count();
            assert_eq!(validations, 1, "validated once by the owner");
        }
    }
    let lines = stdout(&run(&["opportunities", "--db", &a], 0));
    assert!(lines.lines().all(|l| l.split('\t').count() == 6 && l.contains("\topen\t")), "{lines}");
    let bad = run(&["opportunities", "--db", &a, "--status", "someday"], 1);
    assert!(stderr(&bad).contains("--status must be open, closed or all"), "{}", stderr(&bad));
}
