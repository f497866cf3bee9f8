//! The scenario simulator: a TOML scenario ([`WorldConfig`]) → ground truth, sensor reports in
//! real wire formats (CAT048 radar plots, CAT021 and SBS ADS-B reports, the formats.md scenario
//! JSON lines) and engagement outcomes, seeded and deterministic (same file → byte-identical
//! outputs; only `rand_pcg` generators, one per subsystem, seeded from `scenario.seed`).
//!
//! - [`config`]: the file format and its validation (errors name file, line and key).
//! - [`engine`]: the steppable [`World`] (state, one step at a time, external engagement
//!   orders); [`simulate`] below is the batch loop over it that writes the files.
//! - [`kinematics`]: ballistic, route-flying and recorded trajectories.
//! - [`entities`]: the air objects built from a scenario.
//! - [`sensors`]: radars, ADS-B receivers, the early-warning cue feed.
//! - [`engagement`]: fire units, engagement orders and their refusals, events, fly-out and
//!   kill draws.
//! - [`outputs`]: the files written (table in that module).
//! - [`default`]: the embedded default scenario.
//!
//! The world is a flat map around a fictional origin (x east, y north, z height above sea
//! level); WGS-84 positions (CAT021, SBS, truth lat/lon, the CAT048 site geometry) come from
//! the tangent plane at the origin ([`WorldFrame`]). Each step advances all objects by
//! `scenario.step_s`; sensor events inside a step (beam crossings, ADS-B broadcasts) are placed
//! at their exact instant by linear extrapolation within the step.

pub mod config;
pub mod default;
pub mod engagement;
pub mod engine;
pub mod entities;
pub mod kinematics;
pub mod outputs;
pub mod sensors;

pub use config::{ConfigError, Doctrine, WorldConfig};
pub use default::{DEFAULT_TOML, default_world};
pub use engagement::{
    AbortReason, EngagementEvent, EngagementOrder, EngagementRefused, LauncherStatus, MissReason,
};
pub use engine::{StepOutput, World};
pub use entities::TruthState;
pub use sensors::{Cue, WorldFrame};

use config::ObjectClass;
use outputs::Out;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A simulation failure.
#[derive(Debug, Error)]
pub enum SimError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("encoding: {0}")]
    Encode(#[from] tessera_asterix::EncodeError),
    #[error("geodesy: {0}")]
    Geo(#[from] tessera_geo::GeoError),
    #[error("scenario: {0}")]
    Scenario(String),
}

/// What a run produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SimSummary {
    pub name: String,
    pub duration_s: f64,
    /// Objects created (including respawned civil traffic and interceptors).
    pub objects: usize,
    /// Objects per class and affiliation ("neutral aircraft", "hostile cruise", …).
    pub by_kind: BTreeMap<String, usize>,
    pub threats: usize,
    /// Most objects alive at once.
    pub max_alive: usize,
    /// CAT048 plots written (target plots and false plots).
    pub radar_plots: u64,
    /// Of which false plots (clutter).
    pub false_plots: u64,
    pub cat048_blocks: u64,
    pub adsb_reports: u64,
    pub cat021_blocks: u64,
    pub sbs_lines: u64,
    pub truth_lines: u64,
    pub scenario_frames: u64,
    pub cues: u64,
    pub launches: u64,
    pub kills: u64,
    pub misses: u64,
    pub impacts: u64,
    /// Threats still flying at the end.
    pub threats_alive_at_end: usize,
    /// Largest inventory of a single fire unit (saturation: compare with `threats`).
    pub largest_inventory: u32,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> SimError + '_ {
    move |source| SimError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Runs a scenario to its end and writes its outputs into `out_dir` (created if needed); the
/// files are listed in [`outputs`]. A loop over [`World::step`].
pub fn simulate(config: &WorldConfig, out_dir: &Path) -> Result<SimSummary, SimError> {
    std::fs::create_dir_all(out_dir).map_err(io_err(out_dir))?;
    let mut world = World::new(config)?;
    let mut f_truth = if config.output.truth_period_s > 0.0 {
        Some(Out::create(out_dir, "truth.jsonl")?)
    } else {
        None
    };
    let mut f_scen = match world.scenario_header() {
        Some(h) => {
            let mut o = Out::create(out_dir, "scenario.jsonl")?;
            o.put(h.as_bytes())?;
            Some(o)
        }
        None => None,
    };
    let mut f_048 = Out::create(out_dir, "radars.cat048")?;
    let mut f_021 = Out::create(out_dir, "adsb.cat021")?;
    let mut f_sbs = if config.output.sbs {
        Some(Out::create(out_dir, "adsb.sbs")?)
    } else {
        None
    };
    let mut f_eng = Out::create(out_dir, "engagements.jsonl")?;
    let mut f_cue = Out::create(out_dir, "cues.jsonl")?;
    while !world.finished() {
        let step = world.step();
        if let Some(f) = f_truth.as_mut() {
            f.put(step.truth_lines.as_bytes())?;
        }
        if let Some(f) = f_scen.as_mut() {
            f.put(step.scenario_lines.as_bytes())?;
        }
        for (_, b) in &step.cat048 {
            f_048.put(b)?;
        }
        for (_, b) in &step.cat021 {
            f_021.put(b)?;
        }
        if let Some(f) = f_sbs.as_mut() {
            f.put(step.sbs.as_bytes())?;
        }
        for c in &step.cues {
            f_cue.put(c.to_jsonl().as_bytes())?;
        }
        for e in &step.events {
            f_eng.put(e.to_jsonl().as_bytes())?;
        }
    }
    if let Some(e) = world.encode_error() {
        return Err(SimError::Encode(e.clone()));
    }
    for f in [
        Some(f_048),
        Some(f_021),
        f_truth,
        f_scen,
        f_sbs,
        Some(f_eng),
        Some(f_cue),
    ]
    .into_iter()
    .flatten()
    {
        f.finish()?;
    }
    let sum = world.summary();
    let sp = out_dir.join("summary.json");
    let text = serde_json::to_string_pretty(&sum)
        .map_err(|e| SimError::Scenario(format!("summary: {e}")))?;
    std::fs::write(&sp, text + "\n").map_err(io_err(&sp))?;
    Ok(sum)
}

/// Counts of objects of a class in a configuration's threat list (before expansion).
pub fn configured_threats(cfg: &WorldConfig) -> BTreeMap<ObjectClass, u32> {
    let mut m = BTreeMap::new();
    for t in &cfg.threats {
        *m.entry(t.class).or_default() += t.count;
    }
    m
}
