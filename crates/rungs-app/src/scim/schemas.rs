//! The discovery documents (RFC 7644 section 4): what this server supports, its
//! resource types, and the schemas of the attributes it keeps.

use serde_json::{Value, json};

use super::filter::{CORE_GROUP, CORE_USER, ENTERPRISE};

pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/rungs/rungs/blob/main/docs/INTEGRATIONS.md#scim-provisioning",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": super::MAX_COUNT},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "A SCIM token created on the SCIM page or with `rungs scim-token create`; it opens /scim/v2 only.",
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    })
}

pub fn resource_types(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User", "name": "User", "endpoint": "/Users", "description": "A person on the ledger",
            "schema": CORE_USER,
            "schemaExtensions": [{"schema": ENTERPRISE, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group", "name": "Group", "endpoint": "/Groups", "description": "A department",
            "schema": CORE_GROUP,
            "schemaExtensions": [],
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group")},
        }),
    ]
}

/// The User attributes Rungs always has a value for: declared `required`, so a
/// provider knows they can be replaced but not removed (RFC 7643 2.2, 7.). On
/// creation only `userName` and an email are needed: the name defaults to the
/// `userName`, `active` to true.
pub const REQUIRED_USER: [&str; 5] = ["userName", "name", "displayName", "emails", "active"];

/// One attribute's definition (RFC 7643 7.).
struct Attr {
    v: Value,
}

impl Attr {
    fn new(name: &str, ty: &str, description: &str) -> Attr {
        Attr {
            v: json!({
                "name": name, "type": ty, "multiValued": false, "description": description, "required": false,
                "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none",
            }),
        }
    }
    fn string(name: &str, description: &str) -> Attr {
        Attr::new(name, "string", description)
    }
    fn complex(name: &str, description: &str, sub: Vec<Attr>) -> Attr {
        let mut a = Attr::new(name, "complex", description);
        a.v["subAttributes"] = Value::Array(sub.into_iter().map(|s| s.v).collect());
        if let Some(m) = a.v.as_object_mut() {
            m.remove("caseExact");
        }
        a
    }
    /// A reference to one of `types` (`$ref`).
    fn reference(name: &str, types: &[&str], description: &str) -> Attr {
        let mut a = Attr::new(name, "reference", description);
        a.v["referenceTypes"] = json!(types);
        a.v["caseExact"] = json!(true);
        a
    }
    fn required(mut self) -> Attr {
        self.v["required"] = json!(true);
        self
    }
    fn multi(mut self) -> Attr {
        self.v["multiValued"] = json!(true);
        self
    }
    fn mutability(mut self, m: &str) -> Attr {
        self.v["mutability"] = json!(m);
        self
    }
    fn unique(mut self) -> Attr {
        self.v["uniqueness"] = json!("server");
        self
    }
    fn canonical(mut self, values: &[&str]) -> Attr {
        self.v["canonicalValues"] = json!(values);
        self
    }
}

pub fn schemas(base: &str) -> Vec<Value> {
    let schema = |id: &str, name: &str, description: &str, attributes: Vec<Attr>| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": id, "name": name, "description": description, "attributes": attributes.into_iter().map(|a| a.v).collect::<Vec<_>>(),
            "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")},
        })
    };
    vec![
        schema(
            CORE_USER,
            "User",
            "A person",
            vec![
                Attr::string("userName", "Unique identifier for the person, ignoring case").required().unique(),
                Attr::complex(
                    "name",
                    "The person's name. Rungs keeps one name (formatted); the parts are kept as the provider sent them",
                    vec![
                        Attr::string("formatted", "Full name, as Rungs shows it"),
                        Attr::string("givenName", "Given name"),
                        Attr::string("familyName", "Family name"),
                    ],
                )
                .required(),
                Attr::string("displayName", "Name shown in Rungs (the same as name.formatted)").required(),
                Attr::string("title", "The position title in Rungs: sent on creation it is the first one; afterwards promotions and lateral moves recorded in Rungs change it, not the identity provider").mutability("readOnly"),
                Attr::complex(
                    "emails",
                    "Email addresses; Rungs keeps one, the primary (else the first): the person's email in Rungs. The list is read back as sent while that email is in it",
                    vec![
                        Attr::string("value", "Email address").required(),
                        Attr::string("type", "work, home, other").canonical(&["work", "home", "other"]),
                        Attr::new("primary", "boolean", "The email Rungs uses"),
                    ],
                )
                .multi()
                .required(),
                Attr::new("active", "boolean", "false records a departure (deprovisioned), true again a rehire").required(),
            ],
        ),
        schema(
            ENTERPRISE,
            "EnterpriseUser",
            "Enterprise user",
            vec![
                Attr::string("employeeNumber", "Employee number"),
                Attr::string("department", "Department (the SCIM group of the same name)"),
                Attr::complex(
                    "manager",
                    "The person's manager",
                    vec![
                        Attr::string("value", "The manager's id (or an externalId or userName Rungs knows)"),
                        Attr::reference("$ref", &["User"], "The manager's URI"),
                    ],
                ),
            ],
        ),
        schema(
            CORE_GROUP,
            "Group",
            "A department",
            vec![
                Attr::string("displayName", "Department name").required().unique(),
                Attr::complex(
                    "members",
                    "People in the department (a person is in one department at a time)",
                    vec![
                        Attr::string("value", "A user's id").mutability("immutable"),
                        Attr::reference("$ref", &["User"], "The user's URI").mutability("immutable"),
                        Attr::string("type", "User (Rungs has no groups of groups)").canonical(&["User"]).mutability("immutable"),
                    ],
                )
                .multi(),
            ],
        ),
    ]
}
