//! plinth: declarative, plugin-aware schema management for PostgreSQL, MySQL/MariaDB and SQLite.
//!
//! The pipeline (see ARCHITECTURE.md): `config` + `sql` build the desired [`model::Schema`],
//! `db` inspects the live one, `diff` compares them, `plan` orders the changes, `render` turns
//! them into SQL, and `db` applies it.

pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod diff;
pub mod engine;
pub mod error;
pub mod model;
pub mod normalize;
pub mod pipeline;
pub mod plan;
pub mod quote;
pub mod render;
pub mod report;
pub mod request;
pub mod sql;
