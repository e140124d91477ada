//! What a column's type change can do to its values, per engine: the widening rules written
//! down as data (ladders of types, each holding every value of the ones below it), read by one
//! classifier.

use crate::model::{ColumnType, Dialect};

use super::TypeChange;

/// One engine's rules.
struct Rules {
    /// Bare types (a base, with ` unsigned` where it is), narrowest first: a type holds every
    /// value of the ones before it on its ladder.
    ladders: &'static [&'static [&'static str]],
    /// `(unsigned, signed)`: an unsigned integer type whose values the signed one holds (and
    /// so every wider signed one).
    unsigned_fits: &'static [(&'static str, &'static str)],
    /// Types whose length is a maximum (`varchar(n)`; no length: unbounded) or, for a
    /// blank-padded `char(n)` (no length: 1), what the values are padded to (trailing blanks do
    /// not count).
    lengths: &'static [&'static str],
    /// Text types of no declared length, with the bytes they hold: a string type of `n`
    /// characters (up to 4 bytes each) fits where `4n` bytes do.
    text_bytes: &'static [(&'static str, u64)],
    /// Whether adding members to an `enum` or `set` keeps every value.
    members: bool,
}

const POSTGRES: Rules = Rules {
    ladders: &[
        &["smallint", "integer", "bigint"],
        &["real", "double precision"],
    ],
    unsigned_fits: &[],
    lengths: &["character varying", "character", "bit varying"],
    text_bytes: &[("text", u64::MAX)],
    members: false,
};

const MYSQL: Rules = Rules {
    ladders: &[
        &["tinyint", "smallint", "mediumint", "int", "bigint"],
        &[
            "tinyint unsigned",
            "smallint unsigned",
            "mediumint unsigned",
            "int unsigned",
            "bigint unsigned",
        ],
        &["float", "double"],
        &["tinytext", "text", "mediumtext", "longtext"],
        &["tinyblob", "blob", "mediumblob", "longblob"],
    ],
    unsigned_fits: &[
        ("tinyint unsigned", "smallint"),
        ("smallint unsigned", "mediumint"),
        ("mediumint unsigned", "int"),
        ("int unsigned", "bigint"),
    ],
    lengths: &["varchar", "char", "varbinary"],
    text_bytes: &[
        ("tinytext", 255),
        ("text", 65_535),
        ("mediumtext", 16_777_215),
        ("longtext", 4_294_967_295),
    ],
    members: true,
};

/// SQLite keeps each value as it was stored (see [`classify_type_change`]); these say what
/// a rebuild copying the rows into a column of another affinity may do.
const SQLITE: Rules = Rules {
    ladders: &[&["tinyint", "smallint", "mediumint", "int", "bigint"]],
    unsigned_fits: &[],
    lengths: &[],
    text_bytes: &[],
    members: false,
};

fn rules(dialect: Dialect) -> &'static Rules {
    match dialect {
        Dialect::Postgres => &POSTGRES,
        Dialect::Mysql => &MYSQL,
        Dialect::Sqlite => &SQLITE,
    }
}

/// What changing a column of `dialect` from type `from` to type `to` can do to its values,
/// decided from the types' parts (see [`ColumnType`]) by the engine's [`Rules`].
pub fn classify_type_change(dialect: Dialect, from: &ColumnType, to: &ColumnType) -> TypeChange {
    if from == to {
        return TypeChange::Widening;
    }
    // SQLite keeps each value as it was stored, whatever the declared type says; a declared
    // type only chooses the affinity new values are converted by. Rows copied into a column of
    // the same affinity (`DATETIME` → `TIMESTAMP`, `VARCHAR(300)` → `TEXT`) come out unchanged.
    if dialect == Dialect::Sqlite && sqlite_affinity(from) == sqlite_affinity(to) {
        return TypeChange::Widening;
    }
    let rules = rules(dialect);
    let text_like = |t: &ColumnType| {
        ["character varying", "varchar", "char"]
            .iter()
            .any(|b| t.base().starts_with(b))
    };
    if from.is_array() || to.is_array() {
        // An array and a scalar are different things, whatever their elements. Two arrays are
        // not classified by element: two of character types narrow.
        return if from.is_array() && to.is_array() && text_like(from) && text_like(to) {
            TypeChange::Narrowing
        } else {
            TypeChange::Reinterpreting
        };
    }
    if let Some(change) = on_ladders(rules, from, to) {
        return change;
    }
    if rules.members && from.base() == to.base() && matches!(from.base(), "enum" | "set") {
        let kept = from.members().iter().all(|m| to.members().contains(m));
        return if kept {
            TypeChange::Widening
        } else {
            TypeChange::Narrowing
        };
    }
    if let (Some((p1, s1)), Some((p2, s2))) = (decimal(from), decimal(to)) {
        // Room for as many integer digits and as many fractional digits as before.
        return if s2 >= s1 && p2 - s2 >= p1 - s1 {
            TypeChange::Widening
        } else {
            TypeChange::Narrowing
        };
    }
    if let (Some(a), Some(b)) = (length(rules, from), length(rules, to)) {
        if from.base() == to.base() {
            let wider = match (a, b) {
                (_, None) => true,
                (Some(a), Some(b)) => a <= b,
                (None, Some(_)) => false,
            };
            return if wider {
                TypeChange::Widening
            } else {
                TypeChange::Narrowing
            };
        }
    }
    // A string type into a text type with room for its longest value.
    let text = |t: &ColumnType| {
        (t.is_plain())
            .then(|| rules.text_bytes.iter().find(|(name, _)| *name == t.base()))
            .flatten()
            .map(|(_, bytes)| *bytes)
    };
    let chars = |t: &ColumnType| match length(rules, t) {
        Some(n) if text_like(t) => Some(n),
        _ => None,
    };
    match (chars(from), text(to)) {
        (Some(Some(n)), Some(bytes)) if u64::from(n) * 4 <= bytes => TypeChange::Widening,
        (Some(None), Some(u64::MAX)) => TypeChange::Widening,
        _ if (text_like(from) || text(from).is_some()) && (text_like(to) || text(to).is_some()) => {
            TypeChange::Narrowing
        }
        _ => TypeChange::Reinterpreting,
    }
}

/// The type as the ladders name it: its base, ` unsigned` where it is; `None` with a modifier
/// or an array suffix (`tinyint(1)`, `float(7,2)` are not the bare types).
fn rung(ty: &ColumnType) -> Option<String> {
    if ty.has_modifier() || ty.is_array() {
        return None;
    }
    Some(if ty.is_unsigned() {
        format!("{} unsigned", ty.base())
    } else {
        ty.base().to_string()
    })
}

/// Both types on the engine's ladders: widening up a ladder (or from an unsigned integer into
/// a signed one that holds it), narrowing down one; `None` when a ladder does not say.
fn on_ladders(rules: &Rules, from: &ColumnType, to: &ColumnType) -> Option<TypeChange> {
    let (from, to) = (rung(from)?, rung(to)?);
    let place = |name: &str| {
        (rules.ladders.iter().enumerate())
            .find_map(|(l, ladder)| Some((l, ladder.iter().position(|t| *t == name)?)))
    };
    let (a, b) = (place(&from)?, place(&to)?);
    if a.0 == b.0 {
        return Some(if a.1 <= b.1 {
            TypeChange::Widening
        } else {
            TypeChange::Narrowing
        });
    }
    // From an unsigned integer to a signed one at least as wide as the one that holds it.
    let holds = (rules.unsigned_fits.iter())
        .filter(|(unsigned, _)| *unsigned == from)
        .filter_map(|(_, signed)| place(signed))
        .any(|s| s.0 == b.0 && s.1 <= b.1);
    holds.then_some(TypeChange::Widening)
}

/// SQLite's type affinity of a declared type, by its rules in order (datatype3.html §3.1).
fn sqlite_affinity(ty: &ColumnType) -> &'static str {
    let t = ty.as_str().to_ascii_uppercase();
    if t.contains("INT") {
        "INTEGER"
    } else if ["CHAR", "CLOB", "TEXT"].iter().any(|k| t.contains(k)) {
        "TEXT"
    } else if t.contains("BLOB") || t.is_empty() {
        "BLOB"
    } else if ["REAL", "FLOA", "DOUB"].iter().any(|k| t.contains(k)) {
        "REAL"
    } else {
        "NUMERIC"
    }
}

/// A type of the engine's [`Rules::lengths`], `base` or `base(n)` → `Some(None)` or
/// `Some(Some(n))`.
fn length(rules: &Rules, ty: &ColumnType) -> Option<Option<u32>> {
    if !rules.lengths.contains(&ty.base()) || ty.is_unsigned() || ty.is_array() {
        return None;
    }
    match (ty.has_modifier(), ty.params()) {
        (false, _) if matches!(ty.base(), "character" | "char") => Some(Some(1)),
        (false, _) => Some(None),
        (true, [n]) => Some(Some(*n)),
        _ => None,
    }
}

/// `numeric(p,s)` / `decimal(p,s)` (`(p)` means scale 0), signed → `(p, s)`.
fn decimal(ty: &ColumnType) -> Option<(u32, u32)> {
    if !matches!(ty.base(), "numeric" | "decimal") || ty.is_unsigned() {
        return None;
    }
    let (precision, scale) = match ty.params() {
        [p] => (*p, 0),
        [p, s] => (*p, *s),
        _ => return None,
    };
    (scale <= precision).then_some((precision, scale))
}

#[cfg(test)]
mod tests;
