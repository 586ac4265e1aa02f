//! The one cron type: Auto Scaling's `Recurrence` (`minute hour
//! day-of-month month day-of-week`, Beijing time), parsed once for the
//! plan file, the wizard (which also says it in plain words, see
//! [`crate::scaleout::autoscaling`]) and the simulator (which fires it).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use serde::{Deserialize, Serialize};

/// Why an expression is not a recurrence: the strings-table reason (under
/// `autoscaling.error.`) and its placeholders (`part`: which of the five).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronError {
    pub reason: &'static str,
    pub args: Vec<(&'static str, String)>,
}

/// One part of a cron field: a value, a range, or either with a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CronPart {
    pub from: u32,
    pub to: u32,
    pub step: u32,
    /// The part was `*` (or `*/n`).
    pub star: bool,
}

/// One of the five fields, as parsed (kept as written, for plain words).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CronField {
    pub parts: Vec<CronPart>,
}

impl CronField {
    /// `*` alone: no restriction.
    pub fn is_any(&self) -> bool {
        self.parts.len() == 1 && self.parts[0].star && self.parts[0].step == 1
    }

    /// The only value, when the field is one number.
    pub fn single(&self) -> Option<u32> {
        match self.parts.as_slice() {
            [p] if !p.star && p.from == p.to => Some(p.from),
            _ => None,
        }
    }

    /// Every value the field allows, in `lo..=hi`.
    pub fn values(&self, lo: u32, hi: u32) -> Vec<u32> {
        (lo..=hi).filter(|x| self.has(*x)).collect()
    }
}

/// A cron expression: `minute hour day-of-month month day-of-week`, in
/// Beijing time (Auto Scaling's `Recurrence`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cron {
    pub text: String,
    pub minute: CronField,
    pub hour: CronField,
    pub day: CronField,
    pub month: CronField,
    /// 0–7, Sunday being 0 and 7.
    pub weekday: CronField,
}

/// The five fields: name (for messages) and range.
const CRON_FIELDS: [(&str, u32, u32); 5] = [
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day", 1, 31),
    ("month", 1, 12),
    ("weekday", 0, 7),
];

fn cron_error(reason: &'static str, part: &str, args: &[(&'static str, String)]) -> CronError {
    let mut all = vec![("part", part.to_string())];
    all.extend_from_slice(args);
    CronError { reason, args: all }
}

fn parse_cron_field(text: &str, name: &str, lo: u32, hi: u32) -> Result<CronField, CronError> {
    let mut parts = Vec::new();
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => {
                let step = s.parse::<u32>().ok().filter(|s| *s > 0).ok_or_else(|| {
                    cron_error("cron_bad_step", name, &[("value", s.to_string())])
                })?;
                (r, step)
            }
            None => (item, 1),
        };
        let num = |s: &str| -> Result<u32, CronError> {
            let v = s
                .parse::<u32>()
                .map_err(|_| cron_error("cron_not_a_number", name, &[("value", s.to_string())]))?;
            if v < lo || v > hi {
                return Err(cron_error(
                    "cron_out_of_range",
                    name,
                    &[
                        ("value", v.to_string()),
                        ("lo", lo.to_string()),
                        ("hi", hi.to_string()),
                    ],
                ));
            }
            Ok(v)
        };
        // `?` ("no particular value", Quartz style) means `*` too.
        let part = if range == "*" || range == "?" {
            CronPart {
                from: lo,
                to: hi,
                step,
                star: true,
            }
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (num(a)?, num(b)?);
            if a > b {
                return Err(cron_error(
                    "cron_reversed",
                    name,
                    &[("from", a.to_string()), ("to", b.to_string())],
                ));
            }
            CronPart {
                from: a,
                to: b,
                step,
                star: false,
            }
        } else {
            let v = num(range)?;
            CronPart {
                from: v,
                // `5/15`: from 5 to the end of the range, every 15.
                to: if item.contains('/') { hi } else { v },
                step,
                star: false,
            }
        };
        parts.push(part);
    }
    Ok(CronField { parts })
}

impl CronField {
    /// Whether the field allows `v`.
    pub fn has(&self, v: u32) -> bool {
        self.parts
            .iter()
            .any(|p| v >= p.from && v <= p.to && (v - p.from).is_multiple_of(p.step))
    }
}

impl Cron {
    /// Parses and checks a recurrence: exactly five fields, each within its
    /// range (`*`, numbers, `a-b` ranges, `,` lists, `/n` steps; day of week
    /// 0-7, 0 and 7 both Sunday).
    pub fn parse(text: &str) -> Result<Cron, CronError> {
        let text = text.trim();
        let fields: Vec<&str> = text.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(CronError {
                reason: "cron_field_count",
                args: vec![("count", fields.len().to_string())],
            });
        }
        let mut parsed = Vec::with_capacity(5);
        for (f, (name, lo, hi)) in fields.iter().zip(CRON_FIELDS) {
            parsed.push(parse_cron_field(f, name, lo, hi)?);
        }
        let weekday = parsed.pop().expect("five fields");
        let month = parsed.pop().expect("five fields");
        let day = parsed.pop().expect("five fields");
        let hour = parsed.pop().expect("five fields");
        let minute = parsed.pop().expect("five fields");
        Ok(Cron {
            text: fields.join(" "),
            minute,
            hour,
            day,
            month,
            weekday,
        })
    }

    fn weekday_has(&self, d: NaiveDate) -> bool {
        let dow = d.weekday().num_days_from_sunday();
        self.weekday.has(dow) || (dow == 0 && self.weekday.has(7))
    }

    fn day_matches(&self, d: NaiveDate) -> bool {
        let dom = self.day.has(d.day());
        let dow = self.weekday_has(d);
        // Classic cron: when both are restricted, either may match.
        match (self.day.is_any(), self.weekday.is_any()) {
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
        let beijing = crate::scaleout::autoscaling::beijing();
        let local = DateTime::from_timestamp(after, 0)?
            .with_timezone(&beijing)
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
            return Some(t.and_local_timezone(beijing).single()?.timestamp());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bj(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    #[test]
    fn parses_and_rejects_cron() {
        assert!(Cron::parse("0 9 * * 1-5").is_ok());
        assert!(Cron::parse("*/15 8-20 1,15 * *").is_ok());
        assert!(Cron::parse("0 9 ? * 1-5").is_ok());
        let e = |x: &str| Cron::parse(x).unwrap_err();
        assert_eq!(e("0 9 * *").reason, "cron_field_count");
        assert_eq!(e("60 9 * * *").reason, "cron_out_of_range");
        assert_eq!(e("60 9 * * *").args[0], ("part", "minute".to_string()));
        assert_eq!(e("0 25 * * *").args[0], ("part", "hour".to_string()));
        assert!(Cron::parse("0 9 * * 8").is_err());
        assert_eq!(e("0 9 5-1 * *").reason, "cron_reversed");
        assert_eq!(e("*/0 * * * *").reason, "cron_bad_step");
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
