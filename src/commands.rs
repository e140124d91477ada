//! The three commands over the library: resolve the request, run the pipeline, report.
//!
//! Commands write SQL and JSON to `out` and messages to `err` (through `report`), so tests
//! capture both without spawning a process; `main` maps the returned [`Outcome`] (or error) to
//! the exit code.

use std::io::Write;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use crate::adopt;
use crate::cli::{AdoptArgs, Cli, ColorChoice, Command, PlanFormat, UninstallArgs};
use crate::config::{Desired, Selection};
use crate::db::{self, url::Secrets};
use crate::error::{Error, Location, Result};
use crate::fleet::{self, SiteResult};
use crate::lint;
use crate::model::{Dialect, Schema};
use crate::pipeline::{batches, Batch};
use crate::policy::Policy;
pub use crate::report::Outcome;
use crate::report::{self, io};
use crate::request::{Request, Source, Target};
use crate::reviewed::ReviewedPlan;
use crate::status;

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
    let (plugins, offline) = cli.command.request_parts();
    let lock_timeout = cli.global.lock_timeout.duration();
    if let Command::Uninstall(args) = &cli.command {
        if cli.global.all_sites {
            return Err(Error::usage(
                "uninstall works on one site: pass --site NAME (a plugin is removed site by site)",
            ));
        }
        let request = Request::resolve(&cli.global, plugins, offline, secrets)?;
        return uninstall(args, &request, lock_timeout, out, err).await;
    }
    if let Command::Adopt(args) = &cli.command {
        if cli.global.all_sites {
            return Err(Error::usage(
                "adopt reads one database: pass --site NAME or --database-url URL",
            ));
        }
        let request = Request::resolve(&cli.global, plugins, offline, secrets)?;
        return adopt(args, &request, err).await;
    }
    if cli.global.all_sites {
        let requests = Request::resolve_all(&cli.global, plugins, offline, secrets)?;
        return fleet(cli, requests, secrets, out, err).await;
    }
    let request = Request::resolve(&cli.global, plugins, offline, secrets)?;
    one(&cli.command, &request, lock_timeout, out, err)
        .await
        .map(|done| done.outcome)
}

/// What a command did on one database.
struct Done {
    outcome: Outcome,
    /// Statements planned, applied or found drifted.
    statements: usize,
}

impl Done {
    fn ok(statements: usize) -> Done {
        Done {
            outcome: Outcome::Ok,
            statements,
        }
    }
}

fn count(batches: &[Batch]) -> usize {
    batches.iter().map(|b| b.statements.len()).sum()
}

/// plan, check, status or apply on the one database of `request`.
async fn one(
    command: &Command,
    request: &Request,
    lock_timeout: Duration,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Done> {
    match command {
        Command::Plan(args) => {
            let Prepared {
                mut desired,
                live,
                findings,
            } = prepare(request, Checks::Refuse).await?;
            let dialect = request.target.dialect();
            note_warnings(&findings, err)?;
            if args.online {
                desired.online_everywhere();
            }
            let selection = with_dependencies(&desired, request, "planning", err)?;
            let mut batches = batches(dialect, &desired, &selection, &live.schema)?;
            if let Target::Database(url) = &request.target {
                db::data::examine_read_only(url, &live.schema, &mut batches).await?;
            }
            if let Some(file) = &args.out {
                let reviewed = ReviewedPlan::new(dialect, &live.schema, &desired, &batches);
                let text = serde_json::to_string_pretty(&reviewed)
                    .map_err(|e| Error::usage(format!("cannot write the plan: {e}")))?;
                std::fs::write(file, text + "\n")
                    .map_err(|e| Error::usage(format!("cannot write {}: {e}", file.display())))?;
            }
            report::write_plan(out, err, dialect, &batches, args.format, "apply")?;
            if let Some(color) = show_diffs(args.color) {
                report::table_diffs(err, dialect, &batches, color)?;
            }
            Ok(Done::ok(count(&batches)))
        }
        Command::Check(args) => {
            let Prepared { desired, live, .. } = prepare(request, Checks::Refuse).await?;
            let dialect = request.target.dialect();
            let selection = with_dependencies(&desired, request, "checking", err)?;
            require_external(dialect, &desired, &live.schema)?;
            let batches = batches(dialect, &desired, &selection, &live.schema)?;
            let orphans = status::orphans(
                dialect,
                &desired,
                &request.selection,
                &live.schema,
                &live.history,
            );
            report::orphans(err, &orphans)?;
            let outcome = report::write_check(out, err, dialect, &batches, args.format)?;
            if let Some(color) = show_diffs(args.color) {
                report::table_diffs(err, dialect, &batches, color)?;
            }
            Ok(Done {
                outcome,
                statements: count(&batches),
            })
        }
        Command::Status(args) => {
            let Prepared { desired, live, .. } = prepare(request, Checks::Refuse).await?;
            let dialect = request.target.dialect();
            let batches = batches(dialect, &desired, &request.selection, &live.schema)?;
            let status = status::status(
                dialect,
                &desired,
                &request.selection,
                request.site.as_deref(),
                &live.schema,
                &batches,
                &live.history,
            );
            report::write_status(out, &status, args.format)?;
            Ok(Done::ok(0))
        }
        Command::Lint(args) => {
            let dialect = request.target.dialect();
            let findings = match (args.live, &request.target) {
                (false, _) => {
                    let desired = request.source.load(dialect)?;
                    lint::lint(dialect, &desired, args.portable)
                }
                (true, Target::Offline(_)) => {
                    return Err(Error::usage("lint --live needs a database"))
                }
                (true, Target::Database(url)) => {
                    let portable = args.portable;
                    let Prepared {
                        desired,
                        live,
                        mut findings,
                    } = prepare(request, Checks::Report { portable }).await?;
                    let selection = with_dependencies(&desired, request, "planning", err)?;
                    let mut batches = batches(dialect, &desired, &selection, &live.schema)?;
                    db::data::examine_read_only(url, &live.schema, &mut batches).await?;
                    let fallback = Location::new(request.source.describe(), 1, 1);
                    findings.extend(lint::plan_findings(&desired, &batches, &fallback));
                    findings
                }
            };
            let outcome = report::write_lint(out, err, &findings, args.format)?;
            Ok(Done {
                outcome,
                statements: 0,
            })
        }
        Command::Adopt(args) => adopt(args, request, err).await.map(|outcome| Done {
            outcome,
            statements: 0,
        }),
        Command::Uninstall(args) => {
            uninstall(args, request, lock_timeout, out, err)
                .await
                .map(|outcome| Done {
                    outcome,
                    statements: 0,
                })
        }
        Command::Apply(args) => {
            let Target::Database(url) = &request.target else {
                return Err(Error::usage("apply needs a database"));
            };
            let dialect = url.dialect();
            let (mut desired, findings) = load_checked(&request.source, dialect, Checks::Refuse)?;
            note_warnings(&findings, err)?;
            if args.online {
                desired.online_everywhere();
            }
            let mut conn = db::connect(url).await?;
            // What the server makes of the desired schema is asked against the database as it
            // is now; the apply reads it again under its lock.
            let before = db::read_live(url).await?;
            db::server_canonical(url, &mut desired.schema, &before.schema).await?;
            let reviewed = match &args.plan {
                Some(file) => {
                    let path = file.to_string_lossy().into_owned();
                    let plan = ReviewedPlan::parse(&path, &crate::config::read_file(file)?)?;
                    plan.check_desired(&path, dialect, &desired)?;
                    Some((path, plan))
                }
                None => None,
            };
            // The reviewed plan is checked on the first planning, under the lock.
            let mut first = true;
            let selection = with_dependencies(&desired, request, "applying", err)?;
            let options = db::Options {
                policy: Policy {
                    all: args.allow_destructive,
                    codes: args.allow.iter().copied().collect(),
                    plugins: desired.allow.clone(),
                    skip: args.skip_destructive,
                },
                lock_timeout,
                kind: db::history::Kind::Apply,
            };
            let applied = db::apply(&mut conn, options, |live: &Schema| {
                require_external(dialect, &desired, live)?;
                let planned = batches(dialect, &desired, &selection, live)?;
                if let (Some((path, plan)), true) =
                    (&reviewed, std::mem::replace(&mut first, false))
                {
                    plan.check_live(path, live, &planned)?;
                }
                Ok(planned)
            })
            .await?;
            report::write_applied(out, err, dialect, &applied.batches)?;
            report::write_skipped(err, &applied.skipped)?;
            Ok(Done::ok(applied.statement_count()))
        }
    }
}

/// The offline checks' warnings (`plan` and `apply` ran them first; their errors refused), as
/// one note on `err`.
fn note_warnings(findings: &[lint::Finding], err: &mut dyn Write) -> Result<()> {
    if !findings.is_empty() {
        writeln!(
            err,
            "note: {} lint warning(s) about the schema files; `plinth lint` shows them",
            findings.len()
        )
        .map_err(io)?;
    }
    Ok(())
}

/// `--all-sites`: the command on every site (see [`crate::fleet`]); each site's output and
/// errors are its own, scrubbed of every site's secrets.
async fn fleet(
    cli: &Cli,
    requests: Vec<(String, Result<Request>)>,
    secrets: &Secrets,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Outcome> {
    let one_site = match &cli.command {
        Command::Plan(args) if args.out.is_some() => Some("plan --out"),
        Command::Apply(args) if args.plan.is_some() => Some("apply --plan"),
        _ => None,
    };
    if let Some(what) = one_site {
        return Err(Error::usage(format!(
            "{what} works on one site (a reviewed plan is one database's): pass --site NAME"
        )));
    }
    let json = cli.command.json();
    let lock_timeout = cli.global.lock_timeout.duration();
    let options = fleet::Options {
        jobs: cli.global.jobs.map_or(fleet::DEFAULT_JOBS, usize::from),
        fail_fast: cli.global.fail_fast,
        json,
        // JSON is for a program: no progress lines, unless a person watches a terminal.
        progress: match fleet::Progress::detect() {
            fleet::Progress::Plain if json => fleet::Progress::Quiet,
            detected => detected,
        },
    };
    let mut by_site: BTreeMap<String, Result<Request>> = requests.into_iter().collect();
    let sites = by_site.keys().cloned().collect();
    let command = &cli.command;
    let run_one = |site: String| {
        let request = by_site.remove(&site);
        async move {
            let request = match request {
                Some(Ok(request)) => request,
                Some(Err(e)) => return SiteResult::failed(secrets.scrub_error(e)),
                None => return SiteResult::failed(Error::usage(format!("no site `{site}`"))),
            };
            let (mut site_out, mut site_err) = (Vec::new(), Vec::new());
            let result = one(
                command,
                &request,
                lock_timeout,
                &mut site_out,
                &mut site_err,
            )
            .await;
            let detail = json
                .then(|| serde_json::from_slice(&site_out).ok())
                .flatten();
            let (outcome, statements) = match result {
                Ok(done) => (Ok(done.outcome), done.statements),
                Err(e) => (Err(secrets.scrub_error(e)), 0),
            };
            SiteResult {
                outcome,
                statements,
                out: site_out,
                err: site_err,
                detail,
            }
        }
    };
    fleet::run(sites, &options, out, err, run_one).await
}

/// What `prepare` does with the offline checks (`lint`) of the schema files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checks {
    /// Their errors refuse the command (plan, check, status): the engine would refuse the
    /// schema, or every write into it. The warnings are kept.
    Refuse,
    /// Every finding is kept (`lint --live`); `portable`: the other engines' rules too.
    Report { portable: bool },
}

/// What `prepare` read: the desired state, the live schema, and the offline checks' findings.
pub struct Prepared {
    pub desired: Desired,
    pub live: db::Live,
    pub findings: Vec<lint::Finding>,
}

/// The schema files read for `dialect` and checked offline: with [`Checks::Refuse`], an error
/// among the findings is the result.
fn load_checked(
    source: &Source,
    dialect: Dialect,
    checks: Checks,
) -> Result<(Desired, Vec<lint::Finding>)> {
    let desired = source.load(dialect)?;
    let portable = matches!(checks, Checks::Report { portable: true });
    let findings = lint::lint(dialect, &desired, portable);
    if checks == Checks::Refuse {
        if let Some(refusal) = lint::refusal(&findings) {
            return Err(refusal);
        }
    }
    Ok((desired, findings))
}

/// The desired state and the live schema the request compares; an offline plan compares with
/// an empty database. Reading the catalog, and parsing and checking the schema files, run side
/// by side: one waits on the server, the other works on this machine. A bad project (and a
/// schema the offline checks refuse) is reported before anything the database said.
pub async fn prepare(request: &Request, checks: Checks) -> Result<Prepared> {
    let url = match &request.target {
        Target::Offline(dialect) => {
            let (desired, findings) = load_checked(&request.source, *dialect, checks)?;
            return Ok(Prepared {
                desired,
                live: db::Live::default(),
                findings,
            });
        }
        Target::Database(url) => url,
    };
    let dialect = url.dialect();
    let parsing = {
        let source = request.source.clone();
        tokio::task::spawn_blocking(move || load_checked(&source, dialect, checks))
    };
    // plan/check must not create a SQLite database file as a side effect.
    let live = if url.sqlite_file().is_some_and(|f| !f.exists()) {
        Ok(db::Live::default())
    } else {
        db::read_live(url).await
    };
    let (mut desired, findings) = parsing
        .await
        .map_err(|e| Error::usage(format!("parsing the schema failed: {e}")))??;
    let live = live?;
    db::server_canonical(url, &mut desired.schema, &live.schema).await?;
    Ok(Prepared {
        desired,
        live,
        findings,
    })
}

/// Whether to print table diffs on stderr, and in colour (see [`ColorChoice::diffs`]).
fn show_diffs(choice: ColorChoice) -> Option<bool> {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    choice.diffs(std::io::stderr().is_terminal(), no_color)
}

/// `plinth adopt`: the live database written as schema files (see [`crate::adopt`]), every
/// file checked to read back as the database before any is written, none overwritten without
/// `--force`; what plinth does not model is named on `err` as not adopted.
async fn adopt(args: &AdoptArgs, request: &Request, err: &mut dyn Write) -> Result<Outcome> {
    let Target::Database(url) = &request.target else {
        return Err(Error::usage("adopt needs a database"));
    };
    if let Some(file) = url.sqlite_file().filter(|f| !f.exists()) {
        return Err(Error::usage(format!(
            "there is no SQLite database at {}: nothing to adopt",
            file.display()
        )));
    }
    let mut conn = db::connect(url).await?;
    let dialect = conn.dialect();
    let live = db::inspect(&mut conn).await?.schema;
    let unmodelled = db::unmodelled(&mut conn).await?;
    let (adoption, dir, config) = match &request.source {
        Source::AdHoc(files) => {
            if args.out.is_some() || args.plugin.is_some() {
                return Err(Error::usage(
                    "--out and --plugin are for a plugins.toml project; with --schema FILE the whole database goes into FILE",
                ));
            }
            let [file] = files.as_slice() else {
                return Err(Error::usage(
                    "adopt writes the whole database into one file: --schema FILE",
                ));
            };
            let path = file.to_string_lossy().into_owned();
            (adopt::whole(dialect, &live, &path)?, PathBuf::new(), None)
        }
        Source::Project(project) => {
            let Some(dir) = &args.out else {
                return Err(Error::usage(
                    "adopt needs --out DIR: each plugin's schema file is written there, at its path in plugins.toml (`--out .` for this project, with --force to replace its files)",
                ));
            };
            let config_path = PathBuf::from(&project.path);
            let text = crate::config::read_text(&config_path)?;
            let adoption = adopt::plugins(
                dialect,
                project,
                &request.selection,
                &live,
                &text,
                args.plugin.as_deref(),
            )?;
            // plugins.toml goes with the files when they go elsewhere, or when it changed.
            let target = dir.join(config_path.file_name().unwrap_or("plugins.toml".as_ref()));
            let same = same_file(&target, &config_path);
            let config = match (&adoption.config, same) {
                (Some(new), _) => Some((target, new.clone())),
                (None, false) => Some((target, text)),
                (None, true) => None,
            };
            (adoption, dir.clone(), config)
        }
    };
    let mut writes: Vec<(PathBuf, &str)> = Vec::new();
    for (path, text) in &adoption.files {
        writes.push((dir.join(safe_relative(path)?), text));
    }
    // plugins.toml is rewritten in place without --force when --plugin asked for it.
    let asked_for = config
        .as_ref()
        .filter(|_| args.plugin.is_some())
        .map(|c| &c.0);
    if let Some((path, text)) = &config {
        writes.push((path.clone(), text));
    }
    let existing: Vec<String> = writes
        .iter()
        .filter(|(path, _)| path.exists() && Some(path) != asked_for)
        .map(|(path, _)| report::comment(&path.display().to_string()))
        .collect();
    if !existing.is_empty() && !args.force {
        return Err(Error::usage(format!(
            "adopt would replace {}; nothing was written. Pass --force to replace them, or --out another directory",
            existing.join(", ")
        )));
    }
    for (path, text) in &writes {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::usage(format!("cannot create {}: {e}", parent.display())))?;
        }
        std::fs::write(path, text)
            .map_err(|e| Error::usage(format!("cannot write {}: {e}", path.display())))?;
    }
    report::adopted(err, &writes, &adoption.notes, &unmodelled)?;
    Ok(Outcome::Ok)
}

/// A path from plugins.toml as a place under the output directory: relative, and never
/// leaving it.
fn safe_relative(path: &str) -> Result<&std::path::Path> {
    let p = std::path::Path::new(path);
    let inside = p.components().all(|c| {
        matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    });
    if inside {
        Ok(p)
    } else {
        Err(Error::usage(format!(
            "adopt writes schema files under the output directory: `{path}` leaves it"
        )))
    }
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `plinth uninstall`: the named plugins' tables, views, routines, sequences and events
/// dropped, those of a plugin that others depend on last, through the apply protocol (lock,
/// one transaction where the engine has them, verified, recorded as an uninstall).
async fn uninstall(
    args: &UninstallArgs,
    request: &Request,
    lock_timeout: Duration,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Outcome> {
    if matches!(request.source, Source::AdHoc(_)) {
        return Err(Error::usage(
            "uninstall needs plugins.toml: with --schema files there are no plugins to remove",
        ));
    }
    let Target::Database(url) = &request.target else {
        return Err(Error::usage("uninstall needs a database"));
    };
    let removing: BTreeSet<String> = args.plugins.iter().cloned().collect();
    let planner = |desired: &Desired, dialect: Dialect, live: &Schema| -> Result<Vec<Batch>> {
        refuse_referenced(dialect, desired, &removing, live)?;
        let without = desired.without(&removing);
        let mut planned = batches(dialect, &without, &request.selection, live)?;
        // Dependency order reversed: a plugin's tables go before those they reference.
        planned.reverse();
        Ok(planned)
    };
    if args.dry_run {
        let Prepared { desired, live, .. } = prepare(request, Checks::Refuse).await?;
        let dialect = request.target.dialect();
        let planned = planner(&desired, dialect, &live.schema)?;
        report::write_plan(out, err, dialect, &planned, PlanFormat::Sql, "uninstall")?;
        return Ok(Outcome::Ok);
    }
    let mut conn = db::connect(url).await?;
    let dialect = conn.dialect();
    let desired = request.source.load(dialect)?;
    let options = db::Options {
        policy: Policy {
            all: args.allow_destructive,
            ..Policy::default()
        },
        lock_timeout,
        kind: db::history::Kind::Uninstall,
    };
    let applied = db::apply(&mut conn, options, |live: &Schema| {
        planner(&desired, dialect, live)
    })
    .await?;
    report::write_uninstalled(out, err, dialect, &applied.batches, request.site.as_deref())?;
    Ok(Outcome::Ok)
}

/// Refuse to uninstall `removing` while a live table that stays has a foreign key into one of
/// their tables: dropping would fail, or (MySQL, SQLite with foreign keys off) leave it
/// pointing at nothing.
fn refuse_referenced(
    dialect: Dialect,
    desired: &Desired,
    removing: &BTreeSet<String>,
    live: &Schema,
) -> Result<()> {
    let owned_by = |table: &str| -> Option<&String> {
        desired
            .owner
            .iter()
            .find(|(t, _)| dialect.same_table(t, table))
            .map(|(_, p)| p)
    };
    let going = |table: &str| owned_by(table).is_some_and(|p| removing.contains(p));
    for (name, table) in &live.tables {
        if going(name) {
            continue;
        }
        if let Some(fk) = table.foreign_keys.iter().find(|fk| going(&fk.ref_table)) {
            let target = owned_by(&fk.ref_table).map_or("", String::as_str);
            let (whose, fix) = match owned_by(name) {
                Some(plugin) => (
                    format!("table `{name}` of plugin {plugin}"),
                    format!("uninstall {plugin} too (`plinth uninstall {plugin} {target}`)"),
                ),
                None => (
                    format!("table `{name}` (no plugin owns it)"),
                    "drop that foreign key first".to_string(),
                ),
            };
            return Err(Error::usage(format!(
                "cannot uninstall {target}: {whose} references its table `{}`; {fix}",
                fk.ref_table
            )));
        }
    }
    Ok(())
}

/// The request's plugins and the ones they depend on, each of those said on `err`
/// (`also applying core: computers references core.users`).
fn with_dependencies(
    desired: &Desired,
    request: &Request,
    doing: &str,
    err: &mut dyn Write,
) -> Result<Selection> {
    let (selection, added) = request.selection.with_dependencies(desired);
    for dependency in added {
        report::dependency(err, doing, desired, &dependency)?;
    }
    Ok(selection)
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
