//! Branch-and-price: the proofs that the reduced-cost enumeration of one multiplier vector
//! cannot finish (where the pattern-LP bound sits a few tenths of a per cent below the
//! optimum, the patterns within the gap combine too many ways).
//!
//! A node fixes weapon-target pairs: `x_ij = 0` (the pair's kill probability becomes 0 in the
//! node's problem) or `x_ij >= 1` (that unit moves into the problem: one unit of `i` fewer,
//! target `j`'s value times `1 - p_ij`). Either way the node is an ordinary WTA problem whose
//! objective equals the root's on every plan it contains, so its Lagrangian bound at any
//! `λ >= 0` is valid for the whole subtree. The multipliers are re-optimised at every node by
//! the proximal bundle, warm-started with the parent's cuts and weights
//! ([`Bundle::branch`]), so a node costs a few dual evaluations; the bundle's weights
//! approximate the node's pattern-LP solution, whose loads `x_ij` choose the next branch
//! (the pair of largest `sqrt(dist(x_ij, Z)) V_j p_ij`; in large trees the best few of those
//! compared by strong branching on the model). A node whose gap is small then gets the
//! reduced-cost enumeration ([`super::solver`]'s exact phase) under a small work cap, which
//! closes it outright when the patterns within its gap are few (and finds the optima the
//! heuristics missed: on 80x80 up to 0.4 % below them), and every node offers the plan of its
//! rounded weights, repaired and briefly polished in the root problem. Nodes are taken best
//! bound first, so the smallest open bound is the global lower bound at any stop.
//!
//! Once the gap is small enough for every pattern within it to be enumerated
//! ([`super::pool`]), the solver starts a tree over that pool: rounds of rank-one cuts at its
//! root ([`cut_root`], [`super::cuts`]) close most of the pattern-LP gap, their reduced costs
//! shrink the pool, and each node then prices over its share of the pool (a few microseconds
//! instead of a search over every weapon) and finishes small gaps by searching the pool's
//! combinations directly.

use super::bundle::{Bundle, PackedBundle, polyak_t};
use super::cuts::{RankOneCut, extend, separate};
use super::heuristic::{Plan, local_search, repair};
use super::instance::Problem;
use super::lagrange::{DualEval, Pricer};
use super::pool::{NodePool, Pool};
use super::solver::{Meter, SolveOptions, SolveStats, State, exact, search_patterns};

/// Dual evaluations per node at most (the warm start makes most nodes stop far earlier).
const NODE_EVALS: u32 = 40;

/// A node's bundle stops when the model predicts less than this fraction of the node's gap
/// (measured on envelope 40x40 s1, s2, 80x80 s1, static 80x80 s1, s2, s4 and Andersen 100x200
/// mu = 3 at 20 s: 0.05 / 0.02 / 0.01 / 0.005 took 1.4-4.2 / 0.9-2.9 / 0.8-2.8 / 0.9-3.3 s,
/// 0.1 lost static s4; 15 or 80 evaluations a node instead of 40 changed little).
const NODE_FLAT: f64 = 0.01;

/// Times a node's proximal parameter is quadrupled when the model looks flat while the
/// node's gap exceeds [`WIDEN_GAP`], before the node stops re-optimising. From multipliers
/// far from optimal the step, not the model, was what was flat (static 10x10 s1 from zero
/// stayed at a fifth of the optimum for 26k nodes); near the optimum, widening cost the 80x80
/// proofs (four proven in 0.5-3.4 s, none in 10 s with it).
const MAX_WIDEN: u32 = 3;
const WIDEN_GAP: f64 = 0.02;

/// Cuts without weight that a node passes on to its children: those used within this many
/// evaluations.
const NODE_KEEP_IDLE: u32 = 2;

/// Open nodes that keep their parent's model (a packed bundle is about ten kilobytes at 80x80;
/// beyond this many, memory rather than the model's warm start is what a long run spends).
const MAX_MODELS: usize = 20_000;

/// Work units the reduced-cost enumeration may spend on one node before the node is split
/// (with the gate below; measured on the seven instances above: 5k / 10k / 20k / 30k and
/// none, sums of the walls 8.1 s at 10k and 5e-4, 8.7-10.3 s for the other caps and gates,
/// 10.9 s without node enumeration, 11.6-13.4 s ungated; those were units that counted one
/// per 8 pattern checks, so 10k then is about 80k now: 10k now took static 80x80 s2 from 1.6
/// to 2.1 s).
pub(super) const NODE_ENUM_WORK: u64 = 80_000;

/// Only nodes whose gap is below this fraction of the incumbent get the enumeration.
const NODE_ENUM_GAP: f64 = 5e-4;

/// Work units of the local search that polishes a node's rounded plan. 100k (it was) spent
/// half the work units of the static 80x80 proofs for 4 % of their time (measured: 0.003 µs a
/// unit, against 0.3 µs for the pricing's), so the tree got half the nodes per work cap. Work of
/// the proofs at 5k against 100k (deterministic): envelope 80x80 s1 0.49, static s1 0.68, s2
/// 0.50, s4 0.62, envelope s3 0.82, static 40x40 s1 / s3 / s5 0.65 / 0.80 / 0.71, Andersen
/// 100x200 mu = 3 0.84, nothing else changed; 0 was slightly better there (0.46-0.83) but the
/// node plans then improve a poor incumbent too slowly: branch-and-price alone from greedy
/// (its unit test) 0.5 s -> 9 s; 20k: 0.61-1.07.
const NODE_POLISH_WORK: u64 = 5_000;

/// Candidate pairs scored by strong branching (see [`strong_pair`]), and the nodes a tree
/// processes before it starts: measured in work units over the 40x40 and 80x80 sets and
/// Andersen 50x100 and 100x200 (deterministic), 4 candidates from the 64th node took static
/// 80x80 s1, s2, s4 to 0.95, 0.86, 0.82 of the work and changed nothing else; from the first
/// node, 3 / 4 / 8 candidates gave 0.86-0.87 / 0.74-0.86 / 0.72-0.93 on those three but
/// 1.14-1.51 on Andersen 100x200 mu = 3, static 40x40 s1 and envelope 80x80 s3, and under a
/// 200 ms limit envelope 80x80 s1 ended at a 0.64 % gap instead of 0.11 % (costlier nodes
/// found its plans later); the min-max score (5/6 of the smaller gain plus 1/6 of the larger)
/// instead of the product was no better.
const STRONG_CANDIDATES: usize = 4;
const STRONG_AFTER: u64 = 64;

/// The decisions that define a node, relative to the root problem.
#[derive(Clone, Default)]
struct Fixing {
    /// One `(weapon, target)` entry per unit moved into the problem (repeated for several).
    forced: Vec<(u32, u32)>,
    /// Pairs with `x_ij = 0` below the forced units.
    forbidden: Vec<(u32, u32)>,
}

struct Node {
    fix: Fixing,
    /// Valid lower bound on every plan of the subtree.
    bound: f64,
    lam: Vec<f64>,
    /// The parent's model for this branch (`None` once the tree holds [`MAX_MODELS`] open
    /// nodes: the node then starts a fresh bundle at its multipliers).
    bundle: Option<PackedBundle>,
    /// Creation order (ties of the best-first order).
    seq: u64,
}

/// The node's problem: forced units folded into values and counts, forbidden pairs zeroed.
/// Patched from the root's derived lists (removing entries keeps their order), which gives
/// exactly what [`Problem::from_parts`] builds from the patched arrays at a fraction of the
/// cost (rebuilding and re-sorting every candidate list was a tenth of a static 80x80 proof).
fn node_problem(root: &Problem, fix: &Fixing) -> Problem {
    let mut pb = root.clone();
    let n_t = root.n_t;
    let drop_candidate = |pb: &mut Problem, i: u32, j: usize| {
        if let Some(c) = pb.cand[j].iter().position(|&w| w == i) {
            pb.cand[j].remove(c);
            pb.cand_pq[j].remove(c);
        }
    };
    for &(i, j) in &fix.forced {
        let (iu, ju) = (i as usize, j as usize);
        pb.counts[iu] -= 1;
        pb.values[ju] *= 1.0 - root.p(iu, ju);
        pb.max_shots[ju] = pb.max_shots[ju].saturating_sub(1);
        if pb.counts[iu] == 0 {
            // a weapon without units is nobody's candidate
            for k in std::mem::take(&mut pb.reach[iu]) {
                drop_candidate(&mut pb, i, k as usize);
            }
        }
    }
    for &(i, j) in &fix.forbidden {
        let (iu, ju) = (i as usize, j as usize);
        pb.p[iu * n_t + ju] = 0.0;
        pb.q[iu * n_t + ju] = 0.0;
        pb.pt[ju * pb.n_w + iu] = 0.0;
        drop_candidate(&mut pb, i, ju);
        pb.reach[iu].retain(|&k| k != j);
    }
    pb
}

/// The root plan of a node's plan (the forced units added back).
fn root_plan(root: &Problem, fix: &Fixing, node_plan: &Plan) -> Plan {
    let mut plan = Plan::empty(root);
    // units of the cuts' virtual weapons (see super::cuts) are not part of the plan
    for (i, j, n) in node_plan.triples().into_iter().filter(|t| t.0 < root.n_w) {
        for _ in 0..n {
            plan.add(root, i, j);
        }
    }
    for &(i, j) in &fix.forced {
        plan.add(root, i as usize, j as usize);
    }
    plan
}

/// The search tree: its open nodes, kept between calls of [`Tree::run`] so that the solver
/// can alternate it with the enumeration at the root under growing work caps.
pub(super) struct Tree {
    open: Vec<Node>,
    seq: u64,
    /// Nodes processed so far (strong branching from the [`STRONG_AFTER`]th on).
    processed: u64,
    /// Open nodes beyond which children get no model ([`MAX_MODELS`]).
    max_models: usize,
    /// The root's patterns within the gap, when they were few enough to enumerate: every node
    /// is then priced over its share of them ([`super::pool`]).
    pool: Option<Pool>,
    /// The root problem with the cuts' virtual weapons (see [`super::cuts`]), when there
    /// are cuts: the nodes' problems derive from it.
    base: Option<Problem>,
}

/// How a node's Lagrangian is evaluated: the pricing search over every weapon, or the
/// minimum over the node's pool patterns.
enum Pricing<'a> {
    Search(&'a mut Pricer),
    Pool(&'a NodePool<'a>),
}

impl Pricing<'_> {
    /// `L(λ)` of the node `pb`; `None` when its pool has no plan that could improve the
    /// incumbent.
    fn evaluate(&mut self, pb: &Problem, lam: &[f64], meter: &mut Meter) -> Option<DualEval> {
        match self {
            Pricing::Search(pricer) => Some(meter.evaluate(pb, lam, pricer)),
            Pricing::Pool(pool) => pool.evaluate(pb, lam, meter),
        }
    }
}

impl Tree {
    /// The root node at the multipliers `lam`, its model seeded with the cutting-plane LP's
    /// `columns` (when it ran; only those in the `pool` when there is one) and bounded by
    /// `st.lb`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        root: &Problem,
        meter: &mut Meter,
        st: &State,
        lam: &[f64],
        columns: &[(usize, Vec<(u32, u32)>)],
        pricer: &mut Pricer,
        pool: Option<Pool>,
        base: Option<Problem>,
    ) -> Self {
        let root = base.as_ref().unwrap_or(root);
        let node_pool = pool
            .as_ref()
            .map(|p| p.restrict(root, &[], &[], f64::INFINITY));
        let ev = match &node_pool {
            Some(np) => np.evaluate(root, lam, meter),
            None => Some(meter.evaluate(root, lam, pricer)),
        };
        let open = ev
            .map(|ev| {
                let t0 = polyak_t(root, lam, &ev, st.ub);
                let mut bundle = Bundle::new(root, lam, &ev, t0);
                for (j, pat) in columns {
                    if pool.as_ref().is_none_or(|p| p.contains(*j, pat)) {
                        bundle.add_pattern(root, *j, pat);
                    }
                }
                Node {
                    fix: Fixing::default(),
                    bound: st.lb.max(ev.bound),
                    lam: lam.to_vec(),
                    bundle: Some(bundle.pack()),
                    seq: 0,
                }
            })
            .into_iter()
            .collect();
        Self {
            open,
            seq: 1,
            processed: 0,
            max_models: MAX_MODELS,
            pool,
            base,
        }
    }

    /// Whether the nodes are priced over the root's pattern pool.
    pub(super) fn has_pool(&self) -> bool {
        self.pool.is_some()
    }

    /// The smallest bound of an open node (infinite once the tree is closed).
    pub(super) fn bound(&self) -> f64 {
        self.open
            .iter()
            .map(|n| n.bound)
            .fold(f64::INFINITY, f64::min)
    }

    /// Processes nodes, with up to `enum_work` units of enumeration per node (0: none), until
    /// the tree is closed or `meter` runs out. Raises `st.lb` to the smallest open bound and
    /// improves `st.best`; returns whether the incumbent is proven optimal.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run(
        &mut self,
        root: &Problem,
        opts: &SolveOptions,
        meter: &mut Meter,
        st: &mut State,
        enum_work: u64,
        pricer: &mut Pricer,
        stats: &mut SolveStats,
    ) -> bool {
        let thr = |ub: f64| ub * (1.0 - opts.rel_gap);
        let open = &mut self.open;
        while let Some(k) = best_open(open) {
            if open[k].bound >= thr(st.ub) {
                // the smallest open bound reaches the incumbent: the tree is closed
                open.clear();
                break;
            }
            st.lb = st.lb.max(open[k].bound.min(st.ub));
            if meter.out() {
                break;
            }
            let node = open.swap_remove(k);
            stats.bp_nodes += 1;
            self.processed += 1;
            let mut pb = node_problem(self.base.as_ref().unwrap_or(root), &node.fix);
            // building the node's problem and unpacking its bundle: about a quarter of a
            // unit per weapon-target pair
            meter.work += (pb.n_w * pb.n_t / 4) as u64;
            let node_pool = self.pool.as_ref().map(|p| {
                let np = p.restrict(
                    &pb,
                    &node.fix.forced,
                    &node.fix.forbidden,
                    thr(st.ub) - p.base,
                );
                meter.work += np.build_work();
                np
            });
            let mut pricing = match &node_pool {
                Some(np) => Pricing::Pool(np),
                None => Pricing::Search(pricer),
            };
            let Some(Reoptimised {
                bound,
                fix,
                lam,
                mut bundle,
            }) = reoptimise(root, &pb, node, meter, st, &mut pricing, &thr)
            else {
                continue;
            };
            let mut node_bound = bound;
            if let Some(np) = &node_pool {
                // the node's pool patterns within its gap, searched for a plan below the
                // incumbent: the enumeration without its rounds (the pool is complete)
                if enum_work > 0 && st.ub - node_bound <= NODE_ENUM_GAP * st.ub {
                    let Some(ev) = np.evaluate(&pb, &lam, meter) else {
                        continue;
                    };
                    let gap = thr(st.ub) - ev.bound;
                    let (pats, units) = np.within(&lam, &ev.h, gap, meter);
                    let mut ns = State::for_node(&pb, st.ub, node_bound);
                    let mut sub = meter.capped(enum_work);
                    let done = search_patterns(
                        &pb, opts, &mut sub, &mut ns, pats, units, ev.bound, st.ub, stats,
                    );
                    meter.work = sub.work;
                    if ns.ub < st.ub {
                        st.offer(root, root_plan(root, &fix, &ns.best));
                    }
                    if done.is_some() {
                        continue;
                    }
                }
            } else if enum_work > 0 && st.ub - node_bound <= NODE_ENUM_GAP * st.ub {
                // a node whose patterns within the gap are few is finished by the enumeration
                let mut ns = State::for_node(&pb, st.ub, node_bound);
                let mut sub = meter.capped(enum_work);
                let closed = exact(&pb, opts, &mut sub, &mut ns, &lam, pricer, stats);
                meter.work = sub.work;
                if ns.ub < st.ub {
                    st.offer(root, root_plan(root, &fix, &ns.best));
                }
                if closed {
                    continue;
                }
                node_bound = node_bound.max(ns.lb);
            }
            if node_bound >= thr(st.ub) {
                continue;
            }
            let strong = (self.processed >= STRONG_AFTER)
                .then(|| strong_pair(&mut pb, &bundle, node_bound, st.ub, meter))
                .flatten();
            let Some((i, j)) = strong.or_else(|| branch_pair(&pb, &bundle)) else {
                // nothing left to assign: the node holds one plan, the forced units alone
                st.offer(root, root_plan(root, &fix, &Plan::empty(&pb)));
                continue;
            };
            bundle.trim(NODE_KEEP_IDLE);
            for force in [false, true] {
                let mut fix = fix.clone();
                if force {
                    fix.forced.push((i as u32, j as u32));
                } else {
                    fix.forbidden.push((i as u32, j as u32));
                }
                open.push(Node {
                    bundle: (open.len() < self.max_models)
                        .then(|| bundle.branch(&pb, i, j, force).pack()),
                    fix,
                    bound: node_bound,
                    lam: lam.clone(),
                    seq: self.seq,
                });
                self.seq += 1;
            }
        }
        if open.is_empty() {
            st.lb = st.ub;
            return true;
        }
        st.lb = st.lb.max(self.bound().min(st.ub));
        st.ub - st.lb <= opts.rel_gap * st.ub
    }
}

/// Rounds of cuts at the root of a tree priced over `pool` (see [`super::cuts`]): the root's
/// restricted Lagrangian is optimised by the bundle from `lam`, the cuts its weights violate
/// most are added (to the pool as virtual units), and again, for at most [`CUT_ROUNDS`]
/// rounds or until the meter runs out.
pub(super) fn cut_root(
    root: &Problem,
    pool: &mut Pool,
    lam: &[f64],
    ub: f64,
    opts: &SolveOptions,
    meter: &mut Meter,
) -> RootCuts {
    let thr = ub * (1.0 - opts.rel_gap);
    let mut cuts: Vec<RankOneCut> = Vec::new();
    let mut lam = lam.to_vec();
    let mut bound = f64::NEG_INFINITY;
    for _ in 0..CUT_ROUNDS {
        if meter.out() {
            break;
        }
        let ext = extend(root, &cuts);
        let np = pool.restrict(&ext, &[], &[], thr - pool.base);
        meter.work += np.build_work();
        let Some(ev) = np.evaluate(&ext, &lam, meter) else {
            break;
        };
        let mut bundle = Bundle::new(&ext, &lam, &ev, polyak_t(&ext, &lam, &ev, ub));
        let limits = Ascent {
            evals: CUT_EVALS,
            flat: CUT_FLAT,
            max_widen: 0,
        };
        let start = (ev.bound, lam.clone());
        let pricing = &mut Pricing::Pool(&np);
        let Some(best) = ascend(&ext, &mut bundle, pricing, start, &limits, ub, thr, meter) else {
            break;
        };
        lam = best.1;
        bound = bound.max(best.0);
        if meter.out() {
            break;
        }
        meter.work += pool.tighten(&ext, &lam, thr);
        let (new, work) = separate(root, &bundle.weights(), &cuts, CUTS_PER_ROUND);
        meter.work += work / 8;
        if new.is_empty() {
            break;
        }
        pool.add_cut_units(&new, (root.n_w + cuts.len()) as u32);
        lam.resize(lam.len() + new.len(), 0.0);
        cuts.extend(new);
    }
    let base = (!cuts.is_empty()).then(|| extend(root, &cuts));
    RootCuts {
        cuts,
        base,
        lam,
        bound,
    }
}

/// What [`cut_root`] leaves: the cuts, the root problem with their virtual weapons (`None`
/// without cuts), the multipliers to start the tree from (the last round's best, the latest
/// cuts' at zero) and the best bound of the rounds (valid for every plan).
pub(super) struct RootCuts {
    pub(super) cuts: Vec<RankOneCut>,
    pub(super) base: Option<Problem>,
    pub(super) lam: Vec<f64>,
    pub(super) bound: f64,
}

/// Rounds of cut separation at the root, bundle evaluations per round, its flatness stop
/// and cuts per round (see [`cut_root`]).
const CUT_ROUNDS: usize = 4;
const CUT_EVALS: u32 = 100;
const CUT_FLAT: f64 = 1e-3;
const CUTS_PER_ROUND: usize = 50;

/// The open node of smallest bound (ties: the oldest).
fn best_open(open: &[Node]) -> Option<usize> {
    (0..open.len()).min_by(|&a, &b| {
        open[a]
            .bound
            .total_cmp(&open[b].bound)
            .then(open[a].seq.cmp(&open[b].seq))
    })
}

/// A node after [`reoptimise`]: its best bound and multipliers, and its model.
struct Reoptimised {
    bound: f64,
    fix: Fixing,
    lam: Vec<f64>,
    bundle: Bundle,
}

/// Best bound and multipliers of a node: the bundle from the parent's model, until the bound
/// reaches the incumbent (`None`: the node is pruned), the model flattens or
/// [`NODE_EVALS`] evaluations; then a plan from the rounded weights is offered.
fn reoptimise(
    root: &Problem,
    pb: &Problem,
    node: Node,
    meter: &mut Meter,
    st: &mut State,
    pricing: &mut Pricing,
    thr: &dyn Fn(f64) -> f64,
) -> Option<Reoptimised> {
    let Node {
        fix,
        bound,
        lam,
        bundle,
        ..
    } = node;
    let ev = pricing.evaluate(pb, &lam, meter)?;
    let mut bundle = match bundle {
        Some(packed) => {
            let mut b = Bundle::unpack(&packed, pb.n_t, pb.n_w);
            b.recentre(pb, &lam, &ev);
            b
        }
        None => Bundle::new(pb, &lam, &ev, polyak_t(pb, &lam, &ev, st.ub)),
    };
    let limits = Ascent {
        evals: NODE_EVALS,
        flat: NODE_FLAT,
        max_widen: MAX_WIDEN,
    };
    let start = (bound.max(ev.bound), lam);
    let (best, best_lam) = ascend(
        pb,
        &mut bundle,
        pricing,
        start,
        &limits,
        st.ub,
        thr(st.ub),
        meter,
    )?;
    if best >= thr(st.ub) {
        return None;
    }
    // primal side: the rounded weights, repaired and briefly polished in the root problem
    let mut plan = Plan::from_patterns(pb, &bundle.rounded_patterns());
    repair(pb, &mut plan);
    let mut whole = root_plan(root, &fix, &plan);
    let mut allow = meter.allowance(1.0);
    allow.work = allow.work.min(NODE_POLISH_WORK);
    local_search(root, &mut whole, &mut allow);
    meter.work += allow.used();
    st.offer(root, whole);
    if best >= thr(st.ub) {
        return None;
    }
    Some(Reoptimised {
        bound: best,
        fix,
        lam: best_lam,
        bundle,
    })
}

/// Limits of one bundle ascent ([`ascend`]): evaluations at most, the model's flatness (a
/// fraction of the gap to the incumbent) below which it stops, and how often a flat model far
/// from the incumbent ([`WIDEN_GAP`]) gets a four times longer proximal step first.
struct Ascent {
    evals: u32,
    flat: f64,
    max_widen: u32,
}

/// The proximal bundle's ascent on `pb` from `best` (a bound and its multipliers, where the
/// bundle is centred), until the bound reaches `thr`, the model flattens, the evaluations or
/// the meter run out. Returns the best bound and its multipliers; `None` when the pricing
/// finds no plan that could improve the incumbent `ub`.
#[allow(clippy::too_many_arguments)]
fn ascend(
    pb: &Problem,
    bundle: &mut Bundle,
    pricing: &mut Pricing,
    (mut best, mut best_lam): (f64, Vec<f64>),
    limits: &Ascent,
    ub: f64,
    thr: f64,
    meter: &mut Meter,
) -> Option<(f64, Vec<f64>)> {
    let mut ops = bundle.ops;
    let mut widened = 0;
    let mut evals = 0;
    // the proximal parameter before a widening that has not yet paid off
    let mut narrow: Option<f64> = None;
    while evals < limits.evals {
        if best >= thr || meter.out() {
            break;
        }
        let trial = bundle.propose(pb);
        meter.work += (bundle.ops - ops) / 8;
        ops = bundle.ops;
        if bundle.predicted() - bundle.center_value() < limits.flat * (ub - bundle.center_value()) {
            // a flat model far from the incumbent may only mean a short proximal step: look
            // farther before stopping
            if widened == limits.max_widen || ub - bundle.center_value() < WIDEN_GAP * ub {
                break;
            }
            widened += 1;
            narrow = narrow.or(Some(bundle.t()));
            bundle.set_t(4.0 * bundle.t());
            continue;
        }
        evals += 1;
        let ev = pricing.evaluate(pb, &trial, meter)?;
        if ev.bound > best {
            best = ev.bound;
            best_lam.clone_from(&trial);
        }
        let serious = bundle.report(pb, &trial, &ev);
        // a widening that gave no serious step is undone (children inherit `t`)
        if let Some(t) = narrow.take()
            && !serious
        {
            bundle.set_t(t);
        }
    }
    Some((best, best_lam))
}

/// Strong branching on the node's model: for each of the [`STRONG_CANDIDATES`] best-scored
/// pairs, both children's models ([`Bundle::branch`]) get one proximal step without any
/// evaluation, and the pair whose predicted gains over the node's bound have the largest
/// product wins (the cutting-plane model over-estimates `L`, so a branch whose model does not
/// move is one whose pattern-LP value does not move either: the degenerate branches the cheap
/// score cannot see). The step reads only the inventories of the problem, so the node's own
/// problem stands in for both children (one unit of `i` fewer for the forced one). `None`
/// when no load is fractional.
fn strong_pair(
    pb: &mut Problem,
    bundle: &Bundle,
    node_bound: f64,
    ub: f64,
    meter: &mut Meter,
) -> Option<(usize, usize)> {
    let floor = 1e-9 * ub;
    // copying and re-expressing the model visits every entry of it
    let copy_work = (bundle.entries() / 2) as u64;
    let mut best: Option<(f64, usize, usize)> = None;
    for (i, j) in bundle.branching_candidates(pb, STRONG_CANDIDATES) {
        let mut product = 1.0;
        for force in [false, true] {
            let mut model = bundle.branch(pb, i, j, force);
            let ops = model.ops;
            pb.counts[i] -= u32::from(force);
            model.propose(pb);
            pb.counts[i] += u32::from(force);
            // the copy and the proximal step, at twice the QP's usual rate (measured: half
            // the units per microsecond of a QP step elsewhere, the copies' allocations)
            meter.work += (model.ops - ops) / 4 + copy_work;
            product *= (model.predicted() - node_bound).max(floor);
        }
        if best.is_none_or(|b| product > b.0) {
            best = Some((product, i, j));
        }
    }
    best.map(|b| (b.1, b.2))
}

/// The pair to branch on: [`Bundle::branching_pair`]; when the weights are
/// integral (the rounded plan is the node's pattern-LP solution, yet the bound has not met
/// the incumbent), the most valuable pair of the rounded plan, else any pair left. `None`
/// when no weapon can reach any target.
fn branch_pair(pb: &Problem, bundle: &Bundle) -> Option<(usize, usize)> {
    if let Some((i, j, _)) = bundle.branching_pair(pb) {
        return Some((i, j));
    }
    let rounded = bundle.rounded_patterns();
    let score = |i: usize, j: usize| pb.values[j] * pb.p(i, j);
    let from_plan = rounded
        .iter()
        .enumerate()
        .flat_map(|(j, pat)| pat.iter().map(move |&(w, _)| (w as usize, j)))
        .max_by(|a, b| score(a.0, a.1).total_cmp(&score(b.0, b.1)).then(b.cmp(a)));
    from_plan.or_else(|| {
        (0..pb.n_t)
            .flat_map(|j| pb.cand[j].iter().map(move |&w| (w as usize, j)))
            .next()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wta::heuristic::greedy;
    use crate::wta::lagrange::evaluate;
    use crate::wta::peer_problem as peer;
    use crate::wta::solver::{Budget, PRICE_CAP};

    fn run(pb: &Problem, budget: Budget) -> (State, SolveStats, bool) {
        let (st, mut stats, proven, work) = run_metered(pb, budget, MAX_MODELS);
        stats.work = work;
        (st, stats, proven)
    }

    fn run_metered(
        pb: &Problem,
        budget: Budget,
        max_models: usize,
    ) -> (State, SolveStats, bool, u64) {
        let mut meter = Meter::new(budget);
        let g = greedy(pb);
        let mut st = State::for_node(pb, g.value(pb), 0.0);
        st.best = g;
        let mut stats = SolveStats::default();
        let lam = vec![0.0; pb.n_w];
        let mut pricer = Pricer::default();
        let mut tree = Tree::new(pb, &mut meter, &st, &lam, &[], &mut pricer, None, None);
        tree.max_models = max_models;
        let opts = SolveOptions::default();
        let proven = tree.run(pb, &opts, &mut meter, &mut st, 0, &mut pricer, &mut stats);
        (st, stats, proven, meter.work)
    }

    /// The pool enumerated at the solve's multipliers for plans just above the proven optimum
    /// holds every target's pattern of the optimum, before and after the cut rounds
    /// (whose reduced-cost filtering must not lose them); the optimum satisfies every cut; the
    /// cut root's restricted bound lies between the Lagrangian bound it started from and the
    /// optimum, above the pattern-LP bound on some instance; a node that contains the optimum (two of its units
    /// forced, an unused pair forbidden) still holds its patterns, and the node's restricted
    /// bound is at least the full pricing's and at most the optimum at any multipliers.
    #[test]
    fn the_pool_holds_the_optimum_and_the_cuts_keep_it() {
        let mut raised = 0;
        for name in [
            "wta_envelope_40x40_s1",
            "wta_envelope_40x40_s2",
            "wta_static_40x40_s5",
            "wta_envelope_20x20_s3",
        ] {
            let pb = peer(name);
            let opts = SolveOptions::default();
            let res = crate::wta::solve(&pb, &opts);
            assert!(res.proven_optimal, "{name}");
            let opt = res.value;
            let mut opt_pat = vec![Vec::new(); pb.n_t];
            for &(i, j, n) in &res.assignment {
                opt_pat[j].push((i as u32, n));
            }
            opt_pat.iter_mut().for_each(|p| p.sort_unstable());
            // the solve's final multipliers (any would do: they only set the pool's size)
            let lam = res.multipliers.clone();
            let mut pricer = Pricer::default();
            let l0 = evaluate(&pb, &lam, &mut pricer, PRICE_CAP).bound;
            let mut meter = Meter::new(Budget::unlimited());
            let ub = opt * (1.0 + 1e-5);
            let thr = ub * (1.0 - opts.rel_gap);
            let mut pool =
                Pool::enumerate(&pb, &lam, ub, &opts, &mut meter, &mut pricer).expect("pool");
            let holds_optimum = |pool: &Pool| {
                (0..pb.n_t).all(|j| pool.real_patterns(j, pb.n_w).contains(&opt_pat[j]))
            };
            assert!(holds_optimum(&pool), "{name}: pool without the optimum");
            let RootCuts {
                cuts,
                base,
                lam: lam_t,
                ..
            } = cut_root(&pb, &mut pool, &lam, ub, &opts, &mut meter);
            assert!(
                holds_optimum(&pool),
                "{name}: the cut rounds dropped the optimum"
            );
            for cut in &cuts {
                let lhs: u32 = opt_pat.iter().map(|p| cut.coefficient(p)).sum();
                assert!(lhs <= cut.rhs, "{name}: the optimum violates {cut:?}");
            }
            let ext = base.unwrap_or_else(|| pb.clone());
            assert_eq!(ext.n_w, pb.n_w + cuts.len());
            let np = pool.restrict(&ext, &[], &[], thr - pool.base);
            let root_bound = np.evaluate(&ext, &lam_t, &mut meter).expect("root").bound;
            assert!(
                root_bound <= opt * (1.0 + 1e-9),
                "{name}: {root_bound} above {opt}"
            );
            assert!(
                root_bound >= l0 - 1e-9 * l0.abs(),
                "{name}: {root_bound} below {l0}"
            );
            if root_bound > res.stats.lp_value * (1.0 + 1e-6) {
                raised += 1;
            }
            // a node holding the optimum
            let mut fix = Fixing::default();
            for &(i, j, _) in res.assignment.iter().take(2) {
                fix.forced.push((i as u32, j as u32));
            }
            let unused = (0..pb.n_w)
                .flat_map(|i| pb.reach[i].iter().map(move |&j| (i as u32, j)))
                .find(|&(i, j)| !opt_pat[j as usize].iter().any(|u| u.0 == i))
                .expect("an unused pair");
            fix.forbidden.push(unused);
            let node = node_problem(&ext, &fix);
            let np = pool.restrict(&node, &fix.forced, &fix.forbidden, thr - pool.base);
            for (j, pat) in opt_pat.iter().enumerate() {
                let mut in_node = pat.clone();
                for &(i, jj) in &fix.forced {
                    if jj as usize == j {
                        let u = in_node.iter_mut().find(|u| u.0 == i).unwrap();
                        u.1 -= 1;
                    }
                }
                in_node.retain(|u| u.1 > 0);
                assert!(
                    np.real_patterns(j, pb.n_w).contains(&in_node),
                    "{name}: node pool of target {j} without the optimum's pattern"
                );
            }
            let mut seed = 7u64;
            for scale in [0.0, 0.02, 0.1] {
                let lam: Vec<f64> = lam_t
                    .iter()
                    .map(|&l| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                        (l * (1.0 + scale * ((seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5)))
                            .max(0.0)
                    })
                    .collect();
                let restricted = np.evaluate(&node, &lam, &mut meter).expect("node").bound;
                let full = evaluate(&node, &lam, &mut pricer, PRICE_CAP).bound;
                assert!(
                    restricted >= full - 1e-9 * full.abs(),
                    "{name}: {restricted} < {full}"
                );
                assert!(
                    restricted <= opt * (1.0 + 1e-9),
                    "{name}: {restricted} above {opt}"
                );
            }
        }
        assert!(raised >= 1, "no instance had its bound raised by cuts");
    }

    /// The patched node problem is exactly the one built from scratch from the patched arrays.
    #[test]
    fn node_problem_equals_the_rebuilt_problem() {
        for name in ["wta_envelope_10x10_s2", "wta_static_10x10_s1"] {
            let root = peer(name).with_max_shots(3);
            let mut fix = Fixing::default();
            // every unit of some weapon forced (its candidates must vanish), pairs forbidden
            let w0 = (0..root.n_w).find(|&i| !root.reach[i].is_empty()).unwrap();
            let t0 = root.reach[w0][0];
            for _ in 0..root.counts[w0] {
                fix.forced.push((w0 as u32, t0));
            }
            for (k, i) in (0..root.n_w).enumerate() {
                if let Some(&j) = root.reach[i].get(k % 3) {
                    fix.forbidden.push((i as u32, j));
                }
            }
            let pb = node_problem(&root, &fix);
            let mut counts = root.counts.clone();
            let mut values = root.values.clone();
            let mut max_shots = root.max_shots.clone();
            let (mut p, mut q) = (root.p.clone(), root.q.clone());
            for &(i, j) in &fix.forced {
                counts[i as usize] -= 1;
                values[j as usize] *= 1.0 - root.p(i as usize, j as usize);
                max_shots[j as usize] = max_shots[j as usize].saturating_sub(1);
            }
            for &(i, j) in &fix.forbidden {
                p[i as usize * root.n_t + j as usize] = 0.0;
                q[i as usize * root.n_t + j as usize] = 0.0;
            }
            let mut rebuilt = Problem::from_parts(counts, values, p, q);
            rebuilt.max_shots = max_shots;
            assert!(pb.reach[w0].is_empty() && pb.cand.iter().all(|c| !c.contains(&(w0 as u32))));
            assert_eq!(format!("{pb:?}"), format!("{rebuilt:?}"), "{name}");
        }
    }

    /// Branch-and-price alone (no enumeration at the nodes, no LP columns, multipliers from
    /// zero, greedy as the incumbent) proves the peer's proven optima (HiGHS on an
    /// outer-approximation MILP) of the 10x10 and 20x20 sets, by branching (strong branching
    /// included); a run cut short by a work budget keeps a valid bound and is bit-identical
    /// run to run.
    #[test]
    fn branch_and_price_alone_proves_the_peer_optima() {
        let mut binding = 0;
        let mut largest_tree = 0;
        for (name, opt) in [
            ("wta_envelope_10x10_s1", 43.234121),
            ("wta_envelope_10x10_s2", 123.132596),
            ("wta_envelope_10x10_s3", 58.445605),
            ("wta_envelope_10x10_s4", 39.064120),
            ("wta_envelope_10x10_s5", 97.336394),
            ("wta_static_10x10_s1", 10.139011),
            ("wta_static_10x10_s2", 16.558992),
            ("wta_static_10x10_s3", 23.361467),
            ("wta_static_10x10_s4", 12.075779),
            ("wta_static_10x10_s5", 6.987660),
            ("wta_envelope_20x20_s3", 78.915545),
            ("wta_envelope_20x20_s5", 37.379463),
            ("wta_static_20x20_s4", 20.256965),
        ] {
            let pb = peer(name);
            let (st, stats, proven) = run(&pb, Budget::unlimited());
            assert!(proven, "{name}: not proven ({} nodes)", stats.bp_nodes);
            assert!(
                (st.ub - opt).abs() <= 1e-6 * opt + 1e-6,
                "{name}: {} against the optimum {opt}",
                st.ub
            );
            assert!((st.best.value(&pb) - st.ub).abs() <= 1e-9 * st.ub);
            assert!(stats.bp_nodes > 1, "{name}: closed without branching");
            largest_tree = largest_tree.max(stats.bp_nodes);
            let short = Budget::work(stats.work / 3 + 1);
            let (a, sa, _) = run(&pb, short);
            let (b, _, _) = run(&pb, short);
            // the peer's values have six decimals
            assert!(
                a.lb <= opt + 1e-6,
                "{name}: bound {} above the optimum",
                a.lb
            );
            assert!(
                a.ub >= opt - 1e-6,
                "{name}: plan {} below the optimum",
                a.ub
            );
            assert_eq!(
                (a.lb.to_bits(), a.ub.to_bits()),
                (b.lb.to_bits(), b.ub.to_bits())
            );
            assert!(sa.bp_nodes < stats.bp_nodes);
            // without inherited models (what a long run falls back to) the same proof
            let (c, sc, proven_c, _) = run_metered(&pb, Budget::unlimited(), 0);
            assert!(
                proven_c,
                "{name}: not proven without models ({} nodes)",
                sc.bp_nodes
            );
            assert!(
                (c.ub - st.ub).abs() <= 1e-9 * st.ub,
                "{name}: {} vs {}",
                c.ub,
                st.ub
            );
            // doctrine: at most two units per target, against the solver's own proof (the
            // enumeration alone proves these small instances)
            if pb.n_t <= 10 {
                let limited = peer(name).with_max_shots(2);
                let (d, sd, proven_d) = run(&limited, Budget::unlimited());
                let reference = crate::wta::solve(&limited, &SolveOptions::default());
                assert!(proven_d && reference.proven_optimal, "{name}: {sd:?}");
                assert!(
                    (d.ub - reference.value).abs() <= 1e-7 * reference.value,
                    "{name} with k = 2: {} vs {}",
                    d.ub,
                    reference.value
                );
                let per_target = |j: usize| {
                    d.best
                        .triples()
                        .iter()
                        .filter(|t| t.1 == j)
                        .map(|t| t.2)
                        .sum::<u32>()
                };
                assert!((0..limited.n_t).all(|j| per_target(j) <= 2), "{name}");
                binding += usize::from(d.ub > st.ub * (1.0 + 1e-9));
            }
        }
        assert!(
            binding >= 3,
            "the doctrine limit changed only {binding} optima"
        );
        // some of these proofs run long enough for strong branching to choose the branches
        assert!(
            largest_tree > 2 * STRONG_AFTER,
            "largest tree {largest_tree} nodes"
        );
    }
}
