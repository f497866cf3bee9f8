//! Shared vocabulary of Tessera: time, identifiers, measurements (each carrying its sensor, time,
//! measurement model and noise), system tracks, identity and class.
//!
//! Everything here is plain data. Algorithms live in the crates that own them (`track`,
//! `picture`, `engage`); codecs convert wire formats into these types.

pub mod ids;
pub mod measurement;
pub mod sensor;
pub mod time;
pub mod track;

pub use ids::{SensorId, TrackId};
pub use measurement::{Measurement, MeasurementError, Observation};
pub use sensor::{SensorKind, SensorSite};
pub use time::{Duration, Timestamp};
pub use track::{Identity, SystemTrack, TargetClass, TrackStatus};
