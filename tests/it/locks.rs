//! plinth's own lock on live engines: one per database (two databases of one server never wait
//! for each other), `--lock-timeout` bounds the wait, and the message names who holds it.

use std::time::{Duration, Instant};

use plinth::cli::Cli;
use plinth::config::{validate_adhoc, Desired, Selection};
use plinth::db::{self, apply::Options, Conn};
use plinth::model::Dialect;
use plinth::pipeline::batches;

use crate::engines::{exec, runtime, TestDb};

const SCHEMA: &str = "CREATE TABLE t (id integer PRIMARY KEY, note varchar(20));";

fn desired(d: Dialect) -> Desired {
    validate_adhoc(&[("test.sql".into(), SCHEMA.into())], d).expect("valid schema")
}

fn waiting(seconds: u64) -> Options {
    Options {
        lock_timeout: Duration::from_secs(seconds),
        ..Options::default()
    }
}

/// Apply [`SCHEMA`] with a lock timeout of `seconds`: the result and how long it took.
async fn apply(test_db: &TestDb, seconds: u64) -> (plinth::error::Result<db::Applied>, Duration) {
    let d = test_db.dialect;
    let target = desired(d);
    let mut conn = test_db.connect().await;
    let started = Instant::now();
    let result = db::apply(&mut conn, waiting(seconds), |live| {
        batches(d, &target, &Selection::all(), live)
    })
    .await;
    (result, started.elapsed())
}

async fn mysql_scalar(conn: &mut Conn, sql: &str) -> String {
    let Conn::Mysql(c) = conn else {
        unreachable!("a MySQL connection")
    };
    let value: Option<String> = sqlx::query_scalar(sql).fetch_one(c).await.unwrap();
    value.unwrap()
}

async fn postgres_scalar(conn: &mut Conn, sql: &str) -> String {
    let Conn::Postgres(c) = conn else {
        unreachable!("a PostgreSQL connection")
    };
    sqlx::query_scalar(sql).fetch_one(c).await.unwrap()
}

/// Another session holds plinth's lock on database A (GET_LOCK of the name plinth uses): an
/// apply to database B of the same server goes ahead at once, an apply to A gives up after
/// `--lock-timeout` and names the holder's connection.
#[test]
fn mysql_locks_are_per_database_and_name_their_holder() {
    let (Some(a), Some(b)) = (TestDb::new(Dialect::Mysql), TestDb::new(Dialect::Mysql)) else {
        return;
    };
    runtime().block_on(async {
        let mut holder = a.connect().await;
        let database = mysql_scalar(&mut holder, "SELECT DATABASE()").await;
        let id = mysql_scalar(&mut holder, "SELECT CAST(CONNECTION_ID() AS CHAR)").await;
        // The name plinth takes for database A: its name is plain lowercase and short.
        let got = mysql_scalar(
            &mut holder,
            &format!("SELECT CAST(GET_LOCK('plinth_apply:{database}', 0) AS CHAR)"),
        )
        .await;
        assert_eq!(got, "1", "the holder takes the lock");

        let (other, took) = apply(&b, 2).await;
        let other = other.expect("database B does not wait for A's lock");
        assert!(other.statement_count() > 0);
        assert!(took < Duration::from_secs(2), "B waited {took:?}");

        let (same, took) = apply(&a, 1).await;
        let message = same.expect_err("A's lock is held").to_string();
        assert!(took < Duration::from_secs(10), "A waited {took:?}");
        assert!(
            message.contains(&format!(
                "waited 1s for plinth's lock `plinth_apply:{database}`"
            )),
            "{message}"
        );
        assert!(
            message.contains(&format!("held by connection {id} (")),
            "{message}"
        );
        assert!(message.contains("command `Sleep`"), "{message}");
        assert!(
            !message.contains("running against this database (connection"),
            "{message}"
        );

        // Released: A applies.
        exec(
            &mut holder,
            "DO RELEASE_LOCK(CONCAT('plinth_apply:', DATABASE()))",
        )
        .await;
        let (again, _) = apply(&a, 1).await;
        assert!(again.expect("A's lock is free").statement_count() > 0);
    });
}

/// Another session (application_name `holder-test`) holds plinth's advisory lock: an apply
/// with `--lock-timeout 1` gives up after a second and names its pid and application; an
/// apply to another database of the server does not wait.
#[test]
fn postgres_lock_timeout_names_the_holder() {
    let (Some(a), Some(b)) = (
        TestDb::new(Dialect::Postgres),
        TestDb::new(Dialect::Postgres),
    ) else {
        return;
    };
    runtime().block_on(async {
        let mut holder = a.connect().await;
        assert_eq!(
            postgres_scalar(&mut holder, "SELECT current_setting('application_name')").await,
            "plinth",
            "plinth names its sessions"
        );
        exec(
            &mut holder,
            "SET application_name = 'holder-test'; BEGIN; \
             SELECT pg_advisory_xact_lock(hashtext('plinth_apply'))",
        )
        .await;
        let pid = postgres_scalar(&mut holder, "SELECT pg_backend_pid()::text").await;

        let (other, took) = apply(&b, 2).await;
        assert!(
            other.expect("database B does not wait").statement_count() > 0,
            "B applies"
        );
        assert!(took < Duration::from_secs(2), "B waited {took:?}");

        let (same, took) = apply(&a, 1).await;
        let message = same.expect_err("the lock is held").to_string();
        assert!(took < Duration::from_secs(10), "A waited {took:?}");
        assert!(
            message.contains("waited 1s for plinth's advisory lock, held by session pid"),
            "{message}"
        );
        assert!(message.contains(&format!("pid {pid} (")), "{message}");
        assert!(message.contains("application `holder-test`"), "{message}");
        assert!(message.contains("client 127.0.0.1"), "{message}");
        assert!(message.contains("for up to "), "{message}");
        assert!(message.contains("55P03"), "the server's words: {message}");

        exec(&mut holder, "COMMIT").await;
        let (again, _) = apply(&a, 1).await;
        assert!(again.expect("the lock is free").statement_count() > 0);
    });
}

/// SQLite: another connection holds the write lock; the apply waits `--lock-timeout`, not the
/// session's 30 seconds.
#[test]
fn sqlite_waits_for_a_writer_as_long_as_the_lock_timeout() {
    let Some(test_db) = TestDb::new(Dialect::Sqlite) else {
        return;
    };
    runtime().block_on(async {
        let mut writer = test_db.connect().await;
        exec(
            &mut writer,
            "CREATE TABLE plinth_other (a integer); BEGIN IMMEDIATE",
        )
        .await;
        let (result, took) = apply(&test_db, 1).await;
        let message = result.expect_err("the writer holds the lock").to_string();
        assert!(message.contains("waited 1s"), "{message}");
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(10),
            "waited {took:?}"
        );
        exec(&mut writer, "COMMIT").await;
        let (again, _) = apply(&test_db, 1).await;
        assert!(again.expect("the writer is done").statement_count() > 0);
    });
}

#[test]
fn lock_timeout_is_whole_seconds_from_1_to_3600() {
    let parse = |value: &str| {
        Cli::try_parse_args_from(["plinth", &format!("--lock-timeout={value}"), "apply"])
            .map(|cli| cli.global.lock_timeout.duration())
    };
    assert_eq!(parse("1").unwrap(), Duration::from_secs(1));
    assert_eq!(parse("3600").unwrap(), Duration::from_secs(3600));
    for bad in ["0", "3601", "-1", "1.5", "soon"] {
        let e = parse(bad).expect_err(bad).to_string();
        assert!(e.contains("from 1 to 3600"), "{bad}: {e}");
    }
    let default = Cli::try_parse_args_from(["plinth", "apply", "--lock-timeout", "7"]).unwrap();
    assert_eq!(
        default.global.lock_timeout.duration(),
        Duration::from_secs(7)
    );
    let default = Cli::try_parse_args_from(["plinth", "apply"]).unwrap();
    assert_eq!(
        default.global.lock_timeout.duration(),
        Duration::from_secs(30)
    );
}
