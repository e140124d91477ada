//! Errors as values: every failure plinth reports, with the source position when one is known.

use std::fmt;

use crate::plan::Hazard;

/// A position in a user's file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Location {
    pub file: String,
    pub line: u64,
    pub column: u64,
}

impl Location {
    pub fn new(file: impl Into<String>, line: u64, column: u64) -> Location {
        Location {
            file: file.into(),
            line: line.max(1),
            column: column.max(1),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input at a known place: a schema file or plugins.toml. `message` says what is wrong,
    /// `help` how to fix it where there is something to say; both print in the one line a user
    /// reads, `help` after `; ` ("…; do X").
    #[error("{location}: {message}{}", help_after(.help))]
    At {
        location: Location,
        message: String,
        help: Option<String>,
    },
    /// Bad input without a position (a missing file, a bad flag combination…).
    #[error("{0}")]
    Usage(String),
    /// Several errors in one input, each on its own line (the statements of a schema file plinth
    /// does not manage, all named at once).
    #[error("{}", several(.0))]
    Several(Vec<Error>),
    /// The database refused or failed; `context` says what plinth was doing, `cause` what the
    /// driver said (its code, PostgreSQL's DETAIL and HINT).
    #[error("{context}: {cause}")]
    Database {
        context: String,
        #[source]
        cause: Box<DriverError>,
    },
    /// The catalog changed while it was being read: another session dropped or altered what
    /// the reading's snapshot still showed (PostgreSQL deparses expressions from the live
    /// catalog, not the snapshot). Read-only commands read again a few times before this.
    #[error("the schema changed while plinth read it ({what}): another session is changing this database; run the command again when it is done")]
    CatalogChanged { what: String },
    /// The plan holds destructive steps nothing allows: the hazards that refused it, in plan
    /// order, each with its plugin, and how the command allows them (`fix`).
    #[error("refusing to apply: the plan is destructive:\n{}\nnothing was applied; {fix}", hazard_lines(.hazards))]
    Destructive {
        hazards: Vec<PluginHazard>,
        fix: &'static str,
    },
    /// The data would make steps fail (a unique key over repeated values, NOT NULL over NULLs…):
    /// each finding with its plugin, found before any DDL ran.
    #[error("refusing to apply: the data would make {} fail:\n{}\nnothing was applied; change those rows (or the schema) and apply again", steps(.findings.len()), finding_lines(.findings))]
    DataRefuses {
        /// (plugin, what the data said), in plan order.
        findings: Vec<(String, String)>,
    },
    /// Applying stopped: a statement failed, the plan did not converge, or it changed what it
    /// does not manage. `message` says what happened (built from `progress`, where statements
    /// ran), `cause` what the database said when a statement failed.
    #[error("{message}{}", database_said(.cause))]
    Apply {
        message: String,
        progress: Option<Progress>,
        #[source]
        cause: Option<Box<DriverError>>,
    },
    /// `--all-sites`: sites failed (and, with `--fail-fast`, `skipped` were never started). The
    /// run has already printed every site's report and each failure in full; this is the last
    /// line, and the exit code 2.
    #[error("{} of {of} site{} failed: {}{}", failed.len(), plural(*.of), site_list(.failed), skipped_after(*.skipped))]
    Fleet {
        /// The failed sites, in name order.
        failed: Vec<String>,
        /// Sites not started because one had failed (`--fail-fast`).
        skipped: usize,
        /// All the sites of the run.
        of: usize,
    },
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Site names on one line: a control character (a line break too) in a name is written escaped.
fn site_list(sites: &[String]) -> String {
    let names: Vec<String> = sites
        .iter()
        .map(|s| crate::report::for_terminal(s).replace('\n', "\\n"))
        .collect();
    names.join(", ")
}

fn skipped_after(skipped: usize) -> String {
    match skipped {
        0 => String::new(),
        n => format!("; {n} not started (--fail-fast)"),
    }
}

/// A destructive hazard of a plan, with the plugin whose batch holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginHazard {
    pub plugin: String,
    pub hazard: Hazard,
}

fn help_after(help: &Option<String>) -> String {
    match help {
        Some(help) => format!("; {help}"),
        None => String::new(),
    }
}

/// How `apply` allows what a refusal names.
pub const APPLY_FIX: &str = "re-run with --allow CODE (those codes; or `allow` in plugins.toml) or --allow-destructive (everything) to accept this data loss, or --skip-destructive to apply the rest";
/// How `uninstall` allows it.
pub const UNINSTALL_FIX: &str = "re-run with --allow-destructive to accept this data loss";

fn steps(n: usize) -> String {
    match n {
        1 => "a step".into(),
        n => format!("{n} steps"),
    }
}

fn finding_lines(findings: &[(String, String)]) -> String {
    let lines: Vec<String> = (findings.iter())
        .map(|(plugin, finding)| format!("  [{plugin}] {finding}"))
        .collect();
    lines.join("\n")
}

fn hazard_lines(hazards: &[PluginHazard]) -> String {
    let lines: Vec<String> = hazards
        .iter()
        .map(|h| format!("  [{}] {} ({})", h.plugin, h.hazard.message, h.hazard.code))
        .collect();
    lines.join("\n")
}

/// How far an apply got when it stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Statements that ran to completion.
    pub ran: usize,
    /// Statements in the plan.
    pub of: usize,
    /// Whether what ran was rolled back (PostgreSQL, SQLite: one transaction) or stays (MySQL
    /// commits each DDL statement).
    pub rolled_back: bool,
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Progress {
            ran,
            of,
            rolled_back,
        } = self;
        if *rolled_back {
            write!(f, "nothing was applied (rolled back)")
        } else if *ran == 0 {
            write!(f, "0 of {of} applied; the database is unchanged")
        } else {
            write!(f, "{ran} of {of} applied")
        }
    }
}

fn database_said(cause: &Option<Box<DriverError>>) -> String {
    match cause {
        Some(cause) => format!("\n  the database said: {cause}"),
        None => String::new(),
    }
}

/// What the database (or its driver) reported, field by field.
///
/// Every field is text that [`Error::map_text`] rewrites, and `Display` prints only these
/// fields: that is how secrets are scrubbed from what the database says. The sqlx error itself
/// is deliberately not kept as the source: its own `Display` and `source()` chain would print
/// the server's and driver's texts verbatim (a server repeats a user or database name, which
/// can be the password; a driver can quote a URL), out of reach of scrubbing. `src/db/` fills
/// this from a `sqlx::Error`; plinth's own findings about a catalog (a row it cannot read)
/// come as a message alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DriverError {
    /// The server's message (or the driver's, when no server answered).
    pub message: String,
    /// Which engine answered, with its code.
    pub code: Option<Code>,
    /// PostgreSQL's DETAIL: which rows or values.
    pub detail: Option<String>,
    /// PostgreSQL's HINT: what to do about it.
    pub hint: Option<String>,
}

/// An error code, as the engine that answered spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// PostgreSQL: the severity (`ERROR`, `FATAL`…) and the SQLSTATE.
    Postgres { severity: String, sqlstate: String },
    /// MySQL/MariaDB: the error number, and the SQLSTATE when the server sent one.
    Mysql {
        number: u16,
        sqlstate: Option<String>,
    },
    /// SQLite: the extended result code.
    Sqlite { code: String },
}

impl From<String> for DriverError {
    fn from(message: String) -> DriverError {
        DriverError {
            message,
            ..DriverError::default()
        }
    }
}

impl From<&str> for DriverError {
    fn from(message: &str) -> DriverError {
        DriverError::from(message.to_string())
    }
}

impl DriverError {
    fn map_text(self, f: &impl Fn(String) -> String) -> DriverError {
        let DriverError {
            message,
            code,
            detail,
            hint,
        } = self;
        DriverError {
            message: f(message),
            code: code.map(|code| match code {
                Code::Postgres { severity, sqlstate } => Code::Postgres {
                    severity: f(severity),
                    sqlstate: f(sqlstate),
                },
                Code::Mysql { number, sqlstate } => Code::Mysql {
                    number,
                    sqlstate: sqlstate.map(f),
                },
                Code::Sqlite { code } => Code::Sqlite { code: f(code) },
            }),
            detail: detail.map(f),
            hint: hint.map(f),
        }
    }
}

impl std::error::Error for DriverError {}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let DriverError {
            message,
            code,
            detail,
            hint,
        } = self;
        match code {
            Some(Code::Postgres { severity, sqlstate }) => {
                write!(f, "{severity} {sqlstate}: {message}")?
            }
            Some(Code::Mysql { number, .. }) => write!(f, "{message} (MySQL error {number})")?,
            Some(Code::Sqlite { code }) => write!(f, "{message} (SQLite error {code})")?,
            None => write!(f, "{message}")?,
        }
        if let Some(detail) = detail {
            write!(f, "\n  detail: {detail}")?;
        }
        if let Some(hint) = hint {
            write!(f, "\n  hint: {hint}")?;
        }
        if let Some(Code::Mysql { number, .. }) = code {
            if let Some(words) = mysql_means(*number, message) {
                write!(f, "\n  this means: {words}")?;
            }
        }
        Ok(())
    }
}

/// What a MySQL/MariaDB error about a foreign key means: their messages name the failure
/// (`errno: 150 "Foreign key constraint is incorrectly formed"`) but not its cause.
fn mysql_means(number: u16, message: &str) -> Option<&'static str> {
    const MALFORMED: &str = "the foreign key cannot be made as declared: the referenced table \
        or columns do not exist, or a referencing column and the column it references differ in \
        type, length, signedness, character set or collation, or no index of the referenced \
        table starts with the referenced columns (reference its PRIMARY KEY or a UNIQUE key over \
        exactly those columns), or ON DELETE / ON UPDATE SET NULL names a NOT NULL column";
    match number {
        // MariaDB (and MySQL before 5.6) report every malformed key as errno 150, on CREATE
        // (1005) and on ALTER (1005, 1025).
        1005 | 1025 if message.contains("errno: 150") => Some(MALFORMED),
        1005 if message.contains("errno: 121") => Some(
            "a constraint or index of that name already exists: MySQL/MariaDB foreign key \
             names are unique in the whole database, not per table",
        ),
        1215 => Some(MALFORMED),
        1822 => Some(
            "no index of the referenced table starts with the referenced columns: reference its \
             PRIMARY KEY or a UNIQUE key over exactly those columns",
        ),
        1824 => Some("the table the foreign key references does not exist (or is not InnoDB)"),
        3780 => Some(
            "a referencing column and the column it references must agree in type, length, \
             signedness, character set and collation: declare them alike",
        ),
        1452 => Some(
            "existing rows hold values that the referenced table does not have: fix or delete \
             those rows, or add the rows they point at, then re-run",
        ),
        _ => None,
    }
}

fn several(errors: &[Error]) -> String {
    errors
        .iter()
        .map(Error::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    /// Bad input at `location`, with nothing to say about how to fix it.
    pub fn at(location: Location, message: impl Into<String>) -> Error {
        Error::At {
            location,
            message: message.into(),
            help: None,
        }
    }

    /// Bad input at `location`: what is wrong, and how to fix it.
    pub fn at_help(
        location: Location,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Error {
        Error::At {
            location,
            message: message.into(),
            help: Some(help.into()),
        }
    }

    pub fn usage(message: impl Into<String>) -> Error {
        Error::Usage(message.into())
    }

    /// A database failure: what plinth was doing, and what the driver said (a `sqlx::Error`,
    /// taken apart in `src/db/`) or plinth's own finding about what it read.
    pub fn database(context: impl Into<String>, cause: impl Into<DriverError>) -> Error {
        Error::Database {
            context: context.into(),
            cause: Box::new(cause.into()),
        }
    }

    /// Applying stopped, with nothing the database said to add.
    pub fn apply(message: impl Into<String>, progress: Option<Progress>) -> Error {
        Error::Apply {
            message: message.into(),
            progress,
            cause: None,
        }
    }

    /// The same error with `f` applied to every text it carries (to scrub secrets from it).
    pub fn map_text(self, f: impl Fn(String) -> String) -> Error {
        self.map_text_with(&f)
    }

    fn map_text_with(self, f: &dyn Fn(String) -> String) -> Error {
        match self {
            Error::At {
                location,
                message,
                help,
            } => Error::At {
                location: Location {
                    file: f(location.file),
                    ..location
                },
                message: f(message),
                help: help.map(&f),
            },
            Error::Usage(message) => Error::Usage(f(message)),
            Error::Several(errors) => {
                Error::Several(errors.into_iter().map(|e| e.map_text_with(f)).collect())
            }
            Error::CatalogChanged { what } => Error::CatalogChanged { what: f(what) },
            Error::Database { context, cause } => Error::Database {
                context: f(context),
                cause: Box::new(cause.map_text(&f)),
            },
            Error::Destructive { hazards, fix } => Error::Destructive {
                fix,
                hazards: hazards
                    .into_iter()
                    .map(|PluginHazard { plugin, hazard }| PluginHazard {
                        plugin: f(plugin),
                        hazard: Hazard {
                            message: f(hazard.message),
                            ..hazard
                        },
                    })
                    .collect(),
            },
            Error::DataRefuses { findings } => Error::DataRefuses {
                findings: (findings.into_iter())
                    .map(|(plugin, finding)| (f(plugin), f(finding)))
                    .collect(),
            },
            Error::Apply {
                message,
                progress,
                cause,
            } => Error::Apply {
                message: f(message),
                progress,
                cause: cause.map(|c| Box::new(c.map_text(&f))),
            },
            Error::Fleet {
                failed,
                skipped,
                of,
            } => Error::Fleet {
                failed: failed.into_iter().map(&f).collect(),
                skipped,
                of,
            },
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;
    use crate::model::Dialect;
    use crate::plan::HazardCode;

    fn pg(detail: Option<&str>, hint: Option<&str>) -> DriverError {
        DriverError {
            message: "could not create unique index \"u\"".into(),
            code: Some(Code::Postgres {
                severity: "ERROR".into(),
                sqlstate: "23505".into(),
            }),
            detail: detail.map(str::to_string),
            hint: hint.map(str::to_string),
        }
    }

    fn mysql(number: u16, message: &str) -> DriverError {
        DriverError {
            message: message.into(),
            code: Some(Code::Mysql {
                number,
                sqlstate: Some("HY000".into()),
            }),
            ..DriverError::default()
        }
    }

    fn hazard(plugin: &str, message: &str) -> PluginHazard {
        PluginHazard {
            plugin: plugin.into(),
            hazard: Hazard::new(Dialect::Postgres, HazardCode::DropTable, "old", message),
        }
    }

    #[test]
    fn schema_and_usage_errors_print_as_before() {
        let e = Error::at(Location::new("schemas/a.sql", 3, 7), "unknown type `x`");
        assert_eq!(e.to_string(), "schemas/a.sql:3:7: unknown type `x`");
        assert_eq!(Error::usage("no schema").to_string(), "no schema");
    }

    #[test]
    fn a_schema_error_prints_its_help_after_a_semicolon() {
        let at = || Location::new("schemas/a.sql", 3, 7);
        let e = Error::at_help(at(), "table `t` is defined twice", "keep one CREATE TABLE");
        assert_eq!(
            e.to_string(),
            "schemas/a.sql:3:7: table `t` is defined twice; keep one CREATE TABLE"
        );
        let Error::At { message, help, .. } = &e else {
            panic!("{e:?}");
        };
        assert_eq!(message, "table `t` is defined twice");
        assert_eq!(help.as_deref(), Some("keep one CREATE TABLE"));
        let e = Error::at(at(), "table `t` is defined twice");
        assert!(matches!(&e, Error::At { help: None, .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "schemas/a.sql:3:7: table `t` is defined twice"
        );
        // The help is text like any other: `map_text` reaches it.
        let e = Error::at_help(at(), "table `t`", "rename `t`").map_text(|t| t.replace('t', "*"));
        let Error::At { message, help, .. } = &e else {
            panic!("{e:?}");
        };
        assert_eq!(message, "*able `*`");
        assert_eq!(help.as_deref(), Some("rename `*`"));
    }

    #[test]
    fn a_database_error_shows_code_detail_and_hint_and_keeps_them_as_its_source() {
        let e = Error::database(
            "applying statement 2 of 4",
            pg(
                Some("Key (email)=(a@x) is duplicated."),
                Some("Remove the duplicates."),
            ),
        );
        assert_eq!(
            e.to_string(),
            "applying statement 2 of 4: ERROR 23505: could not create unique index \"u\"\n  \
             detail: Key (email)=(a@x) is duplicated.\n  hint: Remove the duplicates."
        );
        let source = e.source().map(|s| s.to_string());
        assert_eq!(
            source,
            Some(
                pg(
                    Some("Key (email)=(a@x) is duplicated."),
                    Some("Remove the duplicates.")
                )
                .to_string()
            )
        );
        assert_eq!(
            Error::database("cannot begin", pg(None, None)).to_string(),
            "cannot begin: ERROR 23505: could not create unique index \"u\""
        );
    }

    #[test]
    fn plinth_findings_and_driver_failures_print_their_message_alone() {
        let e = Error::database("reading the MySQL catalog", "unexpected NULL in column 3");
        assert_eq!(
            e.to_string(),
            "reading the MySQL catalog: unexpected NULL in column 3"
        );
        let sqlite = DriverError {
            message: "UNIQUE constraint failed: t.a".into(),
            code: Some(Code::Sqlite {
                code: "2067".into(),
            }),
            ..DriverError::default()
        };
        assert_eq!(
            sqlite.to_string(),
            "UNIQUE constraint failed: t.a (SQLite error 2067)"
        );
    }

    #[test]
    fn mysql_errors_show_their_number_and_foreign_key_errors_what_they_mean() {
        let duplicate = mysql(1062, "Duplicate entry 'a' for key 'u'");
        assert_eq!(
            duplicate.to_string(),
            "Duplicate entry 'a' for key 'u' (MySQL error 1062)"
        );
        let errno150 = mysql(
            1005,
            "Can't create table `d`.`c` (errno: 150 \"Foreign key constraint is incorrectly formed\")",
        );
        let text = errno150.to_string();
        assert!(
            text.starts_with("Can't create table `d`.`c` (errno: 150 \"Foreign key constraint is incorrectly formed\") (MySQL error 1005)\n  this means: the foreign key cannot be made as declared:"),
            "{text}"
        );
        for words in ["do not exist", "type", "character set", "index", "NOT NULL"] {
            assert!(text.contains(words), "{words}: {text}");
        }
        // 1005 is any failed CREATE TABLE: only errno 150 (and 121) is explained.
        let other = mysql(
            1005,
            "Can't create table `d`.`c` (errno: 28 \"No space left\")",
        );
        assert!(!other.to_string().contains("this means"), "{other}");
        for number in [1215, 1822, 1824, 3780, 1452] {
            let text = mysql(number, "m").to_string();
            assert!(text.contains("\n  this means: "), "{number}: {text}");
        }
        let name = mysql(
            1005,
            "Can't create table `d`.`c` (errno: 121 \"Duplicate key on write or update\")",
        );
        assert!(
            name.to_string().contains("unique in the whole database"),
            "{name}"
        );
    }

    #[test]
    fn a_refusal_lists_its_hazards_by_plugin() {
        let e = Error::Destructive {
            fix: APPLY_FIX,
            hazards: vec![
                hazard("core", "drops table `old` and all its rows"),
                hazard("billing", "drops column `t`.`a` and its values"),
            ],
        };
        assert_eq!(
            e.to_string(),
            "refusing to apply: the plan is destructive:\n  [core] drops table `old` and all its rows \
             (drop_table)\n  [billing] drops column `t`.`a` and its values (drop_table)\nnothing was \
             applied; re-run with --allow CODE (those codes; or `allow` in plugins.toml) or \
             --allow-destructive (everything) to accept this data loss, or --skip-destructive to \
             apply the rest"
        );
    }

    #[test]
    fn an_apply_error_says_how_far_it_got_and_what_the_database_said() {
        let progress = Progress {
            ran: 1,
            of: 4,
            rolled_back: true,
        };
        let e = Error::Apply {
            message: format!(
                "statement 2 of 4 failed; {progress}\n  while running: CREATE UNIQUE INDEX …"
            ),
            progress: Some(progress),
            cause: Some(Box::new(pg(Some("Key (email)=(a@x) is duplicated."), None))),
        };
        assert_eq!(
            e.to_string(),
            "statement 2 of 4 failed; nothing was applied (rolled back)\n  while running: CREATE \
             UNIQUE INDEX …\n  the database said: ERROR 23505: could not create unique index \
             \"u\"\n  detail: Key (email)=(a@x) is duplicated."
        );
        assert!(e.source().is_some());
        let e = Error::apply("the plan did not converge", None);
        assert_eq!(e.to_string(), "the plan did not converge");
        assert!(e.source().is_none());
    }

    #[test]
    fn a_fleet_error_counts_and_names_the_failed_sites_on_one_line() {
        let e = Error::Fleet {
            failed: vec!["south".into(), "west".into()],
            skipped: 0,
            of: 53,
        };
        assert_eq!(e.to_string(), "2 of 53 sites failed: south, west");
        let e = Error::Fleet {
            failed: vec!["a\nb\u{1b}[31m".into()],
            skipped: 3,
            of: 5,
        };
        assert_eq!(
            e.to_string(),
            "1 of 5 sites failed: a\\nb\\u{1b}[31m; 3 not started (--fail-fast)"
        );
        let e = Error::Fleet {
            failed: vec!["only".into()],
            skipped: 0,
            of: 1,
        };
        assert_eq!(e.to_string(), "1 of 1 site failed: only");
    }

    #[test]
    fn progress_says_what_stays() {
        let at = |ran, rolled_back| Progress {
            ran,
            of: 3,
            rolled_back,
        };
        assert_eq!(at(2, true).to_string(), "nothing was applied (rolled back)");
        assert_eq!(
            at(0, false).to_string(),
            "0 of 3 applied; the database is unchanged"
        );
        assert_eq!(at(2, false).to_string(), "2 of 3 applied");
    }

    /// Every text an error carries goes through `map_text`: what is printed (and what the
    /// `Debug` form shows) holds no secret afterwards.
    #[test]
    fn map_text_reaches_every_text() {
        let s = "SECRET";
        let driver = DriverError {
            message: s.into(),
            code: Some(Code::Postgres {
                severity: s.into(),
                sqlstate: s.into(),
            }),
            detail: Some(s.into()),
            hint: Some(s.into()),
        };
        let errors = [
            Error::at(Location::new(s, 1, 1), s),
            Error::at_help(Location::new(s, 1, 1), s, s),
            Error::usage(s),
            Error::database(s, driver.clone()),
            Error::database(s, mysql(1062, s)),
            Error::Destructive {
                hazards: vec![hazard(s, s)],
                fix: APPLY_FIX,
            },
            Error::Apply {
                message: s.into(),
                progress: None,
                cause: Some(Box::new(driver)),
            },
            Error::Fleet {
                failed: vec![s.into()],
                skipped: 0,
                of: 2,
            },
        ];
        for e in errors {
            let e = e.map_text(|t| t.replace(s, "***"));
            assert!(!e.to_string().contains(s), "{e}");
            assert!(!format!("{e:?}").contains(s), "{e:?}");
        }
    }
}
