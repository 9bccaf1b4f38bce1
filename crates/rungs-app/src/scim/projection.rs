//! Which attributes a SCIM response carries: `attributes` and `excludedAttributes`
//! (RFC 7644 3.4.2.5, 3.9), applied to a rendered resource.

use serde_json::Value;

use super::filter;

/// Which attributes a response carries (RFC 7644 3.4.2.5, 3.9): `attributes` lists
/// the ones wanted (beside `id` and `schemas`, always returned), `excludedAttributes`
/// the ones not wanted. Each is `attr`, `attr.sub`, an extension attribute by its full
/// URN (`urn:…:User:department`) or a whole extension by its URN; names match
/// ignoring case.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Projection {
    pub attributes: Vec<String>,
    pub excluded: Vec<String>,
}

/// Attributes every response carries whatever was asked (RFC 7643: `returned: always`).
const ALWAYS: [&str; 2] = ["id", "schemas"];

fn key_ci(m: &serde_json::Map<String, Value>, name: &str) -> Option<String> {
    m.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

/// `v` with only its `sub` sub-attribute (in each element of a list).
fn only_sub(v: &Value, sub: &str) -> Option<Value> {
    match v {
        Value::Array(items) => Some(Value::Array(items.iter().filter_map(|i| only_sub(i, sub)).collect())),
        Value::Object(m) => key_ci(m, sub).map(|k| serde_json::json!({ k.clone(): m[&k].clone() })),
        _ => None,
    }
}

fn merge_into(out: &mut serde_json::Map<String, Value>, key: String, v: Value) {
    match (out.get_mut(&key), v) {
        (Some(Value::Object(have)), Value::Object(add)) => have.extend(add),
        (_, v) => {
            out.insert(key, v);
        }
    }
}

impl Projection {
    pub fn new(attributes: Option<&str>, excluded: Option<&str>) -> Projection {
        let list = |s: Option<&str>| s.map(|e| e.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()).unwrap_or_default();
        Projection { attributes: list(attributes), excluded: list(excluded) }
    }

    pub fn apply(&self, v: &mut Value) {
        let Value::Object(m) = v else { return };
        if !self.attributes.is_empty() {
            let mut out = serde_json::Map::new();
            for a in ALWAYS {
                if let Some(k) = key_ci(m, a) {
                    out.insert(k.clone(), m[&k].clone());
                }
            }
            for want in &self.attributes {
                if let Some(k) = key_ci(m, want) {
                    // A top-level attribute, or a whole extension by its URN.
                    merge_into(&mut out, k.clone(), m[&k].clone());
                    continue;
                }
                let Ok(path) = filter::AttrPath::parse(want) else { continue };
                let (h, ext) = match &path.schema {
                    Some(ext) => match key_ci(m, ext) {
                        Some(e) => match &m[&e] {
                            Value::Object(h) => (h, Some(e)),
                            _ => continue,
                        },
                        None => continue,
                    },
                    None => (&*m, None),
                };
                let Some(ak) = key_ci(h, &path.attr) else { continue };
                let picked = match &path.sub {
                    None => Some(h[&ak].clone()),
                    Some(sub) => only_sub(&h[&ak], sub),
                };
                let Some(picked) = picked else { continue };
                match ext {
                    Some(ext) => merge_into(&mut out, ext, serde_json::json!({ ak: picked })),
                    None => merge_into(&mut out, ak, picked),
                }
            }
            *m = out;
        }
        for gone in &self.excluded {
            if ALWAYS.iter().any(|a| a.eq_ignore_ascii_case(gone)) {
                continue;
            }
            if let Some(k) = key_ci(m, gone) {
                m.remove(&k);
                continue;
            }
            let Ok(path) = filter::AttrPath::parse(gone) else { continue };
            let holder = match &path.schema {
                Some(ext) => match key_ci(m, ext).and_then(|e| m.get_mut(&e)) {
                    Some(Value::Object(e)) => e,
                    _ => continue,
                },
                None => &mut *m,
            };
            let Some(ak) = key_ci(holder, &path.attr) else { continue };
            match &path.sub {
                None => {
                    holder.remove(&ak);
                }
                Some(sub) => {
                    let drop_sub = |o: &mut Value| {
                        if let Value::Object(o) = o
                            && let Some(k) = key_ci(o, sub)
                        {
                            o.remove(&k);
                        }
                    };
                    match holder.get_mut(&ak) {
                        Some(Value::Array(items)) => items.iter_mut().for_each(drop_sub),
                        Some(o) => drop_sub(o),
                        None => {}
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn user() -> Value {
        json!({"schemas": ["s"], "id": "1", "userName": "ada", "name": {"givenName": "Ada", "familyName": "L"},
               "emails": [{"value": "a@x.io", "type": "work"}], ENT: {"department": "Ops", "employeeNumber": "7"}, "meta": {"version": "v"}})
    }

    fn project(attributes: Option<&str>, excluded: Option<&str>) -> Value {
        let mut v = user();
        Projection::new(attributes, excluded).apply(&mut v);
        v
    }

    #[test]
    fn attributes_keep_what_is_asked_and_what_is_always_returned() {
        assert_eq!(project(Some("USERNAME"), None), json!({"schemas": ["s"], "id": "1", "userName": "ada"}));
        assert_eq!(
            project(Some("name.givenName, emails.value"), None),
            json!({"schemas": ["s"], "id": "1", "name": {"givenName": "Ada"}, "emails": [{"value": "a@x.io"}]})
        );
        let department = format!("{ENT}:department");
        assert_eq!(project(Some(&department), None), json!({"schemas": ["s"], "id": "1", ENT: {"department": "Ops"}}));
        assert_eq!(project(Some(ENT), None)[ENT], json!({"department": "Ops", "employeeNumber": "7"}));
        assert_eq!(project(Some("nothing"), None), json!({"schemas": ["s"], "id": "1"}));
    }

    #[test]
    fn excluded_attributes_drop_what_is_named_but_never_id_or_schemas() {
        let v = project(None, Some("emails,name.familyName,id,schemas"));
        assert!(v.get("emails").is_none());
        assert_eq!(v["name"], json!({"givenName": "Ada"}));
        assert_eq!((v["id"].clone(), v["schemas"].clone()), (json!("1"), json!(["s"])));
        let v = project(None, Some(&format!("{ENT}:employeeNumber")));
        assert_eq!(v[ENT], json!({"department": "Ops"}));
        assert!(project(None, Some(ENT)).get(ENT).is_none());
    }
}
