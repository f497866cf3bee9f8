//! The picture out: the default scenario's first 40 s run through the live shell (the
//! simulator fast-forwarded as the source), then the CAT062 and Cursor-on-Target outputs send
//! the tracks to local UDP receivers; both decode with the project's decoders (CAT062 with the
//! ASTERIX decoder, CoT with the CoT parser) and hold the picture's tracks.

use std::sync::Arc;
use std::time::Duration;
use tessera_asterix::typed::Cat062Track;
use tessera_runtime::clock::Clock;
use tessera_runtime::outputs::{Output, run_output};
use tessera_runtime::shell::{ShellConfig, run_ticks, start};
use tessera_runtime::sim_source::{SimOptions, run_sim};
use tessera_runtime::{Core, SiteConfig};
use tessera_sim::world::World;
use tessera_sim::world::config::Doctrine;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cat062_and_cot_carry_the_picture() {
    let dir = std::env::temp_dir().join(format!("tessera-outputs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cfg = tessera_sim::world::default_world();
    cfg.engagement.doctrine = Doctrine::External;
    cfg.output.truth_period_s = 0.0;
    cfg.output.scenario_jsonl = false;
    cfg.output.sbs = false;
    let site = SiteConfig::from_world(&cfg).unwrap();
    let system = site.system_frame().unwrap();
    let world = World::new(&cfg).unwrap();
    let clock = Arc::new(Clock::new(world.epoch_unix_ns(), 1.0));
    let (orders_tx, orders_rx) = tokio::sync::mpsc::channel(16);
    let (h, _t) = start(
        Core::new(site).unwrap(),
        &ShellConfig::new(&dir.join("j.sqlite")),
        clock.clone(),
        Some(orders_tx),
    )
    .unwrap();
    tokio::spawn(run_ticks(h.clone(), 1.0));
    tokio::spawn(run_sim(
        h.clone(),
        world,
        system,
        orders_rx,
        SimOptions {
            fast_forward_s: 40.0,
        },
    ));
    // Wait for the fast-forward and a few cycles.
    let epoch = tessera_sim::world::World::new(&cfg)
        .unwrap()
        .epoch_unix_ns();
    for _ in 0..600 {
        if clock.now_ns() > epoch + 42_000_000_000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let n_tracks = h
        .query(|c| c.core.picture().tracks().count())
        .await
        .unwrap();
    assert!(n_tracks > 100, "{n_tracks} tracks after 40 s");

    let rx062 = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let rxcot = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let period = Duration::from_millis(300);
    tokio::spawn(run_output(
        h.clone(),
        Output::Cat062Udp {
            to: rx062.local_addr().unwrap(),
            sac: 0,
            sic: 1,
        },
        period,
    ));
    tokio::spawn(run_output(
        h.clone(),
        Output::CotUdp {
            to: rxcot.local_addr().unwrap(),
        },
        period,
    ));
    // CAT062: decode datagrams until one period's worth of tracks is seen.
    let mut buf = vec![0u8; 65_536];
    let mut tracks: Vec<Cat062Track> = Vec::new();
    while tracks.len() < n_tracks * 9 / 10 {
        let (n, _) = tokio::time::timeout(Duration::from_secs(5), rx062.recv_from(&mut buf))
            .await
            .expect("CAT062 datagram")
            .unwrap();
        let b = tessera_asterix::decode_block(&buf[..n]).unwrap();
        assert_eq!(b.cat, 62);
        for r in &b.records {
            tracks.push(Cat062Track::from_record(r).unwrap());
        }
    }
    let (lat0, lon0) = (cfg.scenario.origin_lat_deg, cfg.scenario.origin_lon_deg);
    for t in &tracks {
        let (la, lo) = t.lat_lon_deg.unwrap();
        assert!(
            (la - lat0).abs() < 5.0 && (lo - lon0).abs() < 5.0,
            "{la} {lo}"
        );
        assert!(t.track_number.is_some() && t.time_of_track.is_some());
    }
    assert!(
        tracks
            .iter()
            .any(|t| t.mode3a.is_some() && t.aircraft_address.is_some())
    );
    // CoT: every datagram one event that parses, typed as air tracks.
    let mut events = 0;
    let mut neutral = 0;
    while events < 100 {
        let (n, _) = tokio::time::timeout(Duration::from_secs(5), rxcot.recv_from(&mut buf))
            .await
            .expect("CoT datagram")
            .unwrap();
        let ev = tessera_feeds::cot::parse_event(std::str::from_utf8(&buf[..n]).unwrap()).unwrap();
        assert!(ev.uid.starts_with("tessera-track-"), "{}", ev.uid);
        assert!(
            ev.cot_type.starts_with("a-") && ev.cot_type.contains("-A"),
            "{}",
            ev.cot_type
        );
        if ev.cot_type.starts_with("a-n-") {
            neutral += 1;
        }
        events += 1;
    }
    assert!(neutral > 50, "{neutral} neutral of {events}");
    h.shutdown();
    std::fs::remove_dir_all(&dir).ok();
}
