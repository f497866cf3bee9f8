//! The classification stage: what kind of air object a track is.
//!
//! [`KinematicClassifier`] scores each cycle's kinematics (height above the ellipsoid, speed,
//! climb angle) and cooperation against the envelope of each class and accumulates the scores
//! with exponential forgetting, so one noisy cycle does not flip the class. Missile classes are
//! sticky: once a track has flown a ballistic arc it stays ballistic through apogee, where it
//! is briefly as slow and level as a fast jet.
//!
//! The envelopes are generic physics, not the signature of any real system:
//!
//! | class | evidence |
//! |---|---|
//! | ballistic missile | above 25 km, or faster than 1,200 m/s |
//! | rocket | 350–1,200 m/s climbing or diving steeper than 12°, below 25 km |
//! | cruise missile | 150–350 m/s below 250 m, no secondary reply |
//! | drone | slower than 80 m/s, no secondary reply |
//! | helicopter | slower than 80 m/s below 3,000 m, cooperative |
//! | fixed wing | 80–700 m/s otherwise |

use crate::attributes::TrackAttributes;
use serde::{Deserialize, Serialize};
use tessera_domain::TargetClass;

/// Kinematic features of a track at one cycle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kinematics {
    /// Height above the WGS-84 ellipsoid, m.
    pub height_m: f64,
    /// 3D speed, m/s.
    pub speed_mps: f64,
    /// Vertical speed (up positive), m/s.
    pub climb_mps: f64,
    /// Measurement updates of the track so far.
    pub updates: u32,
}

/// Per-track evidence a classifier accumulates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassEvidence {
    /// Score per class, in [`CLASSES`] order.
    pub scores: [f64; 6],
    pub cycles: u32,
    pub class: TargetClass,
}

/// Classes a classifier can decide on, in score order.
pub const CLASSES: [TargetClass; 6] = [
    TargetClass::FixedWing,
    TargetClass::Helicopter,
    TargetClass::Drone,
    TargetClass::CruiseMissile,
    TargetClass::BallisticMissile,
    TargetClass::Rocket,
];

/// The classification stage.
pub trait Classifier: Send + Sync {
    /// Folds one cycle's kinematics into `evidence` and returns the class now decided.
    fn classify(
        &self,
        evidence: &mut ClassEvidence,
        k: &Kinematics,
        attributes: &TrackAttributes,
        cooperating: bool,
    ) -> TargetClass;
}

/// Envelope-based classifier with forgetting (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KinematicClassifier {
    /// Weight kept of the previous evidence each cycle.
    pub forgetting: f64,
    /// Cycles before a class is declared.
    pub min_cycles: u32,
    /// Updates before a track's kinematics are trusted at all.
    pub min_updates: u32,
    /// Weight multiplier of missile evidence (stickiness).
    pub missile_weight: f64,
}

impl Default for KinematicClassifier {
    fn default() -> Self {
        Self {
            forgetting: 0.9,
            min_cycles: 3,
            min_updates: 4,
            missile_weight: 3.0,
        }
    }
}

impl KinematicClassifier {
    /// Evidence of one cycle, per class in [`CLASSES`] order.
    pub fn cycle_evidence(&self, k: &Kinematics, cooperating: bool) -> [f64; 6] {
        let v = k.speed_mps;
        let h = k.height_m;
        let gamma = if v > 1.0 {
            (k.climb_mps / v).clamp(-1.0, 1.0).asin().abs()
        } else {
            0.0
        };
        let mut e = [0.0; 6];
        let w = self.missile_weight;
        if h > 25_000.0 || v > 1_200.0 {
            e[4] = w;
        } else if (350.0..=1_200.0).contains(&v) && gamma > 12f64.to_radians() && !cooperating {
            e[5] = w;
        } else if (150.0..=350.0).contains(&v) && h < 250.0 && !cooperating {
            e[3] = w;
        } else if v < 80.0 {
            if cooperating && h < 3_000.0 {
                e[1] = 1.0;
            } else if cooperating {
                e[0] = 1.0;
            } else {
                e[2] = 1.0;
            }
        } else if v <= 700.0 {
            e[0] = 1.0;
        }
        e
    }
}

impl Classifier for KinematicClassifier {
    fn classify(
        &self,
        ev: &mut ClassEvidence,
        k: &Kinematics,
        _attributes: &TrackAttributes,
        cooperating: bool,
    ) -> TargetClass {
        if k.updates < self.min_updates || !k.speed_mps.is_finite() || !k.height_m.is_finite() {
            return ev.class;
        }
        let e = self.cycle_evidence(k, cooperating);
        for (s, x) in ev.scores.iter_mut().zip(e) {
            *s = *s * self.forgetting + x;
        }
        ev.cycles += 1;
        if ev.cycles >= self.min_cycles {
            let (best, score) = ev
                .scores
                .iter()
                .enumerate()
                .fold((0, f64::MIN), |b, (i, &s)| if s > b.1 { (i, s) } else { b });
            if score > 0.0 {
                ev.class = CLASSES[best];
            }
        }
        ev.class
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(k: Kinematics, coop: bool, cycles: usize) -> TargetClass {
        let c = KinematicClassifier::default();
        let mut ev = ClassEvidence::default();
        let a = TrackAttributes::default();
        let mut out = TargetClass::Unknown;
        for _ in 0..cycles {
            out = c.classify(&mut ev, &k, &a, coop);
        }
        out
    }

    fn k(height_m: f64, speed_mps: f64, climb_mps: f64) -> Kinematics {
        Kinematics {
            height_m,
            speed_mps,
            climb_mps,
            updates: 10,
        }
    }

    #[test]
    fn envelopes() {
        assert_eq!(
            run(k(70_000.0, 1_700.0, -300.0), false, 5),
            TargetClass::BallisticMissile
        );
        assert_eq!(run(k(4_000.0, 650.0, 400.0), false, 5), TargetClass::Rocket);
        assert_eq!(
            run(k(20.0, 250.0, 0.0), false, 5),
            TargetClass::CruiseMissile
        );
        assert_eq!(run(k(500.0, 45.0, 0.0), false, 5), TargetClass::Drone);
        assert_eq!(run(k(500.0, 45.0, 0.0), true, 5), TargetClass::Helicopter);
        assert_eq!(
            run(k(10_000.0, 230.0, 0.0), true, 5),
            TargetClass::FixedWing
        );
        // A cooperative aircraft low and fast is an aircraft, not a cruise missile.
        assert_eq!(run(k(200.0, 200.0, 0.0), true, 5), TargetClass::FixedWing);
    }

    #[test]
    fn undecided_until_enough_cycles_and_updates() {
        assert_eq!(run(k(20.0, 250.0, 0.0), false, 2), TargetClass::Unknown);
        let mut young = k(20.0, 250.0, 0.0);
        young.updates = 2;
        assert_eq!(run(young, false, 10), TargetClass::Unknown);
    }

    #[test]
    fn ballistic_stays_ballistic_through_apogee() {
        let c = KinematicClassifier::default();
        let mut ev = ClassEvidence::default();
        let a = TrackAttributes::default();
        for _ in 0..10 {
            c.classify(&mut ev, &k(60_000.0, 1_800.0, 900.0), &a, false);
        }
        // Short stretch that looks like a fast jet (it does not, in reality, at 70 km; but a
        // 2D radar's height prior could say so).
        for _ in 0..5 {
            assert_eq!(
                c.classify(&mut ev, &k(12_000.0, 600.0, 0.0), &a, false),
                TargetClass::BallisticMissile
            );
        }
    }
}
