//! Turns scenario-file frames into tracker scans: radar sites from the header (axes parallel
//! to the file's flat world), bearings (counter-clockwise from +x) into compass azimuths.
//! Detections with non-finite values are counted and skipped; frames of radars absent from
//! the header are counted and skipped.

use anyhow::{Result, bail};
use nalgebra::Vector3;
use std::collections::HashMap;
use tessera_domain::{Measurement, Observation, SensorId, SensorKind, SensorSite, Timestamp};
use tessera_sim::{Frame, Header};
use tessera_track::Scan;
use tessera_track::measure::wrap_pi;

/// Converts frames into scans.
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

    /// Radar sites in id order.
    pub fn sites(&self) -> Vec<SensorSite> {
        let mut v: Vec<SensorSite> = self.sites.values().copied().collect();
        v.sort_by_key(|s| s.id);
        v
    }

    pub fn scan(&mut self, frame: &Frame) -> Option<Scan> {
        let Some(site) = self.sites.get(&frame.radar).copied() else {
            self.unknown_radar_frames += 1;
            return None;
        };
        let time = Timestamp::from_micros(frame.t_us);
        let mut measurements = Vec::with_capacity(frame.detections.len());
        for z in &frame.detections {
            let observation = if self.dim == 3 {
                Observation::Polar3 {
                    range_m: z[2],
                    azimuth_rad: wrap_pi(std::f64::consts::FRAC_PI_2 - z[1]),
                    elevation_rad: z[0],
                    sigma_range_m: self.sigma[0],
                    sigma_azimuth_rad: self.sigma[1],
                    sigma_elevation_rad: self.sigma[2],
                }
            } else {
                // A flat 2D world: every target flies in the radars' plane, a height known exactly.
                Observation::Polar2 {
                    range_m: z[1],
                    azimuth_rad: wrap_pi(std::f64::consts::FRAC_PI_2 - z[0]),
                    sigma_range_m: self.sigma[0],
                    sigma_azimuth_rad: self.sigma[1],
                    height_m: Some(site.position.z),
                    sigma_height_m: 1.0,
                }
            };
            let m = Measurement {
                time,
                site,
                observation,
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
