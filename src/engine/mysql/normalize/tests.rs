//! Tests of the MySQL/MariaDB rules: written SQL normalized as the server stores it.

use super::*;

#[test]
fn binary_attribute_becomes_a_collation() {
    assert_eq!(
        binary_attribute("CREATE TABLE t (a varchar(64) BINARY NOT NULL, b char BINARY)"),
        "CREATE TABLE t (a varchar(64) COLLATE binary NOT NULL, b char COLLATE binary)"
    );
    let untouched =
        "CREATE TABLE t (a binary(16), b varbinary(4), c int DEFAULT (CAST('x' AS BINARY)), \
         d varchar(9) DEFAULT ') binary' COMMENT 'x BINARY') -- ) BINARY";
    assert_eq!(binary_attribute(untouched), untouched);
}

#[test]
fn table_character_sets() {
    let parse = |sql: &str| {
        let mut parsed = crate::sql::parse_file(Dialect::Mysql, "t.sql", sql).unwrap();
        finish(&mut parsed.schema);
        parsed.schema.tables["t"].clone()
    };
    let t = parse(
        "CREATE TABLE t (a varchar(5) COLLATE utf8mb4_bin, b varchar(5) BINARY)
        DEFAULT CHARSET=utf8 COLLATE=UTF8_BIN",
    );
    assert_eq!(t.options["charset"], "utf8mb3");
    assert_eq!(t.options["collation"], "utf8mb3_bin");
    assert_eq!(t.columns[0].collation.as_deref(), Some("utf8mb4_bin"));
    assert_eq!(t.columns[1].collation, None);
    let t = parse("CREATE TABLE t (a varchar(5) BINARY) CHARACTER SET latin1");
    assert_eq!(t.options.get("collation"), None);
    assert_eq!(t.columns[0].collation.as_deref(), Some("latin1_bin"));
    let t = parse("CREATE TABLE t (a int, KEY h (a) USING HASH, KEY b (a) USING BTREE)");
    assert!(t.indexes.iter().all(|i| i.method.is_none()));
}

#[test]
fn defaults_by_type() {
    assert_eq!(
        normalize_default(&ColumnType::new(D, "bit(4)"), "B'0010'").as_deref(),
        Some("B'10'")
    );
    assert_eq!(
        normalize_default(&ColumnType::new(D, "bit(8)"), "5").as_deref(),
        Some("B'101'")
    );
    assert_eq!(
        normalize_default(&ColumnType::new(D, "decimal(10,2)"), "0").as_deref(),
        Some("0.00")
    );
    assert_eq!(
        normalize_default(&ColumnType::new(D, "decimal(10,2)"), "-1.005").as_deref(),
        Some("-1.01")
    );
    assert_eq!(
        normalize_default(&ColumnType::new(D, "decimal(5,2)"), "'1.5'").as_deref(),
        Some("1.50")
    );
    assert_eq!(
        normalize_default(&ColumnType::new(D, "decimal(5,0)"), "9.5").as_deref(),
        Some("10")
    );
    assert_eq!(
        normalize_default(&ColumnType::new(D, "int"), "'5'").as_deref(),
        Some("5")
    );
    assert_eq!(
        normalize_default(&ColumnType::new(D, "int"), "-1").as_deref(),
        Some("-1")
    );
    assert_eq!(
        normalize_default(&ColumnType::new(D, "double"), "1e20"),
        normalize_default(&ColumnType::new(D, "double"), "100000000000000000000")
    );
    assert_eq!(
        normalize_default(&ColumnType::new(D, "float"), "1.50").as_deref(),
        Some("1.5")
    );
    assert_eq!(
        normalize_default(&ColumnType::new(D, "varchar(10)"), "0").as_deref(),
        Some("'0'")
    );
    assert_eq!(
        normalize_default(&ColumnType::new(D, "varchar(10)"), "NULL"),
        None
    );
    assert_eq!(
        normalize_default(&ColumnType::new(D, "varchar(10)"), "'NULL'").as_deref(),
        Some("'NULL'")
    );
    assert_eq!(
        normalize_default(&ColumnType::new(D, "datetime(3)"), "'2020-01-01 10:00'").as_deref(),
        Some("'2020-01-01 10:00:00.000'")
    );
    assert_eq!(
        normalize_default(&ColumnType::new(D, "time"), "'10:00'").as_deref(),
        Some("'10:00:00'")
    );
    assert_eq!(
        normalize_default(&ColumnType::new(D, "datetime"), "CURRENT_TIMESTAMP").as_deref(),
        Some("CURRENT_TIMESTAMP")
    );
}
