//! Radar polar coordinates: compass azimuth (clockwise from north), elevation above the local
//! horizontal plane and slant range, and their conversion to and from local ENU vectors.

use crate::error::GeoError;
use crate::frame::{Displacement, Enu};
use core::f64::consts::{FRAC_PI_2, TAU};
use nalgebra::Matrix3;

/// Azimuth/elevation/range of a target as seen from a sensor, in the sensor's local ENU axes.
///
/// Azimuth is in [0, 2π) radians clockwise from north, elevation in [-π/2, π/2] radians above
/// the horizontal, range in metres (≥ 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Aer {
    azimuth: f64,
    elevation: f64,
    range: f64,
}

impl Aer {
    /// Validates and normalises (azimuth is wrapped into [0, 2π)).
    pub fn new(azimuth_rad: f64, elevation_rad: f64, range_m: f64) -> Result<Self, GeoError> {
        if !azimuth_rad.is_finite() || !elevation_rad.is_finite() || !range_m.is_finite() {
            return Err(GeoError::NonFinite {
                what: "azimuth/elevation/range",
            });
        }
        if elevation_rad.abs() > FRAC_PI_2 + 1e-12 {
            return Err(GeoError::ElevationOutOfRange {
                el_deg: elevation_rad.to_degrees(),
            });
        }
        if range_m < 0.0 {
            return Err(GeoError::NegativeRange { range_m });
        }
        let azimuth = if (0.0..TAU).contains(&azimuth_rad) {
            azimuth_rad
        } else {
            // rem_euclid can round up to exactly TAU for tiny negative inputs.
            let a = azimuth_rad.rem_euclid(TAU);
            if a >= TAU { 0.0 } else { a }
        };
        Ok(Self {
            azimuth,
            elevation: elevation_rad.clamp(-FRAC_PI_2, FRAC_PI_2),
            range: range_m,
        })
    }

    /// Compass azimuth, radians in [0, 2π).
    #[inline]
    pub fn azimuth(&self) -> f64 {
        self.azimuth
    }

    /// Elevation above the local horizontal, radians.
    #[inline]
    pub fn elevation(&self) -> f64 {
        self.elevation
    }

    /// Slant range, metres.
    #[inline]
    pub fn range(&self) -> f64 {
        self.range
    }

    /// The ENU vector from sensor to target.
    pub fn to_enu(&self) -> Displacement<Enu> {
        let (sin_el, cos_el) = self.elevation.sin_cos();
        let (sin_az, cos_az) = self.azimuth.sin_cos();
        let horizontal = self.range * cos_el;
        Displacement::new(
            horizontal * sin_az,
            horizontal * cos_az,
            self.range * sin_el,
        )
    }
}

/// ENU vector of a target at compass azimuth `azimuth_rad`, elevation `elevation_rad` and
/// slant range `range_m` from the sensor.
pub fn aer_to_enu(
    azimuth_rad: f64,
    elevation_rad: f64,
    range_m: f64,
) -> Result<Displacement<Enu>, GeoError> {
    Aer::new(azimuth_rad, elevation_rad, range_m).map(|a| a.to_enu())
}

/// Azimuth/elevation/range of an ENU vector from the sensor. A zero vector gives all zeros;
/// a vertical one gives azimuth 0.
pub fn enu_to_aer(d: &Displacement<Enu>) -> Result<Aer, GeoError> {
    if !d.is_finite() {
        return Err(GeoError::NonFinite {
            what: "ENU displacement",
        });
    }
    let (e, n, u) = (d.x(), d.y(), d.z());
    let horizontal = e.hypot(n);
    Aer::new(e.atan2(n), u.atan2(horizontal), horizontal.hypot(u))
}

/// Jacobian of (azimuth, elevation, range) with respect to (east, north, up), rows in that
/// order — the measurement Jacobian of a 3D radar in an EKF. Undefined (an error) when the
/// target has no horizontal offset from the sensor.
pub fn aer_jacobian(d: &Displacement<Enu>) -> Result<Matrix3<f64>, GeoError> {
    if !d.is_finite() {
        return Err(GeoError::NonFinite {
            what: "ENU displacement",
        });
    }
    let (e, n, u) = (d.x(), d.y(), d.z());
    let h2 = e * e + n * n;
    if h2 <= f64::MIN_POSITIVE {
        return Err(GeoError::ZeroHorizontalRange);
    }
    let h = h2.sqrt();
    let r2 = h2 + u * u;
    let r = r2.sqrt();
    Ok(Matrix3::new(
        n / h2,
        -e / h2,
        0.0,
        -e * u / (r2 * h),
        -n * u / (r2 * h),
        h / r2,
        e / r,
        n / r,
        u / r,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::Vector3;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn compass_convention() {
        // Due north, due east, due south, due west on the horizon.
        let north = aer_to_enu(0.0, 0.0, 1000.0).unwrap();
        assert!((north.raw() - Vector3::new(0.0, 1000.0, 0.0)).norm() < 1e-9);
        let east = aer_to_enu(FRAC_PI_2, 0.0, 1000.0).unwrap();
        assert!((east.raw() - Vector3::new(1000.0, 0.0, 0.0)).norm() < 1e-9);
        let west = enu_to_aer(&Displacement::new(-5.0, 0.0, 0.0)).unwrap();
        assert!(close(west.azimuth(), 1.5 * core::f64::consts::PI, 1e-15));
        let up = enu_to_aer(&Displacement::new(0.0, 0.0, 7.0)).unwrap();
        assert_eq!(
            (up.azimuth(), up.elevation(), up.range()),
            (0.0, FRAC_PI_2, 7.0)
        );
        let zero = enu_to_aer(&Displacement::zeros()).unwrap();
        assert_eq!(
            (zero.azimuth(), zero.elevation(), zero.range()),
            (0.0, 0.0, 0.0)
        );
    }

    #[test]
    fn round_trip_and_map_3d_agreement() {
        for &(az, el, r) in &[
            (0.3, 0.1, 12_000.0),
            (3.5, -0.2, 300.0),
            (6.2, 1.2, 450_000.0),
            (1.0, 0.0, 0.0),
        ] {
            let d = aer_to_enu(az, el, r).unwrap();
            let (e, n, u) = map_3d::aer2enu(az, el, r);
            assert!((d.raw() - Vector3::new(e, n, u)).norm() < 1e-9 * (1.0 + r));
            if r > 0.0 {
                let back = enu_to_aer(&d).unwrap();
                assert!(close(back.azimuth(), az, 1e-12));
                assert!(close(back.elevation(), el, 1e-12));
                assert!(close(back.range(), r, 1e-9 * r));
                let (maz, mel, mr) = map_3d::enu2aer(e, n, u);
                assert!(close(back.azimuth(), maz, 1e-12) && close(back.elevation(), mel, 1e-12));
                assert!(close(back.range(), mr, 1e-9 * r));
            }
        }
    }

    #[test]
    fn refuses_bad_input() {
        assert!(matches!(
            aer_to_enu(0.0, 0.0, -1.0),
            Err(GeoError::NegativeRange { .. })
        ));
        assert!(matches!(
            aer_to_enu(0.0, 2.0, 1.0),
            Err(GeoError::ElevationOutOfRange { .. })
        ));
        assert!(aer_to_enu(f64::NAN, 0.0, 1.0).is_err());
        assert!(enu_to_aer(&Displacement::new(f64::INFINITY, 0.0, 0.0)).is_err());
        assert_eq!(
            aer_jacobian(&Displacement::new(0.0, 0.0, 5.0)),
            Err(GeoError::ZeroHorizontalRange)
        );
        // Tiny negative azimuth wraps below 2π, never to 2π.
        let a = Aer::new(-1e-20, 0.0, 1.0).unwrap();
        assert!(a.azimuth() < TAU);
    }

    #[test]
    fn jacobian_matches_finite_differences() {
        let d = Displacement::<Enu>::new(12_000.0, -30_000.0, 4_000.0);
        let j = aer_jacobian(&d).unwrap();
        let f = |v: Vector3<f64>| {
            let a = enu_to_aer(&Displacement::from_raw(v)).unwrap();
            Vector3::new(a.azimuth(), a.elevation(), a.range())
        };
        let h = 1e-3;
        for col in 0..3 {
            let mut dv = Vector3::zeros();
            dv[col] = h;
            let num = (f(d.raw() + dv) - f(d.raw() - dv)) / (2.0 * h);
            for row in 0..3 {
                let tol = 1e-7 * j[(row, col)].abs() + 1e-12;
                assert!(close(j[(row, col)], num[row], tol), "({row},{col})");
            }
        }
    }
}
