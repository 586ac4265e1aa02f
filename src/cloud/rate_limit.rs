//! A client-side rate limit per (service, action), so that paging and polling
//! stay under Tencent Cloud's per-action limits instead of discovering them
//! through `RequestLimitExceeded`.
//!
//! A token bucket with reservations: each caller takes a token at once (the
//! count may go negative) and sleeps until its token would have been there.
//! Waiters are served in arrival order and nobody spins.
//!
//! By default each action gets its documented rate ([`crate::cloud::limits`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::cloud::Service;

/// Requests per second allowed per action, and how many may go at once
/// after a quiet spell.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimit {
    /// Sustained rate per (service, action) of an action the table does not
    /// cover (or of every action, without `documented`); `0` or less disables
    /// the limit.
    pub per_second: f64,
    /// Each action listed in [`crate::cloud::limits::RATES`] gets its
    /// documented rate instead of `per_second`.
    pub documented: bool,
    /// Tokens a quiet action accumulates. 1 spaces calls evenly, which never
    /// exceeds `per_second` in any one-second window.
    pub burst: u32,
    /// Per-action rates, keyed `"cvm.RunInstances"`, overriding `per_second`.
    pub overrides: BTreeMap<String, f64>,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: crate::cloud::limits::DEFAULT_RATE,
            documented: true,
            burst: 1,
            overrides: BTreeMap::new(),
        }
    }
}

impl RateLimit {
    pub fn unlimited() -> Self {
        RateLimit {
            per_second: 0.0,
            documented: false,
            ..RateLimit::default()
        }
    }

    /// One rate for every action, as a simulator started with
    /// `--rate-limit N` enforces it.
    pub fn uniform(per_second: f64) -> Self {
        RateLimit {
            per_second,
            documented: false,
            ..RateLimit::default()
        }
    }

    /// The rate for one action.
    pub fn rate_for(&self, service: Service, action: &str) -> f64 {
        if let Some(r) = self.overrides.get(&format!("{}.{action}", service.name())) {
            return *r;
        }
        if self.documented && self.per_second > 0.0 {
            return crate::cloud::limits::rate_per_second(service, action);
        }
        self.per_second
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The limiter a client shares between its clones.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<(Service, String), Bucket>>,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        RateLimiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// How long the caller must wait before sending; the token is taken now.
    pub fn reserve(&self, service: Service, action: &str, now: Instant) -> Duration {
        let rate = self.limit.rate_for(service, action);
        if rate <= 0.0 {
            return Duration::ZERO;
        }
        let burst = f64::from(self.limit.burst.max(1));
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = buckets
            .entry((service, action.to_string()))
            .or_insert(Bucket {
                tokens: burst,
                updated: now,
            });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.updated = now;
        bucket.tokens -= 1.0;
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.tokens / rate)
        }
    }

    /// Waits for this action's next slot.
    pub async fn acquire(&self, service: Service, action: &str) {
        let wait = self.reserve(service, action, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_space_calls_at_the_rate() {
        let l = RateLimiter::new(RateLimit {
            per_second: 10.0,
            documented: false,
            burst: 2,
            overrides: BTreeMap::new(),
        });
        let t0 = Instant::now();
        let waits: Vec<u128> = (0..5)
            .map(|_| l.reserve(Service::Cvm, "DescribeInstances", t0).as_millis())
            .collect();
        assert_eq!(waits, vec![0, 0, 100, 200, 300]);
        // other actions have their own bucket
        assert_eq!(
            l.reserve(Service::Cvm, "DescribeImages", t0),
            Duration::ZERO
        );
        assert_eq!(
            l.reserve(Service::Clb, "DescribeInstances", t0),
            Duration::ZERO
        );
        // after a quiet second, the bucket is full again (but no fuller than burst)
        let t1 = t0 + Duration::from_millis(1400);
        assert_eq!(
            l.reserve(Service::Cvm, "DescribeInstances", t1),
            Duration::ZERO
        );
        assert_eq!(
            l.reserve(Service::Cvm, "DescribeInstances", t1),
            Duration::ZERO
        );
        assert!(l.reserve(Service::Cvm, "DescribeInstances", t1) > Duration::ZERO);
    }

    #[test]
    fn overrides_and_unlimited() {
        let mut limit = RateLimit::default();
        limit.overrides.insert("cvm.RunInstances".into(), 2.0);
        assert_eq!(limit.rate_for(Service::Cvm, "RunInstances"), 2.0);
        assert_eq!(limit.rate_for(Service::Cvm, "DescribeInstances"), 40.0);
        assert_eq!(
            RateLimit::uniform(20.0).rate_for(Service::Cvm, "DescribeInstances"),
            20.0
        );
        let l = RateLimiter::new(RateLimit::unlimited());
        let t0 = Instant::now();
        for _ in 0..100 {
            assert_eq!(l.reserve(Service::Cvm, "X", t0), Duration::ZERO);
        }
    }

    #[test]
    fn by_default_each_action_gets_its_documented_rate() {
        let limit = RateLimit::default();
        for (service, action, rate) in crate::cloud::limits::RATES {
            assert_eq!(
                limit.rate_for(*service, action),
                *rate,
                "{service}.{action}"
            );
        }
        assert_eq!(limit.rate_for(Service::Clb, "DescribeLoadBalancers"), 20.0);
        // the limiter spaces RunInstances at 10/s and DescribeInstances at 40/s
        let l = RateLimiter::new(limit);
        let t0 = Instant::now();
        let run: Vec<u128> = (0..3)
            .map(|_| l.reserve(Service::Cvm, "RunInstances", t0).as_millis())
            .collect();
        assert_eq!(run, vec![0, 100, 200]);
        let list: Vec<u128> = (0..3)
            .map(|_| l.reserve(Service::Cvm, "DescribeInstances", t0).as_millis())
            .collect();
        assert_eq!(list, vec![0, 25, 50]);
    }

    #[tokio::test]
    async fn acquire_sleeps_until_the_slot() {
        let l = RateLimiter::new(RateLimit::uniform(40.0));
        let t0 = std::time::Instant::now();
        for _ in 0..11 {
            l.acquire(Service::Cvm, "DescribeInstances").await;
        }
        // 11 calls at 40/s: the 11th goes 250 ms after the first
        let ms = t0.elapsed().as_millis();
        assert!((245..600).contains(&ms), "{ms} ms");
    }
}
