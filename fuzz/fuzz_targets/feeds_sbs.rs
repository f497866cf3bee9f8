//! Fuzzes the SBS/BaseStation line reader: every line is parsed, reported or skipped.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for item in tessera_feeds::sbs::SbsReader::new(data) {
        let _ = item;
    }
});
