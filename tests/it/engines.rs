//! Live test databases: a fresh database per test on each real server, dropped afterwards.
//!
//! URLs come from PLINTH_TEST_POSTGRES_URL / PLINTH_TEST_MYSQL_URL. An unreachable server skips
//! its tests with a printed notice, unless PLINTH_REQUIRE_ENGINES names it: then they fail.

use std::sync::atomic::{AtomicUsize, Ordering};

use plinth::db::{self, Conn};
use plinth::model::Dialect;

/// A test's database URL, checked as plinth checks every URL.
pub fn url(text: &str) -> db::DatabaseUrl {
    db::DatabaseUrl::parse(text).expect("a well-formed test URL")
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Run the plinth binary in `dir` (no DATABASE_URL from the environment).
pub fn plinth(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_plinth"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run plinth")
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn server_url(dialect: Dialect) -> String {
    match dialect {
        Dialect::Postgres => std::env::var("PLINTH_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres".into()),
        Dialect::Mysql => std::env::var("PLINTH_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
        Dialect::Sqlite => String::new(),
    }
}

pub fn required(dialect: Dialect) -> bool {
    std::env::var("PLINTH_REQUIRE_ENGINES")
        .unwrap_or_default()
        .split(',')
        .any(|e| Dialect::from_name(e.trim()) == Some(dialect))
}

/// Replace the database part of a server URL.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    format!("{}/{db}{query}", &base[..host_end])
}

/// A database made for one test and dropped when this value goes.
pub struct TestDb {
    pub dialect: Dialect,
    pub url: String,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A fresh database, or `None` (with a notice) when the server is not there and not required.
    pub fn new(dialect: Dialect) -> Option<TestDb> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("plinth_t_{}_{n}", std::process::id());
        if dialect == Dialect::Sqlite {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("test.sqlite3").display());
            return Some(TestDb {
                dialect,
                url,
                name,
                _dir: Some(dir),
            });
        }
        let server = server_url(dialect);
        let created = runtime().block_on(async {
            let mut conn = db::connect(&url(&server)).await?;
            admin(&mut conn, &format!("DROP DATABASE IF EXISTS {name}")).await?;
            admin(&mut conn, &format!("CREATE DATABASE {name}")).await
        });
        match created {
            Ok(()) => Some(TestDb {
                dialect,
                url: with_database(&server, &name),
                name,
                _dir: None,
            }),
            Err(e) if required(dialect) => {
                panic!("{dialect} is required (PLINTH_REQUIRE_ENGINES) but unusable: {e}")
            }
            Err(e) => {
                eprintln!("SKIPPED: {dialect} tests: server unreachable ({e})");
                None
            }
        }
    }

    pub async fn connect(&self) -> Conn {
        db::connect(&url(&self.url))
            .await
            .expect("connect to test db")
    }
}

async fn admin(conn: &mut Conn, sql: &str) -> plinth::error::Result<()> {
    conn.run_script(sql)
        .await
        .map_err(|e| plinth::error::Error::database(sql.to_string(), e))
}

/// Run raw SQL (test data) on a connection.
pub async fn exec(conn: &mut Conn, sql: &str) {
    conn.run_script(sql).await.unwrap_or_else(|e| {
        panic!(
            "test SQL failed: {e}
{sql}"
        )
    });
}

/// Count the rows of a table.
pub async fn count(conn: &mut Conn, table: &str) -> i64 {
    let q = format!(
        "SELECT COUNT(*) FROM {}",
        plinth::quote::ident(conn.dialect(), table)
    );
    let r = match conn {
        Conn::Postgres(c) => sqlx::query_scalar::<_, i64>(&q).fetch_one(c).await,
        Conn::Mysql(c) => sqlx::query_scalar::<_, i64>(&q).fetch_one(c).await,
        Conn::Sqlite(c) => sqlx::query_scalar::<_, i64>(&q).fetch_one(c).await,
    };
    r.unwrap_or_else(|e| panic!("count {table}: {e}"))
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.dialect == Dialect::Sqlite {
            return;
        }
        let server = server_url(self.dialect);
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            runtime().block_on(async {
                if let Ok(mut conn) = db::connect(&url(&server)).await {
                    if matches!(conn, Conn::Postgres(_)) {
                        let _ = admin(
                            &mut conn,
                            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                        )
                        .await;
                    } else {
                        let _ = admin(&mut conn, &format!("DROP DATABASE IF EXISTS {name}")).await;
                    }
                }
            })
        })
        .join();
    }
}
