//! Mode S and ADS-B (1090 ES) decoding, sans-IO.
//!
//! [`decode`] turns one 56- or 112-bit frame into a [`ModeSMessage`]: downlink format, the
//! aircraft address (announced, or recovered from the address/parity field), CRC check, and the
//! fields of DF0/4/5/11/16/17/18/20/21. ADS-B `ME` registers decoded: identification (TC 1-4),
//! surface position (TC 5-8), airborne position (TC 9-18, 20-22) with raw CPR, airborne velocity
//! (TC 19), target state (TC 29) and operational status (TC 31). Comm-B replies carry
//! candidate BDS 4,0 / 5,0 / 6,0 readings (plausibility-checked, possibly several).
//! Positions need two reports or a reference: see [`cpr`]; [`accuracy`] turns a position and
//! NACp into a measurement with 1-sigma errors.
//!
//! Bit layouts are declared in [`fields`]. The implementation is own code rather than the
//! `rs1090` crate: rs1090 0.7 depends on tokio, tokio-tungstenite, rayon, regex and
//! tracing-subscriber even with `default-features = false`, which the design keeps out of
//! codec crates (see the crate's README section in `lib.rs`).

pub mod accuracy;
pub mod cpr;
pub mod fields;

use serde::{Serialize, Serializer};
use thiserror::Error;

use fields::{Field, commb, me, reply};

pub use cpr::{CprDecoder, CprKind, CprPosition};

/// A 24-bit ICAO aircraft address, printed as six upper-case hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Icao(pub u32);

impl std::fmt::Display for Icao {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:06X}", self.0)
    }
}

impl Serialize for Icao {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why a frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ModeSError {
    /// The frame is not 7 or 14 bytes, or its length does not match its downlink format.
    #[error("frame of {len} bytes does not fit downlink format {df} (needs {expected})")]
    Length {
        /// Length received.
        len: usize,
        /// Downlink format read from the first byte (0 if empty).
        df: u8,
        /// Length required by the downlink format.
        expected: usize,
    },
    /// A hexadecimal frame contained a non-hex character.
    #[error("invalid hexadecimal frame at character {0}")]
    Hex(usize),
}

/// Result of the parity check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Crc {
    /// DF11/17/18: the parity field matches (remainder 0; DF11 may carry an interrogator code).
    Valid,
    /// DF11/17/18: the parity does not match; the remainder is given.
    Invalid(u32),
    /// Address/parity formats (DF0/4/5/16/20/21): the address was recovered from the parity
    /// and cannot be checked on its own.
    AddressParity,
}

/// Altitude with its coding.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Altitude {
    /// Altitude in feet.
    pub feet: i32,
    /// How it was coded.
    pub coding: AltitudeCoding,
}

/// The coding of a Mode S altitude.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AltitudeCoding {
    /// Q = 1, 25 ft increments.
    Q25,
    /// Q = 0, Gillham (Mode C) code, 100 ft increments.
    Gillham,
    /// M = 1, metric.
    Metric,
    /// GNSS height (TC 20-22).
    Gnss,
}

/// One decoded Mode S reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeSMessage {
    /// Downlink format.
    pub df: u8,
    /// Aircraft address: announced (DF11/17/18) or recovered from the parity field.
    pub icao: Icao,
    /// Parity check result.
    pub crc: Crc,
    /// Format-specific content.
    #[serde(flatten)]
    pub body: Body,
}

/// Format-specific content of a Mode S reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum Body {
    /// DF0 short air-air surveillance (ACAS).
    ShortAcas {
        /// On the ground (VS = 1).
        on_ground: bool,
        /// Sensitivity level.
        sl: u8,
        /// Reply information.
        ri: u8,
        /// Altitude.
        altitude: Option<Altitude>,
    },
    /// DF4 surveillance altitude reply.
    SurveillanceAltitude {
        /// Flight status.
        fs: u8,
        /// Downlink request.
        dr: u8,
        /// Utility message.
        um: u8,
        /// Altitude.
        altitude: Option<Altitude>,
    },
    /// DF5 surveillance identity reply.
    SurveillanceIdentity {
        /// Flight status.
        fs: u8,
        /// Downlink request.
        dr: u8,
        /// Utility message.
        um: u8,
        /// Mode A code as four octal digits.
        squawk: String,
    },
    /// DF11 all-call reply.
    AllCall {
        /// Capability.
        ca: u8,
    },
    /// DF16 long air-air surveillance.
    LongAcas {
        /// On the ground (VS = 1).
        on_ground: bool,
        /// Sensitivity level.
        sl: u8,
        /// Reply information.
        ri: u8,
        /// Altitude.
        altitude: Option<Altitude>,
    },
    /// DF17 (CA) or DF18 (CF) extended squitter.
    ExtendedSquitter {
        /// CA (DF17) or CF (DF18).
        ca: u8,
        /// The ADS-B register.
        adsb: Adsb,
    },
    /// DF20 Comm-B altitude reply.
    CommBAltitude {
        /// Flight status.
        fs: u8,
        /// Altitude.
        altitude: Option<Altitude>,
        /// BDS registers the `MB` field is plausible for.
        commb: Vec<CommB>,
    },
    /// DF21 Comm-B identity reply.
    CommBIdentity {
        /// Flight status.
        fs: u8,
        /// Mode A code.
        squawk: String,
        /// BDS registers the `MB` field is plausible for.
        commb: Vec<CommB>,
    },
    /// Any other downlink format (DF19, DF22, DF24 Comm-D …), kept undecoded.
    Other,
}

/// A decoded ADS-B `ME` register.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "register", rename_all = "snake_case")]
pub enum Adsb {
    /// TC 1-4, BDS 0,8.
    Identification {
        /// Type code.
        tc: u8,
        /// Emitter category within the type code.
        category: u8,
        /// Callsign with trailing spaces removed.
        callsign: String,
    },
    /// TC 5-8, BDS 0,6.
    SurfacePosition {
        /// Type code.
        tc: u8,
        /// Movement code.
        movement: u8,
        /// Ground speed (kt) from the movement code.
        groundspeed: Option<f64>,
        /// Ground track (degrees) when valid.
        track: Option<f64>,
        /// Raw CPR position.
        cpr: CprPosition,
        /// NUCp (14 − TC).
        nuc_p: u8,
    },
    /// TC 9-18 and 20-22, BDS 0,5.
    AirbornePosition {
        /// Type code.
        tc: u8,
        /// Surveillance status.
        ss: u8,
        /// NIC supplement-B.
        nic_b: u8,
        /// Altitude (barometric for TC 9-18, GNSS height for TC 20-22).
        altitude: Option<Altitude>,
        /// Raw CPR position.
        cpr: CprPosition,
        /// NUCp for TC 9-18 (18 − TC), `None` for GNSS types.
        nuc_p: Option<u8>,
        /// NIC implied by the type code (ignoring supplements; TC 11 and 16 give the upper value).
        nic: u8,
    },
    /// TC 19, BDS 0,9.
    Velocity {
        /// Subtype 1-4.
        subtype: u8,
        /// NACv.
        nac_v: u8,
        /// Ground speed (kt), subtypes 1-2.
        groundspeed: Option<f64>,
        /// Track over ground (degrees), subtypes 1-2.
        track: Option<f64>,
        /// Magnetic heading (degrees), subtypes 3-4.
        heading: Option<f64>,
        /// Airspeed (kt), subtypes 3-4.
        airspeed: Option<f64>,
        /// `true` if the airspeed is TAS, `false` for IAS.
        airspeed_is_tas: Option<bool>,
        /// Vertical rate (ft/min).
        vertical_rate: Option<i32>,
        /// `true` for barometric vertical rate, `false` for GNSS.
        vertical_rate_baro: bool,
        /// GNSS minus barometric altitude (ft).
        geo_minus_baro: Option<i32>,
    },
    /// TC 28 subtype 1, BDS 6,1.
    AircraftStatus {
        /// Emergency state (0 none, 1 general, 2 medical, 3 minimum fuel, 4 no communication,
        /// 5 unlawful interference, 6 downed aircraft).
        emergency_state: u8,
        /// Mode A code.
        squawk: String,
    },
    /// TC 29 subtype 1, BDS 6,2.
    TargetState {
        /// Selected altitude (ft, LSB 32 ft).
        selected_altitude: Option<i32>,
        /// `true` when the selected altitude comes from the FMS.
        selected_altitude_fms: bool,
        /// Barometric pressure setting (hPa).
        baro_setting: Option<f64>,
        /// Selected heading (degrees).
        selected_heading: Option<f64>,
        /// NACp.
        nac_p: u8,
        /// SIL.
        sil: u8,
    },
    /// TC 31, BDS 6,5.
    OperationalStatus {
        /// Subtype (0 airborne, 1 surface).
        subtype: u8,
        /// ADS-B version.
        version: u8,
        /// NIC supplement-A.
        nic_a: u8,
        /// NACp (version ≥ 1).
        nac_p: Option<u8>,
        /// SIL (version ≥ 1).
        sil: Option<u8>,
    },
    /// Any other type code, undecoded.
    Other {
        /// Type code.
        tc: u8,
    },
}

/// A Comm-B register reading (one candidate interpretation of an `MB` field).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "bds")]
pub enum CommB {
    /// BDS 4,0 selected vertical intention.
    #[serde(rename = "4,0")]
    Bds40 {
        /// MCP/FCU selected altitude (ft).
        selected_altitude_mcp: Option<i32>,
        /// FMS selected altitude (ft).
        selected_altitude_fms: Option<i32>,
        /// Barometric pressure setting (hPa).
        baro_pressure_setting: Option<f64>,
    },
    /// BDS 5,0 track and turn report.
    #[serde(rename = "5,0")]
    Bds50 {
        /// Roll angle (degrees).
        roll: Option<f64>,
        /// True track (degrees, 0-360).
        true_track: Option<f64>,
        /// Ground speed (kt).
        groundspeed: Option<f64>,
        /// Track angle rate (deg/s).
        track_rate: Option<f64>,
        /// True airspeed (kt).
        true_airspeed: Option<f64>,
    },
    /// BDS 6,0 heading and speed report.
    #[serde(rename = "6,0")]
    Bds60 {
        /// Magnetic heading (degrees, 0-360).
        magnetic_heading: Option<f64>,
        /// Indicated airspeed (kt).
        indicated_airspeed: Option<f64>,
        /// Mach number.
        mach: Option<f64>,
        /// Barometric altitude rate (ft/min).
        baro_vertical_rate: Option<i32>,
        /// Inertial vertical rate (ft/min).
        inertial_vertical_rate: Option<i32>,
    },
}

/// CRC-24 generator polynomial of Mode S.
const POLY: u32 = 0x00FF_F409;

const fn crc_table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u32) << 16;
        let mut k = 0;
        while k < 8 {
            c = if c & 0x80_0000 != 0 {
                (c << 1) ^ POLY
            } else {
                c << 1
            };
            k += 1;
        }
        t[i] = c & 0xFF_FFFF;
        i += 1;
    }
    t
}

static CRC_TABLE: [u32; 256] = crc_table();

/// The Mode S CRC-24 of `data`.
pub fn crc24(data: &[u8]) -> u32 {
    data.iter().fold(0u32, |crc, &b| {
        let idx = usize::from(((crc >> 16) as u8) ^ b);
        ((crc << 8) ^ CRC_TABLE[idx]) & 0xFF_FFFF
    })
}

/// Parity remainder of a whole frame: CRC of all but the last 24 bits, XOR the last 24 bits.
/// Zero for an error-free DF17/18; the address for address/parity formats.
pub fn remainder(frame: &[u8]) -> u32 {
    if frame.len() < 4 {
        return 0;
    }
    let n = frame.len() - 3;
    let parity = Field::new(u16::try_from(n * 8 + 1).unwrap_or(0), 24).get_u32(frame);
    crc24(&frame[..n]) ^ parity
}

/// Expected frame length in bytes for a downlink format.
pub fn frame_len(df: u8) -> usize {
    if df >= 16 { 14 } else { 7 }
}

/// Parses a hexadecimal frame (upper or lower case) into bytes.
pub fn parse_hex(hex: &str) -> Result<Vec<u8>, ModeSError> {
    let b = hex.as_bytes();
    if !b.len().is_multiple_of(2) {
        return Err(ModeSError::Hex(b.len()));
    }
    let nib = |i: usize| -> Result<u8, ModeSError> {
        let c = b[i];
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(ModeSError::Hex(i)),
        }
    };
    (0..b.len() / 2)
        .map(|i| Ok((nib(2 * i)? << 4) | nib(2 * i + 1)?))
        .collect()
}

/// Decodes a 13-bit altitude code (AC field), `None` when not available or invalid.
pub fn altitude_ac13(ac: u32) -> Option<Altitude> {
    if ac == 0 {
        return None;
    }
    let m = ac & 0x40 != 0;
    let q = ac & 0x10 != 0;
    if m {
        // Metric: the 12 bits around M, in metres.
        let n = ((ac & 0x1F80) >> 1) | (ac & 0x3F);
        return Some(Altitude {
            feet: (f64::from(n) * 3.28084) as i32,
            coding: AltitudeCoding::Metric,
        });
    }
    if q {
        // Remove M (bit 7 of 13) and Q (bit 9 of 13): 11-bit N, 25·N − 1000.
        let n = ((ac & 0x1F80) >> 2) | ((ac & 0x20) >> 1) | (ac & 0x0F);
        return Some(Altitude {
            feet: 25 * n as i32 - 1000,
            coding: AltitudeCoding::Q25,
        });
    }
    gillham(ac).map(|feet| Altitude {
        feet,
        coding: AltitudeCoding::Gillham,
    })
}

/// Gillham (Mode C) decoding of a 13-bit AC field with Q = 0, in feet.
fn gillham(ac: u32) -> Option<i32> {
    // AC bit order (MSB first): C1 A1 C2 A2 C4 A4 M B1 Q B2 D2 B4 D4.
    let bit = |i: u32| (ac >> (12 - i)) & 1;
    let (c1, a1, c2, a2, c4, a4, b1, b2, d2, b4, d4) = (
        bit(0),
        bit(1),
        bit(2),
        bit(3),
        bit(4),
        bit(5),
        bit(7),
        bit(9),
        bit(10),
        bit(11),
        bit(12),
    );
    let gray500 =
        (d2 << 7) | (d4 << 6) | (a1 << 5) | (a2 << 4) | (a4 << 3) | (b1 << 2) | (b2 << 1) | b4;
    let gray100 = (c1 << 2) | (c2 << 1) | c4;
    let n500 = gray_to_int(gray500) as i32;
    let mut n100 = gray_to_int(gray100) as i32;
    if matches!(n100, 0 | 5 | 6) {
        return None;
    }
    if n100 == 7 {
        n100 = 5;
    }
    if n500 % 2 != 0 {
        n100 = 6 - n100;
    }
    Some(n500 * 500 + n100 * 100 - 1300)
}

fn gray_to_int(g: u32) -> u32 {
    let mut n = g;
    n ^= n >> 8;
    n ^= n >> 4;
    n ^= n >> 2;
    n ^= n >> 1;
    n
}

/// Decodes a 12-bit ADS-B altitude (BDS 0,5): Q bit is the 8th bit.
fn altitude_ac12(alt: u32) -> Option<Altitude> {
    if alt == 0 {
        return None;
    }
    // Insert M = 0 after the 6th bit to get the 13-bit AC layout.
    let ac13 = ((alt & 0xFC0) << 1) | (alt & 0x3F);
    altitude_ac13(ac13)
}

/// Decodes a 13-bit identity (Mode A) code into four octal digits.
pub fn squawk(id: u32) -> String {
    // ID bit order: C1 A1 C2 A2 C4 A4 X B1 D1 B2 D2 B4 D4.
    let bit = |i: u32| (id >> (12 - i)) & 1;
    let a = (bit(5) << 2) | (bit(3) << 1) | bit(1);
    let b = (bit(11) << 2) | (bit(9) << 1) | bit(7);
    let c = (bit(4) << 2) | (bit(2) << 1) | bit(0);
    let d = (bit(12) << 2) | (bit(10) << 1) | bit(8);
    format!("{a}{b}{c}{d}")
}

const CHARSET: &[u8; 64] = b"#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######";

/// Decodes eight 6-bit characters (48 bits) into a callsign, trailing spaces trimmed.
pub fn callsign(chars: u64) -> String {
    let s: String = (0..8)
        .map(|i| char::from(CHARSET[((chars >> (42 - 6 * i)) & 0x3F) as usize]))
        .collect();
    s.trim_end().to_string()
}

/// Decodes one Mode S frame of 7 or 14 bytes.
pub fn decode(frame: &[u8]) -> Result<ModeSMessage, ModeSError> {
    let df_raw = frame.first().map_or(0, |b| b >> 3);
    // DF24 and above use the "11" prefix only.
    let df = if df_raw >= 24 { 24 } else { df_raw };
    let expected = frame_len(df);
    if frame.len() != expected {
        return Err(ModeSError::Length {
            len: frame.len(),
            df,
            expected,
        });
    }
    let rem = remainder(frame);
    let fs = reply::FS.get_u8(frame);
    let (icao, crc) = match df {
        11 => {
            let aa = reply::AA.get_u32(frame);
            // The low 7 bits may carry the interrogator code (II/SI).
            let crc = if rem & !0x7F == 0 {
                Crc::Valid
            } else {
                Crc::Invalid(rem)
            };
            (aa, crc)
        }
        17 | 18 => {
            let crc = if rem == 0 {
                Crc::Valid
            } else {
                Crc::Invalid(rem)
            };
            (reply::AA.get_u32(frame), crc)
        }
        0 | 4 | 5 | 16 | 20 | 21 => (rem, Crc::AddressParity),
        _ => (rem, Crc::AddressParity),
    };
    let ac = || altitude_ac13(reply::AC.get_u32(frame));
    let body = match df {
        0 => Body::ShortAcas {
            on_ground: reply::VS.flag(frame),
            sl: reply::SL.get_u8(frame),
            ri: reply::RI.get_u8(frame),
            altitude: ac(),
        },
        4 => Body::SurveillanceAltitude {
            fs,
            dr: reply::DR.get_u8(frame),
            um: reply::UM.get_u8(frame),
            altitude: ac(),
        },
        5 => Body::SurveillanceIdentity {
            fs,
            dr: reply::DR.get_u8(frame),
            um: reply::UM.get_u8(frame),
            squawk: squawk(reply::ID.get_u32(frame)),
        },
        11 => Body::AllCall {
            ca: reply::CA.get_u8(frame),
        },
        16 => Body::LongAcas {
            on_ground: reply::VS.flag(frame),
            sl: reply::SL.get_u8(frame),
            ri: reply::RI.get_u8(frame),
            altitude: ac(),
        },
        17 | 18 => Body::ExtendedSquitter {
            ca: reply::CA.get_u8(frame),
            adsb: decode_me(frame),
        },
        20 => Body::CommBAltitude {
            fs,
            altitude: ac(),
            commb: decode_commb(frame),
        },
        21 => Body::CommBIdentity {
            fs,
            squawk: squawk(reply::ID.get_u32(frame)),
            commb: decode_commb(frame),
        },
        _ => Body::Other,
    };
    Ok(ModeSMessage {
        df,
        icao: Icao(icao),
        crc,
        body,
    })
}

/// Decodes a hexadecimal frame.
pub fn decode_hex(hex: &str) -> Result<ModeSMessage, ModeSError> {
    decode(&parse_hex(hex)?)
}

fn cpr_of(frame: &[u8]) -> CprPosition {
    CprPosition {
        odd: me::cpr::F.flag(frame),
        lat: me::cpr::LAT.get_u32(frame),
        lon: me::cpr::LON.get_u32(frame),
    }
}

/// Ground speed (kt) from a surface movement code (DO-260B Table 2-73).
pub fn movement_speed(mov: u8) -> Option<f64> {
    const BOUNDS: [(u8, f64, f64); 6] = [
        (2, 0.125, 0.125),
        (9, 1.0, 0.25),
        (13, 2.0, 0.5),
        (39, 15.0, 1.0),
        (94, 70.0, 2.0),
        (109, 100.0, 5.0),
    ];
    match mov {
        0 | 125..=u8::MAX => None,
        1 => Some(0.0),
        124 => Some(175.0),
        _ => BOUNDS
            .iter()
            .rev()
            .find(|(start, _, _)| mov >= *start)
            .map(|&(start, kt, step)| kt + f64::from(mov - start) * step),
    }
}

/// NIC implied by an airborne position type code when supplements are unknown.
fn nic_of_tc(tc: u8) -> u8 {
    match tc {
        9 | 20 => 11,
        10 | 21 => 10,
        11 => 9,
        12 => 7,
        13 => 6,
        14 => 5,
        15 => 4,
        16 => 3,
        17 => 1,
        _ => 0,
    }
}

fn signed(v: u64, bits: u32) -> i64 {
    let v = v as i64;
    if v & (1 << (bits - 1)) != 0 {
        v - (1 << bits)
    } else {
        v
    }
}

fn decode_me(frame: &[u8]) -> Adsb {
    let tc = me::TC.get_u8(frame);
    match tc {
        1..=4 => Adsb::Identification {
            tc,
            category: me::CAT.get_u8(frame),
            callsign: callsign(me::CHARS.get(frame)),
        },
        5..=8 => {
            let movement = me::surface::MOV.get_u8(frame);
            let track = me::surface::TRK_S
                .flag(frame)
                .then(|| f64::from(me::surface::TRK.get_u32(frame)) * 360.0 / 128.0);
            Adsb::SurfacePosition {
                tc,
                movement,
                groundspeed: movement_speed(movement),
                track,
                cpr: cpr_of(frame),
                nuc_p: 14 - tc,
            }
        }
        9..=18 | 20..=22 => {
            let raw = me::airborne::ALT.get_u32(frame);
            let altitude = if tc >= 20 {
                (raw != 0).then(|| Altitude {
                    feet: (f64::from(raw) * 3.28084) as i32,
                    coding: AltitudeCoding::Gnss,
                })
            } else {
                altitude_ac12(raw)
            };
            Adsb::AirbornePosition {
                tc,
                ss: me::airborne::SS.get_u8(frame),
                nic_b: me::airborne::NIC_B.get_u8(frame),
                altitude,
                cpr: cpr_of(frame),
                nuc_p: (tc <= 18).then(|| 18 - tc),
                nic: nic_of_tc(tc),
            }
        }
        19 => decode_velocity(frame),
        28 if me::SUBTYPE.get(frame) == 1 => Adsb::AircraftStatus {
            emergency_state: me::status::EMERGENCY.get_u8(frame),
            squawk: squawk(me::status::ID.get_u32(frame)),
        },
        29 if me::target_state::SUBTYPE.get(frame) == 1 => {
            use me::target_state as ts;
            let alt = ts::ALT.get_u32(frame);
            let baro = ts::BARO.get_u32(frame);
            let hdg = ts::HDG.get(frame);
            Adsb::TargetState {
                selected_altitude: (alt != 0).then(|| (alt as i32 - 1) * 32),
                selected_altitude_fms: ts::ALT_SRC.flag(frame),
                baro_setting: (baro != 0).then(|| f64::from(baro - 1) * 0.8 + 800.0),
                selected_heading: ts::HDG_S.flag(frame).then(|| {
                    let deg = hdg as f64 * 180.0 / 256.0;
                    deg.rem_euclid(360.0)
                }),
                nac_p: ts::NAC_P.get_u8(frame),
                sil: ts::SIL.get_u8(frame),
            }
        }
        31 => {
            use me::op_status as os;
            let version = os::VERSION.get_u8(frame);
            Adsb::OperationalStatus {
                subtype: me::SUBTYPE.get_u8(frame),
                version,
                nic_a: os::NIC_A.get_u8(frame),
                nac_p: (version >= 1).then(|| os::NAC_P.get_u8(frame)),
                sil: (version >= 1).then(|| os::SIL.get_u8(frame)),
            }
        }
        _ => Adsb::Other { tc },
    }
}

fn decode_velocity(frame: &[u8]) -> Adsb {
    use me::velocity as v;
    let subtype = me::SUBTYPE.get_u8(frame);
    let factor = if subtype == 2 || subtype == 4 {
        4.0
    } else {
        1.0
    };
    let (mut groundspeed, mut track, mut heading, mut airspeed, mut airspeed_is_tas) =
        (None, None, None, None, None);
    match subtype {
        1 | 2 => {
            let vew = v::V_EW.get(frame);
            let vns = v::V_NS.get(frame);
            if vew != 0 && vns != 0 {
                let sign = |s: bool| if s { -1.0 } else { 1.0 };
                let ve = sign(v::S_EW.flag(frame)) * (vew - 1) as f64 * factor;
                let vn = sign(v::S_NS.flag(frame)) * (vns - 1) as f64 * factor;
                groundspeed = Some(ve.hypot(vn));
                track = Some(ve.atan2(vn).to_degrees().rem_euclid(360.0));
            }
        }
        3 | 4 => {
            heading = v::HDG_S
                .flag(frame)
                .then(|| v::HDG.get(frame) as f64 * 360.0 / 1024.0);
            let asp = v::AS.get(frame);
            if asp != 0 {
                airspeed = Some((asp - 1) as f64 * factor);
                airspeed_is_tas = Some(v::AS_T.flag(frame));
            }
        }
        _ => {}
    }
    let vr = v::VR.get(frame);
    let vertical_rate = (vr != 0).then(|| {
        let r = (vr as i32 - 1) * 64;
        if v::S_VR.flag(frame) { -r } else { r }
    });
    let dif = v::DIF.get(frame);
    let geo_minus_baro = (dif != 0).then(|| {
        let d = (dif as i32 - 1) * 25;
        if v::S_DIF.flag(frame) { -d } else { d }
    });
    Adsb::Velocity {
        subtype,
        nac_v: v::NAC_V.get_u8(frame),
        groundspeed,
        track,
        heading,
        airspeed,
        airspeed_is_tas,
        vertical_rate,
        vertical_rate_baro: v::VR_SRC.flag(frame),
        geo_minus_baro,
    }
}

/// Reads a status-guarded field; `None` if the status bit is clear. A value without its status
/// bit set makes the register implausible (`Err`).
fn guarded(frame: &[u8], status: Field, value: Field) -> Result<Option<u64>, ()> {
    let v = value.get(frame);
    if status.flag(frame) {
        Ok(Some(v))
    } else if v == 0 {
        Ok(None)
    } else {
        Err(())
    }
}

fn bds40(f: &[u8]) -> Option<CommB> {
    use commb::*;
    // Bits 40-47 reserved (zero); bits 52-53 reserved.
    if Field::me(40, 8).get(f) != 0 || Field::me(52, 2).get(f) != 0 {
        return None;
    }
    let mcp = guarded(f, B40_MCP_S, B40_MCP).ok()?;
    let fms = guarded(f, B40_FMS_S, B40_FMS).ok()?;
    let baro = guarded(f, B40_BARO_S, B40_BARO).ok()?;
    if mcp.is_none() && fms.is_none() && baro.is_none() {
        return None;
    }
    let mcp = mcp.map(|v| v as i32 * 16);
    let fms = fms.map(|v| v as i32 * 16);
    let baro = baro.map(|v| v as f64 * 0.1 + 800.0);
    if mcp.is_some_and(|a| !(0..=45000).contains(&a))
        || fms.is_some_and(|a| !(0..=45000).contains(&a))
        || baro.is_some_and(|b| !(900.0..=1100.0).contains(&b))
    {
        return None;
    }
    Some(CommB::Bds40 {
        selected_altitude_mcp: mcp,
        selected_altitude_fms: fms,
        baro_pressure_setting: baro,
    })
}

fn bds50(f: &[u8]) -> Option<CommB> {
    use commb::*;
    let roll = guarded(f, B50_ROLL_S, B50_ROLL)
        .ok()?
        .map(|v| signed(v, 10) as f64 * 45.0 / 256.0);
    let trk = guarded(f, B50_TRK_S, B50_TRK)
        .ok()?
        .map(|v| (signed(v, 11) as f64 * 90.0 / 512.0).rem_euclid(360.0));
    let gs = guarded(f, B50_GS_S, B50_GS).ok()?.map(|v| v as f64 * 2.0);
    let tar = guarded(f, B50_TAR_S, B50_TAR)
        .ok()?
        .map(|v| signed(v, 10) as f64 * 8.0 / 256.0);
    let tas = guarded(f, B50_TAS_S, B50_TAS).ok()?.map(|v| v as f64 * 2.0);
    if roll.is_none() && trk.is_none() && gs.is_none() && tas.is_none() {
        return None;
    }
    if roll.is_some_and(|r| r.abs() > 50.0)
        || gs.is_some_and(|g| g > 600.0)
        || tas.is_some_and(|t| t > 600.0)
    {
        return None;
    }
    if let (Some(g), Some(t)) = (gs, tas)
        && (g - t).abs() > 200.0
    {
        return None;
    }
    Some(CommB::Bds50 {
        roll,
        true_track: trk,
        groundspeed: gs,
        track_rate: tar,
        true_airspeed: tas,
    })
}

fn bds60(f: &[u8]) -> Option<CommB> {
    use commb::*;
    let hdg = guarded(f, B60_HDG_S, B60_HDG)
        .ok()?
        .map(|v| (signed(v, 11) as f64 * 90.0 / 512.0).rem_euclid(360.0));
    let ias = guarded(f, B60_IAS_S, B60_IAS).ok()?.map(|v| v as f64);
    let mach = guarded(f, B60_MACH_S, B60_MACH)
        .ok()?
        .map(|v| v as f64 * 2.048 / 512.0);
    let vrb = guarded(f, B60_VRB_S, B60_VRB)
        .ok()?
        .map(|v| signed(v, 10) as i32 * 32);
    let vri = guarded(f, B60_VRI_S, B60_VRI)
        .ok()?
        .map(|v| signed(v, 10) as i32 * 32);
    if hdg.is_none() && ias.is_none() && mach.is_none() {
        return None;
    }
    if ias.is_some_and(|v| !(10.0..=500.0).contains(&v))
        || mach.is_some_and(|m| !(0.05..=1.0).contains(&m))
        || vrb.is_some_and(|r| r.abs() > 6000)
        || vri.is_some_and(|r| r.abs() > 6000)
    {
        return None;
    }
    Some(CommB::Bds60 {
        magnetic_heading: hdg,
        indicated_airspeed: ias,
        mach,
        baro_vertical_rate: vrb,
        inertial_vertical_rate: vri,
    })
}

/// Candidate BDS 4,0 / 5,0 / 6,0 interpretations of a Comm-B `MB` field (possibly several,
/// possibly none: the register number is not transmitted).
pub fn decode_commb(frame: &[u8]) -> Vec<CommB> {
    if frame.len() != 14 || Field::me(1, 56).get(frame) == 0 {
        return Vec::new();
    }
    [bds40(frame), bds50(frame), bds60(frame)]
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identification() {
        let m = decode_hex("8D4840D6202CC371C32CE0576098").unwrap();
        assert_eq!(m.df, 17);
        assert_eq!(m.icao, Icao(0x4840D6));
        assert_eq!(m.crc, Crc::Valid);
        match m.body {
            Body::ExtendedSquitter {
                adsb: Adsb::Identification { callsign, tc, .. },
                ..
            } => {
                assert_eq!(callsign, "KLM1023");
                assert_eq!(tc, 4);
            }
            b => panic!("{b:?}"),
        }
    }

    #[test]
    fn velocity_and_altitude() {
        let m = decode_hex("8D485020994409940838175B284F").unwrap();
        let Body::ExtendedSquitter {
            adsb:
                Adsb::Velocity {
                    groundspeed,
                    track,
                    vertical_rate,
                    ..
                },
            ..
        } = m.body
        else {
            panic!()
        };
        assert!((groundspeed.unwrap() - 159.2).abs() < 0.1);
        assert!((track.unwrap() - 182.88).abs() < 0.01);
        assert_eq!(vertical_rate, Some(-832));
        let m = decode_hex("8D40621D58C382D690C8AC2863A7").unwrap();
        let Body::ExtendedSquitter {
            adsb: Adsb::AirbornePosition { altitude, .. },
            ..
        } = m.body
        else {
            panic!()
        };
        assert_eq!(altitude.unwrap().feet, 38000);
    }

    #[test]
    fn q1_altitude_spec_example() {
        // AC = 0000000110010: N = 18 -> -550 ft (CROSSCHECK.md example).
        assert_eq!(altitude_ac13(0b0000000110010).unwrap().feet, -550);
    }

    #[test]
    fn wrong_length_is_an_error() {
        assert!(decode(&[0x8D, 0x48]).is_err());
        assert!(decode(&[]).is_err());
        assert!(decode_hex("zz").is_err());
    }

    #[test]
    fn movement_codes() {
        assert_eq!(movement_speed(25), Some(8.0));
        assert_eq!(movement_speed(4), Some(0.375));
        assert_eq!(movement_speed(0), None);
        assert_eq!(movement_speed(124), Some(175.0));
    }
}
