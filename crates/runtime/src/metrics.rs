//! Prometheus metrics of the live system (prometheus-client): ingest, drops, journal, core
//! cycle and publication latency, tracks by state, stream clients, HTTP requests.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::Mutex;

/// Label: a name.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct NameLabel {
    pub name: String,
}

/// Labels of an HTTP request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub route: String,
    pub status: u16,
}

/// Every metric, registered once.
pub struct Metrics {
    registry: Mutex<Registry>,
    /// Datagrams and chunks received, by source.
    pub ingest_messages: Family<NameLabel, Counter>,
    pub ingest_bytes: Family<NameLabel, Counter>,
    /// Inputs dropped because the core's queue was full, by queue.
    pub dropped: Family<NameLabel, Counter>,
    /// Inputs applied by the core, by kind.
    pub inputs: Family<NameLabel, Counter>,
    /// Core counters (plots, decode errors, …), mirrored.
    pub core: Family<NameLabel, Gauge>,
    /// Tracks by state.
    pub tracks: Family<NameLabel, Gauge>,
    pub cycle_seconds: Histogram,
    /// Reception of an input to publication of the delta it caused.
    pub ingest_to_publish_seconds: Histogram,
    pub journal_commit_seconds: Histogram,
    pub stream_clients: Gauge,
    pub http_requests: Family<HttpLabels, Counter>,
    pub queue_depth: Gauge,
    /// Datagrams the kernel dropped on a full socket buffer before Tessera could read them
    /// (Linux `/proc/net/udp`), by UDP source.
    pub udp_kernel_drops: Family<NameLabel, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every sensor-data drop: queue full (`data`) and shed as stale (`stale`).
    pub fn dropped_total(&self) -> u64 {
        ["data", "stale"]
            .iter()
            .map(|n| self.dropped.get_or_create(&Self::name(n)).get())
            .sum()
    }

    pub fn new() -> Self {
        let m = Self {
            registry: Mutex::new(Registry::with_prefix("tessera")),
            ingest_messages: Family::default(),
            ingest_bytes: Family::default(),
            dropped: Family::default(),
            inputs: Family::default(),
            core: Family::default(),
            tracks: Family::default(),
            cycle_seconds: Histogram::new(exponential_buckets(1e-4, 2.0, 16)),
            ingest_to_publish_seconds: Histogram::new(exponential_buckets(1e-5, 2.0, 18)),
            journal_commit_seconds: Histogram::new(exponential_buckets(1e-5, 2.0, 16)),
            stream_clients: Gauge::default(),
            http_requests: Family::default(),
            queue_depth: Gauge::default(),
            udp_kernel_drops: Family::default(),
        };
        {
            let mut r = m.registry.lock().expect("registry");
            r.register(
                "ingest_messages",
                "Datagrams or stream chunks received, by source",
                m.ingest_messages.clone(),
            );
            r.register(
                "ingest_bytes",
                "Bytes received, by source",
                m.ingest_bytes.clone(),
            );
            r.register(
                "dropped",
                "Inputs dropped because the core's queue was full",
                m.dropped.clone(),
            );
            r.register(
                "inputs",
                "Inputs applied by the core, by kind",
                m.inputs.clone(),
            );
            r.register(
                "core",
                "Core counters (plots, errors, plans, orders)",
                m.core.clone(),
            );
            r.register("tracks", "Tracks by state", m.tracks.clone());
            r.register(
                "cycle_seconds",
                "Duration of one core cycle (tick)",
                m.cycle_seconds.clone(),
            );
            r.register(
                "ingest_to_publish_seconds",
                "From reception of an input to publication of its delta",
                m.ingest_to_publish_seconds.clone(),
            );
            r.register(
                "journal_commit_seconds",
                "Duration of a journal commit",
                m.journal_commit_seconds.clone(),
            );
            r.register(
                "stream_clients",
                "Open WebSocket streams",
                m.stream_clients.clone(),
            );
            r.register(
                "http_requests",
                "HTTP requests by route and status",
                m.http_requests.clone(),
            );
            r.register(
                "udp_kernel_drops",
                "Datagrams the kernel dropped on a full socket buffer, by UDP source",
                m.udp_kernel_drops.clone(),
            );
            r.register(
                "queue_depth",
                "Inputs waiting for the core",
                m.queue_depth.clone(),
            );
        }
        m
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let r = self.registry.lock().expect("registry");
        let _ = prometheus_client::encoding::text::encode(&mut s, &r);
        s
    }

    pub fn name(n: &str) -> NameLabel {
        NameLabel {
            name: n.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_families() {
        let m = Metrics::new();
        m.dropped.get_or_create(&Metrics::name("data")).inc_by(3);
        m.ingest_to_publish_seconds.observe(0.002);
        m.tracks.get_or_create(&Metrics::name("confirmed")).set(12);
        let text = m.render();
        assert!(
            text.contains("tessera_dropped_total{name=\"data\"} 3"),
            "{text}"
        );
        assert!(text.contains("tessera_ingest_to_publish_seconds_bucket"));
        assert!(text.contains("tessera_tracks{name=\"confirmed\"} 12"));
    }
}
