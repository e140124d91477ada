//! Expressions written out as SQL of one engine, from their parsed form: every identifier goes
//! through the engine's quoting and every literal through its string rules (`crate::quote`),
//! and only the forms listed here are written at all — anything else is an error naming it.
//!
//! This is what makes a schema file's expressions inert: the text plinth executes is built from
//! the tree, never copied from the user's file, so a name or a value cannot close its quotes,
//! open a comment or end the statement.

use sqlparser::ast::{
    AccessExpr, Array, BinaryOperator, CaseWhen, CastKind, CeilFloorKind, DataType, DateTimeField,
    DuplicateTreatment, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident,
    Interval, ObjectName, ObjectNamePart, Subscript, UnaryOperator, Value,
};
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

use crate::model::Dialect;
use crate::quote;
use crate::sql::parser_dialect;

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
                self.push("(");
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

    /// A column (or other bare name) in an expression. MySQL's niladic functions written
    /// without parentheses (`UTC_TIMESTAMP`) read as names and stay bare words.
    fn column(&self, i: &Ident) -> String {
        let niladic = self.dialect == Dialect::Mysql
            && i.quote_style.is_none()
            && MYSQL_NILADIC
                .iter()
                .any(|w| w.eq_ignore_ascii_case(&i.value));
        if niladic {
            i.value.to_ascii_uppercase()
        } else {
            quote::ident_bare_if_plain(self.dialect, &i.value)
        }
    }

    fn postfix(&mut self, x: &Expr, tail: &str) -> Out {
        self.expr(x)?;
        self.push(tail);
        Ok(())
    }

    fn like(
        &mut self,
        expr: &Expr,
        negated: bool,
        word: &str,
        pattern: &Expr,
        escape: Option<&Value>,
    ) -> Out {
        self.expr(expr)?;
        self.push(" ");
        self.not(negated);
        self.push(word);
        self.push(" ");
        self.expr(pattern)?;
        if let Some(v) = escape {
            self.push(" ESCAPE ");
            self.value(v)?;
        }
        Ok(())
    }

    fn quantified(&mut self, left: &Expr, op: &BinaryOperator, word: &str, right: &Expr) -> Out {
        if matches!(right, Expr::Subquery(_)) {
            return Err(unsupported("a subquery"));
        }
        self.expr(left)?;
        self.push(" ");
        let op = self.binary_operator(op)?;
        self.push(&op);
        self.push(" ");
        self.push(word);
        self.push("(");
        self.expr(right)?;
        self.push(")");
        Ok(())
    }

    fn unary(&mut self, op: &UnaryOperator, x: &Expr) -> Out {
        use UnaryOperator as U;
        let word = match op {
            U::Not => {
                self.push("NOT ");
                return self.expr(x);
            }
            U::PGPostfixFactorial => {
                self.expr(x)?;
                self.push(" !");
                return Ok(());
            }
            U::Plus => "+",
            U::Minus => "-",
            U::PGBitwiseNot => "~",
            U::PGSquareRoot => "|/",
            U::PGCubeRoot => "||/",
            U::PGPrefixFactorial => "!!",
            U::PGAbs => "@",
            U::BangNot => "!",
            U::Hash => "#",
            U::AtDashAt => "@-@",
            U::DoubleAt => "@@",
            U::QuestionDash => "?-",
            U::QuestionPipe => "?|",
        };
        self.push(word);
        let operand = print(self.dialect, x)?;
        // `- -1` must not become `--1`, a comment: an operand that starts with an operator
        // character is set apart.
        if operand.starts_with(is_operator_char) {
            self.push(" ");
        }
        self.push(&operand);
        Ok(())
    }

    fn ceil_floor(&mut self, word: &str, x: &Expr, field: &CeilFloorKind) -> Out {
        self.push(word);
        self.push("(");
        self.expr(x)?;
        match field {
            CeilFloorKind::DateTimeField(DateTimeField::NoDateTime) => {}
            CeilFloorKind::DateTimeField(f) => {
                self.push(" TO ");
                let f = datetime_field(f)?;
                self.push(&f);
            }
            CeilFloorKind::Scale(v) => {
                self.push(", ");
                self.value(v)?;
            }
        }
        self.push(")");
        Ok(())
    }

    fn interval(&mut self, i: &Interval) -> Out {
        self.push("INTERVAL ");
        self.expr(&i.value)?;
        if let Some(f) = &i.leading_field {
            self.push(" ");
            let f = datetime_field(f)?;
            self.push(&f);
        }
        if let Some(p) = i.leading_precision {
            self.push(&format!(" ({p})"));
        }
        if let Some(f) = &i.last_field {
            self.push(" TO ");
            let f = datetime_field(f)?;
            self.push(&f);
        }
        if let Some(p) = i.fractional_seconds_precision {
            self.push(&format!(" ({p})"));
        }
        Ok(())
    }

    fn function(&mut self, f: &Function) -> Out {
        let plain = !f.uses_odbc_syntax
            && matches!(f.parameters, FunctionArguments::None)
            && f.filter.is_none()
            && f.null_treatment.is_none()
            && f.over.is_none()
            && f.within_group.is_empty();
        if !plain {
            return Err(unsupported(&format!(
                "the call to `{}` with window, filter or ordering clauses",
                f.name
            )));
        }
        let name = self.function_name(&f.name)?;
        self.push(&name);
        match &f.args {
            FunctionArguments::None => {}
            FunctionArguments::Subquery(_) => return Err(unsupported("a subquery")),
            FunctionArguments::List(list) => {
                if !list.clauses.is_empty() {
                    return Err(unsupported(&format!(
                        "the call to `{}` with ORDER BY, LIMIT or other clauses",
                        f.name
                    )));
                }
                self.push("(");
                match list.duplicate_treatment {
                    Some(DuplicateTreatment::Distinct) => self.push("DISTINCT "),
                    Some(DuplicateTreatment::All) => self.push("ALL "),
                    None => {}
                }
                for (k, arg) in list.args.iter().enumerate() {
                    if k > 0 {
                        self.push(", ");
                    }
                    match arg {
                        FunctionArg::Unnamed(a) => self.function_arg(a)?,
                        FunctionArg::Named {
                            name,
                            arg,
                            operator,
                        } => {
                            let name = self.column(name);
                            self.push(&name);
                            // `=>`, `=`, `:=`: operators of sqlparser's own.
                            self.push(&format!(" {operator} "));
                            self.function_arg(arg)?;
                        }
                        FunctionArg::ExprNamed { .. } => {
                            return Err(unsupported("a named argument of this form"))
                        }
                    }
                }
                self.push(")");
            }
        }
        Ok(())
    }

    fn function_arg(&mut self, a: &FunctionArgExpr) -> Out {
        match a {
            FunctionArgExpr::Expr(e) => self.expr(e),
            FunctionArgExpr::Wildcard => {
                self.push("*");
                Ok(())
            }
            FunctionArgExpr::QualifiedWildcard(_) => Err(unsupported("`t.*`")),
        }
    }

    /// A function's name: bare words stay bare (`now`, `CURRENT_TIMESTAMP`), anything else is
    /// quoted as an identifier.
    fn function_name(&self, name: &ObjectName) -> Result<String, String> {
        let mut parts = Vec::new();
        for part in &name.0 {
            let ObjectNamePart::Identifier(i) = part else {
                return Err(unsupported("this function name"));
            };
            parts.push(match i.quote_style {
                None if quote::is_word(&i.value) => i.value.clone(),
                _ => quote::ident_bare_if_plain(self.dialect, &i.value),
            });
        }
        Ok(parts.join("."))
    }

    /// A qualified name (a character set): words bare, anything else quoted.
    fn object_name(&self, name: &ObjectName) -> Result<String, String> {
        let mut parts = Vec::new();
        for part in &name.0 {
            let ObjectNamePart::Identifier(i) = part else {
                return Err(unsupported("this name"));
            };
            parts.push(quote::word(self.dialect, &i.value));
        }
        Ok(parts.join("."))
    }

    /// A collation: PostgreSQL's are identifiers, folded and quoted as the catalog prints them
    /// (`"C"`, `"en_US"`); MySQL's and SQLite's are words.
    fn collation(&self, name: &ObjectName) -> Result<String, String> {
        let mut parts = Vec::new();
        for part in &name.0 {
            let ObjectNamePart::Identifier(i) = part else {
                return Err(unsupported("this collation name"));
            };
            parts.push(match self.dialect {
                Dialect::Postgres => {
                    let folded = match i.quote_style {
                        None => i.value.to_lowercase(),
                        Some(_) => i.value.clone(),
                    };
                    quote::ident_bare_if_plain(self.dialect, &folded)
                }
                _ => quote::word(self.dialect, &i.value),
            });
        }
        Ok(parts.join("."))
    }

    fn binary_operator(&self, op: &BinaryOperator) -> Result<String, String> {
        match op {
            BinaryOperator::Custom(s) => operator_symbol(s).map(str::to_string),
            BinaryOperator::PGCustomBinaryOperator(parts) => {
                let Some((op, schema)) = parts.split_last() else {
                    return Err(unsupported("an empty OPERATOR()"));
                };
                let mut text = String::from("OPERATOR(");
                for s in schema {
                    text.push_str(&quote::word(self.dialect, s));
                    text.push('.');
                }
                text.push_str(operator_symbol(op)?);
                text.push(')');
                Ok(text)
            }
            // Every other operator is a fixed symbol or keyword of sqlparser's own.
            other => Ok(other.to_string()),
        }
    }

    fn value(&mut self, v: &Value) -> Out {
        let d = self.dialect;
        let text = match v {
            Value::Number(n, false) => number(n)?.to_string(),
            Value::SingleQuotedString(s)
            | Value::DoubleQuotedString(s)
            | Value::EscapedStringLiteral(s)
            | Value::UnicodeStringLiteral(s) => quote::string(d, s),
            // `$$…$$` means the text between the dollars.
            Value::DollarQuotedString(s) => quote::string(d, &s.value),
            Value::NationalStringLiteral(s) => format!("N{}", quote::string(d, s)),
            Value::HexStringLiteral(h) if h.chars().all(|c| c.is_ascii_hexdigit()) => {
                format!("X'{h}'")
            }
            Value::SingleQuotedByteStringLiteral(b) if b.chars().all(|c| c == '0' || c == '1') => {
                format!("B'{b}'")
            }
            Value::Boolean(b) => b.to_string(),
            Value::Null => "NULL".to_string(),
            Value::Placeholder(p) => return Err(unsupported(&format!("the placeholder `{p}`"))),
            other => return Err(unsupported(&format!("the literal `{other}`"))),
        };
        self.push(&text);
        Ok(())
    }
}

/// A number literal as the tokenizer reads one: digits, a point, an exponent (or MySQL's
/// `0x1F`). Anything else is refused.
fn number(n: &str) -> Result<&str, String> {
    let hex = n
        .strip_prefix("0x")
        .or_else(|| n.strip_prefix("0X"))
        .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()));
    let (mantissa, exponent) = match n.find(['e', 'E']) {
        Some(at) => (&n[..at], Some(&n[at + 1..])),
        None => (n, None),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let decimal = !(int.is_empty() && frac.is_empty())
        && digits(int)
        && digits(frac)
        && exponent.is_none_or(|e| {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && digits(e)
        });
    if hex || decimal {
        Ok(n)
    } else {
        Err(unsupported(&format!("the number `{n}`")))
    }
}

fn is_operator_char(c: char) -> bool {
    "+-*/<>=~!@#%^&|`?".contains(c)
}

/// A user-defined operator symbol (`@@@`, `<->`): operator characters only, and never a
/// comment opener.
pub(crate) fn operator_symbol(s: &str) -> Result<&str, String> {
    if !s.is_empty() && s.chars().all(is_operator_char) && !s.contains("--") && !s.contains("/*") {
        Ok(s)
    } else {
        Err(unsupported(&format!("the operator `{s}`")))
    }
}

/// A date/time field keyword (`EPOCH`, `HOUR`).
fn datetime_field(f: &DateTimeField) -> Result<String, String> {
    match f {
        DateTimeField::Custom(i) | DateTimeField::Week(Some(i)) => {
            if quote::is_word(&i.value) {
                Ok(f.to_string())
            } else {
                Err(unsupported(&format!("the field `{}`", i.value)))
            }
        }
        // Keywords of sqlparser's own.
        other => Ok(other.to_string()),
    }
}

/// A type in a cast or typed literal, as SQL of `dialect`. PostgreSQL casts were already
/// respelled as the catalog names the type (one identifier holding the whole spelling); every
/// spelling is checked to be a type and nothing else.
fn type_text(dialect: Dialect, dt: &DataType) -> Result<String, String> {
    let text = match dt {
        DataType::Custom(name, modifiers) if modifiers.is_empty() && name.0.len() == 1 => {
            match &name.0[0] {
                ObjectNamePart::Identifier(i) if i.quote_style.is_none() => i.value.clone(),
                _ => dt.to_string(),
            }
        }
        other => other.to_string(),
    };
    check_type_text(dialect, &text)?;
    Ok(text)
}

/// `text` is a type spelling and nothing else: words (bare or quoted), numbers, parentheses,
/// brackets, commas, periods, spaces and the string literals of an `enum(…)` or `set(…)`, as
/// the engine's own tokenizer reads them — no operator, comment or statement end.
pub(crate) fn check_type_text(dialect: Dialect, text: &str) -> Result<(), String> {
    let bad = || format!("`{text}` is not a type plinth can write");
    let pd = parser_dialect(dialect);
    let tokens = Tokenizer::new(pd.as_ref(), text)
        .tokenize()
        .map_err(|_| bad())?;
    let mut depth = 0usize;
    for t in &tokens {
        match t {
            Token::Word(_)
            | Token::Number(_, false)
            | Token::Comma
            | Token::Period
            | Token::LBracket
            | Token::RBracket
            | Token::Whitespace(Whitespace::Space) => {}
            Token::SingleQuotedString(_) if depth > 0 => {}
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.checked_sub(1).ok_or_else(bad)?,
            _ => return Err(bad()),
        }
    }
    if text.is_empty() && dialect != Dialect::Sqlite || depth != 0 {
        return Err(bad());
    }
    Ok(())
}

/// The name of an expression form, for messages.
fn kind_of(e: &Expr) -> &'static str {
    match e {
        Expr::JsonAccess { .. } => "JSON path access",
        Expr::IsNormalized { .. } => "IS NORMALIZED",
        Expr::InUnnest { .. } => "IN UNNEST",
        Expr::GroupingSets(_) | Expr::Cube(_) | Expr::Rollup(_) => "GROUPING SETS",
        Expr::Struct { .. } => "STRUCT",
        Expr::Named { .. } => "a named expression",
        Expr::Dictionary(_) | Expr::Map(_) => "a map literal",
        Expr::MatchAgainst { .. } => "MATCH … AGAINST",
        Expr::Wildcard(_) | Expr::QualifiedWildcard(..) => "*",
        Expr::OuterJoin(_) => "(+)",
        Expr::Prior(_) => "PRIOR",
        Expr::Lambda(_) => "a lambda",
        Expr::MemberOf(_) => "MEMBER OF",
        Expr::Convert { .. } => "this form of CONVERT",
        Expr::Cast { .. } => "CAST … FORMAT",
        Expr::Like { .. } | Expr::ILike { .. } => "LIKE ANY",
        Expr::TypedString(_) => "an ODBC literal",
        _ => "this expression",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::expr::parse;

    fn p(d: Dialect, text: &str) -> String {
        print(d, &parse(d, text).unwrap()).unwrap()
    }

    #[test]
    fn names_and_values_are_quoted_per_engine() {
        assert_eq!(p(Dialect::Mysql, "`a``b` > 'x\\\\'"), "`a``b` > 'x\\\\'");
        assert_eq!(p(Dialect::Mysql, "\"it's\""), "'it''s'");
        assert_eq!(p(Dialect::Sqlite, "\"x\"\"y\" > 0"), "\"x\"\"y\" > 0");
        assert_eq!(p(Dialect::Postgres, "\"x\"\"y\\\" > 0"), "\"x\"\"y\\\" > 0");
        assert_eq!(p(Dialect::Postgres, "s = $$a'b$$"), "s = 'a''b'");
        assert_eq!(p(Dialect::Postgres, "s = $t$x$$y$t$"), "s = 'x$$y'");
        assert_eq!(p(Dialect::Postgres, "s = E'a\\\\b'"), "s = 'a\\b'");
        assert_eq!(p(Dialect::Postgres, "- -1"), "- -1");
        assert_eq!(p(Dialect::Postgres, "-(-1)"), "-(-1)");
    }

    #[test]
    fn forms_plinth_does_not_write_are_errors() {
        for text in [
            "x IN (SELECT 1)",
            "EXISTS (SELECT 1)",
            "$1 > 0",
            "count(*) OVER ()",
        ] {
            let e = parse(Dialect::Postgres, text).unwrap();
            assert!(print(Dialect::Postgres, &e).is_err(), "{text}");
        }
    }

    #[test]
    fn types_are_types() {
        for ok in [
            "character varying(20)",
            "\"Mood\"",
            "timestamp(3) with time zone",
            "integer[]",
            "numeric(10,2)",
        ] {
            assert!(check_type_text(Dialect::Postgres, ok).is_ok(), "{ok}");
        }
        assert!(check_type_text(Dialect::Mysql, "enum('a','b\\\\')").is_ok());
        for bad in [
            "int; DROP TABLE victim",
            "int -- x",
            "int /* x */",
            "text) DEFAULT (1",
            "'x'",
        ] {
            assert!(check_type_text(Dialect::Postgres, bad).is_err(), "{bad}");
        }
        assert!(check_type_text(Dialect::Mysql, "enum('a\\')").is_err());
    }
}
