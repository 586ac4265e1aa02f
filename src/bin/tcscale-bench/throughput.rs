//! Figure 8: the simulator's throughput for signed DescribeInstances on
//! loopback. The server is a separate `tcscale sim` process; this process is
//! the load: keep-alive connections on one thread, each sending the same
//! pre-signed request (the signature stays valid for the 5 minutes of
//! allowed clock skew) and reading the answer by its Content-Length, so the
//! load generator costs little of the two cores.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use tcscale::cloud::sign;

use crate::report::{failed, Figure};
use crate::simhost::{SimProcess, REGION};

const NAME: &str = "8. simulator throughput";
const TARGET: &str = ">= 10,000 req/s";

pub fn run(quick: bool) -> Figure {
    match measure(quick) {
        Ok(f) => f,
        Err(e) => failed(NAME, TARGET, e),
    }
}

/// The raw bytes of one signed DescribeInstances (Limit 20).
pub fn signed_request(host: &str, secret_id: &str, secret_key: &str) -> Vec<u8> {
    let payload = br#"{"Limit":20}"#;
    let headers = sign::sign(&sign::RequestToSign {
        secret_id,
        secret_key,
        session_token: None,
        service: "cvm",
        host,
        action: "DescribeInstances",
        version: "2017-03-12",
        region: Some(REGION),
        timestamp: chrono::Utc::now().timestamp(),
        payload,
        language: None,
    });
    let mut req = format!("POST / HTTP/1.1\r\nhost: {host}\r\n");
    for (k, v) in headers {
        if k.eq_ignore_ascii_case("host") {
            continue;
        }
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("content-length: {}\r\n\r\n", payload.len()));
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(payload);
    bytes
}

/// Reads one HTTP/1.1 response with a Content-Length body; returns the body.
/// `buf` keeps bytes that arrived beyond it (there are none without pipelining).
async fn read_response(conn: &mut TcpStream, buf: &mut Vec<u8>) -> Result<Vec<u8>, String> {
    loop {
        if let Some(end) = find(buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .ok_or("response without content-length")?;
            let total = end + 4 + len;
            while buf.len() < total {
                read_more(conn, buf).await?;
            }
            let body = buf[end + 4..total].to_vec();
            buf.drain(..total);
            return Ok(body);
        }
        read_more(conn, buf).await?;
    }
}

async fn read_more(conn: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(), String> {
    let mut chunk = [0u8; 16 * 1024];
    let n = conn.read(&mut chunk).await.map_err(|e| e.to_string())?;
    if n == 0 {
        return Err("connection closed".into());
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Sends `request` over `connections` keep-alive connections for `duration`;
/// returns (answers, seconds, first body).
pub async fn load(
    addr: &str,
    request: &[u8],
    connections: usize,
    duration: Duration,
) -> Result<(u64, f64, Vec<u8>), String> {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let addr = addr.to_string();
        let request = request.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut conn = TcpStream::connect(&addr).await.map_err(|e| e.to_string())?;
            conn.set_nodelay(true).map_err(|e| e.to_string())?;
            let mut buf = Vec::with_capacity(64 * 1024);
            let mut n = 0u64;
            let mut first = Vec::new();
            while Instant::now() < deadline {
                conn.write_all(&request).await.map_err(|e| e.to_string())?;
                let body = read_response(&mut conn, &mut buf).await?;
                if n == 0 {
                    first = body;
                }
                n += 1;
            }
            Ok::<_, String>((n, first))
        }));
    }
    let mut total = 0;
    let mut first = Vec::new();
    for t in tasks {
        let (n, body) = t.await.map_err(|e| e.to_string())??;
        total += n;
        if first.is_empty() {
            first = body;
        }
    }
    Ok((total, start.elapsed().as_secs_f64(), first))
}

fn measure(quick: bool) -> Result<Figure, String> {
    let sim = SimProcess::spawn(&["--listen", "127.0.0.1:0"])?;
    let addr = sim.addr();
    let request = signed_request(&addr, &sim.secret_id, &sim.secret_key);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let connections = 32;
    let secs = if quick { 0.3 } else { 5.0 };
    // Warm-up: connections, the server's allocator and caches.
    rt.block_on(load(
        &addr,
        &request,
        connections,
        Duration::from_millis(200),
    ))?;
    let (n, elapsed, body) = rt.block_on(load(
        &addr,
        &request,
        connections,
        Duration::from_secs_f64(secs),
    ))?;
    let text = String::from_utf8_lossy(&body);
    if !text.contains("\"InstanceSet\"") {
        return Err(format!(
            "unexpected answer: {}",
            &text[..text.len().min(200)]
        ));
    }
    let rate = n as f64 / elapsed;
    Ok(Figure::new(
        NAME,
        format!("{rate:.0} req/s"),
        TARGET,
        Some(rate >= 10_000.0),
    )
    .note(format!(
        "{n} signed DescribeInstances (Limit 20, {} bytes answer) in {elapsed:.2} s, {connections} keep-alive connections, load on 1 thread of this process, server = tcscale sim process",
        body.len()
    )))
}
