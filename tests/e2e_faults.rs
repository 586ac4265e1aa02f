//! The fault matrix: `apply` of both flows under each fault the simulator
//! injects. Transient faults (throttling, InternalError, dropped
//! connections, slow answers) are ridden out and the run ends with exactly
//! the planned resources; failed asynchronous work (image, launch, CLB
//! task, TAT) stops the step with the API's reason, creates nothing more,
//! and leaves nothing the journal does not explain. Each outcome is printed
//! (`--nocapture`) as one row of the matrix.

use crate::e2e_support;

use std::collections::BTreeMap;

use e2e_support::*;
use tcscale::cli::apply::{apply_plan, load_plan};
use tcscale::i18n::Lang;
use tcscale::scaleout::journal::{JournalStore, StepState};
use tcscale::scaleout::runner::Progress;

struct Run {
    result: Result<(), String>,
    delta: Delta,
    sdk_updated: usize,
    failed_step: Option<String>,
    reconnecting: bool,
    counts: Counts,
}

/// What a doubled creation would show in the world, counted with
/// multiplicity (the inventory's sets would hide a rule added twice), and
/// how often the faults answered each action.
#[derive(Debug, Default)]
struct Counts {
    /// Inbound rules in all security groups.
    sg_rules: usize,
    /// (listener, instance, port) bindings, counted once each.
    bindings: BTreeMap<(String, String, i64), usize>,
    /// Per instance: TAT invocations that wrote an sdk.config.
    writes: BTreeMap<String, usize>,
    /// Per action: answers `InternalError`.
    internal_errors: BTreeMap<String, usize>,
    /// Connections dropped on creations without a ClientToken: the client
    /// hands these to the engine at once, which must say Reconnecting.
    dropped_untokened: usize,
}

/// Creations that carry no ClientToken (the client never repeats them).
const UNTOKENED: [&str; 5] = [
    "CreateImage",
    "CreateListener",
    "RegisterTargets",
    "CreateSecurityGroupPolicies",
    "RunCommand",
];

fn counts(h: &tcscale::sim::server::SimHandle) -> Counts {
    let mut c = h.with_world(|w| {
        let mut c = Counts {
            sg_rules: w.vpc.security_groups.iter().map(|g| g.ingress.len()).sum(),
            ..Counts::default()
        };
        for lb in &w.clb.load_balancers {
            for l in &lb.listeners {
                for t in &l.targets {
                    *c.bindings
                        .entry((l.id.clone(), t.instance_id.clone(), t.port))
                        .or_default() += 1;
                }
            }
        }
        for inv in w
            .tat
            .invocations
            .iter()
            .filter(|i| i.command_name == "tcscale-write")
        {
            for t in &inv.tasks {
                *c.writes.entry(t.instance_id.clone()).or_default() += 1;
            }
        }
        c
    });
    for e in h.requests() {
        if e.outcome == "InternalError" {
            *c.internal_errors.entry(e.action).or_default() += 1;
        } else if e.outcome == "(dropped)" && UNTOKENED.contains(&e.action.as_str()) {
            c.dropped_untokened += 1;
        }
    }
    c
}

async fn run(plan: &str, faults: &str) -> Run {
    let h = sim(faults).await;
    let before = h.with_world(|w| inventory(w));
    let s = session(&h);
    let plan = load_plan(&plan_path(plan), Lang::En).unwrap();
    let home = Home::new("faults");
    let store = JournalStore::new(home.dir.join("runs"));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let (id, result) = apply_plan(&s, &plan, Some(&store.dir), tx).await;
    let mut reconnecting = false;
    while let Ok(p) = rx.try_recv() {
        reconnecting |= matches!(p, Progress::Reconnecting { .. });
    }
    let after = h.with_world(|w| inventory(w));
    let counts = counts(&h);
    h.shutdown().await;
    let journal = store.load(&id).unwrap();
    let delta = delta(&before, &after);
    let ctx = faults.to_string();
    assert_explained(&delta, &journal, &ctx);
    let sdk_updated = assert_sdk_configs_whole(&before, &after, &ctx);
    let failed_step = journal.steps.iter().find_map(|s| match s.state {
        StepState::Failed { .. } => Some(format!("{}.{}", s.phase, s.step.title(Lang::En))),
        _ => None,
    });
    Run {
        result: result.map(|_| ()).map_err(|e| e.explain(Lang::En)),
        delta,
        sdk_updated,
        failed_step,
        reconnecting,
        counts,
    }
}

fn row(plan: &str, faults: &str, r: &Run) {
    println!(
        "| {plan} | {faults} | {} | images +{} instances +{} CLBs +{} sdk.config {} |",
        match (&r.result, &r.failed_step) {
            (Ok(()), _) => "done".to_string(),
            (Err(_), Some(s)) => format!("stopped at {s}"),
            (Err(e), None) => format!("stopped: {e}"),
        },
        r.delta.images.len(),
        r.delta.instances.len(),
        r.delta.clbs.len(),
        r.sdk_updated
    );
}

/// (plan, planned images, instances, CLBs)
const PLANS: [(&str, usize, usize, usize); 2] = [
    ("session-servers.toml", 1, 2, 1),
    ("business-servers.toml", 1, 2, 0),
];

/// Both plans under `faults` end done with exactly the planned resources;
/// returns whether Reconnecting was shown (in at least one of the runs:
/// which calls a fault hits depends on the order they reach the simulator,
/// and one plan alone makes few calls that are not retried below the engine).
async fn transient(faults: &str) -> bool {
    let mut reconnecting = false;
    for (plan, images, instances, clbs) in PLANS {
        let r = run(plan, faults).await;
        row(plan, faults, &r);
        r.result.unwrap_or_else(|e| panic!("{plan} {faults}: {e}"));
        assert_eq!(
            (
                r.delta.images.len(),
                r.delta.instances.len(),
                r.delta.clbs.len()
            ),
            (images, instances, clbs),
            "{plan} {faults}"
        );
        if plan.starts_with("session") {
            assert!(r.sdk_updated >= 2, "{plan} {faults}");
        }
        // Deterministic whatever calls the faults hit: a dropped creation
        // reaches the engine, which tells the user it is reconnecting.
        if r.counts.dropped_untokened > 0 {
            assert!(r.reconnecting, "{plan} {faults}: {:?}", r.counts);
        }
        reconnecting |= r.reconnecting;
    }
    reconnecting
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_internal_errors_are_ridden_out() {
    transient("throttle=0.2").await;
    transient("internal=0.2").await;
}

/// Every creating call tcscale makes: without a ClientToken (looked up after
/// an ambiguous answer) and with one (repeated with the same token).
const CREATING: &str = "CreateImage+RunInstances+CreateLoadBalancer+CreateListener+\
RegisterTargets+CreateSecurityGroupPolicies+RunCommand";

/// The ambiguous failure for real: each creating call takes effect, then
/// is answered `InternalError`. Nothing may double: tcscale looks for what
/// it asked for before asking again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_creation_answered_internal_error_after_it_took_effect_is_not_repeated() {
    let faults = format!("internal-after=1,actions={CREATING}");
    for (plan, images, instances, clbs) in PLANS {
        let r = run(plan, &faults).await;
        row(plan, "internal-after=1 on creations", &r);
        r.result.unwrap_or_else(|e| panic!("{plan}: {e}"));
        let c = &r.counts;
        assert_eq!(
            (
                r.delta.images.len(),
                r.delta.instances.len(),
                r.delta.clbs.len(),
                r.delta.listeners.len()
            ),
            (images, instances, clbs, clbs),
            "{plan}: {c:?}"
        );
        let doubled: Vec<_> = c.bindings.iter().filter(|(_, n)| **n > 1).collect();
        assert!(doubled.is_empty(), "{plan}: bound twice {doubled:?}");
        let rewritten: Vec<_> = c.writes.iter().filter(|(_, n)| **n > 1).collect();
        assert!(rewritten.is_empty(), "{plan}: written twice {rewritten:?}");
        // The fault really answered every kind of creation this plan makes.
        let hit = |a: &str| c.internal_errors.get(a).copied().unwrap_or(0);
        assert_eq!(hit("CreateImage"), 1, "{plan}: {c:?}");
        assert_eq!(hit("RunInstances"), 1, "{plan}: {c:?}");
        if plan.starts_with("session") {
            assert_eq!(r.sdk_updated, c.writes.len(), "{plan}: {c:?}");
            assert_eq!(hit("CreateLoadBalancer"), 1, "{plan}: {c:?}");
            assert_eq!(hit("CreateListener"), 1, "{plan}: {c:?}");
            assert!(hit("RunCommand") >= 2 * r.sdk_updated, "{plan}: {c:?}");
        }
        assert!(hit("RegisterTargets") >= 1, "{plan}: {c:?}");
    }
}

/// With the rules added by the session plan counted one by one: a rule
/// answered `InternalError` after it was added is found, not added again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_security_group_rule_answered_internal_error_is_added_once() {
    let clean = run("session-servers.toml", "").await;
    clean.result.unwrap();
    let faulty = run(
        "session-servers.toml",
        "internal-after=1,actions=CreateSecurityGroupPolicies",
    )
    .await;
    faulty.result.unwrap();
    assert!(!clean.delta.sg_rules.is_empty());
    assert_eq!(faulty.counts.sg_rules, clean.counts.sg_rules);
    assert_eq!(
        faulty.counts.internal_errors["CreateSecurityGroupPolicies"],
        clean.delta.sg_rules.len()
    );
}

/// A creation refused with `InternalError` every time (never applied) is
/// tried a bounded number of times, looked up between tries, and the step
/// stops with the API's error: nothing created, no endless loop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_creation_that_keeps_failing_ambiguously_stops_with_the_error() {
    let r = run("business-servers.toml", "internal=1,actions=CreateImage").await;
    let err = r.result.expect_err("stops");
    assert!(err.contains("InternalError"), "{err}");
    assert_eq!(r.delta.images.len(), 0);
    assert_eq!(r.delta.instances.len(), 0);
    // One first try and a bounded number of looked-up retries.
    let tries = r.counts.internal_errors["CreateImage"];
    assert!((2..=10).contains(&tries), "{tries} tries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_outage_shows_reconnecting_and_resumes_by_itself() {
    assert!(transient("drop=0.3").await, "Reconnecting shown");
    transient("timeout=0.1,timeout-secs=0.2").await;
}

/// A failed asynchronous operation stops its step with the reason; never
/// more than planned, and nothing after the failed step.
async fn stops(faults: &str, session_step: &str, business_step: Option<&str>, reason: &str) {
    for (plan, images, instances, clbs) in PLANS {
        let r = run(plan, faults).await;
        row(plan, faults, &r);
        assert!(r.delta.images.len() <= images, "{plan} {faults}");
        assert!(r.delta.instances.len() <= instances, "{plan} {faults}");
        assert!(r.delta.clbs.len() <= clbs, "{plan} {faults}");
        let expected = if plan.starts_with("session") {
            Some(session_step)
        } else {
            business_step
        };
        match expected {
            Some(step) => {
                let err = r.result.expect_err(&format!("{plan} {faults}"));
                assert!(err.contains(reason), "{plan} {faults}: {err}");
                assert_eq!(
                    r.failed_step.as_deref(),
                    Some(step),
                    "{plan} {faults}: {err}"
                );
                assert_eq!(r.sdk_updated, 0, "{plan} {faults}");
            }
            None => {
                r.result.unwrap_or_else(|e| panic!("{plan} {faults}: {e}"));
                assert_eq!(
                    (r.delta.images.len(), r.delta.instances.len()),
                    (images, instances)
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_images_and_launches_stop_the_step_with_the_reason() {
    stops(
        "image-fail=1",
        "session.Image",
        Some("business.Image"),
        "CreateImage",
    )
    .await;
    stops(
        "launch-fail=1",
        "session.Launch",
        Some("business.Launch"),
        "RunInstances",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_clb_tasks_and_tat_runs_stop_the_step_with_the_reason() {
    stops(
        "task-fail=1",
        "session.Load balancer",
        Some("business.Bind"),
        "task",
    )
    .await;
    // The business flow runs no TAT command.
    stops("tat-fail=1", "session.sdk.config", None, "TAT").await;
}

/// The overlapped session phase: a load balancer that cannot be made stops
/// the other branch before it launches (paid) copies, and the run reports
/// the load balancer's failure, not the halt it caused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_load_balancer_stops_the_copies_before_they_launch() {
    let r = run("session-servers.toml", "task-fail=1").await;
    let err = r.result.expect_err("stops");
    assert!(err.contains("task"), "{err}");
    assert_eq!(r.failed_step.as_deref(), Some("session.Load balancer"));
    assert_eq!(r.delta.instances.len(), 0, "no copies launched");
    assert!(r.delta.images.len() <= 1);
    assert_eq!(r.sdk_updated, 0);
}
