//! PostgreSQL DDL: ALTER TABLE forms for every change, enum types, comments.

use super::{
    constraint_prefix, foreign_key_clause, index_parts, quote, quote_list, string_literal,
    Statement,
};
use crate::diff::TableChange;
use crate::model::{Column, Dialect, EnumType, Identity, Index, SequenceOptions, Table};
use crate::plan::{Action, Hazard, Step};

const D: Dialect = Dialect::Postgres;

pub fn render(steps: &[Step]) -> Vec<Statement> {
    let mut out = Vec::new();
    for step in steps {
        let h = step.hazards.as_slice();
        let mut push = |sql: String| out.push(Statement::new(sql, h));
        match &step.action {
            Action::CreateEnum(e) => push(format!(
                "CREATE TYPE {} AS ENUM ({})",
                quote(D, &e.name),
                enum_values(e)
            )),
            Action::AlterEnum { from, to } => alter_enum(from, to).into_iter().for_each(push),
            Action::DropEnum(e) => push(format!("DROP TYPE {}", quote(D, &e.name))),
            Action::CreateTable(t) => {
                push(create_table(t));
                for i in &t.indexes {
                    push(create_index(&t.name, i));
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
            Action::Alter { table, change } => alter(table, change).into_iter().for_each(push),
            Action::Rebuild { .. } => {
                unreachable_rebuild(&mut out, h);
            }
        }
    }
    out
}

/// The planner only rebuilds on SQLite.
fn unreachable_rebuild(out: &mut Vec<Statement>, h: &[Hazard]) {
    out.push(Statement::new(
        "-- plinth: table rebuilds are SQLite-only",
        h,
    ));
}

fn enum_values(e: &EnumType) -> String {
    e.values
        .iter()
        .map(|v| string_literal(v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Values can be added in place (`ADD VALUE … BEFORE/AFTER`, no table rewrite); removing or
/// reordering values cannot be done in place and is refused by rendering a statement that fails.
fn alter_enum(from: &EnumType, to: &EnumType) -> Vec<String> {
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
        return vec![format!(
            "DO $$ BEGIN RAISE EXCEPTION 'plinth: enum {} can only gain values in place; removing or reordering values needs a manual migration'; END $$",
            from.name.replace('\'', "''")
        )];
    }
    let mut out = Vec::new();
    for (i, v) in to.values.iter().enumerate() {
        if from.values.contains(v) {
            continue;
        }
        let position = match to.values[i + 1..].iter().find(|n| from.values.contains(n)) {
            Some(next) => format!(" BEFORE {}", string_literal(next)),
            None => String::new(),
        };
        out.push(format!(
            "ALTER TYPE {} ADD VALUE {}{position}",
            quote(D, &to.name),
            string_literal(v)
        ));
    }
    out
}

fn create_table(t: &Table) -> String {
    let mut lines: Vec<String> = t.columns.iter().map(column_def).collect();
    if let Some(pk) = &t.primary_key {
        lines.push(format!(
            "{}PRIMARY KEY ({})",
            constraint_prefix(D, &pk.name),
            quote_list(D, &pk.columns)
        ));
    }
    for u in &t.uniques {
        lines.push(format!(
            "{}UNIQUE ({})",
            constraint_prefix(D, &u.name),
            quote_list(D, &u.columns)
        ));
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
    format!(
        "CREATE TABLE {} (\n  {}\n)",
        quote(D, &t.name),
        lines.join(",\n  ")
    )
}

fn type_sql(c: &Column) -> String {
    let ty = if c.identity == Some(Identity::Serial) {
        match c.ty.as_str() {
            "bigint" => "bigserial".to_string(),
            "smallint" => "smallserial".to_string(),
            _ => "serial".to_string(),
        }
    } else {
        c.ty.clone()
    };
    match &c.collation {
        Some(coll) => format!("{ty} COLLATE {}", quote(D, coll)),
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
        s.push_str(&format!(" DEFAULT {d}"));
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", g.expr));
    }
    s
}

fn seq_options(o: &SequenceOptions) -> String {
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
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(" "))
    }
}

fn create_index(table: &str, i: &Index) -> String {
    // A name the user wrote is written back even when it is the one PostgreSQL would pick.
    let name = match i.name.as_str() {
        "" => String::new(),
        n => format!("{} ", quote(D, n)),
    };
    let mut sql = format!(
        "CREATE {}INDEX {name}ON {}{} ({})",
        if i.unique { "UNIQUE " } else { "" },
        quote(D, table),
        i.method
            .as_ref()
            .map(|m| format!(" USING {m}"))
            .unwrap_or_default(),
        index_parts(D, &i.parts)
    );
    if let Some(p) = &i.predicate {
        sql.push_str(&format!(" WHERE {p}"));
    }
    sql
}

fn comment_table(table: &str, text: Option<&String>) -> String {
    format!(
        "COMMENT ON TABLE {} IS {}",
        quote(D, table),
        text.map(|t| string_literal(t))
            .unwrap_or_else(|| "NULL".into())
    )
}

fn comment_column(table: &str, column: &str, text: Option<&String>) -> String {
    format!(
        "COMMENT ON COLUMN {}.{} IS {}",
        quote(D, table),
        quote(D, column),
        text.map(|t| string_literal(t))
            .unwrap_or_else(|| "NULL".into())
    )
}

fn alter(table: &str, change: &TableChange) -> Vec<String> {
    let t = quote(D, table);
    match change {
        TableChange::AddColumn(c) => {
            let mut out = vec![format!("ALTER TABLE {t} ADD COLUMN {}", column_def(c))];
            if let Some(text) = &c.comment {
                out.push(comment_column(table, &c.name, Some(text)));
            }
            out
        }
        TableChange::DropColumn(c) => {
            vec![format!("ALTER TABLE {t} DROP COLUMN {}", quote(D, &c.name))]
        }
        TableChange::AlterColumn { from, to } => alter_column(table, from, to),
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
                    "ALTER TABLE {t} ADD {}PRIMARY KEY ({})",
                    constraint_prefix(D, &pk.name),
                    quote_list(D, &pk.columns)
                ));
            }
            out
        }
        TableChange::AddForeignKey(fk) => vec![format!(
            "ALTER TABLE {t} ADD {}{}",
            constraint_prefix(D, &fk.name),
            foreign_key_clause(D, fk)
        )],
        TableChange::DropForeignKey(fk) => vec![drop_constraint(&t, fk.name.as_str())],
        TableChange::AddUnique(u) => vec![format!(
            "ALTER TABLE {t} ADD {}UNIQUE ({})",
            constraint_prefix(D, &u.name),
            quote_list(D, &u.columns)
        )],
        TableChange::DropUnique(u) => vec![drop_constraint(&t, u.name.as_str())],
        TableChange::AddCheck(c) => vec![format!(
            "ALTER TABLE {t} ADD {}CHECK ({})",
            constraint_prefix(D, &c.name),
            c.expr
        )],
        TableChange::DropCheck(c) => vec![drop_constraint(&t, c.name.as_str())],
        TableChange::AddIndex(i) => vec![create_index(table, i)],
        TableChange::DropIndex(i) => vec![format!("DROP INDEX {}", quote(D, i.name.as_str()))],
        TableChange::SetComment { to, .. } => vec![comment_table(table, to.as_ref())],
        TableChange::SetOptions { .. } => vec![],
    }
}

fn drop_constraint(table: &str, name: &str) -> String {
    format!("ALTER TABLE {table} DROP CONSTRAINT {}", quote(D, name))
}

/// A primary key read from the catalog always has its real name; one from the desired side
/// that was never created has none, and PostgreSQL would have called it `<table>_pkey`.
fn pk_name(table: &str, pk: &crate::model::PrimaryKey) -> String {
    let n = pk.name.as_str();
    if n.is_empty() {
        format!("{table}_pkey")
    } else {
        n.to_string()
    }
}

fn alter_column(table: &str, from: &Column, to: &Column) -> Vec<String> {
    let prefix = format!(
        "ALTER TABLE {} ALTER COLUMN {}",
        quote(D, table),
        quote(D, &to.name)
    );
    let mut out = Vec::new();
    if from.generated != to.generated {
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
    let type_changes = from.ty != to.ty || from.collation != to.collation;
    let serial_change =
        (from.identity == Some(Identity::Serial)) != (to.identity == Some(Identity::Serial));
    if from.identity != to.identity && !serial_change {
        match (&from.identity, &to.identity) {
            (Some(Identity::Always(_) | Identity::ByDefault(_)), None) => {
                out.push(format!("{prefix} DROP IDENTITY"))
            }
            (
                Some(Identity::Always(_) | Identity::ByDefault(_)),
                Some(Identity::Always(_) | Identity::ByDefault(_)),
            ) => {
                out.push(format!("{prefix} DROP IDENTITY"));
                out.push(format!("{prefix} ADD {}", identity_clause(to)));
            }
            (_, Some(Identity::Always(_) | Identity::ByDefault(_))) => {
                if from.default.is_some() {
                    out.push(format!("{prefix} DROP DEFAULT"));
                }
                out.push(format!("{prefix} ADD {}", identity_clause(to)));
            }
            _ => {}
        }
    }
    if serial_change {
        if to.identity == Some(Identity::Serial) {
            let seq = format!("{}_{}_seq", table, to.name);
            out.push(format!(
                "CREATE SEQUENCE IF NOT EXISTS {} OWNED BY {}.{}",
                quote(D, &seq),
                quote(D, table),
                quote(D, &to.name)
            ));
            out.push(format!(
                "{prefix} SET DEFAULT nextval({})",
                string_literal(&quote(D, &seq))
            ));
        } else {
            out.push(format!("{prefix} DROP DEFAULT"));
        }
    }
    if type_changes {
        if from.default.is_some() && to.identity.is_none() {
            out.push(format!("{prefix} DROP DEFAULT"));
        }
        out.push(format!(
            "{prefix} TYPE {} USING {}::{}",
            type_sql(to),
            quote(D, &to.name),
            to.ty
        ));
    }
    if from.nullable != to.nullable {
        out.push(format!(
            "{prefix} {} NOT NULL",
            if to.nullable { "DROP" } else { "SET" }
        ));
    }
    if (from.default != to.default || type_changes) && to.identity != Some(Identity::Serial) {
        match &to.default {
            Some(d) => out.push(format!("{prefix} SET DEFAULT {d}")),
            None if from.default.is_some() && !type_changes => {
                out.push(format!("{prefix} DROP DEFAULT"))
            }
            None => {}
        }
    }
    if from.comment != to.comment {
        out.push(comment_column(table, &to.name, to.comment.as_ref()));
    }
    out
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
