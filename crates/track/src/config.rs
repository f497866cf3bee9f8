//! Tracker configuration (TOML/JSON via serde) and the builder that turns it into a concrete
//! tracker. Every field has a documented default, so an empty file is a valid configuration.
//!
//! ```toml
//! filter = "imm"            # ekf-cv | ukf-cv | ekf-ct | ekf-ca | imm (CV+CT) | imm3 (CV+CA+CT)
//! association = "gnn"       # gnn | jpda
//! [motion]
//! cv_q = 1.0                # CV white-acceleration PSD, m²/s³ (horizontal)
//! [settings]
//! gate_probability = 0.9999
//! [initiation]
//! logic = { kind = "m_of_n", m = 2, n = 3 }
//! [deletion]
//! max_consecutive_misses = 6
//! ```

use crate::TrackError;
use crate::associate::{Associator, GnnAssociator, JpdaAssociator};
use crate::filter::{
    Estimate, ExtendedKalmanPredictor, ExtendedKalmanUpdater, ImmPredictor, ImmUpdater,
    UnscentedKalmanPredictor, UnscentedKalmanUpdater,
};
use crate::manage::{StandardDeleter, StandardInitiator};
use crate::motion::{ConstantAcceleration, ConstantVelocity, CoordinatedTurn, MotionModel};
use crate::tracker::{Scan, ScanReport, SectorScan, Tracker, TrackerSettings, TrackerStats};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tessera_domain::{SensorSite, SystemTrack, Timestamp, TrackId};

/// Which filter the tracker runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FilterKind {
    EkfCv,
    UkfCv,
    EkfCt,
    EkfCa,
    /// IMM over nearly-constant velocity and coordinated turn (7 states).
    Imm,
    /// IMM over nearly-constant velocity, nearly-constant acceleration and coordinated turn
    /// (10 states).
    Imm3,
}

/// Which data association the tracker runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssociationKind {
    Gnn,
    Jpda,
}

/// Motion-model noise and IMM switching.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MotionConfig {
    /// Nearly-constant velocity: horizontal white-acceleration PSD, m²/s³.
    pub cv_q: f64,
    /// Vertical white-acceleration PSD for every model, m²/s³.
    pub vertical_q: f64,
    /// Coordinated turn: horizontal white-acceleration PSD, m²/s³.
    pub ct_q: f64,
    /// Coordinated turn: turn-rate random-walk PSD, rad²/s³.
    pub ct_omega_q: f64,
    /// Nearly-constant acceleration: white-jerk PSD, m²/s⁵.
    pub ca_jerk_q: f64,
    /// IMM mean sojourn time in each mode (same order as the models), s.
    pub imm_sojourn_s: [f64; 3],
    /// IMM initial mode probabilities.
    pub imm_initial: [f64; 3],
    /// Prior turn-rate sigma of a new track, rad/s.
    pub omega_sigma: f64,
    /// Prior acceleration sigma of a new track, m/s².
    pub accel_sigma: f64,
}

impl Default for MotionConfig {
    fn default() -> Self {
        Self {
            cv_q: 1.0,
            vertical_q: 1.0,
            ct_q: 4.0,
            ct_omega_q: 1e-4,
            ca_jerk_q: 1.0,
            imm_sojourn_s: [40.0, 15.0, 15.0],
            imm_initial: [0.8, 0.2, 0.2],
            omega_sigma: 0.03,
            accel_sigma: 5.0,
        }
    }
}

/// The whole tracker configuration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrackerConfig {
    pub filter: FilterKind,
    pub association: AssociationKind,
    pub motion: MotionConfig,
    pub settings: TrackerSettings,
    pub initiation: StandardInitiator,
    pub deletion: StandardDeleter,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            filter: FilterKind::Imm,
            association: AssociationKind::Gnn,
            motion: MotionConfig::default(),
            settings: TrackerSettings::default(),
            initiation: StandardInitiator::default(),
            deletion: StandardDeleter::default(),
        }
    }
}

/// A tracker of any configured filter behind one API.
pub enum AnyTracker {
    EkfCv(Tracker<ExtendedKalmanPredictor<6>, ExtendedKalmanUpdater<6>>),
    UkfCv(Tracker<UnscentedKalmanPredictor<6>, UnscentedKalmanUpdater<6>>),
    EkfCt(Tracker<ExtendedKalmanPredictor<7>, ExtendedKalmanUpdater<7>>),
    EkfCa(Tracker<ExtendedKalmanPredictor<9>, ExtendedKalmanUpdater<9>>),
    Imm(Tracker<ImmPredictor<7>, ImmUpdater<7>>),
    Imm3(Tracker<ImmPredictor<10>, ImmUpdater<10>>),
}

macro_rules! each {
    ($self:expr, $t:ident => $e:expr) => {
        match $self {
            AnyTracker::EkfCv($t) => $e,
            AnyTracker::UkfCv($t) => $e,
            AnyTracker::EkfCt($t) => $e,
            AnyTracker::EkfCa($t) => $e,
            AnyTracker::Imm($t) => $e,
            AnyTracker::Imm3($t) => $e,
        }
    };
}

/// What changed in the picture since a version (see [`AnyTracker::changes_since`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TrackChanges {
    /// The tracker's version now: pass it to the next call.
    pub version: u64,
    /// Confirmed and coasting tracks whose state or status changed, each at its own time, in
    /// id order.
    pub updated: Vec<SystemTrack>,
    /// Confirmed tracks that ended (or, after an out-of-sequence replay, are no longer the same
    /// confirmed track), in id order. `None` when the version is too old for the tracker to
    /// know: publish a whole picture (`confirmed_tracks`) instead.
    pub removed: Option<Vec<TrackId>>,
}

impl AnyTracker {
    /// A snapshot scan (every track is predicted to its time).
    pub fn process(&mut self, scan: Scan) -> Result<ScanReport, TrackError> {
        each!(self, t => t.process(scan))
    }
    /// A sector scan or a batch of event-driven reports (the local path).
    pub fn process_sector(&mut self, scan: SectorScan) -> Result<ScanReport, TrackError> {
        each!(self, t => t.process_sector(scan))
    }
    pub fn register_sensor(&mut self, site: SensorSite) {
        each!(self, t => t.register_sensor(site))
    }
    pub fn stats(&self) -> &TrackerStats {
        each!(self, t => t.stats())
    }
    pub fn latest_time(&self) -> Option<Timestamp> {
        each!(self, t => t.latest_time())
    }
    /// Confirmed and coasting tracks, each at its own time (the latest scan time on the
    /// snapshot path, the time of the track's latest report on the local path).
    pub fn confirmed_tracks(&self) -> Vec<SystemTrack> {
        each!(self, t => t.confirmed().map(|r| r.to_system_track()).collect())
    }
    /// Every live track, tentative included.
    pub fn all_tracks(&self) -> Vec<SystemTrack> {
        each!(self, t => t.tracks().map(|r| r.to_system_track()).collect())
    }
    /// Number of live tracks.
    pub fn live_tracks(&self) -> usize {
        each!(self, t => t.live_tracks())
    }
    /// The tracker's version (inputs processed, replays included; never goes back).
    pub fn version(&self) -> u64 {
        each!(self, t => t.version())
    }
    /// Confirmed and coasting tracks changed after `version`, each at its own time.
    pub fn tracks_updated_since(&self, version: u64) -> Vec<SystemTrack> {
        each!(self, t => t
            .tracks_changed_since(version)
            .filter(|r| r.is_confirmed())
            .map(|r| r.to_system_track())
            .collect())
    }
    /// Confirmed tracks removed after `version` (`None`: too old, take a whole picture).
    pub fn removed_since(&self, version: u64) -> Option<Vec<TrackId>> {
        each!(self, t => t.removed_since(version))
    }
    /// Everything a live picture needs to publish a delta since `version`.
    pub fn changes_since(&self, version: u64) -> TrackChanges {
        TrackChanges {
            version: self.version(),
            updated: self.tracks_updated_since(version),
            removed: self.removed_since(version),
        }
    }
    /// Size of one track record of this configuration (inline part only).
    pub fn bytes_per_track(&self) -> usize {
        fn of<S: Estimate>(_t: Option<&crate::tracker::TrackRecord<S>>) -> usize {
            std::mem::size_of::<crate::tracker::TrackRecord<S>>()
        }
        each!(self, t => of(t.tracks().next()))
    }
    /// Approximate heap bytes the tracker holds, by part.
    pub fn memory(&self) -> crate::tracker::MemoryUse {
        each!(self, t => t.memory())
    }
}

fn associator(kind: AssociationKind) -> Box<dyn Associator> {
    match kind {
        AssociationKind::Gnn => Box::new(GnnAssociator::default()),
        AssociationKind::Jpda => Box::new(JpdaAssociator::default()),
    }
}

/// Builds the tracker a configuration describes.
pub fn build(config: &TrackerConfig) -> Result<AnyTracker, TrackError> {
    let m = &config.motion;
    for (name, v) in [
        ("motion.cv_q", m.cv_q),
        ("motion.vertical_q", m.vertical_q),
        ("motion.ct_q", m.ct_q),
        ("motion.ct_omega_q", m.ct_omega_q),
        ("motion.ca_jerk_q", m.ca_jerk_q),
        ("motion.omega_sigma", m.omega_sigma),
        ("motion.accel_sigma", m.accel_sigma),
        (
            "initiation.velocity_sigma",
            config.initiation.velocity_sigma,
        ),
        (
            "initiation.vertical_velocity_sigma",
            config.initiation.vertical_velocity_sigma,
        ),
        (
            "initiation.height_prior_sigma_m",
            config.initiation.height_prior_sigma_m,
        ),
        (
            "deletion.max_position_sigma_m",
            config.deletion.max_position_sigma_m,
        ),
        ("deletion.max_coast_s", config.deletion.max_coast_s),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(TrackError::Config(format!(
                "{name} must be positive and finite"
            )));
        }
    }
    let extra = crate::filter::ExtraPrior {
        omega_sigma: m.omega_sigma,
        accel_sigma: m.accel_sigma,
    };
    let cv = ConstantVelocity {
        q: m.cv_q,
        q_vertical: m.vertical_q,
    };
    let ct = CoordinatedTurn {
        q: m.ct_q,
        q_vertical: m.vertical_q,
        q_omega: m.ct_omega_q,
    };
    let ca = ConstantAcceleration {
        q_jerk: m.ca_jerk_q,
    };
    let init = Box::new(config.initiation);
    let del = Box::new(config.deletion);
    let s = config.settings;
    let assoc = associator(config.association);
    Ok(match config.filter {
        FilterKind::EkfCv => {
            let mut p = ExtendedKalmanPredictor::<6>::new(cv);
            p.extra_prior = extra;
            AnyTracker::EkfCv(Tracker::new(p, ExtendedKalmanUpdater, assoc, init, del, s)?)
        }
        FilterKind::UkfCv => {
            let mut p = UnscentedKalmanPredictor::<6>::new(cv);
            p.extra_prior = extra;
            AnyTracker::UkfCv(Tracker::new(
                p,
                UnscentedKalmanUpdater::default(),
                assoc,
                init,
                del,
                s,
            )?)
        }
        FilterKind::EkfCt => {
            let mut p = ExtendedKalmanPredictor::<7>::new(ct);
            p.extra_prior = extra;
            AnyTracker::EkfCt(Tracker::new(p, ExtendedKalmanUpdater, assoc, init, del, s)?)
        }
        FilterKind::EkfCa => {
            let mut p = ExtendedKalmanPredictor::<9>::new(ca);
            p.extra_prior = extra;
            AnyTracker::EkfCa(Tracker::new(p, ExtendedKalmanUpdater, assoc, init, del, s)?)
        }
        FilterKind::Imm => {
            let models: Vec<Arc<dyn MotionModel<7>>> = vec![Arc::new(cv), Arc::new(ct)];
            let mut p = ImmPredictor::new(
                models,
                m.imm_sojourn_s[..2].to_vec(),
                m.imm_initial[..2].to_vec(),
            )?;
            p.extra_prior = extra;
            AnyTracker::Imm(Tracker::new(p, ImmUpdater, assoc, init, del, s)?)
        }
        FilterKind::Imm3 => {
            let models: Vec<Arc<dyn MotionModel<10>>> =
                vec![Arc::new(cv), Arc::new(ca), Arc::new(ct)];
            let mut p =
                ImmPredictor::new(models, m.imm_sojourn_s.to_vec(), m.imm_initial.to_vec())?;
            p.extra_prior = extra;
            AnyTracker::Imm3(Tracker::new(p, ImmUpdater, assoc, init, del, s)?)
        }
    })
}
