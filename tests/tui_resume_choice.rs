//! A wizard run follows the user's choices when it is resumed: the user
//! picked an existing CLB and the run stopped before Bind; resuming it from
//! its journal binds to that CLB and creates none (the plan default for
//! session servers would have been a new CLB).

mod tui_support;

use std::time::Duration;

use crossterm::event::KeyCode;

use tcscale::cloud::models::clb;
use tcscale::scaleout::runner::{prepare_retry, run_plan, Engine};
use tcscale::tui::state::*;
use tui_support::Driver;

const EXISTING: &str = "lb-ops4int1";

async fn clb_count(d: &Driver) -> u64 {
    d.session
        .engine
        .client
        .call(&clb::DescribeLoadBalancersRequest::default())
        .await
        .unwrap()
        .total_count
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resuming_a_wizard_run_keeps_the_existing_clb_the_user_picked() {
    let mut d = Driver::new().await;
    d.until("discovery", |a| a.arch.ready().is_some()).await;
    d.key(KeyCode::Enter); // scale out session servers
    d.key(KeyCode::Enter); // the session server
    d.confirm("CreateImage");
    d.until("image NORMAL", |a| a.image.progress.is_done())
        .await;
    d.key(KeyCode::Enter);
    d.confirm("RunInstances");
    d.until("instances RUNNING", |a| a.launch.progress.is_done())
        .await;
    let new_ids: Vec<String> = d
        .app
        .launch
        .instances
        .iter()
        .map(|(i, _)| i.clone())
        .collect();
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::LoadBalancer);
    let row = d
        .app
        .lb_choices()
        .iter()
        .position(|c| c.id == EXISTING)
        .expect("the existing internal CLB is offered");
    while d.app.lb.cursor != row {
        d.key(KeyCode::Up);
    }
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Bind);

    // The choice reaches the journal's plan (written by a job, without a call).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let plan = loop {
        let plan = d.session.engine.recorded(|r| r.journal.plan.clone());
        if plan
            .as_ref()
            .and_then(|p| p.session.as_ref())
            .and_then(|s| s.clb.as_deref())
            == Some(EXISTING)
        {
            break plan.unwrap();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the CLB choice is journaled: {plan:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // The user stops here; the run is resumed from its journal.
    let before = clb_count(&d).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let record = d.session.engine.recorded(|r| r.clone());
    let eng = Engine::new(
        d.session.engine.client.clone(),
        tx,
        d.session.engine.poll,
        d.session.engine.lang,
        record,
    );
    prepare_retry(&eng).unwrap();
    let outcome = run_plan(&eng, &plan)
        .await
        .unwrap_or_else(|e| panic!("resume: {e}"));
    assert_eq!(clb_count(&d).await, before, "no CLB created by the resume");
    let session = outcome.session.expect("the session phase ran");
    assert_eq!(session.load_balancer_id, EXISTING);
    assert_eq!(session.instance_ids, new_ids, "the instances are reused");
    for id in &new_ids {
        assert!(session.bound.contains(id), "{id} bound: {session:?}");
    }
    if let Some(sb) = d.session.sandbox.take() {
        sb.shutdown().await;
    }
}
