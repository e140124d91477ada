//! PostgreSQL type spellings: every way of writing a type, as `format_type` prints it
//! (`integer`, `character varying(20)`, `timestamp with time zone`).

use sqlparser::ast::{ArrayElemTypeDef, DataType, ExactNumberInfo, ObjectName, TimezoneInfo};

use crate::normalize::types::{char_len, exact, with_len};

/// A declared type as `format_type` prints it.
pub(crate) fn spelling(dt: &DataType) -> String {
    postgres(dt)
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
