//! How PostgreSQL runs an apply: one transaction, a transaction-scoped advisory lock, lock
//! timeouts, the savepoint that proves the transaction is plinth's, and the history table.

use sqlx::{Executor, PgConnection};

use crate::db::apply::{DDL_LOCK_TIMEOUT_SECS, LOCK_NAME, LOCK_WAIT_SECS, SAVEPOINT};
use crate::db::history::HistorySql;
use crate::error::{Error, Result};

/// The history table's SQL (see `db::history`).
pub(crate) const HISTORY: HistorySql = HistorySql {
    ddl: "CREATE TABLE IF NOT EXISTS plinth_history (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  plugin text NOT NULL,\n  version text,\n  applied_at timestamptz NOT NULL DEFAULT now(),\n  statements text NOT NULL,\n  kind text NOT NULL DEFAULT 'apply',\n  tables text\n)",
    columns: "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'plinth_history' AND column_name IN ('plugin', 'kind')",
    upgrade: &[
        "ALTER TABLE plinth_history ADD COLUMN kind text NOT NULL DEFAULT 'apply'",
        "ALTER TABLE plinth_history ADD COLUMN tables text",
    ],
    insert: "INSERT INTO plinth_history (plugin, version, statements, kind, tables) VALUES ($1, $2, $3, $4, $5)",
    latest: "SELECT plugin, version, kind, tables, CAST(applied_at AS text) FROM plinth_history WHERE id IN (SELECT max(id) FROM plinth_history GROUP BY plugin) ORDER BY plugin",
    latest_v1: "SELECT plugin, version, 'apply', NULL, CAST(applied_at AS text) FROM plinth_history WHERE id IN (SELECT max(id) FROM plinth_history GROUP BY plugin) ORDER BY plugin",
};

/// Open the transaction, take plinth's lock inside it and open the savepoint.
pub(crate) async fn begin(c: &mut PgConnection) -> Result<()> {
    c.execute("BEGIN")
        .await
        .map_err(|e| Error::database("cannot begin", e))?;
    // Transaction-scoped: released by COMMIT/ROLLBACK, so it cannot leak through a connection
    // pooler.
    c.execute(format!("SET LOCAL lock_timeout = '{LOCK_WAIT_SECS}s'").as_str())
        .await
        .map_err(|e| Error::database("cannot set lock_timeout", e))?;
    if let Err(e) = sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(LOCK_NAME)
        .execute(&mut *c)
        .await
    {
        let _ = c.execute("ROLLBACK").await;
        return Err(Error::database(
            format!("waited {LOCK_WAIT_SECS}s for plinth's advisory lock: another `plinth apply` is running against this database"),
            e,
        ));
    }
    c.execute(format!("SET LOCAL lock_timeout = '{DDL_LOCK_TIMEOUT_SECS}s'").as_str())
        .await
        .map_err(|e| Error::database("cannot set lock_timeout", e))?;
    c.execute(format!("SAVEPOINT {SAVEPOINT}").as_str())
        .await
        .map_err(|e| Error::database("cannot open a savepoint", e))?;
    Ok(())
}

/// Commit or roll back (which releases the lock).
pub(crate) async fn end(c: &mut PgConnection, commit: bool) -> sqlx::Result<()> {
    let word = if commit { "COMMIT" } else { "ROLLBACK" };
    c.execute(word).await.map(|_| ())
}
