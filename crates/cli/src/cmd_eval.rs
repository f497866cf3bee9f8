//! `tessera eval`: scores a track file against a scenario's ground truth with the metrics of
//! the Stone Soup peer (OSPA, GOSPA, SIAP) and prints one JSON line.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::io::BufRead;
use std::path::Path;
use tessera_metrics::{EvalParams, EvalReport, StateSample, evaluate};
use tessera_sim::TruthState;
use tessera_sim::scenario_file::open_maybe_gz;

#[derive(Deserialize)]
struct TrackLine {
    t_us: i64,
    track: u64,
    state: Vec<f64>,
}

fn sample(time_us: i64, id: u64, s: &[f64]) -> Option<StateSample> {
    match s {
        [x, vx, y, vy] => Some(StateSample {
            time_us,
            id,
            position: [*x, *y, 0.0],
            velocity: [*vx, *vy, 0.0],
        }),
        [x, vx, y, vy, z, vz, ..] => Some(StateSample {
            time_us,
            id,
            position: [*x, *y, *z],
            velocity: [*vx, *vy, *vz],
        }),
        _ => None,
    }
}

/// Ground truth of a scenario as metric samples (truth ids shifted to be non-negative).
pub fn truth_samples(truths: &[TruthState]) -> Vec<StateSample> {
    truths
        .iter()
        .filter_map(|t| sample(t.t_us, t.id.max(0) as u64, &t.state))
        .collect()
}

/// Reads a track file (`tessera track` output); a malformed line is an error naming the line.
pub fn read_tracks(path: &Path) -> Result<Vec<StateSample>> {
    parse_tracks(open_maybe_gz(path)?, &path.display().to_string())
}

/// Parses track lines from any reader; `name` labels errors.
pub fn parse_tracks(reader: impl BufRead, name: &str) -> Result<Vec<StateSample>> {
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("{name}:{}: cannot read", i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let t: TrackLine = serde_json::from_str(&line)
            .with_context(|| format!("{name}:{}: malformed track line", i + 1))?;
        let Some(s) = sample(t.t_us, t.track, &t.state) else {
            bail!("{name}:{}: a state has 4 or 6 numbers", i + 1);
        };
        out.push(s);
    }
    Ok(out)
}

/// Evaluates tracks against truths.
pub fn run_eval(
    truths: &[TruthState],
    tracks: &[StateSample],
    params: &EvalParams,
) -> Result<EvalReport> {
    Ok(evaluate(&truth_samples(truths), tracks, params)?)
}
