//! Expressions (defaults, checks, index predicates) reduced to one canonical text per dialect.
//!
//! Both sides go through here: what the user wrote and what the catalog gives back
//! (`pg_get_expr`, `COLUMN_DEFAULT`, `pragma_table_info.dflt_value`). The canonical form has no
//! redundant parentheses (every compound operand is parenthesized exactly once), unquoted
//! identifiers folded, function names in lower case, `now()` spelled `CURRENT_TIMESTAMP`, and
//! the casts an engine adds to literals removed.

use std::ops::ControlFlow;

use sqlparser::ast::{
    visit_expressions_mut, BinaryOperator, CastKind, DataType, Expr, FunctionArguments, Ident,
    ObjectName, ObjectNamePart, UnaryOperator, Value, ValueWithSpan,
};
use sqlparser::parser::Parser;

use crate::model::Dialect;
use crate::sql::parser_dialect;

/// Canonical text of an expression the user wrote.
pub fn canonical(dialect: Dialect, expr: &Expr) -> String {
    let mut expr = expr.clone();
    normalize(dialect, &mut expr);
    expr.to_string()
}

/// Canonical text of an expression read back from a catalog.
pub fn canonical_text(dialect: Dialect, text: &str) -> Result<String, String> {
    let parser_dialect = parser_dialect(dialect);
    let expr = Parser::new(parser_dialect.as_ref())
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| format!("cannot read expression `{text}`: {e}"))?;
    Ok(canonical(dialect, &expr))
}

fn normalize(dialect: Dialect, expr: &mut Expr) {
    let _ = visit_expressions_mut(expr, |e| {
        rewrite(dialect, e);
        ControlFlow::<()>::Continue(())
    });
}

/// One bottom-up step: children are already canonical.
fn rewrite(dialect: Dialect, e: &mut Expr) {
    // Parentheses carry no meaning in the tree: drop them, then add exactly the ones needed.
    while let Expr::Nested(inner) = e {
        *e = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
    }
    match e {
        Expr::Identifier(ident) => fold_ident(dialect, ident),
        Expr::CompoundIdentifier(parts) => {
            parts.iter_mut().for_each(|p| fold_ident(dialect, p));
            // `t.col` inside a table's own check or index means `col`.
            if parts.len() > 1 {
                if let Some(last) = parts.pop() {
                    *e = Expr::Identifier(last);
                }
            }
        }
        Expr::Function(func) => {
            lower_name(&mut func.name);
            let name = func.name.to_string();
            let no_args = match &func.args {
                FunctionArguments::None => true,
                FunctionArguments::List(list) => list.args.is_empty(),
                FunctionArguments::Subquery(_) => false,
            };
            if no_args
                && matches!(
                    name.as_str(),
                    "now" | "current_timestamp" | "localtimestamp" | "localtime"
                )
                && dialect != Dialect::Sqlite
            {
                func.name = ObjectName::from(vec![Ident::new("CURRENT_TIMESTAMP")]);
                func.args = FunctionArguments::None;
            } else if no_args && name == "current_timestamp" {
                func.name = ObjectName::from(vec![Ident::new("CURRENT_TIMESTAMP")]);
            } else if no_args && matches!(name.as_str(), "current_date" | "current_time") {
                func.name = ObjectName::from(vec![Ident::new(name.to_uppercase())]);
                func.args = FunctionArguments::None;
            }
        }
        Expr::Cast {
            kind,
            expr: inner,
            data_type,
            ..
        } => {
            // Engines add casts to literals (`'x'::character varying`, `(0)::numeric`) and
            // to columns compared with text; they do not change what the expression means
            // for a schema.
            let droppable = is_literal(inner)
                || (matches!(inner.as_ref(), Expr::Identifier(_)) && is_text_type(data_type))
                || (*kind == CastKind::DoubleColon && is_text_array(inner, data_type));
            if droppable && dialect == Dialect::Postgres {
                *e = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
                rewrite(dialect, e);
                return;
            }
        }
        Expr::AnyOp {
            left,
            compare_op: BinaryOperator::Eq,
            right,
            is_some: false,
        } => {
            // PostgreSQL stores `x IN ('a', 'b')` as `x = ANY (ARRAY['a', 'b'])`.
            if let Expr::Array(array) = right.as_ref() {
                *e = Expr::InList {
                    expr: left.clone(),
                    list: array.elem.clone(),
                    negated: false,
                };
            }
        }
        Expr::Value(v) => {
            if dialect == Dialect::Mysql {
                if let Value::Boolean(b) = v.value {
                    v.value = Value::Number(if b { "1" } else { "0" }.into(), false);
                }
            }
        }
        _ => {}
    }
    parenthesize_operands(e);
}

/// Wrap every compound operand of an operator in exactly one pair of parentheses.
fn parenthesize_operands(e: &mut Expr) {
    match e {
        Expr::BinaryOp { left, right, .. } => {
            wrap(left);
            wrap(right);
        }
        Expr::UnaryOp { op, expr } if *op != UnaryOperator::Minus || is_compound(expr) => {
            wrap(expr)
        }
        Expr::IsNull(x)
        | Expr::IsNotNull(x)
        | Expr::IsTrue(x)
        | Expr::IsFalse(x)
        | Expr::IsNotTrue(x)
        | Expr::IsNotFalse(x) => wrap(x),
        Expr::InList { expr, .. } => wrap(expr),
        Expr::Between {
            expr, low, high, ..
        } => {
            wrap(expr);
            wrap(low);
            wrap(high);
        }
        Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
            wrap(expr);
            wrap(pattern);
        }
        _ => {}
    }
}

fn wrap(e: &mut Box<Expr>) {
    if is_compound(e) {
        let inner = std::mem::replace(e.as_mut(), Expr::value(Value::Null));
        **e = Expr::Nested(Box::new(inner));
    }
}

fn is_compound(e: &Expr) -> bool {
    matches!(
        e,
        Expr::BinaryOp { .. }
            | Expr::UnaryOp { .. }
            | Expr::IsNull(_)
            | Expr::IsNotNull(_)
            | Expr::IsTrue(_)
            | Expr::IsFalse(_)
            | Expr::IsNotTrue(_)
            | Expr::IsNotFalse(_)
            | Expr::InList { .. }
            | Expr::Between { .. }
            | Expr::Like { .. }
            | Expr::ILike { .. }
            | Expr::Collate { .. }
    )
}

fn is_literal(e: &Expr) -> bool {
    match e {
        Expr::Value(ValueWithSpan { value, .. }) => !matches!(value, Value::Placeholder(_)),
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => is_literal(expr),
        _ => false,
    }
}

fn is_text_type(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Text
            | DataType::Varchar(_)
            | DataType::CharacterVarying(_)
            | DataType::CharVarying(_)
    )
}

fn is_text_array(inner: &Expr, dt: &DataType) -> bool {
    matches!(inner, Expr::Array(_)) && matches!(dt, DataType::Array(_))
}

fn fold_ident(dialect: Dialect, ident: &mut Ident) {
    if ident.quote_style.is_none() {
        ident.value = dialect.fold(&ident.value);
    }
    let plain = ident
        .value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !ident.value.starts_with(|c: char| c.is_ascii_digit());
    if dialect != Dialect::Postgres || plain {
        ident.quote_style = None;
    } else {
        ident.quote_style = Some('"');
    }
}

fn lower_name(name: &mut ObjectName) {
    for part in &mut name.0 {
        if let ObjectNamePart::Identifier(ident) = part {
            if ident.quote_style.is_none() {
                ident.value = ident.value.to_lowercase();
            }
        }
        // `pg_catalog.now()` and `now()` are the same function.
    }
    if name.0.len() == 2 && name.0[0].to_string().eq_ignore_ascii_case("pg_catalog") {
        name.0.remove(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(text: &str) -> String {
        canonical_text(Dialect::Postgres, text).unwrap()
    }

    #[test]
    fn parentheses_do_not_matter() {
        assert_eq!(pg("((price > 0))"), pg("price > 0"));
        assert_eq!(pg("(a > 0) AND (b > 0)"), pg("a > 0 AND b > 0"));
        assert_ne!(pg("(a + b) * c"), pg("a + b * c"));
    }

    #[test]
    fn postgres_casts_and_any() {
        assert_eq!(pg("'x'::character varying"), pg("'x'"));
        assert_eq!(pg("(price > (0)::numeric)"), pg("price > 0"));
        assert_eq!(
            pg("((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))"),
            pg("status IN ('a', 'b')")
        );
    }

    #[test]
    fn now_is_current_timestamp() {
        assert_eq!(pg("now()"), "CURRENT_TIMESTAMP");
        assert_eq!(pg("CURRENT_TIMESTAMP"), "CURRENT_TIMESTAMP");
        assert_eq!(
            canonical_text(Dialect::Mysql, "current_timestamp()").unwrap(),
            "CURRENT_TIMESTAMP"
        );
    }

    #[test]
    fn identifiers_fold() {
        assert_eq!(pg("\"Price\" > 0"), "\"Price\" > 0");
        assert_eq!(pg("PRICE > 0"), "price > 0");
        assert_eq!(
            canonical_text(Dialect::Mysql, "`price` > 0").unwrap(),
            "price > 0"
        );
    }
}
