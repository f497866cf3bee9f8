//! The root's pattern pool: every per-target pattern whose reduced cost at the root
//! multipliers fits in the gap, enumerated once, and the restricted pricing that
//! branch-and-price does over it.
//!
//! For any plan `x` and any `λ >= 0`, `f(x) >= L(λ) + Σ_j rc_j(x_j)`, so a plan better than
//! the incumbent uses only patterns with `rc_j <= UB - L(λ)`. Where the pattern-LP bound is
//! within a few tenths of a per cent of the optimum, those patterns are few (on 80x80 a few
//! hundred to a few thousand over all targets), while the combinations of them that the
//! enumeration's search would have to rule out are too many. The tree then restricts every
//! node to the pool: a node's Lagrangian pricing is a minimum over its pool patterns instead of
//! a search over every weapon. That is exact for every plan that could still improve the
//! incumbent, its bound is at least the full pricing's (fewer patterns to choose from), and it
//! costs a few microseconds instead of a few hundred.

use super::instance::Problem;
use super::lagrange::{DualEval, Pattern, Pricer};
use super::solver::{Meter, SolveOptions};

/// Per target, patterns sorted by reduced cost and their units (what
/// [`super::solver::search_patterns`] takes).
pub(super) type PatternLists = (Vec<Vec<Pattern>>, Vec<Vec<(u32, u32)>>);

/// A pattern of the pool: its units in the owner's arena, its surviving value (the value of
/// the target times the survival of its units) and its reduced cost at the enumeration's
/// multipliers.
#[derive(Clone, Copy)]
struct Entry {
    start: u32,
    len: u32,
    cost: f64,
    rc: f64,
}

/// A pattern's cost plus its units' prices at `lam` (`units`: the arena it lives in).
fn priced(e: &Entry, units: &[(u32, u32)], lam: &[f64]) -> f64 {
    e.cost
        + units[e.start as usize..(e.start + e.len) as usize]
            .iter()
            .map(|&(w, n)| lam[w as usize] * f64::from(n))
            .sum::<f64>()
}

/// Unit entries a pool may hold per target: beyond that, a pricing over the pool costs about
/// what the search over the weapons does (a few microseconds a target at 80x80).
pub(super) const POOL_UNITS_PER_TARGET: usize = 4_000;

/// Entries (patterns plus units) a restricted pricing visits per work unit: the pricing's work
/// units are search nodes, each of which costs about as much as this many multiply-adds.
const ENTRIES_PER_UNIT: u64 = 32;

/// The root's patterns within the gap (see the module documentation).
pub(super) struct Pool {
    pats: Vec<Vec<Entry>>,
    units: Vec<(u32, u32)>,
    /// `L(λ)` at the enumeration's multipliers: every plan is worth at least this plus its
    /// patterns' reduced costs.
    pub(super) base: f64,
}

impl Pool {
    /// Enumerates the pool of `pb` at the multipliers `lam` for plans below `ub`; `None` when
    /// it would hold more than [`POOL_UNITS_PER_TARGET`] units a target or the meter ran out.
    pub(super) fn enumerate(
        pb: &Problem,
        lam: &[f64],
        ub: f64,
        opts: &SolveOptions,
        meter: &mut Meter,
        pricer: &mut Pricer,
    ) -> Option<Self> {
        // the enumeration reads the clock itself (every 256 nodes): a pool too large
        // for a short time limit must not overrun it
        pricer.deadline = meter.deadline();
        let ev = meter.evaluate(pb, lam, pricer);
        let gap = ub * (1.0 - opts.rel_gap) - ev.bound;
        if gap < 0.0 || meter.out() {
            return None;
        }
        let max_units = (POOL_UNITS_PER_TARGET * pb.n_t).min(opts.max_pattern_units);
        let mut pool = Self {
            pats: Vec::with_capacity(pb.n_t),
            units: Vec::new(),
            base: ev.bound,
        };
        for j in 0..pb.n_t {
            let n0 = pricer.nodes;
            let room = max_units.saturating_sub(pool.units.len());
            let ok = pricer.enumerate(pb, j, lam, ev.h[j], gap, (room, meter.remaining_work()));
            meter.work += pricer.nodes - n0;
            if !ok || meter.out() {
                return None;
            }
            let mut entries = Vec::with_capacity(pricer.patterns.len());
            for p in &pricer.patterns {
                let start = pool.units.len() as u32;
                let us = &pricer.units[p.start as usize..(p.start + p.len) as usize];
                pool.units.extend_from_slice(us);
                entries.push(Entry {
                    start,
                    len: p.len,
                    cost: p.val,
                    rc: p.rc,
                });
            }
            pool.pats.push(entries);
        }
        Some(pool)
    }

    /// Appends to every pattern its coefficients in `cuts` as units of virtual weapons
    /// `first..` (see [`super::cuts`]). Only the cuts weighting one of a pattern's weapons can
    /// give it a coefficient, so each pattern computes those alone.
    pub(super) fn add_cut_units(&mut self, cuts: &[super::cuts::RankOneCut], first: u32) {
        // per weapon, the cuts weighting it (a pattern can only have a coefficient in those);
        // each pattern gathers its candidate cuts from its own units, in cut order, so no
        // per-pattern list is allocated (a BTreeMap of per-weapon pattern lists and a vector
        // per pattern were 9 % of a generated envelope 80x80 proof with 55k patterns)
        let n_ids = cuts
            .iter()
            .flat_map(|c| c.weights.iter().map(|w| w.0 as usize + 1))
            .max()
            .unwrap_or(0);
        let mut cuts_of: Vec<Vec<u32>> = vec![Vec::new(); n_ids];
        for (s, cut) in cuts.iter().enumerate() {
            for &(w, _) in &cut.weights {
                cuts_of[w as usize].push(s as u32);
            }
        }
        let mut seen = vec![false; cuts.len()];
        let mut touched: Vec<u32> = Vec::new();
        let mut units = Vec::with_capacity(self.units.len() + self.units.len() / 4);
        for entries in &mut self.pats {
            for e in entries.iter_mut() {
                let own = &self.units[e.start as usize..(e.start + e.len) as usize];
                let start = units.len();
                units.extend_from_slice(own);
                touched.clear();
                for &(w, _) in own {
                    for &s in cuts_of.get(w as usize).map_or(&[][..], Vec::as_slice) {
                        if !seen[s as usize] {
                            seen[s as usize] = true;
                            touched.push(s);
                        }
                    }
                }
                touched.sort_unstable();
                for &s in &touched {
                    seen[s as usize] = false;
                    let beta = cuts[s as usize].coefficient(own);
                    if beta > 0 {
                        units.push((first + s, beta));
                    }
                }
                e.start = start as u32;
                e.len = (units.len() - start) as u32;
            }
        }
        self.units = units;
    }

    /// Reduced-cost filtering at better multipliers: at `lam` (weapons and cuts of `ext`, the
    /// root problem with the cuts' virtual weapons), every plan is worth at least `L(λ)` plus
    /// its patterns' reduced costs there (the cuts hold for every plan), so the patterns whose
    /// reduced cost exceeds `thr - L(λ)` go and the pool's base and reduced costs become those
    /// at `lam`; kept only where that bound is above the current base. Returns the work spent.
    pub(super) fn tighten(&mut self, ext: &Problem, lam: &[f64], thr: f64) -> u64 {
        let mut visited = 0u64;
        let mut h = vec![f64::INFINITY; self.pats.len()];
        for (j, entries) in self.pats.iter().enumerate() {
            for e in entries {
                visited += u64::from(e.len) + 1;
                h[j] = h[j].min(self.priced(e, lam));
            }
        }
        let bound = h.iter().sum::<f64>() + DualEval::inventories_only(ext, lam).bound;
        if bound.is_nan() || bound <= self.base {
            return visited / ENTRIES_PER_UNIT;
        }
        let max_rc = thr - bound;
        let mut units = Vec::new();
        for (j, entries) in self.pats.iter_mut().enumerate() {
            let mut kept = Vec::with_capacity(entries.len());
            for e in entries.iter() {
                let us = &self.units[e.start as usize..(e.start + e.len) as usize];
                let rc = priced(e, &self.units, lam) - h[j];
                if rc <= max_rc {
                    let start = units.len() as u32;
                    units.extend_from_slice(us);
                    kept.push(Entry {
                        start,
                        len: e.len,
                        cost: e.cost,
                        rc: rc.max(0.0),
                    });
                }
            }
            *entries = kept;
        }
        self.units = units;
        self.base = bound;
        visited / ENTRIES_PER_UNIT
    }

    fn priced(&self, e: &Entry, lam: &[f64]) -> f64 {
        priced(e, &self.units, lam)
    }

    /// Patterns in the pool.
    pub(super) fn len(&self) -> usize {
        self.pats.iter().map(Vec::len).sum()
    }

    /// Whether target `j`'s pattern `units` is in the pool.
    pub(super) fn contains(&self, j: usize, units: &[(u32, u32)]) -> bool {
        self.pats[j].iter().any(|e| self.units_of(e) == units)
    }

    fn units_of(&self, e: &Entry) -> &[(u32, u32)] {
        &self.units[e.start as usize..(e.start + e.len) as usize]
    }

    /// The pool of a branch-and-price node whose problem is `node`: the patterns with reduced
    /// cost at most `max_rc` that hold every unit `forced` onto their target and no pair
    /// `forbidden`, with the forced units taken out (the node's terms: its value is the
    /// root's times the survival of the forced units, so a pattern's surviving value is the
    /// same number), and that fit the node's inventories. Targets with nothing forced or
    /// forbidden keep their entries as they are, pointing into this pool's units.
    pub(super) fn restrict(
        &self,
        node: &Problem,
        forced: &[(u32, u32)],
        forbidden: &[(u32, u32)],
        max_rc: f64,
    ) -> NodePool<'_> {
        let mut out = NodePool {
            base: &self.units,
            own: Vec::new(),
            pats: Vec::with_capacity(self.pats.len()),
            from_base: Vec::with_capacity(self.pats.len()),
            work: 0,
        };
        // per target, its forced units as (weapon, units) and its forbidden weapons
        let mut forced_j: Vec<(u32, u32)> = Vec::new();
        let mut forbidden_j: Vec<u32> = Vec::new();
        for (j, entries) in self.pats.iter().enumerate() {
            let j32 = j as u32;
            forced_j.clear();
            for &(w, _) in forced.iter().filter(|f| f.1 == j32) {
                match forced_j.iter_mut().find(|f| f.0 == w) {
                    Some(f) => f.1 += 1,
                    None => forced_j.push((w, 1)),
                }
            }
            forbidden_j.clear();
            forbidden_j.extend(forbidden.iter().filter(|f| f.1 == j32).map(|f| f.0));
            let mut kept = Vec::with_capacity(entries.len());
            if forced_j.is_empty() && forbidden_j.is_empty() {
                // nothing fixed at this target: its patterns keep their units (those within
                // the node's inventories), read from the pool's own list without a copy
                for e in entries {
                    if e.rc > max_rc {
                        continue;
                    }
                    out.work += u64::from(e.len) + 1;
                    if self
                        .units_of(e)
                        .iter()
                        .all(|&(w, n)| n <= node.counts[w as usize])
                    {
                        kept.push(*e);
                    }
                }
                out.pats.push(kept);
                out.from_base.push(true);
                continue;
            }
            for e in entries {
                if e.rc > max_rc {
                    continue;
                }
                let us = self.units_of(e);
                out.work += u64::from(e.len) + 1;
                let holds = |&(w, k): &(u32, u32)| us.iter().any(|u| u.0 == w && u.1 >= k);
                if !forced_j.iter().all(holds) {
                    continue;
                }
                let start = out.own.len();
                let mut fits = true;
                for &(w, n) in us {
                    let held = forced_j.iter().find(|f| f.0 == w).map_or(0, |f| f.1);
                    let m = n - held;
                    if forbidden_j.contains(&w) || m > node.counts[w as usize] {
                        fits = false;
                        break;
                    }
                    if m > 0 {
                        out.own.push((w, m));
                    }
                }
                if !fits {
                    out.own.truncate(start);
                    continue;
                }
                kept.push(Entry {
                    start: start as u32,
                    len: (out.own.len() - start) as u32,
                    cost: e.cost,
                    rc: e.rc,
                });
            }
            out.pats.push(kept);
            out.from_base.push(false);
        }
        out
    }
}

#[cfg(test)]
impl Pool {
    /// Target `j`'s patterns, their real units (below `n_real`) sorted.
    pub(super) fn real_patterns(&self, j: usize, n_real: usize) -> Vec<Vec<(u32, u32)>> {
        real_patterns(&self.pats[j], &self.units, n_real)
    }
}

#[cfg(test)]
impl NodePool<'_> {
    /// Target `j`'s patterns, their real units (below `n_real`) sorted.
    pub(super) fn real_patterns(&self, j: usize, n_real: usize) -> Vec<Vec<(u32, u32)>> {
        real_patterns(&self.pats[j], self.units(j), n_real)
    }
}

#[cfg(test)]
fn real_patterns(entries: &[Entry], units: &[(u32, u32)], n_real: usize) -> Vec<Vec<(u32, u32)>> {
    entries
        .iter()
        .map(|e| real_sorted(&units[e.start as usize..(e.start + e.len) as usize], n_real))
        .collect()
}

#[cfg(test)]
fn real_sorted(units: &[(u32, u32)], n_real: usize) -> Vec<(u32, u32)> {
    let mut v: Vec<(u32, u32)> = units
        .iter()
        .copied()
        .filter(|u| (u.0 as usize) < n_real)
        .collect();
    v.sort_unstable();
    v
}

/// A node's share of the pool, in the node's terms (see [`Pool::restrict`]).
pub(super) struct NodePool<'a> {
    /// The pool's unit list: the patterns of targets with nothing fixed point into it.
    base: &'a [(u32, u32)],
    /// Units of the patterns of targets with forced or forbidden pairs (forced units out).
    own: Vec<(u32, u32)>,
    pats: Vec<Vec<Entry>>,
    /// Per target: whether its entries point into `base` (else into `own`).
    from_base: Vec<bool>,
    /// Entries visited building it.
    work: u64,
}

impl NodePool<'_> {
    /// Work units spent building it.
    pub(super) fn build_work(&self) -> u64 {
        self.work / ENTRIES_PER_UNIT
    }

    /// The unit list target `j`'s entries point into.
    fn units(&self, j: usize) -> &[(u32, u32)] {
        if self.from_base[j] {
            self.base
        } else {
            &self.own
        }
    }

    /// The units of target `j`'s entry `e`.
    fn units_of(&self, j: usize, e: &Entry) -> &[(u32, u32)] {
        &self.units(j)[e.start as usize..(e.start + e.len) as usize]
    }

    /// `L(λ)` of the node restricted to its pool, metered; `None` when a target has no pattern
    /// left (no plan of the node can improve the incumbent).
    pub(super) fn evaluate(
        &self,
        pb: &Problem,
        lam: &[f64],
        meter: &mut Meter,
    ) -> Option<DualEval> {
        let mut ev = DualEval::inventories_only(pb, lam);
        let mut visited = pb.n_t as u64;
        for (j, entries) in self.pats.iter().enumerate() {
            let units = self.units(j);
            let mut best: Option<(f64, &Entry)> = None;
            for e in entries {
                let v = priced(e, units, lam);
                if best.is_none_or(|b| v < b.0) {
                    best = Some((v, e));
                }
            }
            visited += entries.iter().map(|e| u64::from(e.len) + 1).sum::<u64>();
            let (v, e) = best?;
            ev.h[j] = v;
            ev.bound += v;
            let us = self.units_of(j, e);
            for &(w, n) in us {
                ev.load[w as usize] += n;
            }
            ev.patterns[j] = us.to_vec();
        }
        meter.work += visited / ENTRIES_PER_UNIT;
        Some(ev)
    }

    /// The node's patterns whose reduced cost at `lam` (where the node's pricing gave `h`) is
    /// at most `gap`, per target sorted by reduced cost, with their units: the input of the
    /// enumeration's search ([`super::solver::search_patterns`]).
    pub(super) fn within(
        &self,
        lam: &[f64],
        h: &[f64],
        gap: f64,
        meter: &mut Meter,
    ) -> PatternLists {
        let mut pats = Vec::with_capacity(self.pats.len());
        let mut units = Vec::with_capacity(self.pats.len());
        let mut visited = 0;
        for (j, entries) in self.pats.iter().enumerate() {
            let src = self.units(j);
            let mut ps = Vec::new();
            let mut us = Vec::new();
            for e in entries {
                visited += u64::from(e.len) + 1;
                let rc = priced(e, src, lam) - h[j];
                if rc <= gap {
                    ps.push(Pattern {
                        rc: rc.max(0.0),
                        val: e.cost,
                        start: us.len() as u32,
                        len: e.len,
                    });
                    us.extend_from_slice(self.units_of(j, e));
                }
            }
            ps.sort_by(|a, b| a.rc.total_cmp(&b.rc).then(a.start.cmp(&b.start)));
            pats.push(ps);
            units.push(us);
        }
        meter.work += visited / ENTRIES_PER_UNIT;
        (pats, units)
    }
}
