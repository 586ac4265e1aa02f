//! The simulated Tencent Cloud: API v3 on loopback, for the sandbox and tests.
//!
//! # Running it
//!
//! - In process: [`server::start`]`(`[`server::SimConfig`]`)` binds
//!   `127.0.0.1:0` by default and returns a [`server::SimHandle`]
//!   (`endpoint()` → `http://IP:PORT`, `credential()`, `advance(secs)`,
//!   `with_world(|w| ..)`, `shutdown()`); `tcscale --sandbox` and the tests use it.
//! - Standalone: `tcscale sim [--listen ADDR] [--secret-id ID --secret-key KEY]
//!   [--speed F] [--world FILE] [--faults SPEC] [--seed N] [--rate-limit N]`.
//!   stdout line 1 is exactly `listening on http://IP:PORT`; line 2, only with
//!   the sandbox key pair, is the bare SecretId. SIGINT/SIGTERM stop it.
//!
//! # The sandbox key pair
//!
//! Without key flags the simulator accepts exactly one pair, public on
//! purpose (it opens nothing but the local simulator):
//! SecretId [`server::SANDBOX_SECRET_ID`] = `AKIDtcscaleSandbox0000000000000000000`,
//! SecretKey [`server::SANDBOX_SECRET_KEY`] = `tcscaleSandboxSecretKey000000000`.
//! Temporary credentials: [`server::SimHandle::issue_temporary`] or the
//! signed control `POST /_sim/sts` `{"DurationSeconds": n}` (default 1800)
//! issue a triple (`Credentials.TmpSecretId/TmpSecretKey/Token`,
//! `ExpiredTime`); a call with an unknown, foreign, missing or expired
//! `X-TC-Token` is `AuthFailure.TokenFailure` (expiry in simulated time).
//!
//! # Protocol
//!
//! `POST /` with a JSON body, signed TC3-HMAC-SHA256; the service comes from
//! the credential scope (`<date>/<service>/tc3_request`), action/version/region
//! from `X-TC-*`. Any SignedHeaders set that includes `content-type` and
//! `host` is verified over the values received (or over the host without its
//! port, as the Node.js SDK signs it). Order of checks: signature
//! (`AuthFailure.*`) → per-action rate limit → faults → action
//! (`InvalidAction`) / version (`NoSuchVersion`) / `denied_actions`
//! (`UnauthorizedOperation`) / region (`InvalidParameterValue`; Tag is
//! global) → parameters against the official member tables ([`validate`])
//! → `tick` → the service's `handle`. Every answer is HTTP 200,
//! `Content-Type: application/json`, `{"Response": {.., "RequestId"}}`.
//!
//! # Observability and controls
//!
//! `GET /_sim/state` (the world as JSON; keys are not in it) and
//! `GET /_sim/requests` (time, service, action, region, outcome,
//! request_id) never change anything. `POST /_sim/<name>` is a control,
//! signed like an API call (canonical URI `/`): `advance` `{"Seconds": n}`
//! moves the clock; any other name is passed to the signing service's
//! `handle` as action `"_sim/<name>"` (unvalidated) — that is how a service
//! adds its own controls (e.g. Auto Scaling's `_sim/metric`).
//!
//! # Writing a service module
//!
//! Each service module has `handle(world, ctx, action, params) -> SimResult`
//! (return the Response object without `RequestId`; errors as
//! [`world::SimError`]) and `tick(world, now)`. A service whose answers are
//! large and hot may also give the server an `answer(..) ->`
//! [`answer::AnswerResult`] that serializes its models straight to bytes
//! ([`answer::Answer::object`]); `cvm` does for `DescribeInstances`. Time is `ctx.now` in
//! simulated seconds (speed applied); durations at speed 1 are in
//! `world.durations`. Random outcomes use `world.chance(p)` (seeded);
//! work faults are `world.faults.{image_fail, launch_fail, task_fail, tat_fail}`.
//! New ids: `world.new_id("lb")`. Shared helpers: `world.cvm.instance(id)`
//! ([`cvm::SimInstance`]: `instance` wire model, `runtime`,
//! `tat_agent_online`, `files`), [`cvm::launch_instances`],
//! [`vpc::ingress_allows`], [`vpc::allocate_ip`], [`query`] (filters, paging).
//!
//! # World
//!
//! [`seed::SANDBOX_WORLD`] (`assets/sandbox/world.toml`) is the default;
//! every section is `#[serde(default)]` so a world file holds what it needs.

pub mod world;
pub mod world_check;

pub mod answer;
pub mod auth;
pub mod conformance;
pub mod conn;
pub mod cvm;
pub mod faults;
pub mod jitter;
pub mod persist;
pub mod query;
pub mod sandbox;
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
pub mod tat_ops;
