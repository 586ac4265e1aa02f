//! Step "Security group": for every bound instance, do its inbound rules let
//! the CLB VIP reach the backend port? If not and the plan asks, add one
//! ACCEPT rule for the VIP at the top of the instance's first security group.
//! Idempotent: the rules are read again before each addition.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use std::net::Ipv4Addr;

use crate::cloud::models::{cvm, vpc};
use crate::i18n::Text;
use crate::scaleout::security_group as sg_rules;

use super::record::ResourceKind;
use super::wait::Sent;
use super::{Engine, StepError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SgInput {
    pub instances: Vec<cvm::Instance>,
    pub vip: String,
    pub port: i64,
    /// Add the rule when missing (else only report).
    pub fix: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SgVerdict {
    /// Already allowed (or no security group at all: nothing filters).
    Allowed,
    /// This step added a rule to that security group.
    RuleAdded { security_group: String },
    /// Not allowed and the plan did not ask to fix it.
    Missing,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SgOutput {
    pub per_instance: BTreeMap<String, SgVerdict>,
}

pub(super) async fn ingress(
    eng: &Engine,
    sg: &str,
) -> Result<Vec<vpc::SecurityGroupPolicy>, StepError> {
    let resp = eng
        .call(&vpc::DescribeSecurityGroupPoliciesRequest {
            security_group_id: Some(sg.to_string()),
            ..Default::default()
        })
        .await?;
    Ok(resp
        .security_group_policy_set
        .and_then(|s| s.ingress)
        .unwrap_or_default())
}

/// The instance's inbound rules, its security groups' in order.
async fn instance_ingress(
    eng: &Engine,
    groups: &[String],
) -> Result<Vec<vpc::SecurityGroupPolicy>, StepError> {
    let mut all = Vec::new();
    for sg in groups {
        all.extend(ingress(eng, sg).await?);
    }
    Ok(all)
}

/// The rule that lets the CLB's VIP in on `port`, as the engine adds it
/// (the wizard's confirm shows the same request).
pub fn add_rule_request(sg: &str, vip: &str, port: u16) -> vpc::CreateSecurityGroupPoliciesRequest {
    vpc::CreateSecurityGroupPoliciesRequest {
        security_group_id: Some(sg.to_string()),
        security_group_policy_set: Some(sg_rules::policy_set_to_add(vip, port)),
    }
}

pub async fn ensure_vip_allowed(eng: &Engine, input: &SgInput) -> Result<SgOutput, StepError> {
    let mut out = SgOutput::default();
    let vip: Ipv4Addr = input
        .vip
        .parse()
        .map_err(|_| StepError::Blocked(Text::new("engine.sg.bad_vip", &[("vip", &input.vip)])))?;
    let port = u16::try_from(input.port).map_err(|_| {
        StepError::Blocked(Text::new("engine.sg.bad_port", &[("port", &input.port)]))
    })?;
    for inst in &input.instances {
        let id = inst.instance_id.clone().unwrap_or_default();
        let groups = inst.security_group_ids.clone().unwrap_or_default();
        if groups.is_empty() {
            out.per_instance.insert(id, SgVerdict::Allowed);
            continue;
        }
        // The rule goes to the first group; its journal id is known before the call.
        let sg = groups[0].clone();
        let rule = format!("{sg}:ingress:TCP:{}:{}", input.port, input.vip);
        let detail = format!("{} {}", sg_rules::RULE_DESCRIPTION, input.vip);
        // The rule exists now: the intent journaled before sending it becomes the rule.
        let added = || -> Result<SgVerdict, StepError> {
            eng.journal(|r| {
                r.fulfil_intent(
                    ResourceKind::SecurityGroupRule,
                    Some(&sg),
                    &rule,
                    &rule,
                    &detail,
                )
            })?;
            Ok(SgVerdict::RuleAdded {
                security_group: sg.clone(),
            })
        };
        let verdict = loop {
            let rules = instance_ingress(eng, &groups).await?;
            let sent_before = eng.recorded(|r| {
                r.intent(ResourceKind::SecurityGroupRule, Some(&sg), &rule)
                    .is_some()
            });
            if sent_before && sg_rules::has_added_rule(&rules, &input.vip, port) {
                // Added just before a crash: the rule is this run's.
                break added()?;
            }
            let set = vpc::SecurityGroupPolicySet {
                ingress: Some(rules),
                ..Default::default()
            };
            let evaluation = sg_rules::vip_allowed(&set, vip, port);
            if evaluation.allows() {
                break SgVerdict::Allowed;
            }
            if !input.fix {
                eng.say(Text::per_lang(|lang| evaluation.describe(lang)));
                eng.log(
                    "engine.sg.missing",
                    &[("id", &id), ("vip", &input.vip), ("port", &input.port)],
                );
                break SgVerdict::Missing;
            }
            let req = add_rule_request(&sg, &input.vip, port);
            eng.journal(|r| r.add_intent(ResourceKind::SecurityGroupRule, Some(&sg), &rule))?;
            match eng.send(&req).await? {
                Sent::Done(_) => {
                    eng.log(
                        "engine.sg.added",
                        &[("sg", &sg), ("vip", &input.vip), ("port", &input.port)],
                    );
                    break added()?;
                }
                // Maybe applied: read the rules again before adding anything.
                Sent::Unknown => continue,
            }
        };
        out.per_instance.insert(id, verdict);
    }
    Ok(out)
}
