//! Proximal bundle method for the Lagrangian dual of the inventories, on the disaggregated
//! (per-target) cutting-plane model.
//!
//! Every exact evaluation of `L(λ)` yields, for each target `j`, a pattern `a` with cost
//! `c = V_j Π_i (1-p_ij)^{a_i}`; each is a cut `h_j(λ) <= c + a·λ`, so the model
//! `M(λ) = Σ_j min_{a ∈ B_j} (c_a + a·λ) - m·λ` lies above `L` and agrees with it at the points
//! evaluated (where no target's pricing hit its node cap). The next trial point maximises `M(λ) - |λ - λ̂|² / (2t)` around the stability
//! centre `λ̂` (the best point so far). That quadratic programme is solved through its dual: a
//! convex combination `α_j` of each target's patterns, with `λ(α) = max(0, λ̂ + t (A(α) - m))`
//! where `A(α)` is the fractional load, by pairwise Frank-Wolfe over the targets (each move is
//! an exact line search on a piecewise-linear derivative over the few weapons of two patterns).
//! A trial is a *serious step* (new centre) when the true bound gains at least a tenth of what
//! the model predicted; otherwise a *null step*, whose new cuts correct the model there.
//!
//! The model uses every pattern the evaluations met, which is what a subgradient step throws
//! away: on the 200x200 envelope instances, where a dual evaluation costs about a millisecond
//! and a 50 ms budget affords a few dozen, this is the difference that matters.

use super::instance::Problem;
use super::lagrange::DualEval;

/// One target's patterns with a positive weight, with their weights.
pub type TargetWeights = Vec<(Vec<(u32, u32)>, f64)>;

/// Patterns kept per target (the ones unused longest go first).
const MAX_CUTS: usize = 48;

/// Pairwise Frank-Wolfe sweeps over the targets per trial point: at most `SWEEPS`, and
/// `SWEEPS_PER_NULL` more per null step in a row (up to `MAX_SWEEPS`), since the tail of the
/// ascent needs the exact model maximiser. Measured at 200x200 envelope, 50 ms: a fixed 60
/// (with the tolerance below) gave a mean gap of 1.01 % against 0.80 % for a fixed 12; a fixed
/// 12 stalled 0.14 % below the pattern-LP bound on envelope 40x40 s1 after 150 evaluations.
/// This growing rule: means 0.68 / 0.83 / 0.76 % against 1.13 / 0.91 / 0.74 % for a fixed 12
/// in three paired runs.
const SWEEPS: usize = 12;
const SWEEPS_PER_NULL: usize = 8;
const MAX_SWEEPS: usize = 60;

/// The sweeps stop when the targets' pairwise gaps (reduced cost of the worst weighted cut
/// minus the best cut) sum to less than this fraction of the centre's value.
const QP_TOL: f64 = 1e-5;

#[derive(Clone)]
struct Cut {
    units: Vec<(u32, u32)>,
    cost: f64,
    /// Weight in the dual (convex combination over the target's cuts).
    alpha: f64,
    /// Trial points since the cut last had a positive weight.
    idle: u32,
}

struct PackedCut {
    target: u32,
    /// End of the cut's units in [`PackedBundle`]'s arena (the start is the previous end).
    end: u32,
    cost: f64,
    alpha: f64,
    idle: u32,
}

/// Scratch of [`Bundle::propose`]: the multipliers `λ(α)` of the current weights (kept in
/// step with the loads, so a cut's reduced cost reads them instead of recomputing each
/// weapon's), and one pairwise move's direction and kinks.
struct QpScratch {
    lam: Vec<f64>,
    d: Vec<(usize, f64)>,
    pts: Vec<f64>,
}

/// A [`Bundle`] stored flat (see [`Bundle::pack`]).
pub struct PackedBundle {
    units: Vec<(u32, u32)>,
    cuts: Vec<PackedCut>,
    center: Vec<f64>,
    scalars: (f64, f64, f64),
    steps: (u32, u32, u32),
}

/// The bundle: cuts per target, stability centre, proximal parameter.
#[derive(Clone)]
pub struct Bundle {
    cuts: Vec<Vec<Cut>>,
    /// Fractional load `A(α)` per weapon.
    load: Vec<f64>,
    center: Vec<f64>,
    center_value: f64,
    t: f64,
    /// Model value at the last trial point.
    predicted: f64,
    /// Multiply-adds spent in the quadratic programme (work accounting).
    pub ops: u64,
    pub serious: u32,
    pub null: u32,
    /// Null steps since the last serious step.
    null_streak: u32,
}

/// Proximal parameter of a Polyak step from `lam` (where `ev` was evaluated) towards the
/// incumbent value `ub`: `(ub - L) / |g|²`, with `g` the subgradient projected on `λ >= 0`.
pub fn polyak_t(pb: &Problem, lam: &[f64], ev: &DualEval, ub: f64) -> f64 {
    let g2: f64 = (0..pb.n_w)
        .map(|i| {
            let g = f64::from(ev.load[i]) - f64::from(pb.counts[i]);
            if lam[i] <= 0.0 && g < 0.0 { 0.0 } else { g * g }
        })
        .sum();
    ((ub - ev.bound).max(1e-9 * ub) / g2.max(1.0)).max(1e-12)
}

/// Scales a target's weights back to a convex combination (all on the empty pattern, the
/// first cut, when none is left).
fn renormalise(cuts: &mut [Cut]) {
    let total: f64 = cuts.iter().map(|c| c.alpha).sum();
    if total > 0.0 {
        cuts.iter_mut().for_each(|c| c.alpha /= total);
    } else {
        cuts[0].alpha = 1.0;
    }
}

fn pattern_cost(pb: &Problem, j: usize, pat: &[(u32, u32)]) -> f64 {
    pb.values[j]
        * pat
            .iter()
            .map(|&(w, n)| (1.0 - pb.p(w as usize, j)).powi(n as i32))
            .product::<f64>()
}

impl Bundle {
    /// A bundle centred at `lam`, where `ev` was evaluated, with proximal parameter `t`.
    pub fn new(pb: &Problem, lam: &[f64], ev: &DualEval, t: f64) -> Self {
        let mut b = Self {
            cuts: (0..pb.n_t)
                .map(|j| {
                    vec![Cut {
                        units: Vec::new(),
                        cost: pb.values[j],
                        alpha: 1.0,
                        idle: 0,
                    }]
                })
                .collect(),
            load: vec![0.0; pb.n_w],
            center: lam.to_vec(),
            center_value: ev.bound,
            t,
            predicted: ev.bound,
            ops: 0,
            serious: 0,
            null: 0,
            null_streak: 0,
        };
        b.add_cuts(pb, ev);
        // start the weights at the centre's own patterns
        for (j, cuts) in b.cuts.iter_mut().enumerate() {
            let k = cuts
                .iter()
                .position(|c| c.units == ev.patterns[j])
                .unwrap_or(0);
            for (q, c) in cuts.iter_mut().enumerate() {
                c.alpha = if q == k { 1.0 } else { 0.0 };
            }
        }
        b.recompute_load();
        b
    }

    /// The stability centre.
    pub fn center(&self) -> &[f64] {
        &self.center
    }

    /// The true bound `L(λ̂)` at the stability centre.
    pub fn center_value(&self) -> f64 {
        self.center_value
    }

    /// Cuts plus unit entries of the model (what copying or re-expressing it visits).
    pub fn entries(&self) -> usize {
        self.cuts.iter().flatten().map(|c| c.units.len() + 1).sum()
    }

    fn recompute_load(&mut self) {
        self.load.iter_mut().for_each(|x| *x = 0.0);
        for cuts in &self.cuts {
            for c in cuts {
                if c.alpha > 0.0 {
                    for &(w, n) in &c.units {
                        self.load[w as usize] += c.alpha * f64::from(n);
                    }
                }
            }
        }
    }

    /// Adds an evaluation's per-target patterns as cuts (new ones only; when a target has
    /// [`MAX_CUTS`], its longest-idle cut without weight makes room), without moving the
    /// centre: for the points of [`Self::report`] and of evaluations made outside
    /// [`Self::propose`] (the solver's level search).
    pub fn add_cuts(&mut self, pb: &Problem, ev: &DualEval) {
        for (j, pat) in ev.patterns.iter().enumerate() {
            let cuts = &mut self.cuts[j];
            if cuts.iter().any(|c| c.units == *pat) {
                continue;
            }
            if cuts.len() >= MAX_CUTS {
                // drop the longest-idle cut without weight (never the empty pattern at 0)
                if let Some((k, _)) = cuts
                    .iter()
                    .enumerate()
                    .skip(1)
                    .filter(|(_, c)| c.alpha == 0.0)
                    .max_by_key(|(_, c)| c.idle)
                {
                    cuts.swap_remove(k);
                } else {
                    continue;
                }
            }
            cuts.push(Cut {
                units: pat.clone(),
                cost: pattern_cost(pb, j, pat),
                alpha: 0.0,
                idle: 0,
            });
        }
    }

    #[inline]
    fn lam_at(&self, pb: &Problem, i: usize, extra: f64) -> f64 {
        (self.center[i] + self.t * (self.load[i] + extra - f64::from(pb.counts[i]))).max(0.0)
    }

    /// The cut's reduced cost at the multipliers `lam` (`lam_at(.., 0.0)` of every weapon).
    fn reduced(c: &Cut, lam: &[f64]) -> f64 {
        c.cost
            + c.units
                .iter()
                .map(|&(w, n)| f64::from(n) * lam[w as usize])
                .sum::<f64>()
    }

    /// One pairwise Frank-Wolfe move on target `j`: weight from its worst active cut to its
    /// best cut, with an exact line search. Returns the pairwise gap before the move (zero
    /// when the target's weights are optimal for the current multipliers).
    fn pairwise(&mut self, pb: &Problem, j: usize, scratch: &mut QpScratch) -> f64 {
        let n = self.cuts[j].len();
        let (mut best, mut worst) = ((f64::INFINITY, 0usize), (f64::NEG_INFINITY, usize::MAX));
        for k in 0..n {
            let c = &self.cuts[j][k];
            let r = Self::reduced(c, &scratch.lam);
            self.ops += c.units.len() as u64 + 1;
            if r < best.0 {
                best = (r, k);
            }
            if c.alpha > 0.0 && r > worst.0 {
                worst = (r, k);
            }
        }
        let (q, s) = (best.1, worst.1);
        if s == usize::MAX || q == s || worst.0 - best.0 <= 1e-12 * (1.0 + best.0.abs()) {
            return 0.0;
        }
        let gap = worst.0 - best.0;
        // direction: D = a_q - a_s (sparse), dc = c_q - c_s; derivative of the dual objective
        // along γ·D is dc + Σ_i D_i λ_i(A + γ D), nondecreasing in γ
        let QpScratch { lam, d, pts } = scratch;
        d.clear();
        for &(w, m) in &self.cuts[j][q].units {
            d.push((w as usize, f64::from(m)));
        }
        for &(w, m) in &self.cuts[j][s].units {
            match d.iter_mut().find(|(i, _)| *i == w as usize) {
                Some(e) => e.1 -= f64::from(m),
                None => d.push((w as usize, -f64::from(m))),
            }
        }
        let dc = self.cuts[j][q].cost - self.cuts[j][s].cost;
        let deriv = |g: f64, b: &Self| {
            dc + d
                .iter()
                .map(|&(i, di)| di * b.lam_at(pb, i, g * di))
                .sum::<f64>()
        };
        let gmax = self.cuts[j][s].alpha;
        let gamma = if deriv(gmax, self) <= 0.0 {
            gmax
        } else if deriv(0.0, self) >= 0.0 {
            0.0
        } else {
            // the derivative is piecewise linear in γ, with a kink where a λ_i reaches 0:
            // evaluate it at the kinks inside (0, gmax) and interpolate on the piece where it
            // changes sign
            pts.clear();
            pts.push(0.0);
            for &(i, di) in d.iter() {
                let a = self.center[i] + self.t * (self.load[i] - f64::from(pb.counts[i]));
                let g = -a / (self.t * di);
                if g > 0.0 && g < gmax {
                    pts.push(g);
                }
            }
            pts.push(gmax);
            pts.sort_by(f64::total_cmp);
            let (mut g0, mut f0) = (0.0, deriv(0.0, self));
            let mut root = gmax;
            for &g1 in &pts[1..] {
                let f1 = deriv(g1, self);
                if f1 > 0.0 {
                    root = if f1 > f0 {
                        g0 - f0 * (g1 - g0) / (f1 - f0)
                    } else {
                        g0
                    };
                    break;
                }
                (g0, f0) = (g1, f1);
            }
            self.ops += (pts.len() * d.len()) as u64;
            root.clamp(0.0, gmax)
        };
        if gamma <= 0.0 {
            return gap;
        }
        self.cuts[j][s].alpha -= gamma;
        if self.cuts[j][s].alpha < 1e-12 {
            self.cuts[j][s].alpha = 0.0;
        }
        self.cuts[j][q].alpha += gamma;
        for &(i, di) in d.iter() {
            self.load[i] += gamma * di;
            lam[i] = self.lam_at(pb, i, 0.0);
        }
        gap
    }

    /// The next trial point (approximate maximiser of the proximal model).
    pub fn propose(&mut self, pb: &Problem) -> Vec<f64> {
        let tol = QP_TOL * self.center_value.abs().max(1e-12);
        let sweeps = (SWEEPS + SWEEPS_PER_NULL * self.null_streak as usize).min(MAX_SWEEPS);
        let mut scratch = QpScratch {
            lam: (0..pb.n_w).map(|i| self.lam_at(pb, i, 0.0)).collect(),
            d: Vec::with_capacity(8),
            pts: Vec::with_capacity(10),
        };
        for _ in 0..sweeps {
            let gaps: f64 = (0..pb.n_t)
                .map(|j| self.pairwise(pb, j, &mut scratch))
                .sum();
            if gaps <= tol {
                break;
            }
        }
        // rounding drift of the incremental loads
        self.recompute_load();
        let lam: Vec<f64> = (0..pb.n_w).map(|i| self.lam_at(pb, i, 0.0)).collect();
        self.predicted = self.model(pb, &lam);
        lam
    }

    /// `M(λ)`: the cutting-plane model (an upper estimate of `L(λ)`).
    pub fn model(&mut self, pb: &Problem, lam: &[f64]) -> f64 {
        let mut v = -lam
            .iter()
            .zip(&pb.counts)
            .map(|(l, &c)| l * f64::from(c))
            .sum::<f64>();
        for cuts in &self.cuts {
            let mut best = f64::INFINITY;
            for c in cuts {
                let r = c.cost
                    + c.units
                        .iter()
                        .map(|&(w, n)| f64::from(n) * lam[w as usize])
                        .sum::<f64>();
                self.ops += c.units.len() as u64 + 1;
                best = best.min(r);
            }
            v += best;
        }
        v
    }

    /// Each target's pattern of largest weight: a rounding of the pattern-LP solution the
    /// weights approximate (the primal side of the bundle).
    pub fn rounded_patterns(&self) -> Vec<Vec<(u32, u32)>> {
        self.cuts
            .iter()
            .map(|cuts| {
                let mut k = 0;
                for (q, c) in cuts.iter().enumerate() {
                    if c.alpha > cuts[k].alpha {
                        k = q;
                    }
                }
                cuts[k].units.clone()
            })
            .collect()
    }

    /// Each target's patterns with a positive weight and their weights (the fractional
    /// pattern-LP solution the weights approximate).
    pub fn weights(&self) -> Vec<TargetWeights> {
        self.cuts
            .iter()
            .map(|cuts| {
                cuts.iter()
                    .filter(|c| c.alpha > 0.0)
                    .map(|c| (c.units.clone(), c.alpha))
                    .collect()
            })
            .collect()
    }

    /// Model value at the last trial point.
    pub fn predicted(&self) -> f64 {
        self.predicted
    }

    /// Adds one pattern of target `j` as a cut (the cutting-plane LP's columns seed the root
    /// of the branch-and-price this way).
    pub fn add_pattern(&mut self, pb: &Problem, j: usize, units: &[(u32, u32)]) {
        let cuts = &mut self.cuts[j];
        if units.is_empty() || cuts.len() >= MAX_CUTS || cuts.iter().any(|c| c.units == units) {
            return;
        }
        cuts.push(Cut {
            units: units.to_vec(),
            cost: pattern_cost(pb, j, units),
            alpha: 0.0,
            idle: 0,
        });
    }

    /// Moves the stability centre to `lam`, where `ev` was evaluated on `pb` (a branch's
    /// problem: the parent's centre value no longer holds there).
    pub fn recentre(&mut self, pb: &Problem, lam: &[f64], ev: &DualEval) {
        self.add_cuts(pb, ev);
        self.center.copy_from_slice(lam);
        self.center_value = ev.bound;
        self.predicted = ev.bound;
        self.null_streak = 0;
    }

    /// The bundle of a branch of weapon `i` on target `j` of `parent`: `x_ij = 0`
    /// (`force == false`), or `x_ij >= 1` with that unit moved into the child's problem
    /// (`force == true`: one unit of `i` fewer, target `j`'s value times `1 - p_ij`). The cuts
    /// that the branch makes infeasible go, target `j`'s others are re-expressed in the
    /// child's terms (a pattern's cost is the same plan's cost), and each target's weights are
    /// renormalised. Only the model changes: every bound still comes from an exact evaluation
    /// on the child.
    pub fn branch(&self, parent: &Problem, i: usize, j: usize, force: bool) -> Self {
        let mut b = self.clone();
        let count_i = parent.counts[i] - u32::from(force);
        for (k, cuts) in b.cuts.iter_mut().enumerate() {
            let uses = |c: &Cut| {
                c.units
                    .iter()
                    .find(|&&(w, _)| w as usize == i)
                    .map(|&(_, n)| n)
            };
            if k != j {
                if force && cuts.iter().any(|c| uses(c).is_some_and(|n| n > count_i)) {
                    cuts.retain(|c| uses(c).is_none_or(|n| n <= count_i));
                    renormalise(cuts);
                }
                continue;
            }
            let old = std::mem::take(cuts);
            let empty_cost = if force {
                parent.values[j] * (1.0 - parent.p(i, j))
            } else {
                parent.values[j]
            };
            let mut kept: Vec<Cut> = Vec::with_capacity(old.len());
            kept.push(Cut {
                units: Vec::new(),
                cost: empty_cost,
                alpha: 0.0,
                idle: 0,
            });
            for c in old {
                let units: Vec<(u32, u32)> = match (force, uses(&c)) {
                    (false, Some(_)) | (true, None) => continue,
                    (false, None) => c.units,
                    (true, Some(_)) => c
                        .units
                        .iter()
                        .filter_map(|&(w, n)| match (w as usize == i, n) {
                            (true, 1) => None,
                            (true, n) => Some((w, n - 1)),
                            _ => Some((w, n)),
                        })
                        .collect(),
                };
                if units.is_empty() {
                    kept[0].alpha += c.alpha;
                    kept[0].idle = kept[0].idle.min(c.idle);
                    continue;
                }
                kept.push(Cut {
                    units,
                    cost: c.cost,
                    alpha: c.alpha,
                    idle: c.idle,
                });
            }
            renormalise(&mut kept);
            *cuts = kept;
        }
        b.recompute_load();
        b
    }

    /// The proximal parameter (the step length scale).
    pub fn t(&self) -> f64 {
        self.t
    }

    /// Sets the proximal parameter.
    pub fn set_t(&mut self, t: f64) {
        self.t = t;
    }

    /// Drops the cuts without weight that no trial point has used for more than `max_idle`
    /// evaluations (a branch-and-price node stores only what its children will need).
    pub fn trim(&mut self, max_idle: u32) {
        for cuts in &mut self.cuts {
            let mut k = 0;
            cuts.retain(|c| {
                k += 1;
                k == 1 || c.alpha > 0.0 || c.idle <= max_idle
            });
        }
    }

    /// The bundle in a few flat arrays (an open branch-and-price node keeps it that way:
    /// hundreds of open nodes of thousands of small cuts each took 30 ms just to free).
    pub fn pack(&self) -> PackedBundle {
        let n: usize = self.cuts.iter().map(Vec::len).sum();
        let mut units = Vec::with_capacity(n * 3);
        let mut cuts = Vec::with_capacity(n);
        for (j, cs) in self.cuts.iter().enumerate() {
            for c in cs {
                cuts.push(PackedCut {
                    target: j as u32,
                    end: (units.len() + c.units.len()) as u32,
                    cost: c.cost,
                    alpha: c.alpha,
                    idle: c.idle,
                });
                units.extend_from_slice(&c.units);
            }
        }
        PackedBundle {
            units,
            cuts,
            center: self.center.clone(),
            scalars: (self.center_value, self.t, self.predicted),
            steps: (self.serious, self.null, self.null_streak),
        }
    }

    /// The bundle [`Bundle::pack`] stored (on the problem of `n_t` targets and `n_w` weapons).
    pub fn unpack(p: &PackedBundle, n_t: usize, n_w: usize) -> Self {
        let mut cuts: Vec<Vec<Cut>> = (0..n_t).map(|_| Vec::new()).collect();
        let mut start = 0usize;
        for c in &p.cuts {
            let end = c.end as usize;
            cuts[c.target as usize].push(Cut {
                units: p.units[start..end].to_vec(),
                cost: c.cost,
                alpha: c.alpha,
                idle: c.idle,
            });
            start = end;
        }
        let mut b = Self {
            cuts,
            load: vec![0.0; n_w],
            center: p.center.clone(),
            center_value: p.scalars.0,
            t: p.scalars.1,
            predicted: p.scalars.2,
            ops: 0,
            serious: p.steps.0,
            null: p.steps.1,
            null_streak: p.steps.2,
        };
        b.recompute_load();
        b
    }

    /// The branching pair of the weights' loads (the pattern-LP solution they approximate):
    /// `(weapon, target, x_ij)` maximising `sqrt(dist(x_ij, Z)) V_j p_ij` (first met on ties);
    /// `None` when every load is within `1e-6` of an integer.
    pub fn branching_pair(&self, pb: &Problem) -> Option<(usize, usize, f64)> {
        let mut best: Option<(f64, usize, usize, f64)> = None;
        self.fractional_loads(pb, |score, w, j, xi| {
            if best.is_none_or(|b| score > b.0) {
                best = Some((score, w, j, xi));
            }
        });
        best.map(|b| (b.1, b.2, b.3))
    }

    /// The `k` pairs of largest [`Bundle::branching_pair`] score, best first (ties by pair).
    pub fn branching_candidates(&self, pb: &Problem, k: usize) -> Vec<(usize, usize)> {
        let mut all: Vec<(f64, usize, usize)> = Vec::new();
        self.fractional_loads(pb, |score, w, j, _| all.push((score, w, j)));
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
        all.into_iter().take(k).map(|e| (e.1, e.2)).collect()
    }

    /// Calls `f(score, weapon, target, x_ij)` for every pair whose load `x_ij` under the
    /// weights is fractional (farther than `1e-6` from an integer), target by target.
    fn fractional_loads(&self, pb: &Problem, mut f: impl FnMut(f64, usize, usize, f64)) {
        let mut x: Vec<(u32, f64)> = Vec::new();
        for (j, cuts) in self.cuts.iter().enumerate() {
            x.clear();
            for c in cuts.iter().filter(|c| c.alpha > 0.0) {
                for &(w, n) in &c.units {
                    match x.iter_mut().find(|e| e.0 == w) {
                        Some(e) => e.1 += c.alpha * f64::from(n),
                        None => x.push((w, c.alpha * f64::from(n))),
                    }
                }
            }
            for &(w, xi) in &x {
                if pb.p(w as usize, j) <= 0.0 {
                    // a cut's virtual weapon (see super::cuts), never branched on
                    continue;
                }
                let frac = xi - xi.floor();
                let dist = frac.min(1.0 - frac);
                if dist <= 1e-6 {
                    continue;
                }
                // weighted by the value at stake: most-fractional alone left static 80x80
                // s2 and s4 unproven after 10 s; `sqrt(f) V_j p_ij` proved both in 2.6-2.9 s
                // (`f V_j p_ij` 2.6-3.2 s, `V_j p_ij` alone 1.6-5.6 s)
                f(
                    dist.sqrt() * pb.values[j] * pb.p(w as usize, j),
                    w as usize,
                    j,
                    xi,
                );
            }
        }
    }

    /// Reports the exact evaluation at the last trial point `lam`: adds its cuts and takes a
    /// serious or a null step. Returns whether the centre moved.
    pub fn report(&mut self, pb: &Problem, lam: &[f64], ev: &DualEval) -> bool {
        let predicted_gain = (self.predicted - self.center_value).max(0.0);
        let gain = ev.bound - self.center_value;
        for cuts in &mut self.cuts {
            for c in cuts.iter_mut() {
                c.idle = if c.alpha > 0.0 { 0 } else { c.idle + 1 };
            }
        }
        self.add_cuts(pb, ev);
        let serious = gain > 0.0 && gain >= 0.1 * predicted_gain;
        if serious {
            self.serious += 1;
            self.null_streak = 0;
            self.center.copy_from_slice(lam);
            self.center_value = ev.bound;
            if gain >= 0.5 * predicted_gain {
                self.t *= 2.0;
            }
        } else {
            self.null += 1;
            self.null_streak += 1;
            if predicted_gain > 0.0 && -gain > predicted_gain {
                self.t *= 0.5;
            }
        }
        serious
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wta::dual_lp::cutting_plane;
    use crate::wta::lagrange::{Pricer, evaluate};

    use crate::wta::peer_problem as peer;

    /// On the peer's 40x40 instances the bundle climbs to the exact pattern-LP bound (the
    /// cutting-plane LP's value) and never above it; its model is an upper estimate of `L` at
    /// every trial point, and every trial point is non-negative.
    #[test]
    fn bundle_reaches_the_pattern_lp_bound_from_below() {
        for name in ["wta_envelope_40x40_s1", "wta_envelope_40x40_s3"] {
            let pb = peer(name);
            let mut pricer = Pricer::default();
            let lam0 = vec![0.0; pb.n_w];
            let ev0 = evaluate(&pb, &lam0, &mut pricer, u64::MAX);
            let lp = cutting_plane(
                &pb,
                std::slice::from_ref(&ev0.patterns),
                &lam0,
                ev0.bound,
                1e-9,
                &mut pricer,
                &mut |it| it > 5000,
            )
            .expect("lp");
            assert!(
                lp.lp_value - lp.bound <= 1e-6 * lp.lp_value,
                "{name}: LP not converged"
            );
            let g2: f64 = ev0
                .load
                .iter()
                .zip(&pb.counts)
                .map(|(&l, &c)| (f64::from(l) - f64::from(c)).max(0.0).powi(2))
                .sum();
            let mut b = Bundle::new(&pb, &lam0, &ev0, 0.2 * ev0.bound.abs() / g2.max(1.0));
            let mut best = ev0.bound;
            for _ in 0..150 {
                let lam = b.propose(&pb);
                assert!(lam.iter().all(|&l| l >= 0.0), "{name}: negative multiplier");
                let ev = evaluate(&pb, &lam, &mut pricer, 20_000);
                let model = b.model(&pb, &lam);
                assert!(
                    model >= ev.bound - 1e-9 * ev.bound.abs(),
                    "{name}: model {model} below L {}",
                    ev.bound
                );
                assert!(
                    ev.bound <= lp.lp_value * (1.0 + 1e-9),
                    "{name}: bound above the LP"
                );
                best = best.max(ev.bound);
                b.report(&pb, &lam, &ev);
            }
            let rel = (lp.lp_value - best) / lp.lp_value;
            assert!(
                rel <= 1e-3,
                "{name}: bundle {best} vs LP {} ({:.3} %, {} serious / {} null steps)",
                lp.lp_value,
                100.0 * rel,
                b.serious,
                b.null
            );
            assert!(b.serious > 0);
        }
    }
}
