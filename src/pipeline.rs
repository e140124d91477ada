//! The pure pipeline: desired × live → per-plugin batches of SQL (diff, plan, render). No IO.
//!
//! Each selected plugin is planned on its own, in dependency order, against the live tables it
//! owns (and the ones it retires); tables no plugin owns are never looked at.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::config::{Desired, Selection};
use crate::diff::{diff, Change};
use crate::error::Result;
use crate::model::{Dialect, Schema, Table};
use crate::plan::{plan, Plan};
use crate::render::{render, Statement};

/// One plugin's share of a plan.
#[derive(Debug, Clone, Serialize)]
pub struct Batch {
    pub plugin: String,
    pub version: Option<String>,
    #[serde(skip)]
    pub plan: Plan,
    /// What differs, one line per step, names quoted as the engine quotes them.
    pub differences: Vec<String>,
    pub statements: Vec<Statement>,
    /// What the data said about the steps (with a database: `db::data`), in step order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<crate::plan::data::Finding>,
    /// The tables that change, live and desired (for showing their DDL side by side).
    #[serde(skip)]
    pub changed: Vec<(Table, Table)>,
    /// The tables the plugin owns in the desired state (what history records for it).
    #[serde(skip)]
    pub tables: Vec<String>,
    /// The tables and enum types this batch was planned over (live and desired): all it may
    /// change. Everything else must come out of an apply exactly as it went in.
    #[serde(skip)]
    pub scope: Scope,
}

/// Names of tables, types (enum types and domains, `enums`) and views.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub tables: BTreeSet<String>,
    pub enums: BTreeSet<String>,
    pub views: BTreeSet<String>,
    /// Routines by key, triggers and policies by key, events and sequences by name.
    pub functions: BTreeSet<String>,
    pub triggers: BTreeSet<String>,
    pub policies: BTreeSet<String>,
    pub events: BTreeSet<String>,
}

impl Scope {
    fn of(from: &Schema, to: &Schema) -> Scope {
        Scope {
            tables: from
                .tables
                .keys()
                .chain(to.tables.keys())
                .cloned()
                .collect(),
            enums: (from.enums.keys().chain(to.enums.keys()))
                .chain(from.domains.keys().chain(to.domains.keys()))
                .chain(from.composites.keys().chain(to.composites.keys()))
                .cloned()
                .collect(),
            views: from.views.keys().chain(to.views.keys()).cloned().collect(),
            functions: (from.functions.keys().chain(to.functions.keys()))
                .cloned()
                .collect(),
            triggers: (from.triggers.keys().chain(to.triggers.keys()))
                .cloned()
                .collect(),
            policies: (from.policies.keys().chain(to.policies.keys()))
                .cloned()
                .collect(),
            // A serial column's sequence becomes one of its own when another column's
            // default keeps it (`OWNED BY NONE`): the table's change.
            events: from
                .events
                .keys()
                .chain(to.events.keys())
                .chain(from.sequences.keys())
                .chain(to.sequences.keys())
                .chain(from.tables.values().flat_map(|t| {
                    t.columns.iter().filter_map(|c| match &c.identity {
                        Some(crate::model::Identity::Serial(s)) => s.live_name.as_ref(),
                        _ => None,
                    })
                }))
                .cloned()
                .collect(),
        }
    }

    pub fn extend(&mut self, other: &Scope) {
        self.tables.extend(other.tables.iter().cloned());
        self.enums.extend(other.enums.iter().cloned());
        self.views.extend(other.views.iter().cloned());
        self.functions.extend(other.functions.iter().cloned());
        self.triggers.extend(other.triggers.iter().cloned());
        self.events.extend(other.events.iter().cloned());
        self.policies.extend(other.policies.iter().cloned());
    }
}

/// What changed outside `scope` between two inspections (`before`, `after`), one line per
/// table or type; empty when everything outside it is exactly as it was.
pub fn changed_outside(before: &Schema, after: &Schema, scope: &Scope) -> Vec<String> {
    let mut out = Vec::new();
    let tables = before.tables.keys().chain(after.tables.keys());
    let outside: BTreeSet<&String> = tables.filter(|t| !scope.tables.contains(*t)).collect();
    for name in outside {
        match (before.tables.get(name), after.tables.get(name)) {
            (Some(_), None) => out.push(format!("table `{name}` was dropped")),
            (None, Some(_)) => out.push(format!("table `{name}` was created")),
            (Some(a), Some(b)) if a != b => out.push(format!("table `{name}` was altered")),
            _ => {}
        }
    }
    changed_objects(&before.enums, &after.enums, &scope.enums, "type", &mut out);
    changed_objects(
        &before.domains,
        &after.domains,
        &scope.enums,
        "domain",
        &mut out,
    );
    changed_objects(
        &before.composites,
        &after.composites,
        &scope.enums,
        "composite type",
        &mut out,
    );
    changed_objects(&before.views, &after.views, &scope.views, "view", &mut out);
    changed_objects(
        &before.functions,
        &after.functions,
        &scope.functions,
        "routine",
        &mut out,
    );
    changed_objects(
        &before.triggers,
        &after.triggers,
        &scope.triggers,
        "trigger",
        &mut out,
    );
    changed_objects(
        &before.events,
        &after.events,
        &scope.events,
        "event",
        &mut out,
    );
    changed_objects(
        &before.sequences,
        &after.sequences,
        &scope.events,
        "sequence",
        &mut out,
    );
    changed_objects(
        &before.policies,
        &after.policies,
        &scope.policies,
        "policy",
        &mut out,
    );
    out
}

/// One line for each object of `before`/`after` outside `scope` that is not as it was.
fn changed_objects<T: PartialEq>(
    before: &BTreeMap<String, T>,
    after: &BTreeMap<String, T>,
    scope: &BTreeSet<String>,
    kind: &str,
    out: &mut Vec<String>,
) {
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for name in names.into_iter().filter(|n| !scope.contains(*n)) {
        if before.get(name) != after.get(name) {
            out.push(format!("{kind} `{name}` was changed"));
        }
    }
}

impl Batch {
    pub fn is_destructive(&self) -> bool {
        self.statements.iter().any(Statement::is_destructive)
    }

    /// The batch with only the steps `keep` keeps, rendered again (MySQL writes one `ALTER
    /// TABLE` of several steps: a step left out leaves the others in).
    pub fn keeping(mut self, keep: impl Fn(&crate::plan::Step) -> bool) -> Result<Batch> {
        let dialect = self.plan.dialect;
        self.plan.steps.retain(keep);
        self.statements = render(&self.plan)?;
        self.differences = self
            .plan
            .steps
            .iter()
            .map(|s| s.describe(dialect))
            .collect();
        Ok(self)
    }
}

/// The selected plugins, in dependency order.
pub fn in_order<'a>(
    desired: &'a Desired,
    selection: &'a Selection,
) -> impl Iterator<Item = &'a String> {
    desired.order.iter().filter(|p| selection.includes(p))
}

/// The statements that create `schema` on an empty database, in plan order.
pub fn creation(dialect: Dialect, schema: &Schema) -> Result<Vec<Statement>> {
    creation_over(dialect, &Schema::default(), schema)
}

/// The statements that make `base` (what a database has: extensions, say) `schema`, in plan
/// order.
pub fn creation_over(dialect: Dialect, base: &Schema, schema: &Schema) -> Result<Vec<Statement>> {
    render(&plan(dialect, diff(dialect, base, schema)))
}

/// Plan every selected plugin against `live`.
pub fn batches(
    dialect: Dialect,
    desired: &Desired,
    selection: &Selection,
    live: &Schema,
) -> Result<Vec<Batch>> {
    let mut out = Vec::new();
    let mut claimed = Claimed::default();
    let owned = Owned::new(dialect, desired);
    for plugin in in_order(desired, selection).cloned() {
        let (from, to, live_names) =
            plugin_schemas(dialect, desired, &owned, &plugin, live, &mut claimed);
        let mut scope = Scope::of(&from, &to);
        scope.tables.extend(live_names);
        let tables = to.tables.keys().cloned().collect();
        // The renames the files ask for, made on the live side first.
        let (from, mut changes) = if desired.renames.is_empty() {
            (from, Vec::new())
        } else {
            let mut renamed = from.into_owned();
            let changes =
                crate::diff::renames::apply(dialect, &desired.renames, &mut renamed, &to)?;
            (Cow::Owned(renamed), changes)
        };
        changes.extend(diff(dialect, &from, &to));
        let changed = changes
            .iter()
            .filter_map(|c| match c {
                Change::AlterTable(t) => Some((t.from.clone(), t.to.clone())),
                _ => None,
            })
            .collect();
        let mut plan = plan(dialect, changes);
        if desired.online.contains(&plugin) {
            plan = plan.online();
        }
        let statements = render(&plan)?;
        let differences = plan.steps.iter().map(|s| s.describe(dialect)).collect();
        out.push(Batch {
            differences,
            changed,
            tables,
            version: desired.versions.get(&plugin).cloned(),
            plugin,
            plan,
            statements,
            findings: Vec::new(),
            scope,
        });
    }
    Ok(out)
}

/// `live` without what is in schemas the desired schema does not create (ad-hoc mode manages
/// the default schema and those): a schema no file names is never looked at.
fn within<'a>(
    live: &'a Schema,
    namespaces: &BTreeMap<String, crate::model::Namespace>,
) -> Cow<'a, Schema> {
    let managed = |schema: Option<&str>| schema.is_none_or(|s| namespaces.contains_key(s));
    let outside = live.namespaces.keys().any(|n| !namespaces.contains_key(n));
    if !outside {
        return Cow::Borrowed(live);
    }
    let mut schema = live.clone();
    schema.namespaces.retain(|k, _| namespaces.contains_key(k));
    schema.retain_schemas(managed);
    (schema.extensions).retain(|_, e| managed(e.schema.as_deref()));
    Cow::Owned(schema)
}

/// What earlier plugins of a plan took: enum types and domains by name, the extensions (all go
/// with the first plugin).
#[derive(Default)]
struct Claimed {
    types: BTreeSet<String>,
    extensions: bool,
}

/// The owned (not retired) desired tables by the key the engine compares table names by:
/// live table → (its desired spelling, the plugin owning it), built once per plan.
struct Owned<'a> {
    dialect: Dialect,
    by_key: BTreeMap<String, (&'a str, &'a str)>,
}

impl<'a> Owned<'a> {
    fn new(dialect: Dialect, desired: &'a Desired) -> Owned<'a> {
        let by_key = desired
            .owner
            .iter()
            .filter(|(t, _)| !desired.retired.contains_key(*t))
            .map(|(t, p)| (dialect.table_key(t), (t.as_str(), p.as_str())))
            .collect();
        Owned { dialect, by_key }
    }

    /// The desired table the live table `live_name` is, and its plugin.
    fn get(&self, live_name: &str) -> Option<(&'a str, &'a str)> {
        self.by_key.get(&self.dialect.table_key(live_name)).copied()
    }
}

/// The live and desired parts of the schema that `plugin` manages, and the live names of its
/// tables. In ad-hoc mode that is everything (inspection never returns plinth's own tables), so
/// nothing is copied. A live table is taken under its desired spelling where the engine holds
/// the two for one name (SQLite: `Users` is `users`).
fn plugin_schemas<'a>(
    dialect: Dialect,
    desired: &'a Desired,
    owned: &Owned,
    plugin: &str,
    live: &'a Schema,
    claimed: &mut Claimed,
) -> (Cow<'a, Schema>, Cow<'a, Schema>, BTreeSet<String>) {
    if desired.adhoc {
        let live = within(live, &desired.schema.namespaces);
        let names = live.tables.keys().cloned().collect();
        return (live, Cow::Borrowed(&desired.schema), names);
    }
    let mut from = Schema::default();
    let mut to = Schema::default();
    let mut live_names = BTreeSet::new();
    for (name, table) in &live.tables {
        if let Some((as_desired, owner)) = owned.get(name) {
            if owner == plugin {
                let mut table = table.clone();
                table.name = as_desired.to_string();
                from.tables.insert(as_desired.to_string(), table);
                live_names.insert(name.clone());
            }
        }
    }
    // A table the files rename is the plugin's under its old name too.
    let renamed = (desired.renames.iter())
        .filter(|r| r.of == crate::model::RenameOf::Table)
        .filter(|r| desired.owner.get(&r.to).is_some_and(|o| o == plugin));
    for r in renamed {
        if let Some((name, table)) = live.tables.get_key_value(&r.from) {
            if !from.tables.contains_key(name) {
                from.tables.insert(name.clone(), table.clone());
                live_names.insert(name.clone());
            }
        }
    }
    for (name, owner) in &desired.retired {
        if owner != plugin {
            continue;
        }
        if let Some(found) = desired.live_name(dialect, name, live) {
            from.tables
                .insert(found.to_string(), live.tables[found].clone());
            live_names.insert(found.to_string());
        }
    }
    for (name, table) in &desired.schema.tables {
        let owned = desired.owner.get(name).is_some_and(|o| o == plugin);
        if owned && !desired.retired.contains_key(name) {
            to.tables.insert(name.clone(), table.clone());
        }
    }
    // Views are owned like tables; a live view is the plugin's under its desired name.
    let own_views: BTreeMap<String, &String> = desired
        .view_owner
        .iter()
        .filter(|(_, o)| *o == plugin)
        .map(|(v, _)| (dialect.table_key(v), v))
        .collect();
    for (name, view) in &live.views {
        if let Some(as_desired) = own_views.get(&dialect.table_key(name)) {
            let mut view = view.clone();
            view.name = (*as_desired).clone();
            from.views.insert((*as_desired).clone(), view);
        }
    }
    for (name, view) in &desired.schema.views {
        if desired.view_owner.get(name).is_some_and(|o| o == plugin) {
            to.views.insert(name.clone(), view.clone());
        }
    }
    // Routines are owned by name (every overload); triggers go with their tables and views.
    let owns_routine = |name: &str| {
        desired
            .function_owner
            .get(name)
            .is_some_and(|o| o == plugin)
    };
    for (key, f) in &live.functions {
        if owns_routine(&f.name) {
            from.functions.insert(key.clone(), f.clone());
        }
    }
    for (key, f) in &desired.schema.functions {
        if owns_routine(&f.name) {
            to.functions.insert(key.clone(), f.clone());
        }
    }
    let owns_sequence = |name: &str| {
        desired
            .sequence_owner
            .get(name)
            .is_some_and(|o| o == plugin)
    };
    for (name, q) in &live.sequences {
        if owns_sequence(name) {
            from.sequences.insert(name.clone(), q.clone());
        }
    }
    for (name, q) in &desired.schema.sequences {
        if owns_sequence(name) {
            to.sequences.insert(name.clone(), q.clone());
        }
    }
    let owns_event = |name: &str| desired.event_owner.get(name).is_some_and(|o| o == plugin);
    for (name, e) in &live.events {
        if owns_event(name) {
            from.events.insert(name.clone(), e.clone());
        }
    }
    for (name, e) in &desired.schema.events {
        if owns_event(name) {
            to.events.insert(name.clone(), e.clone());
        }
    }
    for (key, p) in &live.policies {
        if from.tables.contains_key(&p.table) {
            from.policies.insert(key.clone(), p.clone());
        }
    }
    for (key, p) in &desired.schema.policies {
        if to.tables.contains_key(&p.table) {
            to.policies.insert(key.clone(), p.clone());
        }
    }
    for (key, t) in &live.triggers {
        if from.tables.contains_key(&t.table) || from.views.contains_key(&t.table) {
            from.triggers.insert(key.clone(), t.clone());
        }
    }
    for (key, t) in &desired.schema.triggers {
        if to.tables.contains_key(&t.table) || to.views.contains_key(&t.table) {
            to.triggers.insert(key.clone(), t.clone());
        }
    }
    // Enum types, domains and composite types belong to the first plugin whose tables use
    // them; plinth never drops one in plugin mode (another plugin, or someone else, may use
    // it).
    let type_key = |ty: &crate::model::ColumnType| crate::model::type_key(ty.element());
    let mut used: BTreeSet<String> = (to.tables.values())
        .flat_map(|t| t.columns.iter().map(|c| type_key(&c.ty)))
        .collect();
    // Domains and composite types likewise, with the types they are over.
    loop {
        let schema = &desired.schema;
        let over: Vec<String> = (schema.domains.iter())
            .filter(|(name, _)| used.contains(name.as_str()))
            .map(|(_, d)| type_key(&d.data_type))
            .chain(
                (schema.composites.iter())
                    .filter(|(name, _)| used.contains(name.as_str()))
                    .flat_map(|(_, c)| c.attributes.iter().map(|(_, t)| type_key(t))),
            )
            .filter(|base| !used.contains(base))
            .collect();
        if over.is_empty() {
            break;
        }
        used.extend(over);
    }
    // Extensions and schemas go with the first plugin planned: before what any plugin builds
    // on them.
    if !std::mem::replace(&mut claimed.extensions, true) {
        for (name, n) in &desired.schema.namespaces {
            to.namespaces.insert(name.clone(), n.clone());
            if let Some(live_namespace) = live.namespaces.get(name) {
                from.namespaces.insert(name.clone(), live_namespace.clone());
            }
        }
        for (name, e) in &desired.schema.extensions {
            to.extensions.insert(name.clone(), e.clone());
            if let Some(live_extension) = live.extensions.get(name) {
                from.extensions.insert(name.clone(), live_extension.clone());
            }
        }
    }
    for (name, d) in &desired.schema.domains {
        if used.contains(name.as_str()) && claimed.types.insert(name.clone()) {
            to.domains.insert(name.clone(), d.clone());
            if let Some(live_domain) = live.domains.get(name) {
                from.domains.insert(name.clone(), live_domain.clone());
            }
        }
    }
    for (name, c) in &desired.schema.composites {
        if used.contains(name.as_str()) && claimed.types.insert(name.clone()) {
            to.composites.insert(name.clone(), c.clone());
            if let Some(live_type) = live.composites.get(name) {
                from.composites.insert(name.clone(), live_type.clone());
            }
        }
    }
    for (name, e) in &desired.schema.enums {
        if used.contains(name.as_str()) && claimed.types.insert(name.clone()) {
            to.enums.insert(name.clone(), e.clone());
            if let Some(live_enum) = live.enums.get(name) {
                from.enums.insert(name.clone(), live_enum.clone());
            }
        }
    }
    (Cow::Owned(from), Cow::Owned(to), live_names)
}
