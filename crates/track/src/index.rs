//! Persistent spatial index of tracks for the local path of sector scans: which tracks can a
//! report at a given place and time reach, and which tracks can lie inside a swept sector,
//! without looking at (let alone predicting) the others.
//!
//! Each track is summarised by its [`Envelope`] at its own time. The index is built for an
//! epoch `T` and an interval of validity `[T − back, T + fwd]`: a track is filed under every
//! horizontal grid cell touched by the disc centred on its extrapolated position at `T` whose
//! radius `ρ` covers, anywhere in the interval, both its motion away from that point and its
//! conservative gate radius (computed by the tracker). A query for a report then only visits
//! the cells within the report's own gate radius. Tracks whose disc covers too many cells are
//! kept on a short list every query visits.
//!
//! The index only narrows the search: every candidate it returns is checked exactly by the
//! tracker, and candidates are sorted before use, so neither the cell size, nor the order of
//! the hash map, nor when the index was last rebuilt can change a result.

use crate::filter::Envelope;
use nalgebra::Vector3;
use std::collections::HashMap;
use std::f64::consts::TAU;
use std::hash::{BuildHasherDefault, Hasher};
use tessera_domain::{SensorSite, Timestamp};

/// A small multiplicative hasher for cell keys (deterministic, unlike `RandomState`).
#[derive(Default)]
pub(crate) struct CellHasher(u64);

impl Hasher for CellHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(*b as u64);
        }
    }
    fn write_i32(&mut self, i: i32) {
        self.write_u64(i as u32 as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(23) ^ i).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type Cells = HashMap<(i32, i32), Vec<u32>, BuildHasherDefault<CellHasher>>;

/// Most cells one track is filed under before it goes on the short list.
const MAX_CELLS_PER_TRACK: i64 = 36;

#[derive(Debug, Clone, Copy)]
enum Placement {
    Cells { x0: i32, y0: i32, x1: i32, y1: i32 },
    Big,
}

/// What the index knows of one track.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub env: Envelope,
    pub time: Timestamp,
    /// Extrapolated horizontal position at the epoch and the radius of the disc.
    centre: [f64; 2],
    rho: f64,
    placement: Placement,
}

/// The index. Slots are positions in the tracker's track vector.
#[derive(Debug, Default)]
pub(crate) struct TrackIndex {
    pub valid: bool,
    pub epoch: Timestamp,
    pub back_s: f64,
    pub fwd_s: f64,
    cell: f64,
    entries: Vec<Option<Entry>>,
    cells: Cells,
    big: Vec<u32>,
}

impl TrackIndex {
    /// Empties the index for a new epoch and cell size.
    pub fn reset(&mut self, epoch: Timestamp, back_s: f64, fwd_s: f64, cell: f64, slots: usize) {
        self.valid = true;
        self.epoch = epoch;
        self.back_s = back_s;
        self.fwd_s = fwd_s;
        self.cell = if cell.is_finite() {
            cell.max(100.0)
        } else {
            1e4
        };
        self.entries.clear();
        self.entries.resize(slots, None);
        self.cells.clear();
        self.big.clear();
    }

    /// Whether queries at times in `[from, to]` are within the interval of validity.
    pub fn covers(&self, from: Timestamp, to: Timestamp) -> bool {
        self.valid
            && from.seconds_since(self.epoch) >= -self.back_s
            && to.seconds_since(self.epoch) <= self.fwd_s
    }

    pub fn entry(&self, slot: u32) -> Option<&Entry> {
        self.entries.get(slot as usize).and_then(|e| e.as_ref())
    }

    fn key(&self, x: f64, y: f64) -> (i32, i32) {
        let c = |v: f64| (v / self.cell).floor().clamp(-1e9, 1e9) as i32;
        (c(x), c(y))
    }

    /// Files a track (replacing what was filed under its slot). `rho` is the radius described
    /// in the module documentation; a non-finite one puts the track on the short list.
    pub fn insert(&mut self, slot: u32, env: Envelope, time: Timestamp, rho: f64) {
        self.remove(slot);
        let s = slot as usize;
        if self.entries.len() <= s {
            self.entries.resize(s + 1, None);
        }
        let dt = self.epoch.seconds_since(time);
        let c = env.position + env.velocity * dt;
        let centre = [c.x, c.y];
        let finite = rho.is_finite() && centre.iter().all(|v| v.is_finite());
        let placement = if finite {
            let (x0, y0) = self.key(centre[0] - rho, centre[1] - rho);
            let (x1, y1) = self.key(centre[0] + rho, centre[1] + rho);
            let n = (x1 as i64 - x0 as i64 + 1) * (y1 as i64 - y0 as i64 + 1);
            if n <= MAX_CELLS_PER_TRACK {
                Placement::Cells { x0, y0, x1, y1 }
            } else {
                Placement::Big
            }
        } else {
            Placement::Big
        };
        match placement {
            Placement::Cells { x0, y0, x1, y1 } => {
                for cx in x0..=x1 {
                    for cy in y0..=y1 {
                        self.cells.entry((cx, cy)).or_default().push(slot);
                    }
                }
            }
            Placement::Big => self.big.push(slot),
        }
        self.entries[s] = Some(Entry {
            env,
            time,
            centre,
            rho: if finite { rho } else { f64::INFINITY },
            placement,
        });
    }

    /// Forgets a track.
    pub fn remove(&mut self, slot: u32) {
        let Some(e) = self.entries.get_mut(slot as usize).and_then(|e| e.take()) else {
            return;
        };
        match e.placement {
            Placement::Cells { x0, y0, x1, y1 } => {
                for cx in x0..=x1 {
                    for cy in y0..=y1 {
                        if let Some(v) = self.cells.get_mut(&(cx, cy)) {
                            if let Some(i) = v.iter().position(|&s| s == slot) {
                                v.swap_remove(i);
                            }
                            if v.is_empty() {
                                self.cells.remove(&(cx, cy));
                            }
                        }
                    }
                }
            }
            Placement::Big => self.big.retain(|&s| s != slot),
        }
    }

    /// Appends every track whose disc comes within `radius` (horizontally) of `p`. May append
    /// a slot more than once.
    pub fn near(&self, p: &Vector3<f64>, radius: f64, out: &mut Vec<u32>) {
        let radius = if radius.is_finite() { radius } else { 0.0 };
        let (x0, y0) = self.key(p.x - radius, p.y - radius);
        let (x1, y1) = self.key(p.x + radius, p.y + radius);
        let n = (x1 as i64 - x0 as i64 + 1) * (y1 as i64 - y0 as i64 + 1);
        let mut check = |s: u32| {
            if let Some(e) = self.entry(s) {
                let (dx, dy) = (e.centre[0] - p.x, e.centre[1] - p.y);
                let r = e.rho + radius;
                if dx * dx + dy * dy <= r * r {
                    out.push(s);
                }
            }
        };
        if n > 4 * self.cells.len().max(1) as i64 {
            for v in self.cells.values() {
                v.iter().for_each(|&s| check(s));
            }
        } else {
            for cx in x0..=x1 {
                for cy in y0..=y1 {
                    if let Some(v) = self.cells.get(&(cx, cy)) {
                        v.iter().for_each(|&s| check(s));
                    }
                }
            }
        }
        self.big.iter().for_each(|&s| check(s));
    }

    /// Appends every track whose disc may meet the swept sector of `site` (azimuths from
    /// `from` clockwise over `width`, horizontal ranges up to `max_range`; `full` for a whole
    /// turn). Generous: the tracker decides exactly. May append a slot more than once.
    pub fn in_sector(
        &self,
        site: &SensorSite,
        from: f64,
        width: f64,
        full: bool,
        (min_range, max_range): (f64, f64),
        out: &mut Vec<u32>,
    ) {
        // Site frames on a curved Earth are slightly tilted against the system frame; the
        // margin covers the tilt for targets up to ~30 km high.
        let margin = 2000.0 + 0.02 * max_range;
        let r_out = max_range + margin;
        // Bounding box of the sector (site plus arc points every ≤ 10°).
        let mut lo = [site.position.x, site.position.y];
        let mut hi = lo;
        let steps = ((if full { TAU } else { width }) / 10f64.to_radians()).ceil() as usize;
        let steps = steps.clamp(1, 64);
        for k in 0..=steps {
            let a = from + (if full { TAU } else { width }) * k as f64 / steps as f64;
            let local = Vector3::new(r_out * a.sin(), r_out * a.cos(), 0.0);
            let p = site.to_system(&local);
            lo = [lo[0].min(p.x), lo[1].min(p.y)];
            hi = [hi[0].max(p.x), hi[1].max(p.y)];
        }
        let (x0, y0) = self.key(lo[0] - margin, lo[1] - margin);
        let (x1, y1) = self.key(hi[0] + margin, hi[1] + margin);
        let half_diag = self.cell * std::f64::consts::FRAC_1_SQRT_2 + margin;
        let cell_may_meet = |cx: i32, cy: i32| -> bool {
            let c = Vector3::new(
                (cx as f64 + 0.5) * self.cell,
                (cy as f64 + 0.5) * self.cell,
                site.position.z,
            );
            let l = site.to_site(&c);
            let d = (l.x * l.x + l.y * l.y).sqrt();
            if d > max_range + half_diag || d < min_range - half_diag {
                return false;
            }
            if full || d <= half_diag {
                return true;
            }
            let u = (l.x.atan2(l.y) - from).rem_euclid(TAU);
            let ang = (half_diag / d).min(1.0).asin();
            u <= width + ang || u >= TAU - ang
        };
        let n = (x1 as i64 - x0 as i64 + 1) * (y1 as i64 - y0 as i64 + 1);
        if n > 2 * self.cells.len().max(1) as i64 {
            for (&(cx, cy), v) in &self.cells {
                if cell_may_meet(cx, cy) {
                    out.extend_from_slice(v);
                }
            }
        } else {
            for cx in x0..=x1 {
                for cy in y0..=y1 {
                    if let Some(v) = self.cells.get(&(cx, cy))
                        && cell_may_meet(cx, cy)
                    {
                        out.extend_from_slice(v);
                    }
                }
            }
        }
        out.extend_from_slice(&self.big);
    }

    /// Heap bytes held (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<Option<Entry>>()
            + self.big.capacity() * 4
            + self.cells.capacity() * (std::mem::size_of::<((i32, i32), Vec<u32>)>() + 1)
            + self.cells.values().map(|v| v.capacity() * 4).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_domain::{SensorId, SensorKind};

    fn env(x: f64, y: f64, vx: f64) -> Envelope {
        Envelope {
            position: Vector3::new(x, y, 5000.0),
            velocity: Vector3::new(vx, 0.0, 0.0),
            sigma_position: 50.0,
            sigma_velocity: 5.0,
            acceleration: 0.0,
        }
    }

    #[test]
    fn near_finds_every_disc_within_reach_and_forgets_removed_tracks() {
        let mut idx = TrackIndex::default();
        idx.reset(Timestamp::from_micros(0), 2.0, 1.0, 3000.0, 0);
        let mut pts = Vec::new();
        for i in 0..400u32 {
            let (x, y) = ((i % 20) as f64 * 2500.0, (i / 20) as f64 * 2300.0);
            idx.insert(i, env(x, y, 200.0), Timestamp::from_micros(-500_000), 800.0);
            // Centre at the epoch: 0.5 s of flight later.
            pts.push((x + 100.0, y));
        }
        // A huge disc goes on the short list and is still found.
        idx.insert(400, env(1e6, 1e6, 0.0), Timestamp::from_micros(0), 2e6);
        idx.remove(7);
        let p = Vector3::new(20_000.0, 21_000.0, 0.0);
        for radius in [10.0, 2000.0, 9000.0, 1e7] {
            let mut got = Vec::new();
            idx.near(&p, radius, &mut got);
            got.sort_unstable();
            got.dedup();
            let mut want: Vec<u32> = (0..400u32)
                .filter(|&i| i != 7)
                .filter(|&i| {
                    let (x, y) = pts[i as usize];
                    ((x - p.x).powi(2) + (y - p.y).powi(2)).sqrt() <= 800.0 + radius
                })
                .collect();
            want.push(400);
            assert_eq!(got, want, "radius {radius}");
        }
    }

    #[test]
    fn sector_query_returns_a_superset_of_the_tracks_inside() {
        let mut idx = TrackIndex::default();
        idx.reset(Timestamp::from_micros(0), 2.0, 1.0, 5000.0, 0);
        let site = SensorSite::aligned(SensorId(1), SensorKind::Radar3d, Vector3::zeros());
        let mut inside = Vec::new();
        let mut k = 0u32;
        for ix in -40..40 {
            for iy in -40..40 {
                let (x, y) = (ix as f64 * 3000.0 + 17.0, iy as f64 * 3100.0 + 5.0);
                idx.insert(k, env(x, y, 0.0), Timestamp::from_micros(0), 300.0);
                let az = x.atan2(y);
                let u = (az - 0.3).rem_euclid(TAU);
                let r = (x * x + y * y).sqrt();
                if u <= 0.4 && (10e3..=100e3).contains(&r) {
                    inside.push(k);
                }
                k += 1;
            }
        }
        let mut got = Vec::new();
        idx.in_sector(&site, 0.3, 0.4, false, (10e3, 100e3), &mut got);
        got.sort_unstable();
        got.dedup();
        assert!(inside.len() > 50);
        assert!(inside.iter().all(|s| got.binary_search(s).is_ok()));
        // And it is a small part of all tracks.
        assert!(got.len() < (k as usize) / 4, "{} of {k}", got.len());
    }
}
