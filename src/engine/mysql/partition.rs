//! MySQL/MariaDB `PARTITION BY` on a table, which sqlparser 0.59 does not read: cut from the
//! `CREATE TABLE` before it is parsed, read here with sqlparser's parser primitives, and kept
//! as the table option `partition`: the clause as plinth writes it, its expressions and values
//! in canonical text, so the one read from the catalog (`information_schema.PARTITIONS`)
//! compares equal.

use sqlparser::ast::Expr;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::model::Dialect;
use crate::normalize::expr::{canonical, canonical_text};
use crate::quote;
use crate::sql::lower::{expect_words, is_word, words};
use crate::sql::tokens::{closers, is_word as token_is, next_significant};

const D: Dialect = Dialect::Mysql;

/// The table option that holds a table's partitioning.
pub const PARTITION: &str = "partition";

/// A `CREATE TABLE`'s tokens without its `PARTITION BY …` tail, and the tail (from `PARTITION`
/// on), when it has one after its column list.
pub fn split(mut tokens: Vec<TokenWithSpan>) -> (Vec<TokenWithSpan>, Option<Vec<TokenWithSpan>>) {
    let first = next_significant(&tokens, 0);
    let second = first.and_then(|f| next_significant(&tokens, f + 1));
    let create_table = first.is_some_and(|f| token_is(&tokens[f].token, "CREATE"))
        && second.is_some_and(|s| token_is(&tokens[s].token, "TABLE"));
    if !create_table {
        return (tokens, None);
    }
    let Some(open) = tokens.iter().position(|t| t.token == Token::LParen) else {
        return (tokens, None);
    };
    let Some(close) = closers(&tokens)[open] else {
        return (tokens, None);
    };
    let closer = closers(&tokens);
    let mut k = close + 1;
    while k < tokens.len() {
        if token_is(&tokens[k].token, "PARTITION")
            && next_significant(&tokens, k + 1).is_some_and(|b| token_is(&tokens[b].token, "BY"))
        {
            let mut tail = tokens.split_off(k);
            // A `;` ending the statement stays with it.
            if let Some(semi) = tail.iter().position(|t| t.token == Token::SemiColon) {
                tokens.extend(tail.split_off(semi));
            }
            return (tokens, Some(tail));
        }
        // Parentheses of table options are skipped whole.
        k = match (tokens[k].token == Token::LParen, closer[k]) {
            (true, Some(c)) => c + 1,
            _ => k + 1,
        };
    }
    (tokens, None)
}

fn canonical_expr(e: &Expr) -> Result<String, ParserError> {
    canonical(D, e)
        .map(|e| e.to_string())
        .map_err(ParserError::ParserError)
}

/// A parenthesized expression, canonical.
fn expression(p: &mut Parser) -> Result<String, ParserError> {
    p.expect_token(&Token::LParen)?;
    let e = canonical_expr(&p.parse_expr()?)?;
    p.expect_token(&Token::RParen)?;
    Ok(e)
}

/// A parenthesized, comma-separated list of expressions (or `MAXVALUE`), canonical.
fn values(p: &mut Parser) -> Result<Vec<String>, ParserError> {
    p.expect_token(&Token::LParen)?;
    let mut out = Vec::new();
    loop {
        if words(p, &["MAXVALUE"]) {
            out.push("MAXVALUE".to_string());
        } else {
            out.push(canonical_expr(&p.parse_expr()?)?);
        }
        if p.consume_token(&Token::RParen) {
            return Ok(out);
        }
        p.expect_token(&Token::Comma)?;
    }
}

/// Column names in parentheses, quoted.
fn columns(p: &mut Parser) -> Result<String, ParserError> {
    p.expect_token(&Token::LParen)?;
    let mut out = Vec::new();
    loop {
        out.push(quote::ident(D, &p.parse_identifier()?.value));
        if p.consume_token(&Token::RParen) {
            return Ok(out.join(","));
        }
        p.expect_token(&Token::Comma)?;
    }
}

/// The clause as plinth writes it: method, what it partitions by, and the partitions (their
/// count for `HASH` and `KEY` without a list).
fn written(method: &str, by: &str, partitions: &[(String, String)], count: usize) -> String {
    let mut out = format!("PARTITION BY {method} ({by})");
    if partitions.is_empty() {
        out.push_str(&format!(" PARTITIONS {count}"));
    } else {
        let list: Vec<String> = partitions
            .iter()
            .map(|(name, values)| format!("PARTITION {} {values}", quote::ident(D, name)))
            .collect();
        out.push_str(&format!(" ({})", list.join(", ")));
    }
    out
}

/// Read a `PARTITION BY …` tail (see [`split`]) into the clause as plinth writes it.
pub fn read(p: &mut Parser) -> Result<String, ParserError> {
    expect_words(p, &["PARTITION", "BY"])?;
    let linear = words(p, &["LINEAR"]);
    let (method, by) = if words(p, &["HASH"]) {
        ("HASH", expression(p)?)
    } else if words(p, &["KEY"]) {
        if words(p, &["ALGORITHM"]) {
            p.expect_token(&Token::Eq)?;
            p.next_token();
        }
        ("KEY", columns(p)?)
    } else if words(p, &["RANGE", "COLUMNS"]) {
        ("RANGE COLUMNS", columns(p)?)
    } else if words(p, &["LIST", "COLUMNS"]) {
        ("LIST COLUMNS", columns(p)?)
    } else if words(p, &["RANGE"]) {
        ("RANGE", expression(p)?)
    } else if words(p, &["LIST"]) {
        ("LIST", expression(p)?)
    } else {
        return p.expected("HASH, KEY, RANGE or LIST", p.peek_token());
    };
    if linear && !matches!(method, "HASH" | "KEY") {
        return p.expected("HASH or KEY after LINEAR", p.peek_token());
    }
    let method = if linear {
        format!("LINEAR {method}")
    } else {
        method.to_string()
    };
    let mut count = 1;
    if words(p, &["PARTITIONS"]) {
        let next = p.next_token();
        count = match next.token {
            Token::Number(n, _) => n.parse().unwrap_or(1),
            _ => return p.expected("a number of partitions", next),
        };
    }
    if is_word(p, 0, "SUBPARTITION") {
        return Err(ParserError::ParserError(
            "SUBPARTITION BY is not supported".into(),
        ));
    }
    let mut partitions = Vec::new();
    if p.consume_token(&Token::LParen) {
        loop {
            expect_words(p, &["PARTITION"])?;
            let name = p.parse_identifier()?.value;
            let values = if words(p, &["VALUES", "LESS", "THAN"]) {
                if words(p, &["MAXVALUE"]) {
                    "VALUES LESS THAN (MAXVALUE)".to_string()
                } else {
                    format!("VALUES LESS THAN ({})", values(p)?.join(","))
                }
            } else if words(p, &["VALUES", "IN"]) {
                format!("VALUES IN ({})", values(p)?.join(","))
            } else {
                String::new()
            };
            // Storage options of a partition are the server's business.
            while !matches!(
                p.peek_token().token,
                Token::Comma | Token::RParen | Token::EOF
            ) {
                p.next_token();
            }
            partitions.push((name, values.trim().to_string()));
            if p.consume_token(&Token::RParen) {
                break;
            }
            p.expect_token(&Token::Comma)?;
        }
    }
    if partitions.is_empty()
        && !matches!(
            method.as_str(),
            "HASH" | "KEY" | "LINEAR HASH" | "LINEAR KEY"
        )
    {
        return Err(ParserError::ParserError(format!(
            "{method} partitioning names its partitions: add (PARTITION p0 VALUES …, …)"
        )));
    }
    // Partitions named as the server names them by default are a count.
    let defaults = partitions
        .iter()
        .enumerate()
        .all(|(i, (name, values))| values.is_empty() && *name == format!("p{i}"));
    if defaults && !partitions.is_empty() {
        count = partitions.len();
        partitions.clear();
    }
    Ok(written(&method, &by, &partitions, count))
}

/// One partition of a table as `information_schema.PARTITIONS` gives it.
pub struct Row {
    pub name: String,
    pub method: String,
    pub expression: String,
    pub description: Option<String>,
}

/// A table's partitioning from its catalog rows, as [`read`] writes the desired one (none when
/// the catalog text does not read).
pub fn from_catalog(rows: &[Row]) -> Option<String> {
    let first = rows.first()?;
    let method = first.method.as_str();
    let by = if method.ends_with("COLUMNS") || method.ends_with("KEY") {
        let names: Vec<String> = first
            .expression
            .split(',')
            .map(|c| quote::ident(D, c.trim().trim_matches('`')))
            .collect();
        names.join(",")
    } else {
        canonical_text(D, &first.expression).ok()?.to_string()
    };
    let listed = method.starts_with("RANGE") || method.starts_with("LIST");
    let partitions: Vec<(String, String)> = if listed {
        rows.iter()
            .map(|r| {
                let d = r.description.clone().unwrap_or_default();
                let values = if method.starts_with("RANGE") {
                    format!("VALUES LESS THAN ({})", catalog_values(&d)?)
                } else {
                    format!("VALUES IN ({})", catalog_values(&d)?)
                };
                Some((r.name.clone(), values))
            })
            .collect::<Option<_>>()?
    } else {
        Vec::new()
    };
    Some(written(method, &by, &partitions, rows.len()))
}

/// A catalog's list of values (`1,2,3`, `'US','CA'`, `MAXVALUE`) in canonical text.
fn catalog_values(text: &str) -> Option<String> {
    let tokens = crate::sql::limits::checked_tokens(D, &format!("({text})")).ok()?;
    let pd = crate::sql::parser_dialect(D);
    let mut p = Parser::new(pd.as_ref()).with_tokens_with_locations(tokens);
    values(&mut p).ok().map(|v| v.join(","))
}
