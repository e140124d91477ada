//! The data asked before any DDL, on every engine: a plan whose steps the rows would make fail
//! (a unique key over repeated values, NOT NULL over NULLs, a narrower type over longer values,
//! a check rows break, a foreign key whose rows reference nothing, a NOT NULL column added
//! without a default) is refused naming the table, the step and a few offending keys, with
//! nothing applied — on MySQL too; `plan` shows the same, and how many rows a drop destroys.

use std::path::Path;

use plinth::model::Dialect;

use crate::cli::{code, stderr, stdout, succeeded};
use crate::engines::{exec, plinth, runtime, TestDb};

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const V1: &str = "CREATE TABLE users (id integer PRIMARY KEY, email varchar(40), name varchar(40), code varchar(20), qty integer);\n\
                  CREATE TABLE orders (id integer PRIMARY KEY, user_id integer);\n\
                  CREATE TABLE old_log (id integer PRIMARY KEY);\n";

/// Every step the data refuses, and a dropped table.
const V2: &str = "CREATE TABLE users (id integer PRIMARY KEY, email varchar(40) UNIQUE, name varchar(40) NOT NULL, code varchar(5), qty integer CHECK (qty >= 0), added integer NOT NULL);\n\
                  CREATE TABLE orders (id integer PRIMARY KEY, user_id integer REFERENCES users (id));\n";

fn project(dir: &Path, schema: &str) {
    let tables = match schema == V1 {
        true => "tables = [\"users\", \"orders\", \"old_log\"]",
        false => "tables = [\"users\", \"orders\"]\nretired = [\"old_log\"]",
    };
    write(
        dir,
        "plugins.toml",
        &format!("[plugins.app]\nschema = [\"schemas/app.sql\"]\n{tables}\n"),
    );
    write(dir, "schemas/app.sql", schema);
}

fn data_checks_on(dialect: Dialect) {
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.as_str();
    let run = |args: &[&str]| plinth(dir.path(), &[args, &["--database-url", url]].concat());
    project(dir.path(), V1);
    succeeded(dir.path(), url, &["apply"]);
    runtime().block_on(async {
        let mut conn = db.connect().await;
        exec(
            &mut conn,
            "INSERT INTO users (id, email, name, code, qty) VALUES \
             (1, 'a@x.org', 'Ann', 'A', 1), (2, 'a@x.org', NULL, 'LONGER CODE', -3), \
             (3, 'b@x.org', 'Bo', 'B', 2), (4, 'b@x.org', 'Cy', 'C', 3);\
             INSERT INTO orders (id, user_id) VALUES (1, 1), (2, 7), (3, NULL);\
             INSERT INTO old_log (id) VALUES (1), (2), (3);",
        )
        .await;
    });
    project(dir.path(), V2);
    let allow = ["--allow", "narrow_type,drop_table,add_not_null"];
    let plan_before = stdout(&run(&["plan"]));

    let refused = run(&[&["apply"][..], &allow].concat());
    let said = stderr(&refused);
    assert_eq!(code(&refused), 2, "{}{said}", stdout(&refused));
    let q = |name: &str| plinth::quote::ident(dialect, name);
    let expected = [
        format!(
            "{}: unique ({}): 2 values repeated ({}: 'a@x.org', 'b@x.org')",
            q("users"),
            q("email"),
            q("email")
        ),
        format!(
            "{}: column {} NOT NULL: 1 row holding NULL ({}: 2)",
            q("users"),
            q("name"),
            q("id")
        ),
        format!(
            "{}: check ({}): 1 row breaking it ({}: 2)",
            q("users"),
            match dialect {
                Dialect::Mysql => "`qty` >= 0",
                Dialect::Sqlite => "\"qty\" >= 0",
                Dialect::Postgres => "qty >= 0",
            },
            q("id")
        ),
        format!(
            "{}: foreign key ({}) → {}: 1 row referencing no row ({}: 7)",
            q("orders"),
            q("user_id"),
            q("users"),
            q("user_id")
        ),
    ];
    for line in &expected {
        assert!(said.contains(line.as_str()), "missing {line}:\n{said}");
    }
    // SQLite keeps every value as it was stored: a narrower type fails on nothing.
    let varchar = match dialect {
        Dialect::Postgres => "character varying",
        _ => "varchar",
    };
    let narrowing = format!("column {} {varchar}(20) → {varchar}(5)", q("code"));
    let not_null_added = format!("NOT NULL column {} without a default", q("added"));
    match dialect {
        Dialect::Sqlite => assert!(!said.contains(&narrowing), "{said}"),
        _ => assert!(
            said.contains(&format!(
                "{narrowing}: 1 row holding values longer than 5 characters ({}: 2)",
                q("id")
            )),
            "{said}"
        ),
    }
    // MySQL fills a NOT NULL column added without a default with its type's zero.
    assert_eq!(
        said.contains(&format!("{not_null_added}: 4 rows in the table")),
        dialect != Dialect::Mysql,
        "{said}"
    );
    assert!(said.contains("nothing was applied"), "{said}");
    // Nothing ran, on MySQL too: the same plan.
    assert_eq!(stdout(&run(&["plan"])), plan_before);

    // `plan` says the same before anyone applies, and how many rows the drop destroys.
    let planned = run(&["plan"]);
    let plan_out = stdout(&planned);
    for line in &expected {
        assert!(
            plan_out.contains(&format!("-- WILL FAIL: {line}")),
            "{line}:\n{plan_out}"
        );
    }
    assert!(
        plan_out.contains(&format!(
            "-- ROWS: {}: drop table: loses 3 rows",
            q("old_log")
        )),
        "{plan_out}"
    );
    assert!(
        stderr(&planned).contains("the data would make"),
        "{}",
        stderr(&planned)
    );
    let json = stdout(&run(&["plan", "--format", "json"]));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings = &value["plugins"][0]["findings"];
    assert!(
        findings
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "add_unique"
                && f["verdict"] == "fails"
                && f["rows"]["count"] == 2
                && f["sample"][0][0] == "a@x.org"),
        "{json}"
    );

    // Once the rows are fixed, the same plan applies.
    runtime().block_on(async {
        let mut conn = db.connect().await;
        exec(
            &mut conn,
            "DELETE FROM users WHERE id IN (2, 4); DELETE FROM orders WHERE id = 2; DELETE FROM users WHERE id = 3; DELETE FROM users WHERE id = 1; DELETE FROM orders;",
        )
        .await;
    });
    succeeded(dir.path(), url, &[&["apply"][..], &allow].concat());
    succeeded(dir.path(), url, &["check"]);
}

#[test]
fn data_checks_sqlite() {
    data_checks_on(Dialect::Sqlite);
}

#[test]
fn data_checks_postgres() {
    data_checks_on(Dialect::Postgres);
}

#[test]
fn data_checks_mysql() {
    data_checks_on(Dialect::Mysql);
}
