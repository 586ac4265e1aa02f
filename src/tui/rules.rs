//! The wizard's checks of what the user typed and chose, with messages in
//! the user's language. Field rules follow the API's limits (CreateImage:
//! ImageName ≤ 60 characters, ImageDescription ≤ 60; CreateLoadBalancer:
//! LoadBalancerName ≤ 60; ports 1–65535).

use crate::i18n::{t, tf, Lang};
use crate::tui::app::App;
use crate::tui::state::{Check, CheckLevel, ClbView, InstanceView, Reason, Role};

fn field_error(
    lang: Lang,
    field_key: &str,
    rule_key: &str,
    args: &[(&str, &dyn std::fmt::Display)],
) -> String {
    let field = t(lang, field_key);
    let mut all: Vec<(&str, &dyn std::fmt::Display)> = vec![("field", &field)];
    all.extend_from_slice(args);
    tf(lang, rule_key, &all)
}

/// A name the API accepts: 1–60 characters, no control characters.
fn name(lang: Lang, field_key: &str, v: &str, max: usize) -> Result<(), String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(field_error(lang, field_key, "wizard.rule.required", &[]));
    }
    if v.chars().count() > max {
        return Err(field_error(
            lang,
            field_key,
            "wizard.rule.too_long",
            &[("max", &max)],
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(field_error(
            lang,
            field_key,
            "wizard.rule.control_chars",
            &[],
        ));
    }
    Ok(())
}

pub fn image_name(lang: Lang, v: &str) -> Result<(), String> {
    name(lang, "wizard.image.name", v, 60)
}

pub fn image_description(lang: Lang, v: &str) -> Result<(), String> {
    // The description may be empty.
    if v.trim().is_empty() {
        return Ok(());
    }
    name(lang, "wizard.image.description", v, 60)
}

pub fn clb_name(lang: Lang, v: &str) -> Result<(), String> {
    name(lang, "wizard.lb.new_name", v, 60)
}

pub fn not_empty(lang: Lang, field_key: &str, v: &str) -> Result<(), String> {
    if v.trim().is_empty() {
        Err(field_error(lang, field_key, "wizard.rule.required", &[]))
    } else {
        Ok(())
    }
}

fn int_in(lang: Lang, field_key: &str, v: &str, lo: i64, hi: i64) -> Result<i64, String> {
    match v.trim().parse::<i64>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(n),
        _ => Err(field_error(
            lang,
            field_key,
            "wizard.rule.range",
            &[("min", &lo), ("max", &hi)],
        )),
    }
}

/// Instances per launch: RunInstances takes 1–100.
pub fn count(lang: Lang, v: &str) -> Result<(), String> {
    let allowed = crate::cloud::limits::RUN_INSTANCES_COUNT;
    int_in(
        lang,
        "wizard.launch.count",
        v,
        *allowed.start(),
        *allowed.end(),
    )
    .map(|_| ())
}

pub fn project(lang: Lang, v: &str) -> Result<(), String> {
    int_in(lang, "wizard.launch.project", v, 0, i64::from(u32::MAX)).map(|_| ())
}

pub fn port(lang: Lang, v: &str) -> Result<(), String> {
    int_in(lang, "wizard.bind.port_field", v, 1, 65535).map(|_| ())
}

/// Why an instance cannot sit behind `clb`: another zone (internal CLBs
/// serve their subnet's zone) or another VPC.
pub fn placement_reasons(inst: &InstanceView, clb: &ClbView) -> Vec<Reason> {
    let mut out = Vec::new();
    if !clb.vpc_id.is_empty() && !inst.vpc_id.is_empty() && clb.vpc_id != inst.vpc_id {
        out.push(Reason::OtherVpc {
            vpc: inst.vpc_id.clone(),
            clb_vpc: clb.vpc_id.clone(),
        });
    } else if clb.kind == "INTERNAL" && !clb.zone.is_empty() && clb.zone != inst.zone {
        out.push(Reason::OtherZone {
            zone: inst.zone.clone(),
            clb_zone: clb.zone.clone(),
        });
    }
    if clb.project_id != inst.project_id {
        out.push(Reason::OtherProject {
            project: inst.project_id,
            clb_project: clb.project_id,
        });
    }
    out
}

pub fn reason(lang: Lang, r: &Reason) -> String {
    match r {
        Reason::Rule(i) => i.reason(lang),
        Reason::OtherZone { zone, clb_zone } => tf(
            lang,
            "wizard.reason.other_zone",
            &[("zone", zone), ("clb_zone", clb_zone)],
        ),
        Reason::OtherProject {
            project,
            clb_project,
        } => tf(
            lang,
            "wizard.reason.other_project",
            &[("project", project), ("clb_project", clb_project)],
        ),
        Reason::OtherVpc { vpc, clb_vpc } => tf(
            lang,
            "wizard.reason.other_vpc",
            &[("vpc", vpc), ("clb_vpc", clb_vpc)],
        ),
    }
}

/// Every reason of a row, joined.
pub fn reasons(lang: Lang, inst: &InstanceView) -> String {
    inst.ineligible
        .iter()
        .map(|r| reason(lang, r))
        .collect::<Vec<_>>()
        .join(match lang {
            Lang::Zh => "；",
            Lang::En => "; ",
        })
}

/// The consistency checklist of the launch form: region, zone and project
/// of the new instances against the source, the role's other servers and
/// the role's load balancer (and its VPC for an internal one).
pub fn launch_checks(app: &App) -> Vec<Check> {
    let lang = app.lang;
    let mut out = Vec::new();
    let (Some(arch), Some(src)) = (app.arch.ready(), app.source_instance()) else {
        return out;
    };
    let zone = app.launch.zone.value.trim();
    let project = app.launch.project.value.trim();
    // `key` is `wizard.check.<what>_vs`; a mismatch says `<what>_ne` with the other value.
    let check = |ok: bool, key: &str, args: &[(&str, &dyn std::fmt::Display)]| Check {
        level: if ok { CheckLevel::Ok } else { CheckLevel::Fail },
        text: if ok || !key.ends_with("_vs") {
            tf(lang, key, args)
        } else {
            tf(lang, &key.replace("_vs", "_ne"), args)
        },
    };
    out.push(check(
        true,
        "wizard.check.region",
        &[("region", &arch.region)],
    ));
    // The servers the new ones join: the source and whatever already sits
    // behind the role's load balancer (a same-named server elsewhere is not a peer).
    let clb = match app.role() {
        Role::Session => arch.internal_clb.as_ref(),
        Role::Business => arch.public_clb.as_ref(),
    };
    let mut peers: Vec<&InstanceView> = vec![src];
    for l in clb.iter().flat_map(|c| c.listeners.iter()) {
        for (id, _, _) in &l.targets {
            if let Some(i) = arch.instance(id) {
                if !peers.iter().any(|p| p.id == i.id) {
                    peers.push(i);
                }
            }
        }
    }
    for p in peers {
        out.push(check(
            p.zone == zone,
            "wizard.check.zone_vs",
            &[("zone", &zone), ("other", &p.zone), ("who", &p.name)],
        ));
        out.push(check(
            p.project_id.to_string() == project,
            "wizard.check.project_vs",
            &[
                ("project", &project),
                ("other", &p.project_id),
                ("who", &p.name),
            ],
        ));
    }
    if let Some(c) = clb {
        out.push(check(
            c.project_id.to_string() == project,
            "wizard.check.project_vs",
            &[
                ("project", &project),
                ("other", &c.project_id),
                ("who", &c.id),
            ],
        ));
        if c.kind == "INTERNAL" {
            out.push(check(
                c.vpc_id == app.launch.vpc_id,
                "wizard.check.vpc_vs",
                &[
                    ("vpc", &app.launch.vpc_id),
                    ("other", &c.vpc_id),
                    ("who", &c.id),
                ],
            ));
        }
    }
    if app.launch.override_mismatch && out.iter().any(|c| c.level == CheckLevel::Fail) {
        out.push(Check {
            level: CheckLevel::Warn,
            text: t(lang, "wizard.check.overridden"),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_name_themselves_and_their_limits() {
        let e = port(Lang::En, "70000").unwrap_err();
        assert!(e.contains("1") && e.contains("65535"), "{e}");
        assert!(port(Lang::En, "80").is_ok());
        assert!(count(Lang::En, "0").is_err());
        assert!(count(Lang::En, "3").is_ok());
        // RunInstances takes 1-500 instances a call
        assert!(count(Lang::En, "500").is_ok());
        let e = count(Lang::En, "501").unwrap_err();
        assert!(e.contains("500"), "{e}");
        assert!(image_name(Lang::En, "").is_err());
        assert!(image_name(Lang::En, &"x".repeat(61)).is_err());
        assert!(image_name(Lang::Zh, "会话服务器镜像").is_ok());
        assert!(image_description(Lang::En, "").is_ok());
    }

    #[test]
    fn placement_flags_other_zone_for_internal_clb_only() {
        let inst = InstanceView {
            zone: "ap-guangzhou-4".into(),
            vpc_id: "vpc-1".into(),
            ..Default::default()
        };
        let mut clb = ClbView {
            kind: "INTERNAL".into(),
            zone: "ap-guangzhou-3".into(),
            vpc_id: "vpc-1".into(),
            ..Default::default()
        };
        assert_eq!(placement_reasons(&inst, &clb).len(), 1);
        clb.kind = "OPEN".into();
        assert!(placement_reasons(&inst, &clb).is_empty());
        clb.vpc_id = "vpc-2".into();
        assert!(matches!(
            placement_reasons(&inst, &clb)[0],
            Reason::OtherVpc { .. }
        ));
    }
}
