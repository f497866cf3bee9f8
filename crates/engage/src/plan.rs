//! Engagement recommendations: threat evaluation → feasibility of every (launcher, interceptor
//! type, threat) → static WTA under doctrine → a plan whose every entry carries its reasons
//! (why this launcher, expected kill probability, expected leakage).
//!
//! A plan is a *recommendation*: nothing here engages anything. Turning an entry into an
//! engagement takes an authenticated operator action outside this crate.

use crate::doctrine::{Doctrine, DoctrineError};
use crate::feasibility::{
    Engagement, FeasibilityError, FireControlCriteria, InterceptorType, Launcher, engagement,
    fire_control_quality,
};
use crate::threat::{DefendedAsset, ThreatAssessment, ThreatError, ThreatParams, evaluate_threats};
use crate::wta::{Problem, SolveOptions, solve};
use nalgebra::Vector3;
use serde::{Deserialize, Serialize};
use tessera_domain::{SystemTrack, Timestamp, TrackId};
use thiserror::Error;

/// Any refusal of the recommendation pipeline.
#[derive(Debug, Error, PartialEq)]
pub enum PlanError {
    #[error(transparent)]
    Threat(#[from] ThreatError),
    #[error(transparent)]
    Feasibility(#[from] FeasibilityError),
    #[error(transparent)]
    Doctrine(#[from] DoctrineError),
}

/// Status of a recommendation: always awaiting the operator when produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Authorisation {
    AwaitingOperator,
}

/// One recommended engagement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanEntry {
    pub track: TrackId,
    pub launcher: u32,
    pub interceptor: String,
    pub rounds: u32,
    pub earliest_launch: Timestamp,
    pub latest_launch: Timestamp,
    pub intercept_point: Vector3<f64>,
    /// Probability that this entry's rounds kill the threat.
    pub expected_kill_probability: f64,
    /// Expected surviving threat value of this track after every entry on it.
    pub expected_leakage: f64,
    pub reasons: Vec<String>,
    pub authorisation: Authorisation,
}

/// A complete recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngagementPlan {
    pub time: Timestamp,
    pub entries: Vec<PlanEntry>,
    /// Threats not engaged, with the reason.
    pub not_engaged: Vec<(TrackId, String)>,
    /// Ranked threat evaluation the plan was built on.
    pub threats: Vec<ThreatAssessment>,
    /// Expected surviving threat value of the plan (lower is better).
    pub expected_surviving_value: f64,
    /// Lower bound on that value over all plans (optimality certificate).
    pub lower_bound: f64,
    pub proven_optimal: bool,
    /// Whether the standing plan was kept by hysteresis.
    pub kept_standing_plan: bool,
    pub reasons: Vec<String>,
}

/// Everything a recommendation needs.
#[derive(Debug, Clone)]
pub struct PlanInput<'a> {
    pub now: Timestamp,
    pub tracks: &'a [SystemTrack],
    pub assets: &'a [DefendedAsset],
    pub launchers: &'a [Launcher],
    pub interceptors: &'a [InterceptorType],
    pub doctrine: Doctrine,
    pub threat_params: ThreatParams,
    pub fire_control: FireControlCriteria,
    pub solve: SolveOptions,
    /// The standing recommendation, for hysteresis.
    pub standing: Option<&'a EngagementPlan>,
}

struct Weapon {
    launcher: usize,
    itype: usize,
    units: u32,
}

/// Builds the recommendation.
pub fn recommend(inp: &PlanInput<'_>) -> Result<EngagementPlan, PlanError> {
    inp.doctrine.validate()?;
    for it in inp.interceptors {
        it.validate()?;
    }
    for l in inp.launchers {
        l.validate(inp.interceptors)?;
    }
    let threats = evaluate_threats(inp.now, inp.tracks, inp.assets, &inp.threat_params)?;
    let d = &inp.doctrine;
    // candidate threats
    let mut not_engaged = Vec::new();
    let mut targets: Vec<usize> = Vec::new(); // index into threats
    for (k, t) in threats.iter().enumerate() {
        if t.threat_value < d.min_threat_value || t.threat_value <= 0.0 {
            not_engaged.push((
                t.track,
                format!("threat value {:.3} below doctrine minimum", t.threat_value),
            ));
            continue;
        }
        let tr = inp
            .tracks
            .iter()
            .find(|x| x.id == t.track)
            .expect("assessed track exists");
        if let Err(r) = fire_control_quality(tr, &inp.fire_control) {
            not_engaged.push((t.track, format!("not fire-control quality: {r}")));
            continue;
        }
        targets.push(k);
    }
    // weapons: (launcher, interceptor type) with rounds after reserve, in salvo units
    let mut weapons = Vec::new();
    for (li, l) in inp.launchers.iter().enumerate() {
        for (name, rounds) in d.available(&l.inventory) {
            let units = rounds / d.rounds_per_unit();
            if units == 0 {
                continue;
            }
            let itype = inp
                .interceptors
                .iter()
                .position(|t| t.name == name)
                .expect("validated inventory type");
            weapons.push(Weapon {
                launcher: li,
                itype,
                units,
            });
        }
    }
    let (nw, nt) = (weapons.len(), targets.len());
    let mut p = vec![0.0; nw * nt];
    let mut eng: Vec<Option<Engagement>> = vec![None; nw * nt];
    let mut why_not: Vec<Vec<String>> = vec![Vec::new(); nt];
    for (i, w) in weapons.iter().enumerate() {
        for (j, &k) in targets.iter().enumerate() {
            let t = &threats[k];
            let l = &inp.launchers[w.launcher];
            let it = &inp.interceptors[w.itype];
            match engagement(inp.now, &t.trajectory, t.class, l, it, &inp.fire_control)? {
                Ok(e) => {
                    p[i * nt + j] = d.unit_pk(e.pk).min(crate::wta::instance::P_MAX);
                    eng[i * nt + j] = Some(e);
                }
                Err(r) => why_not[j].push(format!("launcher {} / {}: {r}", l.id, it.name)),
            }
        }
    }
    let q: Vec<f64> = p.iter().map(|&v| -(-v).ln_1p()).collect();
    let values: Vec<f64> = targets.iter().map(|&k| threats[k].threat_value).collect();
    let pb = Problem::from_parts(
        weapons.iter().map(|w| w.units).collect(),
        values.clone(),
        p,
        q,
    )
    .with_max_shots(d.units_per_threat());
    let res = solve(&pb, &inp.solve);
    let mut x: Vec<(usize, usize, u32)> = res.assignment.clone();
    let mut value = res.value;
    let mut kept = false;
    let mut reasons = vec![format!(
        "{} threats, {} launcher/interceptor combinations; expected surviving value {:.3} (bound {:.3}{})",
        nt,
        nw,
        res.value,
        res.lower_bound,
        if res.proven_optimal {
            ", proven optimal"
        } else {
            ""
        }
    )];
    // hysteresis against the standing plan, re-evaluated on today's picture
    if let Some(st) = inp.standing {
        let mut used = vec![0u32; nw];
        let mut shots = vec![0u32; nt];
        let mut sx = Vec::new();
        for e in &st.entries {
            let Some(j) = targets.iter().position(|&k| threats[k].track == e.track) else {
                continue;
            };
            let Some(i) = weapons.iter().position(|w| {
                inp.launchers[w.launcher].id == e.launcher
                    && inp.interceptors[w.itype].name == e.interceptor
            }) else {
                continue;
            };
            let units = (e.rounds / d.rounds_per_unit())
                .min(weapons[i].units - used[i])
                .min(pb.max_shots[j] - shots[j]);
            if units > 0 && pb.p(i, j) > 0.0 {
                used[i] += units;
                shots[j] += units;
                sx.push((i, j, units));
            }
        }
        // Repair the standing plan: keep its entries that are still feasible, assign the
        // rounds they leave free to the rest by the same solver, and keep that unless the free
        // optimum is better by the hysteresis. Only what the situation changed then moves.
        let mut residual_values = values.clone();
        for &(i, j, n) in &sx {
            residual_values[j] *= (1.0 - pb.p(i, j)).powi(n as i32);
        }
        let mut repaired = sx.clone();
        let mut repaired_value: f64 = residual_values.iter().sum();
        if !sx.is_empty() {
            let counts: Vec<u32> = (0..nw).map(|i| weapons[i].units - used[i]).collect();
            let mut rp =
                Problem::from_parts(counts, residual_values.clone(), pb.p.clone(), pb.q.clone())
                    .with_max_shots(d.units_per_threat());
            for (j, m) in rp.max_shots.iter_mut().enumerate() {
                *m = m.saturating_sub(shots[j]);
            }
            let rres = solve(&rp, &inp.solve);
            if rres.value < repaired_value {
                repaired_value = rres.value;
                for &(i, j, n) in &rres.assignment {
                    match repaired.iter_mut().find(|e| e.0 == i && e.1 == j) {
                        Some(e) => e.2 += n,
                        None => repaired.push((i, j, n)),
                    }
                }
            }
        }
        if !sx.is_empty() && d.keep_standing(repaired_value, res.value) {
            reasons.push(format!(
                "standing plan kept ({} of its entries still feasible, the rest re-planned): value {repaired_value:.3} vs new {:.3}, gain below the {:.0} % hysteresis",
                sx.len(),
                res.value,
                100.0 * d.hysteresis
            ));
            x = repaired;
            value = repaired_value;
            kept = true;
        } else if !sx.is_empty() {
            reasons.push(format!(
                "standing plan replaced: value {repaired_value:.3} → {:.3}",
                res.value
            ));
        }
    }
    // entries with reasons
    let mut leak = values.clone();
    for &(i, j, n) in &x {
        leak[j] *= (1.0 - pb.p(i, j)).powi(n as i32);
    }
    let mut entries = Vec::new();
    for &(i, j, n) in &x {
        let e = eng[i * nt + j]
            .as_ref()
            .expect("assigned pairs are feasible");
        let k = targets[j];
        let pk_entry = 1.0 - (1.0 - pb.p(i, j)).powi(n as i32);
        let mut why = vec![format!(
            "threat rank {} ({:?}), value {:.2}",
            threats[k].rank, threats[k].class, values[j]
        )];
        why.extend(e.reasons.iter().cloned());
        // alternatives, best first
        let mut alts: Vec<(f64, usize)> = (0..nw)
            .filter(|&o| o != i && pb.p(o, j) > 0.0)
            .map(|o| (pb.p(o, j), o))
            .collect();
        alts.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        if alts.is_empty() {
            why.push("only launcher able to engage this threat".into());
        } else {
            let list: Vec<String> = alts
                .iter()
                .take(3)
                .map(|&(pp, o)| {
                    format!(
                        "launcher {} / {} (unit Pk {:.2}, multiplier {:.3})",
                        inp.launchers[weapons[o].launcher].id,
                        inp.interceptors[weapons[o].itype].name,
                        pp,
                        res.multipliers.get(o).copied().unwrap_or(0.0)
                    )
                })
                .collect();
            why.push(format!(
                "chosen over {} (a round's marginal value here: {:.3})",
                list.join(", "),
                res.multipliers.get(i).copied().unwrap_or(0.0)
            ));
        }
        why.push(format!(
            "expected kill probability {:.3}; expected leakage of this threat after all entries {:.3}",
            pk_entry, leak[j]
        ));
        entries.push(PlanEntry {
            track: threats[k].track,
            launcher: inp.launchers[weapons[i].launcher].id,
            interceptor: inp.interceptors[weapons[i].itype].name.clone(),
            rounds: n * d.rounds_per_unit(),
            earliest_launch: e.earliest_launch,
            latest_launch: e.latest_launch,
            intercept_point: e.intercept_point,
            expected_kill_probability: pk_entry,
            expected_leakage: leak[j],
            reasons: why,
            authorisation: Authorisation::AwaitingOperator,
        });
    }
    for (j, &k) in targets.iter().enumerate() {
        if !x.iter().any(|e| e.1 == j) {
            let r = if (0..nw).all(|i| pb.p(i, j) == 0.0) {
                format!("no feasible launcher: {}", why_not[j].join("; "))
            } else {
                "rounds are worth more against other threats".to_string()
            };
            not_engaged.push((threats[k].track, r));
        }
    }
    Ok(EngagementPlan {
        time: inp.now,
        entries,
        not_engaged,
        threats,
        expected_surviving_value: value,
        lower_bound: res.lower_bound,
        proven_optimal: res.proven_optimal && !kept,
        kept_standing_plan: kept,
        reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctrine::FiringMode;
    use crate::feasibility::tests::{launcher, sam};
    use crate::threat::tests::{asset, track};
    use tessera_domain::TargetClass;

    fn input<'a>(
        tracks: &'a [SystemTrack],
        assets: &'a [DefendedAsset],
        launchers: &'a [Launcher],
        its: &'a [InterceptorType],
    ) -> PlanInput<'a> {
        PlanInput {
            now: Timestamp(0),
            tracks,
            assets,
            launchers,
            interceptors: its,
            doctrine: Doctrine::default(),
            threat_params: ThreatParams::default(),
            fire_control: FireControlCriteria::default(),
            solve: SolveOptions::default(),
            standing: None,
        }
    }

    #[test]
    fn recommends_with_reasons_and_hysteresis() {
        let tracks = vec![
            track(
                1,
                TargetClass::CruiseMissile,
                [0.0, 0.0, 30_000.0, -250.0, 50.0, 0.0],
            ),
            track(
                2,
                TargetClass::CruiseMissile,
                [30_000.0, -250.0, 0.0, 0.0, 50.0, 0.0],
            ),
        ];
        let assets = vec![asset()];
        let launchers = vec![launcher(1, 0.0), launcher(2, 2_000.0)];
        let its = vec![sam()];
        let mut inp = input(&tracks, &assets, &launchers, &its);
        let plan = recommend(&inp).unwrap();
        // 2 rounds (the default maximum) per missile
        let rounds: u32 = plan.entries.iter().map(|e| e.rounds).sum();
        assert_eq!(rounds, 4, "{plan:#?}");
        assert!(plan.proven_optimal);
        for e in &plan.entries {
            assert_eq!(e.authorisation, Authorisation::AwaitingOperator);
            assert!(
                e.reasons
                    .iter()
                    .any(|r| r.contains("expected kill probability"))
            );
            assert!(e.latest_launch >= e.earliest_launch);
        }
        // re-plan on the same picture: the standing plan is kept
        inp.standing = Some(&plan);
        let again = recommend(&inp).unwrap();
        assert!(again.kept_standing_plan);
        assert_eq!(again.entries.len(), plan.entries.len());
        // shoot-look-shoot: one round per threat
        inp.standing = None;
        inp.doctrine.mode = FiringMode::ShootLookShoot { assessment_s: 5.0 };
        let sls = recommend(&inp).unwrap();
        assert_eq!(sls.entries.len(), 2);
        assert!(sls.entries.iter().all(|e| e.rounds == 1));
    }

    #[test]
    fn launcher_without_interceptors_is_refused() {
        let tracks = vec![];
        let assets = vec![asset()];
        let mut l = launcher(3, 0.0);
        l.inventory.clear();
        let launchers = vec![l];
        let its = vec![sam()];
        let e = recommend(&input(&tracks, &assets, &launchers, &its)).unwrap_err();
        assert!(e.to_string().contains("launcher 3"));
    }
}
