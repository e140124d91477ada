//! `cargo bench --bench plan -- [N...] [--engine postgres|mysql|sqlite]`: the cost of `plan` at
//! scale, the way DESIGN.md measures peers: N tables of 8 columns with PK, FK, unique, check
//! and index, 5% of them changed. Reports wall time of parse + inspect + diff + plan + render,
//! the number of catalog queries, and peak memory (VmHWM).

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a measuring tool: it reports to the terminal, and a panic is a failed run"
)]

use std::time::Instant;

use plinth::cli::Global;
use plinth::commands::{prepare, Checks, Prepared};
use plinth::config::{validate_adhoc, Selection};
use plinth::db;
use plinth::db::url::Secrets;
use plinth::model::Dialect;
use plinth::pipeline::batches;
use plinth::request::Request;

fn table_sql(i: usize, changed: bool) -> String {
    let parent = if i == 0 { 0 } else { (i - 1) / 2 };
    let extra = if changed { ", note varchar(40)" } else { "" };
    format!(
        "CREATE TABLE t{i} (\n  id integer PRIMARY KEY,\n  parent_id integer REFERENCES t{parent} (id),\n  code varchar(20) NOT NULL UNIQUE,\n  name varchar(100) NOT NULL,\n  qty integer NOT NULL DEFAULT 0 CHECK (qty >= 0),\n  price numeric(10,2),\n  active boolean NOT NULL DEFAULT true,\n  created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP{extra}\n);\nCREATE INDEX ix_t{i}_name ON t{i} (name);\n"
    )
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

async fn admin(url: &str, sql: &str) {
    let url = db::DatabaseUrl::parse(url).expect("URL");
    let mut conn = db::connect(&url).await.expect("connect");
    conn.run_script(sql).await.expect("admin statement");
}

async fn run(dialect: Dialect, n: usize) {
    let name = format!("plinth_bench_{n}");
    let url = match dialect {
        Dialect::Postgres => {
            let server = std::env::var("PLINTH_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres".into());
            admin(&server, &format!("DROP DATABASE IF EXISTS {name}")).await;
            admin(&server, &format!("CREATE DATABASE {name}")).await;
            format!("postgres://root@127.0.0.1:5432/{name}")
        }
        Dialect::Mysql => {
            let server = std::env::var("PLINTH_TEST_MYSQL_URL")
                .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into());
            admin(&server, &format!("DROP DATABASE IF EXISTS {name}")).await;
            admin(&server, &format!("CREATE DATABASE {name}")).await;
            format!("mysql://root@127.0.0.1:3306/{name}")
        }
        Dialect::Sqlite => {
            let path = std::env::temp_dir().join(format!("{name}.sqlite3"));
            let _ = std::fs::remove_file(&path);
            format!("sqlite://{}", path.display())
        }
    };
    // The live database: every table as it was, created directly in chunks (one transaction
    // for 10,000 tables would exhaust PostgreSQL's lock table; setup is not what is measured).
    let checked = db::DatabaseUrl::parse(&url).expect("URL");
    let mut conn = db::connect(&checked).await.expect("connect");
    let started = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let sql: String = chunk.iter().map(|i| table_sql(*i, false)).collect();
        conn.run_script(&sql).await.expect("set up");
    }
    eprintln!(
        "setup: {n} tables in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    // The desired schema: 5% of the tables gain a column. Planned exactly as `plinth plan
    // --schema FILE` does it (parsing and inspection side by side).
    let desired: String = (0..n).map(|i| table_sql(i, i % 20 == 0)).collect();
    let file = std::env::temp_dir().join(format!("{name}.sql"));
    std::fs::write(&file, desired).expect("write desired schema");
    let global = Global {
        config: None,
        database_url: Some(url.clone()),
        schema: vec![file.clone()],
        ..Global::default()
    };
    let started = Instant::now();
    let mut secrets = Secrets::default();
    let request = Request::resolve(&global, &[], None, &mut secrets).expect("request");
    let Prepared {
        desired: target,
        live: inspected,
        ..
    } = prepare(&request, Checks::Refuse).await.expect("prepare");
    let read = started.elapsed();
    let plan = batches(dialect, &target, &Selection::all(), &inspected.schema).expect("plan");
    let total = started.elapsed();
    let _ = std::fs::remove_file(&file);
    let statements: usize = plan.iter().map(|b| b.statements.len()).sum();
    println!(
        "{dialect:<8} N={n:>6}  plan {:>7.3}s  (parse and inspect {:.3}s, {} catalog queries; diff+plan+render {:.3}s)  {statements} statements  peak {:.0} MB",
        total.as_secs_f64(),
        read.as_secs_f64(),
        inspected.queries,
        (total - read).as_secs_f64(),
        peak_rss_mb()
    );
    drop(conn);
    let keep = std::env::var("PLINTH_BENCH_KEEP").is_ok_and(|v| v == "1");
    match dialect {
        _ if keep => eprintln!("kept {url}"),
        Dialect::Sqlite => {}
        _ => {
            let server = match dialect {
                Dialect::Postgres => "postgres://root@127.0.0.1:5432/postgres",
                _ => "mysql://root@127.0.0.1:3306/test",
            };
            admin(server, &format!("DROP DATABASE IF EXISTS {name}")).await;
        }
    }
}

fn main() {
    let mut sizes = Vec::new();
    let mut dialect = Dialect::Postgres;
    let mut parse_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--engine" => {
                dialect = args
                    .next()
                    .and_then(|e| Dialect::from_name(&e))
                    .expect("--engine postgres|mysql|sqlite")
            }
            "--bench" => {}
            // Only the desired side: parse + lower N tables (no database), for profiling.
            "--parse-only" => parse_only = true,
            n => {
                if let Ok(n) = n.parse() {
                    sizes.push(n)
                }
            }
        }
    }
    if sizes.is_empty() {
        sizes = vec![100, 1000];
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for n in sizes {
        if parse_only {
            let sql: String = (0..n).map(|i| table_sql(i, false)).collect();
            let started = Instant::now();
            validate_adhoc(&[("desired.sql".into(), sql)], dialect).expect("schema");
            println!(
                "{dialect:<8} N={n:>6}  parse {:.3}s  peak {:.0} MB",
                started.elapsed().as_secs_f64(),
                peak_rss_mb()
            );
        } else {
            rt.block_on(run(dialect, n));
        }
    }
}
