//! The steppable world: [`World`] owns the whole simulation state (objects, sensors, fire
//! units, random generators, counters) and advances it one `scenario.step_s` at a time,
//! returning what happened in the step as a [`StepOutput`] (encoded CAT048/CAT021 blocks, SBS
//! lines, cues, engagement events, formats.md scenario lines, truth lines). It never touches a
//! clock or a file: the batch [`super::simulate`] is a loop over [`World::step`] writing the
//! outputs to files, and the live system drives the same world in real time and commands
//! engagements with [`World::order_engagement`].
//!
//! Within a step `[t, t + step_s)`: truth lines are written (when due); the radars sweep their sector (beam crossings placed exactly by linear
//! extrapolation inside the step), ADS-B broadcasts and early-warning observations are made;
//! the `auto` doctrine (if selected) fires; then all objects advance to `t + step_s`,
//! interceptors last (after their targets moved), with end-game draws; civil aircraft that left
//! are replaced; objects whose time has come by `t + step_s` start (so [`World::truth`] between
//! steps and orders see them). Before `t = 0` the world is advanced unobserved ([`World::new`] does this), so
//! threats launched before the scenario starts are in flight at `t = 0`.

use super::config::{Doctrine, Epoch, SensorKindConfig, WorldConfig};
use super::engagement::{
    AbortReason, Channel, EngagementEvent, EngagementOrder, EngagementRefused, FireUnit,
    LauncherStatus, MissReason, acquisition_gate_m, closest_approach, envelope_violation, feasible,
    intercept_of, predicted_intercept,
};
use super::entities::{self, Entity, Motion, TruthState};
use super::kinematics::{self, Phase, StepOutcome};
use super::outputs::{SbsFields, sbs_lines};
use super::sensors::{AdsbReceiver, Cue, CueFeed, Radar, WorldFrame, nacp_sigma_m};
use super::{SimError, SimSummary};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Poisson};
use rand_pcg::Pcg64Mcg;
use std::fmt::Write as _;
use tessera_asterix::EncodeError;
use tessera_asterix::typed::{Callsign, Cat021Report, Cat048Plot, encode_cat048};
use tessera_geo::{Geodetic, LocalTangentPlane};

/// Records per ASTERIX data block (well inside the 64 KiB block limit).
const RECORDS_PER_BLOCK: usize = 512;
const M_PER_FT: f64 = 0.3048;
const M_PER_NM: f64 = 1852.0;

/// What happened in one step `[t_s, t1_s)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepOutput {
    pub t_s: f64,
    pub t1_s: f64,
    /// Per radar (sensor id) with plots in this step: its CAT048 data blocks, concatenated
    /// (one block per 512 plots), plots in time order.
    pub cat048: Vec<(u32, Vec<u8>)>,
    /// Per ADS-B receiver (sensor id) with reports: its CAT021 data blocks, concatenated.
    pub cat021: Vec<(u32, Vec<u8>)>,
    /// SBS/BaseStation lines of this step's ADS-B reports (empty when `output.sbs` is off).
    pub sbs: String,
    /// Early-warning cues delivered in this step, in delivery order.
    pub cues: Vec<Cue>,
    /// Launches, kills, misses, aborts and impacts, in the order they happened (launches
    /// ordered between steps come first).
    pub events: Vec<EngagementEvent>,
    /// formats.md scenario lines (truth, frame, det) of the 3D radars' north crossings in this
    /// step (empty when `output.scenario_jsonl` is off); the header is
    /// [`World::scenario_header`].
    pub scenario_lines: String,
    /// `truth.jsonl` lines, when a truth period is due at `t_s`.
    pub truth_lines: String,
}

/// One snapshot frame: time, radar index, detections `[el, bearing, range]` with truth ids.
type Snapshot = (f64, usize, Vec<([f64; 3], i64)>);

/// The simulated world, advanced step by step. `Send` (plain data and seeded generators), so
/// it can live in its own task.
#[derive(Debug, Clone)]
pub struct World {
    config: WorldConfig,
    epoch: Epoch,
    frame: WorldFrame,
    ents: Vec<Entity>,
    civil_serial: usize,
    rng_civil: Pcg64Mcg,
    rng_engage: Pcg64Mcg,
    rng_adsb: Pcg64Mcg,
    rng_cue: Pcg64Mcg,
    radars: Vec<(Radar, Pcg64Mcg)>,
    receivers: Vec<AdsbReceiver>,
    feeds: Vec<CueFeed>,
    units: Vec<FireUnit>,
    /// Indices of the 3D radars, when the scenario lines are written.
    scenario_radars: Option<Vec<usize>>,
    /// Index of the next step; step `k` starts at `k · step_s`.
    k: i64,
    k_end: i64,
    last_detected: Vec<f64>,
    in_flight: Vec<u32>,
    next_truth: f64,
    next_doctrine: f64,
    plots: Vec<Vec<Cat048Plot>>,
    reports: Vec<Vec<Cat021Report>>,
    snapshots: Vec<Snapshot>,
    prev_pos: Vec<[f64; 3]>,
    adsb_serial: u64,
    /// Cues observed but not yet delivered, in observation order.
    pending_cues: Vec<Cue>,
    /// Events of orders executed between steps (and of the unobserved run-up).
    pending_events: Vec<EngagementEvent>,
    sum: SimSummary,
    encode_error: Option<EncodeError>,
}

fn seeded(seed: u64, stream: u64) -> Pcg64Mcg {
    Pcg64Mcg::seed_from_u64(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

fn poisson<R: Rng>(rng: &mut R, lambda: f64) -> u64 {
    if lambda > 0.0 {
        Poisson::new(lambda).map_or(0, |p| p.sample(rng) as u64)
    } else {
        0
    }
}

fn extrapolate(e: &Entity, dt: f64) -> [f64; 3] {
    [
        e.pos[0] + e.vel[0] * dt,
        e.pos[1] + e.vel[1] * dt,
        (e.pos[2] + e.vel[2] * dt).max(0.0),
    ]
}

fn dist3(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// Formats-md bearing (counter-clockwise from +x) of a compass azimuth.
fn bearing_of(azimuth: f64) -> f64 {
    kinematics::wrap_pi(std::f64::consts::FRAC_PI_2 - azimuth)
}

/// An azimuth in [0, 360) rounded to the 360/2¹⁶ ° LSB of I048/040, wrapping 360 to 0 (the
/// encoder rejects a value that rounds up to 2¹⁶).
fn azimuth_lsb(deg: f64) -> f64 {
    let lsb = 360.0 / 65_536.0;
    ((deg.rem_euclid(360.0) / lsb).round() as u32 % 65_536) as f64 * lsb
}

/// Flight level (¼ FL) of a height, inside the range of I048/090 and I021/145.
fn flight_level(z: f64) -> f64 {
    ((z / M_PER_FT / 100.0 * 4.0).round() / 4.0).clamp(-12.0, 2047.0)
}

/// Puts an object into its state at `t`; false if it does not exist then.
fn start_state(e: &mut Entity, t: f64) -> bool {
    match &mut e.motion {
        Motion::Route(m) => {
            e.pos = m.pos;
            e.vel = m.velocity();
            e.phase = m.phase();
            true
        }
        Motion::Ballistic(b) => match b.state(t) {
            Some((p, v)) => {
                e.pos = p;
                e.vel = v;
                e.phase = b.phase(t);
                true
            }
            None => false,
        },
        Motion::Recorded(r) => match r.state(t) {
            Some((p, v)) => {
                e.pos = p;
                e.vel = v;
                true
            }
            None => false,
        },
        Motion::Guided { .. } => true,
    }
}

impl World {
    /// Builds the world of a scenario (validated again, so a configuration built or edited in
    /// code is checked like a file) and runs it unobserved up to `t = 0`.
    pub fn new(config: &WorldConfig) -> Result<World, SimError> {
        config.validate()?;
        let sc = &config.scenario;
        let epoch = Epoch::parse(&sc.epoch)
            .ok_or_else(|| SimError::Scenario(format!("bad epoch {:?}", sc.epoch)))?;
        let frame = WorldFrame {
            plane: LocalTangentPlane::new(Geodetic::from_degrees(
                sc.origin_lat_deg,
                sc.origin_lon_deg,
                0.0,
            )?),
        };
        let seed = sc.seed;
        let mut rng = seeded(seed, 1);
        let ents = entities::build(config, &mut rng)?;
        let mut radars = Vec::new();
        let mut receivers = Vec::new();
        let mut feeds = Vec::new();
        for s in &config.sensors {
            match s.kind {
                SensorKindConfig::Radar3d | SensorKindConfig::Radar2d => {
                    radars.push((Radar::new(s, &frame), seeded(seed, 100 + u64::from(s.id))))
                }
                SensorKindConfig::Adsb => receivers.push(AdsbReceiver::new(s)),
                SensorKindConfig::EarlyWarning => feeds.push(CueFeed::new(s)),
            }
        }
        let units: Vec<FireUnit> = config
            .launchers
            .iter()
            .map(|l| FireUnit::new(l, &config.interceptors))
            .collect();
        let radars3d: Vec<usize> = (0..radars.len()).filter(|&i| radars[i].0.three_d).collect();
        let scenario_radars =
            (config.output.scenario_jsonl && !radars3d.is_empty()).then_some(radars3d);
        let sum = SimSummary {
            name: sc.name.clone(),
            duration_s: sc.duration_s,
            largest_inventory: units.iter().map(|u| u.inventory).max().unwrap_or(0),
            ..Default::default()
        };
        let dt = sc.step_s;
        let earliest = ents.iter().map(|e| e.born).fold(0.0f64, f64::min);
        let n = ents.len();
        let mut w = World {
            epoch,
            frame,
            civil_serial: config.traffic.civil_count,
            rng_civil: seeded(seed, 2),
            rng_engage: seeded(seed, 3),
            rng_adsb: seeded(seed, 4),
            rng_cue: seeded(seed, 5),
            plots: vec![Vec::new(); radars.len()],
            reports: vec![Vec::new(); receivers.len()],
            radars,
            receivers,
            feeds,
            units,
            scenario_radars,
            k: (earliest / dt).floor() as i64,
            k_end: (sc.duration_s / dt).ceil() as i64,
            last_detected: vec![f64::NEG_INFINITY; n],
            in_flight: vec![0; n],
            ents,
            next_truth: 0.0,
            next_doctrine: 0.0,
            snapshots: Vec::new(),
            prev_pos: Vec::new(),
            adsb_serial: 0,
            pending_cues: Vec::new(),
            pending_events: Vec::new(),
            sum,
            encode_error: None,
            config: config.clone(),
        };
        w.start_due(w.time_s());
        while w.k < 0 {
            let out = w.advance();
            w.pending_events.extend(out.events);
        }
        Ok(w)
    }

    /// The scenario.
    pub fn config(&self) -> &WorldConfig {
        &self.config
    }

    /// The flat frame and its WGS-84 conversions.
    pub fn frame(&self) -> &WorldFrame {
        &self.frame
    }

    /// Scenario `t = 0` as UTC nanoseconds since the Unix epoch.
    pub fn epoch_unix_ns(&self) -> i64 {
        self.epoch.unix_ns()
    }

    /// Scenario time at which the next step starts, s.
    pub fn time_s(&self) -> f64 {
        self.k as f64 * self.config.scenario.step_s
    }

    /// Step length, s.
    pub fn step_s(&self) -> f64 {
        self.config.scenario.step_s
    }

    /// Whether the scenario's duration has been simulated.
    pub fn finished(&self) -> bool {
        self.k >= self.k_end
    }

    /// The formats.md header line of the scenario lines (3D radars), when they are written.
    pub fn scenario_header(&self) -> Option<String> {
        let idx = self.scenario_radars.as_ref()?;
        let cfg = &self.config;
        let rs: Vec<&Radar> = idx.iter().map(|&i| &self.radars[i].0).collect();
        let max = |f: &dyn Fn(&Radar) -> f64| rs.iter().map(|r| f(r)).fold(0.0, f64::max);
        let header = serde_json::json!({
            "type": "header",
            "format": crate::scenario_file::FORMAT,
            "seed": cfg.scenario.seed,
            "dim": 3,
            "epoch": cfg.scenario.epoch,
            "generator": "tessera-sim world",
            "scenario": cfg.scenario.name,
            "scan_period_us": rs.first().map(|r| (r.period * 1e6).round() as i64),
            "sigma_range_m": max(&|r| r.sigma[0]),
            "sigma_bearing_deg": max(&|r| r.sigma[1].to_degrees()),
            "sigma_elevation_deg": max(&|r| r.sigma[2].to_degrees()),
            "clutter_per_scan_per_radar": max(&|r| r.fa_per_scan),
            "state_order": ["x", "vx", "y", "vy", "z", "vz"],
            "meas_order": ["elevation_rad", "bearing_rad", "range_m"],
            "radars": rs.iter().map(|r| serde_json::json!({
                "id": r.id, "position": r.pos, "time_offset_us": 0,
            })).collect::<Vec<_>>(),
            "radar_sigmas": rs.iter().map(|r| serde_json::json!({
                "id": r.id, "name": r.name, "scan_period_s": r.period,
                "sigma_range_m": r.sigma[0], "sigma_bearing_deg": r.sigma[1].to_degrees(),
                "sigma_elevation_deg": r.sigma[2].to_degrees(),
            })).collect::<Vec<_>>(),
        });
        Some(format!("{header}\n"))
    }

    /// The fire units now.
    pub fn launchers(&self) -> Vec<LauncherStatus> {
        let t = self.time_s();
        self.units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let k = &self.config.interceptors[u.kind];
                LauncherStatus {
                    id: i as u32 + 1,
                    name: u.name.clone(),
                    interceptor: k.name.clone(),
                    position_m: u.pos,
                    inventory: u.inventory,
                    inventory_start: u.inventory_start,
                    channels: u.channels,
                    busy_channels: u.busy_channels(),
                    in_flight: u.busy.len() as u32,
                    ready: u.ready(t) && !self.finished(),
                    reload_left_s: u.reload_left(t),
                    min_range_m: k.min_range_m,
                    max_range_m: k.max_range_m,
                    min_altitude_m: k.min_altitude_m,
                    max_altitude_m: k.max_altitude_m,
                    pk: k.pk,
                    classes: k.classes.clone(),
                }
            })
            .collect()
    }

    /// The objects alive now (state at [`Self::time_s`]), interceptors included.
    pub fn truth(&self) -> Vec<TruthState> {
        self.ents
            .iter()
            .enumerate()
            .filter(|(_, e)| e.alive)
            .map(|(i, e)| TruthState::of(e, &self.config, self.last_detected[i]))
            .collect()
    }

    /// Counts so far (the batch summary once [`Self::finished`]).
    pub fn summary(&self) -> SimSummary {
        let mut s = self.sum.clone();
        s.objects = self.ents.len();
        s.threats = self.ents.iter().filter(|e| e.is_threat()).count();
        s.threats_alive_at_end = self
            .ents
            .iter()
            .filter(|e| e.is_threat() && e.alive)
            .count();
        for e in &self.ents {
            *s.by_kind
                .entry(format!("{} {}", e.affiliation.as_str(), e.class.as_str()))
                .or_default() += 1;
        }
        s
    }

    /// The first encoding failure, if any (its records were dropped from the output). Values
    /// are clamped to the encodable ranges, so this stays `None` for validated scenarios.
    pub fn encode_error(&self) -> Option<&EncodeError> {
        self.encode_error.as_ref()
    }

    /// Advances one step. After the end ([`Self::finished`]) it returns an empty step and
    /// changes nothing.
    pub fn step(&mut self) -> StepOutput {
        if self.finished() {
            let t = self.time_s();
            return StepOutput {
                t_s: t,
                t1_s: t,
                events: std::mem::take(&mut self.pending_events),
                ..Default::default()
            };
        }
        let mut out = self.advance();
        if !self.pending_events.is_empty() {
            let mut ev = std::mem::take(&mut self.pending_events);
            ev.append(&mut out.events);
            out.events = ev;
        }
        out
    }

    /// Executes an external engagement order now ([`Self::time_s`]): launches `rounds`
    /// interceptors from the named launcher at the predicted intercept of the aimed
    /// kinematics and returns their truth ids. The launch events come with the next step.
    pub fn order_engagement(
        &mut self,
        order: EngagementOrder,
    ) -> Result<Vec<u32>, EngagementRefused> {
        let t = self.time_s();
        match self.config.engagement.doctrine {
            Doctrine::None => return Err(EngagementRefused::Disabled),
            Doctrine::Auto | Doctrine::External => {}
        }
        if self.finished() {
            return Err(EngagementRefused::Finished);
        }
        let Some(ui) = self.units.iter().position(|u| u.name == order.launcher) else {
            return Err(EngagementRefused::UnknownLauncher {
                launcher: order.launcher,
            });
        };
        let finite = order
            .aim_position_m
            .iter()
            .chain(&order.aim_velocity_mps)
            .all(|x| x.is_finite())
            && order.aim_time_s.is_finite();
        if !finite {
            return Err(EngagementRefused::BadOrder {
                message: "aimed position, velocity and time must be finite".into(),
            });
        }
        if order.rounds == 0 {
            return Err(EngagementRefused::BadOrder {
                message: "an order fires at least one round".into(),
            });
        }
        let u = &self.units[ui];
        let launcher = u.name.clone();
        if u.inventory < order.rounds {
            return Err(EngagementRefused::NoInventory {
                launcher,
                left: u.inventory,
                asked: order.rounds,
            });
        }
        if u.busy_channels() >= u.channels {
            return Err(EngagementRefused::NotReady {
                launcher,
                message: format!("all {} engagement channels are busy", u.channels),
            });
        }
        if t - u.last_launch < u.reload {
            return Err(EngagementRefused::NotReady {
                launcher,
                message: format!("reloading, {:.1} s left", u.reload_left(t)),
            });
        }
        let kt = &self.config.interceptors[u.kind];
        let (p, v) = (order.aim_position_m, order.aim_velocity_mps);
        let age = t - order.aim_time_s;
        let cv = |dt: f64| {
            let s = age + dt;
            [p[0] + v[0] * s, p[1] + v[1] * s, (p[2] + v[2] * s).max(0.0)]
        };
        let now = cv(0.0);
        let Some((tau, pip)) = intercept_of(kt, u.pos, now, |dt| Some(cv(dt))) else {
            return Err(EngagementRefused::OutOfEnvelope {
                launcher,
                message: "no intercept: the interceptor cannot catch the aimed track".into(),
            });
        };
        if let Some(message) = envelope_violation(kt, u.pos, tau, pip, f64::INFINITY) {
            return Err(EngagementRefused::OutOfEnvelope { launcher, message });
        }
        // Lock onto the truth object nearest to the aimed prediction now, within the gate.
        let gate = acquisition_gate_m(age.abs());
        let target = self
            .ents
            .iter()
            .enumerate()
            .filter(|(_, e)| e.alive && e.class != super::config::ObjectClass::Interceptor)
            .map(|(i, e)| (dist3(e.pos, now), i))
            .filter(|(d, _)| *d <= gate)
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map(|(_, i)| i);
        let mut events = Vec::new();
        let ids = self.launch(
            ui,
            target,
            tau,
            pip,
            order.rounds,
            Some(order.order_id),
            t,
            &mut events,
        );
        self.units[ui].last_launch = t;
        self.pending_events.extend(events);
        Ok(ids)
    }

    /// Launches `n` interceptors from unit `ui` at `target` (or, unlocked, at `pip`).
    #[allow(clippy::too_many_arguments)]
    fn launch(
        &mut self,
        ui: usize,
        target: Option<usize>,
        tau: f64,
        pip: [f64; 3],
        n: u32,
        order: Option<u64>,
        t: f64,
        events: &mut Vec<EngagementEvent>,
    ) -> Vec<u32> {
        let mut ids = Vec::new();
        let u = &mut self.units[ui];
        let kt = &self.config.interceptors[u.kind];
        let channel = match (order, target) {
            (Some(o), _) => Channel::Order(o),
            (None, Some(j)) => Channel::Target(j),
            (None, None) => Channel::Order(u64::MAX),
        };
        for _ in 0..n {
            let idx = self.ents.len();
            let id = idx as u32 + 1;
            self.ents.push(Entity::interceptor(
                id,
                format!("{}#{}", u.name, u.launched + 1),
                u.pos,
                Motion::Guided {
                    target,
                    aim: pip,
                    speed: kt.speed_mps,
                    boost: kt.boost_s,
                    t0: t,
                    max_tof: 1.5 * tau + 10.0,
                    unit: ui,
                    order,
                },
                t,
            ));
            self.last_detected.push(f64::NEG_INFINITY);
            self.in_flight.push(0);
            u.busy.push((idx, channel));
            u.inventory -= 1;
            u.launched += 1;
            if let Some(j) = target {
                self.in_flight[j] += 1;
            }
            self.sum.launches += 1;
            events.push(EngagementEvent::Launch {
                t_s: t,
                order_id: order,
                launcher: u.name.clone(),
                interceptor: id,
                target: target.map(|j| self.ents[j].id),
                target_name: target.map(|j| self.ents[j].name.clone()),
                pip,
                tof_s: tau,
                inventory_left: u.inventory,
            });
            ids.push(id);
        }
        ids
    }

    /// Encodes records into concatenated data blocks; a failing block is dropped and its error
    /// kept.
    fn blocks<T>(
        &mut self,
        recs: &[T],
        enc: fn(&[T]) -> Result<Vec<u8>, EncodeError>,
    ) -> (Vec<u8>, u64) {
        let mut bytes = Vec::new();
        let mut n = 0;
        for chunk in recs.chunks(RECORDS_PER_BLOCK) {
            match enc(chunk) {
                Ok(b) => {
                    bytes.extend_from_slice(&b);
                    n += 1;
                }
                Err(e) => {
                    self.encode_error.get_or_insert(e);
                }
            }
        }
        (bytes, n)
    }

    /// One step, observed from `t = 0` on.
    fn advance(&mut self) -> StepOutput {
        let dt = self.config.scenario.step_s;
        let t = self.k as f64 * dt;
        let t1 = t + dt;
        let mut out = StepOutput {
            t_s: t,
            t1_s: t1,
            ..Default::default()
        };
        let observing = t >= -1e-9;
        if observing {
            self.truth_lines(t, &mut out.truth_lines);
            self.radars(t, dt, &mut out);
            self.adsb(t, t1, &mut out);
            self.observe_cues(t, t1);
            if self.config.engagement.doctrine == Doctrine::Auto && t + 1e-9 >= self.next_doctrine {
                self.next_doctrine += self.config.engagement.period_s;
                self.auto_doctrine(t, &mut out.events);
            }
        }
        self.sum.max_alive = self
            .sum
            .max_alive
            .max(self.ents.iter().filter(|e| e.alive).count());
        let respawns = self.move_objects(dt, t1, &mut out.events);
        self.move_interceptors(dt, t1, &mut out.events);
        for _ in 0..respawns {
            let id = self.ents.len() as u32 + 1;
            let mut e = entities::civil(
                &self.config,
                &mut self.rng_civil,
                id,
                self.civil_serial,
                t1,
                true,
            );
            self.civil_serial += 1;
            e.started = false;
            self.ents.push(e);
            self.last_detected.push(f64::NEG_INFINITY);
            self.in_flight.push(0);
        }
        self.k += 1;
        self.start_due(t1);
        // Deliver the cues due in this step (all that are left at the end).
        let last = self.finished();
        self.pending_cues.sort_by(|a, b| a.t_s.total_cmp(&b.t_s));
        let due = self.pending_cues.partition_point(|c| last || c.t_s < t1);
        out.cues = self.pending_cues.drain(..due).collect();
        out
    }

    /// Starts the objects whose time has come by `t`.
    fn start_due(&mut self, t: f64) {
        for e in self.ents.iter_mut() {
            if !e.started && e.born <= t + 1e-9 {
                e.started = true;
                e.alive = start_state(e, t);
            }
        }
    }

    fn truth_lines(&mut self, t: f64, line: &mut String) {
        let period = self.config.output.truth_period_s;
        if !(period > 0.0 && t + 1e-9 >= self.next_truth) {
            return;
        }
        for e in self.ents.iter().filter(|e| e.alive) {
            let g = self.frame.geodetic(e.pos);
            let _ = writeln!(
                line,
                "{{\"t_s\":{:.3},\"id\":{},\"name\":{},\"class\":\"{}\",\"affiliation\":\"{}\",\"phase\":\"{}\",\"pos\":[{:.1},{:.1},{:.1}],\"vel\":[{:.2},{:.2},{:.2}],\"lat_deg\":{:.6},\"lon_deg\":{:.6}}}",
                t,
                e.id,
                serde_json::to_string(&e.name).unwrap_or_default(),
                e.class.as_str(),
                e.affiliation.as_str(),
                e.phase.as_str(),
                e.pos[0],
                e.pos[1],
                e.pos[2],
                e.vel[0],
                e.vel[1],
                e.vel[2],
                g.lat_deg(),
                g.lon_deg()
            );
            self.sum.truth_lines += 1;
        }
        self.next_truth += period;
    }

    /// Radars: rotating beam plots (CAT048) and north-crossing snapshots (scenario lines).
    fn radars(&mut self, t: f64, dt: f64, out: &mut StepOutput) {
        let scen = self.scenario_radars.is_some();
        let epoch = self.epoch;
        for ri in 0..self.radars.len() {
            let mut plots = std::mem::take(&mut self.plots[ri]);
            plots.clear();
            let (radar, rrng) = &mut self.radars[ri];
            let snap_t = if scen && radar.three_d {
                radar.beam_hits(t, dt, 0.0)
            } else {
                None
            };
            let mut snap: Vec<([f64; 3], i64)> = Vec::new();
            for (i, e) in self.ents.iter().enumerate() {
                if !e.alive {
                    continue;
                }
                let coop = e.coop.as_ref().filter(|c| c.transponder);
                if let Some(ts) = snap_t {
                    let p = extrapolate(e, ts - t);
                    let rae = radar.flat_rae(p);
                    if radar.covers(p, &rae)
                        && let Some((_, _, noise)) =
                            radar.detect(rrng, &rae, e.rcs_m2, coop.is_some())
                    {
                        let m = radar.measure(&rae, &noise);
                        snap.push((
                            [m.elevation, bearing_of(m.azimuth), m.range],
                            i64::from(e.id),
                        ));
                    }
                }
                let az = radar.azimuth_of(e.pos);
                let Some(th) = radar.beam_hits(t, dt, az) else {
                    continue;
                };
                let p = extrapolate(e, th - t);
                let rae = radar.flat_rae(p);
                if !radar.covers(p, &rae) {
                    continue;
                }
                let Some((psr, ssr, noise)) = radar.detect(rrng, &rae, e.rcs_m2, coop.is_some())
                else {
                    continue;
                };
                self.last_detected[i] = th;
                let m = radar.measure(&radar.wgs_rae(&self.frame, p), &noise);
                let mut plot = Cat048Plot {
                    sac: radar.sac,
                    sic: radar.sic,
                    time_of_day: Some(epoch.time_of_day(th)),
                    report_type: Some(match (psr, ssr) {
                        (true, false) => 1,
                        (false, _) => 5,
                        (true, true) => 7,
                    }),
                    rho_nm: Some((m.range / M_PER_NM).min(255.99)),
                    theta_deg: Some(azimuth_lsb(m.azimuth.to_degrees())),
                    // A 3D radar's measured elevation (the Tessera SP field of CAT048).
                    elevation_deg: radar
                        .three_d
                        .then(|| m.elevation.to_degrees().clamp(-90.0, 90.0)),
                    ..Default::default()
                };
                if ssr && let Some(c) = coop {
                    plot.mode3a = Some(c.mode3a);
                    plot.mode3a_valid = true;
                    plot.flight_level = Some(flight_level(p[2]));
                    plot.aircraft_address = Some(c.icao);
                    plot.callsign = Some(Callsign::new(&c.callsign));
                }
                plots.push(plot);
            }
            // False plots over the swept sector.
            let n_fa = poisson(rrng, radar.fa_per_scan * dt / radar.period);
            let (a0, w) = (radar.beam_azimuth(t), radar.omega() * dt);
            for _ in 0..n_fa {
                let p = radar.clutter_point(rrng, a0, w);
                let rae = radar.wgs_rae(&self.frame, p);
                let d = (rae.azimuth - a0).rem_euclid(std::f64::consts::TAU).min(w);
                plots.push(Cat048Plot {
                    sac: radar.sac,
                    sic: radar.sic,
                    time_of_day: Some(epoch.time_of_day(t + d / radar.omega())),
                    report_type: Some(1),
                    rho_nm: Some((rae.range / M_PER_NM).min(255.99)),
                    theta_deg: Some(azimuth_lsb(rae.azimuth.to_degrees())),
                    elevation_deg: radar
                        .three_d
                        .then(|| rae.elevation.to_degrees().clamp(-90.0, 90.0)),
                    ..Default::default()
                });
                self.sum.false_plots += 1;
            }
            if let Some(ts) = snap_t {
                let n = poisson(rrng, radar.fa_per_scan);
                for _ in 0..n {
                    let p = radar.clutter_point(rrng, 0.0, std::f64::consts::TAU);
                    let r = radar.flat_rae(p);
                    snap.push(([r.elevation, bearing_of(r.azimuth), r.range], -1));
                }
                self.snapshots.push((ts, ri, snap));
            }
            plots.sort_by(|a, b| {
                a.time_of_day
                    .partial_cmp(&b.time_of_day)
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            let id = radar.id;
            self.sum.radar_plots += plots.len() as u64;
            let (bytes, n) = self.blocks(&plots, encode_cat048);
            self.sum.cat048_blocks += n;
            if !bytes.is_empty() {
                out.cat048.push((id, bytes));
            }
            self.plots[ri] = plots;
        }
        // Snapshot frames of this step, in time order, each after the truth at its time.
        if scen {
            let line = &mut out.scenario_lines;
            self.snapshots
                .sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (ts, ri, dets) in self.snapshots.drain(..) {
                let t_us = (ts * 1e6).round() as i64;
                for e in self.ents.iter().filter(|e| e.alive) {
                    let p = extrapolate(e, ts - t);
                    let _ = writeln!(
                        line,
                        "{{\"type\":\"truth\",\"t_us\":{t_us},\"id\":{},\"state\":[{:.2},{:.3},{:.2},{:.3},{:.2},{:.3}]}}",
                        e.id, p[0], e.vel[0], p[1], e.vel[1], p[2], e.vel[2]
                    );
                }
                let rid = self.radars[ri].0.id;
                let _ = writeln!(
                    line,
                    "{{\"type\":\"frame\",\"t_us\":{t_us},\"radar\":{rid},\"n_det\":{}}}",
                    dets.len()
                );
                for (z, id) in &dets {
                    let _ = writeln!(
                        line,
                        "{{\"type\":\"det\",\"t_us\":{t_us},\"radar\":{rid},\"z\":[{:.7},{:.7},{:.2}],\"truth\":{id}}}",
                        z[0], z[1], z[2]
                    );
                }
                self.sum.scenario_frames += 1;
            }
        }
    }

    /// ADS-B broadcasts received in this step (CAT021 per receiver, SBS lines).
    fn adsb(&mut self, t: f64, t1: f64, out: &mut StepOutput) {
        let sbs_on = self.config.output.sbs;
        let epoch = self.epoch;
        let line = &mut out.sbs;
        for r in self.reports.iter_mut() {
            r.clear();
        }
        for e in self.ents.iter().filter(|e| e.alive) {
            let Some(c) = e.coop.as_ref().filter(|c| c.adsb) else {
                continue;
            };
            let Some(rx0) = self.receivers.first() else {
                break;
            };
            let period = rx0.period;
            let phase = (f64::from(e.id) * 0.618_033_988_7).fract() * period;
            let n = ((t - phase) / period).ceil();
            let tr = phase + n * period;
            if tr >= t1 {
                continue;
            }
            let p = extrapolate(e, tr - t);
            let sigma = nacp_sigma_m(c.nacp);
            let mut any = None;
            for (ri, rx) in self.receivers.iter().enumerate() {
                if !rx.in_view(p) || self.rng_adsb.random::<f64>() >= rx.reception_pd {
                    continue;
                }
                let g = match any {
                    Some(g) => g,
                    None => {
                        let nx: f64 = self.rng_adsb.sample(rand_distr::StandardNormal);
                        let ny: f64 = self.rng_adsb.sample(rand_distr::StandardNormal);
                        let g = self
                            .frame
                            .geodetic([p[0] + sigma * nx, p[1] + sigma * ny, p[2]]);
                        any = Some(g);
                        g
                    }
                };
                let gs = e.vel[0].hypot(e.vel[1]);
                self.reports[ri].push(Cat021Report {
                    sac: rx.sac,
                    sic: rx.sic,
                    address: Some(c.icao),
                    time_of_day: Some(epoch.time_of_day(tr)),
                    lat_lon_deg: Some((g.lat_deg(), g.lon_deg())),
                    flight_level: Some(flight_level(p[2])),
                    geometric_height_ft: Some(
                        ((p[2] / M_PER_FT / 6.25).round() * 6.25).clamp(-1500.0, 150_000.0),
                    ),
                    callsign: Some(Callsign::new(&c.callsign)),
                    nacp: Some(c.nacp),
                    nic: Some(8),
                    sil: Some(3),
                    ground_vector: Some((
                        (gs / M_PER_NM).min(1.99),
                        e.vel[0].atan2(e.vel[1]).to_degrees().rem_euclid(360.0),
                    )),
                    baro_vertical_rate_fpm: None,
                    geo_vertical_rate_fpm: Some(
                        (e.vel[2] / M_PER_FT * 60.0).clamp(-100_000.0, 100_000.0),
                    ),
                    mode3a: Some(c.mode3a),
                    emitter_category: Some(5),
                });
                self.sum.adsb_reports += 1;
            }
            if let (Some(g), true) = (any, sbs_on) {
                let before = line.lines().count();
                sbs_lines(
                    line,
                    &epoch,
                    &SbsFields {
                        t_s: tr,
                        icao: c.icao,
                        callsign: &c.callsign,
                        alt_ft: p[2] / M_PER_FT,
                        gs_kt: e.vel[0].hypot(e.vel[1]) / M_PER_NM * 3600.0,
                        track_deg: e.vel[0].atan2(e.vel[1]).to_degrees().rem_euclid(360.0),
                        lat: g.lat_deg(),
                        lon: g.lon_deg(),
                        vrate_fpm: e.vel[2] / M_PER_FT * 60.0,
                        squawk: c.mode3a,
                        serial: self.adsb_serial,
                    },
                );
                self.adsb_serial += 1;
                self.sum.sbs_lines += (line.lines().count() - before) as u64;
            }
        }
        for ri in 0..self.receivers.len() {
            let reports = std::mem::take(&mut self.reports[ri]);
            let (bytes, n) = self.blocks(&reports, tessera_asterix::encode_cat021);
            self.sum.cat021_blocks += n;
            if !bytes.is_empty() {
                out.cat021.push((self.receivers[ri].id, bytes));
            }
            self.reports[ri] = reports;
        }
    }

    /// Early-warning observations made in this step (delivered after their latency).
    fn observe_cues(&mut self, t: f64, t1: f64) {
        let duration = self.config.scenario.duration_s;
        for feed in &self.feeds {
            for e in self.ents.iter().filter(|e| e.alive && e.is_threat()) {
                if !feed.classes.contains(&e.class) {
                    continue;
                }
                let n = ((t - e.born) / feed.period).ceil().max(1.0);
                let to = e.born + n * feed.period;
                if to < t || to >= t1 {
                    continue;
                }
                let p = extrapolate(e, to - t);
                let (cp, cv) = feed.report(&mut self.rng_cue, p, e.vel);
                let td = to + feed.latency;
                if td <= duration {
                    self.pending_cues.push(Cue {
                        t_s: td,
                        t_obs_s: to,
                        feed: feed.id,
                        truth: e.id,
                        class: e.class,
                        pos: cp,
                        vel: cv,
                        sigma_pos_m: feed.sigma_pos,
                        sigma_vel_mps: feed.sigma_vel,
                    });
                    self.sum.cues += 1;
                }
            }
        }
    }

    /// The `auto` doctrine: the most urgent radar-detected threats first, each engaged by the
    /// ready unit with the earliest feasible intercept.
    fn auto_doctrine(&mut self, t: f64, events: &mut Vec<EngagementEvent>) {
        let age = self.config.engagement.detection_age_s;
        let mut cands: Vec<(f64, usize)> = self
            .ents
            .iter()
            .enumerate()
            .filter(|(i, e)| {
                e.alive
                    && e.is_threat()
                    && self.in_flight[*i] == 0
                    && self.last_detected[*i] >= t - age
            })
            .map(|(i, e)| (e.time_to_go(t), i))
            .collect();
        cands.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (ttg, j) in cands {
            let kinds = &self.config.interceptors;
            let tgt = &self.ents[j];
            let mut best: Option<(f64, usize, [f64; 3])> = None;
            for (ui, u) in self.units.iter().enumerate() {
                let kt = &kinds[u.kind];
                if !u.ready(t) || !kt.classes.contains(&tgt.class) {
                    continue;
                }
                if let Some((tau, pip)) = predicted_intercept(kt, u.pos, tgt, t)
                    && feasible(kt, u.pos, tau, pip, ttg)
                    && best.is_none_or(|b| tau < b.0)
                {
                    best = Some((tau, ui, pip));
                }
            }
            let Some((tau, ui, pip)) = best else { continue };
            let n = self.config.engagement.salvo.min(self.units[ui].inventory);
            self.launch(ui, Some(j), tau, pip, n, None, t, events);
            self.units[ui].last_launch = t;
        }
    }

    /// Advances every non-interceptor object to `t1`; returns how many civil aircraft left.
    fn move_objects(&mut self, dt: f64, t1: f64, events: &mut Vec<EngagementEvent>) -> usize {
        self.prev_pos.clear();
        self.prev_pos.extend(self.ents.iter().map(|e| e.pos));
        let mut respawns = 0usize;
        for e in self.ents.iter_mut() {
            if !e.alive {
                continue;
            }
            let outcome = match &mut e.motion {
                Motion::Route(m) => {
                    let o = m.step(dt, t1);
                    e.pos = m.pos;
                    e.vel = m.velocity();
                    e.phase = m.phase();
                    o
                }
                Motion::Ballistic(b) => match b.state(t1) {
                    Some((p, v)) => {
                        e.pos = p;
                        e.vel = v;
                        e.phase = b.phase(t1);
                        StepOutcome::Flying
                    }
                    None => {
                        let (p, _) = b.state(b.t0 + b.flight_time).unwrap_or((e.pos, e.vel));
                        e.pos = p;
                        StepOutcome::Impact
                    }
                },
                Motion::Recorded(r) => match r.state(t1) {
                    Some((p, v)) => {
                        e.pos = p;
                        e.vel = v;
                        StepOutcome::Flying
                    }
                    None => StepOutcome::Exit,
                },
                Motion::Guided { .. } => continue,
            };
            match outcome {
                StepOutcome::Flying => {}
                StepOutcome::Exit => {
                    e.alive = false;
                    if e.respawn {
                        respawns += 1;
                    }
                }
                StepOutcome::Impact => {
                    e.alive = false;
                    self.sum.impacts += 1;
                    let asset = e
                        .target_asset
                        .and_then(|a| self.config.assets.get(a))
                        .map_or("", |a| a.name.as_str());
                    events.push(EngagementEvent::Impact {
                        t_s: t1,
                        threat: e.id,
                        threat_name: e.name.clone(),
                        class: e.class,
                        asset: asset.to_string(),
                        pos: e.pos,
                    });
                }
            }
        }
        respawns
    }

    /// Interceptors fly (after their targets moved to `t1`) and meet their end-game.
    fn move_interceptors(&mut self, dt: f64, t1: f64, events: &mut Vec<EngagementEvent>) {
        for i in 0..self.ents.len() {
            let Motion::Guided {
                target,
                aim: fixed_aim,
                speed,
                boost,
                t0,
                max_tof,
                unit,
                order,
            } = self.ents[i].motion
            else {
                continue;
            };
            if !self.ents[i].alive {
                continue;
            }
            let kt = &self.config.interceptors[self.units[unit].kind];
            let a0 = self.ents[i].pos;
            let fly = |e: &mut Entity, aim: [f64; 3]| {
                let v_now = speed * ((t1 - t0) / boost.max(1e-9)).min(1.0);
                let d = dist3(aim, a0);
                // Past an unlocked aim point: fly on along the current heading.
                let u: [f64; 3] = if d > 1e-9 {
                    std::array::from_fn(|q| (aim[q] - a0[q]) / d)
                } else {
                    let s = dist3(e.vel, [0.0; 3]).max(1e-9);
                    std::array::from_fn(|q| e.vel[q] / s)
                };
                let a1: [f64; 3] = std::array::from_fn(|q| a0[q] + u[q] * v_now * dt);
                e.pos = a1;
                e.vel = std::array::from_fn(|q| u[q] * v_now);
                e.phase = if t1 - t0 < boost {
                    Phase::Boost
                } else {
                    Phase::Flight
                };
                a1
            };
            enum Verdict {
                Kill,
                Miss(MissReason),
                Abort(AbortReason),
            }
            let mut verdict: Option<Verdict> = None;
            match target {
                Some(j) if !self.ents[j].alive => {
                    verdict = Some(Verdict::Abort(AbortReason::TargetGone))
                }
                Some(j) => {
                    let tgt = &self.ents[j];
                    let mut aim = tgt.pos;
                    for _ in 0..8 {
                        let tau = dist3(aim, a0) / speed;
                        aim = tgt.predict(t1, tau).unwrap_or(tgt.pos);
                    }
                    let a1 = fly(&mut self.ents[i], aim);
                    let miss = closest_approach(a0, a1, self.prev_pos[j], self.ents[j].pos);
                    if miss <= kt.lethal_radius_m {
                        verdict = Some(if self.rng_engage.random::<f64>() < kt.pk {
                            Verdict::Kill
                        } else {
                            Verdict::Miss(MissReason::EndGame)
                        });
                    } else if t1 - t0 > max_tof {
                        verdict = Some(Verdict::Miss(MissReason::MaxFlightTime));
                    }
                }
                None => {
                    // Fly to the aimed intercept point; once there, aim far beyond it along
                    // the same line, i.e. fly straight on.
                    let a1 = fly(&mut self.ents[i], fixed_aim);
                    if dist3(fixed_aim, a1) <= speed * dt {
                        let d = dist3(fixed_aim, a0).max(1e-9);
                        let on: [f64; 3] =
                            std::array::from_fn(|q| a0[q] + (fixed_aim[q] - a0[q]) / d * 1e7);
                        if let Motion::Guided { aim, .. } = &mut self.ents[i].motion {
                            *aim = on;
                        }
                    }
                    if t1 - t0 > max_tof {
                        verdict = Some(Verdict::Abort(AbortReason::NoTarget));
                    }
                }
            }
            let Some(v) = verdict else { continue };
            self.ents[i].alive = false;
            if let Some(j) = target {
                self.in_flight[j] = self.in_flight[j].saturating_sub(1);
            }
            self.units[unit].busy.retain(|b| b.0 != i);
            let (tid, tname) = match target {
                Some(j) => (Some(self.ents[j].id), Some(self.ents[j].name.clone())),
                None => (None, None),
            };
            let launcher = self.units[unit].name.clone();
            let (interceptor, pos) = (self.ents[i].id, self.ents[i].pos);
            events.push(match v {
                Verdict::Kill => {
                    self.sum.kills += 1;
                    if let Some(j) = target {
                        self.ents[j].alive = false;
                    }
                    EngagementEvent::Kill {
                        t_s: t1,
                        order_id: order,
                        launcher,
                        interceptor,
                        target: tid.unwrap_or_default(),
                        target_name: tname.unwrap_or_default(),
                        pos,
                    }
                }
                Verdict::Miss(reason) => {
                    self.sum.misses += 1;
                    EngagementEvent::Miss {
                        t_s: t1,
                        order_id: order,
                        launcher,
                        interceptor,
                        target: tid,
                        target_name: tname,
                        pos,
                        reason,
                    }
                }
                Verdict::Abort(reason) => EngagementEvent::Abort {
                    t_s: t1,
                    order_id: order,
                    launcher,
                    interceptor,
                    target: tid,
                    target_name: tname,
                    pos,
                    reason,
                },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>() {}

    #[test]
    fn world_is_send() {
        assert_send::<World>();
    }
}
