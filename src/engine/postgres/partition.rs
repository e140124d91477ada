//! PostgreSQL declarative partitioning: a partitioned table's `PARTITION BY` (the table option
//! `partition`, as `pg_get_partkeydef` spells it) and a partition's parent and bound (options
//! `partition_of` and `partition_bound`, as `pg_get_expr(relpartbound)` spells it). The schema
//! file's text and the catalog's are read by the same code into the same canonical text; what
//! the server alone knows (a timestamp bound's spelling) comes from the scratch schema.
//! Table inheritance (`INHERITS (parent, …)`) is kept beside them, as the option `inherits`.

use std::collections::BTreeMap;

use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use crate::model::Dialect;
use crate::normalize::expr::canonical;
use crate::sql::lower::{expect_words, words};

const D: Dialect = Dialect::Postgres;

/// The option of a partitioned table: `RANGE (a, b)`, `LIST (region)`, `HASH (id)`.
pub const PARTITION: &str = crate::engine::mysql::partition::PARTITION;
/// The option of a partition: its parent's key.
pub const PARTITION_OF: &str = "partition_of";
/// The option of a partition: `FOR VALUES …` or `DEFAULT`.
pub const PARTITION_BOUND: &str = "partition_bound";
/// The option of a table that inherits (`INHERITS`): its parents' keys in order, each ended
/// by [`PARENT_END`].
pub const INHERITS: &str = "inherits";
/// What ends each parent in [`INHERITS`] (a name holding it is refused).
pub const PARENT_END: char = '\u{1e}';

/// The keys of the tables a table's `options` say it inherits from, in order (none if it
/// inherits from none).
pub fn parents(options: &BTreeMap<String, String>) -> impl Iterator<Item = &str> {
    (options.get(INHERITS).into_iter()).flat_map(|o| o.split_terminator(PARENT_END))
}

fn canonical_expr(e: &Expr) -> Result<String, String> {
    canonical(D, e).map(|e| e.to_string())
}

/// A `PARTITION BY` as sqlparser reads it (`RANGE(a, b)`, a call) in canonical text.
pub fn key(expr: &Expr) -> Result<String, String> {
    let Expr::Function(f) = expr else {
        return Err("PARTITION BY takes RANGE, LIST or HASH and the columns in parentheses".into());
    };
    let method = f.name.to_string().to_uppercase();
    if !matches!(method.as_str(), "RANGE" | "LIST" | "HASH") {
        return Err(format!(
            "PARTITION BY {method}: PostgreSQL partitions by RANGE, LIST or HASH"
        ));
    }
    let FunctionArguments::List(list) = &f.args else {
        return Err(format!(
            "PARTITION BY {method} names what it partitions by in parentheses"
        ));
    };
    let mut parts = Vec::new();
    for arg in &list.args {
        match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => parts.push(canonical_expr(e)?),
            _ => {
                return Err(format!(
                    "PARTITION BY {method}: `{arg}` is not a column or expression"
                ))
            }
        }
    }
    if parts.is_empty() {
        return Err(format!("PARTITION BY {method} names at least one column"));
    }
    Ok(format!("{method} ({})", parts.join(", ")))
}

/// Catalog text read with `read`, within the limits every input is held to.
fn from_catalog<T>(
    text: &str,
    read: impl FnOnce(&mut Parser) -> Result<T, ParserError>,
) -> Result<T, String> {
    let tokens = crate::sql::limits::checked_tokens(D, text)?;
    let pd = crate::sql::parser_dialect(D);
    let mut p = Parser::new(pd.as_ref()).with_tokens_with_locations(tokens);
    read(&mut p).map_err(|e| e.to_string())
}

/// `pg_get_partkeydef`'s text, read as the schema file's.
pub fn key_from_catalog(text: &str) -> Result<String, String> {
    key(&from_catalog(text, |p| p.parse_expr())?)
}

/// A partition's bound: `DEFAULT`, or `FOR VALUES IN (…)`, `FROM (…) TO (…)` (with `MINVALUE`
/// and `MAXVALUE`) or `WITH (MODULUS m, REMAINDER r)`, in canonical text.
pub fn bound(p: &mut Parser) -> Result<String, ParserError> {
    if words(p, &["DEFAULT"]) {
        return Ok("DEFAULT".into());
    }
    expect_words(p, &["FOR", "VALUES"])?;
    if words(p, &["IN"]) {
        return Ok(format!("FOR VALUES IN ({})", values(p)?));
    }
    if words(p, &["FROM"]) {
        let from = values(p)?;
        expect_words(p, &["TO"])?;
        return Ok(format!("FOR VALUES FROM ({from}) TO ({})", values(p)?));
    }
    expect_words(p, &["WITH"])?;
    p.expect_token(&Token::LParen)?;
    expect_words(p, &["MODULUS"])?;
    let modulus = number(p)?;
    p.expect_token(&Token::Comma)?;
    expect_words(p, &["REMAINDER"])?;
    let remainder = number(p)?;
    p.expect_token(&Token::RParen)?;
    Ok(format!(
        "FOR VALUES WITH (MODULUS {modulus}, REMAINDER {remainder})"
    ))
}

/// `pg_get_expr(relpartbound)`'s text, read as the schema file's.
pub fn bound_from_catalog(text: &str) -> Result<String, String> {
    from_catalog(text, bound)
}

fn number(p: &mut Parser) -> Result<u64, ParserError> {
    let next = p.next_token();
    match &next.token {
        Token::Number(n, _) => n
            .parse()
            .map_err(|_| ParserError::ParserError(format!("`{n}` is not a whole number"))),
        _ => p.expected("a whole number", next),
    }
}

/// A parenthesized list of bound values, canonical.
fn values(p: &mut Parser) -> Result<String, ParserError> {
    p.expect_token(&Token::LParen)?;
    let mut out = Vec::new();
    loop {
        if words(p, &["MINVALUE"]) {
            out.push("MINVALUE".to_string());
        } else if words(p, &["MAXVALUE"]) {
            out.push("MAXVALUE".to_string());
        } else {
            out.push(canonical_expr(&p.parse_expr()?).map_err(ParserError::ParserError)?);
        }
        if p.consume_token(&Token::RParen) {
            return Ok(out.join(", "));
        }
        p.expect_token(&Token::Comma)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_bounds_read_alike_from_both_sides() {
        assert_eq!(
            key_from_catalog("RANGE (created_at)").unwrap(),
            "RANGE (created_at)"
        );
        assert_eq!(key_from_catalog("range (a, b)").unwrap(), "RANGE (a, b)");
        assert!(key_from_catalog("SPLIT (a)").is_err());
        assert_eq!(
            bound_from_catalog("FOR VALUES FROM ('2024-01-01') TO (MAXVALUE)").unwrap(),
            "FOR VALUES FROM ('2024-01-01') TO (MAXVALUE)"
        );
        assert_eq!(
            bound_from_catalog("FOR VALUES IN ('eu', 'us')").unwrap(),
            "FOR VALUES IN ('eu', 'us')"
        );
        assert_eq!(
            bound_from_catalog("FOR VALUES WITH (modulus 4, remainder 1)").unwrap(),
            "FOR VALUES WITH (MODULUS 4, REMAINDER 1)"
        );
        assert_eq!(bound_from_catalog("DEFAULT").unwrap(), "DEFAULT");
    }
}
