//! End-to-end tests of the `rungs` binary: real processes, real files, real sockets.
#![allow(clippy::unwrap_used)] // tests and benches stop at the first surprise

mod backup;
mod badges;
mod bulk_crash;
mod cli;
mod credentials;
mod demo;
mod deploy;
mod doctor;
mod durability;
mod opportunities;
mod parquet;
mod postgres;
mod proposals;
mod receiver;
mod recognition;
mod shutdown;
mod signin;
mod support;
mod truths;
mod upgrade;
mod webhooks;
mod webhooks_tls;
