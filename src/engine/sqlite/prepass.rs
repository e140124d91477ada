//! SQLite syntax that sqlparser 0.59 does not parse, rewritten at the token level first (spans
//! kept, so errors still point into the user's file):
//! - table options in any order and comma-separated (`STRICT, WITHOUT ROWID`): sqlparser reads
//!   `WITHOUT ROWID STRICT` only;
//! - names written as single-quoted strings where SQLite takes them for names (`CREATE TABLE
//!   't' ('id' INTEGER)`): the table after `CREATE TABLE`, `REFERENCES` and an index's `ON`, an
//!   index or constraint name, a column definition's name, and a lone string in a key or
//!   index column list become double-quoted names.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Word};

use crate::sql::tokens::{closers, is_keyword, next_significant, previous_significant, with_span};

pub fn sqlite(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    table_options(quoted_names(tokens))
}

/// `) STRICT, WITHOUT ROWID` at the end of a statement → `) WITHOUT ROWID STRICT`.
fn table_options(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&k| !matches!(tokens[k].token, Token::Whitespace(_) | Token::SemiColon))
        .collect();
    // The options after the last `)`: words STRICT / WITHOUT ROWID and commas only.
    let Some(close) = significant
        .iter()
        .rposition(|&k| tokens[k].token == Token::RParen)
    else {
        return tokens;
    };
    let tail = &significant[close + 1..];
    if !tail.iter().any(|&k| tokens[k].token == Token::Comma) {
        return tokens;
    }
    let (mut strict, mut without_rowid) = (None, None);
    let mut i = 0;
    while i < tail.len() {
        let t = &tokens[tail[i]].token;
        if is_keyword(t, Keyword::STRICT) && strict.is_none() {
            strict = Some(tail[i]);
            i += 1;
        } else if is_keyword(t, Keyword::WITHOUT)
            && without_rowid.is_none()
            && tail
                .get(i + 1)
                .is_some_and(|&k| is_keyword(&tokens[k].token, Keyword::ROWID))
        {
            without_rowid = Some(tail[i]);
            i += 2;
        } else {
            return tokens; // something else: the parser says what
        }
        if i < tail.len() {
            if tokens[tail[i]].token != Token::Comma || i + 1 == tail.len() {
                return tokens;
            }
            i += 1;
        }
    }
    let (Some(strict), Some(without)) = (strict, without_rowid) else {
        return tokens;
    };
    let first = tail[0];
    let mut out: Vec<TokenWithSpan> = tokens[..first].to_vec();
    let rowid = tail
        .iter()
        .copied()
        .find(|&k| is_keyword(&tokens[k].token, Keyword::ROWID))
        .map(|k| tokens[k].clone());
    out.push(tokens[without].clone());
    out.push(with_span(
        Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
        tokens[without].span,
    ));
    out.extend(rowid);
    out.push(with_span(
        Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
        tokens[strict].span,
    ));
    out.push(tokens[strict].clone());
    let last = *tail.last().unwrap_or(&first);
    out.extend(tokens[last + 1..].iter().cloned());
    out
}

fn is_string(t: &Token) -> bool {
    matches!(t, Token::SingleQuotedString(_))
}

fn as_name(t: &mut TokenWithSpan) {
    if let Token::SingleQuotedString(s) = &t.token {
        t.token = Token::Word(Word {
            value: s.clone(),
            quote_style: Some('"'),
            keyword: Keyword::NoKeyword,
        });
    }
}

/// Single-quoted names, where SQLite reads a string as a name (see the module documentation).
fn quoted_names(mut tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    if !tokens.iter().any(|t| is_string(&t.token)) {
        return tokens;
    }
    let closer = closers(&tokens);
    let next = |tokens: &[TokenWithSpan], i: usize| next_significant(tokens, i + 1);
    let mut names = Vec::new();
    let mut lists = Vec::new(); // `(` of lists whose lone strings are names
    let create_table = tokens
        .iter()
        .position(|t| is_keyword(&t.token, Keyword::TABLE));
    for i in 0..tokens.len() {
        let t = &tokens[i].token;
        // A name after these words (skipping IF NOT EXISTS).
        let names_next = is_keyword(t, Keyword::TABLE)
            || is_keyword(t, Keyword::INDEX)
            || is_keyword(t, Keyword::REFERENCES)
            || is_keyword(t, Keyword::CONSTRAINT)
            || is_keyword(t, Keyword::ON);
        if names_next {
            let mut k = next(&tokens, i);
            while let Some(j) = k.filter(|&j| {
                [Keyword::IF, Keyword::NOT, Keyword::EXISTS]
                    .iter()
                    .any(|&w| is_keyword(&tokens[j].token, w))
            }) {
                k = next(&tokens, j);
            }
            if let Some(j) = k.filter(|&j| is_string(&tokens[j].token)) {
                names.push(j);
                // The table's (or index's) column list follows its name.
                if let Some(p) = next(&tokens, j).filter(|&p| tokens[p].token == Token::LParen) {
                    lists.push(p);
                }
            } else if let Some(j) = k {
                if let Some(p) = next(&tokens, j).filter(|&p| tokens[p].token == Token::LParen) {
                    if !is_keyword(t, Keyword::CONSTRAINT) {
                        lists.push(p);
                    }
                }
            }
        }
        if is_keyword(t, Keyword::KEY) || is_keyword(t, Keyword::UNIQUE) {
            if let Some(p) = next(&tokens, i).filter(|&p| tokens[p].token == Token::LParen) {
                lists.push(p);
            }
        }
    }
    for open in lists {
        let Some(close) = closer[open] else { continue };
        // Each element of the list starts after `(` or a `,` at the list's own depth.
        let mut k = open + 1;
        let mut element_start = true;
        while k < close {
            match tokens[k].token {
                Token::LParen => {
                    k = closer[k].map_or(close, |c| c + 1);
                    element_start = false;
                    continue;
                }
                Token::Comma => element_start = true,
                Token::Whitespace(_) => {}
                _ => {
                    let column_definition = create_table.is_some_and(|c| {
                        c < open && previous_significant(&tokens, open).is_some_and(|p| p > c)
                    });
                    let lone = next_significant(&tokens, k + 1).is_some_and(|n| {
                        matches!(tokens[n].token, Token::Comma | Token::RParen)
                            || is_keyword(&tokens[n].token, Keyword::ASC)
                            || is_keyword(&tokens[n].token, Keyword::DESC)
                            || is_keyword(&tokens[n].token, Keyword::COLLATE)
                    });
                    if element_start && is_string(&tokens[k].token) && (lone || column_definition) {
                        names.push(k);
                    }
                    element_start = false;
                }
            }
            k += 1;
        }
    }
    for k in names {
        as_name(&mut tokens[k]);
    }
    tokens
}
