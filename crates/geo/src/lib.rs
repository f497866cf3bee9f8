//! WGS-84 geodetic ⇄ ECEF ⇄ local ENU/NED conversions with coordinate frames in the type
//! system, and the sensor-site frames built on them.
//!
//! **Why in-house rather than `sguaba`.** `sguaba` (Helsing) offers the same typed-frame idea and
//! is well designed, but every quantity in its API is a `uom` `Length`/`Angle` (≈9 s extra CPU
//! build, unit conversions at every call) and its per-frame types come from a compile-time
//! `system!` macro, whereas Tessera's sensor sites are runtime configuration and need plain
//! `Matrix3` site rotations, covariance rotation and EKF Jacobians, none of which sguaba offers.
//! The WGS-84 math is ~200 lines on nalgebra (already a dependency), so we own it: frame
//! markers with `PhantomData` give the type safety, `raw()`/`from_raw()` keep hot loops on
//! bare `Vector3<f64>`, and property tests against `map_3d` (a pymap3d port, dev-dependency
//! only) plus published EPSG reference values check the numbers.
//!
//! Conventions: radians and metres inside; degrees only through [`Geodetic::from_degrees`] and
//! the `*_deg` accessors; azimuth is compass azimuth (clockwise from north).

mod aer;
mod error;
mod frame;
mod geodetic;
mod ltp;
pub mod wgs84;

pub use aer::{Aer, aer_jacobian, aer_to_enu, enu_to_aer};
pub use error::GeoError;
pub use frame::{Displacement, Ecef, Enu, Frame, Ned, Position, Velocity, enu_ned_swap};
pub use geodetic::Geodetic;
pub use ltp::{LocalTangentPlane, SitePose, ecef_to_enu_rotation, rotate_covariance};
pub use nalgebra::{Matrix3, Vector3};
