//! PostgreSQL syntax that sqlparser 0.59 does not parse, rewritten at the token level first.
//!
//! Every token keeps its span, so errors still point into the user's file. What sqlparser has
//! no place for in its syntax tree is carried by a marker: a quoted name with a space in it,
//! which no schema uses, and which lowering takes out again. The rewrites:
//! - identity sequence options in any order (`START 5 INCREMENT 2`): sqlparser takes them in
//!   one fixed order only, so the option groups are put in that order;
//! - `CHECK (e) NO INHERIT` → `CHECK ("plinth no inherit"(e))` ([`NO_INHERIT`]);
//! - `REFERENCES t (…) MATCH FULL` → `REFERENCES "plinth match full".t (…)` ([`MATCH_FULL`]);
//!   `MATCH SIMPLE`, the default, is dropped;
//! - the type suffix `array` (`integer array`, `integer array[3]`) becomes `[]`;
//! - `COMMENT ON INDEX i` → `COMMENT ON TABLE "plinth index".i` ([`INDEX_COMMENT`]) and
//!   `COMMENT ON CONSTRAINT c ON t` → `COMMENT ON COLUMN "plinth constraint".t.c`
//!   ([`CONSTRAINT_COMMENT`]).

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan};

/// Marks a `NO INHERIT` check: a call wrapped around its expression.
pub const NO_INHERIT: &str = "plinth no inherit";
/// Marks a `MATCH FULL` foreign key: a qualifier on its referenced table.
pub const MATCH_FULL: &str = "plinth match full";
/// Marks `COMMENT ON INDEX`: a qualifier on the index name in a `COMMENT ON TABLE`.
pub const INDEX_COMMENT: &str = "plinth index";
/// Marks `COMMENT ON CONSTRAINT`: a qualifier on `table.constraint` in a `COMMENT ON COLUMN`.
pub const CONSTRAINT_COMMENT: &str = "plinth constraint";

/// Rewrite a PostgreSQL token stream (see the module documentation).
pub fn postgres(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let tokens = comments(tokens);
    let tokens = identity_options(tokens);
    let tokens = no_inherit(tokens);
    let tokens = match_clause(tokens);
    array_suffix(tokens)
}

fn marker(name: &str, span: Span) -> TokenWithSpan {
    with_span(Token::make_word(name, Some('"')), span)
}

fn is_keyword(token: &Token, keyword: Keyword) -> bool {
    matches!(token, Token::Word(w) if w.keyword == keyword && w.quote_style.is_none())
}

fn is_word(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

/// The first token at or after `i` that is not whitespace or a comment.
fn next_significant(tokens: &[TokenWithSpan], i: usize) -> Option<usize> {
    (i..tokens.len()).find(|&k| !matches!(tokens[k].token, Token::Whitespace(_)))
}

fn previous_significant(tokens: &[TokenWithSpan], i: usize) -> Option<usize> {
    (0..i)
        .rev()
        .find(|&k| !matches!(tokens[k].token, Token::Whitespace(_)))
}

/// The `)` that closes the `(` at `open`.
fn matching_paren(tokens: &[TokenWithSpan], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in tokens.iter().enumerate().skip(open) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

fn with_span(token: Token, span: Span) -> TokenWithSpan {
    TokenWithSpan { token, span }
}

/// `AS IDENTITY ( options )`: the option groups in sqlparser's order (INCREMENT, MINVALUE,
/// MAXVALUE, START, CACHE, CYCLE). Anything unexpected is left alone for the parser to report.
fn identity_options(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if is_keyword(&tokens[i].token, Keyword::AS) {
            let ident = next_significant(&tokens, i + 1)
                .filter(|&k| is_keyword(&tokens[k].token, Keyword::IDENTITY));
            let open = ident
                .and_then(|k| next_significant(&tokens, k + 1))
                .filter(|&k| tokens[k].token == Token::LParen);
            if let Some(open) = open {
                if let Some(close) = matching_paren(&tokens, open) {
                    if let Some(groups) = option_groups(&tokens[open + 1..close]) {
                        out.extend_from_slice(&tokens[i..=open]);
                        out.extend(groups.into_iter().flatten());
                        out.push(tokens[close].clone());
                        i = close + 1;
                        continue;
                    }
                }
            }
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// Split sequence options into groups, each led by its keyword, sorted into sqlparser's order.
fn option_groups(inner: &[TokenWithSpan]) -> Option<Vec<Vec<TokenWithSpan>>> {
    let significant: Vec<&TokenWithSpan> = inner
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let rank = |k: usize| -> Option<u8> {
        let t = &significant[k].token;
        let next = significant.get(k + 1).map(|t| &t.token);
        if is_keyword(t, Keyword::INCREMENT) {
            Some(0)
        } else if is_keyword(t, Keyword::MINVALUE) {
            Some(1)
        } else if is_keyword(t, Keyword::MAXVALUE) {
            Some(2)
        } else if is_keyword(t, Keyword::START) {
            Some(3)
        } else if is_keyword(t, Keyword::CACHE) {
            Some(4)
        } else if is_keyword(t, Keyword::CYCLE) {
            Some(5)
        } else if is_keyword(t, Keyword::NO) {
            match next {
                Some(n) if is_keyword(n, Keyword::MINVALUE) => Some(1),
                Some(n) if is_keyword(n, Keyword::MAXVALUE) => Some(2),
                Some(n) if is_keyword(n, Keyword::CYCLE) => Some(5),
                _ => None,
            }
        } else {
            None
        }
    };
    let mut groups: Vec<(u8, Vec<TokenWithSpan>)> = Vec::new();
    let mut k = 0;
    while k < significant.len() {
        let r = rank(k);
        match (r, groups.last_mut()) {
            // `NO MINVALUE`: the second word belongs to the group `NO` started.
            (Some(r), _) if k == 0 || !is_keyword(&significant[k - 1].token, Keyword::NO) => {
                groups.push((r, vec![significant[k].clone()]))
            }
            (_, Some((_, group))) => group.push(significant[k].clone()),
            (_, None) => return None,
        }
        k += 1;
    }
    groups.sort_by_key(|(r, _)| *r);
    Some(groups.into_iter().map(|(_, g)| g).collect())
}

/// `CHECK ( e ) NO INHERIT` → `CHECK ( "plinth no inherit" ( e ) )`.
fn no_inherit(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if is_keyword(&tokens[i].token, Keyword::CHECK) {
            let open =
                next_significant(&tokens, i + 1).filter(|&k| tokens[k].token == Token::LParen);
            let close = open.and_then(|o| matching_paren(&tokens, o));
            let no = close
                .and_then(|c| next_significant(&tokens, c + 1))
                .filter(|&k| is_keyword(&tokens[k].token, Keyword::NO));
            let inherit = no
                .and_then(|k| next_significant(&tokens, k + 1))
                .filter(|&k| is_keyword(&tokens[k].token, Keyword::INHERIT));
            if let (Some(open), Some(close), Some(no), Some(inherit)) = (open, close, no, inherit) {
                let (no_span, inherit_span) = (tokens[no].span, tokens[inherit].span);
                out.extend_from_slice(&tokens[i..=open]);
                out.push(with_span(Token::make_word(NO_INHERIT, Some('"')), no_span));
                out.push(with_span(Token::LParen, no_span));
                out.extend_from_slice(&tokens[open + 1..close]);
                out.push(with_span(Token::RParen, inherit_span));
                out.push(tokens[close].clone());
                i = inherit + 1;
                continue;
            }
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// `REFERENCES t [ ( … ) ] MATCH FULL | MATCH SIMPLE` (see the module documentation).
/// `MATCH PARTIAL`, which PostgreSQL does not implement, is left for the parser to reject.
fn match_clause(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut removed = vec![false; tokens.len()];
    // Positions of referenced table names to qualify with the marker.
    let mut qualify = vec![false; tokens.len()];
    for i in 0..tokens.len() {
        if !is_keyword(&tokens[i].token, Keyword::REFERENCES) {
            continue;
        }
        // The (possibly qualified) table name: words separated by periods.
        let Some(first) = next_significant(&tokens, i + 1) else {
            continue;
        };
        if !matches!(tokens[first].token, Token::Word(_)) {
            continue;
        }
        let mut last = first;
        while let Some(dot) =
            next_significant(&tokens, last + 1).filter(|&k| tokens[k].token == Token::Period)
        {
            match next_significant(&tokens, dot + 1) {
                Some(w) if matches!(tokens[w].token, Token::Word(_)) => last = w,
                _ => break,
            }
        }
        let mut after = next_significant(&tokens, last + 1);
        if let Some(open) = after.filter(|&k| tokens[k].token == Token::LParen) {
            after = matching_paren(&tokens, open).and_then(|c| next_significant(&tokens, c + 1));
        }
        let Some(m) = after.filter(|&k| is_keyword(&tokens[k].token, Keyword::MATCH)) else {
            continue;
        };
        let Some(kind) = next_significant(&tokens, m + 1) else {
            continue;
        };
        let full = is_word(&tokens[kind].token, "FULL");
        if full || is_word(&tokens[kind].token, "SIMPLE") {
            removed[m] = true;
            removed[kind] = true;
            qualify[first] = full;
        }
    }
    let mut out = Vec::with_capacity(tokens.len() + 2);
    for (i, t) in tokens.into_iter().enumerate() {
        if qualify[i] {
            out.push(marker(MATCH_FULL, t.span));
            out.push(with_span(Token::Period, t.span));
        }
        if !removed[i] {
            out.push(t);
        }
    }
    out
}

/// `COMMENT ON INDEX | CONSTRAINT` statements (see the module documentation).
fn comments(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut out = Vec::with_capacity(tokens.len() + 4);
    let mut i = 0;
    while i < tokens.len() {
        let starts_statement =
            previous_significant(&tokens, i).is_none_or(|p| tokens[p].token == Token::SemiColon);
        if starts_statement && is_keyword(&tokens[i].token, Keyword::COMMENT) {
            if let Some((rewritten, next)) = comment(&tokens, i) {
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

/// The rewritten head of the `COMMENT` statement at `i`, and where the rest (`IS …`) starts.
fn comment(tokens: &[TokenWithSpan], i: usize) -> Option<(Vec<TokenWithSpan>, usize)> {
    let on =
        next_significant(tokens, i + 1).filter(|&k| is_keyword(&tokens[k].token, Keyword::ON))?;
    let what = next_significant(tokens, on + 1)?;
    let name = next_significant(tokens, what + 1)?;
    let mut out = tokens[i..=on].to_vec();
    if is_keyword(&tokens[what].token, Keyword::INDEX) {
        out.push(with_span(Token::make_keyword("TABLE"), tokens[what].span));
        out.push(marker(INDEX_COMMENT, tokens[name].span));
        out.push(with_span(Token::Period, tokens[name].span));
        return Some((out, name));
    }
    if !is_keyword(&tokens[what].token, Keyword::CONSTRAINT)
        || !matches!(tokens[name].token, Token::Word(_))
    {
        return None;
    }
    let on_table = next_significant(tokens, name + 1)
        .filter(|&k| is_keyword(&tokens[k].token, Keyword::ON))?;
    // The table name: words separated by periods, up to `IS`.
    let first = next_significant(tokens, on_table + 1)?;
    let mut table = Vec::new();
    let mut k = first;
    while !is_keyword(&tokens[k].token, Keyword::IS)
        && matches!(tokens[k].token, Token::Word(_) | Token::Period)
    {
        table.push(tokens[k].clone());
        k = next_significant(tokens, k + 1)?;
    }
    if !is_keyword(&tokens[k].token, Keyword::IS) || table.is_empty() {
        return None;
    }
    out.push(with_span(Token::make_keyword("COLUMN"), tokens[what].span));
    out.push(marker(CONSTRAINT_COMMENT, tokens[first].span));
    out.push(with_span(Token::Period, tokens[first].span));
    out.extend(table);
    out.push(with_span(Token::Period, tokens[name].span));
    out.push(tokens[name].clone());
    Some((out, k))
}

/// Keywords after which `ARRAY` starts an array constructor, not a type suffix.
const BEFORE_ARRAY_CONSTRUCTOR: [Keyword; 22] = [
    Keyword::DEFAULT,
    Keyword::THEN,
    Keyword::ELSE,
    Keyword::WHEN,
    Keyword::AND,
    Keyword::OR,
    Keyword::NOT,
    Keyword::IS,
    Keyword::IN,
    Keyword::SELECT,
    Keyword::RETURN,
    Keyword::BETWEEN,
    Keyword::LIKE,
    Keyword::ILIKE,
    Keyword::ANY,
    Keyword::ALL,
    Keyword::SOME,
    Keyword::CHECK,
    Keyword::WHERE,
    Keyword::AS,
    Keyword::DISTINCT,
    Keyword::EXISTS,
];

/// `integer array` → `integer[]`; `integer array[3]` → `integer[3]`.
fn array_suffix(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut out = Vec::with_capacity(tokens.len());
    for (i, t) in tokens.iter().enumerate() {
        let suffix = is_word(&t.token, "ARRAY")
            && previous_significant(&tokens, i).is_some_and(|p| match &tokens[p].token {
                Token::Word(w) => {
                    w.quote_style.is_some() || !BEFORE_ARRAY_CONSTRUCTOR.contains(&w.keyword)
                }
                Token::RParen => true,
                _ => false,
            });
        let next = next_significant(&tokens, i + 1).map(|k| &tokens[k].token);
        match next {
            _ if !suffix => out.push(t.clone()),
            // `ARRAY(SELECT …)` is a constructor whatever comes before it.
            Some(Token::LParen) => out.push(t.clone()),
            Some(Token::LBracket) => {}
            _ => {
                out.push(with_span(Token::LBracket, t.span));
                out.push(with_span(Token::RBracket, t.span));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    fn rewrite(sql: &str) -> String {
        let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .unwrap();
        postgres(tokens)
            .iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .map(|t| t.token.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn identity_options_are_reordered() {
        assert_eq!(
            rewrite("a int GENERATED ALWAYS AS IDENTITY (START WITH -1 NO CYCLE INCREMENT BY 5 NO MAXVALUE MINVALUE -9)"),
            "a int GENERATED ALWAYS AS IDENTITY ( INCREMENT BY 5 MINVALUE - 9 NO MAXVALUE START WITH - 1 NO CYCLE )"
        );
    }

    #[test]
    fn no_inherit_wraps_the_check() {
        assert_eq!(
            rewrite("CHECK ((a > 0)) NO INHERIT, b int"),
            "CHECK ( \"plinth no inherit\" ( ( a > 0 ) ) ) , b int"
        );
    }

    #[test]
    fn match_full_qualifies_the_table() {
        assert_eq!(
            rewrite("a int REFERENCES s.p (id) MATCH FULL ON DELETE CASCADE, b int REFERENCES q MATCH SIMPLE"),
            "a int REFERENCES \"plinth match full\" . s . p ( id ) ON DELETE CASCADE , b int REFERENCES q"
        );
    }

    #[test]
    fn array_suffix_becomes_brackets() {
        assert_eq!(
            rewrite("a integer array, b int array[3], c int[] DEFAULT ARRAY[1], d int DEFAULT (ARRAY(SELECT 1))"),
            "a integer [ ] , b int [ 3 ] , c int [ ] DEFAULT ARRAY [ 1 ] , d int DEFAULT ( ARRAY ( SELECT 1 ) )"
        );
    }

    #[test]
    fn index_and_constraint_comments() {
        assert_eq!(
            rewrite("COMMENT ON INDEX i IS 'x'; COMMENT ON CONSTRAINT \"a.b\" ON public.t IS NULL"),
            "COMMENT ON TABLE \"plinth index\" . i IS 'x' ; COMMENT ON COLUMN \"plinth constraint\" . public . t . \"a.b\" IS NULL"
        );
    }
}
