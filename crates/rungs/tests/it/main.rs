//! End-to-end tests of the `rungs` binary: real processes, real files, real sockets.

mod cli;
mod durability;
mod postgres;
mod support;
