//! Air objects of the simulated world and their construction from the scenario: civil traffic
//! (generated, respawned at the area edge when one leaves, or recorded), named aircraft, threat
//! groups expanded into members and timed (launch time, or arrival time minus the planned flight
//! time), and interceptors created by the engagement model; the Mode 3/A convention (the
//! friendly 41xx block) and the [`TruthState`] the world reports of each live object.

use super::SimError;
use super::config::{Affiliation, ObjectClass, ThreatConfig, WorldConfig, parse_mode3a};
use super::kinematics::{
    BallisticPlan, Leg, Phase, RecordedPath, RouteEnd, RouteMover, route_defaults,
};
use rand::Rng;
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};
use std::f64::consts::{PI, TAU};

/// The Mode 3/A block of friendly military aircraft, `41xx` octal (4100–4177): the convention
/// of the built-in scenarios (documented in `scenarios/default.toml`). Named friendly aircraft
/// without a code get one from it; generated civil traffic never squawks in it; threats carry
/// no transponder.
pub const FRIENDLY_MODE3A_BLOCK: u16 = 0o4100;

/// Whether a Mode 3/A code lies in the friendly block.
pub fn is_friendly_mode3a(code: u16) -> bool {
    code & 0o7700 == FRIENDLY_MODE3A_BLOCK
}

/// A civil code drawn from 1000–6777, moved out of the friendly block (41xx → 42xx).
fn civil_mode3a(code: u16) -> u16 {
    let code = code & 0o7777;
    if is_friendly_mode3a(code) {
        code ^ 0o0300
    } else {
        code
    }
}

/// Cooperative (transponder / ADS-B) identity.
#[derive(Debug, Clone, PartialEq)]
pub struct Coop {
    pub icao: u32,
    pub callsign: String,
    pub mode3a: u16,
    pub transponder: bool,
    pub adsb: bool,
    pub nacp: u8,
}

/// How an object moves.
#[derive(Debug, Clone, PartialEq)]
pub enum Motion {
    Route(RouteMover),
    Ballistic(BallisticPlan),
    Recorded(RecordedPath),
    /// An interceptor guided towards the predicted intercept point of entity `target`, or,
    /// when it has none (an external order that acquired nothing), towards the fixed point
    /// `aim` and on.
    Guided {
        target: Option<usize>,
        aim: [f64; 3],
        speed: f64,
        boost: f64,
        t0: f64,
        max_tof: f64,
        /// Index of the fire unit that launched it.
        unit: usize,
        /// The external order it was fired for.
        order: Option<u64>,
    },
}

/// One air object.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub id: u32,
    pub name: String,
    pub class: ObjectClass,
    pub affiliation: Affiliation,
    pub rcs_m2: f64,
    pub motion: Motion,
    /// First instant it exists, s.
    pub born: f64,
    pub alive: bool,
    pub started: bool,
    pub pos: [f64; 3],
    pub vel: [f64; 3],
    pub phase: Phase,
    pub coop: Option<Coop>,
    /// Index of the defended asset aimed at.
    pub target_asset: Option<usize>,
    pub value: f64,
    /// Turn-rate limit, rad/s (route movers).
    pub max_turn: f64,
    /// Generated civil traffic: replaced by a new aircraft when it leaves.
    pub respawn: bool,
}

impl Entity {
    fn new(id: u32, name: String, class: ObjectClass, aff: Affiliation, motion: Motion) -> Self {
        Self {
            id,
            name,
            class,
            affiliation: aff,
            rcs_m2: class.default_rcs_m2(),
            motion,
            born: 0.0,
            alive: false,
            started: false,
            pos: [0.0; 3],
            vel: [0.0; 3],
            phase: Phase::Flight,
            coop: None,
            target_asset: None,
            value: 1.0,
            max_turn: 0.0,
            respawn: false,
        }
    }

    /// A new interceptor entity.
    pub fn interceptor(id: u32, name: String, pos: [f64; 3], motion: Motion, t: f64) -> Self {
        let mut e = Self::new(
            id,
            name,
            ObjectClass::Interceptor,
            Affiliation::Friendly,
            motion,
        );
        e.born = t;
        e.alive = true;
        e.started = true;
        e.pos = pos;
        e.phase = Phase::Boost;
        e
    }

    /// Whether this is a hostile weapon or aircraft.
    pub fn is_threat(&self) -> bool {
        self.affiliation == Affiliation::Hostile && self.class != ObjectClass::Interceptor
    }

    /// Predicted position `dt` s ahead: exact for ballistic flight, linear otherwise.
    pub fn predict(&self, t: f64, dt: f64) -> Option<[f64; 3]> {
        match &self.motion {
            Motion::Ballistic(b) => b.state(t + dt).map(|s| s.0),
            _ => Some([
                self.pos[0] + self.vel[0] * dt,
                self.pos[1] + self.vel[1] * dt,
                (self.pos[2] + self.vel[2] * dt).max(0.0),
            ]),
        }
    }

    /// Time until the object reaches its target (impact) or the end of its route, s.
    pub fn time_to_go(&self, t: f64) -> f64 {
        match &self.motion {
            Motion::Ballistic(b) => b.t0 + b.flight_time - t,
            Motion::Route(r) => r.time_to_go(t),
            _ => f64::INFINITY,
        }
    }
}

/// A live object as the world's truth, for the live system and for scoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthState {
    pub id: u32,
    pub name: String,
    pub class: ObjectClass,
    pub affiliation: Affiliation,
    pub phase: Phase,
    /// Flat frame (x east, y north, z height above sea level), m.
    pub pos: [f64; 3],
    pub vel: [f64; 3],
    /// Transponder Mode 3/A code (squawking objects only).
    pub mode3a: Option<u16>,
    /// 24-bit address (transponder or ADS-B equipped objects only).
    pub icao: Option<u32>,
    pub callsign: Option<String>,
    /// Broadcasts ADS-B.
    pub adsb: bool,
    /// Name of the defended asset a threat aims at.
    pub target_asset: Option<String>,
    /// Time of this object's latest radar plot (any radar), s.
    pub last_detected_s: Option<f64>,
}

impl TruthState {
    /// The truth of an entity last seen by a radar at `last_detected` (−∞: never).
    pub fn of(e: &Entity, cfg: &WorldConfig, last_detected: f64) -> Self {
        let coop = e.coop.as_ref();
        Self {
            id: e.id,
            name: e.name.clone(),
            class: e.class,
            affiliation: e.affiliation,
            phase: e.phase,
            pos: e.pos,
            vel: e.vel,
            mode3a: coop.filter(|c| c.transponder).map(|c| c.mode3a),
            icao: coop.map(|c| c.icao),
            callsign: coop.map(|c| c.callsign.clone()),
            adsb: coop.is_some_and(|c| c.adsb),
            target_asset: e
                .target_asset
                .and_then(|a| cfg.assets.get(a))
                .map(|a| a.name.clone()),
            last_detected_s: last_detected.is_finite().then_some(last_detected),
        }
    }
}

/// Builds all configured objects (civil traffic, aircraft, threats).
pub fn build(cfg: &WorldConfig, rng: &mut Pcg64Mcg) -> Result<Vec<Entity>, SimError> {
    let mut out = Vec::new();
    let half = cfg.scenario.half_extent_m;
    for k in 0..cfg.traffic.civil_count {
        let id = out.len() as u32 + 1;
        out.push(civil(cfg, rng, id, k, 0.0, false));
    }
    if let Some(csv) = &cfg.traffic.recorded_csv {
        recorded(cfg, csv, &mut out)?;
    }
    for a in &cfg.aircraft {
        let id = out.len() as u32 + 1;
        let mut legs: Vec<Leg> = a
            .waypoints_m
            .iter()
            .map(|w| Leg::Goto {
                p: *w,
                phase: Phase::Flight,
            })
            .collect();
        let start = a.waypoints_m[0];
        if !a.repeat && legs.len() > 1 {
            legs.remove(0);
        }
        let mut m = RouteMover::new(start, a.speed_mps, legs, a.max_turn_rate_deg_s);
        m.repeat = a.repeat;
        m.end = RouteEnd::Exit;
        let mut e = Entity::new(
            id,
            a.name.clone(),
            ObjectClass::Aircraft,
            a.affiliation,
            Motion::Route(m),
        );
        e.max_turn = a.max_turn_rate_deg_s.to_radians();
        e.born = a.start_s;
        e.rcs_m2 = a.rcs_m2.unwrap_or(5.0);
        if a.transponder || a.adsb {
            e.coop =
                Some(Coop {
                    icao: 0xF0_0000 | (id & 0x0F_FFFF),
                    callsign: a.callsign.clone().unwrap_or_else(|| format!("F{id:05}")),
                    mode3a: a.mode3a.as_deref().and_then(parse_mode3a).unwrap_or(
                        match a.affiliation {
                            Affiliation::Friendly => FRIENDLY_MODE3A_BLOCK | (id as u16 & 0o77),
                            _ => 0o2000 | (id as u16 & 0o777),
                        },
                    ),
                    transponder: a.transponder,
                    adsb: a.adsb,
                    nacp: 9,
                });
        }
        out.push(e);
    }
    for th in &cfg.threats {
        threat_group(cfg, th, rng, &mut out, half)?;
    }
    Ok(out)
}

/// A civil aircraft: inside the area at t = 0 (`at_edge` false) or entering at its edge.
pub fn civil(
    cfg: &WorldConfig,
    rng: &mut Pcg64Mcg,
    id: u32,
    serial: usize,
    born: f64,
    at_edge: bool,
) -> Entity {
    let t = &cfg.traffic;
    let half = cfg.scenario.half_extent_m;
    let (pos, heading) = if at_edge {
        let side = rng.random_range(0..4u8);
        let u = rng.random_range(-half..half);
        let (p, h) = match side {
            0 => ([-half, u], 0.0),
            1 => ([half, u], PI),
            2 => ([u, -half], 0.5 * PI),
            _ => ([u, half], -0.5 * PI),
        };
        (p, h + rng.random_range(-0.6..0.6))
    } else {
        (
            [rng.random_range(-half..half), rng.random_range(-half..half)],
            rng.random_range(-PI..PI),
        )
    };
    let fl = |rng: &mut Pcg64Mcg| {
        let z = rng.random_range(t.altitude_m[0]..=t.altitude_m[1]);
        (z / 304.8).round() * 304.8
    };
    let z0 = fl(rng);
    let speed = rng.random_range(t.speed_mps[0]..=t.speed_mps[1]);
    let d1 = rng.random_range(40e3..150e3);
    let h2 = heading + rng.random_range(-0.7..0.7);
    let mid = [pos[0] + d1 * heading.cos(), pos[1] + d1 * heading.sin()];
    let z1 = if rng.random::<f64>() < 0.3 {
        fl(rng)
    } else {
        z0
    };
    let far = [
        mid[0] + 4.0 * half * h2.cos(),
        mid[1] + 4.0 * half * h2.sin(),
    ];
    let legs = vec![
        Leg::Goto {
            p: [mid[0], mid[1], z0],
            phase: Phase::Flight,
        },
        Leg::Goto {
            p: [far[0], far[1], z1],
            phase: Phase::Flight,
        },
    ];
    let mut m = RouteMover::new([pos[0], pos[1], z0], speed, legs, 3.0);
    m.heading = heading;
    m.exit_extent = Some(half * 1.02);
    let mut e = Entity::new(
        id,
        format!("CIV{serial:05}"),
        ObjectClass::Aircraft,
        Affiliation::Neutral,
        Motion::Route(m),
    );
    e.max_turn = 3f64.to_radians();
    e.born = born;
    e.respawn = true;
    e.rcs_m2 = rng.random_range(5.0..40.0);
    let transponder = rng.random::<f64>() < t.transponder_fraction;
    let adsb = transponder && rng.random::<f64>() < t.adsb_fraction;
    if transponder {
        e.coop = Some(Coop {
            icao: 0xF0_0000 | (id & 0x0F_FFFF),
            callsign: format!("CIV{:04}", serial % 10_000),
            mode3a: civil_mode3a(rng.random_range(0o1000..0o7000u16)),
            transponder,
            adsb,
            nacp: [8u8, 9, 9, 10][rng.random_range(0..4usize)],
        });
    }
    e
}

fn recorded(cfg: &WorldConfig, csv: &str, out: &mut Vec<Entity>) -> Result<(), SimError> {
    let path = match &cfg.base_dir {
        Some(d) => d.join(csv),
        None => std::path::PathBuf::from(csv),
    };
    let o = cfg.traffic.recorded_origin_deg.unwrap_or([0.0, 0.0]);
    let origin = tessera_geo::Geodetic::from_degrees(o[0], o[1], 0.0)
        .map_err(|e| SimError::Scenario(format!("recorded_origin_deg: {e}")))?;
    let plane = tessera_geo::LocalTangentPlane::new(origin);
    let (paths, _) = crate::traffic::load_paths(&path, &plane)
        .map_err(|e| SimError::Scenario(format!("recorded trajectories: {e}")))?;
    let t_first = paths
        .iter()
        .filter_map(|p| p.samples.first().map(|s| s.0))
        .fold(f64::INFINITY, f64::min);
    for p in paths
        .iter()
        .take(cfg.traffic.recorded_max.unwrap_or(usize::MAX))
    {
        let id = out.len() as u32 + 1;
        let samples: Vec<(f64, [f64; 3])> =
            p.samples.iter().map(|(t, x)| (t - t_first, *x)).collect();
        let born = samples.first().map_or(0.0, |s| s.0);
        let mut e = Entity::new(
            id,
            format!("REC{}", p.id),
            ObjectClass::Aircraft,
            Affiliation::Neutral,
            Motion::Recorded(RecordedPath { samples }),
        );
        e.born = born;
        e.rcs_m2 = 20.0;
        e.coop = Some(Coop {
            icao: 0xF0_0000 | (id & 0x0F_FFFF),
            callsign: format!("REC{:04}", p.id % 10_000),
            mode3a: 0o2000 + (id as u16 & 0o777),
            transponder: true,
            adsb: true,
            nacp: 9,
        });
        out.push(e);
    }
    Ok(())
}

fn threat_group(
    cfg: &WorldConfig,
    th: &ThreatConfig,
    rng: &mut Pcg64Mcg,
    out: &mut Vec<Entity>,
    _half: f64,
) -> Result<(), SimError> {
    let ai = th
        .target
        .as_ref()
        .and_then(|t| cfg.assets.iter().position(|a| &a.name == t))
        .ok_or_else(|| SimError::Scenario(format!("threat {:?} has no target", th.name)))?;
    let asset = &cfg.assets[ai];
    let (def_speed, def_alt, def_turn) = route_defaults(th.class);
    let speed = th.speed_mps.unwrap_or(def_speed);
    let alt = th.altitude_m.unwrap_or(def_alt);
    let turn = th.max_turn_rate_deg_s.unwrap_or(def_turn);
    for k in 0..th.count {
        let id = out.len() as u32 + 1;
        let ang = TAU * f64::from(k) / f64::from(th.count.max(1));
        let launch = if th.launch_spread_m > 0.0 && th.count > 1 {
            [
                th.launch_m[0] + th.launch_spread_m * ang.cos(),
                th.launch_m[1] + th.launch_spread_m * ang.sin(),
                th.launch_m[2],
            ]
        } else {
            th.launch_m
        };
        let aim = if th.spread_aim {
            let r = 0.7 * asset.radius_m * rng.random::<f64>().sqrt();
            let a = rng.random_range(0.0..TAU);
            [
                asset.position_m[0] + r * a.cos(),
                asset.position_m[1] + r * a.sin(),
            ]
        } else {
            asset.position_m
        };
        let offset = f64::from(k) * th.interval_s;
        let name = if th.count > 1 {
            format!("{}-{}", th.name, k + 1)
        } else {
            th.name.clone()
        };
        let err = |e: super::kinematics::PlanError| {
            SimError::Scenario(format!("threat {:?}: {}", th.name, e.0))
        };
        let (motion, born) = match th.class {
            ObjectClass::Ballistic | ObjectClass::Rocket => {
                let (burn, loft) = if th.class == ObjectClass::Ballistic {
                    (th.burn_time_s.unwrap_or(60.0), th.loft_deg.unwrap_or(45.0))
                } else {
                    (th.burn_time_s.unwrap_or(3.0), th.loft_deg.unwrap_or(50.0))
                };
                let plan = BallisticPlan::aim(launch, aim, 0.0, burn, loft).map_err(err)?;
                let t0 = match (th.launch_s, th.arrive_s) {
                    (Some(l), _) => l + offset,
                    (None, Some(a)) => a + offset - plan.flight_time,
                    _ => offset,
                };
                let plan = BallisticPlan { t0, ..plan };
                (Motion::Ballistic(plan), t0)
            }
            _ => {
                let (legs, end, start_z) = route_legs(th, launch, aim, alt, speed);
                let start = [launch[0], launch[1], start_z];
                // Time on target: a strike aircraft's egress leg comes after it.
                let to_target = match th.class {
                    ObjectClass::Aircraft => &legs[..legs.len().saturating_sub(1)],
                    _ => &legs[..],
                };
                let travel = RouteMover::path_length(start, to_target) / speed;
                let t0 = match (th.launch_s, th.arrive_s) {
                    (Some(l), _) => l + offset,
                    (None, Some(a)) => a + offset - travel - th.loiter_s,
                    _ => offset,
                };
                // Absolute end of the loiter orbit, now that the launch time is known.
                let loiter_r = th.loiter_radius_m.unwrap_or(3000.0);
                let to_orbit = {
                    let pre: Vec<Leg> = legs
                        .iter()
                        .take_while(|l| !matches!(l, Leg::Orbit { .. }))
                        .cloned()
                        .collect();
                    let last = match pre.last() {
                        Some(Leg::Goto { p, .. }) => *p,
                        _ => start,
                    };
                    RouteMover::path_length(start, &pre)
                        + ((aim[0] - last[0]).hypot(aim[1] - last[1]) - loiter_r).max(0.0)
                };
                let legs = legs
                    .into_iter()
                    .map(|l| match l {
                        Leg::Orbit { c, r, .. } => Leg::Orbit {
                            c,
                            r,
                            until: t0 + to_orbit / speed + th.loiter_s,
                        },
                        l => l,
                    })
                    .collect();
                let mut m = RouteMover::new(start, speed, legs, turn);
                m.end = end;
                (Motion::Route(m), t0)
            }
        };
        let mut e = Entity::new(id, name, th.class, Affiliation::Hostile, motion);
        e.born = born;
        e.rcs_m2 = th.rcs_m2.unwrap_or(th.class.default_rcs_m2());
        e.target_asset = Some(ai);
        e.value = th.value;
        e.max_turn = turn.to_radians();
        out.push(e);
    }
    Ok(())
}

/// Legs of a route-flying threat, how it ends, and its start height.
fn route_legs(
    th: &ThreatConfig,
    launch: [f64; 3],
    aim: [f64; 2],
    alt: f64,
    _speed: f64,
) -> (Vec<Leg>, RouteEnd, f64) {
    let mut legs: Vec<Leg> = th
        .waypoints_m
        .iter()
        .map(|w| Leg::Goto {
            p: *w,
            phase: Phase::Cruise,
        })
        .collect();
    let last = th
        .waypoints_m
        .last()
        .map_or([launch[0], launch[1]], |w| [w[0], w[1]]);
    match th.class {
        ObjectClass::Cruise => {
            let skim_alt = th.sea_skim_altitude_m.unwrap_or(5.0);
            let skim_d = th.sea_skim_distance_m.unwrap_or(30e3);
            if legs.is_empty() {
                // Climb to the cruise altitude a few km out.
                let (dx, dy) = (aim[0] - launch[0], aim[1] - launch[1]);
                let d = dx.hypot(dy).max(1.0);
                let u = (5e3 / d).min(0.2);
                legs.push(Leg::Goto {
                    p: [launch[0] + u * dx, launch[1] + u * dy, alt],
                    phase: Phase::Cruise,
                });
            }
            let (dx, dy) = (aim[0] - last[0], aim[1] - last[1]);
            let d = dx.hypot(dy).max(1.0);
            if d > skim_d + 5e3 {
                legs.push(Leg::Goto {
                    p: [aim[0] - dx / d * skim_d, aim[1] - dy / d * skim_d, skim_alt],
                    phase: Phase::Cruise,
                });
            }
            legs.push(Leg::Goto {
                p: [aim[0], aim[1], skim_alt],
                phase: Phase::SeaSkim,
            });
            (legs, RouteEnd::Impact, launch[2])
        }
        ObjectClass::Aircraft => {
            legs.push(Leg::Goto {
                p: [aim[0], aim[1], alt],
                phase: Phase::Flight,
            });
            legs.push(Leg::Goto {
                p: [launch[0], launch[1], alt],
                phase: Phase::Egress,
            });
            (legs, RouteEnd::Exit, launch[2].max(alt))
        }
        _ => {
            // Drones: fly the route, loiter over the target if asked, then dive on it.
            if th.loiter_s > 0.0 {
                legs.push(Leg::Orbit {
                    c: [aim[0], aim[1], alt],
                    r: th.loiter_radius_m.unwrap_or(3000.0),
                    until: f64::INFINITY,
                });
            } else {
                let (dx, dy) = (aim[0] - last[0], aim[1] - last[1]);
                let d = dx.hypot(dy);
                if d > 6e3 {
                    legs.push(Leg::Goto {
                        p: [aim[0] - dx / d * 3e3, aim[1] - dy / d * 3e3, alt],
                        phase: Phase::Cruise,
                    });
                }
            }
            legs.push(Leg::Goto {
                p: [aim[0], aim[1], 0.0],
                phase: Phase::Dive,
            });
            (legs, RouteEnd::Impact, launch[2].max(alt))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_codes_stay_out_of_the_friendly_block() {
        for c in 0o1000..0o7000u16 {
            let m = civil_mode3a(c);
            assert!(!is_friendly_mode3a(m), "{c:o} -> {m:o}");
            assert!((0o1000..0o7000).contains(&m));
        }
        assert!(is_friendly_mode3a(0o4101) && !is_friendly_mode3a(0o4200));
    }
}
