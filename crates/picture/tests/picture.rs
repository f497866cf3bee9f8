//! The picture on a small synthetic air situation: a friendly patrol (Mode 3/A 4101), a civil
//! airliner (Mode S address and callsign) and an uncooperative low-level fast mover closing on
//! the defended point, all seen by one rotating 3D radar; the picture must confirm all three,
//! attach the cooperative attributes to the right tracks and identify and classify them.

use nalgebra::Vector3;
use tessera_domain::{
    Identity, Measurement, Observation, SensorId, SensorKind, SensorSite, TargetClass, Timestamp,
};
use tessera_geo::{Geodetic, LocalTangentPlane};
use tessera_picture::{Picture, PictureConfig, ReportAttributes};
use tessera_track::Scan;

struct Target {
    p0: Vector3<f64>,
    v: Vector3<f64>,
    attrs: ReportAttributes,
}

fn polar(site: &SensorSite, p: Vector3<f64>, t: Timestamp, noise: [f64; 3]) -> Measurement {
    let d = site.to_site(&p);
    let range = d.norm() + noise[0];
    let az = d.x.atan2(d.y).rem_euclid(std::f64::consts::TAU) + noise[1];
    let el = (d.z / d.norm()).asin() + noise[2];
    Measurement {
        time: t,
        site: *site,
        observation: Observation::Polar3 {
            range_m: range,
            azimuth_rad: az,
            elevation_rad: el,
            sigma_range_m: 30.0,
            sigma_azimuth_rad: 0.002,
            sigma_elevation_rad: 0.002,
        },
    }
}

#[test]
fn three_tracks_identified_and_classified() {
    let frame = LocalTangentPlane::new(Geodetic::from_degrees(10.0, -30.0, 0.0).unwrap());
    let site = SensorSite::aligned(
        SensorId(1),
        SensorKind::Radar3d,
        Vector3::new(0.0, 0.0, 30.0),
    );
    let defended = vec![Vector3::new(0.0, 5_000.0, 0.0)];
    let mut pic = Picture::new(PictureConfig::default(), frame, [site], defended).unwrap();
    let targets = [
        Target {
            p0: Vector3::new(-60_000.0, -40_000.0, 8_000.0),
            v: Vector3::new(200.0, 0.0, 0.0),
            attrs: ReportAttributes {
                mode3a: Some(0o4101),
                callsign: Some("PTL01".into()),
                cooperative: true,
                ..Default::default()
            },
        },
        Target {
            p0: Vector3::new(40_000.0, 60_000.0, 10_500.0),
            v: Vector3::new(-150.0, -170.0, 0.0),
            attrs: ReportAttributes {
                mode3a: Some(0o2233),
                icao: Some(0x4CA123),
                callsign: Some("CIV123".into()),
                cooperative: true,
                ..Default::default()
            },
        },
        Target {
            p0: Vector3::new(10_000.0, -70_000.0, 60.0),
            v: Vector3::new(0.0, 250.0, 0.0),
            attrs: ReportAttributes::default(),
        },
    ];
    // Deterministic pseudo-noise.
    let mut seed = 12345u64;
    let mut noise = || {
        let mut n = [0.0; 3];
        for (k, x) in n.iter_mut().enumerate() {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = ((seed >> 11) as f64 / (1u64 << 53) as f64) - 0.5;
            *x = u * if k == 0 { 60.0 } else { 0.004 };
        }
        n
    };
    // A 4 s rotation: each target is seen when the beam crosses it.
    let epoch = 1_704_103_200_000_000_000i64;
    for scan in 0..40 {
        let mut plots: Vec<(f64, usize)> = targets
            .iter()
            .enumerate()
            .map(|(i, tg)| {
                let az = tg.p0.x.atan2(tg.p0.y).rem_euclid(std::f64::consts::TAU);
                (scan as f64 * 4.0 + az / std::f64::consts::TAU * 4.0, i)
            })
            .collect();
        plots.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (t, i) in plots {
            let tg = &targets[i];
            let time = Timestamp(epoch + (t * 1e9) as i64);
            let m = polar(&site, tg.p0 + tg.v * t, time, noise());
            pic.process(
                Scan {
                    time,
                    sensor: site,
                    measurements: vec![m],
                    full_scan: false,
                },
                std::slice::from_ref(&tg.attrs),
            )
            .unwrap();
        }
        pic.cycle(Timestamp(epoch + ((scan as f64 + 1.0) * 4.0 * 1e9) as i64));
    }
    let now = Timestamp(epoch + 160_000_000_000);
    let views = pic.views(Some(now), true);
    assert_eq!(views.len(), 3, "{views:#?}");
    let find = |f: &dyn Fn(&tessera_picture::TrackView) -> bool| {
        views.iter().find(|v| f(v)).expect("track").clone()
    };
    let friend = find(&|v| v.mode3a.as_deref() == Some("4101"));
    assert_eq!(friend.identity, Identity::Friend);
    assert_eq!(friend.class, TargetClass::FixedWing);
    assert_eq!(friend.callsign.as_deref(), Some("PTL01"));
    let civil = find(&|v| v.icao.as_deref() == Some("4CA123"));
    assert_eq!(civil.identity, Identity::Neutral);
    assert_eq!(civil.class, TargetClass::FixedWing);
    let fast = find(&|v| v.mode3a.is_none());
    assert_eq!(fast.identity, Identity::Hostile);
    assert_eq!(fast.class, TargetClass::CruiseMissile);
    assert!(fast.alt_m < 300.0, "{}", fast.alt_m);
    assert!((fast.speed_mps - 250.0).abs() < 15.0, "{}", fast.speed_mps);
    assert!((fast.course_deg - 0.0).abs() < 3.0 || fast.course_deg > 357.0);
    assert!(fast.trail.as_ref().unwrap().len() >= 20);
    // Changes were recorded, then taken.
    let (changed, removed) = pic.take_changes();
    assert!(changed.len() >= 3 && removed.is_empty());
    assert!(pic.take_changes().0.is_empty());
    assert_eq!(pic.version(), 40);
}
