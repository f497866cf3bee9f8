//! Fuzzes CAT048: the input is a record body inside a CAT048 block; framing, item tree and typed view.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut block = vec![48, 0, 0];
    block.extend_from_slice(&data[..data.len().min(65_000)]);
    let len = block.len() as u16;
    block[1..3].copy_from_slice(&len.to_be_bytes());
    if let Ok(b) = tessera_asterix::decode_block(&block) {
        for r in &b.records {
            let _ = tessera_asterix::decode_items(r);
            let _ = tessera_asterix::typed::TypedRecord::from_record(r);
        }
    }
    for rec in tessera_asterix::BlockStream::new(&block, 0).flatten() {
        let _ = tessera_asterix::typed::TypedRecord::from_record(&rec);
    }
});
