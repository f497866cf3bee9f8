//! The steppable world as the live system drives it: step timing, the step outputs against the
//! batch files, the `external` doctrine (nothing fires without an order), engagement orders
//! aimed at track kinematics (lock onto the right truth object, outcome events carrying the
//! order id, a kill removing the target), orders at empty air (abort at maximum flight time),
//! typed refusals that change nothing, and determinism.

use tessera_asterix::decode_stream;
use tessera_asterix::typed::Cat048Plot;
use tessera_sim::world::config::{Affiliation, ObjectClass};
use tessera_sim::world::{
    AbortReason, Doctrine, EngagementEvent, EngagementOrder, EngagementRefused, MissReason,
    TruthState, World, WorldConfig, default_world, simulate,
};

fn external() -> WorldConfig {
    let mut c = default_world();
    c.engagement.doctrine = Doctrine::External;
    c
}

/// Steps until `t` (scenario seconds), returning all events.
fn run_to(w: &mut World, t: f64) -> Vec<EngagementEvent> {
    let mut ev = Vec::new();
    while w.time_s() < t - 1e-9 && !w.finished() {
        ev.extend(w.step().events);
    }
    ev
}

fn order(id: u64, launcher: &str, pos: [f64; 3], vel: [f64; 3], t: f64) -> EngagementOrder {
    EngagementOrder {
        order_id: id,
        launcher: launcher.into(),
        rounds: 1,
        aim_position_m: pos,
        aim_velocity_mps: vel,
        aim_time_s: t,
    }
}

fn find<'a>(truth: &'a [TruthState], name: &str) -> &'a TruthState {
    truth.iter().find(|t| t.name == name).unwrap()
}

#[test]
fn steps_advance_time_and_end_at_the_duration() {
    let mut c = default_world();
    c.scenario.duration_s = 5.0;
    let mut w = World::new(&c).unwrap();
    assert_eq!(w.time_s(), 0.0);
    assert_eq!(w.step_s(), 0.25);
    // 2024-01-01T10:00:00Z.
    assert_eq!(w.epoch_unix_ns(), 1_704_103_200_000_000_000);
    let (lat, lon) = w.frame().origin_deg();
    assert!((lat - 10.0).abs() < 1e-9 && (lon + 30.0).abs() < 1e-9);
    // Threats launched before t = 0 are already flying at t = 0.
    assert!(
        w.truth()
            .iter()
            .any(|t| t.class == ObjectClass::Drone && t.affiliation == Affiliation::Hostile)
    );
    let mut n = 0;
    while !w.finished() {
        let s = w.step();
        assert_eq!(s.t_s, 0.25 * f64::from(n));
        assert_eq!(s.t1_s, s.t_s + 0.25);
        for (sensor, bytes) in &s.cat048 {
            let (recs, errs) = decode_stream(bytes);
            assert!(errs.is_empty() && !recs.is_empty());
            for r in &recs {
                let p = Cat048Plot::from_record(r).unwrap();
                assert_eq!(
                    u32::from(p.sic),
                    *sensor,
                    "SIC = sensor id in this scenario"
                );
                let tod = p.time_of_day.unwrap() - 36_000.0;
                assert!(tod >= s.t_s - 0.01 && tod < s.t1_s + 0.01, "plot at {tod}");
            }
        }
        for c in &s.cues {
            assert!(c.t_s >= s.t_s && c.t_s < s.t1_s);
        }
        n += 1;
    }
    assert_eq!(n, 20);
    assert_eq!(w.time_s(), 5.0);
    // After the end a step is empty and changes nothing.
    let s = w.step();
    assert!(s.cat048.is_empty() && s.events.is_empty() && s.truth_lines.is_empty());
    assert_eq!(w.time_s(), 5.0);
}

#[test]
fn step_outputs_are_the_batch_files() {
    let mut c = default_world();
    c.scenario.duration_s = 20.0;
    let dir = std::env::temp_dir().join(format!("tessera-orders-{}-batch", std::process::id()));
    simulate(&c, &dir).unwrap();
    let mut w = World::new(&c).unwrap();
    let (mut cat048, mut cat021, mut sbs, mut truth, mut scen) = (
        Vec::<u8>::new(),
        Vec::<u8>::new(),
        String::new(),
        String::new(),
        String::new(),
    );
    scen.push_str(&w.scenario_header().unwrap());
    while !w.finished() {
        let s = w.step();
        s.cat048
            .iter()
            .for_each(|(_, b)| cat048.extend_from_slice(b));
        s.cat021
            .iter()
            .for_each(|(_, b)| cat021.extend_from_slice(b));
        sbs.push_str(&s.sbs);
        truth.push_str(&s.truth_lines);
        scen.push_str(&s.scenario_lines);
    }
    assert!(cat048 == std::fs::read(dir.join("radars.cat048")).unwrap());
    assert!(cat021 == std::fs::read(dir.join("adsb.cat021")).unwrap());
    assert!(sbs == std::fs::read_to_string(dir.join("adsb.sbs")).unwrap());
    assert!(truth == std::fs::read_to_string(dir.join("truth.jsonl")).unwrap());
    assert!(scen == std::fs::read_to_string(dir.join("scenario.jsonl")).unwrap());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn external_doctrine_fires_only_on_orders() {
    // The strike package is detected from about 60 s: `auto` fires at it at once, `external`
    // waits for an order.
    let mut auto = World::new(&default_world()).unwrap();
    let launches = |ev: &[EngagementEvent]| {
        ev.iter()
            .filter(|e| matches!(e, EngagementEvent::Launch { .. }))
            .count()
    };
    assert!(launches(&run_to(&mut auto, 150.0)) > 0);
    let mut w = World::new(&external()).unwrap();
    assert_eq!(launches(&run_to(&mut w, 150.0)), 0);
    assert!(
        w.launchers()
            .iter()
            .all(|l| l.inventory == l.inventory_start)
    );
}

/// A track of `name`: its truth `age` s ago, 250 m off.
fn track_of(w: &World, name: &str, age: f64) -> ([f64; 3], [f64; 3], f64) {
    let truth = w.truth();
    let t = find(&truth, name);
    let p = std::array::from_fn(|k| t.pos[k] - t.vel[k] * age + [250.0, -150.0, 50.0][k]);
    (p, t.vel, w.time_s() - age)
}

#[test]
fn an_order_locks_onto_the_tracked_threat_and_reports_its_outcome() {
    let mut w = World::new(&external()).unwrap();
    run_to(&mut w, 90.0);
    let (p, v, t) = track_of(&w, "Strike-1", 1.0);
    let target_id = find(&w.truth(), "Strike-1").id;
    let before = w
        .launchers()
        .into_iter()
        .find(|l| l.name == "LR-1")
        .unwrap();
    let ids = w.order_engagement(order(41, "LR-1", p, v, t)).unwrap();
    assert_eq!(ids.len(), 1);
    let after = w
        .launchers()
        .into_iter()
        .find(|l| l.name == "LR-1")
        .unwrap();
    assert_eq!(after.inventory, before.inventory - 1);
    assert_eq!((after.busy_channels, after.in_flight), (1, 1));
    assert!(!after.ready, "reloading");
    assert!(
        w.truth()
            .iter()
            .any(|t| t.id == ids[0] && t.class == ObjectClass::Interceptor)
    );
    let s = w.step();
    let Some(EngagementEvent::Launch {
        order_id,
        target,
        interceptor,
        tof_s,
        ..
    }) = s.events.first()
    else {
        panic!("no launch event first: {:?}", s.events);
    };
    assert_eq!(
        (*order_id, *target, *interceptor),
        (Some(41), Some(target_id), ids[0])
    );
    assert!(*tof_s > 5.0 && *tof_s < 120.0, "time of flight {tof_s}");
    // Fly it out.
    let mut outcome = None;
    while outcome.is_none() && !w.finished() {
        outcome = w
            .step()
            .events
            .into_iter()
            .find(|e| e.order_id() == Some(41));
    }
    match outcome.expect("an outcome") {
        EngagementEvent::Kill {
            target, t_s, pos, ..
        } => {
            assert_eq!(target, target_id);
            assert!(t_s > 90.0 && t_s < 90.0 + 1.5 * tof_s + 10.0);
            assert!(
                pos[2] < 1000.0,
                "intercepted the low-level aircraft at {pos:?}"
            );
            assert!(w.truth().iter().all(|t| t.id != target_id), "killed");
        }
        EngagementEvent::Miss { target, reason, .. } => {
            assert_eq!(target, Some(target_id));
            assert_eq!(reason, MissReason::EndGame, "guided to the end-game");
        }
        e => panic!("unexpected outcome {e:?}"),
    }
    let l = w
        .launchers()
        .into_iter()
        .find(|l| l.name == "LR-1")
        .unwrap();
    assert_eq!((l.busy_channels, l.in_flight), (0, 0));
}

#[test]
fn an_order_at_empty_air_aborts_at_its_maximum_flight_time() {
    let mut w = World::new(&external()).unwrap();
    run_to(&mut w, 10.0);
    // 30 km north of LR-1 (at [-20000, 20000, 0]), 5 km up, nobody within the gate.
    let aim = [-20000.0, 50000.0, 5000.0];
    assert!(w.truth().iter().all(|t| {
        let d = (0..3).map(|k| (t.pos[k] - aim[k]).powi(2)).sum::<f64>();
        d.sqrt() > 3000.0
    }));
    let ids = w
        .order_engagement(order(7, "LR-1", aim, [0.0; 3], 10.0))
        .unwrap();
    let mut ev = Vec::new();
    while !w.finished()
        && !ev.iter().any(|e: &EngagementEvent| {
            e.order_id() == Some(7) && !matches!(e, EngagementEvent::Launch { .. })
        })
    {
        ev.extend(w.step().events);
    }
    let launch = ev
        .iter()
        .find(|e| matches!(e, EngagementEvent::Launch { .. }))
        .unwrap();
    let EngagementEvent::Launch { target, tof_s, .. } = launch else {
        unreachable!()
    };
    assert_eq!(*target, None, "nothing to lock onto");
    let end = ev.last().unwrap();
    let EngagementEvent::Abort {
        t_s,
        reason,
        interceptor,
        pos,
        ..
    } = end
    else {
        panic!("expected an abort, got {end:?}");
    };
    assert_eq!((*reason, *interceptor), (AbortReason::NoTarget, ids[0]));
    assert!(
        (*t_s - (10.0 + 1.5 * tof_s + 10.0)).abs() <= 0.5,
        "abort at {t_s}"
    );
    // It flew through the aim point and on: past it, on the far side from the launcher.
    assert!(pos[1] > aim[1] + 5000.0, "{pos:?}");
}

#[test]
fn refused_orders_are_typed_and_change_nothing() {
    let mut w = World::new(&external()).unwrap();
    run_to(&mut w, 90.0);
    let (p, v, t) = track_of(&w, "Strike-1", 0.0);
    let before = w.launchers();
    let refuse = |w: &mut World, o: EngagementOrder| w.order_engagement(o).unwrap_err();
    assert!(matches!(
        refuse(&mut w, order(1, "LR-9", p, v, t)),
        EngagementRefused::UnknownLauncher { .. }
    ));
    let mut o = order(1, "LR-1", p, v, t);
    o.rounds = 0;
    assert!(matches!(
        refuse(&mut w, o),
        EngagementRefused::BadOrder { .. }
    ));
    assert!(matches!(
        refuse(&mut w, order(1, "LR-1", [f64::NAN, 0.0, 0.0], v, t)),
        EngagementRefused::BadOrder { .. }
    ));
    let mut o = order(1, "LR-1", p, v, t);
    o.rounds = 9;
    assert_eq!(
        refuse(&mut w, o),
        EngagementRefused::NoInventory {
            launcher: "LR-1".into(),
            left: 8,
            asked: 9
        }
    );
    // 400 km south: beyond the 120 km of the Long-Range SAM.
    let e = refuse(&mut w, order(1, "LR-1", [0.0, -400e3, 9000.0], [0.0; 3], t));
    assert!(
        matches!(&e, EngagementRefused::OutOfEnvelope { message, .. } if message.contains("maximum range")),
        "{e}"
    );
    // Above the ceiling.
    let e = refuse(&mut w, order(1, "LR-1", [-20e3, 60e3, 40e3], [0.0; 3], t));
    assert!(
        matches!(&e, EngagementRefused::OutOfEnvelope { message, .. } if message.contains("ceiling")),
        "{e}"
    );
    // The ballistic-missile defence cannot reach a low-level aircraft.
    assert!(matches!(
        refuse(&mut w, order(1, "BMD-1", p, v, t)),
        EngagementRefused::OutOfEnvelope { .. }
    ));
    assert_eq!(w.launchers(), before, "refusals change nothing");
    // One channel, reload 1 s: a second order while the first flies is refused.
    let aim = [1500.0, 6000.0, 1000.0];
    w.order_engagement(order(2, "PD-1", aim, [0.0; 3], t))
        .unwrap();
    let e = refuse(&mut w, order(3, "PD-1", aim, [0.0; 3], t));
    assert!(
        matches!(&e, EngagementRefused::NotReady { message, .. } if message.contains("busy")),
        "{e}"
    );
    let l = w
        .launchers()
        .into_iter()
        .find(|l| l.name == "SR-1")
        .unwrap();
    assert_eq!(l.reload_left_s, 0.0);
    let aim = [5000.0, 12000.0, 2000.0];
    w.order_engagement(order(4, "SR-1", aim, [0.0; 3], t))
        .unwrap();
    let e = refuse(&mut w, order(5, "SR-1", aim, [0.0; 3], t));
    assert!(
        matches!(&e, EngagementRefused::NotReady { message, .. } if message.contains("reloading")),
        "{e}"
    );
    // Doctrine "none": no engagements at all.
    let mut c = default_world();
    c.engagement.doctrine = Doctrine::None;
    let mut w = World::new(&c).unwrap();
    assert_eq!(
        w.order_engagement(order(1, "LR-1", p, v, 0.0)),
        Err(EngagementRefused::Disabled)
    );
    // The refusal serialises with its reason, for the live system's journal.
    let j = serde_json::to_value(EngagementRefused::Disabled).unwrap();
    assert_eq!(j["reason"], "disabled");
}

#[test]
fn orders_are_deterministic_and_events_serialise() {
    let play = || {
        let mut w = World::new(&external()).unwrap();
        run_to(&mut w, 90.0);
        let (mut ids, mut ev) = (Vec::new(), Vec::new());
        // One Long-Range SAM unit (3 channels, reload 3 s) engages three aircraft in turn.
        for (k, name) in ["Strike-1", "Strike-2", "Strike-3"].iter().enumerate() {
            let (p, v, t) = track_of(&w, name, 0.5);
            ids.push(w.order_engagement(order(100 + k as u64, "LR-1", p, v, t)));
            let next = w.time_s() + 3.0;
            ev.extend(run_to(&mut w, next));
        }
        ev.extend(run_to(&mut w, 200.0));
        (ids, serde_json::to_string(&ev).unwrap())
    };
    let (a, b) = (play(), play());
    assert_eq!(a, b);
    let ev: Vec<serde_json::Value> = serde_json::from_str(&a.1).unwrap();
    let launches: Vec<&serde_json::Value> = ev.iter().filter(|e| e["event"] == "launch").collect();
    let ok = a.0.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 3, "{:?}", a.0);
    assert_eq!(launches.len(), ok);
    assert!(
        launches
            .iter()
            .all(|e| e["order_id"].as_u64().unwrap() >= 100)
    );
    // Every launched order is closed by a kill, miss or abort within 200 s.
    for l in launches {
        let id = &l["order_id"];
        assert!(
            ev.iter().any(|e| &e["order_id"] == id
                && ["kill", "miss", "abort"].contains(&e["event"].as_str().unwrap())),
            "order {id} not closed"
        );
    }
}

#[test]
fn doctrine_external_is_read_from_a_file_and_code_built_configs_are_validated() {
    let text =
        tessera_sim::world::DEFAULT_TOML.replace("doctrine = \"auto\"", "doctrine = \"external\"");
    let c = WorldConfig::from_toml_str(&text, std::path::Path::new("x.toml")).unwrap();
    assert_eq!(c.engagement.doctrine, Doctrine::External);
    // A configuration edited in code gets the file's checks, named by key path.
    let mut c = default_world();
    c.launchers[2].interceptor = "Laser".into();
    let e = World::new(&c).unwrap_err().to_string();
    assert!(
        e.contains("launcher[2].interceptor") && e.contains("Laser"),
        "{e}"
    );
    let mut c = default_world();
    c.aircraft[0].waypoints_m.clear();
    let e = World::new(&c).unwrap_err().to_string();
    assert!(e.contains("aircraft[0].waypoints_m"), "{e}");
    let mut c = default_world();
    c.scenario.step_s = 0.0;
    assert!(World::new(&c).is_err());
}
