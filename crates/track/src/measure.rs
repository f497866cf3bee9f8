//! Measurement models (the `MeasurementModel` stage). Each report carries its own model: its
//! observation kind and the site (position and orientation) it was made from.
//!
//! All models map a target position in the system frame to a 3-vector. Two-dimensional
//! observations (a 2D radar without height) pad the third component: zero residual, zero
//! Jacobian row and unit noise, which leaves every update and Mahalanobis distance unchanged;
//! `dim()` gives the true dimension for likelihood normalisation and gate thresholds.
//! Component order: polar `[range, azimuth, elevation|height]`, position `[x, y, z]`.

use nalgebra::{Matrix3, Vector3};
use std::f64::consts::PI;
use tessera_domain::{Measurement, Observation, SensorSite};

/// Wraps an angle into (-π, π].
pub fn wrap_pi(a: f64) -> f64 {
    let s = a + PI;
    // `rem_euclid` returns its argument unchanged inside [0, 2π) (fmod is exact): skip the
    // library call for the usual small residual.
    let m = if (0.0..2.0 * PI).contains(&s) {
        s
    } else {
        s.rem_euclid(2.0 * PI)
    };
    let mut x = m - PI;
    if x <= -PI {
        x += 2.0 * PI;
    }
    x
}

/// Maps a target position to what a sensor would observe.
pub trait MeasurementModel {
    /// Number of observed components (2 or 3).
    fn dim(&self) -> usize;
    /// The observation, padded to three components.
    fn observed(&self) -> Vector3<f64>;
    /// Predicted observation of a target at `pos` (system frame).
    fn predict(&self, pos: &Vector3<f64>) -> Vector3<f64>;
    /// Jacobian of `predict` with respect to the position.
    fn jacobian(&self, pos: &Vector3<f64>) -> Matrix3<f64>;
    /// `predict` and `jacobian` together (models may share the work between them).
    fn predict_with_jacobian(&self, pos: &Vector3<f64>) -> (Vector3<f64>, Matrix3<f64>) {
        (self.predict(pos), self.jacobian(pos))
    }
    /// Measurement noise covariance (padded with a unit variance).
    fn noise(&self) -> Matrix3<f64>;
    /// `z - zhat`, with angles wrapped.
    fn residual(&self, z: &Vector3<f64>, zhat: &Vector3<f64>) -> Vector3<f64>;
    /// The observation converted to a position with covariance, for initiation and pre-gating.
    /// `height_prior` (height in the system frame, sigma) fills unobserved height.
    fn converted(&self, height_prior: (f64, f64)) -> (Vector3<f64>, Matrix3<f64>);
}

/// Range, azimuth, elevation of the site-relative vector `d` (site axes).
fn polar_of(d: &Vector3<f64>) -> (f64, f64, f64) {
    let ground = (d.x * d.x + d.y * d.y).sqrt();
    let range = (ground * ground + d.z * d.z).sqrt();
    (range, d.x.atan2(d.y), d.z.atan2(ground))
}

/// Jacobian rows of (range, azimuth, elevation) with respect to the site-relative vector.
fn polar_jacobian(d: &Vector3<f64>) -> Matrix3<f64> {
    let g2 = (d.x * d.x + d.y * d.y).max(1e-9);
    let g = g2.sqrt();
    let r2 = g2 + d.z * d.z;
    let r = r2.sqrt();
    Matrix3::new(
        d.x / r,
        d.y / r,
        d.z / r,
        d.y / g2,
        -d.x / g2,
        0.0,
        -d.x * d.z / (r2 * g),
        -d.y * d.z / (r2 * g),
        g / r2,
    )
}

/// Site-frame Cartesian vector of a polar observation and its Jacobian w.r.t. (r, az, el).
fn polar_to_local(r: f64, az: f64, el: f64) -> (Vector3<f64>, Matrix3<f64>) {
    let (sa, ca) = az.sin_cos();
    let (se, ce) = el.sin_cos();
    let v = Vector3::new(r * ce * sa, r * ce * ca, r * se);
    let j = Matrix3::new(
        ce * sa,
        r * ce * ca,
        -r * se * sa,
        ce * ca,
        -r * ce * sa,
        -r * se * ca,
        se,
        0.0,
        r * ce,
    );
    (v, j)
}

/// 3D radar: range, azimuth, elevation.
#[derive(Debug, Clone, Copy)]
pub struct Polar3Model {
    pub site: SensorSite,
    pub z: Vector3<f64>,
    pub sigma: Vector3<f64>,
}

impl MeasurementModel for Polar3Model {
    fn dim(&self) -> usize {
        3
    }
    fn observed(&self) -> Vector3<f64> {
        self.z
    }
    fn predict(&self, pos: &Vector3<f64>) -> Vector3<f64> {
        let (r, a, e) = polar_of(&self.site.to_site(pos));
        Vector3::new(r, a, e)
    }
    fn jacobian(&self, pos: &Vector3<f64>) -> Matrix3<f64> {
        polar_jacobian(&self.site.to_site(pos)) * self.site.rotation.transpose()
    }
    fn predict_with_jacobian(&self, pos: &Vector3<f64>) -> (Vector3<f64>, Matrix3<f64>) {
        let d = self.site.to_site(pos);
        let (r, a, e) = polar_of(&d);
        (
            Vector3::new(r, a, e),
            polar_jacobian(&d) * self.site.rotation.transpose(),
        )
    }
    fn noise(&self) -> Matrix3<f64> {
        Matrix3::from_diagonal(&self.sigma.component_mul(&self.sigma))
    }
    fn residual(&self, z: &Vector3<f64>, zhat: &Vector3<f64>) -> Vector3<f64> {
        Vector3::new(z.x - zhat.x, wrap_pi(z.y - zhat.y), wrap_pi(z.z - zhat.z))
    }
    fn converted(&self, _height_prior: (f64, f64)) -> (Vector3<f64>, Matrix3<f64>) {
        let (v, j) = polar_to_local(self.z.x, self.z.y, self.z.z);
        let cov_local = j * self.noise() * j.transpose();
        let rot = self.site.rotation;
        (self.site.to_system(&v), rot * cov_local * rot.transpose())
    }
}

/// 2D radar: slant range and azimuth, no height.
#[derive(Debug, Clone, Copy)]
pub struct Polar2Model {
    pub site: SensorSite,
    pub range: f64,
    pub azimuth: f64,
    pub sigma_range: f64,
    pub sigma_azimuth: f64,
}

impl MeasurementModel for Polar2Model {
    fn dim(&self) -> usize {
        2
    }
    fn observed(&self) -> Vector3<f64> {
        Vector3::new(self.range, self.azimuth, 0.0)
    }
    fn predict(&self, pos: &Vector3<f64>) -> Vector3<f64> {
        let (r, a, _) = polar_of(&self.site.to_site(pos));
        Vector3::new(r, a, 0.0)
    }
    fn jacobian(&self, pos: &Vector3<f64>) -> Matrix3<f64> {
        let mut j = polar_jacobian(&self.site.to_site(pos));
        j.row_mut(2).fill(0.0);
        j * self.site.rotation.transpose()
    }
    fn predict_with_jacobian(&self, pos: &Vector3<f64>) -> (Vector3<f64>, Matrix3<f64>) {
        let d = self.site.to_site(pos);
        let (r, a, _) = polar_of(&d);
        let mut j = polar_jacobian(&d);
        j.row_mut(2).fill(0.0);
        (Vector3::new(r, a, 0.0), j * self.site.rotation.transpose())
    }
    fn noise(&self) -> Matrix3<f64> {
        Matrix3::from_diagonal(&Vector3::new(
            self.sigma_range * self.sigma_range,
            self.sigma_azimuth * self.sigma_azimuth,
            1.0,
        ))
    }
    fn residual(&self, z: &Vector3<f64>, zhat: &Vector3<f64>) -> Vector3<f64> {
        Vector3::new(z.x - zhat.x, wrap_pi(z.y - zhat.y), 0.0)
    }
    fn converted(&self, height_prior: (f64, f64)) -> (Vector3<f64>, Matrix3<f64>) {
        let dz = height_prior.0 - self.site.position.z;
        let el = (dz / self.range.max(1.0)).clamp(-1.0, 1.0).asin();
        let (v, j) = polar_to_local(self.range, self.azimuth, el);
        let sigma_el = height_prior.1 / self.range.max(1.0);
        let r = Matrix3::from_diagonal(&Vector3::new(
            self.sigma_range * self.sigma_range,
            self.sigma_azimuth * self.sigma_azimuth,
            sigma_el * sigma_el,
        ));
        let rot = self.site.rotation;
        (
            self.site.to_system(&v),
            rot * (j * r * j.transpose()) * rot.transpose(),
        )
    }
}

/// 2D radar with a reported height (Mode C): slant range, azimuth and height in the system
/// frame.
#[derive(Debug, Clone, Copy)]
pub struct Polar2HeightModel {
    pub site: SensorSite,
    pub z: Vector3<f64>,
    pub sigma: Vector3<f64>,
}

impl MeasurementModel for Polar2HeightModel {
    fn dim(&self) -> usize {
        3
    }
    fn observed(&self) -> Vector3<f64> {
        self.z
    }
    fn predict(&self, pos: &Vector3<f64>) -> Vector3<f64> {
        let (r, a, _) = polar_of(&self.site.to_site(pos));
        Vector3::new(r, a, pos.z)
    }
    fn jacobian(&self, pos: &Vector3<f64>) -> Matrix3<f64> {
        let mut j = polar_jacobian(&self.site.to_site(pos)) * self.site.rotation.transpose();
        j.set_row(2, &Vector3::new(0.0, 0.0, 1.0).transpose());
        j
    }
    fn predict_with_jacobian(&self, pos: &Vector3<f64>) -> (Vector3<f64>, Matrix3<f64>) {
        let d = self.site.to_site(pos);
        let (r, a, _) = polar_of(&d);
        let mut j = polar_jacobian(&d) * self.site.rotation.transpose();
        j.set_row(2, &Vector3::new(0.0, 0.0, 1.0).transpose());
        (Vector3::new(r, a, pos.z), j)
    }
    fn noise(&self) -> Matrix3<f64> {
        Matrix3::from_diagonal(&self.sigma.component_mul(&self.sigma))
    }
    fn residual(&self, z: &Vector3<f64>, zhat: &Vector3<f64>) -> Vector3<f64> {
        Vector3::new(z.x - zhat.x, wrap_pi(z.y - zhat.y), z.z - zhat.z)
    }
    fn converted(&self, _height_prior: (f64, f64)) -> (Vector3<f64>, Matrix3<f64>) {
        Polar2Model {
            site: self.site,
            range: self.z.x,
            azimuth: self.z.y,
            sigma_range: self.sigma.x,
            sigma_azimuth: self.sigma.y,
        }
        .converted((self.z.z, self.sigma.z))
    }
}

/// A position report already in the system frame.
#[derive(Debug, Clone, Copy)]
pub struct PositionModel {
    pub position: Vector3<f64>,
    pub covariance: Matrix3<f64>,
}

impl MeasurementModel for PositionModel {
    fn dim(&self) -> usize {
        3
    }
    fn observed(&self) -> Vector3<f64> {
        self.position
    }
    fn predict(&self, pos: &Vector3<f64>) -> Vector3<f64> {
        *pos
    }
    fn jacobian(&self, _pos: &Vector3<f64>) -> Matrix3<f64> {
        Matrix3::identity()
    }
    fn noise(&self) -> Matrix3<f64> {
        self.covariance
    }
    fn residual(&self, z: &Vector3<f64>, zhat: &Vector3<f64>) -> Vector3<f64> {
        z - zhat
    }
    fn converted(&self, _height_prior: (f64, f64)) -> (Vector3<f64>, Matrix3<f64>) {
        (self.position, self.covariance)
    }
}

/// The model of one report, chosen by its observation kind (enum dispatch keeps the hot loop
/// free of virtual calls).
#[derive(Debug, Clone, Copy)]
pub enum AnyModel {
    Polar3(Polar3Model),
    Polar2(Polar2Model),
    Polar2Height(Polar2HeightModel),
    Position(PositionModel),
}

impl AnyModel {
    pub fn of(m: &Measurement) -> Self {
        match m.observation {
            Observation::Polar3 {
                range_m,
                azimuth_rad,
                elevation_rad,
                sigma_range_m,
                sigma_azimuth_rad,
                sigma_elevation_rad,
            } => AnyModel::Polar3(Polar3Model {
                site: m.site,
                z: Vector3::new(range_m, azimuth_rad, elevation_rad),
                sigma: Vector3::new(sigma_range_m, sigma_azimuth_rad, sigma_elevation_rad),
            }),
            Observation::Polar2 {
                range_m,
                azimuth_rad,
                sigma_range_m,
                sigma_azimuth_rad,
                height_m: Some(h),
                sigma_height_m,
            } => AnyModel::Polar2Height(Polar2HeightModel {
                site: m.site,
                z: Vector3::new(range_m, azimuth_rad, h),
                sigma: Vector3::new(sigma_range_m, sigma_azimuth_rad, sigma_height_m),
            }),
            Observation::Polar2 {
                range_m,
                azimuth_rad,
                sigma_range_m,
                sigma_azimuth_rad,
                height_m: None,
                ..
            } => AnyModel::Polar2(Polar2Model {
                site: m.site,
                range: range_m,
                azimuth: azimuth_rad,
                sigma_range: sigma_range_m,
                sigma_azimuth: sigma_azimuth_rad,
            }),
            Observation::Position {
                position,
                covariance,
            } => AnyModel::Position(PositionModel {
                position,
                covariance,
            }),
        }
    }
}

macro_rules! dispatch {
    ($self:ident, $m:ident => $e:expr) => {
        match $self {
            AnyModel::Polar3($m) => $e,
            AnyModel::Polar2($m) => $e,
            AnyModel::Polar2Height($m) => $e,
            AnyModel::Position($m) => $e,
        }
    };
}

impl MeasurementModel for AnyModel {
    fn dim(&self) -> usize {
        dispatch!(self, m => m.dim())
    }
    fn observed(&self) -> Vector3<f64> {
        dispatch!(self, m => m.observed())
    }
    fn predict(&self, pos: &Vector3<f64>) -> Vector3<f64> {
        dispatch!(self, m => m.predict(pos))
    }
    fn jacobian(&self, pos: &Vector3<f64>) -> Matrix3<f64> {
        dispatch!(self, m => m.jacobian(pos))
    }
    fn predict_with_jacobian(&self, pos: &Vector3<f64>) -> (Vector3<f64>, Matrix3<f64>) {
        dispatch!(self, m => m.predict_with_jacobian(pos))
    }
    fn noise(&self) -> Matrix3<f64> {
        dispatch!(self, m => m.noise())
    }
    fn residual(&self, z: &Vector3<f64>, zhat: &Vector3<f64>) -> Vector3<f64> {
        dispatch!(self, m => m.residual(z, zhat))
    }
    fn converted(&self, height_prior: (f64, f64)) -> (Vector3<f64>, Matrix3<f64>) {
        dispatch!(self, m => m.converted(height_prior))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::Rotation3;
    use tessera_domain::{SensorId, SensorKind};

    fn site_rotated() -> SensorSite {
        SensorSite {
            id: SensorId(3),
            kind: SensorKind::Radar3d,
            position: Vector3::new(1000.0, 2000.0, 30.0),
            rotation: *Rotation3::from_euler_angles(0.01, -0.02, 0.3).matrix(),
        }
    }

    #[test]
    fn polar_jacobian_matches_finite_differences() {
        let m = Polar3Model {
            site: site_rotated(),
            z: Vector3::zeros(),
            sigma: Vector3::new(50.0, 0.003, 0.003),
        };
        let p = Vector3::new(40e3, -25e3, 9e3);
        let j = m.jacobian(&p);
        for c in 0..3 {
            let mut dp = Vector3::zeros();
            dp[c] = 1.0;
            let num = m.residual(&m.predict(&(p + dp)), &m.predict(&(p - dp))) / 2.0;
            assert!((j.column(c) - num).amax() < 1e-8, "column {c}");
        }
    }

    #[test]
    fn converted_inverts_predict() {
        let site = site_rotated();
        let p = Vector3::new(-30e3, 45e3, 7e3);
        let m3 = Polar3Model {
            site,
            z: Vector3::zeros(),
            sigma: Vector3::new(50.0, 0.003, 0.003),
        };
        let z = m3.predict(&p);
        let m3 = Polar3Model { z, ..m3 };
        assert!((m3.converted((0.0, 1.0)).0 - p).norm() < 1e-6);
        let m2 = Polar2Model {
            site,
            range: z.x,
            azimuth: z.y,
            sigma_range: 50.0,
            sigma_azimuth: 0.003,
        };
        // A 2D plot with the right height prior lands on the target.
        let height = site.to_system(&site.to_site(&p)).z;
        let (c, cov) = m2.converted((height, 1000.0));
        assert!((c - p).norm() < 200.0, "{}", (c - p).norm());
        assert!(cov.cholesky().is_some());
    }

    #[test]
    fn wrap_pi_matches_the_plain_formula() {
        let plain = |a: f64| {
            let mut x = (a + PI).rem_euclid(2.0 * PI) - PI;
            if x <= -PI {
                x += 2.0 * PI;
            }
            x
        };
        for a in [
            0.0, 1e-20, -1e-20, 1e-3, -2.5, 3.0, PI, -PI, 4.0, -4.0, 7.0, -13.0, 1e6, -1e-300,
        ] {
            assert_eq!(wrap_pi(a).to_bits(), plain(a).to_bits(), "{a}");
        }
    }

    #[test]
    fn predict_with_jacobian_matches_separate_calls() {
        let site = site_rotated();
        let p = Vector3::new(40e3, -25e3, 9e3);
        let models = [
            AnyModel::Polar3(Polar3Model {
                site,
                z: Vector3::zeros(),
                sigma: Vector3::new(50.0, 0.003, 0.003),
            }),
            AnyModel::Polar2(Polar2Model {
                site,
                range: 1.0,
                azimuth: 0.1,
                sigma_range: 50.0,
                sigma_azimuth: 0.003,
            }),
            AnyModel::Polar2Height(Polar2HeightModel {
                site,
                z: Vector3::zeros(),
                sigma: Vector3::new(50.0, 0.003, 30.0),
            }),
        ];
        for m in &models {
            assert_eq!(m.predict_with_jacobian(&p), (m.predict(&p), m.jacobian(&p)));
        }
    }

    #[test]
    fn residual_wraps_azimuth() {
        let m = Polar2Model {
            site: site_rotated(),
            range: 1.0,
            azimuth: 3.1,
            sigma_range: 1.0,
            sigma_azimuth: 1.0,
        };
        let r = m.residual(&Vector3::new(0.0, 3.1, 0.0), &Vector3::new(0.0, -3.1, 0.0));
        assert!((r.y - (6.2 - 2.0 * PI)).abs() < 1e-12);
    }
}
