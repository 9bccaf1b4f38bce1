//! The stylesheet (and any future static file), embedded in the binary.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::HtmlError;

pub const CSS: &str = include_str!("../../static/rungs.css");
/// The delegation person picker's typeahead (progressive: the form works without it).
pub const PICKER_JS: &str = include_str!("../../static/picker.js");

pub async fn get(Path(file): Path<String>) -> Result<Response, HtmlError> {
    match file.as_str() {
        // No fingerprint in the name yet, so browsers revalidate after an hour.
        "rungs.css" => Ok(([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], CSS).into_response()),
        "picker.js" => {
            Ok(([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], PICKER_JS).into_response())
        }
        _ => Err(HtmlError::NotFound),
    }
}
