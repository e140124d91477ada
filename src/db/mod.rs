//! The database layer, engine-neutral: `Conn` (one statement at a time), connecting,
//! inspecting, applying and the history table; each engine's part is in
//! `engine::<e>::{session, inspect, apply}`.

pub mod apply;
mod canonical;
pub(crate) mod catalog;
pub mod data;
pub mod history;
#[cfg(test)]
pub(crate) mod testing;
pub mod url;

use sqlx::{MySqlConnection, PgConnection, SqliteConnection};

pub use apply::{apply, Applied, Options};
pub use canonical::server_canonical;

use crate::engine;
use crate::error::{Code, DriverError, Error, Result};
use crate::model::{Dialect, Schema};

/// What an inspection read, and how many catalog queries it took (a fixed number, whatever
/// the size of the schema: tests hold inspectors to that).
#[derive(Debug)]
pub struct Inspected {
    pub schema: Schema,
    pub queries: usize,
}

/// plinth's own bookkeeping tables: never inspected, diffed or dropped.
pub fn is_plinth_table(name: &str) -> bool {
    name.starts_with("plinth_")
}

/// An open connection to one of the three engines.
pub enum Conn {
    Postgres(PgConnection),
    Mysql(MySqlConnection),
    Sqlite(SqliteConnection),
}

/// Why [`Conn::execute`] did not run a statement.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The text holds more than one statement (or none): plinth's own bug, refused unrun.
    #[error("{0}")]
    NotOne(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Conn {
    /// Run one statement, sent so that the server cannot run it as several: PostgreSQL's
    /// extended protocol and MySQL's prepared statements take exactly one statement, and for
    /// SQLite, whose driver would run every statement of a text, SQLite's own parser is asked
    /// first whether anything follows the first one.
    pub async fn execute(&mut self, sql: &str) -> std::result::Result<(), ExecError> {
        match self {
            Conn::Postgres(c) => {
                sqlx::query(sql).persistent(false).execute(c).await?;
            }
            Conn::Mysql(c) => {
                sqlx::query(sql).persistent(false).execute(c).await?;
            }
            Conn::Sqlite(c) => {
                engine::sqlite::session::one_statement(c, sql).await?;
                sqlx::query(sql).persistent(false).execute(c).await?;
            }
        }
        Ok(())
    }

    /// Run one query (sent as [`Conn::execute`] sends a statement) and read every cell as text:
    /// text as it is, an integer in digits, NULL as `None`.
    pub async fn texts(
        &mut self,
        sql: &str,
    ) -> std::result::Result<crate::plan::data::Rows, ExecError> {
        fn cells<R: sqlx::Row>(rows: Vec<R>) -> crate::plan::data::Rows
        where
            for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            usize: sqlx::ColumnIndex<R>,
        {
            (rows.iter())
                .map(|row| {
                    (0..row.len())
                        .map(|i| match row.try_get::<Option<String>, _>(i) {
                            Ok(text) => text,
                            Err(_) => row
                                .try_get::<Option<i64>, _>(i)
                                .ok()
                                .flatten()
                                .map(|n| n.to_string()),
                        })
                        .collect()
                })
                .collect()
        }
        Ok(match self {
            Conn::Postgres(c) => cells(sqlx::query(sql).persistent(false).fetch_all(c).await?),
            Conn::Mysql(c) => cells(sqlx::query(sql).persistent(false).fetch_all(c).await?),
            Conn::Sqlite(c) => {
                engine::sqlite::session::one_statement(c, sql).await?;
                cells(sqlx::query(sql).persistent(false).fetch_all(c).await?)
            }
        })
    }

    /// Run SQL text as it is, several statements allowed, for tests and benchmarks that set up
    /// data. plinth itself never runs anything through this.
    pub async fn run_script(&mut self, sql: &str) -> std::result::Result<(), sqlx::Error> {
        match self {
            Conn::Postgres(c) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
            Conn::Mysql(c) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
            Conn::Sqlite(c) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Conn::Postgres(_) => Dialect::Postgres,
            Conn::Mysql(_) => Dialect::Mysql,
            Conn::Sqlite(_) => Dialect::Sqlite,
        }
    }
}

/// What a sqlx error says, field by field: the server's code, and PostgreSQL's DETAIL and
/// HINT, which the error's own `Display` leaves out. (Why the sqlx error is not kept: see
/// [`DriverError`].)
impl From<sqlx::Error> for DriverError {
    fn from(e: sqlx::Error) -> DriverError {
        let sqlx::Error::Database(db) = &e else {
            return DriverError::from(e.to_string());
        };
        let mut said = DriverError::from(db.message());
        if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
            said.code = Some(Code::Postgres {
                severity: pg_severity(pg.severity()).into(),
                sqlstate: pg.code().into(),
            });
            said.detail = pg.detail().map(str::to_string);
            said.hint = pg.hint().map(str::to_string);
        } else if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
            said.code = Some(Code::Mysql {
                number: my.number(),
                sqlstate: my.code().map(str::to_string),
            });
        } else if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
            said.code = db.code().map(|code| Code::Sqlite {
                code: code.into_owned(),
            });
        }
        said
    }
}

impl From<ExecError> for DriverError {
    fn from(e: ExecError) -> DriverError {
        match e {
            ExecError::NotOne(why) => DriverError::from(why),
            ExecError::Database(e) => DriverError::from(e),
        }
    }
}

/// A severity as PostgreSQL spells it in its own messages.
fn pg_severity(severity: sqlx::postgres::PgSeverity) -> &'static str {
    use sqlx::postgres::PgSeverity as S;
    match severity {
        S::Panic => "PANIC",
        S::Fatal => "FATAL",
        S::Error => "ERROR",
        S::Warning => "WARNING",
        S::Notice => "NOTICE",
        S::Debug => "DEBUG",
        S::Info => "INFO",
        S::Log => "LOG",
    }
}

pub use url::{redact, DatabaseUrl};

/// Connect to the database a URL names (TLS as its `sslmode` / `ssl-mode` says).
pub async fn connect(url: &DatabaseUrl) -> Result<Conn> {
    let fail = |e: sqlx::Error| Error::database(format!("cannot connect to {url}"), e);
    let driver_url = url.for_driver();
    Ok(match url.dialect() {
        Dialect::Postgres => Conn::Postgres(
            engine::postgres::session::connect(&driver_url)
                .await
                .map_err(fail)?,
        ),
        Dialect::Mysql => Conn::Mysql(
            engine::mysql::session::connect(&driver_url)
                .await
                .map_err(fail)?,
        ),
        Dialect::Sqlite => Conn::Sqlite(
            engine::sqlite::session::connect(&driver_url)
                .await
                .map_err(fail)?,
        ),
    })
}

/// Read the live schema for a command that changes nothing (plan, check): on PostgreSQL over
/// two connections sharing one snapshot, so the server works on two queries at once.
pub async fn inspect_read_only(url: &DatabaseUrl) -> Result<Inspected> {
    let mut conn = connect(url).await?;
    inspect_on(&mut conn, url).await
}

async fn inspect_on(conn: &mut Conn, url: &DatabaseUrl) -> Result<Inspected> {
    if let Conn::Postgres(first) = conn {
        if let Conn::Postgres(mut second) = connect(url).await? {
            return crate::engine::postgres::inspect::inspect_concurrently(first, &mut second)
                .await;
        }
    }
    inspect(conn).await
}

/// What a command that changes nothing reads: the live schema and the newest history row
/// of each plugin.
#[derive(Debug, Default)]
pub struct Live {
    pub schema: Schema,
    /// Catalog queries the inspection took.
    pub queries: usize,
    pub history: Vec<history::Last>,
}

/// [`inspect_read_only`], and the history.
pub async fn read_live(url: &DatabaseUrl) -> Result<Live> {
    let mut conn = connect(url).await?;
    let Inspected { schema, queries } = inspect_on(&mut conn, url).await?;
    let history = history::latest(&mut conn).await?;
    Ok(Live {
        schema,
        queries,
        history,
    })
}

/// What the database holds that plinth does not model yet, as (kind, name) in that order:
/// `adopt` names them as not adopted.
pub async fn unmodelled(conn: &mut Conn) -> Result<Vec<(String, String)>> {
    match conn {
        Conn::Postgres(c) => crate::engine::postgres::inspect::unmodelled(c).await,
        Conn::Mysql(c) => crate::engine::mysql::inspect::unmodelled(c).await,
        Conn::Sqlite(c) => crate::engine::sqlite::inspect::unmodelled(c).await,
    }
}

/// Read the live schema (every table but plinth's own).
pub async fn inspect(conn: &mut Conn) -> Result<Inspected> {
    match conn {
        Conn::Postgres(c) => crate::engine::postgres::inspect::inspect(c).await,
        Conn::Mysql(c) => crate::engine::mysql::inspect::inspect(c).await,
        Conn::Sqlite(c) => crate::engine::sqlite::inspect::inspect(c).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://bob:secret@db:5432/app"),
            "postgres://bob:***@db:5432/app"
        );
        assert_eq!(redact("mysql://root@h/x"), "mysql://root@h/x");
        assert_eq!(redact("sqlite://shop.db"), "sqlite://shop.db");
    }

    /// A real driver error, taken apart: SQLite's extended code is kept.
    #[test]
    fn a_sqlite_failure_keeps_its_extended_code() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let said = rt.block_on(async {
            let url = DatabaseUrl::parse("sqlite::memory:").expect("a URL");
            let mut conn = connect(&url).await.expect("connect");
            conn.run_script("CREATE TABLE t (a integer UNIQUE); INSERT INTO t VALUES (1);")
                .await
                .expect("setup");
            let e = conn
                .execute("INSERT INTO t VALUES (1)")
                .await
                .expect_err("a duplicate");
            DriverError::from(e)
        });
        assert_eq!(
            said.to_string(),
            "UNIQUE constraint failed: t.a (SQLite error 2067)"
        );
    }

    #[test]
    fn a_cut_password_is_refused_before_connecting() {
        // Parsed as written, this would connect to host `u` and ask for database `cd@…`.
        let e = DatabaseUrl::parse("postgres://u:12/cd@127.0.0.1:1/db").expect_err("refused");
        assert!(matches!(e, Error::Usage(_)), "{e}");
        assert!(
            e.to_string().contains("postgres://u:***@127.0.0.1:1/db"),
            "{e}"
        );
    }
}
