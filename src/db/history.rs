//! The history table: per plugin, what plinth applied, when, and at which plugin version.
//!
//! plinth creates it on the first apply and never diffs or drops it (it is a `plinth_*` table).

use super::Conn;
use crate::error::{Error, Result};
use crate::pipeline::Batch;

pub const TABLE: &str = "plinth_history";

pub async fn ensure(conn: &mut Conn) -> Result<()> {
    let ddl = match conn {
        Conn::Sqlite(_) => "CREATE TABLE IF NOT EXISTS plinth_history (\n  id INTEGER PRIMARY KEY,\n  plugin TEXT NOT NULL,\n  version TEXT,\n  applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n  statements TEXT NOT NULL\n)",
        Conn::Postgres(_) => "CREATE TABLE IF NOT EXISTS plinth_history (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  plugin text NOT NULL,\n  version text,\n  applied_at timestamptz NOT NULL DEFAULT now(),\n  statements text NOT NULL\n)",
        Conn::Mysql(_) => "CREATE TABLE IF NOT EXISTS plinth_history (\n  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  plugin varchar(255) NOT NULL,\n  version varchar(255),\n  applied_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,\n  statements longtext NOT NULL\n)",
    };
    conn.execute(ddl)
        .await
        .map_err(|e| Error::database(format!("cannot create {TABLE}"), e))
}

pub async fn record(conn: &mut Conn, batch: &Batch) -> Result<()> {
    let statements = batch
        .statements
        .iter()
        .map(|s| format!("{};", s.sql))
        .collect::<Vec<_>>()
        .join("\n");
    let version = batch.version.clone();
    let result = match conn {
        Conn::Sqlite(c) => {
            sqlx::query("INSERT INTO plinth_history (plugin, version, statements) VALUES (?, ?, ?)")
                .bind(&batch.plugin)
                .bind(version)
                .bind(statements)
                .execute(c)
                .await
                .map(|_| ())
        }
        Conn::Postgres(c) => sqlx::query(
            "INSERT INTO plinth_history (plugin, version, statements) VALUES ($1, $2, $3)",
        )
        .bind(&batch.plugin)
        .bind(version)
        .bind(statements)
        .execute(c)
        .await
        .map(|_| ()),
        Conn::Mysql(c) => {
            sqlx::query("INSERT INTO plinth_history (plugin, version, statements) VALUES (?, ?, ?)")
                .bind(&batch.plugin)
                .bind(version)
                .bind(statements)
                .execute(c)
                .await
                .map(|_| ())
        }
    };
    result.map_err(|e| Error::database(format!("cannot record the apply in {TABLE}"), e))
}
