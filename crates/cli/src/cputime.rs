//! CPU time of the calling thread, for throughput figures that do not depend on machine load.

use std::time::Instant;

/// Nanoseconds this thread has run on a CPU (Linux `schedstat`), if available.
pub fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Measures wall and thread-CPU seconds of a section.
pub struct Stopwatch {
    wall: Instant,
    cpu: Option<u64>,
}

impl Stopwatch {
    pub fn start() -> Self {
        Self {
            wall: Instant::now(),
            cpu: thread_cpu_ns(),
        }
    }
    pub fn wall_s(&self) -> f64 {
        self.wall.elapsed().as_secs_f64()
    }
    /// Thread CPU seconds, or wall seconds where the platform does not say.
    pub fn cpu_s(&self) -> f64 {
        match (self.cpu, thread_cpu_ns()) {
            (Some(a), Some(b)) => (b - a) as f64 * 1e-9,
            _ => self.wall_s(),
        }
    }
}
