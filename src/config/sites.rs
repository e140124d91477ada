//! `[sites.NAME]` in plugins.toml: the databases of a project, each with the plugins it has.
//!
//! A site names its database (a URL, or `env:VAR` to keep the secret out of the file) and its
//! plugins, explicitly, like a plugin names its tables. Its plugin set must be closed under
//! the foreign keys between plugins ([`check_closed`]): a site cannot have `computers` without
//! the `core` its tables reference, unless those tables are declared external.

use std::collections::{BTreeMap, BTreeSet};

use super::Desired;
use crate::error::{Error, Location, Result};
use crate::sql::Reference;

/// One `[sites.NAME]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub name: String,
    /// The site's name in its header.
    pub at: Location,
    pub url: SiteUrl,
    pub url_at: Location,
    /// The site's plugins as written, each a plugin of the project, with their positions.
    pub plugins: Vec<String>,
    pub plugins_at: Vec<Location>,
}

/// Where a site's database URL comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteUrl {
    /// `url = "postgres://…"`, as written.
    Literal(String),
    /// `url = "env:VAR"`: read from the environment when the site is used.
    Env(String),
}

impl SiteUrl {
    pub(super) fn read(text: &str) -> SiteUrl {
        match text.strip_prefix("env:") {
            Some(var) => SiteUrl::Env(var.trim().to_string()),
            None => SiteUrl::Literal(text.to_string()),
        }
    }
}

impl Site {
    /// The site's database URL, read from the environment through `env` for `env:VAR`.
    pub fn url(&self, env: impl Fn(&str) -> Option<String>) -> Result<String> {
        match &self.url {
            SiteUrl::Literal(url) => Ok(url.clone()),
            SiteUrl::Env(var) => env(var).filter(|v| !v.is_empty()).ok_or_else(|| {
                Error::at_help(
                    self.url_at.clone(),
                    format!(
                        "the database URL of site `{}` is read from the environment variable {var}, which is not set",
                        self.name
                    ),
                    format!("set {var}, or pass --database-url"),
                )
            }),
        }
    }

    pub fn has(&self, plugin: &str) -> bool {
        self.plugins.iter().any(|p| p == plugin)
    }
}

/// Check that every site's plugins are closed under `depends` (plugin → plugin it references →
/// one foreign key that makes it so): the error is at the site's entry for the plugin whose
/// foreign key needs a plugin the site does not have.
pub(super) fn check_closed(
    sites: &BTreeMap<String, Site>,
    depends: &BTreeMap<String, BTreeMap<String, Reference>>,
) -> Result<()> {
    for site in sites.values() {
        for (plugin, at) in site.plugins.iter().zip(&site.plugins_at) {
            let Some(needs) = depends.get(plugin) else {
                continue;
            };
            if let Some((missing, fk)) = needs.iter().find(|(p, _)| !site.has(p)) {
                return Err(Error::at_help(
                    at.clone(),
                    format!(
                        "site `{}` has plugin `{plugin}` but not `{missing}`, which it needs: `{}` references `{}` of plugin `{missing}` ({})",
                        site.name, fk.from, fk.to, fk.location
                    ),
                    format!(
                        "add \"{missing}\" to the plugins of [sites.{}], or declare `{}` in [external] tables if the site's database has it from elsewhere",
                        site.name, fk.to
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A plugin a selection needs and did not name: `plugin`, because `needed_by`'s foreign key
/// `reference` points into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub plugin: String,
    pub needed_by: String,
    pub reference: Reference,
}

impl Desired {
    /// The plugins `named` depend on through foreign keys, transitively, that `named` does not
    /// hold, each with the first foreign key that needs it (in dependency order).
    pub fn dependencies(&self, named: &BTreeSet<String>) -> Vec<Dependency> {
        let mut have = named.clone();
        let mut found = Vec::new();
        let mut queue: Vec<String> = named.iter().cloned().collect();
        while let Some(plugin) = queue.pop() {
            for (dep, fk) in self.depends.get(&plugin).into_iter().flatten() {
                if have.insert(dep.clone()) {
                    found.push(Dependency {
                        plugin: dep.clone(),
                        needed_by: plugin.clone(),
                        reference: fk.clone(),
                    });
                    queue.push(dep.clone());
                }
            }
        }
        let position = |p: &str| self.order.iter().position(|o| o == p);
        found.sort_by_key(|d| position(&d.plugin));
        found
    }
}
