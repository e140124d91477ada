//! Lowering of `CREATE [MATERIALIZED] VIEW` and `COMMENT ON VIEW`: the query printed from its
//! parse tree, the names it reads, PostgreSQL's view options.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{
    CreateTableOptions, Expr, Ident, ObjectName, ObjectNamePart, Query, SqlOption, Statement,
    Value, ViewColumnDef, Visit, Visitor,
};

use super::Lowering;
use crate::error::{Location, Result};
use crate::model::{Dialect, View};

/// The options a PostgreSQL view takes, and the values each may have.
const VIEW_OPTIONS: &[(&str, &[&str])] = &[
    ("check_option", &["local", "cascaded"]),
    ("security_barrier", &["true", "false"]),
    ("security_invoker", &["true", "false"]),
];

impl Lowering<'_> {
    pub(super) fn create_view(&mut self, statement: Statement, at: Location) -> Result<()> {
        let Statement::CreateView {
            or_alter,
            or_replace: _,
            materialized,
            secure,
            name,
            name_before_not_exists: _,
            columns,
            query,
            options,
            cluster_by,
            comment,
            with_no_schema_binding,
            if_not_exists: _,
            temporary,
            to,
            params,
        } = statement
        else {
            return Ok(());
        };
        let unsupported = if temporary {
            Some("CREATE TEMPORARY VIEW")
        } else if params.is_some() {
            Some("ALGORITHM, DEFINER or SQL SECURITY on a view")
        } else if or_alter
            || secure
            || !cluster_by.is_empty()
            || comment.is_some()
            || to.is_some()
            || with_no_schema_binding
        {
            Some("this form of CREATE VIEW")
        } else {
            None
        };
        if let Some(what) = unsupported {
            return Err(self.err_help(
                at,
                format!("`{what}` is not supported in a schema file"),
                "write a plain CREATE VIEW … AS SELECT …",
            ));
        }
        if materialized {
            self.postgres_only("`CREATE MATERIALIZED VIEW`", &at)?;
        }
        let (name, location) = self.qualified_name(&name, &at)?;
        if let Some(first) = self.out.views.get(&name) {
            return Err(self.err_help(
                location,
                format!("view `{name}` is already defined at {first}"),
                "define it once",
            ));
        }
        let columns = self.view_columns(&columns, &at)?;
        let options = self.view_options(options, &at)?;
        // The query is written back as sqlparser prints it: only if that reads back as the same
        // tree (a MySQL string holding a backslash, say, would not), so the view made is the
        // one the file says.
        let text = query.to_string();
        if parse_query(self.dialect, &text).as_ref() != Some(&*query) {
            return Err(self.err_help(
                at,
                format!("the query of view `{name}` cannot be written back exactly as it reads"),
                "simplify the literal or name it cannot write (a backslash in a MySQL string, for one)",
            ));
        }
        let view = View {
            definition: view_definition(&columns, &text),
            reads: reads(self.dialect, &query),
            calls: calls(self.dialect, &query),
            name: name.clone(),
            materialized,
            columns,
            query: text,
            options,
            comment: None,
            indexes: Vec::new(),
        };
        self.out.schema.views.insert(name.clone(), view);
        self.out.views.insert(name, location);
        Ok(())
    }

    fn view_columns(&self, columns: &[ViewColumnDef], at: &Location) -> Result<Vec<String>> {
        columns
            .iter()
            .map(|c| {
                if c.data_type.is_some() || c.options.is_some() {
                    return Err(self.err(
                        self.ident_loc(&c.name, at),
                        format!("`{c}`: a view's column takes a name only"),
                    ));
                }
                self.checked(&c.name, at)
            })
            .collect()
    }

    /// PostgreSQL `WITH (security_invoker = true, check_option = local)`, as the catalog keeps
    /// them: lower case, a bare option meaning `true`, sorted.
    fn view_options(
        &self,
        options: CreateTableOptions,
        at: &Location,
    ) -> Result<Vec<(String, String)>> {
        let list = match options {
            CreateTableOptions::None => return Ok(Vec::new()),
            CreateTableOptions::With(list) if self.dialect == Dialect::Postgres => list,
            other => {
                return Err(self.err(
                    at.clone(),
                    format!("view options `{other}` are not supported"),
                ))
            }
        };
        let mut out = Vec::new();
        for option in list {
            let (key, value) = match &option {
                SqlOption::KeyValue { key, value } => {
                    (key.value.to_lowercase(), option_value(value))
                }
                SqlOption::Ident(key) => (key.value.to_lowercase(), Some("true".to_string())),
                _ => (String::new(), None),
            };
            let allowed = VIEW_OPTIONS.iter().find(|(k, _)| *k == key);
            match (allowed, value) {
                (Some((_, values)), Some(v)) if values.contains(&v.as_str()) => out.push((key, v)),
                _ => {
                    return Err(self.err_help(
                        at.clone(),
                        format!("view option `{option}` is not one plinth manages"),
                        "use security_invoker, security_barrier (true or false) or check_option (local or cascaded)",
                    ))
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

/// An option's value as the catalog keeps it: booleans spelled `true`/`false`, words lower case.
fn option_value(e: &Expr) -> Option<String> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Boolean(b) => Some(b.to_string()),
            Value::SingleQuotedString(s) => Some(s.to_lowercase()),
            Value::Number(n, _) if n == "1" => Some("true".into()),
            Value::Number(n, _) if n == "0" => Some("false".into()),
            _ => None,
        },
        Expr::Identifier(i) => match i.value.to_lowercase().as_str() {
            "on" | "yes" => Some("true".into()),
            "off" | "no" => Some("false".into()),
            other => Some(other.to_string()),
        },
        _ => None,
    }
}

/// The definition a view is compared by when no server says what it keeps: its column names
/// and its printed query.
fn view_definition(columns: &[String], query: &str) -> String {
    if columns.is_empty() {
        query.to_string()
    } else {
        format!("({}) {query}", columns.join(", "))
    }
}

/// A stored view query (a catalog's text), printed from its parse tree as a desired view's
/// query is, and what it reads; `None` when it does not read as a query.
pub(crate) fn stored_query(dialect: Dialect, text: &str) -> Option<(String, Vec<String>)> {
    let query = parse_query(dialect, text)?;
    Some((query.to_string(), reads(dialect, &query)))
}

/// `text` as one query, within the limits every input is held to; `None` when it is not one.
fn parse_query(dialect: Dialect, text: &str) -> Option<Query> {
    let tokens = crate::sql::limits::checked_tokens(dialect, text).ok()?;
    let parser_dialect = crate::sql::parser_dialect(dialect);
    let mut parser =
        sqlparser::parser::Parser::new(parser_dialect.as_ref()).with_tokens_with_locations(tokens);
    let query = parser.parse_query().ok()?;
    (parser.peek_token().token == sqlparser::tokenizer::Token::EOF).then_some(*query)
}

/// The key of a name a query uses: folded as `dialect` folds names, in the default schema
/// (`public.t`, `main.t`: `t`) or on PostgreSQL in another (`sales.t`); `None` for a name
/// in another MySQL database or SQLite attachment, or of more parts.
pub(crate) fn key(dialect: Dialect, parts: &[&Ident]) -> Option<String> {
    match parts {
        [name] => Some(fold(dialect, name)),
        [schema, name] => match fold(dialect, schema).as_str() {
            "public" | "main" => Some(fold(dialect, name)),
            schema if dialect == Dialect::Postgres => {
                Some(crate::model::qualified(Some(schema), &fold(dialect, name)))
            }
            _ => None,
        },
        _ => None,
    }
}

/// The routines a query calls, by key (see [`key`]), sorted; built-in functions among them.
pub(crate) fn calls(dialect: Dialect, query: &Query) -> Vec<String> {
    struct Calls {
        dialect: Dialect,
        names: BTreeSet<String>,
    }
    impl Visitor for Calls {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if let Expr::Function(f) = expr {
                let parts: Vec<&Ident> = (f.name.0.iter())
                    .filter_map(ObjectNamePart::as_ident)
                    .collect();
                if let Some(key) = key(self.dialect, &parts) {
                    self.names.insert(key);
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut calls = Calls {
        dialect,
        names: BTreeSet::new(),
    };
    let _ = query.visit(&mut calls);
    calls.names.into_iter().collect()
}

/// The tables and views a query reads: every relation it names (keyed by [`key`]), but the
/// common table expressions it defines, sorted.
pub(crate) fn reads(dialect: Dialect, query: &Query) -> Vec<String> {
    struct Relations {
        dialect: Dialect,
        names: BTreeSet<String>,
        ctes: BTreeSet<String>,
    }
    impl Visitor for Relations {
        type Break = ();
        fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
            if let Some(with) = &query.with {
                for cte in &with.cte_tables {
                    self.ctes.insert(fold(self.dialect, &cte.alias.name));
                }
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
            let parts: Vec<&Ident> = relation
                .0
                .iter()
                .filter_map(ObjectNamePart::as_ident)
                .collect();
            if let Some(key) = key(self.dialect, &parts) {
                self.names.insert(key);
            }
            ControlFlow::Continue(())
        }
    }
    let mut relations = Relations {
        dialect,
        names: BTreeSet::new(),
        ctes: BTreeSet::new(),
    };
    let _ = query.visit(&mut relations);
    let Relations { names, ctes, .. } = relations;
    names.into_iter().filter(|n| !ctes.contains(n)).collect()
}

fn fold(dialect: Dialect, ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        dialect.fold(&ident.value)
    }
}
