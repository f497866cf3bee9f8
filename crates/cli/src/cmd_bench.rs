//! `tessera bench`: throughput of the tracking loop on a scenario file (optionally side by side
//! with the Stone Soup peer in the same run), and the scale curve on generated scenarios.

use crate::cmd_track::{TrackOptions, TrackSummary, run_track};
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::path::Path;
use std::process::Command;
use tessera_sim::{RadarScenarioParams, Scenario, generate};
use tessera_track::TrackerConfig;

/// Best (highest-throughput) of `repeat` replays without output.
pub fn best_of(scenario: &Scenario, config: &TrackerConfig, repeat: usize) -> Result<TrackSummary> {
    let opts = TrackOptions {
        with_cov: false,
        history: false,
        progress: false,
    };
    let mut best: Option<TrackSummary> = None;
    for _ in 0..repeat.max(1) {
        let s = run_track(scenario, config, None, &opts)?;
        if best
            .as_ref()
            .is_none_or(|b| s.detections_per_cpu_second > b.detections_per_cpu_second)
        {
            best = Some(s);
        }
    }
    best.context("no run")
}

/// Runs the Stone Soup peer on the same file and returns its JSON summary line.
pub fn run_peer(python: &Path, script: &Path, scenario: &Path) -> Result<serde_json::Value> {
    let out = Command::new(python)
        .arg(script)
        .arg("--replay")
        .arg(scenario)
        .args(["--associator", "kdtree", "--no-siap"])
        .env("OPENBLAS_NUM_THREADS", "1")
        .env("OMP_NUM_THREADS", "1")
        .output()
        .with_context(|| format!("cannot run {}", python.display()))?;
    if !out.status.success() {
        bail!(
            "peer failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .context("peer printed no summary")?;
    Ok(serde_json::from_str(line)?)
}

/// One point of the scale curve.
#[derive(Debug, Serialize)]
pub struct ScalePoint {
    pub targets: usize,
    pub radars: usize,
    pub scan_period_s: f64,
    pub scenario_seconds: f64,
    pub detections: u64,
    pub detections_per_cpu_second: f64,
    pub real_time_factor: f64,
    pub frame_latency_p50_ms: f64,
    pub frame_latency_p99_ms: f64,
    pub frame_latency_max_ms: f64,
    pub max_live_tracks: usize,
    pub tracks_confirmed: u64,
    pub track_record_bytes: usize,
    pub rss_growth_per_live_track_bytes: f64,
}

fn rss_bytes() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

/// Generates a scale scenario (every target seen by every radar once per scan period) and
/// tracks it once.
pub fn scale_point(
    targets: usize,
    radars: usize,
    scan_period_s: f64,
    scans: usize,
    config: &TrackerConfig,
) -> Result<ScalePoint> {
    let params = RadarScenarioParams {
        targets,
        radars,
        scans,
        scan_period_s,
        // A 20-radar network covers a wider area; keep density like the public files.
        area_m: 200e3 * (targets as f64 / 200.0).sqrt().max(1.0),
        keep_truth: false,
        seed: 42,
        ..Default::default()
    };
    let scenario = generate(&params);
    let rss0 = rss_bytes();
    let opts = TrackOptions {
        with_cov: false,
        history: false,
        progress: false,
    };
    let s = run_track(&scenario, config, None, &opts)?;
    let rss1 = rss_bytes();
    let duration = scans as f64 * scan_period_s;
    Ok(ScalePoint {
        targets,
        radars,
        scan_period_s,
        scenario_seconds: duration,
        detections: s.detections,
        detections_per_cpu_second: s.detections_per_cpu_second,
        real_time_factor: duration / s.track_loop_wall_s.max(1e-9),
        frame_latency_p50_ms: s.frame_latency_p50_ms,
        frame_latency_p99_ms: s.frame_latency_p99_ms,
        frame_latency_max_ms: s.frame_latency_max_ms,
        max_live_tracks: s.max_live_tracks,
        tracks_confirmed: s.tracks_confirmed,
        track_record_bytes: s.bytes_per_track_record,
        rss_growth_per_live_track_bytes: match (rss0, rss1) {
            (Some(a), Some(b)) => (b - a).max(0.0) / s.max_live_tracks.max(1) as f64,
            _ => f64::NAN,
        },
    })
}
