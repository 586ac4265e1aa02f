//! Simulated `vpc` service: VPCs, subnets, security groups and their policies.
//!
//! Helpers other services use:
//! - [`ingress_allows`]: would these security groups let `source_ip` reach
//!   `protocol`/`port`? (CLB health checks: the VIP must be allowed);
//! - [`allocate_ip`]: the next free private IP of a subnet (instances, CLB VIPs).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::cloud::models::vpc;
use crate::sim::query::{check_filter_names, filters, page, str_param, string_list};
use crate::sim::world::{Ctx, SimError, SimResult, World};

/// The VPC part of the world.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VpcState {
    pub vpcs: Vec<SimVpc>,
    pub subnets: Vec<SimSubnet>,
    pub security_groups: Vec<SimSecurityGroup>,
    /// Store new rules the way the real VPC may hand them back, rather than
    /// as sent: `CidrBlock` as its network (`10.0.1.13/32` → `10.0.1.13`,
    /// `10.0.1.5/24` → `10.0.1.0/24`), `Protocol` in lower case, a one-port
    /// range as its port. For tests of code that must recognise its rules.
    pub normalize_rules: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimVpc {
    pub region: String,
    pub vpc: vpc::Vpc,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimSubnet {
    pub region: String,
    pub subnet: vpc::Subnet,
    /// Private IPs handed out by [`allocate_ip`] (plus the seeded instances').
    pub allocated: BTreeSet<String>,
}

impl SimSubnet {
    pub fn id(&self) -> &str {
        self.subnet.subnet_id.as_deref().unwrap_or("")
    }
    pub fn vpc_id(&self) -> &str {
        self.subnet.vpc_id.as_deref().unwrap_or("")
    }
    pub fn zone(&self) -> &str {
        self.subnet.zone.as_deref().unwrap_or("")
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimSecurityGroup {
    pub region: String,
    pub group: vpc::SecurityGroup,
    /// Inbound rules, evaluated in this order (PolicyIndex = position).
    pub ingress: Vec<vpc::SecurityGroupPolicy>,
    /// Outbound rules, in order.
    pub egress: Vec<vpc::SecurityGroupPolicy>,
    /// Bumped on every policy change (`SecurityGroupPolicySet.Version`).
    pub version: i64,
}

impl SimSecurityGroup {
    pub fn id(&self) -> &str {
        self.group.security_group_id.as_deref().unwrap_or("")
    }
}

impl VpcState {
    pub fn vpc(&self, id: &str) -> Option<&SimVpc> {
        self.vpcs
            .iter()
            .find(|v| v.vpc.vpc_id.as_deref() == Some(id))
    }
    pub fn subnet(&self, id: &str) -> Option<&SimSubnet> {
        self.subnets.iter().find(|s| s.id() == id)
    }
    pub fn security_group(&self, id: &str) -> Option<&SimSecurityGroup> {
        self.security_groups.iter().find(|g| g.id() == id)
    }
}

/// Parses `a.b.c.d/len` (or a bare address, meaning /32).
pub fn parse_cidr(cidr: &str) -> Option<(Ipv4Addr, u32)> {
    let (addr, len) = match cidr.trim().split_once('/') {
        Some((a, l)) => (a, l.parse::<u32>().ok()?),
        None => (cidr.trim(), 32),
    };
    if len > 32 {
        return None;
    }
    Some((addr.parse().ok()?, len))
}

fn mask(len: u32) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - len)
    }
}

/// Whether `ip` lies in `cidr`.
pub fn cidr_contains(cidr: &str, ip: &str) -> bool {
    let (Some((net, len)), Ok(ip)) = (parse_cidr(cidr), ip.parse::<Ipv4Addr>()) else {
        return false;
    };
    u32::from(net) & mask(len) == u32::from(ip) & mask(len)
}

/// Whether a policy's `Port` ("ALL", "80", "80-90", "80,443", "") covers `port`.
pub fn port_matches(spec: &str, port: u16) -> bool {
    let spec = spec.trim();
    if spec.is_empty() || spec.eq_ignore_ascii_case("ALL") {
        return true;
    }
    spec.split(',')
        .map(str::trim)
        .any(|part| match part.split_once('-') {
            Some((lo, hi)) => match (lo.trim().parse::<u16>(), hi.trim().parse::<u16>()) {
                (Ok(lo), Ok(hi)) => (lo..=hi).contains(&port),
                _ => false,
            },
            None => part.parse::<u16>() == Ok(port),
        })
}

/// Whether one policy applies to this traffic (the action is not looked at).
pub fn policy_matches(
    p: &vpc::SecurityGroupPolicy,
    source_ip: &str,
    protocol: &str,
    port: u16,
) -> bool {
    let proto = p.protocol.as_deref().unwrap_or("ALL");
    let proto_ok = proto.eq_ignore_ascii_case("ALL") || proto.eq_ignore_ascii_case(protocol);
    let cidr_ok = match p.cidr_block.as_deref() {
        Some(c) if !c.is_empty() => cidr_contains(c, source_ip),
        // Rules by IPv6 block or address template do not match IPv4 sources here.
        _ => false,
    };
    // ICMP and ALL-protocol rules carry no meaningful port.
    let port_ok = proto.eq_ignore_ascii_case("ICMP")
        || port_matches(p.port.as_deref().unwrap_or("ALL"), port);
    proto_ok && cidr_ok && port_ok
}

/// Would security groups `sg_ids` let `source_ip` in on `protocol`
/// (`TCP`/`UDP`) `port`? Each group's inbound rules are read in order and
/// the first rule that matches decides (`ACCEPT` → yes, `DROP` → no);
/// groups are read in the order given; no match anywhere → no.
/// An instance without security groups accepts everything. Unknown group
/// ids are skipped.
pub fn ingress_allows(
    world: &World,
    sg_ids: &[String],
    source_ip: &str,
    protocol: &str,
    port: u16,
) -> bool {
    if sg_ids.is_empty() {
        return true;
    }
    for id in sg_ids {
        let Some(group) = world.vpc.security_group(id) else {
            continue;
        };
        if let Some(p) = group
            .ingress
            .iter()
            .find(|p| policy_matches(p, source_ip, protocol, port))
        {
            return p
                .action
                .as_deref()
                .unwrap_or("ACCEPT")
                .eq_ignore_ascii_case("ACCEPT");
        }
    }
    false
}

/// Every private IP in use in a subnet: allocated ones and instances'.
fn used_ips(world: &World, subnet_id: &str) -> BTreeSet<String> {
    let mut used: BTreeSet<String> = world
        .vpc
        .subnet(subnet_id)
        .map(|s| s.allocated.clone())
        .unwrap_or_default();
    for inst in &world.cvm.instances {
        if inst.subnet_id() == subnet_id {
            used.extend(inst.instance.private_ip_addresses.iter().flatten().cloned());
        }
    }
    used
}

/// Hands out the lowest free private IP of the subnet and records it.
/// The network address, `.1` (gateway) and the broadcast address are never
/// given out. Errors: `InvalidParameterValue.SubnetNotExist`-style
/// `ResourceNotFound` for an unknown subnet, `ResourceInsufficient` when full.
pub fn allocate_ip(world: &mut World, subnet_id: &str) -> Result<String, SimError> {
    let subnet = world.vpc.subnet(subnet_id).ok_or_else(|| {
        SimError::new(
            "ResourceNotFound",
            format!("The subnet `{subnet_id}` does not exist."),
        )
    })?;
    let (net, len) = subnet
        .subnet
        .cidr_block
        .as_deref()
        .and_then(parse_cidr)
        .ok_or_else(|| SimError::new("InternalError", format!("subnet {subnet_id} has no CIDR")))?;
    let used = used_ips(world, subnet_id);
    let base = u32::from(net) & mask(len);
    let size: u64 = 1u64 << (32 - len);
    let found = (2..size.saturating_sub(1))
        .map(|off| Ipv4Addr::from(base + off as u32).to_string())
        .find(|ip| !used.contains(ip));
    let Some(ip) = found else {
        return Err(SimError::new(
            "ResourceInsufficient",
            format!("The subnet `{subnet_id}` has no free IP address."),
        ));
    };
    let total = size.saturating_sub(3);
    let subnet = world
        .vpc
        .subnets
        .iter_mut()
        .find(|s| s.id() == subnet_id)
        .expect("subnet found above");
    subnet.allocated.insert(ip.clone());
    subnet.subnet.total_ip_address_count = Some(total);
    subnet.subnet.available_ip_address_count = Some(total.saturating_sub(used.len() as u64 + 1));
    Ok(ip)
}

fn err(code: &str, msg: impl Into<String>) -> SimError {
    SimError::new(code, msg)
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

pub fn handle(world: &mut World, ctx: &Ctx, action: &str, params: &Value) -> SimResult {
    match action {
        "DescribeVpcs" => describe_vpcs(world, ctx, params),
        "DescribeSubnets" => describe_subnets(world, ctx, params),
        "DescribeSecurityGroups" => describe_security_groups(world, ctx, params),
        "DescribeSecurityGroupPolicies" => describe_policies(world, ctx, params),
        "CreateSecurityGroupPolicies" => create_policies(world, ctx, params),
        _ => Err(err(
            "InvalidAction",
            format!("The action `{action}` is not supported by the simulator."),
        )),
    }
}

fn check_ids(ids: &[String], prefix: &str) -> Result<(), SimError> {
    match ids
        .iter()
        .find(|id| !crate::sim::cvm::well_formed(id, prefix))
    {
        Some(bad) => Err(err(
            "InvalidParameterValue.Malformed",
            format!("The id `{bad}` is malformed."),
        )),
        None => Ok(()),
    }
}

const FILTER_CODE: &str = "InvalidParameter.FilterInvalidKey";

fn describe_vpcs(world: &World, ctx: &Ctx, params: &Value) -> SimResult {
    let ids = string_list(params, "VpcIds");
    check_ids(&ids, "vpc")?;
    let fs = filters(params);
    check_filter_names(
        &fs,
        &["vpc-name", "is-default", "vpc-id", "cidr-block"],
        FILTER_CODE,
    )?;
    let selected: Vec<&vpc::Vpc> = world
        .vpc
        .vpcs
        .iter()
        .filter(|v| v.region == ctx.region)
        .map(|v| &v.vpc)
        .filter(|v| {
            ids.is_empty()
                || ids
                    .iter()
                    .any(|id| Some(id.as_str()) == v.vpc_id.as_deref())
        })
        .filter(|v| {
            fs.iter().all(|(n, vals)| {
                let any = |x: &str| vals.iter().any(|y| y == x);
                match n.as_str() {
                    "vpc-name" => vals
                        .iter()
                        .any(|y| v.vpc_name.as_deref().unwrap_or("").contains(y.as_str())),
                    "is-default" => any(&v.is_default.unwrap_or(false).to_string()),
                    "vpc-id" => any(v.vpc_id.as_deref().unwrap_or("")),
                    "cidr-block" => any(v.cidr_block.as_deref().unwrap_or("")),
                    _ => false,
                }
            })
        })
        .collect();
    let (total, items) = page(selected, params);
    Ok(json!({"TotalCount": total, "VpcSet": to_value(&items)}))
}

/// A subnet as DescribeSubnets shows it: IP counts computed from what is in use.
fn subnet_view(world: &World, s: &SimSubnet) -> vpc::Subnet {
    let mut out = s.subnet.clone();
    if let Some((_, len)) = s.subnet.cidr_block.as_deref().and_then(parse_cidr) {
        let total = (1u64 << (32 - len)).saturating_sub(3);
        let used = used_ips(world, s.id()).len() as u64;
        out.total_ip_address_count = Some(total);
        out.available_ip_address_count = Some(total.saturating_sub(used));
    }
    out
}

fn describe_subnets(world: &World, ctx: &Ctx, params: &Value) -> SimResult {
    let ids = string_list(params, "SubnetIds");
    check_ids(&ids, "subnet")?;
    let fs = filters(params);
    check_filter_names(
        &fs,
        &[
            "subnet-id",
            "vpc-id",
            "cidr-block",
            "is-default",
            "subnet-name",
            "zone",
        ],
        FILTER_CODE,
    )?;
    let selected: Vec<&SimSubnet> = world
        .vpc
        .subnets
        .iter()
        .filter(|s| s.region == ctx.region)
        .filter(|s| ids.is_empty() || ids.iter().any(|id| id == s.id()))
        .filter(|s| {
            fs.iter().all(|(n, vals)| {
                let any = |x: &str| vals.iter().any(|y| y == x);
                let sub = &s.subnet;
                match n.as_str() {
                    "subnet-id" => any(s.id()),
                    "vpc-id" => any(s.vpc_id()),
                    "cidr-block" => any(sub.cidr_block.as_deref().unwrap_or("")),
                    "is-default" => any(&sub.is_default.unwrap_or(false).to_string()),
                    "subnet-name" => vals.iter().any(|y| {
                        sub.subnet_name
                            .as_deref()
                            .unwrap_or("")
                            .contains(y.as_str())
                    }),
                    "zone" => any(s.zone()),
                    _ => false,
                }
            })
        })
        .collect();
    let (total, items) = page(selected, params);
    let set: Vec<vpc::Subnet> = items.iter().map(|s| subnet_view(world, s)).collect();
    Ok(json!({"TotalCount": total, "SubnetSet": to_value(&set)}))
}

fn describe_security_groups(world: &World, ctx: &Ctx, params: &Value) -> SimResult {
    let ids = string_list(params, "SecurityGroupIds");
    check_ids(&ids, "sg")?;
    let fs = filters(params);
    check_filter_names(
        &fs,
        &["security-group-id", "project-id", "security-group-name"],
        FILTER_CODE,
    )?;
    let selected: Vec<&vpc::SecurityGroup> = world
        .vpc
        .security_groups
        .iter()
        .filter(|g| g.region == ctx.region)
        .filter(|g| ids.is_empty() || ids.iter().any(|id| id == g.id()))
        .map(|g| &g.group)
        .filter(|g| {
            fs.iter().all(|(n, vals)| {
                let any = |x: &str| vals.iter().any(|y| y == x);
                match n.as_str() {
                    "security-group-id" => any(g.security_group_id.as_deref().unwrap_or("")),
                    "project-id" => any(g.project_id.as_deref().unwrap_or("0")),
                    "security-group-name" => vals.iter().any(|y| {
                        g.security_group_name
                            .as_deref()
                            .unwrap_or("")
                            .contains(y.as_str())
                    }),
                    _ => false,
                }
            })
        })
        .collect();
    let (total, items) = page(selected, params);
    Ok(json!({"TotalCount": total, "SecurityGroupSet": to_value(&items)}))
}

fn region_group<'w>(
    world: &'w World,
    ctx: &Ctx,
    params: &Value,
) -> Result<&'w SimSecurityGroup, SimError> {
    let id = str_param(params, "SecurityGroupId").unwrap_or("");
    if !crate::sim::cvm::well_formed(id, "sg") {
        return Err(err(
            "InvalidParameterValue.Malformed",
            format!("The security group id `{id}` is malformed."),
        ));
    }
    world
        .vpc
        .security_group(id)
        .filter(|g| g.region == ctx.region)
        .ok_or_else(|| {
            err(
                "ResourceNotFound",
                format!("The security group `{id}` does not exist."),
            )
        })
}

/// Policies as the API lists them: `PolicyIndex` is the position.
fn indexed(policies: &[vpc::SecurityGroupPolicy]) -> Vec<vpc::SecurityGroupPolicy> {
    policies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut p = p.clone();
            p.policy_index = Some(i as i64);
            p.port.get_or_insert_with(|| "ALL".into());
            p.policy_description.get_or_insert_with(String::new);
            p
        })
        .collect()
}

fn describe_policies(world: &World, ctx: &Ctx, params: &Value) -> SimResult {
    let g = region_group(world, ctx, params)?;
    let set = vpc::SecurityGroupPolicySet {
        version: Some(g.version.to_string()),
        egress: Some(indexed(&g.egress)),
        ingress: Some(indexed(&g.ingress)),
        policy_statistics: Some(vpc::PolicyStatistics {
            ingress_ipv4_total_count: Some(g.ingress.len() as u64),
            ingress_ipv6_total_count: Some(0),
            egress_ipv4_total_count: Some(g.egress.len() as u64),
            egress_ipv6_total_count: Some(0),
        }),
    };
    Ok(json!({"SecurityGroupPolicySet": to_value(&set)}))
}

/// Checks one new rule as the API documents (protocol, port only with TCP/UDP, CIDR, action).
fn check_policy(p: &vpc::SecurityGroupPolicy) -> Result<(), SimError> {
    let protocol = p.protocol.as_deref().unwrap_or("ALL").to_ascii_uppercase();
    if !["TCP", "UDP", "ICMP", "ICMPV6", "GRE", "ALL"].contains(&protocol.as_str()) {
        return Err(err(
            "InvalidParameterValue.Malformed",
            format!("`Protocol` {protocol} is not one of TCP, UDP, ICMP, ICMPV6, GRE, ALL."),
        ));
    }
    if let Some(port) = p
        .port
        .as_deref()
        .filter(|x| !x.is_empty() && !x.eq_ignore_ascii_case("ALL"))
    {
        if protocol != "TCP" && protocol != "UDP" {
            return Err(err(
                "InvalidParameterValue.Malformed",
                format!("`Port` is only accepted with TCP or UDP, not {protocol}."),
            ));
        }
        let ok = port.split(',').all(|part| {
            let part = part.trim();
            match part.split_once('-') {
                Some((a, b)) => {
                    matches!((a.parse::<u16>(), b.parse::<u16>()), (Ok(a), Ok(b)) if a <= b)
                }
                None => part.parse::<u16>().is_ok(),
            }
        });
        if !ok {
            return Err(err(
                "InvalidParameterValue.Malformed",
                format!("`Port` {port} is not a port or range."),
            ));
        }
    }
    let cidr = p.cidr_block.as_deref().unwrap_or("");
    if cidr.is_empty() {
        return Err(err(
            "MissingParameter",
            "A rule needs `CidrBlock` (IPv6 blocks, security group and address template sources are not simulated).",
        ));
    }
    if parse_cidr(cidr).is_none() {
        return Err(err(
            "InvalidParameterValue.Malformed",
            format!("`CidrBlock` {cidr} is not a CIDR block."),
        ));
    }
    match p.action.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("ACCEPT") | Some("DROP") => Ok(()),
        _ => Err(err(
            "InvalidParameterValue.Malformed",
            "`Action` must be ACCEPT or DROP.",
        )),
    }
}

fn same_rule(a: &vpc::SecurityGroupPolicy, b: &vpc::SecurityGroupPolicy) -> bool {
    let norm = |s: &Option<String>| s.as_deref().unwrap_or("ALL").to_ascii_uppercase();
    norm(&a.protocol) == norm(&b.protocol)
        && norm(&a.port) == norm(&b.port)
        && (a.cidr_block == b.cidr_block
            || a.cidr_block.as_deref().and_then(normalized_cidr)
                == b.cidr_block.as_deref().and_then(normalized_cidr))
        && norm(&a.action) == norm(&b.action)
}

fn create_policies(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let group = region_group(world, ctx, params)?;
    let group_id = group.id().to_string();
    let set: vpc::SecurityGroupPolicySet = params
        .get("SecurityGroupPolicySet")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .ok_or_else(|| {
            err(
                "InvalidParameter",
                "`SecurityGroupPolicySet` is not a policy set.",
            )
        })?;
    if let Some(v) = set.version.as_deref().filter(|v| !v.is_empty()) {
        if v != group.version.to_string() {
            return Err(err(
                "UnsupportedOperation.VersionMismatch",
                format!(
                    "The policy set version is {}, not {v}; describe it again.",
                    group.version
                ),
            ));
        }
    }
    let ingress = set.ingress.unwrap_or_default();
    let egress = set.egress.unwrap_or_default();
    let (rules, is_ingress) = match (ingress.is_empty(), egress.is_empty()) {
        (false, true) => (ingress, true),
        (true, false) => (egress, false),
        (true, true) => return Err(err("MissingParameter", "Give `Ingress` or `Egress` rules.")),
        (false, false) => {
            return Err(err(
                "InvalidParameter.Coexist",
                "One request creates rules of one direction only.",
            ))
        }
    };
    let index = rules[0].policy_index;
    if rules.iter().any(|r| r.policy_index != index) {
        return Err(err(
            "InvalidParameterValue.Malformed",
            "All rules of one request must have the same `PolicyIndex`.",
        ));
    }
    for r in &rules {
        check_policy(r)?;
    }
    let existing = if is_ingress {
        &group.ingress
    } else {
        &group.egress
    };
    if rules
        .iter()
        .any(|r| existing.iter().any(|e| same_rule(e, r)))
    {
        return Err(err(
            "UnsupportedOperation.DuplicatePolicy",
            "The same rule already exists.",
        ));
    }
    let stamp = chrono::DateTime::from_timestamp(ctx.unix_time, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let normalize = world.vpc.normalize_rules;
    let group = world
        .vpc
        .security_groups
        .iter_mut()
        .find(|g| g.id() == group_id)
        .expect("found above");
    let list = if is_ingress {
        &mut group.ingress
    } else {
        &mut group.egress
    };
    let at = index
        .map(|i| (i.max(0) as usize).min(list.len()))
        .unwrap_or(list.len());
    for (k, mut r) in rules.into_iter().enumerate() {
        r.policy_index = None;
        r.protocol = r.protocol.map(|p| p.to_ascii_uppercase());
        r.action = r.action.map(|a| a.to_ascii_uppercase());
        if normalize {
            normalize_rule(&mut r);
        }
        r.modify_time = Some(stamp.clone());
        list.insert(at + k, r);
    }
    group.version += 1;
    group.group.update_time = Some(stamp);
    Ok(json!({}))
}

/// A rule as `normalize_rules` stores it (see [`VpcState::normalize_rules`]).
fn normalize_rule(r: &mut vpc::SecurityGroupPolicy) {
    r.protocol = r.protocol.take().map(|p| p.to_ascii_lowercase());
    if let Some(c) = r.cidr_block.as_deref().and_then(normalized_cidr) {
        r.cidr_block = Some(c);
    }
    if let Some((a, b)) = r.port.as_deref().and_then(|p| p.split_once('-')) {
        if a.trim() == b.trim() {
            r.port = Some(a.trim().to_string());
        }
    }
}

/// `10.0.1.13/32` → `10.0.1.13`, `10.0.1.5/24` → `10.0.1.0/24`; `None`
/// when it is not an IPv4 CIDR.
fn normalized_cidr(cidr: &str) -> Option<String> {
    let (addr, bits) = match cidr.trim().split_once('/') {
        Some((a, b)) => (
            a.parse::<std::net::Ipv4Addr>().ok()?,
            b.parse::<u32>().ok()?,
        ),
        None => (cidr.trim().parse().ok()?, 32),
    };
    if bits > 32 {
        return None;
    }
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    let net = std::net::Ipv4Addr::from(u32::from(addr) & mask);
    Some(if bits == 32 {
        net.to_string()
    } else {
        format!("{net}/{bits}")
    })
}

/// Networks have no async work.
pub fn tick(_world: &mut World, _now: f64) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_rules_stores_the_forms_the_vpc_may_return() {
        assert_eq!(
            normalized_cidr("10.0.1.13/32").as_deref(),
            Some("10.0.1.13")
        );
        assert_eq!(
            normalized_cidr("10.0.1.77/24").as_deref(),
            Some("10.0.1.0/24")
        );
        assert_eq!(normalized_cidr("0.0.0.0/0").as_deref(), Some("0.0.0.0/0"));
        assert_eq!(normalized_cidr("nope"), None);
        let mut r = rule("TCP", "80-80", "10.0.1.13/32", "ACCEPT");
        normalize_rule(&mut r);
        assert_eq!(
            (
                r.protocol.as_deref(),
                r.port.as_deref(),
                r.cidr_block.as_deref()
            ),
            (Some("tcp"), Some("80"), Some("10.0.1.13"))
        );
        // and a rule sent again in the other form is the same rule
        assert!(same_rule(&r, &rule("TCP", "80", "10.0.1.13/32", "ACCEPT")));
    }

    fn rule(proto: &str, port: &str, cidr: &str, action: &str) -> vpc::SecurityGroupPolicy {
        vpc::SecurityGroupPolicy {
            protocol: Some(proto.into()),
            port: Some(port.into()),
            cidr_block: Some(cidr.into()),
            action: Some(action.into()),
            ..Default::default()
        }
    }

    fn world_with(rules: Vec<vpc::SecurityGroupPolicy>) -> World {
        let mut w = World::default();
        w.vpc.security_groups.push(SimSecurityGroup {
            region: "r".into(),
            group: vpc::SecurityGroup {
                security_group_id: Some("sg-aaaaaaaa".into()),
                ..Default::default()
            },
            ingress: rules,
            egress: vec![],
            version: 1,
        });
        w
    }

    #[test]
    fn ports_and_cidrs() {
        assert!(port_matches("ALL", 80));
        assert!(port_matches("80", 80));
        assert!(!port_matches("81", 80));
        assert!(port_matches("80-90", 85));
        assert!(port_matches("22, 80,443", 443));
        assert!(!port_matches("8000-8010", 80));
        assert!(cidr_contains("0.0.0.0/0", "1.2.3.4"));
        assert!(cidr_contains("10.0.0.0/16", "10.0.1.20"));
        assert!(!cidr_contains("10.0.1.4", "10.0.1.20"));
        assert!(cidr_contains("10.0.1.4/32", "10.0.1.4"));
    }

    #[test]
    fn first_matching_rule_decides() {
        let sg = vec!["sg-aaaaaaaa".to_string()];
        let w = world_with(vec![
            rule("TCP", "80", "10.0.1.4", "ACCEPT"),
            rule("ALL", "ALL", "0.0.0.0/0", "DROP"),
            rule("TCP", "80", "10.0.1.20", "ACCEPT"),
        ]);
        assert!(ingress_allows(&w, &sg, "10.0.1.4", "TCP", 80));
        assert!(!ingress_allows(&w, &sg, "10.0.1.20", "TCP", 80));
        assert!(!ingress_allows(&w, &sg, "10.0.1.4", "UDP", 80));
        let w = world_with(vec![rule("TCP", "80,443", "10.0.0.0/16", "ACCEPT")]);
        assert!(ingress_allows(&w, &sg, "10.0.1.20", "tcp", 443));
        assert!(!ingress_allows(&w, &sg, "10.0.1.20", "TCP", 8080));
        assert!(ingress_allows(&w, &[], "1.1.1.1", "TCP", 1));
    }

    #[test]
    fn allocates_the_lowest_free_address() {
        let mut w = World::default();
        w.vpc.subnets.push(SimSubnet {
            region: "r".into(),
            subnet: vpc::Subnet {
                subnet_id: Some("subnet-aaaaaaaa".into()),
                cidr_block: Some("10.0.9.0/30".into()),
                ..Default::default()
            },
            allocated: Default::default(),
        });
        assert_eq!(allocate_ip(&mut w, "subnet-aaaaaaaa").unwrap(), "10.0.9.2");
        assert_eq!(
            allocate_ip(&mut w, "subnet-aaaaaaaa").unwrap_err().code,
            "ResourceInsufficient"
        );
        assert_eq!(
            allocate_ip(&mut w, "subnet-nope").unwrap_err().code,
            "ResourceNotFound"
        );
    }
}
