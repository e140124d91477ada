//! Column types: every spelling of a type normalized to the one the engine's catalog reports.
//!
//! PostgreSQL: `format_type` (`integer`, `character varying(20)`, `timestamp with time zone`).
//! MySQL/MariaDB: `COLUMN_TYPE` without integer display widths (`int`, `varchar(20)`,
//! `tinyint(1)`, `int unsigned`). SQLite: the declared type, upper-cased.

use sqlparser::ast::{
    ArrayElemTypeDef, CharacterLength, DataType, EnumMember, ExactNumberInfo, ObjectName,
    TimezoneInfo,
};

use crate::model::Dialect;

/// What a declared type means: the canonical type, and whether it implies a serial column
/// (PostgreSQL `serial`/`bigserial`/`smallserial`).
pub struct Normalized {
    pub ty: String,
    pub serial: bool,
}

pub fn normalize(dialect: Dialect, dt: &DataType) -> Normalized {
    let plain = |ty: String| Normalized { ty, serial: false };
    match dialect {
        Dialect::Postgres => {
            if let DataType::Custom(name, args) = dt {
                if args.is_empty() {
                    let n = name.to_string().to_lowercase();
                    let base = match n.as_str() {
                        "serial" | "serial4" => Some("integer"),
                        "bigserial" | "serial8" => Some("bigint"),
                        "smallserial" | "serial2" => Some("smallint"),
                        _ => None,
                    };
                    if let Some(base) = base {
                        return Normalized {
                            ty: base.to_string(),
                            serial: true,
                        };
                    }
                }
            }
            plain(postgres(dt))
        }
        Dialect::Mysql => plain(mysql(dt)),
        Dialect::Sqlite => plain(sqlite(dt)),
    }
}

fn char_len(len: &Option<CharacterLength>) -> Option<String> {
    match len {
        Some(CharacterLength::IntegerLength { length, .. }) => Some(length.to_string()),
        Some(CharacterLength::Max) => Some("max".into()),
        None => None,
    }
}

fn with_len(base: &str, len: Option<String>) -> String {
    match len {
        Some(l) => format!("{base}({l})"),
        None => base.to_string(),
    }
}

fn exact(base: &str, info: &ExactNumberInfo) -> String {
    match info {
        ExactNumberInfo::None => base.to_string(),
        ExactNumberInfo::Precision(p) => format!("{base}({p})"),
        ExactNumberInfo::PrecisionAndScale(p, s) => format!("{base}({p},{s})"),
    }
}

fn postgres(dt: &DataType) -> String {
    use DataType as D;
    let time = |base: &str, p: &Option<u64>, tz: &TimezoneInfo, default_tz: bool| {
        let with_tz = match tz {
            TimezoneInfo::WithTimeZone | TimezoneInfo::Tz => true,
            TimezoneInfo::WithoutTimeZone => false,
            TimezoneInfo::None => default_tz,
        };
        let p = p.map(|p| format!("({p})")).unwrap_or_default();
        let zone = if with_tz { "with" } else { "without" };
        format!("{base}{p} {zone} time zone")
    };
    match dt {
        D::SmallInt(_) | D::Int2(_) => "smallint".into(),
        D::Int(_) | D::Integer(_) | D::Int4(_) => "integer".into(),
        D::BigInt(_) | D::Int8(_) => "bigint".into(),
        D::Real | D::Float4 => "real".into(),
        D::DoublePrecision | D::Float8 | D::Double(ExactNumberInfo::None) => {
            "double precision".into()
        }
        D::Float(info) => match info {
            ExactNumberInfo::Precision(p) if *p <= 24 => "real".into(),
            _ => "double precision".into(),
        },
        // `numeric(10)` is `numeric(10,0)` in the catalog.
        D::Numeric(ExactNumberInfo::Precision(p))
        | D::Decimal(ExactNumberInfo::Precision(p))
        | D::Dec(ExactNumberInfo::Precision(p)) => format!("numeric({p},0)"),
        D::Numeric(i) | D::Decimal(i) | D::Dec(i) => exact("numeric", i),
        D::Bool | D::Boolean => "boolean".into(),
        D::Varchar(l) | D::CharacterVarying(l) | D::CharVarying(l) | D::Nvarchar(l) => {
            with_len("character varying", char_len(l))
        }
        D::Char(l) | D::Character(l) => {
            with_len("character", Some(char_len(l).unwrap_or_else(|| "1".into())))
        }
        D::Text | D::String(None) => "text".into(),
        D::Bytea => "bytea".into(),
        D::Uuid => "uuid".into(),
        D::JSON => "json".into(),
        D::JSONB => "jsonb".into(),
        D::Date => "date".into(),
        D::Timestamp(p, tz) => time("timestamp", p, tz, false),
        D::Time(p, tz) => time("time", p, tz, false),
        D::Datetime(p) => time("timestamp", p, &TimezoneInfo::None, false),
        D::Interval { .. } => dt.to_string().to_lowercase(),
        D::Bit(l) => with_len("bit", Some(l.unwrap_or(1).to_string())),
        D::BitVarying(l) | D::VarBit(l) => with_len("bit varying", l.map(|l| l.to_string())),
        D::Array(elem) => match elem {
            ArrayElemTypeDef::SquareBracket(inner, _)
            | ArrayElemTypeDef::AngleBracket(inner)
            // Dimensions are not part of the type: `integer[][]` is `integer[]`.
            | ArrayElemTypeDef::Parenthesis(inner) => {
                format!("{}[]", postgres(inner).trim_end_matches("[]"))
            }
            ArrayElemTypeDef::None => "anyarray".into(),
        },
        D::Custom(name, args) => {
            let n = postgres_type_name(name);
            let n = match n.as_str() {
                "int4" | "int" => "integer".to_string(),
                "int8" => "bigint".into(),
                "int2" => "smallint".into(),
                "float8" => "double precision".into(),
                "float4" => "real".into(),
                "bool" => "boolean".into(),
                "timestamptz" => {
                    return time("timestamp", &first_num(args), &TimezoneInfo::Tz, true)
                }
                "timetz" => return time("time", &first_num(args), &TimezoneInfo::Tz, true),
                "varbit" => "bit varying".into(),
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

fn first_num(args: &[String]) -> Option<u64> {
    args.first().and_then(|a| a.parse().ok())
}

/// A user-defined (or unlisted built-in) type name as `format_type` spells it: each part
/// folded (quoted parts keep their case), the `public.` qualifier dropped, and a part quoted
/// again when it is not a plain lower-case identifier (`"Mood"`, `mood`).
fn postgres_type_name(name: &ObjectName) -> String {
    let mut parts: Vec<String> = name
        .0
        .iter()
        .map(|part| match part.as_ident() {
            Some(ident) if ident.quote_style.is_some() => ident.value.clone(),
            Some(ident) => ident.value.to_lowercase(),
            None => part.to_string().to_lowercase(),
        })
        .collect();
    if parts.len() > 1 && parts[0] == "public" {
        parts.remove(0);
    }
    parts
        .iter()
        .map(|p| {
            let plain = p
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && !p.starts_with(|c: char| c.is_ascii_digit())
                && !p.is_empty()
                // `"bit"` and `"char"` are other types than `bit` (`bit(1)`) and `char`.
                && (name.0.len() != 1
                    || !matches!(p.as_str(), "bit" | "char")
                    || name.0[0].as_ident().is_none_or(|i| i.quote_style.is_none()));
            if plain {
                p.clone()
            } else {
                format!("\"{}\"", p.replace('"', "\"\""))
            }
        })
        .collect::<Vec<_>>()
        .join(".")
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
                "serial" => return "bigint unsigned".into(),
                "int4" => "int".into(),
                "int8" => "bigint".into(),
                "bool" => return "tinyint(1)".into(),
                "year" => "year".into(),
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
pub fn mysql_catalog(column_type: &str) -> String {
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

fn sqlite(dt: &DataType) -> String {
    dt.to_string().to_uppercase()
}
