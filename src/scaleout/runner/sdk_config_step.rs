//! Step "sdk.config": on every business server, point `authServerUrl` at the
//! internal CLB (`http://VIP/mina_auth/`). Through TAT: a read script returns
//! the file's sha256 and content; the new content is computed here (pure,
//! tested, formatting kept); a compare-and-swap script writes it only if the
//! sha256 is unchanged, with a backup beside it, then restarts the runtime.
//! A server already pointing at the VIP is left alone, so a rerun is a no-op.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::cloud::limits;
use crate::cloud::models::{clb, cvm, tat};
use crate::i18n::Text;

use super::record::{ResourceKind, Step};
use super::remote_edit::{Look, Reads};
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
pub async fn run_command(
    eng: &Engine,
    instance: &str,
    script: &str,
    command_type: &str,
    name: &str,
) -> Result<TatResult, StepError> {
    let mut all = run_command_on(eng, &[instance.to_string()], script, command_type, name).await?;
    Ok(all.remove(instance).unwrap_or_else(|| TatResult {
        status: "DELIVER_FAILED".into(),
        exit_code: -1,
        output: String::new(),
        dropped: 0,
    }))
}

/// Runs one `script` on many instances: one invocation per
/// [`limits::RUN_COMMAND_BATCH`] instances (the batches run at once), and
/// waits until every task has finished. RunCommand takes no ClientToken, so
/// each invocation carries a Description of its own: after an ambiguous
/// answer the invocation is looked up by it and followed, not started
/// twice. Only when it is not listed is the script run again (harmless for
/// tcscale's scripts: reads, and compare-and-swap writes).
pub async fn run_command_on(
    eng: &Engine,
    instances: &[String],
    script: &str,
    command_type: &str,
    name: &str,
) -> Result<BTreeMap<String, TatResult>, StepError> {
    let batches = instances
        .chunks(limits::RUN_COMMAND_BATCH)
        .map(|chunk| run_invocation(eng, chunk, script, command_type, name));
    let mut out = BTreeMap::new();
    for part in futures::future::try_join_all(batches).await? {
        out.extend(part);
    }
    Ok(out)
}

/// One RunCommand invocation on at most [`limits::RUN_COMMAND_BATCH`]
/// instances, followed until each of its tasks is final.
async fn run_invocation(
    eng: &Engine,
    instances: &[String],
    script: &str,
    command_type: &str,
    name: &str,
) -> Result<BTreeMap<String, TatResult>, StepError> {
    let req = tat::RunCommandRequest {
        content: Some(base64::engine::general_purpose::STANDARD.encode(script)),
        instance_ids: Some(instances.to_vec()),
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
    // Each task's last state shown, so progress reports changes only.
    let shown: std::sync::Mutex<BTreeMap<String, String>> = Default::default();
    eng.poll_fresh(&format!("TAT {invocation}"), deadline::TAT, || {
        let shown = &shown;
        let invocation = invocation.clone();
        async move {
            let resp = eng
                .call(&tat::DescribeInvocationTasksRequest {
                    filters: Some(vec![tat::Filter {
                        name: Some("invocation-id".into()),
                        values: Some(vec![invocation]),
                    }]),
                    hide_output: Some(false),
                    limit: Some(limits::RUN_COMMAND_BATCH as u64),
                    ..Default::default()
                })
                .await?;
            let mut done = BTreeMap::new();
            let mut pending = None;
            for task in resp.invocation_task_set.unwrap_or_default() {
                let Some(id) = task.instance_id.clone() else {
                    continue;
                };
                if !instances.contains(&id) {
                    continue;
                }
                let status = task.task_status.clone().unwrap_or_else(|| "PENDING".into());
                let result = task.task_result.clone().unwrap_or_default();
                let output = decode_output(result.output.as_deref().unwrap_or(""));
                let changed = {
                    let mut shown = shown.lock().unwrap_or_else(|p| p.into_inner());
                    shown.insert(id.clone(), status.clone()).as_ref() != Some(&status)
                };
                if changed {
                    eng.report(Progress::TatOutput {
                        instance: id.clone(),
                        status: status.clone(),
                        output: if is_final(&status) {
                            output.clone()
                        } else {
                            String::new()
                        },
                    });
                }
                if !is_final(&status) {
                    pending = Some(status);
                    continue;
                }
                let mut output = output;
                if let Some(err) = task.error_info.filter(|e| !e.is_empty()) {
                    if !output.is_empty() {
                        output.push('\n');
                    }
                    output.push_str(&err);
                }
                done.insert(
                    id,
                    TatResult {
                        status,
                        exit_code: result.exit_code.unwrap_or(-1),
                        output,
                        dropped: result.dropped.unwrap_or(0),
                    },
                );
            }
            // A task not listed yet is still being delivered.
            if let Some(status) =
                pending.or_else(|| (done.len() < instances.len()).then(|| "PENDING".to_string()))
            {
                return Ok(Polled::Pending(status));
            }
            Ok(Polled::Ready(done))
        }
    })
    .await
}

/// Waits until no TAT task is pending or running on `instance` (newest
/// first: a task in flight is among the latest hundred).
pub async fn wait_idle(eng: &Engine, instance: &str) -> Result<(), StepError> {
    eng.poll_until(&format!("TAT {instance}"), deadline::TAT, || async move {
        let resp = eng
            .call(&tat::DescribeInvocationTasksRequest {
                filters: Some(vec![tat::Filter {
                    name: Some("instance-id".into()),
                    values: Some(vec![instance.to_string()]),
                }]),
                limit: Some(limits::RUN_COMMAND_BATCH as u64),
                ..Default::default()
            })
            .await?;
        let busy = resp
            .invocation_task_set
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| t.task_status)
            .find(|s| !is_final(s));
        Ok(match busy {
            Some(status) => Polled::Pending(status),
            None => Polled::Ready(()),
        })
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

/// Points every server at the VIP, as a rolling update:
///
/// 1. every file is read and its edit computed at once (batched TAT reads),
///    so a server whose file cannot be edited stops the step before any
///    file is written;
/// 2. the writes (each a compare-and-swap with backup, then the restart)
///    go in waves of [`wave_sizes`] — a third of the servers at a time, so
///    the others keep serving — the servers of a wave in parallel;
/// 3. after each wave, the public CLB must report its restarted servers
///    `Alive` again before the next wave starts. A wave that fails (a
///    write, or a service that does not come back) stops the rest: they
///    keep their files, and every file written so far is journaled (with
///    its backup) for resume and cleanup.
pub async fn update_sdk_configs(eng: &Engine, input: &SdkInput) -> Result<SdkOutput, StepError> {
    update_sdk_configs_read(eng, input, None).await
}

/// [`update_sdk_configs`] with the files already read (while the run's
/// load balancer was being made): no server is read twice.
pub async fn update_sdk_configs_read(
    eng: &Engine,
    input: &SdkInput,
    reads: Option<Reads>,
) -> Result<SdkOutput, StepError> {
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
    let mut to_write = Vec::new();
    for (id, look) in super::remote_edit::look_all(eng, &input.servers, &input.vip, reads).await? {
        match look {
            Look::Skip(reason) => {
                out.skipped.insert(id, reason);
            }
            Look::Done(verdict) => record(eng, &mut out, id, verdict)?,
            Look::Write(prepared) => to_write.push(prepared),
        }
    }
    if to_write.is_empty() {
        return Ok(out);
    }
    let writing: Vec<String> = to_write.iter().map(|p| p.id.clone()).collect();
    let gates = health_gates(eng, &input.servers, &writing).await?;
    let all_waves = waves_of(&to_write);
    let waves = all_waves.len();
    for (n, wave) in all_waves.iter().enumerate() {
        let ids: Vec<String> = wave.iter().map(|p| p.id.clone()).collect();
        let label = format!("{}/{waves}", n + 1);
        eng.report(Progress::SdkWave {
            wave: n + 1,
            of: waves,
            ids: ids.clone(),
        });
        eng.log(
            "engine.sdk.wave",
            &[("wave", &label), ("ids", &ids.join(", "))],
        );
        let written = futures::future::join_all(
            wave.iter()
                .map(|p| super::remote_edit::write(eng, p.clone(), &input.vip)),
        )
        .await;
        // Every file this wave did write is journaled, even when another failed.
        let mut first_error = None;
        for (id, result) in ids.iter().zip(written) {
            match result {
                Ok(verdict) => record(eng, &mut out, id.clone(), verdict)?,
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        let untouched: Vec<String> = all_waves[n + 1..]
            .iter()
            .flatten()
            .map(|p| p.id.clone())
            .collect();
        let stopped = |e: StepError| {
            if !untouched.is_empty() {
                eng.log(
                    "engine.sdk.wave_stopped",
                    &[("wave", &label), ("ids", &untouched.join(", "))],
                );
            }
            e
        };
        if let Some(e) = first_error {
            return Err(stopped(e));
        }
        wave_healthy(eng, &gates, &ids, &label)
            .await
            .map_err(stopped)?;
    }
    Ok(out)
}

/// Journals one server's verdict (a written file becomes a change cleanup restores).
fn record(
    eng: &Engine,
    out: &mut SdkOutput,
    id: String,
    verdict: SdkVerdict,
) -> Result<(), StepError> {
    if let SdkVerdict::Updated { path, backup } = &verdict {
        let change = format!("{id}:{path}");
        eng.journal(|r| r.add_created(ResourceKind::SdkConfigChange, &change, Some(&id), backup))?;
    }
    out.per_instance.insert(id, verdict);
    Ok(())
}

/// The share of the servers restarted at once: the others keep serving.
pub const WAVE_SHARE: usize = 3;

/// How many servers each wave restarts, for `n` servers to write: a
/// third (rounded down, at least one) at a time, spread evenly over the
/// waves, so at most a third of the servers is down at any moment (with
/// one or two servers, one at a time).
pub fn wave_sizes(n: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let most = (n / WAVE_SHARE).max(1);
    let waves = n.div_ceil(most);
    (0..waves)
        .map(|i| n / waves + usize::from(i < n % waves))
        .collect()
}

/// `ids` split into the waves [`update_sdk_configs`] writes them in.
pub fn waves_of<T: Clone>(ids: &[T]) -> Vec<Vec<T>> {
    let mut rest = ids.iter().cloned();
    wave_sizes(ids.len())
        .into_iter()
        .map(|n| rest.by_ref().take(n).collect())
        .collect()
}

/// One public listener's targets among the servers being written: after a
/// wave, those of its servers must be `Alive` there again.
#[derive(Debug, Clone, PartialEq)]
struct Gate {
    load_balancer_id: String,
    listener_id: String,
    instance_ids: Vec<String>,
}

/// The public (OPEN) CLB listeners that serve `writing` (found by their
/// private IPs, as the console's backend search does).
async fn health_gates(
    eng: &Engine,
    servers: &[cvm::Instance],
    writing: &[String],
) -> Result<Vec<Gate>, StepError> {
    let ips: Vec<String> = servers
        .iter()
        .filter(|s| {
            s.instance_id
                .as_ref()
                .is_some_and(|id| writing.contains(id))
        })
        .flat_map(|s| s.private_ip_addresses.clone().unwrap_or_default())
        .collect();
    let mut lbs: Vec<String> = Vec::new();
    for chunk in ips.chunks(20) {
        let mut offset = 0;
        loop {
            let resp = eng
                .call(&clb::DescribeLoadBalancersRequest {
                    load_balancer_type: Some("OPEN".into()),
                    backend_private_ips: Some(chunk.to_vec()),
                    offset: Some(offset),
                    limit: Some(100),
                    ..Default::default()
                })
                .await?;
            let page = resp.load_balancer_set.unwrap_or_default();
            let got = page.len() as i64;
            for lb in page {
                if let Some(id) = lb.load_balancer_id {
                    if !lbs.contains(&id) {
                        lbs.push(id);
                    }
                }
            }
            offset += got;
            if got == 0 || offset >= resp.total_count.unwrap_or(0) as i64 {
                break;
            }
        }
    }
    let mut gates = Vec::new();
    for lb in lbs {
        for l in crate::scaleout::discover::listeners_of(eng, &lb).await? {
            let mut ids: Vec<String> = l
                .targets
                .iter()
                .filter(|t| writing.contains(&t.instance_id))
                .map(|t| t.instance_id.clone())
                .collect();
            ids.dedup();
            if !ids.is_empty() {
                gates.push(Gate {
                    load_balancer_id: lb.clone(),
                    listener_id: l.listener_id,
                    instance_ids: ids,
                });
            }
        }
    }
    Ok(gates)
}

/// Waits until the public CLB reports every server of the wave `Alive`
/// on each listener that serves it; a server not behind one is said so.
async fn wave_healthy(
    eng: &Engine,
    gates: &[Gate],
    wave: &[String],
    label: &str,
) -> Result<(), StepError> {
    for id in wave {
        if !gates.iter().any(|g| g.instance_ids.contains(id)) {
            eng.log("engine.sdk.wave_no_clb", &[("id", id)]);
        }
    }
    let checks = gates.iter().filter_map(|g| {
        let ids: Vec<String> = g
            .instance_ids
            .iter()
            .filter(|id| wave.contains(id))
            .cloned()
            .collect();
        (!ids.is_empty()).then_some(async move {
            super::bind::wait_alive(eng, &g.load_balancer_id, &g.listener_id, &ids)
                .await
                .map_err(|e| match e {
                    StepError::TimedOut { state, .. } => StepError::Blocked(Text::new(
                        "engine.sdk.wave_unhealthy",
                        &[
                            ("wave", &label),
                            ("clb", &g.load_balancer_id),
                            ("state", &state),
                        ],
                    )),
                    e => e,
                })
        })
    });
    futures::future::try_join_all(checks).await?;
    eng.log("engine.sdk.wave_healthy", &[("wave", &label)]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waves_restart_at_most_a_third_at_a_time_and_cover_every_server() {
        assert_eq!(wave_sizes(0), Vec::<usize>::new());
        assert_eq!(wave_sizes(1), [1]);
        assert_eq!(wave_sizes(2), [1, 1]);
        assert_eq!(wave_sizes(3), [1, 1, 1]);
        assert_eq!(wave_sizes(6), [2, 2, 2]);
        assert_eq!(wave_sizes(10), [3, 3, 2, 2]);
        assert_eq!(wave_sizes(100), [25, 25, 25, 25]);
        assert_eq!(
            waves_of(&[1, 2, 3, 4]),
            [vec![1], vec![2], vec![3], vec![4]]
        );
        assert_eq!(
            waves_of(&(0..7).collect::<Vec<_>>()),
            [vec![0, 1], vec![2, 3], vec![4, 5], vec![6]]
        );
        for n in 1..=500 {
            let w = wave_sizes(n);
            assert_eq!(w.iter().sum::<usize>(), n, "{n}");
            let most = *w.iter().max().unwrap();
            // a third at most (one at a time below three servers)
            assert!(most <= (n / 3).max(1), "{n}: {w:?}");
            // evenly spread, and never more waves than needed
            assert!(most - w.iter().min().unwrap() <= 1, "{n}: {w:?}");
            assert!(w.len() <= n.div_ceil((n / 3).max(1)), "{n}: {w:?}");
        }
    }

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
