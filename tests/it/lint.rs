//! `plinth lint` through the binary: offline findings with their places in the three formats
//! and the exit code, `plan` refusing a schema with a lint error before it connects, and
//! `--live` adding the plan's hazards and what the data says.

use std::path::Path;

use plinth::model::Dialect;

use crate::cli::{code, stderr, stdout, succeeded};
use crate::engines::{exec, plinth, runtime, TestDb};

fn project(dir: &Path, sql: &str) {
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    std::fs::write(
        dir.join("plugins.toml"),
        "[plugins.app]\nschema = [\"schemas/app.sql\"]\ntables = [\"users\", \"notes\"]\n",
    )
    .unwrap();
    std::fs::write(dir.join("schemas/app.sql"), sql).unwrap();
}

const TYPO: &str = "CREATE TABLE users (id integer PRIMARY KEY, age integr);\n\
                    CREATE TABLE notes (id integer PRIMARY KEY, user_id integer REFERENCES users (id));\n";

#[test]
fn lint_points_at_each_finding_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), TYPO);
    let text = plinth(dir.path(), &["lint", "--dialect", "postgres"]);
    assert_eq!(code(&text), 1, "an error: exit 1");
    assert_eq!(
        stdout(&text),
        "schemas/app.sql:1:45: error[unknown_type]: column `users`.`age`: PostgreSQL has no type `integr`; did you mean `integer`?\n\
         schemas/app.sql:2:72: warning[fk_without_index]: foreign key `notes` (user_id) has no index: each delete or key update in `users` scans `notes`; add CREATE INDEX ON notes (user_id)\n"
    );
    assert!(stderr(&text).contains("1 error(s), 1 warning(s)"));
    let github = stdout(&plinth(
        dir.path(),
        &["lint", "--dialect", "postgres", "--format", "github"],
    ));
    assert!(
        github.starts_with(
            "::error file=schemas/app.sql,line=1,col=45,title=plinth unknown_type::column"
        ),
        "{github}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&plinth(
        dir.path(),
        &["lint", "--dialect", "mysql", "--format", "json"],
    )))
    .unwrap();
    assert_eq!(json["errors"], 1);
    assert_eq!(json["findings"][0]["code"], "unknown_type");
    assert_eq!(json["findings"][0]["line"], 1);
    // A warning alone exits 0.
    project(dir.path(), &TYPO.replace("integr", "integer"));
    assert_eq!(
        code(&plinth(dir.path(), &["lint", "--dialect", "postgres"])),
        0
    );
}

#[test]
fn plan_refuses_a_lint_error_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), TYPO);
    // Nothing listens there: the refusal comes first.
    let o = plinth(
        dir.path(),
        &[
            "plan",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("schemas/app.sql:1:45: [unknown_type]"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn lint_live_adds_the_plan_hazards_and_the_data() {
    let Some(db) = TestDb::new(Dialect::Sqlite) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.as_str();
    project(
        dir.path(),
        "CREATE TABLE users (id integer PRIMARY KEY, email text, age integer);\nCREATE TABLE notes (id integer PRIMARY KEY);\n",
    );
    succeeded(dir.path(), url, &["apply"]);
    runtime().block_on(async {
        let mut conn = db.connect().await;
        exec(
            &mut conn,
            "INSERT INTO users VALUES (1, 'a', 3), (2, 'a', 4)",
        )
        .await;
    });
    project(
        dir.path(),
        "CREATE TABLE users (id integer PRIMARY KEY, email text UNIQUE);\nCREATE TABLE notes (id integer PRIMARY KEY);\n",
    );
    let o = plinth(dir.path(), &["lint", "--live", "--database-url", url]);
    let out = stdout(&o);
    assert_eq!(code(&o), 1, "{out}{}", stderr(&o));
    assert!(
        out.contains("schemas/app.sql:1:14: error[add_unique]: [app] \"users\": unique (\"email\"): 1 value repeated (\"email\": 'a')"),
        "{out}"
    );
    assert!(
        out.contains("error[drop_column]: [app] drops column `users`.`age`"),
        "{out}"
    );
}
