//! PostgreSQL normalization that needs column types, applied to both sides by `finish`, and
//! the constants PostgreSQL stores for typed literals.
//!
//! `normalize::expr` reduces an expression without knowing the table; what it cannot decide alone
//! is settled here, for defaults, checks, index predicates and keys, generated columns:
//! - a column cast to text (`(name)::text`) is PostgreSQL's own when the column is a
//!   character type, and goes; a cast of another column (`CAST(n AS text)`) is the user's;
//! - a column cast to a wider number (`(qty)::numeric * price`) goes when the other operand
//!   already has that type, which is when PostgreSQL adds it;
//! - a string literal facing a column takes the column's type, as PostgreSQL types it
//!   (`n = '3'` is `n = 3` on an integer, `b = '2'::bigint` is `b = '2'` on a bigint);
//! - a default's literal cast to the column's own type goes (`''::character varying`);
//!   a cast to another type stays (`'0001-01-01'::timestamp` on a timestamptz column);
//! - `DEFAULT NULL` is no default, unless the type has a modifier (`varchar(16)`, stored as
//!   `NULL::character varying`);
//! - identity options equal to the defaults of the column's type are left out.
//!
//! The principle: the canonical text, written back to the server, is stored as what the
//! user's SQL is stored as, so applying converges on what loading the SQL directly gives.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use sqlparser::ast::{
    visit_expressions_mut, BinaryOperator, DataType, Expr, FunctionArg, FunctionArgExpr,
    FunctionArguments, UnaryOperator, Value, ValueWithSpan,
};

use super::interval;
use crate::model::{
    Column, ColumnType, Dialect, Expression, Identity, IndexKey, Schema, SequenceOptions, Table,
};
use crate::normalize::expr;
use crate::normalize::types;

const PG: Dialect = Dialect::Postgres;

pub(crate) fn finish(schema: &mut Schema) {
    for table in schema.tables.values_mut() {
        no_empty_comments(table);
        let types: BTreeMap<String, ColumnType> = table
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.ty.clone()))
            .collect();
        for column in &mut table.columns {
            if let Some(default) = &mut column.default {
                if let Some(done) = default_for(default, &column.ty, &types) {
                    *default = done;
                }
            }
            // `DEFAULT NULL` is stored only where it is cast to a length or precision
            // (`NULL::character varying` on `varchar(16)`); elsewhere it is no default.
            if column.default.as_deref() == Some("NULL") && !column_stores_null(&column.ty) {
                column.default = None;
            }
            if let Some(generated) = &mut column.generated {
                respell(&mut generated.expr, &types);
            }
            identity_options(column);
        }
        for check in &mut table.checks {
            respell(&mut check.expr, &types);
        }
        for index in &mut table.indexes {
            if let Some(predicate) = &mut index.predicate {
                respell(predicate, &types);
            }
            for part in &mut index.parts {
                if let IndexKey::Expr(e) = &mut part.key {
                    respell(e, &types);
                }
            }
        }
        table.normalize_order();
    }
    // A domain's default is stored as a column's is (`'pending'::text`); the scratch
    // schema says so too, but it does not hold the domains of other schemas.
    // Over another domain, the cast is to the type at the bottom.
    let over: BTreeMap<String, ColumnType> = (schema.domains.iter())
        .map(|(name, d)| (name.clone(), d.data_type.clone()))
        .collect();
    let none = BTreeMap::new();
    for domain in schema.domains.values_mut() {
        let mut ty = &domain.data_type;
        for _ in 0..over.len() {
            match over.get(&crate::model::type_key(ty.as_str())) {
                Some(under) if !ty.is_array() => ty = under,
                _ => break,
            }
        }
        if let Some(default) = &mut domain.default {
            if let Some(done) = default_for(default, ty, &none) {
                *default = done;
            }
        }
    }
}

/// `COMMENT ON … IS ''` removes the comment, as `IS NULL` does: an empty comment is none.
fn no_empty_comments(table: &mut Table) {
    let mut slots: Vec<&mut Option<String>> = vec![&mut table.comment];
    slots.extend(table.columns.iter_mut().map(|c| &mut c.comment));
    slots.extend(table.primary_key.iter_mut().map(|k| &mut k.comment));
    slots.extend(table.uniques.iter_mut().map(|u| &mut u.comment));
    slots.extend(table.checks.iter_mut().map(|c| &mut c.comment));
    slots.extend(table.foreign_keys.iter_mut().map(|f| &mut f.comment));
    slots.extend(table.indexes.iter_mut().map(|i| &mut i.comment));
    for slot in slots {
        if slot.as_deref() == Some("") {
            *slot = None;
        }
    }
}

/// Only texts with a cast or a string literal can change: most are left unparsed.
fn may_change(text: &str) -> bool {
    text.contains("::") || text.contains('\'')
}

fn respell(text: &mut Expression, types: &BTreeMap<String, ColumnType>) {
    if !may_change(text) {
        return;
    }
    let Ok(mut e) = expr::parse(PG, text) else {
        return;
    };
    casts(&mut e, types);
    if let Ok(done) = expr::canonical(PG, &e) {
        *text = done;
    }
}

/// A default in the light of its column's type: `'x'::character varying` on a varchar column
/// is `'x'`, `'5'` on an integer column is `5`.
fn default_for(
    text: &str,
    column_ty: &ColumnType,
    types: &BTreeMap<String, ColumnType>,
) -> Option<Expression> {
    if !may_change(text) {
        return None;
    }
    let mut e = expr::parse(PG, text).ok()?;
    let base = base_type(column_ty);
    let literal = match &e {
        Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(s),
            ..
        }) => Some(s.clone()),
        Expr::Cast {
            expr: inner,
            data_type,
            ..
        } => match inner.as_ref() {
            Expr::Value(ValueWithSpan {
                value: Value::SingleQuotedString(s),
                ..
            }) if types::normalize(PG, data_type).ty == base => Some(s.clone()),
            _ => None,
        },
        _ => None,
    };
    // `DEFAULT NULL` is stored as `NULL::character varying`.
    let null = matches!(&e, Expr::Cast { expr: inner, data_type, .. }
        if matches!(inner.as_ref(), Expr::Value(v) if v.value == Value::Null)
            && types::normalize(PG, data_type).ty == base);
    match literal {
        Some(s) => e = typed(&s, &base).into_expr(),
        None if null => e = Expr::value(Value::Null),
        None => casts(&mut e, types),
    }
    expr::canonical(PG, &e).ok()
}

/// Does `DEFAULT NULL` leave a default on a column of type `ty`? Only a type modifier
/// (other than an interval's) makes PostgreSQL keep the cast NULL.
fn column_stores_null(ty: &ColumnType) -> bool {
    ty.has_modifier() && !ty.base().starts_with("interval")
}

/// A type without its modifiers, as PostgreSQL labels a constant of it: `character
/// varying(20)` is `character varying`, `character(3)` is `bpchar`, `numeric(10,2)` is
/// `numeric`, `timestamp(3) without time zone` is `timestamp without time zone`.
pub(crate) fn base_type(ty: &ColumnType) -> String {
    let mut out = match ty.base() {
        "character" => "bpchar",
        // `bit` alone is `bit(1)`; the type without a length is spelled quoted.
        "bit" => "\"bit\"",
        base => base,
    }
    .to_string();
    if ty.is_array() {
        out.push_str("[]");
    }
    out
}

/// The type a cast names, as a column of it would be typed.
pub(crate) fn cast_type(data_type: &DataType) -> ColumnType {
    ColumnType::new(PG, types::normalize(PG, data_type).ty)
}

/// Position of a type (as [`base_type`] labels it) in PostgreSQL's implicit numeric promotions
/// (`smallint` → … → `double precision`), `None` for other types.
fn numeric_rank(label: &str) -> Option<u8> {
    match label {
        "smallint" => Some(1),
        "integer" => Some(2),
        "bigint" => Some(3),
        "numeric" => Some(4),
        "real" => Some(5),
        "double precision" => Some(6),
        _ => None,
    }
}

/// The type of an operand, where it is plain to see: a column, a cast, a number.
fn type_of(e: &Expr, types: &BTreeMap<String, ColumnType>) -> Option<String> {
    match e {
        Expr::Identifier(ident) => types.get(&ident.value).map(base_type),
        Expr::Cast { data_type, .. } => Some(base_type(&cast_type(data_type))),
        Expr::Nested(inner) => type_of(inner, types),
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        } => type_of(expr, types),
        Expr::Value(ValueWithSpan {
            value: Value::Number(n, _),
            ..
        }) => Some(number_type(n).to_string()),
        Expr::Value(ValueWithSpan {
            value: Value::Boolean(_),
            ..
        }) => Some("boolean".to_string()),
        _ => None,
    }
}

/// The type PostgreSQL gives a number literal.
fn number_type(n: &str) -> &'static str {
    if n.parse::<i32>().is_ok() {
        "integer"
    } else if n.parse::<i64>().is_ok() {
        "bigint"
    } else {
        "numeric"
    }
}

pub(super) fn string_literal(e: &Expr) -> Option<&str> {
    match e {
        Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(s),
            ..
        }) => Some(s),
        _ => None,
    }
}

/// Undo the casts PostgreSQL adds to columns and literals, now that column types are known.
fn casts(e: &mut Expr, types: &BTreeMap<String, ColumnType>) {
    let _ = visit_expressions_mut(e, |e| {
        text_cast(e, types);
        match e {
            Expr::BinaryOp { left, op, right } if comparison_or_arithmetic(op) => {
                widened(left, right, types);
                widened(right, left, types);
                facing(left, right, types);
                facing(right, left, types);
            }
            Expr::InList { expr, list, .. } => {
                for item in list.iter_mut() {
                    facing(item, expr, types);
                }
            }
            Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. } => {
                if let Expr::Array(array) = right.as_mut() {
                    for item in &mut array.elem {
                        facing(item, left, types);
                    }
                }
            }
            Expr::Function(f) => {
                if let FunctionArguments::List(list) = &mut f.args {
                    for arg in &mut list.args {
                        if let FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) = arg {
                            widened_argument(x, types);
                        }
                    }
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
}

fn comparison_or_arithmetic(op: &BinaryOperator) -> bool {
    use BinaryOperator as B;
    matches!(
        op,
        B::Eq
            | B::NotEq
            | B::Lt
            | B::LtEq
            | B::Gt
            | B::GtEq
            | B::Plus
            | B::Minus
            | B::Multiply
            | B::Divide
            | B::Modulo
    )
}

/// `(name)::text` on a character column is the implicit cast PostgreSQL writes out.
fn text_cast(e: &mut Expr, types: &BTreeMap<String, ColumnType>) {
    let Expr::Cast {
        expr: inner,
        data_type,
        ..
    } = e
    else {
        return;
    };
    let Expr::Identifier(ident) = inner.as_ref() else {
        return;
    };
    let to_text =
        matches!(data_type, DataType::Text) || types::normalize(PG, data_type).ty == "text";
    let character = types.get(&ident.value).is_some_and(|t| {
        matches!(
            base_type(t).as_str(),
            "text" | "character varying" | "bpchar"
        )
    });
    if to_text && character {
        *e = Expr::Identifier(ident.clone());
    }
}

/// `(qty)::numeric` facing a numeric operand: PostgreSQL widened the column itself.
fn widened(e: &mut Expr, other: &Expr, types: &BTreeMap<String, ColumnType>) {
    let Some(column) = widened_column(e, types) else {
        return;
    };
    let Some(target) = numeric_rank_of_cast(e) else {
        return;
    };
    if type_of(other, types)
        .and_then(|t| numeric_rank(&t))
        .is_some_and(|rank| rank >= target)
    {
        *e = column;
    }
}

/// `round((qty)::numeric, 2)`: a function taking only the wider type got the column widened.
fn widened_argument(e: &mut Expr, types: &BTreeMap<String, ColumnType>) {
    if let Some(column) = widened_column(e, types) {
        *e = column;
    }
}

/// The column of `(column)::T` when T is a wider number than the column's type.
fn widened_column(e: &Expr, types: &BTreeMap<String, ColumnType>) -> Option<Expr> {
    let Expr::Cast { expr: inner, .. } = e else {
        return None;
    };
    let Expr::Identifier(ident) = inner.as_ref() else {
        return None;
    };
    let from = numeric_rank(&base_type(types.get(&ident.value)?))?;
    let to = numeric_rank_of_cast(e)?;
    (from < to).then(|| Expr::Identifier(ident.clone()))
}

fn numeric_rank_of_cast(e: &Expr) -> Option<u8> {
    let Expr::Cast { data_type, .. } = e else {
        return None;
    };
    numeric_rank(&base_type(&cast_type(data_type)))
}

/// A string literal facing an operand of a known type takes that type, as PostgreSQL types
/// an unknown literal: `'3'` facing an integer is `3`, `'2'::bigint` facing a bigint is `'2'`.
fn facing(e: &mut Expr, other: &Expr, types: &BTreeMap<String, ColumnType>) {
    let Some(ty) = type_of(other, types) else {
        return;
    };
    if matches!(other, Expr::Value(_)) {
        return;
    }
    let value = match e {
        Expr::Cast {
            expr: inner,
            data_type,
            ..
        } => match string_literal(inner) {
            Some(s) if base_type(&cast_type(data_type)) == ty => s.to_string(),
            _ => return,
        },
        _ => match string_literal(e) {
            Some(s) => s.to_string(),
            None => return,
        },
    };
    *e = typed(&value, &ty).into_expr();
}

/// Leave out identity options equal to the defaults of the column's type.
fn identity_options(column: &mut Column) {
    let Some(Identity::Always(options) | Identity::ByDefault(options)) = &mut column.identity
    else {
        return;
    };
    let (type_min, type_max) = match base_type(&column.ty).as_str() {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    defaults_left_out(options, type_min, type_max);
}

/// As the catalog side does it (`engine::postgres::inspect`): each default depends on the direction.
pub(crate) fn defaults_left_out(options: &mut SequenceOptions, type_min: i64, type_max: i64) {
    let ascending = options.increment.unwrap_or(1) > 0;
    let (default_min, default_max) = if ascending {
        (1, type_max)
    } else {
        (type_min, -1)
    };
    let min = options.min_value.unwrap_or(default_min);
    let max = options.max_value.unwrap_or(default_max);
    let default_start = if ascending { min } else { max };
    if options.increment == Some(1) {
        options.increment = None;
    }
    if options.min_value == Some(default_min) {
        options.min_value = None;
    }
    if options.max_value == Some(default_max) {
        options.max_value = None;
    }
    if options.start == Some(default_start) {
        options.start = None;
    }
    if options.cache == Some(1) {
        options.cache = None;
    }
}

/// A literal typed by PostgreSQL, as `pg_get_expr` prints the constant.
#[derive(Debug, PartialEq)]
pub(crate) enum Typed {
    /// Printed as a number: `5`, `-1` (`'-1'::integer`), `1.5`, `3000000000`.
    Number(String),
    Bool(bool),
    /// Printed as a quoted value with its type: the value as the type's output spells it.
    Text(String),
}

impl Typed {
    /// The expression, without the cast a `Text` keeps (the caller decides about it).
    pub(crate) fn into_expr(self) -> Expr {
        match self {
            Typed::Number(n) => match n.strip_prefix('-') {
                Some(digits) => Expr::UnaryOp {
                    op: UnaryOperator::Minus,
                    expr: Box::new(Expr::value(Value::Number(digits.to_string(), false))),
                },
                None => Expr::value(Value::Number(n, false)),
            },
            Typed::Bool(b) => Expr::value(Value::Boolean(b)),
            Typed::Text(s) => Expr::value(Value::SingleQuotedString(s)),
        }
    }
}

/// The constant PostgreSQL makes of the string `value` read as type `ty` (a base type, as
/// [`base_type`] gives it), as `pg_get_expr` prints it. Values it cannot be sure of are kept.
pub(crate) fn typed(value: &str, ty: &str) -> Typed {
    let text = || Typed::Text(value.to_string());
    let trimmed = value.trim();
    let plain = trimmed.strip_prefix('+').unwrap_or(trimmed);
    match ty {
        // An integer prints bare, a negative one as `'-1'::integer`: both read back as `-1`.
        "integer" => match plain.parse::<i32>() {
            Ok(n) => Typed::Number(n.to_string()),
            Err(_) => text(),
        },
        // A bigint prints as `'2'::bigint`, unlike the integer `2`; beyond the integer range
        // the number literal is a bigint too.
        "bigint" => match plain.parse::<i64>() {
            Ok(n) if i32::try_from(n).is_ok() => Typed::Text(n.to_string()),
            Ok(n) => Typed::Number(n.to_string()),
            Err(_) => text(),
        },
        "smallint" => match plain.parse::<i16>() {
            Ok(n) => Typed::Text(n.to_string()),
            Err(_) => text(),
        },
        // A numeric prints bare when it looks like a decimal number (`1.5`, `-1.5` as
        // `'-1.5'::numeric`, which is what `-1.5` gives); `'1'::numeric` keeps its cast.
        "numeric" => {
            let digits = plain.strip_prefix('-').unwrap_or(plain);
            let decimal = digits.contains('.')
                && !digits.starts_with('.')
                && !digits.ends_with('.')
                && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
                && digits.matches('.').count() == 1;
            if decimal {
                Typed::Number(plain.to_string())
            } else if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
                Typed::Text(plain.to_string())
            } else {
                text()
            }
        }
        "boolean" => match trimmed.to_ascii_lowercase().as_str() {
            "t" | "true" | "y" | "yes" | "on" | "1" => Typed::Bool(true),
            "f" | "false" | "n" | "no" | "off" | "0" => Typed::Bool(false),
            _ => text(),
        },
        "money" => money(trimmed).map_or_else(text, Typed::Text),
        "interval" => interval::normalize(trimmed, None).map_or_else(text, Typed::Text),
        "timestamp without time zone" => timestamp(trimmed).map_or_else(text, Typed::Text),
        "uuid"
            if trimmed.len() == 36
                && trimmed.chars().all(|c| c.is_ascii_hexdigit() || c == '-') =>
        {
            Typed::Text(trimmed.to_ascii_lowercase())
        }
        _ => text(),
    }
}

/// `money` as PostgreSQL prints it in the C locale: `$1,000.50`, `-$0.01`, rounded to cents
/// half away from zero.
fn money(value: &str) -> Option<String> {
    let (negative, rest) = match value.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, value),
    };
    let rest = rest.strip_prefix('$').unwrap_or(rest).replace(',', "");
    let (whole, fraction) = rest.split_once('.').unwrap_or((&rest, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let digit = |k: usize| {
        fraction
            .as_bytes()
            .get(k)
            .map_or(0, |b| i64::from(b - b'0'))
    };
    let mut cents = whole
        .checked_mul(100)?
        .checked_add(digit(0) * 10 + digit(1))?;
    if digit(2) >= 5 {
        cents = cents.checked_add(1)?;
    }
    let units = (cents / 100).to_string();
    let mut grouped = String::new();
    for (k, c) in units.chars().enumerate() {
        if k > 0 && (units.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if negative && cents != 0 { "-" } else { "" };
    Some(format!("{sign}${grouped}.{:02}", cents % 100))
}

/// `timestamp` as PostgreSQL prints it (ISO): `2020-01-01` is `2020-01-01 00:00:00`.
fn timestamp(value: &str) -> Option<String> {
    let (date, time) = match value.split_once([' ', 'T']) {
        Some((d, t)) => (d, t.trim()),
        None => (value, ""),
    };
    let date_ok = date.len() == 10
        && date.char_indices().all(|(k, c)| {
            if k == 4 || k == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !date_ok {
        return None;
    }
    let (clock, fraction) = time.split_once('.').unwrap_or((time, ""));
    let fields: Vec<&str> = if clock.is_empty() {
        Vec::new()
    } else {
        clock.split(':').collect()
    };
    if fields.len() == 1
        || fields.len() > 3
        || !fields
            .iter()
            .all(|f| f.len() == 2 && f.chars().all(|c| c.is_ascii_digit()))
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || (!fraction.is_empty() && fields.len() != 3)
    {
        return None;
    }
    let get = |k: usize| fields.get(k).copied().unwrap_or("00");
    let fraction = fraction.trim_end_matches('0');
    let fraction = if fraction.is_empty() {
        String::new()
    } else {
        format!(".{fraction}")
    };
    Some(format!("{date} {}:{}:{}{fraction}", get(0), get(1), get(2)))
}

#[cfg(test)]
mod tests;

/// A sequence's options with every value equal to PostgreSQL's default for its type (`ty`) and
/// direction left out, as the catalog's and the file's read alike.
pub fn sequence_options(
    ty: &str,
    o: &crate::model::SequenceOptions,
) -> crate::model::SequenceOptions {
    let (type_min, type_max) = match ty {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let increment = o.increment.unwrap_or(1);
    let (default_min, default_max) = if increment > 0 {
        (1, type_max)
    } else {
        (type_min, -1)
    };
    let min = o.min_value.unwrap_or(default_min);
    let max = o.max_value.unwrap_or(default_max);
    let default_start = if increment > 0 { min } else { max };
    let unless = |value: i64, default: i64| (value != default).then_some(value);
    crate::model::SequenceOptions {
        start: unless(o.start.unwrap_or(default_start), default_start),
        increment: unless(increment, 1),
        min_value: unless(min, default_min),
        max_value: unless(max, default_max),
        cache: unless(o.cache.unwrap_or(1), 1),
        cycle: o.cycle,
    }
}
