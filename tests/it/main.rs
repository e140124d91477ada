//! The integration tests, in one binary: fixtures, the example project, the CLI contract, apply.

mod apply;
mod bounded;
mod cli;
mod engines;
mod example_sql;
mod fixtures;
mod fuzz;
