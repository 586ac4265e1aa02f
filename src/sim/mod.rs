//! The simulated Tencent Cloud: API v3 on loopback, for the sandbox and tests.
//!
//! Layout: `server` (HTTP, signature checks, envelopes, faults, rate limits)
//! → `validate` (requests against the generated member tables) → one module
//! per service, each `handle(world, ctx, action, params)` on the shared
//! [`world::World`]. Async work (images, launches, CLB tasks, TAT runs)
//! advances with simulated time in `tick`.

pub mod world;

pub mod auth;
pub mod cvm;
pub mod faults;
pub mod query;
pub mod seed;
pub mod server;
pub mod tag;
pub mod validate;
pub mod vpc;

pub mod as_engine;
pub mod as_schedule;
pub mod autoscaling;
pub mod clb;
pub mod clb_targets;
pub mod svc_util;
pub mod tat;
