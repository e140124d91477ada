//! What a planned step can cost: typed hazards, and the one-line description of a change.

use serde::Serialize;

use crate::diff::TableChange;

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

pub(super) fn describe(change: &TableChange) -> String {
    match change {
        TableChange::AddColumn(c) => format!("add column `{}` {}", c.name, c.ty),
        TableChange::DropColumn(c) => format!("drop column `{}`", c.name),
        TableChange::AlterColumn { from, to } => {
            let mut what = Vec::new();
            if from.ty != to.ty {
                what.push(format!("type {} → {}", from.ty, to.ty));
            }
            if from.nullable != to.nullable {
                what.push(if to.nullable {
                    "drop NOT NULL".into()
                } else {
                    "set NOT NULL".into()
                });
            }
            if from.default != to.default {
                what.push(format!(
                    "default {} → {}",
                    from.default.as_deref().unwrap_or("none"),
                    to.default.as_deref().unwrap_or("none")
                ));
            }
            if what.is_empty() {
                what.push("attributes".into());
            }
            format!("column `{}`: {}", to.name, what.join(", "))
        }
        TableChange::SetPrimaryKey { to, .. } => match to {
            Some(pk) => format!("primary key ({})", pk.columns.join(", ")),
            None => "drop primary key".into(),
        },
        TableChange::AddForeignKey(fk) => format!(
            "add foreign key ({}) → {}",
            fk.columns.join(", "),
            fk.ref_table
        ),
        TableChange::DropForeignKey(fk) => format!(
            "drop foreign key ({}) → {}",
            fk.columns.join(", "),
            fk.ref_table
        ),
        TableChange::AddUnique(u) => format!("add unique ({})", u.columns.join(", ")),
        TableChange::DropUnique(u) => format!("drop unique ({})", u.columns.join(", ")),
        TableChange::AddCheck(c) => format!("add check ({})", c.expr),
        TableChange::DropCheck(c) => format!("drop check ({})", c.expr),
        TableChange::AddIndex(i) => format!("add index {}", i.name.as_str()),
        TableChange::DropIndex(i) => format!("drop index {}", i.name.as_str()),
        TableChange::SetComment { .. } => "comment".into(),
        TableChange::SetOptions { .. } => "table options".into(),
    }
}

pub(super) fn change_hazards(table: &str, change: &TableChange) -> Vec<Hazard> {
    match change {
        TableChange::DropColumn(c) => vec![Hazard::new(
            HazardKind::DeletesData,
            format!("drops column `{table}`.`{}` and its values", c.name),
        )],
        TableChange::AlterColumn { from, to } => {
            let mut out = Vec::new();
            if from.ty != to.ty && !is_widening(&from.ty, &to.ty) {
                out.push(Hazard::new(
                    HazardKind::NarrowsType,
                    format!(
                        "changes `{table}`.`{}` from {} to {}: values may be truncated or fail to convert",
                        from.name, from.ty, to.ty
                    ),
                ));
            }
            if from.nullable && !to.nullable {
                out.push(Hazard::new(
                    HazardKind::MayFail,
                    format!(
                        "makes `{table}`.`{}` NOT NULL: fails if a row holds NULL",
                        from.name
                    ),
                ));
            }
            if from.generated.is_some() != to.generated.is_some() {
                out.push(Hazard::new(
                    HazardKind::DeletesData,
                    format!(
                        "recomputes `{table}`.`{}`: stored values are replaced",
                        from.name
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

/// Type changes that cannot lose a value.
pub(super) fn is_widening(from: &str, to: &str) -> bool {
    let ints = [
        "tinyint",
        "smallint",
        "mediumint",
        "integer",
        "int",
        "bigint",
    ];
    let rank = |t: &str| ints.iter().position(|i| t.eq_ignore_ascii_case(i));
    if let (Some(a), Some(b)) = (rank(from), rank(to)) {
        return a <= b;
    }
    let len = |t: &str, base: &str| -> Option<Option<u64>> {
        let t = t.to_ascii_lowercase();
        let rest = t.strip_prefix(base)?;
        if rest.is_empty() {
            return Some(None);
        }
        rest.strip_prefix('(')?
            .strip_suffix(')')?
            .parse()
            .ok()
            .map(Some)
    };
    if let (Some((p1, s1)), Some((p2, s2))) = (decimal(from), decimal(to)) {
        // Room for as many integer digits and as many fractional digits as before.
        return s2 >= s1 && p2 - s2 >= p1 - s1;
    }
    for base in ["character varying", "varchar", "varbinary"] {
        if let (Some(a), Some(b)) = (len(from, base), len(to, base)) {
            return match (a, b) {
                (_, None) => true,
                (Some(a), Some(b)) => a <= b,
                (None, Some(_)) => false,
            };
        }
    }
    let text_like = |t: &str| {
        let t = t.to_ascii_lowercase();
        t.starts_with("character varying") || t.starts_with("varchar") || t.starts_with("char")
    };
    (text_like(from) && (to.eq_ignore_ascii_case("text") || to.eq_ignore_ascii_case("longtext")))
        || from.eq_ignore_ascii_case(to)
}

/// `numeric(p,s)` / `decimal(p,s)` (any case; `(p)` means scale 0) → `(p, s)`.
fn decimal(ty: &str) -> Option<(u64, u64)> {
    let t = ty.to_ascii_lowercase();
    let args = ["numeric", "decimal"]
        .iter()
        .find_map(|base| t.strip_prefix(base))?
        .trim()
        .strip_prefix('(')?
        .strip_suffix(')')?
        .to_string();
    let mut parts = args.split(',').map(|a| a.trim().parse::<u64>().ok());
    let precision = parts.next()??;
    let scale = parts.next().unwrap_or(Some(0))?;
    (parts.next().is_none() && scale <= precision).then_some((precision, scale))
}
