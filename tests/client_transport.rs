//! The transport against a real HTTP server on loopback: retries (what is
//! repeated and what is not), backoff bounds, the rate limiter, the audit
//! log. Every request is signed for real and checked by the server.

use crate::loopback;

use std::time::{Duration, Instant};

use loopback::{audit_lines, config, temp_dir, Reply, Server, SECRET_ID, SECRET_KEY};
use serde_json::{json, Value};
use tcscale::cloud::models::{cvm, tag};
use tcscale::cloud::{Client, CloudError, RateLimit, RetryPolicy, Service};

fn regions() -> Value {
    json!({"TotalCount": 1, "RegionSet": [{"Region": "ap-guangzhou", "RegionName": "华南地区(广州)", "RegionState": "AVAILABLE"}]})
}

async fn call(client: &Client, action: &str, body: Value) -> Result<Value, CloudError> {
    client
        .call_raw(Service::Cvm, action, "ap-guangzhou", &body)
        .await
}

#[tokio::test]
async fn a_typed_call_is_signed_and_decoded() {
    let server = Server::start(|_| Reply::Ok(regions())).await;
    let dir = temp_dir("typed");
    let client = Client::new(config(&server, &dir)).unwrap();
    let r = client
        .call(&cvm::DescribeRegionsRequest::default())
        .await
        .unwrap();
    assert_eq!(r.total_count, Some(1));
    assert_eq!(
        r.region_set.unwrap()[0].region.as_deref(),
        Some("ap-guangzhou")
    );
    let seen = &server.seen()[0];
    assert_eq!(seen.service, "cvm");
    assert_eq!(seen.headers["x-tc-version"], "2017-03-12");
    assert_eq!(seen.headers["x-tc-region"], "ap-guangzhou");

    // Tag is global: no region header, its own version
    client
        .call(&tag::DescribeProjectsRequest::default())
        .await
        .unwrap();
    let seen = server.seen();
    let last = seen.last().unwrap();
    assert_eq!(last.service, "tag");
    assert!(!last.headers.contains_key("x-tc-region"));
}

#[tokio::test]
async fn a_wrong_key_is_refused_by_the_server_and_not_retried() {
    let server = Server::start(|_| Reply::Ok(regions())).await;
    let dir = temp_dir("wrongkey");
    let mut cfg = config(&server, &dir);
    cfg.credential = tcscale::cloud::Credential::new(SECRET_ID, "not-the-key-0000000000", None);
    let client = Client::new(cfg).unwrap();
    let err = call(&client, "DescribeRegions", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AuthFailure.SignatureFailure"));
    assert_eq!(audit_lines(&dir).len(), 1);
}

#[tokio::test]
async fn throttling_internal_errors_502_and_drops_are_retried_for_reads() {
    let server = Server::start(|s| match (s.action.as_str(), s.nth) {
        ("DescribeRegions", 1) => Reply::Error("RequestLimitExceeded", "slow down"),
        ("DescribeRegions", 2) => Reply::Error("InternalError", "oops"),
        ("DescribeRegions", 3) => Reply::Status(502, "<html>Bad Gateway</html>"),
        ("DescribeRegions", 4) => Reply::Drop,
        _ => Reply::Ok(regions()),
    })
    .await;
    let dir = temp_dir("retry");
    let client = Client::new(config(&server, &dir)).unwrap();
    let r = call(&client, "DescribeRegions", json!({})).await.unwrap();
    assert_eq!(r["TotalCount"], 1);
    assert_eq!(server.count("DescribeRegions"), 5);
    let audit = audit_lines(&dir);
    let attempts: Vec<u64> = audit
        .iter()
        .map(|l| l["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(attempts, vec![1, 2, 3, 4, 5]);
    let codes: Vec<&Value> = audit.iter().map(|l| &l["error_code"]).collect();
    assert_eq!(codes[0], "RequestLimitExceeded");
    assert_eq!(codes[1], "InternalError");
    assert_eq!(codes[2], "Decode.HTTP502");
    assert_eq!(codes[3], "Network");
    assert_eq!(codes[4], &Value::Null);
    assert!(audit[0]["request_id"].is_string());
    assert!(audit[4]["request_id"].is_string());
}

#[tokio::test]
async fn a_creation_without_client_token_is_not_repeated_after_an_ambiguous_failure() {
    for (name, failure) in [("internal", 0), ("502", 1), ("drop", 2)] {
        let server = Server::start(move |s| match (s.nth, failure) {
            (1, 0) => Reply::Error("InternalError", "oops"),
            (1, 1) => Reply::Status(502, "bad gateway"),
            (1, _) => Reply::Drop,
            _ => Reply::Ok(json!({"InstanceIdSet": ["ins-1"]})),
        })
        .await;
        let dir = temp_dir("create");
        let client = Client::new(config(&server, &dir)).unwrap();

        let err = call(&client, "RunInstances", json!({"InstanceCount": 1}))
            .await
            .unwrap_err();
        assert_eq!(server.count("RunInstances"), 1, "{name}: {err}");

        // the same with a ClientToken: repeated, and the server sees the same token
        let server2 = Server::start(move |s| match (s.nth, failure) {
            (1, 0) => Reply::Error("InternalError", "oops"),
            (1, 1) => Reply::Status(502, "bad gateway"),
            (1, _) => Reply::Drop,
            _ => Reply::Ok(json!({"InstanceIdSet": ["ins-1"]})),
        })
        .await;
        let client = Client::new(config(&server2, &dir)).unwrap();
        let r = call(
            &client,
            "RunInstances",
            json!({"InstanceCount": 1, "ClientToken": "tok-123"}),
        )
        .await
        .unwrap();
        assert_eq!(r["InstanceIdSet"][0], "ins-1", "{name}");
        let seen = server2.seen();
        assert_eq!(seen.len(), 2, "{name}");
        assert!(seen.iter().all(|s| s.body["ClientToken"] == "tok-123"));
    }
}

#[tokio::test]
async fn a_throttled_creation_is_always_repeated() {
    let server = Server::start(|s| {
        if s.nth <= 2 {
            Reply::Error("RequestLimitExceeded.UinLimitExceeded", "slow down")
        } else {
            Reply::Ok(json!({"LoadBalancerIds": ["lb-1"]}))
        }
    })
    .await;
    let dir = temp_dir("throttled-create");
    let client = Client::new(config(&server, &dir)).unwrap();
    let r = client
        .call_raw(
            Service::Clb,
            "CreateLoadBalancer",
            "ap-guangzhou",
            &json!({}),
        )
        .await
        .unwrap();
    assert_eq!(r["LoadBalancerIds"][0], "lb-1");
    assert_eq!(server.count("CreateLoadBalancer"), 3);
}

#[tokio::test]
async fn attempts_are_bounded_and_final_errors_are_not_retried() {
    let server = Server::start(|s| match s.action.as_str() {
        "DescribeRegions" => Reply::Error("RequestLimitExceeded", "slow down"),
        _ => Reply::Error("InvalidParameterValue.Limit", "Limit too big"),
    })
    .await;
    let dir = temp_dir("bounded");
    let client = Client::new(config(&server, &dir)).unwrap();
    let err = call(&client, "DescribeRegions", json!({}))
        .await
        .unwrap_err();
    assert!(err.is("RequestLimitExceeded"));
    assert_eq!(server.count("DescribeRegions"), 5);

    let err = call(&client, "DescribeInstances", json!({"Limit": 1000}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameterValue.Limit"));
    assert!(err.request_id().is_some_and(|r| !r.is_empty()));
    assert_eq!(server.count("DescribeInstances"), 1);
}

#[tokio::test]
async fn the_total_time_bound_stops_retrying() {
    let server = Server::start(|_| Reply::Error("InternalError", "down")).await;
    let dir = temp_dir("total");
    let cfg = config(&server, &dir).with_retry(RetryPolicy {
        max_attempts: 100,
        max_total: Duration::from_millis(400),
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(100),
    });
    let client = Client::new(cfg).unwrap();
    let started = Instant::now();
    call(&client, "DescribeRegions", json!({}))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    let n = server.count("DescribeRegions");
    assert!((2..100).contains(&n), "{n} attempts");
}

#[tokio::test]
async fn timeouts_are_retried_for_reads_only() {
    let server = Server::start(|s| {
        if s.nth == 1 {
            Reply::After(Duration::from_secs(3), Box::new(Reply::Ok(regions())))
        } else {
            Reply::Ok(json!({"InstanceIdSet": []}))
        }
    })
    .await;
    let dir = temp_dir("timeout");
    let cfg =
        config(&server, &dir).with_timeouts(Duration::from_secs(1), Duration::from_millis(300));
    let client = Client::new(cfg).unwrap();
    call(&client, "DescribeRegions", json!({})).await.unwrap();
    assert_eq!(server.count("DescribeRegions"), 2);

    let err = call(&client, "RunInstances", json!({})).await.unwrap_err();
    assert!(
        matches!(
            err,
            CloudError::Network {
                timed_out: true,
                before_send: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.count("RunInstances"), 1);
    assert_eq!(
        audit_lines(&dir).last().unwrap()["error_code"],
        "Network.Timeout"
    );
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_creations() {
    // a port nobody listens on: bind, note it, close
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = temp_dir("refused");
    let server_stub = Server {
        endpoint: format!("http://127.0.0.1:{port}"),
        seen: Default::default(),
    };
    let cfg = config(&server_stub, &dir).with_retry(RetryPolicy {
        max_attempts: 3,
        max_total: Duration::from_secs(10),
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(5),
    });
    let client = Client::new(cfg).unwrap();
    let err = call(&client, "RunInstances", json!({})).await.unwrap_err();
    assert!(
        matches!(
            err,
            CloudError::Network {
                before_send: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(audit_lines(&dir).len(), 3, "three attempts recorded");
}

#[tokio::test]
async fn the_rate_limiter_keeps_calls_under_the_limit() {
    let server = Server::start(|_| Reply::Ok(regions())).await;
    let dir = temp_dir("rate");
    let cfg = config(&server, &dir).with_rate_limit(RateLimit::uniform(50.0));
    let client = Client::new(cfg).unwrap();
    let started = Instant::now();
    let calls = (0..26).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { call(&client, "DescribeRegions", json!({})).await })
    });
    for c in futures::future::join_all(calls).await {
        c.unwrap().unwrap();
    }
    // 26 calls at 50/s: the last one leaves 500 ms after the first
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(490), "{elapsed:?}");
    let times: Vec<Instant> = server.seen().iter().map(|s| s.at).collect();
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .filter(|u| u.duration_since(*t) < Duration::from_millis(200))
            .count();
        assert!(in_window <= 12, "{in_window} requests within 200 ms");
    }
    // another action is not slowed by this one's bucket
    let started = Instant::now();
    call(&client, "DescribeZones", json!({})).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(200));
}

#[tokio::test]
async fn the_audit_log_records_every_attempt_and_no_secret() {
    let server = Server::start(|s| {
        if s.nth == 1 {
            Reply::Error("RequestLimitExceeded", "slow")
        } else {
            Reply::Ok(regions())
        }
    })
    .await;
    let dir = temp_dir("audit");
    let cfg = config(&server, &dir);
    let client = Client::new(cfg).unwrap();
    call(
        &client,
        "DescribeRegions",
        json!({"Password": "body-secret-value"}),
    )
    .await
    .unwrap();
    let text = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    for secret in [SECRET_ID, SECRET_KEY, "body-secret-value"] {
        assert!(!text.contains(secret), "audit log leaks {secret}");
    }
    let lines = audit_lines(&dir);
    assert_eq!(lines.len(), 2);
    for l in &lines {
        let keys: Vec<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "action",
                "attempt",
                "duration_ms",
                "error_code",
                "region",
                "request_id",
                "service",
                "time"
            ]
        );
        assert_eq!(l["service"], "cvm");
        assert_eq!(l["region"], "ap-guangzhou");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("audit.jsonl"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
