//! From ADS-B positions to measurements: WGS-84 latitude/longitude/altitude with 1-sigma
//! horizontal and vertical errors derived from NACp (DO-260B Table 2-70/2-71 95 % bounds).
//!
//! The horizontal bound (EPU) is a 95 % radius; for a circular Gaussian
//! `P(r ≤ R) = 1 − exp(−R²/2σ²)`, so `σ = R / √(−2 ln 0.05) ≈ R / 2.448`. The vertical bound
//! (VEPU, only NACp 10-11) is a 95 % two-sided bound, `σ = R / 1.96`. When NACp is unknown the
//! NUCp / type-code containment radius is used the same way (conservative). The tracker converts
//! the result to its own frame.

use serde::Serialize;

const NM: f64 = 1852.0;
const FT: f64 = 0.3048;

/// 95 % horizontal position bound (m) for a NACp, `None` for NACp 0 (unknown).
pub fn epu_m(nac_p: u8) -> Option<f64> {
    Some(match nac_p {
        11.. => 3.0,
        10 => 10.0,
        9 => 30.0,
        8 => 0.05 * NM,
        7 => 0.1 * NM,
        6 => 0.3 * NM,
        5 => 0.5 * NM,
        4 => NM,
        3 => 2.0 * NM,
        2 => 4.0 * NM,
        1 => 10.0 * NM,
        0 => return None,
    })
}

/// 95 % vertical position bound (m) for a NACp (defined only for NACp 10 and 11).
pub fn vepu_m(nac_p: u8) -> Option<f64> {
    match nac_p {
        11.. => Some(4.0),
        10 => Some(15.0),
        _ => None,
    }
}

/// Horizontal containment radius (m) implied by an airborne position type code (NUCp/NIC
/// without supplements), used when no NACp is known.
pub fn containment_m(tc: u8) -> Option<f64> {
    Some(match tc {
        9 | 20 => 7.5,
        10 | 21 => 25.0,
        11 => 0.1 * NM,
        12 => 0.2 * NM,
        13 => 0.5 * NM,
        14 => NM,
        15 => 2.0 * NM,
        16 => 8.0 * NM,
        17 => 20.0 * NM,
        _ => return None,
    })
}

/// A position report ready to become a measurement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PositionReport {
    /// WGS-84 latitude (degrees).
    pub lat: f64,
    /// WGS-84 longitude (degrees).
    pub lon: f64,
    /// Altitude (m): barometric altitude as reported (not corrected to the ellipsoid).
    pub alt_m: Option<f64>,
    /// 1-sigma horizontal error per axis (m).
    pub sigma_h_m: f64,
    /// 1-sigma vertical error (m).
    pub sigma_v_m: f64,
}

/// Builds a [`PositionReport`]. `nac_p` comes from the aircraft's latest TC 29/31 message,
/// `tc` is the position message's type code. Without either, `None` (accuracy unknown).
/// Altitude without a VEPU gets a 1-sigma of half the altitude quantum plus 15 m
/// (Gillham 100 ft → 30 m, Q=1 25 ft → 19 m).
pub fn position_report(
    lat: f64,
    lon: f64,
    altitude_ft: Option<i32>,
    altitude_quantum_ft: f64,
    nac_p: Option<u8>,
    tc: u8,
) -> Option<PositionReport> {
    let k_h = (-2.0 * 0.05f64.ln()).sqrt();
    let bound = nac_p.and_then(epu_m).or_else(|| containment_m(tc))?;
    let sigma_v = nac_p
        .and_then(vepu_m)
        .map(|v| v / 1.96)
        .unwrap_or(altitude_quantum_ft * FT / 2.0 + 15.0);
    Some(PositionReport {
        lat,
        lon,
        alt_m: altitude_ft.map(|a| f64::from(a) * FT),
        sigma_h_m: bound / k_h,
        sigma_v_m: sigma_v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nacp_to_sigma() {
        let r = position_report(51.0, 0.0, Some(35000), 25.0, Some(8), 11).unwrap();
        assert!((r.sigma_h_m - 92.6 / 2.4477).abs() < 0.01);
        assert!((r.alt_m.unwrap() - 10668.0).abs() < 1e-6);
        let r = position_report(51.0, 0.0, None, 25.0, Some(10), 9).unwrap();
        assert!((r.sigma_v_m - 15.0 / 1.96).abs() < 1e-9);
        assert!(position_report(51.0, 0.0, None, 25.0, Some(0), 18).is_none());
        // Fallback to the type code's containment radius.
        let r = position_report(51.0, 0.0, None, 100.0, None, 11).unwrap();
        assert!((r.sigma_h_m - 185.2 / 2.4477).abs() < 0.01);
    }
}
