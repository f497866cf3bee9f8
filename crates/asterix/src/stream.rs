//! Tolerant decoding of a byte stream of consecutive data blocks: yields every record it can
//! frame and an error (with its byte offset) for everything it cannot, then resynchronises —
//! on the next block by LEN when the header is sane, otherwise by scanning for the next plausible
//! block header. Never panics, whatever the input.

use crate::error::{DecodeError, ErrorKind};
use crate::record::{RawRecord, frame_record};
use crate::tables::{spec_for, spec_for_record};

/// One event of a stream: a framed record or an error.
pub type StreamItem<'a> = Result<RawRecord<'a>, DecodeError>;

/// Is `data[pos..]` a plausible block header: known category, sane LEN, and the block ends at
/// the end of the data or where another plausible header starts?
fn plausible_block(data: &[u8], pos: usize) -> bool {
    let Some(h) = data.get(pos..pos + 3) else {
        return false;
    };
    let len = usize::from(u16::from_be_bytes([h[1], h[2]]));
    if spec_for(h[0]).is_none() || len < 4 || pos + len > data.len() {
        return false;
    }
    let next = pos + len;
    if next == data.len() {
        return true;
    }
    match data.get(next..next + 3) {
        Some(n) => {
            let nl = usize::from(u16::from_be_bytes([n[1], n[2]]));
            nl >= 3 && next + nl <= data.len()
        }
        None => false,
    }
}

/// Iterator over the records of a raw block stream.
#[derive(Debug, Clone)]
pub struct BlockStream<'a> {
    data: &'a [u8],
    base: usize,
    pos: usize,
    /// Current block: category and end offset (relative to `data`).
    block: Option<(u8, usize)>,
    done: bool,
}

impl<'a> BlockStream<'a> {
    /// A stream over `data`; `base` is added to every reported offset (e.g. the payload's
    /// position in a capture file).
    pub fn new(data: &'a [u8], base: usize) -> Self {
        Self {
            data,
            base,
            pos: 0,
            block: None,
            done: false,
        }
    }

    fn err(&self, at: usize, kind: ErrorKind) -> DecodeError {
        DecodeError::new(self.base + at, kind)
    }

    /// Scans forward from `from` for a plausible block header; positions the stream there (or at
    /// the end).
    fn resync(&mut self, from: usize) {
        self.block = None;
        let mut p = from;
        while p + 3 <= self.data.len() {
            if plausible_block(self.data, p) {
                self.pos = p;
                return;
            }
            p += 1;
        }
        self.pos = self.data.len();
    }

    fn next_inner(&mut self) -> Option<StreamItem<'a>> {
        loop {
            if self.done {
                return None;
            }
            if let Some((cat, end)) = self.block {
                if self.pos >= end {
                    self.block = None;
                    continue;
                }
                let rest = &self.data[self.pos..end];
                if rest.iter().all(|&b| b == 0) {
                    // zero padding at the end of a block
                    self.pos = end;
                    continue;
                }
                let Some(spec) = spec_for_record(cat, rest) else {
                    self.pos = end;
                    continue;
                };
                match frame_record(cat, spec, rest, self.base + self.pos) {
                    Ok(rec) => {
                        self.pos += rec.bytes.len();
                        return Some(Ok(rec));
                    }
                    Err(e) => {
                        // The rest of this block cannot be framed: go to the next block (its
                        // header is checked, and resynchronised on, like any other).
                        self.block = None;
                        self.pos = end;
                        return Some(Err(e));
                    }
                }
            }
            // At a block header.
            let remaining = self.data.len() - self.pos;
            if remaining == 0 {
                self.done = true;
                return None;
            }
            if remaining < 3 {
                let at = self.pos;
                self.done = true;
                if self.data[at..].iter().all(|&b| b == 0) {
                    return None;
                }
                return Some(Err(self.err(
                    at,
                    ErrorKind::TruncatedBlock {
                        needed: 3,
                        available: remaining,
                    },
                )));
            }
            let at = self.pos;
            let cat = self.data[at];
            let len = usize::from(u16::from_be_bytes([self.data[at + 1], self.data[at + 2]]));
            if len < 3 {
                if self.data[at..].iter().all(|&b| b == 0) {
                    self.done = true;
                    return None;
                }
                self.resync(at + 1);
                return Some(Err(self.err(at, ErrorKind::BadLength(len as u16))));
            }
            if len > remaining {
                // Truncated (or LEN wrong): frame what is there, then resync.
                let e = self.err(
                    at,
                    ErrorKind::TruncatedBlock {
                        needed: len,
                        available: remaining,
                    },
                );
                if spec_for(cat).is_some() {
                    self.block = Some((cat, self.data.len()));
                    self.pos = at + 3;
                } else {
                    self.resync(at + 1);
                }
                return Some(Err(e));
            }
            if spec_for(cat).is_none() {
                self.pos = at + len;
                return Some(Err(self.err(at, ErrorKind::UnknownCategory(cat))));
            }
            self.block = Some((cat, at + len));
            self.pos = at + 3;
        }
    }
}

impl<'a> Iterator for BlockStream<'a> {
    type Item = StreamItem<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_inner()
    }
}

/// Decodes every block of a raw stream, collecting records and errors.
pub fn decode_stream(data: &[u8]) -> (Vec<RawRecord<'_>>, Vec<DecodeError>) {
    let mut recs = Vec::new();
    let mut errs = Vec::new();
    for r in BlockStream::new(data, 0) {
        match r {
            Ok(r) => recs.push(r),
            Err(e) => errs.push(e),
        }
    }
    (recs, errs)
}
