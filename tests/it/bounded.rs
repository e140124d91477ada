//! Bounded work on any input (issue 7): the crash and hang inputs found on plinth, run through
//! the binary and the library. Inputs at the limits of `sql::limits` plan, on every dialect,
//! offline and on the live path (a database URL: parsing runs beside the inspection); inputs
//! past them are errors at `path:line:col`. Nothing here is timed: each input is big enough
//! that quadratic or exponential work would keep the test running for minutes.

use std::process::Output;

use plinth::limits::{MAX_DEPTH, MAX_NESTING};
use plinth::model::Dialect;
use plinth::parse_file;

use crate::engines::{plinth, TestDb};

const DIALECTS: [Dialect; 3] = [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite];

/// Exit code and stderr; a signal (a stack overflow aborts) fails the test here.
fn outcome(o: &Output) -> (i32, String) {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let code = o
        .status
        .code()
        .unwrap_or_else(|| panic!("plinth died: {:?}\n{err}", o.status));
    (code, err)
}

/// `CREATE TABLE t (id integer CHECK (…));`: the check starts at column 35.
fn table_with_check(expr: &str) -> String {
    format!("CREATE TABLE t (id integer CHECK ({expr}));\n")
}

const CHECK_COLUMN: usize = 35;

/// The longest `id+id+…` the depth limit lets into that check: the statement's own tokens and
/// groups take 8 levels, each term two (`id`, `+`) but the last.
fn chain(terms: usize) -> String {
    vec!["id"; terms].join("+")
}

fn chain_at_limit() -> usize {
    (MAX_DEPTH - 8).div_ceil(2)
}

/// `CEIL(` nested as deep as the nesting limit lets it be inside the check (two levels are the
/// table's and the check's parentheses).
fn ceil(depth: usize) -> String {
    format!("{}id{}", "CEIL(".repeat(depth), ")".repeat(depth))
}

fn nesting_at_limit() -> usize {
    MAX_NESTING - 2
}

#[test]
fn expressions_at_the_limits_plan_and_past_them_are_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let at = [
        ("chain.sql", table_with_check(&chain(chain_at_limit()))),
        (
            "nested.sql",
            table_with_check(&format!("{} > 0", ceil(nesting_at_limit()))),
        ),
    ];
    let past = [
        (
            "chain_past.sql",
            table_with_check(&chain(chain_at_limit() + 1)),
            CHECK_COLUMN + 3 * chain_at_limit(),
            "expression too deep",
        ),
        (
            "nested_past.sql",
            table_with_check(&ceil(nesting_at_limit() + 1)),
            CHECK_COLUMN + 5 * nesting_at_limit() + 4,
            "nested deeper than",
        ),
    ];
    for (name, text) in &at {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    for (name, text, _, _) in &past {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    for dialect in DIALECTS {
        let d = dialect.to_string();
        for (name, _) in &at {
            let o = plinth(
                dir.path(),
                &["plan", "--offline", "--dialect", &d, "--schema", name],
            );
            let (code, err) = outcome(&o);
            assert_eq!(code, 0, "{d} {name}: {err}");
            assert!(String::from_utf8_lossy(&o.stdout).contains("CREATE TABLE"));
        }
        for (name, _, column, message) in &past {
            let o = plinth(
                dir.path(),
                &["plan", "--offline", "--dialect", &d, "--schema", name],
            );
            let (code, err) = outcome(&o);
            assert_eq!(code, 2, "{d} {name}: {err}");
            let prefix = format!("{name}:1:{column}: {message}");
            assert!(err.starts_with(&prefix), "{d}: expected {prefix}: {err}");
        }
    }
}

/// The live path: `plan` with a database URL parses on the runtime's blocking pool while it
/// inspects. SQLite needs no server; PostgreSQL and MySQL run when their servers are there.
#[test]
fn expressions_at_the_limits_plan_live() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("chain.sql"),
        table_with_check(&chain(chain_at_limit())),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("past.sql"),
        table_with_check(&chain(chain_at_limit() + 1)),
    )
    .expect("write");
    for dialect in DIALECTS {
        let Some(db) = TestDb::new(dialect) else {
            continue;
        };
        let o = plinth(
            dir.path(),
            &["plan", "--database-url", &db.url, "--schema", "chain.sql"],
        );
        let (code, err) = outcome(&o);
        assert_eq!(code, 0, "{dialect}: {err}");
        assert!(String::from_utf8_lossy(&o.stdout).contains("CREATE TABLE"));
        let o = plinth(
            dir.path(),
            &["check", "--database-url", &db.url, "--schema", "past.sql"],
        );
        let (code, err) = outcome(&o);
        assert_eq!(code, 2, "{dialect}: {err}");
        assert!(
            err.contains("past.sql:1:") && err.contains("too deep"),
            "{err}"
        );
    }
}

/// A deep expression applied, then read back from the catalog and planned again: the live
/// side parses what the engine stored (SQLite refuses trees deeper than 1000).
#[test]
fn a_deep_check_applies_and_replans_empty_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("deep.sql"),
        table_with_check(&format!("{} > 0", chain(900))),
    )
    .expect("write");
    let Some(db) = TestDb::new(Dialect::Sqlite) else {
        return;
    };
    let (code, err) = outcome(&plinth(
        dir.path(),
        &["apply", "--database-url", &db.url, "--schema", "deep.sql"],
    ));
    assert_eq!(code, 0, "{err}");
    let (code, err) = outcome(&plinth(
        dir.path(),
        &["check", "--database-url", &db.url, "--schema", "deep.sql"],
    ));
    assert_eq!(code, 0, "{err}");
}

/// What parsing one input must end in.
enum Expect {
    Ok,
    Err(&'static str),
}

fn run(name: &str, dialects: &[Dialect], text: &str, expect: Expect) {
    for &dialect in dialects {
        let result = parse_file(dialect, "x.sql", text);
        match (&expect, result) {
            (Expect::Ok, Ok(_)) => {}
            (Expect::Ok, Err(e)) => panic!("{name} ({dialect}): {e}"),
            (Expect::Err(words), Err(e)) => {
                let e = e.to_string();
                assert!(
                    e.starts_with("x.sql:") && e.contains(words),
                    "{name} ({dialect}): expected {words:?}: {e}"
                );
            }
            (Expect::Err(words), Ok(_)) => panic!("{name} ({dialect}): expected {words:?}"),
        }
    }
}

/// Each crash and hang of issue 7, with inputs big enough that the old behaviour (quadratic,
/// exponential, or a stack overflow) would not finish or would abort the test binary.
#[test]
fn the_crash_and_hang_inputs_of_issue_7_finish() {
    let all = &DIALECTS;
    let create = |body: &str| format!("CREATE TABLE t (id integer{body});");
    // 31 s in the PostgreSQL pre-pass (quadratic over whitespace tokens).
    run("spaces", all, &create(&" ".repeat(200_000)), Expect::Ok);
    run(
        "comments",
        all,
        &create(&"/* c */".repeat(50_000)),
        Expect::Ok,
    );
    run(
        "line comments",
        all,
        &create(&"\n-- c\n".repeat(50_000)),
        Expect::Ok,
    );
    run(
        "open parentheses",
        all,
        &create(&" CHECK (".repeat(20_000)),
        Expect::Err("nested deeper than"),
    );
    run(
        "unclosed",
        all,
        &create(" CHECK ((id > 0)"),
        Expect::Err("unclosed \"(\""),
    );
    let closers = format!("CREATE TABLE t (id integer){}", ")".repeat(200_000));
    run(
        "close parentheses",
        all,
        &closers,
        Expect::Err("unmatched \")\""),
    );
    // Exponential backtracking in sqlparser: 16 unclosed `NOT (` took over 15 s.
    for n in [16, 64] {
        let text = create(&format!(" CHECK ({}id)", "NOT (".repeat(n)));
        run(
            "unclosed NOT (",
            all,
            &text,
            Expect::Err("nested deeper than"),
        );
    }
    // Nested 49 deep never finished; 48 to 100, balanced and not, with an error inside or not.
    for construct in [
        "CEIL(",
        "CAST(",
        "SUBSTRING(",
        "POSITION(",
        "abs(",
        "(",
        "ARRAY[",
    ] {
        let close = if construct == "ARRAY[" { "]" } else { ")" };
        // SQLite reads `[…]` as a quoted name: there it is an unclosed name.
        let (dialects, words): (&[Dialect], _) = match construct {
            "ARRAY[" => (&DIALECTS[..2], "nested deeper than"),
            _ => (all, "nested deeper than"),
        };
        for n in [48, 49, 100] {
            let balanced = format!("{}id{}", construct.repeat(n), close.repeat(n));
            let text = create(&format!(" CHECK ({balanced})"));
            run(construct, dialects, &text, Expect::Err(words));
            run(construct, all, &text, Expect::Err(""));
            let open = create(&format!(" CHECK ({}id)", construct.repeat(n)));
            run(construct, dialects, &open, Expect::Err(words));
            run(construct, all, &open, Expect::Err(""));
        }
        // Under the limit, with an error deep inside: the budget stops the backtracking.
        let n = nesting_at_limit();
        let broken = format!("{}id,,{}", construct.repeat(n), close.repeat(n));
        run(
            construct,
            all,
            &create(&format!(" CHECK ({broken})")),
            Expect::Err(""),
        );
    }
    for (name, prefix) in [("minus", "- "), ("not", "NOT "), ("case", "CASE WHEN ")] {
        let text = create(&format!(" CHECK ({}id)", prefix.repeat(1000)));
        run(name, all, &text, Expect::Err("nested deeper than"));
    }
    // A stack overflow at about 2,300 terms (live path) and 9,300 (offline).
    let long = create(&format!(" CHECK ({} > 0)", chain(100_000)));
    run(
        "100,000-term chain",
        all,
        &long,
        Expect::Err("expression too deep"),
    );
    let or = create(&format!(" CHECK ({})", vec!["id = 1"; 10_000].join(" OR ")));
    run("10,000 ORs", all, &or, Expect::Err("expression too deep"));
    // Long flat lists are not deep.
    let list: Vec<String> = (0..10_000).map(|i| i.to_string()).collect();
    run(
        "IN list",
        all,
        &create(&format!(" CHECK (id IN ({}))", list.join(", "))),
        Expect::Ok,
    );
    // Dollar quotes, closed and not, and quoted runs (split and tokenizer scans).
    run(
        "$a$ x 50,000",
        &[Dialect::Postgres],
        &create(&format!(" DEFAULT {}", "$a$".repeat(50_000))),
        Expect::Err(""),
    );
    let tags: String = (0..20_000).map(|i| format!("$t{i}$")).collect();
    run(
        "unclosed $tag$s",
        &[Dialect::Postgres],
        &create(&format!(" DEFAULT {tags}")),
        Expect::Err("syntax error"),
    );
    run(
        "quotes",
        all,
        &create(&format!(" DEFAULT '{}'", "''".repeat(200_000))),
        Expect::Ok,
    );
    run(
        "unclosed quote",
        all,
        &create(&format!(" DEFAULT '{}", "x".repeat(500_000))),
        Expect::Err("syntax error"),
    );
    run(
        "unclosed comment",
        all,
        &format!("{} /*{}", create(""), "/*".repeat(100_000)),
        Expect::Err(""),
    );
    // Found by the fuzz target: sqlparser's SQLite and MySQL dialects panicked on these.
    run(
        "MATCH",
        &[Dialect::Sqlite],
        &create(" CHECK (id MATCH \\)"),
        Expect::Err("syntax error"),
    );
    run(
        "DIV",
        &[Dialect::Mysql],
        &create(" CHECK (id DIV ,)"),
        Expect::Err("syntax error"),
    );
    run(
        "FLUSH",
        &[Dialect::Mysql],
        "FLUSH RELAY LOGS FOR CHANNEL ;",
        Expect::Err("FLUSH"),
    );
    run(
        "semicolons",
        all,
        &format!("{}{}", create(""), ";".repeat(200_000)),
        Expect::Ok,
    );
}

#[test]
fn schema_files_are_bounded_and_stay_inside_the_project() {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("project");
    std::fs::create_dir(&project).expect("mkdir");
    // /dev/zero on the command line: read up to the limit, then refused.
    let (code, err) = outcome(&plinth(
        &project,
        &[
            "plan",
            "--offline",
            "--dialect",
            "sqlite",
            "--schema",
            "/dev/zero",
        ],
    ));
    assert_eq!(code, 2);
    assert!(err.contains("/dev/zero is larger than 64 MiB"), "{err}");
    // A path out of the project in plugins.toml: an error at the schema string.
    std::fs::write(
        project.join("plugins.toml"),
        "[plugins.p]\nschema = [\"../../etc/passwd\"]\ntables = [\"t\"]\n",
    )
    .expect("write");
    let (code, err) = outcome(&plinth(
        &project,
        &["plan", "--offline", "--dialect", "sqlite"],
    ));
    assert_eq!(code, 2);
    assert!(
        err.starts_with(
            "plugins.toml:2:11: schema path `../../etc/passwd` leads out of the project"
        ),
        "{err}"
    );
    // Invalid UTF-8: the line and column of the first bad byte.
    std::fs::write(
        project.join("bad.sql"),
        b"CREATE TABLE t (\n  id int\xe9ger);",
    )
    .expect("write");
    let (code, err) = outcome(&plinth(
        &project,
        &[
            "plan",
            "--offline",
            "--dialect",
            "sqlite",
            "--schema",
            "bad.sql",
        ],
    ));
    assert_eq!(code, 2);
    assert!(
        err.starts_with("bad.sql:2:9: invalid UTF-8 (byte 0xE9"),
        "{err}"
    );
}
