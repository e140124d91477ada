//! The command-line contract, through the real binary: exit codes 0/1/2, SQL and JSON on stdout,
//! messages on stderr, errors as `path:line:col: message`, credentials never printed. Also the
//! example project end to end on every engine: apply from empty, re-plan empty, check 0, then a
//! changed schema makes check exit 1.

use std::path::{Path, PathBuf};
use std::process::Output;

use plinth::model::Dialect;

use crate::engines::{plinth, TestDb};

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub(crate) fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// plinth run in `dir` against `url`, which must succeed: its stdout and stderr.
pub(crate) fn succeeded(dir: &Path, url: &str, args: &[&str]) -> String {
    let o = plinth(dir, &[args, &["--database-url", url]].concat());
    assert_eq!(code(&o), 0, "{url}: {args:?}\n{}{}", stdout(&o), stderr(&o));
    format!("{}{}", stdout(&o), stderr(&o))
}

/// A copy of the example project (plugins.toml + schemas/) in a temp dir.
pub(crate) fn example_copy() -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(root.join("plugins.toml"), dir.path().join("plugins.toml")).expect("copy");
    std::fs::create_dir(dir.path().join("schemas")).expect("mkdir");
    for entry in std::fs::read_dir(root.join("schemas")).expect("schemas/") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("file name");
        std::fs::copy(&path, dir.path().join("schemas").join(name)).expect("copy schema");
    }
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn offline_plan_prints_the_baseline_on_stdout_only() {
    let dir = example_copy();
    for dialect in ["sqlite", "postgres", "mysql"] {
        let o = plinth(dir.path(), &["plan", "--offline", "--dialect", dialect]);
        assert_eq!(code(&o), 0, "{dialect}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains("-- plugin core"), "{out}");
        assert!(out.contains("CREATE TABLE"), "{out}");
        assert!(!stderr(&o).contains("CREATE TABLE"));
        // Plugins in dependency order: core before the plugins that reference it.
        let core = out.find("-- plugin core").unwrap_or(usize::MAX);
        let computers = out.find("-- plugin computers").unwrap_or(0);
        assert!(core < computers, "core must come first:\n{out}");
    }
}

#[test]
fn offline_plan_of_one_plugin_and_json() {
    let dir = example_copy();
    let o = plinth(
        dir.path(),
        &[
            "plan",
            "usb",
            "--offline",
            "--dialect",
            "sqlite",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    let plugins = json["plugins"].as_array().expect("plugins array");
    // usb's tables reference core's: an empty database needs core first.
    assert_eq!(plugins.len(), 2);
    assert_eq!(plugins[0]["plugin"], "core");
    assert_eq!(plugins[1]["plugin"], "usb");
    assert!(stderr(&o).contains("also planning core: usb references core."));
    assert!(plugins[1]["statements"][0]["sql"]
        .as_str()
        .is_some_and(|s| s.starts_with("CREATE TABLE")));
}

#[test]
fn dialect_without_offline_is_an_error() {
    let dir = example_copy();
    let out = plinth(dir.path(), &["plan", "--dialect", "mysql"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("--offline"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn unknown_plugin_is_an_error() {
    let dir = example_copy();
    let o = plinth(
        dir.path(),
        &["plan", "nosuch", "--offline", "--dialect", "sqlite"],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("nosuch"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().expect("dir");
    write(
        dir.path(),
        "bad.sql",
        "CREATE TABLE a (id int);\n\nCREATE TABLE b (id int,, x int);\n",
    );
    let o = plinth(
        dir.path(),
        &[
            "plan",
            "--offline",
            "--dialect",
            "sqlite",
            "--schema",
            "bad.sql",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).starts_with("bad.sql:3:"), "{}", stderr(&o));
}

#[test]
fn unsupported_statements_are_errors_not_ignored() {
    let dir = tempfile::tempdir().expect("dir");
    write(
        dir.path(),
        "s.sql",
        "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n",
    );
    let o = plinth(
        dir.path(),
        &[
            "plan",
            "--offline",
            "--dialect",
            "sqlite",
            "--schema",
            "s.sql",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).starts_with("s.sql:2:1:"), "{}", stderr(&o));
}

#[test]
fn missing_config_is_an_error_with_a_hint() {
    let dir = tempfile::tempdir().expect("dir");
    let o = plinth(dir.path(), &["plan", "--offline", "--dialect", "sqlite"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--schema"), "{}", stderr(&o));
}

#[test]
fn identifiers_longer_than_the_engine_allows_are_errors() {
    let dir = tempfile::tempdir().expect("dir");
    let long = "x".repeat(64);
    write(
        dir.path(),
        "s.sql",
        &format!("CREATE TABLE t (\n  {long} integer\n);\n"),
    );
    let o = plinth(
        dir.path(),
        &[
            "plan",
            "--offline",
            "--dialect",
            "postgres",
            "--schema",
            "s.sql",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).starts_with("s.sql:2:3:"), "{}", stderr(&o));
    assert!(stderr(&o).contains("at most 63"), "{}", stderr(&o));
    // SQLite has no such limit.
    let o = plinth(
        dir.path(),
        &[
            "plan",
            "--offline",
            "--dialect",
            "sqlite",
            "--schema",
            "s.sql",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn credentials_are_never_printed() {
    let dir = tempfile::tempdir().expect("dir");
    write(dir.path(), "s.sql", "CREATE TABLE a (id int);\n");
    let o = plinth(
        dir.path(),
        &[
            "plan",
            "--schema",
            "s.sql",
            "--database-url",
            "postgres://bob:hunter2@127.0.0.1:1/x",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(!stderr(&o).contains("hunter2"), "{}", stderr(&o));
    assert!(stderr(&o).contains("bob:***@"), "{}", stderr(&o));
}

#[test]
fn destructive_apply_is_refused_and_applies_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("d.sqlite3").display());
    write(dir.path(), "v1.sql", "CREATE TABLE a (id integer PRIMARY KEY, note text);\nCREATE TABLE b (id integer PRIMARY KEY);\n");
    write(
        dir.path(),
        "v2.sql",
        "CREATE TABLE a (id integer PRIMARY KEY, extra text);\n",
    );
    let o = plinth(
        dir.path(),
        &["apply", "--schema", "v1.sql", "--database-url", &url],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Global options after the command, as the conformance runner calls it.
    let o = plinth(
        dir.path(),
        &["apply", "--database-url", &url, "--schema", "v2.sql"],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--allow-destructive"), "{}", stderr(&o));
    assert!(stderr(&o).contains("drops table `b`"), "{}", stderr(&o));
    // Nothing was applied: v1 is still in sync.
    let o = plinth(
        dir.path(),
        &["check", "--database-url", &url, "--schema", "v1.sql"],
    );
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    // The plan shows the destructive steps, marked.
    let o = plinth(
        dir.path(),
        &["plan", "--database-url", &url, "--schema", "v2.sql"],
    );
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).contains("-- DESTRUCTIVE: drops table `b`"),
        "{}",
        stdout(&o)
    );
    let o = plinth(
        dir.path(),
        &[
            "apply",
            "--allow-destructive",
            "--database-url",
            &url,
            "--schema",
            "v2.sql",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = plinth(
        dir.path(),
        &["check", "--database-url", &url, "--schema", "v2.sql"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn unowned_tables_are_never_touched() {
    let dir = example_copy();
    let url = format!("sqlite://{}", dir.path().join("shop.sqlite3").display());
    let o = plinth(dir.path(), &["apply", "--database-url", &url]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Someone else's table, even one referencing ours, stays as it is.
    write(dir.path(), "other.sql", "CREATE TABLE orm_sessions (id integer PRIMARY KEY, user_id integer REFERENCES users(id));\n");
    let rt = crate::engines::runtime();
    rt.block_on(async {
        let mut conn = plinth::db::connect(&crate::engines::url(&url))
            .await
            .expect("connect");
        crate::engines::exec(&mut conn, "CREATE TABLE orm_sessions (id integer PRIMARY KEY, user_id integer REFERENCES users(id)); INSERT INTO orm_sessions VALUES (1, NULL);").await;
    });
    for args in [vec!["check"], vec!["plan"]] {
        let mut a = args.clone();
        a.extend(["--database-url", &url]);
        let o = plinth(dir.path(), &a);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert!(!stdout(&o).contains("orm_sessions"), "{}", stdout(&o));
    }
    let o = plinth(
        dir.path(),
        &["apply", "--allow-destructive", "--database-url", &url],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    rt.block_on(async {
        let mut conn = plinth::db::connect(&crate::engines::url(&url))
            .await
            .expect("connect");
        assert_eq!(crate::engines::count(&mut conn, "orm_sessions").await, 1);
    });
}

/// The example on one engine: apply from empty, apply again (nothing to do), check 0; then a
/// changed schema file makes check exit 1 and print the fix on stdout.
fn example_round_trip(dialect: Dialect) {
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let dir = example_copy();
    let url = db.url.as_str();
    let o = plinth(dir.path(), &["apply", "--database-url", url]);
    assert_eq!(code(&o), 0, "{dialect} apply: {}", stderr(&o));
    assert!(stdout(&o).contains("CREATE TABLE"));
    let o = plinth(dir.path(), &["apply", "--database-url", url]);
    assert_eq!(code(&o), 0, "{dialect} second apply: {}", stderr(&o));
    assert!(
        stdout(&o).is_empty(),
        "{dialect}: second apply did something:\n{}",
        stdout(&o)
    );
    let o = plinth(dir.path(), &["plan", "--database-url", url]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).is_empty(),
        "{dialect}: re-plan not empty:\n{}",
        stdout(&o)
    );
    let o = plinth(dir.path(), &["check", "--database-url", url]);
    assert_eq!(code(&o), 0, "{dialect} check: {}{}", stdout(&o), stderr(&o));
    // One history row per plugin, with its version; the second apply recorded nothing.
    crate::engines::runtime().block_on(async {
        let mut conn = db.connect().await;
        assert_eq!(crate::engines::count(&mut conn, "plinth_history").await, 7);
    });

    let usb = dir.path().join("schemas/usb.sql");
    let text = std::fs::read_to_string(&usb).expect("usb.sql");
    let changed = text.replacen(
        "CREATE TABLE usbdevicetypes (",
        "CREATE TABLE usbdevicetypes (\n    plinth_probe varchar(20),",
        1,
    );
    assert_ne!(text, changed, "usb.sql must define usbdevicetypes");
    std::fs::write(&usb, changed).expect("write usb.sql");
    let o = plinth(dir.path(), &["check", "--database-url", url]);
    assert_eq!(code(&o), 1, "{dialect} check after change: {}", stderr(&o));
    assert!(stdout(&o).contains("plinth_probe"), "{}", stdout(&o));
    assert!(stderr(&o).contains("drift in plugin usb"), "{}", stderr(&o));
    let o = plinth(dir.path(), &["check", "computers", "--database-url", url]);
    assert_eq!(
        code(&o),
        0,
        "an unchanged plugin is in sync: {}",
        stderr(&o)
    );
}

#[test]
fn example_round_trip_sqlite() {
    example_round_trip(Dialect::Sqlite);
}

#[test]
fn example_round_trip_postgres() {
    example_round_trip(Dialect::Postgres);
}

#[test]
fn example_round_trip_mysql() {
    example_round_trip(Dialect::Mysql);
}

#[test]
fn default_project_builds_the_sqlite_database() {
    // `cargo run -- apply` in the repository root: plugins.toml's own URL, no flags.
    let dir = example_copy();
    let o = plinth(dir.path(), &["apply"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(dir.path().join("shopdb.sqlite3").exists());
    let o = plinth(dir.path(), &["check"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// Drift explains itself: each difference names the attribute and both sides with the engine's
/// quoting, the JSON carries the same lines per plugin, and each changed table's DDL is shown
/// live against desired as a diff (coloured with `--color always`, absent with `never`), with
/// a name's control characters escaped.
#[test]
fn drift_explains_itself() {
    for d in [Dialect::Postgres, Dialect::Sqlite] {
        let Some(db) = TestDb::new(d) else {
            continue;
        };
        let dir = tempfile::tempdir().unwrap();
        let url = db.url.as_str();
        write(
            dir.path(),
            "a.sql",
            "CREATE TABLE \"we\u{1b}ird\" (id integer PRIMARY KEY, name varchar(20));",
        );
        let first = plinth(
            dir.path(),
            &["apply", "--schema", "a.sql", "--database-url", url],
        );
        assert!(
            first.status.success(),
            "{d}: {}",
            String::from_utf8_lossy(&first.stderr)
        );
        write(
            dir.path(),
            "a.sql",
            "CREATE TABLE \"we\u{1b}ird\" (id integer PRIMARY KEY, name varchar(20) NOT NULL DEFAULT 'x');",
        );
        let args = ["check", "--schema", "a.sql", "--database-url", url];
        let o = plinth(dir.path(), &[&args[..], &["--color", "always"]].concat());
        assert_eq!(o.status.code(), Some(1), "{d}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !err.contains('\u{1b}') || err.contains("\u{1b}[31m-"),
            "{d}: {err}"
        );
        assert!(
            err.contains("\u{1b}[32m+"),
            "{d}: coloured additions: {err}"
        );
        assert!(
            err.contains("\\u{1b}"),
            "{d}: the name's escape is escaped: {err}"
        );
        let line = match d {
            Dialect::Postgres => "column \"name\": set NOT NULL, default none → 'x'",
            _ => {
                "rebuild table \"we\\u{1b}ird\": column \"name\": set NOT NULL, default none → 'x'"
            }
        };
        assert!(err.contains(line), "{d}: {err}");
        let o = plinth(dir.path(), &[&args[..], &["--color", "never"]].concat());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("(desired)"), "{d}: no diff with never: {err}");
        let o = plinth(dir.path(), &[&args[..], &["--format", "json"]].concat());
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let differences = &json["plugins"][0]["differences"];
        assert!(
            differences.as_array().is_some_and(|l| !l.is_empty()),
            "{d}: {json}"
        );
        assert_eq!(json["plugins"][0]["plugin"], "schema", "{d}");
    }
}
