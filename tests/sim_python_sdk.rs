//! The simulator against the official Tencent Cloud Python SDK: the whole
//! guide (CVM, VPC, Tag, CLB, TAT, AS), every response parsed by the SDK's models
//! (tests/python/sim_conformance.py), and every raw answer checked against the
//! definitions' output-required list (`sim::conformance`): the walk calls every
//! action tcscale uses.

use crate::python;

use tcscale::cloud::action::{spec, Service};
use tcscale::sim::conformance::output_gaps;
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
    let record = std::env::temp_dir().join(format!(
        "tcscale-sdk-answers-{}-{}.jsonl",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let record_arg = record.to_str().unwrap().to_string();
    let out = tokio::task::spawn_blocking(move || {
        python::run_script("sim_conformance.py", &[&addr, &id, &key, &record_arg])
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
        "ExecuteScalingPolicy",
        "DescribeAutoScalingActivities",
        "BatchRegisterTargets",
        "DeleteLoadBalancer",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("ok {action}"))),
            "{action} missing:\n{out}"
        );
    }
    let answers = std::fs::read_to_string(&record).unwrap();
    let _ = std::fs::remove_file(&record);
    assert_answers_conform(&answers);
    h.shutdown().await;
}

/// Every recorded answer has every output-required field, and every action of
/// the definitions was answered at least once.
fn assert_answers_conform(record: &str) {
    let mut gaps = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for line in record.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let service = Service::parse(v["service"].as_str().unwrap()).unwrap();
        let action = v["action"].as_str().unwrap();
        seen.insert((service, action.to_string()));
        if v["request"]["DryRun"] == true {
            continue; // a dry run answers only its RequestId, as the real API does
        }
        for g in output_gaps(service, action, &v["response"]) {
            gaps.push(format!("{service} {}", without_indices(&g)));
        }
    }
    gaps.sort();
    gaps.dedup();
    assert!(gaps.is_empty(), "{} gaps:\n{}", gaps.len(), gaps.join("\n"));
    let unanswered: Vec<String> = Service::ALL
        .into_iter()
        .flat_map(|s| {
            spec(s)
                .actions
                .iter()
                .map(move |(a, _, _)| (s, a.to_string()))
        })
        .filter(|k| !seen.contains(k))
        .map(|(s, a)| format!("{s} {a}"))
        .collect();
    assert!(unanswered.is_empty(), "never called: {unanswered:?}");
}

/// `A.B[3].C` → `A.B[].C`, so one gap of many items reads once.
fn without_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push(c);
            }
            ']' => {
                in_index = false;
                out.push(c);
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}
