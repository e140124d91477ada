//! Keys, checks and foreign keys.

use sqlparser::ast::{
    ConstraintCharacteristics, DeferrableInitial, Expr, FunctionArg, FunctionArgExpr,
    FunctionArguments, Ident, IndexColumn, NullsDistinctOption, ObjectName, ObjectNamePart,
    ReferentialAction, TableConstraint, Value,
};

use super::indexes::{index_method, option_comment, option_using};
use super::Lowering;
use crate::engine::postgres::prepass;
use crate::error::{Location, Result};
use crate::model::{
    Check, Deferrable, Dialect, FkAction, ForeignKey, Index, IndexKey, IndexPart, PrimaryKey,
    Table, Unique,
};
use crate::normalize::names::{classify, Kind};
use crate::sql::Reference;

impl<'a> Lowering<'a> {
    /// `DEFERRABLE` on a primary key or unique constraint (PostgreSQL only).
    pub(super) fn key_deferrable(
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
    pub(super) fn check(
        &self,
        table: &str,
        e: &Expr,
        name: Option<String>,
        column: Option<&str>,
        at: &Location,
    ) -> Result<Check> {
        let (e, no_inherit) = match no_inherit_marker(e) {
            Some(inner) => (inner, true),
            None => (e, false),
        };
        Ok(Check {
            not_valid: false,
            expr: self.expr(e, at)?,
            name: classify(self.dialect, table, Kind::Check, name, column),
            no_inherit,
            comment: None,
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn foreign_key(
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
        let (ref_table, rloc) = self.qualified_name(foreign_table, at)?;
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
            columns: ref_columns.clone(),
            location: rloc,
        });
        let first = columns.first().cloned();
        Ok(ForeignKey {
            not_valid: false,
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

    /// PostgreSQL `… KEY USING INDEX i` (marked by the prepass, see `prepass::USING_INDEX`): the
    /// unique index `i` of this table becomes the key, of its columns; the key takes the index's
    /// name unless it has one (PostgreSQL renames the index). `None`: a plain column list.
    fn key_from_index(
        &self,
        table: &mut Table,
        columns: &[IndexColumn],
        name: &mut Option<String>,
        at: &Location,
    ) -> Result<Option<Vec<String>>> {
        let [marker, index] = columns else {
            return Ok(None);
        };
        let (Expr::Identifier(m), Expr::Identifier(index)) =
            (&marker.column.expr, &index.column.expr)
        else {
            return Ok(None);
        };
        if m.quote_style.is_none() || m.value != prepass::USING_INDEX {
            return Ok(None);
        }
        let index_name = self.checked(index, at)?;
        let Some(found) = table
            .indexes
            .iter()
            .position(|i| i.name.as_str() == index_name)
        else {
            return Err(self.err_help(
                at.clone(),
                format!("`USING INDEX {index_name}`: `{}` has no index `{index_name}` defined above", table.name),
                "CREATE the unique index before the constraint that uses it, or write the key's columns",
            ));
        };
        let idx = &table.indexes[found];
        let plain = idx.unique
            && idx.predicate.is_none()
            && idx.method.is_none()
            && idx.include.is_empty()
            && idx.parts.iter().all(|p| {
                matches!(p.key, IndexKey::Column(_))
                    && !p.descending
                    && p.collation.is_none()
                    && p.opclass.is_none()
            });
        if !plain {
            return Err(self.err_help(
                at.clone(),
                format!("`USING INDEX {index_name}`: a key can use only a plain unique index of columns"),
                "make the index UNIQUE over plain columns in their default order, or write the key's columns",
            ));
        }
        let idx = table.indexes.remove(found);
        let columns = idx
            .parts
            .into_iter()
            .filter_map(|p| match p.key {
                IndexKey::Column(c) => Some(c),
                IndexKey::Expr(_) => None,
            })
            .collect();
        if name.is_none() {
            *name = Some(index_name);
        }
        Ok(Some(columns))
    }

    pub(super) fn table_constraint(
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
                let mut name = name.map(|n| self.checked(&n, at)).transpose()?;
                let columns = match self.key_from_index(table, &columns, &mut name, at)? {
                    Some(columns) => columns,
                    None => self.index_columns_plain(&columns, at)?,
                };
                table.primary_key = Some(PrimaryKey {
                    name: classify(self.dialect, &tname, Kind::PrimaryKey, name, None),
                    columns,
                    deferrable: self.key_deferrable(characteristics.as_ref(), at)?,
                    comment: None,
                });
            }
            // MySQL: a unique constraint is a unique index, and may carry what an index
            // carries (prefixes, order, USING, COMMENT); `engine::mysql::normalize` turns plain ones back
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
                let name = name
                    .or(index_name)
                    .map(|n| self.checked(&n, at))
                    .transpose()?;
                table.indexes.push(Index {
                    unique: true,
                    method,
                    comment: option_comment(&index_options),
                    ..Index::new(
                        classify(
                            self.dialect,
                            &tname,
                            Kind::Index,
                            name,
                            IndexPart::leading_column(&parts),
                        ),
                        parts,
                    )
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
                let mut name = name
                    .or(index_name)
                    .map(|n| self.checked(&n, at))
                    .transpose()?;
                let columns = match self.key_from_index(table, &columns, &mut name, at)? {
                    Some(columns) => columns,
                    None => self.index_columns_plain(&columns, at)?,
                };
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
                    name.map(|n| self.checked(&n, at)).transpose()?,
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
                let name = name.map(|n| self.checked(&n, at)).transpose()?;
                // `EXCLUDE` arrives as a marked check (see `prepass`).
                match marker_args(&expr, prepass::EXCLUDE) {
                    Some(args) => {
                        let index = self.exclusion(&tname, name, &args, at)?;
                        table.indexes.push(index);
                    }
                    None => {
                        let check = self.check(&tname, &expr, name, None, at)?;
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
                    method,
                    comment: option_comment(&index_options),
                    ..Index::new(
                        classify(
                            self.dialect,
                            &tname,
                            Kind::Index,
                            name.map(|n| self.checked(&n, at)).transpose()?,
                            IndexPart::leading_column(&parts),
                        ),
                        parts,
                    )
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
                    method: Some(if fulltext { "fulltext" } else { "spatial" }.into()),
                    ..Index::new(
                        classify(
                            self.dialect,
                            &tname,
                            Kind::Index,
                            opt_index_name.map(|n| self.checked(&n, at)).transpose()?,
                            IndexPart::leading_column(&parts),
                        ),
                        parts,
                    )
                });
            }
            other => {
                return Err(self.err_help(
                    at.clone(),
                    format!("constraint `{other}` is not supported"),
                    "remove it",
                ))
            }
        }
        Ok(())
    }
}

/// A marker the token pre-pass put in (a quoted name no schema uses, see `prepass`).
pub(super) fn is_marker(ident: &Ident, marker: &str) -> bool {
    ident.quote_style.is_some() && ident.value == marker
}

/// The arguments of a call to `marker` (see `prepass`).
pub(super) fn marker_args<'e>(e: &'e Expr, marker: &str) -> Option<Vec<&'e Expr>> {
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
pub(super) fn no_inherit_marker(e: &Expr) -> Option<&Expr> {
    match marker_args(e, prepass::NO_INHERIT)?.as_slice() {
        [inner] => Some(inner),
        _ => None,
    }
}

/// A string literal argument of a marker call.
pub(super) fn string_arg(e: &Expr) -> Option<&str> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// `COMMENT ON CONSTRAINT`: set the comment of the constraint called `name`. `Err` says what
/// is wrong, and how to fix it.
pub(super) fn constraint_comment(
    table: &mut Table,
    name: &str,
    comment: Option<String>,
) -> std::result::Result<(), (String, &'static str)> {
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
        return Err((
            format!(
                "table `{}` has no constraint named `{name}` above this comment",
                table.name
            ),
            "name the constraint in its CREATE TABLE",
        ));
    };
    *slot = comment;
    Ok(())
}

pub(super) fn action(a: Option<ReferentialAction>) -> FkAction {
    match a {
        None | Some(ReferentialAction::NoAction) => FkAction::NoAction,
        Some(ReferentialAction::Restrict) => FkAction::Restrict,
        Some(ReferentialAction::Cascade) => FkAction::Cascade,
        Some(ReferentialAction::SetNull) => FkAction::SetNull,
        Some(ReferentialAction::SetDefault) => FkAction::SetDefault,
    }
}

pub(super) fn deferrable(c: Option<&ConstraintCharacteristics>) -> Deferrable {
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
