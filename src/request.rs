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

/// What one command works on: one database (or an offline engine).
#[derive(Debug)]
pub struct Request {
    pub source: Source,
    pub target: Target,
    pub selection: Selection,
    /// The site of plugins.toml the database is (`--site`, `--all-sites`, or a project's one
    /// site); `None` for `[database]`, `--database-url` without sites, and ad-hoc mode.
    pub site: Option<String>,
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

    /// The file that says what is managed: plugins.toml's path, or the first `--schema` file.
    pub fn describe(&self) -> String {
        match self {
            Source::Project(project) => project.path.clone(),
            Source::AdHoc(files) => (files.first())
                .map(|f| f.display().to_string())
                .unwrap_or_default(),
        }
    }
}

impl Request {
    /// Resolve the options every command shares, the plugins it names and, for an offline plan,
    /// its engine. The database URL is the flag, then `DATABASE_URL` (both in `global`), then
    /// plugins.toml's `[database] url`; its secrets join `secrets` as soon as it is known, so
    /// that even an error about it is scrubbed.
    ///
    /// With sites in plugins.toml, the request is for one site (`--site NAME`, or the only
    /// one): its plugins, and its URL unless `--database-url` is given. `--all-sites` is
    /// [`Request::resolve_all`]'s.
    pub fn resolve(
        global: &Global,
        plugins: &[String],
        offline: Option<Dialect>,
        secrets: &mut Secrets,
    ) -> Result<Request> {
        let source = source(global)?;
        let site = match (&source, &global.site) {
            (_, _) if global.all_sites => {
                return Err(Error::usage("--all-sites runs over many databases: this command takes one"))
            }
            (Source::AdHoc(_), Some(_)) => {
                return Err(Error::usage("--site needs plugins.toml: --schema files describe one database, given by --database-url"))
            }
            (Source::AdHoc(_), None) => None,
            (Source::Project(project), Some(name)) => Some(site(project, name)?.clone()),
            (Source::Project(project), None) => only_site(project, global, offline)?,
        };
        Request::for_site(global, source, site.as_ref(), plugins, offline, secrets)
    }

    /// `--all-sites`: one request per site of plugins.toml, in name order; a site whose
    /// request cannot be made (its URL's variable unset, a plugin not on it) is that site's
    /// failure, not the run's.
    pub fn resolve_all(
        global: &Global,
        plugins: &[String],
        offline: Option<Dialect>,
        secrets: &mut Secrets,
    ) -> Result<Vec<(String, Result<Request>)>> {
        let Source::Project(project) = source(global)? else {
            return Err(Error::usage(
                "--all-sites needs plugins.toml with [sites.NAME] tables",
            ));
        };
        if global.database_url.is_some() && !global.database_url_from_env {
            return Err(Error::usage(
                "--all-sites and --database-url exclude each other: each site has its own URL",
            ));
        }
        if project.sites.is_empty() {
            return Err(Error::usage(format!(
                "{} has no [sites.NAME] tables: --all-sites has nothing to run over",
                project.path
            )));
        }
        let mut requests = Vec::new();
        for site in project.sites.values() {
            let source = Source::Project(project.clone());
            let request = Request::for_site(global, source, Some(site), plugins, offline, secrets);
            requests.push((site.name.clone(), request));
        }
        Ok(requests)
    }

    fn for_site(
        global: &Global,
        source: Source,
        site: Option<&config::Site>,
        plugins: &[String],
        offline: Option<Dialect>,
        secrets: &mut Secrets,
    ) -> Result<Request> {
        let selection = match (&source, site) {
            (Source::Project(project), None) => project.select(plugins)?,
            (Source::Project(project), Some(site)) => project.select_on(site, plugins)?,
            (Source::AdHoc(_), _) => Selection::adhoc(plugins)?,
        };
        let target = match offline {
            Some(dialect) => Target::Offline(dialect),
            None => Target::Database(database_url(global, &source, site, secrets)?),
        };
        Ok(Request {
            source,
            target,
            selection,
            site: site.map(|s| s.name.clone()),
        })
    }
}

fn site<'a>(project: &'a config::Project, name: &str) -> Result<&'a config::Site> {
    project.sites.get(name).ok_or_else(|| {
        if project.sites.is_empty() {
            Error::usage(format!(
                "--site {name}: {} has no [sites.NAME] tables",
                project.path
            ))
        } else {
            let known: Vec<&str> = project.sites.keys().map(String::as_str).collect();
            Error::usage(format!(
                "unknown site `{name}`; the sites are: {}",
                known.join(", ")
            ))
        }
    })
}

/// Without `--site`: a project's one site, or none (`[database]`); several sites need a choice,
/// unless the plan is offline or the URL is the command line's.
fn only_site(
    project: &config::Project,
    global: &Global,
    offline: Option<Dialect>,
) -> Result<Option<config::Site>> {
    let mut sites = project.sites.values();
    match (sites.next(), sites.next()) {
        (None, _) => Ok(None),
        (Some(site), None) => Ok(Some(site.clone())),
        (Some(_), Some(_)) => {
            let named_url = global.database_url.is_some() && !global.database_url_from_env;
            if offline.is_some() || named_url {
                return Err(Error::usage(format!(
                    "{} has several sites, with different plugins: pass --site NAME to say which plugins {}",
                    project.path,
                    if offline.is_some() { "to plan" } else { "the database has" }
                )));
            }
            let known: Vec<&str> = project.sites.keys().map(String::as_str).collect();
            Err(Error::usage(format!(
                "{} has several sites ({}): pass --site NAME, or --all-sites",
                project.path,
                known.join(", ")
            )))
        }
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

/// The URL: `--database-url`, then the site's, then `DATABASE_URL`, then `[database] url`.
fn database_url(
    global: &Global,
    source: &Source,
    site: Option<&config::Site>,
    secrets: &mut Secrets,
) -> Result<DatabaseUrl> {
    let project = match source {
        Source::Project(project) => Some(project),
        Source::AdHoc(_) => None,
    };
    if let Some(url) = &global.database_url {
        if !(global.database_url_from_env && site.is_some()) {
            secrets.add(url);
            return DatabaseUrl::parse(url);
        }
    }
    if let (Some(site), Some(project)) = (site, project) {
        let url = site.url(|var| std::env::var(var).ok())?;
        secrets.add(&url);
        let url = DatabaseUrl::parse(&url)
            .map_err(|e| {
                Error::at(
                    site.url_at.clone(),
                    format!("the database URL of site `{}`: {e}", site.name),
                )
            })?
            .relative_to(&project.root);
        secrets.add(url.secret_text());
        return Ok(url);
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
