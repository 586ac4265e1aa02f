//! Figure 3: listing 10,000 instances (100 pages of 100) against a
//! simulator that enforces the documented rates (`--rate-limit real`:
//! DescribeInstances 40 per second). The bound is the rate limit itself:
//! 100 pages / 40 per s = 2.5 s. The client's own rate limiter (the same
//! table) and the pager must get close to it without ever being refused.

use std::time::Instant;

use tcscale::cloud::models::cvm;
use tcscale::cloud::RateLimit;
use tcscale::sim::seed;
use tcscale::sim::server::{SimConfig, SimRateLimit};

use crate::report::{failed, Figure};
use crate::simhost::LocalSim;

const NAME: &str = "3. listing 10,000 instances";
const TARGET: &str = "within 10 % of 2.5 s, 0 throttled";

pub fn run(quick: bool) -> Figure {
    match measure(quick) {
        Ok(f) => f,
        Err(e) => failed(NAME, TARGET, e),
    }
}

fn measure(quick: bool) -> Result<Figure, String> {
    // Quick: 1,000 instances (10 pages), same shape.
    let n = if quick { 1_000 } else { 10_000 };
    let rate =
        tcscale::cloud::limits::rate_per_second(tcscale::cloud::Service::Cvm, "DescribeInstances");
    let sim = LocalSim::start(SimConfig {
        world: seed::world_with_instances(n),
        rate_limit: SimRateLimit::Documented,
        ..SimConfig::default()
    })?;
    let client = sim.client(RateLimit::default());
    let rt = crate::simhost::client_runtime()?;
    let start = Instant::now();
    let result = rt.block_on(client.fetch_all_pages(
        |offset, limit| cvm::DescribeInstancesRequest {
            offset: Some(offset),
            limit: Some(limit),
            ..Default::default()
        },
        |r| (r.instance_set.unwrap_or_default(), r.total_count),
    ));
    let secs = start.elapsed().as_secs_f64();
    let seen_by_user = usize::from(result.is_err());
    let items = result.map(|v| v.len()).unwrap_or(0);
    let pages = sim.count("DescribeInstances");
    let throttled = sim.count_outcome("RequestLimitExceeded");
    let bound = (n as f64 / 100.0) / rate;
    let off = (secs - bound).abs() / bound;
    let met = items == n && seen_by_user == 0 && throttled == 0 && off <= 0.10;
    Ok(Figure::new(
        NAME,
        format!(
            "{secs:.2} s for {n} ({:+.1} % of {bound:.1} s)",
            (secs - bound) / bound * 100.0
        ),
        TARGET,
        Some(met),
    )
    .note(format!(
        "{items} instances in {pages} requests; RequestLimitExceeded: {throttled} answered by the simulator, {seen_by_user} seen by the user"
    )))
}
