//! Attributes of cooperative reports and their accumulation per track.
//!
//! A radar plot with a secondary (SSR / Mode S) reply or an ADS-B report says who the target
//! claims to be: its Mode 3/A code, 24-bit ICAO address and callsign. The tracker only sees
//! kinematics; the picture attaches these attributes to the track each report updated.

use serde::{Deserialize, Serialize};
use tessera_domain::Timestamp;

/// What one report says besides its position.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportAttributes {
    /// Mode 3/A code (12 bits, octal digits ABCD), validated replies only.
    pub mode3a: Option<u16>,
    /// 24-bit aircraft address.
    pub icao: Option<u32>,
    /// Aircraft identification, trimmed.
    pub callsign: Option<String>,
    /// The report is an ADS-B position (self-reported, not a radar measurement).
    pub adsb: bool,
    /// The report carries a secondary reply or is self-reported (the target cooperates).
    pub cooperative: bool,
    /// ADS-B emitter category, when given.
    pub emitter_category: Option<u8>,
}

impl ReportAttributes {
    /// Whether the report says anything beyond kinematics.
    pub fn is_empty(&self) -> bool {
        !self.cooperative
            && self.mode3a.is_none()
            && self.icao.is_none()
            && self.callsign.is_none()
            && !self.adsb
    }
}

/// What a track's reports have said so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrackAttributes {
    pub mode3a: Option<u16>,
    pub icao: Option<u32>,
    pub callsign: Option<String>,
    pub emitter_category: Option<u8>,
    /// Reports with a secondary reply or self-reported.
    pub cooperative_reports: u32,
    /// Reports without any cooperation (primary radar only).
    pub primary_reports: u32,
    pub adsb_reports: u32,
    /// Time of the latest cooperative report.
    pub last_cooperative: Option<Timestamp>,
}

impl TrackAttributes {
    /// Folds one report in: the latest non-empty value of each attribute wins.
    pub fn absorb(&mut self, time: Timestamp, r: &ReportAttributes) {
        if r.cooperative {
            self.cooperative_reports += 1;
            self.last_cooperative = Some(self.last_cooperative.map_or(time, |t| t.max(time)));
        } else {
            self.primary_reports += 1;
        }
        if r.adsb {
            self.adsb_reports += 1;
        }
        if r.mode3a.is_some() {
            self.mode3a = r.mode3a;
        }
        if r.icao.is_some() {
            self.icao = r.icao;
        }
        if r.callsign.as_deref().is_some_and(|c| !c.is_empty()) {
            self.callsign.clone_from(&r.callsign);
        }
        if r.emitter_category.is_some() {
            self.emitter_category = r.emitter_category;
        }
    }

    /// Whether the target has answered or reported itself within `window_s` of `now`.
    pub fn cooperating(&self, now: Timestamp, window_s: f64) -> bool {
        self.last_cooperative
            .is_some_and(|t| now.seconds_since(t) <= window_s)
    }

    /// The Mode 3/A code as four octal digits.
    pub fn mode3a_text(&self) -> Option<String> {
        self.mode3a.map(|c| format!("{c:04o}"))
    }

    /// The 24-bit address as six hex digits.
    pub fn icao_text(&self) -> Option<String> {
        self.icao.map(|a| format!("{a:06X}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_value_wins_and_counts_split() {
        let mut a = TrackAttributes::default();
        a.absorb(
            Timestamp(1_000),
            &ReportAttributes {
                mode3a: Some(0o4101),
                cooperative: true,
                ..Default::default()
            },
        );
        a.absorb(Timestamp(2_000), &ReportAttributes::default());
        a.absorb(
            Timestamp(3_000),
            &ReportAttributes {
                icao: Some(0xABC123),
                callsign: Some("PTL01".into()),
                adsb: true,
                cooperative: true,
                ..Default::default()
            },
        );
        assert_eq!(a.mode3a_text().as_deref(), Some("4101"));
        assert_eq!(a.icao_text().as_deref(), Some("ABC123"));
        assert_eq!(a.callsign.as_deref(), Some("PTL01"));
        assert_eq!(
            (a.cooperative_reports, a.primary_reports, a.adsb_reports),
            (2, 1, 1)
        );
        assert!(a.cooperating(Timestamp(3_000 + 5_000_000_000), 10.0));
        assert!(!a.cooperating(Timestamp(3_000 + 20_000_000_000), 10.0));
    }
}
