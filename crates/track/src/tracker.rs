//! The `Tracker`: wiring of predictor, updater, gate, associator, initiator and deleter, plus
//! the bookkeeping around them (track life, stable ids, statistics and out-of-sequence scans).
//!
//! Input arrives as scans: one sensor's reports of one instant. Scans older than the latest
//! processed one but within the configured lag are applied exactly as if they had arrived in
//! order: the tracker keeps checkpoints of its state and replays the later scans after
//! inserting the late one. Older scans are refused and counted.

use crate::TrackError;
use crate::associate::{Associator, GatedPair, GnnAssociator, TrackAssociation};
use crate::filter::{Estimate, Innovation, Predictor, Updater};
use crate::gate::{Gate, MahalanobisGate};
use crate::manage::{DeleteReason, Deleter, InitiationDecision, Initiator, TrackLife};
use crate::measure::AnyModel;
use crate::pregate::PreGate;
use nalgebra::{Matrix6, Vector3, Vector6};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use tessera_domain::{
    Measurement, SensorId, SensorKind, SensorSite, SystemTrack, Timestamp, TrackId, TrackStatus,
};

/// One sensor's reports of one instant.
#[derive(Debug, Clone)]
pub struct Scan {
    pub time: Timestamp,
    pub sensor: SensorSite,
    pub measurements: Vec<Measurement>,
    /// True when the scan covers the sensor's whole volume, so a track without a report in it
    /// missed a detection opportunity (radar scans); false for event-driven reports (ADS-B).
    pub full_scan: bool,
}

/// Tracker settings. Documented defaults are tuned for air surveillance radars.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrackerSettings {
    /// Probability that the true measurement falls inside the gate.
    pub gate_probability: f64,
    /// Detection probability assumed in association scores.
    pub detection_probability: f64,
    /// Density of false and new-target reports per cubic metre.
    pub clutter_density_per_m3: f64,
    /// Vertical extent used to turn the density into an area density for 2D reports, m.
    pub vertical_extent_m: f64,
    /// Out-of-sequence scans up to this many seconds late are applied exactly; older ones are
    /// refused. 0 disables checkpointing.
    pub out_of_sequence_lag_s: f64,
    /// A report claimed by existing tracks with at least this probability starts no track.
    pub claim_threshold: f64,
}

impl Default for TrackerSettings {
    fn default() -> Self {
        Self {
            gate_probability: 0.9999,
            detection_probability: 0.9,
            clutter_density_per_m3: 1e-14,
            vertical_extent_m: 20_000.0,
            out_of_sequence_lag_s: 2.0,
            claim_threshold: 0.5,
        }
    }
}

/// One track with its life record.
#[derive(Debug, Clone)]
pub struct TrackRecord<S> {
    pub id: TrackId,
    pub state: S,
    pub time: Timestamp,
    pub status: TrackStatus,
    pub life: TrackLife,
    pub created: Timestamp,
    pub last_update: Timestamp,
    /// Sensors that updated the track.
    pub sensors: Vec<SensorId>,
    /// Times of the track's scans while tentative (for retrodicted history on confirmation).
    tentative_times: Vec<Timestamp>,
}

impl<S: Estimate> TrackRecord<S> {
    pub fn is_confirmed(&self) -> bool {
        matches!(self.status, TrackStatus::Confirmed | TrackStatus::Coasting)
    }

    pub fn to_system_track(&self) -> SystemTrack {
        let (state, covariance) = self.state.kinematics();
        SystemTrack {
            id: self.id,
            time: self.time,
            status: self.status,
            state,
            covariance,
            identity: Default::default(),
            class: Default::default(),
            updates: self.life.hits,
        }
    }
}

/// A state of a newly confirmed track at an earlier scan time, retrodicted from its state at
/// confirmation.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryState {
    pub track: TrackId,
    pub time: Timestamp,
    pub state: Vector6<f64>,
    pub covariance: Matrix6<f64>,
}

/// What one call of `process` did.
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    pub updated: usize,
    pub initiated: usize,
    pub confirmed: Vec<TrackId>,
    pub deleted: Vec<(TrackId, DeleteReason)>,
    pub history: Vec<HistoryState>,
    pub rejected_measurements: usize,
    /// Scans re-run because this one arrived out of sequence.
    pub reprocessed_scans: usize,
    pub gated_pairs: usize,
    pub largest_cluster: usize,
}

/// Running counters.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrackerStats {
    pub scans: u64,
    pub measurements: u64,
    pub rejected_invalid: u64,
    pub rejected_unknown_sensor: u64,
    pub rejected_too_old: u64,
    pub out_of_sequence_applied: u64,
    pub reprocessed_scans: u64,
    pub tracks_initiated: u64,
    pub tracks_confirmed: u64,
    pub tracks_deleted: u64,
    pub numerical_failures: u64,
}

type Key = (Timestamp, SensorId, u64);

#[derive(Debug, Clone)]
struct Core<S> {
    tracks: Vec<TrackRecord<S>>,
    next_id: u64,
    latest: Option<Key>,
}

/// The multi-sensor multi-target tracker.
pub struct Tracker<P: Predictor, U: Updater<State = P::State>> {
    predictor: P,
    updater: U,
    gate: MahalanobisGate,
    associator: Box<dyn Associator>,
    tentative_associator: GnnAssociator,
    initiator: Box<dyn Initiator>,
    deleter: Box<dyn Deleter>,
    settings: TrackerSettings,
    sensors: HashMap<SensorId, SensorSite>,
    core: Core<P::State>,
    checkpoints: VecDeque<(Option<Key>, Core<P::State>)>,
    pending: VecDeque<(Key, Scan)>,
    seq: u64,
    stats: TrackerStats,
    pregate: PreGate,
}

impl<P: Predictor, U: Updater<State = P::State>> Tracker<P, U> {
    pub fn new(
        predictor: P,
        updater: U,
        associator: Box<dyn Associator>,
        initiator: Box<dyn Initiator>,
        deleter: Box<dyn Deleter>,
        settings: TrackerSettings,
    ) -> Result<Self, TrackError> {
        let s = &settings;
        let ok = |v: f64| v.is_finite();
        if !(ok(s.gate_probability) && s.gate_probability > 0.0 && s.gate_probability < 1.0) {
            return Err(TrackError::Config(
                "gate_probability must be in (0, 1)".into(),
            ));
        }
        if !(ok(s.detection_probability)
            && s.detection_probability > 0.0
            && s.detection_probability < 1.0)
        {
            return Err(TrackError::Config(
                "detection_probability must be in (0, 1)".into(),
            ));
        }
        if !(ok(s.clutter_density_per_m3) && s.clutter_density_per_m3 > 0.0) {
            return Err(TrackError::Config(
                "clutter_density_per_m3 must be positive".into(),
            ));
        }
        if !(ok(s.out_of_sequence_lag_s) && s.out_of_sequence_lag_s >= 0.0) {
            return Err(TrackError::Config(
                "out_of_sequence_lag_s must be non-negative".into(),
            ));
        }
        if !(ok(s.vertical_extent_m) && s.vertical_extent_m > 0.0) {
            return Err(TrackError::Config(
                "vertical_extent_m must be positive".into(),
            ));
        }
        Ok(Self {
            predictor,
            updater,
            gate: MahalanobisGate::new(settings.gate_probability),
            associator,
            tentative_associator: GnnAssociator::default(),
            initiator,
            deleter,
            settings,
            sensors: HashMap::new(),
            core: Core {
                tracks: Vec::new(),
                next_id: 1,
                latest: None,
            },
            checkpoints: VecDeque::new(),
            pending: VecDeque::new(),
            seq: 0,
            stats: TrackerStats::default(),
            pregate: PreGate::default(),
        })
    }

    /// Registers a sensor. Once any sensor is registered, scans from unregistered sensors are
    /// refused.
    pub fn register_sensor(&mut self, site: SensorSite) {
        self.sensors.insert(site.id, site);
    }

    pub fn stats(&self) -> &TrackerStats {
        &self.stats
    }

    pub fn settings(&self) -> &TrackerSettings {
        &self.settings
    }

    /// All live tracks (tentative ones included), in id order.
    pub fn tracks(&self) -> &[TrackRecord<P::State>] {
        &self.core.tracks
    }

    /// Confirmed and coasting tracks.
    pub fn confirmed(&self) -> impl Iterator<Item = &TrackRecord<P::State>> {
        self.core.tracks.iter().filter(|t| t.is_confirmed())
    }

    /// Time of the latest processed scan.
    pub fn latest_time(&self) -> Option<Timestamp> {
        self.core.latest.map(|k| k.0)
    }

    /// Processes one scan.
    pub fn process(&mut self, mut scan: Scan) -> Result<ScanReport, TrackError> {
        if !self.sensors.is_empty() && !self.sensors.contains_key(&scan.sensor.id) {
            self.stats.rejected_unknown_sensor += 1;
            return Err(TrackError::UnknownSensor(scan.sensor.id));
        }
        let before = scan.measurements.len();
        scan.measurements
            .retain(|m| m.validate().is_ok() && m.time == scan.time);
        let rejected = before - scan.measurements.len();
        self.stats.rejected_invalid += rejected as u64;
        self.stats.measurements += scan.measurements.len() as u64;
        self.seq += 1;
        let key: Key = (scan.time, scan.sensor.id, self.seq);
        let lag = crate::dur(self.settings.out_of_sequence_lag_s);
        let mut report = match self.core.latest {
            Some(latest) if key < latest => {
                if scan.time < latest.0 - lag || self.settings.out_of_sequence_lag_s == 0.0 {
                    self.stats.rejected_too_old += 1;
                    return Err(TrackError::TooOld {
                        time: scan.time,
                        latest: latest.0,
                    });
                }
                self.stats.out_of_sequence_applied += 1;
                self.replay_with(key, scan)?
            }
            _ => {
                self.maybe_checkpoint(scan.time);
                let report = self.process_in_order(key, &scan);
                if self.settings.out_of_sequence_lag_s > 0.0 {
                    self.pending.push_back((key, scan));
                }
                self.prune();
                report
            }
        };
        report.rejected_measurements = rejected;
        self.stats.scans += 1;
        Ok(report)
    }

    fn maybe_checkpoint(&mut self, now: Timestamp) {
        if self.settings.out_of_sequence_lag_s == 0.0 {
            return;
        }
        let interval = crate::dur(self.settings.out_of_sequence_lag_s * 0.5);
        let due = match self.checkpoints.back() {
            None => true,
            Some((Some(k), _)) => now - k.0 >= interval,
            Some((None, _)) => self.core.latest.is_some_and(|k| now - k.0 >= interval),
        };
        if due {
            self.checkpoints
                .push_back((self.core.latest, self.core.clone()));
        }
    }

    /// Drops checkpoints and pending scans no admissible late scan can need.
    fn prune(&mut self) {
        let Some(latest) = self.core.latest else {
            return;
        };
        let horizon = latest.0 - crate::dur(self.settings.out_of_sequence_lag_s);
        // Keep the newest checkpoint covering strictly before the horizon, and all after it.
        while self.checkpoints.len() >= 2 {
            let second = self.checkpoints[1].0;
            if second.is_some_and(|k| k.0 < horizon) {
                self.checkpoints.pop_front();
            } else {
                break;
            }
        }
        let floor = self.checkpoints.front().and_then(|c| c.0);
        if let Some(floor) = floor {
            while self.pending.front().is_some_and(|(k, _)| *k <= floor) {
                self.pending.pop_front();
            }
        }
    }

    /// Restores the newest checkpoint before `key`, then replays every later scan with the late
    /// one inserted in order.
    fn replay_with(&mut self, key: Key, scan: Scan) -> Result<ScanReport, TrackError> {
        let idx = self
            .checkpoints
            .iter()
            .rposition(|(k, _)| k.is_none_or(|k| k < key))
            .ok_or(TrackError::TooOld {
                time: scan.time,
                latest: self.core.latest.map_or(scan.time, |k| k.0),
            })?;
        let from = self.checkpoints[idx].0;
        self.core = self.checkpoints[idx].1.clone();
        self.checkpoints.truncate(idx + 1);
        let mut later: Vec<(Key, Scan)> = Vec::new();
        let mut kept = VecDeque::new();
        for (k, s) in self.pending.drain(..) {
            if from.is_none_or(|f| k > f) {
                later.push((k, s));
            } else {
                kept.push_back((k, s));
            }
        }
        self.pending = kept;
        later.push((key, scan));
        later.sort_by_key(|a| a.0);
        let mut last = ScanReport::default();
        let n = later.len();
        for (k, s) in later {
            if self.checkpoints.back().is_some_and(|(ck, _)| {
                ck.is_some_and(|ck| {
                    k.0 - ck.0 >= crate::dur(self.settings.out_of_sequence_lag_s * 0.5)
                })
            }) {
                self.checkpoints
                    .push_back((self.core.latest, self.core.clone()));
            }
            last = self.process_in_order(k, &s);
            self.pending.push_back((k, s));
        }
        self.prune();
        last.reprocessed_scans = n - 1;
        self.stats.reprocessed_scans += (n - 1) as u64;
        Ok(last)
    }

    fn process_in_order(&mut self, key: Key, scan: &Scan) -> ScanReport {
        let mut report = ScanReport::default();
        let t = scan.time;
        let pd = self.settings.detection_probability;
        let initiator = self.initiator.as_ref();

        // 1. Predict every track to the scan time.
        let mut failed: Vec<usize> = Vec::new();
        for (i, rec) in self.core.tracks.iter_mut().enumerate() {
            let dt = t.seconds_since(rec.time);
            match self.predictor.predict_in_place(&mut rec.state, dt) {
                Ok(()) => rec.time = t,
                Err(_) => failed.push(i),
            }
        }

        // 2. Measurement models and the spatial pre-gate.
        let models: Vec<AnyModel> = scan.measurements.iter().map(AnyModel::of).collect();
        let converted: Vec<(Vector3<f64>, f64)> = models
            .iter()
            .map(|m| {
                let (p, c) = initiator.initial_kinematics(m);
                let pos = Vector3::new(p[0], p[2], p[4]);
                (pos, c[(0, 0)] + c[(2, 2)] + c[(4, 4)])
            })
            .collect();
        let max_meas_var = converted.iter().map(|c| c.1).fold(0.0, f64::max);
        let g_max = self.gate.threshold(3);
        // Cells sized by the typical report accuracy; queries use the worst one, and each
        // candidate is then screened with its own accuracy before any innovation is computed.
        let mut vars: Vec<f64> = converted.iter().map(|c| c.1).collect();
        let typical_var = if vars.is_empty() {
            0.0
        } else {
            let mid = vars.len() / 2;
            *vars.select_nth_unstable_by(mid, f64::total_cmp).1
        };
        self.pregate.rebuild(
            converted.iter().map(|c| c.0),
            (g_max * typical_var).sqrt().max(1000.0),
        );

        // Clutter density in each report's own measurement space.
        let lambda: Vec<f64> = models
            .iter()
            .map(|m| {
                self.settings.clutter_density_per_m3
                    * volume_element(m, self.settings.vertical_extent_m)
            })
            .collect();
        let ln_pd_ratio = pd.ln() - (1.0 - pd).ln();

        // 3. Gate.
        let mut confirmed_pairs: Vec<GatedPair> = Vec::new();
        let mut tentative_pairs: Vec<GatedPair> = Vec::new();
        let mut candidates: Vec<usize> = Vec::new();
        for (i, rec) in self.core.tracks.iter().enumerate() {
            if failed.contains(&i) {
                continue;
            }
            let track_var = rec.state.position_cov().trace();
            let radius = (g_max * (track_var + max_meas_var)).sqrt();
            let pos = rec.state.position();
            let confirmed = rec.is_confirmed();
            candidates.clear();
            self.pregate.within(&pos, radius, |j| candidates.push(j));
            candidates.sort_unstable();
            for &j in &candidates {
                // Necessary condition for the Mahalanobis gate: eᵀS⁻¹e ≥ |e|²/trace(S), with
                // S ≈ P + R in Cartesian terms.
                let (p_j, var_j) = converted[j];
                if (p_j - pos).norm_squared() > g_max * (track_var + var_j) {
                    continue;
                }
                let Ok(inn) = self.updater.innovate(&rec.state, &models[j]) else {
                    continue;
                };
                if !self.gate.accepts(&inn) {
                    continue;
                }
                let llr = ln_pd_ratio + inn.log_likelihood() - lambda[j].ln();
                let pair = GatedPair {
                    track: i,
                    measurement: j,
                    innovation: inn,
                    log_likelihood_ratio: llr,
                };
                if confirmed {
                    confirmed_pairs.push(pair);
                } else {
                    tentative_pairs.push(pair);
                }
            }
        }
        report.gated_pairs = confirmed_pairs.len() + tentative_pairs.len();

        // 4. Associate confirmed tracks, then tentative ones with what is left.
        let n_tracks = self.core.tracks.len();
        let n_meas = models.len();
        let outcome = self
            .associator
            .associate(n_tracks, n_meas, &confirmed_pairs, pd);
        report.largest_cluster = outcome.largest_cluster;
        let mut claim = outcome.measurement_claim.clone();
        tentative_pairs.retain(|p| claim[p.measurement] < self.settings.claim_threshold);
        let tentative_outcome =
            self.tentative_associator
                .associate(n_tracks, n_meas, &tentative_pairs, pd);
        for (c, tc) in claim.iter_mut().zip(&tentative_outcome.measurement_claim) {
            *c = (*c + tc).min(1.0);
        }

        // 5. Update.
        let mut hit = vec![false; n_tracks];
        let mut hit_llr = vec![0.0; n_tracks];
        for (assoc, pairs) in [
            (&outcome.tracks, &confirmed_pairs),
            (&tentative_outcome.tracks, &tentative_pairs),
        ] {
            for (i, a) in assoc.iter().enumerate() {
                let rec = &mut self.core.tracks[i];
                let result = match a {
                    TrackAssociation::Missed => continue,
                    TrackAssociation::Single(k) => {
                        let p = &pairs[*k];
                        hit_llr[i] = p.log_likelihood_ratio;
                        self.updater.update_in_place(
                            &mut rec.state,
                            &models[p.measurement],
                            &p.innovation,
                        )
                    }
                    TrackAssociation::Weighted { pairs: list, miss } => {
                        let hyps: Vec<(&AnyModel, &Innovation)> = list
                            .iter()
                            .map(|(k, _)| (&models[pairs[*k].measurement], &pairs[*k].innovation))
                            .collect();
                        let w: Vec<f64> = list.iter().map(|(_, b)| *b).collect();
                        hit_llr[i] = list
                            .iter()
                            .map(|(k, b)| b * pairs[*k].log_likelihood_ratio)
                            .sum::<f64>();
                        if *miss > 0.5 {
                            continue;
                        }
                        self.updater
                            .update_weighted(&rec.state, &hyps, &w, *miss)
                            .map(|s| rec.state = s)
                    }
                };
                match result {
                    Ok(()) => hit[i] = true,
                    Err(_) => self.stats.numerical_failures += 1,
                }
            }
        }

        // 6. Life bookkeeping, confirmation and deletion.
        let counts_misses = scan.full_scan && scan.sensor.kind != SensorKind::PositionReport;
        let ln_miss = (1.0 - pd).ln();
        let mut remove = vec![false; n_tracks];
        for &i in &failed {
            remove[i] = true;
            self.stats.numerical_failures += 1;
            report
                .deleted
                .push((self.core.tracks[i].id, DeleteReason::NumericalFailure));
        }
        for i in 0..n_tracks {
            if remove[i] {
                continue;
            }
            let rec = &mut self.core.tracks[i];
            if hit[i] {
                rec.life.hits += 1;
                rec.life.consecutive_misses = 0;
                rec.life.history = (rec.life.history << 1) | 1;
                rec.life.score += hit_llr[i];
                rec.last_update = t;
                if !rec.sensors.contains(&scan.sensor.id) {
                    rec.sensors.push(scan.sensor.id);
                }
                report.updated += 1;
            } else if counts_misses {
                rec.life.consecutive_misses += 1;
                rec.life.history <<= 1;
                rec.life.score += ln_miss;
            }
            if hit[i] || counts_misses {
                rec.life.opportunities += 1;
            }
            rec.life.since_update_s = t.seconds_since(rec.last_update);
            match rec.status {
                TrackStatus::Tentative => {
                    rec.tentative_times.push(t);
                    match initiator.decide(&rec.life) {
                        InitiationDecision::Confirm => {
                            rec.status = TrackStatus::Confirmed;
                            report.confirmed.push(rec.id);
                            self.stats.tracks_confirmed += 1;
                            for &tau in &rec.tentative_times {
                                if tau >= t {
                                    continue;
                                }
                                if let Ok(past) =
                                    self.predictor.predict(&rec.state, tau.seconds_since(t))
                                {
                                    let (state, covariance) = past.kinematics();
                                    report.history.push(HistoryState {
                                        track: rec.id,
                                        time: tau,
                                        state,
                                        covariance,
                                    });
                                }
                            }
                            rec.tentative_times = Vec::new();
                        }
                        InitiationDecision::Drop => {
                            remove[i] = true;
                            report
                                .deleted
                                .push((rec.id, DeleteReason::TentativeDropped));
                        }
                        InitiationDecision::Keep => {}
                    }
                }
                TrackStatus::Confirmed | TrackStatus::Coasting => {
                    if let Some(reason) = self
                        .deleter
                        .should_delete(&rec.life, &rec.state.position_cov())
                    {
                        remove[i] = true;
                        report.deleted.push((rec.id, reason));
                    } else {
                        rec.status = if rec.life.consecutive_misses >= 2 {
                            TrackStatus::Coasting
                        } else {
                            TrackStatus::Confirmed
                        };
                    }
                }
                TrackStatus::Deleted => remove[i] = true,
            }
        }
        self.stats.tracks_deleted += report
            .deleted
            .iter()
            .filter(|d| d.1 != DeleteReason::TentativeDropped)
            .count() as u64;
        let mut k = 0;
        self.core.tracks.retain(|_| {
            let keep = !remove[k];
            k += 1;
            keep
        });

        // 7. New tentative tracks from unclaimed reports.
        for (j, m) in models.iter().enumerate() {
            if claim[j] >= self.settings.claim_threshold {
                continue;
            }
            let (mean, cov) = initiator.initial_kinematics(m);
            let state = self.predictor.initial_state(&mean, &cov);
            let id = TrackId(self.core.next_id);
            self.core.next_id += 1;
            self.core.tracks.push(TrackRecord {
                id,
                state,
                time: t,
                status: TrackStatus::Tentative,
                life: TrackLife {
                    status: Some(TrackStatus::Tentative),
                    hits: 1,
                    opportunities: 1,
                    consecutive_misses: 0,
                    history: 1,
                    score: initiator.initial_score(),
                    since_update_s: 0.0,
                },
                created: t,
                last_update: t,
                sensors: vec![scan.sensor.id],
                tentative_times: vec![t],
            });
            report.initiated += 1;
            self.stats.tracks_initiated += 1;
        }
        self.core.latest = Some(key);
        report
    }
}

/// |det ∂(Cartesian)/∂z| at the report: converts a Cartesian clutter density into the
/// report's measurement space.
fn volume_element(m: &AnyModel, vertical_extent: f64) -> f64 {
    match m {
        AnyModel::Polar3(p) => {
            let (r, el) = (p.z.x, p.z.z);
            (r * r * el.cos()).abs().max(1.0)
        }
        AnyModel::Polar2(p) => (p.range * vertical_extent).abs().max(1.0),
        AnyModel::Polar2Height(p) => p.z.x.abs().max(1.0),
        AnyModel::Position(_) => 1.0,
    }
}
