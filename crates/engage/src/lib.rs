//! Engagement support for Tessera: threat evaluation, engagement feasibility, weapon-target
//! assignment and doctrine. Everything here produces *recommendations* for an operator; nothing
//! is engaged without an operator's authorisation, which lives outside this crate.
//!
//! The core is pure and deterministic: time is an input, randomness is absent, and the only
//! clock read is the optional wall-clock budget of the WTA solver ([`wta::Budget`]).

pub mod doctrine;
pub mod feasibility;
pub mod plan;
pub mod threat;
pub mod wta;
