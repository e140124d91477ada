//! `EXCLUDE` constraints, which sqlparser cannot parse, rewritten into a marked `CHECK` (see
//! the parent module's documentation).

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan};

use super::{
    closers, fold, is_keyword, marker, next_significant, previous_significant, split_top_level,
    with_span, EXCLUDE, EXCLUDE_ELEMENT,
};

/// `EXCLUDE` constraints (see the module documentation), in CREATE TABLE and ALTER TABLE … ADD.
pub(super) fn exclude(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let closer = closers(&tokens);
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if is_keyword(&tokens[i].token, Keyword::EXCLUDE) && starts_constraint(&tokens, i) {
            if let Some((rewritten, next)) = exclude_constraint(&tokens, &closer, i) {
                out.extend(rewritten);
                i = next;
                continue;
            }
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// Whether the keyword at `i` starts a table constraint: after `(`, `,`, `ADD` or
/// `CONSTRAINT name`.
fn starts_constraint(tokens: &[TokenWithSpan], i: usize) -> bool {
    let Some(p) = previous_significant(tokens, i) else {
        return false;
    };
    match &tokens[p].token {
        Token::LParen | Token::Comma => true,
        t if is_keyword(t, Keyword::ADD) => true,
        Token::Word(_) => previous_significant(tokens, p)
            .is_some_and(|q| is_keyword(&tokens[q].token, Keyword::CONSTRAINT)),
        _ => false,
    }
}

/// The rewritten `EXCLUDE` constraint at `i` and the index after it; `None` (left alone, for
/// the parser to reject) for what plinth does not model: INCLUDE, WITH, USING INDEX
/// TABLESPACE, NULLS FIRST/LAST.
fn exclude_constraint(
    tokens: &[TokenWithSpan],
    closer: &[Option<usize>],
    i: usize,
) -> Option<(Vec<TokenWithSpan>, usize)> {
    let span = tokens[i].span;
    let tok = |t: Token| with_span(t, span);
    let text = |s: &str| tok(Token::SingleQuotedString(s.to_string()));
    let mut k = next_significant(tokens, i + 1)?;
    let mut method = String::new();
    if is_keyword(&tokens[k].token, Keyword::USING) {
        let m = next_significant(tokens, k + 1)?;
        let Token::Word(w) = &tokens[m].token else {
            return None;
        };
        method = fold(w);
        k = next_significant(tokens, m + 1)?;
    }
    if tokens[k].token != Token::LParen {
        return None;
    }
    let close = closer[k]?;
    let mut elements = Vec::new();
    for element in split_top_level(&tokens[k + 1..close]) {
        elements.push(tok(Token::Comma));
        elements.extend(exclude_element(element, span)?);
    }
    // Then a predicate and deferrability, in any order.
    let (mut predicate, mut deferrable, mut deferred) = (None, false, false);
    let mut j = close + 1;
    while let Some(n) = next_significant(tokens, j) {
        let t = &tokens[n].token;
        let next = next_significant(tokens, n + 1);
        if is_keyword(t, Keyword::WHERE) {
            let open = next.filter(|&o| tokens[o].token == Token::LParen)?;
            let c = closer[open]?;
            predicate = Some(&tokens[open..=c]);
            j = c + 1;
        } else if is_keyword(t, Keyword::DEFERRABLE) {
            deferrable = true;
            j = n + 1;
        } else if is_keyword(t, Keyword::NOT)
            && next.is_some_and(|d| is_keyword(&tokens[d].token, Keyword::DEFERRABLE))
        {
            j = next? + 1;
        } else if is_keyword(t, Keyword::INITIALLY) {
            let d = next?;
            deferred = is_keyword(&tokens[d].token, Keyword::DEFERRED);
            j = d + 1;
        } else if is_keyword(t, Keyword::INCLUDE)
            || is_keyword(t, Keyword::WITH)
            || is_keyword(t, Keyword::USING)
        {
            return None;
        } else {
            break;
        }
    }
    let mode = match (deferrable || deferred, deferred) {
        (false, _) => "",
        (true, false) => "immediate",
        (true, true) => "deferred",
    };
    let mut out = vec![
        tok(Token::make_keyword("CHECK")),
        tok(Token::LParen),
        marker(EXCLUDE, span),
        tok(Token::LParen),
        text(&method),
        tok(Token::Comma),
        text(mode),
        tok(Token::Comma),
    ];
    match predicate {
        Some(p) => out.extend_from_slice(p),
        None => out.push(tok(Token::make_keyword("NULL"))),
    }
    out.extend(elements);
    out.push(tok(Token::RParen));
    out.push(tok(Token::RParen));
    Some((out, j))
}

/// `e [opclass] [ASC|DESC] WITH op` → `"plinth element"(e, 'opclass' | NULL, 'asc' | 'desc', 'op')`.
fn exclude_element(element: &[TokenWithSpan], span: Span) -> Option<Vec<TokenWithSpan>> {
    let tok = |t: Token| with_span(t, span);
    let text = |s: &str| tok(Token::SingleQuotedString(s.to_string()));
    let sig: Vec<&TokenWithSpan> = element
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    // The last WITH outside parentheses separates the key from the operator.
    let mut depth = 0i32;
    let mut with = None;
    for (k, t) in sig.iter().enumerate() {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ if depth == 0 && is_keyword(&t.token, Keyword::WITH) => with = Some(k),
            _ => {}
        }
    }
    let with = with?;
    let operator: String = sig[with + 1..]
        .iter()
        .map(|t| t.token.to_string())
        .collect();
    let mut key = &sig[..with];
    if key.iter().any(|t| is_keyword(&t.token, Keyword::NULLS)) || operator.is_empty() {
        return None;
    }
    let mut direction = "asc";
    if let Some((last, rest)) = key.split_last() {
        if is_keyword(&last.token, Keyword::DESC) || is_keyword(&last.token, Keyword::ASC) {
            if is_keyword(&last.token, Keyword::DESC) {
                direction = "desc";
            }
            key = rest;
        }
    }
    // An operator class is a name after the key: after a word (not COLLATE) or a `)`.
    let mut opclass = None;
    if let [.., before, last] = key {
        if let Token::Word(w) = &last.token {
            let after_key = match &before.token {
                Token::Word(b) => !(b.quote_style.is_none() && b.keyword == Keyword::COLLATE),
                Token::RParen => true,
                _ => false,
            };
            if after_key {
                opclass = Some(fold(w));
                key = &key[..key.len() - 1];
            }
        }
    }
    if key.is_empty() {
        return None;
    }
    let mut out = vec![marker(EXCLUDE_ELEMENT, span), tok(Token::LParen)];
    out.extend(key.iter().map(|t| (*t).clone()));
    out.push(tok(Token::Comma));
    out.push(match &opclass {
        Some(o) => text(o),
        None => tok(Token::make_keyword("NULL")),
    });
    out.extend([
        tok(Token::Comma),
        text(direction),
        tok(Token::Comma),
        text(&operator),
        tok(Token::RParen),
    ]);
    Some(out)
}
