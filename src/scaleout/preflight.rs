//! The permission check after login: for each step of the guide, can this
//! account do it? Each step lists the CAM actions it needs; the read-only
//! ones that take no resource id are called (harmless), and an
//! `UnauthorizedOperation` answer names the action that is missing. Write
//! actions cannot be probed without side effects: they are listed in the
//! CAM policy tcscale needs, so the user can grant them before starting.

use futures::StreamExt;
use serde::Serialize;
use serde_json::{json, Value};

use crate::cloud::{Client, CloudError, Service};
use crate::i18n::{t, tf, Lang};

/// The steps of the guide (and the browser), in the order the user meets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GuideStep {
    Overview,
    Image,
    Launch,
    LoadBalancer,
    Bind,
    SecurityGroup,
    SdkConfig,
    AutoScaling,
    Browse,
}

impl GuideStep {
    pub const ALL: [GuideStep; 9] = [
        GuideStep::Overview,
        GuideStep::Image,
        GuideStep::Launch,
        GuideStep::LoadBalancer,
        GuideStep::Bind,
        GuideStep::SecurityGroup,
        GuideStep::SdkConfig,
        GuideStep::AutoScaling,
        GuideStep::Browse,
    ];

    pub fn key(self) -> &'static str {
        match self {
            GuideStep::Overview => "overview",
            GuideStep::Image => "image",
            GuideStep::Launch => "launch",
            GuideStep::LoadBalancer => "load_balancer",
            GuideStep::Bind => "bind",
            GuideStep::SecurityGroup => "security_group",
            GuideStep::SdkConfig => "sdk_config",
            GuideStep::AutoScaling => "auto_scaling",
            GuideStep::Browse => "browse",
        }
    }

    pub fn title(self, lang: Lang) -> String {
        t(lang, &format!("onboarding.preflight.step.{}", self.key()))
    }

    /// Every CAM action the step uses, as `service:Action`.
    pub fn actions(self) -> &'static [&'static str] {
        match self {
            GuideStep::Overview => &[
                "cvm:DescribeInstances",
                "cvm:DescribeImages",
                "clb:DescribeLoadBalancers",
                "clb:DescribeListeners",
                "clb:DescribeTargets",
                "tag:DescribeProjects",
            ],
            GuideStep::Image => &[
                "cvm:DescribeImages",
                "cvm:DescribeImageQuota",
                "cvm:CreateImage",
            ],
            GuideStep::Launch => &[
                "cvm:DescribeZones",
                "cvm:DescribeAccountQuota",
                "cvm:InquiryPriceRunInstances",
                "cvm:RunInstances",
                "cvm:DescribeInstancesStatus",
                "vpc:DescribeVpcs",
                "vpc:DescribeSubnets",
            ],
            GuideStep::LoadBalancer => &[
                "clb:DescribeLoadBalancers",
                "clb:CreateLoadBalancer",
                "clb:CreateListener",
                "clb:DescribeListeners",
                "clb:DescribeTaskStatus",
            ],
            GuideStep::Bind => &[
                "clb:RegisterTargets",
                "clb:DescribeTargets",
                "clb:DescribeTargetHealth",
                "clb:DescribeTaskStatus",
            ],
            GuideStep::SecurityGroup => &[
                "vpc:DescribeSecurityGroups",
                "vpc:DescribeSecurityGroupPolicies",
                "vpc:CreateSecurityGroupPolicies",
            ],
            GuideStep::SdkConfig => &[
                "tat:DescribeAutomationAgentStatus",
                "tat:RunCommand",
                "tat:DescribeInvocations",
                "tat:DescribeInvocationTasks",
            ],
            GuideStep::AutoScaling => &[
                "as:DescribeLaunchConfigurations",
                "as:CreateLaunchConfiguration",
                "as:DescribeAutoScalingGroups",
                "as:CreateAutoScalingGroup",
                "as:CreateScheduledAction",
                "as:CreateScalingPolicy",
            ],
            GuideStep::Browse => &[
                "clb:DescribeLoadBalancers",
                "clb:DescribeListeners",
                "clb:DescribeTargets",
                "clb:DescribeTargetHealth",
                "clb:DeregisterTargets",
                "clb:ModifyTargetWeight",
                "clb:DescribeTaskStatus",
                "cvm:DescribeInstances",
            ],
        }
    }
}

/// A read-only call that needs no resource id, with the parameters it is sent with.
pub fn probe_params(action: &str) -> Option<(Service, &'static str, Value)> {
    let (service, name) = action.split_once(':')?;
    let service = Service::parse(service)?;
    // Only these are probed: read-only, no required resource id, cheap.
    let params = match name {
        "DescribeInstances"
        | "DescribeImages"
        | "DescribeLoadBalancers"
        | "DescribeVpcs"
        | "DescribeSubnets"
        | "DescribeSecurityGroups"
        | "DescribeAutoScalingGroups"
        | "DescribeLaunchConfigurations"
        | "DescribeInvocations" => json!({"Limit": 1}),
        "DescribeImageQuota" | "DescribeZones" | "DescribeAccountQuota" => json!({}),
        "DescribeAutomationAgentStatus" => json!({"Limit": 1}),
        "DescribeProjects" => json!({"AllList": 1, "Limit": 1, "Offset": 0}),
        _ => return None,
    };
    let name: &'static str = GuideStep::ALL
        .iter()
        .flat_map(|s| s.actions())
        .find_map(|a| a.split_once(':').map(|(_, n)| n).filter(|n| *n == name))?;
    Some((service, name, params))
}

/// What one probe found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ProbeResult {
    Allowed,
    /// CAM said no: the action is missing from the account's policies.
    Denied {
        code: String,
        message: String,
    },
    /// Something else failed (network, throttling…): permission unknown.
    Failed {
        message: String,
    },
}

/// Whether an API error means "this action is not allowed" (CAM), rather
/// than a problem with the call.
pub fn is_permission_denied(err: &CloudError) -> bool {
    err.is("UnauthorizedOperation")
        || err.is("AuthFailure.UnauthorizedOperation")
        || err.is("OperationDenied.CamUnauthorized")
}

/// Classifies a probe's outcome. Any other API answer (a parameter error, a
/// missing resource) still means the call passed the permission check.
pub fn classify(result: &Result<(), CloudError>, lang: Lang) -> ProbeResult {
    match result {
        Ok(()) => ProbeResult::Allowed,
        Err(e) if is_permission_denied(e) => ProbeResult::Denied {
            code: e.code().unwrap_or_default().to_string(),
            message: e.message().unwrap_or_default().to_string(),
        },
        Err(e @ CloudError::Api { .. })
            if ![
                "AuthFailure",
                "RequestLimitExceeded",
                "InternalError",
                "ResourceUnavailable",
            ]
            .iter()
            .any(|c| e.is(c)) =>
        {
            ProbeResult::Allowed
        }
        Err(e) => ProbeResult::Failed {
            message: e.explain(lang).summary,
        },
    }
}

/// The verdict for one step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    pub step: GuideStep,
    /// Probed actions that CAM refused.
    pub denied: Vec<String>,
    /// Probed actions whose permission could not be told, with why.
    pub unknown: Vec<(String, String)>,
    /// Actions the step needs that cannot be probed without side effects.
    pub unprobed: Vec<String>,
}

impl StepReport {
    pub fn ok(&self) -> bool {
        self.denied.is_empty() && self.unknown.is_empty()
    }

    /// One line for the screen and the command line.
    pub fn summary(&self, lang: Lang) -> String {
        if !self.denied.is_empty() {
            tf(
                lang,
                "onboarding.preflight.denied",
                &[("actions", &self.denied.join(", "))],
            )
        } else if !self.unknown.is_empty() {
            let (a, why) = &self.unknown[0];
            tf(
                lang,
                "onboarding.preflight.unknown",
                &[("action", a), ("why", why)],
            )
        } else {
            t(lang, "onboarding.preflight.ok")
        }
    }
}

/// Folds probe results into per-step verdicts. Pure, so the screen's
/// states can be built in tests.
pub fn report(results: &[(String, ProbeResult)]) -> Vec<StepReport> {
    GuideStep::ALL
        .iter()
        .map(|&step| {
            let mut r = StepReport {
                step,
                denied: vec![],
                unknown: vec![],
                unprobed: vec![],
            };
            for &action in step.actions() {
                match results.iter().find(|(a, _)| a == action).map(|(_, r)| r) {
                    Some(ProbeResult::Allowed) => {}
                    Some(ProbeResult::Denied { .. }) => r.denied.push(action.to_string()),
                    Some(ProbeResult::Failed { message }) => {
                        r.unknown.push((action.to_string(), message.clone()))
                    }
                    None => r.unprobed.push(action.to_string()),
                }
            }
            r
        })
        .collect()
}

/// Every action tcscale uses, sorted and unique.
pub fn all_actions() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = GuideStep::ALL
        .iter()
        .flat_map(|s| s.actions().iter().copied())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// A CAM policy granting exactly the actions tcscale uses, to paste into the
/// console (访问管理 → 策略 → 按策略语法创建).
pub fn cam_policy() -> String {
    let policy = json!({
        "version": "2.0",
        "statement": [{
            "effect": "allow",
            "action": all_actions(),
            "resource": ["*"],
        }],
    });
    serde_json::to_string_pretty(&policy).unwrap_or_default()
}

/// Runs every probe (a few at a time) and reports per step.
pub async fn run(client: &Client, lang: Lang) -> Vec<StepReport> {
    let probes: Vec<(&'static str, Service, &'static str, Value)> = all_actions()
        .into_iter()
        .filter_map(|a| probe_params(a).map(|(s, n, p)| (a, s, n, p)))
        .collect();
    // The futures are built first (owning their client), so this future
    // stays Send + 'static-friendly for tokio::spawn.
    let futures: Vec<_> = probes
        .into_iter()
        .map(|(full, service, name, params)| {
            // owned, so the future is 'static-friendly inside spawned tasks
            let client = client.clone();
            async move {
                let r = client
                    .call_raw(service, name, client.region(), &params)
                    .await
                    .map(|_| ());
                (full.to_string(), classify(&r, lang))
            }
        })
        .collect();
    let results: Vec<(String, ProbeResult)> = futures::stream::iter(futures)
        .buffer_unordered(4)
        .collect()
        .await;
    report(&results)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str) -> CloudError {
        CloudError::Api {
            service: Service::Cvm,
            action: "DescribeInstances".into(),
            code: code.into(),
            message: "no".into(),
            request_id: "r".into(),
        }
    }

    #[test]
    fn every_action_is_in_a_spec_and_probes_are_read_only() {
        for a in all_actions() {
            let (service, name) = a.split_once(':').unwrap();
            let service = Service::parse(service).unwrap_or_else(|| panic!("{a}"));
            assert!(
                crate::cloud::action::spec(service).action(name).is_some(),
                "{a} is not in the spec"
            );
            if probe_params(a).is_some() {
                assert!(name.starts_with("Describe"), "{a} probed but not read-only");
            }
        }
        // at least one probe per service
        for s in ["cvm", "clb", "vpc", "tat", "as", "tag"] {
            assert!(
                all_actions()
                    .iter()
                    .any(|a| a.starts_with(&format!("{s}:")) && probe_params(a).is_some()),
                "{s}"
            );
        }
    }

    #[test]
    fn denied_probes_name_the_missing_action_per_step() {
        let results = vec![
            (
                "clb:DescribeLoadBalancers".to_string(),
                classify(&Err(api("UnauthorizedOperation")), Lang::En),
            ),
            (
                "cvm:DescribeInstances".to_string(),
                classify(&Ok(()), Lang::En),
            ),
            (
                "vpc:DescribeSecurityGroups".to_string(),
                classify(&Err(api("InvalidParameter")), Lang::En),
            ),
        ];
        let r = report(&results);
        let lb = r
            .iter()
            .find(|s| s.step == GuideStep::LoadBalancer)
            .unwrap();
        assert_eq!(lb.denied, vec!["clb:DescribeLoadBalancers"]);
        assert!(!lb.ok());
        assert!(lb.summary(Lang::En).contains("clb:DescribeLoadBalancers"));
        assert!(lb.unprobed.contains(&"clb:CreateLoadBalancer".to_string()));
        let sg = r
            .iter()
            .find(|s| s.step == GuideStep::SecurityGroup)
            .unwrap();
        assert!(sg.ok());
    }

    #[test]
    fn auth_and_network_failures_are_unknown_not_allowed() {
        assert!(matches!(
            classify(&Err(api("AuthFailure.SignatureFailure")), Lang::En),
            ProbeResult::Failed { .. }
        ));
        assert!(matches!(
            classify(&Err(api("AuthFailure.UnauthorizedOperation")), Lang::En),
            ProbeResult::Denied { .. }
        ));
        let net = CloudError::Network {
            service: Service::Cvm,
            action: "X".into(),
            message: "refused".into(),
            timed_out: false,
            before_send: true,
        };
        assert!(matches!(
            classify(&Err(net), Lang::Zh),
            ProbeResult::Failed { .. }
        ));
    }

    #[test]
    fn the_policy_lists_every_action() {
        let p: Value = serde_json::from_str(&cam_policy()).unwrap();
        let actions = p["statement"][0]["action"].as_array().unwrap();
        assert_eq!(actions.len(), all_actions().len());
        assert!(actions.iter().any(|a| a == "clb:ModifyTargetWeight"));
    }
}
