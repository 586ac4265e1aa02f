//! The other half of the fault matrix: after failed asynchronous work
//! stopped a step (image CREATEFAILED, LAUNCH_FAILED, CLB task status 1,
//! TAT FAILED), the fault goes away and the user picks "retry"
//! (`tcscale resume ID`). The run then ends done with exactly the planned
//! resources: what the failed attempt left (a failed image, failed
//! instances) is replaced, not counted twice, and nothing stays that the
//! journal does not explain. Each outcome is printed as a matrix row.

use crate::e2e_support;

use e2e_support::*;
use tcscale::scaleout::journal::{ResourceKind, RunStatus};
use tcscale::sim::faults::FaultSpec;

/// (plan, planned new images, instances, CLBs)
const PLANS: [(&str, usize, usize, usize); 2] = [
    ("session-servers.toml", 1, 2, 1),
    ("business-servers.toml", 1, 2, 0),
];

async fn stop_then_retry(fault: &str) {
    for (plan, images, instances, clbs) in PLANS {
        let ctx = format!("{plan} {fault}");
        let h = sim(fault).await;
        let home = Home::new("retry");
        let before = h.with_world(|w| inventory(w));
        let path = plan_path(plan);
        let out = tcscale(&h, &home, &["apply", path.to_str().unwrap(), "--yes"], &[]).await;
        let stopped = !out.status.success();
        // The business flow runs no TAT command: tat-fail does not stop it.
        if !stopped {
            assert!(
                fault == "tat-fail=1" || fault.contains("0.5"),
                "{ctx}: {}",
                text(&out)
            );
            h.shutdown().await;
            continue;
        }
        let j = home.journal();
        assert_eq!(j.status(), RunStatus::Failed, "{ctx}: {}", text(&out));

        h.with_world(|w| w.faults = FaultSpec::default());
        let out = tcscale(&h, &home, &["resume", &j.run_id, "--yes"], &[]).await;
        assert_applied(&out, &format!("{ctx}: retry"));
        let after = h.with_world(|w| inventory(w));
        let d = delta(&before, &after);
        println!(
            "| {plan} | {fault} then retry | done | images +{} instances +{} CLBs +{} |",
            d.images.len(),
            d.instances.len(),
            d.clbs.len()
        );
        assert_eq!(
            (d.images.len(), d.instances.len(), d.clbs.len()),
            (images, instances, clbs),
            "{ctx}: exactly the planned resources after the retry"
        );
        let j = home.journal();
        assert_eq!(j.status(), RunStatus::Done, "{ctx}");
        if fault == "launch-fail=0.5" {
            // Seed 7 fails one of the two first instances: the one that ran is kept.
            let first_attempt: Vec<&str> = j
                .created_of(ResourceKind::Instance)
                .filter(|r| !r.detail.ends_with("-a2"))
                .map(|r| r.id.as_str())
                .collect();
            assert_eq!(first_attempt.len(), 2, "{ctx}: {first_attempt:?}");
            let kept = first_attempt
                .iter()
                .filter(|id| d.instances.contains(**id))
                .count();
            assert_eq!(kept, 1, "{ctx}: one first-attempt instance runs on");
        }
        assert_explained(&d, &j, &ctx);
        assert_sdk_configs_whole(&before, &after, &ctx);
        h.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_image_then_retry_ends_with_one_image() {
    stop_then_retry("image-fail=1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_launch_then_retry_ends_with_the_planned_instances() {
    stop_then_retry("launch-fail=1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_clb_task_then_retry_ends_with_one_clb() {
    stop_then_retry("task-fail=1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_tat_run_then_retry_updates_every_sdk_config() {
    stop_then_retry("tat-fail=1").await;
}

/// Half the launched instances fail: the retry keeps the ones that run,
/// terminates the failed ones and launches only the difference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partly_failed_launch_then_retry_keeps_the_running_instances() {
    stop_then_retry("launch-fail=0.5").await;
}

/// Killed inside the image step, after CreateImage was sent but before its
/// id reached the journal: CreateImage takes no ClientToken, so the resume
/// finds the image by its name and tcscale's source tag and waits on it,
/// instead of making a second one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_inside_the_image_step_reattaches_to_the_image_sent_before() {
    use tcscale::cloud::{Client, ClientConfig};
    use tcscale::i18n::Lang;
    use tcscale::scaleout::runner::image::{create_image, ImageInput};
    use tcscale::scaleout::runner::record::{Phase, RunRecord};
    use tcscale::scaleout::runner::{Engine, PollPolicy};

    let h = sim("").await;
    let client =
        Client::new(ClientConfig::new(h.credential(), REGION).with_endpoint(Some(h.endpoint())))
            .unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let record = RunRecord::interactive(REGION, None);
    let eng = Engine::new(
        client,
        tx,
        PollPolicy::with_speed(SPEED),
        Lang::En,
        record.clone(),
    );
    let input = ImageInput {
        instance_id: "ins-auth0001".into(),
        name: "mina_auth-midstep".into(),
        description: None,
        reuse_image_id: None,
    };
    let first = create_image(&eng, Phase::Session, &input, &|| {})
        .await
        .unwrap();
    // The resume starts from the journal as it was before the id was written.
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let resumed = Engine::new(
        eng.client.clone(),
        tx,
        PollPolicy::with_speed(SPEED),
        Lang::En,
        record,
    );
    let again = create_image(&resumed, Phase::Session, &input, &|| {})
        .await
        .unwrap();
    assert_eq!(again.image_id, first.image_id);
    let creates = h
        .requests()
        .iter()
        .filter(|r| r.action == "CreateImage")
        .count();
    assert_eq!(creates, 1, "one CreateImage");
    assert_eq!(
        resumed.recorded(|r| r.created().len()),
        1,
        "the image is journaled as this run's"
    );
    h.shutdown().await;
}
