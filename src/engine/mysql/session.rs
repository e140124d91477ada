//! A MySQL/MariaDB session as plinth needs it: connected with the URL's options (TLS as its
//! `ssl-mode` says) and with the `sql_mode` that `crate::quote` writes for: backslash escapes
//! in strings, backticks around names, whatever the server's defaults are.

use std::str::FromStr;

use sqlx::mysql::MySqlConnectOptions;
use sqlx::{ConnectOptions, MySqlConnection};

/// Connect and set the session up.
pub(crate) async fn connect(driver_url: &str) -> sqlx::Result<MySqlConnection> {
    let mut c = MySqlConnectOptions::from_str(driver_url)?.connect().await?;
    settings(&mut c).await?;
    Ok(c)
}

/// MySQL/MariaDB: `\` escapes in strings and `"` quotes strings, as `crate::quote` writes them.
async fn settings(c: &mut MySqlConnection) -> Result<(), sqlx::Error> {
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
