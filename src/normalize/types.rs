//! Column types: every spelling of a type normalized to the one the engine's catalog reports.
//!
//! PostgreSQL: `format_type` (`integer`, `character varying(20)`, `timestamp with time zone`).
//! MySQL/MariaDB: `COLUMN_TYPE` without integer display widths (`int`, `varchar(20)`,
//! `tinyint(1)`, `int unsigned`). SQLite: the declared type, upper-cased. Each engine's
//! spellings are in `engine::<e>::types`; the helpers they share are here.

use sqlparser::ast::{CharacterLength, DataType, ExactNumberInfo};

use crate::engine;
use crate::model::Dialect;

/// What a declared type means: the canonical type, and whether it implies a serial column
/// (PostgreSQL `serial`/`bigserial`/`smallserial`).
pub struct Normalized {
    pub ty: String,
    pub serial: bool,
}

pub fn normalize(dialect: Dialect, dt: &DataType) -> Normalized {
    let plain = |ty: String| Normalized { ty, serial: false };
    match dialect {
        Dialect::Postgres => engine::postgres::types::normalize(dt),
        Dialect::Mysql => plain(engine::mysql::types::spelling(dt)),
        Dialect::Sqlite => plain(engine::sqlite::types::spelling(dt)),
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
