//! Fuzzes the Beast stream parser (0x1A escaping, resynchronisation) and decodes every Mode S
//! frame it yields.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tessera_feeds::beast::parse_all(data);
});
