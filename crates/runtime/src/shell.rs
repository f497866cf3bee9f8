//! The tokio shell around the core (after mini-redis: a thin async layer around a synchronous
//! core, bounded channels, graceful shutdown).
//!
//! ```text
//!  ingest tasks ──(bounded data queue: try_send, drops counted)──┐
//!  tick task, fire units ──(control queue: never dropped)────────┤
//!  HTTP handlers ──(operator actions with a reply, queries)──────┤
//!                                                                ▼
//!                         core thread: journal.append → core.apply → journal.commit
//!                                   │                      │
//!              deltas (broadcast, JSON once)      orders → fire units
//!              snapshot cache (watch), history ring
//! ```
//!
//! The core runs on its own OS thread: it is CPU-bound and synchronous, and must never stall
//! the network tasks. Control messages (ticks, operator actions, fire-unit reports, queries)
//! are served before sensor data. The journal is committed after every batch and always
//! before an operator action is answered.

use crate::clock::Clock;
use crate::core::{Core, CoreCounters, FireOrder};
use crate::input::{Input, OperatorAction, Role};
use crate::journal::{Journal, JournalError, JournalStats};
use crate::metrics::Metrics;
use crate::view::{Delta, Origin, Snapshot, Stats, TrackChanges};
use crate::workflow::{ActionError, EngagementRecord};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

/// An input with the instant the shell received it (for latency metrics; not journaled).
#[derive(Debug)]
pub struct Envelope {
    pub input: Input,
    pub received: Instant,
    /// Offered without back-pressure (UDP): may be shed when it waited too long.
    pub sheddable: bool,
}

impl Envelope {
    pub fn now(input: Input) -> Self {
        Self {
            input,
            received: Instant::now(),
            sheddable: false,
        }
    }

    fn offered(input: Input) -> Self {
        Self {
            sheddable: true,
            ..Self::now(input)
        }
    }
}

/// Read access to the core from a query.
pub struct CoreAccess<'a> {
    pub core: &'a Core,
    /// Sequence number of the latest published delta.
    pub seq: u64,
    pub speed: f64,
    pub paused: bool,
    pub dropped: u64,
}

impl CoreAccess<'_> {
    /// The whole picture now (tracks at their last update, with trails).
    pub fn snapshot(&self, with_trails: bool) -> Snapshot {
        let c = self.core;
        let now = c.now();
        let site = c.site();
        let mut engagements: Vec<EngagementRecord> = c.workflow().records().cloned().collect();
        engagements.reverse();
        let mut stats = c.stats();
        stats.dropped = self.dropped;
        Snapshot {
            kind: "snapshot".into(),
            version: self.seq,
            t_s: c.t_s(now),
            time_ns: now.0,
            origin: Origin {
                lat_deg: site.origin_lat_deg,
                lon_deg: site.origin_lon_deg,
            },
            scenario: site.name.clone(),
            speed: self.speed,
            paused: self.paused,
            tracks: c.picture().views(None, with_trails),
            sensors: c.sensor_views(),
            assets: c.asset_views(),
            launchers: c.launcher_views(),
            engagements,
            stats,
        }
    }
}

type Query = Box<dyn FnOnce(&CoreAccess<'_>) + Send>;
type ActionResult = Result<EngagementRecord, ActionError>;
type Reply = oneshot::Sender<ActionResult>;

/// Messages served before sensor data.
pub enum Control {
    /// A tick or a fire-unit report.
    Input(Envelope),
    /// An operator action; answered after it is journaled and committed.
    Operator {
        input: Input,
        reply: oneshot::Sender<Result<EngagementRecord, ActionError>>,
    },
    /// Runs a closure on the core thread between inputs.
    Query(Query),
}

/// A bounded ring of past pictures (snapshot JSON without trails), by scenario time.
#[derive(Debug, Default)]
pub struct History {
    entries: VecDeque<(f64, Arc<str>)>,
    bytes: usize,
    budget: usize,
    step_s: f64,
}

impl History {
    pub fn new(step_s: f64, budget_bytes: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            bytes: 0,
            budget: budget_bytes,
            step_s,
        }
    }

    pub fn step_s(&self) -> f64 {
        self.step_s
    }

    /// Whether an entry at `t_s` is due.
    pub fn due(&self, t_s: f64) -> bool {
        self.entries
            .back()
            .is_none_or(|(t, _)| t_s - t >= self.step_s - 1e-6)
    }

    pub fn push(&mut self, t_s: f64, json: Arc<str>) {
        self.bytes += json.len();
        self.entries.push_back((t_s, json));
        while self.bytes > self.budget && self.entries.len() > 1 {
            if let Some((_, old)) = self.entries.pop_front() {
                self.bytes -= old.len();
            }
        }
    }

    /// `(first, last)` scenario times held.
    pub fn range(&self) -> Option<(f64, f64)> {
        Some((self.entries.front()?.0, self.entries.back()?.0))
    }

    /// The latest entry at or before `t_s`.
    pub fn at(&self, t_s: f64) -> Option<Arc<str>> {
        let i = self.entries.partition_point(|(t, _)| *t <= t_s + 1e-6);
        (i > 0).then(|| self.entries[i - 1].1.clone())
    }
}

/// Settings of the shell.
#[derive(Debug, Clone)]
pub struct ShellConfig {
    pub journal: PathBuf,
    /// Capacity of the sensor-data queue (inputs beyond are dropped and counted).
    pub data_capacity: usize,
    /// Scenario seconds between ticks.
    pub tick_s: f64,
    pub history_step_s: f64,
    pub history_budget_bytes: usize,
    /// Smallest interval between two deltas that carry only track updates (a browser cannot
    /// render hundreds of messages a second); cycles and engagement changes go out at once.
    pub min_delta_interval: std::time::Duration,
    /// Offered sensor data (UDP) that waited longer than this in the queue is dropped
    /// unapplied (counted as `tessera_dropped_total{name="stale"}`): under overload the
    /// picture stays current instead of falling ever further behind. `None`: never shed.
    pub max_data_age: Option<std::time::Duration>,
    /// Deltas the broadcast ring holds for slow stream clients (one that falls further behind
    /// gets a fresh snapshot).
    pub delta_ring: usize,
}

impl ShellConfig {
    pub fn new(journal: &Path) -> Self {
        Self {
            journal: journal.to_path_buf(),
            data_capacity: 8192,
            tick_s: 1.0,
            history_step_s: 1.0,
            history_budget_bytes: 256 << 20,
            min_delta_interval: std::time::Duration::from_millis(10),
            max_data_age: Some(std::time::Duration::from_secs(1)),
            delta_ring: 256,
        }
    }
}

/// Where the picture stands, refreshed every cycle (the whole picture is a query).
#[derive(Debug, Clone, Copy, Default)]
pub struct SnapshotCache {
    pub version: u64,
    pub t_s: f64,
    pub tracks: u64,
}

/// Journal figures the API reports.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct JournalInfo {
    pub path: String,
    pub run: i64,
    pub inputs: u64,
    pub actions: u64,
    pub bytes: u64,
    pub ok: bool,
}

/// The handle everything outside the core thread uses.
#[derive(Clone)]
pub struct Handle {
    data_tx: mpsc::Sender<Envelope>,
    ctl_tx: mpsc::Sender<Control>,
    pub deltas: broadcast::Sender<Arc<str>>,
    pub snapshot: watch::Receiver<SnapshotCache>,
    pub journal: watch::Receiver<JournalInfo>,
    pub history: Arc<Mutex<History>>,
    pub clock: Arc<Clock>,
    pub metrics: Arc<Metrics>,
    shutdown: watch::Sender<bool>,
    started: Instant,
}

/// The core thread is gone (shut down or failed).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the core has stopped")]
pub struct CoreGone;

impl Handle {
    /// Counts a sensor-data input of `source` (messages and bytes).
    fn count_ingest(&self, source: &str, input: &Input) {
        if let Input::Asterix { data: bytes, .. } | Input::Sbs { lines: bytes, .. } = input {
            self.metrics
                .ingest_messages
                .get_or_create(&Metrics::name(source))
                .inc();
            self.metrics
                .ingest_bytes
                .get_or_create(&Metrics::name(source))
                .inc_by(bytes.len() as u64);
        }
    }

    /// Offers sensor data; `false` (and a counted drop) when the queue is full.
    pub fn offer(&self, source: &str, input: Input) -> bool {
        self.count_ingest(source, &input);
        match self.data_tx.try_send(Envelope::offered(input)) {
            Ok(()) => true,
            Err(_) => {
                self.metrics
                    .dropped
                    .get_or_create(&Metrics::name("data"))
                    .inc();
                false
            }
        }
    }

    /// Sends sensor data, waiting for room (back-pressure: TCP streams, file replay).
    pub async fn send(&self, source: &str, input: Input) -> Result<(), CoreGone> {
        self.count_ingest(source, &input);
        self.data_tx
            .send(Envelope::now(input))
            .await
            .map_err(|_| CoreGone)
    }

    /// A tick or fire-unit report (never dropped).
    pub async fn control(&self, input: Input) -> Result<(), CoreGone> {
        self.ctl_tx
            .send(Control::Input(Envelope::now(input)))
            .await
            .map_err(|_| CoreGone)
    }

    /// An operator action: journaled, committed, applied; the updated record or the refusal.
    pub async fn operator(
        &self,
        user: &str,
        role: Role,
        action: OperatorAction,
    ) -> Result<Result<EngagementRecord, ActionError>, CoreGone> {
        let (tx, rx) = oneshot::channel();
        let input = Input::Operator {
            t_ns: self.clock.now_ns(),
            user: user.to_string(),
            role,
            action,
        };
        self.ctl_tx
            .send(Control::Operator { input, reply: tx })
            .await
            .map_err(|_| CoreGone)?;
        rx.await.map_err(|_| CoreGone)
    }

    /// Runs `f` on the core thread and returns its result.
    pub async fn query<T: Send + 'static>(
        &self,
        f: impl FnOnce(&CoreAccess<'_>) -> T + Send + 'static,
    ) -> Result<T, CoreGone> {
        let (tx, rx) = oneshot::channel();
        self.ctl_tx
            .send(Control::Query(Box::new(move |c| {
                let _ = tx.send(f(c));
            })))
            .await
            .map_err(|_| CoreGone)?;
        rx.await.map_err(|_| CoreGone)
    }

    /// Inputs waiting in the data queue.
    pub fn queue_depth(&self) -> usize {
        self.data_tx.max_capacity() - self.data_tx.capacity()
    }

    pub fn uptime_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Asks every task to stop.
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Drops counted so far (queue full, and shed because they waited too long).
    pub fn dropped(&self) -> u64 {
        self.metrics.dropped_total()
    }
}

struct Loop {
    core: Core,
    journal: Journal,
    seq: u64,
    deltas: broadcast::Sender<Arc<str>>,
    snapshot: watch::Sender<SnapshotCache>,
    journal_info: watch::Sender<JournalInfo>,
    history: Arc<Mutex<History>>,
    /// Snapshots for the history ring, serialised off the core thread.
    history_tx: std::sync::mpsc::SyncSender<Snapshot>,
    clock: Arc<Clock>,
    metrics: Arc<Metrics>,
    orders: Option<mpsc::Sender<FireOrder>>,
    cycle_ms: VecDeque<f64>,
    last: CoreCounters,
    replies: Vec<(Reply, ActionResult)>,
    marks: Vec<Instant>,
    changed: bool,
    cycled: bool,
    failed: Option<JournalError>,
    last_publish: Instant,
    min_interval: std::time::Duration,
    deferred: bool,
}

impl Loop {
    fn access(&self) -> CoreAccess<'_> {
        CoreAccess {
            core: &self.core,
            seq: self.seq,
            speed: self.clock.speed(),
            paused: self.clock.paused(),
            dropped: self.metrics.dropped_total(),
        }
    }

    fn apply(&mut self, env: Envelope) -> Option<Result<EngagementRecord, ActionError>> {
        let seq = match self.journal.append(&env.input) {
            Ok(s) => s,
            Err(e) => {
                // An input that cannot be journaled is not applied: replay must stay exact.
                tracing::error!("journal append failed: {e}");
                self.failed = Some(e);
                return Some(Err(ActionError::Invalid("journal unavailable".into())));
            }
        };
        self.metrics
            .inputs
            .get_or_create(&Metrics::name(env.input.kind()))
            .inc();
        let sw = Instant::now();
        let fx = self.core.apply(&env.input);
        if let Some(c) = &fx.cycle {
            let ms = sw.elapsed().as_secs_f64() * 1e3;
            self.metrics.cycle_seconds.observe(ms * 1e-3);
            self.cycle_ms.push_back(ms);
            while self.cycle_ms.len() > 300 {
                self.cycle_ms.pop_front();
            }
            if let Err(e) = self.journal.record_cycle(seq, c.t_ns, c.version, c.digest) {
                tracing::error!("journal cycle row failed: {e}");
            }
            self.cycled = true;
        }
        if fx.tracks_changed {
            self.changed = true;
            self.marks.push(env.received);
        }
        if let Some(tx) = &self.orders {
            for o in fx.orders {
                if tx.try_send(o).is_err() {
                    tracing::warn!("fire-unit queue full: order dropped");
                }
            }
        }
        fx.reply
    }

    fn p99_cycle_ms(&self) -> f64 {
        if self.cycle_ms.is_empty() {
            return 0.0;
        }
        let mut v: Vec<f64> = self.cycle_ms.iter().copied().collect();
        v.sort_by(f64::total_cmp);
        v[((v.len() as f64 * 0.99).ceil() as usize).clamp(1, v.len()) - 1]
    }

    fn stats(&self) -> Stats {
        let mut s = self.core.stats();
        s.dropped = self.metrics.dropped_total();
        s.cycle_ms_p99 = self.p99_cycle_ms();
        s
    }

    /// Commits, answers operator actions, publishes a delta, refreshes caches.
    fn end_batch(&mut self) {
        if self.journal.pending() > 0 {
            let sw = Instant::now();
            if let Err(e) = self.journal.commit() {
                tracing::error!("journal commit failed: {e}");
                self.failed = Some(e);
            }
            self.metrics
                .journal_commit_seconds
                .observe(sw.elapsed().as_secs_f64());
            let st: JournalStats = self.journal.stats();
            self.journal_info.send_modify(|j| {
                j.inputs = st.inputs;
                j.actions = st.actions;
                j.bytes = st.bytes;
                j.ok = self.failed.is_none();
            });
        }
        for (tx, r) in self.replies.drain(..) {
            let _ = tx.send(r);
        }
        let track_only = !self.cycled && !self.core.has_record_changes();
        if track_only && self.last_publish.elapsed() < self.min_interval {
            self.deferred = true;
        } else {
            self.publish();
        }
        self.mirror_counters();
    }

    /// When a deferred delta is due.
    fn publish_due(&self) -> tokio::time::Instant {
        tokio::time::Instant::from_std(self.last_publish + self.min_interval)
    }

    fn publish(&mut self) {
        self.deferred = false;
        let cycled = std::mem::take(&mut self.cycled);
        let changed = std::mem::take(&mut self.changed);
        let (ids, removed) = self.core.picture_mut().take_changes();
        let engagements = self.core.take_changed_engagements();
        let launchers = self.core.take_changed_launchers();
        if !(cycled || changed || !ids.is_empty() || !removed.is_empty() || !engagements.is_empty())
        {
            return;
        }
        let now = self.core.now();
        let upsert = ids
            .iter()
            .filter_map(|&id| self.core.picture().view(id, None, false))
            .collect();
        self.seq += 1;
        let delta = Delta {
            kind: "delta".into(),
            version: self.seq,
            t_s: self.core.t_s(now),
            time_ns: now.0,
            tracks: TrackChanges {
                upsert,
                remove: removed.iter().map(|t| t.0).collect(),
            },
            engagements,
            launchers,
            sensors: if cycled {
                self.core.sensor_views()
            } else {
                Vec::new()
            },
            speed: self.clock.speed(),
            paused: self.clock.paused(),
            stats: self.stats(),
        };
        if let Ok(json) = serde_json::to_string(&delta) {
            let _ = self.deltas.send(Arc::from(json));
        }
        let done = Instant::now();
        self.last_publish = done;
        for m in self.marks.drain(..) {
            self.metrics
                .ingest_to_publish_seconds
                .observe(done.duration_since(m).as_secs_f64());
        }
        if cycled {
            let t_s = self.core.t_s(now);
            let tracks = self.core.picture().tracks().count() as u64;
            let _ = self.snapshot.send(SnapshotCache {
                version: self.seq,
                t_s,
                tracks,
            });
            let due = self.history.lock().expect("history").due(t_s);
            if due {
                // Serialised on the history thread: the core goes back to the feeds.
                let light = self.access().snapshot(false);
                if self.history_tx.try_send(light).is_err() {
                    tracing::debug!("history writer busy: entry skipped");
                }
            }
        }
    }

    fn mirror_counters(&mut self) {
        let c = self.core.counters().clone();
        if c == self.last {
            return;
        }
        let g = |n: &str, v: u64| {
            self.metrics
                .core
                .get_or_create(&Metrics::name(n))
                .set(v as i64)
        };
        g("plots", c.plots);
        g("adsb_reports", c.adsb_reports);
        g("records", c.records);
        g("decode_errors", c.decode_errors);
        g("measurement_errors", c.measurement_errors);
        g("unknown_sensor", c.unknown_sensor);
        g("scans_refused", c.scans_refused);
        g("plans", c.plans);
        g("plan_errors", c.plan_errors);
        g("orders", c.orders);
        g("approvals", c.approvals);
        g("rejections", c.rejections);
        g("actions_refused", c.actions_refused);
        g("launches", c.launches);
        g("kills", c.kills);
        g("misses", c.misses);
        g("sbs_inputs", c.sbs_inputs);
        g("sbs_messages", c.sbs_messages);
        g("sbs_positions", c.sbs_positions);
        g("sbs_errors", c.sbs_errors);
        let t = self.core.picture().tracker().stats();
        g("initiations_refused", t.initiations_refused);
        g("out_of_sequence_applied", t.out_of_sequence_applied);
        g("rejected_too_old", t.rejected_too_old);
        let s = self.core.stats();
        self.metrics
            .tracks
            .get_or_create(&Metrics::name("confirmed"))
            .set(s.tracks_confirmed as i64);
        self.metrics
            .tracks
            .get_or_create(&Metrics::name("tentative"))
            .set(s.tracks_tentative as i64);
        self.last = c;
    }
}

/// Starts the core thread. `orders` receives the fire orders of approved engagements.
pub fn start(
    core: Core,
    cfg: &ShellConfig,
    clock: Arc<Clock>,
    orders: Option<mpsc::Sender<FireOrder>>,
) -> Result<(Handle, std::thread::JoinHandle<()>), JournalError> {
    let started_unix_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    let journal = Journal::create(&cfg.journal, core.site(), started_unix_ns)?;
    let (data_tx, mut data_rx) = mpsc::channel::<Envelope>(cfg.data_capacity.max(1));
    let (ctl_tx, mut ctl_rx) = mpsc::channel::<Control>(1024);
    let (deltas, _) = broadcast::channel(cfg.delta_ring.max(16));
    let (snap_tx, snap_rx) = watch::channel(SnapshotCache::default());
    let (jtx, jrx) = watch::channel(JournalInfo {
        path: cfg.journal.display().to_string(),
        run: journal.run(),
        ok: true,
        ..Default::default()
    });
    let (shutdown, mut stop) = watch::channel(false);
    let metrics = Arc::new(Metrics::new());
    let history = Arc::new(Mutex::new(History::new(
        cfg.history_step_s,
        cfg.history_budget_bytes,
    )));
    let handle = Handle {
        data_tx,
        ctl_tx,
        deltas: deltas.clone(),
        snapshot: snap_rx,
        journal: jrx,
        history: history.clone(),
        clock: clock.clone(),
        metrics: metrics.clone(),
        shutdown,
        started: Instant::now(),
    };
    let (history_tx, history_rx) = std::sync::mpsc::sync_channel::<Snapshot>(2);
    {
        let history = history.clone();
        std::thread::Builder::new()
            .name("tessera-history".into())
            .spawn(move || {
                while let Ok(light) = history_rx.recv() {
                    if let Ok(json) = serde_json::to_string(&light) {
                        history
                            .lock()
                            .expect("history")
                            .push(light.t_s, Arc::from(json));
                    }
                }
            })
            .map_err(|e| JournalError::Content {
                path: cfg.journal.clone(),
                what: format!("cannot start the history thread: {e}"),
            })?;
    }
    let mut lp = Loop {
        history_tx,
        core,
        journal,
        seq: 0,
        deltas,
        snapshot: snap_tx,
        journal_info: jtx,
        history,
        clock,
        metrics,
        orders,
        cycle_ms: VecDeque::new(),
        last: CoreCounters::default(),
        replies: Vec::new(),
        marks: Vec::new(),
        changed: false,
        cycled: true,
        failed: None,
        last_publish: Instant::now(),
        min_interval: cfg.min_delta_interval,
        deferred: false,
    };
    let depth = handle.clone();
    let max_age = cfg.max_data_age;
    let thread = std::thread::Builder::new()
        .name("tessera-core".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!("core runtime: {e}");
                    return;
                }
            };
            rt.block_on(async move {
                // First snapshot so that the API has something before the first tick.
                lp.publish();
                loop {
                    let due = lp.publish_due();
                    let first = tokio::select! {
                        biased;
                        _ = stop.changed() => break,
                        _ = tokio::time::sleep_until(due), if lp.deferred => {
                            lp.publish();
                            continue;
                        }
                        c = ctl_rx.recv() => match c { Some(c) => Msg::Ctl(c), None => break },
                        d = data_rx.recv() => match d { Some(d) => Msg::Data(d), None => break },
                    };
                    let mut next = Some(first);
                    let mut n = 0;
                    let batch_start = Instant::now();
                    while let Some(m) = next.take() {
                        match m {
                            Msg::Ctl(Control::Input(env)) => {
                                lp.apply(env);
                            }
                            Msg::Ctl(Control::Operator { input, reply }) => {
                                if let Some(r) = lp.apply(Envelope::now(input)) {
                                    lp.replies.push((reply, r));
                                }
                                // Commit and answer before anything else.
                                lp.end_batch();
                            }
                            Msg::Ctl(Control::Query(f)) => {
                                let acc = lp.access();
                                f(&acc);
                            }
                            Msg::Data(env) => {
                                if env.sheddable
                                    && max_age.is_some_and(|a| env.received.elapsed() > a)
                                {
                                    lp.metrics
                                        .dropped
                                        .get_or_create(&Metrics::name("stale"))
                                        .inc();
                                } else {
                                    lp.apply(env);
                                }
                            }
                        }
                        n += 1;
                        // Publish at least every few milliseconds of work, however much
                        // is queued: latency is bounded by the batch, not by the backlog.
                        if n >= 512 || batch_start.elapsed() >= BATCH_BUDGET {
                            break;
                        }
                        next = match ctl_rx.try_recv() {
                            Ok(c) => Some(Msg::Ctl(c)),
                            Err(_) => data_rx.try_recv().ok().map(Msg::Data),
                        };
                    }
                    lp.end_batch();
                    lp.metrics.queue_depth.set(depth.queue_depth() as i64);
                }
                lp.end_batch();
            });
        })
        .map_err(|e| JournalError::Content {
            path: cfg.journal.clone(),
            what: format!("cannot start the core thread: {e}"),
        })?;
    Ok((handle, thread))
}

/// Most work between two publications.
const BATCH_BUDGET: std::time::Duration = std::time::Duration::from_millis(4);

enum Msg {
    Ctl(Control),
    Data(Envelope),
}

/// Sends a tick at every `tick_s` of scenario time until shutdown.
pub async fn run_ticks(handle: Handle, tick_s: f64) {
    let mut stop = handle.shutdown_signal();
    let step = (tick_s * 1e9) as i64;
    let mut next = (handle.clock.now_ns() / step + 1) * step;
    loop {
        let wait = handle.clock.wall_until(next).unwrap_or(0.1).min(1.0);
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(std::time::Duration::from_secs_f64(wait)) => {}
        }
        let now = handle.clock.now_ns();
        if now >= next {
            if handle.control(Input::Tick { t_ns: next }).await.is_err() {
                return;
            }
            next += step;
            // After a long stall (or a fast-forward), skip to the present.
            if now - next > 10 * step {
                next = (now / step + 1) * step;
            }
        }
    }
}
