//! Beast binary format (Mode-S Beast / dump1090 port 30005), sans-IO streaming parser.
//!
//! A frame is `0x1A`, a type byte (`'1'` Mode A/C, `'2'` Mode S short, `'3'` Mode S long), a
//! 6-byte big-endian 12 MHz timestamp, a signal-level byte and 2, 7 or 14 payload bytes. Every
//! `0x1A` inside a frame (timestamp, signal or payload) is sent twice. The parser accepts input
//! in arbitrary chunks ([`BeastParser::push`]), yields frames with their byte offset in the
//! stream, and after garbage (unknown type byte, truncated frame, bytes between frames) reports
//! one [`BeastError`] with the offset and resynchronises on the next frame start.

use serde::Serialize;
use thiserror::Error;

/// Frame start marker and escape byte.
pub const ESC: u8 = 0x1A;

/// Kind of a Beast frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameKind {
    /// `'1'`: Mode A/C reply, 2 bytes.
    ModeAc,
    /// `'2'`: short Mode S frame, 7 bytes.
    ModeSShort,
    /// `'3'`: long Mode S frame, 14 bytes.
    ModeSLong,
}

impl FrameKind {
    /// The kind for a type byte.
    pub fn from_type(b: u8) -> Option<Self> {
        match b {
            b'1' => Some(Self::ModeAc),
            b'2' => Some(Self::ModeSShort),
            b'3' => Some(Self::ModeSLong),
            _ => None,
        }
    }

    /// Payload length in bytes.
    pub fn payload_len(self) -> usize {
        match self {
            Self::ModeAc => 2,
            Self::ModeSShort => 7,
            Self::ModeSLong => 14,
        }
    }

    /// The type byte.
    pub fn type_byte(self) -> u8 {
        match self {
            Self::ModeAc => b'1',
            Self::ModeSShort => b'2',
            Self::ModeSLong => b'3',
        }
    }
}

/// One Beast frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeastFrame {
    /// Byte offset of the frame's leading `0x1A` in the stream.
    pub offset: u64,
    /// Frame kind.
    pub kind: FrameKind,
    /// 48-bit 12 MHz receiver counter.
    pub timestamp: u64,
    /// Raw signal level byte (RSSI, 0-255).
    pub signal: u8,
    /// Payload: 2 bytes Mode A/C, 7 or 14 bytes Mode S, unescaped.
    pub payload: Vec<u8>,
}

impl BeastFrame {
    /// The timestamp in seconds of the 12 MHz counter.
    pub fn seconds(&self) -> f64 {
        self.timestamp as f64 / 12e6
    }

    /// Signal level as a power ratio relative to full scale, `(signal/255)²`.
    pub fn signal_power(&self) -> f64 {
        let a = f64::from(self.signal) / 255.0;
        a * a
    }

    /// Signal level in dBFS (`-inf` when 0).
    pub fn signal_dbfs(&self) -> f64 {
        10.0 * self.signal_power().log10()
    }

    /// For Mode A/C frames: the 2 payload bytes as dump1090 sends them (Mode A code as four
    /// octal digits packed one per nibble, e.g. 0x7700 for 7700).
    pub fn mode_ac_code(&self) -> Option<String> {
        (self.kind == FrameKind::ModeAc && self.payload.len() == 2)
            .then(|| format!("{:02X}{:02X}", self.payload[0], self.payload[1]))
    }

    /// Encodes the frame back to Beast bytes (escaping every `0x1A`).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![ESC, self.kind.type_byte()];
        let ts = self.timestamp.to_be_bytes();
        let body = ts[2..]
            .iter()
            .chain(std::iter::once(&self.signal))
            .chain(self.payload.iter());
        for &b in body {
            out.push(b);
            if b == ESC {
                out.push(ESC);
            }
        }
        out
    }
}

/// A problem in a Beast stream. The parser skips the bad bytes and continues.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BeastError {
    /// Bytes that are not part of any frame (no `0x1A` frame start).
    #[error("byte {offset}: {len} bytes of garbage between frames")]
    Garbage {
        /// Offset of the first skipped byte.
        offset: u64,
        /// Number of bytes skipped.
        len: u64,
    },
    /// `0x1A` followed by an unknown frame type.
    #[error("byte {offset}: unknown frame type 0x{kind:02x}")]
    UnknownType {
        /// Offset of the `0x1A`.
        offset: u64,
        /// The type byte.
        kind: u8,
    },
    /// A frame cut short by an unescaped `0x1A` (the start of the next frame).
    #[error("byte {offset}: truncated frame (next frame starts at byte {next})")]
    Truncated {
        /// Offset of the truncated frame.
        offset: u64,
        /// Offset of the frame start that interrupted it.
        next: u64,
    },
    /// The stream ended inside a frame.
    #[error("byte {offset}: stream ends inside a frame")]
    UnexpectedEof {
        /// Offset of the unfinished frame.
        offset: u64,
    },
}

impl BeastError {
    /// The byte offset the error refers to.
    pub fn offset(&self) -> u64 {
        match *self {
            BeastError::Garbage { offset, .. }
            | BeastError::UnknownType { offset, .. }
            | BeastError::Truncated { offset, .. }
            | BeastError::UnexpectedEof { offset } => offset,
        }
    }
}

/// Item yielded by the parser.
pub type BeastItem = Result<BeastFrame, BeastError>;

/// Streaming Beast parser: push bytes, pull frames.
#[derive(Debug, Default, Clone)]
pub struct BeastParser {
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    base: u64,
    /// Read position within `buf`.
    pos: usize,
    frames: u64,
    errors: u64,
}

enum Step {
    Item(BeastItem),
    NeedMore,
}

impl BeastParser {
    /// A parser at stream offset 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes received from the stream.
    pub fn push(&mut self, data: &[u8]) {
        if self.pos > 0 && self.pos >= self.buf.len() / 2 {
            self.buf.drain(..self.pos);
            self.base += self.pos as u64;
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Number of frames returned so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Number of errors returned so far.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// The next frame or error, or `None` when more input is needed.
    pub fn next_item(&mut self) -> Option<BeastItem> {
        match self.step(false) {
            Step::Item(i) => Some(self.count(i)),
            Step::NeedMore => None,
        }
    }

    /// Call at the end of the stream: returns the remaining items, reporting an unfinished
    /// frame or trailing garbage as an error.
    pub fn finish(&mut self) -> Vec<BeastItem> {
        let mut out = Vec::new();
        while let Step::Item(i) = self.step(true) {
            let i = self.count(i);
            out.push(i);
        }
        out
    }

    fn count(&mut self, i: BeastItem) -> BeastItem {
        match &i {
            Ok(_) => self.frames += 1,
            Err(_) => self.errors += 1,
        }
        i
    }

    fn off(&self, i: usize) -> u64 {
        self.base + i as u64
    }

    fn step(&mut self, eof: bool) -> Step {
        let buf = &self.buf;
        let start = self.pos;
        if start >= buf.len() {
            return Step::NeedMore;
        }
        // Skip garbage up to the next frame start.
        if buf[start] != ESC {
            let next = buf[start..]
                .iter()
                .position(|&b| b == ESC)
                .map_or(buf.len(), |p| start + p);
            if next == buf.len() && !eof {
                // Wait: more garbage may follow; report it in one piece once a marker arrives.
                return Step::NeedMore;
            }
            self.pos = next;
            return Step::Item(Err(BeastError::Garbage {
                offset: self.off(start),
                len: (next - start) as u64,
            }));
        }
        let Some(&t) = buf.get(start + 1) else {
            if eof {
                self.pos = buf.len();
                return Step::Item(Err(BeastError::UnexpectedEof {
                    offset: self.off(start),
                }));
            }
            return Step::NeedMore;
        };
        let Some(kind) = FrameKind::from_type(t) else {
            // An escaped 0x1A 0x1A outside a frame, or an unknown type: skip the marker and
            // the type byte (unless the type byte is itself a frame start).
            self.pos = if t == ESC { start + 2 } else { start + 1 };
            return Step::Item(Err(BeastError::UnknownType {
                offset: self.off(start),
                kind: t,
            }));
        };
        let need = 6 + 1 + kind.payload_len();
        let mut body = Vec::with_capacity(need);
        let mut i = start + 2;
        while body.len() < need {
            let Some(&b) = buf.get(i) else {
                if eof {
                    self.pos = buf.len();
                    return Step::Item(Err(BeastError::UnexpectedEof {
                        offset: self.off(start),
                    }));
                }
                return Step::NeedMore;
            };
            if b == ESC {
                match buf.get(i + 1) {
                    Some(&ESC) => {
                        body.push(ESC);
                        i += 2;
                    }
                    Some(_) => {
                        // Unescaped marker: the frame was cut short; resync there.
                        self.pos = i;
                        return Step::Item(Err(BeastError::Truncated {
                            offset: self.off(start),
                            next: self.off(i),
                        }));
                    }
                    None if eof => {
                        self.pos = buf.len();
                        return Step::Item(Err(BeastError::UnexpectedEof {
                            offset: self.off(start),
                        }));
                    }
                    None => return Step::NeedMore,
                }
            } else {
                body.push(b);
                i += 1;
            }
        }
        self.pos = i;
        let timestamp = body[..6].iter().fold(0u64, |a, &b| (a << 8) | u64::from(b));
        Step::Item(Ok(BeastFrame {
            offset: self.off(start),
            kind,
            timestamp,
            signal: body[6],
            payload: body[7..].to_vec(),
        }))
    }
}

/// Parses a complete Beast byte buffer into frames and errors, in stream order.
pub fn parse_all(data: &[u8]) -> Vec<BeastItem> {
    let mut p = BeastParser::new();
    p.push(data);
    let mut out = Vec::new();
    while let Some(i) = p.next_item() {
        out.push(i);
    }
    out.extend(p.finish());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: FrameKind, ts: u64, payload: &[u8]) -> BeastFrame {
        BeastFrame {
            offset: 0,
            kind,
            timestamp: ts,
            signal: 0x1A,
            payload: payload.to_vec(),
        }
    }

    #[test]
    fn round_trip_with_escapes_and_chunking() {
        let a = frame(
            FrameKind::ModeSShort,
            0x1A1A_0000_001A,
            &[0x1A, 1, 2, 3, 4, 5, 0x1A],
        );
        let b = frame(FrameKind::ModeAc, 12, &[0x77, 0x00]);
        let mut bytes = a.encode();
        let off_b = bytes.len() as u64;
        bytes.extend(b.encode());
        // Feed one byte at a time.
        let mut p = BeastParser::new();
        let mut got = Vec::new();
        for &x in &bytes {
            p.push(&[x]);
            while let Some(i) = p.next_item() {
                got.push(i);
            }
        }
        got.extend(p.finish());
        assert_eq!(got.len(), 2);
        let ga = got[0].clone().unwrap();
        assert_eq!(ga.payload, a.payload);
        assert_eq!(ga.timestamp, a.timestamp);
        let gb = got[1].clone().unwrap();
        assert_eq!(gb.offset, off_b);
        assert_eq!(gb.mode_ac_code().unwrap(), "7700");
    }

    #[test]
    fn resyncs_after_garbage_and_truncation() {
        let good = frame(FrameKind::ModeSShort, 5, &[0x5D, 1, 2, 3, 4, 5, 6]).encode();
        let mut bytes = vec![0xFF, 0x00];
        bytes.extend(&good[..6]); // truncated frame at offset 2
        bytes.extend(&good); // good frame at offset 8
        bytes.extend([ESC, b'9']); // unknown type
        bytes.extend(&good[..4]); // eof inside a frame
        let items = parse_all(&bytes);
        let errs: Vec<_> = items.iter().filter_map(|i| i.clone().err()).collect();
        let oks: Vec<_> = items.iter().filter_map(|i| i.clone().ok()).collect();
        assert_eq!(oks.len(), 1);
        assert_eq!(oks[0].offset, 8);
        assert_eq!(errs[0], BeastError::Garbage { offset: 0, len: 2 });
        assert_eq!(errs[1], BeastError::Truncated { offset: 2, next: 8 });
        assert!(matches!(
            errs[2],
            BeastError::UnknownType { kind: b'9', .. }
        ));
        assert!(matches!(
            errs.last(),
            Some(BeastError::UnexpectedEof { .. })
        ));
    }
}
