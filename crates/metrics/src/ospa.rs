//! OSPA and GOSPA distances exactly as Stone Soup 1.9.1 computes them
//! (`stonesoup.metricgenerator.ospametric`).
//!
//! * **OSPA** (`OSPAMetric.compute_OSPA_distance`): the cost matrix is the Euclidean position
//!   distance clamped to `c` (`d` if `d < c`, else `c`), padded to a square of side
//!   `n = max(|X|, |Y|)` with `c`. The assignment minimises the sum of the *clamped distances*
//!   (not of their `p`-th powers — a Stone Soup detail that only matters for `p != 1`), and the
//!   distance is `((1/n) Σ cost^p)^(1/p)`. For `p = ∞` it is the largest assigned clamped distance
//!   when the cardinalities agree, else `c`.
//! * **GOSPA** with `α = 2` (`GOSPAMetric.compute_gospa_metric`): the assignment minimises
//!   `Σ min(d, c)^p`; an assigned pair at the cut-off counts as one missed plus one false
//!   target; unassigned truths are missed, unassigned tracks false, each costing `c^p / 2`. The
//!   components (localisation, missed, false) are reported in `p`-th-power units, the distance
//!   is `(loc + missed + false)^(1/p)`, combined with the switching term as
//!   `sqrt(d² + switching²)` (zero with the default penalty of 0).
//!
//! Both are evaluated at every timestamp of the union of the (deduplicated) track and truth
//! state timestamps, as `compute_over_time` does.

use crate::MetricsError;
use crate::assignment::Solver;

/// Scratch space for the per-timestamp computations.
#[derive(Debug, Default)]
pub struct SetDistance {
    solver: Solver,
    cost: Vec<f64>,
}

/// One GOSPA evaluation at a single timestamp (components in `p`-th-power units).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GospaValue {
    /// `(localisation + missed + false)^(1/p)`, before the switching term.
    pub distance: f64,
    /// Sum of `d^p` over assigned pairs closer than `c`.
    pub localisation: f64,
    /// `c^p / 2` per missed truth.
    pub missed: f64,
    /// `c^p / 2` per false track.
    pub false_: f64,
}

fn dist(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let dx = a[0] - b[0];
    let dy = a[1] - b[1];
    let dz = a[2] - b[2];
    (dx * dx + dy * dy + dz * dz).sqrt()
}

impl SetDistance {
    /// Empty scratch space.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fill the clamped `tracks x truths` distance matrix, raised to `power` (1 = none).
    fn fill_cost(&mut self, tracks: &[[f64; 3]], truths: &[[f64; 3]], c: f64, power: f64) {
        self.cost.clear();
        for a in tracks {
            for b in truths {
                let d = dist(a, b);
                let d = if d < c { d } else { c };
                self.cost.push(if power == 1.0 { d } else { d.powf(power) });
            }
        }
    }

    /// Stone Soup's OSPA distance between two position sets at one time.
    pub fn ospa(
        &mut self,
        tracks: &[[f64; 3]],
        truths: &[[f64; 3]],
        c: f64,
        p: f64,
    ) -> Result<f64, MetricsError> {
        let (m, n) = (tracks.len(), truths.len());
        let big = m.max(n);
        if big == 0 {
            return Ok(0.0);
        }
        self.fill_cost(tracks, truths, c, 1.0);
        self.solver.solve(&self.cost, m, n)?;
        let matched = self
            .solver
            .row_to_col()
            .iter()
            .enumerate()
            .filter_map(|(i, j)| {
                let j = (*j)?;
                Some(self.cost[i * n + j])
            });
        if p.is_infinite() {
            if m != n {
                return Ok(c);
            }
            return Ok(matched.fold(0.0, f64::max));
        }
        let unmatched = (big - m.min(n)) as f64;
        let sum: f64 = matched.map(|d| d.powf(p)).sum::<f64>() + unmatched * c.powf(p);
        Ok((sum / big as f64).powf(1.0 / p))
    }

    /// Stone Soup's GOSPA (α = 2) between two position sets at one time. `truth_to_track`
    /// receives, per truth, the track it is assigned to (`None` if missed or at the cut-off).
    pub fn gospa(
        &mut self,
        tracks: &[[f64; 3]],
        truths: &[[f64; 3]],
        c: f64,
        p: f64,
        truth_to_track: &mut Vec<Option<usize>>,
    ) -> Result<GospaValue, MetricsError> {
        let (m, n) = (tracks.len(), truths.len());
        let dummy = c.powf(p) / 2.0;
        let cp = c.powf(p);
        truth_to_track.clear();
        truth_to_track.resize(n, None);
        let mut v = GospaValue::default();
        if n == 0 {
            v.false_ = m as f64 * dummy;
        } else if m == 0 {
            v.missed = n as f64 * dummy;
        } else {
            // Rows are tracks, columns truths; Stone Soup transposes, which does not change the
            // optimum.
            self.fill_cost(tracks, truths, c, p);
            self.solver.solve(&self.cost, m, n)?;
            let mut assigned_tracks = 0usize;
            for (i, j) in self.solver.row_to_col().iter().enumerate() {
                if let Some(j) = *j {
                    assigned_tracks += 1;
                    truth_to_track[j] = Some(i);
                }
            }
            v.false_ += (m - assigned_tracks) as f64 * dummy;
            for (j, slot) in truth_to_track.iter_mut().enumerate() {
                match *slot {
                    Some(i) => {
                        let cost = self.cost[i * n + j];
                        if cost == cp {
                            // At the cut-off: one missed and one false target.
                            v.missed += dummy;
                            v.false_ += dummy;
                            *slot = None;
                        } else {
                            v.localisation += cost;
                        }
                    }
                    None => v.missed += dummy,
                }
            }
        }
        v.distance = (v.localisation + v.missed + v.false_).powf(1.0 / p);
        Ok(v)
    }
}

/// Per-timestamp OSPA and GOSPA series over the union of timestamps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OverTime {
    /// The timestamps (µs), sorted.
    pub times: Vec<i64>,
    /// OSPA at each timestamp.
    pub ospa: Vec<f64>,
    /// GOSPA at each timestamp; `distance` includes the switching term.
    pub gospa: Vec<GospaValue>,
    /// GOSPA switching term at each timestamp.
    pub switching: Vec<f64>,
}

/// One deduplicated state: time, path index, position.
pub(crate) type TimedPoint = (i64, usize, [f64; 3]);

/// Stone Soup's GOSPA switching loss (`_SwitchingLoss`): the last track each truth was assigned
/// to, and `penalty * (0.5 per change to or from unassigned, 1 per change between tracks)^(1/p)`.
struct Switching {
    penalty: f64,
    p: f64,
    last: Vec<Option<Option<usize>>>,
}

impl Switching {
    fn update(&mut self, truth_paths: &[usize], track_of: impl Fn(usize) -> Option<usize>) -> f64 {
        let mut loss: f64 = 0.0;
        for (k, &truth) in truth_paths.iter().enumerate() {
            let meas = track_of(k);
            match self.last[truth] {
                None if meas.is_none() => {}
                None => self.last[truth] = Some(meas),
                Some(prev) if prev != meas => {
                    loss += 0.5;
                    if meas.is_some() && prev.is_some() {
                        loss += 0.5;
                    }
                    self.last[truth] = Some(meas);
                }
                Some(_) => {}
            }
        }
        self.penalty * loss.powf(1.0 / self.p)
    }
}

/// Parameters of [`over_time`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct OverTimeParams {
    pub ospa_c: f64,
    pub ospa_p: f64,
    pub gospa_c: f64,
    pub gospa_p: f64,
    pub switching_penalty: f64,
}

/// Evaluate OSPA and GOSPA at every timestamp. Both inputs must be sorted by time (stably, so
/// the order within a timestamp is the input order); `n_truth_paths` bounds the truth path
/// indices.
pub(crate) fn over_time(
    tracks: &[TimedPoint],
    truths: &[TimedPoint],
    n_truth_paths: usize,
    prm: &OverTimeParams,
) -> Result<OverTime, MetricsError> {
    let mut out = OverTime::default();
    let mut sd = SetDistance::new();
    let mut switching = Switching {
        penalty: prm.switching_penalty,
        p: prm.gospa_p,
        last: vec![None; n_truth_paths],
    };
    let (mut a, mut b) = (0usize, 0usize);
    let mut xs: Vec<[f64; 3]> = Vec::new();
    let mut ys: Vec<[f64; 3]> = Vec::new();
    let mut x_paths: Vec<usize> = Vec::new();
    let mut y_paths: Vec<usize> = Vec::new();
    let mut t2t = Vec::new();
    while a < tracks.len() || b < truths.len() {
        let t = match (tracks.get(a), truths.get(b)) {
            (Some(x), Some(y)) => x.0.min(y.0),
            (Some(x), None) => x.0,
            (None, Some(y)) => y.0,
            (None, None) => break,
        };
        xs.clear();
        x_paths.clear();
        while let Some(&(ti, path, pos)) = tracks.get(a).filter(|s| s.0 == t) {
            debug_assert_eq!(ti, t);
            xs.push(pos);
            x_paths.push(path);
            a += 1;
        }
        ys.clear();
        y_paths.clear();
        while let Some(&(_, path, pos)) = truths.get(b).filter(|s| s.0 == t) {
            ys.push(pos);
            y_paths.push(path);
            b += 1;
        }
        out.times.push(t);
        out.ospa.push(sd.ospa(&xs, &ys, prm.ospa_c, prm.ospa_p)?);
        let mut g = sd.gospa(&xs, &ys, prm.gospa_c, prm.gospa_p, &mut t2t)?;
        let sw = switching.update(&y_paths, |k| t2t[k].map(|i| x_paths[i]));
        g.distance = (g.distance * g.distance + sw * sw).sqrt();
        out.gospa.push(g);
        out.switching.push(sw);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: f64 = 1000.0;

    fn p(x: f64, y: f64) -> [f64; 3] {
        [x, y, 0.0]
    }

    #[test]
    fn ospa_empty_sets() {
        let mut sd = SetDistance::new();
        assert_eq!(sd.ospa(&[], &[p(0.0, 0.0)], C, 1.0).unwrap(), C);
        assert_eq!(
            sd.ospa(&[p(0.0, 0.0), p(1.0, 1.0)], &[], C, 2.0).unwrap(),
            C
        );
        assert_eq!(sd.ospa(&[], &[], C, 1.0).unwrap(), 0.0);
        assert_eq!(sd.ospa(&[], &[p(0.0, 0.0)], C, f64::INFINITY).unwrap(), C);
    }

    #[test]
    fn ospa_exact_match_and_cutoff() {
        let mut sd = SetDistance::new();
        let a = [p(0.0, 0.0), p(100.0, 0.0)];
        assert_eq!(sd.ospa(&a, &a, C, 1.0).unwrap(), 0.0);
        // All beyond the cut-off.
        let far = [p(1e5, 0.0), p(2e5, 0.0)];
        assert_eq!(sd.ospa(&a, &far, C, 1.0).unwrap(), C);
        assert_eq!(sd.ospa(&a, &far, C, 2.0).unwrap(), C);
    }

    #[test]
    fn ospa_hand_computed() {
        let mut sd = SetDistance::new();
        // Tracks at 0 and 10, truths at 3 (x) and 10+4 (y=3 -> 5): p=1, pairs (0,3)=3, (10,(10+3,4))=5.
        let x = [p(0.0, 0.0), p(10.0, 0.0)];
        let y = [p(3.0, 0.0), p(13.0, 4.0)];
        assert!((sd.ospa(&x, &y, C, 1.0).unwrap() - 4.0).abs() < 1e-12);
        // p = 2: sqrt((9 + 25)/2)
        assert!((sd.ospa(&x, &y, C, 2.0).unwrap() - (17.0f64).sqrt()).abs() < 1e-12);
        // One extra truth far away, p = 1, c = 100: (3 + 5 + 100) / 3 = 36.
        let y3 = [p(3.0, 0.0), p(13.0, 4.0), p(5e3, 0.0)];
        assert!((sd.ospa(&x, &y3, 100.0, 1.0).unwrap() - 36.0).abs() < 1e-12);
        // p = inf: max of assigned when equal cardinalities, else c.
        assert_eq!(sd.ospa(&x, &y, C, f64::INFINITY).unwrap(), 5.0);
        assert_eq!(sd.ospa(&x, &y3, C, f64::INFINITY).unwrap(), C);
    }

    #[test]
    fn gospa_hand_computed() {
        let mut sd = SetDistance::new();
        let mut t2t = Vec::new();
        // No truths: every track false at c^p/2.
        let g = sd
            .gospa(&[p(0.0, 0.0), p(1.0, 0.0)], &[], 10.0, 1.0, &mut t2t)
            .unwrap();
        assert_eq!(g.false_, 10.0);
        assert_eq!(g.missed, 0.0);
        assert_eq!(g.distance, 10.0);
        // No tracks: every truth missed.
        let g = sd.gospa(&[], &[p(0.0, 0.0)], 10.0, 2.0, &mut t2t).unwrap();
        assert_eq!(g.missed, 50.0);
        assert!((g.distance - 50f64.sqrt()).abs() < 1e-12);
        // One good pair (d=3), one pair beyond c (counts missed + false), one extra track.
        let x = [p(0.0, 0.0), p(100.0, 0.0), p(-500.0, 0.0)];
        let y = [p(3.0, 0.0), p(100.0, 50.0)];
        let g = sd.gospa(&x, &y, 10.0, 1.0, &mut t2t).unwrap();
        assert_eq!(g.localisation, 3.0);
        assert_eq!(g.missed, 5.0);
        assert_eq!(g.false_, 10.0);
        assert_eq!(g.distance, 18.0);
        assert_eq!(t2t, vec![Some(0), None]);
        // Exact match.
        let g = sd.gospa(&y, &y, 10.0, 1.0, &mut t2t).unwrap();
        assert_eq!(g, GospaValue::default());
    }

    #[test]
    fn over_time_union_of_timestamps() {
        let tracks = vec![(0, 0, p(0.0, 0.0)), (2, 0, p(0.0, 0.0))];
        let truths = vec![(0, 0, p(1.0, 0.0)), (1, 0, p(1.0, 0.0))];
        let prm = OverTimeParams {
            ospa_c: 10.0,
            ospa_p: 1.0,
            gospa_c: 10.0,
            gospa_p: 1.0,
            switching_penalty: 0.0,
        };
        let o = over_time(&tracks, &truths, 1, &prm).unwrap();
        assert_eq!(o.times, vec![0, 1, 2]);
        assert_eq!(o.ospa, vec![1.0, 10.0, 10.0]);
        let d: Vec<f64> = o.gospa.iter().map(|g| g.distance).collect();
        assert_eq!(d, vec![1.0, 5.0, 5.0]);
    }

    #[test]
    fn switching_term() {
        // Truth 0 tracked by track path 0, then by path 1: a full switch (0.5 + 0.5).
        let tracks = vec![(0, 0, p(0.0, 0.0)), (1, 1, p(0.0, 0.0))];
        let truths = vec![(0, 0, p(0.0, 0.0)), (1, 0, p(0.0, 0.0))];
        let prm = OverTimeParams {
            ospa_c: 10.0,
            ospa_p: 1.0,
            gospa_c: 10.0,
            gospa_p: 1.0,
            switching_penalty: 2.0,
        };
        let o = over_time(&tracks, &truths, 1, &prm).unwrap();
        assert_eq!(o.switching, vec![0.0, 2.0]);
        assert_eq!(o.gospa[1].distance, 2.0);
    }
}
