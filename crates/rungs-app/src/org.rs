//! Setting up an organization: the framework it starts with and its first admin.

use chrono::Utc;

use rungs_core::event::{EventBody, Hired, NewEvent};
use rungs_core::framework::Framework;
use rungs_core::person::{Organization, Person, Position, Role};
use rungs_core::store::{AppendBatch, Store};
use rungs_core::text::{parse_email, parse_text};
use rungs_core::{EventId, OrgId, PersonId};

use crate::{AppError, tokens};

/// The framework a new organization starts with: engineering, management, sales and
/// operations tracks and a shared set of competencies. Replace it with your own.
pub fn starter_framework() -> Framework {
    serde_json::from_str(include_str!("frameworks/starter.json")).expect("the embedded starter framework is valid JSON")
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
    store.save_framework(org.id, &starter_framework()).await?;
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
