//! The WTA solver: greedy MMR and local search for a first plan, subgradient ascent on the
//! Lagrangian dual for a lower bound (with a Lagrangian repair heuristic feeding the primal),
//! then an exact phase: every per-target pattern whose reduced cost fits in the remaining gap is
//! enumerated and a depth-first branch-and-bound over targets picks one pattern per target
//! within the inventories. The phase is exact because for any plan `x` and any `λ >= 0`,
//! `f(x) >= L(λ) + Σ_j rc_j(x_j)`, so a plan better than the incumbent only uses patterns with
//! `rc_j <= UB - L(λ)`.
//!
//! Anytime: the solver stops when its [`Budget`] runs out and returns the best plan with the best
//! valid lower bound proven so far. Work units (pricing and search nodes) make budgets
//! deterministic; a wall-clock limit is optional and read only here.

use super::heuristic::{Plan, greedy, local_search, repair};
use super::instance::Problem;
use super::lagrange::{Pattern, Pricer, evaluate};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// How much the solver may spend. Both limits may be combined; `None` means unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// Deterministic work units (search nodes, pricing nodes, local-search evaluations).
    pub work: Option<u64>,
    /// Wall-clock limit (the only clock read in the crate).
    pub time: Option<Duration>,
}

impl Budget {
    pub fn unlimited() -> Self {
        Self::default()
    }
    pub fn work(units: u64) -> Self {
        Self {
            work: Some(units),
            time: None,
        }
    }
    pub fn time(limit: Duration) -> Self {
        Self {
            work: None,
            time: Some(limit),
        }
    }
}

/// Solver options.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SolveOptions {
    pub budget: Budget,
    /// Relative optimality tolerance: the search stops when `UB - LB <= rel_gap * UB`.
    pub rel_gap: f64,
    /// Most unit entries kept by the pattern enumeration before it gives up on proving.
    pub max_pattern_units: usize,
    /// Skip the exact phase (heuristic plan plus Lagrangian bound only).
    pub heuristic_only: bool,
}

impl Default for SolveOptions {
    fn default() -> Self {
        Self {
            budget: Budget::unlimited(),
            rel_gap: 1e-7,
            max_pattern_units: 20_000_000,
            heuristic_only: false,
        }
    }
}

/// Result of a solve.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WtaResult {
    /// Expected surviving value of the plan.
    pub value: f64,
    /// A valid lower bound on the optimum.
    pub lower_bound: f64,
    /// Whether `value - lower_bound <= rel_gap * value`.
    pub proven_optimal: bool,
    /// `(weapon index, target index, units)`.
    pub assignment: Vec<(usize, usize, u32)>,
    /// Greedy MMR value (the plan is never worse).
    pub greedy_value: f64,
    /// Final Lagrange multipliers (marginal value of one more unit of each weapon).
    pub multipliers: Vec<f64>,
    pub stats: SolveStats,
}

/// Counters of a solve.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SolveStats {
    pub dual_iterations: u64,
    pub lagrangian_bound: f64,
    pub patterns: u64,
    pub search_nodes: u64,
    pub work: u64,
    pub budget_exhausted: bool,
}

struct Meter {
    start: Instant,
    budget: Budget,
    work: u64,
}

impl Meter {
    fn out(&self) -> bool {
        self.budget.work.is_some_and(|w| self.work >= w)
            || self.budget.time.is_some_and(|t| self.start.elapsed() >= t)
    }
    /// Whether `frac` of the budget has been spent.
    fn spent(&self, frac: f64) -> bool {
        self.budget
            .work
            .is_some_and(|w| self.work as f64 >= frac * w as f64)
            || self
                .budget
                .time
                .is_some_and(|t| self.start.elapsed().as_secs_f64() >= frac * t.as_secs_f64())
    }
    fn remaining_work(&self) -> u64 {
        self.budget
            .work
            .map_or(u64::MAX, |w| w.saturating_sub(self.work))
    }
}

struct State {
    best: Plan,
    ub: f64,
    lb: f64,
}

impl State {
    fn offer(&mut self, pb: &Problem, plan: Plan) {
        let v = plan.value(pb);
        if v < self.ub {
            self.ub = v;
            self.best = plan;
        }
    }
}

/// Solves a static WTA problem (see the module documentation).
pub fn solve(pb: &Problem, opts: &SolveOptions) -> WtaResult {
    let mut meter = Meter {
        start: Instant::now(),
        budget: opts.budget,
        work: 0,
    };
    let g = greedy(pb);
    let greedy_value = g.value(pb);
    let mut st = State {
        ub: greedy_value,
        best: g.clone(),
        lb: 0.0,
    };
    let mut ls = g;
    let mut w = meter.remaining_work().min(2_000_000_000);
    let w0 = w;
    local_search(pb, &mut ls, &mut w);
    meter.work += w0 - w;
    st.offer(pb, ls);

    let mut pricer = Pricer::default();
    let mut stats = SolveStats::default();
    let lam = dual_ascent(pb, opts, &mut meter, &mut st, &mut pricer, &mut stats);
    stats.lagrangian_bound = st.lb;

    let tol = |ub: f64| opts.rel_gap * ub.abs().max(1e-300);
    let mut proven = st.ub - st.lb <= tol(st.ub);
    if !opts.heuristic_only && !proven && !meter.out() {
        proven = exact(pb, opts, &mut meter, &mut st, &lam, &mut pricer, &mut stats);
    }
    stats.work = meter.work;
    stats.budget_exhausted = meter.out();
    let lb = st.lb.min(st.ub);
    WtaResult {
        value: st.ub,
        lower_bound: lb,
        proven_optimal: proven || st.ub - lb <= tol(st.ub),
        assignment: st.best.triples(),
        greedy_value,
        multipliers: lam,
        stats,
    }
}

/// Warm start: the gain of one more unit of each weapon in the incumbent (0 when it has spare
/// units).
fn initial_multipliers(pb: &Problem, plan: &Plan) -> Vec<f64> {
    (0..pb.n_w)
        .map(|i| {
            if plan.used[i] < pb.counts[i] {
                return 0.0;
            }
            pb.reach[i]
                .iter()
                .map(|&k| {
                    let k = k as usize;
                    pb.values[k] * plan.surv[k] * pb.p(i, k)
                })
                .fold(0.0, f64::max)
        })
        .collect()
}

fn dual_ascent(
    pb: &Problem,
    opts: &SolveOptions,
    meter: &mut Meter,
    st: &mut State,
    pricer: &mut Pricer,
    stats: &mut SolveStats,
) -> Vec<f64> {
    let mut lam = initial_multipliers(pb, &st.best);
    let mut best_lam = lam.clone();
    let mut theta = 1.0;
    let mut since = 0u32;
    let max_iter = 100 + 20 * (pb.n_w + pb.n_t) as u64;
    let mut it = 0u64;
    let tol = |ub: f64| opts.rel_gap * ub.abs().max(1e-300);
    while it < max_iter {
        let n0 = pricer.nodes;
        let ev = evaluate(pb, &lam, pricer);
        meter.work += pricer.nodes - n0 + pb.n_t as u64;
        it += 1;
        if ev.bound > st.lb {
            st.lb = ev.bound;
            best_lam.clone_from(&lam);
            since = 0;
        } else {
            since += 1;
            if since >= 15 {
                theta *= 0.5;
                since = 0;
                lam.clone_from(&best_lam);
            }
        }
        // subgradient, projected on λ >= 0
        let mut g: Vec<f64> = (0..pb.n_w)
            .map(|i| f64::from(ev.load[i]) - f64::from(pb.counts[i]))
            .collect();
        for i in 0..pb.n_w {
            if lam[i] <= 0.0 && g[i] < 0.0 {
                g[i] = 0.0;
            }
        }
        let norm2: f64 = g.iter().map(|x| x * x).sum();
        let feasible = ev.load.iter().zip(&pb.counts).all(|(l, c)| l <= c);
        if feasible || it % 10 == 1 {
            let mut plan = Plan::from_patterns(pb, &ev.patterns);
            repair(pb, &mut plan);
            let mut w = (meter.remaining_work() / 4).min(5_000_000);
            let w0 = w;
            local_search(pb, &mut plan, &mut w);
            meter.work += w0 - w;
            st.offer(pb, plan);
        }
        if norm2 == 0.0 || st.ub - st.lb <= tol(st.ub) || theta < 1e-6 {
            break;
        }
        if meter.spent(if opts.heuristic_only { 0.9 } else { 0.5 }) {
            break;
        }
        let step = theta * (st.ub - ev.bound).max(1e-9 * st.ub) / norm2;
        for i in 0..pb.n_w {
            lam[i] = (lam[i] + step * g[i]).max(0.0);
        }
    }
    stats.dual_iterations = it;
    best_lam
}

struct Search {
    order: Vec<usize>,
    pats: Vec<Vec<Pattern>>,
    units: Vec<Vec<(u32, u32)>>,
    cap: Vec<u32>,
    chosen: Vec<usize>,
    lb0: f64,
    nodes: u64,
    node_limit: u64,
    deadline: Option<(Instant, Duration)>,
    aborted: bool,
    rel_gap: f64,
}

fn exact(
    pb: &Problem,
    opts: &SolveOptions,
    meter: &mut Meter,
    st: &mut State,
    lam: &[f64],
    pricer: &mut Pricer,
    stats: &mut SolveStats,
) -> bool {
    let ev = evaluate(pb, lam, pricer);
    let lb0 = ev.bound;
    let gap = st.ub * (1.0 - opts.rel_gap) - lb0;
    let mut pats = Vec::with_capacity(pb.n_t);
    let mut units = Vec::with_capacity(pb.n_t);
    let mut total = 0usize;
    for j in 0..pb.n_t {
        let n0 = pricer.nodes;
        let ok = pricer.enumerate(
            pb,
            j,
            lam,
            ev.h[j],
            gap,
            opts.max_pattern_units.saturating_sub(total),
        );
        meter.work += pricer.nodes - n0;
        if !ok || meter.out() {
            return false;
        }
        let mut ps = pricer.patterns.clone();
        ps.sort_by(|a, b| a.rc.total_cmp(&b.rc).then(a.start.cmp(&b.start)));
        total += pricer.units.len();
        stats.patterns += ps.len() as u64;
        pats.push(ps);
        units.push(pricer.units.clone());
    }
    let mut order: Vec<usize> = (0..pb.n_t).collect();
    order.sort_by_key(|&j| (pats[j].len(), j));
    let deadline = opts.budget.time.map(|t| (meter.start, t));
    let mut s = Search {
        order,
        pats,
        units,
        cap: pb.counts.clone(),
        chosen: vec![0; pb.n_t],
        lb0,
        nodes: 0,
        node_limit: meter.remaining_work(),
        deadline,
        aborted: false,
        rel_gap: opts.rel_gap,
    };
    let mut best_pick: Option<Vec<usize>> = None;
    let mut ub = st.ub;
    s.dfs(0, 0.0, 0.0, &mut ub, &mut best_pick);
    stats.search_nodes = s.nodes;
    meter.work += s.nodes;
    if let Some(pick) = best_pick {
        let pats_j: Vec<Vec<(u32, u32)>> = (0..pb.n_t)
            .map(|j| {
                let p = s.pats[j][pick[j]];
                s.units[j][p.start as usize..(p.start + p.len) as usize].to_vec()
            })
            .collect();
        st.offer(pb, Plan::from_patterns(pb, &pats_j));
    }
    if !s.aborted {
        // every pruned subtree had bound >= UB_then * (1 - rel_gap) >= UB_final * (1 - rel_gap)
        st.lb = st.lb.max(st.ub * (1.0 - opts.rel_gap)).min(st.ub);
    }
    !s.aborted
}

impl Search {
    fn dfs(
        &mut self,
        depth: usize,
        rc_sum: f64,
        val: f64,
        ub: &mut f64,
        best: &mut Option<Vec<usize>>,
    ) {
        if self.aborted {
            return;
        }
        self.nodes += 1;
        if self.nodes >= self.node_limit
            || (self.nodes.is_multiple_of(4096)
                && self.deadline.is_some_and(|(s, t)| s.elapsed() >= t))
        {
            self.aborted = true;
            return;
        }
        if depth == self.order.len() {
            if val < *ub {
                *ub = val;
                let mut pick = vec![0; self.order.len()];
                for &j in &self.order {
                    pick[j] = self.chosen[j];
                }
                *best = Some(pick);
            }
            return;
        }
        let j = self.order[depth];
        for k in 0..self.pats[j].len() {
            let p = self.pats[j][k];
            if self.lb0 + rc_sum + p.rc >= *ub * (1.0 - self.rel_gap) {
                break;
            }
            let us = &self.units[j][p.start as usize..(p.start + p.len) as usize];
            if us.iter().any(|&(w, n)| self.cap[w as usize] < n) {
                continue;
            }
            for &(w, n) in us {
                self.cap[w as usize] -= n;
            }
            self.chosen[j] = k;
            self.dfs(depth + 1, rc_sum + p.rc, val + p.val, ub, best);
            let us = &self.units[j][p.start as usize..(p.start + p.len) as usize];
            for &(w, n) in us {
                self.cap[w as usize] += n;
            }
            if self.aborted {
                return;
            }
        }
    }
}
