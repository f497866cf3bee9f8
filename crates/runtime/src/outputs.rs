//! The composite picture out, in the formats other systems read: ASTERIX CAT062 system tracks
//! and Cursor-on-Target events (for TAK clients and servers), over UDP (unicast or multicast)
//! or, for CoT, TCP. Every `period` the published tracks are taken from the core and sent.

use crate::shell::Handle;
use std::net::SocketAddr;
use std::time::Duration;
use tessera_asterix::typed::{Callsign, Cat062Track, encode_cat062};
use tessera_feeds::cot::{CotTrack, encode_event};
use tessera_picture::TrackView;
use tokio::io::AsyncWriteExt;

/// Where the picture goes.
#[derive(Debug, Clone)]
pub enum Output {
    /// CAT062 data blocks by UDP (SAC/SIC of this system).
    Cat062Udp { to: SocketAddr, sac: u8, sic: u8 },
    /// One CoT event per track per period, each one UDP datagram.
    CotUdp { to: SocketAddr },
    /// CoT events written back to back on a TCP connection (a TAK server's plain XML input);
    /// reconnects after a failure.
    CotTcp { to: SocketAddr },
}

const M_PER_FT: f64 = 0.3048;

/// The CAT062 form of a track.
pub fn cat062(v: &TrackView, sac: u8, sic: u8, midnight_ns: i64) -> Cat062Track {
    let tod = ((v.time_ns - midnight_ns) as f64 * 1e-9).rem_euclid(86_400.0);
    Cat062Track {
        sac,
        sic,
        service_id: Some(1),
        time_of_track: Some(tod),
        track_number: Some((v.id % 4096) as u16),
        lat_lon_deg: Some((v.lat_deg, v.lon_deg)),
        velocity_mps: Some((
            v.vel_enu[0].clamp(-8192.0, 8191.0),
            v.vel_enu[1].clamp(-8192.0, 8191.0),
        )),
        mode3a: v
            .mode3a
            .as_deref()
            .and_then(|m| u16::from_str_radix(m, 8).ok()),
        geometric_alt_ft: Some((v.alt_m / M_PER_FT).clamp(-1_500.0, 150_000.0)),
        rocd_fpm: Some((v.climb_mps / M_PER_FT * 60.0).clamp(-100_000.0, 100_000.0)),
        aircraft_address: v
            .icao
            .as_deref()
            .and_then(|a| u32::from_str_radix(a, 16).ok()),
        callsign: v.callsign.as_deref().map(Callsign::new),
        mono_sensor: Some(v.sensors.len() <= 1),
        tentative: Some(false),
        simulated: Some(false),
        ..Default::default()
    }
}

/// The CoT form of a track (stale after three periods).
pub fn cot(v: &TrackView, stale_after_s: f64) -> CotTrack {
    let var = v.sigma_pos_m * v.sigma_pos_m;
    CotTrack {
        track_id: v.id,
        uid: None,
        callsign: v.callsign.clone().or_else(|| Some(format!("T{}", v.id))),
        identity: v.identity,
        class: v.class,
        lat: v.lat_deg,
        lon: v.lon_deg,
        hae: Some(v.alt_m),
        course: Some(v.course_deg),
        speed: Some(v.vel_enu[0].hypot(v.vel_enu[1])),
        cov_horizontal: Some([[var, 0.0], [0.0, var]]),
        var_vertical: Some(var),
        time: v.time_ns as f64 * 1e-9,
        stale_after: stale_after_s,
    }
}

/// Sends the picture to `out` every `period` until shutdown.
pub async fn run_output(handle: Handle, out: Output, period: Duration) {
    let mut stop = handle.shutdown_signal();
    let udp = match tokio::net::UdpSocket::bind("0.0.0.0:0").await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("output socket: {e}");
            return;
        }
    };
    let mut tcp: Option<tokio::net::TcpStream> = None;
    let mut tick = tokio::time::interval(period);
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tick.tick() => {}
        }
        let Ok((views, midnight)) = handle
            .query(|c| {
                let epoch = c.core.site().epoch_unix_ns;
                (
                    c.core.picture().views(None, false),
                    epoch - epoch.rem_euclid(86_400_000_000_000),
                )
            })
            .await
        else {
            return;
        };
        match &out {
            Output::Cat062Udp { to, sac, sic } => {
                let tracks: Vec<Cat062Track> = views
                    .iter()
                    .map(|v| cat062(v, *sac, *sic, midnight))
                    .collect();
                for chunk in tracks.chunks(200) {
                    match encode_cat062(chunk) {
                        Ok(block) => {
                            let _ = udp.send_to(&block, to).await;
                        }
                        Err(e) => tracing::warn!("CAT062 encode: {e}"),
                    }
                }
            }
            Output::CotUdp { to } => {
                for v in &views {
                    if let Ok(xml) = encode_event(&cot(v, 3.0 * period.as_secs_f64())) {
                        let _ = udp.send_to(xml.as_bytes(), to).await;
                    }
                }
            }
            Output::CotTcp { to } => {
                if tcp.is_none() {
                    tcp = tokio::net::TcpStream::connect(to).await.ok();
                }
                if let Some(s) = tcp.as_mut() {
                    let mut buf = String::new();
                    for v in &views {
                        if let Ok(xml) = encode_event(&cot(v, 3.0 * period.as_secs_f64())) {
                            buf.push_str(&xml);
                        }
                    }
                    if s.write_all(buf.as_bytes()).await.is_err() {
                        tracing::warn!("CoT TCP {to}: write failed, reconnecting");
                        tcp = None;
                    }
                }
            }
        }
    }
}
