//! Sending signed calls: one reqwest client with keep-alive, the endpoint
//! choice (the real regional hosts, or one `--endpoint` for the simulator),
//! and decoding of the `{"Response": …}` envelope.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::Retryable;
use serde_json::Value;

use crate::cloud::audit::{AuditLog, AuditRecord};
use crate::cloud::rate_limit::{RateLimit, RateLimiter};
use crate::cloud::retry::{self, RetryPolicy};
use crate::cloud::{sign, Action, CloudError, Credential, Service};

/// How the client is set up. `endpoint` sends every service to one base URL
/// (the simulator, a proxy); `None` means the real `<service>.tencentcloudapi.com`.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub credential: Credential,
    pub region: String,
    pub endpoint: Option<String>,
    pub connect_timeout: Duration,
    /// Per attempt, connect included.
    pub timeout: Duration,
    /// `X-TC-Language`: `zh-CN` or `en-US`, so API messages come in the user's language.
    pub language: Option<String>,
    pub retry: RetryPolicy,
    pub rate_limit: RateLimit,
    /// Where each attempt is recorded (JSON lines); `None` records nothing.
    /// Defaults to this run's file under the data dir.
    pub audit_path: Option<PathBuf>,
}

impl ClientConfig {
    pub fn new(credential: Credential, region: &str) -> Self {
        ClientConfig {
            credential,
            region: region.to_string(),
            endpoint: None,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            language: None,
            retry: RetryPolicy::default(),
            rate_limit: RateLimit::default(),
            audit_path: crate::cloud::audit::default_audit_path(),
        }
    }

    pub fn with_endpoint(mut self, endpoint: Option<String>) -> Self {
        self.endpoint = endpoint;
        self
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn with_rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    pub fn with_audit_path(mut self, audit_path: Option<PathBuf>) -> Self {
        self.audit_path = audit_path;
        self
    }

    pub fn with_language(mut self, language: Option<String>) -> Self {
        self.language = language;
        self
    }

    pub fn with_timeouts(mut self, connect: Duration, total: Duration) -> Self {
        self.connect_timeout = connect;
        self.timeout = total;
        self
    }
}

/// The API client. Cheap to clone: clones share the connection pool, the
/// rate limiter and the audit log.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    limiter: Arc<RateLimiter>,
    /// Shared by every clone: one budget of retries per account session.
    quota: Arc<retry::RetryQuota>,
    audit: Arc<AuditLog>,
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Self, CloudError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("tcscale/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CloudError::Local(format!("cannot build HTTP client: {e}")))?;
        Ok(Client {
            http,
            limiter: Arc::new(RateLimiter::new(config.rate_limit.clone())),
            quota: Arc::new(retry::RetryQuota::default()),
            audit: Arc::new(AuditLog::new(config.audit_path.clone())),
            config: Arc::new(config),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    pub fn region(&self) -> &str {
        &self.config.region
    }

    /// The audit log file this client's next call goes to, if it keeps one.
    pub fn audit_path(&self) -> Option<PathBuf> {
        self.audit.path()
    }

    /// This client (sharing its connections, rate limiter and retry
    /// budget) auditing into the file of the run `run` names at each call
    /// (`<audit dir>/<run id>.jsonl`), or into its own file while `run`
    /// names none. A client that audits nothing still audits nothing.
    pub fn auditing_run(&self, run: crate::cloud::audit::RunOf) -> Client {
        Client {
            audit: Arc::new(AuditLog::following(
                self.audit.base_path().map(PathBuf::from),
                run,
            )),
            ..self.clone()
        }
    }

    /// This client auditing into the file of run `run_id` (see [`Client::auditing_run`]).
    pub fn for_run(&self, run_id: &str) -> Client {
        let id = run_id.to_string();
        self.auditing_run(Arc::new(move || Some(id.clone())))
    }

    /// A typed call in the configured region.
    pub async fn call<A: Action>(&self, req: &A) -> Result<A::Response, CloudError> {
        self.call_in(&self.config.region, req).await
    }

    /// A typed call in a given region.
    pub async fn call_in<A: Action>(
        &self,
        region: &str,
        req: &A,
    ) -> Result<A::Response, CloudError> {
        let body = serde_json::to_value(req)
            .map_err(|e| CloudError::Local(format!("cannot encode {}: {e}", A::NAME)))?;
        let repeat = retry::Repeat::of(req);
        let response =
            Box::pin(self.call_raw_unboxed(A::SERVICE, A::NAME, region, &body, repeat)).await?;
        serde_json::from_value(response).map_err(|e| CloudError::Decode {
            service: A::SERVICE,
            action: A::NAME.to_string(),
            status: 200,
            message: e.to_string(),
        })
    }

    /// An untyped call; returns the `Response` object (without `Error`).
    /// Rate-limited, retried by the [`RetryPolicy`] (see [`retry`] for what
    /// is safe to repeat), and every attempt is audited.
    ///
    /// The future is boxed so its `Send`-ness is settled here: a caller that
    /// spawns it inside stream combinators does not make the compiler look
    /// through the retry machinery's closures (rust-lang/rust#110338).
    pub fn call_raw<'a>(
        &'a self,
        service: Service,
        action: &'a str,
        region: &'a str,
        body: &'a Value,
    ) -> Pin<Box<dyn Future<Output = Result<Value, CloudError>> + Send + 'a>> {
        // Untyped: whether a repeat is harmless can only be read off the body.
        let repeat = retry::Repeat::of_json(action, body);
        Box::pin(self.call_raw_unboxed(service, action, region, body, repeat))
    }

    /// The one retry layer: the classifier says what may be repeated
    /// (`repeat`: from the request's type), the quota how much.
    async fn call_raw_unboxed(
        &self,
        service: Service,
        action: &str,
        region: &str,
        body: &Value,
        repeat: retry::Repeat,
    ) -> Result<Value, CloudError> {
        if !body.is_object() {
            return Err(CloudError::Local(format!(
                "{service}.{action}: the parameters must be a JSON object"
            )));
        }
        let payload = serde_json::to_vec(body)
            .map_err(|e| CloudError::Local(format!("cannot encode {action}: {e}")))?;
        let attempts = AtomicU32::new(0);
        let spent = AtomicU32::new(0);
        let attempt = || async {
            let n = attempts.fetch_add(1, Ordering::Relaxed) + 1;
            self.limiter.acquire(service, action).await;
            self.send_audited(service, action, region, &payload, n)
                .await
        };
        let result = attempt
            .retry(self.config.retry.backoff())
            .sleep(tokio::time::sleep)
            .when(|e| {
                let go = retry::should_retry(e, repeat) && self.quota.try_spend(e);
                if go {
                    spent.fetch_add(retry::RetryQuota::cost(e), Ordering::Relaxed);
                }
                go
            })
            .notify(|e, wait| {
                tracing::info!("{service}.{action}: {e}; retrying in {wait:?}");
            })
            .await;
        if result.is_ok() {
            self.quota.refund(spent.load(Ordering::Relaxed));
        }
        result
    }

    async fn send_audited(
        &self,
        service: Service,
        action: &str,
        region: &str,
        payload: &[u8],
        attempt: u32,
    ) -> Result<Value, CloudError> {
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let started = Instant::now();
        let result = self.send_once(service, action, region, payload).await;
        let request_id = match &result {
            Ok(v) => v
                .get("RequestId")
                .and_then(Value::as_str)
                .map(str::to_string),
            Err(e) => e.request_id().map(str::to_string),
        };
        self.audit.record(&AuditRecord {
            time,
            service: service.name().to_string(),
            action: action.to_string(),
            region: region.to_string(),
            request_id,
            duration_ms: started.elapsed().as_millis() as u64,
            attempt,
            error_code: result.as_ref().err().map(CloudError::kind_code),
        });
        result
    }

    fn url_and_host(&self, service: Service) -> (String, String) {
        match &self.config.endpoint {
            Some(ep) => {
                let url = ep.trim_end_matches('/').to_string() + "/";
                let host = url
                    .split("://")
                    .nth(1)
                    .unwrap_or(&url)
                    .trim_end_matches('/')
                    .to_string();
                (url, host)
            }
            None => {
                let host = service.host();
                (format!("https://{host}/"), host)
            }
        }
    }

    async fn send_once(
        &self,
        service: Service,
        action: &str,
        region: &str,
        payload: &[u8],
    ) -> Result<Value, CloudError> {
        let (url, host) = self.url_and_host(service);
        let cred = &self.config.credential;
        let timestamp = chrono::Utc::now().timestamp();
        let headers = sign::sign(&sign::RequestToSign {
            secret_id: cred.secret_id.expose(),
            secret_key: cred.secret_key.expose(),
            session_token: cred.token.as_ref().map(|t| t.expose()),
            service: service.name(),
            host: &host,
            action,
            version: service.version(),
            region: (!service.is_global()).then_some(region),
            timestamp,
            payload,
            language: self.config.language.as_deref(),
        });
        let mut rb = self.http.post(&url).body(payload.to_vec());
        for (k, v) in headers {
            rb = rb.header(k, v);
        }
        let net = |e: reqwest::Error| CloudError::Network {
            service,
            action: action.to_string(),
            message: error_chain(&e),
            timed_out: e.is_timeout(),
            before_send: e.is_connect(),
        };
        let resp = rb.send().await.map_err(net)?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(net)?;
        decode_envelope(service, action, status, &bytes)
    }
}

/// reqwest's message plus its causes ("error sending request: connection
/// reset by peer"). The URL is only the endpoint; no header is ever included.
fn error_chain(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// Turns the raw answer into the `Response` object or a typed error.
pub fn decode_envelope(
    service: Service,
    action: &str,
    status: u16,
    bytes: &[u8],
) -> Result<Value, CloudError> {
    let decode = |message: String| CloudError::Decode {
        service,
        action: action.to_string(),
        status,
        message,
    };
    let mut v: Value = serde_json::from_slice(bytes).map_err(|e| {
        let snippet: String = String::from_utf8_lossy(bytes).chars().take(120).collect();
        decode(format!("{e}: {snippet:?}"))
    })?;
    let Some(response) = v.get_mut("Response").map(Value::take) else {
        return Err(decode("no \"Response\" object".to_string()));
    };
    if let Some(err) = response.get("Error") {
        let s = |k: &str| err.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        return Err(CloudError::Api {
            service,
            action: action.to_string(),
            code: s("Code"),
            message: s("Message"),
            request_id: response
                .get("RequestId")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        });
    }
    if status >= 400 {
        return Err(decode(format!("HTTP {status}")));
    }
    Ok(response)
}
