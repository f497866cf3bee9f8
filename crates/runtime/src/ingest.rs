//! Ingest tasks: ASTERIX over UDP (unicast and multicast), over TCP, and file replay at N×
//! speed. Each hands raw bytes with their reception time to the core's data queue; decoding
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

/// Replays a recording (raw block stream, pcap or pcapng, recorder framings) at `speed`×
/// real time (0: as fast as the core takes it), each block stamped with the clock.
pub async fn replay_file(
    handle: Handle,
    path: &Path,
    id: u32,
    speed: f64,
) -> Result<u64, IngestError> {
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|source| IngestError::Io {
            what: "read",
            addr: path.display().to_string(),
            source,
        })?;
    let payloads = payloads(&bytes).map_err(IngestError::Replay)?;
    let name = format!("file:{}", path.display());
    let mut first: Option<f64> = None;
    let start = tokio::time::Instant::now();
    let mut n = 0;
    for (tod, data) in payloads {
        if speed > 0.0
            && let Some(t) = tod
        {
            let t0 = *first.get_or_insert(t);
            let due = start + std::time::Duration::from_secs_f64(((t - t0).max(0.0)) / speed);
            tokio::time::sleep_until(due).await;
        }
        let input = Input::Asterix {
            source: id,
            recv_ns: handle.clock.now_ns(),
            data,
        };
        if handle.send(&name, input).await.is_err() {
            break;
        }
        n += 1;
    }
    Ok(n)
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
