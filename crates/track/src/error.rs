//! Errors of the tracking core. Numerical failure is an error, never a NaN in the output.

use tessera_domain::{MeasurementError, SensorId, Timestamp};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum TrackError {
    #[error("covariance is not positive definite ({context})")]
    NotPositiveDefinite { context: &'static str },
    #[error("non-finite value produced ({context})")]
    NonFinite { context: &'static str },
    #[error("invalid measurement: {0}")]
    Measurement(#[from] MeasurementError),
    #[error("unknown sensor {0}")]
    UnknownSensor(SensorId),
    #[error("report at {time} is older than the out-of-sequence lag allows (latest {latest})")]
    TooOld { time: Timestamp, latest: Timestamp },
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("invalid sector scan: {0}")]
    InvalidScan(String),
}
