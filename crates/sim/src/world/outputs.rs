//! Output files of a batch simulation run ([`super::simulate`]), all written as the run
//! proceeds from the [`super::StepOutput`]s, and the SBS line format:
//!
//! | file | content |
//! |---|---|
//! | `truth.jsonl` | ground truth every `output.truth_period_s`: `{"t_s","id","name","class","affiliation","phase","pos":[x,y,z],"vel":[..],"lat_deg","lon_deg"}` |
//! | `scenario.jsonl` | the formats.md scenario file of the 3D radars (snapshot frames, see below) |
//! | `radars.cat048` | one CAT048 recording of all radars (blocks of one radar, time ordered) |
//! | `adsb.cat021` | CAT021 reports of all ADS-B receivers |
//! | `adsb.sbs` | the same reports as SBS/BaseStation `MSG` lines |
//! | `cues.jsonl` | early-warning cues, ordered by delivery time |
//! | `engagements.jsonl` | launches, kills, misses, aborts, impacts ([`super::EngagementEvent::to_jsonl`]) |
//! | `summary.json` | counts |
//!
//! The scenario file is the snapshot view formats.md defines: at each antenna north crossing of
//! a 3D radar, one frame holds that radar's plots of all targets at that instant, with the same
//! Pd, noise, bias and clutter models as the rotating-beam plots of the CAT048 recording.

use super::SimError;
use super::config::Epoch;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A buffered output file that remembers its path for errors.
pub struct Out {
    pub path: PathBuf,
    pub w: BufWriter<File>,
}

impl Out {
    /// Creates `dir/name`.
    pub fn create(dir: &Path, name: &str) -> Result<Self, SimError> {
        let path = dir.join(name);
        let f = File::create(&path).map_err(|source| SimError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(Self {
            path,
            w: BufWriter::with_capacity(1 << 20, f),
        })
    }

    /// Writes bytes.
    pub fn put(&mut self, b: &[u8]) -> Result<(), SimError> {
        self.w.write_all(b).map_err(|source| SimError::Io {
            path: self.path.clone(),
            source,
        })
    }

    /// Flushes.
    pub fn finish(mut self) -> Result<(), SimError> {
        self.w.flush().map_err(|source| SimError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// `HH:MM:SS.sss` of a time of day.
fn hms(tod: f64) -> String {
    let ms = (tod * 1000.0).round() as u64 % 86_400_000;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Everything an SBS line needs about one ADS-B report.
pub struct SbsFields<'a> {
    pub t_s: f64,
    pub icao: u32,
    pub callsign: &'a str,
    pub alt_ft: f64,
    pub gs_kt: f64,
    pub track_deg: f64,
    pub lat: f64,
    pub lon: f64,
    pub vrate_fpm: f64,
    pub squawk: u16,
    /// Message serial: decides which transmission types are written.
    pub serial: u64,
}

/// Appends the SBS lines of one report: MSG,3 (position) always, MSG,4 (velocity) every other
/// report, MSG,1 (identification) every tenth, MSG,6 (squawk) every twentieth.
pub fn sbs_lines(buf: &mut String, epoch: &Epoch, f: &SbsFields<'_>) {
    use std::fmt::Write as _;
    let date = format!("{:04}/{:02}/{:02}", epoch.year, epoch.month, epoch.day);
    let time = hms(epoch.time_of_day(f.t_s));
    let head = |buf: &mut String, ty: u8| {
        let _ = write!(
            buf,
            "MSG,{ty},1,1,{:06X},1,{date},{time},{date},{time},",
            f.icao
        );
    };
    if f.serial.is_multiple_of(10) {
        head(buf, 1);
        let _ = writeln!(buf, "{},,,,,,,,,,,0", f.callsign);
    }
    head(buf, 3);
    let _ = writeln!(
        buf,
        ",{:.0},,,{:.5},{:.5},,,0,0,0,0",
        f.alt_ft, f.lat, f.lon
    );
    if f.serial.is_multiple_of(2) {
        head(buf, 4);
        let _ = writeln!(
            buf,
            ",,{:.0},{:.1},,,{:.0},,,,,0",
            f.gs_kt, f.track_deg, f.vrate_fpm
        );
    }
    if f.serial.is_multiple_of(20) {
        head(buf, 6);
        let _ = writeln!(buf, ",,,,,,,{:04o},0,0,0,0", f.squawk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hms_formats() {
        assert_eq!(hms(3661.5), "01:01:01.500");
    }
}
