//! The command line (clap types): the contract scripts and CI depend on.

use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::plan::HazardCode;

#[derive(Debug, Parser)]
#[command(
    name = "plinth",
    version,
    about = "Declarative, plugin-aware schema management for PostgreSQL, MySQL/MariaDB and SQLite",
    after_help = "Exit codes: 0 success (check: in sync), 1 drift (check only), 2 error.",
    // `plinth --schema a.sql b.sql plan`: the command name ends the list of files.
    subcommand_precedence_over_arg = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes, before or after the command name.
#[derive(Debug, Args, Clone, Default)]
pub struct Global {
    /// The project file: which plugin owns which tables.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Overrides DATABASE_URL and the config's [database] url. A password holding `/ ? # @ [ ]`
    /// must be percent-encoded; TLS: `?sslmode=require` (PostgreSQL), `?ssl-mode=REQUIRED` (MySQL).
    // hide_env_values: `--help` must never show the URL (and its password) from the environment.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Whether `database_url` came from the environment (`DATABASE_URL`), not the command
    /// line: a site's own URL wins over the environment's, never over the flag.
    #[arg(skip)]
    pub database_url_from_env: bool,
    /// The site of plugins.toml to work on (`[sites.NAME]`): its database and its plugins.
    #[arg(long, global = true, value_name = "NAME", conflicts_with = "all_sites")]
    pub site: Option<String>,
    /// Run the command over every site of plugins.toml, `--jobs` at a time.
    #[arg(long, global = true)]
    pub all_sites: bool,
    /// With --all-sites: how many sites run at once (and so how many connections are open).
    #[arg(long, global = true, value_name = "N", requires = "all_sites",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: Option<u16>,
    /// With --all-sites: stop starting sites after the first one fails.
    #[arg(long, global = true, requires = "all_sites")]
    pub fail_fast: bool,
    /// Ad-hoc mode: these files describe the whole database (no plugins.toml). Repeat the
    /// option (`--schema a.sql --schema b.sql`) or list the files (`--schema a.sql b.sql`).
    // Not `global`: clap would let the files given after the command replace those given
    // before it; each command has its own `--schema` (`SchemaFiles`), merged by `Cli::merged`.
    #[arg(long, value_name = "FILE", num_args = 1.., action = ArgAction::Append)]
    pub schema: Vec<PathBuf>,
    /// How long apply waits for another apply to the same database to finish (SQLite: for
    /// another writer), in seconds, 1 to 3600. A table lock is waited for 10s at most, or this
    /// long if it is shorter.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = LockTimeout::default())]
    pub lock_timeout: LockTimeout,
}

/// `--schema` after the command name (`plinth plan --schema a.sql`), added to those before it.
#[derive(Debug, Args, Clone, Default)]
pub struct SchemaFiles {
    /// Ad-hoc mode: these files describe the whole database (no plugins.toml). Repeat the
    /// option or list the files; the list ends at the next option.
    #[arg(
        long = "schema",
        id = "command_schema",
        value_name = "FILE",
        num_args = 1..,
        action = ArgAction::Append
    )]
    pub files: Vec<PathBuf>,
}

impl Cli {
    /// Parse the process's arguments (see [`Cli::try_parse_args_from`]).
    pub fn try_parse_args() -> Result<Cli, clap::Error> {
        Cli::try_parse_args_from(std::env::args_os())
    }

    /// Parse arguments; `--schema` files given before and after the command name are one list.
    pub fn try_parse_args_from<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = Cli::command().try_get_matches_from(args)?;
        let mut cli = Cli::from_arg_matches(&matches)?;
        cli.global.database_url_from_env =
            matches.value_source("database_url") == Some(ValueSource::EnvVariable);
        Ok(cli.merged())
    }

    fn merged(mut self) -> Cli {
        let after = match &mut self.command {
            Command::Plan(a) => &mut a.schema.files,
            Command::Apply(a) => &mut a.schema.files,
            Command::Check(a) => &mut a.schema.files,
            Command::Status(a) => &mut a.schema.files,
            Command::Adopt(a) => &mut a.schema.files,
            Command::Lint(a) => &mut a.schema.files,
            Command::Uninstall(_) => return self,
        };
        self.global.schema.append(after);
        self
    }
}

impl Command {
    /// The plugins the command names, and the engine of an offline plan.
    pub fn request_parts(&self) -> (&[String], Option<crate::model::Dialect>) {
        match self {
            Command::Plan(a) => (
                &a.plugins,
                a.offline.then(|| a.dialect.map(Into::into)).flatten(),
            ),
            Command::Apply(a) => (&a.plugins, None),
            Command::Check(a) => (&a.plugins, None),
            Command::Status(a) => (&a.plugins, None),
            Command::Uninstall(a) => (&a.plugins, None),
            Command::Adopt(_) => (&[], None),
            Command::Lint(a) => (&a.plugins, a.dialect.map(Into::into)),
        }
    }

    /// Whether the command writes JSON (`--format json`).
    pub fn json(&self) -> bool {
        match self {
            Command::Plan(a) => a.format == PlanFormat::Json,
            Command::Check(a) => a.format == CheckFormat::Json,
            Command::Status(a) => a.format == CheckFormat::Json,
            Command::Lint(a) => a.format == LintFormat::Json,
            Command::Apply(_) | Command::Uninstall(_) | Command::Adopt(_) => false,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the SQL that would make the database match the schema (a dry run).
    Plan(PlanArgs),
    /// Make the database match the schema.
    Apply(ApplyArgs),
    /// Exit 0 when the database matches the schema, 1 when it drifted.
    Check(CheckArgs),
    /// Per plugin: installed or not, the last apply, in sync or drifted, its tables; orphans.
    Status(StatusArgs),
    /// Drop the plugins' tables (referencing tables first) and record the uninstall.
    Uninstall(UninstallArgs),
    /// Write the desired schema from a live database: each plugin's schema file (`--out DIR`),
    /// or the whole database into one file (`--schema FILE`).
    Adopt(AdoptArgs),
    /// Check the schema files without a database (types, foreign keys, names, spellings);
    /// exit 1 when an error is found. `--live` adds the plan's hazards and what the data says.
    Lint(LintArgs),
}

#[derive(Debug, Args)]
pub struct LintArgs {
    pub plugins: Vec<String>,
    /// The engine to check for; default: the database URL's (plinth does not connect).
    #[arg(long, value_enum, conflicts_with = "live")]
    pub dialect: Option<DialectArg>,
    /// Also check against the other engines: their reserved words and name lengths, and the
    /// types only this engine reads.
    #[arg(long)]
    pub portable: bool,
    /// Also plan against the database: each step's hazards, and what the data says.
    #[arg(long)]
    pub live: bool,
    /// `github`: workflow commands (`::error file=…,line=…`) that annotate a pull request.
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    pub format: LintFormat,
    #[command(flatten)]
    pub schema: SchemaFiles,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    Text,
    Json,
    Github,
}

#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// Write the project into DIR: each plugin's schema file at the path plugins.toml gives it
    /// (its first), and plugins.toml when it changes or DIR is elsewhere.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Add the live tables no plugin owns to this plugin (plugins.toml keeps its comments and
    /// layout).
    #[arg(long, value_name = "NAME", requires = "out")]
    pub plugin: Option<String>,
    /// Replace files that exist (adopt never overwrites otherwise).
    #[arg(long)]
    pub force: bool,
    /// Ad-hoc mode: the file the whole database is written into.
    #[command(flatten)]
    pub schema: SchemaFiles,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Plugins to report on (default: every plugin of the site).
    pub plugins: Vec<String>,
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    #[command(flatten)]
    pub schema: SchemaFiles,
}

#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// The plugins whose tables to drop.
    #[arg(required = true)]
    pub plugins: Vec<String>,
    /// Needed to drop anything: uninstalling deletes the plugins' data.
    #[arg(long)]
    pub allow_destructive: bool,
    /// Print the statements instead of running them.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Plugins to plan (default: all), processed in dependency order.
    pub plugins: Vec<String>,
    /// Plan against an empty database: each plugin's baseline. Needs --dialect.
    #[arg(long, requires = "dialect")]
    pub offline: bool,
    /// The engine an offline plan is for (only with --offline: a database says its own).
    #[arg(long, value_enum, requires = "offline")]
    pub dialect: Option<DialectArg>,
    #[arg(long, value_enum, default_value_t = PlanFormat::Sql)]
    pub format: PlanFormat,
    /// Each changed table's DDL, live against desired, as a coloured diff on stderr (see
    /// `check --color`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Accepted for symmetry with apply; plan always shows destructive steps, marked.
    #[arg(long)]
    pub allow_destructive: bool,
    /// Also write the plan to FILE, with fingerprints of the live and the desired schema, for
    /// `apply --plan FILE` to run once it is reviewed.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Plan as `apply --online` applies.
    #[arg(long)]
    pub online: bool,
    #[command(flatten)]
    pub schema: SchemaFiles,
}

/// A hazard code as the JSON plan writes it.
fn hazard_code(name: &str) -> Result<HazardCode, String> {
    HazardCode::parse(name).ok_or_else(|| {
        let codes: Vec<&str> = HazardCode::ALL.iter().map(|c| c.as_str()).collect();
        format!(
            "no hazard code `{name}`; the codes are: {}",
            codes.join(", ")
        )
    })
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    pub plugins: Vec<String>,
    /// Run steps that drop tables or columns or can otherwise lose data.
    #[arg(long)]
    pub allow_destructive: bool,
    /// Run the steps that can lose data with these hazard codes (`drop_column`, `narrow_type`,
    /// …; see the JSON plan), on every plugin; repeat it or separate codes with commas.
    #[arg(long = "allow", value_name = "CODE", value_delimiter = ',', value_parser = hazard_code)]
    pub allow: Vec<HazardCode>,
    /// Apply what may run and leave out the steps that may not (reported on stderr, exit 0),
    /// instead of refusing the plan.
    #[arg(long)]
    pub skip_destructive: bool,
    /// Run exactly the reviewed plan FILE (written by `plan --out`), refusing if the database
    /// or the schema files changed since.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Apply every plugin without blocking the application (as a plugin's `online = true` in
    /// plugins.toml): PostgreSQL builds indexes on existing tables CONCURRENTLY, after the
    /// transaction.
    #[arg(long)]
    pub online: bool,
    #[command(flatten)]
    pub schema: SchemaFiles,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    pub plugins: Vec<String>,
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Each changed table's DDL, live against desired, as a coloured diff on stderr: `auto` on
    /// a terminal (uncoloured when NO_COLOR is set), `always` (coloured wherever it goes),
    /// `never` (no diff).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(flatten)]
    pub schema: SchemaFiles,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DialectArg {
    #[value(alias = "postgresql")]
    Postgres,
    #[value(alias = "mariadb")]
    Mysql,
    Sqlite,
}

impl From<DialectArg> for crate::model::Dialect {
    fn from(d: DialectArg) -> Self {
        match d {
            DialectArg::Postgres => crate::model::Dialect::Postgres,
            DialectArg::Mysql => crate::model::Dialect::Mysql,
            DialectArg::Sqlite => crate::model::Dialect::Sqlite,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Sql,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to show table diffs, and in colour: `auto` shows them on a terminal, coloured
    /// unless NO_COLOR is set (to anything but empty).
    pub fn diffs(self, terminal: bool, no_color: bool) -> Option<bool> {
        match self {
            ColorChoice::Always => Some(true),
            ColorChoice::Never => None,
            ColorChoice::Auto => terminal.then_some(!no_color),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

/// `--lock-timeout`: whole seconds, at least 1 and at most an hour, so a wait stays bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockTimeout(u64);

impl LockTimeout {
    pub fn duration(self) -> Duration {
        Duration::from_secs(self.0)
    }
}

impl Default for LockTimeout {
    fn default() -> LockTimeout {
        LockTimeout(crate::db::apply::DEFAULT_LOCK_TIMEOUT.as_secs())
    }
}

impl std::str::FromStr for LockTimeout {
    type Err = String;

    fn from_str(text: &str) -> Result<LockTimeout, String> {
        let max = crate::db::apply::MAX_LOCK_TIMEOUT.as_secs();
        match text.trim().parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(LockTimeout(n)),
            _ => Err(format!("expected whole seconds from 1 to {max}")),
        }
    }
}

impl std::fmt::Display for LockTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}
