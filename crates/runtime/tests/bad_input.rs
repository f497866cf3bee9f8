//! Bad input never stops the core: arbitrary bytes, damaged real blocks (a valid CAT048 plot
//! block of the site's radar with bytes flipped, cut or its LEN changed), unknown sensors and
//! out-of-order ticks are counted and skipped, and good data after them is still used.

use proptest::prelude::*;
use std::sync::{Mutex, OnceLock};
use tessera_asterix::typed::{Cat048Plot, encode_cat048};
use tessera_runtime::{Core, Input, SiteConfig};

fn core() -> &'static Mutex<Core> {
    static CORE: OnceLock<Mutex<Core>> = OnceLock::new();
    CORE.get_or_init(|| {
        let site = SiteConfig::from_world(&tessera_sim::world::default_world()).unwrap();
        Mutex::new(Core::new(site).unwrap())
    })
}

const EPOCH: i64 = 1_704_103_200_000_000_000;

fn good_block(sic: u8, tod: f64) -> Vec<u8> {
    encode_cat048(&[Cat048Plot {
        sac: 10,
        sic,
        time_of_day: Some(tod),
        report_type: Some(1),
        rho_nm: Some(40.0),
        theta_deg: Some(123.0),
        elevation_deg: Some(2.0),
        ..Default::default()
    }])
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_are_counted_not_fatal(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut c = core().lock().unwrap();
        c.apply(&Input::Asterix { source: 9, recv_ns: EPOCH, data });
    }

    #[test]
    fn damaged_real_blocks_are_counted_not_fatal(
        flips in proptest::collection::vec((0usize..64, any::<u8>()), 0..6),
        cut in 0usize..64,
        len in any::<u16>(),
        change_len in any::<bool>(),
    ) {
        let mut b = good_block(1, 36_000.5);
        for (i, v) in flips {
            if i < b.len() {
                b[i] = v;
            }
        }
        if change_len {
            b[1..3].copy_from_slice(&len.to_be_bytes());
        }
        b.truncate(b.len().min(cut.max(1)));
        let mut c = core().lock().unwrap();
        c.apply(&Input::Asterix { source: 9, recv_ns: EPOCH, data: b });
    }
}

#[test]
fn errors_are_counted_and_good_data_still_used() {
    let site = SiteConfig::from_world(&tessera_sim::world::default_world()).unwrap();
    let mut c = Core::new(site).unwrap();
    // A truncated block, an unknown category, a plot of an unregistered radar.
    let mut data = good_block(1, 36_000.25);
    data.truncate(data.len() - 2);
    c.apply(&Input::Asterix {
        source: 1,
        recv_ns: EPOCH,
        data,
    });
    c.apply(&Input::Asterix {
        source: 1,
        recv_ns: EPOCH,
        data: vec![99, 0, 4, 0],
    });
    c.apply(&Input::Asterix {
        source: 1,
        recv_ns: EPOCH,
        data: good_block(77, 36_000.5),
    });
    let k = c.counters().clone();
    assert!(k.decode_errors >= 2, "{k:?}");
    assert_eq!(k.unknown_sensor, 1);
    // Ticks going backwards are counted, not applied.
    c.apply(&Input::Tick {
        t_ns: EPOCH + 5_000_000_000,
    });
    c.apply(&Input::Tick {
        t_ns: EPOCH + 1_000_000_000,
    });
    assert_eq!(c.counters().ticks_out_of_order, 1);
    assert_eq!(c.now().0, EPOCH + 5_000_000_000);
    // Good plots after all that still reach the tracker.
    let before = c.counters().plots;
    c.apply(&Input::Asterix {
        source: 1,
        recv_ns: EPOCH,
        data: good_block(1, 36_006.0),
    });
    assert_eq!(c.counters().plots, before + 1);
    assert_eq!(c.counters().scans_refused, 0);
}
