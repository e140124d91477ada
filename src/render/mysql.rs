//! MySQL/MariaDB DDL: backticks, one ALTER TABLE per table and phase, full MODIFY COLUMN.

use super::{
    constraint_prefix, foreign_key_clause, index_parts, is_plain_default, quote, quote_list,
    string_literal, Statement,
};
use crate::diff::TableChange;
use crate::model::{Column, Dialect, Identity, Index, Table};
use crate::plan::{Action, Step};

const D: Dialect = Dialect::Mysql;

pub fn render(steps: &[Step]) -> Vec<Statement> {
    let mut out: Vec<Statement> = Vec::new();
    // Consecutive changes to one table in one phase become one ALTER TABLE.
    let mut pending: Option<(
        String,
        crate::plan::Phase,
        Vec<String>,
        Vec<crate::plan::Hazard>,
    )> = None;
    let flush = |pending: &mut Option<(
        String,
        crate::plan::Phase,
        Vec<String>,
        Vec<crate::plan::Hazard>,
    )>,
                 out: &mut Vec<Statement>| {
        if let Some((table, _, clauses, hazards)) = pending.take() {
            if !clauses.is_empty() {
                out.push(Statement::new(
                    format!("ALTER TABLE {} {}", quote(D, &table), clauses.join(", ")),
                    &hazards,
                ));
            }
        }
    };
    for step in steps {
        let h = &step.hazards;
        match &step.action {
            Action::Alter { table, change } => {
                let same = matches!(&pending, Some((t, p, _, _)) if t == table && *p == step.phase);
                if !same {
                    flush(&mut pending, &mut out);
                    pending = Some((table.clone(), step.phase, Vec::new(), Vec::new()));
                }
                if let Some((_, _, clauses, hazards)) = pending.as_mut() {
                    clauses.extend(alter_clauses(change));
                    hazards.extend(h.iter().cloned());
                }
            }
            other => {
                flush(&mut pending, &mut out);
                match other {
                    Action::CreateTable(t) => out.push(Statement::new(create_table(t), h)),
                    Action::DropTable(t) => out.push(Statement::new(
                        format!("DROP TABLE {}", quote(D, &t.name)),
                        h,
                    )),
                    // MySQL has no enum types (enum is a column type) and never rebuilds.
                    _ => {}
                }
            }
        }
    }
    flush(&mut pending, &mut out);
    out
}

fn create_table(t: &Table) -> String {
    let mut lines: Vec<String> = t.columns.iter().map(column_def).collect();
    if let Some(pk) = &t.primary_key {
        lines.push(format!("PRIMARY KEY ({})", quote_list(D, &pk.columns)));
    }
    for u in &t.uniques {
        lines.push(format!(
            "UNIQUE KEY {}({})",
            u.name
                .given()
                .map(|n| format!("{} ", quote(D, n)))
                .unwrap_or_default(),
            quote_list(D, &u.columns)
        ));
    }
    for i in &t.indexes {
        lines.push(index_def(i));
    }
    for c in &t.checks {
        lines.push(format!(
            "{}CHECK ({})",
            constraint_prefix(D, &c.name),
            c.expr
        ));
    }
    for fk in &t.foreign_keys {
        lines.push(format!(
            "{}{}",
            constraint_prefix(D, &fk.name),
            foreign_key_clause(D, fk)
        ));
    }
    let mut sql = format!(
        "CREATE TABLE {} (\n  {}\n)",
        quote(D, &t.name),
        lines.join(",\n  ")
    );
    if let Some(engine) = t.options.get("engine") {
        sql.push_str(&format!(" ENGINE={engine}"));
    }
    if let Some(c) = &t.comment {
        sql.push_str(&format!(" COMMENT={}", string_literal(c)));
    }
    sql
}

fn index_def(i: &Index) -> String {
    let name = i
        .name
        .given()
        .map(|n| format!("{} ", quote(D, n)))
        .unwrap_or_default();
    format!(
        "{}KEY {name}({}){}",
        if i.unique { "UNIQUE " } else { "" },
        index_parts(D, &i.parts),
        i.comment
            .as_ref()
            .map(|c| format!(" COMMENT {}", string_literal(c)))
            .unwrap_or_default()
    )
}

/// The whole column definition: MODIFY COLUMN replaces every attribute, so nothing is lost by
/// accident.
fn column_def(c: &Column) -> String {
    let mut s = format!("{} {}", quote(D, &c.name), c.ty);
    if let Some(coll) = &c.collation {
        s.push_str(&format!(" COLLATE {coll}"));
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(
            " GENERATED ALWAYS AS ({}) {}",
            g.expr,
            if g.stored { "STORED" } else { "VIRTUAL" }
        ));
    }
    s.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
    if let Some(d) = &c.default {
        if is_plain_default(d) {
            s.push_str(&format!(" DEFAULT {d}"));
        } else {
            s.push_str(&format!(" DEFAULT ({d})"));
        }
    }
    if let Some(u) = &c.on_update {
        s.push_str(&format!(" ON UPDATE {u}"));
    }
    if c.identity.is_some() && c.identity != Some(Identity::Serial) {
        s.push_str(" AUTO_INCREMENT");
    }
    if let Some(text) = &c.comment {
        s.push_str(&format!(" COMMENT {}", string_literal(text)));
    }
    s
}

fn alter_clauses(change: &TableChange) -> Vec<String> {
    match change {
        TableChange::AddColumn(c) => vec![format!("ADD COLUMN {}", column_def(c))],
        TableChange::DropColumn(c) => vec![format!("DROP COLUMN {}", quote(D, &c.name))],
        TableChange::AlterColumn { to, .. } => vec![format!("MODIFY COLUMN {}", column_def(to))],
        TableChange::SetPrimaryKey { from, to } => {
            let mut out = Vec::new();
            if from.is_some() {
                out.push("DROP PRIMARY KEY".to_string());
            }
            if let Some(pk) = to {
                out.push(format!("ADD PRIMARY KEY ({})", quote_list(D, &pk.columns)));
            }
            out
        }
        TableChange::AddForeignKey(fk) => vec![format!(
            "ADD {}{}",
            constraint_prefix(D, &fk.name),
            foreign_key_clause(D, fk)
        )],
        TableChange::DropForeignKey(fk) => {
            vec![format!("DROP FOREIGN KEY {}", quote(D, fk.name.as_str()))]
        }
        TableChange::AddUnique(u) => vec![format!(
            "ADD UNIQUE KEY {}({})",
            u.name
                .given()
                .map(|n| format!("{} ", quote(D, n)))
                .unwrap_or_default(),
            quote_list(D, &u.columns)
        )],
        TableChange::DropUnique(u) => vec![format!("DROP INDEX {}", quote(D, u.name.as_str()))],
        TableChange::AddCheck(c) => vec![format!(
            "ADD {}CHECK ({})",
            constraint_prefix(D, &c.name),
            c.expr
        )],
        TableChange::DropCheck(c) => {
            vec![format!("DROP CONSTRAINT {}", quote(D, c.name.as_str()))]
        }
        TableChange::AddIndex(i) => vec![format!("ADD {}", index_def(i))],
        TableChange::DropIndex(i) => vec![format!("DROP INDEX {}", quote(D, i.name.as_str()))],
        TableChange::SetComment { to, .. } => vec![format!(
            "COMMENT = {}",
            string_literal(to.as_deref().unwrap_or(""))
        )],
        TableChange::SetOptions { to, .. } => to
            .get("engine")
            .map(|e| vec![format!("ENGINE = {e}")])
            .unwrap_or_default(),
    }
}
