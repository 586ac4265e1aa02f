//! The simulated world: every resource of every service, in one struct
//! that each service module reads and changes under the server's lock.
//!
//! The world deserializes from TOML (`assets/sandbox/world.toml` by
//! default, `tcscale sim --world FILE` otherwise). Every section is
//! `#[serde(default)]`, so a world file may contain only the sections it
//! cares about, and each service owns its own section (`[cvm]`, `[vpc]`,
//! `[tag]`, `[clb]`, `[tat]`, `[autoscaling]`).
//!
//! Conventions every service module follows:
//! - time is `ctx.now` / `now`: simulated seconds since start, already scaled
//!   by the speed factor; async states are computed from stored start times
//!   and [`Durations`] (which are at speed 1), never from wall clocks;
//! - random outcomes (fault injection) come from [`World::chance`], which
//!   uses the world's seeded rng, so a `--seed` run is reproducible;
//! - new ids come from [`World::new_id`] (`ins-`, `img-`, `lb-`, …).

use rand::{rngs::SmallRng, Rng, SeedableRng};
use serde::{Deserialize, Serialize};

pub use crate::sim::faults::FaultSpec;

/// An API error as the simulator answers it: `{"Error": {"Code", "Message"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimError {
    pub code: String,
    pub message: String,
}

impl SimError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        SimError {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for SimError {}

pub type SimResult = Result<serde_json::Value, SimError>;

/// What a handler knows about the call it serves.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// `X-TC-Region` of the call (empty for global services such as Tag).
    pub region: String,
    /// Simulated seconds since the simulator started (already scaled by `--speed`).
    pub now: f64,
    /// The `RequestId` this call will answer with (CLB task ids are request ids).
    pub request_id: String,
    /// The service named in the credential scope (`cvm`, `clb`, `as`, …).
    pub service: String,
    /// Wall-clock Unix time of the call (for `CreatedTime`-style fields).
    pub unix_time: i64,
}

impl Ctx {
    /// A context for unit tests and in-process calls.
    pub fn new(region: &str, now: f64) -> Ctx {
        Ctx {
            region: region.to_string(),
            now,
            request_id: uuid::Uuid::new_v4().to_string(),
            service: String::new(),
            unix_time: chrono::Utc::now().timestamp(),
        }
    }

    /// `unix_time` as the API's `YYYY-MM-DDThh:mm:ssZ`.
    pub fn timestamp_iso(&self) -> String {
        chrono::DateTime::from_timestamp(self.unix_time, 0)
            .unwrap_or_default()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }
}

/// How long async work takes at speed 1, in simulated seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Durations {
    /// CreateImage: CREATING → NORMAL.
    pub image: f64,
    /// RunInstances: PENDING → RUNNING.
    pub launch: f64,
    /// TerminateInstances: SHUTTING_DOWN/TERMINATING → gone.
    pub terminate: f64,
    /// CreateLoadBalancer until the CLB is usable.
    pub clb_create: f64,
    /// Any other CLB task (listener, bind, …) until DescribeTaskStatus says 0.
    pub clb_task: f64,
    /// A TAT invocation until its tasks finish.
    pub tat_run: f64,
    /// A newly bound CLB target until its health check has a verdict.
    pub health: f64,
}

impl Default for Durations {
    fn default() -> Self {
        Durations {
            image: 60.0,
            launch: 30.0,
            terminate: 10.0,
            clb_create: 10.0,
            clb_task: 3.0,
            tat_run: 5.0,
            health: 5.0,
        }
    }
}

/// One region of the simulated account and its zones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegionDef {
    /// e.g. `ap-guangzhou`
    pub region: String,
    /// e.g. `华南地区(广州)`
    pub name: String,
    pub zones: Vec<ZoneDef>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ZoneDef {
    /// e.g. `ap-guangzhou-3`
    pub zone: String,
    /// e.g. `广州三区`
    pub name: String,
    /// numeric id as a string, e.g. `100003`
    pub zone_id: String,
}

/// The account the world belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Account {
    pub app_id: u64,
    pub owner_uin: String,
}

impl Default for Account {
    fn default() -> Self {
        Account {
            app_id: 1_300_000_000,
            owner_uin: "100000000001".to_string(),
        }
    }
}

/// The seeded random source of the world (fault rolls, ids).
#[derive(Debug, Clone)]
pub struct SimRng(pub SmallRng);

impl Default for SimRng {
    fn default() -> Self {
        SimRng(SmallRng::seed_from_u64(0))
    }
}

/// The whole simulated account.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct World {
    pub account: Account,
    /// Regions the account can use; any other `X-TC-Region` is an error.
    pub regions: Vec<RegionDef>,
    /// Actions answered with `UnauthorizedOperation` (as a CAM policy
    /// would): `"RunInstances"` or `"cvm:RunInstances"`.
    pub denied_actions: Vec<String>,
    /// How long async work takes (speed 1).
    pub durations: Durations,
    /// Each operation's own factor on `durations` (`--durations-jitter`).
    pub durations_jitter: Option<crate::sim::jitter::DurationsJitter>,
    /// The seed given to [`World::seed`], which the jitter factors derive from.
    #[serde(skip)]
    pub seed_value: u64,
    /// Fault probabilities; services read `image_fail`, `launch_fail`,
    /// `task_fail`, `tat_fail` and roll them with [`World::chance`].
    pub faults: FaultSpec,
    pub cvm: crate::sim::cvm::CvmState,
    pub vpc: crate::sim::vpc::VpcState,
    pub tag: crate::sim::tag::TagState,
    pub clb: crate::sim::clb::ClbState,
    pub tat: crate::sim::tat::TatState,
    pub autoscaling: crate::sim::autoscaling::AsState,
    #[serde(skip)]
    pub rng: SimRng,
}

impl World {
    /// True with probability `p` (0 never, 1 always), from the seeded rng.
    pub fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        if p >= 1.0 {
            return true;
        }
        self.rng.0.gen::<f64>() < p
    }

    /// When a resource created `now` is first listed by Describe calls
    /// (eventual consistency): `None` (at once) without a
    /// `visibility-delay` fault, else after half to all of it, seeded.
    pub fn visible_at(&mut self, now: f64) -> Option<f64> {
        let max = self.faults.visibility_delay;
        (max > 0.0).then(|| now + max * (0.5 + 0.5 * self.rng.0.gen::<f64>()))
    }

    /// A new resource id: `prefix-` and 8 lowercase letters/digits, like the real ones.
    pub fn new_id(&mut self, prefix: &str) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let tail: String = (0..8)
            .map(|_| ALPHABET[self.rng.0.gen_range(0..ALPHABET.len())] as char)
            .collect();
        format!("{prefix}-{tail}")
    }

    /// Reseeds the world's rng (`--seed`).
    pub fn seed(&mut self, seed: u64) {
        self.rng = SimRng(SmallRng::seed_from_u64(seed));
        self.seed_value = seed;
    }

    /// How long the operation `key` takes at speed 1: `base` (one of
    /// `durations`), times its own factor when durations are jittered.
    pub fn duration(&self, base: f64, key: &str) -> f64 {
        self.duration_fn()(base, key)
    }

    /// [`World::duration`], detached from the world, for loops that hold
    /// its services mutably (the CVM tick).
    pub fn duration_fn(&self) -> impl Fn(f64, &str) -> f64 + 'static {
        let (jitter, seed) = (self.durations_jitter, self.seed_value);
        move |base, key| match jitter {
            Some(j) => base * j.factor(seed, key),
            None => base,
        }
    }

    pub fn region(&self, region: &str) -> Option<&RegionDef> {
        self.regions.iter().find(|r| r.region == region)
    }

    /// The zone definition and its region.
    pub fn zone(&self, zone: &str) -> Option<(&RegionDef, &ZoneDef)> {
        self.regions
            .iter()
            .find_map(|r| r.zones.iter().find(|z| z.zone == zone).map(|z| (r, z)))
    }

    /// Whether the world file denies `service:action` (or `action`).
    pub fn is_denied(&self, service: &str, action: &str) -> bool {
        self.denied_actions.iter().any(|d| match d.split_once(':') {
            Some((s, a)) => s == service && a == action,
            None => d == action,
        })
    }

    /// Advances every service to `now` (the server calls this before each handler).
    pub fn tick(&mut self, now: f64) {
        crate::sim::cvm::tick(self, now);
        crate::sim::vpc::tick(self, now);
        crate::sim::tag::tick(self, now);
        crate::sim::clb::tick(self, now);
        crate::sim::tat::tick(self, now);
        crate::sim::autoscaling::tick(self, now);
    }
}
