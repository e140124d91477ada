//! [`Expression`]: an expression's canonical text, the columns it references and its shape,
//! read from one parse tree when the value is made.

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
    /// `None`: text a catalog gave that plinth could not read; it may reference anything.
    /// Sorted, each once (one exactly sized allocation, not a tree: most expressions name one
    /// column or none).
    columns: Option<Box<[String]>>,
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
    pub(crate) fn new(text: String, columns: BTreeSet<String>, shape: Shape) -> Expression {
        Expression {
            text: text.into_boxed_str(),
            columns: Some(columns.into_iter().collect()),
            shape,
        }
    }

    /// Text kept as a catalog gave it, unread: whatever it references is not known.
    pub(crate) fn unread(text: String) -> Expression {
        Expression {
            text: text.into_boxed_str(),
            columns: None,
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
        self.columns.as_deref()
    }

    /// Whether it may reference the column `name` (compared as the engine compares column
    /// names, [`Dialect::same_column`]). Unread text may reference anything.
    pub fn references(&self, dialect: Dialect, name: &str) -> bool {
        let Some(columns) = &self.columns else {
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
