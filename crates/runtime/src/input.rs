//! The inputs of the core, exactly as they are journaled: every byte the sensors sent (ASTERIX
//! blocks and SBS text lines, each with its reception time), every cadence tick, every operator action and every fire-unit report.
//! Replaying them in journal order through a fresh core reproduces the run.

use serde::{Deserialize, Serialize};

/// Roles, lowest first (each includes the rights of the ones before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Observer,
    Operator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Observer => "observer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "observer" => Some(Role::Observer),
            "operator" => Some(Role::Operator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// What an operator decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum OperatorAction {
    Approve {
        engagement: u64,
        #[serde(default)]
        comment: Option<String>,
    },
    Reject {
        engagement: u64,
        reason: String,
    },
}

/// Result of one interceptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Kill,
    Miss,
    Abort,
}

/// What a fire unit reports back about an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum FireUnitEvent {
    Launched {
        engagement: u64,
        launcher: String,
        rounds: u32,
    },
    Refused {
        engagement: u64,
        launcher: String,
        reason: String,
    },
    Outcome {
        engagement: u64,
        outcome: Outcome,
    },
    /// A defended asset reports being hit (a leaker).
    AssetHit {
        asset: String,
    },
}

/// One input of the core.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Input {
    /// A datagram or stream chunk of ASTERIX data blocks from a source, received at
    /// `recv_ns` (UTC ns, the reference instant of the blocks' times of day).
    Asterix {
        source: u32,
        recv_ns: i64,
        #[serde(skip)]
        data: Vec<u8>,
    },
    /// Whole lines of SBS/BaseStation text (the port-30003 format) from a feed mapped to the
    /// ADS-B receiver `source` (a site sensor id), received at `recv_ns` (UTC ns, used as the
    /// time of every position in them). The bytes are kept as they arrived, line terminators
    /// included (not necessarily UTF-8: the core counts what it cannot parse).
    Sbs {
        source: u32,
        recv_ns: i64,
        #[serde(skip)]
        lines: Vec<u8>,
    },
    /// The core cycle: classification, identification, and (at the plan period) threat
    /// evaluation and assignment, at `t_ns`.
    Tick { t_ns: i64 },
    /// An authenticated operator action.
    Operator {
        t_ns: i64,
        user: String,
        role: Role,
        action: OperatorAction,
    },
    /// A fire unit's report.
    FireUnit { t_ns: i64, event: FireUnitEvent },
}

impl Input {
    /// The journal's kind column.
    pub fn kind(&self) -> &'static str {
        match self {
            Input::Asterix { .. } => "asterix",
            Input::Sbs { .. } => "sbs",
            Input::Tick { .. } => "tick",
            Input::Operator { .. } => "operator",
            Input::FireUnit { .. } => "fire_unit",
        }
    }

    /// The time the input carries.
    pub fn time_ns(&self) -> i64 {
        match self {
            Input::Asterix { recv_ns, .. } | Input::Sbs { recv_ns, .. } => *recv_ns,
            Input::Tick { t_ns } | Input::Operator { t_ns, .. } | Input::FireUnit { t_ns, .. } => {
                *t_ns
            }
        }
    }
}
