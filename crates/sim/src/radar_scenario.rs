//! Generator of radar scenarios in the scenario-file format: the same world as the Stone Soup
//! peer's script (targets flying nearly-constant velocity, a fraction in coordinated turns,
//! late births and early deaths; ground radars on a circle, staggered so each frame holds one
//! radar's plots at one instant; Gaussian noise, detection probability and uniform Poisson
//! clutter). Seeded: the same parameters give the same file. Written in Rust so that scale
//! scenarios with 10,000+ targets and 20 radars take seconds, not hours.

use crate::scenario_file::{FORMAT, Frame, Header, RadarHeader, Scenario, TruthState};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal, Poisson};
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// Parameters, with the peer script's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RadarScenarioParams {
    pub targets: usize,
    pub radars: usize,
    pub scans: usize,
    pub seed: u64,
    pub dim: usize,
    /// Seconds between two scans of one radar.
    pub scan_period_s: f64,
    pub pd: f64,
    /// Mean false alarms per scan per radar.
    pub clutter: f64,
    pub sigma_range_m: f64,
    pub sigma_bearing_deg: f64,
    pub sigma_elevation_deg: f64,
    /// Side of the square start area, m.
    pub area_m: f64,
    pub turn_frac: f64,
    pub late_frac: f64,
    pub early_end_frac: f64,
    /// Truth white-acceleration PSD, m²/s³.
    pub truth_q: f64,
    /// Turn rate range, degrees per second.
    pub turn_rate_deg_s: (f64, f64),
    /// Keep truth states (large scale benchmarks can drop them).
    pub keep_truth: bool,
}

impl Default for RadarScenarioParams {
    fn default() -> Self {
        Self {
            targets: 50,
            radars: 3,
            scans: 100,
            seed: 1,
            dim: 3,
            scan_period_s: 1.0,
            pd: 0.9,
            clutter: 5.0,
            sigma_range_m: 50.0,
            sigma_bearing_deg: 0.2,
            sigma_elevation_deg: 0.2,
            area_m: 200e3,
            turn_frac: 0.3,
            late_frac: 0.2,
            early_end_frac: 0.1,
            truth_q: 0.05,
            turn_rate_deg_s: (1.5, 3.0),
            keep_truth: true,
        }
    }
}

fn wrap_pi(a: f64) -> f64 {
    (a + PI).rem_euclid(2.0 * PI) - PI
}

/// Radar observation of a relative vector: `[el, bearing, range]` (3D) or `[bearing, range, 0]`.
fn observe(d: [f64; 3], dim: usize) -> [f64; 3] {
    let range = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
    let bearing = d[1].atan2(d[0]);
    if dim == 3 {
        [(d[2] / range.max(1e-9)).asin(), bearing, range]
    } else {
        [bearing, range, 0.0]
    }
}

struct Target {
    pos: [f64; 3],
    vel: [f64; 3],
    turn_rate: f64,
    turn_start: f64,
    turn_end: f64,
    birth: f64,
    death: f64,
}

/// Generates a scenario.
pub fn generate(p: &RadarScenarioParams) -> Scenario {
    let mut rng = Pcg64Mcg::seed_from_u64(p.seed);
    let dim = if p.dim == 2 { 2 } else { 3 };
    let scan_us = (p.scan_period_s * 1e6).round() as i64;
    let half = p.area_m / 2.0;
    let nr = p.radars.max(1);
    let radars: Vec<RadarHeader> = (0..nr)
        .map(|r| {
            let ang = 2.0 * PI * r as f64 / nr as f64 + PI / 6.0;
            let mut pos = vec![0.3 * p.area_m * ang.cos(), 0.3 * p.area_m * ang.sin()];
            if dim == 3 {
                pos.push(0.0);
            }
            RadarHeader {
                id: r as u32,
                position: pos,
                time_offset_us: (r as i64 * scan_us) / nr as i64,
            }
        })
        .collect();
    let mut frames_t: Vec<(i64, usize)> = (0..p.scans)
        .flat_map(|k| (0..nr).map(move |r| (k, r)))
        .map(|(k, r)| (k as i64 * scan_us + radars[r].time_offset_us, r))
        .collect();
    frames_t.sort();

    let dur = p.scans as f64 * p.scan_period_s;
    let mut targets: Vec<Target> = (0..p.targets)
        .map(|_| {
            let x = rng.random_range(-half..half);
            let y = rng.random_range(-half..half);
            let speed = rng.random_range(100.0..250.0);
            let heading: f64 = rng.random_range(-PI..PI);
            let (z, vz) = if dim == 3 {
                let z = rng.random_range(1000.0..12000.0);
                let vz = if rng.random::<f64>() < 0.2 {
                    rng.random_range(-10.0..10.0)
                } else {
                    0.0
                };
                (z, vz)
            } else {
                (0.0, 0.0)
            };
            let turning = rng.random::<f64>() < p.turn_frac;
            let rate = rng
                .random_range(p.turn_rate_deg_s.0..=p.turn_rate_deg_s.1)
                .to_radians()
                * if rng.random::<bool>() { 1.0 } else { -1.0 };
            let turn_start = rng.random_range(0.2..0.6) * dur;
            let turn_end = turn_start + rng.random_range(20.0..40.0) * (dur / 100.0);
            let birth = if rng.random::<f64>() < p.late_frac {
                rng.random_range(0.0..0.5) * dur
            } else {
                -1.0
            };
            let death = if rng.random::<f64>() < p.early_end_frac {
                rng.random_range(0.5..0.95) * dur
            } else {
                dur + 1.0
            };
            Target {
                pos: [x, y, z],
                vel: [speed * heading.cos(), speed * heading.sin(), vz],
                turn_rate: if turning { rate } else { 0.0 },
                turn_start,
                turn_end,
                birth,
                death,
            }
        })
        .collect();

    let std = Normal::new(0.0, 1.0).expect("unit normal");
    let sig = [
        p.sigma_elevation_deg.to_radians(),
        p.sigma_bearing_deg.to_radians(),
        p.sigma_range_m,
    ];
    let sig2 = [p.sigma_bearing_deg.to_radians(), p.sigma_range_m, 0.0];
    let clutter =
        (p.clutter > 0.0).then(|| Poisson::new(p.clutter).expect("positive clutter rate"));
    let mut truths = Vec::new();
    let mut frames = Vec::with_capacity(frames_t.len());
    let mut t_prev = 0.0;
    for &(t_us, r) in &frames_t {
        let t = t_us as f64 * 1e-6;
        let dt = t - t_prev;
        if dt > 0.0 {
            // Exact discretisation of white acceleration noise: per axis [dt³/3 dt²/2; dt²/2 dt].
            let q = p.truth_q;
            let l11 = (q * dt.powi(3) / 3.0).sqrt();
            let l21 = (q * dt * dt / 2.0) / l11.max(1e-300);
            let l22 = (q * dt - l21 * l21).max(0.0).sqrt();
            for tg in targets.iter_mut() {
                let w = if t_prev >= tg.turn_start && t_prev < tg.turn_end {
                    tg.turn_rate
                } else {
                    0.0
                };
                let wdt = w * dt;
                let (s_w, c_w) = if w.abs() < 1e-12 {
                    (dt, 0.0)
                } else {
                    (wdt.sin() / w, (1.0 - wdt.cos()) / w)
                };
                let (vx, vy) = (tg.vel[0], tg.vel[1]);
                tg.pos[0] += s_w * vx - c_w * vy;
                tg.pos[1] += c_w * vx + s_w * vy;
                tg.vel[0] = wdt.cos() * vx - wdt.sin() * vy;
                tg.vel[1] = wdt.sin() * vx + wdt.cos() * vy;
                if dim == 3 {
                    tg.pos[2] += tg.vel[2] * dt;
                }
                for ax in 0..dim {
                    let (e0, e1): (f64, f64) = (std.sample(&mut rng), std.sample(&mut rng));
                    tg.pos[ax] += l11 * e0;
                    tg.vel[ax] += l21 * e0 + l22 * e1;
                }
            }
        }
        t_prev = t;
        let rp = &radars[r].position;
        let rpos = [rp[0], rp[1], rp.get(2).copied().unwrap_or(0.0)];
        let mut detections = Vec::new();
        let mut truth_ids = Vec::new();
        for (id, tg) in targets.iter().enumerate() {
            if !(tg.birth <= t && t < tg.death) {
                continue;
            }
            if p.keep_truth {
                truths.push(TruthState {
                    t_us,
                    id: id as i64,
                    state: [
                        tg.pos[0], tg.vel[0], tg.pos[1], tg.vel[1], tg.pos[2], tg.vel[2],
                    ],
                });
            }
            if rng.random::<f64>() >= p.pd {
                continue;
            }
            let d = [
                tg.pos[0] - rpos[0],
                tg.pos[1] - rpos[1],
                tg.pos[2] - rpos[2],
            ];
            let mut z = observe(d, dim);
            let s = if dim == 3 { sig } else { sig2 };
            for k in 0..dim {
                let e: f64 = std.sample(&mut rng);
                z[k] += e * s[k];
            }
            let bi = if dim == 3 { 1 } else { 0 };
            z[bi] = wrap_pi(z[bi]);
            detections.push(z);
            truth_ids.push(id as i64);
        }
        if let Some(pois) = &clutter {
            let nc = pois.sample(&mut rng) as usize;
            let m = 0.1 * p.area_m;
            for _ in 0..nc {
                let cx = rng.random_range(-half - m..half + m);
                let cy = rng.random_range(-half - m..half + m);
                let cz = if dim == 3 {
                    rng.random_range(0.0..15000.0)
                } else {
                    0.0
                };
                detections.push(observe([cx - rpos[0], cy - rpos[1], cz - rpos[2]], dim));
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
    let mut extra = serde_json::Map::new();
    extra.insert("seed".into(), p.seed.into());
    extra.insert("epoch".into(), "2024-01-01T00:00:00Z".into());
    extra.insert("n_radars".into(), nr.into());
    extra.insert("scans".into(), p.scans.into());
    extra.insert("area_m".into(), p.area_m.into());
    extra.insert("generator".into(), "tessera-sim radar_scenario".into());
    extra.insert(
        "state_order".into(),
        serde_json::json!(["x", "vx", "y", "vy", "z", "vz"][..2 * dim]),
    );
    extra.insert(
        "meas_order".into(),
        if dim == 3 {
            serde_json::json!(["elevation_rad", "bearing_rad", "range_m"])
        } else {
            serde_json::json!(["bearing_rad", "range_m"])
        },
    );
    extra.insert("n_frames".into(), frames.len().into());
    Scenario {
        header: Header {
            kind: "header".into(),
            format: FORMAT.into(),
            dim,
            sigma_range_m: p.sigma_range_m,
            sigma_bearing_deg: p.sigma_bearing_deg,
            sigma_elevation_deg: (dim == 3).then_some(p.sigma_elevation_deg),
            radars,
            scan_period_us: Some(scan_us),
            n_targets: Some(p.targets),
            pd: Some(p.pd),
            clutter_per_scan_per_radar: Some(p.clutter),
            extra,
        },
        truths,
        frames,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_plausible() {
        let p = RadarScenarioParams {
            targets: 20,
            scans: 30,
            ..Default::default()
        };
        let a = generate(&p);
        let b = generate(&p);
        assert_eq!(a, b);
        assert_eq!(a.frames.len(), 90);
        // Speeds stay in the generated band (noise is tiny) and detections ≈ Pd × live targets.
        for t in &a.truths {
            let v = (t.state[1].powi(2) + t.state[3].powi(2)).sqrt();
            assert!((95.0..260.0).contains(&v), "speed {v}");
        }
        let target_dets: usize = a
            .frames
            .iter()
            .map(|f| f.truth_ids.iter().filter(|&&i| i >= 0).count())
            .sum();
        let ratio = target_dets as f64 / a.truths.len() as f64;
        assert!((ratio - 0.9).abs() < 0.05, "detection ratio {ratio}");
    }

    #[test]
    fn round_trips_through_the_file_format() {
        let p = RadarScenarioParams {
            targets: 5,
            scans: 5,
            dim: 2,
            ..Default::default()
        };
        let s = generate(&p);
        let dir = std::env::temp_dir().join(format!("tessera-sim-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.jsonl.gz");
        s.write(&path).unwrap();
        let back = Scenario::read(&path).unwrap();
        assert_eq!(back.frames, s.frames);
        assert_eq!(back.truths.len(), s.truths.len());
        assert_eq!(back.header.dim, 2);
        std::fs::remove_dir_all(&dir).ok();
    }
}
