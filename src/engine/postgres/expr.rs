//! PostgreSQL's expression rules: what the server stores for what the user wrote (casts,
//! typed literals, `= ANY (ARRAY[…])`, keywords that need quotes).

use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, DateTimeField, Expr, FunctionArg, FunctionArgExpr,
    FunctionArguments, Ident, ObjectName, UnaryOperator, Value, ValueWithSpan,
};
use sqlparser::parser::Parser;

use super::interval;
use super::normalize::{base_type, cast_type, string_literal, typed, Typed};
use crate::model::Dialect;
use crate::normalize::expr::{is_literal, is_text_type, parenthesize_operands};
use crate::sql::parser_dialect;

/// PostgreSQL: `text` as the operand of `DEFAULT`, which takes a restricted expression
/// (no `AND`, `IS`, `IN`, `LIKE`, `AT TIME ZONE` …): parenthesized unless it is plainly a
/// value, a call, a cast or arithmetic.
pub fn postgres_default_sql(text: &str) -> String {
    fn plain(e: &Expr) -> bool {
        match e {
            Expr::Value(_)
            | Expr::Identifier(_)
            | Expr::Function(_)
            | Expr::Array(_)
            | Expr::Nested(_)
            | Expr::TypedString(_) => true,
            Expr::Cast { expr, .. } => plain(expr),
            Expr::UnaryOp {
                op: UnaryOperator::Minus | UnaryOperator::Plus,
                expr,
            } => plain(expr),
            Expr::BinaryOp { left, op, right } => {
                matches!(
                    op,
                    BinaryOperator::Plus
                        | BinaryOperator::Minus
                        | BinaryOperator::Multiply
                        | BinaryOperator::Divide
                        | BinaryOperator::Modulo
                        | BinaryOperator::StringConcat
                ) && plain(left)
                    && plain(right)
            }
            _ => false,
        }
    }
    let pd = parser_dialect(Dialect::Postgres);
    let parsed = Parser::new(pd.as_ref())
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr());
    match parsed {
        Ok(e) if plain(&e) => text.to_string(),
        _ => format!("({text})"),
    }
}

/// `('now'::text)::date`, as pg_dump and ORMs write a clock default, is read at every insert
/// (the text is converted when the row is made), unlike `'now'::date`, which PostgreSQL turns
/// into the date of the `CREATE`. Spelled as what it means (`CURRENT_DATE`, `LOCALTIMESTAMP`,
/// `now()`…), before the rules that drop casts of literals could make it the frozen `'now'`.
/// `today`, `tomorrow` and `yesterday` are `CURRENT_DATE` and a day either side.
pub(crate) fn clock_casts(e: &mut Expr) {
    let _ = sqlparser::ast::visit_expressions_mut(e, |e| {
        if let Some(meaning) = clock_cast(e) {
            *e = meaning;
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
}

/// `nextval('seq')` (and `currval`, `setval`) is stored as `nextval('seq'::regclass)`: the
/// name is resolved to the sequence once, when the expression is stored.
pub(crate) fn sequence_arguments(e: &mut Expr) {
    let _ = sqlparser::ast::visit_expressions_mut(e, |e| {
        if let Some(first) = sequence_argument(e) {
            let literal = std::mem::replace(first, Expr::value(Value::Null));
            *first = Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: Box::new(literal),
                data_type: DataType::Regclass,
                format: None,
            };
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
}

/// The sequence a canonical default `nextval('seq'::regclass)` calls, as written in its
/// literal (`seq`, `public.seq`, `"Seq"`), or `None` for any other expression.
pub(crate) fn nextval_argument(default: &str) -> Option<String> {
    let arg = default
        .strip_prefix("nextval('")?
        .strip_suffix("'::regclass)")?;
    Some(arg.replace("''", "'"))
}

/// The bare string literal a sequence function (`nextval`, `currval`, `setval`) names its
/// sequence by, when `e` is such a call.
fn sequence_argument(e: &mut Expr) -> Option<&mut Expr> {
    let Expr::Function(f) = e else {
        return None;
    };
    let name = f.name.to_string().to_ascii_lowercase();
    if !matches!(name.as_str(), "nextval" | "currval" | "setval") {
        return None;
    }
    let FunctionArguments::List(list) = &mut f.args else {
        return None;
    };
    match list.args.first_mut() {
        Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(first)))
            if string_literal(first).is_some() =>
        {
            Some(first)
        }
        _ => None,
    }
}

fn clock_cast(e: &Expr) -> Option<Expr> {
    /// `e` without the parentheses around it.
    fn unnested(mut e: &Expr) -> &Expr {
        while let Expr::Nested(inner) = e {
            e = inner;
        }
        e
    }
    let Expr::Cast {
        expr: inner,
        data_type,
        ..
    } = e
    else {
        return None;
    };
    let Expr::Cast {
        expr: literal,
        data_type: text,
        ..
    } = unnested(inner)
    else {
        return None;
    };
    if !is_text_type(text) {
        return None;
    }
    let word = string_literal(unnested(literal))?;
    let target = cast_type(data_type);
    if target.has_modifier() {
        return None;
    }
    let day = match word.trim().to_ascii_lowercase().as_str() {
        "now" => None,
        "today" => Some("CURRENT_DATE"),
        "tomorrow" => Some("(CURRENT_DATE + 1)"),
        "yesterday" => Some("(CURRENT_DATE - 1)"),
        _ => return None,
    };
    let meaning = match (day, target.base()) {
        (None, "date") => "CURRENT_DATE".to_string(),
        (None, "timestamp without time zone") => "LOCALTIMESTAMP".to_string(),
        (None, "timestamp with time zone") => "now()".to_string(),
        (None, "time without time zone") => "LOCALTIME".to_string(),
        (None, "time with time zone") => "CURRENT_TIME".to_string(),
        (Some(day), "date") => day.to_string(),
        (Some(day), ty @ ("timestamp without time zone" | "timestamp with time zone")) => {
            format!("{day}::{ty}")
        }
        _ => return None,
    };
    crate::normalize::expr::parse(Dialect::Postgres, &meaning).ok()
}

/// PostgreSQL: undo what the server does to an expression when it stores it, so the user's
/// spelling and `pg_get_expr`'s meet. Returns true when `e` is final (a cast that stays).
/// `root`: `e` is the whole expression (a literal cast there is a default's constant).
pub(crate) fn rewrite(e: &mut Expr, root: bool) -> bool {
    let take = |b: &mut Box<Expr>| std::mem::replace(b.as_mut(), Expr::value(Value::Null));
    match e {
        // `x BETWEEN a AND b` is stored as `x >= a AND x <= b`; NOT BETWEEN as `x < a OR x > b`.
        Expr::Between {
            expr,
            negated,
            low,
            high,
        } => {
            let (lo, hi, join) = if *negated {
                (BinaryOperator::Lt, BinaryOperator::Gt, BinaryOperator::Or)
            } else {
                (
                    BinaryOperator::GtEq,
                    BinaryOperator::LtEq,
                    BinaryOperator::And,
                )
            };
            let x = take(expr);
            let mut left = Expr::BinaryOp {
                left: Box::new(x.clone()),
                op: lo,
                right: Box::new(take(low)),
            };
            let mut right = Expr::BinaryOp {
                left: Box::new(x),
                op: hi,
                right: Box::new(take(high)),
            };
            parenthesize_operands(&mut left);
            parenthesize_operands(&mut right);
            *e = Expr::BinaryOp {
                left: Box::new(left),
                op: join,
                right: Box::new(right),
            };
        }
        // A row compared for equality is stored element by element: `(a, b) = (0, 1)` as
        // `a = 0 AND b = 1`, `<>` as `a <> 0 OR b <> 1`; other row comparisons stay rows.
        Expr::BinaryOp { left, op, right }
            if matches!(op, BinaryOperator::Eq | BinaryOperator::NotEq)
                && matches!((left.as_ref(), right.as_ref()), (Expr::Tuple(l), Expr::Tuple(r))
                    if l.len() == r.len() && !l.is_empty()) =>
        {
            let (join, op) = match op {
                BinaryOperator::Eq => (BinaryOperator::And, BinaryOperator::Eq),
                _ => (BinaryOperator::Or, BinaryOperator::NotEq),
            };
            let (Expr::Tuple(l), Expr::Tuple(r)) = (take(left), take(right)) else {
                return false;
            };
            let mut pairs = l.into_iter().zip(r).map(|(l, r)| {
                let mut pair = Expr::BinaryOp {
                    left: Box::new(l),
                    op: op.clone(),
                    right: Box::new(r),
                };
                parenthesize_operands(&mut pair);
                pair
            });
            let Some(mut joined) = pairs.next() else {
                return false;
            };
            for pair in pairs {
                joined = Expr::BinaryOp {
                    left: Box::new(joined),
                    op: join.clone(),
                    right: Box::new(pair),
                };
                parenthesize_operands(&mut joined);
            }
            *e = joined;
        }
        // `ROW(a, b)` and `(a, b)` are one row (printed `ROW(a, b)`, as stored).
        Expr::Function(f)
            if f.name.to_string().eq_ignore_ascii_case("row")
                && f.filter.is_none()
                && f.over.is_none()
                && matches!(&f.args, FunctionArguments::List(list)
                    if list.clauses.is_empty() && list.duplicate_treatment.is_none()
                        && !list.args.is_empty()
                        && list.args.iter().all(|a| matches!(a, FunctionArg::Unnamed(FunctionArgExpr::Expr(_))))) =>
        {
            let FunctionArguments::List(list) =
                std::mem::replace(&mut f.args, FunctionArguments::None)
            else {
                return false;
            };
            let items = list
                .args
                .into_iter()
                .filter_map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => Some(x),
                    _ => None,
                })
                .collect();
            *e = Expr::Tuple(items);
            return rewrite(e, root);
        }
        // `ARRAY['2020-01-01'::date, '2021-01-01']` is stored with every element cast: a bare
        // literal takes the type of a literal cast beside it.
        Expr::Array(array) => {
            let typed = array.elem.iter().find_map(|x| match x {
                Expr::Cast {
                    kind: CastKind::DoubleColon,
                    expr,
                    data_type,
                    format: None,
                } if matches!(expr.as_ref(), Expr::Value(v) if matches!(v.value, Value::SingleQuotedString(_))) => {
                    Some(data_type.clone())
                }
                _ => None,
            });
            if let Some(data_type) = typed {
                for x in &mut array.elem {
                    if matches!(x, Expr::Value(v) if matches!(v.value, Value::SingleQuotedString(_)))
                    {
                        let literal = std::mem::replace(x, Expr::value(Value::Null));
                        *x = Expr::Cast {
                            kind: CastKind::DoubleColon,
                            expr: Box::new(literal),
                            data_type: data_type.clone(),
                            format: None,
                        };
                    }
                }
            }
            return false;
        }
        // `LIKE` is stored as the `~~` operator family.
        Expr::BinaryOp { left, op, right }
            if matches!(
                op,
                BinaryOperator::PGLikeMatch
                    | BinaryOperator::PGILikeMatch
                    | BinaryOperator::PGNotLikeMatch
                    | BinaryOperator::PGNotILikeMatch
            ) =>
        {
            let negated = matches!(
                op,
                BinaryOperator::PGNotLikeMatch | BinaryOperator::PGNotILikeMatch
            );
            let insensitive = matches!(
                op,
                BinaryOperator::PGILikeMatch | BinaryOperator::PGNotILikeMatch
            );
            let (expr, pattern) = (Box::new(take(left)), Box::new(take(right)));
            *e = if insensitive {
                Expr::ILike {
                    negated,
                    any: false,
                    expr,
                    pattern,
                    escape_char: None,
                }
            } else {
                Expr::Like {
                    negated,
                    any: false,
                    expr,
                    pattern,
                    escape_char: None,
                }
            };
        }
        // `DATE '2024-12-31'` is stored as `'2024-12-31'::date`.
        Expr::TypedString(ts) if !ts.uses_odbc_syntax => {
            let value = std::mem::replace(&mut ts.value, Value::Null.into());
            *e = Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: Box::new(Expr::Value(value)),
                data_type: ts.data_type.clone(),
                format: None,
            };
            return rewrite(e, root);
        }
        // `E'a\nb'`, `B'0101'` and `X'1F'` come back as plain strings (bits spelled out).
        Expr::Value(v) => match &v.value {
            Value::EscapedStringLiteral(s) | Value::SingleQuotedByteStringLiteral(s) => {
                v.value = Value::SingleQuotedString(s.clone());
            }
            Value::HexStringLiteral(h) if h.chars().all(|c| c.is_ascii_hexdigit()) => {
                let bits = h
                    .chars()
                    .filter_map(|c| c.to_digit(16))
                    .map(|d| format!("{d:04b}"))
                    .collect();
                v.value = Value::SingleQuotedString(bits);
            }
            _ => {}
        },
        // `x IN ('a')` is stored as `x = 'a'`.
        Expr::InList {
            expr,
            list,
            negated,
        } if list.len() == 1 => *e = in_list(take(expr), std::mem::take(list), *negated),
        // `x IN ('a', 'b')` is stored as `x = ANY (ARRAY['a', 'b'])` (`SOME` is `ANY`),
        // `x NOT IN ('a', 'b')` as `x <> ALL (ARRAY['a', 'b'])`. With one element the user
        // wrote `ANY`/`ALL` (a one-element `IN` is stored as `=`): it stays, as stored.
        Expr::AnyOp {
            left,
            compare_op: BinaryOperator::Eq,
            right,
            ..
        } if matches!(right.as_ref(), Expr::Array(a) if a.elem.len() > 1) => {
            if let Expr::Array(array) = take(right) {
                *e = in_list(take(left), array.elem, false);
            }
        }
        Expr::AnyOp { is_some, .. } => {
            *is_some = false;
            return true;
        }
        Expr::AllOp {
            left,
            compare_op: BinaryOperator::NotEq,
            right,
        } if matches!(right.as_ref(), Expr::Array(a) if a.elem.len() > 1) => {
            if let Expr::Array(array) = take(right) {
                *e = in_list(take(left), array.elem, true);
            }
        }
        // `INTERVAL '1 day'` is stored as `'1 day'::interval`, `INTERVAL '90' MINUTE` as
        // `'01:30:00'::interval`.
        Expr::Interval(interval)
            if interval.leading_precision.is_none()
                && interval.fractional_seconds_precision.is_none() =>
        {
            let fields = match (&interval.leading_field, &interval.last_field) {
                (None, None) => None,
                (Some(first), last) => match (interval_field(first), last.as_ref()) {
                    (Some(f), None) => Some((f, None)),
                    (Some(f), Some(l)) => match interval_field(l) {
                        Some(l) => Some((f, Some(l))),
                        None => return false,
                    },
                    (None, _) => return false,
                },
                (None, Some(_)) => return false,
            };
            let value = match (interval.value.as_ref(), fields) {
                (_, None) => take(&mut interval.value),
                (
                    Expr::Value(ValueWithSpan {
                        value: Value::SingleQuotedString(s),
                        ..
                    }),
                    Some(fields),
                ) => match interval::normalize(s, Some(fields)) {
                    Some(v) => Expr::value(Value::SingleQuotedString(v)),
                    None => return false,
                },
                _ => return false,
            };
            *e = Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: Box::new(value),
                data_type: DataType::Custom(ObjectName::from(vec![Ident::new("interval")]), vec![]),
                format: None,
            };
            return rewrite(e, root);
        }
        Expr::Cast {
            kind,
            expr: inner,
            data_type,
            format: None,
        } => {
            let ty = cast_type(data_type);
            // A typed string is a constant of that type, printed as the catalog prints it:
            // `'-1'::integer` and `BOOLEAN 't'` are `-1` and `true`, `'2'::bigint` stays.
            if let Expr::Value(ValueWithSpan {
                value: Value::SingleQuotedString(s),
                ..
            }) = inner.as_ref()
            {
                let constant = if base_type(&ty) == ty.as_str() {
                    typed(s, ty.as_str())
                } else {
                    Typed::Text(s.clone())
                };
                match constant {
                    Typed::Text(v) => **inner = Expr::value(Value::SingleQuotedString(v)),
                    number_or_bool => {
                        *e = number_or_bool.into_expr();
                        return false;
                    }
                }
            }
            // Inside an expression, PostgreSQL writes out the types it gives literals (text
            // by default, that of the other operand: `engine::postgres::normalize` judges those) and array
            // casts of `IN` lists. A whole expression that is a literal cast keeps it: a
            // default's cast says what the constant is (`engine::postgres::normalize` drops the column's own).
            let text_literal = matches!(
                inner.as_ref(),
                Expr::Value(ValueWithSpan {
                    value: Value::SingleQuotedString(_),
                    ..
                })
            ) && matches!(
                base_type(&ty).as_str(),
                "text" | "character varying" | "bpchar"
            );
            let number = is_literal(inner)
                && !matches!(
                    inner.as_ref(),
                    Expr::Value(ValueWithSpan {
                        value: Value::SingleQuotedString(_),
                        ..
                    })
                );
            let droppable = (!root && (text_literal || number))
                || (*kind == CastKind::DoubleColon
                    && is_text_array(inner, data_type)
                    && !matches!(inner.as_ref(), Expr::Array(a) if a.elem.is_empty()));
            if droppable {
                *e = take(inner);
                return false;
            }
            // A cast that stays has one spelling: `x::type`, the type as the catalog names it.
            *kind = CastKind::DoubleColon;
            *data_type = DataType::Custom(ObjectName::from(vec![Ident::new(ty.as_str())]), vec![]);
            while let Expr::Nested(x) = inner.as_mut() {
                let x = take(x);
                **inner = x;
            }
            let atomic = matches!(
                inner.as_ref(),
                Expr::Identifier(_) | Expr::Value(_) | Expr::Function(_) | Expr::Array(_)
            );
            if !atomic {
                let x = take(inner);
                **inner = Expr::Nested(Box::new(x));
            }
            return true;
        }
        _ => {}
    }
    false
}

/// `x IN (…)`, or the comparison PostgreSQL makes of a one-element list.
pub(super) fn in_list(expr: Expr, mut list: Vec<Expr>, negated: bool) -> Expr {
    if list.len() != 1 {
        return Expr::InList {
            expr: Box::new(expr),
            list,
            negated,
        };
    }
    let op = if negated {
        BinaryOperator::NotEq
    } else {
        BinaryOperator::Eq
    };
    let mut cmp = Expr::BinaryOp {
        left: Box::new(expr),
        op,
        right: Box::new(list.remove(0)),
    };
    parenthesize_operands(&mut cmp);
    cmp
}

/// A field of an interval qualifier (`YEAR`, `HOUR TO MINUTE`).
pub(super) fn interval_field(field: &DateTimeField) -> Option<interval::Field> {
    use interval::Field as F;
    Some(match field {
        DateTimeField::Year | DateTimeField::Years => F::Year,
        DateTimeField::Month | DateTimeField::Months => F::Month,
        DateTimeField::Day | DateTimeField::Days => F::Day,
        DateTimeField::Hour | DateTimeField::Hours => F::Hour,
        DateTimeField::Minute | DateTimeField::Minutes => F::Minute,
        DateTimeField::Second | DateTimeField::Seconds => F::Second,
        _ => return None,
    })
}

/// PostgreSQL's SQL-standard functions written as keywords (`CURRENT_TIMESTAMP`), which
/// `pg_get_expr` prints in upper case.
pub(crate) fn is_postgres_sql_value_function(name: &str) -> bool {
    matches!(
        name,
        "current_timestamp"
            | "current_date"
            | "current_time"
            | "localtimestamp"
            | "localtime"
            | "current_user"
            | "current_role"
            | "session_user"
            | "current_catalog"
            | "current_schema"
            | "user"
    )
}

pub(crate) fn is_text_array(inner: &Expr, dt: &DataType) -> bool {
    matches!(inner, Expr::Array(_)) && matches!(dt, DataType::Array(_))
}
