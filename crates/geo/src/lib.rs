//! WGS-84 geodetic ⇄ ECEF ⇄ local ENU/NED conversions with coordinate frames in the type
//! system, and the sensor-site frames built on them.
//!
//! **Why in-house rather than `sguaba`.** `sguaba` 0.10 (Helsing) has the same typed-frame idea
//! and is well made, but its API speaks `uom` quantities (`Length`, `Angle`; ≈9 s extra CPU
//! build) and distinguishes frames by compile-time `system!` types, while Tessera's sensor sites
//! are runtime configuration and the tracker needs plain `Matrix3` site rotations, covariance
//! rotation and measurement Jacobians, none of which sguaba provides. The WGS-84 math is a few
//! hundred lines on nalgebra, which we already depend on, so we own it: zero-sized frame markers
//! in `PhantomData` give the type safety, `raw()`/`from_raw()` keep hot loops on bare
//! `Vector3<f64>`, and property tests against `map_3d` (a pymap3d port, dev-dependency only)
//! plus published EPSG worked examples check the numbers.
//!
//! Conventions: radians and metres inside; degrees only through [`Geodetic::from_degrees`] and
//! the `*_deg` accessors; azimuth is compass azimuth (clockwise from north).
//!
//! ```
//! use tessera_geo::{Geodetic, LocalTangentPlane, aer_to_enu};
//!
//! let system = LocalTangentPlane::new(Geodetic::from_degrees(52.0, 13.0, 50.0)?);
//! let radar = Geodetic::from_degrees(52.5, 14.0, 80.0)?;
//! let pose = system.site_pose(&radar);
//! // A plot 40 km out at compass azimuth 90° (east of the radar), 2° elevation:
//! let in_site = aer_to_enu(90f64.to_radians(), 2f64.to_radians(), 40_000.0)?;
//! let in_system = pose.position.raw() + pose.rotation * in_site.raw();
//! let where_ = system.enu_to_geodetic(&tessera_geo::Position::from_raw(in_system))?;
//! assert!(where_.lon_deg() > 14.5);
//! # Ok::<(), tessera_geo::GeoError>(())
//! ```
//!
//! Mixing frames does not compile:
//!
//! ```compile_fail
//! use tessera_geo::{Displacement, Ecef, Enu, Position};
//! let p = Position::<Enu>::new(1.0, 2.0, 3.0);
//! let d = Displacement::<Ecef>::new(1.0, 0.0, 0.0);
//! let _ = p + d; // error: expected `Displacement<Enu>`, found `Displacement<Ecef>`
//! ```

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
