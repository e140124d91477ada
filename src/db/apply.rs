//! Applying a plan: lock, inspect, plan, execute, re-inspect, record history.
//!
//! PostgreSQL and SQLite run the whole plan in one transaction and commit only when a second
//! inspection inside it finds nothing left to do, nothing outside the plan's scope changed,
//! and the transaction is still the one plinth opened. MySQL commits each DDL statement, so it
//! runs statement by statement, checks after each one that the tables no plugin owns are as
//! they were, says how far it got when one fails, and a re-run finishes the job.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use sqlx::Executor;

use super::history::{self, Kind, Last};
use super::{inspect, Conn, ExecError};
use crate::engine;
use crate::error::{Code, DriverError, Error, PluginHazard, Progress, Result};
use crate::model::{Dialect, Schema};
use crate::pipeline::{changed_outside, Batch, Scope};
use crate::policy::Policy;

/// What an apply did: the batches it ran and recorded (a batch without statements records a
/// new version of its plugin, or the plugin's first row).
#[derive(Debug, Default)]
pub struct Applied {
    pub batches: Vec<Batch>,
    /// `--skip-destructive`: the statements left out, by the hazards that kept them out.
    pub skipped: Vec<PluginHazard>,
}

impl Applied {
    pub fn statement_count(&self) -> usize {
        self.batches.iter().map(|b| b.statements.len()).sum()
    }
}

/// How long to wait for another plinth (or anything holding its lock) before giving up, unless
/// `--lock-timeout` says otherwise.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest `--lock-timeout` plinth accepts: waits stay bounded.
pub const MAX_LOCK_TIMEOUT: Duration = Duration::from_secs(3600);
/// The longest one DDL statement may wait for a table lock: fail fast instead of queueing
/// everyone behind it. A shorter `--lock-timeout` shortens it too ([`Options::ddl_lock_timeout`]).
pub(crate) const DDL_LOCK_TIMEOUT: Duration = Duration::from_secs(10);
/// plinth's lock: PostgreSQL's advisory lock key is `hashtext` of it; MySQL's named lock is
/// this, per database (`engine::mysql::apply::lock_name`).
pub(crate) const LOCK_NAME: &str = "plinth_apply";

/// How an apply runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Which steps that can lose data may run (`--allow-destructive`, `--allow`, plugins.toml),
    /// and whether the others are skipped rather than refused (`--skip-destructive`).
    pub policy: Policy,
    /// How long to wait for plinth's own lock, held by another apply on the same database
    /// (SQLite: for the write lock, held by any writer) (`--lock-timeout`).
    pub lock_timeout: Duration,
    /// What the history rows say: an apply, or an uninstall.
    pub kind: Kind,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            policy: Policy::default(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            kind: Kind::Apply,
        }
    }
}

impl Options {
    /// The default options, destructive steps allowed.
    pub fn destructive() -> Options {
        Options {
            policy: Policy::everything(),
            ..Options::default()
        }
    }

    /// How long one DDL statement waits for a table lock: [`DDL_LOCK_TIMEOUT`], or the lock
    /// timeout when that is shorter (whoever asks plinth to wait less for its own lock does
    /// not want it to wait longer for a table).
    pub(crate) fn ddl_lock_timeout(&self) -> Duration {
        self.lock_timeout.min(DDL_LOCK_TIMEOUT)
    }
}

/// A duration as messages say it: `30s`, `1.5s`.
pub(crate) fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// Lock, inspect, plan with `planner`, refuse destructive plans unless allowed, execute,
/// verify, record. `planner` turns a live schema into per-plugin batches; it is called again
/// after executing, and must then return no statements.
///
/// PostgreSQL cannot use an enum value in the transaction that adds it: when a plan adds enum
/// values and does more, the additions run first in a transaction of their own (committed,
/// with their history rows), and the apply runs again, from a new inspection, for the rest.
pub async fn apply<F>(conn: &mut Conn, options: Options, mut planner: F) -> Result<Applied>
where
    F: FnMut(&Schema) -> Result<Vec<Batch>>,
{
    let mut first = true;
    let mut earlier: Vec<Batch> = Vec::new();
    loop {
        begin(conn, &options).await?;
        let round = if first { Round::First } else { Round::Rest };
        let result = body(conn, &options, &mut planner, round).await;
        let result = match (result, &mut *conn) {
            (Ok((applied, again)), Conn::Sqlite(c)) => {
                let ran = applied.statement_count();
                engine::sqlite::apply::foreign_key_check(c, ran)
                    .await
                    .map(|()| (applied, again))
            }
            (other, _) => other,
        };
        let again = matches!(result, Ok((_, true)));
        let mut applied = end(conn, result.map(|(applied, _)| applied)).await?;
        if again {
            earlier.extend(applied.batches);
            first = false;
            continue;
        }
        applied.batches = merged(earlier, applied.batches);
        return Ok(applied);
    }
}

/// Which round of an apply this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Round {
    /// The plan as planned; on PostgreSQL, only its enum values when it adds some and more.
    First,
    /// After the enum values were committed: the rest.
    Rest,
}

/// Whether a step adds values to a PostgreSQL enum type (the only change plinth makes to one
/// in place).
fn adds_enum_values(step: &crate::plan::Step) -> bool {
    matches!(step.action, crate::plan::Action::AlterEnum { .. })
}

/// The batches of the first round before those of the second, one batch per plugin.
fn merged(earlier: Vec<Batch>, later: Vec<Batch>) -> Vec<Batch> {
    let mut out = later;
    for (i, e) in earlier.into_iter().enumerate() {
        match out.iter_mut().find(|b| b.plugin == e.plugin) {
            Some(b) => {
                let rest = std::mem::take(&mut b.statements);
                b.statements = e.statements.into_iter().chain(rest).collect();
            }
            None => out.insert(i.min(out.len()), e),
        }
    }
    out
}

/// A savepoint that only the transaction plinth opened holds (PostgreSQL, SQLite): releasing it
/// (or rolling back to it) succeeds only while that transaction is the one open.
pub(crate) const SAVEPOINT: &str = "plinth_apply";

/// The destructive hazards of `batches` that `policy` does not allow, each once (a step
/// rendered as several statements carries its hazards on each).
fn disallowed(batches: &[Batch], policy: &Policy) -> Vec<PluginHazard> {
    let mut hazards: Vec<PluginHazard> = batches
        .iter()
        .flat_map(|b| {
            b.statements.iter().flat_map(move |s| {
                (s.hazards.iter())
                    .filter(|h| !policy.allows(&b.plugin, h))
                    .map(move |h| PluginHazard {
                        plugin: b.plugin.clone(),
                        hazard: h.clone(),
                    })
            })
        })
        .collect();
    hazards.dedup_by(|a, b| a.plugin == b.plugin && a.hazard.message == b.hazard.message);
    hazards
}

/// What of `batches` may run under `policy`: all of it, or (`--skip-destructive`) all but the
/// statements it does not allow, which are returned apart by their hazards; otherwise a plan
/// with a step it does not allow is refused.
fn screen(
    batches: Vec<Batch>,
    policy: &Policy,
    kind: Kind,
) -> Result<(Vec<Batch>, Vec<PluginHazard>)> {
    let hazards = disallowed(&batches, policy);
    if hazards.is_empty() {
        return Ok((batches, hazards));
    }
    if !policy.skip {
        let fix = match kind {
            Kind::Uninstall => crate::error::UNINSTALL_FIX,
            _ => crate::error::APPLY_FIX,
        };
        return Err(Error::Destructive { hazards, fix });
    }
    Ok((allowed_steps(batches, policy)?, hazards))
}

/// The refusal of a plan whose steps the data would make fail.
fn refuse_failing(batches: &[Batch]) -> Result<()> {
    let findings: Vec<(String, String)> = (batches.iter())
        .flat_map(|b| {
            (b.findings.iter())
                .filter(|f| f.fails())
                .map(|f| (b.plugin.clone(), f.message.clone()))
        })
        .collect();
    match findings.is_empty() {
        true => Ok(()),
        false => Err(Error::DataRefuses { findings }),
    }
}

/// `batches` without the steps `policy` does not allow.
fn allowed_steps(batches: Vec<Batch>, policy: &Policy) -> Result<Vec<Batch>> {
    (batches.into_iter())
        .map(|b| {
            let plugin = b.plugin.clone();
            b.keeping(|step| policy.allows_all(&plugin, &step.hazards))
        })
        .collect()
}

/// The statements `batches` would still run, but those `policy` skips.
fn leftover(batches: Vec<Batch>, policy: &Policy) -> Result<Option<String>> {
    let batches = match policy.skip {
        true => allowed_steps(batches, policy)?,
        false => batches,
    };
    let sql: Vec<&str> = batches
        .iter()
        .flat_map(|b| b.statements.iter().map(|s| s.sql.as_str()))
        .collect();
    Ok((!sql.is_empty()).then(|| sql.join(";\n")))
}

fn not_converged(rest: &str, total: usize) -> Error {
    Error::apply(
        format!(
            "the plan did not converge: after applying it, plinth would still run:\n{rest};\n\
             everything was rolled back. This is a plinth bug: please report it with the schema"
        ),
        Some(Progress {
            ran: total,
            of: total,
            rolled_back: true,
        }),
    )
}

/// Statement `progress.ran + 1` failed: say where the apply stands, which statement it was,
/// what that failure usually means, and what the database said.
fn sql_err(progress: Progress, sql: &str, e: ExecError, ddl_lock_timeout: Duration) -> Error {
    let rerun = if progress.rolled_back || progress.ran == 0 {
        ""
    } else {
        " (MySQL commits each DDL statement); re-run `plinth apply` to plan from the live state and finish"
    };
    let context = format!(
        "statement {} of {} failed; {progress}{rerun}",
        progress.ran + 1,
        progress.of
    );
    let e = match e {
        ExecError::NotOne(why) => {
            return Error::apply(format!("{context}\n  {why}"), Some(progress))
        }
        ExecError::Database(e) => e,
    };
    let said = DriverError::from(e);
    let mut message = format!("{context}\n  while running: {sql}");
    let sqlstate = match &said.code {
        Some(Code::Postgres { sqlstate, .. }) => sqlstate.as_str(),
        _ => "",
    };
    // PostgreSQL: one transaction holding a lock per touched object ran out of lock slots.
    let out_of_lock_slots = sqlstate == "53200";
    // PostgreSQL's lock_timeout, MySQL/MariaDB's lock_wait_timeout: a busy table.
    let busy = sqlstate == "55P03" || matches!(said.code, Some(Code::Mysql { number: 1205, .. }));
    if out_of_lock_slots {
        message.push_str(
            "\n  PostgreSQL ran out of lock slots for this one transaction: raise \
             `max_locks_per_transaction` in postgresql.conf (and restart), or apply fewer \
             plugins at a time",
        );
    } else if busy {
        message.push_str(&format!(
            "\n  a table is busy (another session holds a lock on it; gave up after {} instead of queueing everyone behind it); retry when it is free",
            seconds(ddl_lock_timeout)
        ));
    }
    Error::Apply {
        message,
        progress: Some(progress),
        cause: Some(Box::new(said)),
    }
}

/// Take the lock and, where DDL is transactional, open the transaction and its savepoint.
async fn begin(conn: &mut Conn, options: &Options) -> Result<()> {
    match conn {
        Conn::Postgres(c) => engine::postgres::apply::begin(c, options).await,
        Conn::Mysql(c) => engine::mysql::apply::begin(c, options).await,
        Conn::Sqlite(c) => engine::sqlite::apply::begin(c, options).await,
    }
}

/// Whether the transaction open now is the one plinth opened (PostgreSQL, SQLite): its
/// savepoint is released on success, rolled back to on failure (which works in a transaction
/// a failed statement aborted); either fails in any other transaction, or outside one.
async fn still_open(conn: &mut Conn, success: bool) -> bool {
    let sql = if success {
        format!("RELEASE SAVEPOINT {SAVEPOINT}")
    } else {
        format!("ROLLBACK TO SAVEPOINT {SAVEPOINT}")
    };
    match conn {
        Conn::Postgres(c) => c.execute(sql.as_str()).await.is_ok(),
        Conn::Sqlite(c) => c.execute(sql.as_str()).await.is_ok(),
        Conn::Mysql(_) => true,
    }
}

/// Commit when `result` is a success (or roll back), after checking that the transaction is
/// still the one plinth opened; release the lock. Returns `result`, or the truth when the
/// transaction was not plinth's any more.
async fn end(conn: &mut Conn, result: Result<Applied>) -> Result<Applied> {
    let intact = still_open(conn, result.is_ok()).await;
    let commit = result.is_ok() && intact;
    let word = if commit { "COMMIT" } else { "ROLLBACK" };
    let ended = match conn {
        Conn::Postgres(c) => engine::postgres::apply::end(c, commit).await,
        Conn::Mysql(c) => engine::mysql::apply::end(c).await,
        Conn::Sqlite(c) => engine::sqlite::apply::end(c, commit).await,
    };
    if !intact {
        let what = match &result {
            Ok(_) => String::new(),
            Err(e) => format!("\n  the apply also failed: {e}"),
        };
        // How far it got is unknown: the statement that ended the transaction committed what
        // ran before it, and the rest was rolled back.
        return Err(Error::apply(
            format!(
                "the transaction plinth opened is no longer open: a statement ended it, so what ran before that point may be committed and plinth cannot undo it; the rest was rolled back. Inspect the database (`plinth check`) before anything else. This is a plinth bug: please report it with the schema{what}"
            ),
            None,
        ));
    }
    match (ended, conn.dialect()) {
        (Err(e), Dialect::Postgres | Dialect::Sqlite) => {
            Err(Error::database(format!("{word} failed"), e))
        }
        _ => result,
    }
}

/// Whether a batch gets a history row: it has statements, or it says something the plugin's
/// newest row does not (a first row, a new version, other tables, the end of a partial apply
/// or of an uninstall); an uninstall is always recorded.
fn to_record(batch: &Batch, last: &[Last], kind: Kind) -> bool {
    if kind == Kind::Uninstall || !batch.statements.is_empty() {
        return true;
    }
    match last.iter().find(|l| l.plugin == batch.plugin) {
        None => true,
        Some(l) => l.kind != Kind::Apply || l.version != batch.version || l.tables != batch.tables,
    }
}

/// One round of an apply, inside its transaction: what it applied, and whether another round
/// must follow (the enum values went first).
async fn body<F>(
    conn: &mut Conn,
    options: &Options,
    planner: &mut F,
    round: Round,
) -> Result<(Applied, bool)>
where
    F: FnMut(&Schema) -> Result<Vec<Batch>>,
{
    let dialect = conn.dialect();
    let transactional = dialect != Dialect::Mysql;
    let live = inspect(conn).await?.schema;
    let last = history::latest(conn).await?;
    let planned = planner(&live)?;
    let mut scope = Scope::default();
    for batch in &planned {
        scope.extend(&batch.scope);
    }
    let batches: Vec<Batch> = planned
        .into_iter()
        .filter(|b| to_record(b, &last, options.kind))
        .collect();
    if batches.is_empty() {
        return Ok((Applied::default(), false));
    }
    let (mut batches, skipped) = screen(batches, &options.policy, options.kind)?;
    // Before any DDL (on MySQL, before anything is committed): what the data says.
    super::data::examine(conn, &live, &mut batches).await?;
    refuse_failing(&batches)?;
    let steps = || batches.iter().flat_map(|b| &b.plan.steps);
    let enum_values_first = round == Round::First
        && dialect == Dialect::Postgres
        && steps().any(adds_enum_values)
        && steps().any(|s| !adds_enum_values(s));
    if enum_values_first {
        batches = (batches.into_iter())
            .map(|b| b.keeping(adds_enum_values))
            .filter(|b| b.as_ref().map_or(true, |b| !b.statements.is_empty()))
            .collect::<Result<_>>()?;
    }
    if let Conn::Sqlite(c) = conn {
        let rebuilt: Vec<String> = batches
            .iter()
            .flat_map(|b| &b.plan.steps)
            .filter_map(|s| match &s.action {
                crate::plan::Action::Rebuild { from, .. } => Some(from.name.clone()),
                _ => None,
            })
            .collect();
        let dropped: BTreeSet<String> = batches
            .iter()
            .flat_map(|b| &b.plan.steps)
            .filter_map(|s| match &s.action {
                // The views and triggers the plan drops (and makes again).
                crate::plan::Action::DropView(v) => Some(v.name.clone()),
                crate::plan::Action::DropTrigger(t) => Some(t.name.clone()),
                _ => None,
            })
            .collect();
        engine::sqlite::apply::refuse_lost_dependents(c, &rebuilt, &live.views, &dropped).await?;
    }
    history::ensure(conn).await?;
    // MySQL: the tables outside the plan, looked at after every statement.
    let outside: Vec<String> = live
        .tables
        .keys()
        .filter(|t| !scope.tables.contains(*t))
        .cloned()
        .collect();
    let watched = match conn {
        Conn::Mysql(c) if !outside.is_empty() => {
            Some(engine::mysql::inspect::fingerprint(c, &outside).await?)
        }
        _ => None,
    };
    let total: usize = batches.iter().map(|b| b.statements.len()).sum();
    // Where the apply stands after `done` statements.
    let progress = |done: usize| Progress {
        ran: done,
        of: total,
        rolled_back: transactional,
    };
    let mut done = 0;
    for batch in &batches {
        // MySQL: the row is there before the first statement and follows each one.
        let row = match transactional {
            true => None,
            false => Some(history::start(conn, batch).await?),
        };
        for (i, statement) in batch.statements.iter().enumerate() {
            if let Err(e) = conn.execute(&statement.sql).await {
                return Err(sql_err(
                    progress(done),
                    &statement.sql,
                    e,
                    options.ddl_lock_timeout(),
                ));
            }
            done += 1;
            if let Some(id) = row {
                history::progress(conn, id, batch, i + 1, options.kind).await?;
            }
            if let (Conn::Mysql(c), Some(before)) = (&mut *conn, &watched) {
                let now = engine::mysql::inspect::fingerprint(c, &outside).await?;
                if let Some(table) = first_difference(before, &now) {
                    let progress = progress(done);
                    return Err(Error::apply(
                        format!(
                            "statement {done} of {total} changed table `{table}`, which this apply does not manage; plinth stopped there: {progress}. This is a plinth bug: please report it with the schema\n  the statement: {}",
                            statement.sql
                        ),
                        Some(progress),
                    ));
                }
            }
        }
        if let (Some(id), true) = (row, batch.statements.is_empty()) {
            history::progress(conn, id, batch, 0, options.kind).await?;
        }
    }
    let after = inspect(conn).await?.schema;
    let changed = changed_outside(&live, &after, &scope);
    if !changed.is_empty() {
        let state = if transactional {
            "everything was rolled back"
        } else {
            "MySQL committed each statement: the change is in the database"
        };
        return Err(Error::apply(
            format!(
                "the plan changed what it does not manage: {}; {state}. This is a plinth bug: please report it with the schema",
                changed.join(", ")
            ),
            Some(progress(total)),
        ));
    }
    let mut planned_after = planner(&after)?;
    if enum_values_first {
        planned_after = (planned_after.into_iter())
            .map(|b| b.keeping(adds_enum_values))
            .collect::<Result<_>>()?;
    }
    if let Some(rest) = leftover(planned_after, &options.policy)? {
        return Err(if transactional {
            not_converged(&rest, total)
        } else {
            Error::apply(
                format!(
                    "all {total} statements applied, but the database still differs; plinth would next run:\n{rest};\nthis is a plinth bug: please report it with the schema"
                ),
                Some(progress(total)),
            )
        });
    }
    if transactional {
        for batch in &batches {
            history::record(conn, batch, options.kind).await?;
        }
    }
    Ok((Applied { batches, skipped }, enum_values_first))
}

/// The first table whose fingerprint differs between two readings (or that is gone).
fn first_difference(
    before: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
) -> Option<String> {
    before
        .iter()
        .find(|(t, f)| now.get(*t) != Some(*f))
        .map(|(t, _)| t.clone())
}
