//! Sensor sites: where a sensor stands and how its axes are turned relative to the system frame.
//!
//! The system frame is a local East-North-Up tangent plane (see the `geo` crate). A site's frame
//! has its origin at the antenna, x east, y north, z up *of the site*; on a curved Earth its axes
//! are slightly rotated against the system frame, which `rotation` captures.

use crate::SensorId;
use nalgebra::{Matrix3, Vector3};
use serde::{Deserialize, Serialize};

/// The kind of sensor, which decides the measurement model of its reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensorKind {
    /// Range, azimuth and elevation.
    Radar3d,
    /// Range and azimuth; height from Mode C when present.
    Radar2d,
    /// Self-reported positions (ADS-B, link feeds) with their own accuracy.
    PositionReport,
}

/// A sensor's site in the system frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SensorSite {
    pub id: SensorId,
    pub kind: SensorKind,
    /// Antenna position in the system ENU frame, metres.
    pub position: Vector3<f64>,
    /// Rotation taking a vector in the site frame to the system frame.
    pub rotation: Matrix3<f64>,
}

impl SensorSite {
    /// A site whose axes are parallel to the system frame (flat-world scenarios).
    pub fn aligned(id: SensorId, kind: SensorKind, position: Vector3<f64>) -> Self {
        Self {
            id,
            kind,
            position,
            rotation: Matrix3::identity(),
        }
    }

    /// Converts a point from the system frame into this site's frame.
    pub fn to_site(&self, p_system: &Vector3<f64>) -> Vector3<f64> {
        self.rotation.transpose() * (p_system - self.position)
    }

    /// Converts a point from this site's frame into the system frame.
    pub fn to_system(&self, p_site: &Vector3<f64>) -> Vector3<f64> {
        self.rotation * p_site + self.position
    }
}
