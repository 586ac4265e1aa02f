//! A tiny Tencent Cloud API look-alike on 127.0.0.1 for the client tests:
//! raw HTTP/1.1 over a tokio TcpListener (so it can also drop connections
//! and stall), checking every TC3 signature with the real signer, and
//! answering through a test-supplied closure.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tcscale::cloud::sign;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

pub const SECRET_ID: &str = "AKIDLoopbackTestSecretId0000001";
pub const SECRET_KEY: &str = "LoopbackTestSecretKey00000000001";

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub service: String,
    pub action: String,
    pub headers: HashMap<String, String>,
    pub body: Value,
    pub at: Instant,
    /// 1-based count of this action's requests so far, this one included.
    pub nth: usize,
}

/// What the server does with a request.
pub enum Reply {
    /// HTTP 200 with `{"Response": value + RequestId}`.
    Ok(Value),
    /// HTTP 200 with an API error.
    Error(&'static str, &'static str),
    /// Any status with a raw body (an HTML error page, say).
    Status(u16, &'static str),
    /// Close the connection without answering.
    Drop,
    /// Wait, then answer.
    After(Duration, Box<Reply>),
}

pub type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

pub struct Server {
    pub endpoint: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Starts serving on an ephemeral port of 127.0.0.1, in the current runtime.
    pub async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let seen2 = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let seen = seen2.clone();
                tokio::spawn(async move {
                    let _ = serve_connection(stream, handler, seen).await;
                });
            }
        });
        Server { endpoint, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn count(&self, action: &str) -> usize {
        self.seen().iter().filter(|s| s.action == action).count()
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<Seen>>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let mut headers = HashMap::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).await?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        reader.read_exact(&mut body).await?;

        let action = headers.get("x-tc-action").cloned().unwrap_or_default();
        let auth = headers.get("authorization").cloned().unwrap_or_default();
        let parsed = sign::parse_authorization(&auth);
        let service = parsed
            .as_ref()
            .map(|p| p.service.clone())
            .unwrap_or_default();
        let reply = match verify(&headers, &body, parsed.as_ref()) {
            Err(code) => Reply::Error(code, "signature check failed"),
            Ok(()) => {
                let s = {
                    let mut all = seen.lock().unwrap();
                    let nth = all.iter().filter(|s| s.action == action).count() + 1;
                    let s = Seen {
                        service,
                        action: action.clone(),
                        headers: headers.clone(),
                        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                        at: Instant::now(),
                        nth,
                    };
                    all.push(s.clone());
                    s
                };
                handler(&s)
            }
        };
        let mut reply = reply;
        while let Reply::After(wait, next) = reply {
            tokio::time::sleep(wait).await;
            reply = *next;
        }
        let request_id = uuid::Uuid::new_v4().to_string();
        let (status, body) = match reply {
            Reply::Ok(mut v) => {
                if let Value::Object(m) = &mut v {
                    m.insert("RequestId".into(), json!(request_id));
                }
                (200, json!({ "Response": v }).to_string())
            }
            Reply::Error(code, message) => (
                200,
                json!({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}})
                    .to_string(),
            ),
            Reply::Status(status, body) => (status, body.to_string()),
            Reply::Drop => return Ok(()),
            Reply::After(..) => unreachable!(),
        };
        let head = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        write.write_all(head.as_bytes()).await?;
        write.write_all(body.as_bytes()).await?;
        write.flush().await?;
    }
}

/// Recomputes the signature over the signed headers, as Tencent Cloud does.
fn verify(
    headers: &HashMap<String, String>,
    body: &[u8],
    parsed: Option<&sign::ParsedAuthorization>,
) -> Result<(), &'static str> {
    let parsed = parsed.ok_or("AuthFailure.InvalidAuthorization")?;
    if parsed.secret_id != SECRET_ID {
        return Err("AuthFailure.SecretIdNotFound");
    }
    let timestamp: i64 = headers
        .get("x-tc-timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or("MissingParameter")?;
    let signed: Vec<(&str, &str)> = parsed
        .signed_headers
        .iter()
        .map(|h| (h.as_str(), headers.get(h).map(String::as_str).unwrap_or("")))
        .collect();
    let expected = sign::signature(&sign::SignInput {
        secret_id: SECRET_ID,
        secret_key: SECRET_KEY,
        service: &parsed.service,
        timestamp,
        method: "POST",
        payload: body,
        headers: &signed,
    });
    if expected.signature != parsed.signature {
        return Err("AuthFailure.SignatureFailure");
    }
    Ok(())
}

/// A client config aimed at the server, with fast retries and an audit file in `dir`.
pub fn config(server: &Server, dir: &std::path::Path) -> tcscale::cloud::ClientConfig {
    use tcscale::cloud::{ClientConfig, Credential, RateLimit, RetryPolicy};
    ClientConfig::new(Credential::new(SECRET_ID, SECRET_KEY, None), "ap-guangzhou")
        .with_endpoint(Some(server.endpoint.clone()))
        .with_retry(RetryPolicy {
            max_attempts: 5,
            max_total: Duration::from_secs(20),
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
        })
        .with_rate_limit(RateLimit::unlimited())
        .with_audit_path(Some(dir.join("audit.jsonl")))
}

/// A fresh temporary directory.
pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tcscale-{tag}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The audit log's lines.
pub fn audit_lines(dir: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
