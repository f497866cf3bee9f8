//! Trajectory models, in the scenario's flat local frame (x east, y north, z up, metres):
//!
//! - [`BallisticPlan`]: closed-form flat-earth ballistic flight — boost at constant thrust
//!   acceleration along a fixed launch elevation ("loft"), then drag-free flight under uniform
//!   gravity (midcourse, then terminal below a fraction of the apogee) to an aim point. The thrust
//!   level is solved by bisection so that the impact lands on the aim point. Used for ballistic
//!   missiles and (short burn, high thrust) rockets.
//! - [`RouteMover`]: constant-speed flight along legs (go to a point, or orbit a centre until a
//!   time) with coordinated turns at a bounded turn rate and a bounded climb rate; altitude glides
//!   linearly to each leg's end. Used for aircraft, cruise missiles (low-level waypoints, then a
//!   sea-skimming leg), drones (including loitering swarms that orbit before diving) and civil
//!   traffic.
//! - [`RecordedPath`]: linear interpolation through recorded samples (real trajectories).

// `!(x > 0.0)` is deliberate throughout: it is also true for NaN, which must be rejected.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::config::ObjectClass;
use std::f64::consts::{PI, TAU};

/// Standard gravity, m/s².
pub const G: f64 = 9.806_65;

/// Flight phase, reported in the truth output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Boost,
    Midcourse,
    Terminal,
    Cruise,
    SeaSkim,
    Loiter,
    Dive,
    Flight,
    Egress,
}

impl Phase {
    /// Name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Boost => "boost",
            Self::Midcourse => "midcourse",
            Self::Terminal => "terminal",
            Self::Cruise => "cruise",
            Self::SeaSkim => "sea_skim",
            Self::Loiter => "loiter",
            Self::Dive => "dive",
            Self::Flight => "flight",
            Self::Egress => "egress",
        }
    }
}

/// Wraps an angle to (-π, π].
pub fn wrap_pi(a: f64) -> f64 {
    let w = (a + PI).rem_euclid(TAU) - PI;
    if w <= -PI { w + TAU } else { w }
}

/// A ballistic (or rocket) flight, closed form.
#[derive(Debug, Clone, PartialEq)]
pub struct BallisticPlan {
    /// Launch point.
    pub launch: [f64; 3],
    /// Launch time, s.
    pub t0: f64,
    /// Unit horizontal direction of flight.
    pub dir: [f64; 2],
    /// Launch elevation, rad.
    pub loft: f64,
    /// Thrust acceleration, m/s².
    pub accel: f64,
    /// Burn time, s.
    pub burn: f64,
    /// Burnout state along track: (s, z, vs, vz).
    pub burnout: (f64, f64, f64, f64),
    /// Flight time from launch to impact, s.
    pub flight_time: f64,
    /// Ground range, m.
    pub range: f64,
    /// Highest altitude, m.
    pub apogee: f64,
}

/// Error planning a trajectory.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

fn burnout(z0: f64, loft: f64, a: f64, tb: f64) -> (f64, f64, f64, f64) {
    let (ah, av) = (a * loft.cos(), a * loft.sin() - G);
    (
        0.5 * ah * tb * tb,
        z0 + 0.5 * av * tb * tb,
        ah * tb,
        av * tb,
    )
}

fn fall_time(z: f64, vz: f64) -> f64 {
    (vz + (vz * vz + 2.0 * G * z.max(0.0)).sqrt()) / G
}

impl BallisticPlan {
    /// Plans a flight from `launch` to the ground point `aim`, launched at `t0` with burn time
    /// `burn` s at elevation `loft_deg`.
    pub fn aim(
        launch: [f64; 3],
        aim: [f64; 2],
        t0: f64,
        burn: f64,
        loft_deg: f64,
    ) -> Result<Self, PlanError> {
        let (dx, dy) = (aim[0] - launch[0], aim[1] - launch[1]);
        let d = dx.hypot(dy);
        if !(d > 100.0) {
            return Err(PlanError(format!(
                "ballistic aim point only {d:.0} m from the launch point"
            )));
        }
        let loft = loft_deg.to_radians();
        let z0 = launch[2];
        let range_for = |a: f64| {
            let (s, z, vs, vz) = burnout(z0, loft, a, burn);
            s + vs * fall_time(z, vz)
        };
        let mut lo = G / loft.sin() * 1.0001;
        let mut hi = lo * 2.0;
        while range_for(hi) < d {
            hi *= 2.0;
            if hi > 5e4 {
                return Err(PlanError(format!(
                    "aim point {d:.0} m away is out of reach with a {burn} s burn"
                )));
            }
        }
        if range_for(lo) > d {
            return Err(PlanError(format!("aim point {d:.0} m is too close")));
        }
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if range_for(mid) < d {
                lo = mid
            } else {
                hi = mid
            }
        }
        let accel = 0.5 * (lo + hi);
        let bo = burnout(z0, loft, accel, burn);
        let flight_time = burn + fall_time(bo.1, bo.3);
        let apogee = if bo.3 > 0.0 {
            bo.1 + bo.3 * bo.3 / (2.0 * G)
        } else {
            bo.1
        };
        Ok(Self {
            launch,
            t0,
            dir: [dx / d, dy / d],
            loft,
            accel,
            burn,
            burnout: bo,
            flight_time,
            range: bo.0 + bo.2 * fall_time(bo.1, bo.3),
            apogee,
        })
    }

    /// Along-track state (s, z, vs, vz) `tau` s after launch (tau in [0, flight_time]).
    pub fn along(&self, tau: f64) -> (f64, f64, f64, f64) {
        if tau <= self.burn {
            let (ah, av) = (
                self.accel * self.loft.cos(),
                self.accel * self.loft.sin() - G,
            );
            (
                0.5 * ah * tau * tau,
                self.launch[2] + 0.5 * av * tau * tau,
                ah * tau,
                av * tau,
            )
        } else {
            let (s, z, vs, vz) = self.burnout;
            let u = tau - self.burn;
            (s + vs * u, z + vz * u - 0.5 * G * u * u, vs, vz - G * u)
        }
    }

    /// Position and velocity at time `t`, or `None` before launch or after impact.
    pub fn state(&self, t: f64) -> Option<([f64; 3], [f64; 3])> {
        let tau = t - self.t0;
        if !(0.0..=self.flight_time).contains(&tau) {
            return None;
        }
        let (s, z, vs, vz) = self.along(tau);
        Some((
            [
                self.launch[0] + self.dir[0] * s,
                self.launch[1] + self.dir[1] * s,
                z.max(0.0),
            ],
            [self.dir[0] * vs, self.dir[1] * vs, vz],
        ))
    }

    /// Flight phase at time `t`.
    pub fn phase(&self, t: f64) -> Phase {
        let tau = t - self.t0;
        if tau <= self.burn {
            return Phase::Boost;
        }
        let (_, z, _, vz) = self.along(tau);
        if vz < 0.0 && z < (0.5 * self.apogee).min(30_000.0) {
            Phase::Terminal
        } else {
            Phase::Midcourse
        }
    }
}

/// One leg of a route.
#[derive(Debug, Clone, PartialEq)]
pub enum Leg {
    /// Fly to a point (z = altitude at its end).
    Goto { p: [f64; 3], phase: Phase },
    /// Orbit counter-clockwise around `c` at radius `r` until absolute time `until`.
    Orbit { c: [f64; 3], r: f64, until: f64 },
}

/// What happens at the end of the last leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteEnd {
    /// The object hits its last point (a weapon).
    Impact,
    /// The object leaves the scenario.
    Exit,
}

/// What a step of a mover did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    Flying,
    Impact,
    Exit,
}

/// Constant-speed flight along legs with bounded turn and climb rates.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteMover {
    pub pos: [f64; 3],
    /// Heading, rad, counter-clockwise from +x (east).
    pub heading: f64,
    pub speed: f64,
    pub vz: f64,
    pub legs: Vec<Leg>,
    pub leg: usize,
    pub repeat: bool,
    pub end: RouteEnd,
    /// Turn-rate limit, rad/s.
    pub max_turn: f64,
    /// Climb/descent-rate limit, m/s.
    pub max_climb: f64,
    /// Leaving this square half-extent (m) around the origin ends the route (`None`: never).
    pub exit_extent: Option<f64>,
    /// Turn rate applied in the last step, rad/s (for tests and the truth output).
    pub last_turn_rate: f64,
}

impl RouteMover {
    /// A mover at `pos` heading towards its first leg.
    pub fn new(pos: [f64; 3], speed: f64, legs: Vec<Leg>, max_turn_deg_s: f64) -> Self {
        let heading = match legs.first() {
            Some(Leg::Goto { p, .. }) => (p[1] - pos[1]).atan2(p[0] - pos[0]),
            Some(Leg::Orbit { c, .. }) => (c[1] - pos[1]).atan2(c[0] - pos[0]),
            None => 0.0,
        };
        Self {
            pos,
            heading,
            speed,
            vz: 0.0,
            legs,
            leg: 0,
            repeat: false,
            end: RouteEnd::Exit,
            max_turn: max_turn_deg_s.to_radians(),
            max_climb: (0.1 * speed).clamp(5.0, 60.0),
            exit_extent: None,
            last_turn_rate: 0.0,
        }
    }

    /// Velocity vector.
    pub fn velocity(&self) -> [f64; 3] {
        [
            self.speed * self.heading.cos(),
            self.speed * self.heading.sin(),
            self.vz,
        ]
    }

    /// Current phase.
    pub fn phase(&self) -> Phase {
        match self.legs.get(self.leg) {
            Some(Leg::Goto { phase, .. }) => *phase,
            Some(Leg::Orbit { .. }) => Phase::Loiter,
            None => Phase::Flight,
        }
    }

    /// Horizontal length of the route from `from` through all legs (orbits count their
    /// approach only).
    pub fn path_length(from: [f64; 3], legs: &[Leg]) -> f64 {
        let mut at = from;
        let mut len = 0.0;
        for l in legs {
            match l {
                Leg::Goto { p, .. } => {
                    len += (p[0] - at[0]).hypot(p[1] - at[1]);
                    at = *p;
                }
                Leg::Orbit { c, r, .. } => {
                    len += ((c[0] - at[0]).hypot(c[1] - at[1]) - r).max(0.0);
                    let ang = (at[1] - c[1]).atan2(at[0] - c[0]);
                    at = [c[0] + r * ang.cos(), c[1] + r * ang.sin(), c[2]];
                }
            }
        }
        len
    }

    /// Estimated time to the end of the route, s.
    pub fn time_to_go(&self, t: f64) -> f64 {
        let rest = self.legs.get(self.leg..).unwrap_or(&[]);
        let mut tt = Self::path_length(self.pos, rest) / self.speed;
        for l in rest {
            if let Leg::Orbit { until, .. } = l {
                tt += (until - t).max(0.0);
            }
        }
        tt
    }

    fn capture_radius(&self, dt: f64) -> f64 {
        (2.0 * self.speed * dt).max(0.8 * self.speed / self.max_turn.max(1e-6))
    }

    /// Advances by `dt` s, ending at absolute time `t_end`.
    pub fn step(&mut self, dt: f64, t_end: f64) -> StepOutcome {
        let n_legs = self.legs.len();
        if n_legs == 0 {
            return StepOutcome::Exit;
        }
        // Leg switching (at most a few per step).
        for _ in 0..n_legs {
            let last = self.leg + 1 == n_legs;
            let advance = match &self.legs[self.leg] {
                Leg::Goto { p, .. } => {
                    let dist = (p[0] - self.pos[0]).hypot(p[1] - self.pos[1]);
                    if last && !self.repeat {
                        if dist <= self.speed * dt {
                            self.pos = [p[0], p[1], p[2]];
                            return match self.end {
                                RouteEnd::Impact => StepOutcome::Impact,
                                RouteEnd::Exit => StepOutcome::Exit,
                            };
                        }
                        false
                    } else {
                        dist < self.capture_radius(dt)
                    }
                }
                Leg::Orbit { until, .. } => t_end - dt >= *until,
            };
            if !advance {
                break;
            }
            self.leg += 1;
            if self.leg == n_legs {
                if self.repeat {
                    self.leg = 0;
                } else {
                    self.leg = n_legs - 1;
                    break;
                }
            }
        }
        let (want_heading, want_z, t_go) = match &self.legs[self.leg] {
            Leg::Goto { p, .. } => {
                let (dx, dy) = (p[0] - self.pos[0], p[1] - self.pos[1]);
                (dy.atan2(dx), p[2], dx.hypot(dy) / self.speed)
            }
            Leg::Orbit { c, r, .. } => {
                let (rx, ry) = (self.pos[0] - c[0], self.pos[1] - c[1]);
                let rho = rx.hypot(ry);
                let phi = ry.atan2(rx);
                let corr = ((rho - r) / (0.5 * r)).atan();
                (phi + 0.5 * PI + corr, c[2], 30.0)
            }
        };
        let turn = wrap_pi(want_heading - self.heading);
        let max = self.max_turn * dt;
        let applied = turn.clamp(-max, max);
        self.last_turn_rate = applied / dt;
        // Coordinated turn: the heading changes uniformly over the step; integrate the arc.
        let h0 = self.heading;
        let h1 = h0 + applied;
        let (dx, dy) = if applied.abs() < 1e-9 {
            (self.speed * dt * h0.cos(), self.speed * dt * h0.sin())
        } else {
            let w = applied / dt;
            (
                self.speed / w * (h1.sin() - h0.sin()),
                -self.speed / w * (h1.cos() - h0.cos()),
            )
        };
        self.heading = wrap_pi(h1);
        self.vz = ((want_z - self.pos[2]) / t_go.max(2.0)).clamp(-self.max_climb, self.max_climb);
        self.pos[0] += dx;
        self.pos[1] += dy;
        self.pos[2] = (self.pos[2] + self.vz * dt).max(0.0);
        if let Some(e) = self.exit_extent
            && (self.pos[0].abs() > e || self.pos[1].abs() > e)
        {
            return StepOutcome::Exit;
        }
        StepOutcome::Flying
    }
}

/// A recorded trajectory, replayed by linear interpolation.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedPath {
    /// (t, position), t ascending, scenario seconds.
    pub samples: Vec<(f64, [f64; 3])>,
}

impl RecordedPath {
    /// Position and velocity at `t`, `None` outside the recording.
    pub fn state(&self, t: f64) -> Option<([f64; 3], [f64; 3])> {
        let s = &self.samples;
        let first = s.first()?;
        let last = s.last()?;
        if t < first.0 || t > last.0 || s.len() < 2 {
            return None;
        }
        let i = s.partition_point(|x| x.0 <= t).clamp(1, s.len() - 1);
        let (t0, p0) = s[i - 1];
        let (t1, p1) = s[i];
        let dt = (t1 - t0).max(1e-6);
        let u = ((t - t0) / dt).clamp(0.0, 1.0);
        let mut p = [0.0; 3];
        let mut v = [0.0; 3];
        for k in 0..3 {
            p[k] = p0[k] + u * (p1[k] - p0[k]);
            v[k] = (p1[k] - p0[k]) / dt;
        }
        p[2] = p[2].max(0.0);
        Some((p, v))
    }
}

/// Class defaults for route-flying objects: (speed m/s, altitude m, turn limit °/s).
pub fn route_defaults(class: ObjectClass) -> (f64, f64, f64) {
    match class {
        ObjectClass::Cruise => (250.0, 60.0, 6.0),
        ObjectClass::Aircraft => (240.0, 300.0, 10.0),
        ObjectClass::Drone => (45.0, 800.0, 15.0),
        _ => (250.0, 1000.0, 6.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ballistic_hits_the_aim_point() {
        let p = BallisticPlan::aim([0.0, 0.0, 0.0], [300e3, 0.0], 0.0, 60.0, 45.0).unwrap();
        let (pos, _) = p.state(p.flight_time).unwrap();
        assert!(
            (pos[0] - 300e3).abs() < 1.0 && pos[2].abs() < 1.0,
            "{pos:?}"
        );
        assert!(p.apogee > 50e3 && p.apogee < 150e3, "apogee {}", p.apogee);
    }

    #[test]
    fn out_of_reach_is_an_error() {
        assert!(BallisticPlan::aim([0.0; 3], [50.0, 0.0], 0.0, 60.0, 45.0).is_err());
    }

    #[test]
    fn route_reaches_its_point() {
        let mut m = RouteMover::new(
            [0.0, 0.0, 0.0],
            250.0,
            vec![Leg::Goto {
                p: [10e3, 10e3, 50.0],
                phase: Phase::Cruise,
            }],
            6.0,
        );
        m.end = RouteEnd::Impact;
        let mut t = 0.0;
        let mut out = StepOutcome::Flying;
        while out == StepOutcome::Flying && t < 200.0 {
            t += 0.25;
            out = m.step(0.25, t);
        }
        assert_eq!(out, StepOutcome::Impact);
        assert!((t - 14142.0 / 250.0).abs() < 3.0, "t {t}");
    }
}
