//! The simulator against the official Tencent Cloud Node.js SDK, unchanged:
//! endpoint `<service>.localhost:PORT` over http (the SDK takes the service
//! from the endpoint's first label and signs the host without its port),
//! the guide walked through CVM, VPC, Tag, CLB, TAT and AS, temporary
//! credentials and a refused token (tests/node/sim_walk.js). Without
//! `node`/`npm` it fails under CI and says SKIPPED elsewhere.

use crate::node;

use tcscale::sim::server::{start, SimConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_node_sdk_walks_the_guide() {
    let Some(dir) = tokio::task::spawn_blocking(node::node_dir).await.unwrap() else {
        return crate::missing_tool("official_node_sdk_walks_the_guide", "node and npm");
    };
    let h = start(SimConfig {
        speed: 300.0,
        ..Default::default()
    })
    .await
    .unwrap();
    let tmp = h.issue_temporary(86_400.0);
    let args: Vec<String> = vec![
        h.addr.port().to_string(),
        h.secret_id.clone(),
        h.secret_key.clone(),
        tmp.secret_id.expose().to_string(),
        tmp.secret_key.expose().to_string(),
        tmp.token.as_ref().unwrap().expose().to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        node::run_script(&dir, "sim_walk.js", &args)
    })
    .await
    .unwrap();
    assert!(out.lines().any(|l| l == "done"), "{out}");
    for step in [
        "DescribeRegions",
        "CreateImage+DescribeImages CREATING->NORMAL",
        "RunInstances(ClientToken)",
        "CreateSecurityGroupPolicies",
        "DescribeProjects",
        "CreateLoadBalancer+DescribeTaskStatus",
        "RegisterTargets",
        "DescribeTargetHealth Alive,Alive,Alive",
        "RunCommand+DescribeInvocationTasks",
        "CreateAutoScalingGroup+Describe",
        "temporary credentials",
        "error AuthFailure.TokenFailure",
        "error InvalidParameterValueLimit",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("ok {step}"))),
            "{step} missing:\n{out}"
        );
    }
    // every call was signed over `<service>.localhost` and served
    let log = h.requests();
    assert!(log.iter().any(|e| e.service == "as" && e.outcome == "OK"));
    assert!(log.iter().any(|e| e.service == "tat" && e.outcome == "OK"));
    assert!(
        !log.iter()
            .any(|e| e.outcome == "AuthFailure.SignatureFailure"),
        "a signature was refused: {:?}",
        log.iter()
            .filter(|e| e.outcome.starts_with("AuthFailure"))
            .collect::<Vec<_>>()
    );
    h.shutdown().await;
}
