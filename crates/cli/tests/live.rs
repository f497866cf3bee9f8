//! The live system end to end, through the `tessera` binary:
//!
//! - `page_in_headless_chromium`: `tessera run` on the default scenario; the page in Debian's
//!   headless Chromium (playwright-core, `web/e2e/live.mjs`) logs in, sees tracks move,
//!   approves an engagement as operator and is refused as observer.
//! - `kill_minus_nine_loses_no_journaled_input`: an operator approval and every input counted
//!   by the API before a `kill -9` are in the journal afterwards; a restart appends a new run;
//!   `tessera replay` reproduces the killed run's digests bit for bit, and the approval.
//! - `sbs_feed_is_tracked_live_and_replays_bit_for_bit`: `tessera run --no-sim --sbs-tcp` on a
//!   loopback server serving real SBS lines (`../shared/data/sbs`, dump1090-derived) at 10×:
//!   the journal holds them as `sbs` inputs, `tessera replay` reproduces every digest and its
//!   export shows the aircraft's callsigns.

mod common;

use common::*;
use std::process::Command;

#[test]
fn page_in_headless_chromium() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = repo.join("web/e2e/live.mjs");
    if !require("/usr/bin/chromium", "Debian chromium") {
        return;
    }
    if !require(
        repo.join("web/node_modules/playwright-core")
            .to_str()
            .unwrap(),
        "web/node_modules (npm ci in web/, done by the server's build)",
    ) {
        return;
    }
    let data = temp_dir("e2e");
    let live = start(&data, &["--start-s", "140", "--speed", "2"]);
    let shot = data.join("page.png");
    let status = Command::new("node")
        .arg(&script)
        .env("TESSERA_URL", format!("{}/", live.base))
        .env("TESSERA_OPERATOR_USER", "operator")
        .env("TESSERA_OPERATOR_PASS", live.password("operator"))
        .env("TESSERA_OBSERVER_USER", "observer")
        .env("TESSERA_OBSERVER_PASS", live.password("observer"))
        .env("TESSERA_SCREENSHOT", &shot)
        .env("TESSERA_TIMEOUT_S", "150")
        .status()
        .expect("run node");
    assert!(
        status.success(),
        "the browser test failed ({status}); screenshots in {}",
        data.display()
    );
    // The approval the browser made is in the engagement history, decided by the operator.
    let tok = login(&live.base, "operator", &live.password("operator"));
    let (st, v) = get(&live.base, "/api/engagements", &tok);
    assert_eq!(st, 200);
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|e| e["decided_by"] == "operator" && e["status"] != "rejected"),
        "{v}"
    );
    drop(live);
    std::fs::remove_dir_all(&data).ok();
}

#[test]
fn kill_minus_nine_loses_no_journaled_input() {
    let data = temp_dir("kill9");
    let live = start(&data, &["--start-s", "140", "--speed", "2"]);
    let op = login(&live.base, "operator", &live.password("operator"));
    // Approve the first recommendation that appears.
    let approved = wait_for("a recommendation to approve", 180, || {
        let (_, recs) = get(&live.base, "/api/recommendations", &op);
        for r in recs.as_array()? {
            let id = r["id"].as_u64()?;
            let (st, v) = post(
                &live.base,
                &format!("/api/engagements/{id}/approve"),
                &op,
                serde_json::json!({"comment": "kill -9 test"}),
            );
            if st == 200 {
                assert_eq!(v["status"], "approved");
                return Some(id);
            }
        }
        None
    });
    // Let the run go on, then read what the journal has committed, then kill -9.
    std::thread::sleep(std::time::Duration::from_secs(3));
    let (_, j) = get(&live.base, "/api/journal", &op);
    let counted = j["inputs"].as_u64().unwrap();
    let actions = j["actions"].as_u64().unwrap();
    assert!(counted > 100 && actions >= 1, "{j}");
    let pid = live.child.id();
    let st = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    drop(live);
    let journal = data.join("journal.sqlite");
    let reader = tessera_runtime::journal::JournalReader::open(&journal).unwrap();
    let c = reader.counts(1).unwrap();
    assert!(
        c.inputs >= counted,
        "journal has {} inputs, the API had counted {counted}",
        c.inputs
    );
    assert!(c.actions >= actions);
    drop(reader);
    // A restart appends run 2 and leaves run 1 alone.
    let again = start(&data, &["--exit-after-s", "6"]);
    assert!(
        again.creds.is_empty(),
        "credentials must not be regenerated"
    );
    let out = Command::new(tessera())
        .arg("run")
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut again = again;
    let _ = again.child.wait();
    let reader = tessera_runtime::journal::JournalReader::open(&journal).unwrap();
    assert_eq!(reader.runs().unwrap(), vec![1, 2]);
    assert_eq!(reader.counts(1).unwrap(), c);
    drop(reader);
    // The killed run replays bit for bit, approval included.
    let export = data.join("export");
    let rep = replay_checked(&journal, &["--run", "1"], &export);
    assert!(rep["compared"].as_u64().unwrap() > 10, "{rep}");
    let eng = std::fs::read_to_string(export.join("engagements.csv")).unwrap();
    assert!(
        eng.lines()
            .any(|l| l.starts_with(&format!("{approved},")) && l.contains(",operator,")),
        "{eng}"
    );
    let tracks = std::fs::read_to_string(export.join("tracks.csv")).unwrap();
    assert!(tracks.lines().count() > 1000);
    std::fs::remove_dir_all(&data).ok();
}

#[test]
fn sbs_feed_is_tracked_live_and_replays_bit_for_bit() {
    use std::io::Write as _;
    let file = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/sbs/beastblackbox_ulss7_20180403.sbs.txt"
    ));
    if !file.exists() {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "missing {}",
            file.display()
        );
        return;
    }
    let text = std::fs::read(&file).unwrap();
    // The SBS server: the recording's 0.5 s batches every 50 ms (10×), then it stays open.
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let Ok((mut c, _)) = server.accept() else {
            return;
        };
        for (_, lines) in tessera_runtime::ingest::sbs_batches(&text) {
            if c.write_all(&lines).is_err() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        std::thread::sleep(std::time::Duration::from_secs(30));
    });
    let data = temp_dir("sbs");
    let mut live = start(
        &data,
        &["--no-sim", "--sbs-tcp", &addr, "--exit-after-s", "10"],
    );
    let _ = live.child.wait();
    drop(live);
    let journal = data.join("journal.sqlite");
    let reader = tessera_runtime::journal::JournalReader::open(&journal).unwrap();
    let mut sbs = 0;
    reader
        .for_each_input(1, |e| {
            if matches!(e.input, tessera_runtime::Input::Sbs { .. }) {
                sbs += 1;
            }
            Ok(())
        })
        .unwrap();
    assert!(sbs > 50, "{sbs} SBS inputs journaled");
    drop(reader);
    let export = data.join("export");
    let rep = replay_checked(&journal, &[], &export);
    assert!(rep["compared"].as_u64().unwrap() >= 5, "{rep}");
    let tracks = std::fs::read_to_string(export.join("tracks.csv")).unwrap();
    for callsign in ["CAO1024", "CPA238", "AAR542"] {
        assert!(tracks.contains(callsign), "{callsign} not in\n{tracks}");
    }
    std::fs::remove_dir_all(&data).ok();
}
