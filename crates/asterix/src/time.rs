//! Time of day: ASTERIX carries seconds since UTC midnight; [`resolve_time_of_day`] turns that
//! into an absolute instant using a reference instant, choosing among yesterday, today and
//! tomorrow the candidate closest to the reference (so a 23:59:59 report received at 00:00:01 is
//! placed on the previous day).

const DAY_NS: i64 = 86_400_000_000_000;

/// Resolves `tod_seconds` (seconds since midnight UTC) to nanoseconds since the Unix epoch,
/// picking the midnight (day before, same day or day after `reference_ns`) that puts the result
/// closest to `reference_ns`. Non-finite or negative inputs are clamped to 0 s.
pub fn resolve_time_of_day(tod_seconds: f64, reference_ns: i64) -> i64 {
    let tod = if tod_seconds.is_finite() && tod_seconds > 0.0 {
        tod_seconds.min(86_400.0)
    } else {
        0.0
    };
    let tod_ns = (tod * 1e9).round() as i64;
    let midnight = reference_ns.div_euclid(DAY_NS) * DAY_NS;
    [midnight - DAY_NS, midnight, midnight + DAY_NS]
        .into_iter()
        .map(|m| m.saturating_add(tod_ns))
        .min_by_key(|t| t.abs_diff(reference_ns))
        .unwrap_or(midnight + tod_ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crosses_midnight() {
        let day = 19_000 * DAY_NS; // some midnight
        // reference just after midnight, report just before
        let t = resolve_time_of_day(86_399.0, day + 1_000_000_000);
        assert_eq!(t, day - 1_000_000_000);
        // reference just before midnight, report just after
        let t = resolve_time_of_day(0.5, day - 500_000_000);
        assert_eq!(t, day + 500_000_000);
        // plain case
        let t = resolve_time_of_day(3600.0, day + 3_600_000_000_000 + 7);
        assert_eq!(t, day + 3_600_000_000_000);
        assert_eq!(resolve_time_of_day(f64::NAN, day), day);
    }
}
