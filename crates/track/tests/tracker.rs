//! Tracker behaviour on generated radar scenarios: every configuration confirms the targets
//! without spurious tracks, out-of-sequence scans within the lag give exactly the in-order
//! result, and bad input is refused and counted without disturbing the picture.

use nalgebra::Vector3;
use tessera_domain::{Measurement, Observation, SensorId, SensorKind, SensorSite, Timestamp};
use tessera_sim::{RadarScenarioParams, Scenario, generate};
use tessera_track::config::{AssociationKind, FilterKind};
use tessera_track::{AnyTracker, Scan, TrackError, TrackerConfig, build};

fn scans(s: &Scenario) -> Vec<Scan> {
    let sites: Vec<SensorSite> = s
        .header
        .radars
        .iter()
        .map(|r| {
            SensorSite::aligned(
                SensorId(r.id),
                SensorKind::Radar3d,
                Vector3::new(r.position[0], r.position[1], r.position[2]),
            )
        })
        .collect();
    let sig = [
        s.header.sigma_range_m,
        s.header.sigma_bearing_deg.to_radians(),
        s.header.sigma_elevation_deg.unwrap_or(0.2).to_radians(),
    ];
    s.frames
        .iter()
        .map(|f| {
            let site = sites[f.radar as usize];
            let time = Timestamp::from_micros(f.t_us);
            Scan {
                time,
                sensor: site,
                full_scan: true,
                measurements: f
                    .detections
                    .iter()
                    .map(|z| Measurement {
                        time,
                        site,
                        observation: Observation::Polar3 {
                            range_m: z[2],
                            azimuth_rad: tessera_track::measure::wrap_pi(
                                std::f64::consts::FRAC_PI_2 - z[1],
                            ),
                            elevation_rad: z[0],
                            sigma_range_m: sig[0],
                            sigma_azimuth_rad: sig[1],
                            sigma_elevation_rad: sig[2],
                        },
                    })
                    .collect(),
            }
        })
        .collect()
}

fn scenario(targets: usize, scans: usize, seed: u64) -> Scenario {
    generate(&RadarScenarioParams {
        targets,
        scans,
        seed,
        late_frac: 0.0,
        early_end_frac: 0.0,
        ..Default::default()
    })
}

fn run(tracker: &mut AnyTracker, scans: Vec<Scan>) {
    for s in scans {
        tracker.process(s).expect("in-order scan accepted");
    }
}

/// Mean distance of each truth to its nearest confirmed track at the end, and the count of
/// confirmed tracks farther than 1 km from every truth.
fn final_quality(s: &Scenario, tracker: &AnyTracker) -> (f64, usize, usize) {
    let t_end = s.frames.last().map(|f| f.t_us).unwrap_or(0);
    let truths: Vec<Vector3<f64>> = s
        .truths
        .iter()
        .filter(|t| t.t_us == t_end)
        .map(|t| Vector3::new(t.state[0], t.state[2], t.state[4]))
        .collect();
    let tracks: Vec<Vector3<f64>> = tracker
        .confirmed_tracks()
        .iter()
        .map(|t| Vector3::new(t.state[0], t.state[2], t.state[4]))
        .collect();
    let mean = truths
        .iter()
        .map(|p| {
            tracks
                .iter()
                .map(|q| (p - q).norm())
                .fold(f64::INFINITY, f64::min)
        })
        .sum::<f64>()
        / truths.len() as f64;
    let spurious = tracks
        .iter()
        .filter(|q| truths.iter().all(|p| (*p - **q).norm() > 1000.0))
        .count();
    (mean, tracks.len(), spurious)
}

#[test]
fn every_filter_and_associator_tracks_a_scenario() {
    let s = scenario(30, 40, 11);
    for (filter, association) in [
        (FilterKind::Imm, AssociationKind::Gnn),
        (FilterKind::Imm, AssociationKind::Jpda),
        (FilterKind::EkfCv, AssociationKind::Gnn),
        (FilterKind::UkfCv, AssociationKind::Gnn),
        (FilterKind::EkfCt, AssociationKind::Gnn),
        (FilterKind::EkfCa, AssociationKind::Jpda),
        (FilterKind::Imm3, AssociationKind::Gnn),
    ] {
        let mut cfg = TrackerConfig {
            filter,
            association,
            ..Default::default()
        };
        if matches!(filter, FilterKind::EkfCv | FilterKind::UkfCv) {
            // A single CV model must absorb 3°/s turns (≈13 m/s²) in its process noise; the
            // default 1 m²/s³ is tuned for the CV mode of the IMM.
            cfg.motion.cv_q = 30.0;
        }
        let mut tracker = build(&cfg).expect("valid configuration");
        run(&mut tracker, scans(&s));
        let (mean, n, spurious) = final_quality(&s, &tracker);
        assert_eq!(n, 30, "{filter:?}/{association:?}: {n} confirmed tracks");
        assert_eq!(spurious, 0, "{filter:?}/{association:?}");
        assert!(
            mean < 150.0,
            "{filter:?}/{association:?}: mean final error {mean} m"
        );
    }
}

#[test]
fn out_of_sequence_scans_within_the_lag_give_the_in_order_result() {
    let s = scenario(25, 30, 5);
    let in_order = scans(&s);
    let mut reference = build(&TrackerConfig::default()).unwrap();
    run(&mut reference, in_order.clone());

    // Deliver every third scan one and two scans late (0.33–0.67 s, inside the 2 s lag).
    let mut shuffled = in_order.clone();
    let mut k = 2;
    while k + 2 < shuffled.len() {
        shuffled.swap(k, k + 1);
        shuffled.swap(k + 1, k + 2);
        k += 3;
    }
    let mut tracker = build(&TrackerConfig::default()).unwrap();
    run(&mut tracker, shuffled);
    assert!(tracker.stats().out_of_sequence_applied > 5);
    assert!(tracker.stats().reprocessed_scans > 5);
    let a = reference.all_tracks();
    let b = tracker.all_tracks();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.id, y.id);
        assert_eq!(x.state, y.state, "track {} differs", x.id);
        assert_eq!(x.covariance, y.covariance);
    }
}

#[test]
fn scans_older_than_the_lag_unknown_sensors_and_bad_values_are_refused_and_counted() {
    let s = scenario(10, 12, 3);
    let all = scans(&s);
    let mut tracker = build(&TrackerConfig::default()).unwrap();
    for r in &s.header.radars {
        tracker.register_sensor(SensorSite::aligned(
            SensorId(r.id),
            SensorKind::Radar3d,
            Vector3::new(r.position[0], r.position[1], r.position[2]),
        ));
    }
    run(&mut tracker, all[..30].to_vec());
    let before = tracker.confirmed_tracks();

    // Far too late.
    let err = tracker.process(all[0].clone()).unwrap_err();
    assert!(matches!(err, TrackError::TooOld { .. }), "{err}");
    // Unknown sensor.
    let mut foreign = all[30].clone();
    foreign.sensor.id = SensorId(99);
    assert!(matches!(
        tracker.process(foreign).unwrap_err(),
        TrackError::UnknownSensor(SensorId(99))
    ));
    // Non-finite values inside a valid scan are dropped; the scan still updates the picture.
    let mut poisoned = all[30].clone();
    let n_valid = poisoned.measurements.len();
    let mut bad = poisoned.measurements[0];
    bad.observation = Observation::Polar3 {
        range_m: f64::NAN,
        azimuth_rad: 0.0,
        elevation_rad: 0.0,
        sigma_range_m: 50.0,
        sigma_azimuth_rad: 0.003,
        sigma_elevation_rad: 0.003,
    };
    poisoned.measurements.push(bad);
    let mut inf = poisoned.measurements[0];
    inf.observation = Observation::Polar3 {
        range_m: 1e4,
        azimuth_rad: f64::INFINITY,
        elevation_rad: 0.0,
        sigma_range_m: 50.0,
        sigma_azimuth_rad: 0.003,
        sigma_elevation_rad: 0.003,
    };
    poisoned.measurements.push(inf);
    let report = tracker
        .process(poisoned)
        .expect("scan with some bad reports is processed");
    assert_eq!(report.rejected_measurements, 2);
    assert!(report.updated >= n_valid.saturating_sub(3).min(8));
    let st = tracker.stats();
    assert_eq!(
        (
            st.rejected_too_old,
            st.rejected_unknown_sensor,
            st.rejected_invalid
        ),
        (1, 1, 2)
    );
    // The refused inputs did not corrupt anything: all states finite, same tracks kept.
    let after = tracker.confirmed_tracks();
    assert!(after.iter().all(
        |t| t.state.iter().all(|v| v.is_finite()) && t.covariance.iter().all(|v| v.is_finite())
    ));
    let ids = |v: &[tessera_domain::SystemTrack]| v.iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(&before), ids(&after));
}

#[test]
fn invalid_configuration_is_an_error_naming_the_field() {
    let mut cfg = TrackerConfig::default();
    cfg.motion.cv_q = -1.0;
    let err = build(&cfg).err().expect("negative noise refused");
    assert!(err.to_string().contains("motion.cv_q"), "{err}");
    let mut cfg = TrackerConfig::default();
    cfg.settings.detection_probability = 1.5;
    assert!(
        build(&cfg)
            .err()
            .expect("Pd > 1 refused")
            .to_string()
            .contains("detection_probability")
    );
}

/// A capacity limit keeps memory bounded under a flood: with room for 15 tracks the tracker
/// never holds more, counts every report that would have started one, and picks tracks up again
/// once tentative ones die; without the limit the same scans confirm every target.
#[test]
fn the_live_track_limit_holds_and_counts_what_it_refused() {
    let s = scenario(40, 12, 5);
    let sensors = |tracker: &mut AnyTracker| {
        for r in &s.header.radars {
            tracker.register_sensor(SensorSite::aligned(
                SensorId(r.id),
                SensorKind::Radar3d,
                Vector3::new(r.position[0], r.position[1], r.position[2]),
            ));
        }
    };
    let mut cfg = TrackerConfig::default();
    cfg.settings.max_live_tracks = 15;
    let mut limited = build(&cfg).unwrap();
    sensors(&mut limited);
    for scan in scans(&s) {
        limited.process(scan).unwrap();
        assert!(limited.live_tracks() <= 15, "{}", limited.live_tracks());
    }
    assert!(limited.stats().initiations_refused > 0);
    assert!(!limited.confirmed_tracks().is_empty());
    let mut free = build(&TrackerConfig::default()).unwrap();
    sensors(&mut free);
    run(&mut free, scans(&s));
    assert_eq!(free.stats().initiations_refused, 0);
    assert!(free.confirmed_tracks().len() > 15);
    cfg.settings.max_live_tracks = 0;
    assert!(
        build(&cfg).is_err(),
        "a zero limit is a configuration error"
    );
}
