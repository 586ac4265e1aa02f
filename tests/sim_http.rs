//! The simulator's HTTP edges, over real loopback: whatever arrives (a body
//! over the limit, an unknown path, another method) is answered as the API
//! answers, HTTP 200 JSON with a Tencent code; and a connection left idle
//! (half-open, or a request never finished) is closed, while a request held
//! longer than that by a `timeout` fault is still answered.

use crate::sim_support;

use std::time::{Duration, Instant};

use serde_json::json;
use sim_support::*;
use tcscale::cloud::Service;
use tcscale::sim::faults::FaultSpec;
use tcscale::sim::seed::sandbox_world;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn answer(resp: reqwest::Response) -> (String, serde_json::Value) {
    assert_eq!(resp.status(), 200);
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (ct, resp.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn a_body_over_the_limit_is_request_size_limit_exceeded_as_json() {
    let h = sim(1.0).await;
    let big = vec![b' '; tcscale::sim::server::MAX_BODY + 1];
    let mut raw = Raw::new(&h, "cvm", "DescribeZones", &big);
    raw.region = Some("ap-guangzhou");
    let (ct, body) = raw.send(&h).await;
    assert_eq!(ct, "application/json");
    assert_eq!(
        body["Response"]["Error"]["Code"], "RequestSizeLimitExceeded",
        "{body}"
    );
    assert!(body["Response"]["RequestId"].is_string());
    // At the limit it is still served (whitespace is an empty JSON object).
    let ok = vec![b' '; 1024 * 1024];
    let (_, body) = Raw::new(&h, "cvm", "DescribeZones", &ok).send(&h).await;
    assert!(body["Response"]["Error"].is_null(), "{body}");
}

#[tokio::test]
async fn unknown_paths_and_methods_are_answered_as_the_api_answers() {
    let h = sim(1.0).await;
    let c = reqwest::Client::new();
    for (method, path, code) in [
        (
            reqwest::Method::POST,
            "/no/such/path",
            "UnsupportedOperation",
        ),
        (reqwest::Method::GET, "/favicon.ico", "UnsupportedOperation"),
        (reqwest::Method::PUT, "/", "UnsupportedProtocol"),
        (
            reqwest::Method::DELETE,
            "/_sim/state",
            "UnsupportedProtocol",
        ),
    ] {
        let resp = c
            .request(method.clone(), format!("{}{path}", h.endpoint()))
            .body("{}")
            .send()
            .await
            .unwrap();
        let (ct, body) = answer(resp).await;
        assert_eq!(ct, "application/json", "{method} {path}");
        assert_eq!(
            body["Response"]["Error"]["Code"], code,
            "{method} {path}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_but_a_held_request_is_answered() {
    let idle = Duration::from_millis(400);
    let h = sim_with(sandbox_world(), |c| {
        c.idle_timeout = idle;
        c.faults = Some(FaultSpec::parse("timeout=1,timeout-secs=1.2").unwrap());
    })
    .await;

    // Connected, nothing sent: closed after the idle time.
    let started = Instant::now();
    let mut silent = tokio::net::TcpStream::connect(h.addr).await.unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut buf))
        .await
        .expect("the simulator closes an idle connection")
        .unwrap_or(0);
    assert_eq!(n, 0, "closed without an answer");
    assert!(started.elapsed() >= idle, "{:?}", started.elapsed());

    // Half a request, then silence: closed too.
    let mut partial = tokio::net::TcpStream::connect(h.addr).await.unwrap();
    partial
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Len")
        .await
        .unwrap();
    let n = tokio::time::timeout(Duration::from_secs(5), partial.read(&mut buf))
        .await
        .expect("a stalled request is closed")
        .unwrap_or(0);
    assert_eq!(n, 0);

    // A request the fault holds three times the idle time is still answered.
    let c = client_with_timeout(&h, "ap-guangzhou", Duration::from_secs(10));
    let started = Instant::now();
    let zones = call(&c, Service::Cvm, "DescribeZones", json!({}))
        .await
        .expect("answered after the hold");
    assert!(started.elapsed() >= Duration::from_millis(1200));
    assert!(zones["ZoneSet"].is_array(), "{zones}");
}
