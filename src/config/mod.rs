//! plugins.toml: which plugin owns which tables, and the validated desired state built from it.
//!
//! Pure functions do the work ([`parse`]: TOML text → [`Project`]; [`validate`]: project +
//! schema texts → [`Desired`]); [`read`], [`load`] and [`adhoc`] are the thin layer that reads
//! files. Every rule of DESIGN.md ("plugins.toml") is checked here, before any database work,
//! and every error names `path:line:col` in plugins.toml or in the schema file at fault.
//!
//! Reading is bounded: no file is read past [`MAX_FILE_BYTES`], and a file must be UTF-8
//! without NUL bytes (an error gives the line and column of the first bad byte). A schema file
//! named in plugins.toml must be a relative path that stays inside the project (the directory
//! of plugins.toml) and, once symbolic links are followed, a regular file inside it; a file
//! given on the command line (`--schema`, `--config`) may be anywhere, a pipe included.

mod files;
mod rules;
mod sites;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, Location, Result};
use crate::model::{Dialect, Schema};
use crate::plan::HazardCode;
use crate::policy::Allowed;
pub use crate::sql::limits::MAX_FILE_BYTES;

pub use files::decode;
use files::{inside_project, read_bounded, too_large, too_large_message, Read, TOO_LARGE_HELP};
pub use rules::{validate, validate_adhoc};
pub use sites::{Dependency, Site, SiteUrl};

/// The name of the implicit plugin of `--schema` mode.
pub const ADHOC_PLUGIN: &str = "schema";

/// plugins.toml, parsed and checked for shape (not yet against the SQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The config path as given (errors name it).
    pub path: String,
    /// The config's directory: schema paths are relative to it.
    pub root: PathBuf,
    pub database_url: Option<String>,
    /// Where `[database]` is (an error about its URL points there).
    pub database_at: Option<Location>,
    pub plugins: BTreeMap<String, Plugin>,
    /// `[sites.NAME]`: the project's databases, each with its plugins.
    pub sites: BTreeMap<String, Site>,
    /// `[external] tables`, as written.
    pub external: BTreeSet<String>,
    /// Where each external table is named in plugins.toml.
    pub external_at: BTreeMap<String, Location>,
}

/// One `[plugins.NAME]` table. Each list has a parallel list of positions in plugins.toml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plugin {
    pub name: String,
    /// The plugin's name in its header (`[plugins.NAME]`).
    pub at: Location,
    /// Schema files, relative to [`Project::root`], as written.
    pub schema: Vec<String>,
    pub schema_at: Vec<Location>,
    pub tables: Vec<String>,
    pub tables_at: Vec<Location>,
    /// The views the plugin owns (`views = […]`, none when absent).
    pub views: Vec<String>,
    pub views_at: Vec<Location>,
    /// The routines the plugin owns, by name (`functions = […]`: functions and procedures,
    /// every overload of a name).
    pub functions: Vec<String>,
    pub functions_at: Vec<Location>,
    /// The MySQL events the plugin owns (`events = […]`).
    pub events: Vec<String>,
    pub events_at: Vec<Location>,
    /// The PostgreSQL sequences of their own the plugin owns (`sequences = […]`).
    pub sequences: Vec<String>,
    pub sequences_at: Vec<Location>,
    /// Tables the plugin used to own: plinth drops them.
    pub retired: Vec<String>,
    pub retired_at: Vec<Location>,
    pub version: Option<String>,
    /// The hazard codes its steps may take (`allow = […]`): on all its objects, and
    /// (`[plugins.NAME.allow_tables]`) on one of its tables, as written, with where.
    pub allow: BTreeSet<HazardCode>,
    pub allow_tables: Vec<(String, Location, BTreeSet<HazardCode>)>,
    /// Applied without blocking the application (`online = true`; see `plan::Plan::online`).
    pub online: bool,
}

/// The validated desired state for one dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    /// All plugins merged, `normalize::finish()`ed.
    pub schema: Schema,
    /// Table → the plugin that owns it (retired tables included: their plugin drops them).
    pub owner: BTreeMap<String, String>,
    /// View → the plugin that owns it.
    pub view_owner: BTreeMap<String, String>,
    /// Routine name (every overload) → the plugin that owns it.
    pub function_owner: BTreeMap<String, String>,
    /// Event → the plugin that owns it.
    pub event_owner: BTreeMap<String, String>,
    /// Sequence (of its own) → the plugin that owns it.
    pub sequence_owner: BTreeMap<String, String>,
    /// Retired table → the plugin that drops it.
    pub retired: BTreeMap<String, String>,
    pub external: BTreeSet<String>,
    /// Plugins in dependency order (FK targets first, ties by name).
    pub order: Vec<String>,
    /// `--schema` mode: every table in the database is managed.
    pub adhoc: bool,
    /// Plugin → its `version`, for the history table.
    pub versions: BTreeMap<String, String>,
    /// Plugin → the hazard codes plugins.toml allows it (tables by key).
    pub allow: BTreeMap<String, Allowed>,
    /// The plugins applied online (`online = true`, or every plugin with `--online`).
    pub online: BTreeSet<String>,
    /// The renames the schema files ask for (`-- plinth: renamed from old`).
    pub renames: Vec<crate::model::Rename>,
    /// Plugin → the plugins its foreign keys reference → one such foreign key.
    pub depends: BTreeMap<String, BTreeMap<String, crate::sql::Reference>>,
    /// Where each desired table is defined (its CREATE TABLE name).
    pub defined_at: BTreeMap<String, Location>,
    /// Where its columns and foreign keys are, and the names written bare (for `lint`).
    pub places: crate::sql::Places,
    /// Retired and external tables as plugins.toml writes them, by the name they resolve to
    /// when the SQL does not know them (the unquoted-identifier folding): the database may hold
    /// the table under the spelling as written (see [`Desired::live_name`]).
    pub written: BTreeMap<String, String>,
}

impl Desired {
    /// The live table a name of the desired state means, by the one rule for names in
    /// plugins.toml: the table named exactly as written if the database has one, else the name
    /// as resolved (folded like an unquoted identifier); compared as the engine compares names.
    pub fn live_name<'a>(&self, dialect: Dialect, name: &str, live: &'a Schema) -> Option<&'a str> {
        let written = self.written.get(name).map(String::as_str);
        let candidates = written.into_iter().chain(std::iter::once(name));
        for candidate in candidates {
            if let Some((found, _)) = live.tables.get_key_value(candidate) {
                return Some(found);
            }
            if let Some(found) = live
                .tables
                .keys()
                .find(|t| dialect.same_table(t, candidate))
            {
                return Some(found);
            }
        }
        None
    }

    /// The tables the selected plugins own or retire.
    pub fn managed(&self, selection: &Selection) -> BTreeSet<String> {
        self.owner
            .iter()
            .filter(|(_, p)| selection.includes(p))
            .map(|(t, _)| t.clone())
            .collect()
    }

    /// Check plugin names against this desired state (see [`Selection`]).
    pub fn select(&self, names: &[String]) -> Result<Selection> {
        Selection::checked(&self.order, names)
    }

    /// Every plugin applied online (`--online`).
    pub fn online_everywhere(&mut self) {
        self.online.extend(self.order.iter().cloned());
    }

    /// The desired state with none of the tables, views, routines, sequences and events of
    /// `plugins` (what uninstalling them leaves): they still own them, so the plan drops those,
    /// and the triggers and policies on them.
    pub fn without(&self, plugins: &BTreeSet<String>) -> Desired {
        let theirs = |owner: &BTreeMap<String, String>, name: &str| {
            owner.get(name).is_some_and(|p| plugins.contains(p))
        };
        let mut desired = self.clone();
        let schema = &mut desired.schema;
        schema.tables.retain(|t, _| !theirs(&self.owner, t));
        schema.views.retain(|v, _| !theirs(&self.view_owner, v));
        (schema.functions).retain(|_, f| !theirs(&self.function_owner, &f.name));
        schema
            .sequences
            .retain(|q, _| !theirs(&self.sequence_owner, q));
        schema.events.retain(|e, _| !theirs(&self.event_owner, e));
        desired
    }
}

/// The plugins a command works on, each name checked once, where the request is made
/// ([`Project::select`], [`Project::select_on`], [`Desired::select`], [`Selection::adhoc`]):
/// everything downstream takes a `Selection` and need not check again. The plugins named on
/// the command line, or else every plugin of the site (every plugin, without sites); the
/// plugins the named ones depend on join them with [`Selection::with_dependencies`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    named: Vec<String>,
    /// The site's plugins; `None`: every plugin of the project.
    site: Option<Vec<String>>,
}

impl Selection {
    /// Every plugin.
    pub fn all() -> Selection {
        Selection::default()
    }

    /// Ad-hoc mode has one plugin, [`ADHOC_PLUGIN`].
    pub fn adhoc(names: &[String]) -> Result<Selection> {
        Selection::checked(&[ADHOC_PLUGIN.to_string()], names)
    }

    fn checked(known: &[String], names: &[String]) -> Result<Selection> {
        match names.iter().find(|n| !known.contains(n)) {
            Some(name) => Err(Error::usage(format!(
                "unknown plugin `{name}`; the plugins are: {}",
                known.join(", ")
            ))),
            None => Ok(Selection {
                named: names.to_vec(),
                site: None,
            }),
        }
    }

    /// Whether the command works on `plugin`.
    pub fn includes(&self, plugin: &str) -> bool {
        if !self.named.is_empty() {
            return self.named.iter().any(|p| p == plugin);
        }
        self.site
            .as_ref()
            .is_none_or(|site| site.iter().any(|p| p == plugin))
    }

    /// Whether `plugin` is on the site the command works on (every plugin is, without sites).
    pub fn on_site(&self, plugin: &str) -> bool {
        self.site
            .as_ref()
            .is_none_or(|site| site.iter().any(|p| p == plugin))
    }

    /// The selection with the plugins the named ones depend on, and those plugins with the
    /// foreign key that needs each. A site's plugins are closed under dependencies already
    /// (plugins.toml is refused otherwise), so a dependency is always on the site.
    pub fn with_dependencies(&self, desired: &Desired) -> (Selection, Vec<Dependency>) {
        if self.named.is_empty() {
            return (self.clone(), Vec::new());
        }
        let named: BTreeSet<String> = self.named.iter().cloned().collect();
        let found = desired.dependencies(&named);
        let mut selection = self.clone();
        selection
            .named
            .extend(found.iter().map(|d| d.plugin.clone()));
        (selection, found)
    }
}

impl Project {
    /// Check plugin names against plugins.toml (see [`Selection`]).
    pub fn select(&self, names: &[String]) -> Result<Selection> {
        let known: Vec<String> = self.plugins.keys().cloned().collect();
        Selection::checked(&known, names)
    }

    /// Check plugin names against the plugins of `site`.
    pub fn select_on(&self, site: &Site, names: &[String]) -> Result<Selection> {
        let mut selection = self.select(names)?;
        if let Some(name) = names.iter().find(|n| !site.has(n)) {
            return Err(Error::usage(format!(
                "plugin `{name}` is not on site `{}`; its plugins are: {} (add it to `plugins` of [sites.{}] at {})",
                site.name,
                site.plugins.join(", "),
                site.name,
                site.at
            )));
        }
        selection.site = Some(site.plugins.clone());
        Ok(selection)
    }
}

/// Read and parse plugins.toml (the CLI needs its `[database] url` before it knows the dialect).
pub fn read(config_path: &Path) -> Result<Project> {
    let path = config_path.to_string_lossy().into_owned();
    parse(&path, &read_text(config_path)?)
}

/// plugins.toml's text, read as [`read`] reads it (bounded, UTF-8 checked).
pub fn read_text(config_path: &Path) -> Result<String> {
    let path = config_path.to_string_lossy().into_owned();
    let bytes = read_bounded(config_path).map_err(|e| match e {
        Read::Io(e) => Error::usage(format!(
            "cannot read {path}: {e}; pass --config PATH, or --schema FILE... to manage a database without a plugins.toml"
        )),
        Read::TooLarge => too_large(&path),
    })?;
    decode(&path, bytes)
}

/// A file named on the command line (a schema file, a reviewed plan), read bounded and UTF-8
/// checked.
pub fn read_file(path: &Path) -> Result<String> {
    let shown = path.to_string_lossy().into_owned();
    let bytes = read_bounded(path).map_err(|e| match e {
        Read::Io(e) => Error::usage(format!("cannot read {shown}: {e}")),
        Read::TooLarge => too_large(&shown),
    })?;
    decode(&shown, bytes)
}

/// Read a parsed project's schema files and validate it for `dialect`.
pub fn load_project(project: &Project, dialect: Dialect) -> Result<Desired> {
    let root = if project.root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        project.root.as_path()
    };
    let mut files = BTreeMap::new();
    for plugin in project.plugins.values() {
        for (file, at) in plugin.schema.iter().zip(&plugin.schema_at) {
            let full = project.root.join(file);
            let shown = full.to_string_lossy().into_owned();
            // A missing file is reported by `validate`, at the schema string.
            if let Some(real) = inside_project(root, &full, at)? {
                let bytes = read_bounded(&real).map_err(|e| match e {
                    Read::Io(e) => {
                        Error::at(at.clone(), format!("cannot read schema file {shown}: {e}"))
                    }
                    Read::TooLarge => {
                        Error::at_help(at.clone(), too_large_message(&shown), TOO_LARGE_HELP)
                    }
                })?;
                files.insert(file.clone(), decode(&shown, bytes)?);
            }
        }
    }
    validate(project, dialect, &files)
}

/// Read plugins.toml and every schema file it names, then check every rule.
pub fn load(config_path: &Path, dialect: Dialect) -> Result<Desired> {
    load_project(&read(config_path)?, dialect)
}

/// `--schema FILE...`: one implicit plugin named `schema` owning every table the files define.
/// The files may be anywhere (they are given on the command line), but are read bounded.
pub fn adhoc(schema_files: &[PathBuf], dialect: Dialect) -> Result<Desired> {
    let mut files = Vec::new();
    for file in schema_files {
        files.push((file.to_string_lossy().into_owned(), read_file(file)?));
    }
    validate_adhoc(&files, dialect)
}

/// Parse plugins.toml text: structure, key names and types, and the rules that need nothing
/// but the TOML (tables listed explicitly, no duplicates, no empty names).
pub fn parse(path: &str, text: &str) -> Result<Project> {
    let lines = Lines::new(text);
    let at = |span: Range<usize>| lines.location(path, span.start);
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let location = e.span().map_or_else(|| Location::new(path, 1, 1), &at);
        let (message, help) = toml_message(e.message());
        Error::At {
            location,
            message,
            help,
        }
    })?;
    let root = Path::new(path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let database_at = raw.database.as_ref().map(|d| at(d.span()));
    let mut project = Project {
        path: path.to_string(),
        root,
        database_url: raw.database.and_then(|d| d.into_inner().url),
        database_at,
        plugins: BTreeMap::new(),
        sites: BTreeMap::new(),
        external: BTreeSet::new(),
        external_at: BTreeMap::new(),
    };
    let Some(plugins) = raw.plugins.filter(|p| !p.get_ref().is_empty()) else {
        return Err(Error::at_help(
            Location::new(path, 1, 1),
            "no plugins declared",
            "add one per plugin: [plugins.NAME] schema = [\"schemas/NAME.sql\"] tables = [\"...\"]",
        ));
    };
    // Schema file (normalized) → the plugin and place that names it first.
    let mut schema_files: BTreeMap<PathBuf, (String, Location)> = BTreeMap::new();
    for (key, value) in plugins.into_inner() {
        let name = key.get_ref().trim().to_string();
        let header = at(key.span());
        if name.is_empty() {
            return Err(Error::at_help(
                header,
                "empty plugin name",
                "give the plugin a name: [plugins.NAME]",
            ));
        }
        let raw = value.into_inner();
        let Some(tables) = raw.tables else {
            return Err(Error::at_help(
                header,
                format!("plugin `{name}` does not list its tables"),
                "add `tables = [\"...\"]` naming every table its schema files define (ownership is never inferred)",
            ));
        };
        let (schema, schema_at) = strings(&name, "schema", raw.schema, &at)?;
        let (tables, tables_at) = strings(&name, "tables", tables, &at)?;
        let (views, views_at) = strings(&name, "views", raw.views, &at)?;
        let (functions, functions_at) = strings(&name, "functions", raw.functions, &at)?;
        let (events, events_at) = strings(&name, "events", raw.events, &at)?;
        let (sequences, sequences_at) = strings(&name, "sequences", raw.sequences, &at)?;
        let (retired, retired_at) = strings(&name, "retired", raw.retired, &at)?;
        let allow = codes(&name, "allow", raw.allow, &at)?;
        let mut allow_tables = Vec::new();
        for (table, list) in raw.allow_tables {
            let loc = at(table.span());
            let codes = codes(
                &name,
                &format!("allow_tables.{}", table.get_ref()),
                list,
                &at,
            )?;
            allow_tables.push((table.into_inner(), loc, codes));
        }
        for (file, loc) in schema.iter().zip(&schema_at) {
            relative_inside(file, loc)?;
            if let Some((first, first_at)) = schema_files.get(&normalize(file)) {
                let whose = if *first == name {
                    "this plugin".to_string()
                } else {
                    format!("plugin `{first}`")
                };
                return Err(Error::at_help(
                    loc.clone(),
                    format!("schema file `{file}` is already listed by {whose} at {first_at}"),
                    "a schema file belongs to one plugin: remove this entry",
                ));
            }
            schema_files.insert(normalize(file), (name.clone(), loc.clone()));
        }
        let plugin = Plugin {
            name: name.clone(),
            at: header,
            schema,
            schema_at,
            tables,
            tables_at,
            views,
            views_at,
            functions,
            functions_at,
            events,
            events_at,
            sequences,
            sequences_at,
            retired,
            retired_at,
            version: raw.version.map(Spanned::into_inner),
            allow,
            allow_tables,
            online: raw.online,
        };
        if let Some(first) = project.plugins.get(&name) {
            return Err(Error::at_help(
                plugin.at,
                format!("plugin `{name}` is declared twice (first at {})", first.at),
                "merge the two",
            ));
        }
        project.plugins.insert(name, plugin);
    }
    for (key, value) in raw.sites.unwrap_or_default() {
        let site = site(&project, key, value.into_inner(), &at)?;
        project.sites.insert(site.name.clone(), site);
    }
    if let (Some(database), Some(site)) = (&project.database_at, project.sites.values().next()) {
        return Err(Error::at_help(
            database.clone(),
            format!(
                "[database] and [sites] exclude each other (site `{}` is at {})",
                site.name, site.at
            ),
            "[database] is the one site of a project without [sites]: move its url into a [sites.NAME] table",
        ));
    }
    if let Some(external) = raw.external {
        let (names, locations) = strings("", "external", external.tables, &at)?;
        for (name, loc) in names.into_iter().zip(locations) {
            project.external.insert(name.clone());
            project.external_at.insert(name, loc);
        }
    }
    Ok(project)
}

/// One `[sites.NAME]`: a URL and plugins of the project, each named once.
fn site(
    project: &Project,
    key: Spanned<String>,
    raw: RawSite,
    at: &impl Fn(Range<usize>) -> Location,
) -> Result<Site> {
    let name = key.get_ref().trim().to_string();
    let header = at(key.span());
    if name.is_empty() {
        return Err(Error::at_help(
            header,
            "empty site name",
            "give the site a name: [sites.NAME]",
        ));
    }
    let Some(url) = raw.url else {
        return Err(Error::at_help(
            header,
            format!("site `{name}` has no database URL"),
            "add `url = \"env:VAR\"` (read from the environment: keeps the password out of the file) or `url = \"postgres://…\"`",
        ));
    };
    let url_at = at(url.span());
    let Some(plugins) = raw.plugins else {
        return Err(Error::at_help(
            header,
            format!("site `{name}` does not list its plugins"),
            "add `plugins = [\"...\"]` naming every plugin the site has (a site's plugins are never inferred)",
        ));
    };
    let (plugins, plugins_at) = strings(&format!("site `{name}`"), "plugins", plugins, at)?;
    for (plugin, loc) in plugins.iter().zip(&plugins_at) {
        if !project.plugins.contains_key(plugin) {
            let known: Vec<&str> = project.plugins.keys().map(String::as_str).collect();
            return Err(Error::at_help(
                loc.clone(),
                format!(
                    "site `{name}` names plugin `{plugin}`, which plugins.toml does not declare"
                ),
                format!("name one of: {}", known.join(", ")),
            ));
        }
    }
    let url_text = url.into_inner();
    if url_text.trim().is_empty() || url_text.trim() == "env:" {
        return Err(Error::at_help(
            url_at,
            format!("site `{name}` has an empty database URL"),
            "write `url = \"env:VAR\"` or a URL",
        ));
    }
    Ok(Site {
        name,
        at: header,
        url: SiteUrl::read(&url_text),
        url_at,
        plugins,
        plugins_at,
    })
}

/// A list of hazard codes (`allow`), each one plinth has.
fn codes(
    plugin: &str,
    key: &str,
    list: Vec<Spanned<String>>,
    at: &impl Fn(Range<usize>) -> Location,
) -> Result<BTreeSet<HazardCode>> {
    let mut out = BTreeSet::new();
    for item in list {
        let loc = at(item.span());
        let Some(code) = HazardCode::parse(item.get_ref()) else {
            let known: Vec<&str> = HazardCode::ALL.iter().map(|c| c.as_str()).collect();
            return Err(Error::at_help(
                loc,
                format!(
                    "`{}` in `{key}` of plugin `{plugin}` is not a hazard code",
                    item.get_ref()
                ),
                format!("write one of: {}", known.join(", ")),
            ));
        };
        out.insert(code);
    }
    Ok(out)
}

/// A list of strings with positions; empty strings and duplicates are errors.
fn strings(
    plugin: &str,
    key: &str,
    list: Vec<Spanned<String>>,
    at: &impl Fn(Range<usize>) -> Location,
) -> Result<(Vec<String>, Vec<Location>)> {
    let what = if plugin.is_empty() {
        "[external] tables".to_string()
    } else if plugin.starts_with("site `") {
        format!("`{key}` of {plugin}")
    } else {
        format!("`{key}` of plugin `{plugin}`")
    };
    let mut values: Vec<String> = Vec::new();
    let mut locations: Vec<Location> = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for item in list {
        let loc = at(item.span());
        let value = item.into_inner();
        if value.trim().is_empty() {
            return Err(Error::at_help(
                loc,
                format!("empty name in {what}"),
                "remove it",
            ));
        }
        if let Some(&i) = seen.get(&value) {
            return Err(Error::at_help(
                loc,
                format!(
                    "`{value}` appears twice in {what} (first at {})",
                    locations[i]
                ),
                "remove one",
            ));
        }
        seen.insert(value.clone(), values.len());
        values.push(value);
        locations.push(loc);
    }
    Ok((values, locations))
}

/// A schema path of plugins.toml is relative and does not climb out of the project with `..`
/// (symbolic links are checked when the file is read: `load_project`).
fn relative_inside(file: &str, at: &Location) -> Result<()> {
    let mut depth = 0usize;
    for component in Path::new(file).components() {
        match component {
            Component::Prefix(_) | Component::RootDir => {
                return Err(Error::at_help(
                    at.clone(),
                    format!("schema path `{file}` is absolute"),
                    "write it relative to the directory of plugins.toml (a file anywhere can be given with --schema)",
                ))
            }
            Component::CurDir => {}
            Component::ParentDir if depth == 0 => {
                return Err(Error::at_help(
                    at.clone(),
                    format!("schema path `{file}` leads out of the project with `..`"),
                    "schema files must be inside the directory of plugins.toml: move the file there (a file anywhere can be given with --schema)",
                ))
            }
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
        }
    }
    Ok(())
}

/// A path without `.` components and redundant separators, to compare schema paths as written.
fn normalize(path: &str) -> PathBuf {
    Path::new(path)
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// serde's message, with help for the common mistakes.
fn toml_message(message: &str) -> (String, Option<String>) {
    let message = message.trim_end();
    let help = if message.starts_with("unknown field") {
        Some("fix the spelling or remove the key")
    } else if message.ends_with("expected a sequence") {
        Some("write a list: [\"a\", \"b\"]")
    } else if message.ends_with("expected a string") {
        Some("write it in quotes: \"...\"")
    } else {
        None
    };
    (message.to_string(), help.map(str::to_string))
}

/// Byte offset → 1-based line and column (in characters), with one index of line starts.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// Columns are byte offsets then; else characters are counted (a line may be long).
    ascii: bool,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines {
            text,
            starts,
            ascii: text.is_ascii(),
        }
    }

    fn location(&self, path: &str, offset: usize) -> Location {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let line_text = &self.text[start..offset];
        let column = if self.ascii {
            line_text.len() + 1
        } else {
            line_text.chars().count() + 1
        };
        Location::new(path, line as u64, column as u64)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    database: Option<Spanned<RawDatabase>>,
    plugins: Option<Spanned<BTreeMap<Spanned<String>, Spanned<RawPlugin>>>>,
    sites: Option<BTreeMap<Spanned<String>, Spanned<RawSite>>>,
    external: Option<RawExternal>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    url: Option<Spanned<String>>,
    plugins: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExternal {
    #[serde(default)]
    tables: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlugin {
    #[serde(default)]
    schema: Vec<Spanned<String>>,
    tables: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    views: Vec<Spanned<String>>,
    #[serde(default)]
    functions: Vec<Spanned<String>>,
    #[serde(default)]
    events: Vec<Spanned<String>>,
    #[serde(default)]
    sequences: Vec<Spanned<String>>,
    #[serde(default)]
    retired: Vec<Spanned<String>>,
    version: Option<Spanned<String>>,
    #[serde(default)]
    allow: Vec<Spanned<String>>,
    #[serde(default)]
    allow_tables: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    #[serde(default)]
    online: bool,
}
