//! sdk.config on many business servers, as a rolling update: every file is
//! read in a few batched TAT invocations, the writes go in waves of at most
//! a third of the servers, and a wave whose restarted servers the public
//! CLB does not report healthy stops the rest. Judged from the simulated
//! world (when each service restarted, what each file holds), not from
//! what tcscale says it did.

use crate::e2e_support;

use std::collections::BTreeMap;

use e2e_support::*;
use tcscale::cli::apply::{apply_plan, load_plan};
use tcscale::i18n::Lang;
use tcscale::scaleout::journal::{JournalStore, ResourceKind};
use tcscale::scaleout::runner::sdk_config_step::wave_sizes;
use tcscale::scaleout::runner::Progress;
use tcscale::sim::seed::sandbox_with_business_servers;
use tcscale::sim::server::{start, SimConfig, SimHandle};
use tcscale::sim::world::World;

const CONFIG: &str = "/etc/qcloud/sdk.config";

struct Applied {
    h: SimHandle,
    result: Result<(), String>,
    logs: Vec<String>,
    home: Home,
    run_id: String,
}

async fn apply_session_plan(world: World) -> Applied {
    let h = start(SimConfig {
        speed: SPEED,
        world,
        seed: 7,
        ..Default::default()
    })
    .await
    .expect("simulator starts");
    let s = session(&h);
    let plan = load_plan(&plan_path("session-servers.toml"), Lang::En).unwrap();
    let home = Home::new("waves");
    let store = JournalStore::new(home.dir.join("runs"));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let (run_id, result) = apply_plan(&s, &plan, Some(&store.dir), tx).await;
    let mut logs = Vec::new();
    while let Ok(p) = rx.try_recv() {
        if let Progress::Log(l) = p {
            logs.push(l.in_lang(tcscale::i18n::Lang::En));
        }
    }
    Applied {
        h,
        result: result.map(|_| ()).map_err(|e| e.explain(Lang::En)),
        logs,
        home,
        run_id,
    }
}

/// Per server whose sdk.config was written: when its service restarted
/// (the write task's end) and when the health check saw it up again.
fn downtimes(w: &World) -> BTreeMap<String, (f64, f64)> {
    let mut out = BTreeMap::new();
    for inv in w.tat.invocations.iter() {
        if inv.command_name != "tcscale-write" {
            continue;
        }
        for t in &inv.tasks {
            if !t.restarts.is_empty() {
                let back = t.ends_at + w.durations.health;
                out.insert(t.instance_id.clone(), (t.ends_at, back));
            }
        }
    }
    out
}

/// The most services down at the same moment.
fn most_down_at_once(d: &BTreeMap<String, (f64, f64)>) -> usize {
    d.values()
        .map(|(start, _)| d.values().filter(|(s, e)| s <= start && start < e).count())
        .max()
        .unwrap_or(0)
}

fn invocations(w: &World, name: &str) -> usize {
    w.tat
        .invocations
        .iter()
        .filter(|i| i.command_name == name)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_servers_are_read_in_batches_and_restarted_a_third_at_a_time() {
    let a = apply_session_plan(sandbox_with_business_servers(9)).await;
    a.result.clone().unwrap();
    let (down, reads, writes, files) = a.h.with_world(|w| {
        let files: Vec<String> = w
            .cvm
            .instances
            .iter()
            .filter(|i| i.id().starts_with("ins-bizc"))
            .map(|i| i.files[CONFIG].clone())
            .collect();
        (
            downtimes(w),
            invocations(w, "tcscale-read"),
            invocations(w, "tcscale-write"),
            files,
        )
    });
    // 12 business servers with an agent: the sandbox's 3 and the 9 copies.
    let n = down.len();
    assert_eq!(n, 12, "{down:?}");
    assert_eq!(writes, n, "one write per server");
    // Reads do not grow with the servers: a runtime probe and one read per
    // path (Linux and Windows), whatever their number.
    assert!(reads <= 3, "{reads} read invocations for {n} servers");
    assert_eq!(files.len(), 9);
    for f in &files {
        assert!(f.contains("/mina_auth/") && !f.contains("10.0.1.9"), "{f}");
    }
    // The world's own record: never more than a third down at once, and
    // more than one server restarted in parallel (not one after another).
    let most = most_down_at_once(&down);
    assert!(most <= n / 3, "{most} of {n} down at once: {down:?}");
    assert!(most >= 2, "waves run their servers in parallel: {down:?}");
    // The waves tcscale announced are the planned sizes, each healthy
    // before the next.
    let announced: Vec<&String> = a.logs.iter().filter(|l| l.contains("wave")).collect();
    let started = announced
        .iter()
        .filter(|l| l.contains("writing and restarting"))
        .count();
    let healthy = announced.iter().filter(|l| l.contains("healthy")).count();
    assert_eq!(started, wave_sizes(n).len(), "{announced:?}");
    assert_eq!(healthy, started, "{announced:?}");
    a.h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wave_whose_service_does_not_come_back_stops_the_rest_untouched() {
    let mut world = sandbox_with_business_servers(6);
    // The first server written (the first business server listed) fails
    // to start again after its restart.
    world
        .cvm
        .instances
        .iter_mut()
        .find(|i| i.id() == "ins-bizn0de1")
        .unwrap()
        .restart_breaks_service = true;
    let before: BTreeMap<String, String> = world
        .cvm
        .instances
        .iter()
        .filter_map(|i| Some((i.id().to_string(), i.files.get(CONFIG)?.clone())))
        .collect();
    let a = apply_session_plan(world).await;
    let err = a.result.clone().expect_err("the step stops");
    assert!(err.contains("wave 1/"), "{err}");
    assert!(err.contains("ins-bizn0de1"), "{err}");
    let (written, after) = a.h.with_world(|w| {
        let written: Vec<String> = downtimes(w).into_keys().collect();
        let after: BTreeMap<String, BTreeMap<String, String>> = w
            .cvm
            .instances
            .iter()
            .map(|i| (i.id().to_string(), i.files.clone()))
            .collect();
        (written, after)
    });
    assert!(written.contains(&"ins-bizn0de1".to_string()));
    // Only the first wave was written; every other file is untouched and
    // no backup was made beside it.
    // The sandbox's 3 business servers with an agent, and the 6 copies.
    let n = 3 + 6;
    assert_eq!(written.len(), wave_sizes(n)[0], "{written:?}");
    let untouched: Vec<&String> = before
        .keys()
        .filter(|id| id.starts_with("ins-bizc") && !written.contains(id))
        .collect();
    assert!(untouched.len() >= 3, "{untouched:?}");
    for id in &untouched {
        let files = &after[*id];
        assert_eq!(files[CONFIG], before[*id], "{id}");
        assert!(
            !files.keys().any(|p| p.contains(".bak.")),
            "{id}: {:?}",
            files.keys()
        );
    }
    // Every file written is journaled with its backup, so cleanup can
    // restore it; the user was told which servers were left alone.
    let journal = JournalStore::new(a.home.dir.join("runs"))
        .load(&a.run_id)
        .unwrap();
    let changes: Vec<&str> = journal
        .created_resources
        .iter()
        .filter(|r| r.kind == ResourceKind::SdkConfigChange)
        .map(|r| r.parent.as_deref().unwrap_or(""))
        .collect();
    let mut sorted = changes.clone();
    sorted.sort();
    assert_eq!(sorted, written, "journaled changes");
    assert!(
        a.logs
            .iter()
            .any(|l| l.contains("not touched") && l.contains(untouched[0].as_str())),
        "{:?}",
        a.logs
    );
    a.h.shutdown().await;
}
