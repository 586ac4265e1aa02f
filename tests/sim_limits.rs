//! The real cloud's documented limits, as the simulator enforces them and
//! the client honours them: per-action request rates (`--rate-limit real`),
//! batch sizes, the region's custom-image quota.

use crate::sim_support;

use std::time::Instant;

use serde_json::json;
use sim_support::*;
use tcscale::cloud::limits::{self, RATES};
use tcscale::cloud::{Client, ClientConfig, RateLimit, RetryPolicy, Service};
use tcscale::sim::seed::sandbox_world;
use tcscale::sim::server::{SimHandle, SimRateLimit};

/// RunInstances parameters the sandbox world accepts (as in `sim_cvm`).
fn launch(count: i64, token: Option<&str>, dry_run: bool) -> serde_json::Value {
    let mut p = json!({
        "Placement": {"Zone": "ap-guangzhou-3", "ProjectId": 1002189},
        "ImageId": "img-auth2024",
        "InstanceType": "S5.MEDIUM4",
        "VirtualPrivateCloud": {"VpcId": "vpc-gz8k2m9a", "SubnetId": "subnet-gz3a1b2c"},
        "SecurityGroupIds": ["sg-auth4c5d"],
        "InternetAccessible": {"InternetChargeType": "TRAFFIC_POSTPAID_BY_HOUR", "InternetMaxBandwidthOut": 5, "PublicIpAssigned": true},
        "InstanceName": "mina_auth-{R:2}",
        "InstanceCount": count,
        "DryRun": dry_run,
    });
    if let Some(t) = token {
        p["ClientToken"] = json!(t);
    }
    p
}

async fn documented_sim() -> SimHandle {
    sim_with(sandbox_world(), |c| c.rate_limit = SimRateLimit::Documented).await
}

/// Fires `n` calls of one action at once (no client limiter); how many were refused.
async fn refused_of_burst(c: &Client, service: Service, action: &str, n: usize) -> usize {
    let calls = (0..n).map(|_| call(c, service, action, json!({})));
    futures::future::join_all(calls)
        .await
        .into_iter()
        .filter(|r| match r {
            Ok(_) => false,
            Err(e) => {
                assert_eq!(e.code(), Some("RequestLimitExceeded"), "{e}");
                true
            }
        })
        .count()
}

#[tokio::test]
async fn the_simulator_holds_each_action_to_its_documented_rate() {
    let h = documented_sim().await;
    let c = client(&h, "ap-guangzhou");
    // A bucket holds one second's worth and refills while a burst is
    // answered, so a burst of N refuses a little less than N - rate.
    // DescribeImageQuota: 10/s. A burst of 30 at once: about 20 refused.
    let refused = refused_of_burst(&c, Service::Cvm, "DescribeImageQuota", 30).await;
    assert!(
        (14..=21).contains(&refused),
        "{refused} of 30 refused at 10/s"
    );
    // DescribeAutomationAgentStatus: 60/s. A burst of 30 passes whole.
    let refused = refused_of_burst(&c, Service::Tat, "DescribeAutomationAgentStatus", 30).await;
    assert_eq!(refused, 0, "60/s refuses none of 30");
    // DescribeInstances: 40/s, not the default 20 (which would refuse about 40).
    let refused = refused_of_burst(&c, Service::Cvm, "DescribeInstances", 60).await;
    assert!(
        (8..=21).contains(&refused),
        "{refused} of 60 refused at 40/s"
    );
    // An unlisted action: the default 20/s.
    let refused = refused_of_burst(&c, Service::Clb, "DescribeLoadBalancers", 30).await;
    assert!(
        (4..=11).contains(&refused),
        "{refused} of 30 refused at 20/s"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn the_clients_default_limiter_is_never_refused_by_the_documented_rates() {
    let h = documented_sim().await;
    let cfg = ClientConfig::new(h.credential(), "ap-guangzhou")
        .with_endpoint(Some(h.endpoint()))
        .with_retry(RetryPolicy::none())
        .with_rate_limit(RateLimit::default())
        .with_audit_path(None);
    let c = Client::new(cfg).unwrap();
    let started = Instant::now();
    // 12 DescribeImageQuota at 10/s and 45 DescribeInstances at 40/s, all at once.
    let quota = (0..12).map(|_| call(&c, Service::Cvm, "DescribeImageQuota", json!({})));
    let list = (0..45).map(|_| call(&c, Service::Cvm, "DescribeInstances", json!({"Limit": 1})));
    let (q, l) = futures::future::join(
        futures::future::join_all(quota),
        futures::future::join_all(list),
    )
    .await;
    for r in q.into_iter().chain(l) {
        r.expect("never refused");
    }
    // paced, not bunched: the 12th quota call leaves 1.1 s after the first
    let ms = started.elapsed().as_millis();
    assert!((1050..3000).contains(&ms), "{ms} ms");
    assert!(h.requests().iter().all(|r| r.outcome == "OK"));
    h.shutdown().await;
}

#[test]
fn the_sims_rate_flag_parses() {
    assert_eq!(SimRateLimit::parse("real"), Ok(SimRateLimit::Documented));
    assert_eq!(SimRateLimit::parse("12.5"), Ok(SimRateLimit::Uniform(12.5)));
    assert_eq!(SimRateLimit::parse("off"), Ok(SimRateLimit::Off));
    let e = SimRateLimit::parse("fast").unwrap_err();
    assert!(e.contains("--rate-limit") && e.contains("real"), "{e}");
    // the simulator's documented rate is the table's, simulator controls aside
    for (s, a, r) in RATES {
        assert_eq!(SimRateLimit::Documented.rate(*s, a), Some(*r));
    }
    assert_eq!(
        SimRateLimit::Documented.rate(Service::Cvm, "_sim/advance"),
        None
    );
    assert_eq!(
        SimRateLimit::Documented.rate(Service::As, "CreateScalingPolicy"),
        Some(limits::DEFAULT_RATE)
    );
}

#[tokio::test]
async fn past_each_batch_limit_the_simulator_answers_the_real_error() {
    let (h, c) = sandbox().await;
    // RegisterTargets / DeregisterTargets: at most 20 targets a call.
    let targets = |n: usize| -> Vec<serde_json::Value> {
        (0..n)
            .map(|i| json!({"InstanceId": format!("ins-bizn0de{}", i % 10), "Port": 8000 + i}))
            .collect()
    };
    for action in ["RegisterTargets", "DeregisterTargets"] {
        let params = json!({"LoadBalancerId": "lb-8xk2pub1", "ListenerId": "lbl-tcp80web",
            "Targets": targets(limits::TARGETS_PER_CALL + 1)});
        assert_eq!(
            code(&c, Service::Clb, action, params).await,
            "InvalidParameterValue.Length",
            "{action} with 21 targets"
        );
    }
    // RunInstances InstanceCount: 1 to 500.
    for n in [0, 501] {
        let params = launch(n, None, true);
        assert_eq!(
            code(&c, Service::Cvm, "RunInstances", params).await,
            "InvalidParameterValue.Range",
            "InstanceCount {n}"
        );
    }
    // 500 passes the range check (and meets the zone's instance quota instead).
    let params = launch(500, None, true);
    assert_ne!(
        code(&c, Service::Cvm, "RunInstances", params).await,
        "InvalidParameterValue.Range"
    );
    // RunCommand: the API definition's 200 instances a call.
    let ids: Vec<String> = (0..=limits::RUN_COMMAND_MAX_INSTANCES)
        .map(|i| format!("ins-{i:08}"))
        .collect();
    let params = json!({"Content": "ZWNobyBoaQ==", "InstanceIds": ids});
    assert_eq!(
        code(&c, Service::Tat, "RunCommand", params).await,
        "InvalidParameterValue.LimitExceeded"
    );
    // 50 listeners per CLB: fill lb-8xk2pub1 up, then one more is refused.
    let have = h.with_world(|w| {
        w.clb
            .load_balancers
            .iter()
            .find(|l| l.id == "lb-8xk2pub1")
            .unwrap()
            .listeners
            .len()
    });
    let room: Vec<u64> = (0..(limits::LISTENERS_PER_CLB - have) as u64)
        .map(|i| 10_000 + i)
        .collect();
    call(
        &c,
        Service::Clb,
        "CreateListener",
        json!({"LoadBalancerId": "lb-8xk2pub1", "Protocol": "TCP", "Ports": room}),
    )
    .await
    .expect("up to 50 listeners");
    h.advance(60.0);
    assert_eq!(
        code(
            &c,
            Service::Clb,
            "CreateListener",
            json!({"LoadBalancerId": "lb-8xk2pub1", "Protocol": "TCP", "Ports": [20000]})
        )
        .await,
        "LimitExceeded"
    );
    h.shutdown().await;
}

/// A simulator whose new instances and images stay unlisted 5-10 s.
async fn eventually_consistent() -> (SimHandle, Client) {
    let h = sim_with(sandbox_world(), |c| {
        c.faults = Some(tcscale::sim::faults::FaultSpec::parse("visibility-delay=10").unwrap())
    })
    .await;
    let c = client(&h, "ap-guangzhou");
    (h, c)
}

#[tokio::test]
async fn new_instances_and_images_are_listed_only_after_a_while() {
    let (h, c) = eventually_consistent().await;
    let r = call(
        &c,
        Service::Cvm,
        "RunInstances",
        launch(2, Some("vis-1"), false),
    )
    .await
    .unwrap();
    let ids = r["InstanceIdSet"].clone();
    assert_eq!(ids.as_array().unwrap().len(), 2);
    let listed = |v: serde_json::Value| v["TotalCount"].as_u64().unwrap();
    let by_id = json!({"InstanceIds": ids});
    assert_eq!(
        listed(
            call(&c, Service::Cvm, "DescribeInstances", by_id.clone())
                .await
                .unwrap()
        ),
        0,
        "just launched: not listed yet (not an error)"
    );
    assert_eq!(
        listed(
            call(&c, Service::Cvm, "DescribeInstancesStatus", by_id.clone())
                .await
                .unwrap()
        ),
        0
    );
    // The same ClientToken is still answered with the same instances: no second launch.
    let again = call(
        &c,
        Service::Cvm,
        "RunInstances",
        launch(2, Some("vis-1"), false),
    )
    .await
    .unwrap();
    assert_eq!(again["InstanceIdSet"], ids);
    h.advance(10.0);
    assert_eq!(
        listed(
            call(&c, Service::Cvm, "DescribeInstances", by_id)
                .await
                .unwrap()
        ),
        2,
        "listed after the delay"
    );

    let img = call(
        &c,
        Service::Cvm,
        "CreateImage",
        json!({"InstanceId": "ins-bizn0de1", "ImageName": "vis-image"}),
    )
    .await
    .unwrap()["ImageId"]
        .as_str()
        .unwrap()
        .to_string();
    let by_id = json!({"ImageIds": [img]});
    assert_eq!(
        listed(
            call(&c, Service::Cvm, "DescribeImages", by_id.clone())
                .await
                .unwrap()
        ),
        0
    );
    // Unlisted, yet its name is taken: a second CreateImage is refused.
    assert_eq!(
        code(
            &c,
            Service::Cvm,
            "CreateImage",
            json!({"InstanceId": "ins-bizn0de1", "ImageName": "vis-image"})
        )
        .await,
        "InvalidImageName.Duplicate"
    );
    h.advance(10.0);
    assert_eq!(
        listed(
            call(&c, Service::Cvm, "DescribeImages", by_id)
                .await
                .unwrap()
        ),
        1
    );
    h.shutdown().await;
}

#[tokio::test]
async fn the_delays_are_seeded() {
    let delays = |seed: u64| async move {
        let h = sim_with(sandbox_world(), |c| {
            c.seed = seed;
            c.faults = Some(tcscale::sim::faults::FaultSpec::parse("visibility-delay=10").unwrap())
        })
        .await;
        let c = client(&h, "ap-guangzhou");
        call(&c, Service::Cvm, "RunInstances", launch(3, None, false))
            .await
            .unwrap();
        let launched = h.now();
        let d: Vec<f64> = h.with_world(|w| {
            w.cvm
                .instances
                .iter()
                .filter_map(|i| i.visible_at)
                .map(|t| ((t - launched) * 10.0).round() / 10.0)
                .collect()
        });
        h.shutdown().await;
        d
    };
    let a = delays(3).await;
    assert_eq!(a.len(), 3);
    assert!(a.iter().all(|d| (4.9..=10.1).contains(d)), "{a:?}");
    assert_eq!(a, delays(3).await, "same seed, same delays");
}
