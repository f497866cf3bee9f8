//! Capture and recorder framings, sans-IO: pcap (both byte orders, µs/ns), pcapng (SHB, IDB,
//! EPB, SPB, OPB), link layers Ethernet (with VLAN tags), Linux cooked v1/v2, raw IP and BSD
//! loopback, IPv4/IPv6 + UDP; inside UDP payloads the ORADIS length prefix is recognised; and the
//! "GPS" recorder file (0xCD preamble, each block followed by a 10-octet trailer).
//!
//! Everything is reduced to [`Segment`]s — byte ranges holding consecutive raw data blocks, with
//! their absolute offset in the file — which [`FileDecoder`] runs through [`BlockStream`].

use crate::error::{DecodeError, ErrorKind};
use crate::record::RawRecord;
use crate::stream::BlockStream;

/// File framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Consecutive data blocks.
    Raw,
    /// Classic pcap.
    Pcap,
    /// pcapng.
    PcapNg,
    /// GPS recorder (0xCD preamble, 10-octet trailer after each block).
    Gps,
}

/// Guesses the framing of a file from its first octets.
pub fn detect(data: &[u8]) -> Framing {
    match data.get(..4) {
        Some([0xd4, 0xc3, 0xb2, 0xa1] | [0xa1, 0xb2, 0xc3, 0xd4])
        | Some([0x4d, 0x3c, 0xb2, 0xa1] | [0xa1, 0xb2, 0x3c, 0x4d]) => Framing::Pcap,
        Some([0x0a, 0x0d, 0x0d, 0x0a]) => Framing::PcapNg,
        Some([0xcd, 0xcd, 0xcd, 0xcd]) => Framing::Gps,
        _ => Framing::Raw,
    }
}

/// A byte range of consecutive data blocks.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    /// The bytes.
    pub data: &'a [u8],
    /// Offset of `data[0]` in the file.
    pub offset: usize,
    /// Packet index in the capture (0-based), if from a capture.
    pub packet: Option<usize>,
    /// Capture timestamp in nanoseconds since the Unix epoch, if known.
    pub ts_ns: Option<i64>,
}

fn rd16(d: &[u8], o: usize, le: bool) -> Option<u16> {
    let b = d.get(o..o + 2)?;
    Some(if le {
        u16::from_le_bytes([b[0], b[1]])
    } else {
        u16::from_be_bytes([b[0], b[1]])
    })
}

fn rd32(d: &[u8], o: usize, le: bool) -> Option<u32> {
    let b = d.get(o..o + 4)?;
    let a = [b[0], b[1], b[2], b[3]];
    Some(if le {
        u32::from_le_bytes(a)
    } else {
        u32::from_be_bytes(a)
    })
}

/// The UDP payload of a link-layer frame: (offset within `frame`, length).
pub fn udp_payload(frame: &[u8], linktype: u32) -> Option<(usize, usize)> {
    let (mut ethertype, mut p) = match linktype {
        1 => (rd16(frame, 12, false)?, 14usize),
        113 => (rd16(frame, 14, false)?, 16),
        276 => (rd16(frame, 0, false)?, 20),
        0 | 108 => {
            let fam = rd32(frame, 0, true)?;
            let fam = if fam > 0xffff { fam.swap_bytes() } else { fam };
            (if fam == 2 { 0x0800 } else { 0x86dd }, 4)
        }
        101 | 12 | 14 => match frame.first()? >> 4 {
            4 => (0x0800, 0),
            6 => (0x86dd, 0),
            _ => return None,
        },
        228 => (0x0800, 0),
        229 => (0x86dd, 0),
        _ => return None,
    };
    while ethertype == 0x8100 || ethertype == 0x88a8 {
        ethertype = rd16(frame, p + 2, false)?;
        p += 4;
    }
    let udp = match ethertype {
        0x0800 => {
            let vihl = *frame.get(p)?;
            let ihl = usize::from(vihl & 0x0f) * 4;
            if vihl >> 4 != 4 || ihl < 20 || *frame.get(p + 9)? != 17 {
                return None;
            }
            let frag = rd16(frame, p + 6, false)? & 0x1fff;
            if frag != 0 {
                return None;
            }
            p + ihl
        }
        0x86dd => {
            if *frame.get(p + 6)? != 17 {
                return None;
            }
            p + 40
        }
        _ => return None,
    };
    let ulen = usize::from(rd16(frame, udp + 4, false)?);
    let start = udp + 8;
    let avail = frame.len().checked_sub(start)?;
    let len = ulen.saturating_sub(8).min(avail);
    Some((start, len))
}

fn chain_ok(d: &[u8], mut p: usize, hdr: usize, len_incl: bool) -> bool {
    let mut n = 0;
    while p < d.len() {
        let Some(l) = rd16(d, p + if hdr == 3 { 1 } else { 0 }, false) else {
            return false;
        };
        let l = usize::from(l) + if len_incl { 0 } else { hdr };
        if l < hdr + 3 && hdr != 3 || l < 3 {
            return false;
        }
        p += l;
        n += 1;
    }
    n > 0 && p == d.len()
}

/// Splits one UDP payload into segments of raw blocks: the whole payload when its blocks chain
/// exactly, or the blocks inside ORADIS frames (`[u16 length incl. 6-octet header][4 octets]`).
fn payload_segments<'a>(
    payload: &'a [u8],
    offset: usize,
    packet: Option<usize>,
    ts_ns: Option<i64>,
    out: &mut Vec<Segment<'a>>,
) {
    let raw_ok = chain_ok(payload, 0, 3, true);
    if !raw_ok && chain_ok(payload, 0, 6, true) {
        let mut p = 0;
        while let Some(l) = rd16(payload, p, false) {
            let l = usize::from(l);
            if l < 6 || p + l > payload.len() {
                break;
            }
            out.push(Segment {
                data: &payload[p + 6..p + l],
                offset: offset + p + 6,
                packet,
                ts_ns,
            });
            p += l;
        }
        return;
    }
    out.push(Segment {
        data: payload,
        offset,
        packet,
        ts_ns,
    });
}

/// Segments of a pcap file, plus framing errors.
fn pcap_segments(d: &[u8]) -> (Vec<Segment<'_>>, Vec<DecodeError>) {
    let mut segs = Vec::new();
    let mut errs = Vec::new();
    let (le, nanos) = match d.get(..4) {
        Some([0xd4, 0xc3, 0xb2, 0xa1]) => (true, false),
        Some([0xa1, 0xb2, 0xc3, 0xd4]) => (false, false),
        Some([0x4d, 0x3c, 0xb2, 0xa1]) => (true, true),
        Some([0xa1, 0xb2, 0x3c, 0x4d]) => (false, true),
        _ => {
            errs.push(DecodeError::new(0, ErrorKind::Capture("not a pcap file")));
            return (segs, errs);
        }
    };
    let Some(linktype) = rd32(d, 20, le) else {
        errs.push(DecodeError::new(
            0,
            ErrorKind::Capture("truncated pcap header"),
        ));
        return (segs, errs);
    };
    let linktype = linktype & 0x0fff_ffff;
    let mut p = 24;
    let mut idx = 0;
    while p < d.len() {
        let (Some(sec), Some(frac), Some(incl)) =
            (rd32(d, p, le), rd32(d, p + 4, le), rd32(d, p + 8, le))
        else {
            errs.push(DecodeError::new(
                p,
                ErrorKind::Capture("truncated packet header"),
            ));
            break;
        };
        let start = p + 16;
        let incl = incl as usize;
        let Some(frame) = d.get(start..start + incl) else {
            errs.push(DecodeError::new(
                p,
                ErrorKind::Capture("truncated packet data"),
            ));
            break;
        };
        let ts = i64::from(sec) * 1_000_000_000 + i64::from(frac) * if nanos { 1 } else { 1000 };
        if let Some((o, l)) = udp_payload(frame, linktype) {
            payload_segments(&frame[o..o + l], start + o, Some(idx), Some(ts), &mut segs);
        }
        idx += 1;
        p = start + incl;
    }
    (segs, errs)
}

/// Segments of a pcapng file, plus framing errors.
fn pcapng_segments(d: &[u8]) -> (Vec<Segment<'_>>, Vec<DecodeError>) {
    let mut segs = Vec::new();
    let mut errs = Vec::new();
    let mut le = true;
    let mut ifaces: Vec<(u32, i64)> = Vec::new(); // linktype, ns per tick
    let mut p = 0;
    let mut idx = 0;
    while p + 12 <= d.len() {
        let Some(btype_le) = rd32(d, p, true) else {
            break;
        };
        if btype_le == 0x0a0d_0d0a {
            match d.get(p + 8..p + 12) {
                Some([0x4d, 0x3c, 0x2b, 0x1a]) => le = true,
                Some([0x1a, 0x2b, 0x3c, 0x4d]) => le = false,
                _ => {
                    errs.push(DecodeError::new(
                        p,
                        ErrorKind::Capture("bad pcapng byte-order magic"),
                    ));
                    break;
                }
            }
            ifaces.clear();
        }
        let (Some(btype), Some(blen)) = (rd32(d, p, le), rd32(d, p + 4, le)) else {
            break;
        };
        let blen = blen as usize;
        if blen < 12 || !blen.is_multiple_of(4) || p + blen > d.len() {
            errs.push(DecodeError::new(
                p,
                ErrorKind::Capture("bad pcapng block length"),
            ));
            break;
        }
        let body = &d[p..p + blen];
        match btype {
            1 => {
                let lt = u32::from(rd16(body, 8, le).unwrap_or(1));
                // options: look for if_tsresol (code 9)
                let mut tick = 1000i64;
                let mut o = 16;
                while o + 4 <= blen - 4 {
                    let (Some(code), Some(olen)) = (rd16(body, o, le), rd16(body, o + 2, le))
                    else {
                        break;
                    };
                    if code == 0 {
                        break;
                    }
                    if code == 9
                        && let Some(&r) = body.get(o + 4)
                    {
                        tick = if r & 0x80 == 0 {
                            10i64
                                .checked_pow(9u32.saturating_sub(u32::from(r)))
                                .unwrap_or(1)
                                .max(1)
                        } else {
                            1
                        };
                    }
                    o += 4 + usize::from(olen).div_ceil(4) * 4;
                }
                ifaces.push((lt, tick));
            }
            6 | 2 => {
                let iface = if btype == 6 {
                    rd32(body, 8, le).unwrap_or(0) as usize
                } else {
                    usize::from(rd16(body, 8, le).unwrap_or(0))
                };
                let (lt, tick) = ifaces.get(iface).copied().unwrap_or((1, 1000));
                let hi = i64::from(rd32(body, 12, le).unwrap_or(0));
                let lo = i64::from(rd32(body, 16, le).unwrap_or(0));
                let ts = ((hi << 32) | lo).saturating_mul(tick);
                let cap = rd32(body, 20, le).unwrap_or(0) as usize;
                if let Some(frame) = body.get(28..28 + cap).filter(|_| 28 + cap <= blen - 4) {
                    if let Some((o, l)) = udp_payload(frame, lt) {
                        payload_segments(
                            &frame[o..o + l],
                            p + 28 + o,
                            Some(idx),
                            Some(ts),
                            &mut segs,
                        );
                    }
                } else {
                    errs.push(DecodeError::new(
                        p,
                        ErrorKind::Capture("packet longer than its block"),
                    ));
                }
                idx += 1;
            }
            3 => {
                let (lt, _) = ifaces.first().copied().unwrap_or((1, 1000));
                let orig = rd32(body, 8, le).unwrap_or(0) as usize;
                let cap = orig.min(blen.saturating_sub(16));
                if let Some(frame) = body.get(12..12 + cap)
                    && let Some((o, l)) = udp_payload(frame, lt)
                {
                    payload_segments(&frame[o..o + l], p + 12 + o, Some(idx), None, &mut segs);
                }
                idx += 1;
            }
            _ => {}
        }
        p += blen;
    }
    if p < d.len() && errs.is_empty() {
        errs.push(DecodeError::new(
            p,
            ErrorKind::Capture("trailing bytes after last pcapng block"),
        ));
    }
    (segs, errs)
}

/// Segments of a GPS recorder file: skips the 0xCD preamble, then `[block][10-octet trailer]`.
fn gps_segments(d: &[u8]) -> (Vec<Segment<'_>>, Vec<DecodeError>) {
    let mut segs = Vec::new();
    let mut errs = Vec::new();
    let mut p = d.iter().position(|&b| b != 0xcd).unwrap_or(d.len());
    while p < d.len() {
        let Some(l) = rd16(d, p + 1, false) else {
            errs.push(DecodeError::new(
                p,
                ErrorKind::TruncatedBlock {
                    needed: 3,
                    available: d.len() - p,
                },
            ));
            break;
        };
        let l = usize::from(l);
        if l < 3 || p + l > d.len() {
            // let the block stream report it, from here to the end
            segs.push(Segment {
                data: &d[p..],
                offset: p,
                packet: None,
                ts_ns: None,
            });
            break;
        }
        segs.push(Segment {
            data: &d[p..p + l],
            offset: p,
            packet: None,
            ts_ns: None,
        });
        p += l + 10;
    }
    (segs, errs)
}

/// Splits a file into block segments according to its framing.
pub fn segments(d: &[u8], framing: Framing) -> (Vec<Segment<'_>>, Vec<DecodeError>) {
    match framing {
        Framing::Raw => (
            vec![Segment {
                data: d,
                offset: 0,
                packet: None,
                ts_ns: None,
            }],
            Vec::new(),
        ),
        Framing::Pcap => pcap_segments(d),
        Framing::PcapNg => pcapng_segments(d),
        Framing::Gps => gps_segments(d),
    }
}

/// An event from [`FileDecoder`].
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // records are handed out by value on purpose: no allocation
pub enum Event<'a> {
    /// A framed record, with the capture packet it came from.
    Record {
        /// The record (offset absolute in the file).
        record: RawRecord<'a>,
        /// Packet index, for captures.
        packet: Option<usize>,
        /// Capture timestamp.
        ts_ns: Option<i64>,
    },
    /// An error (offset absolute in the file).
    Error(DecodeError),
}

/// Decodes a whole file (any framing): records and errors in file order.
#[derive(Debug)]
pub struct FileDecoder<'a> {
    segs: std::vec::IntoIter<Segment<'a>>,
    pending_errs: std::vec::IntoIter<DecodeError>,
    cur: Option<(BlockStream<'a>, Segment<'a>)>,
}

impl<'a> FileDecoder<'a> {
    /// A decoder over `data` with the given framing (`None`: detect).
    pub fn new(data: &'a [u8], framing: Option<Framing>) -> Self {
        let f = framing.unwrap_or_else(|| detect(data));
        let (segs, errs) = segments(data, f);
        Self {
            segs: segs.into_iter(),
            pending_errs: errs.into_iter(),
            cur: None,
        }
    }
}

impl<'a> Iterator for FileDecoder<'a> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        loop {
            if let Some((s, seg)) = &mut self.cur {
                match s.next() {
                    Some(Ok(record)) => {
                        return Some(Event::Record {
                            record,
                            packet: seg.packet,
                            ts_ns: seg.ts_ns,
                        });
                    }
                    Some(Err(e)) => return Some(Event::Error(e)),
                    None => self.cur = None,
                }
            }
            match self.segs.next() {
                Some(seg) => self.cur = Some((BlockStream::new(seg.data, seg.offset), seg)),
                None => return self.pending_errs.next().map(Event::Error),
            }
        }
    }
}
