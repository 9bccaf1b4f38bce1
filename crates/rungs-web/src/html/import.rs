//! Import people from an HR-system CSV: upload, see every bad row with its line
//! number and reasons, nothing imported when a row is bad unless "skip invalid rows"
//! is ticked. The work is `rungs_app::people_import::import`.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rungs_app::AppError;
use rungs_app::people_import::ImportReport;

use super::{HtmlError, Layout, render_string};
use crate::AppState;
use crate::extract::{AdminSession, Session};

fn page(
    s: &Session,
    status: StatusCode,
    report: Option<&ImportReport>,
    error: Option<String>,
    skip_invalid: bool,
    email_on: bool,
) -> Result<Response, HtmlError> {
    let report = report.map(|r| {
        minijinja::context! {
            errors => r.errors.iter().map(|e| minijinja::context! { line => e.line, reasons => e.reasons.clone() }).collect::<Vec<_>>(),
            good_rows => r.good_rows,
            added => r.added,
            already_present => r.already_present,
            imported => r.imported,
            added_ids => r.added_ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(","),
        }
    });
    let body =
        render_string("import.html", minijinja::context! { layout => Layout::new(s, "import", "Import people"), report, error, skip_invalid, email_on })?;
    Ok((status, axum::response::Html(body)).into_response())
}

pub async fn form(s: Session) -> Result<Response, HtmlError> {
    if !rungs_app::access::Capabilities::of(s.viewer.role).add_people {
        return Err(HtmlError::Forbidden("only the people team can import people".into()));
    }
    page(&s, StatusCode::OK, None, None, false, false)
}

pub async fn submit(State(state): State<AppState>, AdminSession(s): AdminSession, mut form: Multipart) -> Result<Response, HtmlError> {
    let (mut csrf, mut data, mut skip) = (String::new(), None, false);
    let bad = |e: axum::extract::multipart::MultipartError| HtmlError::BadRequest(format!("the upload could not be read: {e}"));
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.map_err(bad)?,
            "skip_invalid" => skip = !field.text().await.map_err(bad)?.is_empty(),
            "file" => data = Some(field.bytes().await.map_err(bad)?),
            _ => {}
        }
    }
    s.check_csrf(&csrf)?;
    let Some(data) = data.filter(|d| !d.is_empty()) else {
        return page(&s, StatusCode::UNPROCESSABLE_ENTITY, None, Some("Choose a CSV file to upload.".into()), skip, false);
    };
    match rungs_app::people_import::import(state.store.as_ref(), &s.viewer, &data, skip).await {
        Ok(r) => {
            let status = if r.errors.is_empty() || r.imported { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            page(&s, status, Some(&r), None, skip, state.mailer.is_some())
        }
        Err(AppError::Invalid(v)) => {
            page(&s, StatusCode::UNPROCESSABLE_ENTITY, None, Some(v.errors.iter().map(|e| e.reason.clone()).collect::<Vec<_>>().join("; ")), skip, false)
        }
        Err(e) => Err(e.into()),
    }
}
