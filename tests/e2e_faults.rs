//! The fault matrix: `apply` of both flows under each fault the simulator
//! injects. Transient faults (throttling, InternalError, dropped
//! connections, slow answers) are ridden out and the run ends with exactly
//! the planned resources; failed asynchronous work (image, launch, CLB
//! task, TAT) stops the step with the API's reason, creates nothing more,
//! and leaves nothing the journal does not explain. Each outcome is printed
//! (`--nocapture`) as one row of the matrix.

mod e2e_support;

use e2e_support::*;
use tcscale::cli::apply::{apply_plan, load_plan, Session};
use tcscale::cloud::{Client, ClientConfig};
use tcscale::i18n::Lang;
use tcscale::scaleout::journal::{JournalStore, StepState};
use tcscale::scaleout::runner::{PollPolicy, Progress};

struct Run {
    result: Result<(), String>,
    delta: Delta,
    sdk_updated: usize,
    failed_step: Option<String>,
    reconnecting: bool,
}

async fn run(plan: &str, faults: &str) -> Run {
    let h = sim(faults).await;
    let before = h.with_world(|w| inventory(w));
    let config = ClientConfig::new(h.credential(), REGION).with_endpoint(Some(h.endpoint()));
    let s = Session {
        client: Client::new(config).unwrap(),
        region: REGION.into(),
        lang: Lang::En,
        poll: PollPolicy::with_speed(SPEED),
        sandbox: None,
    };
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
/// returns whether Reconnecting was shown in every run.
async fn transient(faults: &str) -> bool {
    let mut reconnecting = true;
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
        reconnecting &= r.reconnecting;
    }
    reconnecting
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_internal_errors_are_ridden_out() {
    transient("throttle=0.2").await;
    transient("internal=0.2").await;
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
