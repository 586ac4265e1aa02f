//! Tencent Cloud's documented limits, in one place: the per-action request
//! rates (the client's limiter spaces calls by them, the simulator refuses
//! calls beyond them with `RequestLimitExceeded`) and the per-call batch
//! sizes and per-region quotas that tcscale and the simulator both honour.
//!
//! The rates are the figures of each action's API page ("默认接口请求频率限制").
//! An action not listed here gets [`DEFAULT_RATE`], the figure of most
//! actions (CLB, TAT and Auto Scaling alike).

use std::ops::RangeInclusive;

use crate::cloud::Service;

/// Requests per second of an action the table does not list.
pub const DEFAULT_RATE: f64 = 20.0;

/// The documented per-action rates that differ from [`DEFAULT_RATE`], or
/// that tcscale depends on enough to state explicitly.
pub const RATES: &[(Service, &str, f64)] = &[
    (Service::Cvm, "DescribeInstances", 40.0),
    (Service::Cvm, "DescribeImages", 40.0),
    (Service::Cvm, "RunInstances", 10.0),
    (Service::Cvm, "CreateImage", 10.0),
    (Service::Cvm, "InquiryPriceRunInstances", 10.0),
    (Service::Cvm, "DescribeImageQuota", 10.0),
    (Service::Clb, "CreateLoadBalancer", 20.0),
    (Service::Clb, "CreateListener", 20.0),
    (Service::Clb, "RegisterTargets", 20.0),
    (Service::Clb, "DescribeTaskStatus", 20.0),
    (Service::Clb, "DescribeTargetHealth", 20.0),
    (Service::Clb, "ModifyTargetWeight", 20.0),
    (Service::Tat, "RunCommand", 20.0),
    (Service::Tat, "DescribeInvocationTasks", 20.0),
    (Service::Tat, "DescribeAutomationAgentStatus", 60.0),
    (Service::Vpc, "CreateSecurityGroupPolicies", 100.0),
    (Service::As, "DescribeAutoScalingGroups", 60.0),
];

/// The documented rate of one action, requests per second.
pub fn rate_per_second(service: Service, action: &str) -> f64 {
    RATES
        .iter()
        .find(|(s, a, _)| *s == service && *a == action)
        .map(|(_, _, r)| *r)
        .unwrap_or(DEFAULT_RATE)
}

/// RegisterTargets / DeregisterTargets: targets per call ("数组长度最大支持20").
pub const TARGETS_PER_CALL: usize = 20;

/// RunCommand: instances tcscale puts in one call. The figure Tencent
/// documents for the console and most SDK pages is 100; the current API
/// definition allows [`RUN_COMMAND_MAX_INSTANCES`], so 100 is safe for both.
pub const RUN_COMMAND_BATCH: usize = 100;

/// RunCommand: `InstanceIds` the API accepts at most (its definition: "上限200").
pub const RUN_COMMAND_MAX_INSTANCES: usize = 200;

/// RunInstances `InstanceCount` (the API: "取值范围：[1，500]").
pub const RUN_INSTANCES_COUNT: RangeInclusive<i64> = 1..=500;

/// Custom (private) images a region holds by default (DescribeImageQuota).
pub const CUSTOM_IMAGES_PER_REGION: i64 = 10;

/// Listeners one CLB instance holds by default.
pub const LISTENERS_PER_CLB: usize = 50;

/// `InstanceIds` per DescribeInstances / DescribeAutomationAgentStatus call.
pub const DESCRIBE_IDS_PER_CALL: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_rates_and_the_default() {
        assert_eq!(rate_per_second(Service::Cvm, "DescribeInstances"), 40.0);
        assert_eq!(rate_per_second(Service::Cvm, "RunInstances"), 10.0);
        assert_eq!(rate_per_second(Service::Cvm, "DescribeImageQuota"), 10.0);
        assert_eq!(
            rate_per_second(Service::Tat, "DescribeAutomationAgentStatus"),
            60.0
        );
        assert_eq!(
            rate_per_second(Service::Vpc, "CreateSecurityGroupPolicies"),
            100.0
        );
        assert_eq!(
            rate_per_second(Service::As, "DescribeAutoScalingGroups"),
            60.0
        );
        // most AS and CLB actions, and anything unlisted
        assert_eq!(rate_per_second(Service::As, "CreateAutoScalingGroup"), 20.0);
        assert_eq!(rate_per_second(Service::Clb, "DescribeLoadBalancers"), 20.0);
        // the service matters: a CVM action name under CLB is not CVM's figure
        assert_eq!(rate_per_second(Service::Clb, "DescribeInstances"), 20.0);
    }

    #[test]
    fn every_row_names_a_real_action_once() {
        for (i, (s, a, r)) in RATES.iter().enumerate() {
            assert!(*r > 0.0);
            assert!(
                crate::sim::validate::request_object(*s, a).is_some(),
                "{s}.{a} is not an action of the API definitions"
            );
            assert!(
                !RATES[..i].iter().any(|(s2, a2, _)| s2 == s && a2 == a),
                "{s}.{a} twice"
            );
        }
    }
}
