//! Auto Scaling as pure rules: what the user types (sizes, a cron recurrence,
//! start/end times, a CPU policy) validated field by field with messages that
//! name the field in both languages; the recurrence shown back in plain
//! words in Beijing time; and the API requests (launch configuration from the
//! source instance and the image, the scaling group on the source's VPC and
//! subnets attached to the CLB listener, scheduled actions, scaling policies)
//! built from validated inputs. No network, no UI.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use serde::{Deserialize, Serialize};

use crate::cloud::models::{autoscaling as asm, clb, cvm};
use crate::i18n::{t, tf, Lang};
use crate::scaleout::consistency::{self, Checklist, Party, Placement};
pub use crate::scaleout::cron::{Cron, CronError, CronField, CronPart};

/// A scheduled action's `Recurrence`: the one cron type ([`Cron`]).
pub type Recurrence = Cron;

/// The most instances one scaling group may hold (the API's MaxSize range).
pub const MAX_GROUP_SIZE: u64 = 2000;
/// CLB health-check grace period range, seconds (API: [0, 7200]).
pub const MAX_GRACE_PERIOD: u64 = 7200;
/// Names of launch configurations, groups, actions and policies: at most 60 bytes.
pub const MAX_NAME_BYTES: usize = 60;

/// The offset every Auto Scaling time is given in: Beijing time.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

// ---------------------------------------------------------------- errors

/// One input that is not accepted: which field (its API name), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The API's name of the field (`MinSize`, `Recurrence`, `StartTime`…).
    pub field: &'static str,
    /// The i18n key of the reason (under `autoscaling.error.`).
    pub reason: &'static str,
    /// Placeholders of the reason.
    pub args: Vec<(&'static str, String)>,
}

impl FieldError {
    fn new(field: &'static str, reason: &'static str, args: &[(&'static str, String)]) -> Self {
        FieldError {
            field,
            reason,
            args: args.to_vec(),
        }
    }

    /// The field as the user knows it, e.g. `minimum size (MinSize)`.
    pub fn field_label(&self, lang: Lang) -> String {
        field_label(self.field, lang)
    }

    /// `minimum size (MinSize): must not be larger than the desired size (3 > 2)`.
    pub fn message(&self, lang: Lang) -> String {
        // A cron field's name is a word to translate, not a value to quote.
        let shown: Vec<(&str, String)> = self
            .args
            .iter()
            .map(|(k, v)| match *k {
                "part" => (*k, t(lang, &format!("autoscaling.cron.part.{v}"))),
                _ => (*k, v.clone()),
            })
            .collect();
        let args: Vec<(&str, &dyn std::fmt::Display)> = shown
            .iter()
            .map(|(k, v)| (*k, v as &dyn std::fmt::Display))
            .collect();
        let reason = tf(lang, &format!("autoscaling.error.{}", self.reason), &args);
        tf(
            lang,
            "autoscaling.error.line",
            &[("field", &self.field_label(lang)), ("reason", &reason)],
        )
    }
}

/// `label (ApiName)` of a field, e.g. `最小实例数 (MinSize)`.
pub fn field_label(field: &str, lang: Lang) -> String {
    let key = format!("autoscaling.field.{field}");
    if crate::i18n::has(&key) {
        format!("{} ({field})", t(lang, &key))
    } else {
        field.to_string()
    }
}

fn number(field: &'static str, text: &str) -> Result<u64, FieldError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "empty", &[]));
    }
    s.parse::<u64>()
        .map_err(|_| FieldError::new(field, "not_a_number", &[("value", s.to_string())]))
}

fn signed(field: &'static str, text: &str) -> Result<i64, FieldError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "empty", &[]));
    }
    s.trim_start_matches('+')
        .parse::<i64>()
        .map_err(|_| FieldError::new(field, "not_a_number", &[("value", s.to_string())]))
}

/// A name the API accepts: 1–60 bytes of Chinese, letters, digits, `_`, `-`, `.`.
pub fn validate_name(field: &'static str, text: &str) -> Result<String, FieldError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "empty", &[]));
    }
    if s.len() > MAX_NAME_BYTES {
        return Err(FieldError::new(
            field,
            "too_long",
            &[("max", MAX_NAME_BYTES.to_string())],
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(FieldError::new(
            field,
            "bad_char",
            &[("char", c.to_string())],
        ));
    }
    Ok(s.to_string())
}

// ---------------------------------------------------------------- sizes

/// A group's (or a scheduled action's) sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sizes {
    pub min: u64,
    pub desired: u64,
    pub max: u64,
}

/// `min ≤ desired ≤ max ≤ 2000`, and `max` within `quota` (how many
/// instances the account may still have; `None` when unknown).
pub fn validate_sizes(
    min: &str,
    desired: &str,
    max: &str,
    quota: Option<u64>,
) -> Result<Sizes, FieldError> {
    let min_v = number("MinSize", min)?;
    let desired_v = number("DesiredCapacity", desired)?;
    let max_v = number("MaxSize", max)?;
    check_sizes(
        Sizes {
            min: min_v,
            desired: desired_v,
            max: max_v,
        },
        quota,
    )
}

/// The order and range rules of [`validate_sizes`] on numbers.
pub fn check_sizes(s: Sizes, quota: Option<u64>) -> Result<Sizes, FieldError> {
    if s.max > MAX_GROUP_SIZE {
        return Err(FieldError::new(
            "MaxSize",
            "above_limit",
            &[
                ("max", MAX_GROUP_SIZE.to_string()),
                ("value", s.max.to_string()),
            ],
        ));
    }
    if s.min > s.max {
        return Err(FieldError::new(
            "MinSize",
            "min_above_max",
            &[("min", s.min.to_string()), ("max", s.max.to_string())],
        ));
    }
    if s.desired < s.min {
        return Err(FieldError::new(
            "DesiredCapacity",
            "desired_below_min",
            &[
                ("desired", s.desired.to_string()),
                ("min", s.min.to_string()),
            ],
        ));
    }
    if s.desired > s.max {
        return Err(FieldError::new(
            "DesiredCapacity",
            "desired_above_max",
            &[
                ("desired", s.desired.to_string()),
                ("max", s.max.to_string()),
            ],
        ));
    }
    if let Some(q) = quota {
        if s.max > q {
            return Err(FieldError::new(
                "MaxSize",
                "above_quota",
                &[("max", s.max.to_string()), ("quota", q.to_string())],
            ));
        }
    }
    Ok(s)
}

/// The CLB health-check grace period, seconds (0–7200).
pub fn validate_grace_period(text: &str) -> Result<u64, FieldError> {
    let v = number("LoadBalancerHealthCheckGracePeriod", text)?;
    if v > MAX_GRACE_PERIOD {
        return Err(FieldError::new(
            "LoadBalancerHealthCheckGracePeriod",
            "out_of_range",
            &[
                ("lo", "0".into()),
                ("hi", MAX_GRACE_PERIOD.to_string()),
                ("value", v.to_string()),
            ],
        ));
    }
    Ok(v)
}

// ---------------------------------------------------------------- cron

/// Parses and checks a recurrence (see [`Cron::parse`]), the error naming
/// the `Recurrence` field and the part that is wrong.
pub fn validate_recurrence(text: &str) -> Result<Recurrence, FieldError> {
    Cron::parse(text).map_err(FieldError::from)
}

impl From<CronError> for FieldError {
    fn from(e: CronError) -> FieldError {
        FieldError::new("Recurrence", e.reason, &e.args)
    }
}

fn join_words(items: &[String], lang: Lang) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        _ => {
            let (last, rest) = items.split_last().expect("not empty");
            let sep = if lang == Lang::Zh { "、" } else { ", " };
            tf(
                lang,
                "autoscaling.cron.and",
                &[("list", &rest.join(sep)), ("last", last)],
            )
        }
    }
}

/// Day-of-week names; `7` is Sunday too.
fn weekday_name(d: u32, lang: Lang) -> String {
    t(lang, &format!("autoscaling.cron.weekday.{}", d % 7))
}

fn month_name(m: u32, lang: Lang) -> String {
    t(lang, &format!("autoscaling.cron.month.{m}"))
}

/// A field's parts as words: `Monday to Friday`, `1, 15`, `every 2nd`…
fn part_words(f: &CronField, lang: Lang, name: impl Fn(u32) -> String) -> String {
    let words: Vec<String> = f
        .parts
        .iter()
        .map(|p| {
            if p.from == p.to {
                name(p.from)
            } else if p.step == 1 {
                tf(
                    lang,
                    "autoscaling.cron.range",
                    &[("from", &name(p.from)), ("to", &name(p.to))],
                )
            } else {
                tf(
                    lang,
                    "autoscaling.cron.stepped",
                    &[
                        ("from", &name(p.from)),
                        ("to", &name(p.to)),
                        ("step", &p.step),
                    ],
                )
            }
        })
        .collect();
    join_words(&words, lang)
}

impl Recurrence {
    /// The recurrence in plain words, in Beijing time, e.g.
    /// `every day at 09:00 Beijing time` / `每天北京时间 09:00`.
    pub fn describe(&self, lang: Lang) -> String {
        let days = self.days_words(lang);
        match self.times_words(lang) {
            Some(Times::At(times)) => tf(
                lang,
                "autoscaling.cron.at",
                &[("days", &days), ("times", &times)],
            ),
            Some(Times::Every(every)) => tf(
                lang,
                "autoscaling.cron.during",
                &[("days", &days), ("every", &every)],
            ),
            None => tf(lang, "autoscaling.cron.raw", &[("cron", &self.text)]),
        }
    }

    fn days_words(&self, lang: Lang) -> String {
        let mut out = if self.day.is_any() && self.weekday.is_any() {
            t(lang, "autoscaling.cron.every_day")
        } else if self.day.is_any() {
            tf(
                lang,
                "autoscaling.cron.on_weekdays",
                &[(
                    "days",
                    &part_words(&self.weekday, lang, |d| weekday_name(d, lang)),
                )],
            )
        } else {
            let dom = tf(
                lang,
                "autoscaling.cron.on_month_days",
                &[("days", &part_words(&self.day, lang, |d| d.to_string()))],
            );
            if self.weekday.is_any() {
                dom
            } else {
                // Classic cron: either one matches.
                tf(
                    lang,
                    "autoscaling.cron.or",
                    &[
                        ("a", &dom),
                        (
                            "b",
                            &tf(
                                lang,
                                "autoscaling.cron.on_weekdays",
                                &[(
                                    "days",
                                    &part_words(&self.weekday, lang, |d| weekday_name(d, lang)),
                                )],
                            ),
                        ),
                    ],
                )
            }
        };
        if !self.month.is_any() {
            out = tf(
                lang,
                "autoscaling.cron.in_months",
                &[
                    ("days", &out),
                    (
                        "months",
                        &part_words(&self.month, lang, |m| month_name(m, lang)),
                    ),
                ],
            );
        }
        out
    }

    fn times_words(&self, lang: Lang) -> Option<Times> {
        let minutes = self.minute.values(0, 59);
        let hours = self.hour.values(0, 23);
        if let Some(m) = self.minute.single() {
            // A few exact times: list them.
            if hours.len() <= 6 {
                let times: Vec<String> = hours.iter().map(|h| format!("{h:02}:{m:02}")).collect();
                return Some(Times::At(join_words(&times, lang)));
            }
            let hours_text = if self.hour.is_any() {
                t(lang, "autoscaling.cron.every_hour")
            } else {
                tf(
                    lang,
                    "autoscaling.cron.hours",
                    &[(
                        "hours",
                        &part_words(&self.hour, lang, |h| format!("{h:02}:00")),
                    )],
                )
            };
            return Some(Times::Every(tf(
                lang,
                "autoscaling.cron.minute_of_hour",
                &[("minute", &format!("{m:02}")), ("hours", &hours_text)],
            )));
        }
        // `*/n` minutes: every n minutes.
        if let [p] = self.minute.parts.as_slice() {
            if p.star && !minutes.is_empty() {
                let every = tf(lang, "autoscaling.cron.every_minutes", &[("n", &p.step)]);
                let every = if self.hour.is_any() {
                    every
                } else {
                    tf(
                        lang,
                        "autoscaling.cron.within_hours",
                        &[
                            ("every", &every),
                            (
                                "hours",
                                &part_words(&self.hour, lang, |h| format!("{h:02}:00")),
                            ),
                        ],
                    )
                };
                return Some(Times::Every(every));
            }
        }
        None
    }
}

enum Times {
    At(String),
    Every(String),
}

// ---------------------------------------------------------------- times

/// Which time of a scheduled action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeField {
    Start,
    End,
}

impl TimeField {
    fn api(self) -> &'static str {
        match self {
            TimeField::Start => "StartTime",
            TimeField::End => "EndTime",
        }
    }
}

/// Reads a time as users type it, taken as Beijing time unless it carries
/// its own offset: `2026-11-26 09:00`, `2026-11-26T09:00`, `…:00`, or the
/// API's `2026-11-26T09:00:00+08:00`. The result is in Beijing time.
pub fn parse_time(field: TimeField, text: &str) -> Result<DateTime<FixedOffset>, FieldError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(FieldError::new(field.api(), "empty", &[]));
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt.with_timezone(&beijing()));
    }
    let bad = || {
        FieldError::new(
            field.api(),
            "bad_time",
            &[
                ("value", s.to_string()),
                ("example", "2026-11-26 09:00".into()),
            ],
        )
    };
    let naive = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .map(|d| d.and_time(NaiveTime::MIN))
    })
    .ok_or_else(bad)?;
    beijing()
        .from_local_datetime(&naive)
        .single()
        .ok_or_else(bad)
}

/// A time as the API wants it: `2026-11-26T09:00:00+08:00`.
pub fn api_time(t: &DateTime<FixedOffset>) -> String {
    t.with_timezone(&beijing())
        .format("%Y-%m-%dT%H:%M:%S+08:00")
        .to_string()
}

/// A time as the screens show it: `2026-11-26 09:00 (Beijing time)`.
pub fn show_time(t: &DateTime<FixedOffset>, lang: Lang) -> String {
    tf(
        lang,
        "autoscaling.time.shown",
        &[(
            "time",
            &t.with_timezone(&beijing()).format("%Y-%m-%d %H:%M"),
        )],
    )
}

/// A scheduled action, validated: "at these times, scale to N".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub name: String,
    pub sizes: Sizes,
    /// `None`: once, at `start`.
    pub recurrence: Option<Recurrence>,
    /// API form (`…+08:00`).
    pub start: String,
    pub end: Option<String>,
}

/// The text of a scheduled action's form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleForm {
    pub name: String,
    pub min: String,
    pub desired: String,
    pub max: String,
    /// Empty: once.
    pub recurrence: String,
    pub start: String,
    /// Empty: no end.
    pub end: String,
}

/// Validates a scheduled action at wall-clock `now`: the name, the sizes
/// (group rules, quota), the recurrence, a start in the future, an end
/// after the start and only with a recurrence (as the API requires).
pub fn validate_schedule(
    form: &ScheduleForm,
    quota: Option<u64>,
    now: DateTime<FixedOffset>,
) -> Result<Schedule, FieldError> {
    let name = validate_name("ScheduledActionName", &form.name)?;
    let sizes = validate_sizes(&form.min, &form.desired, &form.max, quota)?;
    let recurrence = match form.recurrence.trim() {
        "" => None,
        r => Some(validate_recurrence(r)?),
    };
    let start = parse_time(TimeField::Start, &form.start)?;
    if start <= now {
        return Err(FieldError::new(
            "StartTime",
            "in_the_past",
            &[("value", api_time(&start)), ("now", api_time(&now))],
        ));
    }
    let end = match form.end.trim() {
        // The API takes a recurrence only with the time it stops.
        "" if recurrence.is_some() => {
            return Err(FieldError::new("EndTime", "end_required", &[]));
        }
        "" => None,
        e => {
            let end = parse_time(TimeField::End, e)?;
            if recurrence.is_none() {
                return Err(FieldError::new("EndTime", "end_without_recurrence", &[]));
            }
            if end <= start {
                return Err(FieldError::new(
                    "EndTime",
                    "end_before_start",
                    &[("end", api_time(&end)), ("start", api_time(&start))],
                ));
            }
            Some(api_time(&end))
        }
    };
    Ok(Schedule {
        name,
        sizes,
        recurrence,
        start: api_time(&start),
        end,
    })
}

impl Schedule {
    /// `every day at 09:00 Beijing time, scale to 4 (min 2, max 6), from …`.
    pub fn describe(&self, lang: Lang) -> String {
        let start = DateTime::parse_from_rfc3339(&self.start)
            .map(|t| show_time(&t, lang))
            .unwrap_or_else(|_| self.start.clone());
        let when = match &self.recurrence {
            Some(r) => {
                let mut s = tf(
                    lang,
                    "autoscaling.schedule.recurring",
                    &[("when", &r.describe(lang)), ("start", &start)],
                );
                if let Some(end) = self
                    .end
                    .as_deref()
                    .and_then(|e| DateTime::parse_from_rfc3339(e).ok())
                {
                    s = tf(
                        lang,
                        "autoscaling.schedule.until",
                        &[("what", &s), ("end", &show_time(&end, lang))],
                    );
                }
                s
            }
            None => tf(lang, "autoscaling.schedule.once", &[("start", &start)]),
        };
        tf(
            lang,
            "autoscaling.schedule.scale_to",
            &[
                ("when", &when),
                ("desired", &self.sizes.desired),
                ("min", &self.sizes.min),
                ("max", &self.sizes.max),
            ],
        )
    }
}

// ---------------------------------------------------------------- policies

/// How the group follows CPU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CpuPolicy {
    /// An alarm: average CPU above `threshold` % for `minutes` → add `adjustment` instances.
    Simple {
        threshold: u64,
        minutes: u64,
        adjustment: i64,
        cooldown: u64,
    },
    /// Keep the group's average CPU near `target` %.
    TargetTracking {
        target: u64,
        warmup: u64,
        disable_scale_in: bool,
    },
}

/// The alarm's period and how many periods in a row: 1-minute periods up
/// to 10 minutes, then 5-minute periods (the API allows 60 or 300 s × 1–10).
pub fn alarm_periods(minutes: u64) -> Option<(u64, u64)> {
    match minutes {
        1..=10 => Some((60, minutes)),
        // 0 is no duration: 0 periods is refused (ContinuousTime 1–10).
        m if m > 10 && m % 5 == 0 && m <= 50 => Some((300, m / 5)),
        _ => None,
    }
}

/// Validates the alarm form: CPU 1–100 %, a duration the alarm can express,
/// a non-zero adjustment, cooldown 0–3600 s.
pub fn validate_simple(
    threshold: &str,
    minutes: &str,
    adjustment: &str,
    cooldown: &str,
) -> Result<CpuPolicy, FieldError> {
    let th = number("Threshold", threshold)?;
    if !(1..=100).contains(&th) {
        return Err(FieldError::new(
            "Threshold",
            "out_of_range",
            &[
                ("lo", "1".into()),
                ("hi", "100".into()),
                ("value", th.to_string()),
            ],
        ));
    }
    let min = number("ContinuousTime", minutes)?;
    if alarm_periods(min).is_none() {
        return Err(FieldError::new(
            "ContinuousTime",
            "bad_minutes",
            &[("value", min.to_string())],
        ));
    }
    let adj = signed("AdjustmentValue", adjustment)?;
    if adj == 0 || adj.unsigned_abs() > MAX_GROUP_SIZE {
        return Err(FieldError::new(
            "AdjustmentValue",
            "bad_adjustment",
            &[("value", adj.to_string())],
        ));
    }
    let cd = number("Cooldown", cooldown)?;
    if cd > 3600 {
        return Err(FieldError::new(
            "Cooldown",
            "out_of_range",
            &[
                ("lo", "0".into()),
                ("hi", "3600".into()),
                ("value", cd.to_string()),
            ],
        ));
    }
    Ok(CpuPolicy::Simple {
        threshold: th,
        minutes: min,
        adjustment: adj,
        cooldown: cd,
    })
}

/// Validates the target-tracking form: average CPU 1–99 %.
pub fn validate_target(target: &str) -> Result<CpuPolicy, FieldError> {
    let v = number("TargetValue", target)?;
    if !(1..=99).contains(&v) {
        return Err(FieldError::new(
            "TargetValue",
            "out_of_range",
            &[
                ("lo", "1".into()),
                ("hi", "99".into()),
                ("value", v.to_string()),
            ],
        ));
    }
    Ok(CpuPolicy::TargetTracking {
        target: v,
        warmup: 300,
        disable_scale_in: false,
    })
}

impl CpuPolicy {
    /// `CPU > 70 % for 5 min → +1 instance` / `CPU 持续 5 分钟 > 70 % → 增加 1 台`.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            CpuPolicy::Simple {
                threshold,
                minutes,
                adjustment,
                ..
            } => {
                let key = if *adjustment > 0 {
                    "autoscaling.policy.simple_out"
                } else {
                    "autoscaling.policy.simple_in"
                };
                tf(
                    lang,
                    key,
                    &[
                        ("threshold", threshold),
                        ("minutes", minutes),
                        ("n", &adjustment.unsigned_abs()),
                    ],
                )
            }
            CpuPolicy::TargetTracking { target, .. } => {
                tf(lang, "autoscaling.policy.target", &[("target", target)])
            }
        }
    }

    /// The CreateScalingPolicy request for `group_id`.
    pub fn request(&self, group_id: &str, name: &str) -> asm::CreateScalingPolicyRequest {
        match self {
            CpuPolicy::Simple {
                threshold,
                minutes,
                adjustment,
                cooldown,
            } => {
                let (period, times) = alarm_periods(*minutes).unwrap_or((60, 5));
                asm::CreateScalingPolicyRequest {
                    auto_scaling_group_id: Some(group_id.to_string()),
                    scaling_policy_name: Some(name.to_string()),
                    scaling_policy_type: Some("SIMPLE".into()),
                    adjustment_type: Some("CHANGE_IN_CAPACITY".into()),
                    adjustment_value: Some(*adjustment),
                    cooldown: Some(*cooldown),
                    metric_alarm: Some(asm::MetricAlarm {
                        comparison_operator: Some(
                            if *adjustment > 0 {
                                "GREATER_THAN"
                            } else {
                                "LESS_THAN"
                            }
                            .into(),
                        ),
                        metric_name: Some("CPU_UTILIZATION".into()),
                        threshold: Some(*threshold),
                        period: Some(period),
                        continuous_time: Some(times),
                        statistic: Some("AVERAGE".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                }
            }
            CpuPolicy::TargetTracking {
                target,
                warmup,
                disable_scale_in,
            } => asm::CreateScalingPolicyRequest {
                auto_scaling_group_id: Some(group_id.to_string()),
                scaling_policy_name: Some(name.to_string()),
                scaling_policy_type: Some("TARGET_TRACKING".into()),
                predefined_metric_type: Some("ASG_AVG_CPU_UTILIZATION".into()),
                target_value: Some(*target),
                estimated_instance_warmup: Some(*warmup),
                disable_scale_in: Some(*disable_scale_in),
                ..Default::default()
            },
        }
    }
}

impl Schedule {
    /// The CreateScheduledAction request for `group_id`.
    pub fn request(&self, group_id: &str) -> asm::CreateScheduledActionRequest {
        asm::CreateScheduledActionRequest {
            auto_scaling_group_id: Some(group_id.to_string()),
            scheduled_action_name: Some(self.name.clone()),
            min_size: Some(self.sizes.min),
            max_size: Some(self.sizes.max),
            desired_capacity: Some(self.sizes.desired),
            start_time: Some(self.start.clone()),
            end_time: self.end.clone(),
            recurrence: self.recurrence.as_ref().map(|r| r.text.clone()),
            ..Default::default()
        }
    }
}

// ---------------------------------------------------------------- launch configuration and group

/// Builds CreateLaunchConfiguration from the server being copied and its
/// image: type, project, security groups, public bandwidth and its billing,
/// system and data disks; the login stays the image's (`KeepImageLogin`), so
/// no password travels and the copies log in like the source.
pub fn launch_configuration_request(
    source: &cvm::Instance,
    image_id: &str,
    name: &str,
    instance_type: Option<&str>,
) -> asm::CreateLaunchConfigurationRequest {
    let placement = source.placement.clone().unwrap_or_default();
    let net = source.internet_accessible.clone().unwrap_or_default();
    let sys = source.system_disk.clone().unwrap_or_default();
    let bandwidth = net.internet_max_bandwidth_out.unwrap_or(0).max(0) as u64;
    asm::CreateLaunchConfigurationRequest {
        launch_configuration_name: Some(name.to_string()),
        image_id: Some(image_id.to_string()),
        project_id: placement.project_id.map(|p| p.max(0) as u64),
        instance_type: instance_type
            .map(str::to_string)
            .or_else(|| source.instance_type.clone()),
        instance_charge_type: Some("POSTPAID_BY_HOUR".into()),
        system_disk: Some(asm::SystemDisk {
            disk_type: sys.disk_type,
            disk_size: sys.disk_size.map(|s| s.max(0) as u64),
            ..Default::default()
        }),
        data_disks: source.data_disks.as_ref().map(|ds| {
            ds.iter()
                .map(|d| asm::DataDisk {
                    disk_type: d.disk_type.clone(),
                    disk_size: d.disk_size.map(|s| s.max(0) as u64),
                    delete_with_instance: Some(true),
                    ..Default::default()
                })
                .collect()
        }),
        internet_accessible: Some(asm::InternetAccessible {
            internet_charge_type: net.internet_charge_type,
            internet_max_bandwidth_out: Some(bandwidth),
            public_ip_assigned: Some(bandwidth > 0),
            ..Default::default()
        }),
        login_settings: Some(asm::LoginSettings {
            keep_image_login: Some(true),
            ..Default::default()
        }),
        security_group_ids: source.security_group_ids.clone(),
        ..Default::default()
    }
}

/// Where the group's instances join the CLB: listener, backend port, weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerTarget {
    pub load_balancer_id: String,
    pub listener_id: String,
    pub backend_port: u64,
    pub weight: u64,
}

/// The validated group form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSpec {
    pub name: String,
    pub sizes: Sizes,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    pub project_id: u64,
    pub target: Option<ListenerTarget>,
    /// Seconds a new IN_SERVICE instance is not judged by the CLB health check.
    pub grace_period: u64,
    pub cooldown: u64,
}

impl GroupSpec {
    /// The group on the source's VPC and subnet(s), with its project.
    pub fn from_source(
        source: &cvm::Instance,
        name: &str,
        sizes: Sizes,
        target: Option<ListenerTarget>,
        grace_period: u64,
    ) -> GroupSpec {
        let vpc = source.virtual_private_cloud.clone().unwrap_or_default();
        GroupSpec {
            name: name.to_string(),
            sizes,
            vpc_id: vpc.vpc_id.unwrap_or_default(),
            subnet_ids: vpc.subnet_id.into_iter().collect(),
            project_id: source
                .placement
                .as_ref()
                .and_then(|p| p.project_id)
                .unwrap_or(0)
                .max(0) as u64,
            target,
            grace_period,
            cooldown: 300,
        }
    }

    /// CreateAutoScalingGroup: with a listener, `ForwardLoadBalancers` (listener
    /// id, backend port, weight) and health checks by the CLB after the grace period.
    pub fn request(&self, launch_configuration_id: &str) -> asm::CreateAutoScalingGroupRequest {
        let forward = self.target.as_ref().map(|t| {
            vec![asm::ForwardLoadBalancer {
                load_balancer_id: Some(t.load_balancer_id.clone()),
                listener_id: Some(t.listener_id.clone()),
                target_attributes: Some(vec![asm::TargetAttribute {
                    port: Some(t.backend_port),
                    weight: Some(t.weight),
                }]),
                ..Default::default()
            }]
        });
        let has_lb = forward.is_some();
        asm::CreateAutoScalingGroupRequest {
            auto_scaling_group_name: Some(self.name.clone()),
            launch_configuration_id: Some(launch_configuration_id.to_string()),
            min_size: Some(self.sizes.min),
            max_size: Some(self.sizes.max),
            desired_capacity: Some(self.sizes.desired),
            vpc_id: Some(self.vpc_id.clone()),
            subnet_ids: Some(self.subnet_ids.clone()),
            project_id: Some(self.project_id),
            default_cooldown: Some(self.cooldown),
            forward_load_balancers: forward,
            health_check_type: Some(if has_lb { "CLB" } else { "CVM" }.into()),
            load_balancer_health_check_grace_period: has_lb.then_some(self.grace_period),
            termination_policies: Some(vec!["NEWEST_INSTANCE".into()]),
            retry_policy: Some("IMMEDIATE_RETRY".into()),
            ..Default::default()
        }
    }
}

/// The wizard's consistency check for the group: its instances will live
/// where the source lives (region, zone of its subnet, project, VPC), so
/// the CLB and the servers already behind it must match.
pub fn group_consistency(
    region: &str,
    source: &cvm::Instance,
    load_balancer: Option<(&clb::LoadBalancer, Option<&str>)>,
    existing: &[cvm::Instance],
) -> Checklist {
    let placement = Placement::of_instance(source, region);
    let mut parties = Vec::new();
    if let Some((lb, subnet_zone)) = load_balancer {
        parties.push(Party::load_balancer(lb, region, subnet_zone));
    }
    for i in existing {
        if i.instance_id != source.instance_id {
            parties.push(Party::existing_server(i, region));
        }
    }
    consistency::check(&placement, &parties)
}

// ---------------------------------------------------------------- the plan file's section

/// What the `[autoscaling]` section of a plan asks for, validated with the
/// same rules as the wizard's forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanParts {
    pub group_name: Option<String>,
    pub sizes: Sizes,
    pub schedules: Vec<Schedule>,
    /// (policy name, policy).
    pub policies: Vec<(String, CpuPolicy)>,
}

/// Reads the plan's `[autoscaling]` section at wall-clock `now`. A schedule
/// without `start_time` starts in ten minutes (the time the group takes to
/// be set up, with margin); one without `end_time`
/// runs for a year (the API takes a recurrence only with an end).
pub fn from_plan(
    a: &crate::scaleout::plan::AutoScaling,
    now: DateTime<FixedOffset>,
) -> Result<PlanParts, FieldError> {
    let n = |v: i64| v.max(0).to_string();
    let desired = a.desired_capacity.unwrap_or(a.min_size);
    let sizes = validate_sizes(&n(a.min_size), &n(desired), &n(a.max_size), None)?;
    let group_name = match &a.group_name {
        Some(g) => Some(validate_name("AutoScalingGroupName", g)?),
        None => None,
    };
    let mut schedules = Vec::new();
    for s in &a.scheduled {
        let start = match &s.start_time {
            Some(t) => t.clone(),
            None => api_time(&(now + chrono::Duration::minutes(10))),
        };
        let end = match &s.end_time {
            Some(t) => t.clone(),
            None => {
                let st = parse_time(TimeField::Start, &start)?;
                api_time(&(st + chrono::Duration::days(365)))
            }
        };
        schedules.push(validate_schedule(
            &ScheduleForm {
                name: s.name.clone(),
                min: n(s.min_size),
                desired: n(s.desired_capacity),
                max: n(s.max_size),
                recurrence: s.recurrence.clone(),
                start,
                end,
            },
            None,
            now,
        )?);
    }
    let mut policies = Vec::new();
    for al in &a.alarm {
        let name = validate_name("ScalingPolicyName", &al.name)?;
        let p = validate_simple(
            &al.cpu_above.to_string(),
            &al.minutes.to_string(),
            &al.adjustment.to_string(),
            "300",
        )?;
        policies.push((name, p));
    }
    Ok(PlanParts {
        group_name,
        sizes,
        schedules,
        policies,
    })
}

// ---------------------------------------------------------------- live states, explained

/// `AutoScalingGroupStatus` in words (what LB_ABNORMAL means and what to do).
pub fn explain_group_status(status: &str, lang: Lang) -> String {
    let key = format!("autoscaling.group_status.{status}");
    if crate::i18n::has(&key) {
        t(lang, &key)
    } else {
        status.to_string()
    }
}

/// An activity's `StatusCode` in words.
pub fn explain_activity_status(status: &str, lang: Lang) -> String {
    let key = format!("autoscaling.activity_status.{status}");
    if crate::i18n::has(&key) {
        t(lang, &key)
    } else {
        status.to_string()
    }
}

/// An instance's `LifeCycleState` in words.
pub fn explain_life_cycle(state: &str, lang: Lang) -> String {
    let key = format!("autoscaling.life_cycle.{state}");
    if crate::i18n::has(&key) {
        t(lang, &key)
    } else {
        state.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn sizes_in_order_and_within_quota() {
        assert_eq!(
            validate_sizes("1", "2", "4", Some(10)).unwrap(),
            Sizes {
                min: 1,
                desired: 2,
                max: 4
            }
        );
        let e = validate_sizes("3", "2", "4", None).unwrap_err();
        assert_eq!(e.field, "DesiredCapacity");
        assert!(
            e.message(Lang::En).contains("DesiredCapacity"),
            "{}",
            e.message(Lang::En)
        );
        assert_eq!(
            validate_sizes("5", "5", "4", None).unwrap_err().field,
            "MinSize"
        );
        assert_eq!(
            validate_sizes("1", "5", "4", None).unwrap_err().field,
            "DesiredCapacity"
        );
        assert_eq!(
            validate_sizes("1", "1", "2001", None).unwrap_err().field,
            "MaxSize"
        );
        let q = validate_sizes("1", "2", "8", Some(5)).unwrap_err();
        assert_eq!((q.field, q.reason), ("MaxSize", "above_quota"));
        assert!(q.message(Lang::Zh).contains("MaxSize") && q.message(Lang::Zh).contains('5'));
        let n = validate_sizes("x", "1", "1", None).unwrap_err();
        assert_eq!((n.field, n.reason), ("MinSize", "not_a_number"));
        assert_eq!(
            validate_sizes("", "1", "1", None).unwrap_err().reason,
            "empty"
        );
    }

    #[test]
    fn messages_name_the_field_in_both_languages() {
        let e = validate_sizes("3", "2", "4", None).unwrap_err();
        let en = e.message(Lang::En);
        let zh = e.message(Lang::Zh);
        assert!(en.starts_with("desired size (DesiredCapacity)"), "{en}");
        assert!(zh.starts_with("期望实例数 (DesiredCapacity)"), "{zh}");
        assert!(
            !en.contains('[') && !zh.contains('['),
            "untranslated key: {en} / {zh}"
        );
    }

    #[test]
    fn cron_fields_and_ranges() {
        assert!(validate_recurrence("0 9 * * *").is_ok());
        assert!(validate_recurrence("*/15 8-20 1,15 * 1-5").is_ok());
        let e = validate_recurrence("0 9 * *").unwrap_err();
        assert_eq!((e.field, e.reason), ("Recurrence", "cron_field_count"));
        assert!(e.message(Lang::En).contains('4'));
        let e = validate_recurrence("60 9 * * *").unwrap_err();
        assert_eq!(e.reason, "cron_out_of_range");
        let en = e.message(Lang::En);
        assert!(
            en.contains("Recurrence") && en.contains("minute") && en.contains("0–59"),
            "{en}"
        );
        let zh = e.message(Lang::Zh);
        assert!(zh.contains("分钟") && zh.contains("Recurrence"), "{zh}");
        assert_eq!(
            validate_recurrence("0 24 * * *").unwrap_err().reason,
            "cron_out_of_range"
        );
        assert_eq!(
            validate_recurrence("0 9 0 * *").unwrap_err().reason,
            "cron_out_of_range"
        );
        assert_eq!(
            validate_recurrence("0 9 * 13 *").unwrap_err().reason,
            "cron_out_of_range"
        );
        assert_eq!(
            validate_recurrence("0 9 * * 8").unwrap_err().reason,
            "cron_out_of_range"
        );
        assert_eq!(
            validate_recurrence("0 9 5-1 * *").unwrap_err().reason,
            "cron_reversed"
        );
        assert_eq!(
            validate_recurrence("*/0 * * * *").unwrap_err().reason,
            "cron_bad_step"
        );
        assert_eq!(
            validate_recurrence("a 9 * * *").unwrap_err().reason,
            "cron_not_a_number"
        );
    }

    #[test]
    fn cron_in_plain_words() {
        let d = |c: &str, l| validate_recurrence(c).unwrap().describe(l);
        assert_eq!(d("0 9 * * *", Lang::En), "every day at 09:00 Beijing time");
        assert_eq!(d("0 9 * * *", Lang::Zh), "每天北京时间 09:00");
        assert_eq!(
            d("30 8 * * 1-5", Lang::En),
            "every Monday to Friday at 08:30 Beijing time"
        );
        assert_eq!(d("30 8 * * 1-5", Lang::Zh), "每周一至周五北京时间 08:30");
        assert_eq!(
            d("0 9,18 * * *", Lang::En),
            "every day at 09:00 and 18:00 Beijing time"
        );
        assert_eq!(
            d("0 0 1 * *", Lang::En),
            "on day 1 of the month at 00:00 Beijing time"
        );
        assert_eq!(d("0 0 1 * *", Lang::Zh), "每月 1 日北京时间 00:00");
        assert_eq!(
            d("*/15 * * * *", Lang::En),
            "every day, every 15 minutes (Beijing time)"
        );
        assert_eq!(d("0 12 * * 0,6", Lang::Zh), "每周日、周六北京时间 12:00");
        assert_eq!(
            d("0 12 * * 7", Lang::En),
            "every Sunday at 12:00 Beijing time"
        );
        assert!(d("0 9 * 1,7 *", Lang::En).contains("January and July"));
    }

    #[test]
    fn times_in_beijing_as_the_api_wants() {
        let t = parse_time(TimeField::Start, "2026-11-26 09:00").unwrap();
        assert_eq!(api_time(&t), "2026-11-26T09:00:00+08:00");
        let t = parse_time(TimeField::Start, "2026-11-26T01:00:00Z").unwrap();
        assert_eq!(api_time(&t), "2026-11-26T09:00:00+08:00");
        assert_eq!(
            api_time(&parse_time(TimeField::End, "2026-11-26").unwrap()),
            "2026-11-26T00:00:00+08:00"
        );
        let e = parse_time(TimeField::End, "26/11/2026").unwrap_err();
        assert_eq!((e.field, e.reason), ("EndTime", "bad_time"));
        assert!(
            e.message(Lang::En).contains("EndTime")
                && e.message(Lang::En).contains("2026-11-26 09:00")
        );
        assert!(e.message(Lang::Zh).contains("结束时间"));
        assert_eq!(
            show_time(&at("2026-11-26T09:00:00+08:00"), Lang::Zh),
            "2026-11-26 09:00（北京时间）"
        );
    }

    fn form() -> ScheduleForm {
        ScheduleForm {
            name: "morning".into(),
            min: "2".into(),
            desired: "3".into(),
            max: "4".into(),
            recurrence: "0 9 * * *".into(),
            start: "2026-11-26 09:00".into(),
            end: "2026-12-31 00:00".into(),
        }
    }

    #[test]
    fn schedules_need_a_future_start_and_an_end_after_it() {
        let now = at("2026-11-25T12:00:00+08:00");
        let s = validate_schedule(&form(), None, now).unwrap();
        assert_eq!(s.start, "2026-11-26T09:00:00+08:00");
        assert_eq!(s.end.as_deref(), Some("2026-12-31T00:00:00+08:00"));
        let req = s.request("asg-1");
        assert_eq!(req.recurrence.as_deref(), Some("0 9 * * *"));
        assert_eq!(req.desired_capacity, Some(3));
        assert_eq!(
            s.describe(Lang::En),
            "every day at 09:00 Beijing time from 2026-11-26 09:00 (Beijing time) until 2026-12-31 00:00 (Beijing time): scale to 3 (min 2, max 4)"
        );
        let mut past = form();
        past.start = "2026-11-25 11:00".into();
        let e = validate_schedule(&past, None, now).unwrap_err();
        assert_eq!((e.field, e.reason), ("StartTime", "in_the_past"));
        let mut rev = form();
        rev.end = "2026-11-26 08:00".into();
        assert_eq!(
            validate_schedule(&rev, None, now).unwrap_err().reason,
            "end_before_start"
        );
        let mut open = form();
        open.end.clear();
        assert_eq!(
            validate_schedule(&open, None, now).unwrap_err().reason,
            "end_required"
        );
        let mut once = form();
        once.recurrence.clear();
        assert_eq!(
            validate_schedule(&once, None, now).unwrap_err().reason,
            "end_without_recurrence"
        );
        once.end.clear();
        let s = validate_schedule(&once, None, now).unwrap();
        assert!(s.request("asg-1").recurrence.is_none());
        let mut bad = form();
        bad.name = "a b".into();
        assert_eq!(
            validate_schedule(&bad, None, now).unwrap_err().field,
            "ScheduledActionName"
        );
    }

    #[test]
    fn cpu_alarm_and_target_tracking() {
        let p = validate_simple("70", "5", "1", "300").unwrap();
        assert_eq!(
            p.describe(Lang::En),
            "CPU > 70 % for 5 min → +1 instance(s)"
        );
        assert_eq!(p.describe(Lang::Zh), "CPU 连续 5 分钟 > 70 % → 增加 1 台");
        let req = p.request("asg-1", "cpu-high");
        let alarm = req.metric_alarm.clone().unwrap();
        assert_eq!(alarm.metric_name.as_deref(), Some("CPU_UTILIZATION"));
        assert_eq!(alarm.comparison_operator.as_deref(), Some("GREATER_THAN"));
        assert_eq!(
            (alarm.threshold, alarm.period, alarm.continuous_time),
            (Some(70), Some(60), Some(5))
        );
        assert_eq!(req.adjustment_type.as_deref(), Some("CHANGE_IN_CAPACITY"));
        assert_eq!(req.adjustment_value, Some(1));
        assert_eq!(alarm_periods(15), Some((300, 3)));
        assert_eq!(alarm_periods(13), None);
        assert_eq!(alarm_periods(0), None);
        assert_eq!(alarm_periods(50), Some((300, 10)));
        assert_eq!(alarm_periods(55), None);
        assert_eq!(
            validate_simple("70", "0", "1", "300").unwrap_err().field,
            "ContinuousTime"
        );
        assert_eq!(
            validate_simple("0", "5", "1", "300").unwrap_err().field,
            "Threshold"
        );
        assert_eq!(
            validate_simple("70", "13", "1", "300").unwrap_err().field,
            "ContinuousTime"
        );
        assert_eq!(
            validate_simple("70", "5", "0", "300").unwrap_err().field,
            "AdjustmentValue"
        );
        assert_eq!(
            validate_simple("70", "5", "+2", "4000").unwrap_err().field,
            "Cooldown"
        );
        let t = validate_target("50").unwrap();
        assert_eq!(t.describe(Lang::En), "keep the average CPU near 50 %");
        let req = t.request("asg-1", "cpu-50");
        assert_eq!(
            req.predefined_metric_type.as_deref(),
            Some("ASG_AVG_CPU_UTILIZATION")
        );
        assert_eq!(req.target_value, Some(50));
        assert!(req.metric_alarm.is_none());
        assert_eq!(validate_target("100").unwrap_err().field, "TargetValue");
    }

    fn source() -> cvm::Instance {
        cvm::Instance {
            instance_id: Some("ins-b1".into()),
            instance_type: Some("S5.MEDIUM4".into()),
            placement: Some(cvm::Placement {
                zone: Some("ap-guangzhou-3".into()),
                project_id: Some(1001),
                ..Default::default()
            }),
            virtual_private_cloud: Some(cvm::VirtualPrivateCloud {
                vpc_id: Some("vpc-1".into()),
                subnet_id: Some("subnet-1".into()),
                ..Default::default()
            }),
            security_group_ids: Some(vec!["sg-1".into()]),
            internet_accessible: Some(cvm::InternetAccessible {
                internet_max_bandwidth_out: Some(5),
                internet_charge_type: Some("TRAFFIC_POSTPAID_BY_HOUR".into()),
                ..Default::default()
            }),
            system_disk: Some(cvm::SystemDisk {
                disk_type: Some("CLOUD_PREMIUM".into()),
                disk_size: Some(50),
                ..Default::default()
            }),
            data_disks: Some(vec![cvm::DataDisk {
                disk_type: Some("CLOUD_SSD".into()),
                disk_size: Some(100),
                ..Default::default()
            }]),
            ..Default::default()
        }
    }

    #[test]
    fn launch_configuration_copies_the_source() {
        let req = launch_configuration_request(&source(), "img-1", "weapp-lc", None);
        assert_eq!(req.image_id.as_deref(), Some("img-1"));
        assert_eq!(req.instance_type.as_deref(), Some("S5.MEDIUM4"));
        assert_eq!(req.project_id, Some(1001));
        assert_eq!(
            req.security_group_ids.as_deref(),
            Some(&["sg-1".to_string()][..])
        );
        let net = req.internet_accessible.unwrap();
        assert_eq!(net.internet_max_bandwidth_out, Some(5));
        assert_eq!(net.public_ip_assigned, Some(true));
        assert_eq!(req.login_settings.unwrap().keep_image_login, Some(true));
        assert_eq!(req.system_disk.unwrap().disk_size, Some(50));
        assert_eq!(
            req.data_disks.unwrap()[0].disk_type.as_deref(),
            Some("CLOUD_SSD")
        );
    }

    #[test]
    fn group_joins_the_listener_with_clb_health_checks() {
        let target = ListenerTarget {
            load_balancer_id: "lb-1".into(),
            listener_id: "lbl-1".into(),
            backend_port: 8080,
            weight: 10,
        };
        let spec = GroupSpec::from_source(
            &source(),
            "weapp-asg",
            Sizes {
                min: 1,
                desired: 1,
                max: 4,
            },
            Some(target),
            120,
        );
        let req = spec.request("asc-1");
        assert_eq!(req.vpc_id.as_deref(), Some("vpc-1"));
        assert_eq!(
            req.subnet_ids.as_deref(),
            Some(&["subnet-1".to_string()][..])
        );
        assert_eq!(req.project_id, Some(1001));
        let f = &req.forward_load_balancers.as_ref().unwrap()[0];
        assert_eq!(f.listener_id.as_deref(), Some("lbl-1"));
        let attr = &f.target_attributes.as_ref().unwrap()[0];
        assert_eq!((attr.port, attr.weight), (Some(8080), Some(10)));
        assert_eq!(req.health_check_type.as_deref(), Some("CLB"));
        assert_eq!(req.load_balancer_health_check_grace_period, Some(120));
        let plain = GroupSpec::from_source(
            &source(),
            "g",
            Sizes {
                min: 0,
                desired: 0,
                max: 1,
            },
            None,
            0,
        );
        assert_eq!(
            plain.request("asc-1").health_check_type.as_deref(),
            Some("CVM")
        );
        assert!(validate_grace_period("7201").is_err());
    }

    #[test]
    fn consistency_against_the_clb_and_servers() {
        let lb = clb::LoadBalancer {
            load_balancer_id: Some("lb-1".into()),
            load_balancer_type: Some("OPEN".into()),
            project_id: Some(1001),
            vpc_id: Some("vpc-2".into()),
            ..Default::default()
        };
        let list = group_consistency("ap-guangzhou", &source(), Some((&lb, None)), &[source()]);
        let bad: Vec<_> = list.blocking();
        assert_eq!(bad.len(), 1, "{list:?}");
        assert_eq!(bad[0].attribute, consistency::Attribute::Vpc);
    }

    #[test]
    fn the_plan_section_goes_through_the_same_rules() {
        use crate::scaleout::plan::{Alarm, AutoScaling, Scheduled};
        let now = at("2026-11-25T12:00:00+08:00");
        let mut a = AutoScaling {
            phase: "business".into(),
            group_name: None,
            min_size: 1,
            max_size: 4,
            desired_capacity: Some(2),
            scheduled: vec![Scheduled {
                name: "morning".into(),
                recurrence: "0 9 * * *".into(),
                min_size: 2,
                max_size: 4,
                desired_capacity: 3,
                start_time: None,
                end_time: None,
            }],
            alarm: vec![Alarm {
                name: "cpu".into(),
                cpu_above: 70,
                minutes: 5,
                adjustment: 1,
            }],
        };
        let p = from_plan(&a, now).unwrap();
        assert_eq!(
            p.sizes,
            Sizes {
                min: 1,
                desired: 2,
                max: 4
            }
        );
        assert_eq!(p.schedules[0].start, "2026-11-25T12:10:00+08:00");
        assert_eq!(
            p.schedules[0].end.as_deref(),
            Some("2027-11-25T12:10:00+08:00")
        );
        assert_eq!(
            p.policies[0].1.describe(Lang::En),
            "CPU > 70 % for 5 min → +1 instance(s)"
        );
        a.alarm[0].minutes = 13;
        assert_eq!(from_plan(&a, now).unwrap_err().field, "ContinuousTime");
    }

    #[test]
    fn statuses_are_explained() {
        assert!(explain_group_status("LB_ABNORMAL", Lang::En).contains("load balancer"));
        assert!(explain_group_status("LB_ABNORMAL", Lang::Zh).contains("负载均衡"));
        assert_eq!(
            explain_group_status("SOMETHING_NEW", Lang::En),
            "SOMETHING_NEW"
        );
        assert!(explain_activity_status("FAILED", Lang::Zh).contains("失败"));
        assert!(explain_life_cycle("IN_SERVICE", Lang::En).contains("service"));
    }
}
