//! tcscale's TC3 signer against the official Tencent Cloud Python SDK: the
//! SDK builds and signs 150 varied requests (six services, regions, Unicode
//! bodies, session tokens, timestamps from 2015 to 2035, endpoints), and the
//! Rust signer must produce the identical Authorization header for each, and
//! the same common headers.

use crate::python;

use serde_json::Value;
use tcscale::cloud::sign::{self, RequestToSign, SignInput};
use tcscale::cloud::Service;

#[test]
fn authorization_headers_match_the_official_python_sdk() {
    let out = python::run_script("sign_vectors.py", &["150", "20260101"]);
    let cases: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(cases.len(), 150);
    let mut with_token = 0;
    let mut non_ascii_body = 0;
    for (i, c) in cases.iter().enumerate() {
        let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
        let opt = |k: &str| c[k].as_str().map(str::to_string);
        let payload = s("payload");
        let timestamp = c["timestamp"].as_i64().unwrap();
        let host = s("host");
        let sig = sign::signature(&SignInput {
            secret_id: &s("secret_id"),
            secret_key: &s("secret_key"),
            service: &s("service"),
            timestamp,
            method: "POST",
            payload: payload.as_bytes(),
            headers: &[("Content-Type", &s("content_type")), ("Host", &host)],
        });
        assert_eq!(sig.authorization, s("authorization"), "case {i}: {c}");

        // the common headers tcscale sends agree with the SDK's
        let service = Service::parse(&s("service")).unwrap();
        assert_eq!(service.version(), s("version"), "case {i}");
        let region = opt("region");
        let token = opt("token");
        let language = opt("language");
        let headers = sign::sign(&RequestToSign {
            secret_id: &s("secret_id"),
            secret_key: &s("secret_key"),
            session_token: token.as_deref(),
            service: service.name(),
            host: &host,
            action: &s("action"),
            version: service.version(),
            region: region.as_deref(),
            timestamp,
            payload: payload.as_bytes(),
            language: language.as_deref(),
        });
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(header("X-TC-Action"), opt("action"), "case {i}");
        assert_eq!(header("X-TC-Timestamp"), Some(timestamp.to_string()));
        assert_eq!(header("X-TC-Version"), opt("version"));
        assert_eq!(header("X-TC-Region"), region, "case {i}");
        assert_eq!(header("X-TC-Token"), token, "case {i}");
        assert_eq!(header("X-TC-Language"), language, "case {i}");
        with_token += token.is_some() as usize;
        non_ascii_body += payload.contains("\\u") as usize;
    }
    // the sample really is varied
    assert!(with_token >= 20, "{with_token} cases with a token");
    assert!(non_ascii_body >= 20, "{non_ascii_body} cases with Unicode");
    let services: std::collections::BTreeSet<&str> = cases
        .iter()
        .map(|c| c["service"].as_str().unwrap())
        .collect();
    assert_eq!(services.len(), 6);
}
