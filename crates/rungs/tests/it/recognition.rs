//! `rungs recognition` on a demo: the planted collusion ring of the hidden truths is
//! the one flag, and give / balance / feed work from the command line with the API's
//! rules (a refusal names the field and exits non-zero).

use serde_json::Value;

use crate::support::*;

#[test]
fn the_demo_ring_is_flagged_and_giving_from_the_cli_moves_points() {
    let dir = tempdir();
    let a = db(dir.path(), "a.db");
    let truths = path(dir.path(), "truths.json");
    let demo = run(&["demo", "--db", &a, "--people", "300", "--seed", "9", "--no-serve", "--truths", truths.to_str().unwrap()], 0);
    let printed = format!("{}{}", stdout(&demo), stderr(&demo));
    let emails: Vec<String> = printed.lines().filter_map(|l| l.trim().strip_prefix("email: ")).map(str::to_string).collect();
    assert_eq!(emails.len(), 3, "{printed}");
    let t: Value = serde_json::from_str(&std::fs::read_to_string(&truths).unwrap()).unwrap();
    let mut ring: Vec<String> = t["collusion_ring"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    ring.sort();
    assert_eq!(ring.len(), 3);
    let rates: Vec<f64> = t["recognition_rates"].as_array().unwrap().iter().map(|r| r[1].as_f64().unwrap()).collect();
    assert!(rates.iter().copied().fold(0.0, f64::max) >= 4.0 * rates.iter().copied().fold(f64::MAX, f64::min), "some teams give much more: {rates:?}");

    let report: Value = serde_json::from_str(&stdout(&run(&["recognition", "collusion", "--db", &a, "--json"], 0))).unwrap();
    let flags = report["flags"].as_array().unwrap();
    assert_eq!(flags.len(), 1, "only the planted ring: {flags:#?}");
    let mut members: Vec<String> = flags[0]["members"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    members.sort();
    assert_eq!(members, ring);
    assert!(flags[0]["why"].as_str().unwrap().contains("99th percentile"));

    let feed = stdout(&run(&["recognition", "feed", "--db", &a, "--limit", "5"], 0));
    assert_eq!(feed.lines().count(), 5, "{feed}");
    let json: Value = serde_json::from_str(&stdout(&run(&["recognition", "feed", "--db", &a, "--limit", "1", "--json"], 0))).unwrap();
    assert!(json["next_cursor"].is_string());
    {
        let (from, to) = (emails[0].as_str(), emails[1].as_str());
        let before: Value = serde_json::from_str(&stdout(&run(&["recognition", "balance", "--db", &a, "--email", to, "--json"], 0))).unwrap();
        run(&["recognition", "give", "--db", &a, "--from", from, "--to", to, "--message", "Thanks from the CLI", "--points", "1"], 0);
        let after: Value = serde_json::from_str(&stdout(&run(&["recognition", "balance", "--db", &a, "--email", to, "--json"], 0))).unwrap();
        assert_eq!(after["received_total"]["points"].as_u64().unwrap(), before["received_total"]["points"].as_u64().unwrap() + 1);
        let refused = run(&["recognition", "give", "--db", &a, "--from", from, "--to", from, "--message", "me"], 1);
        assert!(stderr(&refused).contains("to[0]"), "{}", stderr(&refused));
    }
}
