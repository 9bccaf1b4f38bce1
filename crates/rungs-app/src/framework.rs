//! Reading, replacing and importing an organization's career framework. Every change
//! saves a new version (old ones are kept); imports can be previewed first.

use chrono::Utc;
use rungs_core::framework::drift::Confirmations;
use rungs_core::framework::ladder::{Mapping, MatrixPreview};
use rungs_core::framework::{Framework, FrameworkVersion, yaml};
use rungs_core::framework::{markdown, matrix};
use rungs_core::store::Store;

use crate::{AppError, Viewer};

/// Largest framework file accepted (YAML, CSV or Markdown).
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// The framework: anyone signed in may read it (it is what everyone grows along).
pub async fn get(store: &dyn Store, viewer: &Viewer) -> Result<std::sync::Arc<Framework>, AppError> {
    Ok(store.framework(viewer.org_id).await?)
}

/// Every saved version, oldest first: anyone signed in may read them.
pub async fn versions(store: &dyn Store, viewer: &Viewer) -> Result<Vec<FrameworkVersion>, AppError> {
    Ok(store.framework_versions(viewer.org_id).await?)
}

fn admin_only(viewer: &Viewer) -> Result<(), AppError> {
    crate::access::require(viewer.role, crate::access::Action::Administer(crate::access::Area::Framework), "only the people team can change the framework")
}

/// Replace the framework: people team only; validated before it is saved as a new
/// version.
pub async fn replace(store: &dyn Store, viewer: &Viewer, framework: Framework) -> Result<Framework, AppError> {
    admin_only(viewer)?;
    framework.validate()?;
    save_if_changed(store, viewer, &framework).await?;
    Ok(framework)
}

/// Save `fw` as a new version unless it equals the current one: an unchanged framework
/// is no edit, so a retried import or PUT makes no second version (this is how these
/// requests honour `Idempotency-Key`: a repeat changes nothing). Returns the version
/// in force afterwards.
async fn save_if_changed(store: &dyn Store, viewer: &Viewer, fw: &Framework) -> Result<u32, AppError> {
    let versions = store.framework_versions(viewer.org_id).await?;
    match versions.last() {
        Some(last) if &last.framework == fw => Ok(last.version),
        // The framework in force before any version was saved (a new organization).
        None if &*store.framework(viewer.org_id).await? == fw => Ok(0),
        _ => Ok(store.save_framework_version(viewer.org_id, fw, Utc::now()).await?),
    }
}

/// What an import found, and whether it was saved.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    /// The version in force after a commit (unchanged when the import changed
    /// nothing); `None` for a preview.
    pub version: Option<u32>,
    pub tolerated: Vec<String>,
    /// The framework after the import: the file's tracks and competencies merged into
    /// the current framework, every other track kept.
    pub framework: Framework,
    /// What the import changes; empty means a commit saves no new version.
    pub changes: Vec<rungs_core::framework::diff::Change>,
}

fn check_size(file: &str, text: &str) -> Result<(), AppError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(AppError::invalid(file, format!("is larger than {MAX_FILE_BYTES} bytes")));
    }
    Ok(())
}

/// Import a framework from YAML: its tracks and competencies are added or replace
/// those with the same key; other tracks are kept. With `commit` false nothing is
/// saved; a commit that changes nothing saves no version.
pub async fn import_yaml(store: &dyn Store, viewer: &Viewer, file: &str, text: &str, commit: bool) -> Result<ImportOutcome, AppError> {
    admin_only(viewer)?;
    check_size(file, text)?;
    let parsed = yaml::from_yaml(file, text)?;
    let current = store.framework(viewer.org_id).await?;
    let framework = yaml::merge(&current, &parsed.framework);
    framework.validate().map_err(|e| e.nested(file))?;
    let changes = rungs_core::framework::diff::diff(&current, &framework);
    let version = if commit { Some(save_if_changed(store, viewer, &framework).await?) } else { None };
    Ok(ImportOutcome { version, tolerated: parsed.tolerated, framework, changes })
}

/// Import a CSV competency matrix (comma, semicolon or TAB) into one track of the
/// current framework, or a new track it creates (named `track`, else after the file).
/// With `commit` false nothing is saved; the preview says what would change. A commit
/// is refused while rows with near names are not confirmed same or different.
#[allow(clippy::too_many_arguments)]
pub async fn import_matrix(
    store: &dyn Store,
    viewer: &Viewer,
    track: Option<&str>,
    file: &str,
    text: &str,
    mapping: &Mapping,
    confirm: &Confirmations,
    commit: bool,
) -> Result<(MatrixPreview, Option<u32>), AppError> {
    admin_only(viewer)?;
    check_size(file, text)?;
    let current = store.framework(viewer.org_id).await?;
    let (next, preview) = matrix::import_mapped(&current, track, file, text, mapping, confirm)?;
    commit_ladder(store, viewer, next, preview, commit).await
}

/// Import a Markdown career ladder into `track`, or into the track its top heading
/// names (created when new). Previews and commits like [`import_matrix`].
pub async fn import_markdown(
    store: &dyn Store,
    viewer: &Viewer,
    track: Option<&str>,
    file: &str,
    text: &str,
    confirm: &Confirmations,
    commit: bool,
) -> Result<(MatrixPreview, Option<u32>), AppError> {
    admin_only(viewer)?;
    check_size(file, text)?;
    let current = store.framework(viewer.org_id).await?;
    let (next, preview) = markdown::import(&current, track, file, text, confirm)?;
    commit_ladder(store, viewer, next, preview, commit).await
}

async fn commit_ladder(
    store: &dyn Store,
    viewer: &Viewer,
    next: Framework,
    preview: MatrixPreview,
    commit: bool,
) -> Result<(MatrixPreview, Option<u32>), AppError> {
    if !commit {
        return Ok((preview, None));
    }
    preview.require_confirmed()?;
    let version = save_if_changed(store, viewer, &next).await?;
    Ok((preview, Some(version)))
}

/// What changed from version `from` to version `to` (default: the newest, and the one
/// before it).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VersionDiff {
    pub from: u32,
    pub to: u32,
    pub changes: Vec<rungs_core::framework::diff::Change>,
}

pub async fn diff(store: &dyn Store, viewer: &Viewer, from: Option<u32>, to: Option<u32>) -> Result<VersionDiff, AppError> {
    let versions = store.framework_versions(viewer.org_id).await?;
    let newest = versions.last().map_or(0, |v| v.version);
    let to = to.unwrap_or(newest);
    let from = from.unwrap_or(to.saturating_sub(1));
    let find = |field: &str, n: u32| {
        versions.iter().find(|v| v.version == n).ok_or_else(|| AppError::invalid(field, format!("there is no framework version {n} (the newest is {newest})")))
    };
    let (a, b) = (find("from", from)?, find("to", to)?);
    Ok(VersionDiff { from, to, changes: rungs_core::framework::diff::diff(&a.framework, &b.framework) })
}

/// Most characters of text a competency suggestion reads.
pub const MAX_SUGGEST_TEXT: usize = 4000;

/// Competencies a free-text win seems to evidence (`rungs_core::framework::suggest`),
/// for `track` or, when absent, the viewer's own track.
pub async fn suggest(store: &dyn Store, viewer: &Viewer, text: &str, track: Option<&str>) -> Result<Vec<rungs_core::framework::suggest::Suggestion>, AppError> {
    if text.chars().count() > MAX_SUGGEST_TEXT {
        return Err(AppError::invalid("text", format!("must be at most {MAX_SUGGEST_TEXT} characters")));
    }
    let fw = store.framework(viewer.org_id).await?;
    let own = match (track, viewer.person_id) {
        (None, Some(me)) => Some(store.person(viewer.org_id, me).await?.position.track),
        _ => None,
    };
    let track = track.or(own.as_deref());
    if let Some(t) = track
        && fw.track(t).is_none()
    {
        return Err(AppError::invalid("track", format!("no track '{t}' in the framework")));
    }
    Ok(rungs_core::framework::suggest::suggest(&fw, track, text, 3))
}

/// Import one sheet of a spreadsheet (XLSX, ODS, XLS) as a competency matrix: `sheet`
/// by name, else the first. Previews and commits like [`import_matrix`]; every defect
/// is named by its `sheet!cell`.
#[allow(clippy::too_many_arguments)]
pub async fn import_sheet(
    store: &dyn Store,
    viewer: &Viewer,
    track: Option<&str>,
    file: &str,
    bytes: &[u8],
    sheet: Option<&str>,
    mapping: &Mapping,
    confirm: &Confirmations,
    commit: bool,
) -> Result<(MatrixPreview, Option<u32>), AppError> {
    admin_only(viewer)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::invalid(file, format!("is larger than {MAX_FILE_BYTES} bytes")));
    }
    let current = store.framework(viewer.org_id).await?;
    let (next, preview) = rungs_core::framework::sheet::import(&current, track, file, bytes, sheet, mapping, confirm)?;
    commit_ladder(store, viewer, next, preview, commit).await
}
