//! YAML and CSV matrix import: what is tolerated, what is refused, and where.

use chrono::{TimeZone, Utc};

use super::matrix::import;
use super::yaml::{from_yaml, to_yaml};
use super::*;

const SMALL: &str = "tracks:
  - key: eng
    name: Engineering
    levels:
      - {key: l1, title: Engineer}
      - {key: l2, title: Senior Engineer}
competencies:
  - {key: design, name: System design, category: craft}
milestones:
  - key: own-a-service
    track: eng
    to_level: l2
    title: Own a service
    competencies: [design]
    criterion: {min_events: 2, categories: [responsibility]}
expectations:
  - competency: design
    track: eng
    level: l2
    text: Designs systems others build on.
    criterion: {evidence: {min_events: 3, within_months: 12, validated_only: true}}
";

#[test]
fn yaml_round_trips() {
    let p = from_yaml("f.yaml", SMALL).unwrap();
    assert!(p.tolerated.is_empty());
    assert_eq!(p.framework.expectations.len(), 1);
    let again = from_yaml("f.yaml", &to_yaml(&p.framework)).unwrap();
    assert_eq!(again.framework, p.framework);
}

#[test]
fn yaml_tolerates_bom_crlf_and_tabs_and_says_so() {
    let messy = format!("\u{feff}{}", SMALL.replace("\n  - key: eng", "\n\t- key: eng").replace('\n', "\r\n"));
    let p = from_yaml("f.yaml", &messy).unwrap();
    assert_eq!(p.framework, from_yaml("f.yaml", SMALL).unwrap().framework);
    assert_eq!(p.tolerated.len(), 3, "{:?}", p.tolerated);
    assert!(p.tolerated[2].starts_with("f.yaml:2: tab"), "{:?}", p.tolerated);
}

#[test]
fn yaml_errors_name_the_file_line_or_field() {
    let e = from_yaml("f.yaml", &SMALL.replace("min_events: 3", "min_events: many")).unwrap_err();
    assert_eq!(e.errors[0].field, "f.yaml.expectations[0].criterion.evidence.min_events", "{e:?}");
    let e = from_yaml("f.yaml", "tracks: [\n  - key: x\n").unwrap_err();
    assert!(e.errors[0].field.starts_with("f.yaml:"), "{e:?}");
    let e = from_yaml("f.yaml", &SMALL.replace("competency: design", "competency: desing")).unwrap_err();
    assert_eq!(e.errors[0].field, "f.yaml.expectations[0].competency");
    let e = from_yaml("f.yaml", &SMALL.replace("min_events: 2,", "min_events: 0,")).unwrap_err();
    assert_eq!(e.errors[0].field, "f.yaml.milestones[0].criterion.min_events");
    let e = from_yaml("f.yaml", &SMALL.replace("title: Own a service", "titel: Own a service")).unwrap_err();
    assert!(e.errors[0].reason.contains("unknown key `titel`") && e.errors[0].reason.contains("did you mean `title`"), "{e:?}");
    assert!(from_yaml("f.yaml", " \n").is_err());
}

fn base() -> Framework {
    from_yaml("f.yaml", SMALL).unwrap().framework
}

#[test]
fn matrix_imports_with_tolerances() {
    let csv = "\u{feff}Category,Competency,Engineer,l2\r\n\
               Craft,System design,,\"Designs systems, <b>reviewed</b>\"\r\n\
               \r\n\
               ,Testing,Writes tests,\"Owns the\r\ntest strategy\"\r\n\
               Impact,Delivery,Ships,Ships big things\r\n";
    let (fw, p) = import(&base(), "eng", "m.csv", csv, &Default::default()).unwrap();
    assert_eq!(p.levels, vec!["l1", "l2"]);
    let names: Vec<_> = p.competencies.iter().map(|c| (c.key.as_str(), c.category.as_str(), c.new)).collect();
    assert_eq!(names, vec![("design", "craft", false), ("testing", "craft", true), ("delivery", "Impact", true)]);
    assert_eq!(p.expectations, 5, "the blank cell sets nothing");
    let design = fw.expectations.iter().find(|x| x.competency == "design" && x.level == "l2").unwrap();
    assert_eq!(design.text, "Designs systems, reviewed");
    assert!(design.criterion.is_some(), "the criterion it had is kept");
    let t = fw.expectations.iter().find(|x| x.competency == "testing" && x.level == "l2").unwrap();
    assert_eq!(t.text, "Owns the\ntest strategy");
    let joined = p.tolerated.join("|");
    for want in ["byte-order mark", "CRLF", "m.csv:3: blank line", "1 rows took their category", "HTML tags"] {
        assert!(joined.contains(want), "{want} in {joined}");
    }
}

fn err(csv: &str) -> (String, String) {
    let e = import(&base(), "eng", "m.csv", csv, &Default::default()).unwrap_err();
    (e.errors[0].field.clone(), e.errors[0].reason.clone())
}

#[test]
fn matrix_reports_ragged_rows_duplicates_and_unclosed_quotes() {
    let (f, r) = err("Competency,l1,l2\nA,x,y\nB,x\n");
    assert_eq!(f, "m.csv:3");
    assert!(r.contains("ragged row: 2 cells where the header has 3"), "{r}");
    let (f, r) = err("Competency,l1,l2\nMentoring,x,y\nmentoring ,x,y\n");
    assert_eq!(f, "m.csv:3");
    assert!(r.contains("duplicate competency 'mentoring' (first on line 2"), "{r}");
    let (f, r) = err("Competency,l1,l2\nA,x,y\nB,\"never closed,y\nC,x,y\n");
    assert_eq!(f, "m.csv:3");
    assert!(r.starts_with("unclosed quote"), "{r}");
    let (f, r) = err("Competency,l1,Wizard\nA,x,y\n");
    assert_eq!(f, "m.csv:1");
    assert!(r.contains("'Wizard' is not a level"), "{r}");
    let (f, _) = err("Name,l1\n\"A\"x,y\n");
    assert_eq!(f, "m.csv:2");
    assert_eq!(import(&base(), "nope", "m.csv", "Competency,l1\n", &Default::default()).unwrap_err().errors[0].field, "m.csv");
}

#[test]
fn the_version_in_force_judges_history() {
    let t = |d| Utc.with_ymd_and_hms(2025, 1, d, 0, 0, 0).unwrap();
    let v = |n, d| FrameworkVersion { version: n, created_at: t(d), framework: Framework::default() };
    let vs = vec![v(1, 5), v(2, 10), v(3, 20)];
    assert_eq!(version_in_force(&vs, t(1)).unwrap().version, 1);
    assert_eq!(version_in_force(&vs, t(10)).unwrap().version, 2);
    assert_eq!(version_in_force(&vs, t(15)).unwrap().version, 2);
    assert_eq!(version_in_force(&vs, t(25)).unwrap().version, 3);
    assert!(version_in_force(&[], t(1)).is_none());
}
