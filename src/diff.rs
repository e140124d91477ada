//! The differ: two canonical schemas in, the changes that turn `from` into `to` out.
//!
//! Engine-neutral and exhaustive: tables, columns and constraint kinds are destructured, so a
//! field added to the IR is a compile error here until it is diffed. Changes carry both sides
//! so the planner and renderers need nothing else.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Check, Column, EnumType, ForeignKey, Index, PrimaryKey, Schema, Table, Unique};

// Changes are few and short-lived; boxing the big variants would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    CreateEnum(EnumType),
    AlterEnum { from: EnumType, to: EnumType },
    DropEnum(EnumType),
    CreateTable(Table),
    DropTable(Table),
    AlterTable(TableDiff),
}

/// Everything that differs in one table; `from` and `to` are the whole tables (SQLite rebuilds
/// need both).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableDiff {
    pub from: Table,
    pub to: Table,
    pub changes: Vec<TableChange>,
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TableChange {
    AddColumn(Column),
    DropColumn(Column),
    AlterColumn {
        from: Column,
        to: Column,
    },
    SetPrimaryKey {
        from: Option<PrimaryKey>,
        to: Option<PrimaryKey>,
    },
    AddForeignKey(ForeignKey),
    DropForeignKey(ForeignKey),
    AddUnique(Unique),
    DropUnique(Unique),
    AddCheck(Check),
    DropCheck(Check),
    AddIndex(Index),
    DropIndex(Index),
    SetComment {
        from: Option<String>,
        to: Option<String>,
    },
    SetOptions {
        from: BTreeMap<String, String>,
        to: BTreeMap<String, String>,
    },
}

/// The changes that turn `from` (live) into `to` (desired). Deterministic: tables and enums in
/// name order, changes within a table in a fixed order.
pub fn diff(from: &Schema, to: &Schema) -> Vec<Change> {
    let Schema {
        tables: to_tables,
        enums: to_enums,
    } = to;
    let mut changes = Vec::new();
    for (name, e) in to_enums {
        match from.enums.get(name) {
            None => changes.push(Change::CreateEnum(e.clone())),
            Some(old) if old != e => changes.push(Change::AlterEnum {
                from: old.clone(),
                to: e.clone(),
            }),
            Some(_) => {}
        }
    }
    for (name, table) in to_tables {
        match from.tables.get(name) {
            None => changes.push(Change::CreateTable(table.clone())),
            Some(old) => {
                let table_changes = diff_table(old, table);
                if !table_changes.is_empty() {
                    changes.push(Change::AlterTable(TableDiff {
                        from: old.clone(),
                        to: table.clone(),
                        changes: table_changes,
                    }));
                }
            }
        }
    }
    for (name, table) in &from.tables {
        if !to_tables.contains_key(name) {
            changes.push(Change::DropTable(table.clone()));
        }
    }
    for (name, e) in &from.enums {
        if !to_enums.contains_key(name) {
            changes.push(Change::DropEnum(e.clone()));
        }
    }
    changes
}

pub fn diff_table(from: &Table, to: &Table) -> Vec<TableChange> {
    // Destructure: a new field in Table must be handled here before this compiles.
    let Table {
        name: _,
        columns,
        primary_key,
        foreign_keys,
        uniques,
        checks,
        indexes,
        comment,
        options,
    } = to;
    let mut out = Vec::new();
    for col in columns {
        match from.column(&col.name) {
            None => out.push(TableChange::AddColumn(col.clone())),
            Some(old) if old != col => out.push(TableChange::AlterColumn {
                from: old.clone(),
                to: col.clone(),
            }),
            Some(_) => {}
        }
    }
    for col in &from.columns {
        if to.column(&col.name).is_none() {
            out.push(TableChange::DropColumn(col.clone()));
        }
    }
    if from.primary_key != *primary_key {
        out.push(TableChange::SetPrimaryKey {
            from: from.primary_key.clone(),
            to: primary_key.clone(),
        });
    }
    set_diff(
        &from.foreign_keys,
        foreign_keys,
        &mut out,
        TableChange::DropForeignKey,
        TableChange::AddForeignKey,
    );
    set_diff(
        &from.uniques,
        uniques,
        &mut out,
        TableChange::DropUnique,
        TableChange::AddUnique,
    );
    set_diff(
        &from.checks,
        checks,
        &mut out,
        TableChange::DropCheck,
        TableChange::AddCheck,
    );
    set_diff(
        &from.indexes,
        indexes,
        &mut out,
        TableChange::DropIndex,
        TableChange::AddIndex,
    );
    if from.comment != *comment {
        out.push(TableChange::SetComment {
            from: from.comment.clone(),
            to: comment.clone(),
        });
    }
    if !same_options(&from.options, options) {
        out.push(TableChange::SetOptions {
            from: from.options.clone(),
            to: options.clone(),
        });
    }
    out
}

/// Table options a definition may leave to the engine: a MySQL table that names no character set
/// or collation takes the database's. They are compared only when the desired table names them.
pub const INHERITED_OPTIONS: [&str; 2] = ["charset", "collation"];

/// Whether the live `from` options already are the desired `to` ones (see [`INHERITED_OPTIONS`]).
pub fn same_options(from: &BTreeMap<String, String>, to: &BTreeMap<String, String>) -> bool {
    let compared = |options: &BTreeMap<String, String>| -> BTreeMap<String, String> {
        options
            .iter()
            .filter(|(k, _)| !INHERITED_OPTIONS.contains(&k.as_str()) || to.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    compared(from) == compared(to)
}

/// Constraints are compared as whole values (a generated name matches any generated name):
/// what is only in `from` is dropped, what is only in `to` is added. A changed constraint is
/// therefore a drop and an add, which is also how every engine has to do it. Equal values are
/// counted: two equal unnamed checks are two constraints.
fn set_diff<T: PartialEq + Clone>(
    from: &[T],
    to: &[T],
    out: &mut Vec<TableChange>,
    drop: impl Fn(T) -> TableChange,
    add: impl Fn(T) -> TableChange,
) {
    // Pair each `from` item with an equal, not yet paired `to` item.
    let mut paired = vec![false; to.len()];
    for item in from {
        match (0..to.len()).find(|&k| !paired[k] && to[k] == *item) {
            Some(k) => paired[k] = true,
            None => out.push(drop(item.clone())),
        }
    }
    for (item, paired) in to.iter().zip(paired) {
        if !paired {
            out.push(add(item.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dialect;

    fn schema(sql: &str) -> Schema {
        let mut parsed = crate::sql::parse_file(Dialect::Postgres, "t.sql", sql).unwrap();
        crate::normalize::finish(Dialect::Postgres, &mut parsed.schema);
        parsed.schema
    }

    #[test]
    fn a_schema_equals_itself() {
        let s = schema("CREATE TABLE a (id int PRIMARY KEY, b text UNIQUE CHECK (b <> ''));");
        assert!(diff(&s, &s).is_empty());
    }

    #[test]
    fn column_order_is_not_a_difference() {
        let a = schema("CREATE TABLE a (x int, y int);");
        let b = schema("CREATE TABLE a (y int, x int);");
        assert!(diff(&a, &b).is_empty());
    }

    #[test]
    fn generated_names_match_unnamed_constraints() {
        let a = schema("CREATE TABLE a (id int, CONSTRAINT a_pkey PRIMARY KEY (id));");
        let b = schema("CREATE TABLE a (id int PRIMARY KEY);");
        assert!(diff(&a, &b).is_empty());
    }

    #[test]
    fn equal_unnamed_checks_are_counted() {
        let a = schema("CREATE TABLE a (n int, CHECK (n > 0));");
        let b = schema("CREATE TABLE a (n int, CHECK (n > 0), CHECK (n > 0));");
        let changes = diff(&a, &b);
        let [Change::AlterTable(t)] = changes.as_slice() else {
            panic!("{changes:?}")
        };
        assert!(matches!(t.changes.as_slice(), [TableChange::AddCheck(_)]));
        assert!(diff(&b, &b).is_empty());
    }

    #[test]
    fn changes_name_both_sides() {
        let a = schema("CREATE TABLE a (id int PRIMARY KEY, n varchar(10));");
        let b = schema("CREATE TABLE a (id int PRIMARY KEY, n varchar(20) NOT NULL);");
        let changes = diff(&a, &b);
        let [Change::AlterTable(t)] = changes.as_slice() else {
            panic!("{changes:?}")
        };
        let [TableChange::AlterColumn { from, to }] = t.changes.as_slice() else {
            panic!("{:?}", t.changes)
        };
        assert_eq!(from.ty, "character varying(10)");
        assert_eq!(to.ty, "character varying(20)");
        assert!(!to.nullable);
    }
}
