//! The built-in category tables (text, see [`crate::spec`] for the syntax), parsed once on first
//! use. Layouts were transcribed from the EUROCONTROL specifications as published in the
//! machine-readable zoranbosnjak/asterix-specs definitions (BSD-3-Clause licence).

use crate::spec::{CategorySpec, parse_table};
use std::sync::OnceLock;

const CAT001_PLOT: &str = include_str!("cat001.txt");
const CAT001_TRACK: &str = include_str!("cat001t.txt");
const CAT002: &str = include_str!("cat002.txt");
const CAT021: &str = include_str!("cat021.txt");
const CAT034: &str = include_str!("cat034.txt");
const CAT048: &str = include_str!("cat048.txt");
const CAT062: &str = include_str!("cat062.txt");

/// All parsed tables.
#[derive(Debug)]
pub struct Tables {
    /// CAT001 plot UAP.
    pub cat001_plot: CategorySpec,
    /// CAT001 track UAP.
    pub cat001_track: CategorySpec,
    /// CAT002.
    pub cat002: CategorySpec,
    /// CAT021.
    pub cat021: CategorySpec,
    /// CAT034.
    pub cat034: CategorySpec,
    /// CAT048.
    pub cat048: CategorySpec,
    /// CAT062.
    pub cat062: CategorySpec,
}

fn load() -> Tables {
    let p = |t: &'static str| match parse_table(t) {
        Ok(s) => s,
        // The tables are compile-time constants checked by the unit tests.
        Err(e) => panic!("built-in ASTERIX table is invalid: {e}"),
    };
    Tables {
        cat001_plot: p(CAT001_PLOT),
        cat001_track: p(CAT001_TRACK),
        cat002: p(CAT002),
        cat021: p(CAT021),
        cat034: p(CAT034),
        cat048: p(CAT048),
        cat062: p(CAT062),
    }
}

/// The built-in tables.
pub fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(load)
}

/// The table for a category (CAT001: the plot UAP; use [`spec_for_record`] to pick per record).
pub fn spec_for(cat: u8) -> Option<&'static CategorySpec> {
    let t = tables();
    Some(match cat {
        1 => &t.cat001_plot,
        2 => &t.cat002,
        21 => &t.cat021,
        34 => &t.cat034,
        48 => &t.cat048,
        62 => &t.cat062,
        _ => return None,
    })
}

/// The table for one record: CAT001 selects the track UAP when the first FSPEC octet announces
/// I001/020 and its TYP bit (first bit after the 010 item, if present) is set.
pub fn spec_for_record(cat: u8, record: &[u8]) -> Option<&'static CategorySpec> {
    if cat != 1 {
        return spec_for(cat);
    }
    let t = tables();
    let Some(&fs0) = record.first() else {
        return Some(&t.cat001_plot);
    };
    // FSPEC length
    let mut n = 1;
    while record.get(n - 1).is_some_and(|b| b & 1 == 1) {
        n += 1;
    }
    let has010 = fs0 & 0x80 != 0;
    let has020 = fs0 & 0x40 != 0;
    if !has020 {
        return Some(&t.cat001_plot);
    }
    let pos = n + if has010 { 2 } else { 0 };
    match record.get(pos) {
        Some(b) if b & 0x80 != 0 => Some(&t.cat001_track),
        _ => Some(&t.cat001_plot),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_tables_parse() {
        for t in [
            CAT001_PLOT,
            CAT001_TRACK,
            CAT002,
            CAT021,
            CAT034,
            CAT048,
            CAT062,
        ] {
            if let Err(e) = parse_table(t) {
                panic!("{e}: {}", t.lines().nth(3).unwrap_or(""));
            }
        }
        let t = tables();
        assert_eq!(t.cat048.uap.len(), 28);
        assert_eq!(t.cat062.uap.len(), 35);
        assert_eq!(t.cat021.uap.len(), 49);
    }
}
