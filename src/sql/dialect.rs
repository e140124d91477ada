//! The sqlparser dialect plinth parses with: the engine's own, wrapped to bound the parser's work.
//!
//! sqlparser backtracks: at many places it tries one reading of the tokens, and on failure
//! rewinds and tries another. Nested, each such place multiplies the work, so a few dozen
//! nested calls can take longer than anyone waits (nested `abs(` on PostgreSQL, where every
//! argument is first tried as `name => value`; `CEIL(`, `CAST(`, `POSITION(` or `NOT (` with an
//! error inside them). [`Bounded`] delegates every method of sqlparser's `Dialect` trait to the
//! engine's dialect (`dialect()` too, so sqlparser's own `dialect_of!` tests still see the
//! engine) and changes two things:
//! - every attempt to parse an expression (`parse_prefix`, called at the start of each one)
//!   spends one unit of a budget proportional to the statement's length; once it is spent,
//!   each further attempt fails at once, so the parser unwinds without trying alternatives,
//!   and [`Bounded::exhausted`] tells the caller to report the statement as too complex;
//! - on PostgreSQL a function argument is not first tried as `expression => value` (only
//!   `name => value`, which is all PostgreSQL accepts): that attempt doubled the work at every
//!   level of nested calls, valid ones included;
//! - the few places where sqlparser's dialects panic on bad input (MySQL `DIV`, SQLite
//!   `REGEXP`/`MATCH` with a bad right side, `FLUSH … FOR CHANNEL`) return the error instead.
//!
//! The delegating methods are written out for sqlparser 0.59's trait, one per method: a method
//! left out would silently take the trait's default instead of the engine's. When sqlparser is
//! upgraded, compare the trait's method list with this file (`parses_like_the_engine_dialect`
//! in the tests checks the example project and the fixtures parse to the same statements).

use core::any::TypeId;
use core::iter::Peekable;
use core::str::Chars;
use std::cell::Cell;

use sqlparser::ast::{
    BinaryOperator, ColumnOption, Expr, GranteesType, Ident, ObjectNamePart, Statement,
};
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, Precedence, SQLiteDialect};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Token};

use crate::model;

/// An engine's dialect with a work budget (see the module documentation).
#[derive(Debug)]
pub struct Bounded {
    inner: Box<dyn Dialect>,
    engine: model::Dialect,
    /// Expression attempts left.
    budget: Cell<u64>,
    /// The budget ran out.
    exhausted: Cell<bool>,
    /// The furthest token an expression attempt started at: where a statement that was too
    /// complex to parse most likely goes wrong.
    furthest: Cell<Location>,
}

impl Bounded {
    /// `dialect`'s parser dialect, allowed `budget` expression attempts.
    pub fn new(dialect: model::Dialect, budget: u64) -> Bounded {
        let inner: Box<dyn Dialect> = match dialect {
            model::Dialect::Postgres => Box::new(PostgreSqlDialect {}),
            model::Dialect::Mysql => Box::new(MySqlDialect {}),
            model::Dialect::Sqlite => Box::new(SQLiteDialect {}),
        };
        Bounded {
            inner,
            engine: dialect,
            budget: Cell::new(budget),
            exhausted: Cell::new(false),
            furthest: Cell::new(Location { line: 0, column: 0 }),
        }
    }

    /// Where the parser got furthest, when the budget ran out.
    pub fn exhausted(&self) -> Option<Location> {
        self.exhausted.get().then(|| self.furthest.get())
    }
}

impl Dialect for Bounded {
    fn dialect(&self) -> TypeId {
        self.inner.dialect()
    }
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        self.inner.is_delimited_identifier_start(ch)
    }
    fn is_nested_delimited_identifier_start(&self, ch: char) -> bool {
        self.inner.is_nested_delimited_identifier_start(ch)
    }
    fn peek_nested_delimited_identifier_quotes(
        &self,
        chars: Peekable<Chars<'_>>,
    ) -> Option<(char, Option<char>)> {
        self.inner.peek_nested_delimited_identifier_quotes(chars)
    }
    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        self.inner.identifier_quote_style(identifier)
    }
    fn is_identifier_start(&self, ch: char) -> bool {
        self.inner.is_identifier_start(ch)
    }
    fn is_identifier_part(&self, ch: char) -> bool {
        self.inner.is_identifier_part(ch)
    }
    fn is_custom_operator_part(&self, ch: char) -> bool {
        self.inner.is_custom_operator_part(ch)
    }
    fn supports_string_literal_backslash_escape(&self) -> bool {
        self.inner.supports_string_literal_backslash_escape()
    }
    fn ignores_wildcard_escapes(&self) -> bool {
        self.inner.ignores_wildcard_escapes()
    }
    fn supports_unicode_string_literal(&self) -> bool {
        self.inner.supports_unicode_string_literal()
    }
    fn supports_filter_during_aggregation(&self) -> bool {
        self.inner.supports_filter_during_aggregation()
    }
    fn supports_window_clause_named_window_reference(&self) -> bool {
        self.inner.supports_window_clause_named_window_reference()
    }
    fn supports_within_after_array_aggregation(&self) -> bool {
        self.inner.supports_within_after_array_aggregation()
    }
    fn supports_group_by_expr(&self) -> bool {
        self.inner.supports_group_by_expr()
    }
    fn supports_group_by_with_modifier(&self) -> bool {
        self.inner.supports_group_by_with_modifier()
    }
    fn supports_left_associative_joins_without_parens(&self) -> bool {
        self.inner.supports_left_associative_joins_without_parens()
    }
    fn supports_outer_join_operator(&self) -> bool {
        self.inner.supports_outer_join_operator()
    }
    fn supports_cross_join_constraint(&self) -> bool {
        self.inner.supports_cross_join_constraint()
    }
    fn supports_connect_by(&self) -> bool {
        self.inner.supports_connect_by()
    }
    fn supports_execute_immediate(&self) -> bool {
        self.inner.supports_execute_immediate()
    }
    fn supports_match_recognize(&self) -> bool {
        self.inner.supports_match_recognize()
    }
    fn supports_in_empty_list(&self) -> bool {
        self.inner.supports_in_empty_list()
    }
    fn supports_start_transaction_modifier(&self) -> bool {
        self.inner.supports_start_transaction_modifier()
    }
    fn supports_end_transaction_modifier(&self) -> bool {
        self.inner.supports_end_transaction_modifier()
    }
    fn supports_named_fn_args_with_eq_operator(&self) -> bool {
        self.inner.supports_named_fn_args_with_eq_operator()
    }
    fn supports_named_fn_args_with_colon_operator(&self) -> bool {
        self.inner.supports_named_fn_args_with_colon_operator()
    }
    fn supports_named_fn_args_with_assignment_operator(&self) -> bool {
        self.inner.supports_named_fn_args_with_assignment_operator()
    }
    fn supports_named_fn_args_with_rarrow_operator(&self) -> bool {
        self.inner.supports_named_fn_args_with_rarrow_operator()
    }
    fn supports_named_fn_args_with_expr_name(&self) -> bool {
        // See the module documentation: `name => value` is still read.
        self.engine != model::Dialect::Postgres
            && self.inner.supports_named_fn_args_with_expr_name()
    }
    fn supports_numeric_prefix(&self) -> bool {
        self.inner.supports_numeric_prefix()
    }
    fn supports_numeric_literal_underscores(&self) -> bool {
        self.inner.supports_numeric_literal_underscores()
    }
    fn supports_window_function_null_treatment_arg(&self) -> bool {
        self.inner.supports_window_function_null_treatment_arg()
    }
    fn supports_dictionary_syntax(&self) -> bool {
        self.inner.supports_dictionary_syntax()
    }
    fn support_map_literal_syntax(&self) -> bool {
        self.inner.support_map_literal_syntax()
    }
    fn supports_lambda_functions(&self) -> bool {
        self.inner.supports_lambda_functions()
    }
    fn supports_parenthesized_set_variables(&self) -> bool {
        self.inner.supports_parenthesized_set_variables()
    }
    fn supports_comma_separated_set_assignments(&self) -> bool {
        self.inner.supports_comma_separated_set_assignments()
    }
    fn supports_select_wildcard_except(&self) -> bool {
        self.inner.supports_select_wildcard_except()
    }
    fn convert_type_before_value(&self) -> bool {
        self.inner.convert_type_before_value()
    }
    fn supports_triple_quoted_string(&self) -> bool {
        self.inner.supports_triple_quoted_string()
    }
    fn parse_prefix(&self, parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
        let at = parser.peek_token_ref().span.start;
        if at > self.furthest.get() {
            self.furthest.set(at);
        }
        match self.budget.get() {
            0 => {
                self.exhausted.set(true);
                // The one error every backtracking place passes on instead of trying another
                // reading (`Parser::maybe_parse`).
                Some(Err(ParserError::RecursionLimitExceeded))
            }
            left => {
                self.budget.set(left - 1);
                self.inner.parse_prefix(parser)
            }
        }
    }
    fn supports_trailing_commas(&self) -> bool {
        self.inner.supports_trailing_commas()
    }
    fn supports_limit_comma(&self) -> bool {
        self.inner.supports_limit_comma()
    }
    fn supports_string_literal_concatenation(&self) -> bool {
        self.inner.supports_string_literal_concatenation()
    }
    fn supports_projection_trailing_commas(&self) -> bool {
        self.inner.supports_projection_trailing_commas()
    }
    fn supports_from_trailing_commas(&self) -> bool {
        self.inner.supports_from_trailing_commas()
    }
    fn supports_column_definition_trailing_commas(&self) -> bool {
        self.inner.supports_column_definition_trailing_commas()
    }
    fn supports_object_name_double_dot_notation(&self) -> bool {
        self.inner.supports_object_name_double_dot_notation()
    }
    fn supports_struct_literal(&self) -> bool {
        self.inner.supports_struct_literal()
    }
    fn supports_empty_projections(&self) -> bool {
        self.inner.supports_empty_projections()
    }
    fn supports_select_expr_star(&self) -> bool {
        self.inner.supports_select_expr_star()
    }
    fn supports_from_first_select(&self) -> bool {
        self.inner.supports_from_first_select()
    }
    fn supports_pipe_operator(&self) -> bool {
        self.inner.supports_pipe_operator()
    }
    fn supports_user_host_grantee(&self) -> bool {
        self.inner.supports_user_host_grantee()
    }
    fn supports_match_against(&self) -> bool {
        self.inner.supports_match_against()
    }
    fn supports_select_wildcard_exclude(&self) -> bool {
        self.inner.supports_select_wildcard_exclude()
    }
    fn supports_select_exclude(&self) -> bool {
        self.inner.supports_select_exclude()
    }
    fn supports_create_table_multi_schema_info_sources(&self) -> bool {
        self.inner.supports_create_table_multi_schema_info_sources()
    }
    fn parse_infix(
        &self,
        parser: &mut Parser,
        expr: &Expr,
        precedence: u8,
    ) -> Option<Result<Expr, ParserError>> {
        // sqlparser's MySQL `DIV` and SQLite `REGEXP`/`MATCH` unwrap the parse of their right
        // side, and panic on an error there: the same, with the error passed on.
        let keywords: &[(Keyword, BinaryOperator)] = match self.engine {
            model::Dialect::Mysql => &[(Keyword::DIV, BinaryOperator::MyIntegerDivide)],
            model::Dialect::Sqlite => &[
                (Keyword::REGEXP, BinaryOperator::Regexp),
                (Keyword::MATCH, BinaryOperator::Match),
            ],
            model::Dialect::Postgres => &[],
        };
        for (keyword, op) in keywords {
            if parser.parse_keyword(*keyword) {
                return Some(parser.parse_expr().map(|right| Expr::BinaryOp {
                    left: Box::new(expr.clone()),
                    op: op.clone(),
                    right: Box::new(right),
                }));
            }
        }
        self.inner.parse_infix(parser, expr, precedence)
    }
    fn get_next_precedence(&self, parser: &Parser) -> Option<Result<u8, ParserError>> {
        self.inner.get_next_precedence(parser)
    }
    fn get_next_precedence_default(&self, parser: &Parser) -> Result<u8, ParserError> {
        self.inner.get_next_precedence_default(parser)
    }
    fn parse_statement(&self, parser: &mut Parser) -> Option<Result<Statement, ParserError>> {
        // sqlparser panics on a bad name in `FLUSH RELAY LOGS FOR CHANNEL …`; FLUSH is no
        // schema statement anyway.
        if let Token::Word(w) = &parser.peek_token_ref().token {
            if w.quote_style.is_none() && w.keyword == Keyword::FLUSH {
                return Some(Err(ParserError::ParserError(
                    "FLUSH is not a schema statement".into(),
                )));
            }
        }
        self.inner.parse_statement(parser)
    }
    fn parse_column_option(
        &self,
        parser: &mut Parser,
    ) -> Result<Option<Result<Option<ColumnOption>, ParserError>>, ParserError> {
        self.inner.parse_column_option(parser)
    }
    fn prec_value(&self, prec: Precedence) -> u8 {
        self.inner.prec_value(prec)
    }
    fn prec_unknown(&self) -> u8 {
        self.inner.prec_unknown()
    }
    fn describe_requires_table_keyword(&self) -> bool {
        self.inner.describe_requires_table_keyword()
    }
    fn allow_extract_custom(&self) -> bool {
        self.inner.allow_extract_custom()
    }
    fn allow_extract_single_quotes(&self) -> bool {
        self.inner.allow_extract_single_quotes()
    }
    fn supports_dollar_placeholder(&self) -> bool {
        self.inner.supports_dollar_placeholder()
    }
    fn supports_create_index_with_clause(&self) -> bool {
        self.inner.supports_create_index_with_clause()
    }
    fn require_interval_qualifier(&self) -> bool {
        self.inner.require_interval_qualifier()
    }
    fn supports_explain_with_utility_options(&self) -> bool {
        self.inner.supports_explain_with_utility_options()
    }
    fn supports_asc_desc_in_column_definition(&self) -> bool {
        self.inner.supports_asc_desc_in_column_definition()
    }
    fn supports_factorial_operator(&self) -> bool {
        self.inner.supports_factorial_operator()
    }
    fn supports_nested_comments(&self) -> bool {
        self.inner.supports_nested_comments()
    }
    fn supports_eq_alias_assignment(&self) -> bool {
        self.inner.supports_eq_alias_assignment()
    }
    fn supports_try_convert(&self) -> bool {
        self.inner.supports_try_convert()
    }
    fn supports_bang_not_operator(&self) -> bool {
        self.inner.supports_bang_not_operator()
    }
    fn supports_listen_notify(&self) -> bool {
        self.inner.supports_listen_notify()
    }
    fn supports_load_data(&self) -> bool {
        self.inner.supports_load_data()
    }
    fn supports_load_extension(&self) -> bool {
        self.inner.supports_load_extension()
    }
    fn supports_top_before_distinct(&self) -> bool {
        self.inner.supports_top_before_distinct()
    }
    fn supports_boolean_literals(&self) -> bool {
        self.inner.supports_boolean_literals()
    }
    fn supports_show_like_before_in(&self) -> bool {
        self.inner.supports_show_like_before_in()
    }
    fn supports_comment_on(&self) -> bool {
        self.inner.supports_comment_on()
    }
    fn supports_create_table_select(&self) -> bool {
        self.inner.supports_create_table_select()
    }
    fn supports_partiql(&self) -> bool {
        self.inner.supports_partiql()
    }
    fn is_reserved_for_identifier(&self, kw: Keyword) -> bool {
        self.inner.is_reserved_for_identifier(kw)
    }
    fn get_reserved_keywords_for_select_item_operator(&self) -> &[Keyword] {
        self.inner.get_reserved_keywords_for_select_item_operator()
    }
    fn get_reserved_grantees_types(&self) -> &[GranteesType] {
        self.inner.get_reserved_grantees_types()
    }
    fn supports_table_sample_before_alias(&self) -> bool {
        self.inner.supports_table_sample_before_alias()
    }
    fn supports_insert_set(&self) -> bool {
        self.inner.supports_insert_set()
    }
    fn supports_insert_table_function(&self) -> bool {
        self.inner.supports_insert_table_function()
    }
    fn supports_insert_format(&self) -> bool {
        self.inner.supports_insert_format()
    }
    fn supports_set_stmt_without_operator(&self) -> bool {
        self.inner.supports_set_stmt_without_operator()
    }
    fn is_column_alias(&self, kw: &Keyword, parser: &mut Parser) -> bool {
        self.inner.is_column_alias(kw, parser)
    }
    fn is_select_item_alias(&self, explicit: bool, kw: &Keyword, parser: &mut Parser) -> bool {
        self.inner.is_select_item_alias(explicit, kw, parser)
    }
    fn is_table_factor(&self, kw: &Keyword, parser: &mut Parser) -> bool {
        self.inner.is_table_factor(kw, parser)
    }
    fn is_table_alias(&self, kw: &Keyword, parser: &mut Parser) -> bool {
        self.inner.is_table_alias(kw, parser)
    }
    fn is_table_factor_alias(&self, explicit: bool, kw: &Keyword, parser: &mut Parser) -> bool {
        self.inner.is_table_factor_alias(explicit, kw, parser)
    }
    fn supports_timestamp_versioning(&self) -> bool {
        self.inner.supports_timestamp_versioning()
    }
    fn supports_string_escape_constant(&self) -> bool {
        self.inner.supports_string_escape_constant()
    }
    fn supports_table_hints(&self) -> bool {
        self.inner.supports_table_hints()
    }
    fn requires_single_line_comment_whitespace(&self) -> bool {
        self.inner.requires_single_line_comment_whitespace()
    }
    fn supports_array_typedef_with_brackets(&self) -> bool {
        self.inner.supports_array_typedef_with_brackets()
    }
    fn supports_geometric_types(&self) -> bool {
        self.inner.supports_geometric_types()
    }
    fn supports_order_by_all(&self) -> bool {
        self.inner.supports_order_by_all()
    }
    fn supports_set_names(&self) -> bool {
        self.inner.supports_set_names()
    }
    fn supports_space_separated_column_options(&self) -> bool {
        self.inner.supports_space_separated_column_options()
    }
    fn supports_alter_column_type_using(&self) -> bool {
        self.inner.supports_alter_column_type_using()
    }
    fn supports_comma_separated_drop_column_list(&self) -> bool {
        self.inner.supports_comma_separated_drop_column_list()
    }
    fn is_identifier_generating_function_name(
        &self,
        ident: &Ident,
        name_parts: &[ObjectNamePart],
    ) -> bool {
        self.inner
            .is_identifier_generating_function_name(ident, name_parts)
    }
    fn supports_notnull_operator(&self) -> bool {
        self.inner.supports_notnull_operator()
    }
    fn supports_data_type_signed_suffix(&self) -> bool {
        self.inner.supports_data_type_signed_suffix()
    }
    fn supports_interval_options(&self) -> bool {
        self.inner.supports_interval_options()
    }
    fn supports_create_table_like_parenthesized(&self) -> bool {
        self.inner.supports_create_table_like_parenthesized()
    }
    fn supports_semantic_view_table_factor(&self) -> bool {
        self.inner.supports_semantic_view_table_factor()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dialect as D;

    /// Every SQL text in the repository (the example project and the fixtures, whose expected
    /// plans are in all three dialects) parses to the same statements, or the same error, with
    /// the engine's dialect and with [`Bounded`].
    #[test]
    fn parses_like_the_engine_dialect() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = Vec::new();
        for dir in ["schemas", "fixtures"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                // `fixtures/errors/` holds bad inputs, some of them not even text.
                if path.is_file() {
                    texts.push(std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        assert!(texts.len() > 10);
        let mut same = 0;
        for text in &texts {
            for dialect in [D::Postgres, D::Mysql, D::Sqlite] {
                let engine: Box<dyn Dialect> = match dialect {
                    D::Postgres => Box::new(PostgreSqlDialect {}),
                    D::Mysql => Box::new(MySqlDialect {}),
                    D::Sqlite => Box::new(SQLiteDialect {}),
                };
                let bounded = Bounded::new(dialect, u64::MAX);
                let a = Parser::parse_sql(engine.as_ref(), text);
                let b = Parser::parse_sql(&bounded, text);
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "{dialect}: {text}");
                same += usize::from(a.is_ok());
            }
        }
        assert!(same > 10, "too few texts parsed: {same}");
    }

    #[test]
    fn nested_calls_are_linear_and_the_budget_stops_backtracking() {
        // sqlparser's frames are large in a debug build: give it the parsing stack.
        crate::sql::with_stack(nested_calls).unwrap();
    }

    fn nested_calls() {
        // 2^30 attempts before the PostgreSQL argument fix: this would not finish.
        let calls = format!("{}1{}", "abs(".repeat(30), ")".repeat(30));
        let bounded = Bounded::new(D::Postgres, 10_000);
        Parser::new(&bounded)
            .try_with_sql(&calls)
            .and_then(|mut p| p.parse_expr())
            .unwrap();
        assert_eq!(bounded.exhausted(), None);
        // An error deep inside `CEIL(`: 3^30 attempts unbounded; stopped at 1,000.
        let broken = format!("{}1,,{}", "CEIL(".repeat(30), ")".repeat(30));
        let bounded = Bounded::new(D::Postgres, 1_000);
        let result = Parser::new(&bounded)
            .try_with_sql(&broken)
            .and_then(|mut p| p.parse_expr());
        assert!(result.is_err());
        let at = bounded.exhausted().expect("the budget ran out");
        assert_eq!(at.line, 1);
        assert!(at.column > 100, "the furthest point reached: {at:?}");
        // sqlparser's own dialects panic on these; the bounded ones give the error.
        for (dialect, text) in [
            (D::Sqlite, "x MATCH \\"),
            (D::Sqlite, "x REGEXP )"),
            (D::Mysql, "x DIV ,"),
        ] {
            let bounded = Bounded::new(dialect, 100);
            let parsed = Parser::new(&bounded)
                .try_with_sql(text)
                .and_then(|mut p| p.parse_expr());
            assert!(parsed.is_err(), "{text}");
        }
        let bounded = Bounded::new(D::Mysql, 100);
        assert!(Parser::parse_sql(&bounded, "FLUSH RELAY LOGS FOR CHANNEL ;").is_err());
        // Named arguments still parse.
        let named = Bounded::new(D::Postgres, 100);
        Parser::new(&named)
            .try_with_sql("make_interval(days => 1)")
            .and_then(|mut p| p.parse_expr())
            .unwrap();
    }
}
