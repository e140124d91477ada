//! PostgreSQL: what it stores for what is written, how its catalog is read, and its DDL.

pub(crate) mod apply;
pub(crate) mod expr;
pub mod inspect;
pub(crate) mod interval;
pub(crate) mod names;
pub mod normalize;
pub mod partition;
pub(crate) mod prepass;
pub(crate) mod render;
pub(crate) mod session;
pub(crate) mod types;

/// The table option saying row-level security is enabled (`ALTER TABLE … ENABLE ROW LEVEL
/// SECURITY`; policies are not modelled yet).
pub(crate) const ROW_LEVEL_SECURITY: &str = "row_level_security";
