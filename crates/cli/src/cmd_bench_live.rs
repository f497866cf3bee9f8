//! `tessera bench live`: the live system under load, measured from the outside.
//!
//! The whole runtime (core thread, journal, server) starts in this process on 127.0.0.1:0
//! without the simulator. A generator flies `targets` aircraft in straight lines and plays
//! `radars` rotating 3D radars over them: every `sector_s` each radar sends one CAT048 block by
//! UDP with the plots of the targets its beam swept (real WGS-84 geometry, noise, the Tessera SP
//! elevation), plus optional clutter to raise the offered rate. A WebSocket client on the
//! stream matches each delta's tracks to the block that updated them (a track's `time_ns` is
//! the time of its latest plot, and all plots of a block carry the block's time), so the
//! latency measured is plot on UDP → delta on the WebSocket, end to end.
//!
//! Reported: offered and accepted plots, drops, latency percentiles after the warm-up, deltas,
//! confirmed tracks, process memory (RSS) over the run, and whether the picture kept updating.

use anyhow::{Context, Result};
use futures_util::StreamExt;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tessera_asterix::typed::{Cat048Plot, encode_cat048};
use tessera_engage::feasibility::InterceptorType;
use tessera_geo::{Geodetic, LocalTangentPlane, Position};
use tessera_runtime::clock::Clock;
use tessera_runtime::ingest::{UdpSource, bind_udp, run_udp};
use tessera_runtime::shell::{ShellConfig, start};
use tessera_runtime::site::{
    AssetConfig, EngagementSettings, GeoPoint, RadarConfig, RadarKind, SiteConfig,
};
use tessera_runtime::{Core, Role};
use tessera_server::{AppState, UserStore};

/// Parameters of the load.
#[derive(Debug, Clone, Serialize, clap::Args)]
pub struct LiveBenchParams {
    #[arg(long, default_value_t = 5000)]
    pub targets: usize,
    #[arg(long, default_value_t = 4)]
    pub radars: usize,
    #[arg(long, default_value_t = 4.0)]
    pub rotation_s: f64,
    /// Seconds of rotation per UDP block (a multiple of the 1/128 s ASTERIX time LSB).
    #[arg(long, default_value_t = 0.0625)]
    pub sector_s: f64,
    #[arg(long, default_value_t = 60.0)]
    pub seconds: f64,
    #[arg(long, default_value_t = 15.0)]
    pub warmup_s: f64,
    /// Extra false plots per second over all radars (to raise the offered rate).
    #[arg(long, default_value_t = 0.0)]
    pub clutter_per_s: f64,
    #[arg(long, default_value_t = 8192)]
    pub queue: usize,
    /// UDP data that waited longer than this is shed (0: never).
    #[arg(long, default_value_t = 1000)]
    pub shed_after_ms: u64,
    #[arg(long, default_value_t = 10)]
    pub min_delta_ms: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// What the run measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LiveBenchReport {
    pub params: Option<LiveBenchParams>,
    pub datagrams_sent: u64,
    pub plots_offered: u64,
    pub offered_plots_per_s: f64,
    pub plots_applied: u64,
    pub dropped_datagrams: u64,
    pub deltas_received: u64,
    pub latency_samples: usize,
    pub latency_ms_p50: f64,
    pub latency_ms_p90: f64,
    pub latency_ms_p99: f64,
    pub latency_ms_max: f64,
    pub tracks_confirmed: u64,
    pub rss_mib_start: f64,
    pub rss_mib_max: f64,
    pub rss_mib_end: f64,
    /// Snapshot versions at the end of each quarter of the run (the picture kept updating).
    pub versions_by_quarter: Vec<u64>,
    /// Process memory at the end of each quarter (bounded: it levels off).
    pub rss_mib_by_quarter: Vec<f64>,
    pub load_average: String,
    /// The drop and ingest lines of `GET /metrics` at the end of the run (what an operator's
    /// monitoring sees).
    pub metrics_dropped: Vec<String>,
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn f64(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.f64().max(1e-12), self.f64());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

struct Radar {
    sac: u8,
    sic: u8,
    enu: [f64; 3],
    ltp: LocalTangentPlane,
    phase: f64,
}

struct Target {
    p0: [f64; 3],
    v: [f64; 3],
}

/// Origin of the synthetic site and the UTC midnight its times count from.
const ORIGIN: (f64, f64) = (10.0, -30.0);
const MIDNIGHT_NS: i64 = 1_704_067_200_000_000_000; // 2024-01-01T00:00:00Z

fn site(p: &LiveBenchParams, system: &LocalTangentPlane) -> Result<(SiteConfig, Vec<Radar>)> {
    let mut radars = Vec::new();
    let mut cfgs = Vec::new();
    for r in 0..p.radars {
        let a = std::f64::consts::TAU * r as f64 / p.radars.max(1) as f64;
        let enu = [60_000.0 * a.sin(), 60_000.0 * a.cos(), 50.0];
        let g = system.enu_to_geodetic(&Position::new(enu[0], enu[1], 0.0))?;
        let g = g.with_height(50.0)?;
        let enu_sys = system.geodetic_to_enu(&g).raw();
        radars.push(Radar {
            sac: 20,
            sic: r as u8 + 1,
            enu: [enu_sys.x, enu_sys.y, enu_sys.z],
            ltp: LocalTangentPlane::new(g),
            phase: a,
        });
        cfgs.push(RadarConfig {
            id: r as u32 + 1,
            name: format!("R{}", r + 1),
            kind: RadarKind::Radar3d,
            sac: 20,
            sic: r as u8 + 1,
            position: GeoPoint {
                lat_deg: g.lat_deg(),
                lon_deg: g.lon_deg(),
                alt_m: 50.0,
            },
            rotation_period_s: p.rotation_s,
            max_range_m: 400_000.0,
            sigma_range_m: 30.0,
            sigma_azimuth_deg: 0.1,
            sigma_elevation_deg: 0.1,
            sigma_height_m: 60.0,
        });
    }
    let site = SiteConfig {
        name: format!("bench {} targets, {} radars", p.targets, p.radars),
        origin_lat_deg: ORIGIN.0,
        origin_lon_deg: ORIGIN.1,
        epoch_unix_ns: MIDNIGHT_NS,
        radars: cfgs,
        adsb: Vec::new(),
        assets: vec![AssetConfig {
            id: 1,
            name: "Asset".into(),
            position: GeoPoint {
                lat_deg: ORIGIN.0,
                lon_deg: ORIGIN.1,
                alt_m: 0.0,
            },
            radius_m: 1_000.0,
            value: 1.0,
        }],
        interceptors: Vec::<InterceptorType>::new(),
        launchers: Vec::new(),
        picture: Default::default(),
        engagement: EngagementSettings {
            plan_period_s: 3_600.0,
            ..Default::default()
        },
    };
    site.validate()?;
    Ok((site, radars))
}

/// Runs the benchmark.
pub async fn run(p: LiveBenchParams) -> Result<LiveBenchReport> {
    let system = LocalTangentPlane::new(Geodetic::from_degrees(ORIGIN.0, ORIGIN.1, 0.0)?);
    let (site, radars) = site(&p, &system)?;
    let dir = std::env::temp_dir().join(format!("tessera-bench-live-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    // The run's clock starts at the first block's time so that times of day resolve exactly.
    let t0_ns = MIDNIGHT_NS + 10 * 3_600_000_000_000;
    let clock = Arc::new(Clock::new(t0_ns, 1.0));
    let mut shell = ShellConfig::new(&dir.join("journal.sqlite"));
    shell.data_capacity = p.queue;
    shell.max_data_age = (p.shed_after_ms > 0).then(|| Duration::from_millis(p.shed_after_ms));
    shell.min_delta_interval = Duration::from_millis(p.min_delta_ms);
    let (handle, core_thread) = start(Core::new(site)?, &shell, clock.clone(), None)?;
    let ticks = tokio::spawn(tessera_runtime::shell::run_ticks(handle.clone(), 1.0));
    let src = UdpSource {
        name: "bench".into(),
        id: 1,
        listen: "127.0.0.1:0".parse()?,
        multicast: None,
        iface: std::net::Ipv4Addr::UNSPECIFIED,
    };
    let sock = bind_udp(&src).await?;
    let udp_addr = sock.local_addr()?;
    let udp = tokio::spawn(run_udp(handle.clone(), src, sock));
    let (users, creds) = UserStore::open(&dir.join("users.json"))?;
    let observer = creds
        .iter()
        .find(|c| c.role == Role::Observer)
        .context("observer credential")?
        .clone();
    let users = Arc::new(users);
    let (token, _) = users
        .login(&observer.username, &observer.password)
        .context("login")?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let http = listener.local_addr()?;
    let mut stop = handle.shutdown_signal();
    let server = tokio::spawn(tessera_server::serve(
        listener,
        AppState::new(handle.clone(), users),
        async move {
            let _ = stop.changed().await;
        },
    ));

    // Block time (ns) → send instant, for the latency match.
    let sent: Arc<Mutex<HashMap<i64, Instant>>> = Arc::new(Mutex::new(HashMap::new()));
    let samples: Arc<Mutex<Vec<f64>>> = Arc::new(Mutex::new(Vec::new()));
    let deltas = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let measuring = Arc::new(std::sync::atomic::AtomicBool::new(false));

    // The stream client.
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{http}/api/stream?token={token}"))
        .await
        .context("WebSocket")?;
    let client = {
        let (sent, samples, deltas, measuring) = (
            sent.clone(),
            samples.clone(),
            deltas.clone(),
            measuring.clone(),
        );
        tokio::spawn(async move {
            let (_, mut rx) = ws.split();
            while let Some(Ok(msg)) = rx.next().await {
                let now = Instant::now();
                let Ok(text) = msg.into_text() else { continue };
                deltas.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                // A client that only needs the times: scan for them instead of building a
                // JSON tree (which would cost this process more than the server spends).
                let mut s = sent.lock().expect("sent");
                // Track times only (the message's own time_ns comes before "tracks").
                let mut rest: &str = text.find("\"tracks\":").map_or("", |i| &text[i..]);
                while let Some(i) = rest.find("\"time_ns\":") {
                    rest = &rest[i + 10..];
                    let end = rest
                        .find(|c: char| !(c.is_ascii_digit() || c == '-'))
                        .unwrap_or(rest.len());
                    if let Ok(tn) = rest[..end].parse::<i64>()
                        && let Some(at) = s.remove(&tn)
                        && measuring.load(std::sync::atomic::Ordering::Relaxed)
                    {
                        samples
                            .lock()
                            .expect("samples")
                            .push(now.duration_since(at).as_secs_f64() * 1e3);
                    }
                }
            }
        })
    };

    // Targets over a 400 km square, 3-12 km high, 150-260 m/s.
    let mut rng = Rng(p.seed);
    let targets: Vec<Target> = (0..p.targets)
        .map(|_| {
            let h = rng.f64() * std::f64::consts::TAU;
            let sp = 150.0 + 110.0 * rng.f64();
            Target {
                p0: [
                    (rng.f64() - 0.5) * 400_000.0,
                    (rng.f64() - 0.5) * 400_000.0,
                    3_000.0 + 9_000.0 * rng.f64(),
                ],
                v: [sp * h.sin(), sp * h.cos(), 0.0],
            }
        })
        .collect();
    let send = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
    let mut rep = LiveBenchReport {
        params: Some(p.clone()),
        rss_mib_start: rss_mib(),
        ..Default::default()
    };
    let start_wall = Instant::now();
    let steps = (p.seconds / p.sector_s).round() as u64;
    let omega = std::f64::consts::TAU / p.rotation_s;
    let clutter_per_block = p.clutter_per_s * p.sector_s / p.radars.max(1) as f64;
    let mut quarter = 1;
    for k in 0..steps {
        let t = k as f64 * p.sector_s;
        let t1 = t + p.sector_s;
        // Wait for the block's end (real time).
        let due = start_wall + Duration::from_secs_f64(t1);
        tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
        if t >= p.warmup_s {
            measuring.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        for (ri, r) in radars.iter().enumerate() {
            // Each radar's block is one ASTERIX time LSB (1/128 s) later than the previous
            // radar's, so that a track's time tells which block updated it and the blocks
            // arrive in time order (a late block would make the tracker replay).
            let block_ns = t0_ns + (t1 * 1e9).round() as i64 - (7 - (ri as i64 % 8)) * 7_812_500;
            let tod = (block_ns - MIDNIGHT_NS) as f64 * 1e-9;
            let a0 = (r.phase + omega * t).rem_euclid(std::f64::consts::TAU);
            let w = omega * p.sector_s;
            let mut plots = Vec::new();
            for tg in &targets {
                let tb = (block_ns - t0_ns) as f64 * 1e-9;
                let pos = [tg.p0[0] + tg.v[0] * tb, tg.p0[1] + tg.v[1] * tb, tg.p0[2]];
                let (dx, dy) = (pos[0] - r.enu[0], pos[1] - r.enu[1]);
                let az = dx.atan2(dy).rem_euclid(std::f64::consts::TAU);
                if (az - a0).rem_euclid(std::f64::consts::TAU) >= w {
                    continue;
                }
                let g = system.enu_to_geodetic(&Position::new(pos[0], pos[1], pos[2]))?;
                let l = r.ltp.geodetic_to_enu(&g).raw();
                let range = l.norm() + 30.0 * rng.normal();
                let azm = l.x.atan2(l.y) + 0.1f64.to_radians() * rng.normal();
                let el = (l.z / l.norm()).asin() + 0.1f64.to_radians() * rng.normal();
                plots.push(Cat048Plot {
                    sac: r.sac,
                    sic: r.sic,
                    time_of_day: Some(tod),
                    report_type: Some(1),
                    rho_nm: Some((range / 1852.0).min(255.99)),
                    theta_deg: Some(
                        ((azm.to_degrees().rem_euclid(360.0) / (360.0 / 65_536.0)).round()
                            % 65_536.0)
                            * (360.0 / 65_536.0),
                    ),
                    elevation_deg: Some(el.to_degrees().clamp(-89.0, 89.0)),
                    ..Default::default()
                });
            }
            let n_clutter = clutter_per_block.floor() as usize
                + usize::from(rng.f64() < clutter_per_block.fract());
            for _ in 0..n_clutter {
                let az = a0 + w * rng.f64();
                plots.push(Cat048Plot {
                    sac: r.sac,
                    sic: r.sic,
                    time_of_day: Some(tod),
                    report_type: Some(1),
                    rho_nm: Some(5.0 + 150.0 * rng.f64()),
                    theta_deg: Some(
                        ((az.to_degrees().rem_euclid(360.0) / (360.0 / 65_536.0)).floor()
                            % 65_536.0)
                            * (360.0 / 65_536.0),
                    ),
                    elevation_deg: Some(3.0 * rng.f64()),
                    ..Default::default()
                });
            }
            // Blocks of at most 500 plots (a UDP datagram under 64 KiB).
            for chunk in plots.chunks(500) {
                let block = encode_cat048(chunk)?;
                sent.lock().expect("sent").insert(block_ns, Instant::now());
                send.send_to(&block, udp_addr).await?;
                rep.datagrams_sent += 1;
                rep.plots_offered += chunk.len() as u64;
            }
        }
        if (k + 1) * 4 >= steps * quarter {
            let v = handle.snapshot.borrow().version;
            rep.versions_by_quarter.push(v);
            rep.rss_mib_by_quarter.push(rss_mib());
            quarter += 1;
        }
        rep.rss_mib_max = rep.rss_mib_max.max(rss_mib());
        // Forget sends nobody will match (tracks not yet confirmed, drops).
        if k % 64 == 0 {
            let horizon = Instant::now() - Duration::from_secs(10);
            sent.lock().expect("sent").retain(|_, at| *at > horizon);
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let wall = start_wall.elapsed().as_secs_f64();
    rep.offered_plots_per_s = rep.plots_offered as f64 / wall.max(1e-9);
    rep.dropped_datagrams = handle.dropped();
    let (plots, confirmed) = handle
        .query(|c| (c.core.counters().plots, c.core.stats().tracks_confirmed))
        .await?;
    rep.plots_applied = plots;
    rep.tracks_confirmed = confirmed;
    rep.deltas_received = deltas.load(std::sync::atomic::Ordering::Relaxed);
    let mut s = samples.lock().expect("samples").clone();
    s.sort_by(f64::total_cmp);
    rep.latency_samples = s.len();
    let pct = |q: f64| {
        if s.is_empty() {
            f64::NAN
        } else {
            s[((s.len() as f64 * q).ceil() as usize).clamp(1, s.len()) - 1]
        }
    };
    rep.latency_ms_p50 = pct(0.50);
    rep.latency_ms_p90 = pct(0.90);
    rep.latency_ms_p99 = pct(0.99);
    rep.latency_ms_max = s.last().copied().unwrap_or(f64::NAN);
    rep.rss_mib_end = rss_mib();
    rep.load_average = std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_string();
    rep.metrics_dropped = scrape_metrics(http)
        .await
        .unwrap_or_else(|e| vec![format!("scrape failed: {e}")])
        .into_iter()
        .filter(|l| {
            [
                "tessera_dropped_total",
                "tessera_ingest",
                "tessera_udp_kernel_drops",
                "tessera_cycle_seconds",
            ]
            .iter()
            .any(|p| l.starts_with(p))
                || l.contains("initiations_refused")
                || l.starts_with("tessera_tracks")
        })
        .filter(|l| !l.contains("_bucket") || l.starts_with("tessera_cycle_seconds"))
        .collect();
    handle.shutdown();
    client.abort();
    let _ = server.await;
    let _ = udp.await;
    let _ = ticks.await;
    drop(handle);
    let _ = tokio::task::spawn_blocking(move || core_thread.join()).await;
    std::fs::remove_dir_all(&dir).ok();
    Ok(rep)
}

/// `GET /metrics` over a plain HTTP/1.1 connection; the body's lines.
async fn scrape_metrics(http: std::net::SocketAddr) -> Result<Vec<String>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(http).await?;
    conn.write_all(b"GET /metrics HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        .await?;
    let mut body = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut body)).await??;
    let text = String::from_utf8_lossy(&body);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Ok(body.lines().map(str::to_string).collect())
}
