//! Tests of the PostgreSQL token rewrites.

use super::*;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::Tokenizer;

fn rewrite(sql: &str) -> String {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .unwrap();
    postgres(collapse_whitespace(tokens))
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .map(|t| t.token.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn identity_options_are_reordered() {
    assert_eq!(
        rewrite("a int GENERATED ALWAYS AS IDENTITY (START WITH -1 NO CYCLE INCREMENT BY 5 NO MAXVALUE MINVALUE -9)"),
        "a int GENERATED ALWAYS AS IDENTITY ( INCREMENT BY 5 MINVALUE - 9 NO MAXVALUE START WITH - 1 NO CYCLE )"
    );
}

#[test]
fn no_inherit_wraps_the_check() {
    assert_eq!(
        rewrite("CHECK ((a > 0)) NO INHERIT, b int"),
        "CHECK ( \"plinth no inherit\" ( ( a > 0 ) ) ) , b int"
    );
}

#[test]
fn match_full_qualifies_the_table() {
    assert_eq!(
        rewrite("a int REFERENCES s.p (id) MATCH FULL ON DELETE CASCADE, b int REFERENCES q MATCH SIMPLE"),
        "a int REFERENCES \"plinth match full\" . s . p ( id ) ON DELETE CASCADE , b int REFERENCES q"
    );
}

#[test]
fn typed_literals_and_default_casts() {
    assert_eq!(
        rewrite("a money DEFAULT money '1.999', b inet DEFAULT INET '::1', c money DEFAULT 1"),
        "a money DEFAULT '1.999' :: money , b inet DEFAULT '::1' :: INET , c money DEFAULT 1"
    );
    assert_eq!(
        rewrite("a numeric DEFAULT (0)::numeric NOT NULL, b text DEFAULT (now() AT TIME ZONE 'utc')::text, c timestamp(3) DEFAULT ('x')::timestamp(3) without time zone, d int DEFAULT (1)"),
        "a numeric DEFAULT ( ( 0 ) :: numeric ) NOT NULL , b text DEFAULT ( ( now ( ) AT TIME ZONE 'utc' ) :: text ) , c timestamp ( 3 ) DEFAULT ( ( 'x' ) :: timestamp ( 3 ) without time zone ) , d int DEFAULT ( 1 )"
    );
}

#[test]
fn array_suffix_becomes_brackets() {
    assert_eq!(
        rewrite("a integer array, b int array[3], c int[] DEFAULT ARRAY[1], d int DEFAULT (ARRAY(SELECT 1))"),
        "a integer [ ] , b int [ 3 ] , c int [ ] DEFAULT ARRAY [ 1 ] , d int DEFAULT ( ARRAY ( SELECT 1 ) )"
    );
}

#[test]
fn exclude_becomes_a_marked_check() {
    assert_eq!(
        rewrite("CREATE TABLE t (a int, CONSTRAINT x EXCLUDE USING GIST (a WITH &&, lower(b) text_ops DESC WITH =) WHERE (a > 0) DEFERRABLE)"),
        "CREATE TABLE t ( a int , CONSTRAINT x CHECK ( \"plinth exclude\" ( 'gist' , 'immediate' , ( a > 0 ) , \"plinth element\" ( a , NULL , 'asc' , '&&' ) , \"plinth element\" ( lower ( b ) , 'text_ops' , 'desc' , '=' ) ) ) )"
    );
    assert_eq!(
        rewrite("ALTER TABLE t ADD EXCLUDE (a WITH =)"),
        "ALTER TABLE t ADD CHECK ( \"plinth exclude\" ( '' , '' , NULL , \"plinth element\" ( a , NULL , 'asc' , '=' ) ) )"
    );
}

#[test]
fn rewritten_statements_keep_error_positions() {
    let sql = "CREATE TABLE t (\n  a int CHECK (a > ) NO INHERIT\n);";
    let err = crate::sql::parse_file(crate::model::Dialect::Postgres, "a.sql", sql)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("a.sql:2:20: "), "{err}");
}

#[test]
fn postgres_only_options_are_errors_elsewhere() {
    use crate::model::Dialect;
    for (dialect, sql) in [
        (
            Dialect::Sqlite,
            "CREATE TABLE t (a text);\nCREATE INDEX i ON t (a text_ops);",
        ),
        (
            Dialect::Mysql,
            "CREATE TABLE t (a int);\nCREATE INDEX i ON t (a) INCLUDE (a);",
        ),
        (
            Dialect::Sqlite,
            "CREATE TABLE t (a int,\n UNIQUE (a) DEFERRABLE);",
        ),
        (
            Dialect::Sqlite,
            "CREATE TABLE t (a int,\n UNIQUE NULLS NOT DISTINCT (a));",
        ),
    ] {
        let err = crate::sql::parse_file(dialect, "a.sql", sql)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("a.sql:"), "{err}");
        assert!(err.contains("PostgreSQL-only"), "{dialect}: {err}");
    }
}

#[test]
fn index_and_constraint_comments() {
    assert_eq!(
        rewrite("COMMENT ON INDEX i IS 'x'; COMMENT ON CONSTRAINT \"a.b\" ON public.t IS NULL"),
        "COMMENT ON TABLE \"plinth index\" . i IS 'x' ; COMMENT ON COLUMN \"plinth constraint\" . public . t . \"a.b\" IS NULL"
    );
}
