//! The planner: changes → ordered steps, each carrying the hazards it brings.
//!
//! Ordering is data: [`Phase`]'s variant order is execution order. Tables are created parents
//! first and dropped children first (petgraph's strongly connected components, then Kahn's
//! algorithm with ties broken by name); a foreign-key cycle is broken by creating the tables
//! without those keys and adding them afterwards — except on SQLite, which takes forward
//! references in CREATE TABLE and cannot add a key later. SQLite changes that `ALTER TABLE`
//! cannot express become one table rebuild.

pub mod data;
mod hazards;
mod order;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

pub use hazards::{Hazard, HazardCode, Lock, Loss};

use crate::diff::{Change, TableChange, TableDiff};
use crate::engine::mysql::plan::{
    refresh_foreign_keys_of_retyped_columns, replacement_phase, restate_collated_columns,
};
use crate::engine::sqlite::plan::needs_rebuild;
use crate::model::{
    CompositeType, Dialect, Domain, EnumType, Event, Extension, Function, Namespace, Policy,
    Sequence, Table, Trigger, View,
};
use hazards::{change_hazards, describe};
use order::{domain_order, fk_order, view_order};

/// Variant order is execution order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Triggers, policies and events first: before the views and tables they are on (or run
    /// on) and the functions they call.
    DropTrigger,
    /// Views, those reading others before them: nothing may read what changes below.
    DropView,
    /// The renames the files ask for, before anything changes what is renamed.
    RenameObject,
    /// Then nothing may still point at what is dropped or retyped.
    DropForeignKey,
    /// Children before parents (reverse FK order); early, so that their keys no longer hold
    /// on to the unique keys and primary keys that kept tables change below.
    DropTable,
    /// Indexes and constraints before the columns they cover go.
    DropIndex,
    DropConstraint,
    /// Routines once no trigger calls them and the tables using them are gone.
    DropFunction,
    /// Constraints and indexes that only change their names: after the drops (a name may pass
    /// from a dropped object to a kept one), before the adds (which may take the old name).
    Rename,
    /// Schemas before anything is put in them.
    CreateNamespace,
    /// Extensions before the types, tables and defaults that use what they bring.
    CreateExtension,
    /// Routines over built-in types only: before the domains whose checks call them.
    CreateFunction,
    /// Types before the tables that use them.
    CreateEnum,
    /// Composite types, over the enum types and domains, those over others after them.
    CreateComposite,
    /// Routines over enum types and domains; all before the tables whose defaults, checks and
    /// generated columns call them.
    CreateTypedFunction,
    /// Parents before children (FK order); cyclic keys deferred to `AddForeignKey`.
    CreateTable,
    /// Columns, table rebuilds (SQLite), comments.
    AlterTable,
    AddConstraint,
    CreateIndex,
    /// Every target table and unique key exists.
    AddForeignKey,
    /// Routines over a table's row type or with a SQL-standard body (checked when created).
    CreateTableFunction,
    /// Every table is as desired; views after the views they read.
    CreateView,
    /// On tables and views as desired, calling routines that exist; policies and events
    /// likewise.
    CreateTrigger,
    /// No column uses the type any more.
    DropEnum,
    /// Last: nothing uses what the extension brings any more.
    DropExtension,
    /// An emptied schema (`DROP SCHEMA` without `CASCADE`: it fails on anything left in it).
    DropNamespace,
}

// Steps are few and short-lived, like the changes they hold (see `diff::Change`).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    CreateEnum(EnumType),
    AlterEnum {
        from: EnumType,
        to: EnumType,
    },
    DropEnum(EnumType),
    CreateTable(Table),
    DropTable(Table),
    Alter {
        table: String,
        change: TableChange,
    },
    /// SQLite: create the new table, copy the rows, drop the old one, rename, re-index.
    Rebuild {
        from: Table,
        to: Table,
    },
    CreateView(View),
    DropView(View),
    Rename(crate::diff::Renaming),
    CreateDomain(Domain),
    AlterDomain {
        from: Domain,
        to: Domain,
    },
    DropDomain(Domain),
    CreateNamespace(Namespace),
    CommentNamespace(Namespace),
    DropNamespace(Namespace),
    CreateExtension(Extension),
    /// Its version, its schema.
    UpdateExtension {
        from: Extension,
        to: Extension,
    },
    DropExtension(Extension),
    CreateFunction(Function),
    AlterFunction {
        from: Function,
        to: Function,
    },
    DropFunction(Function),
    CreateTrigger(Trigger),
    AlterTrigger(Trigger),
    DropTrigger(Trigger),
    CreateEvent(Event),
    DropEvent(Event),
    CreatePolicy(Policy),
    /// Its comment.
    AlterPolicy(Policy),
    DropPolicy(Policy),
    CreateSequence(Sequence),
    AlterSequence {
        from: Sequence,
        to: Sequence,
    },
    DropSequence(Sequence),
    CreateComposite(CompositeType),
    AlterComposite {
        from: CompositeType,
        to: CompositeType,
    },
    DropComposite(CompositeType),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub phase: Phase,
    pub table: String,
    pub action: Action,
    pub hazards: Vec<Hazard>,
}

impl Step {
    /// One line for humans: what this step changes, with names quoted as `dialect` quotes
    /// them. A table rebuild says what makes it.
    pub fn describe(&self, dialect: Dialect) -> String {
        let q = |name: &str| crate::quote::ident(dialect, name);
        let routine = |f: &Function| {
            let kind = if f.procedure { "procedure" } else { "function" };
            format!("{kind} {}({})", q(&f.name), f.signature)
        };
        match &self.action {
            Action::CreateEnum(e) => format!("create enum type {}", q(&e.name)),
            Action::AlterEnum { from, to } => format!(
                "enum type {}: values {:?} → {:?}",
                q(&to.name),
                from.values,
                to.values
            ),
            Action::DropEnum(e) => format!("drop enum type {}", q(&e.name)),
            Action::CreateView(v) if v.materialized => {
                format!("create materialized view {}", q(&v.name))
            }
            Action::CreateView(v) => format!("create view {}", q(&v.name)),
            Action::DropView(v) if v.materialized => {
                format!("drop materialized view {}", q(&v.name))
            }
            Action::DropView(v) => format!("drop view {}", q(&v.name)),
            Action::CreateNamespace(n) => format!("create schema {}", q(&n.name)),
            Action::CommentNamespace(n) => format!("comment on schema {}", q(&n.name)),
            Action::DropNamespace(n) => format!("drop schema {}", q(&n.name)),
            Action::CreateExtension(e) => format!("create extension {}", q(&e.name)),
            Action::UpdateExtension { from, to } if from.schema != to.schema => format!(
                "extension {}: schema {}",
                q(&to.name),
                to.schema.as_deref().unwrap_or("public")
            ),
            Action::UpdateExtension { to, .. } => format!(
                "extension {}: version {}",
                q(&to.name),
                to.version.as_deref().unwrap_or("default")
            ),
            Action::DropExtension(e) => format!("drop extension {}", q(&e.name)),
            Action::Rename(r) => match r {
                crate::diff::Renaming::Table { from, to } => {
                    format!("rename table {} → {}", q(from), q(to))
                }
                crate::diff::Renaming::Column { table, from, to } => {
                    format!("rename column {} of {} → {}", q(from), q(table), q(to))
                }
                crate::diff::Renaming::EnumValue {
                    type_name,
                    from,
                    to,
                } => format!("rename value '{from}' of enum {} → '{to}'", q(type_name)),
                crate::diff::Renaming::Type { from, to } => {
                    format!("rename enum type {} → {}", q(from), q(to))
                }
            },
            Action::CreateDomain(d) => format!("create domain {}", q(&d.name)),
            Action::AlterDomain { to, .. } => format!("alter domain {}", q(&to.name)),
            Action::DropDomain(d) => format!("drop domain {}", q(&d.name)),
            Action::CreateFunction(f) => format!("create {}", routine(f)),
            Action::AlterFunction { from, to } if from.definition == to.definition => {
                format!("comment on {}", routine(to))
            }
            Action::AlterFunction { to, .. } => format!("replace {}", routine(to)),
            Action::DropFunction(f) => format!("drop {}", routine(f)),
            Action::CreateTrigger(t) => {
                format!("create trigger {} on {}", q(&t.name), q(&t.table))
            }
            Action::AlterTrigger(t) => {
                format!("comment on trigger {} on {}", q(&t.name), q(&t.table))
            }
            Action::DropTrigger(t) => format!("drop trigger {} on {}", q(&t.name), q(&t.table)),
            Action::CreateEvent(e) => format!("create event {}", q(&e.name)),
            Action::DropEvent(e) => format!("drop event {}", q(&e.name)),
            Action::CreatePolicy(p) => {
                format!("create policy {} on {}", q(&p.name), q(&p.table))
            }
            Action::AlterPolicy(p) => {
                format!("comment on policy {} on {}", q(&p.name), q(&p.table))
            }
            Action::DropPolicy(p) => format!("drop policy {} on {}", q(&p.name), q(&p.table)),
            Action::CreateSequence(s) => format!("create sequence {}", q(&s.name)),
            Action::AlterSequence { to, .. } => format!("alter sequence {}", q(&to.name)),
            Action::DropSequence(s) => format!("drop sequence {}", q(&s.name)),
            Action::CreateComposite(c) => format!("create composite type {}", q(&c.name)),
            Action::AlterComposite { to, .. } => format!("alter composite type {}", q(&to.name)),
            Action::DropComposite(c) => format!("drop composite type {}", q(&c.name)),
            Action::CreateTable(t) => format!("create table {}", q(&t.name)),
            Action::DropTable(t) => format!("drop table {}", q(&t.name)),
            Action::Rebuild { from, to } => {
                let why: Vec<String> = crate::diff::diff_table(dialect, from, to)
                    .iter()
                    .map(|c| describe(dialect, c))
                    .collect();
                format!("rebuild table {}: {}", q(&to.name), why.join("; "))
            }
            Action::Alter { table, change } => {
                // A view's index is the only change on a view (`diff::Change::AlterViewIndex`).
                let kind = match self.phase {
                    Phase::CreateView | Phase::DropView => "materialized view",
                    _ => "table",
                };
                format!("{kind} {}: {}", q(table), describe(dialect, change))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub dialect: Dialect,
    pub steps: Vec<Step>,
    /// Applied without blocking the application (`--online`, a plugin's `online = true`):
    /// PostgreSQL runs some steps after the transaction, without a lock that stops writes
    /// while it reads the table ([`deferred`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub online: bool,
}

impl Plan {
    /// The plan applied online (see [`Plan::online`]): an index built concurrently does not
    /// make writes wait, so its step loses that hazard.
    pub fn online(mut self) -> Plan {
        self.online = true;
        if self.dialect == Dialect::Postgres {
            let deferred = deferred(&self.steps);
            for (step, how) in self.steps.iter_mut().zip(deferred) {
                if how == Some(Online::Concurrently) {
                    step.hazards
                        .retain(|h| h.code != HazardCode::IndexBuildBlocking);
                }
            }
        }
        self
    }
}

/// The fewest relations PostgreSQL holds a lock on, until the commit, in the transaction that
/// runs `plan`: each table and view created, altered or dropped, each index created with a
/// table (its primary key, unique keys and indexes) or added or dropped on its own, each
/// sequence created or dropped. A lower bound (TOAST tables and their indexes, a serial's
/// sequence are not counted): a plan over it cannot fit in the server's lock table.
pub fn locks_at_least(plan: &Plan) -> usize {
    let mut relations: BTreeSet<String> = BTreeSet::new();
    let deferred = match plan.online {
        true => deferred(&plan.steps),
        false => vec![None; plan.steps.len()],
    };
    let with_keys = |relations: &mut BTreeSet<String>, t: &Table| {
        relations.insert(format!("table {}", t.name));
        let keys = (t.primary_key.iter().map(|k| k.name.as_str()))
            .chain(t.uniques.iter().map(|u| u.name.as_str()))
            .chain(t.indexes.iter().map(|i| i.name.as_str()));
        for (n, key) in keys.enumerate() {
            relations.insert(format!("index {} {n} {key}", t.name));
        }
    };
    for (step, later) in plan.steps.iter().zip(deferred) {
        if later.is_some() {
            // Runs after the transaction, each statement in its own.
            continue;
        }
        match &step.action {
            Action::CreateTable(t) | Action::DropTable(t) => with_keys(&mut relations, t),
            Action::Alter { table, change } => {
                relations.insert(format!("table {table}"));
                if let TableChange::AddIndex(i) | TableChange::DropIndex(i) = change {
                    relations.insert(format!("index {table} {}", i.name.as_str()));
                }
            }
            Action::CreateView(v) | Action::DropView(v) => {
                relations.insert(format!("table {}", v.name));
            }
            Action::CreateSequence(q) | Action::DropSequence(q) => {
                relations.insert(format!("sequence {}", q.name));
            }
            _ => {}
        }
    }
    relations.len()
}

/// Which steps an online PostgreSQL plan runs after its transaction, each statement on its own
/// (see [`Online`]): on a table that stays (a new table's keys and indexes are its
/// `CreateTable`'s), an index added (not an exclusion constraint's, not a materialized
/// view's, and not a unique index on a table a foreign key of the plan references: the key
/// needs it in the transaction), a foreign key or a check added under a name plinth knows, a
/// column made NOT NULL and nothing else about it changed.
pub fn deferred(steps: &[Step]) -> Vec<Option<Online>> {
    let referenced: BTreeSet<&str> = (steps.iter())
        .flat_map(|s| match &s.action {
            Action::Alter {
                change: TableChange::AddForeignKey(fk),
                ..
            } => vec![fk.ref_table.as_str()],
            Action::CreateTable(t) => t.referenced_tables().collect(),
            _ => Vec::new(),
        })
        .collect();
    (steps.iter())
        .map(|step| {
            if step.phase == Phase::CreateView || step.phase == Phase::DropView {
                return None;
            }
            let Action::Alter { table, change } = &step.action else {
                return None;
            };
            match change {
                TableChange::AddIndex(i)
                    if i.exclude.is_none()
                        && !(i.unique && referenced.contains(table.as_str())) =>
                {
                    Some(Online::Concurrently)
                }
                // A key whose name the server picks cannot be validated by name.
                TableChange::AddForeignKey(fk) if !fk.name.as_str().is_empty() => {
                    Some(Online::NotValidThenValidate)
                }
                TableChange::AddCheck(c) if !c.name.as_str().is_empty() => {
                    Some(Online::NotValidThenValidate)
                }
                TableChange::AlterColumn { changes, .. }
                    if changes.nullable.as_ref().is_some_and(|n| !n.to)
                        && *changes
                            == crate::diff::ColumnChanges {
                                nullable: changes.nullable.clone(),
                                ..Default::default()
                            } =>
                {
                    Some(Online::ThroughValidatedCheck)
                }
                _ => None,
            }
        })
        .collect()
}

/// How an online PostgreSQL plan makes a step without holding a lock that stops writes while
/// it reads the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Online {
    /// `CREATE INDEX CONCURRENTLY` (a failed build leaves an INVALID index, which the next
    /// apply drops and builds again).
    Concurrently,
    /// `ADD CONSTRAINT … NOT VALID`, then `VALIDATE CONSTRAINT` (which lets writes go on).
    NotValidThenValidate,
    /// `SET NOT NULL` after a `CHECK (c IS NOT NULL)` added `NOT VALID` and validated (so
    /// `SET NOT NULL` needs no scan), the check dropped after.
    ThroughValidatedCheck,
}

/// Order `changes` for `dialect`.
pub fn plan(dialect: Dialect, mut changes: Vec<Change>) -> Plan {
    if dialect == Dialect::Mysql {
        refresh_foreign_keys_of_retyped_columns(&mut changes);
        restate_collated_columns(&mut changes);
    }
    let mut steps: Vec<(Phase, usize, Step)> = Vec::new();
    let push = |steps: &mut Vec<(Phase, usize, Step)>, rank: usize, step: Step| {
        steps.push((step.phase, rank, step))
    };

    let created: BTreeMap<String, Table> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable(t) => Some((t.name.clone(), t.clone())),
            _ => None,
        })
        .collect();
    let dropped: BTreeMap<String, Table> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable(t) => Some((t.name.clone(), t.clone())),
            _ => None,
        })
        .collect();
    let views = |drop: bool| -> BTreeMap<String, View> {
        changes
            .iter()
            .filter_map(|c| match c {
                Change::CreateView(v) if !drop => Some((v.name.clone(), v.clone())),
                Change::DropView(v) if drop => Some((v.name.clone(), v.clone())),
                _ => None,
            })
            .collect()
    };
    let domains = |drop: bool| -> BTreeMap<String, Domain> {
        changes
            .iter()
            .filter_map(|c| match c {
                Change::CreateDomain(d) if !drop => Some((d.name.clone(), d.clone())),
                Change::DropDomain(d) if drop => Some((d.name.clone(), d.clone())),
                _ => None,
            })
            .collect()
    };
    let domain_create_order = domain_order(&domains(false));
    // A domain over another is dropped before it.
    let mut domain_drop_order = domain_order(&domains(true));
    domain_drop_order.order.reverse();
    let composites: BTreeMap<String, CompositeType> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateComposite(t) => Some((t.name.clone(), t.clone())),
            _ => None,
        })
        .collect();
    // A routine over a table's row type is created after the tables (folded names).
    let tables: std::collections::BTreeSet<String> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable(t) => Some(t.name.clone()),
            Change::AlterTable(d) => Some(d.to.name.clone()),
            _ => None,
        })
        .collect();
    // A view dropped and created again as it was: only for what it reads or calls.
    let (creates, drops) = (views(false), views(true));
    let recreated: BTreeSet<&String> = (drops.iter())
        .filter(|(name, view)| creates.get(*name) == Some(*view))
        .map(|(name, _)| name)
        .collect();
    let view_create_order = view_order(&creates);
    let mut view_drop_order = view_order(&drops);
    view_drop_order.order.reverse();
    let create_order = fk_order(&created);
    let mut drop_order = fk_order(&dropped);
    drop_order.order.reverse();

    for change in changes {
        match change {
            Change::CreateEnum(e) => push(
                &mut steps,
                0,
                Step {
                    phase: Phase::CreateEnum,
                    table: e.name.clone(),
                    action: Action::CreateEnum(e),
                    hazards: vec![],
                },
            ),
            Change::AlterEnum { from, to } => {
                let removed: Vec<&String> = from
                    .values
                    .iter()
                    .filter(|v| !to.values.contains(v))
                    .collect();
                let hazards = if removed.is_empty() {
                    vec![]
                } else {
                    vec![Hazard::new(
                        dialect,
                        HazardCode::DropEnumValue,
                        &from.name,
                        format!("removes value(s) {removed:?} from enum `{}`", from.name),
                    )]
                };
                push(
                    &mut steps,
                    0,
                    Step {
                        phase: Phase::CreateEnum,
                        table: to.name.clone(),
                        action: Action::AlterEnum { from, to },
                        hazards,
                    },
                )
            }
            Change::DropEnum(e) => push(
                &mut steps,
                0,
                Step {
                    phase: Phase::DropEnum,
                    table: e.name.clone(),
                    action: Action::DropEnum(e),
                    hazards: vec![],
                },
            ),
            Change::CreateTable(mut table) => {
                let rank = create_order.rank(&table.name);
                if dialect != Dialect::Sqlite {
                    // Keys to tables created later (or in the same cycle) are added afterwards.
                    let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut table.foreign_keys)
                        .into_iter()
                        .partition(|fk| {
                            fk.ref_table == table.name
                                || !created.contains_key(&fk.ref_table)
                                || create_order.rank(&fk.ref_table) < rank
                        });
                    table.foreign_keys = now;
                    for fk in later {
                        push(
                            &mut steps,
                            rank,
                            Step {
                                phase: Phase::AddForeignKey,
                                table: table.name.clone(),
                                action: Action::Alter {
                                    table: table.name.clone(),
                                    change: TableChange::AddForeignKey(fk),
                                },
                                hazards: vec![],
                            },
                        );
                    }
                }
                push(
                    &mut steps,
                    rank,
                    Step {
                        phase: Phase::CreateTable,
                        table: table.name.clone(),
                        action: Action::CreateTable(table),
                        hazards: vec![],
                    },
                )
            }
            Change::DropTable(mut table) => {
                let rank = drop_order.rank(&table.name);
                if dialect != Dialect::Sqlite {
                    // Keys between dropped tables of one cycle go first.
                    let cyclic: Vec<_> = table
                        .foreign_keys
                        .iter()
                        .filter(|fk| {
                            fk.ref_table != table.name
                                && dropped.contains_key(&fk.ref_table)
                                && drop_order.rank(&fk.ref_table) < rank
                        })
                        .cloned()
                        .collect();
                    for fk in cyclic {
                        push(
                            &mut steps,
                            rank,
                            Step {
                                phase: Phase::DropForeignKey,
                                table: table.name.clone(),
                                action: Action::Alter {
                                    table: table.name.clone(),
                                    change: TableChange::DropForeignKey(fk.clone()),
                                },
                                hazards: vec![],
                            },
                        );
                        table.foreign_keys.retain(|k| k != &fk);
                    }
                }
                // A new table of the same columns may be this one renamed: say how to say so.
                let alike = created.values().find(|t| {
                    let shape = |t: &Table| -> Vec<(String, String)> {
                        (t.columns.iter())
                            .map(|c| (c.name.clone(), c.ty.to_string()))
                            .collect()
                    };
                    shape(t) == shape(&table)
                });
                let hint = alike.map_or_else(String::new, |t| {
                    format!(
                        "; if `{}` is `{}` renamed, say so after its name: `CREATE TABLE {} ( -- plinth: renamed from {}`",
                        crate::model::shown(&t.name),
                        crate::model::shown(&table.name),
                        crate::model::shown(&t.name),
                        crate::model::unqualified(&table.name)
                    )
                });
                let hazards = vec![Hazard::new(
                    dialect,
                    HazardCode::DropTable,
                    &table.name,
                    format!("drops table `{}` and all its rows{hint}", table.name),
                )];
                push(
                    &mut steps,
                    rank,
                    Step {
                        phase: Phase::DropTable,
                        table: table.name.clone(),
                        action: Action::DropTable(table),
                        hazards,
                    },
                )
            }
            Change::CreateNamespace(n) => push(
                &mut steps,
                0,
                Step {
                    phase: Phase::CreateNamespace,
                    table: n.name.clone(),
                    action: Action::CreateNamespace(n),
                    hazards: vec![],
                },
            ),
            Change::AlterNamespace { to, .. } => push(
                &mut steps,
                0,
                Step {
                    phase: Phase::CreateNamespace,
                    table: to.name.clone(),
                    action: Action::CommentNamespace(to),
                    hazards: vec![],
                },
            ),
            Change::DropNamespace(n) => push(
                &mut steps,
                0,
                Step {
                    phase: Phase::DropNamespace,
                    table: n.name.clone(),
                    action: Action::DropNamespace(n),
                    hazards: vec![],
                },
            ),
            Change::CreateExtension(e) => push(
                &mut steps,
                0,
                Step {
                    phase: Phase::CreateExtension,
                    table: e.name.clone(),
                    action: Action::CreateExtension(e),
                    hazards: vec![],
                },
            ),
            Change::UpdateExtension { from, to } => push(
                &mut steps,
                0,
                Step {
                    phase: Phase::CreateExtension,
                    table: to.name.clone(),
                    action: Action::UpdateExtension { from, to },
                    hazards: vec![],
                },
            ),
            Change::DropExtension(e) => push(
                &mut steps,
                0,
                Step {
                    phase: Phase::DropExtension,
                    table: e.name.clone(),
                    action: Action::DropExtension(e),
                    hazards: vec![],
                },
            ),
            Change::Rename(r) => push(
                &mut steps,
                0,
                step(
                    Phase::RenameObject,
                    match &r {
                        crate::diff::Renaming::Table { to, .. } => to.clone(),
                        crate::diff::Renaming::Column { table, .. } => table.clone(),
                        crate::diff::Renaming::EnumValue { type_name, .. } => type_name.clone(),
                        crate::diff::Renaming::Type { to, .. } => to.clone(),
                    },
                    Action::Rename(r),
                ),
            ),
            // Domains with the enum types: before the tables that use them, dropped last.
            Change::CreateDomain(d) => push(
                &mut steps,
                domain_create_order.rank(&d.name),
                Step {
                    phase: Phase::CreateEnum,
                    table: d.name.clone(),
                    action: Action::CreateDomain(d),
                    hazards: vec![],
                },
            ),
            Change::AlterDomain { from, to } => push(
                &mut steps,
                0,
                Step {
                    phase: Phase::CreateEnum,
                    table: to.name.clone(),
                    action: Action::AlterDomain { from, to },
                    hazards: vec![],
                },
            ),
            // Before the routines its default or checks call are dropped.
            Change::ReleaseDomain { from, to } => push(
                &mut steps,
                0,
                Step {
                    phase: Phase::DropConstraint,
                    table: to.name.clone(),
                    action: Action::AlterDomain { from, to },
                    hazards: vec![],
                },
            ),
            Change::DropDomain(d) => push(
                &mut steps,
                domain_drop_order.rank(&d.name),
                Step {
                    phase: Phase::DropEnum,
                    table: d.name.clone(),
                    action: Action::DropDomain(d),
                    hazards: vec![],
                },
            ),
            Change::CreateView(view) => push(
                &mut steps,
                view_create_order.rank(&view.name),
                Step {
                    phase: Phase::CreateView,
                    table: view.name.clone(),
                    action: Action::CreateView(view),
                    hazards: vec![],
                },
            ),
            Change::AlterViewIndex { view, change } => {
                let (phase, rank) = match change {
                    TableChange::DropIndex(_) => (Phase::DropView, view_drop_order.rank(&view)),
                    _ => (Phase::CreateView, view_create_order.rank(&view)),
                };
                let action = Action::Alter {
                    table: view.clone(),
                    change,
                };
                push(&mut steps, rank, step(phase, view, action));
            }
            Change::DropView(view) => {
                let hazards = match recreated.contains(&view.name) {
                    true => vec![Hazard::new(
                        dialect,
                        HazardCode::RecreateView,
                        &view.name,
                        format!(
                            "drops view `{}` to create it again after what it reads or calls changes",
                            view.name
                        ),
                    )],
                    false => vec![],
                };
                push(
                    &mut steps,
                    view_drop_order.rank(&view.name),
                    Step {
                        phase: Phase::DropView,
                        table: view.name.clone(),
                        action: Action::DropView(view),
                        hazards,
                    },
                )
            }
            Change::CreateFunction(f) => push(
                &mut steps,
                0,
                step(
                    routine_phase(&f, &tables),
                    f.name.clone(),
                    Action::CreateFunction(f),
                ),
            ),
            Change::AlterFunction { from, to } => push(
                &mut steps,
                0,
                step(
                    routine_phase(&to, &tables),
                    to.name.clone(),
                    Action::AlterFunction { from, to },
                ),
            ),
            Change::DropFunction(f) => push(
                &mut steps,
                0,
                step(Phase::DropFunction, f.name.clone(), Action::DropFunction(f)),
            ),
            Change::CreateTrigger(t) => push(
                &mut steps,
                0,
                step(
                    Phase::CreateTrigger,
                    t.table.clone(),
                    Action::CreateTrigger(t),
                ),
            ),
            Change::AlterTrigger { to, .. } => push(
                &mut steps,
                0,
                step(
                    Phase::CreateTrigger,
                    to.table.clone(),
                    Action::AlterTrigger(to),
                ),
            ),
            Change::DropTrigger(t) => push(
                &mut steps,
                0,
                step(Phase::DropTrigger, t.table.clone(), Action::DropTrigger(t)),
            ),
            Change::CreateEvent(e) => push(
                &mut steps,
                0,
                step(Phase::CreateTrigger, e.name.clone(), Action::CreateEvent(e)),
            ),
            Change::DropEvent(e) => push(
                &mut steps,
                0,
                step(Phase::DropTrigger, e.name.clone(), Action::DropEvent(e)),
            ),
            Change::CreateComposite(c) => push(
                &mut steps,
                composite_rank(&c, &composites),
                step(
                    Phase::CreateComposite,
                    c.name.clone(),
                    Action::CreateComposite(c),
                ),
            ),
            Change::AlterComposite { from, to } => {
                let dropped: Vec<&String> = from
                    .attributes
                    .iter()
                    .map(|(n, _)| n)
                    .filter(|n| !to.attributes.iter().any(|(t, _)| t == *n))
                    .collect();
                let hazards = if dropped.is_empty() {
                    vec![]
                } else {
                    vec![Hazard::new(
                        dialect,
                        HazardCode::DropAttribute,
                        &to.name,
                        format!(
                            "drops attribute(s) {dropped:?} of composite type `{}` and their values",
                            to.name
                        ),
                    )]
                };
                push(
                    &mut steps,
                    0,
                    Step {
                        phase: Phase::CreateComposite,
                        table: to.name.clone(),
                        action: Action::AlterComposite { from, to },
                        hazards,
                    },
                )
            }
            Change::DropComposite(c) => push(
                &mut steps,
                0,
                step(Phase::DropEnum, c.name.clone(), Action::DropComposite(c)),
            ),
            // Sequences with the types: before the tables whose defaults call them.
            Change::CreateSequence(q) => push(
                &mut steps,
                0,
                step(Phase::CreateEnum, q.name.clone(), Action::CreateSequence(q)),
            ),
            Change::AlterSequence { from, to } => push(
                &mut steps,
                0,
                step(
                    Phase::CreateEnum,
                    to.name.clone(),
                    Action::AlterSequence { from, to },
                ),
            ),
            Change::DropSequence(q) => {
                let hazards = vec![Hazard::new(
                    dialect,
                    HazardCode::DropSequence,
                    &q.name,
                    format!("drops sequence `{}` and the value it has reached", q.name),
                )];
                push(
                    &mut steps,
                    0,
                    Step {
                        phase: Phase::DropEnum,
                        table: q.name.clone(),
                        action: Action::DropSequence(q),
                        hazards,
                    },
                )
            }
            Change::CreatePolicy(p) => push(
                &mut steps,
                0,
                step(
                    Phase::CreateTrigger,
                    p.table.clone(),
                    Action::CreatePolicy(p),
                ),
            ),
            Change::AlterPolicy { to, .. } => push(
                &mut steps,
                0,
                step(
                    Phase::CreateTrigger,
                    to.table.clone(),
                    Action::AlterPolicy(to),
                ),
            ),
            Change::DropPolicy(p) => push(
                &mut steps,
                0,
                step(Phase::DropTrigger, p.table.clone(), Action::DropPolicy(p)),
            ),
            Change::AlterTable(diff) => {
                let rank = create_order.rank(&diff.to.name);
                for step in alter_steps(dialect, diff) {
                    push(&mut steps, rank, step);
                }
            }
        }
    }
    steps.sort_by(|a, b| (a.0, a.1, &a.2.table).cmp(&(b.0, b.1, &b.2.table)));
    Plan {
        dialect,
        steps: steps.into_iter().map(|(_, _, s)| s).collect(),
        online: false,
    }
}

/// When a routine is created: before the types it does not use, after those it uses, after
/// the tables when it is over a table's row type (`tables`: the tables created or altered) or
/// its body is checked when it is made.
fn routine_phase(f: &Function, tables: &std::collections::BTreeSet<String>) -> Phase {
    if f.checked_body || f.uses.iter().any(|t| tables.contains(t)) {
        Phase::CreateTableFunction
    } else if f.uses.is_empty() {
        Phase::CreateFunction
    } else {
        Phase::CreateTypedFunction
    }
}

/// How deep a created composite type sits over the others created: made after those it uses.
fn composite_rank(c: &CompositeType, created: &BTreeMap<String, CompositeType>) -> usize {
    fn depth(
        c: &CompositeType,
        created: &BTreeMap<String, CompositeType>,
        seen: &mut std::collections::BTreeSet<String>,
    ) -> usize {
        if !seen.insert(c.name.clone()) {
            return 0;
        }
        c.attributes
            .iter()
            .filter_map(|(_, t)| created.get(t.element().trim_matches('"')))
            .map(|inner| 1 + depth(inner, created, seen))
            .max()
            .unwrap_or(0)
    }
    depth(c, created, &mut std::collections::BTreeSet::new())
}

/// A step that brings no hazard.
fn step(phase: Phase, table: String, action: Action) -> Step {
    Step {
        phase,
        table,
        action,
        hazards: vec![],
    }
}

/// A dropped column and an added one of the same type at the same place may be one renamed:
/// (dropped, added) by the dropped one's name.
fn look_alike(diff: &TableDiff) -> BTreeMap<String, String> {
    let place = |t: &Table, name: &str| t.columns.iter().position(|c| c.name == name);
    let mut out = BTreeMap::new();
    for dropped in diff.changes.iter().filter_map(|c| match c {
        TableChange::DropColumn(d) => Some(d),
        _ => None,
    }) {
        let alike = diff.changes.iter().find_map(|c| match c {
            TableChange::AddColumn(a)
                if a.ty == dropped.ty
                    && place(&diff.to, &a.name) == place(&diff.from, &dropped.name) =>
            {
                Some(a.name.clone())
            }
            _ => None,
        });
        if let Some(added) = alike {
            out.insert(dropped.name.clone(), added);
        }
    }
    out
}

/// The drop of a column `look_alike` pairs says how to say it is a rename.
fn suggest_renames(alike: &BTreeMap<String, String>, change: &TableChange, hazards: &mut [Hazard]) {
    let TableChange::DropColumn(dropped) = change else {
        return;
    };
    let Some(added) = alike.get(&dropped.name) else {
        return;
    };
    for h in hazards
        .iter_mut()
        .filter(|h| h.code == HazardCode::DropColumn)
    {
        h.message.push_str(&format!(
            "; if `{added}` is `{}` renamed, say so after it: `{added} … -- plinth: renamed from {}`",
            dropped.name, dropped.name
        ));
    }
}

fn alter_steps(dialect: Dialect, diff: TableDiff) -> Vec<Step> {
    if dialect == Dialect::Sqlite && needs_rebuild(&diff) {
        let mut hazards = vec![Hazard::new(
            dialect,
            HazardCode::RebuildTable,
            &diff.to.name,
            format!("rebuilds table `{}` (copies every row)", diff.to.name),
        )];
        let alike = look_alike(&diff);
        for change in &diff.changes {
            let mut more = change_hazards(dialect, &diff.to.name, change);
            suggest_renames(&alike, change, &mut more);
            hazards.extend(more);
        }
        hazards.sort();
        hazards.dedup();
        return vec![Step {
            phase: Phase::AlterTable,
            table: diff.to.name.clone(),
            action: Action::Rebuild {
                from: diff.from,
                to: diff.to,
            },
            hazards,
        }];
    }
    let mut diff = diff;
    if dialect == Dialect::Postgres {
        diff.changes = split_primary_key_changes(diff.changes);
    }
    let table = diff.to.name.clone();
    let alike = look_alike(&diff);
    // MySQL: an index a kept foreign key uses cannot go before its replacement exists.
    let replaced_with = |columns: Vec<&str>| -> Option<Phase> {
        if dialect != Dialect::Mysql {
            return None;
        }
        replacement_phase(&diff, &columns)
    };
    let phases: Vec<Option<Phase>> = diff
        .changes
        .iter()
        .map(|change| match change {
            TableChange::DropIndex(i) => replaced_with(
                i.parts
                    .iter()
                    .map_while(|p| match &p.key {
                        crate::model::IndexKey::Column(c) if p.prefix.is_none() => Some(c.as_str()),
                        _ => None,
                    })
                    .collect(),
            ),
            TableChange::DropUnique(u) => {
                replaced_with(u.columns.iter().map(String::as_str).collect())
            }
            _ => None,
        })
        .collect();
    diff.changes
        .into_iter()
        .zip(phases)
        .map(|(change, moved)| {
            let phase = moved.unwrap_or(match &change {
                TableChange::DropForeignKey(_) => Phase::DropForeignKey,
                TableChange::DropIndex(_) => Phase::DropIndex,
                TableChange::DropUnique(_)
                | TableChange::DropCheck(_)
                | TableChange::DropDefault(_)
                | TableChange::DropGenerated(_) => Phase::DropConstraint,
                TableChange::Rename { .. } => Phase::Rename,
                // PostgreSQL (split above): the old key goes before its columns do, the new
                // one comes after its columns exist.
                TableChange::SetPrimaryKey { to: None, .. } if dialect == Dialect::Postgres => {
                    Phase::DropConstraint
                }
                TableChange::SetPrimaryKey { from: None, .. } if dialect == Dialect::Postgres => {
                    Phase::AddConstraint
                }
                TableChange::SetPrimaryKey { .. } => Phase::AlterTable,
                TableChange::AddColumn(_)
                | TableChange::DropColumn(_)
                | TableChange::AlterColumn { .. }
                | TableChange::SetComment { .. }
                | TableChange::SetOptions { .. } => Phase::AlterTable,
                TableChange::AddUnique(_) | TableChange::AddCheck(_) => Phase::AddConstraint,
                TableChange::AddIndex(_) => Phase::CreateIndex,
                TableChange::AddForeignKey(_) => Phase::AddForeignKey,
            });
            let mut hazards = change_hazards(dialect, &table, &change);
            suggest_renames(&alike, &change, &mut hazards);
            Step {
                phase,
                table: table.clone(),
                hazards,
                action: Action::Alter {
                    table: table.clone(),
                    change,
                },
            }
        })
        .collect()
}

/// A changed primary key as two changes: drop the old one, add the new one. (MySQL keeps one
/// change: `DROP PRIMARY KEY, ADD PRIMARY KEY` in one statement keeps an AUTO_INCREMENT
/// column keyed throughout.)
fn split_primary_key_changes(changes: Vec<TableChange>) -> Vec<TableChange> {
    changes
        .into_iter()
        .flat_map(|change| match change {
            TableChange::SetPrimaryKey {
                from: Some(from),
                to: Some(to),
            } => vec![
                TableChange::SetPrimaryKey {
                    from: Some(from),
                    to: None,
                },
                TableChange::SetPrimaryKey {
                    from: None,
                    to: Some(to),
                },
            ],
            other => vec![other],
        })
        .collect()
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff;
    use crate::model::Schema;

    fn schema(d: Dialect, sql: &str) -> Schema {
        let mut parsed = crate::sql::parse_file(d, "t.sql", sql).unwrap();
        crate::normalize::finish(d, &mut parsed.schema);
        parsed.schema
    }

    #[test]
    fn the_locks_a_plan_takes_are_counted_from_below() {
        let d = Dialect::Postgres;
        let before = schema(d, "CREATE TABLE a (id integer PRIMARY KEY, n integer);");
        let after = schema(
            d,
            "CREATE TABLE a (id integer PRIMARY KEY, n integer);\nCREATE INDEX a_n ON a (n);\n\
             CREATE TABLE b (id integer PRIMARY KEY, code text UNIQUE);\nCREATE INDEX b_code ON b (code);",
        );
        let planned = plan(d, diff(d, &before, &after));
        // a and its new index; b, its primary key, its unique key and its index.
        assert_eq!(locks_at_least(&planned), 6);
        // Online, a's index is built after the transaction.
        assert_eq!(locks_at_least(&planned.online()), 4);
    }

    fn tables_in_order(plan: &Plan) -> Vec<String> {
        plan.steps
            .iter()
            .map(|s| format!("{:?}:{}", s.phase, s.table))
            .collect()
    }

    #[test]
    fn parents_are_created_first_and_dropped_last() {
        let d = Dialect::Postgres;
        let sql = "CREATE TABLE c (id int PRIMARY KEY, b int REFERENCES b(id));
                   CREATE TABLE b (id int PRIMARY KEY, a int REFERENCES a(id));
                   CREATE TABLE a (id int PRIMARY KEY);";
        let full = schema(d, sql);
        let up = plan(d, diff(d, &Schema::default(), &full));
        assert_eq!(
            tables_in_order(&up),
            ["CreateTable:a", "CreateTable:b", "CreateTable:c"]
        );
        let down = plan(d, diff(d, &full, &Schema::default()));
        assert_eq!(
            tables_in_order(&down),
            ["DropTable:c", "DropTable:b", "DropTable:a"]
        );
    }

    #[test]
    fn cycles_defer_keys_except_on_sqlite() {
        let sql = "CREATE TABLE a (id int PRIMARY KEY, b int REFERENCES b(id));
                   CREATE TABLE b (id int PRIMARY KEY, a int REFERENCES a(id));";
        let d = Dialect::Postgres;
        let up = plan(d, diff(d, &Schema::default(), &schema(d, sql)));
        assert_eq!(
            tables_in_order(&up),
            ["CreateTable:a", "CreateTable:b", "AddForeignKey:a"]
        );
        let d = Dialect::Sqlite;
        let up = plan(d, diff(d, &Schema::default(), &schema(d, sql)));
        assert_eq!(tables_in_order(&up), ["CreateTable:a", "CreateTable:b"]);
    }

    /// (code, loss, rewrite, lock) of every hazard of the plan from `from` to `to`.
    fn hazards(d: Dialect, from: &str, to: &str) -> Vec<(String, Loss, bool, String)> {
        let plan = plan(d, diff(d, &schema(d, from), &schema(d, to)));
        let lock = |l: Lock| {
            serde_json::to_value(l)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        };
        (plan.steps.iter())
            .flat_map(|s| &s.hazards)
            .map(|h| (h.code.to_string(), h.loss, h.rewrite, lock(h.lock)))
            .collect()
    }

    #[test]
    fn hazards_carry_their_code_loss_rewrite_and_lock_per_engine() {
        let pg = Dialect::Postgres;
        let hz = |code: &str, loss, rewrite, lock: &str| {
            (code.to_string(), loss, rewrite, lock.to_string())
        };
        assert_eq!(
            hazards(
                pg,
                "CREATE TABLE t (a int, b int);",
                "CREATE TABLE t (a int);"
            ),
            [hz("drop_column", Loss::Certain, false, "ACCESS EXCLUSIVE")]
        );
        assert_eq!(
            hazards(
                pg,
                "CREATE TABLE t (a int);",
                "CREATE TABLE t (a smallint);"
            ),
            [hz("narrow_type", Loss::Possible, true, "ACCESS EXCLUSIVE")]
        );
        assert_eq!(
            hazards(pg, "CREATE TABLE t (a int);", "CREATE TABLE t (a bigint);"),
            [hz("rewrite_table", Loss::None, true, "ACCESS EXCLUSIVE")]
        );
        // A longer varchar is binary compatible: nothing to say.
        assert_eq!(
            hazards(
                pg,
                "CREATE TABLE t (a varchar(5));",
                "CREATE TABLE t (a varchar(9));"
            ),
            []
        );
        assert_eq!(
            hazards(
                pg,
                "CREATE TABLE t (a int);",
                "CREATE TABLE t (a int); CREATE INDEX i ON t (a);"
            ),
            [hz("index_build_blocking", Loss::None, false, "SHARE")]
        );
        assert_eq!(
            hazards(
                pg,
                "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE t (a int);",
                "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE t (a int REFERENCES p (id));"
            ),
            [hz(
                "add_foreign_key",
                Loss::None,
                false,
                "SHARE ROW EXCLUSIVE"
            )]
        );
        let my = Dialect::Mysql;
        assert_eq!(
            hazards(my, "CREATE TABLE t (a int);", "CREATE TABLE t (a bigint);"),
            [hz("rewrite_table", Loss::None, true, "SHARED")]
        );
        assert_eq!(
            hazards(
                my,
                "CREATE TABLE t (a enum('x'));",
                "CREATE TABLE t (a enum('x','y'));"
            ),
            []
        );
        assert_eq!(
            hazards(
                my,
                "CREATE TABLE t (a int); CREATE TABLE u (b int);",
                "CREATE TABLE u (b int);"
            ),
            [hz("drop_table", Loss::Certain, false, "EXCLUSIVE")]
        );
        let lite = Dialect::Sqlite;
        assert_eq!(
            hazards(
                lite,
                "CREATE TABLE t (a INT);",
                "CREATE TABLE t (a INT NOT NULL);"
            ),
            [
                hz("add_not_null", Loss::None, false, "WRITE"),
                hz("rebuild_table", Loss::None, true, "WRITE"),
            ]
        );
        // Every code says what it can lose, and is written as the JSON plan writes it.
        for code in HazardCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json.as_str(), Some(code.as_str()));
            assert_eq!(
                code.loss() == Loss::None,
                !code.as_str().starts_with("drop_")
                    && !matches!(
                        code,
                        HazardCode::NarrowType
                            | HazardCode::ReinterpretType
                            | HazardCode::RecomputeGenerated
                    )
            );
        }
    }

    #[test]
    fn a_drop_and_an_add_that_look_alike_suggest_a_rename_and_nothing_else_does() {
        for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
            let messages = |from: &str, to: &str| -> Vec<String> {
                let plan = plan(d, diff(d, &schema(d, from), &schema(d, to)));
                (plan.steps.iter().flat_map(|s| &s.hazards))
                    .filter(|h| h.is_destructive())
                    .map(|h| h.message.clone())
                    .collect()
            };
            let renamed = messages(
                "CREATE TABLE u (id int PRIMARY KEY, username text, age int);",
                "CREATE TABLE u (id int PRIMARY KEY, login text, age int);",
            );
            assert_eq!(renamed.len(), 1, "{d:?}: {renamed:?}");
            assert!(
                renamed[0].ends_with("`login … -- plinth: renamed from username`"),
                "{d:?}: {renamed:?}"
            );
            // Another type, another place: no suggestion.
            for to in [
                "CREATE TABLE u (id int PRIMARY KEY, login int, age int);",
                "CREATE TABLE u (id int PRIMARY KEY, age int, login text);",
            ] {
                let m = messages(
                    "CREATE TABLE u (id int PRIMARY KEY, username text, age int);",
                    to,
                );
                assert!(m.iter().all(|m| !m.contains("renamed")), "{d:?}: {m:?}");
            }
            let table = messages(
                "CREATE TABLE carts (id int PRIMARY KEY, note text);",
                "CREATE TABLE baskets (id int PRIMARY KEY, note text);",
            );
            assert!(
                table[0].ends_with("`CREATE TABLE baskets ( -- plinth: renamed from carts`"),
                "{d:?}: {table:?}"
            );
        }
    }

    fn descriptions(d: Dialect, from: &str, to: &str) -> Vec<String> {
        let plan = plan(d, diff(d, &schema(d, from), &schema(d, to)));
        plan.steps.iter().map(|s| s.describe(d)).collect()
    }

    #[test]
    fn descriptions_name_each_attribute() {
        let d = Dialect::Postgres;
        assert_eq!(
            descriptions(
                d,
                "CREATE TABLE t (id int, n varchar(50) NOT NULL DEFAULT 'a');",
                "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY, n varchar(80) DEFAULT 'b');
                 COMMENT ON TABLE t IS 'T';
                 COMMENT ON COLUMN t.n IS 'the n';"
            ),
            [
                "table \"t\": column \"id\": set NOT NULL, identity added (GENERATED ALWAYS)",
                "table \"t\": column \"n\": type character varying(50) → character varying(80), \
                 drop NOT NULL, default 'a' → 'b', comment none → \"the n\"",
                "table \"t\": comment none → \"T\"",
            ]
        );
        let d = Dialect::Mysql;
        assert_eq!(
            descriptions(
                d,
                "CREATE TABLE t (id int, s varchar(5)) ENGINE=MyISAM;",
                "CREATE TABLE t (id int, s varchar(5) COLLATE utf8mb4_bin) ENGINE=InnoDB;"
            ),
            [
                "table `t`: column `s`: collation none → utf8mb4_bin",
                "table `t`: option engine myisam → default",
            ]
        );
    }

    #[test]
    fn sqlite_asks_the_tree_which_columns_an_expression_uses() {
        let d = Dialect::Sqlite;
        let rebuilds = |from: &str, to: &str| {
            plan(d, diff(d, &schema(d, from), &schema(d, to)))
                .steps
                .iter()
                .any(|s| matches!(s.action, Action::Rebuild { .. }))
        };
        // `id` and `pa` are inside `paid`, which is not them.
        assert!(!rebuilds(
            "CREATE TABLE t (n int, paid int CHECK (paid >= 0), id text);",
            "CREATE TABLE t (n int, paid int CHECK (paid >= 0), pa text);"
        ));
        // SQLite column names know no case: the check on `id` uses `ID`.
        assert!(rebuilds(
            "CREATE TABLE t (n int, ID int, CHECK (id > 0));",
            "CREATE TABLE t (n int);"
        ));
        // SQLite adds a column with a literal default in place (to a table with rows), not
        // one with an expression or a clock.
        assert!(!rebuilds(
            "CREATE TABLE t (n int);",
            "CREATE TABLE t (n int, a text DEFAULT 'x(', b int DEFAULT -1, c blob DEFAULT X'00');"
        ));
        assert!(rebuilds(
            "CREATE TABLE t (n int);",
            "CREATE TABLE t (n int, a int DEFAULT (1 + 2));"
        ));
        assert!(rebuilds(
            "CREATE TABLE t (n int);",
            "CREATE TABLE t (n int, a text DEFAULT CURRENT_TIMESTAMP);"
        ));
    }
}
