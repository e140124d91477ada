//! The history table: per plugin, what plinth applied or uninstalled, when, at which plugin
//! version, and which tables the plugin owned then (how `status` finds the tables of a plugin
//! that plugins.toml no longer has).
//!
//! plinth creates it on the first apply (and adds the columns a table made by an earlier
//! plinth lacks) and never diffs or drops it (it is a `plinth_*` table). Every value is bound,
//! never spliced into the SQL.

use serde::Serialize;

use super::Conn;
use crate::engine;
use crate::error::{Error, Result};
use crate::pipeline::Batch;

pub const TABLE: &str = "plinth_history";

/// One engine's SQL for the history table.
pub(crate) struct HistorySql {
    pub ddl: &'static str,
    /// How many of the columns `plugin` and `kind` the table has: 0, no table; 1, a table of
    /// an earlier plinth (without `kind` and `tables`); 2, today's.
    pub columns: &'static str,
    /// What makes an earlier table today's.
    pub upgrade: &'static [&'static str],
    /// Binds plugin, version, statements, kind, tables.
    pub insert: &'static str,
    /// The newest row of each plugin: plugin, version, kind, tables, applied_at (as text).
    pub latest: &'static str,
    /// The same from an earlier table.
    pub latest_v1: &'static str,
}

fn sql(conn: &Conn) -> &'static HistorySql {
    match conn {
        Conn::Postgres(_) => &engine::postgres::apply::HISTORY,
        Conn::Mysql(_) => &engine::mysql::apply::HISTORY,
        Conn::Sqlite(_) => &engine::sqlite::apply::HISTORY,
    }
}

/// What a history row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The plugin's batch ran to its end (or there was nothing to run: a version recorded).
    Apply,
    /// MySQL: the batch stopped part way; `statements` holds those that ran.
    Partial,
    /// `plinth uninstall` dropped the plugin's tables.
    Uninstall,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Apply => "apply",
            Kind::Partial => "partial",
            Kind::Uninstall => "uninstall",
        }
    }

    fn read(text: &str) -> Kind {
        match text {
            "partial" => Kind::Partial,
            "uninstall" => Kind::Uninstall,
            _ => Kind::Apply,
        }
    }
}

/// The newest history row of a plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Last {
    pub plugin: String,
    pub version: Option<String>,
    pub kind: Kind,
    /// The tables the plugin owned when the row was written (empty from an earlier plinth).
    pub tables: Vec<String>,
    pub at: String,
}

impl Last {
    /// Whether the plugin is installed: applied (in full or in part) and not uninstalled since.
    pub fn installed(&self) -> bool {
        self.kind != Kind::Uninstall
    }
}

async fn count(conn: &mut Conn, sql: &str) -> sqlx::Result<i64> {
    match conn {
        Conn::Postgres(c) => sqlx::query_scalar(sql).fetch_one(c).await,
        Conn::Mysql(c) => sqlx::query_scalar(sql).fetch_one(c).await,
        Conn::Sqlite(c) => sqlx::query_scalar(sql).fetch_one(c).await,
    }
}

/// Create the table, or bring an earlier plinth's up to date.
pub async fn ensure(conn: &mut Conn) -> Result<()> {
    let history = sql(conn);
    let columns = count(conn, history.columns)
        .await
        .map_err(|e| Error::database(format!("cannot read {TABLE}"), e))?;
    if columns == 0 {
        conn.execute(history.ddl)
            .await
            .map_err(|e| Error::database(format!("cannot create {TABLE}"), e))?;
    } else if columns == 1 {
        for statement in history.upgrade {
            conn.execute(statement)
                .await
                .map_err(|e| Error::database(format!("cannot add a column to {TABLE}"), e))?;
        }
    }
    Ok(())
}

/// The newest row of each plugin, by plugin name; empty when there is no history table.
pub async fn latest(conn: &mut Conn) -> Result<Vec<Last>> {
    let history = sql(conn);
    let failed = |e| Error::database(format!("cannot read {TABLE}"), e);
    let query = match count(conn, history.columns).await.map_err(failed)? {
        0 => return Ok(Vec::new()),
        1 => history.latest_v1,
        _ => history.latest,
    };
    type Row = (String, Option<String>, String, Option<String>, String);
    let rows: Vec<Row> = match conn {
        Conn::Postgres(c) => sqlx::query_as(query).fetch_all(c).await,
        Conn::Mysql(c) => sqlx::query_as(query).fetch_all(c).await,
        Conn::Sqlite(c) => sqlx::query_as(query).fetch_all(c).await,
    }
    .map_err(failed)?;
    Ok(rows
        .into_iter()
        .map(|(plugin, version, kind, tables, at)| Last {
            plugin,
            version,
            kind: Kind::read(&kind),
            tables: tables
                .unwrap_or_default()
                .lines()
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            at,
        })
        .collect())
}

/// The values of one row: plugin, version, statements, kind, tables.
type Values<'a> = (&'a str, Option<&'a str>, String, &'static str, String);

fn values<'a>(batch: &'a Batch, ran: usize, kind: Kind) -> Values<'a> {
    let statements = batch.statements[..ran.min(batch.statements.len())]
        .iter()
        .map(|s| format!("{};", s.sql))
        .collect::<Vec<_>>()
        .join("\n");
    (
        batch.plugin.as_str(),
        batch.version.as_deref(),
        statements,
        kind.as_str(),
        batch.tables.join("\n"),
    )
}

/// Record one plugin's batch: all its statements, as `kind`.
pub async fn record(conn: &mut Conn, batch: &Batch, kind: Kind) -> Result<()> {
    insert(conn, values(batch, batch.statements.len(), kind))
        .await
        .map(|_| ())
}

/// MySQL: the row of a batch about to run, as `partial` with no statements yet; its id.
pub async fn start(conn: &mut Conn, batch: &Batch) -> Result<u64> {
    insert(conn, values(batch, 0, Kind::Partial)).await
}

/// MySQL: the batch's row after `ran` of its statements, `partial` until all ran, then `done`.
pub async fn progress(
    conn: &mut Conn,
    id: u64,
    batch: &Batch,
    ran: usize,
    done: Kind,
) -> Result<()> {
    let Conn::Mysql(c) = conn else {
        return Ok(());
    };
    let kind = if ran >= batch.statements.len() {
        done
    } else {
        Kind::Partial
    };
    let (_, _, statements, kind, _) = values(batch, ran, kind);
    sqlx::query(engine::mysql::apply::HISTORY_PROGRESS)
        .bind(statements)
        .bind(kind)
        .bind(id)
        .execute(c)
        .await
        .map(|_| ())
        .map_err(|e| Error::database(format!("cannot record the apply in {TABLE}"), e))
}

/// Insert one row; its id where the engine says it (MySQL), else 0.
async fn insert(conn: &mut Conn, row: Values<'_>) -> Result<u64> {
    let sql = sql(conn).insert;
    let result = match conn {
        Conn::Postgres(c) => bound(c, sql, &row).await.map(|_| 0),
        Conn::Mysql(c) => bound(c, sql, &row).await.map(|r| r.last_insert_id()),
        Conn::Sqlite(c) => bound(c, sql, &row).await.map(|_| 0),
    };
    result.map_err(|e| Error::database(format!("cannot record the apply in {TABLE}"), e))
}

/// `sql` with the row's values bound, on any engine.
async fn bound<'c, DB, E>(
    executor: E,
    sql: &'c str,
    (plugin, version, statements, kind, tables): &'c Values<'c>,
) -> sqlx::Result<DB::QueryResult>
where
    DB: sqlx::Database,
    E: sqlx::Executor<'c, Database = DB>,
    &'c str: sqlx::Encode<'c, DB> + sqlx::Type<DB>,
    Option<&'c str>: sqlx::Encode<'c, DB> + sqlx::Type<DB>,
    <DB as sqlx::Database>::Arguments<'c>: sqlx::IntoArguments<'c, DB>,
{
    sqlx::query(sql)
        .bind(*plugin)
        .bind(*version)
        .bind(statements.as_str())
        .bind(*kind)
        .bind(tables.as_str())
        .execute(executor)
        .await
}
