//! Hostile names, live on every engine: quotes, backslashes, semicolons, comment openers,
//! spaces, unicode, reserved words, case-only differences, the longest names allowed, and
//! injection attempts — each used as a table, column, constraint and index name and inside
//! every kind of expression (DEFAULT, CHECK, generated column, index expression, partial-index
//! WHERE) and as a literal. Each applies, converges, survives a further change, keeps its row,
//! and leaves an unowned sentinel table with rows untouched; names an engine refuses are
//! errors at their position, before any DDL.

use plinth::config::{self, Desired, Selection};
use plinth::db::{self, apply::Options, Conn};
use plinth::model::{Dialect, Schema};
use plinth::pipeline::batches;
use plinth::quote;

use crate::engines::{exec, runtime, TestDb};

/// The names every engine must take.
fn names(d: Dialect) -> Vec<String> {
    let mut names: Vec<String> = [
        "a\"b",
        "a'b",
        "a`b",
        "\"",
        "'",
        "`",
        "\"\"",
        "''",
        "a\\b",
        "\\",
        "a\\",
        "\\'",
        "\\\"",
        "\\\\",
        "a;b",
        ";",
        "--",
        "a--b",
        "-- x",
        "/*",
        "*/",
        "a/*b*/c",
        "#",
        " a",
        "a b",
        "a  b",
        "a\tb",
        "a\nb",
        "é",
        "日本語",
        "Ωmega",
        "שלום",
        "\u{202e}rtl",
        "select",
        "table",
        "order",
        "group",
        "user",
        "from",
        "where",
        "check",
        "key",
        "index",
        "default",
        "null",
        "true",
        "primary",
        "$$",
        "$tag$",
        "$1",
        "?",
        "%s",
        "{}",
        ":name",
        "@var",
        "@@x",
        "a.b",
        "[x]",
        "]",
        "(",
        ")",
        ",",
        "=",
        "*",
        "123",
        "x'); DROP TABLE victim; --",
        "id > 0)); DROP TABLE victim; SELECT ((1",
        "id > 0)); COMMIT; DROP TABLE victim; BEGIN; SELECT ((1",
        "x\\'); DROP TABLE victim; --",
        "$$); DROP TABLE victim; --",
        "*/ DROP TABLE victim; /*",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    match d {
        Dialect::Postgres => {
            names.extend(["Mixed", "MIXED", "mixed", "😀"].map(String::from));
            names.push("a".repeat(63));
            names.push(format!("{}a", "é".repeat(31)));
            names.push("trailing ".into());
        }
        Dialect::Mysql => {
            names.extend(["Mixed", "MIXED", "mixed"].map(String::from));
            names.push("é".repeat(64));
            names.push("a".repeat(64));
        }
        Dialect::Sqlite => {
            names.extend(["Mixed", "😀", "trailing "].map(String::from));
            names.push("a".repeat(200));
        }
    }
    names
}

/// Names the engine refuses: each is an error at its position, before any DDL.
fn refused(d: Dialect) -> Vec<String> {
    let mut names = vec![
        "plinth_x".to_string(),
        "PLINTH_Y".to_string(),
        "a\0b".into(),
    ];
    match d {
        Dialect::Postgres => names.extend(["a".repeat(64), "é".repeat(32), "xmin".into()]),
        Dialect::Mysql => names.extend(["a".repeat(65), "trailing ".into(), "a😀".into()]),
        Dialect::Sqlite => names.push("sqlite_x".into()),
    }
    names
}

/// `prefix` + `name`, cut to the engine's limit (bytes on PostgreSQL, characters on MySQL).
fn derived(d: Dialect, prefix: &str, name: &str) -> String {
    let mut out = prefix.to_string();
    for c in name.chars() {
        let fits = match d {
            Dialect::Postgres => out.len() + c.len_utf8() <= 63,
            Dialect::Mysql => out.chars().count() < 64,
            Dialect::Sqlite => true,
        };
        if !fits {
            break;
        }
        out.push(c);
    }
    // MySQL takes no name ending in a space.
    while d == Dialect::Mysql && out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The desired schema of the table named `name` (the `k`-th), at `version` 1 or 2.
fn schema(d: Dialect, k: usize, name: &str, version: u8) -> String {
    let q = |s: &str| quote::ident(d, s);
    let lit = |s: &str| quote::string(d, s);
    let (t, c) = (q(name), q(name));
    let g = q(&derived(d, &format!("g{k}_"), name));
    let ck = q(&derived(d, &format!("k{k}_"), name));
    let u = q(&derived(d, &format!("u{k}_"), name));
    let i = q(&derived(d, &format!("i{k}_"), name));
    let j = q(&derived(d, &format!("j{k}_"), name));
    let n = q(&derived(d, &format!("n{k}_"), name));
    let v = lit(name);
    let bound = if version == 1 { 0 } else { -1 };
    let added = if version == 2 {
        format!(",\n  {n} integer DEFAULT 7")
    } else {
        String::new()
    };
    let comment = lit(&format!("{name}{version}"));
    match d {
        Dialect::Postgres => {
            let partial = if version == 1 {
                format!("CREATE INDEX {j} ON {t} (lower({c})) WHERE {c} IS NOT NULL AND {c} <> {v};\n")
            } else {
                String::new()
            };
            format!(
                "CREATE TABLE {t} (\n  id integer PRIMARY KEY,\n  {c} varchar(200) DEFAULT {v},\n  \
                 {g} text GENERATED ALWAYS AS ({c} || {v}) STORED,\n  \
                 CONSTRAINT {ck} CHECK ({c} <> {v} OR id > {bound}),\n  CONSTRAINT {u} UNIQUE ({c}){added}\n);\n\
                 CREATE INDEX {i} ON {t} ({c});\n{partial}\
                 COMMENT ON TABLE {t} IS {comment};\nCOMMENT ON COLUMN {t}.{c} IS {comment};\n"
            )
        }
        Dialect::Mysql => format!(
            "CREATE TABLE {t} (\n  id int PRIMARY KEY,\n  {c} varchar(200) DEFAULT {v} COMMENT {comment},\n  \
             {g} varchar(400) GENERATED ALWAYS AS (concat({c}, {v})) STORED,\n  \
             CONSTRAINT {ck} CHECK ({c} <> {v} OR id > {bound}),\n  UNIQUE KEY {u} ({c}),\n  KEY {i} ({c}){added}\n\
             ) COMMENT={comment};\n"
        ),
        Dialect::Sqlite => {
            let partial = if version == 1 {
                format!("CREATE INDEX {j} ON {t} (lower({c})) WHERE {c} IS NOT NULL AND {c} <> {v};\n")
            } else {
                String::new()
            };
            format!(
                "CREATE TABLE {t} (\n  id INTEGER PRIMARY KEY,\n  {c} TEXT DEFAULT {v},\n  \
                 {g} TEXT GENERATED ALWAYS AS ({c} || {v}) STORED,\n  \
                 CONSTRAINT {ck} CHECK ({c} <> {v} OR id > {bound}),\n  CONSTRAINT {u} UNIQUE ({c}){added}\n);\n\
                 CREATE INDEX {i} ON {t} ({c});\n{partial}"
            )
        }
    }
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One plugin owning the table `name`, defined by `sql`.
pub fn project(d: Dialect, name: &str, sql: &str) -> Result<Desired, String> {
    let toml = format!(
        "[plugins.hostile]\nschema = [\"schemas/hostile.sql\"]\ntables = [{}]\n",
        toml_string(name)
    );
    let project = config::parse("plugins.toml", &toml).map_err(|e| e.to_string())?;
    let files = [("schemas/hostile.sql".to_string(), sql.to_string())].into();
    config::validate(&project, d, &files).map_err(|e| e.to_string())
}

/// The first value of the first row of `sql`, as text.
pub async fn scalar(conn: &mut Conn, sql: &str) -> Option<String> {
    let r = match conn {
        Conn::Postgres(c) => {
            sqlx::query_scalar::<_, Option<String>>(sql)
                .fetch_one(c)
                .await
        }
        Conn::Mysql(c) => {
            sqlx::query_scalar::<_, Option<String>>(sql)
                .fetch_one(c)
                .await
        }
        Conn::Sqlite(c) => {
            sqlx::query_scalar::<_, Option<String>>(sql)
                .fetch_one(c)
                .await
        }
    };
    r.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

pub const SENTINEL: &str = "CREATE TABLE victim (id integer PRIMARY KEY, v varchar(20));
INSERT INTO victim (id, v) VALUES (1, 'a'), (2, 'b');";

/// The sentinel table as inspected, and its row count.
pub async fn sentinel(conn: &mut Conn) -> (Schema, Option<String>) {
    let mut live = db::inspect(conn).await.expect("inspect").schema;
    live.retain_tables(|t| t == "victim");
    live.enums.clear();
    let rows = scalar(conn, "SELECT CAST(COUNT(*) AS CHAR(10)) FROM victim").await;
    (live, rows)
}

/// Apply `desired`, then plan again: the second plan must be empty.
pub async fn apply_and_converge(
    conn: &mut Conn,
    d: Dialect,
    desired: &Desired,
) -> Result<(), String> {
    db::apply(conn, Options::default(), |live| {
        batches(d, desired, &Selection::all(), live)
    })
    .await
    .map_err(|e| format!("apply: {e}"))?;
    let live = db::inspect(conn).await.map_err(|e| e.to_string())?.schema;
    let rest: Vec<String> = batches(d, desired, &Selection::all(), &live)
        .map_err(|e| e.to_string())?
        .iter()
        .flat_map(|b| b.statements.iter().map(|s| s.sql.clone()))
        .collect();
    if rest.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "does not converge; next plan:\n{}",
            rest.join(";\n")
        ))
    }
}

/// The `k`-th name through both versions of its schema.
async fn one_name(conn: &mut Conn, d: Dialect, k: usize, name: &str) -> Result<(), String> {
    let t = quote::ident(d, name);
    for version in [1, 2] {
        let desired = project(d, name, &schema(d, k, name, version))?;
        apply_and_converge(conn, d, &desired).await?;
        let live = db::inspect(conn).await.map_err(|e| e.to_string())?;
        let table = live
            .schema
            .tables
            .get(name)
            .ok_or("the table is not there under its name")?;
        if table.column(name).is_none() {
            return Err("the column is not there under its name".to_string());
        }
        if version == 1 {
            let insert = format!("INSERT INTO {t} (id) VALUES (1)");
            conn.run_script(&insert)
                .await
                .map_err(|e| format!("{insert}: {e}"))?;
        }
        // The row survives (a SQLite rebuild copies it) and its default is the name.
        let read = format!("SELECT {t} FROM {t} WHERE id = 1");
        if scalar(conn, &read).await.as_deref() != Some(name) {
            return Err(format!(
                "version {version}: the row's default is not the name"
            ));
        }
    }
    Ok(())
}

/// Run `one` for every item on a fresh database of `d` that holds the sentinel; every item must
/// pass, and the sentinel must come out of each exactly as it went in.
pub fn suite(
    d: Dialect,
    what: &str,
    items: &[String],
    mut one: impl AsyncFnMut(&mut Conn, usize, &str) -> Result<(), String>,
) {
    let Some(test_db) = TestDb::new(d) else {
        return;
    };
    let mut failures = Vec::new();
    runtime().block_on(async {
        let mut conn = test_db.connect().await;
        exec(&mut conn, SENTINEL).await;
        let before = sentinel(&mut conn).await;
        for (k, item) in items.iter().enumerate() {
            if let Err(e) = one(&mut conn, k, item).await {
                failures.push(format!("{item:?}: {e}"));
            }
            if sentinel(&mut conn).await != before {
                failures.push(format!("{item:?}: the unowned table `victim` changed"));
                break;
            }
        }
    });
    assert!(
        failures.is_empty(),
        "{d}: {} of {} {what} failed:\n{}",
        failures.len(),
        items.len(),
        failures.join("\n\n")
    );
    eprintln!("{d}: {} {what} passed", items.len());
}

fn hostile_names(d: Dialect) {
    suite(d, "hostile names", &names(d), async |conn, k, name| {
        one_name(conn, d, k, name).await
    });
}

fn refused_names(d: Dialect) {
    for (k, name) in refused(d).iter().enumerate() {
        let sql = schema(d, k, name, 1);
        let Err(err) = project(d, name, &sql) else {
            panic!("{d}: {name:?} was accepted")
        };
        assert!(
            err.starts_with("schemas/hostile.sql:") || err.starts_with("plugins.toml:"),
            "{d}: {name:?}: the error names no position: {err}"
        );
    }
}

#[test]
fn hostile_names_sqlite() {
    hostile_names(Dialect::Sqlite);
}

#[test]
fn hostile_names_postgres() {
    hostile_names(Dialect::Postgres);
}

#[test]
fn hostile_names_mysql() {
    hostile_names(Dialect::Mysql);
}

#[test]
fn refused_names_are_errors_at_their_position() {
    for d in Dialect::ALL {
        refused_names(d);
    }
}

#[test]
fn there_are_enough_names() {
    for d in Dialect::ALL {
        assert!(names(d).len() >= 60, "{d}");
    }
}

/// A name in plugins.toml means the table named exactly so if there is one, else the name
/// folded like an unquoted identifier; compared as the engine compares names. Retired tables
/// (which no SQL defines) follow the same rule as listed ones.
fn retired_names(d: Dialect) {
    let Some(test_db) = TestDb::new(d) else {
        return;
    };
    let q = |s: &str| quote::ident(d, s);
    // (created as, retired as): each must be dropped.
    let cases: &[(&str, &str)] = match d {
        Dialect::Postgres => &[("Users", "Users"), ("old", "Old"), ("a b", "a b")],
        Dialect::Mysql => &[("Users", "Users"), ("a b", "a b")],
        Dialect::Sqlite => &[("Users", "users"), ("old", "OLD"), ("a b", "A B")],
    };
    let retired: Vec<String> = cases.iter().map(|(_, r)| toml_string(r)).collect();
    let toml = format!(
        "[plugins.p]\nschema = [\"schemas/p.sql\"]\ntables = [\"keep\"]\nretired = [{}]\n",
        retired.join(", ")
    );
    let project = config::parse("plugins.toml", &toml).expect("plugins.toml");
    let files = [(
        "schemas/p.sql".to_string(),
        "CREATE TABLE keep (id integer PRIMARY KEY);".to_string(),
    )]
    .into();
    let desired = config::validate(&project, d, &files).expect("valid");
    runtime().block_on(async {
        let mut conn = test_db.connect().await;
        exec(&mut conn, SENTINEL).await;
        for (created, _) in cases {
            exec(
                &mut conn,
                &format!("CREATE TABLE {} (id integer)", q(created)),
            )
            .await;
        }
        db::apply(&mut conn, Options::destructive(), |live| {
            batches(d, &desired, &Selection::all(), live)
        })
        .await
        .expect("apply");
        let live = db::inspect(&mut conn).await.expect("inspect").schema;
        let names: Vec<&String> = live.tables.keys().collect();
        assert_eq!(
            names,
            ["keep", "victim"],
            "{d}: the retired tables are dropped"
        );
    });
}

#[test]
fn retired_names_follow_the_engine_rules() {
    for d in Dialect::ALL {
        retired_names(d);
    }
}

/// What an engine cannot keep is an error at its statement, not something silently dropped.
#[test]
fn what_an_engine_cannot_keep_is_an_error() {
    let err = project(
        Dialect::Mysql,
        "t",
        "CREATE TABLE t (id int, a int);\nCREATE INDEX i ON t (a) WHERE a > 0;",
    )
    .expect_err("MySQL has no partial indexes");
    assert!(
        err.starts_with("schemas/hostile.sql:2:31:") && err.contains("partial index"),
        "{err}"
    );
    for (d, sql) in [
        (
            Dialect::Postgres,
            "CREATE TABLE t (id int, a int CHECK (a IN (SELECT 1)));",
        ),
        (
            Dialect::Postgres,
            "CREATE TABLE t (id int, a int DEFAULT $1);",
        ),
        (
            Dialect::Sqlite,
            "CREATE TABLE t (id int, a int CHECK (EXISTS (SELECT 1)));",
        ),
    ] {
        let err = project(d, "t", sql).expect_err(sql);
        assert!(err.starts_with("schemas/hostile.sql:1:"), "{sql}: {err}");
        assert!(err.contains("not supported"), "{sql}: {err}");
    }
}
