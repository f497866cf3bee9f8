//! Declared bit layouts of Mode S replies and ADS-B `ME` fields.
//!
//! Every field is written down once here, with its first bit and length numbered from 1 as in
//! ICAO Annex 10 Vol. IV and DO-260B (bit 1 is the most significant bit of the first byte).
//! ADS-B fields are declared relative to the 56-bit `ME` field (`ME` bit 1 is frame bit 33), so
//! the tables read like the DO-260B register layouts. Decoders read fields only through
//! [`Field::get`], never with ad hoc shifts.

/// A bit field of a Mode S frame: first bit (1-based, MSB first) and length in bits (≤ 64).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// First bit, 1-based from the start of the frame.
    pub first: u16,
    /// Number of bits.
    pub len: u8,
}

impl Field {
    /// A field at frame bits `first ..= first + len - 1`.
    pub const fn new(first: u16, len: u8) -> Self {
        Self { first, len }
    }

    /// A field of the 56-bit `ME`/`MB` payload, given with `ME` bit numbering (`ME` bit 1 is
    /// frame bit 33).
    pub const fn me(first: u16, len: u8) -> Self {
        Self {
            first: first + 32,
            len,
        }
    }

    /// Reads the field as an unsigned integer. Bits beyond the end of `frame` read as zero, so a
    /// short buffer never panics (decoders check the frame length before reading).
    pub fn get(self, frame: &[u8]) -> u64 {
        let mut v = 0u64;
        for i in 0..u16::from(self.len) {
            let bit = usize::from(self.first - 1 + i);
            let b = frame
                .get(bit / 8)
                .map_or(0, |byte| (byte >> (7 - bit % 8)) & 1);
            v = (v << 1) | u64::from(b);
        }
        v
    }

    /// Reads the field as `u32` (fields used with this are at most 32 bits long).
    pub fn get_u32(self, frame: &[u8]) -> u32 {
        u32::try_from(self.get(frame)).unwrap_or(u32::MAX)
    }

    /// Reads a field of at most 8 bits.
    pub fn get_u8(self, frame: &[u8]) -> u8 {
        u8::try_from(self.get(frame)).unwrap_or(u8::MAX)
    }

    /// Reads a one-bit flag.
    pub fn flag(self, frame: &[u8]) -> bool {
        self.get(frame) != 0
    }
}

/// Fields common to the Mode S reply formats (Annex 10 Vol. IV, 3.1.2).
pub mod reply {
    use super::Field;
    /// Downlink format.
    pub const DF: Field = Field::new(1, 5);
    /// Capability (DF11, DF17).
    pub const CA: Field = Field::new(6, 3);
    /// Control field (DF18).
    pub const CF: Field = Field::new(6, 3);
    /// Announced address (DF11, DF17, DF18).
    pub const AA: Field = Field::new(9, 24);
    /// Flight status (DF4, 5, 20, 21).
    pub const FS: Field = Field::new(6, 3);
    /// Downlink request (DF4, 5, 20, 21).
    pub const DR: Field = Field::new(9, 5);
    /// Utility message (DF4, 5, 20, 21).
    pub const UM: Field = Field::new(14, 6);
    /// Vertical status (DF0, DF16): 1 = on the ground.
    pub const VS: Field = Field::new(6, 1);
    /// Cross-link capability (DF0).
    pub const CC: Field = Field::new(7, 1);
    /// Sensitivity level (DF0, DF16).
    pub const SL: Field = Field::new(9, 3);
    /// Reply information (DF0, DF16).
    pub const RI: Field = Field::new(14, 4);
    /// 13-bit altitude code (DF0, 4, 16, 20).
    pub const AC: Field = Field::new(20, 13);
    /// 13-bit identity (Mode A) code (DF5, 21).
    pub const ID: Field = Field::new(20, 13);
    /// Parity/interrogator identifier of DF11.
    pub const PI_SHORT: Field = Field::new(33, 24);
}

/// ADS-B `ME` field layouts (DO-260B, 2.2.3.2), `ME` bit numbering.
pub mod me {
    use super::Field;
    /// Type code, all registers.
    pub const TC: Field = Field::me(1, 5);
    /// Emitter category (TC 1-4) / subtype (TC 19, 29, 31).
    pub const CAT: Field = Field::me(6, 3);
    /// Subtype (TC 19, 28, 31).
    pub const SUBTYPE: Field = Field::me(6, 3);
    /// Eight 6-bit characters of the identification (TC 1-4).
    pub const CHARS: Field = Field::me(9, 48);

    /// Airborne position (TC 9-18, 20-22), BDS 0,5.
    pub mod airborne {
        use super::Field;
        /// Surveillance status.
        pub const SS: Field = Field::me(6, 2);
        /// NIC supplement-B (single antenna flag in version 0).
        pub const NIC_B: Field = Field::me(8, 1);
        /// 12-bit altitude (Q bit at ME bit 16).
        pub const ALT: Field = Field::me(9, 12);
        /// UTC time synchronisation.
        pub const T: Field = Field::me(21, 1);
    }

    /// Surface position (TC 5-8), BDS 0,6.
    pub mod surface {
        use super::Field;
        /// Movement (ground speed) code.
        pub const MOV: Field = Field::me(6, 7);
        /// Ground track status.
        pub const TRK_S: Field = Field::me(13, 1);
        /// Ground track, 360/128 degrees.
        pub const TRK: Field = Field::me(14, 7);
        /// UTC time synchronisation.
        pub const T: Field = Field::me(21, 1);
    }

    /// Compact position reporting fields shared by BDS 0,5 and 0,6.
    pub mod cpr {
        use super::Field;
        /// CPR format: 0 even, 1 odd.
        pub const F: Field = Field::me(22, 1);
        /// 17-bit encoded latitude.
        pub const LAT: Field = Field::me(23, 17);
        /// 17-bit encoded longitude.
        pub const LON: Field = Field::me(40, 17);
    }

    /// Airborne velocity (TC 19), BDS 0,9.
    pub mod velocity {
        use super::Field;
        /// Intent change flag.
        pub const IC: Field = Field::me(9, 1);
        /// Navigation accuracy category for velocity.
        pub const NAC_V: Field = Field::me(11, 3);
        /// East-west direction (1 = west), subtypes 1-2.
        pub const S_EW: Field = Field::me(14, 1);
        /// East-west velocity + 1, subtypes 1-2.
        pub const V_EW: Field = Field::me(15, 10);
        /// North-south direction (1 = south), subtypes 1-2.
        pub const S_NS: Field = Field::me(25, 1);
        /// North-south velocity + 1, subtypes 1-2.
        pub const V_NS: Field = Field::me(26, 10);
        /// Heading status, subtypes 3-4.
        pub const HDG_S: Field = Field::me(14, 1);
        /// Magnetic heading, 360/1024 degrees, subtypes 3-4.
        pub const HDG: Field = Field::me(15, 10);
        /// Airspeed type (0 IAS, 1 TAS), subtypes 3-4.
        pub const AS_T: Field = Field::me(25, 1);
        /// Airspeed + 1, subtypes 3-4.
        pub const AS: Field = Field::me(26, 10);
        /// Vertical rate source (0 GNSS, 1 barometric).
        pub const VR_SRC: Field = Field::me(36, 1);
        /// Vertical rate sign (1 = down).
        pub const S_VR: Field = Field::me(37, 1);
        /// Vertical rate / 64 ft/min + 1.
        pub const VR: Field = Field::me(38, 9);
        /// Sign of GNSS minus barometric altitude.
        pub const S_DIF: Field = Field::me(49, 1);
        /// |GNSS − baro| / 25 ft + 1.
        pub const DIF: Field = Field::me(50, 7);
    }

    /// Aircraft status (TC 28 subtype 1), BDS 6,1: emergency/priority status and Mode A code.
    pub mod status {
        use super::Field;
        /// Emergency state.
        pub const EMERGENCY: Field = Field::me(9, 3);
        /// 13-bit Mode A code (same layout as the ID field).
        pub const ID: Field = Field::me(12, 13);
    }

    /// Target state and status (TC 29 subtype 1), BDS 6,2.
    pub mod target_state {
        use super::Field;
        /// Subtype (2 bits in TC 29).
        pub const SUBTYPE: Field = Field::me(6, 2);
        /// Selected altitude source (0 MCP/FCU, 1 FMS).
        pub const ALT_SRC: Field = Field::me(9, 1);
        /// Selected altitude / 32 ft + 1.
        pub const ALT: Field = Field::me(10, 11);
        /// Barometric pressure setting / 0.8 hPa + 1 (offset 800 hPa).
        pub const BARO: Field = Field::me(21, 9);
        /// Selected heading status.
        pub const HDG_S: Field = Field::me(30, 1);
        /// Selected heading sign + value (180/256 degrees).
        pub const HDG: Field = Field::me(31, 9);
        /// NACp.
        pub const NAC_P: Field = Field::me(40, 4);
        /// NIC baro.
        pub const NIC_BARO: Field = Field::me(44, 1);
        /// SIL.
        pub const SIL: Field = Field::me(45, 2);
    }

    /// Aircraft operational status (TC 31), BDS 6,5.
    pub mod op_status {
        use super::Field;
        /// ADS-B version number.
        pub const VERSION: Field = Field::me(41, 3);
        /// NIC supplement-A.
        pub const NIC_A: Field = Field::me(44, 1);
        /// NACp.
        pub const NAC_P: Field = Field::me(45, 4);
        /// SIL.
        pub const SIL: Field = Field::me(51, 2);
    }
}

/// Comm-B `MB` layouts (ICAO Doc 9871) for BDS 4,0 / 5,0 / 6,0, `MB` bit numbering.
pub mod commb {
    use super::Field;
    /// BDS 4,0 MCP/FCU selected altitude: status, value / 16 ft.
    pub const B40_MCP_S: Field = Field::me(1, 1);
    /// BDS 4,0 MCP/FCU selected altitude.
    pub const B40_MCP: Field = Field::me(2, 12);
    /// BDS 4,0 FMS selected altitude status.
    pub const B40_FMS_S: Field = Field::me(14, 1);
    /// BDS 4,0 FMS selected altitude.
    pub const B40_FMS: Field = Field::me(15, 12);
    /// BDS 4,0 barometric setting status.
    pub const B40_BARO_S: Field = Field::me(27, 1);
    /// BDS 4,0 barometric setting, 0.1 hPa above 800 hPa.
    pub const B40_BARO: Field = Field::me(28, 12);
    /// BDS 5,0 roll angle status.
    pub const B50_ROLL_S: Field = Field::me(1, 1);
    /// BDS 5,0 roll angle, signed 10 bits, 45/256 degrees.
    pub const B50_ROLL: Field = Field::me(2, 10);
    /// BDS 5,0 true track status.
    pub const B50_TRK_S: Field = Field::me(12, 1);
    /// BDS 5,0 true track, signed 11 bits, 90/512 degrees.
    pub const B50_TRK: Field = Field::me(13, 11);
    /// BDS 5,0 ground speed status.
    pub const B50_GS_S: Field = Field::me(24, 1);
    /// BDS 5,0 ground speed, 2 kt.
    pub const B50_GS: Field = Field::me(25, 10);
    /// BDS 5,0 track angle rate status.
    pub const B50_TAR_S: Field = Field::me(35, 1);
    /// BDS 5,0 track angle rate, signed 10 bits, 8/256 deg/s.
    pub const B50_TAR: Field = Field::me(36, 10);
    /// BDS 5,0 true airspeed status.
    pub const B50_TAS_S: Field = Field::me(46, 1);
    /// BDS 5,0 true airspeed, 2 kt.
    pub const B50_TAS: Field = Field::me(47, 10);
    /// BDS 6,0 magnetic heading status.
    pub const B60_HDG_S: Field = Field::me(1, 1);
    /// BDS 6,0 magnetic heading, signed 11 bits, 90/512 degrees.
    pub const B60_HDG: Field = Field::me(2, 11);
    /// BDS 6,0 IAS status.
    pub const B60_IAS_S: Field = Field::me(13, 1);
    /// BDS 6,0 IAS, 1 kt.
    pub const B60_IAS: Field = Field::me(14, 10);
    /// BDS 6,0 Mach status.
    pub const B60_MACH_S: Field = Field::me(24, 1);
    /// BDS 6,0 Mach, 2.048/512.
    pub const B60_MACH: Field = Field::me(25, 10);
    /// BDS 6,0 barometric vertical rate status.
    pub const B60_VRB_S: Field = Field::me(35, 1);
    /// BDS 6,0 barometric vertical rate, signed 10 bits, 32 ft/min.
    pub const B60_VRB: Field = Field::me(36, 10);
    /// BDS 6,0 inertial vertical rate status.
    pub const B60_VRI_S: Field = Field::me(46, 1);
    /// BDS 6,0 inertial vertical rate, signed 10 bits, 32 ft/min.
    pub const B60_VRI: Field = Field::me(47, 10);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_msb_first() {
        let f = [0x8Du8, 0x40, 0x6B, 0x90];
        assert_eq!(reply::DF.get(&f), 17);
        assert_eq!(reply::CA.get(&f), 5);
        assert_eq!(Field::new(9, 24).get(&f), 0x406B90);
        // Out of range bits read as zero.
        assert_eq!(Field::new(30, 8).get(&f), 0);
    }
}
