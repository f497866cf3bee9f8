//! Threat evaluation: for each system track, a trajectory predicted by its class, its closest
//! approach to (or predicted impact near) each defended asset, time to go, a threat value and a
//! ranking, each with its reasons.
//!
//! Frame: the system ENU frame of `domain` (metres, x east, y north, z up, state order
//! `[x, vx, y, vy, z, vz]`). Time is an input; the prediction starts at the track's own time.
//!
//! Trajectory models by class:
//! - ballistic missile and rocket: free fall under gravity (no drag; a rocket is the same arc
//!   with a lower lethality), predicted impact where the arc meets the ground;
//! - cruise missile: constant ground velocity at low level (the tracked height held, never
//!   below `cruise_floor_m`, the ground by default: a sea-skimmer is predicted where it flies,
//!   so an interceptor whose floor is above it is not recommended), diving on an asset it
//!   passes within its radius;
//! - aircraft (fixed wing, helicopter): constant velocity; threatens an asset it passes within
//!   the asset radius plus `weapon_release_range_m`;
//! - drone: constant velocity (one-way attack assumed when it passes over an asset);
//! - unknown: constant velocity.
//!
//! No constant-velocity prediction goes below the ground (z = 0): a descending track levels off.

use nalgebra::Vector3;
use serde::{Deserialize, Serialize};
use tessera_domain::{Identity, SystemTrack, TargetClass, Timestamp, TrackId, TrackStatus};
use thiserror::Error;

/// A defended asset (airbase, city, radar site…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefendedAsset {
    pub id: u32,
    pub name: String,
    /// Centre in the system ENU frame, metres.
    pub position: Vector3<f64>,
    /// Radius within which an arriving threat damages the asset, metres.
    pub radius_m: f64,
    /// Value (same scale for all assets).
    pub value: f64,
}

/// Parameters of the prediction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThreatParams {
    /// How far ahead trajectories are predicted, s.
    pub horizon_s: f64,
    /// Sampling step for the closest-approach search, s.
    pub step_s: f64,
    pub gravity_mps2: f64,
    /// Lowest height a cruise missile is predicted at, m (0: the ground).
    pub cruise_floor_m: f64,
    pub weapon_release_range_m: f64,
    /// Threats whose predicted arrival is outside the asset by more than this many standard
    /// deviations of the predicted position are not counted against it.
    pub miss_sigmas: f64,
}

impl Default for ThreatParams {
    fn default() -> Self {
        Self {
            horizon_s: 600.0,
            step_s: 0.5,
            gravity_mps2: 9.806_65,
            cruise_floor_m: 0.0,
            weapon_release_range_m: 10_000.0,
            miss_sigmas: 3.0,
        }
    }
}

/// Why threat evaluation refused its input.
#[derive(Debug, Error, PartialEq)]
pub enum ThreatError {
    #[error("invalid parameter `{0}`: must be finite and positive")]
    BadParam(&'static str),
    #[error("asset {id}: field `{field}` must be finite (and non-negative)")]
    BadAsset { id: u32, field: &'static str },
    #[error("track {0}: non-finite state or covariance")]
    BadTrack(TrackId),
}

/// Trajectory model chosen from the class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrajectoryModel {
    Ballistic,
    CruiseLowLevel,
    Aircraft,
    Drone,
    Rocket,
    ConstantVelocity,
}

impl TrajectoryModel {
    pub fn for_class(class: TargetClass) -> Self {
        match class {
            TargetClass::BallisticMissile => Self::Ballistic,
            TargetClass::Rocket => Self::Rocket,
            TargetClass::CruiseMissile => Self::CruiseLowLevel,
            TargetClass::FixedWing | TargetClass::Helicopter => Self::Aircraft,
            TargetClass::Drone => Self::Drone,
            TargetClass::Unknown => Self::ConstantVelocity,
        }
    }

    /// Probability that an arrival on an asset damages it, by model (generic figures).
    pub fn lethality(self) -> f64 {
        match self {
            Self::Ballistic | Self::CruiseLowLevel => 1.0,
            Self::Aircraft => 0.8,
            Self::Rocket => 0.6,
            Self::Drone => 0.4,
            Self::ConstantVelocity => 0.5,
        }
    }
}

/// Weight of the identity in the threat value (friends and neutrals are not threats).
pub fn identity_weight(id: Identity) -> f64 {
    match id {
        Identity::Hostile => 1.0,
        Identity::Suspect => 0.8,
        Identity::Unknown | Identity::Pending => 0.5,
        Identity::Neutral | Identity::AssumedFriend | Identity::Friend => 0.0,
    }
}

/// A predicted trajectory: position as a function of the time since the track's time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    pub model: TrajectoryModel,
    pub t0: Timestamp,
    pub p0: Vector3<f64>,
    pub v0: Vector3<f64>,
    pub gravity_mps2: f64,
    /// Seconds after `t0` when a ballistic arc reaches the ground (`None`: no impact within
    /// reach, or not ballistic).
    pub impact_s: Option<f64>,
    /// 1-sigma position and velocity uncertainty (root of the mean axis variance).
    pub sigma_pos_m: f64,
    pub sigma_vel_mps: f64,
}

impl Trajectory {
    /// Predicts from a track with the given parameters.
    pub fn predict(track: &SystemTrack, params: &ThreatParams) -> Result<Self, ThreatError> {
        let s = &track.state;
        if !s.iter().all(|v| v.is_finite()) || !track.covariance.iter().all(|v| v.is_finite()) {
            return Err(ThreatError::BadTrack(track.id));
        }
        let model = TrajectoryModel::for_class(track.class);
        let mut p0 = Vector3::new(s[0], s[2], s[4]);
        let mut v0 = Vector3::new(s[1], s[3], s[5]);
        let c = &track.covariance;
        let sigma_pos_m = ((c[(0, 0)] + c[(2, 2)] + c[(4, 4)]).max(0.0) / 3.0).sqrt();
        let sigma_vel_mps = ((c[(1, 1)] + c[(3, 3)] + c[(5, 5)]).max(0.0) / 3.0).sqrt();
        let g = params.gravity_mps2;
        let mut impact_s = None;
        match model {
            TrajectoryModel::Ballistic | TrajectoryModel::Rocket => {
                // z(t) = z0 + vz t - g t²/2 = 0, the positive root
                let (z0, vz) = (p0.z, v0.z);
                let disc = vz * vz + 2.0 * g * z0.max(0.0);
                let t = (vz + disc.sqrt()) / g;
                if t.is_finite() && t >= 0.0 {
                    impact_s = Some(t);
                }
            }
            TrajectoryModel::CruiseLowLevel => {
                p0.z = p0.z.max(params.cruise_floor_m);
                v0.z = 0.0;
            }
            _ => {}
        }
        Ok(Self {
            model,
            t0: track.time,
            p0,
            v0,
            gravity_mps2: g,
            impact_s,
            sigma_pos_m,
            sigma_vel_mps,
        })
    }

    /// Position `t` seconds after `t0` (held at the impact point after impact).
    pub fn position(&self, t: f64) -> Vector3<f64> {
        let t = match self.impact_s {
            Some(ti) => t.min(ti),
            None => t,
        };
        let mut p = self.p0 + self.v0 * t;
        if matches!(
            self.model,
            TrajectoryModel::Ballistic | TrajectoryModel::Rocket
        ) {
            p.z -= 0.5 * self.gravity_mps2 * t * t;
        } else {
            // A descending aircraft or drone levels off at the ground rather than being
            // predicted underground (which would make every envelope refuse it).
            p.z = p.z.max(0.0);
        }
        p
    }

    /// 1-sigma position uncertainty `t` seconds ahead.
    pub fn sigma_at(&self, t: f64) -> f64 {
        (self.sigma_pos_m.powi(2) + (self.sigma_vel_mps * t).powi(2)).sqrt()
    }

    /// Last time the threat exists in the prediction (impact or horizon).
    pub fn end_s(&self, horizon_s: f64) -> f64 {
        self.impact_s.map_or(horizon_s, |t| t.min(horizon_s))
    }
}

/// How a threat meets one asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetEncounter {
    pub asset: u32,
    /// Seconds after the evaluation time of closest approach or impact.
    pub time_to_go_s: f64,
    /// Horizontal miss distance from the asset centre at that time, metres.
    pub miss_m: f64,
    /// Predicted impact (ballistic) or closest-approach point.
    pub point: Vector3<f64>,
    /// Probability the threat arrives within the asset's (effective) radius.
    pub p_arrival: f64,
    /// `value × p_arrival × lethality × identity weight`.
    pub expected_damage: f64,
}

/// Threat evaluation of one track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreatAssessment {
    pub track: TrackId,
    pub class: TargetClass,
    pub model: TrajectoryModel,
    pub trajectory: Trajectory,
    pub encounters: Vec<AssetEncounter>,
    /// Expected damage over all assets: the WTA value of this threat.
    pub threat_value: f64,
    /// Time to go to the most damaging encounter, s (`None` when no asset is threatened).
    pub time_to_go_s: Option<f64>,
    /// 1-based rank (1 = most threatening).
    pub rank: usize,
    pub reasons: Vec<String>,
}

/// Normal CDF via erf-free rational approximation (Abramowitz–Stegun 26.2.17, |err| < 7.5e-8).
fn phi(x: f64) -> f64 {
    if x < 0.0 {
        return 1.0 - phi(-x);
    }
    let t = 1.0 / (1.0 + 0.231_641_9 * x);
    let poly = t
        * (0.319_381_530
            + t * (-0.356_563_782
                + t * (1.781_477_937 + t * (-1.821_255_978 + t * 1.330_274_429))));
    1.0 - (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt() * poly
}

/// Evaluates and ranks every track at time `now` against the assets.
pub fn evaluate_threats(
    now: Timestamp,
    tracks: &[SystemTrack],
    assets: &[DefendedAsset],
    params: &ThreatParams,
) -> Result<Vec<ThreatAssessment>, ThreatError> {
    for (v, name) in [
        (params.horizon_s, "horizon_s"),
        (params.step_s, "step_s"),
        (params.gravity_mps2, "gravity_mps2"),
        (params.miss_sigmas, "miss_sigmas"),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(ThreatError::BadParam(name));
        }
    }
    if !params.cruise_floor_m.is_finite() {
        return Err(ThreatError::BadParam("cruise_floor_m"));
    }
    for a in assets {
        if !a.position.iter().all(|v| v.is_finite()) {
            return Err(ThreatError::BadAsset {
                id: a.id,
                field: "position",
            });
        }
        if !(a.radius_m.is_finite() && a.radius_m >= 0.0) {
            return Err(ThreatError::BadAsset {
                id: a.id,
                field: "radius_m",
            });
        }
        if !(a.value.is_finite() && a.value >= 0.0) {
            return Err(ThreatError::BadAsset {
                id: a.id,
                field: "value",
            });
        }
    }
    let mut out = Vec::new();
    for tr in tracks {
        if tr.status == TrackStatus::Deleted {
            continue;
        }
        let traj = Trajectory::predict(tr, params)?;
        // the prediction is relative to the track time; evaluate from `now`
        let lag = now.seconds_since(tr.time).max(0.0);
        let end = traj.end_s(params.horizon_s + lag);
        let idw = identity_weight(tr.identity);
        let leth = traj.model.lethality();
        let mut reasons = vec![format!(
            "{:?} track, {:?} identity (weight {idw}), {:?} trajectory model (lethality {leth})",
            tr.class, tr.identity, traj.model
        )];
        let mut encounters = Vec::new();
        for a in assets {
            let extra = if traj.model == TrajectoryModel::Aircraft {
                params.weapon_release_range_m
            } else {
                0.0
            };
            let horiz = |p: &Vector3<f64>| {
                ((p.x - a.position.x).powi(2) + (p.y - a.position.y).powi(2)).sqrt()
            };
            // closest horizontal approach from now on (sampled, then refined by ternary search)
            let mut best = (f64::INFINITY, lag);
            let mut t = lag;
            while t <= end {
                let d = horiz(&traj.position(t));
                if d < best.0 {
                    best = (d, t);
                }
                t += params.step_s;
            }
            let d_end = horiz(&traj.position(end));
            if d_end < best.0 {
                best = (d_end, end);
            }
            let (mut lo, mut hi) = (
                (best.1 - params.step_s).max(lag),
                (best.1 + params.step_s).min(end),
            );
            for _ in 0..40 {
                let m1 = lo + (hi - lo) / 3.0;
                let m2 = hi - (hi - lo) / 3.0;
                if horiz(&traj.position(m1)) < horiz(&traj.position(m2)) {
                    hi = m2;
                } else {
                    lo = m1;
                }
            }
            let tc = if horiz(&traj.position(0.5 * (lo + hi))) < best.0 {
                0.5 * (lo + hi)
            } else {
                best.1
            };
            let point = if let Some(ti) = traj.impact_s {
                // ballistic: the impact point is what matters
                if ti >= lag {
                    traj.position(ti)
                } else {
                    traj.position(tc)
                }
            } else {
                traj.position(tc)
            };
            let t_enc = traj.impact_s.filter(|&ti| ti >= lag).unwrap_or(tc);
            let miss = horiz(&point);
            let sigma = traj.sigma_at(t_enc).max(1.0);
            let r = a.radius_m + extra;
            // 1-D approximation of arriving within the radius along the miss direction
            let p_arr = (phi((r - miss) / sigma) - phi((-r - miss) / sigma)).clamp(0.0, 1.0);
            if miss > r + params.miss_sigmas * sigma || p_arr <= 1e-9 {
                continue;
            }
            let dmg = a.value * p_arr * leth * idw;
            reasons.push(format!(
                "{} '{}': {} {:.0} m from centre (radius {:.0} m{}) in {:.1} s, σ {:.0} m, P(arrival) {:.2}, expected damage {:.2}",
                if traj.impact_s.is_some() { "predicted impact" } else { "closest approach" },
                a.name,
                if traj.impact_s.is_some() { "at" } else { "passes" },
                miss,
                a.radius_m,
                if extra > 0.0 { format!(" + release range {extra:.0} m") } else { String::new() },
                t_enc - lag,
                sigma,
                p_arr,
                dmg
            ));
            encounters.push(AssetEncounter {
                asset: a.id,
                time_to_go_s: t_enc - lag,
                miss_m: miss,
                point,
                p_arrival: p_arr,
                expected_damage: dmg,
            });
        }
        let threat_value: f64 = encounters.iter().map(|e| e.expected_damage).sum();
        let time_to_go_s = encounters
            .iter()
            .max_by(|a, b| a.expected_damage.total_cmp(&b.expected_damage))
            .map(|e| e.time_to_go_s);
        if encounters.is_empty() {
            reasons.push("no defended asset threatened within the horizon".into());
        }
        if idw == 0.0 {
            reasons.push("not a threat by identity".into());
        }
        out.push(ThreatAssessment {
            track: tr.id,
            class: tr.class,
            model: traj.model,
            trajectory: traj,
            encounters,
            threat_value,
            time_to_go_s,
            rank: 0,
            reasons,
        });
    }
    // rank: threat value, then the shorter time to go, then track id (deterministic)
    out.sort_by(|a, b| {
        b.threat_value
            .total_cmp(&a.threat_value)
            .then(
                a.time_to_go_s
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.time_to_go_s.unwrap_or(f64::INFINITY)),
            )
            .then(a.track.cmp(&b.track))
    });
    for (k, t) in out.iter_mut().enumerate() {
        t.rank = k + 1;
        let why = format!(
            "rank {}: threat value {:.2}{}",
            k + 1,
            t.threat_value,
            t.time_to_go_s
                .map_or(String::new(), |s| format!(", time to go {s:.1} s"))
        );
        t.reasons.insert(0, why);
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use nalgebra::{Matrix6, Vector6};

    pub fn track(id: u64, class: TargetClass, state: [f64; 6]) -> SystemTrack {
        SystemTrack {
            id: TrackId(id),
            time: Timestamp(0),
            status: TrackStatus::Confirmed,
            state: Vector6::from_row_slice(&state),
            covariance: Matrix6::identity() * 100.0,
            identity: Identity::Hostile,
            class,
            updates: 20,
        }
    }

    pub fn asset() -> DefendedAsset {
        DefendedAsset {
            id: 1,
            name: "Airbase".into(),
            position: Vector3::zeros(),
            radius_m: 1000.0,
            value: 100.0,
        }
    }

    #[test]
    fn ballistic_impact_point_and_ranking() {
        // launched 40 km west, 100 s of flight to the origin: vx = 400, vz = g*50
        let g = 9.80665;
        let bm = track(
            1,
            TargetClass::BallisticMissile,
            [-40_000.0, 400.0, 0.0, 0.0, 0.0, g * 50.0],
        );
        // a drone flying away from the asset
        let dr = track(2, TargetClass::Drone, [5_000.0, 30.0, 0.0, 0.0, 100.0, 0.0]);
        // a cruise missile heading straight to the asset, 60 s out
        let cm = track(
            3,
            TargetClass::CruiseMissile,
            [0.0, 0.0, 12_000.0, -200.0, 50.0, 0.0],
        );
        let out = evaluate_threats(
            Timestamp(0),
            &[bm, dr, cm],
            &[asset()],
            &ThreatParams::default(),
        )
        .unwrap();
        let bm = out.iter().find(|t| t.track == TrackId(1)).unwrap();
        assert_eq!(bm.model, TrajectoryModel::Ballistic);
        let e = &bm.encounters[0];
        assert!((e.time_to_go_s - 100.0).abs() < 1e-6, "{e:?}");
        assert!(e.miss_m < 1.0);
        let cm = out.iter().find(|t| t.track == TrackId(3)).unwrap();
        assert!((cm.time_to_go_s.unwrap() - 60.0).abs() < 0.1);
        let dr = out.iter().find(|t| t.track == TrackId(2)).unwrap();
        assert_eq!(dr.threat_value, 0.0);
        assert_eq!(dr.rank, 3);
        // both missiles hit dead centre with full lethality: the sooner ranks first
        assert_eq!(out[0].track, TrackId(3));
        assert!(out[0].reasons[0].contains("rank 1"));
    }

    #[test]
    fn bad_input_is_an_error() {
        let mut a = asset();
        a.radius_m = -1.0;
        let e = evaluate_threats(Timestamp(0), &[], &[a], &ThreatParams::default()).unwrap_err();
        assert!(e.to_string().contains("radius_m"));
        let mut t = track(1, TargetClass::Drone, [0.0; 6]);
        t.state[0] = f64::NAN;
        assert!(
            evaluate_threats(Timestamp(0), &[t], &[asset()], &ThreatParams::default()).is_err()
        );
    }
}
