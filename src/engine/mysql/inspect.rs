//! MySQL/MariaDB: catalog inspection (bulk queries) into the canonical IR.
//!
//! A fixed number of queries whatever the size of the schema: the server's flavor, then
//! `TABLES`, `COLUMNS`, `STATISTICS` (primary keys, unique and plain indexes),
//! `KEY_COLUMN_USAGE` and `REFERENTIAL_CONSTRAINTS` (foreign keys, joined here), and
//! `CHECK_CONSTRAINTS`, each filtered by its schema column `= DATABASE()`. What MySQL 8 and MariaDB report differently is reconciled here
//! (default quoting, escaped quotes in stored expressions, display widths); what the server
//! implies or re-spells for both sides (JSON as `longtext` plus a `json_valid` check on MariaDB,
//! the implicit foreign-key index…) is left to `normalize::finish`, which runs on the result too.

use std::collections::BTreeMap;

use sqlx::mysql::MySqlRow;
use sqlx::{MySqlConnection, Row};

use super::partition;
use super::types::mysql_catalog;
use crate::db::{catalog, is_plinth_table, Inspected};
use crate::error::{Error, Result};
use crate::model::{
    Check, Column, ColumnType, Dialect, Event, EventSource, EventTime, Expression, FkAction,
    ForeignKey, Generated, Identity, Index, IndexKey, IndexPart, PrimaryKey, Schema, Table,
    Trigger, View,
};
use crate::normalize::expr::canonical_text;
use crate::normalize::names::{classify, Kind};

const D: Dialect = Dialect::Mysql;

/// Which server answers: they spell the catalog differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    MariaDb,
    Mysql,
}

struct Server {
    flavor: Flavor,
    /// `CHECK_CONSTRAINTS` exists (MariaDB 10.2+, MySQL 8.0.16+).
    checks: bool,
    /// `STATISTICS.EXPRESSION` exists (MySQL 8.0.13+ functional indexes).
    index_expressions: bool,
}

impl Server {
    fn from_version(version: &str) -> Server {
        let numbers: Vec<u32> = version
            .split(|c: char| !c.is_ascii_digit())
            .take(3)
            .map(|n| n.parse().unwrap_or(0))
            .collect();
        let at_least = |want: [u32; 3]| numbers.as_slice() >= want.as_slice();
        if version.to_ascii_lowercase().contains("mariadb") {
            Server {
                flavor: Flavor::MariaDb,
                checks: at_least([10, 2, 1]),
                index_expressions: false,
            }
        } else {
            Server {
                flavor: Flavor::Mysql,
                checks: at_least([8, 0, 16]),
                index_expressions: at_least([8, 0, 13]),
            }
        }
    }
}

const TABLES: &str = "SELECT TABLE_NAME, ENGINE, TABLE_COMMENT, TABLE_COLLATION \
     FROM information_schema.TABLES \
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'";

const COLUMNS: &str = "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, \
     EXTRA, GENERATION_EXPRESSION, COLUMN_COMMENT, COLLATION_NAME \
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
     ORDER BY TABLE_NAME, ORDINAL_POSITION";

/// A foreign key's columns. Read apart from its rules and joined here: information_schema
/// tables are made on the fly, without indexes, and MariaDB joins two of them row by row over
/// every database of the server, while each one filtered by a constant schema reads only this
/// database's tables.
const FOREIGN_KEYS: &str = "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, \
     REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME \
     FROM information_schema.KEY_COLUMN_USAGE \
     WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL \
     ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION";

/// A foreign key's `ON UPDATE` and `ON DELETE` rules (see [`FOREIGN_KEYS`]).
const FOREIGN_KEY_RULES: &str = "SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE \
     FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()";

/// MariaDB lists each check with its table and level (`Column` checks are named after the
/// column); MySQL names checks uniquely per schema and gives the table through
/// `TABLE_CONSTRAINTS`.
const CHECKS_MARIADB: &str = "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL \
     FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()";

const CHECKS_MYSQL: &str = "SELECT t.TABLE_NAME, c.CONSTRAINT_NAME, c.CHECK_CLAUSE, 'Table' \
     FROM information_schema.CHECK_CONSTRAINTS c \
     JOIN information_schema.TABLE_CONSTRAINTS t \
       ON t.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA AND t.CONSTRAINT_NAME = c.CONSTRAINT_NAME \
      AND t.CONSTRAINT_TYPE = 'CHECK' \
     WHERE c.CONSTRAINT_SCHEMA = DATABASE()";

fn statistics(server: &Server) -> String {
    let expression = if server.index_expressions {
        "EXPRESSION"
    } else {
        "NULL"
    };
    format!(
        "SELECT TABLE_NAME, INDEX_NAME, CAST(NON_UNIQUE AS SIGNED), COLUMN_NAME, \
         CAST(SUB_PART AS SIGNED), COLLATION, INDEX_TYPE, INDEX_COMMENT, {expression} \
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
    )
}

/// Read every table of the default schema (plinth's own `plinth_*` tables excepted).
///
/// information_schema has no snapshot: each query sees the tables as they are when it runs,
/// and MySQL's DDL is not transactional, so a reading while another session changes the schema
/// sees some state between its first query and its last. Rows of a table created after the
/// table list are left out (as the table is); a table dropped after it comes back with no
/// columns and is left out too (it is gone). What is read is always a schema, never an error.
pub async fn inspect(conn: &mut MySqlConnection) -> Result<Inspected> {
    let mut queries = 0;
    let head = fetch(conn, "SELECT VERSION(), DATABASE()", &mut queries).await?;
    let (version, database) = match head.first() {
        Some(row) => (text(row, 0)?.unwrap_or_default(), text(row, 1)?),
        None => (String::new(), None),
    };
    if database.is_none() {
        return Err(Error::usage(
            "the MySQL URL names no database: add one, as in mysql://user@host/app",
        ));
    }
    let server = Server::from_version(&version);

    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let mut collations: BTreeMap<String, Option<String>> = BTreeMap::new();
    for row in fetch(conn, TABLES, &mut queries).await? {
        let name = required(&row, 0)?;
        if is_plinth_table(&name) {
            continue;
        }
        let mut table = Table::new(name.clone());
        table.comment = text(&row, 2)?.filter(|c| !c.is_empty());
        if let Some(engine) = text(&row, 1)?.map(|e| e.to_ascii_lowercase()) {
            if engine != "innodb" {
                table.options.insert("engine".into(), engine);
            }
        }
        // Always recorded: a desired table that names no character set does not compare
        // them (`diff::INHERITED_OPTIONS`).
        let collation = text(&row, 3)?;
        if let Some(collation) = &collation {
            table.options.insert(
                "charset".into(),
                crate::engine::mysql::normalize::collation_charset(collation).to_string(),
            );
            table.options.insert("collation".into(), collation.clone());
        }
        collations.insert(name.clone(), collation);
        tables.insert(name, table);
    }

    for row in fetch(conn, COLUMNS, &mut queries).await? {
        let tname = required(&row, 0)?;
        let Some(table) = tables.get_mut(&tname) else {
            continue;
        };
        let default_collation = collations.get(&tname).cloned().flatten();
        table
            .columns
            .push(column(&row, server.flavor, default_collation)?);
    }

    // A table has at least one column: none means it was dropped after the table list.
    tables.retain(|_, t| !t.columns.is_empty());

    let stats = statistics(&server);
    let mut indexes: BTreeMap<(String, String), Vec<MySqlRow>> = BTreeMap::new();
    for row in fetch(conn, &stats, &mut queries).await? {
        let key = (required(&row, 0)?, required(&row, 1)?);
        if tables.contains_key(&key.0) {
            indexes.entry(key).or_default().push(row);
        }
    }
    for ((tname, iname), rows) in indexes {
        if let Some(table) = tables.get_mut(&tname) {
            index(table, &iname, &rows, server.flavor)?;
        }
    }

    let mut fks: BTreeMap<(String, String), Vec<MySqlRow>> = BTreeMap::new();
    for row in fetch(conn, FOREIGN_KEYS, &mut queries).await? {
        let key = (required(&row, 0)?, required(&row, 1)?);
        if tables.contains_key(&key.0) {
            fks.entry(key).or_default().push(row);
        }
    }
    let mut rules: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    for row in fetch(conn, FOREIGN_KEY_RULES, &mut queries).await? {
        let key = (required(&row, 0)?, required(&row, 1)?);
        if fks.contains_key(&key) {
            rules.insert(key, (required(&row, 2)?, required(&row, 3)?));
        }
    }
    for ((tname, name), rows) in fks {
        // A key dropped between the two readings is left out, as a table gone mid-read is.
        let Some(rule) = rules.remove(&(tname.clone(), name.clone())) else {
            continue;
        };
        if let Some(table) = tables.get_mut(&tname) {
            let fk = foreign_key(&tname, name, &rows, &rule)?;
            table.foreign_keys.push(fk);
        }
    }

    if server.checks {
        let sql = match server.flavor {
            Flavor::MariaDb => CHECKS_MARIADB,
            Flavor::Mysql => CHECKS_MYSQL,
        };
        for row in fetch(conn, sql, &mut queries).await? {
            let tname = required(&row, 0)?;
            if let Some(table) = tables.get_mut(&tname) {
                check(table, &row, server.flavor)?;
            }
        }
    }

    let mut schema = Schema {
        tables,
        ..Schema::default()
    };
    let database = database.unwrap_or_default();
    for row in fetch(conn, VIEWS, &mut queries).await? {
        let name = required(&row, 0)?;
        if is_plinth_table(&name) {
            continue;
        }
        let definition = unqualified(&text(&row, 1)?.unwrap_or_default(), &database);
        let (query, reads) = crate::sql::stored_query(D, &definition)
            .unwrap_or_else(|| (definition.clone(), Vec::new()));
        let view = View {
            name: name.clone(),
            materialized: false,
            columns: Vec::new(),
            query,
            options: Vec::new(),
            definition,
            reads,
            calls: Vec::new(),
            comment: None,
            indexes: Vec::new(),
        };
        schema.views.insert(name, view);
    }
    // A trigger plinth does not read is not managed (`adopt` names it). All are read on one
    // thread with the parser's stack.
    let rows = fetch(conn, TRIGGERS, &mut queries).await?;
    let read = crate::sql::with_stack(|| rows.iter().map(trigger).collect::<Result<Vec<_>>>())
        .map_err(Error::usage)??;
    for t in read.into_iter().filter_map(|(_, t)| t) {
        if !is_plinth_table(&t.table) {
            schema.triggers.insert(Trigger::key(&t.table, &t.name), t);
        }
    }
    let mut partitions: BTreeMap<String, Vec<partition::Row>> = BTreeMap::new();
    for row in fetch(conn, PARTITIONS, &mut queries).await? {
        partitions
            .entry(required(&row, 0)?)
            .or_default()
            .push(partition::Row {
                name: required(&row, 1)?,
                method: required(&row, 2)?,
                expression: text(&row, 3)?.unwrap_or_default(),
                description: text(&row, 4)?,
            });
    }
    for (name, rows) in partitions {
        let clause = partition::from_catalog(&rows);
        if let (Some(t), Some(clause)) = (schema.tables.get_mut(&name), clause) {
            t.options.insert(partition::PARTITION.into(), clause);
        }
    }
    let rows = fetch(conn, EVENTS, &mut queries).await?;
    let read = crate::sql::with_stack(|| rows.iter().map(event).collect::<Result<Vec<_>>>())
        .map_err(Error::usage)??;
    for e in read {
        schema.events.insert(e.name.clone(), e);
    }
    crate::normalize::finish(D, &mut schema);
    Ok(Inspected { schema, queries })
}

/// The partitions of the partitioned tables, in their order.
const PARTITIONS: &str = "SELECT TABLE_NAME, PARTITION_NAME, PARTITION_METHOD, \
                          PARTITION_EXPRESSION, PARTITION_DESCRIPTION \
                          FROM information_schema.PARTITIONS \
                          WHERE TABLE_SCHEMA = DATABASE() AND PARTITION_NAME IS NOT NULL \
                          ORDER BY TABLE_NAME, PARTITION_ORDINAL_POSITION";

/// The events: schedule, what happens on completion, status, comment and statement.
const EVENTS: &str = "SELECT EVENT_NAME, EVENT_TYPE, CAST(EXECUTE_AT AS CHAR), \
                      CAST(INTERVAL_VALUE AS CHAR), INTERVAL_FIELD, CAST(STARTS AS CHAR), \
                      CAST(ENDS AS CHAR), STATUS, ON_COMPLETION, EVENT_COMMENT, EVENT_DEFINITION \
                      FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() \
                      ORDER BY EVENT_NAME";

/// An event as the catalog keeps it, its statement printed as plinth prints the desired one's.
fn event(row: &MySqlRow) -> Result<Event> {
    let name = required(row, 0)?;
    let time = |i| -> Result<Option<EventTime>> { Ok(text(row, i)?.map(EventTime::At)) };
    let recurring = required(row, 1)? == "RECURRING";
    let every = match (text(row, 3)?, text(row, 4)?) {
        (Some(value), Some(unit)) if recurring => {
            Some((value.trim_matches('\'').to_string(), unit))
        }
        _ => None,
    };
    let status = match required(row, 7)?.as_str() {
        "ENABLED" => "ENABLE",
        "DISABLED" => "DISABLE",
        _ => "DISABLE ON SLAVE",
    };
    let body = text(row, 10)?.unwrap_or_default();
    let printed = crate::sql::parse_file(
        D,
        "information_schema.EVENTS",
        &format!("CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO {body}"),
    )
    .ok()
    .and_then(|p| p.schema.events.into_values().next())
    .map_or(body, |e| e.source.body);
    let source = EventSource {
        at: if recurring { time(5)? } else { time(2)? },
        every,
        ends: if recurring { time(6)? } else { None },
        preserve: required(row, 8)? == "PRESERVE",
        status: status.to_string(),
        comment: text(row, 9)?.filter(|c| !c.is_empty()),
        body: printed,
    };
    Ok(Event {
        definition: crate::engine::mysql::render::event_definition(&name, &source),
        name,
        source,
    })
}

/// The triggers: each one's table, timing, event and body as written.
const TRIGGERS: &str = "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, \
                        EVENT_MANIPULATION, ACTION_STATEMENT FROM information_schema.TRIGGERS \
                        WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY TRIGGER_NAME";

/// A trigger's row of [`TRIGGERS`] as `name on table`, and as the statement that makes it
/// lowers (none when plinth does not read it).
fn trigger(row: &MySqlRow) -> Result<(String, Option<Trigger>)> {
    let name = required(row, 0)?;
    let table = required(row, 1)?;
    let text = format!(
        "CREATE TRIGGER {} {} {} ON {} FOR EACH ROW {}",
        crate::quote::ident(D, &name),
        required(row, 2)?,
        required(row, 3)?,
        crate::quote::ident(D, &table),
        text(row, 4)?.unwrap_or_default()
    );
    let read = crate::sql::parse_file(D, "information_schema.TRIGGERS", &text).ok();
    let t = read.and_then(|p| p.schema.triggers.into_values().next());
    Ok((format!("{name} on {table}"), t))
}

/// The views, each query as the server keeps it (names qualified with the database).
const VIEWS: &str = "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS \
                     WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME";

/// A view's stored query without the current database's qualifier on its names
/// (`` `shop`.`users`.`id` `` is `` `users`.`id` ``), so that the same query in another database
/// (the scratch one desired views are tried in) reads the same.
fn unqualified(definition: &str, database: &str) -> String {
    let dialect = crate::sql::parser_dialect(D);
    let Ok(tokens) = sqlparser::tokenizer::Tokenizer::new(dialect.as_ref(), definition).tokenize()
    else {
        return definition.to_string();
    };
    let mut out = String::with_capacity(definition.len());
    let mut i = 0;
    while i < tokens.len() {
        let qualifier = matches!(&tokens[i], sqlparser::tokenizer::Token::Word(w)
            if w.quote_style == Some('`') && w.value == database)
            && tokens.get(i + 1) == Some(&sqlparser::tokenizer::Token::Period);
        if qualifier {
            i += 2;
            continue;
        }
        out.push_str(&tokens[i].to_string());
        i += 1;
    }
    out
}

/// A cheap fingerprint of `tables` (one query per 500 tables): their engine, collation and
/// creation time, and digests of their columns and indexes as the catalog lists them. `apply`
/// reads it after every statement, to stop at once should a statement have reached a table
/// outside the plan.
pub async fn fingerprint(
    conn: &mut MySqlConnection,
    tables: &[String],
) -> Result<BTreeMap<String, String>> {
    let fail = |e: sqlx::Error| Error::database("reading the tables outside the plan", e);
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for chunk in tables.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let sql = format!(
            "SELECT TABLE_NAME, CAST(CONCAT_WS('|', 't', CREATE_TIME, ENGINE, TABLE_COLLATION) AS CHAR)
             FROM information_schema.TABLES
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({marks})
             UNION ALL
             SELECT MIN(TABLE_NAME), CAST(CONCAT('c|', MD5(GROUP_CONCAT(CONCAT_WS(':', COLUMN_NAME,
               COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA) ORDER BY ORDINAL_POSITION))) AS CHAR)
             FROM information_schema.COLUMNS
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({marks})
             GROUP BY CAST(TABLE_NAME AS BINARY)
             UNION ALL
             SELECT MIN(TABLE_NAME), CAST(CONCAT('i|', MD5(GROUP_CONCAT(CONCAT_WS(':', INDEX_NAME,
               COLUMN_NAME, SEQ_IN_INDEX, NON_UNIQUE) ORDER BY INDEX_NAME, SEQ_IN_INDEX))) AS CHAR)
             FROM information_schema.STATISTICS
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ({marks})
             GROUP BY CAST(TABLE_NAME AS BINARY)"
        );
        let mut query = sqlx::query(&sql).persistent(false);
        for _ in 0..3 {
            for t in chunk {
                query = query.bind(t);
            }
        }
        let mut parts: Vec<(String, String)> = Vec::new();
        for row in query.fetch_all(&mut *conn).await.map_err(fail)? {
            let name: String = row.try_get(0).map_err(fail)?;
            let part: Option<String> = row.try_get(1).map_err(fail)?;
            parts.push((name, part.unwrap_or_default()));
        }
        parts.sort();
        // The catalog compares names without regard to case: keep only the exact ones.
        parts.retain(|(name, _)| chunk.contains(name));
        for (name, part) in parts {
            let print = out.entry(name).or_default();
            print.push_str(&part);
            print.push('\n');
        }
    }
    Ok(out)
}

/// What the database holds that plinth does not model yet (for `adopt` to name): MariaDB
/// sequences, routines and subpartitioned tables, as (kind, name); with the triggers it
/// does not read (see [`unmodelled`]).
const UNMODELLED: &str = "
SELECT 'sequence', TABLE_NAME
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'SEQUENCE'
UNION ALL
SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME FROM information_schema.ROUTINES
WHERE ROUTINE_SCHEMA = DATABASE()
UNION ALL
SELECT DISTINCT 'subpartitioning', CONCAT('of table ', TABLE_NAME) FROM information_schema.PARTITIONS
WHERE TABLE_SCHEMA = DATABASE() AND SUBPARTITION_NAME IS NOT NULL
ORDER BY 1, 2";

/// The objects of the database plinth does not model yet, as (kind, name).
pub async fn unmodelled(conn: &mut MySqlConnection) -> Result<Vec<(String, String)>> {
    let mut queries = 0;
    let rows = fetch(conn, UNMODELLED, &mut queries).await?;
    let mut out: Vec<(String, String)> = rows
        .iter()
        .map(|row| Ok((required(row, 0)?, required(row, 1)?)))
        .collect::<Result<_>>()?;
    // The triggers plinth does not read.
    for row in fetch(conn, TRIGGERS, &mut queries).await? {
        if let (name, None) = trigger(&row)? {
            out.push(("trigger".into(), name));
        }
    }
    out.sort();
    Ok(out)
}

async fn fetch(
    conn: &mut MySqlConnection,
    sql: &str,
    queries: &mut usize,
) -> Result<Vec<MySqlRow>> {
    catalog::rows(conn, sql, queries, "the MySQL catalog").await
}

/// A text cell. information_schema column types differ between servers and versions (some
/// are binary), so every text cell is read as bytes.
fn text(row: &MySqlRow, index: usize) -> Result<Option<String>> {
    let bytes: Option<Vec<u8>> = catalog::cell(row, index, "the MySQL catalog")?;
    Ok(bytes.map(|b| String::from_utf8_lossy(&b).into_owned()))
}

fn required(row: &MySqlRow, index: usize) -> Result<String> {
    text(row, index)?.ok_or_else(|| {
        Error::database(
            "reading the MySQL catalog",
            format!("unexpected NULL in column {index}"),
        )
    })
}

fn number(row: &MySqlRow, index: usize) -> Result<Option<i64>> {
    catalog::cell(row, index, "the MySQL catalog")
}

fn expression(text: &str, table: &str, what: &str) -> Result<Expression> {
    canonical_text(D, text)
        .map_err(|e| Error::database(format!("reading {what} of table `{table}`"), e))
}

fn column(row: &MySqlRow, flavor: Flavor, default_collation: Option<String>) -> Result<Column> {
    let table = required(row, 0)?;
    let name = required(row, 1)?;
    let ty = mysql_catalog(&required(row, 2)?);
    let extra = text(row, 5)?.unwrap_or_default();
    let extra_lower = extra.to_ascii_lowercase();
    let mut column = Column::new(name.clone(), ColumnType::new(D, ty));
    column.nullable = text(row, 3)?.as_deref() == Some("YES");
    column.default = live_default(flavor, &column.ty, &extra_lower, text(row, 4)?)
        .map_err(|e| Error::database(format!("reading the default of `{table}`.`{name}`"), e))?;
    if extra_lower.contains("auto_increment") {
        column.identity = Some(Identity::AutoIncrement);
    }
    if let Some(at) = extra_lower.find("on update ") {
        let on_update = extra[at + "on update ".len()..].trim();
        column.on_update = Some(Box::new(expression(
            on_update,
            &table,
            &format!("ON UPDATE of `{name}`"),
        )?));
    }
    if extra_lower.contains("generated") && !extra_lower.contains("default_generated") {
        if let Some(expr) = text(row, 6)?.filter(|e| !e.is_empty()) {
            let expr = stored(flavor, &expr);
            column.generated = Some(Box::new(Generated {
                expr: expression(&expr, &table, &format!("the expression of `{name}`"))?,
                stored: extra_lower.contains("stored"),
            }));
            column.default = None;
        }
    }
    column.comment = text(row, 7)?.filter(|c| !c.is_empty());
    column.collation = text(row, 8)?.filter(|c| Some(c) != default_collation.as_ref());
    Ok(column)
}

/// A column default as canonical text. MariaDB reports defaults as expressions (`'abc'`,
/// `0.00`, `current_timestamp()`, and `NULL` for no default); MySQL 8 reports literals
/// unquoted and marks expressions `DEFAULT_GENERATED` (before 8.0.13, `CURRENT_TIMESTAMP`
/// came unmarked).
fn live_default(
    flavor: Flavor,
    ty: &ColumnType,
    extra_lower: &str,
    default: Option<String>,
) -> Result<Option<Expression>, String> {
    let Some(d) = default else {
        return Ok(None);
    };
    let temporal = matches!(ty.base(), "datetime" | "timestamp");
    let text = match flavor {
        Flavor::MariaDb => d,
        Flavor::Mysql if extra_lower.contains("default_generated") => stored(flavor, &d),
        Flavor::Mysql if temporal && is_current_timestamp(&d) => d,
        Flavor::Mysql if ty.base() == "bit" && d.starts_with("b'") => d,
        Flavor::Mysql => format!("'{}'", d.replace('\'', "''")),
    };
    canonical_text(D, &text).map(Some)
}

fn is_current_timestamp(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("current_timestamp") else {
        return false;
    };
    rest.is_empty()
        || rest
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
}

/// An expression as the server stored it: MySQL 8 escapes the quotes inside generated
/// columns, expression defaults, checks and functional indexes (`_utf8mb4\'a\'`).
fn stored(flavor: Flavor, text: &str) -> String {
    match flavor {
        Flavor::MariaDb => text.to_string(),
        Flavor::Mysql => text.replace("\\'", "'"),
    }
}

/// One index from its `STATISTICS` rows (in `SEQ_IN_INDEX` order).
fn index(table: &mut Table, name: &str, rows: &[MySqlRow], flavor: Flavor) -> Result<()> {
    let mut parts = Vec::with_capacity(rows.len());
    for row in rows {
        let key = match (text(row, 3)?, text(row, 8)?) {
            (Some(column), _) => IndexKey::Column(column),
            (None, Some(expr)) => {
                let expr = stored(flavor, &expr);
                IndexKey::Expr(expression(&expr, &table.name, &format!("index `{name}`"))?)
            }
            (None, None) => {
                return Err(Error::database(
                    format!("reading index `{name}` of table `{}`", table.name),
                    "an index part names neither a column nor an expression",
                ))
            }
        };
        parts.push(IndexPart {
            key,
            descending: text(row, 5)?.as_deref() == Some("D"),
            prefix: number(row, 4)?.and_then(|p| u32::try_from(p).ok()),
            collation: None,
            opclass: None,
        });
    }
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let unique = number(first, 2)? == Some(0);
    if name == "PRIMARY" {
        let columns = parts
            .into_iter()
            .filter_map(|p| match p.key {
                IndexKey::Column(c) => Some(c),
                IndexKey::Expr(_) => None,
            })
            .collect();
        table.primary_key = Some(PrimaryKey {
            name: classify(
                D,
                &table.name,
                Kind::PrimaryKey,
                Some(name.to_string()),
                None,
            ),
            columns,
            deferrable: Default::default(),
            comment: None,
        });
        return Ok(());
    }
    let first_column = IndexPart::leading_column(&parts).map(str::to_string);
    let method = text(first, 6)?
        .map(|m| m.to_ascii_lowercase())
        .filter(|m| m != "btree");
    table.indexes.push(Index {
        unique,
        method,
        comment: text(first, 7)?.filter(|c| !c.is_empty()),
        ..Index::new(
            classify(
                D,
                &table.name,
                Kind::Index,
                Some(name.to_string()),
                first_column.as_deref(),
            ),
            parts,
        )
    });
    Ok(())
}

/// One foreign key from its `KEY_COLUMN_USAGE` rows (in `ORDINAL_POSITION` order).
/// A foreign key from its column rows and its (update, delete) rules.
fn foreign_key(
    table: &str,
    name: String,
    rows: &[MySqlRow],
    (update, delete): &(String, String),
) -> Result<ForeignKey> {
    let mut columns = Vec::with_capacity(rows.len());
    let mut ref_columns = Vec::with_capacity(rows.len());
    for row in rows {
        columns.push(required(row, 2)?);
        ref_columns.push(required(row, 4)?);
    }
    let first = rows.first();
    let rule = |rule: &String| -> Result<FkAction> {
        FkAction::parse(rule).ok_or_else(|| {
            Error::database(
                format!("reading foreign key `{name}` of table `{table}`"),
                format!("unknown referential action `{rule}`"),
            )
        })
    };
    let ref_table = match first {
        Some(row) => required(row, 3)?,
        None => String::new(),
    };
    let (on_update, on_delete) = (rule(update)?, rule(delete)?);
    let first_column = columns.first().cloned();
    Ok(ForeignKey {
        not_valid: false,
        columns,
        ref_table,
        ref_columns,
        on_delete,
        on_update,
        deferrable: Default::default(),
        name: classify(
            D,
            table,
            Kind::ForeignKey,
            Some(name),
            first_column.as_deref(),
        ),
        match_full: false,
        comment: None,
    })
}

fn check(table: &mut Table, row: &MySqlRow, flavor: Flavor) -> Result<()> {
    let name = required(row, 1)?;
    let clause = stored(flavor, &required(row, 2)?);
    let column_level = text(row, 3)?.as_deref() == Some("Column");
    let expr = expression(&clause, &table.name, &format!("check `{name}`"))?;
    let first_column = column_level.then_some(name.as_str());
    table.checks.push(Check {
        not_valid: false,
        expr,
        name: classify(
            D,
            &table.name,
            Kind::Check,
            Some(name.clone()),
            first_column,
        ),
        no_inherit: false,
        comment: None,
    });
    Ok(())
}

#[cfg(test)]
mod tests;
