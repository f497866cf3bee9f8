//! Gaussian state estimates of fixed dimension and the layout every motion model shares:
//! `[x, vx, y, vy, z, vz, extras…]`, so position sits at indices 0, 2, 4 and velocity at 1, 3, 5
//! whatever the model (turn rate and accelerations follow).

use crate::TrackError;
use nalgebra::{Matrix3, Matrix6, SMatrix, SVector, Vector3, Vector6};

/// Indices of the position components in every state vector.
pub const POS: [usize; 3] = [0, 2, 4];
/// Indices of the velocity components in every state vector.
pub const VEL: [usize; 3] = [1, 3, 5];

/// A Gaussian estimate: mean and covariance.
#[derive(Debug, Clone, PartialEq)]
pub struct Gaussian<const N: usize> {
    pub mean: SVector<f64, N>,
    pub cov: SMatrix<f64, N, N>,
}

impl<const N: usize> Gaussian<N> {
    pub fn new(mean: SVector<f64, N>, cov: SMatrix<f64, N, N>) -> Self {
        Self { mean, cov }
    }

    pub fn position(&self) -> Vector3<f64> {
        Vector3::new(self.mean[0], self.mean[2], self.mean[4])
    }

    pub fn velocity(&self) -> Vector3<f64> {
        Vector3::new(self.mean[1], self.mean[3], self.mean[5])
    }

    pub fn position_cov(&self) -> Matrix3<f64> {
        Matrix3::from_fn(|r, c| self.cov[(POS[r], POS[c])])
    }

    /// The six kinematic components `[x, vx, y, vy, z, vz]` and their covariance.
    pub fn kinematics(&self) -> (Vector6<f64>, Matrix6<f64>) {
        (
            Vector6::from_fn(|r, _| self.mean[r]),
            Matrix6::from_fn(|r, c| self.cov[(r, c)]),
        )
    }

    /// Makes the covariance exactly symmetric and checks mean and covariance are finite with a
    /// positive diagonal.
    pub fn sanitise(&mut self, context: &'static str) -> Result<(), TrackError> {
        let c = &mut self.cov;
        for k in 1..N {
            for r in 0..k {
                let v = 0.5 * (c[(r, k)] + c[(k, r)]);
                c[(r, k)] = v;
                c[(k, r)] = v;
            }
        }
        // A finite sum proves every term finite; only an infinite or NaN sum (or an overflow)
        // needs the element-wise look.
        let sum =
            self.mean.as_slice().iter().sum::<f64>() + self.cov.as_slice().iter().sum::<f64>();
        if !sum.is_finite()
            && (!self.mean.iter().all(|v| v.is_finite()) || !self.cov.iter().all(|v| v.is_finite()))
        {
            return Err(TrackError::NonFinite { context });
        }
        if (0..N).any(|i| self.cov[(i, i)] <= 0.0) {
            return Err(TrackError::NotPositiveDefinite { context });
        }
        Ok(())
    }

    /// A zero mean and covariance (scratch space).
    pub fn zeros() -> Self {
        Self {
            mean: SVector::zeros(),
            cov: SMatrix::zeros(),
        }
    }

    /// Embeds a 6-D kinematic estimate into this dimension, giving the extra components the
    /// supplied variances and zero mean.
    pub fn from_kinematics(mean6: &Vector6<f64>, cov6: &Matrix6<f64>, extra_var: &[f64]) -> Self {
        let mut mean = SVector::<f64, N>::zeros();
        let mut cov = SMatrix::<f64, N, N>::zeros();
        for r in 0..6.min(N) {
            mean[r] = mean6[r];
            for c in 0..6.min(N) {
                cov[(r, c)] = cov6[(r, c)];
            }
        }
        for i in 6..N {
            cov[(i, i)] = extra_var.get(i - 6).copied().unwrap_or(1.0);
        }
        Self { mean, cov }
    }
}

/// Normalised estimation error squared of `truth` against `est` (for consistency tests).
pub fn nees<const N: usize>(est: &Gaussian<N>, truth: &SVector<f64, N>) -> Option<f64> {
    let e = truth - est.mean;
    let chol = est.cov.cholesky()?;
    Some(e.dot(&chol.solve(&e)))
}
