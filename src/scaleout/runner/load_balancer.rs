//! Steps "Load balancer" and "Listener": an internal CLB (created with the
//! run's ClientToken, or an existing one checked for type and VPC) and a
//! listener on the chosen port (looked up first: CreateListener has no token).
//! Every CLB change is an asynchronous task, waited on via DescribeTaskStatus.

use serde::{Deserialize, Serialize};

use crate::cloud::models::clb;
use crate::i18n::Text;

use super::record::{Phase, ResourceKind, Step};
use super::wait::{deadline, Polled, Sent};
use super::{Engine, Progress, StepError};
use crate::cloud::status::ClbTask;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ClbChoice {
    /// Use this CLB (it must be of `load_balancer_type` and, if internal, in the VPC).
    Existing(String),
    /// Create an internal CLB of this name.
    Create { name: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClbInput {
    pub choice: ClbChoice,
    pub vpc_id: String,
    pub subnet_id: String,
    pub project_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClbOutput {
    pub load_balancer_id: String,
    pub vip: String,
    pub created: bool,
}

/// The name of the listener a run creates: the run's id, so the console
/// shows which run made it (the wizard and `apply` alike).
pub fn listener_name(run_id: &str) -> String {
    format!("tcscale-{run_id}")
}

/// The weight of every target tcscale binds unless a plan says otherwise
/// (the console's default).
pub const DEFAULT_WEIGHT: i64 = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenerInput {
    pub load_balancer_id: String,
    pub protocol: String,
    pub port: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenerOutput {
    pub listener_id: String,
    pub created: bool,
}

/// The CLB carries the run's tag, so a creation answered after the process
/// died is still found (DescribeLoadBalancers `tag:tcscale-run`).
pub fn create_load_balancer_request(
    input: &ClbInput,
    name: &str,
    token: &str,
    run_id: &str,
) -> clb::CreateLoadBalancerRequest {
    clb::CreateLoadBalancerRequest {
        load_balancer_type: Some("INTERNAL".into()),
        forward: Some(1),
        load_balancer_name: Some(name.to_string()),
        vpc_id: Some(input.vpc_id.clone()),
        subnet_id: Some(input.subnet_id.clone()),
        project_id: Some(input.project_id),
        client_token: Some(token.to_string()),
        tags: Some(vec![clb::TagInfo {
            tag_key: Some(super::image::RUN_TAG.into()),
            tag_value: Some(run_id.to_string()),
        }]),
        ..Default::default()
    }
}

pub async fn ensure_load_balancer(
    eng: &Engine,
    phase: Phase,
    input: &ClbInput,
) -> Result<ClbOutput, StepError> {
    match &input.choice {
        ClbChoice::Existing(id) => {
            let lb = describe_lb(eng, id).await?.ok_or_else(|| {
                StepError::Blocked(Text::new("engine.clb.not_found", &[("id", id)]))
            })?;
            if lb.load_balancer_type.as_deref() != Some("INTERNAL") {
                return Err(StepError::Blocked(Text::new(
                    "engine.clb.not_internal",
                    &[("id", id)],
                )));
            }
            if lb.vpc_id.as_deref() != Some(input.vpc_id.as_str()) {
                return Err(StepError::Blocked(Text::new(
                    "engine.clb.other_vpc",
                    &[("id", id), ("vpc", &input.vpc_id)],
                )));
            }
            Ok(ClbOutput {
                load_balancer_id: id.clone(),
                vip: first_vip(&lb),
                created: false,
            })
        }
        ClbChoice::Create { name } => {
            let token = eng
                .journal(|r| r.token(phase, Step::LoadBalancer))?
                .map_err(StepError::Journal)?;
            let run_id = eng.recorded(|r| r.id().to_string());
            let req = create_load_balancer_request(input, name, &token, &run_id);
            eng.journal(|r| r.add_intent(ResourceKind::LoadBalancer, None, &token))?;
            // The token makes a repeat return the same CLB, so this call may be retried freely.
            let resp = eng.call(&req).await?;
            let id = resp
                .load_balancer_ids
                .unwrap_or_default()
                .into_iter()
                .next()
                .ok_or_else(|| StepError::Failed {
                    what: "CreateLoadBalancer".into(),
                    request_id: None,
                    reason: Text::new("engine.clb.no_id", &[]),
                })?;
            eng.journal(|r| r.add_created(ResourceKind::LoadBalancer, &id, None, &token))?;
            if let Some(task) = resp.request_id.as_deref() {
                if let Err(e) = wait_task(eng, &id, task, deadline::CLB_CREATE).await {
                    if matches!(e, StepError::Failed { .. }) {
                        // A failed creation task is final (no CLB exists) and the same
                        // token would answer with it again: the retry gets a new one.
                        eng.journal(|r| r.next_attempt_token(phase, Step::LoadBalancer))?
                            .map_err(StepError::Journal)?;
                    }
                    return Err(e);
                }
            }
            let lb = wait_lb_ready(eng, &id).await?;
            Ok(ClbOutput {
                load_balancer_id: id,
                vip: first_vip(&lb),
                created: true,
            })
        }
    }
}

fn first_vip(lb: &clb::LoadBalancer) -> String {
    lb.load_balancer_vips
        .iter()
        .flatten()
        .next()
        .cloned()
        .unwrap_or_default()
}

pub async fn describe_lb(eng: &Engine, id: &str) -> Result<Option<clb::LoadBalancer>, StepError> {
    let resp = eng
        .call(&clb::DescribeLoadBalancersRequest {
            load_balancer_ids: Some(vec![id.to_string()]),
            ..Default::default()
        })
        .await?;
    Ok(resp
        .load_balancer_set
        .unwrap_or_default()
        .into_iter()
        .find(|l| l.load_balancer_id.as_deref() == Some(id)))
}

/// Waits until the CLB is listed with status 1 (normal) and a VIP.
async fn wait_lb_ready(eng: &Engine, id: &str) -> Result<clb::LoadBalancer, StepError> {
    eng.poll_until(&format!("CLB {id}"), deadline::CLB_CREATE, || async move {
        match describe_lb(eng, id).await? {
            Some(lb) if lb.status == Some(1) && !first_vip(&lb).is_empty() => Ok(Polled::Ready(lb)),
            Some(lb) => Ok(Polled::Pending(format!(
                "status {}",
                lb.status.unwrap_or(0)
            ))),
            None => Ok(Polled::Pending("creating".into())),
        }
    })
    .await
}

/// Polls DescribeTaskStatus (the task id is the RequestId of the change)
/// until 0 (done); 1 (failed) stops the step with the API's message.
pub async fn wait_task(
    eng: &Engine,
    clb_id: &str,
    task_id: &str,
    limit: std::time::Duration,
) -> Result<(), StepError> {
    let last = std::sync::Mutex::new(None);
    eng.poll_fresh(&format!("CLB task {task_id}"), limit, || {
        let last = &last;
        async move {
            let resp = eng
                .call(&clb::DescribeTaskStatusRequest {
                    task_id: Some(task_id.to_string()),
                    ..Default::default()
                })
                .await?;
            let status = ClbTask::from_api(resp.status);
            if last
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .replace(status)
                != Some(status)
            {
                eng.report(Progress::Task {
                    clb: clb_id.to_string(),
                    task_id: task_id.to_string(),
                    status,
                });
            }
            match status {
                ClbTask::Succeeded => Ok(Polled::Ready(())),
                ClbTask::Failed => Err(StepError::Failed {
                    what: format!("CLB {clb_id} task {task_id}"),
                    request_id: None,
                    reason: resp
                        .message
                        .filter(|m| !m.is_empty())
                        .unwrap_or_else(|| "status 1".into())
                        .into(),
                }),
                ClbTask::Running => Ok(Polled::Pending("running".into())),
            }
        }
    })
    .await
}

/// The listener on `port`, if any (whatever its protocol).
pub async fn find_listener(
    eng: &Engine,
    lb: &str,
    port: i64,
) -> Result<Option<clb::Listener>, StepError> {
    let resp = eng
        .call(&clb::DescribeListenersRequest {
            load_balancer_id: Some(lb.to_string()),
            ..Default::default()
        })
        .await?;
    Ok(resp
        .listeners
        .unwrap_or_default()
        .into_iter()
        .find(|l| l.port == Some(port)))
}

pub fn create_listener_request(input: &ListenerInput) -> clb::CreateListenerRequest {
    clb::CreateListenerRequest {
        load_balancer_id: Some(input.load_balancer_id.clone()),
        ports: Some(vec![input.port]),
        protocol: Some(input.protocol.clone()),
        listener_names: Some(vec![input.name.clone()]),
        ..Default::default()
    }
}

pub async fn ensure_listener(
    eng: &Engine,
    input: &ListenerInput,
) -> Result<ListenerOutput, StepError> {
    let lb = &input.load_balancer_id;
    loop {
        if let Some(l) = find_listener(eng, lb, input.port).await? {
            let id = l.listener_id.clone().unwrap_or_default();
            if !l
                .protocol
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(&input.protocol))
            {
                return Err(StepError::Blocked(Text::new(
                    "engine.listener.port_taken",
                    &[
                        ("port", &input.port),
                        ("id", &id),
                        ("protocol", &l.protocol.unwrap_or_default()),
                    ],
                )));
            }
            // Ours if journaled, or if this run was about to create it (its
            // intent is journaled) or named it with its id: created just before a crash.
            let detail = format!("{}:{}", input.protocol, input.port);
            let run_id = eng.recorded(|r| r.id().to_string());
            let named_ours = (l.listener_name.as_deref() == Some(input.name.as_str())
                && input.name.contains(&run_id))
                || eng.recorded(|r| {
                    r.intent(ResourceKind::Listener, Some(lb), &detail)
                        .is_some()
                });
            let journaled = eng.recorded(|r| {
                r.created_of(ResourceKind::Listener)
                    .iter()
                    .any(|c| c.id == id)
            });
            if named_ours && !journaled {
                eng.journal(|r| r.add_created(ResourceKind::Listener, &id, Some(lb), &detail))?;
            }
            let ours = journaled || named_ours;
            if !ours {
                eng.log(
                    "engine.listener.reuse",
                    &[("id", &id), ("port", &input.port)],
                );
            }
            return Ok(ListenerOutput {
                listener_id: id,
                created: ours,
            });
        }
        let detail = format!("{}:{}", input.protocol, input.port);
        eng.journal(|r| r.add_intent(ResourceKind::Listener, Some(lb), &detail))?;
        match eng.send(&create_listener_request(input)).await? {
            Sent::Done(resp) => {
                let id = resp
                    .listener_ids
                    .unwrap_or_default()
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                if !id.is_empty() {
                    eng.journal(|r| r.add_created(ResourceKind::Listener, &id, Some(lb), &detail))?;
                }
                if let Some(task) = resp.request_id.as_deref() {
                    wait_task(eng, lb, task, deadline::CLB_TASK).await?;
                }
                if !id.is_empty() {
                    return Ok(ListenerOutput {
                        listener_id: id,
                        created: true,
                    });
                }
            }
            Sent::Unknown => {}
        }
    }
}

/// Whether listener `id` still exists on `lb`.
pub async fn find_listener_by_id(eng: &Engine, lb: &str, id: &str) -> Result<bool, StepError> {
    let resp = eng
        .call(&clb::DescribeListenersRequest {
            load_balancer_id: Some(lb.to_string()),
            listener_ids: Some(vec![id.to_string()]),
            ..Default::default()
        })
        .await?;
    Ok(resp
        .listeners
        .unwrap_or_default()
        .iter()
        .any(|l| l.listener_id.as_deref() == Some(id)))
}
