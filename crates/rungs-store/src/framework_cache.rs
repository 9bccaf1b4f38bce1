//! Parsed frameworks by organization, shared by a store's connections. Every write
//! of an event reads the framework, and parsing its JSON was the largest single cost
//! of a POST. An entry is kept with the stamp of the row it was parsed from (SQLite:
//! `updated_at`; PostgreSQL: the row's `xmin`) and used only while the row still
//! has that stamp, so a change from another process or instance is seen at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rungs_core::OrgId;
use rungs_core::framework::Framework;

/// A parsed framework and the stamp of the row it was parsed from.
type Entry<Stamp> = (Stamp, Arc<Framework>);

pub(crate) struct FrameworkCache<Stamp>(Arc<Mutex<HashMap<OrgId, Entry<Stamp>>>>);

impl<Stamp> Clone for FrameworkCache<Stamp> {
    fn clone(&self) -> Self {
        FrameworkCache(self.0.clone())
    }
}

impl<Stamp> Default for FrameworkCache<Stamp> {
    fn default() -> Self {
        FrameworkCache(Arc::default())
    }
}

impl<Stamp: PartialEq> FrameworkCache<Stamp> {
    /// The parsed framework of `org` if it was parsed from the row as it is at `stamp`.
    pub(crate) fn get(&self, org: OrgId, stamp: &Stamp) -> Option<Arc<Framework>> {
        let map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(&org).filter(|(at, _)| at == stamp).map(|(_, fw)| fw.clone())
    }

    pub(crate) fn put(&self, org: OrgId, stamp: Stamp, fw: Arc<Framework>) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(org, (stamp, fw));
    }
}
