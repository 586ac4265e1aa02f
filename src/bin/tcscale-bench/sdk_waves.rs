//! Figure 11: the sdk.config step on 1, 10 and 100 business servers, as a
//! rolling update (batched reads, writes in waves of a third, each gated on
//! the public CLB's health checks), with the engine against the simulator.
//! Compared with what the cloud itself needs: the read chain (runtime probe,
//! then the files) plus, per wave, a TAT run and the restarted service's
//! health period, and the spacing RunCommand's documented rate (20/s) puts
//! between a wave's writes. 100 servers must not take 100 times one.

use std::time::Instant;

use tcscale::cloud::limits;
use tcscale::cloud::{RateLimit, Service};
use tcscale::i18n::Lang;
use tcscale::scaleout::runner::sdk_config_step::{update_sdk_configs, wave_sizes, SdkInput};
use tcscale::scaleout::runner::{Engine, PollPolicy, RunRecord};
use tcscale::sim::seed;
use tcscale::sim::server::SimConfig;

use crate::report::{failed, Figure};
use crate::simhost::{LocalSim, REGION};

const NAME: &str = "11. sdk.config on 1 / 10 / 100 servers";
const TARGET: &str =
    "100 servers < 5x one; each within 10 % (or 2 s) of reads + waves x (TAT + health)";
/// The internal CLB's VIP the servers are pointed at (any address does).
const VIP: &str = "10.0.1.20";

pub fn run(quick: bool) -> Figure {
    match measure(quick) {
        Ok(f) => f,
        Err(e) => failed(NAME, TARGET, e),
    }
}

struct Row {
    n: usize,
    simulated: f64,
    ideal: f64,
    calls: usize,
    run_commands: usize,
    waves: usize,
}

fn one(n: usize, speed: f64) -> Result<Row, String> {
    let sim = LocalSim::start(SimConfig {
        world: seed::sandbox_with_business_servers(n),
        speed,
        ..SimConfig::default()
    })?;
    let client = sim.client(RateLimit::default());
    let rt = crate::simhost::client_runtime()?;
    let servers = sim.handle.with_world(|w| {
        w.cvm
            .instances
            .iter()
            .filter(|i| i.id().starts_with("ins-bizc"))
            .map(|i| i.instance.clone())
            .collect::<Vec<_>>()
    });
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let eng = Engine::new(
        client,
        tx,
        PollPolicy::with_speed(speed),
        Lang::En,
        RunRecord::interactive(REGION, None),
    );
    let before = sim.handle.requests().len();
    let t0 = sim.handle.now();
    let start = Instant::now();
    let out = rt
        .block_on(update_sdk_configs(
            &eng,
            &SdkInput {
                servers,
                vip: VIP.into(),
            },
        ))
        .map_err(|e| e.explain(Lang::En))?;
    let _wall = start.elapsed();
    let simulated = sim.handle.now() - t0;
    if out.per_instance.len() != n {
        return Err(format!("{} of {n} servers updated", out.per_instance.len()));
    }
    let log: Vec<_> = sim.handle.requests().into_iter().skip(before).collect();
    let d = sim.handle.with_world(|w| w.durations.clone());
    let sizes = wave_sizes(n);
    let waves = sizes.len();
    // RunCommand's documented rate spaces a wave's writes: its last one
    // starts (size - 1) / rate after the first.
    let rate = limits::rate_per_second(Service::Tat, "RunCommand");
    let spacing: f64 = sizes.iter().map(|s| (*s as f64 - 1.0) / rate).sum();
    Ok(Row {
        n,
        simulated,
        ideal: 2.0 * d.tat_run + waves as f64 * (d.tat_run + d.health) + spacing,
        calls: log.len(),
        run_commands: log.iter().filter(|e| e.action == "RunCommand").count(),
        waves,
    })
}

fn measure(quick: bool) -> Result<Figure, String> {
    // Speed 1: the client's rate limits (20 RunCommand/s…) act in real
    // time, as on the real cloud; a faster simulator would inflate them.
    let speed = if quick { 50.0 } else { 1.0 };
    let sizes: &[usize] = if quick { &[1, 10] } else { &[1, 10, 100] };
    let rows = sizes
        .iter()
        .map(|n| one(*n, speed))
        .collect::<Result<Vec<_>, _>>()?;
    let single = rows[0].simulated;
    let mut met = rows
        .iter()
        .all(|r| r.simulated - r.ideal <= (0.1 * r.ideal).max(2.0));
    if let Some(big) = rows.iter().find(|r| r.n == 100) {
        met &= big.simulated < 5.0 * single;
    }
    let summary = rows
        .iter()
        .map(|r| format!("{}: {:.1} s", r.n, r.simulated))
        .collect::<Vec<_>>()
        .join(", ");
    let mut fig = Figure::new(NAME, summary, TARGET, Some(met));
    fig.notes = rows
        .iter()
        .map(|r| {
            format!(
                "{:>3} servers: {:.1} simulated s (cloud's own {:.1} s: 2 reads + {} waves, at RunCommand's documented rate), {:.1}x one server, {} calls ({} RunCommand, {:.1} calls/server)",
                r.n,
                r.simulated,
                r.ideal,
                r.waves,
                r.simulated / single,
                r.calls,
                r.run_commands,
                r.calls as f64 / r.n as f64
            )
        })
        .collect();
    Ok(fig)
}
