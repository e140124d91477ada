//! PostgreSQL: catalog inspection (bulk queries) into the canonical IR.
//!
//! Six queries read the whole managed schema (`current_schema()`), each filtered by namespace,
//! never by a list of tables: tables, columns, owned sequences, constraints, indexes, enum types.
//! The rows are then folded into the same [`Schema`] the SQL lowering builds, through the same
//! normalizers (`sql::types` spelling, `sql::expr` canonical text, `sql::names` classification).

use std::collections::BTreeMap;

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::{is_plinth_table, Inspected};
use crate::error::{Error, Result};
use crate::model::{
    Check, Column, Deferrable, Dialect, EnumType, FkAction, ForeignKey, Generated, Identity, Index,
    IndexKey, IndexPart, PrimaryKey, Schema, SequenceOptions, Table, Unique,
};
use crate::sql::expr::canonical_text;
use crate::sql::names::{classify, Kind};

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
/// to a table outside the schema names its referenced columns itself.
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
       CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END AS check_expr
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
  AND con.contype IN ('p', 'u', 'f', 'c')";

/// Indexes that do not back a primary key, unique or exclusion constraint. Per key column:
/// the attribute number (0 for an expression, whose text is then asked for), the DESC bit, and
/// the collation when it differs from the column's (looked up only when one is not the default).
const INDEXES: &str = "
SELECT i.indrelid::int8 AS table_oid, ic.relname::text AS name, i.indisunique AS is_unique,
       i.indnkeyatts::int4 AS nkeys,
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
       pg_get_expr(i.indpred, i.indrelid) AS predicate,
       am.amname::text AS method,
       ds.description AS comment
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
LEFT JOIN pg_description ds ON ds.objoid = i.indexrelid AND ds.classoid = 'pg_class'::regclass
  AND ds.objsubid = 0
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))";

const ENUMS: &str = "
SELECT t.typname::text AS name,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid
             ORDER BY e.enumsortorder) AS labels
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = current_schema() AND t.typtype = 'e'";

/// Read every table of the default schema (plinth's own `plinth_*` tables excepted).
pub async fn inspect(conn: &mut PgConnection) -> Result<Inspected> {
    let mut queries = 0;
    let table_rows = fetch(conn, &mut queries, TABLES, "tables").await?;
    let column_rows = fetch(conn, &mut queries, COLUMNS, "columns").await?;
    let sequence_rows = fetch(conn, &mut queries, SEQUENCES, "sequences").await?;
    let constraint_rows = fetch(conn, &mut queries, CONSTRAINTS, "constraints").await?;
    let index_rows = fetch(conn, &mut queries, INDEXES, "indexes").await?;
    let enum_rows = fetch(conn, &mut queries, ENUMS, "enum types").await?;

    let mut tables: BTreeMap<i64, Table> = BTreeMap::new();
    for row in &table_rows {
        let name: String = get(row, "name")?;
        if is_plinth_table(&name) {
            continue;
        }
        let mut table = Table::new(name);
        table.comment = get(row, "comment")?;
        tables.insert(get(row, "oid")?, table);
    }

    let mut sequences: BTreeMap<(i64, i32), OwnedSequence> = BTreeMap::new();
    for row in &sequence_rows {
        let key = (get(row, "table_oid")?, get(row, "num")?);
        sequences.entry(key).or_insert(OwnedSequence::read(row)?);
    }

    let mut texts = Texts::default();
    // Column names by (table, attribute number), for the keys of constraints and indexes.
    let mut names: Attnames = BTreeMap::new();
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

    for row in &constraint_rows {
        let oid: i64 = get(row, "table_oid")?;
        let Some(table) = tables.get_mut(&oid) else {
            continue;
        };
        constraint(row, oid, table, &names, &mut texts)?;
    }

    for row in &index_rows {
        let oid: i64 = get(row, "table_oid")?;
        let Some(table) = tables.get_mut(&oid) else {
            continue;
        };
        let index = index(row, oid, &table.name, &names, &mut texts)?;
        table.indexes.push(index);
    }

    let mut schema = Schema::default();
    for row in &enum_rows {
        let name: String = get(row, "name")?;
        let values = get(row, "labels")?;
        schema.enums.insert(name.clone(), EnumType { name, values });
    }
    schema.tables = tables.into_values().map(|t| (t.name.clone(), t)).collect();
    crate::sql::finish(PG, &mut schema);
    Ok(Inspected { schema, queries })
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

/// Canonical text of an expression the catalog printed.
/// Canonical texts of the expressions the catalog printed, each text parsed once: schemas
/// repeat the same defaults (`0`, `true`, `now()`) over and over.
#[derive(Default)]
struct Texts {
    canonical: BTreeMap<String, String>,
}

impl Texts {
    fn canonical(&mut self, text: &str, table: &str, what: &str) -> Result<String> {
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
    let mut column = Column::new(name.clone(), get::<String>(row, "ty")?);
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
    match kind.as_str() {
        "p" => {
            table.primary_key = Some(PrimaryKey {
                name: classify(PG, &table.name, Kind::PrimaryKey, Some(name), None),
                columns,
            })
        }
        "u" => table.uniques.push(Unique {
            name: classify(PG, &table.name, Kind::Unique, Some(name), first),
            columns,
        }),
        "f" => {
            let deferrable = match (get(row, "deferrable")?, get(row, "deferred")?) {
                (true, true) => Deferrable::InitiallyDeferred,
                (true, false) => Deferrable::InitiallyImmediate,
                (false, _) => Deferrable::NotDeferrable,
            };
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
            });
        }
        _ => {}
    }
    Ok(())
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
    let mut parts = Vec::with_capacity(nkeys);
    for (k, attnum) in attnums.iter().take(nkeys).enumerate() {
        let key = if *attnum != 0 {
            IndexKey::Column(attname(names, oid, *attnum, &what)?)
        } else {
            let text = keys.get(k).cloned().flatten().unwrap_or_default();
            IndexKey::Expr(texts.canonical(&text, table, &format!("key of {what}"))?)
        };
        let collation = collations.get(k).cloned().unwrap_or_default();
        parts.push(IndexPart {
            key,
            // indoption bit 0: DESC.
            descending: options.get(k).is_some_and(|o| o & 1 == 1),
            prefix: None,
            collation: (!collation.is_empty()).then_some(collation),
        });
    }
    let first = match parts.first().map(|p| &p.key) {
        Some(IndexKey::Column(c)) => Some(c.as_str()),
        _ => None,
    };
    let predicate: Option<String> = get(row, "predicate")?;
    let method: String = get(row, "method")?;
    Ok(Index {
        name: classify(PG, table, Kind::Index, Some(name.clone()), first),
        unique: get(row, "is_unique")?,
        predicate: predicate
            .map(|p| texts.canonical(&p, table, &format!("predicate of index `{name}`")))
            .transpose()?,
        method: (method != "btree").then_some(method),
        comment: get(row, "comment")?,
        parts,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use sqlx::Connection;

    use super::*;
    use crate::sql::parse_file;

    /// Each snippet is applied to an empty schema, inspected, and compared with its own parse.
    const BATTERY: &[&str] = &[
        // Type aliases.
        "CREATE TABLE t (a int4, b integer, c int, d int8, e bigint, f int2, g smallint)",
        "CREATE TABLE t (a varchar(20), b character varying(20), c varchar, d text, e char(3), f char, g character(2))",
        "CREATE TABLE t (a bool, b boolean, c float8, d double precision, e float4, f real, g float, h float(10))",
        "CREATE TABLE t (a numeric(10,2), b decimal(10,2), c numeric, d decimal(8), e numeric(5,0))",
        "CREATE TABLE t (a timestamptz, b timestamp with time zone, c timestamp, d timestamp(3), e timestamptz(0), f date, g time, h timetz, i interval)",
        "CREATE TABLE t (a uuid, b json, c jsonb, d bytea, e inet, f bit(3), g varbit(5), h bit varying, i money)",
        "CREATE TABLE t (a int[], b text[], c varchar(10)[], d numeric(10,2)[], e integer[][])",
        // Serial and identity.
        "CREATE TABLE t (id serial PRIMARY KEY, name text)",
        "CREATE TABLE t (id bigserial PRIMARY KEY, s smallserial, u serial4, v serial8)",
        "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY)",
        "CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY, x int)",
        "CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY (INCREMENT BY 5 START WITH 100))",
        "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY (MINVALUE 10 MAXVALUE 1000 CACHE 20 CYCLE))",
        "CREATE TABLE t (id smallint GENERATED ALWAYS AS IDENTITY (INCREMENT BY -1))",
        "CREATE TABLE \"Mixed\" (\"Id\" serial PRIMARY KEY, \"Name\" text NOT NULL)",
        // Defaults.
        "CREATE TABLE t (a int DEFAULT 0, b int DEFAULT -1, c bigint DEFAULT -1, d bigint DEFAULT 3000000000, e numeric(10,2) DEFAULT -1.5, f numeric(10,2) DEFAULT 0.00, g real DEFAULT 0.5, h double precision DEFAULT -2.5)",
        "CREATE TABLE t (a boolean DEFAULT true, b bool DEFAULT FALSE, c boolean NOT NULL DEFAULT false)",
        "CREATE TABLE t (a text DEFAULT 'it''s', b varchar(10) DEFAULT 'x', c text DEFAULT '', d char(2) DEFAULT 'ab', e varchar DEFAULT 'x'::character varying)",
        "CREATE TABLE t (a timestamptz DEFAULT now(), b timestamp DEFAULT CURRENT_TIMESTAMP, c date DEFAULT CURRENT_DATE, d timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        "CREATE TABLE t (a int[] DEFAULT '{}', b text[] DEFAULT '{}'::text[], c jsonb DEFAULT '{}'::jsonb, d json DEFAULT '[]')",
        "CREATE TABLE t (a int DEFAULT (1 + 2), b numeric DEFAULT 0::numeric, c text DEFAULT lower('X'), d uuid DEFAULT gen_random_uuid())",
        // Generated columns.
        "CREATE TABLE t (price numeric(10,2), qty int, total numeric GENERATED ALWAYS AS (price * qty) STORED)",
        "CREATE TABLE t (first text, last text, full_name text GENERATED ALWAYS AS (first || ' ' || last) STORED)",
        // Primary keys, uniques.
        "CREATE TABLE t (a int, b int, PRIMARY KEY (a, b))",
        "CREATE TABLE t (a int CONSTRAINT my_pk PRIMARY KEY, b int CONSTRAINT b_uniq UNIQUE)",
        "CREATE TABLE t (a int UNIQUE, b int, c int, UNIQUE (b, c), CONSTRAINT t_named UNIQUE (c, a))",
        // Checks.
        "CREATE TABLE t (price numeric(10,2) CHECK (price > 0), qty int CHECK (qty >= 0 AND qty < 1000))",
        "CREATE TABLE t (status varchar(10) CHECK (status IN ('new', 'done')), kind text CHECK (kind IN ('a', 'b')), n int CHECK (n IN (1, 2, 3)))",
        "CREATE TABLE t (status varchar(10), CONSTRAINT status_ok CHECK (status NOT IN ('x', 'y')))",
        "CREATE TABLE t (a int, b int, CHECK (a < b), CHECK ((a > 0) OR (b > 0)))",
        "CREATE TABLE t (n int CHECK (n BETWEEN 1 AND 10), m int CHECK (m NOT BETWEEN 1 AND 10))",
        "CREATE TABLE t (name varchar(20) CHECK (name LIKE 'a%'), code text CHECK (code ILIKE 'x%' AND code NOT LIKE '%z'))",
        "CREATE TABLE t (active boolean CHECK (active = true), flag boolean, CHECK (flag OR active), CHECK (NOT flag))",
        "CREATE TABLE t (n int CHECK (n > -1), x numeric CHECK (x <> 0.5), c varchar(5) CHECK (c <> ''))",
        "CREATE TABLE t (name text CHECK (length(name) > 0), v varchar(9) CHECK (char_length(v) = 9), e text CHECK (e IS NOT NULL))",
        "CREATE TABLE t (a int, b int CHECK (b IS NULL OR b > a))",
        // Foreign keys.
        "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p)",
        "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (p_id int REFERENCES p (id) ON DELETE CASCADE ON UPDATE SET NULL)",
        "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (p_id int, FOREIGN KEY (p_id) REFERENCES p ON DELETE RESTRICT ON UPDATE SET DEFAULT)",
        "CREATE TABLE p (a int, b int, PRIMARY KEY (a, b)); CREATE TABLE c (x int, y int, CONSTRAINT c_to_p FOREIGN KEY (y, x) REFERENCES p (b, a) ON DELETE SET NULL)",
        "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (p_id int REFERENCES p DEFERRABLE, q_id int REFERENCES p DEFERRABLE INITIALLY DEFERRED)",
        "CREATE TABLE t (id int PRIMARY KEY, parent int REFERENCES t (id))",
        "CREATE TABLE a (id int PRIMARY KEY, b_id int); CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a); ALTER TABLE a ADD CONSTRAINT a_b FOREIGN KEY (b_id) REFERENCES b",
        // Indexes.
        "CREATE TABLE t (a int, b text); CREATE INDEX ON t (a); CREATE INDEX t_b ON t (b, a)",
        "CREATE TABLE t (a int, b text); CREATE UNIQUE INDEX t_ab ON t (a, b); CREATE UNIQUE INDEX ON t (b)",
        "CREATE TABLE t (a int, b text); CREATE INDEX t_desc ON t (a DESC, b ASC)",
        "CREATE TABLE t (a int, d timestamptz); CREATE INDEX t_live ON t (a) WHERE d IS NULL; CREATE UNIQUE INDEX t_pos ON t (a) WHERE a > 0",
        "CREATE TABLE t (email varchar(100), n text); CREATE INDEX t_lower ON t (lower(email)); CREATE INDEX ON t ((n || 'x'), (length(n) + 1))",
        "CREATE TABLE t (doc jsonb, tags text[]); CREATE INDEX t_doc ON t USING gin (doc); CREATE INDEX t_tags ON t USING GIN (tags)",
        "CREATE TABLE t (a int); CREATE INDEX t_hash ON t USING hash (a); CREATE INDEX t_brin ON t USING brin (a)",
        "CREATE TABLE t (s varchar(10)); CREATE INDEX t_s ON t (s) WHERE s IN ('a', 'b')",
        "CREATE TABLE t (s text COLLATE \"C\"); CREATE INDEX t_c ON t (s COLLATE \"POSIX\")",
        // Enums.
        "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'); CREATE TABLE t (m mood DEFAULT 'ok', n mood NOT NULL, o mood[])",
        "CREATE TYPE \"Mood\" AS ENUM ('a', 'b'); CREATE TABLE t (m \"Mood\" DEFAULT 'a' CHECK (m <> 'b'))",
        "CREATE TYPE unused AS ENUM ('x'); CREATE TABLE t (a int)",
        // Comments and collations.
        "CREATE TABLE t (a int, b text); COMMENT ON TABLE t IS 'the table'; COMMENT ON COLUMN t.a IS 'it''s a'",
        "CREATE TABLE t (a text COLLATE \"C\", b varchar(10) COLLATE \"POSIX\", c text)",
        // Case and quoting.
        "CREATE TABLE Users (ID int PRIMARY KEY, Email TEXT UNIQUE, \"Nick\" text CHECK (\"Nick\" <> ''))",
        "CREATE TABLE \"Order\" (\"Id\" int PRIMARY KEY, qty int CHECK (qty > 0)); CREATE INDEX \"Order_qty\" ON \"Order\" (qty)",
        // A realistic table with everything.
        "CREATE TABLE customers (id bigserial PRIMARY KEY, email varchar(255) NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now());
         CREATE TABLE orders (
           id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
           customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
           status varchar(20) NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'paid', 'shipped')),
           total numeric(10,2) NOT NULL DEFAULT 0 CHECK (total >= 0),
           note text,
           UNIQUE (customer_id, id)
         );
         CREATE INDEX orders_open ON orders (customer_id, status) WHERE status <> 'shipped';
         COMMENT ON TABLE orders IS 'orders placed';",
        // More expressions.
        "CREATE TABLE t (code varchar(10) CHECK (code ~ '^[A-Z]+$'), a int, b int CHECK (a IS DISTINCT FROM b), c int CHECK (CASE WHEN c > 0 THEN true ELSE false END))",
        "CREATE TABLE t (a timestamptz DEFAULT (now() AT TIME ZONE 'utc'), b timestamptz DEFAULT date_trunc('day', now()), c timestamptz DEFAULT now() + interval '1 day', d text DEFAULT CURRENT_USER)",
        "CREATE TABLE t (a real DEFAULT -0.5, b double precision DEFAULT 1.0, c numeric DEFAULT 0, d smallint DEFAULT -1, e text[] DEFAULT ARRAY['a', 'b'], f int[] DEFAULT ARRAY[]::int[])",
        "CREATE TYPE mood AS ENUM ('a', 'b', 'c'); CREATE TABLE t (m mood CHECK (m IN ('a', 'b')), n mood DEFAULT 'c'::mood)",
        "CREATE TABLE t (a int, b int, CHECK (coalesce(a, 0) + coalesce(b, 0) > 0), CHECK (a::numeric / 2 > 1), CHECK (CAST(b AS text) <> 'x'))",
        "CREATE TABLE t (\"order\" int CHECK (\"order\" > 0), \"user\" text, \"Select\" int)",
        "CREATE TABLE t (a text, b int); CREATE INDEX t_x ON t (lower(a) DESC, b); CREATE INDEX t_y ON t ((b * 2)) WHERE a LIKE 'x%'",
        "CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE); CREATE TABLE c (code text REFERENCES p (code) ON UPDATE CASCADE)",
        "CREATE TABLE \"Parent\" (\"Id\" int PRIMARY KEY); CREATE TABLE child (pid int REFERENCES \"Parent\" (\"Id\"))",
        "CREATE TABLE t (id int GENERATED BY DEFAULT AS IDENTITY (INCREMENT BY 2 MINVALUE -100 MAXVALUE 100 START WITH 0 CACHE 1 NO CYCLE))",
        "CREATE TABLE a_very_long_table_name_that_goes_on_and_on_for_quite_a_while_x (a_rather_long_column_name int PRIMARY KEY, other_long_column_name int UNIQUE CHECK (other_long_column_name > 0) REFERENCES a_very_long_table_name_that_goes_on_and_on_for_quite_a_while_x)",
        "CREATE TABLE t (a int, b int, UNIQUE (a), UNIQUE (a, b), CHECK (a > 0), CHECK (a > 0 AND b > 0)); CREATE INDEX ON t (a); CREATE INDEX ON t (a, b)",
        // Typed literals, special strings, one-element lists.
        "CREATE TABLE t (a numeric DEFAULT numeric '1.5', b int DEFAULT int '1', c boolean DEFAULT boolean 'true', d date DEFAULT DATE '2024-12-31', e json DEFAULT JSON '{}', f bit(8) DEFAULT B'00011111', g bit(8) DEFAULT X'1F', h text DEFAULT E'a\\nb')",
        "CREATE TABLE t (s varchar(5) CHECK (s IN ('x')), n int CHECK (n NOT IN (1)), m int CHECK (m = ANY (ARRAY[0])), k text CHECK (k = SOME (ARRAY['a', 'b'])), j int CHECK (j >= ALL (ARRAY[1, 2])))",
        "CREATE TABLE t (a text DEFAULT ((now() AT TIME ZONE 'utc')::text), b int[] DEFAULT ARRAY[]::int[], c text DEFAULT CURRENT_TIMESTAMP::date::text)",
        // plinth's own tables are not inspected.
        "CREATE TABLE t (a int); CREATE TABLE plinth_history (id int)",
    ];

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }

    /// A database of its own, on the server named by `PLINTH_TEST_POSTGRES_URL`.
    struct TestDb {
        admin: PgConnection,
        name: String,
        url: String,
    }

    fn with_database(url: &str, name: &str) -> String {
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (url, String::new()),
        };
        let authority_start = base.find("://").map_or(0, |i| i + 3);
        let base = match base[authority_start..].find('/') {
            Some(slash) => &base[..authority_start + slash],
            None => base,
        };
        format!("{base}/{name}{query}")
    }

    async fn test_db() -> Option<TestDb> {
        let url = std::env::var("PLINTH_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres".into());
        let mut admin = match PgConnection::connect(&url).await {
            Ok(c) => c,
            Err(e) => {
                let required = std::env::var("PLINTH_REQUIRE_ENGINES")
                    .unwrap_or_default()
                    .split(',')
                    .any(|e| e.trim() == "postgres");
                assert!(!required, "PostgreSQL is required but unreachable: {e}");
                eprintln!("skipping: PostgreSQL unreachable (set PLINTH_TEST_POSTGRES_URL): {e}");
                return None;
            }
        };
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!(
            "plinth_t_{}_{}_{}",
            std::process::id(),
            nanos,
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let url = with_database(&url, &name);
        Some(TestDb { admin, name, url })
    }

    impl TestDb {
        async fn connect(&self) -> PgConnection {
            PgConnection::connect(&self.url).await.unwrap()
        }

        async fn drop(mut self) {
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            sqlx::raw_sql(&sql).execute(&mut self.admin).await.unwrap();
        }
    }

    fn desired(ddl: &str) -> Result<Schema> {
        let mut schema = parse_file(PG, "snippet.sql", ddl)?.schema;
        schema.retain_tables(|t| !is_plinth_table(t));
        crate::sql::finish(PG, &mut schema);
        Ok(schema)
    }

    /// An expression whose canonical text is not its own canonical text (the renderer writes
    /// the text back; reading it again must give the same).
    fn not_idempotent(schema: &Schema) -> Option<String> {
        let mut texts = Vec::new();
        for t in schema.tables.values() {
            for c in &t.columns {
                texts.extend(c.default.iter().cloned());
                texts.extend(c.generated.iter().map(|g| g.expr.clone()));
            }
            texts.extend(t.checks.iter().map(|c| c.expr.clone()));
            for i in &t.indexes {
                texts.extend(i.predicate.iter().cloned());
                texts.extend(i.parts.iter().filter_map(|p| match &p.key {
                    IndexKey::Expr(e) => Some(e.clone()),
                    IndexKey::Column(_) => None,
                }));
            }
        }
        texts
            .into_iter()
            .find(|t| canonical_text(PG, t).as_deref() != Ok(t.as_str()))
    }

    #[test]
    fn live_schema_equals_parsed_ddl() {
        block_on(async {
            let Some(db) = test_db().await else { return };
            let mut conn = db.connect().await;
            let mut failures = Vec::new();
            for ddl in BATTERY {
                let reset = "DROP SCHEMA public CASCADE; CREATE SCHEMA public;";
                sqlx::raw_sql(reset).execute(&mut conn).await.unwrap();
                if let Err(e) = sqlx::raw_sql(ddl).execute(&mut conn).await {
                    failures.push(format!("{ddl}\n  does not apply: {e}"));
                    continue;
                }
                let live = match inspect(&mut conn).await {
                    Ok(i) => i.schema,
                    Err(e) => {
                        failures.push(format!("{ddl}\n  inspection failed: {e}"));
                        continue;
                    }
                };
                let want = match desired(ddl) {
                    Ok(s) => s,
                    Err(e) => {
                        failures.push(format!("{ddl}\n  does not parse: {e}"));
                        continue;
                    }
                };
                if let Some(text) = not_idempotent(&live) {
                    failures.push(format!(
                        "{ddl}\n  canonical text changes when read again: {text}"
                    ));
                }
                if live != want {
                    failures.push(format!("{ddl}\n  live:    {live:?}\n  desired: {want:?}"));
                }
            }
            drop(conn);
            db.drop().await;
            assert!(
                failures.is_empty(),
                "{} of {} snippets differ:\n\n{}",
                failures.len(),
                BATTERY.len(),
                failures.join("\n\n")
            );
        });
    }

    #[test]
    fn query_count_is_flat() {
        block_on(async {
            let Some(db) = test_db().await else { return };
            let mut conn = db.connect().await;
            let table = |i: usize| {
                // Every table has a key, a default, a check and a foreign key; every 25th one
                // also a serial, a unique constraint and a partial index (indexes are what
                // makes creating tables slow).
                let mut sql = format!(
                    "CREATE TABLE t{i} (id int PRIMARY KEY, k kind DEFAULT 'a', \
                     qty int CHECK (qty > 0), parent int REFERENCES t0 (id) ON DELETE CASCADE"
                );
                if i.is_multiple_of(25) {
                    sql.push_str(&format!(
                        ", n serial, code varchar(20) UNIQUE);\n\
                         CREATE INDEX ON t{i} (qty) WHERE qty > 10;\n"
                    ));
                } else {
                    sql.push_str(");\n");
                }
                sql
            };
            let mut counts = Vec::new();
            let mut ddl = String::from("CREATE TYPE kind AS ENUM ('a', 'b');\n");
            let mut created = 0;
            for n in [10, 500] {
                ddl.extend((created..n).map(table));
                created = n;
                sqlx::raw_sql(&ddl).execute(&mut conn).await.unwrap();
                ddl.clear();
                let inspected = inspect(&mut conn).await.unwrap();
                assert_eq!(inspected.schema.tables.len(), n);
                counts.push(inspected.queries);
            }
            drop(conn);
            db.drop().await;
            assert_eq!(counts[0], counts[1], "queries for 10 and for 500 tables");
        });
    }

    #[test]
    fn database_urls() {
        assert_eq!(
            with_database("postgres://root@127.0.0.1:5432/postgres", "x"),
            "postgres://root@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:1", "x"), "postgres://h:1/x");
    }
}
