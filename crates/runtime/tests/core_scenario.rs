//! The core on the embedded default scenario: the simulator's CAT048 recording of all radars
//! and its CAT021 ADS-B reports, fed block by block in time order with a tick every second.
//! Checks the composite picture (tracks, identities, classes), that recommendations appear for
//! the raid and that nothing is ordered to a fire unit before an operator approves, and that
//! the whole run is deterministic (same digests twice).

use std::path::Path;
use tessera_domain::Identity;
use tessera_runtime::workflow::EngagementStatus;
use tessera_runtime::{Core, Input, OperatorAction, Role, SiteConfig};
use tessera_sim::world::{config::Doctrine, default_world, simulate};

/// Splits a raw ASTERIX stream into blocks with their first record's time of day.
fn blocks(path: &Path) -> Vec<(f64, Vec<u8>)> {
    let data = std::fs::read(path).unwrap();
    let mut out = Vec::new();
    let mut at = 0;
    while at + 3 <= data.len() {
        let len = usize::from(u16::from_be_bytes([data[at + 1], data[at + 2]]));
        assert!(len >= 3 && at + len <= data.len());
        let block = data[at..at + len].to_vec();
        let b = tessera_asterix::decode_block(&block).unwrap();
        let tod = b
            .records
            .iter()
            .filter_map(
                |r| match tessera_asterix::typed::TypedRecord::from_record(r) {
                    Ok(Some(tessera_asterix::typed::TypedRecord::Cat048(p))) => p.time_of_day,
                    Ok(Some(tessera_asterix::typed::TypedRecord::Cat021(p))) => p.time_of_day,
                    _ => None,
                },
            )
            .fold(f64::NAN, f64::max);
        if tod.is_finite() {
            out.push((tod, block));
        }
        at += len;
    }
    out
}

struct Run {
    digests: Vec<u64>,
    core: Core,
    orders_before_approval: usize,
    orders_after_approval: usize,
    approved: Option<u64>,
}

fn run(duration_s: f64, dir: &Path) -> Run {
    let mut world = default_world();
    world.scenario.duration_s = duration_s;
    world.engagement.doctrine = Doctrine::None;
    world.output.truth_period_s = 5.0;
    world.output.scenario_jsonl = false;
    world.output.sbs = false;
    simulate(&world, dir).unwrap();
    let site = SiteConfig::from_world(&world).unwrap();
    let epoch = site.epoch_unix_ns;
    let tod0 = 36_000.0; // 10:00:00 UTC, the default scenario's epoch
    let mut all: Vec<(f64, Vec<u8>)> = blocks(&dir.join("radars.cat048"));
    all.extend(blocks(&dir.join("adsb.cat021")));
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut core = Core::new(site).unwrap();
    let mut digests = Vec::new();
    let mut next_tick = 1.0;
    let mut orders_before = 0;
    let mut orders_after = 0;
    let mut approved = None;
    let t_ns = |t: f64| epoch + (t * 1e9) as i64;
    let (mut in_data, mut in_tick) = (0.0f64, 0.0f64);
    let mut prev_tracks = std::collections::BTreeSet::<u64>::new();
    for (tod, block) in all {
        let t = tod - tod0;
        while t >= next_tick {
            let sw = std::time::Instant::now();
            let fx = core.apply(&Input::Tick {
                t_ns: t_ns(next_tick),
            });
            in_tick += sw.elapsed().as_secs_f64();
            if std::env::var("CORE_PLAN_DEBUG").is_ok()
                && let Some(p) = core.standing_plan()
            {
                let now: std::collections::BTreeSet<u64> =
                    p.entries.iter().map(|e| e.track.0).collect();
                for t in prev_tracks.difference(&now) {
                    let why = p
                        .not_engaged
                        .iter()
                        .find(|x| x.0.0 == *t)
                        .map_or("not assessed".to_string(), |x| x.1.clone());
                    eprintln!("t={next_tick}: track {t} dropped: {why}");
                }
                prev_tracks = now;
            }
            if (next_tick as i64) % 20 == 0 {
                eprintln!(
                    "t={next_tick} data {in_data:.2}s ticks {in_tick:.2}s {:?}",
                    core.last_plan()
                );
            }
            digests.push(fx.cycle.unwrap().digest);
            if approved.is_some() {
                orders_after += fx.orders.len();
            } else {
                orders_before += fx.orders.len();
            }
            // Approve the first recommendation once one exists.
            if approved.is_none() {
                let rec = core
                    .workflow()
                    .records()
                    .find(|r| r.status == EngagementStatus::Recommended)
                    .map(|r| r.id);
                if let Some(id) = rec {
                    let fx = core.apply(&Input::Operator {
                        t_ns: t_ns(next_tick),
                        user: "op".into(),
                        role: Role::Operator,
                        action: OperatorAction::Approve {
                            engagement: id,
                            comment: None,
                        },
                    });
                    assert_eq!(
                        fx.reply.unwrap().unwrap().status,
                        EngagementStatus::Approved
                    );
                    orders_after += fx.orders.len();
                    approved = Some(id);
                }
            }
            next_tick += 1.0;
        }
        let sw = std::time::Instant::now();
        core.apply(&Input::Asterix {
            source: 1,
            recv_ns: t_ns(t + 0.05),
            data: block,
        });
        in_data += sw.elapsed().as_secs_f64();
    }
    Run {
        digests,
        core,
        orders_before_approval: orders_before,
        orders_after_approval: orders_after,
        approved,
    }
}

#[test]
fn default_scenario_through_the_core() {
    let base = std::env::temp_dir().join(format!("tessera-core-{}", std::process::id()));
    let secs = std::env::var("CORE_S").map_or(200.0, |v| v.parse().unwrap());
    let a = run(secs, &base.join("a"));
    let c = a.core.counters();
    eprintln!("{c:?}");
    assert!(c.plots > 10_000 && c.adsb_reports > 10_000, "{c:?}");
    assert_eq!(c.decode_errors, 0);
    assert_eq!(c.unknown_sensor, 0);
    let tracks: Vec<_> = a
        .core
        .picture()
        .tracks()
        .filter(|t| t.published())
        .collect();
    let count = |id: Identity| tracks.iter().filter(|t| t.track.identity == id).count();
    eprintln!(
        "{} tracks: friend {} neutral {} hostile {} suspect {} unknown {} pending {}",
        tracks.len(),
        count(Identity::Friend),
        count(Identity::Neutral),
        count(Identity::Hostile),
        count(Identity::Suspect),
        count(Identity::Unknown),
        count(Identity::Pending)
    );
    assert!(tracks.len() >= 150, "{} tracks", tracks.len());
    assert!(count(Identity::Neutral) >= 120);
    assert!(count(Identity::Friend) >= 3);
    // Nothing fires without an approval.
    assert_eq!(a.orders_before_approval, 0);
    if a.approved.is_some() {
        assert!(a.core.counters().approvals == 1);
    }
    eprintln!(
        "plan: {:?}, approved {:?}, orders after {}",
        a.core.last_plan(),
        a.approved,
        a.orders_after_approval
    );
    // Identity and class against the truth at the end: each published track is matched to
    // the nearest live truth object within 1.5 km.
    let truth = std::fs::read_to_string(base.join("a/truth.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = truth
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let t_last = rows
        .iter()
        .map(|r| r["t_s"].as_f64().unwrap())
        .fold(0.0, f64::max);
    let last: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["t_s"].as_f64() == Some(t_last))
        .collect();
    let now = a.core.now();
    let dt = now.seconds_since(tessera_domain::Timestamp(a.core.site().epoch_unix_ns)) - t_last;
    let mut confusion = std::collections::BTreeMap::<(String, String), usize>::new();
    let mut class_ok = std::collections::BTreeMap::<String, (usize, usize)>::new();
    for v in a.core.picture().views(Some(now), false) {
        let best = last
            .iter()
            .map(|r| {
                let (la, lo) = (
                    r["lat_deg"].as_f64().unwrap(),
                    r["lon_deg"].as_f64().unwrap(),
                );
                let vel = r["vel"].as_array().unwrap();
                let dn =
                    (v.lat_deg - la).to_radians() * 6_371_000.0 - vel[1].as_f64().unwrap() * dt;
                let de = (v.lon_deg - lo).to_radians() * 6_371_000.0 * la.to_radians().cos()
                    - vel[0].as_f64().unwrap() * dt;
                ((dn * dn + de * de).sqrt(), r)
            })
            .min_by(|x, y| x.0.total_cmp(&y.0));
        let Some((d, r)) = best else { continue };
        if d > 1_500.0 {
            continue;
        }
        let aff = r["affiliation"].as_str().unwrap().to_string();
        let id = serde_json::to_value(v.identity)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        *confusion.entry((aff.clone(), id)).or_default() += 1;
        let truth_class = r["class"].as_str().unwrap();
        let ours = serde_json::to_value(v.class)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        let expected = match truth_class {
            "ballistic" => "ballistic_missile",
            "cruise" => "cruise_missile",
            "aircraft" => "fixed_wing",
            "drone" => "drone",
            "rocket" => "rocket",
            _ => "",
        };
        let e = class_ok.entry(truth_class.to_string()).or_default();
        e.1 += 1;
        if ours == expected {
            e.0 += 1;
        }
    }
    eprintln!(
        "identity (truth affiliation, ours): {confusion:#?}\nclass (right, of): {class_ok:#?}"
    );
    let share = |aff: &str, ok: &[&str]| {
        let total: usize = confusion
            .iter()
            .filter(|(k, _)| k.0 == aff)
            .map(|(_, n)| n)
            .sum();
        let good: usize = confusion
            .iter()
            .filter(|(k, _)| k.0 == aff && ok.contains(&k.1.as_str()))
            .map(|(_, n)| n)
            .sum();
        (good as f64 / total.max(1) as f64, total)
    };
    // A civil aircraft without a transponder (about 3 % of the traffic) is rightly unknown.
    let (neutral, n_neutral) = share("neutral", &["neutral"]);
    let (neutral_or_unknown, _) = share("neutral", &["neutral", "unknown"]);
    let (friend, n_friend) = share("friendly", &["friend"]);
    let (hostile, n_hostile) = share("hostile", &["hostile", "suspect"]);
    assert!(
        n_neutral >= 100 && neutral >= 0.9,
        "neutral {neutral} of {n_neutral}"
    );
    assert!(
        neutral_or_unknown >= 0.99,
        "neutral or unknown {neutral_or_unknown}"
    );
    assert!(
        n_friend >= 3 && friend >= 0.99,
        "friend {friend} of {n_friend}"
    );
    assert!(
        n_hostile >= 10 && hostile >= 0.8,
        "hostile {hostile} of {n_hostile}"
    );
    // Nobody cooperative is called hostile.
    assert!(
        !confusion
            .keys()
            .any(|(aff, id)| aff != "hostile" && id == "hostile"),
        "{confusion:?}"
    );
    let (ok, of) = class_ok.get("aircraft").copied().unwrap_or_default();
    assert!(
        ok as f64 >= 0.9 * of as f64,
        "aircraft classed right {ok} of {of}"
    );

    // Recommendations are stable: most are not replaced by the next plans.
    let recs: Vec<_> = a.core.workflow().records().collect();
    let replaced = recs
        .iter()
        .filter(|r| {
            r.comment
                .as_deref()
                .is_some_and(|c| c.starts_with("replaced"))
        })
        .count();
    let mut why = std::collections::BTreeMap::<String, usize>::new();
    for r in &recs {
        *why.entry(format!(
            "{:?} {}",
            r.status,
            r.comment.clone().unwrap_or_default()
        ))
        .or_default() += 1;
    }
    eprintln!("{} records, {replaced} replaced: {why:#?}", recs.len());
    // Deterministic.
    let b = run(secs, &base.join("b"));
    assert_eq!(a.digests, b.digests);
    std::fs::remove_dir_all(&base).ok();
}
