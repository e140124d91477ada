//! The command line resolved once, at the edge: the project (or the ad-hoc schema files), the
//! database (or the engine of an offline plan) and the plugins, each checked before any schema
//! file is parsed or any database is reached. The pipeline takes the [`Request`] and never
//! looks at flags, URLs as text or plugin names again.

use std::path::{Path, PathBuf};

use crate::cli::Global;
use crate::config::{self, Desired, Selection};
use crate::db::url::{DatabaseUrl, Secrets};
use crate::error::{Error, Result};
use crate::model::Dialect;

const DEFAULT_CONFIG: &str = "plugins.toml";

/// What one command works on.
#[derive(Debug)]
pub struct Request {
    pub source: Source,
    pub target: Target,
    pub selection: Selection,
}

/// Where the desired schema comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// plugins.toml and the schema files it names.
    Project(config::Project),
    /// `--schema` files: the whole database, no plugins.toml.
    AdHoc(Vec<PathBuf>),
}

/// What the desired schema is compared with.
#[derive(Debug)]
pub enum Target {
    /// An empty database of this engine (`plan --offline --dialect`).
    Offline(Dialect),
    Database(DatabaseUrl),
}

impl Target {
    pub fn dialect(&self) -> Dialect {
        match self {
            Target::Offline(dialect) => *dialect,
            Target::Database(url) => url.dialect(),
        }
    }
}

impl Source {
    /// Read the schema files and validate them for `dialect`.
    pub fn load(&self, dialect: Dialect) -> Result<Desired> {
        match self {
            Source::Project(project) => config::load_project(project, dialect),
            Source::AdHoc(files) => config::adhoc(files, dialect),
        }
    }
}

impl Request {
    /// Resolve the options every command shares, the plugins it names and, for an offline plan,
    /// its engine. The database URL is the flag, then `DATABASE_URL` (both in `global`), then
    /// plugins.toml's `[database] url`; its secrets join `secrets` as soon as it is known, so
    /// that even an error about it is scrubbed.
    pub fn resolve(
        global: &Global,
        plugins: &[String],
        offline: Option<Dialect>,
        secrets: &mut Secrets,
    ) -> Result<Request> {
        let source = source(global)?;
        let selection = match &source {
            Source::Project(project) => project.select(plugins)?,
            Source::AdHoc(_) => Selection::adhoc(plugins)?,
        };
        let target = match offline {
            Some(dialect) => Target::Offline(dialect),
            None => Target::Database(database_url(global, &source, secrets)?),
        };
        Ok(Request {
            source,
            target,
            selection,
        })
    }
}

fn source(global: &Global) -> Result<Source> {
    if !global.schema.is_empty() {
        if global.config.is_some() {
            return Err(Error::usage(
                "--schema and --config exclude each other: --schema files describe the whole database",
            ));
        }
        return Ok(Source::AdHoc(global.schema.clone()));
    }
    let path = global
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
    if !path.exists() {
        return Err(Error::usage(format!(
            "{}: no such file; run plinth where plugins.toml is, pass --config FILE, or describe the database with --schema FILE...",
            path.display()
        )));
    }
    config::read(&path).map(Source::Project)
}

fn database_url(global: &Global, source: &Source, secrets: &mut Secrets) -> Result<DatabaseUrl> {
    let project = match source {
        Source::Project(project) => Some(project),
        Source::AdHoc(_) => None,
    };
    if let Some(url) = &global.database_url {
        secrets.add(url);
        return DatabaseUrl::parse(url);
    }
    let Some(url) = project.and_then(|p| p.database_url.as_deref()) else {
        return Err(Error::usage(
            "no database: pass --database-url, set DATABASE_URL, or set [database] url in plugins.toml (or plan --offline --dialect …)",
        ));
    };
    secrets.add(url);
    // A relative SQLite path in plugins.toml is relative to the project, not to the shell.
    let root = project.map_or(Path::new(""), |p| p.root.as_path());
    let url = DatabaseUrl::parse(url)?.relative_to(root);
    secrets.add(url.secret_text());
    Ok(url)
}
