//! Small helpers shared by the simulated CLB, TAT and Auto Scaling handlers:
//! typed request parsing, typed responses, pagination, filters and the
//! API's time formats.

use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

use crate::sim::world::SimError;

/// Parses the request parameters into the generated request model. The
/// server has already checked types against the member tables, so a failure
/// here means a value the model cannot hold (e.g. a negative `uint64`).
pub fn parse<T: DeserializeOwned>(params: &Value) -> Result<T, SimError> {
    serde_json::from_value(params.clone()).map_err(|e| {
        SimError::new(
            "InvalidParameter",
            format!("Invalid request parameters: {e}."),
        )
    })
}

/// Serializes a generated response model into the handler's answer.
pub fn reply<T: Serialize>(response: &T) -> Value {
    serde_json::to_value(response).unwrap_or(Value::Null)
}

/// `Offset`/`Limit` → a window, with the documented defaults (limit 20, at most 100).
pub fn window(offset: Option<i64>, limit: Option<i64>) -> Result<(usize, usize), SimError> {
    let offset = offset.unwrap_or(0);
    let limit = limit.unwrap_or(20);
    if offset < 0 {
        return Err(SimError::new(
            "InvalidParameterValue",
            format!("Offset `{offset}` must not be negative."),
        ));
    }
    if !(0..=100).contains(&limit) {
        return Err(SimError::new(
            "InvalidParameterValue",
            format!("Limit `{limit}` must be between 0 and 100."),
        ));
    }
    Ok((offset as usize, limit as usize))
}

/// The page `(offset, limit)` of `items`.
pub fn page<T: Clone>(items: &[T], (offset, limit): (usize, usize)) -> Vec<T> {
    items.iter().skip(offset).take(limit).cloned().collect()
}

/// A `Filters` entry, whatever service's model it came from.
pub struct FilterSpec {
    pub name: String,
    pub values: Vec<String>,
}

/// Checks the filter names against the documented ones; unknown names are
/// rejected with `code`, as the real services do.
pub fn check_filter_names(
    filters: &[FilterSpec],
    known: &[&str],
    code: &str,
) -> Result<(), SimError> {
    for f in filters {
        let ok = known.iter().any(|k| {
            if let Some(prefix) = k.strip_suffix('*') {
                f.name.starts_with(prefix)
            } else {
                *k == f.name
            }
        });
        if !ok {
            return Err(SimError::new(
                code,
                format!(
                    "The filter `{}` is not supported (supported: {}).",
                    f.name,
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Seconds since the epoch → `YYYY-MM-DD HH:mm:ss` in Beijing time (CLB's format).
pub fn beijing_time(unix: f64) -> String {
    let dt = chrono::DateTime::from_timestamp(unix.floor() as i64, 0).unwrap_or_default();
    (dt + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Seconds since the epoch → `YYYY-MM-DDThh:mm:ssZ` (AS's format).
pub fn iso_utc(unix: f64) -> String {
    chrono::DateTime::from_timestamp(unix.floor() as i64, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Seconds since the epoch → `YYYY-MM-DDThh:mm:ss+00:00` (TAT's format, as
/// in its definitions' examples).
pub fn iso_utc_offset(unix: f64) -> String {
    chrono::DateTime::from_timestamp(unix.floor() as i64, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string()
}

/// Seconds since the epoch → `YYYY-MM-DDThh:mm:ss+08:00` (AS scheduled actions).
pub fn iso_beijing(unix: f64) -> String {
    let dt = chrono::DateTime::from_timestamp(unix.floor() as i64, 0).unwrap_or_default();
    dt.with_timezone(&beijing())
        .format("%Y-%m-%dT%H:%M:%S+08:00")
        .to_string()
}

/// UTC+8, the zone of the AS API's scheduled times.
pub fn beijing() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_follow_the_documented_limits() {
        assert_eq!(window(None, None).unwrap(), (0, 20));
        assert_eq!(window(Some(5), Some(100)).unwrap(), (5, 100));
        assert_eq!(
            window(None, Some(101)).unwrap_err().code,
            "InvalidParameterValue"
        );
        assert_eq!(
            window(Some(-1), None).unwrap_err().code,
            "InvalidParameterValue"
        );
        let items: Vec<i32> = (0..10).collect();
        assert_eq!(page(&items, (8, 5)), vec![8, 9]);
        assert!(page(&items, (20, 5)).is_empty());
    }

    #[test]
    fn formats_times_as_the_api_does() {
        // 2024-01-01T00:00:00Z
        let t = 1_704_067_200.0;
        assert_eq!(iso_utc(t), "2024-01-01T00:00:00Z");
        assert_eq!(iso_utc_offset(t), "2024-01-01T00:00:00+00:00");
        assert_eq!(beijing_time(t), "2024-01-01 08:00:00");
        assert_eq!(iso_beijing(t), "2024-01-01T08:00:00+08:00");
    }

    #[test]
    fn filter_names_are_checked() {
        let f = |n: &str| FilterSpec {
            name: n.into(),
            values: vec![],
        };
        assert!(check_filter_names(&[f("tag:env")], &["tag:*"], "X").is_ok());
        assert_eq!(
            check_filter_names(&[f("nope")], &["a"], "InvalidFilter")
                .unwrap_err()
                .code,
            "InvalidFilter"
        );
    }
}
