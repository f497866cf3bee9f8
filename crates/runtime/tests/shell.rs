//! The shell on the default scenario's site: inputs offered and sent reach the core in order,
//! every one is journaled and committed, operator actions are answered after their commit, and
//! deltas are broadcast with consecutive versions.

use std::sync::Arc;
use tessera_runtime::clock::Clock;
use tessera_runtime::journal::JournalReader;
use tessera_runtime::shell::{ShellConfig, start};
use tessera_runtime::workflow::ActionError;
use tessera_runtime::{Core, Input, OperatorAction, Role, SiteConfig};

/// A fresh journal path under a per-test temporary directory, the default scenario's site and
/// a real-time clock at its epoch.
fn default_site(tag: &str) -> (std::path::PathBuf, SiteConfig, Arc<Clock>) {
    let dir = std::env::temp_dir().join(format!("tessera-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("j.sqlite");
    let _ = std::fs::remove_file(&path);
    let site = SiteConfig::from_world(&tessera_sim::world::default_world()).unwrap();
    let clock = Arc::new(Clock::new(site.epoch_unix_ns, 1.0));
    (path, site, clock)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inputs_are_journaled_and_deltas_numbered() {
    let (path, site, clock) = default_site("shell");
    let epoch = site.epoch_unix_ns;
    let (handle, thread) = start(
        Core::new(site).unwrap(),
        &ShellConfig::new(&path),
        clock,
        None,
    )
    .unwrap();
    let mut deltas = handle.deltas.subscribe();
    for k in 1..=20i64 {
        handle
            .control(Input::Tick {
                t_ns: epoch + k * 1_000_000_000,
            })
            .await
            .unwrap();
        assert!(handle.offer(
            "test",
            Input::Asterix {
                source: 1,
                recv_ns: epoch + k * 1_000_000_000,
                data: vec![48, 0, 3],
            }
        ));
    }
    // An operator action on a record that does not exist: refused, but journaled.
    let r = handle
        .operator(
            "op",
            Role::Operator,
            OperatorAction::Approve {
                engagement: 77,
                comment: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(r, Err(ActionError::NotFound(77)));
    // After the answer the action is committed.
    let j = handle.journal.borrow().clone();
    assert_eq!(j.actions, 1, "{j:?}");
    let mut last = 0;
    while let Ok(Ok(d)) =
        tokio::time::timeout(std::time::Duration::from_millis(300), deltas.recv()).await
    {
        let v: serde_json::Value = serde_json::from_str(&d).unwrap();
        let version = v["version"].as_u64().unwrap();
        if last > 0 {
            assert_eq!(version, last + 1);
        }
        last = version;
    }
    assert!(last >= 2, "deltas seen up to {last}");
    let n = handle.query(|c| c.core.counters().inputs).await.unwrap();
    assert_eq!(n, 41);
    handle.shutdown();
    drop(handle);
    thread.join().unwrap();
    let reader = JournalReader::open(&path).unwrap();
    let run = reader.runs().unwrap()[0];
    let counts = reader.counts(run).unwrap();
    assert_eq!(counts.inputs, 41, "{counts:?}");
    assert_eq!(counts.actions, 1);
    assert_eq!(reader.cycles(run).unwrap().len(), 20);
    std::fs::remove_dir_all(path.parent().unwrap()).ok();
}

/// Under overload the picture stays current: offered (UDP) data that waited in the queue longer
/// than the shell's `max_data_age` is dropped unapplied and counted as stale, never journaled;
/// data sent with back-pressure (TCP, replay) is never shed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_offered_data_is_shed_and_counted() {
    let (path, site, clock) = default_site("shed");
    let epoch = site.epoch_unix_ns;
    let mut cfg = ShellConfig::new(&path);
    cfg.max_data_age = Some(std::time::Duration::from_millis(50));
    let (handle, thread) = start(Core::new(site).unwrap(), &cfg, clock, None).unwrap();
    let block = |k: i64| Input::Asterix {
        source: 1,
        recv_ns: epoch + k,
        data: vec![48, 0, 3],
    };
    // Keep the core busy for 300 ms while data queues up behind it.
    let busy = {
        let h = handle.clone();
        tokio::spawn(async move {
            h.query(|_| std::thread::sleep(std::time::Duration::from_millis(300)))
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    for k in 0..10 {
        assert!(handle.offer("udp", block(k)));
    }
    handle.send("tcp", block(10)).await.unwrap();
    busy.await.unwrap().unwrap();
    // Fresh data after the stall is applied.
    for k in 11..14 {
        assert!(handle.offer("udp", block(k)));
    }
    let applied = loop {
        let n = handle.query(|c| c.core.counters().inputs).await.unwrap();
        if n >= 4 {
            break n;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    assert_eq!(applied, 4, "the TCP block and the three fresh datagrams");
    assert_eq!(handle.dropped(), 10);
    let text = handle.metrics.render();
    assert!(
        text.contains("tessera_dropped_total{name=\"stale\"} 10"),
        "{text}"
    );
    handle.shutdown();
    drop(handle);
    thread.join().unwrap();
    let reader = JournalReader::open(&path).unwrap();
    let run = reader.runs().unwrap()[0];
    assert_eq!(reader.counts(run).unwrap().inputs, 4);
    std::fs::remove_dir_all(path.parent().unwrap()).ok();
}
