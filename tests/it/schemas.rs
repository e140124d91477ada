//! PostgreSQL schemas other than the default one, in plugin mode: plugins.toml names an object
//! in one as `schema.name`; a plugin's tables, routines, triggers and views in its schema
//! converge, a foreign key or a view into another plugin's schema orders the plugins, and an
//! object of that schema no plugin owns is never touched — nor is a schema no file creates.

use std::path::Path;

use plinth::model::Dialect;

use crate::cli::succeeded;
use crate::engines::{exec, runtime, TestDb};
use crate::hostile::scalar;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn project(dir: &Path, extra_column: &str) {
    write(
        dir,
        "plugins.toml",
        "[plugins.shop]\nschema = [\"schemas/shop.sql\"]\ntables = [\"sales.orders\"]\n\
         functions = [\"sales.stamp\"]\n\n\
         [plugins.audit]\nschema = [\"schemas/audit.sql\"]\ntables = [\"audit.log\"]\n\
         views = [\"audit.paid\", \"sales.logged\"]\n",
    );
    write(
        dir,
        "schemas/shop.sql",
        &format!(
            "CREATE SCHEMA sales;\nCREATE TYPE sales.state AS ENUM ('new', 'paid');\n\
             CREATE TABLE sales.orders (id serial PRIMARY KEY, state sales.state{extra_column}, \
             at timestamptz);\n\
             CREATE INDEX orders_state_idx ON sales.orders (state);\n\
             CREATE FUNCTION sales.stamp() RETURNS trigger LANGUAGE plpgsql \
             AS $$ BEGIN NEW.at := now(); RETURN NEW; END $$;\n\
             CREATE TRIGGER orders_stamp BEFORE INSERT ON sales.orders \
             FOR EACH ROW EXECUTE FUNCTION sales.stamp();\n"
        ),
    );
    write(
        dir,
        "schemas/audit.sql",
        "CREATE SCHEMA audit;\n\
         CREATE TABLE audit.log (id bigint PRIMARY KEY, order_id integer REFERENCES sales.orders (id));\n\
         CREATE VIEW audit.paid AS SELECT id FROM sales.orders WHERE state = 'paid';\n\
         CREATE VIEW sales.logged AS SELECT o.id FROM sales.orders o JOIN audit.log l ON l.order_id = o.id;\n",
    );
}

#[test]
fn plugins_own_objects_in_their_schemas() {
    let Some(db) = TestDb::new(Dialect::Postgres) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.as_str();
    let run = |args: &[&str]| succeeded(dir.path(), url, args);
    project(dir.path(), "");
    let applied = run(&["apply"]);
    assert!(applied.contains("shop"), "{applied}");
    run(&["check"]);
    // The audit plugin's key into the shop's schema makes shop a dependency.
    let planned = run(&["plan", "audit"]);
    assert!(planned.contains("nothing to do"), "{planned}");
    runtime().block_on(async {
        let mut conn = db.connect().await;
        exec(
            &mut conn,
            "INSERT INTO sales.orders (state) VALUES ('paid')",
        )
        .await;
        // Someone else's table, view and function in the shop's schema, and a schema of
        // their own.
        exec(&mut conn, "CREATE TABLE sales.someone_elses (id integer)").await;
        exec(
            &mut conn,
            "CREATE VIEW sales.someone_elses_view AS SELECT id FROM sales.orders",
        )
        .await;
        exec(
            &mut conn,
            "CREATE FUNCTION sales.someone_elses_fn() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
        )
        .await;
        exec(&mut conn, "CREATE SCHEMA theirs").await;
        exec(&mut conn, "CREATE TABLE theirs.t (id integer)").await;
    });
    run(&["check"]);
    // A column added to the plugin's table in its schema; the rows stay.
    project(dir.path(), ", note text");
    let planned = run(&["plan"]);
    assert!(
        planned.contains("ALTER TABLE \"sales\".\"orders\" ADD COLUMN \"note\" text"),
        "{planned}"
    );
    assert!(
        !planned.contains("someone_elses") && !planned.contains("theirs"),
        "{planned}"
    );
    run(&["apply"]);
    run(&["check"]);
    runtime().block_on(async {
        let mut conn = db.connect().await;
        let rows = scalar(&mut conn, "SELECT count(*)::text FROM sales.orders").await;
        assert_eq!(rows.as_deref(), Some("1"));
        // The trigger in the shop's schema ran.
        let stamped = scalar(
            &mut conn,
            "SELECT count(*)::text FROM sales.orders WHERE at IS NOT NULL",
        )
        .await;
        assert_eq!(stamped.as_deref(), Some("1"));
        let theirs = scalar(
            &mut conn,
            "SELECT (to_regclass('sales.someone_elses_view') IS NOT NULL \
             AND to_regproc('sales.someone_elses_fn') IS NOT NULL)::text",
        )
        .await;
        assert_eq!(theirs.as_deref(), Some("true"));
        let kept = scalar(
            &mut conn,
            "SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY 1)::text \
             FROM information_schema.tables WHERE table_name IN ('someone_elses', 't')",
        )
        .await;
        assert_eq!(kept.as_deref(), Some("sales.someone_elses,theirs.t"));
    });
    // Uninstalled, the audit plugin takes its views along, the one in the shop's schema too,
    // and nothing else.
    run(&["uninstall", "audit", "--allow-destructive"]);
    runtime().block_on(async {
        let mut conn = db.connect().await;
        let left = scalar(
            &mut conn,
            "SELECT concat_ws(',', to_regclass('sales.logged'), to_regclass('audit.paid'), \
             to_regclass('sales.someone_elses_view'), to_regclass('sales.orders'))",
        )
        .await;
        assert_eq!(
            left.as_deref(),
            Some("sales.someone_elses_view,sales.orders")
        );
    });
}
