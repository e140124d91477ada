//! The apply protocol on live engines: the lock serializes concurrent applies, a failing plan
//! leaves PostgreSQL and SQLite exactly as they were, and MySQL reports how far it got and
//! finishes on a re-run.

use plinth::config::{validate_adhoc, Desired, Selection};
use plinth::db::{self, apply::Options, Conn};
use plinth::error::{Code, DriverError, Error, Progress};
use plinth::model::Dialect;
use plinth::pipeline::batches;
use plinth::HazardCode;

use crate::engines::{exec, runtime, TestDb};

fn desired(d: Dialect, sql: &str) -> Desired {
    validate_adhoc(&[("test.sql".into(), sql.into())], d).expect("valid schema")
}

const SCHEMA: &str = "
CREATE TABLE parents (id integer PRIMARY KEY, name varchar(50) NOT NULL);
CREATE TABLE children (id integer PRIMARY KEY, parent_id integer REFERENCES parents (id), note varchar(20));
CREATE INDEX ix_children_parent ON children (parent_id);
";

fn concurrent_applies_never_interleave(d: Dialect) {
    let Some(test_db) = TestDb::new(d) else {
        return;
    };
    let target = desired(d, SCHEMA);
    let rt = runtime();
    let (a, b) = rt.block_on(async {
        let mut one = test_db.connect().await;
        let mut two = test_db.connect().await;
        let first = db::apply(&mut one, Options::default(), |live| {
            batches(d, &target, &Selection::all(), live)
        });
        let second = db::apply(&mut two, Options::default(), |live| {
            batches(d, &target, &Selection::all(), live)
        });
        tokio::join!(first, second)
    });
    let (a, b) = (a.expect("first apply"), b.expect("second apply"));
    let counts = [a.statement_count(), b.statement_count()];
    assert!(
        counts.contains(&0) && counts.iter().any(|c| *c > 0),
        "{d}: exactly one apply does the work, the other finds nothing to do: {counts:?}"
    );
}

#[test]
fn concurrent_applies_never_interleave_sqlite() {
    concurrent_applies_never_interleave(Dialect::Sqlite);
}

#[test]
fn concurrent_applies_never_interleave_postgres() {
    concurrent_applies_never_interleave(Dialect::Postgres);
}

#[test]
fn concurrent_applies_never_interleave_mysql() {
    concurrent_applies_never_interleave(Dialect::Mysql);
}

/// NOT NULL on a column holding NULLs fails after other statements ran: nothing may remain.
fn failed_plan_leaves_the_database_as_it_was(d: Dialect) {
    let Some(test_db) = TestDb::new(d) else {
        return;
    };
    let current = desired(d, "CREATE TABLE t (id integer PRIMARY KEY, a integer);");
    let target = desired(
        d,
        "CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL, b integer);
         CREATE TABLE u (id integer PRIMARY KEY);",
    );
    runtime().block_on(async {
        let mut conn = test_db.connect().await;
        db::apply(&mut conn, Options::default(), |live| {
            batches(d, &current, &Selection::all(), live)
        })
        .await
        .expect("apply current");
        exec(&mut conn, "INSERT INTO t (id, a) VALUES (1, NULL)").await;
        let before = db::inspect(&mut conn).await.expect("inspect").schema;
        let err = db::apply(&mut conn, Options::default(), |live| {
            batches(d, &target, &Selection::all(), live)
        })
        .await
        .expect_err("NOT NULL over a NULL must fail");
        assert!(err.to_string().contains("nothing was applied"), "{err}");
        let after = db::inspect(&mut conn).await.expect("inspect").schema;
        assert_eq!(before, after, "{d}: a failed apply changed the database");
    });
}

#[test]
fn failed_plan_leaves_the_database_as_it_was_sqlite() {
    failed_plan_leaves_the_database_as_it_was(Dialect::Sqlite);
}

#[test]
fn failed_plan_leaves_the_database_as_it_was_postgres() {
    failed_plan_leaves_the_database_as_it_was(Dialect::Postgres);
}

/// MySQL commits each DDL statement: statement k fails on data no question asked beforehand
/// foresees (a conversion), the first k-1 stay, the message says so, and a re-run (after
/// fixing the data) converges.
#[test]
fn mysql_failure_at_statement_k_reports_progress_and_rerun_finishes() {
    let d = Dialect::Mysql;
    let Some(test_db) = TestDb::new(d) else {
        return;
    };
    let current = desired(d, "CREATE TABLE t (id integer PRIMARY KEY, a varchar(10));");
    let target = desired(
        d,
        "CREATE TABLE t (id integer PRIMARY KEY, a integer);
         CREATE TABLE u (id integer PRIMARY KEY);",
    );
    runtime().block_on(async {
        let mut conn = test_db.connect().await;
        db::apply(&mut conn, Options::default(), |live| {
            batches(d, &current, &Selection::all(), live)
        })
        .await
        .expect("apply current");
        exec(&mut conn, "INSERT INTO t (id, a) VALUES (1, 'abc')").await;
        let err = db::apply(&mut conn, Options::destructive(), |live| {
            batches(d, &target, &Selection::all(), live)
        })
        .await
        .expect_err("'abc' is no integer");
        let message = err.to_string();
        assert!(message.contains("statement 2 of 2 failed"), "{message}");
        assert!(message.contains("1 of 2 applied"), "{message}");
        assert!(message.contains("re-run"), "{message}");
        let live = db::inspect(&mut conn).await.expect("inspect").schema;
        assert!(
            live.tables.contains_key("u"),
            "the first statement stays applied"
        );
        exec(&mut conn, "UPDATE t SET a = '0'").await;
        let rerun = db::apply(&mut conn, Options::destructive(), |live| {
            batches(d, &target, &Selection::all(), live)
        })
        .await
        .expect("re-run finishes");
        assert_eq!(rerun.statement_count(), 1, "only what was left is run");
    });
}

/// A step the data would make fail is refused before anything runs, on MySQL too, where a
/// failing statement would leave the ones before it applied.
#[test]
fn mysql_refuses_a_plan_the_data_would_break_before_anything_runs() {
    let d = Dialect::Mysql;
    let Some(test_db) = TestDb::new(d) else {
        return;
    };
    let current = desired(d, "CREATE TABLE t (id integer PRIMARY KEY, a integer);");
    let target = desired(
        d,
        "CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL);
         CREATE TABLE u (id integer PRIMARY KEY);",
    );
    runtime().block_on(async {
        let mut conn = test_db.connect().await;
        db::apply(&mut conn, Options::default(), |live| {
            batches(d, &current, &Selection::all(), live)
        })
        .await
        .expect("apply current");
        exec(&mut conn, "INSERT INTO t (id, a) VALUES (1, NULL)").await;
        let before = db::inspect(&mut conn).await.expect("inspect").schema;
        match db::apply(&mut conn, Options::default(), |live| {
            batches(d, &target, &Selection::all(), live)
        })
        .await
        {
            Err(Error::DataRefuses { findings }) => assert_eq!(
                findings,
                [(
                    "schema".to_string(),
                    "`t`: column `a` NOT NULL: 1 row holding NULL (`id`: 1)".to_string()
                )]
            ),
            other => panic!("expected the data's refusal, got {other:?}"),
        }
        assert_eq!(
            before,
            db::inspect(&mut conn).await.expect("inspect").schema,
            "nothing ran"
        );
    });
}

#[test]
fn destructive_plans_are_refused_before_anything_runs() {
    let d = Dialect::Sqlite;
    let Some(test_db) = TestDb::new(d) else {
        return;
    };
    let current = desired(
        d,
        "CREATE TABLE t (id integer PRIMARY KEY, a integer); CREATE TABLE old (id integer);",
    );
    let target = desired(
        d,
        "CREATE TABLE t (id integer PRIMARY KEY, a integer, b integer);",
    );
    runtime().block_on(async {
        let mut conn = test_db.connect().await;
        db::apply(&mut conn, Options::default(), |live| {
            batches(d, &current, &Selection::all(), live)
        })
        .await
        .expect("apply current");
        let before = db::inspect(&mut conn).await.expect("inspect").schema;
        match db::apply(&mut conn, Options::default(), |live| {
            batches(d, &target, &Selection::all(), live)
        })
        .await
        {
            Err(Error::Destructive { hazards, .. }) => {
                let found: Vec<(HazardCode, &str)> = hazards
                    .iter()
                    .map(|h| (h.hazard.code, h.hazard.message.as_str()))
                    .collect();
                assert_eq!(
                    found,
                    [(HazardCode::DropTable, "drops table `old` and all its rows")]
                );
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(
            before,
            db::inspect(&mut conn).await.expect("inspect").schema
        );
    });
}

/// Applies `current`, runs `data`, then applies `target`, which must fail on a statement:
/// returns the error.
fn failing_apply(d: Dialect, current: &str, data: &str, target: &str) -> Option<Error> {
    let test_db = TestDb::new(d)?;
    let (current, target) = (desired(d, current), desired(d, target));
    Some(runtime().block_on(async {
        let mut conn = test_db.connect().await;
        db::apply(&mut conn, Options::default(), |live| {
            batches(d, &current, &Selection::all(), live)
        })
        .await
        .expect("apply current");
        if !data.is_empty() {
            exec(&mut conn, data).await;
        }
        db::apply(&mut conn, Options::default(), |live| {
            batches(d, &target, &Selection::all(), live)
        })
        .await
        .expect_err("the apply must fail")
    }))
}

/// What the database said about the failing statement, and how far the apply got.
fn said(e: &Error) -> (&DriverError, Progress) {
    match e {
        Error::Apply {
            progress: Some(progress),
            cause: Some(cause),
            ..
        } => (cause, *progress),
        other => panic!("expected a failed statement, got {other:?}"),
    }
}

/// PostgreSQL says which rows are in the way (DETAIL): the user sees it, with the SQLSTATE.
#[test]
fn postgres_shows_the_detail_of_a_failure_on_data() {
    let d = Dialect::Postgres;
    let Some(e) = failing_apply(
        d,
        "CREATE TABLE users (id integer PRIMARY KEY, email varchar(50));",
        "INSERT INTO users VALUES (1, 'a@x'), (2, 'a@x')",
        // An index over an expression: no question asked beforehand sees its keys.
        "CREATE TABLE users (id integer PRIMARY KEY, email varchar(50));
         CREATE UNIQUE INDEX users_email_key ON users (lower(email));",
    ) else {
        return;
    };
    let (cause, progress) = said(&e);
    assert_eq!(
        cause.code,
        Some(Code::Postgres {
            severity: "ERROR".into(),
            sqlstate: "23505".into()
        }),
        "{e}"
    );
    assert_eq!(
        cause.detail.as_deref(),
        Some("Key (lower(email::text))=(a@x) is duplicated."),
        "{e}"
    );
    assert_eq!(
        progress,
        Progress {
            ran: 0,
            of: 1,
            rolled_back: true
        }
    );
    let text = e.to_string();
    assert!(
        text.starts_with("statement 1 of 1 failed; nothing was applied (rolled back)\n"),
        "{text}"
    );
    assert!(
        text.contains("\n  the database said: ERROR 23505: could not create unique index \"users_email_key\"\n  detail: Key (lower(email::text))=(a@x) is duplicated."),
        "{text}"
    );
}

/// MariaDB refuses a foreign key between columns of different types as `errno: 150`: the user
/// sees the error number and what it means, and how far the apply got.
#[test]
fn mysql_explains_errno_150() {
    let d = Dialect::Mysql;
    let Some(e) = failing_apply(
        d,
        "CREATE TABLE p (id integer PRIMARY KEY);",
        "",
        "CREATE TABLE p (id integer PRIMARY KEY);
         CREATE TABLE c (id integer PRIMARY KEY, p_id bigint REFERENCES p (id));",
    ) else {
        return;
    };
    let (cause, progress) = said(&e);
    let text = e.to_string();
    assert!(
        matches!(
            cause.code,
            Some(Code::Mysql {
                number: 1005 | 1215 | 3780,
                ..
            })
        ),
        "{text}"
    );
    assert!(!progress.rolled_back, "{text}");
    assert_eq!(
        progress.ran + 1,
        progress.of,
        "the last statement failed: {text}"
    );
    assert!(text.contains("(MySQL error "), "{text}");
    assert!(text.contains("\n  this means: "), "{text}");
    assert!(
        text.contains("differ in type") || text.contains("agree in type"),
        "{text}"
    );
}

/// Adding a foreign key over rows that point nowhere: MySQL error 1452, explained. (An apply
/// asks the data first and refuses before it gets there: see `tests/it/data.rs`.)
#[test]
fn mysql_explains_a_foreign_key_over_orphan_rows() {
    let d = Dialect::Mysql;
    let Some(test_db) = TestDb::new(d) else {
        return;
    };
    let text = runtime().block_on(async {
        let mut conn = test_db.connect().await;
        exec(
            &mut conn,
            "CREATE TABLE p (id integer PRIMARY KEY);
             CREATE TABLE c (id integer PRIMARY KEY, p_id integer);
             INSERT INTO c VALUES (1, 7);",
        )
        .await;
        let e = conn
            .execute("ALTER TABLE c ADD FOREIGN KEY (p_id) REFERENCES p (id)")
            .await
            .expect_err("orphans");
        DriverError::from(e).to_string()
    });
    assert!(
        text.contains("(MySQL error 1452)\n  this means: existing rows hold values that the referenced table does not have"),
        "{text}"
    );
}

/// Another session holds a lock on the table the plan alters: the statement gives up after
/// plinth's DDL lock timeout, and the message says the table is busy, with the server's words.
fn a_locked_table_is_reported_busy(d: Dialect, hold: &str) {
    let Some(test_db) = TestDb::new(d) else {
        return;
    };
    let current = desired(d, "CREATE TABLE t (id integer PRIMARY KEY);");
    let target = desired(d, "CREATE TABLE t (id integer PRIMARY KEY, a integer);");
    let e = runtime().block_on(async {
        let mut conn = test_db.connect().await;
        db::apply(&mut conn, Options::default(), |live| {
            batches(d, &current, &Selection::all(), live)
        })
        .await
        .expect("apply current");
        let mut holder = test_db.connect().await;
        exec(&mut holder, hold).await;
        db::apply(&mut conn, Options::default(), |live| {
            batches(d, &target, &Selection::all(), live)
        })
        .await
        .expect_err("the table is locked")
    });
    let (cause, progress) = said(&e);
    let text = e.to_string();
    assert_eq!(progress.ran, 0, "{text}");
    assert!(text.contains("\n  a table is busy ("), "{text}");
    let server = match &cause.code {
        Some(Code::Postgres { sqlstate, .. }) => sqlstate == "55P03",
        Some(Code::Mysql { number, .. }) => *number == 1205,
        _ => false,
    };
    assert!(server, "{text}");
}

#[test]
fn a_locked_table_is_reported_busy_postgres() {
    a_locked_table_is_reported_busy(
        Dialect::Postgres,
        "BEGIN; LOCK TABLE t IN ACCESS SHARE MODE",
    );
}

#[test]
fn a_locked_table_is_reported_busy_mysql() {
    a_locked_table_is_reported_busy(Dialect::Mysql, "START TRANSACTION; SELECT * FROM t");
}

/// A plan that locks more relations in its one transaction than PostgreSQL's lock table holds
/// is refused before anything runs, with the numbers and the fix (not at statement 2,847).
#[test]
fn postgres_refuses_a_plan_over_the_lock_table_up_front() {
    let d = Dialect::Postgres;
    let Some(test_db) = TestDb::new(d) else {
        return;
    };
    runtime().block_on(async {
        let mut conn = test_db.connect().await;
        let Conn::Postgres(c) = &mut conn else {
            unreachable!()
        };
        let budget: i64 = sqlx::query_scalar(
            "SELECT current_setting('max_locks_per_transaction')::int8 * \
             (current_setting('max_connections')::int8 + current_setting('max_prepared_transactions')::int8)",
        )
        .fetch_one(&mut *c)
        .await
        .expect("the settings");
        // Each table locks itself, its primary key and its index: three relations at least.
        let n = usize::try_from(budget).expect("a budget") / 3 + 10;
        let sql: String = (0..n)
            .map(|i| format!("CREATE TABLE t{i} (id integer PRIMARY KEY, a integer);\nCREATE INDEX t{i}_a ON t{i} (a);\n"))
            .collect();
        let target = desired(d, &sql);
        let e = db::apply(&mut conn, Options::default(), |live| {
            batches(d, &target, &Selection::all(), live)
        })
        .await
        .expect_err("over the lock table");
        let text = e.to_string();
        assert!(
            text.starts_with(&format!("refusing to apply: this plan locks at least {} tables", 3 * n)),
            "{text}"
        );
        assert!(text.contains("Raise max_locks_per_transaction to more than"), "{text}");
        let live = db::inspect(&mut conn).await.expect("inspect").schema;
        assert!(live.tables.is_empty(), "nothing ran");
    });
}
