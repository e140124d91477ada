//! The error fixtures in `fixtures/errors/`: one bad input per file and the exact line plinth
//! prints for it, on every engine the case names.
//!
//! A case file:
//!
//! ```text
//! -- case: what the case shows
//! -- engines: postgres mysql sqlite
//! -- note: what is wrong with today's message (optional, repeatable)
//! -- file plugins.toml          a file of the project, its text verbatim up to the next section
//! -- bytes schemas/a.sql        the same, byte-exact: `\xHH` is a byte, `\\` a backslash
//! -- error                      the line plinth prints, on every engine…
//! -- error mysql                …unless the engine has a section of its own
//! ```
//!
//! The files are written to a temporary directory. With a `plugins.toml` the case is a project
//! (`config::read` + `config::load_project`, as `plinth --config plugins.toml` runs), else the
//! files are `--schema` files in the order given (`config::adhoc`), then the offline checks
//! `plan` runs first (`lint`'s errors). The line is what the binary
//! prints (`path:line:col: message`, or `error: message` when plinth knows no position), with
//! the paths as they read when plinth runs in that directory; `error_fixtures_through_the_cli`
//! checks that the binary prints exactly that. An input plinth accepts is a failure, and so is a
//! line without `path:line:col` in a case that has no `-- note:` saying what is wrong with it.
//! `PLINTH_BLESS=1 cargo test --test it errors::error_fixtures` rewrites the `-- error` sections
//! from what plinth prints; review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

use plinth::config;
use plinth::error::Error;
use plinth::model::Dialect;

/// One case file, parsed.
struct Case {
    path: PathBuf,
    title: String,
    engines: Vec<Dialect>,
    notes: Vec<String>,
    /// Project-relative path → bytes, in file order.
    files: Vec<(String, Vec<u8>)>,
    /// `None`: the expectation of every engine without a section of its own.
    errors: Vec<(Option<Dialect>, String)>,
}

/// The kinds of section a case holds, by their header line.
enum Section {
    File(String),
    Bytes(String),
    Error(Option<Dialect>),
}

fn section(path: &Path, line: &str) -> Option<Section> {
    if let Some(name) = line.strip_prefix("-- file ") {
        return Some(Section::File(name.trim().to_string()));
    }
    if let Some(name) = line.strip_prefix("-- bytes ") {
        return Some(Section::Bytes(name.trim().to_string()));
    }
    if line == "-- error" {
        return Some(Section::Error(None));
    }
    let engine = line.strip_prefix("-- error ")?;
    let d = Dialect::from_name(engine.trim())
        .unwrap_or_else(|| panic!("{}: unknown engine in `{line}`", path.display()));
    Some(Section::Error(Some(d)))
}

/// `\xHH` → the byte, `\\` → a backslash; everything else as written.
fn unescape(path: &Path, text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('\\') {
        out.extend_from_slice(&rest.as_bytes()[..i]);
        rest = &rest[i..];
        if let Some(after) = rest.strip_prefix("\\\\") {
            out.push(b'\\');
            rest = after;
            continue;
        }
        let hex = rest
            .get(2..4)
            .filter(|_| rest.starts_with("\\x"))
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or_else(|| {
                panic!(
                    "{}: a `-- bytes` section takes `\\xHH` and `\\\\` only, not `{}`",
                    path.display(),
                    rest.chars().take(4).collect::<String>()
                )
            });
        out.push(hex);
        rest = &rest[4..];
    }
    out.extend_from_slice(rest.as_bytes());
    out
}

impl Case {
    fn parse(path: &Path) -> Case {
        let text = std::fs::read_to_string(path).expect("read case");
        let mut case = Case {
            path: path.to_path_buf(),
            title: String::new(),
            engines: Vec::new(),
            notes: Vec::new(),
            files: Vec::new(),
            errors: Vec::new(),
        };
        let mut sections: Vec<(Section, String)> = Vec::new();
        for line in text.lines() {
            let t = line.trim_end();
            if let Some(s) = section(path, t) {
                sections.push((s, String::new()));
            } else if let Some((_, body)) = sections.last_mut() {
                body.push_str(line);
                body.push('\n');
            } else if let Some(v) = t.strip_prefix("-- case:") {
                case.title = v.trim().to_string();
            } else if let Some(v) = t.strip_prefix("-- engines:") {
                case.engines = v
                    .split_whitespace()
                    .map(|e| {
                        Dialect::from_name(e)
                            .unwrap_or_else(|| panic!("{}: unknown engine {e}", path.display()))
                    })
                    .collect();
            } else if let Some(v) = t.strip_prefix("-- note:") {
                case.notes.push(v.trim().to_string());
            } else if !t.is_empty() {
                panic!(
                    "{}: unexpected line before the first section: {t}",
                    path.display()
                );
            }
        }
        let mut in_errors = false;
        for (s, body) in sections {
            match s {
                Section::File(name) | Section::Bytes(name) if in_errors => panic!(
                    "{}: `-- file {name}` after an `-- error` section: the errors come last",
                    path.display()
                ),
                Section::File(name) => case.files.push((name, body.into_bytes())),
                Section::Bytes(name) => {
                    let bytes = unescape(path, &body);
                    case.files.push((name, bytes));
                }
                Section::Error(d) => {
                    in_errors = true;
                    case.errors.push((d, body.trim().to_string()));
                }
            }
        }
        assert!(
            !case.title.is_empty(),
            "{}: missing `-- case:`",
            path.display()
        );
        assert!(
            !case.engines.is_empty(),
            "{}: missing `-- engines:`",
            path.display()
        );
        assert!(
            !case.files.is_empty(),
            "{}: no `-- file` section",
            path.display()
        );
        case
    }

    fn is_project(&self) -> bool {
        self.files.iter().any(|(name, _)| name == "plugins.toml")
    }

    fn expected(&self, d: Dialect) -> Option<&str> {
        let own = self.errors.iter().find(|(e, _)| *e == Some(d));
        own.or_else(|| self.errors.iter().find(|(e, _)| e.is_none()))
            .map(|(_, line)| line.as_str())
    }

    /// The case's files in a new temporary directory.
    fn write(&self) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, bytes) in &self.files {
            let inside = Path::new(name)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
            assert!(
                inside,
                "{}: `{name}`: a case's files are plain relative paths",
                self.path.display()
            );
            let full = dir.path().join(name);
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::fs::write(&full, bytes).expect("write case file");
        }
        dir
    }

    /// What plinth prints for this case on `d`, through the library; `None` when it is accepted.
    fn run(&self, d: Dialect) -> Option<String> {
        let dir = self.write();
        let result = if self.is_project() {
            config::read(&dir.path().join("plugins.toml"))
                .and_then(|project| config::load_project(&project, d))
        } else {
            let files: Vec<PathBuf> = self.files.iter().map(|(n, _)| dir.path().join(n)).collect();
            config::adhoc(&files, d)
        };
        // What `plan` and `apply` run first: the offline checks' errors.
        let result = result.and_then(|desired| {
            match plinth::lint::refusal(&plinth::lint::lint(d, &desired, false)) {
                Some(refusal) => Err(refusal),
                None => Ok(desired),
            }
        });
        let error = result.err()?;
        // As the binary prints it (`main.rs`), with paths as they read from inside the directory.
        let line = match &error {
            Error::At { .. } | Error::Several(_) => error.to_string(),
            _ => format!("error: {error}"),
        };
        Some(line.replace(&format!("{}/", dir.path().display()), ""))
    }

    /// The case through the binary, run in its directory: stderr and the exit code.
    fn run_cli(&self, d: Dialect) -> (String, Option<i32>) {
        let dir = self.write();
        let mut args: Vec<&str> = Vec::new();
        if !self.is_project() {
            args.push("--schema");
            args.extend(self.files.iter().map(|(n, _)| n.as_str()));
        }
        args.extend(["plan", "--offline", "--dialect", d.name()]);
        let out = Command::new(env!("CARGO_BIN_EXE_plinth"))
            .args(&args)
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .output()
            .expect("run plinth");
        let stderr = String::from_utf8_lossy(&out.stderr).trim_end().to_string();
        (stderr, out.status.code())
    }

    /// Rewrite the `-- error` sections: one when every engine prints the same line, else one
    /// per engine (in the order of `-- engines:`). Everything above them is kept as written.
    fn bless(&self, actual: &[(Dialect, String)]) {
        let original = std::fs::read_to_string(&self.path).expect("read case");
        let mut text = String::new();
        for line in original.lines() {
            if matches!(
                section(&self.path, line.trim_end()),
                Some(Section::Error(_))
            ) {
                break;
            }
            text.push_str(line);
            text.push('\n');
        }
        let first = &actual[0].1;
        if actual.iter().all(|(_, line)| line == first) {
            text.push_str(&format!("-- error\n{first}\n"));
        } else {
            for (d, line) in actual {
                text.push_str(&format!("-- error {}\n{line}\n", d.name()));
            }
        }
        // Written whole, then renamed: the other tests of this file may be reading it.
        let fresh = self.path.with_extension("sql.blessed");
        std::fs::write(&fresh, text).expect("write case");
        std::fs::rename(&fresh, &self.path).expect("replace case");
    }
}

fn all() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/errors");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/errors/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    paths.sort();
    paths.iter().map(|p| Case::parse(p)).collect()
}

fn blessing() -> bool {
    std::env::var("PLINTH_BLESS").is_ok_and(|v| v == "1")
}

fn name(case: &Case) -> String {
    let file = case.path.file_name().unwrap_or_default().to_string_lossy();
    format!("{file} ({})", case.title)
}

#[test]
fn error_fixtures() {
    let bless = blessing();
    let cases = all();
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in &cases {
        let mut actual = Vec::new();
        for &d in &case.engines {
            let Some(line) = case.run(d) else {
                failures.push(format!(
                    "{} on {d}: accepted, but it is a bad input",
                    name(case)
                ));
                continue;
            };
            match case.expected(d) {
                _ if bless => {}
                Some(expected) if expected == line => checked += 1,
                Some(expected) => failures.push(format!(
                    "{} on {d}:\n  expected: {expected}\n  actual:   {line}",
                    name(case)
                )),
                None => failures.push(format!(
                    "{} on {d}: no `-- error` section (run with PLINTH_BLESS=1)",
                    name(case)
                )),
            }
            actual.push((d, line));
        }
        if bless && actual.len() == case.engines.len() {
            case.bless(&actual);
        }
    }
    assert!(
        failures.is_empty(),
        "{} error fixture(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!(
        "{checked} error fixture run(s) passed ({} cases)",
        cases.len()
    );
}

/// The binary prints exactly the expected line on stderr, and exits 2.
#[test]
fn error_fixtures_through_the_cli() {
    if blessing() {
        eprintln!("PLINTH_BLESS=1: the expectations are being rewritten; not compared");
        return;
    }
    let mut failures = Vec::new();
    for case in all() {
        for &d in &case.engines {
            let Some(expected) = case.expected(d) else {
                continue; // `error_fixtures` reports it
            };
            let (stderr, code) = case.run_cli(d);
            if stderr != expected || code != Some(2) {
                failures.push(format!(
                    "{} on {d}: exit {code:?}\n  expected: {expected}\n  stderr:   {stderr}",
                    name(&case)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} error fixture(s) differ through the binary:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Enough cases, each about one thing, each engine's expectation present, and every line
/// without a position explained by a `-- note:`.
#[test]
fn error_fixtures_are_well_formed() {
    let cases = all();
    assert!(cases.len() >= 30, "only {} error fixtures", cases.len());
    let mut titles = std::collections::BTreeSet::new();
    for case in &cases {
        assert!(
            titles.insert(case.title.as_str()),
            "{}: another case has the same title",
            name(case)
        );
        for &d in &case.engines {
            let expected = case
                .expected(d)
                .unwrap_or_else(|| panic!("{}: no `-- error` for {d}", name(case)));
            let positioned = case.files.iter().any(|(file, _)| {
                expected
                    .strip_prefix(file.as_str())
                    .and_then(|rest| rest.strip_prefix(':'))
                    .and_then(|rest| rest.split_once(": "))
                    .is_some_and(|(at, _)| {
                        let mut parts = at.split(':');
                        parts.clone().count() == 2 && parts.all(|n| n.parse::<u64>().is_ok())
                    })
            });
            assert!(
                positioned || !case.notes.is_empty(),
                "{} on {d}: `{expected}` names no `path:line:col` of the case's files; if that is what plinth prints, say what is wrong in a `-- note:`",
                name(case)
            );
        }
    }
}
