//! [`Expression`]: an expression's canonical text, the columns it references, the routines it
//! calls and its shape, read from one parse tree when the value is made.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;
use std::ops::Deref;

use serde::{Serialize, Serializer};

use super::Dialect;

/// An expression (a default, a check, a generated column, an index key or predicate): its
/// canonical text (see `normalize::expr`), which alone says what it means — `==`, ordering and
/// the JSON plan use only the text — and the columns it references, read from its parse tree
/// when the text was made. It reads as its text (`Deref<Target = str>`, `Display`).
#[derive(Debug, Clone)]
pub struct Expression {
    text: Box<str>,
    /// The columns it references (`names[..columns]`), then the routines it calls, keyed as
    /// routines are (`schema` U+001F `name` outside the default schema; built-in ones among
    /// them), each part sorted, each name once: one exactly sized allocation, not a tree (most
    /// expressions name one column or none, and call nothing). `None`: text a catalog gave that
    /// plinth could not read; it may reference anything.
    names: Option<Box<[String]>>,
    columns: u32,
    shape: Shape,
}

/// What an expression's tree is, as far as DDL cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A literal written bare: a decimal number (signed or not), a quoted string, `NULL`, a
    /// boolean.
    Constant,
    /// A literal of bits or bytes (`X'00'`, `B'101'`, `0x1F`): a constant too, written in
    /// parentheses after `DEFAULT`.
    BinaryConstant,
    /// `CURRENT_TIMESTAMP[(p)]`, `CURRENT_DATE`, `CURRENT_TIME`: bare after `DEFAULT` too, but
    /// evaluated when a row is written.
    Clock,
    /// Anything else (MySQL and SQLite want it parenthesized after `DEFAULT`).
    Other,
}

impl Expression {
    /// Made by `normalize::expr`, which prints `text` from the tree it reads `columns` and
    /// `shape` from.
    pub(crate) fn new(
        text: String,
        columns: BTreeSet<String>,
        calls: BTreeSet<String>,
        shape: Shape,
    ) -> Expression {
        let count = u32::try_from(columns.len()).unwrap_or(u32::MAX);
        Expression {
            text: text.into_boxed_str(),
            names: Some(columns.into_iter().chain(calls).collect()),
            columns: count,
            shape,
        }
    }

    /// Text kept as a catalog gave it, unread: whatever it references is not known.
    pub(crate) fn unread(text: String) -> Expression {
        Expression {
            text: text.into_boxed_str(),
            names: None,
            columns: 0,
            shape: Shape::Other,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// Whether it is a literal, of any kind.
    pub fn is_constant(&self) -> bool {
        matches!(self.shape, Shape::Constant | Shape::BinaryConstant)
    }

    /// The names of the columns it references, folded like every identifier; `None` when the
    /// text could not be read.
    pub fn columns(&self) -> Option<&[String]> {
        self.split().map(|(columns, _)| columns)
    }

    /// The columns and the routines (see `names`).
    fn split(&self) -> Option<(&[String], &[String])> {
        let names = self.names.as_deref()?;
        Some(names.split_at((self.columns as usize).min(names.len())))
    }

    /// Whether it calls the routine keyed `routine` (unread text: not known to).
    pub fn calls(&self, routine: &str) -> bool {
        self.split()
            .is_some_and(|(_, routines)| routines.iter().any(|r| r == routine))
    }

    /// Whether it may reference the column `name` (compared as the engine compares column
    /// names, [`Dialect::same_column`]). Unread text may reference anything.
    pub fn references(&self, dialect: Dialect, name: &str) -> bool {
        let Some(columns) = self.columns() else {
            return true;
        };
        columns.iter().any(|c| dialect.same_column(c, name))
    }
}

impl Deref for Expression {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Expression {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}
impl Eq for Expression {}
impl PartialEq<str> for Expression {
    fn eq(&self, other: &str) -> bool {
        &*self.text == other
    }
}
impl PartialEq<&str> for Expression {
    fn eq(&self, other: &&str) -> bool {
        &*self.text == *other
    }
}
impl PartialOrd for Expression {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Expression {
    fn cmp(&self, other: &Self) -> Ordering {
        self.text.cmp(&other.text)
    }
}

impl Serialize for Expression {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{qualified, Dialect};
    use crate::normalize::expr::canonical_text;

    #[test]
    fn knows_the_columns_it_reads_and_the_routines_it_calls() {
        let e = canonical_text(Dialect::Postgres, "sales.code(n) + lower(name) > 0").unwrap();
        assert_eq!(
            e.columns(),
            Some(&["n".to_string(), "name".to_string()][..])
        );
        assert!(e.calls(&qualified(Some("sales"), "code")));
        assert!(e.calls("lower"));
        assert!(!e.calls("code") && !e.calls("n"));
        let unread = super::Expression::unread("whatever".into());
        assert_eq!(unread.columns(), None);
        assert!(!unread.calls("whatever"));
    }
}
