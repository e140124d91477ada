//! Unit tests of plugins.toml parsing and the ownership rules, with in-memory schema files.

use super::*;

const CONFIG: &str = "plugins.toml";

fn files(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

fn check_in(dialect: Dialect, toml: &str, sql: &[(&str, &str)]) -> Result<Desired> {
    validate(&parse(CONFIG, toml)?, dialect, &files(sql))
}

fn check(toml: &str, sql: &[(&str, &str)]) -> Result<Desired> {
    check_in(Dialect::Sqlite, toml, sql)
}

/// The error's text, asserting it starts with `prefix` and holds every key word.
fn fails(result: Result<Desired>, prefix: &str, words: &[&str]) -> String {
    let err = match result {
        Ok(d) => panic!("expected an error at {prefix}, got {d:?}"),
        Err(e) => e.to_string(),
    };
    assert!(err.starts_with(prefix), "expected prefix {prefix:?}: {err}");
    for w in words {
        assert!(err.contains(w), "expected {w:?} in: {err}");
    }
    err
}

const SHOP: &str = r#"[database]
url = "sqlite://shop.sqlite3"

[plugins.computers]
schema = ["schemas/computers.sql"]
tables = ["computertypes", "computers"]
version = "1.2.0"

[plugins.network]
schema = ["schemas/network.sql"]
tables = ["ports"]
retired = ["oldports"]

[plugins.alerts]
schema = ["schemas/alerts.sql"]
tables = ["alerts"]

[external]
tables = ["users"]
"#;

const COMPUTERS: &str = "CREATE TABLE computertypes (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE computers (
  id integer PRIMARY KEY,
  type_id integer REFERENCES computertypes (id),
  owner_id integer REFERENCES users (id)
);";

const NETWORK: &str = "CREATE TABLE ports (
  id integer PRIMARY KEY,
  computer_id integer NOT NULL REFERENCES computers (id)
);";

const ALERTS: &str =
    "CREATE TABLE alerts (id integer PRIMARY KEY, port_id integer REFERENCES ports (id));";

fn shop_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("schemas/computers.sql", COMPUTERS),
        ("schemas/network.sql", NETWORK),
        ("schemas/alerts.sql", ALERTS),
    ]
}

#[test]
fn a_valid_project_builds_the_desired_state() {
    let project = parse(CONFIG, SHOP).unwrap();
    assert_eq!(
        project.database_url.as_deref(),
        Some("sqlite://shop.sqlite3")
    );
    assert_eq!(project.root, PathBuf::new());
    assert_eq!(
        project.plugins["computers"].at.to_string(),
        "plugins.toml:4:10"
    );
    assert_eq!(
        project.plugins["network"].tables_at[0].to_string(),
        "plugins.toml:11:11"
    );

    let d = validate(&project, Dialect::Sqlite, &files(&shop_files())).unwrap();
    // Cross-plugin FKs order the plugins: computers ← network ← alerts, not by name.
    assert_eq!(d.order, ["computers", "network", "alerts"]);
    assert_eq!(
        d.schema.tables.keys().collect::<Vec<_>>(),
        ["alerts", "computers", "computertypes", "ports"]
    );
    assert_eq!(d.owner["ports"], "network");
    assert_eq!(d.owner["oldports"], "network");
    assert_eq!(d.retired["oldports"], "network");
    assert!(!d.owner.contains_key("users"));
    assert_eq!(d.external, BTreeSet::from(["users".to_string()]));
    assert_eq!(d.versions["computers"], "1.2.0");
    assert!(!d.adhoc);
    assert_eq!(d.defined_at["ports"].file, "schemas/network.sql");
    // finish() ran: the FK without columns got the target's primary key.
    let fk = &d.schema.tables["ports"].foreign_keys[0];
    assert_eq!(fk.ref_columns, ["id"]);
}

#[test]
fn plugin_selection() {
    let d = check(SHOP, &shop_files()).unwrap();
    let all = d.managed(&Selection::all());
    assert_eq!(all.len(), 5);
    let network = d.managed(&d.select(&["network".to_string()]).unwrap());
    assert_eq!(
        network,
        BTreeSet::from(["oldports".to_string(), "ports".to_string()])
    );
    let err = d.select(&["netwrk".to_string()]).unwrap_err().to_string();
    assert!(err.contains("unknown plugin `netwrk`"), "{err}");
    assert!(err.contains("computers, network, alerts"), "{err}");
}

#[test]
fn ties_in_dependency_order_are_broken_by_name() {
    let toml = "[plugins.zeta]\nschema = [\"z.sql\"]\ntables = [\"z\"]\n\
                [plugins.beta]\nschema = [\"b.sql\"]\ntables = [\"b\"]\n\
                [plugins.alpha]\nschema = [\"a.sql\"]\ntables = [\"a\"]\n";
    let d = check(
        toml,
        &[
            ("z.sql", "CREATE TABLE z (id integer PRIMARY KEY);"),
            (
                "b.sql",
                "CREATE TABLE b (id integer PRIMARY KEY, z integer REFERENCES z);",
            ),
            ("a.sql", "CREATE TABLE a (id integer PRIMARY KEY);"),
        ],
    )
    .unwrap();
    assert_eq!(d.order, ["alpha", "zeta", "beta"]);
}

// Rule 1: every plugin lists its tables.
#[test]
fn tables_must_be_listed() {
    fails(
        check("[plugins.computers]\nschema = [\"c.sql\"]\n", &[]),
        "plugins.toml:1:10: ",
        &["plugin `computers`", "tables = ["],
    );
}

// Rule 2: listed ⇒ defined in the plugin's SQL.
#[test]
fn a_listed_table_must_be_defined() {
    let toml = "[plugins.a]\nschema = [\"a.sql\"]\ntables = [\"t\", \"missing\"]\n";
    fails(
        check(toml, &[("a.sql", "CREATE TABLE t (id integer);")]),
        "plugins.toml:3:16: ",
        &[
            "`missing`",
            "a.sql",
            "CREATE TABLE",
            "remove it from `tables`",
        ],
    );
    // Defined, but by another plugin's SQL.
    let toml = "[plugins.a]\nschema = [\"a.sql\"]\ntables = [\"t\"]\n\
                [plugins.b]\nschema = [\"b.sql\"]\ntables = [\"u\"]\n";
    fails(
        check(
            toml,
            &[
                ("a.sql", "CREATE TABLE u (id integer);"),
                ("b.sql", "CREATE TABLE t (id integer);"),
            ],
        ),
        "plugins.toml:3:11: ",
        &["plugin `a` lists table `t`", "plugin `b` (b.sql:1:14)"],
    );
}

// Rule 2: defined ⇒ listed (the error is in the SQL file).
#[test]
fn a_defined_table_must_be_listed() {
    let toml = "[plugins.a]\nschema = [\"a.sql\"]\ntables = [\"t\"]\n";
    fails(
        check(
            toml,
            &[(
                "a.sql",
                "CREATE TABLE t (id integer);\n\nCREATE TABLE   extra (id integer);",
            )],
        ),
        "a.sql:3:16: ",
        &[
            "`extra`",
            "not listed in plugins.toml",
            "[plugins.a] (plugins.toml:1:10)",
        ],
    );
}

// Rule 3: one owner per table.
#[test]
fn a_table_has_one_owner() {
    let toml = "[plugins.b]\nschema = [\"b.sql\"]\ntables = [\"t\"]\n\
                [plugins.a]\nschema = [\"a.sql\"]\ntables = [\"t\"]\n";
    // The second listing in the file is at fault, whatever the plugins' names.
    fails(
        check(
            toml,
            &[
                ("a.sql", "CREATE TABLE t (id integer);"),
                ("b.sql", "CREATE TABLE t (id integer);"),
            ],
        ),
        "plugins.toml:6:11: ",
        &["already owned by plugin `b` (plugins.toml:3:11)"],
    );
    let toml = "[plugins.a]\nschema = [\"a.sql\"]\ntables = [\"t\", \"t\"]\n";
    fails(
        check(toml, &[("a.sql", "CREATE TABLE t (id integer);")]),
        "plugins.toml:3:16: ",
        &["appears twice"],
    );
}

// Rule 4: foreign keys point at owned or external tables.
#[test]
fn a_foreign_key_needs_a_known_target() {
    let toml = "[plugins.a]\nschema = [\"a.sql\"]\ntables = [\"t\"]\n";
    fails(
        check(
            toml,
            &[(
                "a.sql",
                "CREATE TABLE t (\n  id integer,\n  u integer REFERENCES users (id)\n);",
            )],
        ),
        "a.sql:3:24: ",
        &[
            "`t` references table `users`",
            "no plugin owns",
            "[external] tables = [\"users\"]",
        ],
    );
}

// Rule 5: retired tables are only retired, and nothing references them.
#[test]
fn retired_tables() {
    let base = "[plugins.a]\nschema = [\"a.sql\"]\ntables = [\"t\"]\nretired = [\"old\"]\n";
    let t = ("a.sql", "CREATE TABLE t (id integer);");
    let d = check(base, &[t]).unwrap();
    assert_eq!(d.retired["old"], "a");
    assert_eq!(d.managed(&Selection::all()).len(), 2);

    let listed = format!("{base}[plugins.b]\nschema = [\"b.sql\"]\ntables = [\"old\"]\n");
    fails(
        check(&listed, &[t, ("b.sql", "CREATE TABLE old (id integer);")]),
        "plugins.toml:4:12: ",
        &[
            "retired by plugin `a`",
            "listed in `tables` of plugin `b` (plugins.toml:7:11)",
        ],
    );

    let external = format!("{base}[external]\ntables = [\"old\"]\n");
    fails(
        check(&external, &[t]),
        "plugins.toml:4:12: ",
        &["retired", "declared external (plugins.toml:6:11)"],
    );

    fails(
        check(
            base,
            &[(
                "a.sql",
                "CREATE TABLE t (id integer);\nCREATE TABLE old (id integer);",
            )],
        ),
        "a.sql:2:14: ",
        &[
            "retired by plugin `a`",
            "still defined",
            "remove this CREATE TABLE",
        ],
    );

    fails(
        check(
            base,
            &[(
                "a.sql",
                "CREATE TABLE t (id integer, o integer REFERENCES old (id));",
            )],
        ),
        "a.sql:1:50: ",
        &[
            "references table `old`",
            "plugin `a` retires",
            "drop this foreign key",
        ],
    );
}

// Rule 6: external tables are nobody's.
#[test]
fn an_external_table_is_not_owned() {
    let toml = "[plugins.a]\nschema = [\"a.sql\"]\ntables = [\"t\"]\n[external]\ntables = [\"users\", \"t\"]\n";
    fails(
        check(toml, &[("a.sql", "CREATE TABLE t (id integer);")]),
        "plugins.toml:5:20: ",
        &[
            "`t` is declared external",
            "plugin `a` owns it (plugins.toml:3:11)",
        ],
    );
}

// Rule 7: the shape of plugins.toml.
#[test]
fn unknown_keys_are_errors() {
    fails(
        check("[plugins.a]\nschema = [\"a.sql\"]\ntable = [\"t\"]\n", &[]),
        "plugins.toml:3:1: ",
        &["unknown field `table`", "`tables`"],
    );
    fails(
        check("[plugins.a]\ntables = []\n[externals]\ntables = []\n", &[]),
        "plugins.toml:3:2: ",
        &["unknown field `externals`"],
    );
}

#[test]
fn schema_files_must_exist() {
    let toml = "[plugins.a]\nschema = [\"a.sql\", \"schemas/nope.sql\"]\ntables = [\"t\"]\n";
    fails(
        check(toml, &[("a.sql", "CREATE TABLE t (id integer);")]),
        "plugins.toml:2:20: ",
        &["schemas/nope.sql does not exist", "fix the path"],
    );
    // Paths are relative to the config's directory, and errors say so.
    let project = parse("conf/plugins.toml", toml).unwrap();
    let err = validate(
        &project,
        Dialect::Sqlite,
        &files(&[("a.sql", "CREATE TABLE t (id int,);")]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("conf/a.sql:1:"), "{err}");
}

#[test]
fn schema_files_are_listed_once() {
    let toml = "[plugins.a]\nschema = [\"a.sql\"]\ntables = []\n\
                [plugins.b]\nschema = [\"./a.sql\"]\ntables = []\n";
    fails(
        check(toml, &[]),
        "plugins.toml:5:11: ",
        &["`./a.sql` is already listed by plugin `a` at plugins.toml:2:11"],
    );
}

#[test]
fn plugin_names_are_not_empty() {
    fails(
        check("[plugins.\"\"]\ntables = []\n", &[]),
        "plugins.toml:1:10: ",
        &["empty plugin name"],
    );
    fails(
        check("[database]\n", &[]),
        "plugins.toml:1:1: ",
        &["no plugins"],
    );
}

#[test]
fn toml_syntax_errors_have_positions() {
    fails(
        check("[plugins.a]\ntables = [\"t\"\n", &[]),
        "plugins.toml:2:14: ",
        &[],
    );
    fails(
        check("[plugins.a]\ntables = []\nversion = 1.2\n", &[]),
        "plugins.toml:3:11: ",
        &["expected a string", "quotes"],
    );
}

// Rule 8: plugins can be ordered.
#[test]
fn plugin_cycles_are_errors() {
    let toml = "[plugins.a]\nschema = [\"a.sql\"]\ntables = [\"ta\"]\n\
                [plugins.b]\nschema = [\"b.sql\"]\ntables = [\"tb\"]\n\
                [plugins.c]\nschema = [\"c.sql\"]\ntables = [\"tc\"]\n";
    fails(
        check(
            toml,
            &[
                (
                    "a.sql",
                    "CREATE TABLE ta (id integer PRIMARY KEY, b integer REFERENCES tb);",
                ),
                (
                    "b.sql",
                    "CREATE TABLE tb (id integer PRIMARY KEY, c integer REFERENCES tc);",
                ),
                (
                    "c.sql",
                    "CREATE TABLE tc (id integer PRIMARY KEY, a integer REFERENCES ta);",
                ),
            ],
        ),
        "a.sql:1:63: ",
        &[
            "cycle: a → b → c → a",
            "`ta` of plugin `a` references `tb` of plugin `b`",
        ],
    );
}

#[test]
fn cycles_inside_one_plugin_are_fine() {
    let toml = "[plugins.a]\nschema = [\"a.sql\"]\ntables = [\"x\", \"y\"]\n";
    let d = check(
        toml,
        &[(
            "a.sql",
            "CREATE TABLE x (id integer PRIMARY KEY, y integer REFERENCES y);\n\
             CREATE TABLE y (id integer PRIMARY KEY, x integer REFERENCES x);",
        )],
    )
    .unwrap();
    assert_eq!(d.order, ["a"]);
}

#[test]
fn names_in_plugins_toml_fold_like_unquoted_identifiers() {
    let toml = "[plugins.a]\nschema = [\"a.sql\"]\ntables = [\"Computers\", \"Quoted\"]\n\
                [external]\ntables = [\"Users\"]\n";
    let sql = "CREATE TABLE Computers (id integer PRIMARY KEY, u integer REFERENCES users (id));\n\
               CREATE TABLE \"Quoted\" (id integer PRIMARY KEY);";
    let d = check_in(Dialect::Postgres, toml, &[("a.sql", sql)]).unwrap();
    assert_eq!(d.owner.keys().collect::<Vec<_>>(), ["Quoted", "computers"]);
    assert!(d.external.contains("users"));

    // SQLite compares table names without regard to case.
    let toml = "[plugins.a]\nschema = [\"a.sql\"]\ntables = [\"computers\", \"types\"]\n";
    let sql = "CREATE TABLE Types (id integer PRIMARY KEY);\n\
               CREATE TABLE Computers (id integer PRIMARY KEY, t integer REFERENCES TYPES (id));";
    let d = check(toml, &[("a.sql", sql)]).unwrap();
    assert_eq!(d.owner.keys().collect::<Vec<_>>(), ["Computers", "Types"]);
}

#[test]
fn adhoc_mode_owns_every_table() {
    let files = vec![
        (
            "a.sql".to_string(),
            "CREATE TABLE a (id integer PRIMARY KEY);".to_string(),
        ),
        (
            "b.sql".to_string(),
            "CREATE TABLE b (id integer PRIMARY KEY, a integer REFERENCES a);".to_string(),
        ),
    ];
    let d = validate_adhoc(&files, Dialect::Sqlite).unwrap();
    assert!(d.adhoc);
    assert_eq!(d.order, [ADHOC_PLUGIN]);
    assert_eq!(d.owner["a"], ADHOC_PLUGIN);
    assert_eq!(d.owner["b"], ADHOC_PLUGIN);
    assert_eq!(d.schema.tables["b"].foreign_keys[0].ref_columns, ["id"]);

    let err = validate_adhoc(&files[1..], Dialect::Sqlite)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("b.sql:1:62: "), "{err}");
    assert!(err.contains("none of the schema files defines"), "{err}");
}

/// The example project in the repository root passes every rule on every engine.
#[test]
fn the_example_project_loads() {
    for dialect in Dialect::ALL {
        let d = match load(Path::new("plugins.toml"), dialect) {
            Ok(d) => d,
            Err(e) => panic!("{dialect}: {e}"),
        };
        assert_eq!(
            d.order.first().map(String::as_str),
            Some("core"),
            "{dialect}"
        );
        assert_eq!(d.order.len(), 7, "{dialect}");
        assert!(!d.schema.tables.is_empty(), "{dialect}");
    }
}

#[test]
fn columns_count_characters_not_bytes() {
    let toml = "[plugins.a] # café ☕\nschema = [\"a.sql\"]\ntables = [\"café\", \"missing\"]\n";
    fails(
        check(toml, &[("a.sql", "CREATE TABLE \"café\" (id integer);")]),
        "plugins.toml:3:19: ",
        &["`missing`"],
    );
}

#[test]
fn a_missing_config_is_an_error_that_says_what_to_do() {
    let err = read(Path::new("no/such/plugins.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("cannot read no/such/plugins.toml: "),
        "{err}"
    );
    assert!(err.contains("--schema"), "{err}");
}

const SITES: &str = r#"[plugins.computers]
schema = ["schemas/computers.sql"]
tables = ["computertypes", "computers"]

[plugins.network]
schema = ["schemas/network.sql"]
tables = ["ports"]

[plugins.alerts]
schema = ["schemas/alerts.sql"]
tables = ["alerts"]

[external]
tables = ["users"]

[sites.north]
url = "env:NORTH_URL"
plugins = ["computers", "network", "alerts"]

[sites.south]
url = "sqlite://south.db"
plugins = ["computers"]
"#;

#[test]
fn sites_name_their_database_and_plugins() {
    let project = parse(CONFIG, SITES).unwrap();
    let north = &project.sites["north"];
    assert_eq!(north.url, SiteUrl::Env("NORTH_URL".into()));
    assert_eq!(
        north
            .url(|v| (v == "NORTH_URL").then(|| "sqlite://n.db".to_string()))
            .unwrap(),
        "sqlite://n.db"
    );
    let unset = north.url(|_| None).unwrap_err().to_string();
    assert!(unset.starts_with("plugins.toml:17:7: "), "{unset}");
    assert!(unset.contains("NORTH_URL, which is not set"), "{unset}");
    let south = &project.sites["south"];
    assert_eq!(south.url(|_| None).unwrap(), "sqlite://south.db");
    // On a site, the selection is the site's plugins; naming another is an error.
    let all = project.select_on(south, &[]).unwrap();
    assert!(all.includes("computers") && !all.includes("network"));
    let err = project
        .select_on(south, &["alerts".to_string()])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("plugin `alerts` is not on site `south`"),
        "{err}"
    );
    check(SITES, &shop_files()).unwrap();
}

#[test]
fn a_site_must_hold_what_its_plugins_reference() {
    let toml = SITES.replace(
        "plugins = [\"computers\", \"network\", \"alerts\"]",
        "plugins = [\"computers\", \"alerts\"]",
    );
    fails(
        check(&toml, &shop_files()),
        "plugins.toml:18:25: ",
        &[
            "site `north` has plugin `alerts` but not `network`",
            "`alerts` references `ports`",
            "schemas/alerts.sql:1:",
        ],
    );
}

#[test]
fn named_plugins_bring_their_dependencies_in_dependency_order() {
    let d = check(SITES, &shop_files()).unwrap();
    let named = d.select(&["alerts".to_string()]).unwrap();
    let (selection, added) = named.with_dependencies(&d);
    let plugins: Vec<&str> = added.iter().map(|a| a.plugin.as_str()).collect();
    assert_eq!(plugins, ["computers", "network"]);
    assert_eq!(added[1].needed_by, "alerts");
    assert_eq!(added[1].reference.to, "ports");
    assert!(selection.includes("computers") && selection.includes("alerts"));
    // Every plugin selected already: nothing to add.
    let (_, none) = Selection::all().with_dependencies(&d);
    assert!(none.is_empty());
}

/// A project's `timestamp` is MySQL's `datetime` (the same date and time on every engine); a
/// file written for MySQL alone keeps MySQL's `timestamp`.
#[test]
fn portable_timestamps_are_mysql_datetimes() {
    let toml = "[plugins.a]\nschema = [\"a.sql\"]\ntables = [\"t\"]\n\
                [plugins.b]\nschema = [\"b.sql\"]\ntables = [\"u\"]\n";
    let d = check_in(
        Dialect::Mysql,
        toml,
        &[
            ("a.sql", "CREATE TABLE t (at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), d timestamp);"),
            ("b.sql", "CREATE TABLE u (id int AUTO_INCREMENT PRIMARY KEY, at timestamp NULL);"),
        ],
    )
    .unwrap();
    let ty = |t: &str, c: &str| d.schema.tables[t].column(c).unwrap().ty.to_string();
    assert_eq!(ty("t", "at"), "datetime(3)");
    assert_eq!(ty("t", "d"), "datetime");
    assert_eq!(ty("u", "at"), "timestamp");
    for mysql_only in [
        "CREATE TABLE `u` (at timestamp);",
        "CREATE TABLE u (n int unsigned, at timestamp);",
        "CREATE TABLE u (at timestamp ON UPDATE CURRENT_TIMESTAMP) ENGINE=InnoDB;",
    ] {
        assert!(mysql_only_file(mysql_only), "{mysql_only}");
    }
    let portable = "-- `quoted` in a comment\nCREATE TABLE u (a int REFERENCES t (id) ON UPDATE CASCADE, s varchar(9) DEFAULT '`');";
    assert!(!mysql_only_file(portable));
}

fn mysql_only_file(text: &str) -> bool {
    crate::sql::parse_file(Dialect::Mysql, "x.sql", text)
        .unwrap()
        .mysql_only
}
