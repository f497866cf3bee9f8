//! Runs the WTA solver over instance files and compares with a peer `results.csv`.
//!
//! `cargo run --release -p tessera-engage --example wta_bench -- [--time-limit-ms N]
//!  [--work N] [--results CSV] [--repeat K] FILE...`
//!
//! Prints one CSV line per instance: name, size, value, lower bound, gap %, proven, best-known,
//! relative difference to best-known, greedy value, min wall ms over the repeats, CPU ms.

use std::time::{Duration, Instant};
use tessera_engage::wta::{Budget, Problem, SolveOptions, WtaInstance, solve};

fn cpu_ms() -> f64 {
    // process CPU time from /proc/self/stat (utime + stime, clock ticks of 10 ms on Linux)
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1.to_string();
            let f: Vec<&str> = rest.split_whitespace().collect();
            let u: f64 = f.get(11)?.parse().ok()?;
            let st: f64 = f.get(12)?.parse().ok()?;
            Some((u + st) * 10.0)
        })
        .unwrap_or(f64::NAN)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut files = Vec::new();
    let mut time_ms = None;
    let mut work = None;
    let mut results: Vec<String> = Vec::new();
    let mut repeat = 1;
    let mut heuristic = false;
    let mut no_lp = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--time-limit-ms" => time_ms = args.next().map(|v| v.parse()).transpose()?,
            "--work" => work = args.next().map(|v| v.parse()).transpose()?,
            "--results" => results.push(std::fs::read_to_string(args.next().unwrap_or_default())?),
            "--repeat" => repeat = args.next().unwrap_or_default().parse()?,
            "--heuristic" => heuristic = true,
            "--no-lp" => no_lp = true,
            _ => files.push(a),
        }
    }
    let best_known = |name: &str| -> Option<f64> {
        for r in &results {
            let mut lines = r.lines();
            let head: Vec<&str> = lines.next()?.split(',').collect();
            let col = head.iter().position(|h| *h == "best_known")?;
            let ncol = head.iter().position(|h| *h == "instance" || *h == "name")?;
            for l in lines {
                let f: Vec<&str> = l.split(',').collect();
                if f.get(ncol) == Some(&name) {
                    return f.get(col)?.parse().ok();
                }
            }
        }
        None
    };
    println!(
        "instance,W,T,value,lower_bound,gap_pct,proven,best_known,diff_rel,greedy,min_ms,cpu_ms"
    );
    for f in files {
        let text = std::fs::read_to_string(&f)?;
        let inst = WtaInstance::from_json(&text)?;
        let name = inst.name.clone().unwrap_or_else(|| f.clone());
        let pb = Problem::new(&inst)?;
        let opts = SolveOptions {
            budget: Budget {
                work,
                time: time_ms.map(Duration::from_millis),
            },
            heuristic_only: heuristic,
            use_lp: !no_lp,
            ..SolveOptions::default()
        };
        let mut best_ms = f64::INFINITY;
        let c0 = cpu_ms();
        let mut res = None;
        for _ in 0..repeat {
            let t = Instant::now();
            let r = solve(&pb, &opts);
            best_ms = best_ms.min(t.elapsed().as_secs_f64() * 1e3);
            res = Some(r);
        }
        let cpu = (cpu_ms() - c0) / repeat as f64;
        let r = res.expect("at least one run");
        let check = inst.evaluate(&r.assignment)?;
        assert!((check - r.value).abs() <= 1e-9 * (1.0 + check.abs()));
        let bk = best_known(&name);
        let gap = 100.0 * (r.value - r.lower_bound) / r.value.max(1e-300);
        println!(
            "{name},{},{},{:.6},{:.6},{:.4},{},{},{},{:.6},{:.1},{:.0}",
            inst.weapons.len(),
            inst.targets.len(),
            r.value,
            r.lower_bound,
            gap,
            r.proven_optimal,
            bk.map_or(String::new(), |b| format!("{b:.6}")),
            bk.map_or(String::new(), |b| format!("{:.2e}", (r.value - b) / b)),
            r.greedy_value,
            best_ms,
            cpu
        );
        eprintln!("  {name}: {:?}", r.stats);
    }
    Ok(())
}
