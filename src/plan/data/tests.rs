use super::*;
use crate::model::{Check, ColumnType, Name, PrimaryKey, Unique};
use crate::plan::{Phase, Step};

fn users(dialect: Dialect) -> Table {
    let mut t = Table::new("users");
    for (name, ty) in [
        ("id", "integer"),
        ("email", "varchar(40)"),
        ("qty", "integer"),
    ] {
        let ty = match (dialect, ty) {
            (Dialect::Postgres, "varchar(40)") => "character varying(40)",
            (Dialect::Mysql, "integer") => "int",
            _ => ty,
        };
        t.columns
            .push(Column::new(name, ColumnType::new(dialect, ty)));
    }
    t.primary_key = Some(PrimaryKey {
        name: Name::Generated("users_pkey".into()),
        columns: vec!["id".into()],
        deferrable: Default::default(),
        comment: None,
    });
    t
}

fn alter(table: &str, change: TableChange) -> Step {
    Step {
        phase: Phase::AlterTable,
        table: table.into(),
        action: Action::Alter {
            table: table.into(),
            change,
        },
        hazards: Vec::new(),
    }
}

fn live(dialect: Dialect) -> Schema {
    let mut schema = Schema::default();
    schema.tables.insert("users".into(), users(dialect));
    schema
}

fn unique(columns: &[&str]) -> TableChange {
    TableChange::AddUnique(Unique {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        name: Name::Generated("u".into()),
        nulls_not_distinct: false,
        deferrable: Default::default(),
        comment: None,
    })
}

#[test]
fn a_unique_key_asks_for_repeated_values_shown_by_themselves() {
    let plan = Plan {
        online: false,
        dialect: Dialect::Postgres,
        steps: vec![alter("users", unique(&["email"]))],
    };
    let probes = probes(&plan, &live(Dialect::Postgres)).expect("probes");
    let [p] = probes.as_slice() else {
        panic!("{probes:?}")
    };
    assert_eq!(p.verdict, Verdict::Fails);
    assert_eq!(
        p.count,
        "SELECT COUNT(*) FROM (SELECT 1 AS x FROM \"users\" WHERE \"email\" IS NOT NULL GROUP BY \"email\" HAVING COUNT(*) > 1 LIMIT 1000001) AS plinth_rows"
    );
    let (key, sample) = p.sample.as_ref().expect("a sample");
    assert_eq!(key, &["email".to_string()]);
    assert_eq!(
        sample,
        "SELECT CAST(\"email\" AS text) FROM \"users\" WHERE \"email\" IS NOT NULL GROUP BY \"email\" HAVING COUNT(*) > 1 ORDER BY \"email\" LIMIT 3"
    );
}

#[test]
fn what_the_live_database_lacks_is_not_asked() {
    // A column the plan adds, a table it creates: nothing to ask yet.
    let plan = Plan {
        online: false,
        dialect: Dialect::Mysql,
        steps: vec![
            alter("users", unique(&["nick"])),
            alter("orders", unique(&["id"])),
        ],
    };
    assert_eq!(
        probes(&plan, &live(Dialect::Mysql)).expect("probes"),
        vec![]
    );
}

#[test]
fn a_check_is_asked_for_the_rows_that_break_it_shown_by_their_key() {
    let expr = crate::normalize::expr::canonical_text(Dialect::Sqlite, "qty >= 0").expect("expr");
    let plan = Plan {
        online: false,
        dialect: Dialect::Sqlite,
        steps: vec![alter(
            "users",
            TableChange::AddCheck(Check {
                expr,
                name: Name::Generated("c".into()),
                no_inherit: false,
                not_valid: false,
                comment: None,
            }),
        )],
    };
    let probes = probes(&plan, &live(Dialect::Sqlite)).expect("probes");
    assert_eq!(
        probes[0].count,
        "SELECT COUNT(*) FROM (SELECT 1 AS x FROM \"users\" WHERE NOT (\"qty\" >= 0) LIMIT 1000001) AS plinth_rows"
    );
    assert_eq!(
        probes[0].sample.as_ref().map(|(_, s)| s.as_str()),
        Some("SELECT CAST(\"id\" AS TEXT) FROM \"users\" WHERE NOT (\"qty\" >= 0) ORDER BY \"id\" LIMIT 3")
    );
}

#[test]
fn a_finding_says_how_many_and_shows_a_few_keys_cut_short() {
    let plan = Plan {
        online: false,
        dialect: Dialect::Postgres,
        steps: vec![alter("users", unique(&["email"]))],
    };
    let probes = probes(&plan, &live(Dialect::Postgres)).expect("probes");
    let long = "x".repeat(60);
    let f = Finding::new(
        Dialect::Postgres,
        &probes[0],
        Ok((
            ROW_CAP + 1,
            vec![vec![Some("it's".into())], vec![Some(long)], vec![None]],
        )),
    );
    assert!(f.fails());
    assert_eq!(
        f.message,
        format!(
            "\"users\": unique (\"email\"): more than 1,000,000 values repeated (\"email\": 'it''s', '{}…', NULL)",
            "x".repeat(40)
        )
    );
    let unasked = Finding::new(Dialect::Postgres, &probes[0], Err("timeout".into()));
    assert!(!unasked.fails());
    assert_eq!(unasked.verdict, Verdict::Unchecked);
}

#[test]
fn thousands_are_grouped() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1000), "1,000");
    assert_eq!(thousands(1234567), "1,234,567");
}

#[test]
fn a_narrower_type_is_asked_for_the_values_that_do_not_fit() {
    let mut t = Table::new("t");
    for (name, ty) in [
        ("id", "int"),
        ("code", "varchar(20)"),
        ("n", "bigint unsigned"),
    ] {
        t.columns
            .push(Column::new(name, ColumnType::new(Dialect::Mysql, ty)));
    }
    let mut schema = Schema::default();
    schema.tables.insert("t".into(), t.clone());
    let retype = |column: &str, ty: &str| {
        let from = t.column(column).expect("column").clone();
        let mut to = from.clone();
        to.ty = ColumnType::new(Dialect::Mysql, ty);
        let diff = crate::diff::diff_table(Dialect::Mysql, &t, &{
            let mut after = t.clone();
            *after.column_mut(column).expect("column") = to;
            after
        });
        alter("t", diff.into_iter().next().expect("a change"))
    };
    let plan = Plan {
        online: false,
        dialect: Dialect::Mysql,
        steps: vec![retype("code", "varchar(5)"), retype("n", "smallint")],
    };
    let probes = probes(&plan, &schema).expect("probes");
    let filters: Vec<&str> = probes.iter().map(|p| p.count.as_str()).collect();
    assert_eq!(
        filters,
        [
            "SELECT COUNT(*) FROM (SELECT 1 AS x FROM `t` WHERE CHAR_LENGTH(`code`) > 5 LIMIT 1000001) AS plinth_rows",
            "SELECT COUNT(*) FROM (SELECT 1 AS x FROM `t` WHERE `n` < -32768 OR `n` > 32767 LIMIT 1000001) AS plinth_rows",
        ]
    );
    // No primary key: how many, and no keys to show.
    assert!(probes.iter().all(|p| p.sample.is_none()));
}

#[test]
fn a_foreign_key_is_asked_for_the_values_it_misses() {
    let mut orders = Table::new("orders");
    for name in ["id", "user_id"] {
        orders.columns.push(Column::new(
            name,
            ColumnType::new(Dialect::Postgres, "integer"),
        ));
    }
    let mut schema = live(Dialect::Postgres);
    schema.tables.insert("orders".into(), orders);
    let fk = ForeignKey {
        columns: vec!["user_id".into()],
        ref_table: "users".into(),
        ref_columns: vec!["id".into()],
        on_delete: crate::model::FkAction::NoAction,
        on_update: crate::model::FkAction::NoAction,
        deferrable: Default::default(),
        name: Name::Generated("fk".into()),
        match_full: false,
        not_valid: false,
        comment: None,
    };
    let plan = Plan {
        online: false,
        dialect: Dialect::Postgres,
        steps: vec![alter("orders", TableChange::AddForeignKey(fk.clone()))],
    };
    let probes = probes(&plan, &schema).expect("probes");
    assert_eq!(
        probes[0].sample.as_ref().map(|(_, s)| s.as_str()),
        Some(
            "SELECT CAST(plinth_child.\"user_id\" AS text) FROM \"orders\" AS plinth_child \
             WHERE plinth_child.\"user_id\" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM \"users\" \
             AS plinth_parent WHERE plinth_parent.\"id\" = plinth_child.\"user_id\") GROUP BY \
             plinth_child.\"user_id\" ORDER BY plinth_child.\"user_id\" LIMIT 3"
        )
    );
    // A referenced table the plan creates holds no row yet: every value is missed.
    schema.tables.remove("users");
    let probes = super::probes(&plan, &schema).expect("probes");
    assert!(
        probes[0]
            .count
            .contains("WHERE plinth_child.\"user_id\" IS NOT NULL LIMIT"),
        "{}",
        probes[0].count
    );
}
