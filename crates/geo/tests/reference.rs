//! Published reference points: the ellipsoid's axis points and the worked examples of IOGP
//! (EPSG) Geomatics Guidance Note 7-2, "Coordinate Conversions and Transformations including
//! Formulas" (IOGP publication 373-7-2).

use tessera_geo::{Ecef, Geodetic, LocalTangentPlane, Position, wgs84};

fn dms(d: f64, m: f64, s: f64) -> f64 {
    d + m / 60.0 + s / 3600.0
}

fn assert_ecef(g: &Geodetic, expected: [f64; 3], tol_m: f64) {
    let p = g.to_ecef().raw();
    for i in 0..3 {
        assert!(
            (p[i] - expected[i]).abs() <= tol_m,
            "{g}: component {i} is {} expected {}",
            p[i],
            expected[i]
        );
    }
}

#[test]
fn axis_points_of_the_ellipsoid() {
    let a = wgs84::A;
    // b = 6 356 752.3142 m (NIMA TR8350.2 table 3.3).
    let b = 6_356_752.314_2;
    assert_ecef(
        &Geodetic::from_degrees(0.0, 0.0, 0.0).unwrap(),
        [a, 0.0, 0.0],
        1e-9,
    );
    assert_ecef(
        &Geodetic::from_degrees(0.0, 90.0, 0.0).unwrap(),
        [0.0, a, 0.0],
        1e-9,
    );
    assert_ecef(
        &Geodetic::from_degrees(0.0, 180.0, 0.0).unwrap(),
        [-a, 0.0, 0.0],
        1e-9,
    );
    assert_ecef(
        &Geodetic::from_degrees(0.0, -90.0, 100.0).unwrap(),
        [0.0, -a - 100.0, 0.0],
        1e-9,
    );
    assert_ecef(
        &Geodetic::from_degrees(90.0, 0.0, 0.0).unwrap(),
        [0.0, 0.0, b],
        1e-4,
    );
    assert_ecef(
        &Geodetic::from_degrees(-90.0, 45.0, 0.0).unwrap(),
        [0.0, 0.0, -b],
        1e-4,
    );

    let eq = Position::<Ecef>::new(a, 0.0, 0.0).to_geodetic().unwrap();
    assert_eq!((eq.lat(), eq.lon()), (0.0, 0.0));
    assert!(eq.height().abs() < 1e-9);
    let np = Position::<Ecef>::new(0.0, 0.0, wgs84::B + 500_000.0)
        .to_geodetic()
        .unwrap();
    assert_eq!(np.lat_deg(), 90.0);
    assert!((np.height() - 500_000.0).abs() < 1e-6);
}

/// GN 7-2, EPSG method 9602 (geographic/geocentric conversions), worked example:
/// a North Sea point in WGS 84, φ = 53°48'33.820"N, λ = 2°07'46.380"E, h = 73.0 m, has
/// geocentric X = 3 771 793.968 m, Y = 140 253.342 m, Z = 5 124 304.349 m. (The same ECEF point,
/// rounded to cm, is the origin of EPSG conversion 15595 "EPSG topocentric example B".)
#[test]
fn epsg_geographic_geocentric_example() {
    let g = Geodetic::from_degrees(dms(53.0, 48.0, 33.820), dms(2.0, 7.0, 46.380), 73.0).unwrap();
    // Published to the millimetre; allow the half-unit rounding.
    assert_ecef(&g, [3_771_793.968, 140_253.342, 5_124_304.349], 0.0006);

    let back = Position::<Ecef>::new(3_771_793.968, 140_253.342, 5_124_304.349)
        .to_geodetic()
        .unwrap();
    // Published to 0.001" (≈ 3 cm in latitude, 2 cm in longitude) and 0.001 m in height.
    assert!((back.lat_deg() - g.lat_deg()).abs() * 3600.0 < 0.0006);
    assert!((back.lon_deg() - g.lon_deg()).abs() * 3600.0 < 0.0006);
    assert!((back.height() - 73.0).abs() < 0.001);
}

/// GN 7-2, EPSG method 9836 (geocentric/topocentric conversions), worked example,
/// also reproduced in PROJ's `topocentric` documentation (`cct` example): topocentric origin
/// φ0 = 55°N, λ0 = 5°E, h0 = 200 m (X0 = 3 652 755.3058 m, Y0 = 319 574.6799 m,
/// Z0 = 5 201 547.3536 m); the geocentric point X = 3 771 793.968 m, Y = 140 253.342 m,
/// Z = 5 124 304.349 m has topocentric U = −189 013.869 m (east), V = −128 642.040 m (north),
/// W = −4 220.171 m (up). Method 9837 (geographic/topocentric) gives the same U, V, W for the
/// same point given as φ = 53°48'33.82"N, λ = 2°07'46.38"E, h = 73 m.
#[test]
fn epsg_topocentric_example() {
    let origin = Geodetic::from_degrees(55.0, 5.0, 200.0).unwrap();
    assert_ecef(
        &origin,
        [3_652_755.305_8, 319_574.679_9, 5_201_547.353_6],
        0.00006,
    );
    let ltp = LocalTangentPlane::new(origin);
    let expected = [-189_013.869, -128_642.040, -4_220.171];

    let point = Position::<Ecef>::new(3_771_793.968, 140_253.342, 5_124_304.349);
    let p = ltp.ecef_to_enu(&point);
    for (i, e) in expected.iter().enumerate() {
        assert!((p.raw()[i] - e).abs() < 0.0006, "9836: {p:?}");
    }
    assert!((ltp.enu_to_ecef(&p).raw() - point.raw()).norm() < 1e-8);

    let g = Geodetic::from_degrees(dms(53.0, 48.0, 33.82), dms(2.0, 7.0, 46.38), 73.0).unwrap();
    let p = ltp.geodetic_to_enu(&g);
    for (i, e) in expected.iter().enumerate() {
        assert!((p.raw()[i] - e).abs() < 0.001, "9837: {p:?}");
    }
    let back = ltp.enu_to_geodetic(&p).unwrap();
    assert!((back.height() - 73.0).abs() < 1e-6);
    assert!((back.lat() - g.lat()).abs() < 1e-12 && (back.lon() - g.lon()).abs() < 1e-12);
}
