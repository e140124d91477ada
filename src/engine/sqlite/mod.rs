//! SQLite: what it stores for what is written, how its schema is read back, and its DDL
//! (including the table rebuild).

pub(crate) mod apply;
pub mod inspect;
pub(crate) mod names;
pub mod normalize;
pub(crate) mod plan;
pub(crate) mod prepass;
pub(crate) mod render;
pub(crate) mod session;
pub(crate) mod types;
