//! MySQL/MariaDB: catalog inspection (bulk queries) into the canonical IR.
//!
//! Six queries whatever the size of the schema: the server's flavor, then `TABLES`, `COLUMNS`,
//! `STATISTICS` (primary keys, unique and plain indexes), `KEY_COLUMN_USAGE` joined with
//! `REFERENTIAL_CONSTRAINTS` (foreign keys), and `CHECK_CONSTRAINTS`, each filtered by
//! `TABLE_SCHEMA = DATABASE()`. What MySQL 8 and MariaDB report differently is reconciled here
//! (default quoting, escaped quotes in stored expressions, display widths); what the server
//! implies or re-spells for both sides (JSON as `longtext` plus a `json_valid` check on MariaDB,
//! the implicit foreign-key index…) is left to `sql::finish`, which runs on the result too.

use std::collections::BTreeMap;

use sqlx::mysql::MySqlRow;
use sqlx::{MySqlConnection, Row};

use super::{is_plinth_table, Inspected};
use crate::error::{Error, Result};
use crate::model::{
    Check, Column, Dialect, Expression, FkAction, ForeignKey, Generated, Identity, Index, IndexKey,
    IndexPart, PrimaryKey, Schema, Table,
};
use crate::sql::expr::canonical_text;
use crate::sql::names::{classify, Kind};
use crate::sql::types::mysql_catalog;

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

const FOREIGN_KEYS: &str = "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, \
     k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE \
     FROM information_schema.KEY_COLUMN_USAGE k \
     JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
       ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME \
      AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
     WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
     ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION";

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
                crate::sql::mysql::collation_charset(collation).to_string(),
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
    for ((tname, name), rows) in fks {
        if let Some(table) = tables.get_mut(&tname) {
            let fk = foreign_key(&tname, name, &rows)?;
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
    crate::sql::finish(D, &mut schema);
    Ok(Inspected { schema, queries })
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

async fn fetch(
    conn: &mut MySqlConnection,
    sql: &str,
    queries: &mut usize,
) -> Result<Vec<MySqlRow>> {
    *queries += 1;
    sqlx::query(sql)
        .fetch_all(conn)
        .await
        .map_err(|e| Error::database("reading the MySQL catalog", e))
}

/// A text cell. information_schema column types differ between servers and versions (some
/// are binary), so every text cell is read as bytes.
fn text(row: &MySqlRow, index: usize) -> Result<Option<String>> {
    let bytes: Option<Vec<u8>> = row
        .try_get(index)
        .map_err(|e| Error::database("reading the MySQL catalog", e))?;
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
    row.try_get(index)
        .map_err(|e| Error::database("reading the MySQL catalog", e))
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
    let mut column = Column::new(name.clone(), ty);
    column.nullable = text(row, 3)?.as_deref() == Some("YES");
    column.default = live_default(flavor, &column.ty, &extra_lower, text(row, 4)?)
        .map_err(|e| Error::database(format!("reading the default of `{table}`.`{name}`"), e))?;
    if extra_lower.contains("auto_increment") {
        column.identity = Some(Identity::AutoIncrement);
    }
    if let Some(at) = extra_lower.find("on update ") {
        let on_update = extra[at + "on update ".len()..].trim();
        column.on_update = Some(expression(
            on_update,
            &table,
            &format!("ON UPDATE of `{name}`"),
        )?);
    }
    if extra_lower.contains("generated") && !extra_lower.contains("default_generated") {
        if let Some(expr) = text(row, 6)?.filter(|e| !e.is_empty()) {
            let expr = stored(flavor, &expr);
            column.generated = Some(Generated {
                expr: expression(&expr, &table, &format!("the expression of `{name}`"))?,
                stored: extra_lower.contains("stored"),
            });
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
    ty: &str,
    extra_lower: &str,
    default: Option<String>,
) -> Result<Option<Expression>, String> {
    let Some(d) = default else {
        return Ok(None);
    };
    let temporal = ty.starts_with("datetime") || ty.starts_with("timestamp");
    let text = match flavor {
        Flavor::MariaDb => d,
        Flavor::Mysql if extra_lower.contains("default_generated") => stored(flavor, &d),
        Flavor::Mysql if temporal && is_current_timestamp(&d) => d,
        Flavor::Mysql if ty.starts_with("bit") && d.starts_with("b'") => d,
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
    let first_column = match parts.first().map(|p| &p.key) {
        Some(IndexKey::Column(c)) => Some(c.clone()),
        _ => None,
    };
    let method = text(first, 6)?
        .map(|m| m.to_ascii_lowercase())
        .filter(|m| m != "btree");
    table.indexes.push(Index {
        name: classify(
            D,
            &table.name,
            Kind::Index,
            Some(name.to_string()),
            first_column.as_deref(),
        ),
        unique,
        parts,
        predicate: None,
        method,
        comment: text(first, 7)?.filter(|c| !c.is_empty()),
        include: Vec::new(),
        storage: Vec::new(),
        nulls_not_distinct: false,
        exclude: None,
    });
    Ok(())
}

/// One foreign key from its `KEY_COLUMN_USAGE` rows (in `ORDINAL_POSITION` order).
fn foreign_key(table: &str, name: String, rows: &[MySqlRow]) -> Result<ForeignKey> {
    let mut columns = Vec::with_capacity(rows.len());
    let mut ref_columns = Vec::with_capacity(rows.len());
    for row in rows {
        columns.push(required(row, 2)?);
        ref_columns.push(required(row, 4)?);
    }
    let first = rows.first();
    let rule = |index: usize| -> Result<FkAction> {
        let Some(row) = first else {
            return Ok(FkAction::NoAction);
        };
        let rule = text(row, index)?.unwrap_or_default();
        FkAction::parse(&rule).ok_or_else(|| {
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
    let (on_update, on_delete) = (rule(5)?, rule(6)?);
    let first_column = columns.first().cloned();
    Ok(ForeignKey {
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
mod tests {
    use std::str::FromStr;

    use sqlx::mysql::MySqlConnectOptions;
    use sqlx::ConnectOptions;

    use super::*;
    use crate::sql::parse_file;

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
            .block_on(future)
    }

    /// A database of its own (`plinth_t_…`) on the server of `PLINTH_TEST_MYSQL_URL`, selected
    /// on `conn`; `None` (with a notice) when the server is unreachable and not required.
    struct TestDb {
        conn: MySqlConnection,
        name: String,
    }

    async fn test_db() -> Option<TestDb> {
        let url = std::env::var("PLINTH_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into());
        let url = url.replacen("mariadb://", "mysql://", 1);
        // Connect through information_schema: the URL's own database may not exist.
        let connected = match MySqlConnectOptions::from_str(&url) {
            Ok(options) => options.database("information_schema").connect().await,
            Err(e) => Err(e),
        };
        let mut conn = match connected {
            Ok(c) => c,
            Err(e) => {
                crate::db::testing::unreachable(D, e);
                return None;
            }
        };
        let name = crate::db::testing::unique_name();
        sqlx::raw_sql(&format!("CREATE DATABASE `{name}`; USE `{name}`"))
            .execute(&mut conn)
            .await
            .expect("CREATE DATABASE");
        Some(TestDb { conn, name })
    }

    impl TestDb {
        async fn drop(mut self) {
            let sql = format!("DROP DATABASE IF EXISTS `{}`", self.name);
            sqlx::raw_sql(&sql)
                .execute(&mut self.conn)
                .await
                .expect("DROP DATABASE");
        }
    }

    fn desired(ddl: &str) -> Schema {
        let ddl = &crate::db::testing::without_plinth_tables(ddl);
        let mut schema = parse_file(D, "snippet.sql", ddl)
            .unwrap_or_else(|e| panic!("{e}\n{ddl}"))
            .schema;
        schema.retain_tables(|t| !is_plinth_table(t));
        crate::sql::finish(D, &mut schema);
        schema
    }

    /// Apply `ddl` to a fresh database, inspect it, and compare with the parse of `ddl`.
    fn roundtrip(ddl: &str) {
        block_on(async {
            let Some(mut db) = test_db().await else {
                return;
            };
            let applied = sqlx::raw_sql(ddl).execute(&mut db.conn).await;
            let live = match applied {
                Ok(_) => inspect(&mut db.conn).await,
                Err(e) => Err(Error::database("applying the snippet", e)),
            };
            db.drop().await;
            let live = live.unwrap_or_else(|e| panic!("{e}\n{ddl}")).schema;
            let desired = desired(ddl);
            assert_eq!(
                live.tables.keys().collect::<Vec<_>>(),
                desired.tables.keys().collect::<Vec<_>>(),
                "{ddl}"
            );
            for (name, table) in &desired.tables {
                // What the snippet leaves to the database is compared only when named.
                let live = live.tables.get(name).cloned().map(|mut t| {
                    t.options.retain(|k, _| {
                        !crate::diff::INHERITED_OPTIONS.contains(&k.as_str())
                            || table.options.contains_key(k)
                    });
                    t
                });
                assert_eq!(live.as_ref(), Some(table), "table `{name}` of\n{ddl}");
            }
        });
    }

    macro_rules! battery {
        ($($name:ident: $ddl:expr;)*) => {
            $(
                #[test]
                fn $name() {
                    roundtrip($ddl);
                }
            )*
        };
    }

    battery! {
        integer_display_widths: "CREATE TABLE t (a int(11), b integer, c bigint(20), d smallint(6),
            e mediumint(9), f tinyint(4), g tinyint)";
        unsigned_integers: "CREATE TABLE t (a int unsigned, b bigint unsigned NOT NULL,
            c tinyint unsigned, d smallint(5) unsigned, e tinyint(1) unsigned,
            f decimal(10,2) unsigned)";
        booleans: "CREATE TABLE t (a boolean, b bool DEFAULT TRUE, c tinyint(1) DEFAULT 0,
            d boolean NOT NULL DEFAULT FALSE)";
        enum_columns: "CREATE TABLE t (s enum('draft','live') NOT NULL DEFAULT 'draft',
            k enum('it''s','x'), n enum('a','b') DEFAULT NULL)";
        set_columns: "CREATE TABLE t (s set('a','b','c') DEFAULT 'a,b')";
        auto_increment_inline_pk: "CREATE TABLE t (id int AUTO_INCREMENT PRIMARY KEY, n varchar(10))";
        auto_increment_table_pk: "CREATE TABLE t (id bigint unsigned NOT NULL AUTO_INCREMENT,
            PRIMARY KEY (id))";
        on_update_current_timestamp: "CREATE TABLE t (id int PRIMARY KEY,
            created timestamp DEFAULT CURRENT_TIMESTAMP,
            updated timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
            touched datetime ON UPDATE NOW())";
        current_timestamp_precision: "CREATE TABLE t (a datetime(3) DEFAULT CURRENT_TIMESTAMP(3)
            ON UPDATE CURRENT_TIMESTAMP(3), b datetime(6) DEFAULT NOW(6),
            c timestamp(6) NULL DEFAULT LOCALTIMESTAMP(6))";
        current_timestamp_spellings: "CREATE TABLE t (a datetime DEFAULT NOW(),
            b timestamp DEFAULT LOCALTIMESTAMP, c datetime DEFAULT current_timestamp(),
            d datetime DEFAULT CURRENT_TIMESTAMP(0))";
        index_prefixes: "CREATE TABLE t (id int PRIMARY KEY, name varchar(200), body text,
            KEY idx_name (name(20)), KEY idx_body (body(100)))";
        composite_index: "CREATE TABLE t (a int, b int, c int, KEY idx_ab (a, b), INDEX idx_c (c))";
        create_index_statements: "CREATE TABLE t (a int, b varchar(50));
            CREATE INDEX idx_a ON t (a); CREATE INDEX idx_ba ON t (b(10), a DESC)";
        index_named_like_its_column: "CREATE TABLE t (a int, b int, KEY a (a), KEY b_2 (b))";
        index_comment_and_using: "CREATE TABLE t (a int, b int, KEY idx_a (a) COMMENT 'lookup',
            KEY idx_b (b) USING BTREE)";
        unique_column: "CREATE TABLE t (id int PRIMARY KEY, code varchar(20) NOT NULL UNIQUE)";
        unique_constraint_named: "CREATE TABLE t (code varchar(20), CONSTRAINT uq_code UNIQUE (code))";
        unique_key_composite: "CREATE TABLE t (a int, b int, UNIQUE KEY uq_ab (a, b), UNIQUE (b))";
        unique_index_statement: "CREATE TABLE t (a int, b varchar(100));
            CREATE UNIQUE INDEX uq_a ON t (a); CREATE UNIQUE INDEX uq_b ON t (b(10))";
        foreign_key_named_with_actions: "CREATE TABLE parent (id int PRIMARY KEY);
            CREATE TABLE child (id int PRIMARY KEY, parent_id int,
            CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id)
            ON DELETE CASCADE ON UPDATE SET NULL)";
        foreign_key_unnamed_implicit_index: "CREATE TABLE parent (id int PRIMARY KEY);
            CREATE TABLE child (id int PRIMARY KEY, a int, b int,
            FOREIGN KEY (a) REFERENCES parent (id), FOREIGN KEY (b) REFERENCES parent (id))";
        foreign_key_covered_by_index: "CREATE TABLE parent (id int PRIMARY KEY);
            CREATE TABLE child (id int PRIMARY KEY, parent_id int, x int,
            KEY idx_px (parent_id, x), FOREIGN KEY (parent_id) REFERENCES parent (id))";
        foreign_key_covered_by_primary_key: "CREATE TABLE parent (id int PRIMARY KEY);
            CREATE TABLE child (parent_id int, n int, PRIMARY KEY (parent_id, n),
            FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE)";
        foreign_key_not_covered_by_second_column: "CREATE TABLE parent (id int PRIMARY KEY);
            CREATE TABLE child (x int, parent_id int, KEY idx_xp (x, parent_id),
            CONSTRAINT fk_p FOREIGN KEY (parent_id) REFERENCES parent (id))";
        foreign_key_index_created_later: "CREATE TABLE parent (id int PRIMARY KEY);
            CREATE TABLE child (id int PRIMARY KEY, parent_id int,
            CONSTRAINT fk_later FOREIGN KEY (parent_id) REFERENCES parent (id));
            CREATE INDEX idx_later ON child (parent_id, id)";
        foreign_key_restrict_is_no_action: "CREATE TABLE parent (id int PRIMARY KEY);
            CREATE TABLE child (a int, b int,
            FOREIGN KEY (a) REFERENCES parent (id) ON DELETE RESTRICT ON UPDATE NO ACTION,
            FOREIGN KEY (b) REFERENCES parent (id) ON DELETE SET NULL ON UPDATE CASCADE)";
        foreign_key_composite: "CREATE TABLE parent (a int, b int, PRIMARY KEY (a, b));
            CREATE TABLE child (x int, y int, CONSTRAINT fk_xy FOREIGN KEY (x, y)
            REFERENCES parent (a, b))";
        foreign_key_self_reference: "CREATE TABLE node (id int PRIMARY KEY, parent int,
            FOREIGN KEY (parent) REFERENCES node (id) ON DELETE CASCADE)";
        foreign_key_to_unique_column: "CREATE TABLE parent (id int PRIMARY KEY,
            code varchar(10) NOT NULL UNIQUE);
            CREATE TABLE child (code varchar(10), FOREIGN KEY (code) REFERENCES parent (code))";
        foreign_key_column_case: "CREATE TABLE parent (Id int PRIMARY KEY);
            CREATE TABLE child (Parent_Id int, FOREIGN KEY (PARENT_ID) REFERENCES parent (ID))";
        check_inline: "CREATE TABLE t (price decimal(10,2) CHECK (price >= 0),
            qty int CHECK (qty > 0 AND qty < 1000))";
        check_table_named: "CREATE TABLE t (a int, b int, CONSTRAINT chk_ab CHECK (a < b))";
        check_table_unnamed: "CREATE TABLE t (a int, b int, CHECK (a < b), CHECK (a > 0))";
        check_in_list_and_functions: "CREATE TABLE t (status varchar(10),
            email varchar(100), CHECK (status IN ('new', 'done')),
            CONSTRAINT chk_email CHECK (char_length(email) > 3 OR email IS NULL))";
        comments: "CREATE TABLE t (id int PRIMARY KEY COMMENT 'the key',
            name varchar(10) COMMENT 'it''s a name') COMMENT 'a table'";
        comment_table_option_with_equals: "CREATE TABLE t (id int) ENGINE=InnoDB COMMENT='things'";
        default_strings: "CREATE TABLE t (a varchar(10) DEFAULT '', b varchar(10) DEFAULT 'NULL',
            c varchar(10) DEFAULT NULL, d char(3) DEFAULT 'abc', e text DEFAULT 'x',
            f varchar(10) NOT NULL DEFAULT 'it''s', g varchar(5) DEFAULT 0)";
        default_numbers: "CREATE TABLE t (a int DEFAULT 0, b int DEFAULT -1, c int DEFAULT '5',
            d bigint DEFAULT 9223372036854775807, e float DEFAULT 1.50, f double DEFAULT 1e20,
            g bigint unsigned DEFAULT 18446744073709551615)";
        default_decimals: "CREATE TABLE t (a decimal(10,2) DEFAULT 0, b decimal(10,2) DEFAULT -1.005,
            c decimal(5) DEFAULT 3, d decimal(6,3) DEFAULT '1.5', e numeric(4,1) DEFAULT 2.25)";
        default_dates: "CREATE TABLE t (a datetime DEFAULT '2020-01-01', b time DEFAULT '10:00',
            c date DEFAULT '2020-01-01', d datetime(3) DEFAULT '2020-01-01 10:00',
            e year DEFAULT 2024, f timestamp NULL DEFAULT '2021-06-01 12:30:00')";
        default_expressions: "CREATE TABLE t (a int DEFAULT (1 + 2), b varchar(36) DEFAULT (uuid()),
            c date DEFAULT (CURRENT_DATE), d int DEFAULT (-1), e date DEFAULT (curdate()),
            f varchar(20) DEFAULT (concat('a', 'b')))";
        generated_columns: "CREATE TABLE t (n int, g int AS (n * 2), s int GENERATED ALWAYS AS (n + 1) STORED,
            v int AS ((n * 3)) VIRTUAL)";
        generated_string_column: "CREATE TABLE t (first varchar(10), last varchar(10),
            full_name varchar(21) AS (concat(first, ' ', last)) STORED, KEY idx_full (full_name))";
        decimal_spellings: "CREATE TABLE t (a decimal, b decimal(8), c numeric(12,4), d dec(5,2))";
        float_spellings: "CREATE TABLE t (a float, b double, c real, d double precision, e float(10),
            f float(30), g double(10,2), h float(7,4))";
        string_and_binary_types: "CREATE TABLE t (a varchar(10), b char, c char(5), d binary(16),
            e varbinary(255), f tinytext, g mediumtext, h longtext, i blob, j tinyblob,
            k mediumblob, l longblob, m text)";
        json_columns: "CREATE TABLE t (id int PRIMARY KEY, doc json, meta json NOT NULL)";
        date_time_types: "CREATE TABLE t (a date, b time, c time(3), d datetime, e datetime(6),
            f timestamp NULL, g year, h timestamp(0) NULL)";
        bit_columns: "CREATE TABLE t (a bit, b bit(8))";
        bit_defaults: "CREATE TABLE t (a bit(4) DEFAULT b'1010', b bit DEFAULT 1,
            c bit(4) DEFAULT b'0010', d bit(8) DEFAULT 5, e bit(2) DEFAULT b'0')";
        inline_references: "CREATE TABLE parent (id int PRIMARY KEY);
            CREATE TABLE child (parent_id int REFERENCES parent (id))";
        column_collation: "CREATE TABLE t (a varchar(10) COLLATE utf8mb4_bin, b varchar(10),
            c char(2) COLLATE utf8mb4_unicode_ci)";
        engines: "CREATE TABLE a (id int) ENGINE=InnoDB; CREATE TABLE b (id int) ENGINE=MyISAM;
            CREATE TABLE c (id int) ENGINE=MEMORY DEFAULT CHARSET=utf8mb4";
        table_character_sets: "CREATE TABLE a (id int, s varchar(5)) DEFAULT CHARSET=latin1;
            CREATE TABLE b (s varchar(5), t varchar(5) COLLATE utf8mb4_general_ci)
            DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
            CREATE TABLE c (s varchar(5) BINARY, t text BINARY) CHARSET=utf8mb4;
            CREATE TABLE d (s varchar(5) COLLATE latin1_bin) COLLATE=latin1_bin";
        fulltext_and_spatial_indexes: "CREATE TABLE t (id int PRIMARY KEY, title varchar(40),
            body text, loc point NOT NULL, FULLTEXT KEY ft_title (title),
            FULLTEXT INDEX (title, body), SPATIAL KEY sp_loc (loc))";
        hash_indexes: "CREATE TABLE t (a int, b int, KEY ha (a) USING HASH,
            UNIQUE KEY hb (b) USING HASH);
            CREATE TABLE m (a int, KEY ha (a) USING HASH) ENGINE=MEMORY";
        column_name_case: "CREATE TABLE t (Id int, Name varchar(10), PRIMARY KEY (ID), KEY idx (NAME))";
        table_name_case: "CREATE TABLE Orders (id int PRIMARY KEY); CREATE TABLE orders (id int)";
        primary_key_implies_not_null: "CREATE TABLE t (a int, b int, PRIMARY KEY (a, b))";
        primary_key_named: "CREATE TABLE t (a int, CONSTRAINT pk_t PRIMARY KEY (a))";
        quoted_identifiers: "CREATE TABLE `order` (`key` int PRIMARY KEY, `select` varchar(5),
            KEY `from` (`select`))";
        plinth_tables_are_skipped: "CREATE TABLE t (a int); CREATE TABLE plinth_history (id int)";
        shop_example: "CREATE TABLE computertypes (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
              name varchar(255) NOT NULL DEFAULT '', comment text,
              date_mod timestamp NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP,
              UNIQUE KEY unicity (name));
            CREATE TABLE computers (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
              name varchar(255) NOT NULL, serial varchar(255) DEFAULT NULL,
              computertypes_id int unsigned NOT NULL DEFAULT 0,
              is_deleted tinyint(1) NOT NULL DEFAULT 0, price decimal(20,4) DEFAULT 0.0000,
              CONSTRAINT fk_type FOREIGN KEY (computertypes_id) REFERENCES computertypes (id),
              KEY name (name), KEY is_deleted (is_deleted), CHECK (price >= 0))";
    }

    /// The number of catalog queries does not grow with the number of tables.
    #[test]
    fn query_count_is_flat() {
        fn tables(from: usize, to: usize) -> String {
            (from..to)
                .map(|i| {
                    format!(
                        "CREATE TABLE t{i} (id int PRIMARY KEY, p int, v varchar(10) UNIQUE, \
                         n int CHECK (n > 0), KEY idx_n (n), \
                         FOREIGN KEY (p) REFERENCES t{i} (id));"
                    )
                })
                .collect()
        }
        block_on(async {
            let Some(mut db) = test_db().await else {
                return;
            };
            let result = async {
                sqlx::raw_sql(&tables(0, 10)).execute(&mut db.conn).await?;
                let ten = inspect(&mut db.conn)
                    .await
                    .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
                sqlx::raw_sql(&tables(10, 500))
                    .execute(&mut db.conn)
                    .await?;
                let many = inspect(&mut db.conn)
                    .await
                    .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
                Ok::<_, sqlx::Error>((ten, many))
            }
            .await;
            db.drop().await;
            let (ten, many) = result.expect("creating and inspecting tables");
            assert_eq!(ten.schema.tables.len(), 10);
            assert_eq!(many.schema.tables.len(), 500);
            assert_eq!(ten.queries, many.queries);
            // Equal but for what the DDL leaves to the database (`diff::INHERITED_OPTIONS`).
            assert_eq!(
                crate::diff::diff(D, &many.schema, &desired(&tables(0, 500))),
                vec![]
            );
        });
    }

    #[test]
    fn mysql8_defaults() {
        let my = |ty: &str, extra: &str, d: &str| {
            live_default(Flavor::Mysql, ty, extra, Some(d.to_string())).unwrap()
        };
        assert_eq!(my("varchar(10)", "", "abc").as_deref(), Some("'abc'"));
        assert_eq!(my("varchar(10)", "", "it's").as_deref(), Some("'it''s'"));
        assert_eq!(my("varchar(10)", "", "NULL").as_deref(), Some("'NULL'"));
        assert_eq!(my("int", "", "0").as_deref(), Some("'0'"));
        assert_eq!(
            my(
                "timestamp",
                "default_generated on update current_timestamp",
                "CURRENT_TIMESTAMP"
            )
            .as_deref(),
            Some("CURRENT_TIMESTAMP")
        );
        assert_eq!(
            my("datetime(3)", "", "CURRENT_TIMESTAMP(3)").as_deref(),
            Some("current_timestamp(3)")
        );
        assert_eq!(
            my(
                "varchar(20)",
                "default_generated",
                "concat(_utf8mb4\\'a\\',_utf8mb4\\'b\\')"
            ),
            canonical_text(D, "concat('a', 'b')").ok()
        );
        assert_eq!(my("bit(4)", "", "b'101'").as_deref(), Some("B'101'"));
        assert_eq!(live_default(Flavor::Mysql, "int", "", None).unwrap(), None);
        // The same values reach the same canonical default as the declared ones.
        let declared = |ty: &str, d: &str| crate::sql::mysql::normalize_default(ty, d);
        let live = |ty: &str, d: &str| {
            declared(
                ty,
                &my(ty, "", d).map(|e| e.to_string()).unwrap_or_default(),
            )
        };
        assert_eq!(
            live("decimal(10,2)", "0.00"),
            declared("decimal(10,2)", "0")
        );
        assert_eq!(live("int", "5"), declared("int", "'5'"));
        assert_eq!(live("tinyint(1)", "1"), declared("tinyint(1)", "1"));
        assert_eq!(
            live("datetime", "2020-01-01 00:00:00"),
            declared("datetime", "'2020-01-01'")
        );
    }

    #[test]
    fn mysql8_stored_expressions() {
        let clause = stored(
            Flavor::Mysql,
            "(`status` in (_utf8mb4\\'a\\',_utf8mb4\\'b\\'))",
        );
        assert_eq!(
            canonical_text(D, &clause).unwrap(),
            canonical_text(D, "status IN ('a', 'b')").unwrap()
        );
    }

    #[test]
    fn flavors() {
        let maria = Server::from_version("10.11.6-MariaDB-0+deb12u1");
        assert_eq!(maria.flavor, Flavor::MariaDb);
        assert!(maria.checks && !maria.index_expressions);
        let mysql = Server::from_version("8.0.36");
        assert_eq!(mysql.flavor, Flavor::Mysql);
        assert!(mysql.checks && mysql.index_expressions);
        assert!(!Server::from_version("5.7.44-log").checks);
    }
}
