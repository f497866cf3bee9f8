//! The [`Picture`]: the tracker plus everything the picture adds per track (attributes,
//! class, identity, trail), a version counter, and the tracks changed since the changes were
//! last taken (for deltas).
//!
//! Ordering and purity: [`Picture::process`] takes scans in arrival order (the tracker handles
//! out-of-sequence scans within its lag); [`Picture::cycle`] runs classification and
//! identification at a time the caller gives. Neither reads a clock.

use crate::attributes::{ReportAttributes, TrackAttributes};
use crate::classify::{ClassEvidence, Classifier, KinematicClassifier, Kinematics};
use crate::identify::{IdentificationPlan, Identifier, IdentityContext, PlanError, PlanIdentifier};
use crate::view::{ThreatBrief, TrackView, TrailPoint};
use nalgebra::{Matrix6, Vector3, Vector6};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use tessera_domain::{SensorSite, SystemTrack, Timestamp, TrackId, TrackStatus};
use tessera_geo::{LocalTangentPlane, Position};
use tessera_track::{AnyTracker, Scan, ScanReport, SectorScan, TrackError, TrackerConfig};
use thiserror::Error;

/// Why a picture could not be built.
#[derive(Debug, Error)]
pub enum PictureError {
    #[error("tracker: {0}")]
    Tracker(#[from] TrackError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("picture: {0}")]
    Config(String),
}

/// Everything the picture is configured by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PictureConfig {
    pub tracker: TrackerConfig,
    pub identification: IdentificationPlan,
    pub classifier: KinematicClassifier,
    /// Seconds between two points of a track's trail.
    pub trail_period_s: f64,
    /// Points kept per trail.
    pub trail_len: usize,
}

impl Default for PictureConfig {
    fn default() -> Self {
        Self {
            tracker: TrackerConfig::default(),
            identification: IdentificationPlan::default(),
            classifier: KinematicClassifier::default(),
            trail_period_s: 4.0,
            trail_len: 30,
        }
    }
}

/// One track of the picture.
#[derive(Debug, Clone, PartialEq)]
pub struct PictureTrack {
    /// Kinematics at the track's last update (identity and class filled in).
    pub track: SystemTrack,
    pub attributes: TrackAttributes,
    pub sensors: BTreeSet<u32>,
    pub first_time: Timestamp,
    pub evidence: ClassEvidence,
    pub trail: VecDeque<TrailPoint>,
    last_trail: Option<Timestamp>,
    pub threat: Option<ThreatBrief>,
}

impl PictureTrack {
    /// Whether the track belongs in the published picture (confirmed or coasting).
    pub fn published(&self) -> bool {
        matches!(
            self.track.status,
            TrackStatus::Confirmed | TrackStatus::Coasting
        )
    }
}

/// Running counters of the picture.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PictureStats {
    pub scans: u64,
    pub scans_refused: u64,
    pub cycles: u64,
}

/// The composite picture.
pub struct Picture {
    tracker: AnyTracker,
    frame: LocalTangentPlane,
    config: PictureConfig,
    classifier: KinematicClassifier,
    identifier: PlanIdentifier,
    tracks: BTreeMap<TrackId, PictureTrack>,
    version: u64,
    changed: BTreeSet<TrackId>,
    removed: BTreeSet<TrackId>,
    stats: PictureStats,
    /// What the reports assigned to each live track (tentative ones included) said.
    reports: BTreeMap<TrackId, ReportLog>,
    tracker_version: u64,
}

/// Attributes and sensors of the reports assigned to one track.
#[derive(Debug, Clone)]
struct ReportLog {
    attributes: TrackAttributes,
    sensors: BTreeSet<u32>,
    first: Timestamp,
    last: Timestamp,
}

impl Default for ReportLog {
    fn default() -> Self {
        Self {
            attributes: TrackAttributes::default(),
            sensors: BTreeSet::new(),
            first: Timestamp(i64::MAX),
            last: Timestamp(i64::MIN),
        }
    }
}

/// Constant-velocity extrapolation of a `[x, vx, y, vy, z, vz]` state and its covariance.
pub fn extrapolate(
    state: &Vector6<f64>,
    cov: &Matrix6<f64>,
    dt: f64,
) -> (Vector6<f64>, Matrix6<f64>) {
    let mut f = Matrix6::identity();
    for k in 0..3 {
        f[(2 * k, 2 * k + 1)] = dt;
    }
    (f * state, f * cov * f.transpose())
}

impl Picture {
    /// A picture in the system frame `frame`, fed by the sensors `sites`, identifying
    /// against the defended points `defended` (system frame).
    pub fn new(
        config: PictureConfig,
        frame: LocalTangentPlane,
        sites: impl IntoIterator<Item = SensorSite>,
        defended: Vec<Vector3<f64>>,
    ) -> Result<Self, PictureError> {
        if !(config.trail_period_s.is_finite() && config.trail_period_s > 0.0) {
            return Err(PictureError::Config(
                "trail_period_s must be finite and positive".into(),
            ));
        }
        let mut tracker = tessera_track::build(&config.tracker)?;
        for s in sites {
            tracker.register_sensor(s);
        }
        Ok(Self {
            tracker,
            frame,
            classifier: config.classifier,
            identifier: PlanIdentifier::new(config.identification.clone(), defended)?,
            config,
            tracks: BTreeMap::new(),
            version: 0,
            changed: BTreeSet::new(),
            removed: BTreeSet::new(),
            stats: PictureStats::default(),
            reports: BTreeMap::new(),
            tracker_version: 0,
        })
    }

    pub fn frame(&self) -> &LocalTangentPlane {
        &self.frame
    }

    pub fn tracker(&self) -> &AnyTracker {
        &self.tracker
    }

    pub fn stats(&self) -> &PictureStats {
        &self.stats
    }

    /// Incremented by every [`Picture::cycle`].
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn tracks(&self) -> impl Iterator<Item = &PictureTrack> {
        self.tracks.values()
    }

    pub fn track(&self, id: TrackId) -> Option<&PictureTrack> {
        self.tracks.get(&id)
    }

    /// Processes one snapshot scan; `attributes[i]` belongs to `scan.measurements[i]`
    /// (missing entries mean "nothing but kinematics").
    pub fn process(
        &mut self,
        scan: Scan,
        attributes: &[ReportAttributes],
    ) -> Result<ScanReport, TrackError> {
        let (sensor, times) = (scan.sensor.id.0, report_times(&scan.measurements));
        let report = self.tracker.process(scan);
        self.absorb(report, sensor, &times, attributes)
    }

    /// Processes one sector scan of a rotating radar, or a batch of event-driven reports (the
    /// tracker's local path); `attributes` as for [`Picture::process`].
    pub fn process_sector(
        &mut self,
        scan: SectorScan,
        attributes: &[ReportAttributes],
    ) -> Result<ScanReport, TrackError> {
        let (sensor, times) = (scan.sensor.id.0, report_times(&scan.measurements));
        let report = self.tracker.process_sector(scan);
        self.absorb(report, sensor, &times, attributes)
    }

    /// The tracker's answer to a scan: refusals counted, reports' attributes attached.
    fn absorb(
        &mut self,
        report: Result<ScanReport, TrackError>,
        sensor: u32,
        times: &[Timestamp],
        attributes: &[ReportAttributes],
    ) -> Result<ScanReport, TrackError> {
        let report = report.inspect_err(|_| self.stats.scans_refused += 1)?;
        self.after_scan(&report, sensor, times, attributes);
        Ok(report)
    }

    fn after_scan(
        &mut self,
        report: &ScanReport,
        sensor: u32,
        times: &[Timestamp],
        attributes: &[ReportAttributes],
    ) {
        self.stats.scans += 1;
        // Attributes go to the track each report updated or started (tentative ones too).
        for &(i, id) in &report.assignments {
            let entry = self.reports.entry(id).or_default();
            let t = times.get(i).copied().unwrap_or_default();
            match attributes.get(i) {
                Some(a) => entry.attributes.absorb(t, a),
                None => entry.attributes.absorb(t, &ReportAttributes::default()),
            }
            entry.sensors.insert(sensor);
            entry.first = entry.first.min(t);
            entry.last = entry.last.max(t);
        }
        self.sync();
    }

    /// Brings the picture's tracks in line with the tracker's confirmed and coasting tracks:
    /// new and updated ones (keeping what the picture added), ended ones removed.
    fn sync(&mut self) {
        let ch = self.tracker.changes_since(self.tracker_version);
        self.tracker_version = ch.version;
        let removed = match ch.removed {
            Some(r) => r,
            None => {
                // Too far behind the tracker's log: compare with the whole picture.
                let live: BTreeSet<TrackId> = self
                    .tracker
                    .confirmed_tracks()
                    .iter()
                    .map(|t| t.id)
                    .collect();
                self.tracks
                    .keys()
                    .filter(|k| !live.contains(k))
                    .copied()
                    .collect()
            }
        };
        for t in ch.updated {
            let id = t.id;
            let rep = self.reports.get(&id);
            let pt = self.tracks.entry(id).or_insert_with(|| PictureTrack {
                track: t.clone(),
                attributes: TrackAttributes::default(),
                sensors: BTreeSet::new(),
                first_time: t.time,
                evidence: ClassEvidence::default(),
                trail: VecDeque::new(),
                last_trail: None,
                threat: None,
            });
            let (identity, class) = (pt.track.identity, pt.track.class);
            pt.track = SystemTrack {
                identity,
                class,
                ..t
            };
            if let Some(r) = rep {
                pt.attributes.clone_from(&r.attributes);
                pt.sensors.clone_from(&r.sensors);
                pt.first_time = pt.first_time.min(r.first);
            }
            self.changed.insert(id);
        }
        for id in removed {
            if self.tracks.remove(&id).is_some() {
                self.removed.insert(id);
            }
            self.changed.remove(&id);
            self.reports.remove(&id);
        }
    }

    /// Height above the ellipsoid of a system-frame point (the system z is below it away from
    /// the origin because of the Earth's curvature).
    pub fn height_of(&self, p: &Vector3<f64>) -> f64 {
        self.frame
            .enu_to_geodetic(&Position::from_raw(*p))
            .map_or(p.z, |g| g.height())
    }

    /// Classification, identification and trails of every track at `now`; bumps the version.
    pub fn cycle(&mut self, now: Timestamp) {
        let window = self.identifier.plan().cooperation_window_s;
        let period = self.config.trail_period_s;
        let len = self.config.trail_len;
        let ids: Vec<TrackId> = self.tracks.keys().copied().collect();
        for id in ids {
            let (pos_now, geo_now, vel, height, updates, age, coop, prev_id, prev_class) = {
                let pt = &self.tracks[&id];
                let dt = now.seconds_since(pt.track.time).max(0.0);
                let s = &pt.track.state;
                let p = Vector3::new(s[0] + s[1] * dt, s[2] + s[3] * dt, s[4] + s[5] * dt);
                let v = Vector3::new(s[1], s[3], s[5]);
                // One geodetic conversion serves the height and the trail.
                let g = self.frame.enu_to_geodetic(&Position::from_raw(p)).ok();
                (
                    p,
                    g,
                    v,
                    g.as_ref().map_or(p.z, |g| g.height()),
                    pt.track.updates,
                    now.seconds_since(pt.first_time),
                    pt.attributes.cooperating(now, window),
                    pt.track.identity,
                    pt.track.class,
                )
            };
            let pt = self.tracks.get_mut(&id).expect("listed");
            let k = Kinematics {
                height_m: height,
                speed_mps: vel.norm(),
                climb_mps: vel.z,
                updates,
            };
            let class = self
                .classifier
                .classify(&mut pt.evidence, &k, &pt.attributes, coop);
            let identity = self.identifier.identify(&IdentityContext {
                previous: prev_id,
                class,
                attributes: &pt.attributes,
                cooperating: coop,
                age_s: age,
                position: pos_now,
                velocity: vel,
                height_m: height,
            });
            pt.track.class = class;
            pt.track.identity = identity;
            if pt.published() && (class != prev_class || identity != prev_id) {
                self.changed.insert(id);
            }
            if pt.published() && pt.last_trail.is_none_or(|t| now.seconds_since(t) >= period) {
                if let Some(g) = &geo_now {
                    pt.trail.push_back([g.lat_deg(), g.lon_deg(), g.height()]);
                    while pt.trail.len() > len {
                        pt.trail.pop_front();
                    }
                }
                pt.last_trail = Some(now);
            }
        }
        // Report logs of tentative tracks that died (no report for two minutes).
        self.reports
            .retain(|id, r| self.tracks.contains_key(id) || now.seconds_since(r.last) < 120.0);
        self.version += 1;
        self.stats.cycles += 1;
    }

    /// Live tracks of the tracker that are not (yet) in the picture: tentative ones.
    /// Tracks in the picture: exactly the tracker's confirmed and coasting tracks.
    pub fn published_count(&self) -> usize {
        self.tracks.len()
    }

    pub fn tentative_count(&self) -> usize {
        self.tracker.live_tracks().saturating_sub(self.tracks.len())
    }

    /// Sets the threat brief of a track (from threat evaluation); marks it changed when it
    /// differs.
    pub fn set_threat(&mut self, id: TrackId, brief: Option<ThreatBrief>) {
        if let Some(pt) = self.tracks.get_mut(&id)
            && pt.threat != brief
        {
            pt.threat = brief;
            if pt.published() {
                self.changed.insert(id);
            }
        }
    }

    /// Tracks changed and tracks removed since the last call.
    pub fn take_changes(&mut self) -> (Vec<TrackId>, Vec<TrackId>) {
        (
            std::mem::take(&mut self.changed).into_iter().collect(),
            std::mem::take(&mut self.removed).into_iter().collect(),
        )
    }

    /// Published tracks extrapolated to `now` (state and covariance, constant velocity), with
    /// identity and class: the input of threat evaluation.
    pub fn system_tracks(&self, now: Timestamp) -> Vec<SystemTrack> {
        self.tracks
            .values()
            .filter(|t| t.published())
            .map(|t| {
                let dt = now.seconds_since(t.track.time).max(0.0);
                let (state, covariance) = extrapolate(&t.track.state, &t.track.covariance, dt);
                SystemTrack {
                    time: now,
                    state,
                    covariance,
                    ..t.track.clone()
                }
            })
            .collect()
    }

    /// The API view of a track, extrapolated to `at` when given (otherwise at its last
    /// update), with its trail when `with_trail`.
    pub fn view(&self, id: TrackId, at: Option<Timestamp>, with_trail: bool) -> Option<TrackView> {
        let pt = self.tracks.get(&id)?;
        let t = &pt.track;
        let (time, state, cov) = match at {
            Some(now) if now > t.time => {
                let (s, c) = extrapolate(&t.state, &t.covariance, now.seconds_since(t.time));
                (now, s, c)
            }
            _ => (t.time, t.state, t.covariance),
        };
        let p = Vector3::new(state[0], state[2], state[4]);
        let g = self.frame.enu_to_geodetic(&Position::from_raw(p)).ok()?;
        let v = [state[1], state[3], state[5]];
        let sigma = ((cov[(0, 0)] + cov[(2, 2)] + cov[(4, 4)]) / 3.0)
            .max(0.0)
            .sqrt();
        Some(TrackView {
            id: t.id.0,
            status: t.status,
            identity: t.identity,
            class: t.class,
            lat_deg: g.lat_deg(),
            lon_deg: g.lon_deg(),
            alt_m: g.height(),
            vel_enu: v,
            speed_mps: (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt(),
            course_deg: v[0].atan2(v[1]).to_degrees().rem_euclid(360.0),
            climb_mps: v[2],
            sigma_pos_m: sigma,
            updates: t.updates,
            sensors: pt.sensors.iter().copied().collect(),
            time_ns: time.0,
            callsign: pt.attributes.callsign.clone(),
            mode3a: pt.attributes.mode3a_text(),
            icao: pt.attributes.icao_text(),
            threat: pt.threat.clone(),
            trail: with_trail.then(|| pt.trail.iter().copied().collect()),
        })
    }

    /// Views of every published track.
    pub fn views(&self, at: Option<Timestamp>, with_trail: bool) -> Vec<TrackView> {
        self.tracks
            .values()
            .filter(|t| t.published())
            .filter_map(|t| self.view(t.track.id, at, with_trail))
            .collect()
    }
}

fn report_times(measurements: &[tessera_domain::Measurement]) -> Vec<Timestamp> {
    measurements.iter().map(|m| m.time).collect()
}
