//! The simulated Auto Scaling over real loopback HTTP with real signatures:
//! launch configuration and group fields read back through Describe calls,
//! validation codes, a scheduled action firing into RUNNING instances bound
//! to the CLB listener, the signed `/_sim/metric` control making an alarm
//! policy scale out, ExecuteScalingPolicy, and scale-in + cleanup. The
//! clock moves with `SimHandle::advance` (speed 1).

use serde_json::{json, Value};
use tcscale::cloud::models::{autoscaling as asm, clb, cvm};
use tcscale::cloud::{sign, Client};
use tcscale::sim::server::SimHandle;

use crate::sim_support;
use sim_support::{error_code as code, sandbox};

const REGION: &str = "ap-guangzhou";
const VPC: &str = "vpc-gz8k2m9a";
const SUBNET_GZ3: &str = "subnet-gz3a1b2c";
const PROJECT_WEAPP: u64 = 1002189;
const PUBLIC_LB: &str = "lb-8xk2pub1";
const LISTENER: &str = "lbl-tcp80web";

/// `POST /_sim/metric`, signed like an API call of the `as` service.
async fn set_cpu(sim: &SimHandle, group: &str, cpu: f64) -> Value {
    let body =
        serde_json::to_vec(&json!({"AutoScalingGroupId": group, "CpuUtilization": cpu})).unwrap();
    let host = sim.addr.to_string();
    let headers = sign::sign(&sign::RequestToSign {
        secret_id: &sim.secret_id,
        secret_key: &sim.secret_key,
        session_token: None,
        service: "as",
        host: &host,
        action: "SimMetric",
        version: "2018-04-19",
        region: Some(REGION),
        timestamp: chrono::Utc::now().timestamp(),
        payload: &body,
        language: None,
    });
    let mut req = reqwest::Client::new().post(format!("{}/_sim/metric", sim.endpoint()));
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let resp: Value = req.body(body).send().await.unwrap().json().await.unwrap();
    assert!(resp["Response"].get("Error").is_none(), "{resp}");
    resp["Response"].clone()
}

async fn launch_configuration(client: &Client, name: &str) -> String {
    client
        .call(&asm::CreateLaunchConfigurationRequest {
            launch_configuration_name: Some(name.into()),
            image_id: Some("img-l8og963d".into()),
            instance_type: Some("S5.MEDIUM4".into()),
            project_id: Some(PROJECT_WEAPP),
            security_group_ids: Some(vec!["sg-web1a2b3".into()]),
            internet_accessible: Some(asm::InternetAccessible {
                internet_charge_type: Some("TRAFFIC_POSTPAID_BY_HOUR".into()),
                internet_max_bandwidth_out: Some(5),
                public_ip_assigned: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect("CreateLaunchConfiguration")
        .launch_configuration_id
        .unwrap()
}

fn group_request(lc: &str, name: &str, desired: u64) -> asm::CreateAutoScalingGroupRequest {
    asm::CreateAutoScalingGroupRequest {
        auto_scaling_group_name: Some(name.into()),
        launch_configuration_id: Some(lc.into()),
        min_size: Some(0),
        max_size: Some(5),
        desired_capacity: Some(desired),
        vpc_id: Some(VPC.into()),
        subnet_ids: Some(vec![SUBNET_GZ3.into()]),
        project_id: Some(PROJECT_WEAPP),
        forward_load_balancers: Some(vec![asm::ForwardLoadBalancer {
            load_balancer_id: Some(PUBLIC_LB.into()),
            listener_id: Some(LISTENER.into()),
            target_attributes: Some(vec![asm::TargetAttribute {
                port: Some(80),
                weight: Some(10),
            }]),
            ..Default::default()
        }]),
        health_check_type: Some("CLB".into()),
        load_balancer_health_check_grace_period: Some(60),
        ..Default::default()
    }
}

async fn group(client: &Client, id: &str) -> asm::AutoScalingGroup {
    client
        .call(&asm::DescribeAutoScalingGroupsRequest {
            auto_scaling_group_ids: Some(vec![id.into()]),
            ..Default::default()
        })
        .await
        .expect("DescribeAutoScalingGroups")
        .auto_scaling_group_set
        .unwrap()
        .remove(0)
}

/// Advances the clock in small steps until the group has `n` IN_SERVICE
/// instances and no running activity (each call lets the simulator tick).
async fn until_in_service(
    sim: &SimHandle,
    client: &Client,
    id: &str,
    n: i64,
) -> asm::AutoScalingGroup {
    for _ in 0..200 {
        let g = group(client, id).await;
        if g.in_service_instance_count == Some(n)
            && g.in_activity_status.as_deref() == Some("NOT_IN_ACTIVITY")
        {
            return g;
        }
        sim.advance(2.0);
    }
    panic!(
        "group {id} never reached {n} IN_SERVICE instances: {:?}",
        group(client, id).await
    );
}

async fn bound_instances(client: &Client) -> Vec<String> {
    let t = client
        .call(&clb::DescribeTargetsRequest {
            load_balancer_id: Some(PUBLIC_LB.into()),
            listener_ids: Some(vec![LISTENER.into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    t.listeners.unwrap()[0]
        .targets
        .clone()
        .unwrap()
        .into_iter()
        .map(|b| b.instance_id.unwrap())
        .collect()
}

async fn group_instances(client: &Client, id: &str) -> Vec<asm::Instance> {
    client
        .call(&asm::DescribeAutoScalingInstancesRequest {
            filters: Some(vec![asm::Filter {
                name: Some("auto-scaling-group-id".into()),
                values: Some(vec![id.into()]),
            }]),
            ..Default::default()
        })
        .await
        .unwrap()
        .auto_scaling_instance_set
        .unwrap()
}

#[tokio::test]
async fn launch_configuration_and_group_carry_their_fields() {
    let (_sim, client) = sandbox().await;
    let lc = launch_configuration(&client, "weapp-biz-lc").await;
    let lcs = client
        .call(&asm::DescribeLaunchConfigurationsRequest {
            launch_configuration_ids: Some(vec![lc.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    let c = &lcs.launch_configuration_set.unwrap()[0];
    assert_eq!(c.image_id.as_deref(), Some("img-l8og963d"));
    assert_eq!(c.instance_type.as_deref(), Some("S5.MEDIUM4"));
    assert_eq!(c.project_id, Some(PROJECT_WEAPP as i64));
    assert_eq!(c.security_group_ids, Some(vec!["sg-web1a2b3".to_string()]));
    assert_eq!(
        c.internet_accessible
            .as_ref()
            .unwrap()
            .internet_max_bandwidth_out,
        Some(5)
    );
    assert_eq!(c.launch_configuration_status.as_deref(), Some("NORMAL"));

    let dup = client
        .call(&asm::CreateLaunchConfigurationRequest {
            launch_configuration_name: Some("weapp-biz-lc".into()),
            image_id: Some("img-l8og963d".into()),
            instance_type: Some("S5.MEDIUM4".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        code(dup),
        "InvalidParameterValue.LaunchConfigurationNameDuplicated"
    );

    let id = client
        .call(&group_request(&lc, "weapp-biz-asg", 0))
        .await
        .unwrap()
        .auto_scaling_group_id
        .unwrap();
    let g = group(&client, &id).await;
    assert_eq!(g.auto_scaling_group_status.as_deref(), Some("NORMAL"));
    assert_eq!(
        (g.min_size, g.max_size, g.desired_capacity),
        (Some(0), Some(5), Some(0))
    );
    assert_eq!(g.vpc_id.as_deref(), Some(VPC));
    assert_eq!(g.subnet_id_set, Some(vec![SUBNET_GZ3.to_string()]));
    assert_eq!(g.health_check_type.as_deref(), Some("CLB"));
    assert_eq!(g.load_balancer_health_check_grace_period, Some(60));
    assert_eq!(g.launch_configuration_name.as_deref(), Some("weapp-biz-lc"));
    assert_eq!(
        (g.instance_count, g.in_service_instance_count),
        (Some(0), Some(0))
    );
    let f = &g.forward_load_balancer_set.unwrap()[0];
    assert_eq!(f.load_balancer_id.as_deref(), Some(PUBLIC_LB));
    assert_eq!(f.listener_id.as_deref(), Some(LISTENER));
    assert_eq!(f.target_attributes.as_ref().unwrap()[0].port, Some(80));
    assert_eq!(
        g.termination_policy_set,
        Some(vec!["OLDEST_INSTANCE".to_string()])
    );

    // Validation, each with the documented code.
    let sizes = client
        .call(&asm::CreateAutoScalingGroupRequest {
            min_size: Some(3),
            desired_capacity: Some(2),
            ..group_request(&lc, "bad-sizes", 0)
        })
        .await
        .unwrap_err();
    assert_eq!(code(sizes), "InvalidParameterValue.Size");
    let dup = client
        .call(&group_request(&lc, "weapp-biz-asg", 0))
        .await
        .unwrap_err();
    assert_eq!(code(dup), "InvalidParameterValue.GroupNameDuplicated");
    let other_project = client
        .call(&asm::CreateAutoScalingGroupRequest {
            forward_load_balancers: Some(vec![asm::ForwardLoadBalancer {
                load_balancer_id: Some("lb-ops4int1".into()),
                listener_id: Some("lbl-ops8080a".into()),
                target_attributes: Some(vec![asm::TargetAttribute {
                    port: Some(8080),
                    weight: Some(10),
                }]),
                ..Default::default()
            }]),
            ..group_request(&lc, "wrong-project", 0)
        })
        .await
        .unwrap_err();
    assert_eq!(
        code(other_project),
        "ResourceUnavailable.LbProjectInconsistent"
    );
    let no_listener = client
        .call(&asm::CreateAutoScalingGroupRequest {
            forward_load_balancers: Some(vec![asm::ForwardLoadBalancer {
                load_balancer_id: Some(PUBLIC_LB.into()),
                listener_id: Some("lbl-zzzzzzzz".into()),
                target_attributes: Some(vec![asm::TargetAttribute {
                    port: Some(80),
                    weight: Some(10),
                }]),
                ..Default::default()
            }]),
            ..group_request(&lc, "no-listener", 0)
        })
        .await
        .unwrap_err();
    assert_eq!(code(no_listener), "ResourceNotFound.ListenerNotFound");
}

#[tokio::test]
async fn a_scheduled_action_fires_and_its_instances_join_the_listener() {
    let (sim, client) = sandbox().await;
    let lc = launch_configuration(&client, "sched-lc").await;
    let id = client
        .call(&group_request(&lc, "sched-asg", 0))
        .await
        .unwrap()
        .auto_scaling_group_id
        .unwrap();
    // Schedule relative to the simulated clock, read back from the group.
    let created = group(&client, &id).await.created_time.unwrap();
    let created = chrono::DateTime::parse_from_rfc3339(&created).unwrap();
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let at = |minutes: i64| {
        (created + chrono::Duration::minutes(minutes))
            .with_timezone(&beijing)
            .format("%Y-%m-%dT%H:%M:%S+08:00")
            .to_string()
    };
    let schedule = |start: String| asm::CreateScheduledActionRequest {
        auto_scaling_group_id: Some(id.clone()),
        scheduled_action_name: Some("morning-peak".into()),
        min_size: Some(0),
        max_size: Some(5),
        desired_capacity: Some(2),
        start_time: Some(start),
        ..Default::default()
    };
    let past = client.call(&schedule(at(-60))).await.unwrap_err();
    assert_eq!(
        code(past),
        "InvalidParameterValue.StartTimeBeforeCurrentTime"
    );
    let utc = client
        .call(&schedule(created.format("%Y-%m-%dT%H:%M:%SZ").to_string()))
        .await
        .unwrap_err();
    assert_eq!(code(utc), "InvalidParameterValue.TimeFormat");
    let bad_cron = client
        .call(&asm::CreateScheduledActionRequest {
            recurrence: Some("0 25 * * *".into()),
            end_time: Some(at(24 * 60)),
            ..schedule(at(10))
        })
        .await
        .unwrap_err();
    assert_eq!(
        code(bad_cron),
        "InvalidParameterValue.CronExpressionIllegal"
    );
    let no_end = client
        .call(&asm::CreateScheduledActionRequest {
            recurrence: Some("0 9 * * *".into()),
            ..schedule(at(10))
        })
        .await
        .unwrap_err();
    assert_eq!(code(no_end), "MissingParameter.InScenario");

    let action = client
        .call(&schedule(at(10)))
        .await
        .unwrap()
        .scheduled_action_id
        .unwrap();
    let described = client
        .call(&asm::DescribeScheduledActionsRequest {
            filters: Some(vec![asm::Filter {
                name: Some("auto-scaling-group-id".into()),
                values: Some(vec![id.clone()]),
            }]),
            ..Default::default()
        })
        .await
        .unwrap();
    let a = &described.scheduled_action_set.unwrap()[0];
    assert_eq!(a.scheduled_action_id.as_deref(), Some(action.as_str()));
    assert_eq!(a.scheduled_type.as_deref(), Some("ONCE"));
    assert_eq!(a.start_time.as_deref(), Some(at(10).as_str()));
    assert_eq!(a.desired_capacity, Some(2));

    // Before its time nothing happens.
    sim.advance(5.0 * 60.0);
    assert_eq!(group(&client, &id).await.desired_capacity, Some(0));
    sim.advance(6.0 * 60.0);
    let g = group(&client, &id).await;
    assert_eq!(g.desired_capacity, Some(2));
    assert_eq!(g.in_activity_status.as_deref(), Some("IN_ACTIVITY"));

    let g = until_in_service(&sim, &client, &id, 2).await;
    assert_eq!(g.instance_count, Some(2));
    let members = group_instances(&client, &id).await;
    let ids: Vec<String> = members
        .iter()
        .map(|i| i.instance_id.clone().unwrap())
        .collect();
    assert!(members
        .iter()
        .all(|i| i.life_cycle_state.as_deref() == Some("IN_SERVICE")));
    assert!(members
        .iter()
        .all(|i| i.creation_type.as_deref() == Some("AUTO_CREATION")));
    // RUNNING CVM instances from the launch configuration, in the group's subnet and project…
    let described = client
        .call(&cvm::DescribeInstancesRequest {
            instance_ids: Some(ids.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    for i in described.instance_set.unwrap() {
        assert_eq!(i.instance_state.as_deref(), Some("RUNNING"));
        assert_eq!(i.image_id.as_deref(), Some("img-l8og963d"));
        assert_eq!(i.instance_type.as_deref(), Some("S5.MEDIUM4"));
        assert_eq!(
            i.placement.as_ref().unwrap().project_id,
            Some(PROJECT_WEAPP as i64)
        );
        assert_eq!(
            i.virtual_private_cloud
                .as_ref()
                .unwrap()
                .subnet_id
                .as_deref(),
            Some(SUBNET_GZ3)
        );
        assert_eq!(i.security_group_ids, Some(vec!["sg-web1a2b3".to_string()]));
    }
    // …bound to the listener next to the original business server.
    let bound = bound_instances(&client).await;
    assert!(bound.contains(&"ins-bizn0de1".to_string()));
    for id in &ids {
        assert!(bound.contains(id), "{id} bound: {bound:?}");
    }
    let activities = client
        .call(&asm::DescribeAutoScalingActivitiesRequest {
            filters: Some(vec![asm::Filter {
                name: Some("auto-scaling-group-id".into()),
                values: Some(vec![id.clone()]),
            }]),
            ..Default::default()
        })
        .await
        .unwrap();
    let a = &activities.activity_set.unwrap()[0];
    assert_eq!(a.activity_type.as_deref(), Some("SCALE_OUT"));
    assert_eq!(a.status_code.as_deref(), Some("SUCCESSFUL"));
    assert!(
        a.cause.as_deref().unwrap().contains(&action),
        "{:?}",
        a.cause
    );
    assert_eq!(a.related_instance_set.as_ref().unwrap().len(), 2);
}

#[tokio::test]
async fn cpu_above_the_alarm_threshold_scales_out_by_the_adjustment() {
    let (sim, client) = sandbox().await;
    let lc = launch_configuration(&client, "alarm-lc").await;
    let id = client
        .call(&group_request(&lc, "alarm-asg", 1))
        .await
        .unwrap()
        .auto_scaling_group_id
        .unwrap();
    until_in_service(&sim, &client, &id, 1).await;
    let policy = client
        .call(&asm::CreateScalingPolicyRequest {
            auto_scaling_group_id: Some(id.clone()),
            scaling_policy_name: Some("cpu-high".into()),
            scaling_policy_type: Some("SIMPLE".into()),
            adjustment_type: Some("CHANGE_IN_CAPACITY".into()),
            adjustment_value: Some(2),
            cooldown: Some(300),
            metric_alarm: Some(asm::MetricAlarm {
                comparison_operator: Some("GREATER_THAN".into()),
                metric_name: Some("CPU_UTILIZATION".into()),
                threshold: Some(70),
                period: Some(60),
                continuous_time: Some(3),
                statistic: Some("AVERAGE".into()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .auto_scaling_policy_id
        .unwrap();
    let policies = client
        .call(&asm::DescribeScalingPoliciesRequest {
            auto_scaling_policy_ids: Some(vec![policy.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    let p = &policies.scaling_policy_set.unwrap()[0];
    assert_eq!(p.adjustment_value, Some(2));
    assert_eq!(p.metric_alarm.as_ref().unwrap().threshold, Some(70));

    // Below the threshold: nothing, however long.
    set_cpu(&sim, &id, 40.0).await;
    sim.advance(600.0);
    assert_eq!(group(&client, &id).await.desired_capacity, Some(1));
    // Above it: fires once it has held for 3 periods of 60 s.
    let answer = set_cpu(&sim, &id, 92.0).await;
    assert_eq!(answer["CpuUtilization"], json!(92.0));
    sim.advance(60.0);
    assert_eq!(
        group(&client, &id).await.desired_capacity,
        Some(1),
        "not yet"
    );
    sim.advance(130.0);
    let g = group(&client, &id).await;
    assert_eq!(g.desired_capacity, Some(3));
    let g = until_in_service(&sim, &client, &id, 3).await;
    assert_eq!(g.instance_count, Some(3));
    let activities = client
        .call(&asm::DescribeAutoScalingActivitiesRequest {
            filters: Some(vec![asm::Filter {
                name: Some("activity-type".into()),
                values: Some(vec!["SCALE_OUT".into()]),
            }]),
            ..Default::default()
        })
        .await
        .unwrap();
    let newest = &activities.activity_set.unwrap()[0];
    assert!(
        newest.cause.as_deref().unwrap().contains(&policy),
        "{:?}",
        newest.cause
    );
    assert_eq!(newest.status_code.as_deref(), Some("SUCCESSFUL"));
    assert_eq!(bound_instances(&client).await.len(), 4);

    let unknown = client
        .call(&asm::CreateScalingPolicyRequest {
            auto_scaling_group_id: Some(id.clone()),
            scaling_policy_name: Some("bad-period".into()),
            adjustment_type: Some("CHANGE_IN_CAPACITY".into()),
            adjustment_value: Some(1),
            metric_alarm: Some(asm::MetricAlarm {
                comparison_operator: Some("GREATER_THAN".into()),
                metric_name: Some("CPU_UTILIZATION".into()),
                threshold: Some(170),
                period: Some(60),
                continuous_time: Some(3),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(code(unknown), "InvalidParameterValue.ThresholdOutOfRange");
}

#[tokio::test]
async fn execute_scaling_policy_scales_now_and_scale_in_cleans_up() {
    let (sim, client) = sandbox().await;
    let lc = launch_configuration(&client, "exec-lc").await;
    let id = client
        .call(&group_request(&lc, "exec-asg", 0))
        .await
        .unwrap()
        .auto_scaling_group_id
        .unwrap();
    let simple = |name: &str, kind: &str, value: i64| asm::CreateScalingPolicyRequest {
        auto_scaling_group_id: Some(id.clone()),
        scaling_policy_name: Some(name.into()),
        adjustment_type: Some(kind.into()),
        adjustment_value: Some(value),
        metric_alarm: Some(asm::MetricAlarm {
            comparison_operator: Some("GREATER_THAN".into()),
            metric_name: Some("CPU_UTILIZATION".into()),
            threshold: Some(80),
            period: Some(300),
            continuous_time: Some(1),
            ..Default::default()
        }),
        ..Default::default()
    };
    let out = client
        .call(&simple("plus-one", "CHANGE_IN_CAPACITY", 1))
        .await
        .unwrap()
        .auto_scaling_policy_id
        .unwrap();
    let to_zero = client
        .call(&simple("to-zero", "EXACT_CAPACITY", 0))
        .await
        .unwrap()
        .auto_scaling_policy_id
        .unwrap();
    let tracking = client
        .call(&asm::CreateScalingPolicyRequest {
            auto_scaling_group_id: Some(id.clone()),
            scaling_policy_name: Some("cpu-50".into()),
            scaling_policy_type: Some("TARGET_TRACKING".into()),
            predefined_metric_type: Some("ASG_AVG_CPU_UTILIZATION".into()),
            target_value: Some(50),
            ..Default::default()
        })
        .await
        .unwrap()
        .auto_scaling_policy_id
        .unwrap();
    let execute = |policy: &str| asm::ExecuteScalingPolicyRequest {
        auto_scaling_policy_id: Some(policy.into()),
        ..Default::default()
    };
    let tt = client.call(&execute(&tracking)).await.unwrap_err();
    assert_eq!(
        code(tt),
        "InvalidParameterValue.TargetTrackingScalingPolicy"
    );
    let nothing = client.call(&execute(&to_zero)).await.unwrap_err();
    assert_eq!(code(nothing), "FailedOperation.NoActivityToGenerate");

    let activity = client
        .call(&execute(&out))
        .await
        .unwrap()
        .activity_id
        .unwrap();
    let busy = client.call(&execute(&out)).await.unwrap_err();
    assert_eq!(code(busy), "ResourceUnavailable.AutoScalingGroupInActivity");
    let a = client
        .call(&asm::DescribeAutoScalingActivitiesRequest {
            activity_ids: Some(vec![activity.clone()]),
            ..Default::default()
        })
        .await
        .unwrap()
        .activity_set
        .unwrap()
        .remove(0);
    assert_eq!(a.status_code.as_deref(), Some("INIT"));
    sim.advance(2.0);
    let a = client
        .call(&asm::DescribeAutoScalingActivitiesRequest {
            activity_ids: Some(vec![activity.clone()]),
            ..Default::default()
        })
        .await
        .unwrap()
        .activity_set
        .unwrap()
        .remove(0);
    assert_eq!(a.status_code.as_deref(), Some("RUNNING"));
    until_in_service(&sim, &client, &id, 1).await;
    let member = group_instances(&client, &id)
        .await
        .remove(0)
        .instance_id
        .unwrap();
    assert!(bound_instances(&client).await.contains(&member));

    // Cleanup order: the group holds an instance and the LC is in use.
    let in_use = client
        .call(&asm::DeleteLaunchConfigurationRequest {
            launch_configuration_id: Some(lc.clone()),
        })
        .await
        .unwrap_err();
    assert_eq!(code(in_use), "ResourceInUse.LaunchConfigurationIdInUse");
    let has_instances = client
        .call(&asm::DeleteAutoScalingGroupRequest {
            auto_scaling_group_id: Some(id.clone()),
        })
        .await
        .unwrap_err();
    assert_eq!(code(has_instances), "ResourceInUse.InstanceInGroup");

    // Scale in to 0: unbound from the CLB, then terminated.
    sim.advance(400.0); // past the default cooldown
    client.call(&execute(&to_zero)).await.unwrap();
    for _ in 0..100 {
        if group(&client, &id).await.instance_count == Some(0) {
            break;
        }
        sim.advance(2.0);
    }
    assert_eq!(group(&client, &id).await.instance_count, Some(0));
    assert!(!bound_instances(&client).await.contains(&member));
    let state = sim.with_world(|w| w.cvm.instance(&member).map(|i| i.state().to_string()));
    assert!(
        matches!(
            state.as_deref(),
            None | Some("TERMINATING") | Some("SHUTTING_DOWN")
        ),
        "{state:?}"
    );
    sim.advance(400.0);
    client
        .call(&asm::DeleteAutoScalingGroupRequest {
            auto_scaling_group_id: Some(id.clone()),
        })
        .await
        .unwrap();
    client
        .call(&asm::DeleteLaunchConfigurationRequest {
            launch_configuration_id: Some(lc),
        })
        .await
        .unwrap();
    let policies = client
        .call(&asm::DescribeScalingPoliciesRequest::default())
        .await
        .unwrap();
    assert_eq!(
        policies.total_count,
        Some(0),
        "policies go with their group"
    );
}

/// tcscale's cron (`scaleout::cron::Cron`, behind the plan and the wizard)
/// and the simulator's own (`sim::as_schedule::SimCron`) are written apart;
/// they must agree on which recurrences are valid and on when each fires.
#[test]
fn the_simulator_cron_and_tcscale_cron_agree() {
    use tcscale::scaleout::cron::Cron;
    use tcscale::sim::as_schedule::{parse_beijing_time, SimCron};

    let expressions = [
        // Valid.
        "0 9 * * 1-5",
        "*/15 * * * *",
        "30 8 1 * *",
        "0 0 29 2 *",
        "0 0 31 2 *",
        "0 14 */1 * *",
        "5/20 8-20 * * *",
        "0-30/10 0,12 1,15 * *",
        "0 0 10 * 1",
        "0 0 */2 * 1",
        "0 12 * * 0",
        "0 12 * * 7",
        "15 10 ? * 5-7",
        "59 23 31 12 *",
        "0 6 1-7 1-6/2 1",
        " 45  3  *  *  * ",
        // Invalid.
        "0 9 * *",
        "0 9 * * * *",
        "60 9 * * *",
        "0 24 * * *",
        "0 0 0 * *",
        "0 0 * 13 *",
        "0 0 * * 8",
        "*/0 * * * *",
        "0 9 5-1 * *",
        "0 x * * *",
        "1,,2 * * * *",
        "",
    ];
    let starts = [
        "2024-01-01T00:00:00+08:00",
        "2024-01-05T09:00:00+08:00",
        "2024-02-28T23:59:30+08:00",
        "2024-03-31T12:34:56+08:00",
        "2025-06-15T07:59:59+08:00",
        "2025-12-31T23:59:00+08:00",
        "2097-01-01T00:00:00+08:00",
    ];
    let mut valid = 0;
    for expr in expressions {
        let theirs = Cron::parse(expr);
        let ours = SimCron::parse(expr);
        assert_eq!(
            theirs.is_ok(),
            ours.is_ok(),
            "{expr:?}: tcscale {theirs:?}, simulator {ours:?}"
        );
        let (Ok(theirs), Ok(ours)) = (theirs, ours) else {
            continue;
        };
        valid += 1;
        for start in starts {
            let mut t = parse_beijing_time(start).unwrap();
            // Follow a few firings, each from the one before.
            for _ in 0..5 {
                let (a, b) = (theirs.next_after(t), ours.next_after(t));
                assert_eq!(a, b, "{expr:?} after {t} (from {start})");
                let Some(next) = b else { break };
                assert!(next > t && next % 60 == 0, "{expr:?}: {next} after {t}");
                t = next;
            }
        }
    }
    assert_eq!(valid, 16);
}
