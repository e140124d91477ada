//! Sister sites and the plugin lifecycle, through the binary on every engine: a selection
//! brings the plugins it depends on, a site manages only its plugins, status, uninstall, the
//! history, fleet runs.

use std::path::Path;
use std::process::Output;

use plinth::model::Dialect;

use crate::cli::{code, example_copy, stderr, stdout};
use crate::engines::{plinth, runtime, url, TestDb};

/// Run the plinth binary in `dir` with `env` set (and no DATABASE_URL unless given).
fn plinth_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_plinth"));
    cmd.args(args).current_dir(dir).env_remove("DATABASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run plinth")
}

/// The live tables of a database, plinth's own left out.
fn tables(db: &TestDb) -> Vec<String> {
    tables_at(&db.url)
}

fn tables_at(database: &str) -> Vec<String> {
    runtime().block_on(async {
        let inspected = plinth::db::inspect_read_only(&url(database))
            .await
            .expect("inspect");
        inspected.schema.tables.keys().cloned().collect()
    })
}

/// The example project with its `[database]` replaced by `sites` (TOML text).
fn with_sites(dir: &Path, sites: &str) {
    let path = dir.join("plugins.toml");
    let text = std::fs::read_to_string(&path).expect("plugins.toml");
    let start = text.find("[database]").expect("[database]");
    let end = start + text[start..].find("\n\n").expect("end of [database]");
    let text = format!("{}{sites}{}", &text[..start], &text[end..]);
    std::fs::write(&path, text).expect("write plugins.toml");
}

fn selection_brings_its_dependencies(dialect: Dialect) {
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let dir = example_copy();
    let url = db.url.as_str();
    let o = plinth(dir.path(), &["apply", "computers", "--database-url", url]);
    assert_eq!(code(&o), 0, "{dialect} apply computers: {}", stderr(&o));
    assert!(
        stderr(&o).contains("also applying core: computers references core."),
        "{dialect}: {}",
        stderr(&o)
    );
    // core first: its tables are created before the computers that reference them.
    let sql = stdout(&o);
    let core = sql.find("-- plugin core").expect("core's batch");
    let computers = sql.find("-- plugin computers").expect("computers' batch");
    assert!(core < computers, "{dialect}:\n{sql}");
    let live = tables(&db);
    for t in ["users", "locations", "computers", "computerinstalledapps"] {
        assert!(live.iter().any(|l| l == t), "{dialect}: no {t} in {live:?}");
    }
    assert!(
        !live.iter().any(|l| l == "usbdevices"),
        "{dialect}: {live:?}"
    );
    let o = plinth(dir.path(), &["check", "computers", "--database-url", url]);
    assert_eq!(code(&o), 0, "{dialect} check computers: {}", stderr(&o));
    assert!(stderr(&o).contains("also checking core"), "{}", stderr(&o));
    let o = plinth(dir.path(), &["check", "--database-url", url]);
    assert_eq!(code(&o), 1, "{dialect}: the other plugins are missing");
}

#[test]
fn selection_brings_its_dependencies_sqlite() {
    selection_brings_its_dependencies(Dialect::Sqlite);
}

#[test]
fn selection_brings_its_dependencies_postgres() {
    selection_brings_its_dependencies(Dialect::Postgres);
}

#[test]
fn selection_brings_its_dependencies_mysql() {
    selection_brings_its_dependencies(Dialect::Mysql);
}

fn a_site_manages_only_its_plugins(dialect: Dialect) {
    let (Some(north), Some(south)) = (TestDb::new(dialect), TestDb::new(dialect)) else {
        return;
    };
    let dir = example_copy();
    with_sites(
        dir.path(),
        &format!(
            "[sites.north]\nurl = \"{}\"\nplugins = [\"core\", \"computers\", \"printers\"]\n\n\
             [sites.south]\nurl = \"env:PLINTH_SOUTH_URL\"\nplugins = [\"core\", \"usb\"]",
            north.url
        ),
    );
    let south_env = [("PLINTH_SOUTH_URL", south.url.as_str())];
    let o = plinth(dir.path(), &["check"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("several sites (north, south)"),
        "{}",
        stderr(&o)
    );

    // DATABASE_URL in the environment does not override a site's own URL.
    let env = [("DATABASE_URL", "sqlite://elsewhere.sqlite3")];
    let o = plinth_env(dir.path(), &["--site", "north", "apply"], &env);
    assert_eq!(code(&o), 0, "{dialect} north: {}", stderr(&o));
    assert!(!dir.path().join("elsewhere.sqlite3").exists());
    let o = plinth(dir.path(), &["check", "--site", "north"]);
    assert_eq!(code(&o), 0, "{dialect}: usb is not north's: {}", stderr(&o));

    let o = plinth(dir.path(), &["apply", "--site", "south"]);
    assert_eq!(code(&o), 2, "the environment variable is not set");
    assert!(stderr(&o).contains("PLINTH_SOUTH_URL"), "{}", stderr(&o));
    let o = plinth_env(dir.path(), &["apply", "--site", "south"], &south_env);
    assert_eq!(code(&o), 0, "{dialect} south: {}", stderr(&o));
    let o = plinth_env(dir.path(), &["check", "--site", "south"], &south_env);
    assert_eq!(code(&o), 0, "{dialect} south check: {}", stderr(&o));

    let north_tables = tables(&north);
    let south_tables = tables(&south);
    assert!(
        north_tables.iter().any(|t| t == "printers"),
        "{north_tables:?}"
    );
    assert!(
        !north_tables.iter().any(|t| t == "usbdevices"),
        "{north_tables:?}"
    );
    assert!(
        south_tables.iter().any(|t| t == "usbdevices"),
        "{south_tables:?}"
    );
    assert!(
        !south_tables.iter().any(|t| t == "computers"),
        "{south_tables:?}"
    );

    let o = plinth(dir.path(), &["plan", "usb", "--site", "north"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("plugin `usb` is not on site `north`"),
        "{}",
        stderr(&o)
    );

    // A site without a plugin its plugins need is refused before any database work.
    let Some(west) = TestDb::new(dialect) else {
        return;
    };
    let dir = example_copy();
    with_sites(
        dir.path(),
        &format!(
            "[sites.west]\nurl = \"{}\"\nplugins = [\"computers\"]",
            west.url
        ),
    );
    let o = plinth(dir.path(), &["apply", "--site", "west"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("site `west` has plugin `computers` but not `core`, which it needs: `computers` references"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        tables(&west),
        Vec::<String>::new(),
        "{dialect}: nothing was created"
    );
}

#[test]
fn a_site_manages_only_its_plugins_sqlite() {
    a_site_manages_only_its_plugins(Dialect::Sqlite);
}

#[test]
fn a_site_manages_only_its_plugins_postgres() {
    a_site_manages_only_its_plugins(Dialect::Postgres);
}

#[test]
fn a_site_manages_only_its_plugins_mysql() {
    a_site_manages_only_its_plugins(Dialect::Mysql);
}

/// The history rows, oldest first: (plugin, version, kind, statements).
fn history(db: &TestDb) -> Vec<(String, Option<String>, String, String)> {
    let sql = "SELECT plugin, version, kind, statements FROM plinth_history ORDER BY id";
    runtime().block_on(async {
        let conn = db.connect().await;
        match conn {
            plinth::db::Conn::Postgres(mut c) => sqlx::query_as(sql).fetch_all(&mut c).await,
            plinth::db::Conn::Mysql(mut c) => sqlx::query_as(sql).fetch_all(&mut c).await,
            plinth::db::Conn::Sqlite(mut c) => sqlx::query_as(sql).fetch_all(&mut c).await,
        }
        .expect("read plinth_history")
    })
}

/// Remove `[plugins.NAME]` (up to the next blank line) from the project's plugins.toml.
fn remove_plugin(dir: &Path, name: &str) {
    let path = dir.join("plugins.toml");
    let text = std::fs::read_to_string(&path).expect("plugins.toml");
    let header = format!("[plugins.{name}]");
    let start = text.find(&header).expect("the plugin's table");
    let end = text[start..]
        .find("\n\n")
        .map_or(text.len(), |i| start + i + 2);
    std::fs::write(&path, format!("{}{}", &text[..start], &text[end..])).expect("write");
}

fn status_history_and_uninstall(dialect: Dialect) {
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let dir = example_copy();
    let url = db.url.as_str();
    let o = plinth(dir.path(), &["status", "--database-url", url]);
    assert_eq!(code(&o), 0, "{dialect} status before: {}", stderr(&o));
    assert!(stdout(&o).contains("never applied"), "{}", stdout(&o));

    let o = plinth(dir.path(), &["apply", "--database-url", url]);
    assert_eq!(code(&o), 0, "{dialect} apply: {}", stderr(&o));
    let o = plinth(
        dir.path(),
        &["status", "--format", "json", "--database-url", url],
    );
    assert_eq!(code(&o), 0, "{dialect} status: {}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let plugins = json["plugins"].as_array().expect("plugins");
    assert_eq!(plugins.len(), 7);
    for p in plugins {
        assert_eq!(p["state"], "in_sync", "{p}");
        assert_eq!(p["installed"], true, "{p}");
        assert_eq!(p["last"]["version"], "1.0.0", "{p}");
        assert_eq!(p["present"], p["tables"], "{p}");
    }

    // A version bump with no schema change is recorded, and status shows it.
    let toml = dir.path().join("plugins.toml");
    let text = std::fs::read_to_string(&toml).expect("plugins.toml");
    let core = text.find("[plugins.core]").expect("core");
    let at = core
        + text[core..]
            .find("version = \"1.0.0\"")
            .expect("core's version");
    let bumped = format!("{}version = \"1.1.0\"{}", &text[..at], &text[at + 17..]);
    std::fs::write(&toml, bumped).expect("write");
    let o = plinth(dir.path(), &["apply", "--database-url", url]);
    assert_eq!(code(&o), 0, "{dialect}: {}", stderr(&o));
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("recorded plugin core at 1.1.0 (no schema change)"),
        "{}",
        stderr(&o)
    );
    let rows = history(&db);
    assert_eq!(rows.len(), 8, "{dialect}: {rows:?}");
    assert_eq!(rows[7].0, "core");
    assert_eq!(rows[7].1.as_deref(), Some("1.1.0"));
    assert_eq!(rows[7].3, "");
    let o = plinth(dir.path(), &["apply", "--database-url", url]);
    assert!(stderr(&o).contains("nothing to do"), "{}", stderr(&o));
    assert_eq!(history(&db).len(), 8, "a second apply records nothing");
    let o = plinth(dir.path(), &["status", "core", "--database-url", url]);
    assert!(stdout(&o).contains("apply 1.1.0 at "), "{}", stdout(&o));

    // A plugin removed from plugins.toml: its tables are orphans, reported, never dropped.
    remove_plugin(dir.path(), "printers");
    let o = plinth(dir.path(), &["check", "--database-url", url]);
    assert_eq!(
        code(&o),
        0,
        "{dialect}: orphans are warnings: {}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("warning: plugin printers is recorded in plinth_history"),
        "{}",
        stderr(&o)
    );
    let o = plinth(dir.path(), &["status", "--database-url", url]);
    assert!(stdout(&o).contains("orphans:"), "{}", stdout(&o));
    assert!(stdout(&o).contains("printerdata"), "{}", stdout(&o));
    let o = plinth(dir.path(), &["apply", "--database-url", url]);
    assert_eq!(code(&o), 0);
    assert!(
        tables(&db).iter().any(|t| t == "printers"),
        "apply left it alone"
    );

    // uninstall: refused while another plugin references it, destructive, in reverse FK order.
    let o = plinth(
        dir.path(),
        &[
            "uninstall",
            "core",
            "--allow-destructive",
            "--database-url",
            url,
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("cannot uninstall core: table `")
            && stderr(&o).contains("` of plugin "),
        "{}",
        stderr(&o)
    );
    let o = plinth(dir.path(), &["uninstall", "usb", "--database-url", url]);
    assert_eq!(code(&o), 2, "needs --allow-destructive");
    let o = plinth(
        dir.path(),
        &["uninstall", "usb", "--dry-run", "--database-url", url],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let sql = stdout(&o);
    let drop_at = |table: &str| sql.find(&format!("DROP TABLE {};", quoted(dialect, table)));
    let order = ["usbcheckouts", "usbdevices", "usbdevicetypes"].map(drop_at);
    assert!(
        order.iter().all(Option::is_some) && order.is_sorted(),
        "reverse foreign-key order: {sql}"
    );
    assert!(
        stderr(&o).contains("the plan is DESTRUCTIVE: uninstall needs --allow-destructive"),
        "{}",
        stderr(&o)
    );
    assert!(
        tables(&db).iter().any(|t| t == "usbdevices"),
        "a dry run drops nothing"
    );
    let o = plinth(
        dir.path(),
        &[
            "uninstall",
            "usb",
            "--allow-destructive",
            "--database-url",
            url,
        ],
    );
    assert_eq!(code(&o), 0, "{dialect} uninstall: {}", stderr(&o));
    let sql = stdout(&o);
    let position = |t: &str| sql.find(&format!("DROP TABLE {}", quoted(dialect, t)));
    let (a, b, c) = (
        position("usbcheckouts"),
        position("usbdevices"),
        position("usbdevicetypes"),
    );
    assert!(
        a.is_some() && a < b && b < c,
        "{dialect}: referencing tables first:\n{sql}"
    );
    let live = tables(&db);
    assert!(!live.iter().any(|t| t.starts_with("usb")), "{live:?}");
    let rows = history(&db);
    let last = rows.last().expect("a row");
    assert_eq!(
        (last.0.as_str(), last.2.as_str()),
        ("usb", "uninstall"),
        "{rows:?}"
    );
    let o = plinth(dir.path(), &["status", "usb", "--database-url", url]);
    assert!(stdout(&o).contains("uninstalled"), "{}", stdout(&o));
}

fn quoted(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Mysql => format!("`{name}`"),
        _ => format!("\"{name}\""),
    }
}

#[test]
fn status_history_and_uninstall_sqlite() {
    status_history_and_uninstall(Dialect::Sqlite);
}

#[test]
fn status_history_and_uninstall_postgres() {
    status_history_and_uninstall(Dialect::Postgres);
}

#[test]
fn status_history_and_uninstall_mysql() {
    status_history_and_uninstall(Dialect::Mysql);
}

/// MySQL commits each statement: the ones that ran before a failure are on record as a
/// partial apply, and the re-run that finishes records the rest.
#[test]
fn mysql_history_records_a_partial_apply() {
    let Some(db) = TestDb::new(Dialect::Mysql) else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("plugins.toml"),
        "[plugins.shop]\nschema = [\"shop.sql\"]\ntables = [\"a\", \"b\"]\nversion = \"1\"\n",
    )
    .expect("plugins.toml");
    // `b.a_id` differs in type from `a.id`: MariaDB refuses the foreign key (errno 150).
    let bad = "CREATE TABLE a (id integer PRIMARY KEY);\n\
               CREATE TABLE b (id integer PRIMARY KEY, a_id varchar(10) REFERENCES a (id));\n";
    std::fs::write(dir.path().join("shop.sql"), bad).expect("shop.sql");
    let o = plinth(dir.path(), &["apply", "--database-url", &db.url]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("1 of 2 applied"), "{}", stderr(&o));
    let rows = history(&db);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].2, "partial");
    assert!(rows[0].3.contains("CREATE TABLE `a`"), "{rows:?}");
    assert!(!rows[0].3.contains("CREATE TABLE `b`"), "{rows:?}");
    let good = bad.replace("varchar(10)", "integer");
    std::fs::write(dir.path().join("shop.sql"), good).expect("shop.sql");
    let o = plinth(dir.path(), &["apply", "--database-url", &db.url]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = history(&db);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1].2, "apply");
    assert!(rows[1].3.contains("CREATE TABLE `b`"), "{rows:?}");
    assert!(!rows[1].3.contains("CREATE TABLE `a`"), "{rows:?}");
}

/// A fleet: 50 SQLite sites, two PostgreSQL and two MariaDB databases, and one site whose URL
/// variable is not set. The broken site fails alone; every other site is applied; the exit
/// code is the worst; the summary names every site.
#[test]
fn a_fleet_run_applies_every_site_and_reports_the_failing_one() {
    let servers: Vec<TestDb> = [
        Dialect::Postgres,
        Dialect::Postgres,
        Dialect::Mysql,
        Dialect::Mysql,
    ]
    .into_iter()
    .filter_map(TestDb::new)
    .collect();
    let dir = example_copy();
    let mut sites = String::new();
    for i in 0..50 {
        let plugins = if i % 2 == 0 {
            "\"core\", \"computers\""
        } else {
            "\"core\", \"usb\""
        };
        sites.push_str(&format!(
            "[sites.lite{i:02}]\nurl = \"sqlite://site{i:02}.sqlite3\"\nplugins = [{plugins}]\n\n"
        ));
    }
    for (i, db) in servers.iter().enumerate() {
        sites.push_str(&format!(
            "[sites.server{i}]\nurl = \"{}\"\nplugins = [\"core\", \"printers\"]\n\n",
            db.url
        ));
    }
    sites.push_str("[sites.broken]\nurl = \"env:PLINTH_TEST_UNSET_URL\"\nplugins = [\"core\"]");
    with_sites(dir.path(), &sites);
    let total = 51 + servers.len();
    let o = plinth(dir.path(), &["apply", "--all-sites", "--jobs", "4"]);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(
        err.contains(&format!("1 of {total} sites failed: broken")),
        "{err}"
    );
    assert!(err.contains("PLINTH_TEST_UNSET_URL"), "{err}");
    let summary = err
        .lines()
        .skip_while(|l| !l.starts_with("site "))
        .collect::<Vec<_>>();
    assert_eq!(
        summary.len(),
        total + 3,
        "header, sites, the failure:\n{err}"
    );
    let ok = summary
        .iter()
        .filter(|l| l.split_whitespace().nth(1) == Some("ok"))
        .count();
    assert_eq!(ok, total - 1, "{err}");
    assert!(stdout(&o).contains("-- site lite00\n"), "{}", stdout(&o));
    for (i, db) in servers.iter().enumerate() {
        let live = tables(db);
        assert!(live.iter().any(|t| t == "printers"), "server{i}: {live:?}");
    }
    let lite = |i: usize| {
        let file = dir.path().join(format!("site{i:02}.sqlite3"));
        tables_at(&format!("sqlite://{}", file.display()))
    };
    assert!(lite(0).iter().any(|t| t == "computers"));
    assert!(!lite(0).iter().any(|t| t == "usbdevices"));
    assert!(lite(49).iter().any(|t| t == "usbdevices"));
    // Every site but the broken one is in sync; the JSON report says so per site.
    let o = plinth(dir.path(), &["check", "--all-sites", "--format", "json"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON document");
    let results = json["sites"].as_array().expect("sites");
    assert_eq!(results.len(), total);
    let in_sync = results.iter().filter(|s| s["result"] == "ok").count();
    assert_eq!(in_sync, total - 1, "{json}");
    assert_eq!(json["result"], "failed");
}
