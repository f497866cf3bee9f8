//! Lagrangian relaxation of the inventory constraints.
//!
//! For multipliers `λ >= 0`, `L(λ) = Σ_j h_j(λ) - Σ_i λ_i c_i` with the per-target problem
//! `h_j(λ) = min_{0 <= x_i <= c_i integer} V_j Π_i (1-p_ij)^{x_i} + Σ_i λ_i x_i`. `L(λ)` is a
//! lower bound on the optimum for every `λ >= 0`, and its maximum equals the bound of the
//! column-generation (pattern) LP of Andersen et al. (2022) and Bertsimas & Paskov (2025).
//!
//! Each `h_j` is solved exactly by depth-first search over the weapons sorted by `λ_i / q_ij`
//! (price per unit of log-kill), pruned by the continuous relaxation of the remaining items,
//! which is solved exactly by filling the cheapest ratios first. The same search enumerates
//! every pattern whose reduced cost is within a gap, which the exact solver needs.

use super::instance::Problem;

/// One weapon usable against the current target.
#[derive(Debug, Clone, Copy)]
struct Item {
    w: u32,
    cap: u32,
    lam: f64,
    q: f64,
    /// `1 - p`.
    keep: f64,
    ratio: f64,
}

/// A pattern of the enumeration: reduced cost, true surviving value, and its units in
/// [`Pricer::units`] (`start..start+len`).
#[derive(Debug, Clone, Copy)]
pub struct Pattern {
    pub rc: f64,
    pub val: f64,
    pub start: u32,
    pub len: u32,
}

/// Scratch space and the results of one pricing call.
#[derive(Debug, Default)]
pub struct Pricer {
    items: Vec<Item>,
    stack: Vec<(u32, u32)>,
    best_units: Vec<(u32, u32)>,
    best: f64,
    /// Search nodes visited since creation (work measure).
    pub nodes: u64,
    /// Enumerated patterns (see [`Pricer::enumerate`]).
    pub patterns: Vec<Pattern>,
    pub units: Vec<(u32, u32)>,
    limit_hit: bool,
    node_cap: u64,
    /// Units left in the current pattern (per-target doctrine limit).
    room: u32,
    /// Optional wall-clock deadline of [`Pricer::enumerate`].
    pub deadline: Option<std::time::Instant>,
}

/// `min_{t_k in [0, q_k cap_k]} A e^{-Σ t} + Σ ratio_k t_k` over `items`, sorted by ratio.
#[inline]
fn ext_bound(mut a: f64, items: &[Item]) -> f64 {
    let mut cost = 0.0;
    for it in items {
        if a <= it.ratio {
            break;
        }
        let qk = it.q * f64::from(it.cap);
        let t = if it.ratio > 0.0 {
            (a / it.ratio).ln().min(qk)
        } else {
            qk
        };
        cost += it.ratio * t;
        a *= (-t).exp();
        if t < qk {
            break;
        }
    }
    cost + a
}

impl Pricer {
    fn load(&mut self, pb: &Problem, j: usize, lam: &[f64], slack: f64) {
        self.items.clear();
        let v = pb.values[j];
        for &w in &pb.cand[j] {
            let i = w as usize;
            let p = pb.p(i, j);
            if lam[i] < v * p + slack {
                let q = pb.q(i, j);
                self.items.push(Item {
                    w,
                    cap: pb.counts[i],
                    lam: lam[i],
                    q,
                    keep: 1.0 - p,
                    ratio: lam[i] / q,
                });
            }
        }
        self.items
            .sort_by(|a, b| a.ratio.total_cmp(&b.ratio).then(a.w.cmp(&b.w)));
    }

    /// Solves `h_j(λ)` exactly and returns it, leaving the minimising pattern in
    /// `best_pattern()`. When the search needs more than `node_cap` nodes it stops and returns
    /// the continuous relaxation bound instead (still a lower bound on `h_j`), with the best
    /// pattern found so far.
    pub fn price(&mut self, pb: &Problem, j: usize, lam: &[f64], node_cap: u64) -> f64 {
        self.load(pb, j, lam, 0.0);
        let v = pb.values[j];
        self.best = v;
        self.best_units.clear();
        self.stack.clear();
        self.node_cap = self.nodes.saturating_add(node_cap);
        self.limit_hit = false;
        self.room = pb.max_shots[j];
        self.min_rec(0, v, 0.0);
        if self.limit_hit {
            ext_bound(v, &self.items).min(self.best)
        } else {
            self.best
        }
    }

    pub fn best_pattern(&self) -> &[(u32, u32)] {
        &self.best_units
    }

    fn min_rec(&mut self, m: usize, a: f64, cost: f64) {
        self.nodes += 1;
        if self.nodes > self.node_cap {
            self.limit_hit = true;
            return;
        }
        let here = cost + a;
        if here < self.best - 1e-15 * self.best.abs() {
            self.best = here;
            self.best_units.clear();
            self.best_units.extend_from_slice(&self.stack);
        }
        for k in m..self.items.len() {
            if cost + ext_bound(a, &self.items[k..]) >= self.best {
                break;
            }
            let it = self.items[k];
            let mut a2 = a;
            let mut c2 = cost;
            for n in 1..=it.cap.min(self.room) {
                a2 *= it.keep;
                c2 += it.lam;
                if c2 + ext_bound(a2, &self.items[k + 1..]) >= self.best {
                    // more units of k only help if the survival term still dominates
                    if c2 >= self.best {
                        break;
                    }
                    continue;
                }
                self.stack.push((it.w, n));
                self.room -= n;
                self.min_rec(k + 1, a2, c2);
                self.room += n;
                self.stack.pop();
                if self.limit_hit {
                    return;
                }
            }
        }
    }

    /// Enumerates into `patterns`/`units` every pattern of target `j` whose reduced cost
    /// `cost_λ(x) - h` is at most `gap`, where `h = h_j(λ)`. Returns false when more than
    /// `max_units` unit entries would be stored (the list is then incomplete).
    pub fn enumerate(
        &mut self,
        pb: &Problem,
        j: usize,
        lam: &[f64],
        h: f64,
        gap: f64,
        max_units: usize,
    ) -> bool {
        self.load(pb, j, lam, gap.max(0.0));
        self.node_cap = u64::MAX;
        self.room = pb.max_shots[j];
        self.patterns.clear();
        self.units.clear();
        self.stack.clear();
        self.limit_hit = false;
        let v = pb.values[j];
        self.enum_rec(0, v, 0.0, h, h + gap, max_units);
        !self.limit_hit
    }

    fn enum_rec(&mut self, m: usize, a: f64, cost: f64, h: f64, thr: f64, max_units: usize) {
        self.nodes += 1;
        if self.limit_hit {
            return;
        }
        if self.nodes.is_multiple_of(1 << 16)
            && self
                .deadline
                .is_some_and(|d| std::time::Instant::now() >= d)
        {
            self.limit_hit = true;
            return;
        }
        let here = cost + a;
        if here <= thr {
            if self.units.len() + self.stack.len() > max_units {
                self.limit_hit = true;
                return;
            }
            self.patterns.push(Pattern {
                rc: (here - h).max(0.0),
                val: a,
                start: self.units.len() as u32,
                len: self.stack.len() as u32,
            });
            self.units.extend_from_slice(&self.stack);
        }
        for k in m..self.items.len() {
            if cost + ext_bound(a, &self.items[k..]) > thr {
                break;
            }
            let it = self.items[k];
            let mut a2 = a;
            let mut c2 = cost;
            for n in 1..=it.cap.min(self.room) {
                a2 *= it.keep;
                c2 += it.lam;
                if c2 > thr {
                    break;
                }
                if c2 + ext_bound(a2, &self.items[k + 1..]) > thr {
                    continue;
                }
                self.stack.push((it.w, n));
                self.room -= n;
                self.enum_rec(k + 1, a2, c2, h, thr, max_units);
                self.room += n;
                self.stack.pop();
                if self.limit_hit {
                    return;
                }
            }
        }
    }
}

/// Result of evaluating `L(λ)`.
#[derive(Debug, Clone)]
pub struct DualEval {
    pub bound: f64,
    pub h: Vec<f64>,
    /// Units each weapon would fire in the relaxed solution.
    pub load: Vec<u32>,
    pub patterns: Vec<Vec<(u32, u32)>>,
}

/// Evaluates the Lagrangian bound and the relaxed solution at `λ` (each target's pricing capped
/// at `node_cap` nodes, see [`Pricer::price`]).
pub fn evaluate(pb: &Problem, lam: &[f64], pricer: &mut Pricer, node_cap: u64) -> DualEval {
    let mut h = vec![0.0; pb.n_t];
    let mut load = vec![0u32; pb.n_w];
    let mut patterns = vec![Vec::new(); pb.n_t];
    let mut bound = -lam
        .iter()
        .zip(&pb.counts)
        .map(|(l, &c)| l * f64::from(c))
        .sum::<f64>();
    for j in 0..pb.n_t {
        h[j] = pricer.price(pb, j, lam, node_cap);
        bound += h[j];
        for &(w, n) in pricer.best_pattern() {
            load[w as usize] += n;
        }
        patterns[j] = pricer.best_pattern().to_vec();
    }
    DualEval {
        bound,
        h,
        load,
        patterns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wta::instance::WtaInstance;

    fn brute_h(pb: &Problem, j: usize, lam: &[f64]) -> f64 {
        // enumerate x_i in 0..=cap for every weapon (tiny instances only)
        let mut best = f64::INFINITY;
        let mut x = vec![0u32; pb.n_w];
        loop {
            let mut v = pb.values[j];
            let mut c = 0.0;
            for i in 0..pb.n_w {
                v *= (1.0 - pb.p(i, j)).powi(x[i] as i32);
                c += lam[i] * f64::from(x[i]);
            }
            best = best.min(v + c);
            let mut k = 0;
            loop {
                if k == pb.n_w {
                    return best;
                }
                if x[k] < pb.counts[k] {
                    x[k] += 1;
                    break;
                }
                x[k] = 0;
                k += 1;
            }
        }
    }

    #[test]
    fn pricing_matches_brute_force() {
        let text = r#"{"weapons":[{"id":0,"count":2},{"id":1,"count":3},{"id":2,"count":1}],
            "targets":[{"id":0,"value":80},{"id":1,"value":30}],
            "p":[[0.7,0.0],[0.4,0.6],[0.9,0.2]]}"#;
        let pb = Problem::new(&WtaInstance::from_json(text).unwrap()).unwrap();
        let mut pr = Pricer::default();
        for lam in [
            vec![0.0, 0.0, 0.0],
            vec![5.0, 3.0, 20.0],
            vec![30.0, 1.0, 0.0],
            vec![100.0, 100.0, 100.0],
        ] {
            for j in 0..2 {
                let h = pr.price(&pb, j, &lam, u64::MAX);
                let b = brute_h(&pb, j, &lam);
                assert!((h - b).abs() < 1e-9, "λ={lam:?} j={j}: {h} vs {b}");
                // enumeration with gap 0 contains the minimiser
                assert!(pr.enumerate(&pb, j, &lam, h, 1e-9, 1000));
                assert!(!pr.patterns.is_empty());
            }
        }
    }
}
