//! Time: UTC instants in integer nanoseconds and signed durations, so ordering and replay are exact.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Sub};

/// A UTC instant, nanoseconds since the Unix epoch.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct Timestamp(pub i64);

/// A signed span of time in nanoseconds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct Duration(pub i64);

impl Timestamp {
    pub const fn from_nanos(ns: i64) -> Self {
        Self(ns)
    }
    pub const fn from_micros(us: i64) -> Self {
        Self(us * 1_000)
    }
    pub fn from_secs_f64(s: f64) -> Self {
        Self((s * 1e9).round() as i64)
    }
    pub const fn nanos(self) -> i64 {
        self.0
    }
    pub const fn micros(self) -> i64 {
        self.0.div_euclid(1_000)
    }
    pub fn secs_f64(self) -> f64 {
        self.0 as f64 * 1e-9
    }
    /// Seconds from `earlier` to `self` (negative when `self` is earlier).
    pub fn seconds_since(self, earlier: Timestamp) -> f64 {
        (self.0 - earlier.0) as f64 * 1e-9
    }
}

impl Duration {
    pub const ZERO: Duration = Duration(0);
    pub const fn from_nanos(ns: i64) -> Self {
        Self(ns)
    }
    pub const fn from_millis(ms: i64) -> Self {
        Self(ms * 1_000_000)
    }
    pub fn from_secs_f64(s: f64) -> Self {
        Self((s * 1e9).round() as i64)
    }
    pub fn secs_f64(self) -> f64 {
        self.0 as f64 * 1e-9
    }
}

impl Add<Duration> for Timestamp {
    type Output = Timestamp;
    fn add(self, d: Duration) -> Timestamp {
        Timestamp(self.0 + d.0)
    }
}

impl Sub<Duration> for Timestamp {
    type Output = Timestamp;
    fn sub(self, d: Duration) -> Timestamp {
        Timestamp(self.0 - d.0)
    }
}

impl Sub for Timestamp {
    type Output = Duration;
    fn sub(self, o: Timestamp) -> Duration {
        Duration(self.0 - o.0)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6}s", self.secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_round_trip_and_ordering() {
        let a = Timestamp::from_micros(1_500_000);
        let b = a + Duration::from_millis(250);
        assert_eq!(b.micros(), 1_750_000);
        assert!(b > a);
        assert!((b.seconds_since(a) - 0.25).abs() < 1e-12);
        assert_eq!((b - a).0, 250_000_000);
    }
}
