//! Persistent spatial index of tracks for the local path of sector scans: which tracks can a
//! report at a given place and time reach, and which tracks can lie inside a swept sector,
//! without looking at (let alone predicting) the others.
//!
//! Each track is summarised by its [`Envelope`] at its own time and filed for an epoch `T`
//! (the scan time when it was filed) with an interval of validity `[T − back, T + fwd]`: under
//! every horizontal grid cell touched by the disc centred on its extrapolated position at `T`
//! whose radius `ρ` covers, anywhere in the interval, both its motion away from that point and
//! its conservative gate radius (computed by the tracker). A query for a report then only
//! visits the cells within the report's own gate radius. Tracks whose disc covers too many
//! cells are kept on a short list every query visits. A track is filed again whenever it is
//! updated, and — through a queue ordered by expiry — when its interval runs out, so keeping
//! the index valid costs O(updated + expired tracks) per scan, never a pass over all tracks.
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
    /// Epoch the track was filed for.
    epoch: Timestamp,
    /// The queue item of this entry (0: none).
    stamp: u64,
}

/// The index. Slots are positions in the tracker's track vector.
#[derive(Debug, Default)]
pub(crate) struct TrackIndex {
    pub valid: bool,
    pub back_s: f64,
    pub fwd_s: f64,
    /// Live tracks when the index was last built (the cell size was chosen for them).
    pub built_for: usize,
    cell: f64,
    entries: Vec<Option<Entry>>,
    cells: Cells,
    big: Vec<u32>,
    /// (end of validity, slot, stamp), earliest first: one item per filed track, moved on
    /// lazily when the track was filed again meanwhile.
    queue: std::collections::BinaryHeap<std::cmp::Reverse<(Timestamp, u32, u64)>>,
    stamp: u64,
}

impl TrackIndex {
    /// Empties the index for a new cell size.
    pub fn reset(&mut self, back_s: f64, fwd_s: f64, cell: f64, slots: usize) {
        self.valid = true;
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
        self.queue.clear();
    }

    /// Appends the slots whose interval of validity ends before `now` (they must be filed
    /// again before a query at `now`).
    pub fn expired(&mut self, now: Timestamp, out: &mut Vec<u32>) {
        let fwd = crate::dur(self.fwd_s);
        while let Some(&std::cmp::Reverse((end, slot, stamp))) = self.queue.peek() {
            if end >= now {
                break;
            }
            self.queue.pop();
            let Some(e) = self.entries.get_mut(slot as usize).and_then(|e| e.as_mut()) else {
                continue;
            };
            if e.stamp != stamp {
                continue;
            }
            let valid_until = e.epoch + fwd;
            if valid_until >= now {
                // Filed again since: follow it.
                self.queue
                    .push(std::cmp::Reverse((valid_until, slot, stamp)));
            } else {
                e.stamp = 0;
                out.push(slot);
            }
        }
    }

    /// Moves every entry to its new slot after the track vector was compacted (`map[old]` is
    /// the new slot, `u32::MAX` for a removed track).
    pub fn remap(&mut self, map: &[u32]) {
        let mut entries = vec![None; map.iter().filter(|&&m| m != u32::MAX).count()];
        for (old, e) in self.entries.drain(..).enumerate() {
            if let (Some(&new), Some(e)) = (map.get(old), e)
                && new != u32::MAX
            {
                entries[new as usize] = Some(e);
            }
        }
        self.entries = entries;
        let m = |s: u32| map.get(s as usize).copied().unwrap_or(u32::MAX);
        self.cells.retain(|_, v| {
            v.retain_mut(|s| {
                *s = m(*s);
                *s != u32::MAX
            });
            !v.is_empty()
        });
        self.big.retain_mut(|s| {
            *s = m(*s);
            *s != u32::MAX
        });
        let queue = std::mem::take(&mut self.queue);
        self.queue = queue
            .into_iter()
            .filter_map(|std::cmp::Reverse((end, slot, stamp))| {
                let slot = m(slot);
                (slot != u32::MAX).then_some(std::cmp::Reverse((end, slot, stamp)))
            })
            .collect();
    }

    pub fn entry(&self, slot: u32) -> Option<&Entry> {
        self.entries.get(slot as usize).and_then(|e| e.as_ref())
    }

    fn key(&self, x: f64, y: f64) -> (i32, i32) {
        let c = |v: f64| (v / self.cell).floor().clamp(-1e9, 1e9) as i32;
        (c(x), c(y))
    }

    /// Files a track for `epoch` (replacing what was filed under its slot). `rho` is the
    /// radius described in the module documentation; a non-finite one puts the track on the
    /// short list.
    pub fn insert(
        &mut self,
        slot: u32,
        env: Envelope,
        time: Timestamp,
        rho: f64,
        epoch: Timestamp,
    ) {
        let s = slot as usize;
        let queued = self
            .entries
            .get(s)
            .and_then(|e| e.as_ref())
            .map_or(0, |e| e.stamp);
        self.remove(slot);
        if self.entries.len() <= s {
            self.entries.resize(s + 1, None);
        }
        let stamp = if queued != 0 {
            queued
        } else {
            self.stamp += 1;
            self.queue.push(std::cmp::Reverse((
                epoch + crate::dur(self.fwd_s),
                slot,
                self.stamp,
            )));
            self.stamp
        };
        let dt = epoch.seconds_since(time);
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
            epoch,
            stamp,
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
    ///
    /// The sector (a convex polygon: the site and arc points every ≤ 10°, pushed out by a
    /// margin) is rasterised row by row, so only the cells it covers are looked up.
    pub fn in_sector(
        &self,
        site: &SensorSite,
        from: f64,
        width: f64,
        full: bool,
        (_min_range, max_range): (f64, f64),
        out: &mut Vec<u32>,
    ) {
        out.extend_from_slice(&self.big);
        if self.cells.is_empty() || !(max_range.is_finite() && from.is_finite()) {
            return;
        }
        let span = if full { TAU } else { width.min(TAU) };
        let steps = ((span / 10f64.to_radians()).ceil() as usize).clamp(1, 64);
        // Site frames on a curved Earth are slightly tilted against the system frame (the
        // margin covers it for targets up to ~30 km high); chords cut arcs by ≤ 0.4 %.
        let r_out = max_range * 1.004 + 2000.0 + 0.02 * max_range;
        let mut poly: Vec<[f64; 2]> = Vec::with_capacity(steps + 2);
        if !full {
            poly.push([site.position.x, site.position.y]);
        }
        let arc_points = if full { steps } else { steps + 1 };
        for k in 0..arc_points {
            let a = from + span * k as f64 / steps as f64;
            let p = site.to_system(&Vector3::new(r_out * a.sin(), r_out * a.cos(), 0.0));
            poly.push([p.x, p.y]);
        }
        if !full && span > std::f64::consts::PI {
            // Not convex: rasterise its bounding box instead (rare: sectors are narrow).
            poly = vec![
                [site.position.x - r_out, site.position.y - r_out],
                [site.position.x + r_out, site.position.y - r_out],
                [site.position.x + r_out, site.position.y + r_out],
                [site.position.x - r_out, site.position.y + r_out],
            ];
        }
        let (ylo, yhi) = poly
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                (a.min(p[1]), b.max(p[1]))
            });
        let (_, cy0) = self.key(0.0, ylo);
        let (_, cy1) = self.key(0.0, yhi);
        // x interval of the polygon within each row of cells.
        let mut rows: Vec<(i32, i32, i32)> = Vec::with_capacity((cy1 - cy0 + 1).max(0) as usize);
        let n = poly.len();
        let mut cells_covered = 0i64;
        for cy in cy0..=cy1 {
            let (b0, b1) = (cy as f64 * self.cell, (cy + 1) as f64 * self.cell);
            let (mut xlo, mut xhi) = (f64::INFINITY, f64::NEG_INFINITY);
            for i in 0..n {
                let (p, q) = (poly[i], poly[(i + 1) % n]);
                let (ya, yb) = (p[1].min(q[1]), p[1].max(q[1]));
                if yb < b0 || ya > b1 {
                    continue;
                }
                // The part of the edge inside the band.
                for y in [b0.max(ya), b1.min(yb)] {
                    let x = if q[1] == p[1] {
                        p[0].min(q[0])
                    } else {
                        p[0] + (q[0] - p[0]) * (y - p[1]) / (q[1] - p[1])
                    };
                    let x2 = if q[1] == p[1] { p[0].max(q[0]) } else { x };
                    xlo = xlo.min(x);
                    xhi = xhi.max(x2);
                }
            }
            if xlo <= xhi {
                let (cx0, _) = self.key(xlo, 0.0);
                let (cx1, _) = self.key(xhi, 0.0);
                cells_covered += (cx1 - cx0 + 1) as i64;
                rows.push((cy, cx0, cx1));
            }
        }
        if cells_covered > 2 * self.cells.len() as i64 {
            for (&(cx, cy), v) in &self.cells {
                if let Ok(i) = rows.binary_search_by_key(&cy, |r| r.0)
                    && (rows[i].1..=rows[i].2).contains(&cx)
                {
                    out.extend_from_slice(v);
                }
            }
        } else {
            for &(cy, cx0, cx1) in &rows {
                for cx in cx0..=cx1 {
                    if let Some(v) = self.cells.get(&(cx, cy)) {
                        out.extend_from_slice(v);
                    }
                }
            }
        }
    }

    /// Heap bytes held (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<Option<Entry>>()
            + self.big.capacity() * 4
            + self.cells.capacity() * (std::mem::size_of::<((i32, i32), Vec<u32>)>() + 1)
            + self.cells.values().map(|v| v.capacity() * 4).sum::<usize>()
            + self.queue.capacity() * std::mem::size_of::<(Timestamp, u32, u64)>()
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
        idx.reset(2.0, 1.0, 3000.0, 0);
        let t0 = Timestamp::from_micros(0);
        let mut pts = Vec::new();
        for i in 0..400u32 {
            let (x, y) = ((i % 20) as f64 * 2500.0, (i / 20) as f64 * 2300.0);
            idx.insert(
                i,
                env(x, y, 200.0),
                Timestamp::from_micros(-500_000),
                800.0,
                t0,
            );
            // Centre at the epoch: 0.5 s of flight later.
            pts.push((x + 100.0, y));
        }
        // A huge disc goes on the short list and is still found.
        idx.insert(400, env(1e6, 1e6, 0.0), t0, 2e6, t0);
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
        // Compaction: slot 7 gone, every later slot moves down by one.
        let map: Vec<u32> = (0..401u32)
            .map(|s| match s {
                7 => u32::MAX,
                s if s > 7 => s - 1,
                s => s,
            })
            .collect();
        idx.remap(&map);
        let mut got = Vec::new();
        idx.near(&p, 1e7, &mut got);
        got.sort_unstable();
        got.dedup();
        assert_eq!(got, (0..400u32).collect::<Vec<_>>());
        // Everything filed at t0 expires after fwd_s.
        let mut exp = Vec::new();
        idx.expired(Timestamp::from_micros(900_000), &mut exp);
        assert!(exp.is_empty());
        idx.expired(Timestamp::from_micros(1_100_000), &mut exp);
        assert_eq!(exp.len(), 400);
    }

    #[test]
    fn sector_query_returns_a_superset_of_the_tracks_inside() {
        let mut idx = TrackIndex::default();
        idx.reset(2.0, 1.0, 5000.0, 0);
        let site = SensorSite::aligned(SensorId(1), SensorKind::Radar3d, Vector3::zeros());
        let mut inside = Vec::new();
        let mut k = 0u32;
        for ix in -40..40 {
            for iy in -40..40 {
                let (x, y) = (ix as f64 * 3000.0 + 17.0, iy as f64 * 3100.0 + 5.0);
                let t0 = Timestamp::from_micros(0);
                idx.insert(k, env(x, y, 0.0), t0, 300.0, t0);
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
        // A site turned 3° against the system frame, a sector across north, and a whole
        // turn.
        let (sn, cs) = 3f64.to_radians().sin_cos();
        let mut turned = SensorSite::aligned(
            SensorId(2),
            SensorKind::Radar3d,
            Vector3::new(20e3, -10e3, 0.0),
        );
        turned.rotation = nalgebra::Matrix3::new(cs, -sn, 0.0, sn, cs, 0.0, 0.0, 0.0, 1.0);
        for (from, width, full) in [(6.0, 0.6, false), (1.0, TAU, true), (2.0, 2.5, false)] {
            let mut got = Vec::new();
            idx.in_sector(&turned, from, width, full, (0.0, 90e3), &mut got);
            got.sort_unstable();
            got.dedup();
            let mut k = 0u32;
            for ix in -40..40 {
                for iy in -40..40 {
                    let p =
                        Vector3::new(ix as f64 * 3000.0 + 17.0, iy as f64 * 3100.0 + 5.0, 5000.0);
                    let l = turned.to_site(&p);
                    let u = (l.x.atan2(l.y) - from).rem_euclid(TAU);
                    let r = (l.x * l.x + l.y * l.y).sqrt();
                    if (full || u <= width) && r <= 90e3 {
                        assert!(
                            got.binary_search(&k).is_ok(),
                            "{from}/{width}: track {k} missed"
                        );
                    }
                    k += 1;
                }
            }
        }
    }
}
