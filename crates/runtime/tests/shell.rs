//! The shell on the default scenario's site: inputs offered and sent reach the core in order,
//! every one is journaled and committed, operator actions are answered after their commit, and
//! deltas are broadcast with consecutive versions.

use std::sync::Arc;
use tessera_runtime::clock::Clock;
use tessera_runtime::journal::JournalReader;
use tessera_runtime::shell::{ShellConfig, start};
use tessera_runtime::workflow::ActionError;
use tessera_runtime::{Core, Input, OperatorAction, Role, SiteConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inputs_are_journaled_and_deltas_numbered() {
    let dir = std::env::temp_dir().join(format!("tessera-shell-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("j.sqlite");
    let _ = std::fs::remove_file(&path);
    let site = SiteConfig::from_world(&tessera_sim::world::default_world()).unwrap();
    let epoch = site.epoch_unix_ns;
    let clock = Arc::new(Clock::new(epoch, 1.0));
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
    std::fs::remove_dir_all(&dir).ok();
}
