pub mod diff;
pub mod get;
pub mod ladder_params;
pub mod markdown;
pub mod matrix;
pub mod sheet;
pub mod suggest;
pub mod update;
pub mod versions;
pub mod yaml;

use rungs_core::ValidationError;

/// `commit=true|false` (absent = false: a preview).
pub(crate) fn commit_flag(raw: Option<&str>) -> Result<bool, ValidationError> {
    match raw {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ValidationError::single("commit", "must be true or false")),
    }
}
