//! What a planned step can cost: typed hazards, and the one-line description of a change.

use serde::Serialize;

use std::collections::BTreeSet;

use crate::diff::{ColumnChanges, Delta, TableChange, TypeChange, INHERITED_OPTIONS};
use crate::model::{Dialect, Expression, Generated, Identity, SequenceOptions};

/// What a step can cost. `DeletesData` is what `--allow-destructive` is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardKind {
    /// Drops a table, a column or an enum value: rows or values are lost.
    DeletesData,
    /// Changes a column's type in a way that can truncate or fail (narrowing, reinterpreting).
    NarrowsType,
    /// Rewrites the whole table (SQLite rebuild, some type changes): slow on big tables.
    RewritesTable,
    /// Adds a constraint (NOT NULL, CHECK, UNIQUE, FK) existing rows may violate: can fail.
    MayFail,
    /// Drops an object that stays desired, to create it again after what it depends on
    /// changes (in the same transaction): nothing is lost.
    Recreates,
}

impl HazardKind {
    pub fn is_destructive(&self) -> bool {
        matches!(self, HazardKind::DeletesData | HazardKind::NarrowsType)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Hazard {
    pub kind: HazardKind,
    pub message: String,
}

impl Hazard {
    pub(super) fn new(kind: HazardKind, message: impl Into<String>) -> Hazard {
        Hazard {
            kind,
            message: message.into(),
        }
    }
}

/// What one change does, naming each changed attribute with both sides.
pub(super) fn describe(dialect: Dialect, change: &TableChange) -> String {
    let q = |name: &str| crate::quote::ident(dialect, name);
    let list = |names: &[String]| names.iter().map(|n| q(n)).collect::<Vec<_>>().join(", ");
    match change {
        TableChange::AddColumn(c) => format!("add column {} {}", q(&c.name), c.ty),
        TableChange::DropColumn(c) => format!("drop column {}", q(&c.name)),
        TableChange::DropDefault(c) => {
            format!("drop default of column {} (set again below)", q(&c.name))
        }
        TableChange::DropGenerated(c) => {
            format!("drop generated column {} (added again below)", q(&c.name))
        }
        TableChange::AlterColumn { to, changes, .. } => {
            format!("column {}: {}", q(&to.name), describe_column(changes))
        }
        TableChange::SetPrimaryKey { to, .. } => match to {
            Some(pk) => format!("primary key ({})", list(&pk.columns)),
            None => "drop primary key".into(),
        },
        TableChange::AddForeignKey(fk) => format!(
            "add foreign key ({}) → {}",
            list(&fk.columns),
            q(&fk.ref_table)
        ),
        TableChange::DropForeignKey(fk) => format!(
            "drop foreign key ({}) → {}",
            list(&fk.columns),
            q(&fk.ref_table)
        ),
        TableChange::AddUnique(u) => format!("add unique ({})", list(&u.columns)),
        TableChange::DropUnique(u) => format!("drop unique ({})", list(&u.columns)),
        TableChange::AddCheck(c) => format!("add check ({})", c.expr),
        TableChange::DropCheck(c) => format!("drop check ({})", c.expr),
        TableChange::AddIndex(i) => format!("add index {}", q(i.name.as_str())),
        TableChange::DropIndex(i) => format!("drop index {}", q(i.name.as_str())),
        TableChange::Rename { object, from, to } => {
            format!("rename {} {} → {}", object.words(), q(from), q(to))
        }
        TableChange::SetComment { from, to } => format!(
            "comment {} → {}",
            text_or_none(from.as_deref()),
            text_or_none(to.as_deref())
        ),
        TableChange::SetOptions { from, to } => {
            // As the differ compares them: an inherited option the desired table leaves out
            // is not a difference. An option left out is the engine's default.
            let keys: BTreeSet<&String> = from.keys().chain(to.keys()).collect();
            let what: Vec<String> = keys
                .into_iter()
                .filter(|k| !INHERITED_OPTIONS.contains(&k.as_str()) || to.contains_key(*k))
                .filter(|k| from.get(*k) != to.get(*k))
                .map(|k| {
                    format!(
                        "option {k} {} → {}",
                        from.get(k).map(String::as_str).unwrap_or("default"),
                        to.get(k).map(String::as_str).unwrap_or("default")
                    )
                })
                .collect();
            what.join(", ")
        }
    }
}

/// Each changed attribute of a column: `type varchar(50) → varchar(80)`, `default 0 → 1`,
/// `drop NOT NULL`, `identity added (GENERATED ALWAYS)`…
fn describe_column(changes: &ColumnChanges) -> String {
    // Destructure: a new attribute must be described before this compiles.
    let ColumnChanges {
        ty,
        nullable,
        default,
        identity,
        generated,
        collation,
        comment,
        on_update,
    } = changes;
    let mut what = Vec::new();
    if let Some(t) = ty {
        what.push(format!("type {} → {}", t.from, t.to));
    }
    if let Some(n) = nullable {
        what.push(
            if n.to {
                "drop NOT NULL"
            } else {
                "set NOT NULL"
            }
            .to_string(),
        );
    }
    if let Some(d) = default {
        what.push(format!("default {}", both(d)));
    }
    if let Some(Delta { from, to }) = identity {
        what.push(match (from, to) {
            (None, Some(i)) => format!("identity added ({})", identity_words(i)),
            (Some(i), None) => format!("identity dropped ({})", identity_words(i)),
            (a, b) => format!(
                "identity {} → {}",
                words_or_none(a.as_ref(), identity_words),
                words_or_none(b.as_ref(), identity_words)
            ),
        });
    }
    if let Some(Delta { from, to }) = generated {
        what.push(match (from, to) {
            (None, Some(g)) => format!("generated added ({})", generated_words(g)),
            (Some(g), None) => format!("generated dropped ({})", generated_words(g)),
            (a, b) => format!(
                "generated {} → {}",
                words_or_none(a.as_deref(), generated_words),
                words_or_none(b.as_deref(), generated_words)
            ),
        });
    }
    if let Some(c) = collation {
        what.push(format!("collation {}", both(c)));
    }
    if let Some(c) = comment {
        what.push(format!(
            "comment {} → {}",
            text_or_none(c.from.as_deref()),
            text_or_none(c.to.as_deref())
        ));
    }
    if let Some(u) = on_update {
        what.push(format!(
            "on update {} → {}",
            u.from.as_deref().map_or("none", Expression::text),
            u.to.as_deref().map_or("none", Expression::text)
        ));
    }
    what.join(", ")
}

/// `from → to`, `none` for an absent side.
fn both<T: std::ops::Deref<Target = str>>(d: &Delta<Option<T>>) -> String {
    format!(
        "{} → {}",
        d.from.as_deref().unwrap_or("none"),
        d.to.as_deref().unwrap_or("none")
    )
}

fn words_or_none<T>(value: Option<&T>, words: impl Fn(&T) -> String) -> String {
    value.map(words).unwrap_or_else(|| "none".into())
}

/// A comment's text, quoted and escaped, or `none`.
fn text_or_none(text: Option<&str>) -> String {
    text.map(|t| format!("{t:?}"))
        .unwrap_or_else(|| "none".into())
}

fn identity_words(i: &Identity) -> String {
    match i {
        Identity::Always(o) => format!("GENERATED ALWAYS{}", sequence_words(o)),
        Identity::ByDefault(o) => format!("GENERATED BY DEFAULT{}", sequence_words(o)),
        Identity::Serial(s) => match s.data_type.as_str() {
            "bigint" => "bigserial".into(),
            "smallint" => "smallserial".into(),
            "integer" => "serial".into(),
            other => format!("serial ({other} sequence)"),
        },
        Identity::AutoIncrement => "AUTO_INCREMENT".into(),
    }
}

fn sequence_words(o: &SequenceOptions) -> String {
    let SequenceOptions {
        start,
        increment,
        min_value,
        max_value,
        cache,
        cycle,
    } = o;
    let mut words: Vec<String> = [
        ("START", start),
        ("INCREMENT", increment),
        ("MINVALUE", min_value),
        ("MAXVALUE", max_value),
        ("CACHE", cache),
    ]
    .iter()
    .filter_map(|(word, v)| v.map(|v| format!("{word} {v}")))
    .collect();
    if *cycle {
        words.push("CYCLE".into());
    }
    if words.is_empty() {
        String::new()
    } else {
        format!(" ({})", words.join(" "))
    }
}

fn generated_words(g: &Generated) -> String {
    format!(
        "({}) {}",
        g.expr,
        if g.stored { "STORED" } else { "VIRTUAL" }
    )
}

pub(super) fn change_hazards(table: &str, change: &TableChange) -> Vec<Hazard> {
    match change {
        TableChange::DropColumn(c) => vec![Hazard::new(
            HazardKind::DeletesData,
            format!("drops column `{table}`.`{}` and its values", c.name),
        )],
        TableChange::AlterColumn { to, changes, .. } => {
            let mut out = Vec::new();
            if let Some(t) = &changes.ty {
                let what = match t.class {
                    TypeChange::Widening => None,
                    TypeChange::Narrowing => Some("narrows"),
                    TypeChange::Reinterpreting => Some("reinterprets"),
                };
                if let Some(what) = what {
                    out.push(Hazard::new(
                        HazardKind::NarrowsType,
                        format!(
                            "{what} `{table}`.`{}` from {} to {}: values may be truncated or fail to convert",
                            to.name, t.from, t.to
                        ),
                    ));
                }
            }
            if changes.nullable.as_ref().is_some_and(|n| !n.to) {
                out.push(Hazard::new(
                    HazardKind::MayFail,
                    format!(
                        "makes `{table}`.`{}` NOT NULL: fails if a row holds NULL",
                        to.name
                    ),
                ));
            }
            if changes
                .generated
                .as_ref()
                .is_some_and(|g| g.from.is_some() != g.to.is_some())
            {
                out.push(Hazard::new(
                    HazardKind::DeletesData,
                    format!(
                        "recomputes `{table}`.`{}`: stored values are replaced",
                        to.name
                    ),
                ));
            }
            out
        }
        TableChange::AddColumn(c)
            if !c.nullable
                && c.default.is_none()
                && c.identity.is_none()
                && c.generated.is_none() =>
        {
            vec![Hazard::new(
                HazardKind::MayFail,
                format!("adds NOT NULL column `{table}`.`{}` without a default: fails if the table has rows", c.name),
            )]
        }
        TableChange::AddUnique(_) | TableChange::AddCheck(_) | TableChange::AddForeignKey(_) => {
            vec![Hazard::new(
                HazardKind::MayFail,
                format!("adds a constraint to `{table}`: fails if existing rows violate it"),
            )]
        }
        TableChange::SetPrimaryKey { to: Some(_), .. } => vec![Hazard::new(
            HazardKind::MayFail,
            format!("changes the primary key of `{table}`: fails on duplicate or NULL keys"),
        )],
        _ => vec![],
    }
}
