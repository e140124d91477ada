//! Limits that bound the work on any input: nesting, expression depth, parser work, stack.
//!
//! Every statement's tokens pass [`check_tokens`] before sqlparser sees them (in
//! `sql::parse_piece`), in one linear pass: parentheses and brackets must balance, nothing may
//! nest deeper than [`MAX_NESTING`], and no expression may be deeper than [`MAX_DEPTH`]. Under
//! those limits nothing downstream can overflow the stack (the deep work runs on a thread with
//! [`STACK_BYTES`] of stack: [`with_stack`]) or take more than linear time (sqlparser's own
//! backtracking is bounded by the budget of [`super::dialect::Bounded`]: [`budget`]).
//!
//! How the depth is counted: within one item (the text between two commas, or between a
//! `CASE`'s `WHEN`/`THEN`/`ELSE`), every token other than brackets counts one level, and a
//! bracketed group counts one more than its deepest item. Each node of a syntax tree takes at
//! least one token of its own level (an operator, a keyword, a name, a literal) or a group, so
//! this bounds the depth of any tree sqlparser builds from the tokens — left-deep chains like
//! `a + a + … + a`, which sqlparser builds without recursing, included. The limits, and the
//! measurements behind them, are in docs/bounded-work.md.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan, Tokenizer};

use crate::error::Error;
use crate::model::Dialect;

/// Parentheses, brackets, `CASE … END` and prefix operators (`NOT`, `-`…) open at once.
/// pg_dump's deepest are about ten; sqlparser's own recursion limit (50) counts one per level
/// (two for a subquery), and this stays under it.
pub const MAX_NESTING: usize = 24;

/// The depth of an expression, counted as the module documentation says: a chain of about a
/// thousand `x = 1 OR …` terms, or two thousand `… OR (x = 1)`.
pub const MAX_DEPTH: usize = 4096;

/// The stack of the thread that parses and lowers (and of the binary's main thread): room for
/// a tree of [`MAX_DEPTH`] levels many times over in a debug build (cloning a tree takes about
/// 5.4 KB of stack per level there, 0.9 KB in a release build). Only the pages used are
/// touched.
pub const STACK_BYTES: usize = 256 << 20;

/// A schema file or plugins.toml larger than this is refused before it is read whole.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Expression attempts sqlparser may make per significant token of a statement (see
/// [`budget`]).
pub const BUDGET_PER_TOKEN: u64 = 8;

/// The attempts every statement gets, however short.
pub const BUDGET_BASE: u64 = 1024;

/// The parser work budget of a statement of `tokens` significant tokens: linear in its length.
pub fn budget(tokens: usize) -> u64 {
    BUDGET_BASE + BUDGET_PER_TOKEN * tokens as u64
}

/// Where a token stream breaks a limit (see [`check_tokens`]): the token at fault, what is
/// wrong, and how to fix it when there is something to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl Fault {
    fn new(span: Span, message: String, help: Option<String>) -> Fault {
        Fault {
            span,
            message,
            help,
        }
    }

    /// The fault as an error in the file `path`.
    pub fn at(self, path: &str) -> Error {
        Error::At {
            location: super::loc(path, self.span),
            message: self.message,
            help: self.help,
        }
    }

    /// The message and its help in one text, as an error prints them.
    pub fn text(&self) -> String {
        match &self.help {
            Some(help) => format!("{}; {help}", self.message),
            None => self.message.clone(),
        }
    }
}

/// Check a token stream against the limits (module documentation). `Err` says which token is
/// at fault, and why.
pub fn check_tokens(tokens: &[TokenWithSpan]) -> Result<(), Fault> {
    let mut open: Vec<Group> = Vec::new();
    let mut top = Group::root();
    // Prefix operators in a row just before this token (`NOT NOT`, `- -`), and the run that a
    // group or function call opening here would be the operand of.
    let (mut run, mut pending) = (0usize, 0usize);
    // Prefix operators whose operand is an open group.
    let mut held = 0usize;
    // The previous token ends an operand: an operator after it is binary (`a - b`).
    let mut after_operand = false;
    for t in tokens {
        if matches!(t.token, Token::Whitespace(_)) {
            continue;
        }
        let (was_run, was_pending, was_after_operand) = (run, pending, after_operand);
        (run, pending) = (0, 0);
        after_operand = ends_operand(&t.token);
        match &t.token {
            Token::LParen | Token::LBracket => {
                let kind = if t.token == Token::LParen {
                    Kind::Paren
                } else {
                    Kind::Bracket
                };
                held += was_pending;
                open.push(std::mem::replace(
                    &mut top,
                    Group::new(kind, t.span, was_pending),
                ));
            }
            Token::Word(w) if w.quote_style.is_none() && w.keyword == Keyword::CASE => {
                held += was_pending;
                open.push(std::mem::replace(
                    &mut top,
                    Group::new(Kind::Case, t.span, was_pending),
                ));
            }
            Token::RParen | Token::RBracket => {
                let kind = if t.token == Token::RParen {
                    Kind::Paren
                } else {
                    Kind::Bracket
                };
                // A CASE left open inside the group ends with it (sqlparser reports it).
                while top.kind == Kind::Case {
                    held -= close(&mut top, &mut open);
                }
                if top.kind != kind {
                    let (message, help) = match top.kind {
                        Kind::Root => (
                            format!("unmatched \"{}\"", t.token),
                            Some("remove it or open it".to_string()),
                        ),
                        _ => (
                            format!(
                                "\"{}\" does not close the \"{}\" at line {}, column {}",
                                t.token,
                                top.kind.opener(),
                                top.span.start.line,
                                top.span.start.column
                            ),
                            None,
                        ),
                    };
                    return Err(Fault::new(t.span, message, help));
                }
                held -= close(&mut top, &mut open);
            }
            Token::Word(w)
                if w.quote_style.is_none()
                    && w.keyword == Keyword::END
                    && top.kind == Kind::Case =>
            {
                held -= close(&mut top, &mut open);
            }
            Token::Word(w)
                if w.quote_style.is_none()
                    && top.kind == Kind::Case
                    && matches!(w.keyword, Keyword::WHEN | Keyword::THEN | Keyword::ELSE) =>
            {
                top.next_item();
            }
            Token::Comma | Token::SemiColon => top.next_item(),
            token => {
                top.items += 1;
                if is_prefix(token) && !was_after_operand {
                    run = was_run + 1;
                    pending = run;
                } else if was_run > 0 && matches!(token, Token::Word(_)) {
                    // `NOT f(…)`: the call is the operand.
                    pending = was_run;
                }
            }
        }
        let nesting = open.len() + held + run;
        if nesting > MAX_NESTING {
            return Err(Fault::new(
                t.span,
                format!(
                    "nested deeper than {MAX_NESTING} levels (parentheses, brackets, CASE and prefix operators such as NOT)"
                ),
                Some("simplify the expression".to_string()),
            ));
        }
        // Every open group's current item, and one level for each group.
        let depth = open.iter().map(Group::depth).sum::<usize>() + top.depth() + open.len();
        if depth > MAX_DEPTH {
            return Err(Fault::new(
                t.span,
                format!(
                    "expression too deep (more than {MAX_DEPTH} levels of operators and nesting)"
                ),
                Some("split it, or use IN (…) for long lists".to_string()),
            ));
        }
    }
    while top.kind == Kind::Case {
        close(&mut top, &mut open);
    }
    match top.kind {
        Kind::Root => Ok(()),
        kind => Err(Fault::new(
            top.span,
            format!("unclosed \"{}\"", kind.opener()),
            Some(format!("close it with \"{}\"", kind.closer())),
        )),
    }
}

/// A token after which an operator is binary: a name, a literal, a closing bracket.
fn ends_operand(token: &Token) -> bool {
    match token {
        Token::Word(w) => {
            w.quote_style.is_some()
                || matches!(
                    w.keyword,
                    Keyword::NoKeyword
                        | Keyword::NULL
                        | Keyword::TRUE
                        | Keyword::FALSE
                        | Keyword::END
                )
        }
        Token::RParen | Token::RBracket => true,
        Token::Number(..)
        | Token::SingleQuotedString(_)
        | Token::DoubleQuotedString(_)
        | Token::NationalStringLiteral(_)
        | Token::EscapedStringLiteral(_)
        | Token::UnicodeStringLiteral(_)
        | Token::HexStringLiteral(_)
        | Token::DollarQuotedString(_) => true,
        _ => false,
    }
}

/// A token that may be a prefix operator: sqlparser recurses once for each.
fn is_prefix(token: &Token) -> bool {
    match token {
        Token::Minus
        | Token::Plus
        | Token::Tilde
        | Token::ExclamationMark
        | Token::DoubleExclamationMark
        | Token::AtSign
        | Token::PGSquareRoot
        | Token::PGCubeRoot
        | Token::Sharp
        | Token::AtDashAt
        | Token::AtAt
        | Token::QuestionMarkDash
        | Token::QuestionPipe => true,
        Token::Word(w) => w.quote_style.is_none() && w.keyword == Keyword::NOT,
        _ => false,
    }
}

/// Close the innermost group: its depth counts in the item of the group around it. Returns the
/// prefix operators it was the operand of.
fn close(top: &mut Group, open: &mut Vec<Group>) -> usize {
    let Some(parent) = open.pop() else {
        return 0;
    };
    let inner = std::mem::replace(top, parent);
    top.child = top.child.max(inner.value());
    inner.held
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Root,
    Paren,
    Bracket,
    Case,
}

impl Kind {
    fn opener(self) -> &'static str {
        match self {
            Kind::Root => "",
            Kind::Paren => "(",
            Kind::Bracket => "[",
            Kind::Case => "CASE",
        }
    }

    fn closer(self) -> &'static str {
        match self {
            Kind::Root => "",
            Kind::Paren => ")",
            Kind::Bracket => "]",
            Kind::Case => "END",
        }
    }
}

/// An open group and the depth counted so far.
#[derive(Debug)]
struct Group {
    kind: Kind,
    span: Span,
    /// Tokens of the current item.
    items: usize,
    /// The deepest group closed in the current item.
    child: usize,
    /// The deepest item before the current one.
    best: usize,
    /// The prefix operators right before the group, of which it is the operand.
    held: usize,
}

impl Group {
    fn root() -> Group {
        Group::new(Kind::Root, Span::empty(), 0)
    }

    fn new(kind: Kind, span: Span, held: usize) -> Group {
        Group {
            kind,
            span,
            items: 0,
            child: 0,
            best: 0,
            held,
        }
    }

    fn next_item(&mut self) {
        self.best = self.value() - 1;
        self.items = 0;
        self.child = 0;
    }

    /// The depth of the current item.
    fn depth(&self) -> usize {
        self.items + self.child
    }

    /// The group's depth so far: its deepest item, plus its own level.
    fn value(&self) -> usize {
        self.best.max(self.items + self.child) + 1
    }
}

/// SQL text (an expression, or whole statements) tokenized and checked against the limits,
/// ready for the parser: the same check as every schema file's statements get. For text a
/// database catalog gives back (`pg_get_expr`, `information_schema`, `sqlite_master`): a tree
/// it accepts can be parsed, cloned, compared, rendered and dropped without overflowing a
/// thread of [`STACK_BYTES`] (the binary's main thread and the parsing threads have that much;
/// see [`with_stack`]). `Err` says what is wrong and where, as `line L, column C: message`
/// within `text`.
pub fn checked_tokens(dialect: Dialect, text: &str) -> Result<Vec<TokenWithSpan>, String> {
    let pd = super::parser_dialect(dialect);
    let tokens = Tokenizer::new(pd.as_ref(), text)
        .tokenize_with_location()
        .map_err(|e| e.to_string())?;
    check_tokens(&tokens).map_err(|fault| {
        format!(
            "line {}, column {}: {}",
            fault.span.start.line,
            fault.span.start.column,
            fault.text()
        )
    })?;
    Ok(tokens)
}

thread_local! {
    /// Whether this thread was started with [`STACK_BYTES`] of stack.
    static BIG_STACK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Declare that the calling thread was started with [`STACK_BYTES`] of stack (the binary's
/// command thread and its runtime's threads do), so [`with_stack`] runs on it directly.
pub fn on_big_stack() {
    BIG_STACK.with(|b| b.set(true));
}

/// Run `f` on a thread with [`STACK_BYTES`] of stack and wait for it: the calling thread when
/// it has that much ([`on_big_stack`]), else a new one (the SQLite inspector parses every
/// table's SQL: one thread per call would cost more than the parse). A panic in `f` is passed
/// on; a thread that cannot be started is an error.
pub fn with_stack<T: Send>(f: impl FnOnce() -> T + Send) -> Result<T, String> {
    if BIG_STACK.with(|b| b.get()) {
        return Ok(f());
    }
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("plinth-parse".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, || {
                on_big_stack();
                f()
            })
            .map_err(|e| format!("cannot start a thread to parse on: {e}"))?;
        handle
            .join()
            .map_err(|panic| std::panic::resume_unwind(panic))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;

    fn check(sql: &str) -> Result<(), String> {
        let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .unwrap();
        check_tokens(&tokens).map_err(|f| {
            format!(
                "{}:{}: {}",
                f.span.start.line,
                f.span.start.column,
                f.text()
            )
        })
    }

    #[test]
    fn balanced_groups_pass() {
        check("CREATE TABLE t (a int CHECK ((a > 0) AND a[1] = (CASE WHEN a THEN 1 ELSE 2 END)))")
            .unwrap();
    }

    #[test]
    fn unbalanced_groups_are_errors_at_the_token() {
        let err = check("CREATE TABLE t (a int,\n  CHECK (NOT (a > 0))").unwrap_err();
        assert!(err.starts_with("1:16: unclosed \"(\""), "{err}");
        let err = check("CHECK (a))").unwrap_err();
        assert!(err.starts_with("1:10: unmatched \")\""), "{err}");
        let err = check("CHECK (a[1)]").unwrap_err();
        assert!(
            err.starts_with("1:11: \")\" does not close the \"[\" at line 1, column 9"),
            "{err}"
        );
    }

    #[test]
    fn nesting_is_limited_at_the_token_that_passes_it() {
        let ok = format!(
            "CHECK {}a{}",
            "(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        );
        check(&ok).unwrap();
        let deep = format!(
            "CHECK {}a{}",
            "(".repeat(MAX_NESTING + 1),
            ")".repeat(MAX_NESTING + 1)
        );
        let err = check(&deep).unwrap_err();
        let column = 7 + MAX_NESTING;
        assert!(
            err.starts_with(&format!("1:{column}: nested deeper")),
            "{err}"
        );
        let cases = format!(
            "CHECK ({}1{})",
            "CASE WHEN ".repeat(MAX_NESTING),
            " END".repeat(MAX_NESTING)
        );
        assert!(check(&cases).unwrap_err().contains("nested deeper"));
    }

    #[test]
    fn prefix_operators_nest() {
        let ok = format!("{}a", "NOT ".repeat(MAX_NESTING));
        check(&ok).unwrap();
        let err = check(&format!("{}a", "- ".repeat(MAX_NESTING + 1))).unwrap_err();
        assert!(
            err.starts_with(&format!("1:{}: nested deeper", 2 * MAX_NESTING + 1)),
            "{err}"
        );
        // `NOT (`: two levels each, for as long as the group is open.
        let half = MAX_NESTING / 2;
        check(&format!("{}a{}", "NOT (".repeat(half), ")".repeat(half))).unwrap();
        let err = check(&format!(
            "{}a{}",
            "NOT (".repeat(half + 1),
            ")".repeat(half + 1)
        ))
        .unwrap_err();
        assert!(err.contains("nested deeper"), "{err}");
        // `NOT f(…)`: the call is the operand; `a - (b)` and `x NOT IN (…)` hold nothing.
        check(&format!(
            "{}a{}",
            "a - (".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        ))
        .unwrap();
        check(&format!(
            "{}a{}",
            "a NOT IN (".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        ))
        .unwrap();
        let err = check(&format!(
            "{}a{}",
            "NOT abs(".repeat(half + 1),
            ")".repeat(half + 1)
        ))
        .unwrap_err();
        assert!(err.contains("nested deeper"), "{err}");
        let flat = vec!["(a - b IS NOT NULL)"; 100].join(" AND ");
        check(&format!("CHECK ({flat})")).unwrap();
    }

    #[test]
    fn depth_counts_chains_across_groups() {
        // `a + … + a`: 2n - 1 tokens in one item, one level for the group.
        let n = MAX_DEPTH / 2;
        check(&format!("({})", vec!["a"; n].join("+"))).unwrap();
        let err = check(&format!("({})", vec!["a"; n + 1].join("+"))).unwrap_err();
        assert!(err.contains("expression too deep"), "{err}");
        // A deep group followed by a chain: counted when the chain passes the limit.
        let inner = vec!["a"; n - 100].join("+");
        let tail = "+a".repeat(200);
        let err = check(&format!("(({inner}){tail})")).unwrap_err();
        assert!(err.contains("expression too deep"), "{err}");
        // Commas and CASE branches separate items: long lists are not deep.
        let list = vec!["a + 1"; 5000].join(", ");
        check(&format!("CHECK (a IN ({list}))")).unwrap();
        let branches = "WHEN a = 1 THEN 'x' ".repeat(2000);
        check(&format!("CHECK (CASE {branches} END)")).unwrap();
    }

    #[test]
    fn catalog_text_is_checked_the_same_way() {
        checked_tokens(Dialect::Postgres, "((a > 0) AND (b < 1))").unwrap();
        let err = checked_tokens(Dialect::Mysql, "(`a` > 0").unwrap_err();
        assert!(err.starts_with("line 1, column 1: unclosed"), "{err}");
        let deep = vec!["a"; MAX_DEPTH].join(" + ");
        assert!(checked_tokens(Dialect::Sqlite, &deep)
            .unwrap_err()
            .contains("too deep"));
    }

    #[test]
    fn with_stack_returns_and_passes_panics_on() {
        assert_eq!(with_stack(|| 1 + 1), Ok(2));
        let panicked = std::panic::catch_unwind(|| with_stack(|| panic!("inner")));
        assert!(panicked.is_err());
    }
}
