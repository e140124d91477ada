//! How SQLite runs an apply: foreign keys off around one `BEGIN IMMEDIATE` transaction (the
//! write lock), the savepoint that proves the transaction is plinth's, the foreign key check
//! before commit, and the history table.

use sqlx::{Executor, Row, SqliteConnection};

use crate::db::apply::{LOCK_WAIT_SECS, SAVEPOINT};
use crate::db::history::HistorySql;
use crate::error::{Error, Progress, Result};

/// The history table's SQL (see `db::history`).
pub(crate) const HISTORY: HistorySql = HistorySql {
    ddl: "CREATE TABLE IF NOT EXISTS plinth_history (\n  id INTEGER PRIMARY KEY,\n  plugin TEXT NOT NULL,\n  version TEXT,\n  applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n  statements TEXT NOT NULL,\n  kind TEXT NOT NULL DEFAULT 'apply',\n  tables TEXT\n)",
    columns: "SELECT count(*) FROM pragma_table_info('plinth_history') WHERE name IN ('plugin', 'kind')",
    upgrade: &[
        "ALTER TABLE plinth_history ADD COLUMN kind TEXT NOT NULL DEFAULT 'apply'",
        "ALTER TABLE plinth_history ADD COLUMN tables TEXT",
    ],
    insert: "INSERT INTO plinth_history (plugin, version, statements, kind, tables) VALUES (?, ?, ?, ?, ?)",
    latest: "SELECT plugin, version, kind, tables, applied_at FROM plinth_history WHERE id IN (SELECT max(id) FROM plinth_history GROUP BY plugin) ORDER BY plugin",
    latest_v1: "SELECT plugin, version, 'apply', NULL, applied_at FROM plinth_history WHERE id IN (SELECT max(id) FROM plinth_history GROUP BY plugin) ORDER BY plugin",
};

/// Switch foreign keys off, take the write lock and open the savepoint.
pub(crate) async fn begin(c: &mut SqliteConnection) -> Result<()> {
    // Foreign keys off outside the transaction (it cannot change inside one), so a table
    // rebuild cannot cascade into child rows; `foreign_key_check` runs before commit instead.
    c.execute("PRAGMA foreign_keys = OFF")
        .await
        .map_err(|e| Error::database("cannot switch foreign keys off", e))?;
    c.execute("BEGIN IMMEDIATE").await.map_err(|e| {
        Error::database(
            format!("cannot take the write lock: another apply or writer holds the database (waited {LOCK_WAIT_SECS}s)"),
            e,
        )
    })?;
    c.execute(format!("SAVEPOINT {SAVEPOINT}").as_str())
        .await
        .map_err(|e| Error::database("cannot open a savepoint", e))?;
    Ok(())
}

/// Commit or roll back, and switch foreign keys back on.
pub(crate) async fn end(c: &mut SqliteConnection, commit: bool) -> sqlx::Result<()> {
    let word = if commit { "COMMIT" } else { "ROLLBACK" };
    let ended = c.execute(word).await;
    let _ = c.execute("PRAGMA foreign_keys = ON").await;
    ended.map(|_| ())
}

/// Foreign keys are checked before commit (they are off during the apply): `ran` statements
/// ran, and a violation rolls them all back.
pub(crate) async fn foreign_key_check(c: &mut SqliteConnection, ran: usize) -> Result<()> {
    let violations = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut *c)
        .await
        .map_err(|e| Error::database("foreign_key_check failed", e))?;
    if let Some(row) = violations.first() {
        let table: String = row.try_get(0).unwrap_or_default();
        let parent: String = row.try_get(2).unwrap_or_default();
        return Err(Error::apply(
            format!(
                "rolled back: rows of `{table}` would point at missing rows of `{parent}` ({} violation(s)); nothing was applied. Fix the data or the foreign key",
                violations.len()
            ),
            Some(Progress {
                ran,
                of: ran,
                rolled_back: true,
            }),
        ));
    }
    Ok(())
}
