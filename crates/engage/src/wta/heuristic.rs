#![allow(clippy::needless_range_loop)] // index loops over parallel per-target arrays
//! Primal side of the WTA: a mutable plan with its survival products, greedy maximum marginal
//! return (MMR), repair of over-used inventories, and a deterministic local search (add, move,
//! swap, and optionally the large neighbourhoods of [`super::reassign`] and
//! [`super::exchange`]) that never makes a plan worse.

use super::instance::Problem;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A plan under construction: units per (target, weapon), survival product per target and units
/// used per weapon.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Per target: `(weapon, units)` with `units > 0`.
    pub pat: Vec<Vec<(u32, u32)>>,
    /// Per target: `prod_i (1 - p_ij)^x_ij`.
    pub surv: Vec<f64>,
    /// Per weapon: units used.
    pub used: Vec<u32>,
}

impl Plan {
    pub fn empty(pb: &Problem) -> Self {
        Self {
            pat: vec![Vec::new(); pb.n_t],
            surv: vec![1.0; pb.n_t],
            used: vec![0; pb.n_w],
        }
    }

    pub fn add(&mut self, pb: &Problem, i: usize, j: usize) {
        self.used[i] += 1;
        self.surv[j] *= 1.0 - pb.p(i, j);
        match self.pat[j].iter_mut().find(|e| e.0 as usize == i) {
            Some(e) => e.1 += 1,
            None => self.pat[j].push((i as u32, 1)),
        }
    }

    pub fn remove(&mut self, pb: &Problem, i: usize, j: usize) {
        if let Some(k) = self.pat[j].iter().position(|e| e.0 as usize == i) {
            self.used[i] -= 1;
            self.pat[j][k].1 -= 1;
            if self.pat[j][k].1 == 0 {
                self.pat[j].swap_remove(k);
            }
            self.recompute_target(pb, j);
        }
    }

    /// Recomputes one survival product from scratch (no drift from repeated division).
    pub fn recompute_target(&mut self, pb: &Problem, j: usize) {
        self.surv[j] = self.pat[j]
            .iter()
            .map(|&(i, n)| (1.0 - pb.p(i as usize, j)).powi(n as i32))
            .product();
    }

    /// Exact objective, recomputed from the units.
    pub fn value(&self, pb: &Problem) -> f64 {
        (0..pb.n_t)
            .map(|j| {
                pb.values[j]
                    * self.pat[j]
                        .iter()
                        .map(|&(i, n)| (1.0 - pb.p(i as usize, j)).powi(n as i32))
                        .product::<f64>()
            })
            .sum()
    }

    /// Units assigned to target `j`.
    pub fn shots(&self, j: usize) -> u32 {
        self.pat[j].iter().map(|e| e.1).sum()
    }

    /// `(weapon, target, units)` triples, sorted.
    pub fn triples(&self) -> Vec<(usize, usize, u32)> {
        let mut v: Vec<(usize, usize, u32)> = self
            .pat
            .iter()
            .enumerate()
            .flat_map(|(j, p)| p.iter().map(move |&(i, n)| (i as usize, j, n)))
            .collect();
        v.sort_unstable();
        v
    }

    /// Builds a plan from per-target patterns (capacity not checked).
    pub fn from_patterns(pb: &Problem, pats: &[Vec<(u32, u32)>]) -> Self {
        let mut plan = Self::empty(pb);
        for (j, p) in pats.iter().enumerate() {
            for &(i, n) in p {
                if n > 0 {
                    plan.used[i as usize] += n;
                    plan.pat[j].push((i, n));
                }
            }
            plan.recompute_target(pb, j);
        }
        plan
    }
}

#[derive(PartialEq)]
struct Gain(f64, u32, u32);
impl Eq for Gain {}
impl PartialOrd for Gain {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Gain {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .total_cmp(&other.0)
            .then(other.1.cmp(&self.1))
            .then(other.2.cmp(&self.2))
    }
}

/// Greedy maximum marginal return: repeatedly gives the unit with the largest expected gain
/// `V_j s_j p_ij` until no unit gains anything. Extends `plan` (which may be partial) in place.
pub fn greedy_fill(pb: &Problem, plan: &mut Plan) {
    let mut ptr = vec![0usize; pb.n_t];
    let mut heap = BinaryHeap::with_capacity(pb.n_t);
    let best_of = |ptr: &mut usize, j: usize, used: &[u32]| -> Option<u32> {
        let c = &pb.cand[j];
        while *ptr < c.len() && used[c[*ptr] as usize] >= pb.counts[c[*ptr] as usize] {
            *ptr += 1;
        }
        c.get(*ptr).copied()
    };
    for j in 0..pb.n_t {
        if plan.shots(j) >= pb.max_shots[j] {
            continue;
        }
        if let Some(i) = best_of(&mut ptr[j], j, &plan.used) {
            let g = pb.values[j] * plan.surv[j] * pb.p(i as usize, j);
            heap.push(Gain(g, j as u32, i));
        }
    }
    while let Some(Gain(g, j, i)) = heap.pop() {
        if g <= 0.0 {
            break;
        }
        let (j, iu) = (j as usize, i as usize);
        if plan.used[iu] >= pb.counts[iu] {
            if let Some(i2) = best_of(&mut ptr[j], j, &plan.used) {
                let g = pb.values[j] * plan.surv[j] * pb.p(i2 as usize, j);
                heap.push(Gain(g, j as u32, i2));
            }
            continue;
        }
        plan.add(pb, iu, j);
        if plan.shots(j) >= pb.max_shots[j] {
            continue;
        }
        if let Some(i2) = best_of(&mut ptr[j], j, &plan.used) {
            let g = pb.values[j] * plan.surv[j] * pb.p(i2 as usize, j);
            heap.push(Gain(g, j as u32, i2));
        }
    }
}

/// Greedy MMR from the empty plan.
pub fn greedy(pb: &Problem) -> Plan {
    let mut plan = Plan::empty(pb);
    greedy_fill(pb, &mut plan);
    plan
}

/// Removes units from over-used weapons, each time the unit whose removal loses least.
pub fn repair(pb: &Problem, plan: &mut Plan) {
    let mut uses: Vec<Vec<u32>> = vec![Vec::new(); pb.n_w];
    for (j, pat) in plan.pat.iter().enumerate() {
        for &(i, _) in pat {
            if plan.used[i as usize] > pb.counts[i as usize] {
                uses[i as usize].push(j as u32);
            }
        }
    }
    for i in 0..pb.n_w {
        while plan.used[i] > pb.counts[i] {
            let mut best: Option<(f64, usize)> = None;
            for &j in &uses[i] {
                let j = j as usize;
                if plan.pat[j].iter().any(|e| e.0 as usize == i) {
                    let p = pb.p(i, j);
                    let loss = pb.values[j] * plan.surv[j] * p / (1.0 - p);
                    if best.is_none_or(|b| loss < b.0) {
                        best = Some((loss, j));
                    }
                }
            }
            match best {
                Some((_, j)) => plan.remove(pb, i, j),
                None => break,
            }
        }
    }
}

/// Work and time allowance of a local search.
#[derive(Debug, Clone, Copy)]
pub struct Allowance {
    /// Evaluations left.
    pub work: u64,
    /// Optional wall-clock deadline.
    pub deadline: Option<std::time::Instant>,
    /// Whether the search, at a local optimum of add / move / swap, also tries the large
    /// neighbourhoods: the assignment rounds of [`super::reassign`], then cyclic and path
    /// exchanges ([`super::exchange`]).
    pub wide: bool,
    checks: u64,
    spent: u64,
}

impl Allowance {
    pub fn new(work: u64, deadline: Option<std::time::Instant>) -> Self {
        Self {
            work,
            deadline,
            wide: false,
            checks: 0,
            spent: 0,
        }
    }

    /// Evaluations spent so far (a deadline that ends the allowance adds nothing).
    pub fn used(&self) -> u64 {
        self.spent
    }

    /// Spends `n` evaluations; true when the allowance is exhausted.
    pub(super) fn spend(&mut self, n: u64) -> bool {
        let take = n.min(self.work);
        self.work -= take;
        self.spent += take;
        self.checks += n;
        if self.work == 0 {
            return true;
        }
        if self.checks >= 20_000 {
            self.checks = 0;
            if self
                .deadline
                .is_some_and(|d| std::time::Instant::now() >= d)
            {
                self.work = 0;
                return true;
            }
        }
        false
    }
}

/// One (weapon, target) entry of a plan as the swap scan needs it.
#[derive(Debug, Clone, Copy)]
struct SwapEntry {
    w: u32,
    t: u32,
    /// `p_wt`.
    p: f64,
    /// `V_t s_t / (1 - p_wt)`: value at stake per unit of kill probability.
    alpha: f64,
}

impl SwapEntry {
    fn new(pb: &Problem, plan: &Plan, w: usize, t: usize) -> Self {
        let p = pb.p(w, t);
        Self {
            w: w as u32,
            t: t as u32,
            p,
            alpha: pb.values[t] * plan.surv[t] / (1.0 - p),
        }
    }
}

/// Local search to a local optimum of the add / move / swap neighbourhoods within an
/// allowance. Deterministic (index order, first improvement) when only work is limited.
pub fn local_search(pb: &Problem, plan: &mut Plan, allow: &mut Allowance) {
    let tol = 1e-12 * (1.0 + pb.total_value());
    loop {
        let mut improved = false;
        greedy_fill(pb, plan);
        // Move one unit of weapon i from target j to target k.
        for j in 0..pb.n_t {
            let mut e = 0;
            while e < plan.pat[j].len() {
                let i = plan.pat[j][e].0 as usize;
                let p = pb.p(i, j);
                let loss = pb.values[j] * plan.surv[j] * p / (1.0 - p);
                let mut best = (loss + tol, usize::MAX);
                for &k in &pb.reach[i] {
                    let k = k as usize;
                    if k != j && (pb.max_shots[k] == u32::MAX || plan.shots(k) < pb.max_shots[k]) {
                        let g = pb.values[k] * plan.surv[k] * pb.p(i, k);
                        if g > best.0 {
                            best = (g, k);
                        }
                    }
                }
                if allow.spend(pb.reach[i].len() as u64) {
                    return;
                }
                if best.1 != usize::MAX {
                    plan.remove(pb, i, j);
                    plan.add(pb, i, best.1);
                    improved = true;
                    continue; // entry e may have changed
                }
                e += 1;
            }
        }
        // Swap: a unit of a at j <-> a unit of b at k. With `α = V_j s_j / (1 - p_aj)` per
        // entry, the swap gains `α_x (p_bj - p_aj) + α_y (p_ak - p_bk)`; the scan for one entry
        // reads row `a` of `p` and row `j` of its transpose only (measured: the former form,
        // with two divisions and four scattered reads per pair, was 60 % of the local search)
        let mut units: Vec<SwapEntry> = plan
            .pat
            .iter()
            .enumerate()
            .flat_map(|(j, p)| p.iter().map(move |&(i, _)| (i as usize, j)))
            .map(|(a, j)| SwapEntry::new(pb, plan, a, j))
            .collect();
        let has = |plan: &Plan, w: usize, t: usize| plan.pat[t].iter().any(|e| e.0 as usize == w);
        for x in 0..units.len() {
            let mut y = x + 1;
            while y < units.len() {
                let ux = units[x];
                let (a, j) = (ux.w as usize, ux.t as usize);
                let row_a = &pb.p[a * pb.n_t..(a + 1) * pb.n_t];
                let col_j = &pb.pt[j * pb.n_w..(j + 1) * pb.n_w];
                let found = units[y..].iter().position(|uy| {
                    let (b, k) = (uy.w as usize, uy.t as usize);
                    let gain = ux.alpha * (col_j[b] - ux.p) + uy.alpha * (row_a[k] - uy.p);
                    gain > tol && a != b && j != k
                });
                let Some(off) = found else {
                    break;
                };
                y += off;
                let uy = units[y];
                let (b, k) = (uy.w as usize, uy.t as usize);
                let (paj, pbj, pak, pbk) = (pb.p(a, j), pb.p(b, j), pb.p(a, k), pb.p(b, k));
                let (vj, vk) = (pb.values[j] * plan.surv[j], pb.values[k] * plan.surv[k]);
                let new = vj * (1.0 - pbj) / (1.0 - paj) + vk * (1.0 - pak) / (1.0 - pbk);
                if new < vj + vk - tol && has(plan, a, j) && has(plan, b, k) {
                    plan.remove(pb, a, j);
                    plan.remove(pb, b, k);
                    plan.add(pb, b, j);
                    plan.add(pb, a, k);
                    plan.recompute_target(pb, j);
                    plan.recompute_target(pb, k);
                    units[x] = SwapEntry::new(pb, plan, b, j);
                    units[y] = SwapEntry::new(pb, plan, a, k);
                    for u in units.iter_mut() {
                        if u.t as usize == j || u.t as usize == k {
                            *u = SwapEntry::new(pb, plan, u.w as usize, u.t as usize);
                        }
                    }
                    improved = true;
                }
                y += 1;
            }
            if allow.spend(units.len() as u64) {
                return;
            }
        }
        if !improved {
            // (each round checks the allowance first: a round is not interruptible)
            let wider = allow.wide
                && ((0..super::reassign::ROUNDS).any(|round| {
                    allow.work > 0 && super::reassign::reassign_round(pb, plan, allow, round, tol)
                }) || (allow.work > 0 && super::exchange::exchange_pass(pb, plan, allow, tol)));
            if !wider || allow.work == 0 {
                return;
            }
        }
    }
}
