//! `tessera run`: the main job. Until the live system lands, it plays a scenario (the embedded
//! default when none is given) through the tracker and scores the composite picture against
//! the ground truth.

use crate::cmd_eval::{parse_tracks, run_eval};
use crate::cmd_track::{TrackOptions, TrackSummary, run_track};
use anyhow::Result;
use serde::Serialize;
use std::path::Path;
use tessera_metrics::{EvalParams, EvalReport};
use tessera_sim::{RadarScenarioParams, Scenario, generate};
use tessera_track::TrackerConfig;

/// The embedded default scenario: 80 aircraft (a third of them turning, some appearing late or
/// leaving early) over 200 km × 200 km, seen for two minutes by four staggered 3D radars with
/// Pd 0.9 and clutter. Fictional and generic.
pub fn default_scenario() -> Scenario {
    generate(&RadarScenarioParams {
        targets: 80,
        radars: 4,
        scans: 120,
        seed: 2026,
        turn_frac: 0.35,
        clutter: 8.0,
        ..Default::default()
    })
}

#[derive(Debug, Serialize)]
pub struct RunSummary {
    pub scenario: String,
    pub tracking: TrackSummary,
    pub evaluation: EvalReport,
}

pub fn run(scenario_path: Option<&Path>, config: &TrackerConfig) -> Result<RunSummary> {
    let (scenario, name) = match scenario_path {
        Some(p) => (Scenario::read(p)?, p.display().to_string()),
        None => (default_scenario(), "embedded default".to_string()),
    };
    let mut buf: Vec<u8> = Vec::new();
    let opts = TrackOptions {
        with_cov: false,
        history: true,
        progress: true,
    };
    let tracking = run_track(&scenario, config, Some(&mut buf), &opts)?;
    let tracks = parse_tracks(buf.as_slice(), "tracks")?;
    let evaluation = run_eval(&scenario.truths, &tracks, &EvalParams::default())?;
    Ok(RunSummary {
        scenario: name,
        tracking,
        evaluation,
    })
}
