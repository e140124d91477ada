//! `plinth lint`: checks of the desired schema before any database sees it — types the engine
//! does not have, foreign keys that do not match what they reference, names and spellings that
//! do not port — each with a stable code and the `path:line:col` it is about; with `--live`,
//! the plan's hazards and what the data says too. Pure: the command gathers, this judges.

mod words;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::config::Desired;
use crate::error::Location;
use crate::model::{ColumnType, Dialect, ForeignKey, IndexKey, Schema, Table};
use crate::pipeline::Batch;
use crate::plan::data::Verdict;
use crate::sql::Reference;

/// How much a finding matters: an error stops `plan` (the engine would refuse the schema or
/// every write into it), a warning is worth a look, a notice is about portability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Notice,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Notice => "notice",
        }
    }
}

/// One finding: its code (a lint code, or a hazard code of the plan), where, and what.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    #[serde(flatten)]
    pub at: Location,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}[{}]: {}",
            self.at,
            self.severity.as_str(),
            self.code,
            self.message
        )?;
        match &self.help {
            Some(help) => write!(f, "; {help}"),
            None => Ok(()),
        }
    }
}

/// The offline checks of `desired` for `dialect`; `portable`: also against the other engines
/// (their reserved words and name lengths, spellings only one engine reads). In file order.
pub fn lint(dialect: Dialect, desired: &Desired, portable: bool) -> Vec<Finding> {
    let engines: Vec<Dialect> = match portable {
        true => vec![Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite],
        false => vec![dialect],
    };
    let mut references: BTreeMap<(String, String), Vec<&Reference>> = BTreeMap::new();
    for r in &desired.places.references {
        let key = (dialect.table_key(&r.from), dialect.table_key(&r.to));
        references.entry(key).or_default().push(r);
    }
    let checker = Checker {
        dialect,
        desired,
        schema: &desired.schema,
        references,
    };
    let mut out = Vec::new();
    for table in desired.schema.tables.values() {
        checker.types(table, portable, &mut out);
        for fk in &table.foreign_keys {
            checker.foreign_key(table, fk, &mut out);
        }
        checker.lengths(table, &engines, &mut out);
    }
    checker.reserved(&engines, &mut out);
    out.sort();
    out.dedup();
    out
}

/// The refusal of a schema whose offline checks found errors (`plan` and `apply` run them
/// first): each error at its place, how many warnings `plinth lint` would show.
pub fn refusal(findings: &[Finding]) -> Option<crate::error::Error> {
    let errors: Vec<crate::error::Error> = (findings.iter())
        .filter(|f| f.severity == Severity::Error)
        .map(|f| crate::error::Error::At {
            location: f.at.clone(),
            message: format!("[{}] {}", f.code, f.message),
            help: f.help.clone(),
        })
        .collect();
    match errors.len() {
        0 => None,
        1 => errors.into_iter().next(),
        _ => Some(crate::error::Error::Several(errors)),
    }
}

/// What a plan against a live database adds: each step's hazards (a warning; an error when
/// its data loss is certain) and what the data said (an error when a step would fail), at the
/// table's definition (`fallback`: where no file defines it, as for a dropped table).
pub fn plan_findings(desired: &Desired, batches: &[Batch], fallback: &Location) -> Vec<Finding> {
    let at = |table: &str| {
        desired
            .defined_at
            .get(table)
            .cloned()
            .unwrap_or_else(|| fallback.clone())
    };
    let mut out = Vec::new();
    for batch in batches {
        for statement in &batch.statements {
            for h in &statement.hazards {
                out.push(Finding {
                    at: at(&h.object),
                    severity: match h.loss {
                        crate::plan::Loss::Certain => Severity::Error,
                        _ => Severity::Warning,
                    },
                    code: h.code.as_str(),
                    message: format!("[{}] {}", batch.plugin, h.message),
                    help: None,
                });
            }
        }
        for f in &batch.findings {
            let severity = match f.verdict {
                Verdict::Fails if f.fails() => Severity::Error,
                Verdict::Fails => continue,
                Verdict::Loses | Verdict::Unchecked => Severity::Warning,
            };
            out.push(Finding {
                at: at(&f.table),
                severity,
                code: f.code.as_str(),
                message: format!("[{}] {}", batch.plugin, f.message),
                help: None,
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

struct Checker<'a> {
    dialect: Dialect,
    desired: &'a Desired,
    schema: &'a Schema,
    /// The files' foreign-key references by (from, to) table key, in file order.
    references: BTreeMap<(String, String), Vec<&'a Reference>>,
}

impl Checker<'_> {
    fn table_at(&self, table: &Table) -> Location {
        (self.desired.defined_at.get(&table.name).cloned())
            .unwrap_or_else(|| Location::new("plugins.toml", 1, 1))
    }

    fn column_at(&self, table: &Table, column: &str) -> Location {
        let key = (table.name.clone(), column.to_string());
        (self.desired.places.columns.get(&key).cloned()).unwrap_or_else(|| self.table_at(table))
    }

    /// Where a foreign key of `table` to `fk.ref_table` names its target.
    fn reference_at(&self, table: &Table, fk: &ForeignKey) -> Location {
        let key = (
            self.dialect.table_key(&table.name),
            self.dialect.table_key(&fk.ref_table),
        );
        let references = self.references.get(&key).map_or(&[][..], Vec::as_slice);
        (references.iter())
            .find(|r| r.columns == fk.ref_columns)
            .or_else(|| references.first())
            .map(|r| r.location.clone())
            .unwrap_or_else(|| match fk.columns.first() {
                Some(c) => self.column_at(table, c),
                None => self.table_at(table),
            })
    }

    fn types(&self, table: &Table, portable: bool, out: &mut Vec<Finding>) {
        for column in &table.columns {
            let at = || self.column_at(table, &column.name);
            if let Some((severity, message, help)) = self.unknown(&column.ty) {
                out.push(Finding {
                    at: at(),
                    severity,
                    code: "unknown_type",
                    message: format!("column `{}`.`{}`: {message}", table.name, column.name),
                    help: Some(help),
                });
            } else if portable && !words::portable(self.dialect, &column.ty) {
                out.push(Finding {
                    at: at(),
                    severity: Severity::Notice,
                    code: "non_portable",
                    message: format!(
                        "column `{}`.`{}`: type {} reads only on {}",
                        table.name,
                        column.name,
                        column.ty,
                        self.dialect.product()
                    ),
                    help: Some("where the schema must run on every engine, use integer, bigint, smallint, numeric(p,s), real, varchar(n), char(n), text, boolean, date, time or timestamp".into()),
                });
            }
        }
    }

    /// Why `ty` is not a type of the engine (what it is taken for, on SQLite), if it is not.
    fn unknown(&self, ty: &ColumnType) -> Option<(Severity, String, String)> {
        let base = ty.base();
        let user_type = |schema: &Schema| {
            let key = crate::model::type_key(ty.element());
            schema.enums.contains_key(&key)
                || schema.domains.contains_key(&key)
                || schema.composites.contains_key(&key)
        };
        match self.dialect {
            Dialect::Postgres => {
                // A quoted or qualified name is a user's type; an extension may bring any.
                let plain = base
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == ' ');
                let known = !plain
                    || words::POSTGRES_TYPES.binary_search(&base).is_ok()
                    || base.starts_with("interval")
                    || user_type(self.schema)
                    || !self.schema.extensions.is_empty();
                (!known).then(|| {
                    (
                        Severity::Error,
                        format!("PostgreSQL has no type `{base}`"),
                        suggestion(base, words::POSTGRES_TYPES)
                            .map(|s| format!("did you mean `{s}`?"))
                            .unwrap_or_else(|| {
                                "create it (CREATE TYPE, CREATE DOMAIN) or its extension in the schema files".into()
                            }),
                    )
                })
            }
            Dialect::Mysql => (words::MYSQL_TYPES.binary_search(&base).is_err()).then(|| {
                (
                    Severity::Error,
                    format!("MySQL/MariaDB has no type `{base}`"),
                    suggestion(base, words::MYSQL_TYPES)
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| "use one of the engine's types".into()),
                )
            }),
            // SQLite takes any name, and gives it an affinity by its letters.
            Dialect::Sqlite => (words::SQLITE_TYPES.binary_search(&base).is_err()).then(|| {
                (
                    Severity::Warning,
                    format!(
                        "`{}` is no SQLite type name: SQLite stores it with {} affinity",
                        ty.as_str(),
                        sqlite_affinity(base)
                    ),
                    suggestion(base, words::SQLITE_TYPES)
                        .map(|s| format!("did you mean `{}`?", s.to_ascii_uppercase()))
                        .unwrap_or_else(|| {
                            "write INTEGER, TEXT, REAL, BLOB or NUMERIC (or a name that says one)"
                                .into()
                        }),
                )
            }),
        }
    }

    fn foreign_key(&self, table: &Table, fk: &ForeignKey, out: &mut Vec<Finding>) {
        let Some(target) = self.schema.tables.get(&fk.ref_table) else {
            // Another plugin's or an external table: its shape is not in these files.
            return;
        };
        let at = || self.reference_at(table, fk);
        let pairs = fk.columns.iter().zip(&fk.ref_columns);
        for (c, r) in pairs {
            let (Some(from), Some(to)) = (table.column(c), target.column(r)) else {
                continue;
            };
            let string = |t: &ColumnType| words::is_string(self.dialect, t);
            let same = (from.ty.base() == to.ty.base() || (string(&from.ty) && string(&to.ty)))
                && from.ty.is_unsigned() == to.ty.is_unsigned()
                && from.ty.is_array() == to.ty.is_array();
            if !same && self.unknown(&from.ty).is_none() && self.unknown(&to.ty).is_none() {
                let numbers = !string(&from.ty) && !string(&to.ty);
                out.push(Finding {
                    at: at(),
                    severity: match self.dialect {
                        // MySQL refuses a key between number types of other sizes or signs.
                        Dialect::Mysql if numbers => Severity::Error,
                        _ => Severity::Warning,
                    },
                    code: "fk_type_mismatch",
                    message: format!(
                        "foreign key `{}`.`{c}` ({}) references `{}`.`{r}` ({})",
                        table.name, from.ty, target.name, to.ty
                    ),
                    help: Some(format!("give `{c}` the type {}", to.ty)),
                });
            }
        }
        let wanted: BTreeSet<&String> = fk.ref_columns.iter().collect();
        fn set(columns: &[String]) -> BTreeSet<&String> {
            columns.iter().collect()
        }
        let unique = target
            .primary_key
            .as_ref()
            .is_some_and(|pk| set(&pk.columns) == wanted)
            || target.uniques.iter().any(|u| set(&u.columns) == wanted)
            || target
                .indexes
                .iter()
                .filter(|i| i.unique && i.predicate.is_none())
                .any(|i| index_columns(&i.parts).is_some_and(|c| set(&c) == wanted));
        if !unique && !wanted.is_empty() {
            let indexed = leads(target, &fk.ref_columns);
            let severity = match self.dialect {
                Dialect::Postgres => Severity::Error,
                Dialect::Mysql if !indexed => Severity::Error,
                _ => Severity::Warning,
            };
            out.push(Finding {
                at: at(),
                severity,
                code: "fk_not_unique",
                message: format!(
                    "foreign key of `{}` references `{}` ({}), which is no primary key or unique key of it",
                    table.name,
                    target.name,
                    fk.ref_columns.join(", ")
                ),
                help: Some("reference its primary key, or make those columns UNIQUE".into()),
            });
        }
        // PostgreSQL indexes the referenced side only: a delete there scans this table.
        if self.dialect == Dialect::Postgres && !leads(table, &fk.columns) {
            out.push(Finding {
                at: at(),
                severity: Severity::Warning,
                code: "fk_without_index",
                message: format!(
                    "foreign key `{}` ({}) has no index: each delete or key update in `{}` scans `{}`",
                    table.name,
                    fk.columns.join(", "),
                    target.name,
                    table.name
                ),
                help: Some(format!(
                    "add CREATE INDEX ON {} ({})",
                    table.name,
                    fk.columns.join(", ")
                )),
            });
        }
    }

    fn lengths(&self, table: &Table, engines: &[Dialect], out: &mut Vec<Finding>) {
        let mut names: Vec<(String, Location)> = vec![(
            crate::model::unqualified(&table.name).to_string(),
            self.table_at(table),
        )];
        for c in &table.columns {
            names.push((c.name.clone(), self.column_at(table, &c.name)));
        }
        let given = (table.primary_key.iter().map(|k| &k.name))
            .chain(table.foreign_keys.iter().map(|k| &k.name))
            .chain(table.uniques.iter().map(|k| &k.name))
            .chain(table.checks.iter().map(|k| &k.name))
            .chain(table.indexes.iter().map(|k| &k.name));
        for name in given {
            if let crate::model::Name::Given(n) = name {
                names.push((n.clone(), self.table_at(table)));
            }
        }
        for (name, at) in names {
            for engine in engines {
                let (length, unit) = match engine {
                    Dialect::Postgres => (name.len(), "bytes"),
                    _ => (name.chars().count(), "characters"),
                };
                let Some(max) = engine.max_identifier_len() else {
                    continue;
                };
                if length > max {
                    out.push(Finding {
                        at: at.clone(),
                        severity: Severity::Warning,
                        code: "name_too_long",
                        message: format!(
                            "`{name}` is {length} {unit} long: {} takes at most {max}",
                            engine.product()
                        ),
                        help: Some("shorten it".into()),
                    });
                }
            }
        }
    }

    fn reserved(&self, engines: &[Dialect], out: &mut Vec<Finding>) {
        for (name, at) in &self.desired.places.bare {
            let reserved: Vec<&str> = (engines.iter())
                .filter(|e| words::reserved(**e, name))
                .map(|e| e.product())
                .collect();
            if !reserved.is_empty() {
                out.push(Finding {
                    at: at.clone(),
                    severity: Severity::Warning,
                    code: "reserved_word",
                    message: format!(
                        "`{name}` is a reserved word in {}: every statement that names it there must quote it",
                        reserved.join(" and ")
                    ),
                    help: Some("rename it (or quote it everywhere)".into()),
                });
            }
        }
    }
}

/// The columns of an index made of columns only.
fn index_columns(parts: &[crate::model::IndexPart]) -> Option<Vec<String>> {
    parts
        .iter()
        .map(|p| match &p.key {
            IndexKey::Column(c) if p.prefix.is_none() => Some(c.clone()),
            _ => None,
        })
        .collect()
}

/// Whether some key or index of `table` starts with `columns` (in any order).
fn leads(table: &Table, columns: &[String]) -> bool {
    let wanted: BTreeSet<&String> = columns.iter().collect();
    let starts = |keys: &[String]| {
        keys.len() >= columns.len()
            && keys[..columns.len()].iter().collect::<BTreeSet<_>>() == wanted
    };
    table
        .primary_key
        .as_ref()
        .is_some_and(|pk| starts(&pk.columns))
        || table.uniques.iter().any(|u| starts(&u.columns))
        || (table.indexes.iter())
            .filter(|i| i.predicate.is_none())
            .map(|i| {
                (i.parts.iter())
                    .map_while(|p| match &p.key {
                        IndexKey::Column(c) => Some(c.clone()),
                        IndexKey::Expr(_) => None,
                    })
                    .collect::<Vec<String>>()
            })
            .any(|leading| starts(&leading))
}

/// SQLite's affinity for a declared type, by its rules (section 3.1 of its datatype page).
fn sqlite_affinity(base: &str) -> &'static str {
    let upper = base.to_ascii_uppercase();
    if upper.contains("INT") {
        "INTEGER"
    } else if ["CHAR", "CLOB", "TEXT"].iter().any(|w| upper.contains(w)) {
        "TEXT"
    } else if upper.contains("BLOB") || upper.is_empty() {
        "BLOB"
    } else if ["REAL", "FLOA", "DOUB"].iter().any(|w| upper.contains(w)) {
        "REAL"
    } else {
        "NUMERIC"
    }
}

/// The known name closest to `word`, when it is close (a typo). A name longer than any type
/// name is no typo of one (and the distance's table grows with the name).
fn suggestion(word: &str, known: &[&'static str]) -> Option<&'static str> {
    if word.len() > 64 {
        return None;
    }
    let best = known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(word, k), *k))
        .min()?;
    let limit = (word.chars().count() / 3).clamp(1, 3);
    (best.0 <= limit).then_some(best.1)
}

#[cfg(test)]
mod tests;
