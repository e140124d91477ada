//! How each engine spells an identifier or a string literal: the one place SQL text is made
//! from a name or a value, so nothing a schema file says can leave the quotes it is put in.
//!
//! - PostgreSQL: `"name"` with `"` doubled (bare when `quote_ident` would leave it bare), and
//!   standard strings `'…'` with `'` doubled (plinth's sessions run with
//!   `standard_conforming_strings = on`, so a backslash is an ordinary character);
//! - MySQL/MariaDB: `` `name` `` with `` ` `` doubled, and `'…'` with `'` doubled and `\`,
//!   line feed and carriage return escaped as the catalog spells them (plinth's sessions run
//!   without `NO_BACKSLASH_ESCAPES` and `ANSI_QUOTES`);
//! - SQLite: `"name"` with `"` doubled, and `'…'` with `'` doubled.
//!
//! NUL is in no engine's identifiers or text (the schema reader refuses it): a value holding one
//! is spelled with the NUL dropped, so it cannot end the statement early in any driver.

use crate::model::Dialect;

/// `name` as a quoted identifier of `dialect`. On PostgreSQL a [qualified] key is written
/// `"schema"."name"`, each part quoted.
///
/// [qualified]: crate::model::qualified
pub fn ident(dialect: Dialect, name: &str) -> String {
    if dialect == Dialect::Postgres {
        if let (Some(schema), name) = crate::model::split_qualified(name) {
            return format!("{}.{}", ident(dialect, schema), ident(dialect, name));
        }
    }
    let name = name.replace('\0', "");
    match dialect {
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
        Dialect::Postgres | Dialect::Sqlite => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// `name` as PostgreSQL's `quote_ident` spells it (bare when that is safe and means the same),
/// and quoted on the other engines.
pub fn ident_bare_if_plain(dialect: Dialect, name: &str) -> String {
    if dialect == Dialect::Postgres && is_plain_lower(name) && !is_postgres_keyword(name) {
        name.to_string()
    } else {
        ident(dialect, name)
    }
}

/// A word that may be written bare in any engine: ASCII letters, digits and `_`, not starting
/// with a digit. Function names, collations, engines and character sets that are such words are
/// written as they are; anything else is quoted as an identifier.
pub fn is_word(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `name` bare when it is a [word](is_word), else quoted.
pub fn word(dialect: Dialect, name: &str) -> String {
    if is_word(name) {
        name.to_string()
    } else {
        ident(dialect, name)
    }
}

/// `[a-z_][a-z0-9_]*`: what PostgreSQL leaves unquoted (with keywords excepted).
fn is_plain_lower(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `value` as a string literal of `dialect`.
pub fn string(dialect: Dialect, value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\0' => {}
            '\'' => out.push_str("''"),
            // MySQL spells these escaped, as its catalog does (`COLUMN_TYPE` of an enum).
            '\\' if dialect == Dialect::Mysql => out.push_str("\\\\"),
            '\n' if dialect == Dialect::Mysql => out.push_str("\\n"),
            '\r' if dialect == Dialect::Mysql => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The value of `text` when it is exactly one string literal as [`string`] spells it (the
/// inverse of [`string`]), else `None`.
pub fn unstring(dialect: Dialect, text: &str) -> Option<String> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => match chars.next() {
                Some('\'') => out.push('\''),
                _ => return None,
            },
            '\\' if dialect == Dialect::Mysql => match chars.next() {
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                _ => return None,
            },
            c => out.push(c),
        }
    }
    Some(out)
}

/// PostgreSQL keywords that are not "unreserved": `pg_get_expr` and `quote_ident` quote them
/// as identifiers, and rendered SQL must too (`"order" > 0`).
pub fn is_postgres_keyword(word: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "all",
        "analyse",
        "analyze",
        "and",
        "any",
        "array",
        "as",
        "asc",
        "asymmetric",
        "authorization",
        "between",
        "bigint",
        "binary",
        "bit",
        "boolean",
        "both",
        "case",
        "cast",
        "char",
        "character",
        "check",
        "coalesce",
        "collate",
        "collation",
        "column",
        "concurrently",
        "constraint",
        "create",
        "cross",
        "current_catalog",
        "current_date",
        "current_role",
        "current_schema",
        "current_time",
        "current_timestamp",
        "current_user",
        "dec",
        "decimal",
        "default",
        "deferrable",
        "desc",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "exists",
        "extract",
        "false",
        "fetch",
        "float",
        "for",
        "foreign",
        "freeze",
        "from",
        "full",
        "grant",
        "greatest",
        "group",
        "grouping",
        "having",
        "ilike",
        "in",
        "initially",
        "inner",
        "inout",
        "int",
        "integer",
        "intersect",
        "interval",
        "into",
        "is",
        "isnull",
        "join",
        "lateral",
        "leading",
        "least",
        "left",
        "like",
        "limit",
        "localtime",
        "localtimestamp",
        "national",
        "natural",
        "nchar",
        "none",
        "normalize",
        "not",
        "notnull",
        "null",
        "nullif",
        "numeric",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "out",
        "outer",
        "overlaps",
        "overlay",
        "placing",
        "position",
        "precision",
        "primary",
        "real",
        "references",
        "returning",
        "right",
        "row",
        "select",
        "session_user",
        "setof",
        "similar",
        "smallint",
        "some",
        "substring",
        "symmetric",
        "system_user",
        "table",
        "tablesample",
        "then",
        "time",
        "timestamp",
        "to",
        "trailing",
        "treat",
        "trim",
        "true",
        "union",
        "unique",
        "user",
        "using",
        "values",
        "varchar",
        "variadic",
        "verbose",
        "when",
        "where",
        "window",
        "with",
        "xmlattributes",
        "xmlconcat",
        "xmlelement",
        "xmlexists",
        "xmlforest",
        "xmlnamespaces",
        "xmlparse",
        "xmlpi",
        "xmlroot",
        "xmlserialize",
        "xmltable",
    ];
    KEYWORDS.binary_search(&word).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_sorted() {
        let list = ["all", "order", "user", "xmltable"];
        for w in list {
            assert!(is_postgres_keyword(w), "{w}");
        }
        assert!(!is_postgres_keyword("price"));
    }

    #[test]
    fn identifiers_double_their_quote() {
        assert_eq!(ident(Dialect::Postgres, "a\"b"), "\"a\"\"b\"");
        assert_eq!(ident(Dialect::Mysql, "a`b"), "`a``b`");
        assert_eq!(ident(Dialect::Sqlite, "a\"b\\"), "\"a\"\"b\\\"");
        assert_eq!(ident_bare_if_plain(Dialect::Postgres, "price"), "price");
        assert_eq!(ident_bare_if_plain(Dialect::Postgres, "order"), "\"order\"");
        assert_eq!(ident_bare_if_plain(Dialect::Postgres, "Price"), "\"Price\"");
        assert_eq!(ident_bare_if_plain(Dialect::Mysql, "price"), "`price`");
    }

    #[test]
    fn strings_round_trip() {
        for value in [
            "",
            "it's",
            "x\\",
            "x\\'",
            "''",
            "a\nb",
            "é ☃ 😀",
            "$$",
            "\\\\'",
        ] {
            for d in Dialect::ALL {
                let s = string(d, value);
                assert_eq!(unstring(d, &s).as_deref(), Some(value), "{d} {s}");
            }
        }
        assert_eq!(string(Dialect::Mysql, "x\\'"), "'x\\\\'''");
        assert_eq!(string(Dialect::Postgres, "x\\'"), "'x\\'''");
        assert_eq!(unstring(Dialect::Postgres, "'a'b'"), None);
        assert_eq!(unstring(Dialect::Mysql, "'a\\'"), None);
    }
}
