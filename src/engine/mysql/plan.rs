//! What MySQL/MariaDB cannot do the standard way: their foreign keys hold on to indexes and
//! column types, and a character set conversion re-collates every column. The planner asks
//! these rules before it orders the steps.

use std::collections::BTreeSet;

use crate::diff::{diff_column, Change, TableChange, TableDiff};
use crate::model::{Column, Dialect};
use crate::plan::Phase;

/// MySQL refuses to drop the index a foreign key uses, and drops an index it created for a key
/// by itself when another one takes over. So an index (over `columns`, leading plain columns)
/// that a kept foreign key may be using is dropped in the phase that adds its replacement
/// (`AddConstraint` for a unique key, else `CreateIndex`); the renderer makes one ALTER TABLE
/// of both, and the server checks the key against the result. `None`: no key needs it.
pub(crate) fn replacement_phase(diff: &TableDiff, columns: &[&str]) -> Option<Phase> {
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
pub(crate) fn refresh_foreign_keys_of_retyped_columns(changes: &mut [Change]) {
    let retyped: BTreeSet<(String, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::AlterTable(d) => Some(d),
            _ => None,
        })
        .flat_map(|d| {
            d.changes.iter().filter_map(|c| match c {
                TableChange::AlterColumn { to, changes, .. } if changes.ty.is_some() => {
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
pub(crate) fn restate_collated_columns(changes: &mut [Change]) {
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
                // The live column as the conversion leaves it: with the table's collation.
                let converted = Column {
                    collation: None,
                    ..diff.from.column(&c.name)?.clone()
                };
                Some(TableChange::AlterColumn {
                    changes: diff_column(Dialect::Mysql, &converted, c),
                    from: converted,
                    to: c.clone(),
                })
            })
            .collect();
        diff.changes.extend(restated);
    }
}
