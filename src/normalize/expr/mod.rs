//! Expressions (defaults, checks, index predicates) reduced to one canonical text per dialect.
//!
//! Both sides go through here: what the user wrote and what the catalog gives back
//! (`pg_get_expr`, `COLUMN_DEFAULT`, `pragma_table_info.dflt_value`). The canonical form has no
//! redundant parentheses (every compound operand is parenthesized exactly once), unquoted
//! identifiers folded, function names in lower case, and the casts an engine adds to literals
//! removed. MySQL spells `now()` `CURRENT_TIMESTAMP`; PostgreSQL keeps them apart, as its
//! catalog does, so the text written back is stored as the user's was. What needs the table's
//! column types (PostgreSQL's casts of columns, literals typed by the column they face) is
//! settled afterwards, in `engine::postgres::normalize`.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{
    visit_expressions, visit_expressions_mut, BinaryOperator, CastKind, DataType, Expr,
    FunctionArguments, Ident, ObjectName, ObjectNamePart, UnaryOperator, Value, ValueWithSpan,
};
use sqlparser::parser::Parser;

use crate::model::{Dialect, Expression, Shape};
use crate::sql::parser_dialect;

mod print;

use crate::engine::postgres::expr as postgres;
pub use crate::engine::postgres::expr::postgres_default_sql;
use postgres::{is_postgres_sql_value_function, is_text_array};
pub(crate) use print::{check_type_text, operator_symbol};

/// An expression the user wrote, canonical: its text as SQL of `dialect` (see `print`) and the
/// columns it references, both from one normalized tree; or what in it plinth cannot write.
pub fn canonical(dialect: Dialect, expr: &Expr) -> Result<Expression, String> {
    let mut expr = expr.clone();
    normalize(dialect, &mut expr);
    let text = print::print(dialect, &expr)?;
    Ok(Expression::new(
        text,
        columns(&expr),
        calls(dialect, &expr),
        shape(&expr),
    ))
}

/// The routines a tree calls, keyed as routines are.
pub(crate) fn calls(dialect: Dialect, expr: &Expr) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let _ = visit_expressions(expr, |e| {
        if let Expr::Function(f) = e {
            let parts: Vec<&Ident> = (f.name.0.iter())
                .filter_map(ObjectNamePart::as_ident)
                .collect();
            if let Some(key) = crate::sql::name_key(dialect, &parts) {
                out.insert(key);
            }
        }
        ControlFlow::<()>::Continue(())
    });
    out
}

/// What a (normalized) tree is: see [`Shape`].
fn shape(expr: &Expr) -> Shape {
    let hex = |n: &str| n.starts_with("0x") || n.starts_with("0X");
    let decimal = |v: &Value| matches!(v, Value::Number(n, _) if !hex(n));
    match expr {
        Expr::Value(ValueWithSpan { value, .. }) => match value {
            Value::SingleQuotedString(_)
            | Value::DoubleQuotedString(_)
            | Value::EscapedStringLiteral(_)
            | Value::UnicodeStringLiteral(_)
            | Value::DollarQuotedString(_)
            | Value::Null
            | Value::Boolean(_) => Shape::Constant,
            v if decimal(v) => Shape::Constant,
            Value::Number(_, _)
            | Value::HexStringLiteral(_)
            | Value::SingleQuotedByteStringLiteral(_) => Shape::BinaryConstant,
            _ => Shape::Other,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        } if matches!(expr.as_ref(), Expr::Value(v) if decimal(&v.value)) => Shape::Constant,
        Expr::Function(func) => {
            let name = func.name.to_string().to_ascii_uppercase();
            match (name.as_str(), &func.args) {
                ("CURRENT_TIMESTAMP", _) => Shape::Clock,
                ("CURRENT_DATE" | "CURRENT_TIME", FunctionArguments::None) => Shape::Clock,
                _ => Shape::Other,
            }
        }
        _ => Shape::Other,
    }
}

/// The columns a (normalized) tree references: its bare identifiers (`t.col` is already
/// `col`). A word the parser takes for an identifier (MySQL's `UTC_TIMESTAMP`) counts too,
/// which only ever makes a caller more careful.
fn columns(expr: &Expr) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let _ = visit_expressions(expr, |e| {
        if let Expr::Identifier(ident) = e {
            out.insert(ident.value.clone());
        }
        ControlFlow::<()>::Continue(())
    });
    out
}

/// `e` with its column `from` called `to`, as the server spells it after `RENAME COLUMN`
/// (read from its tree, printed again); `e` itself when its text cannot be read.
pub fn with_column_renamed(dialect: Dialect, e: &Expression, from: &str, to: &str) -> Expression {
    if !e.references(dialect, from) {
        return e.clone();
    }
    let Ok(mut tree) = parse(dialect, e.text()) else {
        return e.clone();
    };
    let _ = visit_expressions_mut(&mut tree, |x| {
        if let Expr::Identifier(ident) = x {
            if dialect.same_column(&ident.value, from) {
                let quote = if dialect == Dialect::Mysql { '`' } else { '"' };
                *ident = Ident::with_quote(quote, to);
            }
        }
        ControlFlow::<()>::Continue(())
    });
    canonical(dialect, &tree).unwrap_or_else(|_| e.clone())
}

/// An expression read back from a catalog, canonical.
pub fn canonical_text(dialect: Dialect, text: &str) -> Result<Expression, String> {
    canonical(dialect, &parse(dialect, text)?)
        .map_err(|e| format!("cannot read expression `{text}`: {e}"))
}

/// An expression of `dialect`, parsed. The text (often from a catalog) is tokenized once and
/// checked against the same limits as a schema file (`sql::limits`): nothing read back can
/// overflow the stack or take unbounded time.
pub(crate) fn parse(dialect: Dialect, text: &str) -> Result<Expr, String> {
    let mut tokens = crate::sql::limits::checked_tokens(dialect, text)
        .map_err(|e| format!("cannot read expression `{text}`: {e}"))?;
    if dialect == Dialect::Postgres {
        tokens = crate::engine::postgres::prepass::variadic(tokens);
    }
    let parser_dialect = parser_dialect(dialect);
    Parser::new(parser_dialect.as_ref())
        .with_tokens_with_locations(tokens)
        .parse_expr()
        .map_err(|e| format!("cannot read expression `{text}`: {e}"))
}

fn normalize(dialect: Dialect, expr: &mut Expr) {
    if dialect == Dialect::Postgres {
        // The whole expression is a constant (a default) when it is a literal cast: its cast
        // says what the constant is, so it is judged apart from casts inside expressions.
        while let Expr::Nested(inner) = expr {
            *expr = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
        }
        crate::engine::postgres::expr::clock_casts(expr);
        crate::engine::postgres::expr::sequence_arguments(expr);
    }
    let root: *const Expr = expr;
    let _ = visit_expressions_mut(expr, |e| {
        let is_root = std::ptr::eq(e, root);
        rewrite(dialect, e, is_root);
        ControlFlow::<()>::Continue(())
    });
}

/// One bottom-up step: children are already canonical. `root`: `e` is the whole expression.
fn rewrite(dialect: Dialect, e: &mut Expr, root: bool) {
    // Parentheses carry no meaning in the tree: drop them, then add exactly the ones needed.
    while let Expr::Nested(inner) = e {
        *e = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
    }
    if dialect == Dialect::Postgres && postgres::rewrite(e, root) {
        parenthesize_operands(e);
        return;
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
            if dialect == Dialect::Mysql {
                mysql_function(func);
            }
            let name = func.name.to_string();
            let no_args = match &func.args {
                FunctionArguments::None => true,
                FunctionArguments::List(list) => list.args.is_empty(),
                FunctionArguments::Subquery(_) => false,
            };
            let keyword = matches!(func.args, FunctionArguments::None);
            if no_args
                && matches!(
                    name.as_str(),
                    "now" | "current_timestamp" | "localtimestamp" | "localtime"
                )
                && dialect == Dialect::Mysql
            {
                func.name = ObjectName::from(vec![Ident::new("CURRENT_TIMESTAMP")]);
                func.args = FunctionArguments::None;
            } else if dialect == Dialect::Postgres
                && (keyword || !no_args)
                && is_postgres_sql_value_function(&name)
            {
                // `CURRENT_TIMESTAMP`, `LOCALTIMESTAMP(3)`, `CURRENT_USER`: the catalog spells
                // these keywords in upper case (and `now()` as `now()`).
                func.name = ObjectName::from(vec![Ident::new(name.to_uppercase())]);
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
                rewrite(dialect, e, root);
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
        // MySQL 8 writes charset introducers into stored expressions (`_utf8mb4'a'`).
        Expr::Prefixed { prefix, value }
            if dialect == Dialect::Mysql
                && prefix.value.starts_with('_')
                && matches!(value.as_ref(), Expr::Value(_)) =>
        {
            *e = std::mem::replace(value.as_mut(), Expr::value(Value::Null));
        }
        // MySQL's TRUE and FALSE are 1 and 0, and the catalog says so.
        Expr::Value(v) if dialect == Dialect::Mysql => {
            if let Value::Boolean(b) = v.value {
                v.value = Value::Number(if b { "1" } else { "0" }.into(), false);
            }
        }
        _ => {}
    }
    parenthesize_operands(e);
}

/// MySQL/MariaDB synonyms, spelled as the catalog gives them back: `now(3)` and
/// `localtimestamp(3)` are `current_timestamp(3)` (precision 0 is no precision), `curdate()`
/// is `CURRENT_DATE`, `curtime()` is `CURRENT_TIME`. MariaDB stores some functions under
/// another of their names (`length` as `octet_length`, `lower` as `lcase`, `nvl` as `ifnull`…):
/// each has one spelling here, the common one.
fn mysql_function(func: &mut sqlparser::ast::Function) {
    let name = func.name.to_string();
    let args = match &func.args {
        FunctionArguments::None => Vec::new(),
        FunctionArguments::List(list) => list.args.iter().map(|a| a.to_string()).collect(),
        FunctionArguments::Subquery(_) => return,
    };
    let rename = match name.as_str() {
        "now" | "localtimestamp" | "localtime" | "current_timestamp" => "current_timestamp",
        "curdate" | "current_date" => "current_date",
        "curtime" | "current_time" => "current_time",
        "octet_length" => "length",
        "lcase" => "lower",
        "ucase" => "upper",
        "character_length" => "char_length",
        "pow" => "power",
        "nvl" => "ifnull",
        _ => return,
    };
    func.name = ObjectName::from(vec![Ident::new(rename)]);
    if args.len() == 1 && args[0] == "0" {
        func.args = FunctionArguments::None;
    }
}

/// Wrap every compound operand of an operator in exactly one pair of parentheses.
/// Add exactly the parentheses precedence needs, and no others: `a > 0 AND b > 0`, not
/// `(a > 0) AND (b > 0)` (PostgreSQL's spelling) — so the text reads as people write it.
pub(crate) fn parenthesize_operands(e: &mut Expr) {
    let parent = precedence(e);
    match e {
        Expr::BinaryOp { left, op, right } => {
            let associative = matches!(op, BinaryOperator::And | BinaryOperator::Or);
            wrap(left, parent, false);
            wrap(right, parent, !associative);
        }
        Expr::UnaryOp { expr, .. } => wrap(expr, parent, false),
        Expr::IsNull(x)
        | Expr::IsNotNull(x)
        | Expr::IsTrue(x)
        | Expr::IsFalse(x)
        | Expr::IsNotTrue(x)
        | Expr::IsNotFalse(x) => wrap(x, parent, false),
        Expr::InList { expr, .. } => wrap(expr, parent, false),
        Expr::Between {
            expr, low, high, ..
        } => {
            wrap(expr, parent, false);
            wrap(low, parent, true);
            wrap(high, parent, true);
        }
        Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
            wrap(expr, parent, false);
            wrap(pattern, parent, true);
        }
        _ => {}
    }
}

/// Parenthesize `e` when it binds less tightly than its parent (or as tightly, on the side
/// where that would regroup it).
fn wrap(e: &mut Box<Expr>, parent: u8, strict: bool) {
    let own = precedence(e);
    if own < parent || (strict && own == parent && own < ATOM) {
        let inner = std::mem::replace(e.as_mut(), Expr::value(Value::Null));
        **e = Expr::Nested(Box::new(inner));
    }
}

const ATOM: u8 = 12;

/// Binding strength, loosest first (the standard SQL order, as PostgreSQL documents it).
fn precedence(e: &Expr) -> u8 {
    use BinaryOperator as B;
    match e {
        Expr::BinaryOp { op, .. } => match op {
            B::Or => 1,
            B::And => 2,
            B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq | B::Spaceship => 5,
            B::Plus | B::Minus => 8,
            B::Multiply | B::Divide | B::Modulo | B::DuckIntegerDivide | B::MyIntegerDivide => 9,
            _ => 7,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            ..
        } => 3,
        Expr::UnaryOp { .. } => 10,
        Expr::IsNull(_)
        | Expr::IsNotNull(_)
        | Expr::IsTrue(_)
        | Expr::IsFalse(_)
        | Expr::IsNotTrue(_)
        | Expr::IsNotFalse(_)
        | Expr::IsDistinctFrom(..)
        | Expr::IsNotDistinctFrom(..) => 4,
        Expr::InList { .. }
        | Expr::InSubquery { .. }
        | Expr::Between { .. }
        | Expr::Like { .. }
        | Expr::ILike { .. }
        | Expr::SimilarTo { .. } => 6,
        Expr::Collate { .. } => 11,
        _ => ATOM,
    }
}

pub(crate) fn is_literal(e: &Expr) -> bool {
    match e {
        Expr::Value(ValueWithSpan { value, .. }) => !matches!(value, Value::Placeholder(_)),
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => is_literal(expr),
        _ => false,
    }
}

pub(crate) fn is_text_type(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Text
            | DataType::Varchar(_)
            | DataType::CharacterVarying(_)
            | DataType::CharVarying(_)
    )
}

fn fold_ident(dialect: Dialect, ident: &mut Ident) {
    if ident.quote_style.is_none() {
        ident.value = dialect.fold(&ident.value);
    }
    // How it is written out is `print`'s business; the quote style only tells a column from
    // a keyword such as MySQL's `UTC_TIMESTAMP`.
    if ident.quote_style.is_some() {
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
        canonical_text(Dialect::Postgres, text).unwrap().to_string()
    }

    #[test]
    fn parentheses_do_not_matter() {
        assert_eq!(pg("((price > 0))"), pg("price > 0"));
        assert_eq!(pg("(a > 0) AND (b > 0)"), pg("a > 0 AND b > 0"));
        assert_ne!(pg("(a + b) * c"), pg("a + b * c"));
    }

    #[test]
    fn postgres_catalog_spellings_meet_the_users() {
        let pairs = [
            ("'-1'::integer", "-1"),
            ("'3000000000'::bigint", "3000000000"),
            ("'-1.5'::numeric", "-1.5"),
            ("((r >= 1) AND (r <= 10))", "r BETWEEN 1 AND 10"),
            ("((r < 1) OR (r > 10))", "r NOT BETWEEN 1 AND 10"),
            ("(s ~~ 'a%'::text)", "s LIKE 'a%'"),
            ("(s ~~* 'a%'::text)", "s ILIKE 'a%'"),
            ("(s !~~ 'a%'::text)", "s NOT LIKE 'a%'"),
            (
                "(s <> ALL ((ARRAY['x'::character varying, 'y'::character varying])::text[]))",
                "s NOT IN ('x', 'y')",
            ),
            ("(now() + '1 day'::interval)", "now() + INTERVAL '1 day'"),
            ("((a)::numeric / (2)::numeric)", "CAST(a AS numeric) / 2"),
            ("(\"order\" > 0)", "\"order\" > 0"),
            (
                "(t1 = ANY (ARRAY['x'::text, 'y'::text]))",
                "t1 = SOME (ARRAY['x', 'y'])",
            ),
            ("(status = 'x'::text)", "status IN ('x')"),
            ("(status <> 'x'::text)", "status NOT IN ('x')"),
            ("'2024-12-31'::date", "DATE '2024-12-31'"),
            ("1.5", "NUMERIC '1.5'"),
            ("'{}'::json", "JSON '{}'"),
            ("(s = 'a\nb'::text)", "s = E'a\\nb'"),
            ("ARRAY[]::integer[]", "ARRAY[]::int[]"),
        ];
        for (catalog, user) in pairs {
            assert_eq!(pg(catalog), pg(user), "{catalog} vs {user}");
            assert_eq!(pg(&pg(catalog)), pg(catalog), "{catalog} twice");
        }
        assert_eq!(pg("'-1'::integer"), "-1");
        assert_eq!(pg("(a + 1)::bigint"), "(a + 1)::bigint");
        assert_eq!(pg("CAST(a AS timestamptz)"), "a::timestamp with time zone");
        assert_eq!(pg("x > '1 day'::interval"), "x > '1 day'::interval");
        assert_eq!(
            pg("(CURRENT_TIMESTAMP AT TIME ZONE 'utc'::text)::text"),
            "(CURRENT_TIMESTAMP AT TIME ZONE 'utc')::text"
        );
        assert_eq!(pg("ARRAY[]::int[]"), "ARRAY[]::integer[]");
        // The user's casts that change the arithmetic stay.
        assert_eq!(pg("((a)::numeric / (2)::numeric)"), "a::numeric / 2");
        assert_eq!(pg("p = ANY (ARRAY[0])"), "p = ANY(ARRAY[0])");
        assert_eq!(postgres_default_sql("-1"), "-1");
        assert_eq!(
            postgres_default_sql("CURRENT_TIMESTAMP + '1 day'::interval"),
            "CURRENT_TIMESTAMP + '1 day'::interval"
        );
        assert_eq!(
            postgres_default_sql("CURRENT_TIMESTAMP AT TIME ZONE 'utc'"),
            "(CURRENT_TIMESTAMP AT TIME ZONE 'utc')"
        );
        assert_eq!(pg("\"order\" > 0"), "\"order\" > 0");
    }

    #[test]
    fn postgres_rewrites_are_idempotent() {
        let pairs = [
            (
                "(((state = ANY (ARRAY['a'::text, 'b'::text])) AND (p >= ALL (ARRAY[1, 2]))) OR ((state = ALL (ARRAY['c'::text])) AND (p = ANY (ARRAY[0]))))",
                "(state = ANY (ARRAY['a', 'b']) AND p >= ALL (ARRAY[1, 2])) OR (state = ALL (ARRAY['c']) AND p = ANY (ARRAY[0]))",
            ),
            (
                "((now() AT TIME ZONE 'utc'::text))::text",
                "((now() AT TIME ZONE 'utc')::text)",
            ),
            ("true", "BOOLEAN 'true'"),
            ("1", "int '1'"),
        ];
        for (catalog, user) in pairs {
            assert_eq!(pg(catalog), pg(user), "{catalog} vs {user}");
            assert_eq!(pg(&pg(user)), pg(user), "{user} twice");
        }
    }

    #[test]
    fn postgres_casts_and_any() {
        assert_eq!(pg("s = 'x'::character varying"), pg("s = 'x'"));
        // A whole expression that is a literal cast keeps it: `engine::postgres::normalize` compares it
        // with the column's type.
        assert_eq!(pg("'x'::character varying"), "'x'::character varying");
        assert_eq!(pg("(price > (0)::numeric)"), pg("price > 0"));
        assert_eq!(
            pg("((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))"),
            "status::text IN ('a', 'b')"
        );
    }

    #[test]
    fn now_is_current_timestamp_on_mysql_only() {
        assert_eq!(pg("now()"), "now()");
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
            canonical_text(Dialect::Mysql, "price > 0").unwrap(),
            "`price` > 0"
        );
    }

    #[test]
    fn expressions_know_their_columns_and_shape() {
        let e = canonical_text(Dialect::Sqlite, "paid >= 0 AND t.\"Note\" <> lower(x)").unwrap();
        let columns: Vec<&str> = e
            .columns()
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        assert_eq!(columns, ["Note", "paid", "x"]);
        assert!(!e.references(Dialect::Sqlite, "id"));
        assert!(e.references(Dialect::Sqlite, "PAID"));
        assert!(!canonical_text(Dialect::Postgres, "\"Price\" > 0")
            .unwrap()
            .references(Dialect::Postgres, "price"));
        let shape = |d, text| canonical_text(d, text).unwrap().shape();
        for (d, text) in [
            (Dialect::Mysql, "'a'"),
            (Dialect::Mysql, "-1.5"),
            (Dialect::Mysql, "NULL"),
            (Dialect::Sqlite, "TRUE"),
        ] {
            assert_eq!(shape(d, text), Shape::Constant, "{text}");
        }
        for (d, text) in [
            (Dialect::Mysql, "now()"),
            (Dialect::Mysql, "current_timestamp(3)"),
            (Dialect::Sqlite, "CURRENT_DATE"),
        ] {
            assert_eq!(shape(d, text), Shape::Clock, "{text}");
        }
        for (d, text) in [
            (Dialect::Mysql, "0x1F"),
            (Dialect::Mysql, "b'101'"),
            (Dialect::Sqlite, "X'00'"),
        ] {
            assert_eq!(shape(d, text), Shape::BinaryConstant, "{text}");
        }
        for (d, text) in [
            (Dialect::Sqlite, "1 + 2"),
            (Dialect::Sqlite, "abs(-1)"),
            (Dialect::Sqlite, "-x"),
        ] {
            assert_eq!(shape(d, text), Shape::Other, "{text}");
        }
    }
}
