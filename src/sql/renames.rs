//! Renames written in the schema files: a comment after a table's name, a column or an enum
//! value, `-- plinth: renamed from old_name` (or sqldef's `-- @renamed from=old_name`,
//! `/* @renamed from=old */`), read from the comments the tokenizer keeps, before the
//! whitespace is collapsed. The lowering gives each note to the name it follows on its line
//! (an enum type's: right after the name, or after `ENUM (`); a note anywhere else is a
//! comment like any other (an index or a constraint that differs only by its name is renamed
//! anyway, where the engine can).

use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace};

use crate::error::Location;

/// A rename note: the old name as written, and where the comment is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub from: String,
    /// Written in double quotes: the name exactly (else folded like an unquoted name).
    pub quoted: bool,
    pub line: u64,
    pub column: u64,
    /// The last string literal before the note on its line (an enum value's label: sqlparser
    /// keeps no position for one).
    pub after_string: Option<String>,
    /// The two tokens before the note (nearest first), as written, whitespace left out.
    pub after_tokens: Vec<String>,
}

/// What a comment says, if it is a rename note: the old name and whether it was quoted.
fn read(comment: &str) -> Option<(String, bool)> {
    let text = comment.trim().trim_start_matches('-').trim();
    let rest = text
        .strip_prefix("@renamed")
        .and_then(|r| r.trim_start().strip_prefix("from="))
        .or_else(|| {
            text.strip_prefix("plinth:")
                .map(str::trim_start)
                .and_then(|r| r.strip_prefix("renamed from"))
                .filter(|r| r.starts_with(char::is_whitespace))
        })?
        .trim_start();
    if let Some(quoted) = rest.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = quoted.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    name.push('"');
                }
                '"' => return (!name.is_empty()).then_some((name, true)),
                c => name.push(c),
            }
        }
        return None;
    }
    let name: String = (rest.chars())
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '$'))
        .collect();
    (!name.is_empty()).then_some((name, false))
}

/// The rename notes among `tokens` (as tokenized, comments kept).
pub fn notes(tokens: &[TokenWithSpan]) -> Vec<Note> {
    tokens
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let text = match &t.token {
                Token::Whitespace(Whitespace::SingleLineComment { comment, .. }) => comment,
                Token::Whitespace(Whitespace::MultiLineComment(comment)) => comment,
                _ => return None,
            };
            let (from, quoted) = read(text)?;
            let line = t.span.start.line;
            let after_string = (tokens[..i].iter().rev())
                .take_while(|p| p.span.end.line == line)
                .find_map(|p| match &p.token {
                    Token::SingleQuotedString(s) => Some(s.clone()),
                    _ => None,
                });
            let after_tokens = (tokens[..i].iter().rev())
                .filter(|p| !matches!(p.token, Token::Whitespace(_)))
                .take(2)
                .map(|p| p.token.to_string())
                .collect();
            Some(Note {
                from,
                quoted,
                line,
                column: t.span.start.column,
                after_string,
                after_tokens,
            })
        })
        .collect()
}

impl Note {
    /// Where the comment is, in `file`.
    pub fn location(&self, file: &str) -> Location {
        Location::new(file, self.line, self.column)
    }
}

/// Which of `names` (their positions, in any order) the note follows: the last one that starts
/// on the note's line before it.
pub fn follows(note: &Note, names: &[(u64, u64)]) -> Option<usize> {
    (names.iter().enumerate())
        .filter(|(_, (line, column))| *line == note.line && *column < note.column)
        .max_by_key(|(_, (_, column))| *column)
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::read;

    #[test]
    fn both_spellings_are_read_and_nothing_else() {
        let r = |s: &str| read(s);
        assert_eq!(
            r(" plinth: renamed from old_name"),
            Some(("old_name".into(), false))
        );
        assert_eq!(
            r(" @renamed from=username"),
            Some(("username".into(), false))
        );
        assert_eq!(
            r(" @renamed from=pending "),
            Some(("pending".into(), false))
        );
        assert_eq!(
            r(" plinth: renamed from \"Old Name\""),
            Some(("Old Name".into(), true))
        );
        assert_eq!(r(" @renamed from=\"a\"\"b\""), Some(("a\"b".into(), true)));
        assert_eq!(r(" the old name was x"), None);
        assert_eq!(r(" plinth: renamed fromx"), None);
        assert_eq!(r(" @renamed from="), None);
        assert_eq!(r(" plinth: renamed from \"unterminated"), None);
    }
}
