//! Doctrine: firing mode (shoot-look-shoot or salvo), at most k interceptors per threat, a
//! reserve kept on every launcher, the smallest threat value worth a round, and the hysteresis
//! of continuous re-planning (a standing recommendation is only replaced when the new plan gains
//! enough).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

/// How rounds are fired at one threat.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum FiringMode {
    /// One round per threat now; kill assessment (after `assessment_s`) decides a re-engagement
    /// in a later plan.
    ShootLookShoot { assessment_s: f64 },
    /// Rounds fired in salvos of `size`; the assignment unit is one salvo.
    Salvo { size: u32 },
}

/// Doctrine parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Doctrine {
    pub mode: FiringMode,
    /// Most rounds assigned to one threat in one plan.
    pub max_per_threat: u32,
    /// Rounds kept back on every launcher.
    pub reserve_per_launcher: u32,
    /// Threats below this value are not engaged.
    pub min_threat_value: f64,
    /// Relative gain a new plan must bring before it replaces the standing one (0.05 = 5 %).
    pub hysteresis: f64,
}

impl Default for Doctrine {
    fn default() -> Self {
        Self {
            mode: FiringMode::Salvo { size: 1 },
            max_per_threat: 2,
            reserve_per_launcher: 0,
            min_threat_value: 1e-6,
            hysteresis: 0.02,
        }
    }
}

/// Why a doctrine was refused.
#[derive(Debug, Error, PartialEq)]
pub enum DoctrineError {
    #[error("doctrine field `{0}`: {1}")]
    Invalid(&'static str, String),
}

impl Doctrine {
    pub fn validate(&self) -> Result<(), DoctrineError> {
        match self.mode {
            FiringMode::Salvo { size: 0 } => {
                return Err(DoctrineError::Invalid("mode.size", "salvo size 0".into()));
            }
            FiringMode::ShootLookShoot { assessment_s }
                if !(assessment_s.is_finite() && assessment_s >= 0.0) =>
            {
                return Err(DoctrineError::Invalid(
                    "mode.assessment_s",
                    "must be finite and >= 0".into(),
                ));
            }
            _ => {}
        }
        if self.max_per_threat == 0 {
            return Err(DoctrineError::Invalid(
                "max_per_threat",
                "must be >= 1".into(),
            ));
        }
        if !(self.hysteresis.is_finite() && (0.0..1.0).contains(&self.hysteresis)) {
            return Err(DoctrineError::Invalid(
                "hysteresis",
                "must be in [0, 1)".into(),
            ));
        }
        if !self.min_threat_value.is_finite() {
            return Err(DoctrineError::Invalid(
                "min_threat_value",
                "non-finite".into(),
            ));
        }
        Ok(())
    }

    /// Rounds in one assignment unit.
    pub fn rounds_per_unit(&self) -> u32 {
        match self.mode {
            FiringMode::Salvo { size } => size,
            FiringMode::ShootLookShoot { .. } => 1,
        }
    }

    /// Assignment units one threat may receive in this plan.
    pub fn units_per_threat(&self) -> u32 {
        match self.mode {
            FiringMode::ShootLookShoot { .. } => 1,
            FiringMode::Salvo { size } => (self.max_per_threat / size).max(1),
        }
    }

    /// Kill probability of one unit given the single-round `pk`.
    pub fn unit_pk(&self, pk: f64) -> f64 {
        1.0 - (1.0 - pk).powi(self.rounds_per_unit() as i32)
    }

    /// Rounds of each type a launcher may commit after its reserve, taking the reserve from
    /// the largest stocks first (ties by type name).
    pub fn available(&self, inventory: &BTreeMap<String, u32>) -> BTreeMap<String, u32> {
        let mut avail = inventory.clone();
        for _ in 0..self.reserve_per_launcher {
            let Some((name, _)) = avail
                .iter()
                .filter(|e| *e.1 > 0)
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(k, v)| (k.clone(), *v))
            else {
                break;
            };
            *avail.get_mut(&name).expect("key taken from the map") -= 1;
        }
        avail
    }

    /// Whether a standing plan of value `standing` is kept against a new one of value `new`
    /// (both expected surviving value, lower is better).
    pub fn keep_standing(&self, standing: f64, new: f64) -> bool {
        new >= standing * (1.0 - self.hysteresis) - 1e-12 * (1.0 + standing.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_and_units() {
        let d = Doctrine {
            mode: FiringMode::Salvo { size: 2 },
            max_per_threat: 4,
            reserve_per_launcher: 3,
            ..Doctrine::default()
        };
        d.validate().unwrap();
        let inv: BTreeMap<String, u32> = [("a".to_string(), 4), ("b".to_string(), 2)]
            .into_iter()
            .collect();
        let av = d.available(&inv);
        assert_eq!(av["a"] + av["b"], 3);
        assert_eq!(d.units_per_threat(), 2);
        assert!((d.unit_pk(0.5) - 0.75).abs() < 1e-12);
        assert!(d.keep_standing(10.0, 9.9)); // 1 % gain < 2 % hysteresis
        assert!(!d.keep_standing(10.0, 9.0));
        let bad = Doctrine {
            max_per_threat: 0,
            ..Doctrine::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("max_per_threat")
        );
    }
}
