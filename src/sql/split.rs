//! Cut a schema file into statements at top-level semicolons, keeping where each one starts.
//!
//! Lexically aware of what may hide a `;`: quoted strings and identifiers, line and block
//! comments, PostgreSQL dollar quotes. Cutting first lets each statement be tokenized and parsed
//! on its own (in parallel, and without holding the whole file's tokens at once).

use crate::model::Dialect;

/// One statement's text and the 1-based line and column (in characters) where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece<'a> {
    pub text: &'a str,
    pub line: u64,
    pub column: u64,
}

pub fn statements(dialect: Dialect, text: &str) -> Vec<Piece<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut line, mut column) = (1u64, 1u64);
    let mut start = (0usize, 1u64, 1u64);
    let mut i = 0;
    // Advance over `n` bytes, keeping line and column (columns count characters).
    let advance = |i: &mut usize, n: usize, line: &mut u64, column: &mut u64| {
        for &b in &bytes[*i..(*i + n).min(bytes.len())] {
            if b == b'\n' {
                *line += 1;
                *column = 1;
            } else if b & 0xC0 != 0x80 {
                *column += 1;
            }
        }
        *i = (*i + n).min(bytes.len());
    };
    // A trigger's, routine's or event's body (`BEGIN … END`) holds `;`s: the statement ends at
    // the `;` after its last `END`. `CASE … END` nests inside; `END IF` / `END LOOP` … close
    // nothing counted.
    let mut words = 0usize;
    let mut create = false;
    let mut routine = false;
    let mut depth = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        if b.is_ascii_alphabetic() && (i == 0 || !is_word_byte(bytes[i - 1])) {
            let end = (i..bytes.len())
                .find(|&k| !is_word_byte(bytes[k]))
                .unwrap_or(bytes.len());
            let word = text[i..end].to_ascii_uppercase();
            match word.as_str() {
                "CREATE" if words == 0 => create = true,
                "TRIGGER" | "PROCEDURE" | "FUNCTION" | "EVENT" if create => routine = true,
                "BEGIN" | "CASE" if routine => depth += 1,
                "END" if routine && depth > 0 => {
                    let after = text[end..].trim_start();
                    let closes_nothing = ["IF", "LOOP", "WHILE", "REPEAT"].iter().any(|w| {
                        after.len() >= w.len()
                            && after[..w.len()].eq_ignore_ascii_case(w)
                            && !after
                                .as_bytes()
                                .get(w.len())
                                .copied()
                                .is_some_and(is_word_byte)
                    });
                    if !closes_nothing {
                        depth -= 1;
                    }
                }
                _ => {}
            }
            words += 1;
            let n = end - i;
            advance(&mut i, n, &mut line, &mut column);
            continue;
        }
        let skip = match b {
            b'\'' => quoted(bytes, i, b'\'', backslash_escapes(dialect, bytes, i)),
            b'"' => quoted(bytes, i, b'"', false),
            b'`' if dialect == Dialect::Mysql => quoted(bytes, i, b'`', false),
            b'-' if next == Some(b'-') => line_end(bytes, i),
            b'#' if dialect == Dialect::Mysql => line_end(bytes, i),
            b'/' if next == Some(b'*') => block_comment(bytes, i, dialect == Dialect::Postgres),
            b'$' if dialect == Dialect::Postgres => dollar_quoted(bytes, i).unwrap_or(1),
            b';' if depth == 0 => {
                push(&mut out, text, start, i);
                advance(&mut i, 1, &mut line, &mut column);
                start = (i, line, column);
                (words, create, routine) = (0, false, false);
                continue;
            }
            _ => 1,
        };
        advance(&mut i, skip, &mut line, &mut column);
    }
    push(&mut out, text, start, bytes.len());
    out
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Keep a piece unless it is only whitespace (comments stay: the parser skips them).
fn push<'a>(out: &mut Vec<Piece<'a>>, text: &'a str, start: (usize, u64, u64), end: usize) {
    let piece = &text[start.0..end];
    if !piece.trim().is_empty() {
        out.push(Piece {
            text: piece,
            line: start.1,
            column: start.2,
        });
    }
}

/// MySQL strings, and PostgreSQL `E'…'` strings, take backslash escapes.
fn backslash_escapes(dialect: Dialect, bytes: &[u8], i: usize) -> bool {
    match dialect {
        Dialect::Mysql => true,
        Dialect::Postgres => i > 0 && matches!(bytes[i - 1], b'E' | b'e'),
        Dialect::Sqlite => false,
    }
}

/// Length of a quoted run starting at `i` (doubled quotes escape; optionally backslashes too).
fn quoted(bytes: &[u8], i: usize, quote: u8, backslash: bool) -> usize {
    let mut j = i + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' if backslash => j += 2,
            b if b == quote => {
                if bytes.get(j + 1) == Some(&quote) {
                    j += 2;
                } else {
                    return j + 1 - i;
                }
            }
            _ => j += 1,
        }
    }
    bytes.len() - i
}

fn line_end(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(bytes.len() - i)
}

/// `/* … */`; PostgreSQL nests them.
fn block_comment(bytes: &[u8], i: usize, nests: bool) -> usize {
    let mut depth = 0;
    let mut j = i;
    while j + 1 < bytes.len() {
        match (bytes[j], bytes[j + 1]) {
            (b'/', b'*') if nests || depth == 0 => {
                depth += 1;
                j += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    return j - i;
                }
            }
            _ => j += 1,
        }
    }
    bytes.len() - i
}

/// `$tag$ … $tag$` (tag may be empty); `None` when `$` does not open one (e.g. `$1`).
fn dollar_quoted(bytes: &[u8], i: usize) -> Option<usize> {
    let tag_len = bytes[i + 1..]
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))?;
    let close = i + 1 + tag_len;
    if bytes.get(close) != Some(&b'$') || bytes.get(i + 1).is_some_and(|b| b.is_ascii_digit()) {
        return None;
    }
    let tag = &bytes[i..=close];
    let body = close + 1;
    let end = bytes[body..]
        .windows(tag.len())
        .position(|w| w == tag)
        .map(|p| body + p + tag.len())
        .unwrap_or(bytes.len());
    Some(end - i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(d: Dialect, sql: &str) -> Vec<(String, u64, u64)> {
        statements(d, sql)
            .into_iter()
            .map(|p| (p.text.trim().to_string(), p.line, p.column))
            .collect()
    }

    #[test]
    fn cuts_at_top_level_semicolons_only() {
        let sql = "CREATE TABLE a (s text DEFAULT ';');\n-- a; comment\nCREATE TABLE \"b;\" (x int); /* c; */ CREATE TABLE c (y int)";
        let got = texts(Dialect::Postgres, sql);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], ("CREATE TABLE a (s text DEFAULT ';')".into(), 1, 1));
        assert!(got[1].0.ends_with("CREATE TABLE \"b;\" (x int)"));
        assert_eq!((got[1].1, got[1].2), (1, 37));
        assert!(got[2].0.ends_with("CREATE TABLE c (y int)"));
    }

    #[test]
    fn dollar_quotes_and_nested_comments() {
        let sql = "COMMENT ON TABLE t IS $x$a;b$x$; /* a /* b; */ c; */ SELECT 1";
        assert_eq!(texts(Dialect::Postgres, sql).len(), 2);
    }

    #[test]
    fn mysql_backslashes_backticks_and_hash_comments() {
        let sql =
            "CREATE TABLE `a;` (s varchar(9) DEFAULT 'it\\'s;');\n# x;\nCREATE TABLE b (i int)";
        let got = texts(Dialect::Mysql, sql);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!((got[1].1, got[1].2), (1, 51));
    }

    #[test]
    fn trigger_bodies_stay_whole() {
        let sql =
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = CASE WHEN 1 THEN 2 END; \
                   INSERT INTO c VALUES (1); END;\nCREATE TABLE d (x int);\nBEGIN;\nSELECT 1;";
        let pieces: Vec<String> = texts(Dialect::Sqlite, sql)
            .into_iter()
            .map(|p| p.0)
            .collect();
        assert_eq!(pieces.len(), 4, "{pieces:?}");
        assert!(pieces[0].ends_with("END"), "{pieces:?}");
        assert_eq!(pieces[1].trim(), "CREATE TABLE d (x int)");
    }

    #[test]
    fn columns_count_characters() {
        let sql = "CREATE TABLE é (i int); CREATE TABLE b (i int)";
        let got = texts(Dialect::Sqlite, sql);
        assert_eq!((got[1].1, got[1].2), (1, 24));
    }
}
