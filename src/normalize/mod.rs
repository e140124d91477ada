//! Normalization: both sides of a diff (the lowered desired SQL and the inspected catalog) are
//! made canonical here, so the differ compares values. The engine-neutral parts live in this
//! module (type spellings, expression text, generated names); each engine's own rules live in
//! `engine::<engine>::normalize`, applied through [`finish`].

pub mod expr;
pub mod names;
pub mod types;

/// The declared spelling of `name` among `columns`, for engines that compare column names
/// without regard to case (MySQL, SQLite): a reference written `ID` to a column `id` is `id`.
pub(crate) fn spell(columns: &[String], name: &mut String) {
    if let Some(declared) = columns.iter().find(|c| c.eq_ignore_ascii_case(name)) {
        name.clone_from(declared);
    }
}

/// Spell every reference a table makes to its own columns (primary key, unique keys, index
/// columns, foreign key columns) as the column is declared (see [`spell`]); the declared
/// names are returned for the references to other tables, which each engine resolves.
pub(crate) fn respell_own_columns(table: &mut Table) -> Vec<String> {
    let own: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
    if let Some(pk) = &mut table.primary_key {
        pk.columns.iter_mut().for_each(|c| spell(&own, c));
    }
    for unique in &mut table.uniques {
        unique.columns.iter_mut().for_each(|c| spell(&own, c));
    }
    for index in &mut table.indexes {
        for part in &mut index.parts {
            if let IndexKey::Column(c) = &mut part.key {
                spell(&own, c);
            }
        }
    }
    for fk in &mut table.foreign_keys {
        fk.columns.iter_mut().for_each(|c| spell(&own, c));
    }
    own
}

use std::collections::BTreeMap;

use crate::model::{Dialect, IndexKey, Schema, Table};

/// Complete a merged desired schema (or a live one) for `dialect`: resolve foreign keys that
/// name no columns, apply the engine's implicit rules, and sort constraint lists.
pub fn finish(dialect: Dialect, schema: &mut Schema) {
    let pks: BTreeMap<String, Vec<String>> = schema
        .tables
        .iter()
        .filter_map(|(n, t)| Some((n.clone(), t.primary_key.as_ref()?.columns.clone())))
        .collect();
    for table in schema.tables.values_mut() {
        for fk in &mut table.foreign_keys {
            if fk.ref_columns.is_empty() {
                if let Some(pk) = pks.get(&fk.ref_table) {
                    fk.ref_columns = pk.clone();
                }
            }
        }
        if dialect != Dialect::Sqlite {
            // Primary key columns are NOT NULL on PostgreSQL and MySQL, said or not.
            if let Some(pk) = &table.primary_key {
                for c in &pk.columns {
                    if let Some(col) = table.columns.iter_mut().find(|x| &x.name == c) {
                        col.nullable = false;
                    }
                }
            }
        }
        table.normalize_order();
        // The inspectors push columns row by row: give back the slack (a schema holds many
        // tables, and a column is a few hundred bytes).
        table.columns.shrink_to_fit();
    }
    match dialect {
        Dialect::Postgres => crate::engine::postgres::normalize::finish(schema),
        Dialect::Mysql => crate::engine::mysql::normalize::finish(schema),
        Dialect::Sqlite => crate::engine::sqlite::normalize::finish(schema),
    }
}
