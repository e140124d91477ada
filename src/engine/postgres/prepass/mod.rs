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
//! - `EXCLUDE [USING m] (e WITH op, …) [WHERE (p)] [DEFERRABLE …]` →
//!   `CHECK ("plinth exclude"('m', 'deferrable', (p), "plinth element"(e, 'opclass', 'asc', 'op'), …))`
//!   ([`EXCLUDE`], [`EXCLUDE_ELEMENT`]; `NULL` for no predicate or operator class, `''` for the
//!   default method and for not deferrable, `immediate` or `deferred` otherwise);
//! - `COMMENT ON [MATERIALIZED] VIEW v` → `COMMENT ON TABLE "plinth view".v` ([`VIEW_COMMENT`]);
//! - `COMMENT ON INDEX i` → `COMMENT ON TABLE "plinth index".i` ([`INDEX_COMMENT`]) and
//!   `COMMENT ON CONSTRAINT c ON t` → `COMMENT ON COLUMN "plinth constraint".t.c`
//!   ([`CONSTRAINT_COMMENT`]);
//! - `f(VARIADIC e)` → `f("plinth variadic"(e))` ([`VARIADIC`]), printed back as written;
//! - a domain's `NOT NULL` → `CONSTRAINT "plinth not null" CHECK (VALUE IS NOT NULL)`
//!   ([`DOMAIN_NOT_NULL`]), its `NULL` dropped; `COMMENT ON DOMAIN d` → `COMMENT ON TABLE
//!   "plinth domain".d` ([`DOMAIN_COMMENT`]), `COMMENT ON TYPE t` likewise ([`TYPE_COMMENT`]);
//! - `CREATE MATERIALIZED VIEW … WITH [NO] DATA`: the clause goes (every one is made with
//!   its data);
//! - `PRIMARY KEY USING INDEX i` (and `UNIQUE …`) → `PRIMARY KEY ("plinth using index", i)`
//!   ([`USING_INDEX`]): lowering makes the key of the index's columns, under the key's name.
//!
//! Linear in the number of tokens: the input has each run of whitespace and comments
//! collapsed into one token ([`collapse_whitespace`]), so the next or previous significant
//! token is at most two steps away, and each pass that looks for closing parentheses finds
//! them all at once ([`closers`]) instead of scanning from every opening one.

mod exclude;

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan, Whitespace};

use exclude::exclude;

use crate::sql::tokens::{
    closers, is_keyword, is_word, next_significant, previous_significant, with_span,
};

/// Marks a `NO INHERIT` check: a call wrapped around its expression.
pub const NO_INHERIT: &str = "plinth no inherit";
/// Marks a `MATCH FULL` foreign key: a qualifier on its referenced table.
pub const MATCH_FULL: &str = "plinth match full";
/// Marks an `EXCLUDE` constraint: a call holding its parts, in a `CHECK`.
pub const EXCLUDE: &str = "plinth exclude";
/// One element of an [`EXCLUDE`] call.
pub const EXCLUDE_ELEMENT: &str = "plinth element";
/// Marks a `VARIADIC` argument: a call wrapped around it (printed back as `VARIADIC e`).
pub const VARIADIC: &str = "plinth variadic";
/// Marks `PRIMARY KEY USING INDEX i` / `UNIQUE USING INDEX i`: the first of two key columns, the
/// second the index.
pub const USING_INDEX: &str = "plinth using index";
/// Marks `COMMENT ON [MATERIALIZED] VIEW`: a qualifier on the view name in a `COMMENT ON TABLE`.
pub const VIEW_COMMENT: &str = "plinth view";
/// Marks `NOT NULL` on a domain: the name of a check lowering takes out again.
pub const DOMAIN_NOT_NULL: &str = "plinth not null";
/// Marks `COMMENT ON DOMAIN`: a qualifier on the domain name in a `COMMENT ON TABLE`.
pub const DOMAIN_COMMENT: &str = "plinth domain";
/// Marks `COMMENT ON TYPE`: a qualifier on the type name in a `COMMENT ON TABLE`.
pub const TYPE_COMMENT: &str = "plinth type";
/// Marks `COMMENT ON INDEX`: a qualifier on the index name in a `COMMENT ON TABLE`.
pub const INDEX_COMMENT: &str = "plinth index";
/// Marks `COMMENT ON CONSTRAINT`: a qualifier on `table.constraint` in a `COMMENT ON COLUMN`.
pub const CONSTRAINT_COMMENT: &str = "plinth constraint";

/// Keep one token of each run of whitespace and comments (the parser skips them all alike).
pub fn collapse_whitespace(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(tokens.len());
    for t in tokens {
        let blank = matches!(t.token, Token::Whitespace(_));
        if blank
            && out
                .last()
                .is_some_and(|l| matches!(l.token, Token::Whitespace(_)))
        {
            continue;
        }
        out.push(t);
    }
    out
}

/// Rewrite a PostgreSQL token stream (see the module documentation) whose whitespace runs are
/// collapsed ([`collapse_whitespace`]).
pub fn postgres(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let tokens = comment_text(tokens);
    let tokens = comments(tokens);
    let tokens = identity_options(tokens);
    let tokens = no_inherit(tokens);
    let tokens = exclude(tokens);
    let tokens = match_clause(tokens);
    let tokens = typed_literals(tokens);
    let tokens = default_casts(tokens);
    let tokens = variadic(tokens);
    let tokens = using_index(tokens);
    let tokens = domain_nullability(tokens);
    let tokens = materialized_data(tokens);
    let tokens = extension_with(tokens);
    array_suffix(tokens)
}

/// `CREATE EXTENSION [IF NOT EXISTS] name SCHEMA … | VERSION … | CASCADE`: PostgreSQL's `WITH`
/// before the options is optional, sqlparser's is not; it is put in.
fn extension_with(mut tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut i = next_significant(&tokens, 0);
    for keyword in [Keyword::CREATE, Keyword::EXTENSION] {
        match i {
            Some(k) if is_keyword(&tokens[k].token, keyword) => {
                i = next_significant(&tokens, k + 1);
            }
            _ => return tokens,
        }
    }
    for keyword in [Keyword::IF, Keyword::NOT, Keyword::EXISTS] {
        if let Some(k) = i.filter(|&k| is_keyword(&tokens[k].token, keyword)) {
            i = next_significant(&tokens, k + 1);
        }
    }
    // The name, then the first option.
    let option = i.and_then(|name| next_significant(&tokens, name + 1));
    let bare = option.filter(|&k| {
        [Keyword::SCHEMA, Keyword::VERSION, Keyword::CASCADE]
            .iter()
            .any(|&w| is_keyword(&tokens[k].token, w))
    });
    if let Some(k) = bare {
        let span = tokens[k].span;
        tokens.splice(
            k..k,
            [
                with_span(Token::make_keyword("WITH"), span),
                with_span(Token::Whitespace(Whitespace::Space), span),
            ],
        );
    }
    tokens
}

/// `CREATE MATERIALIZED VIEW … AS query WITH [NO] DATA`: the clause goes (sqlparser does not
/// read it). plinth makes every materialized view with its data.
fn materialized_data(mut tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let first = next_significant(&tokens, 0);
    let second = first.and_then(|f| next_significant(&tokens, f + 1));
    let materialized = first.is_some_and(|f| is_keyword(&tokens[f].token, Keyword::CREATE))
        && second.is_some_and(|s| is_keyword(&tokens[s].token, Keyword::MATERIALIZED));
    if !materialized {
        return tokens;
    }
    let significant: Vec<usize> = (0..tokens.len())
        .filter(|&k| !matches!(tokens[k].token, Token::Whitespace(_) | Token::SemiColon))
        .collect();
    let tail = |n: usize| significant.len().checked_sub(n).map(|i| &significant[i..]);
    let cut = match (tail(3), tail(2)) {
        (Some([w, no, d]), _)
            if is_keyword(&tokens[*w].token, Keyword::WITH)
                && is_keyword(&tokens[*no].token, Keyword::NO)
                && is_keyword(&tokens[*d].token, Keyword::DATA) =>
        {
            Some((*w, *d))
        }
        (_, Some([w, d]))
            if is_keyword(&tokens[*w].token, Keyword::WITH)
                && is_keyword(&tokens[*d].token, Keyword::DATA) =>
        {
            Some((*w, *d))
        }
        _ => None,
    };
    if let Some((from, to)) = cut {
        tokens.drain(from..=to);
    }
    tokens
}

/// `CREATE DOMAIN … NOT NULL` → `… CONSTRAINT "plinth not null" CHECK (VALUE IS NOT NULL)`, a
/// bare `NULL` (the default) dropped: sqlparser reads neither (see [`DOMAIN_NOT_NULL`]).
fn domain_nullability(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let first = next_significant(&tokens, 0);
    let second = first.and_then(|f| next_significant(&tokens, f + 1));
    let is_domain = first.is_some_and(|f| is_keyword(&tokens[f].token, Keyword::CREATE))
        && second.is_some_and(|s| is_keyword(&tokens[s].token, Keyword::DOMAIN));
    if !is_domain {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len() + 8);
    let mut depth = 0usize;
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i].token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        let previous = previous_significant(&tokens, i).map(|p| &tokens[p].token);
        if depth == 0 && is_keyword(&tokens[i].token, Keyword::NOT) {
            if let Some(n) = next_significant(&tokens, i + 1)
                .filter(|&n| is_keyword(&tokens[n].token, Keyword::NULL))
            {
                let span = tokens[i].span;
                let word = |w: &str| with_span(Token::make_keyword(w), span);
                let space = || {
                    with_span(
                        Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
                        span,
                    )
                };
                out.extend([
                    word("CONSTRAINT"),
                    space(),
                    marker(DOMAIN_NOT_NULL, span),
                    space(),
                    word("CHECK"),
                    with_span(Token::LParen, span),
                    word("VALUE"),
                    space(),
                    word("IS"),
                    space(),
                    word("NOT"),
                    space(),
                    word("NULL"),
                    with_span(Token::RParen, span),
                ]);
                i = n + 1;
                continue;
            }
        }
        let bare_null = depth == 0
            && is_keyword(&tokens[i].token, Keyword::NULL)
            && !previous
                .is_some_and(|p| is_keyword(p, Keyword::DEFAULT) || is_keyword(p, Keyword::NOT));
        if !bare_null {
            out.push(tokens[i].clone());
        }
        i += 1;
    }
    out
}

/// `KEY USING INDEX i` / `UNIQUE USING INDEX i` → `KEY ("plinth using index", i)` (see
/// [`USING_INDEX`]).
fn using_index(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut out = Vec::with_capacity(tokens.len() + 4);
    let mut i = 0;
    while i < tokens.len() {
        let key = is_keyword(&tokens[i].token, Keyword::KEY)
            || is_keyword(&tokens[i].token, Keyword::UNIQUE);
        let using = key
            .then(|| next_significant(&tokens, i + 1))
            .flatten()
            .filter(|&u| is_keyword(&tokens[u].token, Keyword::USING));
        let index = using
            .and_then(|u| next_significant(&tokens, u + 1))
            .filter(|&x| is_keyword(&tokens[x].token, Keyword::INDEX));
        let name = index
            .and_then(|x| next_significant(&tokens, x + 1))
            .filter(|&n| matches!(tokens[n].token, Token::Word(_)));
        match (using, name) {
            (Some(u), Some(n)) => {
                out.push(tokens[i].clone());
                let span = tokens[u].span;
                out.push(with_span(Token::LParen, span));
                out.push(marker(USING_INDEX, span));
                out.push(with_span(Token::Comma, span));
                out.push(tokens[n].clone());
                out.push(with_span(Token::RParen, tokens[n].span));
                i = n + 1;
            }
            _ => {
                out.push(tokens[i].clone());
                i += 1;
            }
        }
    }
    out
}

/// `f(a, VARIADIC ARRAY[…])` → `f(a, "plinth variadic"(ARRAY[…]))` ([`VARIADIC`]): sqlparser
/// has no `VARIADIC` argument, and PostgreSQL stores it in checks and defaults. Also run on
/// expressions read back from the catalog.
pub fn variadic(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    if !tokens.iter().any(|t| is_word(&t.token, "variadic")) {
        return tokens;
    }
    let closer = closers(&tokens);
    // Where each marked argument ends: the `,` or `)` after it, at its own depth.
    let mut ends = vec![0usize; tokens.len()];
    let mut starts = vec![false; tokens.len()];
    for (i, t) in tokens.iter().enumerate() {
        let argument = previous_significant(&tokens, i)
            .is_some_and(|p| matches!(tokens[p].token, Token::LParen | Token::Comma));
        if !is_word(&t.token, "variadic") || !argument {
            continue;
        }
        let mut j = i + 1;
        while j < tokens.len() {
            match tokens[j].token {
                Token::Comma | Token::RParen => break,
                Token::LParen | Token::LBracket => match closer[j] {
                    Some(c) => j = c + 1,
                    None => break,
                },
                _ => j += 1,
            }
        }
        if j < tokens.len() {
            starts[i] = true;
            ends[j] += 1;
        }
    }
    let mut out = Vec::with_capacity(tokens.len() + 4);
    for (i, t) in tokens.into_iter().enumerate() {
        for _ in 0..ends[i] {
            out.push(with_span(Token::RParen, t.span));
        }
        if starts[i] {
            out.push(marker(VARIADIC, t.span));
            out.push(with_span(Token::LParen, t.span));
        } else {
            out.push(t);
        }
    }
    out
}

fn marker(name: &str, span: Span) -> TokenWithSpan {
    with_span(Token::make_word(name, Some('"')), span)
}

/// `AS IDENTITY ( options )`: the option groups in sqlparser's order (INCREMENT, MINVALUE,
/// MAXVALUE, START, CACHE, CYCLE). Anything unexpected is left alone for the parser to report.
fn identity_options(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let closer = closers(&tokens);
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
                if let Some(close) = closer[open] {
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
    let closer = closers(&tokens);
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if is_keyword(&tokens[i].token, Keyword::CHECK) {
            let open =
                next_significant(&tokens, i + 1).filter(|&k| tokens[k].token == Token::LParen);
            let close = open.and_then(|o| closer[o]);
            let no = close
                .and_then(|c| next_significant(&tokens, c + 1))
                .filter(|&k| is_keyword(&tokens[k].token, Keyword::NO));
            let inherit = no
                .and_then(|k| next_significant(&tokens, k + 1))
                .filter(|&k| is_keyword(&tokens[k].token, Keyword::INHERIT));
            if let (Some(open), Some(close), Some(inherit)) = (open, close, inherit) {
                // The added tokens take the spans of the parentheses they double.
                let (open_span, close_span) = (tokens[open].span, tokens[close].span);
                out.extend_from_slice(&tokens[i..=open]);
                out.push(marker(NO_INHERIT, open_span));
                out.push(with_span(Token::LParen, open_span));
                out.extend_from_slice(&tokens[open + 1..close]);
                out.push(with_span(Token::RParen, close_span));
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
    let closer = closers(&tokens);
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
            after = closer[open].and_then(|c| next_significant(&tokens, c + 1));
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

/// `COMMENT ON … IS $$text$$` (or `E'…'`): the text is a plain string, which is all sqlparser
/// reads there; a dollar quote means the text it holds.
fn comment_text(mut tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let starts_comment = next_significant(&tokens, 0)
        .is_some_and(|k| is_keyword(&tokens[k].token, Keyword::COMMENT));
    if !starts_comment {
        return tokens;
    }
    let Some(is) = (0..tokens.len()).find(|&k| is_keyword(&tokens[k].token, Keyword::IS)) else {
        return tokens;
    };
    if let Some(k) = next_significant(&tokens, is + 1) {
        let text = match &tokens[k].token {
            Token::DollarQuotedString(d) => Some(d.value.clone()),
            Token::EscapedStringLiteral(s) | Token::UnicodeStringLiteral(s) => Some(s.clone()),
            _ => None,
        };
        if let Some(text) = text {
            tokens[k].token = Token::SingleQuotedString(text);
        }
    }
    tokens
}

/// The rewritten head of the `COMMENT` statement at `i`, and where the rest (`IS …`) starts.
fn comment(tokens: &[TokenWithSpan], i: usize) -> Option<(Vec<TokenWithSpan>, usize)> {
    let on =
        next_significant(tokens, i + 1).filter(|&k| is_keyword(&tokens[k].token, Keyword::ON))?;
    let what = next_significant(tokens, on + 1)?;
    let name = next_significant(tokens, what + 1)?;
    let mut out = tokens[i..=on].to_vec();
    // `COMMENT ON [MATERIALIZED] VIEW v`.
    let view = if is_keyword(&tokens[what].token, Keyword::MATERIALIZED) {
        Some(name).filter(|&k| is_keyword(&tokens[k].token, Keyword::VIEW))
    } else {
        Some(what).filter(|&k| is_keyword(&tokens[k].token, Keyword::VIEW))
    };
    if let Some(view) = view {
        let name = next_significant(tokens, view + 1)?;
        out.push(with_span(Token::make_keyword("TABLE"), tokens[what].span));
        out.push(marker(VIEW_COMMENT, tokens[name].span));
        out.push(with_span(Token::Period, tokens[name].span));
        return Some((out, name));
    }
    let marked = if is_keyword(&tokens[what].token, Keyword::DOMAIN) {
        Some(DOMAIN_COMMENT)
    } else if is_keyword(&tokens[what].token, Keyword::TYPE) {
        Some(TYPE_COMMENT)
    } else {
        None
    };
    if let Some(marked) = marked {
        out.push(with_span(Token::make_keyword("TABLE"), tokens[what].span));
        out.push(marker(marked, tokens[name].span));
        out.push(with_span(Token::Period, tokens[name].span));
        return Some((out, name));
    }
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

/// An unquoted word folded as PostgreSQL folds it.
fn fold(w: &sqlparser::tokenizer::Word) -> String {
    match w.quote_style {
        Some(_) => w.value.clone(),
        None => w.value.to_lowercase(),
    }
}

/// Split a token list at the commas outside parentheses and brackets.
fn split_top_level(tokens: &[TokenWithSpan]) -> Vec<&[TokenWithSpan]> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (k, t) in tokens.iter().enumerate() {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::Comma if depth == 0 => {
                out.push(&tokens[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    out.push(&tokens[start..]);
    out
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

/// Type names sqlparser does not take before a string literal (`money '1.00'`).
const LITERAL_TYPES: &[&str] = &[
    "money", "inet", "cidr", "macaddr", "macaddr8", "bpchar", "xml", "citext", "tsquery",
    "regclass", "regtype",
];

/// `money '1.00'` → `'1.00'::money`: the same constant, in the cast syntax sqlparser reads.
/// (Written by the expressions lane: see `engine::postgres::normalize`.)
fn typed_literals(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let literal = match &tokens[i].token {
            Token::Word(w)
                if w.quote_style.is_none()
                    && LITERAL_TYPES.contains(&w.value.to_ascii_lowercase().as_str()) =>
            {
                next_significant(&tokens, i + 1)
                    .filter(|&k| matches!(tokens[k].token, Token::SingleQuotedString(_)))
            }
            _ => None,
        };
        if let Some(k) = literal {
            let span = tokens[i].span;
            out.push(tokens[k].clone());
            out.push(with_span(Token::DoubleColon, span));
            out.push(tokens[i].clone());
            i = k + 1;
            continue;
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// `DEFAULT (0)::numeric` → `DEFAULT ((0)::numeric)`: after `DEFAULT`, sqlparser reads a
/// parenthesized expression and stops before the cast. (Written by the expressions lane.)
fn default_casts(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let closer = closers(&tokens);
    let mut wrap_before = std::collections::BTreeSet::new();
    let mut wrap_after = std::collections::BTreeSet::new();
    for i in 0..tokens.len() {
        if !is_keyword(&tokens[i].token, Keyword::DEFAULT) {
            continue;
        }
        let Some(open) =
            next_significant(&tokens, i + 1).filter(|&k| tokens[k].token == Token::LParen)
        else {
            continue;
        };
        let Some(mut end) = closer[open] else {
            continue;
        };
        let mut cast = false;
        while let Some(colons) =
            next_significant(&tokens, end + 1).filter(|&k| tokens[k].token == Token::DoubleColon)
        {
            match type_end(&tokens, &closer, colons + 1) {
                Some(last) => {
                    end = last;
                    cast = true;
                }
                None => break,
            }
        }
        if cast {
            wrap_before.insert(open);
            wrap_after.insert(end);
        }
    }
    if wrap_before.is_empty() {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len() + 2 * wrap_before.len());
    for (k, t) in tokens.into_iter().enumerate() {
        if wrap_before.contains(&k) {
            out.push(with_span(Token::LParen, t.span));
        }
        let span = t.span;
        out.push(t);
        if wrap_after.contains(&k) {
            out.push(with_span(Token::RParen, span));
        }
    }
    out
}

/// The last token of the type name starting at or after `from` (`numeric(10,2)`,
/// `double precision`, `timestamp(3) with time zone`, `text[]`).
fn type_end(tokens: &[TokenWithSpan], closer: &[Option<usize>], from: usize) -> Option<usize> {
    const MORE: &[&str] = &["precision", "varying", "with", "without", "time", "zone"];
    let first = next_significant(tokens, from)?;
    let Token::Word(_) = &tokens[first].token else {
        return None;
    };
    let mut end = first;
    loop {
        let Some(next) = next_significant(tokens, end + 1) else {
            return Some(end);
        };
        match &tokens[next].token {
            Token::Word(w)
                if w.quote_style.is_none()
                    && MORE.iter().any(|m| w.value.eq_ignore_ascii_case(m)) =>
            {
                end = next
            }
            Token::Period => end = next_significant(tokens, next + 1)?,
            Token::LParen | Token::LBracket => end = closer[next]?,
            _ => return Some(end),
        }
    }
}

#[cfg(test)]
mod tests;
