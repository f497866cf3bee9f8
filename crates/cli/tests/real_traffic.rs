//! Real aircraft as ground truth: the busiest 30 minutes of the Paris terminal-area recording
//! (cleaned), observed by three simulated 3D radars rotating every 4 s, tracked with the
//! defaults. Climbs, descents, turns onto final and holding patterns: real manoeuvres.

use std::path::Path;
use tessera_cli::cmd_eval::{parse_tracks, run_eval};
use tessera_cli::cmd_track::{TrackOptions, run_track};
use tessera_metrics::EvalParams;
use tessera_sim::traffic::{TrafficParams, traffic_scenario};
use tessera_track::TrackerConfig;

#[test]
fn tracks_the_busiest_half_hour_of_real_paris_traffic() {
    let csv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/trajectories/quickstart_busiest30min.csv.gz");
    if !csv.exists() {
        assert!(
            std::env::var("CI").is_err(),
            "{} is missing (CI must have ../shared)",
            csv.display()
        );
        eprintln!("skipping: {} not found", csv.display());
        return;
    }
    let (scenario, cleaning) =
        traffic_scenario(&TrafficParams::paris(csv)).expect("trajectories load");
    eprintln!("cleaning: {cleaning:?}");
    assert!(cleaning.paths >= 60, "{} truth paths", cleaning.paths);
    assert!(cleaning.on_ground_or_incomplete > 0 && cleaning.rows > 50_000);

    let mut buf = Vec::new();
    let opts = TrackOptions {
        with_cov: false,
        history: true,
        progress: false,
    };
    let summary = run_track(&scenario, &TrackerConfig::default(), Some(&mut buf), &opts)
        .expect("tracking runs");
    let tracks = parse_tracks(buf.as_slice(), "tracks").unwrap();
    let r = run_eval(&scenario.truths, &tracks, &EvalParams::default()).unwrap();
    let s = &r.siap;
    eprintln!(
        "real traffic: {} frames, {} detections, {} truths, {} confirmed tracks; OSPA {:.1} m, GOSPA {:.0}; SIAP completeness {:.4}, ambiguity {:.4}, spuriousness {:.4}, position accuracy {:.1} m, velocity accuracy {:.2} m/s, track-number changes {:.5}, longest segment {:.4}",
        summary.frames,
        summary.detections,
        r.n_truths,
        summary.tracks_confirmed,
        r.mean_ospa,
        r.mean_gospa,
        s.completeness,
        s.ambiguity,
        s.spuriousness,
        s.position_accuracy_m,
        s.velocity_accuracy_mps,
        s.rate_of_track_number_change,
        s.longest_track_segment
    );
    assert!(r.mean_ospa < 120.0, "OSPA {}", r.mean_ospa);
    assert!(s.completeness > 0.99, "completeness {}", s.completeness);
    assert!(s.spuriousness < 0.02, "spuriousness {}", s.spuriousness);
    assert!(s.ambiguity < 1.05, "ambiguity {}", s.ambiguity);
    assert!(
        s.position_accuracy_m < 105.0,
        "position accuracy {}",
        s.position_accuracy_m
    );
    assert!(
        s.rate_of_track_number_change < 0.002,
        "track-number changes {}",
        s.rate_of_track_number_change
    );
}
