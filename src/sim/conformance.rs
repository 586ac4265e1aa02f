//! Does an answer carry every field the real API always returns? Checks a
//! `Response` object against the definitions' `output_required` and
//! `value_allowed_null` flags (the generated member tables), recursively.
//!
//! Why: the official SDKs' models accept a missing field silently (it just
//! reads as null), so a simulator that leaves fields out passes every SDK
//! check while code that relies on those fields (a CLB's `MasterZone`, an
//! instance's `ExpiredTime`) is never exercised. The tests run this over
//! every answer of a whole-guide walk.
//!
//! [`fill_nulls`] is the simulator's side: a field the real API answers as
//! `null` when a feature is unused (a listener's `HttpCheckPath` on TCP, an
//! instance's `IPv6Addresses`) is written as `null` rather than left out, so
//! the service modules only set what has a value. Fields that are never null
//! must be set by the service modules themselves; the check catches those.

use serde_json::Value;

use crate::cloud::action::{spec, ObjectSpec, Service, Ty};

/// Every gap of `answer` (a `Response` object, `RequestId` included or not)
/// of `service`/`action`: `Path.To.Field: missing` or `...: null` (present as
/// null where the definitions say it never is) or `...: not a T`. Empty when
/// the answer conforms; an error answer (`Error`) has no gaps.
pub fn output_gaps(service: Service, action: &str, answer: &Value) -> Vec<String> {
    let sp = spec(service);
    let Some((_, output)) = sp.action(action) else {
        return vec![format!("{service} has no action {action}")];
    };
    if answer.get("Error").is_some() {
        return Vec::new();
    }
    let mut gaps = Vec::new();
    match sp.object(output) {
        Some(obj) => object_gaps(service, obj, answer, action, &mut gaps),
        None => gaps.push(format!("{action}: no definition of {output}")),
    }
    gaps
}

/// Adds `null` for every nullable output-required member missing from
/// `answer` (the `Response` object of `service`/`action`), recursively.
pub fn fill_nulls(service: Service, action: &str, answer: &mut Value) {
    let sp = spec(service);
    if let Some(obj) = sp.action(action).and_then(|(_, out)| sp.object(out)) {
        fill_object(service, obj, answer);
    }
}

fn fill_object(service: Service, obj: &ObjectSpec, value: &mut Value) {
    let Some(map) = value.as_object_mut() else {
        return;
    };
    for m in obj.members {
        match map.get_mut(m.name) {
            None if m.output_required && (m.nullable || real_null(obj, m.name)) => {
                map.insert(m.name.to_string(), Value::Null);
            }
            Some(v) => fill_value(service, &m.ty, v),
            None => {}
        }
    }
}

fn fill_value(service: Service, ty: &Ty, v: &mut Value) {
    match ty {
        Ty::Object(name) => {
            if let Some(obj) = spec(service).object(name) {
                fill_object(service, obj, v);
            }
        }
        Ty::List(inner) => {
            if let Some(items) = v.as_array_mut() {
                for item in items {
                    fill_value(service, inner, item);
                }
            }
        }
        _ => {}
    }
}

fn object_gaps(
    service: Service,
    obj: &ObjectSpec,
    value: &Value,
    path: &str,
    gaps: &mut Vec<String>,
) {
    let Some(map) = value.as_object() else {
        gaps.push(format!("{path}: not an object ({})", obj.name));
        return;
    };
    for m in obj.members {
        let here = format!("{path}.{}", m.name);
        match map.get(m.name) {
            None if m.output_required => gaps.push(format!("{here}: missing")),
            None => {}
            Some(Value::Null) if m.output_required && !m.nullable && !real_null(obj, m.name) => {
                gaps.push(format!("{here}: null"))
            }
            Some(Value::Null) => {}
            Some(v) => value_gaps(service, &m.ty, v, &here, gaps),
        }
    }
}

/// Members the definitions call never-null that the real API does answer as
/// null: a pay-as-you-go instance has no `ExpiredTime` nor `RenewFlag` (the
/// definitions' own text: 后付费模式本项为null), one without data disks
/// answers `DataDisks: null`; an activity or a TAT task still running has no
/// `EndTime` / `ExitCode` yet.
const REAL_NULLS: &[(&str, &str)] = &[
    ("Instance", "ExpiredTime"),
    ("Instance", "RenewFlag"),
    ("Instance", "DataDisks"),
    ("Activity", "EndTime"),
    ("TaskResult", "ExitCode"),
    // a layer-4 listener has no rules (the definitions' example answers the
    // mirror case, a layer-7 listener's `Targets`, as null)
    ("ListenerBackend", "Rules"),
];

fn real_null(obj: &ObjectSpec, member: &str) -> bool {
    REAL_NULLS.contains(&(obj.name, member))
}

fn value_gaps(service: Service, ty: &Ty, v: &Value, path: &str, gaps: &mut Vec<String>) {
    let ok = match ty {
        Ty::Str => v.is_string(),
        Ty::Int => v.is_i64() || v.is_u64(),
        Ty::UInt => v.is_u64(),
        Ty::Bool => v.is_boolean(),
        Ty::Float => v.is_number(),
        Ty::Object(name) => {
            match spec(service).object(name) {
                Some(obj) => object_gaps(service, obj, v, path, gaps),
                None => gaps.push(format!("{path}: no definition of {name}")),
            }
            return;
        }
        Ty::List(inner) => {
            let Some(items) = v.as_array() else {
                gaps.push(format!("{path}: not a list"));
                return;
            };
            for (i, item) in items.iter().enumerate() {
                if !item.is_null() {
                    value_gaps(service, inner, item, &format!("{path}[{i}]"), gaps);
                }
            }
            return;
        }
    };
    if !ok {
        gaps.push(format!("{path}: not a {ty:?} ({v})"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_missing_required_field_is_named_with_its_path() {
        let gaps = output_gaps(
            Service::Cvm,
            "DescribeRegions",
            &json!({"TotalCount": 1, "RegionSet": [{"Region": "ap-guangzhou", "RegionName": "华南地区(广州)"}]}),
        );
        assert!(
            gaps.contains(&"DescribeRegions.RegionSet[0].RegionState: missing".to_string()),
            "{gaps:?}"
        );
        let gaps = output_gaps(
            Service::Cvm,
            "DescribeRegions",
            &json!({"TotalCount": 1, "RegionSet": [{"Region": "ap-guangzhou", "RegionName": "x", "RegionState": "AVAILABLE", "RegionTypeMC": null, "LocationMC": null, "RegionNameMC": null, "RegionIdMC": null}], "RequestId": "r"}),
        );
        assert_eq!(gaps, Vec::<String>::new());
    }

    #[test]
    fn null_is_a_gap_only_where_the_definitions_forbid_it() {
        // TotalCount: output_required, not nullable
        let gaps = output_gaps(
            Service::Cvm,
            "DescribeRegions",
            &json!({"TotalCount": null, "RegionSet": []}),
        );
        assert_eq!(gaps, vec!["DescribeRegions.TotalCount: null".to_string()]);
        // Instance.ExpiredTime: output_required, null in the real API (pay-as-you-go)
        let gaps = output_gaps(
            Service::Cvm,
            "DescribeInstances",
            &json!({"TotalCount": 1, "InstanceSet": [{"ExpiredTime": null}]}),
        );
        assert!(!gaps.iter().any(|g| g.contains("ExpiredTime")), "{gaps:?}");
        assert!(
            gaps.iter()
                .any(|g| g.ends_with("InstanceSet[0].InstanceId: missing")),
            "{gaps:?}"
        );
    }

    #[test]
    fn fill_nulls_writes_only_nullable_members_and_keeps_values() {
        let mut answer = json!({"TotalCount": 1, "Listeners": [{"ListenerId": "lbl-1",
            "HealthCheck": {"HealthSwitch": 1, "HttpCheckPath": "/kept"}}]});
        fill_nulls(Service::Clb, "DescribeListeners", &mut answer);
        let l = &answer["Listeners"][0];
        assert_eq!(l["HealthCheck"]["HttpCheckPath"], "/kept");
        assert!(l["HealthCheck"]
            .as_object()
            .unwrap()
            .contains_key("HttpCheckDomain"));
        assert!(l["HealthCheck"]["HttpCheckDomain"].is_null());
        assert!(l.as_object().unwrap().contains_key("Certificate"));
        // never-null members stay missing: the check still names them
        assert!(!l.as_object().unwrap().contains_key("Protocol"));
        let gaps = output_gaps(Service::Clb, "DescribeListeners", &answer);
        assert!(
            gaps.iter()
                .any(|g| g.ends_with("Listeners[0].Protocol: missing")),
            "{gaps:?}"
        );
        assert!(
            !gaps.iter().any(|g| g.contains("HttpCheckDomain")),
            "{gaps:?}"
        );
    }

    #[test]
    fn types_are_checked_and_errors_have_no_gaps() {
        let gaps = output_gaps(
            Service::Cvm,
            "DescribeRegions",
            &json!({"TotalCount": "1", "RegionSet": []}),
        );
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        assert!(
            gaps[0].starts_with("DescribeRegions.TotalCount: not a "),
            "{gaps:?}"
        );
        let err = json!({"Error": {"Code": "InternalError", "Message": "x"}, "RequestId": "r"});
        assert!(output_gaps(Service::Cvm, "DescribeRegions", &err).is_empty());
        assert_eq!(
            output_gaps(Service::Cvm, "Nope", &json!({})),
            vec!["cvm has no action Nope".to_string()]
        );
    }
}
