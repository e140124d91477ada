//! The planner: changes → ordered steps, each carrying the hazards it brings.
//!
//! Ordering is data: [`Phase`]'s variant order is execution order. Tables are created parents
//! first and dropped children first (petgraph's strongly connected components, then Kahn's
//! algorithm with ties broken by name); a foreign-key cycle is broken by creating the tables
//! without those keys and adding them afterwards — except on SQLite, which takes forward
//! references in CREATE TABLE and cannot add a key later. SQLite changes that `ALTER TABLE`
//! cannot express become one table rebuild.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;
use serde::Serialize;

use crate::diff::{Change, TableChange, TableDiff};
use crate::model::{Column, Dialect, EnumType, Table};

/// Variant order is execution order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// First: nothing may still point at what is dropped or retyped.
    DropForeignKey,
    /// Children before parents (reverse FK order); early, so that their keys no longer hold
    /// on to the unique keys and primary keys that kept tables change below.
    DropTable,
    /// Indexes and constraints before the columns they cover go.
    DropIndex,
    DropConstraint,
    /// Types before the tables that use them.
    CreateEnum,
    /// Parents before children (FK order); cyclic keys deferred to `AddForeignKey`.
    CreateTable,
    /// Columns, table rebuilds (SQLite), comments.
    AlterTable,
    AddConstraint,
    CreateIndex,
    /// Last but one: every target table and unique key exists.
    AddForeignKey,
    /// Last: no column uses the type any more.
    DropEnum,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    CreateEnum(EnumType),
    AlterEnum {
        from: EnumType,
        to: EnumType,
    },
    DropEnum(EnumType),
    CreateTable(Table),
    DropTable(Table),
    Alter {
        table: String,
        change: TableChange,
    },
    /// SQLite: create the new table, copy the rows, drop the old one, rename, re-index.
    Rebuild {
        from: Table,
        to: Table,
    },
}

/// What a step can cost. `DeletesData` is what `--allow-destructive` is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardKind {
    /// Drops a table, a column or an enum value: rows or values are lost.
    DeletesData,
    /// Changes a column's type in a way that can truncate or fail (narrowing, reinterpreting).
    NarrowsType,
    /// Rewrites the whole table (SQLite rebuild, some type changes): slow on big tables.
    RewritesTable,
    /// Adds a constraint (NOT NULL, CHECK, UNIQUE, FK) existing rows may violate: can fail.
    MayFail,
}

impl HazardKind {
    pub fn is_destructive(&self) -> bool {
        matches!(self, HazardKind::DeletesData | HazardKind::NarrowsType)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Hazard {
    pub kind: HazardKind,
    pub message: String,
}

impl Hazard {
    fn new(kind: HazardKind, message: impl Into<String>) -> Hazard {
        Hazard {
            kind,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub phase: Phase,
    pub table: String,
    pub action: Action,
    pub hazards: Vec<Hazard>,
}

impl Step {
    /// One line for humans: what this step changes.
    pub fn describe(&self) -> String {
        match &self.action {
            Action::CreateEnum(e) => format!("create enum type `{}`", e.name),
            Action::AlterEnum { from, to } => format!(
                "enum type `{}`: values {:?} → {:?}",
                to.name, from.values, to.values
            ),
            Action::DropEnum(e) => format!("drop enum type `{}`", e.name),
            Action::CreateTable(t) => format!("create table `{}`", t.name),
            Action::DropTable(t) => format!("drop table `{}`", t.name),
            Action::Rebuild { to, .. } => format!("rebuild table `{}`", to.name),
            Action::Alter { table, change } => format!("table `{table}`: {}", describe(change)),
        }
    }

    pub fn is_destructive(&self) -> bool {
        self.hazards.iter().any(|h| h.kind.is_destructive())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub dialect: Dialect,
    pub steps: Vec<Step>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn destructive_steps(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.is_destructive())
    }
}

/// Order `changes` for `dialect`.
pub fn plan(dialect: Dialect, mut changes: Vec<Change>) -> Plan {
    if dialect == Dialect::Mysql {
        refresh_foreign_keys_of_retyped_columns(&mut changes);
        restate_collated_columns(&mut changes);
    }
    let mut steps: Vec<(Phase, usize, Step)> = Vec::new();
    let push = |steps: &mut Vec<(Phase, usize, Step)>, rank: usize, step: Step| {
        steps.push((step.phase, rank, step))
    };

    let created: BTreeMap<String, Table> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable(t) => Some((t.name.clone(), t.clone())),
            _ => None,
        })
        .collect();
    let dropped: BTreeMap<String, Table> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable(t) => Some((t.name.clone(), t.clone())),
            _ => None,
        })
        .collect();
    let create_order = fk_order(&created);
    let mut drop_order = fk_order(&dropped);
    drop_order.order.reverse();

    for change in changes {
        match change {
            Change::CreateEnum(e) => push(
                &mut steps,
                0,
                Step {
                    phase: Phase::CreateEnum,
                    table: e.name.clone(),
                    action: Action::CreateEnum(e),
                    hazards: vec![],
                },
            ),
            Change::AlterEnum { from, to } => {
                let removed: Vec<&String> = from
                    .values
                    .iter()
                    .filter(|v| !to.values.contains(v))
                    .collect();
                let hazards = if removed.is_empty() {
                    vec![]
                } else {
                    vec![Hazard::new(
                        HazardKind::DeletesData,
                        format!("removes value(s) {removed:?} from enum `{}`", from.name),
                    )]
                };
                push(
                    &mut steps,
                    0,
                    Step {
                        phase: Phase::CreateEnum,
                        table: to.name.clone(),
                        action: Action::AlterEnum { from, to },
                        hazards,
                    },
                )
            }
            Change::DropEnum(e) => push(
                &mut steps,
                0,
                Step {
                    phase: Phase::DropEnum,
                    table: e.name.clone(),
                    action: Action::DropEnum(e),
                    hazards: vec![],
                },
            ),
            Change::CreateTable(mut table) => {
                let rank = create_order.rank(&table.name);
                if dialect != Dialect::Sqlite {
                    // Keys to tables created later (or in the same cycle) are added afterwards.
                    let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut table.foreign_keys)
                        .into_iter()
                        .partition(|fk| {
                            fk.ref_table == table.name
                                || !created.contains_key(&fk.ref_table)
                                || create_order.rank(&fk.ref_table) < rank
                        });
                    table.foreign_keys = now;
                    for fk in later {
                        push(
                            &mut steps,
                            rank,
                            Step {
                                phase: Phase::AddForeignKey,
                                table: table.name.clone(),
                                action: Action::Alter {
                                    table: table.name.clone(),
                                    change: TableChange::AddForeignKey(fk),
                                },
                                hazards: vec![],
                            },
                        );
                    }
                }
                push(
                    &mut steps,
                    rank,
                    Step {
                        phase: Phase::CreateTable,
                        table: table.name.clone(),
                        action: Action::CreateTable(table),
                        hazards: vec![],
                    },
                )
            }
            Change::DropTable(mut table) => {
                let rank = drop_order.rank(&table.name);
                if dialect != Dialect::Sqlite {
                    // Keys between dropped tables of one cycle go first.
                    let cyclic: Vec<_> = table
                        .foreign_keys
                        .iter()
                        .filter(|fk| {
                            fk.ref_table != table.name
                                && dropped.contains_key(&fk.ref_table)
                                && drop_order.rank(&fk.ref_table) < rank
                        })
                        .cloned()
                        .collect();
                    for fk in cyclic {
                        push(
                            &mut steps,
                            rank,
                            Step {
                                phase: Phase::DropForeignKey,
                                table: table.name.clone(),
                                action: Action::Alter {
                                    table: table.name.clone(),
                                    change: TableChange::DropForeignKey(fk.clone()),
                                },
                                hazards: vec![],
                            },
                        );
                        table.foreign_keys.retain(|k| k != &fk);
                    }
                }
                let hazards = vec![Hazard::new(
                    HazardKind::DeletesData,
                    format!("drops table `{}` and all its rows", table.name),
                )];
                push(
                    &mut steps,
                    rank,
                    Step {
                        phase: Phase::DropTable,
                        table: table.name.clone(),
                        action: Action::DropTable(table),
                        hazards,
                    },
                )
            }
            Change::AlterTable(diff) => {
                let rank = create_order.rank(&diff.to.name);
                for step in alter_steps(dialect, diff) {
                    push(&mut steps, rank, step);
                }
            }
        }
    }
    steps.sort_by(|a, b| (a.0, a.1, &a.2.table).cmp(&(b.0, b.1, &b.2.table)));
    Plan {
        dialect,
        steps: steps.into_iter().map(|(_, _, s)| s).collect(),
    }
}

fn alter_steps(dialect: Dialect, diff: TableDiff) -> Vec<Step> {
    if dialect == Dialect::Sqlite && needs_rebuild(&diff) {
        let mut hazards = vec![Hazard::new(
            HazardKind::RewritesTable,
            format!("rebuilds table `{}` (copies every row)", diff.to.name),
        )];
        for change in &diff.changes {
            hazards.extend(change_hazards(&diff.to.name, change));
        }
        hazards
            .retain(|h| h.kind != HazardKind::RewritesTable || h.message.starts_with("rebuilds"));
        hazards.sort();
        hazards.dedup();
        return vec![Step {
            phase: Phase::AlterTable,
            table: diff.to.name.clone(),
            action: Action::Rebuild {
                from: diff.from,
                to: diff.to,
            },
            hazards,
        }];
    }
    let mut diff = diff;
    if dialect == Dialect::Postgres {
        diff.changes = split_primary_key_changes(diff.changes);
    }
    let table = diff.to.name.clone();
    // MySQL: an index a kept foreign key uses cannot go before its replacement exists.
    let replaced_with = |columns: Vec<&str>| -> Option<Phase> {
        if dialect != Dialect::Mysql {
            return None;
        }
        replacement_phase(&diff, &columns)
    };
    let phases: Vec<Option<Phase>> = diff
        .changes
        .iter()
        .map(|change| match change {
            TableChange::DropIndex(i) => replaced_with(
                i.parts
                    .iter()
                    .map_while(|p| match &p.key {
                        crate::model::IndexKey::Column(c) if p.prefix.is_none() => Some(c.as_str()),
                        _ => None,
                    })
                    .collect(),
            ),
            TableChange::DropUnique(u) => {
                replaced_with(u.columns.iter().map(String::as_str).collect())
            }
            _ => None,
        })
        .collect();
    diff.changes
        .into_iter()
        .zip(phases)
        .map(|(change, moved)| {
            let phase = moved.unwrap_or(match &change {
                TableChange::DropForeignKey(_) => Phase::DropForeignKey,
                TableChange::DropIndex(_) => Phase::DropIndex,
                TableChange::DropUnique(_) | TableChange::DropCheck(_) => Phase::DropConstraint,
                // PostgreSQL (split above): the old key goes before its columns do, the new
                // one comes after its columns exist.
                TableChange::SetPrimaryKey { to: None, .. } if dialect == Dialect::Postgres => {
                    Phase::DropConstraint
                }
                TableChange::SetPrimaryKey { from: None, .. } if dialect == Dialect::Postgres => {
                    Phase::AddConstraint
                }
                TableChange::SetPrimaryKey { .. } => Phase::AlterTable,
                TableChange::AddColumn(_)
                | TableChange::DropColumn(_)
                | TableChange::AlterColumn { .. }
                | TableChange::SetComment { .. }
                | TableChange::SetOptions { .. } => Phase::AlterTable,
                TableChange::AddUnique(_) | TableChange::AddCheck(_) => Phase::AddConstraint,
                TableChange::AddIndex(_) => Phase::CreateIndex,
                TableChange::AddForeignKey(_) => Phase::AddForeignKey,
            });
            Step {
                phase,
                table: table.clone(),
                hazards: change_hazards(&table, &change),
                action: Action::Alter {
                    table: table.clone(),
                    change,
                },
            }
        })
        .collect()
}

/// A changed primary key as two changes: drop the old one, add the new one. (MySQL keeps one
/// change: `DROP PRIMARY KEY, ADD PRIMARY KEY` in one statement keeps an AUTO_INCREMENT
/// column keyed throughout.)
fn split_primary_key_changes(changes: Vec<TableChange>) -> Vec<TableChange> {
    changes
        .into_iter()
        .flat_map(|change| match change {
            TableChange::SetPrimaryKey {
                from: Some(from),
                to: Some(to),
            } => vec![
                TableChange::SetPrimaryKey {
                    from: Some(from),
                    to: None,
                },
                TableChange::SetPrimaryKey {
                    from: None,
                    to: Some(to),
                },
            ],
            other => vec![other],
        })
        .collect()
}

/// MySQL refuses to drop the index a foreign key uses, and drops an index it created for a key
/// by itself when another one takes over. So an index (over `columns`, leading plain columns)
/// that a kept foreign key may be using is dropped in the phase that adds its replacement
/// (`AddConstraint` for a unique key, else `CreateIndex`); the renderer makes one ALTER TABLE
/// of both, and the server checks the key against the result. `None`: no key needs it.
fn replacement_phase(diff: &TableDiff, columns: &[&str]) -> Option<Phase> {
    let kept = diff
        .to
        .foreign_keys
        .iter()
        .filter(|fk| diff.from.foreign_keys.contains(fk));
    let leads = |cols: &[&str], fk: &[String]| {
        cols.len() >= fk.len() && cols.iter().zip(fk).all(|(a, b)| *a == b.as_str())
    };
    let needed: Vec<&Vec<String>> = kept
        .map(|fk| &fk.columns)
        .filter(|fk| leads(columns, fk))
        .collect();
    if needed.is_empty() {
        return None;
    }
    let by_unique = diff.changes.iter().any(|c| match c {
        TableChange::AddUnique(u) => {
            let cols: Vec<&str> = u.columns.iter().map(String::as_str).collect();
            needed.iter().any(|fk| leads(&cols, fk))
        }
        _ => false,
    });
    Some(if by_unique {
        Phase::AddConstraint
    } else {
        Phase::CreateIndex
    })
}

/// MySQL refuses to change the type of a column a foreign key uses, on either side: each key
/// of a changed table that uses a retyped column is dropped first and added again last.
fn refresh_foreign_keys_of_retyped_columns(changes: &mut [Change]) {
    let retyped: BTreeSet<(String, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::AlterTable(d) => Some(d),
            _ => None,
        })
        .flat_map(|d| {
            d.changes.iter().filter_map(|c| match c {
                TableChange::AlterColumn { from, to } if from.ty != to.ty => {
                    Some((d.to.name.clone(), to.name.clone()))
                }
                _ => None,
            })
        })
        .collect();
    if retyped.is_empty() {
        return;
    }
    for change in changes.iter_mut() {
        let Change::AlterTable(diff) = change else {
            continue;
        };
        let mut refreshed = Vec::new();
        for fk in &diff.to.foreign_keys {
            let Some(live) = diff.from.foreign_keys.iter().find(|k| *k == fk) else {
                continue; // dropped and added anyway
            };
            let uses = fk
                .columns
                .iter()
                .any(|c| retyped.contains(&(diff.to.name.clone(), c.clone())))
                || fk
                    .ref_columns
                    .iter()
                    .any(|c| retyped.contains(&(fk.ref_table.clone(), c.clone())));
            if uses {
                refreshed.push(TableChange::DropForeignKey(live.clone()));
                refreshed.push(TableChange::AddForeignKey(fk.clone()));
            }
        }
        diff.changes.extend(refreshed);
    }
}

/// MySQL: a table that changes character set or collation is converted, which re-collates every
/// column; a column that keeps a collation of its own is then stated again.
fn restate_collated_columns(changes: &mut [Change]) {
    for change in changes.iter_mut() {
        let Change::AlterTable(diff) = change else {
            continue;
        };
        let converts = diff.changes.iter().any(|c| match c {
            TableChange::SetOptions { from, to } => ["charset", "collation"]
                .iter()
                .any(|k| to.get(*k).is_some_and(|v| from.get(*k) != Some(v))),
            _ => false,
        });
        if !converts {
            continue;
        }
        let touched: BTreeSet<String> = diff
            .changes
            .iter()
            .filter_map(|c| match c {
                TableChange::AddColumn(c) | TableChange::AlterColumn { to: c, .. } => {
                    Some(c.name.clone())
                }
                _ => None,
            })
            .collect();
        let restated: Vec<TableChange> = diff
            .to
            .columns
            .iter()
            .filter(|c| c.collation.is_some() && !touched.contains(&c.name))
            .filter_map(|c| {
                Some(TableChange::AlterColumn {
                    from: diff.from.column(&c.name)?.clone(),
                    to: c.clone(),
                })
            })
            .collect();
        diff.changes.extend(restated);
    }
}

/// What SQLite's ALTER TABLE can do in place: add a plain nullable-or-defaulted column, drop a
/// column nothing else uses, and create or drop indexes. Everything else rebuilds.
fn needs_rebuild(diff: &TableDiff) -> bool {
    diff.changes.iter().any(|change| match change {
        TableChange::AddIndex(_) | TableChange::DropIndex(_) => false,
        TableChange::AddColumn(c) => !sqlite_can_add(&diff.to, c),
        TableChange::DropColumn(c) => !sqlite_can_drop(&kept_indexes(diff), &c.name),
        _ => true,
    })
}

/// `from` without the indexes this diff drops: those go (DROP INDEX) before the column does.
fn kept_indexes(diff: &TableDiff) -> Table {
    let mut from = diff.from.clone();
    from.indexes.retain(|i| diff.to.indexes.contains(i));
    from
}

fn sqlite_can_add(table: &Table, c: &Column) -> bool {
    let constant_default = c
        .default
        .as_deref()
        .is_none_or(|d| !d.starts_with('(') && !d.contains("CURRENT_") && !d.contains('('));
    let in_key = table
        .primary_key
        .iter()
        .any(|pk| pk.columns.contains(&c.name))
        || table.uniques.iter().any(|u| u.columns.contains(&c.name));
    let in_fk = table
        .foreign_keys
        .iter()
        .any(|fk| fk.columns.contains(&c.name));
    let in_check = table.checks.iter().any(|k| k.expr.contains(&c.name));
    c.identity.is_none()
        && !matches!(&c.generated, Some(g) if g.stored)
        && constant_default
        && (c.nullable || c.default.is_some())
        && !in_key
        && !in_fk
        && !in_check
}

fn sqlite_can_drop(table: &Table, name: &str) -> bool {
    let name = name.to_string();
    let mentions = |text: &str| text.contains(name.as_str());
    !(table
        .primary_key
        .iter()
        .any(|pk| pk.columns.contains(&name))
        || table.uniques.iter().any(|u| u.columns.contains(&name))
        || table
            .foreign_keys
            .iter()
            .any(|fk| fk.columns.contains(&name))
        || table.checks.iter().any(|c| mentions(&c.expr))
        || table
            .columns
            .iter()
            .any(|c| c.generated.as_ref().is_some_and(|g| mentions(&g.expr)))
        || table.indexes.iter().any(|i| {
            i.predicate.as_deref().is_some_and(mentions)
                || i.parts.iter().any(|p| match &p.key {
                    crate::model::IndexKey::Column(c) => *c == name,
                    crate::model::IndexKey::Expr(e) => mentions(e),
                })
        }))
}

fn describe(change: &TableChange) -> String {
    match change {
        TableChange::AddColumn(c) => format!("add column `{}` {}", c.name, c.ty),
        TableChange::DropColumn(c) => format!("drop column `{}`", c.name),
        TableChange::AlterColumn { from, to } => {
            let mut what = Vec::new();
            if from.ty != to.ty {
                what.push(format!("type {} → {}", from.ty, to.ty));
            }
            if from.nullable != to.nullable {
                what.push(if to.nullable {
                    "drop NOT NULL".into()
                } else {
                    "set NOT NULL".into()
                });
            }
            if from.default != to.default {
                what.push(format!(
                    "default {} → {}",
                    from.default.as_deref().unwrap_or("none"),
                    to.default.as_deref().unwrap_or("none")
                ));
            }
            if what.is_empty() {
                what.push("attributes".into());
            }
            format!("column `{}`: {}", to.name, what.join(", "))
        }
        TableChange::SetPrimaryKey { to, .. } => match to {
            Some(pk) => format!("primary key ({})", pk.columns.join(", ")),
            None => "drop primary key".into(),
        },
        TableChange::AddForeignKey(fk) => format!(
            "add foreign key ({}) → {}",
            fk.columns.join(", "),
            fk.ref_table
        ),
        TableChange::DropForeignKey(fk) => format!(
            "drop foreign key ({}) → {}",
            fk.columns.join(", "),
            fk.ref_table
        ),
        TableChange::AddUnique(u) => format!("add unique ({})", u.columns.join(", ")),
        TableChange::DropUnique(u) => format!("drop unique ({})", u.columns.join(", ")),
        TableChange::AddCheck(c) => format!("add check ({})", c.expr),
        TableChange::DropCheck(c) => format!("drop check ({})", c.expr),
        TableChange::AddIndex(i) => format!("add index {}", i.name.as_str()),
        TableChange::DropIndex(i) => format!("drop index {}", i.name.as_str()),
        TableChange::SetComment { .. } => "comment".into(),
        TableChange::SetOptions { .. } => "table options".into(),
    }
}

fn change_hazards(table: &str, change: &TableChange) -> Vec<Hazard> {
    match change {
        TableChange::DropColumn(c) => vec![Hazard::new(
            HazardKind::DeletesData,
            format!("drops column `{table}`.`{}` and its values", c.name),
        )],
        TableChange::AlterColumn { from, to } => {
            let mut out = Vec::new();
            if from.ty != to.ty && !is_widening(&from.ty, &to.ty) {
                out.push(Hazard::new(
                    HazardKind::NarrowsType,
                    format!(
                        "changes `{table}`.`{}` from {} to {}: values may be truncated or fail to convert",
                        from.name, from.ty, to.ty
                    ),
                ));
            }
            if from.nullable && !to.nullable {
                out.push(Hazard::new(
                    HazardKind::MayFail,
                    format!(
                        "makes `{table}`.`{}` NOT NULL: fails if a row holds NULL",
                        from.name
                    ),
                ));
            }
            if from.generated.is_some() != to.generated.is_some() {
                out.push(Hazard::new(
                    HazardKind::DeletesData,
                    format!(
                        "recomputes `{table}`.`{}`: stored values are replaced",
                        from.name
                    ),
                ));
            }
            out
        }
        TableChange::AddColumn(c)
            if !c.nullable
                && c.default.is_none()
                && c.identity.is_none()
                && c.generated.is_none() =>
        {
            vec![Hazard::new(
                HazardKind::MayFail,
                format!("adds NOT NULL column `{table}`.`{}` without a default: fails if the table has rows", c.name),
            )]
        }
        TableChange::AddUnique(_) | TableChange::AddCheck(_) | TableChange::AddForeignKey(_) => {
            vec![Hazard::new(
                HazardKind::MayFail,
                format!("adds a constraint to `{table}`: fails if existing rows violate it"),
            )]
        }
        TableChange::SetPrimaryKey { to: Some(_), .. } => vec![Hazard::new(
            HazardKind::MayFail,
            format!("changes the primary key of `{table}`: fails on duplicate or NULL keys"),
        )],
        _ => vec![],
    }
}

/// Type changes that cannot lose a value.
fn is_widening(from: &str, to: &str) -> bool {
    let ints = [
        "tinyint",
        "smallint",
        "mediumint",
        "integer",
        "int",
        "bigint",
    ];
    let rank = |t: &str| ints.iter().position(|i| t.eq_ignore_ascii_case(i));
    if let (Some(a), Some(b)) = (rank(from), rank(to)) {
        return a <= b;
    }
    let len = |t: &str, base: &str| -> Option<Option<u64>> {
        let t = t.to_ascii_lowercase();
        let rest = t.strip_prefix(base)?;
        if rest.is_empty() {
            return Some(None);
        }
        rest.strip_prefix('(')?
            .strip_suffix(')')?
            .parse()
            .ok()
            .map(Some)
    };
    if let (Some((p1, s1)), Some((p2, s2))) = (decimal(from), decimal(to)) {
        // Room for as many integer digits and as many fractional digits as before.
        return s2 >= s1 && p2 - s2 >= p1 - s1;
    }
    for base in ["character varying", "varchar", "varbinary"] {
        if let (Some(a), Some(b)) = (len(from, base), len(to, base)) {
            return match (a, b) {
                (_, None) => true,
                (Some(a), Some(b)) => a <= b,
                (None, Some(_)) => false,
            };
        }
    }
    let text_like = |t: &str| {
        let t = t.to_ascii_lowercase();
        t.starts_with("character varying") || t.starts_with("varchar") || t.starts_with("char")
    };
    (text_like(from) && (to.eq_ignore_ascii_case("text") || to.eq_ignore_ascii_case("longtext")))
        || from.eq_ignore_ascii_case(to)
}

/// `numeric(p,s)` / `decimal(p,s)` (any case; `(p)` means scale 0) → `(p, s)`.
fn decimal(ty: &str) -> Option<(u64, u64)> {
    let t = ty.to_ascii_lowercase();
    let args = ["numeric", "decimal"]
        .iter()
        .find_map(|base| t.strip_prefix(base))?
        .trim()
        .strip_prefix('(')?
        .strip_suffix(')')?
        .to_string();
    let mut parts = args.split(',').map(|a| a.trim().parse::<u64>().ok());
    let precision = parts.next()??;
    let scale = parts.next().unwrap_or(Some(0))?;
    (parts.next().is_none() && scale <= precision).then_some((precision, scale))
}

/// A foreign-key order over a set of tables: strongly connected components (cycles) found
/// with petgraph, then Kahn's algorithm over the components, ties broken by name.
struct FkOrder {
    order: Vec<String>,
}

impl FkOrder {
    fn rank(&self, table: &str) -> usize {
        self.order
            .iter()
            .position(|t| t == table)
            .unwrap_or(self.order.len())
    }
}

fn fk_order(tables: &BTreeMap<String, Table>) -> FkOrder {
    let mut graph: DiGraphMap<&str, ()> = DiGraphMap::new();
    for name in tables.keys() {
        graph.add_node(name);
    }
    for (name, table) in tables {
        for target in table.referenced_tables() {
            if tables.contains_key(target) {
                // parent → child: parents come first.
                graph.add_edge(target, name.as_str(), ());
            }
        }
    }
    let components = tarjan_scc(&graph);
    let component_of: BTreeMap<&str, usize> = components
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.iter().map(move |n| (*n, i)))
        .collect();
    let mut indegree = vec![0usize; components.len()];
    let mut edges: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (a, b, _) in graph.all_edges() {
        let (ca, cb) = (component_of[a], component_of[b]);
        if ca != cb && edges.insert((ca, cb)) {
            indegree[cb] += 1;
        }
    }
    let key = |c: usize| -> String {
        components[c]
            .iter()
            .min()
            .map(|s| s.to_string())
            .unwrap_or_default()
    };
    let mut ready: BTreeSet<(String, usize)> = (0..components.len())
        .filter(|c| indegree[*c] == 0)
        .map(|c| (key(c), c))
        .collect();
    let mut order = Vec::new();
    while let Some((k, c)) = ready.iter().next().cloned() {
        ready.remove(&(k, c));
        let mut members: Vec<&str> = components[c].clone();
        members.sort();
        order.extend(members.into_iter().map(String::from));
        for &(_, to) in edges.range((c, 0)..(c + 1, 0)) {
            indegree[to] -= 1;
            if indegree[to] == 0 {
                ready.insert((key(to), to));
            }
        }
    }
    FkOrder { order }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff;
    use crate::model::Schema;

    fn schema(d: Dialect, sql: &str) -> Schema {
        let mut parsed = crate::sql::parse_file(d, "t.sql", sql).unwrap();
        crate::sql::finish(d, &mut parsed.schema);
        parsed.schema
    }

    fn tables_in_order(plan: &Plan) -> Vec<String> {
        plan.steps
            .iter()
            .map(|s| format!("{:?}:{}", s.phase, s.table))
            .collect()
    }

    #[test]
    fn parents_are_created_first_and_dropped_last() {
        let d = Dialect::Postgres;
        let sql = "CREATE TABLE c (id int PRIMARY KEY, b int REFERENCES b(id));
                   CREATE TABLE b (id int PRIMARY KEY, a int REFERENCES a(id));
                   CREATE TABLE a (id int PRIMARY KEY);";
        let full = schema(d, sql);
        let up = plan(d, diff(&Schema::default(), &full));
        assert_eq!(
            tables_in_order(&up),
            ["CreateTable:a", "CreateTable:b", "CreateTable:c"]
        );
        let down = plan(d, diff(&full, &Schema::default()));
        assert_eq!(
            tables_in_order(&down),
            ["DropTable:c", "DropTable:b", "DropTable:a"]
        );
    }

    #[test]
    fn cycles_defer_keys_except_on_sqlite() {
        let sql = "CREATE TABLE a (id int PRIMARY KEY, b int REFERENCES b(id));
                   CREATE TABLE b (id int PRIMARY KEY, a int REFERENCES a(id));";
        let d = Dialect::Postgres;
        let up = plan(d, diff(&Schema::default(), &schema(d, sql)));
        assert_eq!(
            tables_in_order(&up),
            ["CreateTable:a", "CreateTable:b", "AddForeignKey:a"]
        );
        let d = Dialect::Sqlite;
        let up = plan(d, diff(&Schema::default(), &schema(d, sql)));
        assert_eq!(tables_in_order(&up), ["CreateTable:a", "CreateTable:b"]);
    }

    #[test]
    fn widening_is_not_destructive() {
        assert!(is_widening(
            "character varying(10)",
            "character varying(20)"
        ));
        assert!(is_widening("integer", "bigint"));
        assert!(!is_widening("bigint", "integer"));
        assert!(!is_widening(
            "character varying(20)",
            "character varying(10)"
        ));
        assert!(is_widening("character varying(20)", "text"));
        assert!(is_widening("numeric(10,2)", "numeric(14,2)"));
        assert!(is_widening("decimal(10,2)", "decimal(12,4)"));
        assert!(!is_widening("NUMERIC(10,2)", "NUMERIC(10,4)"));
        assert!(!is_widening("numeric(10,2)", "numeric(12,0)"));
    }
}
