//! TC3-HMAC-SHA256 verification of an incoming call, with the real API's
//! error codes. Pure: the server hands in the headers it received.
//!
//! Any signed-header set is accepted as long as it includes `content-type`
//! and `host` (the official Python SDK signs `content-type;host`, tcscale's
//! client `content-type;host;x-tc-action`); the signature is recomputed
//! over exactly the headers the caller says it signed, with the values
//! received. `X-TC-Token` (temporary credentials) is accepted and not
//! checked: the simulator has no STS, and any token works with a known
//! SecretId.

use std::collections::HashMap;

use crate::cloud::action::Service;
use crate::cloud::sign::{self, SignInput};
use crate::sim::world::SimError;

/// How far `X-TC-Timestamp` may be from the server's clock (the real API: 5 minutes).
pub const MAX_SKEW_SECS: i64 = 300;

/// Who signed the call, for which service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub service: Service,
    pub secret_id: String,
}

fn failure(code: &str, msg: impl Into<String>) -> SimError {
    SimError::new(code, msg)
}

/// Verifies one call. `header` looks a received header up by lower-case name.
/// `keys` maps SecretId → SecretKey.
pub fn verify<'h>(
    keys: &HashMap<String, String>,
    header: impl Fn(&str) -> Option<&'h str>,
    method: &str,
    payload: &[u8],
    now_unix: i64,
) -> Result<Verified, SimError> {
    let raw = header("authorization").ok_or_else(|| {
        failure(
            "AuthFailure.SignatureFailure",
            "The request is not signed: the Authorization header is missing.",
        )
    })?;
    let auth = sign::parse_authorization(raw).ok_or_else(|| {
        failure(
            "AuthFailure.InvalidAuthorization",
            "Authorization is not `TC3-HMAC-SHA256 Credential=SecretId/Date/Service/tc3_request, SignedHeaders=..., Signature=...`.",
        )
    })?;
    let service = Service::ALL
        .into_iter()
        .find(|s| s.name() == auth.service)
        .ok_or_else(|| {
            failure(
                "AuthFailure.InvalidAuthorization",
                format!(
                    "The service `{}` in the credential scope is not served here.",
                    auth.service
                ),
            )
        })?;
    if !auth.signed_headers.iter().any(|h| h == "content-type")
        || !auth.signed_headers.iter().any(|h| h == "host")
    {
        return Err(failure(
            "AuthFailure.InvalidAuthorization",
            "SignedHeaders must include content-type and host.",
        ));
    }
    let timestamp: i64 = header("x-tc-timestamp")
        .and_then(|t| t.trim().parse().ok())
        .ok_or_else(|| {
            failure(
                "AuthFailure.InvalidAuthorization",
                "X-TC-Timestamp is missing or not a Unix timestamp.",
            )
        })?;
    if (now_unix - timestamp).abs() > MAX_SKEW_SECS {
        return Err(failure(
            "AuthFailure.SignatureExpire",
            format!("The signature expired: X-TC-Timestamp {timestamp} is more than {MAX_SKEW_SECS} s away from the server time {now_unix}."),
        ));
    }
    if auth.date != sign::utc_date(timestamp) {
        return Err(failure(
            "AuthFailure.SignatureFailure",
            format!(
                "The credential scope date {} is not the UTC date of X-TC-Timestamp.",
                auth.date
            ),
        ));
    }
    let secret_key = keys.get(&auth.secret_id).ok_or_else(|| {
        failure(
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found, please ensure that your SecretId is correct.",
        )
    })?;
    let mut signed: Vec<(&str, &str)> = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        let value = header(name).ok_or_else(|| {
            failure(
                "AuthFailure.SignatureFailure",
                format!("The signed header `{name}` is not in the request."),
            )
        })?;
        signed.push((name.as_str(), value));
    }
    let expected = sign::signature(&SignInput {
        secret_id: &auth.secret_id,
        secret_key,
        service: &auth.service,
        timestamp,
        method,
        payload,
        headers: &signed,
    });
    if !constant_time_eq(expected.signature.as_bytes(), auth.signature.as_bytes()) {
        return Err(failure(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        ));
    }
    Ok(Verified {
        service,
        secret_id: auth.secret_id,
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "AKIDtest";
    const KEY: &str = "secretkey";

    fn keys() -> HashMap<String, String> {
        HashMap::from([(ID.to_string(), KEY.to_string())])
    }

    fn signed(key: &str, ts: i64, body: &[u8]) -> HashMap<String, String> {
        sign::sign(&sign::RequestToSign {
            secret_id: ID,
            secret_key: key,
            session_token: None,
            service: "cvm",
            host: "cvm.tencentcloudapi.com",
            action: "DescribeInstances",
            version: "2017-03-12",
            region: Some("ap-guangzhou"),
            timestamp: ts,
            payload: body,
            language: None,
        })
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
    }

    fn check(h: &HashMap<String, String>, body: &[u8], now: i64) -> Result<Verified, SimError> {
        verify(&keys(), |n| h.get(n).map(String::as_str), "POST", body, now)
    }

    #[test]
    fn accepts_a_good_signature_and_names_the_service() {
        let h = signed(KEY, 1_700_000_000, b"{}");
        let v = check(&h, b"{}", 1_700_000_100).unwrap();
        assert_eq!(v.service, Service::Cvm);
        assert_eq!(v.secret_id, ID);
    }

    #[test]
    fn each_failure_has_its_code() {
        let ts = 1_700_000_000;
        let h = signed("wrong", ts, b"{}");
        assert_eq!(
            check(&h, b"{}", ts).unwrap_err().code,
            "AuthFailure.SignatureFailure"
        );
        let h = signed(KEY, ts, b"{}");
        assert_eq!(
            check(&h, b"{ }", ts).unwrap_err().code,
            "AuthFailure.SignatureFailure"
        );
        assert_eq!(
            check(&h, b"{}", ts + 301).unwrap_err().code,
            "AuthFailure.SignatureExpire"
        );
        let mut bad = h.clone();
        bad.insert("authorization".into(), "Bearer x".into());
        assert_eq!(
            check(&bad, b"{}", ts).unwrap_err().code,
            "AuthFailure.InvalidAuthorization"
        );
        let mut missing = h.clone();
        missing.remove("authorization");
        assert_eq!(
            check(&missing, b"{}", ts).unwrap_err().code,
            "AuthFailure.SignatureFailure"
        );
        let unknown = verify(
            &HashMap::new(),
            |n| h.get(n).map(String::as_str),
            "POST",
            b"{}",
            ts,
        );
        assert_eq!(unknown.unwrap_err().code, "AuthFailure.SecretIdNotFound");
        let mut host = h.clone();
        host.insert("host".into(), "clb.tencentcloudapi.com".into());
        assert_eq!(
            check(&host, b"{}", ts).unwrap_err().code,
            "AuthFailure.SignatureFailure"
        );
    }

    #[test]
    fn accepts_the_python_sdk_header_set() {
        let ts = 1_700_000_000;
        let sig = sign::signature(&SignInput {
            secret_id: ID,
            secret_key: KEY,
            service: "vpc",
            timestamp: ts,
            method: "POST",
            payload: b"{}",
            headers: &[
                ("content-type", "application/json"),
                ("host", "127.0.0.1:9"),
            ],
        });
        let h: HashMap<String, String> = [
            ("authorization", sig.authorization.as_str()),
            ("content-type", "application/json"),
            ("host", "127.0.0.1:9"),
            ("x-tc-timestamp", &ts.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(check(&h, b"{}", ts).unwrap().service, Service::Vpc);
    }
}
