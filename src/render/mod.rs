//! Rendering: planned steps → SQL statements, one file per engine. No IO, no execution.

mod verify;

pub(crate) use verify::{one_query, one_statement};

use serde::Serialize;

use crate::error::Result;
use crate::model::{
    Check, Column, Deferrable, Dialect, Expression, FkAction, ForeignKey, Generated, IndexKey,
    IndexPart, PrimaryKey, Shape, Table, Unique, View,
};
use crate::plan::{Hazard, Plan};

/// One statement to execute, with the hazards of the step it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub sql: String,
    pub hazards: Vec<Hazard>,
    /// PostgreSQL `CREATE INDEX CONCURRENTLY` (and what follows it in its step): run after the
    /// apply's transaction commits, outside any transaction.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deferred: bool,
}

impl Statement {
    pub fn new(sql: impl Into<String>, hazards: &[Hazard]) -> Statement {
        Statement {
            sql: sql.into(),
            hazards: hazards.to_vec(),
            deferred: false,
        }
    }

    pub fn is_destructive(&self) -> bool {
        self.hazards.iter().any(Hazard::is_destructive)
    }
}

/// The plan's statements, each checked to be one statement of the kind its step makes (see
/// `verify`); a step that cannot be done in place is refused here, at plan time.
pub fn render(plan: &Plan) -> Result<Vec<Statement>> {
    let statements = match plan.dialect {
        Dialect::Postgres => crate::engine::postgres::render::render(&plan.steps, plan.online)?,
        Dialect::Mysql => crate::engine::mysql::render::render(&plan.steps),
        Dialect::Sqlite => crate::engine::sqlite::render::render(&plan.steps)?,
    };
    for s in &statements {
        verify::one_statement(plan.dialect, &s.sql)?;
    }
    Ok(statements)
}

/// The statement that makes a rename the files ask for (`diff::renames`); `None` for an enum
/// type or its value, which only PostgreSQL has.
pub(crate) fn rename(dialect: Dialect, r: &crate::diff::Renaming) -> Option<String> {
    use crate::diff::Renaming;
    let q = |name: &str| quote(dialect, name);
    Some(match (r, dialect) {
        (Renaming::Table { from, to }, Dialect::Mysql) => {
            format!("RENAME TABLE {} TO {}", q(from), q(to))
        }
        // The new name is in the table's schema.
        (Renaming::Table { from, to }, _) => format!(
            "ALTER TABLE {} RENAME TO {}",
            q(from),
            q(crate::model::unqualified(to))
        ),
        (Renaming::Column { table, from, to }, _) => format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            q(table),
            q(from),
            q(to)
        ),
        (
            Renaming::EnumValue {
                type_name,
                from,
                to,
            },
            Dialect::Postgres,
        ) => format!(
            "ALTER TYPE {} RENAME VALUE {} TO {}",
            q(type_name),
            string_literal(dialect, from),
            string_literal(dialect, to)
        ),
        (Renaming::Type { from, to }, Dialect::Postgres) => format!(
            "ALTER TYPE {} RENAME TO {}",
            q(from),
            q(crate::model::unqualified(to))
        ),
        (Renaming::EnumValue { .. } | Renaming::Type { .. }, _) => return None,
    })
}

/// Identifiers are always quoted (names are stored exactly as the engine holds them); string
/// literals and words (collations, engines, character sets, access methods: bare when plain,
/// else quoted) as `crate::quote` writes them.
pub use crate::quote::{ident as quote, string as string_literal, word};

/// ` COLLATE name`: PostgreSQL collation names are identifiers (`"C"`, `"en_US"`); MySQL's and
/// SQLite's are words.
pub(crate) fn collate_clause(dialect: Dialect, collation: &str) -> String {
    match dialect {
        Dialect::Postgres => format!(" COLLATE {}", quote(dialect, collation)),
        Dialect::Mysql | Dialect::Sqlite => format!(" COLLATE {}", word(dialect, collation)),
    }
}

/// ` GENERATED ALWAYS AS (expr) STORED` (or `VIRTUAL`; PostgreSQL 15 has stored ones only).
pub(crate) fn generated_clause(generated: &Generated) -> String {
    let kind = if generated.stored {
        "STORED"
    } else {
        "VIRTUAL"
    };
    format!(" GENERATED ALWAYS AS ({}) {kind}", generated.expr)
}

/// `CREATE [MATERIALIZED] VIEW name [(columns)] [WITH (options)] AS query`, then its comment
/// (PostgreSQL). The query is printed from its parse tree; options are names and values
/// lowering checked to be words.
pub(crate) fn create_view(dialect: Dialect, v: &View) -> Vec<String> {
    let kind = if v.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    };
    let mut sql = format!("CREATE {kind} {}", quote(dialect, &v.name));
    if !v.columns.is_empty() {
        sql.push_str(&format!(" ({})", quote_list(dialect, &v.columns)));
    }
    if !v.options.is_empty() {
        let options: Vec<String> = v
            .options
            .iter()
            .map(|(name, value)| format!("{} = {}", word(dialect, name), word(dialect, value)))
            .collect();
        sql.push_str(&format!(" WITH ({})", options.join(", ")));
    }
    sql.push_str(" AS ");
    sql.push_str(&v.query);
    let mut out = vec![sql];
    if let (Dialect::Postgres, Some(comment)) = (dialect, &v.comment) {
        out.push(format!(
            "COMMENT ON {kind} {} IS {}",
            quote(dialect, &v.name),
            string_literal(dialect, comment)
        ));
    }
    out
}

/// `DROP [MATERIALIZED] VIEW name`.
pub(crate) fn drop_view(dialect: Dialect, v: &View) -> String {
    let kind = if v.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    };
    format!("DROP {kind} {}", quote(dialect, &v.name))
}

pub fn quote_list(dialect: Dialect, idents: &[String]) -> String {
    idents
        .iter()
        .map(|i| quote(dialect, i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `CONSTRAINT "name" ` when the name was given, nothing when the engine may choose.
pub fn constraint_prefix(dialect: Dialect, name: &crate::model::Name) -> String {
    match name.given() {
        Some(n) => format!("CONSTRAINT {} ", quote(dialect, n)),
        None => String::new(),
    }
}

/// Like [`constraint_prefix`], but also names a constraint whose generated name was written
/// out because something else refers to it (a `COMMENT ON CONSTRAINT`).
pub fn named_prefix(dialect: Dialect, name: &crate::model::Name, commented: bool) -> String {
    match name.as_str() {
        n if commented && !n.is_empty() => format!("CONSTRAINT {} ", quote(dialect, n)),
        _ => constraint_prefix(dialect, name),
    }
}

/// The table-level constraint lines of a CREATE TABLE (PostgreSQL and SQLite spell them alike):
/// primary key (unless written on its column), uniques, checks, foreign keys.
pub fn constraint_lines(dialect: Dialect, t: &Table, with_primary_key: bool) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(pk) = t.primary_key.as_ref().filter(|_| with_primary_key) {
        lines.push(format!(
            "{}{}",
            named_prefix(dialect, &pk.name, pk.comment.is_some()),
            primary_key_clause(dialect, pk)
        ));
    }
    for u in &t.uniques {
        lines.push(format!(
            "{}{}",
            named_prefix(dialect, &u.name, u.comment.is_some()),
            unique_clause(dialect, u)
        ));
    }
    for c in &t.checks {
        lines.push(format!(
            "{}{}",
            named_prefix(dialect, &c.name, c.comment.is_some()),
            check_clause(c)
        ));
    }
    for fk in &t.foreign_keys {
        lines.push(format!(
            "{}{}",
            named_prefix(dialect, &fk.name, fk.comment.is_some()),
            foreign_key_clause(dialect, fk)
        ));
    }
    lines
}

/// `PRIMARY KEY (…) [DEFERRABLE …]`.
pub fn primary_key_clause(dialect: Dialect, pk: &PrimaryKey) -> String {
    format!(
        "PRIMARY KEY ({}){}",
        quote_list(dialect, &pk.columns),
        deferrable_sql(pk.deferrable)
    )
}

/// `UNIQUE [NULLS NOT DISTINCT] (…) [DEFERRABLE …]`.
pub fn unique_clause(dialect: Dialect, u: &Unique) -> String {
    format!(
        "UNIQUE{} ({}){}",
        if u.nulls_not_distinct {
            " NULLS NOT DISTINCT"
        } else {
            ""
        },
        quote_list(dialect, &u.columns),
        deferrable_sql(u.deferrable)
    )
}

/// `CHECK (…) [NO INHERIT]`.
pub fn check_clause(c: &Check) -> String {
    format!(
        "CHECK ({}){}",
        c.expr,
        if c.no_inherit { " NO INHERIT" } else { "" }
    )
}

/// ` DEFERRABLE [INITIALLY DEFERRED]`, or nothing.
pub fn deferrable_sql(d: Deferrable) -> &'static str {
    match d {
        Deferrable::NotDeferrable => "",
        Deferrable::InitiallyImmediate => " DEFERRABLE",
        Deferrable::InitiallyDeferred => " DEFERRABLE INITIALLY DEFERRED",
    }
}

/// `FOREIGN KEY (…) REFERENCES t (…) ON DELETE … ON UPDATE …` (actions only when not the
/// default).
pub fn foreign_key_clause(dialect: Dialect, fk: &ForeignKey) -> String {
    let mut sql = format!(
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        quote_list(dialect, &fk.columns),
        quote(dialect, &fk.ref_table),
        quote_list(dialect, &fk.ref_columns)
    );
    if fk.match_full {
        sql.push_str(" MATCH FULL");
    }
    if fk.on_delete != FkAction::NoAction {
        sql.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    if fk.on_update != FkAction::NoAction {
        sql.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    sql.push_str(deferrable_sql(fk.deferrable));
    sql
}

/// An index key list: `("a", lower("b") DESC)`.
pub fn index_parts(dialect: Dialect, parts: &[IndexPart]) -> String {
    parts
        .iter()
        .map(|p| {
            let mut s = match &p.key {
                IndexKey::Column(c) => quote(dialect, c),
                IndexKey::Expr(e) => format!("({e})"),
            };
            if let Some(len) = p.prefix {
                s.push_str(&format!("({len})"));
            }
            if let Some(c) = &p.collation {
                s.push_str(&collate_clause(dialect, c));
            }
            if let Some(opclass) = &p.opclass {
                s.push_str(&format!(" {}", quote(dialect, opclass)));
            }
            if p.descending {
                s.push_str(" DESC");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// ` DEFAULT x`, parenthesized unless the expression is a constant or a clock keyword
/// (SQLite and MySQL require the parentheses then).
pub fn default_clause(expr: &Expression) -> String {
    match expr.shape() {
        Shape::Constant | Shape::Clock => format!(" DEFAULT {expr}"),
        Shape::BinaryConstant | Shape::Other => format!(" DEFAULT ({expr})"),
    }
}

/// The columns both tables have (for copying rows in a rebuild).
pub fn common_columns<'a>(from: &'a [Column], to: &'a [Column]) -> Vec<&'a str> {
    to.iter()
        .filter(|c| c.generated.is_none())
        .filter(|c| {
            from.iter()
                .any(|f| f.name == c.name && f.generated.is_none())
        })
        .map(|c| c.name.as_str())
        .collect()
}

/// `CREATE TRIGGER name timing event [OR event …] ON table`, each name quoted as `dialect`
/// quotes it (`UPDATE OF` its columns).
pub(crate) fn trigger_head(
    dialect: Dialect,
    t: &crate::model::Trigger,
    s: &crate::model::TriggerSource,
) -> String {
    let events: Vec<String> = s
        .events
        .iter()
        .map(|(e, columns)| {
            if columns.is_empty() {
                e.to_string()
            } else {
                format!("{e} OF {}", quote_list(dialect, columns))
            }
        })
        .collect();
    format!(
        "CREATE TRIGGER {} {} {} ON {}",
        quote(dialect, &t.name),
        s.timing,
        events.join(" OR "),
        quote(dialect, &t.table)
    )
}
