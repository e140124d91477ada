//! Which destructive steps an apply may run: all of them (`--allow-destructive`), or those whose
//! hazard code the command line (`--allow CODE`), the plugin (`allow = […]` in plugins.toml) or
//! the table within the plugin (`[plugins.NAME.allow_tables]`) allows; with
//! `--skip-destructive` the others are left out instead of refusing the plan. A step that
//! cannot lose data is never refused. Pure: the apply protocol asks it.

use std::collections::{BTreeMap, BTreeSet};

use crate::plan::{Hazard, HazardCode};

/// What plugins.toml allows one plugin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowed {
    /// On every object of the plugin.
    pub codes: BTreeSet<HazardCode>,
    /// On one table of the plugin, by its key.
    pub tables: BTreeMap<String, BTreeSet<HazardCode>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// `--allow-destructive`: everything.
    pub all: bool,
    /// `--allow CODE…`: these, on every plugin.
    pub codes: BTreeSet<HazardCode>,
    /// plugins.toml, by plugin.
    pub plugins: BTreeMap<String, Allowed>,
    /// `--skip-destructive`: what is not allowed is left out of the apply (and reported), not
    /// refused.
    pub skip: bool,
}

impl Policy {
    /// Everything allowed (`--allow-destructive`).
    pub fn everything() -> Policy {
        Policy {
            all: true,
            ..Policy::default()
        }
    }

    /// Whether `hazard`, in a step of `plugin`, may run.
    pub fn allows(&self, plugin: &str, hazard: &Hazard) -> bool {
        !hazard.is_destructive() || self.names(plugin, hazard.code, &hazard.object)
    }

    /// Whether the code is allowed by name for `plugin`'s `object` (a table, by key): on the
    /// command line, for the plugin, or for that table of it; `--allow-destructive` allows all.
    pub fn names(&self, plugin: &str, code: HazardCode, object: &str) -> bool {
        if self.all || self.codes.contains(&code) {
            return true;
        }
        self.plugins.get(plugin).is_some_and(|allowed| {
            allowed.codes.contains(&code)
                || (allowed.tables.get(object)).is_some_and(|c| c.contains(&code))
        })
    }

    /// Whether every hazard of a statement of `plugin` may run.
    pub fn allows_all(&self, plugin: &str, hazards: &[Hazard]) -> bool {
        hazards.iter().all(|h| self.allows(plugin, h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dialect;

    fn hazard(code: HazardCode, object: &str) -> Hazard {
        Hazard::new(Dialect::Postgres, code, object, "…")
    }

    #[test]
    fn each_source_allows_what_it_names_and_nothing_else() {
        let drop_column = hazard(HazardCode::DropColumn, "users");
        let drop_table = hazard(HazardCode::DropTable, "users");
        let safe = hazard(HazardCode::AddUnique, "users");
        let none = Policy::default();
        assert!(none.allows("core", &safe));
        assert!(!none.allows("core", &drop_column));
        assert!(Policy::everything().allows("core", &drop_table));

        let cli = Policy {
            codes: [HazardCode::DropColumn].into(),
            ..Policy::default()
        };
        assert!(cli.allows("core", &drop_column) && cli.allows("shop", &drop_column));
        assert!(!cli.allows("core", &drop_table));

        let file = Policy {
            plugins: [(
                "core".to_string(),
                Allowed {
                    codes: [HazardCode::DropColumn].into(),
                    tables: [("legacy".to_string(), [HazardCode::DropTable].into())].into(),
                },
            )]
            .into(),
            ..Policy::default()
        };
        assert!(file.allows("core", &drop_column));
        assert!(!file.allows("shop", &drop_column));
        assert!(!file.allows("core", &drop_table));
        assert!(file.allows("core", &hazard(HazardCode::DropTable, "legacy")));
        assert!(!file.allows("shop", &hazard(HazardCode::DropTable, "legacy")));
        assert!(!file.allows_all("core", &[drop_column.clone(), drop_table.clone()]));
    }
}
