//! Rungs storage.
