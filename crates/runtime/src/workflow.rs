//! The operator workflow: every engagement recommendation becomes a record whose status only
//! moves forward:
//!
//! ```text
//! recommended ─approve─▶ approved ─launch─▶ engaged ─▶ kill | miss | aborted
//!      │                    │
//!      ├─reject─▶ rejected  └─window closed / track ended─▶ lapsed
//!      └─re-plan, window closed, track ended, identity changed─▶ lapsed
//! ```
//!
//! Only an authenticated operator action turns `recommended` into `approved`, and only an
//! `approved` record is ever ordered to a fire unit: there is no other path to a launch.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

/// Status of an engagement record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EngagementStatus {
    Recommended,
    Approved,
    Engaged,
    Kill,
    Miss,
    Aborted,
    Rejected,
    Lapsed,
}

impl EngagementStatus {
    /// No further transition is possible.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Kill | Self::Miss | Self::Aborted | Self::Rejected | Self::Lapsed
        )
    }

    /// The record holds the track (no new recommendation for it while active).
    pub fn is_active(self) -> bool {
        matches!(self, Self::Approved | Self::Engaged)
    }
}

/// Predicted intercept point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InterceptView {
    pub lat_deg: f64,
    pub lon_deg: f64,
    pub alt_m: f64,
    /// Predicted intercept time, s since the scenario epoch, when known.
    pub t_s: Option<f64>,
}

/// One engagement record (the **Engagement** object of `docs/api.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngagementRecord {
    pub id: u64,
    pub track: u64,
    pub launcher: u32,
    pub launcher_name: String,
    pub interceptor: String,
    pub rounds: u32,
    pub status: EngagementStatus,
    pub created_t_s: f64,
    pub updated_t_s: f64,
    pub earliest_launch_t_s: f64,
    pub latest_launch_t_s: f64,
    pub intercept: InterceptView,
    pub pk: f64,
    pub expected_leakage: f64,
    pub threat_value: f64,
    pub reasons: Vec<String>,
    pub decided_by: Option<String>,
    pub decided_t_s: Option<f64>,
    pub comment: Option<String>,
    pub outcome: Option<String>,
    /// An order has gone to the fire unit (approved, waiting for its launch report).
    #[serde(default)]
    pub ordered: bool,
    /// Interceptor results so far.
    #[serde(default)]
    pub kills: u32,
    #[serde(default)]
    pub resolved: u32,
}

/// Why an operator action was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum ActionError {
    #[error("no engagement {0}")]
    NotFound(u64),
    #[error("engagement {id} is {status:?}, not recommended")]
    Conflict { id: u64, status: EngagementStatus },
    #[error("role {0} may not decide engagements")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(String),
}

/// All engagement records, by id.
#[derive(Debug, Clone, Default)]
pub struct Workflow {
    records: BTreeMap<u64, EngagementRecord>,
    next_id: u64,
    /// Ids changed since the last [`Workflow::take_changed`].
    changed: Vec<u64>,
}

impl Workflow {
    pub fn records(&self) -> impl DoubleEndedIterator<Item = &EngagementRecord> {
        self.records.values()
    }

    pub fn get(&self, id: u64) -> Option<&EngagementRecord> {
        self.records.get(&id)
    }

    pub fn get_mut(&mut self, id: u64) -> Option<&mut EngagementRecord> {
        if self.records.contains_key(&id) {
            self.changed.push(id);
        }
        self.records.get_mut(&id)
    }

    /// Adds a new record (status `recommended`), returning its id.
    pub fn create(&mut self, mut rec: EngagementRecord) -> u64 {
        self.next_id += 1;
        rec.id = self.next_id;
        rec.status = EngagementStatus::Recommended;
        self.records.insert(rec.id, rec);
        self.changed.push(self.next_id);
        self.next_id
    }

    /// Moves a record to a new status with a comment.
    pub fn transition(&mut self, id: u64, to: EngagementStatus, t_s: f64, comment: Option<String>) {
        if let Some(r) = self.get_mut(id)
            && !r.status.is_final()
        {
            r.status = to;
            r.updated_t_s = t_s;
            if comment.is_some() {
                r.comment = comment;
            }
        }
    }

    /// An operator's decision.
    pub fn decide(
        &mut self,
        id: u64,
        approve: bool,
        user: &str,
        t_s: f64,
        comment: Option<String>,
    ) -> Result<EngagementRecord, ActionError> {
        let r = self.records.get(&id).ok_or(ActionError::NotFound(id))?;
        if r.status != EngagementStatus::Recommended {
            return Err(ActionError::Conflict {
                id,
                status: r.status,
            });
        }
        let r = self.get_mut(id).expect("present");
        r.status = if approve {
            EngagementStatus::Approved
        } else {
            EngagementStatus::Rejected
        };
        r.decided_by = Some(user.to_string());
        r.decided_t_s = Some(t_s);
        r.updated_t_s = t_s;
        r.comment = comment;
        Ok(r.clone())
    }

    /// Whether any record changed since the last [`Workflow::take_changed`].
    pub fn has_changes(&self) -> bool {
        !self.changed.is_empty()
    }

    /// Ids changed since the last call, each once, in id order.
    pub fn take_changed(&mut self) -> Vec<u64> {
        let mut v = std::mem::take(&mut self.changed);
        v.sort_unstable();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn record(track: u64) -> EngagementRecord {
        EngagementRecord {
            id: 0,
            track,
            launcher: 1,
            launcher_name: "LR-1".into(),
            interceptor: "SAM".into(),
            rounds: 1,
            status: EngagementStatus::Recommended,
            created_t_s: 0.0,
            updated_t_s: 0.0,
            earliest_launch_t_s: 0.0,
            latest_launch_t_s: 10.0,
            intercept: InterceptView {
                lat_deg: 0.0,
                lon_deg: 0.0,
                alt_m: 0.0,
                t_s: Some(20.0),
            },
            pk: 0.8,
            expected_leakage: 0.2,
            threat_value: 1.0,
            reasons: vec![],
            decided_by: None,
            decided_t_s: None,
            comment: None,
            outcome: None,
            ordered: false,
            kills: 0,
            resolved: 0,
        }
    }

    #[test]
    fn decisions_only_on_recommended() {
        let mut w = Workflow::default();
        let a = w.create(record(1));
        let b = w.create(record(2));
        let r = w.decide(a, true, "op", 1.0, None).unwrap();
        assert_eq!(r.status, EngagementStatus::Approved);
        assert_eq!(r.decided_by.as_deref(), Some("op"));
        assert!(matches!(
            w.decide(a, false, "op", 2.0, Some("no".into())),
            Err(ActionError::Conflict { .. })
        ));
        w.transition(
            b,
            EngagementStatus::Lapsed,
            3.0,
            Some("window closed".into()),
        );
        assert!(matches!(
            w.decide(b, true, "op", 4.0, None),
            Err(ActionError::Conflict {
                status: EngagementStatus::Lapsed,
                ..
            })
        ));
        assert_eq!(
            w.decide(99, true, "op", 4.0, None),
            Err(ActionError::NotFound(99))
        );
        // Final states do not move.
        w.transition(b, EngagementStatus::Approved, 5.0, None);
        assert_eq!(w.get(b).unwrap().status, EngagementStatus::Lapsed);
        assert_eq!(w.take_changed(), vec![a, b]);
    }
}
