//! A SQLite connection as plinth needs it: the file created if missing, foreign keys off
//! (the apply switches them as it needs), a busy timeout; and the guard that keeps each
//! statement plinth runs one statement, by SQLite's own parser.

use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, SqliteConnection};

use crate::db::ExecError;

/// How long a statement waits for another connection's lock (an apply sets its own, from
/// `--lock-timeout`, while it runs).
pub(crate) const BUSY_TIMEOUT: std::time::Duration = crate::db::apply::DEFAULT_LOCK_TIMEOUT;

/// Open the database the URL names.
pub(crate) async fn connect(driver_url: &str) -> sqlx::Result<SqliteConnection> {
    SqliteConnectOptions::from_str(driver_url)?
        .create_if_missing(true)
        .foreign_keys(false)
        .busy_timeout(BUSY_TIMEOUT)
        .connect()
        .await
}

/// SQLite: `sql` is exactly one statement, as SQLite's own parser reads it (sqlx would run every
/// statement of the text). A text SQLite cannot prepare is left for the execution to report.
#[expect(
    unsafe_code,
    reason = "the one call into SQLite's C API: only sqlite3_prepare_v2 says where the first statement ends"
)]
pub(crate) async fn one_statement(c: &mut SqliteConnection, sql: &str) -> Result<(), ExecError> {
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
