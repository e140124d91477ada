//! Hostile values, live on every engine: quotes, backslashes, dollar quotes, newlines, comment
//! openers, unicode and injection attempts as DEFAULT, CHECK, COMMENT, enum labels,
//! partial-index WHERE and generated-column literals. Each applies and converges, reads back
//! exactly (the default a row gets, what a generated column computes, the label stored, the
//! comment the catalog holds, the rows a check or a partial unique index lets in), survives a
//! change to every literal, and leaves an unowned sentinel table with rows untouched.

use plinth::db::Conn;
use plinth::model::Dialect;
use plinth::quote;

use crate::hostile::{apply_and_converge, project, scalar, suite};

fn values(d: Dialect) -> Vec<String> {
    let mut values: Vec<String> = [
        "",
        "plain",
        "it's",
        "''",
        "'",
        "x\\",
        "\\",
        "x\\'",
        "\\\\'",
        "\\n",
        "a\nb",
        "tab\there",
        "cr\r\nlf",
        "$$",
        "$x$",
        "$$ || 'x' || $$",
        "\"dq\"",
        "`bt`",
        "-- comment",
        "/* c */",
        "*/",
        "#",
        "%_",
        "?",
        "$1",
        "NULL",
        "0",
        "1e5",
        " leading",
        "trailing ",
        "é ☃",
        "日本語",
        "שלום",
        "\u{202e}rtl",
        "'); DROP TABLE victim; --",
        "x\\'); DROP TABLE victim; --",
        "$$); DROP TABLE victim; --",
        "'; COMMIT; DROP TABLE victim; BEGIN; SELECT '",
        "*/ DROP TABLE victim; /*",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if d != Dialect::Mysql {
        values.push("😀".into());
    }
    values
}

/// The schema of the `k`-th value at `version`: the value itself in version 1, with `2`
/// appended in version 2 (the enum keeps its first label and gains the new one).
fn schema(d: Dialect, k: usize, value: &str, version: u8) -> String {
    let lit = |s: &str| quote::string(d, s);
    let v = if version == 1 {
        value.to_string()
    } else {
        format!("{value}2")
    };
    let (l, t) = (lit(&v), format!("v{k}"));
    let first = lit(&format!("{value}!"));
    // MySQL: appending an enum value is (still) planned as destructive; keep its labels.
    let labels = if version == 1 || d == Dialect::Mysql {
        format!("{first}, 'other'")
    } else {
        format!("{first}, 'other', {}", lit(&format!("{v}!")))
    };
    match d {
        Dialect::Postgres => format!(
            "CREATE TYPE e{k} AS ENUM ({labels});\n\
             CREATE TABLE {t} (\n  id integer PRIMARY KEY,\n  d text DEFAULT {l},\n  c text CHECK (c <> {l}),\n  \
             g text GENERATED ALWAYS AS (d || {l}) STORED,\n  e e{k} DEFAULT {first}\n);\n\
             CREATE UNIQUE INDEX w{k} ON {t} (d) WHERE d = {l};\n\
             COMMENT ON TABLE {t} IS {l};\nCOMMENT ON COLUMN {t}.d IS {l};\n"
        ),
        Dialect::Mysql => format!(
            "CREATE TABLE {t} (\n  id int PRIMARY KEY,\n  d varchar(200) DEFAULT {l} COMMENT {l},\n  \
             c varchar(200) CHECK (c <> {l}),\n  g varchar(400) GENERATED ALWAYS AS (concat(d, {l})) STORED,\n  \
             e enum({labels}) DEFAULT {first}\n) COMMENT={l};\n"
        ),
        Dialect::Sqlite => format!(
            "CREATE TABLE {t} (\n  id INTEGER PRIMARY KEY,\n  d TEXT DEFAULT {l},\n  c TEXT CHECK (c <> {l}),\n  \
             g TEXT GENERATED ALWAYS AS (d || {l}) STORED\n);\n\
             CREATE UNIQUE INDEX w{k} ON {t} (d) WHERE d = {l};\n"
        ),
    }
}

/// Whether `sql` runs.
async fn runs(conn: &mut Conn, sql: &str) -> bool {
    conn.run_script(sql).await.is_ok()
}

/// Everything the `k`-th value's schema says about it, read back from the database.
async fn read_back(conn: &mut Conn, d: Dialect, k: usize, v: &str, id: i64) -> Result<(), String> {
    let t = format!("v{k}");
    let insert = format!("INSERT INTO {t} (id) VALUES ({id})");
    conn.run_script(&insert)
        .await
        .map_err(|e| format!("{insert}: {e}"))?;
    let read = |column: &str| format!("SELECT {column} FROM {t} WHERE id = {id}");
    let got = scalar(conn, &read("d")).await;
    if got.as_deref() != Some(v) {
        return Err(format!("DEFAULT reads back as {got:?}"));
    }
    let got = scalar(conn, &read("g")).await;
    if got.as_deref() != Some(format!("{v}{v}").as_str()) {
        return Err(format!("the generated column reads back as {got:?}"));
    }
    let lit = quote::string(d, v);
    if runs(
        conn,
        &format!("INSERT INTO {t} (id, d, c) VALUES ({}, 'x', {lit})", id + 1),
    )
    .await
    {
        return Err("the CHECK let the value in".into());
    }
    if !runs(
        conn,
        &format!("INSERT INTO {t} (id, d, c) VALUES ({}, 'y', 'z')", id + 2),
    )
    .await
    {
        return Err("the CHECK refused another value".into());
    }
    match d {
        Dialect::Postgres => {
            // PostgreSQL keeps no empty comment.
            let want = Some(v).filter(|v| !v.is_empty());
            let got = scalar(
                conn,
                &format!("SELECT obj_description('{t}'::regclass, 'pg_class')"),
            )
            .await;
            if got.as_deref() != want {
                return Err(format!("the table comment reads back as {got:?}"));
            }
            let got = scalar(conn, &format!("SELECT col_description('{t}'::regclass, 2)")).await;
            if got.as_deref() != want {
                return Err(format!("the column comment reads back as {got:?}"));
            }
        }
        Dialect::Mysql => {
            let got = scalar(
                conn,
                &format!(
                    "SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{t}'"
                ),
            )
            .await;
            if got.as_deref() != Some(v) {
                return Err(format!("the table comment reads back as {got:?}"));
            }
            let got = scalar(
                conn,
                &format!(
                    "SELECT COLUMN_COMMENT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{t}' AND COLUMN_NAME = 'd'"
                ),
            )
            .await;
            if got.as_deref() != Some(v) {
                return Err(format!("the column comment reads back as {got:?}"));
            }
        }
        Dialect::Sqlite => {}
    }
    if d != Dialect::Mysql && runs(conn, &format!("INSERT INTO {t} (id) VALUES ({})", id + 3)).await
    {
        return Err("the partial unique index let a second row with the value in".into());
    }
    Ok(())
}

/// The enum label of row `id` is the first label, as written.
async fn enum_label(
    conn: &mut Conn,
    d: Dialect,
    k: usize,
    value: &str,
    id: i64,
) -> Result<(), String> {
    let column = if d == Dialect::Postgres {
        "e::text"
    } else {
        "e"
    };
    let got = scalar(conn, &format!("SELECT {column} FROM v{k} WHERE id = {id}")).await;
    let want = format!("{value}!");
    if got.as_deref() == Some(want.as_str()) {
        Ok(())
    } else {
        Err(format!(
            "the enum label reads back as {got:?}, not {want:?}"
        ))
    }
}

async fn one_value(conn: &mut Conn, d: Dialect, k: usize, value: &str) -> Result<(), String> {
    for (version, id) in [(1u8, 1i64), (2, 10)] {
        let sql = schema(d, k, value, version);
        let desired = project(d, &format!("v{k}"), &sql)?;
        apply_and_converge(conn, d, &desired).await?;
        let v = if version == 1 {
            value.to_string()
        } else {
            format!("{value}2")
        };
        read_back(conn, d, k, &v, id)
            .await
            .map_err(|e| format!("version {version}: {e}"))?;
        if d != Dialect::Sqlite {
            enum_label(conn, d, k, value, id).await?;
        }
    }
    Ok(())
}

fn hostile_values(d: Dialect) {
    suite(d, "hostile values", &values(d), async |conn, k, value| {
        one_value(conn, d, k, value).await
    });
}

#[test]
fn hostile_values_sqlite() {
    hostile_values(Dialect::Sqlite);
}

#[test]
fn hostile_values_postgres() {
    hostile_values(Dialect::Postgres);
}

#[test]
fn hostile_values_mysql() {
    hostile_values(Dialect::Mysql);
}

/// MySQL/MariaDB keep comments, defaults and enum values in utf8mb3: a character beyond U+FFFF
/// there is an error at its statement, not a plan that never converges.
#[test]
fn mysql_refuses_characters_its_catalog_cannot_keep() {
    for sql in [
        "CREATE TABLE t (id int, d varchar(9) DEFAULT '😀');",
        "CREATE TABLE t (id int, d varchar(9) COMMENT 'a😀');",
        "CREATE TABLE t (id int, CHECK (id <> '😀'));",
        "CREATE TABLE t (id int, e enum('😀'));",
        "CREATE TABLE t (id int) COMMENT '😀';",
    ] {
        let err = project(Dialect::Mysql, "t", sql).expect_err(sql);
        assert!(
            err.starts_with("schemas/hostile.sql:1:1:") && err.contains("U+1F600"),
            "{sql}: {err}"
        );
    }
}
