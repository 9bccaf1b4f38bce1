use super::*;

fn fw() -> Framework {
    crate::org::starter_framework()
}

#[test]
fn every_bad_row_is_reported_with_its_line_number() {
    let csv = "\u{feff}Work Email,First Name,Last Name,Manager Email,Department,Hire Date,Track,Level,Job Title\r\n\
        ceo@acme.test,Ada,Boss,,Exec,2019-01-02,management,m6,CEO\r\n\
        not-an-email,Bob,B,ceo@acme.test,Eng,2020-01-01,engineering,e2,\r\n\
        cy@acme.test,Cy,C,ceo@acme.test,Eng,31/12/2020,engineering,e9,Eng\r\n\
        di@acme.test,Di,D,ceo@acme.test,Eng,2021-05-05,engineering\r\n\
        ed@acme.test,Ed,E,ghost@acme.test,Eng,2021-05-05,engineering,e2,Eng\r\n\
        ceo@acme.test,Ada,Again,,Exec,2019-01-02,management,m6,CEO\r\n";
    let out = parse(csv.as_bytes(), &fw(), &HashSet::new()).unwrap();
    let lines: Vec<u64> = out.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7], "{:#?}", out.errors);
    let cy = &out.errors[1].reasons;
    assert!(cy.iter().any(|r| r.starts_with("hire_date")), "{cy:?}");
    assert!(cy.iter().any(|r| r.starts_with("level")), "{cy:?}");
    assert!(out.errors[2].reasons[0].contains("fields"));
    assert!(out.errors[3].reasons[0].contains("ghost@acme.test"));
    assert!(out.errors[4].reasons[0].contains("line 2"));
    assert_eq!(out.rows.len(), 1);
}

#[test]
fn managers_come_before_their_reports_and_loops_are_refused() {
    let csv = "email,name,manager_email,hire_date,track,level,title\n\
        a@x.io,A,b@x.io,2020-01-01,engineering,e2,\n\
        b@x.io,B,c@x.io,2020-01-01,engineering,e3,\n\
        c@x.io,C,,2020-01-01,management,m4,\n\
        d@x.io,D,e@x.io,2020-01-01,engineering,e2,\n\
        e@x.io,E,d@x.io,2020-01-01,engineering,e2,\n";
    let out = parse(csv.as_bytes(), &fw(), &HashSet::new()).unwrap();
    let order: Vec<&str> = out.rows.iter().map(|r| r.email.as_str()).collect();
    assert_eq!(order, vec!["c@x.io", "b@x.io", "a@x.io"]);
    assert_eq!(out.rows[2].title, "Engineer", "a blank title takes the level's title");
    assert_eq!(out.errors.len(), 2);
    assert!(out.errors.iter().all(|e| e.reasons[0].contains("loop")));
}

#[test]
fn a_file_without_required_columns_is_refused_up_front() {
    let err = parse(b"name,title\nA,B\n", &fw(), &HashSet::new()).unwrap_err();
    assert!(err.contains("email") && err.contains("hire_date"), "{err}");
}
