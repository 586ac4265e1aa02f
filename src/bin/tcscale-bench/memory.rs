//! Figure 7: peak RSS of tcscale with 10,000 instances and 1,000 CLBs
//! loaded. The simulator (holding that world) runs in this process; a child
//! process (`tcscale-bench memory-child`) is the tcscale side: it runs the
//! wizard's own discovery job against it, hands the result to the app state
//! as the TUI does, draws one frame of the source table, and reports its
//! own `VmHWM`.

use std::process::{Command, Stdio};

use tcscale::cloud::{Client, ClientConfig, Credential, RateLimit};
use tcscale::i18n::Lang;
use tcscale::scaleout::runner::{Engine, PollPolicy, RunRecord};
use tcscale::sim::clb::{SimLoadBalancer, SimTarget};
use tcscale::sim::seed;
use tcscale::sim::server::SimConfig;
use tcscale::sim::world::World;
use tcscale::tui::app::{App, Context, Msg};
use tcscale::tui::jobs::{Job, JobEvent};
use tcscale::tui::state::{Load, Role, Screen};

use crate::machine::peak_rss_kib;
use crate::report::{failed, Figure};
use crate::simhost::{LocalSim, REGION};

const NAME: &str = "7. memory (peak RSS)";
const TARGET: &str = "<= 50 MB";

/// A world of `instances` running instances and `clbs` public CLBs, each
/// with one TCP listener and a few of the instances bound.
pub fn big_world(instances: usize, clbs: usize) -> World {
    let mut world = seed::world_with_instances(instances);
    let template: SimLoadBalancer = world
        .clb
        .load_balancers
        .iter()
        .find(|lb| lb.id == "lb-8xk2pub1")
        .cloned()
        .expect("sandbox world has lb-8xk2pub1");
    world.clb.load_balancers.clear();
    for k in 0..clbs {
        let mut lb = template.clone();
        lb.id = format!("lb-{k:08}");
        lb.name = format!("clb-{k}");
        lb.vips = vec![format!("119.29.{}.{}", k / 250, 1 + k % 250)];
        lb.listeners.truncate(1);
        for l in &mut lb.listeners {
            l.id = format!("lbl-{k:08}");
            l.targets = (0..3)
                .map(|j| SimTarget {
                    instance_id: format!("ins-{:08}", (k * 3 + j) % instances.max(1)),
                    port: 80,
                    weight: 10,
                    registered_at: -100.0,
                    registered_time: "2019-03-02 11:00:00".into(),
                })
                .collect();
        }
        world.clb.load_balancers.push(lb);
    }
    world
}

pub fn run(quick: bool) -> Figure {
    match measure(quick) {
        Ok(f) => f,
        Err(e) => failed(NAME, TARGET, e),
    }
}

fn measure(quick: bool) -> Result<Figure, String> {
    let (n, clbs) = if quick { (1_000, 100) } else { (10_000, 1_000) };
    let sim = LocalSim::start(SimConfig {
        world: big_world(n, clbs),
        ..SimConfig::default()
    })?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args([
            "memory-child",
            &sim.handle.endpoint(),
            &sim.handle.secret_id,
        ])
        .env("TCSCALE_BENCH_KEY", &sim.handle.secret_key)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or("");
    let mut parts = line.split_whitespace();
    let (Some(kib), Some(got_i), Some(got_c)) = (
        parts.next().and_then(|v| v.parse::<u64>().ok()),
        parts.next().and_then(|v| v.parse::<usize>().ok()),
        parts.next().and_then(|v| v.parse::<usize>().ok()),
    ) else {
        return Err(format!(
            "memory-child said {line:?} / {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    };
    let mb = kib as f64 / 1024.0;
    Ok(Figure::new(
        NAME,
        format!("{mb:.1} MiB with {got_i} instances, {got_c} CLBs"),
        TARGET,
        Some(mb <= 50.0 && got_i >= n && got_c >= clbs),
    )
    .note(format!(
        "VmHWM of a process that ran the wizard's Discover job ({} API calls) and drew the source table",
        sim.handle.requests().len()
    )))
}

/// The child: prints `VmHWM_KiB instances clbs`.
pub fn child(endpoint: &str, secret_id: &str) -> i32 {
    let key = std::env::var("TCSCALE_BENCH_KEY").unwrap_or_default();
    let cfg = ClientConfig::new(Credential::new(secret_id, &key, None), REGION)
        .with_endpoint(Some(endpoint.to_string()))
        .with_audit_path(None)
        // The figure is about memory: do not wait on the client's rate limit.
        .with_rate_limit(RateLimit::unlimited());
    let Ok(client) = Client::new(cfg) else {
        return 1;
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(_) => return 1,
    };
    let (ptx, _prx) = tokio::sync::mpsc::unbounded_channel();
    let eng = Engine::new(
        client,
        ptx,
        PollPolicy::default(),
        Lang::En,
        RunRecord::interactive(REGION, None),
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<JobEvent>();
    rt.block_on(tcscale::tui::work::run(
        &eng,
        Role::Session,
        Job::Discover,
        &tx,
    ));
    drop(tx);
    let mut app = App::new(Lang::En, Context::default(), Screen::Source);
    app.size = (120, 40);
    while let Ok(ev) = rx.try_recv() {
        if let JobEvent::Discovered(Err(e)) = &ev {
            eprintln!("discover failed: {e}");
            return 1;
        }
        let _ = app.update(Msg::Job(ev));
    }
    let Load::Ready(arch) = &app.arch else {
        eprintln!("no architecture loaded");
        return 1;
    };
    let (ni, nc) = (arch.instances.len(), arch.clbs.len());
    app.screen = Screen::Source;
    let mut term =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).expect("test backend");
    let _ = term.draw(|f| tcscale::tui::ui::draw(&app, f));
    println!("{} {ni} {nc}", peak_rss_kib().unwrap_or(0));
    0
}
