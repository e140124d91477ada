//! Reviewed plans, on every engine: `plan --out FILE` then `apply --plan FILE` runs exactly the
//! reviewed statements; the same file is refused once the database changed (the plan applied,
//! or anyone else's change), when the schema files changed since, and when its statements were
//! edited (plinth runs only what it plans itself) — each before anything runs.

use std::path::Path;

use plinth::model::Dialect;

use crate::cli::{code, stderr, stdout, succeeded};
use crate::engines::{exec, plinth, runtime, TestDb};

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn reviewed_on(dialect: Dialect) {
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.as_str();
    let run = |args: &[&str]| plinth(dir.path(), &[args, &["--database-url", url]].concat());
    write(
        dir.path(),
        "a.sql",
        "CREATE TABLE items (id integer PRIMARY KEY);\n",
    );
    succeeded(dir.path(), url, &["--schema", "a.sql", "apply"]);
    write(
        dir.path(),
        "a.sql",
        "CREATE TABLE items (id integer PRIMARY KEY, note varchar(20));\n",
    );
    let planned = succeeded(
        dir.path(),
        url,
        &["--schema", "a.sql", "plan", "--out", "p.json"],
    );
    assert!(planned.contains("ADD COLUMN"), "{planned}");
    let text = std::fs::read_to_string(dir.path().join("p.json")).unwrap();

    // Someone edits the statements: refused, nothing runs.
    write(
        dir.path(),
        "edited.json",
        &text.replace("ADD COLUMN", "ADD COLUMN IF NOT EXISTS"),
    );
    let edited = run(&["--schema", "a.sql", "apply", "--plan", "edited.json"]);
    assert_eq!(code(&edited), 2, "{}{}", stdout(&edited), stderr(&edited));
    assert!(
        stderr(&edited).contains("other statements than the reviewed ones"),
        "{}",
        stderr(&edited)
    );

    // The files change after the review: refused.
    write(
        dir.path(),
        "b.sql",
        "CREATE TABLE items (id integer PRIMARY KEY, note varchar(30));\n",
    );
    let changed = run(&["--schema", "b.sql", "apply", "--plan", "p.json"]);
    assert_eq!(code(&changed), 2);
    assert!(
        stderr(&changed).contains("schema files (or plugins.toml) changed"),
        "{}",
        stderr(&changed)
    );

    // As reviewed: applied.
    succeeded(
        dir.path(),
        url,
        &["--schema", "a.sql", "apply", "--plan", "p.json"],
    );
    succeeded(dir.path(), url, &["--schema", "a.sql", "check"]);

    // Applied once, the plan is stale; so is one planned before someone else's change.
    let again = run(&["--schema", "a.sql", "apply", "--plan", "p.json"]);
    assert_eq!(code(&again), 2);
    assert!(
        stderr(&again).contains("the database changed since it was planned"),
        "{}",
        stderr(&again)
    );
    write(
        dir.path(),
        "a.sql",
        "CREATE TABLE items (id integer PRIMARY KEY, note varchar(20), n integer);\n",
    );
    succeeded(
        dir.path(),
        url,
        &["--schema", "a.sql", "plan", "--out", "q.json"],
    );
    runtime().block_on(async {
        let mut conn = db.connect().await;
        exec(&mut conn, "CREATE TABLE someone_elses (id integer)").await;
    });
    let stale = run(&["--schema", "a.sql", "apply", "--plan", "q.json"]);
    assert_eq!(code(&stale), 2);
    assert!(
        stderr(&stale).contains("the database changed"),
        "{}",
        stderr(&stale)
    );
    let o = run(&["--schema", "a.sql", "check"]);
    assert_eq!(code(&o), 1, "nothing ran: {}", stdout(&o));
}

#[test]
fn reviewed_sqlite() {
    reviewed_on(Dialect::Sqlite);
}

#[test]
fn reviewed_postgres() {
    reviewed_on(Dialect::Postgres);
}

#[test]
fn reviewed_mysql() {
    reviewed_on(Dialect::Mysql);
}

#[test]
fn a_file_that_is_not_a_plan_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.sql",
        "CREATE TABLE items (id integer PRIMARY KEY);\n",
    );
    write(dir.path(), "p.json", "{\"format\": 1}");
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    let o = plinth(
        dir.path(),
        &[
            "--schema",
            "a.sql",
            "--database-url",
            &url,
            "apply",
            "--plan",
            "p.json",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("is not a plan written by `plinth plan --out`"),
        "{}",
        stderr(&o)
    );
}
