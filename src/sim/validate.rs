//! Checks a request's parameters against the official member tables
//! (the generated `OBJECTS` of each service), before any handler runs:
//! unknown parameters, missing required ones, types (nested objects and
//! lists included), `Limit`/`Offset` ranges and the "ids or filters, not
//! both" rule — each with the error code the real service uses.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::cloud::action::{spec, ObjectSpec, Service, Ty};
use crate::sim::world::SimError;

type Index = HashMap<(Service, &'static str), &'static ObjectSpec>;

/// Objects by (service, name), built once: validation runs on every call.
fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut map = HashMap::new();
        for s in Service::ALL {
            for o in spec(s).objects {
                map.insert((s, o.name), o);
            }
        }
        map
    })
}

/// Request objects by (service, action), built once.
fn actions() -> &'static HashMap<(Service, &'static str), &'static str> {
    static ACTIONS: OnceLock<HashMap<(Service, &'static str), &'static str>> = OnceLock::new();
    ACTIONS.get_or_init(|| {
        let mut map = HashMap::new();
        for s in Service::ALL {
            for (a, input, _) in spec(s).actions {
                map.insert((s, *a), *input);
            }
        }
        map
    })
}

/// The request object of an action, if the service has that action.
pub fn request_object(service: Service, action: &str) -> Option<&'static ObjectSpec> {
    let input = actions().get(&(service, action))?;
    index().get(&(service, *input)).copied()
}

/// Validates `params` for `service`/`action` (the action must exist).
pub fn validate(service: Service, action: &str, params: &Value) -> Result<(), SimError> {
    let obj = request_object(service, action).ok_or_else(|| {
        SimError::new(
            "InvalidAction",
            format!("The action `{action}` is not valid."),
        )
    })?;
    let map = params.as_object().ok_or_else(|| {
        SimError::new(
            "InvalidParameter",
            "The request body must be a JSON object.",
        )
    })?;
    check_object(service, obj, map, "")?;
    check_paging(service, params, map)?;
    check_ids_with_filters(service, action, map)
}

fn check_object(
    service: Service,
    obj: &ObjectSpec,
    map: &Map<String, Value>,
    prefix: &str,
) -> Result<(), SimError> {
    for (key, value) in map {
        let member = obj.members.iter().find(|m| m.name == key).ok_or_else(|| {
            SimError::new(
                "UnknownParameter",
                format!("The parameter `{prefix}{key}` is not recognized."),
            )
        })?;
        if !value.is_null() {
            check_value(service, &member.ty, value, &format!("{prefix}{key}"))?;
        }
    }
    for m in obj.members.iter().filter(|m| m.required) {
        if map.get(m.name).is_none_or(Value::is_null) {
            return Err(SimError::new(
                "MissingParameter",
                format!(
                    "The request is missing a required parameter `{prefix}{}`.",
                    m.name
                ),
            ));
        }
    }
    Ok(())
}

fn type_error(path: &str, expected: &str) -> SimError {
    SimError::new(
        "InvalidParameter",
        format!("The parameter `{path}` should be {expected}."),
    )
}

fn is_int_string(s: &str) -> bool {
    s.trim().parse::<i64>().is_ok()
}

fn check_value(service: Service, ty: &Ty, value: &Value, path: &str) -> Result<(), SimError> {
    match ty {
        // The real API is lenient with scalars sent as numbers for strings.
        Ty::Str => match value {
            Value::String(_) | Value::Number(_) => Ok(()),
            _ => Err(type_error(path, "a string")),
        },
        Ty::Int => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(()),
            Value::String(s) if is_int_string(s) => Ok(()),
            _ => Err(type_error(path, "an integer")),
        },
        Ty::UInt => match value {
            Value::Number(n) if n.is_u64() => Ok(()),
            Value::String(s) if s.trim().parse::<u64>().is_ok() => Ok(()),
            _ => Err(type_error(path, "a non-negative integer")),
        },
        Ty::Float => match value {
            Value::Number(_) => Ok(()),
            Value::String(s) if s.trim().parse::<f64>().is_ok() => Ok(()),
            _ => Err(type_error(path, "a number")),
        },
        Ty::Bool => match value {
            Value::Bool(_) => Ok(()),
            _ => Err(type_error(path, "a boolean")),
        },
        Ty::Object(name) => {
            let map = value
                .as_object()
                .ok_or_else(|| type_error(path, "an object"))?;
            match index().get(&(service, *name)) {
                Some(obj) => check_object(service, obj, map, &format!("{path}.")),
                None => Ok(()),
            }
        }
        Ty::List(inner) => {
            let items = value.as_array().ok_or_else(|| type_error(path, "a list"))?;
            for (i, item) in items.iter().enumerate() {
                check_value(service, inner, item, &format!("{path}.{i}"))?;
            }
            Ok(())
        }
    }
}

/// An integer parameter that may arrive as a number or a string (VPC's are strings).
pub fn int_param(params: &Value, name: &str) -> Option<i64> {
    match params.get(name)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// (max Limit, code for a bad Limit, code for a bad Offset) per service.
fn paging_rules(service: Service) -> (i64, &'static str, &'static str) {
    match service {
        Service::Cvm => (
            100,
            "InvalidParameterValueLimit",
            "InvalidParameterValueOffset",
        ),
        Service::Vpc => (
            100,
            "InvalidParameterValue.Range",
            "InvalidParameterValue.Range",
        ),
        Service::Tag => (
            1000,
            "InvalidParameter",
            "InvalidParameterValue.OffsetInvalid",
        ),
        _ => (100, "InvalidParameterValue", "InvalidParameterValue"),
    }
}

fn check_paging(
    service: Service,
    params: &Value,
    map: &Map<String, Value>,
) -> Result<(), SimError> {
    let (max, limit_code, offset_code) = paging_rules(service);
    if map.contains_key("Limit") {
        match int_param(params, "Limit") {
            Some(l) if (0..=max).contains(&l) => {}
            _ => {
                return Err(SimError::new(
                    limit_code,
                    format!("The value of `Limit` must be between 0 and {max}."),
                ))
            }
        }
    }
    if map.contains_key("Offset") {
        match int_param(params, "Offset") {
            Some(o) if o >= 0 => {}
            _ => {
                return Err(SimError::new(
                    offset_code,
                    "The value of `Offset` must be a non-negative integer.",
                ))
            }
        }
    }
    Ok(())
}

/// Describe calls take ids or filters, not both (as each service documents).
fn check_ids_with_filters(
    service: Service,
    action: &str,
    map: &Map<String, Value>,
) -> Result<(), SimError> {
    let (ids, code) = match (service, action) {
        (Service::Cvm, "DescribeInstances") | (Service::Cvm, "DescribeInstancesStatus") => {
            ("InstanceIds", "InvalidParameterCombination")
        }
        (Service::Cvm, "DescribeImages") => (
            "ImageIds",
            "InvalidParameter.InvalidParameterCoexistImageIdsFilters",
        ),
        (Service::Vpc, "DescribeVpcs") => ("VpcIds", "InvalidParameter.Coexist"),
        (Service::Vpc, "DescribeSubnets") => ("SubnetIds", "InvalidParameter.Coexist"),
        (Service::Vpc, "DescribeSecurityGroups") => {
            ("SecurityGroupIds", "InvalidParameter.Coexist")
        }
        _ => return Ok(()),
    };
    let present = |k: &str| {
        map.get(k)
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    };
    if present(ids) && present("Filters") {
        return Err(SimError::new(
            code,
            format!("The parameters `{ids}` and `Filters` cannot be specified at the same time."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code(service: Service, action: &str, params: Value) -> String {
        validate(service, action, &params)
            .map(|_| "OK".to_string())
            .unwrap_or_else(|e| e.code)
    }

    #[test]
    fn accepts_well_formed_requests() {
        assert_eq!(
            code(
                Service::Cvm,
                "DescribeInstances",
                json!({"Limit": 100, "Filters": [{"Name": "zone", "Values": ["ap-guangzhou-3"]}]})
            ),
            "OK"
        );
        assert_eq!(
            code(Service::Vpc, "DescribeVpcs", json!({"Limit": "20"})),
            "OK"
        );
        assert_eq!(
            code(
                Service::Tag,
                "DescribeProjects",
                json!({"AllList": 1, "Limit": 1000, "Offset": 0})
            ),
            "OK"
        );
    }

    #[test]
    fn reports_each_kind_of_bad_request() {
        assert_eq!(
            code(Service::Cvm, "DescribeInstances", json!({"Bogus": 1})),
            "UnknownParameter"
        );
        assert_eq!(
            code(
                Service::Cvm,
                "DescribeInstances",
                json!({"Filters": [{"Name": "zone", "Bogus": 1}]})
            ),
            "UnknownParameter"
        );
        assert_eq!(
            code(Service::Cvm, "CreateImage", json!({})),
            "MissingParameter"
        );
        assert_eq!(
            code(Service::Cvm, "DescribeInstances", json!({"Limit": "x"})),
            "InvalidParameter"
        );
        assert_eq!(
            code(
                Service::Cvm,
                "DescribeInstances",
                json!({"InstanceIds": "ins-1"})
            ),
            "InvalidParameter"
        );
        assert_eq!(
            code(Service::Cvm, "DescribeInstances", json!({"Limit": 101})),
            "InvalidParameterValueLimit"
        );
        assert_eq!(
            code(Service::Cvm, "DescribeInstances", json!({"Offset": -1})),
            "InvalidParameterValueOffset"
        );
        assert_eq!(
            code(Service::Vpc, "DescribeSubnets", json!({"Limit": "101"})),
            "InvalidParameterValue.Range"
        );
        assert_eq!(
            code(
                Service::Cvm,
                "DescribeInstances",
                json!({"InstanceIds": ["ins-1"], "Filters": [{"Name": "zone", "Values": ["x"]}]})
            ),
            "InvalidParameterCombination"
        );
        assert_eq!(
            code(Service::Cvm, "NoSuchThing", json!({})),
            "InvalidAction"
        );
    }
}
