//! Engagement feasibility: launchers, interceptor types, the predicted intercept point and the
//! window of launch times from which an interceptor can still reach a threat in its envelope,
//! allowing for track uncertainty.
//!
//! Engage-on-remote: feasibility reads only the system track (fused from any sensors), never
//! which sensor made it; any track of fire-control quality can be engaged by any launcher.

use crate::threat::Trajectory;
use nalgebra::Vector3;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tessera_domain::{SystemTrack, TargetClass, Timestamp, TrackStatus};
use thiserror::Error;

/// An interceptor type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterceptorType {
    pub name: String,
    /// Fly-out speed profile: `(seconds after launch, speed m/s)` points, linearly interpolated,
    /// the last speed held; times strictly increasing, speeds positive.
    pub speed_profile: Vec<(f64, f64)>,
    pub min_range_m: f64,
    pub max_range_m: f64,
    pub min_altitude_m: f64,
    pub max_altitude_m: f64,
    pub max_flight_time_s: f64,
    /// Single-shot kill probability by target class (absent class: 0, cannot engage). A list,
    /// not a map, because `TargetClass` is not `Ord` in `domain`.
    pub pk: Vec<(TargetClass, f64)>,
}

/// A launcher (fire unit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Launcher {
    pub id: u32,
    pub position: Vector3<f64>,
    /// Sector centre as a compass azimuth (clockwise from north), radians.
    pub sector_center_rad: f64,
    /// Half width of the sector, radians (π: all round).
    pub sector_half_width_rad: f64,
    /// When the launcher can first fire.
    pub ready_at: Timestamp,
    /// Time between two launches, s.
    pub reload_s: f64,
    /// Rounds on hand by interceptor type name.
    pub inventory: BTreeMap<String, u32>,
}

/// What makes a track good enough to fire on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FireControlCriteria {
    /// Largest 1-sigma position uncertainty (root mean axis variance), m.
    pub max_sigma_pos_m: f64,
    pub max_sigma_vel_mps: f64,
    pub min_updates: u32,
    /// Multiple of sigma taken off the envelope edges.
    pub uncertainty_sigmas: f64,
    /// Launch-time search step, s.
    pub step_s: f64,
    pub horizon_s: f64,
}

impl Default for FireControlCriteria {
    fn default() -> Self {
        Self {
            max_sigma_pos_m: 150.0,
            max_sigma_vel_mps: 30.0,
            min_updates: 5,
            uncertainty_sigmas: 2.0,
            step_s: 1.0,
            horizon_s: 600.0,
        }
    }
}

/// Why feasibility refused its input.
#[derive(Debug, Error, PartialEq)]
pub enum FeasibilityError {
    #[error("interceptor type `{name}`: field `{field}`: {reason}")]
    BadInterceptor {
        name: String,
        field: &'static str,
        reason: String,
    },
    #[error("launcher {id}: field `{field}`: {reason}")]
    BadLauncher {
        id: u32,
        field: &'static str,
        reason: String,
    },
}

impl InterceptorType {
    /// Checks the profile, ranges, altitudes and kill probabilities.
    pub fn validate(&self) -> Result<(), FeasibilityError> {
        let bad = |field: &'static str, reason: String| FeasibilityError::BadInterceptor {
            name: self.name.clone(),
            field,
            reason,
        };
        if self.speed_profile.is_empty() {
            return Err(bad("speed_profile", "empty".into()));
        }
        let mut last = f64::NEG_INFINITY;
        for &(t, v) in &self.speed_profile {
            if !(t.is_finite() && t > last && t >= 0.0) {
                return Err(bad(
                    "speed_profile",
                    format!("time {t} not increasing from 0"),
                ));
            }
            if !(v.is_finite() && v > 0.0) {
                return Err(bad("speed_profile", format!("speed {v} not positive")));
            }
            last = t;
        }
        let pos = |v: f64| v.is_finite() && v >= 0.0;
        if !(pos(self.min_range_m) && pos(self.max_range_m) && self.min_range_m < self.max_range_m)
        {
            return Err(bad(
                "max_range_m",
                "need 0 <= min_range_m < max_range_m".into(),
            ));
        }
        if !(self.min_altitude_m.is_finite()
            && self.max_altitude_m.is_finite()
            && self.min_altitude_m < self.max_altitude_m)
        {
            return Err(bad(
                "max_altitude_m",
                "need min_altitude_m < max_altitude_m".into(),
            ));
        }
        if !(self.max_flight_time_s.is_finite() && self.max_flight_time_s > 0.0) {
            return Err(bad("max_flight_time_s", "must be positive".into()));
        }
        for &(c, p) in &self.pk {
            if !(0.0..=1.0).contains(&p) {
                return Err(bad("pk", format!("{c:?}: probability {p} outside [0, 1]")));
            }
        }
        Ok(())
    }

    fn speed(&self, t: f64) -> f64 {
        let sp = &self.speed_profile;
        if t <= sp[0].0 {
            return sp[0].1;
        }
        for w in sp.windows(2) {
            let ((t0, v0), (t1, v1)) = (w[0], w[1]);
            if t <= t1 {
                return v0 + (v1 - v0) * (t - t0) / (t1 - t0);
            }
        }
        sp[sp.len() - 1].1
    }

    /// Distance flown `tau` seconds after launch (trapezoidal integration of the profile,
    /// which is exact for its piecewise-linear speeds). Allocation-free: it runs in the inner
    /// loop of every intercept search.
    pub fn fly_out_distance(&self, tau: f64) -> f64 {
        if tau <= 0.0 {
            return 0.0;
        }
        let mut dist = 0.0;
        let mut t_prev = 0.0;
        let mut v_prev = self.speed(0.0);
        for &(t, _) in &self.speed_profile {
            if t <= 0.0 {
                continue;
            }
            if t >= tau {
                break;
            }
            let v = self.speed(t);
            dist += 0.5 * (v_prev + v) * (t - t_prev);
            t_prev = t;
            v_prev = v;
        }
        dist + 0.5 * (v_prev + self.speed(tau)) * (tau - t_prev)
    }

    pub fn pk_against(&self, class: TargetClass) -> f64 {
        self.pk.iter().find(|e| e.0 == class).map_or(0.0, |e| e.1)
    }
}

impl Launcher {
    pub fn validate(&self, types: &[InterceptorType]) -> Result<(), FeasibilityError> {
        let bad = |field: &'static str, reason: String| FeasibilityError::BadLauncher {
            id: self.id,
            field,
            reason,
        };
        if self.inventory.is_empty() {
            return Err(bad("inventory", "launcher has no interceptors".into()));
        }
        for name in self.inventory.keys() {
            if !types.iter().any(|t| &t.name == name) {
                return Err(bad(
                    "inventory",
                    format!("unknown interceptor type `{name}`"),
                ));
            }
        }
        if !self.position.iter().all(|v| v.is_finite()) {
            return Err(bad("position", "non-finite".into()));
        }
        if !(self.reload_s.is_finite() && self.reload_s >= 0.0) {
            return Err(bad("reload_s", "must be finite and >= 0".into()));
        }
        if !(self.sector_center_rad.is_finite() && self.sector_half_width_rad.is_finite()) {
            return Err(bad("sector_half_width_rad", "non-finite sector".into()));
        }
        Ok(())
    }

    /// Whether a point is inside the launcher's sector.
    pub fn in_sector(&self, p: &Vector3<f64>) -> bool {
        if self.sector_half_width_rad >= std::f64::consts::PI {
            return true;
        }
        let d = p - self.position;
        let az = d.x.atan2(d.y); // compass azimuth
        let mut diff = (az - self.sector_center_rad) % std::f64::consts::TAU;
        if diff > std::f64::consts::PI {
            diff -= std::f64::consts::TAU;
        } else if diff < -std::f64::consts::PI {
            diff += std::f64::consts::TAU;
        }
        diff.abs() <= self.sector_half_width_rad
    }
}

/// Whether a track may be fired on (engage-on-remote: any sensor's track qualifies).
pub fn fire_control_quality(track: &SystemTrack, c: &FireControlCriteria) -> Result<(), String> {
    // A coasting track (it missed its latest expected update) is still engageable while its
    // covariance, which grows with every miss, meets the criteria below; tentative and
    // deleted tracks are not.
    if !matches!(track.status, TrackStatus::Confirmed | TrackStatus::Coasting) {
        return Err(format!(
            "track status {:?} (needs confirmed or coasting)",
            track.status
        ));
    }
    if track.updates < c.min_updates {
        return Err(format!(
            "{} updates (needs {})",
            track.updates, c.min_updates
        ));
    }
    let cv = &track.covariance;
    let sp = ((cv[(0, 0)] + cv[(2, 2)] + cv[(4, 4)]) / 3.0).sqrt();
    let sv = ((cv[(1, 1)] + cv[(3, 3)] + cv[(5, 5)]) / 3.0).sqrt();
    if sp.is_nan() || sp > c.max_sigma_pos_m {
        return Err(format!("position σ {sp:.0} m > {:.0} m", c.max_sigma_pos_m));
    }
    if sv.is_nan() || sv > c.max_sigma_vel_mps {
        return Err(format!(
            "velocity σ {sv:.0} m/s > {:.0} m/s",
            c.max_sigma_vel_mps
        ));
    }
    Ok(())
}

/// A feasible engagement of one threat by one launcher with one interceptor type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Engagement {
    pub launcher: u32,
    pub interceptor: String,
    /// Predicted intercept point and time for the earliest launch.
    pub intercept_point: Vector3<f64>,
    pub intercept_time: Timestamp,
    /// Launch window: every launch in `[earliest, latest]` (at the search step) intercepts
    /// within the envelope, before impact, with the uncertainty margins applied.
    pub earliest_launch: Timestamp,
    pub latest_launch: Timestamp,
    pub pk: f64,
    pub reasons: Vec<String>,
}

/// Intercept for a launch at `tl` seconds (trajectory time): `(intercept time, point)`.
fn intercept_for_launch(
    traj: &Trajectory,
    l: &Launcher,
    it: &InterceptorType,
    tl: f64,
    end: f64,
) -> Option<(f64, Vector3<f64>)> {
    // f(t) = flown(t - tl) - |target(t) - launcher|, first sign change after tl
    let f = |t: f64| it.fly_out_distance(t - tl) - (traj.position(t) - l.position).norm();
    let tmax = (tl + it.max_flight_time_s).min(end);
    let n = 64;
    let mut prev = tl;
    if f(prev) >= 0.0 {
        return Some((tl, traj.position(tl)));
    }
    for k in 1..=n {
        let t = tl + (tmax - tl) * k as f64 / n as f64;
        if f(t) >= 0.0 {
            let (mut lo, mut hi) = (prev, t);
            for _ in 0..50 {
                let m = 0.5 * (lo + hi);
                if f(m) >= 0.0 {
                    hi = m;
                } else {
                    lo = m;
                }
            }
            return Some((hi, traj.position(hi)));
        }
        prev = t;
    }
    None
}

/// Checks the envelope at an intercept; `Err(reason)` when outside.
fn in_envelope(
    traj: &Trajectory,
    l: &Launcher,
    it: &InterceptorType,
    t: f64,
    p: &Vector3<f64>,
    margin_sigmas: f64,
) -> Result<(), String> {
    let m = margin_sigmas * traj.sigma_at(t);
    let r = (p - l.position).norm();
    if r > it.max_range_m - m {
        return Err(format!(
            "intercept range {r:.0} m beyond {:.0} m (less {m:.0} m margin)",
            it.max_range_m
        ));
    }
    if r < it.min_range_m + m {
        return Err(format!(
            "intercept range {r:.0} m inside minimum {:.0} m",
            it.min_range_m
        ));
    }
    if p.z < it.min_altitude_m || p.z > it.max_altitude_m {
        return Err(format!(
            "intercept altitude {:.0} m outside [{:.0}, {:.0}] m",
            p.z, it.min_altitude_m, it.max_altitude_m
        ));
    }
    if !l.in_sector(p) {
        return Err("intercept point outside the launcher sector".into());
    }
    Ok(())
}

/// Feasibility of engaging `track` from `launcher` with `it`, evaluated at `now`.
/// `Ok(Err(reason))` when infeasible (with the reason), `Err` on invalid input.
pub fn engagement(
    now: Timestamp,
    traj: &Trajectory,
    class: TargetClass,
    l: &Launcher,
    it: &InterceptorType,
    c: &FireControlCriteria,
) -> Result<Result<Engagement, String>, FeasibilityError> {
    it.validate()?;
    let pk = it.pk_against(class);
    if pk <= 0.0 {
        return Ok(Err(format!(
            "{} has no kill probability against {class:?}",
            it.name
        )));
    }
    if l.inventory.get(&it.name).copied().unwrap_or(0) == 0 {
        return Ok(Err(format!("launcher {} has no {} left", l.id, it.name)));
    }
    let now_s = now.seconds_since(traj.t0);
    let ready_s = l.ready_at.seconds_since(traj.t0).max(now_s);
    let end = traj.end_s(now_s + c.horizon_s);
    let step = c.step_s.max(1e-3);
    let mut first: Option<(f64, f64, Vector3<f64>)> = None;
    let mut last_ok: Option<f64> = None;
    let mut last_reason = String::from("no intercept before impact or horizon");
    // A threat that never comes within the maximum range (plus its uncertainty) cannot be
    // engaged: say so without searching launch times.
    let samples = 120;
    let closest = (0..=samples)
        .map(|k| {
            let t = now_s + (end - now_s) * f64::from(k) / f64::from(samples);
            (traj.position(t) - l.position).norm() - c.uncertainty_sigmas * traj.sigma_at(t)
        })
        .fold(f64::INFINITY, f64::min);
    // Between samples the distance can dip by at most the relative speed times half a step.
    let slack = 3_000.0 * (end - now_s).max(0.0) / f64::from(samples);
    if closest - slack > it.max_range_m {
        return Ok(Err(format!(
            "never within {:.0} m of launcher {} before impact or horizon (closest {:.0} m)",
            it.max_range_m, l.id, closest
        )));
    }
    let mut tl = ready_s;
    while tl < end {
        match intercept_for_launch(traj, l, it, tl, end) {
            Some((ti, p)) => match in_envelope(traj, l, it, ti, &p, c.uncertainty_sigmas) {
                Ok(()) => {
                    if first.is_none() {
                        first = Some((tl, ti, p));
                    }
                    last_ok = Some(tl);
                }
                Err(r) => {
                    last_reason = r;
                    if first.is_some() {
                        break; // window closed
                    }
                }
            },
            None => {
                if first.is_some() {
                    break;
                }
            }
        }
        tl += step;
    }
    let Some((t_first, ti, p)) = first else {
        return Ok(Err(last_reason));
    };
    let last = last_ok.unwrap_or(t_first);
    let at = |s: f64| traj.t0 + tessera_domain::Duration::from_secs_f64(s);
    let reasons = vec![
        format!(
            "{} from launcher {}: Pk {pk:.2} against {class:?}",
            it.name, l.id
        ),
        format!(
            "predicted intercept at range {:.0} m, altitude {:.0} m, {:.1} s after launch",
            (p - l.position).norm(),
            p.z,
            ti - t_first
        ),
        format!(
            "launch window {:.1} s to {:.1} s from now (margins {} σ)",
            t_first - now_s,
            last - now_s,
            c.uncertainty_sigmas
        ),
    ];
    Ok(Ok(Engagement {
        launcher: l.id,
        interceptor: it.name.clone(),
        intercept_point: p,
        intercept_time: at(ti),
        earliest_launch: at(t_first),
        latest_launch: at(last),
        pk,
        reasons,
    }))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::threat::{ThreatParams, tests::track};

    pub fn sam() -> InterceptorType {
        InterceptorType {
            name: "sam".into(),
            speed_profile: vec![(0.0, 300.0), (3.0, 1200.0), (40.0, 800.0)],
            min_range_m: 1_000.0,
            max_range_m: 40_000.0,
            min_altitude_m: 10.0,
            max_altitude_m: 25_000.0,
            max_flight_time_s: 60.0,
            pk: vec![
                (TargetClass::CruiseMissile, 0.8),
                (TargetClass::FixedWing, 0.7),
            ],
        }
    }

    pub fn launcher(id: u32, x: f64) -> Launcher {
        Launcher {
            id,
            position: Vector3::new(x, 0.0, 0.0),
            sector_center_rad: 0.0,
            sector_half_width_rad: std::f64::consts::PI,
            ready_at: Timestamp(0),
            reload_s: 5.0,
            inventory: [("sam".to_string(), 4)].into_iter().collect(),
        }
    }

    #[test]
    fn window_and_intercept_point() {
        // cruise missile 30 km north heading south at 250 m/s, 50 m high
        let t = track(
            1,
            TargetClass::CruiseMissile,
            [0.0, 0.0, 30_000.0, -250.0, 50.0, 0.0],
        );
        let traj = Trajectory::predict(&t, &ThreatParams::default()).unwrap();
        let c = FireControlCriteria::default();
        let e = engagement(Timestamp(0), &traj, t.class, &launcher(1, 0.0), &sam(), &c)
            .unwrap()
            .unwrap();
        // the missile is inside 40 km already: launch now
        assert_eq!(e.earliest_launch, Timestamp(0));
        let range = e.intercept_point.norm();
        assert!(range > 1_000.0 && range < 30_000.0, "{range}");
        // the interceptor's distance matches the target's at the intercept
        let tau = e.intercept_time.seconds_since(e.earliest_launch);
        assert!((sam().fly_out_distance(tau) - range).abs() < 1.0);
        // the window closes before the missile is inside minimum range
        assert!(e.latest_launch.seconds_since(Timestamp(0)) < 120.0);
        // no kill probability against a drone: infeasible with a reason
        let d = track(
            2,
            TargetClass::Drone,
            [0.0, 0.0, 30_000.0, -50.0, 50.0, 0.0],
        );
        let traj = Trajectory::predict(&d, &ThreatParams::default()).unwrap();
        let r = engagement(Timestamp(0), &traj, d.class, &launcher(1, 0.0), &sam(), &c).unwrap();
        assert!(r.unwrap_err().contains("no kill probability"));
    }

    #[test]
    fn launcher_without_interceptors_is_an_error() {
        let mut l = launcher(7, 0.0);
        l.inventory.clear();
        let e = l.validate(&[sam()]).unwrap_err();
        assert!(e.to_string().contains("launcher 7") && e.to_string().contains("inventory"));
        let mut s = sam();
        s.pk.push((TargetClass::Drone, 1.5));
        assert!(s.validate().unwrap_err().to_string().contains("pk"));
    }
}
