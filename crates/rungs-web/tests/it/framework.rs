//! `/api/v1/framework`.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn anyone_signed_in_reads_the_framework() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let res = app.get("/api/v1/framework", &t.report).await;
    res.assert_status(StatusCode::OK);
    let tracks: Vec<_> = res.json()["tracks"].as_array().unwrap().iter().map(|t| t["key"].as_str().unwrap().to_string()).collect();
    assert!(tracks.contains(&"engineering".to_string()), "{tracks:?}");
}

#[tokio::test]
async fn the_people_team_replaces_the_framework_and_others_may_not() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let before = app.get("/api/v1/framework", &app.admin).await.json();
    let fw = json!({
        "tracks": [{"key": "research", "name": "Research", "levels": [{"key": "r1", "title": "Researcher"}]}],
        "competencies": [{"key": "rigour", "name": "Rigour", "category": "craft"}]
    });
    app.put_json("/api/v1/framework", &t.manager, &fw).await.problem(StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/framework", &app.admin).await.json(), before);
    let res = app.put_json("/api/v1/framework", &app.admin, &fw).await;
    res.assert_status(StatusCode::OK);
    assert_eq!(app.get("/api/v1/framework", &t.report).await.json(), fw);
}

#[tokio::test]
async fn an_invalid_framework_is_refused_naming_each_field_and_the_old_one_stays() {
    let app = TestApp::new().await;
    let before = app.get("/api/v1/framework", &app.admin).await.json();
    let dup = json!({
        "tracks": [
            {"key": "a", "name": "A", "levels": [{"key": "l1", "title": "One"}]},
            {"key": "a", "name": "Again", "levels": []}
        ],
        "competencies": []
    });
    let fields = app.put_json("/api/v1/framework", &app.admin, &dup).await.fields(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(fields.contains(&"tracks[1].key".to_string()), "{fields:?}");
    assert!(fields.contains(&"tracks[1].levels".to_string()), "{fields:?}");
    let wrong_type = json!({"tracks": [{"key": "a", "name": "A", "levels": "l1"}], "competencies": []});
    let fields = app.put_json("/api/v1/framework", &app.admin, &wrong_type).await.fields(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields, ["tracks[0].levels"]);
    assert_eq!(app.get("/api/v1/framework", &app.admin).await.json(), before);
}

const MATRIX: &str = "\u{feff}Category,Competency,Engineer,Senior Engineer\r\n\
    Craft,Testing,Writes tests,Owns the test strategy\r\n\
    ,Observability,Adds metrics,\"Designs dashboards, alerts\"\r\n";

#[tokio::test]
async fn a_competency_matrix_previews_then_commits_as_a_new_version() {
    let app = TestApp::new().await;
    let before = app.get("/api/v1/framework", &app.admin).await.json();
    let versions = app.get("/api/v1/framework/versions", &app.admin).await.json()["items"].as_array().unwrap().len();
    let preview = app.post_raw("/api/v1/framework/matrix?track=engineering&file=ladder.csv", &app.admin, MATRIX).await;
    preview.assert_status(StatusCode::OK);
    let p = preview.json();
    assert_eq!(p["version"], serde_json::Value::Null);
    assert_eq!(p["preview"]["levels"], json!(["e2", "e3"]));
    assert_eq!(p["preview"]["competencies"][1], json!({"key": "observability", "name": "Observability", "category": "craft", "new": true}));
    assert!(p["preview"]["tolerated"].as_array().unwrap().iter().any(|t| t.as_str().unwrap().contains("byte-order mark")));
    assert_eq!(app.get("/api/v1/framework", &app.admin).await.json(), before, "a preview changes nothing");

    let done = app.post_raw("/api/v1/framework/matrix?track=engineering&commit=true", &app.admin, MATRIX).await.json();
    assert_eq!(done["version"].as_u64().unwrap() as usize, versions + 1);
    let again = app.post_raw("/api/v1/framework/matrix?track=engineering&commit=true", &app.admin, MATRIX).await.json();
    assert_eq!(again["version"], done["version"], "a repeat is no edit and makes no version");
    let fw = app.get("/api/v1/framework", &app.admin).await.json();
    assert!(fw["competencies"].as_array().unwrap().iter().any(|c| c["key"] == "observability"));
    let vs = app.get("/api/v1/framework/versions", &app.admin).await.json();
    assert_eq!(vs["items"][0]["framework"], before, "the old version is kept");
    let d = app.get("/api/v1/framework/diff", &app.admin).await.json();
    assert_eq!((d["from"].as_u64(), d["to"].as_u64()), (Some(versions as u64), Some(versions as u64 + 1)));
    let changes: Vec<String> = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {} {}", c["op"].as_str().unwrap(), c["what"].as_str().unwrap(), c["key"].as_str().unwrap()))
        .collect();
    assert!(changes.contains(&"added competency observability".to_string()), "{changes:?}");
    assert!(changes.contains(&"changed expectation testing @ engineering/e3".to_string()), "{changes:?}");
    assert_eq!(app.get("/api/v1/framework/diff?from=99", &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["from"]);
    assert_eq!(app.get("/api/v1/framework/diff?to=x", &app.admin).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["to"]);
}

#[tokio::test]
async fn a_bad_matrix_names_file_line_and_reason_and_changes_nothing() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let before = app.get("/api/v1/framework/versions", &app.admin).await.json();
    let cases = [
        ("Competency,e1,e2\nA,x,y\nB,x\n", "ladder.csv:3", "ragged row"),
        ("Competency,e1,e2\nTesting,x,y\nTESTING,x,y\n", "ladder.csv:3", "duplicate competency"),
        ("Competency,e1,e2\nA,\"open,y\nB,x,y\n", "ladder.csv:2", "unclosed quote"),
    ];
    for (csv, field, reason) in cases {
        let res = app.post_raw("/api/v1/framework/matrix?track=engineering&commit=true&file=ladder.csv", &app.admin, csv).await;
        let body = res.json();
        assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), [field], "{body}");
        assert!(body["errors"][0]["reason"].as_str().unwrap().contains(reason), "{body}");
    }
    app.post_raw("/api/v1/framework/matrix?commit=true&map=Owner%3Dboss", &app.admin, MATRIX).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.post_raw("/api/v1/framework/matrix?track=engineering&commit=true", &t.manager, MATRIX).await.problem(StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/framework/versions", &app.admin).await.json(), before);
}

#[tokio::test]
async fn a_matrix_without_a_track_creates_one_and_a_repeat_commit_saves_no_version() {
    let app = TestApp::new().await;
    let csv = "Competency;Description;Associate;Designer\nVisual craft;what we mean;Uses the system;Extends the system\n";
    let p = app.post_raw("/api/v1/framework/matrix?file=design-ladder.csv", &app.admin, csv).await.json();
    assert_eq!((p["preview"]["track"].as_str(), p["preview"]["new_track"].as_bool()), (Some("design-ladder"), Some(true)), "{p}");
    assert_eq!(p["preview"]["grid"][0]["cells"], serde_json::json!(["Uses the system", "Extends the system"]), "{p}");
    let first = app.post_raw("/api/v1/framework/matrix?file=design-ladder.csv&commit=true", &app.admin, csv).await.json();
    let again = app.post_raw("/api/v1/framework/matrix?file=design-ladder.csv&commit=true", &app.admin, csv).await.json();
    assert_eq!(again["version"], first["version"], "{again}");
    assert_eq!(again["preview"]["changes"], serde_json::json!([]), "{again}");
    let fw = app.get("/api/v1/framework", &app.admin).await.json();
    assert!(fw["tracks"].as_array().unwrap().len() > 1, "the other tracks are kept: {fw}");
}

#[tokio::test]
async fn the_framework_round_trips_through_yaml() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let res = app.get("/api/v1/framework/yaml", &t.report).await;
    res.assert_status(StatusCode::OK);
    let yaml = res.text();
    assert!(yaml.starts_with("# Rungs career framework"), "{yaml}");
    let out = app.post_raw("/api/v1/framework/yaml?commit=true", &app.admin, yaml.replace("\n", "\r\n")).await;
    out.assert_status(StatusCode::OK);
    assert_eq!(out.json()["framework"], app.get("/api/v1/framework", &app.admin).await.json());
    let bad = app.post_raw("/api/v1/framework/yaml?file=x.yaml", &app.admin, "tracks: [\n  - key: a\n").await;
    assert!(bad.fields(StatusCode::UNPROCESSABLE_ENTITY)[0].starts_with("x.yaml:"));
    app.post_raw("/api/v1/framework/yaml", &t.manager, yaml).await.problem(StatusCode::FORBIDDEN);
}

/// A Markdown ladder for a new track, with a name that drifts between levels.
const LADDER: &str = "\u{feff}# Research\r\n\r\n## R1 — Researcher\r\n\r\n### Rigour\r\n- Checks results **twice**\r\n\r\n### Mentoring\r\n- Helps an intern\r\n\r\n## R2 — Senior Researcher\r\n\r\n### Rigour\r\n- Designs studies\r\n\r\n### Mentorship\r\n- Mentors two people\r\n";

#[tokio::test]
async fn a_markdown_ladder_previews_waits_for_drift_to_be_confirmed_then_commits() {
    let app = TestApp::new().await;
    let before = app.get("/api/v1/framework/versions", &app.admin).await.json();
    let n = before["items"].as_array().unwrap().len();
    let p = app.post_raw("/api/v1/framework/markdown?file=research.md", &app.admin, LADDER).await.json();
    assert_eq!(p["version"], serde_json::Value::Null);
    assert_eq!((p["preview"]["track"].as_str(), p["preview"]["new_track"].as_bool()), (Some("research"), Some(true)));
    assert_eq!(p["preview"]["levels"], json!(["r1", "r2"]));
    assert_eq!(
        p["preview"]["drift"],
        json!([{
            "a": {"name": "Mentoring", "levels": ["r1"], "at": ["research.md:8"]},
            "b": {"name": "Mentorship", "levels": ["r2"], "at": ["research.md:16"]},
            "why": "same word stems",
            "decision": null
        }])
    );
    assert!(p["preview"]["tolerated"].as_array().unwrap().iter().any(|t| t.as_str().unwrap().contains("byte-order mark")));
    assert_eq!(app.get("/api/v1/framework/versions", &app.admin).await.json(), before, "a preview changes nothing");

    let refused = app.post_raw("/api/v1/framework/markdown?file=research.md&commit=true", &app.admin, LADDER).await;
    let body = refused.json();
    assert_eq!(refused.fields(StatusCode::UNPROCESSABLE_ENTITY), ["confirm"], "{body}");
    assert!(body["errors"][0]["reason"].as_str().unwrap().contains("'Mentoring' (research.md:8) and 'Mentorship' (research.md:16)"), "{body}");
    assert_eq!(app.get("/api/v1/framework/versions", &app.admin).await.json(), before, "an unconfirmed commit changes nothing");

    let done = app.post_raw("/api/v1/framework/markdown?commit=true&same=Mentoring%3DMentorship", &app.admin, LADDER).await.json();
    assert_eq!(done["version"].as_u64(), Some(n as u64 + 1));
    assert_eq!(done["preview"]["drift"][0]["decision"], "same");
    assert_eq!(done["preview"]["competencies"][1]["aliases"], json!(["Mentorship"]));
    let fw = app.get("/api/v1/framework", &app.admin).await.json();
    assert!(fw["tracks"].as_array().unwrap().iter().any(|t| t["key"] == "research"));
    let mentoring: Vec<_> = fw["expectations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["competency"] == "mentoring" && x["track"] == "research")
        .map(|x| x["level"].as_str().unwrap())
        .collect();
    assert_eq!(mentoring, ["r1", "r2"], "merged under the first name");
    assert!(!fw["competencies"].as_array().unwrap().iter().any(|c| c["key"] == "mentorship"));
}

#[tokio::test]
async fn a_bad_markdown_ladder_names_file_line_and_reason_and_changes_nothing() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let before = app.get("/api/v1/framework/versions", &app.admin).await.json();
    let cases = [
        ("## e1\n### Testing\n- a\n### TESTING\n- b\n", "x.md:4", "duplicate competency 'TESTING' at level 'e1'"),
        ("## L99\n### Testing\n- a\n", "x.md:1", "is not a level of track 'engineering'"),
        ("", "x.md", "is empty"),
    ];
    for (md, field, reason) in cases {
        let res = app.post_raw("/api/v1/framework/markdown?track=engineering&commit=true&file=x.md", &app.admin, md).await;
        let body = res.json();
        assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), [field], "{body}");
        assert!(body["errors"][0]["reason"].as_str().unwrap().contains(reason), "{body}");
    }
    let res = app.post_raw("/api/v1/framework/markdown?commit=true&same=Rigour%3DMentoring", &app.admin, LADDER).await;
    assert_eq!(res.fields(StatusCode::UNPROCESSABLE_ENTITY), ["same"]);
    app.post_raw("/api/v1/framework/markdown?commit=maybe", &app.admin, LADDER).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    app.post_raw("/api/v1/framework/markdown?commit=true&same=Mentoring%3DMentorship", &t.manager, LADDER).await.problem(StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/framework/versions", &app.admin).await.json(), before);
}

#[tokio::test]
async fn near_rows_of_a_matrix_are_flagged_and_kept_apart_when_confirmed_different() {
    let app = TestApp::new().await;
    let csv = "Competency,Engineer,Senior Engineer\nMentoring,Helps a peer,\nMentorship,,Mentors two people\n";
    let p = app.post_raw("/api/v1/framework/matrix?track=engineering", &app.admin, csv).await.json();
    assert_eq!((p["preview"]["drift"][0]["a"]["name"].as_str(), p["preview"]["drift"][0]["b"]["name"].as_str()), (Some("Mentoring"), Some("Mentorship")));
    let refused = app.post_raw("/api/v1/framework/matrix?track=engineering&commit=true", &app.admin, csv).await;
    assert_eq!(refused.fields(StatusCode::UNPROCESSABLE_ENTITY), ["confirm"]);
    let done = app.post_raw("/api/v1/framework/matrix?track=engineering&commit=true&different=Mentorship%3DMentoring", &app.admin, csv).await.json();
    assert!(done["version"].as_u64().is_some(), "{done}");
    let fw = app.get("/api/v1/framework", &app.admin).await.json();
    assert!(fw["competencies"].as_array().unwrap().iter().any(|c| c["key"] == "mentorship"), "kept apart");
}

#[tokio::test]
async fn suggestions_name_the_competencies_a_free_text_win_evidences_and_why() {
    let app = TestApp::new().await;
    let t = app.team().await;
    let res = app.get("/api/v1/framework/suggest?text=Wrote%20the%20postmortem%20for%20the%20checkout%20incident", &t.report).await;
    res.assert_status(StatusCode::OK);
    let items = res.json()["items"].as_array().unwrap().clone();
    assert_eq!(items[0]["competency"], "operations", "{items:?}");
    assert!(items[0]["why"].as_str().unwrap().contains("“postmortem”"), "{items:?}");
    // Bad input names its field.
    assert_eq!(app.get("/api/v1/framework/suggest", &t.report).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["text"]);
    assert_eq!(app.get("/api/v1/framework/suggest?text=x&track=nope", &t.report).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["track"]);
    let long = "a".repeat(4001);
    assert_eq!(app.get(&format!("/api/v1/framework/suggest?text={long}"), &t.report).await.fields(StatusCode::UNPROCESSABLE_ENTITY), ["text"]);
    assert!(app.get("/api/v1/framework/suggest?text=the%20and%20of", &t.report).await.json()["items"].as_array().unwrap().is_empty());
}
