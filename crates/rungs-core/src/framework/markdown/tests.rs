//! The Markdown reader against realistic, messy ladders (fixtures in
//! `crates/rungs-core/tests/fixtures/ladders/`) and the errors it names.

use super::*;
use crate::framework::drift::Decision;
use crate::framework::yaml::from_yaml;

const LEVELS_FIRST: &str = include_str!("../../../tests/fixtures/ladders/levels-first.md");
const TRANSPOSED: &str = include_str!("../../../tests/fixtures/ladders/transposed.md");
const TABLE: &str = include_str!("../../../tests/fixtures/ladders/table.md");

fn base() -> Framework {
    from_yaml(
        "f.yaml",
        "tracks:\n  - {key: eng, name: Engineering, levels: [{key: l1, title: Engineer}, {key: l2, title: Senior Engineer}]}\ncompetencies:\n  - {key: design, name: System design, category: craft}\n",
    )
    .unwrap()
    .framework
}

fn confirm(pairs: &[(Decision, &str)]) -> Confirmations {
    let mut c = Confirmations::default();
    for (d, p) in pairs {
        c.add(*d, *p);
    }
    c
}

fn text<'a>(fw: &'a Framework, competency: &str, level: &str) -> Option<&'a str> {
    fw.expectations.iter().find(|x| x.competency == competency && x.level == level).map(|x| x.text.as_str())
}

#[test]
fn a_levels_first_ladder_creates_its_track_and_flags_drifting_names() {
    let (fw, p) = import(&base(), None, "ladder.md", LEVELS_FIRST, &Confirmations::default()).unwrap();
    assert_eq!((p.track.as_str(), p.new_track), ("platform-engineering", true));
    assert_eq!(p.levels, ["l1", "l2", "l3"]);
    let t = fw.track("platform-engineering").unwrap();
    assert_eq!(t.levels.iter().map(|l| l.title.as_str()).collect::<Vec<_>>(), ["Associate Engineer", "Engineer", "Senior Engineer"]);
    let pairs: Vec<_> = p.drift.iter().map(|d| (d.a.name.as_str(), d.b.name.as_str(), d.a.levels.clone(), d.b.levels.clone(), d.decision)).collect();
    assert_eq!(
        pairs,
        [
            ("Code Quality", "Code quality & review", vec!["l1".to_string()], vec!["l2".to_string()], None),
            ("Mentoring", "Mentorship", vec!["l1".to_string()], vec!["l2".to_string()], None),
        ]
    );
    assert_eq!(p.drift[0].a.at, ["ladder.md:16"]);
    assert_eq!(p.drift[1].b.at, ["ladder.md:47"]);
    let e = p.require_confirmed().unwrap_err();
    assert_eq!(e.errors.len(), 2);
    assert_eq!(e.errors[0].field, "confirm");
    assert!(e.errors[0].reason.contains("confirm \"Code Quality=Code quality & review\" as the same or different"), "{e:?}");
    // Unconfirmed, the preview keeps them apart: nothing is merged silently.
    assert!(fw.has_competency("code-quality") && fw.has_competency("code-quality-review"));

    let code = text(&fw, "code-quality", "l1").unwrap();
    assert_eq!(
        code,
        "Writes readable code that follows the team's style guide\nAsks for review early, before a change grows large\nExamples: Splits a 900-line PR into three reviewable ones; Adds a missing test when fixing a bug"
    );
    assert_eq!(
        text(&fw, "testing", "l2").unwrap(),
        "Chooses the right level of test\nFixes flaky tests instead of retrying them\nExamples: Replaced a sleep-based test with a fake clock"
    );
    assert_eq!(text(&fw, "mentoring", "l1").unwrap(), "Shares what they learn in the team channel and in retros");
    assert_eq!(text(&fw, "mentorship", "l2").unwrap(), "Onboards a new joiner & pairs with them weekly");
    assert_eq!(text(&fw, "testing", "l1"), None, "an empty section expects nothing");
    assert_eq!(fw.competency("incident-response").unwrap().category, "Technical skills");
    assert_eq!(fw.competency("mentoring").unwrap().category, "People");
    assert!(!fw.has_competency("pr"), "the glossary is not a level");
    let tolerated = p.tolerated.join("\n");
    for want in [
        "byte-order mark",
        "CRLF",
        "front matter",
        "ladder.md:18: tabs",
        "ladder.md:60: section 'Glossary' is not a level",
        "paragraphs of prose",
        "ladder.md:23: 'Testing' at 'L1 — Associate Engineer' has no criteria",
        "inline formatting",
    ] {
        assert!(tolerated.contains(want), "{want} in\n{tolerated}");
    }
}

#[test]
fn confirming_drift_merges_or_keeps_apart() {
    let c = confirm(&[(Decision::Same, "code quality=Code quality & review"), (Decision::Different, "Mentorship=Mentoring")]);
    let (fw, p) = import(&base(), None, "ladder.md", LEVELS_FIRST, &c).unwrap();
    p.require_confirmed().unwrap();
    assert_eq!(p.drift.iter().map(|d| d.decision).collect::<Vec<_>>(), [Some(Decision::Same), Some(Decision::Different)]);
    assert!(fw.has_competency("code-quality") && !fw.has_competency("code-quality-review"));
    assert!(text(&fw, "code-quality", "l2").unwrap().starts_with("Reviews teammates' changes"));
    let merged = p.competencies.iter().find(|c| c.key == "code-quality").unwrap();
    assert_eq!(merged.aliases, ["Code quality & review"]);
    assert!(fw.has_competency("mentoring") && fw.has_competency("mentorship"));

    let e = import(&base(), None, "ladder.md", LEVELS_FIRST, &confirm(&[(Decision::Same, "Testing=Mentoring")])).unwrap_err();
    assert_eq!(e.errors[0].field, "same");
    assert!(e.errors[0].reason.contains("'Testing=Mentoring' is not a pair flagged"), "{e:?}");
}

#[test]
fn a_transposed_ladder_fills_an_existing_track_by_level_key_or_title() {
    let (fw, p) = import(&base(), None, "t.md", TRANSPOSED, &Confirmations::default()).unwrap();
    assert_eq!((p.track.as_str(), p.new_track), ("eng", false));
    assert_eq!(p.levels, ["l1", "l2"]);
    assert!(p.drift.is_empty(), "{:?}", p.drift);
    assert_eq!(text(&fw, "design", "l2").unwrap(), "Designs systems others build on\nExamples: the billing pipeline");
    assert_eq!(text(&fw, "testing", "l1").unwrap(), "Writes tests for their changes");
    assert_eq!(text(&fw, "delivery", "l2").unwrap(), "Ships projects across teams\nPlans the milestones");
    assert_eq!(fw.competency("delivery").unwrap().category, "Impact");
    let design = p.competencies.iter().find(|c| c.key == "design").unwrap();
    assert!(!design.new, "matched by name");
}

#[test]
fn a_pipe_table_is_a_matrix_and_near_rows_are_flagged() {
    let (fw, p) = import(&base(), Some("eng"), "m.md", TABLE, &Confirmations::default()).unwrap();
    assert_eq!(p.levels, ["l1", "l2"]);
    assert_eq!(text(&fw, "delivery", "l2").unwrap(), "Ships projects | programmes");
    assert_eq!(text(&fw, "testing", "l2").unwrap(), "Owns the test strategy");
    assert_eq!(fw.competency("observability").unwrap().category, "craft");
    assert_eq!(p.drift.len(), 1);
    assert_eq!(
        (p.drift[0].a.name.as_str(), p.drift[0].b.name.as_str(), p.drift[0].why.as_str()),
        ("Comunication", "Communication", "at most two letters apart")
    );
    let (fw, _) = import(&base(), Some("eng"), "m.md", TABLE, &confirm(&[(Decision::Same, "Comunication=Communication")])).unwrap();
    assert_eq!((text(&fw, "comunication", "l1"), text(&fw, "comunication", "l2")), (Some("Explains their work"), Some("Writes clear design docs")));
}

fn err(md: &str) -> Vec<(String, String)> {
    let e = import(&base(), Some("eng"), "x.md", md, &Confirmations::default()).unwrap_err();
    e.errors.into_iter().map(|e| (e.field, e.reason)).collect()
}

#[test]
fn bad_ladders_name_file_line_and_reason() {
    let cases: &[(&str, &str, &str)] = &[
        ("", "x.md", "is empty"),
        ("\u{feff}\r\n  \r\n", "x.md", "is empty"),
        ("# Eng\n\nJust prose.\n", "x.md", "has no levels"),
        ("## l1\n### Testing\n- a\n### testing \n- b\n", "x.md:4", "duplicate competency 'testing' at level 'l1' (first on line 2"),
        ("## L9\n### Testing\n- a\n", "x.md:1", "'L9' is not a level of track 'eng'"),
        ("| Competency | l1 |\n|---|---|\n| A | x | y |\n", "x.md:3", "ragged row"),
    ];
    for (md, field, reason) in cases {
        let errors = err(md);
        assert!(errors.iter().any(|(f, r)| f == field && r.contains(reason)), "{md:?}: want {field} {reason}, got {errors:?}");
    }
    let e = import(&base(), None, "x.md", "## L1\n### Testing\n- a\n", &Confirmations::default()).unwrap_err();
    assert_eq!(e.errors[0].field, "track");
}

#[test]
fn merging_two_names_that_both_describe_a_level_is_refused() {
    let md = "## l1\n### Code quality\n- a\n### Code quality and review\n- b\n";
    let (_, p) = import(&base(), Some("eng"), "x.md", md, &Confirmations::default()).unwrap();
    assert_eq!(p.drift.len(), 1);
    let e = import(&base(), Some("eng"), "x.md", md, &confirm(&[(Decision::Same, "Code quality=Code quality and review")])).unwrap_err();
    assert_eq!(e.errors[0].field, "x.md:4");
    assert!(e.errors[0].reason.contains("both describe level 'l1'"), "{e:?}");
}
