//! The deterministic core of the live system: a pure function of its ordered [`Input`]s.
//!
//! - ASTERIX data: blocks are framed and decoded (damage counted and skipped, the rest of the
//!   datagram decoded), CAT048 plots and CAT021 reports become measurements through the
//!   [`SensorRegistry`], and the [`Picture`] fuses them.
//! - SBS/BaseStation text: lines are parsed with [`tessera_feeds::sbs`] (bad lines counted as
//!   `sbs_errors` and skipped); `MSG,3` airborne positions become position measurements of the
//!   ADS-B receiver the feed is mapped to, with the ICAO address and the latest callsign
//!   (`MSG,1`) and squawk (any line carrying one, `MSG,6` mostly) as report attributes (see
//!   [`SBS_ASSUMED_NACP`] for the accuracy and the time used).
//! - Ticks: classification and identification of every track; every `plan_period_s`, threat
//!   evaluation and weapon-target assignment over every launcher ([`tessera_engage::plan`])
//!   whose entries become `recommended` [`EngagementRecord`]s; lapsing of recommendations the
//!   situation no longer supports; fire orders for approved engagements whose launch window is
//!   open.
//! - Operator actions approve or reject a recommendation; fire-unit reports move engaged
//!   records to their outcome and keep the inventories.
//!
//! Nothing here reads a clock, opens a socket or spawns a task; the WTA solver runs on a work
//! budget. Replaying the journal's inputs gives the same [`CycleReport::digest`] at every
//! cycle.

use crate::input::{FireUnitEvent, Input, OperatorAction, Outcome, Role};
use crate::site::{RadarKind, SiteConfig, SiteError};
use crate::view::{AssetView, LauncherView, SensorView, Stats};
use crate::workflow::{ActionError, EngagementRecord, EngagementStatus, InterceptView, Workflow};
use nalgebra::Vector3;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use tessera_asterix::BlockStream;
use tessera_asterix::typed::TypedRecord;
use tessera_domain::{
    Identity, Measurement, Observation, SensorId, SensorKind, SensorSite, SystemTrack, Timestamp,
    TrackId,
};
use tessera_engage::feasibility::{InterceptorType, Launcher};
use tessera_engage::plan::{EngagementPlan, PlanInput, recommend};
use tessera_engage::threat::DefendedAsset;
use tessera_engage::wta::{Budget, SolveOptions};
use tessera_feeds::measure::{RadarSite, SensorRegistry};
use tessera_feeds::modes::accuracy;
use tessera_feeds::sbs::{SbsReader, SbsRecord};
use tessera_geo::{LocalTangentPlane, Position};
use tessera_picture::view::ThreatBrief;
use tessera_picture::{Picture, ReportAttributes};
use tessera_track::{SectorScan, SweptSector};
use thiserror::Error;

/// Why a core could not be built.
#[derive(Debug, Error)]
pub enum CoreError {
    #[error(transparent)]
    Site(#[from] SiteError),
    #[error("sensor registry: {0}")]
    Registry(#[from] tessera_feeds::measure::IngestError),
    #[error("picture: {0}")]
    Picture(#[from] tessera_picture::PictureError),
}

/// An order to a fire unit: launch `rounds` at the aimed kinematics (system frame).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FireOrder {
    pub engagement: u64,
    pub launcher: String,
    pub rounds: u32,
    pub aim_t_ns: i64,
    pub aim_position: [f64; 3],
    pub aim_velocity: [f64; 3],
}

/// Summary of one plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub t_ns: i64,
    pub threats: usize,
    pub entries: usize,
    pub expected_surviving_value: f64,
    pub lower_bound: f64,
    pub proven_optimal: bool,
    pub kept_standing_plan: bool,
}

/// What a tick produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleReport {
    pub t_ns: i64,
    pub version: u64,
    /// [`Core::digest`] at this cycle: the picture's tracks, the engagement records and the
    /// inventories (what a replay must reproduce bit for bit).
    pub digest: u64,
    pub plan: Option<PlanSummary>,
}

/// The effects of one input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    /// The tracks changed (a delta is due).
    pub tracks_changed: bool,
    pub cycle: Option<CycleReport>,
    pub orders: Vec<FireOrder>,
    /// The outcome of an operator action.
    pub reply: Option<Result<EngagementRecord, ActionError>>,
}

/// Counters of the core (all inputs, whatever became of them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CoreCounters {
    pub inputs: u64,
    pub asterix_inputs: u64,
    pub records: u64,
    pub plots: u64,
    pub adsb_reports: u64,
    pub decode_errors: u64,
    pub measurement_errors: u64,
    pub unknown_sensor: u64,
    pub scans_refused: u64,
    pub ticks: u64,
    pub ticks_out_of_order: u64,
    pub plans: u64,
    pub plan_errors: u64,
    pub orders: u64,
    pub approvals: u64,
    pub rejections: u64,
    pub actions_refused: u64,
    pub launches: u64,
    pub kills: u64,
    pub misses: u64,
    /// SBS inputs (batches of lines).
    #[serde(default)]
    pub sbs_inputs: u64,
    /// SBS `MSG` lines parsed.
    #[serde(default)]
    pub sbs_messages: u64,
    /// SBS airborne positions (`MSG,3` with latitude, longitude and altitude) taken.
    #[serde(default)]
    pub sbs_positions: u64,
    /// SBS lines that could not be parsed (skipped).
    #[serde(default)]
    pub sbs_errors: u64,
}

/// NACp assumed for an SBS position, which carries none: 7 (95 % bound 0.1 NM), so the
/// accuracy comes from the feeds crate's DO-260B mapping ([`accuracy::position_report`]):
/// σ 75.7 m horizontal per axis, and 18.8 m vertical for a 25 ft altitude quantum. Current
/// transponders report NACp 8-10, but an SBS feed also carries positions of older ones and
/// dump1090's MLAT and TIS-B (`~` addresses) positions, and real dump1090 output has, every
/// few seconds, a position 60-90 m behind the one before (some 150 m off the predicted path;
/// the `beastblackbox` recording of `tests/sbs.rs`), which a tighter sigma turns into
/// duplicate tracks.
///
/// Time: an SBS position is placed at the reception time of its batch (`recv_ns`, journaled),
/// not at the line's "date/time generated": those fields have no time zone (dump1090 writes
/// the decoder host's local time in some versions), are missing in some writers, and a
/// recorded feed replayed live would carry old dates. The cost is the feed's batching delay
/// (the server's output flush interval, typically under a second), well inside the tracker's
/// process noise at airliner speeds. As every position of a batch has the same time, only the
/// latest position of each aircraft in a batch is used.
pub const SBS_ASSUMED_NACP: u8 = 7;
/// Altitude quantum assumed for SBS altitudes (Q = 1 encoding), ft.
pub const SBS_ALTITUDE_QUANTUM_FT: f64 = 25.0;

/// Aircraft identification from SBS lines, kept per ICAO address (positions, callsigns and
/// squawks come in different messages).
#[derive(Debug, Clone, Default)]
struct SbsIdent {
    callsign: Option<String>,
    squawk: Option<u16>,
    last_ns: i64,
}

/// Entries of the SBS identification cache beyond which it is pruned.
const SBS_IDENT_CAP: usize = 4096;
/// An aircraft silent for longer than this is pruned from the cache (when it is pruned), ns.
const SBS_IDENT_MAX_AGE_NS: i64 = 600_000_000_000;

#[derive(Debug, Clone)]
struct LauncherState {
    inventory: u32,
    in_flight: u32,
    last_launch: Option<Timestamp>,
    position: Vector3<f64>,
}

#[derive(Debug, Clone, Default)]
struct SensorCount {
    plots: u64,
    window_start: i64,
    window_plots: u64,
    rate: f64,
    last_ns: Option<i64>,
}

/// The core.
pub struct Core {
    site: SiteConfig,
    frame: LocalTangentPlane,
    registry: SensorRegistry,
    adsb_sensors: BTreeMap<(u8, u8), SensorId>,
    picture: Picture,
    assets: Vec<DefendedAsset>,
    interceptors: Vec<InterceptorType>,
    launchers: Vec<LauncherState>,
    workflow: Workflow,
    now: Timestamp,
    next_plan: Option<Timestamp>,
    standing: Option<EngagementPlan>,
    last_plan: Option<PlanSummary>,
    counters: CoreCounters,
    sensors: BTreeMap<u32, SensorCount>,
    leakers: u64,
    launcher_changed: BTreeSet<usize>,
    /// Time and azimuth of each radar's latest plot (the beam's position then).
    beams: BTreeMap<u32, (Timestamp, f64)>,
    /// Callsign and squawk by ICAO address from SBS feeds.
    sbs_idents: BTreeMap<u32, SbsIdent>,
}

/// One sensor's measurements of one input.
struct Group {
    measurements: Vec<Measurement>,
    attributes: Vec<ReportAttributes>,
    radar: bool,
}

impl Group {
    fn new(radar: bool) -> Self {
        Self {
            measurements: Vec::new(),
            attributes: Vec::new(),
            radar,
        }
    }
}

/// The cycle digest's hasher: FNV-1a's offset basis, then one multiply-xorshift step per
/// 64-bit word (little-endian; bytes are packed eight to a word), so hashing the picture costs
/// a few nanoseconds per value. Stable across platforms; it only has to tell two runs apart.
struct DigestHasher(u64);

impl Default for DigestHasher {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl DigestHasher {
    fn u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 ^= self.0 >> 29;
    }
    fn i64(&mut self, v: i64) {
        self.u64(v as u64);
    }
    fn bytes(&mut self, b: &[u8]) {
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            self.u64(u64::from_le_bytes(c.try_into().expect("eight bytes")));
        }
        let mut last = [0u8; 8];
        last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.u64(u64::from_le_bytes(last));
        // The length, so that concatenations differ.
        self.u64(b.len() as u64);
    }
}

impl Core {
    pub fn new(site: SiteConfig) -> Result<Self, CoreError> {
        site.validate()?;
        let frame = site.system_frame()?;
        let mut registry = SensorRegistry::new(frame.origin());
        for r in &site.radars {
            registry.add_radar(RadarSite {
                id: SensorId(r.id),
                sac: r.sac,
                sic: r.sic,
                location: r.position.geodetic()?,
                kind: match r.kind {
                    RadarKind::Radar2d => SensorKind::Radar2d,
                    RadarKind::Radar3d => SensorKind::Radar3d,
                },
                sigma_range_m: r.sigma_range_m,
                sigma_azimuth_rad: r.sigma_azimuth_deg.to_radians(),
                sigma_elevation_rad: r.sigma_elevation_deg.to_radians(),
                sigma_height_m: r.sigma_height_m,
            })?;
        }
        let mut adsb_sensors = BTreeMap::new();
        for a in &site.adsb {
            registry.add_position_sensor(SensorId(a.id))?;
            adsb_sensors.insert((a.sac, a.sic), SensorId(a.id));
        }
        let enu = |g: &crate::site::GeoPoint| -> Result<Vector3<f64>, SiteError> {
            Ok(frame.geodetic_to_enu(&g.geodetic()?).raw())
        };
        let assets = site
            .assets
            .iter()
            .map(|a| {
                Ok(DefendedAsset {
                    id: a.id,
                    name: a.name.clone(),
                    position: enu(&a.position)?,
                    radius_m: a.radius_m,
                    value: a.value,
                })
            })
            .collect::<Result<Vec<_>, SiteError>>()?;
        let launchers = site
            .launchers
            .iter()
            .map(|l| {
                Ok(LauncherState {
                    inventory: l.inventory,
                    in_flight: 0,
                    last_launch: None,
                    position: enu(&l.position)?,
                })
            })
            .collect::<Result<Vec<_>, SiteError>>()?;
        let picture = Picture::new(
            site.picture.clone(),
            frame,
            registry.sites().collect::<Vec<_>>(),
            assets.iter().map(|a| a.position).collect(),
        )?;
        Ok(Self {
            interceptors: site.interceptors.clone(),
            frame,
            registry,
            adsb_sensors,
            picture,
            assets,
            launchers,
            workflow: Workflow::default(),
            now: Timestamp(site.epoch_unix_ns),
            next_plan: None,
            standing: None,
            last_plan: None,
            counters: CoreCounters::default(),
            sensors: BTreeMap::new(),
            leakers: 0,
            launcher_changed: BTreeSet::new(),
            beams: BTreeMap::new(),
            sbs_idents: BTreeMap::new(),
            site,
        })
    }

    pub fn site(&self) -> &SiteConfig {
        &self.site
    }

    pub fn picture(&self) -> &Picture {
        &self.picture
    }

    pub fn picture_mut(&mut self) -> &mut Picture {
        &mut self.picture
    }

    pub fn workflow(&self) -> &Workflow {
        &self.workflow
    }

    pub fn counters(&self) -> &CoreCounters {
        &self.counters
    }

    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The latest engagement plan (the standing recommendation).
    pub fn standing_plan(&self) -> Option<&EngagementPlan> {
        self.standing.as_ref()
    }

    pub fn last_plan(&self) -> Option<&PlanSummary> {
        self.last_plan.as_ref()
    }

    /// Seconds since the scenario epoch.
    pub fn t_s(&self, t: Timestamp) -> f64 {
        (t.0 - self.site.epoch_unix_ns) as f64 * 1e-9
    }

    fn ts_of(&self, t_s: f64) -> Timestamp {
        Timestamp(self.site.epoch_unix_ns + (t_s * 1e9).round() as i64)
    }

    /// Applies one input.
    pub fn apply(&mut self, input: &Input) -> Effects {
        self.counters.inputs += 1;
        let mut fx = Effects::default();
        match input {
            Input::Asterix {
                source: _,
                recv_ns,
                data,
            } => {
                self.counters.asterix_inputs += 1;
                fx.tracks_changed = self.ingest_asterix(*recv_ns, data);
            }
            Input::Sbs {
                source,
                recv_ns,
                lines,
            } => {
                self.counters.sbs_inputs += 1;
                fx.tracks_changed = self.ingest_sbs(*source, *recv_ns, lines);
            }
            Input::Tick { t_ns } => {
                self.counters.ticks += 1;
                if Timestamp(*t_ns) < self.now {
                    self.counters.ticks_out_of_order += 1;
                } else {
                    self.now = Timestamp(*t_ns);
                }
                fx.cycle = Some(self.cycle(&mut fx.orders));
                fx.tracks_changed = true;
            }
            Input::Operator {
                t_ns,
                user,
                role,
                action,
            } => {
                let t_s = self.t_s(Timestamp(*t_ns).max(self.now));
                let reply = if *role < Role::Operator {
                    Err(ActionError::Forbidden(role.as_str().into()))
                } else {
                    match action {
                        OperatorAction::Approve {
                            engagement,
                            comment,
                        } => self
                            .workflow
                            .decide(*engagement, true, user, t_s, comment.clone()),
                        OperatorAction::Reject { engagement, reason } => {
                            if reason.trim().is_empty() {
                                Err(ActionError::Invalid("a rejection needs a reason".into()))
                            } else {
                                self.workflow.decide(
                                    *engagement,
                                    false,
                                    user,
                                    t_s,
                                    Some(reason.clone()),
                                )
                            }
                        }
                    }
                };
                match &reply {
                    Ok(r) if r.status == EngagementStatus::Approved => {
                        self.counters.approvals += 1;
                        // Fire at once if the window is open.
                        self.issue_orders(&mut fx.orders);
                    }
                    Ok(_) => self.counters.rejections += 1,
                    Err(_) => self.counters.actions_refused += 1,
                }
                fx.reply = Some(reply.map(|r| self.workflow.get(r.id).cloned().unwrap_or(r)));
            }
            Input::FireUnit { t_ns, event } => {
                self.fire_unit(Timestamp(*t_ns).max(self.now), event);
            }
        }
        fx
    }

    fn ingest_asterix(&mut self, recv_ns: i64, data: &[u8]) -> bool {
        // Measurements of this input grouped by sensor, in arrival order within each.
        let mut groups: BTreeMap<u32, Group> = BTreeMap::new();
        for item in BlockStream::new(data, 0) {
            let rec = match item {
                Ok(r) => r,
                Err(_) => {
                    self.counters.decode_errors += 1;
                    continue;
                }
            };
            self.counters.records += 1;
            match TypedRecord::from_record(&rec) {
                Ok(Some(TypedRecord::Cat048(plot))) => {
                    self.counters.plots += 1;
                    let m = match self.registry.plot(&plot, recv_ns) {
                        Ok(m) => m,
                        Err(tessera_feeds::measure::IngestError::UnknownSensor { .. }) => {
                            self.counters.unknown_sensor += 1;
                            continue;
                        }
                        Err(_) => {
                            self.counters.measurement_errors += 1;
                            continue;
                        }
                    };
                    let typ = plot.report_type.unwrap_or(1);
                    let attrs = ReportAttributes {
                        mode3a: plot.mode3a.filter(|_| plot.mode3a_valid),
                        icao: plot.aircraft_address,
                        callsign: plot
                            .callsign
                            .map(|c| c.as_str().to_string())
                            .filter(|c| !c.is_empty()),
                        adsb: false,
                        cooperative: typ >= 2
                            || plot.mode3a.is_some()
                            || plot.aircraft_address.is_some(),
                        emitter_category: None,
                    };
                    let id = m.sensor().0;
                    self.count_sensor(id, recv_ns);
                    let g = groups.entry(id).or_insert_with(|| Group::new(true));
                    g.measurements.push(m);
                    g.attributes.push(attrs);
                }
                Ok(Some(TypedRecord::Cat021(r))) => {
                    self.counters.adsb_reports += 1;
                    let Some(&sensor) = self.adsb_sensors.get(&(r.sac, r.sic)) else {
                        self.counters.unknown_sensor += 1;
                        continue;
                    };
                    let m = match self.registry.cat021(&r, recv_ns, sensor) {
                        Ok(m) => m,
                        Err(_) => {
                            self.counters.measurement_errors += 1;
                            continue;
                        }
                    };
                    let attrs = ReportAttributes {
                        mode3a: r.mode3a,
                        icao: r.address,
                        callsign: r
                            .callsign
                            .map(|c| c.as_str().to_string())
                            .filter(|c| !c.is_empty()),
                        adsb: true,
                        cooperative: true,
                        emitter_category: r.emitter_category,
                    };
                    self.count_sensor(sensor.0, recv_ns);
                    let g = groups.entry(sensor.0).or_insert_with(|| Group::new(false));
                    g.measurements.push(m);
                    g.attributes.push(attrs);
                }
                Ok(_) => {}
                Err(_) => self.counters.decode_errors += 1,
            }
        }
        let mut changed = false;
        for (id, g) in groups {
            changed |= self.process_group(id, g);
        }
        changed
    }

    /// SBS lines from the feed mapped to ADS-B receiver `source`, received at `recv_ns`.
    fn ingest_sbs(&mut self, source: u32, recv_ns: i64, lines: &[u8]) -> bool {
        // The latest airborne position of each aircraft in this input: (lat, lon, alt ft).
        let mut latest: BTreeMap<u32, (f64, f64, i32)> = BTreeMap::new();
        for item in SbsReader::new(lines) {
            let msg = match item {
                Ok(SbsRecord::Msg { msg, .. }) => msg,
                Ok(SbsRecord::Skipped { .. }) => continue,
                Err(_) => {
                    self.counters.sbs_errors += 1;
                    continue;
                }
            };
            self.counters.sbs_messages += 1;
            let icao = msg.icao.0;
            let ident = self.sbs_idents.entry(icao).or_default();
            ident.last_ns = recv_ns;
            if let Some(c) = msg.callsign.as_deref().map(str::trim)
                && !c.is_empty()
            {
                ident.callsign = Some(c.to_string());
            }
            if let Some(sq) = msg.squawk.as_deref().and_then(parse_squawk) {
                ident.squawk = Some(sq);
            }
            // MSG,3 is the airborne position (MSG,2, surface, is not for the air picture).
            if msg.transmission_type == 3
                && let (Some(lat), Some(lon)) = (msg.lat, msg.lon)
            {
                match msg.altitude {
                    Some(alt) => {
                        latest.insert(icao, (lat, lon, alt));
                    }
                    None => self.counters.measurement_errors += 1,
                }
            }
        }
        if self.sbs_idents.len() > SBS_IDENT_CAP {
            // Silent aircraft go; a flood of addresses cannot grow memory either: at most the
            // newest half of the cap stays (by last line, ties kept).
            let mut seen: Vec<i64> = self.sbs_idents.values().map(|i| i.last_ns).collect();
            seen.sort_unstable();
            let keep_from =
                seen[seen.len() - SBS_IDENT_CAP / 2].max(recv_ns - SBS_IDENT_MAX_AGE_NS);
            self.sbs_idents.retain(|_, i| i.last_ns >= keep_from);
        }
        if latest.is_empty() {
            return false;
        }
        if !self.site.adsb.iter().any(|a| a.id == source) {
            self.counters.unknown_sensor += latest.len() as u64;
            return false;
        }
        let sensor = SensorId(source);
        let mut g = Group::new(false);
        for (icao, (lat, lon, alt_ft)) in latest {
            let Some(report) = accuracy::position_report(
                lat,
                lon,
                Some(alt_ft),
                SBS_ALTITUDE_QUANTUM_FT,
                Some(SBS_ASSUMED_NACP),
                0,
            ) else {
                self.counters.measurement_errors += 1;
                continue;
            };
            let m = match self
                .registry
                .position_report(Timestamp(recv_ns), sensor, &report)
            {
                Ok(m) => m,
                Err(_) => {
                    self.counters.measurement_errors += 1;
                    continue;
                }
            };
            self.counters.sbs_positions += 1;
            let ident = self.sbs_idents.get(&icao);
            g.measurements.push(m);
            g.attributes.push(ReportAttributes {
                mode3a: ident.and_then(|i| i.squawk),
                icao: Some(icao),
                callsign: ident.and_then(|i| i.callsign.clone()),
                adsb: true,
                cooperative: true,
                emitter_category: None,
            });
            self.count_sensor(source, recv_ns);
        }
        !g.measurements.is_empty() && self.process_group(source, g)
    }

    /// One sensor's reports of one input as sector scans: for a radar, with the coverage the
    /// beam swept since its previous plot (a plot's azimuth is where the beam was at its time),
    /// so tracks it crossed without a report count a miss; for ADS-B, event-driven.
    fn process_group(&mut self, sensor: u32, g: Group) -> bool {
        let Some(site) = self.registry.site(SensorId(sensor)) else {
            return false;
        };
        let window = self.site.picture.tracker.settings.max_sector_window_s;
        let ms = g.measurements;
        // Reports spread over more than the tracker's window go in several scans.
        let mut start = 0;
        let mut changed = false;
        while start < ms.len() {
            let t0 = ms[start].time;
            let mut end = start + 1;
            while end < ms.len() && ms[end].time.seconds_since(t0).abs() < 0.9 * window {
                end += 1;
            }
            let chunk: Vec<Measurement> = ms[start..end].to_vec();
            let scan = if g.radar {
                self.sector_scan(sensor, site, chunk)
            } else {
                SectorScan::reports(site, chunk)
            };
            match self.picture.process_sector(scan, &g.attributes[start..end]) {
                Ok(_) => changed = true,
                Err(_) => self.counters.scans_refused += 1,
            }
            start = end;
        }
        changed
    }

    fn sector_scan(&mut self, sensor: u32, site: SensorSite, ms: Vec<Measurement>) -> SectorScan {
        let Some(cfg) = self.site.radars.iter().find(|r| r.id == sensor) else {
            return SectorScan::reports(site, ms);
        };
        let window = self.site.picture.tracker.settings.max_sector_window_s;
        let azimuth = |m: &Measurement| match m.observation {
            Observation::Polar3 { azimuth_rad, .. } | Observation::Polar2 { azimuth_rad, .. } => {
                Some(azimuth_rad)
            }
            Observation::Position { .. } => None,
        };
        // The latest plot of the input: where the beam is now.
        let last = ms
            .iter()
            .filter_map(|m| azimuth(m).map(|a| (m.time, a)))
            .max_by_key(|x| x.0);
        let Some((t1, a1)) = last else {
            return SectorScan::reports(site, ms);
        };
        let prev = self.beams.insert(sensor, (t1, a1));
        match prev {
            Some((t0, a0))
                if t1 > t0
                    && t1.seconds_since(t0) < (0.5 * cfg.rotation_period_s).min(0.9 * window) =>
            {
                SectorScan::sector(
                    site,
                    ms,
                    SweptSector {
                        azimuth_start_rad: a0,
                        azimuth_end_rad: a1,
                        min_range_m: 0.0,
                        max_range_m: cfg.max_range_m,
                        start: t0,
                        end: t1,
                    },
                )
            }
            _ => SectorScan::reports(site, ms),
        }
    }

    fn count_sensor(&mut self, id: u32, recv_ns: i64) {
        let s = self.sensors.entry(id).or_default();
        s.plots += 1;
        s.last_ns = Some(recv_ns);
        if recv_ns - s.window_start >= 10_000_000_000 {
            let span = (recv_ns - s.window_start) as f64 * 1e-9;
            s.rate = if s.window_start == 0 {
                0.0
            } else {
                s.window_plots as f64 / span
            };
            s.window_start = recv_ns;
            s.window_plots = 0;
        }
        s.window_plots += 1;
    }

    fn launcher_index(&self, name: &str) -> Option<usize> {
        self.site.launchers.iter().position(|l| l.name == name)
    }

    fn fire_unit(&mut self, t: Timestamp, ev: &FireUnitEvent) {
        let t_s = self.t_s(t);
        match ev {
            FireUnitEvent::Launched {
                engagement,
                launcher,
                rounds,
            } => {
                let first = self
                    .workflow
                    .get(*engagement)
                    .is_some_and(|r| r.status == EngagementStatus::Approved);
                if let Some(li) = self.launcher_index(launcher) {
                    let l = &mut self.launchers[li];
                    l.inventory = l.inventory.saturating_sub(*rounds);
                    if first {
                        // One engagement channel per engagement, whatever its rounds.
                        l.in_flight += 1;
                    }
                    l.last_launch = Some(t);
                    self.launcher_changed.insert(li);
                }
                self.counters.launches += u64::from(*rounds);
                if first {
                    self.workflow
                        .transition(*engagement, EngagementStatus::Engaged, t_s, None);
                }
            }
            FireUnitEvent::AssetHit { .. } => {
                self.leakers += 1;
            }
            FireUnitEvent::Refused {
                engagement, reason, ..
            } => {
                self.workflow.transition(
                    *engagement,
                    EngagementStatus::Aborted,
                    t_s,
                    Some(format!("fire unit refused: {reason}")),
                );
            }
            FireUnitEvent::Outcome {
                engagement,
                outcome,
            } => {
                let Some(rec) = self.workflow.get(*engagement).cloned() else {
                    return;
                };
                match outcome {
                    Outcome::Kill => self.counters.kills += 1,
                    Outcome::Miss => self.counters.misses += 1,
                    Outcome::Abort => {}
                }
                let (resolved, kills) = {
                    let r = self.workflow.get_mut(*engagement).expect("exists");
                    r.resolved += 1;
                    if *outcome == Outcome::Kill {
                        r.kills += 1;
                    }
                    (r.resolved, r.kills)
                };
                if resolved >= rec.rounds && rec.status == EngagementStatus::Engaged {
                    let (status, text) = if kills > 0 {
                        (EngagementStatus::Kill, "kill")
                    } else if *outcome == Outcome::Abort {
                        (EngagementStatus::Aborted, "aborted")
                    } else {
                        (EngagementStatus::Miss, "miss")
                    };
                    self.workflow.transition(*engagement, status, t_s, None);
                    if let Some(r) = self.workflow.get_mut(*engagement) {
                        r.outcome = Some(text.into());
                    }
                    if let Some(li) = self.launcher_index(&rec.launcher_name) {
                        let l = &mut self.launchers[li];
                        l.in_flight = l.in_flight.saturating_sub(1);
                        self.launcher_changed.insert(li);
                    }
                }
            }
        }
    }

    /// Rounds of approved engagements not yet reported launched, per launcher.
    fn committed(&self) -> Vec<u32> {
        let mut c = vec![0u32; self.launchers.len()];
        for r in self.workflow.records() {
            if r.status == EngagementStatus::Approved
                && let Some(li) = self.launcher_index(&r.launcher_name)
            {
                c[li] += r.rounds;
            }
        }
        c
    }

    fn launcher_ready(&self, li: usize, now: Timestamp) -> bool {
        let cfg = &self.site.launchers[li];
        let l = &self.launchers[li];
        l.in_flight < cfg.channels
            && l.last_launch
                .is_none_or(|t| now.seconds_since(t) >= cfg.reload_s)
    }

    fn issue_orders(&mut self, orders: &mut Vec<FireOrder>) {
        let now = self.now;
        let t_s = self.t_s(now);
        let tracks: BTreeMap<TrackId, SystemTrack> = self
            .picture
            .system_tracks(now)
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let ids: Vec<u64> = self
            .workflow
            .records()
            .filter(|r| r.status == EngagementStatus::Approved && !r.ordered)
            .map(|r| r.id)
            .collect();
        for id in ids {
            let r = self.workflow.get(id).expect("listed").clone();
            if t_s < r.earliest_launch_t_s {
                continue;
            }
            let Some(li) = self.launcher_index(&r.launcher_name) else {
                continue;
            };
            if !self.launcher_ready(li, now) {
                continue;
            }
            let Some(tr) = tracks.get(&TrackId(r.track)) else {
                continue;
            };
            let s = &tr.state;
            orders.push(FireOrder {
                engagement: id,
                launcher: r.launcher_name.clone(),
                rounds: r.rounds,
                aim_t_ns: now.0,
                aim_position: [s[0], s[2], s[4]],
                aim_velocity: [s[1], s[3], s[5]],
            });
            self.counters.orders += 1;
            if let Some(rec) = self.workflow.get_mut(id) {
                rec.ordered = true;
            }
        }
    }

    /// Lapses recommendations and approvals the situation no longer supports.
    fn lapse(&mut self, live: &BTreeMap<TrackId, Identity>) {
        let t_s = self.t_s(self.now);
        let ids: Vec<(u64, String)> = self
            .workflow
            .records()
            .filter(|r| {
                r.status == EngagementStatus::Recommended
                    || (r.status == EngagementStatus::Approved && !r.ordered)
            })
            .filter_map(|r| {
                let why = match live.get(&TrackId(r.track)) {
                    None => Some("track ended".to_string()),
                    Some(Identity::Friend | Identity::Neutral | Identity::AssumedFriend) => {
                        Some(format!("identity changed to {:?}", live[&TrackId(r.track)]))
                    }
                    Some(_) if t_s > r.latest_launch_t_s => Some("launch window closed".into()),
                    Some(_) => None,
                };
                why.map(|w| (r.id, w))
            })
            .collect();
        for (id, why) in ids {
            self.workflow
                .transition(id, EngagementStatus::Lapsed, t_s, Some(why));
        }
    }

    fn cycle(&mut self, orders: &mut Vec<FireOrder>) -> CycleReport {
        let now = self.now;
        self.picture.cycle(now);
        let live: BTreeMap<TrackId, Identity> = self
            .picture
            .tracks()
            .filter(|t| t.published())
            .map(|t| (t.track.id, t.track.identity))
            .collect();
        self.lapse(&live);
        let mut plan_summary = None;
        if self.next_plan.is_none_or(|t| now >= t) {
            self.next_plan = Some(self.ts_of(self.t_s(now) + self.site.engagement.plan_period_s));
            plan_summary = self.plan();
            self.last_plan.clone_from(&plan_summary);
        }
        self.issue_orders(orders);
        let digest = self.digest();
        CycleReport {
            t_ns: now.0,
            version: self.picture.version(),
            digest,
            plan: plan_summary,
        }
    }

    fn plan(&mut self) -> Option<PlanSummary> {
        let now = self.now;
        let t_s = self.t_s(now);
        let held: BTreeSet<u64> = self
            .workflow
            .records()
            .filter(|r| r.status.is_active())
            .map(|r| r.track)
            .collect();
        let tracks: Vec<SystemTrack> = self
            .picture
            .system_tracks(now)
            .into_iter()
            .filter(|t| !held.contains(&t.id.0))
            .filter(|t| {
                !matches!(
                    t.identity,
                    Identity::Friend | Identity::Neutral | Identity::AssumedFriend
                )
            })
            .collect();
        let committed = self.committed();
        let launchers: Vec<Launcher> = self
            .site
            .launchers
            .iter()
            .enumerate()
            .map(|(i, cfg)| {
                let st = &self.launchers[i];
                let free = st.inventory.saturating_sub(committed[i]);
                let ready_at = st.last_launch.map_or(now, |t| {
                    Timestamp(t.0 + (cfg.reload_s * 1e9) as i64).max(now)
                });
                Launcher {
                    id: cfg.id,
                    position: st.position,
                    sector_center_rad: cfg.sector_center_deg.to_radians(),
                    sector_half_width_rad: cfg.sector_half_width_deg.to_radians(),
                    ready_at,
                    reload_s: cfg.reload_s,
                    inventory: if free > 0 && st.in_flight < cfg.channels {
                        [(cfg.interceptor.clone(), free)].into_iter().collect()
                    } else {
                        BTreeMap::new()
                    },
                }
            })
            .collect();
        let e = &self.site.engagement;
        let input = PlanInput {
            now,
            tracks: &tracks,
            assets: &self.assets,
            launchers: &launchers,
            interceptors: &self.interceptors,
            doctrine: e.doctrine,
            threat_params: e.threat,
            fire_control: e.fire_control,
            solve: SolveOptions {
                budget: Budget::work(e.wta_work),
                ..SolveOptions::default()
            },
            standing: self.standing.as_ref(),
        };
        let plan = match recommend(&input) {
            Ok(p) => p,
            Err(_) => {
                self.counters.plan_errors += 1;
                return None;
            }
        };
        self.counters.plans += 1;
        // Threat briefs on the picture.
        let mut briefed = BTreeSet::new();
        for th in &plan.threats {
            let asset = th
                .encounters
                .iter()
                .max_by(|a, b| a.expected_damage.total_cmp(&b.expected_damage))
                .and_then(|enc| self.assets.iter().find(|a| a.id == enc.asset))
                .map(|a| a.name.clone());
            if th.threat_value > 0.0 {
                briefed.insert(th.track);
                self.picture.set_threat(
                    th.track,
                    Some(ThreatBrief {
                        rank: th.rank,
                        value: th.threat_value,
                        time_to_go_s: th.time_to_go_s,
                        asset,
                    }),
                );
            }
        }
        let unbriefed: Vec<TrackId> = self
            .picture
            .tracks()
            .filter(|t| t.threat.is_some() && !briefed.contains(&t.track.id))
            .map(|t| t.track.id)
            .collect();
        for id in unbriefed {
            // Held tracks keep their brief (they are not re-planned while engaged).
            if !held.contains(&id.0) {
                self.picture.set_threat(id, None);
            }
        }
        // Entries → records.
        let mut wanted: BTreeSet<u64> = BTreeSet::new();
        for en in &plan.entries {
            let Some(li) = self.site.launchers.iter().position(|l| l.id == en.launcher) else {
                continue;
            };
            let lname = self.site.launchers[li].name.clone();
            let threat_value = plan
                .threats
                .iter()
                .find(|t| t.track == en.track)
                .map_or(0.0, |t| t.threat_value);
            let g = self
                .frame
                .enu_to_geodetic(&Position::from_raw(en.intercept_point))
                .ok();
            let intercept = InterceptView {
                lat_deg: g.map_or(0.0, |g| g.lat_deg()),
                lon_deg: g.map_or(0.0, |g| g.lon_deg()),
                alt_m: g.map_or(0.0, |g| g.height()),
                t_s: None,
            };
            let existing = self
                .workflow
                .records()
                .find(|r| {
                    r.status == EngagementStatus::Recommended
                        && r.track == en.track.0
                        && r.launcher_name == lname
                        && r.interceptor == en.interceptor
                })
                .map(|r| r.id);
            let fields = |r: &mut EngagementRecord| {
                r.rounds = en.rounds;
                r.earliest_launch_t_s = self.t_s(en.earliest_launch).max(t_s);
                r.latest_launch_t_s = self.t_s(en.latest_launch);
                r.intercept = intercept;
                r.pk = en.expected_kill_probability;
                r.expected_leakage = en.expected_leakage;
                r.threat_value = threat_value;
                r.reasons.clone_from(&en.reasons);
            };
            let id = match existing {
                Some(id) => {
                    let r = self.workflow.get(id).expect("found").clone();
                    let mut upd = r.clone();
                    fields(&mut upd);
                    if upd != r {
                        upd.updated_t_s = t_s;
                        *self.workflow.get_mut(id).expect("found") = upd;
                    }
                    id
                }
                None => {
                    let mut r = EngagementRecord {
                        id: 0,
                        track: en.track.0,
                        launcher: en.launcher,
                        launcher_name: lname,
                        interceptor: en.interceptor.clone(),
                        rounds: 0,
                        status: EngagementStatus::Recommended,
                        created_t_s: t_s,
                        updated_t_s: t_s,
                        earliest_launch_t_s: 0.0,
                        latest_launch_t_s: 0.0,
                        intercept,
                        pk: 0.0,
                        expected_leakage: 0.0,
                        threat_value: 0.0,
                        reasons: Vec::new(),
                        decided_by: None,
                        decided_t_s: None,
                        comment: None,
                        outcome: None,
                        ordered: false,
                        kills: 0,
                        resolved: 0,
                    };
                    fields(&mut r);
                    self.workflow.create(r)
                }
            };
            wanted.insert(id);
        }
        let planned: BTreeSet<u64> = plan.entries.iter().map(|e| e.track.0).collect();
        let dwell = self.site.engagement.min_dwell_s;
        let replaced: Vec<(u64, String)> = self
            .workflow
            .records()
            .filter(|r| r.status == EngagementStatus::Recommended && !wanted.contains(&r.id))
            .filter_map(|r| {
                if planned.contains(&r.track) {
                    Some((
                        r.id,
                        "replaced by a new plan for the same track".to_string(),
                    ))
                } else if t_s - r.created_t_s >= dwell {
                    Some((r.id, "no longer in the plan".to_string()))
                } else {
                    None
                }
            })
            .collect();
        for (id, why) in replaced {
            self.workflow
                .transition(id, EngagementStatus::Lapsed, t_s, Some(why));
        }
        let summary = PlanSummary {
            t_ns: now.0,
            threats: plan.threats.iter().filter(|t| t.threat_value > 0.0).count(),
            entries: plan.entries.len(),
            expected_surviving_value: plan.expected_surviving_value,
            lower_bound: plan.lower_bound,
            proven_optimal: plan.proven_optimal,
            kept_standing_plan: plan.kept_standing_plan,
        };
        self.standing = Some(plan);
        Some(summary)
    }

    /// The canonical digest of the picture and the engagement records: a word-wise hash over every
    /// published track's id, status, identity, class, time, state and covariance (bit
    /// patterns), attributes and threat brief, then the JSON of every engagement record and
    /// the inventories.
    pub fn digest(&self) -> u64 {
        let mut h = DigestHasher::default();
        h.i64(self.now.0);
        h.u64(self.picture.version());
        for t in self.picture.tracks().filter(|t| t.published()) {
            let tr = &t.track;
            h.u64(tr.id.0);
            h.u64(tr.status as u64 | (tr.identity as u64) << 8 | (tr.class as u64) << 16);
            h.i64(tr.time.0);
            for v in tr.state.iter() {
                h.u64(v.to_bits());
            }
            for r in 0..6 {
                for c in r..6 {
                    h.u64(tr.covariance[(r, c)].to_bits());
                }
            }
            h.u64(u64::from(tr.updates));
            h.u64(t.attributes.mode3a.map_or(u64::MAX, u64::from));
            h.u64(t.attributes.icao.map_or(u64::MAX, u64::from));
            h.bytes(t.attributes.callsign.as_deref().unwrap_or("").as_bytes());
            if let Some(b) = &t.threat {
                h.u64(b.rank as u64);
                h.u64(b.value.to_bits());
            }
        }
        for r in self.workflow.records() {
            h.bytes(&serde_json::to_vec(r).unwrap_or_default());
        }
        for l in &self.launchers {
            h.u64(u64::from(l.inventory));
        }
        h.0
    }

    // ------------------------------------------------------------------ views

    pub fn sensor_views(&self) -> Vec<SensorView> {
        let mut v = Vec::new();
        let now = self.now.0;
        let status = |id: u32| match self.sensors.get(&id).and_then(|s| s.last_ns) {
            Some(t) if now - t < 30_000_000_000 => "ok",
            _ => "silent",
        };
        let rate = |id: u32| self.sensors.get(&id).map_or(0.0, |s| s.rate);
        for r in &self.site.radars {
            v.push(SensorView {
                id: r.id,
                name: r.name.clone(),
                kind: match r.kind {
                    RadarKind::Radar2d => "radar2d".into(),
                    RadarKind::Radar3d => "radar3d".into(),
                },
                lat_deg: r.position.lat_deg,
                lon_deg: r.position.lon_deg,
                alt_m: r.position.alt_m,
                max_range_m: r.max_range_m,
                rotation_period_s: Some(r.rotation_period_s),
                plots_per_s: rate(r.id),
                status: status(r.id).into(),
            });
        }
        for a in &self.site.adsb {
            v.push(SensorView {
                id: a.id,
                name: a.name.clone(),
                kind: "adsb".into(),
                lat_deg: a.position.lat_deg,
                lon_deg: a.position.lon_deg,
                alt_m: a.position.alt_m,
                max_range_m: a.max_range_m,
                rotation_period_s: None,
                plots_per_s: rate(a.id),
                status: status(a.id).into(),
            });
        }
        v
    }

    pub fn asset_views(&self) -> Vec<AssetView> {
        self.site
            .assets
            .iter()
            .map(|a| AssetView {
                id: a.id,
                name: a.name.clone(),
                lat_deg: a.position.lat_deg,
                lon_deg: a.position.lon_deg,
                radius_m: a.radius_m,
                value: a.value,
            })
            .collect()
    }

    pub fn launcher_views(&self) -> Vec<LauncherView> {
        (0..self.launchers.len())
            .map(|i| self.launcher_view(i))
            .collect()
    }

    fn launcher_view(&self, i: usize) -> LauncherView {
        let cfg = &self.site.launchers[i];
        let st = &self.launchers[i];
        let it = self.interceptors.iter().find(|k| k.name == cfg.interceptor);
        LauncherView {
            id: cfg.id,
            name: cfg.name.clone(),
            lat_deg: cfg.position.lat_deg,
            lon_deg: cfg.position.lon_deg,
            interceptor: cfg.interceptor.clone(),
            inventory: st.inventory,
            inventory_start: cfg.inventory,
            min_range_m: it.map_or(0.0, |k| k.min_range_m),
            max_range_m: it.map_or(0.0, |k| k.max_range_m),
            sector_center_deg: cfg.sector_center_deg,
            sector_half_width_deg: cfg.sector_half_width_deg,
            ready: st.inventory > 0 && self.launcher_ready(i, self.now),
            in_flight: st.in_flight,
        }
    }

    /// Whether engagement records or launchers changed since they were last taken.
    pub fn has_record_changes(&self) -> bool {
        self.workflow.has_changes() || !self.launcher_changed.is_empty()
    }

    /// Launchers changed since the last call.
    pub fn take_changed_launchers(&mut self) -> Vec<LauncherView> {
        let idx: Vec<usize> = std::mem::take(&mut self.launcher_changed)
            .into_iter()
            .collect();
        idx.into_iter().map(|i| self.launcher_view(i)).collect()
    }

    /// Engagement records changed since the last call.
    pub fn take_changed_engagements(&mut self) -> Vec<EngagementRecord> {
        let ids = self.workflow.take_changed();
        ids.into_iter()
            .filter_map(|id| self.workflow.get(id).cloned())
            .collect()
    }

    /// Stats from the core's counters (the shell adds its own: drops, cycle latency).
    pub fn stats(&self) -> Stats {
        let confirmed = self.picture.published_count() as u64;
        let tentative = self.picture.tentative_count() as u64;
        Stats {
            plots_in: self.counters.plots
                + self.counters.adsb_reports
                + self.counters.sbs_positions,
            plots_per_s: self.sensors.values().map(|s| s.rate).sum(),
            dropped: 0,
            decode_errors: self.counters.decode_errors + self.counters.sbs_errors,
            tracks_confirmed: confirmed,
            tracks_tentative: tentative,
            cycle_ms_p99: 0.0,
            threats: self.last_plan.as_ref().map_or(0, |p| p.threats as u64),
            kills: self.counters.kills,
            leakers: self.leakers,
        }
    }
}

/// A squawk as SBS writes it (four octal digits) as the 12-bit Mode 3/A code.
fn parse_squawk(s: &str) -> Option<u16> {
    let s = s.trim();
    (s.len() == 4 && s.bytes().all(|b| (b'0'..=b'7').contains(&b)))
        .then(|| u16::from_str_radix(s, 8).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_sbs_addresses_cannot_grow_the_identification_cache() {
        let site = SiteConfig::from_world(&tessera_sim::world::default_world()).unwrap();
        let adsb = site.adsb[0].id;
        let mut core = Core::new(site).unwrap();
        for batch in 0..20u32 {
            let mut lines = String::new();
            for k in 0..500u32 {
                lines.push_str(&format!(
                    "MSG,1,1,1,{:06X},1,,,,,X{k},,,,,,,,,,,\n",
                    batch * 500 + k
                ));
            }
            core.apply(&Input::Sbs {
                source: adsb,
                recv_ns: i64::from(batch) * 1_000_000_000,
                lines: lines.into_bytes(),
            });
            assert!(core.sbs_idents.len() <= SBS_IDENT_CAP + 500);
        }
        assert_eq!(core.counters.sbs_messages, 10_000);
        // The newest addresses are the ones kept.
        assert!(core.sbs_idents.contains_key(&9_999));
        assert!(!core.sbs_idents.contains_key(&0));
    }

    #[test]
    fn squawks_are_four_octal_digits() {
        assert_eq!(parse_squawk("7700"), Some(0o7700));
        assert_eq!(parse_squawk(" 1017"), Some(0o1017));
        assert_eq!(parse_squawk("1018"), None);
        assert_eq!(parse_squawk("101"), None);
    }

    #[test]
    fn the_digest_hasher_sees_every_bit_and_every_boundary() {
        let h = |f: &dyn Fn(&mut DigestHasher)| {
            let mut d = DigestHasher::default();
            f(&mut d);
            d.0
        };
        let base = h(&|d| d.u64(0x1234_5678_9abc_def0));
        for bit in 0..64 {
            assert_ne!(
                base,
                h(&|d| d.u64(0x1234_5678_9abc_def0 ^ (1 << bit))),
                "{bit}"
            );
        }
        assert_ne!(h(&|d| d.bytes(b"ab")), h(&|d| d.bytes(b"ab\0")));
        assert_ne!(
            h(&|d| {
                d.bytes(b"ab");
                d.bytes(b"c");
            }),
            h(&|d| {
                d.bytes(b"a");
                d.bytes(b"bc");
            })
        );
        assert_eq!(h(&|d| d.bytes(b"123456789")), h(&|d| d.bytes(b"123456789")));
    }
}
