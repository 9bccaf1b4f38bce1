//! The exhaustive access matrix (issue 10), generated rather than listed: every role
//! × every relation to the subject × every action (read; record each event kind;
//! reverse each event kind, recorded by someone else and by the viewer), on the API
//! and on the pages, each answer compared with the one table in
//! `rungs_app::access::table`. Statuses follow docs/SECURITY.md: allowed is 200/201
//! (or the ledger's own 422), a person the viewer may not see is 404, a visible
//! person with a forbidden action is 403.
//!
//! One organization, one router, a few hundred requests; built so that what an
//! allowed action changes (a reversal consumes its target, a departure revokes the
//! person's tokens) never changes a later expectation: every check gets its own
//! target, and departures come last, the people team's last of all.
//!
//! `MATRIX_PRINT=1 cargo test -p rungs-web --test it matrix -- --nocapture` prints
//! every check and its answer.

use std::collections::HashMap;

use axum::http::StatusCode;
use rungs_app::access::table::{self, Action, Subject};
use rungs_app::access::{Relation, refusal_is_visible};
use rungs_core::event::EventKind;
use rungs_core::person::Role;
use rungs_core::{EventId, PersonId};
use serde_json::{Value, json};

use crate::pages::{Browser, form};
use crate::support::TestApp;

/// How a subject relates to the viewer in the org chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Rel {
    Myself,
    DirectReport,
    IndirectReport,
    Peer,
    OtherDepartment,
    /// A direct report who has left.
    Departed,
}

const RELS: [Rel; 6] = [Rel::Myself, Rel::DirectReport, Rel::IndirectReport, Rel::Peer, Rel::OtherDepartment, Rel::Departed];
/// The people team last: its departures must not change what the others see.
const ROLES: [Role; 3] = [Role::Employee, Role::Manager, Role::Admin];

impl Rel {
    /// The table's relation: reports count for manager tokens only (docs/SECURITY.md).
    fn table(self, role: Role) -> Relation {
        match self {
            Rel::Myself => Relation::Myself,
            Rel::DirectReport | Rel::IndirectReport | Rel::Departed if role == Role::Manager => Relation::Manager,
            _ => Relation::Other,
        }
    }
}

/// One viewer: their person, token, browser, and the people around them.
struct Viewer {
    role: Role,
    token: String,
    browser: Option<Browser>,
    people: HashMap<Rel, PersonId>,
}

struct Org {
    app: TestApp,
    viewers: Vec<Viewer>,
    milestone: Value,
    /// The `hired` event of each person.
    hires: HashMap<PersonId, EventId>,
    /// The `departure` event of each person who has left.
    departures: HashMap<PersonId, EventId>,
}

fn person(name: &str, manager: Option<PersonId>, department: &str) -> Value {
    json!({
        "name": name,
        "email": format!("{}@example.com", name.to_lowercase().replace(' ', ".")),
        "manager_id": manager,
        "department": department,
        "position": {"track": "engineering", "level": "e2", "title": "Engineer"},
        "pay_band": "B2",
    })
}

/// The payload of an event of `kind` that the ledger accepts about an active person
/// (`target` for validations and reversals).
fn payload(kind: EventKind, target: Option<EventId>, milestone: &Value) -> Value {
    match kind {
        EventKind::Hired => person("Again Hired", None, "Platform"),
        EventKind::ProfileUpdated => json!({"location": "Berlin"}),
        EventKind::MicroProgression => json!({"category": "skill", "magnitude": "micro", "title": "a win"}),
        EventKind::Validation => json!({"target": target}),
        EventKind::MicroPromotion => json!({"scope": "team coordinator"}),
        EventKind::Promotion => json!({"to": {"track": "engineering", "level": "e3", "title": "Senior Engineer"}}),
        EventKind::LateralMove => json!({"department": "Sales"}),
        EventKind::Demotion => json!({"to": {"track": "engineering", "level": "e1", "title": "Engineer"}}),
        EventKind::Recognition => json!({"message": "thank you"}),
        EventKind::Departure => json!({"reason": "voluntary"}),
        EventKind::Reversal => json!({"target": target, "reason": "matrix"}),
        EventKind::MilestoneCompleted => milestone.clone(),
        // Each award its own badge (defined in `Org::build`): a person holds each tier
        // of a badge once, and every check needs a fresh one.
        EventKind::BadgeAwarded => {
            let n = NEXT_BADGE.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % BADGES;
            json!({"badge": format!("matrix-{n}"), "tier": "bronze", "name": "Matrix", "reason": "matrix", "by_hand": true})
        }
        // No credential is issued in the matrix: whoever may record this gets past
        // access to the check that the credential is theirs (422); see `expected`.
        EventKind::CredentialRevoked => json!({"credential": uuid::Uuid::nil(), "certified": EventId::new(), "reason": "matrix"}),
    }
}

/// Badges defined for the matrix, one per award it records.
const BADGES: usize = 400;
static NEXT_BADGE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn event(id: Option<EventId>, subject: PersonId, kind: EventKind, target: Option<EventId>, milestone: &Value) -> Value {
    let mut e = json!({"subject": subject, "kind": kind.as_str(), "payload": payload(kind, target, milestone)});
    if let Some(id) = id {
        e["id"] = json!(id);
    }
    e
}

impl Org {
    async fn build() -> Org {
        let app = TestApp::new().await;
        let fw = app.get("/api/v1/framework", &app.admin).await.json();
        let m = &fw["milestones"][0];
        let milestone = json!({"milestone": m["key"], "track": m["track"], "to_level": m["to_level"], "title": m["title"]});
        let hire = |body: Value| {
            let app = &app;
            async move {
                let res = app.post_json("/api/v1/people", &app.admin, &body).await;
                res.assert_status(StatusCode::CREATED);
                res.json()["id"].as_str().unwrap().parse::<PersonId>().unwrap()
            }
        };
        let other_department = hire(person("Olga Other", None, "Sales")).await;
        let mut viewers = Vec::new();
        for role in ROLES {
            let r = role.as_str();
            let top = hire(person(&format!("Top {r}"), None, "Platform")).await;
            let me = hire(person(&format!("Viewer {r}"), Some(top), "Platform")).await;
            let direct = hire(person(&format!("Direct {r}"), Some(me), "Platform")).await;
            let indirect = hire(person(&format!("Indirect {r}"), Some(direct), "Platform")).await;
            let peer = hire(person(&format!("Peer {r}"), Some(top), "Platform")).await;
            let departed = hire(person(&format!("Departed {r}"), Some(me), "Platform")).await;
            let people = HashMap::from([
                (Rel::Myself, me),
                (Rel::DirectReport, direct),
                (Rel::IndirectReport, indirect),
                (Rel::Peer, peer),
                (Rel::OtherDepartment, other_department),
                (Rel::Departed, departed),
            ]);
            let token = app.token_for(me, role).await;
            let browser = Some(app.sign_in(&format!("viewer.{r}@example.com"), role).await);
            viewers.push(Viewer { role, token, browser, people });
        }
        for n in 0..BADGES {
            let def = rungs_core::badges::parse_badge(&json!({"key": format!("matrix-{n}"), "name": "Matrix", "rule": {"milestone": {}}})).unwrap();
            app.store.save_badge(app.org, &def, chrono::Utc::now()).await.unwrap();
        }
        let mut org = Org { app, viewers, milestone, hires: HashMap::new(), departures: HashMap::new() };
        let everyone: Vec<PersonId> = org.viewers.iter().flat_map(|v| v.people.values().copied()).collect();
        for p in everyone {
            let hired = org.app.get(&format!("/api/v1/people/{p}/events?kind=hired"), &org.app.admin).await.json();
            org.hires.insert(p, hired["items"][0]["id"].as_str().unwrap().parse().unwrap());
        }
        for i in 0..org.viewers.len() {
            let p = org.viewers[i].people[&Rel::Departed];
            let left = org.app.record(&org.app.admin, &event(None, p, EventKind::Departure, None, &org.milestone)).await;
            left.assert_status(StatusCode::CREATED);
            org.departures.insert(p, left.json()["id"].as_str().unwrap().parse().unwrap());
        }
        org
    }

    /// Record `events` as the people team's original admin in one request; their ids.
    async fn bulk(&self, events: Vec<Value>) -> Vec<EventId> {
        let res = self.app.post_json("/api/v1/events/bulk", &self.app.admin, &json!({ "events": events })).await;
        res.assert_status(StatusCode::CREATED);
        res.json()["events"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().parse().unwrap()).collect()
    }

    /// A fresh event of `kind` about `subject`, recorded by someone else than any
    /// viewer (the original admin), to reverse or validate. `None` where there is
    /// nothing fresh to have: a person has one hire, only who has left has a
    /// departure, and nobody is awarded a badge after leaving.
    async fn target(&self, subject: PersonId, kind: EventKind) -> Option<EventId> {
        let m = &self.milestone;
        Some(match kind {
            EventKind::Hired => self.hires[&subject],
            EventKind::Departure => *self.departures.get(&subject)?,
            EventKind::BadgeAwarded if self.departures.contains_key(&subject) => return None,
            EventKind::Validation | EventKind::Reversal => {
                let win = EventId::new();
                let ids = self.bulk(vec![event(Some(win), subject, EventKind::MicroProgression, None, m), event(None, subject, kind, Some(win), m)]).await;
                ids[1]
            }
            kind => self.bulk(vec![event(None, subject, kind, None, m)]).await[0],
        })
    }
}

/// What the table says the API answers.
fn expected(role: Role, rel: Rel, action: Action, own: bool) -> StatusCode {
    let trel = rel.table(role);
    let left = rel == Rel::Departed;
    if table::allowed(role, trel, action, Subject { left, own_target: own }) {
        return match action {
            Action::Read => StatusCode::OK,
            // The ledger's own rules, whoever asks: one hire per person, neither a
            // hire nor a reversal can be reversed, and no badge after leaving.
            Action::Record(EventKind::Hired) | Action::Reverse(EventKind::Hired | EventKind::Reversal) => StatusCode::UNPROCESSABLE_ENTITY,
            Action::Record(EventKind::BadgeAwarded) if left => StatusCode::UNPROCESSABLE_ENTITY,
            Action::Record(EventKind::CredentialRevoked) => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::CREATED,
        };
    }
    if refusal_is_visible(role, trel, action) { StatusCode::FORBIDDEN } else { StatusCode::NOT_FOUND }
}

/// One line of the report: what was asked, what the table says, what came back.
struct Check {
    what: String,
    want: StatusCode,
    got: StatusCode,
}

#[tokio::test]
async fn every_role_relation_and_action_answers_as_the_access_table_says() {
    let org = Org::build().await;
    let app = &org.app;
    let m = &org.milestone;
    let mut checks: Vec<Check> = Vec::new();
    let mut push = |what: String, want: StatusCode, got: StatusCode| checks.push(Check { what, want, got });

    // The pages first: API departures later revoke sessions.
    for v in &org.viewers {
        let b = v.browser.as_ref().unwrap();
        for rel in RELS {
            let s = v.people[&rel];
            let tag = |what: &str| format!("page {what} as {} about {rel:?}", v.role.as_str());
            let read = expected(v.role, rel, Action::Read, false);
            let win = org.target(s, EventKind::MicroProgression).await.unwrap();
            for page in ["timeline", "progress", "packet"] {
                let res = app.page(&format!("/people/{s}/{page}"), &b.cookie).await;
                push(tag(page), read, res.status);
                if page == "timeline" && res.status == StatusCode::OK {
                    let may = table::allowed(
                        v.role,
                        rel.table(v.role),
                        Action::Record(EventKind::Validation),
                        Subject { left: rel == Rel::Departed, own_target: false },
                    );
                    let shown = res.text().contains(&format!("action=\"/people/{s}/validations\""));
                    push(tag("Validate button shown"), bool_status(may), bool_status(shown));
                }
            }
            let res = app.form_post(&format!("/people/{s}/validations"), &b.cookie, form(&[("csrf", &b.csrf), ("target", &win.to_string())]), &[]).await;
            let want = match expected(v.role, rel, Action::Record(EventKind::Validation), false) {
                StatusCode::CREATED => StatusCode::SEE_OTHER,
                other => other,
            };
            push(tag("validate"), want, res.status);
        }
        for page in ["/timeline", "/progress"] {
            push(format!("page {page} as {}", v.role.as_str()), StatusCode::OK, app.page(page, &b.cookie).await.status);
        }
        let log = form(&[("csrf", &b.csrf), ("title", "a win from the form"), ("category", "skill"), ("magnitude", "micro")]);
        let want = match expected(v.role, Rel::Myself, Action::Record(EventKind::MicroProgression), false) {
            StatusCode::CREATED => StatusCode::SEE_OTHER,
            other => other,
        };
        push(format!("page /wins as {}", v.role.as_str()), want, app.form_post("/wins", &b.cookie, log, &[]).await.status);
    }

    for v in &org.viewers {
        for rel in RELS {
            let s = v.people[&rel];
            let tag = |what: String| format!("{what} as {} about {rel:?}", v.role.as_str());
            let read = expected(v.role, rel, Action::Read, false);
            for path in ["", "/timeline", "/events"] {
                push(tag(format!("GET /people/{{id}}{path}")), read, app.get(&format!("/api/v1/people/{s}{path}"), &v.token).await.status);
            }
            for kind in EventKind::ALL {
                // A second hire of someone who has left is a rehire (tests/it/scim.rs):
                // it would bring Departed back for every check after it.
                if matches!(kind, EventKind::Reversal | EventKind::Departure) || (kind == EventKind::Hired && rel == Rel::Departed) {
                    continue;
                }
                let target = match kind {
                    EventKind::Validation => org.target(s, EventKind::MicroProgression).await,
                    _ => None,
                };
                let res = app.record(&v.token, &event(None, s, kind, target, m)).await;
                push(tag(format!("record {}", kind.as_str())), expected(v.role, rel, Action::Record(kind), false), res.status);
            }
            for kind in EventKind::ALL {
                // Nothing to reverse: only who has left has a departure, and nobody
                // is awarded a badge after leaving (recording one is checked above).
                // Nor a revocation: no credential is issued here (credentials/tests.rs
                // checks that nobody reverses one).
                if matches!(kind, EventKind::Departure | EventKind::CredentialRevoked) || (kind == EventKind::BadgeAwarded && rel == Rel::Departed) {
                    continue;
                }
                let target = org.target(s, kind).await;
                let res = app.record(&v.token, &event(None, s, EventKind::Reversal, target, m)).await;
                push(tag(format!("reverse a {}", kind.as_str())), expected(v.role, rel, Action::Reverse(kind), false), res.status);
                // The viewer's own event of this kind, where they may record one.
                let record = Action::Record(kind);
                let left = rel == Rel::Departed;
                if matches!(kind, EventKind::Hired | EventKind::Reversal)
                    || !table::allowed(v.role, rel.table(v.role), record, Subject { left, own_target: false })
                {
                    continue;
                }
                let inner = match kind {
                    EventKind::Validation => org.target(s, EventKind::MicroProgression).await,
                    _ => None,
                };
                let own = app.record(&v.token, &event(None, s, kind, inner, m)).await;
                own.assert_status(StatusCode::CREATED);
                let id = own.json()["id"].as_str().unwrap().parse::<EventId>().unwrap();
                let res = app.record(&v.token, &event(None, s, EventKind::Reversal, Some(id), m)).await;
                push(tag(format!("reverse their own {}", kind.as_str())), expected(v.role, rel, Action::Reverse(kind), true), res.status);
            }
        }
        // Departures last: reversing the one who left, then each person leaving,
        // the viewer themself last (it revokes their token).
        let gone = v.people[&Rel::Departed];
        let res = app.record(&v.token, &event(None, gone, EventKind::Reversal, org.departures.get(&gone).copied(), m)).await;
        push(
            format!("reverse a departure as {} about Departed", v.role.as_str()),
            expected(v.role, Rel::Departed, Action::Reverse(EventKind::Departure), false),
            res.status,
        );
        for rel in RELS.into_iter().rev() {
            let res = app.record(&v.token, &event(None, v.people[&rel], EventKind::Departure, None, m)).await;
            // The reversal above brought the one who left back (for the people team).
            let as_rel = if rel == Rel::Departed && v.role == Role::Admin { Rel::DirectReport } else { rel };
            push(
                format!("record departure as {} about {rel:?}", v.role.as_str()),
                expected(v.role, as_rel, Action::Record(EventKind::Departure), false),
                res.status,
            );
        }
    }

    if std::env::var_os("MATRIX_PRINT").is_some() {
        for c in &checks {
            println!("{} => {}", c.what, c.got);
        }
    }
    let wrong: Vec<String> = checks.iter().filter(|c| c.want != c.got).map(|c| format!("{}: want {}, got {}", c.what, c.want, c.got)).collect();
    assert!(wrong.is_empty(), "{} of {} checks differ from the access table:\n{}", wrong.len(), checks.len(), wrong.join("\n"));
    assert!(checks.len() > 500, "{} checks", checks.len());
}

/// Shown/allowed as a status, so page buttons go through the same report.
fn bool_status(b: bool) -> StatusCode {
    if b { StatusCode::OK } else { StatusCode::NO_CONTENT }
}
