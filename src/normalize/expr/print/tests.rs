//! Tests of the expression printer.

use super::*;
use crate::normalize::expr::parse;

fn p(d: Dialect, text: &str) -> String {
    print(d, &parse(d, text).unwrap()).unwrap()
}

#[test]
fn names_and_values_are_quoted_per_engine() {
    assert_eq!(p(Dialect::Mysql, "`a``b` > 'x\\\\'"), "`a``b` > 'x\\\\'");
    assert_eq!(p(Dialect::Mysql, "\"it's\""), "'it''s'");
    assert_eq!(p(Dialect::Sqlite, "\"x\"\"y\" > 0"), "\"x\"\"y\" > 0");
    assert_eq!(p(Dialect::Postgres, "\"x\"\"y\\\" > 0"), "\"x\"\"y\\\" > 0");
    assert_eq!(p(Dialect::Postgres, "s = $$a'b$$"), "s = 'a''b'");
    assert_eq!(p(Dialect::Postgres, "s = $t$x$$y$t$"), "s = 'x$$y'");
    assert_eq!(p(Dialect::Postgres, "s = E'a\\\\b'"), "s = 'a\\b'");
    assert_eq!(p(Dialect::Postgres, "- -1"), "- -1");
    assert_eq!(p(Dialect::Postgres, "-(-1)"), "-(-1)");
}

#[test]
fn forms_plinth_does_not_write_are_errors() {
    for text in [
        "x IN (SELECT 1)",
        "EXISTS (SELECT 1)",
        "$1 > 0",
        "count(*) OVER ()",
    ] {
        let e = parse(Dialect::Postgres, text).unwrap();
        assert!(print(Dialect::Postgres, &e).is_err(), "{text}");
    }
}

#[test]
fn types_are_types() {
    for ok in [
        "character varying(20)",
        "\"Mood\"",
        "timestamp(3) with time zone",
        "integer[]",
        "numeric(10,2)",
    ] {
        assert!(check_type_text(Dialect::Postgres, ok).is_ok(), "{ok}");
    }
    assert!(check_type_text(Dialect::Mysql, "enum('a','b\\\\')").is_ok());
    for bad in [
        "int; DROP TABLE victim",
        "int -- x",
        "int /* x */",
        "text) DEFAULT (1",
        "'x'",
    ] {
        assert!(check_type_text(Dialect::Postgres, bad).is_err(), "{bad}");
    }
    assert!(check_type_text(Dialect::Mysql, "enum('a\\')").is_err());
}
