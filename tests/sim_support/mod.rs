//! Shared by the simulator's end-to-end tests: start a simulator, a client
//! that never retries (so every error reaches the test), raw signed requests.
#![allow(dead_code)]

use std::time::Duration;

use serde_json::Value;
use tcscale::cloud::{sign, Client, ClientConfig, CloudError, RateLimit, RetryPolicy, Service};
use tcscale::sim::server::{start, SimConfig, SimHandle};
use tcscale::sim::world::World;

/// A simulator on an ephemeral port with the sandbox world.
pub async fn sim(speed: f64) -> SimHandle {
    start(SimConfig {
        speed,
        ..Default::default()
    })
    .await
    .expect("simulator starts")
}

pub async fn sim_with(world: World, cfg: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let mut c = SimConfig {
        world,
        ..Default::default()
    };
    cfg(&mut c);
    start(c).await.expect("simulator starts")
}

/// The sandbox world at speed 1 (tests move the clock with `SimHandle::advance`,
/// so every intermediate state is seen) and a client of it in ap-guangzhou.
pub async fn sandbox() -> (SimHandle, Client) {
    let sim = start(SimConfig::default()).await.expect("simulator starts");
    let client = client(&sim, "ap-guangzhou");
    (sim, client)
}

/// The API error code of a failed call, for assertions.
pub fn error_code(e: CloudError) -> String {
    e.code().unwrap_or("(not an API error)").to_string()
}

/// A client of `h` in `region`: no retries, no client-side rate limit, no audit file.
pub fn client(h: &SimHandle, region: &str) -> Client {
    client_with_timeout(h, region, Duration::from_secs(10))
}

pub fn client_with_timeout(h: &SimHandle, region: &str, timeout: Duration) -> Client {
    let cfg = ClientConfig::new(h.credential(), region)
        .with_endpoint(Some(h.endpoint()))
        .with_retry(RetryPolicy::none())
        .with_rate_limit(RateLimit::unlimited())
        .with_audit_path(None)
        .with_timeouts(Duration::from_secs(2), timeout);
    Client::new(cfg).expect("client")
}

/// One call through the real client; `Ok(Response)` or the client's error.
pub async fn call(
    c: &Client,
    service: Service,
    action: &str,
    params: Value,
) -> Result<Value, CloudError> {
    let region = c.region().to_string();
    c.call_raw(service, action, &region, &params).await
}

/// The error code of a call that must fail.
pub async fn code(c: &Client, service: Service, action: &str, params: Value) -> String {
    match call(c, service, action, params).await {
        Ok(v) => panic!("{action} should fail, got {v}"),
        Err(e) => e
            .code()
            .map(str::to_string)
            .unwrap_or_else(|| format!("not an API error: {e}")),
    }
}

/// A hand-made request, for what the client would never send.
pub struct Raw<'a> {
    pub service: &'a str,
    pub action: &'a str,
    pub version: &'a str,
    pub region: Option<&'a str>,
    pub body: &'a [u8],
    pub timestamp: i64,
    pub secret_id: &'a str,
    pub secret_key: &'a str,
    /// Headers replaced or added after signing (e.g. a forged Authorization).
    pub overrides: Vec<(&'static str, String)>,
    /// Body actually sent (to alter it after signing); `None` sends `body`.
    pub sent_body: Option<&'a [u8]>,
    pub path: &'a str,
}

impl<'a> Raw<'a> {
    pub fn new(h: &'a SimHandle, service: &'a str, action: &'a str, body: &'a [u8]) -> Self {
        Raw {
            service,
            action,
            version: Service::parse(service)
                .map(|s| s.version())
                .unwrap_or("2017-03-12"),
            region: Some("ap-guangzhou"),
            body,
            timestamp: chrono::Utc::now().timestamp(),
            secret_id: &h.secret_id,
            secret_key: &h.secret_key,
            overrides: Vec::new(),
            sent_body: None,
            path: "/",
        }
    }

    /// Sends it and returns (Content-Type, parsed body).
    pub async fn send(&self, h: &SimHandle) -> (String, Value) {
        let host = h.addr.to_string();
        let mut headers = sign::sign(&sign::RequestToSign {
            secret_id: self.secret_id,
            secret_key: self.secret_key,
            session_token: None,
            service: self.service,
            host: &host,
            action: self.action,
            version: self.version,
            region: self.region,
            timestamp: self.timestamp,
            payload: self.body,
            language: None,
        });
        for (k, v) in &self.overrides {
            headers.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
            headers.push((k, v.clone()));
        }
        let mut req = reqwest::Client::new().post(format!("{}{}", h.endpoint(), self.path));
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let resp = req
            .body(self.sent_body.unwrap_or(self.body).to_vec())
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 200);
        let ct = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body: Value = resp.json().await.expect("JSON body");
        (ct, body)
    }

    /// The error code of the answer (panics on success).
    pub async fn error_code(&self, h: &SimHandle) -> String {
        let (_, body) = self.send(h).await;
        body["Response"]["Error"]["Code"]
            .as_str()
            .unwrap_or_else(|| panic!("expected an error, got {body}"))
            .to_string()
    }
}

/// Polls `f` until it returns `Some`, at most `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not reached in {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
