//! Helpers shared by the runtime's integration tests.

use std::path::PathBuf;

/// A recording under `../shared/data` (never copied into the repository): `None` when it is
/// absent on a developer machine, a panic naming it under `CI=true`.
pub fn data(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(rel);
    if p.exists() {
        Some(p)
    } else if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("missing {}", p.display());
    } else {
        None
    }
}
