//! SQLite normalization applied to both sides by `finish`: what the engine implies or folds
//! away by itself, so a declared schema and an inspected one meet.
//!
//! Every step is idempotent (the live side goes through it too):
//! - column references (primary key, unique, foreign key, index columns) take the column's
//!   declared spelling, and a foreign key's target table and columns the target's spelling
//!   (SQLite compares names case-insensitively; the pragmas report the declared spelling);
//! - the primary key columns of a `WITHOUT ROWID` table are NOT NULL (SQLite enforces it and
//!   reports it; on a rowid table a key column stays nullable unless declared otherwise);
//! - a UNIQUE constraint over exactly the primary key's columns means nothing more than the
//!   key: SQLite folds it into the key's index (or, for a rowid alias, keeps a twin index).

use std::collections::BTreeMap;

use crate::model::{Schema, Table};
use crate::normalize::{respell_own_columns, spell};

struct Target {
    name: String,
    columns: Vec<String>,
    primary_key: Option<Vec<String>>,
}

pub(crate) fn finish(schema: &mut Schema) {
    let targets: BTreeMap<String, Target> = schema
        .tables
        .iter()
        .map(|(name, t)| {
            let target = Target {
                name: name.clone(),
                columns: t.columns.iter().map(|c| c.name.clone()).collect(),
                primary_key: t.primary_key.as_ref().map(|pk| pk.columns.clone()),
            };
            (name.to_ascii_lowercase(), target)
        })
        .collect();
    for table in schema.tables.values_mut() {
        respell_references(table, &targets);
        let without_rowid = table
            .options
            .get("without_rowid")
            .is_some_and(|v| v == "true");
        if let Some(pk) = &table.primary_key {
            if without_rowid {
                for column in table
                    .columns
                    .iter_mut()
                    .filter(|c| pk.columns.contains(&c.name))
                {
                    column.nullable = false;
                }
            }
            table.uniques.retain(|u| u.columns != pk.columns);
        }
        table.normalize_order();
    }
}

fn respell_references(table: &mut Table, targets: &BTreeMap<String, Target>) {
    respell_own_columns(table);
    for fk in &mut table.foreign_keys {
        let Some(target) = targets.get(&fk.ref_table.to_ascii_lowercase()) else {
            continue;
        };
        fk.ref_table.clone_from(&target.name);
        if fk.ref_columns.is_empty() {
            if let Some(pk) = &target.primary_key {
                fk.ref_columns.clone_from(pk);
            }
        }
        fk.ref_columns
            .iter_mut()
            .for_each(|c| spell(&target.columns, c));
    }
}
