//! Property tests (seeded, no extra crates) of the two parsers that read
//! what tcscale does not control: plan files, and API responses. Mutated
//! and truncated inputs never panic and always give a clear error; unknown
//! enum values decode (the models keep them as strings, the engine decides).

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use tcscale::cloud::action::Service;
use tcscale::cloud::models::{clb, cvm, tat, vpc};
use tcscale::cloud::transport::decode_envelope;
use tcscale::cloud::{Action, Client, ClientConfig, CloudError};
use tcscale::i18n::Lang;
use tcscale::scaleout::plan;

const SESSION: &str = include_str!("../assets/plans/session-servers.toml");
const BUSINESS: &str = include_str!("../assets/plans/business-servers.toml");

fn mutate_text(rng: &mut SmallRng, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let pieces = [
        "=",
        "\"",
        "[",
        "]",
        "[[session]]",
        "0",
        "-1",
        "70000",
        "true",
        "\"x\"",
        "{",
        "é",
        "#",
        "count",
        "role",
        "\n",
        "ins-",
        "lb-",
        "1e9",
        "\t",
        "\\u0000",
    ];
    for _ in 0..rng.gen_range(1..4) {
        if lines.is_empty() {
            break;
        }
        let i = rng.gen_range(0..lines.len());
        match rng.gen_range(0..6) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                // Replace the value of a key.
                if let Some((k, _)) = lines[i].split_once('=') {
                    let v = pieces[rng.gen_range(0..pieces.len())];
                    lines[i] = format!("{k}= {v}");
                }
            }
            3 => {
                let cut = rng.gen_range(0..=lines[i].len());
                let cut = (0..=cut)
                    .rev()
                    .find(|c| lines[i].is_char_boundary(*c))
                    .unwrap_or(0);
                lines[i].truncate(cut);
            }
            4 => {
                let j = rng.gen_range(0..lines.len());
                lines.swap(i, j);
            }
            _ => {
                let p = pieces[rng.gen_range(0..pieces.len())];
                lines[i].push_str(p);
            }
        }
    }
    lines.join("\n")
}

#[test]
fn mutated_plan_files_never_panic_and_every_error_is_clear() {
    let mut rng = SmallRng::seed_from_u64(11);
    let mut rejected = 0;
    for n in 0..4000 {
        let base = if n % 2 == 0 { SESSION } else { BUSINESS };
        let text = mutate_text(&mut rng, base);
        if let Err(errors) = plan::parse(&text) {
            rejected += 1;
            assert!(!errors.is_empty());
            let lines = text.lines().count().max(1);
            for e in errors {
                for lang in [Lang::En, Lang::Zh] {
                    let m = e.message(lang);
                    assert!(m.len() > 8, "clear message for {text:?}: {m:?}");
                    assert!(!m.contains("{"), "unfilled placeholder: {m}");
                }
                if let Some(l) = e.line {
                    assert!(l >= 1 && l <= lines + 1, "line {l} of {lines}: {text:?}");
                }
            }
        }
    }
    assert!(
        rejected > 1000,
        "the mutations reach the validator ({rejected})"
    );
}

/// Real answers of the simulator to the calls the engine decodes.
async fn samples() -> Vec<(Service, &'static str, Value)> {
    let h = tcscale::sim::server::start(Default::default())
        .await
        .unwrap();
    let c = Client::new(
        ClientConfig::new(h.credential(), "ap-guangzhou").with_endpoint(Some(h.endpoint())),
    )
    .unwrap();
    let mut out = Vec::new();
    macro_rules! sample {
        ($req:expr) => {{
            let req = $req;
            let body = serde_json::to_value(&req).unwrap();
            let v = c
                .call_raw(
                    action_service(&req),
                    action_name(&req),
                    "ap-guangzhou",
                    &body,
                )
                .await
                .unwrap();
            out.push((action_service(&req), action_name(&req), v));
        }};
    }
    sample!(cvm::DescribeInstancesRequest::default());
    sample!(cvm::DescribeImagesRequest::default());
    sample!(clb::DescribeLoadBalancersRequest::default());
    sample!(vpc::DescribeSecurityGroupsRequest::default());
    sample!(tat::DescribeAutomationAgentStatusRequest::default());
    let lb = out[2].2["LoadBalancerSet"][0]["LoadBalancerId"]
        .as_str()
        .unwrap()
        .to_string();
    sample!(clb::DescribeListenersRequest {
        load_balancer_id: Some(lb.clone()),
        ..Default::default()
    });
    sample!(clb::DescribeTargetHealthRequest {
        load_balancer_ids: Some(vec![lb.clone()]),
        ..Default::default()
    });
    sample!(clb::DescribeTargetsRequest {
        load_balancer_id: Some(lb),
        ..Default::default()
    });
    h.shutdown().await;
    out
}

fn action_service<A: Action>(_: &A) -> Service {
    A::SERVICE
}
fn action_name<A: Action>(_: &A) -> &'static str {
    A::NAME
}

/// Decodes `Response` into the action's generated model.
fn typed(action: &str, v: Value) -> Result<(), String> {
    fn d<T: serde::de::DeserializeOwned>(v: Value) -> Result<(), String> {
        serde_json::from_value::<T>(v)
            .map(drop)
            .map_err(|e| e.to_string())
    }
    match action {
        "DescribeInstances" => d::<cvm::DescribeInstancesResponse>(v),
        "DescribeImages" => d::<cvm::DescribeImagesResponse>(v),
        "DescribeLoadBalancers" => d::<clb::DescribeLoadBalancersResponse>(v),
        "DescribeTargetHealth" => d::<clb::DescribeTargetHealthResponse>(v),
        "DescribeSecurityGroups" => d::<vpc::DescribeSecurityGroupsResponse>(v),
        "DescribeAutomationAgentStatus" => d::<tat::DescribeAutomationAgentStatusResponse>(v),
        "DescribeListeners" => d::<clb::DescribeListenersResponse>(v),
        "DescribeTargets" => d::<clb::DescribeTargetsResponse>(v),
        other => panic!("no model for {other}"),
    }
}

/// Every value in a JSON tree, by path, for picking one at random.
fn paths(v: &Value, at: Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let mut p = at.clone();
                p.push(k.clone());
                out.push(p.clone());
                paths(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let mut p = at.clone();
                p.push(i.to_string());
                out.push(p.clone());
                paths(x, p, out);
            }
        }
        _ => {}
    }
}

fn at_mut<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let mut cur = v;
    for k in path {
        cur = match cur {
            Value::Object(m) => m.get_mut(k)?,
            Value::Array(a) => a.get_mut(k.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn check_error(e: &CloudError, action: &str) {
    let m = e.to_string();
    assert!(matches!(e, CloudError::Decode { .. }), "{m}");
    assert!(m.contains(action), "the error names the action: {m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_and_truncated_responses_never_panic_and_give_a_clear_error() {
    let mut rng = SmallRng::seed_from_u64(5);
    let samples = samples().await;
    let mut counts = [0usize; 4];
    for (service, action, response) in &samples {
        let whole = serde_json::to_vec(&serde_json::json!({ "Response": response })).unwrap();
        // The untouched answer decodes.
        let v = decode_envelope(*service, action, 200, &whole).unwrap();
        typed(action, v).unwrap();
        let mut all = Vec::new();
        paths(response, Vec::new(), &mut all);
        for _ in 0..300 {
            let mut r = response.clone();
            let kind = rng.gen_range(0..4);
            match kind {
                // Truncated JSON.
                0 => {
                    let cut = rng.gen_range(0..whole.len());
                    match decode_envelope(*service, action, 200, &whole[..cut]) {
                        Ok(_) => panic!("{action}: truncated at {cut} accepted"),
                        Err(e) => check_error(&e, action),
                    }
                    counts[0] += 1;
                    continue;
                }
                // A missing field: the models make every field optional.
                1 => {
                    if let Some(p) = all.get(rng.gen_range(0..all.len().max(1))) {
                        let (last, parent) = p.split_last().unwrap();
                        if let Some(Value::Object(m)) = at_mut(&mut r, parent) {
                            m.remove(last);
                        }
                    }
                }
                // An unknown enum value (any string becomes one).
                2 => {
                    if let Some(p) = all.get(rng.gen_range(0..all.len().max(1))) {
                        if let Some(x @ Value::String(_)) = at_mut(&mut r, p) {
                            *x = Value::String("SOMETHING_NEW_2031".into());
                        }
                    }
                }
                // A wrong type.
                _ => {
                    if let Some(p) = all.get(rng.gen_range(0..all.len().max(1))) {
                        if let Some(x) = at_mut(&mut r, p) {
                            *x = match x {
                                Value::String(_) => Value::from(42),
                                Value::Number(_) => Value::from("42"),
                                Value::Bool(_) => Value::from("yes"),
                                Value::Array(_) => Value::from(true),
                                Value::Object(_) => Value::from(7),
                                Value::Null => Value::Array(vec![]),
                            };
                        }
                    }
                }
            }
            counts[kind] += 1;
            let bytes = serde_json::to_vec(&serde_json::json!({ "Response": r })).unwrap();
            let v = match decode_envelope(*service, action, 200, &bytes) {
                Ok(v) => v,
                Err(e) => {
                    check_error(&e, action);
                    continue;
                }
            };
            match (kind, typed(action, v)) {
                (1 | 2, Err(e)) => panic!("{action}: missing field / unknown value refused: {e}"),
                (_, Err(e)) => assert!(!e.is_empty()),
                (_, Ok(())) => {}
            }
        }
    }
    assert!(counts.iter().all(|c| *c > 100), "{counts:?}");
    // Not JSON at all, an HTML error page, an empty body, no Response.
    for body in [
        &b""[..],
        b"<html>502</html>",
        b"{}",
        b"[]",
        b"{\"Response\": 3}",
    ] {
        match decode_envelope(Service::Cvm, "DescribeInstances", 502, body) {
            Ok(v) => assert!(typed("DescribeInstances", v).is_err()),
            Err(e) => check_error(&e, "DescribeInstances"),
        }
    }
}
