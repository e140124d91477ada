//! plinth: declarative, plugin-aware schema management for PostgreSQL, MySQL/MariaDB and SQLite.
//!
//! The pipeline (see ARCHITECTURE.md): `request` resolves what a command works on, `config` +
//! `sql` build the desired [`model::Schema`], `db` inspects the live one, `diff` compares them,
//! `plan` orders the changes, `render` turns them into SQL, and `db` applies it.
//!
//! The public face is what the binary, the integration tests and the benchmark use: the
//! command line and the commands, the project and its plugins, the IR, the database layer, the
//! per-plugin pipeline and quoting, plus the few functions re-exported below. Everything else is
//! the crate's own, so the compiler sees code nothing uses.

pub mod adopt;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod error;
pub mod lint;
pub mod model;
pub mod pipeline;
pub mod policy;
pub mod quote;
pub mod request;
pub mod reviewed;
pub mod status;

pub(crate) mod diff;
pub(crate) mod engine;
pub(crate) mod fleet;
pub(crate) mod normalize;
pub(crate) mod plan;
pub(crate) mod render;
pub(crate) mod report;
pub(crate) mod sql;

pub use diff::{diff, Change, ColumnChanges, TableChange, TableDiff};
pub use normalize::finish;
pub use plan::{Hazard, HazardCode, Lock, Loss, Plan, Step};
pub use render::Statement;
pub use report::{for_terminal, Outcome};
pub use sql::{limits, parse_file, Parsed};
