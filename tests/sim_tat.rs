//! The simulated TAT over real loopback HTTP: per-instance task states,
//! hidden/visible output, the declared compare-and-swap write changing the
//! virtual `sdk.config`, plain scripts reported as not executed, offline
//! agents and the `tat-fail` fault. The clock moves with `SimHandle::advance`.

use base64::Engine;
use tcscale::cloud::models::tat;
use tcscale::cloud::{Client, CloudError};
use tcscale::scaleout::remote_op::{self, RemoteOp, Restart, Runtime};
use tcscale::sim::server::SimHandle;

use crate::sim_support;
use sim_support::{error_code as code, sandbox};

const NODE_SERVER: &str = "ins-bizn0de1";
const SDK_CONFIG: &str = "/etc/qcloud/sdk.config";

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn unb64(s: &str) -> String {
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(s).unwrap()).unwrap()
}

async fn run(
    client: &Client,
    instances: &[&str],
    script: &str,
) -> Result<tat::RunCommandResponse, CloudError> {
    client
        .call(&tat::RunCommandRequest {
            content: Some(b64(script)),
            instance_ids: Some(instances.iter().map(|s| s.to_string()).collect()),
            command_type: Some("SHELL".into()),
            command_name: Some("tcscale-test".into()),
            timeout: Some(60),
            ..Default::default()
        })
        .await
}

async fn tasks(
    client: &Client,
    invocation: &str,
    hide_output: Option<bool>,
) -> Vec<tat::InvocationTask> {
    client
        .call(&tat::DescribeInvocationTasksRequest {
            filters: Some(vec![tat::Filter {
                name: Some("invocation-id".into()),
                values: Some(vec![invocation.to_string()]),
            }]),
            hide_output,
            ..Default::default()
        })
        .await
        .expect("DescribeInvocationTasks")
        .invocation_task_set
        .unwrap()
}

fn sdk_config(sim: &SimHandle) -> String {
    sim.with_world(|w| {
        w.cvm
            .instance(NODE_SERVER)
            .unwrap()
            .files
            .get(SDK_CONFIG)
            .cloned()
            .unwrap()
    })
}

#[tokio::test]
async fn a_plain_script_goes_through_the_states_and_is_never_executed() {
    let (sim, client) = sandbox().await;
    let script = "#!/bin/bash\nrm -rf /data && echo done\n";
    let before = sdk_config(&sim);
    let r = run(&client, &[NODE_SERVER], script).await.unwrap();
    let inv = r.invocation_id.clone().unwrap();
    assert!(inv.starts_with("inv-"));
    assert!(r.command_id.clone().unwrap().starts_with("cmd-"));

    let t = &tasks(&client, &inv, Some(false)).await[0];
    assert_eq!(t.task_status.as_deref(), Some("PENDING"));
    assert!(t
        .invocation_task_id
        .as_deref()
        .unwrap()
        .starts_with("invt-"));
    sim.advance(2.0);
    assert_eq!(
        tasks(&client, &inv, Some(false)).await[0]
            .task_status
            .as_deref(),
        Some("RUNNING")
    );
    let invocations = client
        .call(&tat::DescribeInvocationsRequest {
            invocation_ids: Some(vec![inv.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        invocations.invocation_set.unwrap()[0]
            .invocation_status
            .as_deref(),
        Some("RUNNING")
    );

    sim.advance(4.0);
    let t = &tasks(&client, &inv, Some(false)).await[0];
    assert_eq!(t.task_status.as_deref(), Some("SUCCESS"));
    let result = t.task_result.clone().unwrap();
    assert_eq!(result.exit_code, Some(0));
    assert!(unb64(result.output.as_deref().unwrap()).contains("not executed in the sandbox"));
    assert_eq!(
        t.command_document.as_ref().unwrap().content.as_deref(),
        Some(b64(script).as_str())
    );
    // Output is hidden by default (HideOutput defaults to true).
    let hidden = &tasks(&client, &inv, None).await[0];
    assert_eq!(
        hidden.task_result.as_ref().unwrap().output.as_deref(),
        Some("")
    );
    // Nothing changed, and the script is on record.
    assert_eq!(sdk_config(&sim), before);
    let recorded = sim.with_world(|w| w.tat.invocations.last().unwrap().decoded_content.clone());
    assert_eq!(recorded, script);
}

#[tokio::test]
async fn a_declared_cas_write_changes_the_virtual_sdk_config() {
    let (sim, client) = sandbox().await;
    let before = sdk_config(&sim);
    let after = before.replace("http://10.0.1.9/mina_auth/", "http://10.0.1.20/mina_auth/");
    assert_ne!(before, after);
    let op = RemoteOp::CasWrite {
        path: SDK_CONFIG.into(),
        expected_sha256: remote_op::sha256_hex(before.as_bytes()),
        content_b64: remote_op::b64(after.as_bytes()),
        backup_path: Some(format!("{SDK_CONFIG}.bak.test")),
        restart: Some(Restart {
            runtime: Runtime::NodeJs,
            name: None,
        }),
    };
    let script = format!("{}\nset -e\n# the real script body\n", op.header());
    let inv = run(&client, &[NODE_SERVER], &script)
        .await
        .unwrap()
        .invocation_id
        .unwrap();
    sim.advance(6.0);
    let t = &tasks(&client, &inv, Some(false)).await[0];
    assert_eq!(t.task_status.as_deref(), Some("SUCCESS"));
    let out = unb64(t.task_result.as_ref().unwrap().output.as_deref().unwrap());
    assert!(out.contains("TCSCALE_STATUS=written"), "{out}");
    assert!(out.contains("TCSCALE_RESTART=ok"), "{out}");
    assert_eq!(sdk_config(&sim), after);
    let (backup, restarts) = sim.with_world(|w| {
        let files = &w.cvm.instance(NODE_SERVER).unwrap().files;
        let restarts = w.tat.invocations.last().unwrap().tasks[0].restarts.clone();
        (
            files.get(&format!("{SDK_CONFIG}.bak.test")).cloned(),
            restarts,
        )
    });
    assert_eq!(backup.as_deref(), Some(before.as_str()));
    assert_eq!(restarts.len(), 1);

    // The same write again: the file changed since → conflict, exit ≠ 0 → FAILED.
    let inv = run(&client, &[NODE_SERVER], &script)
        .await
        .unwrap()
        .invocation_id
        .unwrap();
    sim.advance(6.0);
    let t = &tasks(&client, &inv, Some(false)).await[0];
    assert_eq!(t.task_status.as_deref(), Some("FAILED"));
    assert_eq!(
        t.task_result.as_ref().unwrap().exit_code,
        Some(remote_op::exit::CONFLICT)
    );
    assert_eq!(sdk_config(&sim), after);
}

#[tokio::test]
async fn offline_agents_stopped_instances_and_wrong_shells_are_refused() {
    let (sim, client) = sandbox().await;
    let offline = run(&client, &["ins-tatoff01"], "echo hi")
        .await
        .unwrap_err();
    assert_eq!(code(offline), "ResourceUnavailable.AgentStatusNotOnline");
    let unknown = run(&client, &["ins-zzzzzzzz"], "echo hi")
        .await
        .unwrap_err();
    assert_eq!(code(unknown), "ResourceNotFound.InstanceNotFound");
    let other_region = run(&client, &["ins-shweb001"], "echo hi")
        .await
        .unwrap_err();
    assert_eq!(code(other_region), "ResourceNotFound.InstanceNotFound");
    // The .NET server is Windows: SHELL is not its agent's command type.
    let windows = run(&client, &["ins-bizdnet1"], "echo hi")
        .await
        .unwrap_err();
    assert_eq!(
        code(windows),
        "InvalidParameterValue.AgentUnsupportedCommandType"
    );
    let bad_content = client
        .call(&tat::RunCommandRequest {
            content: Some("%%% not base64".into()),
            instance_ids: Some(vec![NODE_SERVER.into()]),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(code(bad_content), "InvalidParameterValue.InvalidContent");
    sim.with_world(|w| {
        w.cvm
            .instance_mut(NODE_SERVER)
            .unwrap()
            .instance
            .instance_state = Some("STOPPED".into());
    });
    let stopped = run(&client, &[NODE_SERVER], "echo hi").await.unwrap_err();
    assert_eq!(code(stopped), "ResourceUnavailable.InstanceStateNotRunning");

    let agents = client
        .call(&tat::DescribeAutomationAgentStatusRequest {
            instance_ids: Some(vec![
                "ins-tatoff01".into(),
                "ins-auth0001".into(),
                "ins-bizdnet1".into(),
            ]),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut seen: Vec<(String, String, String)> = agents
        .automation_agent_set
        .unwrap()
        .into_iter()
        .map(|a| {
            (
                a.instance_id.unwrap(),
                a.agent_status.unwrap(),
                a.environment.unwrap(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("ins-auth0001".into(), "Online".into(), "Linux".into()),
            ("ins-bizdnet1".into(), "Online".into(), "Windows".into()),
            ("ins-tatoff01".into(), "Offline".into(), "Linux".into()),
        ]
    );
    let offline_only = client
        .call(&tat::DescribeAutomationAgentStatusRequest {
            filters: Some(vec![tat::Filter {
                name: Some("agent-status".into()),
                values: Some(vec!["Offline".into()]),
            }]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(offline_only
        .automation_agent_set
        .unwrap()
        .iter()
        .all(|a| a.agent_status.as_deref() == Some("Offline")));
}

#[tokio::test]
async fn faults_and_timeouts_end_tasks_failed_or_timed_out() {
    let (sim, client) = sandbox().await;
    let before = sdk_config(&sim);
    let op = RemoteOp::CasWrite {
        path: SDK_CONFIG.into(),
        expected_sha256: remote_op::sha256_hex(before.as_bytes()),
        content_b64: remote_op::b64(b"{}"),
        backup_path: None,
        restart: None,
    };
    sim.with_world(|w| w.faults.tat_fail = 1.0);
    let inv = run(&client, &[NODE_SERVER, "ins-auth0001"], &op.header())
        .await
        .unwrap()
        .invocation_id
        .unwrap();
    sim.advance(6.0);
    let all = tasks(&client, &inv, Some(false)).await;
    assert_eq!(all.len(), 2);
    assert!(all
        .iter()
        .all(|t| t.task_status.as_deref() == Some("FAILED")));
    assert_eq!(sdk_config(&sim), before, "a failed task changes nothing");
    let invocation = client
        .call(&tat::DescribeInvocationsRequest {
            invocation_ids: Some(vec![inv.clone()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        invocation.invocation_set.unwrap()[0]
            .invocation_status
            .as_deref(),
        Some("FAILED")
    );

    // A Timeout shorter than the run ends TIMEOUT.
    sim.with_world(|w| w.faults.tat_fail = 0.0);
    let r = client
        .call(&tat::RunCommandRequest {
            content: Some(b64("sleep 100")),
            instance_ids: Some(vec![NODE_SERVER.into()]),
            timeout: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    sim.advance(6.0);
    let t = &tasks(&client, r.invocation_id.as_deref().unwrap(), Some(false)).await[0];
    assert_eq!(t.task_status.as_deref(), Some("TIMEOUT"));
}

#[tokio::test]
async fn output_past_24_kb_is_cut_and_dropped_says_how_much() {
    let (sim, client) = sandbox().await;
    let big = "x".repeat(40 * 1024);
    sim.with_world(|w| {
        w.cvm
            .instance_mut(NODE_SERVER)
            .unwrap()
            .files
            .insert("/tmp/big.log".into(), big.clone())
    });
    let op = RemoteOp::ReadFile {
        path: "/tmp/big.log".into(),
    };
    let inv = run(&client, &[NODE_SERVER], &op.header())
        .await
        .unwrap()
        .invocation_id
        .unwrap();
    sim.advance(6.0);
    let t = &tasks(&client, &inv, Some(false)).await[0];
    let result = t.task_result.clone().unwrap();
    let raw = result.output.unwrap();
    let shown = base64::engine::general_purpose::STANDARD
        .decode(&raw)
        .expect("Output is base64");
    assert_eq!(shown.len(), 24 * 1024, "the first 24 KB");
    let dropped = result.dropped.unwrap();
    assert!(dropped > 16 * 1024, "{dropped} bytes cut");
    // Small output: nothing dropped.
    let inv = run(&client, &[NODE_SERVER], "echo hi").await.unwrap();
    sim.advance(6.0);
    let t = &tasks(&client, inv.invocation_id.as_deref().unwrap(), Some(false)).await[0];
    assert_eq!(t.task_result.clone().unwrap().dropped, Some(0));
}

#[tokio::test]
async fn an_agent_gone_offline_before_delivery_ends_the_task_deliver_failed() {
    let (sim, client) = sandbox().await;
    let inv = run(&client, &[NODE_SERVER, "ins-auth0001"], "echo hi")
        .await
        .unwrap()
        .invocation_id
        .unwrap();
    // Between RunCommand and delivery, one agent goes away.
    sim.with_world(|w| w.cvm.instance_mut(NODE_SERVER).unwrap().tat_agent_online = false);
    sim.advance(6.0);
    let all = tasks(&client, &inv, Some(false)).await;
    let status = |id: &str| {
        all.iter()
            .find(|t| t.instance_id.as_deref() == Some(id))
            .and_then(|t| t.task_status.clone())
            .unwrap()
    };
    assert_eq!(status(NODE_SERVER), "DELIVER_FAILED");
    assert_eq!(status("ins-auth0001"), "SUCCESS");
    let failed = all
        .iter()
        .find(|t| t.instance_id.as_deref() == Some(NODE_SERVER))
        .unwrap();
    assert!(failed
        .error_info
        .as_deref()
        .unwrap_or("")
        .contains("offline"));
    let invocation = client
        .call(&tat::DescribeInvocationsRequest {
            invocation_ids: Some(vec![inv]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        invocation.invocation_set.unwrap()[0]
            .invocation_status
            .as_deref(),
        Some("PARTIAL_FAILED")
    );
}

/// `GET /_sim/state` shows the world as of now: a task that ended during a
/// quiet spell (no signed call since) reads as ended, not as still PENDING.
#[tokio::test]
async fn the_state_dump_shows_tasks_that_ended_while_nothing_was_called() {
    let (sim, client) = sandbox().await;
    let r = run(&client, &[NODE_SERVER], "echo hi").await.unwrap();
    let inv = r.invocation_id.unwrap();
    let status_in_dump = || async {
        let world: serde_json::Value = reqwest::get(format!("{}/_sim/state", sim.endpoint()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let invocations = world["tat"]["invocations"].as_array().unwrap().clone();
        let i = invocations
            .iter()
            .find(|i| i["invocation_id"] == inv.as_str())
            .expect("the invocation is in the dump")
            .clone();
        i["tasks"][0]["status"].as_str().unwrap().to_string()
    };
    assert_eq!(status_in_dump().await, "PENDING");
    // A quiet hour: the clock moves, no signed call arrives.
    sim.advance(3600.0);
    assert_eq!(status_in_dump().await, "SUCCESS");
}
