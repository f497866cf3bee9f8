//! `tessera decode FILE [--format asterix|pcap]`: one JSON object per ASTERIX record on `out` (the
//! schema of `formats.md`), errors with their byte offsets on `err`, and a closing summary line on
//! `err`. Needs the `tessera-asterix` and `serde_json` dependencies.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::Path;
use tessera_asterix::RecordJson;
use tessera_asterix::capture::{Event, FileDecoder, Framing, detect};

/// Counts reported at the end of a decode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DecodeSummary {
    /// Records written.
    pub records: usize,
    /// Errors reported.
    pub errors: usize,
}

/// Decodes `path` (format `asterix` = raw blocks, `pcap` = pcap/pcapng auto-detected, `None` =
/// detect from the content) and writes JSON lines to `out`, errors and a summary to `err`.
pub fn run_decode(
    path: &Path,
    format: Option<&str>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<DecodeSummary> {
    let data = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let framing = match format {
        None => None,
        Some("asterix" | "raw") => Some(Framing::Raw),
        Some("pcap" | "pcapng") => match detect(&data) {
            f @ (Framing::Pcap | Framing::PcapNg) => Some(f),
            _ => {
                writeln!(
                    err,
                    "error: {} is not a pcap or pcapng file",
                    path.display()
                )?;
                None
            }
        },
        Some("gps") => Some(Framing::Gps),
        Some(other) => bail!("unknown decode format {other:?} (expected asterix or pcap)"),
    };
    let mut summary = DecodeSummary::default();
    for ev in FileDecoder::new(&data, framing) {
        match ev {
            Event::Record { record, .. } => {
                serde_json::to_writer(&mut *out, &RecordJson::from_record(&record))?;
                out.write_all(b"\n")?;
                summary.records += 1;
            }
            Event::Error(e) => {
                summary.errors += 1;
                writeln!(err, "error at byte {}: {}", e.offset, e.kind)?;
            }
        }
    }
    writeln!(
        err,
        "{{\"summary\":{{\"records\":{},\"errors\":{}}}}}",
        summary.records, summary.errors
    )?;
    Ok(summary)
}
