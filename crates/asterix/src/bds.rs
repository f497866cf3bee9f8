//! Mode S Comm-B registers carried raw in I048/250 (and I062/380 BDSDATA): the common ones are
//! decoded here — BDS 2,0 (identification), 4,0 (selected vertical intention), 5,0 (track and
//! turn), 6,0 (heading and speed). Layouts follow ICAO Doc 9871; bit 1 is the MSB of the 56 bits.

use crate::bits::{read_bits, sign_extend};
use crate::value::icao_chars;

fn bit(mb: &[u8; 7], n: usize) -> u64 {
    read_bits(mb, n - 1, 1).unwrap_or(0)
}

fn field(mb: &[u8; 7], first: usize, len: usize) -> u64 {
    read_bits(mb, first - 1, len).unwrap_or(0)
}

/// Signed field: `sign` bit then `len` magnitude bits, two's complement over `len + 1` bits.
fn signed(mb: &[u8; 7], sign: usize, len: usize) -> i64 {
    sign_extend(field(mb, sign, len + 1), len + 1)
}

/// BDS 4,0 — selected vertical intention.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Bds40 {
    /// MCP/FCU selected altitude, ft.
    pub mcp_alt_ft: Option<f64>,
    /// FMS selected altitude, ft.
    pub fms_alt_ft: Option<f64>,
    /// Barometric pressure setting, hPa.
    pub baro_hpa: Option<f64>,
}

/// BDS 5,0 — track and turn report.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Bds50 {
    /// Roll angle, degrees (positive right wing down).
    pub roll_deg: Option<f64>,
    /// True track angle, degrees.
    pub track_deg: Option<f64>,
    /// Ground speed, kt.
    pub ground_speed_kt: Option<f64>,
    /// Track angle rate, deg/s.
    pub track_rate_dps: Option<f64>,
    /// True airspeed, kt.
    pub tas_kt: Option<f64>,
}

/// BDS 6,0 — heading and speed report.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Bds60 {
    /// Magnetic heading, degrees.
    pub heading_deg: Option<f64>,
    /// Indicated airspeed, kt.
    pub ias_kt: Option<f64>,
    /// Mach number.
    pub mach: Option<f64>,
    /// Barometric altitude rate, ft/min.
    pub baro_rate_fpm: Option<f64>,
    /// Inertial vertical velocity, ft/min.
    pub inertial_rate_fpm: Option<f64>,
}

/// A decoded Comm-B register.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Bds {
    /// 2,0 aircraft identification.
    Ident(String),
    /// 4,0.
    SelectedVertical(Bds40),
    /// 5,0.
    TrackTurn(Bds50),
    /// 6,0.
    HeadingSpeed(Bds60),
}

fn opt(status: u64, v: f64) -> Option<f64> {
    (status == 1).then_some(v)
}

/// Decodes a 56-bit MB field given the register number (`bds1 << 4 | bds2`, e.g. 0x40).
/// Returns `None` for registers not decoded here.
pub fn decode_mb(register: u8, mb: &[u8; 7]) -> Option<Bds> {
    Some(match register {
        0x20 => Bds::Ident(icao_chars(field(mb, 9, 48), 8)),
        0x40 => Bds::SelectedVertical(Bds40 {
            mcp_alt_ft: opt(bit(mb, 1), field(mb, 2, 12) as f64 * 16.0),
            fms_alt_ft: opt(bit(mb, 14), field(mb, 15, 12) as f64 * 16.0),
            baro_hpa: opt(bit(mb, 27), field(mb, 28, 12) as f64 * 0.1 + 800.0),
        }),
        0x50 => Bds::TrackTurn(Bds50 {
            roll_deg: opt(bit(mb, 1), signed(mb, 2, 9) as f64 * 45.0 / 256.0),
            track_deg: opt(bit(mb, 12), {
                let t = signed(mb, 13, 10) as f64 * 90.0 / 512.0;
                if t < 0.0 { t + 360.0 } else { t }
            }),
            ground_speed_kt: opt(bit(mb, 24), field(mb, 25, 10) as f64 * 2.0),
            track_rate_dps: opt(bit(mb, 35), signed(mb, 36, 9) as f64 * 8.0 / 256.0),
            tas_kt: opt(bit(mb, 46), field(mb, 47, 10) as f64 * 2.0),
        }),
        0x60 => Bds::HeadingSpeed(Bds60 {
            heading_deg: opt(bit(mb, 1), {
                let h = signed(mb, 2, 10) as f64 * 90.0 / 512.0;
                if h < 0.0 { h + 360.0 } else { h }
            }),
            ias_kt: opt(bit(mb, 13), field(mb, 14, 10) as f64),
            mach: opt(bit(mb, 24), field(mb, 25, 10) as f64 * 2.048 / 512.0),
            baro_rate_fpm: opt(bit(mb, 35), signed(mb, 36, 9) as f64 * 32.0),
            inertial_rate_fpm: opt(bit(mb, 46), signed(mb, 47, 9) as f64 * 32.0),
        }),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bds40_from_cat048_raw() {
        // I048/250 of cat048.raw: C0 78 00 31 BC 00 00, BDS 4,0
        let mb = [0xC0, 0x78, 0x00, 0x31, 0xBC, 0x00, 0x00];
        let Some(Bds::SelectedVertical(b)) = decode_mb(0x40, &mb) else {
            panic!("not 4,0")
        };
        assert_eq!(b.mcp_alt_ft, Some(33008.0));
        assert_eq!(b.fms_alt_ft, None);
        assert!((b.baro_hpa.unwrap_or(0.0) - 1027.0).abs() < 1e-9);
    }
}
