//! The typed-literal rules and the column-type step, checked against what PostgreSQL 15
//! prints (`pg_get_expr`) for the same SQL.

use super::*;
use crate::normalize::finish;
use crate::sql::parse_file;

fn pg(text: &str) -> crate::model::Expression {
    expr::canonical_text(PG, text).unwrap()
}

/// One table's defaults and checks, parsed and finished.
fn table(ddl: &str) -> crate::model::Table {
    let mut schema = parse_file(PG, "t.sql", ddl).unwrap().schema;
    finish(PG, &mut schema);
    schema.tables.into_values().next().unwrap()
}

fn default_of(ddl: &str, column: &str) -> crate::model::Expression {
    table(ddl).column(column).unwrap().default.clone().unwrap()
}

/// A table as inspection builds it: `columns` declared, then the catalog's texts read in.
fn catalog_table(columns: &str, default: Option<&str>, check: Option<&str>) -> crate::model::Table {
    let ddl = match check {
        Some(_) => format!("CREATE TABLE t ({columns}, CHECK (true))"),
        None => format!("CREATE TABLE t ({columns})"),
    };
    let mut schema = parse_file(PG, "t.sql", &ddl).unwrap().schema;
    let t = schema.tables.values_mut().next().unwrap();
    if let Some(d) = default {
        t.columns[0].default = Some(pg(d));
    }
    if let Some(c) = check {
        t.checks[0].expr = pg(c);
    }
    finish(PG, &mut schema);
    schema.tables.into_values().next().unwrap()
}

#[test]
fn typed_literals_print_as_the_catalog_prints_them() {
    let cases = [
        ("5", "integer", Typed::Number("5".into())),
        ("-1", "integer", Typed::Number("-1".into())),
        ("2", "bigint", Typed::Text("2".into())),
        ("3000000000", "bigint", Typed::Number("3000000000".into())),
        ("1.5", "numeric", Typed::Number("1.5".into())),
        ("-1.5", "numeric", Typed::Number("-1.5".into())),
        ("1", "numeric", Typed::Text("1".into())),
        ("yes", "boolean", Typed::Bool(true)),
        ("1.00", "money", Typed::Text("$1.00".into())),
        ("1.999", "money", Typed::Text("$2.00".into())),
        ("1000000.5", "money", Typed::Text("$1,000,000.50".into())),
        ("-0.005", "money", Typed::Text("-$0.01".into())),
        ("$5", "money", Typed::Text("$5.00".into())),
        ("90 minutes", "interval", Typed::Text("01:30:00".into())),
        (
            "1 day 2 hours",
            "interval",
            Typed::Text("1 day 02:00:00".into()),
        ),
        ("14 months", "interval", Typed::Text("1 year 2 mons".into())),
        ("1 week", "interval", Typed::Text("7 days".into())),
        (
            "-1 day 2 hours",
            "interval",
            Typed::Text("-1 days +02:00:00".into()),
        ),
        (
            "1 day -2 hours",
            "interval",
            Typed::Text("1 day -02:00:00".into()),
        ),
        ("1.5 years", "interval", Typed::Text("1 year 6 mons".into())),
        ("1.5 mons", "interval", Typed::Text("1 mon 15 days".into())),
        (
            "2.5 weeks",
            "interval",
            Typed::Text("17 days 12:00:00".into()),
        ),
        (
            "1 hour 30 minutes 15.5 seconds",
            "interval",
            Typed::Text("01:30:15.5".into()),
        ),
        ("0", "interval", Typed::Text("00:00:00".into())),
        ("-01:30", "interval", Typed::Text("-01:30:00".into())),
        (
            "1 y 2 mon 3 d",
            "interval",
            Typed::Text("1 year 2 mons 3 days".into()),
        ),
        (
            "2020-01-01",
            "timestamp without time zone",
            Typed::Text("2020-01-01 00:00:00".into()),
        ),
        (
            "2020-01-01T10:00",
            "timestamp without time zone",
            Typed::Text("2020-01-01 10:00:00".into()),
        ),
        ("'x", "text", Typed::Text("'x".into())),
    ];
    for (value, ty, want) in cases {
        assert_eq!(typed(value, ty), want, "{value} as {ty}");
    }
}

#[test]
fn interval_qualifiers_truncate() {
    use interval::Field as F;
    let cases = [
        ("1", F::Year, "1 year"),
        ("1.5", F::Year, "1 year"),
        ("1.5", F::Hour, "01:00:00"),
        ("90", F::Minute, "01:30:00"),
        ("1.5", F::Day, "1 day"),
        ("25", F::Hour, "25:00:00"),
        ("-1", F::Year, "-1 years"),
        ("2", F::Month, "2 mons"),
        ("1.25", F::Second, "00:00:01.25"),
    ];
    for (value, field, want) in cases {
        assert_eq!(
            interval::normalize(value, Some((field, None))).as_deref(),
            Some(want),
            "{value} {field:?}"
        );
    }
    assert_eq!(pg("INTERVAL '1' YEAR"), "'1 year'::interval");
    assert_eq!(pg("'1 year'::interval"), "'1 year'::interval");
    assert_eq!(
        pg("now() + INTERVAL '3 days'"),
        "now() + '3 days'::interval"
    );
}

#[test]
fn now_and_current_timestamp_stay_apart() {
    assert_eq!(pg("now()"), "now()");
    assert_eq!(pg("NOW()"), "now()");
    assert_eq!(pg("pg_catalog.now()"), "now()");
    assert_eq!(pg("current_timestamp"), "CURRENT_TIMESTAMP");
    assert_eq!(pg("CURRENT_TIMESTAMP(3)"), "CURRENT_TIMESTAMP(3)");
    assert_eq!(pg("localtimestamp"), "LOCALTIMESTAMP");
    assert_eq!(pg("current_date"), "CURRENT_DATE");
    assert_eq!(pg("current_user"), "CURRENT_USER");
    assert_eq!(
        pg("((now() AT TIME ZONE 'utc'::text))::text"),
        pg("((now() AT TIME ZONE 'utc')::text)")
    );
}

/// (declared column, user's default, catalog's default): both sides meet.
#[test]
fn defaults_meet_the_catalog() {
    let cases = [
        ("bigint", "2", "2"),
        ("bigint", "bigint '2'", "'2'::bigint"),
        ("bigint", "'2'", "'2'::bigint"),
        ("bigint", "2::bigint", "(2)::bigint"),
        ("int", "-1", "'-1'::integer"),
        ("bigint", "-2", "'-2'::integer"),
        ("bigint", "3000000000", "'3000000000'::bigint"),
        ("bigint", "'3000000000'", "'3000000000'::bigint"),
        ("int", "'5'", "5"),
        ("int", "int '1'", "1"),
        ("numeric", "numeric '1'", "'1'::numeric"),
        ("numeric", "numeric '1.5'", "1.5"),
        ("numeric", "-1.5", "'-1.5'::numeric"),
        ("numeric", "0::numeric", "(0)::numeric"),
        ("numeric[]", "ARRAY[numeric '1']", "ARRAY['1'::numeric]"),
        ("boolean", "boolean 'true'", "true"),
        ("boolean", "'t'", "true"),
        ("money", "'1.00'::money", "'$1.00'::money"),
        ("money", "'1.999'", "'$2.00'::money"),
        ("interval", "interval '1' year", "'1 year'::interval"),
        ("interval", "interval '90' minute", "'01:30:00'::interval"),
        ("interval", "'90 minutes'", "'01:30:00'::interval"),
        ("varchar(10)", "'x'", "'x'::character varying"),
        ("varchar(10)", "'x'::varchar", "'x'::character varying"),
        ("varchar(10)", "'x'::text", "'x'::text"),
        (
            "varchar(10)",
            "'x'::varchar(10)",
            "'x'::character varying(10)",
        ),
        ("char(3)", "'JPN'::bpchar", "'JPN'::bpchar"),
        ("char(3)", "'JPN'", "'JPN'::bpchar"),
        ("text", "'x'::varchar", "'x'::character varying"),
        ("int[]", "'{}'::int[]", "'{}'::integer[]"),
        (
            "timestamp",
            "'2020-01-01'",
            "'2020-01-01 00:00:00'::timestamp without time zone",
        ),
        (
            "timestamptz",
            "'0001-01-01 00:00:00'::timestamp without time zone",
            "'0001-01-01 00:00:00'::timestamp without time zone",
        ),
        ("timestamptz", "now()", "now()"),
        (
            "timestamptz",
            "now() + interval '3 days'",
            "(now() + '3 days'::interval)",
        ),
        (
            "timestamp",
            "(now() AT TIME ZONE 'utc')",
            "(now() AT TIME ZONE 'utc'::text)",
        ),
        (
            "text",
            "((now() AT TIME ZONE 'utc')::text)",
            "((now() AT TIME ZONE 'utc'::text))::text",
        ),
        (
            "uuid",
            "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'",
            "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid",
        ),
    ];
    for (ty, user, catalog) in cases {
        let user_side = default_of(&format!("CREATE TABLE t (c {ty} DEFAULT {user})"), "c");
        let catalog_side = catalog_table(&format!("c {ty}"), Some(catalog), None).columns[0]
            .default
            .clone()
            .unwrap();
        assert_eq!(user_side, catalog_side, "{ty} DEFAULT {user} vs {catalog}");
    }
    // What is written back says what the user said.
    let d =
        |ty: &str, user: &str| default_of(&format!("CREATE TABLE t (c {ty} DEFAULT {user})"), "c");
    assert_eq!(d("bigint", "bigint '2'"), "'2'");
    assert_eq!(d("bigint", "2"), "2");
    assert_eq!(d("timestamptz", "now()"), "now()");
    assert_eq!(d("varchar(10)", "'x'::text"), "'x'::text");
    assert_eq!(d("varchar(16)", "NULL"), "NULL");
    let t = table("CREATE TABLE t (a int DEFAULT NULL, b interval(2) DEFAULT NULL)");
    assert!(t.columns.iter().all(|c| c.default.is_none()));
}

/// (columns, user's check, catalog's check).
#[test]
fn checks_meet_the_catalog() {
    let cases = [
        ("a numeric", "a = numeric '1'", "(a = '1'::numeric)"),
        ("a numeric", "a = '1'", "(a = '1'::numeric)"),
        ("a numeric", "a = 1", "(a = (1)::numeric)"),
        ("b numeric", "b = numeric '1.5'", "(b = 1.5)"),
        ("b bigint", "b = '2'", "(b = '2'::bigint)"),
        ("b bigint", "b = 2", "(b = 2)"),
        ("c int", "c = '3'", "(c = 3)"),
        ("c int", "c > 1.5", "((c)::numeric > 1.5)"),
        ("c int", "c = numeric '1'", "((c)::numeric = '1'::numeric)"),
        ("c int", "CAST(c AS text) <> 'x'", "((c)::text <> 'x'::text)"),
        ("d varchar(5)", "d = 'x'", "((d)::text = 'x'::text)"),
        ("d varchar(5), h text", "d::text = h", "((d)::text = h)"),
        ("d varchar(5)", "d IN ('a', 'b')", "((d)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))"),
        ("d varchar(5)", "d LIKE 'a%'", "((d)::text ~~ 'a%'::text)"),
        ("e char(3)", "e = 'x'", "(e = 'x'::bpchar)"),
        ("i date", "i > '2020-01-01'", "(i > '2020-01-01'::date)"),
        ("f real", "f > '1.5'", "(f > '1.5'::real)"),
        ("f real", "f > 1.5", "(f > (1.5)::double precision)"),
        ("g smallint", "g = '5'", "(g = '5'::smallint)"),
        ("a numeric", "a > -1", "(a > ('-1'::integer)::numeric)"),
        ("price numeric(10,2), qty int", "price * qty > 0", "((price * (qty)::numeric) > (0)::numeric)"),
        ("qty int", "round(qty, 2) > 0", "(round((qty)::numeric, 2) > (0)::numeric)"),
        ("a int", "a::numeric / 2 > 1", "(((a)::numeric / (2)::numeric) > (1)::numeric)"),
        ("active boolean", "active = 't'", "(active = true)"),
        ("s varchar(5), p int", "(s = ANY (ARRAY['a', 'b']) AND p >= ALL (ARRAY[1, 2])) OR (s = ALL (ARRAY['c']) AND p = ANY (ARRAY[0]))",
         "((((s)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[])) AND (p >= ALL (ARRAY[1, 2]))) OR (((s)::text = ALL ((ARRAY['c'::character varying])::text[])) AND (p = ANY (ARRAY[0]))))"),
    ];
    for (columns, user, catalog) in cases {
        let u = table(&format!("CREATE TABLE t ({columns}, CHECK ({user}))")).checks[0]
            .expr
            .clone();
        let c = catalog_table(columns, None, Some(catalog)).checks[0]
            .expr
            .clone();
        assert_eq!(u, c, "{columns}: {user} vs {catalog}");
        assert_eq!(pg(&u), u, "{u} is its own canonical text");
    }
    // A column cast to text that PostgreSQL would not add stays.
    let t = table("CREATE TABLE t (c int CHECK (CAST(c AS text) <> 'x'))");
    assert_eq!(t.checks[0].expr, "c::text <> 'x'");
}

#[test]
fn identity_defaults_depend_on_the_type() {
    let t = table(
        "CREATE TABLE t (a int GENERATED ALWAYS AS IDENTITY (MAXVALUE 2147483647), \
         b smallint GENERATED ALWAYS AS IDENTITY (MINVALUE 5 START WITH 5), \
         c bigint GENERATED ALWAYS AS IDENTITY (INCREMENT BY -1 MAXVALUE -1 START WITH -1))",
    );
    for c in &t.columns {
        match &c.identity {
            Some(Identity::Always(o)) => {
                assert_eq!(o.max_value, None, "{}", c.name);
                assert_eq!(o.start, None, "{}", c.name);
            }
            other => panic!("{}: {other:?}", c.name),
        }
    }
}

#[test]
fn enum_labels_facing_their_column_go() {
    let c = catalog_table(
        "m mood",
        None,
        Some("(m = ANY (ARRAY['a'::mood, 'b'::mood]))"),
    );
    assert_eq!(c.checks[0].expr, "m IN ('a', 'b')");
}
