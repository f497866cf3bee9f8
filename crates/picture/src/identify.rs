//! The identification stage: standard identity (STANAG 1241 / MIL-STD-2525 affiliation).
//!
//! [`PlanIdentifier`] applies an [`IdentificationPlan`], the generic rules an air-defence
//! identification authority would write down for an exercise:
//!
//! 1. A Mode 3/A code inside one of the plan's friendly code blocks: **friend**.
//! 2. Any other cooperation (secondary reply, ADS-B) : **neutral** (civil traffic).
//! 3. No cooperation, younger than `pending_s`: **pending**.
//! 4. No cooperation and a missile or rocket class: **hostile**.
//! 5. No cooperation, closing on a defended point inside `hostile_range_m`, low and fast or a
//!    drone: **hostile**; closing inside `suspect_range_m`: **suspect**.
//! 6. Otherwise **unknown**.
//!
//! Identity only escalates for uncooperative tracks (pending → unknown → suspect → hostile);
//! a hostile track that starts squawking a friendly code becomes friend, which is what the
//! rules above say and what an operator would then check.

use crate::attributes::TrackAttributes;
use nalgebra::Vector3;
use serde::{Deserialize, Serialize};
use tessera_domain::{Identity, TargetClass};

/// The rules of identification (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentificationPlan {
    /// Friendly Mode 3/A code blocks, inclusive, as octal text: `["4100-4177"]`.
    pub friendly_mode3a: Vec<String>,
    /// A track without cooperation stays pending this long, s.
    pub pending_s: f64,
    /// Cooperation older than this no longer counts, s.
    pub cooperation_window_s: f64,
    /// Closing on a defended point inside this range: suspect, m.
    pub suspect_range_m: f64,
    /// Closing on a defended point inside this range, low and fast (or a drone): hostile, m.
    pub hostile_range_m: f64,
    /// "Low" for the rule above, m above the ellipsoid.
    pub low_level_m: f64,
    /// "Fast" for the rule above, m/s.
    pub fast_mps: f64,
}

impl Default for IdentificationPlan {
    fn default() -> Self {
        Self {
            friendly_mode3a: vec!["4100-4177".into()],
            pending_s: 10.0,
            cooperation_window_s: 30.0,
            suspect_range_m: 150_000.0,
            hostile_range_m: 80_000.0,
            low_level_m: 1_000.0,
            fast_mps: 150.0,
        }
    }
}

/// A plan that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("identification plan: {0}")]
pub struct PlanError(pub String);

impl IdentificationPlan {
    /// The friendly code blocks as inclusive ranges.
    pub fn friendly_blocks(&self) -> Result<Vec<(u16, u16)>, PlanError> {
        let code = |s: &str| {
            u16::from_str_radix(s.trim(), 8)
                .ok()
                .filter(|&c| c <= 0o7777 && s.trim().len() == 4)
                .ok_or_else(|| {
                    PlanError(format!(
                        "friendly_mode3a: {s:?} is not a 4-digit octal code"
                    ))
                })
        };
        self.friendly_mode3a
            .iter()
            .map(|b| match b.split_once('-') {
                Some((a, z)) => {
                    let (a, z) = (code(a)?, code(z)?);
                    if a > z {
                        Err(PlanError(format!("friendly_mode3a: {b:?} runs backwards")))
                    } else {
                        Ok((a, z))
                    }
                }
                None => code(b).map(|c| (c, c)),
            })
            .collect()
    }

    /// Checks every number and block.
    pub fn validate(&self) -> Result<(), PlanError> {
        self.friendly_blocks()?;
        for (name, v) in [
            ("pending_s", self.pending_s),
            ("cooperation_window_s", self.cooperation_window_s),
            ("suspect_range_m", self.suspect_range_m),
            ("hostile_range_m", self.hostile_range_m),
            ("fast_mps", self.fast_mps),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(PlanError(format!("{name} must be finite and not negative")));
            }
        }
        if !self.low_level_m.is_finite() {
            return Err(PlanError("low_level_m must be finite".into()));
        }
        Ok(())
    }
}

/// What an identifier sees of a track at one cycle.
#[derive(Debug, Clone, Copy)]
pub struct IdentityContext<'a> {
    pub previous: Identity,
    pub class: TargetClass,
    pub attributes: &'a TrackAttributes,
    pub cooperating: bool,
    pub age_s: f64,
    /// Position and velocity in the system frame.
    pub position: Vector3<f64>,
    pub velocity: Vector3<f64>,
    pub height_m: f64,
}

/// The identification stage.
pub trait Identifier: Send + Sync {
    fn identify(&self, ctx: &IdentityContext<'_>) -> Identity;
}

/// Applies an [`IdentificationPlan`] against a set of defended points.
#[derive(Debug, Clone)]
pub struct PlanIdentifier {
    plan: IdentificationPlan,
    blocks: Vec<(u16, u16)>,
    defended: Vec<Vector3<f64>>,
}

impl PlanIdentifier {
    pub fn new(plan: IdentificationPlan, defended: Vec<Vector3<f64>>) -> Result<Self, PlanError> {
        plan.validate()?;
        Ok(Self {
            blocks: plan.friendly_blocks()?,
            plan,
            defended,
        })
    }

    pub fn plan(&self) -> &IdentificationPlan {
        &self.plan
    }

    fn friendly_code(&self, code: u16) -> bool {
        self.blocks.iter().any(|&(a, z)| (a..=z).contains(&code))
    }

    /// Smallest range to a defended point the track is closing on, m.
    fn closing_range(&self, p: &Vector3<f64>, v: &Vector3<f64>) -> Option<f64> {
        self.defended
            .iter()
            .filter_map(|d| {
                let r = d - p;
                let r_h = Vector3::new(r.x, r.y, 0.0);
                let v_h = Vector3::new(v.x, v.y, 0.0);
                let range = r_h.norm();
                // Closing: the horizontal velocity points within 30° of the point.
                (range > 0.0 && v_h.norm() > 1.0 && r_h.dot(&v_h) > range * v_h.norm() * 0.866)
                    .then_some(range)
            })
            .min_by(f64::total_cmp)
    }
}

fn rank(i: Identity) -> u8 {
    match i {
        Identity::Pending => 0,
        Identity::Unknown => 1,
        Identity::Suspect => 2,
        Identity::Hostile => 3,
        _ => 0,
    }
}

impl Identifier for PlanIdentifier {
    fn identify(&self, c: &IdentityContext<'_>) -> Identity {
        let p = &self.plan;
        if c.cooperating {
            return match c.attributes.mode3a {
                Some(code) if self.friendly_code(code) => Identity::Friend,
                _ => Identity::Neutral,
            };
        }
        // A friend or neutral that stopped answering keeps its identity: losing a reply is
        // not a reason to engage.
        if matches!(
            c.previous,
            Identity::Friend | Identity::Neutral | Identity::AssumedFriend
        ) {
            return c.previous;
        }
        let now = if c.age_s < p.pending_s {
            Identity::Pending
        } else if matches!(
            c.class,
            TargetClass::BallisticMissile | TargetClass::CruiseMissile | TargetClass::Rocket
        ) {
            Identity::Hostile
        } else {
            let speed = c.velocity.norm();
            match self.closing_range(&c.position, &c.velocity) {
                Some(r)
                    if r <= p.hostile_range_m
                        && (c.class == TargetClass::Drone
                            || (c.height_m < p.low_level_m && speed >= p.fast_mps)) =>
                {
                    Identity::Hostile
                }
                Some(r) if r <= p.suspect_range_m => Identity::Suspect,
                _ => Identity::Unknown,
            }
        };
        if rank(now) >= rank(c.previous) {
            now
        } else {
            c.previous
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident() -> PlanIdentifier {
        PlanIdentifier::new(IdentificationPlan::default(), vec![Vector3::zeros()]).unwrap()
    }

    fn ctx<'a>(a: &'a TrackAttributes, coop: bool, class: TargetClass) -> IdentityContext<'a> {
        IdentityContext {
            previous: Identity::Pending,
            class,
            attributes: a,
            cooperating: coop,
            age_s: 60.0,
            position: Vector3::new(0.0, -60_000.0, 300.0),
            velocity: Vector3::new(0.0, 240.0, 0.0),
            height_m: 300.0,
        }
    }

    #[test]
    fn rules_in_order() {
        let id = ident();
        let friend = TrackAttributes {
            mode3a: Some(0o4101),
            ..Default::default()
        };
        let civil = TrackAttributes {
            mode3a: Some(0o1234),
            icao: Some(0x3C6586),
            ..Default::default()
        };
        let none = TrackAttributes::default();
        assert_eq!(
            id.identify(&ctx(&friend, true, TargetClass::FixedWing)),
            Identity::Friend
        );
        assert_eq!(
            id.identify(&ctx(&civil, true, TargetClass::FixedWing)),
            Identity::Neutral
        );
        assert_eq!(
            id.identify(&ctx(&none, false, TargetClass::CruiseMissile)),
            Identity::Hostile
        );
        // Low, fast and closing at 60 km: hostile.
        assert_eq!(
            id.identify(&ctx(&none, false, TargetClass::FixedWing)),
            Identity::Hostile
        );
        // Same at 10 km altitude: suspect.
        let mut high = ctx(&none, false, TargetClass::FixedWing);
        high.height_m = 10_000.0;
        assert_eq!(id.identify(&high), Identity::Suspect);
        // Flying away: unknown.
        let mut away = high;
        away.velocity = -away.velocity;
        assert_eq!(id.identify(&away), Identity::Unknown);
        // Young: pending.
        let mut young = away;
        young.age_s = 2.0;
        assert_eq!(id.identify(&young), Identity::Pending);
        // Escalation only: a hostile that turns away stays hostile.
        let mut was = away;
        was.previous = Identity::Hostile;
        assert_eq!(id.identify(&was), Identity::Hostile);
        // A friend that stops answering stays friend.
        let mut quiet = away;
        quiet.previous = Identity::Friend;
        assert_eq!(id.identify(&quiet), Identity::Friend);
    }

    #[test]
    fn bad_plans_are_refused() {
        for blocks in [vec!["4100-40"], vec!["9999"], vec!["4177-4100"]] {
            let plan = IdentificationPlan {
                friendly_mode3a: blocks.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            };
            assert!(PlanIdentifier::new(plan, vec![]).is_err(), "{blocks:?}");
        }
        let plan = IdentificationPlan {
            pending_s: f64::NAN,
            ..Default::default()
        };
        assert!(plan.validate().is_err());
    }
}
