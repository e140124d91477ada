//! MySQL and MariaDB: what they store for what is written, how their catalog is read, and
//! their DDL.

pub(crate) mod apply;
pub mod inspect;
pub(crate) mod names;
pub mod normalize;
pub(crate) mod partition;
pub(crate) mod plan;
pub(crate) mod prepass;
pub(crate) mod render;
pub(crate) mod session;
pub(crate) mod types;
