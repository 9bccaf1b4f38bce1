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

fn attr(name: &str, ty: &str, required: bool, unique: &str, description: &str) -> Value {
    json!({
        "name": name, "type": ty, "multiValued": false, "description": description, "required": required,
        "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": unique,
    })
}

fn complex(name: &str, multi: bool, description: &str, sub: Vec<Value>) -> Value {
    json!({
        "name": name, "type": "complex", "multiValued": multi, "description": description, "required": false,
        "mutability": "readWrite", "returned": "default", "uniqueness": "none", "subAttributes": sub,
    })
}

pub fn schemas(base: &str) -> Vec<Value> {
    let schema = |id: &str, name: &str, description: &str, attributes: Vec<Value>| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": id, "name": name, "description": description, "attributes": attributes,
            "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")},
        })
    };
    let value = |d: &str| attr("value", "string", false, "none", d);
    vec![
        schema(
            CORE_USER,
            "User",
            "A person",
            vec![
                attr("userName", "string", true, "server", "Unique identifier for the person, ignoring case"),
                complex(
                    "name",
                    false,
                    "The person's name (kept as one display name)",
                    vec![
                        attr("formatted", "string", false, "none", "Full name"),
                        attr("givenName", "string", false, "none", "Given name"),
                        attr("familyName", "string", false, "none", "Family name"),
                    ],
                ),
                attr("displayName", "string", false, "none", "Name shown in Rungs"),
                attr("title", "string", false, "none", "Job title on hire"),
                complex(
                    "emails",
                    true,
                    "Email addresses; the primary one is the person's email in Rungs",
                    vec![
                        value("Email address"),
                        attr("type", "string", false, "none", "work, home, other"),
                        attr("primary", "boolean", false, "none", "The email Rungs uses"),
                    ],
                ),
                attr("active", "boolean", false, "none", "false records a departure (deprovisioned), true again a rehire"),
            ],
        ),
        schema(
            ENTERPRISE,
            "EnterpriseUser",
            "Enterprise user",
            vec![
                attr("employeeNumber", "string", false, "none", "Employee number"),
                attr("department", "string", false, "none", "Department (the SCIM group of the same name)"),
                complex(
                    "manager",
                    false,
                    "The person's manager",
                    vec![value("The manager's id"), attr("displayName", "string", false, "none", "The manager's name")],
                ),
            ],
        ),
        schema(
            CORE_GROUP,
            "Group",
            "A department",
            vec![
                attr("displayName", "string", true, "server", "Department name"),
                complex("members", true, "People in the department", vec![value("A user's id"), attr("display", "string", false, "none", "The user's name")]),
            ],
        ),
    ]
}
