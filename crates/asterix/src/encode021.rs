//! CAT021 (ADS-B target report) encoder, the counterpart of [`Cat021Report::from_record`].
//!
//! Like the CAT048 and CAT062 encoders in [`crate::typed`], field positions and scalings are
//! resolved from the category table ([`crate::tables`]) rather than hand-coded, so the decoder
//! and the encoder share one declared layout. Items are written in UAP order: I021/010, the
//! mandatory I021/040 (one octet: 24-bit ICAO address, 25 ft altitude resolution), then 071
//! (time of applicability for position, carrying [`Cat021Report::time_of_day`]), 131 (high
//! resolution position), 080, 140, 090, 070, 145, 155, 157, 160, 170 and 020 when present.

use crate::error::EncodeError;
use crate::spec::CategorySpec;
use crate::tables::tables;
use crate::typed::{Cat021Report, FieldRef, RecordWriter, encode_block};
use std::sync::OnceLock;

struct E021 {
    spec: &'static CategorySpec,
    sac: FieldRef,
    sic: FieldRef,
    atp: FieldRef,
    arc: FieldRef,
    tap: FieldRef,
    hlat: FieldRef,
    hlon: FieldRef,
    adr: FieldRef,
    gh: FieldRef,
    nucr: FieldRef,
    nic: FieldRef,
    sil: FieldRef,
    nacp: FieldRef,
    m3: FieldRef,
    fl: FieldRef,
    bvr: FieldRef,
    gvr: FieldRef,
    gs: FieldRef,
    ta: FieldRef,
    tid: FieldRef,
    ecat: FieldRef,
}

fn e021() -> &'static E021 {
    static L: OnceLock<E021> = OnceLock::new();
    L.get_or_init(|| {
        let s = &tables().cat021;
        let r = |i, f| FieldRef::resolve(s, i, f);
        E021 {
            spec: s,
            sac: r("010", "SAC"),
            sic: r("010", "SIC"),
            atp: r("040", "ATP"),
            arc: r("040", "ARC"),
            tap: r("071", "TAP"),
            hlat: r("131", "LAT"),
            hlon: r("131", "LON"),
            adr: r("080", "ADR"),
            gh: r("140", "GH"),
            nucr: r("090", "NUCRNACV"),
            nic: r("090", "NUCPNIC"),
            sil: r("090", "SIL"),
            nacp: r("090", "NACP"),
            m3: r("070", "MODE3A"),
            fl: r("145", "FL"),
            bvr: r("155", "BVR"),
            gvr: r("157", "GVR"),
            gs: r("160", "GS"),
            ta: r("160", "TA"),
            tid: r("170", "TID"),
            ecat: r("020", "ECAT"),
        }
    })
}

fn frn(spec: &CategorySpec, id: &str) -> usize {
    spec.item(id).map_or(usize::MAX, |(f, _)| f)
}

impl Cat021Report {
    /// Appends this report as one CAT021 record to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let l = e021();
        let s = l.spec;
        let mut w = RecordWriter::new(s, out);
        w.fixed(frn(s, "010"), 2, |b| {
            l.sac.put(b, u64::from(self.sac));
            l.sic.put(b, u64::from(self.sic));
        });
        // I021/040 is mandatory: ATP = 0 (24-bit ICAO address), ARC = 0 (25 ft), no extension.
        w.fixed(frn(s, "040"), 1, |b| {
            l.atp.put(b, 0);
            l.arc.put(b, 0);
        });
        if let Some(t) = self.time_of_day {
            let raw = l.tap.to_raw(t, "I021/071")?;
            w.fixed(frn(s, "071"), 3, |b| l.tap.put(b, raw));
        }
        if let Some((la, lo)) = self.lat_lon_deg {
            let a = l.hlat.to_raw(la, "I021/131 LAT")?;
            let o = l.hlon.to_raw(lo, "I021/131 LON")?;
            w.fixed(frn(s, "131"), 8, |b| {
                l.hlat.put(b, a);
                l.hlon.put(b, o);
            });
        }
        if let Some(a) = self.address {
            w.fixed(frn(s, "080"), 3, |b| l.adr.put(b, u64::from(a & 0xff_ffff)));
        }
        if let Some(h) = self.geometric_height_ft {
            let raw = l.gh.to_raw(h, "I021/140")?;
            w.fixed(frn(s, "140"), 2, |b| l.gh.put(b, raw));
        }
        if self.nic.is_some() || self.nacp.is_some() || self.sil.is_some() {
            // Extended item: primary octet (NUCr/NACv, NUCp/NIC), then NICbaro, SIL, NACp.
            let ext = self.nacp.is_some() || self.sil.is_some();
            let mut buf = [0u8; 2];
            let v = &mut buf[..if ext { 2 } else { 1 }];
            l.nucr.put(v, 0);
            l.nic.put(v, u64::from(self.nic.unwrap_or(0) & 0x0f));
            if ext {
                v[0] |= 1;
                l.sil.put(v, u64::from(self.sil.unwrap_or(0) & 0x03));
                l.nacp.put(v, u64::from(self.nacp.unwrap_or(0) & 0x0f));
            }
            w.bytes(frn(s, "090"), v);
        }
        if let Some(m) = self.mode3a {
            w.fixed(frn(s, "070"), 2, |b| l.m3.put(b, u64::from(m & 0o7777)));
        }
        if let Some(f) = self.flight_level {
            let raw = l.fl.to_raw(f, "I021/145")?;
            w.fixed(frn(s, "145"), 2, |b| l.fl.put(b, raw));
        }
        if let Some(r) = self.baro_vertical_rate_fpm {
            let raw = l.bvr.to_raw(r, "I021/155")?;
            w.fixed(frn(s, "155"), 2, |b| l.bvr.put(b, raw));
        }
        if let Some(r) = self.geo_vertical_rate_fpm {
            let raw = l.gvr.to_raw(r, "I021/157")?;
            w.fixed(frn(s, "157"), 2, |b| l.gvr.put(b, raw));
        }
        if let Some((gs, ta)) = self.ground_vector {
            let g = l.gs.to_raw(gs, "I021/160 GS")?;
            // Wrap so that an angle just below 360° rounding up to 2¹⁶ LSB becomes 0.
            let lsb = 360.0 / 65_536.0;
            let ta = ((ta.rem_euclid(360.0) / lsb).round() % 65_536.0) * lsb;
            let t = l.ta.to_raw(ta, "I021/160 TA")?;
            w.fixed(frn(s, "160"), 4, |b| {
                l.gs.put(b, g);
                l.ta.put(b, t);
            });
        }
        if let Some(c) = self.callsign {
            w.fixed(frn(s, "170"), 6, |b| l.tid.put(b, c.to_icao()));
        }
        if let Some(e) = self.emitter_category {
            w.fixed(frn(s, "020"), 1, |b| l.ecat.put(b, u64::from(e)));
        }
        w.finish();
        Ok(())
    }
}

/// Encodes reports into one CAT021 data block.
pub fn encode_cat021(reports: &[Cat021Report]) -> Result<Vec<u8>, EncodeError> {
    let mut recs = Vec::with_capacity(reports.len() * 48);
    for r in reports {
        r.encode_into(&mut recs)?;
    }
    encode_block(21, &recs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode_block;
    use crate::typed::Callsign;

    fn report(i: u32) -> Cat021Report {
        Cat021Report {
            sac: 7,
            sic: 21,
            address: Some(0xF0_0000 | i),
            time_of_day: Some(36_000.5 + f64::from(i)),
            lat_lon_deg: Some((12.345_678_9, -31.234_567_8)),
            flight_level: Some(350.25),
            geometric_height_ft: Some(35_125.0),
            callsign: Some(Callsign::new("CIV0042")),
            nacp: Some(9),
            nic: Some(8),
            sil: Some(3),
            ground_vector: Some((0.125, 271.5)),
            baro_vertical_rate_fpm: Some(-1500.0),
            geo_vertical_rate_fpm: Some(1250.0),
            mode3a: Some(0o4321),
            emitter_category: Some(3),
        }
    }

    #[test]
    fn all_resolved() {
        let l = e021();
        for f in [
            &l.sac, &l.sic, &l.atp, &l.arc, &l.tap, &l.hlat, &l.hlon, &l.adr, &l.gh, &l.nucr,
            &l.nic, &l.sil, &l.nacp, &l.m3, &l.fl, &l.bvr, &l.gvr, &l.gs, &l.ta, &l.tid, &l.ecat,
        ] {
            assert!(f.is_resolved());
        }
    }

    #[test]
    fn round_trip_full_and_minimal() {
        let minimal = Cat021Report {
            sac: 1,
            sic: 2,
            ..Default::default()
        };
        let reports = vec![report(1), minimal.clone(), report(2)];
        let block = encode_cat021(&reports).unwrap();
        let b = decode_block(&block).unwrap();
        assert_eq!(b.cat, 21);
        let back: Vec<Cat021Report> = b
            .records
            .iter()
            .map(|r| Cat021Report::from_record(r).unwrap())
            .collect();
        assert_eq!(back.len(), 3);
        assert_eq!(back[1], minimal);
        for (a, e) in [(&back[0], &reports[0]), (&back[2], &reports[2])] {
            assert_eq!(a.address, e.address);
            assert_eq!(a.callsign, e.callsign);
            assert_eq!(a.nacp, e.nacp);
            assert_eq!(a.nic, e.nic);
            assert_eq!(a.sil, e.sil);
            assert_eq!(a.mode3a, e.mode3a);
            assert_eq!(a.emitter_category, e.emitter_category);
            assert_eq!(a.flight_level, e.flight_level);
            assert_eq!(a.geometric_height_ft, e.geometric_height_ft);
            assert_eq!(a.baro_vertical_rate_fpm, e.baro_vertical_rate_fpm);
            assert_eq!(a.geo_vertical_rate_fpm, e.geo_vertical_rate_fpm);
            assert!((a.time_of_day.unwrap() - e.time_of_day.unwrap()).abs() < 1.0 / 128.0);
            let (la, lo) = a.lat_lon_deg.unwrap();
            let (ea, eo) = e.lat_lon_deg.unwrap();
            assert!((la - ea).abs() < 1e-6 && (lo - eo).abs() < 1e-6);
            let (gs, ta) = a.ground_vector.unwrap();
            assert!((gs - 0.125).abs() < 1e-4 && (ta - 271.5).abs() < 0.01);
        }
    }

    #[test]
    fn track_angle_just_below_360_wraps_to_0() {
        let mut r = report(4);
        r.ground_vector = Some((0.1, 359.9999));
        let block = encode_cat021(&[r]).unwrap();
        let b = decode_block(&block).unwrap();
        let back = Cat021Report::from_record(&b.records[0]).unwrap();
        assert_eq!(back.ground_vector.unwrap().1, 0.0);
    }

    #[test]
    fn out_of_range_is_an_error() {
        let mut r = report(3);
        r.flight_level = Some(1e9);
        assert!(encode_cat021(&[r]).is_err());
    }
}
