//! Undo what a run created, newest first: listeners (on CLBs the run did not
//! create), CLBs, instances, images. Each deletion is checked by id first,
//! so a second cleanup (or one after a partial one) is harmless. What the API
//! cannot delete (security group rules: tcscale's API set has no
//! DeleteSecurityGroupPolicies; sdk.config edits: restored from their backup
//! by hand) is listed for the user instead.

use serde::{Deserialize, Serialize};

use crate::cloud::models::{clb, cvm};
use crate::scaleout::journal::{Resource, ResourceKind};

use super::load_balancer::{describe_lb, wait_task};
use super::wait::expected;
use super::{Engine, StepError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CleanupAction {
    Deleted,
    AlreadyGone,
    /// Left for the user, with what to do.
    Manual(String),
}

/// What cleanup will do, in order (shown before the confirm).
pub fn cleanup_plan(eng: &Engine) -> Vec<Resource> {
    eng.recorded(|r| r.journal.cleanup_order().into_iter().cloned().collect())
}

pub async fn cleanup(eng: &Engine) -> Result<Vec<(Resource, CleanupAction)>, StepError> {
    // Auto Scaling first: its group would launch instances again, and it keeps the listener and image in use.
    super::autoscaling_step::cleanup_recorded(eng).await?;
    let order = cleanup_plan(eng);
    let instances: Vec<String> = order
        .iter()
        .filter(|c| c.kind == ResourceKind::Instance)
        .map(|c| c.id.clone())
        .collect();
    let mut results: Vec<(Resource, CleanupAction)> = Vec::new();
    let mut instances_done = false;
    for c in order {
        let action = match c.kind {
            ResourceKind::Listener => delete_listener(eng, &c).await?,
            ResourceKind::LoadBalancer => delete_lb(eng, &c.id).await?,
            ResourceKind::Instance => {
                // All of the run's instances go in one call, reported per instance.
                if !instances_done {
                    instances_done = true;
                    let gone = terminate(eng, &instances).await?;
                    results.extend(eng.recorded(|r| {
                        r.created_of(ResourceKind::Instance)
                            .into_iter()
                            .map(|x| {
                                let a = if gone.contains(&x.id) {
                                    CleanupAction::AlreadyGone
                                } else {
                                    CleanupAction::Deleted
                                };
                                (x.clone(), a)
                            })
                            .collect::<Vec<_>>()
                    }));
                }
                continue;
            }
            ResourceKind::Image => delete_image(eng, &c.id).await?,
            ResourceKind::SecurityGroupRule => CleanupAction::Manual(crate::i18n::tf(
                eng.lang,
                "engine.cleanup.sg_manual",
                &[
                    ("sg", &c.parent.clone().unwrap_or_default()),
                    ("detail", &c.detail),
                ],
            )),
            ResourceKind::SdkConfigChange => CleanupAction::Manual(crate::i18n::tf(
                eng.lang,
                "engine.cleanup.sdk_manual",
                &[
                    ("instance", &c.parent.clone().unwrap_or_default()),
                    ("backup", &c.detail),
                ],
            )),
        };
        results.push((c, action));
    }
    eng.journal(|r| r.journal.mark_cleaned_up(chrono::Utc::now()))?;
    Ok(results)
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
        wait_task(eng, &lb, task, expected::CLB_TASK).await?;
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
        wait_task(eng, id, task, expected::CLB_TASK).await?;
    }
    Ok(CleanupAction::Deleted)
}

/// Terminates the instances still there; returns the ones already gone.
async fn terminate(eng: &Engine, ids: &[String]) -> Result<Vec<String>, StepError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let resp = eng
        .call(&cvm::DescribeInstancesRequest {
            instance_ids: Some(ids.to_vec()),
            limit: Some(100),
            ..Default::default()
        })
        .await;
    let alive: Vec<String> = match resp {
        Ok(r) => r
            .instance_set
            .unwrap_or_default()
            .into_iter()
            .filter(|i| {
                !matches!(
                    i.instance_state.as_deref(),
                    Some("TERMINATING" | "SHUTTING_DOWN")
                )
            })
            .filter_map(|i| i.instance_id)
            .collect(),
        Err(e) if not_found(&e) => Vec::new(),
        Err(e) => return Err(e),
    };
    if !alive.is_empty() {
        eng.call(&cvm::TerminateInstancesRequest {
            instance_ids: Some(alive.clone()),
            ..Default::default()
        })
        .await?;
    }
    Ok(ids.iter().filter(|i| !alive.contains(i)).cloned().collect())
}

async fn delete_image(eng: &Engine, id: &str) -> Result<CleanupAction, StepError> {
    let resp = eng
        .call(&cvm::DescribeImagesRequest {
            image_ids: Some(vec![id.to_string()]),
            ..Default::default()
        })
        .await;
    let exists = match resp {
        Ok(r) => r
            .image_set
            .unwrap_or_default()
            .iter()
            .any(|i| i.image_id.as_deref() == Some(id)),
        Err(e) if not_found(&e) => false,
        Err(e) => return Err(e),
    };
    if !exists {
        return Ok(CleanupAction::AlreadyGone);
    }
    eng.call(&cvm::DeleteImagesRequest {
        image_ids: Some(vec![id.to_string()]),
        ..Default::default()
    })
    .await?;
    Ok(CleanupAction::Deleted)
}
