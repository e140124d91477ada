//! The history table: per plugin, what plinth applied, when, and at which plugin version.
//!
//! plinth creates it on the first apply and never diffs or drops it (it is a `plinth_*` table).

use super::Conn;
use crate::engine;
use crate::error::{Error, Result};
use crate::pipeline::Batch;

pub const TABLE: &str = "plinth_history";

pub async fn ensure(conn: &mut Conn) -> Result<()> {
    let ddl = match conn {
        Conn::Postgres(_) => engine::postgres::apply::HISTORY_DDL,
        Conn::Mysql(_) => engine::mysql::apply::HISTORY_DDL,
        Conn::Sqlite(_) => engine::sqlite::apply::HISTORY_DDL,
    };
    conn.execute(ddl)
        .await
        .map_err(|e| Error::database(format!("cannot create {TABLE}"), e))
}

/// Record one plugin's statements (the values bound, never spliced into the SQL).
pub async fn record(conn: &mut Conn, batch: &Batch) -> Result<()> {
    let statements = batch
        .statements
        .iter()
        .map(|s| format!("{};", s.sql))
        .collect::<Vec<_>>()
        .join("\n");
    let row = (
        batch.plugin.as_str(),
        batch.version.as_deref(),
        statements.as_str(),
    );
    let result = match conn {
        Conn::Postgres(c) => insert(c, engine::postgres::apply::HISTORY_INSERT, row).await,
        Conn::Mysql(c) => insert(c, engine::mysql::apply::HISTORY_INSERT, row).await,
        Conn::Sqlite(c) => insert(c, engine::sqlite::apply::HISTORY_INSERT, row).await,
    };
    result.map_err(|e| Error::database(format!("cannot record the apply in {TABLE}"), e))
}

/// One history row, on any engine: `sql` takes plugin, version and statements, in this order.
async fn insert<'c, DB, E>(
    executor: E,
    sql: &'c str,
    (plugin, version, statements): (&'c str, Option<&'c str>, &'c str),
) -> sqlx::Result<()>
where
    DB: sqlx::Database,
    E: sqlx::Executor<'c, Database = DB>,
    &'c str: sqlx::Encode<'c, DB> + sqlx::Type<DB>,
    Option<&'c str>: sqlx::Encode<'c, DB> + sqlx::Type<DB>,
    <DB as sqlx::Database>::Arguments<'c>: sqlx::IntoArguments<'c, DB>,
{
    sqlx::query(sql)
        .bind(plugin)
        .bind(version)
        .bind(statements)
        .execute(executor)
        .await
        .map(|_| ())
}
