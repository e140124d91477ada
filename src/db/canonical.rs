//! What the server makes of the desired views and domains: they are created in a scratch
//! schema (PostgreSQL, inside a transaction that is rolled back) or a scratch database (MySQL,
//! dropped afterwards, even on failure), over empty copies of the desired tables, and read back
//! by the same inspector; each view definition the server gives replaces the printed query as
//! what is compared, each domain's default and checks replace the offline normalizer's, so
//! desired and live meet as the server keeps both. SQLite keeps a view's text as written:
//! nothing to ask.

use std::collections::{BTreeMap, BTreeSet};

use super::{Conn, DatabaseUrl};
use crate::engine::postgres::partition::{
    parents, INHERITS, PARTITION, PARTITION_BOUND, PARTITION_OF,
};
use crate::error::{Error, Result};
use crate::model::{Dialect, Function, Identity, Index, IndexKey, Schema};
use crate::quote;
use crate::render::Statement;

/// The PostgreSQL schema the desired views are tried in (gone with the rollback).
const SCRATCH_SCHEMA: &str = "plinth_scratch";

/// Give each desired view, domain, routine, trigger and policy what the server keeps for it
/// (see the module documentation), on a connection of its own (a scratch database would
/// otherwise stay the current one of statements the connection prepared). A view the server
/// refuses is an error naming the statement.
///
/// `live` is the database as inspected: a desired table whose column defaults, generated
/// columns, checks or index expressions read otherwise than the live table's (the offline
/// rules may not know what the server makes of them) is tried on the server too, with them, and
/// takes the server's text where it has one; when the server refuses those tables, they are
/// compared as the offline rules make them.
pub async fn server_canonical(
    url: &DatabaseUrl,
    desired: &mut Schema,
    live: &Schema,
) -> Result<()> {
    let dialect = url.dialect();
    if dialect == Dialect::Sqlite {
        return Ok(());
    }
    let suspects = suspects(dialect, desired, live);
    let nothing = desired.views.is_empty()
        && desired.policies.is_empty()
        && desired.domains.is_empty()
        && desired.functions.is_empty()
        && desired.triggers.is_empty()
        && !desired.tables.values().any(is_partitioning);
    if nothing && suspects.is_empty() {
        return Ok(());
    }
    // A live overload of a desired routine of the default schema that is not desired would be
    // chosen over the scratch schema's where it fits a call exactly: out of the way while
    // trying. (Another schema is tried afresh, its live self renamed out of the way.)
    let overloads: Vec<&Function> = (live.functions.iter())
        .filter(|(key, f)| {
            crate::model::split_qualified(&f.name).0.is_none()
                && !desired.functions.contains_key(*key)
                && desired.functions.values().any(|d| d.name == f.name)
        })
        .map(|(_, f)| f)
        .collect();
    let tried = match try_on_server(url, desired, live, &suspects, &overloads).await {
        Ok(tried) => tried,
        Err(_) if !suspects.is_empty() && nothing => return Ok(()),
        Err(_) if !suspects.is_empty() => {
            try_on_server(url, desired, live, &BTreeSet::new(), &overloads).await?
        }
        Err(e) => return Err(e),
    };
    for name in &suspects {
        if let (Some(d), Some(t)) = (desired.tables.get_mut(name), tried.tables.get(name)) {
            take_expressions(dialect, d, t);
        }
    }
    // A partition's bound as the server spells its values (`'2024-01-01 00:00:00'`), a
    // partitioned table's key as it prints it.
    for (name, t) in tried.tables.iter().filter(|_| dialect == Dialect::Postgres) {
        if let Some(d) = desired.tables.get_mut(name) {
            for option in [PARTITION, PARTITION_BOUND] {
                if let (Some(mine), Some(server)) =
                    (d.options.get_mut(option), t.options.get(option))
                {
                    mine.clone_from(server);
                }
            }
        }
    }
    for (name, view) in tried.views {
        if let Some(d) = desired.views.get_mut(&name) {
            d.definition = view.definition;
            if !view.indexes.is_empty() {
                d.indexes = view.indexes;
            }
        }
    }
    for (name, domain) in tried.domains {
        if let Some(d) = desired.domains.get_mut(&name) {
            d.default = domain.default;
            d.checks = domain.checks;
        }
    }
    for (key, trigger) in tried.triggers {
        if let Some(t) = desired.triggers.get_mut(&key) {
            t.definition = trigger.definition;
        }
    }
    for (key, policy) in tried.policies {
        if let Some(p) = desired.policies.get_mut(&key) {
            p.definition = policy.definition;
        }
    }
    rekey_functions(&mut desired.functions, tried.functions);
    Ok(())
}

/// A PostgreSQL partitioned table or partition: what the server spells is asked for.
fn is_partitioning(t: &crate::model::Table) -> bool {
    t.options.contains_key(PARTITION_BOUND) || t.options.contains_key(PARTITION_OF)
}

/// The desired schema created in a scratch schema (database) and read back.
async fn try_on_server(
    url: &DatabaseUrl,
    desired: &Schema,
    live: &Schema,
    suspects: &BTreeSet<String>,
    overloads: &[&Function],
) -> Result<Schema> {
    let mut conn = super::connect(url).await?;
    match url.dialect() {
        Dialect::Postgres => postgres(&mut conn, desired, live, suspects, overloads).await,
        Dialect::Mysql => {
            let scratch = scratch_schema(desired, suspects, &BTreeSet::new());
            let statements = crate::pipeline::creation(Dialect::Mysql, &scratch)?;
            mysql(&mut conn, &statements).await
        }
        Dialect::Sqlite => Ok(Schema::default()),
    }
}

/// The desired tables whose expressions (column defaults, generated columns, checks, index
/// keys and predicates) read otherwise than the live table's of the same name, and the new
/// tables that have any.
fn suspects(dialect: Dialect, desired: &Schema, live: &Schema) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (name, t) in &desired.tables {
        let Some(l) = live.tables.get(name) else {
            let any = t
                .columns
                .iter()
                .any(|c| c.default.is_some() || c.generated.is_some())
                || !t.checks.is_empty()
                || t.indexes.iter().any(|i| {
                    i.predicate.is_some()
                        || i.parts.iter().any(|p| matches!(p.key, IndexKey::Expr(_)))
                });
            if any {
                out.insert(name.clone());
            }
            continue;
        };
        let columns = t.columns.iter().any(|c| {
            l.columns
                .iter()
                .find(|lc| dialect.same_column(&lc.name, &c.name))
                .is_some_and(|lc| {
                    (c.default.is_some() && lc.default != c.default)
                        || (c.generated.is_some()
                            && lc.generated.as_ref().map(|g| &g.expr)
                                != c.generated.as_ref().map(|g| &g.expr))
                })
        });
        let check_texts = |t: &crate::model::Table| {
            let mut v: Vec<String> = t.checks.iter().map(|c| c.expr.to_string()).collect();
            v.sort();
            v
        };
        let checks = !t.checks.is_empty() && check_texts(t) != check_texts(l);
        let indexes = t.indexes.iter().any(|i| {
            let expressions =
                i.predicate.is_some() || i.parts.iter().any(|p| matches!(p.key, IndexKey::Expr(_)));
            expressions
                && l.indexes
                    .iter()
                    .find(|li| li.name == i.name)
                    .is_some_and(|li| li.parts != i.parts || li.predicate != i.predicate)
        });
        if columns || checks || indexes {
            out.insert(name.clone());
        }
    }
    out
}

/// A desired table takes the server's text of its expressions from the table the server made
/// of it (`tried`): column by column, check and index by name.
fn take_expressions(
    dialect: Dialect,
    desired: &mut crate::model::Table,
    tried: &crate::model::Table,
) {
    for c in &mut desired.columns {
        let Some(t) = tried
            .columns
            .iter()
            .find(|t| dialect.same_column(&t.name, &c.name))
        else {
            continue;
        };
        if c.default.is_some() && t.default.is_some() {
            c.default = t.default.clone();
        }
        if let (Some(g), Some(tg)) = (&mut c.generated, &t.generated) {
            g.expr = tg.expr.clone();
        }
    }
    // By the name's text: generated names compare equal whatever they say, and the server
    // generates the ones plinth expects (`normalize::names`).
    let same = |a: &crate::model::Name, b: &crate::model::Name| {
        !a.as_str().is_empty() && a.as_str() == b.as_str()
    };
    for check in &mut desired.checks {
        if let Some(t) = tried.checks.iter().find(|t| same(&t.name, &check.name)) {
            check.expr = t.expr.clone();
        }
    }
    for index in &mut desired.indexes {
        if let Some(t) = tried.indexes.iter().find(|t| same(&t.name, &index.name)) {
            if t.parts.len() == index.parts.len() {
                index.parts = t.parts.clone();
            }
            index.predicate = t.predicate.clone();
        }
    }
    desired.normalize_order();
}

/// Each desired routine takes what the server made of it: its definition, header and
/// signature (the key changes with it). A routine is the one of the same key, or else the
/// only one of its name on both sides (the offline signature may spell a type otherwise).
fn rekey_functions(desired: &mut BTreeMap<String, Function>, tried: BTreeMap<String, Function>) {
    let count = |map: &BTreeMap<String, Function>, name: &str| {
        map.values().filter(|f| f.name == name).count()
    };
    let mut matched = Vec::new();
    for (key, server) in &tried {
        let own = if desired.contains_key(key) {
            Some(key.clone())
        } else if count(&tried, &server.name) == 1 && count(desired, &server.name) == 1 {
            desired
                .iter()
                .find(|(_, f)| f.name == server.name)
                .map(|(k, _)| k.clone())
        } else {
            None
        };
        if let Some(own) = own {
            matched.push((own, server));
        }
    }
    for (own, server) in matched {
        if let Some(mut f) = desired.remove(&own) {
            f.signature = server.signature.clone();
            f.header = server.header.clone();
            f.definition = server.definition.clone();
            desired.insert(Function::key(&f.name, &f.signature), f);
        }
    }
}

/// The desired schema as the views need it: the tables with their columns and keys (a view may
/// group by a key), no foreign keys, checks, indexes, defaults or comments — but the `suspects`,
/// with their defaults, checks and indexes; every view plain (a materialized one would run its
/// query) but one with an index on an expression and without a comment. Of the schemas other
/// than the default one, those of `fresh` alone (made anew in the scratch transaction); what is
/// in another is compared as the offline rules make it.
fn scratch_schema(
    desired: &Schema,
    suspects: &BTreeSet<String>,
    fresh: &BTreeSet<String>,
) -> Schema {
    let mut schema = desired.clone();
    let tried = |schema: Option<&str>| schema.is_none_or(|s| fresh.contains(s));
    let here = |key: &String| tried(crate::model::split_qualified(key).0);
    schema.namespaces.retain(|k, _| fresh.contains(k));
    for n in schema.namespaces.values_mut() {
        n.comment = None;
    }
    // A partition of a table elsewhere is not tried; a table inheriting from one elsewhere is
    // tried with its own columns.
    schema.retain_schemas(tried);
    let of_here = |t: &crate::model::Table| t.options.get(PARTITION_OF).is_none_or(&here);
    schema.tables.retain(|_, t| of_here(t));
    for t in schema.tables.values_mut() {
        if !parents(&t.options).all(|p| here(&p.into())) {
            t.options.remove(INHERITS);
        }
    }
    for t in schema.tables.values_mut() {
        t.foreign_keys.clear();
        if suspects.contains(&t.name) {
            t.comment = None;
            for c in &mut t.columns {
                c.comment = None;
            }
            for i in &mut t.indexes {
                i.comment = None;
            }
            for c in &mut t.checks {
                c.comment = None;
            }
            continue;
        }
        t.checks.clear();
        t.indexes.clear();
        t.comment = None;
        for c in &mut t.columns {
            c.comment = None;
            if !matches!(c.identity, Some(Identity::Serial(_))) {
                c.default = None;
            }
        }
    }
    for v in schema.views.values_mut() {
        // Kept (over the scratch tables, empty) where an index's expression or predicate
        // is the server's to spell.
        let spelled = |i: &Index| {
            i.predicate.is_some() || i.parts.iter().any(|p| matches!(p.key, IndexKey::Expr(_)))
        };
        if !v.indexes.iter().any(spelled) {
            v.materialized = false;
            v.indexes.clear();
        }
        v.comment = None;
    }
    for f in schema.functions.values_mut() {
        f.comment = None;
    }
    for t in schema.triggers.values_mut() {
        t.comment = None;
    }
    // An event would run; it is compared as plinth writes it.
    schema.events.clear();
    schema
}

/// What plinth was doing when the server refused `statement`.
fn trying(statement: &str) -> String {
    format!("trying the desired views, domains, routines and triggers on the server (in a scratch schema, undone), `{statement}`")
}

/// Run `sql` as it is (a scratch schema's or database's own statements).
async fn raw(conn: &mut Conn, sql: &str) -> Result<()> {
    conn.run_script(sql)
        .await
        .map_err(|e| Error::database(trying(sql), e))
}

/// The desired schema's statements, then what the inspector reads back (PostgreSQL: the
/// scratch schema, which is the default one there, and the schemas `fresh`).
async fn create_and_read(
    conn: &mut Conn,
    statements: &[Statement],
    fresh: &[String],
) -> Result<Schema> {
    for s in statements {
        conn.execute(&s.sql)
            .await
            .map_err(|e| Error::database(trying(&s.sql), e))?;
    }
    let inspected = match conn {
        Conn::Postgres(c) => crate::engine::postgres::inspect::inspect_schemas(c, fresh).await?,
        _ => super::inspect(conn).await?,
    };
    Ok(inspected.schema)
}

/// The schemas other than the default one that the desired objects are tried in: each made
/// anew, its live self (if any) renamed out of the way inside the transaction. One plinth may
/// not rename (another role's), or that holds an extension (whose objects would go aside with
/// it), is left out: its objects are compared as the offline rules make them.
async fn fresh_schemas(conn: &mut Conn, desired: &Schema) -> Result<BTreeSet<String>> {
    let Conn::Postgres(c) = &mut *conn else {
        return Ok(BTreeSet::new());
    };
    let existing: Vec<(String, bool)> = sqlx::query_as(
        "SELECT n.nspname::text, EXISTS (SELECT 1 FROM pg_extension e WHERE e.extnamespace = n.oid)
         FROM pg_namespace n",
    )
    .fetch_all(&mut *c)
    .await
    .map_err(|e| Error::database("reading the schemas", e))?;
    let mut fresh = BTreeSet::new();
    for (n, name) in desired.namespaces.keys().enumerate() {
        let live = existing.iter().find(|(live, _)| live == name);
        if live.is_some_and(|(_, extension)| *extension) {
            continue;
        }
        if live.is_some() {
            let aside = quote::ident(Dialect::Postgres, &format!("{SCRATCH_SCHEMA}_aside_{n}"));
            let rename = format!(
                "ALTER SCHEMA {} RENAME TO {aside}",
                quote::ident(Dialect::Postgres, name)
            );
            raw(conn, "SAVEPOINT plinth_scratch_rename").await?;
            if conn.run_script(&rename).await.is_err() {
                raw(conn, "ROLLBACK TO SAVEPOINT plinth_scratch_rename").await?;
                continue;
            }
            raw(conn, "RELEASE SAVEPOINT plinth_scratch_rename").await?;
        }
        fresh.insert(name.clone());
    }
    Ok(fresh)
}

async fn postgres(
    conn: &mut Conn,
    desired: &Schema,
    live: &Schema,
    suspects: &BTreeSet<String>,
    overloads: &[&Function],
) -> Result<Schema> {
    let Conn::Postgres(c) = &mut *conn else {
        return Err(Error::usage("a PostgreSQL connection was expected"));
    };
    let current: Option<String> = sqlx::query_scalar("SELECT current_schema()::text")
        .fetch_one(&mut *c)
        .await
        .map_err(|e| Error::database("reading the current schema", e))?;
    let current = current.unwrap_or_else(|| "public".into());
    let scratch = quote::ident(Dialect::Postgres, SCRATCH_SCHEMA);
    raw(conn, "BEGIN").await?;
    let result = async {
        raw(conn, &format!("CREATE SCHEMA {scratch}")).await?;
        for (n, f) in overloads.iter().enumerate() {
            let out_of_the_way = format!("{SCRATCH_SCHEMA}_overload_{n}");
            let rename =
                crate::engine::postgres::render::rename_routine(&current, f, &out_of_the_way);
            raw(conn, &rename).await?;
        }
        let fresh = fresh_schemas(conn, desired).await?;
        let scratch_schema = scratch_schema(desired, suspects, &fresh);
        // An extension installed already stays where it is (`IF NOT EXISTS`): one desired
        // elsewhere is moved there, as the plan would.
        let base = Schema {
            extensions: (live.extensions.iter())
                .filter(|(name, _)| scratch_schema.extensions.contains_key(*name))
                .map(|(name, e)| (name.clone(), e.clone()))
                .collect(),
            ..Schema::default()
        };
        let statements = crate::pipeline::creation_over(Dialect::Postgres, &base, &scratch_schema)?;
        let path = quote::ident(Dialect::Postgres, &current);
        raw(conn, &format!("SET LOCAL search_path TO {scratch}, {path}")).await?;
        let fresh: Vec<String> = fresh.into_iter().collect();
        create_and_read(conn, &statements, &fresh).await
    }
    .await;
    let _ = conn.run_script("ROLLBACK").await;
    result
}

async fn mysql(conn: &mut Conn, statements: &[Statement]) -> Result<Schema> {
    let Conn::Mysql(c) = &mut *conn else {
        return Err(Error::usage("a MySQL connection was expected"));
    };
    let current: Option<String> = sqlx::query_scalar("SELECT DATABASE()")
        .fetch_one(&mut *c)
        .await
        .map_err(|e| Error::database("reading the current database", e))?;
    let Some(current) = current else {
        return Err(Error::usage("the MySQL URL names no database"));
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let scratch = format!("plinth_scratch_{}_{nanos}", std::process::id());
    let q = |name: &str| quote::ident(Dialect::Mysql, name);
    raw(conn, &format!("CREATE DATABASE {}", q(&scratch))).await?;
    let result = async {
        raw(conn, &format!("USE {}", q(&scratch))).await?;
        create_and_read(conn, statements, &[]).await
    }
    .await;
    let back = raw(conn, &format!("USE {}", q(&current))).await;
    let dropped = raw(conn, &format!("DROP DATABASE {}", q(&scratch))).await;
    let tried = result?;
    back?;
    dropped?;
    Ok(tried)
}
