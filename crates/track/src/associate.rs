//! The `Associator` stage: which measurement updates which track. Gated pairs are split into
//! independent clusters (connected components of the gating graph); each cluster is solved by
//! global nearest neighbour (an optimal assignment on likelihood-ratio costs) or by joint
//! probabilistic data association (exact enumeration of joint events, with the "cheap JPDA"
//! approximation for clusters too large to enumerate).

use crate::assign::AssignmentSolver;
use crate::filter::Innovation;

/// A measurement that passed a track's gate.
#[derive(Debug, Clone, Copy)]
pub struct GatedPair {
    pub track: usize,
    pub measurement: usize,
    pub innovation: Innovation,
    /// ln(Pd·N(ν; 0, S) / (λ·(1 − Pd))): positive when updating beats missing + clutter.
    pub log_likelihood_ratio: f64,
}

/// The outcome for one track.
#[derive(Debug, Clone, PartialEq)]
pub enum TrackAssociation {
    Missed,
    /// Index into the gated-pair slice.
    Single(usize),
    /// Pair indices with association probabilities, and the probability of a miss.
    Weighted {
        pairs: Vec<(usize, f64)>,
        miss: f64,
    },
}

/// All tracks' outcomes and, per measurement, the probability it came from one of them.
#[derive(Debug, Clone, Default)]
pub struct AssociationOutcome {
    pub tracks: Vec<TrackAssociation>,
    pub measurement_claim: Vec<f64>,
    pub clusters: usize,
    pub largest_cluster: usize,
}

/// Data association over the gated pairs of one scan.
pub trait Associator: Send + Sync {
    fn associate(
        &mut self,
        n_tracks: usize,
        n_measurements: usize,
        pairs: &[GatedPair],
        detection_probability: f64,
    ) -> AssociationOutcome;
    fn name(&self) -> &'static str;
}

/// Connected components of the bipartite gating graph. Returns, per cluster, its pair
/// indices (clusters in order of their smallest track index, so results are deterministic).
fn clusters(n_tracks: usize, n_measurements: usize, pairs: &[GatedPair]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n_tracks + n_measurements).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for pr in pairs {
        let a = find(&mut parent, pr.track);
        let b = find(&mut parent, n_tracks + pr.measurement);
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut index_of_root = vec![usize::MAX; n_tracks + n_measurements];
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (k, pr) in pairs.iter().enumerate() {
        let r = find(&mut parent, pr.track);
        if index_of_root[r] == usize::MAX {
            index_of_root[r] = out.len();
            out.push(Vec::new());
        }
        out[index_of_root[r]].push(k);
    }
    out
}

/// Local indices of a cluster's tracks and measurements.
fn members(pairs: &[GatedPair], cluster: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let mut t: Vec<usize> = cluster.iter().map(|&k| pairs[k].track).collect();
    let mut m: Vec<usize> = cluster.iter().map(|&k| pairs[k].measurement).collect();
    t.sort_unstable();
    t.dedup();
    m.sort_unstable();
    m.dedup();
    (t, m)
}

/// Global nearest neighbour: per cluster, the assignment maximising the summed log-likelihood
/// ratios (pairs with a negative ratio are never worth taking).
#[derive(Debug, Default)]
pub struct GnnAssociator {
    solver: AssignmentSolver,
    cost: Vec<f64>,
}

impl Associator for GnnAssociator {
    fn associate(
        &mut self,
        n_tracks: usize,
        n_measurements: usize,
        pairs: &[GatedPair],
        _pd: f64,
    ) -> AssociationOutcome {
        let mut out = AssociationOutcome {
            tracks: vec![TrackAssociation::Missed; n_tracks],
            measurement_claim: vec![0.0; n_measurements],
            ..Default::default()
        };
        let cl = clusters(n_tracks, n_measurements, pairs);
        out.clusters = cl.len();
        for cluster in &cl {
            if cluster.len() == 1 {
                let k = cluster[0];
                out.largest_cluster = out.largest_cluster.max(1);
                if pairs[k].log_likelihood_ratio > 0.0 {
                    out.tracks[pairs[k].track] = TrackAssociation::Single(k);
                    out.measurement_claim[pairs[k].measurement] = 1.0;
                }
                continue;
            }
            let (ts, ms) = members(pairs, cluster);
            out.largest_cluster = out.largest_cluster.max(ts.len() + ms.len());
            let (r, c) = (ts.len(), ms.len());
            self.cost.clear();
            self.cost.resize(r * c, 0.0);
            let mut best_pair = vec![usize::MAX; r * c];
            for &k in cluster {
                let ri = ts.binary_search(&pairs[k].track).unwrap_or(0);
                let ci = ms.binary_search(&pairs[k].measurement).unwrap_or(0);
                let v = (-pairs[k].log_likelihood_ratio).min(0.0);
                self.cost[ri * c + ci] = v;
                best_pair[ri * c + ci] = k;
            }
            let sol = self.solver.solve(&self.cost, r, c);
            for (ri, col) in sol.iter().enumerate() {
                if let Some(ci) = col {
                    let k = best_pair[ri * c + ci];
                    if k != usize::MAX && pairs[k].log_likelihood_ratio > 0.0 {
                        out.tracks[ts[ri]] = TrackAssociation::Single(k);
                        out.measurement_claim[ms[*ci]] = 1.0;
                    }
                }
            }
        }
        out
    }

    fn name(&self) -> &'static str {
        "gnn"
    }
}

/// Joint probabilistic data association.
#[derive(Debug, Clone)]
pub struct JpdaAssociator {
    /// Largest number of joint events enumerated exactly in one cluster.
    pub max_events: usize,
}

impl Default for JpdaAssociator {
    fn default() -> Self {
        Self { max_events: 20_000 }
    }
}

impl JpdaAssociator {
    /// Marginal association probabilities by enumerating the joint events of one cluster.
    /// `lr[t][m]` is the likelihood ratio (0 when not gated). Returns None when too large.
    fn exact(&self, lr: &[Vec<f64>], miss: f64) -> Option<(Vec<Vec<f64>>, Vec<f64>)> {
        let nt = lr.len();
        let nm = lr.first().map_or(0, |r| r.len());
        let mut beta = vec![vec![0.0; nm]; nt];
        let mut beta_miss = vec![0.0; nt];
        let mut used = vec![false; nm];
        let mut choice = vec![usize::MAX; nt];
        let mut total = 0.0;
        let mut events = 0usize;
        #[allow(clippy::too_many_arguments)]
        fn rec(
            t: usize,
            w: f64,
            lr: &[Vec<f64>],
            miss: f64,
            used: &mut [bool],
            choice: &mut [usize],
            beta: &mut [Vec<f64>],
            beta_miss: &mut [f64],
            total: &mut f64,
            events: &mut usize,
            max: usize,
        ) -> bool {
            if t == lr.len() {
                *events += 1;
                if *events > max {
                    return false;
                }
                *total += w;
                for (tt, &c) in choice.iter().enumerate() {
                    if c == usize::MAX {
                        beta_miss[tt] += w;
                    } else {
                        beta[tt][c] += w;
                    }
                }
                return true;
            }
            choice[t] = usize::MAX;
            if !rec(
                t + 1,
                w * miss,
                lr,
                miss,
                used,
                choice,
                beta,
                beta_miss,
                total,
                events,
                max,
            ) {
                return false;
            }
            for m in 0..lr[t].len() {
                if lr[t][m] > 0.0 && !used[m] {
                    used[m] = true;
                    choice[t] = m;
                    let ok = rec(
                        t + 1,
                        w * lr[t][m],
                        lr,
                        miss,
                        used,
                        choice,
                        beta,
                        beta_miss,
                        total,
                        events,
                        max,
                    );
                    used[m] = false;
                    if !ok {
                        return false;
                    }
                }
            }
            choice[t] = usize::MAX;
            true
        }
        if !rec(
            0,
            1.0,
            lr,
            miss,
            &mut used,
            &mut choice,
            &mut beta,
            &mut beta_miss,
            &mut total,
            &mut events,
            self.max_events,
        ) {
            return None;
        }
        if !(total > 0.0 && total.is_finite()) {
            return None;
        }
        for t in 0..nt {
            beta_miss[t] /= total;
            for b in &mut beta[t] {
                *b /= total;
            }
        }
        Some((beta, beta_miss))
    }

    /// Fitzgerald's cheap JPDA approximation.
    fn cheap(lr: &[Vec<f64>], miss: f64) -> (Vec<Vec<f64>>, Vec<f64>) {
        let nt = lr.len();
        let nm = lr.first().map_or(0, |r| r.len());
        let row: Vec<f64> = lr.iter().map(|r| r.iter().sum()).collect();
        let col: Vec<f64> = (0..nm).map(|m| lr.iter().map(|r| r[m]).sum()).collect();
        let mut beta = vec![vec![0.0; nm]; nt];
        let mut beta_miss = vec![0.0; nt];
        for t in 0..nt {
            let mut g = vec![0.0; nm];
            for m in 0..nm {
                if lr[t][m] > 0.0 {
                    g[m] = lr[t][m] / (row[t] + col[m] - lr[t][m] + miss);
                }
            }
            let s: f64 = g.iter().sum::<f64>() + miss / (row[t] + miss);
            for m in 0..nm {
                beta[t][m] = g[m] / s;
            }
            beta_miss[t] = (miss / (row[t] + miss)) / s;
        }
        (beta, beta_miss)
    }
}

impl Associator for JpdaAssociator {
    fn associate(
        &mut self,
        n_tracks: usize,
        n_measurements: usize,
        pairs: &[GatedPair],
        pd: f64,
    ) -> AssociationOutcome {
        let mut out = AssociationOutcome {
            tracks: vec![TrackAssociation::Missed; n_tracks],
            measurement_claim: vec![0.0; n_measurements],
            ..Default::default()
        };
        let cl = clusters(n_tracks, n_measurements, pairs);
        out.clusters = cl.len();
        for cluster in &cl {
            let (ts, ms) = members(pairs, cluster);
            out.largest_cluster = out.largest_cluster.max(ts.len() + ms.len());
            let mut lr = vec![vec![0.0; ms.len()]; ts.len()];
            let mut pair_at = vec![vec![usize::MAX; ms.len()]; ts.len()];
            for &k in cluster {
                let ri = ts.binary_search(&pairs[k].track).unwrap_or(0);
                let ci = ms.binary_search(&pairs[k].measurement).unwrap_or(0);
                // Ratio relative to a miss of weight 1 (the (1 - Pd) is folded into the ratio).
                lr[ri][ci] = pairs[k].log_likelihood_ratio.clamp(-700.0, 700.0).exp();
                pair_at[ri][ci] = k;
            }
            let _ = pd;
            let (beta, beta_miss) = self
                .exact(&lr, 1.0)
                .unwrap_or_else(|| Self::cheap(&lr, 1.0));
            for (ri, &t) in ts.iter().enumerate() {
                let list: Vec<(usize, f64)> = (0..ms.len())
                    .filter(|&ci| pair_at[ri][ci] != usize::MAX && beta[ri][ci] > 1e-9)
                    .map(|ci| (pair_at[ri][ci], beta[ri][ci]))
                    .collect();
                for (ci, &m) in ms.iter().enumerate() {
                    out.measurement_claim[m] += beta[ri][ci];
                }
                if !list.is_empty() {
                    out.tracks[t] = TrackAssociation::Weighted {
                        pairs: list,
                        miss: beta_miss[ri],
                    };
                }
            }
        }
        for c in &mut out.measurement_claim {
            *c = c.min(1.0);
        }
        out
    }

    fn name(&self) -> &'static str {
        "jpda"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{Matrix3, Vector3};

    fn pair(track: usize, measurement: usize, llr: f64) -> GatedPair {
        GatedPair {
            track,
            measurement,
            innovation: Innovation {
                residual: Vector3::zeros(),
                s: Matrix3::identity(),
                s_inv: Matrix3::identity(),
                distance2: 0.0,
                ln_det_s: 0.0,
                dim: 3,
                h: Matrix3::identity(),
            },
            log_likelihood_ratio: llr,
        }
    }

    #[test]
    fn gnn_resolves_a_contested_measurement_globally() {
        // Track 0 likes m0 most, but track 1 can only take m0; the optimum gives m1 to track 0.
        let pairs = vec![pair(0, 0, 10.0), pair(0, 1, 9.0), pair(1, 0, 8.0)];
        let out = GnnAssociator::default().associate(2, 2, &pairs, 0.9);
        assert_eq!(out.tracks[0], TrackAssociation::Single(1));
        assert_eq!(out.tracks[1], TrackAssociation::Single(2));
        assert_eq!(out.clusters, 1);
    }

    #[test]
    fn gnn_never_takes_a_pair_worse_than_missing() {
        let pairs = vec![pair(0, 0, -1.0)];
        let out = GnnAssociator::default().associate(1, 1, &pairs, 0.9);
        assert_eq!(out.tracks[0], TrackAssociation::Missed);
        assert_eq!(out.measurement_claim[0], 0.0);
    }

    #[test]
    fn jpda_marginals_sum_to_one_and_match_hand_computation() {
        // Two tracks, one shared measurement: events {miss,miss}=1, {m0,miss}=a, {miss,m0}=b.
        let (a, b) = (4.0f64, 1.0f64);
        let pairs = vec![pair(0, 0, a.ln()), pair(1, 0, b.ln())];
        let out = JpdaAssociator::default().associate(2, 1, &pairs, 0.9);
        let total = 1.0 + a + b;
        match &out.tracks[0] {
            TrackAssociation::Weighted { pairs, miss } => {
                assert!((pairs[0].1 - a / total).abs() < 1e-12);
                assert!((miss - (1.0 + b) / total).abs() < 1e-12);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!((out.measurement_claim[0] - (a + b) / total).abs() < 1e-12);
        // The cheap approximation stays a probability distribution.
        let (beta, miss) = JpdaAssociator::cheap(&[vec![a, 2.0], vec![b, 0.0]], 1.0);
        for t in 0..2 {
            let s: f64 = beta[t].iter().sum::<f64>() + miss[t];
            assert!((s - 1.0).abs() < 1e-12);
        }
    }
}
