//! Motion models (the `MotionModel` stage): nearly-constant velocity, nearly-constant
//! acceleration and coordinated turn, each usable in any state dimension that holds the
//! components it needs. Components a model does not use are carried unchanged with a small
//! random-walk noise, so the same models can share an augmented state inside an IMM.
//!
//! Layouts: `N = 6` `[x vx y vy z vz]`; `N = 7` adds the turn rate ω; `N = 9` adds accelerations
//! `ax ay az`; `N = 10` adds accelerations then ω.

use nalgebra::{SMatrix, SVector};

/// Index of the turn rate in a state of dimension `n`, if it has one.
pub const fn omega_index(n: usize) -> Option<usize> {
    match n {
        7 => Some(6),
        10 => Some(9),
        _ => None,
    }
}

/// Index of the first acceleration component in a state of dimension `n`, if it has them.
pub const fn accel_index(n: usize) -> Option<usize> {
    if n >= 9 { Some(6) } else { None }
}

/// How a target moves between two instants.
pub trait MotionModel<const N: usize>: Send + Sync {
    /// Propagates a state by `dt` seconds (noise-free).
    fn propagate(&self, x: &SVector<f64, N>, dt: f64) -> SVector<f64, N>;
    /// The Jacobian of `propagate` at `x`.
    fn jacobian(&self, x: &SVector<f64, N>, dt: f64) -> SMatrix<f64, N, N>;
    /// Process noise covariance accumulated over `dt`.
    fn noise(&self, x: &SVector<f64, N>, dt: f64) -> SMatrix<f64, N, N>;
    /// A short name for reports.
    fn name(&self) -> &'static str;
    /// The propagated covariance `F P Fᵀ + Q(|dt|)`, with `F` the Jacobian at `x`.
    ///
    /// The default multiplies only the non-zero entries of `F` (every model here has a sparse
    /// Jacobian), in the same order as a dense product, so the result equals the dense
    /// `f * p * f.transpose() + q` up to the sign of exact zeros. Models may override it.
    fn propagate_covariance(
        &self,
        x: &SVector<f64, N>,
        p: &SMatrix<f64, N, N>,
        dt: f64,
    ) -> SMatrix<f64, N, N> {
        let f = self.jacobian(x, dt);
        let mut out = congruence(&f, p);
        out += self.noise(x, dt.abs());
        out
    }
    /// An upper bound of the trace of the position block of `noise(x, dt)` for a target
    /// moving at `speed` (m/s): the process noise's share of the prediction envelope that the
    /// local pre-gate uses. The default evaluates the noise at a zero state.
    fn position_noise_bound(&self, speed: f64, dt: f64) -> f64 {
        let _ = speed;
        let q = self.noise(&SVector::zeros(), dt.abs());
        q[(0, 0)] + q[(2, 2)] + q[(4, 4)]
    }
}

/// `F P Fᵀ` skipping the zero entries of `F`. Each output element sums its terms in ascending
/// index order, as nalgebra's dense product does, so dropping the zero terms changes nothing
/// but the sign of exact zeros.
pub fn congruence<const N: usize>(
    f: &SMatrix<f64, N, N>,
    p: &SMatrix<f64, N, N>,
) -> SMatrix<f64, N, N> {
    // Non-zero columns of each row of F.
    let mut nz = [[0u8; N]; N];
    let mut count = [0usize; N];
    for (r, (row_nz, n)) in nz.iter_mut().zip(count.iter_mut()).enumerate() {
        for c in 0..N {
            if f[(r, c)] != 0.0 {
                row_nz[*n] = c as u8;
                *n += 1;
            }
        }
    }
    // A = F P, column by column.
    let mut a = SMatrix::<f64, N, N>::zeros();
    for c in 0..N {
        let pc = p.column(c);
        for r in 0..N {
            let idx = &nz[r][..count[r]];
            if let Some((&first, rest)) = idx.split_first() {
                let mut s = f[(r, first as usize)] * pc[first as usize];
                for &k in rest {
                    s += f[(r, k as usize)] * pc[k as usize];
                }
                a[(r, c)] = s;
            }
        }
    }
    // A Fᵀ: element (r, c) sums A[r, k] F[c, k] over the non-zero columns k of row c of F.
    let mut out = SMatrix::<f64, N, N>::zeros();
    for c in 0..N {
        let idx = &nz[c][..count[c]];
        if let Some((&first, rest)) = idx.split_first() {
            let k0 = first as usize;
            let w0 = f[(c, k0)];
            for r in 0..N {
                out[(r, c)] = a[(r, k0)] * w0;
            }
            for &k in rest {
                let k = k as usize;
                let w = f[(c, k)];
                for r in 0..N {
                    out[(r, c)] += a[(r, k)] * w;
                }
            }
        }
    }
    out
}

/// `F P Fᵀ` given `fv(v) = F v` (a sparse product that sums each element's terms in ascending
/// index order, so the result equals the dense product up to the sign of exact zeros):
/// `A = F P` column by column, then `F Aᵀ = (A Fᵀ)ᵀ` the same way.
#[inline(always)]
fn sandwich<const N: usize>(
    p: &SMatrix<f64, N, N>,
    fv: impl Fn(&[f64; N]) -> [f64; N],
) -> SMatrix<f64, N, N> {
    let mut a = SMatrix::<f64, N, N>::zeros();
    for (dst, src) in a
        .as_mut_slice()
        .as_chunks_mut::<N>()
        .0
        .iter_mut()
        .zip(p.as_slice().as_chunks::<N>().0)
    {
        *dst = fv(src);
    }
    let at = a.transpose();
    let mut c = SMatrix::<f64, N, N>::zeros();
    for (dst, src) in c
        .as_mut_slice()
        .as_chunks_mut::<N>()
        .0
        .iter_mut()
        .zip(at.as_slice().as_chunks::<N>().0)
    {
        *dst = fv(src);
    }
    c.transpose()
}

/// Adds the constant-velocity noise blocks (and the random walk of the components from index
/// 6 on that `carry` leaves unset) to `m`: the non-zero entries of `ConstantVelocity::noise`.
fn add_cv_noise<const N: usize>(m: &mut SMatrix<f64, N, N>, q: f64, q_vertical: f64, dt: f64) {
    for a in 0..3 {
        let b = cv_block(if a == 2 { q_vertical } else { q }, dt);
        for r in 0..2 {
            for c in 0..2 {
                m[(2 * a + r, 2 * a + c)] += b[r][c];
            }
        }
    }
}

/// Continuous white-noise acceleration block for one axis (position, velocity).
fn cv_block(q: f64, dt: f64) -> [[f64; 2]; 2] {
    let dt2 = dt * dt;
    [[q * dt2 * dt / 3.0, q * dt2 / 2.0], [q * dt2 / 2.0, q * dt]]
}

/// Random-walk noise for the components a model does not drive.
fn carry_unused<const N: usize>(q_mat: &mut SMatrix<f64, N, N>, from: usize, var: f64) {
    for i in from..N {
        if q_mat[(i, i)] == 0.0 {
            q_mat[(i, i)] = var;
        }
    }
}

/// Nearly-constant velocity: white acceleration noise of power spectral density `q`
/// (m²/s³) on each horizontal axis and `q_vertical` on the vertical one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConstantVelocity {
    pub q: f64,
    pub q_vertical: f64,
}

impl<const N: usize> MotionModel<N> for ConstantVelocity {
    fn propagate(&self, x: &SVector<f64, N>, dt: f64) -> SVector<f64, N> {
        let mut y = *x;
        for a in 0..3 {
            y[2 * a] += x[2 * a + 1] * dt;
        }
        y
    }

    fn jacobian(&self, _x: &SVector<f64, N>, dt: f64) -> SMatrix<f64, N, N> {
        let mut f = SMatrix::<f64, N, N>::identity();
        for a in 0..3 {
            f[(2 * a, 2 * a + 1)] = dt;
        }
        f
    }

    fn noise(&self, _x: &SVector<f64, N>, dt: f64) -> SMatrix<f64, N, N> {
        let mut q = SMatrix::<f64, N, N>::zeros();
        for a in 0..3 {
            let b = cv_block(if a == 2 { self.q_vertical } else { self.q }, dt);
            for r in 0..2 {
                for c in 0..2 {
                    q[(2 * a + r, 2 * a + c)] = b[r][c];
                }
            }
        }
        carry_unused(&mut q, 6, unused_var(dt));
        q
    }

    fn name(&self) -> &'static str {
        "cv"
    }

    fn position_noise_bound(&self, _speed: f64, dt: f64) -> f64 {
        let a = dt.abs();
        (2.0 * self.q + self.q_vertical) * a * a * a / 3.0
    }

    fn propagate_covariance(
        &self,
        _x: &SVector<f64, N>,
        p: &SMatrix<f64, N, N>,
        dt: f64,
    ) -> SMatrix<f64, N, N> {
        if N < 6 {
            let f = MotionModel::<N>::jacobian(self, _x, dt);
            return congruence(&f, p) + MotionModel::<N>::noise(self, _x, dt.abs());
        }
        let mut m = sandwich(p, |v| {
            let mut y = *v;
            for a in 0..3 {
                y[2 * a] = v[2 * a] + dt * v[2 * a + 1];
            }
            y
        });
        let adt = dt.abs();
        add_cv_noise(&mut m, self.q, self.q_vertical, adt);
        let var = unused_var(adt);
        for i in 6..N {
            m[(i, i)] += var;
        }
        m
    }
}

fn unused_var(dt: f64) -> f64 {
    1e-6 * dt.abs().max(1e-3)
}

/// Nearly-constant acceleration (Wiener-sequence acceleration): white jerk noise of power
/// spectral density `q_jerk` (m²/s⁵). Needs `N >= 9`; in smaller states it degrades to CV.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConstantAcceleration {
    pub q_jerk: f64,
}

impl<const N: usize> MotionModel<N> for ConstantAcceleration {
    fn propagate(&self, x: &SVector<f64, N>, dt: f64) -> SVector<f64, N> {
        let mut y = *x;
        let Some(ai) = accel_index(N) else {
            return ConstantVelocity {
                q: 0.0,
                q_vertical: 0.0,
            }
            .propagate(x, dt);
        };
        for a in 0..3 {
            let acc = x[ai + a];
            y[2 * a] += x[2 * a + 1] * dt + 0.5 * acc * dt * dt;
            y[2 * a + 1] += acc * dt;
        }
        y
    }

    fn jacobian(&self, x: &SVector<f64, N>, dt: f64) -> SMatrix<f64, N, N> {
        let Some(ai) = accel_index(N) else {
            return ConstantVelocity {
                q: 0.0,
                q_vertical: 0.0,
            }
            .jacobian(x, dt);
        };
        let mut f = SMatrix::<f64, N, N>::identity();
        for a in 0..3 {
            f[(2 * a, 2 * a + 1)] = dt;
            f[(2 * a, ai + a)] = 0.5 * dt * dt;
            f[(2 * a + 1, ai + a)] = dt;
        }
        f
    }

    fn noise(&self, x: &SVector<f64, N>, dt: f64) -> SMatrix<f64, N, N> {
        let Some(ai) = accel_index(N) else {
            return ConstantVelocity {
                q: self.q_jerk,
                q_vertical: self.q_jerk,
            }
            .noise(x, dt);
        };
        let q = self.q_jerk;
        let (d2, d3, d4, d5) = (dt * dt, dt.powi(3), dt.powi(4), dt.powi(5));
        let mut m = SMatrix::<f64, N, N>::zeros();
        for a in 0..3 {
            let idx = [2 * a, 2 * a + 1, ai + a];
            let b = [
                [d5 / 20.0, d4 / 8.0, d3 / 6.0],
                [d4 / 8.0, d3 / 3.0, d2 / 2.0],
                [d3 / 6.0, d2 / 2.0, dt],
            ];
            for r in 0..3 {
                for c in 0..3 {
                    m[(idx[r], idx[c])] = q * b[r][c];
                }
            }
        }
        carry_unused(&mut m, 6, unused_var(dt));
        m
    }

    fn name(&self) -> &'static str {
        "ca"
    }

    fn position_noise_bound(&self, _speed: f64, dt: f64) -> f64 {
        let a = dt.abs();
        if accel_index(N).is_some() {
            3.0 * self.q_jerk * a.powi(5) / 20.0
        } else {
            self.q_jerk * a * a * a
        }
    }

    fn propagate_covariance(
        &self,
        x: &SVector<f64, N>,
        p: &SMatrix<f64, N, N>,
        dt: f64,
    ) -> SMatrix<f64, N, N> {
        let Some(ai) = accel_index(N) else {
            let f = MotionModel::<N>::jacobian(self, x, dt);
            return congruence(&f, p) + MotionModel::<N>::noise(self, x, dt.abs());
        };
        let h = 0.5 * dt * dt;
        let mut m = sandwich(p, |v| {
            let mut y = *v;
            for a in 0..3 {
                y[2 * a] = v[2 * a] + dt * v[2 * a + 1] + h * v[ai + a];
                y[2 * a + 1] = v[2 * a + 1] + dt * v[ai + a];
            }
            y
        });
        m += MotionModel::<N>::noise(self, x, dt.abs());
        m
    }
}

/// Coordinated turn in the horizontal plane with the turn rate ω as a state (needs `N = 7` or
/// `N = 10`), nearly-constant velocity vertically. `q` is the horizontal white acceleration
/// noise, `q_vertical` the vertical one and `q_omega` the turn-rate random-walk density
/// (rad²/s³).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoordinatedTurn {
    pub q: f64,
    pub q_vertical: f64,
    pub q_omega: f64,
}

/// sin(wT)/w and (1-cos(wT))/w and their derivatives in w, with series near w = 0 and the
/// cancellation-free half-angle form elsewhere.
fn turn_terms(w: f64, dt: f64) -> (f64, f64, f64, f64) {
    let wt = w * dt;
    if wt.abs() < 1e-3 {
        let (t2, t3, t4, t5) = (dt * dt, dt.powi(3), dt.powi(4), dt.powi(5));
        let w2 = w * w;
        let s = dt - w2 * t3 / 6.0 + w2 * w2 * t5 / 120.0;
        let c = w * t2 / 2.0 - w2 * w * t4 / 24.0;
        let ds = -w * t3 / 3.0 + w2 * w * t5 / 30.0;
        let dc = t2 / 2.0 - w2 * t4 / 8.0;
        (s, c, ds, dc)
    } else {
        let sn = wt.sin();
        let half = (0.5 * wt).sin();
        let one_minus_cos = 2.0 * half * half;
        let s = sn / w;
        let c = one_minus_cos / w;
        let ds = (dt * wt.cos()) / w - sn / (w * w);
        let dc = (dt * sn) / w - one_minus_cos / (w * w);
        (s, c, ds, dc)
    }
}

impl<const N: usize> MotionModel<N> for CoordinatedTurn {
    fn propagate(&self, x: &SVector<f64, N>, dt: f64) -> SVector<f64, N> {
        let Some(wi) = omega_index(N) else {
            return ConstantVelocity {
                q: 0.0,
                q_vertical: 0.0,
            }
            .propagate(x, dt);
        };
        let w = x[wi];
        let (s, c, _, _) = turn_terms(w, dt);
        let (vx, vy) = (x[1], x[3]);
        let (sn, cs) = (w * dt).sin_cos();
        let mut y = *x;
        y[0] = x[0] + s * vx - c * vy;
        y[1] = cs * vx - sn * vy;
        y[2] = x[2] + c * vx + s * vy;
        y[3] = sn * vx + cs * vy;
        y[4] = x[4] + x[5] * dt;
        y
    }

    fn jacobian(&self, x: &SVector<f64, N>, dt: f64) -> SMatrix<f64, N, N> {
        let Some(wi) = omega_index(N) else {
            return ConstantVelocity {
                q: 0.0,
                q_vertical: 0.0,
            }
            .jacobian(x, dt);
        };
        let w = x[wi];
        let (s, c, ds, dc) = turn_terms(w, dt);
        let (vx, vy) = (x[1], x[3]);
        let (sn, cs) = (w * dt).sin_cos();
        let mut f = SMatrix::<f64, N, N>::identity();
        f[(0, 1)] = s;
        f[(0, 3)] = -c;
        f[(0, wi)] = ds * vx - dc * vy;
        f[(1, 1)] = cs;
        f[(1, 3)] = -sn;
        f[(1, wi)] = -dt * sn * vx - dt * cs * vy;
        f[(2, 1)] = c;
        f[(2, 3)] = s;
        f[(2, wi)] = dc * vx + ds * vy;
        f[(3, 1)] = sn;
        f[(3, 3)] = cs;
        f[(3, wi)] = dt * cs * vx - dt * sn * vy;
        f[(4, 5)] = dt;
        f
    }

    fn noise(&self, x: &SVector<f64, N>, dt: f64) -> SMatrix<f64, N, N> {
        let mut q = ConstantVelocity {
            q: self.q,
            q_vertical: self.q_vertical,
        }
        .noise(x, dt);
        if let Some(wi) = omega_index(N) {
            q[(wi, wi)] = self.q_omega * dt.abs();
        }
        q
    }

    fn name(&self) -> &'static str {
        "ct"
    }

    fn position_noise_bound(&self, _speed: f64, dt: f64) -> f64 {
        // The turn-rate noise reaches the position only through later predictions (via the
        // Jacobian), which the envelope's turn-rate term covers.
        let a = dt.abs();
        (2.0 * self.q + self.q_vertical) * a * a * a / 3.0
    }

    fn propagate_covariance(
        &self,
        x: &SVector<f64, N>,
        p: &SMatrix<f64, N, N>,
        dt: f64,
    ) -> SMatrix<f64, N, N> {
        let Some(wi) = omega_index(N) else {
            let f = MotionModel::<N>::jacobian(self, x, dt);
            return congruence(&f, p) + MotionModel::<N>::noise(self, x, dt.abs());
        };
        // The non-zero entries of `jacobian`, computed the same way.
        let w = x[wi];
        let (s, c, ds, dc) = turn_terms(w, dt);
        let (vx, vy) = (x[1], x[3]);
        let (sn, cs) = (w * dt).sin_cos();
        let f03 = -c;
        let f06 = ds * vx - dc * vy;
        let f13 = -sn;
        let f16 = -dt * sn * vx - dt * cs * vy;
        let f26 = dc * vx + ds * vy;
        let f36 = dt * cs * vx - dt * sn * vy;
        let mut m = sandwich(p, |v| {
            let mut y = *v;
            let vw = v[wi];
            y[0] = v[0] + s * v[1] + f03 * v[3] + f06 * vw;
            y[1] = cs * v[1] + f13 * v[3] + f16 * vw;
            y[2] = c * v[1] + v[2] + s * v[3] + f26 * vw;
            y[3] = sn * v[1] + cs * v[3] + f36 * vw;
            y[4] = v[4] + dt * v[5];
            y
        });
        let adt = dt.abs();
        add_cv_noise(&mut m, self.q, self.q_vertical, adt);
        let var = unused_var(adt);
        for i in 6..N {
            m[(i, i)] += if i == wi { self.q_omega * adt } else { var };
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::SVector;

    fn numeric_jacobian<const N: usize>(
        m: &dyn MotionModel<N>,
        x: &SVector<f64, N>,
        dt: f64,
    ) -> SMatrix<f64, N, N> {
        let mut j = SMatrix::<f64, N, N>::zeros();
        for c in 0..N {
            let h = 1e-6 * (1.0 + x[c].abs());
            let mut xp = *x;
            let mut xm = *x;
            xp[c] += h;
            xm[c] -= h;
            let d = (m.propagate(&xp, dt) - m.propagate(&xm, dt)) / (2.0 * h);
            j.set_column(c, &d);
        }
        j
    }

    #[test]
    fn sparse_covariance_propagation_matches_dense() {
        let x7 = SVector::<f64, 7>::from_column_slice(&[1e3, 200.0, -5e3, 50.0, 8e3, 2.0, 0.04]);
        let a = SMatrix::<f64, 7, 7>::from_fn(|r, c| ((r * 7 + c) as f64 * 0.37).sin());
        let p = a * a.transpose() + SMatrix::<f64, 7, 7>::identity();
        let ct = CoordinatedTurn {
            q: 1.0,
            q_vertical: 0.5,
            q_omega: 1e-4,
        };
        let cv = ConstantVelocity {
            q: 2.0,
            q_vertical: 0.5,
        };
        for (m, dt) in [
            (&ct as &dyn MotionModel<7>, 1.3),
            (&cv as &dyn MotionModel<7>, -0.7),
        ] {
            let f = m.jacobian(&x7, dt);
            let dense = f * p * f.transpose() + m.noise(&x7, dt.abs());
            assert_eq!(m.propagate_covariance(&x7, &p, dt), dense, "{}", m.name());
        }
        let x10 = SVector::<f64, 10>::from_fn(|r, _| 1.0 + r as f64);
        let a = SMatrix::<f64, 10, 10>::from_fn(|r, c| ((r * 10 + c) as f64 * 0.21).cos());
        let p = a * a.transpose();
        let ca = ConstantAcceleration { q_jerk: 1.0 };
        let f = MotionModel::<10>::jacobian(&ca, &x10, 2.0);
        let dense = f * p * f.transpose() + MotionModel::<10>::noise(&ca, &x10, 2.0);
        assert_eq!(
            MotionModel::<10>::propagate_covariance(&ca, &x10, &p, 2.0),
            dense
        );
    }

    #[test]
    fn jacobians_match_finite_differences() {
        let x7 = SVector::<f64, 7>::from_column_slice(&[1e3, 200.0, -5e3, 50.0, 8e3, 2.0, 0.04]);
        let ct = CoordinatedTurn {
            q: 1.0,
            q_vertical: 1.0,
            q_omega: 1e-4,
        };
        let diff = MotionModel::<7>::jacobian(&ct, &x7, 2.0) - numeric_jacobian::<7>(&ct, &x7, 2.0);
        assert!(diff.amax() < 1e-4, "CT jacobian off by {}", diff.amax());
        let mut x7s = x7;
        x7s[6] = 1e-9;
        let diff =
            MotionModel::<7>::jacobian(&ct, &x7s, 2.0) - numeric_jacobian::<7>(&ct, &x7s, 2.0);
        assert!(
            diff.amax() < 1e-4,
            "CT jacobian near zero rate off by {}",
            diff.amax()
        );
        let x9 = SVector::<f64, 9>::from_column_slice(&[
            1e3, 200.0, -5e3, 50.0, 8e3, 2.0, 1.0, -2.0, 0.5,
        ]);
        let ca = ConstantAcceleration { q_jerk: 1.0 };
        let diff = MotionModel::<9>::jacobian(&ca, &x9, 1.5) - numeric_jacobian::<9>(&ca, &x9, 1.5);
        assert!(diff.amax() < 1e-6);
    }

    #[test]
    fn coordinated_turn_keeps_speed_and_turns_by_omega_dt() {
        let ct = CoordinatedTurn {
            q: 0.0,
            q_vertical: 0.0,
            q_omega: 0.0,
        };
        let x = SVector::<f64, 7>::from_column_slice(&[0.0, 200.0, 0.0, 0.0, 0.0, 0.0, 0.05]);
        let y = MotionModel::<7>::propagate(&ct, &x, 10.0);
        let speed = (y[1] * y[1] + y[3] * y[3]).sqrt();
        assert!((speed - 200.0).abs() < 1e-9);
        let heading = y[3].atan2(y[1]);
        assert!((heading - 0.5).abs() < 1e-12);
        // radius 4000 m: after 0.5 rad the position is (R sin 0.5, R (1 - cos 0.5))
        assert!((y[0] - 4000.0 * 0.5f64.sin()).abs() < 1e-6);
        assert!((y[2] - 4000.0 * (1.0 - 0.5f64.cos())).abs() < 1e-6);
    }
}
