//! TC3-HMAC-SHA256 verification of an incoming call, with the real API's
//! error codes. Pure: the server hands in the headers it received.
//!
//! Any signed-header set is accepted as long as it includes `content-type`
//! and `host` (the official Python SDK signs `content-type;host`, tcscale's
//! client `content-type;host;x-tc-action`); the signature is recomputed
//! over exactly the headers the caller says it signed, with the values
//! received. The Node.js SDK signs the host without its port while sending
//! `Host: name:port` (harmless on 443, where the real endpoint lives), so a
//! signature over the port-less host is accepted too.
//!
//! Temporary credentials (an STS-like triple the simulator issues, see
//! [`KeyRing::issue`]) need their `X-TC-Token`; an unknown, foreign or
//! expired token is `AuthFailure.TokenFailure`, as with the real API.

use std::collections::HashMap;

use crate::cloud::action::Service;
use crate::cloud::sign::{self, SignInput};
use crate::sim::world::SimError;

/// How far `X-TC-Timestamp` may be from the server's clock (the real API: 5 minutes).
pub const MAX_SKEW_SECS: i64 = 300;

/// A temporary key issued by the simulator (the sandbox's STS).
#[derive(Debug, Clone, PartialEq)]
pub struct TempKey {
    pub secret_key: String,
    pub token: String,
    /// Simulated seconds after which the token is refused.
    pub expires_at: f64,
}

/// The keys the simulator accepts: permanent pairs and issued temporary ones,
/// both by SecretId.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    pub permanent: HashMap<String, String>,
    pub temporary: HashMap<String, TempKey>,
}

/// A temporary credential as issued: what a client configures.
#[derive(Debug, Clone, PartialEq)]
pub struct Issued {
    pub secret_id: String,
    pub secret_key: String,
    pub token: String,
    pub expires_at: f64,
}

impl KeyRing {
    /// Issues a temporary triple valid until `now + duration` (simulated seconds).
    pub fn issue(&mut self, now: f64, duration: f64) -> Issued {
        let u = || uuid::Uuid::new_v4().simple().to_string();
        let secret_id = format!("AKIDtmp{}", &u()[..29]);
        let issued = Issued {
            secret_id: secret_id.clone(),
            secret_key: u(),
            token: format!("tcscaleSandboxToken{}{}", u(), u()),
            expires_at: now + duration.max(0.0),
        };
        self.temporary.insert(
            secret_id,
            TempKey {
                secret_key: issued.secret_key.clone(),
                token: issued.token.clone(),
                expires_at: issued.expires_at,
            },
        );
        issued
    }

    fn secret_key(&self, secret_id: &str) -> Option<&str> {
        self.permanent
            .get(secret_id)
            .or_else(|| self.temporary.get(secret_id).map(|t| &t.secret_key))
            .map(String::as_str)
    }
}

fn token_failure(msg: impl Into<String>) -> SimError {
    failure("AuthFailure.TokenFailure", msg)
}

/// The token rule, once the signature is good: a temporary SecretId needs its
/// own unexpired token; a permanent one takes no token at all (a token that
/// belongs to nothing is refused rather than ignored).
fn check_token(
    keys: &KeyRing,
    secret_id: &str,
    token: Option<&str>,
    now_sim: f64,
) -> Result<(), SimError> {
    let token = token.map(str::trim).filter(|t| !t.is_empty());
    match (keys.temporary.get(secret_id), token) {
        (Some(_), None) => Err(token_failure(
            "The SecretId is a temporary one: X-TC-Token is required.",
        )),
        (Some(t), Some(got)) if !constant_time_eq(t.token.as_bytes(), got.as_bytes()) => {
            Err(token_failure("The token is not valid for this SecretId."))
        }
        (Some(t), Some(_)) if now_sim > t.expires_at => Err(token_failure(
            "The token has expired: request new temporary credentials.",
        )),
        (Some(_), Some(_)) | (None, None) => Ok(()),
        (None, Some(_)) => Err(token_failure(
            "The token is not valid: it was not issued for this SecretId.",
        )),
    }
}

/// Who signed the call, for which service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub service: Service,
    pub secret_id: String,
}

fn failure(code: &str, msg: impl Into<String>) -> SimError {
    SimError::new(code, msg)
}

/// Verifies one call. `header` looks a received header up by lower-case name;
/// `now_sim` (simulated seconds) decides whether a temporary token expired.
pub fn verify<'h>(
    keys: &KeyRing,
    header: impl Fn(&str) -> Option<&'h str>,
    method: &str,
    payload: &[u8],
    now_unix: i64,
    now_sim: f64,
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
    let secret_key = keys.secret_key(&auth.secret_id).ok_or_else(|| {
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
    let matches = |headers: &[(&str, &str)]| {
        let expected = sign::signature(&SignInput {
            secret_id: &auth.secret_id,
            secret_key,
            service: &auth.service,
            timestamp,
            method,
            payload,
            headers,
        });
        constant_time_eq(expected.signature.as_bytes(), auth.signature.as_bytes())
    };
    if !matches(&signed) && !without_host_port(&signed).is_some_and(|h| matches(&h)) {
        return Err(failure(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        ));
    }
    check_token(keys, &auth.secret_id, header("x-tc-token"), now_sim)?;
    Ok(Verified {
        service,
        secret_id: auth.secret_id,
    })
}

/// The signed headers with `host` stripped of its port (`cvm.localhost:8080`
/// → `cvm.localhost`), or `None` when the host has no port: what a client
/// that signs the URL's host name rather than the Host header signed.
fn without_host_port<'a>(signed: &[(&'a str, &'a str)]) -> Option<Vec<(&'a str, &'a str)>> {
    let (i, host) = signed.iter().enumerate().find(|(_, (n, _))| *n == "host")?;
    let (name, port) = host.1.rsplit_once(':')?;
    if name.is_empty() || port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out = signed.to_vec();
    out[i] = ("host", name);
    Some(out)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "AKIDtest";
    const KEY: &str = "secretkey";

    fn keys() -> KeyRing {
        KeyRing {
            permanent: HashMap::from([(ID.to_string(), KEY.to_string())]),
            ..Default::default()
        }
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
        verify(
            &keys(),
            |n| h.get(n).map(String::as_str),
            "POST",
            body,
            now,
            0.0,
        )
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
            &KeyRing::default(),
            |n| h.get(n).map(String::as_str),
            "POST",
            b"{}",
            ts,
            0.0,
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

    fn signed_with(
        id: &str,
        key: &str,
        token: Option<&str>,
        host: &str,
        ts: i64,
    ) -> HashMap<String, String> {
        sign::sign(&sign::RequestToSign {
            secret_id: id,
            secret_key: key,
            session_token: token,
            service: "cvm",
            host,
            action: "DescribeInstances",
            version: "2017-03-12",
            region: Some("ap-guangzhou"),
            timestamp: ts,
            payload: b"{}",
            language: None,
        })
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
    }

    #[test]
    fn temporary_credentials_need_their_own_unexpired_token() {
        let ts = 1_700_000_000;
        let mut ring = keys();
        let t = ring.issue(100.0, 60.0);
        assert!(t.secret_id.starts_with("AKID") && t.secret_id.len() == 36);
        assert_eq!(t.expires_at, 160.0);
        let run = |h: &HashMap<String, String>, now: f64| {
            verify(
                &ring,
                |n| h.get(n).map(String::as_str),
                "POST",
                b"{}",
                ts,
                now,
            )
        };
        let host = "cvm.tencentcloudapi.com";
        let good = signed_with(&t.secret_id, &t.secret_key, Some(&t.token), host, ts);
        assert_eq!(run(&good, 159.0).unwrap().secret_id, t.secret_id);
        let code = |r: Result<Verified, SimError>| r.unwrap_err().code;
        assert_eq!(code(run(&good, 161.0)), "AuthFailure.TokenFailure");
        let none = signed_with(&t.secret_id, &t.secret_key, None, host, ts);
        assert_eq!(code(run(&none, 120.0)), "AuthFailure.TokenFailure");
        let bogus = signed_with(&t.secret_id, &t.secret_key, Some("bogus"), host, ts);
        assert_eq!(code(run(&bogus, 120.0)), "AuthFailure.TokenFailure");
        // a permanent key with a token that belongs to nothing (or to another key)
        let perm = signed_with(ID, KEY, Some("bogus"), host, ts);
        assert_eq!(code(run(&perm, 120.0)), "AuthFailure.TokenFailure");
        let stolen = signed_with(ID, KEY, Some(&t.token), host, ts);
        assert_eq!(code(run(&stolen, 120.0)), "AuthFailure.TokenFailure");
        // the temporary key signs for nothing once its SecretKey is wrong
        let wrong = signed_with(&t.secret_id, "nope", Some(&t.token), host, ts);
        assert_eq!(code(run(&wrong, 120.0)), "AuthFailure.SignatureFailure");
    }

    #[test]
    fn a_signature_over_the_port_less_host_is_accepted() {
        let ts = 1_700_000_000;
        // the Node.js SDK: signs `cvm.localhost`, sends `Host: cvm.localhost:8080`
        let mut h = signed_with(ID, KEY, None, "cvm.localhost", ts);
        h.insert("host".into(), "cvm.localhost:8080".into());
        assert_eq!(check(&h, b"{}", ts).unwrap().service, Service::Cvm);
        // but not over another host name, nor another port
        let mut other = signed_with(ID, KEY, None, "clb.localhost", ts);
        other.insert("host".into(), "cvm.localhost:8080".into());
        assert_eq!(
            check(&other, b"{}", ts).unwrap_err().code,
            "AuthFailure.SignatureFailure"
        );
        let mut port = signed_with(ID, KEY, None, "cvm.localhost:9090", ts);
        port.insert("host".into(), "cvm.localhost:8080".into());
        assert_eq!(
            check(&port, b"{}", ts).unwrap_err().code,
            "AuthFailure.SignatureFailure"
        );
    }

    #[test]
    fn without_host_port_strips_only_a_numeric_port() {
        let got = without_host_port(&[("content-type", "a"), ("host", "127.0.0.1:80")]);
        assert_eq!(
            got,
            Some(vec![("content-type", "a"), ("host", "127.0.0.1")])
        );
        assert_eq!(without_host_port(&[("host", "cvm.localhost")]), None);
        assert_eq!(
            without_host_port(&[("host", "[::1]:8080")]),
            Some(vec![("host", "[::1]")])
        );
        assert_eq!(without_host_port(&[("host", "[::1]")]), None);
    }
}
