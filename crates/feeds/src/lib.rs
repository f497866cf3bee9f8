//! Wire formats of air-surveillance feeds other than ASTERIX, all sans-IO:
//!
//! - [`sbs`]: SBS/BaseStation text (port 30003) to typed messages;
//! - [`beast`]: the Beast binary stream (port 30005) to Mode A/C and Mode S frames;
//! - [`modes`]: Mode S / ADS-B decoding, CRC, altitude and identity codes, CPR positions,
//!   Comm-B BDS 4,0/5,0/6,0;
//! - [`cot`]: Cursor-on-Target XML events for system tracks (encode, parse, UDP/TCP senders);
//! - [`json_out`]: JSON lines for `tessera decode --format sbs|beast`;
//! - [`measure`]: decoded reports (CAT048 plots, CAT021 and Mode S ADS-B positions) to tracker
//!   measurements through a [`SensorRegistry`].
//!
//! Bad input never panics: parsers report each problem with its line number or byte offset
//! and carry on with the rest of the input.
//!
//! Mode S decoding is own code, not the `rs1090` crate: rs1090 0.7.0 pulls tokio,
//! tokio-tungstenite, rayon, regex, futures and tracing-subscriber even with
//! `default-features = false` (124 crates in its tree; a cold debug build of it took 109 CPU-s,
//! 61 s wall on the shared 2-core machine), which would bring an async runtime into a codec
//! crate that the design keeps free of one. Own code is checked field by field against both
//! pyModeS and rs1090 (`tests/conformance.rs`).

pub mod beast;
pub mod cot;
pub mod json_out;
pub mod measure;
pub mod modes;
pub mod sbs;

pub use json_out::{DecodeSummary, decode_beast_to_json, decode_sbs_to_json};
pub use measure::{IngestError, RadarSite, SensorRegistry};
