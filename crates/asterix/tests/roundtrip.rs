//! Encoder round trips (CAT048, CAT062), typed decoding of the real files, and robustness of the
//! stream decoder against damaged input (truncation, wrong LEN, FSPEC overrun, unknown category).

use proptest::prelude::*;
use tessera_asterix::typed::{
    Callsign, Cat048Plot, Cat062Track, MbData, TypedRecord, encode_cat048, encode_cat062,
};
use tessera_asterix::{BlockStream, ErrorKind, decode_block};

fn plot(i: u32) -> Cat048Plot {
    Cat048Plot {
        sac: 25,
        sic: (i % 256) as u8,
        time_of_day: Some(27354.6015625 + f64::from(i)),
        report_type: Some(5),
        simulated: i.is_multiple_of(2),
        rho_nm: Some(197.68359375),
        theta_deg: Some(340.13671875),
        mode3a: Some(0o1000),
        mode3a_valid: true,
        flight_level: Some(330.0),
        aircraft_address: Some(0x3C660C),
        callsign: Some(Callsign::new("DLH65A")),
        track_number: Some(3563),
        xy_nm: Some((-12.5, 40.25)),
        velocity: Some((0.12066650390625, 124.002685546875)),
        tentative: Some(false),
        bds: vec![MbData {
            mb: [0xC0, 0x78, 0x00, 0x31, 0xBC, 0x00, 0x00],
            register: 0x40,
        }],
        height_3d_ft: Some(35025.0),
        elevation_deg: Some(12.3046875),
    }
}

fn track(i: u16) -> Cat062Track {
    Cat062Track {
        sac: 1,
        sic: 2,
        service_id: Some(3),
        time_of_track: Some(3600.5),
        track_number: Some(i),
        lat_lon_deg: Some((45.0 + f64::from(i) * 1e-3, 15.5)),
        xy_m: Some((-1000.5, 2500.0)),
        velocity_mps: Some((120.25, -30.5)),
        accel_mps2: Some((0.25, -0.5)),
        mode3a: Some(0o7000),
        mode_of_movement: Some((1, 2, 0, false)),
        measured_fl: Some(350.25),
        geometric_alt_ft: Some(35000.0),
        barometric_fl: Some(350.0),
        rocd_fpm: Some(-1500.0),
        aircraft_address: Some(0xABCDEF),
        callsign: Some(Callsign::new("TES123")),
        mono_sensor: Some(false),
        tentative: Some(false),
        simulated: Some(true),
        ended: Some(false),
        started: Some(true),
    }
}

#[test]
fn cat048_roundtrip() {
    let plots: Vec<_> = (0..20).map(plot).collect();
    let block = encode_cat048(&plots).expect("encodes");
    let b = decode_block(&block).expect("decodes");
    assert_eq!(b.records.len(), plots.len());
    for (r, p) in b.records.iter().zip(&plots) {
        assert_eq!(&Cat048Plot::from_record(r).expect("typed"), p);
    }
}

#[test]
fn cat062_roundtrip() {
    let tracks: Vec<_> = (0..20).map(track).collect();
    let block = encode_cat062(&tracks).expect("encodes");
    let b = decode_block(&block).expect("decodes");
    for (r, t) in b.records.iter().zip(&tracks) {
        let d = Cat062Track::from_record(r).expect("typed");
        let (la, lo) = d.lat_lon_deg.expect("pos");
        let (ela, elo) = t.lat_lon_deg.expect("pos");
        assert!((la - ela).abs() <= 180.0 / 33554432.0 && (lo - elo).abs() <= 180.0 / 33554432.0);
        let mut d2 = d.clone();
        d2.lat_lon_deg = t.lat_lon_deg;
        assert_eq!(&d2, t);
    }
}

proptest! {
    #[test]
    fn cat048_roundtrip_prop(rho in 0.0f64..255.9, theta in 0.0f64..359.99, fl in -12.0f64..1200.0, tod in 0.0f64..86399.0) {
        let mut p = plot(1);
        p.rho_nm = Some(rho);
        p.theta_deg = Some(theta);
        p.flight_level = Some(fl);
        p.time_of_day = Some(tod);
        let block = encode_cat048(std::slice::from_ref(&p)).expect("encodes");
        let b = decode_block(&block).expect("decodes");
        let d = Cat048Plot::from_record(&b.records[0]).expect("typed");
        prop_assert!((d.rho_nm.unwrap_or(-1.0) - rho).abs() <= 1.0 / 512.0 + 1e-12);
        prop_assert!((d.flight_level.unwrap_or(-99.0) - fl).abs() <= 0.125 + 1e-12);
        prop_assert!((d.time_of_day.unwrap_or(-1.0) - tod).abs() <= 1.0 / 256.0 + 1e-12);
    }

    #[test]
    fn stream_never_panics(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        for rec in BlockStream::new(&data, 0).flatten() {
            {
                let _ = tessera_asterix::decode_items(&rec);
                let _ = TypedRecord::from_record(&rec);
            }
        }
    }

    #[test]
    fn mutated_real_block_never_panics(pos in 0usize..48, val in any::<u8>(), cut in 0usize..48) {
        let mut data = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/asterix/croatiacontrol/cat048.raw")).unwrap_or_default();
        if !data.is_empty() {
            let l = data.len();
            data[pos % l] = val;
            data.truncate(data.len() - cut % data.len());
            for rec in BlockStream::new(&data, 0).flatten() {
                {
                    let _ = tessera_asterix::decode_items(&rec);
                    let _ = TypedRecord::from_record(&rec);
                }
            }
        }
    }
}

#[test]
fn bad_input_is_reported_with_offsets_and_the_rest_decoded() {
    let good = encode_cat048(&[plot(1), plot(2)]).expect("encodes");
    let n = good.len();
    // unknown category, then a good block
    let mut s = vec![99u8, 0, 5, 1, 2];
    s.extend_from_slice(&good);
    // wrong LEN (1), then garbage, then a good block
    s.extend_from_slice(&[48, 0, 1, 0xff]);
    let second = s.len();
    s.extend_from_slice(&good);
    // FSPEC running past the block: a block whose only record is an FSPEC with FX set
    let fspec_at = s.len();
    s.extend_from_slice(&[48, 0, 5, 0xff, 0xff]);
    // truncated block at the end
    let trunc_at = s.len();
    s.extend_from_slice(&good[..n - 10]);
    let (recs, errs) = tessera_asterix::decode_stream(&s);
    assert_eq!(recs.len(), 4 + 1, "records: {recs:?} errors {errs:?}");
    assert!(
        errs.iter()
            .any(|e| e.offset == 0 && e.kind == ErrorKind::UnknownCategory(99))
    );
    assert!(errs.iter().any(|e| e.kind == ErrorKind::BadLength(1)));
    assert!(
        errs.iter()
            .any(|e| e.offset == fspec_at + 3 && e.kind == ErrorKind::FspecOverrun)
    );
    assert!(
        errs.iter()
            .any(|e| e.offset == trunc_at && matches!(e.kind, ErrorKind::TruncatedBlock { .. }))
    );
    assert!(recs.iter().any(|r| r.offset == second + 3));
}

#[test]
fn typed_decoding_of_real_files() {
    let base = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/asterix/");
    let Ok(d) = std::fs::read(format!("{base}croatiacontrol/cat048.raw")) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "shared data missing"
        );
        return;
    };
    let b = decode_block(&d).expect("block");
    let p = Cat048Plot::from_record(&b.records[0]).expect("typed");
    assert_eq!((p.sac, p.sic), (25, 201));
    assert_eq!(
        p.callsign.map(|c| c.as_str().to_string()).as_deref(),
        Some("DLH65A")
    );
    assert_eq!(p.aircraft_address, Some(0x3C660C));
    assert_eq!(p.mode3a, Some(0o1000));
    assert_eq!(p.flight_level, Some(330.0));
    assert_eq!(p.track_number, Some(3563));
    assert!(matches!(
        p.bds[0].decode(),
        Some(tessera_asterix::bds::Bds::SelectedVertical(_))
    ));
    let d = std::fs::read(format!("{base}algonents_libasterix/cat062_sample.bin")).expect("062");
    let b = decode_block(&d).expect("block");
    let t = Cat062Track::from_record(&b.records[0]).expect("typed");
    assert_eq!((t.sac, t.sic), (25, 100));
    assert!(t.lat_lon_deg.is_some() && t.track_number.is_some());
    let d = std::fs::read(format!("{base}croatiacontrol/cat21_re.ast")).expect("021");
    let (recs, errs) = tessera_asterix::decode_stream(&d);
    assert!(errs.is_empty());
    for r in &recs {
        let Ok(Some(TypedRecord::Cat021(c))) = TypedRecord::from_record(r) else {
            panic!("cat021")
        };
        assert!(c.lat_lon_deg.is_some() && c.address.is_some());
    }
    let d = std::fs::read(format!("{base}croatiacontrol/cat034.raw")).expect("034");
    let b = decode_block(&d).expect("block");
    let Ok(Some(TypedRecord::Cat034(m))) = TypedRecord::from_record(&b.records[0]) else {
        panic!("cat034")
    };
    assert!(m.time_of_day.is_some());
}
