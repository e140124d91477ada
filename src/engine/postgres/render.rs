//! PostgreSQL DDL: ALTER TABLE forms for every change, enum types, comments.

use super::partition::{parents, PARTITION, PARTITION_BOUND, PARTITION_OF};
use super::ROW_LEVEL_SECURITY;
use crate::diff::{ColumnChanges, Delta, Renamed, TableChange};
use crate::error::{Error, Result};
use crate::model::{beside, unqualified};
use crate::model::{
    Column, Dialect, Domain, EnumType, Exclusion, Function, Identity, Index, PolicyRole,
    PolicySource, Returns, RoutineBody, RoutineOption, RoutineSource, SequenceOptions, SetValue,
    Table, Trigger,
};
use crate::normalize::expr::postgres_default_sql;
use crate::plan::{Action, Online, Step};
use crate::quote::ident_bare_if_plain as bare;
use crate::render::{
    check_clause, collate_clause, constraint_lines, create_view, deferrable_sql, drop_view,
    foreign_key_clause, generated_clause, index_parts, named_prefix, primary_key_clause, quote,
    quote_list, string_literal, unique_clause, Statement,
};
use std::collections::BTreeMap;

const D: Dialect = Dialect::Postgres;

/// `online`: the steps [`crate::plan::deferred`] names run after the transaction, in their
/// online form.
pub fn render(steps: &[Step], online: bool) -> Result<Vec<Statement>> {
    let mut out = Vec::new();
    // Routine bodies are not checked against the tables when created (as `pg_dump` does): a
    // routine is created before the tables its body reads, for the defaults that call it.
    let mut unchecked = false;
    let deferred = match online {
        true => crate::plan::deferred(steps),
        false => vec![None; steps.len()],
    };
    for (step, how) in steps.iter().zip(deferred) {
        let h = step.hazards.as_slice();
        let creates_routine = match &step.action {
            Action::CreateFunction(_) => true,
            Action::AlterFunction { from, to } => from.definition != to.definition,
            _ => false,
        };
        if creates_routine && !std::mem::replace(&mut unchecked, true) {
            out.push(Statement::new("SET check_function_bodies = false", h));
        }
        if let (Some(how), Action::Alter { table, change }) = (how, &step.action) {
            for sql in online_change(table, change, how)? {
                out.push(Statement {
                    deferred: true,
                    ..Statement::new(sql, h)
                });
            }
            continue;
        }
        let mut push = |sql: String| out.push(Statement::new(sql, h));
        match &step.action {
            Action::Rename(r) => {
                if let Some(sql) = crate::render::rename(D, r) {
                    push(sql);
                }
            }
            Action::CreateEnum(e) => {
                push(format!(
                    "CREATE TYPE {} AS ENUM ({})",
                    quote(D, &e.name),
                    enum_values(e)
                ));
                if let Some(c) = &e.comment {
                    push(comment_on("TYPE", &e.name, Some(c)));
                }
            }
            Action::AlterEnum { from, to } => {
                alter_enum(from, to)?.into_iter().for_each(&mut push);
                if from.comment != to.comment {
                    push(comment_on("TYPE", &to.name, to.comment.as_deref()));
                }
            }
            Action::DropEnum(e) => push(format!("DROP TYPE {}", quote(D, &e.name))),
            Action::CreateTable(t) => {
                push(create_table(t));
                if t.options.contains_key(ROW_LEVEL_SECURITY) {
                    push(row_level_security(&t.name, true));
                }
                for i in &t.indexes {
                    create_index(&t.name, i, Build::Locked)?.into_iter().for_each(&mut push);
                }
                for (name, text) in constraint_comments(t) {
                    push(comment_constraint(&t.name, &name, Some(text)));
                }
                if let Some(c) = &t.comment {
                    push(comment_table(&t.name, Some(c)));
                }
                for c in &t.columns {
                    if let Some(text) = &c.comment {
                        push(comment_column(&t.name, &c.name, Some(text)));
                    }
                }
            }
            Action::DropTable(t) => push(format!("DROP TABLE {}", quote(D, &t.name))),
            Action::CreateExtension(e) => push(format!(
                "CREATE EXTENSION IF NOT EXISTS {}{}{}",
                quote(D, &e.name),
                (e.schema.as_ref())
                    .map(|s| format!(" WITH SCHEMA {}", quote(D, s)))
                    .unwrap_or_default(),
                e.version
                    .as_ref()
                    .map(|v| format!(" VERSION {}", string_literal(D, v)))
                    .unwrap_or_default()
            )),
            Action::UpdateExtension { from, to } => {
                if from.schema != to.schema {
                    let schema = to.schema.as_deref().unwrap_or("public");
                    push(format!(
                        "ALTER EXTENSION {} SET SCHEMA {}",
                        quote(D, &to.name),
                        quote(D, schema)
                    ));
                }
                if to.version.is_some() && from.version != to.version {
                    push(format!(
                        "ALTER EXTENSION {} UPDATE{}",
                        quote(D, &to.name),
                        (to.version.as_ref())
                            .map(|v| format!(" TO {}", string_literal(D, v)))
                            .unwrap_or_default()
                    ));
                }
            }
            Action::DropExtension(e) => push(format!("DROP EXTENSION {}", quote(D, &e.name))),
            Action::CreateNamespace(n) => {
                push(format!("CREATE SCHEMA {}", quote(D, &n.name)));
                if n.comment.is_some() {
                    push(comment_on("SCHEMA", &n.name, n.comment.as_deref()));
                }
            }
            Action::CommentNamespace(n) => push(comment_on("SCHEMA", &n.name, n.comment.as_deref())),
            // Without CASCADE: the server refuses when anything is left in it.
            Action::DropNamespace(n) => push(format!("DROP SCHEMA {}", quote(D, &n.name))),
            Action::CreateDomain(d) => create_domain(d).into_iter().for_each(push),
            Action::AlterDomain { from, to } => alter_domain(from, to)?.into_iter().for_each(push),
            Action::DropDomain(d) => push(format!("DROP DOMAIN {}", quote(D, &d.name))),
            Action::CreateView(v) => {
                create_view(D, v).into_iter().for_each(&mut push);
                for index in &v.indexes {
                    create_index(&v.name, index, Build::Locked)?.into_iter().for_each(&mut push);
                }
            }
            Action::DropView(v) => push(drop_view(D, v)),
            Action::CreateFunction(f) => {
                push(create_routine(f, false)?);
                if f.comment.is_some() {
                    push(comment_routine(f));
                }
            }
            Action::AlterFunction { from, to } => {
                if from.definition != to.definition {
                    push(create_routine(to, true)?);
                }
                if from.comment != to.comment {
                    push(comment_routine(to));
                }
            }
            Action::DropFunction(f) => push(format!("DROP {}", routine_ref(f))),
            Action::CreateTrigger(t) => {
                push(create_trigger(t));
                if t.comment.is_some() {
                    push(comment_on_table_object("TRIGGER", &t.name, &t.table, t.comment.as_deref()));
                }
            }
            Action::AlterTrigger(t) => push(comment_on_table_object("TRIGGER", &t.name, &t.table, t.comment.as_deref())),
            Action::DropTrigger(t) => push(format!(
                "DROP TRIGGER {} ON {}",
                quote(D, &t.name),
                quote(D, &t.table)
            )),
            Action::Alter { table, change } => alter(table, change)?.into_iter().for_each(push),
            Action::Rebuild { to, .. } => {
                return Err(Error::usage(format!(
                    "refusing to plan: a rebuild of table `{}` on PostgreSQL; this is a plinth bug, please report it with the schema",
                    to.name
                )))
            }
            Action::CreateComposite(c) => {
                let attributes: Vec<String> = c
                    .attributes
                    .iter()
                    .map(|(n, t)| format!("{} {t}", quote(D, n)))
                    .collect();
                push(format!(
                    "CREATE TYPE {} AS ({})",
                    quote(D, &c.name),
                    attributes.join(", ")
                ));
                if let Some(text) = &c.comment {
                    push(comment_on("TYPE", &c.name, Some(text)));
                }
            }
            Action::AlterComposite { from, to } => {
                alter_composite(from, to)?.into_iter().for_each(&mut push);
                if from.comment != to.comment {
                    push(comment_on("TYPE", &to.name, to.comment.as_deref()));
                }
            }
            Action::DropComposite(c) => push(format!("DROP TYPE {}", quote(D, &c.name))),
            Action::CreateSequence(q) => {
                push(format!(
                    "CREATE SEQUENCE {} AS {}{}",
                    quote(D, &q.name),
                    q.data_type,
                    sequence_clauses(&q.options)
                ));
                if q.comment.is_some() {
                    push(comment_on("SEQUENCE", &q.name, q.comment.as_deref()));
                }
            }
            Action::AlterSequence { from, to } => {
                if (&from.data_type, &from.options) != (&to.data_type, &to.options) {
                    push(alter_sequence(to));
                }
                if from.comment != to.comment {
                    push(comment_on("SEQUENCE", &to.name, to.comment.as_deref()));
                }
            }
            Action::DropSequence(q) => push(format!("DROP SEQUENCE {}", quote(D, &q.name))),
            Action::CreatePolicy(p) => {
                push(create_policy(&p.name, &p.table, &p.source));
                if p.comment.is_some() {
                    push(comment_on_table_object("POLICY", &p.name, &p.table, p.comment.as_deref()));
                }
            }
            Action::AlterPolicy(p) => push(comment_on_table_object("POLICY", &p.name, &p.table, p.comment.as_deref())),
            Action::DropPolicy(p) => push(format!(
                "DROP POLICY {} ON {}",
                quote(D, &p.name),
                quote(D, &p.table)
            )),
            Action::CreateEvent(e) | Action::DropEvent(e) => {
                return Err(Error::usage(format!(
                    "refusing to plan: event `{}` on PostgreSQL, which has none; this is a plinth bug, please report it with the schema",
                    e.name
                )))
            }
        }
    }
    Ok(out)
}

/// `CREATE DOMAIN name AS type [COLLATE c] [DEFAULT e] [NOT NULL] [CONSTRAINT n] CHECK (…)…`,
/// then its comment.
fn create_domain(d: &Domain) -> Vec<String> {
    let mut sql = format!("CREATE DOMAIN {} AS {}", quote(D, &d.name), d.data_type);
    if let Some(c) = &d.collation {
        sql.push_str(&collate_clause(D, c));
    }
    if let Some(default) = &d.default {
        sql.push_str(&format!(" DEFAULT {}", postgres_default_sql(default)));
    }
    if d.not_null {
        sql.push_str(" NOT NULL");
    }
    for c in &d.checks {
        sql.push_str(&format!(
            " {}CHECK ({})",
            named_prefix(D, &c.name, false),
            c.expr
        ));
    }
    let mut out = vec![sql];
    if let Some(comment) = &d.comment {
        out.push(comment_on("DOMAIN", &d.name, Some(comment)));
    }
    out
}

fn row_level_security(table: &str, enabled: bool) -> String {
    let verb = if enabled { "ENABLE" } else { "DISABLE" };
    format!("ALTER TABLE {} {verb} ROW LEVEL SECURITY", quote(D, table))
}

/// `COMMENT ON <kind> name IS …` for a schema-level object (`TYPE`, `DOMAIN`, `TABLE`); no
/// text removes the comment.
fn comment_on(kind: &str, name: &str, text: Option<&str>) -> String {
    format!(
        "COMMENT ON {kind} {} IS {}",
        quote(D, name),
        text.map_or_else(|| "NULL".to_string(), |t| string_literal(D, t))
    )
}

/// A domain changed in place: its default, NOT NULL, checks and comment. Its type and
/// collation cannot change in place while columns use it: refused at plan time.
fn alter_domain(from: &Domain, to: &Domain) -> Result<Vec<String>> {
    if from.data_type != to.data_type || from.collation != to.collation {
        return Err(Error::usage(format!(
            "refusing to plan: domain `{}` would change its type or collation ({} → {}), which PostgreSQL cannot do in place; create a domain under a new name and move the columns to it",
            to.name, from.data_type, to.data_type
        )));
    }
    let prefix = format!("ALTER DOMAIN {}", quote(D, &to.name));
    let mut out = Vec::new();
    if from.default != to.default {
        out.push(match &to.default {
            Some(d) => format!("{prefix} SET DEFAULT {}", postgres_default_sql(d)),
            None => format!("{prefix} DROP DEFAULT"),
        });
    }
    for c in from.checks.iter().filter(|c| !to.checks.contains(c)) {
        out.push(format!(
            "{prefix} DROP CONSTRAINT {}",
            quote(D, c.name.as_str())
        ));
    }
    if from.not_null != to.not_null {
        let verb = if to.not_null { "SET" } else { "DROP" };
        out.push(format!("{prefix} {verb} NOT NULL"));
    }
    for c in to.checks.iter().filter(|c| !from.checks.contains(c)) {
        out.push(format!(
            "{prefix} ADD {}CHECK ({})",
            named_prefix(D, &c.name, false),
            c.expr
        ));
    }
    if from.comment != to.comment {
        out.push(comment_on("DOMAIN", &to.name, to.comment.as_deref()));
    }
    Ok(out)
}

fn enum_values(e: &EnumType) -> String {
    e.values
        .iter()
        .map(|v| string_literal(D, v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Values can be added in place (`ADD VALUE … BEFORE/AFTER`, no table rewrite); removing or
/// reordering values cannot be done in place and is refused at plan time.
fn alter_enum(from: &EnumType, to: &EnumType) -> Result<Vec<String>> {
    let kept: Vec<&String> = to
        .values
        .iter()
        .filter(|v| from.values.contains(v))
        .collect();
    let in_order = kept
        .iter()
        .map(|v| v.as_str())
        .eq(from.values.iter().map(|v| v.as_str()));
    if !in_order {
        return Err(Error::usage(format!(
            "refusing to plan: enum type `{}` would lose or reorder values ({} → {}); PostgreSQL can only add values to an enum in place: removing or reordering them needs a manual migration",
            from.name,
            from.values.join(", "),
            to.values.join(", ")
        )));
    }
    let mut out = Vec::new();
    for (i, v) in to.values.iter().enumerate() {
        if from.values.contains(v) {
            continue;
        }
        let position = match to.values[i + 1..].iter().find(|n| from.values.contains(n)) {
            Some(next) => format!(" BEFORE {}", string_literal(D, next)),
            None => String::new(),
        };
        out.push(format!(
            "ALTER TYPE {} ADD VALUE {}{position}",
            quote(D, &to.name),
            string_literal(D, v)
        ));
    }
    Ok(out)
}

fn create_table(t: &Table) -> String {
    if let (Some(parent), Some(bound)) =
        (t.options.get(PARTITION_OF), t.options.get(PARTITION_BOUND))
    {
        return format!(
            "CREATE TABLE {} PARTITION OF {} {bound}",
            quote(D, &t.name),
            quote(D, parent)
        );
    }
    let mut lines: Vec<String> = t.columns.iter().map(column_def).collect();
    lines.extend(constraint_lines(D, t, true));
    let inherited: Vec<String> = parents(&t.options).map(|p| quote(D, p)).collect();
    let inherits = match inherited.is_empty() {
        true => String::new(),
        false => format!(" INHERITS ({})", inherited.join(", ")),
    };
    let by = t
        .options
        .get(PARTITION)
        .map(|key| format!(" PARTITION BY {key}"))
        .unwrap_or_default();
    format!(
        "CREATE TABLE {} (\n  {}\n){inherits}{by}",
        quote(D, &t.name),
        lines.join(",\n  ")
    )
}

/// A table's parents changed: `NO INHERIT` the ones it leaves, `INHERIT` the new ones (the
/// server checks that the table has their columns).
fn reinherit(
    table: &str,
    from: &BTreeMap<String, String>,
    to: &BTreeMap<String, String>,
) -> Vec<String> {
    let (old, new): (Vec<&str>, Vec<&str>) = (parents(from).collect(), parents(to).collect());
    let left = (old.iter().filter(|p| !new.contains(p)))
        .map(|p| format!("ALTER TABLE {} NO INHERIT {}", quote(D, table), quote(D, p)));
    let joined = (new.iter().filter(|p| !old.contains(p)))
        .map(|p| format!("ALTER TABLE {} INHERIT {}", quote(D, table), quote(D, p)));
    left.chain(joined).collect()
}

/// A partition moved to other bounds or another parent: detached and attached again (the server
/// checks the rows against the new bounds); a table's own partitioning cannot change in place.
fn repartition(
    table: &str,
    from: &BTreeMap<String, String>,
    to: &BTreeMap<String, String>,
) -> Result<Vec<String>> {
    if from.get(PARTITION) != to.get(PARTITION) {
        return Err(Error::usage(format!(
            "table `{}`: its partitioning changes ({} → {}), which PostgreSQL cannot do in place; make a new table and move the rows by hand",
            crate::model::shown(table),
            from.get(PARTITION).map_or("none", String::as_str),
            to.get(PARTITION).map_or("none", String::as_str),
        )));
    }
    let (old, new) = (
        (from.get(PARTITION_OF), from.get(PARTITION_BOUND)),
        (to.get(PARTITION_OF), to.get(PARTITION_BOUND)),
    );
    if old == new {
        return Ok(vec![]);
    }
    let mut out = Vec::new();
    if let (Some(parent), Some(_)) = old {
        out.push(format!(
            "ALTER TABLE {} DETACH PARTITION {}",
            quote(D, parent),
            quote(D, table)
        ));
    }
    if let (Some(parent), Some(bound)) = new {
        out.push(format!(
            "ALTER TABLE {} ATTACH PARTITION {} {bound}",
            quote(D, parent),
            quote(D, table)
        ));
    }
    Ok(out)
}

fn type_sql(c: &Column) -> String {
    let ty = if matches!(c.identity, Some(Identity::Serial(_))) {
        match c.ty.as_str() {
            "bigint" => "bigserial".to_string(),
            "smallint" => "smallserial".to_string(),
            _ => "serial".to_string(),
        }
    } else {
        c.ty.to_string()
    };
    match &c.collation {
        Some(coll) => format!("{ty}{}", collate_clause(D, coll)),
        None => ty,
    }
}

fn column_def(c: &Column) -> String {
    let mut s = format!("{} {}", quote(D, &c.name), type_sql(c));
    match &c.identity {
        Some(Identity::Always(o)) => {
            s.push_str(&format!(" GENERATED ALWAYS AS IDENTITY{}", seq_options(o)))
        }
        Some(Identity::ByDefault(o)) => s.push_str(&format!(
            " GENERATED BY DEFAULT AS IDENTITY{}",
            seq_options(o)
        )),
        _ => {}
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {}", postgres_default_sql(d)));
    }
    if let Some(g) = &c.generated {
        s.push_str(&generated_clause(g));
    }
    s
}

/// An identity's sequence options: ` (START WITH 1 …)`, or nothing.
fn seq_options(o: &SequenceOptions) -> String {
    match sequence_clauses(o) {
        c if c.is_empty() => c,
        c => format!(" ({})", c.trim_start()),
    }
}

/// Sequence options as `CREATE SEQUENCE` takes them: ` START WITH 1 …`, or nothing.
fn sequence_clauses(o: &SequenceOptions) -> String {
    let mut parts = Vec::new();
    if let Some(v) = o.start {
        parts.push(format!("START WITH {v}"));
    }
    if let Some(v) = o.increment {
        parts.push(format!("INCREMENT BY {v}"));
    }
    if let Some(v) = o.min_value {
        parts.push(format!("MINVALUE {v}"));
    }
    if let Some(v) = o.max_value {
        parts.push(format!("MAXVALUE {v}"));
    }
    if let Some(v) = o.cache {
        parts.push(format!("CACHE {v}"));
    }
    if o.cycle {
        parts.push("CYCLE".into());
    }
    parts.iter().map(|p| format!(" {p}")).collect()
}

/// `COMMENT ON CONSTRAINT` for every commented constraint of a new table.
fn constraint_comments(t: &Table) -> Vec<(String, &String)> {
    let mut out = Vec::new();
    if let Some(pk) = &t.primary_key {
        if let Some(c) = &pk.comment {
            out.push((pk_name(&t.name, pk), c));
        }
    }
    let named = t
        .uniques
        .iter()
        .map(|u| (&u.name, &u.comment))
        .chain(t.checks.iter().map(|c| (&c.name, &c.comment)))
        .chain(t.foreign_keys.iter().map(|fk| (&fk.name, &fk.comment)));
    for (name, comment) in named {
        if let Some(c) = comment {
            out.push((name.as_str().to_string(), c));
        }
    }
    out
}

fn comment_constraint(table: &str, name: &str, text: Option<&String>) -> String {
    format!(
        "COMMENT ON CONSTRAINT {} ON {} IS {}",
        quote(D, name),
        quote(D, table),
        text.map(|t| string_literal(D, t))
            .unwrap_or_else(|| "NULL".into())
    )
}

/// `CREATE INDEX`, and its comment; an exclusion constraint is added to its table instead.
/// A step of an online plan, run after the transaction, statement by statement (see
/// [`crate::plan::Online`]).
fn online_change(table: &str, change: &TableChange, how: Online) -> Result<Vec<String>> {
    let t = quote(D, table);
    let validated = |name: &str, clause: String, comment: Option<&String>| {
        let mut out = vec![
            format!(
                "ALTER TABLE {t} ADD CONSTRAINT {} {clause} NOT VALID",
                quote(D, name)
            ),
            format!("ALTER TABLE {t} VALIDATE CONSTRAINT {}", quote(D, name)),
        ];
        if comment.is_some() {
            out.push(comment_constraint(table, name, comment));
        }
        out
    };
    Ok(match (how, change) {
        (Online::Concurrently, TableChange::AddIndex(i)) => {
            create_index(table, i, Build::Concurrently)?
        }
        (Online::NotValidThenValidate, TableChange::AddForeignKey(fk)) => validated(
            fk.name.as_str(),
            foreign_key_clause(D, fk),
            fk.comment.as_ref(),
        ),
        (Online::NotValidThenValidate, TableChange::AddCheck(c)) => {
            validated(c.name.as_str(), check_clause(c), c.comment.as_ref())
        }
        (Online::ThroughValidatedCheck, TableChange::AlterColumn { to, .. }) => {
            let check = not_null_check(&to.name);
            let column = quote(D, &to.name);
            let mut out = validated(&check, format!("CHECK ({column} IS NOT NULL)"), None);
            out.push(format!("ALTER TABLE {t} ALTER COLUMN {column} SET NOT NULL"));
            out.push(drop_constraint(&t, &check));
            out
        }
        _ => {
            return Err(Error::usage(format!(
                "refusing to plan: no online form for a change of `{table}`; this is a plinth bug: please report it with the schema"
            )))
        }
    })
}

/// The check an online `SET NOT NULL` goes through: `plinth_nn_` and the column's name, cut to
/// PostgreSQL's 63 bytes at a character's edge.
fn not_null_check(column: &str) -> String {
    let mut name = format!("plinth_nn_{column}");
    while name.len() > 63 {
        name.pop();
    }
    name
}

/// How an index is built: in the transaction, writes to the table waiting; or `CONCURRENTLY`
/// (outside any transaction, writes going on).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Build {
    Locked,
    Concurrently,
}

fn create_index(table: &str, i: &Index, build: Build) -> Result<Vec<String>> {
    if let Some(x) = &i.exclude {
        return Ok(add_constraint(
            table,
            &i.name,
            i.comment.as_ref(),
            exclude_clause(i, x)?,
        ));
    }
    let mut out = vec![create_index_sql(table, i, build)];
    if let Some(c) = &i.comment {
        out.push(format!(
            "COMMENT ON INDEX {} IS {}",
            quote(D, &beside(table, i.name.as_str())),
            string_literal(D, c)
        ));
    }
    Ok(out)
}

/// `EXCLUDE [USING m] (part WITH op, …) [WHERE (…)] [DEFERRABLE …]`.
fn exclude_clause(i: &Index, x: &Exclusion) -> Result<String> {
    let mut elements = Vec::new();
    for (p, op) in i.parts.iter().zip(&x.operators) {
        let op = crate::normalize::expr::operator_symbol(op).map_err(Error::usage)?;
        elements.push(format!(
            "{} WITH {op}",
            index_parts(D, std::slice::from_ref(p))
        ));
    }
    let mut sql = format!(
        "EXCLUDE{} ({})",
        using(i.method.as_deref()),
        elements.join(", ")
    );
    if let Some(p) = &i.predicate {
        sql.push_str(&format!(" WHERE ({p})"));
    }
    sql.push_str(deferrable_sql(x.deferrable));
    Ok(sql)
}

/// ` USING method`, or nothing for the default access method.
fn using(method: Option<&str>) -> String {
    method
        .map(|m| format!(" USING {}", crate::quote::ident_bare_if_plain(D, m)))
        .unwrap_or_default()
}

fn create_index_sql(table: &str, i: &Index, build: Build) -> String {
    // A name the user wrote is written back even when it is the one PostgreSQL would pick.
    let name = match i.name.as_str() {
        "" => String::new(),
        n => format!("{} ", quote(D, n)),
    };
    let mut sql = format!(
        "CREATE {}INDEX {}{name}ON {}{} ({})",
        if i.unique { "UNIQUE " } else { "" },
        match build {
            Build::Locked => "",
            Build::Concurrently => "CONCURRENTLY ",
        },
        quote(D, table),
        using(i.method.as_deref()),
        index_parts(D, &i.parts)
    );
    if !i.include.is_empty() {
        sql.push_str(&format!(" INCLUDE ({})", quote_list(D, &i.include)));
    }
    if i.nulls_not_distinct {
        sql.push_str(" NULLS NOT DISTINCT");
    }
    if !i.storage.is_empty() {
        let params: Vec<String> = i
            .storage
            .iter()
            .map(|(k, v)| format!("{} = {}", quote(D, k), string_literal(D, v)))
            .collect();
        sql.push_str(&format!(" WITH ({})", params.join(", ")));
    }
    if let Some(p) = &i.predicate {
        sql.push_str(&format!(" WHERE {p}"));
    }
    sql
}

fn comment_table(table: &str, text: Option<&String>) -> String {
    comment_on("TABLE", table, text.map(String::as_str))
}

fn comment_column(table: &str, column: &str, text: Option<&String>) -> String {
    format!(
        "COMMENT ON COLUMN {}.{} IS {}",
        quote(D, table),
        quote(D, column),
        text.map(|t| string_literal(D, t))
            .unwrap_or_else(|| "NULL".into())
    )
}

fn alter(table: &str, change: &TableChange) -> Result<Vec<String>> {
    let t = quote(D, table);
    Ok(match change {
        TableChange::AddColumn(c) => {
            let mut out = vec![format!("ALTER TABLE {t} ADD COLUMN {}", column_def(c))];
            if let Some(text) = &c.comment {
                out.push(comment_column(table, &c.name, Some(text)));
            }
            out
        }
        TableChange::DropColumn(c) | TableChange::DropGenerated(c) => {
            vec![format!("ALTER TABLE {t} DROP COLUMN {}", quote(D, &c.name))]
        }
        TableChange::DropDefault(c) => vec![format!(
            "ALTER TABLE {t} ALTER COLUMN {} DROP DEFAULT",
            quote(D, &c.name)
        )],
        TableChange::AlterColumn { from, to, changes } => alter_column(table, from, to, changes),
        TableChange::SetPrimaryKey { from, to } => {
            let mut out = Vec::new();
            if let Some(pk) = from {
                out.push(format!(
                    "ALTER TABLE {t} DROP CONSTRAINT {}",
                    quote(D, &pk_name(table, pk))
                ));
            }
            if let Some(pk) = to {
                out.push(format!(
                    "ALTER TABLE {t} ADD {}{}",
                    named_prefix(D, &pk.name, pk.comment.is_some()),
                    primary_key_clause(D, pk)
                ));
                if let Some(c) = &pk.comment {
                    out.push(comment_constraint(table, &pk_name(table, pk), Some(c)));
                }
            }
            out
        }
        TableChange::AddForeignKey(fk) => add_constraint(
            table,
            &fk.name,
            fk.comment.as_ref(),
            foreign_key_clause(D, fk),
        ),
        TableChange::DropForeignKey(fk) => vec![drop_constraint(&t, fk.name.as_str())],
        TableChange::AddUnique(u) => {
            add_constraint(table, &u.name, u.comment.as_ref(), unique_clause(D, u))
        }
        TableChange::DropUnique(u) => vec![drop_constraint(&t, u.name.as_str())],
        TableChange::AddCheck(c) => {
            add_constraint(table, &c.name, c.comment.as_ref(), check_clause(c))
        }
        TableChange::DropCheck(c) => vec![drop_constraint(&t, c.name.as_str())],
        TableChange::AddIndex(i) => create_index(table, i, Build::Locked)?,
        TableChange::DropIndex(i) if i.exclude.is_some() => {
            vec![drop_constraint(&t, i.name.as_str())]
        }
        TableChange::DropIndex(i) => vec![format!(
            "DROP INDEX {}",
            quote(D, &beside(table, i.name.as_str()))
        )],
        TableChange::Rename {
            object: Renamed::Index,
            from,
            to,
        } => vec![format!(
            "ALTER INDEX {} RENAME TO {}",
            quote(D, &beside(table, from)),
            quote(D, to)
        )],
        TableChange::Rename { from, to, .. } => vec![format!(
            "ALTER TABLE {t} RENAME CONSTRAINT {} TO {}",
            quote(D, from),
            quote(D, to)
        )],
        TableChange::SetComment { to, .. } => vec![comment_table(table, to.as_ref())],
        TableChange::SetOptions { from, to } => {
            let on = |o: &BTreeMap<String, String>| o.contains_key(ROW_LEVEL_SECURITY);
            let mut out = repartition(table, from, to)?;
            out.extend(reinherit(table, from, to));
            if on(from) != on(to) {
                out.push(row_level_security(table, on(to)));
            }
            out
        }
    })
}

/// `ALTER TABLE … ADD` a constraint, and its comment.
fn add_constraint(
    table: &str,
    name: &crate::model::Name,
    comment: Option<&String>,
    clause: String,
) -> Vec<String> {
    let mut out = vec![format!(
        "ALTER TABLE {} ADD {}{clause}",
        quote(D, table),
        named_prefix(D, name, comment.is_some())
    )];
    if comment.is_some() {
        out.push(comment_constraint(table, name.as_str(), comment));
    }
    out
}

fn drop_constraint(table: &str, name: &str) -> String {
    format!("ALTER TABLE {table} DROP CONSTRAINT {}", quote(D, name))
}

/// A primary key read from the catalog always has its real name; one from the desired side
/// that was never created has none, and PostgreSQL would have called it `<table>_pkey`.
fn pk_name(table: &str, pk: &crate::model::PrimaryKey) -> String {
    let n = pk.name.as_str();
    if n.is_empty() {
        format!("{}_pkey", unqualified(table))
    } else {
        n.to_string()
    }
}

fn alter_column(table: &str, from: &Column, to: &Column, changes: &ColumnChanges) -> Vec<String> {
    let prefix = format!(
        "ALTER TABLE {} ALTER COLUMN {}",
        quote(D, table),
        quote(D, &to.name)
    );
    let mut out = Vec::new();
    if changes.generated.is_some() {
        // A generated expression cannot be altered in place: recreate the column.
        out.push(format!(
            "ALTER TABLE {} DROP COLUMN {}",
            quote(D, table),
            quote(D, &to.name)
        ));
        out.push(format!(
            "ALTER TABLE {} ADD COLUMN {}",
            quote(D, table),
            column_def(to)
        ));
        return out;
    }
    let type_changes = changes.ty.is_some() || changes.collation.is_some();
    let is_serial = |i: &Option<Identity>| matches!(i, Some(Identity::Serial(_)));
    // PostgreSQL adds an identity only to a NOT NULL column: make it so first.
    let sets_not_null = changes.nullable.as_ref().is_some_and(|n| !n.to);
    let adds_identity = changes
        .identity
        .as_ref()
        .is_some_and(|i| is_identity(&i.to) && !is_identity(&i.from));
    let not_null_first = sets_not_null && adds_identity;
    if not_null_first {
        out.push(format!("{prefix} SET NOT NULL"));
    }
    if let Some(Delta { from: a, to: b }) = &changes.identity {
        out.extend(numbering_steps(&prefix, table, from, to, a, b));
    }
    if type_changes {
        if from.default.is_some() && to.identity.is_none() {
            out.push(format!("{prefix} DROP DEFAULT"));
        }
        // `serial` is a type only in CREATE TABLE; ALTER takes the underlying integer type.
        let collate = to
            .collation
            .as_ref()
            .map(|c| collate_clause(D, c))
            .unwrap_or_default();
        // One enum type has no cast to another: through its label. (So for any type plinth
        // does not know to be built in: every type reads its own text form.)
        let via_text = if from.ty.is_known_base() || to.ty.is_known_base() {
            ""
        } else {
            "::text"
        };
        out.push(format!(
            "{prefix} TYPE {}{collate} USING {}{via_text}::{}",
            to.ty,
            quote(D, &to.name),
            to.ty
        ));
    }
    if let Some(n) = &changes.nullable {
        if !not_null_first {
            out.push(format!(
                "{prefix} {} NOT NULL",
                if n.to { "DROP" } else { "SET" }
            ));
        }
    }
    if (changes.default.is_some() || type_changes) && !is_serial(&to.identity) {
        match &to.default {
            Some(d) => out.push(format!("{prefix} SET DEFAULT {}", postgres_default_sql(d))),
            None if from.default.is_some() && !type_changes => {
                out.push(format!("{prefix} DROP DEFAULT"))
            }
            None => {}
        }
    }
    if changes.comment.is_some() {
        out.push(comment_column(table, &to.name, to.comment.as_ref()));
    }
    out
}

/// A standard identity (`GENERATED … AS IDENTITY`), as opposed to a serial or none.
fn is_identity(i: &Option<Identity>) -> bool {
    matches!(i, Some(Identity::Always(_) | Identity::ByDefault(_)))
}

/// How a column's numbering changes: identity, `serial` (a sequence owned by the column and a
/// `nextval` default) or none. Every way in keeps the rows' numbers and continues after the
/// column's largest value; a serial's old sequence goes with it unless another default uses it.
/// `prefix` is the column's `ALTER TABLE … ALTER COLUMN …`.
fn numbering_steps(
    prefix: &str,
    table: &str,
    from: &Column,
    to: &Column,
    a: &Option<Identity>,
    b: &Option<Identity>,
) -> Vec<String> {
    let mut out = Vec::new();
    // Leaving the old numbering.
    match a {
        Some(Identity::Always(_) | Identity::ByDefault(_)) => {
            if !is_identity(b) {
                out.push(format!("{prefix} DROP IDENTITY"));
            }
        }
        Some(Identity::Serial(old)) => match b {
            Some(Identity::Serial(new)) => {
                // The same sequence, made as wide as the column (`serial` → `bigserial`).
                if let Some(name) = &old.live_name {
                    out.push(format!(
                        "ALTER SEQUENCE {} AS {}",
                        quote(D, name),
                        new.data_type
                    ));
                }
                return out;
            }
            _ => {
                out.push(format!("{prefix} DROP DEFAULT"));
                if let Some(name) = &old.live_name {
                    out.push(if old.shared {
                        format!("ALTER SEQUENCE {} OWNED BY NONE", quote(D, name))
                    } else {
                        format!("DROP SEQUENCE {}", quote(D, name))
                    });
                }
            }
        },
        Some(Identity::AutoIncrement) | None => {}
    }
    // Taking up the new one.
    match b {
        Some(Identity::Always(_) | Identity::ByDefault(_)) => {
            if is_identity(a) {
                // `ALTER … SET GENERATED` would keep the options; dropping and adding is one
                // rule for every option. The new sequence continues after the rows.
                out.push(format!("{prefix} DROP IDENTITY"));
            } else if a.is_none() && from.default.is_some() {
                out.push(format!("{prefix} DROP DEFAULT"));
            }
            out.push(format!("{prefix} ADD {}", identity_clause(to)));
            let descending = matches!(b, Some(Identity::Always(o) | Identity::ByDefault(o))
                if o.increment.is_some_and(|i| i < 0));
            out.push(continue_after_rows(
                table,
                &to.name,
                descending,
                &format!(
                    "pg_get_serial_sequence({}, {})",
                    string_literal(D, &quote(D, table)),
                    string_literal(D, &to.name)
                ),
            ));
        }
        Some(Identity::Serial(new)) => {
            let seq = quote(D, &format!("{}_{}_seq", table, to.name));
            out.push(format!(
                "CREATE SEQUENCE {seq} AS {} OWNED BY {}.{}",
                new.data_type,
                quote(D, table),
                quote(D, &to.name)
            ));
            out.push(format!(
                "{prefix} SET DEFAULT nextval({})",
                string_literal(D, &seq)
            ));
            out.push(continue_after_rows(
                table,
                &to.name,
                false,
                &string_literal(D, &seq),
            ));
        }
        Some(Identity::AutoIncrement) | None => {}
    }
    out
}

/// Set `sequence` (an SQL expression naming it) so that its next value follows the largest in
/// the column (the smallest, when it counts down); on an empty table the sequence keeps its
/// start.
fn continue_after_rows(table: &str, column: &str, descending: bool, sequence: &str) -> String {
    let last = if descending { "min" } else { "max" };
    format!(
        "SELECT setval({sequence}, {last}({c})) FROM {t} HAVING {last}({c}) IS NOT NULL",
        c = quote(D, column),
        t = quote(D, table)
    )
}

fn identity_clause(c: &Column) -> String {
    match &c.identity {
        Some(Identity::Always(o)) => format!("GENERATED ALWAYS AS IDENTITY{}", seq_options(o)),
        Some(Identity::ByDefault(o)) => {
            format!("GENERATED BY DEFAULT AS IDENTITY{}", seq_options(o))
        }
        _ => String::new(),
    }
}

/// A string as a dollar-quoted literal whose tag the text does not hold (`$function$`, or
/// `$function1$`… when it does), so the text needs no escaping and cannot end it.
fn dollar_quoted(text: &str) -> String {
    let text = text.replace('\0', "");
    let mut n = 0usize;
    loop {
        let tag = if n == 0 {
            "$function$".to_string()
        } else {
            format!("$function{n}$")
        };
        if !text.contains(&tag) && !format!("{text}$").contains(&tag) {
            return format!("{tag}{text}{tag}");
        }
        n += 1;
    }
}

fn routine_kind(f: &Function) -> &'static str {
    if f.procedure {
        "PROCEDURE"
    } else {
        "FUNCTION"
    }
}

/// `name(arguments)` and what follows them up to the options: the part of a routine
/// `CREATE OR REPLACE` cannot change.
fn routine_head(f: &Function, s: &RoutineSource) -> String {
    let arguments: Vec<String> = s
        .arguments
        .iter()
        .map(|a| {
            let mut out = String::new();
            if let Some(mode) = a.mode {
                out.push_str(mode);
                out.push(' ');
            }
            if let Some(name) = &a.name {
                out.push_str(&quote(D, name));
                out.push(' ');
            }
            out.push_str(a.data_type.as_str());
            if let Some(d) = &a.default {
                out.push_str(" DEFAULT ");
                out.push_str(d);
            }
            out
        })
        .collect();
    let mut head = format!("{}({})", quote(D, &f.name), arguments.join(", "));
    match &s.returns {
        Some(Returns::Type { setof, data_type }) => {
            head.push_str(" RETURNS ");
            if *setof {
                head.push_str("SETOF ");
            }
            head.push_str(data_type.as_str());
        }
        Some(Returns::Table(columns)) => {
            let columns: Vec<String> = columns
                .iter()
                .map(|(n, t)| format!("{} {}", quote(D, n), t.as_str()))
                .collect();
            head.push_str(&format!(" RETURNS TABLE({})", columns.join(", ")));
        }
        None => {}
    }
    head
}

fn routine_statement(f: &Function, s: &RoutineSource, replace: bool) -> String {
    let mut sql = format!(
        "CREATE {}{} {}",
        if replace { "OR REPLACE " } else { "" },
        routine_kind(f),
        routine_head(f, s)
    );
    for o in &s.options {
        sql.push_str("\n ");
        match o {
            RoutineOption::Language(l) => sql.push_str(&format!("LANGUAGE {}", bare(D, l))),
            RoutineOption::Words(w) => sql.push_str(w),
            RoutineOption::Cost(n) => sql.push_str(&format!("COST {}", number(n))),
            RoutineOption::Rows(n) => sql.push_str(&format!("ROWS {}", number(n))),
            RoutineOption::Support(name) => sql.push_str(&format!("SUPPORT {}", quote(D, name))),
            RoutineOption::Set(p, values) => {
                let values: Vec<String> = values
                    .iter()
                    .map(|v| match v {
                        SetValue::Word(w) => bare(D, w),
                        SetValue::Number(n) => number(n),
                        SetValue::String(s) => string_literal(D, s),
                    })
                    .collect();
                sql.push_str(&format!("SET {} = {}", bare(D, p), values.join(", ")))
            }
            RoutineOption::SetFromCurrent(p) => {
                sql.push_str(&format!("SET {} FROM CURRENT", bare(D, p)))
            }
        }
    }
    match &s.body {
        RoutineBody::Text(t) => sql.push_str(&format!("\nAS {}", dollar_quoted(t))),
        RoutineBody::Object(o, l) => sql.push_str(&format!(
            "\nAS {}, {}",
            string_literal(D, o),
            string_literal(D, l)
        )),
        RoutineBody::Sql(body) => sql.push_str(&format!("\n{body}")),
    }
    sql
}

/// A number as the tokenizer read it (digits, a point, an exponent), or `0` when it holds
/// anything else (it cannot: the tokenizer made it a number).
fn number(n: &str) -> String {
    let numeric = |c: char| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-');
    if n.starts_with(|c: char| c.is_ascii_digit() || c == '.') && n.chars().all(numeric) {
        n.to_string()
    } else {
        "0".to_string()
    }
}

/// A desired routine's header and definition as plinth writes them (offline: what is
/// compared until the server says what it keeps, `db::canonical`).
pub fn routine_texts(f: &Function) -> (String, String) {
    match &f.source {
        Some(s) => (routine_head(f, s), routine_statement(f, s, true)),
        None => (String::new(), String::new()),
    }
}

/// What creates a routine (or replaces it: `replace`).
fn create_routine(f: &Function, replace: bool) -> Result<String> {
    let Some(s) = &f.source else {
        return Err(Error::usage(format!(
            "routine `{}` has no source to create it from",
            f.name
        )));
    };
    Ok(routine_statement(f, s, replace))
}

fn routine_ref(f: &Function) -> String {
    format!("{} {}({})", routine_kind(f), quote(D, &f.name), f.signature)
}

/// `ALTER FUNCTION schema.f(args) RENAME TO name`: a live routine put out of the way of
/// the scratch schema's (`db::canonical`), in a transaction that is rolled back.
pub(crate) fn rename_routine(schema: &str, f: &Function, to: &str) -> String {
    format!(
        "ALTER {} {}.{}({}) RENAME TO {}",
        routine_kind(f),
        quote(D, schema),
        quote(D, &f.name),
        f.signature,
        quote(D, to)
    )
}

fn comment_routine(f: &Function) -> String {
    format!(
        "COMMENT ON {} IS {}",
        routine_ref(f),
        f.comment
            .as_deref()
            .map_or_else(|| "NULL".to_string(), |t| string_literal(D, t))
    )
}

/// The statement that creates a trigger as plinth writes it.
pub fn create_trigger(t: &Trigger) -> String {
    let Some(s) = &t.source else {
        return String::new();
    };
    let mut sql = crate::render::trigger_head(D, t, s);
    if !s.referencing.is_empty() {
        sql.push_str(" REFERENCING");
        for (which, name) in &s.referencing {
            sql.push_str(&format!(" {which} TABLE AS {}", quote(D, name)));
        }
    }
    sql.push_str(if s.for_each_row {
        " FOR EACH ROW"
    } else {
        " FOR EACH STATEMENT"
    });
    if let Some(when) = &s.when {
        sql.push_str(&format!(" WHEN ({when})"));
    }
    let arguments: Vec<String> = s.arguments.iter().map(|a| string_literal(D, a)).collect();
    sql.push_str(&format!(
        " EXECUTE FUNCTION {}({})",
        quote(D, &t.function),
        arguments.join(", ")
    ));
    sql
}

/// `COMMENT ON TRIGGER|POLICY name ON table IS …` (`NULL`: none).
fn comment_on_table_object(kind: &str, name: &str, table: &str, comment: Option<&str>) -> String {
    format!(
        "COMMENT ON {kind} {} ON {} IS {}",
        quote(D, name),
        quote(D, table),
        comment.map_or_else(|| "NULL".to_string(), |c| string_literal(D, c))
    )
}

/// The statement that creates a policy as plinth writes it: every name quoted, the
/// expressions printed from their parse trees (or as the catalog deparses them).
pub fn create_policy(name: &str, table: &str, s: &PolicySource) -> String {
    let mut sql = format!("CREATE POLICY {} ON {}", quote(D, name), quote(D, table));
    if s.restrictive {
        sql.push_str(" AS RESTRICTIVE");
    }
    sql.push_str(&format!(" FOR {}", s.command));
    let roles: Vec<String> = s
        .roles
        .iter()
        .map(|r| match r {
            PolicyRole::Keyword(k) => k.to_string(),
            PolicyRole::Name(n) => quote(D, n),
        })
        .collect();
    if !roles.is_empty() {
        sql.push_str(&format!(" TO {}", roles.join(", ")));
    }
    if let Some(u) = &s.using {
        sql.push_str(&format!(" USING ({u})"));
    }
    if let Some(c) = &s.check {
        sql.push_str(&format!(" WITH CHECK ({c})"));
    }
    sql
}

/// `ALTER SEQUENCE` to every option it should have, the defaults spelled out (an option left
/// out of `ALTER SEQUENCE` keeps its value). The value the sequence has reached stays.
fn alter_sequence(q: &crate::model::Sequence) -> String {
    let o = &q.options;
    let (min, max) = match q.data_type.as_str() {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let increment = o.increment.unwrap_or(1);
    let (min, max) = if increment > 0 { (1, max) } else { (min, -1) };
    let min = o.min_value.unwrap_or(min);
    let max = o.max_value.unwrap_or(max);
    let start = o.start.unwrap_or(if increment > 0 { min } else { max });
    format!(
        "ALTER SEQUENCE {} AS {} INCREMENT BY {increment} MINVALUE {min} MAXVALUE {max} START WITH {start} CACHE {} {}",
        quote(D, &q.name),
        q.data_type,
        o.cache.unwrap_or(1),
        if o.cycle { "CYCLE" } else { "NO CYCLE" }
    )
}

/// A composite type changed in place: attributes dropped, retyped, added (at the end). Kept
/// attributes cannot change their order: refused at plan time.
fn alter_composite(
    from: &crate::model::CompositeType,
    to: &crate::model::CompositeType,
) -> Result<Vec<String>> {
    let kept: Vec<&String> = from
        .attributes
        .iter()
        .map(|(n, _)| n)
        .filter(|n| to.attributes.iter().any(|(t, _)| t == *n))
        .collect();
    let mut expected: Vec<&String> = kept.clone();
    expected.extend(
        to.attributes
            .iter()
            .map(|(n, _)| n)
            .filter(|n| !from.attributes.iter().any(|(f, _)| f == *n)),
    );
    let desired: Vec<&String> = to.attributes.iter().map(|(n, _)| n).collect();
    if expected != desired {
        return Err(Error::usage(format!(
            "refusing to plan: composite type `{}` would reorder its attributes ({} → {}); PostgreSQL adds attributes at the end only: reordering needs a manual migration",
            to.name,
            from.attributes.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "),
            desired.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    let mut clauses = Vec::new();
    for (n, _) in &from.attributes {
        if !to.attributes.iter().any(|(t, _)| t == n) {
            clauses.push(format!("DROP ATTRIBUTE {}", quote(D, n)));
        }
    }
    for (n, t) in &to.attributes {
        match from.attributes.iter().find(|(f, _)| f == n) {
            Some((_, old)) if old != t => {
                clauses.push(format!("ALTER ATTRIBUTE {} TYPE {t}", quote(D, n)))
            }
            Some(_) => {}
            None => clauses.push(format!("ADD ATTRIBUTE {} {t}", quote(D, n))),
        }
    }
    if clauses.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![format!(
        "ALTER TYPE {} {}",
        quote(D, &to.name),
        clauses.join(", ")
    )])
}
