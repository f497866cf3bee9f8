//! `tessera replay JOURNAL [--run N] [--export DIR]`: feeds a journaled run's inputs, in
//! order, through a fresh core built from the run's own site configuration, and compares the
//! digest of the picture and the recommendations at every cycle with the one journaled live.
//! With `--export`, writes `tracks.csv` (every published track at every cycle) and
//! `engagements.csv` (every engagement record at the end).

use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use tessera_runtime::Core;
use tessera_runtime::journal::JournalReader;

/// What a replay found.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ReplayReport {
    pub run: i64,
    pub inputs: u64,
    pub cycles: u64,
    /// Cycles whose journaled digest was compared.
    pub compared: u64,
    pub mismatches: u64,
    pub first_mismatch_seq: Option<i64>,
    pub final_digest: u64,
    pub tracks: usize,
    pub engagements: usize,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn text<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .unwrap_or_default()
}

/// Replays `run` (the latest when `None`) of the journal at `path`.
pub fn run_replay(path: &Path, run: Option<i64>, export: Option<&Path>) -> Result<ReplayReport> {
    let reader = JournalReader::open(path)?;
    let runs = reader.runs()?;
    let run = match run {
        Some(r) if runs.contains(&r) => r,
        Some(r) => bail!("{} has no run {r} (runs: {runs:?})", path.display()),
        None => *runs
            .last()
            .with_context(|| format!("{} holds no run", path.display()))?,
    };
    let site = reader.site(run)?;
    let expected: BTreeMap<i64, u64> = reader
        .cycles(run)?
        .into_iter()
        .map(|c| (c.seq, c.digest))
        .collect();
    let mut core = Core::new(site)?;
    let mut rep = ReplayReport {
        run,
        ..Default::default()
    };
    let mut tracks_csv = match export {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(dir.join("tracks.csv"))
                    .with_context(|| format!("cannot create {}/tracks.csv", dir.display()))?,
            );
            writeln!(
                f,
                "t_s,id,status,identity,class,lat_deg,lon_deg,alt_m,speed_mps,course_deg,climb_mps,sigma_pos_m,updates,callsign,mode3a,icao"
            )?;
            Some(f)
        }
        None => None,
    };
    reader.for_each_input(run, |e| {
        rep.inputs += 1;
        let fx = core.apply(&e.input);
        if let Some(c) = fx.cycle {
            rep.cycles += 1;
            rep.final_digest = c.digest;
            if let Some(&d) = expected.get(&e.seq) {
                rep.compared += 1;
                if d != c.digest {
                    rep.mismatches += 1;
                    rep.first_mismatch_seq.get_or_insert(e.seq);
                }
            }
            if let Some(f) = tracks_csv.as_mut() {
                let t_s = core.t_s(core.now());
                for v in core.picture().views(Some(core.now()), false) {
                    let _ = writeln!(
                        f,
                        "{t_s:.3},{},{},{},{},{:.7},{:.7},{:.1},{:.2},{:.2},{:.2},{:.1},{},{},{},{}",
                        v.id,
                        text(&v.status),
                        text(&v.identity),
                        text(&v.class),
                        v.lat_deg,
                        v.lon_deg,
                        v.alt_m,
                        v.speed_mps,
                        v.course_deg,
                        v.climb_mps,
                        v.sigma_pos_m,
                        v.updates,
                        csv_field(v.callsign.as_deref().unwrap_or("")),
                        v.mode3a.as_deref().unwrap_or(""),
                        v.icao.as_deref().unwrap_or(""),
                    );
                }
            }
        }
        Ok(())
    })?;
    rep.tracks = core.picture().tracks().filter(|t| t.published()).count();
    rep.engagements = core.workflow().records().count();
    if let Some(mut f) = tracks_csv {
        f.flush()?;
    }
    if let Some(dir) = export {
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(dir.join("engagements.csv"))
                .with_context(|| format!("cannot create {}/engagements.csv", dir.display()))?,
        );
        writeln!(
            f,
            "id,track,launcher,interceptor,rounds,status,created_t_s,updated_t_s,earliest_launch_t_s,latest_launch_t_s,pk,expected_leakage,threat_value,decided_by,decided_t_s,comment,outcome"
        )?;
        for r in core.workflow().records() {
            writeln!(
                f,
                "{},{},{},{},{},{},{:.3},{:.3},{:.3},{:.3},{:.4},{:.4},{:.4},{},{},{},{}",
                r.id,
                r.track,
                csv_field(&r.launcher_name),
                csv_field(&r.interceptor),
                r.rounds,
                text(&r.status),
                r.created_t_s,
                r.updated_t_s,
                r.earliest_launch_t_s,
                r.latest_launch_t_s,
                r.pk,
                r.expected_leakage,
                r.threat_value,
                csv_field(r.decided_by.as_deref().unwrap_or("")),
                r.decided_t_s.map_or(String::new(), |t| format!("{t:.3}")),
                csv_field(r.comment.as_deref().unwrap_or("")),
                r.outcome.as_deref().unwrap_or(""),
            )?;
        }
        f.flush()?;
    }
    Ok(rep)
}
