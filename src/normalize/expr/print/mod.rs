//! Expressions written out as SQL of one engine, from their parsed form: every identifier goes
//! through the engine's quoting and every literal through its string rules (`crate::quote`),
//! and only the forms listed here are written at all — anything else is an error naming it.
//!
//! This is what makes a schema file's expressions inert: the text plinth executes is built from
//! the tree, never copied from the user's file, so a name or a value cannot close its quotes,
//! open a comment or end the statement.

use sqlparser::ast::{AccessExpr, Array, CaseWhen, CastKind, Expr, Subscript};

use crate::model::Dialect;
use crate::quote;

mod forms;

pub(crate) use forms::{check_type_text, operator_symbol};
use forms::{datetime_field, kind_of, type_text};

/// `e` as SQL of `dialect`, or what in it cannot be written.
pub(crate) fn print(dialect: Dialect, e: &Expr) -> Result<String, String> {
    let mut p = Printer {
        dialect,
        out: String::new(),
    };
    p.expr(e)?;
    Ok(p.out)
}

type Out = Result<(), String>;

/// MySQL functions that may be called without parentheses and that sqlparser reads as names.
const MYSQL_NILADIC: &[&str] = &["UTC_DATE", "UTC_TIME", "UTC_TIMESTAMP", "CURRENT_USER"];

struct Printer {
    dialect: Dialect,
    out: String,
}

fn unsupported(what: &str) -> String {
    format!("{what} is not supported in a schema expression")
}

impl Printer {
    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn list(&mut self, items: &[Expr]) -> Out {
        for (k, e) in items.iter().enumerate() {
            if k > 0 {
                self.push(", ");
            }
            self.expr(e)?;
        }
        Ok(())
    }

    fn not(&mut self, negated: bool) {
        if negated {
            self.push("NOT ");
        }
    }

    fn expr(&mut self, e: &Expr) -> Out {
        match e {
            Expr::Identifier(i) => {
                let text = self.column(i);
                self.push(&text);
            }
            Expr::CompoundIdentifier(parts) => {
                for (k, i) in parts.iter().enumerate() {
                    if k > 0 {
                        self.push(".");
                    }
                    let text = self.column(i);
                    self.push(&text);
                }
            }
            Expr::Value(v) => self.value(&v.value)?,
            Expr::Nested(inner) => {
                self.push("(");
                self.expr(inner)?;
                self.push(")");
            }
            Expr::BinaryOp { left, op, right } => {
                self.expr(left)?;
                self.push(" ");
                let op = self.binary_operator(op)?;
                self.push(&op);
                self.push(" ");
                self.expr(right)?;
            }
            Expr::UnaryOp { op, expr } => self.unary(op, expr)?,
            Expr::IsNull(x) => self.postfix(x, " IS NULL")?,
            Expr::IsNotNull(x) => self.postfix(x, " IS NOT NULL")?,
            Expr::IsTrue(x) => self.postfix(x, " IS TRUE")?,
            Expr::IsNotTrue(x) => self.postfix(x, " IS NOT TRUE")?,
            Expr::IsFalse(x) => self.postfix(x, " IS FALSE")?,
            Expr::IsNotFalse(x) => self.postfix(x, " IS NOT FALSE")?,
            Expr::IsUnknown(x) => self.postfix(x, " IS UNKNOWN")?,
            Expr::IsNotUnknown(x) => self.postfix(x, " IS NOT UNKNOWN")?,
            Expr::IsDistinctFrom(a, b) => {
                self.expr(a)?;
                self.push(" IS DISTINCT FROM ");
                self.expr(b)?;
            }
            Expr::IsNotDistinctFrom(a, b) => {
                self.expr(a)?;
                self.push(" IS NOT DISTINCT FROM ");
                self.expr(b)?;
            }
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                self.expr(expr)?;
                self.push(" ");
                self.not(*negated);
                self.push("IN (");
                self.list(list)?;
                self.push(")");
            }
            Expr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                self.expr(expr)?;
                self.push(" ");
                self.not(*negated);
                self.push("BETWEEN ");
                self.expr(low)?;
                self.push(" AND ");
                self.expr(high)?;
            }
            Expr::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char,
            } => self.like(expr, *negated, "LIKE", pattern, escape_char.as_ref())?,
            Expr::ILike {
                negated,
                any: false,
                expr,
                pattern,
                escape_char,
            } => self.like(expr, *negated, "ILIKE", pattern, escape_char.as_ref())?,
            Expr::SimilarTo {
                negated,
                expr,
                pattern,
                escape_char,
            } => self.like(expr, *negated, "SIMILAR TO", pattern, escape_char.as_ref())?,
            Expr::RLike {
                negated,
                expr,
                pattern,
                regexp,
            } => {
                let word = if *regexp { "REGEXP" } else { "RLIKE" };
                self.like(expr, *negated, word, pattern, None)?
            }
            Expr::AnyOp {
                left,
                compare_op,
                right,
                is_some,
            } => {
                let word = if *is_some { "SOME" } else { "ANY" };
                self.quantified(left, compare_op, word, right)?
            }
            Expr::AllOp {
                left,
                compare_op,
                right,
            } => self.quantified(left, compare_op, "ALL", right)?,
            Expr::Cast {
                kind,
                expr,
                data_type,
                format: None,
            } => {
                let ty = type_text(self.dialect, data_type)?;
                match kind {
                    CastKind::Cast => {
                        self.push("CAST(");
                        self.expr(expr)?;
                        self.push(" AS ");
                        self.push(&ty);
                        self.push(")");
                    }
                    CastKind::DoubleColon => {
                        self.expr(expr)?;
                        self.push("::");
                        self.push(&ty);
                    }
                    CastKind::TryCast | CastKind::SafeCast => {
                        return Err(unsupported("TRY_CAST / SAFE_CAST"))
                    }
                }
            }
            Expr::Convert {
                is_try: false,
                expr,
                data_type,
                charset,
                target_before_value: false,
                styles,
            } if styles.is_empty() => {
                self.push("CONVERT(");
                self.expr(expr)?;
                match (data_type, charset) {
                    (Some(ty), None) => {
                        self.push(", ");
                        let ty = type_text(self.dialect, ty)?;
                        self.push(&ty);
                    }
                    (None, Some(cs)) => {
                        self.push(" USING ");
                        let cs = self.object_name(cs)?;
                        self.push(&cs);
                    }
                    _ => return Err(unsupported("this form of CONVERT")),
                }
                self.push(")");
            }
            Expr::AtTimeZone {
                timestamp,
                time_zone,
            } => {
                self.expr(timestamp)?;
                self.push(" AT TIME ZONE ");
                self.expr(time_zone)?;
            }
            Expr::Extract { field, expr, .. } => {
                self.push("EXTRACT(");
                let field = datetime_field(field)?;
                self.push(&field);
                self.push(" FROM ");
                self.expr(expr)?;
                self.push(")");
            }
            Expr::Ceil { expr, field } => self.ceil_floor("CEIL", expr, field)?,
            Expr::Floor { expr, field } => self.ceil_floor("FLOOR", expr, field)?,
            Expr::Position { expr, r#in } => {
                self.push("POSITION(");
                self.expr(expr)?;
                self.push(" IN ");
                self.expr(r#in)?;
                self.push(")");
            }
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                special,
                shorthand,
            } => {
                self.push(if *shorthand { "SUBSTR(" } else { "SUBSTRING(" });
                self.expr(expr)?;
                let (from, r#for) = if *special {
                    (", ", ", ")
                } else {
                    (" FROM ", " FOR ")
                };
                if let Some(x) = substring_from {
                    self.push(from);
                    self.expr(x)?;
                }
                if let Some(x) = substring_for {
                    self.push(r#for);
                    self.expr(x)?;
                }
                self.push(")");
            }
            Expr::Trim {
                expr,
                trim_where,
                trim_what,
                trim_characters,
            } => {
                self.push("TRIM(");
                if let Some(w) = trim_where {
                    // BOTH, LEADING or TRAILING: keywords of sqlparser's own.
                    self.push(&w.to_string());
                    self.push(" ");
                }
                if let Some(what) = trim_what {
                    self.expr(what)?;
                    self.push(" FROM ");
                }
                self.expr(expr)?;
                if let Some(chars) = trim_characters {
                    self.push(", ");
                    self.list(chars)?;
                }
                self.push(")");
            }
            Expr::Overlay {
                expr,
                overlay_what,
                overlay_from,
                overlay_for,
            } => {
                self.push("OVERLAY(");
                self.expr(expr)?;
                self.push(" PLACING ");
                self.expr(overlay_what)?;
                self.push(" FROM ");
                self.expr(overlay_from)?;
                if let Some(x) = overlay_for {
                    self.push(" FOR ");
                    self.expr(x)?;
                }
                self.push(")");
            }
            Expr::Collate { expr, collation } => {
                self.expr(expr)?;
                self.push(" COLLATE ");
                let name = self.collation(collation)?;
                self.push(&name);
            }
            Expr::Prefixed { prefix, value } => {
                // A MySQL character set introducer: `_utf8mb4'x'`.
                if prefix.quote_style.is_some() || !quote::is_word(&prefix.value) {
                    return Err(unsupported("this prefix"));
                }
                self.push(&prefix.value);
                self.push(" ");
                self.expr(value)?;
            }
            Expr::TypedString(ts) if !ts.uses_odbc_syntax => {
                let ty = type_text(self.dialect, &ts.data_type)?;
                self.push(&ty);
                self.push(" ");
                self.value(&ts.value.value)?;
            }
            Expr::Function(f) => self.function(f)?,
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                self.push("CASE");
                if let Some(x) = operand {
                    self.push(" ");
                    self.expr(x)?;
                }
                for CaseWhen { condition, result } in conditions {
                    self.push(" WHEN ");
                    self.expr(condition)?;
                    self.push(" THEN ");
                    self.expr(result)?;
                }
                if let Some(x) = else_result {
                    self.push(" ELSE ");
                    self.expr(x)?;
                }
                self.push(" END");
            }
            Expr::Tuple(items) => {
                // PostgreSQL stores a row as `ROW(…)`, which reads back as the same tree.
                self.push(if self.dialect == Dialect::Postgres {
                    "ROW("
                } else {
                    "("
                });
                self.list(items)?;
                self.push(")");
            }
            Expr::Array(Array { elem, named }) => {
                self.push(if *named { "ARRAY[" } else { "[" });
                self.list(elem)?;
                self.push("]");
            }
            Expr::Interval(i) => self.interval(i)?,
            Expr::CompoundFieldAccess { root, access_chain } => {
                self.expr(root)?;
                for access in access_chain {
                    match access {
                        AccessExpr::Subscript(Subscript::Index { index }) => {
                            self.push("[");
                            self.expr(index)?;
                            self.push("]");
                        }
                        AccessExpr::Subscript(Subscript::Slice {
                            lower_bound,
                            upper_bound,
                            stride: None,
                        }) => {
                            self.push("[");
                            if let Some(x) = lower_bound {
                                self.expr(x)?;
                            }
                            self.push(":");
                            if let Some(x) = upper_bound {
                                self.expr(x)?;
                            }
                            self.push("]");
                        }
                        _ => return Err(unsupported("this field access")),
                    }
                }
            }
            Expr::InSubquery { .. } | Expr::Exists { .. } | Expr::Subquery(_) => {
                return Err(unsupported("a subquery"))
            }
            other => return Err(unsupported(&format!("`{}`", kind_of(other)))),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
