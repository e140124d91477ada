//! PostgreSQL routines and triggers: `CREATE [OR REPLACE] FUNCTION | PROCEDURE`, `CREATE
//! TRIGGER` and `COMMENT ON FUNCTION | PROCEDURE | TRIGGER | POLICY | SEQUENCE`, read here with
//! sqlparser's parser primitives (its own statement parser lacks most of their clauses), then lowered; and the
//! session settings a dump starts with (`SET statement_timeout = 0`), read past when they do
//! not change what the file means.

use sqlparser::ast::{DataType, Expr, Ident, ObjectName, Statement};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use super::Lowering;
use crate::error::{Location, Result};
use crate::model::{
    Argument, ColumnType, Dialect, Event, EventSource, EventTime, Function, Policy, PolicyRole,
    PolicySource, Returns, RoutineBody, RoutineOption, RoutineSource, SetValue, Trigger,
    TriggerSource,
};
use crate::normalize::types;

/// A statement read here rather than by sqlparser's statement parser (short-lived, one at a
/// time, like sqlparser's statements).
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Own {
    Routine(RoutineDecl),
    Trigger(TriggerDecl),
    Comment {
        target: CommentTarget,
        comment: Option<String>,
    },
    /// MySQL `CREATE EVENT`.
    Event(EventDecl),
    /// PostgreSQL `CREATE POLICY`.
    Policy(PolicyDecl),
    /// PostgreSQL `CREATE SEQUENCE` (its options in any order, as PostgreSQL takes them).
    Sequence {
        name: ObjectName,
        temporary: bool,
        data_type: Option<DataType>,
        options: crate::model::SequenceOptions,
        owned: bool,
    },
    /// PostgreSQL: `CREATE TABLE name PARTITION OF parent bound`, the bound canonical (see
    /// `engine::postgres::partition`).
    PartitionOf {
        name: ObjectName,
        parent: ObjectName,
        bound: String,
    },
    /// MySQL: the `PARTITION BY …` of the table just created, as plinth writes it.
    Partition {
        table: ObjectName,
        clause: String,
    },
    /// `SET [SESSION | LOCAL] name {= | TO} value, …`.
    Setting {
        name: Ident,
        values: Vec<SetValue>,
    },
}

/// Session settings that do not change what a schema file means: read past. (`search_path`
/// only when it names the default schema first; `standard_conforming_strings` only `on`.)
const HARMLESS_SETTINGS: &[&str] = &[
    "check_function_bodies",
    "client_encoding",
    "client_min_messages",
    "default_table_access_method",
    "default_tablespace",
    "default_with_oids",
    "idle_in_transaction_session_timeout",
    "lock_timeout",
    "row_security",
    "statement_timeout",
    "transaction_timeout",
    "xmloption",
];

#[derive(Debug)]
pub(crate) enum CommentTarget {
    Routine {
        procedure: bool,
        name: ObjectName,
        /// The argument types given (`COMMENT ON FUNCTION f(integer)`); none: the only `f`.
        types: Option<Vec<DataType>>,
    },
    Trigger {
        name: Ident,
        table: ObjectName,
    },
    Policy {
        name: Ident,
        table: ObjectName,
    },
    Sequence(ObjectName),
}

#[derive(Debug)]
pub(crate) struct PolicyDecl {
    name: Ident,
    table: ObjectName,
    restrictive: bool,
    command: &'static str,
    roles: Vec<PolicyRole>,
    using: Option<Expr>,
    check: Option<Expr>,
}

/// The role keywords a policy may name.
const ROLE_KEYWORDS: &[&str] = &["PUBLIC", "CURRENT_USER", "CURRENT_ROLE", "SESSION_USER"];

#[derive(Debug)]
pub(crate) struct EventDecl {
    name: Ident,
    at: Option<Expr>,
    every: Option<(String, String)>,
    ends: Option<Expr>,
    preserve: bool,
    status: &'static str,
    comment: Option<String>,
    body: Statement,
}

/// The units of an event's `EVERY`.
const INTERVAL_UNITS: &[&str] = &[
    "YEAR",
    "QUARTER",
    "MONTH",
    "DAY",
    "HOUR",
    "MINUTE",
    "WEEK",
    "SECOND",
    "YEAR_MONTH",
    "DAY_HOUR",
    "DAY_MINUTE",
    "DAY_SECOND",
    "HOUR_MINUTE",
    "HOUR_SECOND",
    "MINUTE_SECOND",
];

#[derive(Debug)]
pub(crate) struct RoutineDecl {
    procedure: bool,
    name: ObjectName,
    arguments: Vec<ArgumentDecl>,
    returns: Option<ReturnsDecl>,
    options: Vec<OptionDecl>,
    body: Option<BodyDecl>,
}

#[derive(Debug)]
struct ArgumentDecl {
    mode: Option<&'static str>,
    name: Option<Ident>,
    data_type: DataType,
    default: Option<Expr>,
}

#[derive(Debug)]
enum ReturnsDecl {
    Type { setof: bool, data_type: DataType },
    Table(Vec<(Ident, DataType)>),
}

#[derive(Debug)]
enum OptionDecl {
    Language(Ident),
    Words(&'static str),
    Cost(String),
    Rows(String),
    Support(ObjectName),
    Set(Ident, Vec<SetValue>),
    SetFromCurrent(Ident),
}

#[derive(Debug)]
enum BodyDecl {
    Text(String),
    Object(String, String),
    Sql(String),
}

#[derive(Debug)]
pub(crate) struct TriggerDecl {
    name: Ident,
    table: ObjectName,
    /// PostgreSQL: the function it executes.
    function: Option<ObjectName>,
    source: TriggerSourceDecl,
}

#[derive(Debug)]
struct TriggerSourceDecl {
    timing: &'static str,
    events: Vec<(&'static str, Vec<Ident>)>,
    referencing: Vec<(&'static str, Ident)>,
    for_each_row: bool,
    when: Option<Expr>,
    arguments: Vec<String>,
    /// SQLite, MySQL: the statements of its body.
    body: Vec<Statement>,
    /// MySQL: the body is a `BEGIN … END` block (SQLite's always is).
    block: bool,
}

/// The attribute keywords a routine takes, longest first: (words, as written back).
const WORDS: &[(&[&str], &str)] = &[
    (
        &["RETURNS", "NULL", "ON", "NULL", "INPUT"],
        "RETURNS NULL ON NULL INPUT",
    ),
    (&["CALLED", "ON", "NULL", "INPUT"], "CALLED ON NULL INPUT"),
    (&["EXTERNAL", "SECURITY", "DEFINER"], "SECURITY DEFINER"),
    (&["EXTERNAL", "SECURITY", "INVOKER"], "SECURITY INVOKER"),
    (&["SECURITY", "DEFINER"], "SECURITY DEFINER"),
    (&["SECURITY", "INVOKER"], "SECURITY INVOKER"),
    (&["PARALLEL", "UNSAFE"], "PARALLEL UNSAFE"),
    (&["PARALLEL", "RESTRICTED"], "PARALLEL RESTRICTED"),
    (&["PARALLEL", "SAFE"], "PARALLEL SAFE"),
    (&["NOT", "LEAKPROOF"], "NOT LEAKPROOF"),
    (&["LEAKPROOF"], "LEAKPROOF"),
    (&["IMMUTABLE"], "IMMUTABLE"),
    (&["STABLE"], "STABLE"),
    (&["VOLATILE"], "VOLATILE"),
    (&["STRICT"], "STRICT"),
    (&["WINDOW"], "WINDOW"),
];

/// Whether the next significant token is the bare word `word` (any case).
pub(crate) fn is_word(p: &Parser, n: usize, word: &str) -> bool {
    matches!(&p.peek_nth_token(n).token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
}

/// Consume `words` if they come next, all of them.
pub(crate) fn words(p: &mut Parser, words: &[&str]) -> bool {
    if words.iter().enumerate().all(|(i, w)| is_word(p, i, w)) {
        for _ in words {
            p.next_token();
        }
        true
    } else {
        false
    }
}

pub(crate) fn expect_words(p: &mut Parser, w: &[&str]) -> std::result::Result<(), ParserError> {
    if words(p, w) {
        Ok(())
    } else {
        p.expected(&w.join(" "), p.peek_token())
    }
}

/// A refusal at the token ahead, in sqlparser's form so that the position is lifted out
/// like its own errors' (`sql::parser_error`).
pub(crate) fn refused(p: &Parser, message: &str) -> ParserError {
    let at = p.peek_token().span.start;
    ParserError::ParserError(format!(
        "{message} at Line: {}, Column: {}",
        at.line, at.column
    ))
}

/// Whether the statement ahead is one read here (see [`read`]): on PostgreSQL routines,
/// triggers, comments on them and session settings; on SQLite triggers.
pub(crate) fn is_own(dialect: Dialect, p: &Parser) -> bool {
    match dialect {
        Dialect::Postgres => is_own_postgres(p),
        Dialect::Sqlite => {
            let n = if is_word(p, 1, "TEMP") || is_word(p, 1, "TEMPORARY") {
                2
            } else {
                1
            };
            is_word(p, 0, "CREATE") && is_word(p, n, "TRIGGER")
        }
        // `CREATE [DEFINER = account] {TRIGGER | EVENT}`.
        Dialect::Mysql => {
            let kind = |n| is_word(p, n, "TRIGGER") || is_word(p, n, "EVENT");
            is_word(p, 0, "CREATE") && (kind(1) || (is_word(p, 1, "DEFINER") && (2..12).any(kind)))
        }
    }
}

fn is_own_postgres(p: &Parser) -> bool {
    if is_word(p, 0, "SET") {
        let n = if is_word(p, 1, "SESSION") || is_word(p, 1, "LOCAL") {
            2
        } else {
            1
        };
        return matches!(&p.peek_nth_token(n).token, Token::Word(_))
            && (matches!(p.peek_nth_token(n + 1).token, Token::Eq) || is_word(p, n + 1, "TO"));
    }
    let mut n = 1;
    if !is_word(p, 0, "CREATE") && !is_word(p, 0, "COMMENT") {
        return false;
    }
    if is_word(p, 0, "COMMENT") {
        return is_word(p, 1, "ON")
            && ["FUNCTION", "PROCEDURE", "TRIGGER", "POLICY", "SEQUENCE"]
                .iter()
                .any(|w| is_word(p, 2, w));
    }
    if is_word(p, 1, "OR") && is_word(p, 2, "REPLACE") {
        n = 3;
    }
    if is_word(p, 1, "TEMP") || is_word(p, 1, "TEMPORARY") {
        n = 2;
    }
    ["FUNCTION", "PROCEDURE", "TRIGGER", "POLICY", "SEQUENCE"]
        .iter()
        .any(|w| is_word(p, n, w))
        || is_partition_of(p)
}

/// `CREATE TABLE [IF NOT EXISTS] name PARTITION OF`, the name in one or more parts.
fn is_partition_of(p: &Parser) -> bool {
    if !is_word(p, 1, "TABLE") {
        return false;
    }
    let mut n = 2;
    if is_word(p, 2, "IF") && is_word(p, 3, "NOT") && is_word(p, 4, "EXISTS") {
        n = 5;
    }
    // name (. name)*
    while matches!(p.peek_nth_token(n).token, Token::Word(_)) {
        if matches!(p.peek_nth_token(n + 1).token, Token::Period) {
            n += 2;
        } else {
            return is_word(p, n + 1, "PARTITION") && is_word(p, n + 2, "OF");
        }
    }
    false
}

/// The rest of `CREATE TABLE` after `TABLE` (see [`is_partition_of`]).
fn partition_of(p: &mut Parser) -> std::result::Result<Own, ParserError> {
    words(p, &["IF", "NOT", "EXISTS"]);
    let name = p.parse_object_name(false)?;
    expect_words(p, &["PARTITION", "OF"])?;
    let parent = p.parse_object_name(false)?;
    if p.peek_token().token == Token::LParen {
        return Err(refused(
            p,
            "columns and constraints of a partition of its own are not supported: a partition has its parent's",
        ));
    }
    let bound = crate::engine::postgres::partition::bound(p)?;
    if is_word(p, 0, "PARTITION") {
        return Err(refused(
            p,
            "a partition partitioned again (PARTITION BY after its bound) is not supported",
        ));
    }
    Ok(Own::PartitionOf {
        name,
        parent,
        bound,
    })
}

/// Read the statement [`is_own`] found.
pub(crate) fn read(dialect: Dialect, p: &mut Parser) -> std::result::Result<Own, ParserError> {
    if dialect == Dialect::Mysql {
        expect_words(p, &["CREATE"])?;
        // The definer is left to the server: the account plinth connects as.
        if words(p, &["DEFINER"]) {
            while !is_word(p, 0, "TRIGGER")
                && !is_word(p, 0, "EVENT")
                && p.peek_token().token != Token::EOF
            {
                p.next_token();
            }
        }
        if words(p, &["EVENT"]) {
            return mysql_event(p).map(Own::Event);
        }
        expect_words(p, &["TRIGGER"])?;
        return mysql_trigger(p).map(Own::Trigger);
    }
    if dialect == Dialect::Sqlite {
        expect_words(p, &["CREATE"])?;
        if words(p, &["TEMP"]) || words(p, &["TEMPORARY"]) {
            return Err(ParserError::ParserError(
                "a TEMP trigger is the session's, not the schema's: not supported in a schema file"
                    .into(),
            ));
        }
        expect_words(p, &["TRIGGER"])?;
        return sqlite_trigger(p).map(Own::Trigger);
    }
    if words(p, &["SET"]) {
        if !words(p, &["SESSION"]) {
            words(p, &["LOCAL"]);
        }
        let name = p.parse_identifier()?;
        if !words(p, &["TO"]) {
            p.expect_token(&Token::Eq)?;
        }
        return Ok(Own::Setting {
            name,
            values: set_values(p)?,
        });
    }
    if words(p, &["COMMENT", "ON"]) {
        return comment(p);
    }
    expect_words(p, &["CREATE"])?;
    if words(p, &["POLICY"]) {
        return policy(p).map(Own::Policy);
    }
    if words(p, &["TABLE"]) {
        return partition_of(p);
    }
    let temporary = words(p, &["TEMP"]) || words(p, &["TEMPORARY"]);
    if words(p, &["SEQUENCE"]) {
        return sequence(p, temporary);
    }
    words(p, &["OR", "REPLACE"]);
    if words(p, &["TRIGGER"]) {
        return trigger(p).map(Own::Trigger);
    }
    let procedure = words(p, &["PROCEDURE"]);
    if !procedure {
        expect_words(p, &["FUNCTION"])?;
    }
    routine(p, procedure).map(Own::Routine)
}

fn comment(p: &mut Parser) -> std::result::Result<Own, ParserError> {
    let target = if words(p, &["TRIGGER"]) {
        let name = p.parse_identifier()?;
        expect_words(p, &["ON"])?;
        CommentTarget::Trigger {
            name,
            table: p.parse_object_name(false)?,
        }
    } else if words(p, &["POLICY"]) {
        let name = p.parse_identifier()?;
        expect_words(p, &["ON"])?;
        CommentTarget::Policy {
            name,
            table: p.parse_object_name(false)?,
        }
    } else if words(p, &["SEQUENCE"]) {
        CommentTarget::Sequence(p.parse_object_name(false)?)
    } else {
        let procedure = words(p, &["PROCEDURE"]);
        if !procedure {
            expect_words(p, &["FUNCTION"])?;
        }
        let name = p.parse_object_name(false)?;
        let types = if p.consume_token(&Token::LParen) {
            let mut types = Vec::new();
            while !p.consume_token(&Token::RParen) {
                types.push(argument(p)?.data_type);
                if !p.consume_token(&Token::Comma) {
                    p.expect_token(&Token::RParen)?;
                    break;
                }
            }
            Some(types)
        } else {
            None
        };
        CommentTarget::Routine {
            procedure,
            name,
            types,
        }
    };
    expect_words(p, &["IS"])?;
    let comment = if words(p, &["NULL"]) {
        None
    } else {
        Some(p.parse_literal_string()?)
    };
    Ok(Own::Comment { target, comment })
}

/// Whether an argument's type ends here.
fn argument_ends(p: &Parser) -> bool {
    matches!(
        p.peek_token().token,
        Token::Comma | Token::RParen | Token::Eq
    ) || is_word(p, 0, "DEFAULT")
}

/// `[mode] [name] type [{DEFAULT | =} expr]`: a name is told from a type by what follows.
fn argument(p: &mut Parser) -> std::result::Result<ArgumentDecl, ParserError> {
    // A mode, unless it is the argument's type or name alone.
    let mode = ["IN", "OUT", "INOUT", "VARIADIC"].into_iter().find(|m| {
        is_word(p, 0, m) && !matches!(p.peek_nth_token(1).token, Token::Comma | Token::RParen)
    });
    if mode.is_some() {
        p.next_token();
    }
    let bare = p.maybe_parse(|p| {
        let t = p.parse_data_type()?;
        if argument_ends(p) {
            Ok(t)
        } else {
            p.expected("the end of the argument", p.peek_token())
        }
    })?;
    let (name, data_type) = match bare {
        Some(t) => (None, t),
        None => (Some(p.parse_identifier()?), p.parse_data_type()?),
    };
    let default = if words(p, &["DEFAULT"]) || p.consume_token(&Token::Eq) {
        Some(p.parse_expr()?)
    } else {
        None
    };
    Ok(ArgumentDecl {
        mode,
        name,
        data_type,
        default,
    })
}

fn routine(p: &mut Parser, procedure: bool) -> std::result::Result<RoutineDecl, ParserError> {
    let name = p.parse_object_name(false)?;
    p.expect_token(&Token::LParen)?;
    let mut arguments = Vec::new();
    if !p.consume_token(&Token::RParen) {
        loop {
            arguments.push(argument(p)?);
            if p.consume_token(&Token::RParen) {
                break;
            }
            p.expect_token(&Token::Comma)?;
        }
    }
    let mut returns = None;
    if !procedure && words(p, &["RETURNS"]) {
        returns = Some(if words(p, &["TABLE"]) {
            p.expect_token(&Token::LParen)?;
            let mut columns = Vec::new();
            loop {
                let name = p.parse_identifier()?;
                columns.push((name, p.parse_data_type()?));
                if p.consume_token(&Token::RParen) {
                    break;
                }
                p.expect_token(&Token::Comma)?;
            }
            ReturnsDecl::Table(columns)
        } else {
            let setof = words(p, &["SETOF"]);
            ReturnsDecl::Type {
                setof,
                data_type: p.parse_data_type()?,
            }
        });
    }
    let mut options = Vec::new();
    let mut body = None;
    loop {
        if let Some((_, written)) = WORDS.iter().find(|(w, _)| words(p, w)) {
            options.push(OptionDecl::Words(written));
        } else if words(p, &["LANGUAGE"]) {
            let next = p.next_token();
            let language = match next.token {
                Token::Word(w) => Ident::new(w.value.to_lowercase()),
                Token::SingleQuotedString(s) => Ident::new(s.to_lowercase()),
                _ => return p.expected("a language name", next),
            };
            options.push(OptionDecl::Language(language));
        } else if words(p, &["COST"]) {
            options.push(OptionDecl::Cost(number(p)?));
        } else if words(p, &["ROWS"]) {
            options.push(OptionDecl::Rows(number(p)?));
        } else if words(p, &["SUPPORT"]) {
            options.push(OptionDecl::Support(p.parse_object_name(false)?));
        } else if words(p, &["SET"]) {
            let parameter = p.parse_identifier()?;
            if words(p, &["FROM", "CURRENT"]) {
                options.push(OptionDecl::SetFromCurrent(parameter));
            } else {
                if !words(p, &["TO"]) {
                    p.expect_token(&Token::Eq)?;
                }
                options.push(OptionDecl::Set(parameter, set_values(p)?));
            }
        } else if body.is_none() && words(p, &["AS"]) {
            let text = string(p)?;
            body = Some(if p.consume_token(&Token::Comma) {
                BodyDecl::Object(text, string(p)?)
            } else {
                BodyDecl::Text(text)
            });
        } else if body.is_none() && words(p, &["RETURN"]) {
            body = Some(BodyDecl::Sql(format!("RETURN {}", p.parse_expr()?)));
        } else if body.is_none() && words(p, &["BEGIN", "ATOMIC"]) {
            let mut statements = Vec::new();
            loop {
                while p.consume_token(&Token::SemiColon) {}
                if words(p, &["END"]) {
                    break;
                }
                statements.push(format!("{};", p.parse_statement()?));
            }
            body = Some(BodyDecl::Sql(format!(
                "BEGIN ATOMIC\n  {}\nEND",
                statements.join("\n  ")
            )));
        } else if is_word(p, 0, "TRANSFORM") {
            return Err(refused(p, "TRANSFORM on a routine is not supported"));
        } else {
            break;
        }
    }
    Ok(RoutineDecl {
        procedure,
        name,
        arguments,
        returns,
        options,
        body,
    })
}

/// A setting's values: words (folded unless quoted), numbers, strings.
fn set_values(p: &mut Parser) -> std::result::Result<Vec<SetValue>, ParserError> {
    let mut values = Vec::new();
    loop {
        let next = p.next_token();
        values.push(match next.token {
            Token::Word(w) if w.quote_style.is_none() => SetValue::Word(w.value.to_lowercase()),
            Token::Word(w) => SetValue::Word(w.value),
            Token::Number(n, _) => SetValue::Number(n),
            Token::SingleQuotedString(s) => SetValue::String(s),
            _ => return p.expected("a setting's value", next),
        });
        if !p.consume_token(&Token::Comma) {
            break;
        }
    }
    Ok(values)
}

fn number(p: &mut Parser) -> std::result::Result<String, ParserError> {
    let next = p.next_token();
    match next.token {
        Token::Number(n, _) => Ok(n),
        _ => p.expected("a number", next),
    }
}

fn string(p: &mut Parser) -> std::result::Result<String, ParserError> {
    let next = p.next_token();
    match next.token {
        Token::SingleQuotedString(s) => Ok(s),
        Token::DollarQuotedString(s) => Ok(s.value),
        Token::EscapedStringLiteral(s) => Ok(s),
        _ => p.expected("the routine's body as a string", next),
    }
}

fn trigger(p: &mut Parser) -> std::result::Result<TriggerDecl, ParserError> {
    let name = p.parse_identifier()?;
    let timing = trigger_timing(p, None)?;
    let events = trigger_events(p)?;
    expect_words(p, &["ON"])?;
    let table = p.parse_object_name(false)?;
    let mut referencing = Vec::new();
    if words(p, &["REFERENCING"]) {
        loop {
            let which = if words(p, &["OLD"]) {
                "OLD"
            } else if words(p, &["NEW"]) {
                "NEW"
            } else {
                break;
            };
            expect_words(p, &["TABLE"])?;
            words(p, &["AS"]);
            referencing.push((which, p.parse_identifier()?));
        }
    }
    let mut for_each_row = false;
    if words(p, &["FOR"]) {
        words(p, &["EACH"]);
        for_each_row = words(p, &["ROW"]);
        if !for_each_row {
            expect_words(p, &["STATEMENT"])?;
        }
    }
    let when = if words(p, &["WHEN"]) {
        p.expect_token(&Token::LParen)?;
        let e = p.parse_expr()?;
        p.expect_token(&Token::RParen)?;
        Some(e)
    } else {
        None
    };
    expect_words(p, &["EXECUTE"])?;
    if !words(p, &["FUNCTION"]) {
        expect_words(p, &["PROCEDURE"])?;
    }
    let function = p.parse_object_name(false)?;
    p.expect_token(&Token::LParen)?;
    let mut arguments = Vec::new();
    if !p.consume_token(&Token::RParen) {
        loop {
            let next = p.next_token();
            arguments.push(match next.token {
                Token::SingleQuotedString(s) => s,
                Token::Number(n, _) => n,
                Token::Word(w) => w.value,
                _ => return p.expected("a trigger argument (a string or number)", next),
            });
            if p.consume_token(&Token::RParen) {
                break;
            }
            p.expect_token(&Token::Comma)?;
        }
    }
    Ok(TriggerDecl {
        name,
        table,
        function: Some(function),
        source: TriggerSourceDecl {
            timing,
            events,
            referencing,
            for_each_row,
            when,
            arguments,
            body: Vec::new(),
            block: false,
        },
    })
}

/// `BEFORE`, `AFTER` or `INSTEAD OF`; none (SQLite): `BEFORE`.
fn trigger_timing(
    p: &mut Parser,
    default: Option<&'static str>,
) -> std::result::Result<&'static str, ParserError> {
    if words(p, &["BEFORE"]) {
        Ok("BEFORE")
    } else if words(p, &["AFTER"]) {
        Ok("AFTER")
    } else if words(p, &["INSTEAD", "OF"]) {
        Ok("INSTEAD OF")
    } else if let Some(d) = default {
        Ok(d)
    } else {
        p.expected("BEFORE, AFTER or INSTEAD OF", p.peek_token())
    }
}

/// `event [OR event …]`: `INSERT`, `UPDATE [OF column, …]`, `DELETE`, `TRUNCATE`.
fn trigger_events(
    p: &mut Parser,
) -> std::result::Result<Vec<(&'static str, Vec<Ident>)>, ParserError> {
    let mut events = Vec::new();
    loop {
        let event = if words(p, &["INSERT"]) {
            ("INSERT", Vec::new())
        } else if words(p, &["DELETE"]) {
            ("DELETE", Vec::new())
        } else if words(p, &["TRUNCATE"]) {
            ("TRUNCATE", Vec::new())
        } else {
            expect_words(p, &["UPDATE"])?;
            let mut columns = Vec::new();
            if words(p, &["OF"]) {
                loop {
                    columns.push(p.parse_identifier()?);
                    if !p.consume_token(&Token::Comma) {
                        break;
                    }
                }
            }
            ("UPDATE", columns)
        };
        events.push(event);
        if !words(p, &["OR"]) {
            break;
        }
    }
    Ok(events)
}

/// SQLite: `CREATE TRIGGER [IF NOT EXISTS] name [BEFORE | AFTER | INSTEAD OF] event ON table
/// [FOR EACH ROW] [WHEN expr] BEGIN statement; … END`.
fn sqlite_trigger(p: &mut Parser) -> std::result::Result<TriggerDecl, ParserError> {
    words(p, &["IF", "NOT", "EXISTS"]);
    let name = p.parse_identifier()?;
    let timing = trigger_timing(p, Some("BEFORE"))?;
    let events = trigger_events(p)?;
    expect_words(p, &["ON"])?;
    let table = p.parse_object_name(false)?;
    let for_each_row = words(p, &["FOR", "EACH", "ROW"]);
    let when = if words(p, &["WHEN"]) {
        Some(p.parse_expr()?)
    } else {
        None
    };
    expect_words(p, &["BEGIN"])?;
    let body = trigger_body(p, true)?;
    Ok(TriggerDecl {
        name,
        table,
        function: None,
        source: TriggerSourceDecl {
            timing,
            events,
            referencing: Vec::new(),
            for_each_row,
            when,
            arguments: Vec::new(),
            body,
            block: true,
        },
    })
}

/// A trigger's statements: one, or (`block`, after its `BEGIN`) each ended by `;` up to `END`.
fn trigger_body(p: &mut Parser, block: bool) -> std::result::Result<Vec<Statement>, ParserError> {
    let mut body = Vec::new();
    loop {
        body.push(p.parse_statement()?);
        if !block {
            return Ok(body);
        }
        p.expect_token(&Token::SemiColon)?;
        while p.consume_token(&Token::SemiColon) {}
        if words(p, &["END"]) {
            return Ok(body);
        }
    }
}

/// MySQL: `CREATE TRIGGER [IF NOT EXISTS] name {BEFORE | AFTER} {INSERT | UPDATE | DELETE} ON
/// table FOR EACH ROW {statement | BEGIN statement; … END}`.
fn mysql_trigger(p: &mut Parser) -> std::result::Result<TriggerDecl, ParserError> {
    words(p, &["IF", "NOT", "EXISTS"]);
    let name = p.parse_identifier()?;
    let timing = trigger_timing(p, None)?;
    let events = trigger_events(p)?;
    expect_words(p, &["ON"])?;
    let table = p.parse_object_name(false)?;
    expect_words(p, &["FOR", "EACH", "ROW"])?;
    if is_word(p, 0, "FOLLOWS") || is_word(p, 0, "PRECEDES") {
        return Err(refused(
            p,
            "FOLLOWS / PRECEDES on a trigger is not supported: give the triggers of one event one body",
        ));
    }
    let block = words(p, &["BEGIN"]);
    let body = trigger_body(p, block)?;
    Ok(TriggerDecl {
        name,
        table,
        function: None,
        source: TriggerSourceDecl {
            timing,
            events,
            referencing: Vec::new(),
            for_each_row: true,
            when: None,
            arguments: Vec::new(),
            body,
            block,
        },
    })
}

/// PostgreSQL: `CREATE SEQUENCE [IF NOT EXISTS] name [AS type] [INCREMENT [BY] n] [MINVALUE n
/// | NO MINVALUE] [MAXVALUE n | NO MAXVALUE] [START [WITH] n] [CACHE n] [[NO] CYCLE] [OWNED BY
/// …]`, the options in any order.
fn sequence(p: &mut Parser, temporary: bool) -> std::result::Result<Own, ParserError> {
    words(p, &["IF", "NOT", "EXISTS"]);
    let name = p.parse_object_name(false)?;
    let mut data_type = None;
    let mut o = crate::model::SequenceOptions::default();
    let mut owned = false;
    let int = |p: &mut Parser| -> std::result::Result<i64, ParserError> {
        let negative = p.consume_token(&Token::Minus);
        let next = p.next_token();
        match &next.token {
            Token::Number(n, _) => match n.parse::<i64>() {
                Ok(v) if negative => Ok(-v),
                Ok(v) => Ok(v),
                Err(_) => p.expected("a whole number", next.clone()),
            },
            _ => p.expected("a whole number", next.clone()),
        }
    };
    loop {
        if words(p, &["AS"]) {
            data_type = Some(p.parse_data_type()?);
        } else if words(p, &["INCREMENT"]) {
            words(p, &["BY"]);
            o.increment = Some(int(p)?);
        } else if words(p, &["NO", "MINVALUE"]) {
            o.min_value = None;
        } else if words(p, &["NO", "MAXVALUE"]) {
            o.max_value = None;
        } else if words(p, &["MINVALUE"]) {
            o.min_value = Some(int(p)?);
        } else if words(p, &["MAXVALUE"]) {
            o.max_value = Some(int(p)?);
        } else if words(p, &["START"]) {
            words(p, &["WITH"]);
            o.start = Some(int(p)?);
        } else if words(p, &["CACHE"]) {
            o.cache = Some(int(p)?);
        } else if words(p, &["NO", "CYCLE"]) {
            o.cycle = false;
        } else if words(p, &["CYCLE"]) {
            o.cycle = true;
        } else if words(p, &["OWNED", "BY"]) {
            owned = !words(p, &["NONE"]);
            if owned {
                p.parse_object_name(false)?;
            }
        } else {
            break;
        }
    }
    Ok(Own::Sequence {
        name,
        temporary,
        data_type,
        options: o,
        owned,
    })
}

/// PostgreSQL: `CREATE POLICY name ON table [AS {PERMISSIVE | RESTRICTIVE}] [FOR command] [TO
/// role, …] [USING (expr)] [WITH CHECK (expr)]`.
fn policy(p: &mut Parser) -> std::result::Result<PolicyDecl, ParserError> {
    let name = p.parse_identifier()?;
    expect_words(p, &["ON"])?;
    let table = p.parse_object_name(false)?;
    let mut restrictive = false;
    if words(p, &["AS"]) {
        restrictive = words(p, &["RESTRICTIVE"]);
        if !restrictive {
            expect_words(p, &["PERMISSIVE"])?;
        }
    }
    let mut command = "ALL";
    if words(p, &["FOR"]) {
        let found = ["ALL", "SELECT", "INSERT", "UPDATE", "DELETE"]
            .into_iter()
            .find(|c| words(p, &[c]));
        match found {
            Some(c) => command = c,
            None => return p.expected("ALL, SELECT, INSERT, UPDATE or DELETE", p.peek_token()),
        }
    }
    let mut roles = Vec::new();
    if words(p, &["TO"]) {
        loop {
            let keyword = ROLE_KEYWORDS.iter().find(|k| is_word(p, 0, k)).copied();
            match keyword {
                Some(k) => {
                    p.next_token();
                    roles.push(PolicyRole::Keyword(k));
                }
                None => roles.push(PolicyRole::Name(p.parse_identifier()?.value)),
            }
            if !p.consume_token(&Token::Comma) {
                break;
            }
        }
    }
    let mut using = None;
    if words(p, &["USING"]) {
        p.expect_token(&Token::LParen)?;
        using = Some(p.parse_expr()?);
        p.expect_token(&Token::RParen)?;
    }
    let mut check = None;
    if words(p, &["WITH", "CHECK"]) {
        p.expect_token(&Token::LParen)?;
        check = Some(p.parse_expr()?);
        p.expect_token(&Token::RParen)?;
    }
    Ok(PolicyDecl {
        name,
        table,
        restrictive,
        command,
        roles,
        using,
        check,
    })
}

/// MySQL: `CREATE EVENT [IF NOT EXISTS] name ON SCHEDULE {AT time | EVERY n unit [STARTS time]
/// [ENDS time]} [ON COMPLETION [NOT] PRESERVE] [ENABLE | DISABLE [ON SLAVE]] [COMMENT '…'] DO
/// statement`.
fn mysql_event(p: &mut Parser) -> std::result::Result<EventDecl, ParserError> {
    words(p, &["IF", "NOT", "EXISTS"]);
    let name = p.parse_identifier()?;
    expect_words(p, &["ON", "SCHEDULE"])?;
    let (mut at, mut every, mut ends) = (None, None, None);
    if words(p, &["AT"]) {
        at = Some(p.parse_expr()?);
    } else {
        expect_words(p, &["EVERY"])?;
        let next = p.next_token();
        let value = match next.token {
            Token::Number(n, _) => n,
            Token::SingleQuotedString(s) => s,
            _ => return p.expected("the interval of EVERY", next),
        };
        let next = p.next_token();
        let unit = match &next.token {
            Token::Word(w) => INTERVAL_UNITS
                .iter()
                .find(|u| w.value.eq_ignore_ascii_case(u))
                .copied(),
            _ => None,
        };
        let Some(unit) = unit else {
            return p.expected("an interval unit (DAY, HOUR, DAY_HOUR…)", next);
        };
        every = Some((value, unit.to_string()));
        if words(p, &["STARTS"]) {
            at = Some(p.parse_expr()?);
        }
        if words(p, &["ENDS"]) {
            ends = Some(p.parse_expr()?);
        }
    }
    let mut preserve = false;
    let mut status = "ENABLE";
    let mut comment = None;
    loop {
        if words(p, &["ON", "COMPLETION", "NOT", "PRESERVE"]) {
            preserve = false;
        } else if words(p, &["ON", "COMPLETION", "PRESERVE"]) {
            preserve = true;
        } else if words(p, &["ENABLE"]) {
            status = "ENABLE";
        } else if words(p, &["DISABLE", "ON", "SLAVE"]) {
            status = "DISABLE ON SLAVE";
        } else if words(p, &["DISABLE"]) {
            status = "DISABLE";
        } else if words(p, &["COMMENT"]) {
            comment = Some(p.parse_literal_string()?);
        } else {
            break;
        }
    }
    expect_words(p, &["DO"])?;
    let body = p.parse_statement()?;
    Ok(EventDecl {
        name,
        at,
        every,
        ends,
        preserve,
        status,
        comment,
        body,
    })
}

/// Whether `sql` (rendered by plinth) reads back as exactly one trigger of `dialect`: its
/// `;`s are those of the body's statements, and nothing follows its `END`.
pub(crate) fn is_one_trigger(dialect: Dialect, sql: &str) -> bool {
    let Ok(tokens) = crate::sql::limits::checked_tokens(dialect, sql) else {
        return false;
    };
    let pd = crate::sql::parser_dialect(dialect);
    let mut p = Parser::new(pd.as_ref()).with_tokens_with_locations(tokens);
    is_own(dialect, &p)
        && matches!(read(dialect, &mut p), Ok(Own::Trigger(_)))
        && p.peek_token().token == Token::EOF
}

/// An expression printed from its parse tree, kept only when the print reads back as the same
/// tree (as a view's query is), so what plinth writes means what the file says.
fn printed(dialect: Dialect, e: &Expr) -> std::result::Result<String, String> {
    let text = e.to_string();
    let back = crate::sql::limits::checked_tokens(dialect, &text)
        .ok()
        .and_then(|tokens| {
            let pd = crate::sql::parser_dialect(dialect);
            let mut p = Parser::new(pd.as_ref()).with_tokens_with_locations(tokens);
            let e = p.parse_expr().ok()?;
            (p.peek_token().token == Token::EOF).then_some(e)
        });
    if back.as_ref() == Some(e) {
        Ok(text)
    } else {
        Err(format!(
            "the expression `{text}` cannot be written back exactly as it reads"
        ))
    }
}

/// One statement read from `text` as `dialect` reads it, nothing after it.
fn parse_statement(dialect: Dialect, text: &str) -> Option<Statement> {
    let tokens = crate::sql::limits::checked_tokens(dialect, text).ok()?;
    let pd = crate::sql::parser_dialect(dialect);
    let mut p = Parser::new(pd.as_ref()).with_tokens_with_locations(tokens);
    let statement = p.parse_statement().ok()?;
    (p.peek_token().token == Token::EOF).then_some(statement)
}

impl Lowering<'_> {
    pub(crate) fn own(&mut self, own: Own, at: Location) -> Result<()> {
        if !matches!(own, Own::Trigger(_) | Own::Event(_) | Own::Partition { .. }) {
            self.postgres_only("a function, procedure or session setting", &at)?;
        }
        match own {
            Own::Setting { name, values } => self.setting(&name, &values, at),
            Own::Event(e) => self.create_event(e, at),
            Own::Policy(pd) => self.create_policy(pd, at),
            Own::Sequence {
                name,
                temporary,
                data_type,
                options,
                owned,
            } => self.create_sequence(temporary, &name, data_type.as_ref(), options, owned, at),
            Own::PartitionOf {
                name,
                parent,
                bound,
            } => self.create_partition(&name, &parent, bound, at),
            Own::Partition { table, clause } => {
                let (name, tloc) = self.object_name(&table, &at)?;
                let mut t = self.take_table(&name, &tloc)?;
                t.options
                    .insert(crate::engine::mysql::partition::PARTITION.into(), clause);
                self.out.schema.tables.insert(name, t);
                Ok(())
            }
            Own::Routine(r) => self.create_routine(r, at),
            Own::Trigger(t) => self.create_trigger(t, at),
            Own::Comment { target, comment } => self.routine_comment(target, comment, at),
        }
    }

    /// A session setting is read past when it does not change what the file means (see
    /// [`HARMLESS_SETTINGS`]), else an error: plinth would read the file otherwise than the
    /// server.
    fn setting(&self, name: &Ident, values: &[SetValue], at: Location) -> Result<()> {
        let name = name.value.to_lowercase();
        let word = |v: &SetValue| match v {
            SetValue::Word(w) | SetValue::String(w) => w.to_lowercase(),
            SetValue::Number(n) => n.clone(),
        };
        let first = values.first().map(word).unwrap_or_default();
        let harmless = HARMLESS_SETTINGS.contains(&name.as_str())
            || (name == "standard_conforming_strings" && first == "on")
            || (name == "search_path" && (first == "public" || first == "\"$user\""));
        if harmless {
            return Ok(());
        }
        Err(self.err_help(
            at,
            format!("`SET {name}` is not supported in a schema file: it changes how the statements after it read"),
            "remove it (plinth reads names in the default schema, strings as standard ones)",
        ))
    }

    /// See [`printed`]: the error at `at`.
    fn printed(&self, e: &Expr, at: &Location) -> Result<String> {
        printed(self.dialect, e).map_err(|m| self.err_help(at.clone(), m, "simplify it"))
    }

    fn create_policy(&mut self, pd: PolicyDecl, at: Location) -> Result<()> {
        let (table, _) = self.qualified_name(&pd.table, &at)?;
        let name = self.checked(&pd.name, &at)?;
        let location = self.ident_loc(&pd.name, &at);
        let key = Trigger::key(&table, &name);
        if let Some(first) = self.out.policies.get(&key) {
            return Err(self.err_help(
                location,
                format!("policy `{name}` on `{table}` is already defined at {first}"),
                "define it once",
            ));
        }
        // No roles is `TO PUBLIC`, as the catalog keeps it.
        let mut roles: Vec<PolicyRole> = pd
            .roles
            .into_iter()
            .map(|r| match r {
                PolicyRole::Name(n) => PolicyRole::Name(self.dialect.fold(&n)),
                keyword => keyword,
            })
            .collect();
        if roles.is_empty() {
            roles.push(PolicyRole::Keyword("PUBLIC"));
        }
        let source = PolicySource {
            restrictive: pd.restrictive,
            command: pd.command.to_string(),
            roles,
            using: pd
                .using
                .as_ref()
                .map(|e| self.printed(e, &at))
                .transpose()?,
            check: pd
                .check
                .as_ref()
                .map(|e| self.printed(e, &at))
                .transpose()?,
        };
        let expressions = pd.using.iter().chain(&pd.check);
        let calls = expressions.flat_map(|e| crate::normalize::expr::calls(self.dialect, e));
        let policy = Policy {
            definition: crate::engine::postgres::render::create_policy(&name, &table, &source),
            calls: calls
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
            name,
            table,
            source,
            comment: None,
        };
        self.out.schema.policies.insert(key.clone(), policy);
        self.out.policies.insert(key, location);
        Ok(())
    }

    fn create_event(&mut self, e: EventDecl, at: Location) -> Result<()> {
        let name = self.checked(&e.name, &at)?;
        let location = self.ident_loc(&e.name, &at);
        if let Some(first) = self.out.events.get(&name) {
            return Err(self.err_help(
                location,
                format!("event `{name}` is already defined at {first}"),
                "define it once",
            ));
        }
        let runs = matches!(
            e.body,
            Statement::Insert(_)
                | Statement::Update { .. }
                | Statement::Delete(_)
                | Statement::Set(_)
                | Statement::Call(_)
        );
        let text = e.body.to_string();
        if !runs || parse_statement(self.dialect, &text).as_ref() != Some(&e.body) {
            return Err(self.err_help(
                location,
                format!("event `{name}` runs a statement plinth does not write in an event"),
                "an event plinth manages runs one INSERT, UPDATE, DELETE, SET or CALL",
            ));
        }
        for time in e.at.iter().chain(&e.ends) {
            self.printed(time, &location)?;
        }
        let source = EventSource {
            at: e.at.as_ref().map(event_time),
            every: e.every,
            ends: e.ends.as_ref().map(event_time),
            preserve: e.preserve,
            status: e.status.to_string(),
            comment: e.comment.filter(|c| !c.is_empty()),
            body: text,
        };
        let event = Event {
            definition: crate::engine::mysql::render::event_definition(&name, &source),
            name: name.clone(),
            source,
        };
        self.out.schema.events.insert(name.clone(), event);
        self.out.events.insert(name, location);
        Ok(())
    }

    fn data_type(&self, dt: &DataType, at: &Location) -> Result<ColumnType> {
        let text = types::normalize(Dialect::Postgres, dt).ty;
        crate::normalize::expr::check_type_text(Dialect::Postgres, &text)
            .map_err(|message| self.err(at.clone(), message))?;
        Ok(ColumnType::new(Dialect::Postgres, text))
    }

    fn create_routine(&mut self, r: RoutineDecl, at: Location) -> Result<()> {
        let (name, location) = self.qualified_name(&r.name, &at)?;
        let mut arguments = Vec::new();
        for a in &r.arguments {
            arguments.push(Argument {
                mode: a.mode,
                name: a.name.as_ref().map(|n| self.checked(n, &at)).transpose()?,
                data_type: self.data_type(&a.data_type, &at)?,
                default: a
                    .default
                    .as_ref()
                    .map(|d| self.printed(d, &at))
                    .transpose()?,
            });
        }
        let returns = match &r.returns {
            None => None,
            Some(ReturnsDecl::Type { setof, data_type }) => Some(Returns::Type {
                setof: *setof,
                data_type: self.data_type(data_type, &at)?,
            }),
            Some(ReturnsDecl::Table(columns)) => Some(Returns::Table(
                columns
                    .iter()
                    .map(|(n, t)| Ok((self.checked(n, &at)?, self.data_type(t, &at)?)))
                    .collect::<Result<_>>()?,
            )),
        };
        if returns.is_none()
            && !r.procedure
            && !arguments
                .iter()
                .any(|a| matches!(a.mode, Some("OUT" | "INOUT")))
        {
            return Err(self.err_help(
                location,
                format!("function `{name}` says nothing of what it returns"),
                "add RETURNS type (or `RETURNS void`)",
            ));
        }
        let options = r
            .options
            .iter()
            .map(|o| {
                Ok(match o {
                    OptionDecl::Language(l) => RoutineOption::Language(l.value.clone()),
                    OptionDecl::Words(w) => RoutineOption::Words(w),
                    OptionDecl::Cost(n) => RoutineOption::Cost(n.clone()),
                    OptionDecl::Rows(n) => RoutineOption::Rows(n.clone()),
                    OptionDecl::Support(f) => {
                        RoutineOption::Support(self.qualified_name(f, &at)?.0)
                    }
                    OptionDecl::Set(p, v) => RoutineOption::Set(self.fold(p), v.clone()),
                    OptionDecl::SetFromCurrent(p) => RoutineOption::SetFromCurrent(self.fold(p)),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if !options
            .iter()
            .any(|o| matches!(o, RoutineOption::Language(_)))
            && !matches!(r.body, Some(BodyDecl::Sql(_)))
        {
            return Err(self.err_help(
                location,
                format!("routine `{name}` names no language"),
                "add LANGUAGE plpgsql (or sql)",
            ));
        }
        let body = match r.body {
            Some(BodyDecl::Text(t)) => RoutineBody::Text(t),
            Some(BodyDecl::Object(o, l)) => RoutineBody::Object(o, l),
            Some(BodyDecl::Sql(s)) => RoutineBody::Sql(s),
            None => {
                return Err(self.err_help(
                    location,
                    format!("routine `{name}` has no body"),
                    "add AS $$ … $$",
                ))
            }
        };
        let source = RoutineSource {
            arguments,
            returns,
            options,
            body,
        };
        let function = function_from(name.clone(), r.procedure, source);
        let key = Function::key(&name, &function.signature);
        if let Some(first) = self.out.functions.get(&key) {
            return Err(self.err_help(
                location,
                format!("routine `{key}` is already defined at {first}"),
                "define it once",
            ));
        }
        self.out.schema.functions.insert(key.clone(), function);
        self.out.functions.insert(key, location);
        Ok(())
    }

    fn create_trigger(&mut self, t: TriggerDecl, at: Location) -> Result<()> {
        let (table, _) = self.qualified_name(&t.table, &at)?;
        let name = self.checked(&t.name, &at)?;
        let location = self.ident_loc(&t.name, &at);
        // The server's own trigger functions (`pg_catalog.…`), which no file creates.
        let function = match &t.function {
            Some(f) => match f.0.as_slice() {
                [schema, last]
                    if self.dialect == Dialect::Postgres
                        && schema
                            .as_ident()
                            .is_some_and(|s| self.fold(s) == PG_CATALOG) =>
                {
                    let name = last
                        .as_ident()
                        .ok_or_else(|| self.err(at.clone(), "empty name"))?;
                    crate::model::qualified(Some(PG_CATALOG), &self.checked(name, &at)?)
                }
                _ => self.qualified_name(f, &at)?.0,
            },
            None => String::new(),
        };
        let s = t.source;
        let one_event = s.events.len() == 1
            && (self.dialect != Dialect::Mysql
                || (s.events[0].1.is_empty()
                    && s.timing != "INSTEAD OF"
                    && s.events[0].0 != "TRUNCATE"));
        if self.dialect != Dialect::Postgres && !one_event {
            return Err(self.err_help(
                at,
                format!("trigger `{}` is not one {} takes", t.name.value, self.dialect.product()),
                "one event per trigger (MySQL: BEFORE or AFTER INSERT, UPDATE or DELETE, no OF columns)",
            ));
        }
        let mut body = Vec::new();
        for statement in &s.body {
            // MySQL refuses a trigger that returns rows; SQLite runs its SELECTs for RAISE.
            let allowed = match statement {
                Statement::Insert(_) | Statement::Update { .. } | Statement::Delete(_) => true,
                Statement::Query(_) => self.dialect == Dialect::Sqlite,
                Statement::Set(_) | Statement::Call(_) => self.dialect == Dialect::Mysql,
                _ => false,
            };
            if !allowed {
                return Err(self.err_help(
                    at,
                    format!(
                        "trigger `{}` runs a statement plinth does not write in a trigger",
                        t.name.value
                    ),
                    "a trigger's body holds INSERT, UPDATE or DELETE (SQLite also SELECT, MySQL also SET and CALL)",
                ));
            }
            // Written back as sqlparser prints it: only if that reads back as the same tree.
            let text = statement.to_string();
            if parse_statement(self.dialect, &text).as_ref() != Some(statement) {
                return Err(self.err_help(
                    at,
                    format!(
                        "a statement of trigger `{}` cannot be written back exactly as it reads",
                        t.name.value
                    ),
                    "simplify it",
                ));
            }
            body.push(text);
        }
        let source = TriggerSource {
            timing: s.timing,
            events: s
                .events
                .iter()
                .map(|(e, columns)| Ok((*e, self.idents(columns, &at)?)))
                .collect::<Result<_>>()?,
            referencing: s
                .referencing
                .iter()
                .map(|(w, n)| Ok((*w, self.checked(n, &at)?)))
                .collect::<Result<_>>()?,
            for_each_row: s.for_each_row,
            when: s.when.as_ref().map(|e| self.printed(e, &at)).transpose()?,
            arguments: s.arguments,
            body,
            block: s.block,
        };
        let key = Trigger::key(&table, &name);
        if let Some(first) = self.out.triggers.get(&key) {
            return Err(self.err_help(
                location,
                format!("trigger `{name}` on `{table}` is already defined at {first}"),
                "define it once",
            ));
        }
        let mut trigger = Trigger {
            name,
            table,
            function,
            definition: String::new(),
            source: Some(Box::new(source)),
            comment: None,
        };
        trigger.definition = match self.dialect {
            Dialect::Sqlite => crate::engine::sqlite::render::create_trigger(&trigger),
            Dialect::Mysql => crate::engine::mysql::render::create_trigger(&trigger),
            Dialect::Postgres => crate::engine::postgres::render::create_trigger(&trigger),
        };
        self.out.schema.triggers.insert(key.clone(), trigger);
        self.out.triggers.insert(key, location);
        Ok(())
    }

    fn routine_comment(
        &mut self,
        target: CommentTarget,
        comment: Option<String>,
        at: Location,
    ) -> Result<()> {
        match target {
            CommentTarget::Trigger { name, table } => {
                let (table, _) = self.qualified_name(&table, &at)?;
                let name = self.fold(&name);
                let slot = self
                    .out
                    .schema
                    .triggers
                    .get_mut(&Trigger::key(&table, &name))
                    .map(|t| &mut t.comment);
                super::commented(slot, comment, &name, "TRIGGER", at)
            }
            CommentTarget::Policy { name, table } => {
                let (table, _) = self.qualified_name(&table, &at)?;
                let name = self.fold(&name);
                let slot = (self.out.schema.policies)
                    .get_mut(&Trigger::key(&table, &name))
                    .map(|p| &mut p.comment);
                super::commented(slot, comment, &name, "POLICY", at)
            }
            CommentTarget::Sequence(name) => {
                let (name, _) = self.qualified_name(&name, &at)?;
                let slot = (self.out.schema.sequences.get_mut(&name)).map(|q| &mut q.comment);
                super::commented(slot, comment, &name, "SEQUENCE", at)
            }
            CommentTarget::Routine {
                procedure,
                name,
                types,
            } => {
                let (name, _) = self.qualified_name(&name, &at)?;
                let signature = types
                    .map(|ts| {
                        ts.iter()
                            .map(|t| Ok(signature_type(&self.data_type(t, &at)?)))
                            .collect::<Result<Vec<_>>>()
                    })
                    .transpose()?
                    .map(|ts| ts.join(", "));
                let matching: Vec<&String> = self
                    .out
                    .schema
                    .functions
                    .iter()
                    .filter(|(_, f)| f.name == name && f.procedure == procedure)
                    .filter(|(_, f)| signature.as_ref().is_none_or(|s| *s == f.signature))
                    .map(|(k, _)| k)
                    .collect();
                let kind = if procedure { "PROCEDURE" } else { "FUNCTION" };
                let key = match matching.as_slice() {
                    [one] => Some((*one).clone()),
                    [] => None,
                    _ => {
                        return Err(self.err_help(
                            at,
                            format!("`{name}` is overloaded: say which one"),
                            format!("COMMENT ON {kind} {name}(argument types) IS …"),
                        ))
                    }
                };
                let slot = key
                    .and_then(|k| self.out.schema.functions.get_mut(&k))
                    .map(|f| &mut f.comment);
                super::commented(slot, comment, &name, kind, at)
            }
        }
    }
}

/// An event's time: a string's value as the catalog spells a `DATETIME` (a date alone is its
/// midnight), or an expression's text.
pub(crate) fn event_time(e: &Expr) -> EventTime {
    use sqlparser::ast::{Value, ValueWithSpan};
    match e {
        Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(s),
            ..
        }) => {
            let s = s.trim();
            if s.len() == 10 {
                EventTime::At(format!("{s} 00:00:00"))
            } else {
                EventTime::At(s.to_string())
            }
        }
        other => EventTime::Expression(other.to_string()),
    }
}

/// An argument type as it counts in a signature: without its modifier (`character varying`,
/// `numeric`, `integer[]`).
pub(crate) fn signature_type(t: &ColumnType) -> String {
    let base = t.base();
    if t.is_array() {
        format!("{base}[]")
    } else {
        base.to_string()
    }
}

/// The PostgreSQL schema of the server's own routines.
pub(crate) const PG_CATALOG: &str = "pg_catalog";

/// A routine from what the file says: its signature, what it uses, and until the server says
/// otherwise its definition and header as plinth writes them.
fn function_from(name: String, procedure: bool, source: RoutineSource) -> Function {
    let inputs = source
        .arguments
        .iter()
        .filter(|a| !matches!(a.mode, Some("OUT")))
        .map(|a| signature_type(&a.data_type));
    let signature = inputs.collect::<Vec<_>>().join(", ");
    let mut types: Vec<&ColumnType> = source.arguments.iter().map(|a| &a.data_type).collect();
    match &source.returns {
        Some(Returns::Type { data_type, .. }) => types.push(data_type),
        Some(Returns::Table(columns)) => types.extend(columns.iter().map(|(_, t)| t)),
        None => {}
    }
    let mut uses: Vec<String> = types
        .iter()
        .filter(|t| !t.is_known_base())
        .map(|t| t.element().trim_matches('"').to_string())
        .collect();
    uses.sort();
    uses.dedup();
    let checked_body = matches!(source.body, RoutineBody::Sql(_));
    let mut f = Function {
        name,
        signature,
        procedure,
        header: String::new(),
        definition: String::new(),
        source: Some(Box::new(source)),
        uses,
        checked_body,
        comment: None,
    };
    let (header, definition) = crate::engine::postgres::render::routine_texts(&f);
    f.header = header;
    f.definition = definition;
    f
}

#[cfg(test)]
mod tests {
    use crate::model::{Dialect, Returns, RoutineBody, RoutineOption};
    use crate::sql::parse_file;

    fn one(sql: &str) -> crate::model::Function {
        let parsed = parse_file(Dialect::Postgres, "a.sql", sql).unwrap();
        parsed.schema.functions.into_values().next().unwrap()
    }

    /// An argument's name is told from its type by what follows: a type alone (`double
    /// precision`, `text`) is a type; a word before a type is a name (`text text` too).
    #[test]
    fn argument_names_are_told_from_types() {
        let f = one("CREATE FUNCTION f(double precision, text text, IN n int DEFAULT 2, character varying) RETURNS void LANGUAGE sql AS $$ SELECT 1 $$;");
        assert_eq!(
            f.signature,
            "double precision, text, integer, character varying"
        );
        let s = f.source.unwrap();
        let names: Vec<Option<&str>> = s.arguments.iter().map(|a| a.name.as_deref()).collect();
        assert_eq!(names, [None, Some("text"), Some("n"), None]);
        assert_eq!(s.arguments[2].default.as_deref(), Some("2"));
        assert_eq!(s.arguments[2].mode, Some("IN"));
    }

    #[test]
    fn attributes_and_bodies_are_read_in_any_order() {
        let f = one("CREATE OR REPLACE FUNCTION g(a integer) RETURNS SETOF integer AS 'SELECT a' STRICT LANGUAGE SQL SET search_path TO public, pg_temp ROWS 3;");
        let s = f.source.unwrap();
        assert!(matches!(s.returns, Some(Returns::Type { setof: true, .. })));
        assert!(matches!(&s.body, RoutineBody::Text(t) if t == "SELECT a"));
        assert!(s.options.contains(&RoutineOption::Language("sql".into())));
        assert!(s.options.contains(&RoutineOption::Words("STRICT")));
        assert!(s.options.contains(&RoutineOption::Rows("3".into())));
        // A procedure has no result; a body of SQL-standard statements is checked when made.
        let p = one("CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;");
        assert!(p.procedure && p.checked_body);
    }

    #[test]
    fn what_a_routine_must_say_is_asked_for() {
        for (sql, says) in [
            (
                "CREATE FUNCTION f() LANGUAGE sql AS 'SELECT 1';",
                "says nothing of what it returns",
            ),
            (
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql;",
                "has no body",
            ),
            (
                "CREATE FUNCTION f() RETURNS int AS 'x' TRANSFORM FOR TYPE int;",
                "TRANSFORM",
            ),
        ] {
            let err = parse_file(Dialect::Postgres, "a.sql", sql)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("a.sql:1:") && err.contains(says),
                "{sql}: {err}"
            );
        }
    }
}
