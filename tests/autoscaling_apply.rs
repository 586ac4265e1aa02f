//! `tcscale apply` with an `[autoscaling]` section, against the simulator:
//! after the business scale-out, a group from the new image joins the public
//! CLB's listener and its first instance serves behind it; a bad section is
//! refused before any call.

use tcscale::cli::apply::{apply_plan, Session};
use tcscale::cloud::models::autoscaling as asm;
use tcscale::cloud::{Client, ClientConfig};
use tcscale::i18n::Lang;
use tcscale::scaleout::autoscaling::ListenerTarget;
use tcscale::scaleout::journal::JournalStore;
use tcscale::scaleout::plan;
use tcscale::scaleout::runner::autoscaling_step::wait_in_service;
use tcscale::scaleout::runner::cleanup::cleanup;
use tcscale::scaleout::runner::record::RunRecord;
use tcscale::scaleout::runner::{Engine, PollPolicy, Progress};
use tcscale::sim::server::{start, SimConfig};

const SPEED: f64 = 100.0;

const PLAN: &str = r#"
role = "business"

[business]
source = "ins-bizn0de1"
count = 1
image_name = "node-weapp-as"

[autoscaling]
phase = "business"
group_name = "weapp-asg"
min_size = 0
max_size = 3
desired_capacity = 1

[[autoscaling.scheduled]]
name = "morning"
recurrence = "0 9 * * 1-5"
min_size = 1
max_size = 3
desired_capacity = 2

[[autoscaling.alarm]]
name = "cpu-high"
cpu_above = 70
minutes = 5
adjustment = 1
"#;

fn session(endpoint: String, cred: tcscale::cloud::Credential) -> Session {
    Session {
        client: Client::new(ClientConfig::new(cred, "ap-guangzhou").with_endpoint(Some(endpoint)))
            .unwrap(),
        region: "ap-guangzhou".into(),
        lang: Lang::En,
        poll: PollPolicy::with_speed(SPEED),
        sandbox: None,
    }
}

/// A simulator at the tests' speed and a session on it.
async fn simulator() -> (tcscale::sim::server::SimHandle, Session) {
    let h = start(SimConfig {
        speed: SPEED,
        ..Default::default()
    })
    .await
    .unwrap();
    let s = session(h.endpoint(), h.credential());
    (h, s)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_with_autoscaling_sets_up_a_group_on_the_public_listener() {
    let (h, s) = simulator().await;
    let p = plan::parse(PLAN).unwrap_or_else(|e| panic!("{e:?}"));
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let dir = std::env::temp_dir().join(format!("tcscale-as-apply-{}", uuid::Uuid::new_v4()));
    let (run_id, result) = apply_plan(&s, &p, Some(&dir), tx).await;
    let out = result.unwrap_or_else(|e| panic!("{}", e.explain(Lang::En)));
    let business = out.business.unwrap();

    let groups = s
        .client
        .call(&asm::DescribeAutoScalingGroupsRequest::default())
        .await
        .unwrap()
        .auto_scaling_group_set
        .unwrap();
    let g = groups
        .iter()
        .find(|g| g.auto_scaling_group_name.as_deref() == Some("weapp-asg"))
        .expect("the group exists");
    let f = &g.forward_load_balancer_set.as_ref().unwrap()[0];
    assert_eq!(
        f.load_balancer_id.as_deref(),
        Some(business.load_balancer_id.as_str())
    );
    assert_eq!(f.listener_id.as_ref(), business.listener_ids.first());
    assert_eq!(
        f.target_attributes.as_ref().unwrap()[0].port,
        Some(80),
        "the port the source serves"
    );
    let lc = s
        .client
        .call(&asm::DescribeLaunchConfigurationsRequest {
            launch_configuration_ids: Some(vec![g.launch_configuration_id.clone().unwrap()]),
            ..Default::default()
        })
        .await
        .unwrap()
        .launch_configuration_set
        .unwrap()
        .remove(0);
    assert_eq!(
        lc.image_id,
        Some(business.image_id.clone()),
        "the image the phase made"
    );
    let sched = s
        .client
        .call(&asm::DescribeScheduledActionsRequest::default())
        .await
        .unwrap()
        .scheduled_action_set
        .unwrap();
    assert_eq!(sched.len(), 1);
    assert!(
        sched[0].end_time.is_some(),
        "a recurrence always goes with an end"
    );

    // The group's first instance joins the listener.
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let eng = Engine::new(
        s.client.clone(),
        tx,
        s.poll,
        Lang::En,
        RunRecord::interactive("ap-guangzhou", None),
    );
    let target = ListenerTarget {
        load_balancer_id: business.load_balancer_id.clone(),
        listener_id: business.listener_ids[0].clone(),
        backend_port: 80,
        weight: 10,
    };
    let snap = wait_in_service(
        &eng,
        g.auto_scaling_group_id.as_deref().unwrap(),
        Some(&target),
        1,
    )
    .await
    .unwrap();
    assert_eq!(snap.in_service_and_bound(), 1);

    // `tcscale cleanup` of the run removes the group (emptied first) and
    // its launch configuration, then the rest of the run.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let record =
        RunRecord::load(&JournalStore::new(&dir), &run_id, tcscale::i18n::Lang::En).unwrap();
    let eng = Engine::new(s.client.clone(), tx, s.poll, Lang::En, record);
    cleanup(&eng, false)
        .await
        .unwrap_or_else(|e| panic!("{}", e.explain(Lang::En)));
    let mut lines = Vec::new();
    while let Ok(p) = rx.try_recv() {
        if let Progress::Log(l) = p {
            lines.push(l.in_lang(Lang::En));
        }
    }
    assert!(lines.iter().any(|l| l.contains("deleted")), "{lines:?}");
    let left = s
        .client
        .call(&asm::DescribeAutoScalingGroupsRequest::default())
        .await
        .unwrap()
        .auto_scaling_group_set
        .unwrap_or_default();
    assert!(left
        .iter()
        .all(|g| g.auto_scaling_group_name.as_deref() != Some("weapp-asg")));
    let lcs = s
        .client
        .call(&asm::DescribeLaunchConfigurationsRequest::default())
        .await
        .unwrap()
        .launch_configuration_set
        .unwrap_or_default();
    assert!(lcs.is_empty(), "{lcs:?}");
    let _ = std::fs::remove_dir_all(&dir);
    h.shutdown().await;
}

#[tokio::test]
async fn a_bad_autoscaling_section_is_refused_before_any_call() {
    let h = start(SimConfig::default()).await.unwrap();
    let s = session(h.endpoint(), h.credential());
    let text = PLAN.replace("minutes = 5", "minutes = 13");
    let p = plan::parse(&text).unwrap_or_else(|e| panic!("{e:?}"));
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let (_id, result) = apply_plan(&s, &p, None, tx).await;
    let e = result.unwrap_err().explain(Lang::En);
    assert!(e.contains("ContinuousTime"), "{e}");
    assert!(h
        .requests()
        .iter()
        .all(|r| r.service != "cvm" || !r.action.starts_with("Create")));
    h.shutdown().await;
}

/// CreateAutoScalingGroup does not check the instance quota; the step does,
/// before any AS resource exists, naming the field and the quota left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_larger_than_the_zone_quota_is_refused_before_any_as_call() {
    let (h, s) = simulator().await;
    // The sandbox allows 50 pay-as-you-go instances per zone.
    let text = PLAN.replacen("max_size = 3", "max_size = 80", 1);
    let p = plan::parse(&text).unwrap_or_else(|e| panic!("{e:?}"));
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let dir = std::env::temp_dir().join(format!("tcscale-as-quota-{}", uuid::Uuid::new_v4()));
    let (_id, result) = apply_plan(&s, &p, Some(&dir), tx).await;
    let e = result.unwrap_err().explain(Lang::En);
    assert!(
        e.contains("MaxSize") && e.contains("80") && e.contains("quota"),
        "{e}"
    );
    assert!(
        h.requests().iter().all(|r| r.service != "as"),
        "no AS call was made"
    );
    let _ = std::fs::remove_dir_all(&dir);
    h.shutdown().await;
}

/// A run killed in its Auto Scaling step, after the group (issue 21): the
/// Runs screen says the Auto Scaling step was interrupted *during* the step,
/// and lists the launch configuration and the group among what the run
/// created, as its journal records them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_in_its_auto_scaling_step_lists_the_group_on_the_runs_screen() {
    use crate::e2e_support::{command, sim, Home};
    use std::os::unix::process::ExitStatusExt;
    use tcscale::tui::screens::runs::{auto_scaling_texts, RunRow, Stop};
    let h = sim("").await;
    let home = Home::new("as-killed");
    let plan = home.dir.join("autoscaling.toml");
    std::fs::write(&plan, PLAN).unwrap();
    let out = command(
        &h,
        &home,
        &["apply", plan.to_str().unwrap(), "--yes", "--lang", "en"],
        &[("TCSCALE_TEST_KILL_AFTER_CALL", "CreateScheduledAction")],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(
        out.status.signal(),
        Some(9),
        "{}",
        crate::e2e_support::text(&out)
    );
    let j = home.journal();
    let row = RunRow::from_journal(&j, None);
    let stopped = row.stopped.clone().expect("the run stopped somewhere");
    assert_eq!(stopped.step, tcscale::scaleout::steps::Step::AutoScaling);
    assert_eq!(stopped.why, Stop::During, "{stopped:?}");
    let created = auto_scaling_texts(&row.created_as, Lang::En);
    assert!(
        created
            .iter()
            .any(|l| l.starts_with("launch configuration asc-"))
            && created.iter().any(|l| l.starts_with("scaling group asg-")),
        "{created:?}"
    );
    h.shutdown().await;
}
