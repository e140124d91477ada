//! How PostgreSQL runs an apply: one transaction, a transaction-scoped advisory lock (naming
//! its holder when it cannot be had in time), lock timeouts, the savepoint that proves the
//! transaction is plinth's, and the history table.

use std::time::Duration;

use sqlx::{Executor, PgConnection, Row};

use crate::db::apply::{seconds, Options, LOCK_NAME, SAVEPOINT};
use crate::db::history::HistorySql;
use crate::error::{Code, DriverError, Error, Result};

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

/// The session holding plinth's advisory lock, read from a fresh transaction after the lock
/// could not be had. `pg_advisory_xact_lock(bigint)` shows in `pg_locks` as an `advisory` lock
/// of the current database whose `classid` and `objid` hold the key's high and low 32 bits,
/// with `objsubid` 1 (the single-bigint form). How long it has been held is not recorded;
/// plinth's lock lives as long as its transaction, so the holder's transaction start bounds it
/// (a session-level lock taken outside a transaction has only the connection's age).
const HOLDER: &str = "
SELECT a.pid, coalesce(a.application_name, '') AS application_name,
       coalesce(host(a.client_addr), '') AS client_addr, coalesce(a.usename::text, '') AS usename,
       extract(epoch FROM now() - a.xact_start)::int8 AS in_transaction,
       extract(epoch FROM now() - a.backend_start)::int8 AS connected
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::int8 = (hashtext($1)::int8 >> 32) & 4294967295
  AND l.objid::int8 = hashtext($1)::int8 & 4294967295
ORDER BY a.pid";

/// `lock_timeout` for the rest of the transaction (`SET LOCAL`), the value bound.
pub(crate) async fn set_lock_timeout(c: &mut PgConnection, timeout: Duration) -> Result<()> {
    sqlx::query("SELECT set_config('lock_timeout', $1, true)")
        .bind(format!("{}ms", timeout.as_millis().max(1)))
        .execute(&mut *c)
        .await
        .map(|_| ())
        .map_err(|e| Error::database("cannot set lock_timeout", e))
}

/// Open the transaction, take plinth's lock inside it and open the savepoint.
///
/// The lock is per database: an advisory lock's key includes the database it was taken in, so
/// applies to two databases of one server never wait for each other (two schemas of one
/// database share it).
pub(crate) async fn begin(c: &mut PgConnection, options: &Options) -> Result<()> {
    c.execute("BEGIN")
        .await
        .map_err(|e| Error::database("cannot begin", e))?;
    // Transaction-scoped: released by COMMIT/ROLLBACK, so it cannot leak through a connection
    // pooler.
    set_lock_timeout(c, options.lock_timeout).await?;
    if let Err(e) = sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(LOCK_NAME)
        .execute(&mut *c)
        .await
    {
        // The failed call aborted the transaction: the holder is read after it.
        let _ = c.execute("ROLLBACK").await;
        let said = DriverError::from(e);
        let timed_out =
            matches!(&said.code, Some(Code::Postgres { sqlstate, .. }) if sqlstate == "55P03");
        if !timed_out {
            return Err(Error::database("cannot take plinth's advisory lock", said));
        }
        let holder = holder(c).await;
        return Err(Error::database(
            format!(
                "waited {} for plinth's advisory lock, held by {holder}: another `plinth apply` is running against this database; retry when it is done, or wait longer with --lock-timeout",
                seconds(options.lock_timeout)
            ),
            said,
        ));
    }
    set_lock_timeout(c, options.ddl_lock_timeout()).await?;
    c.execute(format!("SAVEPOINT {SAVEPOINT}").as_str())
        .await
        .map_err(|e| Error::database("cannot open a savepoint", e))?;
    Ok(())
}

/// Refuse, before anything runs, a transaction that locks more relations (`needed`, a lower
/// bound) than the server's lock table holds: `max_locks_per_transaction` × (`max_connections`
/// + `max_prepared_transactions`), shared by every session.
pub(crate) async fn check_lock_budget(c: &mut PgConnection, needed: usize) -> Result<()> {
    let row = sqlx::query(
        "SELECT current_setting('max_locks_per_transaction')::int8, \
                current_setting('max_connections')::int8, \
                current_setting('max_prepared_transactions')::int8",
    )
    .fetch_one(&mut *c)
    .await
    .map_err(|e| Error::database("reading the lock settings", e))?;
    let get = |i: usize| -> Result<u64> {
        let n: i64 = row
            .try_get(i)
            .map_err(|e| Error::database("reading the lock settings", e))?;
        Ok(u64::try_from(n).unwrap_or(0))
    };
    let (per, connections, prepared) = (get(0)?, get(1)?, get(2)?);
    let sessions = (connections + prepared).max(1);
    let budget = per * sessions;
    let needed = u64::try_from(needed).unwrap_or(u64::MAX);
    if needed <= budget {
        return Ok(());
    }
    Err(Error::apply(
        format!(
            "refusing to apply: this plan locks at least {needed} tables, indexes and sequences in one transaction, and PostgreSQL's lock table holds {budget} (max_locks_per_transaction {per} × (max_connections {connections} + max_prepared_transactions {prepared})), shared by every session; nothing was applied. Raise max_locks_per_transaction to more than {} in postgresql.conf (that count leaves out TOAST tables: leave room) and restart PostgreSQL, or apply fewer plugins at a time",
            needed.div_ceil(sessions)
        ),
        None,
    ))
}

/// Hold plinth's lock past the transaction (a session-level advisory lock on the same key,
/// which the transaction's own lock lets this session take at once): what runs after the
/// commit (`CREATE INDEX CONCURRENTLY`) keeps other applies out until [`unhold`].
pub(crate) async fn hold(c: &mut PgConnection) -> Result<()> {
    sqlx::query("SELECT pg_advisory_lock(hashtext($1))")
        .bind(LOCK_NAME)
        .execute(&mut *c)
        .await
        .map(|_| ())
        .map_err(|e| Error::database("cannot hold plinth's advisory lock", e))
}

/// Let go of what [`hold`] took.
pub(crate) async fn unhold(c: &mut PgConnection) -> Result<()> {
    sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
        .bind(LOCK_NAME)
        .execute(&mut *c)
        .await
        .map(|_| ())
        .map_err(|e| Error::database("cannot release plinth's advisory lock", e))
}

/// Who holds plinth's advisory lock, in words: `session pid 4242 (application `plinth`, client
/// 10.0.0.5, user deploy) for up to 12s (its transaction began 12s ago)`; or why that is unknown.
async fn holder(c: &mut PgConnection) -> String {
    let rows = match sqlx::query(HOLDER).bind(LOCK_NAME).fetch_all(&mut *c).await {
        Ok(rows) => rows,
        Err(e) => return format!("another session (which one could not be read: {e})"),
    };
    let described: Vec<String> = rows
        .iter()
        .map(|row| {
            let pid: i32 = row.try_get("pid").unwrap_or_default();
            let text = |column: &str| -> String { row.try_get(column).unwrap_or_default() };
            let application = text("application_name");
            let mut about = vec![if application.is_empty() {
                "no application_name".to_string()
            } else {
                format!("application `{application}`")
            }];
            let client = text("client_addr");
            about.push(if client.is_empty() {
                "a local socket".to_string()
            } else {
                format!("client {client}")
            });
            let user = text("usename");
            if !user.is_empty() {
                about.push(format!("user {user}"));
            }
            let in_transaction: Option<i64> = row.try_get("in_transaction").unwrap_or_default();
            let connected: Option<i64> = row.try_get("connected").unwrap_or_default();
            let held = match (in_transaction, connected) {
                (Some(t), _) => format!(" for up to {t}s (its transaction began {t}s ago)"),
                (None, Some(c)) => format!(" outside a transaction (connected {c}s ago)"),
                (None, None) => String::new(),
            };
            format!("session pid {pid} ({}){held}", about.join(", "))
        })
        .collect();
    if described.is_empty() {
        // Released between the timeout and this query, or not visible to this user.
        "another session (gone by now, or not visible to this user)".to_string()
    } else {
        described.join("; ")
    }
}

/// Commit or roll back (which releases the lock).
pub(crate) async fn end(c: &mut PgConnection, commit: bool) -> sqlx::Result<()> {
    let word = if commit { "COMMIT" } else { "ROLLBACK" };
    c.execute(word).await.map(|_| ())
}
