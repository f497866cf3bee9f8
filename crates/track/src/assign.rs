//! Optimal rectangular linear assignment (minimum cost), by the shortest-augmenting-path
//! Hungarian algorithm with dual potentials (Kuhn–Munkres as refined by Jonker–Volgenant):
//! O(r²·c) for r ≤ c. Scratch buffers are kept in the solver so the hot path does not allocate.

/// Reusable solver.
#[derive(Debug, Default, Clone)]
pub struct AssignmentSolver {
    u: Vec<f64>,
    v: Vec<f64>,
    p: Vec<usize>,
    way: Vec<usize>,
    minv: Vec<f64>,
    used: Vec<bool>,
    transposed: Vec<f64>,
}

impl AssignmentSolver {
    /// Minimises Σ cost[r][assignment[r]] over one-to-one matchings that assign every row (when
    /// rows ≤ cols) or every column (when rows > cols). `cost` is row-major `rows × cols` and
    /// must be finite. Returns, per row, the matched column.
    pub fn solve(&mut self, cost: &[f64], rows: usize, cols: usize) -> Vec<Option<usize>> {
        debug_assert_eq!(cost.len(), rows * cols);
        if rows == 0 || cols == 0 {
            return vec![None; rows];
        }
        if rows <= cols {
            let col_to_row = self.solve_wide(cost, rows, cols);
            let mut out = vec![None; rows];
            for (c, r) in col_to_row.iter().enumerate() {
                if let Some(r) = r {
                    out[*r] = Some(c);
                }
            }
            out
        } else {
            let mut t = std::mem::take(&mut self.transposed);
            t.clear();
            t.extend(
                (0..cols)
                    .flat_map(|c| (0..rows).map(move |r| (r, c)))
                    .map(|(r, c)| cost[r * cols + c]),
            );
            // In the transposed problem rows are the old columns.
            let col_to_row = self.solve_wide(&t, cols, rows);
            self.transposed = t;
            col_to_row
        }
    }

    /// rows ≤ cols. Returns, per column, the assigned row.
    fn solve_wide(&mut self, a: &[f64], n: usize, m: usize) -> Vec<Option<usize>> {
        // 1-based formulation with a virtual column 0.
        self.u.clear();
        self.u.resize(n + 1, 0.0);
        self.v.clear();
        self.v.resize(m + 1, 0.0);
        self.p.clear();
        self.p.resize(m + 1, 0);
        self.way.clear();
        self.way.resize(m + 1, 0);
        for i in 1..=n {
            self.p[0] = i;
            let mut j0 = 0usize;
            self.minv.clear();
            self.minv.resize(m + 1, f64::INFINITY);
            self.used.clear();
            self.used.resize(m + 1, false);
            loop {
                self.used[j0] = true;
                let i0 = self.p[j0];
                let mut delta = f64::INFINITY;
                let mut j1 = 0usize;
                for j in 1..=m {
                    if !self.used[j] {
                        let cur = a[(i0 - 1) * m + (j - 1)] - self.u[i0] - self.v[j];
                        if cur < self.minv[j] {
                            self.minv[j] = cur;
                            self.way[j] = j0;
                        }
                        if self.minv[j] < delta {
                            delta = self.minv[j];
                            j1 = j;
                        }
                    }
                }
                for j in 0..=m {
                    if self.used[j] {
                        self.u[self.p[j]] += delta;
                        self.v[j] -= delta;
                    } else {
                        self.minv[j] -= delta;
                    }
                }
                j0 = j1;
                if self.p[j0] == 0 {
                    break;
                }
            }
            loop {
                let j1 = self.way[j0];
                self.p[j0] = self.p[j1];
                j0 = j1;
                if j0 == 0 {
                    break;
                }
            }
        }
        (1..=m)
            .map(|j| {
                if self.p[j] == 0 {
                    None
                } else {
                    Some(self.p[j] - 1)
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute(cost: &[f64], rows: usize, cols: usize) -> f64 {
        // Enumerate injective maps of the smaller side.
        fn rec(
            cost: &[f64],
            rows: usize,
            cols: usize,
            r: usize,
            used: &mut Vec<bool>,
            acc: f64,
            best: &mut f64,
        ) {
            if r == rows {
                *best = best.min(acc);
                return;
            }
            for c in 0..cols {
                if !used[c] {
                    used[c] = true;
                    rec(
                        cost,
                        rows,
                        cols,
                        r + 1,
                        used,
                        acc + cost[r * cols + c],
                        best,
                    );
                    used[c] = false;
                }
            }
        }
        let mut best = f64::INFINITY;
        if rows <= cols {
            rec(cost, rows, cols, 0, &mut vec![false; cols], 0.0, &mut best);
        } else {
            let t: Vec<f64> = (0..cols)
                .flat_map(|c| (0..rows).map(move |r| cost[r * cols + c]))
                .collect();
            rec(&t, cols, rows, 0, &mut vec![false; rows], 0.0, &mut best);
        }
        best
    }

    proptest! {
        #[test]
        fn matches_brute_force(rows in 1usize..6, cols in 1usize..6, seed in proptest::collection::vec(-50.0f64..50.0, 36)) {
            let cost: Vec<f64> = seed[..rows * cols].to_vec();
            let sol = AssignmentSolver::default().solve(&cost, rows, cols);
            let total: f64 = sol.iter().enumerate().filter_map(|(r, c)| c.map(|c| cost[r * cols + c])).sum();
            let assigned = sol.iter().filter(|c| c.is_some()).count();
            prop_assert_eq!(assigned, rows.min(cols));
            let mut seen = std::collections::HashSet::new();
            for c in sol.iter().flatten() { prop_assert!(seen.insert(*c)); }
            prop_assert!((total - brute(&cost, rows, cols)).abs() < 1e-9);
        }
    }
}
