//! Fuzzes the Mode S / ADS-B decoder on arbitrary 7- and 14-byte (and other) frames.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tessera_feeds::modes::decode(data);
});
