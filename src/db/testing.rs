//! Live-test support shared by the engines' unit tests: which engines are required, and fresh
//! database names.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::model::Dialect;

/// Whether PLINTH_REQUIRE_ENGINES names `dialect`: then an unreachable server fails the test
/// instead of skipping it.
pub fn required(dialect: Dialect) -> bool {
    std::env::var("PLINTH_REQUIRE_ENGINES")
        .unwrap_or_default()
        .split(',')
        .any(|e| Dialect::from_name(e.trim()) == Some(dialect))
}

/// Skip (with a printed notice) or fail, as PLINTH_REQUIRE_ENGINES says.
pub fn unreachable(dialect: Dialect, error: impl std::fmt::Display) {
    assert!(
        !required(dialect),
        "{dialect} is required (PLINTH_REQUIRE_ENGINES) but unreachable: {error}"
    );
    eprintln!("SKIPPED: {dialect} unreachable (set PLINTH_TEST_*_URL): {error}");
}

/// A database name no other test (or test run) uses.
pub fn unique_name() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "plinth_t_{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The snippet without its `plinth_*` tables (which a schema file may not define; the server
/// gets them, to show that inspection skips them).
pub(crate) fn without_plinth_tables(ddl: &str) -> String {
    ddl.split(';')
        .filter(|s| !s.contains("TABLE plinth_"))
        .collect::<Vec<_>>()
        .join(";")
}
