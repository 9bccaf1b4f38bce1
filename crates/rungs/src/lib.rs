//! The Rungs binary as a library: the CLI, the wiring of store and web server,
//! importers, exporters and the demo organization generator. Kept as a library so the
//! benchmarks and tests can call the same code the commands run.
#![forbid(unsafe_code)]

pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
