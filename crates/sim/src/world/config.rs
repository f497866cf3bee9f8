//! The scenario file: TOML → [`WorldConfig`], with validation.
//!
//! Every table rejects unknown keys. Errors name the file, the 1-based line and the key:
//! syntax and type errors take the span `toml` reports; semantic errors (a negative rate, a
//! sensor below ground, a threat without a target, a launcher naming an unknown interceptor …)
//! are found after deserialising and located by walking the document's spanned tree
//! ([`toml::de::DeTable`]) to the offending key, or to its table when the key is missing.
//!
//! Positions are metres in the scenario's flat local frame: x east, y north, z up (height above
//! mean sea level), origin at `scenario.origin_lat_deg` / `origin_lon_deg`. The annotated schema
//! with an example per section is `crates/sim/scenarios/default.toml`.

// `!(x > 0.0)` is deliberate throughout: it is also true for NaN, which must be rejected.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A configuration error, located in its file.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A syntax, type or value error at a key.
    #[error("{path}:{line}: key `{key}`: {message}")]
    At {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
    /// A value error in a configuration built in code (no file): `key` is the key path, e.g.
    /// `launcher[2].interceptor`.
    #[error("scenario key `{key}`: {message}")]
    Invalid { key: String, message: String },
}

impl ConfigError {
    /// The line of the error (0 for I/O errors).
    pub fn line(&self) -> usize {
        match self {
            Self::Io { .. } | Self::Invalid { .. } => 0,
            Self::At { line, .. } => *line,
        }
    }

    /// The key the error is about.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::Io { .. } => None,
            Self::At { key, .. } | Self::Invalid { key, .. } => Some(key),
        }
    }
}

/// Classes of air objects. Threat classes are the first five.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectClass {
    Ballistic,
    Cruise,
    Aircraft,
    Drone,
    Rocket,
    Interceptor,
}

impl ObjectClass {
    /// Name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ballistic => "ballistic",
            Self::Cruise => "cruise",
            Self::Aircraft => "aircraft",
            Self::Drone => "drone",
            Self::Rocket => "rocket",
            Self::Interceptor => "interceptor",
        }
    }

    /// Typical radar cross-section, m² (used when a scenario gives none).
    pub fn default_rcs_m2(self) -> f64 {
        match self {
            Self::Ballistic => 0.3,
            Self::Cruise => 0.1,
            Self::Aircraft => 5.0,
            Self::Drone => 0.02,
            Self::Rocket => 0.05,
            Self::Interceptor => 0.1,
        }
    }
}

/// Affiliation of an air object (truth).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Affiliation {
    Friendly,
    Neutral,
    Hostile,
}

impl Affiliation {
    /// Name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Friendly => "friendly",
            Self::Neutral => "neutral",
            Self::Hostile => "hostile",
        }
    }
}

/// The whole scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldConfig {
    pub scenario: ScenarioSection,
    #[serde(default)]
    pub output: OutputSection,
    #[serde(default, rename = "asset")]
    pub assets: Vec<AssetConfig>,
    #[serde(default, rename = "sensor")]
    pub sensors: Vec<SensorConfig>,
    #[serde(default)]
    pub traffic: TrafficConfig,
    #[serde(default, rename = "aircraft")]
    pub aircraft: Vec<AircraftConfig>,
    #[serde(default, rename = "threat")]
    pub threats: Vec<ThreatConfig>,
    #[serde(default, rename = "interceptor")]
    pub interceptors: Vec<InterceptorConfig>,
    #[serde(default, rename = "launcher")]
    pub launchers: Vec<LauncherConfig>,
    #[serde(default)]
    pub engagement: EngagementConfig,
    /// Directory relative paths in the file are resolved against (not part of the file).
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

/// `[scenario]`: area and time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSection {
    pub name: String,
    pub seed: u64,
    /// Simulated time, s.
    pub duration_s: f64,
    /// Truth integration step, s (default 0.25).
    #[serde(default = "d_step")]
    pub step_s: f64,
    /// UTC start, `YYYY-MM-DDTHH:MM:SSZ`.
    #[serde(default = "d_epoch")]
    pub epoch: String,
    pub origin_lat_deg: f64,
    pub origin_lon_deg: f64,
    /// Half side of the square area around the origin, m: civil traffic lives in it.
    pub half_extent_m: f64,
}

fn d_step() -> f64 {
    0.25
}
fn d_epoch() -> String {
    "2024-01-01T10:00:00Z".into()
}

/// `[output]`: what to write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputSection {
    /// Period of the ground-truth lines, s (0 = no truth file).
    pub truth_period_s: f64,
    /// Write the formats.md scenario JSON lines of the 3D radars.
    pub scenario_jsonl: bool,
    /// Write SBS text beside CAT021.
    pub sbs: bool,
}

impl Default for OutputSection {
    fn default() -> Self {
        Self {
            truth_period_s: 1.0,
            scenario_jsonl: true,
            sbs: true,
        }
    }
}

/// `[[asset]]`: a defended asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetConfig {
    pub name: String,
    pub position_m: [f64; 2],
    #[serde(default = "d_asset_radius")]
    pub radius_m: f64,
    #[serde(default = "d_one")]
    pub value: f64,
}

fn d_asset_radius() -> f64 {
    1000.0
}
fn d_one() -> f64 {
    1.0
}

/// Kinds of sensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensorKindConfig {
    Radar3d,
    Radar2d,
    Adsb,
    EarlyWarning,
}

/// `[[sensor]]`: a radar, an ADS-B receiver or the early-warning cue feed. Keys that do not
/// apply to the kind are ignored; defaults in brackets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensorConfig {
    pub id: u32,
    pub name: String,
    pub kind: SensorKindConfig,
    /// Antenna position, m (z = height above sea level, must be ≥ 0). [0,0,0] for the cue feed.
    #[serde(default)]
    pub position_m: [f64; 3],
    /// ASTERIX SAC/SIC [0 / id].
    #[serde(default)]
    pub sac: u8,
    #[serde(default)]
    pub sic: Option<u8>,
    /// Radars: antenna rotation period, s.
    #[serde(default)]
    pub rotation_period_s: Option<f64>,
    /// Radars: azimuth of the beam at t = 0, degrees [0].
    #[serde(default)]
    pub start_azimuth_deg: f64,
    /// Instrumented range, m (radars, ADS-B).
    #[serde(default)]
    pub max_range_m: Option<f64>,
    #[serde(default)]
    pub min_range_m: f64,
    /// Radars: highest elevation covered, degrees [60 for 3D, 40 for 2D].
    #[serde(default)]
    pub max_elevation_deg: Option<f64>,
    /// Radars: noise standard deviations.
    #[serde(default)]
    pub sigma_range_m: f64,
    #[serde(default)]
    pub sigma_azimuth_deg: f64,
    #[serde(default)]
    pub sigma_elevation_deg: f64,
    /// Radars: Pd = `reference_pd` for a `reference_rcs_m2` target at `reference_range_m`
    /// (Swerling 1, radar equation SNR ∝ RCS / R⁴) [pd 0.5, rcs 1 m²].
    #[serde(default)]
    pub reference_range_m: Option<f64>,
    #[serde(default)]
    pub reference_rcs_m2: Option<f64>,
    #[serde(default)]
    pub reference_pd: Option<f64>,
    /// Radars: false-alarm probability per cell [1e-6].
    #[serde(default)]
    pub pfa: Option<f64>,
    /// Radars: mean false plots (clutter) per scan [0].
    #[serde(default)]
    pub false_alarms_per_scan: f64,
    /// Radars: clutter plots fall within this range, m [max_range_m].
    #[serde(default)]
    pub clutter_max_range_m: Option<f64>,
    /// Radars: registration bias added to every plot.
    #[serde(default)]
    pub bias_range_m: f64,
    #[serde(default)]
    pub bias_azimuth_deg: f64,
    #[serde(default)]
    pub bias_elevation_deg: f64,
    /// Radars: secondary radar co-mounted: cooperative targets report Mode 3/A, FL, address.
    #[serde(default)]
    pub ssr: bool,
    /// ADS-B / cue feed: report period, s [1 / 10].
    #[serde(default)]
    pub update_period_s: Option<f64>,
    /// ADS-B: probability a report is received [0.98].
    #[serde(default)]
    pub reception_pd: Option<f64>,
    /// Cue feed: report latency, s [10].
    #[serde(default)]
    pub latency_s: Option<f64>,
    /// Cue feed: position and velocity error, 1σ per axis [3000 m, 100 m/s].
    #[serde(default)]
    pub sigma_position_m: Option<f64>,
    #[serde(default)]
    pub sigma_velocity_mps: Option<f64>,
    /// Cue feed: classes it reports [ballistic].
    #[serde(default)]
    pub classes: Option<Vec<ObjectClass>>,
}

/// `[traffic]`: generated civil traffic, optionally recorded real trajectories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrafficConfig {
    /// Civil aircraft kept in the area at any time (one leaving is replaced by one entering).
    pub civil_count: usize,
    pub altitude_m: [f64; 2],
    pub speed_mps: [f64; 2],
    /// Fraction equipped with ADS-B out.
    pub adsb_fraction: f64,
    /// Fraction squawking (Mode 3/A + C, Mode S address).
    pub transponder_fraction: f64,
    /// Optional recorded trajectories (`../shared/data/trajectories/*.csv.gz`, path relative to
    /// the scenario file), replayed relocated onto the scenario origin.
    pub recorded_csv: Option<String>,
    /// Centre of the recording's area, degrees.
    pub recorded_origin_deg: Option<[f64; 2]>,
    /// At most this many recorded paths.
    pub recorded_max: Option<usize>,
}

impl Default for TrafficConfig {
    fn default() -> Self {
        Self {
            civil_count: 0,
            altitude_m: [3000.0, 12000.0],
            speed_mps: [160.0, 250.0],
            adsb_fraction: 0.9,
            transponder_fraction: 1.0,
            recorded_csv: None,
            recorded_origin_deg: None,
            recorded_max: None,
        }
    }
}

/// `[[aircraft]]`: a named aircraft flying waypoints (friendly patrols, neutral traffic).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AircraftConfig {
    pub name: String,
    #[serde(default = "d_friendly")]
    pub affiliation: Affiliation,
    pub waypoints_m: Vec<[f64; 3]>,
    pub speed_mps: f64,
    #[serde(default)]
    pub start_s: f64,
    /// Fly the waypoints round and round.
    #[serde(default)]
    pub repeat: bool,
    #[serde(default = "d_turn")]
    pub max_turn_rate_deg_s: f64,
    #[serde(default)]
    pub callsign: Option<String>,
    /// Mode 3/A code as four octal digits.
    #[serde(default)]
    pub mode3a: Option<String>,
    #[serde(default)]
    pub adsb: bool,
    #[serde(default = "d_true")]
    pub transponder: bool,
    #[serde(default)]
    pub rcs_m2: Option<f64>,
}

fn d_friendly() -> Affiliation {
    Affiliation::Friendly
}
fn d_turn() -> f64 {
    3.0
}
fn d_true() -> bool {
    true
}

/// `[[threat]]`: a group of `count` identical threats. Class-specific keys are ignored by the
/// other classes; defaults per class in brackets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreatConfig {
    pub name: String,
    pub class: ObjectClass,
    /// Name of the defended asset aimed at (required).
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default = "d_count")]
    pub count: u32,
    /// Launch (or entry) point, m. z: launch height [0; aircraft/drones start at `altitude_m`].
    pub launch_m: [f64; 3],
    /// Launch points of a group spread over a circle of this radius, m.
    #[serde(default)]
    pub launch_spread_m: f64,
    /// Aim points spread over the target's radius (true) or all at its centre.
    #[serde(default = "d_true")]
    pub spread_aim: bool,
    /// Either the launch time or the time of arrival on target, s (raids timed to arrive
    /// together use `arrive_s`).
    #[serde(default)]
    pub launch_s: Option<f64>,
    #[serde(default)]
    pub arrive_s: Option<f64>,
    /// Seconds between members of the group.
    #[serde(default)]
    pub interval_s: f64,
    /// Cruise, aircraft, drones: route between launch and target (z = altitude).
    #[serde(default)]
    pub waypoints_m: Vec<[f64; 3]>,
    /// Cruise, aircraft, drones: speed, m/s [250 / 240 / 45].
    #[serde(default)]
    pub speed_mps: Option<f64>,
    /// Cruise, aircraft, drones: cruise altitude, m [50 / 300 / 800].
    #[serde(default)]
    pub altitude_m: Option<f64>,
    /// Cruise: final sea-skimming leg, altitude and length [5 m, 30 km].
    #[serde(default)]
    pub sea_skim_altitude_m: Option<f64>,
    #[serde(default)]
    pub sea_skim_distance_m: Option<f64>,
    /// Ballistic, rockets: burn time, s [60 / 3]; launch elevation, degrees [45 / 50].
    #[serde(default)]
    pub burn_time_s: Option<f64>,
    #[serde(default)]
    pub loft_deg: Option<f64>,
    /// Drones: loiter over the target this long before diving, s [0]; orbit radius, m [3000].
    #[serde(default)]
    pub loiter_s: f64,
    #[serde(default)]
    pub loiter_radius_m: Option<f64>,
    /// Turn-rate limit, degrees/s [cruise 6, aircraft 10, drones 15].
    #[serde(default)]
    pub max_turn_rate_deg_s: Option<f64>,
    #[serde(default)]
    pub rcs_m2: Option<f64>,
    /// Threat value for doctrine ordering [1].
    #[serde(default = "d_one")]
    pub value: f64,
}

fn d_count() -> u32 {
    1
}

/// `[[interceptor]]`: an interceptor type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterceptorConfig {
    pub name: String,
    /// Mean fly-out speed, m/s, reached after `boost_s`.
    pub speed_mps: f64,
    #[serde(default = "d_boost")]
    pub boost_s: f64,
    pub max_range_m: f64,
    #[serde(default)]
    pub min_range_m: f64,
    pub max_altitude_m: f64,
    #[serde(default)]
    pub min_altitude_m: f64,
    /// Single-shot kill probability.
    pub pk: f64,
    /// Classes it can engage.
    pub classes: Vec<ObjectClass>,
    /// Distance at which the end-game happens (kill draw), m [50].
    #[serde(default = "d_lethal")]
    pub lethal_radius_m: f64,
}

fn d_boost() -> f64 {
    3.0
}
fn d_lethal() -> f64 {
    50.0
}

/// `[[launcher]]`: a fire unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LauncherConfig {
    pub name: String,
    pub interceptor: String,
    pub position_m: [f64; 3],
    pub inventory: u32,
    /// Simultaneous engagements.
    #[serde(default = "d_count")]
    pub channels: u32,
    /// Seconds between two launches.
    #[serde(default = "d_reload")]
    pub reload_s: f64,
}

fn d_reload() -> f64 {
    2.0
}

/// Fire doctrine of the simulated defence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Doctrine {
    /// Nothing is engaged (pure sensor scenario); external orders are refused.
    None,
    /// Greedy shoot-look-shoot on hostile objects detected by a radar, most urgent first
    /// (aimed at the truth; external orders are accepted as well).
    Auto,
    /// The world does not fire on its own: only external engagement orders (an operator's
    /// approved recommendations, aimed at system tracks) launch interceptors.
    External,
}

/// `[engagement]`: how the simulated defence fires (a stand-in for the operator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngagementConfig {
    pub doctrine: Doctrine,
    /// Interceptors per engagement.
    pub salvo: u32,
    /// Decision period, s.
    pub period_s: f64,
    /// Engage only objects a radar has detected within this many seconds.
    pub detection_age_s: f64,
}

impl Default for EngagementConfig {
    fn default() -> Self {
        Self {
            doctrine: Doctrine::Auto,
            salvo: 1,
            period_s: 1.0,
            detection_age_s: 30.0,
        }
    }
}

/// Seconds per day.
const DAY_S: f64 = 86_400.0;

/// A parsed `YYYY-MM-DDTHH:MM:SSZ` instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Epoch {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    /// Seconds since midnight UTC.
    pub seconds_of_day: f64,
}

impl Epoch {
    /// Parses the restricted ISO form used by scenario files.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, m, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 59 {
            return None;
        }
        Some(Self {
            year: year as i32,
            month,
            day,
            seconds_of_day: f64::from(h * 3600 + m * 60 + sec),
        })
    }

    /// The instant as nanoseconds since the Unix epoch (UTC, no leap seconds).
    pub fn unix_ns(&self) -> i64 {
        // Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400_000_000_000 + (self.seconds_of_day * 1e9).round() as i64
    }

    /// Time of day (s since UTC midnight) of a scenario time, wrapped to one day.
    pub fn time_of_day(&self, t_s: f64) -> f64 {
        (self.seconds_of_day + t_s).rem_euclid(DAY_S)
    }
}

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(&'static str),
    Index(usize),
}

/// A semantic error before it is located.
struct Issue {
    path: Vec<Seg>,
    key: &'static str,
    message: String,
}

fn line_of(src: &str, byte: usize) -> usize {
    src.as_bytes()[..byte.min(src.len())]
        .iter()
        .filter(|&&c| c == b'\n')
        .count()
        + 1
}

/// Byte offset of the key at the end of `path` (`key` inside the table `path` leads to), or of
/// that table when the key is absent.
fn locate(src: &str, path: &[Seg], key: &str) -> usize {
    use toml::de::{DeTable, DeValue};
    let Ok(doc) = DeTable::parse(src) else {
        return 0;
    };
    let mut table: &DeTable<'_> = doc.get_ref();
    let mut at = doc.span().start;
    let mut i = 0;
    while i < path.len() {
        let Seg::Key(k) = path[i] else { return at };
        let Some((ks, v)) = table.iter().find(|(ks, _)| ks.get_ref().as_ref() == k) else {
            return at;
        };
        at = ks.span().start;
        let mut v = v;
        if let Some(Seg::Index(ix)) = path.get(i + 1) {
            let DeValue::Array(arr) = v.get_ref() else {
                return at;
            };
            let Some(elem) = arr.get(*ix) else { return at };
            v = elem;
            i += 1;
        }
        match v.get_ref() {
            DeValue::Table(t) => {
                table = t;
                // For an array-of-tables element, point at its first key (its header's line is
                // just above; its first key is where the table "is").
                if let Some((k0, _)) = t.iter().min_by_key(|(k, _)| k.span().start)
                    && matches!(path.get(i), Some(Seg::Index(_)))
                {
                    at = k0.span().start;
                }
            }
            _ => return at,
        }
        i += 1;
    }
    table
        .iter()
        .find(|(ks, _)| ks.get_ref().as_ref() == key)
        .map_or(at, |(ks, _)| ks.span().start)
}

impl WorldConfig {
    /// Reads and validates a scenario file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut cfg = Self::from_toml_str(&text, path)?;
        cfg.base_dir = path.parent().map(Path::to_path_buf);
        Ok(cfg)
    }

    /// Parses and validates scenario text; `path` is used in error messages only.
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let cfg: WorldConfig = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            // The key of the line the span starts on when the span is a value (`key = value`),
            // else the spanned text itself (an unknown key).
            let line_start = text[..span.start.min(text.len())]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let line_key = text[line_start..]
                .lines()
                .next()
                .and_then(|l| l.split_once('='))
                .filter(|(k, _)| line_start + k.len() <= span.start)
                .map(|(k, _)| k.trim().trim_matches('"').to_string());
            let key = line_key
                .or_else(|| {
                    text.get(span.clone())
                        .filter(|s| !s.is_empty() && s.len() < 64 && !s.contains('\n'))
                        .map(|s| s.trim().trim_matches('"').to_string())
                })
                .or_else(|| {
                    // "missing field `x`" errors point at the table.
                    let m = e.message();
                    let a = m.find('`')?;
                    let b = m[a + 1..].find('`')?;
                    Some(m[a + 1..a + 1 + b].to_string())
                })
                .unwrap_or_default();
            ConfigError::At {
                path: path.to_path_buf(),
                line: line_of(text, span.start),
                key,
                message: e.message().trim().to_string(),
            }
        })?;
        if let Some(issue) = cfg.issues().into_iter().next() {
            let at = locate(text, &issue.path, issue.key);
            return Err(ConfigError::At {
                path: path.to_path_buf(),
                line: line_of(text, at),
                key: issue.key.to_string(),
                message: issue.message,
            });
        }
        Ok(cfg)
    }

    /// The same semantic checks as reading a file, for a configuration built or edited in
    /// code (the first problem, named by its key path).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let Some(issue) = self.issues().into_iter().next() else {
            return Ok(());
        };
        let mut key = String::new();
        for seg in &issue.path {
            match seg {
                Seg::Key(k) => {
                    if !key.is_empty() {
                        key.push('.');
                    }
                    key.push_str(k);
                }
                Seg::Index(i) => key.push_str(&format!("[{i}]")),
            }
        }
        if !key.is_empty() {
            key.push('.');
        }
        key.push_str(issue.key);
        Err(ConfigError::Invalid {
            key,
            message: issue.message,
        })
    }

    /// Semantic checks, in file order of sections.
    fn issues(&self) -> Vec<Issue> {
        let mut out = Vec::new();
        let mut push = |path: Vec<Seg>, key: &'static str, message: String| {
            out.push(Issue { path, key, message })
        };
        let s = &self.scenario;
        let sp = || vec![Seg::Key("scenario")];
        if !(s.duration_s > 0.0 && s.duration_s <= 7.0 * 86_400.0) {
            push(
                sp(),
                "duration_s",
                format!("must be in (0, 7 days], got {}", s.duration_s),
            );
        }
        if !(s.step_s > 0.0 && s.step_s <= 5.0) {
            push(
                sp(),
                "step_s",
                format!("must be in (0, 5] s, got {}", s.step_s),
            );
        }
        if Epoch::parse(&s.epoch).is_none() {
            push(
                sp(),
                "epoch",
                format!("expected YYYY-MM-DDTHH:MM:SSZ, got {:?}", s.epoch),
            );
        }
        if !(-85.0..=85.0).contains(&s.origin_lat_deg) {
            push(sp(), "origin_lat_deg", "must be within ±85°".into());
        }
        if !(-180.0..=180.0).contains(&s.origin_lon_deg) {
            push(sp(), "origin_lon_deg", "must be within ±180°".into());
        }
        if !(s.half_extent_m > 0.0 && s.half_extent_m <= 1.5e6) {
            push(sp(), "half_extent_m", "must be in (0, 1500 km]".into());
        }
        let o = &self.output;
        if !(o.truth_period_s >= 0.0) {
            push(
                vec![Seg::Key("output")],
                "truth_period_s",
                "must not be negative".into(),
            );
        }
        for (i, a) in self.assets.iter().enumerate() {
            let p = || vec![Seg::Key("asset"), Seg::Index(i)];
            if !finite(&a.position_m) {
                push(p(), "position_m", "must be finite".into());
            }
            if !(a.radius_m > 0.0) {
                push(
                    p(),
                    "radius_m",
                    format!("must be positive, got {}", a.radius_m),
                );
            }
            if !(a.value >= 0.0) {
                push(p(), "value", "must not be negative".into());
            }
            if self.assets[..i].iter().any(|b| b.name == a.name) {
                push(p(), "name", format!("duplicate asset name {:?}", a.name));
            }
        }
        for (i, c) in self.sensors.iter().enumerate() {
            let p = || vec![Seg::Key("sensor"), Seg::Index(i)];
            sensor_issues(c, &mut |k, m| push(p(), k, m));
            if self.sensors[..i].iter().any(|b| b.id == c.id) {
                push(p(), "id", format!("duplicate sensor id {}", c.id));
            }
        }
        let t = &self.traffic;
        let tp = || vec![Seg::Key("traffic")];
        if !(t.altitude_m[0] >= 0.0 && t.altitude_m[1] >= t.altitude_m[0]) {
            push(
                tp(),
                "altitude_m",
                "must be [low, high] with 0 ≤ low ≤ high".into(),
            );
        }
        if !(t.speed_mps[0] > 0.0 && t.speed_mps[1] >= t.speed_mps[0]) {
            push(
                tp(),
                "speed_mps",
                "must be [low, high] with 0 < low ≤ high".into(),
            );
        }
        for (k, v) in [
            ("adsb_fraction", t.adsb_fraction),
            ("transponder_fraction", t.transponder_fraction),
        ] {
            if !(0.0..=1.0).contains(&v) {
                push(tp(), k, format!("must be in [0, 1], got {v}"));
            }
        }
        if t.recorded_csv.is_some() && t.recorded_origin_deg.is_none() {
            push(
                tp(),
                "recorded_origin_deg",
                "required with recorded_csv".into(),
            );
        }
        for (i, a) in self.aircraft.iter().enumerate() {
            let p = || vec![Seg::Key("aircraft"), Seg::Index(i)];
            if a.waypoints_m.is_empty() {
                push(p(), "waypoints_m", "needs at least one waypoint".into());
            }
            if a.waypoints_m.iter().any(|w| !finite(w) || w[2] < 0.0) {
                push(
                    p(),
                    "waypoints_m",
                    "waypoints must be finite and not below sea level".into(),
                );
            }
            if !(a.speed_mps > 0.0) {
                push(
                    p(),
                    "speed_mps",
                    format!("must be positive, got {}", a.speed_mps),
                );
            }
            if !(a.max_turn_rate_deg_s > 0.0) {
                push(p(), "max_turn_rate_deg_s", "must be positive".into());
            }
            if !(a.start_s >= 0.0) {
                push(p(), "start_s", "must not be negative".into());
            }
            if let Some(m) = &a.mode3a
                && parse_mode3a(m).is_none()
            {
                push(
                    p(),
                    "mode3a",
                    format!("expected four octal digits, got {m:?}"),
                );
            }
        }
        for (i, th) in self.threats.iter().enumerate() {
            let p = || vec![Seg::Key("threat"), Seg::Index(i)];
            threat_issues(th, &self.assets, &mut |k, m| push(p(), k, m));
        }
        for (i, c) in self.interceptors.iter().enumerate() {
            let p = || vec![Seg::Key("interceptor"), Seg::Index(i)];
            for (k, v) in [
                ("speed_mps", c.speed_mps),
                ("max_range_m", c.max_range_m),
                ("max_altitude_m", c.max_altitude_m),
                ("lethal_radius_m", c.lethal_radius_m),
            ] {
                if !(v > 0.0) {
                    push(p(), k, format!("must be positive, got {v}"));
                }
            }
            for (k, v) in [
                ("boost_s", c.boost_s),
                ("min_range_m", c.min_range_m),
                ("min_altitude_m", c.min_altitude_m),
            ] {
                if !(v >= 0.0) {
                    push(p(), k, format!("must not be negative, got {v}"));
                }
            }
            if !(0.0..=1.0).contains(&c.pk) {
                push(p(), "pk", format!("must be in [0, 1], got {}", c.pk));
            }
            if c.classes.is_empty() {
                push(p(), "classes", "must name at least one class".into());
            }
        }
        for (i, l) in self.launchers.iter().enumerate() {
            let p = || vec![Seg::Key("launcher"), Seg::Index(i)];
            if !self.interceptors.iter().any(|c| c.name == l.interceptor) {
                push(
                    p(),
                    "interceptor",
                    format!("unknown interceptor type {:?}", l.interceptor),
                );
            }
            if !finite(&l.position_m) || l.position_m[2] < 0.0 {
                push(
                    p(),
                    "position_m",
                    "launcher below ground (z < 0) or not finite".into(),
                );
            }
            if l.channels == 0 {
                push(p(), "channels", "must be at least 1".into());
            }
            if !(l.reload_s >= 0.0) {
                push(
                    p(),
                    "reload_s",
                    format!("must not be negative, got {}", l.reload_s),
                );
            }
        }
        let e = &self.engagement;
        let ep = || vec![Seg::Key("engagement")];
        if !(e.period_s > 0.0) {
            push(
                ep(),
                "period_s",
                format!("must be positive, got {}", e.period_s),
            );
        }
        if !(e.detection_age_s >= 0.0) {
            push(ep(), "detection_age_s", "must not be negative".into());
        }
        if e.salvo == 0 {
            push(ep(), "salvo", "must be at least 1".into());
        }
        out
    }
}

fn finite(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_finite())
}

/// Parses four octal digits.
pub fn parse_mode3a(s: &str) -> Option<u16> {
    (s.len() == 4)
        .then(|| u16::from_str_radix(s, 8).ok())
        .flatten()
}

fn sensor_issues(c: &SensorConfig, push: &mut dyn FnMut(&'static str, String)) {
    use SensorKindConfig::*;
    if !finite(&c.position_m) {
        push("position_m", "must be finite".into());
    } else if c.position_m[2] < 0.0 {
        push(
            "position_m",
            format!("sensor below ground: height {} m < 0", c.position_m[2]),
        );
    }
    let positive =
        |push: &mut dyn FnMut(&'static str, String), k: &'static str, v: Option<f64>| match v {
            Some(v) if !(v > 0.0) => push(k, format!("must be positive, got {v}")),
            _ => {}
        };
    let non_negative = |push: &mut dyn FnMut(&'static str, String), k: &'static str, v: f64| {
        if !(v >= 0.0) {
            push(k, format!("must not be negative, got {v}"));
        }
    };
    match c.kind {
        Radar3d | Radar2d => {
            if c.rotation_period_s.is_none() {
                push("rotation_period_s", "required for a radar".into());
            }
            positive(push, "rotation_period_s", c.rotation_period_s);
            if c.max_range_m.is_none() {
                push("max_range_m", "required for a radar".into());
            }
            positive(push, "max_range_m", c.max_range_m);
            if c.max_range_m.is_some_and(|r| r > 470_000.0) {
                push(
                    "max_range_m",
                    "CAT048 ranges stop at 256 NM (474 km); use ≤ 470 km".into(),
                );
            }
            if c.reference_range_m.is_none() {
                push("reference_range_m", "required for a radar".into());
            }
            positive(push, "reference_range_m", c.reference_range_m);
            positive(push, "reference_rcs_m2", c.reference_rcs_m2);
            positive(push, "clutter_max_range_m", c.clutter_max_range_m);
            if let Some(pd) = c.reference_pd
                && !(pd > 0.0 && pd < 1.0)
            {
                push("reference_pd", format!("must be in (0, 1), got {pd}"));
            }
            if let Some(pfa) = c.pfa
                && !(pfa > 0.0 && pfa < 0.1)
            {
                push("pfa", format!("must be in (0, 0.1), got {pfa}"));
            }
            non_negative(push, "min_range_m", c.min_range_m);
            non_negative(push, "sigma_range_m", c.sigma_range_m);
            non_negative(push, "sigma_azimuth_deg", c.sigma_azimuth_deg);
            non_negative(push, "sigma_elevation_deg", c.sigma_elevation_deg);
            non_negative(push, "false_alarms_per_scan", c.false_alarms_per_scan);
            if let Some(e) = c.max_elevation_deg
                && !(e > 0.0 && e <= 90.0)
            {
                push("max_elevation_deg", format!("must be in (0, 90], got {e}"));
            }
        }
        Adsb => {
            if c.max_range_m.is_none() {
                push("max_range_m", "required for an ADS-B receiver".into());
            }
            positive(push, "max_range_m", c.max_range_m);
            positive(push, "update_period_s", c.update_period_s);
            if let Some(p) = c.reception_pd
                && !(0.0..=1.0).contains(&p)
            {
                push("reception_pd", format!("must be in [0, 1], got {p}"));
            }
        }
        EarlyWarning => {
            positive(push, "update_period_s", c.update_period_s);
            if let Some(l) = c.latency_s {
                non_negative(push, "latency_s", l);
            }
            if let Some(v) = c.sigma_position_m {
                non_negative(push, "sigma_position_m", v);
            }
            if let Some(v) = c.sigma_velocity_mps {
                non_negative(push, "sigma_velocity_mps", v);
            }
        }
    }
}

fn threat_issues(
    th: &ThreatConfig,
    assets: &[AssetConfig],
    push: &mut dyn FnMut(&'static str, String),
) {
    match &th.target {
        None => push("target", format!("threat {:?} has no target", th.name)),
        Some(t) if !assets.iter().any(|a| &a.name == t) => {
            push("target", format!("no defended asset named {t:?}"))
        }
        _ => {}
    }
    if th.class == ObjectClass::Interceptor {
        push("class", "an interceptor is not a threat class".into());
    }
    if th.count == 0 {
        push("count", "must be at least 1".into());
    }
    if !finite(&th.launch_m) || th.launch_m[2] < 0.0 {
        push(
            "launch_m",
            "launch point below ground (z < 0) or not finite".into(),
        );
    }
    match (th.launch_s, th.arrive_s) {
        (None, None) => push("arrive_s", "give launch_s or arrive_s".into()),
        (Some(_), Some(_)) => push("arrive_s", "give launch_s or arrive_s, not both".into()),
        (Some(v), None) | (None, Some(v)) if !v.is_finite() => {
            push("launch_s", "must be finite".into())
        }
        _ => {}
    }
    for (k, v) in [
        ("launch_spread_m", th.launch_spread_m),
        ("interval_s", th.interval_s),
        ("loiter_s", th.loiter_s),
        ("value", th.value),
    ] {
        if !(v >= 0.0) {
            push(k, format!("must not be negative, got {v}"));
        }
    }
    for (k, v) in [
        ("speed_mps", th.speed_mps),
        ("burn_time_s", th.burn_time_s),
        ("loiter_radius_m", th.loiter_radius_m),
        ("max_turn_rate_deg_s", th.max_turn_rate_deg_s),
        ("rcs_m2", th.rcs_m2),
        ("sea_skim_distance_m", th.sea_skim_distance_m),
    ] {
        if let Some(v) = v
            && !(v > 0.0)
        {
            push(k, format!("must be positive, got {v}"));
        }
    }
    for (k, v) in [
        ("altitude_m", th.altitude_m),
        ("sea_skim_altitude_m", th.sea_skim_altitude_m),
    ] {
        if let Some(v) = v
            && !(v >= 0.0)
        {
            push(k, format!("below sea level: {v}"));
        }
    }
    if let Some(l) = th.loft_deg
        && !(l > 5.0 && l < 85.0)
    {
        push("loft_deg", format!("must be in (5, 85), got {l}"));
    }
    if th.waypoints_m.iter().any(|w| !finite(w) || w[2] < 0.0) {
        push(
            "waypoints_m",
            "waypoints must be finite and not below sea level".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_convert_to_unix_time() {
        let ns = |s: &str| Epoch::parse(s).unwrap().unix_ns() / 1_000_000_000;
        assert_eq!(ns("1970-01-01T00:00:00Z"), 0);
        assert_eq!(ns("2024-01-01T10:00:00Z"), 1_704_103_200);
        assert_eq!(
            ns("2024-03-01T00:00:00Z"),
            1_709_251_200,
            "after a leap day"
        );
        assert_eq!(ns("1969-12-31T23:59:59Z"), -1);
    }
}
