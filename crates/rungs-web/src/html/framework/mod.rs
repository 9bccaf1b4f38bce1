//! The career framework (`/framework`): tracks and levels, competencies by category,
//! expectations and milestone modules per level, the saved versions; for the people
//! team, the import of a YAML framework, a CSV matrix or a Markdown ladder with a
//! preview before anything is saved ([`import`]).

mod import;

pub use import::import;

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::{HtmlError, Layout, fmt, render_string};
use crate::AppState;
use crate::extract::Session;

/// What the import part of the page shows.
#[derive(Default)]
struct ImportState {
    /// `?changes=N`: what changed in version N.
    changes: Option<rungs_app::framework::VersionDiff>,
    /// A CSV matrix or Markdown ladder preview.
    preview: Option<rungs_core::framework::ladder::MatrixPreview>,
    /// A YAML framework preview.
    whole: Option<rungs_app::framework::ImportOutcome>,
    saved: Option<u32>,
    errors: Vec<(String, String)>,
    /// `auto`, `yaml`, `matrix` or `markdown`, as chosen.
    format: String,
    track: String,
    file: String,
    content: String,
    /// `Header=role` lines: what the person mapped the matrix's columns to.
    mapping: String,
    /// An uploaded spreadsheet, base64, carried from the preview to the commit.
    sheet_data: String,
    /// The sheet of it to read (empty: the first).
    sheet: String,
}
async fn page(state: &AppState, s: &Session, status: StatusCode, im: ImportState) -> Result<Response, HtmlError> {
    let store = state.store.as_ref();
    let fw = rungs_app::framework::get(store, &s.viewer).await?;
    let versions = rungs_app::framework::versions(store, &s.viewer).await?;
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in &fw.competencies {
        groups.entry(c.category.as_str()).or_default().push(c.name.as_str());
    }
    let tracks: Vec<_> = fw
        .tracks
        .iter()
        .map(|t| {
            let levels: Vec<_> = t
                .levels
                .iter()
                .map(|l| {
                    minijinja::context! {
                        key => l.key, title => l.title,
                        expectations => fw.expectations_for(&t.key, &l.key).count(),
                        milestones => fw.milestones_into(&t.key, &l.key).map(|m| m.title.clone()).collect::<Vec<_>>(),
                    }
                })
                .collect();
            minijinja::context! { key => t.key, name => t.name, levels }
        })
        .collect();
    let versions: Vec<_> = versions
        .iter()
        .rev()
        .map(|v| minijinja::context! { version => v.version, date => fmt::date(v.created_at), iso => v.created_at.to_rfc3339() })
        .collect();
    let body = render_string(
        "framework.html",
        minijinja::context! {
            layout => Layout::new(s, "framework", "Career framework"),
            admin => rungs_app::access::Capabilities::of(s.viewer.role).change_framework,
            tracks,
            categories => groups.into_iter().map(|(k, v)| minijinja::context! { name => k, competencies => v }).collect::<Vec<_>>(),
            versions,
            changes => im.changes,
            drift => im.preview.as_ref().map(import::drift_choices).unwrap_or_default(),
            preview => im.preview,
            whole => im.whole.as_ref().map(import::summary),
            saved => im.saved,
            format => im.format,
            errors => im.errors.into_iter().map(|(f, r)| minijinja::context! { at => f, reason => r }).collect::<Vec<_>>(),
            track => im.track,
            file => im.file,
            content => im.content,
            mapping => im.mapping,
            sheet_data => im.sheet_data,
            sheet => im.sheet,
        },
    )?;
    Ok((status, Html(body)).into_response())
}

#[derive(Debug, serde::Deserialize)]
pub struct ShowParams {
    #[serde(default)]
    changes: Option<String>,
}

pub async fn show(State(state): State<AppState>, s: Session, Query(q): Query<ShowParams>) -> Result<Response, HtmlError> {
    let mut im = ImportState::default();
    if let Some(n) = q.changes.as_deref().and_then(|c| c.parse::<u32>().ok()).filter(|n| *n > 1) {
        im.changes = Some(rungs_app::framework::diff(state.store.as_ref(), &s.viewer, Some(n - 1), Some(n)).await?);
    }
    page(&state, &s, StatusCode::OK, im).await
}

/// The framework as a YAML download (the API route needs a bearer token).
pub async fn download(State(state): State<AppState>, s: Session) -> Result<Response, HtmlError> {
    let fw = rungs_app::framework::get(state.store.as_ref(), &s.viewer).await?;
    let headers = [
        (axum::http::header::CONTENT_TYPE, "application/yaml; charset=utf-8"),
        (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"framework.yaml\""),
    ];
    Ok((headers, rungs_core::framework::yaml::to_yaml(&fw)).into_response())
}
