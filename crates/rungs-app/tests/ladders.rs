//! The ladder corpus (`tests/ladders/`): ladders written for these tests in the shapes
//! companies publish (docs/FRAMEWORKS.md). Each is imported into an empty framework
//! by content (the format detected, no track given, no mapping) and the result is
//! checked cell by cell: the track, its levels in order, and every competency's
//! category and text at each level. Then the framework they make together is
//! exported and imported again, and must be identical.
#![allow(clippy::unwrap_used)] // tests stop at the first surprise

use rungs_core::framework::drift::Confirmations;
use rungs_core::framework::format::Format;
use rungs_core::framework::ladder::Mapping;
use rungs_core::framework::{Framework, markdown, matrix, sheet, yaml};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ladders");

/// Import `file` into `fw`; returns the track key it filled.
/// With `apart`, names near a competency of `fw` are answered "different" (`*`).
fn import(fw: &Framework, file: &str, apart: bool) -> (Framework, String, Vec<String>) {
    let bytes = std::fs::read(format!("{DIR}/{file}")).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let mut none = Confirmations::default();
    if apart {
        none.add(rungs_core::framework::drift::Decision::Different, "*");
    }
    match Format::detect_bytes(file, &bytes) {
        Format::Spreadsheet => {
            let (fw, p) = sheet::import(fw, None, file, &bytes, None, &Mapping::default(), &none).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(apart || p.drift.is_empty(), "{file}: {:?}", p.drift);
            (fw, p.track, p.tolerated)
        }
        Format::Matrix => {
            let (fw, p) = matrix::import_mapped(fw, None, file, &text, &Mapping::default(), &none).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(apart || p.drift.is_empty(), "{file}: {:?}", p.drift);
            (fw, p.track, p.tolerated)
        }
        Format::Markdown => {
            let (fw, p) = markdown::import(fw, None, file, &text, &none).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(apart || p.drift.is_empty(), "{file}: {:?}", p.drift);
            (fw, p.track, p.tolerated)
        }
        Format::Yaml => {
            let parsed = yaml::from_yaml(file, &text).unwrap_or_else(|e| panic!("{file}: {e}"));
            let track = parsed.framework.tracks[0].key.clone();
            (yaml::merge(fw, &parsed.framework), track, parsed.tolerated)
        }
    }
}

/// The track's levels (`key=title`), then one row per competency with an expectation
/// in it: `name [category]: cell | cell | …` (`-` for a level that expects nothing).
fn grid(fw: &Framework, track: &str) -> Vec<String> {
    let t = fw.track(track).unwrap();
    let mut out = vec![t.levels.iter().map(|l| format!("{}={}", l.key, l.title)).collect::<Vec<_>>().join(" | ")];
    for c in &fw.competencies {
        let cells: Vec<String> = t
            .levels
            .iter()
            .map(|l| {
                fw.expectations
                    .iter()
                    .find(|x| x.track == track && x.level == l.key && x.competency == c.key)
                    .map_or("-".to_string(), |x| x.text.replace('\n', " / "))
            })
            .collect();
        if cells.iter().any(|c| c != "-") {
            out.push(format!("{} [{}]: {}", c.name, c.category, cells.join(" | ")));
        }
    }
    out
}

fn check(file: &str, want_track: &str, want: &[&str], want_tolerated: &[&str]) -> Framework {
    let (fw, track, tolerated) = import(&Framework::default(), file, false);
    assert_eq!(track, want_track, "{file}");
    assert_eq!(grid(&fw, &track), want, "{file}");
    for w in want_tolerated {
        assert!(tolerated.iter().any(|t| t.contains(w)), "{file}: '{w}' in {tolerated:#?}");
    }
    fw
}

#[test]
fn a_csv_matrix_with_a_description_column() {
    check(
        "matrix-description.csv",
        "matrix-description",
        &[
            "associate-engineer=Associate Engineer | engineer=Engineer | senior-engineer=Senior Engineer",
            "Testing [Craft]: Writes tests for their changes | Owns the test strategy of a service | Improves testing across teams; mentors others",
            "Code review [Craft]: Asks for review early | Reviews others' code, kindly | Sets review norms",
            "Delivery [Impact]: Ships small features | Ships projects | -",
        ],
        &["column 3 'Description' is descriptive; ignored (2 cells with text)", "CRLF", "1 rows took their category"],
    );
}

#[test]
fn a_semicolon_csv() {
    check(
        "semicolon.csv",
        "semicolon",
        &[
            "junior=Junior | medior=Medior | senior=Senior",
            "Testen [Vakmanschap]: Schrijft tests | Bewaakt de teststrategie; helpt anderen | Verbetert testen in alle teams",
            "Ontwerp [Vakmanschap]: Volgt het ontwerp | Ontwerpt een component | Ontwerpt systemen",
            "Communicatie [Samenwerking]: Vraagt om hulp | Legt keuzes uit | Schrijft heldere ontwerpdocumenten",
        ],
        &["cells separated by semicolons"],
    );
}

#[test]
fn a_tsv_with_the_category_second() {
    check(
        "tabs.tsv",
        "tabs",
        &[
            "p1=P1 | p2=P2 | p3=P3",
            "Discovery [Product sense]: Joins user interviews | Runs user interviews | Sets the research agenda",
            "Prioritisation [Product sense]: Explains the roadmap | Makes trade-offs for a team | Makes trade-offs across teams",
            "Stakeholders [Product sense]: Keeps the team informed | Aligns stakeholders | -",
        ],
        &["cells separated by TABs"],
    );
}

#[test]
fn dimensions_by_tiers() {
    check(
        "dimensions-tiers.csv",
        "dimensions-tiers",
        &[
            "tier-1=Tier 1 | tier-2=Tier 2 | tier-3=Tier 3",
            "Scope []: Their own tasks | Their team's goals | Several teams' goals",
            "Autonomy []: Works with guidance | Works independently | Sets direction for others",
            "Influence []: Their pair | Their team | Their department",
        ],
        &["column 2 'Notes' is descriptive"],
    );
}

#[test]
fn a_levels_first_markdown_page() {
    check(
        "levels-first.md",
        "data-science",
        &[
            "d1=Data Scientist | d2=Senior Data Scientist",
            "Analysis [Craft]: Answers a well-posed question with a reproducible notebook / Examples: Churn analysis for one product line | Frames the question before answering it",
            "Modelling [Craft]: Fits and validates standard models | Chooses the model the problem needs, and says why",
            "Mentoring [Leadership]: - | Helps a new joiner find their way around the data",
        ],
        &["paragraphs of prose outside a competency"],
    );
}

#[test]
fn a_front_matter_ladder() {
    check(
        "front-matter.md",
        "backend-engineering",
        &[
            "level-1=Level 1 | level-2=Level 2 | level-3=Level 3",
            "Technical skills []: Writes tests for their changes / Ships small changes safely | Designs a service's data model / Examples: Split the billing tables | Sets technical direction for a group",
            "Communication []: Asks for help early | - | Writes decisions others can follow",
        ],
        &["read from the front matter", "front-matter.md:33: the Markdown after the front matter was not imported"],
    );
}

#[test]
fn a_markdown_table_with_prose_and_links_around_it() {
    check(
        "table-with-prose.md",
        "support",
        &[
            "s1=S1 | s2=S2 | s3=S3",
            "Ticket handling [Craft]: Resolves common tickets | Resolves complex tickets | Designs the ticket process",
            "Product knowledge [Craft]: Knows one product | Knows every product | Trains others on the products",
            "Escalation [Teamwork]: Escalates with context | - | Owns major incidents",
        ],
        &["lines 17–18: 2 list items outside a level and a competency"],
    );
}

#[test]
fn a_transposed_ladder() {
    check(
        "transposed.md",
        "design",
        &[
            "l1=L1 | l2=L2",
            "Visual design [Craft]: Uses the design system | Extends the design system",
            "Research [Craft]: Takes notes in interviews | Runs interviews and synthesises findings",
            "Critique [Collaboration]: Shares work early | Leads critiques kindly",
        ],
        &[],
    );
}

#[test]
fn an_inline_ladder_with_a_caption() {
    check(
        "inline.md",
        "operations",
        &[
            "o1=Operations Associate | o2=Operations Specialist",
            "Process []: Follows the runbooks | Improves a runbook after each incident",
            "Reporting []: Keeps the weekly numbers up to date | Explains what moved the numbers",
        ],
        &["emphasised line 'Summary' read as a caption"],
    );
}

#[test]
fn rungs_own_yaml() {
    check(
        "rungs.yaml",
        "finance",
        &[
            "f1=Analyst | f2=Senior Analyst",
            "Forecasting [craft]: Builds a monthly forecast | Owns the annual plan",
            "Controls [craft]: - | Designs the close checklist",
        ],
        &[],
    );
}

#[test]
fn the_whole_corpus_round_trips_through_export_and_import() {
    let mut fw = Framework::default();
    let files = [
        "matrix-description.csv",
        "semicolon.csv",
        "tabs.tsv",
        "dimensions-tiers.csv",
        "levels-first.md",
        "front-matter.md",
        "table-with-prose.md",
        "transposed.md",
        "inline.md",
        "rungs.yaml",
    ];
    for f in files {
        let before: Vec<_> = fw.tracks.iter().map(|t| (t.clone(), grid(&fw, &t.key))).collect();
        let (next, _, _) = import(&fw, f, true);
        for (t, g) in before {
            assert_eq!(grid(&next, &t.key), g, "{f} left track {} alone", t.key);
        }
        fw = next;
    }
    assert_eq!(fw.tracks.len(), files.len());
    fw.validate().unwrap();
    let exported = yaml::to_yaml(&fw);
    let back = yaml::from_yaml("export.yaml", &exported).unwrap();
    assert!(back.tolerated.is_empty());
    assert_eq!(back.framework, fw);
    assert_eq!(yaml::merge(&Framework::default(), &back.framework), fw, "imported into an empty framework");
    assert_eq!(yaml::merge(&fw, &back.framework), fw, "imported over itself: no change");
}

/// What the spreadsheet ladders (`make_sheets.py`) hold, read from any of them.
const ENGINEERING: &[&str] = &[
    "l1=Engineer | l2=Senior Engineer | l3=Staff Engineer",
    "Code quality [Technical]: Writes readable, tested code | Sets the team's code standards | Shapes the codebase across teams",
    "Testing [Technical]: Writes unit tests for their changes | Designs the test strategy of a service | Owns test strategy across services",
    "Mentees [Technical]: 0 | 2 | 4.5",
    "Communication [Collaboration]: Writes clear status updates | Explains trade-offs to any audience | Explains trade-offs to any audience",
    "Security training [Collaboration]: 2026-03-31 | Leads a threat model | Runs the security review",
];

#[test]
fn an_excel_workbook_with_a_title_merged_cells_notes_and_a_second_sheet() {
    check(
        "ladder.xlsx",
        "engineering",
        ENGINEERING,
        &[
            "ladder.xlsx:Engineering!A1: a row above the table skipped ('Engineering career ladder (2026 edition)')",
            "ladder.xlsx:Engineering!C3: a row above the table skipped ('Expectations')",
            "ladder.xlsx:Engineering!F4: column 6 has no header; ignored (0 cells with text)",
            "ladder.xlsx:Engineering!G4: column 7 'Notes' is descriptive; ignored (3 cells with text)",
            "ladder.xlsx:Engineering!A5: merged cells A5:A7 hold 'Technical': read into each of the 3 cells",
            "ladder.xlsx:Engineering!D8: merged cells D8:E8 hold 'Explains trade-offs to any audience': read into each of the 2 cells",
            "ladder.xlsx:Engineering!C7: a number, read as the text '0'",
            "ladder.xlsx:Engineering!C9: a date, read as the text '2026-03-31'",
            "ladder.xlsx: read sheet 'Engineering', the first; the workbook's other sheets (Sales) were not read",
        ],
    );
}

#[test]
fn a_libreoffice_workbook_reads_the_same_but_for_merges() {
    // calamine reads an ODS merge as its first cell only: the expectation merged across
    // L2 and L3 holds at L2, and the category merged down comes from the row above.
    let mut want = ENGINEERING.to_vec();
    want[4] = "Communication [Collaboration]: Writes clear status updates | Explains trade-offs to any audience | -";
    check("ladder.ods", "engineering", &want, &["ladder.ods:Engineering!A1: a row above the table skipped", "rows took their category from the row above"]);
}

#[test]
fn the_second_sheet_is_read_when_named() {
    let bytes = std::fs::read(format!("{DIR}/ladder.xlsx")).unwrap();
    let none = Confirmations::default();
    let (fw, p) = sheet::import(&Framework::default(), None, "ladder.xlsx", &bytes, Some("sales"), &Mapping::default(), &none).unwrap();
    assert_eq!(p.track, "sales");
    assert_eq!(
        grid(&fw, "sales"),
        [
            "account-executive=Account Executive | senior-account-executive=Senior Account Executive",
            "Prospecting []: Books first meetings | Builds a territory plan",
            "Negotiation []: Follows the pricing guide | Negotiates multi-year deals",
        ]
    );
    let e = sheet::import(&Framework::default(), None, "ladder.xlsx", &bytes, Some("Marketing"), &Mapping::default(), &none).unwrap_err();
    assert_eq!(e.errors.len(), 1);
    assert_eq!(e.errors[0].field, "sheet");
    assert_eq!(e.errors[0].reason, "'Marketing' is not a sheet of ladder.xlsx; its sheets are: Engineering, Sales");
}

#[test]
fn every_defect_of_a_sheet_is_named_by_its_cell() {
    let bytes = std::fs::read(format!("{DIR}/defects.xlsx")).unwrap();
    let e = sheet::import(&Framework::default(), None, "defects.xlsx", &bytes, None, &Mapping::default(), &Confirmations::default()).unwrap_err();
    let got: Vec<(String, String)> = e.errors.iter().map(|f| (f.field.clone(), f.reason.chars().take(40).collect())).collect();
    assert_eq!(
        got,
        [
            ("defects.xlsx:Ladder!B5".to_string(), "the cell holds the formula error #REF!; ".to_string()),
            ("defects.xlsx:Ladder!A3".to_string(), "duplicate competency 'testing' (first on".to_string()),
            ("defects.xlsx:Ladder!A4".to_string(), "competency name is blank; fix: name the ".to_string()),
        ],
        "{e:#?}"
    );
}
