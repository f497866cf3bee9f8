//! Spatial pre-gate: a uniform hash grid over the converted positions of one scan's
//! measurements. Each track asks only the cells its gate can reach, so the number of
//! Mahalanobis evaluations grows with local density, not with tracks × measurements.
//!
//! A grid (rather than a k-d tree) because it is rebuilt for every scan in O(n) without
//! sorting, and gate radii vary little within a scan; cells are sized from the scan's own
//! measurement accuracy.

use nalgebra::Vector3;

/// Grid over measurement positions (horizontal cells; height is checked per candidate). The
/// occupied cells are kept as one array sorted by cell, so a query binary-searches each column
/// of cells it covers: no hashing, no per-cell allocation, and nothing left over from earlier
/// scans.
#[derive(Debug, Default)]
pub struct PreGate {
    cell: f64,
    /// (cell x, cell y, point index), sorted.
    entries: Vec<(i64, i64, u32)>,
    positions: Vec<Vector3<f64>>,
}

impl PreGate {
    /// Rebuilds the grid for a new set of points with the given cell size (metres).
    pub fn rebuild(&mut self, points: impl IntoIterator<Item = Vector3<f64>>, cell: f64) {
        self.cell = cell.max(1.0);
        self.entries.clear();
        self.positions.clear();
        for (i, p) in points.into_iter().enumerate() {
            let (cx, cy) = self.key(&p);
            self.entries.push((cx, cy, i as u32));
            self.positions.push(p);
        }
        self.entries.sort_unstable();
    }

    fn key(&self, p: &Vector3<f64>) -> (i64, i64) {
        (
            (p.x / self.cell).floor() as i64,
            (p.y / self.cell).floor() as i64,
        )
    }

    /// Calls `f` with the index of every point within `radius` of `centre` (3-D distance), in
    /// no particular order.
    pub fn within(&self, centre: &Vector3<f64>, radius: f64, mut f: impl FnMut(usize)) {
        if self.positions.is_empty() || !radius.is_finite() {
            return;
        }
        let r2 = radius * radius;
        let (cx0, cy0) = self.key(&(centre - Vector3::new(radius, radius, 0.0)));
        let (cx1, cy1) = self.key(&(centre + Vector3::new(radius, radius, 0.0)));
        // A huge radius would walk many empty cells: fall back to a scan of all points.
        let n_cells = (cx1.saturating_sub(cx0).saturating_add(1))
            .saturating_mul(cy1.saturating_sub(cy0).saturating_add(1));
        let n_cols = cx1.saturating_sub(cx0).saturating_add(1);
        if n_cells as u64 > self.positions.len() as u64 * 4
            || n_cols as u64 > self.entries.len() as u64
        {
            for (i, p) in self.positions.iter().enumerate() {
                if (p - centre).norm_squared() <= r2 {
                    f(i);
                }
            }
            return;
        }
        for cx in cx0..=cx1 {
            let start = self.entries.partition_point(|e| (e.0, e.1) < (cx, cy0));
            for &(ex, ey, i) in &self.entries[start..] {
                if ex != cx || ey > cy1 {
                    break;
                }
                if (self.positions[i as usize] - centre).norm_squared() <= r2 {
                    f(i as usize);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_the_points_within_radius() {
        let pts: Vec<Vector3<f64>> = (0..400)
            .map(|i| {
                Vector3::new(
                    (i % 20) as f64 * 700.0 - 7000.0,
                    (i / 20) as f64 * 650.0 - 6000.0,
                    (i % 7) as f64 * 300.0,
                )
            })
            .collect();
        let mut g = PreGate::default();
        g.rebuild(pts.iter().copied(), 1000.0);
        let c = Vector3::new(123.0, -456.0, 900.0);
        for radius in [10.0, 800.0, 2500.0, 1e6] {
            let mut found = vec![];
            g.within(&c, radius, |i| found.push(i));
            found.sort();
            let expect: Vec<usize> = (0..pts.len())
                .filter(|&i| (pts[i] - c).norm() <= radius)
                .collect();
            assert_eq!(found, expect, "radius {radius}");
        }
    }
}
