//! The browser's data against the simulator: `tcscale browse --json
//! --sandbox` matches the seeded world; the in-process loader matches
//! `/_sim/state`; unbind and weight changes go through real CLB tasks; a
//! world with many CLBs and targets loads through the pager.

use std::collections::BTreeSet;

use serde_json::Value;
use tcscale::cloud::status::ClbTask;
use tcscale::cloud::{Client, ClientConfig, RetryPolicy};
use tcscale::scaleout::browse_tree::{self, BrowseTree, TargetChange, TargetRef};
use tcscale::sim::clb::{SimListener, SimLoadBalancer, SimTarget};
use tcscale::sim::seed::sandbox_world;
use tcscale::sim::server::{start, SimConfig, SimHandle};

const MS_20: std::time::Duration = std::time::Duration::from_millis(20);
const MINUTE: std::time::Duration = std::time::Duration::from_secs(60);

fn client(sim: &SimHandle) -> Client {
    Client::new(
        ClientConfig::new(sim.credential(), "ap-guangzhou")
            .with_endpoint(Some(sim.endpoint()))
            .with_retry(RetryPolicy::none())
            .with_audit_path(None),
    )
    .unwrap()
}

/// (lb, listener, instance, port, weight) of every binding in a world state.
fn world_bindings(state: &Value, region: &str) -> BTreeSet<(String, String, String, i64, i64)> {
    let mut out = BTreeSet::new();
    for lb in state["clb"]["load_balancers"].as_array().unwrap() {
        if lb["region"] != region {
            continue;
        }
        for l in lb["listeners"].as_array().unwrap() {
            let mut targets: Vec<&Value> = l["targets"].as_array().unwrap().iter().collect();
            for r in l["rules"].as_array().into_iter().flatten() {
                targets.extend(r["targets"].as_array().unwrap());
            }
            for t in targets {
                out.insert((
                    lb["id"].as_str().unwrap().to_string(),
                    l["id"].as_str().unwrap().to_string(),
                    t["instance_id"].as_str().unwrap().to_string(),
                    t["port"].as_i64().unwrap(),
                    t["weight"].as_i64().unwrap(),
                ));
            }
        }
    }
    out
}

fn tree_bindings(tree: &BrowseTree) -> BTreeSet<(String, String, String, i64, i64)> {
    let mut out = BTreeSet::new();
    for c in &tree.clbs {
        for l in &c.listeners {
            for t in &l.targets {
                out.insert((
                    c.id.clone(),
                    l.id.clone(),
                    t.instance_id.clone(),
                    t.port,
                    t.weight,
                ));
            }
        }
    }
    out
}

#[test]
fn browse_json_matches_the_seeded_sandbox() {
    // A data dir of its own: the sandbox keeps its world there, and this
    // test is about the seeded one.
    let data = std::env::temp_dir().join(format!("tcscale-browse-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tcscale"))
        .args(["browse", "--json", "--sandbox"])
        .env("HOME", &data)
        .env("TCSCALE_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(
        data.join("sandbox/world.json").exists(),
        "the sandbox world is kept in the data dir"
    );
    let _ = std::fs::remove_dir_all(&data);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree: BrowseTree = serde_json::from_slice(&out.stdout).unwrap();
    let world = serde_json::to_value(sandbox_world()).unwrap();
    let want_ids: BTreeSet<String> = world["clb"]["load_balancers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["region"] == "ap-guangzhou")
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect();
    let got_ids: BTreeSet<String> = tree.clbs.iter().map(|c| c.id.clone()).collect();
    assert_eq!(got_ids, want_ids);
    assert!(!want_ids.is_empty(), "the sandbox has CLBs");
    assert_eq!(tree_bindings(&tree), world_bindings(&world, "ap-guangzhou"));
    // every bound instance has its details, with eligibility
    for id in tree.bound_instance_ids() {
        let i = tree
            .instances
            .get(&id)
            .unwrap_or_else(|| panic!("{id} missing"));
        assert!(!i.zone.is_empty());
    }
}

/// The sandbox with every CLB task taking `task_seconds`, at `speed`.
async fn sim_with_tasks(task_seconds: f64, speed: f64) -> SimHandle {
    let mut world = sandbox_world();
    world.durations.clb_task = task_seconds;
    start(SimConfig {
        world,
        speed,
        ..Default::default()
    })
    .await
    .unwrap()
}

/// The first bound target of the tree, addressed for a change; with its
/// instance's name.
fn first_target(tree: &browse_tree::BrowseTree) -> (TargetRef, String) {
    let (clb, lis, tg) = tree
        .clbs
        .iter()
        .flat_map(|c| c.listeners.iter().map(move |l| (c, l)))
        .flat_map(|(c, l)| l.targets.iter().map(move |t| (c, l, t)))
        .next()
        .expect("a bound target");
    let target = TargetRef {
        lb_id: clb.id.clone(),
        listener_id: lis.id.clone(),
        location_id: tg.location_id.clone(),
        instance_id: tg.instance_id.clone(),
        port: tg.port,
    };
    (target, tg.instance_name.clone())
}

#[tokio::test]
async fn the_loader_matches_the_state_and_changes_are_real_tasks() {
    let sim = sim_with_tasks(1.0, 20.0).await;
    let c = client(&sim);
    let tree = browse_tree::load_tree(&c).await.unwrap();
    let state: Value = reqwest::get(format!("{}/_sim/state", sim.endpoint()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tree_bindings(&tree), world_bindings(&state, "ap-guangzhou"));
    // names and health came from the other calls
    let (target, name) = first_target(&tree);
    assert!(!name.is_empty());
    // weight
    let task = browse_tree::start_change(&c, &target, &TargetChange::Weight(42))
        .await
        .unwrap();
    let mut seen = vec![];
    browse_tree::wait_task(&c, &task, MS_20, MINUTE, |s| seen.push(s))
        .await
        .unwrap();
    assert_eq!(seen.last(), Some(&ClbTask::Succeeded));
    let after = browse_tree::load_tree(&c).await.unwrap();
    let w = after
        .clbs
        .iter()
        .find(|x| x.id == target.lb_id)
        .unwrap()
        .listeners
        .iter()
        .find(|l| l.id == target.listener_id)
        .unwrap()
        .targets
        .iter()
        .find(|t| t.instance_id == target.instance_id)
        .unwrap()
        .weight;
    assert_eq!(w, 42);
    // unbind
    let task = browse_tree::start_change(&c, &target, &TargetChange::Unbind)
        .await
        .unwrap();
    browse_tree::wait_task(&c, &task, MS_20, MINUTE, |_| {})
        .await
        .unwrap();
    let after = browse_tree::load_tree(&c).await.unwrap();
    assert!(!tree_bindings(&after)
        .iter()
        .any(|b| b.0 == target.lb_id && b.1 == target.listener_id && b.2 == target.instance_id));
    // unbinding again is refused by the API, and the error says so
    let e = browse_tree::start_change(&c, &target, &TargetChange::Unbind)
        .await
        .unwrap_err();
    assert!(e.is("InvalidParameter"), "{e}");
}

#[tokio::test]
async fn hundreds_of_clbs_and_thousands_of_targets_page_through() {
    let mut world = sandbox_world();
    world
        .clb
        .load_balancers
        .retain(|l| l.region != "ap-guangzhou");
    for i in 0..250 {
        world.clb.load_balancers.push(SimLoadBalancer {
            region: "ap-guangzhou".into(),
            id: format!("lb-big{i:05}"),
            name: format!("big-{i}"),
            vpc_id: "vpc-gz8k2m9a".into(),
            vips: vec![format!("10.9.{}.{}", i / 200, i % 200)],
            listeners: vec![SimListener {
                id: format!("lbl-big{i:05}"),
                protocol: "TCP".into(),
                port: 80,
                location_id: format!("loc-big{i:05}"),
                targets: (0..8)
                    .map(|t| SimTarget {
                        instance_id: "ins-bizn0de1".into(),
                        port: 8000 + t,
                        weight: 10,
                        registered_at: -100.0,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        });
    }
    let sim = start(SimConfig {
        world,
        ..Default::default()
    })
    .await
    .unwrap();
    let started = std::time::Instant::now();
    let tree = browse_tree::load_tree(&client(&sim)).await.unwrap();
    assert_eq!(tree.clbs.len(), 250);
    assert_eq!(
        tree.clbs.iter().map(|c| c.target_count()).sum::<usize>(),
        2000
    );
    let pages = sim
        .requests()
        .iter()
        .filter(|r| r.action == "DescribeLoadBalancers")
        .count();
    assert_eq!(pages, 3, "100 per page");
    let health_calls = sim
        .requests()
        .iter()
        .filter(|r| r.action == "DescribeTargetHealth")
        .count();
    assert_eq!(health_calls, 250usize.div_ceil(browse_tree::HEALTH_BATCH));
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

/// A CLB task that does not end before the waiter's deadline (here a
/// slow world: a task takes a simulated minute) stops the waiter with an
/// error saying so, instead of holding the browser for ever.
#[tokio::test]
async fn a_task_that_does_not_end_stops_at_the_deadline() {
    let sim = sim_with_tasks(60.0, 1.0).await;
    let c = client(&sim);
    let (target, _) = first_target(&browse_tree::load_tree(&c).await.unwrap());
    let task = browse_tree::start_change(&c, &target, &TargetChange::Weight(7))
        .await
        .unwrap();
    let mut seen = vec![];
    let err = browse_tree::wait_task(
        &c,
        &task,
        std::time::Duration::from_millis(50),
        std::time::Duration::from_millis(300),
        |s| seen.push(s),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("still running"), "{err}");
    assert!(seen.iter().all(|s| *s == ClbTask::Running), "{seen:?}");
    sim.shutdown().await;
}
