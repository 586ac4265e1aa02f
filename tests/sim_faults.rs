//! Fault injection and rate limiting, over real HTTP.

use crate::sim_support;

use std::time::Duration;

use serde_json::json;
use sim_support::*;
use tcscale::cloud::{CloudError, Service};
use tcscale::sim::faults::FaultSpec;
use tcscale::sim::seed::sandbox_world;
use tcscale::sim::server::SimRateLimit;

async fn sim_faults(spec: &str) -> tcscale::sim::server::SimHandle {
    let faults = FaultSpec::parse(spec).unwrap();
    sim_with(sandbox_world(), |c| {
        c.faults = Some(faults);
        c.speed = 1000.0;
    })
    .await
}

#[tokio::test]
async fn throttle_and_internal_answer_their_codes() {
    let h = sim_faults("throttle=1").await;
    let c = client(&h, "ap-guangzhou");
    assert_eq!(
        code(&c, Service::Cvm, "DescribeInstances", json!({})).await,
        "RequestLimitExceeded"
    );
    let h = sim_faults("internal=1").await;
    let c = client(&h, "ap-guangzhou");
    assert_eq!(
        code(&c, Service::Vpc, "DescribeVpcs", json!({})).await,
        "InternalError"
    );
}

#[tokio::test]
async fn partial_probabilities_are_seeded_and_mixed() {
    let run = |seed: u64| async move {
        let h = sim_with(sandbox_world(), |c| {
            c.faults = Some(FaultSpec::parse("internal=0.5").unwrap());
            c.seed = seed;
        })
        .await;
        let c = client(&h, "ap-guangzhou");
        let mut outcomes = Vec::new();
        for _ in 0..40 {
            outcomes.push(
                call(&c, Service::Cvm, "DescribeZones", json!({}))
                    .await
                    .is_ok(),
            );
        }
        outcomes
    };
    let a = run(7).await;
    assert_eq!(a, run(7).await, "the same seed gives the same faults");
    let ok = a.iter().filter(|x| **x).count();
    assert!(
        (5..=35).contains(&ok),
        "{ok} of 40 succeeded with internal=0.5"
    );
}

#[tokio::test]
async fn timeout_holds_the_request_past_the_client_timeout() {
    let h = sim_faults("timeout=1,timeout-secs=3").await;
    let c = client_with_timeout(&h, "ap-guangzhou", Duration::from_millis(300));
    match call(&c, Service::Cvm, "DescribeInstances", json!({})).await {
        Err(CloudError::Network { timed_out, .. }) => assert!(timed_out),
        other => panic!("expected a client timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn drop_closes_the_connection_without_an_answer() {
    let h = sim_faults("drop=1").await;
    let c = client(&h, "ap-guangzhou");
    match call(&c, Service::Cvm, "DescribeInstances", json!({})).await {
        Err(CloudError::Network { .. }) | Err(CloudError::Decode { .. }) => {}
        other => panic!("expected a network failure, got {other:?}"),
    }
}

#[tokio::test]
async fn image_fail_and_launch_fail_end_in_failed_states() {
    let h = sim_faults("image-fail=1,launch-fail=1").await;
    let c = client(&h, "ap-guangzhou");
    let img = call(
        &c,
        Service::Cvm,
        "CreateImage",
        json!({"InstanceId": "ins-auth0001", "ImageName": "doomed"}),
    )
    .await
    .unwrap();
    let image_id = img["ImageId"].as_str().unwrap().to_string();
    h.advance(61.0);
    let images = call(
        &c,
        Service::Cvm,
        "DescribeImages",
        json!({"ImageIds": [image_id]}),
    )
    .await
    .unwrap();
    assert_eq!(images["ImageSet"][0]["ImageState"], "CREATEFAILED");

    let run = call(
        &c,
        Service::Cvm,
        "RunInstances",
        json!({"Placement": {"Zone": "ap-guangzhou-3", "ProjectId": 1002189}, "ImageId": "img-auth2024"}),
    )
    .await
    .unwrap();
    let id = run["InstanceIdSet"][0].as_str().unwrap().to_string();
    h.advance(31.0);
    let st = call(
        &c,
        Service::Cvm,
        "DescribeInstancesStatus",
        json!({"InstanceIds": [id]}),
    )
    .await
    .unwrap();
    assert_eq!(st["InstanceStatusSet"][0]["InstanceState"], "LAUNCH_FAILED");
}

#[tokio::test]
async fn work_faults_are_visible_to_services() {
    let h = sim_faults("task-fail=0.2,tat-fail=0.3").await;
    h.with_world(|w| {
        assert_eq!(w.faults.task_fail, 0.2);
        assert_eq!(w.faults.tat_fail, 0.3);
    });
}

#[tokio::test]
async fn rate_limit_is_per_action() {
    let h = sim_with(sandbox_world(), |c| {
        c.rate_limit = SimRateLimit::Uniform(5.0)
    })
    .await;
    let c = client(&h, "ap-guangzhou");
    let mut limited = 0;
    for _ in 0..20 {
        if let Err(e) = call(&c, Service::Cvm, "DescribeInstances", json!({})).await {
            assert_eq!(e.code(), Some("RequestLimitExceeded"));
            limited += 1;
        }
    }
    assert!(
        limited >= 10,
        "only {limited} of 20 rapid calls were limited at 5/s"
    );
    // Another action has its own bucket.
    assert!(call(&c, Service::Cvm, "DescribeZones", json!({}))
        .await
        .is_ok());
    // And the bucket refills.
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(call(&c, Service::Cvm, "DescribeInstances", json!({}))
        .await
        .is_ok());
}
