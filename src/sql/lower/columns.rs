//! Column definitions: types, nullability, defaults, identity, generated columns.

use sqlparser::ast::{
    ColumnDef, ColumnOption, Expr, GeneratedAs, GeneratedExpressionMode,
    SequenceOptions as AstSeqOption,
};

use super::{column_name_problem, has_column, is_keyword, Lowering};
use crate::error::{Location, Result};
use crate::model::{
    Column, ColumnType, Dialect, Generated, Identity, PrimaryKey, SequenceOptions, SerialSequence,
    Table, Unique,
};
use crate::normalize::names::{classify, Kind};
use crate::normalize::{expr, types};

impl<'a> Lowering<'a> {
    pub(super) fn column(
        &mut self,
        table: &mut Table,
        def: &ColumnDef,
        at: &Location,
    ) -> Result<()> {
        let name = self.checked(&def.name, at)?;
        let cloc = self.ident_loc(&def.name, at);
        if let Some(problem) = column_name_problem(self.dialect, &name) {
            return Err(problem.at(cloc));
        }
        if has_column(self.dialect, table, &name) {
            return Err(self.err(
                cloc,
                format!("column `{name}` is defined twice in `{}`", table.name),
            ));
        }
        let places = &mut self.out.places;
        places
            .columns
            .insert((table.name.clone(), name.clone()), cloc.clone());
        if def.name.quote_style.is_none() {
            places.bare.push((name.clone(), cloc.clone()));
        }
        let normalized = types::normalize(self.dialect, &def.data_type);
        expr::check_type_text(self.dialect, &normalized.ty)
            .map_err(|message| self.err(cloc.clone(), message))?;
        let mut column = Column::new(name.clone(), ColumnType::new(self.dialect, normalized.ty));
        if normalized.serial {
            let sequence = SerialSequence::new(column.ty.as_str());
            column.identity = Some(Identity::Serial(Box::new(sequence)));
            column.nullable = false;
        }
        let mut primary = false;
        for option in &def.options {
            let cname = option
                .name
                .as_ref()
                .map(|n| self.checked(n, &cloc))
                .transpose()?;
            match &option.option {
                ColumnOption::Null => column.nullable = true,
                ColumnOption::NotNull => column.nullable = false,
                ColumnOption::Default(e) => column.default = Some(self.expr(e, &cloc)?),
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
                    let check = self.check(&table.name, e, cname, Some(&name), &cloc)?;
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
                        column.generated = Some(Box::new(Generated {
                            expr: self.expr(e, &cloc)?,
                            stored: matches!(
                                generation_expr_mode,
                                Some(GeneratedExpressionMode::Stored)
                            ) || matches!(generated_as, GeneratedAs::ExpStored),
                        }))
                    }
                    None => {
                        let opts =
                            self.sequence_options(sequence_options.as_deref().unwrap_or(&[]));
                        column.identity = Some(match generated_as {
                            GeneratedAs::Always => Identity::Always(Box::new(opts)),
                            _ => Identity::ByDefault(Box::new(opts)),
                        });
                    }
                },
                ColumnOption::Comment(c) => column.comment = Some(c.clone()),
                ColumnOption::Collation(c) => column.collation = Some(self.collation_name(c)),
                ColumnOption::CharacterSet(_) if self.dialect == Dialect::Mysql => {}
                ColumnOption::OnUpdate(e) => {
                    column.on_update = Some(Box::new(self.expr(e, &cloc)?))
                }
                other => {
                    return Err(self.err_help(
                        cloc,
                        format!(
                            "column option `{other}` on `{}`.`{name}` is not supported",
                            table.name
                        ),
                        "remove it",
                    ))
                }
            }
        }
        self.serial_from_dump(&table.name, &mut column);
        self.portable_identity(&mut column, primary);
        table.columns.push(column);
        Ok(())
    }

    /// PostgreSQL: `DEFAULT nextval('t_id_seq'::regclass)` on `t.id`, as `pg_dump` writes a
    /// serial column (the sequence a serial gets, in the default schema), is that serial.
    fn serial_from_dump(&self, table: &str, column: &mut Column) {
        if self.dialect != Dialect::Postgres || column.identity.is_some() {
            return;
        }
        let sequence = format!("{table}_{}_seq", column.name);
        let called = column
            .default
            .as_ref()
            .and_then(|d| crate::engine::postgres::expr::nextval_argument(d.text()));
        let sequence = crate::model::shown(&sequence);
        let is_serial =
            called.is_some_and(|arg| arg.strip_prefix("public.").unwrap_or(&arg) == sequence);
        if is_serial && matches!(column.ty.as_str(), "integer" | "bigint" | "smallint") {
            column.default = None;
            column.nullable = false;
            let sequence = SerialSequence::new(column.ty.as_str());
            column.identity = Some(Identity::Serial(Box::new(sequence)));
        }
    }

    /// Translate the standard identity spelling (and `serial`) into the engine's own.
    pub(super) fn portable_identity(&self, column: &mut Column, primary: bool) {
        match (self.dialect, &column.identity) {
            (
                Dialect::Mysql,
                Some(Identity::Always(_) | Identity::ByDefault(_) | Identity::Serial(_)),
            ) => {
                column.identity = Some(Identity::AutoIncrement);
            }
            (Dialect::Postgres, Some(Identity::AutoIncrement)) => {
                column.identity = Some(Identity::ByDefault(Box::default()));
            }
            // SQLite numbers an `INTEGER PRIMARY KEY` (the rowid) by itself.
            (
                Dialect::Sqlite,
                Some(Identity::Always(_) | Identity::ByDefault(_) | Identity::Serial(_)),
            ) if primary => {
                column.identity = None;
                column.ty = ColumnType::new(Dialect::Sqlite, "INTEGER");
            }
            (
                Dialect::Sqlite,
                Some(Identity::Always(_) | Identity::ByDefault(_) | Identity::Serial(_)),
            ) => {
                column.identity = None;
            }
            _ => {}
        }
        if column.identity.is_some() && self.dialect != Dialect::Sqlite {
            column.nullable = false;
        }
    }

    pub(super) fn sequence_options(&self, options: &[AstSeqOption]) -> SequenceOptions {
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
}
