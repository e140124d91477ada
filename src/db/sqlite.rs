//! SQLite: catalog inspection (bulk queries) into the canonical IR.
//!
//! Four queries, whatever the number of tables: the table list with each table's stored
//! `CREATE TABLE` text, then columns, foreign keys and indexes, each a table-valued pragma
//! joined to `sqlite_schema`. The pragmas are authoritative for what the engine reports
//! (columns, declared types, NOT NULL, defaults, primary key, foreign keys and their actions,
//! unique constraints, indexes, key columns and their order, `WITHOUT ROWID`, `STRICT`). What
//! they cannot tell (CHECK constraints, AUTOINCREMENT, column COLLATE, generated column
//! expressions, FK deferrability, partial index predicates, expression index parts, index
//! COLLATE) comes from the stored SQL text, lowered by the very code that lowers the desired
//! side (`sql::parse_file`), so both sides are normalized alike.
//!
//! Virtual tables (and the shadow tables behind them) are not inspected: a schema file cannot
//! declare them, so plinth neither diffs nor drops them. A table whose stored SQL the parser
//! cannot read is still inspected from the pragmas alone; only the text-only fields are missing.

use std::collections::BTreeMap;

use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::{is_plinth_table, Inspected};
use crate::error::{Error, Result};
use crate::model::{
    Column, Dialect, Expression, FkAction, ForeignKey, Generated, Index, IndexKey, IndexPart, Name,
    PrimaryKey, Schema, Table, Unique,
};
use crate::sql::names::{classify, Kind};
use crate::sql::{self, expr, types};

const D: Dialect = Dialect::Sqlite;

/// Every table of `main` plinth may inspect: not SQLite's own, not virtual, not a shadow table.
const TABLES: &str = r#"
SELECT t.name, m.sql, t.wr, t."strict"
FROM pragma_table_list t
JOIN main.sqlite_schema m ON m.type = 'table' AND m.name = t.name
WHERE t.schema = 'main' AND t.type = 'table' AND t.name NOT LIKE 'sqlite\_%' ESCAPE '\'
ORDER BY t.name"#;

/// The tables the pragma queries below read. Shadow tables slip through this filter; their
/// rows are dropped because `TABLES` did not list them.
const OF_TABLES: &str = r#"m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
  AND m.sql NOT LIKE 'CREATE VIRTUAL %'"#;

fn columns_query() -> String {
    format!(
        r#"SELECT m.name, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden
FROM main.sqlite_schema m JOIN pragma_table_xinfo(m.name, 'main') p
WHERE {OF_TABLES}
ORDER BY m.name, p.cid"#
    )
}

fn foreign_keys_query() -> String {
    format!(
        r#"SELECT m.name, f.id, f."table", f."from", f."to", f.on_update, f.on_delete
FROM main.sqlite_schema m JOIN pragma_foreign_key_list(m.name, 'main') f
WHERE {OF_TABLES}
ORDER BY m.name, f.id, f.seq"#
    )
}

fn indexes_query() -> String {
    format!(
        r#"SELECT m.name, il.name, il."unique", il.origin, ix.cid, ix.name, ix."desc", s.sql
FROM main.sqlite_schema m
JOIN pragma_index_list(m.name, 'main') il
JOIN pragma_index_xinfo(il.name, 'main') ix
LEFT JOIN main.sqlite_schema s ON s.type = 'index' AND s.name = il.name
WHERE {OF_TABLES} AND ix.key = 1
ORDER BY m.name, il.name, ix.seqno"#
    )
}

/// Read every table of the default schema (plinth's own `plinth_*` tables excepted).
pub async fn inspect(conn: &mut SqliteConnection) -> Result<Inspected> {
    let mut queries = 0;
    let tables = fetch(conn, TABLES, &mut queries).await?;
    let columns = fetch(conn, &columns_query(), &mut queries).await?;
    let foreign_keys = fetch(conn, &foreign_keys_query(), &mut queries).await?;
    let indexes = fetch(conn, &indexes_query(), &mut queries).await?;

    let mut live: BTreeMap<String, LiveTable> = BTreeMap::new();
    for row in &tables {
        let name: String = get(row, 0)?;
        if is_plinth_table(&name) {
            continue;
        }
        let table = LiveTable {
            sql: get(row, 1)?,
            without_rowid: get::<i64>(row, 2)? != 0,
            strict: get::<i64>(row, 3)? != 0,
            ..LiveTable::default()
        };
        live.insert(name, table);
    }
    for row in &columns {
        if let Some(t) = live.get_mut(&get::<String>(row, 0)?) {
            t.columns.push(ColumnRow {
                name: get(row, 1)?,
                ty: get::<Option<String>>(row, 2)?.unwrap_or_default(),
                not_null: get::<i64>(row, 3)? != 0,
                default: get(row, 4)?,
                pk: get(row, 5)?,
                hidden: get(row, 6)?,
            });
        }
    }
    for row in &foreign_keys {
        if let Some(t) = live.get_mut(&get::<String>(row, 0)?) {
            t.foreign_keys.push(ForeignKeyRow {
                id: get(row, 1)?,
                ref_table: get(row, 2)?,
                from: get(row, 3)?,
                to: get(row, 4)?,
                on_update: get(row, 5)?,
                on_delete: get(row, 6)?,
            });
        }
    }
    for row in &indexes {
        if let Some(t) = live.get_mut(&get::<String>(row, 0)?) {
            let name: String = get(row, 1)?;
            let part = PartRow {
                cid: get(row, 4)?,
                name: get(row, 5)?,
                descending: get::<i64>(row, 6)? != 0,
            };
            match t.indexes.last_mut() {
                Some(last) if last.name == name => last.parts.push(part),
                _ => t.indexes.push(IndexRows {
                    name,
                    unique: get::<i64>(row, 2)? != 0,
                    origin: get(row, 3)?,
                    sql: get(row, 7)?,
                    parts: vec![part],
                }),
            }
        }
    }

    let mut schema = Schema::default();
    for (name, rows) in live {
        let table = build_table(&name, rows)?;
        schema.tables.insert(name, table);
    }
    sql::finish(D, &mut schema);
    Ok(Inspected { schema, queries })
}

async fn fetch(
    conn: &mut SqliteConnection,
    sql: &str,
    count: &mut usize,
) -> Result<Vec<SqliteRow>> {
    *count += 1;
    sqlx::query(sql)
        .fetch_all(conn)
        .await
        .map_err(|e| Error::database("reading the SQLite catalog", e))
}

fn get<'r, T>(row: &'r SqliteRow, index: usize) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(index)
        .map_err(|e| Error::database("reading the SQLite catalog", e))
}

#[derive(Default)]
struct LiveTable {
    sql: Option<String>,
    without_rowid: bool,
    strict: bool,
    columns: Vec<ColumnRow>,
    foreign_keys: Vec<ForeignKeyRow>,
    indexes: Vec<IndexRows>,
}

struct ColumnRow {
    name: String,
    ty: String,
    not_null: bool,
    default: Option<String>,
    pk: i64,
    /// 0 plain, 1 hidden (virtual tables), 2 generated VIRTUAL, 3 generated STORED.
    hidden: i64,
}

struct ForeignKeyRow {
    id: i64,
    ref_table: String,
    from: String,
    /// NULL when the key names no columns (`REFERENCES parent`): the parent's primary key.
    to: Option<String>,
    on_update: String,
    on_delete: String,
}

struct IndexRows {
    name: String,
    unique: bool,
    /// `pk` primary key, `u` UNIQUE constraint, `c` CREATE INDEX.
    origin: String,
    sql: Option<String>,
    parts: Vec<PartRow>,
}

struct PartRow {
    /// Column number; -1 the rowid, -2 an expression.
    cid: i64,
    name: Option<String>,
    descending: bool,
}

/// The table as its stored SQL (with its indexes' SQL) lowers, when the parser reads it.
fn parse_stored(name: &str, rows: &LiveTable) -> Option<Table> {
    let table_sql = rows.sql.as_deref()?;
    let path = format!("sqlite_schema({name})");
    let lower = |text: &str| {
        let parsed = sql::parse_file(D, &path, text).ok()?;
        parsed.schema.tables.into_values().next()
    };
    let index_sql: Vec<&str> = rows
        .indexes
        .iter()
        .filter_map(|i| i.sql.as_deref())
        .collect();
    if !index_sql.is_empty() {
        let text = format!("{table_sql};\n{};", index_sql.join(";\n"));
        if let Some(table) = lower(&text) {
            return Some(table);
        }
    }
    lower(table_sql)
}

fn build_table(name: &str, rows: LiveTable) -> Result<Table> {
    let parsed = parse_stored(name, &rows);
    let parsed = parsed.as_ref();
    let mut table = Table::new(name);

    let mut pk: Vec<(i64, String)> = Vec::new();
    for c in &rows.columns {
        if c.hidden == 1 {
            continue;
        }
        let text = parsed.and_then(|t| find_column(t, &c.name));
        let generated = matches!(c.hidden, 2 | 3).then(|| Generated {
            expr: text
                .and_then(|t| t.generated.as_ref())
                .map(|g| g.expr.clone())
                .unwrap_or_else(|| Expression::unread(String::new())),
            stored: c.hidden == 3,
        });
        let default = match (&generated, &c.default) {
            (None, Some(d)) => {
                Some(expr::canonical_text(D, d).unwrap_or_else(|_| Expression::unread(d.clone())))
            }
            _ => None,
        };
        if c.pk > 0 {
            pk.push((c.pk, c.name.clone()));
        }
        table.columns.push(Column {
            name: c.name.clone(),
            ty: column_type(&c.ty),
            nullable: !c.not_null,
            default,
            identity: text.and_then(|t| t.identity.clone()),
            generated,
            collation: text.and_then(|t| t.collation.clone()),
            comment: text.and_then(|t| t.comment.clone()),
            on_update: text.and_then(|t| t.on_update.clone()),
        });
    }
    if !pk.is_empty() {
        pk.sort();
        table.primary_key = Some(PrimaryKey {
            name: parsed
                .and_then(|t| t.primary_key.as_ref())
                .map(|p| p.name.clone())
                .unwrap_or_else(|| Name::Generated(String::new())),
            columns: pk.into_iter().map(|(_, c)| c).collect(),
            deferrable: Default::default(),
            comment: None,
        });
    }

    let mut parsed_fks: Vec<&ForeignKey> = parsed
        .map(|t| t.foreign_keys.iter().collect())
        .unwrap_or_default();
    for group in rows.foreign_keys.chunk_by(|a, b| a.id == b.id) {
        let first = &group[0];
        let columns: Vec<String> = group.iter().map(|f| f.from.clone()).collect();
        // All NULL (no columns named): empty, and `finish` fills in the parent's key.
        let ref_columns: Vec<String> = group
            .iter()
            .map(|f| f.to.clone())
            .collect::<Option<_>>()
            .unwrap_or_default();
        let text = take_matching(&mut parsed_fks, |fk| {
            fk.ref_table.eq_ignore_ascii_case(&first.ref_table) && same_names(&fk.columns, &columns)
        });
        table.foreign_keys.push(ForeignKey {
            columns,
            ref_table: first.ref_table.clone(),
            ref_columns,
            on_delete: fk_action(name, &first.on_delete)?,
            on_update: fk_action(name, &first.on_update)?,
            deferrable: text.map(|fk| fk.deferrable).unwrap_or_default(),
            name: text
                .map(|fk| fk.name.clone())
                .unwrap_or_else(|| Name::Generated(String::new())),
            match_full: false,
            comment: None,
        });
    }

    for index in &rows.indexes {
        match index.origin.as_str() {
            "pk" => {}
            "u" => {
                let columns: Vec<String> = index.parts.iter().map(part_column).collect();
                let first = columns.first().cloned();
                table.uniques.push(Unique {
                    name: classify(
                        D,
                        name,
                        Kind::Unique,
                        Some(index.name.clone()),
                        first.as_deref(),
                    ),
                    columns,
                    nulls_not_distinct: false,
                    deferrable: Default::default(),
                    comment: None,
                });
            }
            _ => table.indexes.push(build_index(name, index, parsed)),
        }
    }

    if let Some(t) = parsed {
        table.checks = t.checks.clone();
        table.comment = t.comment.clone();
    }
    if rows.without_rowid {
        table.options.insert("without_rowid".into(), "true".into());
    }
    if rows.strict {
        table.options.insert("strict".into(), "true".into());
    }
    Ok(table)
}

/// A `CREATE INDEX`: names, uniqueness, key columns and their order from the pragmas;
/// expressions, collations and the predicate from the index's SQL.
fn build_index(table: &str, rows: &IndexRows, parsed: Option<&Table>) -> Index {
    let text = parsed.and_then(|t| {
        t.indexes
            .iter()
            .find(|i| i.name.as_str().eq_ignore_ascii_case(&rows.name))
            .filter(|i| i.parts.len() == rows.parts.len())
    });
    let parts: Vec<IndexPart> = rows
        .parts
        .iter()
        .enumerate()
        .map(|(n, p)| {
            let written = text.map(|i| &i.parts[n]);
            let key = match (&p.name, written) {
                (Some(column), _) if p.cid >= 0 => IndexKey::Column(column.clone()),
                (_, Some(w)) => w.key.clone(),
                _ if p.cid == -1 => IndexKey::Column("rowid".into()),
                _ => IndexKey::Expr(Expression::unread(String::new())),
            };
            IndexPart {
                key,
                descending: p.descending,
                prefix: None,
                collation: written.and_then(|w| w.collation.clone()),
                opclass: None,
            }
        })
        .collect();
    let first = match parts.first().map(|p| &p.key) {
        Some(IndexKey::Column(c)) => Some(c.as_str()),
        _ => None,
    };
    Index {
        name: classify(D, table, Kind::Index, Some(rows.name.clone()), first),
        unique: rows.unique,
        predicate: text.and_then(|i| i.predicate.clone()),
        parts,
        method: None,
        comment: None,
        include: Vec::new(),
        storage: Vec::new(),
        nulls_not_distinct: false,
        exclude: None,
    }
}

fn part_column(p: &PartRow) -> String {
    p.name.clone().unwrap_or_else(|| "rowid".into())
}

/// The declared type as the IR spells it: the same normalization as the desired side
/// (`types::normalize`), applied to the type text the pragma returns as written.
fn column_type(declared: &str) -> String {
    if declared.trim().is_empty() {
        return String::new();
    }
    let dialect = sql::parser_dialect(D);
    let parsed = Parser::new(dialect.as_ref())
        .try_with_sql(declared)
        .and_then(|mut p| {
            let dt = p.parse_data_type()?;
            p.expect_token(&Token::EOF)?;
            Ok(dt)
        });
    match parsed {
        Ok(dt) => types::normalize(D, &dt).ty,
        Err(_) => declared.to_uppercase(),
    }
}

fn fk_action(table: &str, text: &str) -> Result<FkAction> {
    FkAction::parse(text).ok_or_else(|| {
        Error::database(
            "reading the SQLite catalog",
            format!("foreign key of `{table}` has an unknown action `{text}`"),
        )
    })
}

fn find_column<'t>(table: &'t Table, name: &str) -> Option<&'t Column> {
    table.column(name).or_else(|| {
        table
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    })
}

fn same_names(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

fn take_matching<'a, T>(items: &mut Vec<&'a T>, matches: impl Fn(&T) -> bool) -> Option<&'a T> {
    let at = items.iter().position(|i| matches(i))?;
    Some(items.remove(at))
}

#[cfg(test)]
mod tests {
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
        sql::finish(D, &mut schema);
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
}
