//! Databases built by other tools, taken over: the example app's plugins made by SQLAlchemy's
//! `create_all` (tests/adoption/models.py) on every engine, and an applied example dumped with
//! `pg_dump` / `mysqldump` and restored into a fresh database. For each: `adopt` writes a file
//! `check` finds in sync and that builds the same catalog on an empty database; `plan` against
//! the example holds nothing destructive; `apply` converges; the rows stay and the next id
//! follows them.
//!
//! SQLAlchemy comes from the Python that `PLINTH_TEST_PYTHON` names (`.ci/run` makes a
//! virtualenv); the dump tools from PATH. Missing, the tests are skipped with a notice, unless
//! `PLINTH_REQUIRE_TOOLS` names them (`sqlalchemy`, `pg_dump`, `mysqldump`): then they fail.

use std::path::Path;
use std::process::Command;

use plinth::model::Dialect;

use crate::adopt::catalog;
use crate::cli::example_copy;
use crate::engines::{exec, plinth, runtime, TestDb};
use crate::hostile::scalar;

fn required(tool: &str) -> bool {
    std::env::var("PLINTH_REQUIRE_TOOLS")
        .unwrap_or_default()
        .split(',')
        .any(|t| t.trim() == tool)
}

/// `tool` can be run, or the test is skipped (or fails, when required).
fn available(tool: &str, probe: &mut Command) -> bool {
    let ok = probe.output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            !required(tool),
            "{tool} is required (PLINTH_REQUIRE_TOOLS) but unusable"
        );
        eprintln!("SKIPPED: takeover tests with {tool}: not available");
    }
    ok
}

fn run(dir: &Path, what: &str, args: &[&str]) -> String {
    let o = plinth(dir, args);
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "{what}: plinth {args:?} exited {:?}\n{stdout}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    stdout
}

/// The takeover of the database at `db`, which holds the example's tables of `plugins` (all
/// when empty) with rows: adopt round-trips, the plan is safe, apply converges, rows and next
/// ids survive.
fn take_over(db: &TestDb, plugins: &[&str], what: &str) {
    let dir = example_copy();
    let url = db.url.as_str();
    let with = |command: &'static str| -> Vec<&str> {
        let mut args = vec![command];
        args.extend_from_slice(plugins);
        args.extend_from_slice(&["--database-url", url]);
        args
    };
    let adopted = ["--schema", "adopted.sql", "--database-url", url];
    run(dir.path(), what, &[&["adopt"], &adopted[..]].concat());
    run(dir.path(), what, &[&["check"], &adopted[..]].concat());
    // The adopted file builds the same catalog on an empty database.
    if let Some(empty) = TestDb::new(db.dialect) {
        let args = ["apply", "--schema", "adopted.sql", "--database-url"];
        run(
            dir.path(),
            what,
            &[&args[..], &[empty.url.as_str()]].concat(),
        );
        assert_eq!(catalog(db), catalog(&empty), "{what}: the same catalog");
    }
    let plan = run(dir.path(), what, &with("plan"));
    assert!(!plan.contains("DESTRUCTIVE"), "{what}: {plan}");
    run(dir.path(), what, &with("apply"));
    run(dir.path(), what, &with("check"));
    runtime().block_on(async {
        let mut conn = db.connect().await;
        let text = match db.dialect {
            Dialect::Mysql => "CHAR",
            _ => "TEXT",
        };
        let count = format!("SELECT CAST(count(*) AS {text}) FROM locations");
        assert_eq!(
            scalar(&mut conn, &count).await.as_deref(),
            Some("2"),
            "{what}"
        );
        exec(&mut conn, "INSERT INTO locations (name) VALUES ('Hall 3')").await;
        let id = format!("SELECT CAST(id AS {text}) FROM locations WHERE name = 'Hall 3'");
        assert_eq!(
            scalar(&mut conn, &id).await.as_deref(),
            Some("3"),
            "{what}: the next id follows the rows"
        );
    });
}

/// SQLAlchemy's URL for a test database.
fn sqlalchemy_url(db: &TestDb) -> String {
    let url = db.url.as_str();
    match db.dialect {
        Dialect::Postgres => url.replacen("postgres://", "postgresql+psycopg2://", 1),
        Dialect::Mysql => url.replacen("mysql://", "mysql+pymysql://", 1),
        Dialect::Sqlite => format!("sqlite:///{}", url.trim_start_matches("sqlite://")),
    }
}

#[test]
fn sqlalchemy_create_all_is_taken_over() {
    let python = std::env::var("PLINTH_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    if !available(
        "sqlalchemy",
        Command::new(&python).args(["-c", "import sqlalchemy, psycopg2, pymysql"]),
    ) {
        return;
    }
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/adoption/models.py");
    for d in Dialect::ALL {
        let Some(db) = TestDb::new(d) else {
            continue;
        };
        let o = Command::new(&python)
            .arg(&models)
            .arg(sqlalchemy_url(&db))
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{d}: create_all: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let what = format!("{d}: SQLAlchemy");
        take_over(&db, &[], &what);
        // A bigint key: on SQLite, SQLAlchemy's BIGINT PRIMARY KEY was not the rowid; after the
        // apply it numbers rows after the one already there.
        runtime().block_on(async {
            let mut conn = db.connect().await;
            exec(
                &mut conn,
                "INSERT INTO notifications (notificationtype_id, user_id, title) \
                 VALUES (1, 1, 'second')",
            )
            .await;
            let id = "SELECT CAST(max(id) AS CHAR(20)) FROM notifications";
            let id = match d {
                Dialect::Mysql => id.to_owned(),
                _ => id.replace("CHAR(20)", "TEXT"),
            };
            assert_eq!(scalar(&mut conn, &id).await.as_deref(), Some("2"), "{what}");
        });
    }
}

/// An applied example with rows, dumped and restored into a fresh database by the engine's own
/// tools.
#[test]
fn dumps_restored_are_taken_over() {
    for (d, tool) in [
        (Dialect::Postgres, "pg_dump"),
        (Dialect::Mysql, "mysqldump"),
    ] {
        if !available(tool, Command::new(tool).arg("--version")) {
            continue;
        }
        let (Some(source), Some(restored)) = (TestDb::new(d), TestDb::new(d)) else {
            continue;
        };
        let dir = example_copy();
        run(
            dir.path(),
            tool,
            &["apply", "--database-url", source.url.as_str()],
        );
        runtime().block_on(async {
            let mut conn = source.connect().await;
            exec(
                &mut conn,
                "INSERT INTO locations (name) VALUES ('Hall 1'); \
                 INSERT INTO locations (name) VALUES ('Hall 2')",
            )
            .await;
        });
        let pipe = match d {
            Dialect::Postgres => format!(
                "pg_dump --no-owner --no-privileges '{}' | psql -q -v ON_ERROR_STOP=1 '{}'",
                source.url, restored.url
            ),
            _ => {
                let (a, b) = (mysql_args(&source.url), mysql_args(&restored.url));
                format!("mysqldump {a} | mysql {b}")
            }
        };
        let o = Command::new("sh").args(["-c", &pipe]).output().unwrap();
        assert!(
            o.status.success(),
            "{tool}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        take_over(&restored, &[], &format!("{d}: {tool} restored"));
    }
}

/// `mysql://user[:password]@host[:port]/db` as the MySQL client's arguments.
fn mysql_args(url: &str) -> String {
    let rest = url.trim_start_matches("mysql://");
    let (auth, rest) = rest.split_once('@').unwrap_or(("root", rest));
    let (user, password) = auth.split_once(':').unwrap_or((auth, ""));
    let (host, db) = rest.split_once('/').unwrap_or((rest, ""));
    let db = db.split('?').next().unwrap_or(db);
    let (host, port) = host.split_once(':').unwrap_or((host, "3306"));
    let password = match password {
        "" => String::new(),
        p => format!(" -p'{p}'"),
    };
    format!("-h {host} -P {port} -u {user}{password} {db}")
}
