//! Talking to the API patiently: calls that survive a network outage
//! (with a visible countdown) and transient errors, and polls that ask
//! no more than once a second per operation on the real cloud.

use std::future::Future;
use std::time::{Duration, Instant};

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use crate::cloud::retry::{self, FailureKind};
use crate::cloud::{Action, CloudError};

use super::{Engine, Progress, StepError};

/// How often to poll an operation whose duration nobody knows in advance
/// (an image takes under a minute or many minutes, depending on its disk):
/// every second at first, so short operations are seen done within a second
/// or two, then 5 % of the time waited so far, so a long one is seen within
/// 5 % of its duration at little cost. `speed` divides every duration, so the
/// sandbox and tests (where the simulator runs faster) poll proportionally
/// faster, while the real cloud (speed 1) is never asked more than once a
/// second per operation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollPolicy {
    pub speed: f64,
    /// Give up reconnecting after this long (at speed 1).
    pub outage_budget: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            speed: 1.0,
            outage_budget: Duration::from_secs(300),
        }
    }
}

/// The share of the time waited so far that the next poll may be late by.
/// 2.5 %: the run's own lateness adds up over the chain of operations (an
/// image, a launch, then short binds and TAT runs), and the whole run must
/// stay within 5 % of the cloud's time (BENCHMARKS.md, figure 1j); a 2-hour
/// image costs about 380 polls, far under DescribeImages' 40/s.
const LATENESS: f64 = 0.025;
/// The longest gap between two polls (at speed 1): past 20 minutes of
/// waiting, 2.5 % would exceed it, and a user watching a progress line
/// should see it move at least this often.
const MAX_INTERVAL: Duration = Duration::from_secs(30);

impl PollPolicy {
    pub fn with_speed(speed: f64) -> PollPolicy {
        PollPolicy {
            speed: if speed.is_finite() && speed >= 1.0 {
                speed
            } else {
                1.0
            },
            ..PollPolicy::default()
        }
    }

    /// Scales a duration at speed 1 to this policy's speed.
    pub fn scaled(&self, d: Duration) -> Duration {
        d.div_f64(self.speed)
    }

    /// The wait before the next poll, `elapsed` (wall clock) after polling
    /// began: 5 % of the (speed 1) time waited, between 1 s and
    /// [`MAX_INTERVAL`], then scaled.
    pub fn next_wait(&self, elapsed: Duration) -> Duration {
        let waited = elapsed.mul_f64(self.speed);
        let base = waited
            .mul_f64(LATENESS)
            .clamp(Duration::from_secs(1), MAX_INTERVAL);
        self.scaled(base)
    }

    /// A deadline at speed 1, scaled.
    pub fn deadline(&self, limit: Duration) -> Duration {
        self.scaled(limit)
    }
}

/// What the engine itself waits out: the resource is busy with another
/// change. The client's classifier rightly calls these final (asked again at
/// once, the API answers the same), but a step can wait for the change to end.
/// Everything else that is worth repeating (throttling, `InternalError`,
/// network failures) the client has already repeated, by its one rule of what
/// is safe to repeat ([`crate::cloud::retry`]); the engine applies the same
/// rule when it gives a safe call more time, and never repeats what the rule
/// does not allow (a creation without a ClientToken answers `Unknown`).
fn is_busy(e: &CloudError) -> bool {
    e.is("FailedOperation.ResourceInOperating") || e.is("ResourceInUse")
}

fn is_outage(e: &CloudError) -> bool {
    matches!(e, CloudError::Network { .. })
}

/// How many answers in a row may leave one creation's outcome unknown
/// before the step gives up: each one is followed by a Describe (the step's
/// lookup) and, when nothing is found, a new attempt; a cloud that keeps
/// failing ambiguously stops the step with its error instead of looping.
const MAX_UNKNOWN_IN_A_ROW: u32 = 6;

/// Ambiguous answers per request (action and body) since its last clear
/// answer: the bound of [`MAX_UNKNOWN_IN_A_ROW`], kept apart for each
/// creation so that one found after an ambiguous answer does not count
/// against the next.
#[derive(Debug, Default)]
pub struct UnknownCounts(Mutex<HashMap<u64, u32>>);

impl UnknownCounts {
    fn key<A: Action>(req: &A) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        A::NAME.hash(&mut h);
        serde_json::to_string(req).unwrap_or_default().hash(&mut h);
        h.finish()
    }

    /// Counts one more ambiguous answer to `req`; returns how many in a row.
    fn bump<A: Action>(&self, req: &A) -> u32 {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = m.entry(Self::key(req)).or_default();
        *n += 1;
        *n
    }

    fn clear<A: Action>(&self, req: &A) {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        m.remove(&Self::key(req));
    }
}

/// The result of a call that creates something without a ClientToken: when
/// the answer was ambiguous (a network failure after sending, HTTP 5xx,
/// `InternalError`), it may or may not have been applied, and the step must
/// look (Describe) before trying again.
pub enum Sent<T> {
    Done(T),
    Unknown,
}

impl Engine {
    /// A call that is safe to repeat (a Describe, or a creation with a
    /// ClientToken): the client repeats it through transient failures; the
    /// engine waits out busy resources and outages.
    pub async fn call<A: Action>(&self, req: &A) -> Result<A::Response, StepError> {
        let r = self.check_call(req).await?;
        super::kill_hook::after_call(A::NAME);
        Ok(r)
    }

    /// [`Engine::call`] for the checks made before a run starts (the plan
    /// check's DryRun, Describe and price calls): the kill hook, which marks
    /// the window between a creation's answer and its journal write, is not
    /// armed, since nothing is created and no journal exists yet.
    pub async fn check_call<A: Action>(&self, req: &A) -> Result<A::Response, StepError> {
        let mut outage = Duration::ZERO;
        let mut attempt = 0u32;
        loop {
            match self.client.call(req).await {
                Ok(r) => return Ok(r),
                Err(e) if is_outage(&e) => {
                    outage += self.reconnect_wait(outage).await?;
                }
                // The client is the one retry layer for transient failures;
                // the engine only waits out a busy resource (one change at
                // a time on a CLB) and network outages.
                Err(e) if is_busy(&e) && attempt < 8 => {
                    attempt += 1;
                    self.retry_wait(&e, attempt).await;
                }
                Err(e) => return Err(StepError::Cloud(e)),
            }
        }
    }

    /// A call that is not safe to repeat blindly (CreateImage, CreateListener,
    /// RegisterTargets, CreateSecurityGroupPolicies, RunCommand…: no
    /// ClientToken). A busy resource is waited out and the call repeated (it
    /// was refused, so not applied); after an ambiguous failure, `Unknown`,
    /// so the step looks before trying again; an outage first waits for the
    /// network.
    pub async fn send<A: Action>(&self, req: &A) -> Result<Sent<A::Response>, StepError> {
        let mut attempt = 0u32;
        let mut outage = Duration::ZERO;
        loop {
            let e = match self.client.call(req).await {
                Ok(r) => {
                    super::kill_hook::after_call(A::NAME);
                    self.unknown.clear(req);
                    return Ok(Sent::Done(r));
                }
                Err(e) => e,
            };
            if is_busy(&e) && attempt < 8 {
                attempt += 1;
                self.retry_wait(&e, attempt).await;
                continue;
            }
            match retry::classify(&e) {
                FailureKind::NotExecuted if is_outage(&e) => {
                    // Never reached the server: wait for the network, then repeat.
                    outage += self.reconnect_wait(outage).await?;
                }
                FailureKind::Ambiguous => {
                    let n = self.unknown.bump(req);
                    if n > MAX_UNKNOWN_IN_A_ROW {
                        self.unknown.clear(req);
                        return Err(StepError::Cloud(e));
                    }
                    if is_outage(&e) {
                        self.reconnect_wait(Duration::ZERO).await?;
                    } else {
                        self.retry_wait(&e, n).await;
                    }
                    return Ok(Sent::Unknown);
                }
                _ => return Err(StepError::Cloud(e)),
            }
        }
    }

    async fn retry_wait(&self, e: &CloudError, attempt: u32) {
        // Exponential with jitter, 1 s … 30 s at speed 1.
        let base = Duration::from_millis(500u64 << attempt.min(6)).min(Duration::from_secs(30));
        let jitter = rand::random::<f64>() * 0.5 + 0.75;
        let wait = self.poll.scaled(base.mul_f64(jitter));
        self.report(Progress::Retrying {
            reason: e.code().unwrap_or("error").to_string(),
            wait,
        });
        tokio::time::sleep(wait).await;
    }

    /// Counts down before the next attempt after a network failure, reporting
    /// every (scaled) second; returns the wait, or gives up past the budget.
    async fn reconnect_wait(&self, so_far: Duration) -> Result<Duration, StepError> {
        if so_far >= self.poll.outage_budget {
            return Err(StepError::Blocked(crate::i18n::Text::new(
                "engine.error.outage",
                &[],
            )));
        }
        let secs = (2u64 << (so_far.as_secs() / 20).min(3)).min(15);
        for left in (1..=secs).rev() {
            self.report(Progress::Reconnecting { seconds_left: left });
            tokio::time::sleep(self.poll.scaled(Duration::from_secs(1))).await;
        }
        Ok(Duration::from_secs(secs))
    }

    /// Calls `probe` now, then on [`PollPolicy::next_wait`]'s schedule, until
    /// it returns `Ready`; returns at once when it does (no call after
    /// completion is known). Gives up past `limit` (at speed 1, one of
    /// [`deadline`]), `what` and the last state naming the operation. For an
    /// operation that may already be done (a resumed run, health after the fact).
    pub async fn poll_until<T, F, Fut>(
        &self,
        what: &str,
        limit: Duration,
        probe: F,
    ) -> Result<T, StepError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Polled<T>, StepError>>,
    {
        self.poll_from(what, limit, Duration::ZERO, probe).await
    }

    /// [`Engine::poll_until`] for an operation this step has just started
    /// (a CLB task, a TAT run): the first call waits one poll interval, since
    /// asking at once can only hear "still running".
    pub async fn poll_fresh<T, F, Fut>(
        &self,
        what: &str,
        limit: Duration,
        probe: F,
    ) -> Result<T, StepError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Polled<T>, StepError>>,
    {
        let first = self.poll.next_wait(Duration::ZERO);
        self.poll_from(what, limit, first, probe).await
    }

    async fn poll_from<T, F, Fut>(
        &self,
        what: &str,
        limit: Duration,
        first: Duration,
        mut probe: F,
    ) -> Result<T, StepError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Polled<T>, StepError>>,
    {
        let start = Instant::now();
        let deadline = self.poll.deadline(limit);
        if !first.is_zero() {
            tokio::time::sleep(first).await;
        }
        loop {
            match probe().await? {
                Polled::Ready(v) => return Ok(v),
                Polled::Pending(state) => {
                    if start.elapsed() > deadline {
                        return Err(StepError::TimedOut {
                            what: what.to_string(),
                            state,
                            waited: start.elapsed(),
                        });
                    }
                }
            }
            tokio::time::sleep(self.poll.next_wait(start.elapsed())).await;
        }
    }
}

/// One poll's answer: done (with the result) or still going (with the state seen).
pub enum Polled<T> {
    Ready(T),
    Pending(String),
}

/// How long each asynchronous operation may take on the real cloud before
/// tcscale calls it stuck (at speed 1). Far above what the operations
/// usually take, so a slow day is waited out, not a failure; not the
/// durations of any one cloud (the simulator's included): polling does
/// not depend on them.
pub mod deadline {
    use std::time::Duration;
    /// A CreateImage: large system disks take tens of minutes.
    pub const IMAGE: Duration = Duration::from_secs(2 * 3600);
    pub const LAUNCH: Duration = Duration::from_secs(30 * 60);
    pub const CLB_CREATE: Duration = Duration::from_secs(30 * 60);
    pub const CLB_TASK: Duration = Duration::from_secs(10 * 60);
    /// A TAT invocation: the commands tcscale runs are short; the command's
    /// own timeout ends the invocation before this.
    pub const TAT: Duration = Duration::from_secs(10 * 60);
    /// A target's first health verdict (several check intervals).
    pub const HEALTH: Duration = Duration::from_secs(10 * 60);
    /// A service restarted by tcscale back `Alive` behind its CLB (a
    /// Tomcat start takes a minute or two; more is a failed start).
    pub const RESTART: Duration = Duration::from_secs(5 * 60);
    /// A new resource missing from Describe calls (eventual consistency).
    pub const LISTED: Duration = Duration::from_secs(5 * 60);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_every_second_then_at_a_share_of_the_wait_up_to_a_cap() {
        let p = PollPolicy::default();
        let s = Duration::from_secs;
        let ms = Duration::from_millis;
        // short operations: every second (the real cloud's per-operation cap)
        assert_eq!(p.next_wait(s(0)), s(1));
        assert_eq!(p.next_wait(s(39)), s(1));
        // longer ones: 2.5 % of the time waited so far, growing gradually
        assert_eq!(p.next_wait(s(80)), s(2));
        assert_eq!(p.next_wait(s(600)), s(15));
        assert_eq!(p.next_wait(ms(620_000)), ms(15_500));
        // capped
        assert_eq!(p.next_wait(s(3600)), s(30));
    }

    #[test]
    fn an_end_is_seen_within_a_second_or_a_share_of_its_duration() {
        // Replays the schedule against ends of 0.5 s … 2 h: the first poll
        // at or after the end comes at most max(1 s, 2.5 %) (or the cap) later.
        let p = PollPolicy::default();
        for end_ms in [
            500u64, 1_000, 7_300, 29_000, 61_000, 240_000, 1_900_000, 7_200_000,
        ] {
            let end = Duration::from_millis(end_ms);
            let mut t = Duration::ZERO;
            let mut polls = 1u32;
            while t < end {
                t += p.next_wait(t);
                polls += 1;
            }
            let late = t - end;
            let allowed = end
                .mul_f64(LATENESS)
                .max(Duration::from_secs(1))
                .min(MAX_INTERVAL);
            assert!(late <= allowed, "end {end:?}: seen {late:?} late");
            // never more than one call a second
            assert!(
                u64::from(polls) <= end.as_secs() + 2,
                "end {end:?}: {polls} polls"
            );
        }
    }

    #[test]
    fn speed_scales_waits_and_never_goes_below_one() {
        let p = PollPolicy::with_speed(50.0);
        let ms = Duration::from_millis;
        assert_eq!(p.next_wait(Duration::ZERO), ms(20));
        // 1.6 s wall at speed 50 is 80 s waited: 2 s, scaled to 40 ms
        assert_eq!(p.next_wait(ms(1600)), ms(40));
        assert_eq!(p.deadline(Duration::from_secs(100)), Duration::from_secs(2));
        assert_eq!(PollPolicy::with_speed(0.0).speed, 1.0);
        assert_eq!(PollPolicy::with_speed(f64::NAN).speed, 1.0);
    }
}
