//! The simulator against the official Tencent Cloud Python SDK: the whole
//! guide (CVM, VPC, Tag, CLB, TAT, AS), every response parsed by the SDK's models
//! (tests/python/sim_conformance.py).

#[path = "support/python.rs"]
mod python;

use tcscale::sim::server::{start, SimConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_sdk_walks_the_whole_guide() {
    let h = start(SimConfig {
        speed: 300.0, // image 0.2 s, launch 0.1 s: still observable while polling every 50 ms
        ..Default::default()
    })
    .await
    .unwrap();
    let addr = h.addr.to_string();
    let (id, key) = (h.secret_id.clone(), h.secret_key.clone());
    let out = tokio::task::spawn_blocking(move || {
        python::run_script("sim_conformance.py", &[&addr, &id, &key])
    })
    .await
    .unwrap();
    assert!(out.lines().any(|l| l == "done"), "{out}");
    for action in [
        "DescribeRegions",
        "CreateImage+DescribeImages",
        "RunInstances(ClientToken)",
        "DescribeInstances(poll)",
        "CreateSecurityGroupPolicies",
        "DescribeProjects",
        "CreateLoadBalancer+DescribeTaskStatus",
        "CreateListener",
        "RegisterTargets",
        "DescribeTargets",
        "DescribeTargetHealth",
        "RunCommand+DescribeInvocationTasks",
        "DescribeAutomationAgentStatus",
        "CreateAutoScalingGroup+Describe",
        "CreateScheduledAction",
        "CreateScalingPolicy",
        "error InvalidParameterValueLimit",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("ok {action}"))),
            "{action} missing:\n{out}"
        );
    }
    h.shutdown().await;
}
