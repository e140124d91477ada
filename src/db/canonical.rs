//! What the server makes of the desired views and domains: they are created in a scratch
//! schema (PostgreSQL, inside a transaction that is rolled back) or a scratch database (MySQL,
//! dropped afterwards, even on failure), over empty copies of the desired tables, and read back
//! by the same inspector; each view definition the server gives replaces the printed query as
//! what is compared, each domain's default and checks replace the offline normalizer's, so
//! desired and live meet as the server keeps both. SQLite keeps a view's text as written:
//! nothing to ask.

use sqlx::{MySqlConnection, PgConnection};

use super::{Conn, DatabaseUrl};
use crate::error::{Error, Result};
use crate::model::{Dialect, Identity, Schema};
use crate::quote;
use crate::render::Statement;

/// The PostgreSQL schema the desired views are tried in (gone with the rollback).
const SCRATCH_SCHEMA: &str = "plinth_scratch";

/// Give each desired view and domain what the server keeps for it (see the module
/// documentation), on a connection of its own (a scratch database would otherwise stay the
/// current one of statements the connection prepared). A view the server refuses is an error
/// naming the statement.
pub async fn server_canonical(url: &DatabaseUrl, desired: &mut Schema) -> Result<()> {
    let dialect = url.dialect();
    if (desired.views.is_empty() && desired.domains.is_empty()) || dialect == Dialect::Sqlite {
        return Ok(());
    }
    let statements = crate::pipeline::creation(dialect, &scratch_schema(desired))?;
    let mut conn = super::connect(url).await?;
    let tried = match &mut conn {
        Conn::Postgres(c) => postgres(c, &statements).await?,
        Conn::Mysql(c) => mysql(c, &statements).await?,
        Conn::Sqlite(_) => return Ok(()),
    };
    for (name, view) in tried.views {
        if let Some(d) = desired.views.get_mut(&name) {
            d.definition = view.definition;
        }
    }
    for (name, domain) in tried.domains {
        if let Some(d) = desired.domains.get_mut(&name) {
            d.default = domain.default;
            d.checks = domain.checks;
        }
    }
    Ok(())
}

/// The desired schema as the views need it: the tables with their columns and keys (a view may
/// group by a key), no foreign keys, checks, indexes, defaults or comments; every view plain
/// (a materialized one would run its query) and without a comment.
fn scratch_schema(desired: &Schema) -> Schema {
    let mut schema = desired.clone();
    for t in schema.tables.values_mut() {
        t.foreign_keys.clear();
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
        v.materialized = false;
        v.comment = None;
    }
    schema
}

fn refused(statement: &str) -> impl FnOnce(sqlx::Error) -> Error + '_ {
    move |e| {
        Error::database(
            format!("trying the desired views on the server (in a scratch schema, undone), `{statement}`"),
            e,
        )
    }
}

async fn postgres(c: &mut PgConnection, statements: &[Statement]) -> Result<Schema> {
    let current: Option<String> = sqlx::query_scalar("SELECT current_schema()::text")
        .fetch_one(&mut *c)
        .await
        .map_err(|e| Error::database("reading the current schema", e))?;
    let current = current.unwrap_or_else(|| "public".into());
    sqlx::raw_sql("BEGIN")
        .execute(&mut *c)
        .await
        .map_err(refused("BEGIN"))?;
    let result = async {
        let create = format!(
            "CREATE SCHEMA {}",
            quote::ident(Dialect::Postgres, SCRATCH_SCHEMA)
        );
        sqlx::raw_sql(&create)
            .execute(&mut *c)
            .await
            .map_err(refused(&create))?;
        let path = format!(
            "SET LOCAL search_path TO {}, {}",
            quote::ident(Dialect::Postgres, SCRATCH_SCHEMA),
            quote::ident(Dialect::Postgres, &current)
        );
        sqlx::raw_sql(&path)
            .execute(&mut *c)
            .await
            .map_err(refused(&path))?;
        for s in statements {
            sqlx::query(&s.sql)
                .persistent(false)
                .execute(&mut *c)
                .await
                .map_err(refused(&s.sql))?;
        }
        crate::engine::postgres::inspect::inspect(c).await
    }
    .await;
    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *c).await;
    Ok(result?.schema)
}

async fn mysql(c: &mut MySqlConnection, statements: &[Statement]) -> Result<Schema> {
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
    let create = format!("CREATE DATABASE {}", q(&scratch));
    sqlx::raw_sql(&create)
        .execute(&mut *c)
        .await
        .map_err(refused(&create))?;
    let result = async {
        let using = format!("USE {}", q(&scratch));
        sqlx::raw_sql(&using)
            .execute(&mut *c)
            .await
            .map_err(refused(&using))?;
        for s in statements {
            sqlx::query(&s.sql)
                .persistent(false)
                .execute(&mut *c)
                .await
                .map_err(refused(&s.sql))?;
        }
        crate::engine::mysql::inspect::inspect(c).await
    }
    .await;
    let back = sqlx::raw_sql(&format!("USE {}", q(&current)))
        .execute(&mut *c)
        .await;
    let dropped = sqlx::raw_sql(&format!("DROP DATABASE {}", q(&scratch)))
        .execute(&mut *c)
        .await;
    let tried = result?.schema;
    back.map_err(|e| Error::database(format!("returning to database `{current}`"), e))?;
    dropped
        .map_err(|e| Error::database(format!("dropping the scratch database `{scratch}`"), e))?;
    Ok(tried)
}
