//! SIAP figures as Stone Soup 1.9.1's `SIAPMetrics` computes them with the `TrackToTruth`
//! association (`stonesoup.metricgenerator.tracktotruthmetrics`,
//! `stonesoup.dataassociator.tracktotrack`).
//!
//! **Association** (`TrackToTruth.associate_tracks`): every track state yielded by
//! `last_timestamp_generator` is paired with the nearest truth state at exactly the same
//! timestamp if that is closer than the threshold. A track is associated with a truth after
//! `consec_pairs_confirm` consecutive pairings, from the first of them to the last pairing, and
//! the association ends after `consec_misses_end` consecutive states not paired with it (when a
//! new candidate has meanwhile been confirmed, it takes over at once). The state machine is
//! mirrored line by line.
//!
//! **Figures** (`SIAPMetrics.compute_metric`), over the sorted union of all track and truth
//! timestamps `t`, with the associations active at `t` (`start <= t <= end`):
//! * completeness `Σ JT / Σ J` (truths associated / truths present),
//! * ambiguity `Σ NA / Σ JT` (tracks associated / truths associated),
//! * spuriousness `Σ (N − NA) / Σ N` (tracks present),
//! * position and velocity accuracy `Σ_assoc |track[t] − truth[t]| / Σ NA`,
//! * rate of track number change `Σ_truths (tracks needed − 1) / Σ_truths time tracked`,
//! * longest track segment `Σ_truths longest association / Σ_truths lifetime` (seconds).
//!
//! Where Stone Soup would raise (a state missing at a timestamp inside an association, which
//! cannot happen with its own tracker's output), the pair is skipped and counted in
//! [`SiapReport::missing_state_lookups`].

use crate::paths::PathSet;
use serde::{Deserialize, Serialize};

/// One track-to-truth association over a closed time range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Association {
    /// Track path index (paths ordered by id).
    pub track: usize,
    /// Truth path index (paths ordered by id).
    pub truth: usize,
    /// The track's id.
    pub track_id: u64,
    /// The truth's id.
    pub truth_id: u64,
    /// First timestamp (µs).
    pub start_us: i64,
    /// Last timestamp (µs).
    pub end_us: i64,
}

/// The SIAP figures.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SiapReport {
    /// SIAP completeness.
    pub completeness: f64,
    /// SIAP ambiguity.
    pub ambiguity: f64,
    /// SIAP spuriousness.
    pub spuriousness: f64,
    /// SIAP position accuracy (m).
    pub position_accuracy_m: f64,
    /// SIAP velocity accuracy (m/s).
    pub velocity_accuracy_mps: f64,
    /// SIAP rate of track number change (1/s).
    pub rate_of_track_number_change: f64,
    /// SIAP longest track segment (fraction of truth lifetime).
    pub longest_track_segment: f64,
    /// Number of track-to-truth associations found.
    pub n_associations: usize,
    /// Accuracy lookups skipped because a state was missing at an association timestamp.
    pub missing_state_lookups: usize,
}

/// `TrackToTruth` parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AssocParams {
    pub threshold: f64,
    pub consec_pairs_confirm: u32,
    pub consec_misses_end: u32,
}

fn dist(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let dx = a[0] - b[0];
    let dy = a[1] - b[1];
    let dz = a[2] - b[2];
    (dx * dx + dy * dy + dz * dz).sqrt()
}

/// Truth states by timestamp (from `last_timestamp_generator`), for nearest-truth lookups.
struct TruthIndex {
    times: Vec<i64>,
    starts: Vec<usize>,
    points: Vec<(usize, [f64; 3])>,
}

impl TruthIndex {
    fn new(truths: &PathSet<'_>) -> Self {
        let mut all: Vec<(i64, usize, [f64; 3])> = Vec::with_capacity(truths.ext.len());
        for k in 0..truths.paths.len() {
            all.extend(truths.extracted(k).map(|(_, s)| (s.time_us, k, s.position)));
        }
        all.sort_by_key(|x| x.0);
        let mut times = Vec::new();
        let mut starts = Vec::new();
        for (i, x) in all.iter().enumerate() {
            if times.last() != Some(&x.0) {
                times.push(x.0);
                starts.push(i);
            }
        }
        starts.push(all.len());
        Self {
            times,
            starts,
            points: all.into_iter().map(|(_, k, p)| (k, p)).collect(),
        }
    }

    /// The nearest truth at exactly `t` closer than `threshold` (first one on ties).
    fn nearest(&self, t: i64, pos: &[f64; 3], threshold: f64) -> Option<usize> {
        let i = self.times.binary_search(&t).ok()?;
        let mut best: Option<(usize, f64)> = None;
        for (k, p) in &self.points[self.starts[i]..self.starts[i + 1]] {
            let d = dist(p, pos);
            if best.is_none_or(|(_, bd)| d < bd) {
                best = Some((*k, d));
            }
        }
        best.filter(|&(_, d)| d < threshold).map(|(k, _)| k)
    }
}

/// Stone Soup's `TrackToTruth.associate_tracks`.
pub(crate) fn associate(
    tracks: &PathSet<'_>,
    truths: &PathSet<'_>,
    prm: &AssocParams,
) -> Vec<Association> {
    let index = TruthIndex::new(truths);
    let confirm = prm.consec_pairs_confirm;
    let misses_end = prm.consec_misses_end;
    let mut out = Vec::new();
    for track in 0..tracks.paths.len() {
        let mut current: Option<usize> = None;
        let mut potential: Option<usize> = None;
        let mut n_potential: u32 = 0;
        let mut n_failures: u32 = 0;
        let mut potential_start: Option<i64> = None;
        let mut start: Option<i64> = None;
        let mut end: Option<i64> = None;
        for (_, state) in tracks.extracted(track) {
            let t = state.time_us;
            let min_truth = index.nearest(t, &state.position, prm.threshold);
            match current {
                None => {
                    match min_truth {
                        None => {
                            n_potential = 0;
                            potential = None;
                            potential_start = None;
                        }
                        Some(m) if potential != Some(m) => {
                            potential = Some(m);
                            n_potential = 1;
                            potential_start = Some(t);
                        }
                        Some(_) => n_potential += 1,
                    }
                    if n_potential >= confirm {
                        current = min_truth;
                        start = potential_start;
                        end = Some(t);
                        potential_start = None;
                        potential = None;
                        n_potential = 0;
                    }
                }
                Some(cur) => {
                    if min_truth == Some(cur) {
                        n_failures = 0;
                        end = Some(t);
                    } else {
                        n_failures += 1;
                        if min_truth.is_some() && min_truth == potential {
                            n_potential += 1;
                        } else {
                            potential = min_truth;
                            potential_start = Some(t);
                            n_potential = 1;
                        }
                    }
                    if n_failures >= misses_end {
                        if let (Some(s), Some(e)) = (start, end) {
                            out.push(Association {
                                track,
                                truth: cur,
                                track_id: tracks.paths[track].id,
                                truth_id: truths.paths[cur].id,
                                start_us: s,
                                end_us: e,
                            });
                        }
                        if n_potential >= confirm {
                            current = potential;
                            start = potential_start;
                            end = Some(t);
                        } else {
                            current = None;
                            start = None;
                            end = None;
                        }
                        // Stone Soup does not reset n_failures here; mirrored.
                    }
                }
            }
        }
        if let (Some(cur), Some(s), Some(e)) = (current, start, end) {
            out.push(Association {
                track,
                truth: cur,
                track_id: tracks.paths[track].id,
                truth_id: truths.paths[cur].id,
                start_us: s,
                end_us: e,
            });
        }
    }
    out
}

/// Add 1 to `counts[k]` for every timestamp index `k` covered by the union of `ranges`
/// (inclusive index ranges).
fn add_union(ranges: &mut [(usize, usize)], counts: &mut [u64]) {
    ranges.sort_unstable();
    let mut covered_to: Option<usize> = None; // last index already counted
    for &(a, b) in ranges.iter() {
        let from = match covered_to {
            Some(c) if c >= a => c + 1,
            _ => a,
        };
        if from <= b {
            for x in &mut counts[from..=b] {
                *x += 1;
            }
            covered_to = Some(b);
        }
    }
}

fn secs(us: i64) -> f64 {
    us as f64 / 1e6
}

/// Associations of one (track, truth) pair merged as `AssociationSet._simplify` does: one
/// association whose time range is the union (`CompoundTimeRange`) of the pair's ranges.
#[derive(Debug, Clone)]
struct Merged {
    track: usize,
    truth: usize,
    /// Disjoint closed ranges, sorted.
    comps: Vec<(i64, i64)>,
}

fn merge_pairs(assocs: &[Association]) -> Vec<Merged> {
    let mut sorted: Vec<&Association> = assocs.iter().collect();
    sorted.sort_by_key(|a| (a.track, a.truth, a.start_us, a.end_us));
    let mut out: Vec<Merged> = Vec::new();
    for a in sorted {
        match out.last_mut() {
            Some(m) if m.track == a.track && m.truth == a.truth => {
                let last = m.comps.last_mut().expect("non-empty");
                if a.start_us <= last.1 {
                    // Overlapping or touching ranges fuse.
                    last.1 = last.1.max(a.end_us);
                } else {
                    m.comps.push((a.start_us, a.end_us));
                }
            }
            _ => out.push(Merged {
                track: a.track,
                truth: a.truth,
                comps: vec![(a.start_us, a.end_us)],
            }),
        }
    }
    out
}

/// Stone Soup's `SIAPMetrics.compute_metric` for the given associations.
pub(crate) fn siap(
    tracks: &PathSet<'_>,
    truths: &PathSet<'_>,
    assocs: &[Association],
) -> SiapReport {
    let merged = merge_pairs(assocs);
    // All timestamps of all raw states.
    let mut times: Vec<i64> = tracks
        .samples
        .iter()
        .chain(truths.samples)
        .map(|s| s.time_us)
        .collect();
    times.sort_unstable();
    times.dedup();
    let nt = times.len();
    let idx = |t: i64| times.partition_point(|&x| x < t);

    // J and N: paths with any state at each timestamp.
    let present = |ps: &PathSet<'_>| {
        let mut c = vec![0u64; nt];
        for k in 0..ps.paths.len() {
            let mut last = None;
            for t in ps.sorted_times(k) {
                if last != Some(t) {
                    c[idx(t)] += 1;
                    last = Some(t);
                }
            }
        }
        c
    };
    let j_counts = present(truths);
    let n_counts = present(tracks);

    // Timestamp index ranges of every component of every merged association.
    let index_range = |(s, e): (i64, i64)| {
        let lo = idx(s);
        let hi = times.partition_point(|&x| x <= e);
        (lo < hi).then(|| (lo, hi - 1))
    };
    let ranges: Vec<Vec<(usize, usize)>> = merged
        .iter()
        .map(|m| m.comps.iter().filter_map(|&c| index_range(c)).collect())
        .collect();
    let distinct_counts = |key: &dyn Fn(&Merged) -> usize, n_keys: usize| {
        let mut per_key: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n_keys];
        for (m, r) in merged.iter().zip(&ranges) {
            per_key[key(m)].extend_from_slice(r);
        }
        let mut c = vec![0u64; nt];
        for mut rs in per_key {
            add_union(&mut rs, &mut c);
        }
        c
    };
    let jt_counts = distinct_counts(&|m| m.truth, truths.paths.len());
    let na_counts = distinct_counts(&|m| m.track, tracks.paths.len());

    // Accuracy: per timestamp, a sum over the active associations.
    let mut missing = 0usize;
    let mut pa_t = vec![0.0; nt];
    let mut va_t = vec![0.0; nt];
    for (m, r) in merged.iter().zip(&ranges) {
        for &(lo, hi) in r {
            for k in lo..=hi {
                let t = times[k];
                match (tracks.at(m.track, t), truths.at(m.truth, t)) {
                    (Some(tr), Some(gt)) => {
                        pa_t[k] += dist(&tr.position, &gt.position);
                        va_t[k] += dist(&tr.velocity, &gt.velocity);
                    }
                    _ => missing += 1,
                }
            }
        }
    }
    let (mut j_sum, mut jt_sum, mut na_sum, mut n_sum) = (0u64, 0u64, 0u64, 0u64);
    let (mut pa_sum, mut va_sum) = (0.0, 0.0);
    for k in 0..nt {
        j_sum += j_counts[k];
        jt_sum += jt_counts[k];
        na_sum += na_counts[k];
        n_sum += n_counts[k];
        pa_sum += pa_t[k];
        va_sum += va_t[k];
    }
    let ratio = |a: f64, b: u64, default: f64| if b != 0 { a / b as f64 } else { default };

    // Per-truth continuity figures.
    let mut per_truth: Vec<Vec<&Merged>> = vec![Vec::new(); truths.paths.len()];
    for m in &merged {
        per_truth[m.truth].push(m);
    }
    let mut numerator = 0.0;
    let mut denominator = 0.0;
    let mut tl_sum = 0.0;
    let mut t_sum = 0.0;
    let mut truth_times = Vec::new();
    let mut clipped = Vec::new();
    let mut key_times = Vec::new();
    for (k, mine) in per_truth.iter_mut().enumerate() {
        truth_times.clear();
        truth_times.extend(truths.sorted_times(k));
        if let (Some(&first), Some(&last)) = (truth_times.first(), truth_times.last()) {
            t_sum += secs(last - first);
        }
        if mine.is_empty() {
            continue;
        }
        // longest_track_time_on_truth: the longest (compound) association duration.
        tl_sum += mine
            .iter()
            .map(|m| m.comps.iter().map(|&(s, e)| secs(e - s)).sum::<f64>())
            .fold(f64::NEG_INFINITY, f64::max);

        // total_time_tracked: per consecutive truth-timestamp interval, the measure of its
        // intersection with the union of the associations' time ranges.
        for w in truth_times.windows(2) {
            let (a, b) = (w[0], w[1]);
            clipped.clear();
            clipped.extend(
                mine.iter()
                    .flat_map(|m| m.comps.iter())
                    .filter_map(|&(s, e)| {
                        let s = s.max(a);
                        let e = e.min(b);
                        (s < e).then_some((s, e))
                    }),
            );
            clipped.sort_unstable();
            let mut covered = 0i64;
            let mut reach = i64::MIN;
            for &(s, e) in clipped.iter() {
                let s = s.max(reach);
                if e > s {
                    covered += e - s;
                }
                reach = reach.max(e);
            }
            denominator += secs(covered);
        }

        // min_num_tracks_needed_to_track: associations by latest end time, descending.
        mine.sort_by_key(|m| std::cmp::Reverse(m.comps.last().map_or(i64::MIN, |c| c.1)));
        let mut needed = 0u64;
        let mut ti = 0usize;
        while ti < truth_times.len() {
            let cur = truth_times[ti];
            let Some(m) = mine
                .iter()
                .find(|m| m.comps.iter().any(|&(s, e)| s <= cur && cur <= e))
            else {
                ti += 1;
                continue;
            };
            key_times.clear();
            key_times.extend(m.comps.iter().flat_map(|&(s, e)| [s, e]));
            key_times.sort_unstable();
            key_times.dedup();
            // From a start key time the end must be strictly later.
            let strict = key_times
                .iter()
                .position(|&x| x == cur)
                .is_some_and(|i| i % 2 == 0);
            let end_time = if strict {
                key_times.iter().copied().find(|&x| x > cur)
            } else {
                key_times.iter().copied().find(|&x| x >= cur)
            };
            let Some(end_time) = end_time else {
                // Stone Soup fails on min([]) here (a zero-length association); stop.
                needed += 1;
                break;
            };
            needed += 1;
            match truth_times[ti + 1..].iter().position(|&x| x == end_time) {
                Some(off) => ti = ti + 1 + off + 1,
                None => break,
            }
        }
        if needed > 0 {
            numerator += (needed - 1) as f64;
        }
    }

    SiapReport {
        completeness: ratio(jt_sum as f64, j_sum, 0.0),
        ambiguity: ratio(na_sum as f64, jt_sum, 1.0),
        spuriousness: ratio((n_sum - na_sum) as f64, n_sum, 0.0),
        position_accuracy_m: ratio(pa_sum, na_sum, 0.0),
        velocity_accuracy_mps: ratio(va_sum, na_sum, 0.0),
        rate_of_track_number_change: if denominator != 0.0 {
            numerator / denominator
        } else {
            0.0
        },
        longest_track_segment: if t_sum != 0.0 { tl_sum / t_sum } else { 0.0 },
        n_associations: merged.len(),
        missing_state_lookups: missing,
    }
}

#[cfg(test)]
mod tests {
    use crate::{EvalParams, MetricsError, StateSample, evaluate};

    fn s(t: i64, id: u64, x: f64, y: f64) -> StateSample {
        StateSample {
            time_us: t * 1_000_000,
            id,
            position: [x, y, 0.0],
            velocity: [10.0, 0.0, 0.0],
        }
    }

    #[test]
    fn perfect_single_track() {
        let truths: Vec<_> = (0..10).map(|t| s(t, 1, 10.0 * t as f64, 0.0)).collect();
        let tracks: Vec<_> = (0..10)
            .map(|t| s(t, 7, 10.0 * t as f64 + 3.0, 4.0))
            .collect();
        let r = evaluate(&truths, &tracks, &EvalParams::default()).unwrap();
        assert_eq!(r.siap.completeness, 1.0);
        assert_eq!(r.siap.ambiguity, 1.0);
        assert_eq!(r.siap.spuriousness, 0.0);
        assert!((r.siap.position_accuracy_m - 5.0).abs() < 1e-12);
        assert_eq!(r.siap.velocity_accuracy_mps, 0.0);
        assert_eq!(r.siap.rate_of_track_number_change, 0.0);
        assert_eq!(r.siap.longest_track_segment, 1.0);
        assert!((r.mean_ospa - 5.0).abs() < 1e-12);
        assert_eq!(r.siap.n_associations, 1);
    }

    #[test]
    fn confirmation_needs_three_pairs_and_spurious_track() {
        // Track near the truth only at t = 0, 1 (never confirmed), plus a far track.
        let truths: Vec<_> = (0..5).map(|t| s(t, 1, 0.0, 0.0)).collect();
        let mut tracks = vec![s(0, 2, 0.0, 0.0), s(1, 2, 0.0, 0.0), s(2, 2, 5e3, 0.0)];
        tracks.extend((0..5).map(|t| s(t, 3, 1e5, 0.0)));
        let r = evaluate(&truths, &tracks, &EvalParams::default()).unwrap();
        assert_eq!(r.siap.n_associations, 0);
        assert_eq!(r.siap.completeness, 0.0);
        assert_eq!(r.siap.ambiguity, 1.0); // no associated truths: Stone Soup's default
        assert_eq!(r.siap.spuriousness, 1.0);
        assert_eq!(r.siap.position_accuracy_m, 0.0);
        assert_eq!(r.siap.longest_track_segment, 0.0);
    }

    #[test]
    fn handover_between_tracks() {
        // Track 1 holds the truth for t = 0..=4, track 2 for t = 5..=9.
        let truths: Vec<_> = (0..10).map(|t| s(t, 1, 0.0, 0.0)).collect();
        let mut tracks: Vec<_> = (0..5).map(|t| s(t, 1, 1.0, 0.0)).collect();
        tracks.extend((5..10).map(|t| s(t, 2, 2.0, 0.0)));
        let r = evaluate(&truths, &tracks, &EvalParams::default()).unwrap();
        assert_eq!(r.siap.n_associations, 2);
        // Covered: [0, 4] and [5, 9] -> 8 s of the 9 s lifetime; one track change.
        assert!((r.siap.completeness - 1.0).abs() < 1e-12);
        assert!((r.siap.rate_of_track_number_change - 1.0 / 8.0).abs() < 1e-12);
        assert!((r.siap.longest_track_segment - 4.0 / 9.0).abs() < 1e-12);
        assert!((r.siap.position_accuracy_m - 1.5).abs() < 1e-12);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let ok = vec![s(0, 1, 0.0, 0.0)];
        assert_eq!(
            evaluate(&[], &[], &EvalParams::default()),
            Err(MetricsError::Empty)
        );
        let mut nan = ok.clone();
        nan[0].position[1] = f64::NAN;
        assert!(matches!(
            evaluate(&ok, &nan, &EvalParams::default()),
            Err(MetricsError::NonFiniteSample { kind: "track", .. })
        ));
        let bad = EvalParams {
            ospa_p: 0.5,
            ..EvalParams::default()
        };
        assert!(matches!(
            evaluate(&ok, &ok, &bad),
            Err(MetricsError::InvalidParameter { name: "ospa_p", .. })
        ));
        let bad = EvalParams {
            gospa_c: f64::NAN,
            ..EvalParams::default()
        };
        assert!(evaluate(&ok, &ok, &bad).is_err());
        // Only truths: OSPA = c everywhere.
        let r = evaluate(&ok, &[], &EvalParams::default()).unwrap();
        assert_eq!(r.mean_ospa, 1000.0);
        assert_eq!(r.gospa.missed, 500.0);
    }
}
