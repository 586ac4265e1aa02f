//! Step "Launch": new servers from the image, in the source's region, zone,
//! project, VPC, subnet and security groups. First a DryRun; then the real
//! call with the run's ClientToken for this step, recorded before it is sent,
//! so a retry or a resume returns the same instances instead of new ones.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cloud::models::cvm;

use super::image::{RUN_TAG, SOURCE_TAG};
use super::record::{token_attempt, Phase, ResourceKind, Step};
use super::wait::{deadline, Polled};
use super::{Engine, Progress, StepError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaunchInput {
    /// The server being copied: placement, type, network and disks come from it.
    pub source: cvm::Instance,
    pub image_id: String,
    pub count: u32,
    /// Name of the new servers (the API numbers them when the name has `{R:1}`).
    pub instance_name: String,
    /// Override of the source's instance type.
    pub instance_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaunchOutput {
    pub instance_ids: Vec<String>,
}

/// What the wizard's Launch form sets on top of the copied source.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchForm {
    pub image_id: String,
    pub count: u32,
    pub instance_name: String,
    pub instance_type: String,
    pub zone: String,
    pub project_id: i64,
}

/// The launch of copies of `source` as the form sets it: the form may move
/// the copies to another zone or project (its checklist said what that
/// means); network, disks and login stay the source's.
pub fn launch_input(source: &cvm::Instance, form: &LaunchForm) -> LaunchInput {
    let mut source = source.clone();
    let placement = source.placement.get_or_insert_with(Default::default);
    placement.zone = Some(form.zone.clone());
    placement.project_id = Some(form.project_id);
    LaunchInput {
        source,
        image_id: form.image_id.clone(),
        count: form.count,
        instance_name: form.instance_name.clone(),
        instance_type: Some(form.instance_type.clone()).filter(|t| !t.is_empty()),
    }
}

/// The RunInstances request a launch sends (also shown in the plan preview).
pub fn run_instances_request(
    input: &LaunchInput,
    token: &str,
    run_id: &str,
) -> cvm::RunInstancesRequest {
    let src = &input.source;
    let placement = src.placement.clone().unwrap_or_default();
    let vpc = src.virtual_private_cloud.clone().unwrap_or_default();
    let net = src.internet_accessible.clone().unwrap_or_default();
    let sys = src.system_disk.clone().unwrap_or_default();
    cvm::RunInstancesRequest {
        // Copies are pay-as-you-go: a prepaid source would need a period the plan does not carry.
        instance_charge_type: Some("POSTPAID_BY_HOUR".into()),
        placement: Some(cvm::Placement {
            zone: placement.zone,
            project_id: placement.project_id,
            ..Default::default()
        }),
        instance_type: input.instance_type.clone().or(src.instance_type.clone()),
        image_id: Some(input.image_id.clone()),
        system_disk: Some(cvm::SystemDisk {
            disk_type: sys.disk_type,
            disk_size: sys.disk_size,
            ..Default::default()
        }),
        data_disks: src.data_disks.as_ref().map(|ds| {
            ds.iter()
                .map(|d| cvm::DataDisk {
                    disk_type: d.disk_type.clone(),
                    disk_size: d.disk_size,
                    ..Default::default()
                })
                .collect()
        }),
        virtual_private_cloud: Some(cvm::VirtualPrivateCloud {
            vpc_id: vpc.vpc_id,
            subnet_id: vpc.subnet_id,
            ..Default::default()
        }),
        internet_accessible: Some(cvm::InternetAccessible {
            internet_charge_type: net.internet_charge_type,
            internet_max_bandwidth_out: net.internet_max_bandwidth_out,
            public_ip_assigned: Some(net.internet_max_bandwidth_out.unwrap_or(0) > 0),
            ..Default::default()
        }),
        instance_count: Some(input.count as i64),
        instance_name: Some(input.instance_name.clone()),
        login_settings: Some(cvm::LoginSettings {
            keep_image_login: Some("TRUE".into()),
            ..Default::default()
        }),
        security_group_ids: src.security_group_ids.clone(),
        client_token: Some(token.to_string()),
        tag_specification: Some(vec![cvm::TagSpecification {
            resource_type: Some("instance".into()),
            tags: Some(vec![
                cvm::Tag {
                    key: Some(RUN_TAG.into()),
                    value: Some(run_id.into()),
                },
                cvm::Tag {
                    key: Some(SOURCE_TAG.into()),
                    value: src.instance_id.clone(),
                },
            ]),
        }]),
        ..Default::default()
    }
}

pub async fn run_instances(
    eng: &Engine,
    phase: Phase,
    input: &LaunchInput,
) -> Result<LaunchOutput, StepError> {
    if input.count == 0 {
        return Ok(LaunchOutput {
            instance_ids: Vec::new(),
        });
    }
    let (token, run_id) = eng.journal(|r| (r.token(phase, Step::Launch), r.id().to_string()))?;
    let mut token = token.map_err(StepError::Journal)?;
    // Every instance any attempt of this step launched (attempts share a token base).
    let earlier: Vec<(String, String)> = eng.recorded(|r| {
        r.created_of(ResourceKind::Instance)
            .iter()
            .filter(|c| !c.id.is_empty() && token_attempt(&c.detail).0 == token_attempt(&token).0)
            .map(|c| (c.id.clone(), c.detail.clone()))
            .collect()
    });
    let mut kept: Vec<String> = earlier.iter().map(|(id, _)| id.clone()).collect();
    // Journaled instances the cloud no longer lists (terminated, or a
    // sandbox started afresh) are not re-attached to: they are launched
    // anew, under a fresh token, since the old one answers with the lost ones.
    let gone = not_listed(eng, &kept).await?;
    if !gone.is_empty() {
        eng.log("engine.launch.gone", &[("ids", &gone.join(", "))]);
        kept.retain(|id| !gone.contains(id));
        token = eng
            .journal(|r| r.next_attempt_token(phase, Step::Launch))?
            .map_err(StepError::Journal)?;
    }
    let failed = launch_failed(eng, &kept).await?;
    if !failed.is_empty() {
        // A failed launch never recovers; the same token would return it again.
        eng.call(&cvm::TerminateInstancesRequest {
            instance_ids: Some(failed.clone()),
            ..Default::default()
        })
        .await?;
        eng.log(
            "engine.launch.failed_removed",
            &[("ids", &failed.join(", "))],
        );
        kept.retain(|id| !failed.contains(id));
        token = eng
            .journal(|r| r.next_attempt_token(phase, Step::Launch))?
            .map_err(StepError::Journal)?;
    }
    let this_attempt = earlier.iter().filter(|(_, t)| *t == token).count();
    let ids = if kept.len() >= input.count as usize {
        eng.log("engine.launch.reattach", &[("ids", &kept.join(", "))]);
        kept
    } else {
        let mut attempt = input.clone();
        // Instances of earlier attempts that did start are kept, not doubled.
        attempt.count = input.count - (kept.len() - this_attempt) as u32;
        let req = run_instances_request(&attempt, &token, &run_id);
        if this_attempt == 0 {
            dry_run(eng, &req).await?;
            eng.report(Progress::DryRunPassed);
        }
        eng.journal(|r| r.add_intent(ResourceKind::Instance, None, &token))?;
        // Same ClientToken every time: the API answers with the same instances.
        let resp = eng.call(&req).await?;
        let ids = resp.instance_id_set.unwrap_or_default();
        if ids.is_empty() {
            return Err(StepError::Failed {
                what: "RunInstances".into(),
                request_id: None,
                reason: crate::i18n::Text::new("engine.launch.no_ids", &[]),
            });
        }
        eng.journal(|r| {
            for id in &ids {
                r.add_created(ResourceKind::Instance, id, None, &token);
            }
        })?;
        kept.retain(|id| !ids.contains(id));
        kept.extend(ids);
        kept
    };
    wait_running(eng, &ids).await?;
    Ok(LaunchOutput { instance_ids: ids })
}

/// The instances of `ids` the API lists, asked in batches of the API's
/// limit (100 ids per call). The one chunked DescribeInstances of the
/// engine: apply's steps, the wizard's jobs and cleanup all ask through it.
/// An id the API calls unknown (`InvalidInstanceId.NotFound`, as the real
/// API may answer for an id terminated long ago) is simply not listed: its
/// batch is asked again id by id, so the others are still found.
pub async fn describe_instances(
    eng: &Engine,
    ids: &[String],
) -> Result<Vec<cvm::Instance>, StepError> {
    let ask = |chunk: Vec<String>| async move {
        eng.call(&cvm::DescribeInstancesRequest {
            limit: Some(chunk.len() as i64),
            instance_ids: Some(chunk),
            ..Default::default()
        })
        .await
        .map(|r| r.instance_set.unwrap_or_default())
    };
    let unknown = |e: &StepError| matches!(e, StepError::Cloud(c) if c.code() == Some("InvalidInstanceId.NotFound"));
    let mut all = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(crate::cloud::limits::DESCRIBE_IDS_PER_CALL) {
        match ask(chunk.to_vec()).await {
            Ok(found) => all.extend(found),
            Err(e) if unknown(&e) => {
                for id in chunk {
                    match ask(vec![id.clone()]).await {
                        Ok(found) => all.extend(found),
                        Err(e) if unknown(&e) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(all)
}

/// Which of `ids` DescribeInstances does not list.
async fn not_listed(eng: &Engine, ids: &[String]) -> Result<Vec<String>, StepError> {
    let found = describe_instances(eng, ids).await?;
    Ok(ids
        .iter()
        .filter(|id| {
            !found
                .iter()
                .any(|i| i.instance_id.as_deref() == Some(id.as_str()))
        })
        .cloned()
        .collect())
}

/// Which of `ids` ended LAUNCH_FAILED.
async fn launch_failed(eng: &Engine, ids: &[String]) -> Result<Vec<String>, StepError> {
    Ok(describe_instances(eng, ids)
        .await?
        .into_iter()
        .filter(|i| i.instance_state.as_deref() == Some("LAUNCH_FAILED"))
        .filter_map(|i| i.instance_id)
        .collect())
}

/// RunInstances with DryRun: the API checks quota, type, image, network and
/// answers `DryRunOperation` (or only a RequestId) when the real call would pass.
/// `req` as a DryRun: checked by the API, nothing launched (no token: a
/// check is not a creation to recognise when repeated).
pub fn dry_run_request(req: &cvm::RunInstancesRequest) -> cvm::RunInstancesRequest {
    let mut dry = req.clone();
    dry.dry_run = Some(true);
    dry.client_token = None;
    dry
}

async fn dry_run(eng: &Engine, req: &cvm::RunInstancesRequest) -> Result<(), StepError> {
    match eng.call(&dry_run_request(req)).await {
        Ok(_) => Ok(()),
        Err(StepError::Cloud(e)) if e.is("DryRunOperation") => Ok(()),
        Err(e) => Err(e),
    }
}

/// Polls DescribeInstances until every instance is RUNNING; LAUNCH_FAILED stops the step.
pub async fn wait_running(eng: &Engine, ids: &[String]) -> Result<(), StepError> {
    let shown: std::sync::Mutex<BTreeMap<String, String>> = Default::default();
    let what = format!("RunInstances {}", ids.join(","));
    eng.poll_until(&what, deadline::LAUNCH, || {
        let shown = &shown;
        async move {
            let set = describe_instances(eng, ids).await?;
            let mut pending = None;
            for id in ids {
                let inst = set.iter().find(|i| i.instance_id.as_deref() == Some(id));
                // A just-launched instance may not be listed yet: it is pending.
                let state = inst
                    .and_then(|i| i.instance_state.clone())
                    .unwrap_or_else(|| "PENDING".into());
                let mut shown = shown.lock().unwrap_or_else(|p| p.into_inner());
                if shown.get(id) != Some(&state) {
                    shown.insert(id.clone(), state.clone());
                    eng.report(Progress::InstanceState {
                        id: id.clone(),
                        state: state.clone(),
                    });
                }
                match state.as_str() {
                    "RUNNING" => {}
                    "LAUNCH_FAILED" => {
                        let reason = inst
                            .and_then(|i| i.latest_operation_error_msg.clone())
                            .filter(|m| !m.is_empty())
                            .unwrap_or_else(|| "LAUNCH_FAILED".into());
                        return Err(StepError::Failed {
                            what: format!("RunInstances {id}"),
                            request_id: inst.and_then(|i| i.latest_operation_request_id.clone()),
                            reason: reason.into(),
                        });
                    }
                    other => pending = Some(other.to_string()),
                }
            }
            Ok(match pending {
                None => Polled::Ready(()),
                Some(s) => Polled::Pending(s),
            })
        }
    })
    .await
}

/// The account's pay-as-you-go instance quota in `zone` (`None` when the API
/// lists no such zone). Launches are checked by the DryRun; this is for what
/// no DryRun covers (the instances an Auto Scaling group may launch later)
/// and for showing the figure before the user chooses a count.
pub async fn zone_quota(eng: &Engine, zone: &str) -> Result<Option<cvm::PostPaidQuota>, StepError> {
    let resp = eng
        .call(&cvm::DescribeAccountQuotaRequest {
            filters: Some(vec![cvm::Filter {
                name: Some("zone".into()),
                values: Some(vec![zone.to_string()]),
            }]),
        })
        .await?;
    Ok(resp
        .account_quota_overview
        .and_then(|o| o.account_quota)
        .and_then(|a| a.post_paid_quota_set)
        .unwrap_or_default()
        .into_iter()
        .find(|q| q.zone.as_deref().is_none_or(|z| z == zone)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_placement_network_and_groups_from_the_source() {
        let source = cvm::Instance {
            instance_id: Some("ins-s1".into()),
            instance_type: Some("S5.MEDIUM2".into()),
            placement: Some(cvm::Placement {
                zone: Some("ap-guangzhou-3".into()),
                project_id: Some(1001),
                ..Default::default()
            }),
            virtual_private_cloud: Some(cvm::VirtualPrivateCloud {
                vpc_id: Some("vpc-1".into()),
                subnet_id: Some("subnet-1".into()),
                ..Default::default()
            }),
            security_group_ids: Some(vec!["sg-1".into(), "sg-2".into()]),
            internet_accessible: Some(cvm::InternetAccessible {
                internet_max_bandwidth_out: Some(5),
                internet_charge_type: Some("TRAFFIC_POSTPAID_BY_HOUR".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let input = LaunchInput {
            source,
            image_id: "img-1".into(),
            count: 2,
            instance_name: "mina_auth".into(),
            instance_type: None,
        };
        let req = run_instances_request(&input, "tok", "run1");
        let p = req.placement.unwrap();
        assert_eq!(p.zone.as_deref(), Some("ap-guangzhou-3"));
        assert_eq!(p.project_id, Some(1001));
        let v = req.virtual_private_cloud.unwrap();
        assert_eq!(v.vpc_id.as_deref(), Some("vpc-1"));
        assert_eq!(v.subnet_id.as_deref(), Some("subnet-1"));
        assert_eq!(req.security_group_ids.unwrap(), vec!["sg-1", "sg-2"]);
        assert_eq!(req.instance_type.as_deref(), Some("S5.MEDIUM2"));
        assert_eq!(req.client_token.as_deref(), Some("tok"));
        assert_eq!(req.instance_count, Some(2));
        assert_eq!(req.image_id.as_deref(), Some("img-1"));
        assert_eq!(
            req.internet_accessible.unwrap().internet_max_bandwidth_out,
            Some(5)
        );
    }
}
