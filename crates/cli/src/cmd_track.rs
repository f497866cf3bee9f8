//! `tessera track`: replays a scenario file's detections through the tracker and writes one JSON
//! line per confirmed track state per update time (formats.md, "Track output").

use crate::cputime::Stopwatch;
use crate::scan_builder::ScanBuilder;
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::Path;
use tessera_sim::Scenario;
use tessera_track::{TrackerConfig, build};

/// Reads a tracker configuration file (TOML, or JSON when the name ends in .json).
pub fn load_config(path: Option<&Path>) -> Result<TrackerConfig> {
    let Some(path) = path else {
        return Ok(TrackerConfig::default());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text)
            .with_context(|| format!("{}: invalid tracker configuration", path.display()))
    } else {
        toml::from_str(&text)
            .with_context(|| format!("{}: invalid tracker configuration", path.display()))
    }
}

#[derive(Serialize)]
struct TrackLine<'a> {
    t_us: i64,
    track: u64,
    state: &'a [f64],
    #[serde(skip_serializing_if = "Option::is_none")]
    cov: Option<&'a [f64]>,
}

/// Summary of a replay (printed as JSON on stderr and used by `bench`).
#[derive(Debug, Clone, Serialize)]
pub struct TrackSummary {
    pub frames: usize,
    pub detections: u64,
    pub rejected_detections: u64,
    pub track_lines: u64,
    pub tracks_confirmed: u64,
    pub tracks_initiated: u64,
    pub max_live_tracks: usize,
    pub track_loop_cpu_s: f64,
    pub track_loop_wall_s: f64,
    pub detections_per_cpu_second: f64,
    pub frame_latency_p50_ms: f64,
    pub frame_latency_p99_ms: f64,
    pub frame_latency_max_ms: f64,
    pub bytes_per_track_record: usize,
    pub filter: String,
}

/// Options of one replay.
pub struct TrackOptions {
    pub with_cov: bool,
    pub history: bool,
    pub progress: bool,
}

/// Runs the tracker over a scenario, writing track lines to `out` (None: no output, for
/// benchmarks).
pub fn run_track(
    scenario: &Scenario,
    config: &TrackerConfig,
    mut out: Option<&mut dyn Write>,
    opts: &TrackOptions,
) -> Result<TrackSummary> {
    let mut tracker = build(config)?;
    let mut builder = ScanBuilder::new(&scenario.header)?;
    for s in builder.sites() {
        tracker.register_sensor(s);
    }
    let dim = scenario.header.dim;
    let scans: Vec<_> = scenario
        .frames
        .iter()
        .filter_map(|f| builder.scan(f))
        .collect();
    let detections: u64 = scans.iter().map(|s| s.measurements.len() as u64).sum();
    let bar = if opts.progress && std::io::stderr().is_terminal() {
        let b = ProgressBar::new(scans.len() as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} frames {msg} [{elapsed}<{eta}]")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let mut lines = 0u64;
    let mut max_live = 0usize;
    let mut latencies: Vec<f64> = Vec::with_capacity(scans.len());
    let mut loop_cpu = 0.0;
    let mut loop_wall = 0.0;
    let mut state_buf: Vec<f64> = Vec::with_capacity(6);
    let mut cov_buf: Vec<f64> = Vec::with_capacity(36);
    let mut write_state = |out: &mut dyn Write,
                           t_us: i64,
                           track: u64,
                           state: &nalgebra::Vector6<f64>,
                           cov: &nalgebra::Matrix6<f64>|
     -> Result<()> {
        let idx: &[usize] = if dim == 3 {
            &[0, 1, 2, 3, 4, 5]
        } else {
            &[0, 1, 2, 3]
        };
        state_buf.clear();
        state_buf.extend(idx.iter().map(|&i| state[i]));
        cov_buf.clear();
        if opts.with_cov {
            for &r in idx {
                for &c in idx {
                    cov_buf.push(cov[(r, c)]);
                }
            }
        }
        serde_json::to_writer(
            &mut *out,
            &TrackLine {
                t_us,
                track,
                state: &state_buf,
                cov: opts.with_cov.then_some(&cov_buf[..]),
            },
        )?;
        out.write_all(b"\n")?;
        Ok(())
    };
    for (n, scan) in scans.into_iter().enumerate() {
        let t_us = scan.time.micros();
        let sw = Stopwatch::start();
        let report = tracker.process(scan);
        // The full picture is only materialised when it is written out; a live system publishes
        // the updated tracks (deltas) instead.
        let confirmed = if out.is_some() {
            tracker.confirmed_tracks()
        } else {
            Vec::new()
        };
        let (c, w) = (sw.cpu_s(), sw.wall_s());
        loop_cpu += c;
        loop_wall += w;
        latencies.push(w * 1e3);
        let report = match report {
            Ok(r) => r,
            Err(e) => {
                eprintln!("frame {n} at t_us={t_us}: {e}");
                continue;
            }
        };
        max_live = max_live.max(tracker.live_tracks());
        if let Some(out) = out.as_deref_mut() {
            if opts.history {
                for h in &report.history {
                    write_state(out, h.time.micros(), h.track.0, &h.state, &h.covariance)?;
                    lines += 1;
                }
            }
            for trk in &confirmed {
                write_state(out, t_us, trk.id.0, &trk.state, &trk.covariance)?;
                lines += 1;
            }
        }
        if let Some(b) = &bar {
            b.inc(1);
            if n % 50 == 0 {
                b.set_message(format!("{} tracks", confirmed.len()));
            }
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            0.0
        } else {
            latencies[((latencies.len() - 1) as f64 * p).round() as usize]
        }
    };
    let stats = tracker.stats();
    Ok(TrackSummary {
        frames: scenario.frames.len(),
        detections,
        rejected_detections: builder.rejected_detections,
        track_lines: lines,
        tracks_confirmed: stats.tracks_confirmed,
        tracks_initiated: stats.tracks_initiated,
        max_live_tracks: max_live,
        track_loop_cpu_s: loop_cpu,
        track_loop_wall_s: loop_wall,
        detections_per_cpu_second: detections as f64 / loop_cpu.max(1e-9),
        frame_latency_p50_ms: pct(0.5),
        frame_latency_p99_ms: pct(0.99),
        frame_latency_max_ms: latencies.last().copied().unwrap_or(0.0),
        bytes_per_track_record: tracker.bytes_per_track(),
        filter: format!("{:?}", config.filter),
    })
}
