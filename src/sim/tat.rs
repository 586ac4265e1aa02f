//! Simulated `tat` service (TencentCloud Automation Tools): RunCommand and
//! the calls that watch it.
//!
//! The simulator NEVER executes a received script. It records each
//! command's decoded content (visible in `/_sim/state`) and, per instance,
//! runs a task through the real states: PENDING → RUNNING (after a fifth of
//! `durations.tat_run`) → SUCCESS / FAILED / TIMEOUT (after `tat_run`, or
//! after `Timeout` seconds of running if that is shorter), or DELIVER_FAILED
//! when the instance's agent went offline before the task started. What a
//! task reports when it ends:
//! - a script starting with tcscale's declared-operation header
//!   (`# tcscale-op: {json}`) has that declared effect applied to the
//!   instance's virtual files by the simulator's own interpreter
//!   ([`crate::sim::tat_ops`]), and reports the exit code and output the
//!   real script would (exit code ≠ 0 → FAILED); the files named in
//!   [`TatState::read_only_files`] refuse writes and the restarts of the
//!   instances in [`TatState::failing_restarts`] fail;
//! - any other script reports SUCCESS with output saying it was not
//!   executed in the sandbox;
//! - the `tat-fail` fault (rolled at RunCommand) ends the task FAILED
//!   without touching the files.
//!
//! RunCommand itself fails, as documented, when an instance's agent is not
//! online (`ResourceUnavailable.AgentStatusNotOnline`), the instance is not
//! RUNNING (`ResourceUnavailable.InstanceStateNotRunning`) or the command
//! type does not match the instance's OS
//! (`InvalidParameterValue.AgentUnsupportedCommandType`).

use base64::Engine;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cloud::models::tat;
use crate::sim::svc_util::{iso_utc_offset, page, parse, reply};
use crate::sim::tat_ops;
use crate::sim::world::{Ctx, SimError, SimResult, World};

/// Largest output a task reports (the API's 24 KB); the rest is `Dropped`.
const MAX_OUTPUT: usize = 24 * 1024;

/// What a plain (undeclared) script reports.
pub const NOT_EXECUTED_OUTPUT: &str = "tcscale sandbox: the command was recorded but not executed in the sandbox (it declares no `# tcscale-op:` operation).\n";

/// The TAT part of the world.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TatState {
    /// Every invocation, all regions, in creation order.
    pub invocations: Vec<SimInvocation>,
    /// Agent version reported by DescribeAutomationAgentStatus.
    pub agent_version: String,
    /// Instance id → paths without write permission: a declared write to
    /// one ends `read-only` (exit 12). A world-file and test knob.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub read_only_files: BTreeMap<String, BTreeSet<String>>,
    /// Instances whose service restart commands fail (exit 14).
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub failing_restarts: BTreeSet<String>,
}

/// One RunCommand: the command as sent and its per-instance tasks.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimInvocation {
    pub region: String,
    pub invocation_id: String,
    pub command_id: String,
    pub command_name: String,
    pub description: String,
    pub command_type: String,
    /// Base64, as received.
    pub content: String,
    /// The decoded script, recorded for inspection (never executed).
    pub decoded_content: String,
    pub working_directory: String,
    pub timeout: u64,
    pub username: String,
    pub created_at: f64,
    /// Wall-clock Unix time of the RunCommand.
    pub created_unix: f64,
    pub tasks: Vec<SimInvocationTask>,
}

/// One instance's run of an invocation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimInvocationTask {
    pub task_id: String,
    pub instance_id: String,
    /// PENDING, RUNNING, SUCCESS, FAILED, TIMEOUT, DELIVER_FAILED.
    pub status: String,
    /// Decided at RunCommand from the `tat-fail` fault.
    pub fails: bool,
    pub started_at: f64,
    pub ends_at: f64,
    /// Whether the run hits its `Timeout` before it finishes.
    pub times_out: bool,
    pub exit_code: Option<i64>,
    /// Plain-text output (base64-encoded when reported).
    pub output: String,
    pub dropped: u64,
    pub error_info: String,
    /// Service restarts a declared operation performed (command lines).
    pub restarts: Vec<String>,
}

impl SimInvocation {
    /// The aggregate status DescribeInvocations reports.
    pub fn status(&self) -> &'static str {
        let count = |s: &str| self.tasks.iter().filter(|t| t.status == s).count();
        let n = self.tasks.len();
        let (success, timeout) = (count("SUCCESS"), count("TIMEOUT"));
        // A task never delivered failed as much as one that ran and failed.
        let failed = count("FAILED") + count("DELIVER_FAILED");
        if n == 0 || count("PENDING") == n {
            "PENDING"
        } else if success + failed + timeout < n {
            "RUNNING"
        } else if success == n {
            "SUCCESS"
        } else if failed == n {
            "FAILED"
        } else if timeout == n {
            "TIMEOUT"
        } else {
            "PARTIAL_FAILED"
        }
    }
}

pub fn handle(world: &mut World, ctx: &Ctx, action: &str, params: &Value) -> SimResult {
    match action {
        "RunCommand" => run_command(world, ctx, params),
        "DescribeInvocations" => describe_invocations(world, ctx, params),
        "DescribeInvocationTasks" => describe_invocation_tasks(world, ctx, params),
        "DescribeAutomationAgentStatus" => describe_agent_status(world, ctx, params),
        _ => Err(SimError::new(
            "InvalidAction",
            format!("The action `{action}` is not supported by the simulated tat."),
        )),
    }
}

/// Moves tasks along their timeline and, when one finishes, reports its
/// outcome (applying a declared operation to the instance's files).
pub fn tick(world: &mut World, now: f64) {
    for inv_i in 0..world.tat.invocations.len() {
        for task_i in 0..world.tat.invocations[inv_i].tasks.len() {
            let (status, started_at, ends_at) = {
                let t = &world.tat.invocations[inv_i].tasks[task_i];
                (t.status.clone(), t.started_at, t.ends_at)
            };
            if status == "PENDING" && now >= started_at {
                // Delivery happens here: an agent gone offline since
                // RunCommand never receives the command.
                let id = world.tat.invocations[inv_i].tasks[task_i]
                    .instance_id
                    .clone();
                let online = world.cvm.instance(&id).is_some_and(|i| i.tat_agent_online);
                let t = &mut world.tat.invocations[inv_i].tasks[task_i];
                if !online {
                    t.status = "DELIVER_FAILED".into();
                    t.error_info = format!(
                        "the command could not be delivered: the TAT agent of {id} is offline"
                    );
                    continue;
                }
                t.status = "RUNNING".into();
            }
            if matches!(status.as_str(), "PENDING" | "RUNNING") && now >= ends_at {
                finish_task(world, inv_i, task_i);
            }
        }
    }
}

fn finish_task(world: &mut World, inv_i: usize, task_i: usize) {
    let inv = &world.tat.invocations[inv_i];
    let task = &inv.tasks[task_i];
    let finished_unix = inv.created_unix + (task.ends_at - inv.created_at);
    // The server's clock when the script ends (it names a default backup).
    let finished_wall =
        chrono::DateTime::from_timestamp_micros((finished_unix * 1e6).floor() as i64)
            .unwrap_or_default();
    let mut restarts = Vec::new();
    let finished_at = task.ends_at;
    let (status, exit_code, output, error_info) = if task.fails {
        (
            "FAILED",
            Some(1),
            "tcscale sandbox: the task failed (simulated fault); nothing was changed.\n"
                .to_string(),
            "simulated tat-fail fault".to_string(),
        )
    } else if task.times_out {
        (
            "TIMEOUT",
            None,
            String::new(),
            format!(
                "the command did not finish within its Timeout of {} s",
                inv.timeout
            ),
        )
    } else {
        let script = inv.decoded_content.clone();
        let instance_id = task.instance_id.clone();
        let read_only = world
            .tat
            .read_only_files
            .get(&instance_id)
            .cloned()
            .unwrap_or_default();
        let restart_fails = world.tat.failing_restarts.contains(&instance_id);
        match world.cvm.instance_mut(&instance_id) {
            None => (
                "FAILED",
                None,
                String::new(),
                format!("the instance {instance_id} no longer exists"),
            ),
            Some(inst) => {
                let mut server = tat_ops::Server {
                    files: &mut inst.files,
                    read_only: &read_only,
                    restart_fails,
                };
                match tat_ops::run_script(&script, &mut server, finished_wall) {
                    Some(o) => {
                        restarts = o.restarts;
                        (
                            if o.exit_code == 0 {
                                "SUCCESS"
                            } else {
                                "FAILED"
                            },
                            Some(o.exit_code),
                            o.output,
                            String::new(),
                        )
                    }
                    None => (
                        "SUCCESS",
                        Some(0),
                        NOT_EXECUTED_OUTPUT.to_string(),
                        String::new(),
                    ),
                }
            }
        }
    };
    if !restarts.is_empty() {
        // The service is down while it restarts: health checks see it.
        if let Some(inst) = world.cvm.instance_mut(
            &world.tat.invocations[inv_i].tasks[task_i]
                .instance_id
                .clone(),
        ) {
            inst.restarted_at = Some(finished_at);
        }
    }
    let (output, dropped) = truncate_output(output);
    let t = &mut world.tat.invocations[inv_i].tasks[task_i];
    t.status = status.into();
    t.exit_code = exit_code;
    t.output = output;
    t.dropped = dropped;
    t.error_info = error_info;
    t.restarts = restarts;
}

fn truncate_output(output: String) -> (String, u64) {
    if output.len() <= MAX_OUTPUT {
        return (output, 0);
    }
    let mut cut = MAX_OUTPUT;
    while !output.is_char_boundary(cut) {
        cut -= 1;
    }
    let dropped = (output.len() - cut) as u64;
    (output[..cut].to_string(), dropped)
}

fn is_windows(world: &World, instance_id: &str) -> bool {
    world.cvm.instance(instance_id).is_some_and(|i| {
        i.instance
            .os_name
            .as_deref()
            .unwrap_or("")
            .to_ascii_lowercase()
            .contains("windows")
    })
}

fn run_command(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: tat::RunCommandRequest = parse(params)?;
    let content = req.content.clone().unwrap_or_default();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(content.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            SimError::new(
                "InvalidParameterValue.InvalidContent",
                "Content must be a non-empty, base64-encoded UTF-8 script.",
            )
        })?;
    if content.len() > 64 * 1024 {
        return Err(SimError::new(
            "InvalidParameterValue.TooLong",
            "Content must be at most 64 KB after base64 encoding.",
        ));
    }
    let command_type = req.command_type.clone().unwrap_or_else(|| "SHELL".into());
    if !matches!(command_type.as_str(), "SHELL" | "POWERSHELL" | "BAT") {
        return Err(SimError::new(
            "InvalidParameterValue",
            format!("CommandType `{command_type}` is not one of SHELL, POWERSHELL, BAT."),
        ));
    }
    let timeout = req.timeout.unwrap_or(60);
    if !(1..=86400).contains(&timeout) {
        return Err(SimError::new(
            "InvalidParameterValue.Range",
            format!("Timeout `{timeout}` must be between 1 and 86400."),
        ));
    }
    if let Some(name) = &req.command_name {
        if name.len() > 60 {
            return Err(SimError::new(
                "InvalidParameterValue.InvalidCommandName",
                "CommandName must be at most 60 bytes.",
            ));
        }
    }
    if req.enable_parameter != Some(true)
        && (req.parameters.is_some() || req.default_parameters.is_some())
    {
        return Err(SimError::new(
            "InvalidParameterValue.SupportParametersOnlyIfEnableParameter",
            "Parameters and DefaultParameters need EnableParameter=true.",
        ));
    }
    let ids = req.instance_ids.clone().unwrap_or_default();
    let max = crate::cloud::limits::RUN_COMMAND_MAX_INSTANCES;
    if ids.is_empty() || ids.len() > max {
        return Err(SimError::new(
            "InvalidParameterValue.LimitExceeded",
            format!("InstanceIds must hold 1 to {max} ids."),
        ));
    }
    for id in &ids {
        if !id.starts_with("ins-") {
            return Err(SimError::new(
                "InvalidParameterValue.InvalidInstanceId",
                format!("`{id}` is not a valid instance id."),
            ));
        }
        let inst = world
            .cvm
            .instance(id)
            .filter(|i| i.region == ctx.region)
            .ok_or_else(|| {
                SimError::new(
                    "ResourceNotFound.InstanceNotFound",
                    format!("The instance `{id}` does not exist in {}.", ctx.region),
                )
            })?;
        if !inst.is_running() {
            return Err(SimError::new(
                "ResourceUnavailable.InstanceStateNotRunning",
                format!("The instance {id} is {}, not RUNNING.", inst.state()),
            ));
        }
        if !inst.tat_agent_online {
            return Err(SimError::new(
                "ResourceUnavailable.AgentStatusNotOnline",
                format!("The TAT agent of the instance {id} is not online."),
            ));
        }
        let windows = is_windows(world, id);
        if windows == (command_type == "SHELL") {
            return Err(SimError::new(
                "InvalidParameterValue.AgentUnsupportedCommandType",
                format!(
                    "The agent of the {} instance {id} cannot run {command_type} commands.",
                    if windows { "Windows" } else { "Linux" }
                ),
            ));
        }
    }
    let windows = is_windows(world, &ids[0]);
    let command_id = world.new_id("cmd");
    let invocation_id = world.new_id("inv");
    let d = world
        .duration(world.durations.tat_run, &invocation_id)
        .max(0.0);
    let start = ctx.now + d / 5.0;
    let natural_end = ctx.now + d;
    let timeout_end = start + timeout as f64;
    let mut tasks = Vec::new();
    for id in &ids {
        let fails = world.chance(world.faults.tat_fail);
        tasks.push(SimInvocationTask {
            task_id: world.new_id("invt"),
            instance_id: id.clone(),
            status: "PENDING".into(),
            fails,
            started_at: start,
            ends_at: natural_end.min(timeout_end),
            times_out: timeout_end < natural_end,
            ..Default::default()
        });
    }
    world.tat.invocations.push(SimInvocation {
        region: ctx.region.clone(),
        invocation_id: invocation_id.clone(),
        command_id: command_id.clone(),
        command_name: req.command_name.clone().unwrap_or_default(),
        description: req.description.clone().unwrap_or_default(),
        command_type,
        content,
        decoded_content: decoded,
        working_directory: req.working_directory.clone().unwrap_or_else(|| {
            if windows {
                r"C:\Program Files\qcloud\tat_agent\workdir".into()
            } else {
                "/root".into()
            }
        }),
        timeout,
        username: req
            .username
            .clone()
            .unwrap_or_else(|| if windows { "System" } else { "root" }.into()),
        created_at: ctx.now,
        created_unix: ctx.unix_time as f64,
        tasks,
    });
    Ok(reply(&tat::RunCommandResponse {
        command_id: Some(command_id),
        invocation_id: Some(invocation_id),
        request_id: None,
    }))
}

/// Sim time → the wall-clock time it stands for, for one invocation.
fn wall(inv: &SimInvocation, at: f64) -> String {
    iso_utc_offset(inv.created_unix + (at - inv.created_at))
}

struct Filters(Vec<(String, Vec<String>)>);

impl Filters {
    fn from(filters: &Option<Vec<tat::Filter>>, known: &[&str]) -> Result<Filters, SimError> {
        let mut out = Vec::new();
        for f in filters.iter().flatten() {
            let name = f.name.clone().unwrap_or_default();
            let values = f.values.clone().unwrap_or_default();
            if !known.contains(&name.as_str()) {
                return Err(SimError::new(
                    "InvalidParameterValue.InvalidFilter",
                    format!(
                        "The filter `{name}` is not supported (supported: {}).",
                        known.join(", ")
                    ),
                ));
            }
            if values.len() > 5 {
                return Err(SimError::new(
                    "LimitExceeded.FilterValueExceeded",
                    format!("The filter `{name}` has more than 5 values."),
                ));
            }
            out.push((name, values));
        }
        Ok(Filters(out))
    }
    /// Whether every filter named `name` accepts `value` (absent → yes).
    fn accepts(&self, name: &str, value: &str) -> bool {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .all(|(_, vs)| vs.iter().any(|v| v == value))
    }
}

fn ids_xor_filters(
    ids: &Option<Vec<String>>,
    filters: &Option<Vec<tat::Filter>>,
    ids_name: &str,
) -> Result<Vec<String>, SimError> {
    let ids = ids.clone().unwrap_or_default();
    if !ids.is_empty() && filters.as_ref().is_some_and(|f| !f.is_empty()) {
        return Err(SimError::new(
            "InvalidParameter.ConflictParameter",
            format!("{ids_name} and Filters cannot be given together."),
        ));
    }
    if ids.len() > 100 {
        return Err(SimError::new(
            "InvalidParameterValue.LimitExceeded",
            format!("At most 100 {ids_name} may be given."),
        ));
    }
    Ok(ids)
}

fn tat_window(offset: Option<u64>, limit: Option<u64>) -> Result<(usize, usize), SimError> {
    crate::sim::svc_util::window(offset.map(|o| o as i64), limit.map(|l| l.min(1000) as i64))
}

fn describe_invocations(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: tat::DescribeInvocationsRequest = parse(params)?;
    let ids = ids_xor_filters(&req.invocation_ids, &req.filters, "InvocationIds")?;
    let filters = Filters::from(
        &req.filters,
        &[
            "invocation-id",
            "command-id",
            "command-created-by",
            "instance-kind",
        ],
    )?;
    let win = tat_window(req.offset, req.limit)?;
    let mut matched: Vec<&SimInvocation> = world
        .tat
        .invocations
        .iter()
        .filter(|i| i.region == ctx.region)
        .filter(|i| ids.is_empty() || ids.contains(&i.invocation_id))
        .filter(|i| filters.accepts("invocation-id", &i.invocation_id))
        .filter(|i| filters.accepts("command-id", &i.command_id))
        .filter(|_| filters.accepts("command-created-by", "USER"))
        .filter(|_| filters.accepts("instance-kind", "CVM"))
        .collect();
    matched.reverse(); // newest first
    let total = matched.len() as u64;
    let set: Vec<tat::Invocation> = page(&matched, win)
        .into_iter()
        .map(|inv| {
            let start = inv
                .tasks
                .iter()
                .map(|t| t.started_at)
                .fold(f64::MAX, f64::min);
            let end = inv.tasks.iter().map(|t| t.ends_at).fold(0.0, f64::max);
            let status = inv.status();
            let finished = !matches!(status, "PENDING" | "RUNNING");
            tat::Invocation {
                invocation_id: Some(inv.invocation_id.clone()),
                command_id: Some(inv.command_id.clone()),
                command_name: Some(inv.command_name.clone()),
                invocation_status: Some(status.into()),
                invocation_task_basic_info_set: Some(
                    inv.tasks
                        .iter()
                        .map(|t| tat::InvocationTaskBasicInfo {
                            invocation_task_id: Some(t.task_id.clone()),
                            task_status: Some(t.status.clone()),
                            instance_id: Some(t.instance_id.clone()),
                        })
                        .collect(),
                ),
                description: Some(inv.description.clone()),
                start_time: Some(wall(inv, start.min(ctx.now).max(inv.created_at))),
                end_time: finished.then(|| wall(inv, end)),
                created_time: Some(wall(inv, inv.created_at)),
                updated_time: Some(wall(inv, if finished { end } else { ctx.now })),
                parameters: Some("{}".into()),
                default_parameters: Some("{}".into()),
                instance_kind: Some("CVM".into()),
                username: Some(inv.username.clone()),
                invocation_source: Some("USER".into()),
                command_content: Some(inv.content.clone()),
                command_type: Some(inv.command_type.clone()),
                timeout: Some(inv.timeout),
                working_directory: Some(inv.working_directory.clone()),
                output_cos_bucket_url: Some(String::new()),
                output_cos_key_prefix: Some(String::new()),
            }
        })
        .collect();
    Ok(reply(&tat::DescribeInvocationsResponse {
        total_count: Some(total),
        invocation_set: Some(set),
        request_id: None,
    }))
}

fn describe_invocation_tasks(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: tat::DescribeInvocationTasksRequest = parse(params)?;
    let ids = ids_xor_filters(&req.invocation_task_ids, &req.filters, "InvocationTaskIds")?;
    let filters = Filters::from(
        &req.filters,
        &[
            "invocation-task-id",
            "invocation-id",
            "instance-id",
            "command-id",
        ],
    )?;
    let win = tat_window(req.offset, req.limit)?;
    // Output is hidden unless HideOutput is explicitly false (documented default: true).
    let hide_output = req.hide_output.unwrap_or(true);
    let mut matched: Vec<(&SimInvocation, &SimInvocationTask)> = world
        .tat
        .invocations
        .iter()
        .filter(|i| i.region == ctx.region)
        .flat_map(|i| i.tasks.iter().map(move |t| (i, t)))
        .filter(|(_, t)| ids.is_empty() || ids.contains(&t.task_id))
        .filter(|(_, t)| filters.accepts("invocation-task-id", &t.task_id))
        .filter(|(i, _)| filters.accepts("invocation-id", &i.invocation_id))
        .filter(|(_, t)| filters.accepts("instance-id", &t.instance_id))
        .filter(|(i, _)| filters.accepts("command-id", &i.command_id))
        .collect();
    matched.reverse();
    let total = matched.len() as u64;
    let set: Vec<tat::InvocationTask> = page(&matched, win)
        .into_iter()
        .map(|(inv, t)| {
            let running = t.status != "PENDING";
            let finished = !matches!(t.status.as_str(), "PENDING" | "RUNNING");
            let output = if hide_output || !finished {
                String::new()
            } else {
                base64::engine::general_purpose::STANDARD.encode(&t.output)
            };
            tat::InvocationTask {
                invocation_id: Some(inv.invocation_id.clone()),
                invocation_task_id: Some(t.task_id.clone()),
                command_id: Some(inv.command_id.clone()),
                task_status: Some(t.status.clone()),
                instance_id: Some(t.instance_id.clone()),
                task_result: Some(tat::TaskResult {
                    exit_code: if finished { t.exit_code } else { None },
                    output: Some(output),
                    exec_start_time: running.then(|| wall(inv, t.started_at)),
                    exec_end_time: finished.then(|| wall(inv, t.ends_at)),
                    dropped: Some(t.dropped),
                    output_url: Some(String::new()),
                    output_upload_cos_error_info: Some(String::new()),
                }),
                start_time: running.then(|| wall(inv, t.started_at)),
                end_time: finished.then(|| wall(inv, t.ends_at)),
                created_time: Some(wall(inv, inv.created_at)),
                updated_time: Some(wall(
                    inv,
                    if finished {
                        t.ends_at
                    } else if running {
                        t.started_at
                    } else {
                        inv.created_at
                    },
                )),
                command_document: Some(tat::CommandDocument {
                    content: Some(inv.content.clone()),
                    command_type: Some(inv.command_type.clone()),
                    timeout: Some(inv.timeout),
                    working_directory: Some(inv.working_directory.clone()),
                    username: Some(inv.username.clone()),
                    output_cos_bucket_url: Some(String::new()),
                    output_cos_key_prefix: Some(String::new()),
                }),
                error_info: Some(t.error_info.clone()),
                invocation_source: Some("USER".into()),
                command_name: Some(inv.command_name.clone()),
            }
        })
        .collect();
    Ok(reply(&tat::DescribeInvocationTasksResponse {
        total_count: Some(total),
        invocation_task_set: Some(set),
        request_id: None,
    }))
}

fn describe_agent_status(world: &mut World, ctx: &Ctx, params: &Value) -> SimResult {
    let req: tat::DescribeAutomationAgentStatusRequest = parse(params)?;
    let ids = ids_xor_filters(&req.instance_ids, &req.filters, "InstanceIds")?;
    let filters = Filters::from(
        &req.filters,
        &["agent-status", "environment", "instance-id"],
    )?;
    let win = tat_window(req.offset, req.limit)?;
    let version = if world.tat.agent_version.is_empty() {
        "1.1.8".to_string()
    } else {
        world.tat.agent_version.clone()
    };
    let heartbeat = iso_utc_offset(ctx.unix_time as f64);
    let agents: Vec<tat::AutomationAgentInfo> = world
        .cvm
        .instances
        .iter()
        .filter(|i| i.region == ctx.region)
        .filter(|i| ids.is_empty() || ids.iter().any(|id| id == i.id()))
        .filter(|i| !matches!(i.state(), "LAUNCH_FAILED" | "TERMINATING" | "PENDING"))
        .map(|i| {
            let online = i.tat_agent_online && i.is_running();
            let windows = is_windows(world, i.id());
            tat::AutomationAgentInfo {
                instance_id: Some(i.id().to_string()),
                version: Some(version.clone()),
                last_heartbeat_time: Some(heartbeat.clone()),
                agent_status: Some(if online { "Online" } else { "Offline" }.into()),
                environment: Some(if windows { "Windows" } else { "Linux" }.into()),
                support_features: Some(vec!["RunCommand".into()]),
            }
        })
        .filter(|a| filters.accepts("agent-status", a.agent_status.as_deref().unwrap_or("")))
        .filter(|a| filters.accepts("environment", a.environment.as_deref().unwrap_or("")))
        .filter(|a| filters.accepts("instance-id", a.instance_id.as_deref().unwrap_or("")))
        .collect();
    let total = agents.len() as u64;
    Ok(reply(&tat::DescribeAutomationAgentStatusResponse {
        automation_agent_set: Some(page(&agents, win)),
        total_count: Some(total),
        request_id: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(statuses: &[&str]) -> SimInvocation {
        SimInvocation {
            tasks: statuses
                .iter()
                .map(|s| SimInvocationTask {
                    status: s.to_string(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn aggregates_task_states_like_the_api() {
        assert_eq!(inv(&["PENDING", "PENDING"]).status(), "PENDING");
        assert_eq!(inv(&["RUNNING", "PENDING"]).status(), "RUNNING");
        assert_eq!(inv(&["SUCCESS", "RUNNING"]).status(), "RUNNING");
        assert_eq!(inv(&["SUCCESS", "SUCCESS"]).status(), "SUCCESS");
        assert_eq!(inv(&["FAILED", "FAILED"]).status(), "FAILED");
        assert_eq!(inv(&["TIMEOUT"]).status(), "TIMEOUT");
        assert_eq!(inv(&["SUCCESS", "FAILED"]).status(), "PARTIAL_FAILED");
        assert_eq!(inv(&["DELIVER_FAILED"]).status(), "FAILED");
        assert_eq!(
            inv(&["SUCCESS", "DELIVER_FAILED"]).status(),
            "PARTIAL_FAILED"
        );
    }

    #[test]
    fn long_output_is_cut_at_24_kb_and_counted() {
        let (out, dropped) = truncate_output("é".repeat(20_000));
        assert!(out.len() <= MAX_OUTPUT);
        assert_eq!(out.len() as u64 + dropped, 40_000);
        assert_eq!(truncate_output("ok".into()), ("ok".to_string(), 0));
    }
}
