//! Rank-one Chvátal-Gomory cuts on the inventories of the pattern LP, the "cut" of
//! branch-price-and-cut, priced as extra inventories.
//!
//! A plan picks one pattern per target; with `y_p` the pick of pattern `p` and `a_ip` its
//! units of weapon `i`, the inventories read `Σ_p a_ip y_p <= c_i`. For weapons `S` and
//! weights `u_i >= 0`, `Σ_p ⌊Σ_{i∈S} u_i a_ip⌋ y_p <= ⌊Σ_{i∈S} u_i c_i⌋` holds for every plan
//! (the left side is an integer below `Σ u_i c_i`). The pattern LP's solution splits units
//! between targets in ways these forbid: three single-unit weapons shared pairwise by three
//! half-weighted patterns (`S` of three weapons, `u = 1/2`: at most one pattern with two of
//! them), or two patterns each taking two units of a three-unit weapon (`u = 1/2` on one
//! weapon). Measured on the pool of static 80x80 s2 (HiGHS on the pattern LP): one round of 50
//! such cuts took the bound from 0.069 % to 0.008 % below the optimum; envelope 80x80 s1 0.40
//! to 0.17 %, a generated envelope 80x80 (seed 14) 0.29 to 0.08 % in two rounds.
//!
//! A cut is a row like an inventory, so it enters the problem as a *virtual weapon*: no kill
//! probability anywhere, an inventory of the cut's right-hand side, and in each pool pattern
//! as many units as the pattern's coefficient. The Lagrangian, the bundle, the node
//! enumeration's inventory check and the node problems then handle cuts and inventories
//! alike, and a cut's multiplier is an ordinary price.

use super::bundle::TargetWeights;
use super::instance::Problem;

/// One cut: `Σ_p ⌊Σ_{(i, u_i) ∈ weights} u_i a_ip / den⌋ y_p <= rhs`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RankOneCut {
    /// Real weapons and their integer numerators.
    pub(super) weights: Vec<(u32, u32)>,
    pub(super) den: u32,
    pub(super) rhs: u32,
}

impl RankOneCut {
    /// The pattern's coefficient (its units of weapons at or beyond `n_real`, earlier cuts'
    /// virtual weapons, do not count).
    pub(super) fn coefficient(&self, units: &[(u32, u32)]) -> u32 {
        let sum: u32 = self
            .weights
            .iter()
            .map(|&(w, u)| u * units.iter().find(|x| x.0 == w).map_or(0, |x| x.1))
            .sum();
        sum / self.den
    }

    fn new(pb: &Problem, weights: Vec<(u32, u32)>, den: u32) -> Self {
        let total: u32 = weights
            .iter()
            .map(|&(w, u)| u * pb.counts[w as usize])
            .sum();
        Self {
            weights,
            den,
            rhs: total / den,
        }
    }
}

/// Single-weapon weights `num / den` tried by the separation.
const SINGLE_WEIGHTS: [(u32, u32); 5] = [(1, 2), (1, 3), (2, 3), (1, 4), (3, 4)];

/// Violation below which a cut is not worth a row.
const MIN_VIOLATION: f64 = 1e-3;

/// The most violated cuts (at most `max_cuts`, not among `known`) of the fractional pattern
/// weights `weights[j]` (per target: `(units, weight)`; units of virtual weapons, at or
/// beyond `real.n_w`, are ignored): every single weapon with the weights of
/// [`SINGLE_WEIGHTS`], and every triple of weapons with `u = 1/2` among the weapons that
/// fractional patterns share. Returns the cuts and the work spent (pattern visits).
pub(super) fn separate(
    real: &Problem,
    weights: &[TargetWeights],
    known: &[RankOneCut],
    max_cuts: usize,
) -> (Vec<RankOneCut>, u64) {
    let n_w = real.n_w;
    // the weighted patterns with a real unit, flattened
    let mut pats: Vec<(&[(u32, u32)], f64)> = Vec::new();
    for per_target in weights {
        for (units, w) in per_target {
            if *w > 1e-9 && units.iter().any(|u| (u.0 as usize) < n_w) {
                pats.push((units.as_slice(), *w));
            }
        }
    }
    let mut work = 0u64;
    // per weapon, the patterns using it; weapons whose load is split between patterns
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n_w];
    for (k, (units, _)) in pats.iter().enumerate() {
        for &(w, _) in units.iter().filter(|u| (u.0 as usize) < n_w) {
            users[w as usize].push(k);
        }
    }
    let split: Vec<u32> = (0..n_w as u32)
        .filter(|&w| users[w as usize].iter().any(|&k| pats[k].1 < 1.0 - 1e-6))
        .collect();
    let mut found: Vec<(f64, RankOneCut)> = Vec::new();
    let mut consider =
        |cut: RankOneCut, touching: &mut dyn Iterator<Item = usize>, work: &mut u64| {
            let mut lhs = 0.0;
            for k in touching {
                *work += 1;
                lhs += f64::from(cut.coefficient(pats[k].0)) * pats[k].1;
            }
            let violation = lhs - f64::from(cut.rhs);
            if violation > MIN_VIOLATION && !known.contains(&cut) {
                found.push((violation, cut));
            }
        };
    for &w in &split {
        for (num, den) in SINGLE_WEIGHTS {
            let cut = RankOneCut::new(real, vec![(w, num)], den);
            consider(cut, &mut users[w as usize].iter().copied(), &mut work);
        }
    }
    // triples: a violated one has patterns holding two of its weapons, and the weight of the
    // patterns that one pair shares is at most the smaller inventory of the two, so (but for
    // patterns with two units of one weapon, which the single-weapon cuts cover) at least two
    // of its pairs share patterns; requiring that keeps the search to a few milliseconds at
    // 200x200 (16 ms with one shared pair)
    let ns = split.len();
    let mut share = vec![false; ns * ns];
    for x in 0..ns {
        for y in x + 1..ns {
            let (ua, ub) = (&users[split[x] as usize], &users[split[y] as usize]);
            work += (ua.len() + ub.len()) as u64;
            let s = ua.iter().any(|k| ub.binary_search(k).is_ok());
            share[x * ns + y] = s;
            share[y * ns + x] = s;
        }
    }
    let mut touching: Vec<usize> = Vec::new();
    for x in 0..ns {
        for y in x + 1..ns {
            for z in y + 1..ns {
                let shared = u8::from(share[x * ns + y])
                    + u8::from(share[x * ns + z])
                    + u8::from(share[y * ns + z]);
                if shared < 2 {
                    continue;
                }
                let (a, b, c) = (split[x], split[y], split[z]);
                touching.clear();
                for &w in &[a, b, c] {
                    touching.extend_from_slice(&users[w as usize]);
                }
                touching.sort_unstable();
                touching.dedup();
                let cut = RankOneCut::new(real, vec![(a, 1), (b, 1), (c, 1)], 2);
                consider(cut, &mut touching.iter().copied(), &mut work);
            }
        }
    }
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    found.truncate(max_cuts);
    (found.into_iter().map(|f| f.1).collect(), work)
}

/// `base` with one virtual weapon per cut appended (inventory: the cut's right-hand side, no
/// kill probability), keeping its doctrine limits.
pub(super) fn extend(base: &Problem, cuts: &[RankOneCut]) -> Problem {
    let (n_w, n_t) = (base.n_w, base.n_t);
    let mut counts = base.counts.clone();
    counts.extend(cuts.iter().map(|c| c.rhs));
    let mut p = base.p.clone();
    p.resize((n_w + cuts.len()) * n_t, 0.0);
    let mut q = base.q.clone();
    q.resize((n_w + cuts.len()) * n_t, 0.0);
    let mut pb = Problem::from_parts(counts, base.values.clone(), p, q);
    pb.max_shots.clone_from(&base.max_shots);
    pb
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wta::instance::WtaInstance;

    /// Three single-unit weapons, each pair of them in a half-weighted pattern of its own
    /// target: the inventories hold (every weapon fully used), the triple's cut does not
    /// (1.5 patterns with two of them, at most one allowed), and it is the most violated.
    #[test]
    fn separation_finds_the_odd_cycle() {
        let text = r#"{"weapons":[{"id":0,"count":1},{"id":1,"count":1},{"id":2,"count":1}],
            "targets":[{"id":0,"value":50},{"id":1,"value":40},{"id":2,"value":30}],
            "p":[[0.7,0.0,0.6],[0.8,0.5,0.0],[0.0,0.6,0.7]]}"#;
        let pb = Problem::new(&WtaInstance::from_json(text).unwrap()).unwrap();
        let half = |a: u32, b: u32| vec![(vec![(a, 1), (b, 1)], 0.5), (Vec::new(), 0.5)];
        let weights = vec![half(0, 1), half(1, 2), half(0, 2)];
        let (cuts, _) = separate(&pb, &weights, &[], 10);
        let triple = RankOneCut {
            weights: vec![(0, 1), (1, 1), (2, 1)],
            den: 2,
            rhs: 1,
        };
        assert_eq!(cuts.first(), Some(&triple), "{cuts:?}");
        // every cut found is valid: integral plans (one pattern per target within the
        // inventories) all satisfy it
        let options: Vec<Vec<Vec<(u32, u32)>>> = (0..3)
            .map(|j| {
                let mut v = vec![Vec::new()];
                for i in 0..3u32 {
                    if pb.p(i as usize, j) > 0.0 {
                        v.push(vec![(i, 1)]);
                    }
                }
                for &(a, b) in &[(0u32, 1u32), (1, 2), (0, 2)] {
                    if pb.p(a as usize, j) > 0.0 && pb.p(b as usize, j) > 0.0 {
                        v.push(vec![(a, 1), (b, 1)]);
                    }
                }
                v
            })
            .collect();
        for p0 in &options[0] {
            for p1 in &options[1] {
                for p2 in &options[2] {
                    let plan = [p0, p1, p2];
                    let fits = (0..3u32).all(|w| {
                        plan.iter()
                            .flat_map(|p| p.iter())
                            .filter(|u| u.0 == w)
                            .map(|u| u.1)
                            .sum::<u32>()
                            <= 1
                    });
                    if fits {
                        for cut in &cuts {
                            let lhs: u32 = plan.iter().map(|p| cut.coefficient(p)).sum();
                            assert!(lhs <= cut.rhs, "{cut:?} cuts off {plan:?}");
                        }
                    }
                }
            }
        }
        // the cut as a virtual weapon: an inventory of 1, no kill probability, no candidate
        let ext = extend(&pb, &cuts[..1]);
        assert_eq!((ext.n_w, ext.counts[3]), (4, 1));
        assert!((0..3).all(|j| ext.p(3, j) == 0.0 && !ext.cand[j].contains(&3)));
        assert_eq!(ext.cand, pb.cand);
        // a single weapon of three units taken twice by two half-weighted patterns: the
        // one-weapon cut with u = 1/2 (at most one pattern with two of its units)
        let text = r#"{"weapons":[{"id":0,"count":3}],
            "targets":[{"id":0,"value":50},{"id":1,"value":40}],"p":[[0.7,0.6]]}"#;
        let pb = Problem::new(&WtaInstance::from_json(text).unwrap()).unwrap();
        let two = vec![(vec![(0, 2)], 0.75), (Vec::new(), 0.25)];
        let (cuts, _) = separate(&pb, &[two.clone(), two], &[], 10);
        let single = RankOneCut {
            weights: vec![(0, 1)],
            den: 2,
            rhs: 1,
        };
        assert!(cuts.contains(&single), "{cuts:?}");
    }
}
