//! Asking the data what a plan's steps will meet (`plan::data`'s probes), before any DDL: the
//! answers become each batch's findings, and a step the data would make fail refuses the apply.

use std::time::Duration;

use sqlx::Executor;

use super::{Conn, DatabaseUrl, ExecError};
use crate::error::{DriverError, Error, Result};
use crate::model::{Dialect, Schema};
use crate::pipeline::Batch;
use crate::plan::data::{probes, Answer, Finding, Probe, Verdict};

/// How long one question may take on PostgreSQL before it is left unanswered.
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);
/// PostgreSQL: each question runs in this savepoint, rolled back after it, so that one the
/// server refuses leaves the transaction as it was.
const SAVEPOINT: &str = "plinth_probe";

/// Ask the data about every batch's steps over the `live` database on `conn` (inside the
/// apply's transaction where there is one), and keep the answers in `batch.findings`: what a
/// step would fail on, what it destroys, what could not be asked.
pub(crate) async fn examine(conn: &mut Conn, live: &Schema, batches: &mut [Batch]) -> Result<()> {
    let asked = questions(live, batches)?;
    answer_all(conn, batches, asked).await
}

/// [`examine`] for `plan`: on a connection of its own (none when there is nothing to ask), in
/// a read-only transaction rolled back after.
pub async fn examine_read_only(
    url: &DatabaseUrl,
    live: &Schema,
    batches: &mut [Batch],
) -> Result<()> {
    let asked = questions(live, batches)?;
    if asked.iter().all(Vec::is_empty) {
        return Ok(());
    }
    let mut conn = super::connect(url).await?;
    let begin = match conn.dialect() {
        Dialect::Postgres => "BEGIN READ ONLY",
        Dialect::Mysql => "START TRANSACTION READ ONLY",
        Dialect::Sqlite => "BEGIN",
    };
    let fail = |e: ExecError| Error::database("asking the data about the plan", e);
    conn.execute(begin).await.map_err(fail)?;
    let result = answer_all(&mut conn, batches, asked).await;
    let ended = conn.execute("ROLLBACK").await.map_err(fail);
    result.and(ended)
}

/// Each batch's probes, in batch order.
fn questions(live: &Schema, batches: &[Batch]) -> Result<Vec<Vec<Probe>>> {
    batches.iter().map(|b| probes(&b.plan, live)).collect()
}

/// Each batch's probes asked, the findings worth keeping in the batch: a step that would fail,
/// what a step destroys, what could not be asked.
async fn answer_all(conn: &mut Conn, batches: &mut [Batch], asked: Vec<Vec<Probe>>) -> Result<()> {
    let dialect = conn.dialect();
    for (batch, probes) in batches.iter_mut().zip(asked) {
        let mut findings = Vec::new();
        for probe in probes {
            let finding = Finding::new(dialect, &probe, ask(conn, &probe).await);
            let kept = match finding.verdict {
                Verdict::Fails => finding.fails(),
                Verdict::Loses | Verdict::Unchecked => true,
            };
            if kept {
                findings.push(finding);
            }
        }
        batch.findings = findings;
    }
    Ok(())
}

/// One probe's answer: the count and, when there is something to show, the sample; `Err` with
/// what the server said when it refused the question or gave up on it.
async fn ask(conn: &mut Conn, probe: &Probe) -> Answer {
    let guarded = matches!(conn, Conn::Postgres(_));
    if let Conn::Postgres(c) = conn {
        let timeout = format!(
            "SET LOCAL statement_timeout = {}",
            PROBE_TIMEOUT.as_millis()
        );
        for sql in [format!("SAVEPOINT {SAVEPOINT}"), timeout] {
            c.execute(sql.as_str()).await.map_err(said)?;
        }
    }
    let answer = answer(conn, probe).await;
    if let (true, Conn::Postgres(c)) = (guarded, &mut *conn) {
        let back = format!("ROLLBACK TO SAVEPOINT {SAVEPOINT}");
        c.execute(back.as_str()).await.map_err(said)?;
    }
    answer
}

async fn answer(conn: &mut Conn, probe: &Probe) -> Answer {
    let rows = conn.texts(&probe.count).await.map_err(said)?;
    let count = (rows.first())
        .and_then(|r| r.first())
        .and_then(|v| v.as_deref())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| "the count came back empty".to_string())?;
    let sample = match &probe.sample {
        Some((_, sql)) if count > 0 => conn.texts(sql).await.map_err(said)?,
        _ => Vec::new(),
    };
    Ok((count, sample))
}

fn said(e: impl Into<DriverError>) -> String {
    e.into().to_string()
}
