//! Typed views of the records Tessera consumes, and encoders for CAT048 and CAT062.
//!
//! Field positions are not hand-coded: each typed decoder resolves, once, the fields it needs
//! from the category tables ([`crate::tables`]) into [`FieldRef`]s and reads through them; the
//! encoders write through the same references, so decoder and encoder share one declared layout.

use crate::bds::{Bds, decode_mb};
use crate::bits::{read_bits, sign_extend, write_bits};
use crate::error::{DecodeError, EncodeError, ErrorKind};
use crate::record::{RawRecord, compound_sub};
#[cfg(test)]
use crate::spec::ItemKind;
use crate::spec::{CategorySpec, FieldKind, ItemSpec};
use crate::tables::tables;
use crate::value::icao_chars;
use serde::Serialize;
use std::sync::OnceLock;

/// A field resolved from a table: item FRN, optional compound slot, bit position and scaling.
#[derive(Debug, Clone, Copy)]
pub struct FieldRef {
    frn: usize,
    item: Option<&'static ItemSpec>,
    slot: Option<usize>,
    off: usize,
    bits: usize,
    scale: f64,
    signed: bool,
}

impl FieldRef {
    const NONE: FieldRef = FieldRef {
        frn: usize::MAX,
        item: None,
        slot: None,
        off: 0,
        bits: 0,
        scale: 1.0,
        signed: false,
    };

    /// Resolves `item` (e.g. "040" or "380/ADR") / `field` in `spec`. Unknown names give a
    /// reference that never reads anything (caught by the unit tests).
    pub fn resolve(spec: &'static CategorySpec, item: &str, field: &str) -> Self {
        let (top, sub) = match item.split_once('/') {
            Some((t, s)) => (t, Some(s)),
            None => (item, None),
        };
        let Some((frn, it)) = spec.item(top) else {
            return Self::NONE;
        };
        let (slot, leaf) = match sub {
            Some(s) => match it.sub(s) {
                Some((slot, sp)) => (Some(slot), sp),
                None => return Self::NONE,
            },
            None => (None, it),
        };
        let Some(f) = leaf.field(field) else {
            return Self::NONE;
        };
        FieldRef {
            frn,
            item: Some(it),
            slot,
            off: f.bit_off,
            bits: f.bits,
            scale: f.scale(),
            signed: matches!(f.kind, FieldKind::Signed(_) | FieldKind::SignedInt),
        }
    }

    /// Whether the reference resolved.
    pub fn is_resolved(&self) -> bool {
        self.frn != usize::MAX
    }

    fn bytes<'a>(&self, rec: &RawRecord<'a>) -> Option<&'a [u8]> {
        let b = rec.item_at(self.frn)?;
        match (self.slot, self.item) {
            (Some(slot), Some(it)) => compound_sub(it, b, slot),
            _ => Some(b),
        }
    }

    /// Raw bits of the field.
    #[inline]
    pub fn raw(&self, rec: &RawRecord<'_>) -> Option<u64> {
        read_bits(self.bytes(rec)?, self.off, self.bits)
    }

    /// Scaled value.
    #[inline]
    pub fn value(&self, rec: &RawRecord<'_>) -> Option<f64> {
        let r = self.raw(rec)?;
        Some(if self.signed {
            sign_extend(r, self.bits) as f64 * self.scale
        } else {
            r as f64 * self.scale
        })
    }

    /// Raw value to store for a scaled quantity, range-checked.
    pub fn to_raw(&self, v: f64, what: &'static str) -> Result<u64, EncodeError> {
        let q = (v / self.scale).round();
        if !q.is_finite() {
            return Err(EncodeError::OutOfRange(what));
        }
        if self.signed {
            let lim = 1i64 << (self.bits - 1);
            let q = q as i64;
            if q < -lim || q >= lim {
                return Err(EncodeError::OutOfRange(what));
            }
            Ok((q as u64) & ((1u64 << self.bits) - 1))
        } else {
            let q = q as i64;
            if q < 0 || (self.bits < 64 && q as u64 >= 1u64 << self.bits) {
                return Err(EncodeError::OutOfRange(what));
            }
            Ok(q as u64)
        }
    }

    /// Writes raw bits into an item buffer.
    pub fn put(&self, buf: &mut [u8], raw: u64) {
        write_bits(buf, self.off, self.bits, raw);
    }
}

/// An 8-character aircraft identification (ICAO 6-bit set), trailing spaces kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Callsign(pub [u8; 8]);

impl Callsign {
    /// From up to 8 characters (A-Z, 0-9, space); other characters become spaces.
    pub fn new(s: &str) -> Self {
        let mut c = [b' '; 8];
        for (d, ch) in c.iter_mut().zip(s.bytes()) {
            *d = match ch.to_ascii_uppercase() {
                x @ (b'A'..=b'Z' | b'0'..=b'9') => x,
                _ => b' ',
            };
        }
        Callsign(c)
    }

    /// From the 48-bit ICAO encoding.
    pub fn from_icao(v: u64) -> Self {
        let s = icao_chars(v, 8);
        let mut c = [b' '; 8];
        for (d, ch) in c.iter_mut().zip(s.bytes()) {
            *d = ch;
        }
        Callsign(c)
    }

    /// The 48-bit ICAO encoding.
    pub fn to_icao(&self) -> u64 {
        self.0.iter().fold(0u64, |acc, &ch| {
            let code = match ch {
                b'A'..=b'Z' => u64::from(ch - b'A' + 1),
                b'0'..=b'9' => u64::from(ch - b'0') + 48,
                _ => 32,
            };
            (acc << 6) | code
        })
    }

    /// As text, trailing spaces trimmed.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("").trim_end()
    }
}

impl Serialize for Callsign {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One Comm-B register from I048/250 (raw), with its decoding when common.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MbData {
    /// 56-bit MB field.
    pub mb: [u8; 7],
    /// Register number, `BDS1 << 4 | BDS2` (0x40 for 4,0).
    pub register: u8,
}

impl MbData {
    /// Decodes the register if it is one of 2,0 4,0 5,0 6,0.
    pub fn decode(&self) -> Option<Bds> {
        decode_mb(self.register, &self.mb)
    }
}

// ---------------------------------------------------------------- CAT048

/// A CAT048 monoradar target report (plot and/or local track).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Cat048Plot {
    /// System area code.
    pub sac: u8,
    /// System identification code.
    pub sic: u8,
    /// Time of day, seconds since UTC midnight (I048/140).
    pub time_of_day: Option<f64>,
    /// I048/020 TYP (0 no detection … 7 Mode S roll-call + PSR).
    pub report_type: Option<u8>,
    /// I048/020 SIM.
    pub simulated: bool,
    /// Slant range, NM (I048/040).
    pub rho_nm: Option<f64>,
    /// Azimuth, degrees (I048/040).
    pub theta_deg: Option<f64>,
    /// Mode 3/A code as a 12-bit number (octal digits ABCD), I048/070.
    pub mode3a: Option<u16>,
    /// Mode 3/A validated (V = 0).
    pub mode3a_valid: bool,
    /// Flight level (I048/090), FL.
    pub flight_level: Option<f64>,
    /// 24-bit aircraft address (I048/220).
    pub aircraft_address: Option<u32>,
    /// Aircraft identification (I048/240).
    pub callsign: Option<Callsign>,
    /// Track number (I048/161).
    pub track_number: Option<u16>,
    /// Calculated Cartesian position (I048/042), NM.
    pub xy_nm: Option<(f64, f64)>,
    /// Calculated ground speed (NM/s) and heading (degrees), I048/200.
    pub velocity: Option<(f64, f64)>,
    /// Track tentative (I048/170 CNF = 1).
    pub tentative: Option<bool>,
    /// Comm-B registers (I048/250).
    pub bds: Vec<MbData>,
}

struct L048 {
    spec: &'static CategorySpec,
    sac: FieldRef,
    sic: FieldRef,
    tod: FieldRef,
    typ: FieldRef,
    sim: FieldRef,
    rho: FieldRef,
    theta: FieldRef,
    m3v: FieldRef,
    m3: FieldRef,
    flv: FieldRef,
    fl: FieldRef,
    adr: FieldRef,
    tid: FieldRef,
    trn: FieldRef,
    x: FieldRef,
    y: FieldRef,
    gsp: FieldRef,
    hdg: FieldRef,
    cnf: FieldRef,
    frn250: usize,
}

fn l048() -> &'static L048 {
    static L: OnceLock<L048> = OnceLock::new();
    L.get_or_init(|| {
        let s = &tables().cat048;
        let r = |i, f| FieldRef::resolve(s, i, f);
        L048 {
            spec: s,
            sac: r("010", "SAC"),
            sic: r("010", "SIC"),
            tod: r("140", "ToD"),
            typ: r("020", "TYP"),
            sim: r("020", "SIM"),
            rho: r("040", "RHO"),
            theta: r("040", "THETA"),
            m3v: r("070", "V"),
            m3: r("070", "MODE3A"),
            flv: r("090", "V"),
            fl: r("090", "FL"),
            adr: r("220", "ADR"),
            tid: r("240", "TID"),
            trn: r("161", "TRN"),
            x: r("042", "X"),
            y: r("042", "Y"),
            gsp: r("200", "GSP"),
            hdg: r("200", "HDG"),
            cnf: r("170", "CNF"),
            frn250: s.item("250").map_or(usize::MAX, |(f, _)| f),
        }
    })
}

fn mb_list(rec: &RawRecord<'_>, frn: usize) -> Vec<MbData> {
    let Some(b) = rec.item_at(frn) else {
        return Vec::new();
    };
    b.get(1..)
        .unwrap_or(&[])
        .chunks_exact(8)
        .map(|e| {
            let mut mb = [0u8; 7];
            mb.copy_from_slice(&e[..7]);
            MbData { mb, register: e[7] }
        })
        .collect()
}

impl Cat048Plot {
    /// Decodes a framed CAT048 record. I048/010 is mandatory.
    pub fn from_record(rec: &RawRecord<'_>) -> Result<Self, DecodeError> {
        let l = l048();
        let sac = l.sac.raw(rec).ok_or(DecodeError::new(
            rec.offset,
            ErrorKind::MissingItem {
                cat: 48,
                item: "010",
            },
        ))?;
        Ok(Cat048Plot {
            sac: sac as u8,
            sic: l.sic.raw(rec).unwrap_or(0) as u8,
            time_of_day: l.tod.value(rec),
            report_type: l.typ.raw(rec).map(|v| v as u8),
            simulated: l.sim.raw(rec) == Some(1),
            rho_nm: l.rho.value(rec),
            theta_deg: l.theta.value(rec),
            mode3a: l.m3.raw(rec).map(|v| v as u16),
            mode3a_valid: l.m3v.raw(rec) == Some(0),
            flight_level: l.fl.value(rec),
            aircraft_address: l.adr.raw(rec).map(|v| v as u32),
            callsign: l.tid.raw(rec).map(Callsign::from_icao),
            track_number: l.trn.raw(rec).map(|v| v as u16),
            xy_nm: l.x.value(rec).zip(l.y.value(rec)),
            velocity: l.gsp.value(rec).zip(l.hdg.value(rec)),
            tentative: l.cnf.raw(rec).map(|v| v == 1),
            bds: mb_list(rec, l.frn250),
        })
        .map(|mut p| {
            // V bit of I048/090 is informative only; keep FL even when not validated.
            let _ = l.flv;
            p.simulated |= false;
            p
        })
    }
}

// ---------------------------------------------------------------- record writer

/// Builds one record: items must be added in UAP (FRN) order.
#[derive(Debug)]
pub struct RecordWriter<'o> {
    spec: &'static CategorySpec,
    fspec: [u8; 8],
    max_frn: usize,
    out: &'o mut Vec<u8>,
    start: usize,
}

impl<'o> RecordWriter<'o> {
    /// Starts a record at the end of `out` (FSPEC space reserved after the items are known).
    pub fn new(spec: &'static CategorySpec, out: &'o mut Vec<u8>) -> Self {
        let start = out.len();
        Self {
            spec,
            fspec: [0; 8],
            max_frn: 0,
            out,
            start,
        }
    }

    /// Appends a fixed item of `len` octets filled by `fill`.
    pub fn fixed(&mut self, frn: usize, len: usize, fill: impl FnOnce(&mut [u8])) {
        let at = self.out.len();
        self.out.resize(at + len, 0);
        fill(&mut self.out[at..]);
        self.mark(frn);
    }

    /// Appends raw item bytes.
    pub fn bytes(&mut self, frn: usize, b: &[u8]) {
        self.out.extend_from_slice(b);
        self.mark(frn);
    }

    fn mark(&mut self, frn: usize) {
        if frn < 56 {
            self.fspec[frn / 7] |= 0x80 >> (frn % 7);
            self.max_frn = self.max_frn.max(frn + 1);
        }
    }

    /// Finishes: inserts the FSPEC before the items.
    pub fn finish(self) {
        let n = self.max_frn.div_ceil(7).max(1);
        let mut fs = self.fspec;
        for b in fs.iter_mut().take(n - 1) {
            *b |= 1;
        }
        self.out
            .splice(self.start..self.start, fs[..n].iter().copied());
        let _ = self.spec;
    }
}

/// Wraps records into one data block.
pub fn encode_block(cat: u8, records: &[u8]) -> Result<Vec<u8>, EncodeError> {
    let len = records.len() + 3;
    let l16 = u16::try_from(len).map_err(|_| EncodeError::BlockTooLong(len))?;
    let mut v = Vec::with_capacity(len);
    v.push(cat);
    v.extend_from_slice(&l16.to_be_bytes());
    v.extend_from_slice(records);
    Ok(v)
}

fn frn_of(spec: &CategorySpec, id: &str) -> usize {
    spec.item(id).map_or(usize::MAX, |(f, _)| f)
}

#[cfg(test)]
fn fixed_len(spec: &CategorySpec, id: &str) -> usize {
    match spec.item(id).map(|(_, it)| &it.kind) {
        Some(ItemKind::Fixed { len, .. }) => *len,
        _ => 0,
    }
}

impl Cat048Plot {
    /// Appends this plot as one CAT048 record to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let l = l048();
        let s = l.spec;
        let mut w = RecordWriter::new(s, out);
        w.fixed(frn_of(s, "010"), 2, |b| {
            l.sac.put(b, u64::from(self.sac));
            l.sic.put(b, u64::from(self.sic));
        });
        if let Some(t) = self.time_of_day {
            let raw = l.tod.to_raw(t, "I048/140")?;
            w.fixed(frn_of(s, "140"), 3, |b| l.tod.put(b, raw));
        }
        if let Some(t) = self.report_type {
            w.fixed(frn_of(s, "020"), 1, |b| {
                l.typ.put(b, u64::from(t & 7));
                l.sim.put(b, u64::from(self.simulated));
            });
        }
        if let (Some(r), Some(th)) = (self.rho_nm, self.theta_deg) {
            let rr = l.rho.to_raw(r, "I048/040 RHO")?;
            let tr = l.theta.to_raw(th.rem_euclid(360.0), "I048/040 THETA")? & 0xffff;
            w.fixed(frn_of(s, "040"), 4, |b| {
                l.rho.put(b, rr);
                l.theta.put(b, tr);
            });
        }
        if let Some(m) = self.mode3a {
            w.fixed(frn_of(s, "070"), 2, |b| {
                l.m3v.put(b, u64::from(!self.mode3a_valid));
                l.m3.put(b, u64::from(m & 0o7777));
            });
        }
        if let Some(fl) = self.flight_level {
            let raw = l.fl.to_raw(fl, "I048/090")?;
            w.fixed(frn_of(s, "090"), 2, |b| l.fl.put(b, raw));
        }
        if let Some(a) = self.aircraft_address {
            w.fixed(frn_of(s, "220"), 3, |b| {
                l.adr.put(b, u64::from(a & 0xff_ffff))
            });
        }
        if let Some(c) = self.callsign {
            w.fixed(frn_of(s, "240"), 6, |b| l.tid.put(b, c.to_icao()));
        }
        if !self.bds.is_empty() {
            let n = u8::try_from(self.bds.len())
                .map_err(|_| EncodeError::OutOfRange("I048/250 REP"))?;
            let mut v = Vec::with_capacity(1 + 8 * self.bds.len());
            v.push(n);
            for m in &self.bds {
                v.extend_from_slice(&m.mb);
                v.push(m.register);
            }
            w.bytes(frn_of(s, "250"), &v);
        }
        if let Some(t) = self.track_number {
            w.fixed(frn_of(s, "161"), 2, |b| l.trn.put(b, u64::from(t & 0x0fff)));
        }
        if let Some((x, y)) = self.xy_nm {
            let xr = l.x.to_raw(x, "I048/042 X")?;
            let yr = l.y.to_raw(y, "I048/042 Y")?;
            w.fixed(frn_of(s, "042"), 4, |b| {
                l.x.put(b, xr);
                l.y.put(b, yr);
            });
        }
        if let Some((gs, h)) = self.velocity {
            let gr = l.gsp.to_raw(gs, "I048/200 GSP")?;
            let hr = l.hdg.to_raw(h.rem_euclid(360.0), "I048/200 HDG")? & 0xffff;
            w.fixed(frn_of(s, "200"), 4, |b| {
                l.gsp.put(b, gr);
                l.hdg.put(b, hr);
            });
        }
        if let Some(t) = self.tentative {
            w.fixed(frn_of(s, "170"), 1, |b| l.cnf.put(b, u64::from(t)));
        }
        w.finish();
        Ok(())
    }
}

/// Encodes plots into one CAT048 data block.
pub fn encode_cat048(plots: &[Cat048Plot]) -> Result<Vec<u8>, EncodeError> {
    let mut recs = Vec::with_capacity(plots.len() * 48);
    for p in plots {
        p.encode_into(&mut recs)?;
    }
    encode_block(48, &recs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callsign_roundtrip() {
        let c = Callsign::new("DLH65A");
        assert_eq!(Callsign::from_icao(c.to_icao()), c);
        assert_eq!(c.as_str(), "DLH65A");
    }

    #[test]
    fn layouts_resolve() {
        let l = l048();
        for f in [
            l.sac, l.tod, l.rho, l.theta, l.m3, l.fl, l.adr, l.tid, l.trn, l.x, l.gsp, l.cnf,
        ] {
            assert!(f.is_resolved());
        }
        assert_eq!(fixed_len(l.spec, "040"), 4);
    }
}
