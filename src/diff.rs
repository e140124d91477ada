//! The differ: two canonical schemas in, the changes that turn `from` into `to` out.
//!
//! Exhaustive: tables, columns and constraint kinds are destructured, so a field added to the IR
//! is a compile error here until it is diffed. Changes carry both sides, and a changed column
//! says which of its attributes changed (and how its type changed, for the engine at hand), so
//! the planner, the hazards and the renderers consume that and compare nothing again.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

pub mod renames;
mod widening;
pub use widening::classify_type_change;

use crate::model::{
    Check, Column, ColumnType, CompositeType, Dialect, Domain, EnumType, Event, Expression,
    Extension, ForeignKey, Function, Generated, Identity, Index, Name, Namespace, Policy,
    PrimaryKey, Schema, Sequence, Table, Trigger, Unique, View,
};

// Changes are few and short-lived; boxing the big variants would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    CreateEnum(EnumType),
    AlterEnum {
        from: EnumType,
        to: EnumType,
    },
    DropEnum(EnumType),
    CreateTable(Table),
    DropTable(Table),
    AlterTable(TableDiff),
    CreateView(View),
    DropView(View),
    /// An index of a materialized view that stays added, dropped or renamed (one created with
    /// its view is the view's): a `TableChange` on indexes.
    AlterViewIndex {
        view: String,
        change: TableChange,
    },
    /// A rename the schema files ask for (see [`renames`]).
    Rename(Renaming),
    CreateDomain(Domain),
    AlterDomain {
        from: Domain,
        to: Domain,
    },
    /// A kept domain's default or checks that call a routine about to be dropped, dropped
    /// before it (`to` is the live domain without them; its `AlterDomain` adds them again
    /// after the routine is made anew).
    ReleaseDomain {
        from: Domain,
        to: Domain,
    },
    DropDomain(Domain),
    CreateNamespace(Namespace),
    /// Only the comment differs.
    AlterNamespace {
        from: Namespace,
        to: Namespace,
    },
    DropNamespace(Namespace),
    CreateExtension(Extension),
    /// `to`'s version, asked for, differs from the installed one.
    UpdateExtension {
        from: Extension,
        to: Extension,
    },
    DropExtension(Extension),
    CreateFunction(Function),
    /// Same arguments and result: `CREATE OR REPLACE` (or only the comment).
    AlterFunction {
        from: Function,
        to: Function,
    },
    DropFunction(Function),
    CreateTrigger(Trigger),
    /// Only the comment differs.
    AlterTrigger {
        from: Trigger,
        to: Trigger,
    },
    DropTrigger(Trigger),
    CreateEvent(Event),
    DropEvent(Event),
    CreatePolicy(Policy),
    /// Only the comment differs.
    AlterPolicy {
        from: Policy,
        to: Policy,
    },
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

/// Everything that differs in one table; `from` and `to` are the whole tables (SQLite rebuilds
/// need both).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableDiff {
    pub from: Table,
    pub to: Table,
    pub changes: Vec<TableChange>,
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TableChange {
    AddColumn(Column),
    DropColumn(Column),
    /// `from` and `to` are the whole columns (MySQL's MODIFY restates every attribute);
    /// `changes` says which attributes differ.
    AlterColumn {
        from: Column,
        to: Column,
        changes: ColumnChanges,
    },
    SetPrimaryKey {
        from: Option<PrimaryKey>,
        to: Option<PrimaryKey>,
    },
    AddForeignKey(ForeignKey),
    DropForeignKey(ForeignKey),
    AddUnique(Unique),
    DropUnique(Unique),
    AddCheck(Check),
    DropCheck(Check),
    AddIndex(Index),
    DropIndex(Index),
    /// PostgreSQL: a default that calls a routine about to be dropped, dropped before it (the
    /// desired default is set again after the routine is made anew: see [`release`]).
    DropDefault(Column),
    /// PostgreSQL: a generated column whose expression calls a routine about to be dropped,
    /// dropped before it and added again after (its values are computed again).
    DropGenerated(Column),
    /// A constraint or index that differs from the live one only by its name (see
    /// [`can_rename`]).
    Rename {
        object: Renamed,
        from: String,
        to: String,
    },
    SetComment {
        from: Option<String>,
        to: Option<String>,
    },
    SetOptions {
        from: BTreeMap<String, String>,
        to: BTreeMap<String, String>,
    },
}

/// What a [`Change::Rename`] renames, by the old name and the new.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Renaming {
    Table {
        from: String,
        to: String,
    },
    Column {
        table: String,
        from: String,
        to: String,
    },
    /// A PostgreSQL enum type.
    Type {
        from: String,
        to: String,
    },
    /// A PostgreSQL enum type's value.
    EnumValue {
        type_name: String,
        from: String,
        to: String,
    },
}

/// What a [`TableChange::Rename`] renames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Renamed {
    PrimaryKey,
    ForeignKey,
    Unique,
    Check,
    Index,
    /// A PostgreSQL `EXCLUDE` constraint (an index in the IR, renamed as a constraint).
    Exclusion,
}

impl Renamed {
    pub fn words(self) -> &'static str {
        match self {
            Renamed::PrimaryKey => "primary key",
            Renamed::ForeignKey => "foreign key",
            Renamed::Unique => "unique",
            Renamed::Check => "check",
            Renamed::Index => "index",
            Renamed::Exclusion => "exclusion constraint",
        }
    }
}

/// What the engine renames in place: PostgreSQL every constraint (`RENAME CONSTRAINT`) and
/// index (`ALTER INDEX … RENAME TO`); MySQL/MariaDB indexes and unique keys (`RENAME INDEX`),
/// not foreign keys or checks; SQLite nothing (an index or a constraint is made again).
pub fn can_rename(dialect: Dialect, kind: Renamed) -> bool {
    match dialect {
        Dialect::Postgres => true,
        Dialect::Mysql => matches!(kind, Renamed::Unique | Renamed::Index),
        Dialect::Sqlite => false,
    }
}

/// The constraint kinds: each has a [`Name`], and what it is apart from its name.
trait Named: PartialEq + Clone {
    fn name(&self) -> &Name;
    fn name_mut(&mut self) -> &mut Name;
    fn renamed(&self) -> Renamed;

    /// `self` is `other` but for its name, and both names are known: the live one, and one the
    /// user wrote (a name left to the engine is not known until the engine makes it).
    fn renames_to(&self, other: &Self) -> bool {
        let unknown = |n: &Name| n.as_str().is_empty();
        if unknown(self.name()) || unknown(other.name()) || self.name() == other.name() {
            return false;
        }
        let mut same = self.clone();
        *same.name_mut() = other.name().clone();
        same == *other
    }
}

macro_rules! named {
    ($t:ty, $kind:expr) => {
        impl Named for $t {
            fn name(&self) -> &Name {
                &self.name
            }
            fn name_mut(&mut self) -> &mut Name {
                &mut self.name
            }
            fn renamed(&self) -> Renamed {
                $kind
            }
        }
    };
}
named!(PrimaryKey, Renamed::PrimaryKey);
named!(ForeignKey, Renamed::ForeignKey);
named!(Unique, Renamed::Unique);
named!(Check, Renamed::Check);

impl Named for Index {
    fn name(&self) -> &Name {
        &self.name
    }
    fn name_mut(&mut self) -> &mut Name {
        &mut self.name
    }
    fn renamed(&self) -> Renamed {
        match self.exclude {
            Some(_) => Renamed::Exclusion,
            None => Renamed::Index,
        }
    }
}

/// Both sides of one attribute that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delta<T> {
    pub from: T,
    pub to: T,
}

impl<T: PartialEq + Clone> Delta<T> {
    /// `Some` when the two sides differ.
    fn of(from: &T, to: &T) -> Option<Delta<T>> {
        (from != to).then(|| Delta {
            from: from.clone(),
            to: to.clone(),
        })
    }
}

/// Which attributes of a column differ, computed once by the differ: `None` where the two sides
/// agree. One field per attribute of [`Column`] but its name (columns are matched by name).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ColumnChanges {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ty: Option<TypeDelta>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nullable: Option<Delta<bool>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Delta<Option<Expression>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Delta<Option<Identity>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated: Option<Delta<Option<Box<Generated>>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<Delta<Option<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<Delta<Option<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_update: Option<Delta<Option<Box<Expression>>>>,
}

/// A column's type change, and what it can do to the values (see [`TypeChange`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeDelta {
    pub from: ColumnType,
    pub to: ColumnType,
    pub class: TypeChange,
}

/// What a type change can do to the values a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeChange {
    /// Every value fits the new type unchanged (`integer` → `bigint`, `varchar(50)` →
    /// `varchar(80)`, `varchar` → `text`).
    Widening,
    /// The same kind of type with less room: values may be truncated or refused.
    Narrowing,
    /// Another kind of type: values are converted, and the conversion may fail or change them.
    Reinterpreting,
}

/// The changes that turn `from` (live) into `to` (desired). Deterministic: tables and enums in
/// name order, changes within a table in a fixed order.
///
/// The differ takes the dialect because what a type change can do to the values is the engine's
/// business (see [`classify_type_change`]); classifying it here, once, spares the hazards, the
/// planner and the renderers from comparing the two columns again.
pub fn diff(dialect: Dialect, from: &Schema, to: &Schema) -> Vec<Change> {
    let Schema {
        namespaces: to_namespaces,
        tables: to_tables,
        enums: to_enums,
        views: to_views,
        domains: to_domains,
        extensions: to_extensions,
        functions: to_functions,
        triggers: to_triggers,
        events: to_events,
        policies: to_policies,
        sequences: to_sequences,
        composites: to_composites,
    } = to;
    let mut changes = Vec::new();
    new_or_changed(
        &from.namespaces,
        to_namespaces,
        &mut changes,
        Change::CreateNamespace,
        |from, to| Change::AlterNamespace { from, to },
    );
    gone(
        &from.namespaces,
        to_namespaces,
        &mut changes,
        |_| true,
        Change::DropNamespace,
    );
    for (name, e) in to_extensions {
        match from.extensions.get(name) {
            None => changes.push(Change::CreateExtension(e.clone())),
            // A version not asked for is whatever is installed.
            Some(old)
                if (e.version.is_some() && old.version != e.version) || old.schema != e.schema =>
            {
                changes.push(Change::UpdateExtension {
                    from: old.clone(),
                    to: e.clone(),
                })
            }
            Some(_) => {}
        }
    }
    new_or_changed(
        &from.composites,
        to_composites,
        &mut changes,
        Change::CreateComposite,
        |from, to| Change::AlterComposite { from, to },
    );
    gone(
        &from.composites,
        to_composites,
        &mut changes,
        |_| true,
        Change::DropComposite,
    );
    new_or_changed(
        &from.sequences,
        to_sequences,
        &mut changes,
        Change::CreateSequence,
        |from, to| Change::AlterSequence { from, to },
    );
    // A sequence no schema defines that a desired default still calls stays.
    let called = |name: &str| {
        let call = format!("nextval('{}'", name.replace('\'', "''"));
        to_tables.values().any(|t| {
            t.columns.iter().any(|c| {
                c.default
                    .as_ref()
                    .is_some_and(|d| d.to_string().contains(&call))
            })
        })
    };
    let kept = |name: &str| !called(name);
    gone(
        &from.sequences,
        to_sequences,
        &mut changes,
        kept,
        Change::DropSequence,
    );
    let functions = function_changes(&from.functions, to_functions);
    let dropped_routines: BTreeSet<&str> = (functions.iter())
        .filter_map(|c| match c {
            Change::DropFunction(f) => Some(f.name.as_str()),
            _ => None,
        })
        .collect();
    // A kept domain lets go of what calls a dropped routine; its diff starts from that.
    let calls = |e: &Expression| dropped_routines.iter().any(|r| e.calls(r));
    let mut live_domains = Cow::Borrowed(&from.domains);
    for (name, live) in &from.domains {
        let called =
            live.default.as_ref().is_some_and(calls) || live.checks.iter().any(|c| calls(&c.expr));
        if called && to_domains.contains_key(name) {
            let mut released = live.clone();
            released.default = released.default.filter(|d| !calls(d));
            released.checks.retain(|c| !calls(&c.expr));
            changes.push(Change::ReleaseDomain {
                from: live.clone(),
                to: released.clone(),
            });
            live_domains.to_mut().insert(name.clone(), released);
        }
    }
    new_or_changed(
        &live_domains,
        to_domains,
        &mut changes,
        Change::CreateDomain,
        |from, to| Change::AlterDomain { from, to },
    );
    new_or_changed(
        &from.enums,
        to_enums,
        &mut changes,
        Change::CreateEnum,
        |from, to| Change::AlterEnum { from, to },
    );
    for (name, table) in to_tables {
        match from.tables.get(name) {
            None => changes.push(Change::CreateTable(table.clone())),
            Some(old) => {
                let table_changes = match release(dialect, old, &dropped_routines) {
                    Some((kept, mut released)) => {
                        released.extend(diff_table(dialect, &kept, table));
                        released
                    }
                    None => diff_table(dialect, old, table),
                };
                if !table_changes.is_empty() {
                    changes.push(Change::AlterTable(TableDiff {
                        from: old.clone(),
                        to: table.clone(),
                        changes: table_changes,
                    }));
                }
            }
        }
    }
    for (name, table) in &from.tables {
        if !to_tables.contains_key(name) {
            changes.push(Change::DropTable(table.clone()));
        }
    }
    gone(
        &from.enums,
        to_enums,
        &mut changes,
        |_| true,
        Change::DropEnum,
    );
    gone(
        &from.domains,
        to_domains,
        &mut changes,
        |_| true,
        Change::DropDomain,
    );
    for (name, e) in &from.extensions {
        if !to_extensions.contains_key(name) {
            changes.push(Change::DropExtension(e.clone()));
        }
    }
    let views = view_changes(dialect, &from.views, to_views, &changes, &functions);
    changes.extend(views);
    // A table change that disturbs its views drops its triggers too (SQLite's rebuild drops
    // them with the table; PostgreSQL refuses a column's new type under a trigger using it).
    // A view dropped (and made again) takes its triggers with it.
    let disturbed: BTreeSet<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::AlterTable(d) if disturbs_views(dialect, d) => Some(d.to.name.as_str()),
            Change::DropView(v) => Some(v.name.as_str()),
            _ => None,
        })
        .collect();
    let triggers = trigger_changes(&from.triggers, to_triggers, &dropped_routines, &disturbed);
    let policies = policy_changes(&from.policies, to_policies, &dropped_routines, &disturbed);
    changes.extend(functions);
    changes.extend(triggers);
    changes.extend(event_changes(&from.events, to_events));
    changes.extend(policies);
    changes
}

/// The policies' changes in key order: a changed one is dropped and created again (a comment
/// alone is altered), and so is a kept one whose table changes under it (PostgreSQL refuses a
/// column's new type under a policy using it) or that calls a routine that is dropped
/// (`dropped_routines`).
fn policy_changes(
    from: &BTreeMap<String, Policy>,
    to: &BTreeMap<String, Policy>,
    dropped_routines: &BTreeSet<&str>,
    disturbed_tables: &BTreeSet<&str>,
) -> Vec<Change> {
    let disturbed = |p: &Policy| {
        disturbed_tables.contains(p.table.as_str())
            || p.calls
                .iter()
                .any(|r| dropped_routines.contains(r.as_str()))
    };
    let mut out = Vec::new();
    for (key, p) in to {
        match from.get(key) {
            None => out.push(Change::CreatePolicy(p.clone())),
            Some(live) if live == p && !disturbed(live) => {}
            Some(live) if live.definition == p.definition && !disturbed(live) => {
                out.push(Change::AlterPolicy {
                    from: live.clone(),
                    to: p.clone(),
                })
            }
            Some(live) => {
                out.push(Change::DropPolicy(live.clone()));
                out.push(Change::CreatePolicy(p.clone()));
            }
        }
    }
    for (key, p) in from {
        if !to.contains_key(key) {
            out.push(Change::DropPolicy(p.clone()));
        }
    }
    out
}

/// The events' changes in name order: a changed event is dropped and created again. A live
/// event's `STARTS` is the moment it was made when the desired one names none: not compared.
fn event_changes(from: &BTreeMap<String, Event>, to: &BTreeMap<String, Event>) -> Vec<Change> {
    let mut out = Vec::new();
    for (name, e) in to {
        let live = from.get(name).map(|live| {
            let mut live = live.clone();
            if e.source.every.is_some() && e.source.at.is_none() {
                live.source.at = None;
                live.definition =
                    crate::engine::mysql::render::event_definition(&live.name, &live.source);
            }
            live
        });
        match live {
            None => out.push(Change::CreateEvent(e.clone())),
            Some(live) if live == *e => {}
            Some(_) => {
                out.push(Change::DropEvent(from[name].clone()));
                out.push(Change::CreateEvent(e.clone()));
            }
        }
    }
    for (name, e) in from {
        if !to.contains_key(name) {
            out.push(Change::DropEvent(e.clone()));
        }
    }
    out
}

/// The routines' changes in key order: a routine whose arguments or result change is dropped
/// and created again (`CREATE OR REPLACE` cannot change them); any other change replaces it.
fn function_changes(
    from: &BTreeMap<String, Function>,
    to: &BTreeMap<String, Function>,
) -> Vec<Change> {
    let mut out = Vec::new();
    for (key, f) in to {
        match from.get(key) {
            None => out.push(Change::CreateFunction(f.clone())),
            Some(live) if live == f => {}
            Some(live) if live.header == f.header && live.procedure == f.procedure => {
                out.push(Change::AlterFunction {
                    from: live.clone(),
                    to: f.clone(),
                })
            }
            Some(live) => {
                out.push(Change::DropFunction(live.clone()));
                out.push(Change::CreateFunction(f.clone()));
            }
        }
    }
    for (key, f) in from {
        if !to.contains_key(key) {
            out.push(Change::DropFunction(f.clone()));
        }
    }
    out
}

/// The triggers' changes in key order: a changed trigger is dropped and created again (a
/// comment alone is altered), and so is a kept one whose function is dropped (`functions`) or
/// whose table changes under it (`disturbed_tables`).
fn trigger_changes(
    from: &BTreeMap<String, Trigger>,
    to: &BTreeMap<String, Trigger>,
    dropped_functions: &BTreeSet<&str>,
    disturbed_tables: &BTreeSet<&str>,
) -> Vec<Change> {
    let disturbed = |t: &Trigger| {
        dropped_functions.contains(t.function.as_str())
            || disturbed_tables.contains(t.table.as_str())
    };
    let mut out = Vec::new();
    for (key, t) in to {
        match from.get(key) {
            None => out.push(Change::CreateTrigger(t.clone())),
            Some(live) if live == t && !disturbed(live) => {}
            Some(live)
                if live.definition == t.definition
                    && live.function == t.function
                    && !disturbed(live) =>
            {
                out.push(Change::AlterTrigger {
                    from: live.clone(),
                    to: t.clone(),
                })
            }
            Some(live) => {
                out.push(Change::DropTrigger(live.clone()));
                out.push(Change::CreateTrigger(t.clone()));
            }
        }
    }
    for (key, t) in from {
        if !to.contains_key(key) {
            out.push(Change::DropTrigger(t.clone()));
        }
    }
    out
}

/// The views' changes, drops then creations, each in name order (the planner orders them by
/// what they read). A desired view missing or different is (re)created, a live view no longer
/// desired dropped; and a kept view the engine would not let stay through `changes` (it reads,
/// itself or through other views, a table whose change disturbs it, or a view that is
/// dropped, or calls a routine that `functions` drop) is dropped before them and created
/// again after.
fn view_changes(
    dialect: Dialect,
    from: &BTreeMap<String, View>,
    to: &BTreeMap<String, View>,
    changes: &[Change],
    functions: &[Change],
) -> Vec<Change> {
    let mut dropped: BTreeSet<&str> = BTreeSet::new();
    let mut created: BTreeSet<&str> = BTreeSet::new();
    for (name, view) in to {
        match from.get(name) {
            None => {
                created.insert(name);
            }
            Some(live) if live != view => {
                dropped.insert(name);
                created.insert(name);
            }
            Some(_) => {}
        }
    }
    dropped.extend(
        from.keys()
            .filter(|v| !to.contains_key(*v))
            .map(String::as_str),
    );
    // Each live view by what it reads: the readers of a disturbed name are disturbed in turn.
    let mut readers: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for view in from.values() {
        for read in &view.reads {
            readers
                .entry(dialect.table_key(read))
                .or_default()
                .push(&view.name);
        }
        for call in &view.calls {
            readers.entry(called(call)).or_default().push(&view.name);
        }
    }
    let mut disturbed: Vec<String> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable(t) => Some(&t.name),
            Change::AlterTable(d) if disturbs_views(dialect, d) => Some(&d.to.name),
            _ => None,
        })
        .chain(dropped.iter().map(|v| &from[*v].name))
        .map(|name| dialect.table_key(name))
        .chain(functions.iter().filter_map(|c| match c {
            Change::DropFunction(f) => Some(called(&f.name)),
            _ => None,
        }))
        .collect();
    while let Some(name) = disturbed.pop() {
        for reader in readers.get(&name).into_iter().flatten() {
            if dropped.insert(reader) {
                disturbed.push(dialect.table_key(reader));
                if to.contains_key(*reader) {
                    created.insert(reader);
                }
            }
        }
    }
    let drops = dropped.iter().map(|v| Change::DropView(from[*v].clone()));
    let creates = created.iter().map(|v| Change::CreateView(to[*v].clone()));
    let kept = (to.iter()).filter(|(name, _)| !dropped.contains(name.as_str()));
    let indexes = kept
        .filter_map(|(name, view)| Some(view_index_changes(dialect, from.get(name)?, view)))
        .flatten();
    drops.chain(creates).chain(indexes).collect()
}

/// What `to` has that `from` lacks is created, what differs altered, in key order.
fn new_or_changed<T: PartialEq + Clone>(
    from: &BTreeMap<String, T>,
    to: &BTreeMap<String, T>,
    out: &mut Vec<Change>,
    create: impl Fn(T) -> Change,
    alter: impl Fn(T, T) -> Change,
) {
    for (name, new) in to {
        match from.get(name) {
            None => out.push(create(new.clone())),
            Some(old) if old != new => out.push(alter(old.clone(), new.clone())),
            Some(_) => {}
        }
    }
}

/// What `from` has that `to` lacks is dropped, in key order, unless `dropped` says not.
fn gone<T: Clone>(
    from: &BTreeMap<String, T>,
    to: &BTreeMap<String, T>,
    out: &mut Vec<Change>,
    dropped: impl Fn(&str) -> bool,
    drop: impl Fn(T) -> Change,
) {
    for (name, old) in from {
        if !to.contains_key(name) && dropped(name) {
            out.push(drop(old.clone()));
        }
    }
}

/// Where a routine's callers are kept among the readers of tables (no table name ends so).
fn called(routine: &str) -> String {
    format!("{routine}()")
}

/// A kept view's indexes, compared as a table's are (`set_diff`).
fn view_index_changes(dialect: Dialect, from: &View, to: &View) -> Vec<Change> {
    let taken: BTreeSet<&str> = from.indexes.iter().map(|i| i.name.as_str()).collect();
    let renames = Renames {
        dialect,
        taken: &taken,
    };
    let mut changes = Vec::new();
    let (drop, add) = (TableChange::DropIndex, TableChange::AddIndex);
    set_diff(
        &renames,
        &from.indexes,
        &to.indexes,
        &mut changes,
        drop,
        add,
    );
    (changes.into_iter())
        .map(|change| Change::AlterViewIndex {
            view: to.name.clone(),
            change,
        })
        .collect()
}

/// Whether the engine refuses `diff` while a view reads the table. PostgreSQL: a column's type
/// or collation changes, or a column goes. SQLite: the table is rebuilt (dropped and made
/// again), or a column goes. MySQL binds a view's names when it is read: never.
fn disturbs_views(dialect: Dialect, diff: &TableDiff) -> bool {
    let drops_column = (diff.changes.iter()).any(|c| {
        matches!(
            c,
            TableChange::DropColumn(_) | TableChange::DropGenerated(_)
        )
    });
    match dialect {
        Dialect::Postgres => {
            drops_column
                || diff.changes.iter().any(|c| {
                    matches!(c, TableChange::AlterColumn { changes, .. }
                        if changes.ty.is_some() || changes.collation.is_some())
                })
        }
        Dialect::Sqlite => drops_column || crate::engine::sqlite::plan::needs_rebuild(diff),
        Dialect::Mysql => false,
    }
}

/// What of a kept PostgreSQL table calls a routine that is dropped (`dropped_routines`: its
/// arguments or result change, or it goes), which the server refuses to drop under it: a
/// default, a check, an index (its keys or predicate) or a generated column. Each is let go
/// first — `DropDefault`, `DropCheck`, `DropIndex`, `DropGenerated` (the server drops the
/// indexes and constraints on that column with it) — and the table is returned without them,
/// so that its diff against the desired table adds them again once the routine is made anew.
/// `None` when nothing calls one.
fn release(
    dialect: Dialect,
    from: &Table,
    dropped_routines: &BTreeSet<&str>,
) -> Option<(Table, Vec<TableChange>)> {
    if dialect != Dialect::Postgres || dropped_routines.is_empty() {
        return None;
    }
    let calls = |e: &Expression| dropped_routines.iter().any(|r| e.calls(r));
    let called = from.columns.iter().any(|c| {
        c.default.as_ref().is_some_and(calls)
            || c.generated.as_ref().is_some_and(|g| calls(&g.expr))
    }) || from.checks.iter().any(|c| calls(&c.expr))
        || from.indexes.iter().any(|i| i.expressions().any(calls));
    if !called {
        return None;
    }
    let mut kept = from.clone();
    let mut released = Vec::new();
    let generated =
        (from.columns.iter()).filter(|c| c.generated.as_ref().is_some_and(|g| calls(&g.expr)));
    for column in generated {
        let on = |e: &Expression| e.references(dialect, &column.name);
        kept.columns.retain(|c| c.name != column.name);
        kept.checks.retain(|c| !on(&c.expr));
        kept.indexes
            .retain(|i| !i.references(dialect, &column.name));
        (kept.uniques).retain(|u| {
            !u.columns
                .iter()
                .any(|c| dialect.same_column(c, &column.name))
        });
        released.push(TableChange::DropGenerated(column.clone()));
    }
    for column in &mut kept.columns {
        if column.default.as_ref().is_some_and(calls) {
            released.push(TableChange::DropDefault(column.clone()));
            column.default = None;
        }
    }
    let (go, stay) = std::mem::take(&mut kept.checks)
        .into_iter()
        .partition(|c| calls(&c.expr));
    kept.checks = stay;
    released.extend(go.into_iter().map(TableChange::DropCheck));
    let (go, stay) = std::mem::take(&mut kept.indexes)
        .into_iter()
        .partition(|i| i.expressions().any(calls));
    kept.indexes = stay;
    released.extend(go.into_iter().map(TableChange::DropIndex));
    Some((kept, released))
}

pub fn diff_table(dialect: Dialect, from: &Table, to: &Table) -> Vec<TableChange> {
    // Destructure: a new field in Table must be handled here before this compiles.
    let Table {
        name: _,
        columns,
        primary_key,
        foreign_keys,
        uniques,
        checks,
        indexes,
        comment,
        options,
    } = to;
    let mut out = Vec::new();
    for col in columns {
        match from.column(&col.name) {
            None => out.push(TableChange::AddColumn(col.clone())),
            Some(old) if old != col => out.push(TableChange::AlterColumn {
                from: old.clone(),
                to: col.clone(),
                changes: diff_column(dialect, old, col),
            }),
            Some(_) => {}
        }
    }
    for col in &from.columns {
        if to.column(&col.name).is_none() {
            out.push(TableChange::DropColumn(col.clone()));
        }
    }
    // A name the live table already uses is not free to rename to (two objects swapping names
    // are dropped and added).
    let live_names: BTreeSet<&str> = (from.primary_key.iter().map(|k| k.name.as_str()))
        .chain(from.foreign_keys.iter().map(|k| k.name.as_str()))
        .chain(from.uniques.iter().map(|k| k.name.as_str()))
        .chain(from.checks.iter().map(|k| k.name.as_str()))
        .chain(from.indexes.iter().map(|k| k.name.as_str()))
        .collect();
    let renames = Renames {
        dialect,
        taken: &live_names,
    };
    match (&from.primary_key, primary_key) {
        (a, b) if a == b => {}
        (Some(a), Some(b)) if renames.allows(a, b) => {
            out.push(rename(a, b));
        }
        (a, b) => out.push(TableChange::SetPrimaryKey {
            from: a.clone(),
            to: b.clone(),
        }),
    }
    set_diff(
        &renames,
        &from.foreign_keys,
        foreign_keys,
        &mut out,
        TableChange::DropForeignKey,
        TableChange::AddForeignKey,
    );
    set_diff(
        &renames,
        &from.uniques,
        uniques,
        &mut out,
        TableChange::DropUnique,
        TableChange::AddUnique,
    );
    set_diff(
        &renames,
        &from.checks,
        checks,
        &mut out,
        TableChange::DropCheck,
        TableChange::AddCheck,
    );
    set_diff(
        &renames,
        &from.indexes,
        indexes,
        &mut out,
        TableChange::DropIndex,
        TableChange::AddIndex,
    );
    if from.comment != *comment {
        out.push(TableChange::SetComment {
            from: from.comment.clone(),
            to: comment.clone(),
        });
    }
    if !same_options(&from.options, options) {
        out.push(TableChange::SetOptions {
            from: from.options.clone(),
            to: options.clone(),
        });
    }
    out
}

/// Which attributes of one column differ.
pub fn diff_column(dialect: Dialect, from: &Column, to: &Column) -> ColumnChanges {
    // Destructure: a new field in Column must be handled here before this compiles.
    let Column {
        name: _,
        ty,
        nullable,
        default,
        identity,
        generated,
        collation,
        comment,
        on_update,
    } = to;
    ColumnChanges {
        ty: (from.ty != *ty).then(|| TypeDelta {
            from: from.ty.clone(),
            to: ty.clone(),
            class: classify_type_change(dialect, &from.ty, ty),
        }),
        nullable: Delta::of(&from.nullable, nullable),
        default: Delta::of(&from.default, default),
        identity: Delta::of(&from.identity, identity),
        generated: Delta::of(&from.generated, generated),
        collation: Delta::of(&from.collation, collation),
        comment: Delta::of(&from.comment, comment),
        on_update: Delta::of(&from.on_update, on_update),
    }
}

/// Table options a definition may leave to the engine: a MySQL table that names no character set
/// or collation takes the database's. They are compared only when the desired table names them.
pub const INHERITED_OPTIONS: [&str; 2] = ["charset", "collation"];

/// Whether the live `from` options already are the desired `to` ones (see [`INHERITED_OPTIONS`]).
pub fn same_options(from: &BTreeMap<String, String>, to: &BTreeMap<String, String>) -> bool {
    let compared = |options: &BTreeMap<String, String>| -> BTreeMap<String, String> {
        options
            .iter()
            .filter(|(k, _)| !INHERITED_OPTIONS.contains(&k.as_str()) || to.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    compared(from) == compared(to)
}

/// Which constraint changes of one table become renames.
struct Renames<'a> {
    dialect: Dialect,
    taken: &'a BTreeSet<&'a str>,
}

impl Renames<'_> {
    fn allows<T: Named>(&self, from: &T, to: &T) -> bool {
        can_rename(self.dialect, to.renamed())
            && !self.taken.contains(to.name().as_str())
            && from.renames_to(to)
    }
}

fn rename<T: Named>(from: &T, to: &T) -> TableChange {
    TableChange::Rename {
        object: to.renamed(),
        from: from.name().as_str().to_string(),
        to: to.name().as_str().to_string(),
    }
}

/// Constraints are compared as whole values (a generated name matches any generated name):
/// what is only in `from` is dropped, what is only in `to` is added, and one that differs only
/// by its name is renamed where the engine can. Any other change is a drop and an add, which
/// is also how every engine has to do it. Equal values are counted: two equal unnamed checks
/// are two constraints.
fn set_diff<T: Named>(
    renames: &Renames,
    from: &[T],
    to: &[T],
    out: &mut Vec<TableChange>,
    drop: impl Fn(T) -> TableChange,
    add: impl Fn(T) -> TableChange,
) {
    // Pair each `from` item with an equal, not yet paired `to` item; then what is left with
    // one it only needs renaming to.
    let mut paired = vec![false; to.len()];
    let mut unpaired = Vec::new();
    for item in from {
        match (0..to.len()).find(|&k| !paired[k] && to[k] == *item) {
            Some(k) => paired[k] = true,
            None => unpaired.push(item),
        }
    }
    for item in unpaired {
        let target = (0..to.len()).find(|&k| !paired[k] && renames.allows(item, &to[k]));
        match target {
            Some(k) => {
                paired[k] = true;
                out.push(rename(item, &to[k]));
            }
            None => out.push(drop(item.clone())),
        }
    }
    for (item, paired) in to.iter().zip(paired) {
        if !paired {
            out.push(add(item.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(sql: &str) -> Schema {
        let mut parsed = crate::sql::parse_file(Dialect::Postgres, "t.sql", sql).unwrap();
        crate::normalize::finish(Dialect::Postgres, &mut parsed.schema);
        parsed.schema
    }

    #[test]
    fn a_schema_equals_itself() {
        let s = schema("CREATE TABLE a (id int PRIMARY KEY, b text UNIQUE CHECK (b <> ''));");
        assert!(diff(Dialect::Postgres, &s, &s).is_empty());
    }

    #[test]
    fn column_order_is_not_a_difference() {
        let a = schema("CREATE TABLE a (x int, y int);");
        let b = schema("CREATE TABLE a (y int, x int);");
        assert!(diff(Dialect::Postgres, &a, &b).is_empty());
    }

    #[test]
    fn generated_names_match_unnamed_constraints() {
        let a = schema("CREATE TABLE a (id int, CONSTRAINT a_pkey PRIMARY KEY (id));");
        let b = schema("CREATE TABLE a (id int PRIMARY KEY);");
        assert!(diff(Dialect::Postgres, &a, &b).is_empty());
    }

    fn table_changes(from: &str, to: &str) -> Vec<TableChange> {
        let changes = diff(Dialect::Postgres, &schema(from), &schema(to));
        match changes.as_slice() {
            [Change::AlterTable(t)] => t.changes.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_constraint_that_only_changes_its_name_is_renamed() {
        let changes = table_changes(
            "CREATE TABLE a (id int CONSTRAINT pk PRIMARY KEY, n int CONSTRAINT a_n_key UNIQUE);",
            "CREATE TABLE a (id int CONSTRAINT a_key PRIMARY KEY, n int CONSTRAINT uq UNIQUE);",
        );
        let renames: Vec<(Renamed, &str, &str)> = changes
            .iter()
            .map(|c| match c {
                TableChange::Rename { object, from, to } => (*object, from.as_str(), to.as_str()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            renames,
            [
                (Renamed::PrimaryKey, "pk", "a_key"),
                (Renamed::Unique, "a_n_key", "uq")
            ]
        );
    }

    #[test]
    fn names_that_swap_or_go_unnamed_are_dropped_and_added() {
        // Swapped: each target name is still taken when its rename would run.
        let changes = table_changes(
            "CREATE TABLE a (x int, y int, CONSTRAINT p CHECK (x > 0), CONSTRAINT q CHECK (y > 0));",
            "CREATE TABLE a (x int, y int, CONSTRAINT q CHECK (x > 0), CONSTRAINT p CHECK (y > 0));",
        );
        assert_eq!(changes.len(), 4, "{changes:?}");
        assert!(!changes
            .iter()
            .any(|c| matches!(c, TableChange::Rename { .. })));
        // A name left to the engine is not known before the engine makes it.
        let changes = table_changes(
            "CREATE TABLE a (x int, CONSTRAINT p CHECK (x > 0));",
            "CREATE TABLE a (x int, CHECK (x > 0));",
        );
        assert!(matches!(
            changes.as_slice(),
            [TableChange::DropCheck(_), TableChange::AddCheck(_)]
        ));
    }

    #[test]
    fn what_each_engine_renames() {
        for kind in [Renamed::ForeignKey, Renamed::Check, Renamed::PrimaryKey] {
            assert!(can_rename(Dialect::Postgres, kind));
            assert!(!can_rename(Dialect::Mysql, kind));
        }
        assert!(can_rename(Dialect::Mysql, Renamed::Index));
        assert!(!can_rename(Dialect::Sqlite, Renamed::Index));
    }

    #[test]
    fn equal_unnamed_checks_are_counted() {
        let a = schema("CREATE TABLE a (n int, CHECK (n > 0));");
        let b = schema("CREATE TABLE a (n int, CHECK (n > 0), CHECK (n > 0));");
        let changes = diff(Dialect::Postgres, &a, &b);
        let [Change::AlterTable(t)] = changes.as_slice() else {
            panic!("{changes:?}")
        };
        assert!(matches!(t.changes.as_slice(), [TableChange::AddCheck(_)]));
        assert!(diff(Dialect::Postgres, &b, &b).is_empty());
    }

    #[test]
    fn changes_name_both_sides() {
        let a = schema("CREATE TABLE a (id int PRIMARY KEY, n varchar(10));");
        let b = schema("CREATE TABLE a (id int PRIMARY KEY, n varchar(20) NOT NULL);");
        let changes = diff(Dialect::Postgres, &a, &b);
        let [Change::AlterTable(t)] = changes.as_slice() else {
            panic!("{changes:?}")
        };
        let [TableChange::AlterColumn { from, to, changes }] = t.changes.as_slice() else {
            panic!("{:?}", t.changes)
        };
        assert_eq!(from.ty, "character varying(10)");
        assert_eq!(to.ty, "character varying(20)");
        assert!(!to.nullable);
        assert_eq!(
            *changes,
            ColumnChanges {
                ty: Some(TypeDelta {
                    from: ColumnType::new(Dialect::Postgres, "character varying(10)"),
                    to: ColumnType::new(Dialect::Postgres, "character varying(20)"),
                    class: TypeChange::Widening,
                }),
                nullable: Some(Delta {
                    from: true,
                    to: false
                }),
                ..ColumnChanges::default()
            }
        );
    }

    #[test]
    fn type_changes_are_classified_per_engine() {
        use TypeChange::*;
        let pg = |a, b| class(Dialect::Postgres, a, b);
        assert_eq!(
            pg("character varying(10)", "character varying(20)"),
            Widening
        );
        assert_eq!(pg("integer", "bigint"), Widening);
        assert_eq!(pg("bigint", "integer"), Narrowing);
        assert_eq!(
            pg("character varying(20)", "character varying(10)"),
            Narrowing
        );
        assert_eq!(pg("character varying(20)", "text"), Widening);
        assert_eq!(pg("text", "character varying(20)"), Narrowing);
        assert_eq!(pg("numeric(10,2)", "numeric(14,2)"), Widening);
        assert_eq!(pg("numeric(10,2)", "numeric(12,0)"), Narrowing);
        assert_eq!(pg("integer", "text"), Reinterpreting);
        let my = |a, b| class(Dialect::Mysql, a, b);
        assert_eq!(my("decimal(10,2)", "decimal(12,4)"), Widening);
        assert_eq!(my("NUMERIC(10,2)", "NUMERIC(10,4)"), Narrowing);
        assert_eq!(my("tinyint", "int"), Widening);
        assert_eq!(my("varchar(20)", "longtext"), Widening);
        assert_eq!(my("int unsigned", "bigint"), Widening);
        let lite = |a, b| class(Dialect::Sqlite, a, b);
        // One type in SQLite: changing the spelling loses nothing.
        assert_eq!(lite("INT", "INTEGER"), Widening);
        assert_eq!(lite("INTEGER", "INT"), Widening);
        assert_eq!(lite("BIGINT", "INTEGER"), Widening);
    }

    fn class(dialect: Dialect, from: &str, to: &str) -> TypeChange {
        let ty = |t: &str| ColumnType::new(dialect, t);
        classify_type_change(dialect, &ty(from), &ty(to))
    }

    #[test]
    fn postgres_type_changes_from_the_parts() {
        use TypeChange::*;
        let pg = |a, b| class(Dialect::Postgres, a, b);
        assert_eq!(
            pg("character varying(50)", "character varying(80)"),
            Widening
        );
        assert_eq!(pg("character varying(50)", "character varying"), Widening);
        assert_eq!(pg("character varying", "character varying(50)"), Narrowing);
        assert_eq!(pg("numeric(10,2)", "numeric(12,2)"), Widening);
        assert_eq!(pg("numeric(10,2)", "numeric(10,1)"), Narrowing);
        assert_eq!(pg("numeric(10)", "numeric(10,2)"), Narrowing);
        assert_eq!(pg("numeric(10,2)", "numeric"), Reinterpreting);
        assert_eq!(pg("numeric(5,-2)", "numeric(6,-2)"), Reinterpreting);
        assert_eq!(pg("smallint", "integer"), Widening);
        assert_eq!(pg("integer", "bigint"), Widening);
        assert_eq!(pg("bigint", "integer"), Narrowing);
        assert_eq!(pg("character(3)", "text"), Widening);
        assert_eq!(pg("character varying(10)", "character(10)"), Narrowing);
        assert_eq!(
            pg(
                "timestamp(3) without time zone",
                "timestamp(6) without time zone"
            ),
            Reinterpreting
        );
        assert_eq!(pg("text[]", "integer[]"), Reinterpreting);
        assert_eq!(pg("integer[]", "bigint[]"), Reinterpreting);
        assert_eq!(
            pg("character varying(10)[]", "character varying(20)[]"),
            Narrowing
        );
    }

    /// An array and a scalar were compared by their text: `character varying(10)[]` starts like
    /// a character type, so turning it into `text` was widening (no hazard) though every value
    /// is rewritten (`{a,b}` becomes the string `'{a,b}'`).
    #[test]
    fn an_array_and_a_scalar_reinterpret() {
        use TypeChange::*;
        let pg = |a, b| class(Dialect::Postgres, a, b);
        assert_eq!(pg("character varying(10)[]", "text"), Reinterpreting);
        assert_eq!(
            pg("character varying(10)[]", "character varying(20)"),
            Reinterpreting
        );
        assert_eq!(pg("text", "text[]"), Reinterpreting);
        assert_eq!(pg("integer", "integer[]"), Reinterpreting);
    }

    /// Types were compared without regard to case, so PostgreSQL's `"Mood"` and `"mood"` (two
    /// enum types) or MySQL's `enum('A')` and `enum('a')` were one type: widening, no hazard.
    #[test]
    fn types_differing_only_in_case_are_different() {
        use TypeChange::*;
        assert_eq!(
            class(Dialect::Postgres, "\"Mood\"", "\"mood\""),
            Reinterpreting
        );
        // The members differ: a value may change (`A` → `a`).
        assert_eq!(
            class(Dialect::Mysql, "enum('A','B')", "enum('a','b')"),
            Narrowing
        );
        // SQLite's text is upper-cased on both sides: nothing differs only in case there.
        assert_eq!(class(Dialect::Sqlite, "INT", "INT"), Widening);
    }

    #[test]
    fn mysql_type_changes_from_the_parts() {
        use TypeChange::*;
        let my = |a, b| class(Dialect::Mysql, a, b);
        assert_eq!(my("varchar(50)", "varchar(80)"), Widening);
        assert_eq!(my("varchar(80)", "varchar(50)"), Narrowing);
        assert_eq!(my("varbinary(8)", "varbinary(16)"), Widening);
        assert_eq!(my("varchar(8)", "varbinary(16)"), Reinterpreting);
        assert_eq!(my("decimal(10,2)", "decimal(12,2)"), Widening);
        assert_eq!(my("decimal(10,2)", "decimal(10,1)"), Narrowing);
        assert_eq!(my("int", "bigint"), Widening);
        assert_eq!(my("bigint", "int"), Narrowing);
        // Unsigned integers are ranked among themselves and into the signed types that hold
        // them; display widths are not ranked.
        assert_eq!(my("int unsigned", "int"), Reinterpreting);
        assert_eq!(my("int", "int unsigned"), Reinterpreting);
        assert_eq!(my("int unsigned", "bigint unsigned"), Widening);
        assert_eq!(my("tinyint(1)", "int"), Reinterpreting);
        assert_eq!(
            my("decimal(10,2) unsigned", "decimal(12,2) unsigned"),
            Reinterpreting
        );
        assert_eq!(my("char(10)", "text"), Widening);
        assert_eq!(my("text", "longtext"), Widening);
        assert_eq!(my("enum('a')", "enum('a','b')"), Widening);
        assert_eq!(my("enum('a','b')", "enum('a')"), Narrowing);
    }

    #[test]
    fn sqlite_type_changes_from_the_parts() {
        use TypeChange::*;
        let lite = |a, b| class(Dialect::Sqlite, a, b);
        assert_eq!(lite("VARCHAR(50)", "VARCHAR(80)"), Widening);
        assert_eq!(lite("DECIMAL(10,2)", "DECIMAL(12,2)"), Widening);
        assert_eq!(lite("INT", "BIGINT"), Widening);
        assert_eq!(lite("VARCHAR(10)", "TEXT"), Widening);
        assert_eq!(lite("TEXT", "BLOB"), Reinterpreting);
        // SQLite keeps the values it stored: within one affinity nothing changes them.
        assert_eq!(lite("DECIMAL(10,2)", "DECIMAL(10,1)"), Widening);
        assert_eq!(lite("BIGINT", "INT"), Widening);
        assert_eq!(lite("VARCHAR(80)", "VARCHAR(50)"), Widening);
        assert_eq!(lite("DATETIME", "TIMESTAMP"), Widening);
        assert_eq!(lite("TEXT", "INTEGER"), Reinterpreting);
        assert_eq!(lite("REAL", "NUMERIC"), Reinterpreting);
    }
}
