//! The career framework (`/framework`): tracks and levels, competencies by category,
//! expectations and milestone modules per level, the saved versions; for the people
//! team, the CSV competency-matrix import with a preview before anything is saved.
//! The work is `rungs_app::framework::import_matrix`.

use std::collections::BTreeMap;

use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use rungs_app::AppError;
use rungs_core::framework::matrix::MatrixPreview;

use super::{HtmlError, Layout, fmt, render_string};
use crate::AppState;
use crate::extract::Session;

/// What the import part of the page shows.
#[derive(Default)]
struct ImportState {
    /// `?changes=N`: what changed in version N.
    changes: Option<rungs_app::framework::VersionDiff>,
    preview: Option<MatrixPreview>,
    saved: Option<u32>,
    errors: Vec<(String, String)>,
    track: String,
    file: String,
    content: String,
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
    let versions: Vec<_> = versions.iter().rev().map(|v| minijinja::context! { version => v.version, date => fmt::date(v.created_at), iso => v.created_at.to_rfc3339() }).collect();
    let body = render_string(
        "framework.html",
        minijinja::context! {
            layout => Layout::new(s, "framework", "Career framework"),
            admin => s.viewer.is_admin(),
            tracks,
            categories => groups.into_iter().map(|(k, v)| minijinja::context! { name => k, competencies => v }).collect::<Vec<_>>(),
            versions,
            changes => im.changes,
            preview => im.preview,
            saved => im.saved,
            errors => im.errors.into_iter().map(|(f, r)| minijinja::context! { at => f, reason => r }).collect::<Vec<_>>(),
            track => im.track,
            file => im.file,
            content => im.content,
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

/// Preview (`action=preview`, with a file) or save (`action=commit`, with the content
/// the preview carried) a competency matrix.
pub async fn import(State(state): State<AppState>, s: Session, mut form: Multipart) -> Result<Response, HtmlError> {
    let mut im = ImportState::default();
    let (mut csrf, mut commit) = (String::new(), false);
    let bad = |e: axum::extract::multipart::MultipartError| HtmlError::BadRequest(format!("the upload could not be read: {e}"));
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.map_err(bad)?,
            "track" => im.track = field.text().await.map_err(bad)?,
            "action" => commit = field.text().await.map_err(bad)? == "commit",
            "content" => im.content = field.text().await.map_err(bad)?,
            "file" => {
                let name = field.file_name().unwrap_or("matrix.csv").to_string();
                let bytes = field.bytes().await.map_err(bad)?;
                if !bytes.is_empty() {
                    im.file = name;
                    im.content = String::from_utf8(bytes.to_vec()).map_err(|_| HtmlError::BadRequest("the file is not UTF-8 text".into()))?;
                }
            }
            "file_name" if im.file.is_empty() => im.file = field.text().await.map_err(bad)?,
            _ => {}
        }
    }
    s.check_csrf(&csrf)?;
    if !s.viewer.is_admin() {
        return Err(HtmlError::Forbidden("only the people team can change the framework".into()));
    }
    if im.file.is_empty() {
        im.file = "matrix.csv".into();
    }
    if im.content.trim().is_empty() {
        im.errors.push(("file".into(), "Choose a CSV file to upload.".into()));
        return page(&state, &s, StatusCode::UNPROCESSABLE_ENTITY, im).await;
    }
    match rungs_app::framework::import_matrix(state.store.as_ref(), &s.viewer, &im.track, &im.file, &im.content, commit).await {
        Ok((preview, version)) => {
            im.preview = Some(preview);
            im.saved = version;
            if version.is_some() {
                im.content.clear();
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

/// The framework as a YAML download (the API route needs a bearer token).
pub async fn download(State(state): State<AppState>, s: Session) -> Result<Response, HtmlError> {
    let fw = rungs_app::framework::get(state.store.as_ref(), &s.viewer).await?;
    let headers = [
        (axum::http::header::CONTENT_TYPE, "application/yaml; charset=utf-8"),
        (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"framework.yaml\""),
    ];
    Ok((headers, rungs_core::framework::yaml::to_yaml(&fw)).into_response())
}
