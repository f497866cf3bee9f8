//! `tessera wta solve INSTANCE.json [--time-limit-ms N]`: solves a static weapon-target
//! assignment instance (format in `shared/formats.md`) and prints one JSON line:
//! `{"instance", "value", "lower_bound", "proven_optimal", "gap", "assignment":
//! [[weapon_id, target_id, units], …], "greedy_value", "work", "solve_ms"}` (`work`: the
//! deterministic work units spent, so a run can be replayed bit-identically with
//! `Budget::work`).
//!
//! Without `--time-limit-ms` the solver runs for at most [`DEFAULT_TIME_LIMIT_MS`]; it always
//! returns its best plan with a valid lower bound (anytime).

use anyhow::Context;
use std::time::{Duration, Instant};
use tessera_engage::wta::{Budget, Problem, SolveOptions, WtaInstance, solve};

/// Time limit used when none is given.
pub const DEFAULT_TIME_LIMIT_MS: u64 = 10_000;

/// Reads, validates and solves the instance at `path`; writes one JSON line to `out`.
pub fn run_wta_solve(
    path: &std::path::Path,
    time_limit_ms: Option<u64>,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read WTA instance {}", path.display()))?;
    let inst = WtaInstance::from_json(&text).with_context(|| format!("{}", path.display()))?;
    let pb = Problem::new(&inst)?;
    let opts = SolveOptions {
        budget: Budget::time(Duration::from_millis(
            time_limit_ms.unwrap_or(DEFAULT_TIME_LIMIT_MS),
        )),
        ..SolveOptions::default()
    };
    let start = Instant::now();
    let res = solve(&pb, &opts);
    let solve_ms = start.elapsed().as_secs_f64() * 1e3;
    let assignment: Vec<[i64; 3]> = res
        .assignment
        .iter()
        .map(|&(i, j, n)| [inst.weapons[i].id, inst.targets[j].id, i64::from(n)])
        .collect();
    let gap = if res.value > 0.0 {
        (res.value - res.lower_bound) / res.value
    } else {
        0.0
    };
    let line = serde_json::json!({
        "instance": inst.name,
        "value": res.value,
        "lower_bound": res.lower_bound,
        "proven_optimal": res.proven_optimal,
        "gap": gap,
        "assignment": assignment,
        "greedy_value": res.greedy_value,
        "work": res.stats.work,
        "solve_ms": solve_ms,
    });
    writeln!(out, "{line}")?;
    Ok(())
}
