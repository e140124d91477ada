//! Reviewed plans: `plan --out FILE` writes the statements with a fingerprint of the live
//! schema and of the desired schema they were planned from; `apply --plan FILE` runs them only
//! while both fingerprints still match, and only when plinth plans the very same statements
//! again (so nothing but what plinth renders ever runs, whatever the file says). Pure: the
//! command reads and writes the file.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Desired;
use crate::error::{Error, Result};
use crate::model::{Dialect, Schema};
use crate::pipeline::Batch;

/// The file's format; another one is refused.
const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewedPlan {
    pub format: u32,
    /// The plinth that planned it: another one may plan otherwise.
    pub plinth: String,
    pub dialect: String,
    /// SHA-256 of the live schema as inspected, and of the desired one as loaded.
    pub live: String,
    pub desired: String,
    pub plugins: Vec<ReviewedBatch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewedBatch {
    pub plugin: String,
    pub statements: Vec<String>,
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn dialect_name(dialect: Dialect) -> String {
    format!("{dialect:?}").to_lowercase()
}

/// The live schema's fingerprint: everything inspection read (deterministic: maps in key
/// order), plinth's own tables aside.
pub fn live_fingerprint(live: &Schema) -> String {
    sha256(&format!("{live:?}"))
}

/// The desired schema's fingerprint: the schema and who owns what, in which order, at which
/// version — not where the files are (a plan reviewed in CI applies on a deploy host).
pub fn desired_fingerprint(desired: &Desired) -> String {
    let renames: Vec<_> = (desired.renames.iter())
        .map(|r| (&r.of, &r.from, &r.to))
        .collect();
    sha256(&format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{renames:?}",
        desired.schema,
        desired.owner,
        desired.view_owner,
        desired.function_owner,
        desired.event_owner,
        desired.sequence_owner,
        desired.retired,
        desired.external,
        desired.order,
        desired.versions,
    ))
}

fn statements(batches: &[Batch]) -> Vec<ReviewedBatch> {
    (batches.iter())
        .filter(|b| !b.statements.is_empty())
        .map(|b| ReviewedBatch {
            plugin: b.plugin.clone(),
            statements: b.statements.iter().map(|s| s.sql.clone()).collect(),
        })
        .collect()
}

impl ReviewedPlan {
    pub fn new(dialect: Dialect, live: &Schema, desired: &Desired, batches: &[Batch]) -> Self {
        ReviewedPlan {
            format: FORMAT,
            plinth: env!("CARGO_PKG_VERSION").to_string(),
            dialect: dialect_name(dialect),
            live: live_fingerprint(live),
            desired: desired_fingerprint(desired),
            plugins: statements(batches),
        }
    }

    /// The file's text, read back; `path` names it in errors.
    pub fn parse(path: &str, text: &str) -> Result<ReviewedPlan> {
        let plan: ReviewedPlan = serde_json::from_str(text).map_err(|e| {
            Error::usage(format!(
                "{path} is not a plan written by `plinth plan --out`: {e}"
            ))
        })?;
        let this = env!("CARGO_PKG_VERSION");
        if plan.format != FORMAT || plan.plinth != this {
            return Err(Error::usage(format!(
                "{path} was planned by plinth {} (format {}); this is plinth {this}: plan and review again",
                plan.plinth, plan.format
            )));
        }
        Ok(plan)
    }

    /// Before connecting: the engine and the desired schema are those reviewed.
    pub fn check_desired(&self, path: &str, dialect: Dialect, desired: &Desired) -> Result<()> {
        if self.dialect != dialect_name(dialect) {
            return Err(Error::usage(format!(
                "{path} was planned for {}, not {}: plan and review again",
                self.dialect,
                dialect_name(dialect)
            )));
        }
        if self.desired != desired_fingerprint(desired) {
            return Err(Error::usage(format!(
                "refusing to apply {path}: the schema files (or plugins.toml) changed since it was planned; plan and review again"
            )));
        }
        Ok(())
    }

    /// Under the apply's lock: the database is as reviewed, and plinth plans exactly the
    /// reviewed statements from it.
    pub fn check_live(&self, path: &str, live: &Schema, batches: &[Batch]) -> Result<()> {
        if self.live != live_fingerprint(live) {
            return Err(Error::usage(format!(
                "refusing to apply {path}: the database changed since it was planned; plan and review again"
            )));
        }
        if self.plugins != statements(batches) {
            return Err(Error::usage(format!(
                "refusing to apply {path}: plinth would now run other statements than the reviewed ones; plan and review again"
            )));
        }
        Ok(())
    }
}
