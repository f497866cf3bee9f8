//! The live system of Tessera: a deterministic core in a thin tokio shell.
//!
//! - [`core`]: the pure core ([`Core`]): ASTERIX and SBS in, picture, threat evaluation, assignment
//!   and the operator workflow; a function of its ordered [`Input`]s only.
//! - [`input`]: the inputs as journaled.
//! - [`site`]: the site configuration (sensors, assets, launchers), stored in the journal.
//! - [`workflow`]: engagement records and their only-forward life cycle.
//! - [`view`]: snapshot, delta and the objects of `docs/api.md`.
//! - [`journal`]: the durable journal (SQLite, WAL) and its reader.
//! - [`shell`]: the tokio shell: queues, the core thread, deltas, snapshot cache, history.
//! - [`clock`]: scenario time on the wall clock, speed and pause.
//! - [`metrics`]: the Prometheus registry.
//! - [`ingest`]: UDP (unicast, multicast), TCP and file-replay sources; the SBS TCP client.
//! - [`outputs`]: the picture out as CAT062 and Cursor-on-Target (UDP, TCP).
//! - [`sim_source`]: the simulator as a live source and as the fire units.

pub mod clock;
pub mod core;
pub mod ingest;
pub mod input;
pub mod journal;
pub mod metrics;
pub mod outputs;
pub mod shell;
pub mod sim_source;
pub mod site;
pub mod view;
pub mod workflow;

pub use crate::core::{Core, CoreError, CycleReport, Effects, FireOrder};
pub use input::{FireUnitEvent, Input, OperatorAction, Outcome, Role};
pub use site::SiteConfig;
