//! The guide's steps as data: which steps each phase has, in the guide's
//! order, and the API calls each will make (the confirm screen's plan
//! preview and `tcscale apply` without `--yes`).

use serde::{Deserialize, Serialize};

use crate::cloud::action::Service;
use crate::i18n::{t, tf, Lang};
use crate::scaleout::plan::{ClbChoice, Phase, Plan};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    Image,
    Launch,
    LoadBalancer,
    Listener,
    Bind,
    SecurityGroup,
    SdkConfig,
    AutoScaling,
    Summary,
}

impl Step {
    pub const ALL: [Step; 9] = [
        Step::Image,
        Step::Launch,
        Step::LoadBalancer,
        Step::Listener,
        Step::Bind,
        Step::SecurityGroup,
        Step::SdkConfig,
        Step::AutoScaling,
        Step::Summary,
    ];

    /// The step's title in the UI.
    pub fn title(self, lang: Lang) -> String {
        t(lang, &format!("scaleout.step.{}", self.key()))
    }

    /// The step's title, worded when shown.
    pub fn title_text(self) -> crate::i18n::Text {
        crate::i18n::Text::new(&format!("scaleout.step.{}", self.key()), &[])
    }

    fn key(self) -> &'static str {
        match self {
            Step::Image => "image",
            Step::Launch => "launch",
            Step::LoadBalancer => "load_balancer",
            Step::Listener => "listener",
            Step::Bind => "bind",
            Step::SecurityGroup => "security_group",
            Step::SdkConfig => "sdk_config",
            Step::AutoScaling => "autoscaling",
            Step::Summary => "summary",
        }
    }
}

/// The steps of one phase, in the guide's order. Session servers: image,
/// launch, internal CLB, TCP listener, bind, security group, sdk.config on
/// the business servers. Business servers: image, launch, the existing
/// public CLB (its listeners are reused), bind, security group. Auto Scaling
/// where the plan asks for it; Summary once, at the end of the last phase.
pub fn steps_of(session: bool, plan: &Plan) -> Vec<Step> {
    let phase = if session {
        &plan.session
    } else {
        &plan.business
    };
    let mut out = vec![Step::Image, Step::Launch, Step::LoadBalancer];
    if session {
        out.push(Step::Listener);
    }
    out.extend([Step::Bind, Step::SecurityGroup]);
    if session && phase.as_ref().is_none_or(Phase::update_sdk_config) {
        out.push(Step::SdkConfig);
    }
    let phase_name = if session { "session" } else { "business" };
    if plan
        .autoscaling
        .as_ref()
        .is_some_and(|a| a.phase == phase_name)
    {
        out.push(Step::AutoScaling);
    }
    let last_phase = !session || !plan.role.has_business();
    if last_phase {
        out.push(Step::Summary);
    }
    out
}

/// What the wizard knows of the world when it previews (counts and names
/// from Describe calls); defaults give a preview from the plan alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Business servers whose sdk.config will be updated.
    pub business_servers: usize,
    /// Existing session servers (bound with the new ones).
    pub existing_session_servers: usize,
    /// Existing business servers' listeners on the public CLB.
    pub public_listeners: usize,
    /// Security groups of bound servers that lack the VIP rule.
    pub security_groups_missing_rule: usize,
}

/// One API call the run will make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedCall {
    pub phase: String,
    pub step: Step,
    /// `cvm`, `clb`, `vpc`, `as`, `tat`.
    pub service: String,
    pub action: String,
    /// What it does, in the user's language.
    pub summary: String,
}

/// The calls a plan will make, in order, for the confirm screen.
/// Describe/poll calls are not listed: only those that change something,
/// plus the `RunInstances` dry run.
pub fn planned_calls(plan: &Plan, snapshot: &Snapshot, lang: Lang) -> Vec<PlannedCall> {
    let mut out = Vec::new();
    for (name, phase, session) in [
        ("session", &plan.session, true),
        ("business", &plan.business, false),
    ] {
        let Some(p) = phase else { continue };
        if (session && !plan.role.has_session()) || (!session && !plan.role.has_business()) {
            continue;
        }
        for step in steps_of(session, plan) {
            let mut call = |service: Service,
                            action: &str,
                            key: &str,
                            args: &[(&str, &dyn std::fmt::Display)]| {
                out.push(PlannedCall {
                    phase: name.to_string(),
                    step,
                    service: service.name().to_string(),
                    action: action.to_string(),
                    summary: tf(lang, &format!("scaleout.call.{key}"), args),
                });
            };
            match step {
                Step::Image => match (&p.image_name, &p.reuse_image) {
                    (_, Some(id)) => {
                        call(Service::Cvm, "DescribeImages", "reuse_image", &[("id", id)])
                    }
                    (Some(n), None) => call(
                        Service::Cvm,
                        "CreateImage",
                        "create_image",
                        &[("name", n), ("source", &p.source)],
                    ),
                    (None, None) => {}
                },
                Step::Launch => {
                    call(
                        Service::Cvm,
                        "RunInstances",
                        "dry_run",
                        &[("count", &p.count)],
                    );
                    call(
                        Service::Cvm,
                        "RunInstances",
                        "run_instances",
                        &[("count", &p.count)],
                    );
                }
                Step::LoadBalancer => match p.clb_choice(session) {
                    ClbChoice::Create => {
                        let n = p.clb_name();
                        call(
                            Service::Clb,
                            "CreateLoadBalancer",
                            "create_clb",
                            &[("name", &n)],
                        )
                    }
                    ClbChoice::Existing(id) => call(
                        Service::Clb,
                        "DescribeLoadBalancers",
                        "existing_clb",
                        &[("id", &id)],
                    ),
                    ClbChoice::Discover => {
                        call(Service::Clb, "DescribeLoadBalancers", "discover_clb", &[])
                    }
                },
                Step::Listener => {
                    let port = p.listener_port.unwrap_or(80);
                    call(
                        Service::Clb,
                        "CreateListener",
                        "create_listener",
                        &[("protocol", &p.protocol()), ("port", &port)],
                    )
                }
                Step::Bind => {
                    let targets = if session {
                        p.count as usize + snapshot.existing_session_servers.max(1)
                    } else {
                        p.count as usize
                    };
                    let listeners = if session {
                        1
                    } else {
                        snapshot.public_listeners.max(1)
                    };
                    call(
                        Service::Clb,
                        "RegisterTargets",
                        "register_targets",
                        &[
                            ("targets", &targets),
                            ("listeners", &listeners),
                            ("weight", &p.weight()),
                        ],
                    )
                }
                Step::SecurityGroup => {
                    if p.fix_security_groups() {
                        let port = p.backend_port.unwrap_or(80);
                        call(
                            Service::Vpc,
                            "CreateSecurityGroupPolicies",
                            "sg_rule",
                            &[
                                ("groups", &snapshot.security_groups_missing_rule),
                                ("port", &port),
                            ],
                        )
                    }
                }
                Step::SdkConfig => {
                    let n = p
                        .business_servers
                        .as_ref()
                        .map_or(snapshot.business_servers, Vec::len);
                    call(
                        Service::Tat,
                        "RunCommand",
                        "read_config",
                        &[("servers", &n)],
                    );
                    call(
                        Service::Tat,
                        "RunCommand",
                        "write_config",
                        &[("servers", &n)],
                    );
                }
                Step::AutoScaling => {
                    if let Some(a) = &plan.autoscaling {
                        call(
                            Service::As,
                            "CreateLaunchConfiguration",
                            "as_launch_config",
                            &[],
                        );
                        call(
                            Service::As,
                            "CreateAutoScalingGroup",
                            "as_group",
                            &[("min", &a.min_size), ("max", &a.max_size)],
                        );
                        for s in &a.scheduled {
                            call(
                                Service::As,
                                "CreateScheduledAction",
                                "as_scheduled",
                                &[("name", &s.name), ("cron", &s.recurrence)],
                            );
                        }
                        for al in &a.alarm {
                            call(
                                Service::As,
                                "CreateScalingPolicy",
                                "as_alarm",
                                &[("cpu", &al.cpu_above), ("adjustment", &al.adjustment)],
                            );
                        }
                    }
                }
                Step::Summary => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaleout::plan;

    fn parse(text: &str) -> Plan {
        plan::parse(text).unwrap()
    }

    #[test]
    fn session_steps_in_the_guides_order() {
        let p = parse(include_str!("../../assets/plans/session-servers.toml"));
        assert_eq!(
            steps_of(true, &p),
            vec![
                Step::Image,
                Step::Launch,
                Step::LoadBalancer,
                Step::Listener,
                Step::Bind,
                Step::SecurityGroup,
                Step::SdkConfig,
                Step::Summary
            ]
        );
    }

    #[test]
    fn business_and_both() {
        let b = parse(include_str!("../../assets/plans/business-servers.toml"));
        assert_eq!(
            steps_of(false, &b),
            vec![
                Step::Image,
                Step::Launch,
                Step::LoadBalancer,
                Step::Bind,
                Step::SecurityGroup,
                Step::Summary
            ]
        );
        let both = parse("role = \"both\"\n[session]\nsource = \"mina_auth\"\ncount = 1\nimage_name = \"a\"\nupdate_sdk_config = false\n[business]\nsource = \"ins-abcd1234\"\ncount = 1\nimage_name = \"b\"\n");
        assert!(!steps_of(true, &both).contains(&Step::Summary));
        assert!(!steps_of(true, &both).contains(&Step::SdkConfig));
        assert_eq!(steps_of(false, &both).last(), Some(&Step::Summary));
    }

    #[test]
    fn preview_lists_the_changing_calls() {
        let p = parse(include_str!("../../assets/plans/session-servers.toml"));
        let snap = Snapshot {
            business_servers: 3,
            existing_session_servers: 1,
            security_groups_missing_rule: 1,
            ..Default::default()
        };
        let calls = planned_calls(&p, &snap, Lang::En);
        let actions: Vec<&str> = calls.iter().map(|c| c.action.as_str()).collect();
        assert_eq!(
            actions,
            vec![
                "CreateImage",
                "RunInstances",
                "RunInstances",
                "CreateLoadBalancer",
                "CreateListener",
                "RegisterTargets",
                "CreateSecurityGroupPolicies",
                "RunCommand",
                "RunCommand"
            ]
        );
        assert!(calls[1].summary.contains("dry run"), "{}", calls[1].summary);
        assert!(calls[7].summary.contains('3'));
        for lang in [Lang::En, Lang::Zh] {
            for c in planned_calls(&p, &snap, lang) {
                assert!(
                    !c.summary.contains('[') && !c.summary.contains('{'),
                    "{}",
                    c.summary
                );
            }
            for s in Step::ALL {
                assert!(!s.title(lang).starts_with('['));
            }
        }
    }
}
