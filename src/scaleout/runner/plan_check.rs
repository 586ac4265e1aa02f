//! The checks of a plan that need the account, made before the first
//! creating call (and by the preview, which makes no other): every id the
//! plan names resolves (source, reused image, CLB, VPC, subnet, business
//! servers), the launch passes `RunInstances` with `DryRun` (type, network,
//! security groups, quota), the price is quoted (`InquiryPriceRunInstances`),
//! and the counts and Auto Scaling sizes fit the zone's remaining quota
//! (`DescribeAccountQuota`) and the image quota. Each problem names the plan
//! field; warnings (an image of another OS than the role's) do not refuse.
//!
//! Without these, a bad value surfaced only at the step that used it: after
//! the images, instances and CLB before it existed and were paid for.

use std::collections::BTreeMap;

use crate::cloud::models::{clb, cvm, vpc};
use crate::i18n::{tf, Lang};
use crate::scaleout::discover::{discover, Architecture};
use crate::scaleout::plan::{self, Plan};
use crate::scaleout::validate::{FieldError, Problem};

use super::flow::{public_clb, source_of};
use super::image::SOURCE_TAG;
use super::launch::{run_instances_request, zone_quota, LaunchInput};
use super::{Engine, StepError};

/// What the check found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanCheck {
    /// Values the account refuses: the plan must change before it runs.
    pub problems: Vec<FieldError>,
    /// Worth reading, not refusing (an image of another OS than the role's).
    pub warnings: Vec<String>,
    /// (phase, new servers, instance type, yuan per hour) as the API quotes them.
    pub prices: Vec<PhasePrice>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PhasePrice {
    pub phase: String,
    pub count: i64,
    pub instance_type: String,
    pub per_hour: f64,
}

impl PlanCheck {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn refuse(&mut self, field: &str, reason: String) {
        // One problem per field: the first cause is the one to fix.
        if !self.problems.iter().any(|p| p.field == field) {
            self.problems
                .push(FieldError::new(field, Problem::Other { reason }));
        }
    }

    /// The lines `apply` prints on stdout: prices and warnings (the
    /// problems go to stderr, with their lines in the plan file).
    pub fn lines(&self, lang: Lang) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.prices {
            out.push(tf(
                lang,
                "check.price",
                &[
                    ("phase", &p.phase),
                    ("count", &p.count),
                    ("type", &p.instance_type),
                    ("price", &format!("{:.2}", p.per_hour)),
                ],
            ));
        }
        for w in &self.warnings {
            out.push(tf(lang, "check.warning", &[("message", w)]));
        }
        out
    }
}

/// Which OS family an `OsName`/`Platform` names: the sdk.config path and the
/// service to restart depend on it.
pub fn is_windows(os: &str) -> bool {
    os.to_ascii_lowercase().contains("windows")
}

/// The business servers whose TAT agent is not online: their sdk.config
/// cannot be edited, so they will keep the old authServerUrl unless the
/// agent is installed first (the Overview says the same).
pub fn tat_missing_warning(lang: Lang, business: &[String], online: &[String]) -> Option<String> {
    use crate::scaleout::overview_checks::{agent_checks, AccountCheck};
    agent_checks(business, online)
        .into_iter()
        .find(|c| matches!(c, AccountCheck::TatMissing { .. }))
        .map(|c| c.text(lang))
}

/// The warning for launching `image_os` in place of a server running
/// `source_os` (session servers run `mina_auth`, on Linux in the guide).
pub fn os_warning(
    lang: Lang,
    session: bool,
    image: &str,
    image_os: &str,
    source_os: &str,
) -> Option<String> {
    if image_os.is_empty() {
        return None;
    }
    if session && is_windows(image_os) {
        return Some(tf(
            lang,
            "check.image_os_session",
            &[("id", &image), ("os", &image_os)],
        ));
    }
    if !source_os.is_empty() && is_windows(image_os) != is_windows(source_os) {
        return Some(tf(
            lang,
            "check.image_os",
            &[("id", &image), ("os", &image_os), ("source_os", &source_os)],
        ));
    }
    None
}

/// The plan field a refused launch (DryRun or price) is about, from the
/// API's error code: the type, the count (quota), the reused image, or else
/// what the launch copies from the source (zone, network, groups).
/// `None`: an image problem of an image the run has yet to make.
pub fn launch_error_field(code: &str, reusing: bool) -> Option<&'static str> {
    if code.contains("InstanceType") {
        Some("instance_type")
    } else if code.contains("Quota") || code.starts_with("ResourceInsufficient") {
        Some("count")
    } else if code.starts_with("InvalidImageId") || code.contains("Image") {
        reusing.then_some("reuse_image")
    } else {
        Some("source")
    }
}

/// A launch planned in a zone: (plan field of its count, zone, count).
type Launch = (String, String, i64);

/// The counts and Auto Scaling sizes against each zone's remaining quota:
/// the phases' launches add up in a zone, and the group may grow to its
/// MaxSize (or a schedule's) in what they leave.
pub fn quota_problems(
    lang: Lang,
    remaining: &BTreeMap<String, u64>,
    launches: &[Launch],
    autoscaling: Option<(&str, &plan::AutoScaling)>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut used: BTreeMap<&str, i64> = BTreeMap::new();
    for (field, zone, count) in launches {
        let Some(&left) = remaining.get(zone) else {
            continue;
        };
        let before = *used.get(zone.as_str()).unwrap_or(&0);
        let total = before + count;
        used.insert(zone, total);
        if total > left as i64 {
            out.push((
                field.clone(),
                tf(
                    lang,
                    "check.quota",
                    &[("count", &total), ("zone", zone), ("remaining", &left)],
                ),
            ));
        }
    }
    if let Some((zone, a)) = autoscaling {
        if let Some(&left) = remaining.get(zone) {
            let after = (left as i64 - used.get(zone).copied().unwrap_or(0)).max(0);
            let sizes = std::iter::once(("autoscaling.max_size".to_string(), a.max_size)).chain(
                a.scheduled
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (format!("autoscaling.scheduled[{i}].max_size"), s.max_size)),
            );
            for (field, max) in sizes {
                if max > after {
                    out.push((
                        field,
                        tf(
                            lang,
                            "check.as_quota",
                            &[("max", &max), ("zone", &zone), ("remaining", &after)],
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// A problem's text from a refused call, in the user's language.
fn refused(lang: Lang, e: &StepError) -> String {
    tf(lang, "check.refused_call", &[("reason", &e.explain(lang))])
}

fn api_code(e: &StepError) -> Option<String> {
    match e {
        StepError::Cloud(c) => c.code().map(str::to_string),
        _ => None,
    }
}

/// The image `id` as the region lists it.
async fn image(eng: &Engine, id: &str) -> Result<Option<cvm::Image>, StepError> {
    let resp = eng
        .check_call(&cvm::DescribeImagesRequest {
            image_ids: Some(vec![id.to_string()]),
            ..Default::default()
        })
        .await;
    match resp {
        Ok(r) => Ok(r
            .image_set
            .unwrap_or_default()
            .into_iter()
            .find(|i| i.image_id.as_deref() == Some(id))),
        // A malformed or unknown id is "not there", not a failed check.
        Err(StepError::Cloud(e)) if e.code().is_some_and(|c| c.starts_with("InvalidImageId")) => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Private images of that name not made from `source` (the run would stop
/// on them: the name is taken).
async fn foreign_image_named(
    eng: &Engine,
    name: &str,
    source: &str,
) -> Result<Option<String>, StepError> {
    let resp = eng
        .check_call(&cvm::DescribeImagesRequest {
            filters: Some(vec![
                cvm::Filter {
                    name: Some("image-name".into()),
                    values: Some(vec![name.to_string()]),
                },
                cvm::Filter {
                    name: Some("image-type".into()),
                    values: Some(vec!["PRIVATE_IMAGE".into()]),
                },
            ]),
            limit: Some(100),
            ..Default::default()
        })
        .await?;
    let images = resp.image_set.unwrap_or_default();
    let same: Vec<&cvm::Image> = images
        .iter()
        .filter(|i| i.image_name.as_deref() == Some(name))
        .filter(|i| {
            !matches!(
                i.image_state.as_deref(),
                Some("CREATEFAILED" | "IMPORTFAILED")
            )
        })
        .collect();
    let ours = same.iter().any(|i| {
        i.tags
            .iter()
            .flatten()
            .any(|t| t.key.as_deref() == Some(SOURCE_TAG) && t.value.as_deref() == Some(source))
    });
    Ok(if ours {
        None
    } else {
        same.first().and_then(|i| i.image_id.clone())
    })
}

/// How many more private images the account may make.
async fn images_left(eng: &Engine) -> Result<i64, StepError> {
    let quota = crate::scaleout::account::image_quota(eng).await?;
    let used = crate::scaleout::account::private_images(eng).await?.total;
    Ok(quota - used)
}

/// RunInstances with DryRun, then the price of the same launch. The image
/// is the reused one, or the source's own while the run's is still to be
/// made (same OS and disks).
async fn check_launch(
    eng: &Engine,
    out: &mut PlanCheck,
    name: &str,
    p: &plan::Phase,
    source: &cvm::Instance,
    image_id: String,
) -> Result<(), StepError> {
    let lang = eng.lang;
    let input = LaunchInput {
        source: source.clone(),
        image_id: image_id.clone(),
        count: p.count as u32,
        instance_name: p
            .instance_name
            .clone()
            .or_else(|| source.instance_name.clone())
            .unwrap_or_else(|| "tcscale".into()),
        instance_type: p.instance_type.clone(),
    };
    let mut req = run_instances_request(&input, "", "check");
    req.client_token = None;
    req.tag_specification = None;
    let reusing = p.reuse_image.is_some();
    let fail = |out: &mut PlanCheck, e: &StepError| -> Result<(), StepError> {
        let Some(code) = api_code(e) else {
            return Err(e.clone());
        };
        if let Some(field) = launch_error_field(&code, reusing) {
            out.refuse(&format!("{name}.{field}"), refused(lang, e));
        }
        Ok(())
    };
    let mut dry = req.clone();
    dry.dry_run = Some(true);
    match eng.check_call(&dry).await {
        Ok(_) => {}
        Err(StepError::Cloud(e)) if e.is("DryRunOperation") => {}
        Err(e) => return fail(out, &e),
    }
    let inquiry = cvm::InquiryPriceRunInstancesRequest {
        placement: req.placement.clone(),
        image_id: Some(image_id),
        instance_charge_type: req.instance_charge_type.clone(),
        instance_type: req.instance_type.clone(),
        system_disk: req.system_disk.clone(),
        data_disks: req.data_disks.clone(),
        virtual_private_cloud: req.virtual_private_cloud.clone(),
        internet_accessible: req.internet_accessible.clone(),
        instance_count: req.instance_count,
        security_group_ids: req.security_group_ids.clone(),
        ..Default::default()
    };
    match eng.check_call(&inquiry).await {
        Ok(resp) => {
            let item = resp
                .price
                .unwrap_or_default()
                .instance_price
                .unwrap_or_default();
            out.prices.push(PhasePrice {
                phase: name.to_string(),
                count: p.count,
                instance_type: req.instance_type.clone().unwrap_or_default(),
                per_hour: item.unit_price_discount.or(item.unit_price).unwrap_or(0.0),
            });
        }
        Err(e) => fail(out, &e)?,
    }
    Ok(())
}

/// The CLB a session phase names (`clb = "lb-…"`): it exists and is internal;
/// or the VPC and subnet of the one it creates exist, the subnet in that VPC,
/// the VPC the servers'.
async fn check_session_clb(
    eng: &Engine,
    out: &mut PlanCheck,
    arch: &Architecture,
    p: &plan::Phase,
    source: &cvm::Instance,
) -> Result<(), StepError> {
    let lang = eng.lang;
    let region = eng.client.region().to_string();
    let servers_vpc = source
        .virtual_private_cloud
        .as_ref()
        .and_then(|v| v.vpc_id.clone())
        .unwrap_or_default();
    match p.clb_choice(true) {
        plan::ClbChoice::Existing(id) => {
            let found = match arch.load_balancers.iter().find(|c| c.id() == id) {
                Some(c) => Some(c.lb.clone()),
                None => load_balancer(eng, &id).await?,
            };
            match found {
                None => out.refuse(
                    "session.clb",
                    tf(
                        lang,
                        "check.clb_missing",
                        &[("id", &id), ("region", &region)],
                    ),
                ),
                Some(lb) if lb.load_balancer_type.as_deref() == Some("OPEN") => {
                    out.refuse("session.clb", tf(lang, "check.clb_public", &[("id", &id)]))
                }
                Some(_) => {}
            }
        }
        _ => {
            let vpc_id = p.clb_vpc.clone().unwrap_or_else(|| servers_vpc.clone());
            if p.clb_vpc.is_some() {
                let found = eng
                    .check_call(&vpc::DescribeVpcsRequest {
                        vpc_ids: Some(vec![vpc_id.clone()]),
                        ..Default::default()
                    })
                    .await?
                    .vpc_set
                    .unwrap_or_default()
                    .iter()
                    .any(|v| v.vpc_id.as_deref() == Some(vpc_id.as_str()));
                if !found {
                    out.refuse(
                        "session.clb_vpc",
                        tf(
                            lang,
                            "check.vpc_missing",
                            &[("id", &vpc_id), ("region", &region)],
                        ),
                    );
                } else if vpc_id != servers_vpc {
                    out.refuse(
                        "session.clb_vpc",
                        tf(
                            lang,
                            "check.vpc_other",
                            &[("id", &vpc_id), ("vpc", &servers_vpc)],
                        ),
                    );
                }
            }
            if let Some(subnet_id) = &p.clb_subnet {
                let subnet = eng
                    .check_call(&vpc::DescribeSubnetsRequest {
                        subnet_ids: Some(vec![subnet_id.clone()]),
                        ..Default::default()
                    })
                    .await?
                    .subnet_set
                    .unwrap_or_default()
                    .into_iter()
                    .find(|s| s.subnet_id.as_deref() == Some(subnet_id.as_str()));
                match subnet {
                    None => out.refuse(
                        "session.clb_subnet",
                        tf(
                            lang,
                            "check.subnet_missing",
                            &[("id", subnet_id), ("region", &region)],
                        ),
                    ),
                    Some(s) if s.vpc_id.as_deref() != Some(vpc_id.as_str()) => out.refuse(
                        "session.clb_subnet",
                        tf(
                            lang,
                            "check.subnet_other_vpc",
                            &[
                                ("id", subnet_id),
                                ("in", &s.vpc_id.unwrap_or_default()),
                                ("vpc", &vpc_id),
                            ],
                        ),
                    ),
                    Some(_) => {}
                }
            }
        }
    }
    Ok(())
}

/// The CLB `id` as the region lists it (`None` when it is not there).
async fn load_balancer(eng: &Engine, id: &str) -> Result<Option<clb::LoadBalancer>, StepError> {
    match eng
        .check_call(&clb::DescribeLoadBalancersRequest {
            load_balancer_ids: Some(vec![id.to_string()]),
            ..Default::default()
        })
        .await
    {
        Ok(r) => Ok(r
            .load_balancer_set
            .unwrap_or_default()
            .into_iter()
            .find(|l| l.load_balancer_id.as_deref() == Some(id))),
        Err(StepError::Cloud(e))
            if e.code().is_some_and(|c| {
                c.starts_with("InvalidParameter") || c.starts_with("ResourceNotFound")
            }) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn zone_of(i: &cvm::Instance) -> String {
    i.placement
        .as_ref()
        .and_then(|p| p.zone.clone())
        .unwrap_or_default()
}

/// Every check, in the plan's order. `Err` only when the account could not
/// be asked (network, permissions): then nothing is known to be safe.
pub async fn check_plan(eng: &Engine, plan: &Plan) -> Result<PlanCheck, StepError> {
    let lang = eng.lang;
    let region = eng.client.region().to_string();
    let mut out = PlanCheck::default();
    let arch = discover(eng).await?;
    let mut launches: Vec<Launch> = Vec::new();
    let mut sources: BTreeMap<&str, cvm::Instance> = BTreeMap::new();
    let mut new_images = Vec::new();
    for (name, phase, session) in [
        ("session", plan.session.as_ref(), true),
        ("business", plan.business.as_ref(), false),
    ] {
        let Some(p) = phase else { continue };
        if (session && !plan.role.has_session()) || (!session && !plan.role.has_business()) {
            continue;
        }
        let source = match source_of(&arch, p) {
            Ok(s) => s,
            Err(e) => {
                let reason = match e {
                    StepError::Blocked(m) => m.in_lang(lang),
                    other => other.explain(lang),
                };
                out.refuse(&format!("{name}.source"), reason);
                continue;
            }
        };
        let source_id = source.instance_id.clone().unwrap_or_default();
        let source_os = source.os_name.clone().unwrap_or_default();
        // The image: the reused one must exist and be usable; a new one's name must be free.
        let launch_image = match &p.reuse_image {
            Some(id) => match image(eng, id).await? {
                None => {
                    out.refuse(
                        &format!("{name}.reuse_image"),
                        tf(
                            lang,
                            "check.image_missing",
                            &[("id", id), ("region", &region)],
                        ),
                    );
                    None
                }
                Some(img) => {
                    let state = img.image_state.clone().unwrap_or_default();
                    if matches!(state.as_str(), "CREATEFAILED" | "IMPORTFAILED") {
                        out.refuse(
                            &format!("{name}.reuse_image"),
                            tf(lang, "check.image_failed", &[("id", id), ("state", &state)]),
                        );
                    }
                    let os = img
                        .os_name
                        .clone()
                        .or(img.platform.clone())
                        .unwrap_or_default();
                    out.warnings
                        .extend(os_warning(lang, session, id, &os, &source_os));
                    (state == "NORMAL").then(|| id.clone())
                }
            },
            None => {
                let image_name = p.image_name.clone().unwrap_or_default();
                if let Some(taken) = foreign_image_named(eng, &image_name, &source_id).await? {
                    out.refuse(
                        &format!("{name}.image_name"),
                        tf(
                            lang,
                            "engine.image.name_taken",
                            &[("name", &image_name), ("id", &taken)],
                        ),
                    );
                }
                new_images.push(format!("{name}.image_name"));
                // The source's own image stands in for the one to be made.
                match source.image_id.as_deref() {
                    Some(id) => image(eng, id)
                        .await?
                        .filter(|i| i.image_state.as_deref() == Some("NORMAL"))
                        .map(|_| id.to_string()),
                    None => None,
                }
            }
        };
        // Without an image to launch (the reused one is missing or not
        // ready, the source's is gone) the API cannot be asked; a missing
        // reused image is already refused above.
        if let Some(image_id) = launch_image {
            check_launch(eng, &mut out, name, p, &source, image_id).await?;
        }
        launches.push((format!("{name}.count"), zone_of(&source), p.count));
        if session {
            check_session_clb(eng, &mut out, &arch, p, &source).await?;
            if p.update_sdk_config() {
                let business: Vec<String> = match &p.business_servers {
                    Some(ids) => ids.clone(),
                    None => arch
                        .with_role(crate::scaleout::discover::Role::Business)
                        .iter()
                        .filter_map(|i| i.instance_id.clone())
                        .collect(),
                };
                let online = crate::scaleout::account::agents_online(eng, &business).await?;
                out.warnings
                    .extend(tat_missing_warning(lang, &business, &online));
            }
            for (i, id) in p.business_servers.iter().flatten().enumerate() {
                if arch.instance(id).is_none() {
                    out.refuse(
                        &format!("{name}.business_servers[{i}]"),
                        tf(
                            lang,
                            "check.server_missing",
                            &[("id", id), ("region", &region)],
                        ),
                    );
                }
            }
        } else if let Err(e) = public_clb(&arch, p, &source_id) {
            let field = if p.clb.is_some() { "clb" } else { "source" };
            let reason = match e {
                StepError::Blocked(m) => m.in_lang(lang),
                other => other.explain(lang),
            };
            out.refuse(&format!("{name}.{field}"), reason);
        }
        sources.insert(name, source);
    }
    if !new_images.is_empty() {
        let left = images_left(eng).await?;
        for (k, field) in new_images.iter().enumerate() {
            if k as i64 >= left {
                out.refuse(
                    field,
                    tf(
                        lang,
                        "check.image_quota",
                        &[("count", &new_images.len()), ("left", &left.max(0))],
                    ),
                );
            }
        }
    }
    // Quotas: every zone a launch or the Auto Scaling group uses.
    let as_zone = plan
        .autoscaling
        .as_ref()
        .and_then(|a| sources.get(a.phase.as_str()).map(|s| (zone_of(s), a)));
    let mut zones: Vec<String> = launches.iter().map(|(_, z, _)| z.clone()).collect();
    zones.extend(as_zone.iter().map(|(z, _)| z.clone()));
    zones.sort();
    zones.dedup();
    let mut remaining = BTreeMap::new();
    for z in zones.into_iter().filter(|z| !z.is_empty()) {
        if let Some(q) = zone_quota(eng, &z).await? {
            remaining.insert(z, q.remaining_quota.unwrap_or(0));
        }
    }
    let as_arg = as_zone.as_ref().map(|(z, a)| (z.as_str(), *a));
    for (field, reason) in quota_problems(lang, &remaining, &launches, as_arg) {
        out.refuse(&field, reason);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_errors_name_the_field_they_are_about() {
        for (code, reusing, field) in [
            (
                "InvalidInstanceType.Malformed",
                false,
                Some("instance_type"),
            ),
            (
                "InvalidParameterValue.InstanceTypeNotFound",
                true,
                Some("instance_type"),
            ),
            (
                "ResourceUnavailable.InstanceType",
                false,
                Some("instance_type"),
            ),
            ("InstancesQuotaLimitExceeded", false, Some("count")),
            ("LimitExceeded.InstanceQuota", false, Some("count")),
            ("InvalidImageId.NotFound", true, Some("reuse_image")),
            ("InvalidImageId.NotFound", false, None),
            (
                "InvalidParameterValue.SubnetNotExist",
                false,
                Some("source"),
            ),
            ("InvalidSecurityGroupId.NotFound", true, Some("source")),
        ] {
            assert_eq!(launch_error_field(code, reusing), field, "{code}");
        }
    }

    #[test]
    fn an_image_of_another_os_is_warned_about() {
        let win = "Windows Server 2016 数据中心版 64位中文版";
        let centos = "CentOS 7.9 64位";
        let w = os_warning(Lang::En, true, "img-1", win, centos).unwrap();
        assert!(w.contains("img-1") && w.contains("mina_auth"), "{w}");
        assert!(os_warning(Lang::En, false, "img-1", win, centos).is_some());
        assert!(os_warning(Lang::En, false, "img-1", centos, win).is_some());
        assert!(os_warning(Lang::En, false, "img-1", win, win).is_none());
        assert!(os_warning(Lang::En, true, "img-1", centos, centos).is_none());
        assert!(os_warning(Lang::Zh, true, "img-1", win, "")
            .unwrap()
            .contains("img-1"));
        assert!(os_warning(Lang::En, true, "img-1", "", centos).is_none());
    }

    #[test]
    fn launches_add_up_per_zone_and_the_group_gets_what_is_left() {
        let remaining = BTreeMap::from([("gz-3".to_string(), 10u64), ("gz-4".to_string(), 5)]);
        let l = |f: &str, z: &str, n| (f.to_string(), z.to_string(), n);
        // 6 + 4 fit gz-3 exactly; 6 in gz-4 does not.
        let p = quota_problems(
            Lang::En,
            &remaining,
            &[
                l("session.count", "gz-3", 6),
                l("business.count", "gz-3", 4),
            ],
            None,
        );
        assert!(p.is_empty(), "{p:?}");
        let p = quota_problems(
            Lang::En,
            &remaining,
            &[
                l("session.count", "gz-3", 6),
                l("business.count", "gz-3", 5),
            ],
            None,
        );
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].0, "business.count");
        assert!(p[0].1.contains("11") && p[0].1.contains("10"), "{}", p[0].1);
        let a = plan::AutoScaling {
            phase: "session".into(),
            min_size: 1,
            max_size: 5,
            scheduled: vec![plan::Scheduled {
                name: "morning".into(),
                max_size: 3,
                ..Default::default()
            }],
            ..Default::default()
        };
        // 6 launched leave 4: MaxSize 5 is refused, the schedule's 3 is not.
        let p = quota_problems(
            Lang::En,
            &remaining,
            &[l("session.count", "gz-3", 6)],
            Some(("gz-3", &a)),
        );
        let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["autoscaling.max_size"]);
        assert!(p[0].1.contains('4'), "{}", p[0].1);
        // An unknown zone (not listed by the quota call) is not guessed at.
        assert!(quota_problems(Lang::En, &remaining, &[l("x", "gz-9", 99)], None).is_empty());
    }
}
