//! Views owned by plugins, live on every engine: a plugin's view over another plugin's table
//! (a dependency) is applied after it and converges; a view no plugin owns, over an owned table,
//! is never dropped or altered, and `check` does not report it.

use std::path::Path;

use plinth::model::Dialect;

use crate::cli::{code, stderr, stdout, succeeded};
use crate::engines::{exec, plinth, runtime, TestDb};
use crate::hostile::scalar;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn project(dir: &Path, users_columns: &str) {
    write(
        dir,
        "plugins.toml",
        "[plugins.core]\nschema = [\"schemas/core.sql\"]\ntables = [\"users\"]\n\n\
         [plugins.reports]\nschema = [\"schemas/reports.sql\"]\ntables = []\n\
         views = [\"active_users\", \"active_names\"]\n",
    );
    write(
        dir,
        "schemas/core.sql",
        &format!("CREATE TABLE users (id integer PRIMARY KEY, {users_columns});\n"),
    );
    write(
        dir,
        "schemas/reports.sql",
        "CREATE VIEW active_names AS SELECT name FROM active_users;\n\
         CREATE VIEW active_users AS SELECT id, name FROM users WHERE active = 1;\n",
    );
}

#[test]
fn views_belong_to_plugins_and_others_are_left_alone() {
    for d in Dialect::ALL {
        let Some(db) = TestDb::new(d) else {
            continue;
        };
        let dir = tempfile::tempdir().unwrap();
        let url = db.url.as_str();
        let run = |args: &[&str]| succeeded(dir.path(), url, args);
        project(
            dir.path(),
            "name varchar(40), active integer NOT NULL DEFAULT 1",
        );
        run(&["apply"]);
        run(&["check"]);
        // The reports plugin alone brings core along (its views read core's table).
        let planned = run(&["plan", "reports"]);
        assert!(planned.contains("nothing to do"), "{d}: {planned}");
        assert!(
            planned.contains("reports references core.users"),
            "{d}: {planned}"
        );
        runtime().block_on(async {
            let mut conn = db.connect().await;
            exec(
                &mut conn,
                "INSERT INTO users (id, name, active) VALUES (1, 'ada', 1)",
            )
            .await;
            exec(
                &mut conn,
                "CREATE VIEW someone_elses AS SELECT id FROM users",
            )
            .await;
        });
        run(&["check"]);
        // A new column: the owned views stay (nothing disturbs them), the other one too.
        project(
            dir.path(),
            "name varchar(40), active integer NOT NULL DEFAULT 1, email varchar(80)",
        );
        let planned = run(&["plan"]);
        assert!(!planned.contains("someone_elses"), "{d}: {planned}");
        run(&["apply"]);
        run(&["check"]);
        runtime().block_on(async {
            let mut conn = db.connect().await;
            let text = if d == Dialect::Mysql { "CHAR" } else { "TEXT" };
            let names = format!("SELECT CAST(count(*) AS {text}) FROM active_names");
            assert_eq!(scalar(&mut conn, &names).await.as_deref(), Some("1"), "{d}");
            let other = format!("SELECT CAST(count(*) AS {text}) FROM someone_elses");
            assert_eq!(scalar(&mut conn, &other).await.as_deref(), Some("1"), "{d}");
        });
    }
}

/// SQLite: a rebuild drops the table, and SQLite its triggers and the views over it fail: the
/// plan drops them first and makes them again after, in the same transaction; rows, triggers
/// and views all survive. A trigger plinth does not read is refused before anything runs.
#[test]
fn a_sqlite_rebuild_keeps_its_triggers_and_views() {
    let Some(db) = TestDb::new(Dialect::Sqlite) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.as_str();
    let tables = "CREATE TABLE log (x TEXT);\n\
                  CREATE TRIGGER users_log AFTER INSERT ON users BEGIN INSERT INTO log VALUES (NEW.name); END;\n\
                  CREATE VIEW names AS SELECT name FROM users;\n";
    write(
        dir.path(),
        "s.sql",
        &format!("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n{tables}"),
    );
    let apply = |allow: &[&str]| {
        plinth(
            dir.path(),
            &[
                &["apply", "--schema", "s.sql", "--database-url", url],
                allow,
            ]
            .concat(),
        )
    };
    let o = apply(&[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    runtime().block_on(async {
        let mut conn = db.connect().await;
        exec(&mut conn, "INSERT INTO users (name) VALUES ('ada')").await;
    });
    // A new type and default: a rebuild.
    write(
        dir.path(),
        "s.sql",
        &format!(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT 'x');\n{tables}"
        ),
    );
    let o = apply(&[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("DROP TRIGGER"), "{}", stdout(&o));
    runtime().block_on(async {
        let mut conn = db.connect().await;
        exec(&mut conn, "INSERT INTO users (name) VALUES ('bob')").await;
        let logged = "SELECT group_concat(x, ',') FROM log";
        assert_eq!(scalar(&mut conn, logged).await.as_deref(), Some("ada,bob"));
        let names = "SELECT group_concat(name, ',') FROM names";
        assert_eq!(scalar(&mut conn, names).await.as_deref(), Some("ada,bob"));
        // A trigger plinth does not read (GLOB), made by someone else.
        exec(
            &mut conn,
            "CREATE TRIGGER odd AFTER INSERT ON users BEGIN SELECT 1 WHERE NEW.name GLOB 'a*'; END",
        )
        .await;
    });
    let o = plinth(
        dir.path(),
        &["check", "--schema", "s.sql", "--database-url", url],
    );
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    write(
        dir.path(),
        "s.sql",
        &format!("CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(30));\n{tables}"),
    );
    let o = apply(&[]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("trigger `odd`"), "{}", stderr(&o));
    runtime().block_on(async {
        let mut conn = db.connect().await;
        let kept = "SELECT CAST(count(*) AS TEXT) FROM sqlite_schema WHERE type = 'trigger'";
        assert_eq!(scalar(&mut conn, kept).await.as_deref(), Some("2"));
    });
}
