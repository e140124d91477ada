//! Live tests of MySQL/MariaDB inspection: DDL applied, inspected, and compared with its parse.

use std::str::FromStr;

use sqlx::mysql::MySqlConnectOptions;
use sqlx::ConnectOptions;

use super::*;
use crate::sql::parse_file;

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}

/// A database of its own (`plinth_t_…`) on the server of `PLINTH_TEST_MYSQL_URL`, selected
/// on `conn`; `None` (with a notice) when the server is unreachable and not required.
struct TestDb {
    conn: MySqlConnection,
    name: String,
}

async fn test_db() -> Option<TestDb> {
    let url = std::env::var("PLINTH_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into());
    let url = url.replacen("mariadb://", "mysql://", 1);
    // Connect through information_schema: the URL's own database may not exist.
    let connected = match MySqlConnectOptions::from_str(&url) {
        Ok(options) => options.database("information_schema").connect().await,
        Err(e) => Err(e),
    };
    let mut conn = match connected {
        Ok(c) => c,
        Err(e) => {
            crate::db::testing::unreachable(D, e);
            return None;
        }
    };
    let name = crate::db::testing::unique_name();
    sqlx::raw_sql(&format!("CREATE DATABASE `{name}`; USE `{name}`"))
        .execute(&mut conn)
        .await
        .expect("CREATE DATABASE");
    Some(TestDb { conn, name })
}

impl TestDb {
    async fn drop(mut self) {
        let sql = format!("DROP DATABASE IF EXISTS `{}`", self.name);
        sqlx::raw_sql(&sql)
            .execute(&mut self.conn)
            .await
            .expect("DROP DATABASE");
    }
}

fn desired(ddl: &str) -> Schema {
    let ddl = &crate::db::testing::without_plinth_tables(ddl);
    let mut schema = parse_file(D, "snippet.sql", ddl)
        .unwrap_or_else(|e| panic!("{e}\n{ddl}"))
        .schema;
    schema.retain_tables(|t| !is_plinth_table(t));
    crate::normalize::finish(D, &mut schema);
    schema
}

/// Apply `ddl` to a fresh database, inspect it, and compare with the parse of `ddl`.
fn roundtrip(ddl: &str) {
    block_on(async {
        let Some(mut db) = test_db().await else {
            return;
        };
        let applied = sqlx::raw_sql(ddl).execute(&mut db.conn).await;
        let live = match applied {
            Ok(_) => inspect(&mut db.conn).await,
            Err(e) => Err(Error::database("applying the snippet", e)),
        };
        db.drop().await;
        let live = live.unwrap_or_else(|e| panic!("{e}\n{ddl}")).schema;
        let desired = desired(ddl);
        assert_eq!(
            live.tables.keys().collect::<Vec<_>>(),
            desired.tables.keys().collect::<Vec<_>>(),
            "{ddl}"
        );
        for (name, table) in &desired.tables {
            // What the snippet leaves to the database is compared only when named.
            let live = live.tables.get(name).cloned().map(|mut t| {
                t.options.retain(|k, _| {
                    !crate::diff::INHERITED_OPTIONS.contains(&k.as_str())
                        || table.options.contains_key(k)
                });
                t
            });
            assert_eq!(live.as_ref(), Some(table), "table `{name}` of\n{ddl}");
        }
    });
}

macro_rules! battery {
    ($($name:ident: $ddl:expr;)*) => {
        $(
            #[test]
            fn $name() {
                roundtrip($ddl);
            }
        )*
    };
}

battery! {
    integer_display_widths: "CREATE TABLE t (a int(11), b integer, c bigint(20), d smallint(6),
        e mediumint(9), f tinyint(4), g tinyint)";
    unsigned_integers: "CREATE TABLE t (a int unsigned, b bigint unsigned NOT NULL,
        c tinyint unsigned, d smallint(5) unsigned, e tinyint(1) unsigned,
        f decimal(10,2) unsigned)";
    booleans: "CREATE TABLE t (a boolean, b bool DEFAULT TRUE, c tinyint(1) DEFAULT 0,
        d boolean NOT NULL DEFAULT FALSE)";
    enum_columns: "CREATE TABLE t (s enum('draft','live') NOT NULL DEFAULT 'draft',
        k enum('it''s','x'), n enum('a','b') DEFAULT NULL)";
    set_columns: "CREATE TABLE t (s set('a','b','c') DEFAULT 'a,b')";
    auto_increment_inline_pk: "CREATE TABLE t (id int AUTO_INCREMENT PRIMARY KEY, n varchar(10))";
    auto_increment_table_pk: "CREATE TABLE t (id bigint unsigned NOT NULL AUTO_INCREMENT,
        PRIMARY KEY (id))";
    on_update_current_timestamp: "CREATE TABLE t (id int PRIMARY KEY,
        created timestamp DEFAULT CURRENT_TIMESTAMP,
        updated timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
        touched datetime ON UPDATE NOW())";
    current_timestamp_precision: "CREATE TABLE t (a datetime(3) DEFAULT CURRENT_TIMESTAMP(3)
        ON UPDATE CURRENT_TIMESTAMP(3), b datetime(6) DEFAULT NOW(6),
        c timestamp(6) NULL DEFAULT LOCALTIMESTAMP(6))";
    current_timestamp_spellings: "CREATE TABLE t (a datetime DEFAULT NOW(),
        b timestamp DEFAULT LOCALTIMESTAMP, c datetime DEFAULT current_timestamp(),
        d datetime DEFAULT CURRENT_TIMESTAMP(0))";
    index_prefixes: "CREATE TABLE t (id int PRIMARY KEY, name varchar(200), body text,
        KEY idx_name (name(20)), KEY idx_body (body(100)))";
    composite_index: "CREATE TABLE t (a int, b int, c int, KEY idx_ab (a, b), INDEX idx_c (c))";
    create_index_statements: "CREATE TABLE t (a int, b varchar(50));
        CREATE INDEX idx_a ON t (a); CREATE INDEX idx_ba ON t (b(10), a DESC)";
    index_named_like_its_column: "CREATE TABLE t (a int, b int, KEY a (a), KEY b_2 (b))";
    index_comment_and_using: "CREATE TABLE t (a int, b int, KEY idx_a (a) COMMENT 'lookup',
        KEY idx_b (b) USING BTREE)";
    unique_column: "CREATE TABLE t (id int PRIMARY KEY, code varchar(20) NOT NULL UNIQUE)";
    unique_constraint_named: "CREATE TABLE t (code varchar(20), CONSTRAINT uq_code UNIQUE (code))";
    unique_key_composite: "CREATE TABLE t (a int, b int, UNIQUE KEY uq_ab (a, b), UNIQUE (b))";
    unique_index_statement: "CREATE TABLE t (a int, b varchar(100));
        CREATE UNIQUE INDEX uq_a ON t (a); CREATE UNIQUE INDEX uq_b ON t (b(10))";
    foreign_key_named_with_actions: "CREATE TABLE parent (id int PRIMARY KEY);
        CREATE TABLE child (id int PRIMARY KEY, parent_id int,
        CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id)
        ON DELETE CASCADE ON UPDATE SET NULL)";
    foreign_key_unnamed_implicit_index: "CREATE TABLE parent (id int PRIMARY KEY);
        CREATE TABLE child (id int PRIMARY KEY, a int, b int,
        FOREIGN KEY (a) REFERENCES parent (id), FOREIGN KEY (b) REFERENCES parent (id))";
    foreign_key_covered_by_index: "CREATE TABLE parent (id int PRIMARY KEY);
        CREATE TABLE child (id int PRIMARY KEY, parent_id int, x int,
        KEY idx_px (parent_id, x), FOREIGN KEY (parent_id) REFERENCES parent (id))";
    foreign_key_covered_by_primary_key: "CREATE TABLE parent (id int PRIMARY KEY);
        CREATE TABLE child (parent_id int, n int, PRIMARY KEY (parent_id, n),
        FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE)";
    foreign_key_not_covered_by_second_column: "CREATE TABLE parent (id int PRIMARY KEY);
        CREATE TABLE child (x int, parent_id int, KEY idx_xp (x, parent_id),
        CONSTRAINT fk_p FOREIGN KEY (parent_id) REFERENCES parent (id))";
    foreign_key_index_created_later: "CREATE TABLE parent (id int PRIMARY KEY);
        CREATE TABLE child (id int PRIMARY KEY, parent_id int,
        CONSTRAINT fk_later FOREIGN KEY (parent_id) REFERENCES parent (id));
        CREATE INDEX idx_later ON child (parent_id, id)";
    foreign_key_restrict_is_no_action: "CREATE TABLE parent (id int PRIMARY KEY);
        CREATE TABLE child (a int, b int,
        FOREIGN KEY (a) REFERENCES parent (id) ON DELETE RESTRICT ON UPDATE NO ACTION,
        FOREIGN KEY (b) REFERENCES parent (id) ON DELETE SET NULL ON UPDATE CASCADE)";
    foreign_key_composite: "CREATE TABLE parent (a int, b int, PRIMARY KEY (a, b));
        CREATE TABLE child (x int, y int, CONSTRAINT fk_xy FOREIGN KEY (x, y)
        REFERENCES parent (a, b))";
    foreign_key_self_reference: "CREATE TABLE node (id int PRIMARY KEY, parent int,
        FOREIGN KEY (parent) REFERENCES node (id) ON DELETE CASCADE)";
    foreign_key_to_unique_column: "CREATE TABLE parent (id int PRIMARY KEY,
        code varchar(10) NOT NULL UNIQUE);
        CREATE TABLE child (code varchar(10), FOREIGN KEY (code) REFERENCES parent (code))";
    foreign_key_column_case: "CREATE TABLE parent (Id int PRIMARY KEY);
        CREATE TABLE child (Parent_Id int, FOREIGN KEY (PARENT_ID) REFERENCES parent (ID))";
    check_inline: "CREATE TABLE t (price decimal(10,2) CHECK (price >= 0),
        qty int CHECK (qty > 0 AND qty < 1000))";
    check_table_named: "CREATE TABLE t (a int, b int, CONSTRAINT chk_ab CHECK (a < b))";
    check_table_unnamed: "CREATE TABLE t (a int, b int, CHECK (a < b), CHECK (a > 0))";
    check_in_list_and_functions: "CREATE TABLE t (status varchar(10),
        email varchar(100), CHECK (status IN ('new', 'done')),
        CONSTRAINT chk_email CHECK (char_length(email) > 3 OR email IS NULL))";
    comments: "CREATE TABLE t (id int PRIMARY KEY COMMENT 'the key',
        name varchar(10) COMMENT 'it''s a name') COMMENT 'a table'";
    comment_table_option_with_equals: "CREATE TABLE t (id int) ENGINE=InnoDB COMMENT='things'";
    default_strings: "CREATE TABLE t (a varchar(10) DEFAULT '', b varchar(10) DEFAULT 'NULL',
        c varchar(10) DEFAULT NULL, d char(3) DEFAULT 'abc', e text DEFAULT 'x',
        f varchar(10) NOT NULL DEFAULT 'it''s', g varchar(5) DEFAULT 0)";
    default_numbers: "CREATE TABLE t (a int DEFAULT 0, b int DEFAULT -1, c int DEFAULT '5',
        d bigint DEFAULT 9223372036854775807, e float DEFAULT 1.50, f double DEFAULT 1e20,
        g bigint unsigned DEFAULT 18446744073709551615)";
    default_decimals: "CREATE TABLE t (a decimal(10,2) DEFAULT 0, b decimal(10,2) DEFAULT -1.005,
        c decimal(5) DEFAULT 3, d decimal(6,3) DEFAULT '1.5', e numeric(4,1) DEFAULT 2.25)";
    default_dates: "CREATE TABLE t (a datetime DEFAULT '2020-01-01', b time DEFAULT '10:00',
        c date DEFAULT '2020-01-01', d datetime(3) DEFAULT '2020-01-01 10:00',
        e year DEFAULT 2024, f timestamp NULL DEFAULT '2021-06-01 12:30:00')";
    default_expressions: "CREATE TABLE t (a int DEFAULT (1 + 2), b varchar(36) DEFAULT (uuid()),
        c date DEFAULT (CURRENT_DATE), d int DEFAULT (-1), e date DEFAULT (curdate()),
        f varchar(20) DEFAULT (concat('a', 'b')))";
    generated_columns: "CREATE TABLE t (n int, g int AS (n * 2), s int GENERATED ALWAYS AS (n + 1) STORED,
        v int AS ((n * 3)) VIRTUAL)";
    generated_string_column: "CREATE TABLE t (first varchar(10), last varchar(10),
        full_name varchar(21) AS (concat(first, ' ', last)) STORED, KEY idx_full (full_name))";
    decimal_spellings: "CREATE TABLE t (a decimal, b decimal(8), c numeric(12,4), d dec(5,2))";
    float_spellings: "CREATE TABLE t (a float, b double, c real, d double precision, e float(10),
        f float(30), g double(10,2), h float(7,4))";
    string_and_binary_types: "CREATE TABLE t (a varchar(10), b char, c char(5), d binary(16),
        e varbinary(255), f tinytext, g mediumtext, h longtext, i blob, j tinyblob,
        k mediumblob, l longblob, m text)";
    json_columns: "CREATE TABLE t (id int PRIMARY KEY, doc json, meta json NOT NULL)";
    date_time_types: "CREATE TABLE t (a date, b time, c time(3), d datetime, e datetime(6),
        f timestamp NULL, g year, h timestamp(0) NULL)";
    bit_columns: "CREATE TABLE t (a bit, b bit(8))";
    bit_defaults: "CREATE TABLE t (a bit(4) DEFAULT b'1010', b bit DEFAULT 1,
        c bit(4) DEFAULT b'0010', d bit(8) DEFAULT 5, e bit(2) DEFAULT b'0')";
    inline_references: "CREATE TABLE parent (id int PRIMARY KEY);
        CREATE TABLE child (parent_id int REFERENCES parent (id))";
    column_collation: "CREATE TABLE t (a varchar(10) COLLATE utf8mb4_bin, b varchar(10),
        c char(2) COLLATE utf8mb4_unicode_ci)";
    engines: "CREATE TABLE a (id int) ENGINE=InnoDB; CREATE TABLE b (id int) ENGINE=MyISAM;
        CREATE TABLE c (id int) ENGINE=MEMORY DEFAULT CHARSET=utf8mb4";
    table_character_sets: "CREATE TABLE a (id int, s varchar(5)) DEFAULT CHARSET=latin1;
        CREATE TABLE b (s varchar(5), t varchar(5) COLLATE utf8mb4_general_ci)
        DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
        CREATE TABLE c (s varchar(5) BINARY, t text BINARY) CHARSET=utf8mb4;
        CREATE TABLE d (s varchar(5) COLLATE latin1_bin) COLLATE=latin1_bin";
    fulltext_and_spatial_indexes: "CREATE TABLE t (id int PRIMARY KEY, title varchar(40),
        body text, loc point NOT NULL, FULLTEXT KEY ft_title (title),
        FULLTEXT INDEX (title, body), SPATIAL KEY sp_loc (loc))";
    hash_indexes: "CREATE TABLE t (a int, b int, KEY ha (a) USING HASH,
        UNIQUE KEY hb (b) USING HASH);
        CREATE TABLE m (a int, KEY ha (a) USING HASH) ENGINE=MEMORY";
    column_name_case: "CREATE TABLE t (Id int, Name varchar(10), PRIMARY KEY (ID), KEY idx (NAME))";
    table_name_case: "CREATE TABLE Orders (id int PRIMARY KEY); CREATE TABLE orders (id int)";
    primary_key_implies_not_null: "CREATE TABLE t (a int, b int, PRIMARY KEY (a, b))";
    primary_key_named: "CREATE TABLE t (a int, CONSTRAINT pk_t PRIMARY KEY (a))";
    quoted_identifiers: "CREATE TABLE `order` (`key` int PRIMARY KEY, `select` varchar(5),
        KEY `from` (`select`))";
    plinth_tables_are_skipped: "CREATE TABLE t (a int); CREATE TABLE plinth_history (id int)";
    shop_example: "CREATE TABLE computertypes (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
          name varchar(255) NOT NULL DEFAULT '', comment text,
          date_mod timestamp NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP,
          UNIQUE KEY unicity (name));
        CREATE TABLE computers (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
          name varchar(255) NOT NULL, serial varchar(255) DEFAULT NULL,
          computertypes_id int unsigned NOT NULL DEFAULT 0,
          is_deleted tinyint(1) NOT NULL DEFAULT 0, price decimal(20,4) DEFAULT 0.0000,
          CONSTRAINT fk_type FOREIGN KEY (computertypes_id) REFERENCES computertypes (id),
          KEY name (name), KEY is_deleted (is_deleted), CHECK (price >= 0))";
}

/// The number of catalog queries does not grow with the number of tables.
#[test]
fn query_count_is_flat() {
    fn tables(from: usize, to: usize) -> String {
        (from..to)
            .map(|i| {
                format!(
                    "CREATE TABLE t{i} (id int PRIMARY KEY, p int, v varchar(10) UNIQUE, \
                     n int CHECK (n > 0), KEY idx_n (n), \
                     FOREIGN KEY (p) REFERENCES t{i} (id));"
                )
            })
            .collect()
    }
    block_on(async {
        let Some(mut db) = test_db().await else {
            return;
        };
        let result = async {
            sqlx::raw_sql(&tables(0, 10)).execute(&mut db.conn).await?;
            let ten = inspect(&mut db.conn)
                .await
                .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
            sqlx::raw_sql(&tables(10, 500))
                .execute(&mut db.conn)
                .await?;
            let many = inspect(&mut db.conn)
                .await
                .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
            Ok::<_, sqlx::Error>((ten, many))
        }
        .await;
        db.drop().await;
        let (ten, many) = result.expect("creating and inspecting tables");
        assert_eq!(ten.schema.tables.len(), 10);
        assert_eq!(many.schema.tables.len(), 500);
        assert_eq!(ten.queries, many.queries);
        // Equal but for what the DDL leaves to the database (`diff::INHERITED_OPTIONS`).
        assert_eq!(
            crate::diff::diff(D, &many.schema, &desired(&tables(0, 500))),
            vec![]
        );
    });
}

#[test]
fn mysql8_defaults() {
    let my = |ty: &str, extra: &str, d: &str| {
        live_default(
            Flavor::Mysql,
            &ColumnType::new(D, ty),
            extra,
            Some(d.to_string()),
        )
        .unwrap()
    };
    assert_eq!(my("varchar(10)", "", "abc").as_deref(), Some("'abc'"));
    assert_eq!(my("varchar(10)", "", "it's").as_deref(), Some("'it''s'"));
    assert_eq!(my("varchar(10)", "", "NULL").as_deref(), Some("'NULL'"));
    assert_eq!(my("int", "", "0").as_deref(), Some("'0'"));
    assert_eq!(
        my(
            "timestamp",
            "default_generated on update current_timestamp",
            "CURRENT_TIMESTAMP"
        )
        .as_deref(),
        Some("CURRENT_TIMESTAMP")
    );
    assert_eq!(
        my("datetime(3)", "", "CURRENT_TIMESTAMP(3)").as_deref(),
        Some("current_timestamp(3)")
    );
    assert_eq!(
        my(
            "varchar(20)",
            "default_generated",
            "concat(_utf8mb4\\'a\\',_utf8mb4\\'b\\')"
        ),
        canonical_text(D, "concat('a', 'b')").ok()
    );
    assert_eq!(my("bit(4)", "", "b'101'").as_deref(), Some("B'101'"));
    assert_eq!(
        live_default(Flavor::Mysql, &ColumnType::new(D, "int"), "", None).unwrap(),
        None
    );
    // The same values reach the same canonical default as the declared ones.
    let declared = |ty: &str, d: &str| {
        crate::engine::mysql::normalize::normalize_default(&ColumnType::new(D, ty), d)
    };
    let live = |ty: &str, d: &str| {
        declared(
            ty,
            &my(ty, "", d).map(|e| e.to_string()).unwrap_or_default(),
        )
    };
    assert_eq!(
        live("decimal(10,2)", "0.00"),
        declared("decimal(10,2)", "0")
    );
    assert_eq!(live("int", "5"), declared("int", "'5'"));
    assert_eq!(live("tinyint(1)", "1"), declared("tinyint(1)", "1"));
    assert_eq!(
        live("datetime", "2020-01-01 00:00:00"),
        declared("datetime", "'2020-01-01'")
    );
}

#[test]
fn mysql8_stored_expressions() {
    let clause = stored(
        Flavor::Mysql,
        "(`status` in (_utf8mb4\\'a\\',_utf8mb4\\'b\\'))",
    );
    assert_eq!(
        canonical_text(D, &clause).unwrap(),
        canonical_text(D, "status IN ('a', 'b')").unwrap()
    );
}

#[test]
fn flavors() {
    let maria = Server::from_version("10.11.6-MariaDB-0+deb12u1");
    assert_eq!(maria.flavor, Flavor::MariaDb);
    assert!(maria.checks && !maria.index_expressions);
    let mysql = Server::from_version("8.0.36");
    assert_eq!(mysql.flavor, Flavor::Mysql);
    assert!(mysql.checks && mysql.index_expressions);
    assert!(!Server::from_version("5.7.44-log").checks);
}
