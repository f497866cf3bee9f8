//! `tessera wta solve`: one JSON line on a peer instance, and clear errors on bad input.

use tessera_cli::cmd_wta;

use std::path::PathBuf;

fn peer(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/peer/wta/instances"
    ))
    .join(name);
    if p.exists() {
        Some(p)
    } else if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("missing {}", p.display());
    } else {
        None
    }
}

#[test]
fn solve_prints_one_json_line() {
    let Some(path) = peer("wta_static_10x10_s1.json") else {
        return;
    };
    let mut out = Vec::new();
    cmd_wta::run_wta_solve(&path, Some(5_000), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!((v["value"].as_f64().unwrap() - 10.139011).abs() < 1e-5);
    assert!(v["lower_bound"].as_f64().unwrap() <= v["value"].as_f64().unwrap());
    assert!(v["solve_ms"].as_f64().is_some());
    assert!(v["proven_optimal"].as_bool().unwrap());
    assert!(v["work"].as_u64().unwrap() > 0);
    // never worse than greedy
    assert!(v["value"].as_f64().unwrap() <= v["greedy_value"].as_f64().unwrap());
    assert!(
        v["assignment"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e.as_array().unwrap().len() == 3)
    );
}

#[test]
fn bad_instance_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("tessera-wta-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.json");
    std::fs::write(
        &f,
        r#"{"weapons":[{"id":0,"count":1}],"targets":[{"id":0,"value":5}],"p":[[-0.1]]}"#,
    )
    .unwrap();
    let mut out = Vec::new();
    let e = cmd_wta::run_wta_solve(&f, None, &mut out).unwrap_err();
    assert!(format!("{e:#}").contains("p[0][0]"), "{e:#}");
    let e = cmd_wta::run_wta_solve(&dir.join("missing.json"), None, &mut out).unwrap_err();
    assert!(format!("{e:#}").contains("cannot read"));
    std::fs::remove_dir_all(&dir).ok();
}
