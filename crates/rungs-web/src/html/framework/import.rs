//! The import form of `/framework` (`POST /framework/import`, and the older
//! `/framework/matrix`): a YAML framework, a CSV matrix or a Markdown ladder, uploaded or
//! pasted, its format detected or chosen. `action=preview` shows what would change;
//! `action=commit` (with the content the preview carried, and an answer for each pair
//! of names that may be one competency) saves a new version. The work is in
//! `rungs_app::framework`.

use std::collections::BTreeMap;

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use rungs_app::framework::ImportOutcome;
use rungs_app::{AppError, Viewer};
use rungs_core::framework::drift::{Confirmations, Decision};
use rungs_core::framework::format::Format;
use rungs_core::framework::ladder::{Mapping, MatrixPreview};
use rungs_core::store::Store;

use super::{ImportState, page};
use crate::AppState;
use crate::extract::AdminSession;
use crate::html::HtmlError;

/// Each flagged pair as the preview's radio group shows it.
pub(super) fn drift_choices(p: &MatrixPreview) -> Vec<minijinja::Value> {
    let side = |n: &rungs_core::framework::drift::DriftName| format!("{} ({})", n.levels.join(", "), n.at.join(", "));
    p.drift
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let decision = match d.decision {
                Some(Decision::Same) => "same",
                Some(Decision::Different) => "different",
                None => "",
            };
            minijinja::context! { i, a => d.a.name, b => d.b.name, a_at => side(&d.a), b_at => side(&d.b), why => d.why, pair => d.pair(), decision }
        })
        .collect()
}

/// A YAML framework in a line: what it holds.
pub(super) fn summary(o: &ImportOutcome) -> minijinja::Value {
    let f = &o.framework;
    let tracks: Vec<_> =
        f.tracks.iter().map(|t| minijinja::context! { name => t.name, levels => t.levels.iter().map(|l| l.title.clone()).collect::<Vec<_>>() }).collect();
    minijinja::context! {
        tracks, competencies => f.competencies.len(), expectations => f.expectations.len(),
        milestones => f.milestones.len(), tolerated => o.tolerated, changes => o.changes,
    }
}

/// The fields of the form, as sent.
#[derive(Default)]
struct Sent {
    csrf: String,
    commit: bool,
    pairs: BTreeMap<usize, String>,
    decisions: BTreeMap<usize, String>,
    /// The pairs a preview did not list, answered together.
    all_different: bool,
}

impl Sent {
    fn confirmations(&self) -> Confirmations {
        let mut c = Confirmations::default();
        for (i, pair) in &self.pairs {
            match self.decisions.get(i).map(String::as_str) {
                Some("same") => c.add(Decision::Same, pair.clone()),
                Some("different") => c.add(Decision::Different, pair.clone()),
                _ => {}
            }
        }
        if self.all_different {
            c.add(Decision::Different, "*");
        }
        c
    }
}

async fn read_form(form: &mut Multipart, im: &mut ImportState) -> Result<Sent, HtmlError> {
    let mut sent = Sent::default();
    let bad = |e: axum::extract::multipart::MultipartError| HtmlError::BadRequest(format!("the upload could not be read: {e}"));
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        let index = |prefix: &str| name.strip_prefix(prefix).and_then(|n| n.parse::<usize>().ok());
        match name.as_str() {
            "csrf" => sent.csrf = field.text().await.map_err(bad)?,
            "track" => im.track = field.text().await.map_err(bad)?,
            "format" => im.format = field.text().await.map_err(bad)?,
            "mapping" => im.mapping = field.text().await.map_err(bad)?.replace("\r\n", "\n"),
            "action" => sent.commit = field.text().await.map_err(bad)? == "commit",
            // Browsers send form text with CRLF line ends whatever the file had: not
            // something to report back as tolerated.
            "content" if im.content.is_empty() => im.content = field.text().await.map_err(bad)?.replace("\r\n", "\n"),
            "file" => {
                let file_name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(bad)?;
                if !bytes.is_empty() {
                    im.file = file_name;
                    // An upload wins over pasted text. A spreadsheet travels on to the
                    // commit as base64 in the form, like text does.
                    if rungs_core::framework::sheet::is_spreadsheet(&bytes) {
                        im.sheet_data = base64::engine::general_purpose::STANDARD.encode(&bytes);
                        im.content.clear();
                    } else {
                        im.content = String::from_utf8(bytes.to_vec()).map_err(|_| HtmlError::BadRequest("the file is not UTF-8 text".into()))?;
                    }
                }
            }
            "file_name" if im.file.is_empty() => im.file = field.text().await.map_err(bad)?,
            "sheet_data" if im.sheet_data.is_empty() => im.sheet_data = field.text().await.map_err(bad)?.trim().to_string(),
            "sheet" => im.sheet = field.text().await.map_err(bad)?.trim().to_string(),
            _ => {
                if name == "pair_all" || name == "decision_all" {
                    if field.text().await.map_err(bad)? == "different" {
                        sent.all_different = true;
                    }
                } else if let Some(i) = index("pair") {
                    sent.pairs.insert(i, field.text().await.map_err(bad)?);
                } else if let Some(i) = index("decision") {
                    sent.decisions.insert(i, field.text().await.map_err(bad)?);
                }
            }
        }
    }
    Ok(sent)
}

/// What a ladder import reads.
struct Input {
    track: String,
    file: String,
    content: String,
    /// `Header=role` lines.
    mapping: String,
    /// A spreadsheet's bytes, and the sheet to read.
    sheet: Option<(Vec<u8>, String)>,
}

/// Import a CSV matrix or Markdown ladder.
async fn ladder(
    store: &dyn Store,
    viewer: &Viewer,
    format: Format,
    input: &Input,
    confirm: &Confirmations,
    commit: bool,
) -> Result<(MatrixPreview, Option<u32>), AppError> {
    let Input { track, file, content, .. } = input;
    match format {
        Format::Spreadsheet => {
            let mapping = Mapping::parse("map", input.mapping.lines())?;
            let track = Some(track.as_str()).filter(|t| !t.is_empty());
            let (bytes, sheet) = input.sheet.as_ref().map_or((&[][..], ""), |(b, s)| (b.as_slice(), s.as_str()));
            let sheet = Some(sheet).filter(|s| !s.is_empty());
            rungs_app::framework::import_sheet(store, viewer, track, file, bytes, sheet, &mapping, confirm, commit).await
        }
        Format::Markdown => {
            let track = Some(track.as_str()).filter(|t| !t.is_empty());
            rungs_app::framework::import_markdown(store, viewer, track, file, content, confirm, commit).await
        }
        _ => {
            let mapping = Mapping::parse("map", input.mapping.lines())?;
            let track = Some(track.as_str()).filter(|t| !t.is_empty());
            rungs_app::framework::import_matrix(store, viewer, track, file, content, &mapping, confirm, commit).await
        }
    }
}

/// Preview or save an uploaded or pasted framework file.
pub async fn import(State(state): State<AppState>, AdminSession(s): AdminSession, mut form: Multipart) -> Result<Response, HtmlError> {
    let mut im = ImportState::default();
    let sent = read_form(&mut form, &mut im).await?;
    s.check_csrf(&sent.csrf)?;
    let sheet_bytes = if im.sheet_data.is_empty() {
        None
    } else {
        match base64::engine::general_purpose::STANDARD.decode(&im.sheet_data) {
            Ok(b) => Some(b),
            Err(_) => return Err(HtmlError::BadRequest("the spreadsheet carried by the form is not base64".into())),
        }
    };
    if im.content.trim().is_empty() && sheet_bytes.is_none() {
        im.errors.push(("file".into(), "Choose a file to upload, or paste its text.".into()));
        return page(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, im).await;
    }
    let format = if sheet_bytes.is_some() { Format::Spreadsheet } else { Format::parse(&im.format).unwrap_or_else(|| Format::detect(&im.file, &im.content)) };
    if im.file.is_empty() {
        im.file = match format {
            Format::Yaml => "framework.yaml",
            Format::Matrix => "matrix.csv",
            Format::Markdown => "ladder.md",
            Format::Spreadsheet => "ladder.xlsx",
        }
        .into();
    }
    let store = state.store.as_ref();
    let confirm = sent.confirmations();
    let input = Input {
        track: im.track.clone(),
        file: im.file.clone(),
        content: im.content.clone(),
        mapping: im.mapping.clone(),
        sheet: sheet_bytes.map(|b| (b, im.sheet.clone())),
    };
    let result = match format {
        Format::Yaml => rungs_app::framework::import_yaml(store, &s.viewer, &im.file, &im.content, sent.commit).await.map(|o| {
            im.saved = o.version;
            im.whole = Some(o);
        }),
        _ => match ladder(store, &s.viewer, format, &input, &confirm, sent.commit).await {
            Ok((preview, version)) => {
                im.saved = version;
                im.preview = Some(preview);
                Ok(())
            }
            // Names still to confirm: show the preview again beside the reason.
            Err(AppError::Invalid(v)) if sent.commit && v.errors.iter().all(|e| e.field == "confirm") => {
                let (preview, _) = ladder(store, &s.viewer, format, &input, &confirm, false).await?;
                im.preview = Some(preview);
                Err(AppError::Invalid(v))
            }
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => {
            if im.saved.is_some() {
                im.content.clear();
                im.sheet_data.clear();
            }
            page(&state, &s, StatusCode::OK, im).await
        }
        Err(AppError::Invalid(v)) => {
            im.errors = v.errors.into_iter().map(|e| (e.field, e.reason)).collect();
            page(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, im).await
        }
        Err(e) => Err(e.into()),
    }
}
