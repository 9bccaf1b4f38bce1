//! SCIM filters (RFC 7644 3.4.2.2) and attribute paths, evaluated on a resource's
//! JSON. Attribute names match ignoring case; string values too, except `id` and
//! `externalId`, which are case-exact (RFC 7643 3.1).

use serde_json::Value;

use crate::AppError;

/// The core schemas: an attribute path that starts with one of these names a
/// top-level attribute.
pub const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// `[schema:]attr[.sub]`: `schema` is set for an extension (never for a core schema).
#[derive(Debug, Clone, PartialEq)]
pub struct AttrPath {
    pub schema: Option<String>,
    pub attr: String,
    pub sub: Option<String>,
}

impl AttrPath {
    pub fn parse(s: &str) -> Result<AttrPath, String> {
        let s = s.trim();
        let (schema, rest) = if s.to_ascii_lowercase().starts_with("urn:") {
            // The attribute is after the schema's last ':' (the sub-attribute after a '.').
            match s.rfind(':') {
                Some(i) => (Some(&s[..i]), &s[i + 1..]),
                None => return Err(format!("'{s}' is not an attribute path")),
            }
        } else {
            (None, s)
        };
        let schema = schema.filter(|u| !u.eq_ignore_ascii_case(CORE_USER) && !u.eq_ignore_ascii_case(CORE_GROUP)).map(str::to_string);
        let (attr, sub) = match rest.split_once('.') {
            Some((a, b)) => (a, Some(b.to_string())),
            None => (rest, None),
        };
        let ok = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
        if !ok(attr) || sub.as_deref().is_some_and(|x| !ok(x)) {
            return Err(format!("'{s}' is not an attribute path"));
        }
        Ok(AttrPath { schema, attr: attr.to_string(), sub })
    }

    /// The values this path names in `resource` (a multi-valued attribute gives one
    /// per element).
    pub fn values<'a>(&self, resource: &'a Value) -> Vec<&'a Value> {
        let base = match &self.schema {
            Some(s) => match get_ci(resource, s) {
                Some(v) => v,
                None => return vec![],
            },
            None => resource,
        };
        let Some(v) = get_ci(base, &self.attr) else { return vec![] };
        let items: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        match &self.sub {
            None => items,
            Some(sub) => items.into_iter().filter_map(|i| get_ci(i, sub)).collect(),
        }
    }

    fn case_exact(&self) -> bool {
        self.sub.is_none() && (self.attr == "id" || self.attr.eq_ignore_ascii_case("externalId"))
    }
}

/// `map[name]`, the name matched ignoring ASCII case.
pub fn get_ci<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare(AttrPath, Op, Value),
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `emails[type eq "work"]`: an element of a multi-valued attribute matches.
    Within(AttrPath, Box<Filter>),
}

impl Filter {
    /// Parse a filter; the error says what is wrong (SCIM `invalidFilter`).
    pub fn parse(s: &str) -> Result<Filter, AppError> {
        let tokens = lex(s).map_err(|m| AppError::invalid("filter", m))?;
        let mut p = Parser { t: tokens, i: 0 };
        let f = p.or().map_err(|m| AppError::invalid("filter", m))?;
        if p.i != p.t.len() {
            return Err(AppError::invalid("filter", format!("unexpected '{}'", p.t[p.i].text())));
        }
        Ok(f)
    }

    pub fn matches(&self, r: &Value) -> bool {
        match self {
            Filter::And(a, b) => a.matches(r) && b.matches(r),
            Filter::Or(a, b) => a.matches(r) || b.matches(r),
            Filter::Not(a) => !a.matches(r),
            Filter::Present(p) => p.values(r).iter().any(|v| !v.is_null() && v.as_str() != Some("") && v.as_array().is_none_or(|a| !a.is_empty())),
            Filter::Compare(p, op, want) => p.values(r).iter().any(|v| compare(v, *op, want, p.case_exact())),
            Filter::Within(p, inner) => p.values(r).iter().any(|el| inner.matches(el)),
        }
    }

    /// `attr eq "value"`: the attribute and value an element made for a filtered
    /// `add` carries (Entra: `emails[type eq "work"].value`).
    pub fn as_equality(&self) -> Option<(&str, &Value)> {
        match self {
            Filter::Compare(p, Op::Eq, v) if p.schema.is_none() && p.sub.is_none() => Some((&p.attr, v)),
            _ => None,
        }
    }
}

fn compare(have: &Value, op: Op, want: &Value, exact: bool) -> bool {
    let fold = |s: &str| if exact { s.to_string() } else { s.to_lowercase() };
    match (have, want) {
        (Value::String(h), Value::String(w)) => {
            let (h, w) = (fold(h), fold(w));
            match op {
                Op::Eq => h == w,
                Op::Ne => h != w,
                Op::Co => h.contains(&w),
                Op::Sw => h.starts_with(&w),
                Op::Ew => h.ends_with(&w),
                Op::Gt => h > w,
                Op::Ge => h >= w,
                Op::Lt => h < w,
                Op::Le => h <= w,
            }
        }
        // `active eq "true"`: some clients quote booleans.
        (Value::Bool(h), Value::String(w)) => match op {
            Op::Eq => w.eq_ignore_ascii_case(if *h { "true" } else { "false" }),
            Op::Ne => !w.eq_ignore_ascii_case(if *h { "true" } else { "false" }),
            _ => false,
        },
        (Value::Number(h), Value::Number(w)) => {
            let (h, w) = (h.as_f64().unwrap_or(f64::NAN), w.as_f64().unwrap_or(f64::NAN));
            match op {
                Op::Eq => h == w,
                Op::Ne => h != w,
                Op::Gt => h > w,
                Op::Ge => h >= w,
                Op::Lt => h < w,
                Op::Le => h <= w,
                _ => false,
            }
        }
        (h, w) => match op {
            Op::Eq => h == w,
            Op::Ne => h != w,
            _ => false,
        },
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Open,
    Close,
    LBracket,
    RBracket,
}

impl Tok {
    fn text(&self) -> String {
        match self {
            Tok::Word(w) => w.clone(),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::Open => "(".into(),
            Tok::Close => ")".into(),
            Tok::LBracket => "[".into(),
            Tok::RBracket => "]".into(),
        }
    }
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = vec![];
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            '[' => {
                out.push(Tok::LBracket);
                i += 1;
            }
            ']' => {
                out.push(Tok::RBracket);
                i += 1;
            }
            '"' => {
                // A JSON string: find its end, honouring backslash escapes.
                let start = i;
                i += 1;
                while i < cs.len() && cs[i] != '"' {
                    i += if cs[i] == '\\' { 2 } else { 1 };
                }
                if i >= cs.len() {
                    return Err("a string is not closed".into());
                }
                let raw: String = cs[start..=i].iter().collect();
                let v: String = serde_json::from_str(&raw).map_err(|_| format!("bad string {raw}"))?;
                out.push(Tok::Str(v));
                i += 1;
            }
            _ => {
                let start = i;
                while i < cs.len() && !matches!(cs[i], ' ' | '\t' | '\n' | '\r' | '(' | ')' | '[' | ']' | '"') {
                    i += 1;
                }
                out.push(Tok::Word(cs[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

struct Parser {
    t: Vec<Tok>,
    i: usize,
}

impl Parser {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.t.get(self.i), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.i += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while self.peek_word("and") {
            self.i += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, String> {
        if self.peek_word("not") {
            self.i += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        match self.t.get(self.i).cloned() {
            Some(Tok::Open) => {
                self.i += 1;
                let f = self.or()?;
                self.expect(&Tok::Close)?;
                Ok(f)
            }
            Some(Tok::Word(w)) => {
                self.i += 1;
                let path = AttrPath::parse(&w)?;
                if self.t.get(self.i) == Some(&Tok::LBracket) {
                    self.i += 1;
                    let inner = self.or()?;
                    self.expect(&Tok::RBracket)?;
                    return Ok(Filter::Within(path, Box::new(inner)));
                }
                self.comparison(path)
            }
            Some(t) => Err(format!("unexpected '{}'", t.text())),
            None => Err("the filter ends too early".into()),
        }
    }

    fn comparison(&mut self, path: AttrPath) -> Result<Filter, String> {
        let Some(Tok::Word(op)) = self.t.get(self.i).cloned() else {
            return Err("expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)".into());
        };
        self.i += 1;
        let op = match op.to_ascii_lowercase().as_str() {
            "pr" => return Ok(Filter::Present(path)),
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            other => return Err(format!("unknown operator '{other}'")),
        };
        let value = match self.t.get(self.i).cloned() {
            Some(Tok::Str(s)) => Value::String(s),
            Some(Tok::Word(w)) => match w.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                n => serde_json::from_str::<serde_json::Number>(n).map(Value::Number).map_err(|_| format!("'{n}' is not a value (quote strings)"))?,
            },
            _ => return Err("expected a value after the operator".into()),
        };
        self.i += 1;
        Ok(Filter::Compare(path, op, value))
    }

    fn expect(&mut self, t: &Tok) -> Result<(), String> {
        if self.t.get(self.i) == Some(t) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected '{}'", t.text()))
        }
    }
}

/// A PATCH path: `attr[.sub]`, `attr[filter][.sub]`, with an optional schema.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub path: AttrPath,
    pub filter: Option<Filter>,
}

impl PatchPath {
    pub fn parse(s: &str) -> Result<PatchPath, AppError> {
        let bad = |m: String| AppError::invalid("path", m);
        match (s.find('['), s.rfind(']')) {
            (Some(open), Some(close)) if close > open => {
                let filter = Filter::parse(&s[open + 1..close]).map_err(|_| bad(format!("bad filter in '{s}'")))?;
                let mut path = AttrPath::parse(&s[..open]).map_err(bad)?;
                let rest = s[close + 1..].trim_start_matches('.');
                if !rest.is_empty() {
                    path.sub = Some(rest.to_string());
                }
                Ok(PatchPath { path, filter: Some(filter) })
            }
            (None, None) => Ok(PatchPath { path: AttrPath::parse(s).map_err(bad)?, filter: None }),
            _ => Err(bad(format!("'{s}' is not a path"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_match_as_identity_providers_use_them() {
        let r = json!({"userName": "Ada@Example.com", "externalId": "00u1", "emails": [{"value": "ada@example.com", "type": "work"}],
            "name": {"givenName": "Ada"}, "active": true, ENTERPRISE: {"employeeNumber": "42"}});
        let m = |f: &str| Filter::parse(f).map_or_else(|e| panic!("{f}: {e}"), |f| f.matches(&r));
        assert!(m("userName eq \"ada@example.com\""));
        assert!(m("USERNAME Eq \"ADA@example.com\""));
        assert!(!m("externalId eq \"00U1\""), "externalId is case-exact");
        assert!(m("externalId eq \"00u1\""));
        assert!(m("emails.value co \"@example\""));
        assert!(m("emails[type eq \"work\" and value sw \"ada\"]"));
        assert!(m("name.givenName sw \"a\" and (active eq true or userName eq \"x\")"));
        assert!(!m("not (active eq true)"));
        assert!(m("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"42\""));
        assert!(m("urn:ietf:params:scim:schemas:core:2.0:User:userName pr"));
        assert!(m("userName eq \"nobody\" or emails.value ew \".com\""));
        assert!(!m("displayName pr"));
        for bad in ["userName", "userName eq", "userName zz \"x\"", "(userName eq \"x\"", "userName eq \"x", "eq \"x\""] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn patch_paths() {
        let p = PatchPath::parse("emails[type eq \"work\"].value").unwrap();
        assert_eq!(p.path.attr, "emails");
        assert_eq!(p.path.sub.as_deref(), Some("value"));
        assert!(p.filter.is_some());
        let p = PatchPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager").unwrap();
        assert_eq!(p.path.schema.as_deref(), Some(ENTERPRISE));
        assert_eq!(p.path.attr, "manager");
        let p = PatchPath::parse("members[value eq \"2819c223\"]").unwrap();
        assert_eq!(p.filter.as_ref().and_then(Filter::as_equality).map(|(a, _)| a), Some("value"));
        assert!(PatchPath::parse("emails[type eq").is_err());
    }
}
