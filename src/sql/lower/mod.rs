//! Lowering: sqlparser statements → canonical IR tables, normalized for the target dialect.
//!
//! `columns.rs` lowers column definitions, `constraints.rs` keys, checks and foreign keys,
//! `indexes.rs` indexes and exclusion constraints.

mod columns;
mod constraints;
mod domains;
mod indexes;
mod routines;
mod views;

pub(crate) use routines::{
    expect_words, is_one_trigger, is_own, is_word, read as read_own, words, Own, PG_CATALOG,
};

pub(crate) use views::{key as name_key, stored_query};

use constraints::{constraint_comment, is_marker};

use sqlparser::ast::{
    AlterTableOperation, CommentDef, CommentObject, CreateTable, CreateTableOptions, Expr, Ident,
    ObjectName, ObjectNamePart, SqlOption, Statement, UserDefinedTypeRepresentation, Value,
};
use sqlparser::tokenizer::Token;

use super::{loc, Parsed};
use crate::engine::postgres::prepass;
use crate::error::{Error, Location, Result};
use crate::model::{Dialect, EnumType, Expression, IndexKey, SequenceOptions, Table};
use crate::normalize::expr;

/// `` `HEAD …` is not supported in a schema file `` at `at`, with what plinth manages.
pub(crate) fn unsupported(dialect: Dialect, at: Location, head: &str) -> Error {
    let more = match dialect {
        Dialect::Postgres => ", CREATE MATERIALIZED VIEW, CREATE TYPE … AS ENUM | (…), CREATE SCHEMA, CREATE DOMAIN, CREATE EXTENSION, CREATE FUNCTION, CREATE PROCEDURE, CREATE TRIGGER, CREATE POLICY, CREATE SEQUENCE, COMMENT ON",
        Dialect::Sqlite => ", CREATE TRIGGER",
        Dialect::Mysql => ", CREATE TRIGGER, CREATE EVENT",
    };
    Error::at_help(
        at,
        format!("`{head} …` is not supported in a schema file: plinth manages CREATE TABLE, CREATE INDEX, CREATE VIEW{more} and nothing else"),
        "remove it",
    )
}

/// `COMMENT ON <KIND> name IS …` on an object defined above (`slot`, its comment), or the
/// error that it is not; an empty comment is none.
fn commented(
    slot: Option<&mut Option<String>>,
    comment: Option<String>,
    name: &str,
    kind: &str,
    at: Location,
) -> Result<()> {
    match slot {
        Some(slot) => {
            *slot = comment.filter(|c| !c.is_empty());
            Ok(())
        }
        None => Err(Error::at_help(
            at,
            format!(
                "{} `{name}` is not defined above in this file",
                kind.to_lowercase()
            ),
            format!("CREATE {kind} it first"),
        )),
    }
}

pub(super) struct Lowering<'a> {
    dialect: Dialect,
    path: &'a str,
    out: Parsed,
    /// The rename notes of the statement being read, each with whether a name took it.
    notes: Vec<(super::renames::Note, bool)>,
}

impl<'a> Lowering<'a> {
    pub fn new(dialect: Dialect, path: &'a str) -> Self {
        Lowering {
            dialect,
            path,
            out: Parsed::default(),
            notes: Vec::new(),
        }
    }

    pub fn finish(self) -> Parsed {
        self.out
    }

    /// The rename notes of the next statements (see `sql::renames`).
    pub fn notes(&mut self, notes: Vec<super::renames::Note>) {
        self.notes = notes.into_iter().map(|n| (n, false)).collect();
    }

    /// The notes that follow one of `names` (line and column of each, see
    /// `renames::follows`), each with the index of the name it follows; taken.
    fn take_notes(&mut self, names: &[(u64, u64)]) -> Vec<(usize, super::renames::Note)> {
        let mut out = Vec::new();
        for (note, taken) in self.notes.iter_mut().filter(|(_, taken)| !taken) {
            if let Some(i) = super::renames::follows(note, names) {
                *taken = true;
                out.push((i, note.clone()));
            }
        }
        out
    }

    /// A note's old name as a key: folded as an unquoted name is, unless quoted.
    fn note_name(&self, note: &super::renames::Note) -> String {
        match note.quoted {
            true => note.from.clone(),
            false => self.dialect.fold(&note.from),
        }
    }

    fn err(&self, location: Location, message: impl Into<String>) -> Error {
        Error::at(location, message)
    }

    /// An error with how to fix it (see [`Error::at_help`]).
    fn err_help(
        &self,
        location: Location,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Error {
        Error::at_help(location, message, help)
    }

    /// The object name's last part, folded; a schema qualifier other than the default is an
    /// error (plinth manages one schema).
    fn object_name(&self, name: &ObjectName, at: &Location) -> Result<(String, Location)> {
        let parts: Vec<&Ident> = name.0.iter().filter_map(ObjectNamePart::as_ident).collect();
        let Some(last) = parts.last() else {
            return Err(self.err(at.clone(), "empty name"));
        };
        if parts.len() > 1 {
            let schema = self.fold(parts[parts.len() - 2]);
            let default = matches!(schema.as_str(), "public" | "main");
            if !default || parts.len() > 2 {
                return Err(self.err_help(
                    self.ident_loc(parts[0], at),
                    match self.dialect {
                        Dialect::Postgres => format!("`{name}`: plinth manages this kind of object in the default schema only (tables, enum and composite types, domains and sequences may be in another)"),
                        Dialect::Mysql | Dialect::Sqlite => format!("`{name}`: plinth manages the default schema only"),
                    },
                    format!("drop the `{schema}.` qualifier"),
                ));
            }
        }
        let location = self.ident_loc(last, at);
        Ok((self.checked(last, &location)?, location))
    }

    /// The key of an object that may live in another PostgreSQL schema (tables, types,
    /// domains, sequences): `schema.name` [qualified](crate::model::qualified) when the
    /// schema is not the default one, which a `CREATE SCHEMA` must then declare (checked when
    /// all files are merged). Other engines: as [`Self::object_name`].
    fn qualified_name(&mut self, name: &ObjectName, at: &Location) -> Result<(String, Location)> {
        let parts: Vec<&Ident> = name.0.iter().filter_map(ObjectNamePart::as_ident).collect();
        match parts.as_slice() {
            [schema, last] if self.dialect == Dialect::Postgres => {
                let schema_at = self.ident_loc(schema, at);
                let schema = self.checked(schema, &schema_at)?;
                if schema == "public" {
                    return self.object_name(name, at);
                }
                let location = self.ident_loc(last, at);
                let last = self.checked(last, &location)?;
                self.out
                    .namespace_uses
                    .entry(schema.clone())
                    .or_insert(schema_at);
                Ok((crate::model::qualified(Some(&schema), &last), location))
            }
            _ => self.object_name(name, at),
        }
    }

    /// The key the parts of a name make (a comment's object, read past the prepass's marker).
    fn parts_key(&self, parts: &[&Ident]) -> String {
        match parts {
            [.., schema, last] if self.dialect == Dialect::Postgres => {
                match self.fold(schema).as_str() {
                    "public" => self.fold(last),
                    schema => crate::model::qualified(Some(schema), &self.fold(last)),
                }
            }
            [.., last] => self.fold(last),
            [] => String::new(),
        }
    }

    /// `CREATE SCHEMA name` (PostgreSQL): a schema other than the default one, to put tables
    /// and types in.
    fn create_schema(&mut self, name: &sqlparser::ast::SchemaName, at: Location) -> Result<()> {
        self.postgres_only("`CREATE SCHEMA`", &at)?;
        let sqlparser::ast::SchemaName::Simple(name) = name else {
            return Err(self.err_help(
                at,
                "`CREATE SCHEMA … AUTHORIZATION` is not supported in a schema file",
                "create the schema without AUTHORIZATION (its owner is the role plinth connects as)",
            ));
        };
        let parts: Vec<&Ident> = name.0.iter().filter_map(ObjectNamePart::as_ident).collect();
        let [ident] = parts.as_slice() else {
            return Err(self.err(at, format!("`{name}` is not a schema name")));
        };
        let location = self.ident_loc(ident, &at);
        let schema = self.checked(ident, &location)?;
        if schema == "public" {
            // The default schema is there already: nothing to manage.
            return Ok(());
        }
        if let Some(first) = self.out.namespaces.get(&schema) {
            return Err(self.err_help(
                location,
                format!("schema `{schema}` is already created at {first}"),
                "create it once",
            ));
        }
        self.out.schema.namespaces.insert(
            schema.clone(),
            crate::model::Namespace {
                name: schema.clone(),
                comment: None,
            },
        );
        self.out.namespaces.insert(schema, location);
        Ok(())
    }

    /// A table name: an object name the engine takes for a table, outside plinth's own.
    fn table_name(&mut self, name: &ObjectName, at: &Location) -> Result<(String, Location)> {
        let (table, location) = self.qualified_name(name, at)?;
        let last = name.0.last().and_then(ObjectNamePart::as_ident);
        if last.is_some_and(|i| i.quote_style.is_none()) {
            let bare = crate::model::unqualified(&table).to_string();
            self.out.places.bare.push((bare, location.clone()));
        }
        match table_name_problem(self.dialect, &table) {
            Some(problem) => Err(problem.at(location)),
            None => Ok((table, location)),
        }
    }

    fn ident_loc(&self, ident: &Ident, fallback: &Location) -> Location {
        if ident.span.start.line == 0 {
            fallback.clone()
        } else {
            loc(self.path, ident.span)
        }
    }

    fn fold(&self, ident: &Ident) -> String {
        if ident.quote_style.is_some() {
            ident.value.clone()
        } else {
            self.dialect.fold(&ident.value)
        }
    }

    /// Fold an identifier and check it is one the engine takes (see [`name_problem`]).
    fn checked(&self, ident: &Ident, at: &Location) -> Result<String> {
        let name = self.fold(ident);
        match name_problem(self.dialect, &name) {
            Some(problem) => Err(problem.at(self.ident_loc(ident, at))),
            None => Ok(name),
        }
    }

    /// A collation name as the catalog spells it. PostgreSQL: folded like any identifier
    /// (`"C"` is `C`, `"en_US"` keeps its case), the `pg_catalog.` qualifier dropped.
    fn collation_name(&self, name: &ObjectName) -> String {
        match (
            self.dialect,
            name.0.last().and_then(ObjectNamePart::as_ident),
        ) {
            (Dialect::Postgres, Some(ident)) => self.fold(ident),
            _ => name.to_string(),
        }
    }

    fn idents(&self, idents: &[Ident], at: &Location) -> Result<Vec<String>> {
        idents.iter().map(|i| self.checked(i, at)).collect()
    }

    /// An expression's canonical text; `at` locates the statement when the expression carries
    /// no position of its own.
    fn expr(&self, e: &Expr, at: &Location) -> Result<Expression> {
        expr::canonical(self.dialect, e).map_err(|message| {
            let span = sqlparser::ast::Spanned::span(e);
            let location = if span.start.line == 0 {
                at.clone()
            } else {
                loc(self.path, span)
            };
            self.err(location, message)
        })
    }

    /// An error unless the target is PostgreSQL: `what` is PostgreSQL-only.
    fn postgres_only(&self, what: &str, at: &Location) -> Result<()> {
        if self.dialect == Dialect::Postgres {
            return Ok(());
        }
        Err(self.err_help(
            at.clone(),
            format!("{what} is PostgreSQL-only"),
            format!("{} has no such thing: remove it", self.dialect.product()),
        ))
    }

    pub fn statement(&mut self, statement: Statement, at: Location) -> Result<()> {
        match statement {
            Statement::CreateTable(ct) => self.create_table(ct, at),
            Statement::CreateSchema {
                schema_name,
                if_not_exists: _,
                with: None,
                options: None,
                default_collate_spec: None,
                clone: None,
            } => self.create_schema(&schema_name, at),
            Statement::CreateIndex(ci) => self.create_index(ci, at),
            view @ Statement::CreateView { .. } => self.create_view(view, at),
            Statement::CreateDomain(cd) => self.create_domain(cd, at),
            Statement::CreateSequence {
                temporary,
                if_not_exists: _,
                name,
                data_type,
                sequence_options,
                owned_by,
            } => {
                let options = self.sequence_options(&sequence_options);
                let owned = owned_by.is_some();
                self.create_sequence(temporary, &name, data_type.as_ref(), options, owned, at)
            }
            Statement::CreateExtension {
                name,
                schema,
                version,
                ..
            } => self.create_extension(&name, schema.as_ref(), version.as_ref(), at),
            Statement::CreateType {
                name,
                representation: UserDefinedTypeRepresentation::Composite { attributes },
            } if self.dialect == Dialect::Postgres => {
                let (name, location) = self.qualified_name(&name, &at)?;
                if self.out.enums.contains_key(&name) || self.out.composites.contains_key(&name) {
                    return Err(self.err_help(
                        location,
                        format!("type `{name}` is already defined in this file"),
                        "define it once",
                    ));
                }
                let mut attrs = Vec::new();
                for a in &attributes {
                    if a.collation.is_some() {
                        return Err(self.err_help(
                            at,
                            format!("`COLLATE` on an attribute of type `{name}` is not supported"),
                            "remove it (the attribute takes its type's collation)",
                        ));
                    }
                    let attr = self.checked(&a.name, &at)?;
                    let ty = crate::normalize::types::normalize(Dialect::Postgres, &a.data_type).ty;
                    expr::check_type_text(Dialect::Postgres, &ty)
                        .map_err(|message| self.err(at.clone(), message))?;
                    attrs.push((attr, crate::model::ColumnType::new(Dialect::Postgres, ty)));
                }
                self.out.schema.composites.insert(
                    name.clone(),
                    crate::model::CompositeType {
                        name: name.clone(),
                        attributes: attrs,
                        comment: None,
                    },
                );
                self.out.composites.insert(name, location);
                Ok(())
            }
            Statement::CreateType {
                name,
                representation: UserDefinedTypeRepresentation::Enum { labels },
            } if self.dialect == Dialect::Postgres => {
                // The name's last part as written (a note after it renames the type).
                let last = (name
                    .0
                    .iter()
                    .filter_map(ObjectNamePart::as_ident)
                    .next_back())
                .map(ToString::to_string)
                .unwrap_or_default();
                let (name, location) = self.qualified_name(&name, &at)?;
                if let Some(first) = self.out.enums.get(&name) {
                    return Err(self.err_help(
                        location,
                        format!("enum type `{name}` is already defined at {first}"),
                        "define it once",
                    ));
                }
                let values = labels.iter().map(|l| l.value.clone()).collect();
                // The type's note right after its name, or after `ENUM (`; the first wins.
                let of_type = self.notes.iter().position(|(n, taken)| {
                    let after = |i: usize| n.after_tokens.get(i).map(String::as_str);
                    !taken
                        && (after(0) == Some(last.as_str())
                            || (after(0) == Some("(")
                                && after(1).is_some_and(|w| w.eq_ignore_ascii_case("ENUM"))))
                });
                if let Some(i) = of_type {
                    self.notes[i].1 = true;
                    let note = self.notes[i].0.clone();
                    let (schema, _) = crate::model::split_qualified(&name);
                    self.out.renames.push(crate::model::Rename {
                        of: crate::model::RenameOf::Type,
                        from: crate::model::qualified(schema, &self.note_name(&note)),
                        to: name.clone(),
                        at: note.location(self.path),
                    });
                }
                // A value's note follows its label on the line.
                for (note, taken) in self.notes.iter_mut().filter(|(_, taken)| !taken) {
                    let label = (note.after_string.as_ref())
                        .filter(|after| labels.iter().any(|l| l.value == **after));
                    if let Some(label) = label {
                        *taken = true;
                        self.out.renames.push(crate::model::Rename {
                            of: crate::model::RenameOf::EnumValue(name.clone()),
                            from: note.from.clone(),
                            to: label.clone(),
                            at: note.location(self.path),
                        });
                    }
                }
                self.out.schema.enums.insert(
                    name.clone(),
                    EnumType {
                        name: name.clone(),
                        values,
                        comment: None,
                    },
                );
                self.out.enums.insert(name, location);
                Ok(())
            }
            Statement::Comment {
                object_type,
                object_name,
                comment,
                ..
            } if matches!(
                object_type,
                CommentObject::Table | CommentObject::Column | CommentObject::Schema
            ) =>
            {
                self.comment(object_type, &object_name, comment, at)
            }
            Statement::AlterTable {
                name, operations, ..
            } => {
                let (table, tloc) = self.qualified_name(&name, &at)?;
                for op in operations {
                    match op {
                        AlterTableOperation::AddConstraint { constraint, .. } => {
                            let mut t = self.take_table(&table, &tloc)?;
                            let res = self
                                .table_constraint(&mut t, constraint, &at)
                                .and_then(|()| self.check_table(&t, &at));
                            self.out.schema.tables.insert(table.clone(), t);
                            res?;
                        }
                        AlterTableOperation::EnableRowLevelSecurity
                        | AlterTableOperation::DisableRowLevelSecurity => {
                            self.postgres_only("row-level security", &at)?;
                            let mut t = self.take_table(&table, &tloc)?;
                            let key = crate::engine::postgres::ROW_LEVEL_SECURITY;
                            if matches!(op, AlterTableOperation::EnableRowLevelSecurity) {
                                t.options.insert(key.into(), "true".into());
                            } else {
                                t.options.remove(key);
                            }
                            self.out.schema.tables.insert(table.clone(), t);
                        }
                        other => {
                            return Err(self.err(
                                at,
                                format!("`ALTER TABLE … {other}` is not part of a desired schema: write the table as it should be in its CREATE TABLE"),
                            ))
                        }
                    }
                }
                Ok(())
            }
            other => {
                let text = other.to_string();
                let head: String = text
                    .split_whitespace()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" ");
                Err(unsupported(self.dialect, at, &head))
            }
        }
    }

    /// The "not supported" error for a statement plinth does not manage (collected with the
    /// others of the file, see `sql::parse_file`), `None` for one it lowers.
    pub fn unsupported(&self, statement: &Statement, at: &Location) -> Option<Error> {
        let managed = matches!(
            statement,
            Statement::CreateTable(_)
                | Statement::CreateIndex(_)
                | Statement::CreateView { .. }
                | Statement::CreateDomain(_)
                | Statement::CreateSequence { .. }
                | Statement::CreateExtension { .. }
                | Statement::CreateSchema { .. }
                | Statement::CreateType { .. }
                | Statement::Comment { .. }
                | Statement::AlterTable { .. }
        );
        if managed {
            return None;
        }
        let text = statement.to_string();
        let head: String = text
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        Some(unsupported(self.dialect, at.clone(), &head))
    }

    /// PostgreSQL `CREATE TABLE name PARTITION OF parent bound`: a table with its parent's
    /// columns, keys and indexes (the server's to copy), kept as the options the catalog reads
    /// back (`engine::postgres::partition`). The parent must be partitioned, above in the file.
    fn create_partition(
        &mut self,
        name: &ObjectName,
        parent: &ObjectName,
        bound: String,
        at: Location,
    ) -> Result<()> {
        use crate::engine::postgres::partition::{PARTITION, PARTITION_BOUND, PARTITION_OF};
        self.postgres_only("`PARTITION OF`", &at)?;
        let (name, tloc) = self.table_name(name, &at)?;
        if self.out.tables.contains_key(&name) {
            return Err(self.err_help(
                tloc,
                format!("table `{name}` is defined twice in this file"),
                "keep one CREATE TABLE",
            ));
        }
        let (parent, ploc) = self.qualified_name(parent, &at)?;
        let partitioned = self
            .out
            .schema
            .tables
            .get(&parent)
            .map(|t| t.options.contains_key(PARTITION));
        match partitioned {
            Some(true) => {}
            Some(false) => {
                return Err(self.err_help(
                    ploc,
                    format!("table `{parent}` is not partitioned"),
                    "give it a PARTITION BY, or make this an ordinary table",
                ))
            }
            None => {
                return Err(self.err_help(
                    ploc,
                    format!("table `{parent}` is not defined above in this file"),
                    "CREATE the partitioned table first, in the same file",
                ))
            }
        }
        let mut table = Table::new(name.clone());
        table.options.insert(PARTITION_OF.into(), parent);
        table.options.insert(PARTITION_BOUND.into(), bound);
        self.out.schema.tables.insert(name.clone(), table);
        self.out.tables.insert(name, tloc);
        Ok(())
    }

    /// PostgreSQL `CREATE SEQUENCE` of its own (a column's own numbering is serial or
    /// identity).
    fn create_sequence(
        &mut self,
        temporary: bool,
        name: &ObjectName,
        data_type: Option<&sqlparser::ast::DataType>,
        options: SequenceOptions,
        owned: bool,
        at: Location,
    ) -> Result<()> {
        self.postgres_only("`CREATE SEQUENCE`", &at)?;
        if temporary || owned {
            return Err(self.err_help(
                at,
                "`CREATE TEMPORARY SEQUENCE` and `OWNED BY` are not supported in a schema file",
                "give the column its own numbering (serial or GENERATED … AS IDENTITY), or leave the sequence to no column",
            ));
        }
        let (name, location) = self.qualified_name(name, &at)?;
        if let Some(first) = self.out.sequences.get(&name) {
            return Err(self.err_help(
                location,
                format!("sequence `{name}` is already defined at {first}"),
                "define it once",
            ));
        }
        let data_type = data_type
            .map(|t| crate::normalize::types::normalize(Dialect::Postgres, t).ty)
            .unwrap_or_else(|| "bigint".into());
        if !matches!(data_type.as_str(), "smallint" | "integer" | "bigint") {
            return Err(self.err_help(
                location,
                format!("sequence `{name}` is of type `{data_type}`"),
                "a sequence is smallint, integer or bigint",
            ));
        }
        let options = crate::engine::postgres::normalize::sequence_options(&data_type, &options);
        self.out.schema.sequences.insert(
            name.clone(),
            crate::model::Sequence {
                name: name.clone(),
                data_type,
                options,
                comment: None,
            },
        );
        self.out.sequences.insert(name, location);
        Ok(())
    }

    fn take_table(&mut self, name: &str, at: &Location) -> Result<Table> {
        self.out.schema.tables.remove(name).ok_or_else(|| {
            self.err_help(
                at.clone(),
                format!("table `{name}` is not defined above in this file"),
                "CREATE it first",
            )
        })
    }

    fn comment(
        &mut self,
        object_type: CommentObject,
        object_name: &ObjectName,
        comment: Option<String>,
        at: Location,
    ) -> Result<()> {
        let parts: Vec<&Ident> = object_name
            .0
            .iter()
            .filter_map(ObjectNamePart::as_ident)
            .collect();
        if object_type == CommentObject::Schema && self.dialect == Dialect::Postgres {
            let name = self.parts_key(&parts);
            let slot = (self.out.schema.namespaces.get_mut(&name)).map(|n| &mut n.comment);
            return commented(slot, comment, &name, "SCHEMA", at);
        }
        match parts.as_slice() {
            [m, v @ ..] if is_marker(m, prepass::VIEW_COMMENT) && !v.is_empty() => {
                let name = self.parts_key(v);
                let slot = self.out.schema.views.get_mut(&name).map(|v| &mut v.comment);
                return commented(slot, comment, &name, "VIEW", at);
            }
            // `COMMENT ON TYPE`: an enum type, or a domain.
            [m, t @ ..] if is_marker(m, prepass::TYPE_COMMENT) => {
                let name = self.parts_key(t);
                let schema = &mut self.out.schema;
                let slot = match schema.enums.get_mut(&name) {
                    Some(e) => Some(&mut e.comment),
                    None => match schema.composites.get_mut(&name) {
                        Some(c) => Some(&mut c.comment),
                        None => schema.domains.get_mut(&name).map(|d| &mut d.comment),
                    },
                };
                return commented(slot, comment, &name, "TYPE", at);
            }
            [m, d @ ..] if is_marker(m, prepass::DOMAIN_COMMENT) => {
                let name = self.parts_key(d);
                let slot = self
                    .out
                    .schema
                    .domains
                    .get_mut(&name)
                    .map(|d| &mut d.comment);
                return commented(slot, comment, &name, "DOMAIN", at);
            }
            [m, i @ ..] if is_marker(m, prepass::INDEX_COMMENT) && !i.is_empty() => {
                return self.index_comment(&self.parts_key(i), comment, at)
            }
            [m, t @ .., c] if is_marker(m, prepass::CONSTRAINT_COMMENT) && !t.is_empty() => {
                let table = self.parts_key(t);
                let mut tbl = self.take_table(&table, &at)?;
                let res = constraint_comment(&mut tbl, &self.fold(c), comment)
                    .map_err(|(message, help)| self.err_help(at, message, help));
                self.out.schema.tables.insert(table, tbl);
                return res;
            }
            _ => {}
        }
        let (table, column) = match (object_type, parts.as_slice()) {
            (CommentObject::Table, t @ [_, ..]) => (self.parts_key(t), None),
            (CommentObject::Column, [t @ .., c]) if !t.is_empty() => {
                (self.parts_key(t), Some(self.fold(c)))
            }
            _ => return Err(self.err(at, "cannot tell which object this comment is on")),
        };
        let mut t = self.take_table(&table, &at)?;
        let res = match column {
            None => {
                t.comment = comment;
                Ok(())
            }
            Some(c) => match t.column_mut(&c) {
                Some(col) => {
                    col.comment = comment;
                    Ok(())
                }
                None => Err(self.err(at, format!("table `{table}` has no column `{c}`"))),
            },
        };
        self.out.schema.tables.insert(table, t);
        res
    }

    /// `COMMENT ON INDEX` (PostgreSQL index names are unique in a schema: `key` is the
    /// index's name keyed in its table's schema).
    fn index_comment(&mut self, key: &str, comment: Option<String>, at: Location) -> Result<()> {
        let schema = &mut self.out.schema;
        let tables = (schema.tables.values_mut()).map(|t| (t.name.as_str(), &mut t.indexes));
        let views = (schema.views.values_mut()).map(|v| (v.name.as_str(), &mut v.indexes));
        let index = tables.chain(views).find_map(|(on, indexes)| {
            (indexes.iter_mut()).find(|i| crate::model::beside(on, i.name.as_str()) == key)
        });
        match index {
            Some(i) => {
                i.comment = comment;
                Ok(())
            }
            None => Err(self.err_help(
                at,
                format!(
                    "index `{}` is not defined above in this file",
                    crate::model::shown(key)
                ),
                "CREATE INDEX it first",
            )),
        }
    }

    fn create_table(&mut self, ct: CreateTable, at: Location) -> Result<()> {
        let unsupported = if ct.query.is_some() {
            Some("CREATE TABLE … AS")
        } else if ct.like.is_some() {
            Some("CREATE TABLE … LIKE")
        } else if ct.temporary {
            Some("CREATE TEMPORARY TABLE")
        } else if ct.partition_by.is_some() && self.dialect != Dialect::Postgres {
            Some("PARTITION BY")
        } else if ct.inherits.is_some() && self.dialect != Dialect::Postgres {
            Some("INHERITS")
        } else {
            None
        };
        if let Some(what) = unsupported {
            return Err(self.err(at, format!("`{what}` is not supported in a schema file")));
        }
        let (name, tloc) = self.table_name(&ct.name, &at)?;
        // Names the engine compares without regard to case: `Parsed::check_names`.
        if self.out.tables.contains_key(&name) {
            return Err(self.err_help(
                tloc,
                format!("table `{name}` is defined twice in this file"),
                "keep one CREATE TABLE",
            ));
        }
        let mut table = Table::new(name.clone());
        // Exactly sized: a schema holds many tables, and a column is a few hundred bytes.
        table.columns.reserve_exact(ct.columns.len());
        for col in &ct.columns {
            self.column(&mut table, col, &at)?;
        }
        for constraint in ct.constraints {
            self.table_constraint(&mut table, constraint, &at)?;
        }
        if let Some(comment) = &ct.comment {
            table.comment = Some(comment_text(comment));
        }
        self.table_options(&mut table, &ct.table_options, &at)?;
        if ct.without_rowid {
            table.options.insert("without_rowid".into(), "true".into());
        }
        if ct.strict {
            table.options.insert("strict".into(), "true".into());
        }
        if let Some(by) = &ct.partition_by {
            let key = crate::engine::postgres::partition::key(by)
                .map_err(|message| self.err(at.clone(), message))?;
            table
                .options
                .insert(crate::engine::postgres::partition::PARTITION.into(), key);
        }
        if let Some(parents) = &ct.inherits {
            let option = self.inherits(parents, &at)?;
            table
                .options
                .insert(crate::engine::postgres::partition::INHERITS.into(), option);
        }
        self.check_table(&table, &at)?;
        // Renames noted after the table's name or a column's.
        let position = |i: &Ident| (i.span.start.line, i.span.start.column);
        let idents: Vec<&Ident> = ct
            .name
            .0
            .iter()
            .filter_map(ObjectNamePart::as_ident)
            .collect();
        let mut names: Vec<(u64, u64)> = idents.last().map(|i| position(i)).into_iter().collect();
        names.extend(ct.columns.iter().map(|c| position(&c.name)));
        for (i, note) in self.take_notes(&names) {
            let at = note.location(self.path);
            let from = self.note_name(&note);
            let rename = match i {
                0 => {
                    let (schema, _) = crate::model::split_qualified(&name);
                    crate::model::Rename {
                        of: crate::model::RenameOf::Table,
                        from: crate::model::qualified(schema, &from),
                        to: name.clone(),
                        at,
                    }
                }
                i => crate::model::Rename {
                    of: crate::model::RenameOf::Column(name.clone()),
                    from,
                    to: self.fold(&ct.columns[i - 1].name),
                    at,
                },
            };
            self.out.renames.push(rename);
        }
        self.out.tables.insert(name.clone(), tloc);
        self.out.schema.tables.insert(name, table);
        Ok(())
    }

    /// PostgreSQL `INHERITS (parent, …)`: the parents, each defined above in the file (their
    /// columns, and the checks they do not mark `NO INHERIT`, are the server's to copy).
    fn inherits(&mut self, parents: &[ObjectName], at: &Location) -> Result<String> {
        use crate::engine::postgres::partition::PARENT_END;
        let mut option = String::new();
        for parent in parents {
            let (key, location) = self.qualified_name(parent, at)?;
            if !self.out.schema.tables.contains_key(&key) || key.contains(PARENT_END) {
                return Err(self.err_help(
                    location,
                    format!("table `{key}` is not defined above in this file"),
                    "CREATE the table it inherits from first, in the same file",
                ));
            }
            option.push_str(&key);
            option.push(PARENT_END);
        }
        Ok(option)
    }

    /// A table as a statement left it, checked for what would fail half way through an apply:
    /// columns that keys and indexes name, and text the engine's catalog cannot keep.
    pub(super) fn check_table(&self, table: &Table, at: &Location) -> Result<()> {
        self.columns_exist(table, at)?;
        if self.dialect == Dialect::Mysql {
            if let Some((what, c)) = supplementary_text(table) {
                return Err(self.err_help(
                    at.clone(),
                    format!(
                        "{what} of `{}` holds U+{:04X} ({c}), a character outside the Basic Multilingual Plane (such as an emoji)",
                        table.name, c as u32
                    ),
                    "MySQL/MariaDB keep defaults, checks, comments and enum values in utf8mb3, which cannot hold it, so the schema would never match: write it another way (e.g. `CHAR(…)` or a hex literal) or leave it out",
                ));
            }
        }
        Ok(())
    }

    /// Every column that a key, a foreign key or an index names must be one of the table's.
    fn columns_exist(&self, table: &Table, at: &Location) -> Result<()> {
        let named = table
            .primary_key
            .iter()
            .flat_map(|pk| pk.columns.iter())
            .chain(table.uniques.iter().flat_map(|u| u.columns.iter()))
            .chain(table.foreign_keys.iter().flat_map(|fk| fk.columns.iter()))
            .chain(table.indexes.iter().flat_map(|i| {
                i.parts.iter().filter_map(|p| match &p.key {
                    IndexKey::Column(c) => Some(c),
                    IndexKey::Expr(_) => None,
                })
            }));
        // A table inheriting has its parents' columns too (and theirs, a few levels up).
        let has = |name: &str| {
            let mut tables = vec![table];
            for _ in 0..64 {
                let Some(t) = tables.pop() else { break };
                if has_column(self.dialect, t, name) {
                    return true;
                }
                tables.extend(
                    crate::engine::postgres::partition::parents(&t.options)
                        .filter_map(|p| self.out.schema.tables.get(p)),
                );
            }
            false
        };
        for name in named {
            if !has(name) {
                return Err(self.err_help(
                    at.clone(),
                    format!("`{}` has no column `{name}`", table.name),
                    format!(
                        "name one of its columns ({})",
                        table
                            .columns
                            .iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn table_options(
        &self,
        table: &mut Table,
        options: &CreateTableOptions,
        at: &Location,
    ) -> Result<()> {
        let list = match options {
            CreateTableOptions::None => return Ok(()),
            CreateTableOptions::Plain(l)
            | CreateTableOptions::Options(l)
            | CreateTableOptions::With(l)
            | CreateTableOptions::TableProperties(l) => l,
        };
        for option in list {
            match option {
                SqlOption::Comment(c) => table.comment = Some(comment_text(c)),
                SqlOption::KeyValue { key, value } if self.dialect == Dialect::Mysql => {
                    let key = key.value.to_ascii_lowercase();
                    let value = match value {
                        Expr::Value(v) => match &v.value {
                            Value::SingleQuotedString(s) => s.clone(),
                            other => other.to_string(),
                        },
                        other => other.to_string(),
                    };
                    match key.as_str() {
                        "engine" => {
                            table.options.insert("engine".into(), value.to_lowercase());
                        }
                        "comment" => table.comment = Some(value),
                        // `engine::mysql::normalize::finish` spells both as the catalog does.
                        "default charset"
                        | "charset"
                        | "default character set"
                        | "character set" => {
                            table.options.insert("charset".into(), value);
                        }
                        "default collate" | "collate" => {
                            table.options.insert("collation".into(), value);
                        }
                        // Row formats and counters are the server's business.
                        _ => {}
                    }
                }
                SqlOption::NamedParenthesizedList(list)
                    if self.dialect == Dialect::Mysql
                        && list.key.value.eq_ignore_ascii_case("engine") =>
                {
                    if let Some(engine) = &list.name {
                        table
                            .options
                            .insert("engine".into(), engine.value.to_lowercase());
                    }
                }
                SqlOption::NamedParenthesizedList(_) | SqlOption::KeyValue { .. }
                    if self.dialect == Dialect::Mysql => {}
                other => {
                    return Err(self.err_help(
                        at.clone(),
                        format!("table option `{other}` is not supported"),
                        "remove it",
                    ))
                }
            }
        }
        Ok(())
    }
}
fn is_keyword(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(w) if w.value.eq_ignore_ascii_case(word))
}

fn comment_text(c: &CommentDef) -> String {
    match c {
        CommentDef::WithEq(s) | CommentDef::WithoutEq(s) => s.clone(),
    }
}

impl SequenceOptions {
    /// Drop options equal to PostgreSQL's defaults so both spellings compare equal.
    pub fn normalize(&mut self) {
        if self.increment == Some(1) {
            self.increment = None;
        }
        if self.start == Some(1) {
            self.start = None;
        }
        if self.min_value == Some(1) {
            self.min_value = None;
        }
        if self.cache == Some(1) {
            self.cache = None;
        }
    }
}

/// The first text of `table` that MySQL/MariaDB keep in utf8mb3 (defaults, checks, generated
/// and index expressions, comments, column types with their enum values) holding a character
/// beyond U+FFFF, with what it is.
fn supplementary_text(table: &Table) -> Option<(String, char)> {
    let wide = |s: &str| s.chars().find(|c| u32::from(*c) > 0xFFFF);
    let mut texts: Vec<(String, &str)> = Vec::new();
    if let Some(c) = &table.comment {
        texts.push(("the comment".into(), c));
    }
    for col in &table.columns {
        let what = |w: &str| format!("the {w} of column `{}`", col.name);
        texts.push((what("type"), col.ty.as_str()));
        for (w, text) in [
            ("default", col.default.as_deref()),
            ("comment", col.comment.as_deref()),
            ("ON UPDATE", col.on_update.as_deref().map(Expression::text)),
            ("expression", col.generated.as_ref().map(|g| g.expr.text())),
        ] {
            if let Some(t) = text {
                texts.push((what(w), t));
            }
        }
    }
    for check in &table.checks {
        texts.push(("a check".into(), &check.expr));
    }
    for index in &table.indexes {
        if let Some(c) = &index.comment {
            texts.push((format!("the comment of index `{}`", index.name.as_str()), c));
        }
        for part in &index.parts {
            if let IndexKey::Expr(e) = &part.key {
                texts.push((format!("a key of index `{}`", index.name.as_str()), e));
            }
        }
    }
    texts
        .into_iter()
        .find_map(|(what, text)| wide(text).map(|c| (what, c)))
}

/// What is wrong with a name, and how to fix it when there is something to say.
pub(crate) struct Problem {
    message: String,
    help: Option<String>,
}

impl Problem {
    fn new(message: impl Into<String>, help: Option<String>) -> Problem {
        Problem {
            message: message.into(),
            help,
        }
    }

    fn fix(message: impl Into<String>, help: impl Into<String>) -> Problem {
        Problem::new(message, Some(help.into()))
    }

    /// The problem as an error at `location`.
    fn at(self, location: Location) -> Error {
        Error::At {
            location,
            message: self.message,
            help: self.help,
        }
    }
}

/// What the engine would refuse in a (folded) identifier, before any DDL: the empty name, NUL,
/// a name over the engine's limit (PostgreSQL counts bytes, MySQL/MariaDB characters), and on
/// MySQL/MariaDB a name ending in a space.
pub(crate) fn name_problem(dialect: Dialect, name: &str) -> Option<Problem> {
    if name.is_empty() {
        return Some(Problem::fix("an empty name", "give it a name"));
    }
    if name.contains('\0') {
        return Some(Problem::fix(
            "a name holding the NUL character",
            "no engine takes it: rename it",
        ));
    }
    if name.contains(crate::model::SCHEMA_SEPARATOR) {
        return Some(Problem::fix(
            "a name holding the control character U+001F",
            "plinth keeps it apart for schema-qualified names: rename it",
        ));
    }
    let (length, unit) = match dialect {
        Dialect::Postgres => (name.len(), "bytes"),
        Dialect::Mysql => (name.chars().count(), "characters"),
        Dialect::Sqlite => (0, ""),
    };
    if let Some(max) = dialect.max_identifier_len() {
        if length > max {
            return Some(Problem::fix(
                format!("identifier `{name}` is {length} {unit} long"),
                format!("{} allows at most {max}: shorten it", dialect.product()),
            ));
        }
    }
    if dialect == Dialect::Mysql && name.ends_with(' ') {
        return Some(Problem::new(
            format!("identifier `{name}` ends with a space, which MySQL/MariaDB refuse: remove the trailing space"),
            None,
        ));
    }
    if dialect == Dialect::Mysql {
        if let Some(c) = name.chars().find(|c| u32::from(*c) > 0xFFFF) {
            return Some(Problem::fix(
                format!("identifier `{name}` holds U+{:04X} ({c})", u32::from(c)),
                "MySQL/MariaDB names are utf8mb3, which has no characters beyond U+FFFF: rename it",
            ));
        }
    }
    None
}

/// What the engine would refuse in a table name beyond [`name_problem`]: plinth's own prefix,
/// and SQLite's.
pub(crate) fn table_name_problem(dialect: Dialect, name: &str) -> Option<Problem> {
    if name.to_ascii_lowercase().starts_with("plinth_") {
        return Some(Problem::fix(
            format!("table `{name}`: names starting with `plinth_` are plinth's own (its history and rebuild tables)"),
            "rename the table",
        ));
    }
    if dialect == Dialect::Sqlite && name.to_ascii_lowercase().starts_with("sqlite_") {
        return Some(Problem::fix(
            format!("table `{name}`: SQLite reserves names starting with `sqlite_`"),
            "rename the table",
        ));
    }
    None
}

/// What the engine would refuse in a column name beyond [`name_problem`]: PostgreSQL's system
/// column names.
pub(crate) fn column_name_problem(dialect: Dialect, name: &str) -> Option<Problem> {
    const SYSTEM: &[&str] = &["tableoid", "xmin", "cmin", "xmax", "cmax", "ctid"];
    (dialect == Dialect::Postgres && SYSTEM.contains(&name)).then(|| {
        Problem::fix(
            format!("column `{name}` has the name of a PostgreSQL system column"),
            "rename it",
        )
    })
}

/// Whether `table` has a column `name`, compared as the engine compares column names
/// ([`Dialect::same_column`]).
pub(crate) fn has_column(dialect: Dialect, table: &Table, name: &str) -> bool {
    table
        .columns
        .iter()
        .any(|c| dialect.same_column(&c.name, name))
}
