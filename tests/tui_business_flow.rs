//! Drives the real wizard through the business-server flow with key events
//! against the in-process sandbox: Overview → "Scale out business servers" →
//! Source → Image → Launch → the existing public CLB → Bind → Security group
//! → Summary; then the world is checked through the API.

use crate::tui_support;

use crossterm::event::KeyCode;

use tcscale::cloud::models::{clb, cvm};
use tcscale::tui::state::*;
use tui_support::Driver;

const SOURCE: &str = "ins-bizn0de1";
const PUBLIC_CLB: &str = "lb-8xk2pub1";
const LISTENER: &str = "lbl-tcp80web";

/// The targets of the public CLB's web listener, as the API reports them:
/// (instance id, port).
async fn listener_targets(d: &Driver) -> Vec<(String, i64)> {
    let targets = d
        .session
        .engine
        .client
        .call(&clb::DescribeTargetsRequest {
            load_balancer_id: Some(PUBLIC_CLB.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let listeners = targets.listeners.unwrap_or_default();
    let l = listeners
        .iter()
        .find(|l| l.listener_id.as_deref() == Some(LISTENER))
        .unwrap_or_else(|| panic!("{LISTENER} on {PUBLIC_CLB}: {listeners:?}"));
    l.targets
        .iter()
        .flatten()
        .filter_map(|t| Some((t.instance_id.clone()?, t.port?)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_servers_whole_flow_with_keys_against_the_sandbox() {
    let mut d = Driver::new().await;
    d.until("discovery", |a| a.arch.ready().is_some()).await;
    let arch = d.app.arch.ready().unwrap().clone();
    assert!(arch.business_ids.iter().any(|i| i == SOURCE), "{arch:?}");
    let before_instances = arch.instances.len();
    let before_targets = listener_targets(&d).await;
    let existing_port = before_targets
        .iter()
        .find(|(id, _)| id == SOURCE)
        .map(|(_, p)| *p)
        .expect("the source is already behind the public CLB");
    assert_eq!(existing_port, 80);

    // Overview → "Scale out business servers".
    d.key(KeyCode::Down);
    assert_eq!(d.app.overview.cursor, 1);
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Source);
    assert_eq!(d.app.role(), Role::Business);
    let row = d
        .app
        .source_rows()
        .iter()
        .position(|r| r.id == SOURCE)
        .expect("the business server is listed");
    while d.app.source.cursor != row {
        let before = d.app.source.cursor;
        d.key(if before < row {
            KeyCode::Down
        } else {
            KeyCode::Up
        });
        assert_ne!(d.app.source.cursor, before, "the cursor moves");
    }
    d.key(KeyCode::Enter);
    assert_eq!(d.app.source.chosen.as_deref(), Some(SOURCE));
    assert_eq!(d.app.screen, Screen::Image);

    d.confirm("CreateImage");
    d.until("image NORMAL", |a| a.image.progress.is_done())
        .await;
    let image_id = d.app.image.image_id.clone().expect("image id");
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Launch);
    let count: usize = d.app.launch.count.value.parse().expect("a count");
    assert!(count >= 1);
    assert!(
        d.app
            .launch_checks()
            .iter()
            .all(|c| c.level == CheckLevel::Ok),
        "{:?}",
        d.app.launch_checks()
    );
    d.confirm("RunInstances");
    d.until("instances RUNNING", |a| a.launch.progress.is_done())
        .await;
    let new_ids = d.launched_ids();
    assert_eq!(new_ids.len(), count);
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::LoadBalancer);

    // Business servers join the public CLB that already serves the
    // mini-program: no "create" row, the cursor starts on it.
    assert!(!d.app.lb_can_create());
    let choices: Vec<String> = d.app.lb_choices().iter().map(|c| c.id.clone()).collect();
    assert!(choices.iter().any(|c| c == PUBLIC_CLB), "{choices:?}");
    assert_eq!(choices[d.app.lb.cursor], PUBLIC_CLB, "{choices:?}");
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Bind);
    assert_eq!(d.app.chosen_clb().map(|c| c.id.as_str()), Some(PUBLIC_CLB));
    // The existing listener's ports are kept.
    assert_eq!(d.app.bind.port.value, "80");
    assert_eq!(d.app.backend_port(), existing_port);
    let checked = d.app.bound_ids();
    for id in &new_ids {
        assert!(checked.contains(id), "{id} pre-selected: {checked:?}");
    }
    d.confirm("RegisterTargets");
    d.until("binding and health", |a| a.bind.progress.is_done())
        .await;
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::SecurityGroup);
    d.until("the security group check", |a| a.sg.rows.ready().is_some())
        .await;
    if d.app.sg.rows.ready().unwrap().iter().any(|r| r.fix) {
        d.confirm("CreateSecurityGroupPolicies");
        d.until("the rules", |a| a.sg.progress.is_done()).await;
    }
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Summary);
    let kinds: Vec<&str> = d.app.created.iter().map(|c| c.kind).collect();
    assert!(kinds.contains(&"image"), "{kinds:?}");
    assert!(!kinds.contains(&"clb"), "no CLB is created: {kinds:?}");
    assert_eq!(kinds.iter().filter(|k| **k == "instance").count(), count);

    // The world, through the API: N more instances, RUNNING, from the image,
    // in the source's zone and project...
    let all = d
        .session
        .engine
        .client
        .call(&cvm::DescribeInstancesRequest {
            limit: Some(100),
            ..Default::default()
        })
        .await
        .unwrap();
    let set = all.instance_set.unwrap_or_default();
    assert_eq!(set.len(), before_instances + count);
    let src = arch.instance(SOURCE).unwrap();
    for id in &new_ids {
        let i = set
            .iter()
            .find(|i| i.instance_id.as_deref() == Some(id.as_str()))
            .unwrap();
        assert_eq!(i.instance_state.as_deref(), Some("RUNNING"), "{id}");
        assert_eq!(i.image_id.as_deref(), Some(image_id.as_str()), "{id}");
        let p = i.placement.clone().unwrap_or_default();
        assert_eq!(p.zone.as_deref(), Some(src.zone.as_str()), "{id}");
        assert_eq!(p.project_id.unwrap_or(0), src.project_id, "{id}");
    }
    // ...bound to the existing public CLB's web listener on the existing
    // target's port, next to the targets it already had.
    let after_targets = listener_targets(&d).await;
    for t in &before_targets {
        assert!(after_targets.contains(t), "{t:?} still bound");
    }
    for id in &new_ids {
        assert!(
            after_targets.contains(&(id.clone(), existing_port)),
            "{id} on :{existing_port}: {after_targets:?}"
        );
    }
    d.shutdown().await;
}
