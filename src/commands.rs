//! The three commands over the library: resolve inputs, run the pipeline, write the outcome.
//!
//! Commands write SQL and JSON to `out` and messages to `err`, so tests capture both without
//! spawning a process; `main` maps the returned [`Outcome`] (or error) to the exit code.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::{CheckFormat, Cli, Command, Global, PlanFormat};
use crate::config::{self, Desired};
use crate::db::{self, url::Secrets};
use crate::error::{Error, Result};
use crate::model::{Dialect, Schema};
use crate::pipeline::{batches, Batch};

/// What a successful command found. Errors are `Err`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, or in sync (exit 0).
    Ok,
    /// `check` found drift (exit 1).
    Drift,
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Ok => 0,
            Outcome::Drift => 1,
        }
    }
}

const DEFAULT_CONFIG: &str = "plugins.toml";

/// Run one command. Every error it returns is scrubbed of the database URL's secrets (the
/// password as written and decoded, wherever a server or driver message repeats it).
pub async fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome> {
    let mut secrets = Secrets::default();
    if let Some(url) = &cli.global.database_url {
        secrets.add(url);
    }
    let result = run_command(&cli, &mut secrets, out, err).await;
    let flushed = out.flush().map_err(io);
    result
        .and_then(|outcome| flushed.map(|()| outcome))
        .map_err(|e| secrets.scrub_error(e))
}

async fn run_command(
    cli: &Cli,
    secrets: &mut Secrets,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Outcome> {
    match &cli.command {
        Command::Plan(args) => {
            let offline = args
                .offline
                .then(|| args.dialect.map(Dialect::from))
                .flatten();
            let (desired, dialect, live) = prepare_with(&cli.global, offline, secrets).await?;
            let batches = batches(dialect, &desired, &args.plugins, &live.schema)?;
            write_plan(out, err, dialect, &batches, args.format)?;
            Ok(Outcome::Ok)
        }
        Command::Check(args) => {
            let (desired, dialect, live) = prepare_with(&cli.global, None, secrets).await?;
            require_external(dialect, &desired, &live.schema)?;
            let batches = batches(dialect, &desired, &args.plugins, &live.schema)?;
            write_check(out, err, dialect, &batches, args.format)
        }
        Command::Apply(args) => {
            let (url, project) = resolve_url(&cli.global, secrets)?;
            let mut conn = db::connect(&url).await?;
            let dialect = conn.dialect();
            let desired = load_desired(&cli.global, project.as_ref(), dialect)?;
            let selected = args.plugins.clone();
            let applied = db::apply(&mut conn, args.allow_destructive, |live: &Schema| {
                require_external(dialect, &desired, live)?;
                batches(dialect, &desired, &selected, live)
            })
            .await?;
            if applied.statement_count() == 0 {
                writeln!(err, "nothing to do: the database matches the schema").map_err(io)?;
            } else {
                write_sql(out, &applied.batches).map_err(io)?;
                let plugins: Vec<&str> =
                    applied.batches.iter().map(|b| b.plugin.as_str()).collect();
                writeln!(
                    err,
                    "applied {} statement(s) for {} ({})",
                    applied.statement_count(),
                    plugins.join(", "),
                    dialect
                )
                .map_err(io)?;
            }
            Ok(Outcome::Ok)
        }
    }
}

fn io(e: std::io::Error) -> Error {
    Error::usage(format!("cannot write output: {e}"))
}

/// The database URL (flag, then DATABASE_URL — both in `global` — then the config's
/// `[database] url`), with the project when there is one. The URL's secrets join `secrets`.
fn resolve_url(
    global: &Global,
    secrets: &mut Secrets,
) -> Result<(String, Option<config::Project>)> {
    let project = read_project(global)?;
    let url = global
        .database_url
        .clone()
        .or_else(|| project.as_ref().and_then(|p| p.database_url.clone()))
        .ok_or_else(|| {
            Error::usage(
                "no database: pass --database-url, set DATABASE_URL, or set [database] url in plugins.toml (or plan --offline --dialect …)",
            )
        })?;
    // A relative SQLite path in plugins.toml is relative to the project, not to the shell.
    let url = match (&project, url.strip_prefix("sqlite://")) {
        (Some(p), Some(path))
            if global.database_url.is_none()
                && !path.starts_with('/')
                && !path.starts_with(':')
                && !p.root.as_os_str().is_empty() =>
        {
            format!("sqlite://{}", p.root.join(path).display())
        }
        _ => url,
    };
    secrets.add(&url);
    Ok((url, project))
}

fn read_project(global: &Global) -> Result<Option<config::Project>> {
    if !global.schema.is_empty() {
        if global.config.is_some() {
            return Err(Error::usage(
                "--schema and --config exclude each other: --schema files describe the whole database",
            ));
        }
        return Ok(None);
    }
    let path = global
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
    if !path.exists() {
        return Err(Error::usage(format!(
            "{}: no such file; run plinth where plugins.toml is, pass --config FILE, or describe the database with --schema FILE...",
            path.display()
        )));
    }
    config::read(&path).map(Some)
}

fn load_desired(
    global: &Global,
    project: Option<&config::Project>,
    dialect: Dialect,
) -> Result<Desired> {
    match project {
        Some(p) => config::load_project(p, dialect),
        None => config::adhoc(&global.schema, dialect),
    }
}

/// Desired state, dialect and live schema; offline plans against an empty database. Reading
/// the catalog and parsing the schema files run side by side: one waits on the server, the
/// other works on this machine. A bad project is reported before anything the database said.
/// Errors are scrubbed of the URL's secrets.
pub async fn prepare(
    global: &Global,
    offline: Option<Dialect>,
) -> Result<(Desired, Dialect, db::Inspected)> {
    let mut secrets = Secrets::default();
    let prepared = prepare_with(global, offline, &mut secrets).await;
    prepared.map_err(|e| secrets.scrub_error(e))
}

async fn prepare_with(
    global: &Global,
    offline: Option<Dialect>,
    secrets: &mut Secrets,
) -> Result<(Desired, Dialect, db::Inspected)> {
    let empty = || db::Inspected {
        schema: Schema::default(),
        queries: 0,
    };
    if let Some(dialect) = offline {
        let project = read_project(global)?;
        let desired = load_desired(global, project.as_ref(), dialect)?;
        return Ok((desired, dialect, empty()));
    }
    let (url, project) = resolve_url(global, secrets)?;
    let dialect = db::dialect_of_url(&url)?;
    let parsing = {
        let global = global.clone();
        tokio::task::spawn_blocking(move || load_desired(&global, project.as_ref(), dialect))
    };
    // plan/check must not create a SQLite database file as a side effect.
    let live = if dialect == Dialect::Sqlite && !sqlite_exists(&url) {
        Ok(empty())
    } else {
        db::inspect_read_only(&url).await
    };
    let desired = parsing
        .await
        .map_err(|e| Error::usage(format!("parsing the schema failed: {e}")))??;
    Ok((desired, dialect, live?))
}

fn sqlite_exists(url: &str) -> bool {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or(path);
    path.starts_with(':') || path.is_empty() || Path::new(path).exists()
}

/// External tables are someone else's, but must exist for the foreign keys that point at them.
fn require_external(dialect: Dialect, desired: &Desired, live: &Schema) -> Result<()> {
    let missing: Vec<&str> = desired
        .external
        .iter()
        .filter(|t| desired.live_name(dialect, t, live).is_none())
        .map(|t| desired.written.get(t).unwrap_or(t).as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "external table(s) {} do not exist in the database: create them first (plinth does not manage external tables)",
            missing.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
        )))
    }
}

/// Text for a `--` comment line of printed SQL (and a line of drift on stderr): a line break
/// (or any control character) in a name or a version is written escaped, so nothing from
/// plugins.toml or a schema file ends the comment and becomes SQL for whoever runs the printed
/// plan, or reaches the terminal as a control sequence.
fn comment(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// SQL text: one `-- plugin` header per plugin with changes, destructive steps marked.
pub fn write_sql(out: &mut dyn Write, batches: &[Batch]) -> std::io::Result<()> {
    let mut first = true;
    for batch in batches.iter().filter(|b| !b.statements.is_empty()) {
        if !first {
            writeln!(out)?;
        }
        first = false;
        match &batch.version {
            Some(v) => writeln!(out, "-- plugin {} ({})", comment(&batch.plugin), comment(v))?,
            None => writeln!(out, "-- plugin {}", comment(&batch.plugin))?,
        }
        let mut last_hazards = None;
        for s in &batch.statements {
            if s.is_destructive() && last_hazards != Some(&s.hazards) {
                for h in s.hazards.iter().filter(|h| h.kind.is_destructive()) {
                    writeln!(out, "-- DESTRUCTIVE: {}", comment(&h.message))?;
                }
            }
            last_hazards = Some(&s.hazards);
            writeln!(out, "{};", s.sql)?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonPlan<'a> {
    dialect: Dialect,
    in_sync: bool,
    destructive: bool,
    plugins: &'a [Batch],
}

fn json_plan(dialect: Dialect, batches: &[Batch]) -> JsonPlan<'_> {
    JsonPlan {
        dialect,
        in_sync: batches.iter().all(|b| b.statements.is_empty()),
        destructive: batches.iter().any(Batch::is_destructive),
        plugins: batches,
    }
}

fn write_json(out: &mut dyn Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)
        .map_err(|e| Error::usage(format!("cannot write JSON: {e}")))?;
    writeln!(out).map_err(io)
}

fn write_plan(
    out: &mut dyn Write,
    err: &mut dyn Write,
    dialect: Dialect,
    batches: &[Batch],
    format: PlanFormat,
) -> Result<()> {
    let count: usize = batches.iter().map(|b| b.statements.len()).sum();
    match format {
        PlanFormat::Json => write_json(out, &json_plan(dialect, batches))?,
        PlanFormat::Sql => write_sql(out, batches).map_err(io)?,
    }
    if count == 0 {
        writeln!(err, "nothing to do: the database matches the schema").map_err(io)?;
    } else if batches.iter().any(Batch::is_destructive) {
        writeln!(
            err,
            "{count} statement(s); the plan is DESTRUCTIVE: apply needs --allow-destructive"
        )
        .map_err(io)?;
    }
    Ok(())
}

fn write_check(
    out: &mut dyn Write,
    err: &mut dyn Write,
    dialect: Dialect,
    batches: &[Batch],
    format: CheckFormat,
) -> Result<Outcome> {
    let drifted: Vec<&Batch> = batches
        .iter()
        .filter(|b| !b.statements.is_empty())
        .collect();
    match format {
        CheckFormat::Json => write_json(out, &json_plan(dialect, batches))?,
        CheckFormat::Text => {
            for b in &drifted {
                writeln!(err, "drift in plugin {}:", comment(&b.plugin)).map_err(io)?;
                for step in &b.plan.steps {
                    writeln!(err, "  {}", comment(&step.describe())).map_err(io)?;
                }
            }
            write_sql(out, batches).map_err(io)?;
        }
    }
    if drifted.is_empty() {
        writeln!(err, "in sync").map_err(io)?;
        Ok(Outcome::Ok)
    } else {
        Ok(Outcome::Drift)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_lines_stay_comments() {
        assert_eq!(
            comment("drops table `x\nDROP TABLE victim; --`"),
            "drops table `x\\nDROP TABLE victim; --`"
        );
        assert_eq!(comment("1.4.0\r\n"), "1.4.0\\r\\n");
        assert_eq!(comment("é ☃"), "é ☃");
    }
}
