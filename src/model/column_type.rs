//! [`ColumnType`]: a column's type as the engine's catalog spells it, and what that spelling
//! says (base type, parameters, array, unsigned, members), read once when the value is made.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Serialize, Serializer};

use super::Dialect;

/// A column's type: its canonical text (PostgreSQL `format_type`, MySQL `COLUMN_TYPE`, SQLite
/// the declared type upper-cased), which alone says what it is — `==`, ordering, hashing and the
/// JSON plan use only the text, and `Display` writes it — and the parts of that text, read from
/// it by [`ColumnType::new`], the only way to make one, so the parts cannot disagree with the
/// text. Consumers ask the parts ([`base`](ColumnType::base), [`params`](ColumnType::params)…)
/// and never search the text.
#[derive(Debug, Clone)]
pub struct ColumnType {
    text: Box<str>,
    /// The name without its parenthesized modifier, array suffix and (MySQL) `unsigned`.
    base: Base,
    /// The parentheses' numbers (`varchar(20)`: `[20]`; `numeric(10,2)`: `[10, 2]`); empty
    /// when there are none or they hold something else.
    params: Params,
    /// MySQL `enum(…)`/`set(…)`: the members' values, unquoted.
    members: Box<[String]>,
    /// Where the text of the element type ends (before the array suffix).
    element_end: u32,
    /// The text has a parenthesized modifier, whatever it holds (`varchar(max)` has one and no
    /// `params`).
    modified: bool,
    /// PostgreSQL `[]`. A bool, not a number of dimensions: PostgreSQL types have none
    /// (`integer[][]` is `integer[]`, `format_type` writes one `[]`).
    array: bool,
    /// MySQL `unsigned` (`zerofill` implies it).
    unsigned: bool,
}

/// Where a type's base name is kept. A schema holds many types, on both sides of the diff, and
/// nearly every base is the start of the text or a built-in name: neither allocates.
#[derive(Debug, Clone)]
enum Base {
    /// The first `n` bytes of the text (`varchar(20)`: 7).
    Prefix(u32),
    /// A built-in name spelled otherwise in the text (SQLite's `INTEGER`: `integer`).
    Known(&'static str),
    /// Anything else (`timestamp(3) with time zone`: `timestamp with time zone`).
    Owned(Box<str>),
}

/// Built-in base names of the three engines, sorted, for [`Base::Known`].
const KNOWN_BASES: &[&str] = &[
    "bigint",
    "binary",
    "bit",
    "blob",
    "bool",
    "boolean",
    "bytea",
    "char",
    "character",
    "character varying",
    "date",
    "datetime",
    "decimal",
    "double",
    "double precision",
    "enum",
    "float",
    "int",
    "integer",
    "json",
    "jsonb",
    "longblob",
    "longtext",
    "mediumblob",
    "mediumint",
    "mediumtext",
    "numeric",
    "real",
    "set",
    "smallint",
    "text",
    "time",
    "time with time zone",
    "time without time zone",
    "timestamp",
    "timestamp with time zone",
    "timestamp without time zone",
    "tinyblob",
    "tinyint",
    "tinytext",
    "uuid",
    "varbinary",
    "varchar",
    "year",
];

/// Up to two numbers inline (no type has more: a length, or a precision and a scale); a
/// modifier of more numbers, or of numbers beyond `u32`, is not read as numbers.
#[derive(Debug, Clone, Copy, Default)]
struct Params {
    values: [u32; 2],
    len: u8,
}

impl Params {
    fn read(numbers: &[u32]) -> Params {
        match *numbers {
            [a] => Params {
                values: [a, 0],
                len: 1,
            },
            [a, b] => Params {
                values: [a, b],
                len: 2,
            },
            _ => Params::default(),
        }
    }

    fn as_slice(&self) -> &[u32] {
        &self.values[..usize::from(self.len)]
    }
}

impl ColumnType {
    /// Read `text`, the engine's canonical spelling of a type (what the normalizers and the
    /// inspectors produce), for `dialect`. Pure; text plinth cannot take apart keeps what it can
    /// (a base with no parameters) and still compares by text.
    pub fn new(dialect: Dialect, text: impl Into<String>) -> ColumnType {
        let text = text.into();
        let mut rest = text.trim_end();
        let mut array = false;
        if dialect == Dialect::Postgres {
            while let Some(r) = rest.strip_suffix("[]") {
                rest = r.trim_end();
                array = true;
            }
        }
        let element_end = if array { rest.len() } else { text.len() };
        let mut unsigned = false;
        if dialect == Dialect::Mysql {
            loop {
                let lower = rest.to_ascii_lowercase();
                match ["unsigned", "zerofill"]
                    .iter()
                    .find(|w| lower.ends_with(*w) && lower[..lower.len() - w.len()].ends_with(' '))
                {
                    Some(w) => {
                        rest = rest[..rest.len() - w.len()].trim_end();
                        unsigned = true;
                    }
                    None => break,
                }
            }
        }
        let (name, inner) = match modifier(rest) {
            Some((open, close)) => (
                format!("{}{}", &rest[..open].trim_end(), &rest[close + 1..]),
                Some(&rest[open + 1..close]),
            ),
            None => (rest.to_string(), None),
        };
        let base = match dialect {
            // Built-in types are spelled in lower case already; a user type keeps its quoted name.
            Dialect::Postgres => name.trim().to_string(),
            Dialect::Mysql | Dialect::Sqlite => name.trim().to_ascii_lowercase(),
        };
        let mut params = Vec::new();
        let mut members = Vec::new();
        if let Some(inner) = inner {
            if dialect == Dialect::Mysql && (base == "enum" || base == "set") {
                members = split_top(inner)
                    .iter()
                    .map(|m| crate::quote::unstring(dialect, m.trim()))
                    .collect::<Option<Vec<_>>>()
                    .unwrap_or_default();
            } else {
                params = split_top(inner)
                    .iter()
                    .map(|p| p.trim().parse::<u32>().ok())
                    .collect::<Option<Vec<_>>>()
                    .unwrap_or_default();
            }
        }
        let base = if text.starts_with(base.as_str()) {
            Base::Prefix(u32::try_from(base.len()).unwrap_or(u32::MAX))
        } else if let Ok(i) = KNOWN_BASES.binary_search(&base.as_str()) {
            Base::Known(KNOWN_BASES[i])
        } else {
            Base::Owned(base.into_boxed_str())
        };
        ColumnType {
            base,
            params: Params::read(&params),
            members: members.into_boxed_slice(),
            modified: inner.is_some(),
            array,
            unsigned,
            element_end: u32::try_from(element_end).unwrap_or(u32::MAX),
            text: text.into_boxed_str(),
        }
    }

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The type's name without its modifier, array suffix and `unsigned` (`character varying`,
    /// `numeric`, `timestamp with time zone`, `int`, `enum`). Lower-cased for MySQL and SQLite
    /// (SQLite's text is upper case); PostgreSQL's is its text, where built-in names are lower
    /// case and a user type's quoted name keeps its case.
    pub fn base(&self) -> &str {
        match &self.base {
            Base::Prefix(n) => self.text.get(..*n as usize).unwrap_or_default(),
            Base::Known(name) => name,
            Base::Owned(name) => name,
        }
    }

    /// The numbers in the parentheses: a length, a precision and scale, a fractional-seconds
    /// precision. Empty when there are no parentheses or they hold something else.
    pub fn params(&self) -> &[u32] {
        self.params.as_slice()
    }

    /// Whether the text has a parenthesized modifier (read into `params` or `members`, or not).
    pub fn has_modifier(&self) -> bool {
        self.modified
    }

    /// The bare name: no modifier, not an array, not unsigned (`integer`, `text`, `int`).
    pub fn is_plain(&self) -> bool {
        !self.modified && !self.array && !self.unsigned
    }

    /// MySQL `enum`/`set` members, unquoted.
    pub fn members(&self) -> &[String] {
        &self.members
    }

    /// PostgreSQL: whether it is an array type (`integer[]`).
    pub fn is_array(&self) -> bool {
        self.array
    }

    /// MySQL: whether it is `unsigned`.
    pub fn is_unsigned(&self) -> bool {
        self.unsigned
    }

    /// Whether the base is one of the engines' built-in type names plinth knows (a PostgreSQL
    /// enum or domain is not; neither are the built-ins plinth has no spelling rule for).
    pub fn is_known_base(&self) -> bool {
        KNOWN_BASES.binary_search(&self.base()).is_ok()
    }

    /// The text of the element type: the text without its array suffix (`mood[]`: `mood`).
    pub fn element(&self) -> &str {
        self.text
            .get(..self.element_end as usize)
            .unwrap_or_default()
    }
}

/// The byte range of the parentheses of a type's modifier: the first `(` outside quotes and its
/// matching `)`.
fn modifier(text: &str) -> Option<(usize, usize)> {
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    let mut open = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => {
                if depth == 0 && open.is_none() {
                    open = Some(i);
                }
                depth += 1;
            }
            (None, ')') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return open.map(|o| (o, i));
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` cut at the commas outside quotes (a doubled quote inside a quoted string is two
/// quotes in a row, which this reads as leaving and entering the string: the same cut).
fn split_top(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some('\''), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, ',') => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for ColumnType {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}
impl Eq for ColumnType {}
impl PartialEq<str> for ColumnType {
    fn eq(&self, other: &str) -> bool {
        &*self.text == other
    }
}
impl PartialEq<&str> for ColumnType {
    fn eq(&self, other: &&str) -> bool {
        &*self.text == *other
    }
}
impl PartialOrd for ColumnType {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ColumnType {
    fn cmp(&self, other: &Self) -> Ordering {
        self.text.cmp(&other.text)
    }
}
impl Hash for ColumnType {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl Serialize for ColumnType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(d: Dialect, text: &str) -> (String, Vec<u32>, bool, bool) {
        let t = ColumnType::new(d, text);
        assert_eq!(t.as_str(), text);
        assert_eq!(t.to_string(), text);
        (
            t.base().to_string(),
            t.params().to_vec(),
            t.is_array(),
            t.is_unsigned(),
        )
    }

    #[test]
    fn postgres_spellings() {
        let pg = Dialect::Postgres;
        assert_eq!(
            parts(pg, "integer"),
            ("integer".into(), vec![], false, false)
        );
        assert_eq!(
            parts(pg, "character varying(20)"),
            ("character varying".into(), vec![20], false, false)
        );
        assert_eq!(
            parts(pg, "numeric(10,2)[]"),
            ("numeric".into(), vec![10, 2], true, false)
        );
        assert_eq!(
            parts(pg, "timestamp(3) with time zone"),
            ("timestamp with time zone".into(), vec![3], false, false)
        );
        assert_eq!(
            parts(pg, "\"My(Type\"[]"),
            ("\"My(Type\"".into(), vec![], true, false)
        );
        assert_eq!(ColumnType::new(pg, "mood[]").element(), "mood");
        assert_eq!(ColumnType::new(pg, "mood").element(), "mood");
        // Negative scale (PostgreSQL 15): a modifier plinth does not read as numbers.
        let t = ColumnType::new(pg, "numeric(5,-2)");
        assert!(t.has_modifier() && t.params().is_empty() && !t.is_plain());
        assert!(ColumnType::new(pg, "text").is_plain());
    }

    #[test]
    fn mysql_spellings() {
        let my = Dialect::Mysql;
        assert_eq!(
            parts(my, "int unsigned"),
            ("int".into(), vec![], false, true)
        );
        assert_eq!(
            parts(my, "bigint unsigned zerofill"),
            ("bigint".into(), vec![], false, true)
        );
        assert_eq!(
            parts(my, "decimal(10,2) unsigned"),
            ("decimal".into(), vec![10, 2], false, true)
        );
        assert_eq!(
            parts(my, "tinyint(1)"),
            ("tinyint".into(), vec![1], false, false)
        );
        // No arrays in MySQL: `[]` is part of whatever the text is.
        assert!(!ColumnType::new(my, "int[]").is_array());
        let e = ColumnType::new(my, "enum('a','b,c)','it''s','back\\\\slash')");
        assert_eq!(e.base(), "enum");
        assert_eq!(e.members(), ["a", "b,c)", "it's", "back\\slash"]);
        assert!(e.params().is_empty() && e.has_modifier());
        // `unsigned` as part of a name is not the attribute.
        assert!(!ColumnType::new(my, "myunsigned").is_unsigned());
    }

    #[test]
    fn sqlite_spellings() {
        let lite = Dialect::Sqlite;
        assert_eq!(
            parts(lite, "DECIMAL(10, 2)"),
            ("decimal".into(), vec![10, 2], false, false)
        );
        assert_eq!(
            parts(lite, "INTEGER"),
            ("integer".into(), vec![], false, false)
        );
        assert_eq!(parts(lite, ""), ("".into(), vec![], false, false));
        // Unbalanced text is not taken apart.
        assert_eq!(
            parts(lite, "VARCHAR(10"),
            ("varchar(10".into(), vec![], false, false)
        );
    }

    #[test]
    fn compared_by_text() {
        let a = ColumnType::new(Dialect::Postgres, "integer");
        assert_eq!(a, ColumnType::new(Dialect::Postgres, "integer"));
        assert_eq!(a, "integer");
        assert!(a < ColumnType::new(Dialect::Postgres, "text"));
        assert_eq!(
            serde_json::to_string(&a).ok().as_deref(),
            Some("\"integer\"")
        );
    }

    /// Every column of both sides of a diff pays these sizes (N = 10,000 tables is 80,000
    /// columns a side): a field that makes them grow belongs in a `Box`.
    #[test]
    fn sizes_stay_small() {
        assert!(std::mem::size_of::<ColumnType>() <= 80);
        assert!(std::mem::size_of::<crate::model::Column>() <= 232);
    }
}
