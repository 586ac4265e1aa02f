//! Auto Scaling's scheduled-action time rules, as pure functions: the
//! `YYYY-MM-DDThh:mm:ss+08:00` times the API takes, and the 5-field cron
//! `Recurrence` (minute, hour, day of month, month, day of week) evaluated
//! in Beijing time.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};

use crate::sim::svc_util::beijing;

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

/// One field of a cron expression: the allowed values, as a bitmask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Field {
    bits: u64,
    /// Whether the field was `*` (matters for the day-of-month/day-of-week rule).
    any: bool,
}

impl Field {
    fn has(&self, v: u32) -> bool {
        self.bits & (1u64 << v) != 0
    }
}

/// A parsed `Recurrence`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minute: Field,
    hour: Field,
    day: Field,
    month: Field,
    weekday: Field,
}

fn parse_field(text: &str, lo: u32, hi: u32, what: &str) -> Result<Field, String> {
    let mut bits = 0u64;
    let any = text == "*" || text == "?";
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                    format!("the step `{s}` of the {what} field is not a positive number")
                })?;
                (r, step)
            }
            None => (part, 1),
        };
        let num = |s: &str| -> Result<u32, String> {
            let v: u32 = s
                .parse()
                .map_err(|_| format!("`{s}` in the {what} field is not a number"))?;
            if v < lo || v > hi {
                return Err(format!("{v} in the {what} field is outside {lo}-{hi}"));
            }
            Ok(v)
        };
        let (start, end) = if range == "*" || range == "?" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (num(a)?, num(b)?);
            if a > b {
                return Err(format!("the range {a}-{b} of the {what} field is reversed"));
            }
            (a, b)
        } else {
            let v = num(range)?;
            // `5/15` means from 5 to the end, every 15.
            (v, if part.contains('/') { hi } else { v })
        };
        let mut v = start;
        while v <= end {
            bits |= 1u64 << v;
            v += step;
        }
    }
    Ok(Field { bits, any })
}

impl Cron {
    /// Parses `minute hour day-of-month month day-of-week` (`*`, numbers,
    /// `a-b` ranges, `,` lists and `/n` steps; day of week 0-7, 0 and 7 = Sunday).
    pub fn parse(expr: &str) -> Result<Cron, String> {
        let fields: Vec<&str> = expr.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!(
                "`{expr}` has {} fields; a Recurrence has 5: minute hour day month weekday.",
                fields.len()
            ));
        }
        let mut weekday = parse_field(fields[4], 0, 7, "day-of-week")?;
        if weekday.has(7) {
            weekday.bits |= 1;
        }
        Ok(Cron {
            minute: parse_field(fields[0], 0, 59, "minute")?,
            hour: parse_field(fields[1], 0, 23, "hour")?,
            day: parse_field(fields[2], 1, 31, "day-of-month")?,
            month: parse_field(fields[3], 1, 12, "month")?,
            weekday,
        })
    }

    fn day_matches(&self, d: NaiveDate) -> bool {
        let dom = self.day.has(d.day());
        let dow = self.weekday.has(d.weekday().num_days_from_sunday());
        // Classic cron: when both are restricted, either may match.
        match (self.day.any, self.weekday.any) {
            (true, true) => true,
            (false, true) => dom,
            (true, false) => dow,
            (false, false) => dom || dow,
        }
    }

    /// Whether the minute `t` (Beijing local time) matches.
    pub fn matches(&self, t: NaiveDateTime) -> bool {
        self.month.has(t.month())
            && self.day_matches(t.date())
            && self.hour.has(t.hour())
            && self.minute.has(t.minute())
    }

    /// The first matching minute strictly after Unix time `after`, as Unix
    /// seconds; `None` if there is none within about five years.
    pub fn next_after(&self, after: i64) -> Option<i64> {
        let local = DateTime::from_timestamp(after, 0)?
            .with_timezone(&beijing())
            .naive_local();
        let mut t = local.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        let limit = local + Duration::days(5 * 366);
        while t <= limit {
            if !self.month.has(t.month()) {
                let (y, m) = if t.month() == 12 {
                    (t.year() + 1, 1)
                } else {
                    (t.year(), t.month() + 1)
                };
                t = NaiveDate::from_ymd_opt(y, m, 1)?.and_hms_opt(0, 0, 0)?;
                continue;
            }
            if !self.day_matches(t.date()) {
                t = (t.date() + Duration::days(1)).and_hms_opt(0, 0, 0)?;
                continue;
            }
            if !self.hour.has(t.hour()) {
                t = t.with_minute(0)? + Duration::hours(1);
                continue;
            }
            if !self.minute.has(t.minute()) {
                t += Duration::minutes(1);
                continue;
            }
            return Some(t.and_local_timezone(beijing()).single()?.timestamp());
        }
        None
    }
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

    #[test]
    fn parses_and_rejects_cron() {
        assert!(Cron::parse("0 9 * * 1-5").is_ok());
        assert!(Cron::parse("*/15 8-20 1,15 * *").is_ok());
        assert!(Cron::parse("0 9 * *").unwrap_err().contains("5"));
        assert!(Cron::parse("60 9 * * *").unwrap_err().contains("minute"));
        assert!(Cron::parse("0 25 * * *").unwrap_err().contains("hour"));
        assert!(Cron::parse("0 9 * * 8").is_err());
        assert!(Cron::parse("0 9 5-1 * *").unwrap_err().contains("reversed"));
        assert!(Cron::parse("*/0 * * * *").is_err());
    }

    #[test]
    fn next_fire_is_in_beijing_time() {
        let c = Cron::parse("30 9 * * *").unwrap();
        // 2024-01-01 08:00 Beijing → 09:30 the same day.
        assert_eq!(
            c.next_after(bj("2024-01-01T08:00:00+08:00")),
            Some(bj("2024-01-01T09:30:00+08:00"))
        );
        // Exactly at 09:30 → the next day.
        assert_eq!(
            c.next_after(bj("2024-01-01T09:30:00+08:00")),
            Some(bj("2024-01-02T09:30:00+08:00"))
        );
    }

    #[test]
    fn weekdays_steps_and_months() {
        // 2024-01-06 is a Saturday: weekdays-only jumps to Monday the 8th.
        let c = Cron::parse("0 9 * * 1-5").unwrap();
        assert_eq!(
            c.next_after(bj("2024-01-05T10:00:00+08:00")),
            Some(bj("2024-01-08T09:00:00+08:00"))
        );
        let c = Cron::parse("*/20 * * * *").unwrap();
        assert_eq!(
            c.next_after(bj("2024-01-01T08:01:00+08:00")),
            Some(bj("2024-01-01T08:20:00+08:00"))
        );
        let c = Cron::parse("0 0 1 3 *").unwrap();
        assert_eq!(
            c.next_after(bj("2024-01-15T00:00:00+08:00")),
            Some(bj("2024-03-01T00:00:00+08:00"))
        );
        // Sunday as 7.
        let c = Cron::parse("0 12 * * 7").unwrap();
        assert_eq!(
            c.next_after(bj("2024-01-01T00:00:00+08:00")),
            Some(bj("2024-01-07T12:00:00+08:00"))
        );
        // Day-of-month OR day-of-week when both are restricted.
        let c = Cron::parse("0 0 10 * 1").unwrap();
        assert_eq!(
            c.next_after(bj("2024-01-02T00:00:00+08:00")),
            Some(bj("2024-01-08T00:00:00+08:00"))
        );
        // 31 February never comes.
        assert_eq!(Cron::parse("0 0 31 2 *").unwrap().next_after(0), None);
    }
}
