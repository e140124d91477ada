//! A PostgreSQL session as plinth needs it: connected with the URL's options (TLS as its
//! `sslmode` says), named `plinth` in `pg_stat_activity` (unless the URL names it), and with
//! standard strings, which is what `crate::quote` writes.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, PgConnection};

/// The `application_name` plinth's sessions show (in `pg_stat_activity`, and in the message
/// of an apply that waited for another's lock), unless the URL's `application_name` says
/// otherwise.
pub(crate) const APPLICATION_NAME: &str = "plinth";

/// Connect and set the session up.
pub(crate) async fn connect(driver_url: &str) -> sqlx::Result<PgConnection> {
    let mut options = PgConnectOptions::from_str(driver_url)?;
    if options.get_application_name().is_none() {
        options = options.application_name(APPLICATION_NAME);
    }
    let mut c = options.connect().await?;
    settings(&mut c).await?;
    Ok(c)
}

/// PostgreSQL: strings are standard strings (a backslash is an ordinary character).
async fn settings(c: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SET standard_conforming_strings = on")
        .persistent(false)
        .execute(c)
        .await
        .map(|_| ())
}
