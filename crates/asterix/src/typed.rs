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
    /// Height measured by a 3D radar, ft (I048/110; ±204,800 ft).
    pub height_3d_ft: Option<f64>,
    /// Elevation of the plot measured by a 3D radar, degrees, carried in the SP field with
    /// the Tessera layout [`SP_ELEVATION_LEN`] (see [`Cat048Plot::sp_elevation`]).
    pub elevation_deg: Option<f64>,
}

/// Length of the Tessera SP (special purpose) field of CAT048: one length octet (= 4), one tag
/// octet [`SP_TAG_ELEVATION`], then the elevation as a 16-bit two's-complement number with an LSB
/// of 180/2¹⁵ degrees (range −90° … +90°). Other decoders skip it, as the SP field is meant to be
/// skipped by whoever does not know its content; Tessera's 3D radars put the elevation there
/// because I048/110 cannot carry heights above 62.4 km (ballistic midcourse).
pub const SP_ELEVATION_LEN: usize = 4;
/// The tag octet of the Tessera SP elevation.
pub const SP_TAG_ELEVATION: u8 = 0xE1;
const SP_ELEVATION_LSB_DEG: f64 = 180.0 / 32768.0;

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
    h3d: FieldRef,
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
            h3d: r("110", "3DH"),
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
            height_3d_ft: l.h3d.value(rec),
            elevation_deg: rec.item("SP").and_then(Cat048Plot::sp_elevation),
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
    /// The elevation carried by a Tessera SP field (`sp` = the field's bytes, length octet
    /// included); `None` for any other SP content.
    pub fn sp_elevation(sp: &[u8]) -> Option<f64> {
        match sp {
            [4, SP_TAG_ELEVATION, hi, lo] => {
                Some(f64::from(i16::from_be_bytes([*hi, *lo])) * SP_ELEVATION_LSB_DEG)
            }
            _ => None,
        }
    }

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
        if let Some(h) = self.height_3d_ft {
            let raw = l.h3d.to_raw(h, "I048/110")?;
            w.fixed(frn_of(s, "110"), 2, |b| l.h3d.put(b, raw));
        }
        if let Some(e) = self.elevation_deg {
            if !(e.is_finite() && (-90.0..=90.0).contains(&e)) {
                return Err(EncodeError::OutOfRange("SP elevation"));
            }
            let raw = (e / SP_ELEVATION_LSB_DEG).round().clamp(-32768.0, 32767.0) as i16;
            let [hi, lo] = raw.to_be_bytes();
            w.bytes(frn_of(s, "SP"), &[4, SP_TAG_ELEVATION, hi, lo]);
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

// ---------------------------------------------------------------- CAT062

/// A CAT062 system track.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Cat062Track {
    /// System area code.
    pub sac: u8,
    /// System identification code.
    pub sic: u8,
    /// Service identification (I062/015).
    pub service_id: Option<u8>,
    /// Time of track information, seconds since UTC midnight (I062/070).
    pub time_of_track: Option<f64>,
    /// Track number (I062/040).
    pub track_number: Option<u16>,
    /// WGS-84 latitude/longitude, degrees (I062/105).
    pub lat_lon_deg: Option<(f64, f64)>,
    /// Cartesian position, metres (I062/100).
    pub xy_m: Option<(f64, f64)>,
    /// Cartesian velocity, m/s (I062/185).
    pub velocity_mps: Option<(f64, f64)>,
    /// Cartesian acceleration, m/s² (I062/210).
    pub accel_mps2: Option<(f64, f64)>,
    /// Mode 3/A code as a 12-bit number (I062/060).
    pub mode3a: Option<u16>,
    /// Mode of movement (I062/200): TRANS, LONG, VERT, ADF.
    pub mode_of_movement: Option<(u8, u8, u8, bool)>,
    /// Measured flight level, FL (I062/136).
    pub measured_fl: Option<f64>,
    /// Calculated geometric altitude, ft (I062/130).
    pub geometric_alt_ft: Option<f64>,
    /// Calculated barometric altitude, FL (I062/135).
    pub barometric_fl: Option<f64>,
    /// Rate of climb/descent, ft/min (I062/220).
    pub rocd_fpm: Option<f64>,
    /// Aircraft address (I062/380 ADR).
    pub aircraft_address: Option<u32>,
    /// Aircraft identification (I062/380 ID).
    pub callsign: Option<Callsign>,
    /// Monosensor track (I062/080 MON).
    pub mono_sensor: Option<bool>,
    /// Tentative track (I062/080 CNF).
    pub tentative: Option<bool>,
    /// Simulated track (I062/080 SIM, first extension).
    pub simulated: Option<bool>,
    /// Last message for the track (I062/080 TSE, first extension).
    pub ended: Option<bool>,
    /// First message for the track (I062/080 TSB, first extension).
    pub started: Option<bool>,
}

struct L062 {
    spec: &'static CategorySpec,
    sac: FieldRef,
    sic: FieldRef,
    sid: FieldRef,
    tot: FieldRef,
    trk: FieldRef,
    lat: FieldRef,
    lon: FieldRef,
    x: FieldRef,
    y: FieldRef,
    vx: FieldRef,
    vy: FieldRef,
    ax: FieldRef,
    ay: FieldRef,
    m3: FieldRef,
    trans: FieldRef,
    long: FieldRef,
    vert: FieldRef,
    adf: FieldRef,
    mfl: FieldRef,
    alt: FieldRef,
    ctb: FieldRef,
    rocd: FieldRef,
    adr: FieldRef,
    id: FieldRef,
    mon: FieldRef,
    cnf: FieldRef,
    sim: FieldRef,
    tse: FieldRef,
    tsb: FieldRef,
}

fn l062() -> &'static L062 {
    static L: OnceLock<L062> = OnceLock::new();
    L.get_or_init(|| {
        let s = &tables().cat062;
        let r = |i, f| FieldRef::resolve(s, i, f);
        L062 {
            spec: s,
            sac: r("010", "SAC"),
            sic: r("010", "SIC"),
            sid: r("015", "SID"),
            tot: r("070", "ToT"),
            trk: r("040", "TRK"),
            lat: r("105", "LAT"),
            lon: r("105", "LON"),
            x: r("100", "X"),
            y: r("100", "Y"),
            vx: r("185", "VX"),
            vy: r("185", "VY"),
            ax: r("210", "AX"),
            ay: r("210", "AY"),
            m3: r("060", "MODE3A"),
            trans: r("200", "TRANS"),
            long: r("200", "LONG"),
            vert: r("200", "VERT"),
            adf: r("200", "ADF"),
            mfl: r("136", "MFL"),
            alt: r("130", "ALT"),
            ctb: r("135", "CTB"),
            rocd: r("220", "ROCD"),
            adr: r("380/ADR", "ADR"),
            id: r("380/ID", "ID"),
            mon: r("080", "MON"),
            cnf: r("080", "CNF"),
            sim: r("080", "SIM"),
            tse: r("080", "TSE"),
            tsb: r("080", "TSB"),
        }
    })
}

impl Cat062Track {
    /// Decodes a framed CAT062 record. I062/010 is mandatory.
    pub fn from_record(rec: &RawRecord<'_>) -> Result<Self, DecodeError> {
        let l = l062();
        let sac = l.sac.raw(rec).ok_or(DecodeError::new(
            rec.offset,
            ErrorKind::MissingItem {
                cat: 62,
                item: "010",
            },
        ))?;
        let b = |f: &FieldRef| f.raw(rec).map(|v| v == 1);
        Ok(Cat062Track {
            sac: sac as u8,
            sic: l.sic.raw(rec).unwrap_or(0) as u8,
            service_id: l.sid.raw(rec).map(|v| v as u8),
            time_of_track: l.tot.value(rec),
            track_number: l.trk.raw(rec).map(|v| v as u16),
            lat_lon_deg: l.lat.value(rec).zip(l.lon.value(rec)),
            xy_m: l.x.value(rec).zip(l.y.value(rec)),
            velocity_mps: l.vx.value(rec).zip(l.vy.value(rec)),
            accel_mps2: l.ax.value(rec).zip(l.ay.value(rec)),
            mode3a: l.m3.raw(rec).map(|v| v as u16),
            mode_of_movement: match (
                l.trans.raw(rec),
                l.long.raw(rec),
                l.vert.raw(rec),
                l.adf.raw(rec),
            ) {
                (Some(t), Some(g), Some(v), Some(a)) => Some((t as u8, g as u8, v as u8, a == 1)),
                _ => None,
            },
            measured_fl: l.mfl.value(rec),
            geometric_alt_ft: l.alt.value(rec),
            barometric_fl: l.ctb.value(rec),
            rocd_fpm: l.rocd.value(rec),
            aircraft_address: l.adr.raw(rec).map(|v| v as u32),
            callsign: l.id.raw(rec).map(Callsign::from_icao),
            mono_sensor: b(&l.mon),
            tentative: b(&l.cnf),
            simulated: b(&l.sim),
            ended: b(&l.tse),
            started: b(&l.tsb),
        })
    }

    /// Appends this track as one CAT062 record to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let l = l062();
        let s = l.spec;
        let mut w = RecordWriter::new(s, out);
        w.fixed(frn_of(s, "010"), 2, |b| {
            l.sac.put(b, u64::from(self.sac));
            l.sic.put(b, u64::from(self.sic));
        });
        if let Some(v) = self.service_id {
            w.fixed(frn_of(s, "015"), 1, |b| l.sid.put(b, u64::from(v)));
        }
        if let Some(t) = self.time_of_track {
            let r = l.tot.to_raw(t, "I062/070")?;
            w.fixed(frn_of(s, "070"), 3, |b| l.tot.put(b, r));
        }
        if let Some((la, lo)) = self.lat_lon_deg {
            let a = l.lat.to_raw(la, "I062/105 LAT")?;
            let o = l.lon.to_raw(lo, "I062/105 LON")?;
            w.fixed(frn_of(s, "105"), 8, |b| {
                l.lat.put(b, a);
                l.lon.put(b, o);
            });
        }
        if let Some((x, y)) = self.xy_m {
            let a = l.x.to_raw(x, "I062/100 X")?;
            let o = l.y.to_raw(y, "I062/100 Y")?;
            w.fixed(frn_of(s, "100"), 6, |b| {
                l.x.put(b, a);
                l.y.put(b, o);
            });
        }
        if let Some((x, y)) = self.velocity_mps {
            let a = l.vx.to_raw(x, "I062/185 VX")?;
            let o = l.vy.to_raw(y, "I062/185 VY")?;
            w.fixed(frn_of(s, "185"), 4, |b| {
                l.vx.put(b, a);
                l.vy.put(b, o);
            });
        }
        if let Some((x, y)) = self.accel_mps2 {
            let a = l.ax.to_raw(x, "I062/210 AX")?;
            let o = l.ay.to_raw(y, "I062/210 AY")?;
            w.fixed(frn_of(s, "210"), 2, |b| {
                l.ax.put(b, a);
                l.ay.put(b, o);
            });
        }
        if let Some(m) = self.mode3a {
            w.fixed(frn_of(s, "060"), 2, |b| l.m3.put(b, u64::from(m & 0o7777)));
        }
        if self.aircraft_address.is_some() || self.callsign.is_some() {
            // compound I062/380: presence octet, then ADR (slot 0) and ID (slot 1)
            let mut v = [0u8; 10];
            let mut n = 1;
            if let Some(a) = self.aircraft_address {
                v[0] |= 0x80;
                v[n..n + 3].copy_from_slice(&(a & 0xff_ffff).to_be_bytes()[1..]);
                n += 3;
            }
            if let Some(c) = self.callsign {
                v[0] |= 0x40;
                v[n..n + 6].copy_from_slice(&c.to_icao().to_be_bytes()[2..]);
                n += 6;
            }
            w.bytes(frn_of(s, "380"), &v[..n]);
        }
        if let Some(t) = self.track_number {
            w.fixed(frn_of(s, "040"), 2, |b| l.trk.put(b, u64::from(t)));
        }
        {
            // I062/080 is mandatory: primary octet, first extension when needed.
            let ext = self.simulated.is_some() || self.ended.is_some() || self.started.is_some();
            let mut buf = [0u8; 2];
            let v = &mut buf[..if ext { 2 } else { 1 }];
            l.mon.put(v, u64::from(self.mono_sensor.unwrap_or(false)));
            l.cnf.put(v, u64::from(self.tentative.unwrap_or(false)));
            if ext {
                v[0] |= 1;
                l.sim.put(v, u64::from(self.simulated.unwrap_or(false)));
                l.tse.put(v, u64::from(self.ended.unwrap_or(false)));
                l.tsb.put(v, u64::from(self.started.unwrap_or(false)));
            }
            w.bytes(frn_of(s, "080"), v);
        }
        if let Some((t, g, v, a)) = self.mode_of_movement {
            w.fixed(frn_of(s, "200"), 1, |b| {
                l.trans.put(b, u64::from(t & 3));
                l.long.put(b, u64::from(g & 3));
                l.vert.put(b, u64::from(v & 3));
                l.adf.put(b, u64::from(a));
            });
        }
        if let Some(f) = self.measured_fl {
            let r = l.mfl.to_raw(f, "I062/136")?;
            w.fixed(frn_of(s, "136"), 2, |b| l.mfl.put(b, r));
        }
        if let Some(f) = self.geometric_alt_ft {
            let r = l.alt.to_raw(f, "I062/130")?;
            w.fixed(frn_of(s, "130"), 2, |b| l.alt.put(b, r));
        }
        if let Some(f) = self.barometric_fl {
            let r = l.ctb.to_raw(f, "I062/135")?;
            w.fixed(frn_of(s, "135"), 2, |b| l.ctb.put(b, r));
        }
        if let Some(f) = self.rocd_fpm {
            let r = l.rocd.to_raw(f, "I062/220")?;
            w.fixed(frn_of(s, "220"), 2, |b| l.rocd.put(b, r));
        }
        w.finish();
        Ok(())
    }
}

/// Encodes system tracks into one CAT062 data block.
pub fn encode_cat062(tracks: &[Cat062Track]) -> Result<Vec<u8>, EncodeError> {
    let mut recs = Vec::with_capacity(tracks.len() * 64);
    for t in tracks {
        t.encode_into(&mut recs)?;
    }
    encode_block(62, &recs)
}

// ---------------------------------------------------------------- CAT021

/// A CAT021 ADS-B target report.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Cat021Report {
    /// System area code.
    pub sac: u8,
    /// System identification code.
    pub sic: u8,
    /// Target address (I021/080).
    pub address: Option<u32>,
    /// Time of day used for the report, seconds since midnight: time of applicability for
    /// position (071), else time of message reception for position (073), else time of report
    /// transmission (077).
    pub time_of_day: Option<f64>,
    /// WGS-84 position, degrees: high resolution (131) if present, else 130.
    pub lat_lon_deg: Option<(f64, f64)>,
    /// Flight level (I021/145).
    pub flight_level: Option<f64>,
    /// Geometric height, ft (I021/140).
    pub geometric_height_ft: Option<f64>,
    /// Target identification (I021/170).
    pub callsign: Option<Callsign>,
    /// NACp (I021/090).
    pub nacp: Option<u8>,
    /// NUCp or NIC (I021/090).
    pub nic: Option<u8>,
    /// SIL (I021/090).
    pub sil: Option<u8>,
    /// Ground speed (NM/s) and track angle (degrees), I021/160.
    pub ground_vector: Option<(f64, f64)>,
    /// Barometric vertical rate, ft/min (I021/155).
    pub baro_vertical_rate_fpm: Option<f64>,
    /// Geometric vertical rate, ft/min (I021/157).
    pub geo_vertical_rate_fpm: Option<f64>,
    /// Mode 3/A (I021/070).
    pub mode3a: Option<u16>,
    /// Emitter category (I021/020).
    pub emitter_category: Option<u8>,
}

struct L021 {
    sac: FieldRef,
    sic: FieldRef,
    adr: FieldRef,
    t071: FieldRef,
    t073: FieldRef,
    t077: FieldRef,
    lat: FieldRef,
    lon: FieldRef,
    hlat: FieldRef,
    hlon: FieldRef,
    fl: FieldRef,
    gh: FieldRef,
    tid: FieldRef,
    nacp: FieldRef,
    nic: FieldRef,
    sil: FieldRef,
    gs: FieldRef,
    ta: FieldRef,
    bvr: FieldRef,
    gvr: FieldRef,
    m3: FieldRef,
    ecat: FieldRef,
}

fn l021() -> &'static L021 {
    static L: OnceLock<L021> = OnceLock::new();
    L.get_or_init(|| {
        let s = &tables().cat021;
        let r = |i, f| FieldRef::resolve(s, i, f);
        L021 {
            sac: r("010", "SAC"),
            sic: r("010", "SIC"),
            adr: r("080", "ADR"),
            t071: r("071", "TAP"),
            t073: r("073", "TMRP"),
            t077: r("077", "TRT"),
            lat: r("130", "LAT"),
            lon: r("130", "LON"),
            hlat: r("131", "LAT"),
            hlon: r("131", "LON"),
            fl: r("145", "FL"),
            gh: r("140", "GH"),
            tid: r("170", "TID"),
            nacp: r("090", "NACP"),
            nic: r("090", "NUCPNIC"),
            sil: r("090", "SIL"),
            gs: r("160", "GS"),
            ta: r("160", "TA"),
            bvr: r("155", "BVR"),
            gvr: r("157", "GVR"),
            m3: r("070", "MODE3A"),
            ecat: r("020", "ECAT"),
        }
    })
}

impl Cat021Report {
    /// Decodes a framed CAT021 record. I021/010 is mandatory.
    pub fn from_record(rec: &RawRecord<'_>) -> Result<Self, DecodeError> {
        let l = l021();
        let sac = l.sac.raw(rec).ok_or(DecodeError::new(
            rec.offset,
            ErrorKind::MissingItem {
                cat: 21,
                item: "010",
            },
        ))?;
        let u8v = |f: &FieldRef| f.raw(rec).map(|v| v as u8);
        Ok(Cat021Report {
            sac: sac as u8,
            sic: l.sic.raw(rec).unwrap_or(0) as u8,
            address: l.adr.raw(rec).map(|v| v as u32),
            time_of_day: l
                .t071
                .value(rec)
                .or_else(|| l.t073.value(rec))
                .or_else(|| l.t077.value(rec)),
            lat_lon_deg: l
                .hlat
                .value(rec)
                .zip(l.hlon.value(rec))
                .or_else(|| l.lat.value(rec).zip(l.lon.value(rec))),
            flight_level: l.fl.value(rec),
            geometric_height_ft: l.gh.value(rec),
            callsign: l.tid.raw(rec).map(Callsign::from_icao),
            nacp: u8v(&l.nacp),
            nic: u8v(&l.nic),
            sil: u8v(&l.sil),
            ground_vector: l.gs.value(rec).zip(l.ta.value(rec)),
            baro_vertical_rate_fpm: l.bvr.value(rec),
            geo_vertical_rate_fpm: l.gvr.value(rec),
            mode3a: l.m3.raw(rec).map(|v| v as u16),
            emitter_category: u8v(&l.ecat),
        })
    }
}

// ---------------------------------------------------------------- CAT034

/// A CAT034 service message (north marker, sector crossing, …).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Cat034Message {
    /// System area code.
    pub sac: u8,
    /// System identification code.
    pub sic: u8,
    /// Message type (1 north marker, 2 sector crossing, 3 geographical filtering, 4 jamming strobe…).
    pub message_type: Option<u8>,
    /// Time of day, seconds since midnight (I034/030).
    pub time_of_day: Option<f64>,
    /// Sector azimuth, degrees (I034/020).
    pub sector_deg: Option<f64>,
    /// Antenna rotation period, seconds (I034/041).
    pub rotation_period_s: Option<f64>,
}

struct L034 {
    sac: FieldRef,
    sic: FieldRef,
    mt: FieldRef,
    tod: FieldRef,
    sn: FieldRef,
    ars: FieldRef,
}

fn l034() -> &'static L034 {
    static L: OnceLock<L034> = OnceLock::new();
    L.get_or_init(|| {
        let s = &tables().cat034;
        let r = |i, f| FieldRef::resolve(s, i, f);
        L034 {
            sac: r("010", "SAC"),
            sic: r("010", "SIC"),
            mt: r("000", "MT"),
            tod: r("030", "ToD"),
            sn: r("020", "SN"),
            ars: r("041", "ARS"),
        }
    })
}

impl Cat034Message {
    /// Decodes a framed CAT034 record. I034/010 is mandatory.
    pub fn from_record(rec: &RawRecord<'_>) -> Result<Self, DecodeError> {
        let l = l034();
        let sac = l.sac.raw(rec).ok_or(DecodeError::new(
            rec.offset,
            ErrorKind::MissingItem {
                cat: 34,
                item: "010",
            },
        ))?;
        Ok(Cat034Message {
            sac: sac as u8,
            sic: l.sic.raw(rec).unwrap_or(0) as u8,
            message_type: l.mt.raw(rec).map(|v| v as u8),
            time_of_day: l.tod.value(rec),
            sector_deg: l.sn.value(rec),
            rotation_period_s: l.ars.value(rec),
        })
    }
}

/// A typed record of any category Tessera consumes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TypedRecord {
    /// CAT048 plot / local track.
    Cat048(Cat048Plot),
    /// CAT021 ADS-B report.
    Cat021(Cat021Report),
    /// CAT062 system track.
    Cat062(Cat062Track),
    /// CAT034 service message.
    Cat034(Cat034Message),
}

impl TypedRecord {
    /// Typed decoding of a framed record; `Ok(None)` for categories without a typed view.
    pub fn from_record(rec: &RawRecord<'_>) -> Result<Option<Self>, DecodeError> {
        Ok(Some(match rec.cat {
            48 => TypedRecord::Cat048(Cat048Plot::from_record(rec)?),
            21 => TypedRecord::Cat021(Cat021Report::from_record(rec)?),
            62 => TypedRecord::Cat062(Cat062Track::from_record(rec)?),
            34 => TypedRecord::Cat034(Cat034Message::from_record(rec)?),
            _ => return Ok(None),
        }))
    }
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
        let l = l062();
        for f in [
            l.tot, l.lat, l.x, l.vx, l.ax, l.m3, l.trans, l.mfl, l.alt, l.ctb, l.rocd, l.adr, l.id,
            l.sim, l.tsb,
        ] {
            assert!(f.is_resolved());
        }
        let l = l021();
        for f in [
            l.adr, l.t071, l.t073, l.t077, l.hlat, l.lat, l.fl, l.gh, l.tid, l.nacp, l.nic, l.gs,
            l.bvr, l.gvr, l.m3, l.ecat,
        ] {
            assert!(f.is_resolved());
        }
        let l = l034();
        for f in [l.mt, l.tod, l.sn, l.ars] {
            assert!(f.is_resolved());
        }
    }
}
