//! PostgreSQL: catalog inspection (bulk queries) into the canonical IR.
//!
//! Fifteen queries read the managed schemas, each filtered by namespace, never by a list of
//! tables: schemas, tables, columns, owned sequences, constraints, indexes, enum types,
//! extensions, domains, views, functions and procedures, triggers, policies, sequences of
//! their own, composite types.
//! The rows are then folded into the same [`Schema`] the SQL lowering builds, through the same
//! normalizers (`normalize::types` spelling, `normalize::expr` canonical text,
//! `normalize::names` classification). The queries are in `queries.rs`.

mod queries;

use std::collections::BTreeMap;

use sqlx::postgres::PgRow;
use sqlx::PgConnection;

use super::partition::{self, INHERITS, PARTITION, PARTITION_BOUND, PARTITION_OF};
use super::ROW_LEVEL_SECURITY;
use crate::db::{catalog, is_plinth_table, Inspected};
use crate::error::{Code, Error, Result};
use crate::model::{
    Check, Column, ColumnType, Deferrable, Dialect, Domain, EnumType, Exclusion, Expression,
    Extension, FkAction, ForeignKey, Function, Generated, Identity, Index, IndexKey, IndexPart,
    Policy, PolicyRole, PolicySource, PrimaryKey, Schema, SequenceOptions, SerialSequence, Table,
    Trigger, Unique, View,
};
use crate::normalize::expr::canonical_text;
use crate::normalize::names::{classify, Kind};
pub use queries::Scope;
use queries::{
    scoped, COLUMNS, COMPOSITES, CONSTRAINTS, DOMAINS, ENUMS, EXTENSIONS, FUNCTIONS, INDEXES,
    NAMESPACES, POLICIES, SEQUENCES, STANDALONE_SEQUENCES, TABLES, TRIGGERS, VIEWS,
};

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

/// Read every table of the database's schemas (plinth's own `plinth_*` tables excepted).
pub async fn inspect(conn: &mut PgConnection) -> Result<Inspected> {
    inspect_with(conn, None, Scope::All).await
}

/// Read the default schema (`current_schema()`: plinth's scratch schema, when it asks) and
/// the schemas named `also`.
pub async fn inspect_schemas(conn: &mut PgConnection, also: &[String]) -> Result<Inspected> {
    inspect_with(conn, None, Scope::With(also)).await
}

/// How many times a read-only inspection reads the catalog when it changes underneath.
const ATTEMPTS: u32 = 5;

/// The same inspection on two connections that share one snapshot (as `pg_dump --jobs`
/// does): the constraint query, the server's most expensive, runs on `second` while `conn`
/// reads the rest. For read-only commands; `apply` inspects inside its own transaction.
///
/// When another session drops or alters what the snapshot shows while it is read (the deparse
/// functions see the live catalog), the whole reading starts again on a new snapshot, up to
/// [`ATTEMPTS`] times, a little later each time.
pub async fn inspect_concurrently(
    conn: &mut PgConnection,
    second: &mut PgConnection,
) -> Result<Inspected> {
    let mut attempt = 1;
    loop {
        match inspect_once_concurrently(conn, second).await {
            Err(Error::CatalogChanged { .. }) if attempt < ATTEMPTS => {
                tokio::time::sleep(std::time::Duration::from_millis(20 << attempt)).await;
                attempt += 1;
            }
            done => return done,
        }
    }
}

async fn inspect_once_concurrently(
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
    let result = inspect_with(conn, Some(second), Scope::All).await;
    let _ = sqlx::raw_sql("COMMIT").execute(&mut *second).await;
    let _ = sqlx::raw_sql("COMMIT").execute(&mut *conn).await;
    result
}

/// The inspection of the schemas `scope` takes.
async fn inspect_with(
    conn: &mut PgConnection,
    second: Option<&mut PgConnection>,
    scope: Scope<'_>,
) -> Result<Inspected> {
    let version = conn.server_version_num().unwrap_or(0);
    let q = |sql: &str| scoped(sql, version, scope);
    let constraints = q(CONSTRAINTS);
    let (mut queries, mut side_queries) = (0, 0);
    let (read, early_constraints) = match second {
        Some(other) => {
            let (read, rows) = tokio::join!(
                read_columns(conn, &mut queries, &q),
                fetch(other, &mut side_queries, &constraints, "constraints")
            );
            (read?, Some(rows?))
        }
        None => (read_columns(conn, &mut queries, &q).await?, None),
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

    // A materialized view's indexes, by view: its columns come with them.
    let mut view_indexes: BTreeMap<String, Vec<Index>> = BTreeMap::new();
    for row in &fetch(conn, &mut queries, &q(INDEXES), "indexes").await? {
        let oid: i64 = get(row, "table_oid")?;
        if get(row, "on_view")? {
            let view: String = get(row, "relation")?;
            let columns: Vec<String> = get::<Option<_>>(row, "view_columns")?.unwrap_or_default();
            let attnums: Vec<i16> = get(row, "attnums")?;
            let names: Attnames = (attnums.iter().zip(columns))
                .filter(|(num, _)| **num != 0)
                .map(|(num, name)| ((oid, i32::from(*num)), name))
                .collect();
            let index = index(row, oid, &view, &names, &mut texts)?;
            view_indexes.entry(view).or_default().push(index);
            continue;
        }
        let Some(table) = tables.get_mut(&oid) else {
            continue;
        };
        let index = index(row, oid, &table.name, &names, &mut texts)?;
        table.indexes.push(index);
    }

    let mut schema = Schema::default();
    for row in &fetch(conn, &mut queries, &q(NAMESPACES), "schemas").await? {
        let name: String = get(row, "name")?;
        let comment = get(row, "comment")?;
        let n = crate::model::Namespace {
            name: name.clone(),
            comment,
        };
        schema.namespaces.insert(name, n);
    }
    for row in &fetch(conn, &mut queries, &q(ENUMS), "enum types").await? {
        let name: String = get(row, "name")?;
        let values = get(row, "labels")?;
        let comment = get(row, "comment")?;
        let e = EnumType {
            name: name.clone(),
            values,
            comment,
        };
        schema.enums.insert(name, e);
    }
    for row in &fetch(conn, &mut queries, &q(EXTENSIONS), "extensions").await? {
        let name: String = get(row, "name")?;
        let version = get(row, "version")?;
        let extension = Extension {
            name: name.clone(),
            schema: get(row, "schema")?,
            version,
        };
        schema.extensions.insert(name, extension);
    }
    for row in &fetch(conn, &mut queries, &q(DOMAINS), "domains").await? {
        let domain = domain(row)?;
        schema.domains.insert(domain.name.clone(), domain);
    }
    for row in &fetch(conn, &mut queries, &q(VIEWS), "views").await? {
        let mut view = view(row)?;
        view.indexes = view_indexes.remove(&view.name).unwrap_or_default();
        view.indexes
            .sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
        schema.views.insert(view.name.clone(), view);
    }
    for row in &fetch(conn, &mut queries, &q(FUNCTIONS), "functions").await? {
        let f = function(row)?;
        schema
            .functions
            .insert(Function::key(&f.name, &f.signature), f);
    }
    for row in &fetch(conn, &mut queries, &q(TRIGGERS), "triggers").await? {
        let t = trigger(row)?;
        if is_plinth_table(&t.table) {
            continue;
        }
        schema.triggers.insert(Trigger::key(&t.table, &t.name), t);
    }
    for row in &fetch(conn, &mut queries, &q(COMPOSITES), "composite types").await? {
        let name: String = get(row, "name")?;
        let names: Vec<String> = get(row, "names")?;
        let types: Vec<String> = get(row, "types")?;
        let attributes = names
            .into_iter()
            .zip(types)
            .map(|(n, t)| (n, ColumnType::new(PG, t)))
            .collect();
        let comment = get(row, "comment")?;
        let c = crate::model::CompositeType {
            name: name.clone(),
            attributes,
            comment,
        };
        schema.composites.insert(name, c);
    }
    for row in &fetch(conn, &mut queries, &q(STANDALONE_SEQUENCES), "sequences").await? {
        let name: String = get(row, "name")?;
        let data_type: String = get(row, "seq_type")?;
        let options = crate::model::SequenceOptions {
            start: Some(get(row, "seqstart")?),
            increment: Some(get(row, "seqincrement")?),
            min_value: Some(get(row, "seqmin")?),
            max_value: Some(get(row, "seqmax")?),
            cache: Some(get(row, "seqcache")?),
            cycle: get(row, "seqcycle")?,
        };
        let options = super::normalize::sequence_options(&data_type, &options);
        let sequence = crate::model::Sequence {
            name: name.clone(),
            data_type,
            options,
            comment: get(row, "comment")?,
        };
        schema.sequences.insert(name, sequence);
    }
    for row in &fetch(conn, &mut queries, &q(POLICIES), "policies").await? {
        let p = policy(row)?;
        if !is_plinth_table(&p.table) {
            schema.policies.insert(Trigger::key(&p.table, &p.name), p);
        }
    }
    crate::sql::read_catalog_routines(&mut schema);
    // A partition's columns are its parent's.
    for t in tables.values_mut() {
        if t.options.contains_key(PARTITION_OF) {
            t.columns.clear();
        }
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
    q: &impl Fn(&str) -> String,
) -> Result<(BTreeMap<i64, Table>, Attnames, Texts)> {
    let mut tables: BTreeMap<i64, Table> = BTreeMap::new();
    for row in &fetch(conn, queries, &q(TABLES), "tables").await? {
        let name: String = get(row, "name")?;
        if is_plinth_table(&name) {
            continue;
        }
        let mut table = Table::new(name);
        table.comment = get(row, "comment")?;
        if get::<bool>(row, "row_level_security")? {
            table
                .options
                .insert(ROW_LEVEL_SECURITY.into(), "true".into());
        }
        partitioning(row, &mut table)?;
        tables.insert(get(row, "oid")?, table);
    }

    let mut sequences: BTreeMap<(i64, i32), OwnedSequence> = BTreeMap::new();
    for row in &fetch(conn, queries, &q(SEQUENCES), "sequences").await? {
        let key = (get(row, "table_oid")?, get(row, "num")?);
        sequences.entry(key).or_insert(OwnedSequence::read(row)?);
    }

    let mut texts = Texts::default();
    // Column names by (table, attribute number), for the keys of constraints and indexes.
    let mut names: Attnames = BTreeMap::new();
    {
        let column_rows = fetch(conn, queries, &q(COLUMNS), "columns").await?;
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
            // A column only inherited is its parent's (a partition's are cleared below).
            if !get::<bool>(row, "local")? {
                continue;
            }
            let column = column(row, &table.name, sequences.get(&key), &mut texts)?;
            table.columns.push(column);
        }
    }

    Ok((tables, names, texts))
}

/// A partitioned table's key, a partition's parent and bound, as the schema file's reader
/// writes them (see `engine::postgres::partition`).
fn partitioning(row: &PgRow, table: &mut Table) -> Result<()> {
    let unreadable = |what: &str, text: &str, e: String| {
        Error::database(
            "reading the PostgreSQL catalog",
            format!(
                "the {what} of table `{}` (`{text}`) does not read: {e}",
                table.name
            ),
        )
    };
    if let Some(key) = get::<Option<String>>(row, "partition_key")? {
        let canonical =
            partition::key_from_catalog(&key).map_err(|e| unreadable("partitioning", &key, e))?;
        table.options.insert(PARTITION.into(), canonical);
    }
    if let Some(parents) = get::<Option<String>>(row, "inherits")? {
        table.options.insert(INHERITS.into(), parents);
    }
    let parent: Option<String> = get(row, "partition_of")?;
    let bound: Option<String> = get(row, "partition_bound")?;
    if let (Some(parent), Some(bound)) = (parent, bound) {
        let canonical = partition::bound_from_catalog(&bound)
            .map_err(|e| unreadable("partition bound", &bound, e))?;
        table.options.insert(PARTITION_OF.into(), parent);
        table.options.insert(PARTITION_BOUND.into(), canonical);
    }
    Ok(())
}

/// A routine as the server prints it, the default schema left out of its name (`CREATE OR
/// REPLACE FUNCTION public.f(…)`: the first `schema.` is the name's).
fn function(row: &PgRow) -> Result<Function> {
    let definition: String = get(row, "definition")?;
    let definition = match get::<Option<String>>(row, "schema")? {
        Some(schema) => definition.replacen(&format!(" {schema}."), " ", 1),
        None => definition,
    };
    Ok(Function {
        name: get(row, "name")?,
        signature: get(row, "signature")?,
        procedure: get(row, "procedure")?,
        header: get(row, "header")?,
        definition,
        source: None,
        uses: Vec::new(),
        checked_body: false,
        comment: get(row, "comment")?,
    })
}

/// A policy as the catalog keeps it, written as plinth writes the desired one.
fn policy(row: &PgRow) -> Result<Policy> {
    let name: String = get(row, "name")?;
    let table: String = get(row, "table_name")?;
    let roles: Vec<String> = get(row, "roles")?;
    let source = PolicySource {
        restrictive: get(row, "restrictive")?,
        command: get(row, "command")?,
        roles: roles
            .into_iter()
            .map(|r| match r.as_str() {
                "public" => PolicyRole::Keyword("PUBLIC"),
                _ => PolicyRole::Name(r),
            })
            .collect(),
        using: get(row, "using_expr")?,
        check: get(row, "check_expr")?,
    };
    Ok(Policy {
        definition: super::render::create_policy(&name, &table, &source),
        name,
        table,
        source,
        calls: get(row, "calls")?,
        comment: get(row, "comment")?,
    })
}

/// A trigger as the server prints it, its table's schema left out when it is the default one
/// (`ON public.t`).
fn trigger(row: &PgRow) -> Result<Trigger> {
    let definition: String = get(row, "definition")?;
    let definition = match get::<Option<String>>(row, "schema")? {
        Some(schema) => definition.replacen(&format!(" ON {schema}."), " ON ", 1),
        None => definition,
    };
    Ok(Trigger {
        name: get(row, "name")?,
        table: get(row, "table_name")?,
        function: get(row, "function")?,
        definition,
        source: None,
        comment: get(row, "comment")?,
    })
}

/// A domain as the catalog keeps it, its default and checks in canonical text.
fn domain(row: &PgRow) -> Result<Domain> {
    let name: String = get(row, "name")?;
    let canonical = |text: &str, what: &str| {
        canonical_text(PG, text).map_err(|e| {
            Error::database(
                "reading the PostgreSQL catalog",
                format!("{what} of domain `{name}`: {e}"),
            )
        })
    };
    let default = match get::<Option<String>>(row, "default_expr")? {
        Some(text) => Some(canonical(&text, "the default")?),
        None => None,
    };
    let names: Vec<String> = get(row, "check_names")?;
    let exprs: Vec<Option<String>> = get(row, "check_exprs")?;
    let mut checks = Vec::new();
    for (check, text) in names.into_iter().zip(exprs) {
        let text = deparsed(text, || format!("check `{check}` of domain `{name}`"))?;
        checks.push(Check {
            not_valid: false,
            expr: canonical(&text, &format!("check `{check}`"))?,
            name: classify(PG, &name, Kind::Check, Some(check), None),
            no_inherit: false,
            comment: None,
        });
    }
    checks.sort_by(|a, b| a.expr.text().cmp(b.expr.text()));
    Ok(Domain {
        data_type: ColumnType::new(PG, get::<String>(row, "data_type")?),
        collation: get(row, "collation")?,
        default,
        not_null: get(row, "not_null")?,
        checks,
        comment: get(row, "comment")?,
        name,
    })
}

/// A view as the server keeps it: its deparsed query (the comparison key, and what `adopt`
/// writes), `WITH` options as `(name, value)`, what it reads.
fn view(row: &PgRow) -> Result<View> {
    let name: String = get(row, "name")?;
    let definition: Option<String> = get(row, "definition")?;
    let definition = deparsed(definition, || format!("view `{name}`"))?;
    let definition = definition.trim().trim_end_matches(';').trim().to_string();
    let mut options: Vec<(String, String)> = get::<Vec<String>>(row, "options")?
        .into_iter()
        .map(|o| match o.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (o, "true".to_string()),
        })
        .collect();
    options.sort();
    let query =
        crate::sql::stored_query(PG, &definition).map_or_else(|| definition.clone(), |(q, _)| q);
    Ok(View {
        materialized: get(row, "materialized")?,
        columns: Vec::new(),
        query,
        options,
        definition,
        reads: get(row, "reads")?,
        calls: get(row, "calls")?,
        comment: get(row, "comment")?,
        indexes: Vec::new(),
        name,
    })
}

/// The objects of the schema plinth does not model yet, as (kind, name) (see [`UNMODELLED`]).
pub async fn unmodelled(conn: &mut PgConnection) -> Result<Vec<(String, String)>> {
    let mut queries = 0;
    let rows = fetch(conn, &mut queries, queries::UNMODELLED, "other objects").await?;
    rows.iter()
        .map(|row| Ok((get(row, "kind")?, get(row, "name")?)))
        .collect()
}

async fn fetch(
    conn: &mut PgConnection,
    queries: &mut usize,
    sql: &str,
    what: &str,
) -> Result<Vec<PgRow>> {
    let what = format!("{what} from the PostgreSQL catalog");
    catalog::rows(conn, sql, queries, &what)
        .await
        .map_err(|e| match e {
            // A deparse function met an object dropped since the snapshot.
            Error::Database { cause, .. }
                if matches!(&cause.code, Some(Code::Postgres { sqlstate, .. }) if sqlstate == "XX000")
                    && (cause.message.contains("cache lookup failed")
                        || cause.message.contains("could not open relation")) =>
            {
                Error::CatalogChanged { what }
            }
            other => other,
        })
}

/// What the live catalog deparsed of an object the snapshot holds: nothing means the object
/// was dropped meanwhile.
fn deparsed(text: Option<String>, what: impl FnOnce() -> String) -> Result<String> {
    match text {
        Some(text) if !text.is_empty() => Ok(text),
        _ => Err(Error::CatalogChanged { what: what() }),
    }
}

fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    catalog::cell(row, column, "a PostgreSQL catalog row")
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
    shared: bool,
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
            shared: get(row, "shared")?,
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
    let ty: String = get(row, "ty")?;
    if ty == "???" {
        // format_type of a type dropped since the snapshot.
        return Err(Error::CatalogChanged {
            what: format!("the type of column `{table}`.`{name}`"),
        });
    }
    let mut column = Column::new(name.clone(), ColumnType::new(PG, ty));
    column.nullable = !get::<bool>(row, "not_null")?;
    column.collation = get(row, "collation")?;
    column.comment = get(row, "comment")?;
    let default: Option<String> = match get(row, "has_default")? {
        true => Some(deparsed(get(row, "default_expr")?, || {
            format!("the expression of column `{table}`.`{name}`")
        })?),
        false => None,
    };
    let identity: String = get(row, "identity")?;
    let generated: String = get(row, "generated")?;
    match (identity.as_str(), generated.as_str()) {
        ("a" | "d", _) => {
            let options = sequence.map(OwnedSequence::options).unwrap_or_default();
            column.identity = Some(if identity == "a" {
                Identity::Always(Box::new(options))
            } else {
                Identity::ByDefault(Box::new(options))
            });
        }
        (_, "s") => {
            let expr = default.as_deref().unwrap_or_default();
            column.generated = Some(Box::new(Generated {
                expr: texts.canonical(expr, table, &format!("generated column `{name}`"))?,
                stored: true,
            }));
        }
        _ => {
            let serial = match (&default, sequence) {
                (Some(d), Some(seq))
                    if seq.deptype == "a"
                        && is_nextval_of(d, crate::model::unqualified(&seq.name)) =>
                {
                    Some(seq)
                }
                _ => None,
            };
            if let Some(seq) = serial {
                column.identity = Some(Identity::Serial(Box::new(SerialSequence {
                    data_type: seq.ty.clone(),
                    live_name: Some(seq.name.clone()),
                    shared: seq.shared,
                })));
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
    let Some(arg) = super::expr::nextval_argument(default) else {
        return false;
    };
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
                not_valid: get(row, "not_valid")?,
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
            let text = deparsed(get(row, "check_expr")?, || {
                format!("check constraint `{name}` of `{}`", table.name)
            })?;
            let expr =
                texts.canonical(&text, &table.name, &format!("check constraint `{name}`"))?;
            table.checks.push(Check {
                not_valid: get(row, "not_valid")?,
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
            let text = deparsed(keys.get(k).cloned().flatten(), || {
                format!("a key of {what}")
            })?;
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
    let predicate: Option<String> = match get(row, "has_predicate")? {
        true => Some(deparsed(get(row, "predicate")?, || {
            format!("the predicate of {what}")
        })?),
        false => None,
    };
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
        invalid: get(row, "invalid")?,
        ..Index::new(
            classify(PG, table, Kind::Index, Some(name.clone()), first),
            parts,
        )
    })
}

#[cfg(test)]
mod tests;
