//! Which steps that can lose data an apply runs, on every engine: plugins.toml allows hazard
//! codes per plugin and per table, `--allow CODE` on the command line, `--skip-destructive`
//! applies the rest (exit 0, the skipped steps on stderr, `check` still sees them) — and a step
//! nothing allows refuses the whole plan, before anything runs.

use std::path::Path;

use plinth::model::Dialect;

use crate::cli::{code, stderr, stdout, succeeded};
use crate::engines::{plinth, TestDb};

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Version 1 holds what version 2 drops: a column of `core`'s users (allowed to `core` by
/// plugins.toml), `core`'s legacy table (retired; allowed on that table alone) and a column
/// of `shop`'s orders (allowed by nothing in the file).
fn project(dir: &Path, version: u32) {
    // Version 2 retires the legacy table: plinth drops it.
    let tables = match version {
        1 => "tables = [\"users\", \"legacy\"]",
        _ => "tables = [\"users\"]\nretired = [\"legacy\"]",
    };
    write(
        dir,
        "plugins.toml",
        &format!(
            "[plugins.core]\nschema = [\"schemas/core.sql\"]\n{tables}\nallow = [\"drop_column\"]\n\
             [plugins.core.allow_tables]\nlegacy = [\"drop_table\"]\n\n\
             [plugins.shop]\nschema = [\"schemas/shop.sql\"]\ntables = [\"orders\"]\n"
        ),
    );
    let (core, shop) = match version {
        1 => (
            "CREATE TABLE users (id integer PRIMARY KEY, name varchar(40), nick varchar(40));\n\
             CREATE TABLE legacy (id integer PRIMARY KEY);\n",
            "CREATE TABLE orders (id integer PRIMARY KEY, note varchar(40), extra varchar(40));\n",
        ),
        _ => (
            "CREATE TABLE users (id integer PRIMARY KEY, name varchar(40));\n",
            "CREATE TABLE orders (id integer PRIMARY KEY, note varchar(40), added integer);\n",
        ),
    };
    write(dir, "schemas/core.sql", core);
    write(dir, "schemas/shop.sql", shop);
}

fn policy_on(dialect: Dialect) {
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.as_str();
    let run = |args: &[&str]| plinth(dir.path(), &[args, &["--database-url", url]].concat());
    project(dir.path(), 1);
    succeeded(dir.path(), url, &["apply"]);
    project(dir.path(), 2);

    // The shop's drop is allowed by nothing: the plan is refused, nothing runs.
    let refused = run(&["apply"]);
    assert_eq!(
        code(&refused),
        2,
        "{}{}",
        stdout(&refused),
        stderr(&refused)
    );
    let said = stderr(&refused);
    assert!(
        said.contains("[shop] drops column `orders`.`extra`"),
        "{said}"
    );
    assert!(said.contains("(drop_column)"), "{said}");
    assert!(
        !said.contains("[core]"),
        "what the file allows is not refused: {said}"
    );
    let check = run(&["check"]);
    assert!(
        stdout(&check).contains("nick"),
        "nothing ran: {}",
        stdout(&check)
    );

    // Skipping: core's drops run, and the shop's new column; the shop's drop waits.
    let skipped = succeeded(dir.path(), url, &["apply", "--skip-destructive"]);
    assert!(skipped.contains("warning: skipped 1 step(s)"), "{skipped}");
    assert!(
        skipped.contains("[shop] drops column `orders`.`extra`"),
        "{skipped}"
    );
    let check = run(&["check"]);
    assert_eq!(code(&check), 1, "the skipped drop is drift");
    let rest = stdout(&check);
    assert!(rest.contains("extra") && !rest.contains("nick"), "{rest}");
    assert!(
        !rest.contains("added") && !rest.contains("legacy"),
        "{rest}"
    );
    // Again: the same step is skipped, nothing else to do.
    let again = succeeded(dir.path(), url, &["apply", "--skip-destructive"]);
    assert!(again.contains("warning: skipped 1 step(s)"), "{again}");

    // A code allowed on the command line, for every plugin.
    let other_code = run(&["apply", "--allow", "drop_table"]);
    assert_eq!(
        code(&other_code),
        2,
        "drop_table does not allow drop_column"
    );
    succeeded(dir.path(), url, &["apply", "--allow", "drop_column"]);
    succeeded(dir.path(), url, &["check"]);
}

#[test]
fn policy_sqlite() {
    policy_on(Dialect::Sqlite);
}

#[test]
fn policy_postgres() {
    policy_on(Dialect::Postgres);
}

#[test]
fn policy_mysql() {
    policy_on(Dialect::Mysql);
}

#[test]
fn a_code_plinth_does_not_have_is_an_error_naming_the_codes() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), 1);
    let o = plinth(dir.path(), &["apply", "--allow", "drop_everything"]);
    assert_eq!(code(&o), 2);
    let said = stderr(&o);
    assert!(said.contains("no hazard code `drop_everything`"), "{said}");
    assert!(said.contains("drop_column"), "{said}");
}
