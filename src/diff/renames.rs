//! The renames the schema files ask for (`model::Rename`), made on the live side before the
//! diff: a table, a column, a PostgreSQL enum type or value the database holds under its old name
//! (and not under the new one) is renamed in the live schema, so that the diff sees it kept,
//! and one `Change::Rename` says so. Once done a rename is a no-op; with both names there, or
//! (a column, a value) neither, it is an error before any DDL.

use crate::error::{Error, Result};
use crate::model::{Dialect, IndexKey, Name, Rename, RenameOf, Schema};

use super::{Change, Renamed, Renaming, TableChange, TableDiff};

/// PostgreSQL keeps the names it generated for a table's keys, checks and indexes
/// (`old_pkey`, `t_old_key`) when the table or the column is renamed, MySQL those of the keys
/// and indexes a column leads (`old`); plinth renames them as it would generate them for the
/// new name (`new_pkey`, `t_new_key`, `new`), so that the table reads as if made so. Those of
/// the live table `table` that start with `old` (the old table name, or the table's and the old
/// column's, and `_`; MySQL: the old column's) are renamed there to start with `new`, and
/// returned as the change that does it. For a column (`column`: its new name), only the keys
/// and indexes it leads and the checks on it, whose names spell it.
fn generated_names(
    live: &mut Schema,
    table: &str,
    old: &str,
    new: &str,
    column: Option<&str>,
) -> Option<Change> {
    let table = live.tables.get_mut(table)?;
    let leads = |columns: &[String]| column.is_none_or(|c| columns.first().is_some_and(|f| f == c));
    let before = table.clone();
    let mut changes = Vec::new();
    let mut rename = |name: &mut Name, object: Renamed| {
        let Name::Generated(text) = name else {
            return;
        };
        // The whole name, or a part of it up to a `_`.
        let Some(rest) = (text.strip_prefix(old))
            .filter(|r| old.ends_with('_') || r.is_empty() || r.starts_with('_'))
        else {
            return;
        };
        let renamed = format!("{new}{rest}");
        if renamed.len() <= 63 {
            changes.push(TableChange::Rename {
                object,
                from: text.clone(),
                to: renamed.clone(),
            });
            *name = Name::Generated(renamed);
        }
    };
    if let Some(pk) = table.primary_key.as_mut().filter(|_| column.is_none()) {
        rename(&mut pk.name, Renamed::PrimaryKey);
    }
    for u in table.uniques.iter_mut().filter(|u| leads(&u.columns)) {
        rename(&mut u.name, Renamed::Unique);
    }
    for fk in table
        .foreign_keys
        .iter_mut()
        .filter(|fk| leads(&fk.columns))
    {
        rename(&mut fk.name, Renamed::ForeignKey);
    }
    // A check's expression still spells the old column (the server rewrites it): any check
    // whose generated name starts with the table's and the old column's is on it.
    for c in &mut table.checks {
        rename(&mut c.name, Renamed::Check);
    }
    for i in &mut table.indexes {
        let first = crate::model::IndexPart::leading_column(&i.parts);
        if column.is_some_and(|c| first != Some(c)) {
            continue;
        }
        let object = match i.exclude {
            Some(_) => Renamed::Exclusion,
            None => Renamed::Index,
        };
        rename(&mut i.name, object);
    }
    (!changes.is_empty()).then(|| {
        Change::AlterTable(TableDiff {
            from: before,
            to: table.clone(),
            changes,
        })
    })
}

/// The renames of `renames` that `desired` asks of `live`, made there, as changes in order:
/// enum types first, then tables, columns, enum values.
pub fn apply(
    dialect: Dialect,
    renames: &[Rename],
    live: &mut Schema,
    desired: &Schema,
) -> Result<Vec<Change>> {
    let mut out = Vec::new();
    let types = renames.iter().filter(|r| r.of == RenameOf::Type);
    for r in types.filter(|r| desired.enums.contains_key(&r.to)) {
        match (
            live.enums.contains_key(&r.from),
            live.enums.contains_key(&r.to),
        ) {
            (true, false) => {
                rename_type(live, &r.from, &r.to);
                out.push(Change::Rename(Renaming::Type {
                    from: r.from.clone(),
                    to: r.to.clone(),
                }));
            }
            (true, true) => {
                return Err(both(
                    r,
                    &format!("enum type `{}`", r.from),
                    "drop one of the two first, or remove the note",
                ))
            }
            (false, _) => {}
        }
    }
    let tables = renames.iter().filter(|r| r.of == RenameOf::Table);
    for r in tables.filter(|r| desired.tables.contains_key(&r.to)) {
        let key = |name: &str| {
            (live.tables.keys())
                .find(|k| dialect.same_table(k, name))
                .cloned()
        };
        match (key(&r.from), key(&r.to)) {
            (Some(old), None) => {
                rename_table(live, &old, &r.to);
                out.push(Change::Rename(Renaming::Table {
                    from: old.clone(),
                    to: r.to.clone(),
                }));
                if dialect == Dialect::Postgres {
                    let (old, new) = (
                        crate::model::unqualified(&old),
                        crate::model::unqualified(&r.to),
                    );
                    out.extend(generated_names(
                        live,
                        &r.to,
                        &format!("{old}_"),
                        &format!("{new}_"),
                        None,
                    ));
                }
            }
            (Some(old), Some(_)) => {
                return Err(both(
                    r,
                    &format!("table `{old}`"),
                    "drop one of the two first, or remove the note",
                ))
            }
            // Done, or a new table.
            (None, _) => {}
        }
    }
    for r in renames {
        let RenameOf::Column(table) = &r.of else {
            continue;
        };
        if !desired.tables.contains_key(table) {
            continue;
        }
        let Some(t) = live.tables.get_mut(table) else {
            continue; // a new table
        };
        let find = |name: &str| {
            t.columns
                .iter()
                .find(|c| dialect.same_column(&c.name, name))
        };
        match (find(&r.from).map(|c| c.name.clone()), find(&r.to).is_some()) {
            (Some(old), false) => {
                rename_column(dialect, live, table, &old, &r.to);
                out.push(Change::Rename(Renaming::Column {
                    table: table.clone(),
                    from: old.clone(),
                    to: r.to.clone(),
                }));
                // PostgreSQL's names spell the table and the column (`t_col_key`), MySQL's
                // keys and indexes the column alone (`col`, `col_2`).
                let t = crate::model::unqualified(table);
                let (from, to) = match dialect {
                    Dialect::Postgres => (format!("{t}_{old}_"), format!("{t}_{}_", r.to)),
                    _ => (old.clone(), r.to.clone()),
                };
                if dialect != Dialect::Sqlite {
                    out.extend(generated_names(live, table, &from, &to, Some(&r.to)));
                }
            }
            (Some(old), true) => {
                return Err(both(
                    r,
                    &format!("column `{old}` of `{table}`"),
                    "drop the old column first (or remove the note)",
                ))
            }
            (None, false) => return Err(neither(r, &format!("table `{table}`"))),
            (None, true) => {}
        }
    }
    for r in renames {
        let RenameOf::EnumValue(type_name) = &r.of else {
            continue;
        };
        let Some(e) = live.enums.get_mut(type_name) else {
            continue; // a new type
        };
        if !desired.enums.contains_key(type_name) {
            continue;
        }
        let has = |v: &str| e.values.iter().any(|x| x == v);
        match (has(&r.from), has(&r.to)) {
            (true, false) => {
                for v in e.values.iter_mut().filter(|v| **v == r.from) {
                    v.clone_from(&r.to);
                }
                out.push(Change::Rename(Renaming::EnumValue {
                    type_name: type_name.clone(),
                    from: r.from.clone(),
                    to: r.to.clone(),
                }));
            }
            (true, true) => {
                return Err(both(
                    r,
                    &format!("value '{}' of enum type `{type_name}`", r.from),
                    "remove the note",
                ))
            }
            (false, false) => return Err(neither(r, &format!("enum type `{type_name}`"))),
            (false, true) => {}
        }
    }
    Ok(out)
}

fn both(r: &Rename, old: &str, help: &str) -> Error {
    Error::at_help(
        r.at.clone(),
        format!(
            "cannot rename {old} to `{}`: the database has both",
            crate::model::shown(&r.to)
        ),
        help,
    )
}

fn neither(r: &Rename, whose: &str) -> Error {
    Error::at_help(
        r.at.clone(),
        format!(
            "`{}` is renamed from `{}`, but {whose} in the database has neither",
            crate::model::shown(&r.to),
            crate::model::shown(&r.from)
        ),
        "fix the old name in the note, or remove the note to add it as new",
    )
}

/// The live enum type `from` as `to`, and the columns of that type (an array of it too) as
/// the catalog will spell them.
fn rename_type(live: &mut Schema, from: &str, to: &str) {
    if let Some(mut e) = live.enums.remove(from) {
        e.name = to.to_string();
        live.enums.insert(to.to_string(), e);
    }
    let spelling = |key: &str| {
        let (schema, name) = crate::model::split_qualified(key);
        let name = crate::quote::ident_bare_if_plain(Dialect::Postgres, name);
        match schema {
            Some(s) => format!(
                "{}.{name}",
                crate::quote::ident_bare_if_plain(Dialect::Postgres, s)
            ),
            None => name,
        }
    };
    for t in live.tables.values_mut() {
        for c in &mut t.columns {
            if crate::model::type_key(c.ty.element()) == from {
                let suffix =
                    c.ty.as_str()
                        .get(c.ty.element().len()..)
                        .unwrap_or_default();
                c.ty = crate::model::ColumnType::new(
                    Dialect::Postgres,
                    format!("{}{suffix}", spelling(to)),
                );
            }
        }
    }
}

/// The live table `from` as `to`: its key, and every foreign key, trigger and policy naming it.
fn rename_table(live: &mut Schema, from: &str, to: &str) {
    if let Some(mut t) = live.tables.remove(from) {
        t.name = to.to_string();
        live.tables.insert(to.to_string(), t);
    }
    for t in live.tables.values_mut() {
        for fk in t.foreign_keys.iter_mut().filter(|fk| fk.ref_table == from) {
            fk.ref_table = to.to_string();
        }
    }
    move_to(&mut live.triggers, from, to, |t| (&mut t.table, &t.name));
    move_to(&mut live.policies, from, to, |p| (&mut p.table, &p.name));
}

/// The objects of `map` on the table `from` (triggers, policies: keyed by table and name)
/// moved to the table `to`, keyed again.
fn move_to<T>(
    map: &mut std::collections::BTreeMap<String, T>,
    from: &str,
    to: &str,
    parts: impl Fn(&mut T) -> (&mut String, &String),
) {
    let objects = std::mem::take(map);
    *map = (objects.into_iter())
        .map(|(key, mut object)| {
            let (table, name) = parts(&mut object);
            if table != from {
                return (key, object);
            }
            *table = to.to_string();
            let key = crate::model::Trigger::key(table, name);
            (key, object)
        })
        .collect();
}

/// The column `from` of the live table `table` as `to`, in its keys and indexes and in the
/// foreign keys that reference it, as the engines rename it.
fn rename_column(dialect: Dialect, live: &mut Schema, table: &str, from: &str, to: &str) {
    let same = |name: &String| dialect.same_column(name, from);
    let rename = |names: &mut Vec<String>| {
        for n in names.iter_mut().filter(|n| same(n)) {
            *n = to.to_string();
        }
    };
    let expr = |e: &mut crate::model::Expression| {
        *e = crate::normalize::expr::with_column_renamed(dialect, e, from, to);
    };
    if let Some(t) = live.tables.get_mut(table) {
        for c in t.columns.iter_mut() {
            if same(&c.name) {
                c.name = to.to_string();
            }
            let generated = c.generated.as_mut().map(|g| &mut g.expr);
            c.default.iter_mut().chain(generated).for_each(expr);
        }
        for c in &mut t.checks {
            expr(&mut c.expr);
        }
        for i in &mut t.indexes {
            i.predicate.iter_mut().for_each(expr);
            for p in &mut i.parts {
                if let IndexKey::Expr(e) = &mut p.key {
                    expr(e);
                }
            }
        }
        if let Some(pk) = &mut t.primary_key {
            rename(&mut pk.columns);
        }
        for u in &mut t.uniques {
            rename(&mut u.columns);
        }
        for fk in &mut t.foreign_keys {
            rename(&mut fk.columns);
        }
        for i in &mut t.indexes {
            rename(&mut i.include);
            for p in &mut i.parts {
                if let IndexKey::Column(c) = &mut p.key {
                    if same(c) {
                        *c = to.to_string();
                    }
                }
            }
        }
        t.normalize_order();
    }
    for t in live.tables.values_mut() {
        for fk in t.foreign_keys.iter_mut().filter(|fk| fk.ref_table == table) {
            rename(&mut fk.ref_columns);
        }
        t.normalize_order();
    }
}
