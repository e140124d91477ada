//! The session plinth runs in: settings that make its quoting mean what it says, and the
//! guards that keep each of its statements one statement.
//!
//! `crate::quote` writes PostgreSQL strings as standard strings and MySQL strings with
//! backslash escapes and backtick-quoted names; that is only right when the session agrees, so
//! every connection sets `standard_conforming_strings = on` (PostgreSQL) or drops
//! `NO_BACKSLASH_ESCAPES` and `ANSI_QUOTES` from its `sql_mode` (MySQL/MariaDB), whatever the
//! server's defaults are.

use sqlx::{MySqlConnection, PgConnection, SqliteConnection};

use super::ExecError;

/// PostgreSQL: strings are standard strings (a backslash is an ordinary character).
pub async fn postgres(c: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SET standard_conforming_strings = on")
        .persistent(false)
        .execute(c)
        .await
        .map(|_| ())
}

/// MySQL/MariaDB: `\` escapes in strings and `"` quotes strings, as `crate::quote` writes them.
pub async fn mysql(c: &mut MySqlConnection) -> Result<(), sqlx::Error> {
    let mode: String = sqlx::query_scalar("SELECT CAST(@@SESSION.sql_mode AS CHAR)")
        .persistent(false)
        .fetch_one(&mut *c)
        .await?;
    let kept = without_quoting_modes(&mode);
    if kept != mode {
        sqlx::query("SET SESSION sql_mode = ?")
            .persistent(false)
            .bind(kept)
            .execute(c)
            .await?;
    }
    Ok(())
}

/// `sql_mode` without the modes that change how quotes and backslashes read (`ANSI` implies
/// `ANSI_QUOTES`, and the server lists it expanded).
fn without_quoting_modes(mode: &str) -> String {
    mode.split(',')
        .filter(|m| {
            let m = m.trim();
            !m.is_empty()
                && !m.eq_ignore_ascii_case("NO_BACKSLASH_ESCAPES")
                && !m.eq_ignore_ascii_case("ANSI_QUOTES")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// SQLite: `sql` is exactly one statement, as SQLite's own parser reads it (sqlx would run every
/// statement of the text). A text SQLite cannot prepare is left for the execution to report.
#[expect(
    unsafe_code,
    reason = "the one call into SQLite's C API: only sqlite3_prepare_v2 says where the first statement ends"
)]
pub async fn sqlite_one_statement(c: &mut SqliteConnection, sql: &str) -> Result<(), ExecError> {
    use libsqlite3_sys::{sqlite3_finalize, sqlite3_prepare_v2, sqlite3_stmt, SQLITE_OK};
    use std::os::raw::{c_char, c_int};

    let length = c_int::try_from(sql.len())
        .map_err(|_| ExecError::NotOne("a statement longer than SQLite takes".into()))?;
    let mut handle = c.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    let mut statement: *mut sqlite3_stmt = std::ptr::null_mut();
    let mut tail: *const c_char = std::ptr::null();
    // SAFETY: `db` is the open connection, locked out of sqlx's worker for the duration of
    // `handle`; `sql` outlives the call and `length` is its exact byte length, so SQLite reads
    // within it; the prepared statement is finalized before the handle is released.
    let rc = unsafe {
        let rc = sqlite3_prepare_v2(
            db,
            sql.as_ptr().cast::<c_char>(),
            length,
            &mut statement,
            &mut tail,
        );
        if !statement.is_null() {
            sqlite3_finalize(statement);
        }
        rc
    };
    drop(handle);
    if rc != SQLITE_OK {
        return Ok(());
    }
    if statement.is_null() {
        return Err(ExecError::NotOne(format!(
            "refusing to run an empty statement: {sql}"
        )));
    }
    // `tail` points into `sql`, just after the first statement.
    let consumed = (tail as usize).saturating_sub(sql.as_ptr() as usize);
    let rest = sql.get(consumed..).unwrap_or_default();
    if !rest.trim().is_empty() {
        return Err(ExecError::NotOne(format!(
            "refusing to run text that SQLite reads as more than one statement (this is a plinth bug, please report it with the schema): {sql}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_modes_are_dropped() {
        assert_eq!(
            without_quoting_modes(
                "STRICT_TRANS_TABLES,ANSI_QUOTES,NO_BACKSLASH_ESCAPES,PIPES_AS_CONCAT"
            ),
            "STRICT_TRANS_TABLES,PIPES_AS_CONCAT"
        );
        assert_eq!(without_quoting_modes(""), "");
    }
}
