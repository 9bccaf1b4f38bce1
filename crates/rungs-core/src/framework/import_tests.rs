//! The defects issue 15 lists, one test each: ladders as companies publish them.

use super::drift::{Confirmations, Decision};
use super::ladder::{Mapping, Role};
use super::yaml::{from_yaml, merge};
use super::*;

const BASE: &str = "tracks:
  - {key: eng, name: Engineering, levels: [{key: l1, title: Engineer}, {key: l2, title: Senior Engineer}]}
  - {key: sales, name: Sales, levels: [{key: s1, title: Rep}]}
competencies:
  - {key: collaboration, name: Cross-team collaboration, category: impact}
  - {key: design, name: System design, category: craft}
expectations:
  - {competency: design, track: eng, level: l1, text: Designs small parts}
  - {competency: design, track: eng, level: l2, text: Designs systems}
  - {competency: collaboration, track: sales, level: s1, text: Works with marketing}
";

fn base() -> Framework {
    from_yaml("f.yaml", BASE).unwrap().framework
}

fn matrix(track: Option<&str>, csv: &str, confirm: &Confirmations) -> Result<(Framework, ladder::MatrixPreview), ValidationError> {
    matrix::import_mapped(&base(), track, "m.csv", csv, &Mapping::default(), confirm)
}

fn text<'a>(fw: &'a Framework, competency: &str, level: &str) -> Option<&'a str> {
    fw.expectations.iter().find(|x| x.competency == competency && x.level == level).map(|x| x.text.as_str())
}

#[test]
fn descriptive_and_spacer_columns_are_ignored_with_a_warning() {
    let csv = "Competency,Description,,Engineer,Senior Engineer,Notes\nSystem design,What we mean by design,,Designs small parts,Designs systems,see wiki\nTesting,,,Writes tests,Owns the test strategy,\n";
    let (fw, p) = matrix(Some("eng"), csv, &Confirmations::default()).unwrap();
    assert_eq!(p.levels, ["l1", "l2"]);
    assert_eq!(text(&fw, "testing", "l2"), Some("Owns the test strategy"));
    let joined = p.tolerated.join("|");
    for want in
        ["m.csv:1: column 2 'Description' is descriptive; ignored (1 cells", "m.csv:1: column 3 has no header; ignored", "column 6 'Notes' is descriptive"]
    {
        assert!(joined.contains(want), "{want} in {joined}");
    }
}

#[test]
fn semicolon_and_tab_files_read_like_comma_files() {
    let comma = "Category,Competency,Engineer,Senior Engineer\r\nCraft,Testing,\"Writes tests; often\",Owns the test strategy\r\n";
    let (want, _) = matrix(Some("eng"), comma, &Confirmations::default()).unwrap();
    let semi = "\u{feff}Category;Competency;Engineer;Senior Engineer\nCraft;Testing;\"Writes tests; often\";Owns the test strategy\n";
    let tab = "Category\tCompetency\tEngineer\tSenior Engineer\nCraft\tTesting\tWrites tests; often\tOwns the test strategy\n";
    for (file, csv) in [("semi", semi), ("tab", tab)] {
        let (fw, p) = matrix(Some("eng"), csv, &Confirmations::default()).unwrap();
        assert_eq!(fw, want, "{file}");
        assert!(p.tolerated.iter().any(|t| t.contains("cells separated by")), "{file}: {:?}", p.tolerated);
    }
    assert_eq!(format::Format::detect("ladder.tsv", tab), format::Format::Matrix);
}

#[test]
fn a_csv_creates_its_track_and_leaves_the_others_alone() {
    let csv = "Competency,Category,Associate,Designer,Lead\nVisual craft,Visual design,Uses the system,Extends the system,Owns the system\n";
    let (fw, p) = matrix(Some("Product Design"), csv, &Confirmations::default()).unwrap();
    assert!(p.new_track);
    let t = fw.track("product-design").unwrap();
    assert_eq!(
        t.levels.iter().map(|l| (l.key.as_str(), l.title.as_str())).collect::<Vec<_>>(),
        [("associate", "Associate"), ("designer", "Designer"), ("lead", "Lead")]
    );
    assert_eq!(text(&fw, "visual-craft", "lead"), Some("Owns the system"));
    assert_eq!(fw.competency("visual-craft").unwrap().category, "Visual design", "the category as written");
    let before = base();
    for k in ["eng", "sales"] {
        assert_eq!(fw.track(k), before.track(k));
        assert_eq!(fw.expectations.iter().filter(|x| x.track == k).count(), before.expectations.iter().filter(|x| x.track == k).count());
    }
}

#[test]
fn a_new_competency_is_never_merged_into_an_existing_one_silently() {
    let csv = "Competency,Category,Associate,Lead\nCollaboration,Teamwork,Pairs,Leads pairing\n";
    let (_, p) = matrix(Some("Design"), csv, &Confirmations::default()).unwrap();
    assert_eq!(p.drift.len(), 1, "{:?}", p.drift);
    assert_eq!(
        (p.drift[0].a.name.as_str(), p.drift[0].b.name.as_str(), p.drift[0].b.at.clone()),
        ("Collaboration", "Cross-team collaboration", vec!["framework".to_string()])
    );
    assert!(p.require_confirmed().is_err(), "a commit waits for the answer");
    let mut different = Confirmations::default();
    different.add(Decision::Different, "Collaboration=Cross-team collaboration");
    let (fw, p) = matrix(Some("Design"), csv, &different).unwrap();
    let c = fw.competencies.iter().find(|c| c.name == "Collaboration").unwrap();
    assert_eq!((c.key.as_str(), c.category.as_str()), ("collaboration-2", "Teamwork"));
    assert_eq!(fw.competency("collaboration").unwrap().name, "Cross-team collaboration");
    assert!(p.competencies[0].new);
    let mut same = Confirmations::default();
    same.add(Decision::Same, "Collaboration=Cross-team collaboration");
    let (fw, p) = matrix(Some("Design"), csv, &same).unwrap();
    assert!(!p.competencies[0].new);
    assert_eq!(text(&fw, "collaboration", "lead"), Some("Leads pairing"));
}

#[test]
fn no_category_is_invented() {
    let (fw, _) = matrix(Some("eng"), "Competency,Engineer\nTesting,Writes tests\n", &Confirmations::default()).unwrap();
    assert_eq!(fw.competency("testing").unwrap().category, "");
    fw.validate().unwrap();
}

#[test]
fn a_blank_cell_on_reimport_clears_the_old_expectation_and_the_diff_says_so() {
    let (fw, p) = matrix(Some("eng"), "Competency,Engineer,Senior Engineer\nSystem design,Designs small parts,\n", &Confirmations::default()).unwrap();
    assert_eq!(text(&fw, "design", "l2"), None);
    assert_eq!(text(&fw, "design", "l1"), Some("Designs small parts"));
    let removed: Vec<_> = p.changes.iter().map(|c| (c.op, c.what, c.key.as_str())).collect();
    assert_eq!(removed, [("removed", "expectation", "design @ eng/l2")]);
    let (again, p) =
        matrix(Some("eng"), "Competency,Engineer,Senior Engineer\nSystem design,Designs small parts,Designs systems\n", &Confirmations::default()).unwrap();
    assert_eq!(again, base());
    assert!(p.changes.is_empty(), "a no-op import changes nothing: {:?}", p.changes);
}

#[test]
fn every_csv_defect_is_reported_at_once() {
    let csv = "Competency,Engineer,Senior Engineer\nTesting,a,b\ntesting,a,b\nDelivery,a\nOps,\"never closed,b\nMore,a,b\n";
    let e = matrix(Some("eng"), csv, &Confirmations::default()).unwrap_err();
    let got: Vec<_> = e.errors.iter().map(|f| (f.field.as_str(), f.reason.split(':').next().unwrap_or(""))).collect();
    assert_eq!(
        got,
        [
            ("m.csv:5", "unclosed quote"),
            ("m.csv:3", "duplicate competency 'testing' (first on line 2; names are compared ignoring case and spacing); fix"),
            ("m.csv:4", "ragged row")
        ]
    );
    assert!(e.errors.iter().all(|f| f.reason.contains("fix:")), "{e:?}");
}

#[test]
fn a_mapping_says_what_a_column_is() {
    let csv = "Skill area,Competency,Engineer,Senior Engineer,Owner\nCraft,Testing,Writes tests,Owns the strategy,Ada\n";
    let e = matrix(Some("eng"), csv, &Confirmations::default()).unwrap_err();
    assert!(e.errors.iter().any(|f| f.reason.contains("'Skill area' is not a level")), "{e:?}");
    let m = Mapping::parse("map", ["Skill area=category", "owner = ignore"]).unwrap();
    assert_eq!(m.columns[1], ("owner".to_string(), Role::Ignore));
    let (fw, _) = matrix::import_mapped(&base(), Some("eng"), "m.csv", csv, &m, &Confirmations::default()).unwrap();
    assert_eq!(fw.competency("testing").unwrap().category, "craft", "an existing category is reused by its name");
    assert!(Mapping::parse("map", ["Owner=boss"]).is_err());
}

#[test]
fn yaml_unknown_keys_are_all_refused_with_the_nearest_key_and_a_tab_after_a_dash_is_read() {
    let yaml = "tracks:\n  - key: eng\n    name: Engineering\n    colour: blue\n    levels:\n      - {key: l1, titel: Engineer}\ncompetencies: []\n";
    let e = from_yaml("f.yaml", yaml).unwrap_err();
    let got: Vec<_> = e.errors.iter().map(|f| (f.field.as_str(), f.reason.as_str())).collect();
    assert_eq!(
        got,
        [
            ("f.yaml:4", "unknown key `colour` in tracks[0]; fix: known keys here: key, name, levels"),
            ("f.yaml:6", "unknown key `titel` in tracks[0].levels[0]; fix: did you mean `title`?")
        ]
    );
    let p = from_yaml("f.yaml", "tracks:\n  -\tkey: eng\n    name: Engineering\n    levels: [{key: l1, title: Engineer}]\ncompetencies: []\n").unwrap();
    assert_eq!(p.framework.tracks[0].key, "eng");
    assert_eq!(p.tolerated, ["f.yaml:2: TAB after '-' read as a space"]);
}

#[test]
fn a_track_only_yaml_adds_its_track_and_keeps_the_others() {
    let file = from_yaml("t.yaml", "tracks:\n  - {key: design, name: Design, levels: [{key: d1, title: Designer}]}\ncompetencies: []\n").unwrap().framework;
    let out = merge(&base(), &file);
    assert_eq!(out.tracks.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(), ["eng", "sales", "design"]);
    assert_eq!(out.expectations, base().expectations);
    out.validate().unwrap();
    assert_eq!(merge(&base(), &base()), base(), "importing the export changes nothing");
}

#[test]
fn a_skipped_table_adds_no_levels() {
    let md = "# Engineering\n\n| Level | Senior | Position |\n|---|---|---|\n| a | b | c |\n\n## Engineer\n### Testing\n- Writes tests\n";
    let (fw, p) = markdown::import(&base(), None, "x.md", md, &Confirmations::default()).unwrap();
    assert_eq!(p.levels, ["l1"]);
    assert_eq!(fw.track("eng").unwrap().levels.len(), 2);
    assert!(p.tolerated.iter().any(|t| t.contains("x.md:3: table without a 'Competency' column skipped")));
}

#[test]
fn a_front_matter_ladder_is_read() {
    let md = "---\npageTitle: Backend\nsidebarGroup: Engineering\nlevels: 3\ntopics:\n  - name: Technical skills\n    title: Writing code\n    content:\n      - level: 1\n        criteria:\n          - Writes tests\n          - Ships small changes\n      - level: 3\n        criteria: [Designs systems]\n        examples: [Split the monolith]\n  - name: Communication\n    content:\n      - level: 2\n        criteria:\n          - Writes clear docs\n---\n\nSome prose.\n";
    let (fw, p) = markdown::import(&base(), None, "backend.md", md, &Confirmations::default()).unwrap();
    assert!(p.new_track);
    assert_eq!(p.track, "backend");
    assert_eq!(p.levels, ["level-1", "level-2", "level-3"]);
    assert_eq!(text(&fw, "technical-skills", "level-1"), Some("Writes tests\nShips small changes"));
    assert_eq!(text(&fw, "technical-skills", "level-3"), Some("Designs systems\nExamples: Split the monolith"));
    assert_eq!(text(&fw, "communication", "level-2"), Some("Writes clear docs"));
    assert!(p.tolerated.iter().any(|t| t.contains("backend.md:23: the Markdown after the front matter was not imported")), "{:?}", p.tolerated);
}

#[test]
fn a_trailing_list_of_links_is_skipped_with_a_warning_naming_its_lines() {
    let md = "# Engineering\n## Engineer\n### Testing\n- Writes tests\n## Senior Engineer\n### Testing\n- Owns the test strategy\n\n---\n\nOther pages:\n\n- [Design](design.md)\n- [Sales](sales.md)\n";
    let (fw, p) = markdown::import(&base(), None, "x.md", md, &Confirmations::default()).unwrap();
    assert_eq!(text(&fw, "testing", "l2"), Some("Owns the test strategy"));
    assert!(p.tolerated.iter().any(|t| t.starts_with("x.md: lines 13–14: 2 list items outside")), "{:?}", p.tolerated);
    assert!(!p.tolerated.iter().any(|t| t.contains("has no criteria")), "{:?}", p.tolerated);
}

#[test]
fn bold_sentences_become_criteria_and_italic_captions_do_not() {
    let md = "# Engineering\n## Engineer\n_Summary_\n### Testing\n__Experience: writes tests for every change__\n- Reviews tests\n";
    let (fw, _) = markdown::import(&base(), None, "x.md", md, &Confirmations::default()).unwrap();
    assert_eq!(text(&fw, "testing", "l1"), Some("Experience: writes tests for every change\nReviews tests"));
}

#[test]
fn two_thousand_numbered_competencies_flag_no_drift_and_preview_fast() {
    let mut csv = String::from("Competency,Engineer,Senior Engineer\n");
    for i in 0..2000 {
        csv.push_str(&format!("Competency {i},Does thing {i},Does more of thing {i}\n"));
    }
    let start = std::time::Instant::now();
    let (_, p) = matrix(Some("eng"), &csv, &Confirmations::default()).unwrap();
    assert!(p.drift.is_empty() && p.drift_more == 0);
    assert_eq!(p.competencies.len(), 2000);
    // Generous for a debug build on a shared machine; the release benchmark is in docs/BENCHMARKS.md.
    assert!(start.elapsed().as_secs_f64() < 10.0, "{:?}", start.elapsed());
}
