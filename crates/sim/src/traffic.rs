//! Real air traffic as ground truth: the busiest 30 minutes of the Paris terminal-area ADS-B
//! recording (`../shared/data/trajectories/quickstart_busiest30min.csv.gz`, OpenSky via the
//! `traffic` package) cleaned of obvious outliers, mapped onto the local tangent plane of the
//! area's centre, and observed by simulated 3D radars with the noise model of the scenario
//! files. The result is an ordinary [`Scenario`], so `tessera track` and `tessera eval` run on it
//! unchanged.
//!
//! Cleaning: aircraft on the ground and rows without position or altitude are dropped; so are
//! altitudes above 50,000 ft, and any point implying more than 400 m/s horizontally or 100 m/s
//! vertically from the previous kept point of the same aircraft. A gap of more than 10 s splits
//! an aircraft into separate truth paths; paths shorter than 30 s are dropped.

use crate::scenario_file::{
    FORMAT, Frame, Header, RadarHeader, Scenario, ScenarioError, TruthState,
};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal, Poisson};
use rand_pcg::Pcg64Mcg;
use std::collections::BTreeMap;
use std::f64::consts::PI;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use tessera_geo::{Geodetic, LocalTangentPlane};

/// One position sample: time (s, Unix) and position in the plane (m).
type Sample = (f64, [f64; 3]);

/// One cleaned truth path: times (s, Unix) and positions in the plane (m).
#[derive(Debug, Clone)]
pub struct Path3 {
    pub id: i64,
    pub callsign: String,
    pub samples: Vec<Sample>,
}

/// Counts of what cleaning removed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CleaningReport {
    pub rows: usize,
    pub on_ground_or_incomplete: usize,
    pub altitude_outliers: usize,
    pub jumps: usize,
    pub short_paths: usize,
    pub paths: usize,
}

/// Simulation parameters.
#[derive(Debug, Clone)]
pub struct TrafficParams {
    pub csv: PathBuf,
    /// Tangent-plane origin (degrees, metres).
    pub origin: (f64, f64, f64),
    /// Radar sites as offsets (east, north, up) from the origin, m.
    pub radars: Vec<[f64; 3]>,
    pub scan_period_s: f64,
    pub pd: f64,
    pub clutter: f64,
    pub sigma_range_m: f64,
    pub sigma_bearing_deg: f64,
    pub sigma_elevation_deg: f64,
    /// Seconds of the recording to use from its start.
    pub duration_s: f64,
    pub seed: u64,
}

impl TrafficParams {
    /// Three radars 60 km around the centre of the Paris terminal area, 4 s rotation, the
    /// public files' accuracy.
    pub fn paris(csv: PathBuf) -> Self {
        Self {
            csv,
            origin: (48.85, 2.45, 0.0),
            radars: vec![
                [0.0, 60e3, 100.0],
                [52e3, -30e3, 100.0],
                [-52e3, -30e3, 100.0],
            ],
            scan_period_s: 4.0,
            pd: 0.9,
            clutter: 5.0,
            sigma_range_m: 50.0,
            sigma_bearing_deg: 0.2,
            sigma_elevation_deg: 0.2,
            duration_s: 1800.0,
            seed: 1,
        }
    }
}

fn field<'a>(cols: &[&'a str], i: usize) -> Option<&'a str> {
    cols.get(i).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// Reads and cleans the trajectories.
pub fn load_paths(
    csv: &Path,
    plane: &LocalTangentPlane,
) -> Result<(Vec<Path3>, CleaningReport), ScenarioError> {
    let reader = crate::scenario_file::open_maybe_gz(csv)?;
    let mut rep = CleaningReport::default();
    let mut by_aircraft: BTreeMap<String, (String, Vec<Sample>)> = BTreeMap::new();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|source| ScenarioError::Io {
            path: csv.to_path_buf(),
            source,
        })?;
        if i == 0 {
            continue; // header
        }
        rep.rows += 1;
        let cols: Vec<&str> = line.split(',').collect();
        let parsed = (|| {
            let t: f64 = field(&cols, 0)?.parse().ok()?;
            let icao = field(&cols, 1)?.to_string();
            let lat: f64 = field(&cols, 3)?.parse().ok()?;
            let lon: f64 = field(&cols, 4)?.parse().ok()?;
            let alt_ft: f64 = field(&cols, 5)?.parse().ok()?;
            let on_ground = field(&cols, 10) == Some("1");
            (!on_ground).then_some((t, icao, lat, lon, alt_ft))
        })();
        let Some((t, icao, lat, lon, alt_ft)) = parsed else {
            rep.on_ground_or_incomplete += 1;
            continue;
        };
        if !(0.0..=50_000.0).contains(&alt_ft) {
            rep.altitude_outliers += 1;
            continue;
        }
        let Ok(g) = Geodetic::from_degrees(lat, lon, alt_ft * 0.3048) else {
            rep.on_ground_or_incomplete += 1;
            continue;
        };
        let p = plane.geodetic_to_enu(&g).raw();
        let callsign = field(&cols, 2).unwrap_or("").to_string();
        by_aircraft
            .entry(icao)
            .or_insert_with(|| (callsign, Vec::new()))
            .1
            .push((t, [p.x, p.y, p.z]));
    }
    let mut paths = Vec::new();
    let mut next_id = 0i64;
    for (_, (callsign, mut pts)) in by_aircraft {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        pts.dedup_by(|a, b| a.0 == b.0);
        let mut segment: Vec<Sample> = Vec::new();
        let mut flush = |seg: &mut Vec<Sample>, rep: &mut CleaningReport| {
            if seg.len() >= 2 && seg[seg.len() - 1].0 - seg[0].0 >= 30.0 {
                paths.push(Path3 {
                    id: next_id,
                    callsign: callsign.clone(),
                    samples: std::mem::take(seg),
                });
                next_id += 1;
            } else if !seg.is_empty() {
                rep.short_paths += 1;
                seg.clear();
            }
        };
        for (t, p) in pts {
            if let Some(&(t0, p0)) = segment.last() {
                let dt = t - t0;
                if dt > 10.0 {
                    flush(&mut segment, &mut rep);
                } else {
                    let h = ((p[0] - p0[0]).powi(2) + (p[1] - p0[1]).powi(2)).sqrt() / dt;
                    let v = (p[2] - p0[2]).abs() / dt;
                    if h > 400.0 || v > 100.0 {
                        rep.jumps += 1;
                        continue;
                    }
                }
            }
            segment.push((t, p));
        }
        flush(&mut segment, &mut rep);
    }
    rep.paths = paths.len();
    Ok((paths, rep))
}

/// Position and velocity of a path at time `t` (linear between samples), if it is alive then.
fn state_at(path: &Path3, t: f64) -> Option<[f64; 6]> {
    let s = &path.samples;
    if t < s[0].0 || t > s[s.len() - 1].0 {
        return None;
    }
    let k = s.partition_point(|x| x.0 <= t).clamp(1, s.len() - 1);
    let (t0, p0) = s[k - 1];
    let (t1, p1) = s[k];
    let w = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
    let mut out = [0.0; 6];
    for a in 0..3 {
        out[2 * a] = p0[a] + w * (p1[a] - p0[a]);
        out[2 * a + 1] = (p1[a] - p0[a]) / (t1 - t0);
    }
    Some(out)
}

/// Builds the scenario: truth at every frame time, radar plots with noise, Pd and clutter.
pub fn traffic_scenario(p: &TrafficParams) -> Result<(Scenario, CleaningReport), ScenarioError> {
    let origin = Geodetic::from_degrees(p.origin.0, p.origin.1, p.origin.2).map_err(|e| {
        ScenarioError::Line {
            path: p.csv.clone(),
            line: 0,
            message: format!("bad origin: {e}"),
        }
    })?;
    let plane = LocalTangentPlane::new(origin);
    let (paths, report) = load_paths(&p.csv, &plane)?;
    let t_start = paths
        .iter()
        .map(|x| x.samples[0].0)
        .fold(f64::INFINITY, f64::min);
    let nr = p.radars.len().max(1);
    let scan_us = (p.scan_period_s * 1e6).round() as i64;
    let scans = (p.duration_s / p.scan_period_s).floor() as usize;
    let radars: Vec<RadarHeader> = p
        .radars
        .iter()
        .enumerate()
        .map(|(r, pos)| RadarHeader {
            id: r as u32,
            position: pos.to_vec(),
            time_offset_us: (r as i64 * scan_us) / nr as i64,
        })
        .collect();
    let mut rng = Pcg64Mcg::seed_from_u64(p.seed);
    let std = Normal::new(0.0, 1.0).expect("unit normal");
    let pois = (p.clutter > 0.0).then(|| Poisson::new(p.clutter).expect("positive rate"));
    let sig = [
        p.sigma_elevation_deg.to_radians(),
        p.sigma_bearing_deg.to_radians(),
        p.sigma_range_m,
    ];
    let mut truths = Vec::new();
    let mut frames = Vec::new();
    for k in 0..scans {
        for (r, rad) in radars.iter().enumerate() {
            let t_us = k as i64 * scan_us + rad.time_offset_us;
            let t = t_start + t_us as f64 * 1e-6;
            let rp = p.radars[r];
            let mut detections = Vec::new();
            let mut truth_ids = Vec::new();
            for path in &paths {
                let Some(s) = state_at(path, t) else { continue };
                truths.push(TruthState {
                    t_us,
                    id: path.id,
                    state: s,
                });
                if rng.random::<f64>() >= p.pd {
                    continue;
                }
                let d = [s[0] - rp[0], s[2] - rp[1], s[4] - rp[2]];
                let range = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
                let mut z = [(d[2] / range).asin(), d[1].atan2(d[0]), range];
                for (zk, sk) in z.iter_mut().zip(sig) {
                    let e: f64 = std.sample(&mut rng);
                    *zk += e * sk;
                }
                z[1] = (z[1] + PI).rem_euclid(2.0 * PI) - PI;
                detections.push(z);
                truth_ids.push(path.id);
            }
            if let Some(pois) = &pois {
                for _ in 0..pois.sample(&mut rng) as usize {
                    let c = [
                        rng.random_range(-150e3..150e3),
                        rng.random_range(-150e3..150e3),
                        rng.random_range(0.0..12e3),
                    ];
                    let d = [c[0] - rp[0], c[1] - rp[1], c[2] - rp[2]];
                    let range = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
                    detections.push([(d[2] / range).asin(), d[1].atan2(d[0]), range]);
                    truth_ids.push(-1);
                }
            }
            frames.push(Frame {
                t_us,
                radar: r as u32,
                detections,
                truth_ids,
            });
        }
    }
    let mut extra = serde_json::Map::new();
    extra.insert(
        "source".into(),
        "quickstart_busiest30min (OpenSky via traffic), cleaned".into(),
    );
    extra.insert(
        "origin_deg".into(),
        serde_json::json!([p.origin.0, p.origin.1, p.origin.2]),
    );
    extra.insert("t_start_unix".into(), t_start.into());
    extra.insert("generator".into(), "tessera-sim traffic".into());
    Ok((
        Scenario {
            header: Header {
                kind: "header".into(),
                format: FORMAT.into(),
                dim: 3,
                sigma_range_m: p.sigma_range_m,
                sigma_bearing_deg: p.sigma_bearing_deg,
                sigma_elevation_deg: Some(p.sigma_elevation_deg),
                radars,
                scan_period_us: Some(scan_us),
                n_targets: Some(paths.len()),
                pd: Some(p.pd),
                clutter_per_scan_per_radar: Some(p.clutter),
                extra,
            },
            truths,
            frames,
        },
        report,
    ))
}
