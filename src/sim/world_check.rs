//! A world file's consistency, checked when it is loaded: ids unique per
//! kind, IP addresses and CIDRs well formed (a private IP inside its
//! subnet), and every reference pointing at something that exists (a CLB
//! target's instance, an instance's VPC, subnet and security groups, a
//! subnet's and a CLB's VPC). The real API never shows such a world; the
//! simulator would answer nonsense about it instead of failing at start.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use crate::sim::vpc::{cidr_contains, parse_cidr};
use crate::sim::world::World;

/// Every problem found, one sentence each naming the resource.
pub fn check_world(w: &World) -> Vec<String> {
    let mut out = Vec::new();
    let mut unique = |kind: &str, ids: Vec<&str>| {
        let mut seen = BTreeSet::new();
        for id in ids {
            if id.is_empty() {
                out.push(format!("a {kind} has no id"));
            } else if !seen.insert(id) {
                out.push(format!("{kind} id {id} is used twice"));
            }
        }
        seen.into_iter()
            .map(str::to_string)
            .collect::<BTreeSet<String>>()
    };
    let instances = unique("instance", w.cvm.instances.iter().map(|i| i.id()).collect());
    unique("image", w.cvm.images.iter().map(|i| i.id()).collect());
    let vpcs = unique(
        "VPC",
        w.vpc
            .vpcs
            .iter()
            .map(|v| v.vpc.vpc_id.as_deref().unwrap_or(""))
            .collect(),
    );
    let subnets = unique("subnet", w.vpc.subnets.iter().map(|s| s.id()).collect());
    let groups = unique(
        "security group",
        w.vpc.security_groups.iter().map(|g| g.id()).collect(),
    );
    unique(
        "load balancer",
        w.clb.load_balancers.iter().map(|l| l.id.as_str()).collect(),
    );
    unique(
        "listener",
        w.clb
            .load_balancers
            .iter()
            .flat_map(|l| l.listeners.iter().map(|x| x.id.as_str()))
            .collect(),
    );

    for s in &w.vpc.subnets {
        let cidr = s.subnet.cidr_block.as_deref().unwrap_or("");
        if parse_cidr(cidr).is_none() {
            out.push(format!(
                "subnet {}: CidrBlock {cidr:?} is not a CIDR",
                s.id()
            ));
        }
        if !vpcs.contains(s.vpc_id()) {
            out.push(format!(
                "subnet {}: VPC {} does not exist",
                s.id(),
                s.vpc_id()
            ));
        }
    }
    for v in &w.vpc.vpcs {
        let cidr = v.vpc.cidr_block.as_deref().unwrap_or("");
        if !cidr.is_empty() && parse_cidr(cidr).is_none() {
            out.push(format!(
                "VPC {}: CidrBlock {cidr:?} is not a CIDR",
                v.vpc.vpc_id.as_deref().unwrap_or("")
            ));
        }
    }
    for i in &w.cvm.instances {
        let id = i.id();
        let subnet = w.vpc.subnets.iter().find(|s| s.id() == i.subnet_id());
        if !i.vpc_id().is_empty() && !vpcs.contains(i.vpc_id()) {
            out.push(format!("instance {id}: VPC {} does not exist", i.vpc_id()));
        }
        if !i.subnet_id().is_empty() && subnet.is_none() {
            out.push(format!(
                "instance {id}: subnet {} does not exist",
                i.subnet_id()
            ));
        }
        for ip in i.instance.private_ip_addresses.iter().flatten() {
            if ip.parse::<Ipv4Addr>().is_err() {
                out.push(format!(
                    "instance {id}: private IP {ip:?} is not an IPv4 address"
                ));
            } else if let Some(cidr) = subnet.and_then(|s| s.subnet.cidr_block.as_deref()) {
                if !cidr_contains(cidr, ip) {
                    out.push(format!(
                        "instance {id}: private IP {ip} is not in its subnet {cidr}"
                    ));
                }
            }
        }
        for ip in i.instance.public_ip_addresses.iter().flatten() {
            if ip.parse::<Ipv4Addr>().is_err() {
                out.push(format!(
                    "instance {id}: public IP {ip:?} is not an IPv4 address"
                ));
            }
        }
        for g in i.instance.security_group_ids.iter().flatten() {
            if !groups.contains(g.as_str()) {
                out.push(format!("instance {id}: security group {g} does not exist"));
            }
        }
    }
    for lb in &w.clb.load_balancers {
        for vip in &lb.vips {
            if vip.parse::<Ipv4Addr>().is_err() {
                out.push(format!(
                    "load balancer {}: VIP {vip:?} is not an IPv4 address",
                    lb.id
                ));
            }
        }
        if !lb.vpc_id.is_empty() && !vpcs.contains(lb.vpc_id.as_str()) {
            out.push(format!(
                "load balancer {}: VPC {} does not exist",
                lb.id, lb.vpc_id
            ));
        }
        if !lb.subnet_id.is_empty() && !subnets.contains(lb.subnet_id.as_str()) {
            out.push(format!(
                "load balancer {}: subnet {} does not exist",
                lb.id, lb.subnet_id
            ));
        }
        for l in &lb.listeners {
            let targets = l
                .targets
                .iter()
                .chain(l.rules.iter().flat_map(|r| r.targets.iter()));
            for t in targets {
                if !instances.contains(t.instance_id.as_str()) {
                    out.push(format!(
                        "load balancer {} listener {}: target {} is not an instance of the world",
                        lb.id, l.id, t.instance_id
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::seed::{load_world, SANDBOX_WORLD};

    #[test]
    fn the_sandbox_world_is_consistent() {
        let w: World = toml::from_str(SANDBOX_WORLD).unwrap();
        assert_eq!(check_world(&w), Vec::<String>::new());
    }

    #[test]
    fn duplicates_bad_ips_and_ghost_targets_refuse_the_world_file() {
        for (edit, want) in [
            (
                (
                    "InstanceId = \"ins-auth0001\"",
                    "InstanceId = \"ins-bizn0de1\"",
                ),
                "instance id ins-bizn0de1 is used twice",
            ),
            (
                (
                    "PrivateIpAddresses = [\"10.0.1.9\"]",
                    "PrivateIpAddresses = [\"10.0.1.999\"]",
                ),
                "private IP \"10.0.1.999\" is not an IPv4 address",
            ),
            (
                (
                    "PrivateIpAddresses = [\"10.0.1.9\"]",
                    "PrivateIpAddresses = [\"192.168.7.9\"]",
                ),
                "is not in its subnet",
            ),
            (
                (
                    "instance_id = \"ins-bizn0de1\"",
                    "instance_id = \"ins-ghost001\"",
                ),
                "target ins-ghost001 is not an instance of the world",
            ),
        ] {
            assert!(SANDBOX_WORLD.contains(edit.0), "{}", edit.0);
            let text = SANDBOX_WORLD.replacen(edit.0, edit.1, 1);
            let e = load_world(&text).unwrap_err();
            assert!(e.contains(want), "{want}: {e}");
        }
    }
}
