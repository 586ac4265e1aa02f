//! Temporary credentials against the simulator, through tcscale's client:
//! the sandbox issues an STS-like triple (in process and through the signed
//! `POST /_sim/sts` control), the client's session-token path signs with it,
//! and an unknown, foreign, missing or expired token is refused with
//! `AuthFailure.TokenFailure`, explained in both languages.

use crate::sim_support;

use std::time::Duration;

use serde_json::Value;
use sim_support::*;
use tcscale::cloud::models::cvm;
use tcscale::cloud::{sign, Client, ClientConfig, Credential, RateLimit, RetryPolicy};
use tcscale::i18n::Lang;
use tcscale::sim::server::SimHandle;

fn client_with(h: &SimHandle, cred: Credential) -> Client {
    let cfg = ClientConfig::new(cred, "ap-guangzhou")
        .with_endpoint(Some(h.endpoint()))
        .with_retry(RetryPolicy::none())
        .with_rate_limit(RateLimit::unlimited())
        .with_audit_path(None)
        .with_timeouts(Duration::from_secs(2), Duration::from_secs(10));
    Client::new(cfg).expect("client")
}

async fn regions(c: &Client) -> Result<usize, tcscale::cloud::CloudError> {
    let r = c.call(&cvm::DescribeRegionsRequest::default()).await?;
    Ok(r.region_set.unwrap_or_default().len())
}

#[tokio::test]
async fn issued_tokens_work_until_they_expire_and_bad_tokens_are_refused() {
    let h = sim(1.0).await;
    let tmp = h.issue_temporary(600.0);
    assert!(tmp.token.is_some());
    assert_eq!(regions(&client_with(&h, tmp.clone())).await.unwrap(), 2);

    // the temporary key with another token, or none
    let id = tmp.secret_id.expose().to_string();
    let key = tmp.secret_key.expose().to_string();
    for token in [Some("not-a-token"), None] {
        let e = regions(&client_with(&h, Credential::new(&id, &key, token)))
            .await
            .unwrap_err();
        assert_eq!(error_code(e), "AuthFailure.TokenFailure", "{token:?}");
    }
    // the permanent key with a token that belongs to nothing
    let e = regions(&client_with(
        &h,
        Credential::new(&h.secret_id, &h.secret_key, Some("bogus")),
    ))
    .await
    .unwrap_err();
    assert_eq!(e.code(), Some("AuthFailure.TokenFailure"));
    let en = e.explain(Lang::En);
    assert!(en.summary.contains("session token"), "{}", en.summary);
    assert!(en.fix.contains("temporary credentials"), "{}", en.fix);
    assert!(e.explain(Lang::Zh).summary.contains("Token"));

    // expiry follows the simulated clock
    h.advance(601.0);
    let e = regions(&client_with(&h, tmp)).await.unwrap_err();
    assert_eq!(e.code(), Some("AuthFailure.TokenFailure"));
    assert!(e.to_string().contains("expired"), "{e}");
    h.shutdown().await;
}

/// `POST /_sim/sts`, signed with the permanent key like an API call.
async fn sts(h: &SimHandle, body: &str) -> Value {
    let host = h.addr.to_string();
    let headers = sign::sign(&sign::RequestToSign {
        secret_id: &h.secret_id,
        secret_key: &h.secret_key,
        session_token: None,
        service: "cvm",
        host: &host,
        action: "SimSts",
        version: "2017-03-12",
        region: Some("ap-guangzhou"),
        timestamp: chrono::Utc::now().timestamp(),
        payload: body.as_bytes(),
        language: None,
    });
    let mut req = reqwest::Client::new().post(format!("{}/_sim/sts", h.endpoint()));
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let v: Value = req
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["Response"].clone()
}

#[tokio::test]
async fn the_sts_control_issues_a_triple_with_its_expiry() {
    let h = sim(1.0).await;
    let before = chrono::Utc::now().timestamp();
    let r = sts(&h, r#"{"DurationSeconds": 120}"#).await;
    let c = &r["Credentials"];
    let (id, key, token) = (
        c["TmpSecretId"].as_str().unwrap(),
        c["TmpSecretKey"].as_str().unwrap(),
        c["Token"].as_str().unwrap(),
    );
    let expires = r["ExpiredTime"].as_i64().unwrap();
    assert!((before + 119..=before + 122).contains(&expires), "{r}");
    assert!(r["Expiration"].as_str().unwrap().ends_with('Z'), "{r}");
    let c = client_with(&h, Credential::new(id, key, Some(token)));
    assert_eq!(regions(&c).await.unwrap(), 2);
    let bad = sts(&h, r#"{"DurationSeconds": -1}"#).await;
    assert_eq!(bad["Error"]["Code"], "InvalidParameterValue", "{bad}");
    h.advance(121.0);
    assert_eq!(
        regions(&c).await.unwrap_err().code(),
        Some("AuthFailure.TokenFailure")
    );
    h.shutdown().await;
}
