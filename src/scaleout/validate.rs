//! Validation of every field a user can type, shared by the plan file and
//! the TUI's forms. Each check returns the cleaned value or a [`FieldError`]
//! that names the field and the allowed values, in both languages.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::i18n::{tf, Lang};

/// What is wrong with a field's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Problem {
    Empty,
    TooLong {
        max: usize,
    },
    /// Characters outside the allowed set; `allowed` says which are allowed.
    BadChars {
        allowed: String,
    },
    OutOfRange {
        min: i64,
        max: i64,
        got: i64,
    },
    /// Not of the expected shape, e.g. `ins-xxxxxxxx`.
    BadFormat {
        expected: String,
    },
    /// Not one of a fixed set of values.
    NotOneOf {
        allowed: Vec<String>,
    },
    /// Not a whole number.
    NotANumber,
    /// Not a whole number from `min` to `max`: a form's number, whatever
    /// is wrong with it (`-1`, `99999999999999999999999`, `1.5`), said one way.
    NotWholeIn {
        min: i64,
        max: i64,
    },
    /// A free-form reason (already a complete sentence key + args are overkill here).
    Other {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub struct FieldError {
    /// The field as the user knows it (form label key or plan path, e.g. `session.count`).
    pub field: String,
    pub problem: Problem,
}

impl FieldError {
    pub fn new(field: &str, problem: Problem) -> FieldError {
        FieldError {
            field: field.to_string(),
            problem,
        }
    }

    /// `count: must be between 1 and 500 (got 0)`.
    pub fn message(&self, lang: Lang) -> String {
        let f = &self.field;
        match &self.problem {
            Problem::Empty => tf(lang, "scaleout.field.empty", &[("field", f)]),
            Problem::NotANumber => tf(lang, "scaleout.field.not_a_number", &[("field", f)]),
            Problem::TooLong { max } => tf(
                lang,
                "scaleout.field.too_long",
                &[("field", f), ("max", max)],
            ),
            Problem::BadChars { allowed } => {
                // A known character set is a strings-table key: said in `lang`.
                let allowed = if crate::i18n::has(allowed) {
                    crate::i18n::t(lang, allowed)
                } else {
                    allowed.clone()
                };
                tf(
                    lang,
                    "scaleout.field.bad_chars",
                    &[("field", f), ("allowed", &allowed)],
                )
            }
            Problem::OutOfRange { min, max, got } => tf(
                lang,
                "scaleout.field.out_of_range",
                &[("field", f), ("min", min), ("max", max), ("got", got)],
            ),
            Problem::NotWholeIn { min, max } => tf(
                lang,
                "scaleout.field.whole_in",
                &[("field", f), ("min", min), ("max", max)],
            ),
            Problem::BadFormat { expected } => tf(
                lang,
                "scaleout.field.bad_format",
                &[("field", f), ("expected", expected)],
            ),
            Problem::NotOneOf { allowed } => tf(
                lang,
                "scaleout.field.not_one_of",
                &[("field", f), ("allowed", &allowed.join(" | "))],
            ),
            Problem::Other { reason } => format!("{f}: {reason}"),
        }
    }
}

pub type Checked<T> = Result<T, FieldError>;

fn err<T>(field: &str, problem: Problem) -> Checked<T> {
    Err(FieldError::new(field, problem))
}

/// Characters the console's name rules allow ("英文字母、汉字等国际通用语言
/// 字符，数字，连接线“-”、下划线“_”等常见字符"): letters of any script,
/// digits, `-`, `_`, `.`, and spaces inside; no control characters and no
/// Unicode supplementary characters (emoji, rare CJK).
fn name_char_ok(c: char) -> bool {
    (c as u32) <= 0xFFFF && (c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
}

/// The strings-table key naming [`name_char_ok`]'s characters.
const NAME_CHARS: &str = "scaleout.chars.name";

fn name(field: &str, value: &str, max: usize) -> Checked<String> {
    let v = value.trim();
    if v.is_empty() {
        return err(field, Problem::Empty);
    }
    if v.chars().count() > max {
        return err(field, Problem::TooLong { max });
    }
    if !v.chars().all(name_char_ok) {
        return err(
            field,
            Problem::BadChars {
                allowed: NAME_CHARS.into(),
            },
        );
    }
    Ok(v.to_string())
}

fn description(field: &str, value: &str, max: usize) -> Checked<String> {
    if value.chars().count() > max {
        return err(field, Problem::TooLong { max });
    }
    if value.chars().any(char::is_control) {
        return err(
            field,
            Problem::BadChars {
                allowed: "scaleout.chars.printable".into(),
            },
        );
    }
    Ok(value.to_string())
}

/// `CreateImage.ImageName`: at most 60 characters.
pub fn image_name(field: &str, value: &str) -> Checked<String> {
    name(field, value, 60)
}

/// `CreateImage.ImageDescription`: at most 256 characters, may be empty.
pub fn image_description(field: &str, value: &str) -> Checked<String> {
    description(field, value, 256)
}

/// `CreateLoadBalancer.LoadBalancerName`: 1–80 characters.
pub fn clb_name(field: &str, value: &str) -> Checked<String> {
    name(field, value, 80)
}

/// `RunInstances.InstanceName`: at most 60 characters (the API counts bytes
/// for some scripts; 60 characters is the console's limit).
pub fn instance_name(field: &str, value: &str) -> Checked<String> {
    let v = name(field, value, 60)?;
    if v.len() > 128 {
        return err(field, Problem::TooLong { max: 60 });
    }
    Ok(v)
}

/// Something typed: not blank.
pub fn not_empty(field: &str, value: &str) -> Checked<String> {
    let v = value.trim();
    if v.is_empty() {
        return err(field, Problem::Empty);
    }
    Ok(v.to_string())
}

/// A whole number typed into a form.
pub fn integer(field: &str, value: &str) -> Checked<i64> {
    let v = not_empty(field, value)?;
    v.parse::<i64>()
        .or_else(|_| err(field, Problem::NotANumber))
}

/// A whole number from `min` to `max` typed into a form: any value that is
/// not one (negative, too big for any integer, not a number) is the one
/// fault [`Problem::NotWholeIn`], naming the range.
pub fn integer_in(field: &str, value: &str, min: i64, max: i64) -> Checked<i64> {
    let v = not_empty(field, value)?;
    v.parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| FieldError::new(field, Problem::NotWholeIn { min, max }))
}

pub fn in_range(field: &str, value: i64, min: i64, max: i64) -> Checked<i64> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        err(
            field,
            Problem::OutOfRange {
                min,
                max,
                got: value,
            },
        )
    }
}

pub fn port(field: &str, value: i64) -> Checked<u16> {
    in_range(field, value, 1, 65535).map(|v| v as u16)
}

/// A number of instances, 1 up to the remaining quota.
pub fn count(field: &str, value: i64, quota: i64) -> Checked<u32> {
    in_range(field, value, 1, quota.max(1)).map(|v| v as u32)
}

/// A CLB backend weight.
pub fn weight(field: &str, value: i64) -> Checked<u8> {
    in_range(field, value, 0, 100).map(|v| v as u8)
}

/// An IPv4 CIDR (`10.0.0.0/16`) or single address; returns it normalized.
pub fn cidr(field: &str, value: &str) -> Checked<String> {
    let v = value.trim();
    let bad = || {
        err(
            field,
            Problem::BadFormat {
                expected: "a.b.c.d/n (n 0–32) or a.b.c.d".into(),
            },
        )
    };
    let (addr, bits) = match v.split_once('/') {
        Some((a, b)) => match b.parse::<u8>() {
            Ok(n) if n <= 32 && !b.starts_with('+') => (a, Some(n)),
            _ => return bad(),
        },
        None => (v, None),
    };
    if addr.parse::<Ipv4Addr>().is_err() {
        return bad();
    }
    Ok(match bits {
        Some(n) => format!("{addr}/{n}"),
        None => addr.to_string(),
    })
}

/// A region name such as `ap-guangzhou`, `na-siliconvalley`, `ap-shanghai-fsi`.
pub fn region(field: &str, value: &str) -> Checked<String> {
    let v = value.trim();
    let parts: Vec<&str> = v.split('-').collect();
    let ok = parts.len() >= 2
        && parts[0].len() == 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts[0].bytes().all(|b| b.is_ascii_lowercase());
    if ok {
        Ok(v.to_string())
    } else {
        err(
            field,
            Problem::BadFormat {
                expected: "a region such as ap-guangzhou".into(),
            },
        )
    }
}

/// A resource id: `prefix` + `-` + 8 lowercase letters or digits (`ins-2v3sqe2t`).
pub fn resource_id(field: &str, prefix: &str, value: &str) -> Checked<String> {
    let v = value.trim();
    let ok = v
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
        .is_some_and(|r| {
            r.len() == 8
                && r.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if ok {
        Ok(v.to_string())
    } else {
        err(
            field,
            Problem::BadFormat {
                expected: format!("{prefix}-xxxxxxxx (8 lowercase letters or digits)"),
            },
        )
    }
}

pub fn instance_id(field: &str, value: &str) -> Checked<String> {
    resource_id(field, "ins", value)
}

pub fn image_id(field: &str, value: &str) -> Checked<String> {
    resource_id(field, "img", value)
}

pub fn clb_id(field: &str, value: &str) -> Checked<String> {
    resource_id(field, "lb", value)
}

pub fn vpc_id(field: &str, value: &str) -> Checked<String> {
    resource_id(field, "vpc", value)
}

pub fn subnet_id(field: &str, value: &str) -> Checked<String> {
    resource_id(field, "subnet", value)
}

/// One of a fixed set, compared case-insensitively; returns the canonical spelling.
pub fn one_of(field: &str, value: &str, allowed: &[&str]) -> Checked<String> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(value.trim()))
        .map(|a| a.to_string())
        .ok_or_else(|| {
            FieldError::new(
                field,
                Problem::NotOneOf {
                    allowed: allowed.iter().map(|s| s.to_string()).collect(),
                },
            )
        })
}

/// A five-field cron expression (minute hour day-of-month month day-of-week),
/// as AS `CreateScheduledAction.Recurrence` takes it: numbers, `*`, ranges
/// `a-b`, steps `/n` and lists `a,b` ([`crate::scaleout::cron::Cron`], the
/// one parser the wizard and the simulator use too).
pub fn cron(field: &str, value: &str) -> Checked<String> {
    match crate::scaleout::cron::Cron::parse(value) {
        Ok(c) => Ok(c.text),
        Err(_) => err(
            field,
            Problem::BadFormat {
                expected: "5 fields: minute(0-59) hour(0-23) day(1-31) month(1-12) weekday(0-7, 0 and 7 Sunday), e.g. 0 9 * * 1-5".into(),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            image_name("image_name", " mina_auth-2 ").unwrap(),
            "mina_auth-2"
        );
        assert!(image_name("image_name", "会话服务器镜像").is_ok());
        assert_eq!(
            image_name("image_name", "").unwrap_err().problem,
            Problem::Empty
        );
        assert_eq!(
            image_name("image_name", &"a".repeat(61))
                .unwrap_err()
                .problem,
            Problem::TooLong { max: 60 }
        );
        assert!(image_name("image_name", &"a".repeat(60)).is_ok());
        assert!(matches!(
            image_name("image_name", "bad/name").unwrap_err().problem,
            Problem::BadChars { .. }
        ));
        assert!(clb_name("clb_name", "😀").is_err());
        assert!(clb_name("clb_name", &"负".repeat(80)).is_ok());
        assert!(clb_name("clb_name", &"负".repeat(81)).is_err());
        assert!(image_description("d", &"x".repeat(256)).is_ok());
        assert!(image_description("d", &"x".repeat(257)).is_err());
        assert!(image_description("d", "").is_ok());
        assert!(image_description("d", "two\nlines").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(port("listener_port", 80).unwrap(), 80);
        assert!(port("listener_port", 0).is_err());
        assert!(port("listener_port", 65536).is_err());
        assert!(count("count", 0, 10).is_err());
        assert!(count("count", 10, 10).is_ok());
        assert!(count("count", 11, 10).is_err());
        assert!(weight("weight", 0).is_ok());
        assert!(weight("weight", 101).is_err());
        let e = port("session.listener_port", 0).unwrap_err();
        assert_eq!(
            e.message(Lang::En),
            "session.listener_port: must be between 1 and 65535 (got 0)"
        );
        assert!(!e.message(Lang::Zh).contains('['));
    }

    #[test]
    fn a_form_number_out_of_range_is_one_fault() {
        let minus = integer_in("port", "-1", 1, 65535).unwrap_err();
        let huge = integer_in("port", "99999999999999999999999", 1, 65535).unwrap_err();
        assert_eq!(minus, huge);
        assert_eq!(
            minus.message(Lang::En),
            "port: must be a whole number from 1 to 65535"
        );
        assert_eq!(integer_in("port", " 80 ", 1, 65535).unwrap(), 80);
        assert_eq!(
            integer_in("port", "", 1, 65535).unwrap_err().problem,
            Problem::Empty
        );
    }

    #[test]
    fn cidrs_regions_ids() {
        assert_eq!(cidr("c", "10.0.0.0/16").unwrap(), "10.0.0.0/16");
        assert_eq!(cidr("c", "10.0.1.20").unwrap(), "10.0.1.20");
        for bad in ["10.0.0.0/33", "10.0.0/8", "x", "10.0.0.0/", "10.0.0.0/+8"] {
            assert!(cidr("c", bad).is_err(), "{bad}");
        }
        for good in [
            "ap-guangzhou",
            "na-siliconvalley",
            "ap-shanghai-fsi",
            "eu-frankfurt",
        ] {
            assert!(region("region", good).is_ok(), "{good}");
        }
        for bad in ["guangzhou", "AP-guangzhou", "ap_guangzhou", "ap-", "a-b"] {
            assert!(region("region", bad).is_err(), "{bad}");
        }
        assert!(instance_id("source", "ins-2v3sqe2t").is_ok());
        for bad in ["ins-2v3sqe2", "ins-2V3SQE2T", "img-2v3sqe2t", "ins2v3sqe2t"] {
            assert!(instance_id("source", bad).is_err(), "{bad}");
        }
        assert!(clb_id("clb", "lb-abcd1234").is_ok());
        assert!(subnet_id("s", "subnet-abcd1234").is_ok());
    }

    #[test]
    fn crons_and_choices() {
        for good in [
            "0 9 * * *",
            "*/5 * * * *",
            "0 9-18 * * 1-5",
            "30 8,20 1 1-12/2 0",
            // Sunday as 7, as Auto Scaling and the wizard take it.
            "0 9 * * 7",
        ] {
            assert!(cron("recurrence", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "0 9 * *",
            "60 * * * *",
            "0 24 * * *",
            "0 9 0 * *",
            "0 9 * * 8",
            "a b c d e",
            "5-1 * * * *",
        ] {
            assert!(cron("recurrence", bad).is_err(), "{bad}");
        }
        // The plan, the wizard and the simulator read a recurrence alike.
        for text in [
            "0 9 * * 7",
            "0 9 ? * 1-5",
            "*/0 * * * *",
            "0 9 * * 8",
            "1-60 * * * *",
        ] {
            assert_eq!(
                cron("recurrence", text).is_ok(),
                crate::scaleout::autoscaling::validate_recurrence(text).is_ok(),
                "{text}"
            );
        }
        assert_eq!(
            one_of("role", "Session", &["session", "business"]).unwrap(),
            "session"
        );
        let e = one_of("role", "x", &["session", "business", "both"]).unwrap_err();
        assert_eq!(
            e.message(Lang::En),
            "role: must be one of session | business | both"
        );
    }
}
