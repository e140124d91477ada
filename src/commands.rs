//! The three commands over the library: resolve the request, run the pipeline, report.
//!
//! Commands write SQL and JSON to `out` and messages to `err` (through `report`), so tests
//! capture both without spawning a process; `main` maps the returned [`Outcome`] (or error) to
//! the exit code.

use std::io::Write;

use crate::cli::{Cli, Command};
use crate::config::Desired;
use crate::db::{self, url::Secrets};
use crate::error::{Error, Result};
use crate::model::{Dialect, Schema};
use crate::pipeline::batches;
pub use crate::report::Outcome;
use crate::report::{self, io};
use crate::request::{Request, Target};

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
            let request = Request::resolve(&cli.global, &args.plugins, offline, secrets)?;
            let (desired, live) = prepare(&request).await?;
            let dialect = request.target.dialect();
            let batches = batches(dialect, &desired, &request.selection, &live.schema)?;
            report::write_plan(out, err, dialect, &batches, args.format)?;
            Ok(Outcome::Ok)
        }
        Command::Check(args) => {
            let request = Request::resolve(&cli.global, &args.plugins, None, secrets)?;
            let (desired, live) = prepare(&request).await?;
            let dialect = request.target.dialect();
            require_external(dialect, &desired, &live.schema)?;
            let batches = batches(dialect, &desired, &request.selection, &live.schema)?;
            report::write_check(out, err, dialect, &batches, args.format)
        }
        Command::Apply(args) => {
            let request = Request::resolve(&cli.global, &args.plugins, None, secrets)?;
            let Target::Database(url) = &request.target else {
                return Err(Error::usage("apply needs a database"));
            };
            let mut conn = db::connect(url).await?;
            let dialect = conn.dialect();
            let desired = request.source.load(dialect)?;
            let options = db::apply::Options {
                allow_destructive: args.allow_destructive,
                lock_timeout: cli.global.lock_timeout.duration(),
            };
            let applied = db::apply(&mut conn, options, |live: &Schema| {
                require_external(dialect, &desired, live)?;
                batches(dialect, &desired, &request.selection, live)
            })
            .await?;
            report::write_applied(out, err, dialect, &applied.batches)?;
            Ok(Outcome::Ok)
        }
    }
}

/// The desired state and the live schema the request compares; an offline plan compares with
/// an empty database. Reading the catalog and parsing the schema files run side by side: one
/// waits on the server, the other works on this machine. A bad project is reported before
/// anything the database said.
pub async fn prepare(request: &Request) -> Result<(Desired, db::Inspected)> {
    let empty = || db::Inspected {
        schema: Schema::default(),
        queries: 0,
    };
    let url = match &request.target {
        Target::Offline(dialect) => return Ok((request.source.load(*dialect)?, empty())),
        Target::Database(url) => url,
    };
    let dialect = url.dialect();
    let parsing = {
        let source = request.source.clone();
        tokio::task::spawn_blocking(move || source.load(dialect))
    };
    // plan/check must not create a SQLite database file as a side effect.
    let live = if url.sqlite_file().is_some_and(|f| !f.exists()) {
        Ok(empty())
    } else {
        db::inspect_read_only(url).await
    };
    let desired = parsing
        .await
        .map_err(|e| Error::usage(format!("parsing the schema failed: {e}")))??;
    Ok((desired, live?))
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
