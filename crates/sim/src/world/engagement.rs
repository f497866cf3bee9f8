//! Engagement outcomes: fire units with limited inventories and channels, the two ways an
//! interceptor is launched — the world's own stand-in doctrine (`auto`: greedy, most urgent
//! threat first, shoot-look-shoot, aimed at the truth) and external [`EngagementOrder`]s
//! (aimed at the kinematics of a *system track*, commanded by the live system) — interceptor
//! fly-out along the predicted-intercept path, and the kill draw with the interceptor's kill
//! probability. A kill removes the target from the truth; a threat that reaches its aim point
//! is an impact on its asset. Every launch and outcome is an [`EngagementEvent`].
//!
//! The predicted intercept point (PIP) solves `|P(τ) − L| = D(τ)` by fixed-point iteration,
//! where `P` is the target's predicted position (exact for ballistic flight, constant velocity
//! otherwise) and `D(τ) = v · (τ − boost/2)` the interceptor's fly-out distance (linear speed
//! build-up over the boost, then constant speed). The fly-out re-aims at the PIP every step;
//! the end-game happens when the closest approach within a step comes inside the lethal radius.
//!
//! External orders: the PIP of the *aimed* kinematics (the track state at `aim_time_s`,
//! extrapolated at constant velocity) must lie inside the launcher's envelope, else the order
//! is refused. At launch the interceptor locks onto the live truth object (any air object but
//! an interceptor — a badly aimed order can hit a neutral) nearest to the aimed prediction at
//! the launch instant, if one lies within [`acquisition_gate_m`]; from then on it is guided on
//! that object like an `auto` interceptor. With nothing in the gate it flies to the aimed PIP
//! and on, and aborts at its maximum flight time.

// `!(x <= max)` is deliberate: it is also true for NaN, which must be outside the envelope.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::config::{InterceptorConfig, LauncherConfig, ObjectClass};
use super::entities::Entity;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Acquisition gate of an external order's interceptor around the aimed prediction, m: 3 km
/// plus the drift of an unmodelled 1 g manoeuvre over the extrapolation `age_s`
/// (½·10·age², at most 10 km in all).
pub fn acquisition_gate_m(age_s: f64) -> f64 {
    (3000.0 + 5.0 * age_s * age_s).min(10_000.0)
}

/// What a fire unit's engagement channel is held by: the truth object an `auto` engagement
/// fires at, or the external order (all rounds of one order share one channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Channel {
    Target(usize),
    Order(u64),
}

/// A fire unit's state.
#[derive(Debug, Clone)]
pub struct FireUnit {
    pub name: String,
    pub kind: usize,
    pub pos: [f64; 3],
    pub inventory: u32,
    pub channels: u32,
    pub reload: f64,
    pub last_launch: f64,
    /// Interceptors in flight from this unit: (interceptor object index, channel held).
    pub busy: Vec<(usize, Channel)>,
    pub launched: u32,
    pub inventory_start: u32,
}

impl FireUnit {
    /// From the configuration; `kinds` are the interceptor types.
    pub fn new(c: &LauncherConfig, kinds: &[InterceptorConfig]) -> Self {
        Self {
            name: c.name.clone(),
            kind: kinds
                .iter()
                .position(|k| k.name == c.interceptor)
                .unwrap_or(0),
            pos: c.position_m,
            inventory: c.inventory,
            channels: c.channels,
            reload: c.reload_s,
            last_launch: f64::NEG_INFINITY,
            busy: Vec::new(),
            launched: 0,
            inventory_start: c.inventory,
        }
    }

    /// Engagement channels in use.
    pub fn busy_channels(&self) -> u32 {
        let mut held: Vec<Channel> = self.busy.iter().map(|b| b.1).collect();
        held.sort_unstable();
        held.dedup();
        held.len() as u32
    }

    /// Seconds until the unit has reloaded (0 when it has).
    pub fn reload_left(&self, t: f64) -> f64 {
        (self.reload - (t - self.last_launch)).max(0.0)
    }

    /// Whether the unit can fire now.
    pub fn ready(&self, t: f64) -> bool {
        self.inventory > 0
            && self.busy_channels() < self.channels
            && t - self.last_launch >= self.reload
    }
}

/// Interceptor fly-out distance after `tau` s.
pub fn flyout_distance(k: &InterceptorConfig, tau: f64) -> f64 {
    if tau <= k.boost_s {
        0.5 * k.speed_mps * tau * tau / k.boost_s.max(1e-9)
    } else {
        k.speed_mps * (tau - 0.5 * k.boost_s)
    }
}

/// Predicted intercept of `target` by an interceptor of type `k` launched from `from` at `t`:
/// (time of flight, intercept point), if it converges.
pub fn predicted_intercept(
    k: &InterceptorConfig,
    from: [f64; 3],
    target: &Entity,
    t: f64,
) -> Option<(f64, [f64; 3])> {
    intercept_of(k, from, target.pos, |tau| target.predict(t, tau))
}

/// Predicted intercept of a target now at `now` whose position `tau` s ahead is `predict(tau)`.
pub fn intercept_of(
    k: &InterceptorConfig,
    from: [f64; 3],
    now: [f64; 3],
    predict: impl Fn(f64) -> Option<[f64; 3]>,
) -> Option<(f64, [f64; 3])> {
    let dist = |p: [f64; 3]| {
        ((p[0] - from[0]).powi(2) + (p[1] - from[1]).powi(2) + (p[2] - from[2]).powi(2)).sqrt()
    };
    let mut tau = dist(now) / k.speed_mps + 0.5 * k.boost_s;
    for _ in 0..30 {
        let p = predict(tau)?;
        let d = dist(p);
        let next = if d <= flyout_distance(k, k.boost_s) {
            (2.0 * d * k.boost_s.max(1e-9) / k.speed_mps).sqrt()
        } else {
            d / k.speed_mps + 0.5 * k.boost_s
        };
        if (next - tau).abs() < 1e-3 {
            let p = predict(next)?;
            return ((dist(p) - flyout_distance(k, next)).abs() < 100.0).then_some((next, p));
        }
        tau = next;
    }
    None
}

/// Whether an intercept point is inside the interceptor's envelope and comes before the
/// threat reaches its target.
pub fn feasible(
    k: &InterceptorConfig,
    from: [f64; 3],
    tau: f64,
    pip: [f64; 3],
    time_to_go: f64,
) -> bool {
    envelope_violation(k, from, tau, pip, time_to_go).is_none()
}

/// Why an intercept point is outside the envelope (or too late), if it is.
pub fn envelope_violation(
    k: &InterceptorConfig,
    from: [f64; 3],
    tau: f64,
    pip: [f64; 3],
    time_to_go: f64,
) -> Option<String> {
    let ground = (pip[0] - from[0]).hypot(pip[1] - from[1]);
    let slant = ground.hypot(pip[2] - from[2]);
    if !(slant <= k.max_range_m) {
        Some(format!(
            "intercept at {:.1} km is beyond the maximum range {:.1} km",
            slant / 1e3,
            k.max_range_m / 1e3
        ))
    } else if !(slant >= k.min_range_m) {
        Some(format!(
            "intercept at {:.1} km is inside the minimum range {:.1} km",
            slant / 1e3,
            k.min_range_m / 1e3
        ))
    } else if !(pip[2] <= k.max_altitude_m) {
        Some(format!(
            "intercept altitude {:.0} m is above the ceiling {:.0} m",
            pip[2], k.max_altitude_m
        ))
    } else if !(pip[2] >= k.min_altitude_m) {
        Some(format!(
            "intercept altitude {:.0} m is below the floor {:.0} m",
            pip[2], k.min_altitude_m
        ))
    } else if !(tau < time_to_go - 1.0) {
        Some(format!(
            "time of flight {tau:.1} s does not beat the threat's {time_to_go:.1} s to go"
        ))
    } else {
        None
    }
}

/// Closest distance between two points moving linearly over one step from (a0, b0) to (a1, b1).
pub fn closest_approach(a0: [f64; 3], a1: [f64; 3], b0: [f64; 3], b1: [f64; 3]) -> f64 {
    let r0: [f64; 3] = std::array::from_fn(|i| a0[i] - b0[i]);
    let dr: [f64; 3] = std::array::from_fn(|i| (a1[i] - b1[i]) - r0[i]);
    let dd = dr.iter().map(|x| x * x).sum::<f64>();
    let u = if dd > 0.0 {
        (-(r0.iter().zip(&dr).map(|(a, b)| a * b).sum::<f64>()) / dd).clamp(0.0, 1.0)
    } else {
        0.0
    };
    r0.iter()
        .zip(&dr)
        .map(|(a, b)| (a + u * b).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// An engagement commanded from outside the world (an operator's approved recommendation),
/// aimed at a system track's kinematics rather than at the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngagementOrder {
    /// The caller's engagement id, echoed in every event of this engagement.
    pub order_id: u64,
    /// Launcher name from the scenario.
    pub launcher: String,
    /// Interceptors fired at once (a salvo); all share one engagement channel.
    pub rounds: u32,
    /// Target position in the world's flat frame (x east, y north, z up, m) at `aim_time_s`.
    pub aim_position_m: [f64; 3],
    /// Target velocity, m/s, same frame.
    pub aim_velocity_mps: [f64; 3],
    /// Scenario time of the aimed state, s.
    pub aim_time_s: f64,
}

/// Why an order was not executed. Nothing was launched and nothing changed.
#[derive(Debug, Clone, PartialEq, Error, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum EngagementRefused {
    #[error("engagements are disabled in this scenario (doctrine \"none\")")]
    Disabled,
    #[error("the scenario has finished")]
    Finished,
    #[error("unknown launcher {launcher:?}")]
    UnknownLauncher { launcher: String },
    #[error("bad order: {message}")]
    BadOrder { message: String },
    #[error("launcher {launcher} has {left} rounds left, {asked} asked")]
    NoInventory {
        launcher: String,
        left: u32,
        asked: u32,
    },
    #[error("launcher {launcher} is not ready: {message}")]
    NotReady { launcher: String, message: String },
    #[error("out of envelope of {launcher}: {message}")]
    OutOfEnvelope { launcher: String, message: String },
}

/// Why an interceptor missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissReason {
    /// It came within the lethal radius but the kill draw failed.
    EndGame,
    /// It never came within the lethal radius before its maximum flight time.
    MaxFlightTime,
}

impl MissReason {
    /// Name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EndGame => "end_game",
            Self::MaxFlightTime => "max_flight_time",
        }
    }
}

impl AbortReason {
    /// Name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TargetGone => "target_gone",
            Self::NoTarget => "no_target",
        }
    }
}

/// Why an interceptor was aborted (destroyed without an end-game).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbortReason {
    /// Its target was destroyed by another interceptor or reached its aim point.
    TargetGone,
    /// An external order found no truth object in the acquisition gate; it flew to its
    /// maximum flight time.
    NoTarget,
}

/// A launch or an outcome. `order_id` is the external order's id (`None` for the world's own
/// `auto` engagements); `target` is the truth object engaged (`None` when an external order's
/// interceptor acquired nothing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EngagementEvent {
    Launch {
        t_s: f64,
        order_id: Option<u64>,
        launcher: String,
        interceptor: u32,
        target: Option<u32>,
        target_name: Option<String>,
        /// Predicted intercept point at launch, flat frame, m.
        pip: [f64; 3],
        tof_s: f64,
        inventory_left: u32,
    },
    Kill {
        t_s: f64,
        order_id: Option<u64>,
        launcher: String,
        interceptor: u32,
        target: u32,
        target_name: String,
        /// Interceptor position at the end-game, m.
        pos: [f64; 3],
    },
    Miss {
        t_s: f64,
        order_id: Option<u64>,
        launcher: String,
        interceptor: u32,
        target: Option<u32>,
        target_name: Option<String>,
        pos: [f64; 3],
        reason: MissReason,
    },
    Abort {
        t_s: f64,
        order_id: Option<u64>,
        launcher: String,
        interceptor: u32,
        target: Option<u32>,
        target_name: Option<String>,
        pos: [f64; 3],
        reason: AbortReason,
    },
    /// A threat reached its aim point.
    Impact {
        t_s: f64,
        threat: u32,
        threat_name: String,
        class: ObjectClass,
        asset: String,
        pos: [f64; 3],
    },
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn json_opt_u32(v: Option<u32>) -> String {
    v.map_or_else(|| "null".into(), |v| v.to_string())
}

fn json_opt_str(v: Option<&str>) -> String {
    v.map_or_else(|| "null".into(), json_str)
}

impl EngagementEvent {
    /// Scenario time of the event, s.
    pub fn t_s(&self) -> f64 {
        match self {
            Self::Launch { t_s, .. }
            | Self::Kill { t_s, .. }
            | Self::Miss { t_s, .. }
            | Self::Abort { t_s, .. }
            | Self::Impact { t_s, .. } => *t_s,
        }
    }

    /// The external order the event belongs to.
    pub fn order_id(&self) -> Option<u64> {
        match self {
            Self::Launch { order_id, .. }
            | Self::Kill { order_id, .. }
            | Self::Miss { order_id, .. }
            | Self::Abort { order_id, .. } => *order_id,
            Self::Impact { .. } => None,
        }
    }

    /// The `engagements.jsonl` line (with its newline). Positions are rounded to metres; the
    /// world's own engagements keep the original field set, external orders add `order_id`
    /// and, for misses and aborts, `reason`.
    pub fn to_jsonl(&self) -> String {
        let order = |o: &Option<u64>| o.map_or_else(String::new, |o| format!(",\"order_id\":{o}"));
        let reason = |o: &Option<u64>, r: &str| {
            if o.is_some() {
                format!(",\"reason\":\"{r}\"")
            } else {
                String::new()
            }
        };
        match self {
            Self::Launch {
                t_s,
                order_id,
                launcher,
                interceptor,
                target,
                target_name,
                pip,
                tof_s,
                inventory_left,
            } => format!(
                "{{\"t_s\":{t_s:.3},\"event\":\"launch\",\"launcher\":{},\"interceptor\":{interceptor},\"target\":{},\"target_name\":{},\"pip\":[{:.0},{:.0},{:.0}],\"tof_s\":{tof_s:.2},\"inventory_left\":{inventory_left}{}}}\n",
                json_str(launcher),
                json_opt_u32(*target),
                json_opt_str(target_name.as_deref()),
                pip[0],
                pip[1],
                pip[2],
                order(order_id)
            ),
            Self::Kill {
                t_s,
                order_id,
                launcher,
                interceptor,
                target,
                target_name,
                pos,
            } => outcome_line(
                *t_s,
                "kill",
                *interceptor,
                launcher,
                Some(*target),
                Some(target_name),
                pos,
                &order(order_id),
            ),
            Self::Miss {
                t_s,
                order_id,
                launcher,
                interceptor,
                target,
                target_name,
                pos,
                reason: r,
            } => outcome_line(
                *t_s,
                "miss",
                *interceptor,
                launcher,
                *target,
                target_name.as_deref(),
                pos,
                &(order(order_id) + &reason(order_id, r.as_str())),
            ),
            Self::Abort {
                t_s,
                order_id,
                launcher,
                interceptor,
                target,
                target_name,
                pos,
                reason: r,
            } => outcome_line(
                *t_s,
                "abort",
                *interceptor,
                launcher,
                *target,
                target_name.as_deref(),
                pos,
                &(order(order_id) + &reason(order_id, r.as_str())),
            ),
            Self::Impact {
                t_s,
                threat,
                threat_name,
                class,
                asset,
                pos,
            } => format!(
                "{{\"t_s\":{t_s:.3},\"event\":\"impact\",\"threat\":{threat},\"threat_name\":{},\"class\":\"{}\",\"asset\":{},\"pos\":[{:.0},{:.0},{:.0}]}}\n",
                json_str(threat_name),
                class.as_str(),
                json_str(asset),
                pos[0],
                pos[1],
                pos[2]
            ),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn outcome_line(
    t_s: f64,
    what: &str,
    interceptor: u32,
    launcher: &str,
    target: Option<u32>,
    target_name: Option<&str>,
    pos: &[f64; 3],
    extra: &str,
) -> String {
    format!(
        "{{\"t_s\":{t_s:.3},\"event\":\"{what}\",\"interceptor\":{interceptor},\"launcher\":{},\"target\":{},\"target_name\":{},\"pos\":[{:.0},{:.0},{:.0}]{extra}}}\n",
        json_str(launcher),
        json_opt_u32(target),
        json_opt_str(target_name),
        pos[0],
        pos[1],
        pos[2]
    )
}

/// A fire unit as the live system sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LauncherStatus {
    /// 1-based position in the scenario's launcher list.
    pub id: u32,
    pub name: String,
    /// Interceptor type name.
    pub interceptor: String,
    /// Flat frame, m.
    pub position_m: [f64; 3],
    pub inventory: u32,
    pub inventory_start: u32,
    pub channels: u32,
    /// Channels held by engagements in flight.
    pub busy_channels: u32,
    /// Interceptors in flight.
    pub in_flight: u32,
    /// Whether an order could fire now (inventory, a free channel, reloaded).
    pub ready: bool,
    /// Seconds until reloaded.
    pub reload_left_s: f64,
    pub min_range_m: f64,
    pub max_range_m: f64,
    pub min_altitude_m: f64,
    pub max_altitude_m: f64,
    pub pk: f64,
    pub classes: Vec<ObjectClass>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_approach_of_crossing_paths() {
        let d = closest_approach(
            [-10.0, 0.0, 0.0],
            [10.0, 0.0, 0.0],
            [0.0, -10.0, 5.0],
            [0.0, 10.0, 5.0],
        );
        assert!((d - 5.0).abs() < 1e-9);
    }

    #[test]
    fn flyout_is_continuous() {
        let k: InterceptorConfig = toml::from_str(
            "name='x'\nspeed_mps=1000\nmax_range_m=1e5\nmax_altitude_m=2e4\npk=0.8\nclasses=['cruise']",
        )
        .unwrap();
        let a = flyout_distance(&k, k.boost_s - 1e-9);
        let b = flyout_distance(&k, k.boost_s + 1e-9);
        assert!((a - b).abs() < 1e-3);
    }
}
