//! One business server's sdk.config edit: read (TAT) → compute (pure,
//! `scaleout::sdk_config`) → compare-and-swap write with backup and restart
//! (TAT) → verify from the script's own report. A file changed between read
//! and write is read again (a few times), never overwritten blindly.

use crate::cloud::models::{cvm, tat};
use crate::i18n::tf;
use crate::scaleout::remote_op::{
    self, parse_read_output, parse_write_output, RemoteError, RemoteOp, Restart, Runtime,
    NODE_APP_DIR,
};
use crate::scaleout::{scripts, sdk_config};

use super::sdk_config_step::{run_command, SdkVerdict};
use super::{Engine, Progress, StepError};

fn failed(id: &str, what: &str, e: impl std::fmt::Display) -> StepError {
    StepError::Failed {
        what: format!("{what} {id}"),
        reason: e.to_string(),
    }
}

/// Whether the instance's TAT agent is online (offline: no command can run).
pub async fn agent_online(eng: &Engine, id: &str) -> Result<bool, StepError> {
    let resp = eng
        .call(&tat::DescribeAutomationAgentStatusRequest {
            instance_ids: Some(vec![id.to_string()]),
            ..Default::default()
        })
        .await?;
    Ok(resp
        .automation_agent_set
        .unwrap_or_default()
        .iter()
        .any(|a| {
            a.instance_id.as_deref() == Some(id) && a.agent_status.as_deref() == Some("Online")
        }))
}

async fn read(
    eng: &Engine,
    id: &str,
    path: &str,
) -> Result<Result<remote_op::ReadResult, RemoteError>, StepError> {
    let op = RemoteOp::ReadFile {
        path: path.to_string(),
    };
    let script = scripts::script_for(&op);
    let r = run_command(eng, id, &script.text, script.command_type(), "tcscale-read").await?;
    if !matches!(r.status.as_str(), "SUCCESS" | "FAILED") {
        return Err(failed(id, "TAT read", format!("{} {}", r.status, r.output)));
    }
    Ok(parse_read_output(r.exit_code, &r.output))
}

/// The server's runtime: Windows means .NET; a Node.js app directory means Node.js; else Java.
async fn runtime_of(eng: &Engine, server: &cvm::Instance, id: &str) -> Result<Runtime, StepError> {
    let os = server.os_name.clone().unwrap_or_default();
    if let Some(r) = Runtime::detect(&os, &[]) {
        return Ok(r);
    }
    let probe = format!("{NODE_APP_DIR}/process.json");
    Ok(match read(eng, id, &probe).await? {
        Ok(_) => Runtime::NodeJs,
        Err(RemoteError::Missing) => Runtime::Java,
        Err(e) => return Err(failed(id, "TAT read", e)),
    })
}

/// `Ok(Err(reason))`: skipped (agent offline), with the reason reported.
pub async fn update_one(
    eng: &Engine,
    server: &cvm::Instance,
    vip: &str,
) -> Result<Result<SdkVerdict, String>, StepError> {
    let id = server.instance_id.clone().unwrap_or_default();
    if !agent_online(eng, &id).await? {
        let reason = tf(eng.lang, "engine.sdk.agent_offline", &[("id", &id)]);
        eng.report(Progress::Log(reason.clone()));
        return Ok(Err(reason));
    }
    let runtime = runtime_of(eng, server, &id).await?;
    let path = runtime.default_config_path().to_string();
    let url = sdk_config::auth_server_url(vip);
    for _attempt in 0..3 {
        let current = match read(eng, &id, &path).await? {
            Ok(r) => r,
            Err(e) => return Err(failed(&id, "sdk.config", e)),
        };
        if sdk_config::read_auth_server_url(&current.content).as_deref() == Some(url.as_str()) {
            eng.log("engine.sdk.already", &[("id", &id), ("url", &url)]);
            return Ok(Ok(SdkVerdict::AlreadySet));
        }
        let new = sdk_config::set_auth_server_url(&current.content, vip)
            .map_err(|e| failed(&id, "sdk.config", e.message(eng.lang)))?;
        let op = RemoteOp::CasWrite {
            path: path.clone(),
            expected_sha256: current.sha256.clone(),
            content_b64: remote_op::b64(new.as_bytes()),
            backup_path: None,
            restart: Some(Restart {
                runtime,
                name: None,
            }),
        };
        let script = scripts::script_for(&op);
        let r = run_command(
            eng,
            &id,
            &script.text,
            script.command_type(),
            "tcscale-write",
        )
        .await?;
        if !matches!(r.status.as_str(), "SUCCESS" | "FAILED") {
            return Err(failed(
                &id,
                "TAT write",
                format!("{} {}", r.status, r.output),
            ));
        }
        match parse_write_output(r.exit_code, &r.output) {
            Ok(w) => {
                eng.log(
                    "engine.sdk.updated",
                    &[("id", &id), ("url", &url), ("backup", &w.backup_path)],
                );
                return Ok(Ok(SdkVerdict::Updated {
                    path,
                    backup: w.backup_path,
                }));
            }
            // Someone changed the file since the read: read it again.
            Err(RemoteError::Conflict { .. }) => continue,
            Err(e) => return Err(failed(&id, "sdk.config", e)),
        }
    }
    Err(failed(
        &id,
        "sdk.config",
        eng.text("engine.sdk.keeps_changing"),
    ))
}
