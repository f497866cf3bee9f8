//! WTA instances: the JSON schema of `peer/wta/**/instances/*.json`, its validation, and the
//! compact internal form the solvers work on (dense `p` and `q = -ln(1-p)`, per-target lists of
//! the weapons that can engage, per-weapon lists of the targets they can reach).

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Largest inventory accepted for one weapon type (keeps every count in `u32` and every
/// enumeration finite).
pub const MAX_COUNT: i64 = 1_000_000;

/// Kill probabilities are clamped below this so `1/(1-p)` stays finite; the objective changes by
/// less than `1e-12 * V` per target.
pub const P_MAX: f64 = 1.0 - 1e-12;

/// Why an instance was refused.
#[derive(Debug, Error)]
pub enum WtaError {
    #[error("cannot parse WTA instance: {0}")]
    Parse(String),
    #[error("invalid WTA instance: field `{field}`: {reason}")]
    Invalid { field: String, reason: String },
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> WtaError {
    WtaError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// One weapon (launcher or weapon type) of an instance: `count` identical units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeaponSpec {
    pub id: i64,
    /// Units available. Zero is accepted (an empty launcher during re-planning); negative is not.
    pub count: i64,
}

/// One target (threat) of an instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSpec {
    pub id: i64,
    /// Threat value `V_j >= 0`.
    pub value: f64,
}

/// A static WTA instance as stored on disk. Extra fields (geometry, provenance) are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WtaInstance {
    #[serde(default)]
    pub name: Option<String>,
    pub weapons: Vec<WeaponSpec>,
    pub targets: Vec<TargetSpec>,
    /// `p[i][j]`: kill probability of one unit of weapon `i` against target `j` (0: cannot engage).
    pub p: Vec<Vec<f64>>,
}

impl WtaInstance {
    /// Parses and validates an instance from JSON text.
    pub fn from_json(text: &str) -> Result<Self, WtaError> {
        let inst: WtaInstance =
            serde_json::from_str(text).map_err(|e| WtaError::Parse(e.to_string()))?;
        inst.validate()?;
        Ok(inst)
    }

    /// Checks sizes, counts, values and probabilities; the error names the offending field.
    pub fn validate(&self) -> Result<(), WtaError> {
        let (nw, nt) = (self.weapons.len(), self.targets.len());
        for (i, w) in self.weapons.iter().enumerate() {
            if w.count < 0 {
                return Err(invalid(
                    format!("weapons[{i}].count"),
                    format!("negative count {}", w.count),
                ));
            }
            if w.count > MAX_COUNT {
                return Err(invalid(
                    format!("weapons[{i}].count"),
                    format!("count {} above the limit {MAX_COUNT}", w.count),
                ));
            }
        }
        for (j, t) in self.targets.iter().enumerate() {
            if !t.value.is_finite() || t.value < 0.0 {
                return Err(invalid(
                    format!("targets[{j}].value"),
                    format!("value {} is not a finite number >= 0", t.value),
                ));
            }
        }
        if self.p.len() != nw {
            return Err(invalid(
                "p",
                format!("{} rows but {} weapons", self.p.len(), nw),
            ));
        }
        for (i, row) in self.p.iter().enumerate() {
            if row.len() != nt {
                return Err(invalid(
                    format!("p[{i}]"),
                    format!("{} columns but {} targets", row.len(), nt),
                ));
            }
            for (j, &v) in row.iter().enumerate() {
                if !(0.0..=1.0).contains(&v) {
                    return Err(invalid(
                        format!("p[{i}][{j}]"),
                        format!("probability {v} outside [0, 1]"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Expected surviving value of an assignment given as `(weapon, target, count)` triples, with
    /// its feasibility checked.
    pub fn evaluate(&self, shots: &[(usize, usize, u32)]) -> Result<f64, WtaError> {
        let mut used = vec![0i64; self.weapons.len()];
        let mut surv = vec![1.0f64; self.targets.len()];
        for (k, &(i, j, n)) in shots.iter().enumerate() {
            if i >= self.weapons.len() || j >= self.targets.len() {
                return Err(invalid(
                    format!("assignment[{k}]"),
                    "weapon or target index out of range",
                ));
            }
            used[i] += i64::from(n);
            surv[j] *= (1.0 - self.p[i][j]).powi(n as i32);
        }
        for (i, (&u, w)) in used.iter().zip(&self.weapons).enumerate() {
            if u > w.count {
                return Err(invalid(
                    format!("assignment (weapon {i})"),
                    format!("uses {u} units of {}", w.count),
                ));
            }
        }
        Ok(self
            .targets
            .iter()
            .zip(&surv)
            .map(|(t, s)| t.value * s)
            .sum())
    }
}

/// The solver's view of a validated instance.
#[derive(Debug, Clone)]
pub struct Problem {
    pub n_w: usize,
    pub n_t: usize,
    pub counts: Vec<u32>,
    pub values: Vec<f64>,
    /// Dense `p[i * n_t + j]`, clamped to `P_MAX`.
    pub p: Vec<f64>,
    /// Dense `q = -ln(1 - p)`.
    pub q: Vec<f64>,
    /// Transposed `p`: `pt[j * n_w + i] = p[i * n_t + j]` (contiguous per target).
    pub pt: Vec<f64>,
    /// Per target: weapons with `p > 0` and `count > 0`, by decreasing `p` (ties by index).
    pub cand: Vec<Vec<u32>>,
    /// Per target: `(p, q)` of each entry of `cand`, contiguous for the pricing scans.
    pub cand_pq: Vec<Vec<(f64, f64)>>,
    /// Per weapon: targets with `p > 0` and `V > 0`.
    pub reach: Vec<Vec<u32>>,
    /// Per target: most units that may be assigned (doctrine; `u32::MAX` when unlimited).
    pub max_shots: Vec<u32>,
}

impl Problem {
    /// Builds the internal form. The instance must have passed [`WtaInstance::validate`].
    pub fn new(inst: &WtaInstance) -> Result<Self, WtaError> {
        inst.validate()?;
        let (n_w, n_t) = (inst.weapons.len(), inst.targets.len());
        let counts: Vec<u32> = inst.weapons.iter().map(|w| w.count as u32).collect();
        let values: Vec<f64> = inst.targets.iter().map(|t| t.value).collect();
        let mut p = vec![0.0; n_w * n_t];
        let mut q = vec![0.0; n_w * n_t];
        for i in 0..n_w {
            for j in 0..n_t {
                let v = inst.p[i][j].min(P_MAX);
                p[i * n_t + j] = v;
                q[i * n_t + j] = -(-v).ln_1p();
            }
        }
        Ok(Self::from_parts(counts, values, p, q))
    }

    /// Builds from dense arrays already checked (used by the doctrine layer after masking).
    pub fn from_parts(counts: Vec<u32>, values: Vec<f64>, p: Vec<f64>, q: Vec<f64>) -> Self {
        let (n_w, n_t) = (counts.len(), values.len());
        let mut cand = vec![Vec::new(); n_t];
        let mut reach = vec![Vec::new(); n_w];
        for j in 0..n_t {
            if values[j] <= 0.0 {
                continue;
            }
            for i in 0..n_w {
                if p[i * n_t + j] > 0.0 && counts[i] > 0 {
                    cand[j].push(i as u32);
                    reach[i].push(j as u32);
                }
            }
            cand[j].sort_by(|&a, &b| {
                p[b as usize * n_t + j]
                    .total_cmp(&p[a as usize * n_t + j])
                    .then(a.cmp(&b))
            });
        }
        let cand_pq = cand
            .iter()
            .enumerate()
            .map(|(j, c)| {
                c.iter()
                    .map(|&i| (p[i as usize * n_t + j], q[i as usize * n_t + j]))
                    .collect()
            })
            .collect();
        let mut pt = vec![0.0; n_w * n_t];
        for i in 0..n_w {
            for j in 0..n_t {
                pt[j * n_w + i] = p[i * n_t + j];
            }
        }
        Self {
            n_w,
            n_t,
            counts,
            values,
            p,
            q,
            pt,
            cand,
            cand_pq,
            reach,
            max_shots: vec![u32::MAX; n_t],
        }
    }

    /// Limits every target to at most `k` units (doctrine "at most k interceptors per threat").
    pub fn with_max_shots(mut self, k: u32) -> Self {
        self.max_shots = vec![k; self.n_t];
        self
    }

    #[inline]
    pub fn p(&self, i: usize, j: usize) -> f64 {
        self.p[i * self.n_t + j]
    }

    #[inline]
    pub fn q(&self, i: usize, j: usize) -> f64 {
        self.q[i * self.n_t + j]
    }

    /// Sum of target values (the objective of the empty plan).
    pub fn total_value(&self) -> f64 {
        self.values.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(text: &str) -> Result<WtaInstance, WtaError> {
        WtaInstance::from_json(text)
    }

    #[test]
    fn bad_input_names_the_field() {
        let e =
            inst(r#"{"weapons":[{"id":0,"count":-1}],"targets":[{"id":0,"value":1}],"p":[[0.5]]}"#)
                .unwrap_err();
        assert!(e.to_string().contains("weapons[0].count"), "{e}");
        let e =
            inst(r#"{"weapons":[{"id":0,"count":1}],"targets":[{"id":0,"value":1}],"p":[[1.5]]}"#)
                .unwrap_err();
        assert!(e.to_string().contains("p[0][0]"), "{e}");
        let e = inst(
            r#"{"weapons":[{"id":0,"count":1}],"targets":[{"id":0,"value":1}],"p":[[0.5,0.2]]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("p[0]"), "{e}");
        let e = inst(r#"{"weapons":[{"id":0,"count":1}],"targets":[{"id":0,"value":1}],"p":[]}"#)
            .unwrap_err();
        assert!(e.to_string().contains("`p`"), "{e}");
        let e = inst(r#"{"weapons":[{"id":0}],"targets":[{"id":0,"value":1}],"p":[[0.5]]}"#)
            .unwrap_err();
        assert!(e.to_string().contains("count"), "{e}");
        let e =
            inst(r#"{"weapons":[{"id":0,"count":1}],"targets":[{"id":0,"value":-3}],"p":[[0.5]]}"#)
                .unwrap_err();
        assert!(e.to_string().contains("targets[0].value"), "{e}");
        let e = inst("not json").unwrap_err();
        assert!(matches!(e, WtaError::Parse(_)));
    }

    #[test]
    fn evaluate_checks_inventory() {
        let i =
            inst(r#"{"weapons":[{"id":0,"count":1}],"targets":[{"id":0,"value":10}],"p":[[0.5]]}"#)
                .unwrap();
        assert!((i.evaluate(&[(0, 0, 1)]).unwrap() - 5.0).abs() < 1e-12);
        assert!(i.evaluate(&[(0, 0, 2)]).is_err());
    }
}
