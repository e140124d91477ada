//! How MySQL/MariaDB run an apply: every DDL statement commits, so there is no transaction;
//! a named lock (`GET_LOCK`) keeps two applies apart, a lock wait timeout makes a busy table
//! fail fast, and the history table records each plugin as it finishes.

use sqlx::{Executor, MySqlConnection};

use crate::db::apply::{DDL_LOCK_TIMEOUT_SECS, LOCK_NAME, LOCK_WAIT_SECS};
use crate::db::history::HistorySql;
use crate::error::{Error, Result};

/// The history table's SQL (see `db::history`).
pub(crate) const HISTORY: HistorySql = HistorySql {
    ddl: "CREATE TABLE IF NOT EXISTS plinth_history (\n  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  plugin varchar(255) NOT NULL,\n  version varchar(255),\n  applied_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,\n  statements longtext NOT NULL,\n  kind varchar(16) NOT NULL DEFAULT 'apply',\n  tables longtext\n)",
    columns: "SELECT count(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'plinth_history' AND column_name IN ('plugin', 'kind')",
    upgrade: &[
        "ALTER TABLE plinth_history ADD COLUMN kind varchar(16) NOT NULL DEFAULT 'apply'",
        "ALTER TABLE plinth_history ADD COLUMN tables longtext",
    ],
    insert: "INSERT INTO plinth_history (plugin, version, statements, kind, tables) VALUES (?, ?, ?, ?, ?)",
    latest: "SELECT plugin, version, kind, tables, CAST(applied_at AS CHAR) FROM plinth_history WHERE id IN (SELECT max(id) FROM plinth_history GROUP BY plugin) ORDER BY plugin",
    latest_v1: "SELECT plugin, version, 'apply', NULL, CAST(applied_at AS CHAR) FROM plinth_history WHERE id IN (SELECT max(id) FROM plinth_history GROUP BY plugin) ORDER BY plugin",
};

/// MySQL commits each statement: a batch's row is written before its first statement (as
/// `partial`) and brought up to date after each one, so a failure or a kill leaves the
/// statements that ran on record.
pub(crate) const HISTORY_PROGRESS: &str =
    "UPDATE plinth_history SET statements = ?, kind = ? WHERE id = ?";

/// Take plinth's named lock (naming its holder when another apply has it) and set the lock
/// wait timeout for the DDL that follows.
pub(crate) async fn begin(c: &mut MySqlConnection) -> Result<()> {
    let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, ?)")
        .bind(LOCK_NAME)
        .bind(LOCK_WAIT_SECS as i64)
        .fetch_one(&mut *c)
        .await
        .map_err(|e| Error::database("cannot take plinth's lock", e))?;
    if got != Some(1) {
        let holder: Option<i64> = sqlx::query_scalar("SELECT IS_USED_LOCK(?)")
            .bind(LOCK_NAME)
            .fetch_one(&mut *c)
            .await
            .unwrap_or(None);
        return Err(Error::apply(
            format!(
                "waited {LOCK_WAIT_SECS}s for plinth's lock `{LOCK_NAME}`: another `plinth apply` (connection {}) is running against this database",
                holder.map(|h| h.to_string()).unwrap_or_else(|| "unknown".into())
            ),
            None,
        ));
    }
    c.execute(format!("SET SESSION lock_wait_timeout = {DDL_LOCK_TIMEOUT_SECS}").as_str())
        .await
        .map_err(|e| Error::database("cannot set lock_wait_timeout", e))?;
    Ok(())
}

/// Release plinth's lock (each statement has committed already).
pub(crate) async fn end(c: &mut MySqlConnection) -> sqlx::Result<()> {
    sqlx::query("SELECT RELEASE_LOCK(?)")
        .bind(LOCK_NAME)
        .execute(&mut *c)
        .await
        .map(|_| ())
}
