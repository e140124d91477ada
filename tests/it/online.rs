//! Applying without stopping the application, on PostgreSQL: enum values added and used in one
//! apply (the values committed first); indexes built CONCURRENTLY after the transaction, and a
//! failed build's INVALID leftover dropped and built again by the next apply.

use plinth::model::Dialect;

use crate::cli::{code, stderr, stdout, succeeded};
use crate::engines::{exec, plinth, runtime, TestDb};

fn write(dir: &std::path::Path, sql: &str) {
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    std::fs::write(
        dir.join("plugins.toml"),
        "[plugins.app]\nschema = [\"schemas/app.sql\"]\ntables = [\"moods\"]\n",
    )
    .unwrap();
    std::fs::write(dir.join("schemas/app.sql"), sql).unwrap();
}

/// A value added to an enum type and used as a default in the same apply: PostgreSQL refuses
/// the use in the transaction that adds the value (`unsafe use of new value`), so the value is
/// committed first and the rest follows.
#[test]
fn an_enum_value_is_added_and_used_in_one_apply() {
    let Some(db) = TestDb::new(Dialect::Postgres) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.as_str();
    write(
        dir.path(),
        "CREATE TYPE mood AS ENUM ('ok', 'sad');\nCREATE TABLE moods (id integer PRIMARY KEY, m mood DEFAULT 'ok');\n",
    );
    succeeded(dir.path(), url, &["apply"]);
    write(
        dir.path(),
        "CREATE TYPE mood AS ENUM ('ok', 'sad', 'glad');\nCREATE TABLE moods (id integer PRIMARY KEY, m mood DEFAULT 'glad', n mood NOT NULL DEFAULT 'glad' CHECK (n <> 'sad'));\n",
    );
    let applied = plinth(dir.path(), &["apply", "--database-url", url]);
    let out = stdout(&applied);
    assert!(
        applied.status.success(),
        "{out}{}",
        crate::cli::stderr(&applied)
    );
    let added = out.find("ADD VALUE 'glad'").expect("the value is added");
    let used = out.find("DEFAULT 'glad'").expect("and used");
    assert!(added < used, "{out}");
    succeeded(dir.path(), url, &["check"]);
    // Two transactions, two history rows.
    let status = stdout(&plinth(dir.path(), &["status", "--database-url", url]));
    assert!(status.contains("in sync"), "{status}");
}

fn project(dir: &std::path::Path, online: bool, sql: &str) {
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    std::fs::write(
        dir.join("plugins.toml"),
        format!(
            "[plugins.app]\nschema = [\"schemas/app.sql\"]\ntables = [\"people\"]\nonline = {online}\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("schemas/app.sql"), sql).unwrap();
}

const PEOPLE: &str = "CREATE TABLE people (id integer PRIMARY KEY, email text);\n";

/// Online, an index on a table that stays is built CONCURRENTLY after the transaction (writes
/// go on); a build that fails leaves an INVALID index, which the next apply drops and builds
/// again.
#[test]
fn indexes_are_built_concurrently_and_a_failed_build_is_recovered() {
    let Some(db) = TestDb::new(Dialect::Postgres) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.as_str();
    project(dir.path(), false, PEOPLE);
    succeeded(dir.path(), url, &["apply"]);
    runtime().block_on(async {
        let mut conn = db.connect().await;
        exec(
            &mut conn,
            "INSERT INTO people VALUES (1, 'a@x'), (2, 'A@x'), (3, 'b@x')",
        )
        .await;
    });
    let indexed = format!(
        "{PEOPLE}CREATE INDEX people_email ON people (email);\nCREATE UNIQUE INDEX people_lower_email ON people (lower(email));\n"
    );
    // Without online: a plain build, writes waiting.
    project(dir.path(), false, &indexed);
    let plain = stdout(&plinth(dir.path(), &["plan", "--database-url", url]));
    assert!(
        plain.contains("CREATE INDEX \"people_email\" ON"),
        "{plain}"
    );
    // plugins.toml's `online = true`, as `--online` would.
    project(dir.path(), true, &indexed);
    let planned = stdout(&plinth(dir.path(), &["plan", "--database-url", url]));
    assert!(
        planned.contains("CREATE INDEX CONCURRENTLY \"people_email\" ON \"people\""),
        "{planned}"
    );
    // 'a@x' and 'A@x' are one lower-cased key: the unique build fails, the other stays.
    let failed = plinth(dir.path(), &["apply", "--database-url", url]);
    let said = stderr(&failed);
    assert_eq!(code(&failed), 2, "{said}");
    assert!(said.contains("leaves its index INVALID"), "{said}");
    let drift = plinth(dir.path(), &["check", "--database-url", url]);
    assert_eq!(code(&drift), 1);
    assert!(
        stderr(&drift).contains("drop invalid index \"people_lower_email\""),
        "{}",
        stderr(&drift)
    );
    runtime().block_on(async {
        let mut conn = db.connect().await;
        exec(&mut conn, "DELETE FROM people WHERE id = 2").await;
    });
    let recovered = plinth(dir.path(), &["apply", "--database-url", url]);
    let out = stdout(&recovered);
    assert_eq!(code(&recovered), 0, "{out}{}", stderr(&recovered));
    let dropped = out
        .find("DROP INDEX \"people_lower_email\"")
        .expect("dropped");
    let built = out
        .find("CREATE UNIQUE INDEX CONCURRENTLY \"people_lower_email\"")
        .expect("built again");
    assert!(dropped < built, "{out}");
    succeeded(dir.path(), url, &["check"]);
    // `--online` on the command line does the same for a plugin without `online = true`.
    project(
        dir.path(),
        false,
        &format!("{indexed}CREATE INDEX people_id_email ON people (id, email);\n"),
    );
    let online = plinth(dir.path(), &["apply", "--online", "--database-url", url]);
    assert!(
        stdout(&online).contains("CREATE INDEX CONCURRENTLY \"people_id_email\""),
        "{}",
        stdout(&online)
    );
    succeeded(dir.path(), url, &["check"]);
}

/// Online, a statement whose table another session holds gives up after a short wait and is
/// tried again (bounded), so the apply gets through once the table is free; without online
/// the same wait gives up once.
fn a_busy_table_is_retried(dialect: Dialect, hold: &'static str, release: &'static str) {
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    project(dir.path(), false, PEOPLE);
    succeeded(dir.path(), &url, &["apply"]);
    project(
        dir.path(),
        false,
        "CREATE TABLE people (id integer PRIMARY KEY, email text, nick text);\n",
    );
    let hold_for = |seconds: u64| {
        let (ready, wait) = std::sync::mpsc::channel();
        let url = url.clone();
        let holder = std::thread::spawn(move || {
            runtime().block_on(async {
                let mut conn = plinth::db::connect(&crate::engines::url(&url))
                    .await
                    .unwrap();
                exec(&mut conn, hold).await;
                ready.send(()).unwrap();
                tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
                exec(&mut conn, release).await;
            })
        });
        wait.recv().unwrap();
        holder
    };
    let args = [
        "apply",
        "--lock-timeout",
        "1",
        "--database-url",
        url.as_str(),
    ];
    let holder = hold_for(3);
    let once = plinth(dir.path(), &args);
    assert_eq!(code(&once), 2, "{}", stderr(&once));
    assert!(
        stderr(&once).contains("a table is busy"),
        "{}",
        stderr(&once)
    );
    holder.join().unwrap();
    let holder = hold_for(3);
    let retried = plinth(dir.path(), &[&args[..], &["--online"]].concat());
    assert_eq!(code(&retried), 0, "{}", stderr(&retried));
    holder.join().unwrap();
    succeeded(dir.path(), &url, &["check"]);
}

#[test]
fn a_busy_table_is_retried_postgres() {
    a_busy_table_is_retried(
        Dialect::Postgres,
        "BEGIN; LOCK TABLE people IN ACCESS SHARE MODE;",
        "ROLLBACK",
    );
}

#[test]
fn a_busy_table_is_retried_mysql() {
    a_busy_table_is_retried(Dialect::Mysql, "LOCK TABLES people READ", "UNLOCK TABLES");
}

/// Online, a foreign key and a check (named: a name the server picks cannot be validated by
/// name, so those are added in the transaction) are added NOT VALID and validated after it,
/// and a column is made NOT NULL through a validated check; a key the database holds NOT
/// VALID is drift, which the next apply replaces.
#[test]
fn keys_are_validated_after_the_transaction_and_not_null_goes_through_a_check() {
    let Some(db) = TestDb::new(Dialect::Postgres) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.as_str();
    let write = |sql: &str| {
        std::fs::create_dir_all(dir.path().join("schemas")).unwrap();
        std::fs::write(
            dir.path().join("plugins.toml"),
            "[plugins.app]\nschema = [\"schemas/app.sql\"]\ntables = [\"teams\", \"people\"]\nonline = true\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("schemas/app.sql"), sql).unwrap();
    };
    write(
        "CREATE TABLE teams (id integer PRIMARY KEY);\nCREATE TABLE people (id integer PRIMARY KEY, team_id integer, age integer, name text);\n",
    );
    succeeded(dir.path(), url, &["apply"]);
    runtime().block_on(async {
        let mut conn = db.connect().await;
        exec(
            &mut conn,
            "INSERT INTO teams VALUES (1); INSERT INTO people VALUES (1, 1, 30, 'Ann'), (2, NULL, 40, 'Bo')",
        )
        .await;
    });
    write(
        "CREATE TABLE teams (id integer PRIMARY KEY);\nCREATE TABLE people (id integer PRIMARY KEY, team_id integer CONSTRAINT people_team REFERENCES teams (id), age integer CONSTRAINT adult CHECK (age > 17), name text NOT NULL);\n",
    );
    let applied = plinth(dir.path(), &["apply", "--database-url", url]);
    let out = stdout(&applied);
    assert_eq!(code(&applied), 0, "{out}{}", stderr(&applied));
    for expected in [
        "ALTER TABLE \"people\" ADD CONSTRAINT \"people_team\" FOREIGN KEY (\"team_id\") REFERENCES \"teams\" (\"id\") NOT VALID;\nALTER TABLE \"people\" VALIDATE CONSTRAINT \"people_team\";",
        "ALTER TABLE \"people\" ADD CONSTRAINT \"adult\" CHECK (age > 17) NOT VALID;\nALTER TABLE \"people\" VALIDATE CONSTRAINT \"adult\";",
        "ALTER TABLE \"people\" ADD CONSTRAINT \"plinth_nn_name\" CHECK (\"name\" IS NOT NULL) NOT VALID;\nALTER TABLE \"people\" VALIDATE CONSTRAINT \"plinth_nn_name\";\nALTER TABLE \"people\" ALTER COLUMN \"name\" SET NOT NULL;\nALTER TABLE \"people\" DROP CONSTRAINT \"plinth_nn_name\";",
    ] {
        assert!(out.contains(expected), "{expected}\n---\n{out}");
    }
    succeeded(dir.path(), url, &["check"]);
    // A key left NOT VALID (a validation that failed) is drift; the next apply replaces it.
    runtime().block_on(async {
        let mut conn = db.connect().await;
        exec(
            &mut conn,
            "ALTER TABLE people DROP CONSTRAINT people_team; \
             ALTER TABLE people ADD CONSTRAINT people_team FOREIGN KEY (team_id) REFERENCES teams (id) NOT VALID",
        )
        .await;
    });
    let drift = plinth(dir.path(), &["check", "--database-url", url]);
    assert_eq!(code(&drift), 1, "{}", stderr(&drift));
    succeeded(dir.path(), url, &["apply"]);
    succeeded(dir.path(), url, &["check"]);
}

/// Online on MySQL/MariaDB: an `ALTER TABLE` runs `ALGORITHM=INSTANT` or `INPLACE, LOCK=NONE`
/// where the server can; where it cannot (a column's type changed: the table is copied), the
/// apply is refused unless `rewrite_table` is allowed.
#[test]
fn mysql_alters_in_place_or_only_when_allowed() {
    let Some(db) = TestDb::new(Dialect::Mysql) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.as_str();
    project(dir.path(), true, PEOPLE);
    succeeded(dir.path(), url, &["apply"]);
    runtime().block_on(async {
        let mut conn = db.connect().await;
        exec(&mut conn, "INSERT INTO people VALUES (1, 'a@x')").await;
    });
    // A column added: in place.
    project(
        dir.path(),
        true,
        "CREATE TABLE people (id integer PRIMARY KEY, email text, nick varchar(20));\n",
    );
    succeeded(dir.path(), url, &["apply"]);
    succeeded(dir.path(), url, &["check"]);
    // A type changed: MySQL copies the table; refused online, nothing changed.
    project(
        dir.path(),
        true,
        "CREATE TABLE people (id bigint PRIMARY KEY, email text, nick varchar(20));\n",
    );
    let refused = plinth(dir.path(), &["apply", "--database-url", url]);
    let said = stderr(&refused);
    assert_eq!(code(&refused), 2, "{said}");
    assert!(said.contains("MySQL cannot run this online"), "{said}");
    assert!(said.contains("--allow rewrite_table"), "{said}");
    assert_eq!(
        code(&plinth(dir.path(), &["check", "--database-url", url])),
        1
    );
    succeeded(dir.path(), url, &["apply", "--allow", "rewrite_table"]);
    succeeded(dir.path(), url, &["check"]);
}
