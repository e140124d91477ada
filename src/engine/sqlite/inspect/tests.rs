//! Tests of SQLite inspection: DDL applied to a database, read back, and compared with its parse.

use std::future::Future;
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::*;

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("test runtime")
        .block_on(f)
}

async fn fresh() -> SqliteConnection {
    SqliteConnectOptions::from_str("sqlite::memory:")
        .expect("memory url")
        .connect()
        .await
        .expect("in-memory SQLite")
}

fn desired(ddl: &str) -> Schema {
    let mut schema = sql::parse_file(D, "test.sql", ddl)
        .unwrap_or_else(|e| panic!("{e}\n{ddl}"))
        .schema;
    crate::normalize::finish(D, &mut schema);
    schema
}

async fn live(ddl: &str) -> Inspected {
    let mut conn = fresh().await;
    sqlx::raw_sql(ddl)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{ddl}"));
    let inspected = inspect(&mut conn).await.expect("inspect");
    conn.close().await.expect("close");
    inspected
}

/// Apply the DDL, inspect, and compare with the parse of the same DDL: `None` when equal,
/// else a readable diff (live → desired).
fn roundtrip(ddl: &str) -> Option<String> {
    let live = block_on(live(ddl)).schema;
    let desired = desired(ddl);
    if live == desired {
        return None;
    }
    let (live, desired) = (format!("{live:#?}"), format!("{desired:#?}"));
    let diff = similar::TextDiff::from_lines(&live, &desired)
        .unified_diff()
        .header("inspected", "parsed")
        .to_string();
    Some(format!("{ddl}\n{diff}"))
}

const BATTERY: &[&str] = &[
    // types, as written and in odd spellings
    "CREATE TABLE t (a INTEGER, b int, c TEXT, d varchar(20), e decimal( 10 , 2 ), f double precision, g REAL, h BLOB, i boolean, j datetime, k character varying(5), l NUMERIC(8), m bigint, n);",
    // NOT NULL and NULL
    "CREATE TABLE t (a TEXT NOT NULL, b TEXT NULL, c INTEGER NOT NULL DEFAULT 0);",
    // defaults: CURRENT_TIMESTAMP, strings, numbers, negative numbers, parenthesized expressions
    "CREATE TABLE t (a TEXT DEFAULT CURRENT_TIMESTAMP, b TEXT DEFAULT 'it''s', c INT DEFAULT -1, d REAL DEFAULT 1.5, e INT DEFAULT (1 + 2), f TEXT DEFAULT (datetime('now')), g DATE DEFAULT CURRENT_DATE, h INT DEFAULT NULL, i BOOLEAN DEFAULT TRUE, j REAL DEFAULT -0.25, k TEXT DEFAULT '');",
    "CREATE TABLE t (a TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, b INT DEFAULT ((2 * 3) + 1), c TEXT DEFAULT (lower('X')));",
    // primary keys
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);",
    "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);",
    "CREATE TABLE t (code TEXT PRIMARY KEY, name TEXT);",
    "CREATE TABLE t (a INT, b TEXT, c INT, PRIMARY KEY (b, a));",
    "CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, CONSTRAINT t_pk PRIMARY KEY (a, b));",
    // unique: inline, table-level, composite, named, redundant with the primary key
    "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT UNIQUE, a INT, b INT, UNIQUE (a, b), CONSTRAINT uq_b UNIQUE (b));",
    "CREATE TABLE t (id INTEGER PRIMARY KEY UNIQUE, a INT UNIQUE, UNIQUE (a));",
    "CREATE TABLE t (code TEXT PRIMARY KEY UNIQUE, x INT);",
    "CREATE TABLE t (a INT, b INT, UNIQUE (a, b), PRIMARY KEY (a, b), UNIQUE (b, a));",
    // checks: inline, table-level, named
    "CREATE TABLE t (price REAL CHECK (price > 0), qty INT CONSTRAINT qty_positive CHECK (qty >= 0), status TEXT, CHECK (qty < 1000 AND price < 1e6), CONSTRAINT status_ok CHECK (status IN ('a', 'b')));",
    "CREATE TABLE t (a INT, b INT, CHECK ((a > 0) OR (b IS NOT NULL)), CHECK (a BETWEEN 1 AND 10), CHECK (length(b) > 2));",
    // foreign keys: inline, table-level, actions, self-reference, to a table defined later
    "CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
     CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INT REFERENCES parent (id) ON DELETE CASCADE, code TEXT, FOREIGN KEY (code) REFERENCES parent (code) ON UPDATE SET NULL ON DELETE SET DEFAULT);",
    "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INT REFERENCES parent ON DELETE RESTRICT);
     CREATE TABLE parent (id INTEGER PRIMARY KEY);",
    "CREATE TABLE node (id INTEGER PRIMARY KEY, parent_id INT REFERENCES node (id) ON DELETE CASCADE ON UPDATE NO ACTION);",
    "CREATE TABLE a (x INT, y INT, PRIMARY KEY (x, y));
     CREATE TABLE b (id INT, ax INT, ay INT, CONSTRAINT fk_a FOREIGN KEY (ax, ay) REFERENCES a (x, y) DEFERRABLE INITIALLY DEFERRED);",
    "CREATE TABLE a (x INT, y INT, PRIMARY KEY (x, y));
     CREATE TABLE b (ax INT, ay INT, FOREIGN KEY (ax, ay) REFERENCES a);",
    "CREATE TABLE c1 (id INTEGER PRIMARY KEY, other INT REFERENCES c2 (id));
     CREATE TABLE c2 (id INTEGER PRIMARY KEY, other INT REFERENCES c1 (id));",
    // indexes
    "CREATE TABLE t (a INT, b TEXT, c REAL);
     CREATE INDEX t_a ON t (a);
     CREATE UNIQUE INDEX t_b_c ON t (b, c);
     CREATE INDEX t_c_desc ON t (c DESC, a ASC);",
    "CREATE TABLE t (a INT, b TEXT, deleted INT);
     CREATE INDEX t_live ON t (a) WHERE deleted IS NULL;
     CREATE UNIQUE INDEX t_b_live ON t (b) WHERE (deleted = 0) AND (a > 1);",
    "CREATE TABLE t (email TEXT, a INT, b INT);
     CREATE INDEX t_email_lower ON t (lower(email));
     CREATE INDEX t_mixed ON t (a, (a + b) DESC, email COLLATE NOCASE);",
    // quoted identifiers
    "CREATE TABLE \"Order Items\" (\"Id\" INTEGER PRIMARY KEY, \"unit price\" REAL NOT NULL CHECK (\"unit price\" >= 0), [qty] INT, `note` TEXT);
     CREATE INDEX \"Order Items By Price\" ON \"Order Items\" (\"unit price\");",
    "CREATE TABLE \"Parent\" (\"Key\" TEXT PRIMARY KEY);
     CREATE TABLE kid (k TEXT REFERENCES \"Parent\" (\"Key\"));",
    // collations
    "CREATE TABLE t (a TEXT COLLATE NOCASE, b TEXT COLLATE RTRIM NOT NULL);",
    // generated columns
    "CREATE TABLE t (a INT, b INT GENERATED ALWAYS AS (a * 2) STORED, c INT GENERATED ALWAYS AS (a + 1) VIRTUAL, d AS (a - 1));",
    // table options
    "CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;",
    "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL, n ANY) STRICT;",
    "CREATE TABLE t (a INT NOT NULL, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;",
    // what other tools write
    "CREATE TABLE \"django_migrations\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"app\" varchar(255) NOT NULL, \"applied\" datetime NOT NULL);",
    "CREATE TABLE t (a INT2, b INT8, c MEDIUMINT, d TINYINT, e CLOB, f DOUBLE, g FLOAT, h NCHAR(55), i NVARCHAR(100), j DATE, k TIME);",
    "CREATE TABLE t (a TEXT COLLATE NOCASE UNIQUE, b INT DEFAULT 0 NOT NULL, c INT NOT NULL DEFAULT (0), d INT CONSTRAINT d_pos CHECK (d > 0) DEFAULT 1);",
    "CREATE TABLE t (a INT CHECK (a IN (1, 2, 3)), b TEXT CHECK (b LIKE 'x%'), c TEXT CHECK (typeof(c) = 'text'), d INT CHECK (CAST(d AS INTEGER) = d), e TEXT CHECK (e IS NULL OR json_valid(e)), f INT CHECK (NOT (f < 0)));",
    "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
     CREATE TABLE c (id INTEGER CONSTRAINT c_pk PRIMARY KEY, code TEXT, FOREIGN KEY (code) REFERENCES p (code), FOREIGN KEY (code) REFERENCES p (code), FOREIGN KEY (id) REFERENCES p ON DELETE CASCADE);",
    "CREATE TABLE t (a INT, b INT);
     CREATE INDEX t_ab ON t (a, b);
     CREATE INDEX t_ba ON t (b, a);
     CREATE UNIQUE INDEX t_a_u ON t (a);",
    // mixed case references to columns and tables
    "CREATE TABLE Parent (Id INTEGER PRIMARY KEY, Code TEXT UNIQUE);
     CREATE TABLE kid (pid INT REFERENCES PARENT (ID), code TEXT REFERENCES parent (CODE), other INT REFERENCES PARENT);",
    "CREATE TABLE t (Id INTEGER, Email TEXT, PRIMARY KEY (id), UNIQUE (EMAIL));
     CREATE INDEX t_email ON t (EMAIL);",
];

#[test]
fn battery_inspects_as_it_parses() {
    let failures: Vec<String> = BATTERY.iter().filter_map(|ddl| roundtrip(ddl)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The live table went through ALTER TABLE (SQLite rewrites its stored SQL): it inspects
/// as the DDL it now matches.
#[test]
fn altered_tables_inspect_as_their_final_ddl() {
    let cases = [
        (
            "CREATE TABLE t (a INT);
             ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT 'x' CHECK (b <> '');
             ALTER TABLE t ADD COLUMN c INT REFERENCES t (a);",
            "CREATE TABLE t (a INT, b TEXT NOT NULL DEFAULT 'x' CHECK (b <> ''), c INT REFERENCES t (a));",
        ),
        (
            "CREATE TABLE t (a INT, b INT CHECK (b > a));
             CREATE INDEX t_b ON t (b) WHERE b > 0;
             ALTER TABLE t RENAME COLUMN b TO c;",
            "CREATE TABLE t (a INT, c INT CHECK (c > a));
             CREATE INDEX t_b ON t (c) WHERE c > 0;",
        ),
        (
            "CREATE TABLE \"plinth_new_t\" (id INTEGER PRIMARY KEY, v TEXT UNIQUE);
             CREATE INDEX t_v ON \"plinth_new_t\" (lower(v));
             ALTER TABLE \"plinth_new_t\" RENAME TO t;",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE);
             CREATE INDEX t_v ON t (lower(v));",
        ),
    ];
    for (applied, expected) in cases {
        let live = block_on(live(applied)).schema;
        assert_eq!(live, desired(expected), "\n{applied}");
    }
}

/// What the pragmas report, checked directly (the battery only compares both sides).
#[test]
fn pragma_fields_are_read() {
    let ddl = "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
        CREATE TABLE c (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            amount decimal( 10 , 2 ) NOT NULL DEFAULT -1,
            at TEXT DEFAULT CURRENT_TIMESTAMP,
            pid INT REFERENCES p ON DELETE CASCADE,
            twice INT AS (id * 2) STORED
        );
        CREATE INDEX c_x ON c (pid DESC, lower(at)) WHERE pid IS NOT NULL;";
    let schema = block_on(live(ddl)).schema;
    let c = &schema.tables["c"];
    let amount = c.column("amount").expect("amount");
    assert_eq!(amount.ty, "DECIMAL(10,2)");
    assert!(!amount.nullable);
    assert_eq!(amount.default.as_deref(), Some("-1"));
    assert_eq!(
        c.column("at").and_then(|a| a.default.as_deref()),
        Some("CURRENT_TIMESTAMP")
    );
    assert_eq!(
        c.column("id").and_then(|a| a.identity.clone()),
        Some(crate::model::Identity::AutoIncrement)
    );
    let twice = c
        .column("twice")
        .and_then(|t| t.generated.clone())
        .expect("generated");
    assert!(twice.stored);
    assert_eq!(twice.expr, "\"id\" * 2");
    let fk = &c.foreign_keys[0];
    assert_eq!(
        (fk.ref_table.as_str(), fk.ref_columns.clone()),
        ("p", vec!["id".to_string()])
    );
    assert_eq!(fk.on_delete, FkAction::Cascade);
    let index = &c.indexes[0];
    assert_eq!(index.name, Name::Given("c_x".into()));
    assert!(index.parts[0].descending);
    assert!(matches!(&index.parts[1].key, IndexKey::Expr(e) if *e == "lower(\"at\")"));
    assert_eq!(index.predicate.as_deref(), Some("\"pid\" IS NOT NULL"));
    assert_eq!(schema.tables["p"].uniques[0].columns, ["code"]);
}

/// SQL the parser cannot read still inspects from the pragmas.
#[test]
fn unreadable_sql_falls_back_to_pragmas() {
    let schema = block_on(live(
        "CREATE TABLE t (k TEXT NOT NULL, v INT DEFAULT 3, PRIMARY KEY (k)) STRICT, WITHOUT ROWID;",
    ))
    .schema;
    let t = &schema.tables["t"];
    assert_eq!(t.columns.len(), 2);
    assert_eq!(t.column("v").and_then(|v| v.default.as_deref()), Some("3"));
    assert_eq!(
        t.primary_key.as_ref().map(|p| p.columns.clone()),
        Some(vec!["k".to_string()])
    );
    assert_eq!(t.options.get("strict").map(String::as_str), Some("true"));
    assert_eq!(
        t.options.get("without_rowid").map(String::as_str),
        Some("true")
    );
}

#[test]
fn plinth_and_sqlite_tables_are_skipped() {
    let inspected = block_on(live(
        "CREATE TABLE plinth_history (id INTEGER PRIMARY KEY AUTOINCREMENT);
         CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);
         INSERT INTO t DEFAULT VALUES;
         CREATE VIRTUAL TABLE docs USING fts5(title, body);
         CREATE VIEW v AS SELECT id FROM t;
         ANALYZE;",
    ));
    let names: Vec<&String> = inspected.schema.tables.keys().collect();
    assert_eq!(names, ["t"]);
}

#[test]
fn query_count_is_flat() {
    fn ddl(n: usize) -> String {
        (0..n)
            .map(|i| {
                let parent = if i == 0 {
                    "t0".to_string()
                } else {
                    format!("t{}", i - 1)
                };
                format!(
                    "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, code TEXT UNIQUE NOT NULL, \
                     parent_id INT REFERENCES {parent} (id) ON DELETE CASCADE, \
                     price REAL CHECK (price >= 0));\n\
                     CREATE INDEX t{i}_parent ON t{i} (parent_id);\n"
                )
            })
            .collect()
    }
    let small = block_on(live(&ddl(10)));
    let large = block_on(live(&ddl(200)));
    assert_eq!(small.schema.tables.len(), 10);
    assert_eq!(large.schema.tables.len(), 200);
    assert_eq!(small.queries, large.queries);
    assert_eq!(large.schema, desired(&ddl(200)));
}
