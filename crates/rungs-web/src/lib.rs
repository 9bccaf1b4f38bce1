//! Rungs web.
