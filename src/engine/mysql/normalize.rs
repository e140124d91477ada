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

use crate::model::{
    Column, ColumnType, Deferrable, Dialect, Expression, FkAction, Index, IndexKey, IndexPart,
    Name, Schema, Table, Unique,
};
use crate::normalize::expr::canonical_text;
use crate::normalize::{respell_own_columns, spell};

const D: Dialect = Dialect::Mysql;

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
        character_set(table);
        for column in &mut table.columns {
            normalize_column(column);
        }
        column_collations(table);
        index_methods(table);
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

/// A character set or collation name as the catalog spells it: lower case, `utf8` is `utf8mb3`
/// (MariaDB 10.6+ and MySQL 8.0.30+ say so).
fn charset_name(name: &str) -> String {
    let name = name.trim_matches(['`', '\'', '"']).to_ascii_lowercase();
    if name == "utf8" {
        return "utf8mb3".into();
    }
    match name.strip_prefix("utf8_") {
        Some(rest) => format!("utf8mb3_{rest}"),
        None => name,
    }
}

/// The character set a collation belongs to: its name's first word (`utf8mb4_bin` →
/// `utf8mb4`, `binary` → `binary`).
pub fn collation_charset(collation: &str) -> &str {
    collation.split('_').next().unwrap_or(collation)
}

/// `charset` and `collation` options: spelled as the catalog does; a collation names its
/// character set. A table that names neither takes the database's (see
/// `diff::INHERITED_OPTIONS`).
fn character_set(table: &mut Table) {
    for key in ["charset", "collation"] {
        if let Some(value) = table.options.get_mut(key) {
            *value = charset_name(value);
        }
    }
    if let Some(collation) = table.options.get("collation") {
        let charset = collation_charset(collation).to_string();
        table.options.insert("charset".into(), charset);
    }
}

/// A column's collation is recorded when it differs from the table's. The `BINARY` column
/// attribute (read as collation `binary`) is the `_bin` collation of the table's character
/// set (`utf8mb4` when the table names none).
fn column_collations(table: &mut Table) {
    let charset = table
        .options
        .get("charset")
        .cloned()
        .unwrap_or_else(|| "utf8mb4".into());
    let table_collation = table.options.get("collation").cloned();
    for column in &mut table.columns {
        if column.collation.as_deref() == Some("binary")
            && matches!(family(&column.ty), Family::Text)
        {
            column.collation = Some(format!("{charset}_bin"));
        }
        if column.collation.is_some() && column.collation == table_collation {
            column.collation = None;
        }
    }
}

/// An index's method is recorded when it is not the engine's default: `hash` on MEMORY,
/// `btree` elsewhere (InnoDB builds every plain index as a B-tree, whatever `USING` says).
/// FULLTEXT and SPATIAL indexes have no prefix lengths (MariaDB reports 32 for a SPATIAL part).
fn index_methods(table: &mut Table) {
    let engine = table
        .options
        .get("engine")
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_else(|| "innodb".into());
    let memory = matches!(engine.as_str(), "memory" | "heap");
    for index in &mut table.indexes {
        if let Some(method) = &mut index.method {
            *method = method.to_ascii_lowercase();
        }
        match index.method.as_deref() {
            Some("hash") if memory => index.method = None,
            Some("btree") if memory => {}
            Some("btree") => index.method = None,
            Some("hash") if engine == "innodb" => index.method = None,
            Some("spatial") | Some("fulltext") => {
                for part in &mut index.parts {
                    part.prefix = None;
                    part.descending = false;
                }
            }
            _ => {}
        }
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

fn respell_references(table: &mut Table, spellings: &BTreeMap<String, Vec<String>>) {
    let own = respell_own_columns(table);
    for fk in &mut table.foreign_keys {
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
    column.default = column.default.take().and_then(|d| {
        let spelled = normalize_default(&column.ty, &d)?;
        if spelled == *d {
            return Some(d);
        }
        // A literal spelled anew is its own canonical text: read it as one.
        Some(
            canonical_text(D, &spelled)
                .ok()
                .filter(|e| *e == *spelled)
                .unwrap_or_else(|| Expression::unread(spelled)),
        )
    });
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
            column.ty = ColumnType::new(D, "json");
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
            nulls_not_distinct: false,
            deferrable: Default::default(),
            comment: None,
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
            ..Index::new(
                Name::Generated(name),
                columns.iter().map(IndexPart::column).collect(),
            )
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

fn family(ty: &ColumnType) -> Family {
    let arg = |i: usize| {
        ty.params()
            .get(i)
            .and_then(|&n| usize::try_from(n).ok())
            .unwrap_or(0)
    };
    match ty.base() {
        "tinyint" | "smallint" | "mediumint" | "int" | "bigint" | "year" => Family::Integer,
        "decimal" => Family::Decimal(arg(1)),
        "float" | "double" => Family::Float,
        "bit" => Family::Bit,
        "datetime" | "timestamp" => Family::DateTime(arg(0)),
        "time" => Family::Time(arg(0)),
        "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "enum" | "set" => {
            Family::Text
        }
        _ => Family::Other,
    }
}

/// A default (canonical expression text) spelled the way the server reports it for `ty`.
pub fn normalize_default(ty: &ColumnType, text: &str) -> Option<String> {
    if text.eq_ignore_ascii_case("NULL") {
        return None;
    }
    let quoted = crate::quote::unstring(D, text);
    let number = match &quoted {
        Some(s) => is_number(s.trim()).then(|| s.trim().to_string()),
        None => is_number(text).then(|| text.to_string()),
    };
    let spelled = match (family(ty), number, quoted) {
        (Family::Integer, Some(n), _) => round_decimal(&n, 0),
        (Family::Decimal(scale), Some(n), _) => round_decimal(&n, scale),
        (Family::Float, Some(n), _) => n.parse::<f64>().ok().map(|f| f.to_string()),
        (Family::Text, Some(n), None) => Some(crate::quote::string(D, &n)),
        (Family::Bit, Some(n), None) => n.parse::<u64>().ok().map(|v| format!("B'{v:b}'")),
        (Family::Bit, None, None) => bit_literal(text),
        (Family::DateTime(fsp), _, Some(s)) => {
            pad_datetime(&s, fsp).map(|s| crate::quote::string(D, &s))
        }
        (Family::Time(fsp), _, Some(s)) => pad_time(&s, fsp).map(|s| crate::quote::string(D, &s)),
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

/// The `BINARY` column attribute (`varchar(20) BINARY`: the `_bin` collation of the column's
/// character set), which sqlparser does not read, rewritten as `COLLATE binary` for
/// [`finish`] to resolve. Only after a character type or its length, outside quotes and
/// comments, and not as the `binary(n)` type or a cast.
pub fn binary_attribute(text: &str) -> String {
    const CHAR_TYPES: [&str; 6] = [
        "char",
        "varchar",
        "text",
        "tinytext",
        "mediumtext",
        "longtext",
    ];
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    let mut last_word = String::new();
    let mut last_char = ' ';
    while i < bytes.len() {
        let c = bytes[i] as char;
        // Quotes and comments are copied as they are.
        let skip_to = match c {
            '\'' | '"' | '`' => {
                let mut j = i + 1;
                while j < bytes.len() {
                    if bytes[j] == b'\\' && c != '`' {
                        j += 2;
                        continue;
                    }
                    if bytes[j] == c as u8 {
                        break;
                    }
                    j += 1;
                }
                Some((j + 1).min(bytes.len()))
            }
            '-' if bytes.get(i + 1) == Some(&b'-') => {
                Some(text[i..].find('\n').map_or(bytes.len(), |n| i + n))
            }
            '#' => Some(text[i..].find('\n').map_or(bytes.len(), |n| i + n)),
            '/' if bytes.get(i + 1) == Some(&b'*') => {
                Some(text[i + 2..].find("*/").map_or(bytes.len(), |n| i + n + 4))
            }
            _ => None,
        };
        if let Some(end) = skip_to {
            out.push_str(&text[i..end]);
            last_word.clear();
            last_char = c;
            i = end;
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let word = &text[start..i];
            let next = text[i..].trim_start().chars().next();
            let after_type =
                last_char == ')' || CHAR_TYPES.iter().any(|t| last_word.eq_ignore_ascii_case(t));
            if word.eq_ignore_ascii_case("binary") && after_type && next != Some('(') {
                out.push_str("COLLATE binary");
            } else {
                out.push_str(word);
            }
            last_word = word.to_string();
            last_char = 'a';
            continue;
        }
        // Multi-byte characters are copied whole.
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        if !ch.is_whitespace() {
            last_char = ch;
            last_word.clear();
        }
        i += ch.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests;
