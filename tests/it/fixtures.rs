//! The data-driven fixtures in `fixtures/`: one file per case, run live on every engine it names.
//!
//! For each case and engine: apply `current` with plinth, load `data`, plan `desired` and compare
//! with `-- expect <engine>`, check the plan is deterministic and its destructiveness as declared
//! (a destructive plan is refused without --allow-destructive and leaves the database as it was),
//! apply it, plan again (must be empty), and check that no rows were lost. `PLINTH_BLESS=1`
//! rewrites the expectations from what plinth prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plinth::config::{validate_adhoc, Desired, Selection};
use plinth::db::{self, apply::Options};
use plinth::error::Error;
use plinth::model::Dialect;
use plinth::pipeline::{batches, Batch};

use crate::engines::{count, exec, runtime, TestDb};

/// One fixture file: its header and its sections in file order (kept for blessing).
pub struct Fixture {
    pub path: PathBuf,
    pub title: String,
    pub engines: Vec<Dialect>,
    pub destructive: bool,
    /// Rows may legitimately change (e.g. a dropped table's rows): skip the row-count check.
    pub rows_may_change: bool,
    sections: Vec<(String, String)>,
}

impl Fixture {
    pub fn parse(path: &Path) -> Fixture {
        let text = std::fs::read_to_string(path).expect("read fixture");
        let mut title = String::new();
        let mut engines = Vec::new();
        let mut destructive = false;
        let mut rows_may_change = false;
        let mut sections: Vec<(String, String)> = Vec::new();
        for line in text.lines() {
            let t = line.trim_end();
            if is_section(t) {
                sections.push((t.to_string(), String::new()));
            } else if let Some((_, body)) = sections.last_mut() {
                body.push_str(line);
                body.push('\n');
            } else if let Some(v) = t.strip_prefix("-- case:") {
                title = v.trim().to_string();
            } else if let Some(v) = t.strip_prefix("-- engines:") {
                engines = v
                    .split_whitespace()
                    .map(|e| {
                        Dialect::from_name(e)
                            .unwrap_or_else(|| panic!("{}: unknown engine {e}", path.display()))
                    })
                    .collect();
            } else if t == "-- destructive" {
                destructive = true;
            } else if t == "-- rows may change" {
                rows_may_change = true;
            }
        }
        assert!(!title.is_empty(), "{}: missing `-- case:`", path.display());
        assert!(
            !engines.is_empty(),
            "{}: missing `-- engines:`",
            path.display()
        );
        Fixture {
            path: path.to_path_buf(),
            title,
            engines,
            destructive,
            rows_may_change,
            sections,
        }
    }

    fn section(&self, name: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|(h, _)| h == name)
            .map(|(_, b)| b.as_str())
    }

    fn expect(&self, d: Dialect) -> Option<String> {
        self.section(&format!("-- expect {}", d.name()))
            .map(|s| s.trim().to_string())
    }

    /// Rewrite this engine's expectation in the file. The engines run in parallel threads:
    /// re-read the file under a lock so that no thread overwrites another's section.
    fn bless(&self, d: Dialect, actual: &str) {
        static BLESSING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = BLESSING.lock().unwrap_or_else(|e| e.into_inner());
        let mut fresh = Fixture::parse(&self.path);
        let header = format!("-- expect {}", d.name());
        let body = if actual.is_empty() {
            String::new()
        } else {
            format!("{actual}\n")
        };
        match fresh.sections.iter_mut().find(|(h, _)| *h == header) {
            Some((_, b)) => *b = body,
            None => fresh.sections.push((header, body)),
        }
        let mut text = String::new();
        let original = std::fs::read_to_string(&self.path).expect("read fixture");
        for line in original.lines() {
            if is_section(line.trim_end()) {
                break;
            }
            text.push_str(line);
            text.push('\n');
        }
        for (h, b) in &fresh.sections {
            text.push_str(h);
            text.push('\n');
            text.push_str(b);
        }
        std::fs::write(&self.path, text).expect("write fixture");
    }
}

fn is_section(line: &str) -> bool {
    line == "-- current"
        || line == "-- data"
        || line == "-- desired"
        || line.starts_with("-- expect ")
}

pub fn all() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    paths.sort();
    paths.iter().map(|p| Fixture::parse(p)).collect()
}

fn desired(d: Dialect, fx: &Fixture, section: &str) -> Result<Desired, String> {
    let text = fx.section(section).unwrap_or_default().to_string();
    let name = format!(
        "{}#{}",
        fx.path.display(),
        section.trim_start_matches("-- ")
    );
    validate_adhoc(&[(name, text)], d).map_err(|e| e.to_string())
}

pub fn plan_text(list: &[Batch]) -> String {
    list.iter()
        .flat_map(|b| b.statements.iter().map(|s| format!("{};", s.sql)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Run one fixture on one engine, in `shared` (emptied first) or in a database of its own;
/// `Ok(false)` when the engine is unavailable (skipped).
fn run(fx: &Fixture, d: Dialect, shared: Option<&TestDb>) -> Result<bool, String> {
    let own;
    let test_db = match shared {
        Some(db) => db,
        None => {
            own = TestDb::new(d);
            match &own {
                Some(db) => db,
                None => return Ok(false),
            }
        }
    };
    let mut current = desired(d, fx, "-- current")?;
    let mut target = desired(d, fx, "-- desired")?;
    let rt = runtime();
    let (actual, destructive) = rt.block_on(async {
        let mut conn = test_db.connect().await;
        // Views compare as the server keeps them (see `db::server_canonical`); the desired
        // schema is asked against the database `current` made.
        let url = db::DatabaseUrl::parse(&test_db.url).map_err(|e| e.to_string())?;
        db::server_canonical(&url, &mut current.schema, &Default::default())
            .await
            .map_err(|e| format!("{e}"))?;
        if shared.is_some() {
            // Every schema of the last fixture goes, the default one made anew.
            exec(
                &mut conn,
                r"DO $$DECLARE s text; BEGIN
                    FOR s IN SELECT nspname FROM pg_namespace
                             WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
                    LOOP EXECUTE format('DROP SCHEMA %I CASCADE', s); END LOOP;
                  END$$;
                  CREATE SCHEMA public;",
            )
            .await;
        }
        db::apply(&mut conn, Options::destructive(), |live| {
            batches(d, &current, &Selection::all(), live)
        })
        .await
        .map_err(|e| format!("applying current: {e}"))?;
        if let Some(data) = fx.section("-- data") {
            if !data.trim().is_empty() {
                exec(&mut conn, data).await;
            }
        }
        let mut before = BTreeMap::new();
        for t in current.schema.tables.keys() {
            before.insert(t.clone(), count(&mut conn, t).await);
        }
        let live = db::inspect(&mut conn)
            .await
            .map_err(|e| e.to_string())?
            .schema;
        db::server_canonical(&url, &mut target.schema, &live)
            .await
            .map_err(|e| format!("{e}"))?;
        let first = batches(d, &target, &Selection::all(), &live).map_err(|e| e.to_string())?;
        let again = batches(d, &target, &Selection::all(), &live).map_err(|e| e.to_string())?;
        let text = plan_text(&first);
        if text != plan_text(&again) {
            return Err("the plan is not deterministic".to_string());
        }
        let destructive = first.iter().any(Batch::is_destructive);
        if destructive {
            match db::apply(&mut conn, Options::default(), |live| {
                batches(d, &target, &Selection::all(), live)
            })
            .await
            {
                Err(Error::Destructive { .. }) => {}
                other => return Err(format!("a destructive plan was not refused: {other:?}")),
            }
            let after_refusal = db::inspect(&mut conn)
                .await
                .map_err(|e| e.to_string())?
                .schema;
            if after_refusal != live {
                return Err("a refused apply changed the database".to_string());
            }
        }
        db::apply(&mut conn, Options::destructive(), |live| {
            batches(d, &target, &Selection::all(), live)
        })
        .await
        .map_err(|e| format!("applying desired: {e}"))?;
        let live = db::inspect(&mut conn)
            .await
            .map_err(|e| e.to_string())?
            .schema;
        let rest =
            plan_text(&batches(d, &target, &Selection::all(), &live).map_err(|e| e.to_string())?);
        if !rest.is_empty() {
            return Err(format!(
                "the plan does not converge; after apply it still says:\n{rest}"
            ));
        }
        if !fx.rows_may_change {
            for (t, n) in &before {
                if target.schema.tables.contains_key(t) {
                    let now = count(&mut conn, t).await;
                    if now != *n {
                        return Err(format!("table {t} had {n} rows, now {now}"));
                    }
                }
            }
        }
        Ok((text, destructive))
    })?;
    if destructive != fx.destructive {
        return Err(format!(
            "the plan is {}destructive but the fixture says {}",
            if destructive { "" } else { "not " },
            if fx.destructive {
                "`-- destructive`"
            } else {
                "nothing"
            }
        ));
    }
    let bless = std::env::var("PLINTH_BLESS").is_ok_and(|v| v == "1");
    match fx.expect(d) {
        _ if bless => fx.bless(d, &actual),
        Some(expected) if expected != actual => {
            return Err(format!(
                "plan differs from `-- expect {d}`:\n{}",
                similar::TextDiff::from_lines(&expected, &actual)
                    .unified_diff()
                    .header("expected", "actual")
            ))
        }
        Some(_) => {}
        None => {
            return Err(format!(
                "no `-- expect {d}` section (run with PLINTH_BLESS=1)"
            ))
        }
    }
    Ok(true)
}

pub fn run_engine(d: Dialect) {
    // PostgreSQL's CREATE DATABASE costs more than most cases: its cases share one database
    // whose schema `public` is dropped and recreated before each.
    let shared = match d {
        Dialect::Postgres => match TestDb::new(d) {
            Some(db) => Some(db),
            None => return,
        },
        _ => None,
    };
    let mut failures = Vec::new();
    let mut ran = 0;
    for fx in all() {
        if !fx.engines.contains(&d) {
            continue;
        }
        match run(&fx, d, shared.as_ref()) {
            Ok(true) => ran += 1,
            Ok(false) => return,
            Err(e) => failures.push(format!("{} ({}):\n{e}", fx.path.display(), fx.title)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixture(s) failed on {d}:\n\n{}",
        failures.len(),
        ran + failures.len(),
        failures.join("\n\n")
    );
    eprintln!("{ran} fixture(s) passed on {d}");
}

#[test]
fn fixtures_sqlite() {
    run_engine(Dialect::Sqlite);
}

#[test]
fn fixtures_postgres() {
    run_engine(Dialect::Postgres);
}

#[test]
fn fixtures_mysql() {
    run_engine(Dialect::Mysql);
}

#[test]
fn every_fixture_parses_and_equals_itself() {
    for fx in all() {
        for d in &fx.engines {
            for section in ["-- current", "-- desired"] {
                let desired = desired(*d, &fx, section)
                    .unwrap_or_else(|e| panic!("{}: {e}", fx.path.display()));
                let same = plinth::diff(*d, &desired.schema, &desired.schema);
                assert!(
                    same.is_empty(),
                    "{}: a schema differs from itself",
                    fx.path.display()
                );
            }
        }
    }
}
