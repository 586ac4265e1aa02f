//! `tcscale apply PLAN.toml [--yes]`: the wizard's flow without a terminal.
//! Without `--yes` it prints the plan and every API call it will make, and
//! exits 0 having changed nothing; with `--yes` it performs the plan, one
//! line per step and per live event, and ends with the ids created.
//!
//! Exit codes: 0 done (or previewed); 1 a step failed (the run is journaled:
//! `tcscale resume ID` / `tcscale cleanup ID`); 2 nothing was done (bad plan,
//! no credentials, bad option).

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use tokio::sync::mpsc;

use super::GlobalOpts;
use crate::cloud::credentials::{resolve, CredentialEnv, ExplicitCredentials};
use crate::cloud::{Client, ClientConfig, Secret};
use crate::i18n::{t, tf, Lang};
use crate::scaleout::runner::flow::{Flow, PhaseSpec, RunOutcome, RunSpec};
use crate::scaleout::runner::load_balancer::ClbChoice;
use crate::scaleout::runner::record::{runs_dir, RunRecord};
use crate::scaleout::runner::{run_plan, Engine, PollPolicy, Progress, StepError};

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The plan file (see assets/plans/*.toml).
    pub plan: PathBuf,
    /// Perform the plan (without it: print the plan and the API calls, change nothing).
    #[arg(long)]
    pub yes: bool,
    /// How much faster than the real cloud the endpoint runs (the simulator's
    /// --speed): polls are spaced accordingly. Leave at 1 for the real cloud.
    #[arg(long, default_value_t = 1.0, hide = true)]
    pub poll_speed: f64,
}

/// Where the calls go and with which keys, plus the simulator when `--sandbox`.
pub struct Session {
    pub client: Client,
    pub region: String,
    pub lang: Lang,
    pub poll: PollPolicy,
    /// Keeps the in-process simulator alive for the session.
    pub sandbox: Option<Box<dyn std::any::Any + Send>>,
}

/// How fast the sandbox runs: the whole guide in about a minute.
pub const SANDBOX_SPEED: f64 = 10.0;

/// Starts the in-process simulator: its endpoint, keys, a guard that keeps
/// it running, and its speed (polls are spaced to match).
async fn start_sandbox() -> Result<
    (
        String,
        crate::cloud::Credential,
        Box<dyn std::any::Any + Send>,
        f64,
    ),
    String,
> {
    let handle = crate::sim::server::start(crate::sim::server::SimConfig {
        speed: SANDBOX_SPEED,
        ..Default::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    Ok((
        handle.endpoint(),
        handle.credential(),
        Box::new(handle),
        SANDBOX_SPEED,
    ))
}

pub fn ui_lang(global: &GlobalOpts) -> Lang {
    global
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_else(Lang::from_env)
}

/// Credentials from the chain (flags, env, tccli profile, config) or the sandbox.
pub async fn open_session(global: &GlobalOpts, poll_speed: f64) -> Result<Session, String> {
    let lang = ui_lang(global);
    let mut poll = PollPolicy::with_speed(poll_speed);
    if global.sandbox {
        let (endpoint, credential, guard, speed) = start_sandbox().await?;
        let region = global
            .region
            .clone()
            .unwrap_or_else(|| crate::cloud::credentials::DEFAULT_REGION.to_string());
        let config = ClientConfig::new(credential, &region)
            .with_endpoint(Some(endpoint))
            .with_language(Some(lang.code().to_string()));
        poll = PollPolicy::with_speed(speed.max(poll_speed));
        let client = Client::new(config).map_err(|e| e.to_string())?;
        return Ok(Session {
            client,
            region,
            lang,
            poll,
            sandbox: Some(guard),
        });
    }
    let explicit = ExplicitCredentials {
        secret_id: global.secret_id.clone(),
        secret_key: global.secret_key.clone().map(Secret::new),
        token: None,
        region: global.region.clone(),
        profile: global.profile.clone(),
    };
    let resolved =
        resolve(&explicit, &CredentialEnv::from_process()).map_err(|e| e.message(lang))?;
    let config = ClientConfig::new(resolved.credential, &resolved.region)
        .with_endpoint(global.endpoint.clone())
        .with_language(Some(lang.code().to_string()));
    let client = Client::new(config).map_err(|e| e.to_string())?;
    Ok(Session {
        client,
        region: resolved.region,
        lang,
        poll,
        sandbox: None,
    })
}

/// Reads and validates a plan file; errors carry line numbers.
pub fn load_plan(path: &Path, lang: Lang) -> Result<(String, RunSpec), String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        tf(
            lang,
            "engine.apply.cannot_read",
            &[("path", &path.display()), ("error", &e)],
        )
    })?;
    let spec = crate::scaleout::runner::plan_spec::spec_from_text(&text, lang)?;
    Ok((text, spec))
}

/// Runs a plan (new run) to the end, sending progress to `progress`.
/// The library entry point of `apply` (tests call it directly).
pub async fn apply_spec(
    session: &Session,
    plan_text: &str,
    spec: &RunSpec,
    journal_dir: Option<&Path>,
    progress: mpsc::UnboundedSender<Progress>,
) -> (String, Result<RunOutcome, StepError>) {
    let record = RunRecord::new(&session.region, plan_text, journal_dir);
    let id = record.id.clone();
    let eng = Engine::new(
        session.client.clone(),
        progress,
        session.poll,
        session.lang,
        record,
    );
    if let Err(e) = eng.journal(|_| ()) {
        return (id, Err(e));
    }
    (id, run_plan(&eng, spec).await)
}

/// Continues a journaled run.
pub async fn resume_record(
    session: &Session,
    record: RunRecord,
    spec: &RunSpec,
    progress: mpsc::UnboundedSender<Progress>,
) -> Result<RunOutcome, StepError> {
    let eng = Engine::new(
        session.client.clone(),
        progress,
        session.poll,
        session.lang,
        record,
    );
    eng.journal(|r| r.status = crate::scaleout::runner::record::RunStatus::Running)?;
    run_plan(&eng, spec).await
}

/// Prints progress as lines; returns when the sender side is dropped.
pub async fn print_progress(mut rx: mpsc::UnboundedReceiver<Progress>, lang: Lang) {
    let mut last_countdown: Option<u64> = None;
    while let Some(p) = rx.recv().await {
        if let Some(line) = progress_line(&p, lang, &mut last_countdown) {
            println!("{line}");
        }
    }
}

pub fn step_title(step: crate::scaleout::runner::StepName, lang: Lang) -> String {
    t(lang, &format!("engine.step.{}", step.key()))
}

/// One line for one event (None: nothing worth a line, e.g. a countdown tick).
pub fn progress_line(p: &Progress, lang: Lang, countdown: &mut Option<u64>) -> Option<String> {
    if !matches!(p, Progress::Reconnecting { .. }) {
        *countdown = None;
    }
    Some(match p {
        Progress::StepStarted { step } => format!("▶ {}", step_title(*step, lang)),
        Progress::StepDone { step, summary } => format!("✓ {} {summary}", step_title(*step, lang)),
        Progress::StepFailed { step, error } => format!("✗ {}: {error}", step_title(*step, lang)),
        Progress::ImageState { id, state, elapsed } => format!(
            "  {}",
            tf(
                lang,
                "engine.line.image",
                &[("id", id), ("state", state), ("secs", &elapsed.as_secs())]
            )
        ),
        Progress::InstanceState { id, state } => format!("  {id} {state}"),
        Progress::Task {
            clb,
            task_id,
            status,
        } => {
            let s = match status {
                0 => t(lang, "engine.line.task_done"),
                1 => t(lang, "engine.line.task_failed"),
                _ => t(lang, "engine.line.task_running"),
            };
            format!(
                "  {}",
                tf(
                    lang,
                    "engine.line.task",
                    &[("clb", clb), ("task", task_id), ("status", &s)]
                )
            )
        }
        Progress::TargetBound { instance } => {
            format!("  {}", tf(lang, "engine.line.bound", &[("id", instance)]))
        }
        Progress::TargetHealth { instance, status } => format!(
            "  {}",
            tf(
                lang,
                "engine.line.health",
                &[("id", instance), ("status", status)]
            )
        ),
        Progress::TatOutput {
            instance,
            status,
            output,
        } => {
            let first = output.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            format!("  {instance} TAT {status} {first}")
        }
        Progress::Retrying { reason, wait } => format!(
            "  {}",
            tf(
                lang,
                "engine.line.retrying",
                &[
                    ("reason", reason),
                    ("secs", &format!("{:.1}", wait.as_secs_f64()))
                ]
            )
        ),
        Progress::Reconnecting { seconds_left } => {
            // One line per countdown, not one per second.
            if countdown.is_some() {
                *countdown = Some(*seconds_left);
                return None;
            }
            *countdown = Some(*seconds_left);
            format!(
                "  {}",
                tf(lang, "engine.line.reconnecting", &[("secs", seconds_left)])
            )
        }
        Progress::Log(m) => format!("  {m}"),
    })
}

/// The closing lines: every id created.
pub fn outcome_lines(outcome: &RunOutcome, lang: Lang) -> Vec<String> {
    let mut out = vec![tf(lang, "engine.apply.done", &[("id", &outcome.run_id)])];
    for (name, phase) in [
        ("session", &outcome.session),
        ("business", &outcome.business),
    ] {
        let Some(p) = phase else { continue };
        out.push(format!(
            "  {name}: image {} · instances {} · CLB {} (VIP {}) · listeners {} · bound {}",
            p.image_id,
            p.instance_ids.join(" "),
            p.load_balancer_id,
            p.vip,
            p.listener_ids.join(" "),
            p.bound.join(" ")
        ));
    }
    out
}

/// The preview: the plan in words and every API call it will make.
pub fn preview_lines(spec: &RunSpec, lang: Lang) -> Vec<String> {
    let mut out = vec![t(lang, "engine.preview.title")];
    let phases: Vec<(&str, &PhaseSpec)> = match spec.flow {
        Flow::Session => spec.session.iter().map(|s| ("session", s)).collect(),
        Flow::Business => spec.business.iter().map(|s| ("business", s)).collect(),
        Flow::Both => spec
            .session
            .iter()
            .map(|s| ("session", s))
            .chain(spec.business.iter().map(|s| ("business", s)))
            .collect(),
    };
    for (name, p) in phases {
        out.push(format!(
            "[{name}] {} ×{} ← {}",
            t(lang, "engine.preview.copies"),
            p.count,
            p.source_instance
        ));
        let mut calls: Vec<String> = vec![
            "cvm.DescribeInstances, clb.DescribeLoadBalancers, clb.DescribeTargets, clb.DescribeListeners".into(),
        ];
        match &p.reuse_image {
            Some(id) => calls.push(format!("cvm.DescribeImages ImageIds=[{id}]")),
            None => calls.push(format!(
                "cvm.DescribeImages (image-name={}) → cvm.CreateImage InstanceId={} ImageName={} → cvm.DescribeImages until NORMAL",
                p.image_name, p.source_instance, p.image_name
            )),
        }
        calls.push(format!(
            "cvm.RunInstances DryRun=true, then cvm.RunInstances InstanceCount={} ClientToken=<run>-{name}.launch (zone/project/VPC/subnet/SGs of {}) → cvm.DescribeInstances until RUNNING",
            p.count, p.source_instance
        ));
        if name == "session" {
            match &p.clb {
                Some(ClbChoice::Existing(id)) => calls.push(format!("clb.DescribeLoadBalancers LoadBalancerIds=[{id}]")),
                _ => calls.push("clb.CreateLoadBalancer LoadBalancerType=INTERNAL ClientToken=<run>-session.load-balancer → clb.DescribeTaskStatus".into()),
            }
            calls.push(format!(
                "clb.DescribeListeners → clb.CreateListener Protocol=TCP Ports=[{}] → clb.DescribeTaskStatus",
                p.listener_port
            ));
            calls.push(format!(
                "clb.DescribeTargets → clb.RegisterTargets (eligible session servers, port {}, batches of 20) → clb.DescribeTaskStatus",
                p.backend_port
            ));
            calls.push(if p.fix_security_groups {
                "vpc.DescribeSecurityGroupPolicies → vpc.CreateSecurityGroupPolicies (only where the VIP is not allowed)".into()
            } else {
                "vpc.DescribeSecurityGroupPolicies (check only)".into()
            });
            if p.update_sdk_config {
                calls.push("tat.RunCommand (read sdk.config) → tat.DescribeInvocationTasks → tat.RunCommand (compare-and-swap write, backup, restart) on every business server".into());
            }
        } else {
            calls.push("clb.DescribeTargets → clb.RegisterTargets (the public CLB's listeners of the source, same ports) → clb.DescribeTaskStatus".into());
        }
        calls.push("clb.DescribeTargetHealth".into());
        out.extend(calls.into_iter().map(|c| format!("  · {c}")));
    }
    out.push(t(lang, "engine.preview.confirm"));
    out
}

pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

pub fn run(global: &GlobalOpts, args: ApplyArgs) -> i32 {
    let lang = ui_lang(global);
    let (text, spec) = match load_plan(&args.plan, lang) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    if !args.yes {
        for line in preview_lines(&spec, lang) {
            println!("{line}");
        }
        return 0;
    }
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    rt.block_on(async {
        let session = match open_session(global, args.poll_speed).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let printer = tokio::spawn(print_progress(rx, lang));
        let dir = runs_dir();
        let (id, result) = apply_spec(&session, &text, &spec, Some(&dir), tx).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), printer).await;
        finish(&id, result, lang)
    })
}

/// Prints the outcome or the failure with what to do next; the exit code.
pub fn finish(id: &str, result: Result<RunOutcome, StepError>, lang: Lang) -> i32 {
    match result {
        Ok(outcome) => {
            for line in outcome_lines(&outcome, lang) {
                println!("{line}");
            }
            0
        }
        Err(e) => {
            eprintln!("{}", e.explain(lang));
            eprintln!("{}", tf(lang, "engine.apply.failed_next", &[("id", &id)]));
            1
        }
    }
}
