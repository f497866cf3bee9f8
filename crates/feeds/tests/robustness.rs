//! Property tests standing in for fuzzing on stable Rust: arbitrary input never panics any
//! decoder, errors carry offsets inside the input, and the Beast parser gives the same result
//! however the stream is chunked.

use proptest::prelude::*;
use tessera_feeds::{beast, cot, modes, sbs};

fn beastish() -> impl Strategy<Value = Vec<u8>> {
    // Bytes biased towards frame markers and type bytes.
    proptest::collection::vec(
        prop_oneof![
            3 => any::<u8>(),
            1 => Just(0x1Au8),
            1 => prop::sample::select(vec![b'1', b'2', b'3', b'4']),
        ],
        0..400,
    )
}

proptest! {
    #[test]
    fn beast_never_panics_and_chunking_is_invisible(data in beastish(), chunk in 1usize..64) {
        let whole = beast::parse_all(&data);
        let mut p = beast::BeastParser::new();
        let mut parts = Vec::new();
        for c in data.chunks(chunk) {
            p.push(c);
            while let Some(i) = p.next_item() {
                parts.push(i);
            }
        }
        parts.extend(p.finish());
        let frames = |v: &[beast::BeastItem]| v.iter().filter_map(|i| i.as_ref().ok().cloned()).collect::<Vec<_>>();
        prop_assert_eq!(frames(&whole), frames(&parts));
        for i in &whole {
            match i {
                Ok(f) => {
                    prop_assert!((f.offset as usize) < data.len());
                    if f.kind != beast::FrameKind::ModeAc {
                        let _ = modes::decode(&f.payload);
                    }
                }
                Err(e) => prop_assert!((e.offset() as usize) <= data.len()),
            }
        }
    }

    #[test]
    fn beast_round_trip(ts in 0u64..(1 << 48), signal: u8, long: bool, payload in proptest::collection::vec(any::<u8>(), 14)) {
        let kind = if long { beast::FrameKind::ModeSLong } else { beast::FrameKind::ModeSShort };
        let f = beast::BeastFrame { offset: 0, kind, timestamp: ts, signal, payload: payload[..kind.payload_len()].to_vec() };
        let got = beast::parse_all(&f.encode());
        prop_assert_eq!(got, vec![Ok(f)]);
    }

    #[test]
    fn modes_never_panics(data in proptest::collection::vec(any::<u8>(), 0..20)) {
        let _ = modes::decode(&data);
        if data.len() >= 14 {
            let _ = modes::decode(&data[..14]);
            let _ = modes::decode(&data[..7]);
        }
    }

    #[test]
    fn sbs_never_panics(text in "(MSG|SEL|,|[0-9]|-|\\.|:|/|[A-F]|\n| ){0,300}") {
        let n_lines = text.lines().count() as u64;
        for item in sbs::SbsReader::new(text.as_bytes()) {
            match item {
                Ok(sbs::SbsRecord::Msg { line, .. } | sbs::SbsRecord::Skipped { line, .. }) => prop_assert!(line <= n_lines),
                Err(e) => prop_assert!(e.line >= 1 && e.line <= n_lines),
            }
        }
    }

    #[test]
    fn sbs_random_bytes(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        for _ in sbs::SbsReader::new(&data) {}
    }

    #[test]
    fn cot_parser_never_panics(text in "(<event|<point|</event>|<detail>|uid='a'|type='b'|lat='1'|lon='2'|/>|>| |\"|&amp;|[a-z]){0,60}") {
        let _ = cot::parse_event(&text);
        let mut s = cot::CotStreamSplitter::new();
        for e in s.push(text.as_bytes()) {
            let _ = cot::parse_event(&e);
        }
    }
}
