//! What apply does when a plan misbehaves (as a plinth bug would make it): a statement that
//! reaches a table no plugin owns, one that ends plinth's transaction, a text that holds two
//! statements. The unowned table survives wherever the engine allows it, and the message tells
//! what really happened — never "rolled back" when something was committed.

use plinth::config::{Desired, Selection};
use plinth::db::{self, apply::Options, Conn};
use plinth::error::Result;
use plinth::model::{Dialect, Schema};
use plinth::pipeline::{batches, Batch};
use plinth::Statement;

use crate::engines::{exec, runtime, TestDb};
use crate::hostile::{project, sentinel, SENTINEL};

const SCHEMA: &str = "CREATE TABLE owned (id integer PRIMARY KEY, a integer);";

/// Plans `desired`, with `extra` slipped into the first plan (a planner bug).
fn with_extra<'a>(
    d: Dialect,
    desired: &'a Desired,
    extra: &'a str,
) -> impl FnMut(&Schema) -> Result<Vec<Batch>> + 'a {
    let mut first = true;
    move |live: &Schema| {
        let mut planned = batches(d, desired, &Selection::all(), live)?;
        if std::mem::take(&mut first) {
            planned[0].statements.push(Statement::new(extra, &[]));
        }
        Ok(planned)
    }
}

async fn setup(conn: &mut Conn) {
    exec(conn, SENTINEL).await;
}

async fn victim_exists(conn: &mut Conn) -> bool {
    let live = db::inspect(conn).await.expect("inspect").schema;
    live.tables.contains_key("victim")
}

fn reaching_an_unowned_table(d: Dialect) {
    let Some(test_db) = TestDb::new(d) else {
        return;
    };
    let desired = project(d, "owned", SCHEMA).expect("valid");
    runtime().block_on(async {
        let mut conn = test_db.connect().await;
        setup(&mut conn).await;
        let before = sentinel(&mut conn).await;
        let err = db::apply(
            &mut conn,
            Options::default(),
            with_extra(d, &desired, "DROP TABLE victim"),
        )
        .await
        .expect_err("a plan that drops an unowned table must fail");
        let message = err.to_string();
        assert!(message.contains("`victim`"), "{d}: {message}");
        match d {
            Dialect::Mysql => {
                // MySQL committed the DROP: the message says so, and stops right there.
                assert!(message.contains("2 of 2 applied"), "{message}");
                assert!(!victim_exists(&mut conn).await);
            }
            _ => {
                assert!(message.contains("rolled back"), "{d}: {message}");
                assert_eq!(sentinel(&mut conn).await, before, "{d}");
                let live = db::inspect(&mut conn).await.expect("inspect").schema;
                assert!(!live.tables.contains_key("owned"), "{d}: nothing stays");
            }
        }
    });
}

fn ending_the_transaction(d: Dialect) {
    let Some(test_db) = TestDb::new(d) else {
        return;
    };
    let desired = project(d, "owned", SCHEMA).expect("valid");
    runtime().block_on(async {
        let mut conn = test_db.connect().await;
        setup(&mut conn).await;
        let err = db::apply(
            &mut conn,
            Options::default(),
            with_extra(d, &desired, "COMMIT"),
        )
        .await
        .expect_err("a plan that commits must fail");
        let message = err.to_string();
        assert!(
            message.contains("no longer open") && !message.contains("nothing was applied"),
            "{d}: {message}"
        );
        assert!(victim_exists(&mut conn).await, "{d}");
    });
}

fn two_statements_in_one(d: Dialect) {
    let Some(test_db) = TestDb::new(d) else {
        return;
    };
    let desired = project(d, "owned", SCHEMA).expect("valid");
    runtime().block_on(async {
        let mut conn = test_db.connect().await;
        setup(&mut conn).await;
        let before = sentinel(&mut conn).await;
        let extra = "CREATE INDEX owned_a ON owned (a); DROP TABLE victim";
        let err = db::apply(
            &mut conn,
            Options::default(),
            with_extra(d, &desired, extra),
        )
        .await
        .expect_err("two statements in one text must not run");
        assert_eq!(sentinel(&mut conn).await, before, "{d}: {err}");
        if d == Dialect::Sqlite {
            assert!(err.to_string().contains("more than one statement"), "{err}");
        }
    });
}

#[test]
fn reaching_an_unowned_table_sqlite() {
    reaching_an_unowned_table(Dialect::Sqlite);
}

#[test]
fn reaching_an_unowned_table_postgres() {
    reaching_an_unowned_table(Dialect::Postgres);
}

#[test]
fn reaching_an_unowned_table_mysql() {
    reaching_an_unowned_table(Dialect::Mysql);
}

#[test]
fn ending_the_transaction_sqlite() {
    ending_the_transaction(Dialect::Sqlite);
}

#[test]
fn ending_the_transaction_postgres() {
    ending_the_transaction(Dialect::Postgres);
}

#[test]
fn two_statements_in_one_text_sqlite() {
    two_statements_in_one(Dialect::Sqlite);
}

#[test]
fn two_statements_in_one_text_postgres() {
    two_statements_in_one(Dialect::Postgres);
}

#[test]
fn two_statements_in_one_text_mysql() {
    two_statements_in_one(Dialect::Mysql);
}
