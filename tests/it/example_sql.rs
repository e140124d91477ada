//! The example project (`plugins.toml` + `schemas/*.sql`) parses for every engine, matches its
//! ownership registry, and keeps to the portable subset that applies alike on all three.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::path::{Path, PathBuf};

use plinth::model::{Dialect, FkAction, Identity, IndexKey, Name, Schema, Table};
use plinth::{parse_file, Parsed};

type TestResult = Result<(), Box<dyn Error>>;

/// The plugin every other one builds on; it references nobody.
const CORE: &str = "core";

/// One `[plugins.NAME]` entry of plugins.toml.
struct Plugin {
    name: String,
    files: Vec<String>,
    tables: BTreeSet<String>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn strings(value: Option<&toml::Value>, what: &str) -> Result<Vec<String>, Box<dyn Error>> {
    let list = value
        .and_then(toml::Value::as_array)
        .ok_or_else(|| format!("{what}: expected a list of strings"))?;
    list.iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{what}: `{v:?}` is not a string").into())
        })
        .collect()
}

fn plugins() -> Result<Vec<Plugin>, Box<dyn Error>> {
    let text = std::fs::read_to_string(root().join("plugins.toml"))?;
    let config: toml::Table = toml::from_str(&text)?;
    let entries = config
        .get("plugins")
        .and_then(toml::Value::as_table)
        .ok_or("plugins.toml has no [plugins] table")?;
    let mut out = Vec::new();
    for (name, entry) in entries {
        let tables = strings(entry.get("tables"), &format!("plugins.{name}.tables"))?;
        let listed = tables.len();
        let tables: BTreeSet<String> = tables.into_iter().collect();
        assert_eq!(
            listed,
            tables.len(),
            "plugins.{name}.tables lists a table twice"
        );
        out.push(Plugin {
            name: name.clone(),
            files: strings(entry.get("schema"), &format!("plugins.{name}.schema"))?,
            tables,
        });
    }
    Ok(out)
}

/// Parse one plugin's files for `dialect`, merged (not yet finished).
fn parse_plugin(dialect: Dialect, plugin: &Plugin) -> Result<Parsed, Box<dyn Error>> {
    let mut parsed = Parsed::default();
    for file in &plugin.files {
        let text = std::fs::read_to_string(root().join(file))?;
        let one = parse_file(dialect, file, &text).map_err(|e| format!("{dialect}: {e}"))?;
        parsed.merge(one).map_err(|e| format!("{dialect}: {e}"))?;
    }
    Ok(parsed)
}

/// Every plugin parsed for `dialect`, merged and finished, with the owner of each table.
fn parse_all(dialect: Dialect) -> Result<(Schema, BTreeMap<String, String>), Box<dyn Error>> {
    let mut all = Parsed::default();
    let mut owner = BTreeMap::new();
    for plugin in plugins()? {
        let parsed = parse_plugin(dialect, &plugin)?;
        let defined: BTreeSet<String> = parsed.tables.keys().cloned().collect();
        assert_eq!(
            defined, plugin.tables,
            "{dialect}: plugin `{}` defines other tables than plugins.toml lists",
            plugin.name
        );
        for table in &plugin.tables {
            let before = owner.insert(table.clone(), plugin.name.clone());
            assert!(before.is_none(), "table `{table}` is owned by two plugins");
        }
        all.merge(parsed)?;
    }
    let Parsed {
        mut schema,
        references,
        ..
    } = all;
    for r in &references {
        assert!(
            schema.tables.contains_key(&r.to),
            "{dialect}: {}: `{}` references `{}`, which no plugin defines",
            r.location,
            r.from,
            r.to
        );
    }
    plinth::finish(dialect, &mut schema);
    Ok((schema, owner))
}

fn has_unique_on(table: &Table, columns: &[String]) -> bool {
    table
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns == columns)
        || table.uniques.iter().any(|u| u.columns == columns)
        || table.indexes.iter().any(|i| {
            i.unique
                && i.predicate.is_none()
                && i.parts.len() == columns.len()
                && i.parts
                    .iter()
                    .zip(columns)
                    .all(|(p, c)| p.key == IndexKey::Column(c.clone()))
        })
}

#[test]
fn every_schema_file_belongs_to_one_plugin() -> TestResult {
    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("schemas"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "sql") {
            let name = path.file_name().ok_or("no file name")?.to_string_lossy();
            on_disk.insert(format!("schemas/{name}"));
        }
    }
    let mut listed = BTreeSet::new();
    for plugin in plugins()? {
        for file in plugin.files {
            assert!(
                Path::new(&root().join(&file)).is_file(),
                "{file} is missing"
            );
            assert!(listed.insert(file.clone()), "{file} belongs to two plugins");
        }
    }
    assert_eq!(on_disk, listed, "schemas/*.sql and plugins.toml disagree");
    Ok(())
}

#[test]
fn example_parses_for_every_engine_and_matches_plugins_toml() -> TestResult {
    for dialect in Dialect::ALL {
        let (schema, owner) = parse_all(dialect)?;
        for table in schema.tables.values() {
            assert!(
                table.primary_key.is_some(),
                "{dialect}: `{}` has no primary key",
                table.name
            );
            for fk in &table.foreign_keys {
                let target = schema.tables.get(&fk.ref_table).ok_or_else(|| {
                    format!(
                        "{dialect}: `{}` references undefined `{}`",
                        table.name, fk.ref_table
                    )
                })?;
                assert_eq!(fk.columns.len(), fk.ref_columns.len(), "{dialect}: {fk:?}");
                for (c, r) in fk.columns.iter().zip(&fk.ref_columns) {
                    let from = table
                        .column(c)
                        .ok_or(format!("`{}`.`{c}` undefined", table.name))?;
                    let to = target
                        .column(r)
                        .ok_or(format!("`{}`.`{r}` undefined", target.name))?;
                    assert_eq!(
                        from.ty, to.ty,
                        "{dialect}: `{}`.`{c}` → `{}`.`{r}`",
                        table.name, target.name
                    );
                    if fk.on_delete == FkAction::SetNull {
                        assert!(
                            from.nullable,
                            "{dialect}: SET NULL on NOT NULL `{}`.`{c}`",
                            table.name
                        );
                    }
                }
                assert!(
                    has_unique_on(target, &fk.ref_columns),
                    "{dialect}: `{}` references `{}` {:?}, which is not unique",
                    table.name,
                    target.name,
                    fk.ref_columns
                );
                // Plugins depend on core only, and core on nobody: no cycles between plugins,
                // and any plugin can be adopted alone.
                let from = &owner[&table.name];
                let to = &owner[&fk.ref_table];
                assert!(
                    from == to || to == CORE,
                    "{dialect}: `{}` ({from}) references `{}` ({to}); plugins may reference core only",
                    table.name,
                    fk.ref_table
                );
            }
        }
    }
    Ok(())
}

#[test]
fn identity_columns_take_each_engine_spelling() -> TestResult {
    for dialect in Dialect::ALL {
        let (schema, _) = parse_all(dialect)?;
        for table in schema.tables.values() {
            let pk = table.primary_key.as_ref().ok_or("no primary key")?;
            if pk.columns.len() != 1 {
                continue;
            }
            let id = table.column(&pk.columns[0]).ok_or("pk column undefined")?;
            match dialect {
                Dialect::Postgres => {
                    assert!(
                        matches!(id.identity, Some(Identity::ByDefault(_))),
                        "{id:?}"
                    )
                }
                Dialect::Mysql => assert_eq!(id.identity, Some(Identity::AutoIncrement), "{id:?}"),
                Dialect::Sqlite => {
                    assert_eq!(id.identity, None, "{id:?}");
                    assert_eq!(id.ty, "INTEGER", "`{}`: not a rowid alias", table.name);
                }
            }
        }
    }
    Ok(())
}

/// The portable subset: types every engine has, named indexes, names unique across the
/// database and short enough for PostgreSQL, nothing on `text` that MySQL refuses.
#[test]
fn example_keeps_to_the_portable_subset() -> TestResult {
    let (schema, _) = parse_all(Dialect::Postgres)?;
    let mut names = BTreeSet::new();
    let mut name = |n: &Name, what: &str| {
        if let Some(n) = n.given() {
            assert!(n.len() <= 63, "{what} name `{n}` is longer than 63 bytes");
            assert!(
                names.insert(n.to_string()),
                "{what} name `{n}` is used twice"
            );
        }
    };
    for table in schema.tables.values() {
        let t = &table.name;
        for column in &table.columns {
            let ty = column.ty.as_str();
            let portable = matches!(
                ty,
                "integer" | "bigint" | "smallint" | "boolean" | "date" | "text"
            ) || ty == "timestamp without time zone"
                || ty.starts_with("character varying(")
                || ty.starts_with("numeric(");
            assert!(
                portable,
                "`{t}`.`{}`: type `{ty}` is not portable",
                column.name
            );
            if ty == "text" {
                assert!(
                    column.default.is_none(),
                    "`{t}`.`{}`: MySQL refuses a default on text",
                    column.name
                );
            }
        }
        for unique in &table.uniques {
            name(&unique.name, "unique");
        }
        for fk in &table.foreign_keys {
            name(&fk.name, "foreign key");
        }
        for check in &table.checks {
            name(&check.name, "check");
        }
        let mut indexed: Vec<&String> = table.uniques.iter().flat_map(|u| &u.columns).collect();
        for index in &table.indexes {
            assert!(
                !index.name.is_generated(),
                "`{t}`: every CREATE INDEX needs a name"
            );
            name(&index.name, "index");
            for part in &index.parts {
                match &part.key {
                    IndexKey::Column(c) => indexed.push(c),
                    IndexKey::Expr(e) => panic!("`{t}`: expression index `{e}` is not portable"),
                }
            }
        }
        for c in indexed {
            let column = table.column(c).ok_or(format!("`{t}`.`{c}` undefined"))?;
            let too_long = column.ty.base() == "character varying"
                && column.ty.params().first().is_some_and(|&n| n > 255);
            assert!(
                column.ty != "text" && !too_long,
                "`{t}`.`{c}`: too wide to index on MySQL"
            );
        }
    }
    Ok(())
}

/// The example is also the demo of what plinth handles: keep it exercising each feature.
#[test]
fn example_exercises_each_feature() -> TestResult {
    let (schema, _) = parse_all(Dialect::Postgres)?;
    let tables = || schema.tables.values();
    let fks = || tables().flat_map(|t| &t.foreign_keys);
    assert!(tables().any(|t| t
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.len() > 1)));
    for action in [FkAction::Cascade, FkAction::SetNull, FkAction::Restrict] {
        assert!(
            fks().any(|fk| fk.on_delete == action),
            "no ON DELETE {}",
            action.sql()
        );
    }
    assert!(tables().any(|t| t.foreign_keys.iter().any(|fk| fk.ref_table == t.name)));
    assert!(tables().any(|t| t.uniques.iter().any(|u| u.columns.len() > 1)));
    assert!(tables().any(|t| t.uniques.iter().any(|u| u.name.is_generated())));
    assert!(tables().any(|t| t.indexes.iter().any(|i| i.unique)));
    assert!(tables().any(|t| t.indexes.iter().any(|i| i.parts.len() > 1)));
    assert!(tables().any(|t| t.checks.iter().any(|c| c.name.is_generated())));
    let defaults: BTreeSet<&str> = tables()
        .flat_map(|t| &t.columns)
        .filter_map(|c| c.default.as_deref())
        .collect();
    for kind in ["CURRENT_TIMESTAMP", "true", "false", "0"] {
        assert!(
            defaults.iter().any(|d| d.eq_ignore_ascii_case(kind)),
            "no DEFAULT {kind}: {defaults:?}"
        );
    }
    assert!(
        defaults.iter().any(|d| d.starts_with('\'')),
        "no string default"
    );
    assert!(
        defaults.iter().any(|d| d.contains('.')),
        "no decimal default"
    );
    Ok(())
}
