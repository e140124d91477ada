//! Every hazard code, live on each engine where it applies: the step that carries it is planned
//! with it (`plan --format json`), refused without an allowance when it can lose data, and
//! applied and converged with `--allow CODE`.

use std::path::Path;

use plinth::model::Dialect;

use crate::cli::{code, stderr, stdout};
use crate::engines::{plinth, TestDb};

/// (code, engines, before, after): the schema applied first, and the one whose plan carries
/// the code.
const CASES: &[(&str, &[Dialect], &str, &str)] = {
    use Dialect::{Mysql as M, Postgres as P, Sqlite as S};
    &[
        ("drop_table", &[P, M, S],
         "CREATE TABLE t (id integer PRIMARY KEY);\nCREATE TABLE gone (id integer PRIMARY KEY);",
         "CREATE TABLE t (id integer PRIMARY KEY);"),
        ("drop_column", &[P, M, S],
         "CREATE TABLE t (id integer PRIMARY KEY, a integer);",
         "CREATE TABLE t (id integer PRIMARY KEY);"),
        ("drop_attribute", &[P],
         "CREATE TYPE pair AS (a integer, b integer);\nCREATE TABLE t (id integer PRIMARY KEY, p pair);",
         "CREATE TYPE pair AS (a integer);\nCREATE TABLE t (id integer PRIMARY KEY, p pair);"),
        ("drop_sequence", &[P],
         "CREATE SEQUENCE seq;\nCREATE TABLE t (id integer PRIMARY KEY);",
         "CREATE TABLE t (id integer PRIMARY KEY);"),
        ("recompute_generated", &[P, M],
         "CREATE TABLE t (id integer PRIMARY KEY, a integer, b integer);",
         "CREATE TABLE t (id integer PRIMARY KEY, a integer, b integer GENERATED ALWAYS AS (a * 2) STORED);"),
        ("narrow_type", &[P, M],
         "CREATE TABLE t (id integer PRIMARY KEY, a varchar(20));",
         "CREATE TABLE t (id integer PRIMARY KEY, a varchar(10));"),
        ("reinterpret_type", &[P, M, S],
         "CREATE TABLE t (id integer PRIMARY KEY, a varchar(20));",
         "CREATE TABLE t (id integer PRIMARY KEY, a integer);"),
        ("add_not_null", &[P, M, S],
         "CREATE TABLE t (id integer PRIMARY KEY, a integer);",
         "CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL);"),
        ("add_unique", &[P, M, S],
         "CREATE TABLE t (id integer PRIMARY KEY, a integer);",
         "CREATE TABLE t (id integer PRIMARY KEY, a integer UNIQUE);"),
        ("add_check", &[P, M, S],
         "CREATE TABLE t (id integer PRIMARY KEY, a integer);",
         "CREATE TABLE t (id integer PRIMARY KEY, a integer CHECK (a > 0));"),
        ("add_foreign_key", &[P, M],
         "CREATE TABLE p (id integer PRIMARY KEY);\nCREATE TABLE t (id integer PRIMARY KEY, p_id integer);",
         "CREATE TABLE p (id integer PRIMARY KEY);\nCREATE TABLE t (id integer PRIMARY KEY, p_id integer REFERENCES p (id));"),
        ("change_primary_key", &[P, M, S],
         "CREATE TABLE t (id integer NOT NULL, a integer NOT NULL);",
         "CREATE TABLE t (id integer NOT NULL, a integer NOT NULL, PRIMARY KEY (id, a));"),
        ("rebuild_table", &[S],
         "CREATE TABLE t (id integer PRIMARY KEY, a integer);",
         "CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL);"),
        ("rewrite_table", &[P, M],
         "CREATE TABLE t (id integer PRIMARY KEY, a integer);",
         "CREATE TABLE t (id integer PRIMARY KEY, a bigint);"),
        ("index_build_blocking", &[P],
         "CREATE TABLE t (id integer PRIMARY KEY, a integer);",
         "CREATE TABLE t (id integer PRIMARY KEY, a integer);\nCREATE INDEX t_a ON t (a);"),
        // MySQL keeps a view over a column whose type changes: nothing to recreate.
        ("recreate_view", &[P, S],
         "CREATE TABLE t (id integer PRIMARY KEY, a integer);\nCREATE VIEW v AS SELECT id, a FROM t;",
         "CREATE TABLE t (id integer PRIMARY KEY, a bigint);\nCREATE VIEW v AS SELECT id, a FROM t;"),
    ]
};

fn write(dir: &Path, sql: &str) {
    std::fs::write(dir.join("schema.sql"), sql).unwrap();
}

/// plinth in `dir` over its `schema.sql` (ad-hoc mode), against `url`.
fn run(dir: &Path, url: &str, args: &[&str]) -> std::process::Output {
    plinth(
        dir,
        &[args, &["--schema", "schema.sql", "--database-url", url]].concat(),
    )
}

fn hazard_codes_on(dialect: Dialect) {
    let mut failures = Vec::new();
    for (name, engines, before, after) in CASES {
        if !engines.contains(&dialect) {
            continue;
        }
        let Some(db) = TestDb::new(dialect) else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let url = db.url.as_str();
        let run = |args: &[&str]| run(dir.path(), url, args);
        write(dir.path(), before);
        let first = run(&["apply"]);
        if code(&first) != 0 {
            failures.push(format!("{name}: the first schema: {}", stderr(&first)));
            continue;
        }
        write(dir.path(), after);
        let json: serde_json::Value =
            serde_json::from_str(&stdout(&run(&["plan", "--format", "json"]))).unwrap();
        let hazards: Vec<(String, String)> = json["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["statements"].as_array().unwrap().clone())
            .flat_map(|s| s["hazards"].as_array().unwrap().clone())
            .map(|h| {
                (
                    h["code"].as_str().unwrap().to_string(),
                    h["loss"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let Some((_, loss)) = hazards.iter().find(|(c, _)| c == name) else {
            failures.push(format!("{name}: not among the plan's hazards {hazards:?}"));
            continue;
        };
        if loss != "none" {
            let refused = run(&["apply"]);
            if code(&refused) != 2 || !stderr(&refused).contains(&format!("({name})")) {
                failures.push(format!("{name}: not refused: {}", stderr(&refused)));
                continue;
            }
        }
        let codes: Vec<&str> = hazards.iter().map(|(c, _)| c.as_str()).collect();
        let applied = run(&["apply", "--allow", &codes.join(",")]);
        if code(&applied) != 0 {
            failures.push(format!("{name}: apply --allow: {}", stderr(&applied)));
            continue;
        }
        let check = run(&["check"]);
        if code(&check) != 0 {
            failures.push(format!("{name}: not converged: {}", stderr(&check)));
        }
    }
    assert!(failures.is_empty(), "{dialect}:\n{}", failures.join("\n"));
}

#[test]
fn hazard_codes_postgres() {
    hazard_codes_on(Dialect::Postgres);
}

#[test]
fn hazard_codes_mysql() {
    hazard_codes_on(Dialect::Mysql);
}

#[test]
fn hazard_codes_sqlite() {
    hazard_codes_on(Dialect::Sqlite);
}

/// PostgreSQL cannot take a value out of an enum type in place: the plan says so at once.
#[test]
fn drop_enum_value_is_refused_at_plan_time_on_postgres() {
    let Some(db) = TestDb::new(Dialect::Postgres) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.as_str();
    let run = |args: &[&str]| run(dir.path(), url, args);
    write(
        dir.path(),
        "CREATE TYPE mood AS ENUM ('a', 'b');\nCREATE TABLE t (id integer PRIMARY KEY, m mood);",
    );
    assert_eq!(code(&run(&["apply"])), 0);
    write(
        dir.path(),
        "CREATE TYPE mood AS ENUM ('a');\nCREATE TABLE t (id integer PRIMARY KEY, m mood);",
    );
    let o = run(&["plan"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("can only add values"), "{}", stderr(&o));
}
