//! The scenario simulator: a TOML scenario ([`WorldConfig`]) → ground truth, sensor reports in
//! real wire formats (CAT048 radar plots, CAT021 and SBS ADS-B reports, the formats.md scenario
//! JSON lines) and engagement outcomes, seeded and deterministic (same file → byte-identical
//! outputs; only `rand_pcg` generators, one per subsystem, seeded from `scenario.seed`).
//!
//! - [`config`]: the file format and its validation (errors name file, line and key).
//! - [`kinematics`]: ballistic, route-flying and recorded trajectories.
//! - [`entities`]: the air objects built from a scenario.
//! - [`sensors`]: radars, ADS-B receivers, the early-warning cue feed.
//! - [`engagement`]: fire units, doctrine, fly-out and kill draws.
//! - [`outputs`]: the files written (table in that module).
//! - [`default`]: the embedded default scenario.
//!
//! The world is a flat map around a fictional origin (x east, y north, z height above sea
//! level); WGS-84 positions (CAT021, SBS, truth lat/lon, the CAT048 site geometry) come from
//! the tangent plane at the origin. The main loop advances all objects by `scenario.step_s`;
//! sensor events inside a step (beam crossings, ADS-B broadcasts) are placed at their exact
//! instant by linear extrapolation within the step.

pub mod config;
pub mod default;
pub mod engagement;
pub mod entities;
pub mod kinematics;
pub mod outputs;
pub mod sensors;

pub use config::{ConfigError, WorldConfig};
pub use default::{DEFAULT_TOML, default_world};

use config::{Doctrine, Epoch, ObjectClass, SensorKindConfig};
use engagement::{FireUnit, closest_approach, feasible, predicted_intercept};
use entities::{Entity, Motion};
use kinematics::{Phase, StepOutcome};
use outputs::{Out, SbsFields, sbs_lines, write_cat021, write_cat048};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Poisson};
use rand_pcg::Pcg64Mcg;
use sensors::{AdsbReceiver, CueFeed, Radar, WorldFrame, nacp_sigma_m};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tessera_asterix::typed::{Callsign, Cat021Report, Cat048Plot};
use tessera_geo::{Geodetic, LocalTangentPlane};
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
    /// Wall-clock seconds (not written to summary.json, which must be deterministic).
    #[serde(skip)]
    pub wall_s: f64,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> SimError + '_ {
    move |source| SimError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn extrapolate(e: &Entity, dt: f64) -> [f64; 3] {
    [
        e.pos[0] + e.vel[0] * dt,
        e.pos[1] + e.vel[1] * dt,
        (e.pos[2] + e.vel[2] * dt).max(0.0),
    ]
}

fn seeded(seed: u64, stream: u64) -> Pcg64Mcg {
    Pcg64Mcg::seed_from_u64(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

fn poisson<R: Rng>(rng: &mut R, lambda: f64) -> u64 {
    if lambda > 0.0 {
        Poisson::new(lambda).map_or(0, |p| p.sample(rng) as u64)
    } else {
        0
    }
}

/// Formats-md bearing (counter-clockwise from +x) of a compass azimuth.
fn bearing_of(azimuth: f64) -> f64 {
    kinematics::wrap_pi(std::f64::consts::FRAC_PI_2 - azimuth)
}

/// An azimuth in [0, 360) rounded to the 360/2¹⁶ ° LSB of I048/040, wrapping 360 to 0 (the
/// encoder rejects a value that rounds up to 2¹⁶).
fn azimuth_lsb(deg: f64) -> f64 {
    let lsb = 360.0 / 65_536.0;
    ((deg.rem_euclid(360.0) / lsb).round() as u32 % 65_536) as f64 * lsb
}

/// One snapshot frame: time, radar index, detections `[el, bearing, range]` with truth ids.
type Snapshot = (f64, usize, Vec<([f64; 3], i64)>);

const M_PER_FT: f64 = 0.3048;
const M_PER_NM: f64 = 1852.0;

/// Runs a scenario and writes its outputs into `out_dir` (created if needed).
pub fn simulate(config: &WorldConfig, out_dir: &Path) -> Result<SimSummary, SimError> {
    let wall = std::time::Instant::now();
    std::fs::create_dir_all(out_dir).map_err(io_err(out_dir))?;
    let sc = &config.scenario;
    let epoch = Epoch::parse(&sc.epoch)
        .ok_or_else(|| SimError::Scenario(format!("bad epoch {:?}", sc.epoch)))?;
    let frame = WorldFrame {
        plane: LocalTangentPlane::new(Geodetic::from_degrees(
            sc.origin_lat_deg,
            sc.origin_lon_deg,
            0.0,
        )?),
    };
    let seed = sc.seed;
    let mut rng = seeded(seed, 1);
    let mut ents = entities::build(config, &mut rng)?;
    let mut civil_serial = config.traffic.civil_count;
    let mut rng_civil = seeded(seed, 2);
    let mut rng_engage = seeded(seed, 3);
    let mut rng_adsb = seeded(seed, 4);
    let mut rng_cue = seeded(seed, 5);

    let mut radars = Vec::new();
    let mut receivers = Vec::new();
    let mut feeds = Vec::new();
    for s in &config.sensors {
        match s.kind {
            SensorKindConfig::Radar3d | SensorKindConfig::Radar2d => {
                radars.push((Radar::new(s, &frame), seeded(seed, 100 + u64::from(s.id))))
            }
            SensorKindConfig::Adsb => receivers.push(AdsbReceiver::new(s)),
            SensorKindConfig::EarlyWarning => feeds.push(CueFeed::new(s)),
        }
    }
    let kinds = &config.interceptors;
    let mut units: Vec<FireUnit> = config
        .launchers
        .iter()
        .map(|l| FireUnit::new(l, kinds))
        .collect();

    let mut sum = SimSummary {
        name: sc.name.clone(),
        duration_s: sc.duration_s,
        largest_inventory: units.iter().map(|u| u.inventory).max().unwrap_or(0),
        ..Default::default()
    };

    // Outputs.
    let mut f_truth = if config.output.truth_period_s > 0.0 {
        Some(Out::create(out_dir, "truth.jsonl")?)
    } else {
        None
    };
    let radars3d: Vec<usize> = (0..radars.len()).filter(|&i| radars[i].0.three_d).collect();
    let mut f_scen = if config.output.scenario_jsonl && !radars3d.is_empty() {
        let mut o = Out::create(out_dir, "scenario.jsonl")?;
        o.put(scenario_header(config, &radars, &radars3d).as_bytes())?;
        Some(o)
    } else {
        None
    };
    let mut f_048 = Out::create(out_dir, "radars.cat048")?;
    let mut f_021 = Out::create(out_dir, "adsb.cat021")?;
    let mut f_sbs = if config.output.sbs {
        Some(Out::create(out_dir, "adsb.sbs")?)
    } else {
        None
    };
    let mut f_eng = Out::create(out_dir, "engagements.jsonl")?;
    let mut cues: Vec<(f64, String)> = Vec::new();

    let dt = sc.step_s;
    let earliest = ents.iter().map(|e| e.born).fold(0.0f64, f64::min);
    let k0 = (earliest / dt).floor() as i64;
    let k_end = (sc.duration_s / dt).ceil() as i64;
    let mut last_detected: Vec<f64> = vec![f64::NEG_INFINITY; ents.len()];
    let mut in_flight: Vec<u32> = vec![0; ents.len()];
    let mut next_truth = 0.0;
    let mut next_doctrine = 0.0;
    let mut line = String::with_capacity(1 << 16);
    let mut plots: Vec<Vec<Cat048Plot>> = vec![Vec::new(); radars.len()];
    let mut reports: Vec<Vec<Cat021Report>> = vec![Vec::new(); receivers.len()];
    let mut snapshots: Vec<Snapshot> = Vec::new();
    let mut prev_pos: Vec<[f64; 3]> = Vec::new();
    let mut adsb_serial: u64 = 0;

    for k in k0..k_end {
        let t = k as f64 * dt;
        let t1 = t + dt;
        // Start objects whose time has come.
        for e in ents.iter_mut() {
            if !e.started && e.born <= t + 1e-9 {
                e.started = true;
                e.alive = start_state(e, t);
            }
        }
        let observing = t >= -1e-9;
        // Ground truth.
        if let Some(f) = f_truth.as_mut()
            && observing
            && t + 1e-9 >= next_truth
        {
            line.clear();
            for e in ents.iter().filter(|e| e.alive) {
                let g = frame.geodetic(e.pos);
                let _ = writeln!(
                    line,
                    "{{\"t_s\":{:.3},\"id\":{},\"name\":\"{}\",\"class\":\"{}\",\"affiliation\":\"{}\",\"phase\":\"{}\",\"pos\":[{:.1},{:.1},{:.1}],\"vel\":[{:.2},{:.2},{:.2}],\"lat_deg\":{:.6},\"lon_deg\":{:.6}}}",
                    t,
                    e.id,
                    e.name,
                    e.class.as_str(),
                    e.affiliation.as_str(),
                    e.phase.as_str(),
                    e.pos[0],
                    e.pos[1],
                    e.pos[2],
                    e.vel[0],
                    e.vel[1],
                    e.vel[2],
                    g.lat_deg(),
                    g.lon_deg()
                );
                sum.truth_lines += 1;
            }
            f.put(line.as_bytes())?;
            next_truth += config.output.truth_period_s;
        }
        if observing {
            // Radars: rotating beam plots (CAT048) and north-crossing snapshots (JSON lines).
            for (ri, (radar, rrng)) in radars.iter_mut().enumerate() {
                let out = &mut plots[ri];
                out.clear();
                let snap_t = if f_scen.is_some() && radar.three_d {
                    radar.beam_hits(t, dt, 0.0)
                } else {
                    None
                };
                let mut snap: Vec<([f64; 3], i64)> = Vec::new();
                for (i, e) in ents.iter().enumerate() {
                    if !e.alive {
                        continue;
                    }
                    let coop = e.coop.as_ref().filter(|c| c.transponder);
                    if let Some(ts) = snap_t {
                        let p = extrapolate(e, ts - t);
                        let rae = radar.flat_rae(p);
                        if radar.covers(p, &rae)
                            && let Some((_, _, noise)) =
                                radar.detect(rrng, &rae, e.rcs_m2, coop.is_some())
                        {
                            let m = radar.measure(&rae, &noise);
                            snap.push((
                                [m.elevation, bearing_of(m.azimuth), m.range],
                                i64::from(e.id),
                            ));
                        }
                    }
                    let az = radar.azimuth_of(e.pos);
                    let Some(th) = radar.beam_hits(t, dt, az) else {
                        continue;
                    };
                    let p = extrapolate(e, th - t);
                    let rae = radar.flat_rae(p);
                    if !radar.covers(p, &rae) {
                        continue;
                    }
                    let Some((psr, ssr, noise)) =
                        radar.detect(rrng, &rae, e.rcs_m2, coop.is_some())
                    else {
                        continue;
                    };
                    last_detected[i] = th;
                    let m = radar.measure(&radar.wgs_rae(&frame, p), &noise);
                    let mut plot = Cat048Plot {
                        sac: radar.sac,
                        sic: radar.sic,
                        time_of_day: Some(epoch.time_of_day(th)),
                        report_type: Some(match (psr, ssr) {
                            (true, false) => 1,
                            (false, _) => 5,
                            (true, true) => 7,
                        }),
                        rho_nm: Some((m.range / M_PER_NM).min(255.99)),
                        theta_deg: Some(azimuth_lsb(m.azimuth.to_degrees())),
                        ..Default::default()
                    };
                    if ssr && let Some(c) = coop {
                        plot.mode3a = Some(c.mode3a);
                        plot.mode3a_valid = true;
                        plot.flight_level = Some((p[2] / M_PER_FT / 100.0 * 4.0).round() / 4.0);
                        plot.aircraft_address = Some(c.icao);
                        plot.callsign = Some(Callsign::new(&c.callsign));
                    }
                    out.push(plot);
                }
                // False plots over the swept sector.
                let n_fa = poisson(rrng, radar.fa_per_scan * dt / radar.period);
                let (a0, w) = (radar.beam_azimuth(t), radar.omega() * dt);
                for _ in 0..n_fa {
                    let p = radar.clutter_point(rrng, a0, w);
                    let rae = radar.wgs_rae(&frame, p);
                    let d = (rae.azimuth - a0).rem_euclid(std::f64::consts::TAU).min(w);
                    out.push(Cat048Plot {
                        sac: radar.sac,
                        sic: radar.sic,
                        time_of_day: Some(epoch.time_of_day(t + d / radar.omega())),
                        report_type: Some(1),
                        rho_nm: Some((rae.range / M_PER_NM).min(255.99)),
                        theta_deg: Some(azimuth_lsb(rae.azimuth.to_degrees())),
                        ..Default::default()
                    });
                    sum.false_plots += 1;
                }
                if let Some(ts) = snap_t {
                    let n = poisson(rrng, radar.fa_per_scan);
                    for _ in 0..n {
                        let p = radar.clutter_point(rrng, 0.0, std::f64::consts::TAU);
                        let r = radar.flat_rae(p);
                        snap.push(([r.elevation, bearing_of(r.azimuth), r.range], -1));
                    }
                    snapshots.push((ts, ri, snap));
                }
                out.sort_by(|a, b| {
                    a.time_of_day
                        .partial_cmp(&b.time_of_day)
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
                sum.radar_plots += out.len() as u64;
                sum.cat048_blocks += write_cat048(&mut f_048, out)? as u64;
            }
            // Snapshot frames of this step, in time order, each after the truth at its time.
            if let Some(f) = f_scen.as_mut() {
                snapshots.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                for (ts, ri, dets) in snapshots.drain(..) {
                    line.clear();
                    let t_us = (ts * 1e6).round() as i64;
                    for e in ents.iter().filter(|e| e.alive) {
                        let p = extrapolate(e, ts - t);
                        let _ = writeln!(
                            line,
                            "{{\"type\":\"truth\",\"t_us\":{t_us},\"id\":{},\"state\":[{:.2},{:.3},{:.2},{:.3},{:.2},{:.3}]}}",
                            e.id, p[0], e.vel[0], p[1], e.vel[1], p[2], e.vel[2]
                        );
                    }
                    let rid = radars[ri].0.id;
                    let _ = writeln!(
                        line,
                        "{{\"type\":\"frame\",\"t_us\":{t_us},\"radar\":{rid},\"n_det\":{}}}",
                        dets.len()
                    );
                    for (z, id) in &dets {
                        let _ = writeln!(
                            line,
                            "{{\"type\":\"det\",\"t_us\":{t_us},\"radar\":{rid},\"z\":[{:.7},{:.7},{:.2}],\"truth\":{id}}}",
                            z[0], z[1], z[2]
                        );
                    }
                    f.put(line.as_bytes())?;
                    sum.scenario_frames += 1;
                }
            }
            // ADS-B.
            line.clear();
            for r in reports.iter_mut() {
                r.clear();
            }
            for e in ents.iter().filter(|e| e.alive) {
                let Some(c) = e.coop.as_ref().filter(|c| c.adsb) else {
                    continue;
                };
                let Some(rx0) = receivers.first() else { break };
                let period = rx0.period;
                let phase = (f64::from(e.id) * 0.618_033_988_7).fract() * period;
                let n = ((t - phase) / period).ceil();
                let tr = phase + n * period;
                if tr >= t1 {
                    continue;
                }
                let p = extrapolate(e, tr - t);
                let sigma = nacp_sigma_m(c.nacp);
                let mut any = None;
                for (ri, rx) in receivers.iter().enumerate() {
                    if !rx.in_view(p) || rng_adsb.random::<f64>() >= rx.reception_pd {
                        continue;
                    }
                    let g = match any {
                        Some(g) => g,
                        None => {
                            let nx: f64 = rng_adsb.sample(rand_distr::StandardNormal);
                            let ny: f64 = rng_adsb.sample(rand_distr::StandardNormal);
                            let g = frame.geodetic([p[0] + sigma * nx, p[1] + sigma * ny, p[2]]);
                            any = Some(g);
                            g
                        }
                    };
                    let gs = e.vel[0].hypot(e.vel[1]);
                    reports[ri].push(Cat021Report {
                        sac: rx.sac,
                        sic: rx.sic,
                        address: Some(c.icao),
                        time_of_day: Some(epoch.time_of_day(tr)),
                        lat_lon_deg: Some((g.lat_deg(), g.lon_deg())),
                        flight_level: Some((p[2] / M_PER_FT / 100.0 * 4.0).round() / 4.0),
                        geometric_height_ft: Some((p[2] / M_PER_FT / 6.25).round() * 6.25),
                        callsign: Some(Callsign::new(&c.callsign)),
                        nacp: Some(c.nacp),
                        nic: Some(8),
                        sil: Some(3),
                        ground_vector: Some((
                            (gs / M_PER_NM).min(1.99),
                            e.vel[0].atan2(e.vel[1]).to_degrees().rem_euclid(360.0),
                        )),
                        baro_vertical_rate_fpm: None,
                        geo_vertical_rate_fpm: Some(
                            (e.vel[2] / M_PER_FT * 60.0).clamp(-100_000.0, 100_000.0),
                        ),
                        mode3a: Some(c.mode3a),
                        emitter_category: Some(5),
                    });
                    sum.adsb_reports += 1;
                }
                if let (Some(g), Some(_)) = (any, f_sbs.as_ref()) {
                    let before = line.lines().count();
                    sbs_lines(
                        &mut line,
                        &epoch,
                        &SbsFields {
                            t_s: tr,
                            icao: c.icao,
                            callsign: &c.callsign,
                            alt_ft: p[2] / M_PER_FT,
                            gs_kt: e.vel[0].hypot(e.vel[1]) / M_PER_NM * 3600.0,
                            track_deg: e.vel[0].atan2(e.vel[1]).to_degrees().rem_euclid(360.0),
                            lat: g.lat_deg(),
                            lon: g.lon_deg(),
                            vrate_fpm: e.vel[2] / M_PER_FT * 60.0,
                            squawk: c.mode3a,
                            serial: adsb_serial,
                        },
                    );
                    adsb_serial += 1;
                    sum.sbs_lines += (line.lines().count() - before) as u64;
                }
            }
            for r in reports.iter() {
                sum.cat021_blocks += write_cat021(&mut f_021, r)? as u64;
            }
            if let Some(f) = f_sbs.as_mut() {
                f.put(line.as_bytes())?;
            }
            // Early-warning cues.
            for feed in &feeds {
                for e in ents.iter().filter(|e| e.alive && e.is_threat()) {
                    if !feed.classes.contains(&e.class) {
                        continue;
                    }
                    let n = ((t - e.born) / feed.period).ceil().max(1.0);
                    let to = e.born + n * feed.period;
                    if to < t || to >= t1 {
                        continue;
                    }
                    let p = extrapolate(e, to - t);
                    let (cp, cv) = feed.report(&mut rng_cue, p, e.vel);
                    let td = to + feed.latency;
                    if td <= sc.duration_s {
                        cues.push((
                            td,
                            format!(
                                "{{\"t_s\":{td:.3},\"t_obs_s\":{to:.3},\"feed\":{},\"truth\":{},\"class\":\"{}\",\"pos\":[{:.0},{:.0},{:.0}],\"vel\":[{:.1},{:.1},{:.1}],\"sigma_pos_m\":{},\"sigma_vel_mps\":{}}}\n",
                                feed.id, e.id, e.class.as_str(), cp[0], cp[1], cp[2], cv[0], cv[1], cv[2], feed.sigma_pos, feed.sigma_vel
                            ),
                        ));
                    }
                }
            }
            // Doctrine.
            if config.engagement.doctrine == Doctrine::Auto && t + 1e-9 >= next_doctrine {
                next_doctrine += config.engagement.period_s;
                let age = config.engagement.detection_age_s;
                let mut cands: Vec<(f64, usize)> = ents
                    .iter()
                    .enumerate()
                    .filter(|(i, e)| {
                        e.alive
                            && e.is_threat()
                            && in_flight[*i] == 0
                            && last_detected[*i] >= t - age
                    })
                    .map(|(i, e)| (e.time_to_go(t), i))
                    .collect();
                cands.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let mut new: Vec<Entity> = Vec::new();
                for (ttg, j) in cands {
                    let tgt = &ents[j];
                    let mut best: Option<(f64, usize, [f64; 3])> = None;
                    for (ui, u) in units.iter().enumerate() {
                        let kt = &kinds[u.kind];
                        if !u.ready(t) || !kt.classes.contains(&tgt.class) {
                            continue;
                        }
                        if let Some((tau, pip)) = predicted_intercept(kt, u.pos, tgt, t)
                            && feasible(kt, u.pos, tau, pip, ttg)
                            && best.is_none_or(|b| tau < b.0)
                        {
                            best = Some((tau, ui, pip));
                        }
                    }
                    let Some((tau, ui, pip)) = best else { continue };
                    let u = &mut units[ui];
                    let kt = &kinds[u.kind];
                    let n = config.engagement.salvo.min(u.inventory);
                    for _ in 0..n {
                        let id = (ents.len() + new.len()) as u32 + 1;
                        let idx = ents.len() + new.len();
                        new.push(Entity::interceptor(
                            id,
                            format!("{}#{}", u.name, u.launched + 1),
                            u.pos,
                            Motion::Guided {
                                target: j,
                                speed: kt.speed_mps,
                                boost: kt.boost_s,
                                t0: t,
                                max_tof: 1.5 * tau + 10.0,
                                unit: ui,
                            },
                            t,
                        ));
                        u.busy.push((idx, j));
                        u.inventory -= 1;
                        u.launched += 1;
                        in_flight[j] += 1;
                        sum.launches += 1;
                        line.clear();
                        let _ = writeln!(
                            line,
                            "{{\"t_s\":{t:.3},\"event\":\"launch\",\"launcher\":\"{}\",\"interceptor\":{id},\"target\":{},\"target_name\":\"{}\",\"pip\":[{:.0},{:.0},{:.0}],\"tof_s\":{tau:.2},\"inventory_left\":{}}}",
                            u.name, ents[j].id, ents[j].name, pip[0], pip[1], pip[2], u.inventory
                        );
                        f_eng.put(line.as_bytes())?;
                    }
                    u.last_launch = t;
                }
                for e in new {
                    ents.push(e);
                    last_detected.push(f64::NEG_INFINITY);
                    in_flight.push(0);
                }
            }
        }
        sum.max_alive = sum.max_alive.max(ents.iter().filter(|e| e.alive).count());
        // Advance to t1.
        prev_pos.clear();
        prev_pos.extend(ents.iter().map(|e| e.pos));
        let mut respawns = 0usize;
        for e in ents.iter_mut() {
            if !e.alive {
                continue;
            }
            let outcome = match &mut e.motion {
                Motion::Route(m) => {
                    let o = m.step(dt, t1);
                    e.pos = m.pos;
                    e.vel = m.velocity();
                    e.phase = m.phase();
                    o
                }
                Motion::Ballistic(b) => match b.state(t1) {
                    Some((p, v)) => {
                        e.pos = p;
                        e.vel = v;
                        e.phase = b.phase(t1);
                        StepOutcome::Flying
                    }
                    None => {
                        let (p, _) = b.state(b.t0 + b.flight_time).unwrap_or((e.pos, e.vel));
                        e.pos = p;
                        StepOutcome::Impact
                    }
                },
                Motion::Recorded(r) => match r.state(t1) {
                    Some((p, v)) => {
                        e.pos = p;
                        e.vel = v;
                        StepOutcome::Flying
                    }
                    None => StepOutcome::Exit,
                },
                Motion::Guided { .. } => continue,
            };
            match outcome {
                StepOutcome::Flying => {}
                StepOutcome::Exit => {
                    e.alive = false;
                    if e.respawn {
                        respawns += 1;
                    }
                }
                StepOutcome::Impact => {
                    e.alive = false;
                    sum.impacts += 1;
                    let asset = e
                        .target_asset
                        .and_then(|a| config.assets.get(a))
                        .map_or("", |a| a.name.as_str());
                    line.clear();
                    let _ = writeln!(
                        line,
                        "{{\"t_s\":{t1:.3},\"event\":\"impact\",\"threat\":{},\"threat_name\":\"{}\",\"class\":\"{}\",\"asset\":\"{asset}\",\"pos\":[{:.0},{:.0},{:.0}]}}",
                        e.id,
                        e.name,
                        e.class.as_str(),
                        e.pos[0],
                        e.pos[1],
                        e.pos[2]
                    );
                    f_eng.put(line.as_bytes())?;
                }
            }
        }
        // Interceptors, after their targets have moved.
        for i in 0..ents.len() {
            let Motion::Guided {
                target: j,
                speed,
                boost,
                t0,
                max_tof,
                unit,
            } = ents[i].motion
            else {
                continue;
            };
            if !ents[i].alive {
                continue;
            }
            let kt = &kinds[units[unit].kind];
            let a0 = ents[i].pos;
            let mut verdict: Option<&str> = None;
            if !ents[j].alive {
                verdict = Some("abort");
            } else {
                let tgt = &ents[j];
                let mut tau = 0.0;
                let mut aim = tgt.pos;
                for _ in 0..8 {
                    let d = ((aim[0] - a0[0]).powi(2)
                        + (aim[1] - a0[1]).powi(2)
                        + (aim[2] - a0[2]).powi(2))
                    .sqrt();
                    tau = d / speed;
                    aim = tgt.predict(t1, tau).unwrap_or(tgt.pos);
                }
                let _ = tau;
                let v_now = speed * ((t1 - t0) / boost.max(1e-9)).min(1.0);
                let d = ((aim[0] - a0[0]).powi(2)
                    + (aim[1] - a0[1]).powi(2)
                    + (aim[2] - a0[2]).powi(2))
                .sqrt()
                .max(1e-9);
                let u: [f64; 3] = std::array::from_fn(|q| (aim[q] - a0[q]) / d);
                let a1: [f64; 3] = std::array::from_fn(|q| a0[q] + u[q] * v_now * dt);
                let e = &mut ents[i];
                e.pos = a1;
                e.vel = std::array::from_fn(|q| u[q] * v_now);
                e.phase = if t1 - t0 < boost {
                    Phase::Boost
                } else {
                    Phase::Flight
                };
                let miss = closest_approach(a0, a1, prev_pos[j], ents[j].pos);
                if miss <= kt.lethal_radius_m {
                    verdict = Some(if rng_engage.random::<f64>() < kt.pk {
                        "kill"
                    } else {
                        "miss"
                    });
                } else if t1 - t0 > max_tof {
                    verdict = Some("miss");
                }
            }
            let Some(v) = verdict else { continue };
            ents[i].alive = false;
            in_flight[j] = in_flight[j].saturating_sub(1);
            units[unit].busy.retain(|b| b.0 != i);
            match v {
                "kill" => {
                    sum.kills += 1;
                    ents[j].alive = false;
                }
                "miss" => sum.misses += 1,
                _ => {}
            }
            line.clear();
            let _ = writeln!(
                line,
                "{{\"t_s\":{t1:.3},\"event\":\"{v}\",\"interceptor\":{},\"launcher\":\"{}\",\"target\":{},\"target_name\":\"{}\",\"pos\":[{:.0},{:.0},{:.0}]}}",
                ents[i].id,
                units[unit].name,
                ents[j].id,
                ents[j].name,
                ents[i].pos[0],
                ents[i].pos[1],
                ents[i].pos[2]
            );
            f_eng.put(line.as_bytes())?;
        }
        for _ in 0..respawns {
            let id = ents.len() as u32 + 1;
            let mut e = entities::civil(config, &mut rng_civil, id, civil_serial, t1, true);
            civil_serial += 1;
            e.started = false;
            ents.push(e);
            last_detected.push(f64::NEG_INFINITY);
            in_flight.push(0);
        }
    }

    cues.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut f_cue = Out::create(out_dir, "cues.jsonl")?;
    for (_, l) in &cues {
        f_cue.put(l.as_bytes())?;
    }
    sum.cues = cues.len() as u64;
    sum.objects = ents.len();
    sum.threats = ents.iter().filter(|e| e.is_threat()).count();
    sum.threats_alive_at_end = ents.iter().filter(|e| e.is_threat() && e.alive).count();
    for e in &ents {
        *sum.by_kind
            .entry(format!("{} {}", e.affiliation.as_str(), e.class.as_str()))
            .or_default() += 1;
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
    let sp = out_dir.join("summary.json");
    let text = serde_json::to_string_pretty(&sum)
        .map_err(|e| SimError::Scenario(format!("summary: {e}")))?;
    std::fs::write(&sp, text + "\n").map_err(io_err(&sp))?;
    sum.wall_s = wall.elapsed().as_secs_f64();
    Ok(sum)
}

/// Puts an object into its state at `t`; false if it does not exist then.
fn start_state(e: &mut Entity, t: f64) -> bool {
    match &mut e.motion {
        Motion::Route(m) => {
            e.pos = m.pos;
            e.vel = m.velocity();
            e.phase = m.phase();
            true
        }
        Motion::Ballistic(b) => match b.state(t) {
            Some((p, v)) => {
                e.pos = p;
                e.vel = v;
                e.phase = b.phase(t);
                true
            }
            None => false,
        },
        Motion::Recorded(r) => match r.state(t) {
            Some((p, v)) => {
                e.pos = p;
                e.vel = v;
                true
            }
            None => false,
        },
        Motion::Guided { .. } => true,
    }
}

/// The formats.md header line of the 3D radars' scenario file. Global sigmas are the largest
/// of the radars; each radar's own values are in `radar_sigmas`.
fn scenario_header(cfg: &WorldConfig, radars: &[(Radar, Pcg64Mcg)], idx: &[usize]) -> String {
    let rs: Vec<&Radar> = idx.iter().map(|&i| &radars[i].0).collect();
    let max = |f: &dyn Fn(&Radar) -> f64| rs.iter().map(|r| f(r)).fold(0.0, f64::max);
    let header = serde_json::json!({
        "type": "header",
        "format": crate::scenario_file::FORMAT,
        "seed": cfg.scenario.seed,
        "dim": 3,
        "epoch": cfg.scenario.epoch,
        "generator": "tessera-sim world",
        "scenario": cfg.scenario.name,
        "scan_period_us": rs.first().map(|r| (r.period * 1e6).round() as i64),
        "sigma_range_m": max(&|r| r.sigma[0]),
        "sigma_bearing_deg": max(&|r| r.sigma[1].to_degrees()),
        "sigma_elevation_deg": max(&|r| r.sigma[2].to_degrees()),
        "clutter_per_scan_per_radar": max(&|r| r.fa_per_scan),
        "state_order": ["x", "vx", "y", "vy", "z", "vz"],
        "meas_order": ["elevation_rad", "bearing_rad", "range_m"],
        "radars": rs.iter().map(|r| serde_json::json!({
            "id": r.id, "position": r.pos, "time_offset_us": 0,
        })).collect::<Vec<_>>(),
        "radar_sigmas": rs.iter().map(|r| serde_json::json!({
            "id": r.id, "name": r.name, "scan_period_s": r.period,
            "sigma_range_m": r.sigma[0], "sigma_bearing_deg": r.sigma[1].to_degrees(),
            "sigma_elevation_deg": r.sigma[2].to_degrees(),
        })).collect::<Vec<_>>(),
    });
    format!("{header}\n")
}

/// Counts of objects of a class in a configuration's threat list (before expansion).
pub fn configured_threats(cfg: &WorldConfig) -> BTreeMap<ObjectClass, u32> {
    let mut m = BTreeMap::new();
    for t in &cfg.threats {
        *m.entry(t.class).or_default() += t.count;
    }
    m
}
