//! The simulator's HTTP side: API v3 on loopback.
//!
//! Every call goes through, in order: signature check (`auth`) → per-action
//! rate limit → request-level faults (drop, timeout, throttle, internal) →
//! action / version / region / permission → parameter validation
//! (`validate`) → `tick` of every service to the simulated now → the
//! service's `handle`. Answers are always HTTP 200 with `Content-Type:
//! application/json` and the API envelope, errors included.
//!
//! Observability, unsigned and read-only: `GET /_sim/state` (the world as
//! JSON; keys are not part of the world) and `GET /_sim/requests` (the
//! request log). Controls that change state are `POST /_sim/<name>`,
//! signed like an API call (the canonical request is the same as for
//! `POST /`): `advance` (`{"Seconds": n}` moves the simulated clock) is
//! built in; any other name goes to the signing service's `handle` as
//! action `"_sim/<name>"` (e.g. the Auto Scaling service matches
//! `"_sim/metric"`), without parameter validation.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::cloud::action::Service;
use crate::cloud::credentials::Credential;
use crate::sim::answer::{self, from_tree, Answer, AnswerResult};
use crate::sim::auth;
use crate::sim::faults::FaultSpec;
use crate::sim::persist;
use crate::sim::validate;
use crate::sim::world::{Ctx, SimError, World};

/// The documented sandbox key pair (`tcscale --sandbox`, `tcscale sim`
/// without key flags). It opens nothing but the local simulator.
pub const SANDBOX_SECRET_ID: &str = "AKIDtcscaleSandbox0000000000000000000";
pub const SANDBOX_SECRET_KEY: &str = "tcscaleSandboxSecretKey000000000";

/// How the simulator runs.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    pub secret_id: String,
    pub secret_key: String,
    /// Simulated seconds per wall-clock second.
    pub speed: f64,
    pub world: World,
    /// Overrides the world file's `faults` when set.
    pub faults: Option<FaultSpec>,
    /// Seed of the world's rng (fault rolls, ids).
    pub seed: u64,
    /// Requests per second allowed per action (token bucket).
    pub rate_limit: SimRateLimit,
    /// A connection with no traffic and no request in flight this long is closed.
    pub idle_timeout: Duration,
    /// Keep the world in this file (`sim::persist`): loaded at start when
    /// it exists, saved after every call that may change it.
    pub persist: Option<std::path::PathBuf>,
}

/// How the simulator limits request rates, per (service, action), answering
/// `RequestLimitExceeded` beyond.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum SimRateLimit {
    #[default]
    Off,
    /// The same rate for every action (`--rate-limit N`).
    Uniform(f64),
    /// Each action's documented rate (`--rate-limit real`), from
    /// [`crate::cloud::limits`]; simulator controls are not limited.
    Documented,
}

impl SimRateLimit {
    /// `real` (or `documented`), `off`, or a positive number of requests per second.
    pub fn parse(s: &str) -> Result<SimRateLimit, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "real" | "documented" => Ok(SimRateLimit::Documented),
            "off" | "none" | "0" => Ok(SimRateLimit::Off),
            n => match n.parse::<f64>() {
                Ok(r) if r > 0.0 && r.is_finite() => Ok(SimRateLimit::Uniform(r)),
                _ => Err(format!(
                    "--rate-limit {s}: give `real` (each action's documented rate), `off`, or a positive number of requests per second"
                )),
            },
        }
    }

    /// The rate `service.action` is held to; `None` when unlimited.
    pub fn rate(self, service: Service, action: &str) -> Option<f64> {
        match self {
            SimRateLimit::Off => None,
            SimRateLimit::Uniform(r) => Some(r).filter(|r| *r > 0.0),
            SimRateLimit::Documented if action.starts_with("_sim/") => None,
            SimRateLimit::Documented => {
                Some(crate::cloud::limits::rate_per_second(service, action))
            }
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            secret_id: SANDBOX_SECRET_ID.to_string(),
            secret_key: SANDBOX_SECRET_KEY.to_string(),
            speed: 1.0,
            world: crate::sim::seed::sandbox_world(),
            faults: None,
            seed: 0,
            rate_limit: SimRateLimit::Off,
            idle_timeout: crate::sim::conn::IDLE_TIMEOUT,
            persist: None,
        }
    }
}

/// One line of the request log (`GET /_sim/requests`).
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    /// Simulated seconds.
    pub time: f64,
    pub service: String,
    pub action: String,
    pub region: String,
    /// `OK` or the error code.
    pub outcome: String,
    pub request_id: String,
    /// The call carried `"DryRun": true`: checked, nothing created (so a
    /// log reader can tell a RunInstances DryRun from a launch).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
}

/// The request log keeps this many entries (oldest dropped first).
const LOG_CAP: usize = 100_000;

struct Bucket {
    tokens: f64,
    last: Instant,
}

struct Shared {
    world: Mutex<World>,
    keys: Mutex<auth::KeyRing>,
    started: Instant,
    speed: f64,
    /// Simulated seconds added by `/_sim/advance`.
    offset: Mutex<f64>,
    log: Mutex<std::collections::VecDeque<LogEntry>>,
    rate_limit: SimRateLimit,
    buckets: Mutex<HashMap<(Service, String), Bucket>>,
    /// `action:ClientToken` of the calls the `internal-after` fault has
    /// failed: a repeat with the same token finds its effect already done
    /// and is answered as the real API does, normally.
    failed_after: Mutex<std::collections::HashSet<String>>,
    /// Which world this is (`persist::Saved::world_id`).
    world_id: String,
    /// Where the world is kept, if it is; the mutex orders the saves.
    store: Mutex<Option<persist::Store>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in one handler must not take the whole simulator down.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * self.speed + *lock(&self.offset)
    }

    /// Saves the world when it is kept. Serialized under the store's lock,
    /// so the last save written is always of the latest world.
    fn keep(&self) {
        let store = lock(&self.store);
        let Some(store) = store.as_ref() else {
            return;
        };
        let world = lock(&self.world);
        if let Err(e) = store.save(&self.world_id, self.now(), &world) {
            tracing::warn!("sandbox world not saved to {}: {e}", store.path().display());
        }
    }

    fn record(&self, entry: LogEntry) {
        let mut log = lock(&self.log);
        if log.len() >= LOG_CAP {
            log.pop_front();
        }
        log.push_back(entry);
    }

    fn issue(&self, seconds: f64) -> auth::Issued {
        lock(&self.keys).issue(self.now(), seconds)
    }

    /// Takes one token of the bucket of `service.action`; false when empty.
    /// A bucket holds one second's worth, so a client spacing its calls at
    /// the rate is never refused.
    fn take_token(&self, service: Service, action: &str) -> bool {
        let Some(rate) = self.rate_limit.rate(service, action) else {
            return true;
        };
        let mut buckets = lock(&self.buckets);
        let now = Instant::now();
        let b = buckets
            .entry((service, action.to_string()))
            .or_insert(Bucket {
                tokens: rate,
                last: now,
            });
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(rate.max(1.0));
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// A running simulator.
pub struct SimHandle {
    pub addr: SocketAddr,
    pub secret_id: String,
    /// For in-process use (tests, `--sandbox`); never print it.
    pub secret_key: String,
    shared: Arc<Shared>,
    origin: persist::Origin,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SimHandle {
    /// `http://IP:PORT`, for `ClientConfig::endpoint`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The key pair the simulator accepts, as a client credential.
    pub fn credential(&self) -> Credential {
        Credential::new(&self.secret_id, &self.secret_key, None)
    }

    /// Simulated seconds since start.
    pub fn now(&self) -> f64 {
        self.shared.now()
    }

    /// Issues temporary credentials (the sandbox's STS) valid for `seconds`
    /// of simulated time; as a client credential with its session token.
    pub fn issue_temporary(&self, seconds: f64) -> Credential {
        let t = self.shared.issue(seconds);
        Credential::new(&t.secret_id, &t.secret_key, Some(&t.token))
    }

    /// Moves the simulated clock forward.
    pub fn advance(&self, seconds: f64) {
        *lock(&self.shared.offset) += seconds.max(0.0);
        self.shared.keep();
    }

    /// Runs `f` on the world under the lock (in-process inspection and setup).
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let r = f(&mut lock(&self.shared.world));
        self.shared.keep();
        r
    }

    /// Which world this is: the same across restarts while its file is kept.
    pub fn world_id(&self) -> &str {
        &self.shared.world_id
    }

    /// Where the world came from (new, restored, reset, not kept).
    pub fn origin(&self) -> &persist::Origin {
        &self.origin
    }

    /// The request log so far.
    pub fn requests(&self) -> Vec<LogEntry> {
        lock(&self.shared.log).iter().cloned().collect()
    }

    /// Stops serving; requests held by a `timeout` fault are cut off after a second.
    pub async fn shutdown(mut self) {
        self.stop_now().await;
    }

    async fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(1), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts the simulator on `cfg.listen` and returns once it accepts connections.
pub async fn start(cfg: SimConfig) -> std::io::Result<SimHandle> {
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    let kept = Kept::open(cfg.persist.as_deref(), cfg.speed);
    let restored = kept.saved.is_some();
    let mut world = kept.saved.map(|s| s.world).unwrap_or(cfg.world);
    // A restored world draws new ids from a new sequence: the seeded one
    // would repeat the ids it already handed out.
    world.seed(if restored { rand::random() } else { cfg.seed });
    if let Some(f) = cfg.faults {
        world.faults = f;
    }
    let shared = Arc::new(Shared {
        world: Mutex::new(world),
        keys: Mutex::new(auth::KeyRing {
            permanent: HashMap::from([(cfg.secret_id.clone(), cfg.secret_key.clone())]),
            ..Default::default()
        }),
        started: Instant::now(),
        speed: if cfg.speed > 0.0 { cfg.speed } else { 1.0 },
        offset: Mutex::new(kept.clock),
        log: Mutex::new(Default::default()),
        rate_limit: cfg.rate_limit,
        buckets: Mutex::new(HashMap::new()),
        failed_after: Mutex::default(),
        world_id: kept.world_id,
        store: Mutex::new(kept.store),
    });
    // The file exists from the first start on (a reset one is replaced now).
    shared.keep();
    let app = Router::new()
        .route("/", post(api).get(get_api))
        // POSTs to the read-only paths are controls like any other (signed, and unknown).
        .route("/_sim/state", get(state).post(control_state))
        .route("/_sim/requests", get(requests).post(control_requests))
        .route("/_sim/{name}", post(control))
        // Every other path and method is answered like the API answers: 200, JSON, a code.
        .fallback(unknown_path)
        .method_not_allowed_fallback(get_api)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(crate::sim::conn::track))
        .with_state(shared.clone());
    let listener = crate::sim::conn::IdleListener::new(listener, cfg.idle_timeout);
    let app = app.into_make_service_with_connect_info::<crate::sim::conn::Conn>();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(SimHandle {
        addr,
        secret_id: cfg.secret_id,
        secret_key: cfg.secret_key,
        shared,
        origin: kept.origin,
        stop: Some(stop),
        task: Some(task),
    })
}

/// The kept world at start: what was saved, its id and clock, and where it came from.
struct Kept {
    store: Option<persist::Store>,
    saved: Option<persist::Saved>,
    world_id: String,
    clock: f64,
    origin: persist::Origin,
}

impl Kept {
    fn open(path: Option<&std::path::Path>, speed: f64) -> Kept {
        let fresh = |store, origin| Kept {
            store,
            saved: None,
            world_id: uuid::Uuid::new_v4().to_string(),
            clock: 0.0,
            origin,
        };
        let Some(path) = path else {
            return fresh(None, persist::Origin::New);
        };
        let store = match persist::Store::open(path) {
            Ok(s) => s,
            Err(why) => return fresh(None, persist::Origin::NotKept { why }),
        };
        match store.load() {
            Ok(None) => fresh(Some(store), persist::Origin::New),
            Err(why) => {
                store.set_aside();
                fresh(Some(store), persist::Origin::Reset { why })
            }
            Ok(Some(saved)) => Kept {
                store: Some(store),
                world_id: saved.world_id.clone(),
                clock: persist::resumed_clock(
                    &saved,
                    persist::unix_now(),
                    if speed > 0.0 { speed } else { 1.0 },
                ),
                origin: persist::Origin::Restored {
                    saved_unix: saved.saved_unix,
                },
                saved: Some(saved),
            },
        }
    }
}

/// An answer: always 200, always exactly `application/json`.
fn json_response(body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::OK;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn envelope(result: AnswerResult, request_id: &str) -> Response {
    json_response(answer::envelope(result, request_id))
}

/// A response whose body fails at once: the connection is cut without an answer.
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "simulated dropped connection",
        ))
    });
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What the common headers say about a call.
struct Call {
    service: Service,
    action: String,
    version: String,
    region: String,
}

/// The checks between the signature and the handler: action, version,
/// permission, region.
fn check_call(world: &World, call: &Call) -> Result<(), SimError> {
    if call.action.is_empty() {
        return Err(SimError::new(
            "MissingParameter",
            "The request is missing a required parameter `Action` (X-TC-Action).",
        ));
    }
    if validate::request_object(call.service, &call.action).is_none() {
        return Err(SimError::new(
            "InvalidAction",
            format!(
                "The action `{}` is not valid for the service `{}`.",
                call.action, call.service
            ),
        ));
    }
    if call.version.is_empty() {
        return Err(SimError::new(
            "MissingParameter",
            "The request is missing a required parameter `Version` (X-TC-Version).",
        ));
    }
    if call.version != call.service.version() {
        return Err(SimError::new(
            "NoSuchVersion",
            format!(
                "The version `{}` of `{}` does not exist (this is {}).",
                call.version,
                call.service,
                call.service.version()
            ),
        ));
    }
    if world.is_denied(call.service.name(), &call.action) {
        return Err(SimError::new(
            "UnauthorizedOperation",
            format!(
                "You are not authorized to perform `{}:{}`.",
                call.service, call.action
            ),
        ));
    }
    if call.service.is_global() {
        return Ok(());
    }
    if call.region.is_empty() {
        if call.service == Service::Cvm && call.action == "DescribeRegions" {
            return Ok(());
        }
        return Err(SimError::new(
            "MissingParameter",
            "The request is missing a required parameter `Region` (X-TC-Region).",
        ));
    }
    if world.region(&call.region).is_none() {
        return Err(SimError::new(
            "InvalidParameterValue",
            format!(
                "The region `{}` does not exist or is not available.",
                call.region
            ),
        ));
    }
    Ok(())
}

/// Request-level fault, rolled in a fixed order from the world's rng.
enum Fault {
    Drop,
    Timeout(Duration),
    Throttle,
    Internal,
    /// Serve the call, then answer InternalError.
    InternalAfter,
}

fn roll_fault(world: &mut World, action: &str) -> Option<Fault> {
    let f = world.faults.clone();
    if !f.hits(action) {
        return None;
    }
    if world.chance(f.drop) {
        return Some(Fault::Drop);
    }
    if world.chance(f.timeout) {
        return Some(Fault::Timeout(f.timeout_duration()));
    }
    if world.chance(f.throttle) {
        return Some(Fault::Throttle);
    }
    if world.chance(f.internal) {
        return Some(Fault::Internal);
    }
    if world.chance(f.internal_after) {
        return Some(Fault::InternalAfter);
    }
    None
}

fn dispatch(
    world: &mut World,
    ctx: &Ctx,
    service: Service,
    action: &str,
    params: &Value,
) -> AnswerResult {
    match service {
        Service::Cvm => crate::sim::cvm::answer(world, ctx, action, params),
        Service::Vpc => from_tree(crate::sim::vpc::handle(world, ctx, action, params)),
        Service::Tag => from_tree(crate::sim::tag::handle(world, ctx, action, params)),
        Service::Clb => from_tree(crate::sim::clb::handle(world, ctx, action, params)),
        Service::Tat => from_tree(crate::sim::tat::handle(world, ctx, action, params)),
        Service::As => from_tree(crate::sim::autoscaling::handle(world, ctx, action, params)),
    }
}

/// The largest request body, as Tencent Cloud takes for TC3-signed POSTs (10 MB).
pub const MAX_BODY: usize = 10 * 1024 * 1024;

/// The body, or the error the API answers when it cannot be read: too large
/// (`RequestSizeLimitExceeded`) or cut off.
fn readable_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, SimError> {
    body.map_err(|e| {
        let too_large = e.status() == StatusCode::PAYLOAD_TOO_LARGE;
        if too_large {
            SimError::new(
                "RequestSizeLimitExceeded",
                format!("The request body exceeds the limit of {MAX_BODY} bytes."),
            )
        } else {
            SimError::new(
                "InvalidParameter",
                format!("The request body could not be read: {e}"),
            )
        }
    })
}

async fn unknown_path() -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    envelope(
        Err(SimError::new(
            "UnsupportedOperation",
            "The API is served at POST / (API v3); this path does not exist.",
        )),
        &id,
    )
}

async fn get_api() -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    envelope(
        Err(SimError::new(
            "UnsupportedProtocol",
            "The simulator serves POST / with a JSON body (API v3, TC3-HMAC-SHA256).",
        )),
        &id,
    )
}

/// Parses the JSON body: `{}` when empty.
fn parse_body(body: &[u8]) -> Result<Value, SimError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        SimError::new(
            "InvalidParameter",
            format!("The request body is not valid JSON: {e}"),
        )
    })?;
    if !v.is_object() {
        return Err(SimError::new(
            "InvalidParameter",
            "The request body must be a JSON object.",
        ));
    }
    Ok(v)
}

/// An admitted call: its id, and whether its answer is to be replaced by
/// `InternalError` once it has been served (the `internal-after` fault).
struct Admitted {
    call: Call,
    request_id: String,
    fail_after: bool,
}

/// Everything up to (and including) the faults; `Err` is the answer to give.
async fn admit(
    shared: &Shared,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
    log_action: &str,
) -> Result<Admitted, Response> {
    let request_id = uuid::Uuid::new_v4().to_string();
    let region = header_str(headers, "x-tc-region").unwrap_or("").to_string();
    let fail = |service: &str, e: SimError| {
        shared.record(LogEntry {
            time: shared.now(),
            service: service.to_string(),
            action: log_action.to_string(),
            region: region.clone(),
            outcome: e.code.clone(),
            request_id: request_id.clone(),
            dry_run: false,
        });
        envelope(Err(e), &request_id)
    };
    let verified = match auth::verify(
        &lock(&shared.keys),
        |n| header_str(headers, n),
        method.as_str(),
        body,
        chrono::Utc::now().timestamp(),
        shared.now(),
    ) {
        Ok(v) => v,
        Err(e) => return Err(fail("", e)),
    };
    let call = Call {
        service: verified.service,
        action: log_action.to_string(),
        version: header_str(headers, "x-tc-version")
            .unwrap_or("")
            .to_string(),
        region: region.clone(),
    };
    let service = call.service.name();
    if !shared.take_token(call.service, log_action) {
        return Err(fail(
            service,
            SimError::new(
                "RequestLimitExceeded",
                format!("The request rate of `{log_action}` exceeds the limit; retry later."),
            ),
        ));
    }
    let fault = roll_fault(&mut lock(&shared.world), log_action);
    let fail_after = matches!(fault, Some(Fault::InternalAfter));
    match fault {
        Some(Fault::Drop) => {
            fail(service, SimError::new("(dropped)", ""));
            return Err(dropped_connection());
        }
        Some(Fault::Timeout(d)) => tokio::time::sleep(d).await,
        Some(Fault::Throttle) => {
            return Err(fail(
                service,
                SimError::new(
                    "RequestLimitExceeded",
                    "Your request frequency exceeds the limit (simulated).",
                ),
            ))
        }
        Some(Fault::Internal) => {
            return Err(fail(
                service,
                SimError::new(
                    "InternalError",
                    "An internal error occurred (simulated); retry later.",
                ),
            ))
        }
        Some(Fault::InternalAfter) | None => {}
    }
    Ok(Admitted {
        call,
        request_id,
        fail_after,
    })
}

async fn api(
    State(shared): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match readable_body(body) {
        Ok(b) => b,
        Err(e) => return envelope(Err(e), &uuid::Uuid::new_v4().to_string()),
    };
    let action = header_str(&headers, "x-tc-action")
        .unwrap_or("")
        .to_string();
    let Admitted {
        call,
        request_id,
        fail_after,
    } = match admit(&shared, &method, &headers, &body, &action).await {
        Ok(x) => x,
        Err(response) => return response,
    };
    let params = serde_json::from_slice::<Value>(&body).unwrap_or_default();
    let dry_run = params.get("DryRun").and_then(Value::as_bool) == Some(true);
    let mut result = serve_call(&shared, &call, &request_id, &body);
    // A DryRun has no effect to fail after; a token's repeat has no new one.
    let fail_after = fail_after && !dry_run && {
        let token = params
            .get("ClientToken")
            .and_then(Value::as_str)
            .unwrap_or("");
        token.is_empty() || lock(&shared.failed_after).insert(format!("{action}:{token}"))
    };
    if fail_after && result.is_ok() {
        result = Err(SimError::new(
            "InternalError",
            "An internal error occurred (simulated, after the call took effect); retry later.",
        ));
    }
    if !dry_run && !persist::only_reads(&action) {
        shared.keep();
    }
    shared.record(LogEntry {
        time: shared.now(),
        service: call.service.name().to_string(),
        action: call.action.clone(),
        region: call.region.clone(),
        outcome: match &result {
            Ok(_) => "OK".to_string(),
            Err(e) => e.code.clone(),
        },
        request_id: request_id.clone(),
        dry_run,
    });
    envelope(result, &request_id)
}

fn serve_call(shared: &Shared, call: &Call, request_id: &str, body: &[u8]) -> AnswerResult {
    let params = parse_body(body)?;
    let mut world = lock(&shared.world);
    check_call(&world, call)?;
    validate::validate(call.service, &call.action, &params)?;
    let ctx = Ctx {
        region: call.region.clone(),
        now: shared.now(),
        request_id: request_id.to_string(),
        service: call.service.name().to_string(),
        unix_time: chrono::Utc::now().timestamp(),
    };
    world.tick(ctx.now);
    let mut answer = dispatch(&mut world, &ctx, call.service, &call.action, &params)?;
    // Pre-serialized answers (`Answer::Json`) write their nulls themselves.
    if let Answer::Tree(tree) = &mut answer {
        crate::sim::conformance::fill_nulls(call.service, &call.action, tree);
    }
    Ok(answer)
}

async fn control(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    control_named(shared, name, method, headers, body).await
}

async fn control_state(
    State(shared): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    control_named(shared, "state".into(), method, headers, body).await
}

async fn control_requests(
    State(shared): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    control_named(shared, "requests".into(), method, headers, body).await
}

async fn control_named(
    shared: Arc<Shared>,
    name: String,
    method: Method,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match readable_body(body) {
        Ok(b) => b,
        Err(e) => return envelope(Err(e), &uuid::Uuid::new_v4().to_string()),
    };
    let action = format!("_sim/{name}");
    // Controls are the operator's, not the API's: no fault after them.
    let Admitted {
        call, request_id, ..
    } = match admit(&shared, &method, &headers, &body, &action).await {
        Ok(x) => x,
        Err(response) => return response,
    };
    let result = parse_body(&body).and_then(|params| {
        if name == "advance" {
            let secs = params.get("Seconds").and_then(Value::as_f64).unwrap_or(0.0);
            if !(secs >= 0.0 && secs.is_finite()) {
                return Err(SimError::new(
                    "InvalidParameterValue",
                    "`Seconds` must be >= 0.",
                ));
            }
            *lock(&shared.offset) += secs;
            return Ok(Answer::Tree(json!({"Now": shared.now()})));
        }
        if name == "sts" {
            return issue_answer(&shared, &params);
        }
        let mut world = lock(&shared.world);
        let ctx = Ctx {
            region: call.region.clone(),
            now: shared.now(),
            request_id: request_id.clone(),
            service: call.service.name().to_string(),
            unix_time: chrono::Utc::now().timestamp(),
        };
        world.tick(ctx.now);
        dispatch(&mut world, &ctx, call.service, &action, &params)
    });
    shared.keep();
    shared.record(LogEntry {
        time: shared.now(),
        service: call.service.name().to_string(),
        action,
        region: call.region,
        outcome: result
            .as_ref()
            .map(|_| "OK".to_string())
            .unwrap_or_else(|e| e.code.clone()),
        request_id: request_id.clone(),
        dry_run: false,
    });
    envelope(result, &request_id)
}

/// Default lifetime of issued temporary credentials (STS's default: 30 min).
const STS_DEFAULT_SECS: f64 = 1800.0;

/// `POST /_sim/sts` `{"DurationSeconds": n}`: a temporary key triple shaped
/// like STS `GetFederationToken`'s answer. `ExpiredTime` is the wall-clock
/// Unix time at which the token stops working (the speed factor applied).
fn issue_answer(shared: &Shared, params: &Value) -> AnswerResult {
    let secs = match params.get("DurationSeconds") {
        None => STS_DEFAULT_SECS,
        Some(v) => v
            .as_f64()
            .filter(|s| *s > 0.0 && s.is_finite())
            .ok_or_else(|| {
                SimError::new(
                    "InvalidParameterValue",
                    "`DurationSeconds` must be a number > 0.",
                )
            })?,
    };
    let t = shared.issue(secs);
    let expires_unix = chrono::Utc::now().timestamp() + (secs / shared.speed).ceil() as i64;
    let expiration = chrono::DateTime::from_timestamp(expires_unix, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    Ok(Answer::Tree(json!({
        "Credentials": {"TmpSecretId": t.secret_id, "TmpSecretKey": t.secret_key, "Token": t.token},
        "ExpiredTime": expires_unix,
        "Expiration": expiration,
    })))
}

async fn state(State(shared): State<Arc<Shared>>) -> Response {
    let body = {
        let now = shared.now();
        let mut world = lock(&shared.world);
        // The world as of now, not as of the last signed call: a TAT task
        // that ended during a quiet spell reads as ended.
        world.tick(now);
        serde_json::to_vec(&*world).unwrap_or_default()
    };
    json_response(body)
}

async fn requests(State(shared): State<Arc<Shared>>) -> Response {
    let body = {
        let log = lock(&shared.log);
        serde_json::to_vec(&*log).unwrap_or_default()
    };
    json_response(body)
}
