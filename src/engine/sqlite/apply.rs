//! How SQLite runs an apply: foreign keys off around one `BEGIN IMMEDIATE` transaction (the
//! write lock, waited for as long as `--lock-timeout` says), the savepoint that proves the
//! transaction is plinth's, the foreign key check before commit, and the history table.

use std::time::Duration;

use sqlx::{Executor, Row, SqliteConnection};

use super::session::BUSY_TIMEOUT;
use crate::db::apply::{seconds, Options, SAVEPOINT};
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

/// How long SQLite's busy handler waits for another connection's lock (a number: `PRAGMA`
/// takes no bound values).
async fn set_busy_timeout(c: &mut SqliteConnection, timeout: Duration) -> sqlx::Result<()> {
    let millis = timeout.as_millis().min(i32::MAX as u128);
    c.execute(format!("PRAGMA busy_timeout = {millis}").as_str())
        .await
        .map(|_| ())
}

/// Switch foreign keys off, take the write lock (waiting up to the lock timeout for another
/// writer) and open the savepoint.
pub(crate) async fn begin(c: &mut SqliteConnection, options: &Options) -> Result<()> {
    // Foreign keys off outside the transaction (it cannot change inside one), so a table
    // rebuild cannot cascade into child rows; `foreign_key_check` runs before commit instead.
    c.execute("PRAGMA foreign_keys = OFF")
        .await
        .map_err(|e| Error::database("cannot switch foreign keys off", e))?;
    set_busy_timeout(c, options.lock_timeout)
        .await
        .map_err(|e| Error::database("cannot set the busy timeout", e))?;
    c.execute("BEGIN IMMEDIATE").await.map_err(|e| {
        Error::database(
            format!(
                "cannot take the write lock: another apply or writer holds the database (waited {}; wait longer with --lock-timeout)",
                seconds(options.lock_timeout)
            ),
            e,
        )
    })?;
    c.execute(format!("SAVEPOINT {SAVEPOINT}").as_str())
        .await
        .map_err(|e| Error::database("cannot open a savepoint", e))?;
    Ok(())
}

/// Commit or roll back, switch foreign keys back on and the busy timeout back to the session's.
pub(crate) async fn end(c: &mut SqliteConnection, commit: bool) -> sqlx::Result<()> {
    let word = if commit { "COMMIT" } else { "ROLLBACK" };
    let ended = c.execute(word).await;
    let _ = c.execute("PRAGMA foreign_keys = ON").await;
    let _ = set_busy_timeout(c, BUSY_TIMEOUT).await;
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

/// Before any DDL: what a table rebuild would take with it and plinth cannot make again is an
/// error. A rebuild drops the table, and SQLite drops its triggers with it: a trigger on it the
/// plan does not drop (and make again: one plinth does not read, or no plugin of this plan
/// owns) is lost; a live view (`views`, as inspected) that reads the table and that the plan
/// does not drop (and make again) would make the rebuild's rename fail.
pub(crate) async fn refuse_lost_dependents(
    c: &mut SqliteConnection,
    rebuilt: &[String],
    views: &std::collections::BTreeMap<String, crate::model::View>,
    dropped: &std::collections::BTreeSet<String>,
) -> Result<()> {
    if rebuilt.is_empty() {
        return Ok(());
    }
    let rebuilt_here = |t: &str| rebuilt.iter().find(|r| r.eq_ignore_ascii_case(t));
    let gone = |name: &str| dropped.iter().any(|d| d.eq_ignore_ascii_case(name));
    let triggers = sqlx::query(
        "SELECT name, tbl_name FROM main.sqlite_schema WHERE type = 'trigger' ORDER BY name",
    )
    .fetch_all(&mut *c)
    .await
    .map_err(|e| Error::database("reading the triggers of the rebuilt tables", e))?;
    for row in triggers {
        let name: String = row.try_get(0).unwrap_or_default();
        let on: String = row.try_get(1).unwrap_or_default();
        if let Some(table) = rebuilt_here(&on).filter(|_| !gone(&name)) {
            return Err(Error::usage(format!(
                "refusing to apply: the plan rebuilds table `{table}`, and SQLite would drop its trigger `{name}` with it, which the plan does not make again (plinth does not read it, or no plugin of this plan owns it); nothing was run. Drop the trigger, apply, and create it again"
            )));
        }
    }
    let kept = views.values().filter(|v| !gone(&v.name));
    for view in kept {
        if let Some(table) = view.reads.iter().find_map(|r| rebuilt_here(r)) {
            return Err(Error::usage(format!(
                "refusing to apply: the plan rebuilds table `{table}`, which view `{}` reads, and the plan does not make that view again (no plugin of this plan owns it; SQLite cannot rebuild a table under a view); nothing was run. List the view in the plugin of the table, or drop it, apply, and create it again",
                view.name
            )));
        }
    }
    Ok(())
}
