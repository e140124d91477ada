//! SQLite DDL, including the table rebuild for what SQLite's ALTER TABLE cannot do.

use crate::diff::TableChange;
use crate::error::{Error, Result};
use crate::model::{Column, Dialect, Identity, Index, Table, Trigger};
use crate::plan::{Action, Step};
use crate::render::{
    collate_clause, common_columns, constraint_lines, create_view, default_clause, drop_view,
    generated_clause, index_parts, quote, quote_list, string_literal, Statement,
};

const D: Dialect = Dialect::Sqlite;

pub fn render(steps: &[Step]) -> Result<Vec<Statement>> {
    let mut out = Vec::new();
    for step in steps {
        let h = &step.hazards;
        match &step.action {
            Action::CreateTable(t) => {
                out.push(Statement::new(create_table(t, &t.name), h));
                out.extend(
                    t.indexes
                        .iter()
                        .map(|i| Statement::new(create_index(&t.name, i), h)),
                );
            }
            Action::DropTable(t) => out.push(Statement::new(
                format!("DROP TABLE {}", quote(D, &t.name)),
                h,
            )),
            Action::Rebuild { from, to } => out.extend(rebuild(from, to, h)),
            Action::Rename(r) => {
                out.extend(crate::render::rename(D, r).map(|s| Statement::new(s, h)))
            }
            Action::CreateView(v) => {
                out.extend(create_view(D, v).into_iter().map(|s| Statement::new(s, h)))
            }
            Action::DropView(v) => out.push(Statement::new(drop_view(D, v), h)),
            Action::Alter { table, change } => {
                let sql = match change {
                    TableChange::AddColumn(c) => format!(
                        "ALTER TABLE {} ADD COLUMN {}",
                        quote(D, table),
                        column_def(c, false)
                    ),
                    TableChange::DropColumn(c) => format!(
                        "ALTER TABLE {} DROP COLUMN {}",
                        quote(D, table),
                        quote(D, &c.name)
                    ),
                    TableChange::AddIndex(i) => create_index(table, i),
                    TableChange::DropIndex(i) => {
                        format!("DROP INDEX {}", quote(D, i.name.as_str()))
                    }
                    // The planner turns every other change into a rebuild on SQLite.
                    _ => {
                        return Err(Error::usage(format!(
                            "refusing to plan: `{table}` needs a change SQLite's ALTER TABLE cannot make, outside a rebuild; this is a plinth bug, please report it with the schema"
                        )))
                    }
                };
                out.push(Statement::new(sql, h));
            }
            Action::CreateTrigger(t) => out.push(Statement::new(create_trigger(t), h)),
            Action::DropTrigger(t) => out.push(Statement::new(
                format!("DROP TRIGGER {}", quote(D, &t.name)),
                h,
            )),
            // SQLite has no enum or composite types, domains, extensions, routines, events,
            // policies or sequences, nor comments on triggers; the planner never produces
            // these.
            Action::CreateEnum(_)
            | Action::AlterEnum { .. }
            | Action::DropEnum(_)
            | Action::CreateDomain(_)
            | Action::AlterDomain { .. }
            | Action::DropDomain(_)
            | Action::CreateExtension(_)
            | Action::CreateNamespace(_)
            | Action::CommentNamespace(_)
            | Action::DropNamespace(_)
            | Action::UpdateExtension { .. }
            | Action::DropExtension(_)
            | Action::CreateFunction(_)
            | Action::AlterFunction { .. }
            | Action::DropFunction(_)
            | Action::AlterTrigger(_)
            | Action::CreateEvent(_)
            | Action::DropEvent(_)
            | Action::CreatePolicy(_)
            | Action::AlterPolicy(_)
            | Action::DropPolicy(_)
            | Action::CreateSequence(_)
            | Action::AlterSequence { .. }
            | Action::DropSequence(_)
            | Action::CreateComposite(_)
            | Action::AlterComposite { .. }
            | Action::DropComposite(_) => {}
        }
    }
    Ok(out)
}

/// The rebuild SQLite's documentation prescribes: new table, copy, drop, rename, re-index.
/// Foreign keys are switched off outside the transaction by the executor (`engine::sqlite::inspect`), and
/// `foreign_key_check` runs before commit, so no cascade reaches child tables.
fn rebuild(from: &Table, to: &Table, h: &[crate::plan::Hazard]) -> Vec<Statement> {
    let temp = format!("plinth_new_{}", to.name);
    let columns = quote_list(
        D,
        &common_columns(&from.columns, &to.columns)
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>(),
    );
    let mut out = vec![Statement::new(create_table(to, &temp), h)];
    if is_autoincrement(from) && is_autoincrement(to) {
        // Carry the AUTOINCREMENT high-water mark over (DROP TABLE deletes it), so that ids
        // of deleted rows are never handed out again.
        out.push(Statement::new(
            format!(
                "INSERT INTO sqlite_sequence (name, seq) SELECT {}, seq FROM sqlite_sequence WHERE name = {}",
                string_literal(D, &temp),
                string_literal(D, &from.name)
            ),
            h,
        ));
    }
    if !columns.is_empty() {
        out.push(Statement::new(
            format!(
                "INSERT INTO {} ({columns}) SELECT {columns} FROM {}",
                quote(D, &temp),
                quote(D, &from.name)
            ),
            h,
        ));
    }
    out.push(Statement::new(
        format!("DROP TABLE {}", quote(D, &from.name)),
        h,
    ));
    out.push(Statement::new(
        format!(
            "ALTER TABLE {} RENAME TO {}",
            quote(D, &temp),
            quote(D, &to.name)
        ),
        h,
    ));
    out.extend(
        to.indexes
            .iter()
            .map(|i| Statement::new(create_index(&to.name, i), h)),
    );
    out
}

fn is_autoincrement(t: &Table) -> bool {
    t.columns
        .iter()
        .any(|c| c.identity == Some(Identity::AutoIncrement))
}

fn create_table(t: &Table, name: &str) -> String {
    // `INTEGER PRIMARY KEY AUTOINCREMENT` must be written on the column.
    let inline_pk = t
        .primary_key
        .as_ref()
        .and_then(|pk| match pk.columns.as_slice() {
            [only] => t
                .column(only)
                .filter(|c| c.identity == Some(Identity::AutoIncrement))
                .map(|c| c.name.clone()),
            _ => None,
        });
    let mut lines: Vec<String> = t
        .columns
        .iter()
        .map(|c| column_def(c, inline_pk.as_deref() == Some(c.name.as_str())))
        .collect();
    lines.extend(constraint_lines(D, t, inline_pk.is_none()));
    let mut sql = format!(
        "CREATE TABLE {} (\n  {}\n)",
        quote(D, name),
        lines.join(",\n  ")
    );
    let mut options = Vec::new();
    if t.options.contains_key("without_rowid") {
        options.push("WITHOUT ROWID");
    }
    if t.options.contains_key("strict") {
        options.push("STRICT");
    }
    if !options.is_empty() {
        sql.push(' ');
        sql.push_str(&options.join(", "));
    }
    sql
}

fn column_def(c: &Column, inline_pk: bool) -> String {
    let mut s = quote(D, &c.name);
    if !c.ty.as_str().is_empty() {
        s.push(' ');
        s.push_str(c.ty.as_str());
    }
    if inline_pk {
        s.push_str(" PRIMARY KEY AUTOINCREMENT");
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        s.push_str(&default_clause(d));
    }
    if let Some(coll) = &c.collation {
        s.push_str(&collate_clause(D, coll));
    }
    if let Some(g) = &c.generated {
        s.push_str(&generated_clause(g));
    }
    s
}

fn create_index(table: &str, i: &Index) -> String {
    let mut sql = format!(
        "CREATE {}INDEX {} ON {} ({})",
        if i.unique { "UNIQUE " } else { "" },
        quote(D, i.name.as_str()),
        quote(D, table),
        index_parts(D, &i.parts)
    );
    if let Some(p) = &i.predicate {
        sql.push_str(&format!(" WHERE {p}"));
    }
    sql
}

/// The statement that creates a trigger as plinth writes it: every name quoted, the condition
/// and the body's statements printed from their parse trees.
pub fn create_trigger(t: &Trigger) -> String {
    let Some(s) = &t.source else {
        return String::new();
    };
    let mut sql = crate::render::trigger_head(D, t, s);
    if s.for_each_row {
        sql.push_str(" FOR EACH ROW");
    }
    if let Some(when) = &s.when {
        sql.push_str(&format!(" WHEN {when}"));
    }
    sql.push_str(" BEGIN");
    for statement in &s.body {
        sql.push_str(&format!("\n  {statement};"));
    }
    sql.push_str("\nEND");
    sql
}
