//! Errors as values: every failure plinth reports, with the source position when one is known.

use std::fmt;

use crate::plan::Hazard;

/// A position in a user's file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub file: String,
    pub line: u64,
    pub column: u64,
}

impl Location {
    pub fn new(file: impl Into<String>, line: u64, column: u64) -> Location {
        Location {
            file: file.into(),
            line: line.max(1),
            column: column.max(1),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input at a known place: a schema file or plugins.toml.
    #[error("{location}: {message}")]
    At { location: Location, message: String },
    /// Bad input without a position (a missing file, a bad flag combination…).
    #[error("{0}")]
    Usage(String),
    /// The database refused or failed; `context` says what plinth was doing.
    #[error("{context}: {message}")]
    Database { context: String, message: String },
    /// The plan holds destructive steps and `--allow-destructive` was not given: the hazards
    /// that refused it, in plan order, each with its plugin.
    #[error("refusing to apply: the plan is destructive:\n{}\nnothing was applied; re-run with --allow-destructive to accept this data loss", hazard_lines(.hazards))]
    Destructive { hazards: Vec<PluginHazard> },
    /// Applying did not converge, or stopped half way (MySQL), with what happened.
    #[error("{0}")]
    Apply(String),
}

/// A destructive hazard of a plan, with the plugin whose batch holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginHazard {
    pub plugin: String,
    pub hazard: Hazard,
}

fn hazard_lines(hazards: &[PluginHazard]) -> String {
    let lines: Vec<String> = hazards
        .iter()
        .map(|h| format!("  [{}] {}", h.plugin, h.hazard.message))
        .collect();
    lines.join("\n")
}

impl Error {
    pub fn at(location: Location, message: impl Into<String>) -> Error {
        Error::At {
            location,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Error {
        Error::Usage(message.into())
    }

    pub fn database(context: impl Into<String>, message: impl fmt::Display) -> Error {
        Error::Database {
            context: context.into(),
            message: message.to_string(),
        }
    }

    /// The same error with `f` applied to every text it carries (to scrub secrets from it).
    pub fn map_text(self, f: impl Fn(String) -> String) -> Error {
        match self {
            Error::At { location, message } => Error::At {
                location: Location {
                    file: f(location.file),
                    ..location
                },
                message: f(message),
            },
            Error::Usage(message) => Error::Usage(f(message)),
            Error::Database { context, message } => Error::Database {
                context: f(context),
                message: f(message),
            },
            Error::Destructive { hazards } => Error::Destructive {
                hazards: hazards
                    .into_iter()
                    .map(|PluginHazard { plugin, hazard }| PluginHazard {
                        plugin: f(plugin),
                        hazard: Hazard {
                            message: f(hazard.message),
                            ..hazard
                        },
                    })
                    .collect(),
            },
            Error::Apply(message) => Error::Apply(f(message)),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
