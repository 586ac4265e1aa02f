//! Undo what a run did: first every sdk.config it changed is restored from
//! its backup (through TAT, only while the file is still exactly tcscale's
//! edit), so business servers point back at their old session server before
//! the VIP disappears; then, newest first, listeners (on CLBs the run did
//! not create), CLBs, instances, images. Each step is checked first, so a
//! second cleanup (or one after a partial one) is harmless. What cannot be
//! undone here (security group rules: tcscale's API set has no
//! DeleteSecurityGroupPolicies; a file someone changed since) is listed for
//! the user, precisely, instead.

use serde::{Deserialize, Serialize};

use crate::cloud::models::{clb, cvm};
use crate::i18n::tf;
use crate::scaleout::journal::{Journal, Resource, ResourceKind};
use crate::scaleout::steps::Step;

use super::image::image_state;
use super::load_balancer::{describe_lb, wait_task};
use super::remote_edit::{restore_one, RestoreOutcome};
use super::wait::deadline;
use super::{Engine, StepError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CleanupAction {
    Deleted,
    AlreadyGone,
    /// Left for the user, with what to do.
    Manual(String),
    /// An sdk.config is the original again (from `backup`); the file as
    /// tcscale had written it is kept in `saved_edit`.
    Restored {
        backup: String,
        saved_edit: String,
    },
    /// An sdk.config already equals its backup `backup` (a second cleanup).
    AlreadyRestored {
        backup: String,
    },
    /// Kept: another run (not cleaned up) records it too and uses it; it
    /// goes when that run is cleaned up.
    Shared {
        run: String,
    },
    /// An sdk.config that could not be restored: why and what to do
    /// (translated), and whether it may still point at the run's VIP (then
    /// its server's login breaks once the CLB goes, and cleanup holds back).
    NotRestored {
        why: String,
        points_at_vip: bool,
    },
}

/// Where cleanup is with one resource (reported as [`super::Progress::Cleanup`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CleanupStage {
    Started,
    Done(CleanupAction),
}

fn report(eng: &Engine, resource: &Resource, stage: CleanupStage) {
    eng.report(super::Progress::Cleanup {
        resource: resource.clone(),
        stage,
    });
}

/// What cleanup does with a kind of resource (the preview's groups, in
/// cleanup's order: restored first, then deleted; left to the user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CleanupGroup {
    Restored,
    Deleted,
    LeftToUser,
}

pub fn group_of(kind: ResourceKind) -> CleanupGroup {
    match kind {
        ResourceKind::SdkConfigChange => CleanupGroup::Restored,
        ResourceKind::SecurityGroupRule => CleanupGroup::LeftToUser,
        _ => CleanupGroup::Deleted,
    }
}

/// A verdict as one phrase (the CLI's result lines, the Runs screen's items).
pub fn action_text(a: &CleanupAction, lang: crate::i18n::Lang) -> String {
    use crate::i18n::t;
    match a {
        CleanupAction::Deleted => t(lang, "engine.cleanup.deleted"),
        CleanupAction::AlreadyGone => t(lang, "engine.cleanup.gone"),
        CleanupAction::Manual(m) | CleanupAction::NotRestored { why: m, .. } => m.clone(),
        CleanupAction::Restored { backup, saved_edit } => tf(
            lang,
            "engine.cleanup.restored",
            &[("backup", backup), ("saved", saved_edit)],
        ),
        CleanupAction::AlreadyRestored { backup } => tf(
            lang,
            "engine.cleanup.already_restored",
            &[("backup", backup)],
        ),
        CleanupAction::Shared { run } => tf(lang, "engine.cleanup.shared", &[("run", run)]),
    }
}

/// A security group rule tcscale added, in a few words (`inbound rule of
/// sg-1: TCP port 80 from 10.0.1.20/32`), for previews; the rule's id when
/// it cannot be read.
pub fn sg_rule_text(c: &Resource, lang: crate::i18n::Lang) -> String {
    match sg_rule_parts(c) {
        Some((sg, protocol, port, source)) => tf(
            lang,
            "engine.cleanup.sg_rule",
            &[
                ("sg", &sg),
                ("protocol", &protocol),
                ("port", &port),
                ("source", &source),
            ],
        ),
        None => c.id.clone(),
    }
}

/// One resource as cleanup's preview names it: an sdk.config with its
/// backup, a rule as the console shows it, an intent by its key.
pub fn preview_text(c: &Resource, lang: crate::i18n::Lang) -> String {
    if c.is_intent() {
        return match c.intent_key() {
            "" => crate::i18n::t(lang, "engine.cleanup.intent_unnamed"),
            key => tf(lang, "engine.cleanup.intent", &[("key", &key)]),
        };
    }
    match c.kind {
        ResourceKind::SdkConfigChange => {
            let (instance, path) = sdk_change_target(c);
            tf(
                lang,
                "engine.cleanup.restore_item",
                &[
                    ("path", &path),
                    ("instance", &instance),
                    ("backup", &c.detail),
                ],
            )
        }
        ResourceKind::SecurityGroupRule => sg_rule_text(c, lang),
        _ => match &c.parent {
            Some(p) => format!("{} ({p})", c.id),
            None => c.id.clone(),
        },
    }
}

/// What cleanup will do, in order (shown before the confirm).
pub fn cleanup_plan(eng: &Engine) -> Vec<Resource> {
    eng.recorded(|r| r.journal.cleanup_order().into_iter().cloned().collect())
}

/// Undoes the run (see the module's comment). When an sdk.config could not
/// be restored, that business server still points at the run's VIP: unless
/// `force`, nothing is deleted then (the CLB and its servers keep serving
/// it), each held-back resource says why, and the run stays open so a
/// second cleanup, once the files are restored by hand, finishes the job.
pub async fn cleanup(
    eng: &Engine,
    force: bool,
) -> Result<Vec<(Resource, CleanupAction)>, StepError> {
    eng.check_world()?;
    // Creations answered after the process died are found by their intent first.
    super::intents::resolve_intents(eng).await?;
    let vip = eng.recorded(|r| run_vip(&r.journal));
    let (restores, order): (Vec<Resource>, Vec<Resource>) = cleanup_plan(eng)
        .into_iter()
        .partition(|c| c.kind == ResourceKind::SdkConfigChange);
    let mut results: Vec<(Resource, CleanupAction)> = Vec::new();
    let mut unrestored = 0;
    for c in restores {
        report(eng, &c, CleanupStage::Started);
        let action = restore_sdk_config(eng, &c, vip.as_deref()).await?;
        unrestored += usize::from(matches!(
            action,
            CleanupAction::NotRestored {
                points_at_vip: true,
                ..
            }
        ));
        report(eng, &c, CleanupStage::Done(action.clone()));
        results.push((c, action));
    }
    if unrestored > 0 && !force {
        let why = tf(
            eng.lang,
            "engine.cleanup.held_back",
            &[
                ("n", &unrestored),
                ("vip", &vip.clone().unwrap_or_default()),
            ],
        );
        // What is gone already is not "kept": say so, as a full cleanup would.
        let instance_ids: Vec<String> = order
            .iter()
            .filter(|c| c.kind == ResourceKind::Instance && !c.is_intent())
            .map(|c| c.id.clone())
            .collect();
        let alive: Vec<String> = alive_instances(eng, &instance_ids)
            .await?
            .into_iter()
            .filter_map(|i| i.instance_id)
            .collect();
        for c in order {
            let action = match c.kind {
                ResourceKind::SecurityGroupRule => CleanupAction::Manual(sg_rule_manual(eng, &c)),
                ResourceKind::Instance if !c.is_intent() && !alive.contains(&c.id) => {
                    CleanupAction::AlreadyGone
                }
                _ => CleanupAction::Manual(why.clone()),
            };
            report(eng, &c, CleanupStage::Done(action.clone()));
            results.push((c, action));
        }
        return Ok(results);
    }
    // Auto Scaling first: its group would launch instances again, and it keeps the listener and image in use.
    super::autoscaling_step::cleanup_recorded(eng).await?;
    let shared = eng.recorded(|r| r.shared_with_other_runs());
    let instances: Vec<String> = order
        .iter()
        .filter(|c| c.kind == ResourceKind::Instance && !shared.contains_key(&c.id))
        .map(|c| c.id.clone())
        .collect();
    let mut instances_done = false;
    for c in order {
        if c.kind == ResourceKind::Instance {
            // All of the run's instances go in one call, reported per instance.
            if !instances_done {
                instances_done = true;
                let all: Vec<Resource> = eng.recorded(|r| {
                    r.created_of(ResourceKind::Instance)
                        .into_iter()
                        .cloned()
                        .collect()
                });
                for x in &all {
                    report(eng, x, CleanupStage::Started);
                }
                let gone = terminate(eng, &instances).await?;
                for x in all {
                    let a = if let Some(run) = shared.get(&x.id) {
                        CleanupAction::Shared { run: run.clone() }
                    } else if gone.contains(&x.id) {
                        CleanupAction::AlreadyGone
                    } else {
                        CleanupAction::Deleted
                    };
                    report(eng, &x, CleanupStage::Done(a.clone()));
                    results.push((x, a));
                }
            }
            continue;
        }
        if let Some(run) = shared.get(&c.id) {
            let action = CleanupAction::Shared { run: run.clone() };
            report(eng, &c, CleanupStage::Done(action.clone()));
            results.push((c, action));
            continue;
        }
        report(eng, &c, CleanupStage::Started);
        let action = match c.kind {
            ResourceKind::Listener => delete_listener(eng, &c).await?,
            ResourceKind::LoadBalancer => delete_lb(eng, &c.id).await?,
            // Terminated together, above.
            ResourceKind::Instance => continue,
            ResourceKind::Image => delete_image(eng, &c.id).await?,
            ResourceKind::SecurityGroupRule => CleanupAction::Manual(sg_rule_manual(eng, &c)),
            // Restored first, above.
            ResourceKind::SdkConfigChange => continue,
        };
        report(eng, &c, CleanupStage::Done(action.clone()));
        results.push((c, action));
    }
    eng.journal(|r| r.journal.mark_cleaned_up(chrono::Utc::now()))?;
    Ok(results)
}

/// The VIP the run pointed sdk.config at: the sdk.config step's own record
/// (journaled before its first write), else the session CLB's.
pub fn run_vip(j: &Journal) -> Option<String> {
    let vip_of = |step: Step, phase: Option<&str>| {
        j.steps
            .iter()
            .filter(|s| s.step == step && phase.is_none_or(|p| s.phase == p))
            .find_map(|s| s.output.get("vip")?.as_str().map(str::to_string))
            .filter(|v| !v.is_empty())
    };
    vip_of(Step::SdkConfig, None).or_else(|| vip_of(Step::LoadBalancer, Some("session")))
}

/// `(instance, path)` of an sdk.config change, id `<instance>:<path>`
/// (split at the first colon: instance ids have none, Windows paths do).
pub fn sdk_change_target(c: &Resource) -> (String, String) {
    match c.id.split_once(':') {
        Some((instance, path)) => (
            c.parent.clone().unwrap_or_else(|| instance.into()),
            path.into(),
        ),
        None => (c.parent.clone().unwrap_or_default(), c.id.clone()),
    }
}

async fn restore_sdk_config(
    eng: &Engine,
    c: &Resource,
    vip: Option<&str>,
) -> Result<CleanupAction, StepError> {
    let (instance, path) = sdk_change_target(c);
    let backup = c.detail.clone();
    let resp = eng
        .call(&cvm::DescribeInstancesRequest {
            instance_ids: Some(vec![instance.clone()]),
            limit: Some(1),
            ..Default::default()
        })
        .await;
    let server = match resp {
        Ok(r) => r.instance_set.unwrap_or_default().into_iter().find(|i| {
            i.instance_id.as_deref() == Some(instance.as_str())
                && !matches!(
                    i.instance_state.as_deref(),
                    Some("TERMINATING" | "SHUTTING_DOWN")
                )
        }),
        Err(e) if not_found(&e) => None,
        Err(e) => return Err(e),
    };
    let Some(server) = server else {
        return Ok(CleanupAction::AlreadyGone);
    };
    Ok(
        match restore_one(eng, &server, &path, &backup, c.sha256.as_deref(), vip).await? {
            RestoreOutcome::Restored { saved_edit } => {
                CleanupAction::Restored { backup, saved_edit }
            }
            RestoreOutcome::AlreadyRestored => CleanupAction::AlreadyRestored { backup },
            RestoreOutcome::Left { why, points_at_vip } => {
                CleanupAction::NotRestored { why, points_at_vip }
            }
        },
    )
}

/// A security group rule tcscale added, as the user finds it in the
/// console: id `<sg>:ingress:<protocol>:<port>:<vip>` (see
/// `security_group_step`), the rule's source being `<vip>/32`.
pub fn sg_rule_parts(c: &Resource) -> Option<(String, String, String, String)> {
    let mut it = c.id.splitn(5, ':');
    let sg = it.next()?;
    if it.next()? != "ingress" {
        return None;
    }
    let protocol = it.next()?;
    let port = it.next()?;
    let vip = it.next()?;
    if [sg, protocol, port, vip].iter().any(|p| p.is_empty()) {
        return None;
    }
    Some((sg.into(), protocol.into(), port.into(), format!("{vip}/32")))
}

fn sg_rule_manual(eng: &Engine, c: &Resource) -> String {
    match sg_rule_parts(c) {
        Some((sg, protocol, port, source)) => tf(
            eng.lang,
            "engine.cleanup.sg_manual",
            &[
                ("sg", &sg),
                ("protocol", &protocol),
                ("port", &port),
                ("source", &source),
                (
                    "description",
                    &crate::scaleout::security_group::RULE_DESCRIPTION,
                ),
            ],
        ),
        None => tf(
            eng.lang,
            "engine.cleanup.sg_manual_raw",
            &[
                ("sg", &c.parent.clone().unwrap_or_default()),
                ("detail", &c.detail),
                ("id", &c.id),
            ],
        ),
    }
}

fn not_found(e: &StepError) -> bool {
    matches!(e, StepError::Cloud(c) if c.code().is_some_and(|code| code.contains("NotFound") || code.starts_with("InvalidInstanceId") || code.starts_with("InvalidImageId") || code == "InvalidParameter.LBIdNotFound"))
}

async fn delete_listener(eng: &Engine, c: &Resource) -> Result<CleanupAction, StepError> {
    let lb = c.parent.clone().unwrap_or_default();
    let exists = match super::load_balancer::find_listener_by_id(eng, &lb, &c.id).await {
        Ok(x) => x,
        Err(e) if not_found(&e) => false,
        Err(e) => return Err(e),
    };
    if !exists {
        return Ok(CleanupAction::AlreadyGone);
    }
    let resp = eng
        .call(&clb::DeleteListenerRequest {
            load_balancer_id: Some(lb.clone()),
            listener_id: Some(c.id.clone()),
        })
        .await?;
    if let Some(task) = resp.request_id.as_deref() {
        wait_task(eng, &lb, task, deadline::CLB_TASK).await?;
    }
    Ok(CleanupAction::Deleted)
}

async fn delete_lb(eng: &Engine, id: &str) -> Result<CleanupAction, StepError> {
    match describe_lb(eng, id).await {
        Ok(Some(_)) => {}
        Ok(None) => return Ok(CleanupAction::AlreadyGone),
        Err(e) if not_found(&e) => return Ok(CleanupAction::AlreadyGone),
        Err(e) => return Err(e),
    }
    let resp = eng
        .call(&clb::DeleteLoadBalancerRequest {
            load_balancer_ids: Some(vec![id.to_string()]),
            ..Default::default()
        })
        .await?;
    if let Some(task) = resp.request_id.as_deref() {
        wait_task(eng, id, task, deadline::CLB_TASK).await?;
    }
    Ok(CleanupAction::Deleted)
}

/// The instances of `ids` that still exist (not terminating).
async fn alive_instances(eng: &Engine, ids: &[String]) -> Result<Vec<cvm::Instance>, StepError> {
    Ok(super::launch::describe_instances(eng, ids)
        .await?
        .into_iter()
        .filter(|i| {
            !matches!(
                i.instance_state.as_deref(),
                Some("TERMINATING" | "SHUTTING_DOWN")
            )
        })
        .collect())
}

async fn terminate(eng: &Engine, ids: &[String]) -> Result<Vec<String>, StepError> {
    let alive = alive_instances(eng, ids).await?;
    if !alive.is_empty() {
        deregister_everywhere(eng, &alive).await?;
        eng.call(&cvm::TerminateInstancesRequest {
            instance_ids: Some(alive.iter().filter_map(|i| i.instance_id.clone()).collect()),
            ..Default::default()
        })
        .await?;
    }
    let alive: Vec<&str> = alive
        .iter()
        .filter_map(|i| i.instance_id.as_deref())
        .collect();
    Ok(ids
        .iter()
        .filter(|i| !alive.contains(&i.as_str()))
        .cloned()
        .collect())
}

/// Unbinds `instances` from every listener of every CLB they are bound
/// to (found by their private IPs), at most 20 targets a call, one CLB
/// task at a time.
async fn deregister_everywhere(eng: &Engine, instances: &[cvm::Instance]) -> Result<(), StepError> {
    let ids: Vec<&str> = instances
        .iter()
        .filter_map(|i| i.instance_id.as_deref())
        .collect();
    let ips: Vec<String> = instances
        .iter()
        .flat_map(|i| i.private_ip_addresses.iter().flatten().cloned())
        .collect();
    if ips.is_empty() {
        return Ok(());
    }
    let lbs = eng
        .call(&clb::DescribeLoadBalancersRequest {
            backend_private_ips: Some(ips),
            limit: Some(100),
            ..Default::default()
        })
        .await?
        .load_balancer_set
        .unwrap_or_default();
    for lb in lbs.into_iter().filter_map(|l| l.load_balancer_id) {
        let listeners = eng
            .call(&clb::DescribeTargetsRequest {
                load_balancer_id: Some(lb.clone()),
                ..Default::default()
            })
            .await?
            .listeners
            .unwrap_or_default();
        for l in listeners {
            let Some(listener) = l.listener_id.clone() else {
                continue;
            };
            let targets: Vec<clb::Target> = l
                .targets
                .iter()
                .flatten()
                .filter(|t| t.instance_id.as_deref().is_some_and(|id| ids.contains(&id)))
                .map(|t| clb::Target {
                    instance_id: t.instance_id.clone(),
                    port: t.port,
                    ..Default::default()
                })
                .collect();
            for batch in targets.chunks(20) {
                let resp = eng
                    .call(&clb::DeregisterTargetsRequest {
                        load_balancer_id: Some(lb.clone()),
                        listener_id: Some(listener.clone()),
                        targets: Some(batch.to_vec()),
                        ..Default::default()
                    })
                    .await?;
                eng.log(
                    "engine.cleanup.deregistered",
                    &[("n", &batch.len()), ("lb", &lb), ("listener", &listener)],
                );
                if let Some(task) = resp.request_id.as_deref() {
                    wait_task(eng, &lb, task, deadline::CLB_TASK).await?;
                }
            }
        }
    }
    Ok(())
}

async fn delete_image(eng: &Engine, id: &str) -> Result<CleanupAction, StepError> {
    let exists = match image_state(eng, id).await {
        Ok(state) => state.is_some(),
        Err(e) if not_found(&e) => false,
        Err(e) => return Err(e),
    };
    if !exists {
        return Ok(CleanupAction::AlreadyGone);
    }
    // An image still CREATING cannot be deleted (InvalidImageId.IncorrectState).
    eng.poll_until(&format!("image {id}"), deadline::IMAGE, || async move {
        let state = image_state(eng, id).await?.unwrap_or_default();
        Ok(match state.as_str() {
            "CREATING" | "SYNCING" | "IMPORTING" => super::wait::Polled::Pending(state),
            _ => super::wait::Polled::Ready(()),
        })
    })
    .await?;
    eng.call(&cvm::DeleteImagesRequest {
        image_ids: Some(vec![id.to_string()]),
        ..Default::default()
    })
    .await?;
    Ok(CleanupAction::Deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(kind: ResourceKind, id: &str, parent: Option<&str>, detail: &str) -> Resource {
        Resource {
            kind,
            id: id.into(),
            region: "ap-guangzhou".into(),
            parent: parent.map(str::to_string),
            detail: detail.into(),
            sha256: None,
        }
    }

    fn now() -> chrono::DateTime<chrono::Utc> {
        "2026-06-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_vip_comes_from_the_sdk_step_else_the_session_clb() {
        let mut j = Journal::open("r1", "ap-guangzhou", now());
        assert_eq!(run_vip(&j), None);
        j.ensure_step("business", Step::LoadBalancer);
        j.set_output(
            "business",
            Step::LoadBalancer,
            serde_json::json!({"vip": "119.29.10.8"}),
            now(),
        )
        .unwrap();
        // The public CLB's VIP is never what sdk.config points at.
        assert_eq!(run_vip(&j), None);
        j.ensure_step("session", Step::LoadBalancer);
        j.set_output(
            "session",
            Step::LoadBalancer,
            serde_json::json!({"load_balancer_id": "lb-1", "vip": "10.0.1.20"}),
            now(),
        )
        .unwrap();
        assert_eq!(run_vip(&j).as_deref(), Some("10.0.1.20"));
        j.ensure_step("session", Step::SdkConfig);
        j.set_output(
            "session",
            Step::SdkConfig,
            serde_json::json!({"per_instance": {}, "vip": "10.0.1.21"}),
            now(),
        )
        .unwrap();
        assert_eq!(run_vip(&j).as_deref(), Some("10.0.1.21"));
    }

    #[test]
    fn sdk_change_targets() {
        let linux = res(
            ResourceKind::SdkConfigChange,
            "ins-bizn0de1:/etc/qcloud/sdk.config",
            Some("ins-bizn0de1"),
            "/etc/qcloud/sdk.config.bak.20260601120000",
        );
        assert_eq!(
            sdk_change_target(&linux),
            ("ins-bizn0de1".into(), "/etc/qcloud/sdk.config".into())
        );
        let windows = res(
            ResourceKind::SdkConfigChange,
            r"ins-bizdnet1:C:\qcloud\sdk.config",
            None,
            "",
        );
        assert_eq!(
            sdk_change_target(&windows),
            ("ins-bizdnet1".into(), r"C:\qcloud\sdk.config".into())
        );
    }

    #[test]
    fn sg_rules_are_described_as_the_console_shows_them() {
        let rule = res(
            ResourceKind::SecurityGroupRule,
            "sg-auth0001:ingress:TCP:80:10.0.1.20",
            Some("sg-auth0001"),
            "tcscale: CLB VIP 10.0.1.20",
        );
        assert_eq!(
            sg_rule_parts(&rule),
            Some((
                "sg-auth0001".into(),
                "TCP".into(),
                "80".into(),
                "10.0.1.20/32".into()
            ))
        );
        for bad in [
            "sg-1",
            "sg-1:egress:TCP:80:1.2.3.4",
            "sg-1:ingress:TCP::1.2.3.4",
        ] {
            assert_eq!(
                sg_rule_parts(&res(ResourceKind::SecurityGroupRule, bad, None, "")),
                None,
                "{bad}"
            );
        }
    }
}
