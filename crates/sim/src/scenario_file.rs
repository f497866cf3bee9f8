//! The scenario file format `stonesoup-baseline-scenario/1` (JSON lines, optionally gzip):
//! a header, then per frame the live targets' truth, the frame line and its detections.
//! See `formats.md`. A malformed line is an error naming the file and line.

use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Format tag written in headers.
pub const FORMAT: &str = "stonesoup-baseline-scenario/1";

#[derive(Debug, Error)]
pub enum ScenarioError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: no header line")]
    NoHeader { path: PathBuf },
}

/// One radar of the header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RadarHeader {
    pub id: u32,
    pub position: Vec<f64>,
    #[serde(default)]
    pub time_offset_us: i64,
}

/// The header line. Fields the tracker does not need are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    #[serde(rename = "type", default = "header_type")]
    pub kind: String,
    pub format: String,
    pub dim: usize,
    pub sigma_range_m: f64,
    pub sigma_bearing_deg: f64,
    #[serde(default)]
    pub sigma_elevation_deg: Option<f64>,
    pub radars: Vec<RadarHeader>,
    #[serde(default)]
    pub scan_period_us: Option<i64>,
    #[serde(default)]
    pub n_targets: Option<usize>,
    #[serde(default)]
    pub pd: Option<f64>,
    #[serde(default)]
    pub clutter_per_scan_per_radar: Option<f64>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn header_type() -> String {
    "header".into()
}

/// One truth state `[x vx y vy z vz]` (2D files: z and vz are 0).
#[derive(Debug, Clone, PartialEq)]
pub struct TruthState {
    pub t_us: i64,
    pub id: i64,
    pub state: [f64; 6],
}

/// One radar's detections at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub t_us: i64,
    pub radar: u32,
    /// Detections as written: `[el, bearing, range]`, or `[bearing, range, 0]` in 2D files.
    pub detections: Vec<[f64; 3]>,
    /// Truth id of each detection (-1 for clutter). For evaluation only: trackers must not
    /// read it.
    pub truth_ids: Vec<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Line {
    Header(Header),
    Truth {
        t_us: i64,
        id: i64,
        state: Vec<f64>,
    },
    Frame {
        t_us: i64,
        radar: u32,
        n_det: usize,
    },
    Det {
        t_us: i64,
        radar: u32,
        z: Vec<f64>,
        #[serde(default = "clutter_id")]
        truth: i64,
    },
}

fn clutter_id() -> i64 {
    -1
}

/// Opens a file for reading, decompressing gzip when its magic bytes say so.
pub fn open_maybe_gz(path: &Path) -> Result<Box<dyn BufRead>, ScenarioError> {
    let io = |source| ScenarioError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut f = File::open(path).map_err(io)?;
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic).map_err(io)?;
    let f = File::open(path).map_err(io)?;
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(BufReader::with_capacity(
            1 << 20,
            MultiGzDecoder::new(f),
        )))
    } else {
        Ok(Box::new(BufReader::with_capacity(1 << 20, f)))
    }
}

/// A whole scenario in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub header: Header,
    pub truths: Vec<TruthState>,
    pub frames: Vec<Frame>,
}

impl Scenario {
    /// Reads a scenario file.
    pub fn read(path: &Path) -> Result<Self, ScenarioError> {
        Self::read_with(path, true)
    }

    /// Reads a scenario file, optionally skipping the truth lines.
    pub fn read_with(path: &Path, keep_truth: bool) -> Result<Self, ScenarioError> {
        let reader = open_maybe_gz(path)?;
        let err = |line: usize, message: String| ScenarioError::Line {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut header: Option<Header> = None;
        let mut truths = Vec::new();
        let mut frames: Vec<Frame> = Vec::new();
        let mut expected_dets = 0usize;
        for (i, line) in reader.lines().enumerate() {
            let lineno = i + 1;
            let line = line.map_err(|e| err(lineno, format!("cannot read: {e}")))?;
            if line.trim().is_empty() {
                continue;
            }
            if !keep_truth && line.starts_with("{\"type\":\"truth\"") {
                continue;
            }
            let rec: Line = serde_json::from_str(&line)
                .map_err(|e| err(lineno, format!("malformed line: {e}")))?;
            match rec {
                Line::Header(h) => {
                    if !h.format.starts_with("stonesoup-baseline-scenario/") {
                        return Err(err(lineno, format!("unsupported format {:?}", h.format)));
                    }
                    if h.dim != 2 && h.dim != 3 {
                        return Err(err(lineno, format!("dim must be 2 or 3, got {}", h.dim)));
                    }
                    header = Some(h);
                }
                Line::Truth { t_us, id, state } => {
                    let Some(h) = &header else {
                        return Err(err(lineno, "truth before header".into()));
                    };
                    if state.len() != 2 * h.dim {
                        return Err(err(
                            lineno,
                            format!("truth state must have {} numbers", 2 * h.dim),
                        ));
                    }
                    let mut s6 = [0.0; 6];
                    s6[..state.len()].copy_from_slice(&state);
                    truths.push(TruthState {
                        t_us,
                        id,
                        state: s6,
                    });
                }
                Line::Frame { t_us, radar, n_det } => {
                    if header.is_none() {
                        return Err(err(lineno, "frame before header".into()));
                    }
                    if expected_dets != 0 {
                        return Err(err(
                            lineno,
                            format!("previous frame is missing {expected_dets} detections"),
                        ));
                    }
                    expected_dets = n_det;
                    frames.push(Frame {
                        t_us,
                        radar,
                        detections: Vec::with_capacity(n_det.min(1 << 20)),
                        truth_ids: Vec::with_capacity(n_det.min(1 << 20)),
                    });
                }
                Line::Det {
                    t_us,
                    radar,
                    z,
                    truth,
                } => {
                    let dim = header.as_ref().map_or(3, |h| h.dim);
                    if z.len() != dim {
                        return Err(err(lineno, format!("detection must have {dim} numbers")));
                    }
                    let mut z3 = [0.0; 3];
                    z3[..dim].copy_from_slice(&z);
                    let Some(frame) = frames.last_mut() else {
                        return Err(err(lineno, "detection outside a frame".into()));
                    };
                    if frame.t_us != t_us || frame.radar != radar || expected_dets == 0 {
                        return Err(err(
                            lineno,
                            "detection does not belong to the current frame".into(),
                        ));
                    }
                    expected_dets -= 1;
                    frame.detections.push(z3);
                    frame.truth_ids.push(truth);
                }
            }
        }
        let Some(header) = header else {
            return Err(ScenarioError::NoHeader {
                path: path.to_path_buf(),
            });
        };
        Ok(Self {
            header,
            truths,
            frames,
        })
    }

    /// Writes the scenario in the file format (gzip when the name ends in `.gz`), truth lines
    /// of each frame time before the frame, as the peer does.
    pub fn write(&self, path: &Path) -> Result<(), ScenarioError> {
        let io = |source| ScenarioError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::create(path).map_err(io)?;
        let mut out: Box<dyn Write> = if path.extension().is_some_and(|e| e == "gz") {
            Box::new(BufWriter::new(GzEncoder::new(
                file,
                flate2::Compression::fast(),
            )))
        } else {
            Box::new(BufWriter::new(file))
        };
        self.write_to(&mut out).map_err(io)?;
        out.flush().map_err(io)
    }

    /// Writes the scenario lines to any writer.
    pub fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        serde_json::to_writer(&mut *out, &self.header)?;
        out.write_all(b"\n")?;
        let dim = self.header.dim.clamp(2, 3);
        let mut ti = 0;
        for f in &self.frames {
            while ti < self.truths.len() && self.truths[ti].t_us <= f.t_us {
                let t = &self.truths[ti];
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({"type": "truth", "t_us": t.t_us, "id": t.id, "state": &t.state[..2 * dim]})
                )?;
                ti += 1;
            }
            writeln!(
                out,
                "{}",
                serde_json::json!({"type": "frame", "t_us": f.t_us, "radar": f.radar, "n_det": f.detections.len()})
            )?;
            for (z, id) in f.detections.iter().zip(&f.truth_ids) {
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({"type": "det", "t_us": f.t_us, "radar": f.radar, "z": &z[..dim], "truth": id})
                )?;
            }
        }
        Ok(())
    }
}
