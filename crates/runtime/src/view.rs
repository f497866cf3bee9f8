//! What the core publishes: the objects of `docs/api.md` (sensors, assets, launchers,
//! engagements, stats) and the snapshot and delta messages of the stream.

use crate::workflow::EngagementRecord;
use serde::{Deserialize, Serialize};
use tessera_picture::TrackView;

/// A sensor as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensorView {
    pub id: u32,
    pub name: String,
    pub kind: String,
    pub lat_deg: f64,
    pub lon_deg: f64,
    pub alt_m: f64,
    pub max_range_m: f64,
    pub rotation_period_s: Option<f64>,
    pub plots_per_s: f64,
    pub status: String,
}

/// A defended asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetView {
    pub id: u32,
    pub name: String,
    pub lat_deg: f64,
    pub lon_deg: f64,
    pub radius_m: f64,
    pub value: f64,
}

/// A launcher with its inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LauncherView {
    pub id: u32,
    pub name: String,
    pub lat_deg: f64,
    pub lon_deg: f64,
    pub interceptor: String,
    pub inventory: u32,
    pub inventory_start: u32,
    pub min_range_m: f64,
    pub max_range_m: f64,
    pub sector_center_deg: f64,
    pub sector_half_width_deg: f64,
    pub ready: bool,
    pub in_flight: u32,
}

/// Running figures of the live system.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub plots_in: u64,
    pub plots_per_s: f64,
    pub dropped: u64,
    pub decode_errors: u64,
    pub tracks_confirmed: u64,
    pub tracks_tentative: u64,
    pub cycle_ms_p99: f64,
    pub threats: u64,
    pub kills: u64,
    pub leakers: u64,
}

/// Changed and removed tracks of a delta.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrackChanges {
    pub upsert: Vec<TrackView>,
    pub remove: Vec<u64>,
}

/// The whole picture (`GET /api/picture`, first stream message).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    #[serde(rename = "type")]
    pub kind: String,
    pub version: u64,
    pub t_s: f64,
    pub time_ns: i64,
    pub origin: Origin,
    pub scenario: String,
    pub speed: f64,
    pub paused: bool,
    pub tracks: Vec<TrackView>,
    pub sensors: Vec<SensorView>,
    pub assets: Vec<AssetView>,
    pub launchers: Vec<LauncherView>,
    pub engagements: Vec<EngagementRecord>,
    pub stats: Stats,
}

/// The system origin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    pub lat_deg: f64,
    pub lon_deg: f64,
}

/// What changed since the previous message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    #[serde(rename = "type")]
    pub kind: String,
    pub version: u64,
    pub t_s: f64,
    pub time_ns: i64,
    pub tracks: TrackChanges,
    pub engagements: Vec<EngagementRecord>,
    pub launchers: Vec<LauncherView>,
    /// Sensors, with every cycle's delta (status and rates change).
    pub sensors: Vec<SensorView>,
    pub speed: f64,
    pub paused: bool,
    pub stats: Stats,
}
