//! SBS / BaseStation text (dump1090 port 30003), sans-IO.
//!
//! One comma-separated line per message: `MSG,<type>,<session>,<aircraft id>,<hex ident>,
//! <flight id>,<date gen>,<time gen>,<date logged>,<time logged>,<callsign>,<altitude>,
//! <ground speed>,<track>,<lat>,<lon>,<vertical rate>,<squawk>,<alert>,<emergency>,<spi>,
//! <on ground>`. [`parse_line`] decodes one `MSG` line into an [`SbsMessage`]; [`SbsReader`]
//! walks a buffer line by line, returns other record types (`SEL`, `ID`, `AIR`, `STA`, `CLK`,
//! or any text) as [`SbsRecord::Skipped`] and malformed `MSG` lines as [`SbsError`] with their
//! 1-based line number, and keeps going.

use serde::Serialize;
use thiserror::Error;

use crate::modes::Icao;

/// A malformed SBS line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: {kind}")]
pub struct SbsError {
    /// 1-based line number (0 when parsing a lone line).
    pub line: u64,
    /// Byte offset of the line start in the input.
    pub offset: u64,
    /// What is wrong.
    pub kind: SbsErrorKind,
}

/// What is wrong with an SBS line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SbsErrorKind {
    /// The line is not valid UTF-8.
    #[error("not UTF-8 text")]
    NotUtf8,
    /// Fewer than the 10 mandatory fields.
    #[error("only {0} fields, at least 10 needed")]
    TooFewFields(usize),
    /// A field could not be parsed.
    #[error("field {index} ({name}): cannot parse {value:?}")]
    BadField {
        /// 1-based field index.
        index: usize,
        /// Field name.
        name: &'static str,
        /// Its text.
        value: String,
    },
}

/// Date and time as written in SBS (`YYYY/MM/DD`, `HH:MM:SS.sss`), no time zone (UTC by
/// convention for dump1090).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SbsTime {
    /// Year.
    pub year: i32,
    /// Month 1-12.
    pub month: u32,
    /// Day 1-31.
    pub day: u32,
    /// Seconds since midnight.
    pub seconds_of_day: f64,
}

impl SbsTime {
    /// Seconds since 1970-01-01T00:00:00 (treating the time as UTC).
    pub fn unix_seconds(&self) -> f64 {
        // Days from civil (H. Hinnant's algorithm).
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days as f64 * 86_400.0 + self.seconds_of_day
    }
}

/// One decoded `MSG` line. Fields absent from the line are `None`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SbsMessage {
    /// Transmission type 1-8.
    pub transmission_type: u8,
    /// Session id.
    pub session_id: Option<u32>,
    /// Aircraft id.
    pub aircraft_id: Option<u32>,
    /// ICAO address.
    pub icao: Icao,
    /// Flight id.
    pub flight_id: Option<u32>,
    /// When the message was generated.
    pub generated: Option<SbsTime>,
    /// When it was logged.
    pub logged: Option<SbsTime>,
    /// Callsign, trimmed.
    pub callsign: Option<String>,
    /// Altitude (ft).
    pub altitude: Option<i32>,
    /// Ground speed (kt).
    pub ground_speed: Option<f64>,
    /// Track (degrees).
    pub track: Option<f64>,
    /// Latitude (degrees).
    pub lat: Option<f64>,
    /// Longitude (degrees).
    pub lon: Option<f64>,
    /// Vertical rate (ft/min).
    pub vertical_rate: Option<i32>,
    /// Squawk as written (four octal digits).
    pub squawk: Option<String>,
    /// Squawk-change alert flag.
    pub alert: Option<bool>,
    /// Emergency flag.
    pub emergency: Option<bool>,
    /// SPI (ident) flag.
    pub spi: Option<bool>,
    /// On the ground.
    pub on_ground: Option<bool>,
}

/// One line of an SBS stream.
#[derive(Debug, Clone, PartialEq)]
pub enum SbsRecord {
    /// A decoded `MSG` line.
    Msg {
        /// 1-based line number.
        line: u64,
        /// The message.
        msg: Box<SbsMessage>,
    },
    /// Any other non-empty line (other record types, log text), skipped.
    Skipped {
        /// 1-based line number.
        line: u64,
        /// The first field (record type) or the start of the text.
        kind: String,
    },
}

const NAMES: [&str; 22] = [
    "message type",
    "transmission type",
    "session id",
    "aircraft id",
    "hex ident",
    "flight id",
    "date generated",
    "time generated",
    "date logged",
    "time logged",
    "callsign",
    "altitude",
    "ground speed",
    "track",
    "latitude",
    "longitude",
    "vertical rate",
    "squawk",
    "alert",
    "emergency",
    "spi",
    "on ground",
];

struct Fields<'a> {
    f: Vec<&'a str>,
}

impl<'a> Fields<'a> {
    fn raw(&self, i: usize) -> Option<&'a str> {
        self.f.get(i).map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    fn bad(&self, i: usize) -> SbsErrorKind {
        SbsErrorKind::BadField {
            index: i + 1,
            name: NAMES.get(i).copied().unwrap_or("extra"),
            value: self.f.get(i).copied().unwrap_or("").to_string(),
        }
    }

    fn num<T: std::str::FromStr>(&self, i: usize) -> Result<Option<T>, SbsErrorKind> {
        self.raw(i)
            .map(|s| s.parse::<T>().map_err(|_| self.bad(i)))
            .transpose()
    }

    fn float(&self, i: usize) -> Result<Option<f64>, SbsErrorKind> {
        match self.num::<f64>(i)? {
            Some(v) if !v.is_finite() => Err(self.bad(i)),
            v => Ok(v),
        }
    }

    /// Integer that some writers print with a decimal point (`33000.0`).
    fn int(&self, i: usize) -> Result<Option<i32>, SbsErrorKind> {
        match self.raw(i) {
            None => Ok(None),
            Some(s) => s
                .parse::<i32>()
                .ok()
                .or_else(|| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite() && v.abs() < 1e9)
                        .map(|v| v.round() as i32)
                })
                .map(Some)
                .ok_or_else(|| self.bad(i)),
        }
    }

    fn flag(&self, i: usize) -> Result<Option<bool>, SbsErrorKind> {
        match self.raw(i) {
            None => Ok(None),
            Some("0") => Ok(Some(false)),
            Some("-1" | "1") => Ok(Some(true)),
            Some(_) => Err(self.bad(i)),
        }
    }

    fn time(&self, date: usize, time: usize) -> Result<Option<SbsTime>, SbsErrorKind> {
        let (Some(d), Some(t)) = (self.raw(date), self.raw(time)) else {
            return Ok(None);
        };
        let mut dp = d.split(['/', '-']);
        let (Some(y), Some(m), Some(dd), None) = (dp.next(), dp.next(), dp.next(), dp.next())
        else {
            return Err(self.bad(date));
        };
        let year: i32 = y.parse().map_err(|_| self.bad(date))?;
        let month: u32 = m.parse().map_err(|_| self.bad(date))?;
        let day: u32 = dd.parse().map_err(|_| self.bad(date))?;
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return Err(self.bad(date));
        }
        let mut tp = t.split(':');
        let (Some(h), Some(mi), Some(s), None) = (tp.next(), tp.next(), tp.next(), tp.next())
        else {
            return Err(self.bad(time));
        };
        let h: u32 = h.parse().map_err(|_| self.bad(time))?;
        let mi: u32 = mi.parse().map_err(|_| self.bad(time))?;
        let s: f64 = s.parse().map_err(|_| self.bad(time))?;
        if h > 23 || mi > 59 || !(0.0..61.0).contains(&s) {
            return Err(self.bad(time));
        }
        Ok(Some(SbsTime {
            year,
            month,
            day,
            seconds_of_day: f64::from(h * 3600 + mi * 60) + s,
        }))
    }
}

/// Parses one `MSG` line (without its line terminator). Returns `Ok(None)` for a line that
/// is not a `MSG` record.
pub fn parse_line(line: &str) -> Result<Option<SbsMessage>, SbsErrorKind> {
    let line = line
        .trim_start_matches('\u{feff}')
        .trim_end_matches(['\r', '\n']);
    let f = Fields {
        f: line.split(',').collect(),
    };
    if f.f.first().map(|s| s.trim()) != Some("MSG") {
        return Ok(None);
    }
    if f.f.len() < 10 {
        return Err(SbsErrorKind::TooFewFields(f.f.len()));
    }
    let transmission_type = f
        .num::<u8>(1)?
        .filter(|t| (1..=8).contains(t))
        .ok_or_else(|| f.bad(1))?;
    let icao = f
        .raw(4)
        .and_then(|s| u32::from_str_radix(s.trim_start_matches('~'), 16).ok())
        .filter(|v| *v <= 0xFF_FFFF)
        .ok_or_else(|| f.bad(4))?;
    let lat = f.float(14)?;
    if lat.is_some_and(|l| !(-90.0..=90.0).contains(&l)) {
        return Err(f.bad(14));
    }
    let lon = f.float(15)?;
    if lon.is_some_and(|l| !(-180.0..=180.0).contains(&l)) {
        return Err(f.bad(15));
    }
    Ok(Some(SbsMessage {
        transmission_type,
        session_id: f.num(2)?,
        aircraft_id: f.num(3)?,
        icao: Icao(icao),
        flight_id: f.num(5)?,
        generated: f.time(6, 7)?,
        logged: f.time(8, 9)?,
        callsign: f.raw(10).map(str::to_string),
        altitude: f.int(11)?,
        ground_speed: f.float(12)?,
        track: f.float(13)?,
        lat,
        lon,
        vertical_rate: f.int(16)?,
        squawk: f.raw(17).map(str::to_string),
        alert: f.flag(18)?,
        emergency: f.flag(19)?,
        spi: f.flag(20)?,
        on_ground: f.flag(21)?,
    }))
}

/// Iterates over the lines of an SBS buffer. Blank lines are skipped silently.
#[derive(Debug, Clone)]
pub struct SbsReader<'a> {
    input: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> SbsReader<'a> {
    /// A reader over a complete buffer.
    pub fn new(input: &'a [u8]) -> Self {
        Self {
            input,
            pos: 0,
            line: 0,
        }
    }
}

impl Iterator for SbsReader<'_> {
    type Item = Result<SbsRecord, SbsError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.pos >= self.input.len() {
                return None;
            }
            let start = self.pos;
            let rest = &self.input[start..];
            let end = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(rest.len(), |p| p);
            self.pos = start + end + 1;
            self.line += 1;
            let raw = &rest[..end];
            let err = |kind| SbsError {
                line: self.line,
                offset: start as u64,
                kind,
            };
            let Ok(text) = std::str::from_utf8(raw) else {
                return Some(Err(err(SbsErrorKind::NotUtf8)));
            };
            let text = text.trim_start_matches('\u{feff}').trim();
            if text.is_empty() {
                continue;
            }
            return Some(match parse_line(text) {
                Ok(Some(msg)) => Ok(SbsRecord::Msg {
                    line: self.line,
                    msg: Box::new(msg),
                }),
                Ok(None) => Ok(SbsRecord::Skipped {
                    line: self.line,
                    kind: text
                        .split(',')
                        .next()
                        .unwrap_or("")
                        .chars()
                        .take(24)
                        .collect(),
                }),
                Err(kind) => Err(err(kind)),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_position_line() {
        let m = parse_line(
            "MSG,3,1,1,4CA2D6,1,2018/04/03,19:02:28.298,2018/04/10,21:24:39.437,,33000,,,59.87,30.21,,,0,0,0,0",
        )
        .unwrap()
        .unwrap();
        assert_eq!(m.transmission_type, 3);
        assert_eq!(m.icao, Icao(0x4CA2D6));
        assert_eq!(m.altitude, Some(33000));
        assert_eq!(m.lat, Some(59.87));
        assert_eq!(m.on_ground, Some(false));
        let g = m.generated.unwrap();
        assert!((g.unix_seconds() - 1_522_782_148.298).abs() < 1e-3);
    }

    #[test]
    fn reader_reports_errors_with_line_numbers() {
        let text = b"\xef\xbb\xbfMSG,8,1,1,400159,1,2018/04/03,19:02:28.136,2018/04/10,21:24:39.436,,,,,,,,,,,,\n\nSTA,,5,179,400AE7,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM\nMSG,3,1,1,XYZ,1\nMSG,3,1,1,400159,1,2018/04/03,19:02:28.136,2018/04/10,21:24:39.436,,abc\n\xff\xfe\nTotal processed 13954 messages";
        let items: Vec<_> = SbsReader::new(text).collect();
        assert!(matches!(items[0], Ok(SbsRecord::Msg { line: 1, .. })));
        assert!(matches!(&items[1], Ok(SbsRecord::Skipped { line: 3, kind }) if kind == "STA"));
        assert!(matches!(&items[2], Err(SbsError { line: 4, .. })));
        assert!(matches!(
            &items[3],
            Err(SbsError {
                line: 5,
                kind: SbsErrorKind::BadField { index: 12, .. },
                ..
            })
        ));
        assert!(matches!(
            &items[4],
            Err(SbsError {
                line: 6,
                kind: SbsErrorKind::NotUtf8,
                ..
            })
        ));
        assert!(matches!(&items[5], Ok(SbsRecord::Skipped { line: 7, .. })));
        assert_eq!(items.len(), 6);
    }
}
