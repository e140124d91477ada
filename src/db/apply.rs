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
    /// PostgreSQL online: each batch's `CONCURRENTLY` statements, run after the transaction
    /// commits (the batches above hold them too, as what the apply runs).
    deferred: Vec<Batch>,
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
        let deferred = std::mem::take(&mut applied.deferred);
        if !deferred.is_empty() {
            let ran = applied.statement_count() - count(&deferred);
            concurrently(conn, &options, &mut planner, &deferred, ran).await?;
        }
        applied.batches = merged(earlier, applied.batches);
        return Ok(applied);
    }
}

fn count(batches: &[Batch]) -> usize {
    batches.iter().map(|b| b.statements.len()).sum()
}

/// PostgreSQL online, after the transaction committed: the `CONCURRENTLY` statements, each on
/// its own outside any transaction, under a session-level hold of plinth's lock (taken before
/// the commit, so no other apply starts in between); then the database inspected again (the
/// plan must be done) and each batch's statements recorded. `ran` statements ran before.
async fn concurrently<F>(
    conn: &mut Conn,
    options: &Options,
    planner: &mut F,
    deferred: &[Batch],
    ran: usize,
) -> Result<()>
where
    F: FnMut(&Schema) -> Result<Vec<Batch>>,
{
    if conn.dialect() != Dialect::Postgres {
        return Ok(());
    }
    let timeout = format!(
        "SET lock_timeout = '{}ms'",
        options.ddl_lock_timeout().as_millis().max(1)
    );
    let result = async {
        conn.execute(&timeout)
            .await
            .map_err(|e| Error::database("cannot set lock_timeout", e))?;
        let total = ran + count(deferred);
        let mut done = ran;
        for batch in deferred {
            for statement in &batch.statements {
                if let Err(e) = conn.execute(&statement.sql).await {
                    return Err(failed_concurrently(done, total, &statement.sql, e));
                }
                done += 1;
            }
        }
        let after = inspect(conn).await?.schema;
        if let Some(rest) = leftover(planner(&after)?, &options.policy, &Default::default())? {
            return Err(still_differs(&rest, total));
        }
        for batch in deferred {
            history::record(conn, batch, options.kind).await?;
        }
        Ok(())
    }
    .await;
    if let Conn::Postgres(c) = conn {
        let _ = c.execute("RESET lock_timeout").await;
        let _ = engine::postgres::apply::unhold(c).await;
    }
    result
}

/// A `CONCURRENTLY` statement failed: what stays, and what the next apply does about the
/// index it left behind.
fn failed_concurrently(done: usize, total: usize, sql: &str, e: ExecError) -> Error {
    let progress = Progress {
        ran: done,
        of: total,
        rolled_back: false,
    };
    let said = DriverError::from(e);
    let next = if sql.starts_with("CREATE") {
        "a failed concurrent build leaves its index INVALID: the next `plinth apply` drops it and builds it again"
    } else if sql.contains(" VALIDATE CONSTRAINT ") {
        "a constraint that failed to validate stays NOT VALID: the next `plinth apply` replaces it"
    } else {
        "the next `plinth apply` plans from what is there and finishes"
    };
    Error::Apply {
        message: format!(
            "statement {} of {total} failed; {progress}: the statements before it are committed\n  while running: {sql}\n  {next} (fix what the database said first)",
            done + 1
        ),
        progress: Some(progress),
        cause: Some(Box::new(said)),
    }
}

/// Online: how long one attempt of a statement waits for its table's lock (at most; a shorter
/// `--lock-timeout` wins), so that the application's queries queue behind it that long at most.
const ONLINE_LOCK_TIMEOUT: Duration = Duration::from_secs(2);
/// Online: how many times a statement that gave up on a busy table is tried again.
const ONLINE_RETRIES: u32 = 4;
/// PostgreSQL: each online attempt runs in this savepoint, rolled back to when it gives up.
const ATTEMPT: &str = "plinth_attempt";

/// Whether the server gave up waiting for a lock (PostgreSQL `lock_timeout`, MySQL/MariaDB
/// `lock_wait_timeout`).
fn busy(e: &ExecError) -> bool {
    let ExecError::Database(sqlx::Error::Database(db)) = e else {
        return false;
    };
    match db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        Some(my) => my.number() == 1205,
        None => db.code().as_deref() == Some("55P03"),
    }
}

/// Online: one statement with a short lock wait, tried again after a pause (0.5s, 1s, 2s, 4s)
/// while its table is busy. PostgreSQL tries it in a savepoint, so that giving up leaves the
/// transaction as it was; MySQL's DDL that gave up on its lock changed nothing.
async fn retrying(
    conn: &mut Conn,
    sql: &str,
    options: &Options,
) -> std::result::Result<(), ExecError> {
    if conn.dialect() == Dialect::Sqlite {
        return conn.execute(sql).await;
    }
    let savepoint = conn.dialect() == Dialect::Postgres;
    lock_wait(conn, ONLINE_LOCK_TIMEOUT.min(options.ddl_lock_timeout())).await?;
    let mut tries = 0;
    let result = loop {
        if savepoint {
            conn.execute(&format!("SAVEPOINT {ATTEMPT}")).await?;
        }
        match conn.execute(sql).await {
            Ok(()) => {
                if savepoint {
                    conn.execute(&format!("RELEASE SAVEPOINT {ATTEMPT}"))
                        .await?;
                }
                break Ok(());
            }
            Err(e) if busy(&e) && tries < ONLINE_RETRIES => {
                if savepoint {
                    conn.execute(&format!("ROLLBACK TO SAVEPOINT {ATTEMPT}"))
                        .await?;
                }
                tokio::time::sleep(Duration::from_millis(500) * 2u32.pow(tries)).await;
                tries += 1;
            }
            Err(e) => break Err(e),
        }
    };
    if result.is_ok() {
        lock_wait(conn, options.ddl_lock_timeout()).await?;
    }
    result
}

/// How long the statements that follow wait for a table's lock (PostgreSQL: for the rest of
/// the transaction; MySQL: for the session).
async fn lock_wait(conn: &mut Conn, timeout: Duration) -> std::result::Result<(), ExecError> {
    let set = match conn {
        Conn::Postgres(c) => engine::postgres::apply::set_lock_timeout(c, timeout).await,
        Conn::Mysql(c) => engine::mysql::apply::set_lock_wait_timeout(c, timeout).await,
        Conn::Sqlite(_) => Ok(()),
    };
    set.map_err(|e| ExecError::NotOne(e.to_string()))
}

/// MySQL/MariaDB say an `ALGORITHM` or `LOCK` clause asks what the operation cannot do (or
/// that the statement takes no such clause: a partitioning change).
fn not_supported(e: &ExecError) -> Option<String> {
    let ExecError::Database(sqlx::Error::Database(db)) = e else {
        return None;
    };
    let my = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()?;
    matches!(my.number(), 1845 | 1846 | 1064).then(|| my.message().to_string())
}

/// One statement of an online plugin. MySQL/MariaDB: an `ALTER TABLE` is asked to run
/// `ALGORITHM=INSTANT`, else `ALGORITHM=INPLACE, LOCK=NONE` (a clause the server refuses at
/// once when the operation cannot, changing nothing); as the engine would otherwise (copying
/// the table, writes waiting) only when `rewrite_table` is allowed (`--allow rewrite_table`,
/// plugins.toml, `--allow-destructive`). Every form waits briefly for its lock, retried.
async fn online(
    conn: &mut Conn,
    plugin: &str,
    statement: &crate::render::Statement,
    options: &Options,
) -> std::result::Result<(), ExecError> {
    let sql = statement.sql.as_str();
    if conn.dialect() != Dialect::Mysql || !sql.starts_with("ALTER TABLE ") {
        return retrying(conn, sql, options).await;
    }
    let mut refused = Vec::new();
    for clause in ["ALGORITHM=INSTANT", "ALGORITHM=INPLACE, LOCK=NONE"] {
        let form = format!("{sql}, {clause}");
        crate::render::one_statement(Dialect::Mysql, &form)
            .map_err(|e| ExecError::NotOne(e.to_string()))?;
        match retrying(conn, &form, options).await {
            Err(e) => match not_supported(&e) {
                Some(why) => refused.push(format!("{clause}: {why}")),
                None => return Err(e),
            },
            ok => return ok,
        }
    }
    let table = statement.hazards.first().map_or("", |h| h.object.as_str());
    if options
        .policy
        .names(plugin, crate::plan::HazardCode::RewriteTable, table)
    {
        return retrying(conn, sql, options).await;
    }
    Err(ExecError::NotOne(format!(
        "MySQL cannot run this online ({}): it would copy the table while writes wait; allow that with --allow rewrite_table (or `allow = [\"rewrite_table\"]` for the plugin), or apply it without --online\n  the statement: {sql}",
        refused.join("; ")
    )))
}

/// Which round of an apply this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Round {
    /// The plan as planned; on PostgreSQL, only its enum values when it adds some and more.
    First,
    /// After the enum values were committed: the rest.
    Rest,
}

/// Whether a step adds values to a PostgreSQL enum type.
fn adds_enum_values(step: &crate::plan::Step) -> bool {
    matches!(&step.action, crate::plan::Action::AlterEnum { from, to }
        if to.values.iter().any(|v| !from.values.contains(v)))
}

/// What the first round runs when enum values go first: the additions, and the renames of
/// enum types and values they may name.
fn enum_values_round(step: &crate::plan::Step) -> bool {
    use crate::diff::Renaming;
    adds_enum_values(step)
        || matches!(
            &step.action,
            crate::plan::Action::Rename(Renaming::Type { .. } | Renaming::EnumValue { .. })
        )
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

/// The statements `batches` would still run, but those `policy` skips and those `deferred`
/// (run after the transaction).
fn leftover(
    batches: Vec<Batch>,
    policy: &Policy,
    deferred: &BTreeSet<String>,
) -> Result<Option<String>> {
    let batches = match policy.skip {
        true => allowed_steps(batches, policy)?,
        false => batches,
    };
    let sql: Vec<&str> = batches
        .iter()
        .flat_map(|b| b.statements.iter().map(|s| s.sql.as_str()))
        .filter(|sql| !deferred.contains(*sql))
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

/// Every statement ran and stays committed (MySQL, or PostgreSQL online after the commit),
/// yet the plan is not done.
fn still_differs(rest: &str, total: usize) -> Error {
    Error::apply(
        format!(
            "all {total} statements applied, but the database still differs; plinth would next run:\n{rest};\nthis is a plinth bug: please report it with the schema"
        ),
        Some(Progress {
            ran: total,
            of: total,
            rolled_back: false,
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
        && steps().any(|s| !enum_values_round(s));
    if enum_values_first {
        batches = (batches.into_iter())
            .map(|b| b.keeping(enum_values_round))
            .filter(|b| b.as_ref().map_or(true, |b| !b.statements.is_empty()))
            .collect::<Result<_>>()?;
    }
    if let Conn::Postgres(c) = conn {
        let needed = (batches.iter())
            .map(|b| crate::plan::locks_at_least(&b.plan))
            .sum();
        engine::postgres::apply::check_lock_budget(c, needed).await?;
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
            if statement.deferred {
                continue;
            }
            let ran = match batch.plan.online {
                true => online(conn, &batch.plugin, statement, options).await,
                false => conn.execute(&statement.sql).await,
            };
            if let Err(e) = ran {
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
            .map(|b| b.keeping(enum_values_round))
            .collect::<Result<_>>()?;
    }
    // PostgreSQL online: the concurrent builds wait for the commit.
    let deferred: Vec<Batch> = (batches.iter())
        .filter(|b| b.statements.iter().any(|s| s.deferred))
        .map(|b| part(b, true))
        .collect();
    let later: BTreeSet<String> = (deferred.iter())
        .flat_map(|b| b.statements.iter().map(|s| s.sql.clone()))
        .collect();
    if let Some(rest) = leftover(planned_after, &options.policy, &later)? {
        return Err(match transactional {
            true => not_converged(&rest, total),
            false => still_differs(&rest, total),
        });
    }
    if transactional {
        for batch in &batches {
            let now = part(batch, false);
            if !now.statements.is_empty() || !batch.statements.iter().any(|s| s.deferred) {
                history::record(conn, &now, options.kind).await?;
            }
        }
    }
    if let (Conn::Postgres(c), false) = (&mut *conn, deferred.is_empty()) {
        engine::postgres::apply::hold(c).await?;
    }
    Ok((
        Applied {
            batches,
            skipped,
            deferred,
        },
        enum_values_first,
    ))
}

/// The batch with only its statements that run after the commit (`deferred`), or only the
/// others: what each part records in history.
fn part(batch: &Batch, deferred: bool) -> Batch {
    Batch {
        statements: (batch.statements.iter())
            .filter(|s| s.deferred == deferred)
            .cloned()
            .collect(),
        ..batch.clone()
    }
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
