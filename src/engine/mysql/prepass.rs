//! MySQL syntax that sqlparser 0.59 does not parse, rewritten at the token level first (spans
//! kept): the index type written before a key's columns (`PRIMARY KEY USING BTREE (id)`,
//! `KEY k USING HASH (c)`) goes after them, where sqlparser reads it.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::sql::tokens::{closers, is_keyword, next_significant};

pub fn mysql(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    if !tokens.iter().any(|t| is_keyword(&t.token, Keyword::USING)) {
        return tokens;
    }
    let closer = closers(&tokens);
    // `USING` at k, its method at m, the column list from p to its closer c: move k..=m to c.
    let mut moves = Vec::new();
    for k in 0..tokens.len() {
        if !is_keyword(&tokens[k].token, Keyword::USING) {
            continue;
        }
        let Some(m) = next_significant(&tokens, k + 1).filter(|&m| {
            is_keyword(&tokens[m].token, Keyword::BTREE)
                || is_keyword(&tokens[m].token, Keyword::HASH)
        }) else {
            continue;
        };
        let Some(p) =
            next_significant(&tokens, m + 1).filter(|&p| tokens[p].token == Token::LParen)
        else {
            continue;
        };
        if let Some(c) = closer[p] {
            moves.push((k, m, c));
        }
    }
    if moves.is_empty() {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len() + moves.len());
    let mut skip_until = 0;
    let mut pending: Vec<(usize, Vec<TokenWithSpan>)> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if let Some(&(k, m, c)) = moves.iter().find(|(k, _, _)| *k == i) {
            let mut moved = vec![with_space(t)];
            moved.extend(tokens[k..=m].iter().cloned());
            pending.push((c, moved));
            skip_until = m + 1;
            continue;
        }
        if i < skip_until {
            continue;
        }
        out.push(t.clone());
        if let Some(pos) = pending.iter().position(|(c, _)| *c == i) {
            let (_, moved) = pending.remove(pos);
            out.extend(moved);
        }
    }
    out
}

fn with_space(t: &TokenWithSpan) -> TokenWithSpan {
    TokenWithSpan {
        token: Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
        span: t.span,
    }
}
