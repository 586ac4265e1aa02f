//! Fault injection: which failures the simulator makes up, and how often.
//!
//! Parsed from `--faults throttle=0.1,internal=0.05,internal-after=0.05,
//! timeout=0.02,drop=0.01,image-fail=1,launch-fail=0.5,task-fail=0.2,tat-fail=0.1,visibility-delay=5`.
//! Each value is a probability in [0, 1], except `timeout-secs` and
//! `visibility-delay` (seconds) and `actions` (`CreateImage+RunCommand`: the
//! only actions the request-level faults hit). The request-level faults
//! (`throttle`, `internal`, `internal-after`, `timeout`, `drop`) are rolled
//! by the server before a handler runs (`internal-after` lets the handler
//! run, then answers `InternalError` all the same: the call took effect, the
//! caller cannot know it); the work-level ones are read by the services when
//! async work starts (`world.chance(world.faults.task_fail)`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultSpec {
    /// Answer `RequestLimitExceeded`.
    pub throttle: f64,
    /// Answer `InternalError` without doing anything.
    pub internal: f64,
    /// Do the call, then answer `InternalError` (the ambiguous failure: a
    /// creation without a ClientToken must look before it tries again).
    pub internal_after: f64,
    /// Hold the request for `timeout_secs` (wall clock) before answering, so clients time out.
    pub timeout: f64,
    /// Close the connection without answering.
    pub drop: f64,
    /// A new image ends `CREATEFAILED`.
    pub image_fail: f64,
    /// A new instance ends `LAUNCH_FAILED`.
    pub launch_fail: f64,
    /// A CLB task ends with status 1 (failed).
    pub task_fail: f64,
    /// A TAT invocation task ends `FAILED`.
    pub tat_fail: f64,
    /// Wall-clock seconds a `timeout` fault holds the request (0 → 35).
    pub timeout_secs: f64,
    /// Eventual consistency: simulated seconds at most that a new instance
    /// (RunInstances) or image (CreateImage) stays missing from Describe
    /// calls; each one draws its own share (half to all) from the seeded
    /// rng. 0: visible at once.
    pub visibility_delay: f64,
    /// The actions the request-level faults hit (`actions=CreateImage+RunCommand`);
    /// empty: every action.
    pub actions: Vec<String>,
}

impl FaultSpec {
    pub const KINDS: [&'static str; 9] = [
        "throttle",
        "internal",
        "internal-after",
        "timeout",
        "drop",
        "image-fail",
        "launch-fail",
        "task-fail",
        "tat-fail",
    ];

    /// Parses `kind=probability[,kind=probability…]`; an empty string means no faults.
    pub fn parse(spec: &str) -> Result<FaultSpec, String> {
        let mut out = FaultSpec::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (kind, value) = part
                .split_once('=')
                .ok_or_else(|| format!("fault `{part}`: expected KIND=PROBABILITY"))?;
            let kind = kind.trim();
            let value = value.trim();
            if kind == "actions" {
                out.actions = value
                    .split('+')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(String::from)
                    .collect();
                continue;
            }
            let p: f64 = value
                .parse()
                .map_err(|_| format!("fault `{kind}`: `{value}` is not a number"))?;
            if kind == "timeout-secs" || kind == "visibility-delay" {
                if !(p >= 0.0 && p.is_finite()) {
                    return Err(format!("fault `{kind}`: `{value}` must be >= 0"));
                }
                if kind == "timeout-secs" {
                    out.timeout_secs = p;
                } else {
                    out.visibility_delay = p;
                }
                continue;
            }
            if !(0.0..=1.0).contains(&p) {
                return Err(format!(
                    "fault `{kind}`: probability {value} is not between 0 and 1"
                ));
            }
            let slot = match kind {
                "throttle" => &mut out.throttle,
                "internal" => &mut out.internal,
                "internal-after" => &mut out.internal_after,
                "timeout" => &mut out.timeout,
                "drop" => &mut out.drop,
                "image-fail" => &mut out.image_fail,
                "launch-fail" => &mut out.launch_fail,
                "task-fail" => &mut out.task_fail,
                "tat-fail" => &mut out.tat_fail,
                other => {
                    return Err(format!(
                    "unknown fault `{other}` (known: {}, timeout-secs, visibility-delay, actions)",
                    Self::KINDS.join(", ")
                ))
                }
            };
            *slot = p;
        }
        Ok(out)
    }

    /// Whether the request-level faults may hit `action`.
    pub fn hits(&self, action: &str) -> bool {
        self.actions.is_empty() || self.actions.iter().any(|a| a == action)
    }

    /// Wall-clock seconds a `timeout` fault holds the request.
    pub fn timeout_duration(&self) -> std::time::Duration {
        let secs = if self.timeout_secs > 0.0 {
            self.timeout_secs
        } else {
            35.0
        };
        std::time::Duration::from_secs_f64(secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        let f = FaultSpec::parse(
            "throttle=0.1, internal=0.05,internal-after=0.04,timeout=0.02,drop=0.01,image-fail=1,launch-fail=0.5,task-fail=0.2,tat-fail=0.3,timeout-secs=2,visibility-delay=8",
        )
        .unwrap();
        assert_eq!(f.throttle, 0.1);
        assert_eq!(f.internal, 0.05);
        assert_eq!(f.internal_after, 0.04);
        assert_eq!(f.timeout, 0.02);
        assert_eq!(f.drop, 0.01);
        assert_eq!(f.image_fail, 1.0);
        assert_eq!(f.launch_fail, 0.5);
        assert_eq!(f.task_fail, 0.2);
        assert_eq!(f.tat_fail, 0.3);
        assert_eq!(f.timeout_duration(), std::time::Duration::from_secs(2));
        assert_eq!(f.visibility_delay, 8.0);
        assert_eq!(FaultSpec::parse("").unwrap(), FaultSpec::default());
        assert!(f.hits("DescribeInstances"));
        let only = FaultSpec::parse("internal-after=1,actions=CreateImage+RunCommand").unwrap();
        assert_eq!(only.actions, ["CreateImage", "RunCommand"]);
        assert!(only.hits("RunCommand") && !only.hits("DescribeImages"));
    }

    #[test]
    fn rejects_bad_specs_clearly() {
        assert!(FaultSpec::parse("throttle")
            .unwrap_err()
            .contains("KIND=PROBABILITY"));
        assert!(FaultSpec::parse("throttle=x")
            .unwrap_err()
            .contains("not a number"));
        assert!(FaultSpec::parse("throttle=1.5")
            .unwrap_err()
            .contains("between 0 and 1"));
        assert!(FaultSpec::parse("slow=0.1")
            .unwrap_err()
            .contains("unknown fault `slow`"));
    }
}
