//! Step "Security group": for every bound instance, do its inbound rules let
//! the CLB VIP reach the backend port? If not and the plan asks, add one
//! ACCEPT rule for the VIP at the top of the instance's first security group.
//! Idempotent: the rules are read again before each addition.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cloud::models::{cvm, vpc};

use super::record::{Created, ResourceKind};
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

/// The description tcscale gives its rules (and recognises them by).
pub fn rule_description(vip: &str) -> String {
    format!("tcscale: CLB VIP {vip}")
}

/// The ingress policy the step adds.
pub fn vip_rule(vip: &str, port: i64) -> vpc::SecurityGroupPolicy {
    vpc::SecurityGroupPolicy {
        policy_index: Some(0),
        protocol: Some("TCP".into()),
        port: Some(port.to_string()),
        cidr_block: Some(vip.to_string()),
        action: Some("ACCEPT".into()),
        policy_description: Some(rule_description(vip)),
        ..Default::default()
    }
}

async fn ingress(eng: &Engine, sg: &str) -> Result<Vec<vpc::SecurityGroupPolicy>, StepError> {
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

pub async fn ensure_vip_allowed(eng: &Engine, input: &SgInput) -> Result<SgOutput, StepError> {
    let mut out = SgOutput::default();
    for inst in &input.instances {
        let id = inst.instance_id.clone().unwrap_or_default();
        let groups = inst.security_group_ids.clone().unwrap_or_default();
        if groups.is_empty() {
            out.per_instance.insert(id, SgVerdict::Allowed);
            continue;
        }
        let verdict = loop {
            let rules = instance_ingress(eng, &groups).await?;
            if allows(&rules, &input.vip, input.port) {
                break SgVerdict::Allowed;
            }
            if !input.fix {
                eng.log(
                    "engine.sg.missing",
                    &[("id", &id), ("vip", &input.vip), ("port", &input.port)],
                );
                break SgVerdict::Missing;
            }
            let sg = groups[0].clone();
            let req = vpc::CreateSecurityGroupPoliciesRequest {
                security_group_id: Some(sg.clone()),
                security_group_policy_set: Some(vpc::SecurityGroupPolicySet {
                    ingress: Some(vec![vip_rule(&input.vip, input.port)]),
                    ..Default::default()
                }),
            };
            match eng.send(&req).await? {
                Sent::Done(_) => {
                    eng.journal(|r| {
                        r.add_created(Created {
                            kind: ResourceKind::SecurityGroupRule,
                            id: format!("{sg}:ingress:TCP:{}:{}", input.port, input.vip),
                            parent: Some(sg.clone()),
                            detail: rule_description(&input.vip),
                        })
                    })?;
                    eng.log("engine.sg.added", &[("sg", &sg), ("vip", &input.vip), ("port", &input.port)]);
                    break SgVerdict::RuleAdded { security_group: sg };
                }
                // Maybe applied: read the rules again before adding anything.
                Sent::Unknown => continue,
            }
        };
        out.per_instance.insert(id, verdict);
    }
    Ok(out)
}

/// Whether ingress `rules`, evaluated in order (first match decides, the
/// implicit default is deny), accept TCP from `ip` to `port`.
pub fn allows(rules: &[vpc::SecurityGroupPolicy], ip: &str, port: i64) -> bool {
    for r in rules {
        let proto = r.protocol.as_deref().unwrap_or("ALL").to_ascii_uppercase();
        if proto != "ALL" && proto != "TCP" {
            continue;
        }
        if !port_matches(r.port.as_deref().unwrap_or("ALL"), port) {
            continue;
        }
        if !cidr_contains(r.cidr_block.as_deref().unwrap_or(""), ip) {
            continue;
        }
        return r.action.as_deref().is_some_and(|a| a.eq_ignore_ascii_case("ACCEPT"));
    }
    false
}

fn port_matches(spec: &str, port: i64) -> bool {
    let spec = spec.trim();
    if spec.is_empty() || spec.eq_ignore_ascii_case("ALL") {
        return true;
    }
    spec.split(',').map(str::trim).any(|part| match part.split_once('-') {
        Some((lo, hi)) => matches!((lo.trim().parse::<i64>(), hi.trim().parse::<i64>()), (Ok(lo), Ok(hi)) if (lo..=hi).contains(&port)),
        None => part.parse::<i64>() == Ok(port),
    })
}

fn cidr_contains(cidr: &str, ip: &str) -> bool {
    let Ok(ip) = ip.parse::<std::net::Ipv4Addr>() else {
        return false;
    };
    let (net, len) = match cidr.trim().split_once('/') {
        Some((a, l)) => (a, l.parse::<u32>().unwrap_or(99)),
        None => (cidr.trim(), 32),
    };
    let Ok(net) = net.parse::<std::net::Ipv4Addr>() else {
        return false;
    };
    if len > 32 {
        return false;
    }
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    u32::from(net) & mask == u32::from(ip) & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(proto: &str, port: &str, cidr: &str, action: &str) -> vpc::SecurityGroupPolicy {
        vpc::SecurityGroupPolicy {
            protocol: Some(proto.into()),
            port: Some(port.into()),
            cidr_block: Some(cidr.into()),
            action: Some(action.into()),
            ..Default::default()
        }
    }

    #[test]
    fn first_matching_rule_decides() {
        let vip = "10.0.1.20";
        assert!(!allows(&[], vip, 80));
        assert!(allows(&[rule("TCP", "80", "10.0.1.0/24", "ACCEPT")], vip, 80));
        assert!(!allows(&[rule("TCP", "80", "10.0.1.0/24", "DROP"), rule("ALL", "ALL", "0.0.0.0/0", "ACCEPT")], vip, 80));
        assert!(allows(&[rule("UDP", "80", "0.0.0.0/0", "DROP"), rule("tcp", "22,80-90", "0.0.0.0/0", "ACCEPT")], vip, 80));
        assert!(!allows(&[rule("TCP", "443", "0.0.0.0/0", "ACCEPT")], vip, 80));
        assert!(!allows(&[rule("TCP", "80", "10.0.2.0/24", "ACCEPT")], vip, 80));
        assert!(allows(&[vip_rule(vip, 80)], vip, 80));
    }
}
