//! The crate's error type: every way a geodetic conversion can refuse its input.

use thiserror::Error;

/// Why a coordinate or conversion was refused.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum GeoError {
    /// A coordinate component was NaN or infinite.
    #[error("non-finite {what}")]
    NonFinite {
        /// Which quantity was not finite (e.g. "latitude", "ECEF position").
        what: &'static str,
    },
    /// Latitude outside [-90°, 90°].
    #[error("latitude {lat_deg}° outside [-90°, 90°]")]
    LatitudeOutOfRange {
        /// The offending latitude in degrees.
        lat_deg: f64,
    },
    /// Elevation angle outside [-90°, 90°].
    #[error("elevation {el_deg}° outside [-90°, 90°]")]
    ElevationOutOfRange {
        /// The offending elevation in degrees.
        el_deg: f64,
    },
    /// A slant range below zero.
    #[error("negative range {range_m} m")]
    NegativeRange {
        /// The offending range in metres.
        range_m: f64,
    },
    /// The target is at the sensor or straight above/below it, where azimuth (and so the
    /// azimuth/elevation Jacobian) is undefined.
    #[error("azimuth undefined: target at zero horizontal distance")]
    ZeroHorizontalRange,
    /// An ECEF point so deep inside the Earth that geodetic latitude is ill-defined (the
    /// closed-form inversion breaks down near the centre; Tessera refuses anything closer than
    /// half the semi-major axis).
    #[error(
        "ECEF point {distance_m} m from the Earth's centre is too deep for geodetic coordinates"
    )]
    NearEarthCentre {
        /// Distance of the point from the Earth's centre, metres.
        distance_m: f64,
    },
}
