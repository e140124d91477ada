//! Normalization: both sides of a diff (the lowered desired SQL and the inspected catalog) are
//! made canonical here, so the differ compares values. The engine-neutral parts live in this
//! module (type spellings, expression text, generated names); each engine's own rules live in
//! `engine::<engine>::normalize`, applied through [`finish`].

pub mod expr;
pub mod names;
pub mod types;

use std::collections::BTreeMap;

use crate::model::{Dialect, Schema};

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
    }
    match dialect {
        Dialect::Postgres => crate::engine::postgres::normalize::finish(schema),
        Dialect::Mysql => crate::engine::mysql::normalize::finish(schema),
        Dialect::Sqlite => crate::engine::sqlite::normalize::finish(schema),
    }
}
