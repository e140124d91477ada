//! The widening rules one by one: what must not be destructive, and the real narrowings and
//! reinterpretations next to them.

use super::classify_type_change;
use crate::diff::TypeChange::{self, Narrowing, Reinterpreting, Widening};
use crate::model::{ColumnType, Dialect};

/// (from, to, what the change does), as the catalog of `dialect` spells the types.
fn check(dialect: Dialect, cases: &[(&str, &str, TypeChange)]) {
    for (from, to, expected) in cases {
        let ty = |t: &str| ColumnType::new(dialect, t);
        assert_eq!(
            classify_type_change(dialect, &ty(from), &ty(to)),
            *expected,
            "{dialect:?}: {from} → {to}"
        );
    }
}

#[test]
fn mysql() {
    check(
        Dialect::Mysql,
        &[
            ("enum('a','b')", "enum('a','b','c')", Widening),
            ("enum('a','b')", "enum('c','a','b')", Widening),
            ("enum('a','b','c')", "enum('a','b')", Narrowing),
            ("set('x','y')", "set('x','y','z')", Widening),
            ("tinyint unsigned", "smallint unsigned", Widening),
            ("smallint unsigned", "int unsigned", Widening),
            ("int unsigned", "bigint unsigned", Widening),
            ("bigint unsigned", "int unsigned", Narrowing),
            ("int unsigned", "bigint", Widening),
            ("smallint unsigned", "bigint", Widening),
            ("int unsigned", "int", Reinterpreting),
            ("int", "int unsigned", Reinterpreting),
            ("tinyint", "int", Widening),
            ("bigint", "int", Narrowing),
            ("float", "double", Widening),
            ("double", "float", Narrowing),
            ("char(3)", "char(5)", Widening),
            ("char(5)", "char(3)", Narrowing),
            ("varchar(20)", "varchar(40)", Widening),
            ("varchar(40)", "varchar(20)", Narrowing),
            ("text", "mediumtext", Widening),
            ("tinytext", "longtext", Widening),
            ("mediumtext", "text", Narrowing),
            ("blob", "mediumblob", Widening),
            ("longblob", "blob", Narrowing),
            ("varchar(255)", "text", Widening),
            ("varchar(20000)", "text", Narrowing),
            ("varchar(20000)", "mediumtext", Widening),
            ("text", "varchar(255)", Narrowing),
            ("decimal(10,2)", "decimal(12,2)", Widening),
            ("tinyint(1)", "int", Reinterpreting),
            ("int", "varchar(20)", Reinterpreting),
        ],
    );
}

#[test]
fn postgres() {
    check(
        Dialect::Postgres,
        &[
            ("real", "double precision", Widening),
            ("double precision", "real", Narrowing),
            ("character(3)", "character(5)", Widening),
            ("character(5)", "character(3)", Narrowing),
            ("character", "character(2)", Widening),
            ("smallint", "bigint", Widening),
            ("bigint", "smallint", Narrowing),
            ("character varying(10)", "character varying", Widening),
            ("character varying", "text", Widening),
            ("character varying(10)", "text", Widening),
            ("text", "character varying(10)", Narrowing),
            ("bit varying(4)", "bit varying(8)", Widening),
            ("integer", "real", Reinterpreting),
            ("integer", "text", Reinterpreting),
        ],
    );
}

#[test]
fn sqlite() {
    check(
        Dialect::Sqlite,
        &[
            ("NVARCHAR(200)", "NVARCHAR(300)", Widening),
            ("NVARCHAR(300)", "NVARCHAR(200)", Widening),
            ("VARCHAR(20)", "TEXT", Widening),
            ("INT", "BIGINT", Widening),
            ("TEXT", "INTEGER", Reinterpreting),
        ],
    );
}
