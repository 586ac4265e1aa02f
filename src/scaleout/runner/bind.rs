//! Step "Bind": eligible instances registered on a listener, in batches of
//! 20, one CLB change at a time (each task waited on before the next), skipping
//! targets already bound; then target health until every target has a verdict.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::cloud::models::{clb, cvm};
use crate::scaleout::eligibility::eligibility;

use super::load_balancer::wait_task;
use super::wait::{deadline, Polled, Sent};
use super::{Engine, Progress, StepError};

/// The most targets one RegisterTargets call carries.
pub const BATCH: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BindInput {
    pub load_balancer_id: String,
    pub listener_id: String,
    /// Candidates; ineligible ones are reported and left out.
    pub instances: Vec<cvm::Instance>,
    pub backend_port: i64,
    pub weight: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BindOutput {
    /// Registered by this step.
    pub bound: Vec<String>,
    /// Already bound before the step.
    pub already: Vec<String>,
    /// Left out, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// Which candidates may be bound, and why the others may not.
pub fn split_eligible(
    eng: &Engine,
    instances: &[cvm::Instance],
) -> (Vec<String>, Vec<(String, String)>) {
    let now = chrono::Utc::now();
    let mut ok = Vec::new();
    let mut skipped = Vec::new();
    for inst in instances {
        let id = inst.instance_id.clone().unwrap_or_default();
        let reasons = eligibility(inst, now);
        if reasons.is_empty() {
            ok.push(id);
        } else {
            let why: Vec<String> = reasons.iter().map(|r| r.reason(eng.lang)).collect();
            skipped.push((id, why.join("; ")));
        }
    }
    (ok, skipped)
}

/// Instance ids bound to `listener` on `port`.
pub async fn bound_targets(
    eng: &Engine,
    lb: &str,
    listener: &str,
) -> Result<BTreeSet<(String, i64)>, StepError> {
    let resp = eng
        .call(&clb::DescribeTargetsRequest {
            load_balancer_id: Some(lb.to_string()),
            listener_ids: Some(vec![listener.to_string()]),
            ..Default::default()
        })
        .await?;
    let mut out = BTreeSet::new();
    for l in resp.listeners.unwrap_or_default() {
        let rule_targets = l
            .rules
            .iter()
            .flatten()
            .flat_map(|r| r.targets.iter().flatten());
        for t in l.targets.iter().flatten().chain(rule_targets) {
            if let (Some(id), Some(port)) = (&t.instance_id, t.port) {
                out.insert((id.clone(), port));
            }
        }
    }
    Ok(out)
}

/// One RegisterTargets call as the engine sends it (at most [`BATCH`]
/// instances; the wizard's confirm shows the same requests).
pub fn register_targets_request(
    lb: &str,
    listener_id: &str,
    ids: impl IntoIterator<Item = String>,
    port: i64,
    weight: i64,
) -> clb::RegisterTargetsRequest {
    clb::RegisterTargetsRequest {
        load_balancer_id: Some(lb.to_string()),
        listener_id: Some(listener_id.to_string()),
        targets: Some(
            ids.into_iter()
                .map(|id| clb::Target {
                    instance_id: Some(id),
                    port: Some(port),
                    weight: Some(weight),
                    ..Default::default()
                })
                .collect(),
        ),
        ..Default::default()
    }
}

pub async fn register_targets(eng: &Engine, input: &BindInput) -> Result<BindOutput, StepError> {
    let lb = &input.load_balancer_id;
    for (run, holder) in eng.recorded(|r| r.active_elsewhere(lb)) {
        eng.log(
            "engine.bind.other_run",
            &[
                ("lb", lb),
                ("run", &run),
                ("pid", &holder.pid),
                ("command", &holder.command),
            ],
        );
    }
    let (eligible, skipped) = split_eligible(eng, &input.instances);
    for (id, why) in &skipped {
        eng.log("engine.bind.skipped", &[("id", id), ("reason", why)]);
    }
    let mut out = BindOutput {
        skipped,
        ..Default::default()
    };
    let before = bound_targets(eng, lb, &input.listener_id).await?;
    let mut todo: Vec<String> = Vec::new();
    for id in eligible {
        if before.contains(&(id.clone(), input.backend_port)) {
            eng.report(Progress::TargetBound {
                instance: id.clone(),
            });
            out.already.push(id);
        } else {
            todo.push(id);
        }
    }
    for batch in todo.chunks(BATCH) {
        // `before` says none of the batch is bound; only after an unknown
        // outcome (the network failed mid-call) must the listener be read again.
        let mut recheck = false;
        loop {
            let missing: Vec<&String> = if recheck {
                let now = bound_targets(eng, lb, &input.listener_id).await?;
                batch
                    .iter()
                    .filter(|id| !now.contains(&((*id).clone(), input.backend_port)))
                    .collect()
            } else {
                batch.iter().collect()
            };
            if missing.is_empty() {
                break;
            }
            let req = register_targets_request(
                lb,
                &input.listener_id,
                missing.into_iter().cloned(),
                input.backend_port,
                input.weight,
            );
            // ResourceInOperating (another change still running) is retried by `send`.
            match eng.send(&req).await? {
                Sent::Done(resp) => {
                    if let Some(task) = resp.request_id.as_deref() {
                        wait_task(eng, lb, task, deadline::CLB_TASK).await?;
                    }
                    break;
                }
                Sent::Unknown => recheck = true,
            }
        }
        for id in batch {
            eng.report(Progress::TargetBound {
                instance: id.clone(),
            });
            out.bound.push(id.clone());
        }
    }
    Ok(out)
}

/// Polls DescribeTargetHealth until every listed target has a verdict (or the
/// health check's usual time has passed), reporting each; never fails the step:
/// an unhealthy target is news for the user, not a reason to undo the binding.
pub async fn target_health(
    eng: &Engine,
    lb: &str,
    listener: &str,
    instances: &[String],
) -> Result<BTreeMap<String, String>, StepError> {
    poll_health(eng, lb, listener, instances, Until::Verdict).await
}

/// Like [`target_health`], but a Dead verdict is waited out too (until the
/// same number of rounds has passed): after a security group rule lets the
/// health check in, targets turn Alive one check interval later.
pub async fn recheck_health(
    eng: &Engine,
    lb: &str,
    listener: &str,
    instances: &[String],
) -> Result<BTreeMap<String, String>, StepError> {
    poll_health(eng, lb, listener, instances, Until::AliveOrRounds(12)).await
}

/// Waits until every one of `instances` is `Alive` on the listener (a
/// service restarted by a rolling sdk.config update coming back), at most
/// [`deadline::RESTART`]; `Err(TimedOut)` with the last verdicts otherwise.
pub async fn wait_alive(
    eng: &Engine,
    lb: &str,
    listener: &str,
    instances: &[String],
) -> Result<BTreeMap<String, String>, StepError> {
    poll_health(eng, lb, listener, instances, Until::Alive).await
}

/// When a health poll ends.
#[derive(Clone, Copy)]
enum Until {
    /// Every target has a verdict (not `Unknown`).
    Verdict,
    /// Every target is `Alive`, or this many rounds have passed.
    AliveOrRounds(u32),
    /// Every target is `Alive` (else the deadline ends the wait).
    Alive,
}

async fn poll_health(
    eng: &Engine,
    lb: &str,
    listener: &str,
    instances: &[String],
    until: Until,
) -> Result<BTreeMap<String, String>, StepError> {
    let shown: std::sync::Mutex<BTreeMap<String, String>> = Default::default();
    let mut rounds = 0u32;
    let (until_alive, limit) = match until {
        Until::Verdict => (false, deadline::HEALTH),
        Until::AliveOrRounds(_) => (true, deadline::HEALTH),
        Until::Alive => (true, deadline::RESTART),
    };
    let result = eng
        .poll_until(&format!("health {lb}"), limit, || {
            let shown = &shown;
            rounds += 1;
            let last_round = matches!(until, Until::AliveOrRounds(n) if rounds >= n);
            async move {
                let resp = eng
                    .call(&clb::DescribeTargetHealthRequest {
                        load_balancer_ids: Some(vec![lb.to_string()]),
                        listener_ids: Some(vec![listener.to_string()]),
                        ..Default::default()
                    })
                    .await?;
                let mut status: BTreeMap<String, String> = BTreeMap::new();
                for h in resp.load_balancers.unwrap_or_default() {
                    for l in h.listeners.unwrap_or_default() {
                        if l.listener_id.as_deref().is_some_and(|x| x != listener) {
                            continue;
                        }
                        for r in l.rules.unwrap_or_default() {
                            for t in r.targets.unwrap_or_default() {
                                let Some(id) = t.target_id.clone() else {
                                    continue;
                                };
                                let s = t.health_status_detail.clone().unwrap_or_else(|| {
                                    if t.health_status == Some(true) {
                                        "Alive".into()
                                    } else {
                                        "Dead".into()
                                    }
                                });
                                status.insert(id, s);
                            }
                        }
                    }
                }
                let mut undecided = false;
                for id in instances {
                    let s = status.get(id).cloned().unwrap_or_else(|| "Unknown".into());
                    if s == "Unknown" || (until_alive && s != "Alive") {
                        undecided = true;
                    }
                    let mut shown = shown.lock().unwrap_or_else(|p| p.into_inner());
                    if shown.get(id) != Some(&s) {
                        shown.insert(id.clone(), s.clone());
                        eng.report(Progress::TargetHealth {
                            instance: id.clone(),
                            status: s,
                        });
                    }
                }
                Ok(if undecided && !last_round {
                    let seen = shown.lock().unwrap_or_else(|p| p.into_inner());
                    Polled::Pending(
                        seen.iter()
                            .filter(|(_, s)| s.as_str() != "Alive")
                            .map(|(id, s)| format!("{id} {s}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    )
                } else {
                    Polled::Ready(())
                })
            }
        })
        .await;
    result?;
    Ok(shown.into_inner().unwrap_or_else(|p| p.into_inner()))
}
