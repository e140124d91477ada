//! The engines, one folder each with the same shape: `normalize` (the engine's implied rules,
//! applied to both sides by `normalize::finish`), `inspect` (the catalog read in a fixed number
//! of bulk queries), `render` (plan steps → the engine's SQL) and, where the engine needs them,
//! its planning rules. The engine-neutral core reaches them through one `match` on
//! [`Dialect`](crate::model::Dialect) per operation.

pub mod mysql;
pub mod postgres;
pub mod sqlite;
