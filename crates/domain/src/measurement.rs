//! Measurements: one report of one sensor at one time, carrying its own measurement model
//! (the observation kind plus the sensor site it was made from) and its noise.
//!
//! Angles follow the surveillance convention inside Tessera: azimuth clockwise from the site's
//! north (y axis), elevation up from the site's horizontal plane. Codecs and scenario readers
//! convert other conventions at the edge.

use crate::{SensorId, SensorSite, Timestamp};
use nalgebra::{Matrix3, Vector3};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What was observed, in the sensor's own terms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Observation {
    /// 3D radar plot.
    Polar3 {
        range_m: f64,
        azimuth_rad: f64,
        elevation_rad: f64,
        sigma_range_m: f64,
        sigma_azimuth_rad: f64,
        sigma_elevation_rad: f64,
    },
    /// 2D radar plot, with a barometric/Mode C height above the system origin when known.
    Polar2 {
        range_m: f64,
        azimuth_rad: f64,
        sigma_range_m: f64,
        sigma_azimuth_rad: f64,
        height_m: Option<f64>,
        sigma_height_m: f64,
    },
    /// A position in the system frame with its covariance (ADS-B, link reports after geodetic
    /// conversion).
    Position {
        position: Vector3<f64>,
        covariance: Matrix3<f64>,
    },
}

/// One report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    pub time: Timestamp,
    pub site: SensorSite,
    pub observation: Observation,
}

/// Why a measurement was refused before it reached the tracker.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MeasurementError {
    #[error("non-finite value in measurement of sensor {0}")]
    NonFinite(SensorId),
    #[error("non-positive or non-finite noise in measurement of sensor {0}")]
    BadNoise(SensorId),
    #[error("negative range in measurement of sensor {0}")]
    NegativeRange(SensorId),
}

impl Measurement {
    pub fn sensor(&self) -> SensorId {
        self.site.id
    }

    /// Checks that every number is finite and every noise strictly positive.
    pub fn validate(&self) -> Result<(), MeasurementError> {
        let id = self.site.id;
        let finite = |v: f64| v.is_finite();
        let positive = |v: f64| v.is_finite() && v > 0.0;
        match self.observation {
            Observation::Polar3 {
                range_m,
                azimuth_rad,
                elevation_rad,
                sigma_range_m,
                sigma_azimuth_rad,
                sigma_elevation_rad,
            } => {
                if ![range_m, azimuth_rad, elevation_rad]
                    .into_iter()
                    .all(finite)
                {
                    return Err(MeasurementError::NonFinite(id));
                }
                if ![sigma_range_m, sigma_azimuth_rad, sigma_elevation_rad]
                    .into_iter()
                    .all(positive)
                {
                    return Err(MeasurementError::BadNoise(id));
                }
                if range_m < 0.0 {
                    return Err(MeasurementError::NegativeRange(id));
                }
            }
            Observation::Polar2 {
                range_m,
                azimuth_rad,
                sigma_range_m,
                sigma_azimuth_rad,
                height_m,
                sigma_height_m,
            } => {
                if ![range_m, azimuth_rad].into_iter().all(finite)
                    || height_m.is_some_and(|h| !h.is_finite())
                {
                    return Err(MeasurementError::NonFinite(id));
                }
                if !positive(sigma_range_m)
                    || !positive(sigma_azimuth_rad)
                    || (height_m.is_some() && !positive(sigma_height_m))
                {
                    return Err(MeasurementError::BadNoise(id));
                }
                if range_m < 0.0 {
                    return Err(MeasurementError::NegativeRange(id));
                }
            }
            Observation::Position {
                position,
                covariance,
            } => {
                if !position.iter().copied().all(finite) {
                    return Err(MeasurementError::NonFinite(id));
                }
                if !covariance.iter().copied().all(finite) || covariance.cholesky().is_none() {
                    return Err(MeasurementError::BadNoise(id));
                }
            }
        }
        Ok(())
    }

    /// The observed point in the system frame (height 0 above the site for a 2D plot without
    /// height). Used for spatial pre-gating and track initiation.
    pub fn position_estimate(&self) -> Vector3<f64> {
        match self.observation {
            Observation::Polar3 {
                range_m,
                azimuth_rad,
                elevation_rad,
                ..
            } => {
                let ground = range_m * elevation_rad.cos();
                let local = Vector3::new(
                    ground * azimuth_rad.sin(),
                    ground * azimuth_rad.cos(),
                    range_m * elevation_rad.sin(),
                );
                self.site.to_system(&local)
            }
            Observation::Polar2 {
                range_m,
                azimuth_rad,
                height_m,
                ..
            } => {
                let dz = height_m.map_or(0.0, |h| h - self.site.position.z);
                let ground = (range_m * range_m - dz * dz).max(0.0).sqrt();
                let local =
                    Vector3::new(ground * azimuth_rad.sin(), ground * azimuth_rad.cos(), dz);
                self.site.to_system(&local)
            }
            Observation::Position { position, .. } => position,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SensorKind;

    fn site() -> SensorSite {
        SensorSite::aligned(
            SensorId(1),
            SensorKind::Radar3d,
            Vector3::new(100.0, -50.0, 10.0),
        )
    }

    #[test]
    fn polar3_position_estimate_uses_compass_azimuth() {
        let m = Measurement {
            time: Timestamp(0),
            site: site(),
            observation: Observation::Polar3 {
                range_m: 1000.0,
                azimuth_rad: std::f64::consts::FRAC_PI_2, // due east
                elevation_rad: 0.0,
                sigma_range_m: 1.0,
                sigma_azimuth_rad: 1e-3,
                sigma_elevation_rad: 1e-3,
            },
        };
        let p = m.position_estimate();
        assert!((p - Vector3::new(1100.0, -50.0, 10.0)).norm() < 1e-9);
    }

    #[test]
    fn validate_rejects_nan_and_bad_noise() {
        let mut m = Measurement {
            time: Timestamp(0),
            site: site(),
            observation: Observation::Polar3 {
                range_m: f64::NAN,
                azimuth_rad: 0.0,
                elevation_rad: 0.0,
                sigma_range_m: 1.0,
                sigma_azimuth_rad: 1e-3,
                sigma_elevation_rad: 1e-3,
            },
        };
        assert_eq!(m.validate(), Err(MeasurementError::NonFinite(SensorId(1))));
        m.observation = Observation::Position {
            position: Vector3::zeros(),
            covariance: Matrix3::zeros(),
        };
        assert_eq!(m.validate(), Err(MeasurementError::BadNoise(SensorId(1))));
    }
}
