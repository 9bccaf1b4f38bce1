//! Setting up an organization: the framework it starts with and its first admin.

use chrono::Utc;

use rungs_core::event::{EventBody, Hired, NewEvent};
use rungs_core::framework::Framework;
use rungs_core::person::{Organization, Person, Position, Role};
use rungs_core::store::{AppendBatch, Store};
use rungs_core::text::{parse_email, parse_text};
use rungs_core::{EventId, OrgId, PersonId};

use crate::{AppError, tokens};

/// The example frameworks a new organization starts with, as YAML files
/// (docs/FRAMEWORKS.md): software engineering with a management track, sales, and
/// operations & people.
pub const STARTER_FILES: &[(&str, &str)] = &[
    ("engineering.yaml", include_str!("frameworks/engineering.yaml")),
    ("sales.yaml", include_str!("frameworks/sales.yaml")),
    ("operations.yaml", include_str!("frameworks/operations.yaml")),
];

/// The framework a new organization starts with: the example files merged, tracks
/// engineering, management, sales and operations with a shared set of competencies.
/// Replace it with your own.
pub fn starter_framework() -> Framework {
    let mut out = Framework::default();
    for (name, text) in STARTER_FILES {
        let part = rungs_core::framework::yaml::from_yaml(name, text).expect("the embedded example frameworks are valid").framework;
        merge(&mut out, part);
    }
    out
}

/// Add `part` to `into`: its tracks, milestones and expectations, and the competencies
/// `into` does not have yet (files share some, e.g. communication).
pub fn merge(into: &mut Framework, part: Framework) {
    into.tracks.extend(part.tracks);
    for c in part.competencies {
        if !into.has_competency(&c.key) {
            into.competencies.push(c);
        }
    }
    into.expectations.extend(part.expectations);
    into.milestones.extend(part.milestones);
}

/// What `rungs init` made.
pub struct Initialized {
    pub org: Organization,
    pub admin: Person,
    pub token: String,
}

/// Create the organization, its framework and a first admin with a token. Refuses if
/// an organization already exists: one install, one tenant, by default.
pub async fn init(store: &dyn Store, org_name: &str, admin_email: &str, admin_name: &str) -> Result<Initialized, AppError> {
    if store.default_org().await?.is_some() {
        return Err(AppError::Conflict { field: "organization".into(), reason: "this database already has an organization".into() });
    }
    let org_name = parse_text("org_name", org_name, 200)?;
    let email = parse_email("admin_email", admin_email)?;
    let name = parse_text("admin_name", admin_name, 200)?;
    let now = Utc::now();
    let org = Organization { id: OrgId::new(), name: org_name, created_at: now };
    store.create_org(&org).await?;
    store.save_framework_version(org.id, &starter_framework(), now).await?;
    let id = PersonId::new();
    let hire = NewEvent {
        id: EventId::new(),
        org_id: org.id,
        subject: id,
        actor: None,
        occurred_at: now,
        recorded_at: now,
        body: EventBody::Hired(Hired {
            name,
            email,
            manager_id: None,
            department: Some("People".into()),
            location: None,
            position: Position { track: "operations".into(), level: "o4".into(), title: "People Team Lead".into() },
            pay_band: None,
            sensitive: Default::default(),
        }),
        competencies: vec![],
        evidence: vec![],
        idempotency_key: None,
    };
    store.append(AppendBatch { org_id: org.id, events: vec![hire], claim: None }).await?;
    let admin = store.person(org.id, id).await?;
    let (_, token) = tokens::create(store, org.id, id, Role::Admin, "created by rungs init").await?;
    Ok(Initialized { org, admin, token })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo generator and older data use these keys: they must keep working.
    #[test]
    fn the_starter_framework_keeps_the_keys_everything_uses() {
        let fw = starter_framework();
        fw.validate().unwrap();
        let levels = |t: &str| fw.track(t).unwrap().levels.iter().map(|l| l.key.clone()).collect::<Vec<_>>().join(",");
        assert_eq!(levels("engineering"), "e1,e2,e3,e4,e5,e6,e7");
        assert_eq!(levels("management"), "m1,m2,m3,m4,m5,m6");
        assert_eq!(levels("sales"), "s1,s2,s3,s4,s5");
        assert_eq!(levels("operations"), "o1,o2,o3,o4");
        let keys = "code-quality system-design testing operations delivery ownership communication mentoring collaboration \
                    people-leadership strategy hiring prospecting negotiation customer-insight process-improvement";
        for k in keys.split_whitespace() {
            assert!(fw.has_competency(k), "{k}");
        }
        for t in ["engineering", "management", "sales", "operations"] {
            let track = fw.track(t).unwrap();
            for l in &track.levels[1..] {
                assert!(fw.expectations_for(t, &l.key).count() >= 5, "{t}/{} has expectations", l.key);
            }
        }
        assert!(fw.milestones.len() >= 15);
    }
}
