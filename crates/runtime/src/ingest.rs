//! Ingest tasks: ASTERIX over UDP (unicast and multicast), over TCP, and file replay at N×
//! speed; SBS/BaseStation text (port 30003) from a TCP server (we connect, as to dump1090) and
//! from a file of lines. Each hands raw bytes with their reception time to the core's data queue; decoding
//! happens in the core, so the journal keeps exactly what arrived.
//!
//! UDP cannot push back, so a full queue drops the datagram (counted). TCP streams and file
//! replay wait for room instead (back-pressure).

use crate::input::Input;
use crate::shell::Handle;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use thiserror::Error;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, UdpSocket};

/// An ingest failure.
#[derive(Debug, Error)]
pub enum IngestError {
    #[error("{what} {addr}: {source}")]
    Io {
        what: &'static str,
        addr: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Replay(String),
}

/// A UDP source: listen address, optional multicast group (joined on `iface`).
#[derive(Debug, Clone)]
pub struct UdpSource {
    pub name: String,
    pub id: u32,
    pub listen: SocketAddr,
    pub multicast: Option<Ipv4Addr>,
    pub iface: Ipv4Addr,
}

/// Binds a UDP source and returns its socket (so that tests can learn the port).
pub async fn bind_udp(src: &UdpSource) -> Result<UdpSocket, IngestError> {
    let io = |what: &'static str| {
        let addr = src.listen.to_string();
        move |source| IngestError::Io { what, addr, source }
    };
    let raw = socket2::Socket::new(
        socket2::Domain::for_address(src.listen),
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )
    .map_err(io("UDP socket"))?;
    // A large receive buffer rides out the core's pauses (the kernel caps it at rmem_max);
    // what still overflows is read back from /proc/net/udp and exposed.
    let _ = raw.set_recv_buffer_size(UDP_RECV_BUFFER);
    if src.multicast.is_some() {
        raw.set_reuse_address(true).map_err(io("SO_REUSEADDR"))?;
    }
    raw.set_nonblocking(true).map_err(io("non-blocking"))?;
    raw.bind(&src.listen.into()).map_err(io("bind UDP"))?;
    let sock = UdpSocket::from_std(raw.into()).map_err(io("bind UDP"))?;
    if let Some(group) = src.multicast {
        sock.join_multicast_v4(group, src.iface)
            .map_err(|source| IngestError::Io {
                what: "join multicast",
                addr: group.to_string(),
                source,
            })?;
    }
    Ok(sock)
}

/// Receive buffer asked for each UDP socket, bytes.
const UDP_RECV_BUFFER: usize = 8 << 20;

/// Datagrams the kernel dropped on sockets bound to local `port` (the last column of
/// `/proc/net/udp` and `/proc/net/udp6`); `None` where that file does not exist.
pub fn kernel_udp_drops(port: u16) -> Option<u64> {
    let mut found = None;
    for file in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let local_port = cols
                .get(1)
                .and_then(|a| a.rsplit(':').next())
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            if local_port == Some(port)
                && let Some(d) = cols.last().and_then(|d| d.parse::<u64>().ok())
            {
                *found.get_or_insert(0) += d;
            }
        }
    }
    found
}

/// Receives datagrams until shutdown.
pub async fn run_udp(handle: Handle, src: UdpSource, sock: UdpSocket) {
    let mut stop = handle.shutdown_signal();
    let mut buf = vec![0u8; 65_536];
    let port = sock.local_addr().map_or(0, |a| a.port());
    let mut poll = tokio::time::interval(std::time::Duration::from_secs(1));
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let n = tokio::select! {
            _ = stop.changed() => return,
            _ = poll.tick() => {
                if let Some(d) = kernel_udp_drops(port) {
                    handle
                        .metrics
                        .udp_kernel_drops
                        .get_or_create(&crate::metrics::Metrics::name(&src.name))
                        .set(d as i64);
                }
                continue;
            }
            r = sock.recv_from(&mut buf) => match r {
                Ok((n, _)) => n,
                Err(e) => {
                    tracing::warn!("UDP {}: {e}", src.name);
                    continue;
                }
            },
        };
        handle.offer(
            &src.name,
            Input::Asterix {
                source: src.id,
                recv_ns: handle.clock.now_ns(),
                data: buf[..n].to_vec(),
            },
        );
    }
}

/// Splits complete ASTERIX blocks off the front of `buf` (by their LEN field); a LEN below 3
/// cannot be a block, so one byte is skipped to resynchronise (the core counts what it cannot
/// decode). Returns the bytes of the complete blocks.
pub fn take_blocks(buf: &mut Vec<u8>) -> Vec<u8> {
    let mut at = 0;
    while buf.len() - at >= 3 {
        let len = usize::from(u16::from_be_bytes([buf[at + 1], buf[at + 2]]));
        if len < 3 {
            at += 1;
            continue;
        }
        if buf.len() - at < len {
            break;
        }
        at += len;
    }
    buf.drain(..at).collect()
}

/// Accepts TCP connections carrying ASTERIX block streams until shutdown.
pub async fn run_tcp(handle: Handle, name: String, id: u32, listener: TcpListener) {
    let mut stop = handle.shutdown_signal();
    let name: Arc<str> = Arc::from(name);
    loop {
        let conn = tokio::select! {
            _ = stop.changed() => return,
            c = listener.accept() => c,
        };
        let Ok((mut stream, peer)) = conn else {
            continue;
        };
        let handle = handle.clone();
        let name = name.clone();
        tokio::spawn(async move {
            let mut stop = handle.shutdown_signal();
            let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
            let mut chunk = vec![0u8; 1 << 16];
            loop {
                let n = tokio::select! {
                    _ = stop.changed() => return,
                    r = stream.read(&mut chunk) => match r {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    },
                };
                buf.extend_from_slice(&chunk[..n]);
                // A peer that sends a huge garbage prefix cannot make us buffer forever.
                if buf.len() > 1 << 20 {
                    tracing::warn!("TCP {peer}: no block boundary in 1 MiB, buffer dropped");
                    buf.clear();
                    continue;
                }
                let blocks = take_blocks(&mut buf);
                if !blocks.is_empty() {
                    let input = Input::Asterix {
                        source: id,
                        recv_ns: handle.clock.now_ns(),
                        data: blocks,
                    };
                    if handle.send(&name, input).await.is_err() {
                        return;
                    }
                }
            }
        });
    }
}

/// Splits the complete lines off the front of `buf` (everything up to and including its last
/// `\n`); the partial last line stays for the next read.
pub fn take_lines(buf: &mut Vec<u8>) -> Vec<u8> {
    match buf.iter().rposition(|&b| b == b'\n') {
        Some(i) => buf.drain(..=i).collect(),
        None => Vec::new(),
    }
}

/// Longest SBS line buffered while waiting for its end (a real line is under 200 bytes).
const SBS_MAX_PARTIAL: usize = 64 << 10;

/// Reconnection delays of the SBS client: the first, and the cap it doubles up to.
const SBS_BACKOFF_MIN: std::time::Duration = std::time::Duration::from_millis(250);
const SBS_BACKOFF_MAX: std::time::Duration = std::time::Duration::from_secs(30);

/// Connects to an SBS/BaseStation server at `addr` (`HOST:PORT`, e.g. dump1090's port 30003)
/// and hands its whole lines, batched per read, to the core as [`Input::Sbs`] of sensor `id`,
/// waiting for room (back-pressure). A refused or lost connection is retried with exponential
/// backoff (0.25 s doubling to 30 s, back to 0.25 s once a connection delivered data) until
/// shutdown.
pub async fn run_sbs_client(handle: Handle, name: String, id: u32, addr: String) {
    let mut stop = handle.shutdown_signal();
    let mut backoff = SBS_BACKOFF_MIN;
    loop {
        let conn = tokio::select! {
            _ = stop.changed() => return,
            c = tokio::net::TcpStream::connect(&addr) => c,
        };
        match conn {
            Ok(mut stream) => {
                tracing::info!("SBS {name}: connected");
                match sbs_stream(&handle, &name, id, &mut stream).await {
                    StreamEnd::Shutdown => return,
                    StreamEnd::Closed { delivered } => {
                        if delivered {
                            backoff = SBS_BACKOFF_MIN;
                        }
                        tracing::warn!("SBS {name}: connection closed, reconnecting");
                    }
                }
            }
            Err(e) => tracing::warn!("SBS {name}: {e}; retrying in {backoff:?}"),
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(SBS_BACKOFF_MAX);
    }
}

enum StreamEnd {
    Shutdown,
    Closed { delivered: bool },
}

async fn sbs_stream(
    handle: &Handle,
    name: &str,
    id: u32,
    stream: &mut tokio::net::TcpStream,
) -> StreamEnd {
    let mut stop = handle.shutdown_signal();
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    let mut chunk = vec![0u8; 1 << 16];
    let mut delivered = false;
    loop {
        let n = tokio::select! {
            _ = stop.changed() => return StreamEnd::Shutdown,
            r = stream.read(&mut chunk) => match r {
                Ok(0) | Err(_) => return StreamEnd::Closed { delivered },
                Ok(n) => n,
            },
        };
        buf.extend_from_slice(&chunk[..n]);
        let lines = take_lines(&mut buf);
        if buf.len() > SBS_MAX_PARTIAL {
            tracing::warn!("SBS {name}: no line end in {SBS_MAX_PARTIAL} bytes, dropped");
            buf.clear();
        }
        if lines.is_empty() {
            continue;
        }
        let input = Input::Sbs {
            source: id,
            recv_ns: handle.clock.now_ns(),
            lines,
        };
        if handle.send(name, input).await.is_err() {
            return StreamEnd::Shutdown;
        }
        delivered = true;
    }
}

/// Lines of SBS text per batch of [`replay_sbs_file`] at most.
const SBS_REPLAY_BATCH_LINES: usize = 512;
/// Span of "time generated" per batch of [`replay_sbs_file`] at most, s.
const SBS_REPLAY_BATCH_S: f64 = 0.5;

/// Replays a file of SBS lines at `speed`× real time (0: as fast as the core takes it), paced
/// by the lines' "date/time generated" (lines without one follow the line before), in batches
/// of at most 0.5 s of generated time or 512 lines, each stamped with the clock. Returns the
/// number of batches.
pub async fn replay_sbs_file(
    handle: Handle,
    path: &Path,
    id: u32,
    speed: f64,
) -> Result<u64, IngestError> {
    let bytes = read_recording(path).await?;
    let batches = sbs_batches(&bytes);
    Ok(
        send_paced(&handle, path, speed, batches, |recv_ns, lines| Input::Sbs {
            source: id,
            recv_ns,
            lines,
        })
        .await,
    )
}

async fn read_recording(path: &Path) -> Result<Vec<u8>, IngestError> {
    tokio::fs::read(path)
        .await
        .map_err(|source| IngestError::Io {
            what: "read",
            addr: path.display().to_string(),
            source,
        })
}

/// Sends a recording's items with back-pressure, at `speed`× the pace of their times (0: as
/// fast as the core takes them), each stamped with the clock; the number sent.
async fn send_paced<T>(
    handle: &Handle,
    path: &Path,
    speed: f64,
    items: Vec<(Option<f64>, T)>,
    input: impl Fn(i64, T) -> Input,
) -> u64 {
    let name = format!("file:{}", path.display());
    let start = tokio::time::Instant::now();
    let mut first: Option<f64> = None;
    let mut n = 0;
    for (t, item) in items {
        if speed > 0.0
            && let Some(t) = t
        {
            let t0 = *first.get_or_insert(t);
            let due = start + std::time::Duration::from_secs_f64(((t - t0).max(0.0)) / speed);
            tokio::time::sleep_until(due).await;
        }
        if handle
            .send(&name, input(handle.clock.now_ns(), item))
            .await
            .is_err()
        {
            break;
        }
        n += 1;
    }
    n
}

/// Whether a file looks like SBS text: a `.sbs` name (`x.sbs`, `x.sbs.txt`) or a first line
/// that starts with an SBS record type.
pub fn is_sbs_file(path: &Path, head: &[u8]) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    name.ends_with(".sbs")
        || name.ends_with(".sbs.txt")
        || ["MSG,", "SEL,", "ID,", "AIR,", "STA,", "CLK,"]
            .iter()
            .any(|k| head.starts_with(k.as_bytes()))
}

/// The lines of an SBS file in batches (see [`replay_sbs_file`]), each with the generated time
/// (Unix s) of its first line that has one.
pub fn sbs_batches(bytes: &[u8]) -> Vec<(Option<f64>, Vec<u8>)> {
    let mut out: Vec<(Option<f64>, Vec<u8>)> = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut cur_t: Option<f64> = None;
    let mut count = 0;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        let t = std::str::from_utf8(line)
            .ok()
            .and_then(|l| tessera_feeds::sbs::parse_line(l.trim()).ok().flatten())
            .and_then(|m| m.generated)
            .map(|g| g.unix_seconds());
        let split = count >= SBS_REPLAY_BATCH_LINES
            || matches!((cur_t, t), (Some(a), Some(b)) if (b - a).abs() >= SBS_REPLAY_BATCH_S);
        if split && !cur.is_empty() {
            out.push((cur_t, std::mem::take(&mut cur)));
            cur_t = None;
            count = 0;
        }
        if cur_t.is_none() {
            cur_t = t;
        }
        cur.extend_from_slice(line);
        count += 1;
    }
    if !cur.is_empty() {
        out.push((cur_t, cur));
    }
    out
}

/// Replays a recording (raw block stream, pcap or pcapng, recorder framings) at `speed`×
/// real time (0: as fast as the core takes it), each block stamped with the clock.
pub async fn replay_file(
    handle: Handle,
    path: &Path,
    id: u32,
    speed: f64,
) -> Result<u64, IngestError> {
    let bytes = read_recording(path).await?;
    let payloads = payloads(&bytes).map_err(IngestError::Replay)?;
    Ok(send_paced(&handle, path, speed, payloads, |recv_ns, data| {
        Input::Asterix {
            source: id,
            recv_ns,
            data,
        }
    })
    .await)
}

/// A data block with the time of day of its first CAT048 or CAT021 record.
pub type TimedBlock = (Option<f64>, Vec<u8>);

/// The ASTERIX data blocks of a recording (any framing the codec knows), each with the time of
/// day of its first CAT048 or CAT021 record.
pub fn payloads(bytes: &[u8]) -> Result<Vec<TimedBlock>, String> {
    let framing = tessera_asterix::capture::detect(bytes);
    let (segs, errs) = tessera_asterix::capture::segments(bytes, framing);
    if segs.is_empty() && !errs.is_empty() {
        return Err(format!("no ASTERIX data: {}", errs[0]));
    }
    let mut out = Vec::new();
    for seg in segs {
        let mut rest = seg.data.to_vec();
        while !rest.is_empty() {
            let before = rest.len();
            let mut one = take_one_block(&mut rest);
            if one.is_empty() {
                // An incomplete tail: hand it over as it is (the core counts it).
                one = std::mem::take(&mut rest);
            }
            debug_assert!(rest.len() < before);
            let tod = tessera_asterix::BlockStream::new(&one, 0)
                .filter_map(Result::ok)
                .find_map(
                    |r| match tessera_asterix::typed::TypedRecord::from_record(&r) {
                        Ok(Some(tessera_asterix::typed::TypedRecord::Cat048(p))) => p.time_of_day,
                        Ok(Some(tessera_asterix::typed::TypedRecord::Cat021(p))) => p.time_of_day,
                        _ => None,
                    },
                );
            out.push((tod, one));
        }
    }
    Ok(out)
}

/// Takes one block (or one unusable byte) off the front of `buf`; empty when the front block
/// is incomplete.
fn take_one_block(buf: &mut Vec<u8>) -> Vec<u8> {
    if buf.len() < 3 {
        return Vec::new();
    }
    let len = usize::from(u16::from_be_bytes([buf[1], buf[2]]));
    let n = if len < 3 {
        1
    } else if len > buf.len() {
        return Vec::new();
    } else {
        len
    };
    buf.drain(..n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_at_the_last_line_end() {
        let mut buf = b"MSG,8,1\r\nMSG,3,1\nMSG,".to_vec();
        assert_eq!(take_lines(&mut buf), b"MSG,8,1\r\nMSG,3,1\n".to_vec());
        assert_eq!(buf, b"MSG,".to_vec());
        assert!(take_lines(&mut buf).is_empty());
        assert_eq!(buf, b"MSG,".to_vec());
    }

    #[test]
    fn sbs_files_batch_by_generated_time() {
        let text =
            b"MSG,8,1,1,400159,1,2018/04/03,19:02:28.136,2018/04/10,21:24:39.436,,,,,,,,,,,,\n\
MSG,8,1,1,400159,1,2018/04/03,19:02:28.400,2018/04/10,21:24:39.436,,,,,,,,,,,,\n\
garbage\n\
MSG,8,1,1,400159,1,2018/04/03,19:02:29.000,2018/04/10,21:24:39.436,,,,,,,,,,,,\n\
tail";
        let b = sbs_batches(text);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].1.split(|&c| c == b'\n').count(), 4);
        assert!(b[1].1.ends_with(b"tail"));
        assert!((b[1].0.unwrap() - b[0].0.unwrap() - 0.864).abs() < 1e-6);
        assert!(is_sbs_file(Path::new("x.txt"), b"MSG,3,"));
        assert!(is_sbs_file(Path::new("a/feed.SBS"), b""));
        assert!(!is_sbs_file(Path::new("x.pcap"), &[0xd4, 0xc3, 0xb2, 0xa1]));
    }

    #[test]
    fn blocks_split_on_len_and_resynchronise() {
        let mut buf = vec![48, 0, 4, 1, 34, 0, 5, 1, 2, 48, 0];
        let out = take_blocks(&mut buf);
        assert_eq!(out, vec![48, 0, 4, 1, 34, 0, 5, 1, 2]);
        assert_eq!(buf, vec![48, 0]);
        // A LEN below 3 is skipped byte by byte; what follows is read as a block header.
        let mut bad = vec![7, 0, 0, 0, 0, 3];
        let out = take_blocks(&mut bad);
        assert_eq!(out, vec![7, 0, 0, 0, 0, 3]);
        assert!(bad.is_empty());
        // After a skipped byte, a header that announces more than has arrived waits for it
        // (a stream cannot tell a long block from garbage until the bytes are there).
        let mut waiting = vec![7, 0, 1, 48, 0, 3];
        let out = take_blocks(&mut waiting);
        assert_eq!(out, vec![7]);
        assert_eq!(waiting, vec![0, 1, 48, 0, 3]);
    }
}
