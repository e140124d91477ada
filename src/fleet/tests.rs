//! The runner without a database: each site is a future that yields a number of times, then
//! ends as the test says; the report is checked on fixed times.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use serde_json::json;

use super::*;

fn block_on<T>(future: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

#[derive(Debug, Clone, Copy)]
enum End {
    Ok,
    Drift,
    Fail,
}

fn result(site: &str, end: End, statements: usize) -> SiteResult {
    SiteResult {
        outcome: match end {
            End::Ok => Ok(Outcome::Ok),
            End::Drift => Ok(Outcome::Drift),
            End::Fail => Err(Error::usage(format!(
                "cannot reach {site}\n  detail: connection refused"
            ))),
        },
        statements,
        out: format!("CREATE TABLE {site} (id int);\n").into_bytes(),
        err: Vec::new(),
        detail: None,
    }
}

fn options(jobs: usize, fail_fast: bool, progress: Progress) -> Options {
    Options {
        jobs,
        fail_fast,
        json: false,
        progress,
    }
}

struct Finished {
    outcome: Result<Outcome>,
    out: String,
    err: String,
    /// The sites whose work was started, in the order they were.
    started: Vec<String>,
}

/// Run `sites` (name, yields before it ends, how it ends) with `options`.
fn run_sites(sites: &[(&str, usize, End)], options: &Options) -> Finished {
    let started = RefCell::new(Vec::new());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let names = sites.iter().map(|(name, ..)| name.to_string()).collect();
    let outcome = block_on(run(names, options, &mut out, &mut err, |site: String| {
        started.borrow_mut().push(site.clone());
        let (_, turns, end) = *sites.iter().find(|(name, ..)| *name == site).unwrap();
        async move {
            for _ in 0..turns {
                tokio::task::yield_now().await;
            }
            result(&site, end, turns)
        }
    }));
    Finished {
        outcome,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
        started: started.into_inner(),
    }
}

fn first_words(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect()
}

#[test]
fn at_most_jobs_sites_run_at_once() {
    let running = Cell::new(0_usize);
    let most = Cell::new(0_usize);
    let finished = Cell::new(0_usize);
    let sites: Vec<String> = (0..20).map(|i| format!("site{i:02}")).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let outcome = block_on(run(
        sites,
        &options(3, false, Progress::Quiet),
        &mut out,
        &mut err,
        |site: String| {
            let (running, most, finished) = (&running, &most, &finished);
            let turns = site[4..].parse::<usize>().unwrap() % 5 + 1;
            async move {
                running.set(running.get() + 1);
                most.set(most.get().max(running.get()));
                for _ in 0..turns {
                    tokio::task::yield_now().await;
                }
                running.set(running.get() - 1);
                finished.set(finished.get() + 1);
                result(&site, End::Ok, 1)
            }
        },
    ));
    assert_eq!(outcome.unwrap(), Outcome::Ok);
    assert_eq!(most.get(), 3, "never more than --jobs, and as many as that");
    assert_eq!(finished.get(), 20);
    assert_eq!(running.get(), 0);
}

#[test]
fn sites_finishing_out_of_order_are_reported_in_name_order() {
    let ran = run_sites(
        &[
            ("west", 1, End::Ok),
            ("north", 7, End::Ok),
            ("south", 5, End::Drift),
            ("east", 3, End::Ok),
        ],
        &options(4, false, Progress::Plain),
    );
    assert_eq!(ran.outcome.unwrap(), Outcome::Drift);
    let lines: Vec<&str> = ran.err.lines().collect();
    // As they finish: the progress lines, names padded to the longest.
    assert_eq!(
        first_words(&lines[..4].join("\n")),
        ["west", "east", "south", "north"]
    );
    assert!(
        lines[0].starts_with("west   ok  1 statement  0."),
        "{}",
        lines[0]
    );
    assert!(
        lines[2].starts_with("south  drift  5 statements  0."),
        "{}",
        lines[2]
    );
    // After all, in name order.
    assert_eq!(
        ran.out,
        "-- site east\nCREATE TABLE east (id int);\n\n-- site north\nCREATE TABLE north (id int);\n\n\
         -- site south\nCREATE TABLE south (id int);\n\n-- site west\nCREATE TABLE west (id int);\n"
    );
    assert_eq!(lines[4], "site   result   statements  seconds");
    assert_eq!(
        first_words(&lines[5..].join("\n")),
        ["east", "north", "south", "west"]
    );
    assert_eq!(lines.len(), 9);
}

#[test]
fn one_failing_site_does_not_stop_the_others() {
    let ran = run_sites(
        &[
            ("a", 2, End::Ok),
            ("b", 1, End::Fail),
            ("c", 3, End::Drift),
            ("d", 1, End::Ok),
            ("e", 2, End::Fail),
        ],
        &options(2, false, Progress::Quiet),
    );
    assert_eq!(ran.started, ["a", "b", "c", "d", "e"]);
    let e = ran.outcome.unwrap_err();
    assert!(
        matches!(&e, Error::Fleet { failed, skipped: 0, of: 5 } if failed == &["b", "e"]),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "2 of 5 sites failed: b, e");
    // Every site that ran wrote its output, the failed ones too.
    assert_eq!(ran.out.matches("-- site ").count(), 5);
    let verdicts: Vec<&str> = ran
        .err
        .lines()
        .skip(1)
        .take(5)
        .filter_map(|line| line.split_whitespace().nth(1))
        .collect();
    assert_eq!(verdicts, ["ok", "failed", "drift", "ok", "failed"]);
    assert!(
        ran.err.ends_with(
            "b failed: cannot reach b\n  detail: connection refused\n\
             e failed: cannot reach e\n  detail: connection refused\n"
        ),
        "{}",
        ran.err
    );
}

#[test]
fn fail_fast_starts_no_site_after_a_failure_and_lets_running_ones_finish() {
    let sites = [
        ("a", 6, End::Ok),
        ("b", 1, End::Fail),
        ("c", 1, End::Ok),
        ("d", 1, End::Ok),
    ];
    let ran = run_sites(&sites, &options(2, true, Progress::Plain));
    // `a` was running when `b` failed: it finished; `c` and `d` never started.
    assert_eq!(ran.started, ["a", "b"]);
    let e = ran.outcome.unwrap_err();
    assert_eq!(
        e.to_string(),
        "1 of 4 sites failed: b; 2 not started (--fail-fast)"
    );
    let lines: Vec<&str> = ran.err.lines().collect();
    assert!(
        lines[0].starts_with("b  failed: cannot reach b  0."),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("a  ok  6 statements  0."),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[5..7],
        [
            "c     skipped           -        -",
            "d     skipped           -        -"
        ]
    );
    assert_eq!(ran.out.matches("-- site ").count(), 2);

    // Without it, the same run goes on.
    let ran = run_sites(&sites, &options(2, false, Progress::Plain));
    assert_eq!(ran.started, ["a", "b", "c", "d"]);
    assert_eq!(
        ran.outcome.unwrap_err().to_string(),
        "1 of 4 sites failed: b"
    );
    // One job: the failure is the second site; nothing after it starts.
    let ran = run_sites(&sites, &options(1, true, Progress::Quiet));
    assert_eq!(ran.started, ["a", "b"]);
}

#[test]
fn drift_without_failure_is_drift_and_all_ok_is_ok() {
    let ran = run_sites(
        &[("a", 1, End::Ok), ("b", 2, End::Drift)],
        &options(4, false, Progress::Quiet),
    );
    assert_eq!(ran.outcome.unwrap(), Outcome::Drift);
    assert_eq!(Outcome::Drift.exit_code(), 1);
    let ran = run_sites(
        &[("a", 1, End::Ok), ("b", 2, End::Ok)],
        &options(4, false, Progress::Quiet),
    );
    assert_eq!(ran.outcome.unwrap(), Outcome::Ok);
    // Quiet: the summary alone.
    assert_eq!(first_words(&ran.err), ["site", "a", "b"]);
}

fn ran(result: SiteResult, millis: u64) -> Option<super::Ran> {
    Some(super::Ran {
        result,
        elapsed: Duration::from_millis(millis),
    })
}

/// The report of four sites that ran (two of them failed, one with a name that would recolour
/// a terminal) and one that did not start.
fn fixed() -> (Vec<String>, Vec<Option<super::Ran>>) {
    let sites = ["south", "north", "x\u{1b}[31m", "west", "east"]
        .map(String::from)
        .to_vec();
    let mut north = result("north", End::Ok, 12);
    north.err = b"also planning core: billing references core.users\n".to_vec();
    north.detail = Some(json!({"in_sync": false}));
    let mut evil = result("evil", End::Fail, 0);
    evil.outcome = Err(Error::usage("bad\u{7} bell\n  detail: d"));
    evil.out.clear();
    let done = vec![
        ran(result("south", End::Fail, 2), 2_500),
        ran(north, 410),
        ran(evil, 5),
        None,
        ran(result("east", End::Drift, 1), 12_345),
    ];
    (sites, done)
}

#[test]
fn the_summary_is_a_table_in_name_order_then_each_failure_in_full() {
    let (sites, done) = fixed();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let e = report(&sites, done, false, &mut out, &mut err).unwrap_err();
    assert_eq!(
        e.to_string(),
        "2 of 5 sites failed: south, x\\u{1b}[31m; 1 not started (--fail-fast)"
    );
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "-- site east\nCREATE TABLE east (id int);\n\n-- site north\nCREATE TABLE north (id int);\n\n\
         -- site south\nCREATE TABLE south (id int);\n"
    );
    assert_eq!(
        String::from_utf8(err).unwrap(),
        "north: also planning core: billing references core.users\n\
         site         result   statements  seconds\n\
         east         drift             1    12.35\n\
         north        ok               12     0.41\n\
         south        failed            2     2.50\n\
         west         skipped           -        -\n\
         x\\u{1b}[31m  failed            0     0.01\n\
         south failed: cannot reach south\n  detail: connection refused\n\
         x\\u{1b}[31m failed: bad\\u{7} bell\n  detail: d\n"
    );
}

#[test]
fn json_is_one_document_of_the_sites_in_name_order() {
    let (sites, done) = fixed();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert!(report(&sites, done, true, &mut out, &mut err).is_err());
    let document: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        document,
        json!({
            "sites": [
                {"site": "east", "result": "drift", "statements": 1, "seconds": 12.35,
                 "error": null, "report": null},
                {"site": "north", "result": "ok", "statements": 12, "seconds": 0.41,
                 "error": null, "report": {"in_sync": false}},
                {"site": "south", "result": "failed", "statements": 2, "seconds": 2.5,
                 "error": "cannot reach south\n  detail: connection refused", "report": null},
                {"site": "west", "result": "skipped", "statements": 0, "seconds": null,
                 "error": null, "report": null},
                {"site": "x\u{1b}[31m", "result": "failed", "statements": 0, "seconds": 0.01,
                 "error": "bad\u{7} bell\n  detail: d", "report": null},
            ],
            "result": "failed",
        })
    );
    // JSON escapes control characters itself: none reaches `out` raw.
    assert!(!out.iter().any(|&b| b == 0x1b || b == 0x07));
    // The table still goes to `err`, for the person watching.
    assert!(String::from_utf8(err)
        .unwrap()
        .contains("west         skipped"));

    let done = vec![ran(result("a", End::Ok, 0), 1)];
    let mut out = Vec::new();
    let outcome = report(&["a".to_string()], done, true, &mut out, &mut Vec::new()).unwrap();
    assert_eq!(outcome, Outcome::Ok);
    let document: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(document["result"], "ok");
}

#[test]
fn a_terminal_that_is_not_one_falls_back_to_plain_lines() {
    // Under the test harness stderr may or may not be a terminal; when indicatif hides the
    // bar, the lines go to `err` as with `Plain`, so nothing is lost either way.
    let ticker = Ticker::new(Progress::Terminal, &["a".to_string()]);
    let hidden = ticker.bar.as_ref().is_none_or(ProgressBar::is_hidden);
    let mut err = Vec::new();
    ticker
        .finished(0, &result("a", End::Ok, 1), Duration::ZERO, &mut err)
        .unwrap();
    ticker.clear();
    assert_eq!(!err.is_empty(), hidden);
}

#[test]
fn progress_is_a_bar_only_on_a_terminal() {
    let expected = if std::io::stderr().is_terminal() {
        Progress::Terminal
    } else {
        Progress::Plain
    };
    assert_eq!(Progress::detect(), expected);
    assert_eq!(Options::default().jobs, DEFAULT_JOBS);
}

#[test]
fn a_site_that_failed_before_writing_is_reported_with_its_error() {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let e = block_on(run(
        vec!["only".to_string()],
        &options(1, false, Progress::Quiet),
        &mut out,
        &mut err,
        |_| async { SiteResult::failed(Error::usage("no URL")) },
    ))
    .unwrap_err();
    assert_eq!(e.to_string(), "1 of 1 site failed: only");
    assert!(out.is_empty());
    let err = String::from_utf8(err).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines[1].starts_with("only  failed            0  "), "{err}");
    assert_eq!(lines[2..], ["only failed: no URL"]);
}
