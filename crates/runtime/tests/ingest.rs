//! The ingest tasks on loopback: ASTERIX by UDP unicast, UDP multicast (joined on 127.0.0.1),
//! TCP (blocks split across writes and several blocks per write), and the replay of a real
//! recording (Croatia Control CAT034/CAT048 pcap: its radars are not in the site, so its plots
//! are counted as from unknown sensors, its CAT034 service messages as records).

mod common;
use common::data;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tessera_asterix::typed::{Cat048Plot, encode_cat048};
use tessera_runtime::clock::Clock;
use tessera_runtime::ingest::{UdpSource, bind_udp, replay_file, run_tcp, run_udp};
use tessera_runtime::shell::{Handle, ShellConfig, start};
use tessera_runtime::{Core, SiteConfig};
use tokio::io::AsyncWriteExt;

const EPOCH: i64 = 1_704_103_200_000_000_000;

fn block(tod: f64) -> Vec<u8> {
    encode_cat048(&[Cat048Plot {
        sac: 10,
        sic: 2,
        time_of_day: Some(tod),
        report_type: Some(1),
        rho_nm: Some(30.0),
        theta_deg: Some(45.0),
        elevation_deg: Some(1.0),
        ..Default::default()
    }])
    .unwrap()
}

async fn counters(h: &Handle) -> (u64, u64, u64) {
    h.query(|c| {
        let k = c.core.counters();
        (k.plots, k.records, k.unknown_sensor)
    })
    .await
    .unwrap()
}

async fn wait_plots(h: &Handle, n: u64) -> (u64, u64, u64) {
    for _ in 0..100 {
        let c = counters(h).await;
        if c.0 >= n {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    counters(h).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn udp_multicast_tcp_and_replay() {
    let dir = std::env::temp_dir().join(format!("tessera-ingest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let site = SiteConfig::from_world(&tessera_sim::world::default_world()).unwrap();
    let clock = Arc::new(Clock::new(EPOCH, 1.0));
    let (h, _t) = start(
        Core::new(site).unwrap(),
        &ShellConfig::new(&dir.join("j.sqlite")),
        clock,
        None,
    )
    .unwrap();

    // UDP unicast.
    let src = UdpSource {
        name: "udp".into(),
        id: 1,
        listen: "127.0.0.1:0".parse().unwrap(),
        multicast: None,
        iface: Ipv4Addr::UNSPECIFIED,
    };
    let sock = bind_udp(&src).await.unwrap();
    let addr = sock.local_addr().unwrap();
    tokio::spawn(run_udp(h.clone(), src, sock));
    let tx = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for k in 0..3 {
        tx.send_to(&block(36_000.0 + f64::from(k)), addr)
            .await
            .unwrap();
    }
    assert_eq!(wait_plots(&h, 3).await.0, 3);

    // UDP multicast on the loopback interface.
    let group: Ipv4Addr = "239.255.42.7".parse().unwrap();
    let msrc = UdpSource {
        name: "mcast".into(),
        id: 2,
        listen: "0.0.0.0:0".parse().unwrap(),
        multicast: Some(group),
        iface: Ipv4Addr::LOCALHOST,
    };
    let msock = bind_udp(&msrc).await.unwrap();
    let mport = msock.local_addr().unwrap().port();
    tokio::spawn(run_udp(h.clone(), msrc, msock));
    let s2 = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
    s2.set_multicast_if_v4(&Ipv4Addr::LOCALHOST).unwrap();
    s2.set_multicast_loop_v4(true).unwrap();
    let to: SocketAddr = SocketAddr::from((group, mport));
    s2.send_to(&block(36_004.0), &to.into()).unwrap();
    assert_eq!(
        wait_plots(&h, 4).await.0,
        4,
        "multicast datagram not received"
    );

    // TCP: one block split over two writes, then two blocks in one write.
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let taddr = l.local_addr().unwrap();
    tokio::spawn(run_tcp(h.clone(), "tcp".into(), 3, l));
    let mut c = tokio::net::TcpStream::connect(taddr).await.unwrap();
    let b = block(36_005.0);
    c.write_all(&b[..5]).await.unwrap();
    c.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    c.write_all(&b[5..]).await.unwrap();
    let mut two = block(36_006.0);
    two.extend(block(36_007.0));
    c.write_all(&two).await.unwrap();
    c.flush().await.unwrap();
    assert_eq!(wait_plots(&h, 7).await.0, 7);

    // Replay of a real recording, as fast as the core takes it.
    if let Some(p) = data("asterix/croatiacontrol/cat_034_048.pcap") {
        let before = counters(&h).await;
        let n = replay_file(h.clone(), &p, 4, 0.0).await.unwrap();
        assert!(n > 0);
        let after = wait_plots(&h, before.0 + 100).await;
        assert!(after.0 > before.0 + 100, "{before:?} → {after:?}");
        assert!(
            after.2 >= after.0 - before.0 - 1,
            "Croatian radars are unknown here: {after:?}"
        );
    }
    assert_eq!(h.dropped(), 0);
    h.shutdown();
    std::fs::remove_dir_all(&dir).ok();
}
