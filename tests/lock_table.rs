//! Overflowing PostgreSQL's shared lock table, in a test binary of its own: while it runs, no
//! other transaction on the server can take a lock, so it must not share a run with the
//! integration tests (cargo runs test binaries one after another).

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "test code: a panic is a failed test, and it reports to the terminal"
)]

// Shares the live-database helpers of the main integration binary; not every one is used here.
#[allow(dead_code)]
#[path = "it/engines.rs"]
mod engines;

use plinth::config::{validate_adhoc, Desired, Selection};
use plinth::db::{self, apply::Options};
use plinth::model::Dialect;
use plinth::pipeline::batches;

use engines::{runtime, TestDb};

fn desired(d: Dialect, sql: &str) -> Desired {
    validate_adhoc(&[("test.sql".into(), sql.into())], d).expect("valid schema")
}

/// One huge transaction exhausts PostgreSQL's lock table (max_locks_per_transaction): the
/// apply rolls back completely and says which setting to raise.
#[test]
fn postgres_out_of_lock_slots_rolls_back_and_names_the_setting() {
    let d = Dialect::Postgres;
    let Some(test_db) = TestDb::new(d) else {
        return;
    };
    runtime().block_on(async {
        let mut conn = test_db.connect().await;
        let slots: i64 = match &mut conn {
            db::Conn::Postgres(c) => sqlx::query_scalar(
                "SELECT current_setting('max_locks_per_transaction')::int8 \
                 * (current_setting('max_connections')::int8 \
                    + current_setting('max_prepared_transactions')::int8)",
            )
            .fetch_one(c)
            .await
            .expect("lock table size"),
            _ => unreachable!("a PostgreSQL test database"),
        };
        // Each table takes a few locks (table, index, sequence-free keys): enough tables to
        // overflow the shared lock table.
        let tables = (slots / 2 + 500) as usize;
        let sql: String = (0..tables)
            .map(|i| format!("CREATE TABLE t{i} (id integer PRIMARY KEY, n integer UNIQUE);\n"))
            .collect();
        let target = desired(d, &sql);
        let err = db::apply(&mut conn, Options::default(), |live| {
            batches(d, &target, &Selection::all(), live)
        })
        .await
        .expect_err("the lock table overflows");
        let message = err.to_string();
        assert!(message.contains("max_locks_per_transaction"), "{message}");
        assert!(message.contains("nothing was applied"), "{message}");
        let live = db::inspect(&mut conn).await.expect("inspect").schema;
        assert!(live.tables.is_empty(), "a failed apply left tables behind");
    });
}
