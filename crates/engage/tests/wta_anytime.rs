//! Anytime guarantees of the WTA solver on peer instances: a work budget gives bit-identical
//! results run to run (the live system replays its journal with one), the plan is never worse
//! than greedy maximum marginal return whatever the budget, the bound stays below every
//! feasible value, and malformed instances are refused with an error, never a panic.

use proptest::prelude::*;
use std::path::PathBuf;
use tessera_engage::wta::heuristic::greedy;
use tessera_engage::wta::{
    Budget, Problem, SolveOptions, TargetSpec, WeaponSpec, WtaInstance, WtaResult, solve,
};

fn peer(name: &str) -> Option<WtaInstance> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/peer/wta/instances"
    ))
    .join(format!("{name}.json"));
    if p.exists() {
        Some(WtaInstance::from_json(&std::fs::read_to_string(&p).unwrap()).unwrap())
    } else if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("missing {}", p.display());
    } else {
        eprintln!("skipping: {} not found", p.display());
        None
    }
}

fn with_work(units: u64) -> SolveOptions {
    SolveOptions {
        budget: Budget::work(units),
        ..SolveOptions::default()
    }
}

fn same(a: &WtaResult, b: &WtaResult) -> bool {
    a.value.to_bits() == b.value.to_bits()
        && a.lower_bound.to_bits() == b.lower_bound.to_bits()
        && a.assignment == b.assignment
        && a.proven_optimal == b.proven_optimal
        && a.multipliers.len() == b.multipliers.len()
        && a.multipliers
            .iter()
            .zip(&b.multipliers)
            .all(|(x, y)| x.to_bits() == y.to_bits())
        && a.stats.work == b.stats.work
        && a.stats.search_nodes == b.stats.search_nodes
}

#[test]
fn work_budget_is_bit_identical_run_to_run() {
    for (name, work) in [
        // stops inside the subgradient, the cutting-plane LP and the exact search respectively
        ("wta_envelope_40x40_s1", 20_000),
        ("wta_envelope_40x40_s1", 2_000_000),
        ("wta_static_40x40_s3", 6_000_000),
        ("wta_envelope_200x200_s2", 1_500_000),
    ] {
        let Some(inst) = peer(name) else { return };
        let pb = Problem::new(&inst).unwrap();
        let a = solve(&pb, &with_work(work));
        let b = solve(&pb, &with_work(work));
        assert!(same(&a, &b), "{name} with work {work}: {a:?} vs {b:?}");
        assert!(
            a.stats.work <= work + work / 2 + 1_000_000,
            "{name}: {}",
            a.stats.work
        );
    }
}

/// Short work budgets above 300 weapons + targets make the bound with the proximal bundle:
/// it runs, is deterministic, and its bound is valid and beats that of a fiftieth of the
/// budget (which ends in the uniform-price start).
#[test]
fn bundle_phase_is_deterministic_and_its_bound_valid() {
    for (name, work) in [
        ("wta_envelope_200x200_s2", 600_000),
        ("wta_static_400x400_s1", 300_000),
    ] {
        let Some(inst) = peer(name) else { return };
        let pb = Problem::new(&inst).unwrap();
        let a = solve(&pb, &with_work(work));
        let b = solve(&pb, &with_work(work));
        assert!(same(&a, &b), "{name} with work {work}: {a:?} vs {b:?}");
        assert!(a.stats.bundle_steps.0 > 0, "{name}: {:?}", a.stats);
        assert!(a.lower_bound <= a.value, "{name}");
        let uniform = solve(&pb, &with_work(work / 50));
        assert!(
            a.lower_bound > uniform.lower_bound,
            "{name}: bundle {} vs start {}",
            a.lower_bound,
            uniform.lower_bound
        );
    }
}

/// Above 300 weapons + targets under a short budget the plan comes from the relax-and-fix
/// dive on the bundle's weights. Under the live system's budget (2M work units) on 200x200
/// envelope s3, the hardest of the 200x200 set, it frees a part of the targets, is
/// bit-identical run to run, and ends within 1.5 % of its bound (1.06 % measured; 3.36 %
/// before the dive and the level search, whose plans came from the rounded weights).
#[test]
fn relax_and_fix_dive_makes_the_short_budget_plan() {
    let Some(inst) = peer("wta_envelope_200x200_s3") else {
        return;
    };
    let pb = Problem::new(&inst).unwrap();
    let a = solve(&pb, &with_work(2_000_000));
    let b = solve(&pb, &with_work(2_000_000));
    assert!(same(&a, &b), "{a:?} vs {b:?}");
    let free = a.stats.dive_free as usize;
    assert!(free > 0 && free < pb.n_t / 2, "{:?}", a.stats);
    assert!(a.lower_bound <= a.value);
    let gap = (a.value - a.lower_bound) / a.value;
    assert!(gap < 0.015, "gap {gap}: {} / {}", a.value, a.lower_bound);
    assert_eq!(
        inst.evaluate(&a.assignment).unwrap().to_bits(),
        a.value.to_bits()
    );
}

/// Where the pattern-LP bound is 0.4 % below the optimum (envelope 80x80 s1) the solve goes
/// on to branch-and-price: under a work budget that stops inside the tree (before the gap
/// allows the pattern pool) two runs are bit-identical and the bound is valid and above the
/// pattern-LP bound; with enough work the tree over the pool, cut at its root, proves the
/// optimum (bit-identically twice), which is 1.8 % below the peer's best-known plan (HiGHS,
/// time-limited) and above its bound.
#[test]
fn branch_and_price_is_deterministic_and_proves_envelope_80x80_s1() {
    let Some(inst) = peer("wta_envelope_80x80_s1") else {
        return;
    };
    let pb = Problem::new(&inst).unwrap();
    let (peer_plan, peer_bound) = (70.997569, 69.435303);
    let a = solve(&pb, &with_work(3_000_000));
    let b = solve(&pb, &with_work(3_000_000));
    assert!(same(&a, &b), "{a:?} vs {b:?}");
    assert!(a.stats.bp_nodes > 0, "{:?}", a.stats);
    assert!(!a.proven_optimal && a.lower_bound <= a.value);
    assert!(a.lower_bound > a.stats.lp_value + 1e-3, "{:?}", a.stats);
    let full = solve(&pb, &with_work(400_000_000));
    let again = solve(&pb, &with_work(400_000_000));
    assert!(same(&full, &again));
    assert!(full.proven_optimal, "{:?}", full.stats);
    assert!(
        full.stats.pool_patterns > 0 && full.stats.cuts > 0,
        "{:?}",
        full.stats
    );
    assert!(a.lower_bound <= full.value * (1.0 + 1e-9));
    assert!(full.value < peer_plan * (1.0 - 0.015), "{}", full.value);
    assert!(full.value > peer_bound && full.lower_bound >= a.lower_bound);
    assert_eq!(
        inst.evaluate(&full.assignment).unwrap().to_bits(),
        full.value.to_bits()
    );
}

#[test]
fn never_worse_than_greedy_and_bound_valid() {
    for name in [
        "wta_static_10x10_s2",
        "wta_envelope_20x20_s1",
        "wta_static_40x40_s1",
        "wta_envelope_80x80_s1",
        "wta_static_200x200_s1",
        "wta_envelope_200x200_s3",
    ] {
        let Some(inst) = peer(name) else { return };
        let pb = Problem::new(&inst).unwrap();
        let g = greedy(&pb).value(&pb);
        let mut values = Vec::new();
        for work in [0, 1, 1_000, 100_000, 3_000_000] {
            let r = solve(&pb, &with_work(work));
            assert_eq!(r.greedy_value.to_bits(), g.to_bits(), "{name}");
            assert!(
                r.value <= g,
                "{name} work {work}: {} worse than greedy {g}",
                r.value
            );
            let check = inst.evaluate(&r.assignment).unwrap();
            assert!((check - r.value).abs() <= 1e-9 * (1.0 + check), "{name}");
            assert!(r.lower_bound <= r.value, "{name}");
            assert!(r.lower_bound >= 0.0 && r.lower_bound.is_finite(), "{name}");
            values.push((r.value, r.lower_bound));
        }
        // every bound is below every plan met
        let best_value = values.iter().map(|v| v.0).fold(f64::INFINITY, f64::min);
        for (_, lb) in &values {
            assert!(
                *lb <= best_value * (1.0 + 1e-9),
                "{name}: bound {lb} > plan {best_value}"
            );
        }
    }
}

#[test]
fn time_budget_returns_in_time_with_a_valid_plan() {
    let Some(inst) = peer("wta_envelope_400x400_s1") else {
        return;
    };
    let pb = Problem::new(&inst).unwrap();
    let t = std::time::Instant::now();
    let r = solve(
        &pb,
        &SolveOptions {
            budget: Budget::time(std::time::Duration::from_millis(300)),
            ..SolveOptions::default()
        },
    );
    // generous: CI shares two cores and runs this unoptimised
    assert!(t.elapsed().as_secs_f64() < 3.0, "{:?}", t.elapsed());
    assert!(r.value <= r.greedy_value);
    assert!(r.lower_bound <= r.value && r.lower_bound > 0.0);
}

fn messy_instance() -> impl Strategy<Value = WtaInstance> {
    (0usize..4, 0usize..4).prop_flat_map(|(nw, nt)| {
        (
            prop::collection::vec(-2i64..4, nw),
            prop::collection::vec(prop_oneof![-5.0f64..100.0, Just(0.0)], nt),
            prop_oneof![
                3 => prop::collection::vec(
                    prop::collection::vec(prop_oneof![-0.5f64..1.5, Just(0.0), Just(1.0)], nt),
                    nw,
                ),
                // rows or columns of the wrong length
                1 => prop::collection::vec(prop::collection::vec(0.0f64..1.0, 0..5), 0..5),
            ],
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
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn malformed_instances_are_errors_not_panics(inst in messy_instance()) {
        let text = serde_json::to_string(&inst).unwrap();
        match WtaInstance::from_json(&text) {
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(
                    ["weapons[", "targets[", "`p`", "`p["].iter().any(|f| msg.contains(f)),
                    "error names no field: {msg}"
                );
                prop_assert!(Problem::new(&inst).is_err());
            }
            Ok(ok) => {
                let pb = Problem::new(&ok).unwrap();
                let r = solve(&pb, &with_work(10_000));
                prop_assert!(r.value.is_finite() && r.lower_bound <= r.value + 1e-9);
            }
        }
    }

    #[test]
    fn arbitrary_text_is_an_error_not_a_panic(s in ".{0,200}") {
        let _ = WtaInstance::from_json(&s);
    }
}
