//! The real cloud's documented limits, as the simulator enforces them and
//! the client honours them: per-action request rates (`--rate-limit real`),
//! batch sizes, the region's custom-image quota.

mod sim_support;

use std::time::Instant;

use serde_json::json;
use sim_support::*;
use tcscale::cloud::limits::{self, RATES};
use tcscale::cloud::{Client, ClientConfig, RateLimit, RetryPolicy, Service};
use tcscale::sim::seed::sandbox_world;
use tcscale::sim::server::{SimHandle, SimRateLimit};

async fn documented_sim() -> SimHandle {
    sim_with(sandbox_world(), |c| c.rate_limit = SimRateLimit::Documented).await
}

/// Fires `n` calls of one action at once (no client limiter); how many were refused.
async fn refused_of_burst(c: &Client, service: Service, action: &str, n: usize) -> usize {
    let calls = (0..n).map(|_| call(c, service, action, json!({})));
    futures::future::join_all(calls)
        .await
        .into_iter()
        .filter(|r| match r {
            Ok(_) => false,
            Err(e) => {
                assert_eq!(e.code(), Some("RequestLimitExceeded"), "{e}");
                true
            }
        })
        .count()
}

#[tokio::test]
async fn the_simulator_holds_each_action_to_its_documented_rate() {
    let h = documented_sim().await;
    let c = client(&h, "ap-guangzhou");
    // DescribeImageQuota: 10/s. A burst of 30 at once: about 20 refused.
    let refused = refused_of_burst(&c, Service::Cvm, "DescribeImageQuota", 30).await;
    assert!(
        (17..=21).contains(&refused),
        "{refused} of 30 refused at 10/s"
    );
    // DescribeAutomationAgentStatus: 60/s. A burst of 30 passes whole.
    let refused = refused_of_burst(&c, Service::Tat, "DescribeAutomationAgentStatus", 30).await;
    assert_eq!(refused, 0, "60/s refuses none of 30");
    // DescribeInstances: 40/s. A burst of 60: about 20 refused.
    let refused = refused_of_burst(&c, Service::Cvm, "DescribeInstances", 60).await;
    assert!(
        (17..=21).contains(&refused),
        "{refused} of 60 refused at 40/s"
    );
    // An unlisted action: the default 20/s.
    let refused = refused_of_burst(&c, Service::Clb, "DescribeLoadBalancers", 30).await;
    assert!(
        (8..=11).contains(&refused),
        "{refused} of 30 refused at 20/s"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn the_clients_default_limiter_is_never_refused_by_the_documented_rates() {
    let h = documented_sim().await;
    let cfg = ClientConfig::new(h.credential(), "ap-guangzhou")
        .with_endpoint(Some(h.endpoint()))
        .with_retry(RetryPolicy::none())
        .with_rate_limit(RateLimit::default())
        .with_audit_path(None);
    let c = Client::new(cfg).unwrap();
    let started = Instant::now();
    // 12 DescribeImageQuota at 10/s and 45 DescribeInstances at 40/s, all at once.
    let quota = (0..12).map(|_| call(&c, Service::Cvm, "DescribeImageQuota", json!({})));
    let list = (0..45).map(|_| call(&c, Service::Cvm, "DescribeInstances", json!({"Limit": 1})));
    let (q, l) = futures::future::join(
        futures::future::join_all(quota),
        futures::future::join_all(list),
    )
    .await;
    for r in q.into_iter().chain(l) {
        r.expect("never refused");
    }
    // paced, not bunched: the 12th quota call leaves 1.1 s after the first
    let ms = started.elapsed().as_millis();
    assert!((1050..3000).contains(&ms), "{ms} ms");
    assert!(h.requests().iter().all(|r| r.outcome == "OK"));
    h.shutdown().await;
}

#[test]
fn the_sims_rate_flag_parses() {
    assert_eq!(SimRateLimit::parse("real"), Ok(SimRateLimit::Documented));
    assert_eq!(SimRateLimit::parse("12.5"), Ok(SimRateLimit::Uniform(12.5)));
    assert_eq!(SimRateLimit::parse("off"), Ok(SimRateLimit::Off));
    let e = SimRateLimit::parse("fast").unwrap_err();
    assert!(e.contains("--rate-limit") && e.contains("real"), "{e}");
    // the simulator's documented rate is the table's, simulator controls aside
    for (s, a, r) in RATES {
        assert_eq!(SimRateLimit::Documented.rate(*s, a), Some(*r));
    }
    assert_eq!(
        SimRateLimit::Documented.rate(Service::Cvm, "_sim/advance"),
        None
    );
    assert_eq!(
        SimRateLimit::Documented.rate(Service::As, "CreateScalingPolicy"),
        Some(limits::DEFAULT_RATE)
    );
}
