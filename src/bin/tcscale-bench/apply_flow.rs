//! Figures 1 and 2: `tcscale apply` of the session-server plan against the
//! simulator (default step durations, run `speed` times faster, the engine
//! told the same speed so it polls as it would the real cloud), timed as a
//! whole process; then the simulator's request log, read back per operation.
//!
//! Every asynchronous operation of the session flow runs after the previous
//! one, so the cloud's critical path is the sum of their simulated
//! durations: image + launch + CLB creation + one CLB task per listener and
//! per RegisterTargets batch + one TAT run per RunCommand (+ whatever health
//! check time is left after the last of them). Everything above it is
//! tcscale's overhead: polls that land after the end, process start,
//! requests, journal writes.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use tcscale::sim::server::{LogEntry, SimConfig};
use tcscale::sim::world::Durations;

use crate::report::{failed, Figure};
use crate::simhost::{package_bin, LocalSim};

const NAME1: &str = "1. overhead over the critical path";
const TARGET1: &str = "<= 5 % or <= 0.5 s (larger)";
const NAME2: &str = "2. polling cost";
const TARGET2: &str = "<= 1 call/s per op, 0 after done";

/// One asynchronous operation found in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    pub start_action: String,
    pub poll_action: &'static str,
    /// Simulated time of the call that started it, and its duration.
    pub start: f64,
    pub duration: f64,
    /// Polls between its start and the next operation's start.
    pub polls: Vec<f64>,
}

impl Op {
    pub fn end(&self) -> f64 {
        self.start + self.duration
    }
    /// Polls after the one that could first see the end.
    pub fn after_done(&self) -> usize {
        self.polls
            .iter()
            .filter(|t| **t >= self.end())
            .count()
            .saturating_sub(1)
    }
    /// Polls per second of the operation's life (at least one second).
    pub fn rate(&self) -> f64 {
        self.polls.len() as f64 / self.duration.max(1.0)
    }
}

/// What starts an asynchronous operation, what polls it, and how long it takes.
fn classify(action: &str, d: &Durations) -> Option<(&'static str, f64)> {
    Some(match action {
        "CreateImage" => ("DescribeImages", d.image),
        "RunInstances" => ("DescribeInstances", d.launch),
        "CreateLoadBalancer" => ("DescribeTaskStatus", d.clb_create),
        "CreateListener" | "RegisterTargets" => ("DescribeTaskStatus", d.clb_task),
        "RunCommand" => ("DescribeInvocationTasks", d.tat_run),
        _ => return None,
    })
}

/// The operations of a sequential run, in order. A DryRun (flagged in the
/// log, or, in older logs, a RunInstances followed by another) starts nothing.
pub fn operations(log: &[LogEntry], d: &Durations) -> Vec<Op> {
    let ok: Vec<&LogEntry> = log.iter().filter(|e| e.outcome == "OK").collect();
    let mut ops: Vec<Op> = Vec::new();
    for (i, e) in ok.iter().enumerate() {
        let Some((poll, duration)) = classify(&e.action, d) else {
            if let Some(op) = ops.last_mut() {
                if e.action == op.poll_action {
                    op.polls.push(e.time);
                }
            }
            continue;
        };
        let dry_run = e.dry_run
            || e.action == "RunInstances"
                && ok[i + 1..]
                    .iter()
                    .find(|n| classify(&n.action, d).is_some())
                    .is_some_and(|n| n.action == "RunInstances");
        if dry_run {
            continue;
        }
        ops.push(Op {
            start_action: e.action.clone(),
            poll_action: poll,
            start: e.time,
            duration,
            polls: Vec::new(),
        });
    }
    ops
}

/// The cloud's critical path of a sequential run: the operations' durations,
/// plus the health check time left after the last binding's task.
pub fn critical_path(ops: &[Op], d: &Durations) -> f64 {
    let sum: f64 = ops.iter().map(|o| o.duration).sum();
    let last_bind_end = ops
        .iter()
        .filter(|o| o.start_action == "RegisterTargets")
        .map(Op::end)
        .fold(f64::NAN, f64::max);
    let after_bind: f64 = ops
        .iter()
        .filter(|o| o.start >= last_bind_end)
        .map(|o| o.duration)
        .sum();
    let health_left = if last_bind_end.is_nan() {
        0.0
    } else {
        (d.health - after_bind).max(0.0)
    };
    sum + health_left
}

pub fn run(quick: bool) -> Vec<Figure> {
    match measure(quick) {
        Ok(f) => f,
        Err(e) => vec![failed(NAME1, TARGET1, e.clone()), failed(NAME2, TARGET2, e)],
    }
}

fn measure(quick: bool) -> Result<Vec<Figure>, String> {
    // Speed 1 is the real cloud's pace: tcscale's own time (requests, journal
    // writes, process start) counts as it would, not multiplied by the speed.
    let speed = if quick { 200.0 } else { 1.0 };
    let durations = Durations::default();
    let sim = LocalSim::start(SimConfig {
        speed,
        ..SimConfig::default()
    })?;
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/plans/session-servers.toml");
    let data = std::env::temp_dir().join(format!("tcscale-bench-{}", std::process::id()));
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let bin = package_bin("tcscale")?;
    let t0 = sim.handle.now();
    let start = Instant::now();
    let out = Command::new(&bin)
        .args(["--endpoint", &sim.handle.endpoint()])
        .args(["--secret-id", &sim.handle.secret_id])
        .args(["--secret-key", &sim.handle.secret_key])
        .args(["--region", crate::simhost::REGION, "--lang", "en", "apply"])
        .arg(&plan)
        .args(["--yes", "--poll-speed", &speed.to_string()])
        .env("TCSCALE_DATA_DIR", &data)
        .env("XDG_DATA_HOME", &data)
        .env("HOME", &data)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let wall = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&data);
    if !out.status.success() {
        return Err(format!(
            "apply failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    let log = sim.handle.requests();
    let ops = operations(&log, &durations);
    let cp = critical_path(&ops, &durations);
    let measured = wall * speed;
    let overhead = measured - cp;
    let allowed = (0.05 * cp).max(0.5);
    let fig1 = Figure::new(
        NAME1,
        format!(
            "{overhead:.2} s over {cp:.0} s ({:.1} %)",
            overhead / cp * 100.0
        ),
        TARGET1,
        Some(overhead <= allowed),
    )
    .note(format!(
        "whole `tcscale apply` process {wall:.3} s wall at simulator speed {speed} = {measured:.2} simulated s; {} operations on the path; {} API calls; first call at sim {:.2} s",
        ops.len(),
        log.len(),
        log.first().map(|e| e.time - t0).unwrap_or(0.0)
    ));
    let mut fig2_notes = Vec::new();
    let mut worst_rate: f64 = 0.0;
    let mut after = 0;
    let mut polls = 0;
    for op in &ops {
        worst_rate = worst_rate.max(op.rate());
        after += op.after_done();
        polls += op.polls.len();
        fig2_notes.push(format!(
            "{:<18} {:>5.1} s  {:>2} × {:<24} {:.2} call/s, {} after done, done seen {:+.2} s after the end",
            op.start_action,
            op.duration,
            op.polls.len(),
            op.poll_action,
            op.rate(),
            op.after_done(),
            op.polls
                .iter()
                .find(|t| **t >= op.end())
                .map(|t| t - op.end())
                .unwrap_or(f64::NAN)
        ));
    }
    let mut fig2 = Figure::new(
        NAME2,
        format!(
            "max {worst_rate:.2} call/s/op, {} polls / {} ops, {after} after done",
            polls,
            ops.len()
        ),
        TARGET2,
        Some(worst_rate <= 1.0 && after == 0 && !ops.is_empty()),
    );
    fig2.notes = fig2_notes;
    Ok(vec![fig1, fig2])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(time: f64, action: &str) -> LogEntry {
        LogEntry {
            time,
            service: String::new(),
            action: action.into(),
            region: String::new(),
            outcome: "OK".into(),
            request_id: String::new(),
            dry_run: false,
        }
    }

    #[test]
    fn operations_and_critical_path_from_a_log() {
        let d = Durations::default();
        let log = vec![
            e(0.0, "DescribeImages"),
            e(0.1, "CreateImage"),
            e(30.0, "DescribeImages"),
            e(60.5, "DescribeImages"),
            e(60.6, "RunInstances"), // dry run
            e(60.7, "RunInstances"),
            e(91.0, "DescribeInstances"),
            e(91.1, "DescribeInstances"),
            e(91.2, "RegisterTargets"),
            e(94.5, "DescribeTaskStatus"),
        ];
        let ops = operations(&log, &d);
        assert_eq!(ops.len(), 3);
        assert_eq!(ops[0].polls, vec![30.0, 60.5]);
        assert_eq!(ops[0].after_done(), 0);
        assert_eq!(ops[1].start, 60.7);
        assert_eq!(ops[1].after_done(), 1);
        assert_eq!(ops[2].polls.len(), 1);
        // 60 + 30 + 3, then 5 s of health check after the binding
        assert_eq!(critical_path(&ops, &d), 98.0);
    }
}
