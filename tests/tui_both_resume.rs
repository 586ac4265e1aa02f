//! "Both" is one run: its journal has one plan (role both) from the start,
//! the business half with what the wizard proposes, so a run stopped in the
//! session half — here after the copies launched — is resumed (by the same
//! engine `tcscale resume` and the Runs screen use) through the business
//! half to the end, with one journal and exactly the planned resources.

use crate::tui_support;

use crossterm::event::KeyCode;

use tcscale::audit::{delta, inventory};
use tcscale::scaleout::journal::{JournalStore, RunStatus, StepState};
use tcscale::scaleout::plan::Role;
use tcscale::scaleout::runner::record::RunRecord;
use tcscale::scaleout::runner::{resume, Engine};
use tcscale::tui::state::Screen;
use tui_support::Driver;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_stopped_in_its_session_half_resumes_through_the_business_half() {
    let dir = std::env::temp_dir().join(format!("tcscale-both-{}", uuid::Uuid::new_v4()));
    let mut d = Driver::journaled(&dir).await;
    let world = |d: &Driver| {
        d.session
            .sandbox
            .as_ref()
            .unwrap()
            .handle()
            .with_world(|w| inventory(w))
    };
    let before = world(&d);
    d.until("discovery", |a| a.arch.ready().is_some()).await;
    let business_server = d.app.arch.ready().unwrap().business_ids[0].clone();

    // Overview → "Both".
    d.key(KeyCode::Down);
    d.key(KeyCode::Down);
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Source);
    d.key(KeyCode::Enter);
    d.confirm("CreateImage");
    d.until("image NORMAL", |a| a.image.progress.is_done())
        .await;
    d.key(KeyCode::Enter);
    d.confirm("RunInstances");
    d.until("copies running", |a| a.launch.progress.is_done())
        .await;
    let run_id = d.session.engine.recorded(|r| r.id().to_string());

    // The user stops here. The journal: one plan for both halves, every
    // step of both listed, the run unfinished.
    let store = JournalStore::new(&dir);
    let j = store.load(&run_id).unwrap();
    let plan = j.plan.clone().expect("the wizard's plan");
    assert_eq!(plan.role, Role::Both);
    let business = plan.business.as_ref().expect("the business half's plan");
    assert_eq!(business.source, business_server);
    assert_eq!(business.count, 2);
    assert!(j.is_unfinished());
    assert!(
        j.steps
            .iter()
            .any(|s| s.phase == "business" && s.state == StepState::Pending),
        "{:?}",
        j.steps
    );

    // Resume, as the Runs screen does it: the rest of session, then business.
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let record = RunRecord::load(&store, &run_id, tcscale::i18n::Lang::En).unwrap();
    let eng: Engine = d.session.engine.for_record(record, tx);
    let outcome = resume(&eng).await.expect("resumed to the end");
    assert!(outcome.session.is_some() && outcome.business.is_some());

    let j = store.load(&run_id).unwrap();
    assert_eq!(j.status(), RunStatus::Done, "{:?}", j.steps);
    // What the Summary, the Runs screen and `tcscale resume` all say: the
    // session half left ins-tatoff01 (no TAT agent) on the old authServerUrl.
    let verdict = tcscale::scaleout::run::verdict(&j);
    assert_eq!(verdict.exit_code(), 4, "{verdict:?}");
    assert!(
        verdict
            .left()
            .iter()
            .any(|l| l.phase() == "session"
                && l.text(tcscale::i18n::Lang::En).contains("ins-tatoff01")),
        "{verdict:?}"
    );
    assert!(j
        .steps
        .iter()
        .filter(|s| s.phase == "business")
        .all(|s| matches!(s.state, StepState::Done | StepState::Skipped)));
    let made = delta(&before, &world(&d));
    assert_eq!(
        (made.images.len(), made.instances.len(), made.clbs.len()),
        (2, 4, 1),
        "one image and two copies per half, one internal CLB: {made:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A launch confirmed while the image is still being made is in the
/// journal's plan at once (count and all), before it is sent: a run killed
/// while it waits resumes with the launch the user confirmed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_launch_confirmed_while_the_image_builds_is_journaled_at_once() {
    let dir = std::env::temp_dir().join(format!("tcscale-note-{}", uuid::Uuid::new_v4()));
    let mut d = Driver::journaled(&dir).await;
    d.until("discovery", |a| a.arch.ready().is_some()).await;
    d.key(KeyCode::Enter); // session servers
    d.key(KeyCode::Enter); // the source
    d.confirm("CreateImage");
    d.until("the image id", |a| a.image.image_id.is_some())
        .await;
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Launch);
    d.until("the quota", |a| a.launch.quota.ready().is_some())
        .await;
    d.confirm("RunInstances");
    assert!(
        d.app.launch.waits_for_image,
        "confirmed before the image is ready"
    );
    let run_id = d.session.engine.recorded(|r| r.id().to_string());
    let store = JournalStore::new(&dir);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let session = loop {
        let j = store.load(&run_id).unwrap();
        let p = j.plan.and_then(|p| p.session).expect("the session plan");
        if p.instance_type.is_some() || std::time::Instant::now() > deadline {
            break p;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(
        d.app.launch.waits_for_image,
        "still waiting: {:?}",
        d.app.launch.progress
    );
    assert_eq!(session.count, 2);
    assert_eq!(
        session.reuse_image, None,
        "the image is the run's own step's"
    );
    assert!(session.instance_type.is_some());
    let _ = std::fs::remove_dir_all(&dir);
}
