//! The run's clock: scenario time mapped onto the wall clock at an adjustable speed, with
//! pause. Only the shell reads it; the core gets time from its inputs.

use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug, Clone, Copy)]
struct State {
    /// Scenario time (UTC ns) at `base`.
    base_ns: i64,
    base: Instant,
    speed: f64,
    paused: bool,
}

/// Scenario time = `base_ns + (now − base) × speed`, frozen while paused.
#[derive(Debug)]
pub struct Clock {
    state: Mutex<State>,
}

impl Clock {
    /// A clock reading `start_ns` now, running at `speed`.
    pub fn new(start_ns: i64, speed: f64) -> Self {
        Self {
            state: Mutex::new(State {
                base_ns: start_ns,
                base: Instant::now(),
                speed: speed.max(0.0),
                paused: false,
            }),
        }
    }

    fn read(s: &State) -> i64 {
        if s.paused {
            s.base_ns
        } else {
            s.base_ns + (s.base.elapsed().as_secs_f64() * s.speed * 1e9) as i64
        }
    }

    /// Scenario time now, UTC ns.
    pub fn now_ns(&self) -> i64 {
        Self::read(&self.state.lock().expect("clock"))
    }

    pub fn speed(&self) -> f64 {
        self.state.lock().expect("clock").speed
    }

    pub fn paused(&self) -> bool {
        self.state.lock().expect("clock").paused
    }

    /// Changes the speed from now on (the reading does not jump).
    pub fn set_speed(&self, speed: f64) {
        let mut s = self.state.lock().expect("clock");
        s.base_ns = Self::read(&s);
        s.base = Instant::now();
        s.speed = speed.clamp(0.0, 1000.0);
    }

    pub fn set_paused(&self, paused: bool) {
        let mut s = self.state.lock().expect("clock");
        s.base_ns = Self::read(&s);
        s.base = Instant::now();
        s.paused = paused;
    }

    /// Moves the reading forward to `t_ns` if it is behind (fast-forward).
    pub fn advance_to(&self, t_ns: i64) {
        let mut s = self.state.lock().expect("clock");
        if Self::read(&s) < t_ns {
            s.base_ns = t_ns;
            s.base = Instant::now();
        }
    }

    /// Wall-clock seconds until the scenario reaches `t_ns` (None while paused).
    pub fn wall_until(&self, t_ns: i64) -> Option<f64> {
        let s = *self.state.lock().expect("clock");
        if s.paused || s.speed <= 0.0 {
            return None;
        }
        Some(((t_ns - Self::read(&s)) as f64 * 1e-9 / s.speed).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_pause_and_advance() {
        let c = Clock::new(1_000, 2.0);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let t = c.now_ns();
        assert!(t >= 1_000 + 39_000_000, "{t}");
        c.set_paused(true);
        let p = c.now_ns();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(c.now_ns(), p);
        assert!(c.wall_until(p + 1).is_none());
        c.set_paused(false);
        c.advance_to(p + 10_000_000_000);
        assert!(c.now_ns() >= p + 10_000_000_000);
        c.set_speed(1.0);
        let w = c.wall_until(c.now_ns() + 1_000_000_000).unwrap();
        assert!((0.9..=1.0).contains(&w), "{w}");
    }
}
