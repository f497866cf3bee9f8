//! The `tessera` binary: command-line front end of the Tessera engine.

use tessera_cli::cmd_track;

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
    }
    Ok(())
}
