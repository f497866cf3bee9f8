//! Optimal rectangular linear assignment (minimum total cost).
//!
//! The solver is the shortest-augmenting-path algorithm of Jonker and Volgenant in the
//! rectangular form described by D. F. Crouse, "On implementing 2D rectangular assignment
//! algorithms", IEEE Trans. Aerospace and Electronic Systems 52(4), 2016 — the algorithm behind
//! SciPy's `linear_sum_assignment`, including its tie-breaking rules. It runs in
//! `O(min(r, c)² · max(r, c))` time.
//!
//! For a matrix with `rows` rows and `cols` columns, `min(rows, cols)` pairs are matched; every
//! row (if `rows <= cols`) or every column (if `rows > cols`) is assigned exactly once.
//!
//! Use [`solve_rectangular`] for a one-off problem, or keep a [`Solver`] around to reuse its
//! scratch buffers: after warm-up, [`Solver::solve`] does not allocate.

use thiserror::Error;

/// Why an assignment problem could not be solved.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AssignmentError {
    /// The cost slice does not hold `rows * cols` entries.
    #[error("cost matrix has {len} entries, expected {rows} x {cols}")]
    DimensionMismatch {
        /// Length of the given slice.
        len: usize,
        /// Declared number of rows.
        rows: usize,
        /// Declared number of columns.
        cols: usize,
    },
    /// A cost is NaN or infinite.
    #[error("cost at row {row}, column {col} is not finite ({value})")]
    NonFiniteCost {
        /// Row of the offending entry.
        row: usize,
        /// Column of the offending entry.
        col: usize,
        /// The offending value.
        value: f64,
    },
    /// No augmenting path was found (cannot happen with finite costs; kept for robustness).
    #[error("assignment problem is infeasible")]
    Infeasible,
}

/// The solution of one assignment problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// For every row, the column it is matched to (`None` for unmatched rows when
    /// `rows > cols`).
    pub row_to_col: Vec<Option<usize>>,
    /// Sum of the costs of the matched pairs.
    pub total_cost: f64,
}

impl Assignment {
    /// The matched `(row, col)` pairs in increasing row order.
    pub fn pairs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.row_to_col
            .iter()
            .enumerate()
            .filter_map(|(r, c)| c.map(|c| (r, c)))
    }
}

/// Solve a rectangular minimum-cost assignment problem.
///
/// `cost` is row-major with `rows * cols` entries. Allocates a fresh [`Solver`]; reuse one
/// when solving many problems.
pub fn solve_rectangular(
    cost: &[f64],
    rows: usize,
    cols: usize,
) -> Result<Assignment, AssignmentError> {
    let mut solver = Solver::new();
    let total_cost = solver.solve(cost, rows, cols)?;
    Ok(Assignment {
        row_to_col: solver.row_to_col().to_vec(),
        total_cost,
    })
}

const UNASSIGNED: usize = usize::MAX;

/// A reusable assignment solver holding its scratch buffers.
#[derive(Debug, Default, Clone)]
pub struct Solver {
    transposed: Vec<f64>,
    u: Vec<f64>,
    v: Vec<f64>,
    shortest: Vec<f64>,
    path: Vec<usize>,
    col4row: Vec<usize>,
    row4col: Vec<usize>,
    remaining: Vec<usize>,
    sr: Vec<bool>,
    sc: Vec<bool>,
    result: Vec<Option<usize>>,
}

impl Solver {
    /// A solver with empty buffers (they grow to the largest problem solved).
    pub fn new() -> Self {
        Self::default()
    }

    /// Solve a problem and return the minimum total cost; the matching is then available from
    /// [`Solver::row_to_col`] until the next call.
    pub fn solve(
        &mut self,
        cost: &[f64],
        rows: usize,
        cols: usize,
    ) -> Result<f64, AssignmentError> {
        self.result.clear();
        let expected = rows.checked_mul(cols);
        if expected != Some(cost.len()) {
            return Err(AssignmentError::DimensionMismatch {
                len: cost.len(),
                rows,
                cols,
            });
        }
        if let Some(k) = cost.iter().position(|c| !c.is_finite()) {
            return Err(AssignmentError::NonFiniteCost {
                row: k / cols,
                col: k % cols,
                value: cost[k],
            });
        }
        self.result.resize(rows, None);
        if rows == 0 || cols == 0 {
            return Ok(0.0);
        }

        // The core needs nr <= nc: transpose tall matrices into the scratch buffer.
        let transpose = rows > cols;
        let (nr, nc) = if transpose {
            (cols, rows)
        } else {
            (rows, cols)
        };
        if transpose {
            self.transposed.clear();
            self.transposed.resize(rows * cols, 0.0);
            for (i, row) in cost.chunks_exact(cols).enumerate() {
                for (j, &c) in row.iter().enumerate() {
                    self.transposed[j * rows + i] = c;
                }
            }
        }
        let mut transposed = std::mem::take(&mut self.transposed);
        let core_cost: &[f64] = if transpose { &transposed } else { cost };
        let outcome = self.solve_core(core_cost, nr, nc);
        if transpose {
            // Keep the buffer for the next call.
            transposed.clear();
        }
        self.transposed = transposed;
        outcome?;

        let mut total = 0.0;
        if transpose {
            // Core rows are original columns.
            for (c, &r) in self.col4row[..nr].iter().enumerate() {
                self.result[r] = Some(c);
                total += cost[r * cols + c];
            }
        } else {
            for (r, &c) in self.col4row[..nr].iter().enumerate() {
                self.result[r] = Some(c);
                total += cost[r * cols + c];
            }
        }
        Ok(total)
    }

    /// For every row of the last solved problem, its column (`None` if unmatched).
    pub fn row_to_col(&self) -> &[Option<usize>] {
        &self.result
    }

    fn reset(&mut self, nr: usize, nc: usize) {
        fn fill<T: Clone>(v: &mut Vec<T>, n: usize, x: T) {
            v.clear();
            v.resize(n, x);
        }
        fill(&mut self.u, nr, 0.0);
        fill(&mut self.v, nc, 0.0);
        fill(&mut self.shortest, nc, f64::INFINITY);
        fill(&mut self.path, nc, UNASSIGNED);
        fill(&mut self.col4row, nr, UNASSIGNED);
        fill(&mut self.row4col, nc, UNASSIGNED);
        fill(&mut self.remaining, nc, 0);
        fill(&mut self.sr, nr, false);
        fill(&mut self.sc, nc, false);
    }

    /// Crouse's rectangular shortest augmenting path, `nr <= nc`, row-major `cost`.
    fn solve_core(&mut self, cost: &[f64], nr: usize, nc: usize) -> Result<(), AssignmentError> {
        self.reset(nr, nc);
        for cur_row in 0..nr {
            let (sink, min_val) = self.augmenting_path(cost, nc, cur_row)?;

            // Update the dual variables.
            self.u[cur_row] += min_val;
            for i in 0..nr {
                if self.sr[i] && i != cur_row {
                    self.u[i] += min_val - self.shortest[self.col4row[i]];
                }
            }
            for j in 0..nc {
                if self.sc[j] {
                    self.v[j] -= min_val - self.shortest[j];
                }
            }

            // Augment along the path back to cur_row.
            let mut j = sink;
            loop {
                let i = self.path[j];
                self.row4col[j] = i;
                std::mem::swap(&mut self.col4row[i], &mut j);
                if i == cur_row {
                    break;
                }
            }
        }
        Ok(())
    }

    fn augmenting_path(
        &mut self,
        cost: &[f64],
        nc: usize,
        cur_row: usize,
    ) -> Result<(usize, f64), AssignmentError> {
        let mut min_val = 0.0;
        // Columns in reverse order, as SciPy does, so ties break the same way.
        let mut num_remaining = nc;
        for (it, r) in self.remaining.iter_mut().enumerate() {
            *r = nc - it - 1;
        }
        self.sr.iter_mut().for_each(|x| *x = false);
        self.sc.iter_mut().for_each(|x| *x = false);
        self.shortest.iter_mut().for_each(|x| *x = f64::INFINITY);

        let mut i = cur_row;
        loop {
            let mut index = UNASSIGNED;
            let mut lowest = f64::INFINITY;
            self.sr[i] = true;
            let row = &cost[i * nc..(i + 1) * nc];
            let ui = self.u[i];
            for it in 0..num_remaining {
                let j = self.remaining[it];
                let r = min_val + row[j] - ui - self.v[j];
                if r < self.shortest[j] {
                    self.path[j] = i;
                    self.shortest[j] = r;
                }
                let s = self.shortest[j];
                if s < lowest || (s == lowest && self.row4col[j] == UNASSIGNED) {
                    lowest = s;
                    index = it;
                }
            }
            min_val = lowest;
            if index == UNASSIGNED || !min_val.is_finite() {
                return Err(AssignmentError::Infeasible);
            }
            let j = self.remaining[index];
            self.sc[j] = true;
            num_remaining -= 1;
            self.remaining[index] = self.remaining[num_remaining];
            if self.row4col[j] == UNASSIGNED {
                return Ok((j, min_val));
            }
            i = self.row4col[j];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Minimum over all injective maps of the smaller side into the larger one.
    fn brute_force(cost: &[f64], rows: usize, cols: usize) -> f64 {
        fn rec(
            cost: &[f64],
            rows: usize,
            cols: usize,
            r: usize,
            used: &mut [bool],
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
        if rows == 0 || cols == 0 {
            return 0.0;
        }
        if rows > cols {
            let mut t = vec![0.0; rows * cols];
            for i in 0..rows {
                for j in 0..cols {
                    t[j * rows + i] = cost[i * cols + j];
                }
            }
            return brute_force(&t, cols, rows);
        }
        let mut best = f64::INFINITY;
        rec(cost, rows, cols, 0, &mut vec![false; cols], 0.0, &mut best);
        best
    }

    fn check_valid(a: &Assignment, cost: &[f64], rows: usize, cols: usize) {
        assert_eq!(a.row_to_col.len(), rows);
        let mut used = vec![false; cols];
        let mut n = 0;
        let mut total = 0.0;
        for (r, c) in a.pairs() {
            assert!(!used[c], "column {c} used twice");
            used[c] = true;
            n += 1;
            total += cost[r * cols + c];
        }
        assert_eq!(n, rows.min(cols));
        assert!((total - a.total_cost).abs() <= 1e-9 * (1.0 + total.abs()));
    }

    #[test]
    fn square_known_case() {
        // SciPy documentation example: optimum 5 with rows -> [1, 0, 2].
        let cost = [4.0, 1.0, 3.0, 2.0, 0.0, 5.0, 3.0, 2.0, 2.0];
        let a = solve_rectangular(&cost, 3, 3).unwrap();
        assert_eq!(a.row_to_col, vec![Some(1), Some(0), Some(2)]);
        assert_eq!(a.total_cost, 5.0);
    }

    #[test]
    fn tall_and_wide() {
        let cost = [1.0, 10.0, 10.0, 2.0, 0.5, 0.4];
        // 3 x 2: rows 0 and 2 take columns 0 and 1.
        let a = solve_rectangular(&cost, 3, 2).unwrap();
        assert_eq!(a.row_to_col, vec![Some(0), None, Some(1)]);
        assert!((a.total_cost - 1.4).abs() < 1e-12);
        // 2 x 3
        let a = solve_rectangular(&cost, 2, 3).unwrap();
        check_valid(&a, &cost, 2, 3);
        assert!((a.total_cost - 1.4).abs() < 1e-12);
    }

    #[test]
    fn empty_and_errors() {
        let a = solve_rectangular(&[], 0, 5).unwrap();
        assert_eq!(a.total_cost, 0.0);
        assert!(a.row_to_col.is_empty());
        let a = solve_rectangular(&[], 3, 0).unwrap();
        assert_eq!(a.row_to_col, vec![None, None, None]);
        assert!(matches!(
            solve_rectangular(&[1.0, 2.0], 2, 2),
            Err(AssignmentError::DimensionMismatch { .. })
        ));
        assert!(matches!(
            solve_rectangular(&[1.0, f64::NAN], 1, 2),
            Err(AssignmentError::NonFiniteCost { row: 0, col: 1, .. })
        ));
        assert!(matches!(
            solve_rectangular(&[f64::INFINITY], 1, 1),
            Err(AssignmentError::NonFiniteCost { .. })
        ));
        assert!(matches!(
            solve_rectangular(&[], usize::MAX, 2),
            Err(AssignmentError::DimensionMismatch { .. })
        ));
    }

    #[test]
    fn solver_reuse_across_shapes() {
        let mut s = Solver::new();
        let c1 = [4.0, 1.0, 3.0, 2.0, 0.0, 5.0, 3.0, 2.0, 2.0];
        assert_eq!(s.solve(&c1, 3, 3).unwrap(), 5.0);
        let c2 = [1.0, 10.0, 10.0, 2.0, 0.5, 0.4];
        assert!((s.solve(&c2, 3, 2).unwrap() - 1.4).abs() < 1e-12);
        assert_eq!(s.row_to_col(), &[Some(0), None, Some(1)]);
        assert_eq!(s.solve(&c1, 3, 3).unwrap(), 5.0);
        assert_eq!(s.row_to_col(), &[Some(1), Some(0), Some(2)]);
    }

    fn matrix(max: usize) -> impl Strategy<Value = (usize, usize, Vec<f64>)> {
        (0..=max, 0..=max).prop_flat_map(|(r, c)| {
            (
                Just(r),
                Just(c),
                prop::collection::vec(
                    prop_oneof![
                        -1e3..1e3f64,
                        (0..5i32).prop_map(f64::from), // many ties
                    ],
                    r * c,
                ),
            )
        })
    }

    proptest! {
        #[test]
        fn matches_brute_force((r, c, cost) in matrix(6)) {
            let a = solve_rectangular(&cost, r, c).unwrap();
            check_valid(&a, &cost, r, c);
            let b = brute_force(&cost, r, c);
            prop_assert!((a.total_cost - b).abs() <= 1e-9 * (1.0 + b.abs()),
                "solver {} vs brute force {}", a.total_cost, b);
        }

        #[test]
        fn matches_lsap((r, c, cost) in matrix(25)) {
            let a = solve_rectangular(&cost, r, c).unwrap();
            check_valid(&a, &cost, r, c);
            let b = lsap::get_assigned_cost(r, c, &cost, false).unwrap();
            prop_assert!((a.total_cost - b).abs() <= 1e-9 * (1.0 + b.abs()),
                "solver {} vs lsap {}", a.total_cost, b);
        }
    }
}
