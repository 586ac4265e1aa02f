//! A wizard run follows the user's choices when it is resumed: the user
//! picked an existing CLB and the run stopped before Bind; resuming it from
//! its journal binds to that CLB and creates none (the plan default for
//! session servers would have been a new CLB).

use crate::tui_support;

use std::time::Duration;

use crossterm::event::KeyCode;

use tcscale::cloud::models::clb;
use tcscale::scaleout::runner::{prepare_retry, run_plan, Engine};
use tcscale::tui::state::*;
use tui_support::Driver;

/// An internal CLB of the session servers' project and VPC, added to the
/// sandbox (whose own `lb-ops4int1` is in another project: not offered).
const EXISTING: &str = "lb-same4int";
const OTHER_PROJECT: &str = "lb-ops4int1";

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
    let sim = d.session.sandbox.as_ref().expect("sandbox").handle();
    sim.with_world(|w| tui_support::add_internal_clb(w, EXISTING));
    d.key(KeyCode::Char('r'));
    d.until("discovery again", |a| {
        a.arch
            .ready()
            .is_some_and(|x| x.clbs.iter().any(|c| c.id == EXISTING))
    })
    .await;
    d.key(KeyCode::Enter); // scale out session servers
    d.key(KeyCode::Enter); // the session server
    let new_ids = d.image_and_launch().await;
    // A CLB of another project could bind none of these servers: it is
    // shown with the reason, and picking it says so instead of going on.
    let other = d
        .app
        .lb_choices()
        .iter()
        .position(|c| c.id == OTHER_PROJECT)
        .expect("listed");
    while d.app.lb.cursor != other {
        d.key(KeyCode::Up);
    }
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::LoadBalancer);
    let notice = d.app.notice.clone().expect("the reason").1;
    assert!(notice.contains("project 1002190"), "{notice}");
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
    d.shutdown().await;
}
