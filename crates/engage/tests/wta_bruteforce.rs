//! Property test: on tiny random instances the solver's value equals the brute-force optimum and
//! its lower bound never exceeds it, with and without a tiny work budget (anytime mode).

use proptest::prelude::*;
use tessera_engage::wta::{
    Budget, Problem, SolveOptions, TargetSpec, WeaponSpec, WtaInstance, solve,
};

fn brute(inst: &WtaInstance, max_shots: usize) -> f64 {
    let (nw, nt) = (inst.weapons.len(), inst.targets.len());
    // assign each unit of each weapon to a target or to nobody
    let mut units = Vec::new();
    for (i, w) in inst.weapons.iter().enumerate() {
        for _ in 0..w.count {
            units.push(i);
        }
    }
    let mut best = f64::INFINITY;
    let mut choice = vec![0usize; units.len()];
    loop {
        let mut surv = vec![1.0; nt];
        let mut shots = vec![0usize; nt];
        for (u, &c) in choice.iter().enumerate() {
            if c < nt {
                surv[c] *= 1.0 - inst.p[units[u]][c];
                shots[c] += 1;
            }
        }
        if shots.iter().all(|&s| s <= max_shots) {
            let v: f64 = inst
                .targets
                .iter()
                .zip(&surv)
                .map(|(t, s)| t.value * s)
                .sum();
            best = best.min(v);
        }
        let mut k = 0;
        loop {
            if k == units.len() {
                let _ = nw;
                return best;
            }
            if choice[k] < nt {
                choice[k] += 1;
                break;
            }
            choice[k] = 0;
            k += 1;
        }
    }
}

fn instance() -> impl Strategy<Value = WtaInstance> {
    (1usize..=3, 1usize..=3).prop_flat_map(|(nw, nt)| {
        (
            prop::collection::vec(0i64..=2, nw),
            prop::collection::vec(0.0f64..100.0, nt),
            prop::collection::vec(
                prop::collection::vec(prop_oneof![Just(0.0), 0.0f64..=1.0], nt),
                nw,
            ),
        )
            .prop_map(|(counts, values, p)| WtaInstance {
                name: None,
                weapons: counts
                    .into_iter()
                    .enumerate()
                    .map(|(i, count)| WeaponSpec {
                        id: i as i64,
                        count,
                    })
                    .collect(),
                targets: values
                    .into_iter()
                    .enumerate()
                    .map(|(j, value)| TargetSpec {
                        id: j as i64,
                        value,
                    })
                    .collect(),
                p,
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn exact_matches_brute_force(inst in instance()) {
        let opt = brute(&inst, usize::MAX);
        let pb = Problem::new(&inst).unwrap();
        let r = solve(&pb, &SolveOptions::default());
        let tol = 1e-9 * (1.0 + opt);
        prop_assert!(r.proven_optimal);
        prop_assert!((r.value - opt).abs() <= 1e-6 * (1.0 + opt), "value {} opt {}", r.value, opt);
        prop_assert!(r.lower_bound <= opt + tol, "bound {} opt {}", r.lower_bound, opt);
        prop_assert!((inst.evaluate(&r.assignment).unwrap() - r.value).abs() <= tol);
        // anytime with a tiny deterministic budget: still valid
        let r2 = solve(&pb, &SolveOptions { budget: Budget::work(50), ..SolveOptions::default() });
        prop_assert!(r2.lower_bound <= opt + tol);
        prop_assert!(r2.value >= opt - tol);
        prop_assert!(r2.value <= r2.greedy_value + tol);
        let r3 = solve(&pb, &SolveOptions { budget: Budget::work(50), ..SolveOptions::default() });
        prop_assert_eq!(r2.assignment, r3.assignment);
        // doctrine: at most one unit per target
        let opt1 = brute(&inst, 1);
        let r1 = solve(&pb.clone().with_max_shots(1), &SolveOptions::default());
        prop_assert!((r1.value - opt1).abs() <= 1e-6 * (1.0 + opt1), "k=1: {} vs {}", r1.value, opt1);
        prop_assert!(r1.lower_bound <= opt1 + tol);
    }
}
