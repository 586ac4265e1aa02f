//! TC3-HMAC-SHA256, the request signature of Tencent Cloud API v3.
//!
//! Pure functions, no I/O: the client signs with [`sign`], the simulator
//! verifies by recomputing [`signature`] over the headers it received. The
//! steps follow Tencent's documentation ("签名方法 v3"): canonical request →
//! string to sign → signing key (date → service → "tc3_request") → signature.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
pub const CONTENT_TYPE_JSON: &str = "application/json; charset=utf-8";

/// What is signed. `headers` are the headers to sign (name, value) in any
/// order and case; `content-type` and `host` must be among them.
#[derive(Debug, Clone)]
pub struct SignInput<'a> {
    pub secret_id: &'a str,
    pub secret_key: &'a str,
    pub service: &'a str,
    pub timestamp: i64,
    pub method: &'a str,
    pub payload: &'a [u8],
    pub headers: &'a [(&'a str, &'a str)],
}

/// Every intermediate value, so tests can compare each against the
/// published worked examples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub canonical_request: String,
    pub canonical_request_hash: String,
    pub credential_scope: String,
    pub string_to_sign: String,
    pub signing_key: String,
    pub signed_headers: String,
    pub signature: String,
    pub authorization: String,
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

/// UTC date of a Unix timestamp as `YYYY-MM-DD`, the date of the credential scope.
pub fn utc_date(timestamp: i64) -> String {
    chrono::DateTime::from_timestamp(timestamp, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string()
}

/// The signing key: HMAC chain over date, service and "tc3_request".
pub fn signing_key(secret_key: &str, date: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let k_service = hmac(&k_date, service.as_bytes());
    hmac(&k_service, b"tc3_request")
}

/// Computes the signature of a request. Header names and values are
/// lower-cased and trimmed, as the canonical form requires.
pub fn signature(input: &SignInput<'_>) -> Signature {
    let mut headers: Vec<(String, String)> = input
        .headers
        .iter()
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_lowercase()))
        .collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = headers
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = format!(
        "{}\n/\n\n{}\n{}\n{}",
        input.method,
        canonical_headers,
        signed_headers,
        sha256_hex(input.payload)
    );
    let canonical_request_hash = sha256_hex(canonical_request.as_bytes());
    let date = utc_date(input.timestamp);
    let credential_scope = format!("{date}/{}/tc3_request", input.service);
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{credential_scope}\n{canonical_request_hash}",
        input.timestamp
    );
    let key = signing_key(input.secret_key, &date, input.service);
    let signature = hex::encode(hmac(&key, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={}/{credential_scope}, SignedHeaders={signed_headers}, Signature={signature}",
        input.secret_id
    );
    Signature {
        canonical_request,
        canonical_request_hash,
        credential_scope,
        string_to_sign,
        signing_key: hex::encode(key),
        signed_headers,
        signature,
        authorization,
    }
}

/// One API call to sign: the common parameters of API v3.
#[derive(Debug, Clone)]
pub struct RequestToSign<'a> {
    pub secret_id: &'a str,
    pub secret_key: &'a str,
    pub session_token: Option<&'a str>,
    pub service: &'a str,
    pub host: &'a str,
    pub action: &'a str,
    pub version: &'a str,
    pub region: Option<&'a str>,
    pub timestamp: i64,
    pub payload: &'a [u8],
    pub language: Option<&'a str>,
}

/// Signs a POST of a JSON payload the way the official SDKs do
/// (SignedHeaders `content-type;host;x-tc-action`) and returns every header to
/// send, `Authorization` first.
pub fn sign(req: &RequestToSign<'_>) -> Vec<(&'static str, String)> {
    let action_lower = req.action.to_ascii_lowercase();
    let sig = signature(&SignInput {
        secret_id: req.secret_id,
        secret_key: req.secret_key,
        service: req.service,
        timestamp: req.timestamp,
        method: "POST",
        payload: req.payload,
        headers: &[
            ("content-type", CONTENT_TYPE_JSON),
            ("host", req.host),
            ("x-tc-action", &action_lower),
        ],
    });
    let mut out = vec![
        ("Authorization", sig.authorization),
        ("Content-Type", CONTENT_TYPE_JSON.to_string()),
        ("Host", req.host.to_string()),
        ("X-TC-Action", req.action.to_string()),
        ("X-TC-Timestamp", req.timestamp.to_string()),
        ("X-TC-Version", req.version.to_string()),
    ];
    if let Some(region) = req.region.filter(|r| !r.is_empty()) {
        out.push(("X-TC-Region", region.to_string()));
    }
    if let Some(token) = req.session_token.filter(|t| !t.is_empty()) {
        out.push(("X-TC-Token", token.to_string()));
    }
    if let Some(lang) = req.language {
        out.push(("X-TC-Language", lang.to_string()));
    }
    out
}

/// The parts of an `Authorization` header, as the server reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    pub secret_id: String,
    pub date: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Parses `TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request,
/// SignedHeaders=a;b, Signature=hex`. `None` when it is not that shape.
pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization> {
    let rest = value.trim().strip_prefix(ALGORITHM)?.trim_start();
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k.trim() {
            "Credential" => credential = Some(v.trim()),
            "SignedHeaders" => signed = Some(v.trim()),
            "Signature" => signature = Some(v.trim()),
            _ => return None,
        }
    }
    let mut scope = credential?.split('/');
    let secret_id = scope.next()?.to_string();
    let date = scope.next()?.to_string();
    let service = scope.next()?.to_string();
    if scope.next()? != "tc3_request" || scope.next().is_some() || secret_id.is_empty() {
        return None;
    }
    let signature = signature?.to_string();
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(ParsedAuthorization {
        secret_id,
        date,
        service,
        signed_headers: signed?.split(';').map(str::to_string).collect(),
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Tencent's published worked example ("签名方法 v3", DescribeInstances).
    const BODY: &str =
        r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
    const HOST: &str = "cvm.tencentcloudapi.com";

    #[test]
    fn payload_hash_matches_the_published_example() {
        assert_eq!(
            sha256_hex(BODY.as_bytes()),
            "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
    }

    #[test]
    fn vector_a_content_type_and_host() {
        let sig = signature(&SignInput {
            secret_id: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            secret_key: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            service: "cvm",
            timestamp: 1551113065,
            method: "POST",
            payload: BODY.as_bytes(),
            headers: &[("Content-Type", CONTENT_TYPE_JSON), ("Host", HOST)],
        });
        assert_eq!(sig.signed_headers, "content-type;host");
        assert_eq!(
            sig.canonical_request_hash,
            "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert_eq!(
            sig.signing_key,
            "ac658d5dde49e9bfdd14e04e062f66b05d9f637d44b8a8d845327d4a77f666b1"
        );
        assert_eq!(
            sig.signature,
            "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
        assert_eq!(sig.credential_scope, "2019-02-25/cvm/tc3_request");
        assert_eq!(
            sig.authorization,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    #[test]
    fn vector_b_with_action_header() {
        let id = format!("AKID{}", "*".repeat(32));
        let key = "*".repeat(32);
        let sig = signature(&SignInput {
            secret_id: &id,
            secret_key: &key,
            service: "cvm",
            timestamp: 1551113065,
            method: "POST",
            payload: BODY.as_bytes(),
            headers: &[
                ("Content-Type", CONTENT_TYPE_JSON),
                ("Host", HOST),
                ("X-TC-Action", "DescribeInstances"),
            ],
        });
        assert!(sig
            .canonical_request
            .contains("\nx-tc-action:describeinstances\n"));
        assert_eq!(sig.signed_headers, "content-type;host;x-tc-action");
        assert_eq!(
            sig.canonical_request_hash,
            "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
        );
        assert_eq!(
            sig.signature,
            "10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"
        );
    }

    #[test]
    fn sign_emits_the_common_headers_and_round_trips_through_parse() {
        let headers = sign(&RequestToSign {
            secret_id: "AKIDtest",
            secret_key: "key",
            session_token: Some("tok"),
            service: "clb",
            host: "clb.tencentcloudapi.com",
            action: "DescribeLoadBalancers",
            version: "2018-03-17",
            region: Some("ap-guangzhou"),
            timestamp: 1_700_000_000,
            payload: b"{}",
            language: None,
        });
        let get = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("X-TC-Region").as_deref(), Some("ap-guangzhou"));
        assert_eq!(get("X-TC-Token").as_deref(), Some("tok"));
        let auth = parse_authorization(&get("Authorization").unwrap()).unwrap();
        assert_eq!(auth.secret_id, "AKIDtest");
        assert_eq!(auth.service, "clb");
        assert_eq!(auth.date, "2023-11-14");
        assert_eq!(auth.signed_headers, ["content-type", "host", "x-tc-action"]);
    }

    #[test]
    fn malformed_authorization_is_rejected() {
        for bad in [
            "",
            "Basic abc",
            "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm, SignedHeaders=host, Signature=00",
            "TC3-HMAC-SHA256 Credential=/2019-02-25/cvm/tc3_request, SignedHeaders=host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
            "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/cvm/tc3_request, SignedHeaders=host, Signature=zz",
        ] {
            assert!(parse_authorization(bad).is_none(), "{bad}");
        }
    }
}
