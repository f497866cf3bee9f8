//! JSON-lines output for `tessera decode --format sbs|beast`: one JSON object per decoded
//! record on `out`, one line per error (with line number or byte offset) on `err`, and a
//! [`DecodeSummary`] to print at the end.

use std::io::Write;

use serde::Serialize;

use crate::beast::{BeastFrame, BeastParser, FrameKind};
use crate::modes::{self, Adsb, Body, CprDecoder, CprKind, ModeSMessage};
use crate::sbs::{SbsReader, SbsRecord};

/// Counts of a decoding run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DecodeSummary {
    /// Records decoded and written.
    pub records: u64,
    /// Malformed records reported on the error stream.
    pub errors: u64,
    /// Records skipped on purpose (non-`MSG` SBS lines).
    pub skipped: u64,
    /// Write failures on the output streams (the run stops at the first one).
    pub io_errors: u64,
}

impl std::fmt::Display for DecodeSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "decoded {} records, {} errors, {} skipped",
            self.records, self.errors, self.skipped
        )
    }
}

/// Decodes SBS text, one JSON object per `MSG` line: `{"line":N, ...message fields}`.
pub fn decode_sbs_to_json(input: &[u8], out: &mut dyn Write, err: &mut dyn Write) -> DecodeSummary {
    let mut s = DecodeSummary::default();
    for item in SbsReader::new(input) {
        let res = match item {
            Ok(SbsRecord::Msg { line, msg }) => {
                s.records += 1;
                #[derive(Serialize)]
                struct Line<'a> {
                    line: u64,
                    #[serde(flatten)]
                    msg: &'a crate::sbs::SbsMessage,
                }
                write_json(out, &Line { line, msg: &msg })
            }
            Ok(SbsRecord::Skipped { line, kind }) => {
                s.skipped += 1;
                writeln!(err, "line {line}: skipped non-MSG record {kind:?}")
            }
            Err(e) => {
                s.errors += 1;
                writeln!(err, "{e}")
            }
        };
        if res.is_err() {
            s.io_errors += 1;
            break;
        }
    }
    s
}

/// A decoded Beast frame for JSON output.
#[derive(Debug, Serialize)]
pub struct BeastJson<'a> {
    /// Byte offset of the frame.
    pub offset: u64,
    /// Frame kind.
    pub kind: FrameKind,
    /// 12 MHz counter.
    pub timestamp: u64,
    /// Counter in seconds.
    pub t: f64,
    /// Raw signal byte.
    pub signal: u8,
    /// Payload in hex.
    pub hex: String,
    /// Mode A/C code (Mode A/C frames).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode_ac: Option<String>,
    /// Decoded Mode S content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modes: Option<&'a ModeSMessage>,
    /// Position decoded from CPR (`[lat, lon]`, degrees), when available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<[f64; 2]>,
}

/// Lower-case hex of a byte slice.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Position decoding of a decoded Mode S message through a stateful CPR decoder.
pub fn position_of(cpr: &mut CprDecoder, msg: &ModeSMessage, t: f64) -> Option<(f64, f64)> {
    if msg.crc != modes::Crc::Valid {
        return None;
    }
    match &msg.body {
        Body::ExtendedSquitter {
            adsb: Adsb::AirbornePosition { cpr: p, .. },
            ..
        } => cpr.update(msg.icao.0, CprKind::Airborne, *p, t),
        Body::ExtendedSquitter {
            adsb: Adsb::SurfacePosition { cpr: p, .. },
            ..
        } => cpr.update(msg.icao.0, CprKind::Surface, *p, t),
        _ => None,
    }
}

fn beast_json(
    frame: &BeastFrame,
    cpr: &mut CprDecoder,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<bool> {
    let decoded = match frame.kind {
        FrameKind::ModeAc => None,
        _ => match modes::decode(&frame.payload) {
            Ok(m) => Some(m),
            Err(e) => {
                writeln!(err, "byte {}: {e}", frame.offset)?;
                return Ok(false);
            }
        },
    };
    let position = decoded
        .as_ref()
        .and_then(|m| position_of(cpr, m, frame.seconds()))
        .map(|(a, b)| [a, b]);
    write_json(
        out,
        &BeastJson {
            offset: frame.offset,
            kind: frame.kind,
            timestamp: frame.timestamp,
            t: frame.seconds(),
            signal: frame.signal,
            hex: to_hex(&frame.payload),
            mode_ac: frame.mode_ac_code(),
            modes: decoded.as_ref(),
            position,
        },
    )?;
    Ok(true)
}

/// Decodes a Beast binary buffer, one JSON object per frame. Frames whose Mode S content
/// cannot be decoded, and stream errors, are reported with their byte offset on `err`.
pub fn decode_beast_to_json(
    input: &[u8],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> DecodeSummary {
    let mut s = DecodeSummary::default();
    let mut parser = BeastParser::new();
    let mut cpr = CprDecoder::new();
    parser.push(input);
    let mut items = Vec::new();
    while let Some(i) = parser.next_item() {
        items.push(i);
    }
    items.extend(parser.finish());
    for item in items {
        let res = match item {
            Ok(frame) => beast_json(&frame, &mut cpr, out, err).map(|ok| {
                if ok {
                    s.records += 1;
                } else {
                    s.errors += 1;
                }
            }),
            Err(e) => {
                s.errors += 1;
                writeln!(err, "{e}")
            }
        };
        if res.is_err() {
            s.io_errors += 1;
            break;
        }
    }
    s
}

fn write_json<T: Serialize>(out: &mut dyn Write, v: &T) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, v).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sbs_json_lines() {
        let input = b"MSG,5,1,1,400159,1,2018/04/03,19:02:28.136,2018/04/10,21:24:39.436,,36000,,,,,,,0,,0,0\nhello\nMSG,3,1\n";
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let s = decode_sbs_to_json(input, &mut out, &mut err);
        assert_eq!((s.records, s.errors, s.skipped), (1, 1, 1));
        let v: serde_json::Value =
            serde_json::from_slice(out.split(|&b| b == b'\n').next().unwrap()).unwrap();
        assert_eq!(v["icao"], "400159");
        assert_eq!(v["altitude"], 36000);
        assert!(String::from_utf8(err).unwrap().contains("line 3"));
    }

    #[test]
    fn beast_json_lines() {
        let f = BeastFrame {
            offset: 0,
            kind: FrameKind::ModeSLong,
            timestamp: 12_000_000,
            signal: 100,
            payload: modes::parse_hex("8D4840D6202CC371C32CE0576098").unwrap(),
        };
        let mut input = vec![0u8, 1];
        input.extend(f.encode());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let s = decode_beast_to_json(&input, &mut out, &mut err);
        assert_eq!((s.records, s.errors), (1, 1));
        let v: serde_json::Value = serde_json::from_slice(&out[..out.len() - 1]).unwrap();
        assert_eq!(v["modes"]["adsb"]["callsign"], "KLM1023");
        assert_eq!(v["offset"], 2);
        assert_eq!(v["t"], 1.0);
    }
}
