//! Auto Scaling's scheduled-action times, as pure functions: the
//! `YYYY-MM-DDThh:mm:ss+08:00` times the API takes. The cron `Recurrence`
//! is [`crate::scaleout::cron::Cron`], the one parser tcscale has.

use chrono::DateTime;

/// Parses a scheduled-action time; it must be exactly
/// `YYYY-MM-DDThh:mm:ss+08:00` (Beijing time), as documented.
/// Returns Unix seconds.
pub fn parse_beijing_time(s: &str) -> Result<i64, String> {
    let dt = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%:z")
        .map_err(|_| format!("`{s}` is not a time of the form YYYY-MM-DDThh:mm:ss+08:00."))?;
    if dt.offset().local_minus_utc() != 8 * 3600 {
        return Err(format!(
            "`{s}` must be given in Beijing time (UTC+8), ending in +08:00."
        ));
    }
    Ok(dt.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bj(s: &str) -> i64 {
        parse_beijing_time(s).unwrap()
    }

    #[test]
    fn times_must_be_beijing_iso() {
        assert_eq!(bj("2024-01-01T08:00:00+08:00"), 1_704_067_200);
        assert!(parse_beijing_time("2024-01-01T00:00:00Z").is_err());
        assert!(parse_beijing_time("2024-01-01T00:00:00+00:00")
            .unwrap_err()
            .contains("+08:00"));
        assert!(parse_beijing_time("2024-01-01 08:00:00").is_err());
    }
}
