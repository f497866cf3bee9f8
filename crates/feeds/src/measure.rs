//! Decoded reports become tracker measurements.
//!
//! A [`SensorRegistry`] holds the system frame (a WGS-84 local tangent plane) and the sensors
//! feeding it. Radars are keyed by their ASTERIX SAC/SIC and carry their site position,
//! orientation and accuracies; position sensors (ADS-B receivers, link feeds) are keyed by
//! their [`SensorId`] only.
//!
//! - [`SensorRegistry::plot`]: a CAT048 plot becomes a polar measurement
//!   ([`Observation::Polar2`]: slant range `rho·1852 m`, compass azimuth `theta` in radians,
//!   and the height in the system frame when I048/090 carries a flight level).
//! - [`SensorRegistry::position_report`]: an ADS-B position ([`PositionReport`], accuracy from
//!   NACp) becomes an [`Observation::Position`] in the system frame.
//! - [`SensorRegistry::cat021`]: the same for an ASTERIX CAT021 report.
//!
//! Times: ASTERIX carries the time of day only; it is resolved against a reference instant with
//! [`resolve_time_of_day`], which picks the day (before, same, after) that puts the report
//! closest to the reference, so a 23:59:59.5 report received just after midnight lands on the
//! previous day.
//!
//! # Height of a 2D plot (I048/090)
//!
//! The tracker's `Polar2` height is the `z` of the target in the *system* ENU frame, not its
//! height above the ellipsoid: 200 km from the system origin the two differ by about 3 km of
//! Earth curvature. The conversion is:
//!
//! 1. Flight level to height: pressure altitude `FL · 100 ft` is taken as the height above the
//!    WGS-84 ellipsoid. This ignores the departure of the day's atmosphere from ISA (QNH away
//!    from 1013.25 hPa: about 8.3 m per hPa; temperature: about 4 % of the altitude per 10 K)
//!    and the geoid undulation (−106 m to +85 m). Together these are typically 50–300 m, which
//!    is what the radar's `sigma_height_m` should cover.
//! 2. Elevation: the slant range a radar measures is the length of the (slightly bent) ray,
//!    which is the straight-line distance from antenna to target to well under a metre at
//!    200 km (the bent ray is longer than its chord by `L³/24ρ²` with a ray radius `ρ` of
//!    about four Earth radii). So the target is the point at that *straight-line* distance from
//!    the antenna, on the plot's azimuth, whose ellipsoidal height is the reported one. Its
//!    elevation is first found in closed form on a sphere with the ellipsoid's radius of
//!    curvature along the azimuth ([`elevation_on_sphere`]), then refined on the ellipsoid by
//!    Newton steps until the point's height matches to a millimetre.
//!
//!    The 4/3-Earth refraction model (`elevation_on_sphere` with 4/3 of the radius) gives the
//!    *apparent* elevation at which the beam leaves the antenna — what a 3D radar would
//!    measure. It is deliberately not used to place the point: following a straight line at
//!    the apparent elevation puts the target too high by about `R²/8a` (≈ 0.8 km at 200 km,
//!    see the unit test `four_thirds_elevation_would_misplace_the_point`), because the beam
//!    bends down towards the target while the range is the chord.
//! 3. The point in the site's ENU frame goes to the system frame through the site pose
//!    ([`LocalTangentPlane::site_pose`]); its `z` is the measurement's `height_m`.
//!
//! A flight level that the slant range cannot reach (range shorter than the height difference,
//! e.g. a garbled Mode C overhead) gives `height_m: None` rather than an invented point; the
//! I048/090 V (validated) and G (garbled) bits are not exposed by `Cat048Plot`, so any decoded
//! flight level within the item's defined range (−12 to 1270) counts as valid.
//!
//! CAT048 has no elevation item, so a radar registered as [`SensorKind::Radar3d`] is handled
//! like a 2D radar with Mode C height here; the measurement's site keeps the registered kind.
//!
//! # CAT021
//!
//! Items used: I021/010 (SAC/SIC, informational only: the sensor is given by the caller),
//! the time of day (I021/071 time of applicability for position, else 073 time of message
//! reception for position, else 077 time of report transmission, as chosen by
//! `Cat021Report`), position I021/131 (high resolution) else 130, height I021/140 geometric
//! height (GNSS, above the ellipsoid) else I021/145 flight level (pressure altitude, same
//! approximation as above), and I021/090 NACp and NUCp/NIC for the accuracy. NACp gives the
//! horizontal (and for NACp ≥ 10 the vertical) sigma through [`accuracy::position_report`];
//! without NACp the NUCp/NIC value is read as a NIC and mapped to the airborne type code with
//! the same containment radius (reading a NUCp as a NIC is conservative: NIC n bounds a larger
//! radius than NUCp n).

use std::collections::BTreeMap;

use tessera_asterix::time::resolve_time_of_day;
use tessera_asterix::typed::{Cat021Report, Cat048Plot};
use tessera_domain::{
    Measurement, MeasurementError, Observation, SensorId, SensorKind, SensorSite, Timestamp,
};
use tessera_geo::wgs84::{A, E2};
use tessera_geo::{
    GeoError, Geodetic, LocalTangentPlane, Matrix3, Position, Vector3, aer_to_enu,
    rotate_covariance,
};
use thiserror::Error;

use crate::modes::accuracy::{self, PositionReport};

const NM: f64 = 1852.0;
const FT: f64 = 0.3048;
const DAY_S: f64 = 86_400.0;

/// Why a report could not become a measurement (or a sensor could not be registered).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum IngestError {
    /// No radar registered under this SAC/SIC.
    #[error("no sensor registered for SAC {sac} SIC {sic}")]
    UnknownSensor {
        /// System area code.
        sac: u8,
        /// System identification code.
        sic: u8,
    },
    /// No position sensor registered under this id.
    #[error("no position sensor registered as {0}")]
    UnknownSensorId(SensorId),
    /// A SAC/SIC registered twice.
    #[error("SAC {sac} SIC {sic} registered twice")]
    DuplicateSacSic {
        /// System area code.
        sac: u8,
        /// System identification code.
        sic: u8,
    },
    /// A sensor id registered twice.
    #[error("sensor {0} registered twice")]
    DuplicateSensor(SensorId),
    /// A radar site description that cannot be used.
    #[error("radar {id}: {reason}")]
    BadSite {
        /// The radar.
        id: SensorId,
        /// What is wrong.
        reason: &'static str,
    },
    /// A data item the conversion needs is absent.
    #[error("missing data item {0}")]
    MissingItem(&'static str),
    /// A value outside its defined range or not finite.
    #[error("invalid {what}: {value}")]
    InvalidValue {
        /// Which quantity.
        what: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A position report without altitude (a 3D position measurement needs one).
    #[error("position report without altitude")]
    MissingAltitude,
    /// Neither NACp nor NIC/NUCp gives an accuracy.
    #[error("position report without a usable accuracy (NACp/NIC)")]
    UnknownAccuracy,
    /// A geodetic conversion refused its input.
    #[error("geodetic conversion: {0}")]
    Geo(#[from] GeoError),
    /// The resulting measurement failed validation.
    #[error("invalid measurement: {0}")]
    Invalid(#[from] MeasurementError),
}

/// A radar's configuration: identity, site and 1-sigma accuracies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RadarSite {
    /// Sensor id inside Tessera.
    pub id: SensorId,
    /// ASTERIX system area code.
    pub sac: u8,
    /// ASTERIX system identification code.
    pub sic: u8,
    /// Antenna position (height above the WGS-84 ellipsoid).
    pub location: Geodetic,
    /// [`SensorKind::Radar2d`] or [`SensorKind::Radar3d`].
    pub kind: SensorKind,
    /// Slant-range sigma, m.
    pub sigma_range_m: f64,
    /// Azimuth sigma, rad.
    pub sigma_azimuth_rad: f64,
    /// Elevation sigma, rad (used for 3D radars only; CAT048 carries no elevation).
    pub sigma_elevation_rad: f64,
    /// Sigma of the Mode C derived height, m (quantisation, non-ISA atmosphere, geoid).
    pub sigma_height_m: f64,
}

#[derive(Debug, Clone, Copy)]
struct Radar {
    cfg: RadarSite,
    site: SensorSite,
    /// The site's own tangent plane (for heights of points seen from it).
    ltp: LocalTangentPlane,
}

/// The system frame and the sensors feeding it.
#[derive(Debug, Clone)]
pub struct SensorRegistry {
    system: LocalTangentPlane,
    radars: Vec<Radar>,
    by_sac_sic: BTreeMap<(u8, u8), usize>,
    sites: BTreeMap<SensorId, SensorSite>,
}

impl SensorRegistry {
    /// An empty registry whose system frame is the ENU tangent plane at `origin`.
    pub fn new(origin: Geodetic) -> Self {
        Self {
            system: LocalTangentPlane::new(origin),
            radars: Vec::new(),
            by_sac_sic: BTreeMap::new(),
            sites: BTreeMap::new(),
        }
    }

    /// The system frame.
    pub fn system(&self) -> &LocalTangentPlane {
        &self.system
    }

    /// The site of a registered sensor.
    pub fn site(&self, id: SensorId) -> Option<SensorSite> {
        self.sites.get(&id).copied()
    }

    /// Every registered sensor's site, in id order (to register them with the tracker).
    pub fn sites(&self) -> impl Iterator<Item = SensorSite> + '_ {
        self.sites.values().copied()
    }

    /// Registers a radar: computes its site (position in the system frame and site-to-system
    /// rotation). Refuses a duplicate SAC/SIC or id, a non-radar kind and non-positive sigmas.
    pub fn add_radar(&mut self, radar: RadarSite) -> Result<SensorSite, IngestError> {
        let id = radar.id;
        let bad = |reason| Err(IngestError::BadSite { id, reason });
        if !matches!(radar.kind, SensorKind::Radar2d | SensorKind::Radar3d) {
            return bad("kind must be Radar2d or Radar3d");
        }
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !positive(radar.sigma_range_m)
            || !positive(radar.sigma_azimuth_rad)
            || !positive(radar.sigma_height_m)
        {
            return bad("range, azimuth and height sigmas must be finite and positive");
        }
        if radar.kind == SensorKind::Radar3d && !positive(radar.sigma_elevation_rad) {
            return bad("a 3D radar needs a finite positive elevation sigma");
        }
        if self.by_sac_sic.contains_key(&(radar.sac, radar.sic)) {
            return Err(IngestError::DuplicateSacSic {
                sac: radar.sac,
                sic: radar.sic,
            });
        }
        if self.sites.contains_key(&id) {
            return Err(IngestError::DuplicateSensor(id));
        }
        let pose = self.system.site_pose(&radar.location);
        let site = SensorSite {
            id,
            kind: radar.kind,
            position: pose.position.raw(),
            rotation: pose.rotation,
        };
        self.by_sac_sic
            .insert((radar.sac, radar.sic), self.radars.len());
        self.radars.push(Radar {
            cfg: radar,
            site,
            ltp: LocalTangentPlane::new(radar.location),
        });
        self.sites.insert(id, site);
        Ok(site)
    }

    /// Registers a position sensor (ADS-B receiver or feed): kind
    /// [`SensorKind::PositionReport`], site at the system origin with identity rotation.
    pub fn add_position_sensor(&mut self, id: SensorId) -> Result<SensorSite, IngestError> {
        if self.sites.contains_key(&id) {
            return Err(IngestError::DuplicateSensor(id));
        }
        let site = SensorSite::aligned(id, SensorKind::PositionReport, Vector3::zeros());
        self.sites.insert(id, site);
        Ok(site)
    }

    /// The radar registered under a SAC/SIC.
    pub fn radar(&self, sac: u8, sic: u8) -> Option<&RadarSite> {
        self.by_sac_sic
            .get(&(sac, sic))
            .map(|&i| &self.radars[i].cfg)
    }

    /// A CAT048 plot as a polar measurement (see the module docs for the height).
    /// `reference_ns` is an instant near the report (e.g. its reception time) used to resolve
    /// the time of day.
    pub fn plot(&self, plot: &Cat048Plot, reference_ns: i64) -> Result<Measurement, IngestError> {
        let radar = self
            .by_sac_sic
            .get(&(plot.sac, plot.sic))
            .map(|&i| &self.radars[i])
            .ok_or(IngestError::UnknownSensor {
                sac: plot.sac,
                sic: plot.sic,
            })?;
        let tod = plot
            .time_of_day
            .ok_or(IngestError::MissingItem("I048/140"))?;
        let time = resolve_tod(tod, reference_ns)?;
        let (rho, theta) = plot
            .rho_nm
            .zip(plot.theta_deg)
            .ok_or(IngestError::MissingItem("I048/040"))?;
        if !rho.is_finite() || rho < 0.0 {
            return Err(IngestError::InvalidValue {
                what: "I048/040 RHO (NM)",
                value: rho,
            });
        }
        if !theta.is_finite() {
            return Err(IngestError::InvalidValue {
                what: "I048/040 THETA (deg)",
                value: theta,
            });
        }
        let range_m = rho * NM;
        let azimuth_rad = theta.to_radians().rem_euclid(std::f64::consts::TAU);
        let three_d = radar.cfg.kind == SensorKind::Radar3d;
        // A 3D radar's own elevation (Tessera SP field) makes a full 3D polar measurement.
        if let Some(el) = plot.elevation_deg.filter(|_| three_d) {
            if !el.is_finite() || !(-90.0..=90.0).contains(&el) {
                return Err(IngestError::InvalidValue {
                    what: "SP elevation (deg)",
                    value: el,
                });
            }
            let m = Measurement {
                time,
                site: radar.site,
                observation: Observation::Polar3 {
                    range_m,
                    azimuth_rad,
                    elevation_rad: el.to_radians(),
                    sigma_range_m: radar.cfg.sigma_range_m,
                    sigma_azimuth_rad: radar.cfg.sigma_azimuth_rad,
                    sigma_elevation_rad: radar.cfg.sigma_elevation_rad,
                },
            };
            m.validate()?;
            return Ok(m);
        }
        // Otherwise the Mode C height (barometric, cooperative targets), then the 3D radar's
        // measured height (I048/110, geometric) with the sigma its elevation accuracy implies.
        let (height_m, sigma_height_m) = match (plot.flight_level, plot.height_3d_ft) {
            (Some(fl), _) if fl.is_finite() && (-12.0..=1270.0).contains(&fl) => (
                radar.system_height(range_m, azimuth_rad, fl * 100.0 * FT)?,
                radar.cfg.sigma_height_m,
            ),
            (_, Some(h)) if three_d && h.is_finite() && h.abs() <= 204_800.0 => (
                radar.system_height(range_m, azimuth_rad, h * FT)?,
                radar
                    .cfg
                    .sigma_height_m
                    .max(range_m * radar.cfg.sigma_elevation_rad),
            ),
            _ => (None, radar.cfg.sigma_height_m),
        };
        let m = Measurement {
            time,
            site: radar.site,
            observation: Observation::Polar2 {
                range_m,
                azimuth_rad,
                sigma_range_m: radar.cfg.sigma_range_m,
                sigma_azimuth_rad: radar.cfg.sigma_azimuth_rad,
                height_m,
                sigma_height_m,
            },
        };
        m.validate()?;
        Ok(m)
    }

    /// An ADS-B position report as a position measurement in the system frame. The
    /// covariance `diag(σh², σh², σv²)` is given in the point's own ENU axes and rotated into
    /// the system frame. The altitude is used as the height above the ellipsoid (for a
    /// barometric altitude this is the approximation described in the module docs). A report
    /// without altitude is refused ([`IngestError::MissingAltitude`]): a guessed height with a
    /// huge sigma would still drag the track's vertical state.
    pub fn position_report(
        &self,
        time: Timestamp,
        sensor: SensorId,
        report: &PositionReport,
    ) -> Result<Measurement, IngestError> {
        let site = self
            .sites
            .get(&sensor)
            .filter(|s| s.kind == SensorKind::PositionReport)
            .copied()
            .ok_or(IngestError::UnknownSensorId(sensor))?;
        let alt = report.alt_m.ok_or(IngestError::MissingAltitude)?;
        for (what, v) in [
            ("sigma_h_m", report.sigma_h_m),
            ("sigma_v_m", report.sigma_v_m),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(IngestError::InvalidValue { what, value: v });
            }
        }
        let point = Geodetic::from_degrees(report.lat, report.lon, alt)?;
        let position = self.system.geodetic_to_enu(&point).raw();
        let (h2, v2) = (report.sigma_h_m.powi(2), report.sigma_v_m.powi(2));
        let local = Matrix3::from_diagonal(&Vector3::new(h2, h2, v2));
        let covariance = rotate_covariance(&self.system.site_rotation(&point), &local);
        let m = Measurement {
            time,
            site,
            observation: Observation::Position {
                position,
                covariance,
            },
        };
        m.validate()?;
        Ok(m)
    }

    /// A CAT021 ADS-B report as a position measurement (items used: see the module docs).
    pub fn cat021(
        &self,
        report: &Cat021Report,
        reference_ns: i64,
        sensor: SensorId,
    ) -> Result<Measurement, IngestError> {
        let tod = report
            .time_of_day
            .ok_or(IngestError::MissingItem("I021/071 (or 073, 077)"))?;
        let time = resolve_tod(tod, reference_ns)?;
        let (lat, lon) = report
            .lat_lon_deg
            .ok_or(IngestError::MissingItem("I021/131 (or 130)"))?;
        // Geometric height (GNSS, ellipsoid, LSB 6.25 ft) before pressure altitude (LSB 25 ft).
        let (alt_ft, quantum_ft) = match (report.geometric_height_ft, report.flight_level) {
            (Some(h), _) if h.is_finite() => (h, 6.25),
            (_, Some(fl)) if fl.is_finite() => (fl * 100.0, 25.0),
            _ => return Err(IngestError::MissingAltitude),
        };
        if alt_ft.abs() > 200_000.0 {
            return Err(IngestError::InvalidValue {
                what: "altitude (ft)",
                value: alt_ft,
            });
        }
        let nacp = report.nacp.filter(|&n| n > 0);
        let tc = report.nic.and_then(nic_type_code).unwrap_or(0);
        let mut pr = accuracy::position_report(lat, lon, None, quantum_ft, nacp, tc)
            .ok_or(IngestError::UnknownAccuracy)?;
        pr.alt_m = Some(alt_ft * FT);
        self.position_report(time, sensor, &pr)
    }
}

impl Radar {
    /// System-frame `z` of the point at slant range `range_m` and compass azimuth
    /// `azimuth_rad` from the antenna whose ellipsoidal height is `height_m`; `None` when the
    /// range cannot reach that height.
    fn system_height(
        &self,
        range_m: f64,
        azimuth_rad: f64,
        height_m: f64,
    ) -> Result<Option<f64>, IngestError> {
        let site = &self.cfg.location;
        if range_m <= 0.0 {
            return Ok(None);
        }
        let radius = radius_along_azimuth(site.lat(), azimuth_rad);
        let Some(mut el) = elevation_on_sphere(range_m, site.height(), height_m, radius) else {
            return Ok(None);
        };
        let limit = std::f64::consts::FRAC_PI_2;
        let mut local = aer_to_enu(azimuth_rad, el, range_m)?;
        // Newton on the ellipsoid, derivative from the sphere: dh/del ≈ R (r+hs) cos el/(r+h).
        for _ in 0..8 {
            let h = self
                .ltp
                .enu_to_geodetic(&Position::from_raw(local.raw()))?
                .height();
            let err = h - height_m;
            if err.abs() < 1e-3 {
                break;
            }
            let slope =
                range_m * (radius + site.height()) * el.cos() / (radius + height_m).max(1.0);
            if slope.abs() < 1e-6 * range_m {
                break;
            }
            el = (el - err / slope).clamp(-limit, limit);
            local = aer_to_enu(azimuth_rad, el, range_m)?;
        }
        let p = self.site.to_system(&local.raw());
        Ok(p.z.is_finite().then_some(p.z))
    }
}

/// Elevation (rad) of a target at slant range `range_m` and height `target_height_m` seen from
/// an antenna at height `site_height_m` on a sphere of radius `radius_m`, with straight-line
/// propagation: `sin el = ((r+ht)² − (r+hs)² − R²) / (2 R (r+hs))`. With `radius_m` = 4/3 of the
/// Earth's radius this is the standard-refraction (4/3-Earth) apparent elevation. `None` when
/// the range cannot connect the two heights.
pub fn elevation_on_sphere(
    range_m: f64,
    site_height_m: f64,
    target_height_m: f64,
    radius_m: f64,
) -> Option<f64> {
    let rs = radius_m + site_height_m;
    let rt = radius_m + target_height_m;
    if !(range_m > 0.0 && rs > 0.0 && rt > 0.0) {
        return None;
    }
    // (rt² − rs²) factored to keep precision.
    let s = ((rt - rs) * (rt + rs) - range_m * range_m) / (2.0 * range_m * rs);
    (s.is_finite() && s.abs() <= 1.0).then(|| s.asin())
}

/// The ellipsoid's normal-section radius of curvature at latitude `lat` along compass azimuth
/// `azimuth` (Euler: `1/R = cos²α/M + sin²α/N`).
fn radius_along_azimuth(lat: f64, azimuth: f64) -> f64 {
    let w2 = 1.0 - E2 * lat.sin().powi(2);
    let n = A / w2.sqrt();
    let m = A * (1.0 - E2) / (w2 * w2.sqrt());
    let (sa, ca) = azimuth.sin_cos();
    1.0 / (ca * ca / m + sa * sa / n)
}

/// Time of day (s) to an instant near `reference_ns`; refuses values outside [0, 86400].
fn resolve_tod(tod: f64, reference_ns: i64) -> Result<Timestamp, IngestError> {
    if !(tod.is_finite() && (0.0..=DAY_S).contains(&tod)) {
        return Err(IngestError::InvalidValue {
            what: "time of day (s)",
            value: tod,
        });
    }
    Ok(Timestamp(resolve_time_of_day(tod, reference_ns)))
}

/// The airborne (barometric) position type code whose containment radius matches a NIC
/// (DO-260B table 2-14, without supplements), for [`accuracy::containment_m`].
fn nic_type_code(nic: u8) -> Option<u8> {
    Some(match nic {
        11.. => 9,   // Rc < 7.5 m
        10 => 10,    // < 25 m
        8 | 9 => 11, // < 75 m / 0.1 NM: the 0.1 NM bound
        7 => 12,     // < 0.2 NM
        6 => 13,     // < 0.6 NM (0.5 NM radius of TC 13)
        5 => 14,     // < 1 NM
        4 => 15,     // < 2 NM
        2 | 3 => 16, // < 8 NM / 4 NM: the 8 NM bound
        1 => 17,     // < 20 NM
        0 => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> SensorRegistry {
        let mut r = SensorRegistry::new(Geodetic::from_degrees(45.0, 16.0, 0.0).unwrap());
        r.add_radar(RadarSite {
            id: SensorId(1),
            sac: 1,
            sic: 2,
            location: Geodetic::from_degrees(45.8, 17.1, 350.0).unwrap(),
            kind: SensorKind::Radar2d,
            sigma_range_m: 50.0,
            sigma_azimuth_rad: 0.002,
            sigma_elevation_rad: 0.0,
            sigma_height_m: 100.0,
        })
        .unwrap();
        r
    }

    fn plot(rho_nm: f64, theta_deg: f64, fl: Option<f64>) -> Cat048Plot {
        Cat048Plot {
            sac: 1,
            sic: 2,
            time_of_day: Some(3600.0),
            rho_nm: Some(rho_nm),
            theta_deg: Some(theta_deg),
            flight_level: fl,
            ..Default::default()
        }
    }

    #[test]
    fn plot_height_is_the_system_z_of_the_target() {
        // Oracle: a target at a known geodetic point, seen from the radar as (range, azimuth)
        // with its flight level; the measurement's height must be the target's system z.
        let r = registry();
        let site = r.radars[0].site;
        for (lat, lon, fl) in [
            (46.9, 15.2, 350.0),
            (45.9, 17.2, 50.0),
            (44.5, 19.6, 410.0),
            (45.8, 17.1, 10.0),
        ] {
            let target = Geodetic::from_degrees(lat, lon, fl * 100.0 * FT).unwrap();
            let p = r.system().geodetic_to_enu(&target).raw();
            let d = site.to_site(&p);
            let az = d.x.atan2(d.y).rem_euclid(std::f64::consts::TAU);
            let m = r
                .plot(&plot(d.norm() / NM, az.to_degrees(), Some(fl)), 0)
                .unwrap();
            let Observation::Polar2 {
                range_m,
                azimuth_rad,
                height_m: Some(z),
                ..
            } = m.observation
            else {
                panic!("no height");
            };
            assert!((range_m - d.norm()).abs() < 1e-6);
            assert!((azimuth_rad - az).abs() < 1e-12);
            assert!((z - p.z).abs() < 0.01, "{lat} {lon}: {z} vs {}", p.z);
        }
    }

    #[test]
    fn three_d_plot_with_sp_elevation_lands_on_the_target() {
        // A 3D radar: a CAT048 plot carrying the Tessera SP elevation becomes a Polar3
        // measurement whose position estimate is the target; I048/110 alone gives a Polar2
        // with that geometric height; a 2D radar ignores both.
        let mut r = registry();
        r.add_radar(RadarSite {
            id: SensorId(2),
            sac: 1,
            sic: 3,
            location: Geodetic::from_degrees(45.2, 16.3, 20.0).unwrap(),
            kind: SensorKind::Radar3d,
            sigma_range_m: 40.0,
            sigma_azimuth_rad: 0.003,
            sigma_elevation_rad: 0.004,
            sigma_height_m: 100.0,
        })
        .unwrap();
        let site = r.site(SensorId(2)).unwrap();
        let radar = r.radars.iter().find(|x| x.cfg.id == SensorId(2)).unwrap();
        for (lat, lon, h) in [
            (45.9, 17.0, 70_000.0),
            (44.6, 16.0, 5.0),
            (45.5, 15.1, 9000.0),
        ] {
            let target = Geodetic::from_degrees(lat, lon, h).unwrap();
            let p = r.system().geodetic_to_enu(&target).raw();
            let local = radar.ltp.geodetic_to_enu(&target).raw();
            let az = local.x.atan2(local.y).rem_euclid(std::f64::consts::TAU);
            let el = local.z.atan2(local.x.hypot(local.y));
            let mut pl = plot(local.norm() / NM, az.to_degrees(), None);
            pl.sic = 3;
            pl.elevation_deg = Some(el.to_degrees());
            let m = r.plot(&pl, 0).unwrap();
            assert!(matches!(m.observation, Observation::Polar3 { .. }));
            let d = (m.position_estimate() - p).norm();
            assert!(
                d < 0.01 * local.norm() * 1e-3 + 1.0,
                "{lat} {lon} {h}: {d} m"
            );
            assert!((site.to_system(&site.to_site(&p)) - p).norm() < 1e-6);
            if h < 60_000.0 {
                pl.elevation_deg = None;
                pl.height_3d_ft = Some(h / FT);
                let m = r.plot(&pl, 0).unwrap();
                let Observation::Polar2 {
                    height_m: Some(z),
                    sigma_height_m,
                    ..
                } = m.observation
                else {
                    panic!("no 3D height");
                };
                assert!((z - p.z).abs() < 0.05, "{z} vs {}", p.z);
                assert!(sigma_height_m >= local.norm() * 0.004 - 1e-9);
            }
        }
        // The 2D radar ignores an elevation.
        let mut pl = plot(50.0, 10.0, None);
        pl.elevation_deg = Some(3.0);
        assert!(matches!(
            r.plot(&pl, 0).unwrap().observation,
            Observation::Polar2 { height_m: None, .. }
        ));
    }

    #[test]
    fn four_thirds_elevation_would_misplace_the_point() {
        // Why the straight-line (true-radius) elevation is used: a straight line at the
        // 4/3-Earth apparent elevation reaches the range R about R²/8a too high.
        let r = registry();
        let radar = &r.radars[0];
        let (range, az, h) = (200_000.0, 1.0, 10_000.0);
        let hs = radar.cfg.location.height();
        let radius = radius_along_azimuth(radar.cfg.location.lat(), az);
        let apparent = elevation_on_sphere(range, hs, h, radius * 4.0 / 3.0).unwrap();
        let local = aer_to_enu(az, apparent, range).unwrap();
        let g = radar
            .ltp
            .enu_to_geodetic(&Position::from_raw(local.raw()))
            .unwrap();
        let excess = g.height() - h;
        let expected = range * range / (8.0 * radius);
        assert!(
            (excess - expected).abs() < 0.05 * expected,
            "{excess} {expected}"
        );
        // The straight-line elevation lands on the height.
        let z = radar.system_height(range, az, h).unwrap().unwrap();
        let in_site = radar.site.to_site(&Vector3::new(0.0, 0.0, z));
        assert!(in_site.z.is_finite());
    }

    #[test]
    fn unreachable_height_and_missing_items() {
        let r = registry();
        // 2 NM cannot reach FL350 from the site: no height rather than an invented point.
        let m = r.plot(&plot(2.0, 0.0, Some(350.0)), 0).unwrap();
        assert!(matches!(
            m.observation,
            Observation::Polar2 { height_m: None, .. }
        ));
        let mut p = plot(50.0, 0.0, None);
        p.time_of_day = None;
        assert_eq!(r.plot(&p, 0), Err(IngestError::MissingItem("I048/140")));
        let mut p = plot(50.0, 0.0, None);
        p.theta_deg = None;
        assert_eq!(r.plot(&p, 0), Err(IngestError::MissingItem("I048/040")));
        let mut p = plot(50.0, 0.0, None);
        p.sic = 9;
        assert_eq!(
            r.plot(&p, 0),
            Err(IngestError::UnknownSensor { sac: 1, sic: 9 })
        );
        let mut p = plot(f64::NAN, 0.0, None);
        assert!(matches!(
            r.plot(&p, 0),
            Err(IngestError::InvalidValue { .. })
        ));
        p = plot(50.0, 0.0, None);
        p.time_of_day = Some(1e6);
        assert!(matches!(
            r.plot(&p, 0),
            Err(IngestError::InvalidValue { .. })
        ));
    }

    #[test]
    fn registration_refuses_duplicates_and_bad_sites() {
        let mut r = registry();
        let base = r.radar(1, 2).copied().unwrap();
        assert_eq!(
            r.add_radar(RadarSite {
                id: SensorId(7),
                ..base
            }),
            Err(IngestError::DuplicateSacSic { sac: 1, sic: 2 })
        );
        assert_eq!(
            r.add_radar(RadarSite { sic: 3, ..base }),
            Err(IngestError::DuplicateSensor(SensorId(1)))
        );
        assert_eq!(
            r.add_position_sensor(SensorId(1)),
            Err(IngestError::DuplicateSensor(SensorId(1)))
        );
        assert!(matches!(
            r.add_radar(RadarSite {
                id: SensorId(8),
                sic: 3,
                sigma_range_m: 0.0,
                ..base
            }),
            Err(IngestError::BadSite { .. })
        ));
        assert!(matches!(
            r.add_radar(RadarSite {
                id: SensorId(8),
                sic: 3,
                kind: SensorKind::PositionReport,
                ..base
            }),
            Err(IngestError::BadSite { .. })
        ));
        let s = r.add_position_sensor(SensorId(9)).unwrap();
        assert_eq!(s.rotation, Matrix3::identity());
        assert_eq!(r.sites().count(), 2);
    }

    #[test]
    fn position_report_covariance_keeps_vertical_along_the_local_up() {
        let mut r = registry();
        r.add_position_sensor(SensorId(5)).unwrap();
        let rep = PositionReport {
            lat: 46.5,
            lon: 18.0,
            alt_m: Some(10_000.0),
            sigma_h_m: 20.0,
            sigma_v_m: 200.0,
        };
        let m = r.position_report(Timestamp(5), SensorId(5), &rep).unwrap();
        let Observation::Position {
            position,
            covariance,
        } = m.observation
        else {
            panic!()
        };
        let g = r
            .system()
            .enu_to_geodetic(&Position::from_raw(position))
            .unwrap();
        assert!((g.lat_deg() - 46.5).abs() < 1e-9 && (g.lon_deg() - 18.0).abs() < 1e-9);
        let point = Geodetic::from_degrees(46.5, 18.0, 10_000.0).unwrap();
        let up = r.system().site_rotation(&point) * Vector3::z();
        assert!((up.dot(&(covariance * up)) - 40_000.0).abs() < 1e-6);
        // The local up is tilted against the system's, so the system z variance is less.
        assert!(covariance[(2, 2)] < 40_000.0 && covariance[(2, 2)] > 39_000.0);
        assert_eq!(
            r.position_report(Timestamp(5), SensorId(1), &rep),
            Err(IngestError::UnknownSensorId(SensorId(1)))
        );
        let no_alt = PositionReport { alt_m: None, ..rep };
        assert_eq!(
            r.position_report(Timestamp(5), SensorId(5), &no_alt),
            Err(IngestError::MissingAltitude)
        );
        let bad = PositionReport {
            lat: f64::NAN,
            ..rep
        };
        assert!(matches!(
            r.position_report(Timestamp(5), SensorId(5), &bad),
            Err(IngestError::Geo(_))
        ));
    }

    #[test]
    fn cat021_accuracy_from_nacp_then_nic() {
        let mut r = registry();
        r.add_position_sensor(SensorId(5)).unwrap();
        let rep = Cat021Report {
            time_of_day: Some(86_399.5),
            lat_lon_deg: Some((45.5, 16.5)),
            flight_level: Some(300.0),
            nacp: Some(8),
            nic: Some(7),
            ..Default::default()
        };
        let day = 19_000 * 86_400_000_000_000i64;
        let m = r.cat021(&rep, day + 1_000_000_000, SensorId(5)).unwrap();
        assert_eq!(m.time, Timestamp(day - 500_000_000));
        let Observation::Position { covariance, .. } = m.observation else {
            panic!()
        };
        let sh = accuracy::epu_m(8).unwrap() / (-2.0 * 0.05f64.ln()).sqrt();
        assert!((covariance[(0, 0)] - sh * sh).abs() < 0.5);
        let nic_only = Cat021Report { nacp: None, ..rep };
        let m = r.cat021(&nic_only, day, SensorId(5)).unwrap();
        let Observation::Position { covariance, .. } = m.observation else {
            panic!()
        };
        let sh = accuracy::containment_m(12).unwrap() / (-2.0 * 0.05f64.ln()).sqrt();
        assert!((covariance[(0, 0)] - sh * sh).abs() < 5.0);
        let none = Cat021Report {
            nacp: Some(0),
            nic: Some(0),
            ..rep
        };
        assert_eq!(
            r.cat021(&none, day, SensorId(5)),
            Err(IngestError::UnknownAccuracy)
        );
        let no_pos = Cat021Report {
            lat_lon_deg: None,
            ..rep
        };
        assert!(matches!(
            r.cat021(&no_pos, day, SensorId(5)),
            Err(IngestError::MissingItem(_))
        ));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_plots_and_reports_never_panic(
            tod in proptest::num::f64::ANY,
            rho in proptest::num::f64::ANY,
            theta in proptest::num::f64::ANY,
            fl in proptest::option::of(proptest::num::f64::ANY),
            reference in proptest::num::i64::ANY,
            lat in -100.0f64..100.0,
            lon in -400.0f64..400.0,
            alt in proptest::option::of(-1e6f64..1e7),
            nacp in proptest::option::of(0u8..16),
            nic in proptest::option::of(0u8..16),
        ) {
            let mut r = registry();
            r.add_position_sensor(SensorId(5)).unwrap();
            let p = Cat048Plot {
                time_of_day: Some(tod),
                rho_nm: Some(rho),
                theta_deg: Some(theta),
                flight_level: fl,
                ..plot(0.0, 0.0, None)
            };
            if let Ok(m) = r.plot(&p, reference) {
                proptest::prop_assert!(m.validate().is_ok());
            }
            let c = Cat021Report {
                time_of_day: Some(tod),
                lat_lon_deg: Some((lat, lon)),
                geometric_height_ft: alt,
                nacp,
                nic,
                ..Default::default()
            };
            if let Ok(m) = r.cat021(&c, reference, SensorId(5)) {
                proptest::prop_assert!(m.validate().is_ok());
            }
        }
    }
}
