//! Fuzzes the capture framings (pcap, pcapng, GPS, raw) with auto-detection.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tessera_asterix::capture::{Event, FileDecoder, Framing};

fuzz_target!(|data: &[u8]| {
    for f in [None, Some(Framing::Pcap), Some(Framing::PcapNg), Some(Framing::Gps)] {
        for ev in FileDecoder::new(data, f) {
            if let Event::Record { record, .. } = ev {
                let _ = tessera_asterix::decode_items(&record);
            }
        }
    }
});
