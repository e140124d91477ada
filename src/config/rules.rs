//! The ownership rules: a parsed project checked against its SQL, into the desired state.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::{Desired, Plugin, Project, ADHOC_PLUGIN};
use crate::error::{Error, Location, Result};
use crate::model::Dialect;
use crate::sql::{self, Parsed, Reference};

/// The key two spellings of a table name share (see [`Dialect::table_key`]).
fn key(dialect: Dialect, name: &str) -> String {
    dialect.table_key(name)
}

/// A table name in plugins.toml, resolved to the spelling the SQL uses: as written when the
/// SQL knows it so (a quoted name), else folded like an unquoted identifier.
/// PostgreSQL: `schema.name` names an object in another schema (`public.name` is `name`),
/// unless the SQL knows a name with the `.` in it.
fn resolve(dialect: Dialect, name: &str, known: &[&BTreeMap<String, String>]) -> String {
    let qualified = match name.split_once('.') {
        Some(("public", rest)) if dialect == Dialect::Postgres => rest.to_string(),
        Some((schema, rest)) if dialect == Dialect::Postgres => {
            crate::model::qualified(Some(schema), rest)
        }
        _ => name.to_string(),
    };
    let folded = dialect.fold(name);
    let folded_qualified = dialect.fold(&qualified);
    for candidate in [name, &folded, &qualified, &folded_qualified] {
        for map in known {
            if let Some(canonical) = map.get(&key(dialect, candidate)) {
                return canonical.clone();
            }
        }
    }
    folded_qualified
}

/// A table in plugins.toml: its canonical name, the plugin that names it, and where.
struct Entry {
    name: String,
    plugin: String,
    at: Location,
}

fn file_list(project: &Project, plugin: &str) -> String {
    project.plugins[plugin].schema.join(", ")
}

/// Check every ownership rule of `project` against the schema texts `files` (schema path as
/// written in plugins.toml → text), and build the desired state for `dialect`.
pub fn validate(
    project: &Project,
    dialect: Dialect,
    files: &BTreeMap<String, String>,
) -> Result<Desired> {
    // Each plugin's SQL, parsed and merged per plugin.
    let mut parsed: BTreeMap<&str, Parsed> = BTreeMap::new();
    for (name, plugin) in &project.plugins {
        let mut merged = Parsed::default();
        for (file, at) in plugin.schema.iter().zip(&plugin.schema_at) {
            let full = project.root.join(file);
            let Some(text) = files.get(file) else {
                return Err(Error::at_help(
                    at.clone(),
                    format!("schema file {} does not exist", full.display()),
                    format!(
                        "fix the path (relative to the directory of {}) or create the file",
                        project.path
                    ),
                ));
            };
            let mut file = sql::parse_file(dialect, &full.to_string_lossy(), text)?;
            // A project's files serve the engines of all its sites: their `timestamp` means
            // the same on each, unless a file is written for MySQL alone.
            if dialect == Dialect::Mysql && !file.mysql_only {
                crate::engine::mysql::types::portable_timestamps(&mut file.schema);
            }
            merged.merge(file)?;
        }
        parsed.insert(name, merged);
    }

    // What the SQL defines and references, by key → canonical spelling.
    let mut defined_by: BTreeMap<String, (&str, Location)> = BTreeMap::new();
    let mut defined: BTreeMap<String, String> = BTreeMap::new();
    let mut own: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    let mut referenced: BTreeMap<String, String> = BTreeMap::new();
    for (plugin, p) in &parsed {
        let mine = own.entry(plugin).or_default();
        for (table, at) in &p.tables {
            let k = key(dialect, table);
            mine.insert(k.clone(), table.clone());
            defined.entry(k.clone()).or_insert_with(|| table.clone());
            defined_by.entry(k).or_insert_with(|| (plugin, at.clone()));
        }
        for r in &p.references {
            referenced
                .entry(key(dialect, &r.to))
                .or_insert_with(|| r.to.clone());
        }
    }

    // Plugins in the order of plugins.toml: "the second listing" is the later one in the file.
    let mut in_file_order: Vec<_> = project.plugins.values().collect();
    in_file_order.sort_by(|a, b| a.at.cmp(&b.at));

    // Rule: no table is owned by two plugins.
    let mut owner: BTreeMap<String, Entry> = BTreeMap::new();
    for plugin in &in_file_order {
        let known = [&own[plugin.name.as_str()], &defined];
        for (table, at) in plugin.tables.iter().zip(&plugin.tables_at) {
            let name = resolve(dialect, table, &known);
            let k = key(dialect, &name);
            if let Some(first) = owner.get(&k) {
                let (message, help) = if first.plugin == plugin.name {
                    (
                        format!(
                            "table `{name}` is listed twice in plugin `{}` (first at {})",
                            plugin.name, first.at
                        ),
                        "remove one",
                    )
                } else {
                    (
                        format!(
                            "table `{name}` is already owned by plugin `{}` ({})",
                            first.plugin, first.at
                        ),
                        "a table has exactly one owner: remove it from one of the two `tables` lists",
                    )
                };
                return Err(Error::at_help(at.clone(), message, help));
            }
            owner.insert(
                k,
                Entry {
                    name,
                    plugin: plugin.name.clone(),
                    at: at.clone(),
                },
            );
        }
    }

    // Retired and external names as written, by what they resolve to (`Desired::written`).
    let mut written: BTreeMap<String, String> = BTreeMap::new();

    // Rule: an external table is not also owned by a plugin.
    let mut external: BTreeMap<String, Entry> = BTreeMap::new();
    for (table, at) in &project.external_at {
        let name = resolve(dialect, table, &[&defined, &referenced]);
        if name != *table {
            written.insert(name.clone(), table.clone());
        }
        let k = key(dialect, &name);
        if let Some(o) = owner.get(&k) {
            return Err(Error::at_help(
                at.clone(),
                format!(
                    "table `{name}` is declared external but plugin `{}` owns it ({})",
                    o.plugin, o.at
                ),
                "a table is either managed by a plugin or external: remove it from one of the two lists",
            ));
        }
        if let Some(first) = external.get(&k) {
            return Err(Error::at_help(
                at.clone(),
                format!(
                    "table `{name}` is declared external twice (first at {})",
                    first.at
                ),
                "remove one",
            ));
        }
        external.insert(
            k,
            Entry {
                name,
                plugin: String::new(),
                at: at.clone(),
            },
        );
    }

    // Rule: a retired table is only retired — not owned, external, or retired twice.
    let mut retired: BTreeMap<String, Entry> = BTreeMap::new();
    for plugin in &in_file_order {
        for (table, at) in plugin.retired.iter().zip(&plugin.retired_at) {
            let name = resolve(dialect, table, &[&defined, &referenced]);
            if name != *table {
                written.insert(name.clone(), table.clone());
            }
            let k = key(dialect, &name);
            let conflict = if let Some(o) = owner.get(&k) {
                Some((
                    format!(
                        "table `{name}` is retired by plugin `{}` but listed in `tables` of plugin `{}` ({})",
                        plugin.name, o.plugin, o.at
                    ),
                    "a retired table is dropped: remove it from one of the two lists",
                ))
            } else if let Some(e) = external.get(&k) {
                Some((
                    format!(
                        "table `{name}` is retired by plugin `{}` but declared external ({})",
                        plugin.name, e.at
                    ),
                    "plinth drops retired tables and never touches external ones: remove it from one of the two lists",
                ))
            } else {
                retired.get(&k).map(|r| {
                    (
                        format!(
                            "table `{name}` is already retired by plugin `{}` ({})",
                            r.plugin, r.at
                        ),
                        "remove one of the two entries",
                    )
                })
            };
            if let Some((message, help)) = conflict {
                return Err(Error::at_help(at.clone(), message, help));
            }
            retired.insert(
                k,
                Entry {
                    name,
                    plugin: plugin.name.clone(),
                    at: at.clone(),
                },
            );
        }
    }

    // Rule: every listed table is defined in its plugin's SQL…
    for plugin in &in_file_order {
        let mine = &own[plugin.name.as_str()];
        for (table, at) in plugin.tables.iter().zip(&plugin.tables_at) {
            let name = resolve(dialect, table, &[mine, &defined]);
            let k = key(dialect, &name);
            if mine.contains_key(&k) {
                continue;
            }
            let (message, help) = if let Some((other, def)) = defined_by.get(&k) {
                (
                    format!(
                        "plugin `{}` lists table `{name}`, but it is defined in the schema of plugin `{other}` ({def})",
                        plugin.name
                    ),
                    format!(
                        "move the CREATE TABLE into {}, or list the table under [plugins.{other}]",
                        if plugin.schema.is_empty() { "a schema file of this plugin".to_string() } else { file_list(project, &plugin.name) }
                    ),
                )
            } else if plugin.schema.is_empty() {
                (
                    format!(
                        "plugin `{}` lists table `{name}` but has no schema files",
                        plugin.name
                    ),
                    format!(
                        "add `schema = [\"schemas/{}.sql\"]` holding its CREATE TABLE",
                        plugin.name
                    ),
                )
            } else {
                (
                    format!(
                        "table `{name}` is listed for plugin `{}` but none of its schema files ({}) defines it",
                        plugin.name,
                        file_list(project, &plugin.name)
                    ),
                    "add its CREATE TABLE there, or remove it from `tables`".to_string(),
                )
            };
            return Err(Error::at_help(at.clone(), message, help));
        }
    }

    // …and every table defined there is listed (the error points into the SQL).
    for (plugin, p) in &parsed {
        for (table, at) in &p.tables {
            let k = key(dialect, table);
            let (message, help) = if let Some(o) = owner.get(&k) {
                if o.plugin == *plugin {
                    continue;
                }
                (
                    format!(
                        "table `{table}` is defined in the schema of plugin `{plugin}` but owned by plugin `{}` ({})",
                        o.plugin, o.at
                    ),
                    format!(
                        "move this CREATE TABLE into the schema of `{}`, or move the table to `tables` of [plugins.{plugin}]",
                        o.plugin
                    ),
                )
            } else if let Some(r) = retired.get(&k) {
                (
                    format!(
                        "table `{table}` is retired by plugin `{}` ({}) but still defined here",
                        r.plugin, r.at
                    ),
                    format!(
                        "remove this CREATE TABLE, or move `{table}` from `retired` back to `tables`"
                    ),
                )
            } else if let Some(e) = external.get(&k) {
                (
                    format!(
                        "table `{table}` is declared external ({}) but defined here",
                        e.at
                    ),
                    format!(
                        "remove this CREATE TABLE, or remove it from [external] and add it to `tables` of [plugins.{plugin}]"
                    ),
                )
            } else {
                (
                    format!("table `{table}` is not listed in {}", project.path),
                    format!(
                        "add it to `tables` of [plugins.{plugin}] ({}): ownership is never inferred",
                        project.plugins[*plugin].at
                    ),
                )
            };
            return Err(Error::at_help(at.clone(), message, help));
        }
    }

    // Rule: a foreign key references a table of some plugin or an external table, never a
    // retired or unknown one. Cross-plugin references are the dependency edges.
    let mut edges: BTreeMap<(String, String), Reference> = BTreeMap::new();
    for (plugin, p) in &parsed {
        for r in &p.references {
            let k = key(dialect, &r.to);
            if let Some(o) = owner.get(&k) {
                if o.plugin != *plugin {
                    edges
                        .entry((plugin.to_string(), o.plugin.clone()))
                        .or_insert_with(|| r.clone());
                }
            } else if external.contains_key(&k) {
            } else if let Some(ret) = retired.get(&k) {
                return Err(Error::at_help(
                    r.location.clone(),
                    format!(
                        "`{}` references table `{}`, which plugin `{}` retires ({})",
                        r.from, r.to, ret.plugin, ret.at
                    ),
                    "drop this foreign key, or keep the table (move it from `retired` back to `tables`)",
                ));
            } else {
                return Err(Error::at_help(
                    r.location.clone(),
                    format!(
                        "`{}` references table `{}`, which no plugin owns and which is not declared external",
                        r.from, r.to
                    ),
                    format!(
                        "list it in a plugin's `tables`, or add it to `[external] tables = [\"{}\"]` in {}",
                        r.to, project.path
                    ),
                ));
            }
        }
    }

    // Views, routines, events and sequences, each kind by the rules for tables.
    let mut owners = Vec::new();
    for kind in [&VIEWS, &ROUTINES, &EVENTS, &SEQUENCES] {
        owners.push(object_ownership(
            kind,
            dialect,
            project,
            &in_file_order,
            &parsed,
            &owner,
            &mut edges,
        )?);
    }
    let mut owners = owners.into_iter();
    let mut next = || owners.next().unwrap_or_default();
    let (view_owner, function_owner, event_owner, sequence_owner) =
        (next(), next(), next(), next());
    // A policy is its table's.
    for (plugin, p) in &parsed {
        for (k, policy) in &p.schema.policies {
            let Some(at) = p.policies.get(k) else {
                continue;
            };
            let on = owner.get(&key(dialect, &policy.table)).map(|o| &o.plugin);
            if on.is_none_or(|o| o != plugin) {
                return Err(Error::at_help(
                    at.clone(),
                    format!(
                        "policy `{}` is on `{}`, which plugin `{plugin}` does not own",
                        policy.name, policy.table
                    ),
                    "a policy belongs to its table: define it in the schema of the plugin that lists the table",
                ));
            }
        }
    }
    // A trigger is its table's (or view's); it calls a routine of its plugin or of one it
    // depends on.
    for (plugin, p) in &parsed {
        for (k, t) in &p.schema.triggers {
            let Some(at) = p.triggers.get(k) else {
                continue;
            };
            let table_owner = owner.get(&key(dialect, &t.table)).map(|o| &o.plugin);
            let on = table_owner.or_else(|| view_owner.get(&t.table));
            if on.is_none_or(|o| o != plugin) {
                return Err(Error::at_help(
                    at.clone(),
                    format!(
                        "trigger `{}` is on `{}`, which plugin `{plugin}` does not own",
                        t.name, t.table
                    ),
                    "a trigger belongs to its table: define it in the schema of the plugin that lists the table",
                ));
            }
            if let Some(o) = function_owner.get(&t.function).filter(|o| *o != plugin) {
                edges
                    .entry((plugin.to_string(), o.clone()))
                    .or_insert_with(|| Reference {
                        from: t.name.clone(),
                        to: t.function.clone(),
                        columns: Vec::new(),
                        location: at.clone(),
                    });
            }
        }
    }

    let order = dependency_order(project.plugins.keys().cloned().collect(), &edges)?;
    let mut depends: BTreeMap<String, BTreeMap<String, Reference>> = BTreeMap::new();
    for ((from, to), fk) in &edges {
        depends
            .entry(from.clone())
            .or_default()
            .insert(to.clone(), fk.clone());
    }
    super::sites::check_closed(&project.sites, &depends)?;
    let mut desired = merge(dialect, parsed.into_values())?;
    desired.order = order;
    desired.depends = depends;
    desired.owner = owner
        .into_values()
        .chain(retired.values().map(|r| Entry {
            name: r.name.clone(),
            plugin: r.plugin.clone(),
            at: r.at.clone(),
        }))
        .map(|e| (e.name, e.plugin))
        .collect();
    desired.written = written;
    desired.view_owner = view_owner;
    desired.function_owner = function_owner;
    desired.event_owner = event_owner;
    desired.sequence_owner = sequence_owner;
    desired.retired = retired.into_values().map(|e| (e.name, e.plugin)).collect();
    desired.external = external.into_values().map(|e| e.name).collect();
    desired.versions = project
        .plugins
        .values()
        .filter_map(|p| Some((p.name.clone(), p.version.clone()?)))
        .collect();
    desired.allow = allowed(dialect, project, &desired)?;
    desired.online = (project.plugins.values())
        .filter(|p| p.online)
        .map(|p| p.name.clone())
        .collect();
    Ok(desired)
}

/// What plugins.toml allows each plugin, its tables by key: a table of `allow_tables` is one
/// the plugin owns.
fn allowed(
    dialect: Dialect,
    project: &Project,
    desired: &Desired,
) -> Result<BTreeMap<String, crate::policy::Allowed>> {
    let mut out = BTreeMap::new();
    for plugin in project.plugins.values() {
        let own: BTreeMap<String, String> = (desired.owner.iter())
            .filter(|(_, p)| **p == plugin.name)
            .map(|(t, _)| (key(dialect, t), t.clone()))
            .collect();
        let mut tables = BTreeMap::new();
        for (table, at, codes) in &plugin.allow_tables {
            let name = resolve(dialect, table, &[&own]);
            if !own.contains_key(&key(dialect, &name)) {
                return Err(Error::at_help(
                    at.clone(),
                    format!(
                        "`allow_tables` of plugin `{}` names table `{table}`, which the plugin does not own",
                        plugin.name
                    ),
                    "name one of its `tables` (or `retired`)",
                ));
            }
            tables.insert(name, codes.clone());
        }
        if !plugin.allow.is_empty() || !tables.is_empty() {
            let allowed = crate::policy::Allowed {
                codes: plugin.allow.clone(),
                tables,
            };
            out.insert(plugin.name.clone(), allowed);
        }
    }
    Ok(out)
}

/// An object kind owned like tables (views, routines): what plugins.toml and the SQL call it,
/// where a plugin lists them, where its SQL defines them (by name), and what each reads.
struct Kind {
    /// `view`, `routine`.
    word: &'static str,
    /// The plugins.toml key.
    key: &'static str,
    /// The statement that defines one.
    create: &'static str,
    listed: fn(&Plugin) -> (&[String], &[Location]),
    defined: fn(&Parsed) -> BTreeMap<String, Location>,
    reads: fn(&Parsed, &str) -> Vec<String>,
}

const VIEWS: Kind = Kind {
    word: "view",
    key: "views",
    create: "CREATE VIEW",
    listed: |p| (&p.views, &p.views_at),
    defined: |p| p.views.clone(),
    reads: |p, name| {
        p.schema
            .views
            .get(name)
            .map(|v| v.reads.clone())
            .unwrap_or_default()
    },
};

const ROUTINES: Kind = Kind {
    word: "routine",
    key: "functions",
    create: "CREATE FUNCTION",
    listed: |p| (&p.functions, &p.functions_at),
    // Overloads by name: a routine's entry owns all of them.
    defined: |p| {
        let mut out = BTreeMap::new();
        for (key, at) in &p.functions {
            if let Some(f) = p.schema.functions.get(key) {
                out.entry(f.name.clone()).or_insert_with(|| at.clone());
            }
        }
        out
    },
    reads: |p, name| {
        p.schema
            .functions
            .values()
            .filter(|f| f.name == name)
            .flat_map(|f| f.uses.iter().cloned())
            .collect()
    },
};

const EVENTS: Kind = Kind {
    word: "event",
    key: "events",
    create: "CREATE EVENT",
    listed: |p| (&p.events, &p.events_at),
    defined: |p| p.events.clone(),
    reads: |_, _| Vec::new(),
};

const SEQUENCES: Kind = Kind {
    word: "sequence",
    key: "sequences",
    create: "CREATE SEQUENCE",
    listed: |p| (&p.sequences, &p.sequences_at),
    defined: |p| p.sequences.clone(),
    reads: |_, _| Vec::new(),
};

/// The rules for views, routines, events and sequences, like those for tables: every one a plugin lists is
/// defined in its SQL and listed once, every one its SQL defines is listed by it; one that
/// reads another plugin's table or object of the kind makes the plugin depend on that one.
/// Name → its plugin.
fn object_ownership(
    kind: &Kind,
    dialect: Dialect,
    project: &Project,
    in_file_order: &[&Plugin],
    parsed: &BTreeMap<&str, Parsed>,
    table_owner: &BTreeMap<String, Entry>,
    edges: &mut BTreeMap<(String, String), Reference>,
) -> Result<BTreeMap<String, String>> {
    let word = kind.word;
    let defined: BTreeMap<&str, BTreeMap<String, Location>> = parsed
        .iter()
        .map(|(plugin, p)| (*plugin, (kind.defined)(p)))
        .collect();
    let mut owner: BTreeMap<String, Entry> = BTreeMap::new();
    for plugin in in_file_order {
        let own = &defined[plugin.name.as_str()];
        // The plugin's objects by key → their spelling in its SQL.
        let spelled: BTreeMap<String, String> =
            own.keys().map(|v| (key(dialect, v), v.clone())).collect();
        let (listed, listed_at) = (kind.listed)(plugin);
        for (object, at) in listed.iter().zip(listed_at) {
            let name = resolve(dialect, object, &[&spelled]);
            let k = key(dialect, &name);
            if let Some(first) = owner.get(&k) {
                return Err(Error::at_help(
                    at.clone(),
                    format!(
                        "{word} `{name}` is already listed by plugin `{}` ({})",
                        first.plugin, first.at
                    ),
                    format!("a {word} has exactly one owner: remove one of the two entries"),
                ));
            }
            if !own.contains_key(&name) {
                let elsewhere = defined
                    .iter()
                    .find_map(|(other, d)| Some((other, d.get(&name)?)))
                    .map(|(other, at)| {
                        format!(", but it is defined in the schema of plugin `{other}` ({at})")
                    });
                return Err(Error::at_help(
                    at.clone(),
                    format!(
                        "plugin `{}` lists {word} `{name}`{}",
                        plugin.name,
                        elsewhere.unwrap_or_else(|| " but none of its schema files defines it".into())
                    ),
                    format!(
                        "a {word} is listed by the plugin whose schema files define it: move the {} or the entry",
                        kind.create
                    ),
                ));
            }
            owner.insert(
                k,
                Entry {
                    name,
                    plugin: plugin.name.clone(),
                    at: at.clone(),
                },
            );
        }
    }
    for (plugin, p) in parsed {
        for (object, at) in &defined[plugin] {
            let listed = owner
                .get(&key(dialect, object))
                .is_some_and(|o| o.plugin == *plugin);
            if !listed {
                return Err(Error::at_help(
                    at.clone(),
                    format!("{word} `{object}` is not listed in {}", project.path),
                    format!(
                        "add it to `{}` of [plugins.{plugin}] ({}): ownership is never inferred",
                        kind.key, project.plugins[*plugin].at
                    ),
                ));
            }
            for read in (kind.reads)(p, object) {
                let k = key(dialect, &read);
                let read_owner = table_owner.get(&k).or_else(|| owner.get(&k));
                if let Some(o) = read_owner.filter(|o| o.plugin != *plugin) {
                    edges
                        .entry((plugin.to_string(), o.plugin.clone()))
                        .or_insert_with(|| Reference {
                            from: object.clone(),
                            to: read.clone(),
                            columns: Vec::new(),
                            location: at.clone(),
                        });
                }
            }
        }
    }
    Ok(owner.into_values().map(|e| (e.name, e.plugin)).collect())
}

/// `--schema` mode: the files (path, text) describe the whole database, owned by one implicit
/// plugin; every foreign key must point at a table they define.
pub fn validate_adhoc(files: &[(String, String)], dialect: Dialect) -> Result<Desired> {
    let mut seen = BTreeSet::new();
    let mut parts = Vec::new();
    for (path, text) in files {
        if !seen.insert(super::normalize(path)) {
            return Err(Error::usage(format!(
                "--schema {path} is given twice; give each file once"
            )));
        }
        parts.push(sql::parse_file(dialect, path, text)?);
    }
    let defined: BTreeSet<String> = parts
        .iter()
        .flat_map(|p| p.tables.keys())
        .map(|t| key(dialect, t))
        .collect();
    for r in parts.iter().flat_map(|p| &p.references) {
        if !defined.contains(&key(dialect, &r.to)) {
            return Err(Error::at_help(
                r.location.clone(),
                format!(
                    "`{}` references table `{}`, which none of the schema files defines",
                    r.from, r.to
                ),
                "add its CREATE TABLE (with --schema the files describe the whole database)",
            ));
        }
    }
    let mut desired = merge(dialect, parts)?;
    // Every object is the one implicit plugin's.
    let all = |names: Vec<&String>| -> BTreeMap<String, String> {
        names
            .into_iter()
            .map(|n| (n.clone(), ADHOC_PLUGIN.to_string()))
            .collect()
    };
    let schema = &desired.schema;
    desired.owner = all(schema.tables.keys().collect());
    desired.view_owner = all(schema.views.keys().collect());
    desired.function_owner = all(schema.functions.values().map(|f| &f.name).collect());
    desired.event_owner = all(schema.events.keys().collect());
    desired.sequence_owner = all(schema.sequences.keys().collect());
    desired.order = vec![ADHOC_PLUGIN.to_string()];
    desired.adhoc = true;
    Ok(desired)
}

/// All parsed files into one finished schema; the rest of `Desired` is left empty.
fn merge(dialect: Dialect, parts: impl IntoIterator<Item = Parsed>) -> Result<Desired> {
    let mut all = Parsed::default();
    for part in parts {
        all.merge(part)?;
    }
    all.check_references(dialect)?;
    all.check_names(dialect)?;
    crate::normalize::finish(dialect, &mut all.schema);
    Ok(Desired {
        renames: all.renames,
        schema: all.schema,
        owner: BTreeMap::new(),
        retired: BTreeMap::new(),
        external: BTreeSet::new(),
        order: Vec::new(),
        adhoc: false,
        versions: BTreeMap::new(),
        allow: BTreeMap::new(),
        online: BTreeSet::new(),
        depends: BTreeMap::new(),
        defined_at: all.tables,
        places: crate::sql::Places {
            references: all.references,
            ..all.places
        },
        written: BTreeMap::new(),
        view_owner: BTreeMap::new(),
        function_owner: BTreeMap::new(),
        event_owner: BTreeMap::new(),
        sequence_owner: BTreeMap::new(),
    })
}

/// Plugins ordered so that the targets of foreign keys come first, ties by name. `edges` maps
/// (referencing plugin, referenced plugin) to one foreign key that makes the edge.
fn dependency_order(
    plugins: Vec<String>,
    edges: &BTreeMap<(String, String), Reference>,
) -> Result<Vec<String>> {
    let mut waiting_on: BTreeMap<&str, usize> = plugins.iter().map(|p| (p.as_str(), 0)).collect();
    for (from, _) in edges.keys() {
        if let Some(n) = waiting_on.get_mut(from.as_str()) {
            *n += 1;
        }
    }
    let mut ready: BTreeSet<&str> = waiting_on
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(p, _)| *p)
        .collect();
    let mut order = Vec::new();
    while let Some(done) = ready.pop_first() {
        order.push(done.to_string());
        for (from, _) in edges.keys().filter(|(_, to)| to == done) {
            if let Some(n) = waiting_on.get_mut(from.as_str()) {
                *n -= 1;
                if *n == 0 {
                    ready.insert(from);
                }
            }
        }
    }
    if order.len() == plugins.len() {
        return Ok(order);
    }
    Err(cycle_error(&plugins, edges))
}

/// Name one cycle between plugins and a foreign key on it.
fn cycle_error(plugins: &[String], edges: &BTreeMap<(String, String), Reference>) -> Error {
    let mut graph = DiGraph::<&str, ()>::new();
    let nodes: BTreeMap<&str, NodeIndex> = plugins
        .iter()
        .map(|p| (p.as_str(), graph.add_node(p.as_str())))
        .collect();
    for (from, to) in edges.keys() {
        graph.add_edge(nodes[from.as_str()], nodes[to.as_str()], ());
    }
    let component: BTreeSet<&str> = tarjan_scc(&graph)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| c.into_iter().map(|n| graph[n]).collect::<BTreeSet<&str>>())
        .min()
        .unwrap_or_default();
    // The shortest way round from the first plugin of the cycle back to itself.
    let Some(&start) = component.first() else {
        return Error::usage("plugins depend on each other through foreign keys in a cycle");
    };
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    'search: while let Some(at) = queue.pop_front() {
        for (from, to) in edges.keys().filter(|(f, _)| f == at) {
            if !component.contains(to.as_str()) || came_from.contains_key(to.as_str()) {
                continue;
            }
            came_from.insert(to, from);
            if to == start {
                break 'search;
            }
            queue.push_back(to);
        }
    }
    let mut path = vec![start];
    let mut at = came_from.get(start).copied().unwrap_or(start);
    while at != start {
        path.push(at);
        at = came_from.get(at).copied().unwrap_or(start);
    }
    path.push(start);
    let last = path.len() - 1;
    path[1..last].reverse();
    let first_edge = (path[0].to_string(), path[1].to_string());
    let Some(fk) = edges.get(&first_edge) else {
        return Error::usage("plugins depend on each other through foreign keys in a cycle");
    };
    Error::at_help(
        fk.location.clone(),
        format!(
            "plugins depend on each other in a cycle: {} (`A → B`: a table of A references a table of B); here `{}` of plugin `{}` references `{}` of plugin `{}`",
            path.join(" → "),
            fk.from,
            path[0],
            fk.to,
            path[1]
        ),
        "plugins must be orderable: move a table to the other plugin or drop one foreign key of the cycle",
    )
}
