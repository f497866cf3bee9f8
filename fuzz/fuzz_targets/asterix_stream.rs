//! Fuzzes the raw block stream decoder plus the generic item tree of every record.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for rec in tessera_asterix::BlockStream::new(data, 0).flatten() {
        let _ = tessera_asterix::decode_items(&rec);
    }
});
