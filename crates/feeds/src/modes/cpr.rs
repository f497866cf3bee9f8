//! Compact Position Reporting (CPR) decoding, DO-260B Appendix A / ICAO Doc 9871 C.2.6.
//!
//! Airborne and surface formats, global decoding from an even/odd pair and local decoding
//! against a reference position, plus [`CprDecoder`], a small per-aircraft state machine that
//! turns a stream of raw CPR reports into positions the way receivers do it (global decode from
//! a fresh pair, then local decode against the last position).

use std::collections::HashMap;

use serde::Serialize;

/// Number of latitude zones between the equator and a pole.
const NZ: f64 = 15.0;
/// 2^17, the CPR encoding resolution.
const CPR_MAX: f64 = 131_072.0;

/// A raw CPR-encoded position as carried by BDS 0,5 or 0,6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CprPosition {
    /// `true` for the odd format (F = 1).
    pub odd: bool,
    /// 17-bit encoded latitude.
    pub lat: u32,
    /// 17-bit encoded longitude.
    pub lon: u32,
}

/// Whether a CPR report is an airborne (360° zones) or surface (90° zones) report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CprKind {
    /// BDS 0,5 airborne position.
    Airborne,
    /// BDS 0,6 surface position.
    Surface,
}

impl CprKind {
    fn span(self) -> f64 {
        match self {
            CprKind::Airborne => 360.0,
            CprKind::Surface => 90.0,
        }
    }
}

/// The number of longitude zones at latitude `lat` (degrees), NL(lat).
pub fn nl(lat: f64) -> u32 {
    let lat = lat.abs();
    if lat < 1e-9 {
        return 59;
    }
    if (lat - 87.0).abs() < 1e-9 {
        return 2;
    }
    if lat > 87.0 {
        return 1;
    }
    let a = 1.0 - (std::f64::consts::PI / (2.0 * NZ)).cos();
    let b = (std::f64::consts::PI / 180.0 * lat).cos().powi(2);
    let nl = (2.0 * std::f64::consts::PI / (1.0 - a / b).acos()).floor();
    nl as u32
}

fn modulo(a: f64, b: f64) -> f64 {
    a - b * (a / b).floor()
}

/// Global decoding from an even and an odd report of the same aircraft. `latest_odd` tells
/// which of the two is the more recent (its longitude zone is used). For surface reports a
/// reference position (within 45° of the aircraft) resolves the quadrant ambiguity.
/// Returns `None` when the two reports straddle a latitude-zone boundary.
pub fn global(
    kind: CprKind,
    even: CprPosition,
    odd: CprPosition,
    latest_odd: bool,
    reference: Option<(f64, f64)>,
) -> Option<(f64, f64)> {
    let span = kind.span();
    let lat_e = f64::from(even.lat) / CPR_MAX;
    let lat_o = f64::from(odd.lat) / CPR_MAX;
    let lon_e = f64::from(even.lon) / CPR_MAX;
    let lon_o = f64::from(odd.lon) / CPR_MAX;
    let dlat_e = span / 60.0;
    let dlat_o = span / 59.0;
    let j = (59.0 * lat_e - 60.0 * lat_o + 0.5).floor();
    let mut rlat_e = dlat_e * (modulo(j, 60.0) + lat_e);
    let mut rlat_o = dlat_o * (modulo(j, 59.0) + lat_o);
    match kind {
        CprKind::Airborne => {
            if rlat_e >= 270.0 {
                rlat_e -= 360.0;
            }
            if rlat_o >= 270.0 {
                rlat_o -= 360.0;
            }
        }
        CprKind::Surface => {
            // Northern-hemisphere solution by default; the reference picks the hemisphere.
            let ref_lat = reference.map_or(rlat_e, |r| r.0);
            if ref_lat < 0.0 {
                rlat_e -= 90.0;
                rlat_o -= 90.0;
            }
        }
    }
    if !(-90.0..=90.0).contains(&rlat_e) || !(-90.0..=90.0).contains(&rlat_o) {
        return None;
    }
    if nl(rlat_e) != nl(rlat_o) {
        return None;
    }
    let (lat, lon_cpr, i) = if latest_odd {
        (rlat_o, lon_o, 1)
    } else {
        (rlat_e, lon_e, 0)
    };
    let nl_lat = nl(lat);
    let ni = nl_lat.saturating_sub(i).max(1);
    let m = (lon_e * f64::from(nl_lat - 1) - lon_o * f64::from(nl_lat) + 0.5).floor();
    let mut lon = (span / f64::from(ni)) * (modulo(m, f64::from(ni)) + lon_cpr);
    match kind {
        CprKind::Airborne => {
            if lon >= 180.0 {
                lon -= 360.0;
            }
        }
        CprKind::Surface => {
            // Four candidate longitudes 90° apart; take the one nearest the reference.
            let ref_lon = reference.map_or(lon, |r| r.1);
            let mut best = lon;
            let mut best_d = f64::INFINITY;
            for k in 0..4 {
                let mut c = lon + 90.0 * f64::from(k);
                if c >= 180.0 {
                    c -= 360.0;
                }
                let d = (modulo(c - ref_lon + 180.0, 360.0) - 180.0).abs();
                if d < best_d {
                    best_d = d;
                    best = c;
                }
            }
            lon = best;
        }
    }
    Some((lat, lon))
}

/// Local decoding of one report against a reference position that is within half a zone
/// (about 180 NM airborne, 45 NM surface) of the aircraft.
pub fn local(kind: CprKind, pos: CprPosition, reference: (f64, f64)) -> (f64, f64) {
    let span = kind.span();
    let i = if pos.odd { 1.0 } else { 0.0 };
    let lat_cpr = f64::from(pos.lat) / CPR_MAX;
    let lon_cpr = f64::from(pos.lon) / CPR_MAX;
    let (ref_lat, ref_lon) = reference;
    let dlat = span / (60.0 - i);
    let j = (ref_lat / dlat).floor() + (modulo(ref_lat, dlat) / dlat - lat_cpr + 0.5).floor();
    let lat = dlat * (j + lat_cpr);
    let ni = (f64::from(nl(lat)) - i).max(1.0);
    let dlon = span / ni;
    let m = (ref_lon / dlon).floor() + (modulo(ref_lon, dlon) / dlon - lon_cpr + 0.5).floor();
    let lon = dlon * (m + lon_cpr);
    (lat, lon)
}

#[derive(Debug, Clone, Copy)]
struct Report {
    pos: CprPosition,
    kind: CprKind,
    time: f64,
}

#[derive(Debug, Default, Clone)]
struct AircraftCpr {
    even: Option<Report>,
    odd: Option<Report>,
    last: Option<(f64, f64, f64)>,
}

/// Stateful CPR decoding for many aircraft: a global decode from an even/odd pair received
/// of the same kind within 10 s (airborne) or 25 s (surface) whenever one is available, else
/// local decoding against the last position while it is younger than `local_window` seconds
/// (rejected if it lands implausibly far away), else, for surface reports, local decoding
/// against `surface_reference`.
#[derive(Debug, Clone)]
pub struct CprDecoder {
    aircraft: HashMap<u32, AircraftCpr>,
    /// Reference for surface reports of aircraft without a known position (e.g. the airport).
    pub surface_reference: Option<(f64, f64)>,
    /// Oldest age (s) of the last position still used for local decoding.
    pub local_window: f64,
}

impl Default for CprDecoder {
    fn default() -> Self {
        Self {
            aircraft: HashMap::new(),
            surface_reference: None,
            local_window: 180.0,
        }
    }
}

impl CprDecoder {
    /// A decoder with no surface reference.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one CPR report of aircraft `icao` at time `t` (seconds) and returns the decoded
    /// position (lat, lon in degrees) when one can be derived.
    pub fn update(
        &mut self,
        icao: u32,
        kind: CprKind,
        pos: CprPosition,
        t: f64,
    ) -> Option<(f64, f64)> {
        let surface_reference = self.surface_reference;
        let local_window = self.local_window;
        let ac = self.aircraft.entry(icao).or_default();
        let report = Report { pos, kind, time: t };
        if pos.odd {
            ac.odd = Some(report);
        } else {
            ac.even = Some(report);
        }
        let pair_window = match kind {
            CprKind::Airborne => 10.0,
            CprKind::Surface => 25.0,
        };
        let last_ref = ac
            .last
            .filter(|l| (t - l.2).abs() <= local_window)
            .map(|l| (l.0, l.1));
        let reference = last_ref.or(match kind {
            CprKind::Surface => surface_reference,
            CprKind::Airborne => None,
        });
        let mut result = None;
        if let (Some(e), Some(o)) = (ac.even, ac.odd)
            && (e.time - o.time).abs() <= pair_window
            && e.kind == kind
            && o.kind == kind
            && (kind == CprKind::Airborne || reference.is_some())
        {
            result = global(kind, e.pos, o.pos, pos.odd, reference);
        }
        if result.is_none()
            && let Some(lr) = last_ref
        {
            let p = local(kind, pos, lr);
            // Reject a local solution that jumps implausibly far from the reference.
            if (p.0 - lr.0).abs() < 1.0 && (p.1 - lr.1).abs() < 2.0 {
                result = Some(p);
            }
        }
        if result.is_none()
            && kind == CprKind::Surface
            && let Some(r) = reference
        {
            result = Some(local(kind, pos, r));
        }
        if let Some((lat, lon)) = result {
            ac.last = Some((lat, lon, t));
        }
        result
    }

    /// Forgets everything about one aircraft.
    pub fn forget(&mut self, icao: u32) {
        self.aircraft.remove(&icao);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nl_table_edges() {
        assert_eq!(nl(0.0), 59);
        assert_eq!(nl(87.0), 2);
        assert_eq!(nl(88.0), 1);
        assert_eq!(nl(52.2572), 36);
    }

    #[test]
    fn airborne_global_textbook_example() {
        // "The 1090 MHz Riddle": 8D40621D58C382D690C8AC2863A7 (even) and
        // 8D40621D58C386435CC412692AD6 (odd), latest even -> 52.2572, 3.9194.
        let even = CprPosition {
            odd: false,
            lat: 93000,
            lon: 51372,
        };
        let odd = CprPosition {
            odd: true,
            lat: 74158,
            lon: 50194,
        };
        let (lat, lon) = global(CprKind::Airborne, even, odd, false, None).unwrap();
        assert!((lat - 52.25720).abs() < 1e-4, "{lat}");
        assert!((lon - 3.91937).abs() < 1e-4, "{lon}");
        let (llat, llon) = local(CprKind::Airborne, even, (52.258, 3.918));
        assert!((llat - 52.25720).abs() < 1e-4 && (llon - 3.91937).abs() < 1e-4);
    }
}
