//! Token helpers shared by the token-level rewrites that run before sqlparser (the engines'
//! prepasses): significant neighbours, matching parentheses, words and keywords.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan};

pub(crate) fn is_keyword(token: &Token, keyword: Keyword) -> bool {
    matches!(token, Token::Word(w) if w.keyword == keyword && w.quote_style.is_none())
}

pub(crate) fn is_word(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

/// The first token at or after `i` that is not whitespace or a comment.
pub(crate) fn next_significant(tokens: &[TokenWithSpan], i: usize) -> Option<usize> {
    (i..tokens.len()).find(|&k| !matches!(tokens[k].token, Token::Whitespace(_)))
}

pub(crate) fn previous_significant(tokens: &[TokenWithSpan], i: usize) -> Option<usize> {
    (0..i)
        .rev()
        .find(|&k| !matches!(tokens[k].token, Token::Whitespace(_)))
}

/// For each `(`, the index of the `)` that closes it (parentheses counted, brackets not); for
/// each `[`, the first `]` after it. Two passes, whatever the nesting.
pub(crate) fn closers(tokens: &[TokenWithSpan]) -> Vec<Option<usize>> {
    let mut out = vec![None; tokens.len()];
    let mut open = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        match t.token {
            Token::LParen => open.push(k),
            Token::RParen => {
                if let Some(o) = open.pop() {
                    out[o] = Some(k);
                }
            }
            _ => {}
        }
    }
    let mut bracket = None;
    for (k, t) in tokens.iter().enumerate().rev() {
        match t.token {
            Token::RBracket => bracket = Some(k),
            Token::LBracket => out[k] = bracket,
            _ => {}
        }
    }
    out
}

pub(crate) fn with_span(token: Token, span: Span) -> TokenWithSpan {
    TokenWithSpan { token, span }
}
