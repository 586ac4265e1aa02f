//! Today's architecture, read from live data: the load balancers with their
//! listeners and bound targets, the instances, and which instance plays which
//! role — a business server sits behind a public (OPEN) CLB, a session server
//! behind an internal one; unbound servers are recognised by a `role` tag or
//! their name (`mina_auth` is the session service of the guide).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cloud::models::{clb, cvm};
use crate::scaleout::runner::{Engine, StepError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Business,
    Session,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundTarget {
    pub instance_id: String,
    pub port: i64,
    pub weight: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenerView {
    pub listener_id: String,
    pub protocol: String,
    pub port: i64,
    pub targets: Vec<BoundTarget>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClbView {
    pub lb: clb::LoadBalancer,
    pub listeners: Vec<ListenerView>,
}

impl ClbView {
    pub fn id(&self) -> &str {
        self.lb.load_balancer_id.as_deref().unwrap_or("")
    }
    pub fn is_public(&self) -> bool {
        self.lb.load_balancer_type.as_deref() == Some("OPEN")
    }
    pub fn vip(&self) -> &str {
        self.lb
            .load_balancer_vips
            .as_ref()
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or("")
    }
    pub fn binds(&self, instance: &str) -> bool {
        self.listeners
            .iter()
            .any(|l| l.targets.iter().any(|t| t.instance_id == instance))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    pub instances: Vec<cvm::Instance>,
    pub load_balancers: Vec<ClbView>,
    pub roles: BTreeMap<String, Role>,
}

impl Architecture {
    pub fn instance(&self, id: &str) -> Option<&cvm::Instance> {
        self.instances
            .iter()
            .find(|i| i.instance_id.as_deref() == Some(id))
    }

    pub fn with_role(&self, role: Role) -> Vec<&cvm::Instance> {
        self.instances
            .iter()
            .filter(|i| {
                i.instance_id
                    .as_deref()
                    .is_some_and(|id| self.roles.get(id) == Some(&role))
            })
            .collect()
    }

    /// The public CLB a business server is bound to (the first, if several).
    pub fn public_clb_of(&self, instance: &str) -> Option<&ClbView> {
        self.load_balancers
            .iter()
            .find(|c| c.is_public() && c.binds(instance))
    }

    pub fn internal_clb_of(&self, instance: &str) -> Option<&ClbView> {
        self.load_balancers
            .iter()
            .find(|c| !c.is_public() && c.binds(instance))
    }
}

/// The role of an instance: the CLB it is bound to says it best; then a
/// `role`/`tcscale-role` tag; then its name.
pub fn classify(inst: &cvm::Instance, lbs: &[ClbView]) -> Option<Role> {
    let id = inst.instance_id.as_deref().unwrap_or("");
    if lbs.iter().any(|c| c.is_public() && c.binds(id)) {
        return Some(Role::Business);
    }
    if lbs.iter().any(|c| !c.is_public() && c.binds(id)) {
        return Some(Role::Session);
    }
    for t in inst.tags.iter().flatten() {
        let key = t.key.as_deref().unwrap_or("").to_ascii_lowercase();
        if key == "role" || key == "tcscale-role" {
            match t
                .value
                .as_deref()
                .unwrap_or("")
                .to_ascii_lowercase()
                .as_str()
            {
                "business" | "业务服务器" => return Some(Role::Business),
                "session" | "会话管理服务器" => return Some(Role::Session),
                _ => {}
            }
        }
    }
    let name = inst
        .instance_name
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.contains("mina_auth") || name.contains("session") || name.contains("会话") {
        Some(Role::Session)
    } else if name.contains("weapp") || name.contains("business") || name.contains("业务") {
        Some(Role::Business)
    } else {
        None
    }
}

async fn all_instances(eng: &Engine) -> Result<Vec<cvm::Instance>, StepError> {
    let mut out = Vec::new();
    loop {
        let resp = eng
            .call(&cvm::DescribeInstancesRequest {
                offset: Some(out.len() as i64),
                limit: Some(100),
                ..Default::default()
            })
            .await?;
        let page = resp.instance_set.unwrap_or_default();
        let total = resp.total_count.unwrap_or(0) as usize;
        let n = page.len();
        out.extend(page);
        if n == 0 || out.len() >= total {
            return Ok(out);
        }
    }
}

async fn all_load_balancers(eng: &Engine) -> Result<Vec<clb::LoadBalancer>, StepError> {
    let mut out = Vec::new();
    loop {
        let resp = eng
            .call(&clb::DescribeLoadBalancersRequest {
                offset: Some(out.len() as i64),
                limit: Some(100),
                ..Default::default()
            })
            .await?;
        let page = resp.load_balancer_set.unwrap_or_default();
        let total = resp.total_count.unwrap_or(0) as usize;
        let n = page.len();
        out.extend(page);
        if n == 0 || out.len() >= total {
            return Ok(out);
        }
    }
}

/// The listeners of one CLB with their bound targets.
pub async fn listeners_of(eng: &Engine, lb: &str) -> Result<Vec<ListenerView>, StepError> {
    let resp = eng
        .call(&clb::DescribeTargetsRequest {
            load_balancer_id: Some(lb.to_string()),
            ..Default::default()
        })
        .await?;
    let mut views: Vec<ListenerView> = Vec::new();
    for l in resp.listeners.unwrap_or_default() {
        let rule_targets = l
            .rules
            .iter()
            .flatten()
            .flat_map(|r| r.targets.iter().flatten());
        let targets = l
            .targets
            .iter()
            .flatten()
            .chain(rule_targets)
            .filter_map(|t| {
                Some(BoundTarget {
                    instance_id: t.instance_id.clone()?,
                    port: t.port.unwrap_or(0),
                    weight: t.weight.unwrap_or(10),
                })
            })
            .collect();
        views.push(ListenerView {
            listener_id: l.listener_id.clone().unwrap_or_default(),
            protocol: l.protocol.clone().unwrap_or_default(),
            port: l.port.unwrap_or(0),
            targets,
        });
    }
    // Listeners without targets are not in DescribeTargets' answer on every region.
    let all = eng
        .call(&clb::DescribeListenersRequest {
            load_balancer_id: Some(lb.to_string()),
            ..Default::default()
        })
        .await?;
    for l in all.listeners.unwrap_or_default() {
        let id = l.listener_id.clone().unwrap_or_default();
        if !views.iter().any(|v| v.listener_id == id) {
            views.push(ListenerView {
                listener_id: id,
                protocol: l.protocol.unwrap_or_default(),
                port: l.port.unwrap_or(0),
                targets: Vec::new(),
            });
        }
    }
    views.sort_by_key(|v| v.port);
    Ok(views)
}

pub async fn discover(eng: &Engine) -> Result<Architecture, StepError> {
    let instances = all_instances(eng).await?;
    let mut load_balancers = Vec::new();
    for lb in all_load_balancers(eng).await? {
        let id = lb.load_balancer_id.clone().unwrap_or_default();
        let listeners = listeners_of(eng, &id).await?;
        load_balancers.push(ClbView { lb, listeners });
    }
    let roles = instances
        .iter()
        .filter_map(|i| Some((i.instance_id.clone()?, classify(i, &load_balancers)?)))
        .collect();
    Ok(Architecture {
        instances,
        load_balancers,
        roles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(id: &str, name: &str) -> cvm::Instance {
        cvm::Instance {
            instance_id: Some(id.into()),
            instance_name: Some(name.into()),
            ..Default::default()
        }
    }

    fn lb(id: &str, kind: &str, bound: &[&str]) -> ClbView {
        ClbView {
            lb: clb::LoadBalancer {
                load_balancer_id: Some(id.into()),
                load_balancer_type: Some(kind.into()),
                ..Default::default()
            },
            listeners: vec![ListenerView {
                listener_id: format!("lbl-{id}"),
                protocol: "TCP".into(),
                port: 80,
                targets: bound
                    .iter()
                    .map(|b| BoundTarget {
                        instance_id: b.to_string(),
                        port: 80,
                        weight: 10,
                    })
                    .collect(),
            }],
        }
    }

    #[test]
    fn the_clb_decides_then_tags_then_names() {
        let lbs = vec![
            lb("pub", "OPEN", &["ins-a"]),
            lb("int", "INTERNAL", &["ins-b"]),
        ];
        assert_eq!(
            classify(&inst("ins-a", "mina_auth"), &lbs),
            Some(Role::Business)
        );
        assert_eq!(classify(&inst("ins-b", "weapp"), &lbs), Some(Role::Session));
        let mut tagged = inst("ins-c", "x");
        tagged.tags = Some(vec![cvm::Tag {
            key: Some("role".into()),
            value: Some("session".into()),
        }]);
        assert_eq!(classify(&tagged, &lbs), Some(Role::Session));
        assert_eq!(
            classify(&inst("ins-d", "mina_auth-2"), &lbs),
            Some(Role::Session)
        );
        assert_eq!(
            classify(&inst("ins-e", "node-weapp"), &lbs),
            Some(Role::Business)
        );
        assert_eq!(classify(&inst("ins-f", "test"), &lbs), None);
    }
}
