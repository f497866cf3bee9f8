//! `tessera run`: the live system. The scenario's world (the embedded default "Coastal
//! Sector" when no file is given) runs in real time as the sensors and the fire units; the
//! core fuses, evaluates and recommends; the server shows the picture at `--listen` and takes
//! the operators' decisions. Every input is journaled in `--data-dir`.
//!
//! Extra live sources: `--udp ADDR` (or `--udp GROUP@ADDR` for multicast), `--tcp ADDR`,
//! `--sbs-tcp HOST:PORT` (SBS/BaseStation text from a dump1090-style server, as the ADS-B
//! receiver `--sbs-sensor ID`, default the site's first), `--replay FILE` (ASTERIX raw, pcap
//! or pcapng, or SBS text). `--no-sim` runs only those. The picture out:
//! `--cat062-udp ADDR`, `--cot-udp ADDR`, `--cot-tcp ADDR` (every second).

use anyhow::{Context, Result, bail};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tessera_runtime::clock::Clock;
use tessera_runtime::ingest::{
    UdpSource, bind_udp, is_sbs_file, replay_file, replay_sbs_file, run_sbs_client, run_tcp,
    run_udp,
};
use tessera_runtime::shell::{ShellConfig, run_ticks, start};
use tessera_runtime::sim_source::{SimOptions, run_sim};
use tessera_runtime::{Core, SiteConfig};
use tessera_server::{AppState, UserStore};
use tessera_sim::world::config::Doctrine;
use tessera_sim::world::{World, WorldConfig, default_world};

/// Options of `tessera run` (its command-line arguments).
#[derive(Debug, Clone, clap::Args)]
pub struct LiveOptions {
    /// Scenario file (TOML).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Address of the page and API.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Journal and accounts.
    #[arg(long, default_value = "tessera-data")]
    pub data_dir: PathBuf,
    /// Scenario seconds per wall-clock second.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Run the first SECONDS of the scenario as fast as possible.
    #[arg(long, default_value_t = 0.0)]
    pub start_s: f64,
    /// Also ingest ASTERIX on UDP: ADDR, or GROUP@ADDR to join a multicast group.
    #[arg(long)]
    pub udp: Vec<String>,
    /// Also ingest ASTERIX block streams on TCP.
    #[arg(long)]
    pub tcp: Vec<std::net::SocketAddr>,
    /// Also ingest SBS/BaseStation text (port 30003): connect to the server at HOST:PORT
    /// (dump1090, BaseStation), reconnecting with backoff. Its positions are the ADS-B
    /// receiver --sbs-sensor's.
    #[arg(long, value_name = "HOST:PORT")]
    pub sbs_tcp: Vec<String>,
    /// Site ADS-B receiver (sensor id) that SBS feeds (--sbs-tcp, SBS --replay files) map
    /// to; default: the site's first ADS-B receiver.
    #[arg(long, value_name = "ID")]
    pub sbs_sensor: Option<u32>,
    /// Also replay a recording: ASTERIX (raw, pcap, pcapng) or SBS text (a `.sbs` file, or
    /// any file whose first line is an SBS record).
    #[arg(long)]
    pub replay: Vec<PathBuf>,
    /// Speed of --replay (0: as fast as the core takes it).
    #[arg(long, default_value_t = 1.0)]
    pub replay_speed: f64,
    /// No simulator: only the --udp/--tcp/--sbs-tcp/--replay sources (sensor sites from --scenario).
    #[arg(long)]
    pub no_sim: bool,
    /// Stop after this many wall-clock seconds.
    #[arg(long)]
    pub exit_after_s: Option<f64>,
    /// Capacity of the sensor-data queue (beyond it, UDP datagrams are dropped and counted).
    #[arg(long, default_value_t = 8192)]
    pub queue: usize,
    /// UDP data that waited longer than this in the queue is dropped unapplied (counted as
    /// stale), so that under overload the picture stays current; 0: never.
    #[arg(long, default_value_t = 1000)]
    pub shed_after_ms: u64,
    /// Send the picture as ASTERIX CAT062 by UDP to ADDR (unicast or multicast), every second.
    #[arg(long)]
    pub cat062_udp: Vec<std::net::SocketAddr>,
    /// Send Cursor-on-Target events by UDP to ADDR, every second.
    #[arg(long)]
    pub cot_udp: Vec<std::net::SocketAddr>,
    /// Send Cursor-on-Target events on a TCP connection to ADDR (a TAK server), every second.
    #[arg(long)]
    pub cot_tcp: Vec<std::net::SocketAddr>,
}

fn parse_udp(s: &str, id: u32) -> Result<UdpSource> {
    let (group, addr) = match s.split_once('@') {
        Some((g, a)) => (
            Some(
                g.parse::<Ipv4Addr>()
                    .with_context(|| format!("multicast group {g:?}"))?,
            ),
            a,
        ),
        None => (None, s),
    };
    let listen: SocketAddr = addr
        .parse()
        .with_context(|| format!("UDP address {addr:?}"))?;
    if group.is_some_and(|g| !g.is_multicast()) {
        bail!(
            "{s}: {} is not a multicast group",
            group.unwrap_or(Ipv4Addr::UNSPECIFIED)
        );
    }
    Ok(UdpSource {
        name: format!("udp:{s}"),
        id,
        listen,
        multicast: group,
        iface: Ipv4Addr::UNSPECIFIED,
    })
}

/// The scenario, set up for live use: the world fires only on orders.
pub fn live_world(scenario: Option<&Path>) -> Result<WorldConfig> {
    let mut cfg = match scenario {
        Some(p) => WorldConfig::from_file(p)?,
        None => default_world(),
    };
    cfg.engagement.doctrine = Doctrine::External;
    // The live run needs no files from the simulator.
    cfg.output.truth_period_s = 0.0;
    cfg.output.scenario_jsonl = false;
    cfg.output.sbs = false;
    Ok(cfg)
}

/// Runs the live system until Ctrl-C (or `exit_after_s`).
pub async fn run_live(opts: LiveOptions) -> Result<()> {
    std::fs::create_dir_all(&opts.data_dir)
        .with_context(|| format!("cannot create {}", opts.data_dir.display()))?;
    let world_cfg = live_world(opts.scenario.as_deref())?;
    let site = SiteConfig::from_world(&world_cfg)?;
    let world = World::new(&world_cfg)?;
    let system = site.system_frame()?;
    let start_ns = if opts.no_sim {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64)
    } else {
        world.epoch_unix_ns() + (world.time_s() * 1e9) as i64
    };
    let clock = Arc::new(Clock::new(start_ns, opts.speed));
    let core = Core::new(site.clone())?;
    let (orders_tx, orders_rx) = tokio::sync::mpsc::channel(256);
    let mut shell = ShellConfig::new(&opts.data_dir.join("journal.sqlite"));
    shell.data_capacity = opts.queue;
    shell.max_data_age =
        (opts.shed_after_ms > 0).then(|| std::time::Duration::from_millis(opts.shed_after_ms));
    let (handle, core_thread) = start(core, &shell, clock.clone(), Some(orders_tx))?;

    let (users, created) = UserStore::open(&opts.data_dir.join("users.json"))?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let addr = listener.local_addr()?;
    println!(
        "Tessera — {} live at http://{addr}/  (journal {}, run {})",
        site.name,
        handle.journal.borrow().path,
        handle.journal.borrow().run
    );
    if !created.is_empty() {
        println!(
            "First run: accounts created. Passwords are shown this once; only argon2 hashes are stored in {}:",
            opts.data_dir.join("users.json").display()
        );
        for c in &created {
            println!("  {:<9} {:<9} {}", c.role.as_str(), c.username, c.password);
        }
    }
    use std::io::Write as _;
    let _ = std::io::stdout().flush();

    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(run_ticks(handle.clone(), shell.tick_s));
    for (i, u) in opts.udp.iter().enumerate() {
        let src = parse_udp(u, 100 + i as u32)?;
        let sock = bind_udp(&src).await?;
        tracing::info!("UDP source {} on {}", src.name, sock.local_addr()?);
        tasks.spawn(run_udp(handle.clone(), src, sock));
    }
    for (i, a) in opts.tcp.iter().enumerate() {
        let l = tokio::net::TcpListener::bind(a)
            .await
            .with_context(|| format!("cannot listen on TCP {a}"))?;
        tracing::info!("TCP source on {}", l.local_addr()?);
        tasks.spawn(run_tcp(
            handle.clone(),
            format!("tcp:{a}"),
            200 + i as u32,
            l,
        ));
    }
    let sbs_files: Vec<bool> = opts
        .replay
        .iter()
        .map(|f| {
            use std::io::Read as _;
            let mut head = [0u8; 16];
            let n = std::fs::File::open(f)
                .and_then(|mut r| r.read(&mut head))
                .unwrap_or(0);
            is_sbs_file(f, &head[..n])
        })
        .collect();
    let sbs_sensor = if opts.sbs_tcp.is_empty() && !sbs_files.contains(&true) {
        None
    } else {
        Some(match opts.sbs_sensor {
            Some(id) if site.adsb.iter().any(|a| a.id == id) => id,
            Some(id) => bail!(
                "--sbs-sensor {id}: not an ADS-B receiver of the site (they are {:?})",
                site.adsb.iter().map(|a| a.id).collect::<Vec<_>>()
            ),
            None => match site.adsb.first() {
                Some(a) => a.id,
                None => bail!("SBS input needs an ADS-B receiver in the site (none configured)"),
            },
        })
    };
    for (i, a) in opts.sbs_tcp.iter().enumerate() {
        let id = sbs_sensor.expect("set when there are SBS inputs");
        tracing::info!("SBS source {a} (#{i}) as ADS-B receiver {id}");
        tasks.spawn(run_sbs_client(
            handle.clone(),
            format!("sbs:{a}"),
            id,
            a.clone(),
        ));
    }
    for (i, f) in opts.replay.iter().enumerate() {
        let h = handle.clone();
        let f = f.clone();
        let speed = opts.replay_speed;
        if sbs_files[i] {
            let id = sbs_sensor.expect("set when there are SBS inputs");
            tasks.spawn(async move {
                match replay_sbs_file(h, &f, id, speed).await {
                    Ok(n) => tracing::info!("replayed {n} SBS batches of {}", f.display()),
                    Err(e) => tracing::error!("replay {}: {e}", f.display()),
                }
            });
            continue;
        }
        tasks.spawn(async move {
            match replay_file(h, &f, 300 + i as u32, speed).await {
                Ok(n) => tracing::info!("replayed {n} blocks of {}", f.display()),
                Err(e) => tracing::error!("replay {}: {e}", f.display()),
            }
        });
    }
    use tessera_runtime::outputs::{Output, run_output};
    let period = std::time::Duration::from_secs(1);
    for to in &opts.cat062_udp {
        let out = Output::Cat062Udp {
            to: *to,
            sac: 0,
            sic: 1,
        };
        tasks.spawn(run_output(handle.clone(), out, period));
    }
    for to in &opts.cot_udp {
        tasks.spawn(run_output(
            handle.clone(),
            Output::CotUdp { to: *to },
            period,
        ));
    }
    for to in &opts.cot_tcp {
        tasks.spawn(run_output(
            handle.clone(),
            Output::CotTcp { to: *to },
            period,
        ));
    }
    if !opts.no_sim {
        let h = handle.clone();
        let so = SimOptions {
            fast_forward_s: opts.start_s,
        };
        tasks.spawn(async move {
            let rep = run_sim(h, world, system, orders_rx, so).await;
            tracing::info!("simulator finished: {rep:?}");
        });
    }
    let state = AppState::new(handle.clone(), Arc::new(users));
    let mut stop = handle.shutdown_signal();
    let server = tokio::spawn(tessera_server::serve(listener, state, async move {
        let _ = stop.changed().await;
    }));
    match opts.exit_after_s {
        Some(s) => tokio::time::sleep(std::time::Duration::from_secs_f64(s)).await,
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    tracing::info!("shutting down");
    handle.shutdown();
    let _ = server.await;
    tasks.shutdown().await;
    drop(handle);
    let _ = tokio::task::spawn_blocking(move || core_thread.join()).await;
    Ok(())
}
