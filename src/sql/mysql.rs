//! MySQL/MariaDB normalization applied to both sides by `finish`: what the server implies,
//! re-spells or creates by itself, so a declared schema and an inspected one meet.
//!
//! Every step is idempotent (the live side goes through it too):
//! - column references take the column's declared spelling (column names are case-insensitive);
//! - defaults are spelled the way the server reports them for the column's type (`0` on
//!   `decimal(10,2)` is `0.00`, `'5'` on `int` is `5`, `'2020-01-01'` on `datetime` gains
//!   `00:00:00`), and `DEFAULT NULL` is no default;
//! - `RESTRICT` is `NO ACTION` (InnoDB treats them alike and MariaDB reports an unspecified
//!   action as `RESTRICT`);
//! - a unique index over plain columns is a [`Unique`]; anything richer (prefix, order,
//!   comment) stays an [`Index`];
//! - the index InnoDB creates for a foreign key that no index covers is added, named
//!   [`Name::Generated`];
//! - MariaDB's spelling of `json` (`longtext` + a `json_valid` check) is `json`;
//! - `ENGINE=InnoDB` (the default) and empty comments are not recorded.

use std::collections::BTreeMap;

use super::expr::canonical_text;
use crate::model::{
    Column, Deferrable, Dialect, FkAction, Index, IndexKey, IndexPart, Name, Schema, Table, Unique,
};

pub(crate) fn finish(schema: &mut Schema) {
    let spellings: BTreeMap<String, Vec<String>> = schema
        .tables
        .iter()
        .map(|(name, t)| {
            (
                name.clone(),
                t.columns.iter().map(|c| c.name.clone()).collect(),
            )
        })
        .collect();
    for table in schema.tables.values_mut() {
        respell_references(table, &spellings);
        if let Some(pk) = &table.primary_key {
            for column in table
                .columns
                .iter_mut()
                .filter(|c| pk.columns.contains(&c.name))
            {
                column.nullable = false;
            }
        }
        for column in &mut table.columns {
            normalize_column(column);
        }
        for fk in &mut table.foreign_keys {
            fk.on_delete = same_as_no_action(fk.on_delete);
            fk.on_update = same_as_no_action(fk.on_update);
            fk.deferrable = Deferrable::NotDeferrable;
        }
        json_columns(table);
        unique_indexes_as_uniques(table);
        implicit_foreign_key_indexes(table);
        if table
            .options
            .get("engine")
            .is_some_and(|e| e.eq_ignore_ascii_case("innodb"))
        {
            table.options.remove("engine");
        }
        if let Some(engine) = table.options.get_mut("engine") {
            *engine = engine.to_ascii_lowercase();
        }
        drop_empty(&mut table.comment);
        for index in &mut table.indexes {
            drop_empty(&mut index.comment);
        }
        table.normalize_order();
    }
}

fn drop_empty(text: &mut Option<String>) {
    if text.as_deref() == Some("") {
        *text = None;
    }
}

fn same_as_no_action(action: FkAction) -> FkAction {
    match action {
        FkAction::Restrict => FkAction::NoAction,
        other => other,
    }
}

/// The declared spelling of `name` among `columns` (compared case-insensitively).
fn spell(columns: &[String], name: &mut String) {
    if let Some(declared) = columns.iter().find(|c| c.eq_ignore_ascii_case(name)) {
        name.clone_from(declared);
    }
}

fn respell_references(table: &mut Table, spellings: &BTreeMap<String, Vec<String>>) {
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
        let target = if fk.ref_table == table.name {
            Some(&own)
        } else {
            spellings.get(&fk.ref_table)
        };
        if let Some(target) = target {
            fk.ref_columns.iter_mut().for_each(|c| spell(target, c));
        }
    }
}

fn normalize_column(column: &mut Column) {
    column.default = column
        .default
        .take()
        .and_then(|d| normalize_default(&column.ty, &d));
    drop_empty(&mut column.comment);
    if let Some(collation) = &mut column.collation {
        *collation = collation
            .trim_matches(['`', '\'', '"'])
            .to_ascii_lowercase();
        // `utf8` is `utf8mb3`, and MariaDB 10.6+ and MySQL 8.0.30+ say so.
        if let Some(rest) = collation.strip_prefix("utf8_") {
            *collation = format!("utf8mb3_{rest}");
        }
    }
}

/// MariaDB's `json` is `longtext` (binary collation) with a `json_valid` check, and reads back
/// that way: that spelling, written out or inspected, is `json`.
fn json_columns(table: &mut Table) {
    for column in &mut table.columns {
        let binary = matches!(column.collation.as_deref(), None | Some("utf8mb4_bin"));
        if column.ty != "longtext" || !binary {
            continue;
        }
        let quoted = column.name.replace('`', "``");
        let Ok(want) = canonical_text(Dialect::Mysql, &format!("json_valid(`{quoted}`)")) else {
            continue;
        };
        let check = table.checks.iter().position(|c| {
            c.expr == want && (c.name.is_generated() || c.name.as_str() == column.name)
        });
        if let Some(at) = check {
            table.checks.remove(at);
            column.ty = "json".into();
            column.collation = None;
        }
    }
}

/// A plain unique index is a unique constraint: one representation for both spellings.
fn unique_indexes_as_uniques(table: &mut Table) {
    let (plain, rest): (Vec<Index>, Vec<Index>) = std::mem::take(&mut table.indexes)
        .into_iter()
        .partition(|i| {
            i.unique
                && i.predicate.is_none()
                && i.method.is_none()
                && i.comment.as_deref().unwrap_or("").is_empty()
                && plain_columns(&i.parts).is_some()
        });
    table.indexes = rest;
    for index in plain {
        let columns = plain_columns(&index.parts).unwrap_or_default();
        table.uniques.push(Unique {
            columns,
            name: index.name,
        });
    }
}

/// The parts' column names when every part is a whole column in ascending order.
fn plain_columns(parts: &[IndexPart]) -> Option<Vec<String>> {
    parts
        .iter()
        .map(|p| match &p.key {
            IndexKey::Column(c) if !p.descending && p.prefix.is_none() && p.collation.is_none() => {
                Some(c.clone())
            }
            _ => None,
        })
        .collect()
}

/// InnoDB needs an index whose leading columns are a foreign key's columns, in order, and
/// creates one (named after the constraint, or its first column) when none exists; it drops
/// that index again when a covering one is created later.
fn implicit_foreign_key_indexes(table: &mut Table) {
    // An index InnoDB made for a named key carries the key's name: that name is generated too.
    for index in &mut table.indexes {
        if let Name::Given(name) = &index.name {
            let made_for_fk = !index.unique
                && table.foreign_keys.iter().any(|fk| {
                    fk.name.as_str() == name
                        && plain_columns(&index.parts).as_ref() == Some(&fk.columns)
                });
            if made_for_fk {
                index.name = Name::Generated(name.clone());
            }
        }
    }
    let fks: Vec<(Vec<String>, String)> = table
        .foreign_keys
        .iter()
        .map(|fk| {
            let name = fk
                .name
                .given()
                .map(str::to_string)
                .or_else(|| fk.columns.first().cloned())
                .unwrap_or_default();
            (fk.columns.clone(), name)
        })
        .collect();
    for (columns, name) in fks {
        if columns.is_empty() || covered(table, &columns) {
            continue;
        }
        table.indexes.push(Index {
            name: Name::Generated(name),
            unique: false,
            parts: columns.iter().map(IndexPart::column).collect(),
            predicate: None,
            method: None,
            comment: None,
        });
    }
}

fn covered(table: &Table, columns: &[String]) -> bool {
    let leads = |cols: &[String]| cols.len() >= columns.len() && cols[..columns.len()] == *columns;
    table
        .primary_key
        .as_ref()
        .is_some_and(|pk| leads(&pk.columns))
        || table.uniques.iter().any(|u| leads(&u.columns))
        || table.indexes.iter().any(|i| {
            i.parts.len() >= columns.len()
                && i.parts.iter().zip(columns).all(|(p, c)| {
                    p.prefix.is_none() && matches!(&p.key, IndexKey::Column(k) if k == c)
                })
        })
}

/// What kind of value a column type holds, for spelling its default.
enum Family {
    /// Integers, `year`, `tinyint(1)`: whole numbers.
    Integer,
    /// `decimal(p,s)`: `s` digits after the point.
    Decimal(usize),
    Float,
    DateTime(usize),
    Time(usize),
    /// Character types, `enum`, `set`: a number default is stored as text.
    Text,
    /// `bit(n)`: reported as `b'…'` without leading zeros.
    Bit,
    Other,
}

fn family(ty: &str) -> Family {
    let base: String = ty
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    let args: Vec<usize> = ty
        .find('(')
        .and_then(|open| {
            let close = ty[open..].find(')')? + open;
            Some(
                ty[open + 1..close]
                    .split(',')
                    .filter_map(|a| a.trim().parse().ok())
                    .collect(),
            )
        })
        .unwrap_or_default();
    match base.as_str() {
        "tinyint" | "smallint" | "mediumint" | "int" | "bigint" | "year" => Family::Integer,
        "decimal" => Family::Decimal(args.get(1).copied().unwrap_or(0)),
        "float" | "double" => Family::Float,
        "bit" => Family::Bit,
        "datetime" | "timestamp" => Family::DateTime(args.first().copied().unwrap_or(0)),
        "time" => Family::Time(args.first().copied().unwrap_or(0)),
        "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "enum" | "set" => {
            Family::Text
        }
        _ => Family::Other,
    }
}

/// A default (canonical expression text) spelled the way the server reports it for `ty`.
pub fn normalize_default(ty: &str, text: &str) -> Option<String> {
    if text.eq_ignore_ascii_case("NULL") {
        return None;
    }
    let quoted = text
        .strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .map(|t| t.replace("''", "'"));
    let number = match &quoted {
        Some(s) => is_number(s.trim()).then(|| s.trim().to_string()),
        None => is_number(text).then(|| text.to_string()),
    };
    let spelled = match (family(ty), number, quoted) {
        (Family::Integer, Some(n), _) => round_decimal(&n, 0),
        (Family::Decimal(scale), Some(n), _) => round_decimal(&n, scale),
        (Family::Float, Some(n), _) => n.parse::<f64>().ok().map(|f| f.to_string()),
        (Family::Text, Some(n), None) => Some(quote(&n)),
        (Family::Bit, Some(n), None) => n.parse::<u64>().ok().map(|v| format!("B'{v:b}'")),
        (Family::Bit, None, None) => bit_literal(text),
        (Family::DateTime(fsp), _, Some(s)) => pad_datetime(&s, fsp).map(|s| quote(&s)),
        (Family::Time(fsp), _, Some(s)) => pad_time(&s, fsp).map(|s| quote(&s)),
        _ => None,
    };
    Some(spelled.unwrap_or_else(|| text.to_string()))
}

/// `b'0010'` (canonical text `B'0010'`) as the server reports it: `B'10'`.
fn bit_literal(text: &str) -> Option<String> {
    let bits = text
        .strip_prefix(['b', 'B'])?
        .strip_prefix('\'')?
        .strip_suffix('\'')?;
    if bits.is_empty() || !bits.chars().all(|c| c == '0' || c == '1') {
        return None;
    }
    let bits = bits.trim_start_matches('0');
    Some(format!("B'{}'", if bits.is_empty() { "0" } else { bits }))
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn is_number(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(at) => (&s[..at], Some(&s[at + 1..])),
        None => (s, None),
    };
    let mut halves = mantissa.splitn(2, '.');
    let int = halves.next().unwrap_or("");
    let frac = halves.next().unwrap_or("");
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    !(int.is_empty() && frac.is_empty())
        && digits(int)
        && digits(frac)
        && exponent.is_none_or(|e| {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && digits(e)
        })
}

/// A decimal literal rounded half away from zero to `scale` digits, as MySQL stores it.
fn round_decimal(text: &str, scale: usize) -> Option<String> {
    let (negative, s) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(at) => (&s[..at], s[at + 1..].parse::<i64>().ok()?),
        None => (s, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
    let mut point = int.len() as i64 + exponent;
    if point < 0 {
        let pad = usize::try_from(-point).ok()?;
        digits.splice(0..0, std::iter::repeat_n(0, pad));
        point = 0;
    }
    let point = usize::try_from(point).ok()?;
    if digits.len() < point + scale + 1 {
        digits.resize(point + scale + 1, 0);
    }
    let round_up = digits[point + scale] >= 5;
    digits.truncate(point + scale);
    if round_up {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, 1);
                break;
            }
            i -= 1;
            if digits[i] == 9 {
                digits[i] = 0;
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let split = digits.len() - scale;
    let int: String = digits[..split]
        .iter()
        .map(|d| char::from(b'0' + d))
        .collect();
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac: String = digits[split..]
        .iter()
        .map(|d| char::from(b'0' + d))
        .collect();
    let zero = digits.iter().all(|d| *d == 0);
    let sign = if negative && !zero { "-" } else { "" };
    Some(if scale == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    })
}

fn looks_like(s: &str, pattern: &str) -> bool {
    s.len() == pattern.len()
        && s.chars().zip(pattern.chars()).all(|(c, p)| match p {
            '9' => c.is_ascii_digit(),
            _ => c == p,
        })
}

/// `'2020-01-01'` on a `datetime(3)` reads back as `'2020-01-01 00:00:00.000'`.
fn pad_datetime(s: &str, fsp: usize) -> Option<String> {
    let (date, time) = s.split_once(' ').unwrap_or((s, "00:00:00"));
    if !looks_like(date, "9999-99-99") {
        return None;
    }
    Some(format!("{date} {}", pad_time(time, fsp)?))
}

/// `'10:00'` on a `time` reads back as `'10:00:00'`.
fn pad_time(s: &str, fsp: usize) -> Option<String> {
    let (hms, frac) = s.split_once('.').unwrap_or((s, ""));
    let hms = if looks_like(hms, "99:99") {
        format!("{hms}:00")
    } else if looks_like(hms, "99:99:99") {
        hms.to_string()
    } else {
        return None;
    };
    if fsp == 0 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return (frac.is_empty()).then_some(hms);
    }
    let mut frac = frac.to_string();
    if frac.len() > fsp {
        return None;
    }
    while frac.len() < fsp {
        frac.push('0');
    }
    Some(format!("{hms}.{frac}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_by_type() {
        assert_eq!(
            normalize_default("bit(4)", "B'0010'").as_deref(),
            Some("B'10'")
        );
        assert_eq!(normalize_default("bit(8)", "5").as_deref(), Some("B'101'"));
        assert_eq!(
            normalize_default("decimal(10,2)", "0").as_deref(),
            Some("0.00")
        );
        assert_eq!(
            normalize_default("decimal(10,2)", "-1.005").as_deref(),
            Some("-1.01")
        );
        assert_eq!(
            normalize_default("decimal(5,2)", "'1.5'").as_deref(),
            Some("1.50")
        );
        assert_eq!(
            normalize_default("decimal(5,0)", "9.5").as_deref(),
            Some("10")
        );
        assert_eq!(normalize_default("int", "'5'").as_deref(), Some("5"));
        assert_eq!(normalize_default("int", "-1").as_deref(), Some("-1"));
        assert_eq!(
            normalize_default("double", "1e20"),
            normalize_default("double", "100000000000000000000")
        );
        assert_eq!(normalize_default("float", "1.50").as_deref(), Some("1.5"));
        assert_eq!(
            normalize_default("varchar(10)", "0").as_deref(),
            Some("'0'")
        );
        assert_eq!(normalize_default("varchar(10)", "NULL"), None);
        assert_eq!(
            normalize_default("varchar(10)", "'NULL'").as_deref(),
            Some("'NULL'")
        );
        assert_eq!(
            normalize_default("datetime(3)", "'2020-01-01 10:00'").as_deref(),
            Some("'2020-01-01 10:00:00.000'")
        );
        assert_eq!(
            normalize_default("time", "'10:00'").as_deref(),
            Some("'10:00:00'")
        );
        assert_eq!(
            normalize_default("datetime", "CURRENT_TIMESTAMP").as_deref(),
            Some("CURRENT_TIMESTAMP")
        );
    }
}
