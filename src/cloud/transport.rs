//! Sending signed calls: one reqwest client with keep-alive, the endpoint
//! choice (the real regional hosts, or one `--endpoint` for the simulator),
//! and decoding of the `{"Response": …}` envelope.

use std::time::Duration;

use serde_json::Value;

use crate::cloud::{sign, Action, CloudError, Credential, Service};

/// How the client is set up. `endpoint` sends every service to one base URL
/// (the simulator, a proxy); `None` means the real `<service>.tencentcloudapi.com`.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub credential: Credential,
    pub region: String,
    pub endpoint: Option<String>,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// `X-TC-Language`: `zh-CN` or `en-US`, so API messages come in the user's language.
    pub language: Option<String>,
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
        }
    }

    pub fn with_endpoint(mut self, endpoint: Option<String>) -> Self {
        self.endpoint = endpoint;
        self
    }
}

#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
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
        Ok(Client { http, config })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    pub fn region(&self) -> &str {
        &self.config.region
    }

    /// A typed call in the configured region.
    pub async fn call<A: Action>(&self, req: &A) -> Result<A::Response, CloudError> {
        self.call_in(&self.config.region.clone(), req).await
    }

    /// A typed call in a given region.
    pub async fn call_in<A: Action>(
        &self,
        region: &str,
        req: &A,
    ) -> Result<A::Response, CloudError> {
        let body = serde_json::to_value(req)
            .map_err(|e| CloudError::Local(format!("cannot encode {}: {e}", A::NAME)))?;
        let response = self.call_raw(A::SERVICE, A::NAME, region, &body).await?;
        serde_json::from_value(response).map_err(|e| CloudError::Decode {
            service: A::SERVICE,
            action: A::NAME.to_string(),
            status: 200,
            message: e.to_string(),
        })
    }

    /// An untyped call; returns the `Response` object (without `Error`).
    pub async fn call_raw(
        &self,
        service: Service,
        action: &str,
        region: &str,
        body: &Value,
    ) -> Result<Value, CloudError> {
        let payload = serde_json::to_vec(body)
            .map_err(|e| CloudError::Local(format!("cannot encode {action}: {e}")))?;
        self.send_once(service, action, region, &payload).await
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
            message: e.to_string(),
            timed_out: e.is_timeout(),
        };
        let resp = rb.send().await.map_err(net)?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(net)?;
        decode_envelope(service, action, status, &bytes)
    }
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
