//! SQLite type spellings: the declared type, upper-cased (SQLite keeps what was written).

use sqlparser::ast::DataType;

/// A declared type as SQLite keeps it.
pub(crate) fn spelling(dt: &DataType) -> String {
    dt.to_string().to_uppercase()
}
