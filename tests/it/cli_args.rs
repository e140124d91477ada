//! Where `--schema` and the other global options may stand: before or after the command, one
//! file per option or a list, as the README's usage line and the conformance runner use them.

use std::path::Path;

use crate::engines::plinth;

fn two_files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("a.sql"),
        "CREATE TABLE a (id integer PRIMARY KEY);\n",
    )
    .expect("a.sql");
    std::fs::write(
        dir.path().join("b.sql"),
        "CREATE TABLE b (id integer PRIMARY KEY);\n",
    )
    .expect("b.sql");
    dir
}

/// The tables an offline SQLite plan creates.
fn planned(dir: &Path, args: &[&str]) -> Vec<String> {
    let o = plinth(dir, args);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "plinth {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    out.lines()
        .filter_map(|l| l.strip_prefix("CREATE TABLE \""))
        .filter_map(|l| l.split('"').next())
        .map(str::to_string)
        .collect()
}

const OFFLINE: [&str; 3] = ["--offline", "--dialect", "sqlite"];

#[test]
fn schema_before_the_command_does_not_swallow_it() {
    let dir = two_files();
    let d = dir.path();
    let with = |before: &[&str], after: &[&str]| {
        let mut args: Vec<&str> = before.to_vec();
        args.push("plan");
        args.extend(OFFLINE);
        args.extend(after);
        planned(d, &args)
    };
    assert_eq!(with(&["--schema", "a.sql"], &[]), ["a"]);
    assert_eq!(with(&["--schema", "a.sql", "b.sql"], &[]), ["a", "b"]);
    assert_eq!(
        with(&["--schema", "a.sql", "--schema", "b.sql"], &[]),
        ["a", "b"]
    );
    assert_eq!(with(&[], &["--schema", "b.sql"]), ["b"]);
    assert_eq!(with(&[], &["--schema", "a.sql", "b.sql"]), ["a", "b"]);
    assert_eq!(
        with(&[], &["--schema", "a.sql", "--schema", "b.sql"]),
        ["a", "b"]
    );
    // Files before and after the command are one list, not the last one given.
    assert_eq!(
        with(&["--schema", "a.sql"], &["--schema", "b.sql"]),
        ["a", "b"]
    );
    // Between the command and its options.
    let mut args = vec!["plan", "--schema", "a.sql"];
    args.extend(OFFLINE);
    assert_eq!(planned(d, &args), ["a"]);
}

#[test]
fn schema_needs_a_file() {
    let dir = two_files();
    for args in [vec!["plan", "--schema"], vec!["--schema", "plan"]] {
        let o = plinth(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "plinth {}", args.join(" "));
        assert!(!o.stderr.is_empty());
    }
}

#[test]
fn the_conformance_runner_form_applies() {
    // run.py: `plinth apply --database-url URL --schema desired.sql --allow-destructive`.
    let dir = two_files();
    let d = dir.path();
    let url = format!("sqlite://{}", d.join("c.sqlite3").display());
    let o = plinth(
        d,
        &[
            "apply",
            "--database-url",
            &url,
            "--schema",
            "a.sql",
            "b.sql",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = plinth(
        d,
        &[
            "apply",
            "--database-url",
            &url,
            "--schema",
            "a.sql",
            "--allow-destructive",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("DROP TABLE \"b\""));
    // Global options before the command, as the README's usage line shows them.
    let o = plinth(d, &["--database-url", &url, "--schema", "a.sql", "check"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = plinth(
        d,
        &[
            "--database-url",
            &url,
            "--schema",
            "a.sql",
            "b.sql",
            "check",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "b is gone: drift");
}

/// The request is checked before any work: an unknown plugin is named before any schema file
/// is parsed or any database is reached (here the schema would not parse and nothing listens
/// on the port), in plugin mode and in ad-hoc mode.
#[test]
fn an_unknown_plugin_is_refused_before_any_work() {
    let dir = two_files();
    std::fs::write(dir.path().join("bad.sql"), "CREATE TABLE (;\n").expect("bad.sql");
    std::fs::write(
        dir.path().join("plugins.toml"),
        "[plugins.core]\nschema = [\"bad.sql\"]\ntables = [\"a\"]\n",
    )
    .expect("plugins.toml");
    let nowhere = "postgres://root@127.0.0.1:1/none";
    for args in [
        vec!["check", "--database-url", nowhere, "cor"],
        vec!["apply", "--database-url", nowhere, "cor"],
        vec!["plan", "--offline", "--dialect", "sqlite", "cor"],
        vec![
            "plan",
            "--schema",
            "bad.sql",
            "--database-url",
            nowhere,
            "core",
        ],
    ] {
        let o = plinth(dir.path(), &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("unknown plugin `cor"), "{args:?}: {err}");
    }
}
