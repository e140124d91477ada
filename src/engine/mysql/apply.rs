//! How MySQL/MariaDB run an apply: every DDL statement commits, so there is no transaction;
//! a named lock (`GET_LOCK`) per database keeps two applies to one database apart (and naming
//! its holder when it cannot be had in time), a lock wait timeout makes a busy table fail fast,
//! and the history table records each plugin as it finishes.

use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::mysql::MySqlRow;
use sqlx::{MySqlConnection, Row};

use crate::db::apply::{seconds, Options, LOCK_NAME};
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

/// The longest name `GET_LOCK` takes (MySQL 5.7+ refuses longer ones).
const MAX_LOCK_NAME: usize = 64;

/// The holder of a named lock: its connection id and, where `PROCESSLIST` shows it to this
/// user, who it is and what it does.
const HOLDER: &str =
    "SELECT CAST(h.id AS SIGNED), p.USER, p.HOST, p.COMMAND, CAST(p.TIME AS SIGNED) \
     FROM (SELECT IS_USED_LOCK(?) AS id) h \
     LEFT JOIN information_schema.PROCESSLIST p ON p.ID = h.id";

/// plinth's lock for one database. Named locks are server-wide, so the name holds the
/// database's: applies to two databases of one server never wait for each other. Lock names
/// compare without regard to case and are at most 64 characters, while database names are
/// case-sensitive (on most systems) and up to 64 characters themselves: a name that is not
/// plain lowercase ASCII, or too long, is replaced by the start of itself and a SHA-256
/// digest (128 bits) of it, so two databases never share a lock in practice. The name is part
/// of the contract between plinth versions: a change lets an old and a new apply run at once.
pub(crate) fn lock_name(database: &str) -> String {
    let prefix = format!("{LOCK_NAME}:");
    let plain = database.is_ascii() && !database.bytes().any(|b| b.is_ascii_uppercase());
    if plain && prefix.len() + database.len() <= MAX_LOCK_NAME {
        return format!("{prefix}{database}");
    }
    let digest: String = Sha256::digest(database.as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    // Characters, not bytes: the limit counts characters.
    let room = MAX_LOCK_NAME - prefix.len() - 1 - digest.len();
    let start: String = database.chars().take(room).collect();
    format!("{prefix}{start}#{digest}")
}

/// Whole seconds, rounded up: `GET_LOCK` and `lock_wait_timeout` take seconds.
fn whole_seconds(d: Duration) -> i64 {
    let millis = d.as_millis().div_ceil(1000);
    i64::try_from(millis).unwrap_or(i64::MAX)
}

/// The database this connection works on, and plinth's lock for it.
async fn current_lock(c: &mut MySqlConnection) -> Result<(String, String)> {
    let database: Option<Vec<u8>> = sqlx::query_scalar("SELECT DATABASE()")
        .fetch_one(&mut *c)
        .await
        .map_err(|e| Error::database("cannot read the current database", e))?;
    let Some(database) = database.map(|d| String::from_utf8_lossy(&d).into_owned()) else {
        return Err(Error::usage(
            "the MySQL URL names no database: add one, as in mysql://user@host/app",
        ));
    };
    let name = lock_name(&database);
    Ok((database, name))
}

/// Take plinth's named lock for the current database (naming its holder when another apply
/// has it) and set the lock wait timeout for the DDL that follows.
pub(crate) async fn begin(c: &mut MySqlConnection, options: &Options) -> Result<()> {
    let (database, name) = current_lock(c).await?;
    let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, ?)")
        .bind(&name)
        .bind(whole_seconds(options.lock_timeout))
        .fetch_one(&mut *c)
        .await
        .map_err(|e| Error::database("cannot take plinth's lock", e))?;
    if got != Some(1) {
        let holder = holder(c, &name).await;
        return Err(Error::apply(
            format!(
                "waited {} for plinth's lock `{name}` on database `{database}`, held by {holder}: another `plinth apply` is running against this database; retry when it is done, or wait longer with --lock-timeout",
                seconds(options.lock_timeout)
            ),
            None,
        ));
    }
    set_lock_wait_timeout(c, options.ddl_lock_timeout()).await
}

/// How long each DDL statement of this session waits for a table's metadata lock (whole
/// seconds, at least one).
pub(crate) async fn set_lock_wait_timeout(
    c: &mut MySqlConnection,
    timeout: Duration,
) -> Result<()> {
    sqlx::query("SET SESSION lock_wait_timeout = ?")
        .bind(whole_seconds(timeout).max(1))
        .execute(&mut *c)
        .await
        .map(|_| ())
        .map_err(|e| Error::database("cannot set lock_wait_timeout", e))
}

/// Who holds the named lock `name`, in words: `connection 42 (deploy@10.0.0.5:51234, command
/// `Sleep` for 12s)`, the connection id alone when `PROCESSLIST` does not show it to this user.
async fn holder(c: &mut MySqlConnection, name: &str) -> String {
    let row = match sqlx::query(HOLDER).bind(name).fetch_one(&mut *c).await {
        Ok(row) => row,
        Err(e) => return format!("another connection (which one could not be read: {e})"),
    };
    describe_holder(&row)
}

fn describe_holder(row: &MySqlRow) -> String {
    let text = |i: usize| -> Option<String> {
        let bytes: Option<Vec<u8>> = row.try_get(i).ok().flatten();
        bytes.map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    let Some(id) = row.try_get::<Option<i64>, _>(0).ok().flatten() else {
        return "another connection (gone by now)".to_string();
    };
    let mut about = Vec::new();
    if let (Some(user), Some(host)) = (text(1), text(2)) {
        about.push(format!("{user}@{host}"));
    }
    if let Some(command) = text(3) {
        let time = match row.try_get::<Option<i64>, _>(4).ok().flatten() {
            Some(t) => format!(" for {t}s"),
            None => String::new(),
        };
        about.push(format!("command `{command}`{time}"));
    }
    if about.is_empty() {
        format!("connection {id}")
    } else {
        format!("connection {id} ({})", about.join(", "))
    }
}

/// Release plinth's lock (each statement has committed already).
pub(crate) async fn end(c: &mut MySqlConnection) -> sqlx::Result<()> {
    let database: Option<Vec<u8>> = sqlx::query_scalar("SELECT DATABASE()")
        .fetch_one(&mut *c)
        .await?;
    let Some(database) = database else {
        return Ok(());
    };
    sqlx::query("SELECT RELEASE_LOCK(?)")
        .bind(lock_name(&String::from_utf8_lossy(&database)))
        .execute(&mut *c)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_names_are_per_database_and_fit() {
        assert_eq!(lock_name("app"), "plinth_apply:app");
        assert_eq!(lock_name("my_db-2"), "plinth_apply:my_db-2");
        // Lock names ignore case; database names do not.
        assert_ne!(lock_name("App").to_lowercase(), lock_name("app"));
        assert!(lock_name("App").starts_with("plinth_apply:App#"));
        let long = "d".repeat(64);
        let longer = format!("{}e", "d".repeat(63));
        for name in [&long, &longer, &"é".repeat(64)] {
            assert!(lock_name(name).chars().count() <= MAX_LOCK_NAME, "{name}");
        }
        assert_ne!(lock_name(&long), lock_name(&longer));
        // 51 characters still fit as they are.
        let fits = "f".repeat(51);
        assert_eq!(lock_name(&fits), format!("plinth_apply:{fits}"));
        assert_eq!(lock_name(&long), lock_name(&long), "stable");
    }

    #[test]
    fn timeouts_are_whole_seconds_rounded_up() {
        assert_eq!(whole_seconds(Duration::from_secs(30)), 30);
        assert_eq!(whole_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(whole_seconds(Duration::ZERO), 0);
    }
}
