//! How PostgreSQL runs an apply: one transaction, a transaction-scoped advisory lock, lock
//! timeouts, the savepoint that proves the transaction is plinth's, and the history table.

use sqlx::{Executor, PgConnection};

use crate::db::apply::{DDL_LOCK_TIMEOUT_SECS, LOCK_NAME, LOCK_WAIT_SECS, SAVEPOINT};
use crate::error::{Error, Result};

pub(crate) const HISTORY_DDL: &str = "CREATE TABLE IF NOT EXISTS plinth_history (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  plugin text NOT NULL,\n  version text,\n  applied_at timestamptz NOT NULL DEFAULT now(),\n  statements text NOT NULL\n)";

pub(crate) const HISTORY_INSERT: &str =
    "INSERT INTO plinth_history (plugin, version, statements) VALUES ($1, $2, $3)";

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
