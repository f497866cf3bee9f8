//! Engagement outcomes: fire units with limited inventories and channels, a stand-in fire
//! doctrine (greedy, most urgent threat first, shoot-look-shoot), interceptor fly-out along the
//! predicted-intercept path, and the kill draw with the interceptor's kill probability. A kill
//! removes the target from the truth; a threat that reaches its aim point is an impact on its
//! asset.
//!
//! The predicted intercept point (PIP) solves `|P(τ) − L| = D(τ)` by fixed-point iteration,
//! where `P` is the target's predicted position (exact for ballistic flight, constant velocity
//! otherwise) and `D(τ) = v · (τ − boost/2)` the interceptor's fly-out distance (linear speed
//! build-up over the boost, then constant speed). The fly-out re-aims at the PIP every step;
//! the end-game happens when the closest approach within a step comes inside the lethal radius.

use super::config::{InterceptorConfig, LauncherConfig};
use super::entities::Entity;

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
    /// Interceptors in flight from this unit: (interceptor object index, target object index).
    pub busy: Vec<(usize, usize)>,
    pub launched: u32,
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
        }
    }

    /// Whether the unit can fire now.
    pub fn ready(&self, t: f64) -> bool {
        let mut targets: Vec<usize> = self.busy.iter().map(|b| b.1).collect();
        targets.sort_unstable();
        targets.dedup();
        self.inventory > 0
            && (targets.len() as u32) < self.channels
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
    let dist = |p: [f64; 3]| {
        ((p[0] - from[0]).powi(2) + (p[1] - from[1]).powi(2) + (p[2] - from[2]).powi(2)).sqrt()
    };
    let mut tau = dist(target.pos) / k.speed_mps + 0.5 * k.boost_s;
    for _ in 0..30 {
        let p = target.predict(t, tau)?;
        let d = dist(p);
        let next = if d <= flyout_distance(k, k.boost_s) {
            (2.0 * d * k.boost_s.max(1e-9) / k.speed_mps).sqrt()
        } else {
            d / k.speed_mps + 0.5 * k.boost_s
        };
        if (next - tau).abs() < 1e-3 {
            let p = target.predict(t, next)?;
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
    let ground = (pip[0] - from[0]).hypot(pip[1] - from[1]);
    let slant = ground.hypot(pip[2] - from[2]);
    slant <= k.max_range_m
        && slant >= k.min_range_m
        && pip[2] <= k.max_altitude_m
        && pip[2] >= k.min_altitude_m
        && tau < time_to_go - 1.0
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
