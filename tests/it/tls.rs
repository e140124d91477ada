//! TLS as the URL asks for it (sqlx with rustls): PostgreSQL `sslmode=…`, MySQL/MariaDB
//! `ssl-mode=…`. Live: a server without TLS must make `REQUIRED` fail clearly, never fall back.

use std::path::Path;
use std::process::{Command, Output};

use plinth::db::{self, Conn};
use plinth::model::Dialect;

use crate::engines::{runtime, TestDb};

fn plinth(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plinth"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("PGSSLMODE")
        .output()
        .expect("run plinth")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `url` with one more query parameter.
fn with_param(url: &str, param: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{param}")
}

fn schema_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("s.sql"),
        "CREATE TABLE tls_probe (id integer PRIMARY KEY);\n",
    )
    .expect("s.sql");
    dir
}

async fn pg_text(url: &str, sql: &str) -> String {
    match db::connect(&crate::engines::url(url))
        .await
        .expect("connect")
    {
        Conn::Postgres(mut c) => sqlx::query_scalar::<_, String>(sql)
            .fetch_one(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}")),
        _ => panic!("not PostgreSQL: {url}"),
    }
}

#[test]
fn postgres_sslmode_require_uses_tls() {
    let Some(db) = TestDb::new(Dialect::Postgres) else {
        return;
    };
    let rt = runtime();
    if rt.block_on(pg_text(&db.url, "SHOW ssl")) != "on" {
        eprintln!("SKIPPED: PostgreSQL TLS tests: the server has ssl = off");
        return;
    }
    let require = with_param(&db.url, "sslmode=require");
    let probe = "SELECT CASE WHEN ssl THEN 'tls' ELSE 'plain' END FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    assert_eq!(rt.block_on(pg_text(&require, probe)), "tls");
    let disable = with_param(&db.url, "sslmode=disable");
    assert_eq!(rt.block_on(pg_text(&disable, probe)), "plain");

    // The whole CLI over TLS: plan, apply, check.
    let dir = schema_dir();
    let d = dir.path();
    let o = plinth(
        d,
        &["plan", "--schema", "s.sql", "--database-url", &require],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("CREATE TABLE"));
    let o = plinth(
        d,
        &["apply", "--database-url", &require, "--schema", "s.sql"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = plinth(
        d,
        &["check", "--schema", "s.sql", "--database-url", &require],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn postgres_verify_full_refuses_an_unknown_certificate() {
    let Some(db) = TestDb::new(Dialect::Postgres) else {
        return;
    };
    let rt = runtime();
    if rt.block_on(pg_text(&db.url, "SHOW ssl")) != "on" {
        eprintln!("SKIPPED: PostgreSQL TLS tests: the server has ssl = off");
        return;
    }
    // A test server's certificate is self-signed: no public root vouches for it.
    let dir = schema_dir();
    let url = with_param(&db.url, "sslmode=verify-full");
    let o = plinth(
        dir.path(),
        &["plan", "--schema", "s.sql", "--database-url", &url],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("cannot connect to"), "{err}");
    assert!(err.contains("certificate"), "{err}");
}

#[test]
fn mysql_ssl_mode_is_honoured() {
    let Some(db) = TestDb::new(Dialect::Mysql) else {
        return;
    };
    let rt = runtime();
    let have_ssl: String = rt.block_on(async {
        match db.connect().await {
            Conn::Mysql(mut c) => sqlx::query_scalar("SELECT CAST(@@have_ssl AS CHAR)")
                .fetch_one(&mut c)
                .await
                .expect("@@have_ssl"),
            _ => unreachable!("a MySQL test database"),
        }
    });
    let dir = schema_dir();
    let d = dir.path();
    for mode in ["PREFERRED", "DISABLED", "preferred"] {
        let url = with_param(&db.url, &format!("ssl-mode={mode}"));
        let o = plinth(d, &["plan", "--schema", "s.sql", "--database-url", &url]);
        assert_eq!(o.status.code(), Some(0), "{mode}: {}", stderr(&o));
    }
    let required = with_param(&db.url, "ssl-mode=REQUIRED");
    let o = plinth(
        d,
        &["plan", "--schema", "s.sql", "--database-url", &required],
    );
    if have_ssl == "YES" {
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    } else {
        // No silent fall-back to a plain connection.
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("cannot connect to"), "{err}");
        assert!(err.contains("TLS"), "{err}");
    }
    let o = plinth(
        d,
        &[
            "plan",
            "--schema",
            "s.sql",
            "--database-url",
            &with_param(&db.url, "ssl-mode=sometimes"),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("ssl_mode"), "{}", stderr(&o));
}
