//! The constraint and index names PostgreSQL generates by itself: `<table>_<columns>_<label>`
//! (`pkey`, `key`, `fkey`, `check`, `idx`, `excl`), cut short past 63 bytes.

use crate::normalize::names::Kind;

/// Whether PostgreSQL would have generated `name` for this object of `table`.
pub(crate) fn is_generated(
    table: &str,
    kind: Kind,
    name: &str,
    first_column: Option<&str>,
) -> bool {
    let rest = match name.strip_prefix(table).and_then(|r| r.strip_prefix('_')) {
        Some(rest) => rest,
        // A generated name longer than 63 bytes has its table and column parts cut
        // short (`long_table_na_long_column_fkey`): judge it by its start and label.
        None if is_truncated_postgres_name(table, name) => {
            let label = strip_digits(name);
            let label = label.rsplit_once('_').map_or(label, |(_, l)| l);
            return match kind {
                Kind::PrimaryKey => label == "pkey",
                Kind::Unique => label == "key",
                Kind::ForeignKey => label == "fkey",
                Kind::Check => label == "check",
                Kind::Index => label == "idx" || label == "key" || label == "excl",
            };
        }
        None => return false,
    };
    let rest = strip_digits(rest);
    // Untruncated, a generated key or index name spells its columns after the table
    // (`users_last_name_idx`): `users_name_idx` on (last_name) is the user's own name.
    let spells_columns =
        first_column.is_none_or(|c| rest.strip_prefix(c).is_some_and(|r| r.starts_with('_')));
    match kind {
        Kind::PrimaryKey => rest == "pkey",
        Kind::Unique => spells_columns && rest.ends_with("key"),
        Kind::ForeignKey => spells_columns && rest.ends_with("fkey"),
        Kind::Check => rest.ends_with("check"),
        // `excl`: the index behind an exclusion constraint.
        Kind::Index => {
            spells_columns
                && (rest.ends_with("idx") || rest.ends_with("key") || rest.ends_with("excl"))
        }
    }
}

/// PostgreSQL truncates generated names to 63 bytes, shortening the table part first when it
/// is the longest: such a name is 62 or 63 bytes long and starts with a good part of the table.
fn is_truncated_postgres_name(table: &str, name: &str) -> bool {
    let common = table
        .bytes()
        .zip(name.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    name.len() >= 62 && common >= table.len().min(20)
}

fn strip_digits(s: &str) -> &str {
    s.trim_end_matches(|c: char| c.is_ascii_digit())
}
