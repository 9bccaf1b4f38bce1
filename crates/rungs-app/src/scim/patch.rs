//! SCIM PATCH (RFC 7644 3.5.2) applied to a resource's JSON, in the forms Okta and
//! Microsoft Entra send: `op` in any case (`Replace`), with a `path` or without one
//! (the value an object of attribute paths), filtered paths on multi-valued
//! attributes (`emails[type eq "work"].value`, `members[value eq "…"]`). The caller
//! reads the patched JSON back as the new state and records what changed.

use serde_json::{Map, Value};

use super::filter::PatchPath;
use crate::AppError;

pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Add,
    Replace,
    Remove,
}

/// Apply the body of a PATCH request to `resource`.
pub fn apply(resource: &mut Value, body: &Value) -> Result<(), AppError> {
    let ops = super::filter::get_ci(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| AppError::invalid("Operations", "is required: a list of operations"))?;
    for (i, op) in ops.iter().enumerate() {
        let field = |f: &str| format!("Operations[{i}].{f}");
        let kind = match super::filter::get_ci(op, "op").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
            Some("add") => Kind::Add,
            Some("replace") => Kind::Replace,
            Some("remove") => Kind::Remove,
            _ => return Err(AppError::invalid(field("op"), "must be add, replace or remove")),
        };
        let value = super::filter::get_ci(op, "value").cloned();
        match super::filter::get_ci(op, "path").and_then(Value::as_str).filter(|p| !p.trim().is_empty()) {
            // A whole extension (`urn:…:enterprise:2.0:User`): remove it, or add or
            // replace its attributes (those not named are left as they are).
            Some(p) if is_extension(p) => match (kind, value) {
                (Kind::Remove, _) => remove_key(resource, p.trim()),
                (_, Some(v @ Value::Object(_))) => merge(child(resource, p.trim()), v),
                _ => return Err(AppError::invalid(field("value"), "must be an object of the extension's attributes")),
            },
            Some(p) => {
                let path = PatchPath::parse(p).map_err(|_| AppError::invalid(field("path"), format!("'{p}' is not a path")))?;
                if kind != Kind::Remove && value.is_none() {
                    return Err(AppError::invalid(field("value"), "is required"));
                }
                at_path(resource, kind, &path, value)?;
            }
            None => {
                // No path: the value is an object whose keys are attribute paths
                // (`active`, `name.givenName`, or an extension's URN with an object).
                let Some(Value::Object(map)) = value else {
                    return Err(AppError::invalid(field("value"), "must be an object when there is no path"));
                };
                if kind == Kind::Remove {
                    return Err(AppError::invalid(field("path"), "is required to remove"));
                }
                for (k, v) in map {
                    if is_extension(&k) && v.is_object() {
                        let target = child(resource, &k);
                        merge(target, v);
                    } else {
                        let path = PatchPath::parse(&k).map_err(|_| AppError::invalid(field("value"), format!("'{k}' is not an attribute")))?;
                        at_path(resource, kind, &path, Some(v))?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Whether a no-path key is a whole extension (`urn:…:enterprise:2.0:User`) rather
/// than one of its attributes: a URN whose last segment starts with a capital (`User`).
fn is_extension(key: &str) -> bool {
    let key = key.trim();
    key.to_ascii_lowercase().starts_with("urn:") && key.rsplit(':').next().is_some_and(|last| last.chars().next().is_some_and(char::is_uppercase))
}

/// The value under `name` in `v` (matched ignoring case), made (null) if absent; `v`
/// becomes an object if it was not one.
fn child<'a>(v: &'a mut Value, name: &str) -> &'a mut Value {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    let Value::Object(map) = v else { unreachable!("made an object above") };
    let key = map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned().unwrap_or_else(|| name.to_string());
    map.entry(key).or_insert(Value::Null)
}

fn remove_key(v: &mut Value, name: &str) {
    if let Value::Object(map) = v
        && let Some(k) = map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
    {
        map.remove(&k);
    }
}

fn merge(target: &mut Value, v: Value) {
    match (target, v) {
        (t @ Value::Object(_), Value::Object(src)) => {
            for (k, v) in src {
                let c = child(t, &k);
                merge(c, v);
            }
        }
        (t, v) => *t = v,
    }
}

fn same_element(a: &Value, b: &Value) -> bool {
    match (super::filter::get_ci(a, "value"), super::filter::get_ci(b, "value")) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn at_path(resource: &mut Value, kind: Kind, p: &PatchPath, value: Option<Value>) -> Result<(), AppError> {
    let base = match &p.path.schema {
        Some(s) => child(resource, s),
        None => resource,
    };
    let attr = &p.path.attr;
    match (&p.filter, &p.path.sub) {
        (None, None) => match kind {
            // Entra removes members by listing them as the value.
            Kind::Remove => {
                if let Some(Value::Array(gone)) = &value {
                    if let Value::Array(have) = child(base, attr) {
                        have.retain(|h| !gone.iter().any(|g| same_element(h, g)));
                    }
                } else {
                    remove_key(base, attr);
                }
            }
            Kind::Add => {
                let slot = child(base, attr);
                match (slot, value.unwrap_or(Value::Null)) {
                    (Value::Array(have), Value::Array(add)) => {
                        for a in add {
                            if !have.iter().any(|h| same_element(h, &a)) {
                                have.push(a);
                            }
                        }
                    }
                    (Value::Array(have), single) if single.is_object() => {
                        if !have.iter().any(|h| same_element(h, &single)) {
                            have.push(single);
                        }
                    }
                    (slot, v) => merge(slot, v),
                }
            }
            Kind::Replace => {
                let slot = child(base, attr);
                match (slot, value.unwrap_or(Value::Null)) {
                    (slot @ Value::Object(_), v @ Value::Object(_)) => merge(slot, v),
                    (slot, v) => *slot = v,
                }
            }
        },
        (None, Some(sub)) => {
            let slot = child(base, attr);
            match slot {
                Value::Array(items) => {
                    for it in items {
                        set_sub(it, kind, sub, value.clone());
                    }
                }
                other => set_sub(other, kind, sub, value),
            }
        }
        (Some(f), sub) => {
            let slot = child(base, attr);
            if !slot.is_array() {
                *slot = Value::Array(vec![]);
            }
            let Value::Array(items) = slot else { unreachable!("made an array above") };
            let hits: Vec<usize> = items.iter().enumerate().filter(|(_, it)| f.matches(it)).map(|(i, _)| i).collect();
            match (kind, sub) {
                (Kind::Remove, None) => {
                    for i in hits.into_iter().rev() {
                        items.remove(i);
                    }
                }
                (_, Some(sub)) if hits.is_empty() && kind != Kind::Remove => {
                    // Entra adds `emails[type eq "work"].value` to a user without one:
                    // make the element the filter describes.
                    let mut el = Map::new();
                    if let Some((a, v)) = f.as_equality() {
                        el.insert(a.to_string(), v.clone());
                    }
                    el.insert(sub.clone(), value.unwrap_or(Value::Null));
                    if items.is_empty() {
                        el.insert("primary".into(), Value::Bool(true));
                    }
                    items.push(Value::Object(el));
                }
                (_, Some(sub)) => {
                    for i in hits {
                        set_sub(&mut items[i], kind, sub, value.clone());
                    }
                }
                (_, None) => {
                    for i in hits {
                        if let Some(v) = value.clone() {
                            merge(&mut items[i], v);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn set_sub(it: &mut Value, kind: Kind, sub: &str, value: Option<Value>) {
    match kind {
        Kind::Remove => remove_key(it, sub),
        _ => *child(it, sub) = value.unwrap_or(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(mut r: Value, ops: Value) -> Value {
        apply(&mut r, &json!({"schemas": [PATCH_OP], "Operations": ops})).unwrap();
        r
    }

    #[test]
    fn okta_and_entra_forms() {
        let r = json!({"userName": "a@x.io", "active": true, "emails": [{"value": "a@x.io", "type": "work", "primary": true}], "name": {"givenName": "A"}});
        // Okta: replace without a path.
        let p = patch(r.clone(), json!([{"op": "replace", "value": {"active": false}}]));
        assert_eq!(p["active"], json!(false));
        // Entra: capitalised op, a path, a string boolean (read back by the caller).
        let p = patch(r.clone(), json!([{"op": "Replace", "path": "active", "value": "False"}]));
        assert_eq!(p["active"], json!("False"));
        // Entra: a filtered path on a multi-valued attribute.
        let p = patch(r.clone(), json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "b@x.io"}]));
        assert_eq!(p["emails"][0]["value"], json!("b@x.io"));
        // Entra: dotted keys without a path; attribute names in another case.
        let p = patch(r.clone(), json!([{"op": "replace", "value": {"name.givenName": "B", "USERNAME": "b@x.io"}}]));
        assert_eq!((p["name"]["givenName"].clone(), p["userName"].clone()), (json!("B"), json!("b@x.io")));
        // An extension attribute by its full path, and a whole extension without a path.
        let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let p = patch(r.clone(), json!([{"op": "Add", "path": format!("{ent}:department"), "value": "Ops"}]));
        assert_eq!(p[ent]["department"], json!("Ops"));
        let p = patch(r.clone(), json!([{"op": "add", "value": {ent: {"employeeNumber": "7"}}}]));
        assert_eq!(p[ent]["employeeNumber"], json!("7"));
        // The whole extension by its URN as the path: replaced attribute by attribute, or removed.
        let p = patch(p, json!([{"op": "replace", "path": ent, "value": {"department": "Ops"}}]));
        assert_eq!(p[ent], json!({"employeeNumber": "7", "department": "Ops"}));
        let p = patch(p, json!([{"op": "remove", "path": ent}]));
        assert!(p.get(ent).is_none(), "{p}");
        // Members add and remove.
        let g = json!({"displayName": "Ops", "members": [{"value": "1"}]});
        let g = patch(g, json!([{"op": "add", "path": "members", "value": [{"value": "2"}, {"value": "1"}]}]));
        assert_eq!(g["members"].as_array().map(Vec::len), Some(2));
        let g = patch(g, json!([{"op": "remove", "path": "members[value eq \"1\"]"}]));
        assert_eq!(g["members"], json!([{"value": "2"}]));
        let g = patch(g, json!([{"op": "add", "path": "members", "value": [{"value": "3"}]}]));
        let g = patch(g, json!([{"op": "Remove", "path": "members", "value": [{"value": "2"}]}]));
        assert_eq!(g["members"], json!([{"value": "3"}]));
        let g = patch(g, json!([{"op": "remove", "path": "members"}]));
        assert!(g.get("members").is_none());
        // Bad operations are refused, naming the field.
        let mut x = r.clone();
        assert!(apply(&mut x, &json!({"Operations": [{"op": "move", "path": "active"}]})).is_err());
        assert!(apply(&mut x, &json!({"Operations": [{"op": "replace", "value": 3}]})).is_err());
    }
}
