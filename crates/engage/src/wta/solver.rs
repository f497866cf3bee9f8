//! The WTA solver: greedy MMR and local search for a first plan, subgradient ascent on the
//! Lagrangian dual for a lower bound (with a Lagrangian repair heuristic feeding the primal),
//! then an exact phase: every per-target pattern whose reduced cost fits in the remaining gap is
//! enumerated and a depth-first branch-and-bound over targets picks one pattern per target
//! within the inventories. The phase is exact because for any plan `x` and any `λ >= 0`,
//! `f(x) >= L(λ) + Σ_j rc_j(x_j)`, so a plan better than the incumbent only uses patterns with
//! `rc_j <= UB - L(λ)`. Where the enumeration cannot finish, branch-and-price
//! (`wta::branch`) proves the rest, over the root's pool of patterns within the gap with
//! cuts at its root once the gap allows (`wta::pool`, `wta::cuts`).
//!
//! Anytime: the solver stops when its [`Budget`] runs out and returns the best plan with the best
//! valid lower bound proven so far. Work units (pricing and search nodes) make budgets
//! deterministic; a wall-clock limit is optional and read only here.

use super::branch::{NODE_ENUM_WORK, Tree, cut_root};
use super::bundle::{Bundle, TargetWeights, polyak_t};
use super::dive::Residual;
use super::dual_lp::cutting_plane;
use super::heuristic::{Allowance, Plan, greedy, local_search, repair};
use super::instance::Problem;
use super::lagrange::{DualEval, Pattern, Pricer, evaluate};
use super::pool::Pool;
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
    /// Optimise the dual exactly with the cutting-plane LP (instances with at most
    /// [`LP_MAX_SIZE`] weapons plus targets).
    pub use_lp: bool,
}

/// Largest `weapons + targets` for which the cutting-plane LP is used.
pub const LP_MAX_SIZE: usize = 300;

impl Default for SolveOptions {
    fn default() -> Self {
        Self {
            budget: Budget::unlimited(),
            rel_gap: 1e-7,
            max_pattern_units: 20_000_000,
            heuristic_only: false,
            use_lp: true,
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
    /// Serious and null steps of the proximal bundle (zero when the subgradient made the bound).
    #[serde(default)]
    pub bundle_steps: (u32, u32),
    pub lp_iterations: u64,
    pub lp_value: f64,
    pub lagrangian_bound: f64,
    pub patterns: u64,
    pub search_nodes: u64,
    /// Branch-and-price nodes processed.
    #[serde(default)]
    pub bp_nodes: u64,
    /// Patterns in the root's pool when branch-and-price priced over one (see
    /// `wta::pool`), and the cuts its root added (see `wta::cuts`).
    #[serde(default)]
    pub pool_patterns: u64,
    #[serde(default)]
    pub cuts: u64,
    /// Targets the relax-and-fix dive left to its nested solve (0: no dive ran).
    #[serde(default)]
    pub dive_free: u64,
    pub work: u64,
    pub budget_exhausted: bool,
    /// Wall-clock milliseconds at the end of each phase (reporting only: not part of the
    /// deterministic result, never serialised).
    #[serde(skip)]
    pub phase_ms: Vec<(String, f64)>,
}

pub(super) struct Meter {
    start: Instant,
    budget: Budget,
    pub(super) work: u64,
    /// The longest wall time of a dual evaluation metered so far (time budgets only: a work
    /// budget reads no clock). An evaluation cannot stop half-way, so [`Self::out`] keeps
    /// that much in hand.
    eval_max: Duration,
}

impl Meter {
    /// A meter starting now.
    pub(super) fn new(budget: Budget) -> Self {
        Self {
            start: Instant::now(),
            budget,
            work: 0,
            eval_max: Duration::ZERO,
        }
    }

    /// `L(λ)` with each target's pricing capped at [`PRICE_CAP`] nodes, its work counted
    /// (pricing nodes plus one unit per target).
    pub(super) fn evaluate(&mut self, pb: &Problem, lam: &[f64], pricer: &mut Pricer) -> DualEval {
        let n0 = pricer.nodes;
        let t0 = self.budget.time.map(|_| Instant::now());
        let ev = evaluate(pb, lam, pricer, PRICE_CAP);
        if let Some(t0) = t0 {
            self.eval_max = self.eval_max.max(t0.elapsed());
        }
        self.work += pricer.nodes - n0 + pb.n_t as u64;
        ev
    }

    /// A meter for a sub-task that may spend at most `work` more units (same clock).
    pub(super) fn capped(&self, work: u64) -> Self {
        let cap = self.work.saturating_add(work);
        Self {
            start: self.start,
            budget: Budget {
                work: Some(self.budget.work.map_or(cap, |w| w.min(cap))),
                time: self.budget.time,
            },
            work: self.work,
            eval_max: self.eval_max,
        }
    }

    /// The same meter with its time limit one evaluation earlier (see `eval_max`), for a
    /// sub-task whose steps (a node's local search, its evaluations) end only between them.
    pub(super) fn tightened(mut self) -> Self {
        let reserve = self.eval_max;
        self.budget.time = self.budget.time.map(|t| t.saturating_sub(reserve));
        self
    }

    /// A meter for a sub-task that may spend at most `frac` of what is left of the budget
    /// (work and time).
    pub(super) fn share(&self, frac: f64) -> Self {
        let work = self
            .budget
            .work
            .map(|w| self.work + (w.saturating_sub(self.work) as f64 * frac) as u64);
        let time = self.budget.time.map(|t| {
            let spent = self.start.elapsed();
            spent + t.saturating_sub(spent).mul_f64(frac)
        });
        Self {
            start: self.start,
            budget: Budget { work, time },
            work: self.work,
            eval_max: self.eval_max,
        }
    }

    /// The wall-clock deadline, when the budget has one.
    pub(super) fn deadline(&self) -> Option<Instant> {
        self.budget.time.map(|t| self.start + t)
    }

    /// Whether the budget is spent: the work, or the time less one evaluation's (see
    /// `eval_max`). The final exact phase used to start evaluations, node re-optimisations
    /// and node searches it could not finish: 12 of 100 runs of the ten 200x200 at 50 ms
    /// ended 0.5-1.9 ms late; with the mean evaluation kept in hand 9 of 100, with the
    /// longest (and the tree's meter one more evaluation earlier, see `tightened`) 1 of
    /// 100 in each of two sets, by 0.6 and 0.8 ms, the gaps unchanged (mean 0.15 %).
    pub(super) fn out(&self) -> bool {
        self.budget.work.is_some_and(|w| self.work >= w)
            || self
                .budget
                .time
                .is_some_and(|t| self.start.elapsed() + self.eval_max >= t)
    }
    pub(super) fn ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1e3
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
    /// Allowance for a local search that may run until `frac` of the budget is spent.
    pub(super) fn allowance(&self, frac: f64) -> Allowance {
        let work = self.budget.work.map_or(u64::MAX, |w| {
            ((frac * w as f64) as u64).saturating_sub(self.work).max(1)
        });
        let deadline = self.budget.time.map(|t| self.start + t.mul_f64(frac));
        Allowance::new(work, deadline)
    }

    /// The budget of a nested solve that may spend `frac` of what is left (work and time).
    pub(super) fn sub_budget(&self, frac: f64) -> Budget {
        Budget {
            work: self
                .budget
                .work
                .map(|w| (w.saturating_sub(self.work) as f64 * frac) as u64),
            time: self
                .budget
                .time
                .map(|t| t.saturating_sub(self.start.elapsed()).mul_f64(frac)),
        }
    }

    pub(super) fn remaining_work(&self) -> u64 {
        self.budget
            .work
            .map_or(u64::MAX, |w| w.saturating_sub(self.work))
    }
}

pub(super) struct State {
    pub(super) best: Plan,
    pub(super) ub: f64,
    pub(super) lb: f64,
    /// Relaxed per-target patterns of the last subgradient evaluations (first cuts of the LP).
    pool: std::collections::VecDeque<Vec<Vec<(u32, u32)>>>,
    pool_cap: usize,
    /// Best value of a heuristic plan before the large neighbourhoods polished it.
    ub_raw: f64,
    /// Work spent polishing heuristic plans.
    polish_work: u64,
}

impl State {
    /// The state of a branch-and-price node: no plan of its own yet, the global incumbent's
    /// value to beat, the node's bound.
    pub(super) fn for_node(pb: &Problem, ub: f64, lb: f64) -> Self {
        Self {
            best: Plan::empty(pb),
            ub,
            lb,
            pool: std::collections::VecDeque::new(),
            pool_cap: 0,
            ub_raw: ub,
            polish_work: 0,
        }
    }

    pub(super) fn offer(&mut self, pb: &Problem, plan: Plan) {
        let v = plan.value(pb);
        if v < self.ub {
            self.ub = v;
            self.best = plan;
        }
    }

    /// Lagrangian heuristic: the plan of per-target patterns (relaxed, so it may overuse
    /// inventory), repaired, improved by a short local search and offered for polishing.
    fn repair_and_offer(&mut self, pb: &Problem, patterns: &[Vec<(u32, u32)>], meter: &mut Meter) {
        let mut plan = Plan::from_patterns(pb, patterns);
        repair(pb, &mut plan);
        let mut allow = meter.allowance(0.8);
        allow.work = allow.work.min(meter.remaining_work() / 4).min(5_000_000);
        local_search(pb, &mut plan, &mut allow);
        meter.work += allow.used();
        self.polish_and_offer(pb, plan, meter, 0.8);
    }

    /// Relax-and-fix dive (see [`Residual`]): the targets the weights settle keep their
    /// pattern, a nested solve (without a dive of its own) takes the rest under a share of
    /// what is left of the budget, and the joined plan gets the large neighbourhoods.
    /// Returns the number of targets left free (0 when the weights fix none or all).
    fn dive_and_offer(
        &mut self,
        pb: &Problem,
        opts: &SolveOptions,
        weights: &[TargetWeights],
        meter: &mut Meter,
    ) -> u64 {
        let Some(residual) = Residual::from_weights(pb, weights, DIVE_WEIGHT) else {
            return 0;
        };
        let sub = SolveOptions {
            budget: meter.sub_budget(DIVE_SHARE),
            ..*opts
        };
        let r = solve_nested(&residual.problem, &sub, false);
        meter.work += r.stats.work;
        let mut plan = residual.join(pb, &r.assignment);
        let mut allow = meter.allowance(0.9);
        allow.wide = true;
        local_search(pb, &mut plan, &mut allow);
        meter.work += allow.used();
        self.offer(pb, plan);
        residual.free() as u64
    }

    /// Offers a plan from a heuristic; one within [`POLISH_NEAR`] of the incumbent, and within
    /// the current gap, first gets the local search's large neighbourhoods (up to `frac` of the
    /// budget, at most a quarter of the work left), while polishing has used at most
    /// [`POLISH_SHARE`] of the work so far.
    fn polish_and_offer(&mut self, pb: &Problem, mut plan: Plan, meter: &mut Meter, frac: f64) {
        self.ub_raw = self.ub_raw.min(plan.value(pb));
        let near = (self.ub * POLISH_NEAR).min((self.ub - self.lb).max(0.0));
        let affordable = self.polish_work as f64 <= POLISH_SHARE * meter.work as f64;
        if plan.value(pb) < self.ub + near && affordable {
            let mut allow = meter.allowance(frac);
            allow.work = allow.work.min(meter.remaining_work() / 4).min(POLISH_WORK);
            allow.wide = true;
            local_search(pb, &mut plan, &mut allow);
            meter.work += allow.used();
            self.polish_work += allow.used();
        }
        self.offer(pb, plan);
    }
}

/// Solves a static WTA problem (see the module documentation).
pub fn solve(pb: &Problem, opts: &SolveOptions) -> WtaResult {
    solve_nested(pb, opts, true)
}

/// [`solve`], with or without the relax-and-fix dive (off in the dive's own nested solve).
fn solve_nested(pb: &Problem, opts: &SolveOptions, dive: bool) -> WtaResult {
    let mut meter = Meter::new(opts.budget);
    let g = greedy(pb);
    let greedy_value = g.value(pb);
    let mut st = State {
        ub: greedy_value,
        best: g.clone(),
        lb: 0.0,
        pool: std::collections::VecDeque::new(),
        pool_cap: 0,
        ub_raw: greedy_value,
        polish_work: 0,
    };
    let c_ref = reference_price(pb, &g);
    let mut ls = g;
    // the first plan gets the large neighbourhoods for up to a tenth of the budget (a quarter
    // left the dual too little on 200x200 envelope at 50 ms: s3 gap 3.3 % against 2.3 %), a
    // twentieth above LP_MAX_SIZE, where the dive makes the plan of a short budget and this
    // one only seeds the bundle's first step (200x200 envelope s3, 40 runs each: at 50 ms mean
    // gap 0.81 -> 0.53 %, largest 1.19 -> 0.87 %; at 45 ms 22 runs above 1 % -> none; the ten
    // 200x200 at 50 ms, five runs each, 0.18 -> 0.15 %; 400x400 at 1 s, 1000x1000 at 500 ms,
    // 200x200 at 200 ms and Budget::work(2M) within the spread)
    let first_share = if pb.n_w + pb.n_t > LP_MAX_SIZE {
        0.05
    } else {
        0.1
    };
    let mut allow = meter.allowance(first_share);
    allow.wide = true;
    local_search(pb, &mut ls, &mut allow);
    meter.work += allow.used();
    st.offer(pb, ls);

    let mut pricer = Pricer::default();
    let mut stats = SolveStats::default();
    stats.phase_ms.push(("greedy+local".into(), meter.ms()));
    let tol = |ub: f64| opts.rel_gap * ub.abs().max(1e-300);
    // the best uniform price per unit is a strong start (the optimal multipliers of these
    // instances are concentrated), then projected subgradient with Polyak steps
    let (w0, t0) = (meter.work, meter.budget.time.map(|_| meter.ms()));
    let (lam0, n_evals) = uniform_start(pb, c_ref, &mut meter, &mut st, &mut pricer, 0.5);
    // dual evaluations the rest of the budget affords, priced by the uniform start's (work
    // units always; milliseconds only under a time limit, so a work budget reads no clock)
    let evals_left = {
        let per = (n_evals as f64).max(1.0);
        let by_work = opts.budget.work.map_or(f64::INFINITY, |_| {
            meter.remaining_work() as f64 / ((meter.work - w0) as f64 / per).max(1.0)
        });
        let by_time = match (opts.budget.time, t0) {
            (Some(t), Some(t0)) => {
                let now = meter.ms();
                (t.as_secs_f64() * 1e3 - now).max(0.0) / ((now - t0) / per).max(1e-6)
            }
            _ => f64::INFINITY,
        };
        by_work.min(by_time)
    };
    stats.phase_ms.push(("uniform price".into(), meter.ms()));
    let size = (pb.n_w + pb.n_t) as u64;
    // the LP takes roughly 0.5 ms (16k work units) per weapon-or-target: below that budget
    // the subgradient alone gives the better bound
    let affordable = opts.budget.work.is_none_or(|w| w >= 16_000 * size)
        && opts
            .budget
            .time
            .is_none_or(|t| t.as_secs_f64() * 1e3 >= 0.5 * size as f64);
    let use_lp = opts.use_lp && pb.n_w + pb.n_t <= LP_MAX_SIZE && affordable;
    // the proximal bundle (below) when the LP is out of reach and the budget is short
    // (and in a dive's nested solve, whose residual problem is below LP_MAX_SIZE but gets a few
    // milliseconds: on 200x200 envelope s3 at 50 ms its plans were 5-8 % above the residual's
    // optimum with the subgradient, 0.4-1.9 % with the bundle; over the ten 200x200 at 50 ms,
    // four runs each, mean gap 0.20 -> 0.18 %, at 200 ms 0.17 -> 0.13 %, 400x400 at 1 s
    // 0.10 -> 0.08 %)
    let fast = (pb.n_w + pb.n_t > LP_MAX_SIZE || (!dive && !use_lp)) && evals_left < FAST_EVALS;
    let n_sub = if use_lp {
        40
    } else {
        60 + 2 * (pb.n_w + pb.n_t) as u64
    };
    let end = if opts.heuristic_only || !use_lp {
        0.9
    } else {
        0.4
    };
    // the relaxed patterns of the last few subgradient steps make the LP's first cuts: measured
    // (callgrind, whole solve) 3.6G -> 1.1G instructions on static 80x80 s3, 1.4G -> 0.7G on
    // envelope 80x80 s2, 0.72G -> 0.50G on Andersen 100x200 mu=1; 10 or 20 steps overfill the
    // first LP on Andersen (2.8G-4.6G)
    st.pool_cap = if use_lp { LP_POOL } else { 0 };
    let mut lam = if fast {
        // With a short budget above LP_MAX_SIZE the dual gets a few dozen evaluations: the
        // proximal bundle (wta/bundle.rs) keeps every pattern they met and reaches in 10-20
        // evaluations nearly what the subgradient reaches in a second (200x200 envelope at
        // 50 ms: bounds 0.01-0.69 % below the 1 s bounds, against 0.14-1.47 % with the tuned
        // Polyak rule it replaces, which aimed a fifth of the way to the incumbent and halved
        // after 5 steps without progress)
        bundle_ascent(
            pb,
            opts,
            &lam0,
            (n_sub, 3, end, dive),
            &mut meter,
            &mut st,
            &mut pricer,
            &mut stats,
        )
    } else {
        dual_ascent(
            pb,
            opts,
            &lam0,
            (n_sub, 1.0, if use_lp { 10 } else { 5 }, end),
            // Polyak steps aim at the incumbent and halve after 15 iterations without
            // progress: the long steps keep the relaxed plans diverse, which the primal side
            // needs on long runs (a fast rule aiming a fifth of the way took Andersen 200x400
            // mu = 1 from proven in 1.3 s to unproven after 60 s, and below LP_MAX_SIZE slowed
            // the 80x80 proofs: static s1 2.4 s -> 4.9 s)
            (1.0, 15, false),
            &mut meter,
            &mut st,
            &mut pricer,
            &mut stats,
        )
    };
    stats.phase_ms.push(("subgradient".into(), meter.ms()));
    // the LP's columns seed the branch-and-price model
    let mut columns = Vec::new();
    if use_lp && st.ub - st.lb > tol(st.ub) && !meter.spent(0.5) {
        let mut init: Vec<Vec<Vec<(u32, u32)>>> = st.pool.drain(..).collect();
        st.pool_cap = 0;
        init.push(st.best.pat.clone());
        let n0 = pricer.nodes;
        let frac = if opts.heuristic_only { 0.9 } else { 0.6 };
        let mut stop = |it: u64| it > 2000 || meter.spent(frac);
        let cp = cutting_plane(pb, &init, &lam, st.lb, opts.rel_gap, &mut pricer, &mut stop);
        meter.work += pricer.nodes - n0;
        if let Some(cp) = cp {
            columns = cp.columns;
            stats.lp_iterations = cp.iterations;
            stats.lp_value = cp.lp_value;
            if cp.bound > st.lb {
                st.lb = cp.bound;
                lam = cp.lam;
            }
            let mut plan = Plan::from_patterns(pb, &cp.last_patterns);
            repair(pb, &mut plan);
            let mut allow = meter.allowance(0.7);
            local_search(pb, &mut plan, &mut allow);
            meter.work += allow.used();
            st.polish_and_offer(pb, plan, &mut meter, 0.7);
        }
        stats.phase_ms.push(("cutting-plane LP".into(), meter.ms()));
    }
    // Lagrangian heuristic around the best multipliers (primal side). After the LP a short
    // run: the exact phase and the tree find the optima from there. (Before branch-and-price,
    // a second run of 110 steps while the gap exceeded 0.5 % saved envelope 80x80 s3
    // 3.1 s of enumeration; with the tree it only cost time: dropping it took the work of
    // envelope 80x80 s1, s2, s3 to 0.76, 0.57, 0.60 and of static 40x40 s1, s3, s5 to 0.68,
    // 0.52, 0.80, nothing else changed.) With the bundle the dual is done early, and the rest
    // of a short budget goes to the primal: up to six runs from the best multipliers with
    // different first steps, to 0.9 of the budget while the gap is wide (the exact phase
    // rarely finishes a round at a 1 % gap).
    let long = 50 + (pb.n_w + pb.n_t) as u64 / 2;
    let steps: &[u64] = if use_lp {
        &[20]
    } else if fast {
        &[long; 6]
    } else {
        &[long]
    };
    for (k, &n) in steps.iter().enumerate() {
        let wide = st.ub - st.lb > HEURISTIC_GAP * st.ub;
        // the exact phase keeps a quarter of the budget where it can finish (gap below
        // HEURISTIC_GAP, at most 2 LP_MAX_SIZE weapons + targets)
        let exact_next = !wide && pb.n_w + pb.n_t <= 2 * LP_MAX_SIZE;
        let heuristic_end = if fast && !exact_next { 0.9 } else { 0.75 };
        if st.ub - st.lb <= tol(st.ub) || meter.spent(heuristic_end - 0.05) {
            break;
        }
        let end = if opts.heuristic_only {
            0.95
        } else {
            heuristic_end
        };
        dual_ascent(
            pb,
            opts,
            &lam,
            (n, if fast { HEURISTIC_THETAS[k] } else { 0.2 }, 1, end),
            // the heuristic runs aim at the polished incumbent (the dual phase above does not):
            // 80x80 at 10 s, envelope s1 gap 1.15 % -> 0.51 % (plan 70.48 -> 70.01), static s2
            // 0.16 % -> 0.09 %, s4 0.11 % -> 0.011 %, but static s1 no longer proven in 10 s
            // (0.018 %, it was at 9.7 s in the same session); 200x200 at 50 ms and 1 s unchanged
            (1.0, 15, true),
            &mut meter,
            &mut st,
            &mut pricer,
            &mut stats,
        );
        stats
            .phase_ms
            .push(("Lagrangian heuristic".into(), meter.ms()));
    }
    stats.lagrangian_bound = st.lb;

    let mut proven = st.ub - st.lb <= tol(st.ub);
    // the exact phase enumerates every pattern within the gap: hopeless on large instances
    // unless the gap is already tiny (measured: 1000x1000 at a 1 % gap spent seconds in it)
    // (and needs time: its first dual evaluation alone took 20 ms at 1000x1000, where the
    // polished plans now reach a 0.1-0.2 % gap and the phase overran a 500 ms limit by 30 ms)
    let exact_worth =
        pb.n_w + pb.n_t <= 2 * LP_MAX_SIZE || (st.ub - st.lb <= 2e-3 * st.ub && !meter.spent(0.75));
    if !opts.heuristic_only && !proven && exact_worth && !meter.out() {
        if pb.n_w + pb.n_t <= 2 * LP_MAX_SIZE {
            // the enumeration at the root multipliers (it proves most instances whose
            // pattern-LP bound is tight) alternates with branch-and-price (for the rest), under
            // work caps that grow geometrically: either kind of proof costs at most a few
            // times what it would alone (Andersen 100x200 mu = 3 needs the enumeration: 0.3 s,
            // 28 s with a fixed 300k-unit root cap; static 80x80 s2 needs the branching:
            // unproven in 10 s by the enumeration alone; envelope 40x40 s1 and s2 need the
            // enumeration: the tree's bound never leaves the root's).
            let mut cap = ROOT_ENUM_WORK.max(ROOT_ENUM_PER_SIZE * (pb.n_w + pb.n_t) as u64);
            let mut tree_cap = 2 * cap;
            let mut tree: Option<Tree> = None;
            let mut pool_tried = f64::INFINITY;
            let mut first = true;
            loop {
                if meter.out() {
                    break;
                }
                // the pool of patterns within the gap, once the gap is small enough for it
                // (tried again whenever the gap has halved since the last attempt, with at
                // most a quarter of what is left of the budget: at 200x200 under 200 ms a
                // failed attempt took the rest of the budget, where the enumeration's rounds
                // improve the plan); with it, a fresh tree over the pool, its root cut (the
                // old tree's open bounds are in st.lb already)
                let gap = st.ub - st.lb;
                if tree.as_ref().is_none_or(|t| !t.has_pool()) && gap < pool_tried / 2.0 {
                    pool_tried = gap;
                    let mut sub = meter.share(POOL_SHARE);
                    let pool = Pool::enumerate(pb, &lam, st.ub, opts, &mut sub, &mut pricer);
                    meter.work = sub.work;
                    if let Some(mut pool) = pool {
                        stats.pool_patterns = pool.len() as u64;
                        let root_cuts = cut_root(pb, &mut pool, &lam, st.ub, opts, &mut meter);
                        stats.cuts = root_cuts.cuts.len() as u64;
                        // the rounds' bound holds whether or not the tree gets to run
                        st.lb = st.lb.max(root_cuts.bound.min(st.ub));
                        if meter.out() {
                            break;
                        }
                        let (base, lam_t) = (root_cuts.base, root_cuts.lam);
                        tree = Some(Tree::new(
                            pb,
                            &mut meter,
                            &st,
                            &lam_t,
                            &columns,
                            &mut pricer,
                            Some(pool),
                            base,
                        ));
                    }
                }
                let before = (st.lb, st.ub);
                // with the pool, the enumeration's first round waits for the tree's: the tree
                // over the pool with cuts at its root proves most instances in a few dozen
                // nodes (80x80 and generated 80x80, 30 instances at 10 s: 26 -> 28 proven
                // within 0.2 s, the sum of the walls 3.3 -> 2.9 s)
                if !(first && tree.as_ref().is_some_and(Tree::has_pool)) {
                    let mut sub = meter.capped(cap);
                    proven = exact(pb, opts, &mut sub, &mut st, &lam, &mut pricer, &mut stats);
                    meter.work = sub.work;
                    if proven || meter.out() {
                        break;
                    }
                }
                first = false;
                let enum_progress = st.lb > before.0 || st.ub < before.1;
                let enum_rate = (st.lb - before.0) / cap as f64;
                if meter.out() {
                    break;
                }
                let t = tree.get_or_insert_with(|| {
                    Tree::new(pb, &mut meter, &st, &lam, &columns, &mut pricer, None, None)
                });
                let tree_before = t.bound();
                let mut sub = meter.capped(tree_cap).tightened();
                proven = t.run(
                    pb,
                    opts,
                    &mut sub,
                    &mut st,
                    NODE_ENUM_WORK,
                    &mut pricer,
                    &mut stats,
                );
                meter.work = sub.work;
                if proven || meter.out() {
                    break;
                }
                // the cap that grows is the one of the phase that raised the bound faster per
                // work unit (the enumeration restarts, so its rate is over its whole run; the
                // tree keeps its nodes); a phase that stalls keeps its cap. Against doubling the
                // tree's cap every round and the enumeration's after any progress (80x80 at 10 s,
                // one run each): envelope s1 265 -> 219 ms, static s2 1570 -> 1316 ms, s4 966
                // -> 848 ms, envelope 40x40 s1 4.8 -> 1.5 s; doubling the tree's cap only after
                // its bound rose lost static 80x80 s4 (unproven in 10 s: its bound waits a few
                // rounds, then jumps)
                let tree_rate = (t.bound().min(st.ub) - tree_before) / tree_cap as f64;
                if tree_rate >= enum_rate || !enum_progress {
                    tree_cap = tree_cap.saturating_mul(2);
                }
                if enum_progress && enum_rate >= tree_rate {
                    cap = cap.saturating_mul(2);
                }
            }
            stats
                .phase_ms
                .push(("exact and branch-and-price".into(), meter.ms()));
        } else {
            proven = exact(pb, opts, &mut meter, &mut st, &lam, &mut pricer, &mut stats);
            stats.phase_ms.push(("exact".into(), meter.ms()));
        }
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

/// Work units of the root enumeration before branch-and-price takes over (about 70 ms at
/// 80x80; measured on the 80x80 set at 10 s, 1M / 300k / 100k: the four proofs that need
/// branching 8.0 / 8.1 / 8.1 s in all, the six that do not 0.44 / 0.49 / 0.48 s).
const ROOT_ENUM_WORK: u64 = 300_000;

/// ... and at least this much per weapon or target, so that larger instances get a first
/// round in proportion (Andersen 100x200 mu = 3: 0.9 -> 0.43 s; the mu = 1 instances and the
/// 80x80 set unchanged).
const ROOT_ENUM_PER_SIZE: u64 = 2_000;

/// First step factors of the successive Lagrangian-heuristic runs.
const HEURISTIC_THETAS: [f64; 6] = [0.2, 0.5, 0.1, 1.0, 0.3, 0.05];

/// Dual evaluations left below which large instances use the proximal bundle. Measured with
/// 400, 1000 and 2000 on 200x200: 1000 and 2000 took `Budget::work(2_000_000)` envelope gaps
/// from 2.3-5.6 % to 0.9-3.3 % and 200 ms envelope gaps from 0.34-2.48 % to 0.24-1.13 %; at
/// 1 s (past 1000) the subgradient keeps its proofs of static s2 and s3, which 2000 lost.
const FAST_EVALS: f64 = 1000.0;

/// Heuristic plans within this fraction above the incumbent (and within the gap) get the large
/// neighbourhoods. Measured at 200x200, 50 ms: new incumbents only, static gaps 0.45-0.67 %;
/// within 1 %, 0.26-0.49 %. Within the gap as well: Andersen 200x400 / 250x500 / 300x600
/// mu = 1 proven in 0.78 / 1.06 / 1.85 s against 2.5 / 3.4 s / - without (polishing nearly
/// every plan where the gap is 0.03 %); half the gap was faster there (0.65 / 0.76 / 1.21 s)
/// but left static 200x200 at 0.24-0.52 % instead of 0.10-0.43 %.
const POLISH_NEAR: f64 = 0.01;

/// Most of the work polishing may take. Measured (time limits, proofs of Andersen mu = 1
/// 100x200 ... 300x600): without a cap 47 / 276 / 741 / 994 / 1747 ms, a third 37 / 242 / 515 /
/// 658 / 1195 ms (the code before the large neighbourhoods: 26 / 183 / 866 / 405 / 1537 ms);
/// 200x200 at 50 ms unchanged.
const POLISH_SHARE: f64 = 1.0 / 3.0;

/// Work cap of one polish (about 100 assignment rounds at 300x600).
const POLISH_WORK: u64 = 50_000_000;

/// Relative gap below which the exact phase is expected to finish, so the heuristic runs of a
/// short budget leave it a quarter of the time.
const HEURISTIC_GAP: f64 = 5e-3;

/// Share of the remaining budget a pool enumeration may take (see the alternation in
/// [`solve`]).
const POOL_SHARE: f64 = 0.25;

/// Subgradient steps whose relaxed patterns seed the cutting-plane LP.
const LP_POOL: usize = 5;

/// Node cap of one target's pricing inside the dual phases (an exceeded cap only weakens that
/// evaluation's bound, see [`Pricer::price`]).
pub(super) const PRICE_CAP: u64 = 20_000;

/// A subgradient phase stops when its bound gained less than `STALL` of the remaining gap in
/// the last `STALL_WINDOW` iterations.
const STALL: f64 = 0.002;
const STALL_WINDOW: u64 = 25;

/// A scale for the price of one unit: the mean gain of one more unit of each weapon in the
/// greedy plan.
fn reference_price(pb: &Problem, plan: &Plan) -> f64 {
    let lam = initial_multipliers(pb, plan);
    let (s, n) = lam
        .iter()
        .filter(|&&l| l > 0.0)
        .fold((0.0, 0u32), |(s, n), &l| (s + l, n + 1));
    if n == 0 { 1.0 } else { s / f64::from(n) }
}

/// Golden-section search for the uniform multiplier `λ_i = c` maximising the concave
/// `c ↦ L(c·1)` on `[0, 2 c_ref]` (the best uniform price measured 0.4-1.0 `c_ref`); returns the best uniform vector met.
fn uniform_start(
    pb: &Problem,
    c_ref: f64,
    meter: &mut Meter,
    st: &mut State,
    pricer: &mut Pricer,
    end_frac: f64,
) -> (Vec<f64>, u32) {
    const PHI: f64 = 0.618_033_988_749_894_9;
    let mut eval = |c: f64, meter: &mut Meter| {
        let ev = meter.evaluate(pb, &vec![c; pb.n_w], pricer);
        st.lb = st.lb.max(ev.bound);
        ev.bound
    };
    let (mut lo, mut hi) = (0.0, 2.0 * c_ref);
    let mut x1 = hi - PHI * (hi - lo);
    let mut x2 = lo + PHI * (hi - lo);
    let mut f1 = eval(x1, meter);
    let mut f2 = eval(x2, meter);
    let mut evals = 2;
    for _ in 0..6 {
        if meter.spent(end_frac) {
            break;
        }
        evals += 1;
        if f1 < f2 {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + PHI * (hi - lo);
            f2 = eval(x2, meter);
        } else {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - PHI * (hi - lo);
            f1 = eval(x1, meter);
        }
    }
    (vec![if f1 >= f2 { x1 } else { x2 }; pb.n_w], evals)
}

/// Warm start from the greedy plan: about the gain of one more unit of each weapon (0 when it
/// has spare units).
fn initial_multipliers(pb: &Problem, plan: &Plan) -> Vec<f64> {
    let mut remove = vec![f64::INFINITY; pb.n_w];
    for (j, pat) in plan.pat.iter().enumerate() {
        for &(i, _) in pat {
            let (i, p) = (i as usize, pb.p(i as usize, j));
            remove[i] = remove[i].min(pb.values[j] * plan.surv[j] * p / (1.0 - p));
        }
    }
    (0..pb.n_w)
        .map(|i| {
            if plan.used[i] < pb.counts[i] {
                return 0.0;
            }
            let add = pb.reach[i]
                .iter()
                .map(|&k| {
                    let k = k as usize;
                    pb.values[k] * plan.surv[k] * pb.p(i, k)
                })
                .fold(0.0, f64::max);
            // the gain of one more unit: the low end of where the LP multiplier lies (between
            // that and the loss of one unit less); higher starts overshoot badly on large
            // instances
            if remove[i].is_finite() {
                (2.0 * add).min(remove[i].max(add))
            } else {
                add
            }
        })
        .collect()
}

/// Subgradient phase: `max_iter` iterations from `start` (or the incumbent's marginal values),
/// a Lagrangian repair heuristic every `primal_every` iterations, stopping at `end_frac` of the
/// budget. Polyak steps aim `target_frac` of the way from the bound to the best unpolished
/// heuristic value, or to the incumbent with `aim_polished`; the step halves after `patience`
/// iterations without progress. Returns the best multipliers met.
#[allow(clippy::too_many_arguments)]
fn dual_ascent(
    pb: &Problem,
    opts: &SolveOptions,
    start: &[f64],
    (max_iter, theta0, primal_every, end_frac): (u64, f64, u64, f64),
    (target_frac, patience, aim_polished): (f64, u32, bool),
    meter: &mut Meter,
    st: &mut State,
    pricer: &mut Pricer,
    stats: &mut SolveStats,
) -> Vec<f64> {
    let mut lam = start.to_vec();
    let mut best_lam = lam.clone();
    let mut best_here = f64::NEG_INFINITY;
    let mut theta = theta0;
    let mut since = 0u32;
    let mut it = 0u64;
    let tol = |ub: f64| opts.rel_gap * ub.abs().max(1e-300);
    let mut mark = f64::NEG_INFINITY;
    let mut ub_mark = f64::INFINITY;
    while it < max_iter {
        let ev = meter.evaluate(pb, &lam, pricer);
        it += 1;
        if st.pool_cap > 0 {
            if st.pool.len() == st.pool_cap {
                st.pool.pop_front();
            }
            st.pool.push_back(ev.patterns.clone());
        }
        st.lb = st.lb.max(ev.bound);
        if ev.bound > best_here {
            best_here = ev.bound;
            best_lam.clone_from(&lam);
            since = 0;
        } else {
            since += 1;
            if since >= patience {
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
        if feasible || it.is_multiple_of(primal_every) {
            st.repair_and_offer(pb, &ev.patterns, meter);
        }
        if norm2 == 0.0 || st.ub - st.lb <= tol(st.ub) || theta < 1e-6 {
            break;
        }
        // stalled: less than STALL of the gap gained in the last STALL_WINDOW iterations (on
        // the bound, or on the plan when this phase is the primal heuristic)
        if it.is_multiple_of(STALL_WINDOW) {
            let (now, gained) = if primal_every == 1 {
                (st.ub, ub_mark - st.ub)
            } else {
                (best_here, best_here - mark)
            };
            if gained < STALL * (st.ub - best_here).max(0.0) && it >= 2 * STALL_WINDOW {
                break;
            }
            mark = best_here;
            ub_mark = now.max(st.ub);
        }
        if meter.spent(end_frac) {
            break;
        }
        // the dual phase aims at the unpolished heuristic values: the step rules were tuned to
        // them, and aiming at the polished incumbent shortened the steps (Andersen 200x400
        // mu = 1: bound 4969.21 instead of 4969.77, not proven in 60 s instead of 0.8 s); the
        // Lagrangian-heuristic runs aim at the polished incumbent (`aim_polished`)
        let aim = if aim_polished {
            st.ub
        } else {
            st.ub_raw.max(st.ub)
        };
        let target = st.lb + target_frac * (aim - st.lb);
        let step = theta * (target - ev.bound).max(1e-9 * st.ub) / norm2;
        for i in 0..pb.n_w {
            lam[i] = (lam[i] + step * g[i]).max(0.0);
        }
    }
    stats.dual_iterations += it;
    best_lam
}

/// Proximal bundle phase (see [`Bundle`]): up to `max_iter` exact evaluations from `start`,
/// a Lagrangian heuristic on the bundle's rounded pattern-LP solution every `primal_every`
/// evaluations, until `end_frac` of the budget or until the model predicts a gain below
/// [`BUNDLE_FLAT`] of the gap twice in a row (the rest of the budget then goes to the primal
/// side). Returns the best multipliers met.
#[allow(clippy::too_many_arguments)]
fn bundle_ascent(
    pb: &Problem,
    opts: &SolveOptions,
    start: &[f64],
    (max_iter, primal_every, end_frac, dive): (u64, u64, f64, bool),
    meter: &mut Meter,
    st: &mut State,
    pricer: &mut Pricer,
    stats: &mut SolveStats,
) -> Vec<f64> {
    let tol = |ub: f64| opts.rel_gap * ub.abs().max(1e-300);
    let eval = |lam: &[f64], meter: &mut Meter, st: &mut State, pricer: &mut Pricer| {
        let ev = meter.evaluate(pb, lam, pricer);
        st.lb = st.lb.max(ev.bound);
        ev
    };
    let ev0 = eval(start, meter, st, pricer);
    // the first step is a Polyak step aimed at the incumbent (a fifth of the way measured
    // about the same: 200x200 envelope at 50 ms, mean gap over three runs 0.93 % against
    // 0.87 %; the proximal parameter doubles after each good step anyway)
    let t0 = polyak_t(pb, start, &ev0, st.ub);
    let mut bundle = Bundle::new(pb, start, &ev0, t0);
    let mut best_lam = start.to_vec();
    let mut best = ev0.bound;
    let mut it = 1u64;
    let mut ops = 0;
    let mut flat = 0;
    let mut dived = !dive;
    let mut center_load = ev0.load.clone();
    while it < max_iter {
        if it == LEVEL_SEARCH_AT {
            it += level_search(pb, &mut bundle, &mut center_load, meter, st, pricer);
            if bundle.center_value() > best {
                best = bundle.center_value();
                best_lam = bundle.center().to_vec();
            }
        }
        let lam = bundle.propose(pb);
        meter.work += (bundle.ops - ops) / 8;
        ops = bundle.ops;
        if bundle.predicted() - bundle.center_value()
            < BUNDLE_FLAT * (st.ub - bundle.center_value())
        {
            flat += 1;
            if flat >= 2 {
                break;
            }
        } else {
            flat = 0;
        }
        let ev = eval(&lam, meter, st, pricer);
        it += 1;
        if ev.bound > best {
            best = ev.bound;
            best_lam.clone_from(&lam);
        }
        if bundle.report(pb, &lam, &ev) {
            center_load.clone_from(&ev.load);
        }
        let feasible = ev.load.iter().zip(&pb.counts).all(|(l, c)| l <= c);
        // no primal work before the dive (the polish the rounded weights got every third
        // evaluation took the time the dive needs), unless the budget is too short for it
        let late = meter.spent(DIVE_BY);
        if !dived && (it >= DIVE_AT || (it >= DIVE_MIN && late)) {
            dived = true;
            stats.dive_free = st.dive_and_offer(pb, opts, &bundle.weights(), meter);
        } else if (dived || late) && (feasible || it.is_multiple_of(primal_every)) {
            // the rounded weights gave better plans than the relaxed plan at the trial point
            // on the five envelope 200x200 instances at 50 ms (one run, on a loaded machine:
            // gaps 0.47-2.03 % against 0.55-2.84 %)
            st.repair_and_offer(pb, &bundle.rounded_patterns(), meter);
        }
        if st.ub - st.lb <= tol(st.ub) || meter.spent(end_frac) {
            break;
        }
    }
    // the model went flat (or the evaluations ran out) before the dive's turn
    if !dived && st.ub - st.lb > tol(st.ub) && !meter.spent(end_frac) {
        stats.dive_free = st.dive_and_offer(pb, opts, &bundle.weights(), meter);
    }
    stats.dual_iterations += it;
    stats.bundle_steps = (bundle.serious, bundle.null);
    best_lam
}

/// The bundle phase ends when the model predicts less than this fraction of the gap.
const BUNDLE_FLAT: f64 = 0.02;

/// Evaluations into the bundle phase at which [`level_search`] runs once. The proximal term
/// holds the mean price near the start, and the uniform start sits below the optimal
/// multipliers' mean where prices spread (200x200 envelope s3: best uniform 0.898, mean of
/// the 1 s multipliers 1.008; ten bundle evaluations took the mean only to 0.94). Measured at
/// 200x200, 50 ms, three runs of each of the ten instances: mean gap 0.39 % without the
/// search, 0.24 / 0.21 / 0.21 % at the third / fourth / fifth evaluation (largest 1.58 ->
/// 0.88 / 0.68 / 0.83 %, envelope s3); a second search at the ninth or twelfth: no better.
const LEVEL_SEARCH_AT: u64 = 4;

/// First trial step of [`level_search`], relative to the centre.
const LEVEL_TRIAL: f64 = 0.1;

/// Evaluations into the bundle phase after which the relax-and-fix dive makes the plan (or
/// at [`DIVE_BY`] of the budget, whichever comes first). Measured at 200x200, 50 ms (three
/// runs each of the ten instances, mean gap): after 8 / 10 / 12 evaluations 0.34 / 0.21 /
/// 0.19 %, largest 0.85 / 0.65 / 0.74 %.
const DIVE_AT: u64 = 10;

/// ... at the latest when this fraction of the budget is spent: a 1000x1000 evaluation costs
/// 25 ms, and at 500 ms the tenth came at 0.8 of the budget, too late for the dive's nested
/// solve and search (static s3, s5: 608.30 / 613.28 against 607.24 / 612.00 at 0.6).
const DIVE_BY: f64 = 0.6;

/// Fewest evaluations (the level search included) before the dive at [`DIVE_BY`]: with
/// fewer, the weights settle too few targets (`Budget::work(300_000)` on static 400x400 s1
/// ended the uniform start at 0.6 of the budget, and a dive after one evaluation left 303 of
/// the 400 targets free); the rounded weights then make the plans as before.
const DIVE_MIN: u64 = 6;

/// Weight at which the dive fixes a target's heaviest pattern. Measured at 200x200, 50 ms
/// (three runs each, mean gap): 0.6 / 0.7 / 0.8 gave 0.23 / 0.22 / 0.23 %; 0.7 frees about a
/// quarter of the targets.
const DIVE_WEIGHT: f64 = 0.7;

/// Share of the remaining budget the dive's nested solve may spend (the rest goes to the
/// search on the joined plan): 0.15 / 0.25 / 0.4 gave mean gaps 0.25 / 0.21 / 0.23 %.
const DIVE_SHARE: f64 = 0.25;

/// Scales the bundle's centre by the maximiser of `s ↦ L(s λ̂)` found with two evaluations:
/// a trial step of [`LEVEL_TRIAL`] in the direction of the directional derivative
/// `λ̂ · (load - count)` at the centre, then the secant root of the two derivatives (or a
/// second step as long when the sign did not change). The better of the two points becomes
/// the centre if it beats it; both evaluations' patterns join the model. Returns the
/// evaluations spent.
fn level_search(
    pb: &Problem,
    bundle: &mut Bundle,
    center_load: &mut Vec<u32>,
    meter: &mut Meter,
    st: &mut State,
    pricer: &mut Pricer,
) -> u64 {
    let center = bundle.center().to_vec();
    let slope = |load: &[u32]| -> f64 {
        center
            .iter()
            .zip(load)
            .zip(&pb.counts)
            .map(|((l, &a), &m)| l * (f64::from(a) - f64::from(m)))
            .sum()
    };
    let scaled = |s: f64| -> Vec<f64> { center.iter().map(|l| l * s).collect() };
    let d0 = slope(center_load);
    if d0 == 0.0 {
        return 0;
    }
    let s1 = 1.0 + LEVEL_TRIAL * d0.signum();
    let ev1 = meter.evaluate(pb, &scaled(s1), pricer);
    let d1 = slope(&ev1.load);
    let s2 = if d1.signum() != d0.signum() {
        1.0 + (s1 - 1.0) * d0 / (d0 - d1)
    } else {
        1.0 + 2.0 * (s1 - 1.0)
    };
    let ev2 = meter.evaluate(pb, &scaled(s2), pricer);
    st.lb = st.lb.max(ev1.bound).max(ev2.bound);
    bundle.add_cuts(pb, &ev1);
    bundle.add_cuts(pb, &ev2);
    let (s, ev) = if ev2.bound >= ev1.bound {
        (s2, ev2)
    } else {
        (s1, ev1)
    };
    if ev.bound > bundle.center_value() {
        bundle.recentre(pb, &scaled(s), &ev);
        center_load.clone_from(&ev.load);
    }
    2
}

struct Search {
    pats: Vec<Vec<Pattern>>,
    units: Vec<Vec<(u32, u32)>>,
    cap: Vec<u32>,
    chosen: Vec<usize>,
    done: Vec<bool>,
    lb0: f64,
    nodes: u64,
    /// Work: one unit per node plus one per pattern check (the scan dominates a node). With one
    /// per 8 checks a unit took about 0.25 µs here against 0.03 µs for a unit of the tree as a
    /// whole (80x80), so the alternation, which shares work caps in units, gave the enumeration
    /// most of the time; now about 0.06 µs. The units are not time-consistent yet (the tree's
    /// pricing: 0.3 µs, its node plans: 0.03 µs): measured with this stop's other changes,
    /// one per 8 checks again took the four 80x80 tree proofs 1.4-2.2 times as long and
    /// envelope 40x40 s1 and s2, which need the enumeration, half as long.
    work: u64,
    node_limit: u64,
    deadline: Option<(Instant, Duration)>,
    aborted: bool,
    rel_gap: f64,
}

/// Exact phase with an increasing threshold: round `k` searches only for plans of value below
/// `θ_k = min(UB, L(λ) + δ_k)`. A complete round that finds nothing proves `opt >= θ_k` (a
/// valid, improving lower bound); a complete round that finds a plan proves it optimal. `δ`
/// grows by 1.3 each round, so early rounds enumerate few patterns.
pub(super) fn exact(
    pb: &Problem,
    opts: &SolveOptions,
    meter: &mut Meter,
    st: &mut State,
    lam: &[f64],
    pricer: &mut Pricer,
    stats: &mut SolveStats,
) -> bool {
    pricer.deadline = opts.budget.time.map(|t| meter.start + t);
    // no evaluation that cannot finish in time (the pool's attempt may have just spent it)
    if meter.out() {
        return false;
    }
    // a capped pricing only lowers h_j, which keeps every reduced-cost argument valid
    let ev = meter.evaluate(pb, lam, pricer);
    let lb0 = ev.bound;
    // a round's cost grows steeply with its threshold, so overshooting the optimum is what
    // hurts: start at gap/64 and grow by 1.3 (measured against gap/16 and doubling: envelope
    // 40x40 s2 > 15 s -> 0.2 s, static 80x80 s1 > 10 s -> 2.4 s, Andersen 100x200 mu=3
    // 5.3 s -> 0.5 s)
    let mut delta = ((st.ub - st.lb.max(lb0)) / 64.0).max(st.lb.max(lb0) - lb0 + 1e-4 * st.ub);
    loop {
        let full = lb0 + delta >= st.ub;
        let thr = if full { st.ub } else { lb0 + delta };
        match exact_round(pb, opts, meter, st, lam, &ev.h, lb0, thr, pricer, stats) {
            None => return false,
            Some(true) => {
                // a plan below thr was found and the round completed: it is optimal
                st.lb = st.lb.max(st.ub * (1.0 - opts.rel_gap)).min(st.ub);
                return true;
            }
            Some(false) => {
                st.lb = st.lb.max(thr * (1.0 - opts.rel_gap)).min(st.ub);
                if full || st.ub - st.lb <= opts.rel_gap * st.ub {
                    return true;
                }
            }
        }
        delta *= 1.3;
    }
}

/// One round below `thr`: `None` when the budget ran out, else whether a plan below `thr` was
/// found (the round then proves it optimal).
#[allow(clippy::too_many_arguments)]
fn exact_round(
    pb: &Problem,
    opts: &SolveOptions,
    meter: &mut Meter,
    st: &mut State,
    lam: &[f64],
    h: &[f64],
    lb0: f64,
    thr: f64,
    pricer: &mut Pricer,
    stats: &mut SolveStats,
) -> Option<bool> {
    let gap = thr * (1.0 - opts.rel_gap) - lb0;
    let mut pats = Vec::with_capacity(pb.n_t);
    let mut units = Vec::with_capacity(pb.n_t);
    let mut total = 0usize;
    for (j, &hj) in h.iter().enumerate() {
        let n0 = pricer.nodes;
        let ok = pricer.enumerate(
            pb,
            j,
            lam,
            hj,
            gap,
            (
                opts.max_pattern_units.saturating_sub(total),
                meter.remaining_work(),
            ),
        );
        meter.work += pricer.nodes - n0;
        if !ok || meter.out() {
            return None;
        }
        let mut ps = pricer.patterns.clone();
        ps.sort_by(|a, b| a.rc.total_cmp(&b.rc).then(a.start.cmp(&b.start)));
        total += pricer.units.len();
        stats.patterns += ps.len() as u64;
        pats.push(ps);
        units.push(pricer.units.clone());
    }
    search_patterns(pb, opts, meter, st, pats, units, lb0, thr, stats)
}

/// The depth-first search of a round over per-target patterns (`pats[j]` sorted by reduced
/// cost, their units in `units[j]`) for a plan below `thr`: `None` when the budget ran out,
/// else whether one was found (it is then offered to `st`).
#[allow(clippy::too_many_arguments)]
pub(super) fn search_patterns(
    pb: &Problem,
    opts: &SolveOptions,
    meter: &mut Meter,
    st: &mut State,
    pats: Vec<Vec<Pattern>>,
    units: Vec<Vec<(u32, u32)>>,
    lb0: f64,
    thr: f64,
    stats: &mut SolveStats,
) -> Option<bool> {
    let deadline = opts.budget.time.map(|t| (meter.start, t));
    let mut s = Search {
        pats,
        units,
        cap: pb.counts.clone(),
        chosen: vec![0; pb.n_t],
        done: vec![false; pb.n_t],
        lb0,
        nodes: 0,
        work: 0,
        node_limit: meter.remaining_work(),
        deadline,
        aborted: false,
        rel_gap: opts.rel_gap,
    };
    let mut best_pick: Option<Vec<usize>> = None;
    let mut ub = thr;
    s.dfs(pb.n_t, 0.0, 0.0, &mut ub, &mut best_pick);
    stats.search_nodes += s.nodes;
    meter.work += s.work;
    let found = best_pick.is_some();
    if let Some(pick) = best_pick {
        let pats_j: Vec<Vec<(u32, u32)>> = (0..pb.n_t)
            .map(|j| {
                let p = s.pats[j][pick[j]];
                s.units[j][p.start as usize..(p.start + p.len) as usize].to_vec()
            })
            .collect();
        st.offer(pb, Plan::from_patterns(pb, &pats_j));
    }
    if s.aborted { None } else { Some(found) }
}

impl Search {
    fn fits(&self, j: usize, p: &Pattern) -> bool {
        self.units[j][p.start as usize..(p.start + p.len) as usize]
            .iter()
            .all(|&(w, n)| self.cap[w as usize] >= n)
    }

    /// Depth-first search over targets, `left` of them unassigned. The bound of a node is
    /// `L(λ) + Σ_assigned rc + Σ_unassigned min{rc of a pattern that fits the residual
    /// inventory}`; the next target is the one with the fewest fitting patterns.
    fn dfs(
        &mut self,
        left: usize,
        rc_sum: f64,
        val: f64,
        ub: &mut f64,
        best: &mut Option<Vec<usize>>,
    ) {
        if self.aborted {
            return;
        }
        self.nodes += 1;
        self.work += 1;
        if self.work >= self.node_limit
            || (self.nodes.is_multiple_of(64)
                && self.deadline.is_some_and(|(s, t)| s.elapsed() >= t))
        {
            self.aborted = true;
            return;
        }
        if left == 0 {
            if val < *ub {
                *ub = val;
                *best = Some(self.chosen.clone());
            }
            return;
        }
        let thr = *ub * (1.0 - self.rel_gap);
        // per unassigned target: min fitting rc and number of fitting patterns within the gap
        let mut sum_min = 0.0;
        let mut pick = (usize::MAX, usize::MAX, 0.0f64);
        for j in 0..self.pats.len() {
            if self.done[j] {
                continue;
            }
            let mut first = None;
            let mut count = 0usize;
            let mut checks = 0u64;
            for p in &self.pats[j] {
                checks += 1;
                let slack = thr - self.lb0 - rc_sum - sum_min;
                if first.is_none() && p.rc >= slack {
                    break;
                }
                if let Some(r) = first
                    && p.rc - r >= slack
                {
                    break;
                }
                if self.fits(j, p) {
                    if first.is_none() {
                        first = Some(p.rc);
                    }
                    count += 1;
                    if count > pick.1 {
                        break;
                    }
                }
            }
            self.work += checks;
            let Some(r) = first else {
                return; // no fitting pattern within the gap: prune
            };
            sum_min += r;
            if self.lb0 + rc_sum + sum_min >= thr {
                return;
            }
            if count < pick.1 || (count == pick.1 && r > pick.2) {
                pick = (j, count, r);
            }
        }
        let j = pick.0;
        let others = sum_min - pick.2;
        self.done[j] = true;
        for k in 0..self.pats[j].len() {
            let p = self.pats[j][k];
            if self.lb0 + rc_sum + others + p.rc >= *ub * (1.0 - self.rel_gap) {
                break;
            }
            if !self.fits(j, &p) {
                continue;
            }
            let (a, b) = (p.start as usize, (p.start + p.len) as usize);
            for e in a..b {
                let (w, n) = self.units[j][e];
                self.cap[w as usize] -= n;
            }
            self.chosen[j] = k;
            self.dfs(left - 1, rc_sum + p.rc, val + p.val, ub, best);
            for e in a..b {
                let (w, n) = self.units[j][e];
                self.cap[w as usize] += n;
            }
            if self.aborted {
                break;
            }
        }
        self.done[j] = false;
    }
}
