//! What to ask the data before a plan runs: for each step that fails on some rows (a unique key
//! over repeated values, NOT NULL over NULLs, a narrower type over values that do not fit, a
//! check some rows break, a foreign key whose rows reference nothing) or destroys some (a table
//! or a column dropped), the bounded queries that find them, and what their answers say.
//!
//! Pure: `db::data` runs the queries. A probe reads only what the live database has (a table or
//! column the plan adds or renames first is not there yet: no probe), never a column whose type
//! the plan changes too, and never an expression calling a routine the plan changes. What it
//! shows of offending rows is their keys: the repeated values of a unique key, the values a
//! foreign key misses, else the table's primary key — never whole rows.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use super::{Action, HazardCode, Plan};
use crate::diff::{TableChange, TypeChange};
use crate::error::Result;
use crate::model::{Column, ColumnType, Dialect, Expression, ForeignKey, IndexKey, Schema, Table};

/// The most rows a count goes to: past it, the answer is "more than".
pub const ROW_CAP: u64 = 1_000_000;
/// How many offending keys an answer shows.
pub const SAMPLE: usize = 3;
/// How much of one value an answer shows.
const VALUE_CHARS: usize = 40;

/// Rows of values as text (`None`: NULL).
pub type Rows = Vec<Vec<Option<String>>>;

/// A probe's answer: how many, and a sample of their keys; or what the server said when it
/// refused the question or gave up on it.
pub type Answer = std::result::Result<(u64, Rows), String>;

/// What the rows a probe counts mean for its step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The step fails on them: the apply is refused before any DDL.
    Fails,
    /// The step destroys them.
    Loses,
    /// The question could not be asked (the server refused it or gave up on it).
    Unchecked,
}

/// The queries for one step's question.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// The step of the plan it is about.
    pub step: usize,
    pub code: HazardCode,
    pub table: String,
    /// What the step does, as people read it: `unique (email)`, `column "name" NOT NULL`.
    pub subject: String,
    pub verdict: Verdict,
    /// What the counted things are, around `{}` where the count goes: `{} repeated`,
    /// `loses {}`.
    pub problem: String,
    /// Whether the count is of key values (`values`) rather than rows.
    pub values: bool,
    /// One number: how many, up to `ROW_CAP + 1`.
    pub count: String,
    /// The names of the key columns the sample shows, and the query for up to [`SAMPLE`] of
    /// them; `None` when there is no key to show (a table without a primary key, a drop).
    pub sample: Option<(Vec<String>, String)>,
}

/// How many rows (or key values), up to [`ROW_CAP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Count {
    pub count: u64,
    /// There are more than `count`.
    pub more: bool,
}

impl Count {
    /// A count query's answer (asked for one more than [`ROW_CAP`]).
    pub fn of(answer: u64) -> Count {
        Count {
            count: answer.min(ROW_CAP),
            more: answer > ROW_CAP,
        }
    }
}

/// What the data said about one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: HazardCode,
    pub table: String,
    pub subject: String,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Count>,
    /// The key columns of `sample`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
    /// Up to [`SAMPLE`] offending keys, each value cut to a readable length.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sample: Rows,
    /// The whole finding in words.
    pub message: String,
}

impl Finding {
    /// A probe's answer: how many (`None`: the probe could not run, `why`), and the sample.
    pub fn new(dialect: Dialect, probe: &Probe, answer: Answer) -> Finding {
        let q = |name: &str| crate::quote::ident(dialect, name);
        let head = format!("{}: {}", q(&probe.table), probe.subject);
        let (verdict, rows, sample, message) = match answer {
            Err(why) => (
                Verdict::Unchecked,
                None,
                Vec::new(),
                format!("{head}: the data could not be checked ({why})"),
            ),
            Ok((answer, sample)) => {
                let rows = Count::of(answer);
                let unit = match (probe.values, rows.count == 1 && !rows.more) {
                    (true, true) => "value",
                    (true, false) => "values",
                    (false, true) => "row",
                    (false, false) => "rows",
                };
                let more = if rows.more { "more than " } else { "" };
                let sample: Rows = (sample.into_iter().take(SAMPLE))
                    .map(|row| row.into_iter().map(|v| v.map(cut)).collect())
                    .collect();
                let keys = match (&probe.sample, sample.is_empty()) {
                    (Some((key, _)), false) => format!(" ({})", shown_keys(dialect, key, &sample)),
                    _ => String::new(),
                };
                let counted = format!("{more}{} {unit}", thousands(rows.count));
                let message = format!(
                    "{head}: {}{keys}",
                    probe.problem.replacen("{}", &counted, 1)
                );
                (probe.verdict, Some(rows), sample, message)
            }
        };
        Finding {
            code: probe.code,
            table: probe.table.clone(),
            subject: probe.subject.clone(),
            verdict,
            rows,
            key: match &probe.sample {
                Some((key, _)) if !sample.is_empty() => key.clone(),
                _ => Vec::new(),
            },
            sample,
            message,
        }
    }

    /// Whether it stops the plan: the step would fail.
    pub fn fails(&self) -> bool {
        self.verdict == Verdict::Fails && self.rows.is_some_and(|r| r.count > 0)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A value cut to [`VALUE_CHARS`] characters (`…` marks the cut).
fn cut(value: String) -> String {
    match value.char_indices().nth(VALUE_CHARS) {
        Some((at, _)) => format!("{}…", &value[..at]),
        None => value,
    }
}

/// `id: 4, 9` or `(a, b): (1, 'x'), (2, 'y')`.
fn shown_keys(dialect: Dialect, key: &[String], sample: &Rows) -> String {
    let value = |v: &Option<String>| match v {
        None => "NULL".to_string(),
        Some(v) if !v.is_empty() && v.parse::<f64>().is_ok() => v.clone(),
        // A line break in a value ends no line of the message.
        Some(v) => format!("'{}'", crate::report::comment(&v.replace('\'', "''"))),
    };
    let names: Vec<String> = key
        .iter()
        .map(|k| crate::quote::ident(dialect, k))
        .collect();
    let rows: Vec<String> = sample
        .iter()
        .map(|row| {
            let values: Vec<String> = row.iter().map(value).collect();
            match values.len() {
                1 => values.concat(),
                _ => format!("({})", values.join(", ")),
            }
        })
        .collect();
    match names.len() {
        1 => format!("{}: {}", names.concat(), rows.join(", ")),
        _ => format!("({}): {}", names.join(", "), rows.join(", ")),
    }
}

/// The probes of `plan`'s steps over the `live` database.
pub fn probes(plan: &Plan, live: &Schema) -> Result<Vec<Probe>> {
    let dialect = plan.dialect;
    // A rebuild's changes, as the differ sees them.
    let rebuilt: Vec<(usize, &Table, Vec<TableChange>)> = (plan.steps.iter().enumerate())
        .filter_map(|(i, step)| match &step.action {
            Action::Rebuild { from, to } => {
                Some((i, from, crate::diff::diff_table(dialect, from, to)))
            }
            _ => None,
        })
        .collect();
    let mut retyped: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut routines: BTreeSet<&str> = BTreeSet::new();
    for step in &plan.steps {
        match &step.action {
            Action::Alter {
                table,
                change: TableChange::AlterColumn { to, changes, .. },
            } if changes.ty.is_some() => {
                retyped.insert((table, &to.name));
            }
            Action::CreateFunction(f) | Action::DropFunction(f) => {
                routines.insert(&f.name);
            }
            Action::AlterFunction { to, .. } => {
                routines.insert(&to.name);
            }
            _ => {}
        }
    }
    for (_, from, changes) in &rebuilt {
        for change in changes {
            if let TableChange::AlterColumn { to, changes, .. } = change {
                if changes.ty.is_some() {
                    retyped.insert((&from.name, &to.name));
                }
            }
        }
    }
    let asker = Asker {
        dialect,
        live,
        retyped: &retyped,
        routines: &routines,
    };
    let mut out = Vec::new();
    for (i, step) in plan.steps.iter().enumerate() {
        match &step.action {
            Action::DropTable(t) => {
                if let Some(table) = live.tables.get(&t.name) {
                    out.push(asker.count_rows(i, table));
                }
            }
            Action::Alter { table, change } => {
                if let Some(live_table) = live.tables.get(table) {
                    asker.change(i, live_table, change, &mut out);
                }
            }
            _ => {}
        }
    }
    for (i, from, changes) in &rebuilt {
        if let Some(live_table) = live.tables.get(&from.name) {
            for change in changes {
                asker.change(*i, live_table, change, &mut out);
            }
        }
    }
    for probe in &out {
        crate::render::one_query(dialect, &probe.count)?;
        if let Some((_, sql)) = &probe.sample {
            crate::render::one_query(dialect, sql)?;
        }
    }
    out.sort_by_key(|p| p.step);
    Ok(out)
}

/// Writes the probes of one plan.
struct Asker<'a> {
    dialect: Dialect,
    live: &'a Schema,
    /// Columns whose type the plan changes, by (table, column).
    retyped: &'a BTreeSet<(&'a str, &'a str)>,
    /// Routines the plan creates, replaces or drops, by name.
    routines: &'a BTreeSet<&'a str>,
}

/// A condition over a table's rows, and what the rows that meet it do to the step.
struct Question<'a> {
    step: usize,
    code: HazardCode,
    table: &'a Table,
    subject: String,
    problem: String,
    verdict: Verdict,
}

impl Question<'_> {
    /// The probe asking this question with `count` (of key values, when `values`) and
    /// `sample`.
    fn probe(self, values: bool, count: String, sample: Option<(Vec<String>, String)>) -> Probe {
        Probe {
            step: self.step,
            code: self.code,
            table: self.table.name.clone(),
            subject: self.subject,
            verdict: self.verdict,
            problem: self.problem,
            values,
            count,
            sample,
        }
    }
}

impl Asker<'_> {
    fn q(&self, name: &str) -> String {
        crate::quote::ident(self.dialect, name)
    }

    /// A value as text, as the driver reads every engine's text.
    fn text(&self, sql: &str) -> String {
        match self.dialect {
            Dialect::Postgres => format!("CAST({sql} AS text)"),
            Dialect::Mysql => format!("CAST({sql} AS CHAR)"),
            Dialect::Sqlite => format!("CAST({sql} AS TEXT)"),
        }
    }

    /// Whether every column of `columns` is in the live `table`, with the type it keeps.
    fn readable<'c>(&self, table: &Table, mut columns: impl Iterator<Item = &'c String>) -> bool {
        columns.all(|c| {
            table.column(c).is_some() && !self.retyped.contains(&(table.name.as_str(), c.as_str()))
        })
    }

    fn count_sql(&self, from: &str, filter: &str) -> String {
        format!(
            "SELECT COUNT(*) FROM (SELECT 1 AS x FROM {from} WHERE {filter} LIMIT {}) AS plinth_rows",
            ROW_CAP + 1
        )
    }

    /// The rows of `table` that meet `filter`, shown by the table's primary key.
    fn rows(&self, question: Question, filter: &str) -> Probe {
        let from = self.q(&question.table.name);
        let key: Vec<String> = question
            .table
            .primary_key
            .as_ref()
            .map(|pk| pk.columns.clone())
            .unwrap_or_default();
        let sample = (!key.is_empty()).then(|| {
            let quoted: Vec<String> = key.iter().map(|k| self.q(k)).collect();
            let shown: Vec<String> = quoted.iter().map(|k| self.text(k)).collect();
            let sql = format!(
                "SELECT {} FROM {from} WHERE {filter} ORDER BY {} LIMIT {SAMPLE}",
                shown.join(", "),
                quoted.join(", ")
            );
            (key, sql)
        });
        question.probe(false, self.count_sql(&from, filter), sample)
    }

    /// Every row of a table the step drops.
    fn count_rows(&self, step: usize, table: &Table) -> Probe {
        self.rows(
            Question {
                step,
                code: HazardCode::DropTable,
                table,
                subject: "drop table".into(),
                problem: "loses {}".into(),
                verdict: Verdict::Loses,
            },
            "1 = 1",
        )
        .without_sample()
    }

    /// The key values of `columns` that more than one row holds (`nulls`: NULL counts as a
    /// value; else a row with a NULL in the key is left out, as a unique key leaves it).
    fn repeats(
        &self,
        question: Question,
        columns: &[String],
        nulls: bool,
        predicate: Option<&Expression>,
    ) -> Probe {
        let from = self.q(&question.table.name);
        let quoted: Vec<String> = columns.iter().map(|c| self.q(c)).collect();
        let mut filter: Vec<String> = match nulls {
            true => Vec::new(),
            false => quoted.iter().map(|c| format!("{c} IS NOT NULL")).collect(),
        };
        filter.extend(predicate.map(|p| format!("({p})")));
        let filter = match filter.is_empty() {
            true => "1 = 1".to_string(),
            false => filter.join(" AND "),
        };
        let group = format!(
            "WHERE {filter} GROUP BY {} HAVING COUNT(*) > 1",
            quoted.join(", ")
        );
        let shown: Vec<String> = quoted.iter().map(|c| self.text(c)).collect();
        let count = format!(
            "SELECT COUNT(*) FROM (SELECT 1 AS x FROM {from} {group} LIMIT {}) AS plinth_rows",
            ROW_CAP + 1
        );
        let sample = format!(
            "SELECT {} FROM {from} {group} ORDER BY {} LIMIT {SAMPLE}",
            shown.join(", "),
            quoted.join(", ")
        );
        question.probe(true, count, Some((columns.to_vec(), sample)))
    }

    /// The rows whose foreign key values no row of the referenced table holds (all of them,
    /// when the plan creates that table), shown by those values.
    fn orphans(&self, question: Question, fk: &ForeignKey) -> Option<Probe> {
        let child = "plinth_child";
        let parent = "plinth_parent";
        let column = |alias: &str, c: &String| format!("{alias}.{}", self.q(c));
        let mut filter: Vec<String> = (fk.columns.iter())
            .map(|c| format!("{} IS NOT NULL", column(child, c)))
            .collect();
        match self.live.tables.get(&fk.ref_table) {
            None => {}
            Some(target) if self.readable(target, fk.ref_columns.iter()) => {
                let join: Vec<String> = (fk.ref_columns.iter().zip(&fk.columns))
                    .map(|(r, c)| format!("{} = {}", column(parent, r), column(child, c)))
                    .collect();
                filter.push(format!(
                    "NOT EXISTS (SELECT 1 FROM {} AS {parent} WHERE {})",
                    self.q(&target.name),
                    join.join(" AND ")
                ));
            }
            Some(_) => return None,
        }
        let from = format!("{} AS {child}", self.q(&question.table.name));
        let filter = filter.join(" AND ");
        let columns: Vec<String> = fk.columns.iter().map(|c| column(child, c)).collect();
        let shown: Vec<String> = columns.iter().map(|c| self.text(c)).collect();
        let sample = format!(
            "SELECT {} FROM {from} WHERE {filter} GROUP BY {} ORDER BY {} LIMIT {SAMPLE}",
            shown.join(", "),
            columns.join(", "),
            columns.join(", ")
        );
        let count = self.count_sql(&from, &filter);
        Some(question.probe(false, count, Some((fk.columns.clone(), sample))))
    }

    /// The probes of one change to the live `table` (a SQLite rebuild's too: it copies the
    /// rows into the table as it will be).
    fn change(&self, step: usize, table: &Table, change: &TableChange, out: &mut Vec<Probe>) {
        let q = |name: &str| self.q(name);
        let question = |code, subject: String, problem: &str, verdict| Question {
            step,
            code,
            table,
            subject,
            problem: problem.to_string(),
            verdict,
        };
        let list = |names: &[String]| names.iter().map(|n| q(n)).collect::<Vec<_>>().join(", ");
        match change {
            TableChange::DropColumn(c) if self.readable(table, [&c.name].into_iter()) => {
                let probe = self.rows(
                    question(
                        HazardCode::DropColumn,
                        format!("drop column {}", q(&c.name)),
                        "loses the values of {}",
                        Verdict::Loses,
                    ),
                    &format!("{} IS NOT NULL", q(&c.name)),
                );
                out.push(probe.without_sample());
            }
            TableChange::AlterColumn { from, to, changes } => {
                let Some(live) = table.column(&from.name) else {
                    return;
                };
                if let Some(t) = changes
                    .ty
                    .as_ref()
                    .filter(|t| t.class != TypeChange::Widening)
                {
                    if let Some((filter, problem)) = self.misfits(live, &t.to) {
                        out.push(self.rows(
                            question(
                                HazardCode::NarrowType,
                                format!("column {} {} → {}", q(&live.name), t.from, t.to),
                                &problem,
                                Verdict::Fails,
                            ),
                            &filter,
                        ));
                    }
                }
                let set_not_null = changes.nullable.as_ref().is_some_and(|n| !n.to);
                if set_not_null && self.readable(table, [&live.name].into_iter()) {
                    out.push(self.rows(
                        question(
                            HazardCode::AddNotNull,
                            format!("column {} NOT NULL", q(&to.name)),
                            "{} holding NULL",
                            Verdict::Fails,
                        ),
                        &format!("{} IS NULL", q(&live.name)),
                    ));
                }
            }
            // MySQL fills the new column with its type's implicit default.
            TableChange::AddColumn(c)
                if self.dialect != Dialect::Mysql
                    && !c.nullable
                    && c.default.is_none()
                    && c.identity.is_none()
                    && c.generated.is_none()
                    && table.column(&c.name).is_none() =>
            {
                out.push(
                    self.rows(
                        question(
                            HazardCode::AddNotNull,
                            format!("NOT NULL column {} without a default", q(&c.name)),
                            "{} in the table",
                            Verdict::Fails,
                        ),
                        "1 = 1",
                    )
                    .without_sample(),
                );
            }
            TableChange::AddUnique(u) if self.readable(table, u.columns.iter()) => {
                out.push(self.repeats(
                    question(
                        HazardCode::AddUnique,
                        format!("unique ({})", list(&u.columns)),
                        "{} repeated",
                        Verdict::Fails,
                    ),
                    &u.columns,
                    u.nulls_not_distinct,
                    None,
                ));
            }
            TableChange::AddIndex(i) if i.unique && i.exclude.is_none() => {
                let columns: Option<Vec<String>> = (i.parts.iter())
                    .map(|p| match (&p.key, p.prefix) {
                        (IndexKey::Column(c), None) => Some(c.clone()),
                        _ => None,
                    })
                    .collect();
                let Some(columns) = columns else { return };
                let predicate_ok = i
                    .predicate
                    .as_ref()
                    .is_none_or(|p| self.evaluable(table, p));
                if self.readable(table, columns.iter()) && predicate_ok {
                    out.push(self.repeats(
                        question(
                            HazardCode::AddUnique,
                            format!("unique index {} ({})", q(i.name.as_str()), list(&columns)),
                            "{} repeated",
                            Verdict::Fails,
                        ),
                        &columns,
                        i.nulls_not_distinct,
                        i.predicate.as_ref(),
                    ));
                }
            }
            TableChange::SetPrimaryKey { to: Some(pk), .. }
                if self.readable(table, pk.columns.iter()) =>
            {
                let subject = format!("primary key ({})", list(&pk.columns));
                out.push(self.repeats(
                    question(
                        HazardCode::ChangePrimaryKey,
                        subject.clone(),
                        "{} repeated",
                        Verdict::Fails,
                    ),
                    &pk.columns,
                    false,
                    None,
                ));
                let nulls: Vec<String> = (pk.columns.iter())
                    .map(|c| format!("{} IS NULL", q(c)))
                    .collect();
                out.push(
                    self.rows(
                        question(
                            HazardCode::ChangePrimaryKey,
                            subject,
                            "{} holding NULL in it",
                            Verdict::Fails,
                        ),
                        &nulls.join(" OR "),
                    )
                    .without_sample(),
                );
            }
            TableChange::AddCheck(c) if self.evaluable(table, &c.expr) => {
                out.push(self.rows(
                    question(
                        HazardCode::AddCheck,
                        format!("check ({})", c.expr),
                        "{} breaking it",
                        Verdict::Fails,
                    ),
                    &format!("NOT ({})", c.expr),
                ));
            }
            TableChange::AddForeignKey(fk) if self.readable(table, fk.columns.iter()) => {
                // A rebuild's keys are checked by SQLite's foreign_key_check after it.
                let subject = format!("foreign key ({}) → {}", list(&fk.columns), q(&fk.ref_table));
                let asked = question(
                    HazardCode::AddForeignKey,
                    subject,
                    "{} referencing no row",
                    Verdict::Fails,
                );
                out.extend(self.orphans(asked, fk));
            }
            _ => {}
        }
    }

    /// Whether `expr` can be asked of the live `table` as it is: its columns are there with
    /// their types, and it calls no routine the plan changes.
    fn evaluable(&self, table: &Table, expr: &Expression) -> bool {
        let Some(columns) = expr.columns() else {
            return false;
        };
        self.readable(table, columns.iter()) && !self.routines.iter().any(|r| expr.calls(r))
    }

    /// The rows of the live `column` whose values `to` cannot hold: a filter, and its words.
    fn misfits(&self, column: &Column, to: &ColumnType) -> Option<(String, String)> {
        let c = self.q(&column.name);
        let from = &column.ty;
        if from.is_array() || to.is_array() {
            return None;
        }
        let (strings, lengths, length): (&[&str], &[&str], &str) = match self.dialect {
            Dialect::Postgres => (
                &["character varying", "character", "text"],
                &["character varying", "character"],
                "char_length",
            ),
            Dialect::Mysql => (
                &[
                    "varchar",
                    "char",
                    "tinytext",
                    "text",
                    "mediumtext",
                    "longtext",
                    "enum",
                    "set",
                ],
                &["varchar", "char"],
                "CHAR_LENGTH",
            ),
            // SQLite keeps every value as it was stored.
            Dialect::Sqlite => return None,
        };
        if lengths.contains(&to.base()) && strings.contains(&from.base()) {
            // PostgreSQL's `character` without a length is `character(1)`.
            let n = to.params().first().copied().unwrap_or(1);
            return Some((
                format!("{length}({c}) > {n}"),
                format!("{{}} holding values longer than {n} characters"),
            ));
        }
        let numeric = |t: &ColumnType| {
            integer_range(self.dialect, t).is_some()
                || matches!(
                    t.base(),
                    "numeric" | "decimal" | "real" | "double precision" | "double" | "float"
                )
        };
        if !numeric(from) {
            return None;
        }
        if let Some((min, max)) = integer_range(self.dialect, to) {
            return Some((
                format!("{c} < {min} OR {c} > {max}"),
                format!("{{}} holding values outside {to}"),
            ));
        }
        if matches!(to.base(), "numeric" | "decimal") {
            let (precision, scale) = match to.params() {
                [p] => (*p, 0),
                [p, s] => (*p, *s),
                _ => return None,
            };
            let digits = precision.checked_sub(scale).filter(|d| *d <= 64)?;
            let bound = format!("1{}", "0".repeat(digits as usize));
            let value = match self.dialect {
                Dialect::Postgres => format!("ROUND(CAST({c} AS numeric), {scale})"),
                _ => format!("ROUND({c}, {scale})"),
            };
            return Some((
                format!("ABS({value}) >= {bound}"),
                format!("{{}} holding values {to} cannot hold"),
            ));
        }
        None
    }
}

impl Probe {
    fn without_sample(mut self) -> Probe {
        self.sample = None;
        self
    }
}

/// The values an integer type holds, as SQL literals.
fn integer_range(dialect: Dialect, ty: &ColumnType) -> Option<(&'static str, &'static str)> {
    let signed = match (dialect, ty.base()) {
        (Dialect::Postgres, "smallint") | (Dialect::Mysql, "smallint") => ("-32768", "32767"),
        (Dialect::Postgres, "integer") | (Dialect::Mysql, "int") => ("-2147483648", "2147483647"),
        (Dialect::Postgres, "bigint") | (Dialect::Mysql, "bigint") => {
            ("-9223372036854775808", "9223372036854775807")
        }
        (Dialect::Mysql, "tinyint") => ("-128", "127"),
        (Dialect::Mysql, "mediumint") => ("-8388608", "8388607"),
        _ => return None,
    };
    if !ty.is_unsigned() {
        return Some(signed);
    }
    Some(match ty.base() {
        "tinyint" => ("0", "255"),
        "smallint" => ("0", "65535"),
        "mediumint" => ("0", "16777215"),
        "int" => ("0", "4294967295"),
        _ => ("0", "18446744073709551615"),
    })
}

#[cfg(test)]
mod tests;
