//! Static weapon-target assignment (WTA): minimise the expected surviving threat value
//! `Σ_j V_j Π_i (1 - p_ij)^x_ij` subject to `Σ_j x_ij <= count_i`, `x_ij` integer `>= 0`.
//! Pairs that cannot engage carry `p = 0` (the envelope variant).
//!
//! - [`instance`]: the JSON schema, validation with errors naming the field, internal form.
//! - [`heuristic`]: greedy maximum marginal return, repair, local search.
//! - [`exchange`]: cyclic and path exchanges (ejection chains) for the local search.
//! - [`reassign`]: the assignment neighbourhood (free a unit per target, reassign exactly).
//! - [`lagrange`]: Lagrangian relaxation of the inventories, exact per-target pricing.
//! - [`bundle`]: proximal bundle method on the per-target cutting-plane model of the dual.
//! - `dive`: relax-and-fix from the bundle's weights (fixed targets, nested solve of the rest).
//! - [`dual_lp`]: cutting-plane LP for the exact pattern-LP bound (small instances).
//! - [`solver`]: exact and anytime solver with a valid lower bound under a [`Budget`].

mod branch;
pub mod bundle;
mod cuts;
mod dive;
pub mod dual_lp;
pub mod exchange;
pub mod heuristic;
pub mod instance;
pub mod lagrange;
mod pool;
pub mod reassign;
pub mod solver;

pub use instance::{Problem, TargetSpec, WeaponSpec, WtaError, WtaInstance};
pub use solver::{Budget, SolveOptions, SolveStats, WtaResult, solve};

/// Parses, validates and solves an instance given as JSON text.
pub fn solve_json(text: &str, opts: &SolveOptions) -> Result<(WtaInstance, WtaResult), WtaError> {
    let inst = WtaInstance::from_json(text)?;
    let pb = Problem::new(&inst)?;
    let res = solve(&pb, opts);
    Ok((inst, res))
}

/// Loads a peer instance from `../shared/peer/wta/instances` for unit tests.
#[cfg(test)]
pub(crate) fn peer_problem(name: &str) -> Problem {
    let path = format!(
        "{}/../../../shared/peer/wta/instances/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Problem::new(&WtaInstance::from_json(&text).expect("instance")).expect("problem")
}
