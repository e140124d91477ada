//! Indexes and exclusion constraints: key parts, operator classes, storage parameters.

use sqlparser::ast::{
    BinaryOperator, CreateIndex, Expr, Ident, IndexColumn, IndexOption, IndexType, ObjectNamePart,
    OrderByExpr, OrderByOptions, Value,
};

use super::constraints::{marker_args, string_arg};
use super::Lowering;
use crate::engine::postgres::prepass;
use crate::error::{Location, Result};
use crate::model::{Deferrable, Dialect, Exclusion, Index, IndexKey, IndexPart};
use crate::normalize::expr;
use crate::normalize::names::{classify, Kind};

impl<'a> Lowering<'a> {
    /// An `EXCLUDE` constraint, from the arguments of its marker call (see `prepass`): the
    /// index behind it, with one operator per part.
    pub(super) fn exclusion(
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
            p => Some(self.expr(p, at)?),
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
            let operator = operator_name(string_arg(operator).ok_or_else(bad)?);
            expr::operator_symbol(&operator).map_err(|m| self.err(at.clone(), m))?;
            operators.push(operator);
        }
        let parts = self.index_parts(&columns, method.as_deref(), at)?;
        Ok(Index {
            predicate,
            method,
            exclude: Some(Exclusion {
                operators,
                deferrable,
            }),
            ..Index::new(
                classify(
                    self.dialect,
                    table,
                    Kind::Index,
                    name,
                    IndexPart::leading_column(&parts),
                ),
                parts,
            )
        })
    }

    /// An operator class on an index key, `None` when it is the default one (PostgreSQL's
    /// catalog then does not spell it either).
    pub(super) fn opclass(
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
    pub(super) fn storage_parameters(
        &self,
        with: &[Expr],
        at: &Location,
    ) -> Result<Vec<(String, String)>> {
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

    pub(super) fn index_columns_plain(
        &self,
        columns: &[IndexColumn],
        at: &Location,
    ) -> Result<Vec<String>> {
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

    pub(super) fn index_parts(
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
                                key: IndexKey::Expr(self.expr(&c.column.expr, at)?),
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
                            key: IndexKey::Expr(self.expr(&c.column.expr, at)?),
                            descending: false,
                            prefix: None,
                            collation: None,
                            opclass: None,
                        },
                    },
                    other => IndexPart {
                        key: IndexKey::Expr(self.expr(other, at)?),
                        descending: false,
                        prefix: None,
                        collation: None,
                        opclass: None,
                    },
                };
                if c.column.options.nulls_first.is_some() {
                    return Err(self.err_help(
                        at.clone(),
                        "`NULLS FIRST` / `NULLS LAST` on an index key is not supported",
                        "remove it",
                    ));
                }
                part.descending = c.column.options.asc == Some(false);
                part.opclass = self.opclass(c.operator_class.as_ref(), method, at)?;
                Ok(part)
            })
            .collect()
    }

    pub(super) fn create_index(&mut self, ci: CreateIndex, at: Location) -> Result<()> {
        let (table_name, tloc) = self.qualified_name(&ci.table_name, &at)?;
        let method = index_method(ci.using.as_ref().or(option_using(&ci.index_options)));
        let parts = self.index_parts(&ci.columns, method.as_deref(), &at)?;
        let name = match &ci.name {
            Some(n) => Some(self.object_name(n, &at)?.0),
            None if self.dialect == Dialect::Postgres => None,
            None => {
                return Err(self.err(
                    at,
                    format!(
                        "CREATE INDEX needs a name on {}: write `CREATE INDEX name ON …`",
                        self.dialect.product()
                    ),
                ))
            }
        };
        if let Some(first) = ci.include.first() {
            self.postgres_only("`INCLUDE (…)` on an index", &self.ident_loc(first, &at))?;
        }
        if let (Some(p), Dialect::Mysql) = (&ci.predicate, self.dialect) {
            let span = sqlparser::ast::Spanned::span(p);
            let where_at = if span.start.line == 0 {
                at.clone()
            } else {
                crate::sql::loc(self.path, span)
            };
            return Err(self.err(
                where_at,
                "a partial index (`CREATE INDEX … WHERE`) is not supported by MySQL/MariaDB: remove the WHERE clause",
            ));
        }
        let nulls_not_distinct = ci.nulls_distinct == Some(false);
        if nulls_not_distinct {
            self.postgres_only("`NULLS NOT DISTINCT`", &at)?;
        }
        let index = Index {
            unique: ci.unique,
            predicate: ci
                .predicate
                .as_ref()
                .map(|p| self.expr(p, &at))
                .transpose()?,
            method,
            comment: option_comment(&ci.index_options),
            include: self.idents(&ci.include, &at)?,
            storage: self.storage_parameters(&ci.with, &at)?,
            nulls_not_distinct,
            ..Index::new(
                classify(
                    self.dialect,
                    &table_name,
                    Kind::Index,
                    name,
                    IndexPart::leading_column(&parts),
                ),
                parts,
            )
        };
        if let Some(n) = index.name.given() {
            let at = match &ci.name {
                Some(name) => name
                    .0
                    .last()
                    .and_then(ObjectNamePart::as_ident)
                    .map_or_else(|| at.clone(), |i| self.ident_loc(i, &at)),
                None => at.clone(),
            };
            self.out
                .indexes
                .push((table_name.clone(), n.to_string(), at));
        }
        if let Some(view) = self.out.schema.views.get_mut(&table_name) {
            if !view.materialized || self.dialect != Dialect::Postgres {
                return Err(self.err_help(
                    tloc,
                    format!("view `{table_name}` cannot be indexed: it stores no rows"),
                    "index the tables it reads, or make it a PostgreSQL MATERIALIZED VIEW",
                ));
            }
            if view
                .indexes
                .iter()
                .any(|i| i.name.as_str() == index.name.as_str())
            {
                let name = index.name.as_str().to_string();
                return Err(self.err_help(
                    at,
                    format!("index `{name}` of view `{table_name}` is defined twice"),
                    "keep one CREATE INDEX",
                ));
            }
            view.indexes.push(index);
            view.indexes
                .sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
            return Ok(());
        }
        let mut table = self.take_table(&table_name, &tloc)?;
        table.indexes.push(index);
        if let Err(e) = self.check_table(&table, &at) {
            self.out.schema.tables.insert(table_name, table);
            return Err(e);
        }
        self.out.schema.tables.insert(table_name, table);
        Ok(())
    }
}

/// PostgreSQL's default operator classes (every `pg_opclass` with `opcdefault`), sorted: a key
/// that names one of these is the same as a key that names none.
pub(super) const DEFAULT_OPCLASSES: &[&str] = &[
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

pub(super) fn index_method(t: Option<&IndexType>) -> Option<String> {
    let m = t?.to_string().to_lowercase();
    (m != "btree").then_some(m)
}

/// MySQL index options: `USING BTREE|HASH` after the columns, `COMMENT '…'`.
pub(super) fn option_using(options: &[IndexOption]) -> Option<&IndexType> {
    options.iter().find_map(|o| match o {
        IndexOption::Using(t) => Some(t),
        IndexOption::Comment(_) => None,
    })
}

pub(super) fn option_comment(options: &[IndexOption]) -> Option<String> {
    options.iter().find_map(|o| match o {
        IndexOption::Comment(c) => Some(c.clone()),
        IndexOption::Using(_) => None,
    })
}

/// An operator as `pg_operator` names it: `OPERATOR(pg_catalog.=)` is `=`.
pub(super) fn operator_name(op: &str) -> String {
    let inner = match op.get(..9) {
        Some(head) if head.eq_ignore_ascii_case("OPERATOR(") => op[9..].trim_end_matches(')'),
        _ => op,
    };
    inner.rsplit_once('.').map_or(inner, |(_, o)| o).to_string()
}
