use super::*;

fn linted(dialect: Dialect, sql: &str, portable: bool) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s.sql");
    std::fs::write(&path, sql).expect("write");
    let desired = crate::config::adhoc(&[path], dialect).expect("a schema");
    lint(dialect, &desired, portable)
        .iter()
        .map(|f| {
            let line = f.to_string();
            let at = line.find(": ").map_or(0, |i| i + 2);
            line[at..].to_string()
        })
        .collect()
}

fn codes(findings: &[String]) -> Vec<&str> {
    findings
        .iter()
        .filter_map(|f| Some(f.split_once('[')?.1.split_once(']')?.0))
        .collect()
}

#[test]
fn a_clean_schema_has_no_findings_on_any_engine() {
    let sql = "CREATE TABLE a (id integer PRIMARY KEY, name varchar(20) UNIQUE);\n\
               CREATE TABLE b (id integer PRIMARY KEY, a_id integer REFERENCES a (id), a_name varchar(30) REFERENCES a (name));\n\
               CREATE INDEX b_a ON b (a_id);\nCREATE INDEX b_name ON b (a_name, id);\n";
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        assert_eq!(linted(d, sql, true), Vec::<String>::new(), "{d}");
    }
}

#[test]
fn postgres_wants_an_index_on_the_referencing_columns() {
    let sql = "CREATE TABLE a (id integer PRIMARY KEY);\n\
               CREATE TABLE b (id integer PRIMARY KEY, a_id integer REFERENCES a (id));\n";
    assert_eq!(
        linted(Dialect::Postgres, sql, false),
        ["warning[fk_without_index]: foreign key `b` (a_id) has no index: each delete or key update in `a` scans `b`; add CREATE INDEX ON b (a_id)"]
    );
    // A key that starts with the column is an index for it.
    let keyed = "CREATE TABLE a (id integer PRIMARY KEY);\n\
                 CREATE TABLE b (a_id integer REFERENCES a (id), n integer, PRIMARY KEY (a_id, n));\n";
    assert_eq!(
        linted(Dialect::Postgres, keyed, false),
        Vec::<String>::new()
    );
}

#[test]
fn types_differing_across_a_foreign_key_are_found_string_lengths_are_not() {
    let sql = "CREATE TABLE a (id bigint PRIMARY KEY, code varchar(10) UNIQUE);\n\
               CREATE TABLE b (id integer PRIMARY KEY, a_id integer REFERENCES a (id), code varchar(40) REFERENCES a (code));\n\
               CREATE INDEX b_a ON b (a_id);\nCREATE INDEX b_c ON b (code);\n";
    assert_eq!(
        codes(&linted(Dialect::Postgres, sql, false)),
        ["fk_type_mismatch"]
    );
    assert_eq!(
        codes(&linted(Dialect::Mysql, sql, false)),
        ["fk_type_mismatch"]
    );
    let mysql = linted(Dialect::Mysql, sql, false);
    assert!(mysql[0].starts_with("error["), "{mysql:?}");
}

#[test]
fn sqlite_takes_any_type_name_but_says_what_it_makes_of_it() {
    let sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, label STRING, n integr);\n";
    assert_eq!(
        linted(Dialect::Sqlite, sql, false),
        [
            "warning[unknown_type]: column `t`.`label`: `STRING` is no SQLite type name: SQLite stores it with NUMERIC affinity; write INTEGER, TEXT, REAL, BLOB or NUMERIC (or a name that says one)",
            "warning[unknown_type]: column `t`.`n`: `INTEGR` is no SQLite type name: SQLite stores it with INTEGER affinity; did you mean `INTEGER`?",
        ]
    );
}

#[test]
fn user_types_and_extension_types_are_known_on_postgres() {
    let sql = "CREATE TYPE mood AS ENUM ('a', 'b');\nCREATE DOMAIN pos AS integer CHECK (VALUE > 0);\n\
               CREATE TABLE t (id integer PRIMARY KEY, m mood, p pos, ms mood[], at timestamptz, i interval, r int4range, x xml);\n";
    assert_eq!(linted(Dialect::Postgres, sql, false), Vec::<String>::new());
    let ext = "CREATE EXTENSION citext;\nCREATE TABLE t (id integer PRIMARY KEY, e citext);\n";
    assert_eq!(linted(Dialect::Postgres, ext, false), Vec::<String>::new());
}

#[test]
fn portable_checks_name_the_engines_that_differ() {
    let sql = "CREATE TABLE t (id integer PRIMARY KEY, rank integer, doc blob, a_name_that_is_far_too_long_for_postgres_and_mysql_both_of_them_x integer);\n";
    let found = linted(Dialect::Sqlite, sql, true);
    assert_eq!(
        codes(&found),
        [
            "reserved_word",
            "non_portable",
            "name_too_long",
            "name_too_long"
        ],
        "{found:?}"
    );
    assert!(
        found[0].contains("reserved word in MySQL/MariaDB"),
        "{found:?}"
    );
    assert!(
        found[2].contains("PostgreSQL takes at most 63"),
        "{found:?}"
    );
    assert!(
        found[3].contains("MySQL/MariaDB takes at most 64"),
        "{found:?}"
    );
    // Without --portable, only the engine's own rules.
    assert_eq!(linted(Dialect::Sqlite, sql, false), Vec::<String>::new());
}

#[test]
fn annotations_cannot_start_another_workflow_command() {
    let f = Finding {
        at: Location::new("a,b:c.sql", 3, 4),
        severity: Severity::Warning,
        code: "reserved_word",
        message: "x\n::error::owned 100%".into(),
        help: None,
    };
    let mut out = Vec::new();
    let mut err = Vec::new();
    crate::report::write_lint(&mut out, &mut err, &[f], crate::cli::LintFormat::Github)
        .expect("written");
    assert_eq!(
        String::from_utf8(out).expect("text"),
        "::warning file=a%2Cb%3Ac.sql,line=3,col=4,title=plinth reserved_word::x\\n::error::owned 100%25\n"
    );
}

#[test]
fn suggestions_are_for_typos_only() {
    assert_eq!(suggestion("integr", words::POSTGRES_TYPES), Some("integer"));
    assert_eq!(suggestion("varchr", words::MYSQL_TYPES), Some("varchar"));
    assert_eq!(suggestion("hexagon", words::POSTGRES_TYPES), None);
}

#[test]
fn the_word_lists_are_sorted_for_binary_search() {
    for list in [
        words::POSTGRES_TYPES,
        words::MYSQL_TYPES,
        words::SQLITE_TYPES,
        words::POSTGRES_RESERVED,
        words::MYSQL_RESERVED,
        words::SQLITE_RESERVED,
    ] {
        assert!(list.windows(2).all(|w| w[0] < w[1]), "{:?}", &list[..3]);
    }
}
