//! Evaluate a Stone Soup tracks dump (`stonesoup_baseline.py --tracks-out`) against a scenario
//! file and print the report as one JSON line, with the evaluation time on stderr.
//!
//! `cargo run --release -p tessera-metrics --example eval_dump -- SCENARIO.jsonl.gz [TRACKS.jsonl.gz]`
//!
//! Without a tracks file, the truth itself is offset by 50 m in x and used as tracks (timing).

use flate2::read::GzDecoder;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::time::Instant;
use tessera_metrics::{EvalParams, StateSample, evaluate};

fn json_lines(path: &str) -> Vec<Value> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    BufReader::new(GzDecoder::new(file))
        .lines()
        .map(|l| serde_json::from_str(&l.expect("read line")).expect("JSON line"))
        .collect()
}

fn sample(time_us: i64, id: u64, state: &[Value]) -> StateSample {
    let v: Vec<f64> = state.iter().map(|x| x.as_f64().expect("number")).collect();
    let get = |i: usize| v.get(i).copied().unwrap_or(0.0);
    StateSample {
        time_us,
        id,
        position: [get(0), get(2), get(4)],
        velocity: [get(1), get(3), get(5)],
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(scenario) = args.first() else {
        eprintln!("usage: eval_dump SCENARIO.jsonl.gz [TRACKS.jsonl.gz]");
        std::process::exit(2);
    };
    let truths: Vec<StateSample> = json_lines(scenario)
        .iter()
        .filter(|r| r["type"] == "truth")
        .map(|r| {
            sample(
                r["t_us"].as_i64().unwrap(),
                r["id"].as_u64().unwrap(),
                r["state"].as_array().unwrap(),
            )
        })
        .collect();
    let tracks: Vec<StateSample> = match args.get(1) {
        Some(p) => json_lines(p)
            .iter()
            .map(|r| {
                sample(
                    r["t_us"].as_i64().unwrap(),
                    r["track"].as_u64().unwrap(),
                    r["mean"].as_array().unwrap(),
                )
            })
            .collect(),
        None => truths
            .iter()
            .map(|s| StateSample {
                position: [s.position[0] + 50.0, s.position[1], s.position[2]],
                ..*s
            })
            .collect(),
    };
    let t0 = Instant::now();
    let report = evaluate(&truths, &tracks, &EvalParams::default()).expect("evaluate");
    let dt = t0.elapsed();
    println!("{}", serde_json::to_string(&report).expect("serialise"));
    eprintln!("evaluate: {:.3} s", dt.as_secs_f64());
}
