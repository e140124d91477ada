//! MySQL/MariaDB DDL: backticks, one ALTER TABLE per table and phase, full MODIFY COLUMN.

use super::partition::PARTITION;
use crate::diff::{ColumnChanges, Delta, TableChange};
use crate::model::{Column, Dialect, EventSource, EventTime, Identity, Index, Table, Trigger};
use crate::plan::{Action, Hazard, Phase, Step};
use crate::render::{
    collate_clause, constraint_prefix, create_view, default_clause, drop_view, foreign_key_clause,
    generated_clause, index_parts, quote, quote_list, string_literal, word, Statement,
};

const D: Dialect = Dialect::Mysql;

type Options = std::collections::BTreeMap<String, String>;

/// Consecutive changes to one table in one phase, on their way to one ALTER TABLE.
struct Group {
    table: String,
    phase: Phase,
    /// `CONVERT TO CHARACTER SET …`: a statement of its own, first, since it re-collates every
    /// column, also the ones the other clauses give a collation of their own.
    convert: Option<String>,
    /// `PARTITION BY …` or `REMOVE PARTITIONING`: a statement of its own, last.
    partition: Option<String>,
    clauses: Vec<String>,
    hazards: Vec<Hazard>,
}

impl Group {
    fn flush(self, out: &mut Vec<Statement>) {
        let table = quote(D, &self.table);
        if let Some(convert) = self.convert {
            out.push(Statement::new(
                format!("ALTER TABLE {table} {convert}"),
                &self.hazards,
            ));
        }
        if !self.clauses.is_empty() {
            out.push(Statement::new(
                format!("ALTER TABLE {table} {}", self.clauses.join(", ")),
                &self.hazards,
            ));
        }
        // After the keys change: every unique key must hold the partitioning's columns.
        if let Some(partition) = self.partition {
            out.push(Statement::new(
                format!("ALTER TABLE {table} {partition}"),
                &self.hazards,
            ));
        }
    }
}

pub fn render(steps: &[Step]) -> Vec<Statement> {
    let mut out: Vec<Statement> = Vec::new();
    let mut pending: Option<Group> = None;
    for step in steps {
        let h = &step.hazards;
        match &step.action {
            Action::Alter { table, change } => {
                let same =
                    matches!(&pending, Some(g) if g.table == *table && g.phase == step.phase);
                if !same {
                    if let Some(group) = pending.take() {
                        group.flush(&mut out);
                    }
                }
                let group = pending.get_or_insert_with(|| Group {
                    table: table.clone(),
                    phase: step.phase,
                    convert: None,
                    partition: None,
                    clauses: Vec::new(),
                    hazards: Vec::new(),
                });
                if let TableChange::SetOptions { from, to } = change {
                    group.convert = group.convert.take().or_else(|| convert(from, to));
                    if from.get(PARTITION) != to.get(PARTITION) {
                        group.partition = Some(match to.get(PARTITION) {
                            Some(p) => p.clone(),
                            None => "REMOVE PARTITIONING".to_string(),
                        });
                    }
                }
                group.clauses.extend(alter_clauses(change));
                group.hazards.extend(h.iter().cloned());
            }
            other => {
                if let Some(group) = pending.take() {
                    group.flush(&mut out);
                }
                match other {
                    Action::CreateTable(t) => out.push(Statement::new(create_table(t), h)),
                    Action::DropTable(t) => out.push(Statement::new(
                        format!("DROP TABLE {}", quote(D, &t.name)),
                        h,
                    )),
                    Action::Rename(r) => {
                        out.extend(crate::render::rename(D, r).map(|s| Statement::new(s, h)))
                    }
                    Action::CreateView(v) => {
                        out.extend(create_view(D, v).into_iter().map(|s| Statement::new(s, h)))
                    }
                    Action::DropView(v) => out.push(Statement::new(drop_view(D, v), h)),
                    Action::CreateTrigger(t) => out.push(Statement::new(create_trigger(t), h)),
                    Action::DropTrigger(t) => out.push(Statement::new(
                        format!("DROP TRIGGER {}", quote(D, &t.name)),
                        h,
                    )),
                    Action::CreateEvent(e) => {
                        out.push(Statement::new(create_event(&e.name, &e.source), h))
                    }
                    Action::DropEvent(e) => out.push(Statement::new(
                        format!("DROP EVENT {}", quote(D, &e.name)),
                        h,
                    )),
                    // MySQL has no enum types (enum is a column type) and never rebuilds.
                    _ => {}
                }
            }
        }
    }
    if let Some(group) = pending.take() {
        group.flush(&mut out);
    }
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
        sql.push_str(&format!(" ENGINE={}", word(D, engine)));
    }
    if let Some(charset) = t.options.get("charset") {
        sql.push_str(&format!(" DEFAULT CHARSET={}", word(D, charset)));
    }
    if let Some(collation) = t.options.get("collation") {
        sql.push_str(&format!(" COLLATE={}", word(D, collation)));
    }
    if let Some(c) = &t.comment {
        sql.push_str(&format!(" COMMENT={}", string_literal(D, c)));
    }
    // Written by plinth from its parts (`engine::mysql::partition`).
    if let Some(p) = t.options.get(PARTITION) {
        sql.push_str(&format!("\n{p}"));
    }
    sql
}

fn index_def(i: &Index) -> String {
    let name = i
        .name
        .given()
        .map(|n| format!("{} ", quote(D, n)))
        .unwrap_or_default();
    let (kind, using) = match i.method.as_deref() {
        Some("fulltext") => ("FULLTEXT ", String::new()),
        Some("spatial") => ("SPATIAL ", String::new()),
        Some(m) => ("", format!(" USING {}", word(D, &m.to_ascii_uppercase()))),
        None => ("", String::new()),
    };
    format!(
        "{}{kind}KEY {name}({}){using}{}",
        if i.unique { "UNIQUE " } else { "" },
        index_parts(D, &i.parts),
        i.comment
            .as_ref()
            .map(|c| format!(" COMMENT {}", string_literal(D, c)))
            .unwrap_or_default()
    )
}

/// The whole column definition: MODIFY COLUMN replaces every attribute, so nothing is lost by
/// accident.
fn column_def(c: &Column) -> String {
    let mut s = format!("{} {}", quote(D, &c.name), c.ty);
    if let Some(coll) = &c.collation {
        s.push_str(&collate_clause(D, coll));
    }
    if let Some(g) = &c.generated {
        s.push_str(&generated_clause(g));
    }
    // MariaDB takes no NULL / NOT NULL on a generated column (MySQL takes both).
    if c.generated.is_none() {
        s.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
    } else if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        s.push_str(&default_clause(d));
    }
    if let Some(u) = &c.on_update {
        s.push_str(&format!(" ON UPDATE {u}"));
    }
    if c.identity == Some(Identity::AutoIncrement) {
        s.push_str(" AUTO_INCREMENT");
    }
    if let Some(text) = &c.comment {
        s.push_str(&format!(" COMMENT {}", string_literal(D, text)));
    }
    s
}

fn alter_clauses(change: &TableChange) -> Vec<String> {
    match change {
        TableChange::AddColumn(c) => vec![format!("ADD COLUMN {}", column_def(c))],
        TableChange::DropColumn(c) | TableChange::DropGenerated(c) => {
            vec![format!("DROP COLUMN {}", quote(D, &c.name))]
        }
        TableChange::DropDefault(c) => {
            vec![format!("ALTER COLUMN {} DROP DEFAULT", quote(D, &c.name))]
        }
        // MariaDB cannot MODIFY a virtual column, nor switch a generated column between
        // VIRTUAL and STORED (MySQL neither): such a column is dropped and added again, in one
        // statement (its indexes survive). Nothing is lost: a generated column holds no data of
        // its own.
        TableChange::AlterColumn { from, to, changes } if needs_re_adding(changes) => vec![
            format!("DROP COLUMN {}", quote(D, &from.name)),
            format!("ADD COLUMN {}", column_def(to)),
        ],
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
        // Only indexes and unique keys are renamed on MySQL (`diff::can_rename`).
        TableChange::Rename { from, to, .. } => vec![format!(
            "RENAME INDEX {} TO {}",
            quote(D, from),
            quote(D, to)
        )],
        TableChange::SetComment { to, .. } => vec![format!(
            "COMMENT = {}",
            string_literal(D, to.as_deref().unwrap_or(""))
        )],
        TableChange::SetOptions { from, to } => set_options(from, to),
    }
}

/// Whether a generated column's change needs DROP + ADD (see `alter_clauses`): any change that
/// involves a virtual column, or switches between virtual and stored. MODIFY changes a stored
/// expression, or turns a stored column into a plain one (keeping its values) and back.
fn needs_re_adding(changes: &ColumnChanges) -> bool {
    match &changes.generated {
        None => false,
        Some(Delta { from, to }) => match (from, to) {
            (None, None) => false,
            (Some(a), Some(b)) => !(a.stored && b.stored),
            (Some(g), None) | (None, Some(g)) => !g.stored,
        },
    }
}

/// `ENGINE = …` when the engine changes (the character set: see [`convert`]).
fn set_options(from: &Options, to: &Options) -> Vec<String> {
    let engine = |o: &Options| {
        o.get("engine")
            .map(|e| e.to_ascii_lowercase())
            .unwrap_or_else(|| "innodb".into())
    };
    if engine(from) == engine(to) {
        return Vec::new();
    }
    vec![format!(
        "ENGINE = {}",
        word(D, to.get("engine").map(String::as_str).unwrap_or("InnoDB"))
    )]
}

/// `CONVERT TO CHARACTER SET …` when the desired table names a character set or collation the
/// live one does not have: the columns follow the table, as when the table is created so (the
/// planner re-states the columns that keep a collation of their own).
fn convert(from: &Options, to: &Options) -> Option<String> {
    let differs = |key: &str| to.get(key).is_some_and(|v| from.get(key) != Some(v));
    if !differs("charset") && !differs("collation") {
        return None;
    }
    let mut clause = format!("CONVERT TO CHARACTER SET {}", word(D, to.get("charset")?));
    if let Some(collation) = to.get("collation") {
        clause.push_str(&collate_clause(D, collation));
    }
    Some(clause)
}

/// The statement that creates a trigger as plinth writes it: every name quoted, the body's
/// statements printed from their parse trees.
pub fn create_trigger(t: &Trigger) -> String {
    let Some(s) = &t.source else {
        return String::new();
    };
    let event = s.events.first().map_or("INSERT", |(e, _)| *e);
    let body = if s.block {
        let statements: Vec<String> = s.body.iter().map(|b| format!("\n  {b};")).collect();
        format!("BEGIN{}\nEND", statements.concat())
    } else {
        s.body.concat()
    };
    format!(
        "CREATE TRIGGER {} {} {event} ON {} FOR EACH ROW {body}",
        quote(D, &t.name),
        s.timing,
        quote(D, &t.table)
    )
}

/// A time of an event: a string, or the expression the file gives.
fn event_time(t: &EventTime) -> String {
    match t {
        EventTime::At(s) => string_literal(D, s),
        EventTime::Expression(e) => e.clone(),
    }
}

/// The statement that creates an event: its schedule, what happens when it completes, its
/// status, comment and statement.
pub fn create_event(name: &str, e: &EventSource) -> String {
    let mut sql = format!("CREATE EVENT {} ON SCHEDULE ", quote(D, name));
    match (&e.every, &e.at) {
        (Some((value, unit)), starts) => {
            if value.chars().all(|c| c.is_ascii_digit()) && !value.is_empty() {
                sql.push_str(&format!("EVERY {value} {unit}"));
            } else {
                sql.push_str(&format!("EVERY {} {unit}", string_literal(D, value)));
            }
            if let Some(t) = starts {
                sql.push_str(&format!(" STARTS {}", event_time(t)));
            }
            if let Some(t) = &e.ends {
                sql.push_str(&format!(" ENDS {}", event_time(t)));
            }
        }
        (None, Some(t)) => sql.push_str(&format!("AT {}", event_time(t))),
        (None, None) => sql.push_str("AT CURRENT_TIMESTAMP"),
    }
    sql.push_str(if e.preserve {
        " ON COMPLETION PRESERVE "
    } else {
        " ON COMPLETION NOT PRESERVE "
    });
    sql.push_str(&e.status);
    if let Some(c) = &e.comment {
        sql.push_str(&format!(" COMMENT {}", string_literal(D, c)));
    }
    sql.push_str(&format!(" DO {}", e.body));
    sql
}

/// What is compared of an event: its statement, without the times the server decides (an
/// expression's value, a `STARTS` left to the moment it was made).
pub fn event_definition(name: &str, e: &EventSource) -> String {
    let mut e = e.clone();
    let fixed = |t: &Option<EventTime>| matches!(t, Some(EventTime::At(_)));
    if !fixed(&e.at) {
        e.at = None;
    }
    if !fixed(&e.ends) {
        e.ends = None;
    }
    create_event(name, &e)
}
