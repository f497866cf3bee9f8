//! Monte Carlo consistency of every filter: the ensemble-average normalised estimation error
//! squared (NEES) must stay inside its two-sided 95 % chi-square interval at (nearly) every
//! step, with truth drawn from the filter's own motion model and a 3D radar measuring it.

use nalgebra::{SMatrix, SVector, Vector3, Vector6};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64Mcg;
use std::sync::Arc;
use tessera_domain::{Measurement, Observation, SensorId, SensorKind, SensorSite, Timestamp};
use tessera_track::filter::{
    ExtendedKalmanPredictor, ExtendedKalmanUpdater, ImmPredictor, ImmUpdater,
    UnscentedKalmanPredictor, UnscentedKalmanUpdater,
};
use tessera_track::gaussian::nees;
use tessera_track::motion::{ConstantAcceleration, ConstantVelocity, CoordinatedTurn, MotionModel};
use tessera_track::{AnyModel, Estimate, Gaussian, MeasurementModel, Predictor, Updater};

const RUNS: usize = 200;
const STEPS: usize = 60;
const DT: f64 = 1.0;
const BURN_IN: usize = 10;

/// Chi-square quantile by the Wilson–Hilferty approximation (accurate for large dof).
fn chi2_quantile(p: f64, dof: f64) -> f64 {
    // Acklam-free normal quantile for the two probabilities used here.
    let z = if p > 0.5 {
        1.959_963_984_540_054
    } else {
        -1.959_963_984_540_054
    };
    let a = 2.0 / (9.0 * dof);
    dof * (1.0 - a + z * a.sqrt()).powi(3)
}

fn sample<const N: usize>(rng: &mut Pcg64Mcg, cov: &SMatrix<f64, N, N>) -> SVector<f64, N> {
    let l = cov
        .cholesky()
        .expect("process noise must be positive definite")
        .l();
    let e = SVector::<f64, N>::from_fn(|_, _| StandardNormal.sample(rng));
    l * e
}

fn radar() -> SensorSite {
    SensorSite::aligned(
        SensorId(1),
        SensorKind::Radar3d,
        Vector3::new(-20e3, -30e3, 0.0),
    )
}

fn measure(rng: &mut Pcg64Mcg, pos: Vector3<f64>, t: f64) -> AnyModel {
    let site = radar();
    let sigma = Vector3::new(30.0, 0.002, 0.002);
    let proto = tessera_track::measure::Polar3Model {
        site,
        z: Vector3::zeros(),
        sigma,
    };
    let mut z = proto.predict(&pos);
    for k in 0..3 {
        let e: f64 = StandardNormal.sample(rng);
        z[k] += e * sigma[k];
    }
    AnyModel::of(&Measurement {
        time: Timestamp::from_secs_f64(t),
        site,
        observation: Observation::Polar3 {
            range_m: z.x,
            azimuth_rad: z.y,
            elevation_rad: z.z,
            sigma_range_m: sigma.x,
            sigma_azimuth_rad: sigma.y,
            sigma_elevation_rad: sigma.z,
        },
    })
}

/// Runs the Monte Carlo and returns the fraction of steps whose average NEES is in bounds.
fn run<const N: usize, P, U>(
    truth_model: &dyn MotionModel<N>,
    x0: SVector<f64, N>,
    p0: SMatrix<f64, N, N>,
    predictor: &P,
    updater: &U,
    init: impl Fn(&SVector<f64, N>, &SMatrix<f64, N, N>) -> P::State,
    error_of: impl Fn(&P::State, &SVector<f64, N>) -> (f64, usize),
) -> (f64, f64, f64)
where
    P: Predictor,
    U: Updater<State = P::State>,
{
    let mut rng = Pcg64Mcg::seed_from_u64(7);
    let mut sums = vec![0.0; STEPS];
    let mut dof = 0usize;
    for _ in 0..RUNS {
        let mut truth = x0 + sample(&mut rng, &p0);
        let mut est = init(&x0, &p0);
        for (k, s) in sums.iter_mut().enumerate() {
            let q = truth_model.noise(&truth, DT);
            truth = truth_model.propagate(&truth, DT) + sample(&mut rng, &q);
            est = predictor.predict(&est, DT).expect("predict");
            let m = measure(
                &mut rng,
                Vector3::new(truth[0], truth[2], truth[4]),
                (k + 1) as f64 * DT,
            );
            let inn = updater.innovate(&est, &m).expect("innovate");
            est = updater.update(&est, &m, &inn).expect("update");
            let (e, d) = error_of(&est, &truth);
            *s += e;
            dof = d;
        }
    }
    let lo = chi2_quantile(0.025, (RUNS * dof) as f64) / RUNS as f64;
    let hi = chi2_quantile(0.975, (RUNS * dof) as f64) / RUNS as f64;
    // The first steps carry the prior's transient (and, for the IMM, mode probabilities still
    // settling); consistency is judged after a short burn-in.
    let judged = &sums[BURN_IN..];
    let inside = judged.iter().filter(|s| {
        let avg = **s / RUNS as f64;
        avg >= lo && avg <= hi
    });
    let frac = inside.count() as f64 / judged.len() as f64;
    let not_over =
        judged.iter().filter(|s| **s / RUNS as f64 <= hi).count() as f64 / judged.len() as f64;
    if std::env::var("NEES_DEBUG").is_ok() {
        eprintln!(
            "bounds {lo:.2}..{hi:.2}: {:?}",
            judged
                .iter()
                .map(|s| (s / RUNS as f64 * 10.0).round() / 10.0)
                .collect::<Vec<_>>()
        );
    }
    let mean = sums.iter().sum::<f64>() / (RUNS * STEPS) as f64;
    (frac, mean / dof as f64, not_over)
}

fn gaussian_nees<const N: usize>(g: &Gaussian<N>, x: &SVector<f64, N>) -> (f64, usize) {
    (nees(g, x).expect("covariance positive definite"), N)
}

fn x6() -> SVector<f64, 6> {
    SVector::from_column_slice(&[10e3, 150.0, 5e3, -80.0, 6e3, 2.0])
}

fn p6() -> SMatrix<f64, 6, 6> {
    SMatrix::from_diagonal(
        &SVector::<f64, 6>::from_column_slice(&[100.0, 20.0, 100.0, 20.0, 100.0, 5.0])
            .map(|s| s * s),
    )
}

#[test]
fn ekf_cv_is_consistent() {
    let cv = ConstantVelocity {
        q: 2.0,
        q_vertical: 0.5,
    };
    let (frac, ratio, _) = run::<6, _, _>(
        &cv,
        x6(),
        p6(),
        &ExtendedKalmanPredictor::<6>::new(cv),
        &ExtendedKalmanUpdater::<6>,
        |x, p| Gaussian::new(*x, *p),
        gaussian_nees,
    );
    assert!(
        frac >= 0.9,
        "EKF-CV NEES in bounds at {frac} of steps (mean NEES/dof {ratio})"
    );
}

#[test]
fn ukf_cv_is_consistent() {
    let cv = ConstantVelocity {
        q: 2.0,
        q_vertical: 0.5,
    };
    let (frac, ratio, _) = run::<6, _, _>(
        &cv,
        x6(),
        p6(),
        &UnscentedKalmanPredictor::<6>::new(cv),
        &UnscentedKalmanUpdater::<6>::default(),
        |x, p| Gaussian::new(*x, *p),
        gaussian_nees,
    );
    assert!(
        frac >= 0.9,
        "UKF-CV NEES in bounds at {frac} of steps (mean NEES/dof {ratio})"
    );
}

#[test]
fn ekf_ct_is_consistent() {
    let ct = CoordinatedTurn {
        q: 1.0,
        q_vertical: 0.5,
        q_omega: 1e-6,
    };
    let x0 = SVector::<f64, 7>::from_column_slice(&[10e3, 150.0, 5e3, -80.0, 6e3, 2.0, 0.03]);
    let mut p0 = SMatrix::<f64, 7, 7>::zeros();
    p0.fixed_view_mut::<6, 6>(0, 0).copy_from(&p6());
    p0[(6, 6)] = 0.01f64.powi(2);
    let (frac, ratio, _) = run::<7, _, _>(
        &ct,
        x0,
        p0,
        &ExtendedKalmanPredictor::<7>::new(ct),
        &ExtendedKalmanUpdater::<7>,
        |x, p| Gaussian::new(*x, *p),
        gaussian_nees,
    );
    assert!(
        frac >= 0.9,
        "EKF-CT NEES in bounds at {frac} of steps (mean NEES/dof {ratio})"
    );
}

#[test]
fn ekf_ca_is_consistent() {
    let ca = ConstantAcceleration { q_jerk: 0.05 };
    let x0 =
        SVector::<f64, 9>::from_column_slice(&[10e3, 150.0, 5e3, -80.0, 6e3, 2.0, 1.0, -0.5, 0.1]);
    let mut p0 = SMatrix::<f64, 9, 9>::zeros();
    p0.fixed_view_mut::<6, 6>(0, 0).copy_from(&p6());
    for i in 6..9 {
        p0[(i, i)] = 1.0;
    }
    let (frac, ratio, _) = run::<9, _, _>(
        &ca,
        x0,
        p0,
        &ExtendedKalmanPredictor::<9>::new(ca),
        &ExtendedKalmanUpdater::<9>,
        |x, p| Gaussian::new(*x, *p),
        gaussian_nees,
    );
    assert!(
        frac >= 0.9,
        "EKF-CA NEES in bounds at {frac} of steps (mean NEES/dof {ratio})"
    );
}

#[test]
fn imm_is_consistent_on_kinematics() {
    // Truth from the turn model with a slowly wandering rate; the IMM mixes CV and CT.
    let cv = ConstantVelocity {
        q: 1.0,
        q_vertical: 0.5,
    };
    let ct = CoordinatedTurn {
        q: 1.0,
        q_vertical: 0.5,
        q_omega: 1e-6,
    };
    let x0 = SVector::<f64, 7>::from_column_slice(&[10e3, 150.0, 5e3, -80.0, 6e3, 2.0, 0.02]);
    let mut p0 = SMatrix::<f64, 7, 7>::zeros();
    p0.fixed_view_mut::<6, 6>(0, 0).copy_from(&p6());
    p0[(6, 6)] = 0.01f64.powi(2);
    let models: Vec<Arc<dyn MotionModel<7>>> = vec![Arc::new(cv), Arc::new(ct)];
    let imm = ImmPredictor::new(models, vec![30.0, 30.0], vec![0.5, 0.5]).expect("valid IMM");
    let (frac, ratio, not_over) = run::<7, _, _>(
        &ct,
        x0,
        p0,
        &imm,
        &ImmUpdater::<7>,
        |x, p| tessera_track::filter::ImmState::new(vec![Gaussian::new(*x, *p); 2], vec![0.5, 0.5]),
        |s, x| {
            let (m, c) = s.kinematics();
            let e = Vector6::from_fn(|r, _| x[r]) - m;
            (
                e.dot(&c.cholesky().expect("positive definite").solve(&e)),
                6,
            )
        },
    );
    // An IMM estimate is a Gaussian mixture collapsed by moment matching, so its NEES is not
    // exactly chi-square: mixing in the CV mode makes it slightly conservative. It must never
    // be overconfident and must stay close to the nominal level on average.
    assert!(
        not_over >= 0.95,
        "IMM NEES above the upper bound at {} of steps",
        1.0 - not_over
    );
    assert!(
        (0.85..=1.1).contains(&ratio),
        "IMM mean NEES/dof {ratio} (in bounds at {frac} of steps)"
    );
}
