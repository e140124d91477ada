//! `adopt`: a live schema written back as schema files, one per plugin (or one for the whole
//! database), each read back and compared with the database before anything is written. Pure:
//! the command reads the database and writes the files.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::{Project, Selection};
use crate::diff::diff;
use crate::error::{Error, Result};
use crate::model::{Dialect, Schema, Table};
use crate::plan::plan;
use crate::render::render;
use crate::report::comment;

/// What adopting writes: files by path (relative to the output directory, or the one ad-hoc
/// file), plugins.toml's new text when it changed, and what the user must hear.
#[derive(Debug, Default)]
pub struct Adoption {
    pub files: BTreeMap<String, String>,
    pub config: Option<String>,
    pub notes: Vec<String>,
}

/// The whole of `live` as one schema file (ad-hoc mode).
pub fn whole(dialect: Dialect, live: &Schema, path: &str) -> Result<Adoption> {
    let mut notes = Vec::new();
    let live = &readable(live, &mut notes);
    let text = schema_file(dialect, live, "the database", path)?;
    Ok(Adoption {
        files: [(path.to_string(), text)].into(),
        notes,
        ..Adoption::default()
    })
}

/// `live` without the routines and triggers plinth could not read back from the server's text
/// (named in `notes`): it cannot write them.
fn readable(live: &Schema, notes: &mut Vec<String>) -> Schema {
    let mut live = live.clone();
    live.functions.retain(|key, f| {
        let keep = f.source.is_some();
        if !keep {
            notes.push(format!(
                "routine `{key}` is written in a form plinth does not read: not adopted"
            ));
        }
        keep
    });
    live.triggers.retain(|_, t| {
        let keep = t.source.is_some();
        if !keep {
            notes.push(format!(
                "trigger `{}` on `{}` is written in a form plinth does not read: not adopted",
                t.name, t.table
            ));
        }
        keep
    });
    live
}

/// Each selected plugin's tables (and the domains and enum types they use) as its schema file, at the
/// first path plugins.toml gives it; the plugin's other files say where its tables went. Live
/// tables no plugin owns are named in the notes, or given to `into` (and plugins.toml, whose
/// text is `config_text`, lists them there, its comments and layout kept).
pub fn plugins(
    dialect: Dialect,
    project: &Project,
    selection: &Selection,
    live: &Schema,
    config_text: &str,
    into: Option<&str>,
) -> Result<Adoption> {
    let mut out = Adoption::default();
    let live = &readable(live, &mut out.notes);
    if let Some(name) = into {
        if !project.plugins.contains_key(name) {
            let known: Vec<&str> = project.plugins.keys().map(String::as_str).collect();
            return Err(Error::usage(format!(
                "--plugin {name}: no such plugin; the plugins are: {}",
                known.join(", ")
            )));
        }
    }
    // Which live table each listed name is, as the engine compares names.
    let find = |name: &str| {
        live.tables
            .keys()
            .find(|t| dialect.same_table(t, name))
            .cloned()
    };
    let mut owned: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut claimed = BTreeSet::new();
    for (plugin, p) in &project.plugins {
        for name in p.tables.iter().chain(&p.retired) {
            if let Some(table) = find(name) {
                claimed.insert(table.clone());
                if p.tables.contains(name) {
                    owned.entry(plugin).or_default().push(table);
                }
            } else if p.tables.contains(name) && selection.includes(plugin) {
                out.notes.push(format!(
                    "table `{name}` of plugin `{plugin}` is not in the database: not written (plugins.toml still lists it)"
                ));
            }
        }
    }
    let unowned: Vec<String> = live
        .tables
        .keys()
        .filter(|t| !claimed.contains(*t) && !project.external.contains(*t))
        .cloned()
        .collect();
    // Views, likewise: each listed one goes with its plugin.
    let mut owned_views: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut claimed_views = BTreeSet::new();
    for (plugin, p) in &project.plugins {
        for name in &p.views {
            match live.views.keys().find(|v| dialect.same_table(v, name)) {
                Some(view) => {
                    claimed_views.insert(view.clone());
                    owned_views.entry(plugin).or_default().push(view.clone());
                }
                None if selection.includes(plugin) => out.notes.push(format!(
                    "view `{name}` of plugin `{plugin}` is not in the database: not written (plugins.toml still lists it)"
                )),
                None => {}
            }
        }
    }
    let unowned_views: Vec<String> = live
        .views
        .keys()
        .filter(|v| !claimed_views.contains(*v))
        .cloned()
        .collect();
    // Routines by name, likewise.
    let mut owned_routines: BTreeMap<&str, &str> = BTreeMap::new();
    for (plugin, p) in &project.plugins {
        for name in &p.functions {
            if live.functions.values().any(|f| f.name == *name) {
                owned_routines.insert(name, plugin);
            } else if selection.includes(plugin) {
                out.notes.push(format!(
                    "routine `{name}` of plugin `{plugin}` is not in the database: not written (plugins.toml still lists it)"
                ));
            }
        }
    }
    let unowned_routines: Vec<String> = live
        .functions
        .values()
        .map(|f| f.name.clone())
        .filter(|name| !owned_routines.contains_key(name.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for name in live.events.keys() {
        if !project.plugins.values().any(|p| p.events.contains(name)) {
            out.notes.push(format!(
                "event `{name}` is owned by no plugin: not adopted (list it in a plugin's `events`)"
            ));
        }
    }
    for name in live.sequences.keys() {
        if !project.plugins.values().any(|p| p.sequences.contains(name)) {
            out.notes.push(format!(
                "sequence `{name}` is owned by no plugin: not adopted (list it in a plugin's `sequences`)"
            ));
        }
    }
    let mut config = config_text.to_string();
    let anything_unowned =
        !unowned.is_empty() || !unowned_views.is_empty() || !unowned_routines.is_empty();
    if let Some(plugin) = into.filter(|_| anything_unowned) {
        for name in &unowned_routines {
            owned_routines.insert(name, plugin);
        }
        if !unowned_routines.is_empty() {
            config = with_names(
                &config,
                &project.path,
                plugin,
                "functions",
                &unowned_routines,
            )?;
            out.notes.push(format!(
                "plugin `{plugin}` takes the routines no plugin owned: {}",
                unowned_routines.join(", ")
            ));
        }
        owned
            .entry(plugin)
            .or_default()
            .extend(unowned.iter().cloned());
        owned_views
            .entry(plugin)
            .or_default()
            .extend(unowned_views.iter().cloned());
        if !unowned.is_empty() {
            config = with_names(&config, &project.path, plugin, "tables", &unowned)?;
            out.notes.push(format!(
                "plugin `{plugin}` takes the tables no plugin owned: {}",
                unowned.join(", ")
            ));
        }
        if !unowned_views.is_empty() {
            config = with_names(&config, &project.path, plugin, "views", &unowned_views)?;
            out.notes.push(format!(
                "plugin `{plugin}` takes the views no plugin owned: {}",
                unowned_views.join(", ")
            ));
        }
        out.config = Some(config);
    } else {
        for table in &unowned {
            out.notes.push(format!(
                "table `{table}` is owned by no plugin: not adopted (`--plugin NAME` gives it to NAME)"
            ));
        }
        for view in &unowned_views {
            out.notes.push(format!(
                "view `{view}` is owned by no plugin: not adopted (`--plugin NAME` gives it to NAME)"
            ));
        }
        for routine in &unowned_routines {
            out.notes.push(format!(
                "routine `{routine}` is owned by no plugin: not adopted (`--plugin NAME` gives it to NAME)"
            ));
        }
    }
    let mut enums_written = BTreeSet::new();
    let mut extensions_written = false;
    for (plugin, p) in &project.plugins {
        if !selection.includes(plugin) {
            continue;
        }
        let Some(first) = p.schema.first() else {
            continue;
        };
        let mut schema = Schema::default();
        for table in owned.get(plugin.as_str()).into_iter().flatten() {
            if let Some(t) = live.tables.get(table) {
                schema.tables.insert(table.clone(), t.clone());
            }
        }
        for view in owned_views.get(plugin.as_str()).into_iter().flatten() {
            if let Some(v) = live.views.get(view) {
                schema.views.insert(view.clone(), v.clone());
            }
        }
        for name in &p.events {
            if let Some(e) = live.events.get(name) {
                schema.events.insert(name.clone(), e.clone());
            }
        }
        for name in &p.sequences {
            if let Some(q) = live.sequences.get(name) {
                schema.sequences.insert(name.clone(), q.clone());
            }
        }
        // Its routines by name, and the triggers on its tables.
        for (key, f) in &live.functions {
            if owned_routines.get(f.name.as_str()) == Some(&plugin.as_str()) {
                schema.functions.insert(key.clone(), f.clone());
            }
        }
        for (key, t) in &live.triggers {
            if schema.tables.contains_key(&t.table) {
                schema.triggers.insert(key.clone(), t.clone());
            }
        }
        // The extensions go into the first file written.
        if !extensions_written {
            schema.extensions = live.extensions.clone();
            extensions_written = true;
        }
        // Domains the tables use (and the domains those are over), then enum types.
        loop {
            let more: Vec<(String, crate::model::Domain)> = live
                .domains
                .iter()
                .filter(|(name, _)| !enums_written.contains(*name))
                .filter(|(name, _)| {
                    schema.tables.values().any(|t| uses(t, name))
                        || schema
                            .domains
                            .values()
                            .any(|d| d.data_type.element() == name.as_str())
                })
                .map(|(name, d)| (name.clone(), d.clone()))
                .collect();
            if more.is_empty() {
                break;
            }
            for (name, d) in more {
                enums_written.insert(name.clone());
                schema.domains.insert(name, d);
            }
        }
        for (name, c) in &live.composites {
            if !enums_written.contains(name) && schema.tables.values().any(|t| uses(t, name)) {
                enums_written.insert(name.clone());
                schema.composites.insert(name.clone(), c.clone());
            }
        }
        for (name, e) in &live.enums {
            let used = schema.tables.values().any(|t| uses(t, name))
                || schema.composites.values().any(|c| {
                    c.attributes
                        .iter()
                        .any(|(_, t)| t.element() == name.as_str())
                })
                || schema
                    .domains
                    .values()
                    .any(|d| d.data_type.element() == name.as_str());
            if !enums_written.contains(name) && used {
                enums_written.insert(name.clone());
                schema.enums.insert(name.clone(), e.clone());
            }
        }
        let what = format!("plugin `{plugin}`");
        out.files
            .insert(first.clone(), schema_file(dialect, &schema, &what, first)?);
        for other in &p.schema[1..] {
            out.files.insert(
                other.clone(),
                format!("-- {}: adopted into {}\n", comment(plugin), comment(first)),
            );
        }
    }
    for name in (live.enums.keys().chain(live.domains.keys())).chain(live.composites.keys()) {
        if !enums_written.contains(name) {
            out.notes.push(format!(
                "type `{name}` is used by no adopted table: not adopted"
            ));
        }
    }
    Ok(out)
}

/// Whether a column of `table` has the type `name` (or an array of it).
fn uses(table: &Table, name: &str) -> bool {
    table.columns.iter().any(|c| c.ty.base() == name)
}

/// `schema` as plinth would create it on an empty database, read back and compared with
/// `schema`: what plinth cannot write so that it reads back the same is an error naming it.
fn schema_file(dialect: Dialect, schema: &Schema, what: &str, path: &str) -> Result<String> {
    let written = portable(dialect, schema);
    let statements = crate::pipeline::creation(dialect, &written)?;
    let mut text = format!(
        "-- {}: written by `plinth adopt` from the live {} database.\n",
        comment(what),
        dialect.product()
    );
    for s in &statements {
        text.push('\n');
        text.push_str(&s.sql);
        text.push_str(";\n");
    }
    let mut parsed = crate::sql::parse_file(dialect, path, &text)?.schema;
    crate::normalize::finish(dialect, &mut parsed);
    // A view is written as the server keeps it: what the server makes of it again is that, as
    // long as its query reads back as the same tree.
    for (name, view) in &mut parsed.views {
        if let Some(live) = schema.views.get(name).filter(|l| l.query == view.query) {
            view.definition = live.definition.clone();
        }
    }
    // Routines and triggers likewise: each read back from what plinth wrote of the one the
    // server printed is that one.
    let routines = std::mem::take(&mut parsed.functions);
    for (key, mut f) in routines {
        let same = schema
            .functions
            .values()
            .find(|l| l.name == f.name && l.source.is_some() && l.source == f.source);
        let key = match same {
            Some(live) => {
                f.signature = live.signature.clone();
                f.header = live.header.clone();
                f.definition = live.definition.clone();
                crate::model::Function::key(&f.name, &f.signature)
            }
            None => key,
        };
        parsed.functions.insert(key, f);
    }
    // A policy is written as the server keeps it (what it makes of it again is that).
    for (key, p) in &mut parsed.policies {
        if let Some(live) = schema.policies.get(key) {
            p.definition = live.definition.clone();
        }
    }
    for (key, t) in &mut parsed.triggers {
        if let Some(live) = schema.triggers.get(key).filter(|l| l.source == t.source) {
            t.definition = live.definition.clone();
        }
    }
    let left = diff(dialect, schema, &parsed);
    if !left.is_empty() {
        let steps = render(&plan(dialect, left))?;
        let what: Vec<&str> = steps.iter().map(|s| s.sql.as_str()).collect();
        return Err(Error::usage(format!(
            "adopt cannot write {path} so that it reads back as the database: it would still need\n{}\nnothing was written. This is a plinth bug: please report it with the schema",
            what.join(";\n")
        )));
    }
    Ok(text)
}

/// `schema` with its column types in the spellings every engine reads alike where they mean
/// exactly what the catalog's spelling means (PostgreSQL `character varying(20)` is
/// `varchar(20)`, `timestamp without time zone` is `timestamp`; MySQL `tinyint(1)` is
/// `boolean`, `int` is `integer`); the read-back check proves each one.
fn portable(dialect: Dialect, schema: &Schema) -> Schema {
    let spelled = |ty: &str| -> Option<String> {
        let (base, rest) = match ty.find(['(', '[']) {
            Some(i) => ty.split_at(i),
            None => (ty, ""),
        };
        let base = match (dialect, base) {
            (Dialect::Postgres, "character varying") => "varchar",
            (Dialect::Postgres, "character") => "char",
            (Dialect::Postgres, "timestamp without time zone") => "timestamp",
            (Dialect::Postgres, "time without time zone") => "time",
            (Dialect::Mysql, "tinyint") if rest == "(1)" => return Some("boolean".into()),
            (Dialect::Mysql, "int") if rest.is_empty() => "integer",
            _ => return None,
        };
        Some(format!("{base}{rest}"))
    };
    let mut out = schema.clone();
    for table in out.tables.values_mut() {
        for column in &mut table.columns {
            if let Some(ty) = spelled(column.ty.as_str()) {
                column.ty = crate::model::ColumnType::new(dialect, ty);
            }
        }
    }
    out
}

/// plugins.toml's text with `names` added to `plugin`'s list `key` (`tables`, `views`; a
/// missing `views` list is made), everything else as it was.
fn with_names(text: &str, path: &str, plugin: &str, key: &str, names: &[String]) -> Result<String> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| Error::usage(format!("{path}: {e}")))?;
    let table = doc
        .get_mut("plugins")
        .and_then(|p| p.get_mut(plugin))
        .and_then(|p| p.as_table_like_mut())
        .ok_or_else(|| Error::usage(format!("{path}: plugin `{plugin}` is not a table")))?;
    if key == "views" && table.get("views").is_none() {
        table.insert("views", toml_edit::value(toml_edit::Array::new()));
    }
    let list = table
        .get_mut(key)
        .and_then(|t| t.as_array_mut())
        .ok_or_else(|| {
            Error::usage(format!(
                "{path}: plugin `{plugin}` has no `{key} = [...]` list to add to"
            ))
        })?;
    for name in names {
        list.push(name.as_str());
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_join_the_plugin_and_the_comments_stay() {
        let text = "# the shop\n[plugins.core]\nschema = [\"core.sql\"]\n# its tables\ntables = [\"a\"]  # first\n";
        let new = with_names(text, "plugins.toml", "core", "tables", &["b".into()]).unwrap();
        let new = with_names(&new, "plugins.toml", "core", "views", &["v".into()]).unwrap();
        assert!(new.starts_with("# the shop\n"), "{new}");
        assert!(new.contains("# its tables\n"), "{new}");
        assert!(new.contains("# first"), "{new}");
        let parsed = crate::config::parse("plugins.toml", &new).unwrap();
        assert_eq!(parsed.plugins["core"].tables, ["a", "b"]);
        assert_eq!(parsed.plugins["core"].views, ["v"]);
    }

    #[test]
    fn what_is_written_reads_back_as_the_database() {
        let sql = "CREATE TYPE mood AS ENUM ('ok', 'sad');\n\
                   CREATE TABLE a (id serial PRIMARY KEY, m mood DEFAULT 'ok', \
                   b_id integer, CONSTRAINT u UNIQUE (m));\n\
                   CREATE TABLE b (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
                   a_id integer REFERENCES a (id) ON DELETE CASCADE);\n\
                   ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b (id);\n\
                   CREATE INDEX ix ON a (lower(m::text)) WHERE id > 0;\n\
                   COMMENT ON TABLE a IS 'it''s a';";
        let d = Dialect::Postgres;
        let mut schema = crate::sql::parse_file(d, "x.sql", sql).unwrap().schema;
        crate::normalize::finish(d, &mut schema);
        let adopted = whole(d, &schema, "out.sql").unwrap();
        let text = &adopted.files["out.sql"];
        assert!(text.contains("CREATE TYPE \"mood\""), "{text}");
    }
}
