//! The wizard's checks of what the user typed and chose, with messages in
//! the user's language. The field rules are the plan file's
//! ([`crate::scaleout::validate`], the API's limits): one validator, so a
//! value the wizard takes is one `apply` takes, and the other way round.

use crate::i18n::{t, tf, Lang};
use crate::scaleout::validate::{self, Checked};
use crate::tui::app::App;
use crate::tui::state::{Check, CheckLevel, ClbView, InstanceView, Reason, Role};

/// A form field's check: its message in the user's language, if refused.
pub type FieldRule = fn(Lang, &str) -> Result<(), String>;

/// Runs `check` on the field labelled `field_key`, the message in `lang`.
fn field<T>(
    lang: Lang,
    field_key: &str,
    check: impl FnOnce(&str) -> Checked<T>,
) -> Result<(), String> {
    check(&t(lang, field_key))
        .map(drop)
        .map_err(|e| e.message(lang))
}

pub fn image_name(lang: Lang, v: &str) -> Result<(), String> {
    field(lang, "wizard.image.name", |f| validate::image_name(f, v))
}

pub fn image_description(lang: Lang, v: &str) -> Result<(), String> {
    field(lang, "wizard.image.description", |f| {
        validate::image_description(f, v)
    })
}

pub fn clb_name(lang: Lang, v: &str) -> Result<(), String> {
    field(lang, "wizard.lb.new_name", |f| validate::clb_name(f, v))
}

pub fn not_empty(lang: Lang, field_key: &str, v: &str) -> Result<(), String> {
    field(lang, field_key, |f| validate::not_empty(f, v))
}

/// A whole number typed into a form, from `min` to `max`: one wording,
/// naming the field and the range, whatever is wrong with it.
fn number(lang: Lang, field_key: &str, v: &str, min: i64, max: i64) -> Result<(), String> {
    field(lang, field_key, |f| validate::integer_in(f, v, min, max))
}

/// Instances per launch: RunInstances' InstanceCount range.
pub fn count(lang: Lang, v: &str) -> Result<(), String> {
    // validate::count's range, 1 up to the plan's limit.
    number(
        lang,
        "wizard.launch.count",
        v,
        1,
        crate::scaleout::plan::MAX_COUNT,
    )
}

/// The count against the zone's quota too, once it is known: a launch
/// beyond what is left fails at the API, so it is said as it is typed.
pub fn count_within(
    lang: Lang,
    v: &str,
    zone: &str,
    quota: Option<&crate::tui::state::ZoneQuota>,
) -> Result<(), String> {
    count(lang, v)?;
    let n: i64 = v.trim().parse().unwrap_or(0);
    match quota {
        Some(q) if n > q.remaining as i64 => Err(tf(
            lang,
            "check.quota",
            &[("count", &n), ("zone", &zone), ("remaining", &q.remaining)],
        )),
        _ => Ok(()),
    }
}

pub fn project(lang: Lang, v: &str) -> Result<(), String> {
    number(lang, "wizard.launch.project", v, 0, i64::from(u32::MAX))
}

/// validate::port's range, under the field's own name.
fn port(lang: Lang, field_key: &str, v: &str) -> Result<(), String> {
    number(lang, field_key, v, 1, 65535)
}

/// The CLB listener's port.
pub fn listener_port(lang: Lang, v: &str) -> Result<(), String> {
    port(lang, "wizard.bind.listener_port_field", v)
}

/// The port the servers behind the listener serve on.
pub fn backend_port(lang: Lang, v: &str) -> Result<(), String> {
    port(lang, "wizard.bind.backend_port_field", v)
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
    fn a_count_beyond_the_zone_quota_is_refused_as_typed() {
        let q = crate::tui::state::ZoneQuota {
            used: 8,
            total: 10,
            remaining: 2,
        };
        assert!(count_within(Lang::En, "2", "ap-guangzhou-3", Some(&q)).is_ok());
        let e = count_within(Lang::En, "3", "ap-guangzhou-3", Some(&q)).unwrap_err();
        assert!(e.contains("ap-guangzhou-3") && e.contains('2'), "{e}");
        assert!(count_within(Lang::Zh, "3", "gz-3", Some(&q))
            .unwrap_err()
            .contains("配额"));
        // Unknown quota: only the count's own limits.
        assert!(count_within(Lang::En, "300", "z", None).is_ok());
        assert!(count_within(Lang::En, "0", "z", Some(&q)).is_err());
    }

    #[test]
    fn fields_name_themselves_and_their_limits() {
        let e = listener_port(Lang::En, "70000").unwrap_err();
        assert!(e.contains("1") && e.contains("65535"), "{e}");
        assert!(e.starts_with("Listener port"), "{e}");
        assert!(backend_port(Lang::En, "0")
            .unwrap_err()
            .starts_with("Backend port"));
        assert!(listener_port(Lang::En, "80").is_ok());
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
        let e = count(Lang::Zh, "两台").unwrap_err();
        assert!(e.contains("整数"), "{e}");
        assert!(image_name(Lang::Zh, "镜像🙂")
            .unwrap_err()
            .contains("字母、汉字"));
    }

    /// The wizard takes exactly what a plan file takes, at the API's limits
    /// (CreateImage: name 60, description 256; CreateLoadBalancer: name 80).
    #[test]
    fn the_wizard_and_the_plan_agree_on_every_limit() {
        type WizardRule = fn(Lang, &str) -> Result<(), String>;
        type PlanRule = fn(&str, &str) -> bool;
        let cases: [(&str, usize, WizardRule, PlanRule); 3] = [
            ("image name", 60, image_name, |f, v| {
                validate::image_name(f, v).is_ok()
            }),
            ("image description", 256, image_description, |f, v| {
                validate::image_description(f, v).is_ok()
            }),
            ("CLB name", 80, clb_name, |f, v| {
                validate::clb_name(f, v).is_ok()
            }),
        ];
        for (what, max, wizard, plan) in cases {
            for (len, ok) in [(max, true), (max + 1, false)] {
                let v = "a".repeat(len);
                assert_eq!(wizard(Lang::En, &v).is_ok(), ok, "{what} of {len}");
                assert_eq!(plan("f", &v), ok, "{what} of {len}");
            }
        }
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
