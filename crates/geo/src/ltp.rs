//! Local tangent planes: the East-North-Up (and North-East-Down) frame anchored at a geodetic
//! origin — Tessera's system frame, and each sensor site's own frame — with conversions of
//! points, vectors and covariances to and from ECEF, and the site-to-system rotation.

use crate::error::GeoError;
use crate::frame::{Displacement, Ecef, Enu, Ned, Position, Velocity, enu_ned_swap};
use crate::geodetic::Geodetic;
use nalgebra::Matrix3;

/// Rotation taking ECEF vector components to ENU components at `origin`
/// (rows are the east, north and up unit vectors expressed in ECEF).
pub fn ecef_to_enu_rotation(origin: &Geodetic) -> Matrix3<f64> {
    let (sin_lat, cos_lat) = origin.lat().sin_cos();
    let (sin_lon, cos_lon) = origin.lon().sin_cos();
    Matrix3::new(
        -sin_lon,
        cos_lon,
        0.0,
        -sin_lat * cos_lon,
        -sin_lat * sin_lon,
        cos_lat,
        cos_lat * cos_lon,
        cos_lat * sin_lon,
        sin_lat,
    )
}

/// Where a sensor site stands in a tangent plane and how its own ENU axes are turned against
/// the plane's: exactly what `domain::SensorSite` needs (`position`, `rotation`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SitePose {
    /// The site's origin in the plane's ENU frame.
    pub position: Position<Enu>,
    /// Rotation taking a vector in the site's ENU axes to the plane's ENU axes.
    pub rotation: Matrix3<f64>,
}

/// A local ENU tangent plane at a geodetic origin on the WGS-84 ellipsoid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalTangentPlane {
    origin: Geodetic,
    origin_ecef: Position<Ecef>,
    ecef_to_enu: Matrix3<f64>,
}

impl LocalTangentPlane {
    /// The tangent plane whose origin is `origin` (its up axis is the ellipsoid normal there).
    pub fn new(origin: Geodetic) -> Self {
        Self {
            origin,
            origin_ecef: origin.to_ecef(),
            ecef_to_enu: ecef_to_enu_rotation(&origin),
        }
    }

    /// The geodetic origin.
    pub fn origin(&self) -> Geodetic {
        self.origin
    }

    /// The origin in ECEF.
    pub fn origin_ecef(&self) -> Position<Ecef> {
        self.origin_ecef
    }

    /// Rotation taking ECEF components to this plane's ENU components.
    pub fn ecef_to_enu_rotation(&self) -> Matrix3<f64> {
        self.ecef_to_enu
    }

    /// Rotation taking this plane's ENU components to ECEF components.
    pub fn enu_to_ecef_rotation(&self) -> Matrix3<f64> {
        self.ecef_to_enu.transpose()
    }

    /// Rotation taking ECEF components to this plane's NED components.
    pub fn ecef_to_ned_rotation(&self) -> Matrix3<f64> {
        enu_ned_swap() * self.ecef_to_enu
    }

    /// Rotation taking this plane's NED components to ECEF components.
    pub fn ned_to_ecef_rotation(&self) -> Matrix3<f64> {
        self.ecef_to_ned_rotation().transpose()
    }

    /// An ECEF point in this plane's ENU frame.
    pub fn ecef_to_enu(&self, p: &Position<Ecef>) -> Position<Enu> {
        Position::from_raw(self.ecef_to_enu * (p.raw() - self.origin_ecef.raw()))
    }

    /// A point of this plane's ENU frame in ECEF.
    pub fn enu_to_ecef(&self, p: &Position<Enu>) -> Position<Ecef> {
        Position::from_raw(self.ecef_to_enu.tr_mul(&p.raw()) + self.origin_ecef.raw())
    }

    /// An ECEF point in this plane's NED frame.
    pub fn ecef_to_ned(&self, p: &Position<Ecef>) -> Position<Ned> {
        self.ecef_to_enu(p).to_ned()
    }

    /// A point of this plane's NED frame in ECEF.
    pub fn ned_to_ecef(&self, p: &Position<Ned>) -> Position<Ecef> {
        self.enu_to_ecef(&p.to_enu())
    }

    /// A geodetic point in this plane's ENU frame.
    pub fn geodetic_to_enu(&self, g: &Geodetic) -> Position<Enu> {
        self.ecef_to_enu(&g.to_ecef())
    }

    /// A point of this plane's ENU frame in geodetic coordinates. Fails on non-finite input
    /// (or a point near the Earth's centre).
    pub fn enu_to_geodetic(&self, p: &Position<Enu>) -> Result<Geodetic, GeoError> {
        self.enu_to_ecef(p).to_geodetic()
    }

    /// An ECEF displacement with this plane's ENU axes.
    pub fn displacement_to_enu(&self, d: &Displacement<Ecef>) -> Displacement<Enu> {
        Displacement::from_raw(self.ecef_to_enu * d.raw())
    }

    /// An ENU displacement of this plane with ECEF axes.
    pub fn displacement_to_ecef(&self, d: &Displacement<Enu>) -> Displacement<Ecef> {
        Displacement::from_raw(self.ecef_to_enu.tr_mul(&d.raw()))
    }

    /// An ECEF velocity with this plane's ENU axes.
    pub fn velocity_to_enu(&self, v: &Velocity<Ecef>) -> Velocity<Enu> {
        Velocity::from_raw(self.ecef_to_enu * v.raw())
    }

    /// An ENU velocity of this plane with ECEF axes.
    pub fn velocity_to_ecef(&self, v: &Velocity<Enu>) -> Velocity<Ecef> {
        Velocity::from_raw(self.ecef_to_enu.tr_mul(&v.raw()))
    }

    /// A 3x3 position (or velocity) covariance given in ECEF axes, expressed in ENU axes:
    /// `R P Rᵀ`, symmetrised against rounding.
    pub fn rotate_covariance_to_enu(&self, cov_ecef: &Matrix3<f64>) -> Matrix3<f64> {
        rotate_covariance(&self.ecef_to_enu, cov_ecef)
    }

    /// A 3x3 covariance given in this plane's ENU axes, expressed in ECEF axes: `Rᵀ P R`.
    pub fn rotate_covariance_to_ecef(&self, cov_enu: &Matrix3<f64>) -> Matrix3<f64> {
        rotate_covariance(&self.ecef_to_enu.transpose(), cov_enu)
    }

    /// The rotation taking a vector expressed in `site`'s own local ENU axes to this plane's
    /// ENU axes (`R_plane · R_siteᵀ`). Identity when the site is at the origin; grows by about
    /// 0.009° per kilometre of separation as the two up axes diverge.
    pub fn site_rotation(&self, site: &Geodetic) -> Matrix3<f64> {
        self.ecef_to_enu * ecef_to_enu_rotation(site).transpose()
    }

    /// The site's position in this plane and its site-to-plane rotation.
    pub fn site_pose(&self, site: &Geodetic) -> SitePose {
        SitePose {
            position: self.geodetic_to_enu(site),
            rotation: self.site_rotation(site),
        }
    }
}

/// `R P Rᵀ` for a 3x3 covariance, symmetrised so that rounding never makes it asymmetric.
pub fn rotate_covariance(rotation: &Matrix3<f64>, cov: &Matrix3<f64>) -> Matrix3<f64> {
    let m = rotation * cov * rotation.transpose();
    (m + m.transpose()) * 0.5
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::Vector3;

    fn plane() -> LocalTangentPlane {
        LocalTangentPlane::new(Geodetic::from_degrees(52.0, 13.0, 50.0).unwrap())
    }

    #[test]
    fn origin_maps_to_zero_and_up_is_up() {
        let ltp = plane();
        assert!(ltp.geodetic_to_enu(&ltp.origin()).raw().norm() < 1e-9);
        let above = ltp.origin().with_height(1050.0).unwrap();
        let p = ltp.geodetic_to_enu(&above);
        assert!((p.raw() - Vector3::new(0.0, 0.0, 1000.0)).norm() < 1e-8);
    }

    #[test]
    fn rotations_are_orthonormal() {
        let ltp = plane();
        for m in [ltp.ecef_to_enu_rotation(), ltp.ecef_to_ned_rotation()] {
            assert!((m * m.transpose() - Matrix3::identity()).norm() < 1e-15);
        }
        assert!((ltp.ecef_to_enu_rotation().determinant() - 1.0).abs() < 1e-15);
        assert!((ltp.ecef_to_ned_rotation().determinant() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn ned_is_enu_with_swapped_axes() {
        let ltp = plane();
        let g = Geodetic::from_degrees(52.3, 13.4, 9000.0).unwrap();
        let enu = ltp.geodetic_to_enu(&g);
        let ned = ltp.ecef_to_ned(&g.to_ecef());
        assert_eq!(ned, enu.to_ned());
        assert!((ltp.ned_to_ecef(&ned).raw() - g.to_ecef().raw()).norm() < 1e-8);
        let (n, e, d) = map_3d::geodetic2ned(
            g.lat(),
            g.lon(),
            g.height(),
            ltp.origin().lat(),
            ltp.origin().lon(),
            ltp.origin().height(),
            map_3d::Ellipsoid::WGS84,
        );
        assert!((ned.raw() - Vector3::new(n, e, d)).norm() < 1e-6);
    }

    #[test]
    fn vectors_and_covariances_rotate_consistently() {
        let ltp = plane();
        let d = Displacement::<Enu>::new(100.0, -20.0, 3.0);
        let back = ltp.displacement_to_enu(&ltp.displacement_to_ecef(&d));
        assert!((back.raw() - d.raw()).norm() < 1e-12);
        let v = Velocity::<Enu>::new(250.0, 10.0, -5.0);
        let back = ltp.velocity_to_enu(&ltp.velocity_to_ecef(&v));
        assert!((back.raw() - v.raw()).norm() < 1e-12);
        // Points: a displacement added in ENU equals the rotated displacement added in ECEF.
        let p = Position::<Enu>::new(1000.0, 2000.0, 300.0);
        let via_ecef = ltp.enu_to_ecef(&p) + ltp.displacement_to_ecef(&d);
        assert!((ltp.ecef_to_enu(&via_ecef).raw() - (p + d).raw()).norm() < 1e-8);

        // Covariance: a 100 m vertical sigma in ENU stays vertical, the horizontal stays put.
        let cov_enu = Matrix3::from_diagonal(&Vector3::new(25.0, 100.0, 10_000.0));
        let cov_ecef = ltp.rotate_covariance_to_ecef(&cov_enu);
        assert_eq!(cov_ecef, cov_ecef.transpose());
        assert!((cov_ecef.trace() - cov_enu.trace()).abs() < 1e-9);
        let up_ecef = ltp.enu_to_ecef_rotation() * Vector3::z();
        assert!((up_ecef.dot(&(cov_ecef * up_ecef)) - 10_000.0).abs() < 1e-9);
        let back = ltp.rotate_covariance_to_enu(&cov_ecef);
        assert!((back - cov_enu).norm() < 1e-9);
    }

    #[test]
    fn site_rotation_is_identity_at_the_origin() {
        let ltp = plane();
        let r = ltp.site_rotation(&ltp.origin());
        assert!((r - Matrix3::identity()).norm() < 1e-15);
        // Height does not tilt the axes.
        let r = ltp.site_rotation(&ltp.origin().with_height(3000.0).unwrap());
        assert!((r - Matrix3::identity()).norm() < 1e-15);
    }

    #[test]
    fn site_rotation_300_km_away_matches_map_3d_and_finite_differences() {
        let ltp = plane();
        // About 300 km north-east of the origin (Δlat 2.2°, Δlon 2.4°).
        let site = Geodetic::from_degrees(54.2, 15.4, 120.0).unwrap();
        let pose = ltp.site_pose(&site);
        let horiz = pose.position.raw().xy().norm();
        assert!((280_000.0..320_000.0).contains(&horiz), "{horiz}");
        let r = pose.rotation;
        assert!((r * r.transpose() - Matrix3::identity()).norm() < 1e-14);
        assert!((r.determinant() - 1.0).abs() < 1e-14);
        // The axes diverge by the angle between the two normals (~2.7° here), not zero.
        let tilt = (r[(2, 2)]).acos().to_degrees();
        assert!((2.0..3.5).contains(&tilt), "{tilt}");

        // Oracle: a point given in the site's ENU frame, sent through map_3d's
        // enu2ecef (at the site) and ecef2enu (at the origin), must land where the pose puts it.
        let o = ltp.origin();
        for p_site in [
            Vector3::new(0.0, 0.0, 0.0),
            Vector3::new(10_000.0, 0.0, 0.0),
            Vector3::new(0.0, 10_000.0, 0.0),
            Vector3::new(0.0, 0.0, 10_000.0),
            Vector3::new(-40_000.0, 120_000.0, 9_000.0),
        ] {
            let (x, y, z) = map_3d::enu2ecef(
                p_site.x,
                p_site.y,
                p_site.z,
                site.lat(),
                site.lon(),
                site.height(),
                map_3d::Ellipsoid::WGS84,
            );
            let (e, n, u) = map_3d::ecef2enu(
                x,
                y,
                z,
                o.lat(),
                o.lon(),
                o.height(),
                map_3d::Ellipsoid::WGS84,
            );
            let ours = pose.position.raw() + r * p_site;
            assert!((ours - Vector3::new(e, n, u)).norm() < 1e-6, "{p_site:?}");
        }

        // Independent check: the site's up axis is the ellipsoid normal there, its north axis
        // the direction of increasing latitude, both measured by finite differences.
        let step = |g: Geodetic| ltp.geodetic_to_enu(&g).raw() - pose.position.raw();
        let up = step(site.with_height(site.height() + 1.0).unwrap()).normalize();
        let north =
            step(Geodetic::new(site.lat() + 1e-7, site.lon(), site.height()).unwrap()).normalize();
        let east =
            step(Geodetic::new(site.lat(), site.lon() + 1e-7, site.height()).unwrap()).normalize();
        assert!((r * Vector3::z() - up).norm() < 1e-6);
        assert!((r * Vector3::y() - north).norm() < 1e-6);
        assert!((r * Vector3::x() - east).norm() < 1e-6);
    }
}
