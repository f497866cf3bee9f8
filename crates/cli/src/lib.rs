//! Library side of the `tessera` binary: each subcommand's logic lives in a module here so that
//! integration tests and benchmarks can call it without spawning a process.

pub mod cmd_bench;
pub mod cmd_bench_live;
pub mod cmd_decode;
pub mod cmd_eval;
pub mod cmd_live;
pub mod cmd_replay;
pub mod cmd_run;
pub mod cmd_simulate;
pub mod cmd_track;
pub mod cmd_wta;
pub mod cputime;
pub mod scan_builder;
