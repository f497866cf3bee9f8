//! Tracking-performance metrics defined exactly as the Stone Soup 1.9.1 peer computes them
//! (`peer/tracking/stonesoup_baseline.py`, `compute_metrics`), so figures compare one to one:
//!
//! * OSPA and GOSPA per timestamp over the union of track and truth timestamps, and their means
//!   ([`ospa`]);
//! * SIAP figures with Stone Soup's `TrackToTruth` association ([`siap`]);
//! * an optimal rectangular assignment solver reused by the tracker ([`assignment`]).
//!
//! The entry point is [`evaluate`]. Inputs are flat [`StateSample`]s; samples sharing an `id`
//! form one path (a track or a ground-truth path) in input order. Positions are compared with
//! the Euclidean distance over all three components (2D data: set `z` and `vz` to 0).

pub mod assignment;
pub mod ospa;
mod paths;
pub mod siap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use assignment::{Assignment, AssignmentError, Solver, solve_rectangular};
pub use siap::SiapReport;

/// One state of a track or a ground-truth path.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StateSample {
    /// Time in microseconds (any fixed epoch).
    pub time_us: i64,
    /// Track or truth id; samples with the same id form one path.
    pub id: u64,
    /// Position in metres.
    pub position: [f64; 3],
    /// Velocity in metres per second.
    pub velocity: [f64; 3],
}

/// Metric parameters; the defaults are those of the peer script.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvalParams {
    /// OSPA cut-off `c` (m).
    pub ospa_c: f64,
    /// OSPA order `p` (≥ 1; `f64::INFINITY` allowed).
    pub ospa_p: f64,
    /// GOSPA cut-off `c` (m).
    pub gospa_c: f64,
    /// GOSPA order `p` (finite, ≥ 1).
    pub gospa_p: f64,
    /// GOSPA switching penalty (Stone Soup's default 0 disables the term).
    pub gospa_switching_penalty: f64,
    /// SIAP `TrackToTruth` association threshold (m).
    pub siap_association_threshold_m: f64,
    /// `TrackToTruth.consec_pairs_confirm`.
    pub siap_consec_pairs_confirm: u32,
    /// `TrackToTruth.consec_misses_end`.
    pub siap_consec_misses_end: u32,
}

impl Default for EvalParams {
    fn default() -> Self {
        Self {
            ospa_c: 1000.0,
            ospa_p: 1.0,
            gospa_c: 1000.0,
            gospa_p: 1.0,
            gospa_switching_penalty: 0.0,
            siap_association_threshold_m: 1000.0,
            siap_consec_pairs_confirm: 3,
            siap_consec_misses_end: 2,
        }
    }
}

/// Mean GOSPA and its components (components in `p`-th-power units, as Stone Soup reports).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct GospaReport {
    /// Mean GOSPA distance.
    pub distance: f64,
    /// Mean localisation term.
    pub localisation: f64,
    /// Mean missed-target term.
    pub missed: f64,
    /// Mean false-track term.
    pub false_tracks: f64,
    /// Mean switching term.
    pub switching: f64,
}

/// The evaluation summary (`tessera eval` prints it as one JSON line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Mean OSPA over all timestamps.
    pub mean_ospa: f64,
    /// Mean GOSPA distance over all timestamps.
    pub mean_gospa: f64,
    /// GOSPA means with components.
    pub gospa: GospaReport,
    /// SIAP figures.
    pub siap: SiapReport,
    /// Parameters used.
    pub params: EvalParams,
    /// Number of truth samples given.
    pub n_truth_states: usize,
    /// Number of track samples given.
    pub n_track_states: usize,
    /// Number of distinct truth ids.
    pub n_truths: usize,
    /// Number of distinct track ids.
    pub n_tracks: usize,
    /// Number of timestamps the means are taken over.
    pub n_timestamps: usize,
}

/// Why an evaluation failed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MetricsError {
    /// A parameter is out of range.
    #[error("invalid parameter {name} = {value}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// A sample has a non-finite position or velocity.
    #[error("{kind} sample {index} (id {id}, t {time_us} us) is not finite")]
    NonFiniteSample {
        /// "truth" or "track".
        kind: &'static str,
        /// Index in the input slice.
        index: usize,
        /// Its id.
        id: u64,
        /// Its time.
        time_us: i64,
    },
    /// Neither truths nor tracks were given.
    #[error("no truth and no track states to evaluate")]
    Empty,
    /// The assignment solver failed.
    #[error(transparent)]
    Assignment(#[from] AssignmentError),
}

fn check_params(p: &EvalParams) -> Result<(), MetricsError> {
    let bad = |name, value| Err(MetricsError::InvalidParameter { name, value });
    if !(p.ospa_c.is_finite() && p.ospa_c > 0.0) {
        return bad("ospa_c", p.ospa_c);
    }
    if p.ospa_p.is_nan() || p.ospa_p < 1.0 {
        return bad("ospa_p", p.ospa_p);
    }
    if !(p.gospa_c.is_finite() && p.gospa_c > 0.0) {
        return bad("gospa_c", p.gospa_c);
    }
    if !(p.gospa_p.is_finite() && p.gospa_p >= 1.0) {
        return bad("gospa_p", p.gospa_p);
    }
    if !(p.gospa_switching_penalty.is_finite() && p.gospa_switching_penalty >= 0.0) {
        return bad("gospa_switching_penalty", p.gospa_switching_penalty);
    }
    if p.siap_association_threshold_m.is_nan() || p.siap_association_threshold_m <= 0.0 {
        return bad(
            "siap_association_threshold_m",
            p.siap_association_threshold_m,
        );
    }
    if p.siap_consec_pairs_confirm == 0 {
        return bad("siap_consec_pairs_confirm", 0.0);
    }
    if p.siap_consec_misses_end == 0 {
        return bad("siap_consec_misses_end", 0.0);
    }
    Ok(())
}

fn check_samples(kind: &'static str, s: &[StateSample]) -> Result<(), MetricsError> {
    match s
        .iter()
        .position(|x| !x.position.iter().chain(&x.velocity).all(|v| v.is_finite()))
    {
        Some(index) => Err(MetricsError::NonFiniteSample {
            kind,
            index,
            id: s[index].id,
            time_us: s[index].time_us,
        }),
        None => Ok(()),
    }
}

fn mean(xs: impl ExactSizeIterator<Item = f64>) -> f64 {
    let n = xs.len();
    if n == 0 {
        0.0
    } else {
        xs.sum::<f64>() / n as f64
    }
}

/// Evaluate tracks against truths: mean OSPA and GOSPA (and SIAP figures) as the Stone Soup
/// peer computes them.
pub fn evaluate(
    truths: &[StateSample],
    tracks: &[StateSample],
    params: &EvalParams,
) -> Result<EvalReport, MetricsError> {
    check_params(params)?;
    check_samples("truth", truths)?;
    check_samples("track", tracks)?;
    if truths.is_empty() && tracks.is_empty() {
        return Err(MetricsError::Empty);
    }
    let truth_paths = paths::PathSet::new(truths);
    let track_paths = paths::PathSet::new(tracks);

    let timed = |ps: &paths::PathSet<'_>| {
        let mut v: Vec<ospa::TimedPoint> = Vec::with_capacity(ps.ext.len());
        for k in 0..ps.paths.len() {
            v.extend(ps.extracted(k).map(|(_, s)| (s.time_us, k, s.position)));
        }
        v.sort_by_key(|x| x.0);
        v
    };
    let ot = ospa::over_time(
        &timed(&track_paths),
        &timed(&truth_paths),
        truth_paths.paths.len(),
        &ospa::OverTimeParams {
            ospa_c: params.ospa_c,
            ospa_p: params.ospa_p,
            gospa_c: params.gospa_c,
            gospa_p: params.gospa_p,
            switching_penalty: params.gospa_switching_penalty,
        },
    )?;
    let gospa = GospaReport {
        distance: mean(ot.gospa.iter().map(|g| g.distance)),
        localisation: mean(ot.gospa.iter().map(|g| g.localisation)),
        missed: mean(ot.gospa.iter().map(|g| g.missed)),
        false_tracks: mean(ot.gospa.iter().map(|g| g.false_)),
        switching: mean(ot.switching.iter().copied()),
    };
    let assocs = siap::associate(
        &track_paths,
        &truth_paths,
        &siap::AssocParams {
            threshold: params.siap_association_threshold_m,
            consec_pairs_confirm: params.siap_consec_pairs_confirm,
            consec_misses_end: params.siap_consec_misses_end,
        },
    );
    let siap = siap::siap(&track_paths, &truth_paths, &assocs);
    Ok(EvalReport {
        mean_ospa: mean(ot.ospa.iter().copied()),
        mean_gospa: gospa.distance,
        gospa,
        siap,
        params: *params,
        n_truth_states: truths.len(),
        n_track_states: tracks.len(),
        n_truths: truth_paths.paths.len(),
        n_tracks: track_paths.paths.len(),
        n_timestamps: ot.times.len(),
    })
}
