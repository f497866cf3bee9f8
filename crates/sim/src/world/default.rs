//! The embedded default scenario ("Coastal Sector"), played by `tessera run` and
//! `tessera simulate` when no scenario file is given: fictional and generic — an invented
//! stretch of coast over open ocean, no real place or force. See
//! `crates/sim/scenarios/default.toml` (it also documents the file format, one example per
//! section).

use super::config::WorldConfig;
use std::path::Path;

/// The default scenario's TOML text.
pub const DEFAULT_TOML: &str = include_str!("../../scenarios/default.toml");

/// The default scenario, parsed.
pub fn default_world() -> WorldConfig {
    // The embedded text is a compile-time constant; the unit test below proves it valid.
    match WorldConfig::from_toml_str(DEFAULT_TOML, Path::new("<embedded default.toml>")) {
        Ok(c) => c,
        Err(e) => panic!("embedded default scenario is invalid: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_scenario_is_valid() {
        let c = default_world();
        assert_eq!(c.assets.len(), 6);
        assert!(c.sensors.len() >= 6);
    }
}
