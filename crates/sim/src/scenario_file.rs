//! Reader of scenario files (`stonesoup-baseline-scenario/1`, JSON lines, optionally gzip):
//! header, ground truth and per-radar frames of detections, turned into tracker scans.
//!
//! The file's world is flat Cartesian (x east, y north, z up) with every radar's axes parallel
//! to it; bearings are counter-clockwise from +x and become compass azimuths here.

use anyhow::{Context, Result, bail};
use flate2::read::MultiGzDecoder;
use nalgebra::Vector3;
use serde::Deserialize;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use tessera_domain::{Measurement, Observation, SensorId, SensorKind, SensorSite, Timestamp};
use tessera_track::Scan;

#[derive(Debug, Clone, Deserialize)]
pub struct RadarHeader {
    pub id: u32,
    pub position: Vec<f64>,
    #[serde(default)]
    pub time_offset_us: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Header {
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
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Line {
    Header(Header),
    Truth { t_us: i64, id: i64, state: Vec<f64> },
    Frame { t_us: i64, radar: u32, n_det: usize },
    Det { t_us: i64, radar: u32, z: Vec<f64> },
}

/// One truth state, in the file's state order.
#[derive(Debug, Clone)]
pub struct TruthState {
    pub t_us: i64,
    pub id: i64,
    pub state: Vec<f64>,
}

/// A frame: one radar's detections at one instant.
#[derive(Debug, Clone)]
pub struct Frame {
    pub t_us: i64,
    pub radar: u32,
    /// Detections as written (`[el, bearing, range]` or `[bearing, range]`).
    pub detections: Vec<Vec<f64>>,
}

/// Opens a file, decompressing gzip when its magic bytes say so.
pub fn open_maybe_gz(path: &Path) -> Result<Box<dyn BufRead>> {
    let mut f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic)?;
    let f = File::open(path)?;
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
#[derive(Debug, Clone)]
pub struct Scenario {
    pub header: Header,
    pub truths: Vec<TruthState>,
    pub frames: Vec<Frame>,
}

impl Scenario {
    /// Reads a scenario; a malformed line is an error naming file and line.
    pub fn read(path: &Path) -> Result<Self> {
        Self::read_with(path, true)
    }

    /// Reads a scenario, optionally skipping the truth lines (the tracker must not need them).
    pub fn read_with(path: &Path, keep_truth: bool) -> Result<Self> {
        let reader = open_maybe_gz(path)?;
        let mut header: Option<Header> = None;
        let mut truths = Vec::new();
        let mut frames: Vec<Frame> = Vec::new();
        let mut expected_dets = 0usize;
        for (i, line) in reader.lines().enumerate() {
            let lineno = i + 1;
            let line =
                line.with_context(|| format!("{}:{lineno}: cannot read line", path.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            if !keep_truth && line.starts_with("{\"type\":\"truth\"") {
                continue;
            }
            let rec: Line = serde_json::from_str(&line)
                .with_context(|| format!("{}:{lineno}: malformed scenario line", path.display()))?;
            match rec {
                Line::Header(h) => {
                    if !h.format.starts_with("stonesoup-baseline-scenario/") {
                        bail!(
                            "{}:{lineno}: unsupported format {:?}",
                            path.display(),
                            h.format
                        );
                    }
                    if h.dim != 2 && h.dim != 3 {
                        bail!(
                            "{}:{lineno}: dim must be 2 or 3, got {}",
                            path.display(),
                            h.dim
                        );
                    }
                    header = Some(h);
                }
                Line::Truth { t_us, id, state } => {
                    if header.is_none() {
                        bail!("{}:{lineno}: truth before header", path.display());
                    }
                    truths.push(TruthState { t_us, id, state });
                }
                Line::Frame { t_us, radar, n_det } => {
                    if header.is_none() {
                        bail!("{}:{lineno}: frame before header", path.display());
                    }
                    if expected_dets != 0 {
                        bail!(
                            "{}:{lineno}: previous frame is missing {expected_dets} detections",
                            path.display()
                        );
                    }
                    expected_dets = n_det;
                    frames.push(Frame {
                        t_us,
                        radar,
                        detections: Vec::with_capacity(n_det),
                    });
                }
                Line::Det { t_us, radar, z } => {
                    let Some(frame) = frames.last_mut() else {
                        bail!("{}:{lineno}: detection outside a frame", path.display());
                    };
                    if frame.t_us != t_us || frame.radar != radar || expected_dets == 0 {
                        bail!(
                            "{}:{lineno}: detection does not belong to the current frame",
                            path.display()
                        );
                    }
                    expected_dets -= 1;
                    frame.detections.push(z);
                }
            }
        }
        let Some(header) = header else {
            bail!("{}: no header line", path.display());
        };
        Ok(Self {
            header,
            truths,
            frames,
        })
    }
}

/// Converts frames into tracker scans; detections with the wrong arity or non-finite values,
/// and frames of radars absent from the header, are counted and skipped.
pub struct ScanBuilder {
    dim: usize,
    sites: HashMap<u32, SensorSite>,
    sigma: [f64; 3],
    pub rejected_detections: u64,
    pub unknown_radar_frames: u64,
}

impl ScanBuilder {
    pub fn new(header: &Header) -> Result<Self> {
        let mut sites = HashMap::new();
        for r in &header.radars {
            let p = match r.position.as_slice() {
                [x, y] => Vector3::new(*x, *y, 0.0),
                [x, y, z] => Vector3::new(*x, *y, *z),
                _ => bail!("radar {} position must have 2 or 3 components", r.id),
            };
            let kind = if header.dim == 3 {
                SensorKind::Radar3d
            } else {
                SensorKind::Radar2d
            };
            sites.insert(r.id, SensorSite::aligned(SensorId(r.id), kind, p));
        }
        let el = header
            .sigma_elevation_deg
            .unwrap_or(header.sigma_bearing_deg);
        Ok(Self {
            dim: header.dim,
            sites,
            sigma: [
                header.sigma_range_m,
                header.sigma_bearing_deg.to_radians(),
                el.to_radians(),
            ],
            rejected_detections: 0,
            unknown_radar_frames: 0,
        })
    }

    pub fn sites(&self) -> impl Iterator<Item = &SensorSite> {
        self.sites.values()
    }

    pub fn scan(&mut self, frame: &Frame) -> Option<Scan> {
        let Some(site) = self.sites.get(&frame.radar).copied() else {
            self.unknown_radar_frames += 1;
            return None;
        };
        let time = Timestamp::from_micros(frame.t_us);
        let mut measurements = Vec::with_capacity(frame.detections.len());
        for z in &frame.detections {
            let obs = match (self.dim, z.as_slice()) {
                (3, [el, bearing, range]) => Observation::Polar3 {
                    range_m: *range,
                    azimuth_rad: tessera_track::measure::wrap_pi(
                        std::f64::consts::FRAC_PI_2 - bearing,
                    ),
                    elevation_rad: *el,
                    sigma_range_m: self.sigma[0],
                    sigma_azimuth_rad: self.sigma[1],
                    sigma_elevation_rad: self.sigma[2],
                },
                // A flat 2D world: the plane is the target's height, known exactly.
                (2, [bearing, range]) => Observation::Polar2 {
                    range_m: *range,
                    azimuth_rad: tessera_track::measure::wrap_pi(
                        std::f64::consts::FRAC_PI_2 - bearing,
                    ),
                    sigma_range_m: self.sigma[0],
                    sigma_azimuth_rad: self.sigma[1],
                    height_m: Some(site.position.z),
                    sigma_height_m: 1.0,
                },
                _ => {
                    self.rejected_detections += 1;
                    continue;
                }
            };
            let m = Measurement {
                time,
                site,
                observation: obs,
            };
            if m.validate().is_err() {
                self.rejected_detections += 1;
                continue;
            }
            measurements.push(m);
        }
        Some(Scan {
            time,
            sensor: site,
            measurements,
            full_scan: true,
        })
    }
}
