//! Throughput of CAT048 decoding (framing + typed plot) and CAT062 encoding, in records/s:
//! `cargo run --release -p tessera-asterix --example bench_asterix [FILE.pcap]`. The CAT048
//! records of the file (default: the CroatiaControl cat_034_048.pcap) are replicated into a
//! large raw block stream.

use std::time::Instant;
use tessera_asterix::BlockStream;
use tessera_asterix::capture::{Event, FileDecoder};
use tessera_asterix::typed::{Callsign, Cat048Plot, Cat062Track, encode_cat062};

fn main() -> std::io::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/asterix/croatiacontrol/cat_034_048.pcap"
        )
        .to_string()
    });
    let data = std::fs::read(&path)?;
    // collect CAT048 records, wrap each group into blocks
    let recs: Vec<Vec<u8>> = FileDecoder::new(&data, None)
        .filter_map(|e| match e {
            Event::Record { record, .. } if record.cat == 48 => Some(record.bytes.to_vec()),
            _ => None,
        })
        .collect();
    if recs.is_empty() {
        eprintln!("no CAT048 records in {path}");
        return Ok(());
    }
    let mut stream = Vec::new();
    let mut n_records = 0usize;
    while n_records < 1_000_000 {
        let mut body = Vec::new();
        for r in recs.iter().take(20) {
            body.extend_from_slice(r);
        }
        let take = recs.len().min(20);
        stream.push(48);
        stream.extend_from_slice(&((body.len() + 3) as u16).to_be_bytes());
        stream.extend_from_slice(&body);
        n_records += take;
    }
    if let Some(out) = std::env::args().nth(2) {
        // a smaller copy (100k records) for the reference decoder script
        let mut small = Vec::new();
        let mut p = 0usize;
        let mut k = 0usize;
        while p + 3 <= stream.len() && k < 100_000 {
            let l = usize::from(u16::from_be_bytes([stream[p + 1], stream[p + 2]]));
            small.extend_from_slice(&stream[p..p + l]);
            p += l;
            k += recs.len().min(20);
        }
        std::fs::write(out, small)?;
    }
    let mut best = 0.0f64;
    for _ in 0..5 {
        let t = Instant::now();
        let mut n = 0usize;
        let mut checksum = 0u64;
        for rec in BlockStream::new(&stream, 0).flatten() {
            if let Ok(p) = Cat048Plot::from_record(&rec) {
                checksum = checksum.wrapping_add(u64::from(p.track_number.unwrap_or(0)));
                n += 1;
            }
        }
        let rate = n as f64 / t.elapsed().as_secs_f64();
        best = best.max(rate);
        std::hint::black_box(checksum);
    }
    println!("cat048_decode_typed_records_per_s {best:.0}");

    let tracks: Vec<Cat062Track> = (0..1000u16)
        .map(|i| Cat062Track {
            sac: 1,
            sic: 2,
            service_id: Some(1),
            time_of_track: Some(3600.0 + f64::from(i)),
            track_number: Some(i),
            lat_lon_deg: Some((45.0, 15.0)),
            xy_m: Some((1000.0, -2000.0)),
            velocity_mps: Some((200.0, 10.0)),
            accel_mps2: Some((0.0, 0.0)),
            mode3a: Some(0o1234),
            mode_of_movement: Some((0, 0, 0, false)),
            measured_fl: Some(350.0),
            geometric_alt_ft: Some(35500.0),
            barometric_fl: Some(350.0),
            rocd_fpm: Some(0.0),
            aircraft_address: Some(0x3C660C),
            callsign: Some(Callsign::new("DLH65A")),
            mono_sensor: Some(false),
            tentative: Some(false),
            simulated: None,
            ended: None,
            started: None,
        })
        .collect();
    let mut best = 0.0f64;
    for _ in 0..5 {
        let t = Instant::now();
        let mut n = 0usize;
        let mut bytes = 0usize;
        for _ in 0..1000 {
            for chunk in tracks.chunks(50) {
                if let Ok(b) = encode_cat062(chunk) {
                    bytes += b.len();
                    n += chunk.len();
                }
            }
        }
        best = best.max(n as f64 / t.elapsed().as_secs_f64());
        std::hint::black_box(bytes);
    }
    println!("cat062_encode_records_per_s {best:.0}");
    Ok(())
}
