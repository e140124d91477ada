//! PostgreSQL: catalog inspection (bulk queries) into the canonical IR.

use sqlx::PgConnection;

use super::Inspected;
use crate::error::{Error, Result};

/// Read every table of the default schema (plinth's own `plinth_*` tables excepted).
pub async fn inspect(conn: &mut PgConnection) -> Result<Inspected> {
    let _ = conn;
    Err(Error::usage("PostgreSQL inspection is not implemented yet"))
}
