//! The integration tests, in one binary: fixtures, the example project, the CLI contract, apply,
//! hostile names and values, bounded work and fuzzing, secrets never printed, TLS.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "test code: a panic is a failed test, and it reports to the terminal"
)]

mod adopt;
mod apply;
mod bounded;
mod cli;
mod cli_args;
mod concurrent;
mod data;
mod engines;
mod errors;
mod example_sql;
mod fixtures;
mod fuzz;
mod guards;
mod hazards;
mod hostile;
mod lint;
mod locks;
mod numbering;
mod online;
mod policy;
mod renames;
mod reviewed;
mod routines;
mod schemas;
mod secrets;
mod sites;
mod takeover;
mod tls;
mod values;
mod views;
