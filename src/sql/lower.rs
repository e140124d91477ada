//! Lowering: sqlparser statements → canonical IR tables, normalized for the target dialect.

use std::collections::BTreeMap;

use sqlparser::ast::{
    AlterTableOperation, BinaryOperator, ColumnDef, ColumnOption, CommentDef, CommentObject,
    ConstraintCharacteristics, CreateIndex, CreateTable, CreateTableOptions, DeferrableInitial,
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GeneratedAs, GeneratedExpressionMode,
    Ident, IndexColumn, IndexOption, IndexType, NullsDistinctOption, ObjectName, ObjectNamePart,
    OrderByExpr, OrderByOptions, ReferentialAction, SequenceOptions as AstSeqOption, SqlOption,
    Statement, TableConstraint, UserDefinedTypeRepresentation, Value,
};
use sqlparser::tokenizer::Token;

use super::names::{classify, Kind};
use super::{expr, loc, prepass, types, Parsed, Reference};
use crate::error::{Error, Location, Result};
use crate::model::{
    Check, Column, Deferrable, Dialect, EnumType, Exclusion, FkAction, ForeignKey, Generated,
    Identity, Index, IndexKey, IndexPart, PrimaryKey, Schema, SequenceOptions, Table, Unique,
};

pub(super) struct Lowering<'a> {
    dialect: Dialect,
    path: &'a str,
    out: Parsed,
}

impl<'a> Lowering<'a> {
    pub fn new(dialect: Dialect, path: &'a str) -> Self {
        Lowering {
            dialect,
            path,
            out: Parsed::default(),
        }
    }

    pub fn finish(self) -> Parsed {
        self.out
    }

    fn err(&self, location: Location, message: impl Into<String>) -> Error {
        Error::at(location, message)
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
                return Err(self.err(
                    self.ident_loc(parts[0], at),
                    format!("`{name}`: plinth manages the default schema only; drop the `{schema}.` qualifier"),
                ));
            }
        }
        let location = self.ident_loc(last, at);
        Ok((self.checked(last, &location)?, location))
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

    /// Fold an identifier and check its length against the engine's limit.
    fn checked(&self, ident: &Ident, at: &Location) -> Result<String> {
        let name = self.fold(ident);
        if let Some(max) = self.dialect.max_identifier_len() {
            if name.len() > max {
                return Err(self.err(
                    self.ident_loc(ident, at),
                    format!(
                        "identifier `{name}` is {} bytes long; {} allows at most {max}: shorten it",
                        name.len(),
                        self.dialect
                    ),
                ));
            }
        }
        Ok(name)
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

    fn expr(&self, e: &Expr) -> String {
        expr::canonical(self.dialect, e)
    }

    /// An error unless the target is PostgreSQL: `what` is PostgreSQL-only.
    fn postgres_only(&self, what: &str, at: &Location) -> Result<()> {
        if self.dialect == Dialect::Postgres {
            return Ok(());
        }
        Err(self.err(
            at.clone(),
            format!(
                "{what} is PostgreSQL-only; {} has no such thing: remove it",
                self.dialect
            ),
        ))
    }

    /// `DEFERRABLE` on a primary key or unique constraint (PostgreSQL only).
    fn key_deferrable(
        &self,
        c: Option<&ConstraintCharacteristics>,
        at: &Location,
    ) -> Result<Deferrable> {
        let d = deferrable(c);
        if d != Deferrable::NotDeferrable {
            self.postgres_only("a DEFERRABLE primary key or unique constraint", at)?;
        }
        Ok(d)
    }

    /// A check constraint; `NO INHERIT` arrives as a marker call around the expression
    /// (see `prepass`).
    fn check(&self, table: &str, e: &Expr, name: Option<String>, column: Option<&str>) -> Check {
        let (e, no_inherit) = match no_inherit_marker(e) {
            Some(inner) => (inner, true),
            None => (e, false),
        };
        Check {
            expr: self.expr(e),
            name: classify(self.dialect, table, Kind::Check, name, column),
            no_inherit,
            comment: None,
        }
    }

    /// An `EXCLUDE` constraint, from the arguments of its marker call (see `prepass`): the
    /// index behind it, with one operator per part.
    fn exclusion(
        &self,
        table: &str,
        name: Option<String>,
        args: &[&Expr],
        at: &Location,
    ) -> Result<Index> {
        let bad = || self.err(at.clone(), "cannot read this EXCLUDE constraint");
        let [method, mode, predicate, elements @ ..] = args else {
            return Err(bad());
        };
        let method = string_arg(method).ok_or_else(bad)?.to_lowercase();
        let method = (!method.is_empty() && method != "btree").then_some(method);
        let deferrable = match string_arg(mode) {
            Some("immediate") => Deferrable::InitiallyImmediate,
            Some("deferred") => Deferrable::InitiallyDeferred,
            _ => Deferrable::NotDeferrable,
        };
        let predicate = match predicate {
            Expr::Value(v) if v.value == Value::Null => None,
            p => Some(self.expr(p)),
        };
        let mut columns = Vec::new();
        let mut operators = Vec::new();
        for element in elements {
            let args = marker_args(element, prepass::EXCLUDE_ELEMENT).ok_or_else(bad)?;
            let [key, opclass, direction, operator] = args.as_slice() else {
                return Err(bad());
            };
            columns.push(IndexColumn {
                column: OrderByExpr {
                    expr: (*key).clone(),
                    options: OrderByOptions {
                        asc: Some(string_arg(direction) != Some("desc")),
                        nulls_first: None,
                    },
                    with_fill: None,
                },
                operator_class: string_arg(opclass).map(|o| Ident::with_quote('"', o)),
            });
            operators.push(operator_name(string_arg(operator).ok_or_else(bad)?));
        }
        let parts = self.index_parts(&columns, method.as_deref(), at)?;
        Ok(Index {
            name: classify(self.dialect, table, Kind::Index, name, first_column(&parts)),
            unique: false,
            parts,
            predicate,
            method,
            comment: None,
            include: Vec::new(),
            storage: Vec::new(),
            nulls_not_distinct: false,
            exclude: Some(Exclusion {
                operators,
                deferrable,
            }),
        })
    }

    /// An operator class on an index key, `None` when it is the default one (PostgreSQL's
    /// catalog then does not spell it either).
    fn opclass(
        &self,
        opclass: Option<&Ident>,
        method: Option<&str>,
        at: &Location,
    ) -> Result<Option<String>> {
        let Some(ident) = opclass else {
            return Ok(None);
        };
        self.postgres_only(&format!("the operator class `{ident}`"), at)?;
        let name = self.fold(ident);
        // `inet_ops` is the default for btree and hash, but not for gist.
        let default = DEFAULT_OPCLASSES.binary_search(&name.as_str()).is_ok()
            && !(name == "inet_ops" && method == Some("gist"));
        Ok((!default).then_some(name))
    }

    /// Index storage parameters, `WITH (fillfactor = 70)`, as PostgreSQL keeps them.
    fn storage_parameters(&self, with: &[Expr], at: &Location) -> Result<Vec<(String, String)>> {
        if !with.is_empty() {
            self.postgres_only("`WITH (…)` on an index", at)?;
        }
        let mut out = Vec::new();
        for e in with {
            let (key, value) = match e {
                Expr::BinaryOp {
                    left,
                    op: BinaryOperator::Eq,
                    right,
                } => match left.as_ref() {
                    Expr::Identifier(k) => (self.fold(k), right.as_ref()),
                    _ => {
                        return Err(self.err(
                            at.clone(),
                            format!("storage parameter `{e}`: expected name = value"),
                        ))
                    }
                },
                // A bare name means `true`.
                Expr::Identifier(k) => {
                    out.push((self.fold(k), "true".to_string()));
                    continue;
                }
                _ => {
                    return Err(self.err(
                        at.clone(),
                        format!("storage parameter `{e}`: expected name = value"),
                    ))
                }
            };
            let value = match value {
                Expr::Value(v) => match &v.value {
                    Value::SingleQuotedString(s) => s.clone(),
                    Value::Boolean(b) => b.to_string(),
                    other => other.to_string(),
                },
                Expr::Identifier(i) => self.fold(i),
                other => other.to_string(),
            };
            out.push((key, value));
        }
        Ok(out)
    }

    pub fn statement(&mut self, statement: Statement, at: Location) -> Result<()> {
        match statement {
            Statement::CreateTable(ct) => self.create_table(ct, at),
            Statement::CreateIndex(ci) => self.create_index(ci, at),
            Statement::CreateType {
                name,
                representation: UserDefinedTypeRepresentation::Enum { labels },
            } if self.dialect == Dialect::Postgres => {
                let (name, _) = self.object_name(&name, &at)?;
                let values = labels.iter().map(|l| l.value.clone()).collect();
                self.out
                    .schema
                    .enums
                    .insert(name.clone(), EnumType { name, values });
                Ok(())
            }
            Statement::Comment {
                object_type,
                object_name,
                comment,
                ..
            } if matches!(object_type, CommentObject::Table | CommentObject::Column) => {
                self.comment(object_type, &object_name, comment, at)
            }
            Statement::AlterTable {
                name, operations, ..
            } => {
                let (table, tloc) = self.object_name(&name, &at)?;
                for op in operations {
                    match op {
                        AlterTableOperation::AddConstraint { constraint, .. } => {
                            let mut t = self.take_table(&table, &tloc)?;
                            let res = self.table_constraint(&mut t, constraint, &at);
                            self.out.schema.tables.insert(table.clone(), t);
                            res?;
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
                Err(self.err(
                    at,
                    format!("`{head} …` is not supported in a schema file: plinth manages CREATE TABLE, CREATE INDEX{} and nothing else; remove it", if self.dialect == Dialect::Postgres { ", CREATE TYPE … AS ENUM, COMMENT ON" } else { "" }),
                ))
            }
        }
    }

    fn take_table(&mut self, name: &str, at: &Location) -> Result<Table> {
        self.out.schema.tables.remove(name).ok_or_else(|| {
            self.err(
                at.clone(),
                format!("table `{name}` is not defined above in this file; CREATE it first"),
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
        match parts.as_slice() {
            [m, .., i] if is_marker(m, prepass::INDEX_COMMENT) => {
                return self.index_comment(&self.fold(i), comment, at)
            }
            [m, .., t, c] if is_marker(m, prepass::CONSTRAINT_COMMENT) => {
                let table = self.fold(t);
                let mut tbl = self.take_table(&table, &at)?;
                let res = constraint_comment(&mut tbl, &self.fold(c), comment)
                    .map_err(|msg| self.err(at, msg));
                self.out.schema.tables.insert(table, tbl);
                return res;
            }
            _ => {}
        }
        let (table, column) = match (object_type, parts.as_slice()) {
            (CommentObject::Table, [.., t]) => (self.fold(t), None),
            (CommentObject::Column, [.., t, c]) => (self.fold(t), Some(self.fold(c))),
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

    /// `COMMENT ON INDEX` (PostgreSQL index names are unique in the schema).
    fn index_comment(&mut self, name: &str, comment: Option<String>, at: Location) -> Result<()> {
        let index = self
            .out
            .schema
            .tables
            .values_mut()
            .flat_map(|t| t.indexes.iter_mut())
            .find(|i| i.name.as_str() == name);
        match index {
            Some(i) => {
                i.comment = comment;
                Ok(())
            }
            None => Err(self.err(
                at,
                format!("index `{name}` is not defined above in this file; CREATE INDEX it first"),
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
        } else if ct.partition_by.is_some() {
            Some("PARTITION BY")
        } else if ct.inherits.is_some() {
            Some("INHERITS")
        } else {
            None
        };
        if let Some(what) = unsupported {
            return Err(self.err(at, format!("`{what}` is not supported in a schema file")));
        }
        let (name, tloc) = self.object_name(&ct.name, &at)?;
        if self.out.tables.contains_key(&name) {
            return Err(self.err(
                tloc,
                format!("table `{name}` is defined twice in this file; keep one CREATE TABLE"),
            ));
        }
        let mut table = Table::new(name.clone());
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
        self.out.tables.insert(name.clone(), tloc);
        self.out.schema.tables.insert(name, table);
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
                        // `sql::mysql::finish` spells both as the catalog does.
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
                    return Err(self.err(
                        at.clone(),
                        format!("table option `{other}` is not supported; remove it"),
                    ))
                }
            }
        }
        Ok(())
    }

    fn column(&mut self, table: &mut Table, def: &ColumnDef, at: &Location) -> Result<()> {
        let name = self.checked(&def.name, at)?;
        let cloc = self.ident_loc(&def.name, at);
        if table.column(&name).is_some() {
            return Err(self.err(
                cloc,
                format!("column `{name}` is defined twice in `{}`", table.name),
            ));
        }
        let normalized = types::normalize(self.dialect, &def.data_type);
        let mut column = Column::new(name.clone(), normalized.ty);
        if normalized.serial {
            column.identity = Some(Identity::Serial);
            column.nullable = false;
        }
        let mut primary = false;
        for option in &def.options {
            let cname = option.name.as_ref().map(|n| self.fold(n));
            match &option.option {
                ColumnOption::Null => column.nullable = true,
                ColumnOption::NotNull => column.nullable = false,
                ColumnOption::Default(e) => column.default = Some(self.expr(e)),
                ColumnOption::Unique {
                    is_primary: true,
                    characteristics,
                } => {
                    if table.primary_key.is_some() {
                        return Err(self.err(
                            cloc,
                            format!("`{}` has more than one primary key", table.name),
                        ));
                    }
                    primary = true;
                    table.primary_key = Some(PrimaryKey {
                        name: classify(self.dialect, &table.name, Kind::PrimaryKey, cname, None),
                        columns: vec![name.clone()],
                        deferrable: self.key_deferrable(characteristics.as_ref(), &cloc)?,
                        comment: None,
                    });
                }
                ColumnOption::Unique {
                    is_primary: false,
                    characteristics,
                } => table.uniques.push(Unique {
                    columns: vec![name.clone()],
                    name: classify(self.dialect, &table.name, Kind::Unique, cname, Some(&name)),
                    nulls_not_distinct: false,
                    deferrable: self.key_deferrable(characteristics.as_ref(), &cloc)?,
                    comment: None,
                }),
                ColumnOption::ForeignKey {
                    foreign_table,
                    referred_columns,
                    on_delete,
                    on_update,
                    characteristics,
                } => {
                    let fk = self.foreign_key(
                        table,
                        cname,
                        vec![name.clone()],
                        foreign_table,
                        referred_columns,
                        (*on_delete, *on_update),
                        characteristics.as_ref(),
                        at,
                    )?;
                    table.foreign_keys.push(fk);
                }
                ColumnOption::Check(e) => {
                    let check = self.check(&table.name, e, cname, Some(&name));
                    table.checks.push(check)
                }
                ColumnOption::DialectSpecific(tokens)
                    if tokens.iter().any(|t| {
                        is_keyword(t, "AUTO_INCREMENT") || is_keyword(t, "AUTOINCREMENT")
                    }) =>
                {
                    column.identity = Some(Identity::AutoIncrement);
                }
                ColumnOption::Identity(_) => column.identity = Some(Identity::AutoIncrement),
                ColumnOption::Generated {
                    generated_as,
                    sequence_options,
                    generation_expr,
                    generation_expr_mode,
                    ..
                } => match generation_expr {
                    Some(e) => {
                        column.generated = Some(Generated {
                            expr: self.expr(e),
                            stored: matches!(
                                generation_expr_mode,
                                Some(GeneratedExpressionMode::Stored)
                            ) || matches!(generated_as, GeneratedAs::ExpStored),
                        })
                    }
                    None => {
                        let opts =
                            self.sequence_options(sequence_options.as_deref().unwrap_or(&[]));
                        column.identity = Some(match generated_as {
                            GeneratedAs::Always => Identity::Always(opts),
                            _ => Identity::ByDefault(opts),
                        });
                    }
                },
                ColumnOption::Comment(c) => column.comment = Some(c.clone()),
                ColumnOption::Collation(c) => column.collation = Some(self.collation_name(c)),
                ColumnOption::CharacterSet(_) if self.dialect == Dialect::Mysql => {}
                ColumnOption::OnUpdate(e) => column.on_update = Some(self.expr(e)),
                other => {
                    return Err(self.err(
                        cloc,
                        format!(
                            "column option `{other}` on `{}`.`{name}` is not supported; remove it",
                            table.name
                        ),
                    ))
                }
            }
        }
        self.portable_identity(&mut column, primary);
        table.columns.push(column);
        Ok(())
    }

    /// Translate the standard identity spelling into the engine's own.
    fn portable_identity(&self, column: &mut Column, primary: bool) {
        match (self.dialect, &column.identity) {
            (Dialect::Mysql, Some(Identity::Always(_) | Identity::ByDefault(_))) => {
                column.identity = Some(Identity::AutoIncrement);
            }
            (Dialect::Postgres, Some(Identity::AutoIncrement)) => {
                column.identity = Some(Identity::ByDefault(SequenceOptions::default()));
            }
            // SQLite numbers an `INTEGER PRIMARY KEY` (the rowid) by itself.
            (Dialect::Sqlite, Some(Identity::Always(_) | Identity::ByDefault(_))) if primary => {
                column.identity = None;
                column.ty = "INTEGER".into();
            }
            (Dialect::Sqlite, Some(Identity::Always(_) | Identity::ByDefault(_))) => {
                column.identity = None;
            }
            _ => {}
        }
        if column.identity.is_some() && self.dialect != Dialect::Sqlite {
            column.nullable = false;
        }
    }

    fn sequence_options(&self, options: &[AstSeqOption]) -> SequenceOptions {
        let num = |e: &Expr| -> Option<i64> { e.to_string().replace(' ', "").parse().ok() };
        let mut out = SequenceOptions::default();
        for o in options {
            match o {
                AstSeqOption::IncrementBy(e, _) => out.increment = num(e),
                AstSeqOption::MinValue(e) => out.min_value = e.as_ref().and_then(num),
                AstSeqOption::MaxValue(e) => out.max_value = e.as_ref().and_then(num),
                AstSeqOption::StartWith(e, _) => out.start = num(e),
                AstSeqOption::Cache(e) => out.cache = num(e),
                AstSeqOption::Cycle(no) => out.cycle = !no,
            }
        }
        out.normalize();
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn foreign_key(
        &mut self,
        table: &Table,
        name: Option<String>,
        columns: Vec<String>,
        foreign_table: &ObjectName,
        referred_columns: &[Ident],
        (on_delete, on_update): (Option<ReferentialAction>, Option<ReferentialAction>),
        characteristics: Option<&ConstraintCharacteristics>,
        at: &Location,
    ) -> Result<ForeignKey> {
        // `MATCH FULL` arrives as a marker qualifier on the table (see `prepass`).
        let match_full = foreign_table
            .0
            .first()
            .and_then(ObjectNamePart::as_ident)
            .is_some_and(|i| is_marker(i, prepass::MATCH_FULL));
        let unmarked;
        let foreign_table = if match_full {
            unmarked = ObjectName(foreign_table.0[1..].to_vec());
            &unmarked
        } else {
            foreign_table
        };
        let (ref_table, rloc) = self.object_name(foreign_table, at)?;
        let ref_columns = self.idents(referred_columns, at)?;
        if !ref_columns.is_empty() && ref_columns.len() != columns.len() {
            return Err(self.err(
                rloc,
                format!(
                    "foreign key on `{}` has {} column(s) but references {}",
                    table.name,
                    columns.len(),
                    ref_columns.len()
                ),
            ));
        }
        // Recorded for the ownership checks (which plugin may reference which table).
        self.out.references.push(Reference {
            from: table.name.clone(),
            to: ref_table.clone(),
            location: rloc,
        });
        let first = columns.first().cloned();
        Ok(ForeignKey {
            columns,
            ref_table,
            ref_columns,
            on_delete: action(on_delete),
            on_update: action(on_update),
            deferrable: deferrable(characteristics),
            name: classify(
                self.dialect,
                &table.name,
                Kind::ForeignKey,
                name,
                first.as_deref(),
            ),
            match_full,
            comment: None,
        })
    }

    fn table_constraint(
        &mut self,
        table: &mut Table,
        constraint: TableConstraint,
        at: &Location,
    ) -> Result<()> {
        let tname = table.name.clone();
        match constraint {
            TableConstraint::PrimaryKey {
                name,
                columns,
                characteristics,
                ..
            } => {
                if table.primary_key.is_some() {
                    return Err(self.err(
                        at.clone(),
                        format!("`{tname}` has more than one primary key"),
                    ));
                }
                let columns = self.index_columns_plain(&columns, at)?;
                table.primary_key = Some(PrimaryKey {
                    name: classify(
                        self.dialect,
                        &tname,
                        Kind::PrimaryKey,
                        name.map(|n| self.fold(&n)),
                        None,
                    ),
                    columns,
                    deferrable: self.key_deferrable(characteristics.as_ref(), at)?,
                    comment: None,
                });
            }
            // MySQL: a unique constraint is a unique index, and may carry what an index
            // carries (prefixes, order, USING, COMMENT); `sql::mysql` turns plain ones back
            // into `Unique`.
            TableConstraint::Unique {
                name,
                index_name,
                index_type,
                columns,
                index_options,
                ..
            } if self.dialect == Dialect::Mysql => {
                let method = index_method(index_type.as_ref().or(option_using(&index_options)));
                let parts = self.index_parts(&columns, method.as_deref(), at)?;
                let name = name.or(index_name).map(|n| self.fold(&n));
                table.indexes.push(Index {
                    name: classify(
                        self.dialect,
                        &tname,
                        Kind::Index,
                        name,
                        first_column(&parts),
                    ),
                    unique: true,
                    parts,
                    predicate: None,
                    method,
                    comment: option_comment(&index_options),
                    include: Vec::new(),
                    storage: Vec::new(),
                    nulls_not_distinct: false,
                    exclude: None,
                });
            }
            TableConstraint::Unique {
                name,
                index_name,
                columns,
                characteristics,
                nulls_distinct,
                ..
            } => {
                let columns = self.index_columns_plain(&columns, at)?;
                let name = name.or(index_name).map(|n| self.fold(&n));
                let nulls_not_distinct = nulls_distinct == NullsDistinctOption::NotDistinct;
                if nulls_not_distinct {
                    self.postgres_only("`UNIQUE NULLS NOT DISTINCT`", at)?;
                }
                table.uniques.push(Unique {
                    name: classify(
                        self.dialect,
                        &tname,
                        Kind::Unique,
                        name,
                        columns.first().map(String::as_str),
                    ),
                    columns,
                    nulls_not_distinct,
                    deferrable: self.key_deferrable(characteristics.as_ref(), at)?,
                    comment: None,
                });
            }
            TableConstraint::ForeignKey {
                name,
                columns,
                foreign_table,
                referred_columns,
                on_delete,
                on_update,
                characteristics,
                ..
            } => {
                let cols = self.idents(&columns, at)?;
                let fk = self.foreign_key(
                    table,
                    name.map(|n| self.fold(&n)),
                    cols,
                    &foreign_table,
                    &referred_columns,
                    (on_delete, on_update),
                    characteristics.as_ref(),
                    at,
                )?;
                table.foreign_keys.push(fk);
            }
            TableConstraint::Check { name, expr, .. } => {
                let name = name.map(|n| self.fold(&n));
                // `EXCLUDE` arrives as a marked check (see `prepass`).
                match marker_args(&expr, prepass::EXCLUDE) {
                    Some(args) => {
                        let index = self.exclusion(&tname, name, &args, at)?;
                        table.indexes.push(index);
                    }
                    None => {
                        let check = self.check(&tname, &expr, name, None);
                        table.checks.push(check)
                    }
                }
            }
            TableConstraint::Index {
                name,
                index_type,
                columns,
                index_options,
                ..
            } => {
                let method = index_method(index_type.as_ref().or(option_using(&index_options)));
                let parts = self.index_parts(&columns, method.as_deref(), at)?;
                table.indexes.push(Index {
                    name: classify(
                        self.dialect,
                        &tname,
                        Kind::Index,
                        name.map(|n| self.fold(&n)),
                        first_column(&parts),
                    ),
                    unique: false,
                    parts,
                    predicate: None,
                    method,
                    comment: option_comment(&index_options),
                    include: Vec::new(),
                    storage: Vec::new(),
                    nulls_not_distinct: false,
                    exclude: None,
                });
            }
            // MySQL `FULLTEXT` / `SPATIAL` indexes: the kind is the index's method.
            TableConstraint::FulltextOrSpatial {
                fulltext,
                opt_index_name,
                columns,
                ..
            } if self.dialect == Dialect::Mysql => {
                let parts = self.index_parts(&columns, None, at)?;
                table.indexes.push(Index {
                    name: classify(
                        self.dialect,
                        &tname,
                        Kind::Index,
                        opt_index_name.map(|n| self.fold(&n)),
                        first_column(&parts),
                    ),
                    unique: false,
                    parts,
                    predicate: None,
                    method: Some(if fulltext { "fulltext" } else { "spatial" }.into()),
                    comment: None,
                    include: Vec::new(),
                    storage: Vec::new(),
                    nulls_not_distinct: false,
                    exclude: None,
                });
            }
            other => {
                return Err(self.err(
                    at.clone(),
                    format!("constraint `{other}` is not supported; remove it"),
                ))
            }
        }
        Ok(())
    }

    fn index_columns_plain(&self, columns: &[IndexColumn], at: &Location) -> Result<Vec<String>> {
        columns
            .iter()
            .map(|c| match &c.column.expr {
                _ if c.operator_class.is_some() => Err(self.err(
                    at.clone(),
                    format!("`{c}`: an operator class belongs on a CREATE INDEX, not on a key constraint"),
                )),
                Expr::Identifier(i) => self.checked(i, at),
                other => Err(self.err(
                    at.clone(),
                    format!("`{other}`: only plain column names are allowed here"),
                )),
            })
            .collect()
    }

    fn index_parts(
        &self,
        columns: &[IndexColumn],
        method: Option<&str>,
        at: &Location,
    ) -> Result<Vec<IndexPart>> {
        columns
            .iter()
            .map(|c| {
                let mut part = match &c.column.expr {
                    Expr::Identifier(i) => IndexPart::column(self.checked(i, at)?),
                    // MySQL prefix index: `name(20)` reads as a call.
                    Expr::Function(f) if self.dialect == Dialect::Mysql => {
                        let text = f.args.to_string();
                        let len = text
                            .trim_matches(|c| c == '(' || c == ')')
                            .trim()
                            .parse::<u32>();
                        match (f.name.0.as_slice(), len) {
                            ([ObjectNamePart::Identifier(i)], Ok(len)) => {
                                let mut p = IndexPart::column(self.checked(i, at)?);
                                p.prefix = Some(len);
                                p
                            }
                            _ => IndexPart {
                                key: IndexKey::Expr(self.expr(&c.column.expr)),
                                descending: false,
                                prefix: None,
                                collation: None,
                                opclass: None,
                            },
                        }
                    }
                    Expr::Collate {
                        expr: inner,
                        collation,
                    } => match inner.as_ref() {
                        Expr::Identifier(i) => {
                            let mut p = IndexPart::column(self.checked(i, at)?);
                            p.collation = Some(self.collation_name(collation));
                            p
                        }
                        _ => IndexPart {
                            key: IndexKey::Expr(self.expr(&c.column.expr)),
                            descending: false,
                            prefix: None,
                            collation: None,
                            opclass: None,
                        },
                    },
                    other => IndexPart {
                        key: IndexKey::Expr(self.expr(other)),
                        descending: false,
                        prefix: None,
                        collation: None,
                        opclass: None,
                    },
                };
                part.descending = c.column.options.asc == Some(false);
                part.opclass = self.opclass(c.operator_class.as_ref(), method, at)?;
                Ok(part)
            })
            .collect()
    }

    fn create_index(&mut self, ci: CreateIndex, at: Location) -> Result<()> {
        let (table_name, tloc) = self.object_name(&ci.table_name, &at)?;
        let method = index_method(ci.using.as_ref().or(option_using(&ci.index_options)));
        let parts = self.index_parts(&ci.columns, method.as_deref(), &at)?;
        let name = match &ci.name {
            Some(n) => Some(self.object_name(n, &at)?.0),
            None if self.dialect == Dialect::Postgres => None,
            None => return Err(self.err(at, "CREATE INDEX needs a name on this engine")),
        };
        if !ci.include.is_empty() {
            self.postgres_only("`INCLUDE (…)` on an index", &at)?;
        }
        let nulls_not_distinct = ci.nulls_distinct == Some(false);
        if nulls_not_distinct {
            self.postgres_only("`NULLS NOT DISTINCT`", &at)?;
        }
        let index = Index {
            name: classify(
                self.dialect,
                &table_name,
                Kind::Index,
                name,
                first_column(&parts),
            ),
            unique: ci.unique,
            parts,
            predicate: ci.predicate.as_ref().map(|p| self.expr(p)),
            method,
            comment: option_comment(&ci.index_options),
            include: self.idents(&ci.include, &at)?,
            storage: self.storage_parameters(&ci.with, &at)?,
            nulls_not_distinct,
            exclude: None,
        };
        let mut table = self.take_table(&table_name, &tloc)?;
        table.indexes.push(index);
        self.out.schema.tables.insert(table_name, table);
        Ok(())
    }
}

/// A marker the token pre-pass put in (a quoted name no schema uses, see `prepass`).
fn is_marker(ident: &Ident, marker: &str) -> bool {
    ident.quote_style.is_some() && ident.value == marker
}

/// The arguments of a call to `marker` (see `prepass`).
fn marker_args<'e>(e: &'e Expr, marker: &str) -> Option<Vec<&'e Expr>> {
    let Expr::Function(f) = e else {
        return None;
    };
    match (f.name.0.as_slice(), &f.args) {
        ([ObjectNamePart::Identifier(i)], FunctionArguments::List(list))
            if is_marker(i, marker) =>
        {
            list.args
                .iter()
                .map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                    _ => None,
                })
                .collect()
        }
        _ => None,
    }
}

/// The expression inside a `NO INHERIT` marker call.
fn no_inherit_marker(e: &Expr) -> Option<&Expr> {
    match marker_args(e, prepass::NO_INHERIT)?.as_slice() {
        [inner] => Some(inner),
        _ => None,
    }
}

/// A string literal argument of a marker call.
fn string_arg(e: &Expr) -> Option<&str> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// An operator as `pg_operator` names it: `OPERATOR(pg_catalog.=)` is `=`.
fn operator_name(op: &str) -> String {
    let inner = match op.get(..9) {
        Some(head) if head.eq_ignore_ascii_case("OPERATOR(") => op[9..].trim_end_matches(')'),
        _ => op,
    };
    inner.rsplit_once('.').map_or(inner, |(_, o)| o).to_string()
}

/// `COMMENT ON CONSTRAINT`: set the comment of the constraint called `name`.
fn constraint_comment(
    table: &mut Table,
    name: &str,
    comment: Option<String>,
) -> std::result::Result<(), String> {
    let slot = if let Some(pk) = table
        .primary_key
        .as_mut()
        .filter(|pk| pk.name.as_str() == name)
    {
        &mut pk.comment
    } else if let Some(u) = table.uniques.iter_mut().find(|u| u.name.as_str() == name) {
        &mut u.comment
    } else if let Some(c) = table.checks.iter_mut().find(|c| c.name.as_str() == name) {
        &mut c.comment
    } else if let Some(fk) = table
        .foreign_keys
        .iter_mut()
        .find(|fk| fk.name.as_str() == name)
    {
        &mut fk.comment
    } else if let Some(i) = table
        .indexes
        .iter_mut()
        .find(|i| i.exclude.is_some() && i.name.as_str() == name)
    {
        &mut i.comment
    } else {
        return Err(format!(
            "table `{}` has no constraint named `{name}` above this comment; name the constraint in its CREATE TABLE",
            table.name
        ));
    };
    *slot = comment;
    Ok(())
}

/// PostgreSQL's default operator classes (every `pg_opclass` with `opcdefault`), sorted: a key
/// that names one of these is the same as a key that names none.
const DEFAULT_OPCLASSES: &[&str] = &[
    "aclitem_ops",
    "array_ops",
    "bit_minmax_ops",
    "bit_ops",
    "bool_ops",
    "box_inclusion_ops",
    "box_ops",
    "bpchar_minmax_ops",
    "bpchar_ops",
    "bytea_minmax_ops",
    "bytea_ops",
    "char_minmax_ops",
    "char_ops",
    "cid_ops",
    "circle_ops",
    "date_minmax_ops",
    "date_ops",
    "enum_ops",
    "float4_minmax_ops",
    "float4_ops",
    "float8_minmax_ops",
    "float8_ops",
    "inet_inclusion_ops",
    "inet_ops",
    "int2_minmax_ops",
    "int2_ops",
    "int4_minmax_ops",
    "int4_ops",
    "int8_minmax_ops",
    "int8_ops",
    "interval_minmax_ops",
    "interval_ops",
    "jsonb_ops",
    "macaddr8_minmax_ops",
    "macaddr8_ops",
    "macaddr_minmax_ops",
    "macaddr_ops",
    "money_ops",
    "multirange_ops",
    "name_minmax_ops",
    "name_ops",
    "numeric_minmax_ops",
    "numeric_ops",
    "oid_minmax_ops",
    "oid_ops",
    "oidvector_ops",
    "pg_lsn_minmax_ops",
    "pg_lsn_ops",
    "point_ops",
    "poly_ops",
    "quad_point_ops",
    "range_inclusion_ops",
    "range_ops",
    "record_ops",
    "text_minmax_ops",
    "text_ops",
    "tid_minmax_ops",
    "tid_ops",
    "time_minmax_ops",
    "time_ops",
    "timestamp_minmax_ops",
    "timestamp_ops",
    "timestamptz_minmax_ops",
    "timestamptz_ops",
    "timetz_minmax_ops",
    "timetz_ops",
    "tsquery_ops",
    "tsvector_ops",
    "uuid_minmax_ops",
    "uuid_ops",
    "varbit_minmax_ops",
    "varbit_ops",
    "xid8_ops",
    "xid_ops",
];

fn first_column(parts: &[IndexPart]) -> Option<&str> {
    match parts.first().map(|p| &p.key) {
        Some(IndexKey::Column(c)) => Some(c),
        _ => None,
    }
}

fn index_method(t: Option<&IndexType>) -> Option<String> {
    let m = t?.to_string().to_lowercase();
    (m != "btree").then_some(m)
}

/// MySQL index options: `USING BTREE|HASH` after the columns, `COMMENT '…'`.
fn option_using(options: &[IndexOption]) -> Option<&IndexType> {
    options.iter().find_map(|o| match o {
        IndexOption::Using(t) => Some(t),
        IndexOption::Comment(_) => None,
    })
}

fn option_comment(options: &[IndexOption]) -> Option<String> {
    options.iter().find_map(|o| match o {
        IndexOption::Comment(c) => Some(c.clone()),
        IndexOption::Using(_) => None,
    })
}

fn is_keyword(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(w) if w.value.eq_ignore_ascii_case(word))
}

fn comment_text(c: &CommentDef) -> String {
    match c {
        CommentDef::WithEq(s) | CommentDef::WithoutEq(s) => s.clone(),
    }
}

fn action(a: Option<ReferentialAction>) -> FkAction {
    match a {
        None | Some(ReferentialAction::NoAction) => FkAction::NoAction,
        Some(ReferentialAction::Restrict) => FkAction::Restrict,
        Some(ReferentialAction::Cascade) => FkAction::Cascade,
        Some(ReferentialAction::SetNull) => FkAction::SetNull,
        Some(ReferentialAction::SetDefault) => FkAction::SetDefault,
    }
}

fn deferrable(c: Option<&ConstraintCharacteristics>) -> Deferrable {
    match c {
        Some(c) if c.deferrable == Some(true) => match c.initially {
            Some(DeferrableInitial::Deferred) => Deferrable::InitiallyDeferred,
            _ => Deferrable::InitiallyImmediate,
        },
        Some(c) if c.initially == Some(DeferrableInitial::Deferred) => {
            Deferrable::InitiallyDeferred
        }
        _ => Deferrable::NotDeferrable,
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

/// Complete a merged desired schema (or a live one) for `dialect`: resolve foreign keys that
/// name no columns, apply the engine's implicit rules, and sort constraint lists.
pub fn finish(dialect: Dialect, schema: &mut Schema) {
    let pks: BTreeMap<String, Vec<String>> = schema
        .tables
        .iter()
        .filter_map(|(n, t)| Some((n.clone(), t.primary_key.as_ref()?.columns.clone())))
        .collect();
    for table in schema.tables.values_mut() {
        for fk in &mut table.foreign_keys {
            if fk.ref_columns.is_empty() {
                if let Some(pk) = pks.get(&fk.ref_table) {
                    fk.ref_columns = pk.clone();
                }
            }
        }
        if dialect != Dialect::Sqlite {
            // Primary key columns are NOT NULL on PostgreSQL and MySQL, said or not.
            if let Some(pk) = &table.primary_key {
                for c in &pk.columns {
                    if let Some(col) = table.columns.iter_mut().find(|x| &x.name == c) {
                        col.nullable = false;
                    }
                }
            }
        }
        table.normalize_order();
    }
    if dialect == Dialect::Mysql {
        super::mysql::finish(schema);
    }
    if dialect == Dialect::Sqlite {
        super::sqlite::finish(schema);
    }
    if dialect == Dialect::Postgres {
        super::postgres::finish(schema);
    }
}
