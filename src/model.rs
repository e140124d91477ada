//! The canonical schema IR: one model for every engine, compared with `==`.
//!
//! Both sides of a diff are lowered into these values (the desired SQL by `sql`, the live
//! catalog by `db`), already normalized for the target [`Dialect`]: names folded the way the
//! engine folds them, types spelled the way the engine's catalog spells them, expressions in one
//! canonical text. The differ therefore compares values and never re-interprets text.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

mod column_type;
mod expression;

pub use column_type::ColumnType;
pub use expression::{Expression, Shape};

/// The three engines. Dialects are data: a `match` on this enum, never a trait object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Postgres,
    Mysql,
    Sqlite,
}

impl Dialect {
    pub const ALL: [Dialect; 3] = [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }

    pub fn from_name(name: &str) -> Option<Dialect> {
        match name.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::Mysql),
            "sqlite" | "sqlite3" => Some(Dialect::Sqlite),
            _ => None,
        }
    }

    /// The engine's name as people write it, for messages.
    pub fn product(self) -> &'static str {
        match self {
            Dialect::Postgres => "PostgreSQL",
            Dialect::Mysql => "MySQL/MariaDB",
            Dialect::Sqlite => "SQLite",
        }
    }

    /// Fold an unquoted identifier the way the engine does. PostgreSQL folds to lower case;
    /// MySQL keeps table names as written (case-sensitive on Linux) and compares column names
    /// case-insensitively, which callers handle; SQLite is case-insensitive, and we keep the
    /// spelling as written so rendered DDL looks like the source.
    pub fn fold(self, ident: &str) -> String {
        match self {
            Dialect::Postgres => ident.to_lowercase(),
            Dialect::Mysql | Dialect::Sqlite => ident.to_string(),
        }
    }

    /// The longest identifier the engine accepts, in its own unit: bytes on PostgreSQL,
    /// characters on MySQL/MariaDB (see `sql::lower::name_problem`).
    pub fn max_identifier_len(self) -> Option<usize> {
        match self {
            Dialect::Postgres => Some(63),
            Dialect::Mysql => Some(64),
            Dialect::Sqlite => None,
        }
    }

    /// The key two spellings of a table name share when the engine holds them for one table:
    /// SQLite compares table names without regard to ASCII case; PostgreSQL and MySQL (on
    /// Linux) compare them exactly.
    pub fn table_key(self, name: &str) -> String {
        match self {
            Dialect::Sqlite => name.to_ascii_lowercase(),
            Dialect::Postgres | Dialect::Mysql => name.to_string(),
        }
    }

    /// Whether two column names name one column: PostgreSQL compares them exactly (as folded),
    /// MySQL and SQLite without regard to ASCII case.
    pub fn same_column(self, a: &str, b: &str) -> bool {
        match self {
            Dialect::Postgres => a == b,
            Dialect::Mysql | Dialect::Sqlite => a.eq_ignore_ascii_case(b),
        }
    }

    /// Whether two table names name one table (see [`Dialect::table_key`]).
    pub fn same_table(self, a: &str, b: &str) -> bool {
        match self {
            Dialect::Sqlite => a.eq_ignore_ascii_case(b),
            Dialect::Postgres | Dialect::Mysql => a == b,
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A whole database (or the part of it plinth manages).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Schema {
    /// PostgreSQL schemas other than the default one (`CREATE SCHEMA`), by name. An object in
    /// one is keyed by its [qualified] name; one in the default schema by its name alone.
    pub namespaces: BTreeMap<String, Namespace>,
    pub tables: BTreeMap<String, Table>,
    /// PostgreSQL enum types, by name. Empty on the other engines (MySQL enums are column types).
    pub enums: BTreeMap<String, EnumType>,
    /// Views (PostgreSQL also materialized ones), by name.
    pub views: BTreeMap<String, View>,
    /// PostgreSQL domains, by name. Empty on the other engines.
    pub domains: BTreeMap<String, Domain>,
    /// PostgreSQL extensions installed in the schema, by name. Empty on the other engines.
    pub extensions: BTreeMap<String, Extension>,
    /// PostgreSQL functions and procedures, by [`Function::key`] (overloads apart).
    pub functions: BTreeMap<String, Function>,
    /// Triggers (PostgreSQL, SQLite), by [`Trigger::key`] (a PostgreSQL trigger's name is its
    /// table's).
    pub triggers: BTreeMap<String, Trigger>,
    /// MySQL/MariaDB events, by name.
    pub events: BTreeMap<String, Event>,
    /// PostgreSQL row-level security policies, by [`Trigger::key`] (table and name).
    pub policies: BTreeMap<String, Policy>,
    /// PostgreSQL sequences of their own (not a serial or identity column's), by name.
    pub sequences: BTreeMap<String, Sequence>,
    /// PostgreSQL composite types (`CREATE TYPE … AS (…)`), by name.
    pub composites: BTreeMap<String, CompositeType>,
}

/// A PostgreSQL schema other than the default one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Namespace {
    pub name: String,
    /// `COMMENT ON SCHEMA`.
    pub comment: Option<String>,
}

/// What separates a schema from a name in the key of an object outside the default schema: a
/// control character no name plinth reads holds (the schema reader refuses it, inspection
/// leaves such objects out), so a key is never ambiguous. `quote::ident` writes a key as
/// `"schema"."name"`; people see it as `schema.name`.
pub const SCHEMA_SEPARATOR: char = '\u{1f}';

/// The key of `name` in `schema` (`None`: the default schema).
pub fn qualified(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(schema) => format!("{schema}{SCHEMA_SEPARATOR}{name}"),
        None => name.to_string(),
    }
}

/// A key's schema (`None`: the default schema) and name.
pub fn split_qualified(key: &str) -> (Option<&str>, &str) {
    match key.split_once(SCHEMA_SEPARATOR) {
        Some((schema, name)) => (Some(schema), name),
        None => (None, key),
    }
}

/// A key's name without its schema: what generated names are made of.
pub fn unqualified(key: &str) -> &str {
    split_qualified(key).1
}

/// A key in `schema` (`None`: the default) for `name`, in the schema of `like` — an index or a
/// sequence lives in its table's schema.
pub fn beside(like: &str, name: &str) -> String {
    qualified(split_qualified(like).0, name)
}

/// A key as people read it: `schema.name`.
pub fn shown(key: &str) -> std::borrow::Cow<'_, str> {
    if key.contains(SCHEMA_SEPARATOR) {
        std::borrow::Cow::Owned(key.replace(SCHEMA_SEPARATOR, "."))
    } else {
        std::borrow::Cow::Borrowed(key)
    }
}

/// The key of a type as `format_type` spells it (`sales.mood`, `"Sales".mood`, `mood`):
/// each part unquoted, an array's or a modifier's suffix left to the caller.
pub fn type_key(spelling: &str) -> String {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut chars = spelling.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                part.push('"');
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut part)),
            c => part.push(c),
        }
    }
    parts.push(part);
    match parts.as_slice() {
        [schema, name] => qualified(Some(schema), name),
        _ => spelling.to_string(),
    }
}

/// A PostgreSQL composite type: named attributes, in order, each of a type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompositeType {
    pub name: String,
    pub attributes: Vec<(String, ColumnType)>,
    /// `COMMENT ON TYPE`.
    pub comment: Option<String>,
}

/// A rename the schema files ask for (`-- plinth: renamed from old`): made while the
/// database has the old name and not the new one, a no-op once it has the new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub of: RenameOf,
    /// The old name (folded as the engine folds names, unless it was written quoted; an enum
    /// value exactly).
    pub from: String,
    pub to: String,
    /// Where the note is.
    pub at: crate::error::Location,
}

/// What a [`Rename`] renames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenameOf {
    Table,
    /// A column of the table of this key.
    Column(String),
    /// A value of the PostgreSQL enum type of this key.
    EnumValue(String),
    /// A PostgreSQL enum type.
    Type,
}

/// A PostgreSQL sequence no column owns. Its options are those that differ from PostgreSQL's
/// defaults for its type and direction (`engine::postgres::normalize::sequence_options`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sequence {
    pub name: String,
    /// `smallint`, `integer` or `bigint`.
    pub data_type: String,
    pub options: SequenceOptions,
    /// `COMMENT ON SEQUENCE`.
    pub comment: Option<String>,
}

/// A PostgreSQL row-level security policy on a table. Compared by [`Policy::definition`]: the
/// statement plinth writes for what the catalog keeps (desired: as the server made it in a
/// scratch schema, or offline as the file says).
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub name: String,
    pub table: String,
    pub definition: String,
    #[serde(skip)]
    pub source: PolicySource,
    /// The routines its expressions call, by key, sorted (not compared: a kept policy is
    /// created again when one of them is dropped).
    #[serde(skip)]
    pub calls: Vec<String>,
    /// `COMMENT ON POLICY`.
    pub comment: Option<String>,
}

impl PartialEq for Policy {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.table == other.table
            && self.definition == other.definition
            && self.comment == other.comment
    }
}

impl Eq for Policy {}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicySource {
    /// `AS RESTRICTIVE` (the default is permissive).
    pub restrictive: bool,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE`, `DELETE`.
    pub command: String,
    /// The roles it applies to: names, or `PUBLIC`, `CURRENT_USER`… (as keywords).
    pub roles: Vec<PolicyRole>,
    /// `USING (…)` and `WITH CHECK (…)`, printed from their parse trees (or as the catalog
    /// deparses them).
    pub using: Option<String>,
    pub check: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyRole {
    /// `PUBLIC`, `CURRENT_USER`, `CURRENT_ROLE`, `SESSION_USER`.
    Keyword(&'static str),
    Name(String),
}

/// A MySQL/MariaDB event: a statement the server runs on a schedule. Compared by
/// [`Event::definition`], the statement plinth writes for what the catalog keeps (or the file
/// says), with what the server decides by itself left out.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub name: String,
    pub definition: String,
    #[serde(skip)]
    pub source: EventSource,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.definition == other.definition
    }
}

impl Eq for Event {}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventSource {
    /// `AT …` (one time) or, with `every`, `STARTS …`: a time, as a string literal's value or
    /// an expression's text (`expression`).
    pub at: Option<EventTime>,
    /// `EVERY value unit`.
    pub every: Option<(String, String)>,
    pub ends: Option<EventTime>,
    /// `ON COMPLETION PRESERVE`.
    pub preserve: bool,
    /// `ENABLE`, `DISABLE`, `DISABLE ON SLAVE`.
    pub status: String,
    pub comment: Option<String>,
    /// The statement it runs, printed from its parse tree.
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventTime {
    /// A time given as a string (`'2035-01-01 00:00:00'`), as the catalog spells it.
    At(String),
    /// An expression (`CURRENT_TIMESTAMP + INTERVAL 1 DAY`): the server keeps its value, so
    /// it is not compared.
    Expression(String),
}

/// A PostgreSQL function or procedure. Compared by what the server prints of it
/// ([`Function::definition`]); rendered from what the file says ([`Function::source`]).
#[derive(Debug, Clone, Serialize)]
pub struct Function {
    pub name: String,
    /// The input arguments' types as the catalog prints them without modifiers (`integer,
    /// text`): with the name, what tells overloads apart.
    pub signature: String,
    pub procedure: bool,
    /// The arguments (names, modes, defaults) and the result as the server prints them: what
    /// `CREATE OR REPLACE` cannot change (a change drops the routine and creates it again).
    pub header: String,
    /// The routine as the server prints it (`pg_get_functiondef`, the schema left out): what is
    /// compared. Desired: what the server made of it in a scratch schema (`db::canonical`), or
    /// offline the statement plinth writes.
    pub definition: String,
    /// Desired only: what plinth writes, read from the file.
    #[serde(skip)]
    pub source: Option<Box<RoutineSource>>,
    /// The types of its arguments and result that are not built in (enum types, domains, a
    /// table's row type), folded: it is created after them.
    #[serde(skip)]
    pub uses: Vec<String>,
    /// Its body is SQL-standard (`RETURN …`, `BEGIN ATOMIC … END`), which PostgreSQL checks
    /// when the routine is created: created after the tables.
    #[serde(skip)]
    pub checked_body: bool,
    pub comment: Option<String>,
}

impl Function {
    /// The key of a routine in [`Schema::functions`]: `name(signature)`.
    pub fn key(name: &str, signature: &str) -> String {
        format!("{name}({signature})")
    }
}

impl PartialEq for Function {
    fn eq(&self, other: &Self) -> bool {
        let Function {
            name,
            signature,
            procedure,
            header: _,
            definition,
            source: _,
            uses: _,
            checked_body: _,
            comment,
        } = self;
        *name == other.name
            && *signature == other.signature
            && *procedure == other.procedure
            && *definition == other.definition
            && *comment == other.comment
    }
}

impl Eq for Function {}

/// What plinth writes for a routine: every part as read from the file, each name and value
/// put in plinth's quoting when rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutineSource {
    pub arguments: Vec<Argument>,
    pub returns: Option<Returns>,
    pub options: Vec<RoutineOption>,
    pub body: RoutineBody,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Argument {
    /// `IN`, `OUT`, `INOUT`, `VARIADIC`; none: `IN`.
    pub mode: Option<&'static str>,
    pub name: Option<String>,
    pub data_type: ColumnType,
    /// The default printed from its parse tree.
    pub default: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returns {
    Type {
        setof: bool,
        data_type: ColumnType,
    },
    /// `RETURNS TABLE (name type, …)`.
    Table(Vec<(String, ColumnType)>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoutineOption {
    Language(String),
    /// Keywords from a fixed list (`IMMUTABLE`, `STRICT`, `SECURITY DEFINER`, `PARALLEL SAFE`…).
    Words(&'static str),
    Cost(String),
    Rows(String),
    Support(String),
    /// `SET name = value, …` (each value a word, a number or a string, written as such).
    Set(String, Vec<SetValue>),
    SetFromCurrent(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetValue {
    Word(String),
    Number(String),
    String(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoutineBody {
    /// `AS '…'`: the text, in the routine's language.
    Text(String),
    /// `AS 'object file', 'link symbol'`.
    Object(String, String),
    /// A SQL-standard body (`RETURN …`, `BEGIN ATOMIC … END`) printed from its parse tree.
    Sql(String),
}

/// A trigger on a table (PostgreSQL, SQLite). Compared by what the server prints of it
/// (SQLite: its text as plinth writes it, read back on both sides); rendered from what the file
/// says.
#[derive(Debug, Clone, Serialize)]
pub struct Trigger {
    pub name: String,
    pub table: String,
    /// The function it executes (PostgreSQL; SQLite's triggers hold their statements).
    pub function: String,
    /// `pg_get_triggerdef` with the table's schema left out; desired: what the server made of
    /// it in a scratch schema, or offline the statement plinth writes.
    pub definition: String,
    #[serde(skip)]
    pub source: Option<Box<TriggerSource>>,
    pub comment: Option<String>,
}

impl Trigger {
    /// The key of a trigger in [`Schema::triggers`]: table and name.
    pub fn key(table: &str, name: &str) -> String {
        format!("{table}\u{1f}{name}")
    }
}

impl PartialEq for Trigger {
    fn eq(&self, other: &Self) -> bool {
        let Trigger {
            name,
            table,
            function,
            definition,
            source: _,
            comment,
        } = self;
        *name == other.name
            && *table == other.table
            && *function == other.function
            && *definition == other.definition
            && *comment == other.comment
    }
}

impl Eq for Trigger {}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerSource {
    /// `BEFORE`, `AFTER`, `INSTEAD OF`.
    pub timing: &'static str,
    /// `INSERT`, `UPDATE` (with its `OF` columns), `DELETE`, `TRUNCATE`.
    pub events: Vec<(&'static str, Vec<String>)>,
    /// `REFERENCING OLD TABLE AS x`: (`OLD`/`NEW`, name).
    pub referencing: Vec<(&'static str, String)>,
    pub for_each_row: bool,
    /// The `WHEN` condition printed from its parse tree.
    pub when: Option<String>,
    /// The arguments given to the function, as strings (PostgreSQL keeps them so).
    pub arguments: Vec<String>,
    /// SQLite, MySQL: the statements of its body, each printed from its parse tree.
    pub body: Vec<String>,
    /// MySQL: the body is a `BEGIN … END` block.
    pub block: bool,
}

/// A PostgreSQL extension in the managed schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extension {
    pub name: String,
    /// The schema its objects are in (`SCHEMA sales`); none: the default one.
    pub schema: Option<String>,
    /// The version asked for (`VERSION '1.3'`); none: whatever is installed, or the default.
    pub version: Option<String>,
}

/// A PostgreSQL domain: a type of its own over another, with a default, NOT NULL and checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Domain {
    pub name: String,
    /// The underlying type as the catalog spells it (`text`, `numeric(5,2)`, another domain).
    pub data_type: ColumnType,
    pub collation: Option<String>,
    pub default: Option<Expression>,
    pub not_null: bool,
    /// Checks on `VALUE`, in the order of their text (unnamed ones under a generated name).
    pub checks: Vec<Check>,
    pub comment: Option<String>,
}

impl Schema {
    /// Keep only the tables, types, sequences, views and routines in the schemas `keep` says
    /// yes to (`None`: the default one), and the triggers and policies on tables there.
    pub fn retain_schemas(&mut self, keep: impl Fn(Option<&str>) -> bool) {
        let here = |key: &str| keep(split_qualified(key).0);
        self.tables.retain(|k, _| here(k));
        self.enums.retain(|k, _| here(k));
        self.domains.retain(|k, _| here(k));
        self.composites.retain(|k, _| here(k));
        self.sequences.retain(|k, _| here(k));
        self.views.retain(|k, _| here(k));
        self.functions.retain(|_, f| here(&f.name));
        self.triggers.retain(|_, t| here(&t.table));
        self.policies.retain(|_, p| here(&p.table));
    }

    /// Keep only the tables (and enum types) for which `keep` says yes.
    pub fn retain_tables(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.tables.retain(|name, _| keep(name));
    }
}

/// A view: a named query the server keeps (see [`View::definition`] for what is compared).
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub name: String,
    /// PostgreSQL `CREATE MATERIALIZED VIEW`: the query's rows are stored.
    pub materialized: bool,
    /// The names given after the view's name (`CREATE VIEW v (a, b)`); empty: the query's own.
    pub columns: Vec<String>,
    /// What plinth writes after `AS`: the query printed from its parse tree.
    pub query: String,
    /// PostgreSQL `WITH (…)` options (`security_invoker`, `security_barrier`, `check_option`),
    /// as the catalog keeps them: `(name, value)`, sorted.
    pub options: Vec<(String, String)>,
    /// The view as the server keeps it, which is what is compared: the catalog's text of the
    /// query (with the column names), and for a desired view what the server makes of
    /// [`View::query`] (read back through a scratch schema, `db::canonical`), or the printed
    /// query where the server keeps the text as written (SQLite) or none is asked (offline).
    pub definition: String,
    /// The tables and views the query reads, folded, sorted: the view is created after them
    /// and dropped before they change.
    #[serde(skip)]
    pub reads: Vec<String>,
    /// The routines the query calls, by key without arguments (PostgreSQL), sorted: the view
    /// is dropped before one of them is and created again after.
    #[serde(skip)]
    pub calls: Vec<String>,
    pub comment: Option<String>,
    /// A PostgreSQL materialized view's indexes, by name. Compared one by one
    /// (`diff::view_changes`): a changed index does not re-create the view.
    pub indexes: Vec<Index>,
}

impl PartialEq for View {
    fn eq(&self, other: &Self) -> bool {
        // Destructure: a new field must be compared here (or said not to be).
        let View {
            name,
            materialized,
            columns: _,
            query: _,
            options,
            definition,
            reads: _,
            calls: _,
            comment,
            indexes: _,
        } = self;
        *name == other.name
            && *materialized == other.materialized
            && *options == other.options
            && *definition == other.definition
            && *comment == other.comment
    }
}

impl Eq for View {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnumType {
    pub name: String,
    pub values: Vec<String>,
    /// PostgreSQL `COMMENT ON TYPE`.
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub name: String,
    /// Declaration order. The differ matches columns by name; order is not a difference.
    pub columns: Vec<Column>,
    pub primary_key: Option<PrimaryKey>,
    /// Sorted (see [`Table::normalize_order`]): equality does not depend on declaration order.
    pub foreign_keys: Vec<ForeignKey>,
    pub uniques: Vec<Unique>,
    pub checks: Vec<Check>,
    pub indexes: Vec<Index>,
    pub comment: Option<String>,
    /// Engine-specific table options that matter for equality (MySQL `ENGINE`, SQLite
    /// `WITHOUT ROWID`/`STRICT`), canonical key → value.
    pub options: BTreeMap<String, String>,
}

impl Table {
    pub fn new(name: impl Into<String>) -> Table {
        Table {
            name: name.into(),
            columns: Vec::new(),
            primary_key: None,
            foreign_keys: Vec::new(),
            uniques: Vec::new(),
            checks: Vec::new(),
            indexes: Vec::new(),
            comment: None,
            options: BTreeMap::new(),
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    /// Sort the constraint lists so that `==` ignores declaration order.
    pub fn normalize_order(&mut self) {
        self.foreign_keys.sort();
        self.foreign_keys.dedup();
        self.uniques.sort();
        self.uniques.dedup();
        // Not deduplicated: two equal checks are two constraints (PostgreSQL and MySQL create
        // both), and the differ counts them.
        self.checks.sort();
        self.indexes.sort();
    }

    /// The tables this one needs first (itself excluded): those its foreign keys reference,
    /// and on PostgreSQL the table it is a partition of and those it inherits from.
    pub fn referenced_tables(&self) -> impl Iterator<Item = &str> {
        use crate::engine::postgres::partition;
        self.foreign_keys
            .iter()
            .map(|fk| fk.ref_table.as_str())
            .chain(
                self.options
                    .get(partition::PARTITION_OF)
                    .map(String::as_str),
            )
            .chain(partition::parents(&self.options))
            .filter(move |t| *t != self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: String,
    /// The type as the engine's catalog spells it (PostgreSQL `format_type`, MySQL
    /// `COLUMN_TYPE`, SQLite the declared type upper-cased), and its parts.
    pub ty: ColumnType,
    pub nullable: bool,
    /// Canonical expression text (see `normalize::expr`).
    pub default: Option<Expression>,
    pub identity: Option<Identity>,
    /// Boxed, like `on_update`: rare, and a column's size is paid by every column.
    pub generated: Option<Box<Generated>>,
    pub collation: Option<String>,
    pub comment: Option<String>,
    /// MySQL `ON UPDATE CURRENT_TIMESTAMP`, canonical expression text.
    pub on_update: Option<Box<Expression>>,
}

impl Column {
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Column {
        Column {
            name: name.into(),
            ty,
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            collation: None,
            comment: None,
            on_update: None,
        }
    }
}

/// How a column numbers itself.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// PostgreSQL `GENERATED ALWAYS AS IDENTITY` (options boxed: rare, and a column's size is
    /// paid by every column).
    Always(Box<SequenceOptions>),
    /// PostgreSQL `GENERATED BY DEFAULT AS IDENTITY`.
    ByDefault(Box<SequenceOptions>),
    /// PostgreSQL `serial`/`bigserial`/`smallserial`: an owned sequence and a `nextval` default
    /// (boxed, as above).
    Serial(Box<SerialSequence>),
    /// MySQL `AUTO_INCREMENT`; SQLite `AUTOINCREMENT` (or the rowid alias, see `sqlite`).
    AutoIncrement,
}

/// The sequence behind a PostgreSQL `serial` column. Only its data type is part of the schema's
/// meaning (a `bigint` column numbered by an `integer` sequence runs out at 2^31); the live
/// sequence's name and whether other defaults use it are kept for rendering, like a generated
/// [`Name`]'s text, and never compared.
#[derive(Debug, Clone, Serialize)]
pub struct SerialSequence {
    /// `integer` for `serial`, `bigint` for `bigserial`, `smallint` for `smallserial`.
    pub data_type: String,
    /// The live sequence, when there is one: the DDL that changes or drops it names it.
    #[serde(skip)]
    pub live_name: Option<String>,
    /// Another column's default calls the live sequence too: it is never dropped.
    #[serde(skip)]
    pub shared: bool,
}

impl SerialSequence {
    /// The sequence a `serial` column of type `data_type` gets when it is created.
    pub fn new(data_type: impl Into<String>) -> SerialSequence {
        SerialSequence {
            data_type: data_type.into(),
            live_name: None,
            shared: false,
        }
    }
}

impl PartialEq for SerialSequence {
    fn eq(&self, other: &Self) -> bool {
        self.data_type == other.data_type
    }
}
impl Eq for SerialSequence {}
impl PartialOrd for SerialSequence {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for SerialSequence {
    fn cmp(&self, other: &Self) -> Ordering {
        self.data_type.cmp(&other.data_type)
    }
}

/// Identity sequence options; `None` means the engine's default.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SequenceOptions {
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub cache: Option<i64>,
    pub cycle: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Generated {
    pub expr: Expression,
    pub stored: bool,
}

/// A constraint or index name. A name the engine would generate by itself is not part of the
/// schema's meaning: two generated names compare equal whatever they say, so a constraint the
/// user left unnamed matches the live one the engine named. The text is kept for rendering
/// (`DROP CONSTRAINT` needs the real name).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Name {
    Given(String),
    Generated(String),
}

impl Name {
    pub fn as_str(&self) -> &str {
        match self {
            Name::Given(s) | Name::Generated(s) => s,
        }
    }

    pub fn is_generated(&self) -> bool {
        matches!(self, Name::Generated(_))
    }

    /// The name to write in DDL when creating the object: generated names are left to the engine.
    pub fn given(&self) -> Option<&str> {
        match self {
            Name::Given(s) => Some(s),
            Name::Generated(_) => None,
        }
    }

    fn key(&self) -> (u8, &str) {
        match self {
            Name::Given(s) => (0, s),
            Name::Generated(_) => (1, ""),
        }
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Name {}
impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Name {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct PrimaryKey {
    pub name: Name,
    pub columns: Vec<String>,
    /// PostgreSQL `DEFERRABLE [INITIALLY DEFERRED]`.
    #[serde(skip_serializing_if = "is_default")]
    pub deferrable: Deferrable,
    /// PostgreSQL `COMMENT ON CONSTRAINT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ForeignKey {
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
    pub deferrable: Deferrable,
    pub name: Name,
    /// PostgreSQL `MATCH FULL` (the default, `MATCH SIMPLE`, is `false`).
    #[serde(skip_serializing_if = "is_default")]
    pub match_full: bool,
    /// PostgreSQL `NOT VALID`: the rows the table held when it was added were not checked (an
    /// online apply's key before its `VALIDATE CONSTRAINT`, or one that failed). No desired
    /// key is, so the differ adds it again.
    #[serde(skip_serializing_if = "is_default")]
    pub not_valid: bool,
    /// PostgreSQL `COMMENT ON CONSTRAINT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }

    pub fn parse(text: &str) -> Option<FkAction> {
        match text.trim().to_ascii_uppercase().as_str() {
            "NO ACTION" | "" => Some(FkAction::NoAction),
            "RESTRICT" => Some(FkAction::Restrict),
            "CASCADE" => Some(FkAction::Cascade),
            "SET NULL" => Some(FkAction::SetNull),
            "SET DEFAULT" => Some(FkAction::SetDefault),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Deferrable {
    #[default]
    NotDeferrable,
    InitiallyImmediate,
    InitiallyDeferred,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unique {
    pub columns: Vec<String>,
    pub name: Name,
    /// PostgreSQL `NULLS NOT DISTINCT` (15+).
    #[serde(skip_serializing_if = "is_default")]
    pub nulls_not_distinct: bool,
    /// PostgreSQL `DEFERRABLE [INITIALLY DEFERRED]`.
    #[serde(skip_serializing_if = "is_default")]
    pub deferrable: Deferrable,
    /// PostgreSQL `COMMENT ON CONSTRAINT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Check {
    /// Canonical expression text.
    pub expr: Expression,
    pub name: Name,
    /// PostgreSQL `NO INHERIT`.
    #[serde(skip_serializing_if = "is_default")]
    pub no_inherit: bool,
    /// PostgreSQL `NOT VALID` (see [`ForeignKey::not_valid`]).
    #[serde(skip_serializing_if = "is_default")]
    pub not_valid: bool,
    /// PostgreSQL `COMMENT ON CONSTRAINT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Index {
    pub name: Name,
    pub unique: bool,
    pub parts: Vec<IndexPart>,
    /// Partial index predicate, canonical expression text.
    pub predicate: Option<Expression>,
    /// Access method when not the default (PostgreSQL `gin`, `gist`, …).
    pub method: Option<String>,
    pub comment: Option<String>,
    /// PostgreSQL `INCLUDE (…)`: non-key columns stored in the index.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// PostgreSQL storage parameters, `WITH (fillfactor = 70)`: (name, value) as the catalog
    /// keeps them (`reloptions`, in the order written, quotes removed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub storage: Vec<(String, String)>,
    /// PostgreSQL `NULLS NOT DISTINCT` on a unique index (15+).
    #[serde(skip_serializing_if = "is_default")]
    pub nulls_not_distinct: bool,
    /// PostgreSQL `EXCLUDE` constraint: the index behind it, whose entries may not conflict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<Exclusion>,
    /// PostgreSQL: the catalog holds it but queries cannot use it (`pg_index.indisvalid` is
    /// false: a `CREATE INDEX CONCURRENTLY` that failed). No desired index is invalid, so the
    /// differ drops it and builds it again.
    #[serde(skip_serializing_if = "is_default")]
    pub invalid: bool,
}

/// What makes an index an exclusion constraint: no two rows may have entries that all compare
/// true under these operators (a unique index is the case where every operator is `=`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Exclusion {
    /// One operator per index part (`&&`, `=`), as `pg_operator` names it.
    pub operators: Vec<String>,
    pub deferrable: Deferrable,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct IndexPart {
    pub key: IndexKey,
    pub descending: bool,
    /// MySQL prefix length (`name(20)`).
    pub prefix: Option<u32>,
    pub collation: Option<String>,
    /// PostgreSQL operator class when not the default one for the column type and method
    /// (`text_pattern_ops`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opclass: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexKey {
    Column(String),
    /// Canonical expression text.
    Expr(Expression),
}

impl Index {
    /// A plain index over `parts`: not unique, no predicate, the default method, no comment
    /// and none of PostgreSQL's extras. Literals name only what differs:
    /// `Index { unique: true, ..Index::new(name, parts) }`.
    pub fn new(name: Name, parts: Vec<IndexPart>) -> Index {
        Index {
            name,
            unique: false,
            parts,
            predicate: None,
            method: None,
            comment: None,
            include: Vec::new(),
            storage: Vec::new(),
            nulls_not_distinct: false,
            exclude: None,
            invalid: false,
        }
    }

    /// Its expressions: those of its keys, then its predicate.
    pub fn expressions(&self) -> impl Iterator<Item = &Expression> {
        let keys = self.parts.iter().filter_map(|p| match &p.key {
            IndexKey::Expr(e) => Some(e),
            IndexKey::Column(_) => None,
        });
        keys.chain(self.predicate.as_ref())
    }

    /// Whether it may cover the column `name`: as a key, an included column, or in one of its
    /// expressions (see [`Expression::references`]).
    pub fn references(&self, dialect: Dialect, name: &str) -> bool {
        let keys = self.parts.iter().any(|p| match &p.key {
            IndexKey::Column(c) => dialect.same_column(c, name),
            IndexKey::Expr(_) => false,
        });
        keys || self.include.iter().any(|c| dialect.same_column(c, name))
            || self.expressions().any(|e| e.references(dialect, name))
    }
}

impl IndexPart {
    /// The column the first of `parts` is, when it is one (engines name indexes after it).
    pub fn leading_column(parts: &[IndexPart]) -> Option<&str> {
        match parts.first().map(|p| &p.key) {
            Some(IndexKey::Column(c)) => Some(c),
            _ => None,
        }
    }

    pub fn column(name: impl Into<String>) -> IndexPart {
        IndexPart {
            key: IndexKey::Column(name.into()),
            descending: false,
            prefix: None,
            collation: None,
            opclass: None,
        }
    }
}

/// For `skip_serializing_if`: leave values at their default out of the JSON plan.
fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}
