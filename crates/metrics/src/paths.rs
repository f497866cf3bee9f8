//! Grouping of flat state samples into paths (tracks or truths), mirroring how Stone Soup sees a
//! `Track` / `GroundTruthPath`: the raw state sequence in input order, the sequence produced by
//! `StateMutableSequence.last_timestamp_generator()` (what OSPA/GOSPA and `TrackToTruth` read),
//! and the `path[timestamp]` lookup (the last state with exactly that timestamp).

use crate::StateSample;
use std::ops::Range;

/// One path: a run of samples sharing an id.
#[derive(Debug, Clone)]
pub(crate) struct Path {
    /// The caller's id.
    pub id: u64,
    /// Range into [`PathSet::by_time`].
    pub raw: Range<usize>,
    /// Range into [`PathSet::ext`].
    pub ext: Range<usize>,
}

/// All paths of one kind, with index vectors into the caller's sample slice.
#[derive(Debug, Clone)]
pub(crate) struct PathSet<'a> {
    pub samples: &'a [StateSample],
    pub paths: Vec<Path>,
    /// `(time, sample)` per path sorted by time (stable), for timestamp lookups.
    pub by_time: Vec<(i64, usize)>,
    /// Sample indices yielded by `last_timestamp_generator`, per path.
    pub ext: Vec<usize>,
}

impl<'a> PathSet<'a> {
    /// Group `samples` by id (paths ordered by id, samples in input order).
    pub fn new(samples: &'a [StateSample]) -> Self {
        let mut raw: Vec<usize> = (0..samples.len()).collect();
        raw.sort_by_key(|&i| samples[i].id); // stable: keeps input order within an id
        let mut paths = Vec::new();
        let mut ext = Vec::with_capacity(samples.len());
        let mut by_time = Vec::with_capacity(samples.len());
        let mut start = 0;
        while start < raw.len() {
            let id = samples[raw[start]].id;
            let mut end = start + 1;
            while end < raw.len() && samples[raw[end]].id == id {
                end += 1;
            }
            // last_timestamp_generator: yield the current state whenever the next one is
            // strictly later; otherwise the next one replaces it.
            let ext_start = ext.len();
            let mut current = raw[start];
            for &next in &raw[start + 1..end] {
                if samples[next].time_us > samples[current].time_us {
                    ext.push(current);
                }
                current = next;
            }
            ext.push(current);
            let bt_start = by_time.len();
            by_time.extend(raw[start..end].iter().map(|&i| (samples[i].time_us, i)));
            by_time[bt_start..].sort_by_key(|&(t, _)| t);
            paths.push(Path {
                id,
                raw: start..end,
                ext: ext_start..ext.len(),
            });
            start = end;
        }
        Self {
            samples,
            paths,
            by_time,
            ext,
        }
    }

    /// `path[timestamp]` in Stone Soup: the last state (in input order) with exactly `t`.
    pub fn at(&self, path: usize, t: i64) -> Option<&'a StateSample> {
        let sorted = &self.by_time[self.paths[path].raw.clone()];
        let end = sorted.partition_point(|&(ti, _)| ti <= t);
        if end == 0 || sorted[end - 1].0 != t {
            return None;
        }
        Some(&self.samples[sorted[end - 1].1])
    }

    /// The raw timestamps of a path, sorted (with duplicates).
    pub fn sorted_times(&self, path: usize) -> impl Iterator<Item = i64> + '_ {
        self.by_time[self.paths[path].raw.clone()]
            .iter()
            .map(|&(t, _)| t)
    }

    /// The samples yielded by `last_timestamp_generator` for a path.
    pub fn extracted(&self, path: usize) -> impl Iterator<Item = (usize, &'a StateSample)> + '_ {
        self.ext[self.paths[path].ext.clone()]
            .iter()
            .map(|&i| (i, &self.samples[i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: i64, id: u64, x: f64) -> StateSample {
        StateSample {
            time_us: t,
            id,
            position: [x, 0.0, 0.0],
            velocity: [0.0; 3],
        }
    }

    #[test]
    fn groups_and_dedupes_like_stone_soup() {
        let samples = vec![
            s(0, 7, 1.0),
            s(0, 3, 2.0),
            s(0, 7, 3.0), // duplicate time: replaces the first
            s(5, 7, 4.0),
            s(3, 7, 5.0), // out of order: replaces 5 without yielding it
            s(9, 7, 6.0),
        ];
        let p = PathSet::new(&samples);
        assert_eq!(p.paths.len(), 2);
        assert_eq!(p.paths[0].id, 3);
        let xs: Vec<f64> = p.extracted(1).map(|(_, s)| s.position[0]).collect();
        assert_eq!(xs, vec![3.0, 5.0, 6.0]);
        assert_eq!(p.at(1, 0).unwrap().position[0], 3.0);
        assert_eq!(p.at(1, 5).unwrap().position[0], 4.0);
        assert!(p.at(1, 4).is_none());
        assert_eq!(p.sorted_times(1).collect::<Vec<_>>(), vec![0, 0, 3, 5, 9]);
    }
}
