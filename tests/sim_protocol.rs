//! The simulator's wire protocol over real loopback HTTP: envelopes,
//! signature checks with the real error codes, action/version/region
//! checks, parameter validation, and the read-only observability endpoints.

use crate::sim_support;

use serde_json::{json, Value};
use sim_support::*;
use tcscale::cloud::Service;

#[tokio::test]
async fn answers_the_api_envelope_with_exact_content_type() {
    let h = sim(1.0).await;
    let (ct, body) = Raw::new(&h, "cvm", "DescribeZones", b"{}").send(&h).await;
    assert_eq!(ct, "application/json");
    let id = body["Response"]["RequestId"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    assert_eq!(body["Response"]["TotalCount"], 3);
    // Errors too: HTTP 200, exactly application/json, Error + RequestId.
    let mut raw = Raw::new(&h, "cvm", "NoSuchAction", b"{}");
    raw.region = Some("ap-guangzhou");
    let (ct, body) = raw.send(&h).await;
    assert_eq!(ct, "application/json");
    assert_eq!(body["Response"]["Error"]["Code"], "InvalidAction");
    assert!(body["Response"]["Error"]["Message"]
        .as_str()
        .unwrap()
        .contains("NoSuchAction"));
    assert!(body["Response"]["RequestId"].is_string());
}

#[tokio::test]
async fn each_auth_failure_has_the_real_code() {
    let h = sim(1.0).await;
    let body = br#"{"Limit":1}"#;

    let mut wrong_key = Raw::new(&h, "cvm", "DescribeInstances", body);
    wrong_key.secret_key = "not-the-key";
    assert_eq!(
        wrong_key.error_code(&h).await,
        "AuthFailure.SignatureFailure"
    );

    let mut altered = Raw::new(&h, "cvm", "DescribeInstances", body);
    altered.sent_body = Some(br#"{"Limit":2}"#);
    assert_eq!(altered.error_code(&h).await, "AuthFailure.SignatureFailure");

    let mut stale = Raw::new(&h, "cvm", "DescribeInstances", body);
    stale.timestamp -= 301;
    assert_eq!(stale.error_code(&h).await, "AuthFailure.SignatureExpire");

    let mut future = Raw::new(&h, "cvm", "DescribeInstances", body);
    future.timestamp += 400;
    assert_eq!(future.error_code(&h).await, "AuthFailure.SignatureExpire");

    let mut unknown = Raw::new(&h, "cvm", "DescribeInstances", body);
    unknown.secret_id = "AKIDnobodyknowsthisone00000000000000";
    assert_eq!(unknown.error_code(&h).await, "AuthFailure.SecretIdNotFound");

    let mut malformed = Raw::new(&h, "cvm", "DescribeInstances", body);
    malformed
        .overrides
        .push(("Authorization", "TC3-HMAC-SHA256 garbage".into()));
    assert_eq!(
        malformed.error_code(&h).await,
        "AuthFailure.InvalidAuthorization"
    );

    let mut unsigned = Raw::new(&h, "cvm", "DescribeInstances", body);
    unsigned.overrides.push(("Authorization", String::new()));
    let code = unsigned.error_code(&h).await;
    assert!(code.starts_with("AuthFailure."), "{code}");

    let mut bad_service = Raw::new(&h, "cdb", "DescribeDBInstances", body);
    bad_service.version = "2017-03-20";
    assert_eq!(
        bad_service.error_code(&h).await,
        "AuthFailure.InvalidAuthorization"
    );

    // The request log saw every one of them, and the good key still works.
    let ok = Raw::new(&h, "cvm", "DescribeInstances", body)
        .send(&h)
        .await
        .1;
    assert_eq!(ok["Response"]["InstanceSet"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn actions_versions_regions_and_permissions() {
    let h = sim(1.0).await;
    assert_eq!(
        Raw::new(&h, "cvm", "DescribeNothing", b"{}")
            .error_code(&h)
            .await,
        "InvalidAction"
    );
    // An action of another service is not an action of this one.
    assert_eq!(
        Raw::new(&h, "cvm", "DescribeVpcs", b"{}")
            .error_code(&h)
            .await,
        "InvalidAction"
    );
    let mut v = Raw::new(&h, "cvm", "DescribeInstances", b"{}");
    v.version = "2018-01-01";
    assert_eq!(v.error_code(&h).await, "NoSuchVersion");
    let mut r = Raw::new(&h, "cvm", "DescribeInstances", b"{}");
    r.region = Some("mars-north-1");
    let (_, body) = r.send(&h).await;
    assert_eq!(body["Response"]["Error"]["Code"], "InvalidParameterValue");
    assert!(body["Response"]["Error"]["Message"]
        .as_str()
        .unwrap()
        .contains("mars-north-1"));
    let mut none = Raw::new(&h, "cvm", "DescribeInstances", b"{}");
    none.region = None;
    assert_eq!(none.error_code(&h).await, "MissingParameter");
    // Tag is global: no region needed.
    let mut tag = Raw::new(
        &h,
        "tag",
        "DescribeProjects",
        br#"{"AllList":1,"Limit":1000,"Offset":0}"#,
    );
    tag.region = None;
    let (_, body) = tag.send(&h).await;
    assert_eq!(body["Response"]["Total"], 3, "{body}");

    let mut world = tcscale::sim::seed::sandbox_world();
    world.denied_actions = vec!["cvm:RunInstances".into(), "DescribeVpcs".into()];
    let h = sim_with(world, |_| {}).await;
    let c = client(&h, "ap-guangzhou");
    assert_eq!(
        code(
            &c,
            Service::Cvm,
            "RunInstances",
            json!({"Placement": {"Zone": "ap-guangzhou-3"}, "ImageId": "img-l8og963d"})
        )
        .await,
        "UnauthorizedOperation"
    );
    assert_eq!(
        code(&c, Service::Vpc, "DescribeVpcs", json!({})).await,
        "UnauthorizedOperation"
    );
    assert!(call(&c, Service::Cvm, "DescribeInstances", json!({}))
        .await
        .is_ok());
}

#[tokio::test]
async fn parameters_are_validated_against_the_spec() {
    let h = sim(1.0).await;
    let c = client(&h, "ap-guangzhou");
    let cases: Vec<(Service, &str, Value, &str)> = vec![
        (
            Service::Cvm,
            "DescribeInstances",
            json!({"Bogus": 1}),
            "UnknownParameter",
        ),
        (
            Service::Cvm,
            "DescribeInstances",
            json!({"Filters": [{"Name": "zone", "Value": ["x"]}]}),
            "UnknownParameter",
        ),
        (
            Service::Cvm,
            "DescribeInstances",
            json!({"Limit": "many"}),
            "InvalidParameter",
        ),
        (
            Service::Cvm,
            "DescribeInstances",
            json!({"InstanceIds": "ins-bizn0de1"}),
            "InvalidParameter",
        ),
        (
            Service::Cvm,
            "DescribeInstances",
            json!({"Limit": 101}),
            "InvalidParameterValueLimit",
        ),
        (
            Service::Cvm,
            "DescribeInstances",
            json!({"Offset": -1}),
            "InvalidParameterValueOffset",
        ),
        (
            Service::Cvm,
            "DescribeInstances",
            json!({"InstanceIds": ["ins-bizn0de1"], "Filters": [{"Name": "zone", "Values": ["ap-guangzhou-3"]}]}),
            "InvalidParameterCombination",
        ),
        (
            Service::Cvm,
            "DescribeInstances",
            json!({"InstanceIds": ["i-123"]}),
            "InvalidInstanceId.Malformed",
        ),
        (
            Service::Cvm,
            "DescribeInstances",
            json!({"Filters": [{"Name": "colour", "Values": ["red"]}]}),
            "InvalidFilter",
        ),
        (
            Service::Cvm,
            "CreateImage",
            json!({"InstanceId": "ins-bizn0de1"}),
            "MissingParameter",
        ),
        (
            Service::Cvm,
            "TerminateInstances",
            json!({}),
            "MissingParameter",
        ),
        (
            Service::Vpc,
            "DescribeSubnets",
            json!({"Limit": "500"}),
            "InvalidParameterValue.Range",
        ),
        (
            Service::Vpc,
            "DescribeSecurityGroupPolicies",
            json!({}),
            "MissingParameter",
        ),
        (
            Service::Tag,
            "DescribeProjects",
            json!({"AllList": 1}),
            "MissingParameter",
        ),
    ];
    for (service, action, params, want) in cases {
        assert_eq!(
            code(&c, service, action, params.clone()).await,
            want,
            "{action} {params}"
        );
    }
    // Body that is not JSON.
    let raw = Raw::new(&h, "cvm", "DescribeInstances", b"{not json");
    assert_eq!(raw.error_code(&h).await, "InvalidParameter");
}

#[tokio::test]
async fn observability_is_read_only_and_has_no_keys() {
    let h = sim(1.0).await;
    let c = client(&h, "ap-guangzhou");
    call(&c, Service::Cvm, "DescribeInstances", json!({}))
        .await
        .unwrap();
    let _ = call(&c, Service::Cvm, "DescribeInstances", json!({"Limit": 500})).await;
    let http = reqwest::Client::new();
    let state = http
        .get(format!("{}/_sim/state", h.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(state.headers()["content-type"], "application/json");
    let text = state.text().await.unwrap();
    assert!(
        !text.contains(&h.secret_key),
        "the world dump leaks the key"
    );
    let world: Value = serde_json::from_str(&text).unwrap();
    assert!(world["cvm"]["instances"].as_array().unwrap().len() >= 10);
    let log: Value = http
        .get(format!("{}/_sim/requests", h.endpoint()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["action"], "DescribeInstances");
    assert_eq!(log[0]["outcome"], "OK");
    assert_eq!(log[0]["service"], "cvm");
    assert_eq!(log[0]["region"], "ap-guangzhou");
    assert_eq!(log[1]["outcome"], "InvalidParameterValueLimit");
    // GETs change nothing: the second dump equals the first, and a POST to
    // the state endpoint is not a way in.
    let again = http
        .get(format!("{}/_sim/state", h.endpoint()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(again, text);
    let post = http
        .post(format!("{}/_sim/state", h.endpoint()))
        .body("{}")
        .send()
        .await
        .unwrap();
    let body: Value = post.json().await.unwrap();
    assert!(
        body["Response"]["Error"]["Code"]
            .as_str()
            .unwrap()
            .starts_with("AuthFailure"),
        "{body}"
    );
}

#[tokio::test]
async fn signed_controls_move_the_clock() {
    let h = sim(1.0).await;
    let mut unsigned_like = Raw::new(&h, "cvm", "advance", br#"{"Seconds": 100}"#);
    unsigned_like.path = "/_sim/advance";
    unsigned_like.secret_key = "wrong";
    assert_eq!(
        unsigned_like.error_code(&h).await,
        "AuthFailure.SignatureFailure"
    );
    let before = h.now();
    let mut adv = Raw::new(&h, "cvm", "advance", br#"{"Seconds": 100}"#);
    adv.path = "/_sim/advance";
    let (_, body) = adv.send(&h).await;
    assert!(
        body["Response"]["Now"].as_f64().unwrap() >= before + 100.0,
        "{body}"
    );
    assert!(h.now() >= before + 100.0);
}
