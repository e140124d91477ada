//! No output of any command shows a password: `--help`, `--version`, and plan / check / apply
//! with the URL in DATABASE_URL, in `--database-url` and in plugins.toml, for every URL shape
//! (standard, no `//`, no scheme, unencoded characters in the password, the password in the
//! query, user info in a SQLite URL) on every engine scheme, with every failure mode plinth can
//! meet (closed port, unknown user, missing database, bad port, bad parameter, bad TLS mode).

use std::path::Path;
use std::process::Command;

/// The password, as a user would write it unencoded and percent-encoded.
const RAW: &str = "S3cret/PW@x?%21";
const ENCODED: &str = "S3cret%2FPW%40x%3F%2521";
/// What the server receives for each: `RAW` decoded once (`ENCODED` decodes to `RAW`).
const DECODED: &str = "S3cret/PW@x?!";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str], env_url: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plinth"));
    cmd.args(args).current_dir(dir).env_remove("DATABASE_URL");
    // libpq's variables would change what a URL means (sqlx reads them too).
    for var in [
        "PGPASSWORD",
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGDATABASE",
        "PGSSLMODE",
    ] {
        cmd.env_remove(var);
    }
    if let Some(url) = env_url {
        cmd.env("DATABASE_URL", url);
    }
    let o = cmd.output().expect("run plinth");
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Every 6-character piece of every spelling of the password.
fn pieces() -> Vec<String> {
    let mut pieces: Vec<String> = [RAW, ENCODED, DECODED]
        .iter()
        .flat_map(|s| {
            let chars: Vec<char> = s.chars().collect();
            chars
                .windows(6)
                .map(|w| w.iter().collect::<String>())
                .collect::<Vec<_>>()
        })
        .collect();
    pieces.sort();
    pieces.dedup();
    pieces
}

/// Panics naming the piece and the run when an output shows a piece of the password.
fn assert_no_secret(what: &str, r: &Run, pieces: &[String]) {
    for piece in pieces {
        for (name, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
            assert!(
                !text.contains(piece.as_str()),
                "{what}: {name} shows `{piece}` of the password:\n{text}"
            );
        }
    }
}

fn server(var: &str, default: &str) -> String {
    let url = std::env::var(var).unwrap_or_else(|_| default.to_string());
    // host:port of the test server, whatever its URL holds besides.
    let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, h)| h)
        .to_string()
}

/// Every URL shape with every failure mode, on every scheme, with the password `pw`.
fn urls(pw: &str, sqlite_file: &str) -> Vec<String> {
    let pg = server(
        "PLINTH_TEST_POSTGRES_URL",
        "postgres://root@127.0.0.1:5432/postgres",
    );
    let my = server("PLINTH_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test");
    let mut urls = Vec::new();
    for scheme in ["postgres", "postgresql", "mysql", "mariadb"] {
        let (live, db, tls) = if scheme.starts_with("postgres") {
            (pg.as_str(), "postgres", "sslmode=verify-full")
        } else {
            (my.as_str(), "test", "ssl-mode=REQUIRED")
        };
        urls.extend([
            // The password in the user info.
            format!("{scheme}://root:{pw}@127.0.0.1:1/{db}"),
            format!("{scheme}://plinth_no_such_user:{pw}@{live}/{db}"),
            format!("{scheme}://root:{pw}@{live}/plinth_no_such_db"),
            format!("{scheme}://root:{pw}@127.0.0.1:99999/{db}"),
            format!("{scheme}://root:{pw}@127.0.0.1:port/{db}"),
            format!(
                "{scheme}://plinth_no_such_user:{pw}@{live}/{db}?statement-cache-capacity=many"
            ),
            format!("{scheme}://plinth_no_such_user:{pw}@{live}/{db}?sslmode=bogus"),
            format!("{scheme}://plinth_no_such_user:{pw}@{live}/{db}?{tls}"),
            // The server repeats a user or database name: here it is the password itself.
            format!("{scheme}://{pw}:{pw}@{live}/{db}"),
            format!("{scheme}://root:{pw}@{live}/{ENCODED}"),
            // No `//`.
            format!("{scheme}:root:{pw}@127.0.0.1:1/{db}"),
            format!("{scheme}:plinth_no_such_user:{pw}@{live}/{db}"),
            // The password in the query.
            format!("{scheme}://root@127.0.0.1:1/{db}?password={pw}"),
            format!("{scheme}://root@{live}/plinth_no_such_db?password={pw}"),
            format!(
                "{scheme}://{live}/{db}?user=plinth_no_such_user&PassWord={pw}&sslmode=disable"
            ),
            format!("{scheme}://root@{live}/plinth_no_such_db?sslpassword={pw}"),
        ]);
    }
    urls.extend([
        format!("sqlite://u:{pw}@{sqlite_file}"),
        format!("sqlite://u:{pw}@/plinth/no/such/dir/x.sqlite3"),
        format!("sqlite:u:{pw}@{sqlite_file}"),
        format!("sqlite://{sqlite_file}?password={pw}"),
        format!("sqlite://{sqlite_file}?mode=rwc&PassWord={pw}"),
        format!("sqlite://{sqlite_file}?sslpassword={pw}"),
        format!("sqlite://u:{pw}@{sqlite_file}?mode=bogus"),
        // No scheme, unknown scheme.
        format!("root:{pw}@127.0.0.1:1/db"),
        format!("oracle://root:{pw}@127.0.0.1:1/db"),
        format!("//root:{pw}@127.0.0.1:1/db"),
    ]);
    urls
}

/// A project whose plugins.toml holds the URL (a literal, as `[database] url` allows).
fn project(dir: &Path, url: &str) {
    std::fs::write(
        dir.join("plugins.toml"),
        format!(
            "[database]\nurl = {}\n\n[plugins.core]\nschema = [\"s.sql\"]\ntables = [\"a\"]\n",
            toml_string(url)
        ),
    )
    .expect("write plugins.toml");
}

fn toml_string(s: &str) -> String {
    format!("'{s}'")
}

#[test]
fn no_command_prints_the_password_whatever_the_url_and_the_failure() {
    let pieces = pieces();
    let work = tempfile::tempdir().expect("temp dir");
    // An existing (empty) SQLite database: plan and check then open it and meet the URL's error.
    let sqlite_file = work.path().join("live.sqlite3");
    std::fs::write(&sqlite_file, "").expect("sqlite file");
    let sqlite_file = sqlite_file.display().to_string();
    std::fs::write(work.path().join("s.sql"), "CREATE TABLE a (id int);\n").expect("s.sql");
    let mut jobs = Vec::new();
    for pw in [RAW, ENCODED] {
        for url in urls(pw, &sqlite_file) {
            for command in ["plan", "check", "apply"] {
                jobs.push((url.clone(), command));
            }
        }
    }
    assert!(jobs.len() > 300, "the matrix shrank: {} runs", jobs.len());
    let threads = 4;
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let jobs = &jobs;
                let pieces = &pieces;
                let work = work.path();
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    // plugins.toml is per thread: each writes its own project.
                    let dir = work.join(format!("p{t}"));
                    std::fs::create_dir_all(&dir).expect("project dir");
                    std::fs::copy(work.join("s.sql"), dir.join("s.sql")).expect("copy s.sql");
                    for (url, command) in jobs.iter().skip(t).step_by(threads) {
                        let flag = [*command, "--schema", "s.sql", "--database-url", url];
                        let env = [*command, "--schema", "s.sql"];
                        project(&dir, url);
                        let runs = [
                            ("--database-url", run(&dir, &flag, None)),
                            ("DATABASE_URL", run(&dir, &env, Some(url))),
                            ("plugins.toml", run(&dir, &[*command], None)),
                        ];
                        for (how, r) in runs {
                            let what = format!("plinth {command} with {url} in {how}");
                            let outcome = std::panic::catch_unwind(|| {
                                assert_no_secret(&what, &r, pieces);
                                assert_eq!(r.code, 2, "{what}: exit code\n{}", r.stderr);
                                assert!(
                                    r.stderr.starts_with("error: "),
                                    "{what}: the error is on stderr:\n{}",
                                    r.stderr
                                );
                            });
                            if let Err(e) = outcome {
                                failures.push(
                                    e.downcast_ref::<String>()
                                        .cloned()
                                        .unwrap_or_else(|| what.clone()),
                                );
                            }
                        }
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} runs failed:\n{}",
        failures.len(),
        jobs.len() * 3,
        failures.join("\n---\n")
    );
}

#[test]
fn help_and_version_never_show_the_url() {
    let pieces = pieces();
    let dir = tempfile::tempdir().expect("temp dir");
    let invocations: [&[&str]; 9] = [
        &["--help"],
        &["-h"],
        &["--version"],
        &["plan", "--help"],
        &["apply", "--help"],
        &["check", "--help"],
        &["help", "plan"],
        &["help"],
        &["plan", "-h"],
    ];
    for pw in [RAW, ENCODED] {
        for url in [
            format!("postgres://user:{pw}@db.example:5432/app"),
            format!("mysql://user@db.example/app?password={pw}"),
        ] {
            for args in invocations {
                let what = format!("plinth {} with DATABASE_URL={url}", args.join(" "));
                let r = run(dir.path(), args, Some(&url));
                assert_eq!(r.code, 0, "{what}: {}", r.stderr);
                assert!(!r.stdout.is_empty(), "{what}: prints nothing");
                assert_no_secret(&what, &r, &pieces);
                if args.contains(&"--help") && args.len() == 1 {
                    // The variable is named, its value hidden.
                    assert!(r.stdout.contains("[env: DATABASE_URL]"), "{}", r.stdout);
                }
                let mut with_flag = vec!["--database-url", url.as_str()];
                with_flag.extend_from_slice(args);
                let r = run(dir.path(), &with_flag, None);
                assert_eq!(r.code, 0, "{what} (flag): {}", r.stderr);
                assert_no_secret(&format!("{what} (flag)"), &r, &pieces);
            }
        }
    }
}

#[test]
fn usage_errors_never_show_the_url() {
    let pieces = pieces();
    let dir = tempfile::tempdir().expect("temp dir");
    for pw in [RAW, ENCODED] {
        let url = format!("postgres://user:{pw}@127.0.0.1:1/app");
        let flag = format!("--database-url={url}");
        let invocations: [Vec<&str>; 6] = [
            // clap quotes a bad value back: here the URL, given where a dialect goes.
            vec![
                "--database-url",
                &url,
                "plan",
                "--offline",
                "--dialect",
                &url,
            ],
            vec!["--database-url", &url, "plan", "--format", "xml"],
            vec!["--database-url", &url, "nosuchcommand"],
            vec![&flag, "plan", "--dialect", "oracle"],
            vec!["plan", "--database-url", &url, "--nosuchflag"],
            vec!["--database-url", &url, "plan", "--database-url", &url],
        ];
        for args in &invocations {
            let what = format!("plinth {}", args.join(" "));
            let r = run(dir.path(), args, None);
            assert_eq!(r.code, 2, "{what}: {}", r.stderr);
            assert!(!r.stderr.is_empty(), "{what}: says nothing");
            assert_no_secret(&what, &r, &pieces);
            let without: Vec<&str> = args
                .iter()
                .copied()
                .filter(|a| *a != "--database-url" && *a != flag)
                .collect();
            let without = match without.as_slice() {
                [_, rest @ ..] if without[0] == url => rest.to_vec(),
                _ => without,
            };
            let r = run(dir.path(), &without, Some(&url));
            assert_no_secret(&format!("{what} (env)"), &r, &pieces);
        }
    }
}

#[test]
fn an_unencoded_password_is_refused_before_any_server_sees_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("s.sql"), "CREATE TABLE a (id int);\n").expect("s.sql");
    // Parsed as a URL, this one connects to the live server and asks for database `PW@x…`.
    let url = "postgres://root:12/PW@127.0.0.1:5432/postgres";
    let r = run(
        dir.path(),
        &["plan", "--schema", "s.sql", "--database-url", url],
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("percent-encode"), "{}", r.stderr);
    assert!(r.stderr.contains("%2F"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("postgres://root:***@127.0.0.1:5432/postgres"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("PW"), "{}", r.stderr);
    // Refused before any connection: no lookup, no server's answer.
    assert!(!r.stderr.contains("cannot connect"), "{}", r.stderr);
}
