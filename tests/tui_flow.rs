//! Drives the real wizard through the whole session-server flow with key
//! events, against the in-process sandbox over loopback HTTP: the update
//! function gets keys, the jobs it returns run on the engine, their events
//! go back into the update function; then the world is checked through the API.

use crate::tui_support;

use crossterm::event::KeyCode;

use tcscale::cloud::models::{clb, cvm};
use tcscale::tui::state::*;
use tui_support::Driver;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_servers_whole_flow_with_keys_against_the_sandbox() {
    let mut d = Driver::new().await;
    d.until("discovery", |a| a.arch.ready().is_some()).await;
    let arch = d.app.arch.ready().unwrap().clone();
    let session_server = arch.session_ids.first().cloned().expect("a session server");
    let before_instances = arch.instances.len();

    // Overview → "Scale out session servers".
    assert_eq!(d.app.overview.cursor, 0);
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Source);
    // The cursor starts on the session server.
    d.key(KeyCode::Enter);
    assert_eq!(
        d.app.source.chosen.as_deref(),
        Some(session_server.as_str())
    );
    assert_eq!(d.app.screen, Screen::Image);

    // Esc goes back without losing the typed name.
    d.key(KeyCode::Char('x'));
    let typed = d.app.image.name.value.clone();
    d.key(KeyCode::Esc);
    assert_eq!(d.app.screen, Screen::Source);
    d.key(KeyCode::Enter);
    assert_eq!(d.app.image.name.value, typed);
    d.key(KeyCode::Backspace);

    // Nothing is created before the confirm: Enter then n cancels.
    d.key(KeyCode::Enter);
    assert!(d.app.confirm.is_some());
    d.key(KeyCode::Char('n'));
    assert!(d.app.confirm.is_none());
    assert_eq!(d.app.in_flight, 0);

    let image_dialog = d.confirm("CreateImage");
    d.until("image NORMAL", |a| a.image.progress.is_done())
        .await;
    let image_id = d.app.image.image_id.clone().expect("image id");
    // The dialog showed the very request sent (the engine's own, with the
    // tags a resume finds the image by): the image has what it said.
    let shown: serde_json::Value = serde_json::from_str(&image_dialog.calls[0].detail).unwrap();
    assert_eq!(shown["InstanceId"], session_server.as_str());
    assert!(
        shown["TagSpecification"]
            .to_string()
            .contains("tcscale-source"),
        "{shown}"
    );
    let made = d
        .session
        .engine
        .client
        .call(&cvm::DescribeImagesRequest {
            image_ids: Some(vec![image_id.clone()]),
            ..Default::default()
        })
        .await
        .unwrap()
        .image_set
        .unwrap_or_default();
    let made = serde_json::to_value(&made[0]).unwrap();
    assert_eq!(made["ImageName"], shown["ImageName"], "{shown}");
    assert_eq!(
        made["ImageDescription"], shown["ImageDescription"],
        "{shown}"
    );
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Launch);
    assert_eq!(d.app.launch.count.value, "2");
    assert!(
        d.app
            .launch_checks()
            .iter()
            .all(|c| c.level == CheckLevel::Ok),
        "{:?}",
        d.app.launch_checks()
    );

    let launch_dialog = d.confirm("RunInstances");
    d.until("instances RUNNING", |a| a.launch.progress.is_done())
        .await;
    assert_eq!(d.app.launch.instances.len(), 2);
    assert!(d.app.launch.instances.iter().all(|(_, s)| s == "RUNNING"));
    let new_ids = d.launched_ids();
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::LoadBalancer);

    // The sandbox has no internal CLB yet: the cursor is on "create".
    assert_eq!(d.app.lb.cursor, d.app.lb_choices().len());
    let clb_dialog = d.confirm("CreateLoadBalancer");
    d.until("the CLB", |a| a.screen == Screen::Bind).await;
    let clb = d.app.chosen_clb().cloned().expect("the new CLB");
    assert_eq!(clb.kind, "INTERNAL");
    // The dialog showed the very request: the CLB has what it said.
    let shown: serde_json::Value = serde_json::from_str(&clb_dialog.calls[0].detail).unwrap();
    let made = d
        .session
        .engine
        .client
        .call(&clb::DescribeLoadBalancersRequest {
            load_balancer_ids: Some(vec![clb.id.clone()]),
            ..Default::default()
        })
        .await
        .unwrap()
        .load_balancer_set
        .unwrap_or_default();
    let made = serde_json::to_value(&made[0]).unwrap();
    for key in [
        "LoadBalancerType",
        "LoadBalancerName",
        "VpcId",
        "SubnetId",
        "ProjectId",
    ] {
        assert_eq!(made[key], shown[key], "{key}: shown {shown}");
    }

    // Eligible session servers (old and new) are pre-selected; the rest are not.
    let checked: Vec<String> = d.app.bound_ids();
    assert!(checked.contains(&session_server));
    for id in &new_ids {
        assert!(checked.contains(id), "{id} pre-selected");
    }
    for r in &d.app.bind.rows {
        if !r.instance.ineligible.is_empty() {
            assert!(
                !r.checked,
                "{} is ineligible and not checked",
                r.instance.id
            );
        }
    }
    let bind_dialog = d.confirm("RegisterTargets");
    d.until("binding and health", |a| a.bind.progress.is_done())
        .await;
    assert!(d
        .app
        .bind
        .rows
        .iter()
        .filter(|r| r.checked)
        .all(|r| r.status == TargetStatus::Bound));
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::SecurityGroup);
    d.until("the security group check", |a| a.sg.rows.ready().is_some())
        .await;
    let needs_fix = d.app.sg.rows.ready().unwrap().iter().any(|r| r.fix);
    if needs_fix {
        d.confirm("CreateSecurityGroupPolicies");
        d.until("the rules", |a| a.sg.progress.is_done()).await;
        assert!(d
            .app
            .sg
            .rows
            .ready()
            .unwrap()
            .iter()
            .all(|r| r.allowed_by.is_some()));
    }
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::SdkConfig);
    d.until("the business servers", |a| a.sdk.rows.ready().is_some())
        .await;
    let rows = d.app.sdk.rows.ready().unwrap().clone();
    assert!(!rows.is_empty());
    let url = format!("http://{}/mina_auth/", clb.vip);
    assert!(rows.iter().all(|r| r.after == url));
    d.confirm("RunCommand");
    d.until("sdk.config", |a| !a.sdk.progress.is_running())
        .await;
    let sdk_applied = d.app.sdk.progress.is_done();
    if !sdk_applied {
        // The edit is refused (e.g. no TAT): the whole step by hand, after
        // its confirm.
        d.key(KeyCode::Char('M'));
        d.key(KeyCode::Char('y'));
    }
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Summary);
    let kinds: Vec<&str> = d.app.created.iter().map(|c| c.kind).collect();
    assert!(
        kinds.contains(&"image") && kinds.contains(&"clb"),
        "{kinds:?}"
    );
    assert_eq!(kinds.iter().filter(|k| **k == "instance").count(), 2);

    // The world, through the API: two more instances, RUNNING, from the image,
    // in the source's zone and project; the CLB's TCP:80 listener binds
    // exactly the checked instances.
    let client = &d.session.engine.client;
    let all = client
        .call(&cvm::DescribeInstancesRequest {
            limit: Some(100),
            ..Default::default()
        })
        .await
        .unwrap();
    let set = all.instance_set.unwrap_or_default();
    assert_eq!(set.len(), before_instances + 2);
    let src = arch.instance(&session_server).unwrap();
    for id in &new_ids {
        let i = set
            .iter()
            .find(|i| i.instance_id.as_deref() == Some(id.as_str()))
            .unwrap();
        assert_eq!(i.instance_state.as_deref(), Some("RUNNING"));
        assert_eq!(i.image_id.as_deref(), Some(image_id.as_str()));
        let p = i.placement.clone().unwrap_or_default();
        assert_eq!(p.zone.as_deref(), Some(src.zone.as_str()));
        assert_eq!(p.project_id.unwrap_or(0), src.project_id);
    }
    // The confirm dialog showed the very requests sent: the DryRun, then the
    // launch, whose every setting the new instances carry.
    let shown: Vec<&str> = launch_dialog
        .calls
        .iter()
        .filter(|c| c.action == "RunInstances")
        .map(|c| c.detail.as_str())
        .collect();
    assert_eq!(shown.len(), 2, "{:?}", launch_dialog.calls);
    assert!(shown[0].contains("DryRun=true"), "{}", shown[0]);
    let req: serde_json::Value = serde_json::from_str(shown[1]).expect("the request as JSON");
    let req = &req;
    assert_eq!(req["InstanceCount"], new_ids.len());
    assert_eq!(req["ImageId"], image_id.as_str());
    let source_model = arch
        .models
        .get(&session_server)
        .expect("the source as described");
    for id in &new_ids {
        let i = set
            .iter()
            .find(|i| i.instance_id.as_deref() == Some(id.as_str()))
            .unwrap();
        let got = serde_json::to_value(i).unwrap();
        assert_eq!(got["Placement"]["Zone"], req["Placement"]["Zone"]);
        assert_eq!(got["InstanceType"], req["InstanceType"]);
        assert_eq!(
            got["VirtualPrivateCloud"]["VpcId"],
            req["VirtualPrivateCloud"]["VpcId"]
        );
        assert_eq!(
            got["VirtualPrivateCloud"]["SubnetId"],
            req["VirtualPrivateCloud"]["SubnetId"]
        );
        assert_eq!(got["SecurityGroupIds"], req["SecurityGroupIds"]);
        assert_eq!(
            got["InternetAccessible"]["InternetMaxBandwidthOut"],
            req["InternetAccessible"]["InternetMaxBandwidthOut"]
        );
        assert_eq!(got["SystemDisk"]["DiskSize"], req["SystemDisk"]["DiskSize"]);
    }
    // …and those are the source's.
    let src_json = serde_json::to_value(source_model).unwrap();
    assert_eq!(req["SecurityGroupIds"], src_json["SecurityGroupIds"]);
    assert_eq!(
        req["VirtualPrivateCloud"]["SubnetId"],
        src_json["VirtualPrivateCloud"]["SubnetId"]
    );
    let targets = client
        .call(&clb::DescribeTargetsRequest {
            load_balancer_id: Some(clb.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    let listeners = targets.listeners.unwrap_or_default();
    let l = listeners
        .iter()
        .find(|l| l.port == Some(80) && l.protocol.as_deref() == Some("TCP"))
        .expect("a TCP:80 listener");
    let mut bound: Vec<String> = l
        .targets
        .iter()
        .flatten()
        .filter_map(|t| t.instance_id.clone())
        .collect();
    bound.sort();
    let mut want = d.app.bound_ids();
    want.sort();
    assert_eq!(bound, want);
    // The dialog showed the engine's own requests: the listener it made,
    // and exactly the targets registered, on the backend port and weight.
    let mut shown_targets: Vec<String> = Vec::new();
    for c in bind_dialog
        .calls
        .iter()
        .filter(|c| c.action == "RegisterTargets")
    {
        let req: serde_json::Value = serde_json::from_str(&c.detail).expect("the request");
        assert_eq!(req["LoadBalancerId"], clb.id.as_str());
        for t in req["Targets"].as_array().unwrap() {
            assert_eq!(t["Port"], 80);
            assert_eq!(t["Weight"], 10);
            shown_targets.push(t["InstanceId"].as_str().unwrap().to_string());
        }
    }
    shown_targets.sort();
    assert_eq!(shown_targets, bound);
    let listener_req = bind_dialog
        .calls
        .iter()
        .find(|c| c.action == "CreateListener")
        .expect("the listener is created");
    let req: serde_json::Value = serde_json::from_str(&listener_req.detail).unwrap();
    assert_eq!(req["Ports"], serde_json::json!([80]));
    assert_eq!(req["Protocol"], "TCP");

    // Back to the overview: the new architecture is discovered again.
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, Screen::Overview);
    d.until("rediscovery", |a| a.arch.ready().is_some()).await;
    let after = d.app.arch.ready().unwrap();
    let internal = after
        .internal_clb
        .as_ref()
        .expect("the internal CLB in the diagram");
    assert_eq!(internal.id, clb.id);
    let behind: usize = internal.listeners.iter().map(|l| l.targets.len()).sum();
    assert_eq!(behind, 3, "{internal:?}");
    // Every business server the wizard changed points at the VIP, with a
    // backup beside it; one it could not reach (TAT agent offline) is shown
    // as such and left untouched.
    assert!(sdk_applied, "sdk.config step: {:?}", d.app.sdk.progress);
    let rows = d.app.sdk.rows.ready().unwrap().clone();
    assert!(
        rows.iter().any(|r| r.status == TargetStatus::Bound),
        "{rows:?}"
    );
    let sb = d.session.sandbox.as_ref().expect("sandbox");
    sb.handle().with_world(|w| {
        for r in &rows {
            let inst = w
                .cvm
                .instances
                .iter()
                .find(|i| i.instance.instance_id.as_deref() == Some(r.instance_id.as_str()))
                .unwrap();
            let text = inst.files.get(&r.path).expect("an sdk.config");
            match &r.status {
                TargetStatus::Bound => {
                    assert!(text.contains(&url), "{} {}: {text}", r.instance_id, r.path);
                    assert!(
                        inst.files
                            .keys()
                            .any(|p| p.starts_with(&format!("{}.bak", r.path))),
                        "{}: a backup of {}: {:?}",
                        r.instance_id,
                        r.path,
                        inst.files.keys()
                    );
                }
                TargetStatus::Failed(why) => {
                    assert!(!text.contains(&url), "{} untouched ({why})", r.instance_id);
                    assert!(!inst.tat_agent_online, "{}: {why}", r.instance_id);
                }
                // No TAT agent: left as it is, said so.
                TargetStatus::NoAgent => {
                    assert!(!text.contains(&url), "{} untouched", r.instance_id);
                    assert!(!inst.tat_agent_online, "{}", r.instance_id);
                }
                other => panic!("{}: {other:?}", r.instance_id),
            }
        }
    });
    // The wizard journaled its steps as the engine's flow does: done, with
    // the engine's outputs, and the plan it followed (what `resume` needs).
    let journal = d.session.engine.recorded(|r| r.journal.clone());
    for step in [
        tcscale::scaleout::steps::Step::Image,
        tcscale::scaleout::steps::Step::Launch,
        tcscale::scaleout::steps::Step::Listener,
        tcscale::scaleout::steps::Step::Bind,
    ] {
        let s = journal.step("session", step).expect("step journaled");
        assert_eq!(
            s.state,
            tcscale::scaleout::journal::StepState::Done,
            "{step:?}"
        );
        assert!(!s.output.is_null(), "{step:?} output");
    }
    let plan = journal.plan.as_ref().expect("the wizard's plan");
    assert!(plan.session.as_ref().is_some_and(|p| p.count >= 1));
    // No ^O was pressed: a resume must not accept mismatches either.
    assert!(!plan.override_consistency);
    d.shutdown().await;
}
