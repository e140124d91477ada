//! Database URLs: the engine one names, the check before connecting, the redacted form every
//! message shows, and the secrets every message is scrubbed of.
//!
//! Redaction reads any shape, even ones no URL parser accepts (no `//`, no scheme, unencoded
//! characters in the password, the password in the query): it hides everything between the user
//! name's `:` and the last `@`, and the value of every query parameter whose name holds `pass`.
//! The check refuses, before any server is reached, the shapes where a parser would cut a
//! password and send a piece of it to the server as a host, path or parameter.

use std::fmt;
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::Dialect;

/// The longest URL plinth reads. Past it the whole text is a secret, and `check` refuses it:
/// no real URL is that long, and redaction need not scan a hostile one.
const MAX_URL_BYTES: usize = 8 << 10;

/// Characters a URL's user name or password cannot hold unencoded.
const RESERVED: &[char] = &['/', '?', '#', '@', '[', ']'];

const HOW_TO_ENCODE: &str = "percent-encode them: `/` as %2F, `?` as %3F, `#` as %23, `@` as %40, `[` as %5B, `]` as %5D (and `%` as %25)";

/// The engine a URL's scheme names, and the scheme's length (without the `:`).
fn scheme(url: &str) -> Option<(Dialect, usize)> {
    let end = url.find(':')?;
    let dialect = match url[..end].to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" => Dialect::Postgres,
        "mysql" | "mariadb" => Dialect::Mysql,
        "sqlite" => Dialect::Sqlite,
        _ => return None,
    };
    Some((dialect, end))
}

/// Is `s` a URL scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`)?
fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Where the part after the scheme starts (after `scheme://`, or `scheme:` for a known engine),
/// and whether `//` was there. A URL without a scheme starts at 0.
fn body_start(url: &str) -> (usize, bool) {
    if url.starts_with("//") {
        return (2, true);
    }
    if let Some(i) = url.find("://") {
        if is_scheme(&url[..i]) {
            return (i + 3, true);
        }
    }
    match scheme(url) {
        Some((_, end)) => (end + 1, false),
        None => (0, false),
    }
}

/// Greedily, everything between the first `:` and the last `@` of `body` (what follows the
/// scheme) is the password. With `strict`, only when what precedes that `:` can be a user name
/// (it does not run past the authority). The range is relative to `body`.
fn greedy_password(body: &str, strict: bool) -> Option<(usize, usize)> {
    let at = body.rfind('@')?;
    let colon = body[..at].find(':')?;
    (!strict || !body[..colon].contains(['/', '?', '#'])).then_some((colon + 1, at))
}

/// The byte ranges of `url` that hold secrets: the password of the user info (read greedily,
/// from the first `:` to the last `@`, and also as a URL parser reads it) and every
/// password-like query value. Ranges may overlap; they are in no particular order. Greedy
/// reading hides too much in odd URLs (`h:5432/db?options=a@b` shows as `h:***@b`): in a
/// message, too much hidden is better than a piece of a password shown.
fn secret_ranges(url: &str) -> Vec<(usize, usize)> {
    if url.len() > MAX_URL_BYTES {
        return vec![(0, url.len())];
    }
    let mut ranges = Vec::new();
    let (start, slashes) = body_start(url);
    let body = &url[start..];
    if let Some((a, b)) = greedy_password(body, false) {
        ranges.push((start + a, start + b));
    } else if let Some(at) = body.rfind('@') {
        // `postgres:word@host`: `word` may be a password (user `postgres`, no `//`).
        if !slashes && start > 0 && !body[..at].contains(['/', '?', '#']) {
            ranges.push((start, start + at));
        }
    }
    // As a URL parser reads it: the user info is the authority's part before its last `@`.
    let authority = &body[..body.find(['/', '?', '#']).unwrap_or(body.len())];
    if let Some(at) = authority.rfind('@') {
        if let Some(colon) = authority[..at].find(':') {
            ranges.push((start + colon + 1, start + at));
        }
    }
    ranges.extend(query_secret_ranges(url));
    ranges
}

/// The values of query parameters named like a password (`password`, `sslpassword`, `passwd`,
/// any case), wherever a `?` or `&` introduces them. A value runs to the next `&` that starts
/// another `name=` parameter, so an unencoded `&` inside it stays hidden.
fn query_secret_ranges(url: &str) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let bytes = url.as_bytes();
    for (i, c) in url.char_indices() {
        if c != '?' && c != '&' {
            continue;
        }
        let key_start = i + 1;
        let Some(eq) = url[key_start..].find('=').map(|e| key_start + e) else {
            continue;
        };
        let key = &url[key_start..eq];
        if key.contains(['&', '?', '#', '/', '@']) || !is_secret_key(&percent_decode(key)) {
            continue;
        }
        let mut end = eq + 1;
        while end < bytes.len() {
            if bytes[end] == b'&' && starts_parameter(&url[end + 1..]) {
                break;
            }
            end += 1;
        }
        ranges.push((eq + 1, end));
    }
    ranges
}

fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("pass") || key.contains("secret") || key.contains("token") || key == "pwd"
}

/// Does `s` start with `name=` (a parameter name of letters, digits, `-`, `_`, `.`, `[`, `]`)?
fn starts_parameter(s: &str) -> bool {
    match s.find('=') {
        Some(0) | None => false,
        Some(eq) => s[..eq]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '[' | ']')),
    }
}

/// Merge overlapping ranges, in order.
fn merged(mut ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    ranges.retain(|(a, b)| a < b);
    ranges.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (a, b) in ranges {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// The URL with every secret replaced by `***`, for messages: credentials are never printed.
/// Works on any text given as a URL, well-formed or not.
pub fn redact(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut at = 0;
    for (a, b) in merged(secret_ranges(url)) {
        out.push_str(&url[at..a]);
        out.push_str("***");
        at = b;
    }
    out.push_str(&url[at..]);
    out
}

/// Decode `%XX` sequences (invalid ones stay as written; invalid UTF-8 is replaced).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every byte but ASCII letters and digits as `%XX`: how drivers re-encode a password.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The secrets some URLs hold, in every spelling a message could repeat them in: as written,
/// percent-decoded (how the server receives them), form-decoded (`+` as a space, how query
/// values are read), and percent-encoded (both of them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets(Vec<String>);

impl Secrets {
    /// The secrets of one URL.
    pub fn of(url: &str) -> Secrets {
        let mut secrets = Secrets::default();
        secrets.add(url);
        secrets
    }

    /// Add the secrets of `url` (a URL of any shape).
    pub fn add(&mut self, url: &str) {
        for (a, b) in secret_ranges(url) {
            let raw = &url[a..b];
            let decoded = percent_decode(raw);
            let form = percent_decode(&raw.replace('+', " "));
            let encoded = percent_encode(&decoded);
            let raw_encoded = percent_encode(raw);
            for s in [raw.to_string(), decoded, form, encoded, raw_encoded] {
                if !s.is_empty() && !self.0.contains(&s) {
                    self.0.push(s);
                }
            }
        }
        // Longest first, so a secret that holds another is replaced whole.
        self.0
            .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `text` with every occurrence of every secret replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in &self.0 {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "***");
            }
        }
        text
    }

    /// The error with every message it carries scrubbed.
    pub fn scrub_error(&self, error: Error) -> Error {
        if self.is_empty() {
            error
        } else {
            error.map_text(|s| self.scrub(&s))
        }
    }
}

/// A database URL checked once, at the edge (see [`check`]): the engine it names is known and
/// no piece of its password can reach a server as something else. `Display` and `Debug` show
/// it redacted, so a `DatabaseUrl` cannot print its password; [`DatabaseUrl::secret_text`]
/// is the one way to the text as written.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    text: String,
    dialect: Dialect,
}

impl DatabaseUrl {
    pub fn parse(text: &str) -> Result<DatabaseUrl> {
        let dialect = check(text)?;
        Ok(DatabaseUrl {
            text: text.to_string(),
            dialect,
        })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The URL as written, password and all: for the driver and for [`Secrets`] only.
    pub fn secret_text(&self) -> &str {
        &self.text
    }

    /// The URL as sqlx reads it: sqlx's MySQL driver knows no `mariadb://` scheme.
    pub fn for_driver(&self) -> String {
        match (self.dialect, scheme(&self.text)) {
            (Dialect::Mysql, Some((_, end))) => format!("mysql{}", &self.text[end..]),
            _ => self.text.clone(),
        }
    }

    /// The file a SQLite URL names (`sqlite://path`, `sqlite:path`, parameters cut off); `None`
    /// for an in-memory database and for the server engines.
    pub fn sqlite_file(&self) -> Option<&Path> {
        let body = self.sqlite_body()?;
        let path = body.split('?').next().unwrap_or(body);
        (!path.is_empty() && !path.starts_with(':')).then(|| Path::new(path))
    }

    /// A SQLite URL's relative path read from `root` (a URL from plugins.toml names a file next
    /// to the project, not next to the shell); other URLs are returned as they are.
    pub fn relative_to(self, root: &Path) -> DatabaseUrl {
        match self.sqlite_body() {
            Some(body)
                if !body.starts_with('/')
                    && !body.starts_with(':')
                    && !root.as_os_str().is_empty() =>
            {
                DatabaseUrl {
                    text: format!("sqlite://{}", root.join(body).display()),
                    dialect: self.dialect,
                }
            }
            _ => self,
        }
    }

    fn sqlite_body(&self) -> Option<&str> {
        if self.dialect != Dialect::Sqlite {
            return None;
        }
        let rest = self.text.split_once(':').map_or("", |(_, rest)| rest);
        Some(rest.strip_prefix("//").unwrap_or(rest))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.text))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Check a database URL before anything connects with it, and say which engine it names.
///
/// Refused, with a message that shows only the redacted URL: an unknown or missing scheme; a
/// server URL without `//`; a user name or password holding characters that a URL parser
/// would cut it at (`/ ? # @ [ ]` unencoded), so that no server ever receives a piece of a
/// password as a host, database or parameter; user info in a SQLite URL.
pub fn check(url: &str) -> Result<Dialect> {
    if url.len() > MAX_URL_BYTES {
        return Err(Error::usage(format!(
            "the database URL is {} bytes long; plinth reads at most {MAX_URL_BYTES}",
            url.len()
        )));
    }
    let shown = || redact(url);
    let Some((dialect, end)) = scheme(url) else {
        return Err(Error::usage(format!(
            "database URL `{}` names no engine plinth knows: use postgres://…, mysql://… (MariaDB too) or sqlite://path",
            shown()
        )));
    };
    let rest = &url[end + 1..];
    if dialect == Dialect::Sqlite {
        // `sqlite://path`, `sqlite:path` and `sqlite::memory:` all name a file (or memory).
        let body = rest.strip_prefix("//").unwrap_or(rest);
        if greedy_password(body, true).is_some() {
            return Err(Error::usage(format!(
                "database URL `{}`: a SQLite URL names a file and takes no user name or password: use sqlite://path",
                shown()
            )));
        }
        return Ok(dialect);
    }
    let Some(body) = rest.strip_prefix("//") else {
        return Err(Error::usage(format!(
            "database URL `{}` must start with `{}://` (user, password, host and database follow the `//`)",
            shown(),
            &url[..end]
        )));
    };
    let authority_end = body.find(['/', '?', '#']).unwrap_or(body.len());
    let authority = &body[..authority_end];
    let after = &body[authority_end..];
    let cut = || {
        Err(Error::usage(format!(
            "database URL `{}`: the user name or password holds characters a URL cannot carry as they are (`/ ? # @ [ ]`); {HOW_TO_ENCODE}. An `@` in the database name is written %40 too",
            shown()
        )))
    };
    if let Some(at) = authority.rfind('@') {
        // The user info must parse as the URL standard says: no `@`, `[` or `]` in it (`/`, `?`
        // and `#` would have ended the authority before the `@`).
        if authority[..at].contains(RESERVED) {
            return cut();
        }
    }
    let (path, fragment) = match after.find('#') {
        Some(i) => (&after[..i], &after[i..]),
        None => (after, ""),
    };
    let (path, query) = match path.find('?') {
        Some(i) => (&path[..i], &path[i..]),
        None => (path, ""),
    };
    // A password cut at an unencoded `/`, `?` or `#` leaves its rest, up to the real `@`, in
    // the path, the query or the fragment.
    let user_info_cut = !authority.contains('@') && authority.contains(':');
    if path.contains('@')
        || fragment.contains('@')
        || (user_info_cut && path.is_empty() && query.contains('@'))
    {
        return cut();
    }
    Ok(dialect)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PW: &str = "S3cret/PW@x?%21";
    const PW_ENCODED: &str = "S3cret%2FPW%40x%3F%2521";

    #[test]
    fn redaction_hides_the_password_in_every_shape() {
        let cases = [
            (
                "postgres://bob:secret@db:5432/app",
                "postgres://bob:***@db:5432/app",
            ),
            ("mysql://root@h/x", "mysql://root@h/x"),
            ("sqlite://shop.db", "sqlite://shop.db"),
            ("sqlite::memory:", "sqlite::memory:"),
            ("postgres:u:pw@h/db", "postgres:u:***@h/db"),
            ("postgres:pw@h/db", "postgres:***@h/db"),
            ("u:pw@h/db", "u:***@h/db"),
            ("//u:pw@h/db", "//u:***@h/db"),
            ("postgres://u:ab/cd@h/db", "postgres://u:***@h/db"),
            ("postgres://u:a@b@h/db", "postgres://u:***@h/db"),
            ("postgres://u:a?b#c@h/db", "postgres://u:***@h/db"),
            (
                "postgres://u@h/db?password=pw",
                "postgres://u@h/db?password=***",
            ),
            (
                "postgres://u@h/db?sslmode=require&PassWord=pw&x=1",
                "postgres://u@h/db?sslmode=require&PassWord=***&x=1",
            ),
            (
                "postgres://u@h/db?sslpassword=a&b",
                "postgres://u@h/db?sslpassword=***",
            ),
            ("postgres://u:pw@h/db?password=a@b", "postgres://u:***"),
            ("postgres://u:x?password=y@h/db", "postgres://u:***"),
            ("sqlite://u:p@/x.db", "sqlite://u:***@/x.db"),
            ("mysql://u:pw@[::1]:3306/db", "mysql://u:***@[::1]:3306/db"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact(url), shown, "{url}");
        }
    }

    #[test]
    fn redaction_never_shows_a_piece_of_the_test_password() {
        for pw in [PW, PW_ENCODED] {
            for url in [
                format!("postgres://u:{pw}@127.0.0.1:1/db"),
                format!("postgres:u:{pw}@127.0.0.1:1/db"),
                format!("u:{pw}@127.0.0.1:1/db"),
                format!("mysql://u@127.0.0.1:1/db?password={pw}"),
                format!("mysql://127.0.0.1:1/db?user=u&sslpassword={pw}&ssl-mode=REQUIRED"),
                format!("sqlite://u:{pw}@/x.db"),
            ] {
                let shown = redact(&url);
                for piece in ["S3cret", "PW@x", "x?%21", "%2521", "2FPW%4"] {
                    assert!(!shown.contains(piece), "{url} → {shown}");
                }
            }
        }
    }

    #[test]
    fn secrets_come_in_every_spelling() {
        let s = Secrets::of(&format!("postgres://u:{PW_ENCODED}@h/db"));
        let text = format!("a {PW_ENCODED} b {PW} c");
        assert_eq!(s.scrub(&text), "a *** b *** c");
        let s = Secrets::of("postgres://u@h/db?password=a+b%21");
        assert_eq!(s.scrub("x a b! y a+b%21 z"), "x *** y *** z");
        // Whatever its length.
        assert_eq!(Secrets::of("mysql://u:k@h/db").scrub("kk"), "******");
        assert!(Secrets::of("mysql://u@h/db").is_empty());
    }

    #[test]
    fn check_refuses_cut_passwords_with_the_url_redacted() {
        for url in [
            format!("postgres://u:{PW}@127.0.0.1:1/db"),
            "postgres://u:12/cd@h/db".to_string(),
            "postgres://u:12#cd@h/db".to_string(),
            "postgres://u:12?cd@h/db".to_string(),
            "mysql://u:a@b@h/db".to_string(),
            "mysql://u:a[b@h/db".to_string(),
            "mariadb://u:ab@cd/ef@h/db".to_string(),
        ] {
            let e = check(&url).expect_err(&url).to_string();
            assert!(e.contains("%2F"), "{e}");
            assert!(!e.contains("cd") && !e.contains("S3cret"), "{e}");
        }
        let e = check("postgres:u:pw@h/db").expect_err("no //").to_string();
        assert!(e.contains("postgres://") && !e.contains("pw"), "{e}");
        let e = check("u:pw@h/db").expect_err("no scheme").to_string();
        assert!(e.contains("names no engine") && !e.contains("pw"), "{e}");
        let e = check("sqlite://u:pw@/x.db")
            .expect_err("userinfo")
            .to_string();
        assert!(e.contains("no user name") && !e.contains("pw"), "{e}");
    }

    #[test]
    fn check_accepts_well_formed_urls() {
        for (url, dialect) in [
            ("postgres://root@127.0.0.1:5432/postgres", Dialect::Postgres),
            (
                "postgresql://u:S3cret%2FPW%40x%3F%2521@h/db?sslmode=require",
                Dialect::Postgres,
            ),
            ("POSTGRES://h/db?user=u&password=a@b", Dialect::Postgres),
            ("postgres://u@h/db?options=-c%20x=y@z", Dialect::Postgres),
            ("postgres://u:pw@[::1]:5432/db", Dialect::Postgres),
            (
                "mysql://root@127.0.0.1:3306/test?ssl-mode=REQUIRED&ssl-ca=/etc/ca.pem",
                Dialect::Mysql,
            ),
            ("mariadb://root@h/test", Dialect::Mysql),
            ("sqlite://shop.db", Dialect::Sqlite),
            ("sqlite:///tmp/a@b.db", Dialect::Sqlite),
            ("sqlite::memory:", Dialect::Sqlite),
        ] {
            assert_eq!(check(url).ok(), Some(dialect), "{url}");
        }
    }

    #[test]
    fn mariadb_is_mysql_for_the_driver() {
        let driver = |url: &str| DatabaseUrl::parse(url).map(|u| u.for_driver()).ok();
        assert_eq!(
            driver("MariaDB://u@h/db").as_deref(),
            Some("mysql://u@h/db")
        );
        assert_eq!(
            driver("postgres://u@h/db").as_deref(),
            Some("postgres://u@h/db")
        );
    }

    #[test]
    fn a_database_url_prints_redacted() {
        let url = DatabaseUrl::parse("postgres://bob:s3cret@db/app").unwrap();
        assert_eq!(url.to_string(), "postgres://bob:***@db/app");
        assert_eq!(format!("{url:?}"), "DatabaseUrl(postgres://bob:***@db/app)");
        assert_eq!(url.secret_text(), "postgres://bob:s3cret@db/app");
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        let file = |url: &str| {
            let url = DatabaseUrl::parse(url).unwrap();
            url.sqlite_file().map(|p| p.display().to_string())
        };
        assert_eq!(file("sqlite://shop.db").as_deref(), Some("shop.db"));
        assert_eq!(file("sqlite:shop.db?mode=rwc").as_deref(), Some("shop.db"));
        assert_eq!(file("sqlite:///tmp/a.db").as_deref(), Some("/tmp/a.db"));
        assert_eq!(file("sqlite::memory:"), None);
        assert_eq!(file("postgres://h/db"), None);
        let moved = |url: &str| {
            let url = DatabaseUrl::parse(url).unwrap();
            url.relative_to(Path::new("proj")).secret_text().to_string()
        };
        assert_eq!(moved("sqlite://shop.db"), "sqlite://proj/shop.db");
        assert_eq!(moved("sqlite:///tmp/a.db"), "sqlite:///tmp/a.db");
        assert_eq!(moved("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(moved("mysql://h/db"), "mysql://h/db");
    }
}
