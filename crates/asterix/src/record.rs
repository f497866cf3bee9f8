//! Block and record framing: splits a data block into records by walking each record's FSPEC
//! and the UAP table, recording where every present item lies. No values are decoded here, so
//! framing is cheap; typed and generic decoders read fields from the item slices afterwards.

use crate::error::{DecodeError, ErrorKind};
use crate::spec::{CategorySpec, ItemKind, ItemSpec};
use crate::tables::{spec_for, spec_for_record};

/// Most FRNs a record can announce (CAT021 has 49).
pub const MAX_ITEMS: usize = 64;

/// Where one item lies inside its record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ItemRef {
    /// Field reference number, 0-based.
    pub frn: u8,
    /// Offset of the item from the start of the record.
    pub start: u16,
    /// Length in octets.
    pub len: u16,
}

/// One framed record: its bytes and the position of every present item.
#[derive(Clone)]
pub struct RawRecord<'a> {
    /// Category.
    pub cat: u8,
    /// Byte offset of the record (FSPEC) in the input given to the decoder or stream.
    pub offset: usize,
    /// The record bytes, FSPEC included.
    pub bytes: &'a [u8],
    /// The table used to frame it.
    pub spec: &'static CategorySpec,
    items: [ItemRef; MAX_ITEMS],
    n: u8,
}

impl std::fmt::Debug for RawRecord<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawRecord")
            .field("cat", &self.cat)
            .field("offset", &self.offset)
            .field("len", &self.bytes.len())
            .field("items", &self.item_refs())
            .finish()
    }
}

impl<'a> RawRecord<'a> {
    /// Item references in FRN order.
    pub fn item_refs(&self) -> &[ItemRef] {
        &self.items[..usize::from(self.n)]
    }

    /// The bytes of the item at a 0-based FRN, if present.
    #[inline]
    pub fn item_at(&self, frn: usize) -> Option<&'a [u8]> {
        let bytes = self.bytes;
        self.item_refs()
            .iter()
            .find(|r| usize::from(r.frn) == frn)
            .and_then(|r| {
                bytes.get(usize::from(r.start)..usize::from(r.start) + usize::from(r.len))
            })
    }

    /// The bytes of an item by number ("040", "SP").
    pub fn item(&self, id: &str) -> Option<&'a [u8]> {
        self.spec.item(id).and_then(|(frn, _)| self.item_at(frn))
    }

    /// Present items with their specs and bytes.
    pub fn items(&self) -> impl Iterator<Item = (&'static ItemSpec, &'a [u8])> + '_ {
        let spec = self.spec;
        let bytes = self.bytes;
        self.item_refs().iter().filter_map(move |r| {
            let it = spec.at(usize::from(r.frn))?;
            let b = bytes.get(usize::from(r.start)..usize::from(r.start) + usize::from(r.len))?;
            Some((it, b))
        })
    }
}

/// Why an item's length could not be determined.
enum LenError {
    Overrun,
    BadExplicit,
}

/// Length in octets of an item starting at `data[0]`.
fn item_len(spec: &ItemSpec, data: &[u8]) -> Result<usize, LenError> {
    let n = match &spec.kind {
        ItemKind::Fixed { len, .. } => *len,
        ItemKind::Extended { parts, .. } => {
            let mut pos = 0usize;
            let mut i = 0usize;
            loop {
                pos += parts.get(i).copied().unwrap_or(1);
                let b = *data.get(pos - 1).ok_or(LenError::Overrun)?;
                if b & 1 == 0 {
                    break pos;
                }
                i += 1;
            }
        }
        ItemKind::Repetitive { elem, .. } => {
            let rep = usize::from(*data.first().ok_or(LenError::Overrun)?);
            1 + rep * elem
        }
        ItemKind::RepetitiveFx { elem, .. } => {
            let mut pos = 0usize;
            loop {
                pos += elem;
                let b = *data.get(pos - 1).ok_or(LenError::Overrun)?;
                if b & 1 == 0 {
                    break pos;
                }
            }
        }
        ItemKind::Compound { subs } => {
            let mut pos = 0usize;
            let mut present: [bool; 64] = [false; 64];
            let mut nslots = 0usize;
            loop {
                let b = *data.get(pos).ok_or(LenError::Overrun)?;
                pos += 1;
                for bit in 0..7 {
                    if nslots < 64 {
                        present[nslots] = b & (0x80 >> bit) != 0;
                    }
                    nslots += 1;
                }
                if b & 1 == 0 {
                    break;
                }
            }
            for (i, p) in present.iter().enumerate().take(nslots.min(64)) {
                if !*p {
                    continue;
                }
                let sub = subs
                    .get(i)
                    .and_then(|s| s.as_ref())
                    .ok_or(LenError::Overrun)?;
                let rest = data.get(pos..).ok_or(LenError::Overrun)?;
                pos += item_len(sub, rest)?;
            }
            pos
        }
        ItemKind::Explicit => {
            let l = usize::from(*data.first().ok_or(LenError::Overrun)?);
            if l == 0 {
                return Err(LenError::BadExplicit);
            }
            l
        }
    };
    if n > data.len() {
        return Err(LenError::Overrun);
    }
    Ok(n)
}

/// Frames the sub-items of a compound item: `(slot, bytes)` for each present subitem.
pub fn compound_subs<'a>(spec: &ItemSpec, data: &'a [u8]) -> Vec<(usize, &'a [u8])> {
    let mut out = Vec::new();
    let ItemKind::Compound { subs } = &spec.kind else {
        return out;
    };
    let mut pos = 0usize;
    let mut slots = Vec::new();
    loop {
        let Some(&b) = data.get(pos) else { return out };
        pos += 1;
        for bit in 0..7 {
            slots.push(b & (0x80 >> bit) != 0);
        }
        if b & 1 == 0 {
            break;
        }
    }
    for (i, p) in slots.iter().enumerate() {
        if !*p {
            continue;
        }
        let Some(Some(sub)) = subs.get(i) else {
            return out;
        };
        let Some(rest) = data.get(pos..) else {
            return out;
        };
        let Ok(l) = item_len(sub, rest) else {
            return out;
        };
        out.push((i, &rest[..l]));
        pos += l;
    }
    out
}

/// The bytes of compound subitem `slot`, if present (no allocation).
pub fn compound_sub<'a>(spec: &ItemSpec, data: &'a [u8], slot: usize) -> Option<&'a [u8]> {
    let ItemKind::Compound { subs } = &spec.kind else {
        return None;
    };
    let mut nfs = 0usize;
    loop {
        let b = *data.get(nfs)?;
        nfs += 1;
        if b & 1 == 0 {
            break;
        }
    }
    if slot >= nfs * 7 {
        return None;
    }
    let present = |i: usize| data[i / 7] & (0x80 >> (i % 7)) != 0;
    if !present(slot) {
        return None;
    }
    let mut pos = nfs;
    for i in 0..slot {
        if present(i) {
            let sub = subs.get(i)?.as_ref()?;
            pos += item_len(sub, data.get(pos..)?).ok()?;
        }
    }
    let sub = subs.get(slot)?.as_ref()?;
    let rest = data.get(pos..)?;
    let l = item_len(sub, rest).ok()?;
    rest.get(..l)
}

/// Frames one record starting at `data[0]` (data runs to the end of the block). `offset` is the
/// absolute offset of `data[0]` for error reporting.
pub fn frame_record<'a>(
    cat: u8,
    spec: &'static CategorySpec,
    data: &'a [u8],
    offset: usize,
) -> Result<RawRecord<'a>, DecodeError> {
    let mut fspec_len = 0usize;
    loop {
        let b = *data
            .get(fspec_len)
            .ok_or(DecodeError::new(offset, ErrorKind::FspecOverrun))?;
        fspec_len += 1;
        if b & 1 == 0 {
            break;
        }
    }
    let max_frn = spec.uap.len();
    let mut rec = RawRecord {
        cat,
        offset,
        bytes: data,
        spec,
        items: [ItemRef::default(); MAX_ITEMS],
        n: 0,
    };
    let mut pos = fspec_len;
    for (oi, &b) in data[..fspec_len].iter().enumerate() {
        for bit in 0..7 {
            if b & (0x80 >> bit) == 0 {
                continue;
            }
            let frn = oi * 7 + bit;
            if frn >= max_frn || frn >= MAX_ITEMS {
                return Err(DecodeError::new(offset, ErrorKind::FspecTooLong(fspec_len)));
            }
            let it = spec
                .at(frn)
                .ok_or(DecodeError::new(offset, ErrorKind::UndefinedItem(frn + 1)))?;
            let rest = &data[pos..];
            let len = item_len(it, rest).map_err(|e| {
                let kind = match e {
                    LenError::Overrun => ErrorKind::ItemOverrun { cat, item: it.id },
                    LenError::BadExplicit => ErrorKind::BadExplicitLength { cat, item: it.id },
                };
                DecodeError::new(offset + pos, kind)
            })?;
            let (Ok(start), Ok(l)) = (u16::try_from(pos), u16::try_from(len)) else {
                return Err(DecodeError::new(
                    offset + pos,
                    ErrorKind::ItemOverrun { cat, item: it.id },
                ));
            };
            rec.items[usize::from(rec.n)] = ItemRef {
                frn: frn as u8,
                start,
                len: l,
            };
            rec.n += 1;
            pos += len;
        }
    }
    if rec.n == 0 {
        return Err(DecodeError::new(offset, ErrorKind::EmptyRecord));
    }
    rec.bytes = &data[..pos];
    Ok(rec)
}

/// A decoded data block: its category and records.
#[derive(Debug, Clone)]
pub struct Block<'a> {
    /// Category.
    pub cat: u8,
    /// LEN field (header included).
    pub len: usize,
    /// Records in order.
    pub records: Vec<RawRecord<'a>>,
}

/// Decodes one data block (`CAT`, `LEN`, records). Trailing zero padding inside the block is
/// accepted. Offsets in the records and errors are relative to `buf[0]`.
pub fn decode_block(buf: &[u8]) -> Result<Block<'_>, DecodeError> {
    if buf.len() < 3 {
        return Err(DecodeError::new(
            0,
            ErrorKind::TruncatedBlock {
                needed: 3,
                available: buf.len(),
            },
        ));
    }
    let cat = buf[0];
    let len = usize::from(u16::from_be_bytes([buf[1], buf[2]]));
    if len < 3 {
        return Err(DecodeError::new(0, ErrorKind::BadLength(len as u16)));
    }
    if len > buf.len() {
        return Err(DecodeError::new(
            0,
            ErrorKind::TruncatedBlock {
                needed: len,
                available: buf.len(),
            },
        ));
    }
    spec_for(cat).ok_or(DecodeError::new(0, ErrorKind::UnknownCategory(cat)))?;
    let body = &buf[..len];
    let mut pos = 3;
    let mut records = Vec::new();
    while pos < len {
        if body[pos..].iter().all(|&b| b == 0) {
            break;
        }
        let rest = &body[pos..];
        let spec = spec_for_record(cat, rest)
            .ok_or(DecodeError::new(0, ErrorKind::UnknownCategory(cat)))?;
        let rec = frame_record(cat, spec, rest, pos)?;
        pos += rec.bytes.len();
        records.push(rec);
    }
    Ok(Block { cat, len, records })
}
