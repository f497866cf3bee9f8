//! `tessera bench`: throughput of the tracking loop on a scenario file (optionally side by side
//! with the Stone Soup peer in the same run), and the scale curve on generated scenarios —
//! snapshot radars through `Tracker::process`, or rotating radars whose plots carry their
//! beam-crossing times, delivered as sector scans through `Tracker::process_sector` (the live
//! path).

use crate::cmd_track::TrackSummary;
use crate::scan_builder::ScanBuilder;
use anyhow::{Context, Result, bail};
use nalgebra::Vector3;
use serde::Serialize;
use std::collections::HashMap;
use std::f64::consts::{PI, TAU};
use std::path::Path;
use std::process::Command;
use tessera_domain::{Measurement, Observation, SensorId, SensorKind, SensorSite, Timestamp};
use tessera_sim::{RadarScenarioParams, Scenario, generate};
use tessera_track::measure::wrap_pi;
use tessera_track::{SectorScan, SweptSector, TrackerConfig, build};

/// Best (highest-throughput) of `repeat` replays without output. Scans are built once,
/// outside the measurement; each replay's tracking loop is timed as a whole with the thread's
/// CPU clock (`/proc/thread-self/schedstat`, which `tessera track` uses per frame, only moves
/// at scheduler ticks: 4 ms, several per cent of a small file's whole run).
pub fn best_of(scenario: &Scenario, config: &TrackerConfig, repeat: usize) -> Result<TrackSummary> {
    let mut builder = ScanBuilder::new(&scenario.header)?;
    let sites = builder.sites();
    let scans: Vec<tessera_track::Scan> = scenario
        .frames
        .iter()
        .filter_map(|f| builder.scan(f))
        .collect();
    let detections: u64 = scans.iter().map(|s| s.measurements.len() as u64).sum();
    let mut best: Option<TrackSummary> = None;
    for _ in 0..repeat.max(1) {
        let mut tracker = build(config)?;
        for s in &sites {
            tracker.register_sensor(*s);
        }
        let input = scans.clone();
        let mut m = Meter::new(f64::INFINITY);
        let mut max_live = 0;
        let (c0, w0) = (thread_cpu_s(), std::time::Instant::now());
        for scan in input {
            let n = scan.measurements.len();
            m.time(0.0, n, || tracker.process(scan))?;
            max_live = max_live.max(tracker.live_tracks());
        }
        let (c1, wall) = (thread_cpu_s(), w0.elapsed().as_secs_f64());
        let cpu = match (c0, c1) {
            (Some(a), Some(b)) => b - a,
            _ => wall,
        };
        m.cpu.sort_by(f64::total_cmp);
        let stats = tracker.stats();
        let s = TrackSummary {
            frames: scenario.frames.len(),
            detections,
            rejected_detections: builder.rejected_detections,
            track_lines: 0,
            tracks_confirmed: stats.tracks_confirmed,
            tracks_initiated: stats.tracks_initiated,
            max_live_tracks: max_live,
            track_loop_cpu_s: cpu,
            track_loop_wall_s: wall,
            detections_per_cpu_second: detections as f64 / cpu.max(1e-9),
            frame_latency_p50_ms: percentile(&m.cpu, 0.5) * 1e3,
            frame_latency_p99_ms: percentile(&m.cpu, 0.99) * 1e3,
            frame_latency_max_ms: m.cpu.last().copied().unwrap_or(0.0) * 1e3,
            bytes_per_track_record: tracker.bytes_per_track(),
            filter: format!("{:?}", config.filter),
        };
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
    /// `snapshot` (each radar reports every target at one instant per scan) or `rotating`
    /// (plots at their beam-crossing times, delivered as sector scans).
    pub mode: &'static str,
    pub targets: usize,
    pub radars: usize,
    pub scan_period_s: f64,
    pub scenario_seconds: f64,
    /// Inputs given to the tracker (snapshot frames or sector scans).
    pub frames: usize,
    pub detections: u64,
    /// Thread CPU seconds of the tracker calls (generation and scan building excluded).
    pub cpu_s: f64,
    pub wall_s: f64,
    pub cpu_s_per_scenario_s: f64,
    pub detections_per_cpu_second: f64,
    /// Scenario seconds per CPU second of the tracker (> 1: faster than real time).
    pub real_time_factor: f64,
    /// Per-input latency, thread CPU time of the call.
    pub frame_cpu_p50_ms: f64,
    pub frame_cpu_p99_ms: f64,
    pub frame_cpu_max_ms: f64,
    /// The same after the first two scan periods (steady state: every target has its track).
    pub steady_frame_cpu_p99_ms: f64,
    pub steady_frame_cpu_max_ms: f64,
    /// Per-input latency, wall clock (the machine is shared: noisier).
    pub frame_wall_p99_ms: f64,
    pub max_live_tracks: usize,
    pub live_tracks_end: usize,
    pub confirmed_end: usize,
    pub tracks_confirmed: u64,
    /// Heap bytes the tracker holds for tracks (records with their states, the checkpoints'
    /// packed pre-images for out-of-sequence input, the track index) per live track, at the
    /// end.
    pub track_bytes_per_live_track: f64,
    /// Heap bytes of the reports kept for out-of-sequence replays (a function of the report
    /// rate and the lag, not of the number of tracks).
    pub replay_window_bytes: usize,
    /// Every part, bytes.
    pub memory: tessera_track::MemoryUse,
    /// Growth of the process's resident set over the run per live track at the end (every
    /// allocation, allocator slack included).
    pub rss_growth_per_live_track_bytes: f64,
    /// Rotating mode: RMS position error of the confirmed tracks against the truth of their
    /// latest report, m, and the number of such tracks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rms_error_m: Option<f64>,
    pub load_avg_1m_start: Option<f64>,
}

fn rss_bytes() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

fn load_avg() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        0.0
    } else {
        sorted[((sorted.len() - 1) as f64 * p).round() as usize]
    }
}

/// Latency and throughput bookkeeping shared by both modes.
#[derive(Default)]
struct Meter {
    cpu: Vec<f64>,
    wall: Vec<f64>,
    /// CPU time of the inputs after the warm-up (the first two scan periods, while every
    /// target's track starts).
    steady_cpu: Vec<f64>,
    warmup_end: f64,
    detections: u64,
    max_live: usize,
}

impl Meter {
    fn new(warmup_end: f64) -> Self {
        Self {
            warmup_end,
            ..Default::default()
        }
    }

    fn time<R>(&mut self, t: f64, n: usize, f: impl FnOnce() -> R) -> R {
        let (c0, w0) = (thread_cpu_s(), std::time::Instant::now());
        let r = f();
        let (c1, w) = (thread_cpu_s(), w0.elapsed().as_secs_f64());
        let c = match (c0, c1) {
            (Some(a), Some(b)) => b - a,
            _ => w,
        };
        self.cpu.push(c);
        if t >= self.warmup_end {
            self.steady_cpu.push(c);
        }
        self.wall.push(w);
        self.detections += n as u64;
        r
    }
}

/// CPU seconds of the calling thread from `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`:
/// nanosecond resolution, where `/proc/thread-self/schedstat` only moves at scheduler ticks
/// (4 ms here), too coarse for the latency of one sector scan.
#[cfg(target_os = "linux")]
fn thread_cpu_s() -> Option<f64> {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec (64-bit time_t and long on the 64-bit Linux
    // targets this builds for); the call only writes it.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0 && std::mem::size_of::<usize>() == 8)
        .then_some(ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9)
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_s() -> Option<f64> {
    None
}

#[allow(clippy::too_many_arguments)]
fn finish(
    mode: &'static str,
    targets: usize,
    radars: usize,
    scan_period_s: f64,
    scenario_seconds: f64,
    mut m: Meter,
    tracker: &tessera_track::AnyTracker,
    rss0: Option<f64>,
    rms_error_m: Option<f64>,
    load: Option<f64>,
) -> ScalePoint {
    let rss1 = rss_bytes();
    let cpu_s: f64 = m.cpu.iter().sum();
    let wall_s: f64 = m.wall.iter().sum();
    m.cpu.sort_by(f64::total_cmp);
    m.wall.sort_by(f64::total_cmp);
    m.steady_cpu.sort_by(f64::total_cmp);
    let live = tracker.live_tracks();
    let mem = tracker.memory();
    ScalePoint {
        mode,
        targets,
        radars,
        scan_period_s,
        scenario_seconds,
        frames: m.cpu.len(),
        detections: m.detections,
        cpu_s,
        wall_s,
        cpu_s_per_scenario_s: cpu_s / scenario_seconds,
        detections_per_cpu_second: m.detections as f64 / cpu_s.max(1e-9),
        real_time_factor: scenario_seconds / cpu_s.max(1e-9),
        frame_cpu_p50_ms: percentile(&m.cpu, 0.5) * 1e3,
        frame_cpu_p99_ms: percentile(&m.cpu, 0.99) * 1e3,
        frame_cpu_max_ms: m.cpu.last().copied().unwrap_or(0.0) * 1e3,
        steady_frame_cpu_p99_ms: percentile(&m.steady_cpu, 0.99) * 1e3,
        steady_frame_cpu_max_ms: m.steady_cpu.last().copied().unwrap_or(0.0) * 1e3,
        frame_wall_p99_ms: percentile(&m.wall, 0.99) * 1e3,
        max_live_tracks: m.max_live,
        live_tracks_end: live,
        confirmed_end: tracker.confirmed_tracks().len(),
        tracks_confirmed: tracker.stats().tracks_confirmed,
        track_bytes_per_live_track: mem.per_track_parts() as f64 / live.max(1) as f64,
        replay_window_bytes: mem.replay_window,
        memory: mem,
        rss_growth_per_live_track_bytes: match (rss0, rss1) {
            (Some(a), Some(b)) => (b - a).max(0.0) / live.max(1) as f64,
            _ => f64::NAN,
        },
        rms_error_m,
        load_avg_1m_start: load,
    }
}

/// Side of the square the targets start in: the density of the public scenarios (200 targets
/// in 200 km × 200 km) at any count.
fn area_for(targets: usize) -> f64 {
    200e3 * (targets as f64 / 200.0).sqrt().max(1.0)
}

/// Snapshot mode: every target seen by every radar once per scan period, each radar's plots at
/// one instant (the radars staggered), through `Tracker::process`. Scans are built one at a
/// time, outside the timed calls.
pub fn scale_point(
    targets: usize,
    radars: usize,
    scan_period_s: f64,
    scans: usize,
    config: &TrackerConfig,
) -> Result<ScalePoint> {
    let load = load_avg();
    let params = RadarScenarioParams {
        targets,
        radars,
        scans,
        scan_period_s,
        area_m: area_for(targets),
        keep_truth: false,
        seed: 42,
        ..Default::default()
    };
    let scenario = generate(&params);
    let mut tracker = build(config)?;
    let mut builder = ScanBuilder::new(&scenario.header)?;
    for s in builder.sites() {
        tracker.register_sensor(s);
    }
    let rss0 = rss_bytes();
    let mut m = Meter::new(2.0 * scan_period_s);
    for f in &scenario.frames {
        let Some(scan) = builder.scan(f) else {
            continue;
        };
        let n = scan.measurements.len();
        let t = f.t_us as f64 * 1e-6;
        m.time(t, n, || tracker.process(scan))?;
        m.max_live = m.max_live.max(tracker.live_tracks());
    }
    Ok(finish(
        "snapshot",
        targets,
        radars,
        scan_period_s,
        scans as f64 * scan_period_s,
        m,
        &tracker,
        rss0,
        None,
        load,
    ))
}

/// Rotating-radar scenario parameters (the snapshot scenario's world, with rotating beams).
#[derive(Debug, Clone)]
pub struct RotatingParams {
    pub targets: usize,
    pub radars: usize,
    pub rotations: usize,
    pub period_s: f64,
    /// Sector scans per rotation (16: 0.25 s at a 4 s period).
    pub sectors: usize,
    pub pd: f64,
    /// Mean false plots per rotation per radar.
    pub clutter: f64,
    pub turn_frac: f64,
    pub seed: u64,
}

impl Default for RotatingParams {
    fn default() -> Self {
        Self {
            targets: 1000,
            radars: 20,
            rotations: 15,
            period_s: 4.0,
            sectors: 16,
            pd: 0.9,
            clutter: 5.0,
            turn_frac: 0.3,
            seed: 42,
        }
    }
}

/// A target: straight flight, or a constant-rate turn for the whole run.
#[derive(Debug, Clone)]
pub struct RotTarget {
    p0: [f64; 3],
    v0: [f64; 2],
    omega: f64,
}

impl RotTarget {
    /// Position at time `t` (s).
    pub fn pos(&self, t: f64) -> Vector3<f64> {
        let [vx, vy] = self.v0;
        let (dx, dy) = if self.omega == 0.0 {
            (vx * t, vy * t)
        } else {
            let (s, c) = (self.omega * t).sin_cos();
            (
                (s * vx - (1.0 - c) * vy) / self.omega,
                ((1.0 - c) * vx + s * vy) / self.omega,
            )
        };
        Vector3::new(self.p0[0] + dx, self.p0[1] + dy, self.p0[2])
    }
}

struct RotRadar {
    site: SensorSite,
    phase: f64,
    offset: f64,
    /// Slant range to the farthest corner of the area (grown by 10 %), what the coverage
    /// claims.
    max_range: f64,
}

/// One sector scan with the truth of each plot (-1: clutter).
pub struct Block {
    pub scan: SectorScan,
    pub truth: Vec<i64>,
}

/// One plot of a rotation before it becomes a measurement (64 bytes instead of 216).
struct Plot {
    t: f64,
    truth: i64,
    pos: Vector3<f64>,
    noise: [f64; 3],
}

/// Where a radar is in its rotations.
#[derive(Default)]
struct RadarState {
    rotation: usize,
    sector: usize,
    plots: Vec<Plot>,
    cursor: usize,
}

/// Streams sector scans of rotating radars in delivery order (by end time, then radar). Each
/// radar holds the compact plots of its current rotation only, and a sector's measurements
/// are built when it is delivered, so the generator's memory stays small next to the
/// tracker's.
pub struct RotatingScenario {
    p: RotatingParams,
    pub targets: Vec<RotTarget>,
    radars: Vec<RotRadar>,
    state: Vec<RadarState>,
    /// (end of the radar's next sector in ns, radar).
    next: std::collections::BinaryHeap<std::cmp::Reverse<(i64, usize)>>,
    rng: rand_pcg_like::Rng,
    area: f64,
}

/// A small deterministic generator (SplitMix64 + Box–Muller) so the bench needs no extra
/// dependency.
mod rand_pcg_like {
    pub struct Rng(u64);
    impl Rng {
        pub fn new(seed: u64) -> Self {
            Self(seed ^ 0x9E37_79B9_7F4A_7C15)
        }
        pub fn u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        /// Uniform in [0, 1).
        pub fn f64(&mut self) -> f64 {
            (self.u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
        }
        pub fn range(&mut self, a: f64, b: f64) -> f64 {
            a + (b - a) * self.f64()
        }
        pub fn normal(&mut self) -> f64 {
            let u1 = self.f64().max(1e-300);
            let u2 = self.f64();
            (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
        }
        /// Poisson by inversion (small means).
        pub fn poisson(&mut self, mean: f64) -> usize {
            let l = (-mean).exp();
            let (mut k, mut p) = (0, 1.0);
            loop {
                p *= self.f64();
                if p <= l || k > 10_000 {
                    return k;
                }
                k += 1;
            }
        }
    }
}

const SIGMA_RANGE_M: f64 = 50.0;
const SIGMA_ANGLE_DEG: f64 = 0.2;

impl RotatingScenario {
    pub fn new(p: RotatingParams) -> Self {
        let mut rng = rand_pcg_like::Rng::new(p.seed);
        let area = area_for(p.targets);
        let half = area / 2.0;
        let targets = (0..p.targets)
            .map(|_| {
                let speed = rng.range(100.0, 250.0);
                let heading = rng.range(-PI, PI);
                let omega = if rng.f64() < p.turn_frac {
                    rng.range(1.5, 3.0).to_radians() * if rng.f64() < 0.5 { 1.0 } else { -1.0 }
                } else {
                    0.0
                };
                RotTarget {
                    p0: [
                        rng.range(-half, half),
                        rng.range(-half, half),
                        rng.range(1000.0, 12000.0),
                    ],
                    v0: [speed * heading.cos(), speed * heading.sin()],
                    omega,
                }
            })
            .collect();
        let nr = p.radars.max(1);
        let radars: Vec<RotRadar> = (0..nr)
            .map(|r| {
                let a = TAU * r as f64 / nr as f64 + PI / 6.0;
                let pos = Vector3::new(0.3 * area * a.cos(), 0.3 * area * a.sin(), 0.0);
                let max_range = [(-1.0, -1.0), (-1.0, 1.0), (1.0, -1.0), (1.0, 1.0)]
                    .iter()
                    .map(|(sx, sy)| Vector3::new(sx * 0.55 * area, sy * 0.55 * area, 15e3) - pos)
                    .map(|d| d.norm())
                    .fold(0.0, f64::max);
                RotRadar {
                    site: SensorSite::aligned(SensorId(r as u32), SensorKind::Radar3d, pos),
                    phase: rng.range(0.0, TAU),
                    offset: rng.range(0.0, p.period_s),
                    max_range,
                }
            })
            .collect();
        let mut sc = Self {
            p,
            targets,
            state: (0..radars.len()).map(|_| RadarState::default()).collect(),
            radars,
            next: Default::default(),
            rng,
            area,
        };
        for r in 0..sc.radars.len() {
            sc.generate_rotation(r);
            sc.schedule(r);
        }
        sc
    }

    /// Start and end of the radar's current sector, s.
    fn sector_span(&self, r: usize) -> (f64, f64) {
        let st = &self.state[r];
        let ns = self.p.sectors.max(1) as f64;
        let t0 = st.rotation as f64 * self.p.period_s + self.radars[r].offset;
        let w = self.p.period_s / ns;
        (t0 + st.sector as f64 * w, t0 + (st.sector + 1) as f64 * w)
    }

    fn schedule(&mut self, r: usize) {
        let (a, b) = self.sector_span(r);
        if self.state[r].rotation < self.p.rotations && a < self.duration_s() {
            self.next
                .push(std::cmp::Reverse((Timestamp::from_secs_f64(b).nanos(), r)));
        }
    }

    pub fn sites(&self) -> Vec<SensorSite> {
        self.radars.iter().map(|r| r.site).collect()
    }

    pub fn duration_s(&self) -> f64 {
        self.p.rotations as f64 * self.p.period_s
    }

    fn plot(site: &SensorSite, t: f64, p: &Vector3<f64>, noise: [f64; 3]) -> Measurement {
        let d = site.to_site(p);
        let g = (d.x * d.x + d.y * d.y).sqrt();
        let (r, az, el) = ((g * g + d.z * d.z).sqrt(), d.x.atan2(d.y), d.z.atan2(g));
        let sa = SIGMA_ANGLE_DEG.to_radians();
        Measurement {
            time: Timestamp::from_secs_f64(t),
            site: *site,
            observation: Observation::Polar3 {
                range_m: (r + SIGMA_RANGE_M * noise[0]).max(0.0),
                azimuth_rad: wrap_pi(az + sa * noise[1]),
                elevation_rad: el + sa * noise[2],
                sigma_range_m: SIGMA_RANGE_M,
                sigma_azimuth_rad: sa,
                sigma_elevation_rad: sa,
            },
        }
    }

    /// Generates the plots of radar `r`'s current rotation.
    fn generate_rotation(&mut self, r: usize) {
        let period = self.p.period_s;
        let rate = TAU / period;
        let half = self.area / 2.0;
        let duration = self.duration_s();
        let (site, phase) = (self.radars[r].site, self.radars[r].phase);
        let t0 = self.state[r].rotation as f64 * period + self.radars[r].offset;
        let mut plots = std::mem::take(&mut self.state[r].plots);
        plots.clear();
        for (id, tg) in self.targets.iter().enumerate() {
            let mut t = t0;
            for _ in 0..3 {
                let d = site.to_site(&tg.pos(t));
                t = t0 + (d.x.atan2(d.y) - phase).rem_euclid(TAU) / rate;
            }
            let detected = self.rng.f64() < self.p.pd;
            let noise = [self.rng.normal(), self.rng.normal(), self.rng.normal()];
            if detected && t < duration {
                plots.push(Plot {
                    t,
                    truth: id as i64,
                    pos: tg.pos(t),
                    noise,
                });
            }
        }
        for _ in 0..self.rng.poisson(self.p.clutter) {
            let m = 0.1 * self.area;
            let c = Vector3::new(
                self.rng.range(-half - m, half + m),
                self.rng.range(-half - m, half + m),
                self.rng.range(0.0, 15000.0),
            );
            let d = site.to_site(&c);
            let t = t0 + (d.x.atan2(d.y) - phase).rem_euclid(TAU) / rate;
            if t < duration {
                plots.push(Plot {
                    t,
                    truth: -1,
                    pos: c,
                    noise: [0.0; 3],
                });
            }
        }
        plots.sort_by(|a, b| a.t.total_cmp(&b.t));
        let st = &mut self.state[r];
        st.plots = plots;
        st.cursor = 0;
        st.sector = 0;
    }

    /// The next sector scan in delivery order (by end time, then radar).
    pub fn next_block(&mut self) -> Option<Block> {
        let std::cmp::Reverse((_, r)) = self.next.pop()?;
        let (a, b) = self.sector_span(r);
        let rate = TAU / self.p.period_s;
        let (site, phase, max_range) = (
            self.radars[r].site,
            self.radars[r].phase,
            self.radars[r].max_range,
        );
        let t0 = self.state[r].rotation as f64 * self.p.period_s + self.radars[r].offset;
        let st = &mut self.state[r];
        let mut ms = Vec::new();
        let mut truth = Vec::new();
        while let Some(p) = st.plots.get(st.cursor).filter(|p| p.t < b) {
            ms.push(Self::plot(&site, p.t, &p.pos, p.noise));
            truth.push(p.truth);
            st.cursor += 1;
        }
        let cov = SweptSector {
            azimuth_start_rad: wrap_pi(phase + rate * (a - t0)),
            azimuth_end_rad: wrap_pi(phase + rate * (b - t0)),
            min_range_m: 0.0,
            max_range_m: max_range,
            start: Timestamp::from_secs_f64(a),
            end: Timestamp::from_secs_f64(b),
        };
        st.sector += 1;
        if st.sector >= self.p.sectors.max(1) {
            st.rotation += 1;
            if st.rotation < self.p.rotations {
                self.generate_rotation(r);
            }
        }
        self.schedule(r);
        Some(Block {
            scan: SectorScan::sector(site, ms, cov),
            truth,
        })
    }
}

/// Rotating mode: the plots of each radar at their beam-crossing times, delivered as sector
/// scans through `Tracker::process_sector` (the live path).
pub fn scale_point_rotating(p: RotatingParams, config: &TrackerConfig) -> Result<ScalePoint> {
    let load = load_avg();
    let (targets, radars, period) = (p.targets, p.radars, p.period_s);
    let mut scenario = RotatingScenario::new(p);
    let mut tracker = build(config)?;
    for s in scenario.sites() {
        tracker.register_sensor(s);
    }
    let rss0 = rss_bytes();
    let mut m = Meter::new(2.0 * period);
    let mut last_truth: HashMap<tessera_domain::TrackId, i64> = HashMap::new();
    let mut blocks = 0usize;
    while let Some(b) = scenario.next_block() {
        let n = b.scan.measurements.len();
        let t = b.scan.time.secs_f64();
        let r = m.time(t, n, || tracker.process_sector(b.scan))?;
        for (j, id) in r.assignments {
            last_truth.insert(id, b.truth[j]);
        }
        for (id, _) in r.deleted {
            last_truth.remove(&id);
        }
        blocks += 1;
        if blocks.is_multiple_of(64) {
            m.max_live = m.max_live.max(tracker.live_tracks());
        }
    }
    m.max_live = m.max_live.max(tracker.live_tracks());
    let (mut se, mut n) = (0.0, 0usize);
    for t in tracker.confirmed_tracks() {
        if let Some(&truth) = last_truth.get(&t.id)
            && truth >= 0
        {
            let q = scenario.targets[truth as usize].pos(t.time.secs_f64());
            se += (t.state[0] - q.x).powi(2)
                + (t.state[2] - q.y).powi(2)
                + (t.state[4] - q.z).powi(2);
            n += 1;
        }
    }
    let rms = (n > 0).then(|| (se / n as f64).sqrt());
    Ok(finish(
        "rotating",
        targets,
        radars,
        period,
        scenario.duration_s(),
        m,
        &tracker,
        rss0,
        rms,
        load,
    ))
}
