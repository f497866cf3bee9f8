//! Track management: the `Initiator` (how a tentative track starts and when it is confirmed:
//! M-of-N or a sequential likelihood-ratio score) and the `Deleter` (missed updates, coasting
//! time, covariance growth).

use crate::measure::{AnyModel, MeasurementModel};
use nalgebra::{Matrix3, Matrix6, Vector6};
use serde::{Deserialize, Serialize};
use tessera_domain::TrackStatus;

/// What the management stages see of a track's life.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TrackLife {
    pub status: Option<TrackStatus>,
    /// Measurement updates so far.
    pub hits: u32,
    /// Scans of a covering sensor so far (detection opportunities).
    pub opportunities: u32,
    /// Consecutive opportunities without an update.
    pub consecutive_misses: u32,
    /// Recent opportunities, newest in bit 0 (1 = hit).
    pub history: u32,
    /// Sequential log-likelihood-ratio score.
    pub score: f64,
    /// Seconds since the last update.
    pub since_update_s: f64,
}

/// Whether a tentative track is confirmed, kept or dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitiationDecision {
    Confirm,
    Keep,
    Drop,
}

/// Starts tracks and decides confirmation.
pub trait Initiator: Send + Sync {
    /// Kinematic prior `[x vx y vy z vz]` of a track started from one measurement.
    fn initial_kinematics(&self, model: &AnyModel) -> (Vector6<f64>, Matrix6<f64>);
    /// Initial sequential score.
    fn initial_score(&self) -> f64;
    fn decide(&self, life: &TrackLife) -> InitiationDecision;
}

/// Confirmation logic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ConfirmationLogic {
    /// Confirm with `m` hits within the first `n` opportunities (the initiating measurement
    /// counts as a hit).
    MOfN { m: u32, n: u32 },
    /// Sequential probability ratio test on the track score: confirm above `confirm`, drop
    /// below `drop` (natural-log units).
    Score { confirm: f64, drop: f64 },
}

/// Single-point initiation with a velocity prior, multi-sensor: any sensor's plots count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardInitiator {
    pub logic: ConfirmationLogic,
    /// Horizontal velocity prior (per axis), m/s.
    pub velocity_sigma: f64,
    /// Vertical velocity prior, m/s.
    pub vertical_velocity_sigma: f64,
    /// Height (system frame) and its sigma for sensors that do not measure it.
    pub height_prior_m: f64,
    pub height_prior_sigma_m: f64,
}

impl Default for StandardInitiator {
    fn default() -> Self {
        Self {
            logic: ConfirmationLogic::MOfN { m: 2, n: 3 },
            velocity_sigma: 250.0,
            vertical_velocity_sigma: 25.0,
            height_prior_m: 6000.0,
            height_prior_sigma_m: 4000.0,
        }
    }
}

impl Initiator for StandardInitiator {
    fn initial_kinematics(&self, model: &AnyModel) -> (Vector6<f64>, Matrix6<f64>) {
        let (p, pc): (_, Matrix3<f64>) =
            model.converted((self.height_prior_m, self.height_prior_sigma_m));
        let mut mean = Vector6::zeros();
        let mut cov = Matrix6::zeros();
        for r in 0..3 {
            mean[2 * r] = p[r];
            for c in 0..3 {
                cov[(2 * r, 2 * c)] = pc[(r, c)];
            }
        }
        let vh = self.velocity_sigma * self.velocity_sigma;
        cov[(1, 1)] = vh;
        cov[(3, 3)] = vh;
        cov[(5, 5)] = self.vertical_velocity_sigma * self.vertical_velocity_sigma;
        (mean, cov)
    }

    fn initial_score(&self) -> f64 {
        0.0
    }

    fn decide(&self, life: &TrackLife) -> InitiationDecision {
        match self.logic {
            ConfirmationLogic::MOfN { m, n } => {
                if life.hits >= m {
                    InitiationDecision::Confirm
                } else if life.opportunities >= n || (n - life.opportunities.min(n)) + life.hits < m
                {
                    InitiationDecision::Drop
                } else {
                    InitiationDecision::Keep
                }
            }
            ConfirmationLogic::Score { confirm, drop } => {
                if life.score >= confirm {
                    InitiationDecision::Confirm
                } else if life.score <= drop {
                    InitiationDecision::Drop
                } else {
                    InitiationDecision::Keep
                }
            }
        }
    }
}

/// Why a track was deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeleteReason {
    MissedUpdates,
    CoastedTooLong,
    CovarianceGrowth,
    TentativeDropped,
    NumericalFailure,
}

/// Decides when a confirmed track ends.
pub trait Deleter: Send + Sync {
    fn should_delete(&self, life: &TrackLife, position_cov: &Matrix3<f64>) -> Option<DeleteReason>;
}

/// Deletes on consecutive missed opportunities, on coasting time and on position-covariance
/// growth, whichever comes first.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardDeleter {
    pub max_consecutive_misses: u32,
    pub max_coast_s: f64,
    /// RMS position standard deviation per axis above which the track is dropped, m.
    pub max_position_sigma_m: f64,
}

impl Default for StandardDeleter {
    fn default() -> Self {
        Self {
            max_consecutive_misses: 6,
            max_coast_s: 30.0,
            max_position_sigma_m: 3000.0,
        }
    }
}

impl Deleter for StandardDeleter {
    fn should_delete(&self, life: &TrackLife, position_cov: &Matrix3<f64>) -> Option<DeleteReason> {
        if life.consecutive_misses >= self.max_consecutive_misses {
            return Some(DeleteReason::MissedUpdates);
        }
        if life.since_update_s > self.max_coast_s {
            return Some(DeleteReason::CoastedTooLong);
        }
        if (position_cov.trace() / 3.0).sqrt() > self.max_position_sigma_m {
            return Some(DeleteReason::CovarianceGrowth);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn m_of_n_confirms_drops_and_waits() {
        let init = StandardInitiator {
            logic: ConfirmationLogic::MOfN { m: 3, n: 5 },
            ..Default::default()
        };
        let life = |hits, opportunities| TrackLife {
            hits,
            opportunities,
            ..Default::default()
        };
        assert_eq!(init.decide(&life(3, 4)), InitiationDecision::Confirm);
        assert_eq!(init.decide(&life(1, 2)), InitiationDecision::Keep);
        // 1 hit after 4 opportunities: only one left, cannot reach 3.
        assert_eq!(init.decide(&life(1, 4)), InitiationDecision::Drop);
    }

    #[test]
    fn deleter_reasons() {
        let d = StandardDeleter::default();
        let small = Matrix3::identity() * 100.0;
        let mut life = TrackLife {
            consecutive_misses: 6,
            ..Default::default()
        };
        assert_eq!(
            d.should_delete(&life, &small),
            Some(DeleteReason::MissedUpdates)
        );
        life.consecutive_misses = 0;
        assert_eq!(d.should_delete(&life, &small), None);
        assert_eq!(
            d.should_delete(&life, &(Matrix3::identity() * 1e7)),
            Some(DeleteReason::CovarianceGrowth)
        );
    }
}
