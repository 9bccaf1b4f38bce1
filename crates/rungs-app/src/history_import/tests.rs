//! HR history imports: a realistic snapshot export (byte-order mark, CRLF, stray and
//! blank columns, quoted commas), a dated history, every bad row by line with nothing
//! stored, and the retention curve the what-works report then draws.

use std::sync::Arc;

use chrono::TimeZone;
use rungs_core::person::Role;

use super::*;

fn fw() -> Framework {
    crate::org::starter_framework()
}

const SNAPSHOT_MAPPING: &str = "\
kind: snapshot
as_of: 2026-11-30
columns:
  id: EmployeeNumber
  department: Department
  title: JobRole
  years_at_company: YearsAtCompany
  years_since_last_promotion: YearsSinceLastPromotion
  left: Attrition
defaults:
  track: engineering
  level: e3
sensitive:
  gender: Gender
";

/// An export like the IBM HR attrition sample: a BOM, CRLF, columns Rungs does not
/// read, a blank header, a quoted comma.
fn snapshot_export(n: usize) -> String {
    let mut s = String::from("\u{feff}Age,Attrition,BusinessTravel,Department,EmployeeNumber,Gender,JobRole,YearsAtCompany,YearsSinceLastPromotion,,Notes\r\n");
    for i in 1..=n {
        let years = (i % 10) as f64 + 0.5;
        let since = (i % 4).min(years as usize);
        let left = if i % 3 == 0 { "Yes" } else { "No" };
        let gender = if i % 2 == 0 { "Female" } else { "Male" };
        s.push_str(&format!("{},{left},Travel_Rarely,\"Research & Development, Lab {}\",{i},{gender},Research Scientist,{years},{since},,\r\n", 25 + i, i % 3));
    }
    s
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap()
}

#[test]
fn a_realistic_snapshot_export_becomes_hires_promotions_and_departures() {
    let m = mapping::parse(SNAPSHOT_MAPPING).unwrap();
    let (events, report) = plan(snapshot_export(30).as_bytes(), &m, &fw(), &HashSet::new(), OrgId::new(), now()).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!((report.rows, report.people), (30, 30));
    let kinds = |k: &str| events.iter().filter(|e| e.body.kind().as_str() == k).count();
    assert_eq!(kinds("hired"), 30);
    assert_eq!(kinds("departure"), 10, "every third left");
    // Person 5: 5.5 years, promoted 1 year ago (5 % 4), hired one level below.
    let as_of = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    let five = events.iter().find(|e| matches!(&e.body, EventBody::Hired(h) if h.email == "hr-5@import.invalid")).unwrap();
    let EventBody::Hired(h) = &five.body else { unreachable!() };
    assert_eq!((h.position.level.as_str(), h.position.title.as_str()), ("e2", fw().track("engineering").unwrap().levels[1].title.as_str()));
    assert_eq!(h.department.as_deref(), Some("Research & Development, Lab 2"));
    assert_eq!(h.sensitive.get("gender").map(String::as_str), Some("Male"));
    assert_eq!((as_of - five.occurred_at).num_days(), (5.5f64 * 365.25) as i64);
    let promo = events.iter().find(|e| e.subject == five.subject && e.body.kind().as_str() == "promotion").unwrap();
    assert_eq!((as_of - promo.occurred_at).num_days(), 365);
    let EventBody::Promotion(p) = &promo.body else { unreachable!() };
    assert_eq!((p.to.level.as_str(), p.to.title.as_str()), ("e3", "Research Scientist"));
    // Date order: hires before anything later about the same person.
    assert!(events.windows(2).all(|w| w[0].occurred_at <= w[1].occurred_at));
    // Person 4: 0 years since the last promotion: promoted on the snapshot's day.
    let four = events.iter().find(|e| matches!(&e.body, EventBody::Hired(h) if h.email == "hr-4@import.invalid")).unwrap();
    assert!(events.iter().any(|e| e.subject == four.subject && e.body.kind().as_str() == "promotion" && e.occurred_at == as_of));
}

#[test]
fn every_bad_row_is_reported_by_line_and_a_mapping_naming_a_missing_column_is_refused() {
    let m = mapping::parse(SNAPSHOT_MAPPING).unwrap();
    let csv = "\u{feff}EmployeeNumber,Attrition,Department,Gender,JobRole,YearsAtCompany,YearsSinceLastPromotion\r\n\
        1,No,Eng,F,Dev,3,1\r\n\
        2,Maybe,Eng,F,Dev,3,1\r\n\
        3,No,Eng,F,Dev,2,5\r\n\
        ,No,Eng,F,Dev,2,1\r\n\
        5,No,Eng,F,Dev,lots,1\r\n\
        1,No,Eng,F,Dev,4,1\r\n";
    let (_, report) = plan(csv.as_bytes(), &m, &fw(), &HashSet::new(), OrgId::new(), now()).unwrap();
    let lines: Vec<u64> = report.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7], "{:#?}", report.errors);
    assert!(report.errors[0].reasons[0].starts_with("left: 'Maybe'"));
    assert!(report.errors[1].reasons[0].contains("more than years_at_company"));
    assert!(report.errors[2].reasons[0].contains("id is empty"));
    assert!(report.errors[3].reasons[0].starts_with("years_at_company: 'lots'"));
    assert!(report.errors[4].reasons[0].contains("line 2 too"));

    let wrong = SNAPSHOT_MAPPING.replace("Attrition", "Left");
    let e = plan(csv.as_bytes(), &mapping::parse(&wrong).unwrap(), &fw(), &HashSet::new(), OrgId::new(), now()).unwrap_err();
    assert!(e.contains("columns.left: no column 'Left'"), "{e}");
    assert!(mapping::parse("kind: snapshot\ncolumns: {id: x, years_at_company: y}\n").unwrap_err().contains("as_of"));
    assert!(mapping::parse("kind: snapshot\nas_of: 2026-01-01\ncolumns: {id: x, years_at_company: y, colour: z}\n").is_err(), "unknown keys are refused");
}

const HISTORY_MAPPING: &str = "\
kind: history
columns:
  id: emp_id
  date: event_date
  event: action
  level: job_level
  department: dept
  name: name
  reason: why
defaults:
  track: engineering
events:
  termination: [Resignation, Termination]
";

#[test]
fn a_dated_history_in_any_order_becomes_the_ledger_and_its_mistakes_are_named() {
    let m = mapping::parse(HISTORY_MAPPING).unwrap();
    let csv = "emp_id,event_date,action,job_level,dept,name,why\n\
        A1,2022-03-01,Promotion,e3,Eng,,\n\
        A1,2020-01-15,Hire,e2,Eng,Ann Lee,\n\
        B2,2021-06-01,New Hire,e2,Ops,Bea Ray,\n\
        B2,2023-02-01,Resignation,,,,voluntary\n\
        B2,2023-05-01,Promotion,e3,Ops,,\n\
        C3,2021-01-01,Transfer,e2,Ops,,\n\
        D4,2021-01-01,Sabbatical,e2,Ops,Dee,\n\
        E5,2099-01-01,Hire,e2,Ops,Eve,\n";
    let (events, report) = plan(csv.as_bytes(), &m, &fw(), &HashSet::new(), OrgId::new(), now()).unwrap();
    let lines: Vec<u64> = report.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![4, 7, 8, 9], "{:#?}", report.errors);
    assert!(report.errors[0].reasons[0].contains("line 6: promotion after the termination"), "{:?}", report.errors[0]);
    assert!(report.errors[1].reasons[0].contains("no hire"));
    assert!(report.errors[2].reasons[0].starts_with("event: 'Sabbatical'"));
    assert!(report.errors[3].reasons[0].contains("in the future"));
    // Ann: hired, then promoted (rows in any order).
    assert_eq!(report.people, 1);
    let kinds: Vec<&str> = events.iter().map(|e| e.body.kind().as_str()).collect();
    assert_eq!(kinds, vec!["hired", "promotion"]);
}

#[tokio::test]
async fn an_imported_snapshot_gives_a_retention_curve_and_a_bad_file_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(rungs_store::open_sqlite(&dir.path().join("a.db")).await.unwrap());
    let init = crate::org::init(store.as_ref(), "Acme", "root@example.com", "Root").await.unwrap();
    let admin = Viewer { org_id: init.org.id, person_id: Some(init.admin.id), role: Role::Admin, token_id: None };
    let before = store.stats().await.unwrap().events;

    let bad = snapshot_export(30).replace(",Yes,", ",Oui,");
    let r = import_as(store.as_ref(), &admin, bad.as_bytes(), SNAPSHOT_MAPPING).await.unwrap();
    assert!(!r.imported && r.errors.len() == 10, "{:?}", r.errors);
    assert_eq!(store.stats().await.unwrap().events, before, "nothing stored while a bad row remains");
    let employee = Viewer { role: Role::Employee, ..admin.clone() };
    assert!(matches!(import_as(store.as_ref(), &employee, b"", SNAPSHOT_MAPPING).await, Err(AppError::Forbidden(_))));
    assert!(matches!(import_as(store.as_ref(), &admin, b"", "kind: nonsense").await, Err(AppError::Invalid(_))));

    let r = import_as(store.as_ref(), &admin, snapshot_export(60).as_bytes(), SNAPSHOT_MAPPING).await.unwrap();
    assert!(r.imported && r.errors.is_empty(), "{:?}", r.errors);
    let cache = crate::analytics::Cache::default();
    let ww = crate::analytics::what_works_report(store.as_ref(), &cache, &admin, Utc::now(), None).await.unwrap();
    let everyone = &ww.tenure.groups[0];
    // The data end at midnight today, so the founder (hired by `init` just now) is not yet in.
    assert_eq!((everyone.people, everyone.events), (60, 20), "60 imported; every third left");
    assert!(everyone.points.len() > 5 && everyone.at_12_months.as_ref().is_some_and(|e| e.value < 1.0 && e.lower < e.value));
    assert!(ww.tenure.finding.contains("60 people ever employed"), "{}", ww.tenure.finding);
    // The equity audit sees the imported attribute.
    let eq = crate::analytics::equity_report(store.as_ref(), &cache, &admin, Utc::now(), Some("gender"), None).await.unwrap();
    assert_eq!(eq.attributes, vec!["gender".to_string()]);
}
