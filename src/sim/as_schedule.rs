//! Auto Scaling's scheduled-action times, as pure functions: the
//! `YYYY-MM-DDThh:mm:ss+08:00` times the API takes, and the cron
//! `Recurrence` ([`SimCron`]), the simulator's own parser, written apart
//! from tcscale's so that the two can check each other.
//!
//! `Recurrence` is five fields, `minute hour day-of-month month
//! day-of-week`, in Beijing time (UTC+8). A field is a comma list of items;
//! an item is `*`, a value `v`, a range `a-b`, or any of these with a step
//! `/n` (`v/n` runs from `v` to the end of the range). Day of week is 0-7,
//! 0 and 7 both Sunday (Tencent documents 1-7 with 1 = Monday and
//! 7 = Sunday, which standard cron agrees with). `?` stands for `*` in the
//! day-of-month and day-of-week fields only. When both day fields are
//! restricted (anything but a bare `*`/`?`), a day matching either fires.

use chrono::{DateTime, Datelike, NaiveDate};

/// Beijing time's offset from UTC, in seconds.
const BEIJING: i64 = 8 * 3600;
const DAY: i64 = 86_400;
/// How far ahead [`SimCron::next_after`] looks: five years of 366 days.
const HORIZON: i64 = 5 * 366 * DAY;
/// Days from 0001-01-01 (day 1 of the Common Era) to 1970-01-01.
const CE_TO_UNIX_DAYS: i64 = 719_163;

/// Parses a scheduled-action time; it must be exactly
/// `YYYY-MM-DDThh:mm:ss+08:00` (Beijing time), as documented.
/// Returns Unix seconds.
pub fn parse_beijing_time(s: &str) -> Result<i64, String> {
    let dt = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%:z")
        .map_err(|_| format!("`{s}` is not a time of the form YYYY-MM-DDThh:mm:ss+08:00."))?;
    if dt.offset().local_minus_utc() != BEIJING as i32 {
        return Err(format!(
            "`{s}` must be given in Beijing time (UTC+8), ending in +08:00."
        ));
    }
    Ok(dt.timestamp())
}

/// One of the five fields: its name in messages, its range, and whether
/// `?` may stand for `*` in it.
struct FieldSpec {
    name: &'static str,
    lo: u32,
    hi: u32,
    question_mark: bool,
}

const MINUTE: FieldSpec = FieldSpec {
    name: "minute",
    lo: 0,
    hi: 59,
    question_mark: false,
};
const HOUR: FieldSpec = FieldSpec {
    name: "hour",
    lo: 0,
    hi: 23,
    question_mark: false,
};
const DAY_OF_MONTH: FieldSpec = FieldSpec {
    name: "day-of-month",
    lo: 1,
    hi: 31,
    question_mark: true,
};
const MONTH: FieldSpec = FieldSpec {
    name: "month",
    lo: 1,
    hi: 12,
    question_mark: false,
};
const DAY_OF_WEEK: FieldSpec = FieldSpec {
    name: "day-of-week",
    lo: 0,
    hi: 7,
    question_mark: true,
};

impl FieldSpec {
    fn allowed(&self) -> String {
        if self.name == DAY_OF_WEEK.name {
            format!("{}-{} (0 and 7 are Sunday)", self.lo, self.hi)
        } else {
            format!("{}-{}", self.lo, self.hi)
        }
    }

    fn error(&self, text: &str, why: &str) -> String {
        format!(
            "The {name} field `{text}` of Recurrence is invalid: {why} ({name} takes {}).",
            self.allowed(),
            name = self.name,
        )
    }

    /// A number of this field, within its range.
    fn number(&self, field: &str, s: &str) -> Result<u32, String> {
        if s == "?" {
            return Err(self.error(
                field,
                "`?` may only stand in the day-of-month and day-of-week fields",
            ));
        }
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.error(field, &format!("`{s}` is not a number")));
        }
        match s.parse::<u32>() {
            Ok(v) if (self.lo..=self.hi).contains(&v) => Ok(v),
            _ => Err(self.error(field, &format!("{s} is out of range"))),
        }
    }

    /// The set of values a field allows, as bits (bit `v` for value `v`),
    /// and whether the field is a bare `*` (or `?`): no restriction.
    fn parse(&self, field: &str) -> Result<(u64, bool), String> {
        let mut bits = 0u64;
        let items: Vec<&str> = field.split(',').collect();
        for item in &items {
            let (base, step) = match item.split_once('/') {
                None => (*item, None),
                Some((base, step)) => {
                    let ok = !step.is_empty() && step.bytes().all(|b| b.is_ascii_digit());
                    match step.parse::<u32>() {
                        Ok(n) if ok && n > 0 => (base, Some(n)),
                        _ => {
                            return Err(self.error(
                                field,
                                &format!("step `{step}` is not a whole number above 0"),
                            ))
                        }
                    }
                }
            };
            let (from, to) = if base == "*" || (base == "?" && self.question_mark) {
                if base == "?" && step.is_some() {
                    return Err(self.error(field, "`?` takes no step"));
                }
                (self.lo, self.hi)
            } else if let Some((a, b)) = base.split_once('-') {
                let (a, b) = (self.number(field, a)?, self.number(field, b)?);
                if a > b {
                    return Err(self.error(field, &format!("range {a}-{b} runs backwards")));
                }
                (a, b)
            } else {
                let v = self.number(field, base)?;
                // `v/n`: from v to the end of the range, every n.
                (v, if step.is_some() { self.hi } else { v })
            };
            let step = step.unwrap_or(1) as usize;
            for v in (from..=to).step_by(step) {
                bits |= 1 << v;
            }
        }
        let star = items.len() == 1 && {
            let item = items[0];
            item == "*" || item == "*/1" || (self.question_mark && item == "?")
        };
        Ok((bits, star))
    }
}

/// The lowest value at least `from` in `bits`.
fn first_at_or_after(bits: u64, from: u32) -> Option<u32> {
    if from >= 64 {
        return None;
    }
    let rest = bits & (u64::MAX << from);
    (rest != 0).then(|| rest.trailing_zeros())
}

/// An Auto Scaling `Recurrence`, parsed: each field as the set of values it
/// allows (bit `v` set for value `v`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimCron {
    minutes: u64,
    hours: u64,
    days_of_month: u64,
    months: u64,
    /// Bits 0-6, 0 being Sunday (a 7 written is folded into 0).
    days_of_week: u64,
    /// The day-of-month field is a bare `*` or `?`.
    any_day_of_month: bool,
    /// The day-of-week field is a bare `*` or `?`.
    any_day_of_week: bool,
}

impl SimCron {
    /// Parses a recurrence; the error is an English message naming the
    /// field at fault and its allowed range, as the API would give it.
    pub fn parse(text: &str) -> Result<SimCron, String> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!(
                "Recurrence `{}` has {} field(s); it needs 5, separated by spaces: minute \
                 (0-59) hour (0-23) day-of-month (1-31) month (1-12) day-of-week (0-7).",
                text.trim(),
                fields.len()
            ));
        }
        let (minutes, _) = MINUTE.parse(fields[0])?;
        let (hours, _) = HOUR.parse(fields[1])?;
        let (days_of_month, any_day_of_month) = DAY_OF_MONTH.parse(fields[2])?;
        let (months, _) = MONTH.parse(fields[3])?;
        let (mut days_of_week, any_day_of_week) = DAY_OF_WEEK.parse(fields[4])?;
        if days_of_week & (1 << 7) != 0 {
            days_of_week = (days_of_week & !(1 << 7)) | 1;
        }
        Ok(SimCron {
            minutes,
            hours,
            days_of_month,
            months,
            days_of_week,
            any_day_of_month,
            any_day_of_week,
        })
    }

    /// Whether the cron may fire on the day `days` after 1970-01-01
    /// (a Beijing calendar day).
    fn fires_on(&self, days: i64) -> Option<bool> {
        let date =
            NaiveDate::from_num_days_from_ce_opt(i32::try_from(days + CE_TO_UNIX_DAYS).ok()?)?;
        if self.months & (1 << date.month()) == 0 {
            return Some(false);
        }
        // 1970-01-01 was a Thursday (4, counting from Sunday = 0).
        let weekday = (days + 4).rem_euclid(7);
        let by_month_day = self.days_of_month & (1 << date.day()) != 0;
        let by_week_day = self.days_of_week & (1 << weekday) != 0;
        Some(match (self.any_day_of_month, self.any_day_of_week) {
            (true, true) => true,
            (false, true) => by_month_day,
            (true, false) => by_week_day,
            (false, false) => by_month_day || by_week_day,
        })
    }

    /// The first firing strictly after Unix time `unix_secs`, as Unix
    /// seconds (always a whole minute, read in Beijing time); `None` when
    /// there is none within five years (5 × 366 days) of `unix_secs`.
    pub fn next_after(&self, unix_secs: i64) -> Option<i64> {
        let limit = unix_secs.checked_add(HORIZON)?;
        // The first whole minute after `unix_secs`, in Beijing time.
        let first = (unix_secs.div_euclid(60) + 1) * 60 + BEIJING;
        let first_day = first.div_euclid(DAY);
        let last_day = (limit + BEIJING).div_euclid(DAY);
        let in_day = first.rem_euclid(DAY);
        // Within the first day, not before its hour and minute.
        let (mut hour_from, mut minute_from) =
            ((in_day / 3600) as u32, (in_day % 3600 / 60) as u32);
        for day in first_day..=last_day {
            if self.fires_on(day)? {
                let mut hour = first_at_or_after(self.hours, hour_from);
                while let Some(h) = hour {
                    let from = if h == hour_from { minute_from } else { 0 };
                    if let Some(m) = first_at_or_after(self.minutes, from) {
                        let at = day * DAY + i64::from(h) * 3600 + i64::from(m) * 60 - BEIJING;
                        return (at <= limit).then_some(at);
                    }
                    hour = first_at_or_after(self.hours, h + 1);
                }
            }
            (hour_from, minute_from) = (0, 0);
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

    fn next(expr: &str, after: &str) -> Option<i64> {
        SimCron::parse(expr).unwrap().next_after(bj(after))
    }

    fn err(expr: &str) -> String {
        SimCron::parse(expr).unwrap_err()
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
    fn parse_errors_name_the_field_and_its_range() {
        let e = err("0 9 * *");
        assert!(e.contains("4 field") && e.contains("needs 5"), "{e}");
        assert!(err("0 9 * * * *").contains("6 field"));
        assert!(err("   ").contains("0 field"));
        for (expr, field, range) in [
            ("60 9 * * *", "minute", "0-59"),
            ("0 24 * * *", "hour", "0-23"),
            ("0 0 0 * *", "day-of-month", "1-31"),
            ("0 0 32 * *", "day-of-month", "1-31"),
            ("0 0 * 13 *", "month", "1-12"),
            ("0 0 * 0 *", "month", "1-12"),
            ("0 0 * * 8", "day-of-week", "0-7"),
            ("*/0 * * * *", "minute", "0-59"),
            ("0 9 5-1 * *", "day-of-month", "1-31"),
            ("0 x * * *", "hour", "0-23"),
            ("? 9 * * *", "minute", "0-59"),
            ("1,,2 * * * *", "minute", "0-59"),
            ("+5 * * * *", "minute", "0-59"),
            ("0 0 ?/2 * *", "day-of-month", "1-31"),
            ("0 0 * * MON", "day-of-week", "0-7"),
        ] {
            let e = err(expr);
            assert!(
                e.contains(&format!("{field} field")) && e.contains(range),
                "{expr}: {e}"
            );
        }
        assert!(err("60 9 * * *").contains("60 is out of range"));
        assert!(err("*/0 * * * *").contains("step `0`"));
        assert!(err("0 9 5-1 * *").contains("5-1 runs backwards"));
        for ok in [
            "0 9 * * 1-5",
            "*/15 8-20 1,15 * *",
            "0 9 ? * 1-5",
            "5/20 * * * *",
            "0-30/10 0,12 */2 1-6/2 0,7",
            " 0  14  */1  *  * ",
        ] {
            assert!(SimCron::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn weekdays_at_nine() {
        // 2024-01-05 is a Friday, 2024-01-08 a Monday.
        let e = "0 9 * * 1-5";
        let at = |s| next(e, s);
        assert_eq!(
            at("2024-01-05T08:59:59+08:00"),
            Some(bj("2024-01-05T09:00:00+08:00"))
        );
        assert_eq!(
            at("2024-01-05T09:00:00+08:00"),
            Some(bj("2024-01-08T09:00:00+08:00"))
        );
        assert_eq!(
            at("2024-01-06T12:00:00+08:00"),
            Some(bj("2024-01-08T09:00:00+08:00"))
        );
        assert_eq!(
            next("0 9 ? * 1-5", "2024-01-06T12:00:00+08:00"),
            at("2024-01-06T12:00:00+08:00")
        );
    }

    #[test]
    fn every_quarter_hour() {
        let e = "*/15 * * * *";
        assert_eq!(
            next(e, "2024-01-01T08:01:00+08:00"),
            Some(bj("2024-01-01T08:15:00+08:00"))
        );
        assert_eq!(
            next(e, "2024-01-01T08:15:00+08:00"),
            Some(bj("2024-01-01T08:30:00+08:00"))
        );
        assert_eq!(
            next(e, "2024-01-01T08:59:30+08:00"),
            Some(bj("2024-01-01T09:00:00+08:00"))
        );
        assert_eq!(
            next(e, "2024-12-31T23:50:00+08:00"),
            Some(bj("2025-01-01T00:00:00+08:00"))
        );
        // `5/20`: 5, 25 and 45 past the hour.
        assert_eq!(
            next("5/20 * * * *", "2024-01-01T08:26:00+08:00"),
            Some(bj("2024-01-01T08:45:00+08:00"))
        );
        assert_eq!(
            next("5/20 * * * *", "2024-01-01T08:45:00+08:00"),
            Some(bj("2024-01-01T09:05:00+08:00"))
        );
    }

    #[test]
    fn first_of_the_month_and_leap_days() {
        let e = "30 8 1 * *";
        assert_eq!(
            next(e, "2024-01-01T08:29:00+08:00"),
            Some(bj("2024-01-01T08:30:00+08:00"))
        );
        assert_eq!(
            next(e, "2024-01-01T08:30:00+08:00"),
            Some(bj("2024-02-01T08:30:00+08:00"))
        );
        assert_eq!(
            next(e, "2024-12-15T00:00:00+08:00"),
            Some(bj("2025-01-01T08:30:00+08:00"))
        );
        let e = "0 0 29 2 *";
        assert_eq!(
            next(e, "2023-01-01T00:00:00+08:00"),
            Some(bj("2024-02-29T00:00:00+08:00"))
        );
        assert_eq!(
            next(e, "2024-02-29T00:00:00+08:00"),
            Some(bj("2028-02-29T00:00:00+08:00"))
        );
        // February never has a 30th or 31st.
        assert_eq!(next("0 0 30 2 *", "2024-01-01T00:00:00+08:00"), None);
        assert_eq!(next("0 0 31 2 *", "2024-01-01T00:00:00+08:00"), None);
        // 2097 to 2104 has no 29 February (2100 is not a leap year): beyond five years.
        assert_eq!(next(e, "2097-01-01T00:00:00+08:00"), None);
    }

    #[test]
    fn day_fields_sunday_and_either_day() {
        // 0 and 7 are both Sunday; 2024-01-07 is a Sunday.
        for e in ["0 12 * * 0", "0 12 * * 7", "0 12 ? * 7"] {
            assert_eq!(
                next(e, "2024-01-01T00:00:00+08:00"),
                Some(bj("2024-01-07T12:00:00+08:00")),
                "{e}"
            );
        }
        // Both day fields restricted: the 10th or a Monday.
        let e = "0 0 10 * 1";
        assert_eq!(
            next(e, "2024-01-02T00:00:00+08:00"),
            Some(bj("2024-01-08T00:00:00+08:00"))
        );
        assert_eq!(
            next(e, "2024-01-08T00:00:00+08:00"),
            Some(bj("2024-01-10T00:00:00+08:00"))
        );
        // `*/2` restricts the day of month (odd days), so weekday Monday adds to it.
        let e = "0 0 */2 * 1";
        assert_eq!(
            next(e, "2024-01-07T00:00:00+08:00"),
            Some(bj("2024-01-08T00:00:00+08:00"))
        );
        assert_eq!(
            next(e, "2024-01-08T00:00:00+08:00"),
            Some(bj("2024-01-09T00:00:00+08:00"))
        );
        // Only the day of month restricted: weekday `*` adds nothing.
        assert_eq!(
            next("0 0 15 * *", "2024-01-01T00:00:00+08:00"),
            Some(bj("2024-01-15T00:00:00+08:00"))
        );
        // Months: March only.
        assert_eq!(
            next("0 0 1 3 *", "2024-01-15T00:00:00+08:00"),
            Some(bj("2024-03-01T00:00:00+08:00"))
        );
    }

    #[test]
    fn firings_are_beijing_time_as_unix_seconds() {
        // Unix 0 is 08:00 in Beijing: midnight comes 16 hours later.
        let c = SimCron::parse("0 0 * * *").unwrap();
        assert_eq!(c.next_after(0), Some(16 * 3600));
        // 08:00 Beijing is midnight UTC.
        let c = SimCron::parse("0 8 * * *").unwrap();
        assert_eq!(c.next_after(1_704_067_199), Some(1_704_067_200));
        assert_eq!(c.next_after(1_704_067_200), Some(1_704_067_200 + 86_400));
        // A UTC date is not the Beijing one: 2024-01-07T20:00Z is Monday 04:00 in Beijing.
        let monday = SimCron::parse("0 4 * * 1").unwrap();
        let sunday_utc = DateTime::parse_from_rfc3339("2024-01-07T19:00:00Z")
            .unwrap()
            .timestamp();
        assert_eq!(
            monday.next_after(sunday_utc),
            Some(
                DateTime::parse_from_rfc3339("2024-01-07T20:00:00Z")
                    .unwrap()
                    .timestamp()
            )
        );
        // Before 1970 works too.
        assert_eq!(SimCron::parse("* * * * *").unwrap().next_after(-1), Some(0));
        assert_eq!(
            SimCron::parse("* * * * *").unwrap().next_after(-61),
            Some(-60)
        );
    }
}
