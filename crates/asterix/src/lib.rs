//! Sans-IO ASTERIX codec for Tessera.
//!
//! - [`decode_block`] frames one data block; [`BlockStream`] walks a byte stream of blocks,
//!   yielding records or [`DecodeError`]s (with byte offsets) and resynchronising after damage.
//! - [`capture`] extracts UDP payloads from pcap / pcapng files and unwraps the recorder
//!   framings found in the test data (ORADIS length prefix, "GPS" recorder).
//! - [`value`] decodes any record of the supported categories (CAT001, 002, 021, 034, 048, 062)
//!   into a generic item tree from the tables in [`tables`]; it serialises to the JSON schema of
//!   `formats.md`.
//! - [`typed`] gives typed views of what Tessera consumes (CAT048 plots, CAT021 reports, CAT062
//!   system tracks, CAT034 service messages) and encoders for CAT048 and CAT062.
//! - [`encode021`] encodes CAT021 ADS-B reports ([`encode_cat021`]).
//! - [`time`] resolves ASTERIX time of day against a reference instant.
//!
//! The item tables were transcribed from the EUROCONTROL specifications as published in the
//! machine-readable zoranbosnjak/asterix-specs definitions (BSD-3-Clause).

pub mod bds;
pub mod bits;
pub mod capture;
pub mod encode021;
pub mod error;
pub mod record;
pub mod spec;
pub mod stream;
pub mod tables;
pub mod time;
pub mod typed;
pub mod value;

pub use encode021::encode_cat021;
pub use error::{DecodeError, EncodeError, ErrorKind};
pub use record::{Block, RawRecord, decode_block};
pub use stream::{BlockStream, decode_stream};
pub use time::resolve_time_of_day;
pub use value::{RecordJson, Value, decode_items};
