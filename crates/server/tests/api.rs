//! The API on 127.0.0.1:0 over a core of the default scenario's site (no simulator): roles on
//! every endpoint, login, size limits, the OpenAPI description against the routes, metrics,
//! and the WebSocket stream (snapshot first, a bad token closed with 4401).

use futures_util::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;
use tessera_runtime::clock::Clock;
use tessera_runtime::shell::{ShellConfig, start};
use tessera_runtime::{Core, Input, SiteConfig};
use tessera_server::{AppState, UserStore};

struct Server {
    base: String,
    creds: Vec<tessera_server::Credential>,
    handle: tessera_runtime::shell::Handle,
    dir: std::path::PathBuf,
}

async fn server(tag: &str) -> Server {
    let dir = std::env::temp_dir().join(format!("tessera-api-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let site = SiteConfig::from_world(&tessera_sim::world::default_world()).unwrap();
    let clock = Arc::new(Clock::new(site.epoch_unix_ns, 1.0));
    let (handle, _thread) = start(
        Core::new(site).unwrap(),
        &ShellConfig::new(&dir.join("journal.sqlite")),
        clock,
        None,
    )
    .unwrap();
    let (users, creds) = UserStore::open(&dir.join("users.json")).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(handle.clone(), Arc::new(users));
    let mut stop = handle.shutdown_signal();
    tokio::spawn(tessera_server::serve(listener, state, async move {
        let _ = stop.changed().await;
    }));
    Server {
        base,
        creds,
        handle,
        dir,
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// (status, body as JSON or text).
fn call(method: &str, url: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let a = agent();
    let auth = token.map(|t| format!("Bearer {t}"));
    let res = match method {
        "GET" => {
            let mut r = a.get(url);
            if let Some(h) = &auth {
                r = r.header("Authorization", h);
            }
            r.call()
        }
        _ => {
            let mut r = a.post(url);
            if let Some(h) = &auth {
                r = r.header("Authorization", h);
            }
            match body {
                Some(b) => r.send_json(b),
                None => r.send_empty(),
            }
        }
    };
    let mut res = res.expect("request");
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().unwrap_or_default();
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, v)
}

fn login(s: &Server, role: &str) -> String {
    let c = s
        .creds
        .iter()
        .find(|c| c.role.as_str() == role)
        .expect("credential");
    let (st, v) = call(
        "POST",
        &format!("{}/api/login", s.base),
        None,
        Some(json!({"username": c.username, "password": c.password})),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["role"], role);
    v["token"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_login_limits_and_documentation() {
    let s = server("roles").await;
    let base = s.base.clone();
    let s = Arc::new(s);
    let s2 = s.clone();
    tokio::task::spawn_blocking(move || {
        let s = s2;
        // Health and metrics need no token; everything under /api does.
        let (st, v) = call("GET", &format!("{base}/health"), None, None);
        assert_eq!(st, 200);
        assert_eq!(v["status"], "ok");
        let (st, v) = call("GET", &format!("{base}/metrics"), None, None);
        assert_eq!(st, 200);
        assert!(v.as_str().unwrap().contains("tessera_dropped_total"));
        let (st, _) = call("GET", &format!("{base}/api/picture"), None, None);
        assert_eq!(st, 401);
        let (st, _) = call(
            "GET",
            &format!("{base}/api/picture"),
            Some("not-a-token"),
            None,
        );
        assert_eq!(st, 401);
        // Wrong password.
        let (st, v) = call(
            "POST",
            &format!("{base}/api/login"),
            None,
            Some(json!({"username": "operator", "password": "guess"})),
        );
        assert_eq!(st, 401, "{v}");
        let obs = login(&s, "observer");
        let op = login(&s, "operator");
        let admin = login(&s, "admin");
        let (st, v) = call("GET", &format!("{base}/api/me"), Some(&obs), None);
        assert_eq!((st, v["role"].as_str()), (200, Some("observer")));
        let (st, v) = call("GET", &format!("{base}/api/picture"), Some(&obs), None);
        assert_eq!(st, 200);
        assert_eq!(v["type"], "snapshot");
        assert_eq!(v["assets"].as_array().unwrap().len(), 6);
        assert!(v["launchers"].as_array().unwrap().len() >= 4);
        // Observers may not decide; operators may (404: no such engagement yet).
        let approve = format!("{base}/api/engagements/1/approve");
        assert_eq!(call("POST", &approve, Some(&obs), Some(json!({}))).0, 403);
        assert_eq!(call("POST", &approve, Some(&op), Some(json!({}))).0, 404);
        let reject = format!("{base}/api/engagements/1/reject");
        assert_eq!(
            call("POST", &reject, Some(&op), Some(json!({"reason": " "}))).0,
            400
        );
        assert_eq!(
            call(
                "POST",
                &reject,
                Some(&op),
                Some(json!({"reason": "x".repeat(501)}))
            )
            .0,
            400
        );
        // Unknown fields are refused.
        assert_eq!(
            call("POST", &approve, Some(&op), Some(json!({"launch": true}))).0,
            422
        );
        // Admin only.
        let control = format!("{base}/api/control");
        assert_eq!(
            call("POST", &control, Some(&op), Some(json!({"speed": 2.0}))).0,
            403
        );
        let (st, v) = call("POST", &control, Some(&admin), Some(json!({"speed": 2.0})));
        assert_eq!((st, v["speed"].as_f64()), (200, Some(2.0)));
        assert_eq!(
            call("POST", &control, Some(&admin), Some(json!({"speed": -1.0}))).0,
            400
        );
        assert_eq!(
            call("GET", &format!("{base}/api/users"), Some(&op), None).0,
            403
        );
        let (st, v) = call(
            "POST",
            &format!("{base}/api/users"),
            Some(&admin),
            Some(
                json!({"username": "watch2", "password": "a long enough one", "role": "observer"}),
            ),
        );
        assert_eq!(st, 200, "{v}");
        // Body size limit.
        let big = json!({"comment": "y".repeat(70_000)});
        assert_eq!(call("POST", &approve, Some(&op), Some(big)).0, 413);
        // Every documented path exists: GETs answer 200 (or 400/404 for missing parameters),
        // POSTs anything but 404/405 (the fallback) for a valid admin token.
        let doc: Value = serde_json::from_str(tessera_server::OPENAPI).unwrap();
        for (path, ops) in doc["paths"].as_object().unwrap() {
            if path == "/api/stream" || path == "/api/logout" {
                continue;
            }
            let url = format!("{base}{}", path.replace("{id}", "1"));
            for m in ops.as_object().unwrap().keys() {
                let (st, v) = match m.as_str() {
                    "get" => call("GET", &url, Some(&admin), None),
                    _ => call("POST", &url, Some(&admin), Some(json!({}))),
                };
                let body_404 = v
                    .get("error")
                    .is_some_and(|e| e.as_str().unwrap_or("").starts_with("no endpoint"));
                assert!(st != 405 && !body_404, "{m} {path}: {st} {v}");
                if m == "get" && path != "/api/tracks/{id}" && path != "/api/picture/at" {
                    assert_eq!(st, 200, "{m} {path}: {v}");
                }
            }
        }
        // And an undocumented API path is a 404 with a JSON error.
        let (st, v) = call("GET", &format!("{base}/api/nothing"), Some(&admin), None);
        assert_eq!(st, 404);
        assert!(v["error"].is_string());
        // Logout revokes the token.
        assert_eq!(
            call("POST", &format!("{base}/api/logout"), Some(&obs), None).0,
            200
        );
        assert_eq!(
            call("GET", &format!("{base}/api/me"), Some(&obs), None).0,
            401
        );
        // The page.
        let (st, v) = call("GET", &format!("{base}/"), None, None);
        assert_eq!(st, 200);
        assert!(v.as_str().unwrap().contains("<html") || v.as_str().unwrap().contains("<!doctype"));
    })
    .await
    .unwrap();
    s.handle.shutdown();
    std::fs::remove_dir_all(&s.dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_sends_a_snapshot_then_deltas_and_refuses_bad_tokens() {
    let s = server("ws").await;
    let tok = {
        let s2 = Arc::new(Server {
            base: s.base.clone(),
            creds: s.creds.clone(),
            handle: s.handle.clone(),
            dir: s.dir.clone(),
        });
        tokio::task::spawn_blocking(move || login(&s2, "observer"))
            .await
            .unwrap()
    };
    let ws_base = s.base.replace("http://", "ws://");
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("{ws_base}/api/stream?token={tok}"))
        .await
        .unwrap();
    let first = ws.next().await.unwrap().unwrap();
    let v: Value = serde_json::from_str(first.to_text().unwrap()).unwrap();
    assert_eq!(v["type"], "snapshot");
    let v0 = v["version"].as_u64().unwrap();
    // A tick makes a delta with the next version.
    let epoch = tessera_sim::world::default_world().scenario.epoch.clone();
    assert!(!epoch.is_empty());
    s.handle
        .control(Input::Tick {
            t_ns: 1_704_103_201_000_000_000,
        })
        .await
        .unwrap();
    let next = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let d: Value = serde_json::from_str(next.to_text().unwrap()).unwrap();
    assert_eq!(d["type"], "delta");
    assert_eq!(d["version"].as_u64().unwrap(), v0 + 1);
    assert!(d["sensors"].as_array().is_some_and(|a| !a.is_empty()));
    // A bad token: the upgrade succeeds, then a close frame with code 4401.
    let (mut bad, _) = tokio_tungstenite::connect_async(format!("{ws_base}/api/stream?token=nope"))
        .await
        .unwrap();
    match bad.next().await {
        Some(Ok(tokio_tungstenite::tungstenite::Message::Close(Some(f)))) => {
            assert_eq!(u16::from(f.code), 4401)
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
    s.handle.shutdown();
    std::fs::remove_dir_all(&s.dir).ok();
}
