//! What every Describe call shares: `Filters` (AND across filters, OR
//! across a filter's values) and `Offset`/`Limit` paging with `TotalCount`.

use serde_json::Value;

use crate::sim::validate::int_param;
use crate::sim::world::SimError;

/// `Filters` of a request as (name, values).
pub fn filters(params: &Value) -> Vec<(String, Vec<String>)> {
    let Some(list) = params.get("Filters").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .map(|f| {
            let name = f
                .get("Name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let values = f
                .get("Values")
                .and_then(Value::as_array)
                .map(|vs| vs.iter().map(scalar_string).collect())
                .unwrap_or_default();
            (name, values)
        })
        .collect()
}

/// A JSON scalar as the string the API compares it as.
pub fn scalar_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Rejects filter names outside `known` with `code`.
pub fn check_filter_names(
    filters: &[(String, Vec<String>)],
    known: &[&str],
    code: &str,
) -> Result<(), SimError> {
    for (name, _) in filters {
        // `tag:*` stands for every `tag:<key>` filter.
        let ok = known.iter().any(|k| match k.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => k == name,
        });
        if !ok {
            return Err(SimError::new(
                code,
                format!(
                    "The filter `{name}` is not supported (supported: {}).",
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// A list parameter of strings (`InstanceIds`, …); empty when absent.
pub fn string_list(params: &Value, name: &str) -> Vec<String> {
    params
        .get(name)
        .and_then(Value::as_array)
        .map(|a| a.iter().map(scalar_string).collect())
        .unwrap_or_default()
}

pub fn str_param<'a>(params: &'a Value, name: &str) -> Option<&'a str> {
    params.get(name).and_then(Value::as_str)
}

/// `(offset, limit)` with the API's defaults (0, 20).
pub fn paging(params: &Value) -> (usize, usize) {
    let offset = int_param(params, "Offset").unwrap_or(0).max(0) as usize;
    let limit = int_param(params, "Limit").unwrap_or(20).max(0) as usize;
    (offset, limit)
}

/// One page of `items` and the total before paging.
pub fn page<T>(items: Vec<T>, params: &Value) -> (usize, Vec<T>) {
    page_of(items.into_iter(), params)
}

/// [`page`] of any iterator, in one pass: only the page is kept, so a
/// listing of a large world does not first copy every match into a list.
pub fn page_of<I: Iterator>(items: I, params: &Value) -> (usize, Vec<I::Item>) {
    let (offset, limit) = paging(params);
    let mut total = 0;
    let mut kept = Vec::with_capacity(limit.min(100));
    for item in items {
        if total >= offset && kept.len() < limit {
            kept.push(item);
        }
        total += 1;
    }
    (total, kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pages_with_defaults_and_edges() {
        let items: Vec<u32> = (0..45).collect();
        assert_eq!(page(items.clone(), &json!({})), (45, (0..20).collect()));
        assert_eq!(
            page(items.clone(), &json!({"Offset": 40, "Limit": 10})).1,
            vec![40, 41, 42, 43, 44]
        );
        assert_eq!(
            page(items.clone(), &json!({"Offset": "50"})).1,
            Vec::<u32>::new()
        );
        assert_eq!(page(items, &json!({"Limit": 0})).1, Vec::<u32>::new());
        assert_eq!(
            page_of(
                (0..45).filter(|i| i % 2 == 0),
                &json!({"Offset": 20, "Limit": 5})
            ),
            (23, vec![40, 42, 44])
        );
    }

    #[test]
    fn reads_filters() {
        let f = filters(&json!({"Filters": [{"Name": "project-id", "Values": [1002189, "0"]}]}));
        assert_eq!(
            f,
            vec![(
                "project-id".to_string(),
                vec!["1002189".to_string(), "0".to_string()]
            )]
        );
        assert!(check_filter_names(&f, &["zone"], "InvalidFilter").is_err());
    }
}
