//! Simulated `vpc` service: VPCs, subnets, security groups and their policies.
//!
//! Helpers other services use:
//! - [`ingress_allows`]: would these security groups let `source_ip` reach
//!   `protocol`/`port`? (CLB health checks: the VIP must be allowed);
//! - [`allocate_ip`]: the next free private IP of a subnet (instances, CLB VIPs).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cloud::models::vpc;
use crate::sim::world::{Ctx, SimError, SimResult, World};

/// The VPC part of the world.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VpcState {
    pub vpcs: Vec<SimVpc>,
    pub subnets: Vec<SimSubnet>,
    pub security_groups: Vec<SimSecurityGroup>,
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

pub fn handle(_world: &mut World, _ctx: &Ctx, action: &str, _params: &Value) -> SimResult {
    Err(SimError::new(
        "InvalidAction",
        format!("{action} is not implemented"),
    ))
}

/// Networks have no async work.
pub fn tick(_world: &mut World, _now: f64) {}
