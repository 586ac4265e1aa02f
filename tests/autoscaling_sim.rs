//! Auto Scaling end to end against the simulator over loopback HTTP with
//! real signatures: the launch configuration and group carry the right
//! fields (read back through Describe calls), a scheduled action firing
//! brings RUNNING instances bound to the listener, an alarm (the signed
//! `/_sim/metric` control) scales out by the policy's adjustment, and
//! "test this policy now" plus cleanup work.

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset};
use tcscale::cloud::models::{autoscaling as asm, clb, cvm};
use tcscale::cloud::{sign, Client, ClientConfig};
use tcscale::i18n::Lang;
use tcscale::scaleout::autoscaling::{
    api_time, beijing, validate_schedule, validate_simple, GroupSpec, ListenerTarget, ScheduleForm,
    Sizes,
};
use tcscale::scaleout::runner::autoscaling_step::{
    cleanup, execute_policy, setup_auto_scaling, snapshot, wait_in_service, AsCleanup, AsInput,
};
use tcscale::scaleout::runner::record::RunRecord;
use tcscale::scaleout::runner::{Engine, PollPolicy};
use tcscale::sim::server::{start, SimConfig, SimHandle};

const SPEED: f64 = 50.0;
const REGION: &str = "ap-guangzhou";
const SOURCE: &str = "ins-bizn0de1";
const LB: &str = "lb-8xk2pub1";
const LISTENER: &str = "lbl-tcp80web";
const IMAGE: &str = "img-l8og963d";

async fn sim() -> SimHandle {
    start(SimConfig {
        speed: SPEED,
        ..Default::default()
    })
    .await
    .expect("simulator starts")
}

fn client(h: &SimHandle) -> Client {
    Client::new(ClientConfig::new(h.credential(), REGION).with_endpoint(Some(h.endpoint())))
        .unwrap()
}

fn engine(h: &SimHandle) -> Engine {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    Engine::new(
        client(h),
        tx,
        PollPolicy::with_speed(SPEED),
        Lang::En,
        RunRecord::interactive(REGION, None),
    )
}

async fn source(c: &Client) -> cvm::Instance {
    c.call(&cvm::DescribeInstancesRequest {
        instance_ids: Some(vec![SOURCE.into()]),
        ..Default::default()
    })
    .await
    .unwrap()
    .instance_set
    .unwrap()
    .remove(0)
}

fn target() -> ListenerTarget {
    ListenerTarget {
        load_balancer_id: LB.into(),
        listener_id: LISTENER.into(),
        backend_port: 80,
        weight: 10,
    }
}

async fn input(c: &Client, tag: &str, sizes: Sizes) -> AsInput {
    let src = source(c).await;
    AsInput {
        group: GroupSpec::from_source(&src, &format!("weapp-asg-{tag}"), sizes, Some(target()), 60),
        source: src,
        image_id: IMAGE.into(),
        launch_configuration_name: format!("weapp-lc-{tag}"),
        instance_type: None,
        schedules: vec![],
        policies: vec![],
    }
}

/// The simulator's wall clock (Beijing time): what scheduled actions fire against.
fn sim_wall(h: &SimHandle) -> DateTime<FixedOffset> {
    let now = h.now();
    let secs = h.with_world(|w| {
        tcscale::sim::autoscaling::ensure_clock(w, chrono::Utc::now().timestamp() as f64, now);
        w.autoscaling.wall(now)
    });
    DateTime::from_timestamp(secs as i64, 0)
        .unwrap()
        .with_timezone(&beijing())
}

async fn bound(c: &Client) -> BTreeSet<String> {
    let resp = c
        .call(&clb::DescribeTargetsRequest {
            load_balancer_id: Some(LB.into()),
            listener_ids: Some(vec![LISTENER.into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    resp.listeners
        .unwrap_or_default()
        .into_iter()
        .flat_map(|l| l.targets.unwrap_or_default())
        .filter_map(|t| t.instance_id)
        .collect()
}

async fn states(c: &Client, ids: &[String]) -> Vec<String> {
    c.call(&cvm::DescribeInstancesRequest {
        instance_ids: Some(ids.to_vec()),
        ..Default::default()
    })
    .await
    .unwrap()
    .instance_set
    .unwrap_or_default()
    .into_iter()
    .map(|i| i.instance_state.unwrap_or_default())
    .collect()
}

/// `POST /_sim/metric`, signed like an API call of the `as` service.
async fn set_cpu(h: &SimHandle, group: &str, cpu: f64) {
    let body = serde_json::json!({"AutoScalingGroupId": group, "CpuUtilization": cpu}).to_string();
    let host = h.endpoint().trim_start_matches("http://").to_string();
    let cred = h.credential();
    let headers = sign::sign(&sign::RequestToSign {
        secret_id: cred.secret_id.expose(),
        secret_key: cred.secret_key.expose(),
        session_token: None,
        service: "as",
        host: &host,
        action: "SetMetric",
        version: "2018-04-19",
        region: Some(REGION),
        timestamp: chrono::Utc::now().timestamp(),
        payload: body.as_bytes(),
        language: None,
    });
    let mut rb = reqwest::Client::new()
        .post(format!("{}/_sim/metric", h.endpoint()))
        .body(body.clone());
    for (k, v) in headers {
        rb = rb.header(k, v);
    }
    let v: serde_json::Value = rb.send().await.unwrap().json().await.unwrap();
    assert!(v["Response"].get("Error").is_none(), "{v}");
}

#[tokio::test]
async fn launch_configuration_and_group_carry_the_right_fields() {
    let h = sim().await;
    let c = client(&h);
    let eng = engine(&h);
    let mut inp = input(
        &c,
        "fields",
        Sizes {
            min: 0,
            desired: 0,
            max: 4,
        },
    )
    .await;
    let form = ScheduleForm {
        name: "morning".into(),
        min: "1".into(),
        desired: "2".into(),
        max: "4".into(),
        recurrence: "0 9 * * *".into(),
        start: api_time(&(sim_wall(&h) + chrono::Duration::days(1))),
        end: api_time(&(sim_wall(&h) + chrono::Duration::days(30))),
    };
    inp.schedules
        .push(validate_schedule(&form, None, sim_wall(&h)).unwrap());
    inp.policies.push((
        "cpu-high".into(),
        validate_simple("70", "5", "1", "300").unwrap(),
    ));
    let out = setup_auto_scaling(&eng, &inp).await.unwrap();

    let lc = c
        .call(&asm::DescribeLaunchConfigurationsRequest {
            launch_configuration_ids: Some(vec![out.launch_configuration_id.clone()]),
            ..Default::default()
        })
        .await
        .unwrap()
        .launch_configuration_set
        .unwrap()
        .remove(0);
    assert_eq!(lc.image_id.as_deref(), Some(IMAGE));
    assert_eq!(lc.instance_type.as_deref(), Some("S5.MEDIUM4"));
    assert_eq!(lc.project_id, Some(1002189));
    assert_eq!(lc.security_group_ids, Some(vec!["sg-web1a2b3".to_string()]));
    let net = lc.internet_accessible.unwrap();
    assert_eq!(net.internet_max_bandwidth_out, Some(5));
    assert_eq!(
        net.internet_charge_type.as_deref(),
        Some("TRAFFIC_POSTPAID_BY_HOUR")
    );
    let keeps_login = h.with_world(|w| {
        w.autoscaling
            .launch_configurations
            .iter()
            .find(|l| l.id() == out.launch_configuration_id)
            .map(|l| (l.keep_image_login, l.has_password))
    });
    assert_eq!(
        keeps_login,
        Some((true, false)),
        "login kept from the image, no password sent"
    );

    let g = c
        .call(&asm::DescribeAutoScalingGroupsRequest {
            auto_scaling_group_ids: Some(vec![out.group_id.clone()]),
            ..Default::default()
        })
        .await
        .unwrap()
        .auto_scaling_group_set
        .unwrap()
        .remove(0);
    assert_eq!(
        g.launch_configuration_id,
        Some(out.launch_configuration_id.clone())
    );
    assert_eq!(g.vpc_id.as_deref(), Some("vpc-gz8k2m9a"));
    assert_eq!(g.subnet_id_set, Some(vec!["subnet-gz3a1b2c".to_string()]));
    assert_eq!(
        (g.min_size, g.desired_capacity, g.max_size),
        (Some(0), Some(0), Some(4))
    );
    assert_eq!(g.health_check_type.as_deref(), Some("CLB"));
    assert_eq!(g.load_balancer_health_check_grace_period, Some(60));
    let f = &g.forward_load_balancer_set.unwrap()[0];
    assert_eq!(f.load_balancer_id.as_deref(), Some(LB));
    assert_eq!(f.listener_id.as_deref(), Some(LISTENER));
    let attr = &f.target_attributes.as_ref().unwrap()[0];
    assert_eq!((attr.port, attr.weight), (Some(80), Some(10)));
    assert_eq!(g.auto_scaling_group_status.as_deref(), Some("NORMAL"));

    let acts = c
        .call(&asm::DescribeScheduledActionsRequest {
            scheduled_action_ids: Some(out.scheduled_action_ids.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .scheduled_action_set
        .unwrap();
    assert_eq!(acts[0].recurrence.as_deref(), Some("0 9 * * *"));
    assert!(acts[0].end_time.as_deref().unwrap().ends_with("+08:00"));
    assert_eq!(acts[0].desired_capacity, Some(2));
    assert!(acts[0].start_time.as_deref().unwrap().ends_with("+08:00"));

    let pol = c
        .call(&asm::DescribeScalingPoliciesRequest {
            auto_scaling_policy_ids: Some(out.policy_ids.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .scaling_policy_set
        .unwrap()
        .remove(0);
    let alarm = pol.metric_alarm.unwrap();
    assert_eq!(alarm.metric_name.as_deref(), Some("CPU_UTILIZATION"));
    assert_eq!(
        (alarm.threshold, alarm.period, alarm.continuous_time),
        (Some(70), Some(60), Some(5))
    );
    assert_eq!(pol.adjustment_value, Some(1));

    // A second run re-attaches by name instead of failing on duplicates.
    let again = setup_auto_scaling(&engine(&h), &inp).await.unwrap();
    assert_eq!(again, out);

    // Empty group: cleanup deletes it, then the launch configuration.
    let done = cleanup(&eng, &out).await.unwrap();
    assert_eq!(
        done,
        vec![
            AsCleanup::Deleted(out.group_id.clone()),
            AsCleanup::Deleted(out.launch_configuration_id.clone())
        ]
    );
    h.shutdown().await;
}

#[tokio::test]
async fn a_scheduled_action_brings_running_instances_bound_to_the_listener() {
    let h = sim().await;
    let c = client(&h);
    let eng = engine(&h);
    let mut inp = input(
        &c,
        "sched",
        Sizes {
            min: 0,
            desired: 0,
            max: 3,
        },
    )
    .await;
    let start = sim_wall(&h) + chrono::Duration::seconds(90);
    let form = ScheduleForm {
        name: "rush".into(),
        min: "0".into(),
        desired: "2".into(),
        max: "3".into(),
        recurrence: String::new(),
        start: api_time(&start),
        end: String::new(),
    };
    inp.schedules
        .push(validate_schedule(&form, None, sim_wall(&h)).unwrap());
    let out = setup_auto_scaling(&eng, &inp).await.unwrap();
    let before = bound(&c).await;
    let snap = snapshot(&eng, &out.group_id, Some(&target()))
        .await
        .unwrap();
    assert!(
        snap.instances.is_empty(),
        "nothing before the scheduled time"
    );

    h.advance(120.0);
    let snap = wait_in_service(&eng, &out.group_id, Some(&target()), 2)
        .await
        .unwrap();
    let ids: Vec<String> = snap.instances.iter().map(|i| i.id.clone()).collect();
    assert_eq!(ids.len(), 2, "{snap:?}");
    assert_eq!(states(&c, &ids).await, vec!["RUNNING", "RUNNING"]);
    let after = bound(&c).await;
    for id in &ids {
        assert!(
            after.contains(id) && !before.contains(id),
            "{id} bound to {LISTENER}"
        );
    }
    let act = &snap.activities[0];
    assert_eq!(
        (act.kind.as_str(), act.status.as_str()),
        ("SCALE_OUT", "SUCCESSFUL")
    );
    h.shutdown().await;
}

#[tokio::test]
async fn an_alarm_scales_out_by_the_adjustment_and_a_policy_can_be_tested() {
    let h = sim().await;
    let c = client(&h);
    let eng = engine(&h);
    let mut inp = input(
        &c,
        "alarm",
        Sizes {
            min: 0,
            desired: 1,
            max: 5,
        },
    )
    .await;
    inp.policies.push((
        "cpu-high".into(),
        validate_simple("70", "1", "2", "3600").unwrap(),
    ));
    let out = setup_auto_scaling(&eng, &inp).await.unwrap();
    wait_in_service(&eng, &out.group_id, Some(&target()), 1)
        .await
        .unwrap();

    set_cpu(&h, &out.group_id, 90.0).await;
    h.advance(90.0);
    let snap = wait_in_service(&eng, &out.group_id, Some(&target()), 3)
        .await
        .unwrap();
    assert_eq!(snap.desired, 3, "1 + the policy's adjustment of 2");
    assert_eq!(snap.instances.len(), 3);

    // Calm again; "test this policy now" adds 2 more, whatever the CPU.
    set_cpu(&h, &out.group_id, 10.0).await;
    execute_policy(&eng, &out.policy_ids[0]).await.unwrap();
    let snap = wait_in_service(&eng, &out.group_id, Some(&target()), 5)
        .await
        .unwrap();
    assert_eq!(snap.desired, 5);
    let ids: BTreeSet<String> = snap.instances.iter().map(|i| i.id.clone()).collect();
    assert!(ids.is_subset(&bound(&c).await));

    // Cleanup empties the group (minimum 0), deletes it and the launch configuration.
    let done = cleanup(&eng, &out).await.unwrap();
    assert!(matches!(done[0], AsCleanup::Deleted(_)), "{done:?}");
    let left = c
        .call(&asm::DescribeAutoScalingGroupsRequest {
            auto_scaling_group_ids: Some(vec![out.group_id.clone()]),
            ..Default::default()
        })
        .await
        .map(|r| r.auto_scaling_group_set.unwrap_or_default().len())
        .unwrap_or(0);
    assert_eq!(left, 0);
    h.shutdown().await;
}
