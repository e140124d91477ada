//! The apply protocol on live engines: the lock serializes concurrent applies, a failing plan
//! leaves PostgreSQL and SQLite exactly as they were, and MySQL reports how far it got and
//! finishes on a re-run.

use plinth::config::{validate_adhoc, Desired, Selection};
use plinth::db;
use plinth::error::Error;
use plinth::model::Dialect;
use plinth::pipeline::batches;
use plinth::plan::HazardKind;

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
        let first = db::apply(&mut one, false, |live| {
            batches(d, &target, &Selection::all(), live)
        });
        let second = db::apply(&mut two, false, |live| {
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
        db::apply(&mut conn, false, |live| {
            batches(d, &current, &Selection::all(), live)
        })
        .await
        .expect("apply current");
        exec(&mut conn, "INSERT INTO t (id, a) VALUES (1, NULL)").await;
        let before = db::inspect(&mut conn).await.expect("inspect").schema;
        let err = db::apply(&mut conn, false, |live| {
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

/// MySQL commits each DDL statement: statement k fails, the first k-1 stay, the message says so,
/// and a re-run (after fixing the data) converges.
#[test]
fn mysql_failure_at_statement_k_reports_progress_and_rerun_finishes() {
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
        db::apply(&mut conn, false, |live| {
            batches(d, &current, &Selection::all(), live)
        })
        .await
        .expect("apply current");
        exec(&mut conn, "INSERT INTO t (id, a) VALUES (1, NULL)").await;
        let err = db::apply(&mut conn, false, |live| {
            batches(d, &target, &Selection::all(), live)
        })
        .await
        .expect_err("NOT NULL over a NULL must fail");
        let message = err.to_string();
        assert!(message.contains("statement 2 of 2 failed"), "{message}");
        assert!(message.contains("1 of 2 applied"), "{message}");
        assert!(message.contains("re-run"), "{message}");
        let live = db::inspect(&mut conn).await.expect("inspect").schema;
        assert!(
            live.tables.contains_key("u"),
            "the first statement stays applied"
        );
        exec(&mut conn, "UPDATE t SET a = 0 WHERE a IS NULL").await;
        let rerun = db::apply(&mut conn, false, |live| {
            batches(d, &target, &Selection::all(), live)
        })
        .await
        .expect("re-run finishes");
        assert_eq!(rerun.statement_count(), 1, "only what was left is run");
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
        db::apply(&mut conn, false, |live| {
            batches(d, &current, &Selection::all(), live)
        })
        .await
        .expect("apply current");
        let before = db::inspect(&mut conn).await.expect("inspect").schema;
        match db::apply(&mut conn, false, |live| {
            batches(d, &target, &Selection::all(), live)
        })
        .await
        {
            Err(Error::Destructive { hazards }) => {
                let found: Vec<(&HazardKind, &str)> = hazards
                    .iter()
                    .map(|h| (&h.hazard.kind, h.hazard.message.as_str()))
                    .collect();
                assert_eq!(
                    found,
                    [(
                        &HazardKind::DeletesData,
                        "drops table `old` and all its rows"
                    )]
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
