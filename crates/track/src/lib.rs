//! Multi-sensor multi-target tracking for Tessera.
//!
//! One trait per pipeline stage, in the vocabulary of Stone Soup: [`MotionModel`],
//! [`MeasurementModel`], [`Predictor`], [`Updater`], [`Gate`], [`Associator`], [`Initiator`] and
//! [`Deleter`]; the [`Tracker`] only wires them, so swapping a filter is one constructor
//! argument. [`build`] assembles the standard configurations from a [`TrackerConfig`].
//!
//! The core is pure: time is an input, nothing reads a clock, and the same ordered scans give
//! the same tracks bit for bit.

pub mod assign;
pub mod associate;
pub mod config;
pub mod filter;
pub mod gate;
pub mod gaussian;
mod index;
pub mod manage;
pub mod measure;
pub mod motion;
pub mod pregate;
pub mod tracker;

mod error;

pub use associate::{Associator, GnnAssociator, JpdaAssociator};
pub use config::{AnyTracker, TrackChanges, TrackerConfig, build};
pub use error::TrackError;
pub use filter::{Envelope, Estimate, Predictor, Updater};
pub use gate::{Gate, MahalanobisGate};
pub use gaussian::Gaussian;
pub use manage::DeleteReason;
pub use manage::{Deleter, Initiator};
pub use measure::{AnyModel, MeasurementModel};
pub use motion::MotionModel;
pub use tracker::{
    MemoryUse, Scan, ScanReport, SectorScan, SweptSector, TrackRecord, Tracker, TrackerSettings,
    TrackerStats,
};

pub(crate) fn dur(seconds: f64) -> tessera_domain::Duration {
    tessera_domain::Duration::from_secs_f64(seconds)
}
