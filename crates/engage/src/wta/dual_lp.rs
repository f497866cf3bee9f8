//! Exact optimisation of the Lagrangian dual by a stabilised cutting-plane method (Kelley's
//! method with in-out smoothing), i.e. column generation on the pattern LP seen from its dual:
//!
//! `max Σ_j u_j - Σ_i c_i λ_i` s.t. `u_j - Σ_i a_i λ_i <= V_j Π_i (1-p_ij)^{a_i}` for every
//! pattern `a` of target `j`, `0 <= u_j <= V_j`, `λ >= 0`.
//!
//! The LP (solved with `microlp`, re-optimised after each batch of cuts) gives an upper
//! estimate of the dual optimum; exact pricing at the separation point gives a valid
//! Lagrangian lower bound and the most violated pattern of each target as the next cuts. It
//! stops when both meet within the tolerance, so the bound reaches the pattern-LP bound of
//! Andersen et al. (2022) and Bertsimas & Paskov (2025) rather than a subgradient's
//! approximation of it.

use super::instance::Problem;
use super::lagrange::{Pricer, evaluate};
use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, Problem as Lp, Variable};
use std::collections::HashSet;

/// Outcome of the cutting-plane loop.
#[derive(Debug, Clone)]
pub struct CuttingPlane {
    /// Best valid Lagrangian bound found and its multipliers.
    pub bound: f64,
    pub lam: Vec<f64>,
    /// Upper estimate of the dual optimum (LP value); `bound <= dual optimum <= lp_value`.
    pub lp_value: f64,
    pub iterations: u64,
    /// Patterns met at the separation points (useful primal material).
    pub last_patterns: Vec<Vec<(u32, u32)>>,
    /// Every pattern the LP held at the end, by target (the branch-and-price seeds its root
    /// model with them).
    pub columns: Vec<(usize, Vec<(u32, u32)>)>,
}

fn cut(u: Variable, lam: &[Variable], pat: &[(u32, u32)]) -> LinearExpr {
    let mut e = LinearExpr::empty();
    e.add(u, 1.0);
    for &(w, n) in pat {
        e.add(lam[w as usize], -f64::from(n));
    }
    e
}

type Built = (microlp::Solution, Vec<Variable>, Vec<Variable>);

/// A cut: target, pattern `(weapon, units)`, pattern cost.
type Cut = (usize, Vec<(u32, u32)>, f64);

/// Builds the dual LP with the given cuts and solves it.
fn build_and_solve(pb: &Problem, cuts: &[Cut]) -> Option<Built> {
    let mut lp = Lp::new(OptimizationDirection::Maximize);
    let lam_vars: Vec<Variable> = (0..pb.n_w)
        .map(|i| {
            let ub = pb.reach[i]
                .iter()
                .map(|&j| pb.values[j as usize] * pb.p(i, j as usize))
                .fold(0.0, f64::max);
            lp.add_var(-f64::from(pb.counts[i]), (0.0, ub))
        })
        .collect();
    let u_vars: Vec<Variable> = (0..pb.n_t)
        .map(|j| lp.add_var(1.0, (0.0, pb.values[j])))
        .collect();
    for (j, pat, cost) in cuts {
        lp.add_constraint(cut(u_vars[*j], &lam_vars, pat), ComparisonOp::Le, *cost);
    }
    let sol = lp.solve().ok()?;
    Some((sol, lam_vars, u_vars))
}

/// Cuts added per round: enough to move the LP, few enough to keep refactorisations cheap.
fn max_cuts_per_round(n_t: usize) -> usize {
    (n_t / 3).clamp(8, 60)
}

fn pattern_cost(pb: &Problem, j: usize, pat: &[(u32, u32)]) -> f64 {
    pb.values[j]
        * pat
            .iter()
            .map(|&(w, n)| (1.0 - pb.p(w as usize, j)).powi(n as i32))
            .product::<f64>()
}

/// Runs the cutting-plane loop from the given initial patterns and multipliers.
/// `stop(iteration)` is polled each round (budget). Returns `None` if the LP engine fails (the
/// caller keeps its subgradient bound).
pub fn cutting_plane(
    pb: &Problem,
    init_patterns: &[Vec<Vec<(u32, u32)>>],
    lam0: &[f64],
    lb0: f64,
    rel_tol: f64,
    pricer: &mut Pricer,
    stop: &mut dyn FnMut(u64) -> bool,
) -> Option<CuttingPlane> {
    let mut cuts: Vec<Cut> = Vec::new();
    let mut seen: HashSet<(usize, Vec<(u32, u32)>)> = HashSet::new();
    let mut push = |cuts: &mut Vec<Cut>, j: usize, pat: &[(u32, u32)]| {
        if !pat.is_empty() && seen.insert((j, pat.to_vec())) {
            cuts.push((j, pat.to_vec(), pattern_cost(pb, j, pat)));
            true
        } else {
            false
        }
    };
    for pats in init_patterns {
        for (j, pat) in pats.iter().enumerate() {
            push(&mut cuts, j, pat);
        }
    }
    let (mut sol, lam_vars, u_vars) = build_and_solve(pb, &cuts)?;
    let mut best = CuttingPlane {
        bound: lb0,
        lam: lam0.to_vec(),
        lp_value: f64::INFINITY,
        iterations: 0,
        last_patterns: Vec::new(),
        columns: Vec::new(),
    };
    let finish = |mut best: CuttingPlane, cuts: &[Cut]| {
        best.columns = cuts.iter().map(|(j, pat, _)| (*j, pat.clone())).collect();
        Some(best)
    };
    let mut alpha = 0.5;
    let max_cuts = max_cuts_per_round(pb.n_t);
    loop {
        best.iterations += 1;
        let lp_lam: Vec<f64> = lam_vars.iter().map(|&v| *sol.var_value(v)).collect();
        let lp_u: Vec<f64> = u_vars.iter().map(|&v| *sol.var_value(v)).collect();
        best.lp_value = best.lp_value.min(sol.objective());
        if best.lp_value - best.bound <= rel_tol * best.lp_value.abs().max(1e-12)
            || stop(best.iterations)
        {
            return finish(best, &cuts);
        }
        let sep: Vec<f64> = lp_lam
            .iter()
            .zip(&best.lam)
            .map(|(l, b)| alpha * b + (1.0 - alpha) * l)
            .collect();
        let ev = evaluate(pb, &sep, pricer, u64::MAX);
        if ev.bound > best.bound {
            best.bound = ev.bound;
            best.lam.clone_from(&sep);
        }
        // add the most violated patterns at the LP point (each addition refactorises the LP,
        // so a batch is capped)
        let mut viol: Vec<(f64, usize, f64)> = Vec::new();
        for (j, pat) in ev.patterns.iter().enumerate() {
            let cost = pattern_cost(pb, j, pat);
            let lhs = lp_u[j]
                - pat
                    .iter()
                    .map(|&(w, n)| f64::from(n) * lp_lam[w as usize])
                    .sum::<f64>();
            if lhs > cost + 1e-10 * (1.0 + cost) {
                viol.push((lhs - cost, j, cost));
            }
        }
        viol.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        viol.truncate(max_cuts);
        let mut added = 0;
        for &(_, j, _) in &viol {
            if push(&mut cuts, j, &ev.patterns[j]) {
                added += 1;
            }
        }
        for (j, pat, cost) in &cuts[cuts.len() - added..] {
            sol = sol
                .add_constraint(cut(u_vars[*j], &lam_vars, pat), ComparisonOp::Le, *cost)
                .ok()?;
        }
        best.last_patterns = ev.patterns;
        if added == 0 {
            if alpha == 0.0 {
                // the LP point is dual-feasible for every pattern: it is optimal
                return finish(best, &cuts);
            }
            alpha = 0.0; // mis-pricing: price at the LP point itself next
        } else if alpha == 0.0 {
            alpha = 0.3;
        }
    }
}
