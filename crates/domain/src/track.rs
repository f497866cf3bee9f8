//! System tracks as the rest of Tessera sees them: kinematics, status, identity and class.

use crate::{Timestamp, TrackId};
use nalgebra::{Matrix6, Vector6};
use serde::{Deserialize, Serialize};

/// Life-cycle state of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackStatus {
    Tentative,
    Confirmed,
    /// Confirmed, but missed its latest expected updates; still extrapolated.
    Coasting,
    Deleted,
}

/// Standard identity (STANAG 1241 / MIL-STD-2525 affiliation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    Pending,
    #[default]
    Unknown,
    AssumedFriend,
    Friend,
    Neutral,
    Suspect,
    Hostile,
}

/// What kind of air object a track is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TargetClass {
    #[default]
    Unknown,
    FixedWing,
    Helicopter,
    Drone,
    CruiseMissile,
    BallisticMissile,
    Rocket,
}

/// A track of the composite picture: position and velocity in the system ENU frame, state order
/// `[x, vx, y, vy, z, vz]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemTrack {
    pub id: TrackId,
    pub time: Timestamp,
    pub status: TrackStatus,
    pub state: Vector6<f64>,
    pub covariance: Matrix6<f64>,
    pub identity: Identity,
    pub class: TargetClass,
    /// Number of measurement updates so far.
    pub updates: u32,
}
