//! Reading a catalog, for every engine's inspector: one counted query (inspection holds to a
//! fixed number of them) and one typed cell, each failure saying what was being read.

use sqlx::{ColumnIndex, Database, Decode, Executor, IntoArguments, Row, Type};

use crate::error::{Error, Result};

/// Run one catalog query and count it; `what` names it in an error ("the PostgreSQL catalog's
/// columns").
pub(crate) async fn rows<'c, DB, E>(
    executor: E,
    sql: &'c str,
    queries: &mut usize,
    what: &str,
) -> Result<Vec<DB::Row>>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    <DB as Database>::Arguments<'c>: IntoArguments<'c, DB>,
{
    *queries += 1;
    sqlx::query(sql)
        .fetch_all(executor)
        .await
        .map_err(|e| Error::database(format!("reading {what}"), e))
}

/// One cell of a catalog row, by position or name.
pub(crate) fn cell<'r, R, T, I>(row: &'r R, index: I, what: &str) -> Result<T>
where
    R: Row,
    I: ColumnIndex<R>,
    T: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get(index)
        .map_err(|e| Error::database(format!("reading {what}"), e))
}
