use std::time::Instant;
use tessera_engage::wta::heuristic::{Allowance, greedy, local_search};
use tessera_engage::wta::lagrange::{Pricer, evaluate};
use tessera_engage::wta::{Problem, WtaInstance};

fn main() -> anyhow::Result<()> {
    let f = std::env::args().nth(1).unwrap_or_default();
    let inst = WtaInstance::from_json(&std::fs::read_to_string(&f)?)?;
    let pb = Problem::new(&inst)?;
    let t = Instant::now();
    let mut g = greedy(&pb);
    let mut al = Allowance::new(u64::MAX, None);
    local_search(&pb, &mut g, &mut al);
    let ub = g.value(&pb);
    println!(
        "greedy+ls {ub:.4} in {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut pr = Pricer::default();
    let t = Instant::now();
    let hi = pb.values.iter().cloned().fold(0.0, f64::max);
    let (mut lo, mut hi) = (0.0f64, hi);
    let mut n = 0;
    let mut best = (f64::NEG_INFINITY, 0.0);
    while hi - lo > 1e-3 * (hi) && n < 40 {
        let m1 = lo + 0.382 * (hi - lo);
        let m2 = lo + 0.618 * (hi - lo);
        let l1 = evaluate(&pb, &vec![m1; pb.n_w], &mut pr, 2000).bound;
        let l2 = evaluate(&pb, &vec![m2; pb.n_w], &mut pr, 2000).bound;
        n += 2;
        if l1 > best.0 {
            best = (l1, m1);
        }
        if l2 > best.0 {
            best = (l2, m2);
        }
        if l1 < l2 { lo = m1 } else { hi = m2 }
    }
    println!(
        "uniform c {:.4} L {:.4} evals {n} in {:.1} ms gap {:.3}%",
        best.1,
        best.0,
        t.elapsed().as_secs_f64() * 1e3,
        100.0 * (ub - best.0) / ub
    );
    // subgradient from uniform, Polyak
    let mut lam = vec![best.1; pb.n_w];
    let mut lb = best.0;
    let mut theta = 1.0;
    let mut since = 0;
    let mut best_lam = lam.clone();
    let t = Instant::now();
    for it in 1..=400 {
        let ev = evaluate(&pb, &lam, &mut pr, 2000);
        if ev.bound > lb {
            lb = ev.bound;
            best_lam.clone_from(&lam);
            since = 0;
        } else {
            since += 1;
            if since >= 10 {
                theta *= 0.5;
                since = 0;
                lam.clone_from(&best_lam);
            }
        }
        let g: Vec<f64> = (0..pb.n_w)
            .map(|i| {
                let gi = f64::from(ev.load[i]) - f64::from(pb.counts[i]);
                if lam[i] <= 0.0 && gi < 0.0 { 0.0 } else { gi }
            })
            .collect();
        let n2: f64 = g.iter().map(|x| x * x).sum();
        if n2 == 0.0 {
            break;
        }
        let step = theta * (ub - ev.bound) / n2;
        for i in 0..pb.n_w {
            lam[i] = (lam[i] + step * g[i]).max(0.0);
        }
        if [10, 20, 50, 100, 200, 400].contains(&it) {
            println!(
                "  it {it} lb {lb:.4} gap {:.3}% {:.1} ms",
                100.0 * (ub - lb) / ub,
                t.elapsed().as_secs_f64() * 1e3
            );
        }
    }
    Ok(())
}
