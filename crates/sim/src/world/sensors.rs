//! Sensor models: rotating radars (3D and 2D, optional co-mounted SSR), ADS-B receivers and an
//! external early-warning cue feed.
//!
//! Radar detection follows the radar equation: the mean SNR of a target of RCS σ at range R is
//! `SNR = SNR_ref · (σ/σ_ref) · (R_ref/R)⁴`, with `SNR_ref` chosen so that Pd = `reference_pd`
//! at the reference range and RCS; a Swerling-1 target then has `Pd = Pfa^(1/(1+SNR))`. Targets
//! below the 4/3-earth radar horizon, outside [min, max] range or above the elevation coverage
//! are not seen. Measurements get Gaussian noise in range, azimuth and elevation plus a fixed
//! registration bias. False plots (clutter) arrive as a Poisson process over the scan, uniform
//! in the covered area. Cooperative targets also answer the SSR (Pd 0.99, independent of RCS),
//! which adds Mode 3/A, flight level and Mode S address to the plot.
//!
//! ADS-B: each equipped aircraft broadcasts every `update_period_s`; a receiver within range and
//! line of sight gets the report with probability `reception_pd`, with position noise from the
//! aircraft's NACp (σ = EPU / 2).
//!
//! The cue feed reports selected classes (ballistic missiles by default) with large position
//! and velocity errors, delivered `latency_s` after the observation.

use super::config::{ObjectClass, SensorConfig, SensorKindConfig};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use tessera_geo::{Geodetic, LocalTangentPlane, Matrix3, Position, Vector3};

/// Effective earth radius for radio propagation (4/3 earth), m.
const KE_R: f64 = 4.0 / 3.0 * 6_371_000.0;

/// Radio horizon distance between two heights, m.
pub fn horizon_m(h1: f64, h2: f64) -> f64 {
    (2.0 * KE_R * h1.max(0.0)).sqrt() + (2.0 * KE_R * h2.max(0.0)).sqrt()
}

/// The scenario's frame: flat map coordinates ↔ WGS-84.
#[derive(Debug, Clone)]
pub struct WorldFrame {
    pub plane: LocalTangentPlane,
}

impl WorldFrame {
    /// Geodetic position of a flat-frame point: the tangent-plane point's latitude and longitude
    /// with `z` as height above the ellipsoid.
    pub fn geodetic(&self, p: [f64; 3]) -> Geodetic {
        let g = self
            .plane
            .enu_to_geodetic(&Position::new(p[0], p[1], 0.0))
            .unwrap_or_else(|_| self.plane.origin());
        g.with_height(p[2]).unwrap_or(g)
    }

    /// The flat-frame point of a geodetic position, the exact inverse of [`Self::geodetic`]:
    /// the tangent-plane point on the ellipsoid normal through `g`, with `z` = its height.
    pub fn flat(&self, g: &Geodetic) -> [f64; 3] {
        let on = g.with_height(0.0).unwrap_or(*g);
        let p = self.plane.geodetic_to_enu(&on);
        let (lat, lon) = (g.lat(), g.lon());
        let n_ecef = Vector3::new(lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin());
        let n = self.plane.ecef_to_enu_rotation() * n_ecef;
        let u = if n.z.abs() > 1e-9 { -p.z() / n.z } else { 0.0 };
        [p.x() + u * n.x, p.y() + u * n.y, g.height()]
    }

    /// The origin's latitude and longitude, degrees.
    pub fn origin_deg(&self) -> (f64, f64) {
        let o = self.plane.origin();
        (o.lat_deg(), o.lon_deg())
    }
}

/// A rotating radar.
#[derive(Debug, Clone)]
pub struct Radar {
    pub id: u32,
    pub name: String,
    pub sac: u8,
    pub sic: u8,
    pub three_d: bool,
    pub pos: [f64; 3],
    pub period: f64,
    /// Beam azimuth at t = 0, rad (compass).
    pub az0: f64,
    pub rmin: f64,
    pub rmax: f64,
    pub max_el: f64,
    pub sigma: [f64; 3],
    pub bias: [f64; 3],
    /// SNR of a 1 m² target at 1 m (SNR = k σ / R⁴).
    pub k: f64,
    pub ln_pfa: f64,
    pub fa_per_scan: f64,
    pub clutter_rmax: f64,
    pub ssr: bool,
    /// Site ECEF position and ECEF → site ENU rotation, for the WGS-84 geometry of plots.
    pub site_ecef: Vector3<f64>,
    pub to_site: Matrix3<f64>,
}

/// One radar measurement: noisy slant range, compass azimuth, elevation (radians, metres).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rae {
    pub range: f64,
    pub azimuth: f64,
    pub elevation: f64,
}

/// Noise draws of one detection, reused for the flat and WGS-84 geometries.
#[derive(Debug, Clone, Copy)]
pub struct Noise(pub [f64; 3]);

impl Radar {
    /// Builds the model of a radar sensor.
    pub fn new(c: &SensorConfig, frame: &WorldFrame) -> Self {
        let three_d = c.kind == SensorKindConfig::Radar3d;
        let pfa = c.pfa.unwrap_or(1e-6);
        let pd_ref = c.reference_pd.unwrap_or(0.5);
        // Swerling 1: Pd = Pfa^(1/(1+SNR)) ⇒ SNR = ln Pfa / ln Pd − 1.
        let snr_ref = (pfa.ln() / pd_ref.ln() - 1.0).max(1e-3);
        let r_ref = c.reference_range_m.unwrap_or(100e3);
        let k = snr_ref * r_ref.powi(4) / c.reference_rcs_m2.unwrap_or(1.0);
        let site = frame.geodetic(c.position_m);
        let rmax = c.max_range_m.unwrap_or(100e3);
        Self {
            id: c.id,
            name: c.name.clone(),
            sac: c.sac,
            sic: c.sic.unwrap_or((c.id & 0xff) as u8),
            three_d,
            pos: c.position_m,
            period: c.rotation_period_s.unwrap_or(10.0),
            az0: c.start_azimuth_deg.to_radians(),
            rmin: c.min_range_m,
            rmax,
            max_el: c
                .max_elevation_deg
                .unwrap_or(if three_d { 60.0 } else { 40.0 })
                .to_radians(),
            sigma: [
                c.sigma_range_m,
                c.sigma_azimuth_deg.to_radians(),
                c.sigma_elevation_deg.to_radians(),
            ],
            bias: [
                c.bias_range_m,
                c.bias_azimuth_deg.to_radians(),
                c.bias_elevation_deg.to_radians(),
            ],
            k,
            ln_pfa: pfa.ln(),
            fa_per_scan: c.false_alarms_per_scan,
            clutter_rmax: c.clutter_max_range_m.unwrap_or(rmax).min(rmax),
            ssr: c.ssr,
            site_ecef: site.to_ecef().raw(),
            to_site: tessera_geo::ecef_to_enu_rotation(&site),
        }
    }

    /// Angular rate of the beam, rad/s.
    pub fn omega(&self) -> f64 {
        std::f64::consts::TAU / self.period
    }

    /// Beam azimuth (compass, rad, in [0, 2π)) at time `t`.
    pub fn beam_azimuth(&self, t: f64) -> f64 {
        (self.az0 + self.omega() * t).rem_euclid(std::f64::consts::TAU)
    }

    /// Flat-frame compass azimuth of a point.
    pub fn azimuth_of(&self, p: [f64; 3]) -> f64 {
        (p[0] - self.pos[0])
            .atan2(p[1] - self.pos[1])
            .rem_euclid(std::f64::consts::TAU)
    }

    /// Time in [t, t+dt) at which the beam passes compass azimuth `az`, if it does.
    pub fn beam_hits(&self, t: f64, dt: f64, az: f64) -> Option<f64> {
        let d = (az - self.beam_azimuth(t)).rem_euclid(std::f64::consts::TAU);
        let w = self.omega();
        (d < w * dt).then(|| t + d / w)
    }

    /// Flat-frame geometry (range, compass azimuth, elevation) of a point.
    pub fn flat_rae(&self, p: [f64; 3]) -> Rae {
        let d = [p[0] - self.pos[0], p[1] - self.pos[1], p[2] - self.pos[2]];
        let range = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        Rae {
            range,
            azimuth: d[0].atan2(d[1]).rem_euclid(std::f64::consts::TAU),
            elevation: (d[2] / range.max(1e-9)).asin(),
        }
    }

    /// WGS-84 geometry of a point as seen from the site (what goes into CAT048).
    pub fn wgs_rae(&self, frame: &WorldFrame, p: [f64; 3]) -> Rae {
        let e = frame.geodetic(p).to_ecef().raw();
        let d = self.to_site * (e - self.site_ecef);
        let range = d.norm();
        Rae {
            range,
            azimuth: d.x.atan2(d.y).rem_euclid(std::f64::consts::TAU),
            elevation: (d.z / range.max(1e-9)).asin(),
        }
    }

    /// Whether a target at `p` is inside the coverage (range, elevation, horizon).
    pub fn covers(&self, p: [f64; 3], rae: &Rae) -> bool {
        let ground = (p[0] - self.pos[0]).hypot(p[1] - self.pos[1]);
        rae.range >= self.rmin
            && rae.range <= self.rmax
            && rae.elevation <= self.max_el
            && ground <= horizon_m(self.pos[2], p[2])
    }

    /// Swerling-1 detection probability of a target of `rcs` m² at `range` m.
    pub fn pd(&self, range: f64, rcs: f64) -> f64 {
        let snr = self.k * rcs / range.max(1.0).powi(4);
        (self.ln_pfa / (1.0 + snr)).exp()
    }

    /// Draws the detection of a target: (primary detected, SSR replied, noise), or `None`.
    pub fn detect<R: Rng>(
        &self,
        rng: &mut R,
        rae: &Rae,
        rcs: f64,
        cooperative: bool,
    ) -> Option<(bool, bool, Noise)> {
        let psr = rng.random::<f64>() < self.pd(rae.range, rcs);
        let ssr = self.ssr && cooperative && rng.random::<f64>() < 0.99;
        if !psr && !ssr {
            return None;
        }
        let n: [f64; 3] = [
            rng.sample(StandardNormal),
            rng.sample(StandardNormal),
            rng.sample(StandardNormal),
        ];
        Some((psr, ssr, Noise(n)))
    }

    /// A measurement: geometry + bias + noise.
    pub fn measure(&self, rae: &Rae, noise: &Noise) -> Rae {
        Rae {
            range: (rae.range + self.bias[0] + self.sigma[0] * noise.0[0]).max(1.0),
            azimuth: (rae.azimuth + self.bias[1] + self.sigma[1] * noise.0[1])
                .rem_euclid(std::f64::consts::TAU),
            elevation: rae.elevation + self.bias[2] + self.sigma[2] * noise.0[2],
        }
    }

    /// Draws a false plot over the azimuth sector [az, az + width): flat-frame position.
    pub fn clutter_point<R: Rng>(&self, rng: &mut R, az: f64, width: f64) -> [f64; 3] {
        let a = az + rng.random::<f64>() * width;
        let (r0, r1) = (self.rmin.max(1000.0), self.clutter_rmax.max(2000.0));
        let r = (r0 * r0 + rng.random::<f64>() * (r1 * r1 - r0 * r0)).sqrt();
        let z = if self.three_d {
            rng.random::<f64>() * 3000.0
        } else {
            0.0
        };
        [
            self.pos[0] + r * a.sin(),
            self.pos[1] + r * a.cos(),
            self.pos[2] + z,
        ]
    }
}

/// An ADS-B ground receiver.
#[derive(Debug, Clone)]
pub struct AdsbReceiver {
    pub id: u32,
    pub sac: u8,
    pub sic: u8,
    pub pos: [f64; 3],
    pub rmax: f64,
    pub period: f64,
    pub reception_pd: f64,
}

impl AdsbReceiver {
    /// Builds the model of an ADS-B receiver.
    pub fn new(c: &SensorConfig) -> Self {
        Self {
            id: c.id,
            sac: c.sac,
            sic: c.sic.unwrap_or((c.id & 0xff) as u8),
            pos: c.position_m,
            rmax: c.max_range_m.unwrap_or(400e3),
            period: c.update_period_s.unwrap_or(1.0),
            reception_pd: c.reception_pd.unwrap_or(0.98),
        }
    }

    /// Whether a transmitter at `p` can be received.
    pub fn in_view(&self, p: [f64; 3]) -> bool {
        let ground = (p[0] - self.pos[0]).hypot(p[1] - self.pos[1]);
        ground <= self.rmax && ground <= horizon_m(self.pos[2], p[2])
    }
}

/// Horizontal 1σ position error for a NACp (σ = EPU / 2), m.
pub fn nacp_sigma_m(nacp: u8) -> f64 {
    let epu = match nacp {
        11.. => 3.0,
        10 => 10.0,
        9 => 30.0,
        8 => 92.6,
        7 => 185.2,
        6 => 555.6,
        5 => 926.0,
        _ => 1852.0,
    };
    epu / 2.0
}

/// The early-warning cue feed.
#[derive(Debug, Clone)]
pub struct CueFeed {
    pub id: u32,
    pub period: f64,
    pub latency: f64,
    pub sigma_pos: f64,
    pub sigma_vel: f64,
    pub classes: Vec<ObjectClass>,
}

impl CueFeed {
    /// Builds the model of a cue feed.
    pub fn new(c: &SensorConfig) -> Self {
        Self {
            id: c.id,
            period: c.update_period_s.unwrap_or(10.0),
            latency: c.latency_s.unwrap_or(10.0),
            sigma_pos: c.sigma_position_m.unwrap_or(3000.0),
            sigma_vel: c.sigma_velocity_mps.unwrap_or(100.0),
            classes: c
                .classes
                .clone()
                .unwrap_or_else(|| vec![ObjectClass::Ballistic]),
        }
    }

    /// A noisy (position, velocity) report of a true state.
    pub fn report<R: Rng>(&self, rng: &mut R, p: [f64; 3], v: [f64; 3]) -> ([f64; 3], [f64; 3]) {
        let mut n = || -> f64 { StandardNormal.sample(rng) };
        let mut pp = p;
        let mut vv = v;
        for k in 0..3 {
            pp[k] += self.sigma_pos * n();
            vv[k] += self.sigma_vel * n();
        }
        pp[2] = pp[2].max(0.0);
        (pp, vv)
    }
}

/// An early-warning cue: a noisy observation of a threat, delivered `latency_s` after it was
/// made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cue {
    /// Delivery time, s.
    pub t_s: f64,
    /// Observation time, s.
    pub t_obs_s: f64,
    /// Sensor id of the feed.
    pub feed: u32,
    /// Truth id of the object observed (for scoring; a real feed does not know it).
    pub truth: u32,
    pub class: ObjectClass,
    /// Observed position and velocity, flat frame.
    pub pos: [f64; 3],
    pub vel: [f64; 3],
    pub sigma_pos_m: f64,
    pub sigma_vel_mps: f64,
}

impl Cue {
    /// The `cues.jsonl` line (with its newline).
    pub fn to_jsonl(&self) -> String {
        let (p, v) = (self.pos, self.vel);
        format!(
            "{{\"t_s\":{:.3},\"t_obs_s\":{:.3},\"feed\":{},\"truth\":{},\"class\":\"{}\",\"pos\":[{:.0},{:.0},{:.0}],\"vel\":[{:.1},{:.1},{:.1}],\"sigma_pos_m\":{},\"sigma_vel_mps\":{}}}\n",
            self.t_s,
            self.t_obs_s,
            self.feed,
            self.truth,
            self.class.as_str(),
            p[0],
            p[1],
            p[2],
            v[0],
            v[1],
            v[2],
            self.sigma_pos_m,
            self.sigma_vel_mps
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swerling_pd_meets_the_reference() {
        let c: SensorConfig = toml::from_str(
            r#"id = 1
name = "r"
kind = "radar3d"
rotation_period_s = 10
max_range_m = 300000
reference_range_m = 150000
reference_pd = 0.8
"#,
        )
        .unwrap();
        let frame = WorldFrame {
            plane: LocalTangentPlane::new(Geodetic::from_degrees(10.0, -30.0, 0.0).unwrap()),
        };
        let r = Radar::new(&c, &frame);
        assert!((r.pd(150e3, 1.0) - 0.8).abs() < 1e-9);
        assert!(r.pd(75e3, 1.0) > 0.95);
        assert!(r.pd(250e3, 0.01) < 0.05);
        // WGS-84 and flat geometries agree near the site.
        let p = [10e3, 20e3, 3000.0];
        let (a, b) = (r.flat_rae(p), r.wgs_rae(&frame, p));
        assert!((a.range - b.range).abs() < 50.0 && (a.azimuth - b.azimuth).abs() < 1e-3);
    }

    #[test]
    fn flat_inverts_geodetic() {
        let frame = WorldFrame {
            plane: LocalTangentPlane::new(Geodetic::from_degrees(10.0, -30.0, 0.0).unwrap()),
        };
        for p in [
            [0.0, 0.0, 0.0],
            [250e3, -180e3, 9000.0],
            [-40e3, 30e3, 120e3],
        ] {
            let q = frame.flat(&frame.geodetic(p));
            for k in 0..3 {
                assert!((q[k] - p[k]).abs() < 1e-3, "{p:?} -> {q:?}");
            }
        }
    }
}
