//! The `tessera` binary: command-line front end of the Tessera engine.

use tessera_cli::{
    cmd_bench, cmd_decode, cmd_eval, cmd_live, cmd_replay, cmd_run, cmd_simulate, cmd_track,
    cmd_wta,
};
use tessera_sim::{RadarScenarioParams, generate};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "tessera",
    version,
    about = "Composite air picture and engagement coordination engine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The main job: the live system on a scenario (the embedded default "Coastal Sector" when
    /// none is given): simulated sensors and fire units in real time, the composite picture,
    /// threat evaluation and engagement recommendations, the operator page at --listen.
    Run {
        #[command(flatten)]
        options: cmd_live::LiveOptions,
        /// Logs as JSON lines.
        #[arg(long)]
        log_json: bool,
    },
    /// Replays a journaled run through a fresh core and checks every cycle's digest against
    /// the live one; optionally exports tracks and engagements as CSV.
    Replay {
        journal: PathBuf,
        #[arg(long)]
        run: Option<i64>,
        /// Write tracks.csv and engagements.csv into this directory.
        #[arg(long)]
        export: Option<PathBuf>,
    },
    /// Batch scoring: play a scenario's detections (the embedded benchmark scenario when none
    /// is given) through the tracker and report OSPA, GOSPA and SIAP against its truth.
    Score {
        #[arg(long)]
        scenario: Option<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Replay a scenario file's detections through the tracker.
    Track {
        /// Scenario file (JSON lines, optionally gzip).
        #[arg(long)]
        input: PathBuf,
        /// Track output (JSON lines); `-` for stdout.
        #[arg(long)]
        output: PathBuf,
        /// Tracker configuration (TOML or JSON); defaults documented in `docs/tracker.md`.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Also write each state's covariance.
        #[arg(long)]
        with_cov: bool,
        /// Do not write the retrodicted states of a track's tentative phase on confirmation.
        #[arg(long)]
        no_history: bool,
    },
    /// Score a track file against a scenario's ground truth (OSPA, GOSPA, SIAP as the peer).
    Eval {
        #[arg(long)]
        scenario: PathBuf,
        #[arg(long)]
        tracks: PathBuf,
        /// OSPA cut-off, m.
        #[arg(long, default_value_t = 1000.0)]
        ospa_c: f64,
        /// OSPA order.
        #[arg(long, default_value_t = 1.0)]
        ospa_p: f64,
        /// SIAP track-to-truth association threshold, m.
        #[arg(long, default_value_t = 1000.0)]
        siap_threshold: f64,
    },
    /// Decode a recording: one JSON object per record on stdout, errors with byte offsets (or
    /// line numbers) and a closing count on stderr. Exit status 0 unless the file cannot be read.
    Decode {
        file: PathBuf,
        /// asterix (raw blocks), pcap (pcap/pcapng), gps, sbs or beast; detected when omitted
        /// (ASTERIX framings only).
        #[arg(long)]
        format: Option<String>,
    },
    /// Print the default tracker configuration as TOML (every key, with its default).
    DefaultConfig,
    /// The scenario simulator: with no subcommand, runs a TOML scenario (the embedded default
    /// "Coastal Sector" when `--scenario` is omitted) and writes truth, the CAT048 recording of
    /// all radars, CAT021 and SBS ADS-B, the scenario JSON lines, cues and engagement events
    /// into `--output DIR`.
    #[command(args_conflicts_with_subcommands = true)]
    Simulate {
        #[command(subcommand)]
        kind: Option<SimulateCommand>,
        /// Scenario file (TOML); the embedded default when omitted.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Output directory.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Weapon-target assignment.
    #[command(subcommand)]
    Wta(WtaCommand),
    /// Benchmarks (results belong in docs/benchmarks.md with the command line).
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand)]
enum SimulateCommand {
    /// A radar scenario file in the peer's format (formats.md): targets, staggered radars,
    /// noise, Pd and clutter; seeded.
    Radar {
        #[arg(long, default_value_t = 50)]
        targets: usize,
        #[arg(long, default_value_t = 3)]
        radars: usize,
        #[arg(long, default_value_t = 100)]
        scans: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// 3 (elevation, bearing, range) or 2 (bearing, range).
        #[arg(long, default_value_t = 3)]
        dim: usize,
        /// Seconds between two scans of one radar.
        #[arg(long, default_value_t = 1.0)]
        scan_period: f64,
        #[arg(long, default_value_t = 0.9)]
        pd: f64,
        /// Mean false alarms per scan per radar.
        #[arg(long, default_value_t = 5.0)]
        clutter: f64,
        /// Fraction of targets that fly a coordinated turn.
        #[arg(long, default_value_t = 0.3)]
        turn_frac: f64,
        /// Largest turn rate, degrees per second.
        #[arg(long, default_value_t = 3.0)]
        max_turn_rate: f64,
        #[arg(long)]
        output: PathBuf,
    },
    /// Real recorded traffic (busiest 30 minutes of the Paris recording, cleaned) observed by
    /// three simulated 3D radars, in the scenario-file format.
    Traffic {
        /// The trajectories CSV.
        #[arg(
            long,
            default_value = "../shared/data/trajectories/quickstart_busiest30min.csv.gz"
        )]
        csv: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum WtaCommand {
    /// Solve a static WTA instance (formats.md schema); prints one JSON line with `value`,
    /// `assignment`, `lower_bound` and `solve_ms`.
    Solve {
        instance: PathBuf,
        /// Wall-clock budget; the best plan and a valid lower bound are returned when it ends.
        #[arg(long)]
        time_limit_ms: Option<u64>,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// The live system under load: UDP CAT048 from rotating radars over `targets` aircraft
    /// (plus optional clutter), plot-to-WebSocket-delta latency, drops and memory.
    Live(tessera_cli::cmd_bench_live::LiveBenchParams),
    /// Tracking-loop throughput on a scenario file; with --peer-python, the Stone Soup peer on
    /// the same file in the same run, and the ratio.
    Track {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, default_value_t = 3)]
        repeat: usize,
        /// Python interpreter with stonesoup 1.9.1 installed.
        #[arg(long)]
        peer_python: Option<PathBuf>,
        /// The peer script.
        #[arg(long, default_value = "../shared/peer/tracking/stonesoup_baseline.py")]
        peer_script: PathBuf,
    },
    /// Scale curve: every target seen by every radar once per scan period.
    Scale {
        /// Comma-separated target counts.
        #[arg(long, default_value = "1000,5000,10000,20000")]
        targets: String,
        #[arg(long, default_value_t = 20)]
        radars: usize,
        #[arg(long, default_value_t = 4.0)]
        scan_period: f64,
        /// Scans (snapshot) or rotations (rotating) per radar.
        #[arg(long, default_value_t = 15)]
        scans: usize,
        #[arg(long)]
        config: Option<PathBuf>,
        /// Rotating radars: plots at their beam-crossing times, delivered as sector scans
        /// through the live path (`process_sector`).
        #[arg(long)]
        rotating: bool,
        /// Rotating mode: sector scans per rotation.
        #[arg(long, default_value_t = 16)]
        sectors: usize,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Track {
            input,
            output,
            config,
            with_cov,
            no_history,
        } => {
            let cfg = cmd_track::load_config(config.as_deref())?;
            let scenario = tessera_sim::Scenario::read_with(&input, false)?;
            let mut out: Box<dyn Write> = if output.as_os_str() == "-" {
                Box::new(BufWriter::new(std::io::stdout().lock()))
            } else {
                Box::new(BufWriter::new(
                    std::fs::File::create(&output)
                        .with_context(|| format!("cannot create {}", output.display()))?,
                ))
            };
            let opts = cmd_track::TrackOptions {
                with_cov,
                history: !no_history,
                progress: true,
            };
            let summary = cmd_track::run_track(&scenario, &cfg, Some(&mut *out), &opts)?;
            out.flush()?;
            eprintln!("{}", serde_json::to_string(&summary)?);
        }
        Command::Run { options, log_json } => {
            anyhow::ensure!(
                options.speed.is_finite() && options.speed > 0.0 && options.speed <= 100.0,
                "--speed must be in (0, 100]"
            );
            let filter = tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
            let sub = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr);
            if log_json {
                sub.json().init();
            } else {
                sub.init();
            }
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(cmd_live::run_live(options))?;
        }
        Command::Replay {
            journal,
            run,
            export,
        } => {
            let rep = cmd_replay::run_replay(&journal, run, export.as_deref())?;
            println!("{}", serde_json::to_string(&rep)?);
            anyhow::ensure!(
                rep.mismatches == 0,
                "{} of {} cycles differ from the live run (first at input {:?})",
                rep.mismatches,
                rep.compared,
                rep.first_mismatch_seq
            );
        }
        Command::Score { scenario, config } => {
            let cfg = cmd_track::load_config(config.as_deref())?;
            let s = cmd_run::run(scenario.as_deref(), &cfg)?;
            let e = &s.evaluation;
            let siap = &e.siap;
            println!("Tessera — scenario: {}", s.scenario);
            println!(
                "  {} frames, {} detections, {} confirmed tracks, {:.0} detections per CPU-second, frame latency p99 {:.2} ms",
                s.tracking.frames,
                s.tracking.detections,
                s.tracking.tracks_confirmed,
                s.tracking.detections_per_cpu_second,
                s.tracking.frame_latency_p99_ms
            );
            println!(
                "  mean OSPA {:.1} m (c = 1000 m, p = 1); SIAP completeness {:.4}, spuriousness {:.4}, position accuracy {:.1} m, track-number changes {:.4}",
                e.mean_ospa,
                siap.completeness,
                siap.spuriousness,
                siap.position_accuracy_m,
                siap.rate_of_track_number_change
            );
            println!("{}", serde_json::to_string(&s)?);
        }
        Command::Eval {
            scenario,
            tracks,
            ospa_c,
            ospa_p,
            siap_threshold,
        } => {
            let scenario = tessera_sim::Scenario::read(&scenario)?;
            let tracks = cmd_eval::read_tracks(&tracks)?;
            let params = tessera_metrics::EvalParams {
                ospa_c,
                ospa_p,
                siap_association_threshold_m: siap_threshold,
                ..Default::default()
            };
            let report = cmd_eval::run_eval(&scenario.truths, &tracks, &params)?;
            println!("{}", serde_json::to_string(&report)?);
        }
        Command::Decode { file, format } => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            let mut err = std::io::stderr().lock();
            match format.as_deref() {
                Some(f @ ("sbs" | "beast")) => {
                    let data = std::fs::read(&file)
                        .with_context(|| format!("cannot read {}", file.display()))?;
                    let summary = if f == "sbs" {
                        tessera_feeds::json_out::decode_sbs_to_json(&data, &mut out, &mut err)
                    } else {
                        tessera_feeds::json_out::decode_beast_to_json(&data, &mut out, &mut err)
                    };
                    out.flush()?;
                    writeln!(err, "{}", serde_json::json!({ "summary": summary }))?;
                }
                _ => {
                    cmd_decode::run_decode(&file, format.as_deref(), &mut out, &mut err)?;
                    out.flush()?;
                }
            }
        }
        Command::DefaultConfig => {
            print!(
                "{}",
                toml::to_string(&tessera_track::TrackerConfig::default())?
            );
        }
        Command::Simulate {
            kind:
                Some(SimulateCommand::Radar {
                    targets,
                    radars,
                    scans,
                    seed,
                    dim,
                    scan_period,
                    pd,
                    clutter,
                    turn_frac,
                    max_turn_rate,
                    output,
                }),
            ..
        } => {
            anyhow::ensure!(dim == 2 || dim == 3, "--dim must be 2 or 3");
            anyhow::ensure!(pd > 0.0 && pd <= 1.0, "--pd must be in (0, 1]");
            anyhow::ensure!(
                clutter >= 0.0 && scan_period > 0.0,
                "--clutter and --scan-period must not be negative"
            );
            anyhow::ensure!(
                max_turn_rate >= 1.5,
                "--max-turn-rate must be at least 1.5 deg/s"
            );
            let params = RadarScenarioParams {
                targets,
                radars,
                scans,
                seed,
                dim,
                scan_period_s: scan_period,
                pd,
                clutter,
                turn_frac,
                turn_rate_deg_s: (1.5, max_turn_rate),
                ..Default::default()
            };
            generate(&params).write(&output)?;
        }
        Command::Simulate {
            kind: Some(SimulateCommand::Traffic { csv, seed, output }),
            ..
        } => {
            let mut params = tessera_sim::traffic::TrafficParams::paris(csv);
            params.seed = seed;
            let (scenario, cleaning) = tessera_sim::traffic::traffic_scenario(&params)?;
            eprintln!("{cleaning:?}");
            scenario.write(&output)?;
        }
        Command::Simulate {
            kind: None,
            scenario,
            output,
        } => {
            let output = output.context("--output DIR is required")?;
            cmd_simulate::run_simulate(scenario.as_deref(), &output)?;
        }
        Command::Wta(WtaCommand::Solve {
            instance,
            time_limit_ms,
        }) => {
            let mut out = std::io::stdout().lock();
            cmd_wta::run_wta_solve(&instance, time_limit_ms, &mut out)?;
        }
        Command::Bench(BenchCommand::Live(params)) => {
            let sector_s = params.sector_s;
            anyhow::ensure!(
                (sector_s * 128.0 - (sector_s * 128.0).round()).abs() < 1e-9 && sector_s > 0.0,
                "--sector-s must be a positive multiple of 1/128 s"
            );
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            let rep = rt.block_on(tessera_cli::cmd_bench_live::run(params))?;
            println!("{}", serde_json::to_string(&rep)?);
        }
        Command::Bench(BenchCommand::Track {
            input,
            config,
            repeat,
            peer_python,
            peer_script,
        }) => {
            let cfg = cmd_track::load_config(config.as_deref())?;
            let scenario = tessera_sim::Scenario::read_with(&input, false)?;
            let ours = cmd_bench::best_of(&scenario, &cfg, repeat)?;
            let mut out = serde_json::json!({"file": input, "tessera": ours});
            if let Some(py) = peer_python {
                let peer = cmd_bench::run_peer(&py, &peer_script, &input)?;
                let p = peer["detections_per_cpu_second"]
                    .as_f64()
                    .unwrap_or(f64::NAN);
                out["peer"] = peer;
                out["speedup_detections_per_cpu_second"] =
                    (ours.detections_per_cpu_second / p).into();
            }
            println!("{out}");
        }
        Command::Bench(BenchCommand::Scale {
            targets,
            radars,
            scan_period,
            scans,
            config,
            rotating,
            sectors,
        }) => {
            let cfg = cmd_track::load_config(config.as_deref())?;
            anyhow::ensure!(
                scan_period > 0.0 && sectors > 0,
                "--scan-period and --sectors must be positive"
            );
            for n in targets.split(',') {
                let n: usize = n
                    .trim()
                    .parse()
                    .with_context(|| format!("bad target count {n:?}"))?;
                let p = if rotating {
                    cmd_bench::scale_point_rotating(
                        cmd_bench::RotatingParams {
                            targets: n,
                            radars,
                            rotations: scans,
                            period_s: scan_period,
                            sectors,
                            ..Default::default()
                        },
                        &cfg,
                    )?
                } else {
                    cmd_bench::scale_point(n, radars, scan_period, scans, &cfg)?
                };
                println!("{}", serde_json::to_string(&p)?);
            }
        }
    }
    Ok(())
}
