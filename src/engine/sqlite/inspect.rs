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
use sqlx::SqliteConnection;

use crate::db::{catalog, is_plinth_table, Inspected};
use crate::error::{Error, Result};
use crate::model::{
    Column, ColumnType, Dialect, Expression, FkAction, ForeignKey, Generated, Index, IndexKey,
    IndexPart, Name, PrimaryKey, Schema, Table, Trigger, Unique, View,
};
use crate::normalize::expr;
use crate::normalize::names::{classify, Kind};
use crate::sql;

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

/// Read every table of the default schema (plinth's own `plinth_*` tables excepted), in one
/// read transaction (a savepoint: inside an apply's transaction it nests), so that a writer
/// committing meanwhile is seen entirely or not at all.
pub async fn inspect(conn: &mut SqliteConnection) -> Result<Inspected> {
    let fail = |e: sqlx::Error| Error::database("reading the SQLite catalog in one transaction", e);
    sqlx::raw_sql("SAVEPOINT plinth_inspect")
        .execute(&mut *conn)
        .await
        .map_err(fail)?;
    let read = read(conn).await;
    let released = sqlx::raw_sql("RELEASE plinth_inspect")
        .execute(&mut *conn)
        .await
        .map_err(fail);
    let read = read?;
    released?;
    Ok(read)
}

async fn read(conn: &mut SqliteConnection) -> Result<Inspected> {
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
    for row in &fetch(conn, VIEWS, &mut queries).await? {
        let name: String = get(row, 0)?;
        let text: Option<String> = get(row, 1)?;
        if is_plinth_table(&name) {
            continue;
        }
        schema
            .views
            .insert(name.clone(), view(&name, text.as_deref())?);
    }
    // All read on one thread with the parser's stack.
    let rows = fetch(conn, TRIGGERS, &mut queries).await?;
    let texts = rows
        .iter()
        .map(|row| get::<Option<String>>(row, 1))
        .collect::<Result<Vec<_>>>()?;
    let read = sql::with_stack(|| {
        texts
            .iter()
            .filter_map(|t| t.as_deref().and_then(trigger))
            .collect::<Vec<_>>()
    })
    .map_err(Error::usage)?;
    for t in read {
        if !is_plinth_table(&t.table) {
            schema.triggers.insert(Trigger::key(&t.table, &t.name), t);
        }
    }
    crate::normalize::finish(D, &mut schema);
    Ok(Inspected { schema, queries })
}

const VIEWS: &str = "SELECT name, sql FROM main.sqlite_schema WHERE type = 'view' ORDER BY name";

const TRIGGERS: &str =
    "SELECT name, sql FROM main.sqlite_schema WHERE type = 'trigger' ORDER BY name";

/// A trigger as its stored SQL lowers (printed by plinth, as the desired one is); none when
/// plinth does not read it (it is then not managed: `adopt` names it, and a rebuild of its
/// table is refused).
fn trigger(text: &str) -> Option<Trigger> {
    let parsed = sql::parse_file(D, "sqlite_schema", text).ok()?;
    parsed.schema.triggers.into_values().next()
}

/// A view as its stored SQL (kept as written) lowers: compared as the desired one is.
fn view(name: &str, text: Option<&str>) -> Result<View> {
    let unreadable = |why: String| {
        Error::database(
            "reading the SQLite catalog",
            format!("view `{name}` is stored as SQL plinth cannot read: {why}"),
        )
    };
    let text = text.ok_or_else(|| unreadable("no SQL".into()))?;
    let parsed = sql::parse_file(D, &format!("sqlite_schema({name})"), text)
        .map_err(|e| unreadable(e.to_string()))?;
    let mut view = parsed
        .schema
        .views
        .into_values()
        .next()
        .ok_or_else(|| unreadable("not a CREATE VIEW".into()))?;
    view.name = name.to_string();
    Ok(view)
}

/// The objects of the database plinth does not model yet (triggers, virtual tables),
/// as (kind, name), for `adopt` to name.
pub async fn unmodelled(conn: &mut SqliteConnection) -> Result<Vec<(String, String)>> {
    let mut queries = 0;
    let sql = "SELECT CASE WHEN type = 'table' THEN 'virtual table' ELSE type END, name, sql \
               FROM sqlite_schema WHERE type = 'trigger' \
               OR (type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%') ORDER BY 1, 2";
    let rows = fetch(conn, sql, &mut queries).await?;
    let mut out = Vec::new();
    for row in &rows {
        let kind: String = get(row, 0)?;
        let text: Option<String> = get(row, 2)?;
        // The triggers plinth reads are modelled.
        if kind == "trigger" && text.as_deref().and_then(trigger).is_some() {
            continue;
        }
        out.push((kind, get(row, 1)?));
    }
    Ok(out)
}

async fn fetch(
    conn: &mut SqliteConnection,
    sql: &str,
    count: &mut usize,
) -> Result<Vec<SqliteRow>> {
    catalog::rows(conn, sql, count, "the SQLite catalog").await
}

fn get<'r, T>(row: &'r SqliteRow, index: usize) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    catalog::cell(row, index, "the SQLite catalog")
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
        let generated = matches!(c.hidden, 2 | 3).then(|| {
            Box::new(Generated {
                expr: text
                    .and_then(|t| t.generated.as_ref())
                    .map(|g| g.expr.clone())
                    .unwrap_or_else(|| Expression::unread(String::new())),
                stored: c.hidden == 3,
            })
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
            ty: ColumnType::new(D, column_type(&c.ty)),
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
            not_valid: false,
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
    let first = IndexPart::leading_column(&parts);
    Index {
        unique: rows.unique,
        predicate: text.and_then(|i| i.predicate.clone()),
        ..Index::new(
            classify(D, table, Kind::Index, Some(rows.name.clone()), first),
            parts,
        )
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
        // The declared type as SQLite keeps it: a live `SERIAL` column is not a rowid alias.
        Ok(dt) => super::types::spelling(&dt),
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
mod tests;
