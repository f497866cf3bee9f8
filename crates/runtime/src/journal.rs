//! The journal: every input of the core, appended durably in the order the core applied it,
//! plus the digest the core reached at every cycle.
//!
//! Storage is SQLite in WAL mode (rusqlite, bundled): one file, crash-safe (a killed process
//! loses nothing that was committed; WAL with `synchronous = NORMAL` risks only the last
//! commits on a power cut, never on a process crash), readable with any SQLite tool, and
//! indexed, so a replay or an export can pick one run. The shell commits after every batch of
//! inputs and always before it answers an operator action, so an acknowledged action is on
//! disk. ASTERIX payloads and SBS text lines are stored as the raw bytes received; every other input
//! as JSON.
//!
//! Schema:
//! - `runs(run, started_unix_ns, tessera, site)`: one row per start; `site` is the
//!   [`SiteConfig`] JSON the core was built from.
//! - `inputs(seq, run, kind, t_ns, source, body)`: the inputs, `seq` in application order.
//! - `cycles(run, seq, t_ns, version, digest)`: the core's digest after the tick `seq`.

use crate::input::Input;
use crate::site::SiteConfig;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A journal failure.
#[derive(Debug, Error)]
pub enum JournalError {
    #[error("journal {path}: {source}")]
    Sql {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("journal {path}: {what}")]
    Content { path: PathBuf, what: String },
}

/// One journaled input as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub seq: i64,
    pub input: Input,
}

/// One journaled cycle digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CycleRow {
    pub seq: i64,
    pub t_ns: i64,
    pub version: u64,
    pub digest: u64,
}

/// Sizes of a journal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct JournalStats {
    pub inputs: u64,
    pub actions: u64,
    pub bytes: u64,
}

/// The appending side.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
    run: i64,
    in_tx: bool,
    pending: u64,
    committed: JournalStats,
    uncommitted: JournalStats,
}

fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> JournalError + '_ {
    move |source| JournalError::Sql {
        path: path.to_path_buf(),
        source,
    }
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS runs(
        run INTEGER PRIMARY KEY,
        started_unix_ns INTEGER NOT NULL,
        tessera TEXT NOT NULL,
        site TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS inputs(
        seq INTEGER PRIMARY KEY,
        run INTEGER NOT NULL,
        kind TEXT NOT NULL,
        t_ns INTEGER NOT NULL,
        source INTEGER,
        body BLOB NOT NULL);
    CREATE INDEX IF NOT EXISTS inputs_run ON inputs(run, seq);
    CREATE TABLE IF NOT EXISTS cycles(
        run INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        t_ns INTEGER NOT NULL,
        version INTEGER NOT NULL,
        digest INTEGER NOT NULL,
        PRIMARY KEY(run, seq));
";

fn open(path: &Path) -> Result<Connection, JournalError> {
    let conn = Connection::open(path).map_err(sql(path))?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(sql(path))?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(sql(path))?;
    conn.execute_batch(SCHEMA).map_err(sql(path))?;
    Ok(conn)
}

/// Serialises an input into (kind, t_ns, source, body).
fn encode(input: &Input) -> (&'static str, i64, Option<i64>, Vec<u8>) {
    match input {
        Input::Asterix {
            source,
            recv_ns,
            data,
        } => ("asterix", *recv_ns, Some(i64::from(*source)), data.clone()),
        Input::Sbs {
            source,
            recv_ns,
            lines,
        } => ("sbs", *recv_ns, Some(i64::from(*source)), lines.clone()),
        other => (
            other.kind(),
            other.time_ns(),
            None,
            serde_json::to_vec(other).unwrap_or_default(),
        ),
    }
}

fn decode(
    path: &Path,
    kind: &str,
    t_ns: i64,
    source: Option<i64>,
    body: Vec<u8>,
) -> Result<Input, JournalError> {
    if kind == "asterix" {
        return Ok(Input::Asterix {
            source: source.unwrap_or(0) as u32,
            recv_ns: t_ns,
            data: body,
        });
    }
    if kind == "sbs" {
        return Ok(Input::Sbs {
            source: source.unwrap_or(0) as u32,
            recv_ns: t_ns,
            lines: body,
        });
    }
    serde_json::from_slice(&body).map_err(|e| JournalError::Content {
        path: path.to_path_buf(),
        what: format!("{kind} input: {e}"),
    })
}

impl Journal {
    /// Opens (creating if needed) the journal at `path` and starts a new run with `site`.
    pub fn create(
        path: &Path,
        site: &SiteConfig,
        started_unix_ns: i64,
    ) -> Result<Self, JournalError> {
        let conn = open(path)?;
        let site_json = serde_json::to_string(site).map_err(|e| JournalError::Content {
            path: path.to_path_buf(),
            what: format!("site: {e}"),
        })?;
        conn.execute(
            "INSERT INTO runs(started_unix_ns, tessera, site) VALUES (?1, ?2, ?3)",
            params![started_unix_ns, env!("CARGO_PKG_VERSION"), site_json],
        )
        .map_err(sql(path))?;
        let run = conn.last_insert_rowid();
        Ok(Self {
            conn,
            path: path.to_path_buf(),
            run,
            in_tx: false,
            pending: 0,
            committed: JournalStats::default(),
            uncommitted: JournalStats::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn run(&self) -> i64 {
        self.run
    }

    /// What has been committed (durable) in this run.
    pub fn stats(&self) -> JournalStats {
        self.committed
    }

    /// Appends an input (inside the current batch); returns its sequence number.
    pub fn append(&mut self, input: &Input) -> Result<i64, JournalError> {
        let p = self.path.clone();
        if !self.in_tx {
            self.conn.execute_batch("BEGIN").map_err(sql(&p))?;
            self.in_tx = true;
        }
        let (kind, t_ns, source, body) = encode(input);
        let len = body.len() as u64;
        self.conn
            .prepare_cached(
                "INSERT INTO inputs(run, kind, t_ns, source, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut st| st.execute(params![self.run, kind, t_ns, source, body]))
            .map_err(sql(&p))?;
        self.pending += 1;
        self.uncommitted.inputs += 1;
        self.uncommitted.bytes += len;
        if matches!(input, Input::Operator { .. }) {
            self.uncommitted.actions += 1;
        }
        Ok(self.conn.last_insert_rowid())
    }

    /// Records the core's digest after the tick journaled as `seq`.
    pub fn record_cycle(
        &mut self,
        seq: i64,
        t_ns: i64,
        version: u64,
        digest: u64,
    ) -> Result<(), JournalError> {
        let p = self.path.clone();
        if !self.in_tx {
            self.conn.execute_batch("BEGIN").map_err(sql(&p))?;
            self.in_tx = true;
        }
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO cycles(run, seq, t_ns, version, digest) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut st| {
                st.execute(params![self.run, seq, t_ns, version as i64, digest as i64])
            })
            .map_err(sql(&p))?;
        Ok(())
    }

    /// Inputs appended since the last commit.
    pub fn pending(&self) -> u64 {
        self.pending
    }

    /// Commits the current batch (durable on return).
    pub fn commit(&mut self) -> Result<(), JournalError> {
        if self.in_tx {
            let p = self.path.clone();
            self.conn.execute_batch("COMMIT").map_err(sql(&p))?;
            self.in_tx = false;
        }
        self.pending = 0;
        self.committed.inputs += self.uncommitted.inputs;
        self.committed.actions += self.uncommitted.actions;
        self.committed.bytes += self.uncommitted.bytes;
        self.uncommitted = JournalStats::default();
        Ok(())
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        let _ = self.commit();
    }
}

/// The reading side (replay, export, checks).
pub struct JournalReader {
    conn: Connection,
    path: PathBuf,
}

impl JournalReader {
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        if !path.exists() {
            return Err(JournalError::Content {
                path: path.to_path_buf(),
                what: "no such file".into(),
            });
        }
        Ok(Self {
            conn: open(path)?,
            path: path.to_path_buf(),
        })
    }

    /// Run numbers, oldest first.
    pub fn runs(&self) -> Result<Vec<i64>, JournalError> {
        let p = &self.path;
        let mut st = self
            .conn
            .prepare("SELECT run FROM runs ORDER BY run")
            .map_err(sql(p))?;
        let rows = st.query_map([], |r| r.get::<_, i64>(0)).map_err(sql(p))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql(p))
    }

    /// The site a run was started with.
    pub fn site(&self, run: i64) -> Result<SiteConfig, JournalError> {
        let p = &self.path;
        let text: Option<String> = self
            .conn
            .query_row("SELECT site FROM runs WHERE run = ?1", [run], |r| r.get(0))
            .optional()
            .map_err(sql(p))?;
        let text = text.ok_or_else(|| JournalError::Content {
            path: p.clone(),
            what: format!("no run {run}"),
        })?;
        serde_json::from_str(&text).map_err(|e| JournalError::Content {
            path: p.clone(),
            what: format!("run {run} site: {e}"),
        })
    }

    /// Every input of a run, in order, passed to `f` (stops at the first error `f` returns).
    pub fn for_each_input(
        &self,
        run: i64,
        mut f: impl FnMut(Entry) -> Result<(), JournalError>,
    ) -> Result<u64, JournalError> {
        let p = &self.path;
        let mut st = self
            .conn
            .prepare("SELECT seq, kind, t_ns, source, body FROM inputs WHERE run = ?1 ORDER BY seq")
            .map_err(sql(p))?;
        let mut rows = st.query([run]).map_err(sql(p))?;
        let mut n = 0;
        while let Some(row) = rows.next().map_err(sql(p))? {
            let seq: i64 = row.get(0).map_err(sql(p))?;
            let kind: String = row.get(1).map_err(sql(p))?;
            let t_ns: i64 = row.get(2).map_err(sql(p))?;
            let source: Option<i64> = row.get(3).map_err(sql(p))?;
            let body: Vec<u8> = row.get(4).map_err(sql(p))?;
            let input = decode(p, &kind, t_ns, source, body)?;
            f(Entry { seq, input })?;
            n += 1;
        }
        Ok(n)
    }

    /// Journaled digests of a run, by tick sequence number.
    pub fn cycles(&self, run: i64) -> Result<Vec<CycleRow>, JournalError> {
        let p = &self.path;
        let mut st = self
            .conn
            .prepare("SELECT seq, t_ns, version, digest FROM cycles WHERE run = ?1 ORDER BY seq")
            .map_err(sql(p))?;
        let rows = st
            .query_map([run], |r| {
                Ok(CycleRow {
                    seq: r.get(0)?,
                    t_ns: r.get(1)?,
                    version: r.get::<_, i64>(2)? as u64,
                    digest: r.get::<_, i64>(3)? as u64,
                })
            })
            .map_err(sql(p))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql(p))
    }

    /// Counts of a run's inputs (all kinds) and operator actions.
    pub fn counts(&self, run: i64) -> Result<JournalStats, JournalError> {
        let p = &self.path;
        self.conn
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(kind = 'operator'), 0), COALESCE(SUM(LENGTH(body)), 0) FROM inputs WHERE run = ?1",
                [run],
                |r| {
                    Ok(JournalStats {
                        inputs: r.get::<_, i64>(0)? as u64,
                        actions: r.get::<_, i64>(1)? as u64,
                        bytes: r.get::<_, i64>(2)? as u64,
                    })
                },
            )
            .map_err(sql(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{OperatorAction, Role};

    #[test]
    fn inputs_round_trip_in_order_per_run() {
        let dir = std::env::temp_dir().join(format!("tessera-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("j.sqlite");
        let site = SiteConfig::from_world(&tessera_sim::world::default_world()).unwrap();
        let inputs = vec![
            Input::Asterix {
                source: 3,
                recv_ns: 10,
                data: vec![48, 0, 3],
            },
            Input::Sbs {
                source: 7,
                recv_ns: 15,
                lines: b"MSG,1,1,1,4CA2D6,1,,,,,RYR1AB  ,,,,,,,,,,,\r\n\xff\n".to_vec(),
            },
            Input::Tick { t_ns: 20 },
            Input::Operator {
                t_ns: 25,
                user: "op".into(),
                role: Role::Operator,
                action: OperatorAction::Reject {
                    engagement: 4,
                    reason: "friendly nearby".into(),
                },
            },
        ];
        let run1 = {
            let mut j = Journal::create(&path, &site, 1).unwrap();
            for i in &inputs {
                j.append(i).unwrap();
            }
            j.record_cycle(2, 20, 1, u64::MAX - 5).unwrap();
            j.commit().unwrap();
            assert_eq!(j.stats().inputs, 4);
            assert_eq!(j.stats().actions, 1);
            j.run()
        };
        // A second run appends after the first.
        let run2 = {
            let mut j = Journal::create(&path, &site, 2).unwrap();
            j.append(&Input::Tick { t_ns: 99 }).unwrap();
            j.run()
        };
        let r = JournalReader::open(&path).unwrap();
        assert_eq!(r.runs().unwrap(), vec![run1, run2]);
        assert_eq!(r.site(run1).unwrap(), site);
        let mut back = Vec::new();
        r.for_each_input(run1, |e| {
            back.push(e.input);
            Ok(())
        })
        .unwrap();
        assert_eq!(back, inputs);
        assert_eq!(r.cycles(run1).unwrap()[0].digest, u64::MAX - 5);
        assert_eq!(r.counts(run2).unwrap().inputs, 1);
        std::fs::remove_dir_all(&dir).ok();
    }
}
