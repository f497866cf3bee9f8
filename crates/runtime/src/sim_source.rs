//! The simulator as a live source: the scenario's world steps in scenario time on the run's
//! clock, its radars' CAT048 and its ADS-B receivers' CAT021 go to the core as received
//! data, and it is the fire units: fire orders of approved engagements are executed by the
//! world and its launch reports and outcomes come back as fire-unit inputs.
//!
//! Within one simulator step the records of all sensors are put into time order and regrouped
//! into short blocks of consecutive records of one sensor, which is how interleaved real-time
//! feeds arrive on a network (the simulator itself writes one block per radar per step).

use crate::core::FireOrder;
use crate::input::{FireUnitEvent, Input, Outcome};
use crate::shell::Handle;
use tessera_asterix::typed::TypedRecord;
use tessera_asterix::typed::encode_block;
use tessera_geo::{LocalTangentPlane, Position};
use tessera_sim::world::World;
use tessera_sim::world::engagement::{EngagementEvent, EngagementOrder};
use tokio::sync::mpsc;

/// How the simulator runs.
#[derive(Debug, Clone, Copy)]
pub struct SimOptions {
    /// Scenario seconds run as fast as the core takes them before real-time pacing starts.
    pub fast_forward_s: f64,
}

/// What the simulator did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SimReport {
    pub steps: u64,
    pub blocks: u64,
    pub orders: u64,
    pub refused: u64,
    pub launches: u64,
    pub impacts: u64,
}

/// One record: time of day, category, sensor id, raw bytes.
struct Rec {
    tod: f64,
    cat: u8,
    sensor: u32,
    bytes: Vec<u8>,
}

fn records(out: &mut Vec<Rec>, cat: u8, sensor: u32, blocks: &[u8]) {
    for r in tessera_asterix::BlockStream::new(blocks, 0).flatten() {
        let tod = match TypedRecord::from_record(&r) {
            Ok(Some(TypedRecord::Cat048(p))) => p.time_of_day,
            Ok(Some(TypedRecord::Cat021(p))) => p.time_of_day,
            _ => None,
        }
        .unwrap_or(f64::MAX);
        out.push(Rec {
            tod,
            cat,
            sensor,
            bytes: r.bytes.to_vec(),
        });
    }
}

/// Regroups records of several sensors into time-ordered blocks of one sensor each.
fn time_ordered_blocks(mut recs: Vec<Rec>) -> Vec<Vec<u8>> {
    recs.sort_by(|a, b| a.tod.total_cmp(&b.tod).then(a.sensor.cmp(&b.sensor)));
    let mut blocks = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut key: Option<(u8, u32)> = None;
    for r in recs {
        if key != Some((r.cat, r.sensor)) || cur.len() + r.bytes.len() > 60_000 {
            if let Some((cat, _)) = key
                && let Ok(b) = encode_block(cat, &cur)
            {
                blocks.push(b);
            }
            cur.clear();
            key = Some((r.cat, r.sensor));
        }
        cur.extend_from_slice(&r.bytes);
    }
    if let Some((cat, _)) = key
        && let Ok(b) = encode_block(cat, &cur)
    {
        blocks.push(b);
    }
    blocks
}

/// Runs the world until it finishes or the shell shuts down.
pub async fn run_sim(
    handle: Handle,
    mut world: World,
    system: LocalTangentPlane,
    mut orders: mpsc::Receiver<FireOrder>,
    opts: SimOptions,
) -> SimReport {
    let mut rep = SimReport::default();
    let mut stop = handle.shutdown_signal();
    let epoch = world.epoch_unix_ns();
    let source_id = 0;
    while !world.finished() {
        let t1 = world.time_s() + world.step_s();
        let due_ns = epoch + (t1 * 1e9).round() as i64;
        if t1 <= opts.fast_forward_s {
            handle.clock.advance_to(due_ns);
        }
        // Wait for the clock, taking orders meanwhile.
        loop {
            let now = handle.clock.now_ns();
            if now >= due_ns {
                break;
            }
            let wait = handle
                .clock
                .wall_until(due_ns)
                .unwrap_or(0.1)
                .clamp(0.0, 0.25);
            tokio::select! {
                _ = stop.changed() => return rep,
                o = orders.recv() => if let Some(o) = o {
                    execute(&handle, &mut world, &system, &o, &mut rep).await;
                },
                _ = tokio::time::sleep(std::time::Duration::from_secs_f64(wait)) => {}
            }
        }
        while let Ok(o) = orders.try_recv() {
            execute(&handle, &mut world, &system, &o, &mut rep).await;
        }
        let out = world.step();
        rep.steps += 1;
        let mut recs = Vec::new();
        for (id, b) in &out.cat048 {
            records(&mut recs, 48, *id, b);
        }
        for (id, b) in &out.cat021 {
            records(&mut recs, 21, *id, b);
        }
        for block in time_ordered_blocks(recs) {
            rep.blocks += 1;
            let input = Input::Asterix {
                source: source_id,
                recv_ns: handle.clock.now_ns(),
                data: block,
            };
            if handle.send("sim", input).await.is_err() {
                return rep;
            }
        }
        for ev in &out.events {
            let t_ns = handle.clock.now_ns();
            let fu = match ev {
                EngagementEvent::Launch {
                    order_id: Some(id),
                    launcher,
                    ..
                } => {
                    rep.launches += 1;
                    Some(FireUnitEvent::Launched {
                        engagement: *id,
                        launcher: launcher.clone(),
                        rounds: 1,
                    })
                }
                EngagementEvent::Kill {
                    order_id: Some(id), ..
                } => Some(FireUnitEvent::Outcome {
                    engagement: *id,
                    outcome: Outcome::Kill,
                }),
                EngagementEvent::Miss {
                    order_id: Some(id), ..
                } => Some(FireUnitEvent::Outcome {
                    engagement: *id,
                    outcome: Outcome::Miss,
                }),
                EngagementEvent::Abort {
                    order_id: Some(id), ..
                } => Some(FireUnitEvent::Outcome {
                    engagement: *id,
                    outcome: Outcome::Abort,
                }),
                EngagementEvent::Impact { asset, .. } => {
                    rep.impacts += 1;
                    Some(FireUnitEvent::AssetHit {
                        asset: asset.clone(),
                    })
                }
                _ => None,
            };
            if let Some(event) = fu
                && handle
                    .control(Input::FireUnit { t_ns, event })
                    .await
                    .is_err()
            {
                return rep;
            }
        }
    }
    rep
}

async fn execute(
    handle: &Handle,
    world: &mut World,
    system: &LocalTangentPlane,
    o: &FireOrder,
    rep: &mut SimReport,
) {
    rep.orders += 1;
    let to_flat = |p: [f64; 3]| -> Option<[f64; 3]> {
        let g = system
            .enu_to_geodetic(&Position::new(p[0], p[1], p[2]))
            .ok()?;
        Some(world.frame().flat(&g))
    };
    let epoch = world.epoch_unix_ns();
    let refused = |reason: String| FireUnitEvent::Refused {
        engagement: o.engagement,
        launcher: o.launcher.clone(),
        reason,
    };
    let event = match to_flat(o.aim_position) {
        None => Some(refused("aim point cannot be converted".into())),
        Some(pos) => {
            // The velocity in the flat frame: difference of two converted points 1 s apart.
            let ahead = [
                o.aim_position[0] + o.aim_velocity[0],
                o.aim_position[1] + o.aim_velocity[1],
                o.aim_position[2] + o.aim_velocity[2],
            ];
            let vel = to_flat(ahead).map_or(o.aim_velocity, |a| {
                [a[0] - pos[0], a[1] - pos[1], a[2] - pos[2]]
            });
            let order = EngagementOrder {
                order_id: o.engagement,
                launcher: o.launcher.clone(),
                rounds: o.rounds,
                aim_position_m: pos,
                aim_velocity_mps: vel,
                aim_time_s: (o.aim_t_ns - epoch) as f64 * 1e-9,
            };
            match world.order_engagement(order) {
                Ok(_) => None,
                Err(e) => {
                    rep.refused += 1;
                    Some(refused(e.to_string()))
                }
            }
        }
    };
    if let Some(event) = event {
        let _ = handle
            .control(Input::FireUnit {
                t_ns: handle.clock.now_ns(),
                event,
            })
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_of_two_sensors_come_out_in_time_order() {
        use tessera_asterix::typed::{Cat048Plot, encode_cat048};
        let plot = |sic: u8, tod: f64| Cat048Plot {
            sac: 1,
            sic,
            time_of_day: Some(tod),
            rho_nm: Some(10.0),
            theta_deg: Some(5.0),
            ..Default::default()
        };
        let a = encode_cat048(&[plot(1, 10.0), plot(1, 10.2)]).unwrap();
        let b = encode_cat048(&[plot(2, 10.1), plot(2, 10.3)]).unwrap();
        let mut recs = Vec::new();
        records(&mut recs, 48, 1, &a);
        records(&mut recs, 48, 2, &b);
        let blocks = time_ordered_blocks(recs);
        assert_eq!(blocks.len(), 4);
        let tods: Vec<f64> = blocks
            .iter()
            .flat_map(|b| {
                tessera_asterix::BlockStream::new(b, 0)
                    .flatten()
                    .filter_map(|r| match TypedRecord::from_record(&r) {
                        Ok(Some(TypedRecord::Cat048(p))) => p.time_of_day,
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(tods, vec![10.0, 10.1015625, 10.203125, 10.296875]);
    }
}
