//! Relax-and-fix dive from an approximate pattern-LP solution (the proximal bundle's weights):
//! every target on which the solution puts at least a given weight on one pattern keeps that
//! pattern, and the others form a **residual problem** (those targets, the weapons that still
//! have units, the inventory the fixed patterns leave). A short nested solve of the residual
//! problem and the fixed patterns join into a plan of the whole problem.
//!
//! On 200x200 envelope s3 after ten bundle evaluations about a quarter of the targets stay
//! free at a weight of 0.7; the joined plan after the local search lands at 125.6-126.4
//! (optimum in [125.375, 125.66]), where the rounded weights give 126.1-127.0.

use super::bundle::TargetWeights;
use super::heuristic::Plan;
use super::instance::Problem;

/// The targets left free by the fixed patterns, as a problem of their own.
pub(super) struct Residual {
    /// The residual problem: free targets only, weapons with units left only.
    pub problem: Problem,
    /// Residual weapon index -> weapon of the whole problem.
    weapons: Vec<u32>,
    /// Residual target index -> target of the whole problem.
    targets: Vec<u32>,
    /// Per target of the whole problem: its fixed pattern (empty when free).
    fixed: Vec<Vec<(u32, u32)>>,
}

impl Residual {
    /// Fixes each target whose heaviest pattern has at least `min_weight`; a fixed pattern
    /// that would over-use a weapon (the weights are only approximately feasible) is freed
    /// again, with every other fixed pattern on that weapon. `None` when nothing is fixed or
    /// nothing is free.
    pub(super) fn from_weights(
        pb: &Problem,
        weights: &[TargetWeights],
        min_weight: f64,
    ) -> Option<Self> {
        let mut fixed: Vec<Option<&[(u32, u32)]>> = weights
            .iter()
            .map(|tw| {
                tw.iter()
                    .filter(|(_, a)| *a >= min_weight)
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(u, _)| u.as_slice())
            })
            .collect();
        let used = |fixed: &[Option<&[(u32, u32)]>]| {
            let mut used = vec![0u32; pb.n_w];
            for &(i, n) in fixed.iter().flatten().flat_map(|u| u.iter()) {
                used[i as usize] += n;
            }
            used
        };
        let over: Vec<bool> = used(&fixed)
            .iter()
            .zip(&pb.counts)
            .map(|(u, c)| u > c)
            .collect();
        for f in &mut fixed {
            if f.is_some_and(|u| u.iter().any(|&(i, _)| over[i as usize])) {
                *f = None;
            }
        }
        let used = used(&fixed);
        let targets: Vec<u32> = (0..pb.n_t as u32)
            .filter(|&j| fixed[j as usize].is_none())
            .collect();
        let weapons: Vec<u32> = (0..pb.n_w as u32)
            .filter(|&i| pb.counts[i as usize] > used[i as usize])
            .collect();
        if targets.is_empty() || targets.len() == pb.n_t || weapons.is_empty() {
            return None;
        }
        let (nw, nt) = (weapons.len(), targets.len());
        let mut p = vec![0.0; nw * nt];
        let mut q = vec![0.0; nw * nt];
        for (a, &i) in weapons.iter().enumerate() {
            for (b, &j) in targets.iter().enumerate() {
                p[a * nt + b] = pb.p(i as usize, j as usize);
                q[a * nt + b] = pb.q[i as usize * pb.n_t + j as usize];
            }
        }
        let counts = weapons
            .iter()
            .map(|&i| pb.counts[i as usize] - used[i as usize])
            .collect();
        let values = targets.iter().map(|&j| pb.values[j as usize]).collect();
        let mut problem = Problem::from_parts(counts, values, p, q);
        problem.max_shots = targets.iter().map(|&j| pb.max_shots[j as usize]).collect();
        Some(Self {
            problem,
            weapons,
            targets,
            fixed: fixed
                .into_iter()
                .map(|f| f.map(<[_]>::to_vec).unwrap_or_default())
                .collect(),
        })
    }

    /// Targets left free.
    pub(super) fn free(&self) -> usize {
        self.targets.len()
    }

    /// The plan of the whole problem: the fixed patterns plus the residual assignment
    /// `(weapon, target, units)` in residual indices.
    pub(super) fn join(&self, pb: &Problem, assignment: &[(usize, usize, u32)]) -> Plan {
        let mut pats = self.fixed.clone();
        for &(a, b, n) in assignment {
            pats[self.targets[b] as usize].push((self.weapons[a], n));
        }
        Plan::from_patterns(pb, &pats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wta::peer_problem as peer;

    /// Fixing half the targets of a real instance: the residual keeps the inventory the fixed
    /// patterns leave, and joining any residual plan gives a feasible plan of the whole
    /// problem with the fixed patterns unchanged.
    #[test]
    fn residual_leaves_the_inventory_of_the_fixed_patterns() {
        let pb = peer("wta_envelope_40x40_s1");
        let g = crate::wta::heuristic::greedy(&pb);
        // the greedy plan as weights: even targets fixed (weight 1), odd ones split
        let weights: Vec<TargetWeights> = g
            .pat
            .iter()
            .enumerate()
            .map(|(j, u)| {
                let w = if j % 2 == 0 { 1.0 } else { 0.5 };
                vec![(u.clone(), w), (Vec::new(), 1.0 - w)]
            })
            .collect();
        let r = Residual::from_weights(&pb, &weights, 0.7).expect("residual");
        assert_eq!(r.free(), pb.n_t / 2);
        for (a, &i) in r.weapons.iter().enumerate() {
            let fixed_use: u32 = (0..pb.n_t)
                .step_by(2)
                .flat_map(|j| g.pat[j].iter())
                .filter(|e| e.0 == i)
                .map(|e| e.1)
                .sum();
            assert_eq!(r.problem.counts[a], pb.counts[i as usize] - fixed_use);
        }
        let sub = crate::wta::solve(&r.problem, &Default::default());
        let plan = r.join(&pb, &sub.assignment);
        for i in 0..pb.n_w {
            assert!(plan.used[i] <= pb.counts[i], "weapon {i} over-used");
        }
        for j in (0..pb.n_t).step_by(2) {
            let mut a = plan.pat[j].clone();
            let mut b = g.pat[j].clone();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "fixed target {j} changed");
        }
        assert!(plan.value(&pb) <= g.value(&pb) + 1e-9);
    }
}
