//! Renames written in the schema, on every engine, in plugin mode: a table the plugin lists
//! under its new name is its own under the old one too; a rename is made once and is a no-op
//! after; the old and the new name both there, or (a column) neither, is an error naming the
//! note before any DDL runs.

use std::path::Path;

use plinth::model::Dialect;

use crate::cli::{code, stderr, stdout, succeeded};
use crate::engines::{plinth, TestDb};

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn project(dir: &Path, tables: &str, sql: &str) {
    write(
        dir,
        "plugins.toml",
        &format!("[plugins.shop]\nschema = [\"schemas/shop.sql\"]\ntables = [{tables}]\n"),
    );
    write(dir, "schemas/shop.sql", sql);
}

fn renames_on(dialect: Dialect) {
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.as_str();
    let run = |args: &[&str]| plinth(dir.path(), &[args, &["--database-url", url]].concat());
    project(
        dir.path(),
        "\"carts\"",
        "CREATE TABLE carts (id integer PRIMARY KEY, note varchar(20));\n",
    );
    succeeded(dir.path(), url, &["apply"]);
    let renamed =
        "CREATE TABLE baskets ( -- plinth: renamed from carts\n  id integer PRIMARY KEY,\n  \
                   remark varchar(20) -- plinth: renamed from note\n);\n";
    project(dir.path(), "\"baskets\"", renamed);
    let planned = succeeded(dir.path(), url, &["plan"]);
    assert!(planned.contains("RENAME"), "{planned}");
    assert!(!planned.contains("DROP TABLE"), "{planned}");
    succeeded(dir.path(), url, &["apply"]);
    // Done: the notes are no-ops now.
    succeeded(dir.path(), url, &["check"]);

    // The old column back beside the new one: both names, an error at the note, nothing run.
    let both =
        "CREATE TABLE baskets ( -- plinth: renamed from carts\n  id integer PRIMARY KEY,\n  \
                remark varchar(20), -- plinth: renamed from note\n  note varchar(20)\n);\n";
    project(
        dir.path(),
        "\"baskets\"",
        "CREATE TABLE baskets (id integer PRIMARY KEY, remark varchar(20), note varchar(20));\n",
    );
    succeeded(dir.path(), url, &["apply"]);
    project(dir.path(), "\"baskets\"", both);
    let o = run(&["apply"]);
    assert_eq!(code(&o), 2, "{}{}", stdout(&o), stderr(&o));
    let said = stderr(&o);
    assert!(
        said.contains("schemas/shop.sql:3:23: cannot rename column `note`"),
        "{said}"
    );
    assert!(said.contains("the database has both"), "{said}");

    // A column renamed from one the table never had.
    let neither = "CREATE TABLE baskets (\n  id integer PRIMARY KEY,\n  \
                   comment varchar(20), -- plinth: renamed from nothing_here\n  \
                   remark varchar(20),\n  note varchar(20)\n);\n";
    project(dir.path(), "\"baskets\"", neither);
    let o = run(&["plan"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("has neither"), "{}", stderr(&o));
}

#[test]
fn renames_sqlite() {
    renames_on(Dialect::Sqlite);
}

#[test]
fn renames_postgres() {
    renames_on(Dialect::Postgres);
}

#[test]
fn renames_mysql() {
    renames_on(Dialect::Mysql);
}
