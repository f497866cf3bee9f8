//! `tessera simulate [--scenario FILE] --output DIR`: runs a scenario file (the embedded
//! default "Coastal Sector" scenario when none is given) through the simulator and writes truth,
//! the CAT048 recording of all radars, CAT021 and SBS ADS-B reports, the formats.md scenario
//! file, early-warning cues, engagement events and a summary into DIR.

use anyhow::{Context, Result};
use std::path::Path;
use tessera_sim::world::{WorldConfig, default_world, simulate};

/// Runs the simulator; prints the summary as one JSON line on stdout.
pub fn run_simulate(scenario: Option<&Path>, output: &Path) -> Result<()> {
    let config = match scenario {
        Some(path) => WorldConfig::from_file(path)?,
        None => default_world(),
    };
    let wall = std::time::Instant::now();
    let summary = simulate(&config, output).with_context(|| {
        format!(
            "simulating {:?} into {}",
            config.scenario.name,
            output.display()
        )
    })?;
    let wall_s = wall.elapsed().as_secs_f64();
    let mut line = serde_json::to_value(&summary)?;
    line["wall_s"] = wall_s.into();
    line["real_time_factor"] = (summary.duration_s / wall_s.max(1e-9)).into();
    line["output"] = output.display().to_string().into();
    println!("{line}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_scenario_file_names_file_line_and_key() {
        let dir = std::env::temp_dir().join(format!("tessera-cmd-sim-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.toml");
        std::fs::write(
            &path,
            tessera_sim::world::DEFAULT_TOML
                .replace("duration_s = 600.0", "duration_s = 600.0\ncolour = 1"),
        )
        .unwrap();
        let e = run_simulate(Some(&path), &dir.join("out")).unwrap_err();
        let msg = format!("{e:#}");
        let line = tessera_sim::world::DEFAULT_TOML
            .lines()
            .position(|l| l.starts_with("duration_s = 600.0"))
            .unwrap()
            + 2;
        assert!(
            msg.contains(&format!("s.toml:{line}:")) && msg.contains("colour"),
            "{msg}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
