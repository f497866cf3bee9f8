//! Serialisable views of the picture for the API, the stream and the page: WGS-84 positions,
//! compass courses, text codes (`docs/api.md`, object **Track**).

use serde::{Deserialize, Serialize};
use tessera_domain::{Identity, TargetClass, TrackStatus};

/// A point of a track's history: latitude and longitude in degrees, height in metres.
pub type TrailPoint = [f64; 3];

/// What threat evaluation said of a track (filled in by the engagement layer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreatBrief {
    pub rank: usize,
    pub value: f64,
    pub time_to_go_s: Option<f64>,
    pub asset: Option<String>,
}

/// One track as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackView {
    pub id: u64,
    pub status: TrackStatus,
    pub identity: Identity,
    pub class: TargetClass,
    pub lat_deg: f64,
    pub lon_deg: f64,
    pub alt_m: f64,
    /// Velocity east, north, up in the system frame, m/s.
    pub vel_enu: [f64; 3],
    pub speed_mps: f64,
    /// Compass course over ground, degrees.
    pub course_deg: f64,
    pub climb_mps: f64,
    /// RMS position standard deviation per axis, m.
    pub sigma_pos_m: f64,
    pub updates: u32,
    pub sensors: Vec<u32>,
    /// Time of the state shown, UTC ns.
    pub time_ns: i64,
    pub callsign: Option<String>,
    pub mode3a: Option<String>,
    pub icao: Option<String>,
    pub threat: Option<ThreatBrief>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub trail: Option<Vec<TrailPoint>>,
}
