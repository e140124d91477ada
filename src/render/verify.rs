//! The last check on rendered SQL: each statement is exactly one statement of a kind plinth
//! renders, as the engine's tokenizer reads it — no `;`, no comment, nothing after it.
//!
//! Rendering builds every name and value through `crate::quote`, so this never fails unless
//! plinth itself has a bug; it is the proof, before anything runs, that nothing in a schema file
//! turned one statement into two. (The executor adds the engine's own guarantee: statements are
//! sent one per prepared statement, which no server runs as several.)

use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

use crate::error::{Error, Result};
use crate::model::Dialect;
use crate::sql::parser_dialect;

/// The statement heads plinth renders (first words, upper case).
const HEADS: &[&[&str]] = &[
    &["CREATE", "TABLE"],
    &["CREATE", "INDEX"],
    &["CREATE", "UNIQUE", "INDEX"],
    &["CREATE", "TYPE"],
    &["CREATE", "VIEW"],
    &["CREATE", "DOMAIN"],
    &["CREATE", "SCHEMA"],
    &["DROP", "SCHEMA"],
    &["CREATE", "EXTENSION"],
    &["ALTER", "EXTENSION"],
    &["DROP", "EXTENSION"],
    &["ALTER", "DOMAIN"],
    &["DROP", "DOMAIN"],
    &["CREATE", "MATERIALIZED", "VIEW"],
    &["DROP", "VIEW"],
    &["DROP", "MATERIALIZED", "VIEW"],
    &["CREATE", "SEQUENCE"],
    &["ALTER", "SEQUENCE"],
    &["DROP", "SEQUENCE"],
    // PostgreSQL: a sequence set to continue after a column's rows (`render::postgres`).
    &["SELECT", "SETVAL"],
    &["ALTER", "TABLE"],
    &["ALTER", "TYPE"],
    &["ALTER", "INDEX"],
    &["DROP", "TABLE"],
    // MySQL: a table renamed.
    &["RENAME", "TABLE"],
    &["DROP", "INDEX"],
    &["DROP", "TYPE"],
    &["COMMENT", "ON"],
    &["CREATE", "FUNCTION"],
    &["CREATE", "PROCEDURE"],
    &["CREATE", "OR", "REPLACE"],
    &["DROP", "FUNCTION"],
    &["DROP", "PROCEDURE"],
    &["CREATE", "TRIGGER"],
    &["DROP", "TRIGGER"],
    &["CREATE", "EVENT"],
    &["DROP", "EVENT"],
    &["CREATE", "POLICY"],
    &["DROP", "POLICY"],
    // PostgreSQL: routines are created before the tables their bodies read.
    &["SET", "CHECK_FUNCTION_BODIES"],
    &["INSERT", "INTO"],
];

/// `sql` is one statement of a kind plinth renders, or the error that says it is not.
pub fn one_statement(dialect: Dialect, sql: &str) -> Result<()> {
    one_of(dialect, sql, HEADS)
}

/// `sql` is one `SELECT` (the questions `plan::data` asks the data), or the error that says it
/// is not.
pub fn one_query(dialect: Dialect, sql: &str) -> Result<()> {
    one_of(dialect, sql, &[&["SELECT"]])
}

fn one_of(dialect: Dialect, sql: &str, heads: &[&[&str]]) -> Result<()> {
    let bug = |why: &str| {
        Error::usage(format!(
            "refusing to plan: a rendered statement {why}; nothing was run. This is a plinth bug: please report it with the schema\n  {sql}"
        ))
    };
    let pd = parser_dialect(dialect);
    let tokens = Tokenizer::new(pd.as_ref(), sql)
        .tokenize()
        .map_err(|e| bug(&format!("does not read back as SQL ({e})")))?;
    // A SQLite or MySQL trigger's body holds the `;`s of its statements: it must read back as
    // one trigger, nothing after its `END`.
    let trigger = dialect != Dialect::Postgres && {
        let mut first = tokens.iter().filter(|t| !matches!(t, Token::Whitespace(_)));
        matches!((first.next(), first.next()), (Some(Token::Word(c)), Some(Token::Word(t)))
            if c.value.eq_ignore_ascii_case("CREATE") && t.value.eq_ignore_ascii_case("TRIGGER"))
    };
    if trigger && !crate::sql::is_one_trigger(dialect, sql) {
        return Err(bug("does not read back as one trigger"));
    }
    let mut words = Vec::new();
    for t in &tokens {
        match t {
            Token::SemiColon if trigger => {}
            Token::SemiColon => return Err(bug("holds a `;`")),
            Token::Whitespace(Whitespace::SingleLineComment { .. })
            | Token::Whitespace(Whitespace::MultiLineComment(_)) => {
                return Err(bug("holds a comment"))
            }
            Token::Whitespace(_) => {}
            Token::Word(w) if words.len() < 3 && w.quote_style.is_none() => {
                words.push(w.value.to_ascii_uppercase())
            }
            _ if words.len() < 3 => words.push(String::new()),
            _ => {}
        }
    }
    let known = heads.iter().any(|head| {
        head.len() <= words.len()
            && head
                .iter()
                .zip(&words)
                .all(|(h, w)| h.eq_ignore_ascii_case(w))
    });
    if !known {
        return Err(bug("is not of a kind plinth renders"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_statement_only() {
        let ok = [
            (
                Dialect::Postgres,
                "ALTER TABLE \"a;b\" ADD CHECK (s <> ';--')",
            ),
            (Dialect::Mysql, "ALTER TABLE `t` COMMENT = 'x\\\\'"),
            (
                Dialect::Sqlite,
                "CREATE TABLE \"t\" (\n  \"x\" TEXT DEFAULT '/*'\n)",
            ),
        ];
        for (d, sql) in ok {
            one_statement(d, sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        let bad = [
            (
                Dialect::Postgres,
                "ALTER TABLE t ADD CHECK (x > 0); DROP TABLE victim",
            ),
            (
                Dialect::Mysql,
                "ALTER TABLE `t` COMMENT = 'x\\\\'; DROP TABLE victim; -- '",
            ),
            (Dialect::Sqlite, "CREATE TABLE t (x int) -- "),
            (Dialect::Sqlite, "SELECT 1"),
            (Dialect::Postgres, "DO $$ BEGIN END $$"),
        ];
        for (d, sql) in bad {
            assert!(one_statement(d, sql).is_err(), "{sql}");
        }
    }
}
