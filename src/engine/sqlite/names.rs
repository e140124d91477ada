//! The names SQLite generates by itself. SQLite keeps constraint names only in the table's
//! SQL and cannot act on them, except that a CHECK's name is part of what the table says;
//! index names are real (`sqlite_autoindex_*` excepted).

use crate::normalize::names::Kind;

/// Whether SQLite's name for this object carries no meaning.
pub(crate) fn is_generated(kind: Kind, name: &str) -> bool {
    match kind {
        Kind::Index => name.starts_with("sqlite_autoindex_"),
        Kind::Check => false,
        _ => true,
    }
}
