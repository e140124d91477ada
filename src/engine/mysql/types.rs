//! MySQL/MariaDB type spellings: every way of writing a type, as `COLUMN_TYPE` reports it
//! without integer display widths (`int`, `varchar(20)`, `tinyint(1)`, `int unsigned`).

use sqlparser::ast::{DataType, EnumMember, ExactNumberInfo};
use sqlparser::tokenizer::{Token, TokenWithSpan, Word};

use crate::model::Dialect;
use crate::normalize::types::{char_len, with_len};

/// A declared type as `COLUMN_TYPE` spells it.
pub(crate) fn spelling(dt: &DataType) -> String {
    mysql(dt)
}

fn mysql(dt: &DataType) -> String {
    use DataType as D;
    let unsigned = |base: &str| format!("{base} unsigned");
    match dt {
        D::TinyInt(Some(1)) => "tinyint(1)".into(),
        D::Bool | D::Boolean => "tinyint(1)".into(),
        D::TinyInt(_) => "tinyint".into(),
        // `tinyint(1)` keeps its width on every server (it reads as boolean); other widths go.
        D::TinyIntUnsigned(Some(1)) => unsigned("tinyint(1)"),
        D::TinyIntUnsigned(_) => unsigned("tinyint"),
        D::SmallInt(_) | D::Int2(_) => "smallint".into(),
        D::SmallIntUnsigned(_) => unsigned("smallint"),
        D::MediumInt(_) => "mediumint".into(),
        D::MediumIntUnsigned(_) => unsigned("mediumint"),
        D::Int(_) | D::Integer(_) | D::Int4(_) => "int".into(),
        D::IntUnsigned(_) | D::IntegerUnsigned(_) | D::Int4Unsigned(_) => unsigned("int"),
        D::BigInt(_) | D::Int8(_) => "bigint".into(),
        D::BigIntUnsigned(_) | D::Int8Unsigned(_) => unsigned("bigint"),
        D::Double(ExactNumberInfo::PrecisionAndScale(p, s)) => format!("double({p},{s})"),
        D::Real | D::Double(_) | D::DoublePrecision | D::Float8 => "double".into(),
        D::DoubleUnsigned(_) | D::DoublePrecisionUnsigned | D::RealUnsigned => unsigned("double"),
        D::Float(ExactNumberInfo::Precision(p)) if *p > 24 => "double".into(),
        D::Float(ExactNumberInfo::PrecisionAndScale(p, s)) => format!("float({p},{s})"),
        D::Float(_) | D::Float4 => "float".into(),
        D::FloatUnsigned(_) => unsigned("float"),
        D::Numeric(i) | D::Decimal(i) | D::Dec(i) => mysql_decimal(i),
        D::DecimalUnsigned(i) | D::DecUnsigned(i) => unsigned(&mysql_decimal(i)),
        D::Varchar(l) | D::CharacterVarying(l) | D::CharVarying(l) | D::Nvarchar(l) => {
            with_len("varchar", char_len(l))
        }
        D::Char(l) | D::Character(l) => {
            with_len("char", Some(char_len(l).unwrap_or_else(|| "1".into())))
        }
        D::Binary(l) => with_len("binary", Some(l.unwrap_or(1).to_string())),
        D::Varbinary(l) => with_len(
            "varbinary",
            l.as_ref().map(|l| l.to_string().to_lowercase()),
        ),
        D::Text => "text".into(),
        D::TinyText => "tinytext".into(),
        D::MediumText => "mediumtext".into(),
        D::LongText => "longtext".into(),
        D::Blob(_) => "blob".into(),
        D::TinyBlob => "tinyblob".into(),
        D::MediumBlob => "mediumblob".into(),
        D::LongBlob => "longblob".into(),
        D::JSON => "json".into(),
        D::Date => "date".into(),
        // Precision 0 is the default and the catalog does not spell it.
        D::Datetime(p) => with_len("datetime", fsp(p)),
        D::Timestamp(p, _) => with_len("timestamp", fsp(p)),
        D::Time(p, _) => with_len("time", fsp(p)),
        D::Bit(l) => format!("bit({})", l.unwrap_or(1)),
        D::Enum(members, _) => format!("enum({})", quoted_members(members)),
        D::Set(values) => format!(
            "set({})",
            values
                .iter()
                .map(|v| crate::quote::string(Dialect::Mysql, v))
                .collect::<Vec<_>>()
                .join(",")
        ),
        D::Custom(name, args) => {
            let n = name.to_string().to_lowercase();
            let n = match n.as_str() {
                "int4" => "int".into(),
                "int8" => "bigint".into(),
                "bool" => return "tinyint(1)".into(),
                // `year(4)` is `year` (MariaDB's catalog says `year(4)` of both).
                "year" if args.iter().all(|a| a == "4") => return "year".into(),
                _ => n,
            };
            if args.is_empty() {
                n
            } else {
                format!("{n}({})", args.join(","))
            }
        }
        other => other.to_string().to_lowercase(),
    }
}

fn fsp(p: &Option<u64>) -> Option<String> {
    p.filter(|p| *p > 0).map(|p| p.to_string())
}

/// MySQL/MariaDB: a catalog `COLUMN_TYPE` in the spelling [`normalize`] gives a declared type.
/// Integer display widths go (`int(11)` ≡ `int`; MySQL 8.0.19+ already drops them), except
/// `tinyint(1)`, which both servers keep; `year(4)` is `year`.
pub(crate) fn mysql_catalog(column_type: &str) -> String {
    let ty = column_type.trim();
    for base in ["tinyint", "smallint", "mediumint", "int", "bigint", "year"] {
        let Some(rest) = ty.strip_prefix(base).and_then(|r| r.strip_prefix('(')) else {
            continue;
        };
        let Some((width, tail)) = rest.split_once(')') else {
            continue;
        };
        if !width.chars().all(|c| c.is_ascii_digit()) || (base == "tinyint" && width == "1") {
            break;
        }
        return format!("{base}{tail}");
    }
    ty.to_string()
}

fn mysql_decimal(info: &ExactNumberInfo) -> String {
    match info {
        ExactNumberInfo::None => "decimal(10,0)".into(),
        ExactNumberInfo::Precision(p) => format!("decimal({p},0)"),
        ExactNumberInfo::PrecisionAndScale(p, s) => format!("decimal({p},{s})"),
    }
}

fn quoted_members(members: &[EnumMember]) -> String {
    members
        .iter()
        .map(|m| match m {
            // As the catalog spells a member (`COLUMN_TYPE`).
            EnumMember::Name(n) | EnumMember::NamedValue(n, _) => {
                crate::quote::string(Dialect::Mysql, n)
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether a file's tokens are written for MySQL/MariaDB alone: they use what only they read
/// (backquoted names, `AUTO_INCREMENT`, `ENGINE`, `UNSIGNED`, `ZEROFILL`, `CHARSET`,
/// `ON UPDATE CURRENT_TIMESTAMP`). Such a file's `timestamp` is MySQL's own; a portable
/// file's is [`portable_timestamps`]'s.
pub(crate) fn written_for_mysql(tokens: &[TokenWithSpan]) -> bool {
    let words: Vec<&Word> = tokens
        .iter()
        .filter_map(|t| match &t.token {
            Token::Word(w) => Some(w),
            _ => None,
        })
        .collect();
    let is = |w: &Word, k: &str| w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k);
    const MYSQL_WORDS: [&str; 5] = [
        "AUTO_INCREMENT",
        "ENGINE",
        "UNSIGNED",
        "ZEROFILL",
        "CHARSET",
    ];
    words.iter().enumerate().any(|(i, w)| {
        w.quote_style == Some('`')
            || MYSQL_WORDS.iter().any(|k| is(w, k))
            || (is(w, "ON")
                && words.get(i + 1).is_some_and(|n| is(n, "UPDATE"))
                && words
                    .get(i + 2)
                    .is_some_and(|n| is(n, "CURRENT_TIMESTAMP") || is(n, "NOW")))
    })
}

/// A portable `timestamp` is a date and a time of day, whatever the zone and the year: MySQL's
/// `datetime`. (MySQL's own `timestamp` holds 1970 to 2038 and converts to and from the
/// session's time zone.)
pub(crate) fn portable_timestamps(schema: &mut crate::model::Schema) {
    for table in schema.tables.values_mut() {
        for column in &mut table.columns {
            if column.ty.base() == "timestamp" {
                let ty = format!("datetime{}", &column.ty.as_str()["timestamp".len()..]);
                column.ty = crate::model::ColumnType::new(Dialect::Mysql, ty);
            }
        }
    }
}
