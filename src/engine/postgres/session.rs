//! A PostgreSQL session as plinth needs it: connected with the URL's options (TLS as its
//! `sslmode` says) and with standard strings, which is what `crate::quote` writes.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, PgConnection};

/// Connect and set the session up.
pub(crate) async fn connect(driver_url: &str) -> sqlx::Result<PgConnection> {
    let mut c = PgConnectOptions::from_str(driver_url)?.connect().await?;
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
