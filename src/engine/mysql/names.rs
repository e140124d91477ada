//! The constraint and index names MySQL/MariaDB generate by themselves: an index named after
//! its first column (`code`, `code_2`), `<table>_ibfk_<n>` foreign keys, `<table>_chk_<n>` and
//! `CONSTRAINT_<n>` checks; a primary key is always `PRIMARY`.

use crate::normalize::names::Kind;

/// Whether MySQL/MariaDB would have generated `name` for this object of `table`.
pub(crate) fn is_generated(
    table: &str,
    kind: Kind,
    name: &str,
    first_column: Option<&str>,
) -> bool {
    let column_like = |n: &str| {
        first_column.is_some_and(|c| {
            n.eq_ignore_ascii_case(c)
                || n.strip_prefix(c)
                    .and_then(|r| r.strip_prefix('_'))
                    .is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_digit()))
        })
    };
    match kind {
        Kind::PrimaryKey => true,
        Kind::Unique | Kind::Index => column_like(name),
        Kind::ForeignKey => name
            .strip_prefix(table)
            .and_then(|r| r.strip_prefix("_ibfk_"))
            .is_some_and(|r| r.chars().all(|c| c.is_ascii_digit())),
        Kind::Check => {
            name.starts_with("CONSTRAINT_")
                || name
                    .strip_prefix(table)
                    .and_then(|r| r.strip_prefix("_chk_"))
                    .is_some()
                || column_like(name)
        }
    }
}
