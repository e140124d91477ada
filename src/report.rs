//! What commands print: the plan as SQL or JSON, drift, and the one-line summaries on stderr.
//!
//! SQL and JSON go to `out`, messages to `err`. Everything from a user's files that reaches a
//! `--` comment or the terminal goes through [`comment`].

use std::io::Write;

use serde::Serialize;

use crate::cli::{CheckFormat, PlanFormat};
use crate::config::{Dependency, Desired};
use crate::error::{Error, PluginHazard, Result};
use crate::model::Dialect;
use crate::pipeline::Batch;
use crate::plan::data::Verdict;
use crate::plan::{Action, HazardCode};
use crate::status::{Orphan, State, Status};

/// What a successful command found. Errors are `Err`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, or in sync (exit 0).
    Ok,
    /// `check` found drift (exit 1).
    Drift,
    /// `lint` found errors (exit 1).
    Found,
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Ok => 0,
            Outcome::Drift | Outcome::Found => 1,
        }
    }
}

pub(crate) fn io(e: std::io::Error) -> Error {
    Error::usage(format!("cannot write output: {e}"))
}

/// Text for a `--` comment line of printed SQL (and a line of drift on stderr): a line break
/// (or any control character) in a name or a version is written escaped, so nothing from
/// plugins.toml or a schema file ends the comment and becomes SQL for whoever runs the printed
/// plan, or reaches the terminal as a control sequence.
pub(crate) fn comment(text: &str) -> String {
    escaped(text, |_| false)
}

/// An error message for the terminal: its own line breaks kept (a database error's `detail:`
/// lines), every other control character that a name, a file or a server's words carried
/// written escaped, so no message can move the cursor or recolour the terminal.
pub fn for_terminal(text: &str) -> String {
    escaped(text, |c| c == '\n')
}

fn escaped(text: &str, keep: impl Fn(char) -> bool) -> String {
    text.chars()
        .map(|c| {
            if c == crate::model::SCHEMA_SEPARATOR {
                // A qualified name, as people read it.
                ".".to_string()
            } else if c.is_control() && !keep(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// SQL text: one `-- plugin` header per plugin with changes, destructive steps marked.
pub fn write_sql(out: &mut dyn Write, batches: &[Batch]) -> std::io::Result<()> {
    let mut first = true;
    for batch in batches.iter().filter(|b| !b.statements.is_empty()) {
        if !first {
            writeln!(out)?;
        }
        first = false;
        match &batch.version {
            Some(v) => writeln!(out, "-- plugin {} ({})", comment(&batch.plugin), comment(v))?,
            None => writeln!(out, "-- plugin {}", comment(&batch.plugin))?,
        }
        for f in &batch.findings {
            let label = match f.verdict {
                Verdict::Fails => "WILL FAIL",
                Verdict::Loses => "ROWS",
                Verdict::Unchecked => "NOTE",
            };
            writeln!(out, "-- {label}: {}", comment(&f.message))?;
        }
        let mut last_hazards = None;
        for s in &batch.statements {
            if last_hazards != Some(&s.hazards) {
                for h in &s.hazards {
                    if h.is_destructive() {
                        writeln!(out, "-- DESTRUCTIVE: {}", comment(&h.message))?
                    } else if h.code == HazardCode::RecreateView {
                        writeln!(out, "-- NOTE: {}", comment(&h.message))?
                    }
                }
            }
            last_hazards = Some(&s.hazards);
            writeln!(out, "{};", s.sql)?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonPlan<'a> {
    dialect: Dialect,
    in_sync: bool,
    destructive: bool,
    plugins: &'a [Batch],
}

fn json_plan(dialect: Dialect, batches: &[Batch]) -> JsonPlan<'_> {
    JsonPlan {
        dialect,
        in_sync: batches.iter().all(|b| b.statements.is_empty()),
        destructive: batches.iter().any(Batch::is_destructive),
        plugins: batches,
    }
}

fn write_json(out: &mut dyn Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)
        .map_err(|e| Error::usage(format!("cannot write JSON: {e}")))?;
    writeln!(out).map_err(io)
}

/// A plan, and on `err` what it amounts to; `runs_it` is the command that would run it
/// (`apply`, or `uninstall` for `uninstall --dry-run`).
pub(crate) fn write_plan(
    out: &mut dyn Write,
    err: &mut dyn Write,
    dialect: Dialect,
    batches: &[Batch],
    format: PlanFormat,
    runs_it: &str,
) -> Result<()> {
    let count: usize = batches.iter().map(|b| b.statements.len()).sum();
    match format {
        PlanFormat::Json => write_json(out, &json_plan(dialect, batches))?,
        PlanFormat::Sql => write_sql(out, batches).map_err(io)?,
    }
    let failing = batches
        .iter()
        .flat_map(|b| &b.findings)
        .filter(|f| f.fails())
        .count();
    if count == 0 {
        writeln!(err, "nothing to do: the database matches the schema").map_err(io)?;
    } else if failing > 0 {
        writeln!(
            err,
            "{count} statement(s); the data would make {failing} step(s) fail (WILL FAIL above): {runs_it} refuses it until those rows change"
        )
        .map_err(io)?;
    } else if batches.iter().any(Batch::is_destructive) {
        writeln!(
            err,
            "{count} statement(s); the plan is DESTRUCTIVE: {runs_it} needs --allow-destructive"
        )
        .map_err(io)?;
    }
    Ok(())
}

pub(crate) fn write_check(
    out: &mut dyn Write,
    err: &mut dyn Write,
    dialect: Dialect,
    batches: &[Batch],
    format: CheckFormat,
) -> Result<Outcome> {
    let drifted: Vec<&Batch> = batches
        .iter()
        .filter(|b| !b.statements.is_empty())
        .collect();
    match format {
        CheckFormat::Json => write_json(out, &json_plan(dialect, batches))?,
        CheckFormat::Text => {
            for b in &drifted {
                writeln!(err, "drift in plugin {}:", comment(&b.plugin)).map_err(io)?;
                for line in &b.differences {
                    writeln!(err, "  {}", comment(line)).map_err(io)?;
                }
            }
            write_sql(out, batches).map_err(io)?;
        }
    }
    if drifted.is_empty() {
        writeln!(err, "in sync").map_err(io)?;
        Ok(Outcome::Ok)
    } else {
        Ok(Outcome::Drift)
    }
}

/// Per changed table, its DDL as the database has it and as the schema wants it, as a
/// unified diff (`similar`), coloured when `color` (removed red, added green, hunks cyan).
/// Every line is escaped like an error message: nothing in a name or a default reaches the
/// terminal as a control sequence.
pub(crate) fn table_diffs(
    err: &mut dyn Write,
    dialect: Dialect,
    batches: &[Batch],
    color: bool,
) -> Result<()> {
    let paint = |code: &str, line: &str| match color {
        true => format!("\x1b[{code}m{line}\x1b[0m"),
        false => line.to_string(),
    };
    for (live, desired) in batches.iter().flat_map(|b| &b.changed) {
        let (a, b) = (table_ddl(dialect, live), table_ddl(dialect, desired));
        let diff = similar::TextDiff::from_lines(&a, &b);
        let name = crate::quote::ident(dialect, &desired.name);
        let text = diff
            .unified_diff()
            .context_radius(3)
            .header(&format!("{name} (live)"), &format!("{name} (desired)"))
            .to_string();
        for line in text.lines() {
            let line = for_terminal(line);
            let painted = if line.starts_with("@@") {
                paint("36", &line)
            } else if line.starts_with('-') {
                paint("31", &line)
            } else if line.starts_with('+') {
                paint("32", &line)
            } else {
                line
            };
            writeln!(err, "{painted}").map_err(io)?;
        }
    }
    Ok(())
}

/// A table as plinth would create it: `CREATE TABLE` and its indexes and comments.
fn table_ddl(dialect: Dialect, table: &crate::model::Table) -> String {
    let mut schema = crate::model::Schema::default();
    schema.tables.insert(table.name.clone(), table.clone());
    match crate::pipeline::creation(dialect, &schema) {
        Ok(statements) => statements.iter().map(|s| format!("{};\n", s.sql)).collect(),
        Err(e) => format!("({e})\n"),
    }
}

/// A plugin the command also works on because a named one depends on it.
pub(crate) fn dependency(
    err: &mut dyn Write,
    doing: &str,
    desired: &Desired,
    dependency: &Dependency,
) -> Result<()> {
    let Dependency {
        plugin,
        needed_by,
        reference,
    } = dependency;
    let owner = desired.owner.get(&reference.to).unwrap_or(plugin);
    writeln!(
        err,
        "also {doing} {}: {} references {}.{}",
        comment(plugin),
        comment(needed_by),
        comment(owner),
        comment(&reference.to)
    )
    .map_err(io)
}

/// Orphans, as warnings on `err` (`check` does not fail on them).
pub(crate) fn orphans(err: &mut dyn Write, orphans: &[Orphan]) -> Result<()> {
    for orphan in orphans {
        writeln!(err, "warning: {}", comment(&orphan.describe())).map_err(io)?;
    }
    Ok(())
}

/// `plinth status`: one aligned row per plugin, then the orphans; or one JSON document.
pub(crate) fn write_status(
    out: &mut dyn Write,
    status: &Status,
    format: CheckFormat,
) -> Result<()> {
    if format == CheckFormat::Json {
        return write_json(out, status);
    }
    if let Some(site) = &status.site {
        writeln!(out, "site {}", comment(site)).map_err(io)?;
    }
    let header = ["plugin", "version", "state", "installed", "tables", "last"];
    let rows: Vec<[String; 6]> = status
        .plugins
        .iter()
        .map(|p| {
            let state = match p.state {
                State::Drift => format!("drift ({} statements)", p.statements),
                other => other.words().to_string(),
            };
            let last = match &p.last {
                None => "-".to_string(),
                Some(l) => format!(
                    "{} {} at {}",
                    serde_json::to_value(l.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    l.version.as_deref().unwrap_or("(no version)"),
                    l.at
                ),
            };
            [
                comment(&p.plugin),
                comment(p.version.as_deref().unwrap_or("-")),
                state,
                if p.installed { "yes" } else { "no" }.to_string(),
                format!("{}/{}", p.present, p.tables),
                comment(&last),
            ]
        })
        .collect();
    table(out, &header, &rows)?;
    if !status.orphans.is_empty() {
        writeln!(out, "orphans:").map_err(io)?;
        for orphan in &status.orphans {
            writeln!(out, "  {}", comment(&orphan.describe())).map_err(io)?;
        }
    }
    Ok(())
}

/// Rows under a header, each column as wide as its widest cell.
fn table<const N: usize>(
    out: &mut dyn Write,
    header: &[&str; N],
    rows: &[[String; N]],
) -> Result<()> {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(header.to_vec())).map_err(io)?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect())).map_err(io)?;
    }
    Ok(())
}

/// After `uninstall`: the statements run, and what is left to do in plugins.toml.
/// What `adopt` wrote, what it has to say, and what it did not adopt.
pub(crate) fn adopted(
    err: &mut dyn Write,
    written: &[(std::path::PathBuf, &str)],
    notes: &[String],
    unmodelled: &[(String, String)],
) -> Result<()> {
    for (path, _) in written {
        writeln!(err, "wrote {}", comment(&path.display().to_string())).map_err(io)?;
    }
    for note in notes {
        writeln!(err, "note: {}", comment(note)).map_err(io)?;
    }
    for (kind, name) in unmodelled {
        writeln!(
            err,
            "not adopted: {kind} `{}` (plinth does not manage it yet)",
            comment(name)
        )
        .map_err(io)?;
    }
    Ok(())
}

pub(crate) fn write_uninstalled(
    out: &mut dyn Write,
    err: &mut dyn Write,
    dialect: Dialect,
    batches: &[Batch],
    site: Option<&str>,
) -> Result<()> {
    write_sql(out, batches).map_err(io)?;
    for b in batches {
        let tables = b
            .plan
            .steps
            .iter()
            .filter(|s| matches!(s.action, Action::DropTable(_)))
            .count();
        writeln!(
            err,
            "uninstalled {} ({dialect}): dropped {tables} table(s); it stays in plugins.toml{}, so the next apply installs it again: remove it there to keep it out",
            comment(&b.plugin),
            site.map(|s| format!(" (site {})", comment(s))).unwrap_or_default()
        )
        .map_err(io)?;
    }
    Ok(())
}

/// After `apply`: the statements run (the SQL on `out`) and a summary on `err`.
/// `--skip-destructive`: what was left out, and why, on stderr.
pub(crate) fn write_skipped(err: &mut dyn Write, skipped: &[PluginHazard]) -> Result<()> {
    if skipped.is_empty() {
        return Ok(());
    }
    writeln!(
        err,
        "warning: skipped {} step(s) that may lose data (--skip-destructive); `check` still reports them:",
        skipped.len()
    )
    .map_err(io)?;
    for h in skipped {
        writeln!(
            err,
            "  [{}] {} ({})",
            comment(&h.plugin),
            comment(&h.hazard.message),
            h.hazard.code
        )
        .map_err(io)?;
    }
    Ok(())
}

pub(crate) fn write_applied(
    out: &mut dyn Write,
    err: &mut dyn Write,
    dialect: Dialect,
    batches: &[Batch],
) -> Result<()> {
    let count: usize = batches.iter().map(|b| b.statements.len()).sum();
    for b in batches.iter().filter(|b| b.statements.is_empty()) {
        let version = b.version.as_deref().unwrap_or("no version");
        writeln!(
            err,
            "recorded plugin {} at {} (no schema change)",
            comment(&b.plugin),
            comment(version)
        )
        .map_err(io)?;
    }
    if count == 0 {
        if batches.is_empty() {
            writeln!(err, "nothing to do: the database matches the schema").map_err(io)?;
        }
        return Ok(());
    }
    write_sql(out, batches).map_err(io)?;
    let plugins: Vec<&str> = batches
        .iter()
        .filter(|b| !b.statements.is_empty())
        .map(|b| b.plugin.as_str())
        .collect();
    writeln!(
        err,
        "applied {count} statement(s) for {} ({dialect})",
        comment(&plugins.join(", "))
    )
    .map_err(io)
}

/// `lint`'s findings on `out` (text: one `path:line:col: severity[code]: message` line each;
/// JSON; GitHub workflow commands), how many of each on `err`; `Found` when one is an error.
pub(crate) fn write_lint(
    out: &mut dyn Write,
    err: &mut dyn Write,
    findings: &[crate::lint::Finding],
    format: crate::cli::LintFormat,
) -> Result<Outcome> {
    use crate::cli::LintFormat;
    use crate::lint::Severity;
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let (errors, warnings, notices) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Notice),
    );
    match format {
        LintFormat::Json => {
            #[derive(Serialize)]
            struct JsonLint<'a> {
                findings: &'a [crate::lint::Finding],
                errors: usize,
                warnings: usize,
                notices: usize,
            }
            write_json(
                out,
                &JsonLint {
                    findings,
                    errors,
                    warnings,
                    notices,
                },
            )?;
        }
        LintFormat::Text => {
            for f in findings {
                writeln!(out, "{}", comment(&f.to_string())).map_err(io)?;
            }
        }
        LintFormat::Github => {
            for f in findings {
                writeln!(out, "{}", github_annotation(f)).map_err(io)?;
            }
        }
    }
    writeln!(
        err,
        "{errors} error(s), {warnings} warning(s), {notices} notice(s)"
    )
    .map_err(io)?;
    Ok(match errors {
        0 => Outcome::Ok,
        _ => Outcome::Found,
    })
}

/// A finding as a GitHub Actions workflow command, escaped as the runner reads them (`%`, line
/// breaks; in properties `:` and `,` too), so no text of a file can start another command.
fn github_annotation(f: &crate::lint::Finding) -> String {
    let data = |text: &str| {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let property = |text: &str| data(text).replace(':', "%3A").replace(',', "%2C");
    let command = match f.severity {
        crate::lint::Severity::Error => "error",
        crate::lint::Severity::Warning => "warning",
        crate::lint::Severity::Notice => "notice",
    };
    let message = match &f.help {
        Some(help) => format!("{}; {help}", f.message),
        None => f.message.clone(),
    };
    format!(
        "::{command} file={},line={},col={},title={}::{}",
        property(&f.at.file),
        f.at.line,
        f.at.column,
        property(&format!("plinth {}", f.code)),
        data(&comment(&message))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_keeps_only_its_line_breaks() {
        assert_eq!(
            for_terminal("table `x\u{1b}[31m`\n  detail: y\r"),
            "table `x\\u{1b}[31m`\n  detail: y\\r"
        );
    }

    #[test]
    fn comment_lines_stay_comments() {
        assert_eq!(
            comment("drops table `x\nDROP TABLE victim; --`"),
            "drops table `x\\nDROP TABLE victim; --`"
        );
        assert_eq!(comment("1.4.0\r\n"), "1.4.0\\r\\n");
        assert_eq!(comment("é ☃"), "é ☃");
    }
}
