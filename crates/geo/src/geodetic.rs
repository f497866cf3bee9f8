//! WGS-84 geodetic coordinates ([`Geodetic`]) and the exact conversions between them and ECEF.
//!
//! Geodetic → ECEF is the textbook closed form. ECEF → geodetic uses H. Vermeille's closed-form
//! solution ("Direct transformation from geocentric coordinates to geodetic coordinates",
//! Journal of Geodesy 76, 2002): no iteration, exact up to rounding — converting the result back
//! reproduces the ECEF point to under a micrometre from −500 m to 1000 km, poles included (see
//! `tests/properties.rs`). The formula breaks down only in a small region around the Earth's
//! centre; Tessera refuses anything closer than `a/2`.

use crate::error::GeoError;
use crate::frame::{Ecef, Position};
use crate::wgs84::{A, E2, prime_vertical_radius};
use core::f64::consts::{FRAC_PI_2, PI};
use core::fmt;

/// Slack allowed beyond ±90° for rounding in degree/radian conversions; clamped away.
const LAT_SLACK: f64 = 1e-12;

/// A validated WGS-84 geodetic position: latitude and longitude in radians, height above the
/// ellipsoid in metres. Latitude is within [-π/2, π/2]; longitude is wrapped into (-π, π].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geodetic {
    lat: f64,
    lon: f64,
    height: f64,
}

impl Geodetic {
    /// From radians and metres. Longitude outside (-π, π] is wrapped; latitude beyond ±90° and
    /// non-finite values are refused.
    pub fn new(lat_rad: f64, lon_rad: f64, height_m: f64) -> Result<Self, GeoError> {
        if !lat_rad.is_finite() {
            return Err(GeoError::NonFinite { what: "latitude" });
        }
        if !lon_rad.is_finite() {
            return Err(GeoError::NonFinite { what: "longitude" });
        }
        if !height_m.is_finite() {
            return Err(GeoError::NonFinite { what: "height" });
        }
        if lat_rad.abs() > FRAC_PI_2 + LAT_SLACK {
            return Err(GeoError::LatitudeOutOfRange {
                lat_deg: lat_rad.to_degrees(),
            });
        }
        let lat = lat_rad.clamp(-FRAC_PI_2, FRAC_PI_2);
        let lon = if lon_rad > -PI && lon_rad <= PI {
            lon_rad
        } else {
            PI - (PI - lon_rad).rem_euclid(2.0 * PI)
        };
        Ok(Self {
            lat,
            lon,
            height: height_m,
        })
    }

    /// From degrees and metres (the form operators and files use).
    pub fn from_degrees(lat_deg: f64, lon_deg: f64, height_m: f64) -> Result<Self, GeoError> {
        Self::new(lat_deg.to_radians(), lon_deg.to_radians(), height_m)
    }

    /// Latitude, radians.
    #[inline]
    pub fn lat(&self) -> f64 {
        self.lat
    }

    /// Longitude, radians, in (-π, π].
    #[inline]
    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// Height above the WGS-84 ellipsoid, metres.
    #[inline]
    pub fn height(&self) -> f64 {
        self.height
    }

    /// Latitude, degrees.
    #[inline]
    pub fn lat_deg(&self) -> f64 {
        self.lat.to_degrees()
    }

    /// Longitude, degrees, in (-180, 180].
    #[inline]
    pub fn lon_deg(&self) -> f64 {
        self.lon.to_degrees()
    }

    /// The same horizontal position at another height (must be finite).
    pub fn with_height(&self, height_m: f64) -> Result<Self, GeoError> {
        Self::new(self.lat, self.lon, height_m)
    }

    /// Earth-centred, Earth-fixed position.
    pub fn to_ecef(&self) -> Position<Ecef> {
        let (sin_lat, cos_lat) = self.lat.sin_cos();
        let (sin_lon, cos_lon) = self.lon.sin_cos();
        let n = prime_vertical_radius(sin_lat);
        let r = (n + self.height) * cos_lat;
        Position::new(
            r * cos_lon,
            r * sin_lon,
            (n * (1.0 - E2) + self.height) * sin_lat,
        )
    }
}

impl fmt::Display for Geodetic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.7}° {:.7}° {:.3} m",
            self.lat_deg(),
            self.lon_deg(),
            self.height
        )
    }
}

impl Position<Ecef> {
    /// Geodetic coordinates of this ECEF point (Vermeille 2002, closed form).
    ///
    /// Fails on non-finite components and on points closer than `a/2` to the Earth's centre.
    pub fn to_geodetic(&self) -> Result<Geodetic, GeoError> {
        if !self.is_finite() {
            return Err(GeoError::NonFinite {
                what: "ECEF position",
            });
        }
        let (x, y, z) = (self.x(), self.y(), self.z());
        let rho2 = x * x + y * y;
        let distance = (rho2 + z * z).sqrt();
        if distance < 0.5 * A {
            return Err(GeoError::NearEarthCentre {
                distance_m: distance,
            });
        }
        let rho = rho2.sqrt();
        let e4 = E2 * E2;
        let p = rho2 / (A * A);
        let q = (1.0 - E2) * z * z / (A * A);
        let r = (p + q - e4) / 6.0;
        let s = e4 * p * q / (4.0 * r * r * r);
        let t = (1.0 + s + (s * (2.0 + s)).sqrt()).cbrt();
        let u = r * (1.0 + t + 1.0 / t);
        let v = (u * u + e4 * q).sqrt();
        let w = E2 * (u + v - q) / (2.0 * v);
        let k = (u + v + w * w).sqrt() - w;
        let d = k * rho / (k + E2);
        let hyp = d.hypot(z);
        let lat = 2.0 * z.atan2(d + hyp);
        let height = (k + E2 - 1.0) / k * hyp;
        let lon = y.atan2(x);
        Geodetic::new(lat, lon, height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wgs84::B;

    #[test]
    fn validation_refuses_bad_input() {
        assert!(matches!(
            Geodetic::from_degrees(90.5, 0.0, 0.0),
            Err(GeoError::LatitudeOutOfRange { .. })
        ));
        assert!(matches!(
            Geodetic::from_degrees(f64::NAN, 0.0, 0.0),
            Err(GeoError::NonFinite { what: "latitude" })
        ));
        assert!(Geodetic::from_degrees(0.0, f64::INFINITY, 0.0).is_err());
        assert!(Geodetic::from_degrees(0.0, 0.0, f64::NAN).is_err());
        assert!(Geodetic::from_degrees(90.0, 0.0, 0.0).is_ok());
        assert!(Geodetic::from_degrees(-90.0, 0.0, 0.0).is_ok());
    }

    #[test]
    fn longitude_is_wrapped_into_half_open_range() {
        let g = Geodetic::from_degrees(10.0, 190.0, 0.0).unwrap();
        assert!((g.lon_deg() + 170.0).abs() < 1e-12);
        let g = Geodetic::from_degrees(10.0, -180.0, 0.0).unwrap();
        assert!((g.lon_deg() - 180.0).abs() < 1e-12);
        let g = Geodetic::from_degrees(10.0, 12.5, 0.0).unwrap();
        assert_eq!(g.lon_deg(), 12.5);
        assert_eq!(g.lat_deg(), 10.0);
    }

    #[test]
    fn ecef_inversion_refuses_bad_points() {
        assert!(matches!(
            Position::<Ecef>::new(f64::NAN, 0.0, 0.0).to_geodetic(),
            Err(GeoError::NonFinite { .. })
        ));
        assert!(matches!(
            Position::<Ecef>::zeros().to_geodetic(),
            Err(GeoError::NearEarthCentre { .. })
        ));
    }

    #[test]
    fn poles_invert_exactly() {
        let n = Position::<Ecef>::new(0.0, 0.0, B + 1234.5)
            .to_geodetic()
            .unwrap();
        assert_eq!(n.lat(), FRAC_PI_2);
        assert!((n.height() - 1234.5).abs() < 1e-6);
        let s = Position::<Ecef>::new(0.0, 0.0, -B).to_geodetic().unwrap();
        assert_eq!(s.lat(), -FRAC_PI_2);
        assert!(s.height().abs() < 1e-6);
    }
}
