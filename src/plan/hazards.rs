//! What a planned step can cost: typed hazards, and the one-line description of a change.

use serde::Serialize;

use std::collections::BTreeSet;

use crate::diff::{ColumnChanges, Delta, TableChange, TypeChange, INHERITED_OPTIONS};
use crate::model::{ColumnType, Dialect, Expression, Generated, Identity, SequenceOptions};

/// The hazard codes, each once: the enum, its list and its spelling come from this table.
macro_rules! hazard_codes {
    ($($(#[doc = $doc:literal])* $code:ident => $name:literal,)*) => {
        /// What a step can cost, by a stable code: what the JSON plan, a refusal, `--allow` and
        /// plugins.toml name. Each code says how much data the step can lose; the engine says
        /// whether it rewrites the table and which lock it holds ([`Hazard::new`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub enum HazardCode {
            $($(#[doc = $doc])* $code,)*
        }

        impl HazardCode {
            pub const ALL: &[HazardCode] = &[$(HazardCode::$code,)*];

            /// The code as the JSON plan and the command line write it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(HazardCode::$code => $name,)*
                }
            }
        }
    };
}

hazard_codes! {
    /// A table and all its rows.
    DropTable => "drop_table",
    /// A column and its values.
    DropColumn => "drop_column",
    /// Values of an enum type (rows holding them cannot stay).
    DropEnumValue => "drop_enum_value",
    /// Attributes of a composite type and their values.
    DropAttribute => "drop_attribute",
    /// A sequence and the value it has reached.
    DropSequence => "drop_sequence",
    /// A column's stored values replaced by computed ones (or a generated column made plain).
    RecomputeGenerated => "recompute_generated",
    /// A type with less room: values may be truncated or refused.
    NarrowType => "narrow_type",
    /// Another kind of type: values are converted, and the conversion may fail or change them.
    ReinterpretType => "reinterpret_type",
    /// NOT NULL over existing rows (a column made NOT NULL, or one added without a default).
    AddNotNull => "add_not_null",
    /// A unique key over existing rows.
    AddUnique => "add_unique",
    /// A check over existing rows.
    AddCheck => "add_check",
    /// A foreign key over existing rows.
    AddForeignKey => "add_foreign_key",
    /// A new primary key over existing rows.
    ChangePrimaryKey => "change_primary_key",
    /// SQLite: the table copied into a new one (every row).
    RebuildTable => "rebuild_table",
    /// A type change that keeps every value but rewrites the table.
    RewriteTable => "rewrite_table",
    /// An index built on a kept table while writes to it wait.
    IndexBuildBlocking => "index_build_blocking",
    /// A view dropped to be created again as it was, after what it reads or calls changes.
    RecreateView => "recreate_view",
}

/// How much of the data a step can lose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    None,
    /// Some values may be lost or changed (a narrowing, a conversion).
    Possible,
    /// What the step drops is gone.
    Certain,
}

/// The lock a step holds on its table while it runs, as the engine names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Lock {
    /// PostgreSQL: nothing else reads or writes the table.
    #[serde(rename = "ACCESS EXCLUSIVE")]
    AccessExclusive,
    /// PostgreSQL: reads go on, writes wait (`ADD FOREIGN KEY`, on both tables).
    #[serde(rename = "SHARE ROW EXCLUSIVE")]
    ShareRowExclusive,
    /// PostgreSQL: reads go on, writes wait (`CREATE INDEX`).
    #[serde(rename = "SHARE")]
    Share,
    /// MySQL/MariaDB: an exclusive metadata lock (the table is dropped or swapped).
    #[serde(rename = "EXCLUSIVE")]
    Exclusive,
    /// MySQL/MariaDB: reads go on, writes wait while the table is copied (`LOCK=SHARED`).
    #[serde(rename = "SHARED")]
    Shared,
    /// SQLite: the database's write lock (one writer at a time; readers go on).
    #[serde(rename = "WRITE")]
    Write,
}

impl HazardCode {
    /// A code by its name, as [`HazardCode::as_str`] writes it.
    pub fn parse(name: &str) -> Option<HazardCode> {
        HazardCode::ALL.iter().copied().find(|c| c.as_str() == name)
    }

    pub fn loss(self) -> Loss {
        use HazardCode::*;
        match self {
            DropTable | DropColumn | DropEnumValue | DropAttribute | DropSequence => Loss::Certain,
            RecomputeGenerated | NarrowType | ReinterpretType => Loss::Possible,
            AddNotNull | AddUnique | AddCheck | AddForeignKey | ChangePrimaryKey | RebuildTable
            | RewriteTable | IndexBuildBlocking | RecreateView => Loss::None,
        }
    }

    /// Whether the step copies or rewrites every row of the table on `dialect`.
    fn rewrites(self, dialect: Dialect) -> bool {
        use HazardCode::*;
        match self {
            RebuildTable | RewriteTable | NarrowType | ReinterpretType | RecomputeGenerated => true,
            // PostgreSQL marks a dropped column gone and checks NOT NULL and keys by a scan;
            // MySQL copies the table for them (SQLite rewrites it to drop a column).
            DropColumn => dialect == Dialect::Sqlite || dialect == Dialect::Mysql,
            AddNotNull | ChangePrimaryKey => dialect == Dialect::Mysql,
            DropTable | DropEnumValue | DropAttribute | DropSequence | AddUnique | AddCheck
            | AddForeignKey | IndexBuildBlocking | RecreateView => false,
        }
    }

    /// The lock the step holds on `dialect`.
    fn lock(self, dialect: Dialect) -> Lock {
        match dialect {
            Dialect::Postgres => match self {
                HazardCode::AddForeignKey => Lock::ShareRowExclusive,
                HazardCode::IndexBuildBlocking => Lock::Share,
                _ => Lock::AccessExclusive,
            },
            Dialect::Mysql => match self {
                HazardCode::DropTable
                | HazardCode::DropSequence
                | HazardCode::RecreateView
                | HazardCode::DropEnumValue => Lock::Exclusive,
                _ => Lock::Shared,
            },
            Dialect::Sqlite => Lock::Write,
        }
    }
}

impl std::fmt::Display for HazardCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for HazardCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A step's hazard: its code, the object it is about (a table, or a type, view or sequence, by
/// key), what it can lose, whether it rewrites the table, the lock it holds, and what it does
/// in words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Hazard {
    pub code: HazardCode,
    pub object: String,
    pub loss: Loss,
    pub rewrite: bool,
    pub lock: Lock,
    pub message: String,
}

impl Hazard {
    pub(crate) fn new(
        dialect: Dialect,
        code: HazardCode,
        object: &str,
        message: impl Into<String>,
    ) -> Hazard {
        Hazard {
            code,
            object: object.to_string(),
            loss: code.loss(),
            rewrite: code.rewrites(dialect),
            lock: code.lock(dialect),
            message: message.into(),
        }
    }

    /// What `--allow-destructive` is about: the step can lose data.
    pub fn is_destructive(&self) -> bool {
        self.loss != Loss::None
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
        TableChange::DropIndex(i) if i.invalid => format!(
            "drop invalid index {} (left by a failed concurrent build; built again below)",
            q(i.name.as_str())
        ),
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

pub(super) fn change_hazards(dialect: Dialect, table: &str, change: &TableChange) -> Vec<Hazard> {
    let hazard = |code, message: String| Hazard::new(dialect, code, table, message);
    match change {
        TableChange::DropColumn(c) => vec![hazard(
            HazardCode::DropColumn,
            format!("drops column `{table}`.`{}` and its values", c.name),
        )],
        TableChange::AlterColumn { from, to, changes } => {
            let mut out = Vec::new();
            if let Some(t) = &changes.ty {
                let what = match t.class {
                    TypeChange::Widening => None,
                    TypeChange::Narrowing => Some((HazardCode::NarrowType, "narrows")),
                    TypeChange::Reinterpreting => {
                        Some((HazardCode::ReinterpretType, "reinterprets"))
                    }
                };
                if let Some((code, what)) = what {
                    out.push(hazard(
                        code,
                        format!(
                            "{what} `{table}`.`{}` from {} to {}: values may be truncated or fail to convert",
                            to.name, t.from, t.to
                        ),
                    ));
                } else if widening_rewrites(dialect, &from.ty, &to.ty) {
                    out.push(hazard(
                        HazardCode::RewriteTable,
                        format!(
                            "rewrites `{table}` to change `{}` from {} to {} (every value kept)",
                            to.name, t.from, t.to
                        ),
                    ));
                }
            }
            if changes.nullable.as_ref().is_some_and(|n| !n.to) {
                out.push(hazard(
                    HazardCode::AddNotNull,
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
                out.push(hazard(
                    HazardCode::RecomputeGenerated,
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
            vec![hazard(
                HazardCode::AddNotNull,
                format!("adds NOT NULL column `{table}`.`{}` without a default: fails if the table has rows", c.name),
            )]
        }
        TableChange::AddUnique(_) => vec![hazard(
            HazardCode::AddUnique,
            format!("adds a unique key to `{table}`: fails if existing rows repeat it"),
        )],
        TableChange::AddCheck(_) => vec![hazard(
            HazardCode::AddCheck,
            format!("adds a check to `{table}`: fails if existing rows violate it"),
        )],
        TableChange::AddForeignKey(_) => vec![hazard(
            HazardCode::AddForeignKey,
            format!("adds a foreign key to `{table}`: fails if existing rows reference nothing"),
        )],
        TableChange::SetPrimaryKey { to: Some(_), .. } => vec![hazard(
            HazardCode::ChangePrimaryKey,
            format!("changes the primary key of `{table}`: fails on duplicate or NULL keys"),
        )],
        // PostgreSQL builds an index without CONCURRENTLY while writes to the table wait.
        TableChange::AddIndex(i) if dialect == Dialect::Postgres && i.exclude.is_none() => {
            vec![hazard(
                HazardCode::IndexBuildBlocking,
                format!(
                    "builds index `{}` on `{table}` while writes to it wait",
                    i.name.as_str()
                ),
            )]
        }
        _ => vec![],
    }
}

/// Whether a type change that keeps every value still rewrites the table: PostgreSQL but for
/// the binary-compatible ones (a longer or unbounded `varchar`, `varchar` to `text`, a
/// `numeric` of more precision and the same scale); MySQL but for enum and set members
/// appended and a `varchar` longer within the same length prefix (up to 255 bytes, or over).
fn widening_rewrites(dialect: Dialect, from: &ColumnType, to: &ColumnType) -> bool {
    let varchar = |t: &ColumnType, base: &str| t.base() == base && !t.is_array();
    match dialect {
        Dialect::Postgres => {
            let binary_compatible = (varchar(from, "character varying")
                && (varchar(to, "character varying") || (to.is_plain() && to.base() == "text")))
                || (from.base() == "numeric"
                    && to.base() == "numeric"
                    && from.params().get(1) == to.params().get(1)
                    && !from.is_array()
                    && !to.is_array());
            !binary_compatible
        }
        Dialect::Mysql => {
            let appended = matches!(from.base(), "enum" | "set")
                && from.base() == to.base()
                && to.members().starts_with(from.members());
            let prefix = |t: &ColumnType| t.params().first().map(|n| u64::from(*n) * 4 > 255);
            let same_prefix = varchar(from, "varchar")
                && varchar(to, "varchar")
                && prefix(from).is_some()
                && prefix(from) == prefix(to);
            !(appended || same_prefix)
        }
        // A rebuild says so itself.
        Dialect::Sqlite => false,
    }
}
