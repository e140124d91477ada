//! Property tests over the two front ends: SQL (`sql::parse_file`, every dialect) and
//! plugins.toml (`config::parse`, then `config::validate` with schema texts). Inputs mix SQL
//! keywords, names, quotes of every kind (closed and not), brackets, operators, comments,
//! dollar quotes and unicode; the property is that every input ends, in an error or a result,
//! without a panic and within a time bound. `PROPTEST_CASES` (default 512 per property) and
//! `PROPTEST_RNG_SEED` choose how many inputs and which: `PROPTEST_CASES=100000 cargo test
//! --release --test it fuzz` is a longer run.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::Config;

use plinth::config;
use plinth::model::Dialect;
use plinth::parse_file;

/// Far above what any input here takes (milliseconds in a debug build): a case over it is
/// quadratic or exponential work.
const PER_CASE: Duration = Duration::from_secs(10);

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    Config {
        cases,
        // A failure is printed with its smallest input; nothing is written to the tree.
        failure_persistence: None,
        max_shrink_iters: 2048,
        ..Config::default()
    }
}

const SQL_WORDS: &[&str] = &[
    "CREATE",
    "TABLE",
    "INDEX",
    "UNIQUE",
    "ON",
    "t",
    "u",
    "id",
    "x",
    "\"Q\"",
    "integer",
    "int",
    "text",
    "varchar(10)",
    "numeric(5,2)",
    "boolean",
    "PRIMARY",
    "KEY",
    "REFERENCES",
    "FOREIGN",
    "NOT",
    "NULL",
    "DEFAULT",
    "CHECK",
    "CONSTRAINT",
    "GENERATED",
    "ALWAYS",
    "AS",
    "IDENTITY",
    "STORED",
    "AND",
    "OR",
    "IN",
    "IS",
    "LIKE",
    "BETWEEN",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "CAST",
    "CEIL",
    "SUBSTRING",
    "POSITION",
    "abs",
    "now()",
    "ARRAY",
    "NO",
    "INHERIT",
    "MATCH",
    "FULL",
    "EXCLUDE",
    "USING",
    "WITH",
    "WHERE",
    "COMMENT",
    "COLLATE",
    "ALTER",
    "ADD",
    "TYPE",
    "ENUM",
    "ENGINE",
    "=",
    "<>",
    "<",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "||",
    "::",
    "->",
    "!",
    "~",
    "@",
    "(",
    ")",
    "(",
    ")",
    "[",
    "]",
    ",",
    ";",
    ".",
    "0",
    "1",
    "-1",
    "1.5e3",
    "'a'",
    "''",
    "'it''s'",
    "E'\\''",
    "'\\'",
    "\"",
    "'",
    "`",
    "`b`",
    "[c]",
    "$$",
    "$$x$$",
    "$a$",
    "$a$ y $a$",
    "$1",
    "--",
    "-- c\n",
    "#",
    "/*",
    "*/",
    "/* c */",
    "\n",
    "\t",
    "é",
    "🦀",
    "\u{202e}",
    "\u{feff}",
    "\0",
    "\\",
];

/// SQL-ish text: fragments of [`SQL_WORDS`] and arbitrary characters, joined with or without
/// spaces.
fn sql_text() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        8 => proptest::sample::select(SQL_WORDS).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
    ];
    (proptest::collection::vec(fragment, 0..120), any::<bool>())
        .prop_map(|(parts, spaced)| parts.join(if spaced { " " } else { "" }))
}

/// A table whose column default and check are SQL-ish text: gets past the statement's head
/// into lowering more often than free text.
fn table_text() -> impl Strategy<Value = String> {
    (sql_text(), sql_text()).prop_map(|(default, check)| {
        format!(
            "CREATE TABLE t (id integer PRIMARY KEY, c text DEFAULT {default} CHECK ({check}));"
        )
    })
}

fn parse_all_dialects(text: &str) -> Result<(), TestCaseError> {
    for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let start = Instant::now();
        let result = parse_file(dialect, "f.sql", text);
        let took = start.elapsed();
        prop_assert!(took < PER_CASE, "{dialect}: {took:?}");
        if let Err(e) = result {
            // Errors are values with a position in the file, or a plain message.
            let e = e.to_string();
            prop_assert!(!e.is_empty());
        }
    }
    Ok(())
}

const TOML_WORDS: &[&str] = &[
    "[plugins.a]",
    "[plugins.b]",
    "[plugins.\"\"]",
    "[external]",
    "[database]",
    "[[plugins]]",
    "schema",
    "tables",
    "retired",
    "version",
    "url",
    "=",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\"",
    "'",
    "\"\"\"",
    "\"a.sql\"",
    "\"b.sql\"",
    "\"../x.sql\"",
    "\"/etc/passwd\"",
    "\"t\"",
    "\"u\"",
    "\"T\"",
    "\"1.0\"",
    "1",
    "true",
    "#",
    "\n",
    " ",
    "\t",
    "é",
    "🦀",
    "\\",
    "\\u0000",
];

fn toml_text() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        8 => proptest::sample::select(TOML_WORDS).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(fragment, 0..80).prop_map(|parts| parts.concat())
}

/// A project that parses: two plugins with generated table lists, for `validate`.
fn project_text() -> impl Strategy<Value = (String, String, String)> {
    let names = proptest::sample::subsequence(vec!["t", "u", "T", "v"], 0..4);
    (names.clone(), names, table_text(), sql_text()).prop_map(|(a, b, sa, sb)| {
        let list = |n: &[&str]| {
            n.iter()
                .map(|t| format!("\"{t}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let toml = format!(
            "[plugins.a]\nschema = [\"a.sql\"]\ntables = [{}]\n\n[plugins.b]\nschema = [\"b.sql\"]\ntables = [{}]\nretired = [\"old\"]\n",
            list(&a),
            list(&b)
        );
        (toml, sa, sb)
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sql_front_end_ends_on_any_text(text in sql_text()) {
        parse_all_dialects(&text)?;
    }

    #[test]
    fn sql_front_end_ends_on_any_expression(text in table_text()) {
        parse_all_dialects(&text)?;
    }

    #[test]
    fn toml_front_end_ends_on_any_text(text in toml_text()) {
        let start = Instant::now();
        if let Ok(project) = config::parse("plugins.toml", &text) {
            let files: BTreeMap<String, String> = project
                .plugins
                .values()
                .flat_map(|p| p.schema.iter())
                .map(|f| (f.clone(), "CREATE TABLE t (id integer);".to_string()))
                .collect();
            let _ = config::validate(&project, Dialect::Sqlite, &files);
        }
        prop_assert!(start.elapsed() < PER_CASE);
    }

    #[test]
    fn validate_ends_on_any_project((toml, a, b) in project_text()) {
        let project = config::parse("plugins.toml", &toml).expect("the generated project parses");
        let files = BTreeMap::from([("a.sql".to_string(), a), ("b.sql".to_string(), b)]);
        for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
            let start = Instant::now();
            if let Err(e) = config::validate(&project, dialect, &files) {
                prop_assert!(!e.to_string().is_empty());
            }
            prop_assert!(start.elapsed() < PER_CASE);
        }
    }
}
