//! Cursor-on-Target against a real TAK server: `taky` (PyPI, installed by `.ci/install-tools`
//! into `$HOME/.cache/tessera-taky-venv`) is started on a free loopback port; two TCP clients
//! connect, one sends a Tessera track event, the other must receive it as relayed by the
//! server, and the parsed uid, type and point must match.
//!
//! The taky binary is looked up in `$TESSERA_TAKY`, then the venv above, then `PATH`. Without it
//! the test prints a notice and passes, except under `CI=true`, where it fails.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tessera_domain::{Identity, TargetClass};
use tessera_feeds::cot::{CotStreamSplitter, CotTrack, TcpCotSender, encode_event, parse_event};

fn find_taky() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TESSERA_TAKY") {
        return Some(PathBuf::from(p));
    }
    if let Some(home) = std::env::var_os("HOME") {
        let p = PathBuf::from(home).join(".cache/tessera-taky-venv/bin/taky");
        if p.exists() {
            return Some(p);
        }
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("taky"))
            .find(|p| p.is_file())
    })
}

/// Kills and reaps the server when the test ends, whatever happens.
struct Server {
    child: Child,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_taky(bin: &PathBuf) -> (Server, u16) {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("tessera-taky-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let conf = dir.join("taky.conf");
    std::fs::write(
        &conf,
        format!(
            "[taky]\nnode_id = tessera-test\nbind_ip = 127.0.0.1\nredis = false\nroot_dir = {root}\n\n\
             [cot_server]\nport = {port}\nlog_cot = {root}/cot-log\n\n\
             [dp_server]\nupload_path = {root}/dp-user\n\n[ssl]\nenabled = false\n",
            root = dir.display()
        ),
    )
    .unwrap();
    let child = Command::new(bin)
        .arg("-c")
        .arg(&conf)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(dir.join("taky.stderr")).unwrap(),
        ))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let mut server = Server { child, dir };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (server, port);
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            let log = std::fs::read_to_string(server.dir.join("taky.stderr")).unwrap_or_default();
            panic!("taky exited with {status}: {log}");
        }
        assert!(
            Instant::now() < deadline,
            "taky did not listen on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn presence(uid: &str, callsign: &str) -> CotTrack {
    CotTrack {
        track_id: 0,
        uid: Some(uid.to_string()),
        callsign: Some(callsign.to_string()),
        identity: Identity::Friend,
        class: TargetClass::Unknown,
        lat: 43.6,
        lon: 1.44,
        hae: Some(150.0),
        course: None,
        speed: None,
        cov_horizontal: Some([[25.0, 0.0], [0.0, 25.0]]),
        var_vertical: Some(100.0),
        time: now(),
        stale_after: 120.0,
    }
}

#[test]
fn taky_relays_our_track_event() {
    let Some(bin) = find_taky() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("taky not installed (run .ci/install-tools)");
        }
        eprintln!("notice: taky not installed, TAK server test skipped (see .ci/install-tools)");
        return;
    };
    let (server, port) = start_taky(&bin);

    let mut receiver = TcpStream::connect(("127.0.0.1", port)).unwrap();
    receiver
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut sender = TcpCotSender::connect(("127.0.0.1", port)).unwrap();
    // Both clients announce themselves first, as TAK clients do.
    receiver
        .write_all(
            encode_event(&presence("tessera-test-rx", "RX"))
                .unwrap()
                .as_bytes(),
        )
        .unwrap();
    sender.send(&presence("tessera-test-tx", "TX")).unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let track = CotTrack {
        track_id: 4711,
        uid: None,
        callsign: Some("BANDIT-1".into()),
        identity: Identity::Hostile,
        class: TargetClass::FixedWing,
        lat: 43.635,
        lon: 1.3675,
        hae: Some(9144.0),
        course: Some(281.25),
        speed: Some(231.5),
        cov_horizontal: Some([[400.0, 0.0], [0.0, 225.0]]),
        var_vertical: Some(900.0),
        time: now(),
        stale_after: 30.0,
    };
    let mut splitter = CotStreamSplitter::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last_send = Instant::now() - Duration::from_secs(10);
    let mut seen = Vec::new();
    let got = 'outer: loop {
        assert!(
            Instant::now() < deadline,
            "no relayed track event within 20 s; received: {seen:#?}; server log: {}",
            std::fs::read_to_string(server.dir.join("taky.stderr")).unwrap_or_default()
        );
        if last_send.elapsed() > Duration::from_secs(2) {
            sender.send(&track).unwrap();
            last_send = Instant::now();
        }
        let mut buf = [0u8; 8192];
        match receiver.read(&mut buf) {
            Ok(0) => panic!("server closed the connection"),
            Ok(n) => {
                for xml in splitter.push(&buf[..n]) {
                    let ev = parse_event(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
                    if ev.uid == track.uid() {
                        break 'outer ev;
                    }
                    seen.push(ev.uid);
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("read: {e}"),
        }
    };
    assert_eq!(got.cot_type, "a-h-A-M-F");
    assert!((got.lat - track.lat).abs() < 1e-7);
    assert!((got.lon - track.lon).abs() < 1e-7);
    assert!((got.hae - 9144.0).abs() < 1e-3);
    // taky rounds ce/le to one decimal.
    assert!(
        (got.ce - ((400.0f64 + 225.0) / 2.0).sqrt()).abs() < 0.051,
        "ce {}",
        got.ce
    );
    assert!((got.le - 30.0).abs() < 0.051, "le {}", got.le);
    assert_eq!(got.callsign.as_deref(), Some("BANDIT-1"));
    assert!((got.course.unwrap() - 281.25).abs() < 1e-6);
    // taky re-serialises times to milliseconds.
    assert!((got.time.unwrap() - track.time).abs() < 0.002);
    assert!((got.stale.unwrap() - track.time - 30.0).abs() < 0.002);
    drop(server);
}
