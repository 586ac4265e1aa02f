//! Step "sdk.config": on every business server, point `authServerUrl` at the
//! internal CLB (`http://VIP/mina_auth/`). Through TAT: a read script returns
//! the file's sha256 and content; the new content is computed here (pure,
//! tested, formatting kept); a compare-and-swap script writes it only if the
//! sha256 is unchanged, with a backup beside it, then restarts the runtime.
//! A server already pointing at the VIP is left alone, so a rerun is a no-op.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::cloud::models::{cvm, tat};

use super::record::{ResourceKind, Step};
use super::wait::{deadline, Polled, Sent};
use super::{Engine, Progress, StepError};

/// The finished TAT task of one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TatResult {
    pub status: String,
    pub exit_code: i64,
    pub output: String,
    /// Bytes of output TAT cut (it keeps 24 KB; the API's `Dropped`).
    #[serde(default)]
    pub dropped: u64,
}

impl TatResult {
    pub fn ok(&self) -> bool {
        self.status == "SUCCESS" && self.exit_code == 0
    }

    /// The task's end for a message: state, exit code, output, and how
    /// much of the output TAT cut.
    pub fn describe(&self) -> String {
        let mut s = format!("{} (exit code {})", self.status, self.exit_code);
        if !self.output.trim().is_empty() {
            s.push_str(": ");
            s.push_str(self.output.trim_end());
        }
        if self.dropped > 0 {
            s.push_str(&format!(
                " [+{} bytes cut: TAT keeps the first 24 KB of output]",
                self.dropped
            ));
        }
        s
    }
}

/// Task states after which nothing changes any more.
fn is_final(status: &str) -> bool {
    matches!(
        status,
        "SUCCESS"
            | "FAILED"
            | "TIMEOUT"
            | "TASK_TIMEOUT"
            | "DELIVER_FAILED"
            | "START_FAILED"
            | "CANCELLED"
            | "TERMINATED"
    )
}

/// Runs `script` on one instance and waits for its task to finish.
/// RunCommand takes no ClientToken, so each invocation carries a Description
/// of its own: after an ambiguous answer the invocation is looked up by it
/// and followed, not started twice. Only when it is not listed is the
/// script run again (harmless for tcscale's scripts: reads, and
/// compare-and-swap writes).
pub async fn run_command(
    eng: &Engine,
    instance: &str,
    script: &str,
    command_type: &str,
    name: &str,
) -> Result<TatResult, StepError> {
    let req = tat::RunCommandRequest {
        content: Some(base64::engine::general_purpose::STANDARD.encode(script)),
        instance_ids: Some(vec![instance.to_string()]),
        command_name: Some(name.to_string()),
        command_type: Some(command_type.to_string()),
        timeout: Some(120),
        description: Some(invocation_description(name)),
        ..Default::default()
    };
    let invocation = loop {
        let found = match eng.send(&req).await? {
            Sent::Done(r) => r.invocation_id,
            Sent::Unknown => find_invocation(eng, req.description.as_deref().unwrap_or("")).await?,
        };
        if let Some(id) = found {
            super::kill_hook::after_call(&format!("RunCommand:{name}"));
            break id;
        }
    };
    let last = std::sync::Mutex::new(String::new());
    eng.poll_fresh(&format!("TAT {invocation}"), deadline::TAT, || {
        let last = &last;
        let invocation = invocation.clone();
        async move {
            let resp = eng
                .call(&tat::DescribeInvocationTasksRequest {
                    filters: Some(vec![tat::Filter {
                        name: Some("invocation-id".into()),
                        values: Some(vec![invocation]),
                    }]),
                    hide_output: Some(false),
                    limit: Some(100),
                    ..Default::default()
                })
                .await?;
            let task = resp
                .invocation_task_set
                .unwrap_or_default()
                .into_iter()
                .find(|t| t.instance_id.as_deref() == Some(instance));
            let Some(task) = task else {
                return Ok(Polled::Pending("PENDING".into()));
            };
            let status = task.task_status.clone().unwrap_or_else(|| "PENDING".into());
            let result = task.task_result.clone().unwrap_or_default();
            let output = decode_output(result.output.as_deref().unwrap_or(""));
            let changed = {
                let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
                std::mem::replace(&mut *last, status.clone()) != status
            };
            if changed {
                eng.report(Progress::TatOutput {
                    instance: instance.to_string(),
                    status: status.clone(),
                    output: if is_final(&status) {
                        output.clone()
                    } else {
                        String::new()
                    },
                });
            }
            if !is_final(&status) {
                return Ok(Polled::Pending(status));
            }
            let mut output = output;
            if let Some(err) = task.error_info.filter(|e| !e.is_empty()) {
                if !output.is_empty() {
                    output.push('\n');
                }
                output.push_str(&err);
            }
            Ok(Polled::Ready(TatResult {
                status,
                exit_code: result.exit_code.unwrap_or(-1),
                output,
                dropped: result.dropped.unwrap_or(0),
            }))
        }
    })
    .await
}

/// A Description no other invocation has (RunCommand allows 120 characters).
fn invocation_description(name: &str) -> String {
    format!("tcscale {name} {}", uuid::Uuid::new_v4())
}

/// The invocation started with `description`, among the newest ones.
async fn find_invocation(eng: &Engine, description: &str) -> Result<Option<String>, StepError> {
    let resp = eng
        .call(&tat::DescribeInvocationsRequest {
            limit: Some(100),
            ..Default::default()
        })
        .await?;
    Ok(resp
        .invocation_set
        .unwrap_or_default()
        .into_iter()
        .find(|i| i.description.as_deref() == Some(description))
        .and_then(|i| i.invocation_id))
}

/// TAT output is base64; anything that is not is shown as it came.
pub fn decode_output(raw: &str) -> String {
    match base64::engine::general_purpose::STANDARD.decode(raw.trim()) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => raw.to_string(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SdkInput {
    pub servers: Vec<cvm::Instance>,
    pub vip: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SdkVerdict {
    /// Already `http://VIP/mina_auth/`: nothing written.
    AlreadySet,
    /// Written, backed up, runtime restarted.
    Updated { path: String, backup: String },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SdkOutput {
    pub per_instance: BTreeMap<String, SdkVerdict>,
    /// Not touched (TAT agent offline), with why: the user does these by hand.
    #[serde(default)]
    pub skipped: BTreeMap<String, String>,
    /// The VIP the servers were pointed at: cleanup restores a file only
    /// if it still points there (journaled before the first write).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vip: String,
}

pub use crate::scaleout::sdk_config::auth_server_url;

pub async fn update_sdk_configs(eng: &Engine, input: &SdkInput) -> Result<SdkOutput, StepError> {
    let mut out = SdkOutput {
        vip: input.vip.clone(),
        ..SdkOutput::default()
    };
    // Before any write: a run killed mid-step still tells cleanup the VIP.
    let partial = serde_json::to_value(&out).unwrap_or_default();
    eng.journal(|r| {
        let phase = r
            .journal
            .steps
            .iter()
            .find(|s| s.step == Step::SdkConfig)
            .map(|s| s.phase.clone());
        match phase {
            Some(phase) => r.set_output(&phase, Step::SdkConfig, partial),
            None => Ok(()),
        }
    })?
    .map_err(StepError::Journal)?;
    for server in &input.servers {
        let id = server.instance_id.clone().unwrap_or_default();
        let verdict = match super::remote_edit::update_one(eng, server, &input.vip).await? {
            Ok(v) => v,
            Err(reason) => {
                out.skipped.insert(id, reason);
                continue;
            }
        };
        if let SdkVerdict::Updated { path, backup } = &verdict {
            let change = format!("{id}:{path}");
            eng.journal(|r| {
                r.add_created(ResourceKind::SdkConfigChange, &change, Some(&id), backup)
            })?;
        }
        out.per_instance.insert(id, verdict);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_end_is_described_with_exit_code_output_and_what_was_cut() {
        let r = TatResult {
            status: "FAILED".into(),
            exit_code: 2,
            output: "no such file\n".into(),
            dropped: 0,
        };
        assert_eq!(r.describe(), "FAILED (exit code 2): no such file");
        let r = TatResult {
            status: "TIMEOUT".into(),
            exit_code: -1,
            output: String::new(),
            dropped: 4096,
        };
        let d = r.describe();
        assert!(d.starts_with("TIMEOUT (exit code -1)"), "{d}");
        assert!(d.contains("+4096 bytes cut") && d.contains("24 KB"), "{d}");
    }
}
