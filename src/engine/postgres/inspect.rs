//! PostgreSQL: catalog inspection (bulk queries) into the canonical IR.
//!
//! Six queries read the whole managed schema (`current_schema()`), each filtered by namespace,
//! never by a list of tables: tables, columns, owned sequences, constraints, indexes, enum types.
//! The rows are then folded into the same [`Schema`] the SQL lowering builds, through the same
//! normalizers (`normalize::types` spelling, `normalize::expr` canonical text, `normalize::names` classification).

use std::collections::BTreeMap;

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::db::{is_plinth_table, Inspected};
use crate::error::{Error, Result};
use crate::model::{
    Check, Column, ColumnType, Deferrable, Dialect, EnumType, Exclusion, Expression, FkAction,
    ForeignKey, Generated, Identity, Index, IndexKey, IndexPart, PrimaryKey, Schema,
    SequenceOptions, Table, Unique,
};
use crate::normalize::expr::canonical_text;
use crate::normalize::names::{classify, Kind};

const PG: Dialect = Dialect::Postgres;

/// Column names by (table oid, attribute number).
type Attnames = BTreeMap<(i64, i32), String>;

/// The name of attribute number `num` of table `oid`.
fn attname(names: &Attnames, oid: i64, num: i16, what: &str) -> Result<String> {
    names.get(&(oid, i32::from(num))).cloned().ok_or_else(|| {
        Error::database(
            "reading the PostgreSQL catalog",
            format!("{what} names column number {num}, which was not read"),
        )
    })
}

fn attnames(names: &Attnames, oid: i64, nums: &[i16], what: &str) -> Result<Vec<String>> {
    nums.iter().map(|n| attname(names, oid, *n, what)).collect()
}

/// Ordinary and partitioned tables of the managed schema (partitions belong to their parent).
const TABLES: &str = "
SELECT c.oid::int8 AS oid, c.relname::text AS name, ds.description AS comment
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass
  AND ds.objsubid = 0
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition";

/// Every column of those tables (in no particular order: sorting here costs more than in Rust).
/// Catalog functions are called only where needed: deparsing is the expensive part, and a
/// default that names no column is deparsed without opening its table (ten times cheaper).
const COLUMNS: &str = "
SELECT a.attrelid::int8 AS table_oid, a.attnum::int4 AS num, a.attname::text AS name,
       format_type(a.atttypid, a.atttypmod) AS ty, a.attnotnull AS not_null,
       CASE WHEN d.adbin::text LIKE '%{VAR %' THEN pg_get_expr(d.adbin, d.adrelid)
            ELSE pg_get_expr(d.adbin, 0) END AS default_expr,
       a.attidentity::text AS identity, a.attgenerated::text AS generated,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname::text END AS collation,
       ds.description AS comment
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_description ds ON ds.objoid = a.attrelid AND ds.classoid = 'pg_class'::regclass
  AND ds.objsubid = a.attnum
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped";

/// Sequences owned by a column: `a` (auto) for serial columns, `i` (internal) for identities.
const SEQUENCES: &str = "
SELECT d.refobjid::int8 AS table_oid, d.refobjsubid::int4 AS num, d.deptype::text AS deptype,
       s.relname::text AS seq_name, format_type(q.seqtypid, NULL) AS seq_type,
       q.seqstart, q.seqincrement, q.seqmax, q.seqmin, q.seqcache, q.seqcycle
FROM pg_depend d
JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_sequence q ON q.seqrelid = s.oid
JOIN pg_class c ON c.oid = d.refobjid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
  AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
  AND n.nspname = current_schema() AND c.relkind IN ('r', 'p')
ORDER BY 1, 2, 4";

/// Key columns come as attribute numbers, named from the columns already read; a foreign key
/// to a table outside the schema names its referenced columns itself. `NULLS NOT DISTINCT`
/// (PostgreSQL 15+) is read where the server has it (see [`for_server`]).
const CONSTRAINTS: &str = "
SELECT con.conrelid::int8 AS table_oid, con.conname::text AS name, con.contype::text AS kind,
       con.conkey::int2[] AS attnums, con.confrelid::int8 AS ref_oid, fc.relname::text AS ref_table,
       con.confkey::int2[] AS ref_attnums,
       CASE WHEN fc.relnamespace <> c.relnamespace THEN
         ARRAY(SELECT a.attname::text
               FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
               ORDER BY k.ord)
       END AS ref_names,
       con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
       con.condeferrable AS deferrable, con.condeferred AS deferred,
       CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END AS check_expr,
       con.confmatchtype::text AS match_type, con.connoinherit AS no_inherit,
       CASE WHEN con.contype = 'u' THEN
         (SELECT {NULLS_NOT_DISTINCT_IX}
          FROM pg_index ix WHERE ix.indexrelid = con.conindid)
       END AS nulls_not_distinct,
       ds.description AS comment
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_description ds ON ds.objoid = con.oid AND ds.classoid = 'pg_constraint'::regclass
  AND ds.objsubid = 0
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
  AND con.contype IN ('p', 'u', 'f', 'c')";

/// Indexes that do not back a primary key or unique constraint (those behind an exclusion
/// constraint come with its operators, deferrability and comment). Per key column:
/// the attribute number (0 for an expression, whose text is then asked for), the DESC bit, the
/// collation when it differs from the column's and the operator class when it is not the
/// default (each looked up only when some key needs it). `INCLUDE` columns follow the keys in
/// `indkey`; `NULLS NOT DISTINCT` (15+) is read where the server has it (see [`for_server`]).
const INDEXES: &str = "
SELECT i.indrelid::int8 AS table_oid, ic.relname::text AS name, i.indisunique AS is_unique,
       i.indnkeyatts::int4 AS nkeys, i.indnatts::int4 AS natts,
       string_to_array(i.indkey::text, ' ')::int2[] AS attnums,
       string_to_array(i.indoption::text, ' ')::int2[] AS options,
       CASE WHEN 0 = ANY (i.indkey::int2[]) THEN
         ARRAY(SELECT CASE WHEN i.indkey[k] = 0 THEN pg_get_indexdef(i.indexrelid, k + 1, true) END
               FROM generate_series(0, i.indnkeyatts - 1) k ORDER BY k)
       END AS keys,
       CASE WHEN EXISTS (SELECT 1 FROM unnest(i.indcollation::oid[]) x WHERE x NOT IN (0, 100)) THEN
         ARRAY(SELECT coalesce(co.collname::text, '')
               FROM generate_series(0, i.indnkeyatts - 1) k
               LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k]
               LEFT JOIN pg_collation co ON co.oid = i.indcollation[k]
                 AND i.indkey[k] <> 0 AND i.indcollation[k] <> a.attcollation
               ORDER BY k)
       END AS collations,
       CASE WHEN EXISTS (SELECT 1 FROM unnest(i.indclass::oid[]) x
                         JOIN pg_opclass o ON o.oid = x WHERE NOT o.opcdefault) THEN
         ARRAY(SELECT CASE WHEN o.opcdefault THEN '' ELSE o.opcname::text END
               FROM generate_series(0, i.indnkeyatts - 1) k
               JOIN pg_opclass o ON o.oid = i.indclass[k]
               ORDER BY k)
       END AS opclasses,
       pg_get_expr(i.indpred, i.indrelid) AS predicate,
       am.amname::text AS method,
       CASE WHEN xc.oid IS NULL THEN ds.description ELSE xd.description END AS comment,
       ic.reloptions::text[] AS reloptions,
       CASE WHEN xc.oid IS NOT NULL THEN
         ARRAY(SELECT op.oprname::text
               FROM unnest(xc.conexclop) WITH ORDINALITY e(opr, ord)
               JOIN pg_operator op ON op.oid = e.opr
               ORDER BY e.ord)
       END AS exclusion_ops,
       coalesce(xc.condeferrable, false) AS deferrable, coalesce(xc.condeferred, false) AS deferred,
       CASE WHEN i.indisunique THEN {NULLS_NOT_DISTINCT_I} END
         AS nulls_not_distinct
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
LEFT JOIN pg_description ds ON ds.objoid = i.indexrelid AND ds.classoid = 'pg_class'::regclass
  AND ds.objsubid = 0
LEFT JOIN pg_constraint xc ON xc.conindid = i.indexrelid AND xc.conrelid = i.indrelid
  AND xc.contype = 'x'
LEFT JOIN pg_description xd ON xd.objoid = xc.oid AND xd.classoid = 'pg_constraint'::regclass
  AND xd.objsubid = 0
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u'))";

const ENUMS: &str = "
SELECT t.typname::text AS name,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid
             ORDER BY e.enumsortorder) AS labels
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = current_schema() AND t.typtype = 'e'";

/// Read every table of the default schema (plinth's own `plinth_*` tables excepted).
pub async fn inspect(conn: &mut PgConnection) -> Result<Inspected> {
    inspect_with(conn, None).await
}

/// The same inspection on two connections that share one snapshot (as `pg_dump --jobs`
/// does): the constraint query, the server's most expensive, runs on `second` while `conn`
/// reads the rest. For read-only commands; `apply` inspects inside its own transaction.
pub async fn inspect_concurrently(
    conn: &mut PgConnection,
    second: &mut PgConnection,
) -> Result<Inspected> {
    let fail = |e: sqlx::Error| Error::database("sharing a catalog snapshot", e);
    sqlx::raw_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *conn)
        .await
        .map_err(fail)?;
    let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
        .fetch_one(&mut *conn)
        .await
        .map_err(fail)?;
    sqlx::raw_sql(&format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '{}'",
        snapshot.replace('\'', "''")
    ))
    .execute(&mut *second)
    .await
    .map_err(fail)?;
    let result = inspect_with(conn, Some(second)).await;
    let _ = sqlx::raw_sql("COMMIT").execute(&mut *second).await;
    let _ = sqlx::raw_sql("COMMIT").execute(&mut *conn).await;
    result
}

async fn inspect_with(
    conn: &mut PgConnection,
    second: Option<&mut PgConnection>,
) -> Result<Inspected> {
    let version = conn.server_version_num().unwrap_or(0);
    let constraints = for_server(CONSTRAINTS, version);
    let (mut queries, mut side_queries) = (0, 0);
    let (read, early_constraints) = match second {
        Some(other) => {
            let (read, rows) = tokio::join!(
                read_columns(conn, &mut queries),
                fetch(other, &mut side_queries, &constraints, "constraints")
            );
            (read?, Some(rows?))
        }
        None => (read_columns(conn, &mut queries).await?, None),
    };
    let (mut tables, names, mut texts) = read;
    let constraint_rows = match early_constraints {
        Some(rows) => rows,
        None => fetch(conn, &mut queries, &constraints, "constraints").await?,
    };
    for row in &constraint_rows {
        let oid: i64 = get(row, "table_oid")?;
        let Some(table) = tables.get_mut(&oid) else {
            continue;
        };
        constraint(row, oid, table, &names, &mut texts)?;
    }
    drop(constraint_rows);

    let indexes = for_server(INDEXES, version);
    for row in &fetch(conn, &mut queries, &indexes, "indexes").await? {
        let oid: i64 = get(row, "table_oid")?;
        let Some(table) = tables.get_mut(&oid) else {
            continue;
        };
        let index = index(row, oid, &table.name, &names, &mut texts)?;
        table.indexes.push(index);
    }

    let mut schema = Schema::default();
    for row in &fetch(conn, &mut queries, ENUMS, "enum types").await? {
        let name: String = get(row, "name")?;
        let values = get(row, "labels")?;
        schema.enums.insert(name.clone(), EnumType { name, values });
    }
    schema.tables = tables.into_values().map(|t| (t.name.clone(), t)).collect();
    crate::normalize::finish(PG, &mut schema);
    Ok(Inspected {
        schema,
        queries: queries + side_queries,
    })
}

/// Tables, owned sequences and columns, folded. Each result set is folded into the schema and
/// dropped before the next is read, so the rows of only one query are in memory at a time.
async fn read_columns(
    conn: &mut PgConnection,
    queries: &mut usize,
) -> Result<(BTreeMap<i64, Table>, Attnames, Texts)> {
    let mut tables: BTreeMap<i64, Table> = BTreeMap::new();
    for row in &fetch(conn, queries, TABLES, "tables").await? {
        let name: String = get(row, "name")?;
        if is_plinth_table(&name) {
            continue;
        }
        let mut table = Table::new(name);
        table.comment = get(row, "comment")?;
        tables.insert(get(row, "oid")?, table);
    }

    let mut sequences: BTreeMap<(i64, i32), OwnedSequence> = BTreeMap::new();
    for row in &fetch(conn, queries, SEQUENCES, "sequences").await? {
        let key = (get(row, "table_oid")?, get(row, "num")?);
        sequences.entry(key).or_insert(OwnedSequence::read(row)?);
    }

    let mut texts = Texts::default();
    // Column names by (table, attribute number), for the keys of constraints and indexes.
    let mut names: Attnames = BTreeMap::new();
    {
        let column_rows = fetch(conn, queries, COLUMNS, "columns").await?;
        let mut columns = Vec::with_capacity(column_rows.len());
        for row in &column_rows {
            let key: (i64, i32) = (get(row, "table_oid")?, get(row, "num")?);
            names.insert(key, get(row, "name")?);
            columns.push((key, row));
        }
        columns.sort_by_key(|(key, _)| *key);
        for (key, row) in columns {
            let Some(table) = tables.get_mut(&key.0) else {
                continue;
            };
            let column = column(row, &table.name, sequences.get(&key), &mut texts)?;
            table.columns.push(column);
        }
    }

    Ok((tables, names, texts))
}

/// `pg_index.indnullsnotdistinct` exists from PostgreSQL 15 on; older servers answer NULL.
/// (Reading it through `to_jsonb` on every server cost a third of the constraint query.)
fn for_server(sql: &str, version: u32) -> String {
    let (ix, i) = if version >= 150_000 {
        ("ix.indnullsnotdistinct", "i.indnullsnotdistinct")
    } else {
        ("NULL::bool", "NULL::bool")
    };
    sql.replace("{NULLS_NOT_DISTINCT_IX}", ix)
        .replace("{NULLS_NOT_DISTINCT_I}", i)
}

async fn fetch(
    conn: &mut PgConnection,
    queries: &mut usize,
    sql: &str,
    what: &str,
) -> Result<Vec<PgRow>> {
    *queries += 1;
    sqlx::query(sql)
        .fetch_all(conn)
        .await
        .map_err(|e| Error::database(format!("reading {what} from the PostgreSQL catalog"), e))
}

fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column)
        .map_err(|e| Error::database("decoding a PostgreSQL catalog row", e))
}

/// Canonical texts of the expressions the catalog printed, each text parsed once: schemas
/// repeat the same defaults (`0`, `true`, `now()`) over and over.
#[derive(Default)]
struct Texts {
    canonical: BTreeMap<String, Expression>,
}

impl Texts {
    fn canonical(&mut self, text: &str, table: &str, what: &str) -> Result<Expression> {
        if let Some(done) = self.canonical.get(text) {
            return Ok(done.clone());
        }
        let done = canonical_text(PG, text)
            .map_err(|e| Error::database(format!("reading the {what} of table `{table}`"), e))?;
        self.canonical.insert(text.to_string(), done.clone());
        Ok(done)
    }
}

/// A sequence owned by a column: the column's serial sequence or its identity sequence.
struct OwnedSequence {
    /// `a`: serial (owned by the column), `i`: identity.
    deptype: String,
    name: String,
    ty: String,
    start: i64,
    increment: i64,
    max: i64,
    min: i64,
    cache: i64,
    cycle: bool,
}

impl OwnedSequence {
    fn read(row: &PgRow) -> Result<OwnedSequence> {
        Ok(OwnedSequence {
            deptype: get(row, "deptype")?,
            name: get(row, "seq_name")?,
            ty: get(row, "seq_type")?,
            start: get(row, "seqstart")?,
            increment: get(row, "seqincrement")?,
            max: get(row, "seqmax")?,
            min: get(row, "seqmin")?,
            cache: get(row, "seqcache")?,
            cycle: get(row, "seqcycle")?,
        })
    }

    /// The identity options, with every value equal to PostgreSQL's default (which depends on
    /// the sequence type and direction) left out, as the SQL side leaves out what it was not told.
    fn options(&self) -> SequenceOptions {
        let (type_min, type_max) = match self.ty.as_str() {
            "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
            "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
            _ => (i64::MIN, i64::MAX),
        };
        let ascending = self.increment > 0;
        let (default_min, default_max) = if ascending {
            (1, type_max)
        } else {
            (type_min, -1)
        };
        let default_start = if ascending { self.min } else { self.max };
        let unless = |value: i64, default: i64| (value != default).then_some(value);
        let mut options = SequenceOptions {
            start: unless(self.start, default_start),
            increment: unless(self.increment, 1),
            min_value: unless(self.min, default_min),
            max_value: unless(self.max, default_max),
            cache: unless(self.cache, 1),
            cycle: self.cycle,
        };
        options.normalize();
        options
    }
}

fn column(
    row: &PgRow,
    table: &str,
    sequence: Option<&OwnedSequence>,
    texts: &mut Texts,
) -> Result<Column> {
    let name: String = get(row, "name")?;
    let mut column = Column::new(name.clone(), ColumnType::new(PG, get::<String>(row, "ty")?));
    column.nullable = !get::<bool>(row, "not_null")?;
    column.collation = get(row, "collation")?;
    column.comment = get(row, "comment")?;
    let default: Option<String> = get(row, "default_expr")?;
    let identity: String = get(row, "identity")?;
    let generated: String = get(row, "generated")?;
    match (identity.as_str(), generated.as_str()) {
        ("a" | "d", _) => {
            let options = sequence.map(OwnedSequence::options).unwrap_or_default();
            column.identity = Some(if identity == "a" {
                Identity::Always(options)
            } else {
                Identity::ByDefault(options)
            });
        }
        (_, "s") => {
            let expr = default.as_deref().unwrap_or_default();
            column.generated = Some(Generated {
                expr: texts.canonical(expr, table, &format!("generated column `{name}`"))?,
                stored: true,
            });
        }
        _ => {
            let serial = match (&default, sequence) {
                (Some(d), Some(seq)) => seq.deptype == "a" && is_nextval_of(d, &seq.name),
                _ => false,
            };
            if serial {
                column.identity = Some(Identity::Serial);
            } else if let Some(d) = &default {
                column.default =
                    Some(texts.canonical(d, table, &format!("default of column `{name}`"))?);
            }
        }
    }
    Ok(column)
}

/// Is `default` the `nextval('seq'::regclass)` that a serial column gets?
fn is_nextval_of(default: &str, sequence: &str) -> bool {
    let Some(arg) = default
        .strip_prefix("nextval('")
        .and_then(|r| r.strip_suffix("'::regclass)"))
    else {
        return false;
    };
    let arg = arg.replace("''", "'");
    let last = arg.rsplit_once('.').map_or(arg.as_str(), |(_, l)| l);
    last == sequence || last.trim_matches('"').replace("\"\"", "\"") == sequence
}

fn constraint(
    row: &PgRow,
    oid: i64,
    table: &mut Table,
    names: &Attnames,
    texts: &mut Texts,
) -> Result<()> {
    let name: String = get(row, "name")?;
    let kind: String = get(row, "kind")?;
    let what = format!("constraint `{name}` of `{}`", table.name);
    let attnums: Option<Vec<i16>> = get(row, "attnums")?;
    let columns = attnames(names, oid, &attnums.unwrap_or_default(), &what)?;
    let first = columns.first().map(String::as_str);
    let deferrable = deferrable(row)?;
    let comment: Option<String> = get(row, "comment")?;
    match kind.as_str() {
        "p" => {
            table.primary_key = Some(PrimaryKey {
                name: classify(PG, &table.name, Kind::PrimaryKey, Some(name), None),
                columns,
                deferrable,
                comment,
            })
        }
        "u" => table.uniques.push(Unique {
            name: classify(PG, &table.name, Kind::Unique, Some(name), first),
            columns,
            nulls_not_distinct: get::<Option<bool>>(row, "nulls_not_distinct")?.unwrap_or(false),
            deferrable,
            comment,
        }),
        "f" => {
            let ref_columns = match get::<Option<Vec<String>>>(row, "ref_names")? {
                Some(outside) => outside,
                None => {
                    let nums: Option<Vec<i16>> = get(row, "ref_attnums")?;
                    let ref_oid: i64 = get(row, "ref_oid")?;
                    attnames(names, ref_oid, &nums.unwrap_or_default(), &what)?
                }
            };
            table.foreign_keys.push(ForeignKey {
                name: classify(PG, &table.name, Kind::ForeignKey, Some(name), first),
                ref_table: get::<Option<String>>(row, "ref_table")?.unwrap_or_default(),
                ref_columns,
                on_delete: fk_action(&get::<String>(row, "on_delete")?),
                on_update: fk_action(&get::<String>(row, "on_update")?),
                deferrable,
                columns,
                match_full: get::<String>(row, "match_type")? == "f",
                comment,
            });
        }
        "c" => {
            let text: Option<String> = get(row, "check_expr")?;
            let expr = texts.canonical(
                text.as_deref().unwrap_or_default(),
                &table.name,
                &format!("check constraint `{name}`"),
            )?;
            table.checks.push(Check {
                expr,
                name: classify(PG, &table.name, Kind::Check, Some(name), first),
                no_inherit: get(row, "no_inherit")?,
                comment,
            });
        }
        _ => {}
    }
    Ok(())
}

/// A constraint's `deferrable` and `deferred` flags.
fn deferrable(row: &PgRow) -> Result<Deferrable> {
    Ok(match (get(row, "deferrable")?, get(row, "deferred")?) {
        (true, true) => Deferrable::InitiallyDeferred,
        (true, false) => Deferrable::InitiallyImmediate,
        (false, _) => Deferrable::NotDeferrable,
    })
}

fn fk_action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

fn index(row: &PgRow, oid: i64, table: &str, names: &Attnames, texts: &mut Texts) -> Result<Index> {
    let name: String = get(row, "name")?;
    let what = format!("index `{name}` of `{table}`");
    let nkeys = usize::try_from(get::<i32>(row, "nkeys")?).unwrap_or_default();
    let attnums: Vec<i16> = get(row, "attnums")?;
    let options: Vec<i16> = get(row, "options")?;
    let keys: Vec<Option<String>> = get::<Option<_>>(row, "keys")?.unwrap_or_default();
    let collations: Vec<String> = get::<Option<_>>(row, "collations")?.unwrap_or_default();
    let opclasses: Vec<String> = get::<Option<_>>(row, "opclasses")?.unwrap_or_default();
    let mut parts = Vec::with_capacity(nkeys);
    for (k, attnum) in attnums.iter().take(nkeys).enumerate() {
        let key = if *attnum != 0 {
            IndexKey::Column(attname(names, oid, *attnum, &what)?)
        } else {
            let text = keys.get(k).cloned().flatten().unwrap_or_default();
            IndexKey::Expr(texts.canonical(&text, table, &format!("key of {what}"))?)
        };
        let collation = collations.get(k).cloned().unwrap_or_default();
        let opclass = opclasses.get(k).cloned().unwrap_or_default();
        parts.push(IndexPart {
            key,
            // indoption bit 0: DESC.
            descending: options.get(k).is_some_and(|o| o & 1 == 1),
            prefix: None,
            collation: (!collation.is_empty()).then_some(collation),
            opclass: (!opclass.is_empty()).then_some(opclass),
        });
    }
    let natts = usize::try_from(get::<i32>(row, "natts")?).unwrap_or_default();
    let include = attnums
        .iter()
        .take(natts)
        .skip(nkeys)
        .map(|n| attname(names, oid, *n, &what))
        .collect::<Result<Vec<_>>>()?;
    let storage = get::<Option<Vec<String>>>(row, "reloptions")?
        .unwrap_or_default()
        .into_iter()
        .map(|o| match o.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (o, String::new()),
        })
        .collect();
    let first = IndexPart::leading_column(&parts);
    let predicate: Option<String> = get(row, "predicate")?;
    let method: String = get(row, "method")?;
    Ok(Index {
        unique: get(row, "is_unique")?,
        predicate: predicate
            .map(|p| texts.canonical(&p, table, &format!("predicate of index `{name}`")))
            .transpose()?,
        method: (method != "btree").then_some(method),
        comment: get(row, "comment")?,
        include,
        storage,
        nulls_not_distinct: get::<Option<bool>>(row, "nulls_not_distinct")?.unwrap_or(false),
        exclude: get::<Option<Vec<String>>>(row, "exclusion_ops")?
            .map(|operators| -> Result<Exclusion> {
                Ok(Exclusion {
                    operators,
                    deferrable: deferrable(row)?,
                })
            })
            .transpose()?,
        ..Index::new(
            classify(PG, table, Kind::Index, Some(name.clone()), first),
            parts,
        )
    })
}

#[cfg(test)]
mod tests;
