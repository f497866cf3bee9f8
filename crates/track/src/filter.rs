//! The `Predictor` and `Updater` stages and their implementations: extended and unscented
//! Kalman filters over any motion model, and an interacting multiple model (IMM) over several.
//!
//! A tracker is generic over one predictor/updater pair sharing a state type, so swapping the
//! filter is one constructor argument (as in Stone Soup).

use crate::TrackError;
use crate::gaussian::{Gaussian, POS};
use crate::measure::{AnyModel, MeasurementModel};
use crate::motion::MotionModel;
use nalgebra::{Matrix3, Matrix6, SMatrix, SVector, Vector3, Vector6};
use std::f64::consts::PI;
use std::sync::Arc;

/// A cheap summary of an estimate from which a conservative bound of its prediction follows
/// without predicting it (the local path of sector scans pre-gates with it): the predicted
/// position mean after `dt` lies within `0.5·acceleration·dt²` of `position + velocity·dt`, and
/// the RMS position error (square root of the trace of the position covariance) is at most
/// `sigma_position + |dt|·sigma_velocity + 1.5·acceleration·dt²` plus the process noise's own
/// share ([`Predictor::position_noise_bound`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Envelope {
    pub position: Vector3<f64>,
    pub velocity: Vector3<f64>,
    /// √trace of the position covariance, m.
    pub sigma_position: f64,
    /// √trace of the velocity covariance (with the spread of IMM modes), m/s.
    pub sigma_velocity: f64,
    /// Bound of the acceleration the motion models may apply to the mean or through the
    /// uncertainty of their extra components (turn rate, acceleration), m/s².
    pub acceleration: f64,
}

impl Envelope {
    /// From kinematics alone (no acceleration term).
    pub fn of_kinematics(mean: &Vector6<f64>, cov: &Matrix6<f64>) -> Self {
        Self {
            position: Vector3::new(mean[0], mean[2], mean[4]),
            velocity: Vector3::new(mean[1], mean[3], mean[5]),
            sigma_position: (cov[(0, 0)] + cov[(2, 2)] + cov[(4, 4)]).max(0.0).sqrt(),
            sigma_velocity: (cov[(1, 1)] + cov[(3, 3)] + cov[(5, 5)]).max(0.0).sqrt(),
            acceleration: 0.0,
        }
    }
}

/// What the rest of the tracker needs to know of any state estimate.
pub trait Estimate: Clone + Send + Sync {
    /// `[x, vx, y, vy, z, vz]` and covariance.
    fn kinematics(&self) -> (Vector6<f64>, Matrix6<f64>);
    fn position(&self) -> Vector3<f64>;
    fn position_cov(&self) -> Matrix3<f64>;
    /// A cheap conservative summary for pre-gating without prediction. The default uses the
    /// kinematics and assumes no acceleration; states with turn rates or accelerations
    /// override it.
    fn envelope(&self) -> Envelope {
        let (m, c) = self.kinematics();
        Envelope::of_kinematics(&m, &c)
    }
    /// Heap bytes the state owns beyond its own size (for memory accounting).
    fn heap_bytes(&self) -> usize {
        0
    }
    /// Appends an exact compact encoding of the state (checkpoints keep it instead of a clone);
    /// false when the state has none (the default: checkpoints clone it).
    fn pack(&self, out: &mut Vec<f64>) -> bool {
        let _ = out;
        false
    }
    /// Rebuilds a state from the front of `data` as `pack` wrote it; also returns how many
    /// numbers it used.
    fn unpack(data: &[f64]) -> Option<(Self, usize)>
    where
        Self: Sized,
    {
        let _ = data;
        None
    }
}

/// Packs a Gaussian: a flag, the mean, and the covariance's upper triangle when it is exactly
/// symmetric (as `sanitise` leaves it), all of it otherwise — exact either way.
fn pack_gaussian<const N: usize>(g: &Gaussian<N>, out: &mut Vec<f64>) {
    let symmetric = is_symmetric(&g.cov);
    out.push(if symmetric { 0.0 } else { 1.0 });
    out.extend_from_slice(g.mean.as_slice());
    if symmetric {
        for c in 0..N {
            for r in 0..=c {
                out.push(g.cov[(r, c)]);
            }
        }
    } else {
        out.extend_from_slice(g.cov.as_slice());
    }
}

fn unpack_gaussian<const N: usize>(data: &[f64]) -> Option<(Gaussian<N>, usize)> {
    let flag = *data.first()?;
    let mut g = Gaussian::<N>::zeros();
    let mean = data.get(1..1 + N)?;
    g.mean.as_mut_slice().copy_from_slice(mean);
    let mut k = 1 + N;
    if flag == 0.0 {
        let tri = data.get(k..k + N * (N + 1) / 2)?;
        let mut i = 0;
        for c in 0..N {
            for r in 0..=c {
                g.cov[(r, c)] = tri[i];
                g.cov[(c, r)] = tri[i];
                i += 1;
            }
        }
        k += N * (N + 1) / 2;
    } else {
        g.cov
            .as_mut_slice()
            .copy_from_slice(data.get(k..k + N * N)?);
        k += N * N;
    }
    Some((g, k))
}

/// Acceleration bound of one Gaussian from its extra components: |v_h|·(|ω| + σ_ω) for a turn
/// rate, |a| + σ_a for accelerations.
fn extra_acceleration<const N: usize>(g: &Gaussian<N>) -> f64 {
    let mut a = 0.0;
    if let Some(w) = crate::motion::omega_index(N) {
        let speed = (g.mean[1] * g.mean[1] + g.mean[3] * g.mean[3]).sqrt();
        a += speed * (g.mean[w].abs() + g.cov[(w, w)].max(0.0).sqrt());
    }
    if let Some(i) = crate::motion::accel_index(N) {
        let (mut m2, mut v) = (0.0, 0.0);
        for k in i..i + 3 {
            m2 += g.mean[k] * g.mean[k];
            v += g.cov[(k, k)];
        }
        a += m2.sqrt() + v.max(0.0).sqrt();
    }
    a
}

impl<const N: usize> Estimate for Gaussian<N> {
    fn kinematics(&self) -> (Vector6<f64>, Matrix6<f64>) {
        Gaussian::kinematics(self)
    }
    fn position(&self) -> Vector3<f64> {
        Gaussian::position(self)
    }
    fn position_cov(&self) -> Matrix3<f64> {
        Gaussian::position_cov(self)
    }
    fn pack(&self, out: &mut Vec<f64>) -> bool {
        pack_gaussian(self, out);
        true
    }
    fn unpack(data: &[f64]) -> Option<(Self, usize)> {
        unpack_gaussian(data)
    }
    fn envelope(&self) -> Envelope {
        let c = &self.cov;
        Envelope {
            position: self.position(),
            velocity: self.velocity(),
            sigma_position: (c[(0, 0)] + c[(2, 2)] + c[(4, 4)]).max(0.0).sqrt(),
            sigma_velocity: (c[(1, 1)] + c[(3, 3)] + c[(5, 5)]).max(0.0).sqrt(),
            acceleration: extra_acceleration(self),
        }
    }
}

/// Predicts an estimate forward in time (negative `dt` retrodicts where the model allows).
pub trait Predictor: Send + Sync {
    type State: Estimate;
    fn predict(&self, state: &Self::State, dt: f64) -> Result<Self::State, TrackError>;
    /// `predict` into the state itself (filters may override it to reuse the state's storage).
    /// On error the state may be partly predicted and should be discarded.
    fn predict_in_place(&self, state: &mut Self::State, dt: f64) -> Result<(), TrackError> {
        *state = self.predict(state, dt)?;
        Ok(())
    }
    /// `predict` of `src` into `dst` (whose storage filters may reuse); the same result as
    /// `predict_in_place` on a copy of `src`. On error `dst` should be discarded.
    fn predict_into(
        &self,
        src: &Self::State,
        dst: &mut Self::State,
        dt: f64,
    ) -> Result<(), TrackError> {
        dst.clone_from(src);
        self.predict_in_place(dst, dt)
    }
    /// The state a new track starts from, given a 6-D kinematic prior.
    fn initial_state(&self, mean: &Vector6<f64>, cov: &Matrix6<f64>) -> Self::State;
    /// An upper bound of the trace of the position block of the process noise accumulated over
    /// `dt` by a target moving at `speed` (see [`Envelope`]). The default is generous; the
    /// predictors here give their models' exact figures.
    fn position_noise_bound(&self, speed: f64, dt: f64) -> f64 {
        let _ = speed;
        let a = dt.abs();
        1e3 * (a * a * a + a * a * a * a * a)
    }
}

/// The innovation of one measurement against one predicted estimate.
#[derive(Debug, Clone, Copy)]
pub struct Innovation {
    pub residual: Vector3<f64>,
    pub s: Matrix3<f64>,
    pub s_inv: Matrix3<f64>,
    /// Squared Mahalanobis distance.
    pub distance2: f64,
    pub ln_det_s: f64,
    /// True dimension of the measurement.
    pub dim: usize,
    /// Jacobian of the measurement with respect to position at the linearisation point (EKF);
    /// zero for sigma-point filters.
    pub h: Matrix3<f64>,
}

impl Innovation {
    fn from_parts(residual: Vector3<f64>, s: Matrix3<f64>, dim: usize) -> Result<Self, TrackError> {
        let s = (s + s.transpose()) * 0.5;
        let chol = s.cholesky().ok_or(TrackError::NotPositiveDefinite {
            context: "innovation covariance",
        })?;
        let l = chol.l();
        let ln_det_s = 2.0 * (0..3).map(|i| l[(i, i)].ln()).sum::<f64>();
        let s_inv = chol.inverse();
        let distance2 = residual.dot(&(s_inv * residual));
        if !distance2.is_finite() {
            return Err(TrackError::NonFinite {
                context: "innovation",
            });
        }
        Ok(Self {
            residual,
            s,
            s_inv,
            distance2,
            ln_det_s,
            dim,
            h: Matrix3::zeros(),
        })
    }

    /// Gaussian log-likelihood of the measurement.
    pub fn log_likelihood(&self) -> f64 {
        -0.5 * (self.distance2 + self.ln_det_s + self.dim as f64 * (2.0 * PI).ln())
    }
}

/// Corrects a predicted estimate with measurements.
pub trait Updater: Send + Sync {
    type State: Estimate;
    fn innovate(&self, predicted: &Self::State, model: &AnyModel)
    -> Result<Innovation, TrackError>;
    /// Standard update with one measurement whose innovation was computed by `innovate`.
    fn update(
        &self,
        predicted: &Self::State,
        model: &AnyModel,
        innovation: &Innovation,
    ) -> Result<Self::State, TrackError>;
    /// `update` into the state itself (filters may override it to reuse the state's storage).
    /// On error the state is left as it was.
    fn update_in_place(
        &self,
        state: &mut Self::State,
        model: &AnyModel,
        innovation: &Innovation,
    ) -> Result<(), TrackError> {
        *state = self.update(state, model, innovation)?;
        Ok(())
    }
    /// `update` of `src` into `dst` (whose storage filters may reuse); the same result as
    /// `update_in_place` on a copy of `src`. On error `dst` should be discarded.
    fn update_into(
        &self,
        src: &Self::State,
        dst: &mut Self::State,
        model: &AnyModel,
        innovation: &Innovation,
    ) -> Result<(), TrackError> {
        dst.clone_from(src);
        self.update_in_place(dst, model, innovation)
    }
    /// Probabilistic-data-association update: `weights[k]` is the association probability of
    /// `hypotheses[k]`, `miss_weight` the probability that none is from the target.
    fn update_weighted(
        &self,
        predicted: &Self::State,
        hypotheses: &[(&AnyModel, &Innovation)],
        weights: &[f64],
        miss_weight: f64,
    ) -> Result<Self::State, TrackError>;
}

// ---------------------------------------------------------------------------------------------
// Kalman building blocks shared by EKF, UKF and IMM

/// Cross-covariance P Hᵀ, residual and innovation covariance of one measurement.
type Linearised<const N: usize> = (SMatrix<f64, N, 3>, Vector3<f64>, Matrix3<f64>);

/// P[:, position] (N×3).
fn position_columns<const N: usize>(g: &Gaussian<N>) -> SMatrix<f64, N, 3> {
    SMatrix::<f64, N, 3>::from_fn(|r, c| g.cov[(r, POS[c])])
}

/// EKF innovation: linearises the model once at the predicted position.
fn ekf_innovation<const N: usize>(
    g: &Gaussian<N>,
    model: &AnyModel,
) -> Result<Innovation, TrackError> {
    innovation_at(&g.position(), &g.position_cov(), model)
}

/// EKF innovation of a position estimate with covariance `p_pos`.
fn innovation_at(
    pos: &Vector3<f64>,
    p_pos: &Matrix3<f64>,
    model: &AnyModel,
) -> Result<Innovation, TrackError> {
    let (zhat, hp) = model.predict_with_jacobian(pos);
    let s = hp * p_pos * hp.transpose() + model.noise();
    let residual = model.residual(&model.observed(), &zhat);
    let mut inn = Innovation::from_parts(residual, s, model.dim())?;
    inn.h = hp;
    Ok(inn)
}

/// EKF update with an innovation from `ekf_innovation` on the same estimate.
fn ekf_update<const N: usize>(
    g: &Gaussian<N>,
    inn: &Innovation,
) -> Result<Gaussian<N>, TrackError> {
    let pxz = position_columns(g) * inn.h.transpose();
    let k = pxz * inn.s_inv;
    let mut out = Gaussian {
        mean: g.mean + k * inn.residual,
        cov: g.cov - k * pxz.transpose(),
    };
    out.sanitise("EKF update")?;
    Ok(out)
}

/// PDA update. `pxz` is the cross-covariance of the first hypothesis' model; all hypotheses of
/// one scan share the sensor and so the gain. `None`: linearise with the EKF Jacobian.
fn pda_update<const N: usize>(
    g: &Gaussian<N>,
    hypotheses: &[(&AnyModel, &Innovation)],
    weights: &[f64],
    miss_weight: f64,
    pxz: Option<SMatrix<f64, N, 3>>,
) -> Result<Gaussian<N>, TrackError> {
    if hypotheses.is_empty() {
        return Ok(g.clone());
    }
    let (_, inn0) = hypotheses[0];
    let pxz = pxz.unwrap_or_else(|| position_columns(g) * inn0.h.transpose());
    let k = pxz * inn0.s_inv;
    let mut nu = Vector3::zeros();
    let mut spread = Matrix3::zeros();
    for ((_, inn), w) in hypotheses.iter().zip(weights) {
        nu += inn.residual * *w;
        spread += inn.residual * inn.residual.transpose() * *w;
    }
    spread -= nu * nu.transpose();
    let updated_cov = g.cov - k * pxz.transpose();
    let cov = g.cov * miss_weight + updated_cov * (1.0 - miss_weight) + k * spread * k.transpose();
    let mut out = Gaussian {
        mean: g.mean + k * nu,
        cov,
    };
    out.sanitise("PDA update")?;
    Ok(out)
}

fn ekf_predict<const N: usize>(
    motion: &dyn MotionModel<N>,
    g: &Gaussian<N>,
    dt: f64,
) -> Result<Gaussian<N>, TrackError> {
    if dt == 0.0 {
        return Ok(g.clone());
    }
    let mut out = Gaussian {
        mean: motion.propagate(&g.mean, dt),
        cov: motion.propagate_covariance(&g.mean, &g.cov, dt),
    };
    out.sanitise("EKF predict")?;
    Ok(out)
}

/// Extra prior variances of the components beyond `[x vx y vy z vz]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExtraPrior {
    /// Turn-rate standard deviation, rad/s.
    pub omega_sigma: f64,
    /// Acceleration standard deviation, m/s².
    pub accel_sigma: f64,
}

impl Default for ExtraPrior {
    fn default() -> Self {
        Self {
            omega_sigma: 0.05,
            accel_sigma: 10.0,
        }
    }
}

fn initial_gaussian<const N: usize>(
    mean: &Vector6<f64>,
    cov: &Matrix6<f64>,
    extra: &ExtraPrior,
) -> Gaussian<N> {
    let mut vars = [0.0; 4];
    for (i, v) in vars.iter_mut().enumerate() {
        let idx = 6 + i;
        *v = if crate::motion::omega_index(N) == Some(idx) {
            extra.omega_sigma.powi(2)
        } else {
            extra.accel_sigma.powi(2)
        };
    }
    Gaussian::from_kinematics(mean, cov, &vars)
}

// ---------------------------------------------------------------------------------------------
// EKF

/// Extended Kalman predictor over a motion model.
#[derive(Clone)]
pub struct ExtendedKalmanPredictor<const N: usize> {
    pub motion: Arc<dyn MotionModel<N>>,
    pub extra_prior: ExtraPrior,
}

impl<const N: usize> ExtendedKalmanPredictor<N> {
    pub fn new(motion: impl MotionModel<N> + 'static) -> Self {
        Self {
            motion: Arc::new(motion),
            extra_prior: ExtraPrior::default(),
        }
    }
}

impl<const N: usize> Predictor for ExtendedKalmanPredictor<N> {
    type State = Gaussian<N>;
    fn predict(&self, state: &Gaussian<N>, dt: f64) -> Result<Gaussian<N>, TrackError> {
        ekf_predict(self.motion.as_ref(), state, dt)
    }
    fn initial_state(&self, mean: &Vector6<f64>, cov: &Matrix6<f64>) -> Gaussian<N> {
        initial_gaussian(mean, cov, &self.extra_prior)
    }
    fn position_noise_bound(&self, speed: f64, dt: f64) -> f64 {
        self.motion.position_noise_bound(speed, dt)
    }
}

/// Extended Kalman updater (linearises each measurement model at the predicted position).
#[derive(Debug, Clone, Copy, Default)]
pub struct ExtendedKalmanUpdater<const N: usize>;

impl<const N: usize> Updater for ExtendedKalmanUpdater<N> {
    type State = Gaussian<N>;
    fn innovate(
        &self,
        predicted: &Gaussian<N>,
        model: &AnyModel,
    ) -> Result<Innovation, TrackError> {
        ekf_innovation(predicted, model)
    }
    fn update(
        &self,
        predicted: &Gaussian<N>,
        model: &AnyModel,
        inn: &Innovation,
    ) -> Result<Gaussian<N>, TrackError> {
        let _ = model;
        ekf_update(predicted, inn)
    }
    fn update_weighted(
        &self,
        predicted: &Gaussian<N>,
        hypotheses: &[(&AnyModel, &Innovation)],
        weights: &[f64],
        miss_weight: f64,
    ) -> Result<Gaussian<N>, TrackError> {
        pda_update(predicted, hypotheses, weights, miss_weight, None)
    }
}

// ---------------------------------------------------------------------------------------------
// UKF

/// Unscented-transform parameters (scaled sigma points).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnscentedParams {
    pub alpha: f64,
    pub beta: f64,
    pub kappa: f64,
}

impl Default for UnscentedParams {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            beta: 2.0,
            kappa: 0.0,
        }
    }
}

struct SigmaSet<const N: usize> {
    points: Vec<SVector<f64, N>>,
    wm: Vec<f64>,
    wc: Vec<f64>,
}

fn sigma_points<const N: usize>(
    g: &Gaussian<N>,
    p: &UnscentedParams,
) -> Result<SigmaSet<N>, TrackError> {
    let n = N as f64;
    let lambda = p.alpha * p.alpha * (n + p.kappa) - n;
    let chol = (g.cov * (n + lambda))
        .cholesky()
        .ok_or(TrackError::NotPositiveDefinite {
            context: "UKF sigma points",
        })?;
    let l = chol.l();
    let mut points = Vec::with_capacity(2 * N + 1);
    points.push(g.mean);
    for i in 0..N {
        points.push(g.mean + l.column(i));
    }
    for i in 0..N {
        points.push(g.mean - l.column(i));
    }
    let w = 1.0 / (2.0 * (n + lambda));
    let mut wm = vec![w; 2 * N + 1];
    let mut wc = wm.clone();
    wm[0] = lambda / (n + lambda);
    wc[0] = wm[0] + (1.0 - p.alpha * p.alpha + p.beta);
    Ok(SigmaSet { points, wm, wc })
}

/// Unscented Kalman predictor over a motion model.
#[derive(Clone)]
pub struct UnscentedKalmanPredictor<const N: usize> {
    pub motion: Arc<dyn MotionModel<N>>,
    pub params: UnscentedParams,
    pub extra_prior: ExtraPrior,
}

impl<const N: usize> UnscentedKalmanPredictor<N> {
    pub fn new(motion: impl MotionModel<N> + 'static) -> Self {
        Self {
            motion: Arc::new(motion),
            params: UnscentedParams::default(),
            extra_prior: ExtraPrior::default(),
        }
    }
}

impl<const N: usize> Predictor for UnscentedKalmanPredictor<N> {
    type State = Gaussian<N>;
    fn predict(&self, state: &Gaussian<N>, dt: f64) -> Result<Gaussian<N>, TrackError> {
        if dt == 0.0 {
            return Ok(state.clone());
        }
        let set = sigma_points(state, &self.params)?;
        let prop: Vec<_> = set
            .points
            .iter()
            .map(|x| self.motion.propagate(x, dt))
            .collect();
        let mean = prop
            .iter()
            .zip(&set.wm)
            .fold(SVector::<f64, N>::zeros(), |a, (x, w)| a + x * *w);
        let mut cov = self.motion.noise(&state.mean, dt.abs());
        for (x, w) in prop.iter().zip(&set.wc) {
            let d = x - mean;
            cov += d * d.transpose() * *w;
        }
        let mut out = Gaussian { mean, cov };
        out.sanitise("UKF predict")?;
        Ok(out)
    }
    fn initial_state(&self, mean: &Vector6<f64>, cov: &Matrix6<f64>) -> Gaussian<N> {
        initial_gaussian(mean, cov, &self.extra_prior)
    }
    fn position_noise_bound(&self, speed: f64, dt: f64) -> f64 {
        self.motion.position_noise_bound(speed, dt)
    }
}

/// Unscented Kalman updater: pushes sigma points through the (nonlinear) measurement model.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnscentedKalmanUpdater<const N: usize> {
    pub params: UnscentedParams,
}

impl<const N: usize> UnscentedKalmanUpdater<N> {
    fn transform(&self, g: &Gaussian<N>, model: &AnyModel) -> Result<Linearised<N>, TrackError> {
        let set = sigma_points(g, &self.params)?;
        let z_pts: Vec<Vector3<f64>> = set
            .points
            .iter()
            .map(|x| model.predict(&Vector3::new(x[POS[0]], x[POS[1]], x[POS[2]])))
            .collect();
        // Mean with angle-safe averaging: deviations from the central point.
        let centre = z_pts[0];
        let mut dev_mean = Vector3::zeros();
        for (z, w) in z_pts.iter().zip(&set.wm) {
            dev_mean += model.residual(z, &centre) * *w;
        }
        let zhat = centre + dev_mean;
        let mut s = model.noise();
        let mut pxz = SMatrix::<f64, N, 3>::zeros();
        for ((z, x), w) in z_pts.iter().zip(&set.points).zip(&set.wc) {
            let dz = model.residual(z, &zhat);
            s += dz * dz.transpose() * *w;
            pxz += (x - g.mean) * dz.transpose() * *w;
        }
        let residual = model.residual(&model.observed(), &zhat);
        Ok((pxz, residual, s))
    }
}

impl<const N: usize> Updater for UnscentedKalmanUpdater<N> {
    type State = Gaussian<N>;
    fn innovate(
        &self,
        predicted: &Gaussian<N>,
        model: &AnyModel,
    ) -> Result<Innovation, TrackError> {
        let (_, residual, s) = self.transform(predicted, model)?;
        Innovation::from_parts(residual, s, model.dim())
    }
    fn update(
        &self,
        predicted: &Gaussian<N>,
        model: &AnyModel,
        inn: &Innovation,
    ) -> Result<Gaussian<N>, TrackError> {
        let (pxz, _, _) = self.transform(predicted, model)?;
        let k = pxz * inn.s_inv;
        let mut out = Gaussian {
            mean: predicted.mean + k * inn.residual,
            cov: predicted.cov - k * inn.s * k.transpose(),
        };
        out.sanitise("UKF update")?;
        Ok(out)
    }
    fn update_weighted(
        &self,
        predicted: &Gaussian<N>,
        hypotheses: &[(&AnyModel, &Innovation)],
        weights: &[f64],
        miss_weight: f64,
    ) -> Result<Gaussian<N>, TrackError> {
        let Some((model0, _)) = hypotheses.first() else {
            return Ok(predicted.clone());
        };
        let (pxz, _, _) = self.transform(predicted, model0)?;
        pda_update(predicted, hypotheses, weights, miss_weight, Some(pxz))
    }
}

// ---------------------------------------------------------------------------------------------
// IMM

/// IMM estimate: one Gaussian per model and the model probabilities. The position part of
/// their moment-matched combination (all that gating needs) is kept up to date by the
/// predictor and updater; the full combination is computed when asked for (once per output,
/// not cached: a cache would cost every track and every checkpoint copy of it 8·N·(N+1)
/// bytes).
#[derive(Debug)]
pub struct ImmState<const N: usize> {
    pub modes: Vec<Gaussian<N>>,
    pub probabilities: Vec<f64>,
    /// Combined position mean and covariance (equal to the corresponding entries of the
    /// full combination).
    position: (Vector3<f64>, Matrix3<f64>),
}

impl<const N: usize> Clone for ImmState<N> {
    fn clone(&self) -> Self {
        Self {
            modes: self.modes.clone(),
            probabilities: self.probabilities.clone(),
            position: self.position,
        }
    }
    /// Reuses the storage of `self` (scratch states are refilled for every candidate).
    fn clone_from(&mut self, source: &Self) {
        self.modes.clone_from(&source.modes);
        self.probabilities.clone_from(&source.probabilities);
        self.position = source.position;
    }
}

impl<const N: usize> PartialEq for ImmState<N> {
    fn eq(&self, other: &Self) -> bool {
        // The combination is a function of the modes and probabilities.
        self.modes == other.modes && self.probabilities == other.probabilities
    }
}

impl<const N: usize> ImmState<N> {
    /// Builds a state from modes and probabilities.
    pub fn new(modes: Vec<Gaussian<N>>, probabilities: Vec<f64>) -> Self {
        let position = moment_match_position(&modes, &probabilities);
        Self {
            modes,
            probabilities,
            position,
        }
    }

    /// Moment-matched single Gaussian.
    pub fn combined(&self) -> Gaussian<N> {
        let mut g = Gaussian::zeros();
        moment_match_into(&self.modes, &self.probabilities, &mut g);
        g
    }

    /// Records that the modes or probabilities changed.
    fn recombine(&mut self) {
        self.position = moment_match_position(&self.modes, &self.probabilities);
    }
}

/// The position entries of `moment_match_into`, computed the same way.
fn moment_match_position<const N: usize>(
    modes: &[Gaussian<N>],
    weights: &[f64],
) -> (Vector3<f64>, Matrix3<f64>) {
    let mut mean = Vector3::<f64>::zeros();
    for (g, w) in modes.iter().zip(weights) {
        mean += g.position() * *w;
    }
    let mut cov = Matrix3::<f64>::zeros();
    for (g, &w) in modes.iter().zip(weights) {
        let d = g.position() - mean;
        for c in 0..3 {
            for r in 0..3 {
                cov[(r, c)] += (g.cov[(POS[r], POS[c])] + d[r] * d[c]) * w;
            }
        }
    }
    (mean, cov)
}

/// Whether a matrix equals its transpose exactly.
fn is_symmetric<const N: usize>(m: &SMatrix<f64, N, N>) -> bool {
    (1..N).all(|c| (0..c).all(|r| m[(r, c)] == m[(c, r)]))
}

/// `acc += (p + d dᵀ) w`, element by element (column-major, fixed-size columns). With
/// `upper` only the elements on and above the diagonal are touched (see `mirror_upper`).
#[inline(always)]
fn accumulate_spread<const N: usize>(
    acc: &mut SMatrix<f64, N, N>,
    p: &SMatrix<f64, N, N>,
    d: &SVector<f64, N>,
    w: f64,
    upper: bool,
) {
    let d: [f64; N] = std::array::from_fn(|i| d[i]);
    for (c, ((dst, src), dc)) in acc
        .as_mut_slice()
        .as_chunks_mut::<N>()
        .0
        .iter_mut()
        .zip(p.as_slice().as_chunks::<N>().0)
        .zip(d)
        .enumerate()
    {
        let rows = if upper { c + 1 } else { N };
        for r in 0..rows {
            dst[r] += (src[r] + d[r] * dc) * w;
        }
    }
}

/// Copies the upper triangle onto the lower one. When every `p` given to `accumulate_spread`
/// is exactly symmetric, element (c, r) would have been computed from the same operands as
/// (r, c), so this gives the same matrix as the full accumulation for about half the work.
fn mirror_upper<const N: usize>(m: &mut SMatrix<f64, N, N>) {
    for c in 1..N {
        for r in 0..c {
            m[(c, r)] = m[(r, c)];
        }
    }
}

/// `cov = Σ w_i (P_i + (m_i - mean)(m_i - mean)ᵀ)`, accumulated over the modes in order.
fn spread_into<const N: usize>(
    modes: &[Gaussian<N>],
    weight: impl Fn(usize) -> f64,
    mean: &SVector<f64, N>,
    symmetric: bool,
    cov: &mut SMatrix<f64, N, N>,
) {
    *cov = SMatrix::zeros();
    for (i, g) in modes.iter().enumerate() {
        accumulate_spread(cov, &g.cov, &(g.mean - mean), weight(i), symmetric);
    }
    if symmetric {
        mirror_upper(cov);
    }
}

/// `Σ w_i N(m_i, P_i)` moment-matched: mean `Σ w_i m_i`, covariance
/// `Σ w_i (P_i + (m_i - m)(m_i - m)ᵀ)`.
fn moment_match_into<const N: usize>(
    modes: &[Gaussian<N>],
    weights: &[f64],
    out: &mut Gaussian<N>,
) {
    let mut mean = SVector::<f64, N>::zeros();
    for (g, w) in modes.iter().zip(weights) {
        mean += g.mean * *w;
    }
    let symmetric = modes.iter().all(|g| is_symmetric(&g.cov));
    spread_into(modes, |i| weights[i], &mean, symmetric, &mut out.cov);
    out.mean = mean;
}

impl<const N: usize> Estimate for ImmState<N> {
    fn kinematics(&self) -> (Vector6<f64>, Matrix6<f64>) {
        self.combined().kinematics()
    }
    fn position(&self) -> Vector3<f64> {
        self.position.0
    }
    fn position_cov(&self) -> Matrix3<f64> {
        self.position.1
    }
    fn heap_bytes(&self) -> usize {
        self.modes.capacity() * std::mem::size_of::<Gaussian<N>>()
            + self.probabilities.capacity() * std::mem::size_of::<f64>()
    }
    fn pack(&self, out: &mut Vec<f64>) -> bool {
        if self.modes.len() != self.probabilities.len() {
            return false;
        }
        out.push(self.modes.len() as f64);
        for g in &self.modes {
            pack_gaussian(g, out);
        }
        out.extend_from_slice(&self.probabilities);
        true
    }
    fn unpack(data: &[f64]) -> Option<(Self, usize)> {
        let k = *data.first()?;
        if !((1.0..=64.0).contains(&k) && k.fract() == 0.0) {
            return None;
        }
        let k = k as usize;
        let mut used = 1;
        let mut modes = Vec::with_capacity(k);
        for _ in 0..k {
            let (g, n) = unpack_gaussian::<N>(data.get(used..)?)?;
            modes.push(g);
            used += n;
        }
        let probabilities = data.get(used..used + k)?.to_vec();
        used += k;
        // The position part is recomputed exactly as `recombine` computed it.
        Some((ImmState::new(modes, probabilities), used))
    }
    fn envelope(&self) -> Envelope {
        let mut velocity = Vector3::zeros();
        for (g, w) in self.modes.iter().zip(&self.probabilities) {
            velocity += g.velocity() * *w;
        }
        let mut var_v = 0.0;
        let mut acceleration = 0.0f64;
        for (g, w) in self.modes.iter().zip(&self.probabilities) {
            let d = g.velocity() - velocity;
            var_v += (g.cov[(1, 1)] + g.cov[(3, 3)] + g.cov[(5, 5)] + d.norm_squared()) * w;
            acceleration = acceleration.max(extra_acceleration(g));
        }
        Envelope {
            position: self.position.0,
            velocity,
            sigma_position: self.position.1.trace().max(0.0).sqrt(),
            sigma_velocity: var_v.max(0.0).sqrt(),
            acceleration,
        }
    }
}

/// Up to this many IMM modes are processed in stack scratch space; more use the heap.
const INLINE_MODES: usize = 3;

/// Runs `f` with scratch space for `k` Gaussians and `k` numbers.
fn with_scratch<const N: usize, R>(
    k: usize,
    f: impl FnOnce(&mut [Gaussian<N>], &mut [f64]) -> R,
) -> R {
    if k <= INLINE_MODES {
        let mut g: [Gaussian<N>; INLINE_MODES] = std::array::from_fn(|_| Gaussian::zeros());
        let mut x = [0.0; INLINE_MODES];
        f(&mut g[..k], &mut x[..k])
    } else {
        let mut g = vec![Gaussian::zeros(); k];
        let mut x = vec![0.0; k];
        f(&mut g, &mut x)
    }
}

/// IMM predictor: mixing with a continuous-time Markov switching model (mean sojourn time per
/// mode), then a per-mode EKF prediction.
#[derive(Clone)]
pub struct ImmPredictor<const N: usize> {
    pub models: Vec<Arc<dyn MotionModel<N>>>,
    /// Mean time spent in each mode before switching, seconds.
    pub sojourn_s: Vec<f64>,
    pub initial_probabilities: Vec<f64>,
    pub extra_prior: ExtraPrior,
}

impl<const N: usize> ImmPredictor<N> {
    pub fn new(
        models: Vec<Arc<dyn MotionModel<N>>>,
        sojourn_s: Vec<f64>,
        initial_probabilities: Vec<f64>,
    ) -> Result<Self, TrackError> {
        let k = models.len();
        if k == 0 || sojourn_s.len() != k || initial_probabilities.len() != k {
            return Err(TrackError::Config(
                "IMM needs one sojourn time and one initial probability per model".into(),
            ));
        }
        if sojourn_s.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(TrackError::Config(
                "IMM sojourn times must be positive".into(),
            ));
        }
        let sum: f64 = initial_probabilities.iter().sum();
        if initial_probabilities
            .iter()
            .any(|p| !(p.is_finite() && *p >= 0.0))
            || sum <= 0.0
        {
            return Err(TrackError::Config(
                "IMM initial probabilities must be non-negative".into(),
            ));
        }
        let initial_probabilities = initial_probabilities.iter().map(|p| p / sum).collect();
        Ok(Self {
            models,
            sojourn_s,
            initial_probabilities,
            extra_prior: ExtraPrior::default(),
        })
    }

    /// Probability of staying in mode `i` over an interval `dt`.
    fn stay(&self, i: usize, dt: f64) -> f64 {
        if self.models.len() == 1 {
            1.0
        } else {
            (-dt.abs() / self.sojourn_s[i]).exp()
        }
    }

    /// Switching probability matrix for an interval `dt`: row i gives P(mode j at end | i).
    /// `stay[i]` is `self.stay(i, dt)`.
    fn transition(&self, stay: &[f64], i: usize, j: usize) -> f64 {
        if i == j {
            stay[i]
        } else {
            (1.0 - stay[i]) / (self.models.len() as f64 - 1.0)
        }
    }

    /// Mixes the modes of `state` into `mixed` (one slot per mode) and leaves the predicted
    /// (unnormalised) mode probabilities c_j in `c`.
    #[inline(always)]
    fn mix(&self, state: &ImmState<N>, dt: f64, mixed: &mut [Gaussian<N>], c: &mut [f64]) {
        let k = self.models.len();
        let mu = &state.probabilities;
        let mut stay_inline = [0.0; INLINE_MODES];
        let mut stay_heap = Vec::new();
        let stay: &mut [f64] = if k <= INLINE_MODES {
            &mut stay_inline[..k]
        } else {
            stay_heap.resize(k, 0.0);
            &mut stay_heap
        };
        for (i, s) in stay.iter_mut().enumerate() {
            *s = self.stay(i, dt);
        }
        // c_j = Σ_i π_ij μ_i
        for (j, c_j) in c.iter_mut().enumerate() {
            *c_j = (0..k)
                .map(|i| self.transition(stay, i, j) * mu[i])
                .sum::<f64>();
        }
        let symmetric = state.modes.iter().all(|g| is_symmetric(&g.cov));
        for (j, slot) in mixed.iter_mut().enumerate() {
            // μ_{i|j} = π_ij μ_i / c_j
            let c_j = c[j];
            let weight = |i: usize| {
                if c_j > 0.0 {
                    self.transition(stay, i, j) * mu[i] / c_j
                } else {
                    0.0
                }
            };
            let mut mean = SVector::<f64, N>::zeros();
            for (i, g) in state.modes.iter().enumerate() {
                mean += g.mean * weight(i);
            }
            spread_into(&state.modes, weight, &mean, symmetric, &mut slot.cov);
            slot.mean = mean;
        }
    }
}

impl<const N: usize> Predictor for ImmPredictor<N> {
    type State = ImmState<N>;
    fn predict(&self, state: &ImmState<N>, dt: f64) -> Result<ImmState<N>, TrackError> {
        let mut out = state.clone();
        self.predict_in_place(&mut out, dt)?;
        Ok(out)
    }

    /// Mixes `src` straight into the modes of `dst` and predicts them there: no copy of the
    /// source and no scratch space (the arithmetic of `predict_in_place`, bit for bit).
    fn predict_into(
        &self,
        src: &ImmState<N>,
        dst: &mut ImmState<N>,
        dt: f64,
    ) -> Result<(), TrackError> {
        let k = self.models.len();
        if dt == 0.0 || src.modes.len() != k || src.probabilities.len() != k {
            dst.clone_from(src);
            return self.predict_in_place(dst, dt);
        }
        dst.modes.resize(k, Gaussian::zeros());
        dst.probabilities.resize(k, 0.0);
        let mut c_inline = [0.0; INLINE_MODES];
        let mut c_heap = Vec::new();
        let c: &mut [f64] = if k <= INLINE_MODES {
            &mut c_inline[..k]
        } else {
            c_heap.resize(k, 0.0);
            &mut c_heap
        };
        self.mix(src, dt, &mut dst.modes, c);
        for (g, motion) in dst.modes.iter_mut().zip(&self.models) {
            g.cov = motion.propagate_covariance(&g.mean, &g.cov, dt);
            g.mean = motion.propagate(&g.mean, dt);
            g.sanitise("EKF predict")?;
        }
        let total: f64 = c.iter().sum();
        if !(total.is_finite() && total > 0.0) {
            return Err(TrackError::NonFinite {
                context: "IMM mixing",
            });
        }
        for (p, c_j) in dst.probabilities.iter_mut().zip(c.iter()) {
            *p = c_j / total;
        }
        dst.recombine();
        Ok(())
    }

    fn predict_in_place(&self, state: &mut ImmState<N>, dt: f64) -> Result<(), TrackError> {
        if dt == 0.0 {
            return Ok(());
        }
        let k = self.models.len();
        if state.modes.len() != k || state.probabilities.len() != k {
            return Err(TrackError::Config(
                "IMM state and predictor disagree on the number of modes".into(),
            ));
        }
        with_scratch(k, |mixed: &mut [Gaussian<N>], c| {
            self.mix(state, dt, mixed, c);
            for ((dst, src), motion) in state.modes.iter_mut().zip(mixed.iter()).zip(&self.models) {
                dst.cov = motion.propagate_covariance(&src.mean, &src.cov, dt);
                dst.mean = motion.propagate(&src.mean, dt);
                dst.sanitise("EKF predict")?;
            }
            let total: f64 = c.iter().sum();
            if !(total.is_finite() && total > 0.0) {
                return Err(TrackError::NonFinite {
                    context: "IMM mixing",
                });
            }
            for (p, c_j) in state.probabilities.iter_mut().zip(c.iter()) {
                *p = c_j / total;
            }
            state.recombine();
            Ok(())
        })
    }

    fn initial_state(&self, mean: &Vector6<f64>, cov: &Matrix6<f64>) -> ImmState<N> {
        let g: Gaussian<N> = initial_gaussian(mean, cov, &self.extra_prior);
        ImmState::new(
            vec![g; self.models.len()],
            self.initial_probabilities.clone(),
        )
    }

    fn position_noise_bound(&self, speed: f64, dt: f64) -> f64 {
        self.models
            .iter()
            .map(|m| m.position_noise_bound(speed, dt))
            .fold(0.0, f64::max)
    }
}

/// IMM updater: per-mode EKF updates and Bayesian mode-probability update.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImmUpdater<const N: usize>;

impl<const N: usize> Updater for ImmUpdater<N> {
    type State = ImmState<N>;
    fn innovate(
        &self,
        predicted: &ImmState<N>,
        model: &AnyModel,
    ) -> Result<Innovation, TrackError> {
        innovation_at(&predicted.position.0, &predicted.position.1, model)
    }

    fn update(
        &self,
        predicted: &ImmState<N>,
        model: &AnyModel,
        inn: &Innovation,
    ) -> Result<ImmState<N>, TrackError> {
        let mut out = predicted.clone();
        self.update_in_place(&mut out, model, inn)?;
        Ok(out)
    }

    fn update_in_place(
        &self,
        state: &mut ImmState<N>,
        model: &AnyModel,
        _inn: &Innovation,
    ) -> Result<(), TrackError> {
        let k = state.modes.len();
        with_scratch(k, |modes: &mut [Gaussian<N>], log_w| {
            for (((g, p), out), lw) in state
                .modes
                .iter()
                .zip(&state.probabilities)
                .zip(modes.iter_mut())
                .zip(log_w.iter_mut())
            {
                let inn = ekf_innovation(g, model)?;
                *lw = p.max(1e-300).ln() + inn.log_likelihood();
                *out = ekf_update(g, &inn)?;
            }
            normalise_log_into(log_w)?;
            for (dst, src) in state.modes.iter_mut().zip(modes.iter()) {
                dst.clone_from(src);
            }
            state.probabilities.copy_from_slice(log_w);
            state.recombine();
            Ok(())
        })
    }

    /// Updates each mode of `src` straight into `dst` (no staging copies; the arithmetic of
    /// `update_in_place`, bit for bit).
    fn update_into(
        &self,
        src: &ImmState<N>,
        dst: &mut ImmState<N>,
        model: &AnyModel,
        _inn: &Innovation,
    ) -> Result<(), TrackError> {
        let k = src.modes.len();
        if src.probabilities.len() != k {
            return Err(TrackError::Config(
                "IMM state has one probability per mode".into(),
            ));
        }
        dst.modes.resize(k, Gaussian::zeros());
        dst.probabilities.resize(k, 0.0);
        for (((g, p), out), lw) in src
            .modes
            .iter()
            .zip(&src.probabilities)
            .zip(dst.modes.iter_mut())
            .zip(dst.probabilities.iter_mut())
        {
            let inn = ekf_innovation(g, model)?;
            *lw = p.max(1e-300).ln() + inn.log_likelihood();
            *out = ekf_update(g, &inn)?;
        }
        normalise_log_into(&mut dst.probabilities)?;
        dst.recombine();
        Ok(())
    }

    fn update_weighted(
        &self,
        predicted: &ImmState<N>,
        hypotheses: &[(&AnyModel, &Innovation)],
        weights: &[f64],
        miss_weight: f64,
    ) -> Result<ImmState<N>, TrackError> {
        if hypotheses.is_empty() {
            return Ok(predicted.clone());
        }
        let k = predicted.modes.len();
        let mut modes = Vec::with_capacity(k);
        let mut log_w = Vec::with_capacity(k);
        for (g, p) in predicted.modes.iter().zip(&predicted.probabilities) {
            let inns: Vec<Innovation> = hypotheses
                .iter()
                .map(|(m, _)| ekf_innovation(g, m))
                .collect::<Result<_, _>>()?;
            let hyps: Vec<(&AnyModel, &Innovation)> = hypotheses
                .iter()
                .zip(&inns)
                .map(|((m, _), i)| (*m, i))
                .collect();
            // Mode likelihood: mixture of the hypothesis likelihoods and the miss weight.
            let lik: f64 = miss_weight
                + inns
                    .iter()
                    .zip(weights)
                    .map(|(i, w)| w * i.log_likelihood().exp())
                    .sum::<f64>();
            log_w.push(p.max(1e-300).ln() + lik.max(1e-300).ln());
            modes.push(pda_update(g, &hyps, weights, miss_weight, None)?);
        }
        normalise_log_into(&mut log_w)?;
        Ok(ImmState::new(modes, log_w))
    }
}

/// Turns log-weights into probabilities, in place.
fn normalise_log_into(log_w: &mut [f64]) -> Result<(), TrackError> {
    let max = log_w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return Err(TrackError::NonFinite {
            context: "IMM mode probabilities",
        });
    }
    for l in log_w.iter_mut() {
        *l = (*l - max).exp().max(1e-12);
    }
    let s: f64 = log_w.iter().sum();
    for w in log_w.iter_mut() {
        *w /= s;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::motion::{ConstantAcceleration, ConstantVelocity, CoordinatedTurn};

    /// The envelope bound the local pre-gate relies on, as the tracker computes it.
    fn bound<P: Predictor>(p: &P, e: &Envelope, dt: f64) -> f64 {
        let a = dt.abs();
        e.sigma_position
            + a * e.sigma_velocity
            + 1.5 * e.acceleration * a * a
            + p.position_noise_bound(e.velocity.norm(), a).sqrt()
    }

    fn check<P: Predictor>(p: &P, s: &P::State)
    where
        P::State: PartialEq + std::fmt::Debug,
    {
        let e = s.envelope();
        for dt in [-2.0, -0.3, 0.01, 0.25, 1.0, 4.0, 12.0] {
            let pred = p.predict(s, dt).unwrap();
            // Packing for checkpoints is exact, symmetric or not.
            let mut buf = vec![7.0];
            assert!(pred.pack(&mut buf));
            let (back, used) = P::State::unpack(&buf[1..]).unwrap();
            assert_eq!(used, buf.len() - 1);
            assert_eq!(back, pred);
            // predict_into (into a state holding something else) is the same bit for bit.
            let mut into = p.predict(s, 3.3).unwrap();
            p.predict_into(s, &mut into, dt).unwrap();
            assert_eq!(into, pred, "predict_into at dt {dt}");
            let lin = e.position + e.velocity * dt;
            let off = (pred.position() - lin).norm();
            assert!(
                off <= 0.5 * e.acceleration * dt * dt + 1e-6 * (1.0 + lin.norm()),
                "dt {dt}: mean {off} off the line"
            );
            let sigma = pred.position_cov().trace().sqrt();
            let b = bound(p, &e, dt);
            assert!(
                sigma <= b * (1.0 + 1e-9),
                "dt {dt}: sigma {sigma} > bound {b}"
            );
        }
    }

    fn prior() -> (Vector6<f64>, Matrix6<f64>) {
        let mean = Vector6::new(10e3, 180.0, -4e3, -120.0, 8e3, 3.0);
        let mut cov =
            Matrix6::from_diagonal(&Vector6::new(400.0, 900.0, 2500.0, 400.0, 10_000.0, 25.0));
        // Correlated position and velocity, as after a few updates.
        cov[(0, 1)] = 300.0;
        cov[(1, 0)] = 300.0;
        cov[(2, 3)] = -500.0;
        cov[(3, 2)] = -500.0;
        (mean, cov)
    }

    #[test]
    fn predictions_stay_inside_the_envelope() {
        let (mean, cov) = prior();
        let cv = ConstantVelocity {
            q: 1.0,
            q_vertical: 1.0,
        };
        let ct = CoordinatedTurn {
            q: 4.0,
            q_vertical: 1.0,
            q_omega: 1e-4,
        };
        let ca = ConstantAcceleration { q_jerk: 1.0 };
        let ekf = ExtendedKalmanPredictor::<6>::new(cv);
        check(&ekf, &ekf.initial_state(&mean, &cov));
        let ukf = UnscentedKalmanPredictor::<6>::new(cv);
        check(&ukf, &ukf.initial_state(&mean, &cov));
        let ekf_ca = ExtendedKalmanPredictor::<9>::new(ca);
        check(&ekf_ca, &ekf_ca.initial_state(&mean, &cov));
        let mut ekf_ct = ExtendedKalmanPredictor::<7>::new(ct);
        ekf_ct.extra_prior.omega_sigma = 0.03;
        let mut s = ekf_ct.initial_state(&mean, &cov);
        s.mean[6] = 0.05; // turning at ~3°/s
        check(&ekf_ct, &s);
        let imm = ImmPredictor::<7>::new(
            vec![Arc::new(cv), Arc::new(ct)],
            vec![40.0, 15.0],
            vec![0.8, 0.2],
        )
        .unwrap();
        let mut s = imm.initial_state(&mean, &cov);
        s.modes[1].mean[6] = -0.05;
        s.modes[1].mean[1] += 20.0;
        s.recombine();
        check(&imm, &s);
        let imm3 = ImmPredictor::<10>::new(
            vec![Arc::new(cv), Arc::new(ca), Arc::new(ct)],
            vec![40.0, 15.0, 15.0],
            vec![0.6, 0.2, 0.2],
        )
        .unwrap();
        let mut s = imm3.initial_state(&mean, &cov);
        s.modes[1].mean[6] = 3.0;
        s.modes[2].mean[9] = 0.04;
        s.recombine();
        check(&imm3, &s);
    }

    #[test]
    fn update_into_is_update_in_place() {
        let (mean, cov) = prior();
        let cv = ConstantVelocity {
            q: 1.0,
            q_vertical: 1.0,
        };
        let ct = CoordinatedTurn {
            q: 4.0,
            q_vertical: 1.0,
            q_omega: 1e-4,
        };
        let imm = ImmPredictor::<7>::new(
            vec![Arc::new(cv), Arc::new(ct)],
            vec![40.0, 15.0],
            vec![0.8, 0.2],
        )
        .unwrap();
        let s = imm.predict(&imm.initial_state(&mean, &cov), 1.0).unwrap();
        let site = tessera_domain::SensorSite::aligned(
            tessera_domain::SensorId(1),
            tessera_domain::SensorKind::Radar3d,
            Vector3::new(-20e3, -30e3, 0.0),
        );
        let model = AnyModel::Polar3(crate::measure::Polar3Model {
            site,
            z: Vector3::new(33e3, 0.62, 0.25),
            sigma: Vector3::new(50.0, 0.003, 0.003),
        });
        let inn = ImmUpdater.innovate(&s, &model).unwrap();
        let mut a = s.clone();
        ImmUpdater.update_in_place(&mut a, &model, &inn).unwrap();
        let mut b = imm.initial_state(&mean, &cov);
        ImmUpdater.update_into(&s, &mut b, &model, &inn).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.position(), b.position());
    }

    #[test]
    fn packing_is_exact_for_asymmetric_covariances_too() {
        let (mean, mut cov) = prior();
        cov[(0, 3)] = 1.0 + 1e-13;
        cov[(3, 0)] = 1.0;
        let g = Gaussian::<7>::from_kinematics(&mean, &cov, &[1e-4]);
        let mut buf = Vec::new();
        assert!(g.pack(&mut buf));
        assert_eq!(buf.len(), 1 + 7 + 49);
        assert_eq!(Gaussian::<7>::unpack(&buf).unwrap().0, g);
        // Symmetric: mean plus the upper triangle.
        let s = Gaussian::<7>::from_kinematics(&mean, &prior().1, &[1e-4]);
        let mut buf = Vec::new();
        s.pack(&mut buf);
        assert_eq!(buf.len(), 1 + 7 + 28);
        assert_eq!(Gaussian::<7>::unpack(&buf).unwrap().0, s);
        // Truncated or corrupt input is refused, not a panic.
        assert!(Gaussian::<7>::unpack(&buf[..10]).is_none());
        assert!(ImmState::<7>::unpack(&[f64::NAN]).is_none());
        assert!(ImmState::<7>::unpack(&[2.0, 0.0]).is_none());
    }

    #[test]
    fn motion_noise_bounds_match_the_noise_matrices() {
        let models: Vec<Box<dyn MotionModel<10>>> = vec![
            Box::new(ConstantVelocity {
                q: 2.0,
                q_vertical: 0.5,
            }),
            Box::new(CoordinatedTurn {
                q: 4.0,
                q_vertical: 1.0,
                q_omega: 1e-4,
            }),
            Box::new(ConstantAcceleration { q_jerk: 1.5 }),
        ];
        for m in &models {
            for dt in [0.1, 1.0, 4.0, -3.0] {
                let q = m.noise(&SVector::zeros(), f64::abs(dt));
                let tr = q[(0, 0)] + q[(2, 2)] + q[(4, 4)];
                let b = m.position_noise_bound(250.0, dt);
                assert!(b >= tr * (1.0 - 1e-12), "{}: {b} < {tr}", m.name());
                assert!(b <= tr * 1.000_001 + 1e-12, "{}: {b} ≫ {tr}", m.name());
            }
        }
    }
}
