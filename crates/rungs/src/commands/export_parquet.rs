//! `rungs export --format parquet --out DIR`: the ledger (`events.parquet`) and the
//! people table (`people.parquet`) as Apache Parquet, so the same analyses can run on
//! DuckDB, Spark or pandas when an organization outgrows one server
//! (docs/ANALYTICS.md, *Parquet export*).
//!
//! Written with the `parquet` crate's low-level column writers (no Arrow): events are
//! read from the store in chunks and written in row groups of [`ROW_GROUP`] rows, so
//! memory stays bounded whatever the ledger's size. Dictionary encoding is on (kinds,
//! subjects and actors repeat); no compression codec is built in, to keep the build
//! small (docs/ARCHITECTURE.md).

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};
use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use rungs_core::event::Event;
use rungs_core::person::Person;
use rungs_core::store::Store;

use super::the_org;

/// Rows per row group: about 40 MB of buffered column data for events.
pub const ROW_GROUP: usize = 128 * 1024;
/// Events per store read.
const CHUNK: u32 = 10_000;

/// The events file's schema. `target` is the event a reversal or validation points at;
/// `payload` is the kind-specific JSON (as in the API and the JSONL export).
pub const EVENTS_SCHEMA: &str = "
message event {
  REQUIRED INT64 seq;
  REQUIRED BINARY id (UTF8);
  REQUIRED BINARY kind (UTF8);
  REQUIRED BINARY subject (UTF8);
  OPTIONAL BINARY actor (UTF8);
  REQUIRED INT64 occurred_at (TIMESTAMP(MICROS,true));
  REQUIRED INT64 recorded_at (TIMESTAMP(MICROS,true));
  OPTIONAL BINARY target (UTF8);
  REQUIRED GROUP competencies (LIST) {
    REPEATED GROUP list {
      REQUIRED BINARY element (UTF8);
    }
  }
  REQUIRED GROUP evidence (LIST) {
    REPEATED GROUP list {
      REQUIRED BINARY element (UTF8);
    }
  }
  REQUIRED BINARY payload (UTF8);
}";

/// The people file's schema: the people projection as of the export. `sensitive` is a
/// JSON object (attribute → value), as the API's people-team view gives it.
pub const PEOPLE_SCHEMA: &str = "
message person {
  REQUIRED BINARY id (UTF8);
  REQUIRED BINARY name (UTF8);
  REQUIRED BINARY email (UTF8);
  OPTIONAL BINARY manager_id (UTF8);
  OPTIONAL BINARY department (UTF8);
  OPTIONAL BINARY location (UTF8);
  REQUIRED BINARY status (UTF8);
  REQUIRED INT64 hired_at (TIMESTAMP(MICROS,true));
  OPTIONAL INT64 ended_at (TIMESTAMP(MICROS,true));
  OPTIONAL BINARY end_reason (UTF8);
  REQUIRED BINARY track (UTF8);
  REQUIRED BINARY level (UTF8);
  REQUIRED BINARY title (UTF8);
  OPTIONAL BINARY scope (UTF8);
  REQUIRED INT64 level_since (TIMESTAMP(MICROS,true));
  OPTIONAL INT64 last_promotion_at (TIMESTAMP(MICROS,true));
  OPTIONAL INT64 last_progression_at (TIMESTAMP(MICROS,true));
  REQUIRED INT64 micro_progressions;
  REQUIRED INT64 micro_promotions;
  REQUIRED INT64 promotions;
  REQUIRED INT64 recognitions_received;
  OPTIONAL BINARY pay_band (UTF8);
  REQUIRED BINARY sensitive (UTF8);
}";

/// One column's values for the row group being built, with the definition and
/// repetition levels Parquet needs for optional and list columns.
enum Column {
    Int {
        vals: Vec<i64>,
        def: Option<Vec<i16>>,
    },
    Text {
        vals: Vec<ByteArray>,
        def: Option<Vec<i16>>,
    },
    /// A required list of required strings: definition 0 = empty list, 1 = an element;
    /// repetition 0 starts a row, 1 continues it.
    List {
        vals: Vec<ByteArray>,
        def: Vec<i16>,
        rep: Vec<i16>,
    },
}

impl Column {
    fn int() -> Column {
        Column::Int { vals: vec![], def: None }
    }
    fn opt_int() -> Column {
        Column::Int { vals: vec![], def: Some(vec![]) }
    }
    fn text() -> Column {
        Column::Text { vals: vec![], def: None }
    }
    fn opt_text() -> Column {
        Column::Text { vals: vec![], def: Some(vec![]) }
    }
    fn list() -> Column {
        Column::List { vals: vec![], def: vec![], rep: vec![] }
    }

    fn push_int(&mut self, v: Option<i64>) {
        if let Column::Int { vals, def } = self {
            if let Some(d) = def {
                d.push(i16::from(v.is_some()));
            }
            vals.extend(v);
        }
    }

    fn push_text(&mut self, v: Option<&str>) {
        if let Column::Text { vals, def } = self {
            if let Some(d) = def {
                d.push(i16::from(v.is_some()));
            }
            vals.extend(v.map(|s| ByteArray::from(s.as_bytes().to_vec())));
        }
    }

    fn push_list(&mut self, items: &[String]) {
        if let Column::List { vals, def, rep } = self {
            if items.is_empty() {
                def.push(0);
                rep.push(0);
            }
            for (i, s) in items.iter().enumerate() {
                def.push(1);
                rep.push(i16::from(i > 0));
                vals.push(ByteArray::from(s.as_bytes().to_vec()));
            }
        }
    }

    fn clear(&mut self) {
        match self {
            Column::Int { vals, def } => {
                vals.clear();
                def.iter_mut().for_each(Vec::clear);
            }
            Column::Text { vals, def } => {
                vals.clear();
                def.iter_mut().for_each(Vec::clear);
            }
            Column::List { vals, def, rep } => {
                vals.clear();
                def.clear();
                rep.clear();
            }
        }
    }
}

/// A Parquet file being written, one row group per [`Table::flush`].
struct Table {
    writer: SerializedFileWriter<BufWriter<File>>,
    columns: Vec<Column>,
    rows: usize,
    row_group: usize,
}

impl Table {
    fn create(path: &Path, schema: &str, columns: Vec<Column>, row_group: usize) -> anyhow::Result<Table> {
        let schema = Arc::new(parse_message_type(schema).context("the Parquet schema")?);
        let props = Arc::new(WriterProperties::builder().set_created_by(format!("rungs {}", env!("CARGO_PKG_VERSION"))).build());
        let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let writer = SerializedFileWriter::new(BufWriter::new(file), schema, props)?;
        Ok(Table { writer, columns, rows: 0, row_group: row_group.max(1) })
    }

    /// Write the buffered rows as one row group.
    fn flush(&mut self) -> anyhow::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut rg = self.writer.next_row_group()?;
        let mut columns = self.columns.iter_mut();
        while let Some(mut w) = rg.next_column()? {
            let c = columns.next().context("the schema has more columns than the exporter")?;
            match c {
                Column::Int { vals, def } => {
                    w.typed::<Int64Type>().write_batch(vals, def.as_deref(), None)?;
                }
                Column::Text { vals, def } => {
                    w.typed::<ByteArrayType>().write_batch(vals, def.as_deref(), None)?;
                }
                Column::List { vals, def, rep } => {
                    w.typed::<ByteArrayType>().write_batch(vals, Some(def), Some(rep))?;
                }
            }
            w.close()?;
            c.clear();
        }
        rg.close()?;
        self.rows = 0;
        Ok(())
    }

    /// One row is complete; a full row group is written out.
    fn row_done(&mut self) -> anyhow::Result<()> {
        self.rows += 1;
        if self.rows >= self.row_group { self.flush() } else { Ok(()) }
    }

    fn close(mut self) -> anyhow::Result<()> {
        self.flush()?;
        self.writer.close()?;
        Ok(())
    }
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn add_event(t: &mut Table, e: &Event) -> anyhow::Result<()> {
    let body = serde_json::to_value(&e.body)?;
    let payload = body.get("payload").map_or_else(|| "{}".to_string(), ToString::to_string);
    let c = &mut t.columns;
    c[0].push_int(Some(e.seq));
    c[1].push_text(Some(&e.id.to_string()));
    c[2].push_text(Some(e.kind().as_str()));
    c[3].push_text(Some(&e.subject.to_string()));
    c[4].push_text(e.actor.map(|a| a.to_string()).as_deref());
    c[5].push_int(Some(micros(e.occurred_at)));
    c[6].push_int(Some(micros(e.recorded_at)));
    c[7].push_text(e.body.target().map(|a| a.to_string()).as_deref());
    c[8].push_list(&e.competencies);
    c[9].push_list(&e.evidence);
    c[10].push_text(Some(&payload));
    t.row_done()
}

fn add_person(t: &mut Table, p: &Person) -> anyhow::Result<()> {
    let c = &mut t.columns;
    c[0].push_text(Some(&p.id.to_string()));
    c[1].push_text(Some(&p.name));
    c[2].push_text(Some(&p.email));
    c[3].push_text(p.manager_id.map(|m| m.to_string()).as_deref());
    c[4].push_text(p.department.as_deref());
    c[5].push_text(p.location.as_deref());
    c[6].push_text(Some(p.status.as_str()));
    c[7].push_int(Some(micros(p.hired_at)));
    c[8].push_int(p.ended_at.map(micros));
    c[9].push_text(p.end_reason.as_deref());
    c[10].push_text(Some(&p.position.track));
    c[11].push_text(Some(&p.position.level));
    c[12].push_text(Some(&p.position.title));
    c[13].push_text(p.scope.as_deref());
    c[14].push_int(Some(micros(p.level_since)));
    c[15].push_int(p.last_promotion_at.map(micros));
    c[16].push_int(p.last_progression_at.map(micros));
    c[17].push_int(Some(i64::from(p.micro_progressions)));
    c[18].push_int(Some(i64::from(p.micro_promotions)));
    c[19].push_int(Some(i64::from(p.promotions)));
    c[20].push_int(Some(i64::from(p.recognitions_received)));
    c[21].push_text(p.pay_band.as_deref());
    c[22].push_text(Some(&serde_json::to_string(&p.sensitive)?));
    t.row_done()
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    pub events: u64,
    pub people: u64,
}

/// Write `events.parquet` and `people.parquet` into `dir` (created if missing), in row
/// groups of [`ROW_GROUP`] rows.
pub async fn export_parquet(store: &dyn Store, dir: &Path) -> anyhow::Result<Exported> {
    export_parquet_in(store, dir, ROW_GROUP).await
}

/// The same with row groups of `row_group` rows (tests use small ones).
pub async fn export_parquet_in(store: &dyn Store, dir: &Path, row_group: usize) -> anyhow::Result<Exported> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let org = the_org(store).await?;
    let events_columns = vec![
        Column::int(),
        Column::text(),
        Column::text(),
        Column::text(),
        Column::opt_text(),
        Column::int(),
        Column::int(),
        Column::opt_text(),
        Column::list(),
        Column::list(),
        Column::text(),
    ];
    let mut events = Table::create(&dir.join("events.parquet"), EVENTS_SCHEMA, events_columns, row_group)?;
    let (mut after, mut n) = (0i64, 0u64);
    loop {
        let chunk = store.export_events(org.id, after, CHUNK).await?;
        let Some(last) = chunk.last() else { break };
        after = last.seq;
        for e in &chunk {
            add_event(&mut events, e)?;
            n += 1;
        }
    }
    events.close()?;

    let (t, o, x) = (Column::text, Column::opt_text, Column::opt_int);
    let i = Column::int;
    let people_columns = vec![t(), t(), t(), o(), o(), o(), t(), i(), x(), o(), t(), t(), t(), o(), i(), x(), x(), i(), i(), i(), i(), o(), t()];
    let mut people = Table::create(&dir.join("people.parquet"), PEOPLE_SCHEMA, people_columns, row_group)?;
    let everyone = store.all_people(org.id).await?;
    for p in &everyone {
        add_person(&mut people, p)?;
    }
    people.close()?;
    Ok(Exported { events: n, people: everyone.len() as u64 })
}
