//! The integration tests, in one binary: fixtures, the example project, the CLI contract, apply,
//! secrets never printed, TLS.

mod apply;
mod cli;
mod engines;
mod example_sql;
mod fixtures;
mod secrets;
