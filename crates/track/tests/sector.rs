//! The local path: rotating radars whose plots carry their beam-crossing times, delivered as
//! 0.25 s sector scans with their swept coverage, plus ADS-B batches, against the same world
//! observed by snapshot radars. Accuracy (OSPA), deletion of vanished targets by sector misses,
//! measurement-to-track assignments, determinism and exactness under late delivery, and the
//! pre-gate's completeness against brute force.

use nalgebra::{Matrix3, Vector3};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal, Poisson};
use rand_pcg::Pcg64Mcg;
use std::collections::HashMap;
use std::f64::consts::{PI, TAU};
use tessera_domain::{
    Measurement, Observation, SensorId, SensorKind, SensorSite, Timestamp, TrackId,
};
use tessera_metrics::ospa::SetDistance;
use tessera_track::config::{AssociationKind, FilterKind};
use tessera_track::{
    AnyTracker, DeleteReason, Scan, SectorScan, SweptSector, TrackError, TrackerConfig, build,
};

const PERIOD_S: f64 = 4.0;
const SECTORS: usize = 16;
const ADSB_ID: u32 = 100;

#[derive(Clone)]
struct Target {
    p0: [f64; 3],
    v0: [f64; 3],
    omega: f64,
    birth: f64,
    death: f64,
    adsb_phase: Option<f64>,
}

impl Target {
    fn alive(&self, t: f64) -> bool {
        self.birth <= t && t < self.death
    }
    /// Position at time t (coordinated turn in the horizontal plane from t = 0).
    fn pos(&self, t: f64) -> Vector3<f64> {
        let [vx, vy, vz] = self.v0;
        let (dx, dy) = if self.omega.abs() < 1e-12 {
            (vx * t, vy * t)
        } else {
            let (s, c) = (self.omega * t).sin_cos();
            (
                (s * vx - (1.0 - c) * vy) / self.omega,
                ((1.0 - c) * vx + s * vy) / self.omega,
            )
        };
        Vector3::new(self.p0[0] + dx, self.p0[1] + dy, self.p0[2] + vz * t)
    }
}

struct Radar {
    site: SensorSite,
    /// Beam azimuth at the start of each rotation, and when rotations start (mod period).
    phase: f64,
    offset: f64,
    max_range: f64,
}

struct World {
    targets: Vec<Target>,
    radars: Vec<Radar>,
    adsb: SensorSite,
    duration: f64,
}

/// One delivery: a sector scan (or ADS-B batch) and the truth id of each report (-1: clutter).
struct Delivery {
    scan: SectorScan,
    truth: Vec<i64>,
}

fn ts(t: f64) -> Timestamp {
    Timestamp::from_secs_f64(t)
}

fn world(n: usize, seed: u64, die_frac: f64) -> World {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let duration = 120.0;
    let targets = (0..n)
        .map(|_| {
            let speed = rng.random_range(100.0..250.0);
            let heading: f64 = rng.random_range(-PI..PI);
            // A third of the targets fly 1.5–3°/s turns for the whole run (circles).
            let turning = rng.random::<f64>() < 0.3;
            let omega = if turning {
                rng.random_range(1.5f64..3.0).to_radians() * if rng.random() { 1.0 } else { -1.0 }
            } else {
                0.0
            };
            let dies = rng.random::<f64>() < die_frac;
            Target {
                p0: [
                    rng.random_range(-50e3..50e3),
                    rng.random_range(-50e3..50e3),
                    rng.random_range(1000.0..12000.0),
                ],
                v0: [speed * heading.cos(), speed * heading.sin(), 0.0],
                omega,
                birth: 0.0,
                death: if dies {
                    rng.random_range(0.4..0.7) * duration
                } else {
                    f64::INFINITY
                },
                adsb_phase: (rng.random::<f64>() < 0.3).then(|| rng.random_range(0.0..1.0)),
            }
        })
        .collect();
    let radars = (0..3)
        .map(|r| {
            let a = TAU * r as f64 / 3.0 + 0.4;
            Radar {
                site: SensorSite::aligned(
                    SensorId(r as u32 + 1),
                    SensorKind::Radar3d,
                    Vector3::new(60e3 * a.cos(), 60e3 * a.sin(), 50.0),
                ),
                phase: rng.random_range(0.0..TAU),
                offset: r as f64 * 0.1,
                max_range: 250e3,
            }
        })
        .collect();
    World {
        targets,
        radars,
        adsb: SensorSite::aligned(
            SensorId(ADSB_ID),
            SensorKind::PositionReport,
            Vector3::zeros(),
        ),
        duration,
    }
}

fn polar(site: &SensorSite, p: &Vector3<f64>) -> (f64, f64, f64) {
    let d = site.to_site(p);
    let g = (d.x * d.x + d.y * d.y).sqrt();
    ((g * g + d.z * d.z).sqrt(), d.x.atan2(d.y), d.z.atan2(g))
}

fn plot(site: &SensorSite, t: f64, r: f64, az: f64, el: f64) -> Measurement {
    Measurement {
        time: ts(t),
        site: *site,
        observation: Observation::Polar3 {
            range_m: r,
            azimuth_rad: tessera_track::measure::wrap_pi(az),
            elevation_rad: el,
            sigma_range_m: 50.0,
            sigma_azimuth_rad: 0.2f64.to_radians(),
            sigma_elevation_rad: 0.2f64.to_radians(),
        },
    }
}

/// Rotating radars: every target's plot at the instant the beam crosses it, grouped into
/// sector scans of 1/16 rotation; ADS-B reports at 1 Hz on each equipped target's own phase,
/// in batches of 0.5 s. Everything sorted by delivery time.
fn rotating(w: &World, seed: u64) -> Vec<Delivery> {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let n01 = Normal::new(0.0, 1.0).unwrap();
    let sig = [50.0, 0.2f64.to_radians(), 0.2f64.to_radians()];
    let clutter = Poisson::new(20.0 / SECTORS as f64).unwrap();
    let rotations = (w.duration / PERIOD_S) as usize;
    let mut out: Vec<Delivery> = Vec::new();
    let beam_rate = TAU / PERIOD_S;
    for radar in &w.radars {
        for k in 0..rotations {
            let t0 = k as f64 * PERIOD_S + radar.offset;
            // (time, report, truth) of this rotation.
            let mut plots: Vec<(f64, Measurement, i64)> = Vec::new();
            for (id, tg) in w.targets.iter().enumerate() {
                // Fixed point: the beam (at `phase` at t0, clockwise) meets the target.
                let mut t = t0;
                for _ in 0..4 {
                    let (_, az, _) = polar(&radar.site, &tg.pos(t));
                    t = t0 + (az - radar.phase).rem_euclid(TAU) / beam_rate;
                }
                if !tg.alive(t) || t >= w.duration || rng.random::<f64>() >= 0.9 {
                    continue;
                }
                let (r, az, el) = polar(&radar.site, &tg.pos(t));
                if r > radar.max_range {
                    continue;
                }
                let m = plot(
                    &radar.site,
                    t,
                    r + sig[0] * n01.sample(&mut rng),
                    az + sig[1] * n01.sample(&mut rng),
                    el + sig[2] * n01.sample(&mut rng),
                );
                plots.push((t, m, id as i64));
            }
            for s in 0..SECTORS {
                for _ in 0..clutter.sample(&mut rng) as usize {
                    let f: f64 = rng.random();
                    let t = t0 + (s as f64 + f) * PERIOD_S / SECTORS as f64;
                    let az = radar.phase + beam_rate * (t - t0);
                    let r = rng.random_range(5e3..150e3);
                    let el = rng.random_range(0.0..0.1);
                    plots.push((t, plot(&radar.site, t, r, az, el), -1));
                }
            }
            plots.sort_by(|a, b| a.0.total_cmp(&b.0));
            for s in 0..SECTORS {
                let (a, b) = (
                    t0 + s as f64 * PERIOD_S / SECTORS as f64,
                    t0 + (s + 1) as f64 * PERIOD_S / SECTORS as f64,
                );
                let (ms, truth): (Vec<Measurement>, Vec<i64>) = plots
                    .iter()
                    .filter(|p| p.0 >= a && p.0 < b)
                    .map(|p| (p.1, p.2))
                    .unzip();
                let cov = SweptSector {
                    azimuth_start_rad: radar.phase + beam_rate * (a - t0),
                    azimuth_end_rad: radar.phase + beam_rate * (b - t0),
                    min_range_m: 0.0,
                    max_range_m: radar.max_range,
                    start: ts(a),
                    end: ts(b),
                };
                out.push(Delivery {
                    scan: SectorScan::sector(radar.site, ms, cov),
                    truth,
                });
            }
        }
    }
    // ADS-B: reports at k + phase, batched per half second (event-driven: no coverage).
    let n_batches = (w.duration / 0.5) as usize;
    for b in 0..n_batches {
        let (a, e) = (b as f64 * 0.5, (b + 1) as f64 * 0.5);
        let mut ms = Vec::new();
        let mut truth = Vec::new();
        for (id, tg) in w.targets.iter().enumerate() {
            let Some(ph) = tg.adsb_phase else { continue };
            let t = (a - ph).ceil() + ph;
            if t >= e || !tg.alive(t) {
                continue;
            }
            let p = tg.pos(t);
            let noise = Vector3::new(
                10.0 * n01.sample(&mut rng),
                10.0 * n01.sample(&mut rng),
                15.0 * n01.sample(&mut rng),
            );
            ms.push(Measurement {
                time: ts(t),
                site: w.adsb,
                observation: Observation::Position {
                    position: p + noise,
                    covariance: Matrix3::from_diagonal(&Vector3::new(100.0, 100.0, 225.0)),
                },
            });
            truth.push(id as i64);
        }
        if !ms.is_empty() {
            let mut scan = SectorScan::reports(w.adsb, ms);
            scan.time = ts(e).max(scan.time);
            out.push(Delivery { scan, truth });
        }
    }
    out.sort_by_key(|d| (d.scan.time, d.scan.sensor.id));
    out
}

/// The same world seen by snapshot radars (every target at one instant per rotation, the
/// radars staggered) and ADS-B reports one scan each.
fn snapshots(w: &World, seed: u64) -> Vec<Scan> {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let n01 = Normal::new(0.0, 1.0).unwrap();
    let sig = [50.0, 0.2f64.to_radians(), 0.2f64.to_radians()];
    let clutter = Poisson::new(20.0).unwrap();
    let mut out = Vec::new();
    let rotations = (w.duration / PERIOD_S) as usize;
    for (ri, radar) in w.radars.iter().enumerate() {
        for k in 0..rotations {
            let t = k as f64 * PERIOD_S + ri as f64 * PERIOD_S / 3.0;
            let mut ms = Vec::new();
            for tg in &w.targets {
                if !tg.alive(t) || rng.random::<f64>() >= 0.9 {
                    continue;
                }
                let (r, az, el) = polar(&radar.site, &tg.pos(t));
                ms.push(plot(
                    &radar.site,
                    t,
                    r + sig[0] * n01.sample(&mut rng),
                    az + sig[1] * n01.sample(&mut rng),
                    el + sig[2] * n01.sample(&mut rng),
                ));
            }
            for _ in 0..clutter.sample(&mut rng) as usize {
                let r = rng.random_range(5e3..150e3);
                let az = rng.random_range(-PI..PI);
                ms.push(plot(&radar.site, t, r, az, rng.random_range(0.0..0.1)));
            }
            out.push(Scan {
                time: ts(t),
                sensor: radar.site,
                measurements: ms,
                full_scan: true,
            });
        }
    }
    for tg in &w.targets {
        let Some(ph) = tg.adsb_phase else { continue };
        let mut t = ph;
        while t < w.duration {
            if tg.alive(t) {
                let p = tg.pos(t);
                let noise = Vector3::new(
                    10.0 * n01.sample(&mut rng),
                    10.0 * n01.sample(&mut rng),
                    15.0 * n01.sample(&mut rng),
                );
                out.push(Scan {
                    time: ts(t),
                    sensor: w.adsb,
                    measurements: vec![Measurement {
                        time: ts(t),
                        site: w.adsb,
                        observation: Observation::Position {
                            position: p + noise,
                            covariance: Matrix3::from_diagonal(&Vector3::new(100.0, 100.0, 225.0)),
                        },
                    }],
                    full_scan: false,
                });
            }
            t += 1.0;
        }
    }
    out.sort_by_key(|s| (s.time, s.sensor.id));
    out
}

/// OSPA (c = 1000 m, p = 1) of the confirmed tracks, each extrapolated from its own time, at
/// `t` against the live truths.
fn ospa_at(w: &World, tracker: &AnyTracker, t: f64, sd: &mut SetDistance) -> f64 {
    let tracks: Vec<[f64; 3]> = tracker
        .confirmed_tracks()
        .iter()
        .map(|k| {
            let dt = t - k.time.secs_f64();
            [
                k.state[0] + k.state[1] * dt,
                k.state[2] + k.state[3] * dt,
                k.state[4] + k.state[5] * dt,
            ]
        })
        .collect();
    let truths: Vec<[f64; 3]> = w
        .targets
        .iter()
        .filter(|tg| tg.alive(t))
        .map(|tg| {
            let p = tg.pos(t);
            [p.x, p.y, p.z]
        })
        .collect();
    sd.ospa(&tracks, &truths, 1000.0, 1.0).unwrap()
}

fn tracker(cfg: &TrackerConfig, w: &World) -> AnyTracker {
    let mut t = build(cfg).unwrap();
    for r in &w.radars {
        t.register_sensor(r.site);
    }
    t.register_sensor(w.adsb);
    t
}

/// What a run of deliveries produced.
struct Run {
    mean_ospa: f64,
    /// (delivery index, measurement index, track) for every assignment.
    assignments: Vec<(usize, usize, TrackId)>,
    /// (track, reason, time) of every deletion.
    deleted: Vec<(TrackId, DeleteReason, f64)>,
    tracker: AnyTracker,
}

fn run_sectors(w: &World, deliveries: &[Delivery], cfg: &TrackerConfig) -> Run {
    let mut tr = tracker(cfg, w);
    let mut sd = SetDistance::new();
    let mut next_eval = 10.0;
    let (mut sum, mut n) = (0.0, 0);
    let mut assignments = Vec::new();
    let mut deleted = Vec::new();
    for (i, d) in deliveries.iter().enumerate() {
        let t = d.scan.time.secs_f64();
        while t > next_eval {
            sum += ospa_at(w, &tr, next_eval, &mut sd);
            n += 1;
            next_eval += 1.0;
        }
        let r = tr
            .process_sector(d.scan.clone())
            .expect("in-order sector accepted");
        assignments.extend(r.assignments.iter().map(|&(j, id)| (i, j, id)));
        deleted.extend(r.deleted.iter().map(|&(id, why)| (id, why, t)));
    }
    Run {
        mean_ospa: sum / n.max(1) as f64,
        assignments,
        deleted,
        tracker: tr,
    }
}

fn run_snapshots(w: &World, scans: &[Scan], cfg: &TrackerConfig) -> f64 {
    let mut tr = tracker(cfg, w);
    let mut sd = SetDistance::new();
    let mut next_eval = 10.0;
    let (mut sum, mut n) = (0.0, 0);
    for s in scans {
        let t = s.time.secs_f64();
        while t > next_eval {
            sum += ospa_at(w, &tr, next_eval, &mut sd);
            n += 1;
            next_eval += 1.0;
        }
        tr.process(s.clone()).expect("in-order scan accepted");
    }
    sum / n.max(1) as f64
}

/// Truth share of each track's assigned reports: track → (truth → count).
fn track_truths(run: &Run, deliveries: &[Delivery]) -> HashMap<TrackId, HashMap<i64, usize>> {
    let mut m: HashMap<TrackId, HashMap<i64, usize>> = HashMap::new();
    for &(i, j, id) in &run.assignments {
        *m.entry(id)
            .or_default()
            .entry(deliveries[i].truth[j])
            .or_default() += 1;
    }
    m
}

fn majority(h: &HashMap<i64, usize>) -> (i64, usize, usize) {
    let total = h.values().sum();
    let (&truth, &count) = h
        .iter()
        .max_by_key(|(t, c)| (**c, -**t))
        .expect("non-empty");
    (truth, count, total)
}

#[test]
fn sector_scans_track_as_accurately_as_snapshot_scans() {
    let w = world(40, 21, 0.0);
    let deliveries = rotating(&w, 22);
    let cfg = TrackerConfig::default();
    let sector = run_sectors(&w, &deliveries, &cfg);
    let snapshot = run_snapshots(&w, &snapshots(&w, 22), &cfg);
    eprintln!(
        "mean OSPA: sector scans {:.1} m, snapshot scans {snapshot:.1} m",
        sector.mean_ospa
    );
    assert!(sector.mean_ospa < 80.0, "sector OSPA {}", sector.mean_ospa);
    assert!(
        sector.mean_ospa <= 1.15 * snapshot + 5.0,
        "sector {} vs snapshot {snapshot}",
        sector.mean_ospa
    );
    let confirmed = sector.tracker.confirmed_tracks();
    assert_eq!(confirmed.len(), 40, "one confirmed track per target");
    // Each at its own time: the last report of each track, not one common instant.
    let mut times: Vec<Timestamp> = confirmed.iter().map(|t| t.time).collect();
    times.sort();
    times.dedup();
    assert!(times.len() > 20, "{} distinct track times", times.len());
    assert!(
        times
            .iter()
            .all(|t| *t <= sector.tracker.latest_time().unwrap())
    );
}

#[test]
fn tracks_of_vanished_targets_end_within_a_few_rotations() {
    let w = world(40, 31, 0.3);
    let deliveries = rotating(&w, 32);
    let run = run_sectors(&w, &deliveries, &TrackerConfig::default());
    let owners = track_truths(&run, &deliveries);
    let mut checked = 0;
    for (id, why, t) in &run.deleted {
        if *why == DeleteReason::TentativeDropped {
            continue;
        }
        let (truth, count, total) = majority(&owners[id]);
        if truth < 0 || count < 10 {
            // A confirmed false track (clutter that happened to line up): it must not last.
            let last = run
                .assignments
                .iter()
                .filter(|a| a.2 == *id)
                .map(|a| deliveries[a.0].scan.measurements[a.1].time.secs_f64())
                .fold(0.0, f64::max);
            eprintln!(
                "false track {id} ended {:.1} s after its last report",
                t - last
            );
            assert!(
                t - last <= 3.0 * PERIOD_S,
                "false track {id} ({count}/{total}) lasted"
            );
            continue;
        }
        let tg = &w.targets[truth as usize];
        assert!(
            tg.death.is_finite(),
            "track {id} of live target {truth} deleted at {t:.1} s ({why:?})"
        );
        assert_eq!(*why, DeleteReason::MissedUpdates, "track {id}");
        let late = t - tg.death;
        eprintln!("track {id} of target {truth} ended {late:.1} s after it");
        assert!(
            (0.0..=3.0 * PERIOD_S).contains(&late),
            "track {id} ended {late:.1} s after its target"
        );
        checked += 1;
    }
    let died = w.targets.iter().filter(|t| t.death.is_finite()).count();
    assert!(died >= 6);
    assert_eq!(checked, died, "every vanished target's track ended");
    // Coasting 30 s would have been the only way out without sector misses.
}

#[test]
fn assignments_map_each_report_to_the_track_of_its_truth() {
    let w = world(40, 41, 0.1);
    let deliveries = rotating(&w, 42);
    let run = run_sectors(&w, &deliveries, &TrackerConfig::default());
    let owners = track_truths(&run, &deliveries);
    let confirmed: Vec<TrackId> = run
        .tracker
        .confirmed_tracks()
        .iter()
        .map(|t| t.id)
        .collect();
    // Every measurement index is in range and listed at most once per delivery.
    let mut seen = std::collections::HashSet::new();
    for &(i, j, _) in &run.assignments {
        assert!(j < deliveries[i].scan.measurements.len());
        assert!(seen.insert((i, j)), "measurement {j} of delivery {i} twice");
    }
    // Tracks that lived (confirmed or ended by misses) are pure: at least 99 % of their
    // reports come from one target, and each target has one such track.
    let mut tracks_of_truth: HashMap<i64, Vec<TrackId>> = HashMap::new();
    let (mut own, mut all) = (0, 0);
    for (id, h) in &owners {
        let (truth, count, total) = majority(h);
        if total < 10 {
            continue;
        }
        own += count;
        all += total;
        assert!(truth >= 0, "track {id} follows clutter");
        assert!(
            count as f64 >= 0.97 * total as f64,
            "track {id}: {count} of {total} reports from target {truth}"
        );
        tracks_of_truth.entry(truth).or_default().push(*id);
    }
    assert!(own as f64 >= 0.99 * all as f64, "{own} of {all}");
    for (truth, ids) in &tracks_of_truth {
        assert_eq!(ids.len(), 1, "target {truth} has tracks {ids:?}");
    }
    // The radar plots and ADS-B reports of a live target after its first 20 s all go to its
    // track.
    let (mut hit, mut total) = (0, 0);
    for (i, d) in deliveries.iter().enumerate() {
        if d.scan.time.secs_f64() < 20.0 {
            continue;
        }
        for (j, &truth) in d.truth.iter().enumerate() {
            if truth < 0 || !w.targets[truth as usize].death.is_infinite() {
                continue;
            }
            total += 1;
            let want = &tracks_of_truth[&truth];
            if run
                .assignments
                .binary_search_by_key(&(i, j), |a| (a.0, a.1))
                .is_ok_and(|k| want.contains(&run.assignments[k].2))
            {
                hit += 1;
            }
        }
    }
    assert!(
        hit as f64 >= 0.995 * total as f64,
        "{hit} of {total} reports"
    );
    assert_eq!(
        confirmed.len(),
        w.targets.iter().filter(|t| t.death.is_infinite()).count()
    );
}

fn same_tracks(a: &AnyTracker, b: &AnyTracker) {
    let (x, y) = (a.all_tracks(), b.all_tracks());
    assert_eq!(x.len(), y.len());
    for (p, q) in x.iter().zip(&y) {
        assert_eq!(p.id, q.id);
        assert_eq!(p.time, q.time);
        assert_eq!(p.state, q.state, "track {} differs", p.id);
        assert_eq!(p.covariance, q.covariance);
        assert_eq!(p.status, q.status);
    }
}

#[test]
fn sector_path_is_deterministic_and_exact_under_late_delivery() {
    let w = world(30, 51, 0.2);
    let deliveries = rotating(&w, 52);
    let cfg = TrackerConfig::default();
    let a = run_sectors(&w, &deliveries, &cfg);
    let b = run_sectors(&w, &deliveries, &cfg);
    same_tracks(&a.tracker, &b.tracker);
    assert_eq!(a.assignments, b.assignments);

    // Deliver every 7th scan after the six that follow it (about 0.5 s late), and every 29th
    // after the twenty that follow it (about 1.4 s late; the lag is 2 s), so replays restore
    // older checkpoints through several undo lists, across deletions and compactions.
    for (every, by) in [(7, 6), (29, 20)] {
        let mut order: Vec<usize> = (0..deliveries.len()).collect();
        let mut k = 3;
        while k + by < order.len() {
            order[k..=k + by].rotate_left(1);
            k += every;
        }
        let mut tr = tracker(&cfg, &w);
        let mut late_checked = 0;
        let mut newest = (Timestamp::default(), SensorId(0));
        for &i in &order {
            let scan = deliveries[i].scan.clone();
            let key = (scan.time, scan.sensor.id);
            let late = key < newest;
            newest = newest.max(key);
            let r = tr.process_sector(scan).expect("within the lag");
            if late {
                // The report describes the late scan itself, as in-order processing saw it.
                let want: Vec<(usize, TrackId)> = a
                    .assignments
                    .iter()
                    .filter(|x| x.0 == i)
                    .map(|x| (x.1, x.2))
                    .collect();
                assert_eq!(r.assignments, want, "late delivery {i}");
                late_checked += 1;
            }
        }
        assert!(late_checked > 50, "{late_checked}");
        assert!(tr.stats().out_of_sequence_applied as usize >= late_checked);
        assert!(tr.stats().tracks_deleted > 5);
        same_tracks(&a.tracker, &tr);
    }
}

#[test]
fn the_local_pregate_finds_every_gated_pair() {
    let w = world(25, 61, 0.2);
    let deliveries = rotating(&w, 62);
    for (filter, association) in [
        (FilterKind::Imm, AssociationKind::Gnn),
        (FilterKind::Imm3, AssociationKind::Jpda),
        (FilterKind::EkfCv, AssociationKind::Gnn),
        (FilterKind::UkfCv, AssociationKind::Jpda),
    ] {
        let mut cfg = TrackerConfig {
            filter,
            association,
            ..Default::default()
        };
        if matches!(filter, FilterKind::EkfCv | FilterKind::UkfCv) {
            cfg.motion.cv_q = 30.0;
        }
        let mut tr = tracker(&cfg, &w);
        match &mut tr {
            AnyTracker::Imm(t) => t.verify_local_gating(true),
            AnyTracker::Imm3(t) => t.verify_local_gating(true),
            AnyTracker::EkfCv(t) => t.verify_local_gating(true),
            AnyTracker::UkfCv(t) => t.verify_local_gating(true),
            _ => unreachable!(),
        }
        let mut gated = 0;
        for d in deliveries.iter().take(deliveries.len() / 2) {
            gated += tr.process_sector(d.scan.clone()).unwrap().gated_pairs;
        }
        let misses = match &tr {
            AnyTracker::Imm(t) => t.local_gating_misses(),
            AnyTracker::Imm3(t) => t.local_gating_misses(),
            AnyTracker::EkfCv(t) => t.local_gating_misses(),
            AnyTracker::UkfCv(t) => t.local_gating_misses(),
            _ => unreachable!(),
        };
        assert!(gated > 1000, "{filter:?}: {gated}");
        assert_eq!(misses, 0, "{filter:?}/{association:?}: {misses} of {gated}");
        assert!(tr.confirmed_tracks().len() >= 20, "{filter:?}");
    }
}

#[test]
fn deltas_name_the_tracks_that_changed_and_ended() {
    let w = world(30, 71, 0.3);
    let deliveries = rotating(&w, 72);
    let mut tr = tracker(&TrackerConfig::default(), &w);
    let mut version = tr.version();
    let mut picture: HashMap<TrackId, Timestamp> = HashMap::new();
    let mut deltas = 0;
    for d in &deliveries {
        let before = tr.version();
        let r = tr.process_sector(d.scan.clone()).unwrap();
        assert_eq!(tr.version(), before + 1);
        // Every confirmed track this scan updated is in the delta since `before`.
        let changed: Vec<TrackId> = tr
            .tracks_updated_since(before)
            .iter()
            .map(|t| t.id)
            .collect();
        for (_, id) in &r.assignments {
            if tr.confirmed_tracks().iter().any(|t| t.id == *id) {
                assert!(
                    changed.contains(id),
                    "track {id} updated but not in the delta"
                );
            }
        }
        // A cycle of the picture every second: apply the delta, compare with the full picture.
        if d.scan.time.secs_f64() >= (deltas + 1) as f64 {
            let c = tr.changes_since(version);
            for t in &c.updated {
                picture.insert(t.id, t.time);
            }
            for id in c.removed.expect("recent version") {
                picture.remove(&id);
            }
            let full: HashMap<TrackId, Timestamp> = tr
                .confirmed_tracks()
                .iter()
                .map(|t| (t.id, t.time))
                .collect();
            assert_eq!(picture, full, "picture after delta {deltas}");
            version = c.version;
            deltas += 1;
        }
    }
    assert!(deltas > 100);
    assert!(
        tr.removed_since(0).unwrap().len() >= 5,
        "tracks of vanished targets ended"
    );
}

#[test]
fn bad_sector_input_is_refused_or_counted() {
    let w = world(10, 81, 0.0);
    let deliveries = rotating(&w, 82);
    let mut tr = tracker(&TrackerConfig::default(), &w);
    for d in deliveries.iter().take(200) {
        tr.process_sector(d.scan.clone()).unwrap();
    }
    let radar_scan = deliveries[200..]
        .iter()
        .find(|d| d.scan.coverage.is_some() && d.scan.measurements.len() >= 2)
        .expect("a radar sector with plots");
    // Invalid coverage: refused, nothing applied.
    for bad in [
        SweptSector {
            max_range_m: f64::NAN,
            ..radar_scan.scan.coverage.unwrap()
        },
        SweptSector {
            min_range_m: 10.0,
            max_range_m: 5.0,
            ..radar_scan.scan.coverage.unwrap()
        },
        SweptSector {
            end: radar_scan.scan.time + tessera_domain::Duration::from_millis(10),
            ..radar_scan.scan.coverage.unwrap()
        },
        SweptSector {
            start: radar_scan.scan.time - tessera_domain::Duration::from_millis(5000),
            ..radar_scan.scan.coverage.unwrap()
        },
    ] {
        let mut s = radar_scan.scan.clone();
        s.coverage = Some(bad);
        let v = tr.version();
        assert!(matches!(
            tr.process_sector(s),
            Err(TrackError::InvalidScan(_))
        ));
        assert_eq!(tr.version(), v);
    }
    // Reports outside the window, in the future, or with bad numbers are dropped and counted;
    // the rest is processed and the assignment indices still refer to the scan as passed in.
    let mut s = radar_scan.scan.clone();
    let n = s.measurements.len();
    let mut old = s.measurements[0];
    old.time = s.time - tessera_domain::Duration::from_millis(2500);
    let mut future = s.measurements[0];
    future.time = s.time + tessera_domain::Duration::from_millis(1);
    let mut nan = s.measurements[0];
    nan.observation = Observation::Polar3 {
        range_m: f64::NAN,
        azimuth_rad: 0.0,
        elevation_rad: 0.0,
        sigma_range_m: 50.0,
        sigma_azimuth_rad: 0.003,
        sigma_elevation_rad: 0.003,
    };
    s.measurements.insert(0, old);
    s.measurements.insert(2, future);
    s.measurements.push(nan);
    let r = tr.process_sector(s).unwrap();
    assert_eq!(r.rejected_measurements, 3);
    assert!(
        r.assignments
            .iter()
            .all(|(j, _)| *j != 0 && *j != 2 && *j != n + 2)
    );
    assert!(!r.assignments.is_empty());
    // An unknown sensor is refused.
    let mut s = radar_scan.scan.clone();
    s.sensor.id = SensorId(77);
    assert!(matches!(
        tr.process_sector(s),
        Err(TrackError::UnknownSensor(SensorId(77)))
    ));
    // An empty ADS-B batch is fine.
    tr.process_sector(SectorScan {
        time: radar_scan.scan.time,
        sensor: w.adsb,
        measurements: vec![],
        coverage: None,
    })
    .unwrap();
    let all = tr.all_tracks();
    assert!(all.iter().all(
        |t| t.state.iter().all(|v| v.is_finite()) && t.covariance.iter().all(|v| v.is_finite())
    ));
}
