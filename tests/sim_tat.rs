//! The simulated TAT over real loopback HTTP: per-instance task states,
//! hidden/visible output, the declared compare-and-swap write changing the
//! virtual `sdk.config`, plain scripts reported as not executed, offline
//! agents and the `tat-fail` fault. The clock moves with `SimHandle::advance`.
//!
//! The simulator interprets declared operations with its own code
//! (`tcscale::sim::tat_ops`); the cross-check at the end runs tcscale's own
//! scripts through it and compares every outcome with tcscale's reference
//! model (`remote_op::apply`).

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use tcscale::cloud::models::tat;
use tcscale::cloud::{Client, CloudError};
use tcscale::scaleout::remote_op::{self, RemoteError, RemoteOp, Restart, Runtime, VirtualFs};
use tcscale::scaleout::scripts::{self, Script};
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

const DOTNET_SERVER: &str = "ins-bizdnet1";
const WIN_SDK_CONFIG: &str = r"C:\qcloud\sdk.config";

/// One operation and outcome for the cross-check: the files (and knobs) the
/// server starts with, the script tcscale builds, the exit code it must end with.
struct Case {
    name: &'static str,
    instance: &'static str,
    files: BTreeMap<String, String>,
    read_only: BTreeSet<String>,
    restart_fails: bool,
    script: Script,
    exit_code: i64,
}

fn case(name: &'static str, instance: &'static str, script: Script, exit_code: i64) -> Case {
    Case {
        name,
        instance,
        files: BTreeMap::new(),
        read_only: BTreeSet::new(),
        restart_fails: false,
        script,
        exit_code,
    }
}

impl Case {
    fn with_file(mut self, path: &str, content: &str) -> Case {
        self.files.insert(path.into(), content.into());
        self
    }
    fn read_only(mut self, path: &str) -> Case {
        self.read_only.insert(path.into());
        self
    }
    fn restart_fails(mut self) -> Case {
        self.restart_fails = true;
        self
    }
}

fn sha(s: &str) -> String {
    remote_op::sha256_hex(s.as_bytes())
}

fn node() -> Option<Restart> {
    Some(Restart {
        runtime: Runtime::NodeJs,
        name: None,
    })
}

fn cross_check_cases() -> Vec<Case> {
    use remote_op::exit;
    let old = "{\"authServerUrl\": \"http://10.0.1.9/mina_auth/\"}\n";
    let new = "{\"authServerUrl\": \"http://10.0.1.20/mina_auth/\"}\n";
    let bak = format!("{SDK_CONFIG}.bak.20260601120000.000001.run-1");
    let win_bak = format!("{WIN_SDK_CONFIG}.bak.20260601120000.000001.run-1");
    let java = |name: Option<&str>| {
        Some(Restart {
            runtime: Runtime::Java,
            name: name.map(str::to_string),
        })
    };
    let iis = |site: Option<&str>| {
        Some(Restart {
            runtime: Runtime::DotNet,
            name: site.map(str::to_string),
        })
    };
    let write = |restart| scripts::cas_write(SDK_CONFIG, &sha(old), new, &bak, restart);
    let win_write = |restart| scripts::cas_write(WIN_SDK_CONFIG, &sha(old), new, &win_bak, restart);
    vec![
        case(
            "read",
            NODE_SERVER,
            scripts::read_file(SDK_CONFIG),
            exit::OK,
        )
        .with_file(SDK_CONFIG, old),
        case(
            "read a UTF-8 file",
            NODE_SERVER,
            scripts::read_file("/data/release/node-weapp-demo/名字.json"),
            exit::OK,
        )
        .with_file(
            "/data/release/node-weapp-demo/名字.json",
            "{\"名\": \"微信\"}",
        ),
        case(
            "read missing",
            NODE_SERVER,
            scripts::read_file(SDK_CONFIG),
            exit::MISSING,
        )
        .with_file("/etc/qcloud/other.config", old),
        case("write", NODE_SERVER, write(None), exit::OK).with_file(SDK_CONFIG, old),
        case("write + pm2", NODE_SERVER, write(node()), exit::OK).with_file(SDK_CONFIG, old),
        case(
            "write + systemd unit",
            NODE_SERVER,
            write(java(Some("tomcat9"))),
            exit::OK,
        )
        .with_file(SDK_CONFIG, old),
        case(
            "write, default backup name",
            NODE_SERVER,
            scripts::script_for(&RemoteOp::CasWrite {
                path: SDK_CONFIG.into(),
                expected_sha256: sha(old),
                content_b64: remote_op::b64(new.as_bytes()),
                backup_path: None,
                restart: None,
            }),
            exit::OK,
        )
        .with_file(SDK_CONFIG, old),
        case(
            "write, expected sha in capitals",
            NODE_SERVER,
            scripts::cas_write(SDK_CONFIG, &sha(old).to_uppercase(), new, &bak, None),
            exit::OK,
        )
        .with_file(SDK_CONFIG, old),
        case("write missing", NODE_SERVER, write(node()), exit::MISSING),
        case("write conflict", NODE_SERVER, write(node()), exit::CONFLICT)
            .with_file(SDK_CONFIG, "{\"edited\": \"by hand\"}\n"),
        case(
            "write read-only",
            NODE_SERVER,
            write(node()),
            exit::READ_ONLY,
        )
        .with_file(SDK_CONFIG, old)
        .read_only(SDK_CONFIG),
        case(
            "write backup exists",
            NODE_SERVER,
            write(node()),
            exit::BACKUP_EXISTS,
        )
        .with_file(SDK_CONFIG, old)
        .with_file(&bak, "the only original"),
        case(
            "write, restart fails",
            NODE_SERVER,
            write(java(None)),
            exit::RESTART_FAILED,
        )
        .with_file(SDK_CONFIG, old)
        .restart_fails(),
        case(
            "write, IIS restart from bash",
            NODE_SERVER,
            write(iis(None)),
            exit::USAGE,
        )
        .with_file(SDK_CONFIG, old),
        case(
            "restart pm2 app",
            NODE_SERVER,
            scripts::restart(Restart {
                runtime: Runtime::NodeJs,
                name: Some("weapp".into()),
            }),
            exit::OK,
        ),
        case(
            "restart fails",
            NODE_SERVER,
            scripts::restart(Restart {
                runtime: Runtime::Java,
                name: None,
            }),
            exit::RESTART_FAILED,
        )
        .restart_fails(),
        case(
            "windows read",
            DOTNET_SERVER,
            scripts::read_file(WIN_SDK_CONFIG),
            exit::OK,
        )
        .with_file(WIN_SDK_CONFIG, old),
        case(
            "windows read missing",
            DOTNET_SERVER,
            scripts::read_file(WIN_SDK_CONFIG),
            exit::MISSING,
        ),
        case(
            "windows write + IIS site",
            DOTNET_SERVER,
            win_write(iis(Some("Default Web Site"))),
            exit::OK,
        )
        .with_file(WIN_SDK_CONFIG, old),
        case(
            "windows write conflict",
            DOTNET_SERVER,
            win_write(iis(None)),
            exit::CONFLICT,
        )
        .with_file(WIN_SDK_CONFIG, new),
        case(
            "windows write read-only",
            DOTNET_SERVER,
            win_write(None),
            exit::READ_ONLY,
        )
        .with_file(WIN_SDK_CONFIG, old)
        .read_only(WIN_SDK_CONFIG),
        case(
            "windows write backup exists",
            DOTNET_SERVER,
            win_write(None),
            exit::BACKUP_EXISTS,
        )
        .with_file(WIN_SDK_CONFIG, old)
        .with_file(&win_bak, "the only original"),
        case(
            "windows write, pm2 restart from PowerShell",
            DOTNET_SERVER,
            win_write(node()),
            exit::USAGE,
        )
        .with_file(WIN_SDK_CONFIG, old),
        case(
            "windows restart iisreset fails",
            DOTNET_SERVER,
            scripts::restart(Restart {
                runtime: Runtime::DotNet,
                name: None,
            }),
            exit::RESTART_FAILED,
        )
        .restart_fails(),
    ]
}

/// A parsed result without the free-text detail of an unexplained failure
/// (the last prose line, which the two implementations may word apart; the
/// key lines and exit code they must agree on are compared too).
fn without_prose<T>(r: Result<T, RemoteError>) -> Result<T, RemoteError> {
    r.map_err(|e| match e {
        RemoteError::Failed { exit_code, .. } => RemoteError::Failed {
            exit_code,
            detail: String::new(),
        },
        e => e,
    })
}

/// `<path>.bak.YYYYmmddHHMMSS.ffffff`: the label of a default backup name.
fn is_backup_label(label: &str) -> bool {
    let b = label.as_bytes();
    b.len() == 21
        && b[14] == b'.'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 14 || c.is_ascii_digit())
}

/// Two independent implementations of "what the server does with this
/// script": the simulator's (over HTTP, through TAT) and tcscale's own
/// reference model (`remote_op::apply`). For every operation and outcome
/// they must agree on the exit code, the key lines, the parsed result, the
/// files afterwards and the restarts run.
#[tokio::test]
async fn the_simulator_and_tcscales_model_agree_on_every_operation() {
    let (sim, client) = sandbox().await;
    let cases = cross_check_cases();
    for c in &cases {
        sim.with_world(|w| {
            w.cvm.instance_mut(c.instance).unwrap().files = c.files.clone();
            w.tat.read_only_files.clear();
            w.tat
                .read_only_files
                .insert(c.instance.into(), c.read_only.clone());
            w.tat.failing_restarts.clear();
            if c.restart_fails {
                w.tat.failing_restarts.insert(c.instance.into());
            }
        });
        let r = client
            .call(&tat::RunCommandRequest {
                content: Some(c.script.content_b64()),
                instance_ids: Some(vec![c.instance.into()]),
                command_type: Some(c.script.command_type().into()),
                command_name: Some("tcscale-cross-check".into()),
                timeout: Some(60),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{}: RunCommand: {e}", c.name));
        let inv = r.invocation_id.unwrap();
        sim.advance(6.0);
        let t = &tasks(&client, &inv, Some(false)).await[0];
        let result = t.task_result.clone().unwrap();
        let got_exit = result
            .exit_code
            .unwrap_or_else(|| panic!("{}: no exit code", c.name));
        let got_output = unb64(result.output.as_deref().unwrap());
        let (got_files, got_restarts) = sim.with_world(|w| {
            let task = w
                .tat
                .invocations
                .iter()
                .find(|i| i.invocation_id == inv)
                .unwrap()
                .tasks[0]
                .clone();
            (
                w.cvm.instance(c.instance).unwrap().files.clone(),
                task.restarts,
            )
        });

        // The reference model; a default backup name is the simulator's
        // clock, so it is read back from the simulator (and checked).
        let label = match &c.script.op {
            RemoteOp::CasWrite {
                path,
                backup_path: None,
                ..
            } => {
                let prefix = format!("{path}.bak.");
                let made: Vec<&String> = got_files
                    .keys()
                    .filter(|k| k.starts_with(&prefix) && !c.files.contains_key(*k))
                    .collect();
                assert_eq!(made.len(), 1, "{}: one backup made: {made:?}", c.name);
                let label = made[0][prefix.len()..].to_string();
                assert!(is_backup_label(&label), "{}: backup label {label}", c.name);
                let end = result.exec_end_time.clone().unwrap();
                let end = chrono::DateTime::parse_from_rfc3339(&end).unwrap();
                assert_eq!(
                    label[..14],
                    end.with_timezone(&chrono::Utc)
                        .format("%Y%m%d%H%M%S")
                        .to_string(),
                    "{}: the label is the task's end time",
                    c.name
                );
                label
            }
            _ => "unused".to_string(),
        };
        let mut fs = VirtualFs {
            files: c.files.clone(),
            readonly: c.read_only.clone(),
            restarts: Vec::new(),
            fail_restart: c.restart_fails,
        };
        let want = remote_op::apply(&c.script.op, &mut fs, &label);

        let name = c.name;
        assert_eq!(want.exit_code, c.exit_code, "{name}: the model's exit code");
        assert_eq!(got_exit, want.exit_code, "{name}: exit code\n{got_output}");
        assert_eq!(
            t.task_status.as_deref(),
            Some(if want.exit_code == 0 {
                "SUCCESS"
            } else {
                "FAILED"
            }),
            "{name}: task status"
        );
        assert_eq!(
            remote_op::key_lines(&got_output),
            remote_op::key_lines(&want.output),
            "{name}: key lines\nsimulator:\n{got_output}\nmodel:\n{}",
            want.output
        );
        match &c.script.op {
            RemoteOp::ReadFile { .. } => assert_eq!(
                without_prose(remote_op::parse_read_output(got_exit, &got_output)),
                without_prose(remote_op::parse_read_output(want.exit_code, &want.output)),
                "{name}: parsed read"
            ),
            _ => assert_eq!(
                without_prose(remote_op::parse_write_output(got_exit, &got_output)),
                without_prose(remote_op::parse_write_output(want.exit_code, &want.output)),
                "{name}: parsed write"
            ),
        }
        if want.exit_code == remote_op::exit::USAGE {
            // The prose is the real script's, which names its shell (the
            // model says "this shell").
            let shell = match c.script.shell {
                remote_op::Shell::Bash => "bash",
                remote_op::Shell::PowerShell => "PowerShell",
            };
            assert!(
                got_output.contains(&format!("service cannot be restarted from {shell}\n")),
                "{name}: {got_output}"
            );
        }
        assert_eq!(got_files, fs.files, "{name}: files afterwards");
        assert_eq!(got_restarts, fs.restarts, "{name}: restarts");
    }
    // Every exit code the model knows is reached by some case, except
    // those a simulated server cannot reach (verify/write failures need a
    // disk that misbehaves).
    let reached: BTreeSet<i64> = cases.iter().map(|c| c.exit_code).collect();
    use remote_op::exit;
    for code in [
        exit::OK,
        exit::USAGE,
        exit::MISSING,
        exit::CONFLICT,
        exit::READ_ONLY,
        exit::RESTART_FAILED,
        exit::BACKUP_EXISTS,
    ] {
        assert!(
            reached.contains(&code),
            "no case ends with exit code {code}"
        );
    }
}
