//! Importing career history from an HR system: a CSV export plus a column-mapping file
//! (`mapping.rs`, docs/HISTORY_IMPORT.md) become ledger events — `hired`, `promotion`,
//! `lateral_move`, `departure` — so that the analytics (retention curves, what-works)
//! have a past. Two kinds of export:
//!
//! - **snapshot**: one row per person as of a day: years at the company, years since
//!   the last promotion, left yes/no. The hire is dated back from the day; the last
//!   promotion too (hired one level below, when the track has one); a leaver's
//!   departure is dated on the export's day (the snapshot gives tenure, not when).
//! - **history**: dated rows (hire, promotion, lateral move, termination), or one row
//!   per person with hire and termination dates, in any order.
//!
//! Every bad row is reported with its line number and all its reasons, and nothing is
//! stored while any remains.

pub mod mapping;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rungs_core::event::{Departure, DepartureReason, EventBody, Hired, LateralMove, NewEvent, Promotion};
use rungs_core::framework::Framework;
use rungs_core::person::Position;
use rungs_core::store::{AppendBatch, Store};
use rungs_core::{EventId, OrgId, PersonId};

pub use mapping::{Kind, Mapping};

use crate::people_csv::RowError;
use crate::{AppError, Viewer};

/// Events per append.
const BATCH: usize = 5_000;
const DAYS_PER_YEAR: f64 = 365.25;

/// What a history import found, and did.
#[derive(Debug, Default)]
pub struct HistoryReport {
    pub errors: Vec<RowError>,
    pub rows: usize,
    pub people: usize,
    pub events: usize,
    /// True when the events were written (no bad row).
    pub imported: bool,
}

/// The header's column positions, by the mapping's names.
struct Header(HashMap<String, usize>);

impl Header {
    fn find(&self, name: &Option<String>) -> Option<usize> {
        name.as_ref().and_then(|n| self.0.get(n.trim()).copied())
    }
}

/// A row's cells, and its reasons for being bad.
struct Row<'a> {
    rec: &'a csv::StringRecord,
    reasons: Vec<String>,
}

impl Row<'_> {
    fn get(&self, col: Option<usize>) -> Option<&str> {
        col.and_then(|i| self.rec.get(i)).map(str::trim).filter(|s| !s.is_empty())
    }

    fn number(&mut self, field: &str, col: Option<usize>) -> Option<f64> {
        let raw = self.get(col)?.to_string();
        match raw.replace(',', ".").parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Some(x),
            _ => {
                self.reasons.push(format!("{field}: '{raw}' is not a number of years (0 or more)"));
                None
            }
        }
    }

    fn date(&mut self, field: &str, col: Option<usize>, format: &str) -> Option<DateTime<Utc>> {
        let raw = self.get(col)?.to_string();
        match NaiveDate::parse_from_str(&raw, format).or_else(|_| NaiveDate::parse_from_str(&raw, "%Y/%m/%d")) {
            Ok(d) => Some(Utc.from_utc_datetime(&d.and_hms_opt(9, 0, 0).unwrap_or_default())),
            Err(_) => {
                self.reasons.push(format!("{field}: '{raw}' is not a date in the format {format}"));
                None
            }
        }
    }
}

/// What a person becomes: their hire, then dated changes.
#[derive(Debug, Clone)]
struct Person {
    line: u64,
    hired: Option<(DateTime<Utc>, Hired)>,
    changes: Vec<(DateTime<Utc>, u64, EventBody)>,
}

/// Read the export against the mapping and the framework. `known_emails`: people
/// already in Rungs (a person's email may not be taken twice). Returns the events
/// (in date order) and the bad rows; a mapping that names a column the file lacks is
/// an error on the whole file.
pub fn plan(
    data: &[u8],
    m: &Mapping,
    fw: &Framework,
    known_emails: &HashSet<String>,
    org: OrgId,
    now: DateTime<Utc>,
) -> Result<(Vec<NewEvent>, HistoryReport), String> {
    // Exports from Windows: a byte-order mark and CRLF line ends (the csv crate counts
    // lines one short after a CRLF header, so normalise first to keep line numbers).
    let text = String::from_utf8_lossy(data);
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header = rdr.headers().map_err(|e| format!("line 1: cannot read the header row: {e}"))?.clone();
    let h = Header(header.iter().enumerate().map(|(i, n)| (n.trim().to_string(), i)).collect());
    let c = &m.columns;
    let id_col = Some(c.id.clone());
    let named: Vec<(&str, &Option<String>)> = vec![
        ("id", &id_col),
        ("email", &c.email),
        ("name", &c.name),
        ("department", &c.department),
        ("track", &c.track),
        ("level", &c.level),
        ("title", &c.title),
        ("years_at_company", &c.years_at_company),
        ("years_since_last_promotion", &c.years_since_last_promotion),
        ("left", &c.left),
        ("event", &c.event),
        ("date", &c.date),
        ("hire_date", &c.hire_date),
        ("termination_date", &c.termination_date),
        ("reason", &c.reason),
    ];
    let mut missing: Vec<String> = named
        .iter()
        .filter(|(_, n)| n.is_some() && h.find(n).is_none())
        .map(|(k, n)| format!("columns.{k}: no column '{}' in the header", n.as_deref().unwrap_or_default()))
        .collect();
    missing
        .extend(m.sensitive.iter().filter(|(_, col)| !h.0.contains_key(col.trim())).map(|(k, col)| format!("sensitive.{k}: no column '{col}' in the header")));
    if !missing.is_empty() {
        return Err(missing.join("; "));
    }
    let col = |n: &Option<String>| h.find(n);
    let mut report = HistoryReport::default();
    let mut people: BTreeMap<String, Person> = BTreeMap::new();
    let mut order: Vec<String> = vec![];
    for (k, rec) in rdr.records().enumerate() {
        let line = rec.as_ref().ok().and_then(|r| r.position()).map_or(k as u64 + 2, csv::Position::line);
        report.rows += 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                report.errors.push(RowError { line, reasons: vec![format!("cannot read the row: {e}")] });
                continue;
            }
        };
        let mut row = Row { rec: &rec, reasons: vec![] };
        let Some(id) = row.get(col(&id_col)).map(str::to_string) else {
            report.errors.push(RowError { line, reasons: vec![format!("{}: the person's id is empty", c.id)] });
            continue;
        };
        // Only rows that place someone need a position (not a termination row).
        let ev = &m.events;
        let event = row.get(col(&c.event)).map(str::to_string);
        let places = m.kind == Kind::Snapshot
            || row.get(col(&c.hire_date)).is_some()
            || event.as_deref().is_some_and(|e| mapping::is(&ev.hire, e) || mapping::is(&ev.promotion, e) || mapping::is(&ev.lateral, e));
        let position = if places { position(&mut row, m, fw, |f| col(f)) } else { None };
        let profile = |row: &Row, position: Position| -> Hired {
            let email = row.get(col(&c.email)).map_or_else(|| format!("{}@{}", slug(&id), m.email_domain), str::to_lowercase);
            Hired {
                name: row.get(col(&c.name)).map_or_else(|| format!("Employee {id}"), str::to_string),
                email,
                manager_id: None,
                department: row.get(col(&c.department)).map(str::to_string).or_else(|| m.defaults.department.clone()),
                location: None,
                position,
                pay_band: None,
                sensitive: m.sensitive.iter().filter_map(|(k, cn)| row.get(h.0.get(cn.trim()).copied()).map(|v| (k.clone(), v.to_string()))).collect(),
            }
        };
        let reason = departure_reason(row.get(col(&c.reason)));
        let note = |what: &str| Some(format!("imported from HR history (line {line}{what})"));
        let mut p = Person { line, hired: None, changes: vec![] };
        match m.kind {
            Kind::Snapshot => {
                let as_of = Utc.from_utc_datetime(&m.as_of.unwrap_or_default().and_hms_opt(9, 0, 0).unwrap_or_default());
                let years = row.number("years_at_company", col(&c.years_at_company));
                if years.is_none() && row.reasons.is_empty() {
                    row.reasons.push("years_at_company: empty".into());
                }
                let since = row.number("years_since_last_promotion", col(&c.years_since_last_promotion));
                let left = match row.get(col(&c.left)) {
                    None => false,
                    Some(v) if mapping::is(&m.yes, v) => true,
                    Some(v) if mapping::is(&m.no, v) => false,
                    Some(v) => {
                        row.reasons.push(format!("left: '{v}' is neither yes ({}) nor no ({})", m.yes.join(", "), m.no.join(", ")));
                        false
                    }
                };
                if let (Some(y), Some(s)) = (years, since)
                    && s > y
                {
                    row.reasons.push(format!("years_since_last_promotion: {s} is more than years_at_company {y}"));
                }
                if as_of > now {
                    row.reasons.push("as_of: the snapshot's day is in the future".into());
                }
                if let (Some(y), Some(pos)) = (years, position.clone())
                    && row.reasons.is_empty()
                {
                    let hired = as_of - Duration::seconds((y * DAYS_PER_YEAR * 86_400.0) as i64);
                    let promoted = since.filter(|s| *s + 1.0 / DAYS_PER_YEAR < y).map(|s| as_of - Duration::seconds((s * DAYS_PER_YEAR * 86_400.0) as i64));
                    // Promoted into the level held: hired one level below when there is one.
                    let below = promoted.and_then(|_| level_below(fw, &pos));
                    p.hired = Some((hired, profile(&row, below.clone().unwrap_or_else(|| pos.clone()))));
                    if let Some(at) = promoted {
                        p.changes.push((at, line, EventBody::Promotion(Promotion { to: pos, pay_band: None, note: note("") })));
                    }
                    if left {
                        p.changes.push((as_of, line, EventBody::Departure(Departure { reason, note: note(", dated on the snapshot's day") })));
                    }
                }
            }
            Kind::History => {
                let hire = row.date("hire_date", col(&c.hire_date), &m.date_format);
                let end = row.date("termination_date", col(&c.termination_date), &m.date_format);
                let at = row.date("date", col(&c.date), &m.date_format);
                for d in [hire, end, at].into_iter().flatten() {
                    if d > now {
                        row.reasons.push(format!("{}: in the future", d.date_naive()));
                    }
                }
                let (mut hire_at, mut end_at) = (hire, end);
                match (event.as_deref(), at) {
                    (None, _) => {}
                    (Some(e), None) => row.reasons.push(format!("date: a '{e}' row needs its date")),
                    (Some(e), Some(d)) if mapping::is(&ev.hire, e) => hire_at = hire_at.or(Some(d)),
                    (Some(e), Some(d)) if mapping::is(&ev.termination, e) => end_at = end_at.or(Some(d)),
                    (Some(e), Some(d)) if mapping::is(&ev.promotion, e) || mapping::is(&ev.lateral, e) => {
                        if let Some(pos) = position.clone() {
                            let body = if mapping::is(&ev.promotion, e) {
                                EventBody::Promotion(Promotion { to: pos, pay_band: None, note: note("") })
                            } else {
                                let department = row.get(col(&c.department)).map(str::to_string);
                                EventBody::LateralMove(LateralMove { to: Some(pos), department, manager_id: None, note: note("") })
                            };
                            p.changes.push((d, line, body));
                        }
                    }
                    (Some(e), Some(_)) => row.reasons.push(format!(
                        "event: '{e}' is none of hire ({}), promotion ({}), lateral ({}), termination ({})",
                        ev.hire.join(", "),
                        ev.promotion.join(", "),
                        ev.lateral.join(", "),
                        ev.termination.join(", ")
                    )),
                }
                if event.is_none() && hire.is_none() && end.is_none() {
                    row.reasons.push("no date on the row: hire_date, termination_date or event and date".into());
                }
                if let (Some(h0), Some(pos)) = (hire_at, position.clone()) {
                    p.hired = Some((h0, profile(&row, pos)));
                }
                if let Some(e) = end_at {
                    p.changes.push((e, line, EventBody::Departure(Departure { reason, note: note("") })));
                }
            }
        }
        if !row.reasons.is_empty() {
            report.errors.push(RowError { line, reasons: row.reasons });
            continue;
        }
        match people.get_mut(&id) {
            None => {
                order.push(id.clone());
                people.insert(id, p);
            }
            Some(_) if m.kind == Kind::Snapshot => {
                report.errors.push(RowError { line, reasons: vec![format!("{}: '{id}' is on line {} too", c.id, people[&id].line)] });
            }
            Some(q) => {
                if p.hired.is_some() && q.hired.is_some() {
                    report.errors.push(RowError { line, reasons: vec![format!("'{id}' is hired on line {} already", q.line)] });
                    continue;
                }
                q.hired = q.hired.take().or(p.hired);
                q.changes.extend(p.changes);
            }
        }
    }
    let events = to_events(&order, people, known_emails, org, now, &mut report);
    report.errors.sort_by_key(|e| e.line);
    report.events = events.len();
    Ok((events, report))
}

fn to_events(
    order: &[String],
    mut people: BTreeMap<String, Person>,
    known: &HashSet<String>,
    org: OrgId,
    now: DateTime<Utc>,
    report: &mut HistoryReport,
) -> Vec<NewEvent> {
    let mut emails: HashMap<String, u64> = HashMap::new();
    let mut events = vec![];
    for id in order {
        let Some(p) = people.remove(id) else { continue };
        let Some((hired_at, hired)) = p.hired else {
            report.errors.push(RowError { line: p.line, reasons: vec![format!("'{id}' has no hire (a hire row, or hire_date)")] });
            continue;
        };
        let mut bad = vec![];
        if known.contains(&hired.email) {
            bad.push(format!("email: {} is already in Rungs", hired.email));
        }
        if let Some(first) = emails.insert(hired.email.clone(), p.line) {
            bad.push(format!("email: {} is on line {first} too", hired.email));
        }
        let mut changes = p.changes;
        changes.sort_by_key(|c| c.0);
        for (at, line, body) in &changes {
            if *at < hired_at {
                bad.push(format!("line {line}: {} on {} is before the hire on {}", body.kind().as_str(), at.date_naive(), hired_at.date_naive()));
            }
        }
        if let Some(i) = changes.iter().position(|c| matches!(c.2, EventBody::Departure(_)))
            && i + 1 < changes.len()
        {
            bad.push(format!("line {}: {} after the termination", changes[i + 1].1, changes[i + 1].2.kind().as_str()));
        }
        if !bad.is_empty() {
            report.errors.push(RowError { line: p.line, reasons: bad });
            continue;
        }
        report.people += 1;
        let subject = PersonId::new();
        let ev = |at: DateTime<Utc>, body| NewEvent {
            id: EventId::new(),
            org_id: org,
            subject,
            actor: None,
            occurred_at: at,
            recorded_at: now,
            body,
            competencies: vec![],
            evidence: vec![],
            idempotency_key: None,
        };
        events.push(ev(hired_at, EventBody::Hired(hired)));
        events.extend(changes.into_iter().map(|(at, _, body)| ev(at, body)));
    }
    // Date order: everyone's hire before their later events, whatever the batches.
    events.sort_by_key(|e| (e.occurred_at, !matches!(e.body, EventBody::Hired(_))));
    events
}

/// The row's position: track, level and title from their columns or the defaults,
/// checked against the framework.
fn position(row: &mut Row, m: &Mapping, fw: &Framework, col: impl Fn(&Option<String>) -> Option<usize>) -> Option<Position> {
    let c = &m.columns;
    let track = row.get(col(&c.track)).map(str::to_string).or_else(|| m.defaults.track.clone());
    let level = row.get(col(&c.level)).map(str::to_string).or_else(|| m.defaults.level.clone());
    let (Some(track), Some(level)) = (track, level) else {
        row.reasons.push("track and level: neither a column nor a default gives them".into());
        return None;
    };
    let Some(t) = fw.track(&track) else {
        let known: Vec<&str> = fw.tracks.iter().map(|t| t.key.as_str()).collect();
        row.reasons.push(format!("track: '{track}' is not in the framework ({})", known.join(", ")));
        return None;
    };
    let Some(l) = t.levels.iter().find(|l| l.key == level) else {
        let known: Vec<&str> = t.levels.iter().map(|l| l.key.as_str()).collect();
        row.reasons.push(format!("level: '{level}' is not a level of {track} ({})", known.join(", ")));
        return None;
    };
    let title = row.get(col(&c.title)).map(str::to_string).or_else(|| m.defaults.title.clone()).unwrap_or_else(|| l.title.clone());
    Some(Position { track, level, title })
}

fn level_below(fw: &Framework, p: &Position) -> Option<Position> {
    let t = fw.track(&p.track)?;
    let i = t.levels.iter().position(|l| l.key == p.level)?;
    let l = t.levels.get(i.checked_sub(1)?)?;
    Some(Position { track: p.track.clone(), level: l.key.clone(), title: l.title.clone() })
}

fn departure_reason(raw: Option<&str>) -> DepartureReason {
    match raw.map(|r| r.trim().to_lowercase()).as_deref() {
        Some("voluntary" | "resignation" | "resigned") => DepartureReason::Voluntary,
        Some("involuntary" | "dismissal" | "layoff" | "terminated") => DepartureReason::Involuntary,
        Some("retirement" | "retired") => DepartureReason::Retirement,
        _ => DepartureReason::Other,
    }
}

fn slug(id: &str) -> String {
    let s: String = id.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("hr-{s}")
}

/// Import on behalf of `actor` (`None`: the operator's CLI) into `org`: nothing is
/// written while any row is bad. A mapping that cannot be read is `Invalid` on
/// `mapping`, a file that cannot be read on `file`.
pub async fn import(
    store: &dyn Store,
    org: OrgId,
    actor: Option<PersonId>,
    data: &[u8],
    mapping_text: &str,
    now: DateTime<Utc>,
) -> Result<HistoryReport, AppError> {
    let m = mapping::parse(mapping_text).map_err(|e| AppError::invalid("mapping", e))?;
    let fw = store.framework(org).await?;
    let known: HashSet<String> = store.all_people(org).await?.into_iter().map(|p| p.email).collect();
    let (mut events, mut report) = plan(data, &m, &fw, &known, org, now).map_err(|e| AppError::invalid("file", e))?;
    if !report.errors.is_empty() || events.is_empty() {
        return Ok(report);
    }
    for e in &mut events {
        e.actor = actor;
    }
    for chunk in events.chunks(BATCH) {
        store.append(AppendBatch { org_id: org, events: chunk.to_vec(), claim: None }).await?;
    }
    report.imported = true;
    Ok(report)
}

/// [`import`] for the people team.
pub async fn import_as(store: &dyn Store, viewer: &Viewer, data: &[u8], mapping_text: &str) -> Result<HistoryReport, AppError> {
    if !crate::access::Capabilities::of(viewer.role).add_people {
        return Err(AppError::Forbidden("only the people team can import history".into()));
    }
    import(store, viewer.org_id, viewer.person_id, data, mapping_text, Utc::now()).await
}

#[cfg(test)]
mod tests;
