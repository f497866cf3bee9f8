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
    /// `q * cap`: the most log-kill this weapon can add.
    qcap: f64,
    /// `1 - p`.
    keep: f64,
    /// `(1 - p)^cap` (filled when the item enters the sorted head).
    keep_cap: f64,
    ratio: f64,
}

/// Items sorted eagerly per pricing call; the rest stay unsorted behind a bound (their
/// smallest ratio) and are sorted only if the search reaches them.
const HEAD: usize = 24;

/// Units counted by the discrete completion bound (see [`Pricer::disc`]).
const DISC: usize = 4;

/// Per suffix of the item list: the `DISC` smallest `1 - p` and the `DISC` smallest prices
/// among the suffix's units, ascending (infinite when the suffix has fewer units). `K_m` and
/// `Λ_m` (product of the first `m` keeps, sum of the first `m` prices) are formed where a
/// bound needs them, which is cheaper than forming them for every suffix.
type Disc = ([f64; DISC], [f64; DISC]);

fn insert_sorted(arr: &mut [f64; DISC], x: f64, times: u32) {
    for _ in 0..times.min(DISC as u32) {
        if x >= arr[DISC - 1] {
            return;
        }
        let mut k = DISC - 1;
        while k > 0 && arr[k - 1] > x {
            arr[k] = arr[k - 1];
            k -= 1;
        }
        arr[k] = x;
    }
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
    /// Candidates passing the price filter: `(ratio, weapon, candidate index)` sort keys,
    /// `keys[..sorted]` in order (their items are `items`), the rest unsorted.
    keys: Vec<u128>,
    /// Per target: a key just above its last head (see `load`; a speed hint only).
    thr: Vec<u128>,
    /// `mark[w] == stamp`: weapon `w` is in the sorted head of the current target.
    mark: Vec<u32>,
    stamp: u32,
    /// The price filter's slack of the current target (see `load`).
    slack: f64,
    /// `items[..sorted]` are in their final (ratio, weapon) order.
    sorted: usize,
    /// Smallest ratio among `items[sorted..]` (infinite when empty).
    tail_ratio: f64,
    /// `disc[k]`: discrete completion data of `items[k..]`, `k = 0..=sorted`.
    disc: Vec<Disc>,
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
    /// Smallest bound of the subtrees left unexplored when the node cap stopped a pricing.
    frontier: f64,
    /// Units left in the current pattern (per-target doctrine limit).
    room: u32,
    /// Optional wall-clock deadline of [`Pricer::enumerate`].
    pub deadline: Option<std::time::Instant>,
}

/// `min_{t_k in [0, q_k cap_k]} A e^{-Σ t} + Σ ratio_k t_k` over `head` (sorted by ratio), then
/// over a virtual item of ratio `tail_ratio` and unlimited capacity that stands for every
/// unsorted item (all of ratio `>= tail_ratio`), so the value is a lower bound over them too.
/// An item is used fully while the survival term after it, `a (1-p)^cap`, stays above its
/// ratio; the optimum stops inside the first item where it does not, at `t = ln(a / ratio)`:
/// at most one `ln` per call and none per item (the former per-item `ln(ratio)` of the head
/// was 13 % of the pricing's instructions at 200x200).
#[inline]
fn ext_bound(mut a: f64, head: &[Item], tail_ratio: f64) -> f64 {
    let mut cost = 0.0;
    for it in head {
        if a <= it.ratio {
            return cost + a;
        }
        let after = a * it.keep_cap;
        if after < it.ratio {
            // the continuous optimum stops inside this item at survival term `ratio`
            return cost + it.ratio * (a / it.ratio).ln() + it.ratio;
        }
        cost += it.ratio * it.qcap;
        a = after;
    }
    if a > tail_ratio {
        if tail_ratio <= 0.0 {
            return cost;
        }
        return cost + tail_ratio * (a / tail_ratio).ln() + tail_ratio;
    }
    cost + a
}

/// The ratio of a sort key (inverse of [`total_order_key`] on its top 64 bits).
#[inline]
fn key_ratio(k: u128) -> f64 {
    let b = (k >> 64) as u64;
    f64::from_bits(if b >> 63 == 1 { b & !(1 << 63) } else { !b })
}

/// Maps `f64` to `u64` so that integer order is [`f64::total_cmp`] order.
#[inline]
fn total_order_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// The target being priced: what building its items needs.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    pb: &'a Problem,
    j: usize,
    lam: &'a [f64],
}

impl Ctx<'_> {
    /// The item of candidate `c` of the target (`keep_cap` not yet filled).
    #[inline]
    fn item(&self, c: usize) -> Item {
        let w = self.pb.cand[self.j][c];
        let (p, q) = self.pb.cand_pq[self.j][c];
        let cap = self.pb.counts[w as usize];
        let lam = self.lam[w as usize];
        Item {
            w,
            cap,
            lam,
            qcap: q * f64::from(cap),
            keep: 1.0 - p,
            keep_cap: 0.0,
            ratio: lam / q,
        }
    }
}

fn finish(it: &mut Item) {
    it.keep_cap = it.keep.powi(it.cap as i32);
}

impl Pricer {
    /// Selects the candidates of the target priced below `V_j p_ij + slack` and builds the
    /// items of the `HEAD` cheapest ratios; the others stay as keys until [`Pricer::expand`].
    fn load(&mut self, ctx: &Ctx, slack: f64) {
        let (pb, j, lam) = (ctx.pb, ctx.j, ctx.lam);
        self.keys.clear();
        let v = pb.values[j];
        // work: one node per candidate scanned, so a work budget tracks the time spent here
        self.nodes += pb.cand[j].len() as u64 / 8;
        for (c, (&w, &(p, q))) in pb.cand[j].iter().zip(&pb.cand_pq[j]).enumerate() {
            let l = lam[w as usize];
            if l < v * p + slack {
                // (ratio, weapon) order as one integer with the candidate index: only these
                // 16-byte keys are selected and sorted, and items are built for the head only
                self.keys.push(
                    (u128::from(total_order_key(l / q)) << 64) | (u128::from(w) << 32) | c as u128,
                );
            }
        }
        let n = self.keys.len();
        self.slack = slack;
        if n > HEAD {
            // the tail's smallest key lands at HEAD: its ratio is the tail bound. Prices move
            // little between calls, so the keys below this target's last head threshold
            // (ratio + 10 %) are gathered first and the selection runs on them only when they
            // hold the HEAD + 1 smallest (any key order gives the same head and tail)
            if self.thr.len() != pb.n_t {
                self.thr = vec![u128::MAX; pb.n_t];
            }
            let t = self.thr[j];
            let mut lo = 0;
            for i in 0..n {
                if self.keys[i] <= t {
                    self.keys.swap(lo, i);
                    lo += 1;
                }
            }
            if lo > HEAD {
                self.keys[..lo].select_nth_unstable(HEAD);
            } else {
                self.keys.select_nth_unstable(HEAD);
            }
            let r = key_ratio(self.keys[HEAD]);
            self.thr[j] = if r.is_finite() {
                (u128::from(total_order_key(r * 1.1)) << 64) | u128::from(u64::MAX)
            } else {
                u128::MAX
            };
            self.keys[..HEAD].sort_unstable();
            self.sorted = HEAD;
        } else {
            self.keys.sort_unstable();
            self.sorted = n;
        }
        self.items.clear();
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 || self.mark.len() != pb.n_w {
            self.mark = vec![0; pb.n_w];
            self.stamp = 1;
        }
        for &k in &self.keys[..self.sorted] {
            let mut it = ctx.item(k as u32 as usize);
            finish(&mut it);
            self.mark[it.w as usize] = self.stamp;
            self.items.push(it);
        }
        self.build_disc(ctx);
    }

    fn build_disc(&mut self, ctx: &Ctx) {
        let s = self.sorted;
        let mut keeps = [f64::INFINITY; DISC];
        let mut lams = [f64::INFINITY; DISC];
        self.tail_ratio = f64::INFINITY;
        if s < self.keys.len() {
            // the tail's summary without touching its candidates' data: the smallest ratio is
            // at keys[s] (see load); the smallest prices from the weapons in the keys; the
            // smallest keeps are the first tail candidates in candidate order (decreasing p),
            // so that walk stops after DISC units
            let (pb, j, lam) = (ctx.pb, ctx.j, ctx.lam);
            let k0 = self.keys[s];
            let (w0, c0) = ((k0 >> 32) as u32 as usize, k0 as u32 as usize);
            self.tail_ratio = lam[w0] / pb.cand_pq[j][c0].1;
            for &k in &self.keys[s..] {
                let w = (k >> 32) as u32 as usize;
                insert_sorted(&mut lams, lam[w], pb.counts[w]);
            }
            let v = pb.values[j];
            let mut got = 0;
            for (&w, &(p, _)) in pb.cand[j].iter().zip(&pb.cand_pq[j]) {
                let wi = w as usize;
                if self.mark[wi] == self.stamp || lam[wi] >= v * p + self.slack {
                    continue;
                }
                insert_sorted(&mut keeps, 1.0 - p, pb.counts[wi]);
                got += pb.counts[wi];
                if got >= DISC as u32 {
                    break;
                }
            }
        }
        self.disc.clear();
        self.disc.resize(s + 1, ([0.0; DISC], [0.0; DISC]));
        self.disc[s] = (keeps, lams);
        for k in (0..s).rev() {
            let it = &self.items[k];
            insert_sorted(&mut keeps, it.keep, it.cap);
            insert_sorted(&mut lams, it.lam, it.cap);
            self.disc[k] = (keeps, lams);
        }
    }

    /// Lower bound on the best completion over `items[k..]` with at most `room` more units
    /// from survival term `a`: the better of the continuous relaxation and the discrete bound
    /// `min_m a K_m + Λ_m` (any `m` units keep at least `K_m` of `a` and cost at least `Λ_m`).
    #[inline]
    fn bound(&self, k: usize, a: f64, room: u32) -> f64 {
        let (keeps, lams) = &self.disc[k.min(self.sorted)];
        let top = (room as usize).min(DISC);
        let mut b = a;
        let (mut km, mut lm) = (1.0, 0.0);
        for m in 0..top {
            // an infinite price (fewer than m+1 units left) makes the term infinite
            km *= keeps[m];
            lm += lams[m];
            b = b.min(a * km + lm);
        }
        if room as usize > DISC {
            // more than DISC units cost at least the price of DISC units
            b = b.min(lm);
        }
        b.max(self.ext(k, a))
    }

    /// Sorts the tail and builds its items: the whole item list is then in order.
    fn expand(&mut self, ctx: &Ctx) {
        let s = self.sorted;
        self.keys[s..].sort_unstable();
        for &k in &self.keys[s..] {
            let mut it = ctx.item(k as u32 as usize);
            finish(&mut it);
            self.items.push(it);
        }
        self.sorted = self.items.len();
        self.build_disc(ctx);
    }

    /// Continuous lower bound over `items[k..]` from survival term `a`.
    #[inline]
    fn ext(&self, k: usize, a: f64) -> f64 {
        ext_bound(
            a,
            &self.items[k.min(self.sorted)..self.sorted],
            self.tail_ratio,
        )
    }

    /// Solves `h_j(λ)` exactly and returns it, leaving the minimising pattern in
    /// `best_pattern()`. When the search needs more than `node_cap` nodes it stops and returns
    /// the smallest bound over the subtrees it did not explore and the best value found (still
    /// a lower bound on `h_j`), with the best pattern found so far.
    pub fn price(&mut self, pb: &Problem, j: usize, lam: &[f64], node_cap: u64) -> f64 {
        let v = pb.values[j];
        let ctx = Ctx { pb, j, lam };
        self.load(&ctx, 0.0);
        self.best = v;
        self.best_units.clear();
        self.stack.clear();
        self.node_cap = self.nodes.saturating_add(node_cap);
        self.limit_hit = false;
        self.room = pb.max_shots[j];
        self.frontier = f64::INFINITY;
        self.min_rec(&ctx, 0, v, 0.0);
        if self.limit_hit {
            self.frontier.min(self.best)
        } else {
            self.best
        }
    }

    pub fn best_pattern(&self) -> &[(u32, u32)] {
        &self.best_units
    }

    fn min_rec(&mut self, ctx: &Ctx, m: usize, a: f64, cost: f64) {
        self.nodes += 1;
        if self.nodes > self.node_cap {
            self.limit_hit = true;
            self.frontier = self.frontier.min(cost + self.bound(m, a, self.room));
            return;
        }
        let here = cost + a;
        if here < self.best - 1e-15 * self.best.abs() {
            self.best = here;
            self.best_units.clear();
            self.best_units.extend_from_slice(&self.stack);
        }
        for k in m..self.keys.len() {
            if cost + self.bound(k, a, self.room) >= self.best {
                break;
            }
            if k >= self.sorted {
                self.expand(ctx);
            }
            let it = self.items[k];
            let mut a2 = a;
            let mut c2 = cost;
            for n in 1..=it.cap.min(self.room) {
                a2 *= it.keep;
                c2 += it.lam;
                if c2 + self.bound(k + 1, a2, self.room - n) >= self.best {
                    // more units of k only help if the survival term still dominates
                    if c2 >= self.best {
                        break;
                    }
                    continue;
                }
                self.stack.push((it.w, n));
                self.room -= n;
                self.min_rec(ctx, k + 1, a2, c2);
                self.room += n;
                self.stack.pop();
                if self.limit_hit {
                    // everything not yet explored from this frame uses items k.. only
                    self.frontier = self.frontier.min(cost + self.bound(k, a, self.room));
                    return;
                }
            }
        }
    }

    /// Enumerates into `patterns`/`units` every pattern of target `j` whose reduced cost
    /// `cost_λ(x) - h` is at most `gap`, where `h = h_j(λ)`. Returns false when more than
    /// `max_units` unit entries would be stored, more than `node_budget` nodes visited or the
    /// deadline passed (the list is then incomplete).
    pub fn enumerate(
        &mut self,
        pb: &Problem,
        j: usize,
        lam: &[f64],
        h: f64,
        gap: f64,
        (max_units, node_budget): (usize, u64),
    ) -> bool {
        let ctx = Ctx { pb, j, lam };
        self.load(&ctx, gap.max(0.0));
        self.node_cap = self.nodes.saturating_add(node_budget);
        self.room = pb.max_shots[j];
        self.patterns.clear();
        self.units.clear();
        self.stack.clear();
        self.limit_hit = false;
        let v = pb.values[j];
        self.enum_rec(&ctx, 0, v, 0.0, h, h + gap, max_units);
        !self.limit_hit
    }

    #[allow(clippy::too_many_arguments)]
    fn enum_rec(
        &mut self,
        ctx: &Ctx,
        m: usize,
        a: f64,
        cost: f64,
        h: f64,
        thr: f64,
        max_units: usize,
    ) {
        self.nodes += 1;
        if self.limit_hit {
            return;
        }
        if self.nodes > self.node_cap {
            self.limit_hit = true;
            return;
        }
        if self.nodes.is_multiple_of(1 << 8)
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
        for k in m..self.keys.len() {
            if cost + self.bound(k, a, self.room) > thr {
                break;
            }
            if k >= self.sorted {
                self.expand(ctx);
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
                if c2 + self.bound(k + 1, a2, self.room - n) > thr {
                    continue;
                }
                self.stack.push((it.w, n));
                self.room -= n;
                self.enum_rec(ctx, k + 1, a2, c2, h, thr, max_units);
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

impl DualEval {
    /// The evaluation before any target is priced: the bound is the inventory term
    /// `-Σ_i λ_i c_i`, every target's value and pattern empty.
    pub fn inventories_only(pb: &Problem, lam: &[f64]) -> Self {
        Self {
            bound: -lam
                .iter()
                .zip(&pb.counts)
                .map(|(l, &c)| l * f64::from(c))
                .sum::<f64>(),
            h: vec![0.0; pb.n_t],
            load: vec![0; pb.n_w],
            patterns: vec![Vec::new(); pb.n_t],
        }
    }
}

/// Evaluates the Lagrangian bound and the relaxed solution at `λ` (each target's pricing capped
/// at `node_cap` nodes, see [`Pricer::price`]).
pub fn evaluate(pb: &Problem, lam: &[f64], pricer: &mut Pricer, node_cap: u64) -> DualEval {
    let DualEval {
        mut bound,
        mut h,
        mut load,
        mut patterns,
    } = DualEval::inventories_only(pb, lam);
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
                assert!(pr.enumerate(&pb, j, &lam, h, 1e-9, (1000, u64::MAX)));
                assert!(!pr.patterns.is_empty());
            }
        }
    }

    /// Best pattern with at most `room` units by exhaustive recursion (reference).
    fn brute_room(pb: &Problem, j: usize, lam: &[f64], i: usize, room: u32, a: f64, c: f64) -> f64 {
        if i == pb.n_w {
            return a + c;
        }
        let mut best = brute_room(pb, j, lam, i + 1, room, a, c);
        let (mut a2, mut c2) = (a, c);
        for n in 1..=pb.counts[i].min(room) {
            a2 *= 1.0 - pb.p(i, j);
            c2 += lam[i];
            best = best.min(brute_room(pb, j, lam, i + 1, room - n, a2, c2));
        }
        best
    }

    #[test]
    fn pricing_with_a_long_item_list_matches_brute_force() {
        // more weapons than the eagerly sorted head, so the lazy tail and both bounds are used
        let mut seed = 12345u64;
        let mut rnd = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let nw = 60;
        let weapons: Vec<String> = (0..nw)
            .map(|i| format!(r#"{{"id":{i},"count":{}}}"#, 1 + (rnd() * 2.0) as u32))
            .collect();
        let p: Vec<String> = (0..nw)
            .map(|_| {
                format!(
                    "[{:.4},{:.4}]",
                    0.3 + 0.6 * rnd(),
                    if rnd() < 0.3 { 0.0 } else { rnd() }
                )
            })
            .collect();
        let text = format!(
            r#"{{"weapons":[{}],"targets":[{{"id":0,"value":90}},{{"id":1,"value":35}}],"p":[{}]}}"#,
            weapons.join(","),
            p.join(",")
        );
        let pb = Problem::new(&WtaInstance::from_json(&text).unwrap())
            .unwrap()
            .with_max_shots(3);
        let mut pr = Pricer::default();
        for scale in [0.0, 0.5, 2.0, 8.0, 20.0] {
            // near-uniform prices make many patterns nearly tie (the hard case)
            let lam: Vec<f64> = (0..nw).map(|_| scale * (0.9 + 0.2 * rnd())).collect();
            for j in 0..2 {
                let h = pr.price(&pb, j, &lam, u64::MAX);
                let b = brute_room(&pb, j, &lam, 0, 3, pb.values[j], 0.0);
                assert!(
                    (h - b).abs() <= 1e-9 * (1.0 + b),
                    "scale {scale} j={j}: {h} vs {b}"
                );
                let pat = pr.best_pattern().to_vec();
                let val: f64 = pb.values[j]
                    * pat
                        .iter()
                        .map(|&(w, n)| (1.0 - pb.p(w as usize, j)).powi(n as i32))
                        .product::<f64>()
                    + pat
                        .iter()
                        .map(|&(w, n)| lam[w as usize] * f64::from(n))
                        .sum::<f64>();
                assert!((val - h).abs() <= 1e-9 * (1.0 + h));
                // the enumeration within a gap holds exactly the patterns a brute force counts
                assert!(pr.enumerate(&pb, j, &lam, h, 0.5, (1 << 20, u64::MAX)));
                assert!(pr.patterns.iter().all(|q| q.rc <= 0.5 + 1e-9));
                assert!(pr.patterns.iter().any(|q| q.rc <= 1e-9));
            }
        }
    }
}
