//! Figure 4: binding 500 targets to one listener with the engine's bind step:
//! RegisterTargets in batches of 20, one CLB change at a time (each task
//! polled to completion before the next), counted from the simulator's log.

use std::time::Instant;

use tcscale::cloud::models::cvm;
use tcscale::cloud::RateLimit;
use tcscale::i18n::Lang;
use tcscale::scaleout::runner::bind::{register_targets, BindInput, BATCH};
use tcscale::scaleout::runner::{Engine, PollPolicy, RunRecord};
use tcscale::sim::seed;
use tcscale::sim::server::SimConfig;

use crate::report::{failed, Figure};
use crate::simhost::{LocalSim, REGION};

const NAME: &str = "4. binding 500 targets";
const TARGET: &str = "minimal calls, 0 ResourceInOperating";
/// The seeded public CLB and its TCP:80 listener (same VPC as the generated instances).
const LB: &str = "lb-8xk2pub1";
const LISTENER: &str = "lbl-tcp80web";

pub fn run(quick: bool) -> Figure {
    match measure(quick) {
        Ok(f) => f,
        Err(e) => failed(NAME, TARGET, e),
    }
}

fn measure(quick: bool) -> Result<Figure, String> {
    let n = if quick { 60 } else { 500 };
    let speed = if quick { 200.0 } else { 20.0 };
    let sim = LocalSim::start(SimConfig {
        world: seed::world_with_instances(n),
        speed,
        ..SimConfig::default()
    })?;
    let client = sim.client(RateLimit::default());
    let rt = crate::simhost::client_runtime()?;
    let instances = rt
        .block_on(client.fetch_all_pages(
            |offset, limit| cvm::DescribeInstancesRequest {
                offset: Some(offset),
                limit: Some(limit),
                ..Default::default()
            },
            |r| (r.instance_set.unwrap_or_default(), r.total_count),
        ))
        .map_err(|e| e.to_string())?;
    let before = sim.handle.requests().len();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let eng = Engine::new(
        client,
        tx,
        PollPolicy::with_speed(speed),
        Lang::En,
        RunRecord::interactive(REGION, None),
    );
    let input = BindInput {
        load_balancer_id: LB.into(),
        listener_id: LISTENER.into(),
        instances,
        backend_port: 8080,
        weight: 10,
    };
    let sim_start = sim.handle.now();
    let start = Instant::now();
    let out = rt
        .block_on(register_targets(&eng, &input))
        .map_err(|e| e.to_string())?;
    let wall = start.elapsed().as_secs_f64();
    let sim_secs = sim.handle.now() - sim_start;
    let log: Vec<_> = sim.handle.requests().into_iter().skip(before).collect();
    let count = |a: &str| log.iter().filter(|e| e.action == a).count();
    let register = count("RegisterTargets");
    let polls = count("DescribeTaskStatus");
    let describe = count("DescribeTargets");
    let busy = log
        .iter()
        .filter(|e| e.outcome == "FailedOperation.ResourceInOperating")
        .count();
    let batches = n.div_ceil(BATCH);
    let task = sim.handle.with_world(|w| w.durations.clb_task);
    // The least a careful client can do: one RegisterTargets per batch, one
    // DescribeTaskStatus that sees each task done, one DescribeTargets first.
    let minimal = 2 * batches + 1;
    let total = log.len();
    let met = out.bound.len() == n && busy == 0 && register == batches && total <= minimal;
    Ok(Figure::new(
        NAME,
        format!("{total} calls for {n} targets (minimum {minimal}), {busy} busy"),
        TARGET,
        Some(met),
    )
    .note(format!(
        "RegisterTargets {register} (batches {batches}), DescribeTaskStatus {polls}, DescribeTargets {describe}; {:.1} simulated s at speed {speed} ({wall:.2} s wall) vs {:.0} s of CLB tasks",
        sim_secs,
        batches as f64 * task
    )))
}
