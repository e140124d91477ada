//! The integration tests, in one binary: fixtures, the example project, the CLI contract.

mod apply;
mod cli;
mod engines;
mod fixtures;
