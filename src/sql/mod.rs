//! SQL → IR: parse schema files with sqlparser (dialect of the target engine) and lower them.
//!
//! Parsing keeps the position of every statement and of every table name, so errors (here
//! and in the ownership checks of `config`) name `file:line:col`. Anything plinth does not model
//! is an error naming the statement — never silently dropped.

mod dialect;
pub mod limits;
pub(crate) mod lower;
mod renames;
mod split;
pub(crate) mod tokens;

pub(crate) use lower::{is_one_trigger, name_key, stored_query};

use std::collections::{BTreeMap, BTreeSet};

use sqlparser::ast::Statement;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Span, Token, Tokenizer};

use crate::engine::postgres::prepass;
use crate::error::{Error, Location, Result};
use crate::model::{Dialect, Schema};

pub use limits::with_stack;

/// The sqlparser dialect that reads SQL written for `dialect`: the engine's, with sqlparser's
/// backtracking bounded (see `sql::dialect`) to [`PARSER_BUDGET`] expression attempts. Check
/// text from outside plinth with `limits::checked_tokens` before parsing it with this.
pub fn parser_dialect(dialect: Dialect) -> Box<dyn sqlparser::dialect::Dialect> {
    Box::new(dialect::Bounded::new(dialect, PARSER_BUDGET))
}

/// The expression attempts of a parser made by [`parser_dialect`]: well over what any
/// expression of a catalog needs, and about 0.3 s of work at most (2.4 µs an attempt).
pub const PARSER_BUDGET: u64 = 1 << 17;

/// One schema file, lowered. Tables are not yet [`finish`]ed: foreign keys may still point at
/// tables of other files.
#[derive(Debug, Default)]
pub struct Parsed {
    pub schema: Schema,
    /// Where each table is defined.
    pub tables: BTreeMap<String, Location>,
    /// The renames the files ask for (`-- plinth: renamed from old`), in file order.
    pub renames: Vec<crate::model::Rename>,
    /// Every foreign-key reference: (from table, to table, where the target is named).
    pub references: Vec<Reference>,
    /// Where each enum type is defined.
    pub enums: BTreeMap<String, Location>,
    /// Where each view is defined.
    pub views: BTreeMap<String, Location>,
    /// Where each domain is defined.
    pub domains: BTreeMap<String, Location>,
    /// Where each routine is defined, by `Function::key`.
    pub functions: BTreeMap<String, Location>,
    /// Where each trigger is defined, by `Trigger::key`.
    pub triggers: BTreeMap<String, Location>,
    /// Where each event is defined.
    pub events: BTreeMap<String, Location>,
    /// Where each policy is defined, by `Trigger::key`.
    pub policies: BTreeMap<String, Location>,
    /// Where each sequence is defined.
    pub sequences: BTreeMap<String, Location>,
    /// Where each composite type is defined.
    pub composites: BTreeMap<String, Location>,
    /// Where each schema other than the default one is created.
    pub namespaces: BTreeMap<String, Location>,
    /// Where each schema an object is put in is first named (each must be created).
    pub namespace_uses: BTreeMap<String, Location>,
    /// Where each `CREATE INDEX` names its index: (table, index, position), in file order.
    pub indexes: Vec<(String, String, Location)>,
    /// Where columns are defined and which names are written bare: what `lint` points at.
    pub places: Places,
    /// MySQL: the file uses what only MySQL/MariaDB read (see
    /// `engine::mysql::types::written_for_mysql`), so its `timestamp` is MySQL's own.
    pub mysql_only: bool,
}

/// Positions the schema itself does not keep, for `lint`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Places {
    /// (table, column) → where the column's name is written in its CREATE TABLE (or ADD COLUMN).
    pub columns: BTreeMap<(String, String), Location>,
    /// Table and column names written without quotes, where (as folded).
    pub bare: Vec<(String, Location)>,
    /// Every foreign-key reference of every file (see [`Parsed::references`]).
    pub references: Vec<Reference>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub from: String,
    pub to: String,
    /// The referenced columns as written (empty: the target's primary key).
    pub columns: Vec<String>,
    pub location: Location,
}

impl Parsed {
    /// Every foreign key into a table defined here names columns that table has (checked once
    /// all files are merged: the target may live in another file or plugin).
    pub fn check_references(&self, dialect: Dialect) -> Result<()> {
        for (schema, at) in &self.namespace_uses {
            if !self.namespaces.contains_key(schema) {
                return Err(Error::at_help(
                    at.clone(),
                    format!("schema `{schema}` is not created in the schema files"),
                    format!("add `CREATE SCHEMA {schema};` before the objects in it"),
                ));
            }
        }
        for (key, policy) in &self.schema.policies {
            let Some(at) = self.policies.get(key) else {
                continue;
            };
            if !self.schema.tables.contains_key(&policy.table) {
                return Err(Error::at_help(
                    at.clone(),
                    format!(
                        "policy `{}` is on `{}`, which no schema file defines as a table",
                        policy.name, policy.table
                    ),
                    "define the table, or put the policy on one that is",
                ));
            }
        }
        for (key, t) in &self.schema.triggers {
            let Some(at) = self.triggers.get(key) else {
                continue;
            };
            let on = self.schema.tables.contains_key(&t.table)
                || self.schema.views.contains_key(&t.table);
            if !on {
                return Err(Error::at_help(
                    at.clone(),
                    format!(
                        "trigger `{}` is on `{}`, which no schema file defines as a table or view",
                        t.name, t.table
                    ),
                    "define the table, or put the trigger on one that is",
                ));
            }
            let called = t.function.is_empty()
                || crate::model::split_qualified(&t.function).0 == Some(lower::PG_CATALOG)
                || self.schema.functions.values().any(|f| f.name == t.function);
            if !called {
                return Err(Error::at_help(
                    at.clone(),
                    format!(
                        "trigger `{}` executes `{}`, which no schema file defines",
                        t.name, t.function
                    ),
                    format!(
                        "define it (CREATE FUNCTION {}() RETURNS trigger …), or name the server's own as pg_catalog.{}",
                        crate::model::shown(&t.function),
                        crate::model::shown(&t.function),
                    ),
                ));
            }
        }
        for r in &self.references {
            let Some(target) = self.schema.tables.get(&r.to) else {
                continue; // an external table, or a missing one: the ownership rules say which
            };
            if r.columns.is_empty() && target.primary_key.is_none() {
                return Err(Error::at_help(
                    r.location.clone(),
                    format!(
                        "`{}` references `{}` without naming columns, but `{}` has no primary key",
                        r.from, r.to, r.to
                    ),
                    "name the referenced columns",
                ));
            }
            if let Some(missing) = r
                .columns
                .iter()
                .find(|c| !lower::has_column(dialect, target, c))
            {
                return Err(Error::at(
                    r.location.clone(),
                    format!(
                        "`{}` has no column `{missing}` for `{}` to reference",
                        r.to, r.from
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl Parsed {
    /// Add another file's tables; a table or enum type defined twice is an error naming both
    /// places.
    pub fn merge(&mut self, other: Parsed) -> Result<()> {
        for (name, location) in other.tables {
            if let Some(first) = self.tables.get(&name) {
                return Err(Error::at_help(
                    location,
                    format!("table `{name}` is already defined at {first}"),
                    "define it once",
                ));
            }
            self.tables.insert(name, location);
        }
        self.mysql_only |= other.mysql_only;
        self.places.columns.extend(other.places.columns);
        self.places.bare.extend(other.places.bare);
        self.renames.extend(other.renames);
        self.schema.tables.extend(other.schema.tables);
        for (name, location) in other.enums {
            if let Some(first) = self.enums.get(&name) {
                return Err(Error::at_help(
                    location,
                    format!("enum type `{name}` is already defined at {first}"),
                    "define it once",
                ));
            }
            self.enums.insert(name, location);
        }
        self.schema.enums.extend(other.schema.enums);
        for (name, location) in other.views {
            if let Some(first) = self.views.get(&name) {
                return Err(Error::at_help(
                    location,
                    format!("view `{name}` is already defined at {first}"),
                    "define it once",
                ));
            }
            self.views.insert(name, location);
        }
        self.schema.views.extend(other.schema.views);
        for (name, location) in other.domains {
            if let Some(first) = self.domains.get(&name) {
                return Err(Error::at_help(
                    location,
                    format!("domain `{name}` is already defined at {first}"),
                    "define it once",
                ));
            }
            self.domains.insert(name, location);
        }
        self.schema.domains.extend(other.schema.domains);
        for (what, mine, theirs) in [
            ("routine", &mut self.functions, other.functions),
            ("trigger", &mut self.triggers, other.triggers),
            ("event", &mut self.events, other.events),
            ("policy", &mut self.policies, other.policies),
            ("sequence", &mut self.sequences, other.sequences),
            ("composite type", &mut self.composites, other.composites),
        ] {
            for (key, location) in theirs {
                if let Some(first) = mine.get(&key) {
                    return Err(Error::at_help(
                        location,
                        format!(
                            "{what} `{}` is already defined at {first}",
                            key.replace('\u{1f}', ".")
                        ),
                        "define it once",
                    ));
                }
                mine.insert(key, location);
            }
        }
        self.schema.functions.extend(other.schema.functions);
        self.schema.triggers.extend(other.schema.triggers);
        self.schema.events.extend(other.schema.events);
        self.schema.policies.extend(other.schema.policies);
        self.schema.sequences.extend(other.schema.sequences);
        self.schema.composites.extend(other.schema.composites);
        // An extension or a schema several files need is created once.
        self.schema.extensions.extend(other.schema.extensions);
        for (name, location) in other.namespaces {
            self.namespaces.entry(name).or_insert(location);
        }
        for (name, n) in other.schema.namespaces {
            let mine = self
                .schema
                .namespaces
                .entry(name)
                .or_insert_with(|| n.clone());
            mine.comment = mine.comment.take().or(n.comment);
        }
        for (name, location) in other.namespace_uses {
            self.namespace_uses.entry(name).or_insert(location);
        }
        self.references.extend(other.references);
        self.indexes.extend(other.indexes);
        Ok(())
    }

    /// Names the engine holds for one object are given once (checked when all files are
    /// merged): index names per table on MySQL (without regard to case); tables, indexes and
    /// keys in one namespace on PostgreSQL (a key's name is its index's) and on SQLite (without
    /// regard to case).
    pub fn check_names(&self, dialect: Dialect) -> Result<()> {
        let key = |name: &str| match dialect {
            Dialect::Postgres => name.to_string(),
            Dialect::Mysql | Dialect::Sqlite => name.to_ascii_lowercase(),
        };
        // Every name that takes a slot: (namespace, key) ← (what, where). MySQL's index names
        // are per table; PostgreSQL's and SQLite's share the schema with the tables.
        let space = |table: &str| match dialect {
            Dialect::Mysql => table.to_string(),
            // An index is in its table's schema.
            Dialect::Postgres => crate::model::split_qualified(table)
                .0
                .unwrap_or_default()
                .to_string(),
            Dialect::Sqlite => String::new(),
        };
        // Tables and views share one namespace on every engine.
        let tables: BTreeMap<String, &Location> =
            self.tables.iter().map(|(t, at)| (key(t), at)).collect();
        for (view, at) in &self.views {
            if let Some(table_at) = tables.get(&key(view)) {
                return Err(Error::at_help(
                    at.clone(),
                    format!("view `{view}` has the name of the table defined at {table_at}"),
                    "a view and a table cannot share a name: rename one",
                ));
            }
        }
        let mut names: Vec<(Location, String, String, String)> = Vec::new();
        if dialect != Dialect::Mysql {
            for (table, at) in &self.tables {
                names.push((
                    at.clone(),
                    space(table),
                    table.clone(),
                    format!("the table `{table}`"),
                ));
            }
        }
        for (table, index, at) in &self.indexes {
            names.push((
                at.clone(),
                space(table),
                index.clone(),
                format!("index `{index}` of `{table}`"),
            ));
        }
        let created: BTreeSet<(&str, &str)> = self
            .indexes
            .iter()
            .map(|(t, i, _)| (t.as_str(), i.as_str()))
            .collect();
        for (table, t) in &self.schema.tables {
            let Some(at) = self.tables.get(table) else {
                continue;
            };
            // Indexes a CREATE INDEX made are listed above, at their own position.
            let mut declared: Vec<&str> = t
                .indexes
                .iter()
                .filter_map(|i| i.name.given())
                .filter(|n| !created.contains(&(table.as_str(), *n)))
                .collect();
            if dialect == Dialect::Postgres {
                declared.extend(t.uniques.iter().filter_map(|u| u.name.given()));
                declared.extend(t.primary_key.iter().filter_map(|k| k.name.given()));
            }
            for n in declared {
                names.push((
                    at.clone(),
                    space(table),
                    n.to_string(),
                    format!("key `{n}` of `{table}`"),
                ));
            }
        }
        names.sort();
        let mut seen: BTreeMap<(String, String), (&Location, &str, &str)> = BTreeMap::new();
        for (at, space, name, what) in &names {
            match seen.get(&(space.clone(), key(name))) {
                Some((first, first_name, other)) => {
                    let case = if *first_name == name {
                        ""
                    } else {
                        ", which it compares without regard to case"
                    };
                    return Err(Error::at_help(
                        at.clone(),
                        format!("{what} has the name of {other} ({first})"),
                        format!(
                            "{} keeps one object per name{case}: rename one",
                            dialect.product()
                        ),
                    ));
                }
                None => {
                    seen.insert((space.clone(), key(name)), (at, name, what));
                }
            }
        }
        Ok(())
    }
}

/// Parse and lower one file of DDL for `dialect`. The file is cut into statements first and
/// each is tokenized, checked against the limits (`limits`), parsed and lowered in turn, so
/// only one statement's tokens and syntax tree are alive at a time. The work runs on a thread
/// with a stack of known size ([`with_stack`]), whatever thread calls this.
pub fn parse_file(dialect: Dialect, path: &str, text: &str) -> Result<Parsed> {
    with_stack(|| parse_file_here(dialect, path, text)).map_err(Error::usage)?
}

/// What plinth writes for the routines and triggers a PostgreSQL catalog printed
/// (`pg_get_functiondef`, `pg_get_triggerdef`): each one's text read as a schema file would
/// be, its source (and what it uses) kept; one the reader does not take keeps none, and
/// `adopt` says so. All on one thread with a stack of known size.
pub fn read_catalog_routines(schema: &mut Schema) {
    let _ = with_stack(|| {
        for f in schema.functions.values_mut() {
            let read = parse_file_here(Dialect::Postgres, "the catalog", &f.definition).ok();
            if let Some(r) = read.and_then(|p| p.schema.functions.into_values().next()) {
                f.source = r.source;
                f.uses = r.uses;
                f.checked_body = r.checked_body;
            }
        }
        for t in schema.triggers.values_mut() {
            let read = parse_file_here(Dialect::Postgres, "the catalog", &t.definition).ok();
            if let Some(r) = read.and_then(|p| p.schema.triggers.into_values().next()) {
                t.source = r.source;
            }
        }
    });
}

fn parse_file_here(dialect: Dialect, path: &str, text: &str) -> Result<Parsed> {
    let text = match dialect {
        Dialect::Mysql => {
            crate::engine::mysql::normalize::binary_attribute(&mysql_bare_comments(text))
        }
        _ => text.to_string(),
    };
    let mut cx = lower::Lowering::new(dialect, path);
    let mut mysql_only = false;
    // Statements plinth does not manage are named all at once, with the first other error.
    let mut unsupported = Vec::new();
    let mut failed = None;
    for piece in split::statements(dialect, &text) {
        if let Some(e) = unmanaged_head(dialect, path, &piece) {
            unsupported.push(e);
            continue;
        }
        let statements = match parse_piece(dialect, path, &piece, &mut mysql_only) {
            Ok(read) => {
                cx.notes(read.notes);
                read.statements
            }
            Err(e) => {
                failed = Some(e);
                break;
            }
        };
        for (item, at) in statements {
            let statement = match item {
                Item::Statement(statement) => statement,
                Item::Own(own) => {
                    if unsupported.is_empty() {
                        if let Err(e) = cx.own(own, at) {
                            failed = Some(e);
                            break;
                        }
                    }
                    continue;
                }
            };
            if let Some(e) = cx.unsupported(&statement, &at) {
                unsupported.push(e);
            } else if unsupported.is_empty() {
                if let Err(e) = cx.statement(statement, at) {
                    failed = Some(e);
                    break;
                }
            }
        }
        if failed.is_some() {
            break;
        }
    }
    unsupported.extend(failed);
    match unsupported.len() {
        0 => {}
        1 => return Err(unsupported.remove(0)),
        _ => return Err(Error::Several(unsupported)),
    }
    let mut parsed = cx.finish();
    parsed.mysql_only = mysql_only;
    Ok(parsed)
}

/// The statement heads plinth does not manage, which sqlparser may not read either: named as
/// not supported without parsing the statement (first words, upper case; `OR REPLACE` and
/// MySQL's `DEFINER = …` are skipped).
const UNMANAGED: &[&str] = &[
    "CREATE FUNCTION",
    "CREATE PROCEDURE",
    "CREATE TRIGGER",
    "CREATE CONSTRAINT TRIGGER",
    "CREATE EVENT",
    "CREATE SCHEMA",
    "CREATE POLICY",
    "CREATE SEQUENCE",
    "CREATE RULE",
    "CREATE AGGREGATE",
    "CREATE OPERATOR",
    "CREATE CAST",
    "CREATE PUBLICATION",
    "CREATE SUBSCRIPTION",
    "CREATE SERVER",
    "CREATE FOREIGN",
    "CREATE STATISTICS",
    "CREATE TEXT",
    "CREATE LANGUAGE",
    "CREATE ROLE",
    "CREATE USER",
    "CREATE DATABASE",
    "CREATE TABLESPACE",
    "CREATE COLLATION",
    "CREATE VIRTUAL TABLE",
    "ALTER FUNCTION",
    "ALTER PROCEDURE",
    "ALTER DOMAIN",
    "ALTER TYPE",
    "ALTER VIEW",
    "ALTER MATERIALIZED",
    "ALTER SEQUENCE",
    "ALTER EXTENSION",
    "ALTER SCHEMA",
    "ALTER EVENT",
    "ALTER POLICY",
    "ALTER DATABASE",
    "ALTER ROLE",
    "ALTER DEFAULT",
    "DELIMITER",
    "DO",
    "GRANT",
    "REVOKE",
    "REFRESH",
    "SECURITY LABEL",
];

/// A piece whose first words are an unmanaged statement head (see [`UNMANAGED`]): its error.
fn unmanaged_head(dialect: Dialect, path: &str, piece: &split::Piece) -> Option<Error> {
    let words = first_words(piece.text, 6);
    let mut rest: Vec<&str> = words.iter().map(|(w, _)| w.as_str()).collect();
    // `CREATE OR REPLACE …`, `CREATE DEFINER = x …`: the kind comes after.
    if rest.len() > 2 && rest[0] == "CREATE" && rest[1] == "OR" && rest[2] == "REPLACE" {
        rest.drain(1..3);
    }
    if rest.len() > 1 && rest[0] == "CREATE" && rest[1] == "DEFINER" {
        let kind = rest
            .iter()
            .position(|w| ["TRIGGER", "FUNCTION", "PROCEDURE", "EVENT", "VIEW"].contains(w))?;
        rest.drain(1..kind);
    }
    let head = UNMANAGED.iter().find(|h| {
        let h: Vec<&str> = h.split(' ').collect();
        h.len() <= rest.len() && h.iter().zip(&rest).all(|(a, b)| a == b)
    })?;
    // PostgreSQL's routines and triggers, SQLite's triggers: plinth reads them itself
    // (`lower::routines`).
    let own = match dialect {
        Dialect::Postgres => &[
            "CREATE FUNCTION",
            "CREATE PROCEDURE",
            "CREATE TRIGGER",
            "CREATE POLICY",
            "CREATE SEQUENCE",
        ][..],
        Dialect::Sqlite => &["CREATE TRIGGER"][..],
        Dialect::Mysql => &["CREATE TRIGGER", "CREATE EVENT"][..],
    };
    // PostgreSQL's `CREATE SCHEMA` is sqlparser's to read.
    if own.contains(head) || (dialect == Dialect::Postgres && *head == "CREATE SCHEMA") {
        return None;
    }
    let (line, column) = words.first().map(|(_, at)| *at)?;
    let (line, column) = if line == 1 {
        (piece.line, piece.column + column - 1)
    } else {
        (piece.line + line - 1, column)
    };
    Some(lower::unsupported(
        dialect,
        Location::new(path, line, column),
        head,
    ))
}

/// Whether a piece is a statement plinth reads itself (`lower::routines`): on PostgreSQL a
/// routine, a trigger, a comment on one, or a session setting; on SQLite and MySQL a trigger.
fn is_own_head(dialect: Dialect, text: &str) -> bool {
    let words = first_words(text, 8);
    let w: Vec<&str> = words.iter().map(|(w, _)| w.as_str()).collect();
    let kinds: &[&str] = match dialect {
        Dialect::Postgres => &["FUNCTION", "PROCEDURE", "TRIGGER", "POLICY", "SEQUENCE"],
        Dialect::Mysql => &["TRIGGER", "EVENT"],
        Dialect::Sqlite => &["TRIGGER"],
    };
    let postgres = dialect == Dialect::Postgres;
    match w.as_slice() {
        ["SET", ..] => postgres,
        ["CREATE", "TABLE", _, "PARTITION", "OF", ..]
        | ["CREATE", "TABLE", "IF", "NOT", "EXISTS", _, "PARTITION", "OF"] => postgres,
        ["COMMENT", "ON", kind, ..] => postgres && kinds.contains(kind),
        ["CREATE", "OR", "REPLACE", kind, ..]
        | ["CREATE", "TEMP" | "TEMPORARY", kind, ..]
        | ["CREATE", kind, ..]
            if kinds.contains(kind) =>
        {
            true
        }
        // MySQL's `DEFINER = account` (its words are the account's) comes before the kind.
        ["CREATE", "DEFINER", rest @ ..] => rest.iter().any(|w| kinds.contains(w)),
        _ => false,
    }
}

/// The first `n` words of SQL text (comments and whitespace skipped, stopping at anything that
/// is not a word), upper case, each with its line and column in the text.
fn first_words(text: &str, n: usize) -> Vec<(String, (u64, u64))> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let (mut i, mut line, mut column) = (0usize, 1u64, 1u64);
    let advance = |i: &mut usize, line: &mut u64, column: &mut u64| {
        if bytes[*i] == b'\n' {
            *line += 1;
            *column = 1;
        } else if bytes[*i] & 0xC0 != 0x80 {
            *column += 1;
        }
        *i += 1;
    };
    while i < bytes.len() && out.len() < n {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            advance(&mut i, &mut line, &mut column);
        } else if c == b'-' && bytes.get(i + 1) == Some(&b'-') {
            while i < bytes.len() && bytes[i] != b'\n' {
                advance(&mut i, &mut line, &mut column);
            }
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                advance(&mut i, &mut line, &mut column);
            }
            for _ in 0..2 {
                if i < bytes.len() {
                    advance(&mut i, &mut line, &mut column);
                }
            }
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let at = (line, column);
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                advance(&mut i, &mut line, &mut column);
            }
            out.push((text[start..i].to_ascii_uppercase(), at));
        } else if out.len() >= 2 && out[1].0 == "DEFINER" {
            // `DEFINER = `u`@`h``: skip the account to the next word.
            advance(&mut i, &mut line, &mut column);
        } else {
            break;
        }
    }
    out
}

/// A statement of a file: read by sqlparser, or by plinth itself (PostgreSQL routines and
/// triggers, see `lower::routines`); one at a time.
#[allow(clippy::large_enum_variant)]
enum Item {
    Statement(Statement),
    Own(lower::Own),
}

/// Tokenize and parse one piece of a file (one statement, or none when it holds only
/// comments), with positions in the whole file; on MySQL, `mysql_only` is set when the piece
/// uses what only MySQL reads.
/// A piece's statements, each with where it starts, and the rename notes among its comments.
struct Read {
    statements: Vec<(Item, Location)>,
    notes: Vec<renames::Note>,
}

fn parse_piece(
    dialect: Dialect,
    path: &str,
    piece: &split::Piece,
    mysql_only: &mut bool,
) -> Result<Read> {
    let shift = |l: &mut sqlparser::tokenizer::Location| {
        if l.line == 1 {
            l.column += piece.column - 1;
        }
        l.line += piece.line - 1;
    };
    let mut tokens = Tokenizer::new(parser_dialect(dialect).as_ref(), piece.text)
        .tokenize_with_location()
        .map_err(|mut e| {
            shift(&mut e.location);
            Error::at(
                Location::new(path, e.location.line, e.location.column),
                format!("syntax error: {}", e.message),
            )
        })?;
    for t in &mut tokens {
        shift(&mut t.span.start);
        shift(&mut t.span.end);
    }
    let notes = renames::notes(&tokens);
    let mut tokens = prepass::collapse_whitespace(tokens);
    limits::check_tokens(&tokens).map_err(|fault| fault.at(path))?;
    if dialect == Dialect::Mysql && !*mysql_only {
        *mysql_only = crate::engine::mysql::types::written_for_mysql(&tokens);
    }
    // Syntax sqlparser does not know, rewritten with spans kept (see each engine's `prepass`);
    // PostgreSQL's routines and triggers are read by plinth itself, as written.
    tokens = match dialect {
        _ if is_own_head(dialect, piece.text) => tokens,
        Dialect::Postgres => prepass::postgres(tokens),
        Dialect::Mysql => crate::engine::mysql::prepass::mysql(tokens),
        Dialect::Sqlite => crate::engine::sqlite::prepass::sqlite(tokens),
    };
    // MySQL's `PARTITION BY …` after a table's columns, which sqlparser does not read.
    let mut partition = None;
    if dialect == Dialect::Mysql {
        let (rest, tail) = crate::engine::mysql::partition::split(tokens);
        tokens = rest;
        partition = tail;
    }
    let significant = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .count();
    let pd = dialect::Bounded::new(dialect, limits::budget(significant));
    let mut parser = Parser::new(&pd).with_tokens_with_locations(tokens);
    let mut out = Vec::new();
    loop {
        while parser.consume_token(&Token::SemiColon) {}
        let next = parser.peek_token();
        if next.token == Token::EOF {
            break;
        }
        let span = next.span;
        let own = lower::is_own(dialect, &parser);
        // A panic inside sqlparser (a bug there) is this statement's error, not plinth's end.
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if own {
                lower::read_own(dialect, &mut parser).map(Item::Own)
            } else {
                parser.parse_statement().map(Item::Statement)
            }
        }))
        .map_err(|_| {
            Error::at_help(
                loc(path, span),
                "the SQL parser failed on this statement (a bug in sqlparser)",
                "please report it with the statement",
            )
        })?;
        let statement = parsed.map_err(|e| match pd.exhausted() {
            Some(at) => Error::at_help(
                Location::new(path, at.line, at.column),
                "statement too complex to parse (sqlparser tried too many readings of it)",
                "look for an error near here, or simplify the expression",
            ),
            None => parser_error(path, e, span),
        })?;
        let after = parser.peek_token();
        if !matches!(after.token, Token::SemiColon | Token::EOF) {
            return Err(Error::at(
                loc(path, after.span),
                format!("expected `;` after the statement, found `{}`", after.token),
            ));
        }
        out.push((statement, loc(path, span)));
    }
    if let Some(tail) = partition {
        let table = out.iter().find_map(|(item, _)| match item {
            Item::Statement(Statement::CreateTable(ct)) => Some(ct.name.clone()),
            _ => None,
        });
        let (Some(table), Some(first)) = (table, tail.first()) else {
            return Ok(Read {
                statements: out,
                notes,
            });
        };
        let span = first.span;
        let mut p = Parser::new(&pd).with_tokens_with_locations(tail);
        let clause = crate::engine::mysql::partition::read(&mut p)
            .map_err(|e| parser_error(path, e, span))?;
        out.push((
            Item::Own(lower::Own::Partition { table, clause }),
            loc(path, span),
        ));
    }
    Ok(Read {
        statements: out,
        notes,
    })
}

/// MySQL takes `--` followed by a tab or a line end as a comment; sqlparser's MySQL dialect wants
/// a space. Add it (outside quotes) without moving any position plinth reports.
fn mysql_bare_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, '\'' | '"' | '`') => quote = Some(c),
            None if c == '-' && chars.peek() == Some(&'-') => {
                out.push('-');
                chars.next();
                match chars.peek() {
                    Some('\t') => {
                        chars.next();
                        out.push(' ');
                    }
                    Some('\n') | Some('\r') | None => out.push(' '),
                    _ => {}
                }
                // The rest of the line is a comment: copy it as is.
                for c in chars.by_ref() {
                    out.push(c);
                    if c == '\n' {
                        break;
                    }
                }
            }
            None => {}
        }
    }
    out
}

pub(crate) fn loc(path: &str, span: Span) -> Location {
    Location::new(path, span.start.line, span.start.column)
}

/// sqlparser reports positions inside its message ("… at Line: 3, Column: 7"): lift them out.
fn parser_error(path: &str, error: ParserError, statement: Span) -> Error {
    let text = match &error {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s.clone(),
        ParserError::RecursionLimitExceeded => "statement nested too deeply".to_string(),
    };
    let (message, line, column) = match text.rfind(" at Line: ") {
        Some(at) => {
            let tail = &text[at + " at Line: ".len()..];
            let mut nums = tail
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .filter_map(|s| s.parse::<u64>().ok());
            let line = nums.next().unwrap_or(0);
            let column = nums.next().unwrap_or(0);
            // The end of input has no position: point at the statement.
            let (line, column) = if line == 0 {
                (statement.start.line, statement.start.column)
            } else {
                (line, column)
            };
            (text[..at].to_string(), line, column)
        }
        None => (text, statement.start.line, statement.start.column),
    };
    Error::at(
        Location::new(path, line, column),
        format!("syntax error: {message}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_carry_positions() {
        let err = parse_file(
            Dialect::Sqlite,
            "a.sql",
            "CREATE TABLE t (id integer);\nCREATE TABLE u (id integer,, x);",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("a.sql:2:"), "{err}");
    }

    #[test]
    fn mysql_takes_bare_double_dash_comments() {
        let text = "--\n-- a table\n--\tx\nCREATE TABLE t (id int, s varchar(9) DEFAULT '--');\n--";
        let parsed = parse_file(Dialect::Mysql, "a.sql", text).unwrap();
        let t = &parsed.schema.tables["t"];
        assert_eq!(t.columns[1].default.as_deref(), Some("'--'"));
        assert_eq!(parsed.tables["t"].line, 4);
    }

    #[test]
    fn keys_and_indexes_name_existing_columns() {
        for (sql, at) in [
            ("CREATE TABLE t (a int,\n  PRIMARY KEY (b));", "a.sql:1:1: "),
            ("CREATE TABLE t (a int, UNIQUE (zz));", "a.sql:1:1: "),
            (
                "CREATE TABLE t (a int REFERENCES u (id), FOREIGN KEY (x) REFERENCES u (id));",
                "a.sql:1:1: ",
            ),
            (
                "CREATE TABLE t (a int);\nCREATE INDEX i ON t (nope);",
                "a.sql:2:1: ",
            ),
        ] {
            let err = parse_file(Dialect::Postgres, "a.sql", sql)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(at) && err.contains("has no column"),
                "{sql}: {err}"
            );
        }
        // MySQL and SQLite compare column names without regard to case.
        parse_file(
            Dialect::Sqlite,
            "a.sql",
            "CREATE TABLE t (\"A\" int, PRIMARY KEY (a));",
        )
        .unwrap();
    }

    #[test]
    fn foreign_keys_name_existing_target_columns() {
        let mut all = Parsed::default();
        let text = "CREATE TABLE a (x int REFERENCES b (y));\nCREATE TABLE b (z int);";
        all.merge(parse_file(Dialect::Sqlite, "a.sql", text).unwrap())
            .unwrap();
        let err = all
            .check_references(Dialect::Sqlite)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("a.sql:1:34: `b` has no column `y`"),
            "{err}"
        );
    }

    /// The fix is the error's help, apart from what is wrong; an error with nothing to say
    /// about a fix has none.
    #[test]
    fn a_schema_error_carries_its_fix_as_help() {
        let text = "CREATE TABLE t (a int);\nCREATE TABLE t (b int);";
        let err = parse_file(Dialect::Sqlite, "a.sql", text).unwrap_err();
        let Error::At { message, help, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(message, "table `t` is defined twice in this file");
        assert_eq!(help.as_deref(), Some("keep one CREATE TABLE"));
        assert_eq!(
            err.to_string(),
            "a.sql:2:14: table `t` is defined twice in this file; keep one CREATE TABLE"
        );
        let text = "CREATE TABLE t (a int, a int);";
        let err = parse_file(Dialect::Sqlite, "a.sql", text).unwrap_err();
        assert!(matches!(err, Error::At { help: None, .. }), "{err:?}");
        let err = parse_file(Dialect::Sqlite, "a.sql", "CREATE TABLE t (a int").unwrap_err();
        let Error::At { help, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(help.as_deref(), Some("close it with \")\""), "{err}");
    }

    #[test]
    fn unsupported_statements_are_errors() {
        let err = parse_file(Dialect::Sqlite, "a.sql", "\n  DROP TABLE t;")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("a.sql:2:3: "), "{err}");
        assert!(err.contains("DROP"), "{err}");
    }
}
