//! The `Tracker`: wiring of predictor, updater, gate, associator, initiator and deleter, plus
//! the bookkeeping around them (track life, stable ids, statistics and out-of-sequence scans).
//!
//! Input arrives in two forms:
//!
//! - a [`Scan`]: one sensor's reports of one instant. Every track is predicted to the scan
//!   time (the original, snapshot path).
//! - a [`SectorScan`]: one sensor's reports with their own times within a short window (a
//!   rotating radar's sector, a batch of ADS-B reports), optionally with the coverage the
//!   sensor swept. Only the tracks some report can reach are predicted — each to its report's
//!   own time — and only tracks inside the swept coverage count a miss (the local path).
//!
//! Both are ordered by their time (a sector scan's is its latest instant). Inputs older than
//! the latest processed one but within the configured lag are applied exactly as if they had
//! arrived in order: the tracker keeps checkpoints of its state and replays the later inputs
//! after inserting the late one. Older inputs are refused and counted.

use crate::TrackError;
use crate::associate::{Associator, GatedPair, GnnAssociator, TrackAssociation};
use crate::filter::{Envelope, Estimate, Innovation, Predictor, Updater};
use crate::gate::{Gate, MahalanobisGate};
use crate::index::TrackIndex;
use crate::manage::{DeleteReason, Deleter, InitiationDecision, Initiator, TrackLife};
use crate::measure::AnyModel;
use crate::pregate::PreGate;
use nalgebra::{Matrix3, Matrix6, Vector3, Vector6};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::f64::consts::TAU;
use tessera_domain::{
    Measurement, SensorId, SensorKind, SensorSite, SystemTrack, Timestamp, TrackId, TrackStatus,
};

/// One sensor's reports of one instant.
#[derive(Debug, Clone)]
pub struct Scan {
    pub time: Timestamp,
    pub sensor: SensorSite,
    pub measurements: Vec<Measurement>,
    /// True when the scan covers the sensor's whole volume, so a track without a report in it
    /// missed a detection opportunity (radar scans); false for event-driven reports (ADS-B).
    pub full_scan: bool,
}

/// The volume a rotating sensor swept during a sector scan: the beam turned clockwise from
/// `azimuth_start_rad` at `start` to `azimuth_end_rad` at `end` (compass azimuths in the
/// sensor's site frame, radians), seeing from `min_range_m` to `max_range_m` (slant range).
/// Equal start and end azimuths mean a whole turn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SweptSector {
    pub azimuth_start_rad: f64,
    pub azimuth_end_rad: f64,
    pub min_range_m: f64,
    pub max_range_m: f64,
    pub start: Timestamp,
    pub end: Timestamp,
}

impl SweptSector {
    /// Clockwise width of the sweep and whether it is a whole turn.
    fn width(&self) -> (f64, bool) {
        let w = (self.azimuth_end_rad - self.azimuth_start_rad).rem_euclid(TAU);
        if w == 0.0 { (TAU, true) } else { (w, false) }
    }

    fn validate(&self, latest: Timestamp, earliest: Timestamp) -> Result<(), TrackError> {
        let bad = |why: &str| Err(TrackError::InvalidScan(why.into()));
        if !(self.azimuth_start_rad.is_finite() && self.azimuth_end_rad.is_finite()) {
            return bad("coverage azimuths must be finite");
        }
        if !(self.min_range_m.is_finite()
            && self.max_range_m.is_finite()
            && self.min_range_m >= 0.0
            && self.min_range_m <= self.max_range_m)
        {
            return bad("coverage needs 0 <= min_range_m <= max_range_m, finite");
        }
        if self.start > self.end {
            return bad("coverage starts after it ends");
        }
        if self.end > latest || self.start < earliest {
            return bad(
                "coverage must lie within the scan's window (time - max_sector_window_s ..= time)",
            );
        }
        Ok(())
    }
}

/// One sensor's reports, each at its own time within `max_sector_window_s` before `time`,
/// processed jointly on the local path: a rotating radar's sector (with the swept
/// `coverage`, so tracks inside it without a report count a missed opportunity) or a batch of
/// event-driven reports such as ADS-B (`coverage: None`: no misses).
#[derive(Debug, Clone)]
pub struct SectorScan {
    /// The latest instant the scan describes (its last report, or the end of its coverage if
    /// later): its place in the input order.
    pub time: Timestamp,
    pub sensor: SensorSite,
    pub measurements: Vec<Measurement>,
    pub coverage: Option<SweptSector>,
}

impl SectorScan {
    /// Event-driven reports of one sensor (no coverage, so no misses), timed by the latest.
    pub fn reports(sensor: SensorSite, measurements: Vec<Measurement>) -> Self {
        let time = measurements
            .iter()
            .map(|m| m.time)
            .max()
            .unwrap_or_default();
        Self {
            time,
            sensor,
            measurements,
            coverage: None,
        }
    }

    /// A rotating radar's sector: the reports and what the beam swept. `time` is the end of
    /// the sweep or the latest report, whichever is later.
    pub fn sector(
        sensor: SensorSite,
        measurements: Vec<Measurement>,
        coverage: SweptSector,
    ) -> Self {
        let time = measurements
            .iter()
            .map(|m| m.time)
            .max()
            .unwrap_or(coverage.end)
            .max(coverage.end);
        Self {
            time,
            sensor,
            measurements,
            coverage: Some(coverage),
        }
    }
}

/// Tracker settings. Documented defaults are tuned for air surveillance radars.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrackerSettings {
    /// Probability that the true measurement falls inside the gate.
    pub gate_probability: f64,
    /// Detection probability assumed in association scores.
    pub detection_probability: f64,
    /// Density of false and new-target reports per cubic metre.
    pub clutter_density_per_m3: f64,
    /// Vertical extent used to turn the density into an area density for 2D reports, m.
    pub vertical_extent_m: f64,
    /// Out-of-sequence scans up to this many seconds late are applied exactly; older ones are
    /// refused. 0 disables checkpointing.
    pub out_of_sequence_lag_s: f64,
    /// A report claimed by existing tracks with at least this probability starts no track.
    pub claim_threshold: f64,
    /// Longest span of report times within one sector scan, s (reports older than the scan's
    /// time by more are refused and counted as invalid).
    pub max_sector_window_s: f64,
    /// Most tracks (tentative, confirmed, coasting) held at once: beyond it, reports that
    /// would start a track are counted (`initiations_refused`) and start none, so a flood of
    /// clutter cannot grow memory without bound. Tentative tracks die within a few scans, so
    /// room comes back as the flood passes.
    pub max_live_tracks: usize,
}

impl Default for TrackerSettings {
    fn default() -> Self {
        Self {
            gate_probability: 0.9999,
            detection_probability: 0.9,
            clutter_density_per_m3: 1e-14,
            vertical_extent_m: 20_000.0,
            out_of_sequence_lag_s: 2.0,
            claim_threshold: 0.5,
            max_sector_window_s: 2.0,
            max_live_tracks: 100_000,
        }
    }
}

/// One track with its life record.
#[derive(Debug, Clone)]
pub struct TrackRecord<S> {
    pub id: TrackId,
    pub state: S,
    /// Time of `state`: the scan time on the snapshot path, the time of the track's latest
    /// report on the local path.
    pub time: Timestamp,
    pub status: TrackStatus,
    pub life: TrackLife,
    pub created: Timestamp,
    pub last_update: Timestamp,
    /// Sensors that updated the track.
    pub sensors: Vec<SensorId>,
    /// Times of the track's scans while tentative (for retrodicted history on confirmation).
    tentative_times: Vec<Timestamp>,
    /// Tracker version at the track's latest change (see [`Tracker::version`]).
    changed: u64,
    /// Generation of the checkpoint whose undo list holds this track's pre-image (a track is
    /// copied at its first change after a checkpoint, not when the checkpoint is taken).
    saved: u64,
}

impl<S: Estimate> TrackRecord<S> {
    pub fn is_confirmed(&self) -> bool {
        matches!(self.status, TrackStatus::Confirmed | TrackStatus::Coasting)
    }

    /// Tracker version at the track's latest change of state or status.
    pub fn changed(&self) -> u64 {
        self.changed
    }

    pub fn to_system_track(&self) -> SystemTrack {
        let (state, covariance) = self.state.kinematics();
        SystemTrack {
            id: self.id,
            time: self.time,
            status: self.status,
            state,
            covariance,
            identity: Default::default(),
            class: Default::default(),
            updates: self.life.hits,
        }
    }
}

/// A state of a newly confirmed track at an earlier scan time, retrodicted from its state at
/// confirmation.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryState {
    pub track: TrackId,
    pub time: Timestamp,
    pub state: Vector6<f64>,
    pub covariance: Matrix6<f64>,
}

/// What one call of `process` or `process_sector` did.
///
/// For an input that arrived out of sequence, `updated`, `initiated`, `assignments`,
/// `gated_pairs` and `largest_cluster` describe that input itself; `confirmed`, `deleted` and
/// `history` are the net change of the whole replay (tracks confirmed, and tracks gone,
/// compared with before the call).
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    pub updated: usize,
    pub initiated: usize,
    pub confirmed: Vec<TrackId>,
    pub deleted: Vec<(TrackId, DeleteReason)>,
    pub history: Vec<HistoryState>,
    pub rejected_measurements: usize,
    /// Scans re-run because this one arrived out of sequence.
    pub reprocessed_scans: usize,
    pub gated_pairs: usize,
    pub largest_cluster: usize,
    /// (index of the measurement in the scan as passed in, before invalid ones were dropped;
    /// track it updated or started), in measurement order. JPDA: a measurement is listed for
    /// a track only when its association probability is at least 0.5.
    pub assignments: Vec<(usize, TrackId)>,
}

/// Heap bytes a tracker holds, by part (see [`Tracker::memory`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MemoryUse {
    /// Live track records and their states.
    pub records: usize,
    /// Checkpoints for out-of-sequence input (packed pre-images of changed tracks).
    pub checkpoints: usize,
    /// The local path's track index.
    pub index: usize,
    /// Scratch states of the local path (grow with the largest scan, not with tracks).
    pub scratch: usize,
    /// Inputs kept for out-of-sequence replays (grow with the report rate times the lag).
    pub replay_window: usize,
}

impl MemoryUse {
    /// Everything that grows with the number of tracks: records, checkpoints and index.
    pub fn per_track_parts(&self) -> usize {
        self.records + self.checkpoints + self.index
    }
    pub fn total(&self) -> usize {
        self.per_track_parts() + self.scratch + self.replay_window
    }
}

/// Running counters.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrackerStats {
    pub scans: u64,
    pub measurements: u64,
    pub rejected_invalid: u64,
    pub rejected_unknown_sensor: u64,
    pub rejected_too_old: u64,
    pub out_of_sequence_applied: u64,
    pub reprocessed_scans: u64,
    pub tracks_initiated: u64,
    /// Reports that would have started a track while `max_live_tracks` were held.
    pub initiations_refused: u64,
    pub tracks_confirmed: u64,
    pub tracks_deleted: u64,
    pub numerical_failures: u64,
}

type Key = (Timestamp, SensorId, u64);

/// Seconds of scan time in which the incremental sweep of the local path visits every track
/// (coasting-time and covariance-growth deletion).
const SWEEP_INTERVAL_S: f64 = 1.0;
/// Seconds after its epoch for which the track index is valid before it is rebuilt.
const INDEX_FORWARD_S: f64 = 1.0;
/// Angular margin at the edges of a swept sector within which a track counts no miss (its
/// report may have fallen into the neighbouring sector).
const SECTOR_EDGE_MARGIN_RAD: f64 = 0.25 * std::f64::consts::PI / 180.0;
/// Factor on the gate threshold in the ellipsoidal pre-gate tests (the Cartesian form of a polar
/// gate is a linearisation).
const PREGATE_SAFETY: f64 = 2.0;
/// Largest distance margin at the edges of a swept sector, m.
const SECTOR_MARGIN_CAP_M: f64 = 1000.0;
/// Removals remembered for `removed_since`.
const REMOVAL_LOG: usize = 1 << 16;

#[derive(Debug, Clone)]
struct Core<S> {
    /// In id order. On the local path deleted records stay (status `Deleted`) until the next
    /// sweep compacts them away, so slots stay put between sweeps.
    tracks: Vec<TrackRecord<S>>,
    next_id: u64,
    latest: Option<Key>,
    /// Deleted records awaiting compaction.
    dead: usize,
    last_sweep: Option<Timestamp>,
    /// Where the incremental sweep of the local path continues (by id, so compaction does not
    /// move it).
    sweep_cursor: TrackId,
}

/// A checkpoint: the tracker's scalars when it was taken and, copy-on-write, the pre-image of
/// every track changed since. Restoring applies the undo lists of it and of all newer
/// checkpoints (for each track its oldest pre-image wins).
#[derive(Debug)]
struct Checkpoint<S> {
    key: Option<Key>,
    generation: u64,
    next_id: u64,
    latest: Option<Key>,
    last_sweep: Option<Timestamp>,
    sweep_cursor: TrackId,
    undo: Vec<(TrackId, Saved<S>)>,
    /// Pools the packed pre-images point into.
    numbers: Vec<f64>,
    sensors: Vec<SensorId>,
    times: Vec<Timestamp>,
}

/// A track's pre-image in a checkpoint.
#[derive(Debug)]
enum Saved<S> {
    /// The track did not exist yet.
    Absent,
    /// Fields, with the state (`Estimate::pack`), sensors and tentative times in the pools.
    Packed(PackedRecord),
    /// A state type without a packed form.
    Cloned(Box<TrackRecord<S>>),
}

#[derive(Debug, Clone, Copy)]
struct PackedRecord {
    time: Timestamp,
    status: TrackStatus,
    life: TrackLife,
    created: Timestamp,
    last_update: Timestamp,
    changed: u64,
    saved: u64,
    state: (u32, u32),
    sensors: (u32, u32),
    times: (u32, u32),
}

impl<S: Estimate> Checkpoint<S> {
    fn pack(&mut self, r: &TrackRecord<S>) -> Saved<S> {
        let off = self.numbers.len();
        if !r.state.pack(&mut self.numbers) {
            self.numbers.truncate(off);
            return Saved::Cloned(Box::new(r.clone()));
        }
        let span = |start: usize, end: usize| (start as u32, (end - start) as u32);
        let state = span(off, self.numbers.len());
        let so = self.sensors.len();
        self.sensors.extend_from_slice(&r.sensors);
        let to = self.times.len();
        self.times.extend_from_slice(&r.tentative_times);
        Saved::Packed(PackedRecord {
            time: r.time,
            status: r.status,
            life: r.life,
            created: r.created,
            last_update: r.last_update,
            changed: r.changed,
            saved: r.saved,
            state,
            sensors: span(so, self.sensors.len()),
            times: span(to, self.times.len()),
        })
    }

    /// The record a pre-image describes (`None`: absent, or a packed state that does not
    /// unpack, which `pack` never writes).
    fn unpack(&self, id: TrackId, saved: Saved<S>) -> Option<TrackRecord<S>> {
        let p = match saved {
            Saved::Absent => return None,
            Saved::Cloned(r) => return Some(*r),
            Saved::Packed(p) => p,
        };
        let range = |(o, n): (u32, u32)| o as usize..(o + n) as usize;
        let (state, _) = S::unpack(self.numbers.get(range(p.state))?)?;
        Some(TrackRecord {
            id,
            state,
            time: p.time,
            status: p.status,
            life: p.life,
            created: p.created,
            last_update: p.last_update,
            sensors: self.sensors.get(range(p.sensors))?.to_vec(),
            tentative_times: self.times.get(range(p.times))?.to_vec(),
            changed: p.changed,
            saved: p.saved,
        })
    }

    fn heap_bytes(&self) -> usize {
        self.undo.capacity() * std::mem::size_of::<(TrackId, Saved<S>)>()
            + self.numbers.capacity() * std::mem::size_of::<f64>()
            + self.sensors.capacity() * std::mem::size_of::<SensorId>()
            + self.times.capacity() * std::mem::size_of::<Timestamp>()
            + self
                .undo
                .iter()
                .map(|(_, s)| match s {
                    Saved::Cloned(r) => {
                        std::mem::size_of::<TrackRecord<S>>() + r.state.heap_bytes()
                    }
                    _ => 0,
                })
                .sum::<usize>()
    }
}

#[derive(Debug, Clone)]
enum Input {
    Snapshot(Scan),
    Sector(SectorScan),
}

impl Input {
    fn time(&self) -> Timestamp {
        match self {
            Input::Snapshot(s) => s.time,
            Input::Sector(s) => s.time,
        }
    }
}

/// An input as kept for replays (valid measurements only): a radar scan whose reports are all
/// 3D plots of the scan's own sensor keeps only their times and numbers (56 bytes a plot
/// instead of a `Measurement`'s 216).
#[derive(Debug, Clone)]
enum Stored {
    Full(Input),
    Polar3 {
        header: Input,
        rows: Vec<(Timestamp, [f64; 6])>,
    },
    /// ... and all with the same sigmas (32 bytes a plot).
    Polar3Sigma {
        header: Input,
        sigma: [f64; 3],
        rows: Vec<(Timestamp, [f64; 3])>,
    },
}

impl Stored {
    fn new(input: Input) -> Self {
        let (sensor, ms) = match &input {
            Input::Snapshot(s) => (s.sensor, &s.measurements),
            Input::Sector(s) => (s.sensor, &s.measurements),
        };
        // Built at their exact size (a collected `Option<Vec>` grows by doubling).
        let mut rows: Vec<(Timestamp, [f64; 6])> = Vec::with_capacity(ms.len());
        let all = ms.iter().all(|m| match m.observation {
            tessera_domain::Observation::Polar3 {
                range_m,
                azimuth_rad,
                elevation_rad,
                sigma_range_m,
                sigma_azimuth_rad,
                sigma_elevation_rad,
            } if m.site == sensor => {
                rows.push((
                    m.time,
                    [
                        range_m,
                        azimuth_rad,
                        elevation_rad,
                        sigma_range_m,
                        sigma_azimuth_rad,
                        sigma_elevation_rad,
                    ],
                ));
                true
            }
            _ => false,
        });
        match all && !rows.is_empty() {
            true => {
                let mut header = input;
                match &mut header {
                    Input::Snapshot(s) => s.measurements = Vec::new(),
                    Input::Sector(s) => s.measurements = Vec::new(),
                }
                let sig = |r: &[f64; 6]| [r[3], r[4], r[5]];
                let sigma = sig(&rows[0].1);
                // Bitwise equality: the shared sigmas must give back exactly these numbers.
                let same = |a: [f64; 3]| {
                    a.iter()
                        .zip(&sigma)
                        .all(|(x, y)| x.to_bits() == y.to_bits())
                };
                if rows.iter().all(|r| same(sig(&r.1))) {
                    let mut short = Vec::with_capacity(rows.len());
                    short.extend(rows.iter().map(|(t, v)| (*t, [v[0], v[1], v[2]])));
                    Stored::Polar3Sigma {
                        header,
                        sigma,
                        rows: short,
                    }
                } else {
                    Stored::Polar3 { header, rows }
                }
            }
            _ => Stored::Full(input),
        }
    }

    fn input(&self) -> Input {
        match self {
            Stored::Full(i) => i.clone(),
            Stored::Polar3Sigma {
                header,
                sigma,
                rows,
            } => {
                let full: Vec<(Timestamp, [f64; 6])> = rows
                    .iter()
                    .map(|(t, v)| (*t, [v[0], v[1], v[2], sigma[0], sigma[1], sigma[2]]))
                    .collect();
                Stored::Polar3 {
                    header: header.clone(),
                    rows: full,
                }
                .input()
            }
            Stored::Polar3 { header, rows } => {
                let mut i = header.clone();
                let (site, ms) = match &mut i {
                    Input::Snapshot(s) => (s.sensor, &mut s.measurements),
                    Input::Sector(s) => (s.sensor, &mut s.measurements),
                };
                ms.extend(rows.iter().map(|(time, v)| Measurement {
                    time: *time,
                    site,
                    observation: tessera_domain::Observation::Polar3 {
                        range_m: v[0],
                        azimuth_rad: v[1],
                        elevation_rad: v[2],
                        sigma_range_m: v[3],
                        sigma_azimuth_rad: v[4],
                        sigma_elevation_rad: v[5],
                    },
                }));
                i
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Stored::Full(Input::Snapshot(s)) => {
                s.measurements.capacity() * std::mem::size_of::<Measurement>()
            }
            Stored::Full(Input::Sector(s)) => {
                s.measurements.capacity() * std::mem::size_of::<Measurement>()
            }
            Stored::Polar3 { rows, .. } => {
                rows.capacity() * std::mem::size_of::<(Timestamp, [f64; 6])>()
            }
            Stored::Polar3Sigma { rows, .. } => {
                rows.capacity() * std::mem::size_of::<(Timestamp, [f64; 3])>()
            }
        }
    }
}

/// An input kept for replays: its key, itself and, when some measurements were dropped, the
/// original index of each kept one.
#[derive(Debug, Clone)]
struct Pending {
    key: Key,
    input: Stored,
    kept: Option<Vec<u32>>,
}

/// The multi-sensor multi-target tracker.
pub struct Tracker<P: Predictor, U: Updater<State = P::State>> {
    predictor: P,
    updater: U,
    gate: MahalanobisGate,
    associator: Box<dyn Associator>,
    tentative_associator: GnnAssociator,
    initiator: Box<dyn Initiator>,
    deleter: Box<dyn Deleter>,
    settings: TrackerSettings,
    sensors: HashMap<SensorId, SensorSite>,
    core: Core<P::State>,
    checkpoints: VecDeque<Checkpoint<P::State>>,
    generations: u64,
    pending: VecDeque<Pending>,
    seq: u64,
    stats: TrackerStats,
    pregate: PreGate,
    index: TrackIndex,
    /// Scan time the local path files index entries for.
    index_now: Timestamp,
    scratch: Vec<P::State>,
    /// A state whose storage the next prediction or update writes into.
    spare: Option<Box<P::State>>,
    /// Reused buffers of the local path (candidate pairs, index answers, touched tracks).
    buf_cand: Vec<(u32, u32)>,
    buf_near: Vec<u32>,
    buf_touched: Vec<(u32, Touch, Timestamp)>,
    /// Per-slot marks that deduplicate index answers without sorting them.
    seen: Vec<u32>,
    seen_mark: u32,
    /// Inputs processed so far, replays included; never goes back.
    version: u64,
    removed: VecDeque<(u64, TrackId)>,
    removed_floor: u64,
    /// Test hook: check the local pre-gate against brute force (see `verify_local_gating`).
    verify_local: bool,
    local_gate_misses: u64,
}

/// What the life bookkeeping needs besides the record.
struct LifeCtx<'a, P> {
    predictor: &'a P,
    initiator: &'a dyn Initiator,
    deleter: &'a dyn Deleter,
    ln_miss: f64,
    version: u64,
}

impl<P: Predictor, U: Updater<State = P::State>> Tracker<P, U> {
    pub fn new(
        predictor: P,
        updater: U,
        associator: Box<dyn Associator>,
        initiator: Box<dyn Initiator>,
        deleter: Box<dyn Deleter>,
        settings: TrackerSettings,
    ) -> Result<Self, TrackError> {
        let s = &settings;
        let ok = |v: f64| v.is_finite();
        if !(ok(s.gate_probability) && s.gate_probability > 0.0 && s.gate_probability < 1.0) {
            return Err(TrackError::Config(
                "gate_probability must be in (0, 1)".into(),
            ));
        }
        if !(ok(s.detection_probability)
            && s.detection_probability > 0.0
            && s.detection_probability < 1.0)
        {
            return Err(TrackError::Config(
                "detection_probability must be in (0, 1)".into(),
            ));
        }
        if !(ok(s.clutter_density_per_m3) && s.clutter_density_per_m3 > 0.0) {
            return Err(TrackError::Config(
                "clutter_density_per_m3 must be positive".into(),
            ));
        }
        if !(ok(s.out_of_sequence_lag_s) && s.out_of_sequence_lag_s >= 0.0) {
            return Err(TrackError::Config(
                "out_of_sequence_lag_s must be non-negative".into(),
            ));
        }
        if s.max_live_tracks == 0 {
            return Err(TrackError::Config(
                "max_live_tracks must be at least 1".into(),
            ));
        }
        if !(ok(s.vertical_extent_m) && s.vertical_extent_m > 0.0) {
            return Err(TrackError::Config(
                "vertical_extent_m must be positive".into(),
            ));
        }
        if !(ok(s.max_sector_window_s)
            && s.max_sector_window_s >= 0.0
            && s.max_sector_window_s <= 60.0)
        {
            return Err(TrackError::Config(
                "max_sector_window_s must be in [0, 60]".into(),
            ));
        }
        Ok(Self {
            predictor,
            updater,
            gate: MahalanobisGate::new(settings.gate_probability),
            associator,
            tentative_associator: GnnAssociator::default(),
            initiator,
            deleter,
            settings,
            sensors: HashMap::new(),
            core: Core {
                tracks: Vec::new(),
                next_id: 1,
                latest: None,
                dead: 0,
                last_sweep: None,
                sweep_cursor: TrackId(0),
            },
            checkpoints: VecDeque::new(),
            generations: 0,
            pending: VecDeque::new(),
            seq: 0,
            stats: TrackerStats::default(),
            pregate: PreGate::default(),
            index: TrackIndex::default(),
            index_now: Timestamp::default(),
            scratch: Vec::new(),
            spare: None,
            buf_cand: Vec::new(),
            buf_near: Vec::new(),
            buf_touched: Vec::new(),
            seen: Vec::new(),
            seen_mark: 0,
            version: 0,
            removed: VecDeque::new(),
            removed_floor: 0,
            verify_local: false,
            local_gate_misses: 0,
        })
    }

    /// Registers a sensor. Once any sensor is registered, scans from unregistered sensors are
    /// refused.
    pub fn register_sensor(&mut self, site: SensorSite) {
        self.sensors.insert(site.id, site);
    }

    pub fn stats(&self) -> &TrackerStats {
        &self.stats
    }

    pub fn settings(&self) -> &TrackerSettings {
        &self.settings
    }

    /// All live tracks (tentative ones included), in id order.
    pub fn tracks(&self) -> impl Iterator<Item = &TrackRecord<P::State>> {
        self.core
            .tracks
            .iter()
            .filter(|t| t.status != TrackStatus::Deleted)
    }

    /// Number of live tracks.
    pub fn live_tracks(&self) -> usize {
        self.core.tracks.len() - self.core.dead
    }

    /// Confirmed and coasting tracks, each at its own time.
    pub fn confirmed(&self) -> impl Iterator<Item = &TrackRecord<P::State>> {
        self.core.tracks.iter().filter(|t| t.is_confirmed())
    }

    /// Time of the latest processed scan.
    pub fn latest_time(&self) -> Option<Timestamp> {
        self.core.latest.map(|k| k.0)
    }

    /// The tracker's version: the number of inputs processed so far, replayed ones included.
    /// It never goes back, so a picture that remembers it can ask what changed since.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Live tracks whose state or status changed after `version` (one comparison per track).
    /// After an out-of-sequence replay every live track counts as changed.
    pub fn tracks_changed_since(
        &self,
        version: u64,
    ) -> impl Iterator<Item = &TrackRecord<P::State>> {
        self.tracks().filter(move |t| t.changed > version)
    }

    /// Confirmed tracks that ended (or, after a replay, are no longer the same confirmed
    /// track) after `version`, sorted by id; `None` when `version` is older than the removals
    /// remembered (the last 65,536) — take a whole picture then.
    pub fn removed_since(&self, version: u64) -> Option<Vec<TrackId>> {
        if version < self.removed_floor {
            return None;
        }
        let mut v: Vec<TrackId> = self
            .removed
            .iter()
            .filter(|(ver, _)| *ver > version)
            .map(|(_, id)| *id)
            .collect();
        v.sort_unstable();
        v.dedup();
        Some(v)
    }

    /// Approximate heap bytes the tracker holds, by part (sizes and capacities of its
    /// vectors; allocator overheads not included).
    pub fn memory(&self) -> MemoryUse {
        let core = &self.core;
        MemoryUse {
            records: core.tracks.capacity() * std::mem::size_of::<TrackRecord<P::State>>()
                + core
                    .tracks
                    .iter()
                    .map(|t| {
                        t.state.heap_bytes()
                            + t.sensors.capacity() * std::mem::size_of::<SensorId>()
                            + t.tentative_times.capacity() * std::mem::size_of::<Timestamp>()
                    })
                    .sum::<usize>(),
            checkpoints: self.checkpoints.iter().map(|c| c.heap_bytes()).sum(),
            index: self.index.heap_bytes() + self.seen.capacity() * 4,
            scratch: self.scratch.capacity() * std::mem::size_of::<P::State>()
                + self.scratch.iter().map(|s| s.heap_bytes()).sum::<usize>(),
            replay_window: self
                .pending
                .iter()
                .map(|p| {
                    std::mem::size_of::<Pending>()
                        + p.input.heap_bytes()
                        + p.kept.as_ref().map_or(0, |k| k.capacity() * 4)
                })
                .sum(),
        }
    }

    /// Testing aid: with `on`, every sector scan also predicts every live track to every
    /// report's time and gates it (brute force), and counts the gated pairs the local
    /// pre-gate did not find ([`Tracker::local_gating_misses`]). Slow; results unchanged.
    #[doc(hidden)]
    pub fn verify_local_gating(&mut self, on: bool) {
        self.verify_local = on;
    }

    /// Gated pairs brute force found and the local pre-gate missed (see
    /// `verify_local_gating`).
    #[doc(hidden)]
    pub fn local_gating_misses(&self) -> u64 {
        self.local_gate_misses
    }

    fn check_sensor(&mut self, id: SensorId) -> Result<(), TrackError> {
        if !self.sensors.is_empty() && !self.sensors.contains_key(&id) {
            self.stats.rejected_unknown_sensor += 1;
            return Err(TrackError::UnknownSensor(id));
        }
        Ok(())
    }

    /// Processes one scan (the snapshot path: every track is predicted to the scan time).
    pub fn process(&mut self, mut scan: Scan) -> Result<ScanReport, TrackError> {
        self.check_sensor(scan.sensor.id)?;
        let before = scan.measurements.len();
        let t = scan.time;
        let kept = retain_indexed(&mut scan.measurements, |m| {
            m.validate().is_ok() && m.time == t
        });
        let rejected = before - scan.measurements.len();
        self.submit(Input::Snapshot(scan), kept, rejected)
    }

    /// Processes one sector scan (the local path: only the tracks its reports can reach are
    /// predicted, each to its report's time; misses count only inside `coverage`). Reports
    /// that are invalid, later than `scan.time` or older than `scan.time −
    /// max_sector_window_s` are dropped and counted; an invalid coverage refuses the scan.
    pub fn process_sector(&mut self, mut scan: SectorScan) -> Result<ScanReport, TrackError> {
        self.check_sensor(scan.sensor.id)?;
        let latest = scan.time;
        let earliest = latest - crate::dur(self.settings.max_sector_window_s);
        if let Some(c) = &scan.coverage {
            c.validate(latest, earliest)?;
        }
        let before = scan.measurements.len();
        let kept = retain_indexed(&mut scan.measurements, |m| {
            m.validate().is_ok() && m.time <= latest && m.time >= earliest
        });
        let rejected = before - scan.measurements.len();
        self.submit(Input::Sector(scan), kept, rejected)
    }

    fn submit(
        &mut self,
        input: Input,
        kept: Option<Vec<u32>>,
        rejected: usize,
    ) -> Result<ScanReport, TrackError> {
        let (time, sensor, n) = match &input {
            Input::Snapshot(s) => (s.time, s.sensor.id, s.measurements.len()),
            Input::Sector(s) => (s.time, s.sensor.id, s.measurements.len()),
        };
        self.stats.rejected_invalid += rejected as u64;
        self.stats.measurements += n as u64;
        self.seq += 1;
        let key: Key = (time, sensor, self.seq);
        let lag = crate::dur(self.settings.out_of_sequence_lag_s);
        let mut report = match self.core.latest {
            Some(latest) if key < latest => {
                if time < latest.0 - lag || self.settings.out_of_sequence_lag_s == 0.0 {
                    self.stats.rejected_too_old += 1;
                    return Err(TrackError::TooOld {
                        time,
                        latest: latest.0,
                    });
                }
                self.stats.out_of_sequence_applied += 1;
                self.replay_with(key, input, kept)?
            }
            _ => {
                self.maybe_checkpoint(time);
                let report = self.run(key, &input, kept.as_deref());
                if self.settings.out_of_sequence_lag_s > 0.0 {
                    self.pending.push_back(Pending {
                        key,
                        input: Stored::new(input),
                        kept,
                    });
                }
                self.prune();
                report
            }
        };
        report.rejected_measurements = rejected;
        self.stats.scans += 1;
        Ok(report)
    }

    fn run(&mut self, key: Key, input: &Input, kept: Option<&[u32]>) -> ScanReport {
        self.version += 1;
        match input {
            Input::Snapshot(s) => self.process_in_order(key, s, kept),
            Input::Sector(s) => self.process_sector_in_order(key, s, kept),
        }
    }

    fn checkpoint_due(&self, now: Timestamp) -> bool {
        if self.settings.out_of_sequence_lag_s == 0.0 {
            return false;
        }
        // One checkpoint per lag: at most two are kept (the newest before the horizon and the
        // one filling now), and a late input replays at most two lags of inputs.
        let interval = crate::dur(self.settings.out_of_sequence_lag_s);
        match self.checkpoints.back() {
            None => true,
            // Strictly later, so that the checkpoint before it can go at once (see
            // `maybe_checkpoint`).
            Some(Checkpoint { key: Some(k), .. }) => now - k.0 > interval,
            // The initial (empty) checkpoint: due an interval after the first input. (Comparing
            // with the latest input, as before, never came due for inputs less than the
            // interval apart, so every input was kept and a late one replayed all history.)
            Some(Checkpoint { key: None, .. }) => self
                .pending
                .front()
                .is_some_and(|p| now - p.key.0 >= interval),
        }
    }

    /// Takes a checkpoint (O(1): tracks are copied when they first change).
    fn checkpoint(&mut self) {
        self.generations += 1;
        // Size the pools like the last complete checkpoint's (no doubling slack).
        let (u, n, s, t) = self.checkpoints.back().map_or((0, 0, 0, 0), |c| {
            (
                c.undo.len(),
                c.numbers.len(),
                c.sensors.len(),
                c.times.len(),
            )
        });
        let grow = |x: usize| x + x / 16;
        self.checkpoints.push_back(Checkpoint {
            key: self.core.latest,
            generation: self.generations,
            next_id: self.core.next_id,
            latest: self.core.latest,
            last_sweep: self.core.last_sweep,
            sweep_cursor: self.core.sweep_cursor,
            undo: Vec::with_capacity(grow(u)),
            numbers: Vec::with_capacity(grow(n)),
            sensors: Vec::with_capacity(grow(s)),
            times: Vec::with_capacity(grow(t)),
        });
    }

    fn maybe_checkpoint(&mut self, now: Timestamp) {
        if self.checkpoint_due(now) {
            // Inputs after this one are admissible from `now` − lag on: drop what they cannot
            // need before taking the new checkpoint, so at most two exist at any time.
            self.prune_for(now);
            self.checkpoint();
        }
    }

    /// Records the pre-image of a track about to change, once per checkpoint.
    fn save(&mut self, slot: usize) {
        let Some(c) = self.checkpoints.back_mut() else {
            return;
        };
        let rec = &mut self.core.tracks[slot];
        if rec.saved != c.generation {
            let saved = c.pack(rec);
            c.undo.push((rec.id, saved));
            rec.saved = c.generation;
        }
    }

    /// Returns the tracker to checkpoint `idx` (which stays, emptied, as the newest).
    fn restore(&mut self, idx: usize) {
        let mut pre: Vec<(TrackId, Option<TrackRecord<P::State>>)> = Vec::new();
        // Oldest first: for each id the first (oldest) pre-image wins.
        for c in self.checkpoints.iter_mut().skip(idx) {
            let undo = std::mem::take(&mut c.undo);
            pre.extend(undo.into_iter().map(|(id, s)| (id, c.unpack(id, s))));
            c.numbers.clear();
            c.sensors.clear();
            c.times.clear();
        }
        pre.sort_by_key(|e| e.0);
        pre.dedup_by_key(|e| e.0);
        let mut tracks: Vec<TrackRecord<P::State>> = std::mem::take(&mut self.core.tracks)
            .into_iter()
            .filter(|r| pre.binary_search_by_key(&r.id, |e| e.0).is_err())
            .collect();
        tracks.extend(pre.into_iter().filter_map(|e| e.1));
        tracks.retain(|r| r.status != TrackStatus::Deleted);
        tracks.sort_by_key(|r| r.id);
        let c = &self.checkpoints[idx];
        self.core = Core {
            tracks,
            next_id: c.next_id,
            latest: c.latest,
            dead: 0,
            last_sweep: c.last_sweep,
            sweep_cursor: c.sweep_cursor,
        };
        self.checkpoints.truncate(idx + 1);
        self.index.valid = false;
    }

    /// Drops checkpoints and pending scans no admissible late scan can need.
    fn prune(&mut self) {
        if let Some(latest) = self.core.latest {
            self.prune_for(latest.0);
        }
    }

    /// `prune` for inputs admissible from `latest` − lag on.
    fn prune_for(&mut self, latest: Timestamp) {
        let horizon = latest - crate::dur(self.settings.out_of_sequence_lag_s);
        // Keep the newest checkpoint covering strictly before the horizon, and all after it.
        while self.checkpoints.len() >= 2 {
            let second = self.checkpoints[1].key;
            if second.is_some_and(|k| k.0 < horizon) {
                self.checkpoints.pop_front();
            } else {
                break;
            }
        }
        let floor = self.checkpoints.front().and_then(|c| c.key);
        if let Some(floor) = floor {
            while self.pending.front().is_some_and(|p| p.key <= floor) {
                self.pending.pop_front();
            }
        }
    }

    fn log_removal(&mut self, id: TrackId) {
        self.removed.push_back((self.version, id));
        while self.removed.len() > REMOVAL_LOG {
            if let Some((v, _)) = self.removed.pop_front() {
                self.removed_floor = self.removed_floor.max(v);
            }
        }
    }

    /// Restores the newest checkpoint before the late input, then replays every later input
    /// with the late one inserted in order.
    fn replay_with(
        &mut self,
        key: Key,
        input: Input,
        kept_indices: Option<Vec<u32>>,
    ) -> Result<ScanReport, TrackError> {
        let idx = self
            .checkpoints
            .iter()
            .rposition(|c| c.key.is_none_or(|k| k < key))
            .ok_or(TrackError::TooOld {
                time: input.time(),
                latest: self.core.latest.map_or(input.time(), |k| k.0),
            })?;
        let late = Pending {
            key,
            input: Stored::new(input),
            kept: kept_indices,
        };
        let before: Vec<(TrackId, bool)> =
            self.tracks().map(|t| (t.id, t.is_confirmed())).collect();
        let from = self.checkpoints[idx].key;
        self.restore(idx);
        let mut later: Vec<Pending> = Vec::new();
        let mut kept = VecDeque::new();
        for p in self.pending.drain(..) {
            if from.is_none_or(|f| p.key > f) {
                later.push(p);
            } else {
                kept.push_back(p);
            }
        }
        self.pending = kept;
        later.push(late);
        later.sort_by_key(|p| p.key);
        let n = later.len();
        let mut own = ScanReport::default();
        let mut deleted: Vec<(TrackId, DeleteReason)> = Vec::new();
        let mut history: Vec<HistoryState> = Vec::new();
        for p in later {
            let k = p.key;
            self.maybe_checkpoint(k.0);
            let input = p.input.input();
            let mut r = self.run(k, &input, p.kept.as_deref());
            deleted.append(&mut r.deleted);
            history.append(&mut r.history);
            if k == key {
                own = r;
            }
            self.pending.push_back(p);
        }
        self.prune();
        // Net change against before the call; every live track counts as changed.
        let version = self.version;
        for t in self.core.tracks.iter_mut() {
            t.changed = version;
        }
        let after: Vec<(TrackId, bool)> = self.tracks().map(|t| (t.id, t.is_confirmed())).collect();
        let find = |v: &[(TrackId, bool)], id: TrackId| {
            v.binary_search_by_key(&id, |e| e.0).ok().map(|i| v[i].1)
        };
        own.deleted = before
            .iter()
            .filter(|(id, _)| find(&after, *id).is_none())
            .map(|(id, _)| {
                let reason = deleted
                    .iter()
                    .rev()
                    .find(|d| d.0 == *id)
                    .map_or(DeleteReason::Superseded, |d| d.1);
                (*id, reason)
            })
            .collect();
        own.confirmed = after
            .iter()
            .filter(|(id, c)| *c && find(&before, *id) != Some(true))
            .map(|(id, _)| *id)
            .collect();
        own.history = history
            .into_iter()
            .filter(|h| own.confirmed.binary_search(&h.track).is_ok())
            .collect();
        for (id, was_confirmed) in &before {
            if *was_confirmed && find(&after, *id) != Some(true) {
                self.log_removal(*id);
            }
        }
        own.reprocessed_scans = n - 1;
        self.stats.reprocessed_scans += (n - 1) as u64;
        Ok(own)
    }

    /// Removes deleted records (slots change: the index must be rebuilt).
    fn compact(&mut self) {
        if self.core.dead == 0 {
            return;
        }
        self.core
            .tracks
            .retain(|t| t.status != TrackStatus::Deleted);
        self.core.dead = 0;
        self.index.valid = false;
    }

    fn process_in_order(&mut self, key: Key, scan: &Scan, kept: Option<&[u32]>) -> ScanReport {
        self.compact();
        self.index.valid = false;
        // Every track is predicted, so every track changes.
        for slot in 0..self.core.tracks.len() {
            self.save(slot);
        }
        let version = self.version;
        let orig = |j: usize| kept.map_or(j, |k| k[j] as usize);
        let mut report = ScanReport::default();
        let t = scan.time;
        let pd = self.settings.detection_probability;
        let initiator = self.initiator.as_ref();

        // 1. Predict every track to the scan time (into a spare state swapped in: the same
        //    numbers as predicting in place, without its staging copies).
        let mut failed: Vec<usize> = Vec::new();
        let mut spare = self.spare.take();
        for (i, rec) in self.core.tracks.iter_mut().enumerate() {
            let dt = t.seconds_since(rec.time);
            let tmp = spare.get_or_insert_with(|| Box::new(rec.state.clone()));
            match self.predictor.predict_into(&rec.state, tmp, dt) {
                Ok(()) => {
                    std::mem::swap(&mut rec.state, &mut **tmp);
                    rec.time = t;
                }
                Err(_) => failed.push(i),
            }
            rec.changed = version;
        }

        // 2. Measurement models and the spatial pre-gate.
        let models: Vec<AnyModel> = scan.measurements.iter().map(AnyModel::of).collect();
        let converted: Vec<(Vector3<f64>, f64)> = models
            .iter()
            .map(|m| {
                let (p, c) = initiator.initial_kinematics(m);
                let pos = Vector3::new(p[0], p[2], p[4]);
                (pos, c[(0, 0)] + c[(2, 2)] + c[(4, 4)])
            })
            .collect();
        let max_meas_var = converted.iter().map(|c| c.1).fold(0.0, f64::max);
        let g_max = self.gate.threshold(3);
        // Cells sized by the typical report accuracy; queries use the worst one, and each
        // candidate is then screened with its own accuracy before any innovation is computed.
        let mut vars: Vec<f64> = converted.iter().map(|c| c.1).collect();
        let typical_var = if vars.is_empty() {
            0.0
        } else {
            let mid = vars.len() / 2;
            *vars.select_nth_unstable_by(mid, f64::total_cmp).1
        };
        self.pregate.rebuild(
            converted.iter().map(|c| c.0),
            (g_max * typical_var).sqrt().max(1000.0),
        );

        // Clutter density in each report's own measurement space.
        let lambda: Vec<f64> = models
            .iter()
            .map(|m| {
                self.settings.clutter_density_per_m3
                    * volume_element(m, self.settings.vertical_extent_m)
            })
            .collect();
        let ln_pd_ratio = pd.ln() - (1.0 - pd).ln();

        // 3. Gate.
        let mut confirmed_pairs: Vec<GatedPair> = Vec::new();
        let mut tentative_pairs: Vec<GatedPair> = Vec::new();
        let mut candidates: Vec<usize> = Vec::new();
        for (i, rec) in self.core.tracks.iter().enumerate() {
            if failed.contains(&i) {
                continue;
            }
            let track_var = rec.state.position_cov().trace();
            let radius = (g_max * (track_var + max_meas_var)).sqrt();
            let pos = rec.state.position();
            let confirmed = rec.is_confirmed();
            candidates.clear();
            self.pregate.within(&pos, radius, |j| candidates.push(j));
            candidates.sort_unstable();
            for &j in &candidates {
                // Necessary condition for the Mahalanobis gate: eᵀS⁻¹e ≥ |e|²/trace(S), with
                // S ≈ P + R in Cartesian terms.
                let (p_j, var_j) = converted[j];
                if (p_j - pos).norm_squared() > g_max * (track_var + var_j) {
                    continue;
                }
                let Ok(inn) = self.updater.innovate(&rec.state, &models[j]) else {
                    continue;
                };
                if !self.gate.accepts(&inn) {
                    continue;
                }
                let llr = ln_pd_ratio + inn.log_likelihood() - lambda[j].ln();
                let pair = GatedPair {
                    track: i,
                    measurement: j,
                    innovation: inn,
                    log_likelihood_ratio: llr,
                };
                if confirmed {
                    confirmed_pairs.push(pair);
                } else {
                    tentative_pairs.push(pair);
                }
            }
        }
        report.gated_pairs = confirmed_pairs.len() + tentative_pairs.len();

        // 4. Associate confirmed tracks, then tentative ones with what is left.
        let n_tracks = self.core.tracks.len();
        let n_meas = models.len();
        let outcome = self
            .associator
            .associate(n_tracks, n_meas, &confirmed_pairs, pd);
        report.largest_cluster = outcome.largest_cluster;
        let mut claim = outcome.measurement_claim.clone();
        tentative_pairs.retain(|p| claim[p.measurement] < self.settings.claim_threshold);
        let tentative_outcome =
            self.tentative_associator
                .associate(n_tracks, n_meas, &tentative_pairs, pd);
        for (c, tc) in claim.iter_mut().zip(&tentative_outcome.measurement_claim) {
            *c = (*c + tc).min(1.0);
        }

        // 5. Update.
        let mut hit = vec![false; n_tracks];
        let mut hit_llr = vec![0.0; n_tracks];
        for (assoc, pairs) in [
            (&outcome.tracks, &confirmed_pairs),
            (&tentative_outcome.tracks, &tentative_pairs),
        ] {
            for (i, a) in assoc.iter().enumerate() {
                let rec = &mut self.core.tracks[i];
                let (result, listed) = match a {
                    TrackAssociation::Missed => continue,
                    TrackAssociation::Single(k) => {
                        let p = &pairs[*k];
                        hit_llr[i] = p.log_likelihood_ratio;
                        let tmp = spare.get_or_insert_with(|| Box::new(rec.state.clone()));
                        let r = self.updater.update_into(
                            &rec.state,
                            tmp,
                            &models[p.measurement],
                            &p.innovation,
                        );
                        if r.is_ok() {
                            std::mem::swap(&mut rec.state, &mut **tmp);
                        }
                        (r, Some(p.measurement))
                    }
                    TrackAssociation::Weighted { pairs: list, miss } => {
                        let hyps: Vec<(&AnyModel, &Innovation)> = list
                            .iter()
                            .map(|(k, _)| (&models[pairs[*k].measurement], &pairs[*k].innovation))
                            .collect();
                        let w: Vec<f64> = list.iter().map(|(_, b)| *b).collect();
                        hit_llr[i] = list
                            .iter()
                            .map(|(k, b)| b * pairs[*k].log_likelihood_ratio)
                            .sum::<f64>();
                        if *miss > 0.5 {
                            continue;
                        }
                        (
                            self.updater
                                .update_weighted(&rec.state, &hyps, &w, *miss)
                                .map(|s| rec.state = s),
                            list.iter()
                                .find(|(_, b)| *b >= 0.5)
                                .map(|(k, _)| pairs[*k].measurement),
                        )
                    }
                };
                match result {
                    Ok(()) => {
                        hit[i] = true;
                        if let Some(j) = listed {
                            report.assignments.push((orig(j), rec.id));
                        }
                    }
                    Err(_) => self.stats.numerical_failures += 1,
                }
            }
        }

        self.spare = spare;

        // 6. Life bookkeeping, confirmation and deletion.
        let counts_misses = scan.full_scan && scan.sensor.kind != SensorKind::PositionReport;
        let ctx = LifeCtx {
            predictor: &self.predictor,
            initiator,
            deleter: self.deleter.as_ref(),
            ln_miss: (1.0 - pd).ln(),
            version,
        };
        let mut remove = vec![false; n_tracks];
        for &i in &failed {
            remove[i] = true;
            self.stats.numerical_failures += 1;
            report
                .deleted
                .push((self.core.tracks[i].id, DeleteReason::NumericalFailure));
        }
        let mut removed_confirmed: Vec<TrackId> = Vec::new();
        for i in 0..n_tracks {
            if remove[i] {
                continue;
            }
            let rec = &mut self.core.tracks[i];
            let was_confirmed = rec.is_confirmed();
            let touch = if hit[i] {
                Touch::Hit(hit_llr[i])
            } else if counts_misses {
                Touch::Miss
            } else {
                Touch::Nothing
            };
            if life_step(
                &ctx,
                rec,
                touch,
                t,
                scan.sensor.id,
                None,
                &mut report,
                &mut self.stats,
            ) {
                remove[i] = true;
                if was_confirmed {
                    removed_confirmed.push(rec.id);
                }
            }
        }
        for &i in &failed {
            if self.core.tracks[i].is_confirmed() {
                removed_confirmed.push(self.core.tracks[i].id);
            }
        }
        self.stats.tracks_deleted += report
            .deleted
            .iter()
            .filter(|d| d.1 != DeleteReason::TentativeDropped)
            .count() as u64;
        let mut k = 0;
        self.core.tracks.retain(|_| {
            let keep = !remove[k];
            k += 1;
            keep
        });
        for id in removed_confirmed {
            self.log_removal(id);
        }

        // 7. New tentative tracks from unclaimed reports.
        for (j, m) in models.iter().enumerate() {
            if claim[j] >= self.settings.claim_threshold {
                continue;
            }
            if self.live_tracks() >= self.settings.max_live_tracks {
                self.stats.initiations_refused += 1;
                continue;
            }
            let id = self.new_track(m, t, scan.sensor.id);
            report.assignments.push((orig(j), id));
            report.initiated += 1;
        }
        report.assignments.sort_unstable();
        self.core.latest = Some(key);
        report
    }

    /// Starts a tentative track from one report (pushed at the end: ids stay in order).
    fn new_track(&mut self, m: &AnyModel, t: Timestamp, sensor: SensorId) -> TrackId {
        let initiator = self.initiator.as_ref();
        let (mean, cov) = initiator.initial_kinematics(m);
        let state = self.predictor.initial_state(&mean, &cov);
        let id = TrackId(self.core.next_id);
        self.core.next_id += 1;
        // Grow by an eighth, not by doubling: records are the biggest part of the picture.
        let tracks = &mut self.core.tracks;
        if tracks.len() == tracks.capacity() {
            tracks.reserve_exact(tracks.len() / 8 + 16);
        }
        self.core.tracks.push(TrackRecord {
            id,
            state,
            time: t,
            status: TrackStatus::Tentative,
            life: TrackLife {
                status: Some(TrackStatus::Tentative),
                hits: 1,
                opportunities: 1,
                consecutive_misses: 0,
                history: 1,
                score: initiator.initial_score(),
                since_update_s: 0.0,
            },
            created: t,
            last_update: t,
            sensors: vec![sensor],
            tentative_times: vec![t],
            changed: self.version,
            saved: 0,
        });
        if let Some(c) = self.checkpoints.back_mut() {
            c.undo.push((id, Saved::Absent));
            if let Some(r) = self.core.tracks.last_mut() {
                r.saved = c.generation;
            }
        }
        self.stats.tracks_initiated += 1;
        id
    }

    // -----------------------------------------------------------------------------------------
    // The local path

    fn sigma_bound(&self, env: &Envelope, dt: f64) -> f64 {
        sigma_bound(&self.predictor, env, dt)
    }

    /// Radius of the disc under which the index files a track for `epoch` (module `index`).
    fn index_radius(&self, env: &Envelope, time: Timestamp, epoch: Timestamp) -> f64 {
        let sg = self.gate.threshold(3).sqrt();
        let speed = env.velocity.norm();
        [-self.index.back_s, self.index.fwd_s]
            .iter()
            .map(|&off| {
                let dt = epoch.seconds_since(time) + off;
                sg * self.sigma_bound(env, dt)
                    + 0.5 * env.acceleration * dt * dt
                    + speed * off.abs()
            })
            .fold(0.0, f64::max)
    }

    /// Files (or re-files) one track for the current scan time.
    fn index_track(&mut self, slot: usize) {
        let rec = &self.core.tracks[slot];
        if rec.status == TrackStatus::Deleted {
            self.index.remove(slot as u32);
            return;
        }
        let env = rec.state.envelope();
        let rho = self.index_radius(&env, rec.time, self.index_now);
        self.index
            .insert(slot as u32, env, rec.time, rho, self.index_now);
    }

    /// Makes the index valid for queries at `t` and up to `max_sector_window_s` before: files
    /// again the tracks whose interval ran out, or rebuilds it when it is invalid (after a
    /// snapshot scan or a replay) or its cells were sized for a very different number of
    /// tracks.
    fn ensure_index(&mut self, t: Timestamp) {
        self.index_now = t;
        let live = self.live_tracks();
        let built = self.index.built_for.max(64);
        if self.index.valid && live <= 4 * built && 4 * live >= built {
            let mut expired = Vec::new();
            self.index.expired(t, &mut expired);
            for slot in expired {
                self.index_track(slot as usize);
            }
            return;
        }
        let back = self.settings.max_sector_window_s;
        let envs: Vec<Option<Envelope>> = self
            .core
            .tracks
            .iter()
            .map(|r| (r.status != TrackStatus::Deleted).then(|| r.state.envelope()))
            .collect();
        self.index
            .reset(back, INDEX_FORWARD_S, 1e4, self.core.tracks.len());
        let mut radii: Vec<f64> = Vec::with_capacity(envs.len());
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for (r, e) in self.core.tracks.iter().zip(&envs) {
            if let Some(e) = e {
                radii.push(self.index_radius(e, r.time, t));
                lo = [lo[0].min(e.position.x), lo[1].min(e.position.y)];
                hi = [hi[0].max(e.position.x), hi[1].max(e.position.y)];
            }
        }
        // Cells of about one track each at the mean density, but no smaller than a typical
        // disc and no larger than a few.
        let cell = if radii.is_empty() {
            1e4
        } else {
            let mid = radii.len() / 2;
            let median = *radii.select_nth_unstable_by(mid, f64::total_cmp).1;
            let area = ((hi[0] - lo[0]) * (hi[1] - lo[1])).max(0.0);
            let density_cell = (area / radii.len() as f64).sqrt();
            let cell = density_cell.min(8.0 * median).max(2.0 * median).max(500.0);
            if cell.is_finite() { cell } else { 1e4 }
        };
        self.index
            .reset(back, INDEX_FORWARD_S, cell, self.core.tracks.len());
        self.index.built_for = live;
        for (slot, e) in envs.into_iter().enumerate() {
            if let Some(e) = e {
                let time = self.core.tracks[slot].time;
                let rho = self.index_radius(&e, time, t);
                self.index.insert(slot as u32, e, time, rho, t);
            }
        }
    }

    /// Removes deleted records on the local path, moving the index entries with their tracks
    /// instead of rebuilding the index.
    fn compact_local(&mut self) {
        if self.core.dead == 0 {
            return;
        }
        let mut map = Vec::with_capacity(self.core.tracks.len());
        let mut next = 0u32;
        for r in &self.core.tracks {
            if r.status == TrackStatus::Deleted {
                map.push(u32::MAX);
            } else {
                map.push(next);
                next += 1;
            }
        }
        self.core
            .tracks
            .retain(|t| t.status != TrackStatus::Deleted);
        let n = self.core.tracks.len();
        if self.core.tracks.capacity() > n + n / 4 + 64 {
            self.core.tracks.shrink_to(n + n / 8 + 16);
        }
        self.core.dead = 0;
        if self.index.valid {
            self.index.remap(&map);
        }
    }

    /// The incremental sweep of the local path: every track once per `SWEEP_INTERVAL_S` of
    /// scan time, a share of them per scan (in id order from a cursor). Deletes tracks that
    /// coasted too long or whose (bounded) covariance grew too much, and drops tentative
    /// tracks nothing updated for as long.
    fn sweep(&mut self, t: Timestamp, report: &mut ScanReport) {
        let Some(last) = self.core.last_sweep else {
            self.core.last_sweep = Some(t);
            return;
        };
        let elapsed = t.seconds_since(last);
        if elapsed <= 0.0 {
            return;
        }
        self.core.last_sweep = Some(t);
        let live = self.live_tracks();
        let quota = ((live as f64 * elapsed / SWEEP_INTERVAL_S).ceil() as usize).min(live);
        let n = self.core.tracks.len();
        let cursor = self.core.sweep_cursor;
        let mut slot = self.core.tracks.partition_point(|r| r.id < cursor);
        let (mut done, mut visited) = (0, 0);
        let mut removed_confirmed = Vec::new();
        while done < quota && visited < n {
            if slot >= n {
                slot = 0;
            }
            visited += 1;
            let rec = &self.core.tracks[slot];
            slot += 1;
            if rec.status == TrackStatus::Deleted {
                continue;
            }
            done += 1;
            let env = rec.state.envelope();
            let sb = self.sigma_bound(&env, t.seconds_since(rec.time));
            let cov = Matrix3::identity() * (sb * sb / 3.0);
            let mut life = rec.life;
            life.since_update_s = t.seconds_since(rec.last_update);
            let reason = match self.deleter.should_delete(&life, &cov) {
                Some(r) if rec.is_confirmed() => Some(r),
                Some(DeleteReason::MissedUpdates) | None => None,
                Some(_) => Some(DeleteReason::TentativeDropped),
            };
            if let Some(reason) = reason {
                self.save(slot - 1);
                let rec = &mut self.core.tracks[slot - 1];
                if rec.is_confirmed() {
                    removed_confirmed.push(rec.id);
                    self.stats.tracks_deleted += 1;
                }
                report.deleted.push((rec.id, reason));
                rec.life = life;
                rec.status = TrackStatus::Deleted;
                rec.changed = self.version;
                self.core.dead += 1;
                self.index.remove((slot - 1) as u32);
            }
        }
        self.core.sweep_cursor = self.core.tracks.get(slot).map_or(TrackId(0), |r| r.id);
        for id in removed_confirmed {
            self.log_removal(id);
        }
    }

    /// When the beam crossed a track inside the swept coverage, if it did, and how long the
    /// beam takes over the track's edge margin.
    ///
    /// Near the edge between two sectors a track's report may fall on either side. Each
    /// sector therefore claims the crossings from one margin before its start to one margin
    /// before its end (so consecutive sectors of a radar still share every azimuth out between
    /// them), and a track updated within two margins' time before its crossing counts no miss
    /// (its report came with the sector before).
    fn crossing(
        &self,
        site: &SensorSite,
        cov: &SweptSector,
        env: &Envelope,
        time: Timestamp,
    ) -> Option<(Timestamp, f64)> {
        let (width, full) = cov.width();
        let span = cov.end.seconds_since(cov.start);
        let rel = |tau: Timestamp| {
            let p = env.position + env.velocity * tau.seconds_since(time);
            let l = site.to_site(&p);
            let u = (l.x.atan2(l.y) - cov.azimuth_start_rad).rem_euclid(TAU);
            (if u > std::f64::consts::PI { u - TAU } else { u }, l.norm())
        };
        let mid = cov.start + crate::dur(0.5 * span);
        let (u0, _) = rel(mid);
        let tau = if full || span == 0.0 {
            mid
        } else {
            cov.start + crate::dur(span * (u0 / width).clamp(-0.2, 1.2))
        };
        let (u, r) = rel(tau);
        if !(u.is_finite() && r.is_finite()) {
            return None;
        }
        // The margin follows the track's uncertainty, but no further than `SECTOR_MARGIN_CAP_M`:
        // an uncertain (new, coasting) track still counts its misses. A false miss costs
        // little (the next hit resets the run); an uncounted one keeps a false track alive.
        let sb = (3.0 * self.sigma_bound(env, tau.seconds_since(time))).min(SECTOR_MARGIN_CAP_M);
        if r < cov.min_range_m + sb || r > cov.max_range_m - sb {
            return None;
        }
        if full {
            return Some((tau, 0.0));
        }
        let m = (sb / r.max(1.0)).min(1.0).asin() + SECTOR_EDGE_MARGIN_RAD;
        let shifted = u + m;
        if shifted < 0.0 || shifted > width {
            return None;
        }
        Some((tau, m * span / width))
    }

    fn process_sector_in_order(
        &mut self,
        key: Key,
        scan: &SectorScan,
        kept: Option<&[u32]>,
    ) -> ScanReport {
        let version = self.version;
        let orig = |j: usize| kept.map_or(j, |k| k[j] as usize);
        let mut report = ScanReport::default();
        let t_scan = scan.time;
        let pd = self.settings.detection_probability;

        // 0. The incremental sweep, compaction of deleted records now and then, and an index
        //    valid for this scan's window.
        self.sweep(t_scan, &mut report);
        if self.core.dead >= 256.max(self.live_tracks() / 8) {
            self.compact_local();
        }
        self.ensure_index(t_scan);

        // 1. Measurement models.
        let meas = &scan.measurements;
        let n_meas = meas.len();
        let models: Vec<AnyModel> = meas.iter().map(AnyModel::of).collect();
        // Converted position, its covariance and the covariance's trace.
        let converted: Vec<(Vector3<f64>, Matrix3<f64>, f64)> = models
            .iter()
            .map(|m| {
                let (p, c) = self.initiator.initial_kinematics(m);
                let r = Matrix3::from_fn(|i, k| c[(2 * i, 2 * k)]);
                (Vector3::new(p[0], p[2], p[4]), r, r.trace())
            })
            .collect();
        let lambda: Vec<f64> = models
            .iter()
            .map(|m| {
                self.settings.clutter_density_per_m3
                    * volume_element(m, self.settings.vertical_extent_m)
            })
            .collect();
        let ln_pd_ratio = pd.ln() - (1.0 - pd).ln();
        let g_max = self.gate.threshold(3);

        // 2. Candidate (track slot, report) pairs from the index and each track's envelope.
        let mut cand = std::mem::take(&mut self.buf_cand);
        let mut near = std::mem::take(&mut self.buf_near);
        cand.clear();
        for j in 0..n_meas {
            let (p_j, r_j, var_j) = converted[j];
            let tau = meas[j].time;
            near.clear();
            self.index
                .near(&p_j, (g_max * var_j).sqrt() + 1.0, &mut near);
            for &s in &near {
                let Some(e) = self.index.entry(s) else {
                    continue;
                };
                let dt = tau.seconds_since(e.time);
                let d = e.env.position + e.env.velocity * dt - p_j;
                let sb = self.sigma_bound(&e.env, dt);
                let slack = 0.5 * e.env.acceleration * dt * dt;
                // The snapshot path's necessary condition, |e|² ≤ g·trace(P + R) ...
                let r = (g_max * (sb * sb + var_j)).sqrt() + slack;
                if d.norm_squared() > r * r {
                    continue;
                }
                // ... and its ellipsoidal form: P ⪯ σ²·I gives eᵀ(R + σ²I)⁻¹e ≤ eᵀ(P + R)⁻¹e,
                // the mean offset adds at most slack/σ to the root; with a safety factor for
                // the Cartesian linearisation of the measurement space.
                if sb > 0.0
                    && let Some(q) = (r_j + Matrix3::identity() * (sb * sb))
                        .try_inverse()
                        .map(|a| d.dot(&(a * d)))
                {
                    let lim = (PREGATE_SAFETY * g_max).sqrt() + slack / sb;
                    if q > lim * lim {
                        continue;
                    }
                }
                cand.push((s, j as u32));
            }
        }
        cand.sort_unstable();
        cand.dedup();

        // 3. Predict each candidate track to each of its reports' times (once per distinct
        //    time) and gate. Local track indices follow slot (= id) order.
        let mut local: Vec<u32> = Vec::new();
        let mut failed: Vec<u32> = Vec::new();
        let mut confirmed_pairs: Vec<GatedPair> = Vec::new();
        let mut confirmed_state: Vec<usize> = Vec::new();
        let mut tentative_pairs: Vec<GatedPair> = Vec::new();
        let mut tentative_state: Vec<usize> = Vec::new();
        let mut n_scratch = 0usize;
        let mut times: Vec<(Timestamp, usize)> = Vec::new();
        let mut k = 0;
        while k < cand.len() {
            let slot = cand[k].0;
            let mut end = k;
            while end < cand.len() && cand[end].0 == slot {
                end += 1;
            }
            let li = local.len();
            let rec = &self.core.tracks[slot as usize];
            let confirmed = rec.is_confirmed();
            let (c0, t0) = (confirmed_pairs.len(), tentative_pairs.len());
            let s0 = n_scratch;
            times.clear();
            let mut ok = true;
            for &(_, j) in &cand[k..end] {
                let j = j as usize;
                let tau = meas[j].time;
                let si = match times.iter().find(|(t, _)| *t == tau) {
                    Some(&(_, si)) => si,
                    None => {
                        let si = n_scratch;
                        n_scratch += 1;
                        if si == self.scratch.len() {
                            self.scratch.push(rec.state.clone());
                        }
                        if self
                            .predictor
                            .predict_into(
                                &rec.state,
                                &mut self.scratch[si],
                                tau.seconds_since(rec.time),
                            )
                            .is_err()
                        {
                            ok = false;
                            break;
                        }
                        times.push((tau, si));
                        si
                    }
                };
                let Ok(inn) = self.updater.innovate(&self.scratch[si], &models[j]) else {
                    continue;
                };
                if !self.gate.accepts(&inn) {
                    continue;
                }
                let llr = ln_pd_ratio + inn.log_likelihood() - lambda[j].ln();
                let pair = GatedPair {
                    track: li,
                    measurement: j,
                    innovation: inn,
                    log_likelihood_ratio: llr,
                };
                if confirmed {
                    confirmed_pairs.push(pair);
                    confirmed_state.push(si);
                } else {
                    tentative_pairs.push(pair);
                    tentative_state.push(si);
                }
            }
            if ok {
                local.push(slot);
                // Keep only the predictions some gated pair uses (most candidates fail the
                // exact gate): scratch grows with gated pairs, not with candidates.
                let mut next = s0;
                for old in s0..n_scratch {
                    let used = confirmed_state[c0..]
                        .iter()
                        .chain(&tentative_state[t0..])
                        .any(|&x| x == old);
                    if !used {
                        continue;
                    }
                    if old != next {
                        self.scratch.swap(old, next);
                        for x in confirmed_state[c0..]
                            .iter_mut()
                            .chain(tentative_state[t0..].iter_mut())
                        {
                            if *x == old {
                                *x = next;
                            }
                        }
                    }
                    next += 1;
                }
                n_scratch = next;
            } else {
                confirmed_pairs.truncate(c0);
                confirmed_state.truncate(c0);
                tentative_pairs.truncate(t0);
                tentative_state.truncate(t0);
                n_scratch = s0;
                failed.push(slot);
            }
            k = end;
        }
        if self.verify_local {
            let mut found: Vec<(u32, usize)> = confirmed_pairs
                .iter()
                .chain(&tentative_pairs)
                .map(|p| (local[p.track], p.measurement))
                .collect();
            found.sort_unstable();
            for (slot, rec) in self.core.tracks.iter().enumerate() {
                if rec.status == TrackStatus::Deleted || failed.contains(&(slot as u32)) {
                    continue;
                }
                for (j, m) in models.iter().enumerate() {
                    let Ok(pred) = self
                        .predictor
                        .predict(&rec.state, meas[j].time.seconds_since(rec.time))
                    else {
                        continue;
                    };
                    let Ok(inn) = self.updater.innovate(&pred, m) else {
                        continue;
                    };
                    if self.gate.accepts(&inn) && found.binary_search(&(slot as u32, j)).is_err() {
                        self.local_gate_misses += 1;
                    }
                }
            }
        }
        report.gated_pairs = confirmed_pairs.len() + tentative_pairs.len();

        // 4. Associate confirmed tracks, then tentative ones with what is left.
        let n_local = local.len();
        let outcome = self
            .associator
            .associate(n_local, n_meas, &confirmed_pairs, pd);
        report.largest_cluster = outcome.largest_cluster;
        let mut claim = outcome.measurement_claim.clone();
        let mut kept_tentative = Vec::with_capacity(tentative_pairs.len());
        let mut kept_state = Vec::with_capacity(tentative_pairs.len());
        for (p, s) in tentative_pairs.into_iter().zip(tentative_state) {
            if claim[p.measurement] < self.settings.claim_threshold {
                kept_tentative.push(p);
                kept_state.push(s);
            }
        }
        let (tentative_pairs, tentative_state) = (kept_tentative, kept_state);
        let tentative_outcome =
            self.tentative_associator
                .associate(n_local, n_meas, &tentative_pairs, pd);
        for (c, tc) in claim.iter_mut().zip(&tentative_outcome.measurement_claim) {
            *c = (*c + tc).min(1.0);
        }

        // 5. Update each associated track at its report's time.
        let mut hit_llr: Vec<Option<f64>> = vec![None; n_local];
        for (assoc, pairs, states) in [
            (&outcome.tracks, &confirmed_pairs, &confirmed_state),
            (
                &tentative_outcome.tracks,
                &tentative_pairs,
                &tentative_state,
            ),
        ] {
            for (li, a) in assoc.iter().enumerate() {
                let slot = local[li] as usize;
                match a {
                    TrackAssociation::Missed => {}
                    TrackAssociation::Single(k) => {
                        let p = &pairs[*k];
                        let si = states[*k];
                        let mut tmp = self
                            .spare
                            .take()
                            .unwrap_or_else(|| Box::new(self.scratch[si].clone()));
                        let res = self.updater.update_into(
                            &self.scratch[si],
                            &mut tmp,
                            &models[p.measurement],
                            &p.innovation,
                        );
                        match res {
                            Ok(()) => {
                                self.save(slot);
                                let rec = &mut self.core.tracks[slot];
                                std::mem::swap(&mut rec.state, &mut *tmp);
                                // The record's old state becomes the spare.
                                self.spare = Some(tmp);
                                rec.time = meas[p.measurement].time;
                                hit_llr[li] = Some(p.log_likelihood_ratio);
                                report.assignments.push((orig(p.measurement), rec.id));
                            }
                            Err(_) => {
                                self.spare = Some(tmp);
                                self.stats.numerical_failures += 1;
                            }
                        }
                    }
                    TrackAssociation::Weighted { pairs: list, miss } => {
                        if *miss > 0.5 || list.is_empty() {
                            continue;
                        }
                        // One prediction for all hypotheses: that of the likeliest (their
                        // times differ by the beam's passage over the cluster, milliseconds).
                        let (kb, _) = list
                            .iter()
                            .fold(list[0], |best, e| if e.1 > best.1 { *e } else { best });
                        let si = states[kb];
                        let mut inns: Vec<Innovation> = Vec::with_capacity(list.len());
                        let mut ok = true;
                        for (k, _) in list {
                            if states[*k] == si {
                                inns.push(pairs[*k].innovation);
                            } else {
                                match self
                                    .updater
                                    .innovate(&self.scratch[si], &models[pairs[*k].measurement])
                                {
                                    Ok(inn) => inns.push(inn),
                                    Err(_) => {
                                        ok = false;
                                        break;
                                    }
                                }
                            }
                        }
                        let res = if ok {
                            let hyps: Vec<(&AnyModel, &Innovation)> = list
                                .iter()
                                .zip(&inns)
                                .map(|((k, _), inn)| (&models[pairs[*k].measurement], inn))
                                .collect();
                            let w: Vec<f64> = list.iter().map(|(_, b)| *b).collect();
                            self.updater
                                .update_weighted(&self.scratch[si], &hyps, &w, *miss)
                        } else {
                            Err(TrackError::NonFinite {
                                context: "JPDA innovation",
                            })
                        };
                        match res {
                            Ok(state) => {
                                self.save(slot);
                                let rec = &mut self.core.tracks[slot];
                                rec.state = state;
                                rec.time = meas[pairs[kb].measurement].time;
                                hit_llr[li] = Some(
                                    list.iter()
                                        .map(|(k, b)| b * pairs[*k].log_likelihood_ratio)
                                        .sum::<f64>(),
                                );
                                if let Some((k, _)) = list.iter().find(|(_, b)| *b >= 0.5) {
                                    report
                                        .assignments
                                        .push((orig(pairs[*k].measurement), rec.id));
                                }
                            }
                            Err(_) => self.stats.numerical_failures += 1,
                        }
                    }
                }
            }
        }

        // 6. Misses: tracks the beam crossed inside the coverage without a report of theirs.
        let mut touched = std::mem::take(&mut self.buf_touched);
        touched.clear();
        for (li, h) in hit_llr.iter().enumerate() {
            if let Some(llr) = h {
                let slot = local[li];
                touched.push((slot, Touch::Hit(*llr), self.core.tracks[slot as usize].time));
            }
        }
        if let Some(cov) = &scan.coverage
            && scan.sensor.kind != SensorKind::PositionReport
        {
            let (width, full) = cov.width();
            near.clear();
            self.index.in_sector(
                &scan.sensor,
                cov.azimuth_start_rad,
                width,
                full,
                (cov.min_range_m, cov.max_range_m),
                &mut near,
            );
            self.seen_mark = self.seen_mark.wrapping_add(1);
            if self.seen_mark == 0 {
                self.seen.iter_mut().for_each(|m| *m = 0);
                self.seen_mark = 1;
            }
            self.seen.resize(self.core.tracks.len(), 0);
            for &s in &near {
                let mark = &mut self.seen[s as usize];
                if *mark == self.seen_mark {
                    continue;
                }
                *mark = self.seen_mark;
                let updated = local
                    .binary_search(&s)
                    .is_ok_and(|li| hit_llr[li].is_some());
                if updated || failed.binary_search(&s).is_ok() {
                    continue;
                }
                let Some(e) = self.index.entry(s) else {
                    continue;
                };
                if let Some((tau, edge_s)) = self.crossing(&scan.sensor, cov, &e.env, e.time) {
                    let recent = tau - crate::dur(2.0 * edge_s + 1e-3);
                    if self.core.tracks[s as usize].last_update < recent {
                        touched.push((s, Touch::Miss, tau));
                    }
                }
            }
        }
        touched.sort_by_key(|e| e.0);

        // 7. Life bookkeeping, confirmation and deletion of the touched tracks.
        let d0 = report.deleted.len();
        let mut removed_confirmed = Vec::new();
        for &slot in &failed {
            self.save(slot as usize);
            let rec = &mut self.core.tracks[slot as usize];
            self.stats.numerical_failures += 1;
            report
                .deleted
                .push((rec.id, DeleteReason::NumericalFailure));
            if rec.is_confirmed() {
                removed_confirmed.push(rec.id);
            }
            rec.status = TrackStatus::Deleted;
            rec.changed = version;
            self.core.dead += 1;
            self.index.remove(slot);
        }
        for &(slot, _, _) in &touched {
            self.save(slot as usize);
        }
        let ctx = LifeCtx {
            predictor: &self.predictor,
            initiator: self.initiator.as_ref(),
            deleter: self.deleter.as_ref(),
            ln_miss: (1.0 - pd).ln(),
            version,
        };
        let mut reindex: Vec<u32> = Vec::new();
        for &(slot, touch, t) in &touched {
            let rec = &mut self.core.tracks[slot as usize];
            let was_confirmed = rec.is_confirmed();
            let bound = match touch {
                Touch::Miss => {
                    let sb = sigma_bound(
                        ctx.predictor,
                        &rec.state.envelope(),
                        t.seconds_since(rec.time),
                    );
                    Some(Matrix3::identity() * (sb * sb / 3.0))
                }
                _ => None,
            };
            let hit = matches!(touch, Touch::Hit(_));
            if life_step(
                &ctx,
                rec,
                touch,
                t,
                scan.sensor.id,
                bound,
                &mut report,
                &mut self.stats,
            ) {
                rec.status = TrackStatus::Deleted;
                self.core.dead += 1;
                if was_confirmed {
                    removed_confirmed.push(rec.id);
                }
                reindex.push(slot);
            } else if hit {
                reindex.push(slot);
            }
        }
        self.stats.tracks_deleted += report.deleted[d0..]
            .iter()
            .filter(|d| d.1 != DeleteReason::TentativeDropped)
            .count() as u64;
        for id in removed_confirmed {
            self.log_removal(id);
        }
        for slot in reindex {
            self.index_track(slot as usize);
        }

        // 8. New tentative tracks from unclaimed reports, at their own times.
        for (j, m) in models.iter().enumerate() {
            if claim[j] >= self.settings.claim_threshold {
                continue;
            }
            if self.live_tracks() >= self.settings.max_live_tracks {
                self.stats.initiations_refused += 1;
                continue;
            }
            let id = self.new_track(m, meas[j].time, scan.sensor.id);
            let slot = self.core.tracks.len() - 1;
            self.index_track(slot);
            report.assignments.push((orig(j), id));
            report.initiated += 1;
        }
        self.buf_cand = cand;
        self.buf_near = near;
        self.buf_touched = touched;
        report.assignments.sort_unstable();
        self.core.latest = Some(key);
        report
    }
}

/// √trace bound of a track's position covariance predicted by `dt` (see [`Envelope`]).
fn sigma_bound<P: Predictor>(predictor: &P, env: &Envelope, dt: f64) -> f64 {
    let a = dt.abs();
    let q = predictor
        .position_noise_bound(env.velocity.norm(), a)
        .max(0.0);
    env.sigma_position + a * env.sigma_velocity + 1.5 * env.acceleration * a * a + q.sqrt()
}

/// What happened to a track in one scan.
#[derive(Debug, Clone, Copy)]
enum Touch {
    /// Updated, with this log-likelihood ratio.
    Hit(f64),
    /// Missed a detection opportunity.
    Miss,
    /// Neither (an event-driven scan on the snapshot path).
    Nothing,
}

/// Life bookkeeping of one track for one scan at time `t`: counters, score, confirmation
/// (with retrodicted history) and deletion. Returns true when the track ends. `position_cov`
/// replaces the state's own position covariance in the deletion test (the local path passes a
/// bound for a missed track it did not predict).
#[allow(clippy::too_many_arguments)]
fn life_step<P: Predictor>(
    ctx: &LifeCtx<'_, P>,
    rec: &mut TrackRecord<P::State>,
    touch: Touch,
    t: Timestamp,
    sensor: SensorId,
    position_cov: Option<Matrix3<f64>>,
    report: &mut ScanReport,
    stats: &mut TrackerStats,
) -> bool {
    rec.changed = ctx.version;
    match touch {
        Touch::Hit(llr) => {
            rec.life.hits += 1;
            rec.life.consecutive_misses = 0;
            rec.life.history = (rec.life.history << 1) | 1;
            rec.life.score += llr;
            rec.last_update = t;
            if !rec.sensors.contains(&sensor) {
                // Grown one at a time: a track of 20 radars holds 20 ids, not 32.
                rec.sensors.reserve_exact(1);
                rec.sensors.push(sensor);
            }
            report.updated += 1;
        }
        Touch::Miss => {
            rec.life.consecutive_misses += 1;
            rec.life.history <<= 1;
            rec.life.score += ctx.ln_miss;
        }
        Touch::Nothing => {}
    }
    if !matches!(touch, Touch::Nothing) {
        rec.life.opportunities += 1;
    }
    rec.life.since_update_s = t.seconds_since(rec.last_update);
    match rec.status {
        TrackStatus::Tentative => {
            rec.tentative_times.push(t);
            match ctx.initiator.decide(&rec.life) {
                InitiationDecision::Confirm => {
                    rec.status = TrackStatus::Confirmed;
                    report.confirmed.push(rec.id);
                    stats.tracks_confirmed += 1;
                    for &tau in &rec.tentative_times {
                        if tau >= t {
                            continue;
                        }
                        if let Ok(past) = ctx
                            .predictor
                            .predict(&rec.state, tau.seconds_since(rec.time))
                        {
                            let (state, covariance) = past.kinematics();
                            report.history.push(HistoryState {
                                track: rec.id,
                                time: tau,
                                state,
                                covariance,
                            });
                        }
                    }
                    rec.tentative_times = Vec::new();
                    false
                }
                InitiationDecision::Drop => {
                    report
                        .deleted
                        .push((rec.id, DeleteReason::TentativeDropped));
                    true
                }
                InitiationDecision::Keep => false,
            }
        }
        TrackStatus::Confirmed | TrackStatus::Coasting => {
            let cov = position_cov.unwrap_or_else(|| rec.state.position_cov());
            if let Some(reason) = ctx.deleter.should_delete(&rec.life, &cov) {
                report.deleted.push((rec.id, reason));
                true
            } else {
                rec.status = if rec.life.consecutive_misses >= 2 {
                    TrackStatus::Coasting
                } else {
                    TrackStatus::Confirmed
                };
                false
            }
        }
        TrackStatus::Deleted => true,
    }
}

/// Keeps the elements `keep` accepts; returns the original index of each kept one, or `None`
/// when all were kept.
fn retain_indexed<T>(v: &mut Vec<T>, mut keep: impl FnMut(&T) -> bool) -> Option<Vec<u32>> {
    let flags: Vec<bool> = v.iter().map(&mut keep).collect();
    if flags.iter().all(|&f| f) {
        return None;
    }
    let idx: Vec<u32> = (0..v.len() as u32).filter(|&i| flags[i as usize]).collect();
    let mut k = 0;
    v.retain(|_| {
        let f = flags[k];
        k += 1;
        f
    });
    Some(idx)
}

/// |det ∂(Cartesian)/∂z| at the report: converts a Cartesian clutter density into the
/// report's measurement space.
fn volume_element(m: &AnyModel, vertical_extent: f64) -> f64 {
    match m {
        AnyModel::Polar3(p) => {
            let (r, el) = (p.z.x, p.z.z);
            (r * r * el.cos()).abs().max(1.0)
        }
        AnyModel::Polar2(p) => (p.range * vertical_extent).abs().max(1.0),
        AnyModel::Polar2Height(p) => p.z.x.abs().max(1.0),
        AnyModel::Position(_) => 1.0,
    }
}
