//! The wizard does not make the user wait for the cloud: while the image
//! builds they fill in the launch form and confirm it (the launch goes the
//! moment the image is ready), while the copies launch they make the load
//! balancer, and the Bind screen lists the copies as soon as they run. The
//! work still going shows in a status line on every later screen. Driven
//! with keys against the sandbox; the order of the calls is read from the
//! simulator's request log.

use crate::tui_support;

use crossterm::event::KeyCode;

use tcscale::tui::state::*;
use tui_support::Driver;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn later_screens_are_filled_in_while_the_image_builds_and_the_copies_launch() {
    let mut d = Driver::new().await;
    d.until("discovery", |a| a.arch.ready().is_some()).await;
    d.key(KeyCode::Enter); // scale out session servers
    d.key(KeyCode::Enter); // the source
    assert_eq!(d.app.screen, Screen::Image);
    d.confirm("CreateImage");
    d.until("the image's id", |a| a.image.image_id.is_some())
        .await;
    assert!(d.app.image.progress.is_running(), "still CREATING");

    // On to the launch form while the image builds; its progress follows.
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Launch);
    let behind = d.app.background_work();
    assert_eq!(behind.len(), 1, "{behind:?}");
    assert!(behind[0].0.contains("img-"), "{behind:?}");
    d.confirm("RunInstances");
    assert!(d.app.launch.waits_for_image);
    assert!(d.app.launch.progress.is_running());

    // On to the load balancer while the launch waits: make it now.
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::LoadBalancer);
    let behind = d.app.background_work();
    assert_eq!(behind.len(), 2, "image and launch: {behind:?}");
    assert_eq!(d.app.lb.cursor, d.app.lb_choices().len(), "create");
    d.confirm("CreateLoadBalancer");
    d.until("the CLB", |a| a.screen == Screen::Bind).await;

    // Bind waits for the copies: nothing listed, Enter does nothing.
    let launched = d.app.launch.progress.is_done();
    if !launched {
        assert!(d.app.bind.rows.is_empty());
        d.key(KeyCode::Enter);
        assert!(d.app.confirm.is_none(), "no bind before the copies run");
    }
    d.until("the copies RUNNING", |a| a.launch.progress.is_done())
        .await;
    assert!(d.app.background_work().is_empty());
    let new_ids = d.launched_ids();
    assert_eq!(new_ids.len(), 2);
    let checked = d.app.bound_ids();
    for id in &new_ids {
        assert!(checked.contains(id), "{id} listed and pre-selected");
    }
    d.confirm("RegisterTargets");
    d.until("binding and health", |a| a.bind.progress.is_done())
        .await;

    // The cloud saw the overlap: the CLB was asked for before the launch,
    // and the launch only once the image was ready.
    let sim = d.session.sandbox.as_ref().expect("sandbox").handle();
    let log = sim.requests();
    let first = |a: &str| {
        log.iter()
            .filter(|e| e.action == a && e.outcome == "OK" && !e.dry_run)
            .map(|e| e.time)
            .fold(f64::INFINITY, f64::min)
    };
    assert!(first("CreateLoadBalancer") < first("RunInstances"));
    // The launch form's price never asked about the image still being made.
    let refused: Vec<_> = log
        .iter()
        .filter(|e| e.action == "InquiryPriceRunInstances" && e.outcome != "OK")
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
    let image = d.app.image.image_id.clone().unwrap();
    let ready_at = sim.with_world(|w| {
        let img = w.cvm.images.iter().find(|i| i.id() == image).unwrap();
        img.created_at.unwrap() + w.duration(w.durations.image, img.id())
    });
    assert!(
        first("RunInstances") >= ready_at,
        "launched at {} before the image was ready at {ready_at}",
        first("RunInstances")
    );
}
