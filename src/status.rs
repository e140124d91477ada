//! What `plinth status` says, per plugin of the site, and the orphans: pure, from the desired
//! state, the live schema, the plan and the history.
//!
//! An orphan is a live table no plugin of this site manages though one once did, or could:
//! the tables history records for a plugin that plugins.toml no longer declares, and the
//! tables of a plugin that is not on this site. plinth never drops them on its own (`apply`
//! does not manage them); `plinth uninstall` does, when asked.

use serde::Serialize;

use crate::config::{Desired, Selection};
use crate::db::history::{Kind, Last};
use crate::model::{Dialect, Schema};
use crate::pipeline::Batch;

/// The site's plugins and its orphans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    pub site: Option<String>,
    pub plugins: Vec<PluginStatus>,
    pub orphans: Vec<Orphan>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginStatus {
    pub plugin: String,
    /// The version plugins.toml gives.
    pub version: Option<String>,
    pub state: State,
    /// Recorded in history and not uninstalled since, or some of its tables are there.
    pub installed: bool,
    /// The newest history row.
    pub last: Option<Last>,
    /// Its tables in plugins.toml, and how many of them the database has.
    pub tables: usize,
    pub present: usize,
    /// What `apply` would run.
    pub statements: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    InSync,
    Drift,
    /// No history, no tables.
    NeverApplied,
    /// Uninstalled, and no table of it is back.
    Uninstalled,
}

impl State {
    pub fn words(self) -> &'static str {
        match self {
            State::InSync => "in sync",
            State::Drift => "drift",
            State::NeverApplied => "never applied",
            State::Uninstalled => "uninstalled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Orphan {
    pub plugin: String,
    pub why: Why,
    /// Its tables that the database has.
    pub tables: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// History records the plugin; plugins.toml does not declare it any more.
    NotInProject,
    /// plugins.toml declares it, but not on this site.
    NotOnSite,
}

impl Orphan {
    pub fn describe(&self) -> String {
        let why = match self.why {
            Why::NotInProject => {
                "is recorded in plinth_history but plugins.toml no longer declares it"
            }
            Why::NotOnSite => "is not on this site",
        };
        let tables = if self.tables.is_empty() {
            "none of its tables is left".to_string()
        } else {
            format!("its tables are still there: {}", self.tables.join(", "))
        };
        let fix = match self.why {
            Why::NotInProject => format!(
                "plinth leaves them alone; to drop them, declare [plugins.{}] again and run `plinth uninstall {}`",
                self.plugin, self.plugin
            ),
            Why::NotOnSite => format!(
                "plinth leaves them alone; to drop them, add {} to this site's plugins and run `plinth uninstall {}`",
                self.plugin, self.plugin
            ),
        };
        format!("plugin {} {why}; {tables} ({fix})", self.plugin)
    }
}

/// The status of every selected plugin (`batches`: their plan against `live`) and the orphans.
pub fn status(
    dialect: Dialect,
    desired: &Desired,
    selection: &Selection,
    site: Option<&str>,
    live: &Schema,
    batches: &[Batch],
    history: &[Last],
) -> Status {
    let last = |plugin: &str| history.iter().find(|l| l.plugin == plugin);
    let present = |tables: &[String]| -> Vec<String> {
        tables
            .iter()
            .filter_map(|t| desired.live_name(dialect, t, live).map(str::to_string))
            .collect()
    };
    let plugins = batches
        .iter()
        .map(|batch| {
            let last = last(&batch.plugin).cloned();
            let here = present(&batch.tables).len();
            let recorded = last.as_ref().is_some_and(Last::installed);
            let state = match (&last, here, batch.statements.is_empty()) {
                (None, 0, _) => State::NeverApplied,
                (Some(l), 0, _) if l.kind == Kind::Uninstall => State::Uninstalled,
                (_, _, true) => State::InSync,
                (_, _, false) => State::Drift,
            };
            PluginStatus {
                plugin: batch.plugin.clone(),
                version: batch.version.clone(),
                state,
                installed: recorded || here > 0,
                last,
                tables: batch.tables.len(),
                present: here,
                statements: batch.statements.len(),
            }
        })
        .collect();
    Status {
        site: site.map(str::to_string),
        plugins,
        orphans: orphans(dialect, desired, selection, live, history),
    }
}

/// Tables no plugin of the site manages though a plugin once did (history) or does elsewhere.
pub fn orphans(
    dialect: Dialect,
    desired: &Desired,
    selection: &Selection,
    live: &Schema,
    history: &[Last],
) -> Vec<Orphan> {
    if desired.adhoc {
        return Vec::new();
    }
    let mut out = Vec::new();
    for last in history {
        if !last.installed() || desired.order.contains(&last.plugin) {
            continue;
        }
        let tables = last
            .tables
            .iter()
            .filter(|t| !desired.owner.contains_key(*t))
            .filter_map(|t| {
                live.tables
                    .keys()
                    .find(|l| dialect.same_table(l, t))
                    .cloned()
            })
            .collect();
        out.push(Orphan {
            plugin: last.plugin.clone(),
            why: Why::NotInProject,
            tables,
        });
    }
    for plugin in desired.order.iter().filter(|p| !selection.on_site(p)) {
        let tables: Vec<String> = desired
            .owner
            .iter()
            .filter(|(t, p)| *p == plugin && !desired.retired.contains_key(*t))
            .filter_map(|(t, _)| desired.live_name(dialect, t, live).map(str::to_string))
            .collect();
        if !tables.is_empty() {
            out.push(Orphan {
                plugin: plugin.clone(),
                why: Why::NotOnSite,
                tables,
            });
        }
    }
    out.sort_by(|a, b| a.plugin.cmp(&b.plugin));
    out
}
