//! The integration tests, in one binary: fixtures, the example project, the CLI contract, apply,
//! hostile names and values, secrets never printed, TLS.

mod apply;
mod cli;
mod cli_args;
mod engines;
mod example_sql;
mod fixtures;
mod guards;
mod hostile;
mod secrets;
mod tls;
mod values;
