//! The composite air picture of Tessera.
//!
//! The tracker ([`tessera_track`]) turns measurements into kinematic tracks. The picture adds
//! what an operator needs on top of them, and nothing here touches a clock, a socket or a
//! task: it is a pure function of its ordered inputs, like the tracker.
//!
//! - [`attributes`]: what cooperative reports say about a track (Mode 3/A code, 24-bit
//!   address, callsign, ADS-B), attached through the tracker's measurement-to-track
//!   assignments.
//! - [`classify`]: the [`Classifier`] stage: air-object class (aircraft, helicopter, drone,
//!   cruise missile, ballistic missile, rocket) from kinematics and cooperation, with
//!   hysteresis.
//! - [`identify`]: the [`Identifier`] stage: standard identity (friend, neutral, hostile, …)
//!   from the identification plan (friendly code blocks), cooperation, class and behaviour.
//! - [`picture`]: the [`Picture`]: tracker + attributes + identity + class + trails, with a
//!   version counter and the set of tracks changed since the last publication.
//! - [`view`]: the serialisable views the API and the page use (WGS-84 positions).

pub mod attributes;
pub mod classify;
pub mod identify;
pub mod picture;
pub mod view;

pub use attributes::{ReportAttributes, TrackAttributes};
pub use classify::{Classifier, KinematicClassifier};
pub use identify::{IdentificationPlan, Identifier, PlanIdentifier};
pub use picture::{Picture, PictureConfig, PictureError, PictureTrack};
pub use view::{TrackView, TrailPoint};
