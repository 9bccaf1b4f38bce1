//! Reading and replacing an organization's career framework.

use rungs_core::framework::Framework;
use rungs_core::store::Store;

use crate::{AppError, Viewer};

/// The framework: anyone signed in may read it (it is what everyone grows along).
pub async fn get(store: &dyn Store, viewer: &Viewer) -> Result<Framework, AppError> {
    Ok(store.framework(viewer.org_id).await?)
}

/// Replace the framework: people team only; validated before it is saved.
pub async fn replace(store: &dyn Store, viewer: &Viewer, framework: Framework) -> Result<Framework, AppError> {
    if !viewer.is_admin() {
        return Err(AppError::Forbidden("only the people team can change the framework".into()));
    }
    framework.validate()?;
    store.save_framework(viewer.org_id, &framework).await?;
    Ok(framework)
}
