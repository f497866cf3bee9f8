//! Starting a live `tessera run` for a test: a fresh data directory, the page and API on
//! 127.0.0.1:0, the URL and the first-run credentials read from its stdout.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Live {
    pub child: Child,
    pub base: String,
    pub data: PathBuf,
    /// (role, user, password)
    pub creds: Vec<(String, String, String)>,
}

impl Live {
    pub fn password(&self, role: &str) -> String {
        self.creds
            .iter()
            .find(|c| c.0 == role)
            .map(|c| c.2.clone())
            .unwrap_or_default()
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn tessera() -> &'static str {
    env!("CARGO_BIN_EXE_tessera")
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tessera-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Starts `tessera run` with `args` on `data`; waits for its URL (and credentials on a first
/// run).
pub fn start(data: &Path, args: &[&str]) -> Live {
    let mut child = Command::new(tessera())
        .arg("run")
        .arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tessera run");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("[tessera] {line}");
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut base = None;
    let mut creds = Vec::new();
    let mut first_run = false;
    let mut base_at: Option<Instant> = None;
    while Instant::now() < deadline {
        let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) else {
            // The credentials follow the URL line at once on a first run.
            if base_at.is_some_and(|t| t.elapsed() > Duration::from_secs(2)) && !first_run {
                break;
            }
            continue;
        };
        if let Some(i) = line.find("live at http://") {
            let rest = &line[i + 8..];
            base = Some(
                rest.split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_string(),
            );
            base_at = Some(Instant::now());
        } else if line.starts_with("First run") {
            first_run = true;
        } else if first_run && line.starts_with("  ") {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() == 3 {
                creds.push((f[0].to_string(), f[1].to_string(), f[2].to_string()));
            }
        }
        if base.is_some() && first_run && creds.len() == 3 {
            break;
        }
    }
    Live {
        child,
        base: base.expect("tessera run printed no URL"),
        data: data.to_path_buf(),
        creds,
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

pub fn login(base: &str, user: &str, password: &str) -> String {
    let mut r = agent()
        .post(&format!("{base}/api/login"))
        .send_json(serde_json::json!({"username": user, "password": password}))
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    v["token"].as_str().unwrap().to_string()
}

pub fn get(base: &str, path: &str, token: &str) -> (u16, serde_json::Value) {
    let mut r = agent()
        .get(&format!("{base}{path}"))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    let st = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    (
        st,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

pub fn post(
    base: &str,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let mut r = agent()
        .post(&format!("{base}{path}"))
        .header("Authorization", &format!("Bearer {token}"))
        .send_json(body)
        .unwrap();
    let st = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    (
        st,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// Polls until `f` returns `Some` or the timeout passes.
pub fn wait_for<T>(what: &str, secs: u64, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Whether a required external tool is there; under `CI=true` its absence fails the test.
pub fn require(path: &str, what: &str) -> bool {
    if Path::new(path).exists() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} is required under CI=true but {path} is missing (see .ci/install-tools)");
    }
    eprintln!("SKIPPED: {what} not installed ({path}); set CI=true to make this a failure");
    false
}

/// Runs `tessera replay JOURNAL ARGS... --export EXPORT`, asserts it succeeded with no
/// mismatch, and returns its JSON report.
pub fn replay_checked(journal: &Path, args: &[&str], export: &Path) -> serde_json::Value {
    let out = Command::new(tessera())
        .arg("replay")
        .arg(journal)
        .args(args)
        .arg("--export")
        .arg(export)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "replay failed: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rep: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(rep["mismatches"], 0, "{rep}");
    rep
}
