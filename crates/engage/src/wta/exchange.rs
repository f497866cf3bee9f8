#![allow(clippy::needless_range_loop)] // index loops over parallel per-node arrays
//! Cyclic and path exchanges (ejection chains) for the WTA local search: the very large-scale
//! neighbourhood of Ahuja, Kumar, Jha and Orlin (2007), searched heuristically by
//! label-correcting over an improvement graph.
//!
//! A node is one (weapon, target) entry of the plan. The edge `u → v` (`u = (a, j)`,
//! `v = (b, k)`, `j ≠ k`, `a ≠ b`) stands for "one unit of `a` moves to `k` and one unit of `b`
//! leaves `k`"; its cost is the change of target `k`'s expected surviving value,
//! `V_k s_k ((1 − p_ak) / (1 − p_bk) − 1)`. Along a chain that visits every target at most
//! once these costs add up exactly, so a negative-cost cycle is an improving cyclic exchange
//! (units only move between targets: every inventory is unchanged). A path exchange opens the
//! chain: its first unit leaves without a replacement and its last enters a target without
//! ejecting anyone. Moves (one unit) and swaps (two) are the shortest members of these
//! families; the longer ones reach plans that no sequence of improving moves and swaps does.
//!
//! Labels keep, per level and node, the cheapest chain found ending there (the subset-disjoint
//! heuristic of Ahuja et al.: not every chain is tried). Only chains whose partial cost stays
//! negative are extended, which loses no improving cycle: every negative cycle has a rotation
//! whose partial sums are all negative. Improving exchanges found in one pass are applied best
//! first, each only if its targets are untouched by the ones applied before it in that pass.

use super::heuristic::{Allowance, Plan};
use super::instance::Problem;

/// Longest chain searched (nodes on the path before it closes).
pub const DEPTH: usize = 4;

/// One entry of the plan as the improvement graph sees it.
#[derive(Debug, Clone, Copy)]
struct Node {
    w: u32,
    t: u32,
    /// `V_t s_t / (1 − p_wt)`: `t`'s surviving value without this unit.
    beta: f64,
    /// `p_wt`.
    p: f64,
}

/// A chain's label: cost so far and the node before it (one level lower).
#[derive(Debug, Clone, Copy)]
struct Label {
    cost: f64,
    pred: u32,
}

const NONE: Label = Label {
    cost: f64::INFINITY,
    pred: u32::MAX,
};

/// An improving exchange found by a pass.
#[derive(Debug, Clone, Copy)]
struct Found {
    cost: f64,
    level: usize,
    last: u32,
    /// `None` for a cycle; the target the last unit enters for a path.
    enters: Option<u32>,
}

/// One pass of cyclic and path exchanges over `plan`. Returns whether the plan improved.
/// Spends one evaluation of `allow` per edge examined; returns early (applying what it found)
/// when the allowance runs out.
pub fn exchange_pass(pb: &Problem, plan: &mut Plan, allow: &mut Allowance, tol: f64) -> bool {
    let mut nodes: Vec<Node> = Vec::new();
    let mut at: Vec<(u32, u32)> = Vec::with_capacity(pb.n_t);
    let vs: Vec<f64> = (0..pb.n_t).map(|t| pb.values[t] * plan.surv[t]).collect();
    for t in 0..pb.n_t {
        let start = nodes.len() as u32;
        for &(w, _) in &plan.pat[t] {
            let p = pb.p(w as usize, t);
            nodes.push(Node {
                w,
                t: t as u32,
                beta: vs[t] / (1.0 - p),
                p,
            });
        }
        at.push((start, nodes.len() as u32));
    }
    let open: Vec<bool> = (0..pb.n_t)
        .map(|t| pb.max_shots[t] == u32::MAX || plan.shots(t) < pb.max_shots[t])
        .collect();
    let n = nodes.len();
    let mut levels: Vec<Vec<Label>> = vec![vec![NONE; n]; DEPTH];
    for l in levels[0].iter_mut() {
        l.cost = 0.0;
    }
    let mut found: Vec<Found> = Vec::new();
    let mut on = [0u32; DEPTH];
    'levels: for level in 0..DEPTH {
        for u in 0..n {
            let lab = levels[level][u];
            if !lab.cost.is_finite() {
                continue;
            }
            // the chain's targets, last first; its first node
            let mut s = u as u32;
            on[0] = nodes[u].t;
            for d in 1..=level {
                s = levels[level + 1 - d][s as usize].pred;
                on[d] = nodes[s as usize].t;
            }
            let on = &on[..=level];
            let first = nodes[s as usize];
            let a = nodes[u].w as usize;
            let row = &pb.p[a * pb.n_t..(a + 1) * pb.n_t];
            // close as a cycle: the last unit takes the first one's place
            if level > 0 && first.w as usize != a {
                let pa = row[first.t as usize];
                if pa > 0.0 {
                    let c = lab.cost + first.beta * (1.0 - pa) - vs[first.t as usize];
                    if c < -tol {
                        found.push(Found {
                            cost: c,
                            level,
                            last: u as u32,
                            enters: None,
                        });
                    }
                }
            }
            // close as a path: the first unit leaves, the last enters an open target
            let leave = first.beta * first.p;
            let mut best: Option<(f64, u32)> = None;
            let reach = &pb.reach[a];
            for &k in reach {
                if open[k as usize] && !on.contains(&k) {
                    let g = vs[k as usize] * row[k as usize];
                    if best.is_none_or(|b| g > b.0) {
                        best = Some((g, k));
                    }
                }
            }
            if let Some((g, k)) = best {
                let c = lab.cost + leave - g;
                if c < -tol {
                    found.push(Found {
                        cost: c,
                        level,
                        last: u as u32,
                        enters: Some(k),
                    });
                }
            }
            let mut spent = reach.len() as u64;
            // extend: the last unit moves to k and ejects one of k's units
            if level + 1 < DEPTH {
                for &k in reach {
                    if on.contains(&k) {
                        continue;
                    }
                    let (lo, hi) = at[k as usize];
                    let keep = 1.0 - row[k as usize];
                    let base = lab.cost - vs[k as usize];
                    spent += u64::from(hi - lo);
                    for v in lo..hi {
                        let nv = nodes[v as usize];
                        let c = base + nv.beta * keep;
                        let next = &mut levels[level + 1][v as usize];
                        if c < -tol && c < next.cost && nv.w as usize != a {
                            *next = Label {
                                cost: c,
                                pred: u as u32,
                            };
                        }
                    }
                }
            }
            if allow.spend(spent) {
                break 'levels; // apply what was found so far
            }
        }
    }
    if found.is_empty() {
        return false;
    }
    found.sort_by(|x, y| {
        x.cost
            .total_cmp(&y.cost)
            .then(x.level.cmp(&y.level))
            .then(x.last.cmp(&y.last))
    });
    let mut touched = vec![false; pb.n_t];
    let mut improved = false;
    let mut chain: Vec<u32> = Vec::with_capacity(DEPTH);
    for f in found {
        chain.clear();
        let mut v = f.last;
        chain.push(v);
        for d in (1..=f.level).rev() {
            v = levels[d][v as usize].pred;
            chain.push(v);
        }
        chain.reverse(); // first .. last
        let clash = chain.iter().any(|&v| touched[nodes[v as usize].t as usize])
            || f.enters.is_some_and(|k| touched[k as usize]);
        if clash {
            continue;
        }
        for &v in &chain {
            touched[nodes[v as usize].t as usize] = true;
        }
        if let Some(k) = f.enters {
            touched[k as usize] = true;
        }
        // every unit of the chain leaves its target, then enters the next one's
        for &v in &chain {
            let nv = nodes[v as usize];
            plan.remove(pb, nv.w as usize, nv.t as usize);
        }
        for (x, &v) in chain.iter().enumerate() {
            let dest = match (chain.get(x + 1), f.enters) {
                (Some(&next), _) => nodes[next as usize].t,
                (None, Some(k)) => k,
                (None, None) => nodes[chain[0] as usize].t,
            };
            plan.add(pb, nodes[v as usize].w as usize, dest as usize);
        }
        for &v in &chain {
            plan.recompute_target(pb, nodes[v as usize].t as usize);
        }
        if let Some(k) = f.enters {
            plan.recompute_target(pb, k as usize);
        }
        improved = true;
    }
    improved
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wta::heuristic::{greedy, local_search};

    fn problem(seed: u64, n_w: usize, n_t: usize, envelope: bool) -> Problem {
        // a small deterministic generator (LCG), values 25-100, p 0.6-0.9, counts 1-3
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let counts: Vec<u32> = (0..n_w).map(|_| 1 + (next() * 3.0) as u32).collect();
        let values: Vec<f64> = (0..n_t).map(|_| 25.0 + (next() * 76.0).floor()).collect();
        let mut p = vec![0.0; n_w * n_t];
        for v in p.iter_mut() {
            let r = 0.6 + 0.3 * next();
            *v = if envelope && next() < 0.6 { 0.0 } else { r };
        }
        let q = p.iter().map(|&v: &f64| -(-v).ln_1p()).collect();
        Problem::from_parts(counts, values, p, q)
    }

    #[test]
    fn exchanges_improve_local_optima_exactly_and_keep_inventories() {
        let mut gained = 0;
        for seed in 0..20 {
            for envelope in [false, true] {
                let pb = problem(seed, 40, 40, envelope);
                let mut plan = greedy(&pb);
                let mut allow = Allowance::new(u64::MAX, None);
                local_search(&pb, &mut plan, &mut allow);
                let before = plan.value(&pb);
                let used = plan.used.clone();
                let tol = 1e-12 * (1.0 + pb.total_value());
                let mut allow = Allowance::new(u64::MAX, None);
                if exchange_pass(&pb, &mut plan, &mut allow, tol) {
                    gained += 1;
                    let after = plan.value(&pb);
                    assert!(after < before - tol, "seed {seed}: {before} -> {after}");
                    // survival products kept in step with the units
                    let check = Plan::from_patterns(&pb, &plan.pat);
                    for j in 0..pb.n_t {
                        assert!((check.surv[j] - plan.surv[j]).abs() < 1e-12);
                    }
                }
                assert_eq!(plan.used, used, "units move, inventories stay");
                for (j, pat) in plan.pat.iter().enumerate() {
                    for &(i, n) in pat {
                        assert!(n > 0 && pb.p(i as usize, j) > 0.0);
                    }
                }
            }
        }
        // the neighbourhood reaches past move + swap local optima on most of these
        assert!(gained >= 10, "improved {gained} of 40 local optima");
    }
}
