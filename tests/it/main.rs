//! The integration tests, in one binary: fixtures, the example project, the CLI contract.

mod engines;
mod fixtures;
mod cli;
mod apply;
