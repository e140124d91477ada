//! The only place that talks to databases: connect, inspect, apply, lock, history.

pub mod mysql;
pub mod postgres;
pub mod sqlite;

use crate::model::Schema;

/// What an inspection read, and how many catalog queries it took (a fixed number, whatever
/// the size of the schema: tests hold inspectors to that).
#[derive(Debug)]
pub struct Inspected {
    pub schema: Schema,
    pub queries: usize,
}

/// plinth's own bookkeeping tables: never inspected, diffed or dropped.
pub fn is_plinth_table(name: &str) -> bool {
    name.starts_with("plinth_")
}
