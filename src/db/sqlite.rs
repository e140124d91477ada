//! SQLite: catalog inspection (bulk queries) into the canonical IR.

use sqlx::SqliteConnection;

use super::Inspected;
use crate::error::{Error, Result};

/// Read every table of the default schema (plinth's own `plinth_*` tables excepted).
pub async fn inspect(conn: &mut SqliteConnection) -> Result<Inspected> {
    let _ = conn;
    Err(Error::usage("SQLite inspection is not implemented yet"))
}
