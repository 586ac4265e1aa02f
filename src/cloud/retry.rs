//! When a failed call is tried again, and how long to wait in between.
//!
//! The rule that keeps retries safe: a call may be repeated when the server
//! certainly did not act on it (throttled, connection refused), or when doing
//! it twice is harmless. A read is always harmless. Every other action is
//! treated as a creation: after an *ambiguous* failure (timeout, connection
//! dropped after sending, HTTP 5xx, `InternalError`) it is repeated only when
//! its body carries a non-empty `ClientToken`, which makes the server
//! recognise the repeat instead of creating a second resource.

use std::time::{Duration, Instant};

use rand::{rngs::SmallRng, Rng, SeedableRng};
use serde_json::Value;

use crate::cloud::CloudError;

/// How often and how long a call is retried.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = never retry).
    pub max_attempts: u32,
    /// No retry starts later than this after the first attempt began.
    pub max_total: Duration,
    /// Upper bound of the first wait; doubles each retry (full jitter draws in [0, bound]).
    pub base_delay: Duration,
    /// Cap of the doubling bound.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        // The one retry layer (the engine above does not repeat what this
        // gave up on), so it carries a call through a bad minute.
        RetryPolicy {
            max_attempts: 10,
            max_total: Duration::from_secs(120),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The waits between attempts, as a backon backoff, starting its clock now.
    pub fn backoff(&self) -> FullJitter {
        FullJitter::new(self)
    }
}

/// Exponential backoff with full jitter (each wait uniform in
/// `[0, min(max_delay, base·2ⁿ)]`, as AWS's "Exponential Backoff And Jitter"
/// recommends): many clients throttled at once spread out instead of
/// retrying in lockstep. Ends after `max_attempts` or when the next wait
/// would cross `max_total`.
#[derive(Debug)]
pub struct FullJitter {
    bounds: backon::ExponentialBackoff,
    rng: SmallRng,
    started: Instant,
    max_total: Duration,
}

impl FullJitter {
    fn new(policy: &RetryPolicy) -> Self {
        use backon::BackoffBuilder;
        let bounds = backon::ExponentialBuilder::default()
            .with_min_delay(policy.base_delay)
            .with_max_delay(policy.max_delay)
            .with_factor(2.0)
            .with_max_times(policy.max_attempts.saturating_sub(1) as usize)
            .build();
        FullJitter {
            bounds,
            rng: SmallRng::from_entropy(),
            started: Instant::now(),
            max_total: policy.max_total,
        }
    }
}

impl Iterator for FullJitter {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let bound = self.bounds.next()?;
        let wait = bound.mul_f64(self.rng.gen::<f64>());
        (self.started.elapsed() + wait <= self.max_total).then_some(wait)
    }
}

/// Actions that only read: repeating them can never change anything.
pub fn is_read_only(action: &str) -> bool {
    const READ_PREFIXES: [&str; 8] = [
        "Describe", "Inquiry", "Inquire", "Get", "List", "Query", "Check", "Search",
    ];
    READ_PREFIXES.iter().any(|p| action.starts_with(p))
}

/// Whether repeating a request is harmless, whatever happened to the first
/// attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// A read, a DryRun, or a creation whose ClientToken lets the server
    /// recognise the repeat.
    Harmless,
    /// A change without an idempotency key: repeated only when the server
    /// certainly did not act on it.
    Unsafe,
}

impl Repeat {
    /// From the request's type: the generated models know which actions
    /// take a `ClientToken` or a `DryRun`.
    pub fn of<A: crate::cloud::Action>(req: &A) -> Repeat {
        let token = req.client_token().is_some_and(|t| !t.trim().is_empty());
        Repeat::from_facts(is_read_only(A::NAME), token, req.dry_run())
    }

    /// For an untyped call (`tcscale api`), where the body is all there is.
    pub fn of_json(action: &str, body: &Value) -> Repeat {
        let token = body
            .get("ClientToken")
            .and_then(Value::as_str)
            .is_some_and(|t| !t.trim().is_empty());
        let dry_run = body.get("DryRun").and_then(Value::as_bool) == Some(true);
        Repeat::from_facts(is_read_only(action), token, dry_run)
    }

    fn from_facts(read_only: bool, token: bool, dry_run: bool) -> Repeat {
        if read_only || token || dry_run {
            Repeat::Harmless
        } else {
            Repeat::Unsafe
        }
    }
}

/// What a failure says about whether the server acted on the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The server certainly did not execute it (throttled, never connected).
    NotExecuted,
    /// It may or may not have been executed (timeout, dropped, 5xx, InternalError).
    Ambiguous,
    /// A definite answer that a retry would not change (bad parameter, auth, quota…).
    Final,
}

pub fn classify(err: &CloudError) -> FailureKind {
    match err {
        CloudError::Api { .. } if err.is("RequestLimitExceeded") => FailureKind::NotExecuted,
        CloudError::Api { .. } if err.is("InternalError") => FailureKind::Ambiguous,
        CloudError::Api { .. } => FailureKind::Final,
        CloudError::Network {
            before_send: true, ..
        } => FailureKind::NotExecuted,
        CloudError::Network { .. } => FailureKind::Ambiguous,
        CloudError::Decode { status, .. } if *status >= 500 => FailureKind::Ambiguous,
        CloudError::Decode { .. } | CloudError::Local(_) => FailureKind::Final,
    }
}

/// Whether `err` may be retried, for a request whose repeat is `repeat`
/// (see the module doc).
pub fn should_retry(err: &CloudError, repeat: Repeat) -> bool {
    match classify(err) {
        FailureKind::NotExecuted => true,
        FailureKind::Ambiguous => repeat == Repeat::Harmless,
        FailureKind::Final => false,
    }
}

/// The client's retry quota, a token bucket (as aws-sdk-rust's standard
/// retry strategy): every retry spends tokens (more after an ambiguous
/// failure, which may have loaded the server), a success gives one back.
/// When a whole region is failing, the bucket runs dry and calls fail at
/// once instead of every caller retrying into the outage.
#[derive(Debug)]
pub struct RetryQuota {
    tokens: std::sync::Mutex<u32>,
    capacity: u32,
}

/// Tokens a retry after a throttle or refused connection costs.
pub const RETRY_COST: u32 = 5;
/// Tokens a retry after an ambiguous failure (timeout, 5xx, InternalError) costs.
pub const AMBIGUOUS_RETRY_COST: u32 = 10;
/// The bucket's size (aws-sdk-rust's default).
pub const QUOTA_CAPACITY: u32 = 500;

impl Default for RetryQuota {
    fn default() -> Self {
        RetryQuota::new(QUOTA_CAPACITY)
    }
}

impl RetryQuota {
    pub fn new(capacity: u32) -> RetryQuota {
        RetryQuota {
            tokens: std::sync::Mutex::new(capacity),
            capacity,
        }
    }

    /// Takes the cost of retrying after `err`; false (and nothing taken)
    /// when the bucket cannot pay it.
    pub fn try_spend(&self, err: &CloudError) -> bool {
        let cost = RetryQuota::cost(err);
        let mut t = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        if *t < cost {
            return false;
        }
        *t -= cost;
        true
    }

    /// What retrying after `err` costs.
    pub fn cost(err: &CloudError) -> u32 {
        match classify(err) {
            FailureKind::Ambiguous => AMBIGUOUS_RETRY_COST,
            _ => RETRY_COST,
        }
    }

    /// A call succeeded after retries that cost `spent`: those tokens come
    /// back, and one more, up to the capacity. Only retries that end in a
    /// failure drain the bucket, so a flaky but working region keeps its
    /// retries and a dead one runs out of them.
    pub fn refund(&self, spent: u32) {
        let mut t = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        *t = (*t + spent + 1).min(self.capacity);
    }

    pub fn available(&self) -> u32 {
        *self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Service;
    use serde_json::json;

    fn api(code: &str) -> CloudError {
        CloudError::Api {
            service: Service::Cvm,
            action: "RunInstances".into(),
            code: code.into(),
            message: String::new(),
            request_id: String::new(),
        }
    }

    fn net(before_send: bool) -> CloudError {
        CloudError::Network {
            service: Service::Cvm,
            action: "RunInstances".into(),
            message: "reset".into(),
            timed_out: false,
            before_send,
        }
    }

    fn http(status: u16) -> CloudError {
        CloudError::Decode {
            service: Service::Clb,
            action: "X".into(),
            status,
            message: String::new(),
        }
    }

    #[test]
    fn throttling_is_retried_for_every_action() {
        let e = api("RequestLimitExceeded.UinLimitExceeded");
        assert!(should_retry(
            &e,
            Repeat::of_json("RunInstances", &json!({}))
        ));
        assert!(should_retry(
            &e,
            Repeat::of_json("DescribeInstances", &json!({}))
        ));
        assert!(should_retry(
            &net(true),
            Repeat::of_json("CreateLoadBalancer", &json!({}))
        ));
    }

    #[test]
    fn ambiguous_failures_repeat_creations_only_with_a_client_token() {
        for e in [
            api("InternalError"),
            api("InternalError.Db"),
            net(false),
            http(502),
        ] {
            assert!(
                should_retry(&e, Repeat::of_json("DescribeInstances", &json!({}))),
                "{e}"
            );
            assert!(
                !should_retry(&e, Repeat::of_json("RunInstances", &json!({}))),
                "{e}"
            );
            assert!(!should_retry(
                &e,
                Repeat::of_json("RunInstances", &json!({"ClientToken": " "}))
            ));
            assert!(should_retry(
                &e,
                Repeat::of_json("RunInstances", &json!({"ClientToken": "t-1"}))
            ));
            assert!(!should_retry(
                &e,
                Repeat::of_json("RegisterTargets", &json!({}))
            ));
            assert!(!should_retry(
                &e,
                Repeat::of_json("ModifyTargetWeight", &json!({}))
            ));
            // A DryRun is only checked, never executed.
            assert!(should_retry(
                &e,
                Repeat::of_json("RunInstances", &json!({"DryRun": true}))
            ));
            assert!(!should_retry(
                &e,
                Repeat::of_json("RunInstances", &json!({"DryRun": false}))
            ));
        }
    }

    #[test]
    fn definite_answers_are_final() {
        for code in [
            "InvalidParameterValue",
            "AuthFailure.SignatureFailure",
            "LimitExceeded",
            "FailedOperation.ResourceInOperating",
        ] {
            assert!(!should_retry(
                &api(code),
                Repeat::of_json("DescribeInstances", &json!({}))
            ));
        }
        assert!(!should_retry(
            &http(404),
            Repeat::of_json("DescribeInstances", &json!({}))
        ));
    }

    #[test]
    fn a_repeat_is_harmless_as_the_request_type_says() {
        use crate::cloud::models::{clb, cvm};
        assert_eq!(
            Repeat::of(&cvm::DescribeInstancesRequest::default()),
            Repeat::Harmless
        );
        assert_eq!(
            Repeat::of(&cvm::RunInstancesRequest::default()),
            Repeat::Unsafe
        );
        let with_token = cvm::RunInstancesRequest {
            client_token: Some("t-1".into()),
            ..Default::default()
        };
        assert_eq!(Repeat::of(&with_token), Repeat::Harmless);
        let blank = cvm::RunInstancesRequest {
            client_token: Some(" ".into()),
            ..Default::default()
        };
        assert_eq!(Repeat::of(&blank), Repeat::Unsafe);
        let dry = cvm::RunInstancesRequest {
            dry_run: Some(true),
            ..Default::default()
        };
        assert_eq!(Repeat::of(&dry), Repeat::Harmless);
        let lb = clb::CreateLoadBalancerRequest {
            client_token: Some("t-2".into()),
            ..Default::default()
        };
        assert_eq!(Repeat::of(&lb), Repeat::Harmless);
        // No ClientToken in its definition: never repeated after an ambiguous failure.
        assert_eq!(
            Repeat::of(&clb::RegisterTargetsRequest::default()),
            Repeat::Unsafe
        );
        // The typed rule and the JSON rule (for `tcscale api`) agree.
        assert_eq!(
            Repeat::of_json("RunInstances", &json!({"ClientToken": "t-1"})),
            Repeat::of(&with_token)
        );
    }

    #[test]
    fn the_quota_pays_for_retries_and_runs_dry_in_an_outage() {
        let q = RetryQuota::new(30);
        assert!(q.try_spend(&api("RequestLimitExceeded")));
        assert_eq!(q.available(), 30 - RETRY_COST);
        assert!(q.try_spend(&api("InternalError")));
        assert_eq!(q.available(), 30 - RETRY_COST - AMBIGUOUS_RETRY_COST);
        assert!(q.try_spend(&api("InternalError")));
        // 5 left: not enough for an ambiguous retry, enough for a throttle.
        assert!(!q.try_spend(&api("InternalError")));
        assert_eq!(q.available(), 5);
        assert!(q.try_spend(&api("RequestLimitExceeded")));
        assert!(!q.try_spend(&api("RequestLimitExceeded")));
        // A call that got through after its retries gets their cost back.
        q.refund(RETRY_COST);
        assert_eq!(q.available(), RETRY_COST + 1);
        // Successes fill it again, never above its size.
        for _ in 0..100 {
            q.refund(0);
        }
        assert_eq!(q.available(), 30);
    }

    #[test]
    fn backoff_is_bounded_in_count_and_size() {
        let p = RetryPolicy {
            max_attempts: 5,
            max_total: Duration::from_secs(60),
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
        };
        let waits: Vec<Duration> = p.backoff().collect();
        assert_eq!(waits.len(), 4);
        let bounds = [100, 200, 300, 300];
        for (w, b) in waits.iter().zip(bounds) {
            assert!(*w <= Duration::from_millis(b), "{w:?} > {b}ms");
        }
        assert_eq!(RetryPolicy::none().backoff().count(), 0);
    }

    #[test]
    fn full_jitter_spreads_waits_over_the_whole_range() {
        let p = RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        let waits: Vec<Duration> = (0..200).filter_map(|_| p.backoff().next()).collect();
        assert_eq!(waits.len(), 200);
        assert!(waits.iter().any(|w| *w < Duration::from_millis(250)));
        assert!(waits.iter().any(|w| *w > Duration::from_millis(750)));
    }

    #[test]
    fn the_total_time_bound_stops_retries() {
        let p = RetryPolicy {
            max_attempts: 100,
            max_total: Duration::from_millis(0),
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(10),
        };
        // every positive wait crosses a zero budget; a zero draw is possible but rare
        assert!(p.backoff().take(100).filter(|w| !w.is_zero()).count() == 0);
    }
}
