//! `--all-sites`: one command over many sites, `jobs` at a time, and the report of the whole run.
//!
//! The runner knows nothing of databases: [`run`] is given the site names and a function that
//! does one site's work and returns a [`SiteResult`] (its outcome, what it wrote, its JSON).
//! Sites run side by side on the calling task (no spawning, so the work need not be `Send`), at
//! most `jobs` at once: a site's future is made only when a slot frees, so the connections open
//! at any time are bounded by `jobs`, whatever the number of sites. As each one finishes, a
//! line says so on stderr (a progress bar on a terminal); after all, the sites' output is
//! written in name order, then a summary table and every failure in full.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::future::Future;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::report::{for_terminal, io, Outcome};

/// How many sites run at once when `--jobs` is not given.
pub const DEFAULT_JOBS: usize = 4;

/// How a run shows its sites finishing, on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// A progress bar drawn on the terminal (stderr), a line above it per finished site.
    Terminal,
    /// A plain line per finished site, written to `err` (stderr is a file or a pipe).
    Plain,
    /// Nothing until the summary.
    Quiet,
}

impl Progress {
    /// [`Progress::Terminal`] when stderr is a terminal, else [`Progress::Plain`].
    pub fn detect() -> Progress {
        if std::io::stderr().is_terminal() {
            Progress::Terminal
        } else {
            Progress::Plain
        }
    }
}

/// How to run the sites and what to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// How many sites run at once (at least 1; 0 is taken as 1).
    pub jobs: usize,
    /// After the first failure, start no more sites (those running finish); the rest are
    /// reported as skipped.
    pub fail_fast: bool,
    /// Write one JSON document of all the sites to `out` instead of each site's text.
    pub json: bool,
    pub progress: Progress,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            jobs: DEFAULT_JOBS,
            fail_fast: false,
            json: false,
            progress: Progress::Plain,
        }
    }
}

/// What one site's run produced.
#[derive(Debug)]
pub struct SiteResult {
    /// The command's outcome, or its error (already scrubbed of the site's secrets).
    pub outcome: Result<Outcome>,
    /// The statements planned, applied or found drifted.
    pub statements: usize,
    /// What the command wrote to stdout for this site (text mode: printed under `-- site NAME`).
    pub out: Vec<u8>,
    /// What it wrote to stderr: printed after the run, each line prefixed with the site's name.
    pub err: Vec<u8>,
    /// The site's JSON report (`--format json`), placed in the run's JSON document.
    pub detail: Option<serde_json::Value>,
}

impl SiteResult {
    /// A site that failed before writing anything.
    pub fn failed(error: Error) -> SiteResult {
        SiteResult {
            outcome: Err(error),
            statements: 0,
            out: Vec::new(),
            err: Vec::new(),
            detail: None,
        }
    }
}

/// Run `run_one` for every site, at most `options.jobs` at once, then write the report: in text
/// mode each site's `out` under `-- site NAME` (name order) on `out`; in JSON mode one document
/// on `out`; on `err` each site's messages, a summary table and each failure in full.
///
/// The outcome is the worst of the sites': [`Error::Fleet`] (exit 2) when any failed, else
/// [`Outcome::Drift`] when any drifted, else [`Outcome::Ok`]. A site's failure never stops the
/// others (unless `fail_fast`: no new site starts), and nothing stops a running site: an
/// error writing progress is returned after the report, unless a site failed.
pub async fn run<F, Fut>(
    sites: Vec<String>,
    options: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
    mut run_one: F,
) -> Result<Outcome>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = SiteResult>,
{
    let ticker = Ticker::new(options.progress, &sites);
    let mut done: Vec<Option<Ran>> = sites.iter().map(|_| None).collect();
    let mut write_error = None;
    let failed = &Cell::new(false);
    {
        let ticker = &ticker;
        // Lazy: `buffer_unordered` pulls the next site (and `run_one` makes its future) only
        // when fewer than `jobs` run, so `take_while` sees a failure before the next start.
        let starts = sites
            .iter()
            .cloned()
            .enumerate()
            .take_while(|_| !(options.fail_fast && failed.get()))
            .map(|(i, site)| {
                ticker.started(i);
                let work = run_one(site);
                async move {
                    let start = Instant::now();
                    let result = work.await;
                    if result.outcome.is_err() {
                        failed.set(true);
                    }
                    (i, result, start.elapsed())
                }
            });
        let mut running = stream::iter(starts).buffer_unordered(options.jobs.max(1));
        while let Some((i, result, elapsed)) = running.next().await {
            if let Err(e) = ticker.finished(i, &result, elapsed, err) {
                write_error.get_or_insert(e);
            }
            done[i] = Some(Ran { result, elapsed });
        }
    }
    ticker.clear();
    let outcome = report(&sites, done, options.json, out, err);
    match write_error {
        Some(e) if outcome.is_ok() => Err(io(e)),
        _ => outcome,
    }
}

/// A site that ran: what it produced and how long it took.
struct Ran {
    result: SiteResult,
    elapsed: Duration,
}

/// What became of a site, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
enum Verdict {
    Ok,
    Drift,
    Failed,
    Skipped,
}

impl Verdict {
    fn of(ran: Option<&Ran>) -> Verdict {
        match ran.map(|r| &r.result.outcome) {
            None => Verdict::Skipped,
            Some(Ok(outcome)) => Verdict::of_outcome(*outcome),
            Some(Err(_)) => Verdict::Failed,
        }
    }

    fn of_outcome(outcome: Outcome) -> Verdict {
        match outcome {
            Outcome::Ok => Verdict::Ok,
            Outcome::Drift | Outcome::Found => Verdict::Drift,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Drift => "drift",
            Verdict::Failed => "failed",
            Verdict::Skipped => "skipped",
        }
    }
}

/// A user's text on one line: every control character, a line break too, written escaped.
fn one_line(text: &str) -> String {
    for_terminal(text).replace('\n', "\\n")
}

fn statements(n: usize) -> String {
    match n {
        1 => "1 statement".to_string(),
        n => format!("{n} statements"),
    }
}

/// The progress shown while the sites run.
struct Ticker {
    progress: Progress,
    /// Only with [`Progress::Terminal`].
    bar: Option<ProgressBar>,
    /// The sites' names, escaped.
    names: Vec<String>,
    width: usize,
    running: RefCell<BTreeSet<usize>>,
}

impl Ticker {
    fn new(progress: Progress, sites: &[String]) -> Ticker {
        let names: Vec<String> = sites.iter().map(|s| one_line(s)).collect();
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        // Drawn from this thread only, when a site starts or finishes: a steady tick would
        // draw from a thread of its own, which would wait for the stderr lock the caller may
        // hold for the whole run (main does) while holding the bar's.
        let bar = (progress == Progress::Terminal).then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(u64::try_from(sites.len()).unwrap_or(u64::MAX)),
                ProgressDrawTarget::stderr(),
            );
            if let Ok(style) =
                ProgressStyle::with_template("[{bar:30}] {pos}/{len} sites  {elapsed}  {wide_msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Ticker {
            progress,
            bar,
            names,
            width,
            running: RefCell::new(BTreeSet::new()),
        }
    }

    fn started(&self, site: usize) {
        self.running.borrow_mut().insert(site);
        self.show_running();
    }

    fn finished(
        &self,
        site: usize,
        result: &SiteResult,
        elapsed: Duration,
        err: &mut dyn Write,
    ) -> std::io::Result<()> {
        self.running.borrow_mut().remove(&site);
        let name = self.names.get(site).map_or("", String::as_str);
        let what = match &result.outcome {
            Ok(outcome) => {
                let word = Verdict::of_outcome(*outcome).word();
                format!("{word}  {}", statements(result.statements))
            }
            Err(e) => {
                let text = e.to_string();
                format!("failed: {}", one_line(text.lines().next().unwrap_or("")))
            }
        };
        let line = format!(
            "{name:<width$}  {what}  {:.1}s",
            elapsed.as_secs_f64(),
            width = self.width
        );
        match (&self.bar, self.progress) {
            (Some(bar), _) if !bar.is_hidden() => {
                bar.println(line);
                bar.inc(1);
                self.show_running();
                Ok(())
            }
            (_, Progress::Quiet) => Ok(()),
            // Plain, or a terminal bar that cannot draw (stderr is not one after all).
            _ => writeln!(err, "{line}"),
        }
    }

    fn show_running(&self) {
        if let Some(bar) = &self.bar {
            let running: Vec<&str> = self
                .running
                .borrow()
                .iter()
                .filter_map(|&i| self.names.get(i).map(String::as_str))
                .collect();
            bar.set_message(format!("running: {}", running.join(", ")));
        }
    }

    fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[derive(Serialize)]
struct JsonRun<'a> {
    sites: Vec<JsonSite<'a>>,
    result: Verdict,
}

#[derive(Serialize)]
struct JsonSite<'a> {
    site: &'a str,
    result: Verdict,
    statements: usize,
    /// Wall time, to the hundredth; `null` for a site that did not run.
    seconds: Option<f64>,
    error: Option<String>,
    report: Option<&'a serde_json::Value>,
}

fn hundredths(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 100.0).round() / 100.0
}

/// A site in the report.
struct Row<'a> {
    site: &'a str,
    /// The name, escaped for the terminal.
    name: String,
    /// `None`: not started.
    ran: Option<&'a Ran>,
    verdict: Verdict,
}

/// After the run: the sites' output in name order, the summary, the outcome.
fn report(
    sites: &[String],
    done: Vec<Option<Ran>>,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Outcome> {
    let mut order: Vec<usize> = (0..sites.len()).collect();
    order.sort_by(|&a, &b| sites[a].cmp(&sites[b]).then(a.cmp(&b)));
    let rows: Vec<Row<'_>> = order
        .iter()
        .map(|&i| {
            let ran = done.get(i).and_then(Option::as_ref);
            Row {
                site: &sites[i],
                name: one_line(&sites[i]),
                ran,
                verdict: Verdict::of(ran),
            }
        })
        .collect();
    // Sites are skipped only after one failed.
    let worst = rows.iter().map(|row| row.verdict).max();
    let verdict = match worst.unwrap_or(Verdict::Ok) {
        Verdict::Skipped => Verdict::Failed,
        worst => worst,
    };

    if json {
        write_json(out, &rows, verdict)?;
    } else {
        write_outputs(out, &rows).map_err(io)?;
    }
    out.flush().map_err(io)?;
    write_summary(err, &rows).map_err(io)?;

    match verdict {
        Verdict::Ok => Ok(Outcome::Ok),
        Verdict::Drift => Ok(Outcome::Drift),
        Verdict::Failed | Verdict::Skipped => Err(Error::Fleet {
            failed: rows
                .iter()
                .filter(|row| row.verdict == Verdict::Failed)
                .map(|row| row.site.to_string())
                .collect(),
            skipped: rows
                .iter()
                .filter(|row| row.verdict == Verdict::Skipped)
                .count(),
            of: sites.len(),
        }),
    }
}

/// Text mode: each site's output (that has any) under `-- site NAME`, a blank line between.
fn write_outputs(out: &mut dyn Write, rows: &[Row<'_>]) -> std::io::Result<()> {
    let mut first = true;
    for row in rows {
        let Some(bytes) = row.ran.map(|r| &r.result.out).filter(|b| !b.is_empty()) else {
            continue;
        };
        if !first {
            writeln!(out)?;
        }
        first = false;
        writeln!(out, "-- site {}", row.name)?;
        out.write_all(bytes)?;
        if !bytes.ends_with(b"\n") {
            writeln!(out)?;
        }
    }
    Ok(())
}

/// JSON mode: one document for the whole run.
fn write_json(out: &mut dyn Write, rows: &[Row<'_>], verdict: Verdict) -> Result<()> {
    let document = JsonRun {
        sites: rows
            .iter()
            .map(|row| JsonSite {
                site: row.site,
                result: row.verdict,
                statements: row.ran.map_or(0, |r| r.result.statements),
                seconds: row.ran.map(|r| hundredths(r.elapsed)),
                error: row
                    .ran
                    .and_then(|r| r.result.outcome.as_ref().err())
                    .map(Error::to_string),
                report: row.ran.and_then(|r| r.result.detail.as_ref()),
            })
            .collect(),
        result: verdict,
    };
    serde_json::to_writer_pretty(&mut *out, &document)
        .map_err(|e| Error::usage(format!("cannot write JSON: {e}")))?;
    writeln!(out).map_err(io)
}

/// On `err`: each site's messages (a line each, prefixed with its name), a table of the sites
/// (name order, columns aligned), then each failure in full.
fn write_summary(err: &mut dyn Write, rows: &[Row<'_>]) -> std::io::Result<()> {
    for row in rows {
        if let Some(ran) = row.ran {
            for line in String::from_utf8_lossy(&ran.result.err).lines() {
                writeln!(err, "{}: {}", row.name, for_terminal(line))?;
            }
        }
    }
    let width = rows
        .iter()
        .map(|row| row.name.chars().count())
        .fold("site".len(), usize::max);
    writeln!(err, "{:<width$}  result   statements  seconds", "site")?;
    for row in rows {
        let (count, seconds) = match row.ran {
            Some(r) => (
                r.result.statements.to_string(),
                format!("{:.2}", r.elapsed.as_secs_f64()),
            ),
            None => ("-".to_string(), "-".to_string()),
        };
        writeln!(
            err,
            "{:<width$}  {:<7}  {count:>10}  {seconds:>7}",
            row.name,
            row.verdict.word()
        )?;
    }
    for row in rows {
        if let Some(Err(e)) = row.ran.map(|r| &r.result.outcome) {
            writeln!(err, "{} failed: {}", row.name, for_terminal(&e.to_string()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
