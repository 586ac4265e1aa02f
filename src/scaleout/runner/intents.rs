//! Creations whose answer never reached the journal. Before every creating
//! call the step journals an intent (the kind, and the key the resource can
//! be found by); if the process dies between the API's answer and the
//! journal write, the intent is all that is left. Resume re-attaches through
//! the step itself (same ClientToken, or its Describe check); cleanup first
//! looks each intent up here, so what was created is deleted too, and an
//! intent that created nothing is dropped.

use crate::cloud::models::{clb, cvm};
use crate::scaleout::journal::{Resource, ResourceKind};

use crate::scaleout::security_group::{has_added_rule, RULE_DESCRIPTION};

use super::cleanup::sg_rule_parts;
use super::image::RUN_TAG;
use super::load_balancer::find_listener;
use super::remote_edit::write_intent_backup;
use super::{Engine, StepError};
use crate::scaleout::remote_op::backed_up_path;

/// Turns every pending intent into the resources it created (none: dropped).
pub async fn resolve_intents(eng: &Engine) -> Result<(), StepError> {
    let pending: Vec<Resource> = eng.recorded(|r| {
        r.created()
            .iter()
            .filter(|c| c.id.is_empty())
            .cloned()
            .collect()
    });
    if pending.is_empty() {
        return Ok(());
    }
    let run_id = eng.recorded(|r| r.id().to_string());
    for intent in pending {
        let found = match intent.kind {
            ResourceKind::Image => images_named(eng, &intent.detail, &run_id).await?,
            ResourceKind::Instance => tagged_instances(eng, &run_id).await?,
            ResourceKind::LoadBalancer => tagged_clbs(eng, &run_id).await?,
            ResourceKind::Listener => listener_at(eng, &intent).await?,
            ResourceKind::SecurityGroupRule => {
                // Fulfilled in place: the rule's journal id is its own key.
                if rule_present(eng, &intent).await? {
                    eng.journal(|r| {
                        r.fulfil_intent(
                            intent.kind,
                            intent.parent.as_deref(),
                            &intent.detail,
                            &intent.detail,
                            &format!("{} (sent before a crash)", RULE_DESCRIPTION),
                        )
                    })?;
                    continue;
                }
                Vec::new()
            }
            ResourceKind::SdkConfigChange => {
                // Kept unless the backup is known to be absent (the write
                // backs up first): cleanup then restores it, or holds back.
                let instance = intent.parent.clone().unwrap_or_default();
                match write_intent_backup(eng, &instance, &intent.detail).await? {
                    Some(false) => Vec::new(),
                    Some(true) | None => {
                        let path = backed_up_path(&intent.detail).unwrap_or_default();
                        vec![format!("{instance}:{path}")]
                    }
                }
            }
        };
        eng.journal(|r| {
            let known: Vec<String> = r
                .created_of(intent.kind)
                .iter()
                .map(|c| c.id.clone())
                .collect();
            let new: Vec<&String> = found.iter().filter(|id| !known.contains(id)).collect();
            for id in &new {
                r.add_created(intent.kind, id, intent.parent.as_deref(), &intent.detail);
            }
            if new.is_empty() {
                r.journal
                    .created_resources
                    .retain(|c| !(c.id.is_empty() && *c == intent));
            }
        })?;
    }
    Ok(())
}

/// Images of that name carrying this run's tag (any state: a failed one is deleted too).
async fn images_named(eng: &Engine, name: &str, run_id: &str) -> Result<Vec<String>, StepError> {
    let resp = eng
        .call(&cvm::DescribeImagesRequest {
            filters: Some(vec![cvm::Filter {
                name: Some("image-name".into()),
                values: Some(vec![name.to_string()]),
            }]),
            limit: Some(100),
            ..Default::default()
        })
        .await?;
    Ok(resp
        .image_set
        .unwrap_or_default()
        .into_iter()
        .filter(|i| i.image_name.as_deref() == Some(name))
        .filter(|i| {
            i.tags
                .iter()
                .flatten()
                .any(|t| t.key.as_deref() == Some(RUN_TAG) && t.value.as_deref() == Some(run_id))
        })
        .filter_map(|i| i.image_id)
        .collect())
}

fn run_filter(run_id: &str) -> (String, Vec<String>) {
    (format!("tag:{RUN_TAG}"), vec![run_id.to_string()])
}

async fn tagged_instances(eng: &Engine, run_id: &str) -> Result<Vec<String>, StepError> {
    let (name, values) = run_filter(run_id);
    let resp = eng
        .call(&cvm::DescribeInstancesRequest {
            filters: Some(vec![cvm::Filter {
                name: Some(name),
                values: Some(values),
            }]),
            limit: Some(100),
            ..Default::default()
        })
        .await?;
    Ok(resp
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
        .collect())
}

async fn tagged_clbs(eng: &Engine, run_id: &str) -> Result<Vec<String>, StepError> {
    let (name, values) = run_filter(run_id);
    let resp = eng
        .call(&clb::DescribeLoadBalancersRequest {
            filters: Some(vec![clb::Filter {
                name: Some(name),
                values: Some(values),
            }]),
            ..Default::default()
        })
        .await?;
    Ok(resp
        .load_balancer_set
        .unwrap_or_default()
        .into_iter()
        .filter_map(|l| l.load_balancer_id)
        .collect())
}

/// The listener on the intent's port (`TCP:80`) of its CLB: it did not
/// exist when the step looked (else no intent), so the run created it.
async fn listener_at(eng: &Engine, intent: &Resource) -> Result<Vec<String>, StepError> {
    let (Some(lb), Some(port)) = (
        intent.parent.as_deref(),
        intent
            .detail
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse::<i64>().ok()),
    ) else {
        return Ok(Vec::new());
    };
    Ok(find_listener(eng, lb, port)
        .await?
        .and_then(|l| l.listener_id)
        .into_iter()
        .collect())
}

/// Whether the rule an intent names (`sg:ingress:TCP:port:vip`) is in its group.
async fn rule_present(eng: &Engine, intent: &Resource) -> Result<bool, StepError> {
    let as_rule = Resource {
        id: intent.detail.clone(),
        ..intent.clone()
    };
    let Some((sg, _, port, source)) = sg_rule_parts(&as_rule) else {
        return Ok(false);
    };
    let (Ok(port), Some(vip)) = (port.parse::<u16>(), source.strip_suffix("/32")) else {
        return Ok(false);
    };
    let rules = super::security_group_step::ingress(eng, &sg).await?;
    Ok(has_added_rule(&rules, vip, port))
}
