//! Reading an HR-system export of people (CSV, one row per person). Header names are
//! matched loosely (`Work Email`, `work_email` and `email` are the same column) because
//! every HR system spells them differently. Every bad row is reported with its line
//! number and all its reasons; nothing is imported from a file with errors unless the
//! caller asks to skip them.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rungs_core::event::{Departure, DepartureReason, EventBody, Hired, NewEvent};
use rungs_core::framework::Framework;
use rungs_core::person::Position;
use rungs_core::text::{parse_email, parse_optional_text, parse_text};
use rungs_core::{EventId, OrgId, PersonId};

/// One good row.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRow {
    pub line: u64,
    pub email: String,
    pub name: String,
    pub manager_email: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub hired_at: DateTime<Utc>,
    pub track: String,
    pub level: String,
    pub title: String,
    pub pay_band: Option<String>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
    pub sensitive: BTreeMap<String, String>,
}

/// One bad row: its line and every reason.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    pub line: u64,
    pub reasons: Vec<String>,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reasons.join("; "))
    }
}

/// Result of reading a file: good rows (managers before their reports) and bad rows.
#[derive(Debug, Default)]
pub struct ParsedFile {
    pub rows: Vec<PersonRow>,
    pub errors: Vec<RowError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Email,
    Name,
    FirstName,
    LastName,
    ManagerEmail,
    Department,
    Location,
    HireDate,
    Track,
    Level,
    Title,
    PayBand,
    EndDate,
    EndReason,
}

fn column(header: &str) -> Option<Col> {
    let h: String = header.trim().trim_start_matches('\u{feff}').to_lowercase().chars().filter(|c| c.is_alphanumeric()).collect();
    Some(match h.as_str() {
        "email" | "workemail" | "emailaddress" | "mail" => Col::Email,
        "name" | "fullname" | "displayname" | "employeename" => Col::Name,
        "firstname" | "givenname" => Col::FirstName,
        "lastname" | "surname" | "familyname" => Col::LastName,
        "manageremail" | "manager" | "reportsto" | "supervisoremail" => Col::ManagerEmail,
        "department" | "dept" | "team" => Col::Department,
        "location" | "office" | "site" => Col::Location,
        "hiredate" | "startdate" | "dateofhire" | "hired" => Col::HireDate,
        "track" | "careertrack" | "jobfamily" => Col::Track,
        "level" | "joblevel" | "grade" => Col::Level,
        "title" | "jobtitle" | "position" => Col::Title,
        "payband" | "band" | "paygrade" => Col::PayBand,
        "enddate" | "terminationdate" | "leavedate" => Col::EndDate,
        "endreason" | "terminationreason" | "leavereason" => Col::EndReason,
        _ => return None,
    })
}

/// Parse a date as `YYYY-MM-DD` or `YYYY/MM/DD` (what HR exports use unambiguously).
fn parse_date(field: &str, raw: &str) -> Result<DateTime<Utc>, String> {
    let s = raw.trim();
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(s, "%Y/%m/%d"));
    match d {
        Ok(d) => Ok(Utc.from_utc_datetime(&d.and_hms_opt(9, 0, 0).unwrap_or_default())),
        Err(_) => Err(format!("{field}: '{s}' is not a date like 2024-03-31")),
    }
}

/// Read `data` against `fw`. `known_emails` are people already in the database, who
/// may be named as managers.
pub fn parse(data: &[u8], fw: &Framework, known_emails: &HashSet<String>) -> Result<ParsedFile, String> {
    // The csv crate counts lines one short after a CRLF header; Excel and most HR
    // systems write CRLF, so normalise line endings first to keep line numbers right.
    let normalised: Vec<u8>;
    let data = if data.windows(2).any(|w| w == b"\r\n") {
        normalised = String::from_utf8_lossy(data).replace("\r\n", "\n").into_bytes();
        normalised.as_slice()
    } else {
        data
    };
    let mut rdr = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(data);
    let headers = rdr.headers().map_err(|e| format!("line 1: cannot read the header row: {e}"))?.clone();
    let cols: Vec<Option<Col>> = headers.iter().map(column).collect();
    let has = |c: Col| cols.contains(&Some(c));
    let mut missing = vec![];
    if !has(Col::Email) {
        missing.push("email");
    }
    if !(has(Col::Name) || (has(Col::FirstName) && has(Col::LastName))) {
        missing.push("name (or first_name and last_name)");
    }
    for (c, n) in [(Col::HireDate, "hire_date"), (Col::Track, "track"), (Col::Level, "level")] {
        if !has(c) {
            missing.push(n);
        }
    }
    if !missing.is_empty() {
        return Err(format!("line 1: missing column(s): {}", missing.join(", ")));
    }
    let sensitive_cols: Vec<(usize, String)> =
        headers.iter().enumerate().filter_map(|(i, h)| h.trim().to_lowercase().strip_prefix("sensitive_").map(|k| (i, k.to_string()))).collect();

    let mut out = ParsedFile::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                out.errors.push(RowError { line, reasons: vec![format!("unreadable CSV: {e}")] });
                continue;
            }
        };
        let line = rec.position().map_or(0, csv::Position::line);
        if rec.iter().all(str::is_empty) {
            continue;
        }
        if rec.len() != headers.len() {
            out.errors.push(RowError { line, reasons: vec![format!("has {} fields, the header has {}", rec.len(), headers.len())] });
            continue;
        }
        let get = |c: Col| cols.iter().position(|x| *x == Some(c)).and_then(|i| rec.get(i)).unwrap_or("");
        match parse_row(line, &get, fw, &sensitive_cols, &rec) {
            Ok(row) => {
                if let Some(first) = seen.get(&row.email) {
                    out.errors.push(RowError { line, reasons: vec![format!("email: {} is already on line {first}", row.email)] });
                } else {
                    seen.insert(row.email.clone(), line);
                    out.rows.push(row);
                }
            }
            Err(reasons) => out.errors.push(RowError { line, reasons }),
        }
    }
    check_managers(&mut out, known_emails);
    out.errors.sort_by_key(|e| e.line);
    Ok(out)
}

fn parse_row<'r>(
    line: u64,
    get: &dyn Fn(Col) -> &'r str,
    fw: &Framework,
    sensitive_cols: &[(usize, String)],
    rec: &csv::StringRecord,
) -> Result<PersonRow, Vec<String>> {
    let mut reasons = vec![];
    let mut take = |r: Result<String, rungs_core::ValidationError>| match r {
        Ok(v) => v,
        Err(e) => {
            reasons.extend(e.errors.into_iter().map(|f| format!("{}: {}", f.field, f.reason)));
            String::new()
        }
    };
    let email = take(parse_email("email", get(Col::Email)));
    let raw_name = if get(Col::Name).is_empty() { format!("{} {}", get(Col::FirstName), get(Col::LastName)) } else { get(Col::Name).to_string() };
    let name = take(parse_text("name", &raw_name, 200));
    let track = get(Col::Track).to_lowercase();
    let level = get(Col::Level).to_lowercase();
    let mut title = get(Col::Title).to_string();
    match fw.track(&track) {
        None => reasons.push(format!("track: unknown track '{track}'")),
        Some(t) => match t.levels.iter().find(|l| l.key == level) {
            None => reasons.push(format!("level: unknown level '{level}' in track '{track}'")),
            // A blank title takes the level's title: exports often leave it empty.
            Some(l) if title.is_empty() => title = l.title.clone(),
            Some(_) => {}
        },
    }
    let opt = |field: &str, c: Col, max: usize| parse_optional_text(field, Some(get(c)), max);
    let department = opt("department", Col::Department, 200);
    let location = opt("location", Col::Location, 200);
    let pay_band = opt("pay_band", Col::PayBand, 50);
    let mut opt_take = |r: Result<Option<String>, rungs_core::ValidationError>| match r {
        Ok(v) => v,
        Err(e) => {
            reasons.extend(e.errors.into_iter().map(|f| format!("{}: {}", f.field, f.reason)));
            None
        }
    };
    let (department, location, pay_band) = (opt_take(department), opt_take(location), opt_take(pay_band));
    let manager_email = match get(Col::ManagerEmail) {
        "" => None,
        m => match parse_email("manager_email", m) {
            Ok(m) => Some(m),
            Err(e) => {
                reasons.extend(e.errors.into_iter().map(|f| format!("{}: {}", f.field, f.reason)));
                None
            }
        },
    };
    let hired_at = parse_date("hire_date", get(Col::HireDate)).map_err(|e| reasons.push(e)).ok();
    let ended_at = match get(Col::EndDate) {
        "" => None,
        s => parse_date("end_date", s).map_err(|e| reasons.push(e)).ok(),
    };
    if let (Some(h), Some(e)) = (hired_at, ended_at)
        && e < h
    {
        reasons.push("end_date: is before hire_date".into());
    }
    let end_reason = match (get(Col::EndReason).to_lowercase().as_str(), ended_at) {
        ("", Some(_)) => Some("other".to_string()),
        ("", None) => None,
        (r @ ("voluntary" | "involuntary" | "retirement" | "other"), Some(_)) => Some(r.to_string()),
        (_, None) => {
            reasons.push("end_reason: given without an end_date".into());
            None
        }
        (r, Some(_)) => {
            reasons.push(format!("end_reason: '{r}' is not one of voluntary, involuntary, retirement, other"));
            None
        }
    };
    if title.chars().count() > 200 {
        reasons.push("title: must be at most 200 characters".into());
    }
    if !email.is_empty() && manager_email.as_deref() == Some(email.as_str()) {
        reasons.push("manager_email: a person cannot manage themself".into());
    }
    let sensitive = sensitive_cols.iter().filter_map(|(i, k)| rec.get(*i).filter(|v| !v.is_empty()).map(|v| (k.clone(), v.to_string()))).collect();
    match hired_at {
        Some(hired_at) if reasons.is_empty() => {
            Ok(PersonRow { line, email, name, manager_email, department, location, hired_at, track, level, title, pay_band, ended_at, end_reason, sensitive })
        }
        _ => Err(reasons),
    }
}

/// Managers must exist (in the file or the database) and chains must not loop; then
/// order rows so every manager comes before their reports.
fn check_managers(out: &mut ParsedFile, known: &HashSet<String>) {
    let in_file: HashSet<String> = out.rows.iter().map(|r| r.email.clone()).collect();
    let mut bad = HashSet::new();
    for r in &out.rows {
        if let Some(m) = &r.manager_email
            && !in_file.contains(m)
            && !known.contains(m)
        {
            out.errors.push(RowError { line: r.line, reasons: vec![format!("manager_email: {m} is neither in this file nor in Rungs")] });
            bad.insert(r.email.clone());
        }
    }
    // Topological order; rows left over sit on a management loop.
    let by_email: HashMap<&str, &PersonRow> = out.rows.iter().map(|r| (r.email.as_str(), r)).collect();
    let mut placed: HashSet<String> = HashSet::new();
    let mut order: Vec<PersonRow> = Vec::with_capacity(out.rows.len());
    let mut pending: Vec<&PersonRow> = out.rows.iter().filter(|r| !bad.contains(&r.email)).collect();
    loop {
        let before = pending.len();
        pending.retain(|r| {
            let ready = match &r.manager_email {
                None => true,
                Some(m) => placed.contains(m) || (!by_email.contains_key(m.as_str()) && known.contains(m)),
            };
            if ready {
                placed.insert(r.email.clone());
                order.push((*r).clone());
            }
            !ready
        });
        if pending.is_empty() || pending.len() == before {
            break;
        }
    }
    for r in pending {
        let reason = match r.manager_email.as_deref().filter(|m| bad.contains(*m)) {
            Some(m) => format!("manager_email: {m} is on a bad row"),
            None => "manager_email: the reporting lines form a loop".to_string(),
        };
        out.errors.push(RowError { line: r.line, reasons: vec![reason] });
    }
    out.rows = order;
}

/// `hired` (and `departure`) events for rows not yet in Rungs, managers first.
/// Returns the events and how many rows were already present.
pub fn to_events(org: OrgId, rows: &[PersonRow], mut ids: HashMap<String, PersonId>) -> (Vec<NewEvent>, usize) {
    let now = Utc::now();
    let mut events = Vec::with_capacity(rows.len());
    let mut skipped = 0;
    for r in rows {
        if ids.contains_key(&r.email) {
            skipped += 1;
            continue;
        }
        let id = PersonId::new();
        ids.insert(r.email.clone(), id);
        let manager_id = r.manager_email.as_ref().and_then(|m| ids.get(m).copied());
        let ev = |at, body| NewEvent {
            id: EventId::new(),
            org_id: org,
            subject: id,
            actor: None,
            occurred_at: at,
            recorded_at: now,
            body,
            competencies: vec![],
            evidence: vec![],
            idempotency_key: None,
        };
        events.push(ev(
            r.hired_at,
            EventBody::Hired(Hired {
                name: r.name.clone(),
                email: r.email.clone(),
                manager_id,
                department: r.department.clone(),
                location: r.location.clone(),
                position: Position { track: r.track.clone(), level: r.level.clone(), title: r.title.clone() },
                pay_band: r.pay_band.clone(),
                sensitive: r.sensitive.clone(),
            }),
        ));
        if let Some(end) = r.ended_at {
            let reason = match r.end_reason.as_deref() {
                Some("voluntary") => DepartureReason::Voluntary,
                Some("involuntary") => DepartureReason::Involuntary,
                Some("retirement") => DepartureReason::Retirement,
                _ => DepartureReason::Other,
            };
            events.push(ev(end, EventBody::Departure(Departure { reason, note: None })));
        }
    }
    (events, skipped)
}

#[cfg(test)]
mod tests;
