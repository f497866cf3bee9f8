//! The site configuration of a live run: the system origin, every sensor feeding the picture
//! (radars by SAC/SIC with their accuracies, ADS-B receivers), the defended assets, the
//! launchers and interceptor types, and the picture and engagement settings.
//!
//! It is written into the journal at the start of every run, so a replay needs nothing but the
//! journal. [`SiteConfig::from_world`] derives it from a simulator scenario; a deployment with
//! real feeds writes it as TOML or JSON (same fields).

use serde::{Deserialize, Serialize};
use tessera_domain::TargetClass;
use tessera_engage::doctrine::Doctrine;
use tessera_engage::feasibility::{FireControlCriteria, InterceptorType};
use tessera_engage::threat::ThreatParams;
use tessera_geo::{Geodetic, LocalTangentPlane, Position};
use tessera_picture::PictureConfig;
use tessera_sim::world::WorldConfig;
use tessera_sim::world::config::{ObjectClass, SensorKindConfig};
use thiserror::Error;

/// A site configuration that cannot be used.
#[derive(Debug, Error, PartialEq)]
#[error("site configuration: {0}")]
pub struct SiteError(pub String);

/// A WGS-84 position: degrees and metres above the ellipsoid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub lat_deg: f64,
    pub lon_deg: f64,
    pub alt_m: f64,
}

impl GeoPoint {
    pub fn geodetic(&self) -> Result<Geodetic, SiteError> {
        Geodetic::from_degrees(self.lat_deg, self.lon_deg, self.alt_m)
            .map_err(|e| SiteError(format!("position {self:?}: {e}")))
    }
}

/// Radar kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RadarKind {
    Radar2d,
    Radar3d,
}

/// A radar feeding CAT048.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RadarConfig {
    pub id: u32,
    pub name: String,
    pub kind: RadarKind,
    pub sac: u8,
    pub sic: u8,
    pub position: GeoPoint,
    pub rotation_period_s: f64,
    pub max_range_m: f64,
    pub sigma_range_m: f64,
    pub sigma_azimuth_deg: f64,
    pub sigma_elevation_deg: f64,
    /// Sigma of a Mode C derived height, m.
    pub sigma_height_m: f64,
}

/// An ADS-B ground station feeding CAT021 (or SBS).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdsbConfig {
    pub id: u32,
    pub name: String,
    pub sac: u8,
    pub sic: u8,
    pub position: GeoPoint,
    pub max_range_m: f64,
}

/// A defended asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetConfig {
    pub id: u32,
    pub name: String,
    pub position: GeoPoint,
    pub radius_m: f64,
    pub value: f64,
}

/// A launcher (fire unit) with one interceptor type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LauncherConfig {
    pub id: u32,
    pub name: String,
    pub position: GeoPoint,
    pub interceptor: String,
    pub inventory: u32,
    /// Engagements it can guide at once.
    pub channels: u32,
    pub reload_s: f64,
    /// Sector centre, compass degrees.
    pub sector_center_deg: f64,
    /// Sector half width, degrees (180: all round).
    pub sector_half_width_deg: f64,
}

/// Engagement-support settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngagementSettings {
    /// Seconds of scenario time between two plans.
    pub plan_period_s: f64,
    pub doctrine: Doctrine,
    pub threat: ThreatParams,
    pub fire_control: FireControlCriteria,
    /// Deterministic work budget of one WTA solve (never a wall-clock budget: replays must
    /// reproduce the plan bit for bit).
    pub wta_work: u64,
    /// A recommendation the new plan no longer contains stays this long (unless its track
    /// got another recommendation), so that an operator is not chasing a flickering list, s.
    pub min_dwell_s: f64,
}

impl Default for EngagementSettings {
    fn default() -> Self {
        Self {
            plan_period_s: 2.0,
            // Re-plan only for a 10 % gain: near-equal alternatives must not flicker.
            doctrine: Doctrine {
                hysteresis: 0.10,
                ..Doctrine::default()
            },
            threat: ThreatParams::default(),
            fire_control: FireControlCriteria {
                max_sigma_pos_m: 400.0,
                max_sigma_vel_mps: 60.0,
                min_updates: 4,
                ..FireControlCriteria::default()
            },
            wta_work: 2_000_000,
            min_dwell_s: 8.0,
        }
    }
}

/// Everything a live run is configured by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteConfig {
    pub name: String,
    /// The system frame's origin (ENU tangent plane at height 0).
    pub origin_lat_deg: f64,
    pub origin_lon_deg: f64,
    /// Scenario time 0 as UTC nanoseconds (the reference date of ASTERIX times of day).
    pub epoch_unix_ns: i64,
    pub radars: Vec<RadarConfig>,
    pub adsb: Vec<AdsbConfig>,
    pub assets: Vec<AssetConfig>,
    pub interceptors: Vec<InterceptorType>,
    pub launchers: Vec<LauncherConfig>,
    #[serde(default)]
    pub picture: PictureConfig,
    #[serde(default)]
    pub engagement: EngagementSettings,
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(if m <= 2 { y - 1 } else { y });
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn classes_of(list: &[ObjectClass]) -> Vec<TargetClass> {
    let mut v = Vec::new();
    for c in list {
        match c {
            ObjectClass::Ballistic => v.push(TargetClass::BallisticMissile),
            ObjectClass::Cruise => v.push(TargetClass::CruiseMissile),
            ObjectClass::Aircraft => {
                v.push(TargetClass::FixedWing);
                v.push(TargetClass::Helicopter);
            }
            ObjectClass::Drone => v.push(TargetClass::Drone),
            ObjectClass::Rocket => v.push(TargetClass::Rocket),
            ObjectClass::Interceptor => {}
        }
    }
    v
}

impl SiteConfig {
    /// The site a simulator scenario describes: its radars, ADS-B receivers, assets,
    /// interceptors and launchers, at the WGS-84 positions the simulator puts them.
    pub fn from_world(w: &WorldConfig) -> Result<Self, SiteError> {
        let sc = &w.scenario;
        let epoch = tessera_sim::world::config::Epoch::parse(&sc.epoch)
            .ok_or_else(|| SiteError(format!("bad epoch {:?}", sc.epoch)))?;
        let epoch_unix_ns = (days_from_civil(epoch.year, epoch.month, epoch.day) * 86_400
            + epoch.seconds_of_day as i64)
            * 1_000_000_000;
        let plane = LocalTangentPlane::new(
            Geodetic::from_degrees(sc.origin_lat_deg, sc.origin_lon_deg, 0.0)
                .map_err(|e| SiteError(format!("origin: {e}")))?,
        );
        // The simulator's flat frame: tangent-plane x, y with z as height above the ellipsoid.
        let geo = |p: [f64; 3]| -> Result<GeoPoint, SiteError> {
            let g = plane
                .enu_to_geodetic(&Position::new(p[0], p[1], 0.0))
                .map_err(|e| SiteError(format!("position {p:?}: {e}")))?;
            Ok(GeoPoint {
                lat_deg: g.lat_deg(),
                lon_deg: g.lon_deg(),
                alt_m: p[2],
            })
        };
        let mut radars = Vec::new();
        let mut adsb = Vec::new();
        for s in &w.sensors {
            match s.kind {
                SensorKindConfig::Radar2d | SensorKindConfig::Radar3d => radars.push(RadarConfig {
                    id: s.id,
                    name: s.name.clone(),
                    kind: if s.kind == SensorKindConfig::Radar3d {
                        RadarKind::Radar3d
                    } else {
                        RadarKind::Radar2d
                    },
                    sac: s.sac,
                    sic: s.sic.unwrap_or(s.id as u8),
                    position: geo(s.position_m)?,
                    rotation_period_s: s.rotation_period_s.unwrap_or(4.0),
                    max_range_m: s.max_range_m.unwrap_or(200_000.0),
                    sigma_range_m: s.sigma_range_m,
                    sigma_azimuth_deg: s.sigma_azimuth_deg,
                    sigma_elevation_deg: if s.kind == SensorKindConfig::Radar3d {
                        s.sigma_elevation_deg
                    } else {
                        0.0
                    },
                    sigma_height_m: 60.0,
                }),
                SensorKindConfig::Adsb => adsb.push(AdsbConfig {
                    id: s.id,
                    name: s.name.clone(),
                    sac: s.sac,
                    sic: s.sic.unwrap_or(s.id as u8),
                    position: geo(s.position_m)?,
                    max_range_m: s.max_range_m.unwrap_or(400_000.0),
                }),
                SensorKindConfig::EarlyWarning => {}
            }
        }
        let assets = w
            .assets
            .iter()
            .enumerate()
            .map(|(i, a)| {
                Ok(AssetConfig {
                    id: i as u32 + 1,
                    name: a.name.clone(),
                    position: geo([a.position_m[0], a.position_m[1], 0.0])?,
                    radius_m: a.radius_m,
                    value: a.value,
                })
            })
            .collect::<Result<Vec<_>, SiteError>>()?;
        let interceptors = w
            .interceptors
            .iter()
            .map(|k| {
                let boost = k.boost_s.max(0.05);
                InterceptorType {
                    name: k.name.clone(),
                    // The simulator's fly-out: speed rising linearly over the boost.
                    speed_profile: vec![(0.0, (0.05 * k.speed_mps).max(1.0)), (boost, k.speed_mps)],
                    min_range_m: k.min_range_m,
                    max_range_m: k.max_range_m,
                    min_altitude_m: k.min_altitude_m,
                    max_altitude_m: k.max_altitude_m,
                    max_flight_time_s: boost + 1.2 * k.max_range_m / k.speed_mps,
                    pk: classes_of(&k.classes)
                        .into_iter()
                        .map(|c| (c, k.pk))
                        .collect(),
                }
            })
            .collect();
        let launchers = w
            .launchers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                Ok(LauncherConfig {
                    id: i as u32 + 1,
                    name: l.name.clone(),
                    position: geo(l.position_m)?,
                    interceptor: l.interceptor.clone(),
                    inventory: l.inventory,
                    channels: l.channels.max(1),
                    reload_s: l.reload_s,
                    sector_center_deg: 180.0,
                    sector_half_width_deg: 180.0,
                })
            })
            .collect::<Result<Vec<_>, SiteError>>()?;
        let site = SiteConfig {
            name: sc.name.clone(),
            origin_lat_deg: sc.origin_lat_deg,
            origin_lon_deg: sc.origin_lon_deg,
            epoch_unix_ns,
            radars,
            adsb,
            assets,
            interceptors,
            launchers,
            picture: PictureConfig::default(),
            engagement: EngagementSettings::default(),
        };
        site.validate()?;
        Ok(site)
    }

    /// Checks ids, SAC/SIC uniqueness, references between launchers and interceptor types and
    /// every number the core relies on.
    pub fn validate(&self) -> Result<(), SiteError> {
        let bad = |m: String| Err(SiteError(m));
        let mut ids = std::collections::BTreeSet::new();
        let mut sacsic = std::collections::BTreeSet::new();
        for r in &self.radars {
            if !ids.insert(r.id) {
                return bad(format!("sensor id {} used twice", r.id));
            }
            if !sacsic.insert((r.sac, r.sic)) {
                return bad(format!("SAC {} SIC {} used twice", r.sac, r.sic));
            }
            for (what, v) in [
                ("rotation_period_s", r.rotation_period_s),
                ("max_range_m", r.max_range_m),
                ("sigma_range_m", r.sigma_range_m),
                ("sigma_azimuth_deg", r.sigma_azimuth_deg),
                ("sigma_height_m", r.sigma_height_m),
            ] {
                if !(v.is_finite() && v > 0.0) {
                    return bad(format!(
                        "radar {}: {what} must be finite and positive",
                        r.id
                    ));
                }
            }
            if r.kind == RadarKind::Radar3d
                && !(r.sigma_elevation_deg.is_finite() && r.sigma_elevation_deg > 0.0)
            {
                return bad(format!(
                    "radar {}: a 3D radar needs sigma_elevation_deg > 0",
                    r.id
                ));
            }
            r.position.geodetic()?;
        }
        for a in &self.adsb {
            if !ids.insert(a.id) {
                return bad(format!("sensor id {} used twice", a.id));
            }
            if !sacsic.insert((a.sac, a.sic)) {
                return bad(format!("SAC {} SIC {} used twice", a.sac, a.sic));
            }
            a.position.geodetic()?;
        }
        for l in &self.launchers {
            if !self.interceptors.iter().any(|k| k.name == l.interceptor) {
                return bad(format!(
                    "launcher {}: unknown interceptor type {:?}",
                    l.name, l.interceptor
                ));
            }
            if !(l.reload_s.is_finite() && l.reload_s >= 0.0) || l.channels == 0 {
                return bad(format!("launcher {}: reload_s and channels", l.name));
            }
        }
        for k in &self.interceptors {
            k.validate().map_err(|e| SiteError(e.to_string()))?;
        }
        for a in &self.assets {
            if !(a.radius_m.is_finite() && a.radius_m >= 0.0 && a.value.is_finite()) {
                return bad(format!("asset {}: radius_m and value", a.name));
            }
        }
        if !(self.engagement.plan_period_s.is_finite() && self.engagement.plan_period_s > 0.0) {
            return bad("engagement.plan_period_s must be positive".into());
        }
        self.engagement
            .doctrine
            .validate()
            .map_err(|e| SiteError(e.to_string()))?;
        self.picture
            .identification
            .validate()
            .map_err(|e| SiteError(e.to_string()))?;
        Ok(())
    }

    /// The system frame.
    pub fn system_frame(&self) -> Result<LocalTangentPlane, SiteError> {
        Ok(LocalTangentPlane::new(
            Geodetic::from_degrees(self.origin_lat_deg, self.origin_lon_deg, 0.0)
                .map_err(|e| SiteError(format!("origin: {e}")))?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2024, 1, 1), 19_723);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn default_world_makes_a_valid_site() {
        let site = SiteConfig::from_world(&tessera_sim::world::default_world()).unwrap();
        assert_eq!(site.epoch_unix_ns, 1_704_103_200_000_000_000);
        assert!(site.radars.len() >= 5 && !site.adsb.is_empty());
        assert_eq!(site.assets.len(), 6);
        assert!(site.launchers.len() >= 4);
        // The JSON form (what the journal stores) reads back to the same site.
        let text = serde_json::to_string(&site).unwrap();
        let back: SiteConfig = serde_json::from_str(&text).unwrap();
        assert_eq!(back, site);
        let mut broken = site.clone();
        broken.launchers[0].interceptor = "Nothing".into();
        assert!(
            broken
                .validate()
                .unwrap_err()
                .0
                .contains("unknown interceptor")
        );
    }
}
