//! The forms an expression is written out of: names, operators, functions, literals and
//! types, each through the engine's quoting or checked to be what it claims to be.

use sqlparser::ast::{
    BinaryOperator, CeilFloorKind, DataType, DateTimeField, DuplicateTreatment, Expr, Function,
    FunctionArg, FunctionArgExpr, FunctionArguments, Ident, Interval, ObjectName, ObjectNamePart,
    UnaryOperator, Value,
};
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

use super::{print, unsupported, Out, Printer, MYSQL_NILADIC};
use crate::engine::postgres::prepass;
use crate::model::Dialect;
use crate::quote;
use crate::sql::parser_dialect;

impl Printer {
    /// A column (or other bare name) in an expression. MySQL's niladic functions written
    /// without parentheses (`UTC_TIMESTAMP`) read as names and stay bare words.
    pub(super) fn column(&self, i: &Ident) -> String {
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

    pub(super) fn postfix(&mut self, x: &Expr, tail: &str) -> Out {
        self.expr(x)?;
        self.push(tail);
        Ok(())
    }

    pub(super) fn like(
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

    pub(super) fn quantified(
        &mut self,
        left: &Expr,
        op: &BinaryOperator,
        word: &str,
        right: &Expr,
    ) -> Out {
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

    pub(super) fn unary(&mut self, op: &UnaryOperator, x: &Expr) -> Out {
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

    pub(super) fn ceil_floor(&mut self, word: &str, x: &Expr, field: &CeilFloorKind) -> Out {
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

    pub(super) fn interval(&mut self, i: &Interval) -> Out {
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

    pub(super) fn function(&mut self, f: &Function) -> Out {
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
        // A `VARIADIC` argument, marked by the prepass (see `prepass::VARIADIC`).
        if let (
            Dialect::Postgres,
            [ObjectNamePart::Identifier(marker)],
            FunctionArguments::List(list),
        ) = (self.dialect, f.name.0.as_slice(), &f.args)
        {
            if marker.quote_style.is_some() && marker.value == prepass::VARIADIC {
                let [FunctionArg::Unnamed(arg)] = list.args.as_slice() else {
                    return Err(unsupported("this VARIADIC argument"));
                };
                self.push("VARIADIC ");
                return self.function_arg(arg);
            }
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

    pub(super) fn function_arg(&mut self, a: &FunctionArgExpr) -> Out {
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
    pub(super) fn function_name(&self, name: &ObjectName) -> Result<String, String> {
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
    pub(super) fn object_name(&self, name: &ObjectName) -> Result<String, String> {
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
    pub(super) fn collation(&self, name: &ObjectName) -> Result<String, String> {
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

    pub(super) fn binary_operator(&self, op: &BinaryOperator) -> Result<String, String> {
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

    pub(super) fn value(&mut self, v: &Value) -> Out {
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
pub(super) fn number(n: &str) -> Result<&str, String> {
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
pub(super) fn datetime_field(f: &DateTimeField) -> Result<String, String> {
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
pub(super) fn type_text(dialect: Dialect, dt: &DataType) -> Result<String, String> {
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
pub(super) fn kind_of(e: &Expr) -> &'static str {
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
