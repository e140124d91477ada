//! The catalog queries PostgreSQL inspection runs: a fixed number, whatever the size of the
//! schema, each reading one kind of object for every table at once.
//!
//! The rows come from the reading's snapshot, but `pg_get_expr`, `pg_get_indexdef` and
//! `format_type` look at the live catalog: for an object dropped since the snapshot they answer
//! NULL (or `???`). The `has_*` columns say, from the snapshot, that there is something to
//! deparse, so such a NULL reads as "changed meanwhile", never as "no default".

/// Ordinary and partitioned tables of the managed schemas, and partitions with their parent and
/// bound (their columns, and the keys, indexes and triggers they inherit, are the parent's).
/// Tables, their sequences, constraints and indexes, enum types, domains, composite types and
/// sequences are read in every schema `{IN_SCOPE}` takes (see [`scoped`]); an object outside
/// the default schema is keyed `schema` U+001F `name` (`model::qualified`), and one whose name
/// holds U+001F itself is left out.
pub(super) const TABLES: &str = "
SELECT c.oid::int8 AS oid, CASE WHEN n.nspname = current_schema() THEN c.relname::text
            ELSE n.nspname || chr(31) || c.relname END AS name, ds.description AS comment,
       c.relrowsecurity AS row_level_security,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       CASE WHEN c.relispartition THEN
         (SELECT CASE WHEN pn.nspname = current_schema() THEN pc.relname::text
                      ELSE pn.nspname || chr(31) || pc.relname END
          FROM pg_inherits h JOIN pg_class pc ON pc.oid = h.inhparent
          JOIN pg_namespace pn ON pn.oid = pc.relnamespace
          WHERE h.inhrelid = c.oid)
       END AS partition_of,
       CASE WHEN NOT c.relispartition THEN
         (SELECT string_agg(CASE WHEN pn.nspname = current_schema() THEN pc.relname::text
                                 ELSE pn.nspname || chr(31) || pc.relname END || chr(30), ''
                            ORDER BY h.inhseqno)
          FROM pg_inherits h JOIN pg_class pc ON pc.oid = h.inhparent
          JOIN pg_namespace pn ON pn.oid = pc.relnamespace
          WHERE h.inhrelid = c.oid)
       END AS inherits
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass
  AND ds.objsubid = 0
WHERE {IN_SCOPE} AND strpos(c.relname, chr(31)) = 0
  AND c.relkind IN ('r', 'p')";

/// Every column of those tables (in no particular order: sorting here costs more than in Rust).
/// Catalog functions are called only where needed: deparsing is the expensive part, and a
/// default that names no column is deparsed without opening its table (ten times cheaper).
pub(super) const COLUMNS: &str = "
SELECT a.attrelid::int8 AS table_oid, a.attnum::int4 AS num, a.attname::text AS name,
       format_type(a.atttypid, a.atttypmod) AS ty, a.attnotnull AS not_null,
       CASE WHEN d.adbin::text LIKE '%{VAR %' THEN pg_get_expr(d.adbin, d.adrelid)
            ELSE pg_get_expr(d.adbin, 0) END AS default_expr, d.adbin IS NOT NULL AS has_default,
       a.attidentity::text AS identity, a.attgenerated::text AS generated,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname::text END AS collation,
       ds.description AS comment, a.attislocal AS local
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_description ds ON ds.objoid = a.attrelid AND ds.classoid = 'pg_class'::regclass
  AND ds.objsubid = a.attnum
WHERE {IN_SCOPE} AND c.relkind IN ('r', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped";

/// Sequences owned by a column: `a` (auto) for serial columns, `i` (internal) for identities;
/// `shared` when more than one column default calls the sequence.
pub(super) const SEQUENCES: &str = "
SELECT d.refobjid::int8 AS table_oid, d.refobjsubid::int4 AS num, d.deptype::text AS deptype,
       CASE WHEN sn.nspname = current_schema() THEN s.relname::text
            ELSE sn.nspname || chr(31) || s.relname END AS seq_name, format_type(q.seqtypid, NULL) AS seq_type,
       q.seqstart, q.seqincrement, q.seqmax, q.seqmin, q.seqcache, q.seqcycle,
       (SELECT count(*) FROM pg_depend u
        WHERE u.refclassid = 'pg_class'::regclass AND u.refobjid = s.oid
          AND u.classid = 'pg_attrdef'::regclass) > 1 AS shared
FROM pg_depend d
JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_sequence q ON q.seqrelid = s.oid
JOIN pg_class c ON c.oid = d.refobjid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
  AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
  AND {IN_SCOPE} AND c.relkind IN ('r', 'p')
ORDER BY 1, 2, 4";

/// Key columns come as attribute numbers, named from the columns already read; a foreign key
/// to a table outside the schema names its referenced columns itself. `NULLS NOT DISTINCT`
/// (PostgreSQL 15+) is read where the server has it (see [`for_server`]).
pub(super) const CONSTRAINTS: &str = "
SELECT con.conrelid::int8 AS table_oid, con.conname::text AS name, con.contype::text AS kind,
       con.conkey::int2[] AS attnums, con.confrelid::int8 AS ref_oid,
       CASE WHEN fn.nspname = current_schema() THEN fc.relname::text
            ELSE fn.nspname || chr(31) || fc.relname END AS ref_table,
       con.confkey::int2[] AS ref_attnums,
       CASE WHEN fc.relnamespace <> c.relnamespace THEN
         ARRAY(SELECT a.attname::text
               FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
               ORDER BY k.ord)
       END AS ref_names,
       con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
       con.condeferrable AS deferrable, con.condeferred AS deferred,
       CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END AS check_expr,
       con.confmatchtype::text AS match_type, con.connoinherit AS no_inherit,
       NOT con.convalidated AS not_valid,
       CASE WHEN con.contype = 'u' THEN
         (SELECT {NULLS_NOT_DISTINCT_IX}
          FROM pg_index ix WHERE ix.indexrelid = con.conindid)
       END AS nulls_not_distinct,
       ds.description AS comment
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_description ds ON ds.objoid = con.oid AND ds.classoid = 'pg_constraint'::regclass
  AND ds.objsubid = 0
WHERE {IN_SCOPE} AND c.relkind IN ('r', 'p')
  AND con.contype IN ('p', 'u', 'f', 'c') AND con.conparentid = 0 AND con.conislocal";

/// Indexes that do not back a primary key or unique constraint (those behind an exclusion
/// constraint come with its operators, deferrability and comment). Per key column:
/// the attribute number (0 for an expression, whose text is then asked for), the DESC bit, the
/// collation when it differs from the column's and the operator class when it is not the
/// default (each looked up only when some key needs it). `INCLUDE` columns follow the keys in
/// `indkey`; `NULLS NOT DISTINCT` (15+) is read where the server has it (see [`for_server`]).
pub(super) const INDEXES: &str = "
SELECT i.indrelid::int8 AS table_oid, ic.relname::text AS name, i.indisunique AS is_unique,
       NOT i.indisvalid AS invalid,
       i.indnkeyatts::int4 AS nkeys, i.indnatts::int4 AS natts,
       string_to_array(i.indkey::text, ' ')::int2[] AS attnums,
       string_to_array(i.indoption::text, ' ')::int2[] AS options,
       CASE WHEN 0 = ANY (i.indkey::int2[]) THEN
         ARRAY(SELECT CASE WHEN i.indkey[k] = 0 THEN pg_get_indexdef(i.indexrelid, k + 1, true) END
               FROM generate_series(0, i.indnkeyatts - 1) k ORDER BY k)
       END AS keys,
       CASE WHEN EXISTS (SELECT 1 FROM unnest(i.indcollation::oid[]) x WHERE x NOT IN (0, 100)) THEN
         ARRAY(SELECT coalesce(co.collname::text, '')
               FROM generate_series(0, i.indnkeyatts - 1) k
               LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k]
               LEFT JOIN pg_collation co ON co.oid = i.indcollation[k]
                 AND i.indkey[k] <> 0 AND i.indcollation[k] <> a.attcollation
               ORDER BY k)
       END AS collations,
       CASE WHEN EXISTS (SELECT 1 FROM unnest(i.indclass::oid[]) x
                         JOIN pg_opclass o ON o.oid = x WHERE NOT o.opcdefault) THEN
         ARRAY(SELECT CASE WHEN o.opcdefault THEN '' ELSE o.opcname::text END
               FROM generate_series(0, i.indnkeyatts - 1) k
               JOIN pg_opclass o ON o.oid = i.indclass[k]
               ORDER BY k)
       END AS opclasses,
       pg_get_expr(i.indpred, i.indrelid) AS predicate, i.indpred IS NOT NULL AS has_predicate,
       am.amname::text AS method,
       CASE WHEN xc.oid IS NULL THEN ds.description ELSE xd.description END AS comment,
       ic.reloptions::text[] AS reloptions,
       CASE WHEN xc.oid IS NOT NULL THEN
         ARRAY(SELECT op.oprname::text
               FROM unnest(xc.conexclop) WITH ORDINALITY e(opr, ord)
               JOIN pg_operator op ON op.oid = e.opr
               ORDER BY e.ord)
       END AS exclusion_ops,
       coalesce(xc.condeferrable, false) AS deferrable, coalesce(xc.condeferred, false) AS deferred,
       CASE WHEN i.indisunique THEN {NULLS_NOT_DISTINCT_I} END
         AS nulls_not_distinct,
       c.relkind = 'm' AS on_view,
       CASE WHEN n.nspname = current_schema() THEN c.relname::text
            ELSE n.nspname || chr(31) || c.relname END AS relation,
       CASE WHEN c.relkind = 'm' THEN
         ARRAY(SELECT coalesce(a.attname::text, '')
               FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, ord)
               LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num
               ORDER BY k.ord)
       END AS view_columns
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
LEFT JOIN pg_description ds ON ds.objoid = i.indexrelid AND ds.classoid = 'pg_class'::regclass
  AND ds.objsubid = 0
LEFT JOIN pg_constraint xc ON xc.conindid = i.indexrelid AND xc.conrelid = i.indrelid
  AND xc.contype = 'x'
LEFT JOIN pg_description xd ON xd.objoid = xc.oid AND xd.classoid = 'pg_constraint'::regclass
  AND xd.objsubid = 0
WHERE {IN_SCOPE}
  AND c.relkind IN ('r', 'p', 'm')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u'))
  AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)";

pub(super) const ENUMS: &str = "
SELECT CASE WHEN n.nspname = current_schema() THEN t.typname::text
            ELSE n.nspname || chr(31) || t.typname END AS name,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid
             ORDER BY e.enumsortorder) AS labels,
       obj_description(t.oid, 'pg_type') AS comment
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE {IN_SCOPE} AND strpos(t.typname, chr(31)) = 0 AND t.typtype = 'e'";

/// Views and materialized views (extensions' members excepted): the definition as the server
/// deparses it, options, comment, the tables and views each reads and the routines it calls
/// (not the server's own).
pub(super) const VIEWS: &str = "
SELECT CASE WHEN n.nspname = current_schema() THEN c.relname::text
            ELSE n.nspname || chr(31) || c.relname END AS name,
       c.relkind = 'm' AS materialized,
       pg_get_viewdef(c.oid) AS definition,
       COALESCE(c.reloptions, '{}'::text[]) AS options,
       d.description AS comment,
       ARRAY(SELECT DISTINCT CASE WHEN tn.nspname = current_schema() THEN t.relname::text
                                  ELSE tn.nspname || chr(31) || t.relname END
             FROM pg_rewrite r
             JOIN pg_depend dep ON dep.classid = 'pg_rewrite'::regclass AND dep.objid = r.oid
               AND dep.refclassid = 'pg_class'::regclass
             JOIN pg_class t ON t.oid = dep.refobjid AND t.oid <> c.oid
             JOIN pg_namespace tn ON tn.oid = t.relnamespace
             WHERE r.ev_class = c.oid
             ORDER BY 1) AS reads,
       ARRAY(SELECT DISTINCT CASE WHEN pn.nspname = current_schema() THEN p.proname::text
                                  ELSE pn.nspname || chr(31) || p.proname END
             FROM pg_rewrite r
             JOIN pg_depend dep ON dep.classid = 'pg_rewrite'::regclass AND dep.objid = r.oid
               AND dep.refclassid = 'pg_proc'::regclass
             JOIN pg_proc p ON p.oid = dep.refobjid
             JOIN pg_namespace pn ON pn.oid = p.pronamespace
               AND pn.nspname NOT IN ('pg_catalog', 'information_schema')
             WHERE r.ev_class = c.oid
             ORDER BY 1) AS calls
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass
  AND d.objsubid = 0
WHERE {IN_SCOPE} AND strpos(c.relname, chr(31)) = 0 AND c.relkind IN ('v', 'm')
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass
                  AND e.objid = c.oid AND e.deptype = 'e')";

/// Domains (extensions' members excepted): the underlying type, a collation other than the
/// type's, default, NOT NULL, checks (names and expressions, in name order), comment.
pub(super) const DOMAINS: &str = "
SELECT CASE WHEN n.nspname = current_schema() THEN t.typname::text
            ELSE n.nspname || chr(31) || t.typname END AS name,
       format_type(t.typbasetype, t.typtypmod) AS data_type,
       CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation
            THEN (SELECT co.collname::text FROM pg_collation co WHERE co.oid = t.typcollation)
       END AS collation,
       pg_get_expr(t.typdefaultbin, 0) AS default_expr,
       t.typnotnull AS not_null,
       ARRAY(SELECT c.conname::text FROM pg_constraint c
             WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname) AS check_names,
       ARRAY(SELECT pg_get_expr(c.conbin, 0) FROM pg_constraint c
             WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname) AS check_exprs,
       d.description AS comment
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_type'::regclass
  AND d.objsubid = 0
WHERE {IN_SCOPE} AND strpos(t.typname, chr(31)) = 0 AND t.typtype = 'd'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass
                  AND e.objid = t.oid AND e.deptype = 'e')";

/// Functions and procedures (extensions' members excepted): the input types (what tells
/// overloads apart), the arguments and result (what `CREATE OR REPLACE` cannot change), the
/// whole as the server prints it, the default schema's name as it prints it (left out of the
/// name there), comment.
pub(super) const FUNCTIONS: &str = "
SELECT CASE WHEN n.nspname = current_schema() THEN p.proname::text
            ELSE n.nspname || chr(31) || p.proname END AS name,
       p.prokind = 'p' AS procedure,
       oidvectortypes(p.proargtypes) AS signature,
       pg_get_function_arguments(p.oid) || ' -> ' || COALESCE(pg_get_function_result(p.oid), '')
         AS header,
       pg_get_functiondef(p.oid) AS definition,
       CASE WHEN n.nspname = current_schema() THEN quote_ident(n.nspname) END AS schema,
       d.description AS comment
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass
  AND d.objsubid = 0
WHERE {IN_SCOPE} AND strpos(p.proname, chr(31)) = 0 AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass
                  AND e.objid = p.oid AND e.deptype = 'e')";

/// Triggers on the tables (not the ones the server makes for foreign keys): the definition as
/// the server prints it (the default schema's name as it prints it, left out of the table's
/// name there), the function it calls, comment.
pub(super) const TRIGGERS: &str = "
SELECT t.tgname::text AS name,
       CASE WHEN n.nspname = current_schema() THEN c.relname::text
            ELSE n.nspname || chr(31) || c.relname END AS table_name,
       CASE WHEN pn.nspname = current_schema() THEN p.proname::text
            ELSE pn.nspname || chr(31) || p.proname END AS function,
       pg_get_triggerdef(t.oid) AS definition,
       CASE WHEN n.nspname = current_schema() THEN quote_ident(n.nspname) END AS schema,
       d.description AS comment
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
LEFT JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_trigger'::regclass
  AND d.objsubid = 0
WHERE {IN_SCOPE} AND strpos(c.relname, chr(31)) = 0 AND NOT t.tgisinternal {NOT_CLONED}";

/// Row-level security policies on the tables: kind, command, roles (`public` for everyone),
/// the expressions as the server deparses them and the routines they call (not the server's
/// own).
pub(super) const POLICIES: &str = "
SELECT p.polname::text AS name,
       CASE WHEN n.nspname = current_schema() THEN c.relname::text
            ELSE n.nspname || chr(31) || c.relname END AS table_name,
       NOT p.polpermissive AS restrictive,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                     WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public'
                         ELSE (SELECT a.rolname::text FROM pg_roles a WHERE a.oid = r) END
             FROM unnest(p.polroles) AS r ORDER BY 1) AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr,
       ARRAY(SELECT DISTINCT CASE WHEN fn.nspname = current_schema() THEN f.proname::text
                                  ELSE fn.nspname || chr(31) || f.proname END
             FROM pg_depend dep
             JOIN pg_proc f ON f.oid = dep.refobjid
             JOIN pg_namespace fn ON fn.oid = f.pronamespace
               AND fn.nspname NOT IN ('pg_catalog', 'information_schema')
             WHERE dep.classid = 'pg_policy'::regclass AND dep.objid = p.oid
               AND dep.refclassid = 'pg_proc'::regclass
             ORDER BY 1) AS calls,
       obj_description(p.oid, 'pg_policy') AS comment
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {IN_SCOPE} AND strpos(c.relname, chr(31)) = 0";

/// Sequences no column owns (serial and identity sequences are their columns'; extensions'
/// are theirs).
pub(super) const STANDALONE_SEQUENCES: &str = "
SELECT CASE WHEN n.nspname = current_schema() THEN c.relname::text
            ELSE n.nspname || chr(31) || c.relname END AS name, format_type(s.seqtypid, NULL) AS seq_type,
       s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle,
       obj_description(c.oid, 'pg_class') AS comment
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {IN_SCOPE} AND strpos(c.relname, chr(31)) = 0
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))";

/// Composite types (not tables' row types; extensions' members excepted): attributes in order,
/// each with its type, comment.
pub(super) const COMPOSITES: &str = "
SELECT CASE WHEN n.nspname = current_schema() THEN t.typname::text
            ELSE n.nspname || chr(31) || t.typname END AS name,
       ARRAY(SELECT a.attname::text FROM pg_attribute a
             WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS names,
       ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
             WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS types,
       obj_description(t.oid, 'pg_type') AS comment
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_class c ON c.oid = t.typrelid
WHERE {IN_SCOPE} AND strpos(t.typname, chr(31)) = 0 AND t.typtype = 'c' AND c.relkind = 'c'
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass
                  AND e.objid = t.oid AND e.deptype = 'e')";

/// The extensions installed in the managed schemas, with their versions and schemas (none: the
/// default one).
pub(super) const EXTENSIONS: &str = "
SELECT e.extname::text AS name, e.extversion::text AS version,
       CASE WHEN n.nspname <> current_schema() THEN n.nspname::text END AS schema
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE {IN_SCOPE}";

/// The schemas other than the default one that a full inspection reads: every schema of the
/// database but the server's own and plinth's scratch schemas.
const OTHER_SCHEMAS: &str = r"(n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
  AND n.nspname NOT LIKE 'plinth\_scratch%')";

/// The schemas other than the default one: those a full inspection reads, with comments.
pub(super) const NAMESPACES: &str = "
SELECT n.nspname::text AS name, obj_description(n.oid, 'pg_namespace') AS comment
FROM pg_namespace n
WHERE n.nspname <> current_schema() AND {IN_SCOPE} AND strpos(n.nspname, chr(31)) = 0";

/// Which schemas an inspection reads besides the default one (`current_schema()`).
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every other one a full inspection reads ([`OTHER_SCHEMAS`]).
    All,
    /// Those named (none: the default one alone).
    With(&'a [String]),
}

/// `sql` for the server's `version` (see [`for_server`]), reading the schemas of `scope`.
pub(super) fn scoped(sql: &str, version: u32, scope: Scope<'_>) -> String {
    let scope = match scope {
        Scope::All => format!("(n.nspname = current_schema() OR {OTHER_SCHEMAS})"),
        Scope::With([]) => "n.nspname = current_schema()".to_string(),
        Scope::With(names) => {
            let names: Vec<String> = (names.iter())
                .map(|n| crate::quote::string(crate::model::Dialect::Postgres, n))
                .collect();
            format!(
                "(n.nspname = current_schema() OR n.nspname IN ({}))",
                names.join(", ")
            )
        }
    };
    for_server(sql, version).replace("{IN_SCOPE}", &scope)
}

/// `pg_index.indnullsnotdistinct` exists from PostgreSQL 15 on; older servers answer NULL.
/// (Reading it through `to_jsonb` on every server cost a third of the constraint query.)
fn for_server(sql: &str, version: u32) -> String {
    let (ix, i) = if version >= 150_000 {
        ("ix.indnullsnotdistinct", "i.indnullsnotdistinct")
    } else {
        ("NULL::bool", "NULL::bool")
    };
    // A partition's copy of its parent's trigger (PostgreSQL 13+) is the parent's.
    let cloned = if version >= 130_000 {
        "AND t.tgparentid = 0"
    } else {
        ""
    };
    sql.replace("{NULLS_NOT_DISTINCT_IX}", ix)
        .replace("{NULLS_NOT_DISTINCT_I}", i)
        .replace("{NOT_CLONED}", cloned)
}

/// What the schema holds that plinth does not model yet (for `adopt` to name): foreign tables,
/// aggregates, range types, extensions in other schemas, as (kind, name). Members of
/// extensions are the extension's.
pub(super) const UNMODELLED: &str = r"
SELECT 'foreign table' AS kind, c.relname::text AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind = 'f'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
UNION ALL
SELECT CASE p.prokind WHEN 'a' THEN 'aggregate' ELSE 'window function' END,
       p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = current_schema() AND p.prokind IN ('a', 'w')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'range type', t.typname::text
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = current_schema() AND t.typtype = 'r'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')
UNION ALL
SELECT 'extension', e.extname::text
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE (n.nspname LIKE 'pg\_%' OR n.nspname = 'information_schema') AND e.extname <> 'plpgsql'
ORDER BY 1, 2";
