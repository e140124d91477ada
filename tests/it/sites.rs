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
    runtime().block_on(async {
        let inspected = plinth::db::inspect_read_only(&url(&db.url))
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
