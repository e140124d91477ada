//! Column types: every spelling of a type normalized to the one the engine's catalog reports.
//!
//! PostgreSQL: `format_type` (`integer`, `character varying(20)`, `timestamp with time zone`).
//! MySQL/MariaDB: `COLUMN_TYPE` without integer display widths (`int`, `varchar(20)`,
//! `tinyint(1)`, `int unsigned`). SQLite: the declared type, upper-cased. Each engine's
//! spellings are in `engine::<e>::types`; the helpers they share are here.

use sqlparser::ast::{CharacterLength, DataType, ExactNumberInfo};

use crate::engine;
use crate::model::Dialect;

/// What a declared type means: the canonical type, and whether it implies a serial column.
pub struct Normalized {
    pub ty: String,
    pub serial: bool,
}

/// `serial`, `bigserial` and `smallserial` (and PostgreSQL's `serial4`, `serial8`, `serial2`)
/// mean the same on every engine: an integer of that width that numbers itself. On
/// PostgreSQL that is a sequence and a `nextval` default, on MySQL/MariaDB `AUTO_INCREMENT`
/// (not MySQL's own `SERIAL`, a `bigint unsigned … UNIQUE`, which a key of `integer`
/// references could not match), on SQLite the rowid of an `INTEGER PRIMARY KEY`.
pub fn normalize(dialect: Dialect, dt: &DataType) -> Normalized {
    if let Some(width) = serial_width(dt) {
        let ty = match (dialect, width) {
            (Dialect::Postgres, _) => width,
            (Dialect::Mysql, "integer") => "int",
            (Dialect::Mysql, _) => width,
            (Dialect::Sqlite, _) => "INTEGER",
        };
        return Normalized {
            ty: ty.to_string(),
            serial: true,
        };
    }
    let ty = match dialect {
        Dialect::Postgres => engine::postgres::types::spelling(dt),
        Dialect::Mysql => engine::mysql::types::spelling(dt),
        Dialect::Sqlite => engine::sqlite::types::spelling(dt),
    };
    Normalized { ty, serial: false }
}

/// The integer type a serial spelling stands for, in PostgreSQL's words.
fn serial_width(dt: &DataType) -> Option<&'static str> {
    let DataType::Custom(name, args) = dt else {
        return None;
    };
    if !args.is_empty() {
        return None;
    }
    match name.to_string().to_ascii_lowercase().as_str() {
        "serial" | "serial4" => Some("integer"),
        "bigserial" | "serial8" => Some("bigint"),
        "smallserial" | "serial2" => Some("smallint"),
        _ => None,
    }
}

pub(crate) fn char_len(len: &Option<CharacterLength>) -> Option<String> {
    match len {
        Some(CharacterLength::IntegerLength { length, .. }) => Some(length.to_string()),
        Some(CharacterLength::Max) => Some("max".into()),
        None => None,
    }
}

pub(crate) fn with_len(base: &str, len: Option<String>) -> String {
    match len {
        Some(l) => format!("{base}({l})"),
        None => base.to_string(),
    }
}

pub(crate) fn exact(base: &str, info: &ExactNumberInfo) -> String {
    match info {
        ExactNumberInfo::None => base.to_string(),
        ExactNumberInfo::Precision(p) => format!("{base}({p})"),
        ExactNumberInfo::PrecisionAndScale(p, s) => format!("{base}({p},{s})"),
    }
}
