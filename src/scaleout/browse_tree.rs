//! What the browser shows: the region's CLBs → their listeners → the bound
//! targets with weight and health, and the bound instances' details with
//! their eligibility. Plain serializable data (the TUI renders it,
//! `tcscale browse --json` prints it); the loaders fetch it through the
//! pager with bounded concurrency, so hundreds of CLBs load in a few
//! parallel rounds instead of one call after another.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

use crate::cloud::models::{clb, cvm};
use crate::cloud::status::ClbTask;
use crate::cloud::{Client, CloudError};
use crate::scaleout::eligibility::{eligibility, Ineligible};

/// CLBs whose listeners and targets are fetched at once.
pub const DETAIL_CONCURRENCY: usize = 6;
/// DescribeTargetHealth takes several CLB ids per call.
pub const HEALTH_BATCH: usize = 20;
/// DescribeInstances takes at most 100 ids per call.
pub const INSTANCE_BATCH: usize = 100;

/// A target's health as DescribeTargetHealth reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Health {
    Alive,
    Dead,
    #[default]
    Unknown,
    /// Health checks are switched off on the listener.
    Close,
}

impl Health {
    /// From `HealthStatusDetail`, falling back to the `HealthStatus` flag.
    pub fn from_api(detail: Option<&str>, status: Option<bool>) -> Health {
        match detail {
            Some("Alive") => Health::Alive,
            Some("Dead") => Health::Dead,
            Some("Close") => Health::Close,
            Some("Unknown") => Health::Unknown,
            _ => match status {
                Some(true) => Health::Alive,
                Some(false) => Health::Dead,
                None => Health::Unknown,
            },
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Health::Alive => "Alive",
            Health::Dead => "Dead",
            Health::Unknown => "Unknown",
            Health::Close => "Close",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HealthCheckInfo {
    pub enabled: bool,
    pub interval: Option<i64>,
    pub timeout: Option<i64>,
    pub healthy_threshold: Option<i64>,
    pub unhealthy_threshold: Option<i64>,
    pub check_type: Option<String>,
    pub check_port: Option<i64>,
}

impl HealthCheckInfo {
    fn from_api(h: &clb::HealthCheck) -> Self {
        HealthCheckInfo {
            enabled: h.health_switch.unwrap_or(0) == 1,
            interval: h.interval_time,
            timeout: h.time_out,
            healthy_threshold: h.health_num,
            unhealthy_threshold: h.un_health_num,
            check_type: h.check_type.clone(),
            check_port: h.check_port,
        }
    }
}

/// One backend of one listener (or of a layer-7 rule of it).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TargetNode {
    pub instance_id: String,
    pub instance_name: String,
    pub private_ip: String,
    pub port: i64,
    pub weight: i64,
    pub health: Health,
    /// The rule of a layer-7 listener (`LocationId`), needed to unbind it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// `domain/url` of that rule, for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ListenerNode {
    pub id: String,
    pub name: String,
    pub protocol: String,
    pub port: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheckInfo>,
    pub targets: Vec<TargetNode>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClbNode {
    pub id: String,
    pub name: String,
    /// `OPEN` or `INTERNAL`.
    pub kind: String,
    pub vips: Vec<String>,
    pub project_id: u64,
    pub vpc_id: String,
    /// 0 creating, 1 normal.
    pub status: u64,
    pub listeners: Vec<ListenerNode>,
    /// Listeners and targets have been fetched (the list arrives first).
    #[serde(skip)]
    pub loaded: bool,
}

impl ClbNode {
    pub fn target_count(&self) -> usize {
        self.listeners.iter().map(|l| l.targets.len()).sum()
    }
}

/// A bound instance, for the detail pane.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InstanceInfo {
    pub id: String,
    pub name: String,
    pub zone: String,
    pub project_id: i64,
    pub state: String,
    pub private_ips: Vec<String>,
    pub public_ips: Vec<String>,
    pub bandwidth_out: i64,
    pub charge_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_time: Option<String>,
    pub security_group_ids: Vec<String>,
    /// Empty when the instance may be bound to a CLB.
    pub ineligible: Vec<Ineligible>,
}

impl InstanceInfo {
    pub fn from_api(i: &cvm::Instance, now: chrono::DateTime<chrono::Utc>) -> Self {
        InstanceInfo {
            id: i.instance_id.clone().unwrap_or_default(),
            name: i.instance_name.clone().unwrap_or_default(),
            zone: i
                .placement
                .as_ref()
                .and_then(|p| p.zone.clone())
                .unwrap_or_default(),
            project_id: i.placement.as_ref().and_then(|p| p.project_id).unwrap_or(0),
            state: i.instance_state.clone().unwrap_or_default(),
            private_ips: i.private_ip_addresses.clone().unwrap_or_default(),
            public_ips: i.public_ip_addresses.clone().unwrap_or_default(),
            bandwidth_out: i
                .internet_accessible
                .as_ref()
                .and_then(|a| a.internet_max_bandwidth_out)
                .unwrap_or(0),
            charge_type: i.instance_charge_type.clone().unwrap_or_default(),
            expired_time: i.expired_time.clone().filter(|s| !s.is_empty()),
            security_group_ids: i.security_group_ids.clone().unwrap_or_default(),
            ineligible: eligibility(i, now),
        }
    }
}

/// The whole tree of one region.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BrowseTree {
    pub region: String,
    pub clbs: Vec<ClbNode>,
    /// Every bound instance, by id.
    pub instances: BTreeMap<String, InstanceInfo>,
}

impl BrowseTree {
    /// Ids of every bound instance, sorted and unique.
    pub fn bound_instance_ids(&self) -> Vec<String> {
        let set: BTreeSet<&str> = self
            .clbs
            .iter()
            .flat_map(|c| &c.listeners)
            .flat_map(|l| &l.targets)
            .map(|t| t.instance_id.as_str())
            .collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// Applies fresh health to every target (missing ones keep theirs).
    pub fn apply_health(&mut self, health: &HealthMap) {
        for c in &mut self.clbs {
            for l in &mut c.listeners {
                for t in &mut l.targets {
                    if let Some(h) = health.get(&health_key(&c.id, &l.id, &t.instance_id, t.port)) {
                        t.health = *h;
                    }
                }
            }
        }
    }

    /// Fills names and IPs of targets from the instance table.
    pub fn fill_target_names(&mut self) {
        for c in &mut self.clbs {
            for l in &mut c.listeners {
                for t in &mut l.targets {
                    if let Some(i) = self.instances.get(&t.instance_id) {
                        if t.instance_name.is_empty() {
                            t.instance_name = i.name.clone();
                        }
                        if t.private_ip.is_empty() {
                            t.private_ip = i.private_ips.first().cloned().unwrap_or_default();
                        }
                    }
                }
            }
        }
    }
}

/// (CLB, listener, instance, port) → health.
pub type HealthMap = HashMap<(String, String, String, i64), Health>;

pub fn health_key(
    lb: &str,
    listener: &str,
    instance: &str,
    port: i64,
) -> (String, String, String, i64) {
    (
        lb.to_string(),
        listener.to_string(),
        instance.to_string(),
        port,
    )
}

fn clb_node(lb: &clb::LoadBalancer) -> ClbNode {
    ClbNode {
        id: lb.load_balancer_id.clone().unwrap_or_default(),
        name: lb.load_balancer_name.clone().unwrap_or_default(),
        kind: lb.load_balancer_type.clone().unwrap_or_default(),
        vips: lb.load_balancer_vips.clone().unwrap_or_default(),
        project_id: lb.project_id.unwrap_or(0),
        vpc_id: lb.vpc_id.clone().unwrap_or_default(),
        status: lb.status.unwrap_or(0),
        listeners: vec![],
        loaded: false,
    }
}

fn target_node(b: &clb::Backend, rule: Option<&clb::RuleTargets>) -> TargetNode {
    TargetNode {
        instance_id: b.instance_id.clone().unwrap_or_default(),
        instance_name: b.instance_name.clone().unwrap_or_default(),
        private_ip: b
            .private_ip_addresses
            .as_ref()
            .and_then(|v| v.first().cloned())
            .unwrap_or_default(),
        port: b.port.unwrap_or(0),
        weight: b.weight.unwrap_or(0),
        health: Health::Unknown,
        location_id: rule.and_then(|r| r.location_id.clone()),
        rule: rule.map(|r| {
            format!(
                "{}{}",
                r.domain.clone().unwrap_or_default(),
                r.url.clone().unwrap_or_default()
            )
        }),
    }
}

/// Joins DescribeListeners (protocol, port, health-check settings) with
/// DescribeTargets (who is bound) into listener nodes, in port order.
pub fn listeners_from_api(
    listeners: &[clb::Listener],
    targets: &[clb::ListenerBackend],
) -> Vec<ListenerNode> {
    let mut out: Vec<ListenerNode> = listeners
        .iter()
        .map(|l| {
            let id = l.listener_id.clone().unwrap_or_default();
            let mut node = ListenerNode {
                id: id.clone(),
                name: l.listener_name.clone().unwrap_or_default(),
                protocol: l.protocol.clone().unwrap_or_default(),
                port: l.port.unwrap_or(0),
                health_check: l.health_check.as_ref().map(HealthCheckInfo::from_api),
                targets: vec![],
            };
            if let Some(b) = targets
                .iter()
                .find(|b| b.listener_id.as_deref() == Some(id.as_str()))
            {
                for t in b.targets.iter().flatten() {
                    node.targets.push(target_node(t, None));
                }
                for r in b.rules.iter().flatten() {
                    for t in r.targets.iter().flatten() {
                        node.targets.push(target_node(t, Some(r)));
                    }
                }
            }
            node
        })
        .collect();
    out.sort_by(|a, b| (a.port, &a.protocol).cmp(&(b.port, &b.protocol)));
    out
}

/// Flattens DescribeTargetHealth into a lookup table.
pub fn health_from_api(lbs: &[clb::LoadBalancerHealth]) -> HealthMap {
    let mut map = HealthMap::new();
    for lb in lbs {
        let lb_id = lb.load_balancer_id.clone().unwrap_or_default();
        for l in lb.listeners.iter().flatten() {
            let l_id = l.listener_id.clone().unwrap_or_default();
            for r in l.rules.iter().flatten() {
                for t in r.targets.iter().flatten() {
                    map.insert(
                        health_key(
                            &lb_id,
                            &l_id,
                            t.target_id.as_deref().unwrap_or(""),
                            t.port.unwrap_or(0),
                        ),
                        Health::from_api(t.health_status_detail.as_deref(), t.health_status),
                    );
                }
            }
        }
    }
    map
}

/// Every CLB of the client's region, listeners not yet fetched.
pub async fn load_clbs(client: &Client) -> Result<Vec<ClbNode>, CloudError> {
    let lbs = client
        .fetch_all_pages(
            |offset, limit| clb::DescribeLoadBalancersRequest {
                offset: Some(offset),
                limit: Some(limit),
                ..Default::default()
            },
            |r| {
                (
                    r.load_balancer_set.unwrap_or_default(),
                    r.total_count.map(|t| t as i64),
                )
            },
        )
        .await?;
    Ok(lbs.iter().map(clb_node).collect())
}

/// The listeners (with targets) of one CLB.
pub async fn load_listeners(client: &Client, lb_id: &str) -> Result<Vec<ListenerNode>, CloudError> {
    let listeners_req = clb::DescribeListenersRequest {
        load_balancer_id: Some(lb_id.to_string()),
        ..Default::default()
    };
    let targets_req = clb::DescribeTargetsRequest {
        load_balancer_id: Some(lb_id.to_string()),
        ..Default::default()
    };
    let (listeners, targets) =
        tokio::try_join!(client.call(&listeners_req), client.call(&targets_req))?;
    Ok(listeners_from_api(
        &listeners.listeners.unwrap_or_default(),
        &targets.listeners.unwrap_or_default(),
    ))
}

/// Health of every target of the given CLBs, in batches.
pub async fn load_health(client: &Client, lb_ids: &[String]) -> Result<HealthMap, CloudError> {
    let chunks: Vec<Vec<String>> = lb_ids
        .chunks(HEALTH_BATCH)
        .map(<[String]>::to_vec)
        .collect();
    let maps: Vec<HealthMap> = futures::stream::iter(chunks)
        .map(|chunk| {
            let client = client.clone();
            async move {
                let r = client
                    .call(&clb::DescribeTargetHealthRequest {
                        load_balancer_ids: Some(chunk),
                        ..Default::default()
                    })
                    .await?;
                Ok::<_, CloudError>(health_from_api(&r.load_balancers.unwrap_or_default()))
            }
        })
        .buffer_unordered(DETAIL_CONCURRENCY)
        .try_collect()
        .await?;
    Ok(maps.into_iter().flatten().collect())
}

/// Details of the given instances, in batches of 100 ids.
pub async fn load_instances(
    client: &Client,
    ids: &[String],
) -> Result<BTreeMap<String, InstanceInfo>, CloudError> {
    let now = chrono::Utc::now();
    let chunks: Vec<Vec<String>> = ids.chunks(INSTANCE_BATCH).map(<[String]>::to_vec).collect();
    let batches: Vec<Vec<cvm::Instance>> = futures::stream::iter(chunks)
        .map(|chunk| {
            let client = client.clone();
            async move {
                let r = client
                    .call(&cvm::DescribeInstancesRequest {
                        instance_ids: Some(chunk),
                        limit: Some(INSTANCE_BATCH as i64),
                        ..Default::default()
                    })
                    .await?;
                Ok::<_, CloudError>(r.instance_set.unwrap_or_default())
            }
        })
        .buffer_unordered(DETAIL_CONCURRENCY)
        .try_collect()
        .await?;
    Ok(batches
        .iter()
        .flatten()
        .map(|i| InstanceInfo::from_api(i, now))
        .map(|i| (i.id.clone(), i))
        .collect())
}

/// The whole tree at once (for `browse --json`; the TUI streams the same steps).
pub async fn load_tree(client: &Client) -> Result<BrowseTree, CloudError> {
    let mut clbs = load_clbs(client).await?;
    let ids: Vec<(usize, String)> = clbs.iter().map(|c| c.id.clone()).enumerate().collect();
    let details: Vec<(usize, Vec<ListenerNode>)> = futures::stream::iter(ids)
        .map(|(i, id)| {
            let client = client.clone();
            async move { load_listeners(&client, &id).await.map(|l| (i, l)) }
        })
        .buffer_unordered(DETAIL_CONCURRENCY)
        .try_collect()
        .await?;
    for (i, listeners) in details {
        clbs[i].listeners = listeners;
        clbs[i].loaded = true;
    }
    let mut tree = BrowseTree {
        region: client.region().to_string(),
        clbs,
        instances: BTreeMap::new(),
    };
    let ids: Vec<String> = tree.clbs.iter().map(|c| c.id.clone()).collect();
    let health = load_health(client, &ids).await?;
    tree.apply_health(&health);
    tree.instances = load_instances(client, &tree.bound_instance_ids()).await?;
    tree.fill_target_names();
    Ok(tree)
}

/// The result of a CLB task, polled every `poll` until it ends, or until
/// `deadline` (then an error saying so: a task that never reports must not
/// leave the browser waiting for ever).
pub async fn wait_task(
    client: &Client,
    task_id: &str,
    poll: std::time::Duration,
    deadline: std::time::Duration,
    mut on_status: impl FnMut(ClbTask),
) -> Result<(), CloudError> {
    let started = tokio::time::Instant::now();
    loop {
        let r = client
            .call(&clb::DescribeTaskStatusRequest {
                task_id: Some(task_id.to_string()),
                ..Default::default()
            })
            .await?;
        let status = ClbTask::from_api(r.status);
        on_status(status);
        match status {
            ClbTask::Succeeded => return Ok(()),
            ClbTask::Failed => {
                return Err(CloudError::Local(
                    r.message
                        .unwrap_or_else(|| format!("task {task_id} failed")),
                ))
            }
            ClbTask::Running if started.elapsed() + poll > deadline => {
                return Err(CloudError::Local(format!(
                    "CLB task {task_id} still running after {} s; check it in `tcscale browse` later",
                    deadline.as_secs()
                )))
            }
            ClbTask::Running => tokio::time::sleep(poll).await,
        }
    }
}

/// A change the browser can make to one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetChange {
    Unbind,
    Weight(i64),
}

/// Where a target sits, enough to address it in DeregisterTargets / ModifyTargetWeight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRef {
    pub lb_id: String,
    pub listener_id: String,
    pub location_id: Option<String>,
    pub instance_id: String,
    pub port: i64,
}

/// Starts the change and returns its task id (the RequestId).
pub async fn start_change(
    client: &Client,
    target: &TargetRef,
    change: &TargetChange,
) -> Result<String, CloudError> {
    let t = clb::Target {
        instance_id: Some(target.instance_id.clone()),
        port: Some(target.port),
        weight: match change {
            TargetChange::Weight(w) => Some(*w),
            TargetChange::Unbind => None,
        },
        ..Default::default()
    };
    let request_id = match change {
        TargetChange::Unbind => {
            client
                .call(&clb::DeregisterTargetsRequest {
                    load_balancer_id: Some(target.lb_id.clone()),
                    listener_id: Some(target.listener_id.clone()),
                    location_id: target.location_id.clone(),
                    targets: Some(vec![t]),
                    ..Default::default()
                })
                .await?
                .request_id
        }
        TargetChange::Weight(_) => {
            client
                .call(&clb::ModifyTargetWeightRequest {
                    load_balancer_id: Some(target.lb_id.clone()),
                    listener_id: Some(target.listener_id.clone()),
                    location_id: target.location_id.clone(),
                    targets: Some(vec![t]),
                    ..Default::default()
                })
                .await?
                .request_id
        }
    };
    Ok(request_id.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_prefers_the_detail() {
        assert_eq!(Health::from_api(Some("Alive"), Some(false)), Health::Alive);
        assert_eq!(Health::from_api(Some("Close"), None), Health::Close);
        assert_eq!(Health::from_api(None, Some(false)), Health::Dead);
        assert_eq!(Health::from_api(None, None), Health::Unknown);
    }

    #[test]
    fn listeners_join_targets_and_rules_and_sort_by_port() {
        let listeners = vec![
            clb::Listener {
                listener_id: Some("lbl-2".into()),
                protocol: Some("HTTP".into()),
                port: Some(8080),
                ..Default::default()
            },
            clb::Listener {
                listener_id: Some("lbl-1".into()),
                protocol: Some("TCP".into()),
                port: Some(80),
                health_check: Some(clb::HealthCheck {
                    health_switch: Some(1),
                    interval_time: Some(5),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ];
        let targets = vec![
            clb::ListenerBackend {
                listener_id: Some("lbl-1".into()),
                targets: Some(vec![clb::Backend {
                    instance_id: Some("ins-a".into()),
                    port: Some(80),
                    weight: Some(10),
                    private_ip_addresses: Some(vec!["10.0.0.1".into()]),
                    ..Default::default()
                }]),
                ..Default::default()
            },
            clb::ListenerBackend {
                listener_id: Some("lbl-2".into()),
                rules: Some(vec![clb::RuleTargets {
                    location_id: Some("loc-1".into()),
                    domain: Some("a.com".into()),
                    url: Some("/".into()),
                    targets: Some(vec![clb::Backend {
                        instance_id: Some("ins-b".into()),
                        port: Some(8080),
                        weight: Some(20),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }]),
                ..Default::default()
            },
        ];
        let nodes = listeners_from_api(&listeners, &targets);
        assert_eq!(nodes[0].port, 80);
        assert_eq!(nodes[0].targets[0].private_ip, "10.0.0.1");
        assert!(nodes[0].health_check.as_ref().unwrap().enabled);
        assert_eq!(nodes[1].targets[0].location_id.as_deref(), Some("loc-1"));
        assert_eq!(nodes[1].targets[0].rule.as_deref(), Some("a.com/"));

        let mut tree = BrowseTree {
            clbs: vec![ClbNode {
                id: "lb-1".into(),
                listeners: nodes,
                ..Default::default()
            }],
            ..Default::default()
        };
        let mut h = HealthMap::new();
        h.insert(health_key("lb-1", "lbl-1", "ins-a", 80), Health::Dead);
        tree.apply_health(&h);
        assert_eq!(tree.clbs[0].listeners[0].targets[0].health, Health::Dead);
        assert_eq!(tree.bound_instance_ids(), vec!["ins-a", "ins-b"]);
    }
}
