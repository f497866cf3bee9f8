//! Scenario simulation for Tessera: ground-truth trajectories and the sensor reports they
//! produce, seeded and deterministic.
//!
//! - [`scenario_file`]: the JSON-lines scenario format shared with the Stone Soup peer
//!   (`formats.md`), read and written.
//! - [`radar_scenario`]: a generator of that format (targets flying straight or in coordinated
//!   turns, late births and early deaths, staggered radars with noise, Pd and clutter), the same
//!   model as the peer's script, fast enough for 10,000-target scale benchmarks.
//! - [`world`]: the scenario simulator behind `tessera simulate` and the live system: TOML
//!   scenarios (threats of every class, radars, ADS-B, cue feed, launchers) → truth,
//!   CAT048/CAT021/SBS, scenario JSON lines and engagement outcomes, as a steppable
//!   [`world::World`] that also takes engagement orders; the embedded default scenario.

pub mod radar_scenario;
pub mod scenario_file;
pub mod traffic;
pub mod world;

pub use radar_scenario::{RadarScenarioParams, generate};
pub use scenario_file::{Frame, Header, RadarHeader, Scenario, ScenarioError, TruthState};
pub use world::{SimError, SimSummary, WorldConfig, default_world, simulate};
