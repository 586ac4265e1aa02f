//! Loading a world: the built-in sandbox world (`assets/sandbox/world.toml`),
//! a world file (checked by `world_check`), or a generated one (many instances, for paging tests and
//! benchmarks), and filling in what a world file may leave out.

use crate::cloud::models::cvm;
use crate::sim::cvm::SimInstance;
use crate::sim::world::World;

/// The sandbox world shipped in the binary.
pub const SANDBOX_WORLD: &str = include_str!("../../assets/sandbox/world.toml");

/// Parses a world file and fills in defaults.
pub fn load_world(toml_text: &str) -> Result<World, String> {
    let mut world: World = toml::from_str(toml_text).map_err(|e| format!("world file: {e}"))?;
    let problems = crate::sim::world_check::check_world(&world);
    if !problems.is_empty() {
        return Err(format!("world file: {}", problems.join("; ")));
    }
    normalize(&mut world);
    Ok(world)
}

/// The built-in sandbox world.
pub fn sandbox_world() -> World {
    load_world(SANDBOX_WORLD).expect("the built-in sandbox world parses")
}

/// Fills what the API always returns but a world file may omit, and records
/// seeded instances' IPs as in use in their subnets.
pub fn normalize(world: &mut World) {
    for inst in &mut world.cvm.instances {
        normalize_instance(inst);
    }
    for img in &mut world.cvm.images {
        let i = &mut img.image;
        i.image_state.get_or_insert_with(|| "NORMAL".into());
        i.image_type.get_or_insert_with(|| "PRIVATE_IMAGE".into());
        i.sync_percent.get_or_insert(100);
        i.is_support_cloudinit.get_or_insert(true);
        if img.os_name.is_empty() {
            img.os_name = i.os_name.clone().unwrap_or_default();
        }
        complete_image(i);
    }
    for v in &mut world.vpc.vpcs {
        complete_vpc(&mut v.vpc);
    }
    for g in &mut world.vpc.security_groups {
        let g = &mut g.group;
        g.tag_set.get_or_insert_with(Vec::new);
        if g.update_time.is_none() {
            g.update_time = g.created_time.clone();
        }
    }
    let ips: Vec<(String, String)> = world
        .cvm
        .instances
        .iter()
        .flat_map(|i| {
            let subnet = i.subnet_id().to_string();
            i.instance
                .private_ip_addresses
                .iter()
                .flatten()
                .map(move |ip| (subnet.clone(), ip.clone()))
        })
        .collect();
    for (subnet, ip) in ips {
        if let Some(s) = world.vpc.subnets.iter_mut().find(|s| s.id() == subnet) {
            s.allocated.insert(ip);
        }
    }
}

fn normalize_instance(inst: &mut SimInstance) {
    let id = inst.id().to_string();
    let i = &mut inst.instance;
    i.instance_state.get_or_insert_with(|| "RUNNING".into());
    i.restrict_state.get_or_insert_with(|| "NORMAL".into());
    i.isolated_source
        .get_or_insert_with(|| "NOTISOLATED".into());
    i.instance_charge_type
        .get_or_insert_with(|| "POSTPAID_BY_HOUR".into());
    i.stop_charging_mode
        .get_or_insert_with(|| "NOT_APPLICABLE".into());
    i.license_type.get_or_insert_with(|| "TencentCloud".into());
    i.disable_api_termination.get_or_insert(false);
    i.latest_operation_state
        .get_or_insert_with(|| "SUCCESS".into());
    i.latest_operation
        .get_or_insert_with(|| "RunInstances".into());
    i.latest_operation_error_msg.get_or_insert_with(String::new);
    i.tags.get_or_insert_with(Vec::new);
    i.login_settings
        .get_or_insert_with(cvm::LoginSettings::default);
    i.created_time
        .get_or_insert_with(|| "2019-03-02T11:00:00Z".into());
    let windows = i.os_name.as_deref().unwrap_or("").contains("Windows");
    i.default_login_user
        .get_or_insert_with(|| if windows { "Administrator" } else { "root" }.into());
    i.default_login_port
        .get_or_insert(if windows { 3389 } else { 22 });
    if i.uuid.is_none() {
        // Stable per id, so a world dump is reproducible.
        let h = crate::cloud::sign::sha256_hex(id.as_bytes());
        i.uuid = Some(format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        ));
    }
    if i.system_disk.is_none() {
        i.system_disk = Some(cvm::SystemDisk {
            disk_type: Some("CLOUD_PREMIUM".into()),
            disk_id: Some(format!("disk-{}", id.trim_start_matches("ins-"))),
            disk_size: Some(50),
            ..Default::default()
        });
    }
    if let Some(net) = i.internet_accessible.as_mut() {
        net.internet_max_bandwidth_out.get_or_insert(0);
    }
    complete_instance(i);
}

/// The members DescribeImages always answers: the license, the tags and the
/// snapshot of the system disk an image is made of.
pub fn complete_image(i: &mut cvm::Image) {
    i.license_type.get_or_insert_with(|| "TencentCloud".into());
    i.tags.get_or_insert_with(Vec::new);
    if i.snapshot_set.is_none() {
        let id = i
            .image_id
            .as_deref()
            .unwrap_or("")
            .trim_start_matches("img-");
        i.snapshot_set = Some(vec![cvm::Snapshot {
            snapshot_id: Some(format!("snap-{id}")),
            disk_usage: Some("SYSTEM_DISK".into()),
            disk_size: Some(i.image_size.unwrap_or(50)),
        }]);
    }
}

/// The members DescribeVpcs always answers, as for a VPC without DHCP
/// options, IPv6 or route publishing (Tencent's default DNS servers).
fn complete_vpc(v: &mut crate::cloud::models::vpc::Vpc) {
    v.dhcp_options_id.get_or_insert_with(String::new);
    v.dns_server_set
        .get_or_insert_with(|| vec!["183.60.83.19".into(), "183.60.82.98".into()]);
    v.domain_name.get_or_insert_with(String::new);
    v.enable_dhcp.get_or_insert(true);
    v.enable_multicast.get_or_insert(false);
    v.enable_route_vpc_publish.get_or_insert(false);
    v.ipv6_cidr_block.get_or_insert_with(String::new);
    v.ipv6_cidr_block_set.get_or_insert_with(Vec::new);
    v.tag_set.get_or_insert_with(Vec::new);
}

/// The members DescribeInstances always answers with a value, as the real
/// API gives them for an instance that uses none of those features (empty
/// strings and lists, an unencrypted disk); shared by seeded and launched
/// instances. Members the real API answers as null stay unset (`cvm` writes
/// them as null).
pub fn complete_instance(i: &mut cvm::Instance) {
    i.dedicated_cluster_id.get_or_insert_with(String::new);
    i.hpc_cluster_id.get_or_insert_with(String::new);
    i.disaster_recover_group_ids.get_or_insert_with(Vec::new);
    i.tags.get_or_insert_with(Vec::new);
    if i.host_name.is_none() {
        // the default host name CVM gives: VM-<3rd>-<4th octet>-<os>
        let ip = i.private_ip_addresses.iter().flatten().next();
        let octets: Vec<&str> = ip.map(|ip| ip.split('.').collect()).unwrap_or_default();
        let os = i.os_name.as_deref().unwrap_or("");
        let os = if os.contains("Windows") {
            "windows"
        } else if os.contains("Ubuntu") {
            "ubuntu"
        } else {
            "centos"
        };
        if let [_, _, c, d] = octets[..] {
            i.host_name = Some(format!("VM-{c}-{d}-{os}"));
        }
    }
    if let Some(disk) = i.system_disk.as_mut() {
        disk.encrypt.get_or_insert(false);
        disk.kms_key_id.get_or_insert_with(String::new);
    }
    if i.instance_charge_type.as_deref() == Some("PREPAID") {
        i.renew_flag
            .get_or_insert_with(|| "NOTIFY_AND_MANUAL_RENEW".into());
    }
}

/// A world with `n` extra running instances in ap-guangzhou-3 (for paging
/// tests and benchmarks), on top of the sandbox world.
pub fn world_with_instances(n: usize) -> World {
    let mut world = sandbox_world();
    let template = world
        .cvm
        .instance("ins-otherpj1")
        .cloned()
        .expect("sandbox world has ins-otherpj1");
    world.cvm.instances.clear();
    world.cvm.instance_quota_per_zone = (n as i64 + 100).max(50);
    for k in 0..n {
        let mut inst = template.clone();
        inst.instance.instance_id = Some(format!("ins-{k:08}"));
        inst.instance.instance_name = Some(format!("bulk-{k}"));
        inst.instance.uuid = None;
        inst.instance.system_disk = None;
        inst.instance.private_ip_addresses =
            Some(vec![format!("10.0.{}.{}", 100 + k / 250, 2 + k % 250)]);
        inst.instance.virtual_private_cloud = Some(cvm::VirtualPrivateCloud {
            vpc_id: Some("vpc-gz8k2m9a".into()),
            subnet_id: Some("subnet-bulk0000".into()),
            ..Default::default()
        });
        normalize_instance(&mut inst);
        world.cvm.instances.push(inst);
    }
    world
}

/// The sandbox world with `n` more Node.js business servers (copies of
/// `ins-bizn0de1`: ids `ins-bizc0000`…, private IPs from 10.0.1.100), each
/// bound to the public CLB's listeners as the original is: the many-server
/// case of a rolling sdk.config update (tests and benchmarks). At most 150.
pub fn sandbox_with_business_servers(n: usize) -> World {
    assert!(n <= 150, "the sandbox subnet holds 150 more servers");
    let mut world = sandbox_world();
    let template = world
        .cvm
        .instance("ins-bizn0de1")
        .cloned()
        .expect("sandbox world has ins-bizn0de1");
    world.cvm.instance_quota_per_zone += n as i64;
    let mut ids = Vec::new();
    for k in 0..n {
        let mut inst = template.clone();
        let id = format!("ins-bizc{k:04}");
        let ip = format!("10.0.1.{}", 100 + k);
        inst.instance.instance_id = Some(id.clone());
        inst.instance.instance_name = Some(format!("node-weapp-{}", k + 2));
        inst.instance.uuid = None;
        inst.instance.private_ip_addresses = Some(vec![ip.clone()]);
        inst.instance.public_ip_addresses = None;
        normalize_instance(&mut inst);
        if let Some(s) = world
            .vpc
            .subnets
            .iter_mut()
            .find(|s| s.id() == inst.subnet_id())
        {
            s.allocated.insert(ip);
        }
        world.cvm.instances.push(inst);
        ids.push(id);
    }
    for lb in &mut world.clb.load_balancers {
        for l in &mut lb.listeners {
            let Some(t) = l
                .targets
                .iter()
                .find(|t| t.instance_id == "ins-bizn0de1")
                .cloned()
            else {
                continue;
            };
            for id in &ids {
                l.targets.push(crate::sim::clb::SimTarget {
                    instance_id: id.clone(),
                    ..t.clone()
                });
            }
        }
    }
    world
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_business_servers_are_bound_like_the_first_and_pass_the_world_check() {
        let w = sandbox_with_business_servers(100);
        assert!(crate::sim::world_check::check_world(&w).is_empty());
        let bound = |id: &str| {
            w.clb
                .load_balancers
                .iter()
                .flat_map(|lb| &lb.listeners)
                .filter(|l| l.targets.iter().any(|t| t.instance_id == id))
                .map(|l| l.id.clone())
                .collect::<Vec<_>>()
        };
        assert!(!bound("ins-bizn0de1").is_empty());
        assert_eq!(bound("ins-bizc0099"), bound("ins-bizn0de1"));
        let c = w.cvm.instance("ins-bizc0042").unwrap();
        assert_eq!(c.runtime, "nodejs");
        assert!(c.files["/etc/qcloud/sdk.config"].contains("authServerUrl"));
    }

    #[test]
    fn sandbox_world_has_the_guide_layout() {
        let w = sandbox_world();
        let biz = w.cvm.instance("ins-bizn0de1").unwrap();
        assert_eq!(biz.runtime, "nodejs");
        assert!(biz.tat_agent_online);
        assert!(biz.files["/etc/qcloud/sdk.config"].contains("authServerUrl"));
        assert_eq!(biz.project_id(), 1002189);
        assert_eq!(biz.state(), "RUNNING");
        assert!(!w.cvm.instance("ins-tatoff01").unwrap().tat_agent_online);
        assert!(w
            .cvm
            .instance("ins-bizdnet1")
            .unwrap()
            .files
            .contains_key(r"C:\qcloud\sdk.config"));
        assert_eq!(
            w.cvm
                .instance("ins-isolat01")
                .unwrap()
                .instance
                .restrict_state
                .as_deref(),
            Some("PROTECTIVELY_ISOLATED")
        );
        assert_eq!(w.cvm.instance("ins-nobw0001").unwrap().bandwidth_out(), 0);
        assert!(w
            .vpc
            .subnet("subnet-gz3a1b2c")
            .unwrap()
            .allocated
            .contains("10.0.1.4"));
        assert_eq!(w.regions.len(), 2);
        assert!(w.tag.project(1002189).is_some());
        // Every instance id is well formed and unique.
        let mut ids: Vec<&str> = w.cvm.instances.iter().map(|i| i.id()).collect();
        assert!(ids.iter().all(|id| crate::sim::cvm::well_formed(id, "ins")));
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), w.cvm.instances.len());
    }

    #[test]
    fn generated_world_has_n_instances() {
        let w = world_with_instances(250);
        assert_eq!(w.cvm.instances.len(), 250);
        assert!(crate::sim::cvm::well_formed(
            w.cvm.instances[249].id(),
            "ins"
        ));
    }
}
