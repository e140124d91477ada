//! Applying without stopping the application, on PostgreSQL: enum values added and used in one
//! apply (the values committed first).

use plinth::model::Dialect;

use crate::cli::{stdout, succeeded};
use crate::engines::{plinth, TestDb};

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
