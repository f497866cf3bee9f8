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
    /// An out-of-sequence scan was inserted and the replay of the later scans no longer
    /// produces this track (its reports went to other tracks, or it got another number).
    Superseded,
}

/// Decides when a confirmed track ends.
pub trait Deleter: Send + Sync {
    fn should_delete(&self, life: &TrackLife, position_cov: &Matrix3<f64>) -> Option<DeleteReason>;
}

/// Deletes on consecutive missed opportunities, on coasting time and on position-covariance
/// growth, whichever comes first.
///
/// The run of misses that ends a track adapts to the track's own detection record: P̂d is
/// estimated from the opportunities before the current run of misses (so a dead target's misses
/// do not prolong its track), with a prior worth `prior_weight` opportunities at
/// `prior_detection_probability`; the track ends once `(1 − P̂d)^misses <
/// miss_run_probability`, and never before `max_consecutive_misses`. A sensor that detects less
/// often than assumed so does not break tracks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardDeleter {
    /// Fewest consecutive missed opportunities that end a confirmed track.
    pub max_consecutive_misses: u32,
    /// Probability, for a live target, of the run of misses that ends its track.
    #[serde(default = "default_miss_run_probability")]
    pub miss_run_probability: f64,
    /// Detection probability assumed before a track has a record.
    #[serde(default = "default_prior_pd")]
    pub prior_detection_probability: f64,
    /// Weight of that prior, in opportunities.
    #[serde(default = "default_prior_weight")]
    pub prior_weight: f64,
    pub max_coast_s: f64,
    /// RMS position standard deviation per axis above which the track is dropped, m.
    pub max_position_sigma_m: f64,
}

fn default_miss_run_probability() -> f64 {
    1e-5
}

fn default_prior_pd() -> f64 {
    0.9
}

fn default_prior_weight() -> f64 {
    10.0
}

impl StandardDeleter {
    /// Consecutive misses that end a track with this detection record.
    pub fn misses_to_delete(&self, life: &TrackLife) -> u32 {
        let before_run = life.opportunities.saturating_sub(life.consecutive_misses) as f64;
        let w = self.prior_weight.max(0.0);
        let pd = ((life.hits as f64 + w * self.prior_detection_probability) / (before_run + w))
            .clamp(0.3, 0.99);
        let p = self.miss_run_probability.clamp(1e-12, 0.5);
        let k = (p.ln() / (1.0 - pd).ln()).ceil();
        self.max_consecutive_misses.max(k.min(64.0) as u32)
    }
}

impl Default for StandardDeleter {
    fn default() -> Self {
        Self {
            max_consecutive_misses: 6,
            miss_run_probability: default_miss_run_probability(),
            prior_detection_probability: default_prior_pd(),
            prior_weight: default_prior_weight(),
            max_coast_s: 30.0,
            max_position_sigma_m: 3000.0,
        }
    }
}

impl Deleter for StandardDeleter {
    fn should_delete(&self, life: &TrackLife, position_cov: &Matrix3<f64>) -> Option<DeleteReason> {
        if life.consecutive_misses >= self.misses_to_delete(life) {
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
