//! PostgreSQL routines and triggers owned by plugins, live: a plugin's trigger on its own table
//! calling another plugin's function (a dependency) is applied after it, fires, and converges;
//! a function no plugin owns, and a trigger on a table no plugin owns, are never dropped or
//! altered; a changed function is replaced with its trigger kept.

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

fn project(dir: &Path, stamp: &str) {
    write(
        dir,
        "plugins.toml",
        "[plugins.core]\nschema = [\"schemas/core.sql\"]\ntables = []\n\
         functions = [\"stamp\"]\n\n\
         [plugins.shop]\nschema = [\"schemas/shop.sql\"]\ntables = [\"orders\"]\n",
    );
    write(
        dir,
        "schemas/core.sql",
        &format!(
            "CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$\n\
             BEGIN NEW.note := '{stamp}'; RETURN NEW; END\n$$;\n"
        ),
    );
    write(
        dir,
        "schemas/shop.sql",
        "CREATE TABLE orders (id integer PRIMARY KEY, note text);\n\
         CREATE TRIGGER orders_stamp BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION stamp();\n",
    );
}

#[test]
fn routines_and_triggers_belong_to_plugins_and_others_are_left_alone() {
    let Some(db) = TestDb::new(Dialect::Postgres) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.as_str();
    let run = |args: &[&str]| succeeded(dir.path(), url, args);
    project(dir.path(), "first");
    // Someone else's function, and their trigger on their own table.
    runtime().block_on(async {
        let mut conn = db.connect().await;
        exec(
            &mut conn,
            "CREATE FUNCTION theirs() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; \
             CREATE TABLE their_table (id integer); \
             CREATE TRIGGER their_trigger BEFORE INSERT ON their_table FOR EACH ROW EXECUTE FUNCTION theirs()",
        )
        .await;
    });
    let planned = run(&["plan", "shop"]);
    assert!(planned.contains("shop references core.stamp"), "{planned}");
    run(&["apply"]);
    run(&["check"]);
    let note = "SELECT note FROM orders ORDER BY id DESC LIMIT 1";
    runtime().block_on(async {
        let mut conn = db.connect().await;
        exec(&mut conn, "INSERT INTO orders (id) VALUES (1)").await;
        assert_eq!(scalar(&mut conn, note).await.as_deref(), Some("first"));
    });
    // The function changes: replaced in place, the trigger kept and calling the new body.
    project(dir.path(), "second");
    let planned = run(&["plan"]);
    assert!(planned.contains("CREATE OR REPLACE FUNCTION"), "{planned}");
    assert!(!planned.contains("DROP TRIGGER"), "{planned}");
    assert!(!planned.contains("theirs"), "{planned}");
    run(&["apply"]);
    run(&["check"]);
    runtime().block_on(async {
        let mut conn = db.connect().await;
        exec(&mut conn, "INSERT INTO orders (id) VALUES (2)").await;
        assert_eq!(scalar(&mut conn, note).await.as_deref(), Some("second"));
        let kept = "SELECT count(*)::text FROM pg_trigger WHERE tgname = 'their_trigger'";
        assert_eq!(scalar(&mut conn, kept).await.as_deref(), Some("1"));
        let kept = "SELECT count(*)::text FROM pg_proc WHERE proname = 'theirs'";
        assert_eq!(scalar(&mut conn, kept).await.as_deref(), Some("1"));
    });
    // Uninstalling the shop drops its trigger with its table, and leaves core's function.
    let o = plinth(
        dir.path(),
        &[
            "uninstall",
            "shop",
            "--allow-destructive",
            "--database-url",
            url,
        ],
    );
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    runtime().block_on(async {
        let mut conn = db.connect().await;
        let kept = "SELECT count(*)::text FROM pg_proc WHERE proname = 'stamp'";
        assert_eq!(scalar(&mut conn, kept).await.as_deref(), Some("1"));
    });
}
