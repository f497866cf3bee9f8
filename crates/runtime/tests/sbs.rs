//! SBS/BaseStation text as a live input, on real data: the dump1090-derived SBS decoding of the
//! `beastblackbox` capture (11 aircraft near St Petersburg, 2018-04-03 19:02–19:03 UTC, from
//! `../shared/data/sbs`, never copied into the repository).
//!
//! - Straight through the core (`Core::apply`): tracks appear with the feed's ICAO addresses,
//!   callsigns (MSG,1) and squawks (MSG,6); malformed lines are counted and skipped; a second
//!   core fed the same inputs reaches the same digest.
//! - Through the shell: a loopback TCP server plays dump1090's port 30003, the client splits
//!   lines across reads and reconnects after the server drops it; every line reaches the core,
//!   and the journal replays to the same counters.

mod common;
use common::data;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tessera_feeds::sbs::{SbsReader, SbsRecord};
use tessera_runtime::clock::Clock;
use tessera_runtime::ingest::{run_sbs_client, sbs_batches};
use tessera_runtime::journal::JournalReader;
use tessera_runtime::shell::{Handle, ShellConfig, start};
use tessera_runtime::{Core, Input, SiteConfig};
use tokio::io::AsyncWriteExt;

const FILE: &str = "sbs/beastblackbox_ulss7_20180403.sbs.txt";

/// The default site with its system frame moved under the recorded traffic and its epoch on
/// the recording's day, its first ADS-B receiver's id.
fn site() -> (SiteConfig, u32) {
    let mut s = SiteConfig::from_world(&tessera_sim::world::default_world()).unwrap();
    s.origin_lat_deg = 60.0;
    s.origin_lon_deg = 32.0;
    // 2018-04-03T19:00:00Z.
    s.epoch_unix_ns = 1_522_782_000_000_000_000;
    let id = s.adsb[0].id;
    (s, id)
}

/// What the file says: positions per ICAO (MSG,3 with lat/lon/alt), and the callsign and
/// squawk known at each aircraft's last position (identity sent after it reaches no track).
struct Truth {
    positions: BTreeMap<u32, usize>,
    callsigns: BTreeMap<u32, String>,
    squawks: BTreeMap<u32, u16>,
    messages: u64,
}

fn truth(bytes: &[u8]) -> Truth {
    let mut t = Truth {
        positions: BTreeMap::new(),
        callsigns: BTreeMap::new(),
        squawks: BTreeMap::new(),
        messages: 0,
    };
    let mut callsign: BTreeMap<u32, String> = BTreeMap::new();
    let mut squawk: BTreeMap<u32, u16> = BTreeMap::new();
    for item in SbsReader::new(bytes) {
        if let Ok(SbsRecord::Msg { msg, .. }) = item {
            t.messages += 1;
            let icao = msg.icao.0;
            if let Some(c) = msg
                .callsign
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                callsign.insert(icao, c.to_string());
            }
            if let Some(s) = msg.squawk.as_deref() {
                squawk.insert(icao, u16::from_str_radix(s.trim(), 8).unwrap());
            }
            if msg.transmission_type == 3
                && msg.lat.is_some()
                && msg.lon.is_some()
                && msg.altitude.is_some()
            {
                *t.positions.entry(icao).or_default() += 1;
                if let Some(c) = callsign.get(&icao) {
                    t.callsigns.insert(icao, c.clone());
                }
                if let Some(s) = squawk.get(&icao) {
                    t.squawks.insert(icao, *s);
                }
            }
        }
    }
    t
}

/// The file as live inputs: batches of at most 0.5 s of generated time, received 0.5 s after
/// their first line was generated, with a tick every second.
fn inputs(bytes: &[u8], source: u32) -> Vec<Input> {
    let mut out = Vec::new();
    let mut next_tick: Option<i64> = None;
    for (t, lines) in sbs_batches(bytes) {
        let recv_ns = ((t.expect("every batch has a timed line") + 0.5) * 1e9) as i64;
        let tick = next_tick.get_or_insert(recv_ns);
        while *tick <= recv_ns {
            out.push(Input::Tick { t_ns: *tick });
            *tick += 1_000_000_000;
        }
        out.push(Input::Sbs {
            source,
            recv_ns,
            lines,
        });
    }
    out
}

#[test]
fn real_sbs_lines_become_tracks_with_their_icao_and_callsign() {
    let Some(path) = data(FILE) else { return };
    let bytes = std::fs::read(path).unwrap();
    let truth = truth(&bytes);
    assert_eq!(truth.messages, 8622, "the README's count of MSG lines");
    let (site, adsb) = site();
    let inputs = inputs(&bytes, adsb);
    let mut core = Core::new(site.clone()).unwrap();
    let mut digests = Vec::new();
    // What the published picture showed of each address, at any cycle (an aircraft whose
    // positions stop early is dropped before the end): (updates, callsign, Mode 3/A).
    type Seen = BTreeMap<u32, (u32, Option<String>, Option<u16>)>;
    let mut seen: Seen = BTreeMap::new();
    for i in &inputs {
        if let Some(c) = core.apply(i).cycle {
            digests.push(c.digest);
            for t in core.picture().tracks().filter(|t| t.published()) {
                let a = t.attributes.icao.expect("every SBS track has its address");
                let e = seen.entry(a).or_default();
                e.0 = e.0.max(t.track.updates);
                if t.attributes.callsign.is_some() {
                    e.1.clone_from(&t.attributes.callsign);
                }
                if t.attributes.mode3a.is_some() {
                    e.2 = t.attributes.mode3a;
                }
            }
        }
    }
    let c = core.counters().clone();
    assert_eq!(c.sbs_messages, truth.messages);
    assert_eq!(
        c.sbs_errors, 0,
        "the trailing non-MSG lines are skipped, not errors"
    );
    assert!(c.sbs_positions > 500, "{c:?}");
    assert_eq!(c.scans_refused, 0, "{c:?}");
    assert_eq!(c.unknown_sensor, 0);

    // Every aircraft with a few positions was a published track carrying its identity.
    let expected: BTreeSet<u32> = truth
        .positions
        .iter()
        .filter(|(_, n)| **n >= 10)
        .map(|(a, _)| *a)
        .collect();
    assert!(expected.len() >= 10, "{:?}", truth.positions);
    for icao in &expected {
        let (updates, callsign, mode3a) = seen
            .get(icao)
            .unwrap_or_else(|| panic!("no track for {icao:06X}: {seen:?}"));
        assert!(*updates >= 5, "{icao:06X}: {updates} updates");
        if let Some(cs) = truth.callsigns.get(icao) {
            assert_eq!(callsign.as_deref(), Some(cs.as_str()), "{icao:06X}");
        }
        if let Some(sq) = truth.squawks.get(icao) {
            assert_eq!(*mode3a, Some(*sq), "{icao:06X}");
        }
    }
    assert!(
        seen.keys().all(|a| truth.positions.contains_key(a)),
        "{seen:?}"
    );
    // Air China 1024 and Cathay 238, by name; 400159 squawks 1017 (MSG,6).
    assert_eq!(seen[&0x780C5D].1.as_deref(), Some("CAO1024"));
    assert_eq!(seen[&0x780A5C].1.as_deref(), Some("CPA238"));
    assert_eq!(seen[&0x400159].2, Some(0o1017));

    let tracks: Vec<_> = core.picture().tracks().filter(|t| t.published()).collect();
    let by_icao: BTreeMap<u32, _> = tracks
        .iter()
        .filter_map(|t| t.attributes.icao.map(|a| (a, *t)))
        .collect();
    // No track of an address the feed never positioned, and one track per aircraft.
    for t in &tracks {
        let a = t.attributes.icao.expect("every SBS track has its address");
        assert!(truth.positions.contains_key(&a), "{a:06X}");
    }
    assert_eq!(
        by_icao.len(),
        tracks.len(),
        "one track per aircraft: {:?}",
        tracks
            .iter()
            .map(|t| (
                t.track.id,
                t.attributes.icao,
                t.track.updates,
                t.first_time,
                t.track.time
            ))
            .collect::<Vec<_>>()
    );
    assert!(by_icao.len() >= 8, "{:?}", by_icao.keys());

    // The same inputs give the same digests at every cycle.
    let mut again = Core::new(site).unwrap();
    let mut second = Vec::new();
    for i in &inputs {
        if let Some(c) = again.apply(i).cycle {
            second.push(c.digest);
        }
    }
    assert!(!digests.is_empty());
    assert_eq!(digests, second);
}

#[test]
fn malformed_sbs_lines_are_counted_and_skipped() {
    let (site, adsb) = site();
    let mut core = Core::new(site).unwrap();
    let t = 1_522_782_150_000_000_000;
    let lines = b"MSG,3,1,1,XYZ,1,2018/04/03,19:02:28.298,2018/04/03,19:02:28.298,,33000,,,59.87,30.21,,,0,0,0,0\n\
MSG,3,1,1,4CA2D6,1\n\
MSG,3,1,1,4CA2D6,1,2018/04/03,19:02:28.298,2018/04/03,19:02:28.298,,33000,,,99.87,30.21,,,0,0,0,0\n\
MSG,3,1,1,4CA2D6,1,2018/04/03,19:02:28.298,2018/04/03,19:02:28.298,,FL330,,,59.87,30.21,,,0,0,0,0\n\
\xff\xfe\xfd\n\
MSG,9,1,1,4CA2D6,1,2018/04/03,19:02:28.298,2018/04/03,19:02:28.298,,,,,,,,,,,,\n\
MSG,3,1,1,4CA2D6,1,2018/04/03,19:02:28.298,2018/04/03,19:02:28.298,,,,,59.87,30.21,,,0,0,0,0\n\
MSG,3,1,1,4CA2D6,1,2018/04/03,19:02:28.298,2018/04/03,19:02:28.298,,33000,,,59.87,30.21,,,0,0,0,0\r\n\
Total processed 3 messages\n\
MSG,3,1,1,4CA2D6,1,2018/04/03,19:02:2";
    core.apply(&Input::Sbs {
        source: adsb,
        recv_ns: t,
        lines: lines.to_vec(),
    });
    let c = core.counters().clone();
    // Bad hex ident, too few fields (twice, the cut last line too), latitude 99.87, altitude
    // "FL330", not UTF-8, transmission type 9.
    assert_eq!(c.sbs_errors, 7, "{c:?}");
    assert_eq!(c.sbs_messages, 2);
    // A position without altitude cannot be a 3D measurement.
    assert_eq!(c.measurement_errors, 1);
    assert_eq!(c.sbs_positions, 1);
    let s = core.stats();
    assert_eq!(s.tracks_tentative + s.tracks_confirmed, 1, "{s:?}");
    // A feed mapped to a sensor the site does not have: counted, not tracked.
    core.apply(&Input::Sbs {
        source: 4242,
        recv_ns: t + 1_000_000_000,
        lines: b"MSG,3,1,1,4CA2D7,1,,,,,,33000,,,59.87,30.21,,,,,,0\n".to_vec(),
    });
    assert_eq!(core.counters().unknown_sensor, 1);
    let s = core.stats();
    assert_eq!(s.tracks_tentative + s.tracks_confirmed, 1, "{s:?}");
}

async fn sbs_messages(h: &Handle) -> u64 {
    h.query(|c| c.core.counters().sbs_messages).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sbs_tcp_client_reads_lines_across_reads_and_reconnects() {
    let Some(path) = data(FILE) else { return };
    let bytes = std::fs::read(path).unwrap();
    let text: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').take(400).collect();
    let (first, second) = text.split_at(150);
    let want = truth(&bytes[..text.iter().map(|l| l.len()).sum::<usize>()]).messages;
    assert_eq!(want, 400);

    let dir = std::env::temp_dir().join(format!("tessera-sbs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (site, adsb) = site();
    let clock = Arc::new(Clock::new(1_522_782_148_000_000_000, 1.0));
    let journal = dir.join("j.sqlite");
    let (h, core_thread) = start(
        Core::new(site.clone()).unwrap(),
        &ShellConfig::new(&journal),
        clock,
        None,
    )
    .unwrap();
    let run = h.journal.borrow().run;

    // The SBS server (dump1090's port 30003).
    let server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    tokio::spawn(run_sbs_client(
        h.clone(),
        "sbs:test".into(),
        adsb,
        addr.to_string(),
    ));

    // First connection: the lines in three writes, cut in the middle of lines.
    let (mut c, _) = server.accept().await.unwrap();
    let one: Vec<u8> = first.concat();
    let cuts = [0, 777, 5_001, one.len()];
    for w in cuts.windows(2) {
        c.write_all(&one[w[0]..w[1]]).await.unwrap();
        c.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while sbs_messages(&h).await < 150 {
        assert!(tokio::time::Instant::now() < deadline, "first connection");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The server drops the client; it comes back and gets the rest.
    drop(c);
    let (mut c, _) = tokio::time::timeout(Duration::from_secs(10), server.accept())
        .await
        .expect("the client reconnects")
        .unwrap();
    c.write_all(&second.concat()).await.unwrap();
    c.flush().await.unwrap();
    while sbs_messages(&h).await < want {
        assert!(tokio::time::Instant::now() < deadline, "second connection");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let live = h.query(|c| c.core.counters().clone()).await.unwrap();
    assert_eq!(live.sbs_messages, want);
    assert_eq!(live.sbs_errors, 0, "no line was cut: {live:?}");
    assert!(live.sbs_positions > 0);
    h.shutdown();
    core_thread.join().unwrap();

    // The journal holds the lines as received: a fresh core reads the same.
    let reader = JournalReader::open(&journal).unwrap();
    let mut replayed = Core::new(reader.site(run).unwrap()).unwrap();
    let mut sbs_inputs = 0;
    reader
        .for_each_input(run, |e| {
            if matches!(e.input, Input::Sbs { .. }) {
                sbs_inputs += 1;
            }
            replayed.apply(&e.input);
            Ok(())
        })
        .unwrap();
    assert!(sbs_inputs >= 2);
    assert_eq!(replayed.counters().sbs_messages, want);
    assert_eq!(replayed.counters().sbs_positions, live.sbs_positions);
    std::fs::remove_dir_all(&dir).ok();
}
