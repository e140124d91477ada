//! Reading a database while another session changes it: `check` looped while `apply` drops and
//! creates a few hundred tables (with defaults, checks, expression and partial indexes, foreign
//! keys) reports drift or none, and never fails reading the catalog.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use plinth::model::Dialect;

use crate::engines::{plinth, TestDb};

/// One generation of the churned schema: `tables` tables named `{prefix}_{n}`, each referencing
/// the one before it.
fn schema(d: Dialect, prefix: &str, tables: usize) -> String {
    let mut sql = String::new();
    for n in 0..tables {
        let parent = match n {
            0 => String::new(),
            _ => format!(" REFERENCES {prefix}_{}(id)", n - 1),
        };
        sql.push_str(&format!(
            "CREATE TABLE {prefix}_{n} (\n  id integer PRIMARY KEY,\n  parent integer{parent},\n  \
             name varchar(40) NOT NULL DEFAULT 'x',\n  qty integer DEFAULT 0 CHECK (qty >= 0),\n  \
             CHECK (length(name) > 0)\n);\n"
        ));
        sql.push_str(&match d {
            // MariaDB has no expression or partial indexes.
            Dialect::Mysql => format!("CREATE INDEX {prefix}_{n}_name ON {prefix}_{n} (name);\n"),
            _ => format!(
                "CREATE INDEX {prefix}_{n}_lower ON {prefix}_{n} (lower(name));\n\
                 CREATE INDEX {prefix}_{n}_big ON {prefix}_{n} (qty) WHERE qty > 10;\n"
            ),
        });
    }
    sql
}

fn run(dir: &Path, url: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--database-url", url];
    all.extend_from_slice(args);
    plinth(dir, &all)
}

/// `applies` applies alternating between two generations of `tables` tables (each apply drops
/// one generation and creates the other), with `check` looped against the database meanwhile:
/// every check exits 0 or 1.
fn check_while_applying(d: Dialect, tables: usize, applies: usize) {
    let Some(test_db) = TestDb::new(d) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.sql"), schema(d, "a", tables)).unwrap();
    std::fs::write(dir.path().join("b.sql"), schema(d, "b", tables)).unwrap();
    let url = test_db.url.clone();

    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (dir, url, done) = (dir.path().to_path_buf(), url.clone(), done.clone());
        std::thread::spawn(move || {
            let mut took = Vec::new();
            for n in 0..applies {
                if done.load(Ordering::SeqCst) {
                    break;
                }
                let file = if n.is_multiple_of(2) {
                    "a.sql"
                } else {
                    "b.sql"
                };
                let started = Instant::now();
                let out = run(
                    &dir,
                    &url,
                    &["--schema", file, "apply", "--allow-destructive"],
                );
                took.push(started.elapsed());
                if !out.status.success() {
                    done.store(true, Ordering::SeqCst);
                    panic!("apply {n} failed: {}", String::from_utf8_lossy(&out.stderr));
                }
            }
            done.store(true, Ordering::SeqCst);
            took
        })
    };

    let (mut checks, mut drift) = (0, 0);
    let mut failed = None;
    while !done.load(Ordering::SeqCst) {
        let out = run(dir.path(), &url, &["--schema", "a.sql", "check"]);
        let code = out.status.code();
        if !matches!(code, Some(0 | 1)) {
            failed = Some(format!(
                "{d}: check {checks} exited {code:?} while an apply ran:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
            done.store(true, Ordering::SeqCst);
        }
        checks += 1;
        drift += usize::from(code == Some(1));
    }
    let took = writer.join().expect("the applies succeed");
    assert_eq!(failed, None);
    eprintln!("{d}: {checks} checks ({drift} with drift) during applies taking {took:?}");
    assert!(
        checks >= applies,
        "{d}: only {checks} checks ran during {applies} applies"
    );
    // The last apply left generation b (or a): a check against it is clean.
    let last = if applies.is_multiple_of(2) {
        "b.sql"
    } else {
        "a.sql"
    };
    let out = run(dir.path(), &url, &["--schema", last, "check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn postgres_check_during_apply_never_fails_reading() {
    check_while_applying(Dialect::Postgres, 200, 8);
}

#[test]
fn mysql_check_during_apply_never_fails_reading() {
    check_while_applying(Dialect::Mysql, 200, 4);
}

#[test]
fn sqlite_check_during_apply_never_fails_reading() {
    check_while_applying(Dialect::Sqlite, 200, 8);
}
