//! Cursor-on-Target (CoT) events for system tracks: sans-IO XML encoding and parsing, plus
//! thin `std::net` senders (one UDP datagram per event, or a TCP stream of events as TAK
//! servers expect).
//!
//! # Type mapping (MIL-STD-2525 CoT type tree, `a-<affiliation>-A-…`)
//!
//! Affiliation from [`Identity`] (`a-<affiliation>-…`), air function from [`TargetClass`]; the
//! table is in [`cot_type`]. The exact class always travels in
//! `<detail><tessera track="…" class="…"/>` as well, because the CoT tree cannot tell every
//! class apart.
//!
//! # Accuracy
//!
//! `ce` (circular error) and `le` (linear error) are 1-sigma radii in metres, as TAK clients
//! read them: `ce = sqrt((σ_e² + σ_n²)/2)` (the RMS of the horizontal standard deviations, i.e.
//! the radius of the circle with the same mean square error as the horizontal ellipse), and
//! `le = σ_u`. Unknown accuracy is written as `9999999.0`, the CoT convention.

use std::io::Write;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use serde::Serialize;
use tessera_domain::{Identity, TargetClass};
use thiserror::Error;

/// CoT value for an unknown `ce`, `le` or `hae`.
pub const UNKNOWN: f64 = 9_999_999.0;

/// A system track as needed for one CoT event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CotTrack {
    /// Track number (becomes the uid `tessera-track-<id>` unless `uid` is set).
    pub track_id: u64,
    /// Explicit uid, overriding the one derived from `track_id`.
    pub uid: Option<String>,
    /// Callsign shown by TAK clients.
    pub callsign: Option<String>,
    /// Standard identity.
    pub identity: Identity,
    /// Target class.
    pub class: TargetClass,
    /// WGS-84 latitude (degrees).
    pub lat: f64,
    /// WGS-84 longitude (degrees).
    pub lon: f64,
    /// Height above the ellipsoid (m), `None` if unknown.
    pub hae: Option<f64>,
    /// Course over ground (degrees from true north).
    pub course: Option<f64>,
    /// Ground speed (m/s).
    pub speed: Option<f64>,
    /// Horizontal position covariance, east/north (m²), row-major 2×2.
    pub cov_horizontal: Option<[[f64; 2]; 2]>,
    /// Vertical position variance (m²).
    pub var_vertical: Option<f64>,
    /// Event time, UNIX seconds (UTC).
    pub time: f64,
    /// How long the event stays valid (s): `stale = time + stale_after`.
    pub stale_after: f64,
}

impl CotTrack {
    /// The event uid.
    pub fn uid(&self) -> String {
        self.uid
            .clone()
            .unwrap_or_else(|| format!("tessera-track-{}", self.track_id))
    }
}

/// Affiliation letter of the CoT type for an identity.
pub fn affiliation(identity: Identity) -> char {
    match identity {
        Identity::Pending => 'p',
        Identity::Unknown => 'u',
        Identity::AssumedFriend => 'a',
        Identity::Friend => 'f',
        Identity::Neutral => 'n',
        Identity::Suspect => 's',
        Identity::Hostile => 'h',
    }
}

/// CoT type string for an air track (MIL-STD-2525B branch of the CoT type tree;
/// `x` is the affiliation letter from [`affiliation`]).
///
/// | class | type | 2525 meaning |
/// |---|---|---|
/// | unknown | `a-x-A` | air track |
/// | fixed wing | `a-x-A-M-F`, neutral `a-n-A-C-F` | military (civil) fixed-wing aircraft |
/// | helicopter | `a-x-A-M-H`, neutral `a-n-A-C-H` | military (civil) rotary wing |
/// | drone | `a-x-A-M-F-Q` | drone (UAV/RPV) |
/// | cruise missile | `a-x-A-W-M-S-S` | missile in flight, surface-to-surface |
/// | ballistic missile | `a-x-A-W-M` | missile in flight |
/// | rocket | `a-x-A-W` | air weapon (the tree has no rocket leaf) |
///
/// Cruise missiles take the surface-to-surface leaf because the class does not carry the
/// launch platform and most land-attack cruise missiles are surface launched; ballistic
/// missiles have no leaf of their own in the air branch, hence the generic missile node.
pub fn cot_type(identity: Identity, class: TargetClass) -> String {
    let a = affiliation(identity);
    let neutral = identity == Identity::Neutral;
    let suffix = match class {
        TargetClass::Unknown => "A",
        TargetClass::FixedWing if neutral => "A-C-F",
        TargetClass::FixedWing => "A-M-F",
        TargetClass::Helicopter if neutral => "A-C-H",
        TargetClass::Helicopter => "A-M-H",
        TargetClass::Drone => "A-M-F-Q",
        TargetClass::CruiseMissile => "A-W-M-S-S",
        TargetClass::BallisticMissile => "A-W-M",
        TargetClass::Rocket => "A-W",
    };
    format!("a-{a}-{suffix}")
}

fn class_name(class: TargetClass) -> &'static str {
    match class {
        TargetClass::Unknown => "unknown",
        TargetClass::FixedWing => "fixed_wing",
        TargetClass::Helicopter => "helicopter",
        TargetClass::Drone => "drone",
        TargetClass::CruiseMissile => "cruise_missile",
        TargetClass::BallisticMissile => "ballistic_missile",
        TargetClass::Rocket => "rocket",
    }
}

/// `ce`, 1-sigma circular error (m), from a horizontal covariance: the RMS of the two
/// principal standard deviations, `sqrt(trace/2)`. `None` for a non-finite or negative trace.
pub fn circular_error(cov: [[f64; 2]; 2]) -> Option<f64> {
    let tr = cov[0][0] + cov[1][1];
    (tr.is_finite() && tr >= 0.0 && cov[0][0] >= 0.0 && cov[1][1] >= 0.0).then(|| (tr / 2.0).sqrt())
}

/// `le`, 1-sigma linear (vertical) error (m), from the vertical variance.
pub fn linear_error(var: f64) -> Option<f64> {
    (var.is_finite() && var >= 0.0).then(|| var.sqrt())
}

/// Formats UNIX seconds as a CoT timestamp `YYYY-MM-DDThh:mm:ss.sssZ`.
pub fn format_time(unix: f64) -> String {
    let ms_total = (unix * 1000.0).round() as i64;
    let days = ms_total.div_euclid(86_400_000);
    let ms_day = ms_total.rem_euclid(86_400_000);
    // Civil from days (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let (h, mi, s, ms) = (
        ms_day / 3_600_000,
        ms_day / 60_000 % 60,
        ms_day / 1000 % 60,
        ms_day % 1000,
    );
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
}

/// Parses a CoT timestamp (`YYYY-MM-DDThh:mm:ss[.fff…]Z`) into UNIX seconds.
pub fn parse_time(s: &str) -> Option<f64> {
    let s = s.trim().strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut dp = date.split('-');
    let y: i64 = dp.next()?.parse().ok()?;
    let m: i64 = dp.next()?.parse().ok()?;
    let d: i64 = dp.next()?.parse().ok()?;
    if dp.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut tp = time.split(':');
    let h: i64 = tp.next()?.parse().ok()?;
    let mi: i64 = tp.next()?.parse().ok()?;
    let sec: f64 = tp.next()?.parse().ok()?;
    if tp.next().is_some() || h > 23 || mi > 59 || !(0.0..61.0).contains(&sec) {
        return None;
    }
    let yy = y - i64::from(m <= 2);
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + mi * 60) as f64 + sec)
}

/// Errors of CoT encoding, parsing and sending.
#[derive(Debug, Error)]
pub enum CotError {
    /// The track cannot be encoded (non-finite position or time).
    #[error("invalid track: {0}")]
    InvalidTrack(&'static str),
    /// Malformed XML.
    #[error("XML error at byte {offset}: {message}")]
    Xml {
        /// Byte offset in the input.
        offset: u64,
        /// Parser message.
        message: String,
    },
    /// Well-formed XML that is not a usable CoT event.
    #[error("not a CoT event: {0}")]
    NotEvent(String),
    /// Socket error.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

fn num(v: f64) -> String {
    // Shortest representation that round-trips; CoT readers accept plain decimals.
    let s = format!("{v}");
    if s.contains('e') {
        format!("{v:.9}")
    } else {
        s
    }
}

/// Encodes one track as a CoT `<event>` document (with XML declaration).
pub fn encode_event(t: &CotTrack) -> Result<String, CotError> {
    // `contains` is false for NaN, so this also rejects non-finite coordinates.
    if !(-90.0..=90.0).contains(&t.lat) || !(-180.0..=180.0).contains(&t.lon) {
        return Err(CotError::InvalidTrack("latitude/longitude"));
    }
    if !t.time.is_finite() || !(0.0..1e9).contains(&t.stale_after) {
        return Err(CotError::InvalidTrack("time/stale"));
    }
    let hae = t.hae.filter(|h| h.is_finite()).unwrap_or(UNKNOWN);
    let ce = t.cov_horizontal.and_then(circular_error).unwrap_or(UNKNOWN);
    let le = t.var_vertical.and_then(linear_error).unwrap_or(UNKNOWN);
    let time = format_time(t.time);
    let stale = format_time(t.time + t.stale_after);
    let uid = t.uid();
    let typ = cot_type(t.identity, t.class);
    let mut w = Writer::new(Vec::new());
    let xml = |e: std::io::Error| CotError::Io(e);
    w.write_event(Event::Decl(BytesDecl::new(
        "1.0",
        Some("UTF-8"),
        Some("yes"),
    )))
    .map_err(xml)?;
    let mut ev = BytesStart::new("event");
    ev.push_attribute(("version", "2.0"));
    ev.push_attribute(("uid", uid.as_str()));
    ev.push_attribute(("type", typ.as_str()));
    ev.push_attribute(("how", "m-f"));
    ev.push_attribute(("time", time.as_str()));
    ev.push_attribute(("start", time.as_str()));
    ev.push_attribute(("stale", stale.as_str()));
    w.write_event(Event::Start(ev)).map_err(xml)?;
    let mut pt = BytesStart::new("point");
    pt.push_attribute(("lat", num(t.lat).as_str()));
    pt.push_attribute(("lon", num(t.lon).as_str()));
    pt.push_attribute(("hae", num(hae).as_str()));
    pt.push_attribute(("ce", num(ce).as_str()));
    pt.push_attribute(("le", num(le).as_str()));
    w.write_event(Event::Empty(pt)).map_err(xml)?;
    w.write_event(Event::Start(BytesStart::new("detail")))
        .map_err(xml)?;
    if t.course.is_some() || t.speed.is_some() {
        let mut tr = BytesStart::new("track");
        let course = t
            .course
            .filter(|c| c.is_finite())
            .map(|c| c.rem_euclid(360.0));
        tr.push_attribute(("course", num(course.unwrap_or(0.0)).as_str()));
        tr.push_attribute((
            "speed",
            num(t.speed.filter(|s| s.is_finite()).unwrap_or(0.0)).as_str(),
        ));
        w.write_event(Event::Empty(tr)).map_err(xml)?;
    }
    let callsign = t.callsign.clone().unwrap_or_else(|| uid.clone());
    let mut c = BytesStart::new("contact");
    c.push_attribute(("callsign", callsign.as_str()));
    w.write_event(Event::Empty(c)).map_err(xml)?;
    let mut ts = BytesStart::new("tessera");
    let id = t.track_id.to_string();
    ts.push_attribute(("track", id.as_str()));
    ts.push_attribute(("class", class_name(t.class)));
    w.write_event(Event::Empty(ts)).map_err(xml)?;
    w.write_event(Event::End(BytesEnd::new("detail")))
        .map_err(xml)?;
    w.write_event(Event::End(BytesEnd::new("event")))
        .map_err(xml)?;
    String::from_utf8(w.into_inner()).map_err(|_| CotError::InvalidTrack("non-UTF-8"))
}

/// A parsed CoT event (the fields Tessera uses).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CotEvent {
    /// Event uid.
    pub uid: String,
    /// CoT type.
    pub cot_type: String,
    /// `how` attribute.
    pub how: Option<String>,
    /// Time (UNIX s).
    pub time: Option<f64>,
    /// Start (UNIX s).
    pub start: Option<f64>,
    /// Stale (UNIX s).
    pub stale: Option<f64>,
    /// Latitude (degrees).
    pub lat: f64,
    /// Longitude (degrees).
    pub lon: f64,
    /// Height above ellipsoid (m).
    pub hae: f64,
    /// Circular error (m).
    pub ce: f64,
    /// Linear error (m).
    pub le: f64,
    /// `<track course>`.
    pub course: Option<f64>,
    /// `<track speed>` (m/s).
    pub speed: Option<f64>,
    /// `<contact callsign>`.
    pub callsign: Option<String>,
}

/// Parses one CoT `<event>` document.
pub fn parse_event(xml: &str) -> Result<CotEvent, CotError> {
    let mut r = Reader::from_str(xml);
    r.config_mut().trim_text(true);
    let mut ev: Option<CotEvent> = None;
    let mut have_point = false;
    loop {
        let pos = r.buffer_position();
        let e = r.read_event().map_err(|e| CotError::Xml {
            offset: pos,
            message: e.to_string(),
        })?;
        let (start, is_end) = match &e {
            Event::Start(s) | Event::Empty(s) => (Some(s.clone()), false),
            Event::End(end) => (None, end.name().as_ref() == "event"),
            Event::Eof => break,
            _ => (None, false),
        };
        if is_end {
            break;
        }
        let Some(s) = start else { continue };
        let mut attrs = std::collections::HashMap::new();
        for a in s.attributes() {
            let a = a.map_err(|e| CotError::Xml {
                offset: pos,
                message: e.to_string(),
            })?;
            let v = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| CotError::Xml {
                    offset: pos,
                    message: e.to_string(),
                })?
                .into_owned();
            attrs.insert(a.key.as_ref().to_string(), v);
        }
        let get = |k: &str| attrs.get(k).cloned();
        let f = |k: &str| attrs.get(k).and_then(|v| v.trim().parse::<f64>().ok());
        match s.name().as_ref() {
            "event" => {
                ev = Some(CotEvent {
                    uid: get("uid")
                        .ok_or_else(|| CotError::NotEvent("event without uid".into()))?,
                    cot_type: get("type")
                        .ok_or_else(|| CotError::NotEvent("event without type".into()))?,
                    how: get("how"),
                    time: get("time").as_deref().and_then(parse_time),
                    start: get("start").as_deref().and_then(parse_time),
                    stale: get("stale").as_deref().and_then(parse_time),
                    lat: f64::NAN,
                    lon: f64::NAN,
                    hae: UNKNOWN,
                    ce: UNKNOWN,
                    le: UNKNOWN,
                    course: None,
                    speed: None,
                    callsign: None,
                });
            }
            name => {
                let Some(ev) = ev.as_mut() else {
                    return Err(CotError::NotEvent("root element is not <event>".into()));
                };
                match name {
                    "point" => {
                        ev.lat = f("lat")
                            .ok_or_else(|| CotError::NotEvent("point without lat".into()))?;
                        ev.lon = f("lon")
                            .ok_or_else(|| CotError::NotEvent("point without lon".into()))?;
                        ev.hae = f("hae").unwrap_or(UNKNOWN);
                        ev.ce = f("ce").unwrap_or(UNKNOWN);
                        ev.le = f("le").unwrap_or(UNKNOWN);
                        have_point = true;
                    }
                    "track" => {
                        ev.course = f("course");
                        ev.speed = f("speed");
                    }
                    "contact" => ev.callsign = get("callsign"),
                    _ => {}
                }
            }
        }
    }
    let ev = ev.ok_or_else(|| CotError::NotEvent("no <event> element".into()))?;
    if !have_point {
        return Err(CotError::NotEvent("event without <point>".into()));
    }
    Ok(ev)
}

/// Splits a TCP byte stream of concatenated CoT events into complete `<event>…</event>`
/// documents, keeping an incomplete tail buffered.
#[derive(Debug, Default, Clone)]
pub struct CotStreamSplitter {
    buf: Vec<u8>,
}

impl CotStreamSplitter {
    /// An empty splitter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends received bytes and returns the complete events now available (as text from
    /// `<event` to `</event>`; bytes between events, such as XML declarations, are dropped).
    pub fn push(&mut self, data: &[u8]) -> Vec<String> {
        self.buf.extend_from_slice(data);
        let mut out = Vec::new();
        loop {
            let Some(start) = find(&self.buf, b"<event") else {
                // Keep a possible partial "<event" prefix.
                let keep = self.buf.len().saturating_sub(6);
                self.buf.drain(..keep);
                break;
            };
            let Some(end_rel) = find(&self.buf[start..], b"</event>") else {
                self.buf.drain(..start);
                break;
            };
            let end = start + end_rel + b"</event>".len();
            out.push(String::from_utf8_lossy(&self.buf[start..end]).into_owned());
            self.buf.drain(..end);
        }
        out
    }
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// Sends each event as one UDP datagram (the usual CoT multicast/unicast feed).
#[derive(Debug)]
pub struct UdpCotSender {
    socket: UdpSocket,
    target: SocketAddr,
}

impl UdpCotSender {
    /// Binds an ephemeral local socket for sending to `target`.
    pub fn new(target: impl ToSocketAddrs) -> Result<Self, CotError> {
        let target = target
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| std::io::Error::other("no address"))?;
        let bind: SocketAddr = if target.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        Ok(Self {
            socket: UdpSocket::bind(bind)?,
            target,
        })
    }

    /// Encodes and sends one track.
    pub fn send(&self, track: &CotTrack) -> Result<(), CotError> {
        let xml = encode_event(track)?;
        self.socket.send_to(xml.as_bytes(), self.target)?;
        Ok(())
    }
}

/// Writes events back to back on a TCP stream (TAK server plain-XML input, port 8087 style).
#[derive(Debug)]
pub struct TcpCotSender {
    stream: TcpStream,
}

impl TcpCotSender {
    /// Connects to a TAK server or other CoT sink.
    pub fn connect(addr: impl ToSocketAddrs) -> Result<Self, CotError> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(Self { stream })
    }

    /// Wraps an already connected stream.
    pub fn from_stream(stream: TcpStream) -> Self {
        Self { stream }
    }

    /// Encodes and writes one track.
    pub fn send(&mut self, track: &CotTrack) -> Result<(), CotError> {
        let xml = encode_event(track)?;
        self.stream.write_all(xml.as_bytes())?;
        self.stream.flush()?;
        Ok(())
    }

    /// The underlying stream (e.g. to read what the server relays).
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track() -> CotTrack {
        CotTrack {
            track_id: 42,
            uid: None,
            callsign: Some("BANDIT 1 <&>".into()),
            identity: Identity::Hostile,
            class: TargetClass::FixedWing,
            lat: 59.8,
            lon: 30.26,
            hae: Some(10_000.0),
            course: Some(-90.0),
            speed: Some(250.0),
            cov_horizontal: Some([[100.0, 5.0], [5.0, 44.0]]),
            var_vertical: Some(400.0),
            time: 1_717_664_319.147,
            stale_after: 10.0,
        }
    }

    #[test]
    fn type_mapping() {
        assert_eq!(
            cot_type(Identity::Hostile, TargetClass::FixedWing),
            "a-h-A-M-F"
        );
        assert_eq!(
            cot_type(Identity::Friend, TargetClass::Helicopter),
            "a-f-A-M-H"
        );
        assert_eq!(
            cot_type(Identity::Neutral, TargetClass::FixedWing),
            "a-n-A-C-F"
        );
        assert_eq!(cot_type(Identity::Unknown, TargetClass::Unknown), "a-u-A");
        assert_eq!(
            cot_type(Identity::Suspect, TargetClass::Drone),
            "a-s-A-M-F-Q"
        );
        assert_eq!(
            cot_type(Identity::Hostile, TargetClass::CruiseMissile),
            "a-h-A-W-M-S-S"
        );
        assert_eq!(
            cot_type(Identity::Hostile, TargetClass::BallisticMissile),
            "a-h-A-W-M"
        );
        assert_eq!(cot_type(Identity::Pending, TargetClass::Rocket), "a-p-A-W");
    }

    #[test]
    fn encode_parse_round_trip() {
        let t = track();
        let xml = encode_event(&t).unwrap();
        assert!(xml.contains("time=\"2024-06-06T08:58:39.147Z\""), "{xml}");
        assert!(xml.contains("stale=\"2024-06-06T08:58:49.147Z\""), "{xml}");
        let e = parse_event(&xml).unwrap();
        assert_eq!(e.uid, "tessera-track-42");
        assert_eq!(e.cot_type, "a-h-A-M-F");
        assert_eq!((e.lat, e.lon, e.hae), (59.8, 30.26, 10_000.0));
        assert!((e.ce - 72.0f64.sqrt()).abs() < 1e-9);
        assert_eq!(e.le, 20.0);
        assert_eq!(e.course, Some(270.0));
        assert_eq!(e.speed, Some(250.0));
        assert_eq!(e.callsign.as_deref(), Some("BANDIT 1 <&>"));
        assert!((e.time.unwrap() - t.time).abs() < 1e-3);
        assert!((e.stale.unwrap() - t.time - 10.0).abs() < 1e-3);
    }

    #[test]
    fn unknown_accuracy_and_bad_input() {
        let mut t = track();
        t.cov_horizontal = None;
        t.var_vertical = Some(f64::NAN);
        let e = parse_event(&encode_event(&t).unwrap()).unwrap();
        assert_eq!((e.ce, e.le), (UNKNOWN, UNKNOWN));
        t.lat = f64::NAN;
        assert!(encode_event(&t).is_err());
        assert!(parse_event("<event uid='x' type='a'>").is_err());
        assert!(parse_event("<foo/>").is_err());
        assert!(parse_event("<event uid='x' type='a'><point lat='q' lon='1'/></event>").is_err());
        assert!(parse_event("not xml <<").is_err());
    }

    #[test]
    fn splitter_handles_chunks() {
        let x = encode_event(&track()).unwrap();
        let stream = format!("{x}{x}");
        let mut s = CotStreamSplitter::new();
        let mut got = Vec::new();
        for c in stream.as_bytes().chunks(7) {
            got.extend(s.push(c));
        }
        assert_eq!(got.len(), 2);
        assert!(parse_event(&got[1]).is_ok());
    }

    #[test]
    fn time_format_round_trip() {
        assert_eq!(format_time(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(parse_time("2024-02-29T23:59:59.5Z"), Some(1_709_251_199.5));
        assert_eq!(
            parse_time(&format_time(1_709_251_199.5)),
            Some(1_709_251_199.5)
        );
        assert_eq!(parse_time("2024-13-01T00:00:00Z"), None);
    }
}
