//! Runs the scenario simulator without the CLI (for benchmarks until `tessera simulate` is
//! wired): `cargo run --release -p tessera-sim --example simulate -- [SCENARIO.toml] OUT_DIR`.

use std::path::Path;
use tessera_sim::world::{WorldConfig, default_world, simulate};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (scenario, out) = match args.as_slice() {
        [out] => (None, out),
        [s, out] => (Some(s), out),
        _ => {
            eprintln!("usage: simulate [SCENARIO.toml] OUT_DIR");
            std::process::exit(2);
        }
    };
    let config = match scenario {
        Some(s) => match WorldConfig::from_file(Path::new(s)) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        },
        None => default_world(),
    };
    match simulate(&config, Path::new(out)) {
        Ok(s) => println!(
            "{}: {} s simulated in {:.3} s wall ({:.0}x real time); {} objects, {} plots, {} ADS-B reports, {} launches, {} kills, {} impacts",
            s.name,
            s.duration_s,
            s.wall_s,
            s.duration_s / s.wall_s,
            s.objects,
            s.radar_plots,
            s.adsb_reports,
            s.launches,
            s.kills,
            s.impacts
        ),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
