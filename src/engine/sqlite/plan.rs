//! What SQLite's ALTER TABLE can do in place; everything else rebuilds the table (see
//! `engine::sqlite::render`).

use crate::diff::{TableChange, TableDiff};
use crate::model::{Column, Dialect, Expression, Table};

/// What SQLite's ALTER TABLE can do in place: add a plain nullable-or-defaulted column, drop a
/// column nothing else uses, and create or drop indexes. Everything else rebuilds.
pub(crate) fn needs_rebuild(diff: &TableDiff) -> bool {
    diff.changes.iter().any(|change| match change {
        TableChange::AddIndex(_) | TableChange::DropIndex(_) => false,
        TableChange::AddColumn(c) => !sqlite_can_add(&diff.to, c),
        TableChange::DropColumn(c) => !sqlite_can_drop(&kept_indexes(diff), &c.name),
        _ => true,
    })
}

/// `from` without the indexes this diff drops: those go (DROP INDEX) before the column does.
fn kept_indexes(diff: &TableDiff) -> Table {
    let mut from = diff.from.clone();
    from.indexes.retain(|i| diff.to.indexes.contains(i));
    from
}

fn sqlite_can_add(table: &Table, c: &Column) -> bool {
    // SQLite adds a column to a table with rows only with a literal default (not a clock, not
    // an expression).
    let constant_default = c.default.as_ref().is_none_or(Expression::is_constant);
    let in_key = table
        .primary_key
        .iter()
        .any(|pk| pk.columns.contains(&c.name))
        || table.uniques.iter().any(|u| u.columns.contains(&c.name));
    let in_fk = table
        .foreign_keys
        .iter()
        .any(|fk| fk.columns.contains(&c.name));
    let in_check = table
        .checks
        .iter()
        .any(|k| k.expr.references(Dialect::Sqlite, &c.name));
    c.identity.is_none()
        && !matches!(&c.generated, Some(g) if g.stored)
        && constant_default
        && (c.nullable || c.default.is_some())
        && !in_key
        && !in_fk
        && !in_check
}

fn sqlite_can_drop(table: &Table, name: &str) -> bool {
    let name = name.to_string();
    let mentions = |e: &Expression| e.references(Dialect::Sqlite, &name);
    !(table
        .primary_key
        .iter()
        .any(|pk| pk.columns.contains(&name))
        || table.uniques.iter().any(|u| u.columns.contains(&name))
        || table
            .foreign_keys
            .iter()
            .any(|fk| fk.columns.contains(&name))
        || table.checks.iter().any(|c| mentions(&c.expr))
        || table
            .columns
            .iter()
            .any(|c| c.generated.as_ref().is_some_and(|g| mentions(&g.expr)))
        || table.indexes.iter().any(|i| {
            i.predicate.as_ref().is_some_and(mentions)
                || i.parts.iter().any(|p| match &p.key {
                    crate::model::IndexKey::Column(c) => *c == name,
                    crate::model::IndexKey::Expr(e) => mentions(e),
                })
        }))
}
