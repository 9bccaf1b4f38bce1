//! Rungs use cases.
