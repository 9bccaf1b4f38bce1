use chrono::{TimeZone, Utc};

use super::payload::{Author, Skip, read};
use super::rules::{map, parse_accounts, parse_rules};
use super::verify::*;
use super::*;

const GITHUB: &[u8] = include_bytes!("fixtures/github_pull_request_merged.json");
const GITLAB: &[u8] = include_bytes!("fixtures/gitlab_merge_request_merged.json");
const GENERIC: &[u8] = include_bytes!("fixtures/generic_course_completed.json");

fn secret() -> String {
    new_secret([7u8; 32])
}

#[test]
fn a_stored_hash_checks_what_the_secret_signed() {
    let s = secret();
    assert!(hashable(&s), "a secret must be longer than the HMAC block for its hash to verify");
    let hash = secret_hash(&s);
    assert_eq!(verify_github(&hash, Some(&github_signature(&s, GITHUB)), GITHUB), Ok(()));
    // A secret of 64 bytes or fewer is NOT hashed by HMAC: its hash would not verify.
    let short = "x".repeat(32);
    assert_eq!(verify_github(&secret_hash(&short), Some(&github_signature(&short, GITHUB)), GITHUB), Err(Refusal::BadSignature));
}

#[test]
fn github_signatures_refuse_forgeries_and_absence() {
    let hash = secret_hash(&secret());
    let other = new_secret([8u8; 32]);
    assert_eq!(verify_github(&hash, None, GITHUB), Err(Refusal::Unsigned));
    assert_eq!(verify_github(&hash, Some(&github_signature(&other, GITHUB)), GITHUB), Err(Refusal::BadSignature));
    let mut tampered = GITHUB.to_vec();
    tampered[20] ^= 1;
    assert_eq!(verify_github(&hash, Some(&github_signature(&secret(), GITHUB)), &tampered), Err(Refusal::BadSignature));
    assert_eq!(verify_github(&hash, Some("sha1=abc"), GITHUB), Err(Refusal::BadSignature));
}

#[test]
fn gitlab_tokens_compare_by_hash() {
    let hash = secret_hash(&secret());
    assert_eq!(verify_gitlab(&hash, Some(&secret())), Ok(()));
    assert_eq!(verify_gitlab(&hash, Some("guess")), Err(Refusal::BadSignature));
    assert_eq!(verify_gitlab(&hash, None), Err(Refusal::Unsigned));
}

#[test]
fn generic_signatures_carry_a_timestamp_inside_the_replay_window() {
    let s = secret();
    let hash = secret_hash(&s);
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).single().expect("a date");
    let t = now.timestamp();
    assert_eq!(verify_generic(&hash, Some(&generic_signature(&s, t - 60, GENERIC)), GENERIC, now), Ok(()));
    assert_eq!(verify_generic(&hash, Some(&generic_signature(&s, t - 301, GENERIC)), GENERIC, now), Err(Refusal::Stale));
    // The timestamp is signed: moving it breaks the signature.
    let moved = generic_signature(&s, t - 1000, GENERIC).replacen(&format!("t={}", t - 1000), &format!("t={t}"), 1);
    assert_eq!(verify_generic(&hash, Some(&moved), GENERIC, now), Err(Refusal::BadSignature));
    assert_eq!(verify_generic(&hash, None, GENERIC, now), Err(Refusal::Unsigned));
}

#[test]
fn a_merged_github_pull_request_is_read_in_its_published_shape() {
    let e = read(SourceKind::Github, Some("pull_request"), Some("72d3162e-cc78-11e3-81ab-4c9367dc0958"), GITHUB).expect("evidence");
    assert_eq!(e.authors, vec![Author::Login("octocat".into())]);
    assert_eq!(e.repository.as_deref(), Some("acme/api"));
    assert_eq!(e.labels, vec!["performance".to_string()]);
    assert_eq!(e.title, "Merged: Paginate the orders endpoint with cursors");
    assert_eq!(e.url.as_deref(), Some("https://github.com/acme/api/pull/1347"));
    assert!(e.occurred_at.is_some());
    // Closed without a merge, or another event: ignored, not an error.
    let unmerged = String::from_utf8_lossy(GITHUB).replace("\"merged\": true", "\"merged\": false");
    assert!(matches!(read(SourceKind::Github, Some("pull_request"), Some("d"), unmerged.as_bytes()), Err(Skip::Ignored(_))));
    assert!(matches!(read(SourceKind::Github, Some("ping"), Some("d"), b"{}"), Err(Skip::Ignored(_))));
    assert!(matches!(read(SourceKind::Github, Some("pull_request"), None, GITHUB), Err(Skip::Malformed(_))));
}

#[test]
fn a_merged_gitlab_merge_request_credits_its_author() {
    let e = read(SourceKind::Gitlab, Some("Merge Request Hook"), Some("0d8e1a3c-5e1f-4e02-9a56-d1bd9d2a7f11"), GITLAB).expect("evidence");
    // The redacted email is no email; the author merged it, so the username counts.
    assert_eq!(e.authors, vec![Author::Login("ada".into()), Author::UserId(42)]);
    assert_eq!(e.repository.as_deref(), Some("platform/billing"));
    assert_eq!(e.labels, vec!["reliability".to_string()]);
    assert_eq!(e.occurred_at, Utc.with_ymd_and_hms(2026, 12, 5, 16, 20, 31).single());
    let merged_by_other = String::from_utf8_lossy(GITLAB).replacen("\"id\": 42,\n    \"name\"", "\"id\": 43,\n    \"name\"", 1);
    let e = read(SourceKind::Gitlab, Some("Merge Request Hook"), Some("x"), merged_by_other.as_bytes()).expect("evidence");
    assert_eq!(e.authors, vec![Author::UserId(42)], "who merged is not credited");
}

#[test]
fn the_generic_form_is_strict() {
    let e = read(SourceKind::Generic, None, None, GENERIC).expect("evidence");
    assert_eq!(e.delivery, "lms-7f3a91");
    assert_eq!(e.course.as_deref(), Some("rust-101"));
    assert_eq!(e.authors, vec![Author::Email("alice@example.com".into())]);
    let bad = br#"{"id":"1","type":"graduated","email":"a@b.c","title":"x"}"#;
    assert!(matches!(read(SourceKind::Generic, None, None, bad), Err(Skip::Malformed(m)) if m.starts_with("type")));
    let extra = br#"{"id":"1","type":"course_completed","email":"a@b.c","title":"x","grade":"A"}"#;
    assert!(matches!(read(SourceKind::Generic, None, None, extra), Err(Skip::Malformed(_))));
}

#[test]
fn rules_map_repository_label_and_course() {
    let rules = parse_rules(
        "# comments and blank lines are fine\n\nrepository acme/api -> api-design, testing : project_completed\nlabel performance -> performance : skill\ncourse rust-101 -> rust : learning\n",
    )
    .expect("rules");
    assert_eq!(rules.len(), 3);
    let gh = read(SourceKind::Github, Some("pull_request"), Some("d"), GITHUB).expect("evidence");
    let (comps, cat) = map(&rules, &gh).expect("mapped");
    assert_eq!(comps, vec!["api-design", "performance", "testing"]);
    assert_eq!(cat, crate::event::Category::ProjectCompleted, "the first matching rule's category");
    let lms = read(SourceKind::Generic, None, None, GENERIC).expect("evidence");
    assert_eq!(map(&rules, &lms), Some((vec!["rust".to_string()], crate::event::Category::Learning)));
    let gl = read(SourceKind::Gitlab, Some("Merge Request Hook"), Some("d"), GITLAB).expect("evidence");
    assert_eq!(map(&rules, &gl), None);
    let err = parse_rules("repository acme/api -> x : nonsense\nbranch main -> y : skill").expect_err("refused");
    let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, vec!["rules[line 1]", "rules[line 2]"]);
    assert!(parse_rules(&rules.iter().map(Rule::line).collect::<Vec<_>>().join("\n")).expect("round trip") == rules);
}

#[test]
fn accounts_name_a_system_a_login_and_an_email() {
    let a = parse_accounts("github Octocat alice@example.com\ngitlab id:42 bob@example.com").expect("accounts");
    assert_eq!(a[0].login, "octocat");
    assert_eq!(a[1].system, SourceKind::Gitlab);
    let err = parse_accounts("slack x a@b.c\ngithub y\ngithub octocat a@b.c\ngithub OCTOCAT c@d.e").expect_err("refused");
    let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, vec!["accounts[line 1]", "accounts[line 2]", "accounts[line 4]"]);
}
