//! May an instance be bound to a CLB? The console's rule, as the guide states
//! it: not isolated, not expired, public bandwidth not 0 — and running.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::cloud::models::cvm;
use crate::i18n::{t, tf, Lang};

/// One reason an instance cannot be bound. An instance may have several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Ineligible {
    /// `RestrictState` is not `NORMAL` (`EXPIRED`, `PROTECTIVELY_ISOLATED`) or
    /// `IsolatedSource` is not `NOTISOLATED` (`ARREAR`, `EXPIRE`, `MANMADE`).
    Isolated {
        restrict_state: Option<String>,
        isolated_source: Option<String>,
    },
    /// `ExpiredTime` is in the past (prepaid instances only carry one).
    Expired { at: String },
    /// `ExpiredTime` is present but not a time we can read; we cannot tell
    /// whether the instance expired, so we do not bind it.
    ExpiryUnreadable { value: String },
    /// `InternetAccessible.InternetMaxBandwidthOut` is 0 or absent.
    NoPublicBandwidth,
    /// `InstanceState` is not `RUNNING` (empty when the API gave none).
    NotRunning { state: String },
}

impl Ineligible {
    /// The reason as the UI shows it after "not eligible: ".
    pub fn reason(&self, lang: Lang) -> String {
        match self {
            Ineligible::Isolated {
                restrict_state,
                isolated_source,
            } => {
                // The source (ARREAR, EXPIRE, MANMADE) says more than the state.
                let detail = isolated_source
                    .as_deref()
                    .filter(|s| !s.is_empty() && *s != "NOTISOLATED")
                    .or(restrict_state.as_deref())
                    .unwrap_or("?");
                tf(lang, "scaleout.ineligible.isolated", &[("detail", &detail)])
            }
            Ineligible::Expired { at } => {
                // Show the date only: the time of day adds noise in a table row.
                let day = at.get(..10).unwrap_or(at);
                tf(lang, "scaleout.ineligible.expired", &[("at", &day)])
            }
            Ineligible::ExpiryUnreadable { value } => tf(
                lang,
                "scaleout.ineligible.expiry_unreadable",
                &[("value", value)],
            ),
            Ineligible::NoPublicBandwidth => t(lang, "scaleout.ineligible.no_bandwidth"),
            Ineligible::NotRunning { state } => {
                let state = if state.is_empty() {
                    t(lang, "scaleout.unknown")
                } else {
                    state.clone()
                };
                tf(
                    lang,
                    "scaleout.ineligible.not_running",
                    &[("state", &state)],
                )
            }
        }
    }
}

/// Every reason `instance` may not be bound to a CLB at `now`; empty means eligible.
///
/// A missing `RestrictState` or `IsolatedSource` counts as not isolated (the
/// API omits them for ordinary instances in some regions); a missing
/// bandwidth counts as 0, as the console shows it.
pub fn eligibility(instance: &cvm::Instance, now: DateTime<Utc>) -> Vec<Ineligible> {
    let mut out = Vec::new();

    let restrict = instance.restrict_state.as_deref().filter(|s| !s.is_empty());
    let source = instance
        .isolated_source
        .as_deref()
        .filter(|s| !s.is_empty());
    let expiry = instance
        .expired_time
        .as_deref()
        .map(str::trim)
        .filter(|raw| !raw.is_empty())
        .and_then(|raw| match parse_api_time(raw) {
            Some(at) if at <= now => Some(Ineligible::Expired {
                at: raw.to_string(),
            }),
            Some(_) => None,
            None => Some(Ineligible::ExpiryUnreadable {
                value: raw.to_string(),
            }),
        });
    // Expiry isolates too (RestrictState EXPIRED, IsolatedSource EXPIRE):
    // once the Expired reason says so, isolation by expiry is not said again.
    let expired = matches!(expiry, Some(Ineligible::Expired { .. }));
    let by_expiry = |s: &str| expired && matches!(s, "EXPIRED" | "EXPIRE");
    let restricted = restrict.is_some_and(|s| s != "NORMAL" && !by_expiry(s));
    let isolated = source.is_some_and(|s| s != "NOTISOLATED" && !by_expiry(s));
    if restricted || isolated {
        out.push(Ineligible::Isolated {
            restrict_state: restrict.map(str::to_string),
            isolated_source: source.map(str::to_string),
        });
    }
    out.extend(expiry);

    let bandwidth = instance
        .internet_accessible
        .as_ref()
        .and_then(|i| i.internet_max_bandwidth_out)
        .unwrap_or(0);
    if bandwidth <= 0 {
        out.push(Ineligible::NoPublicBandwidth);
    }

    let state = instance.instance_state.as_deref().unwrap_or("");
    if state != "RUNNING" {
        out.push(Ineligible::NotRunning {
            state: state.to_string(),
        });
    }
    out
}

/// Times in CVM responses: ISO 8601 UTC (`2026-10-01T00:00:00Z`); CLB uses
/// `YYYY-MM-DD HH:mm:ss` (Beijing time), accepted too.
pub fn parse_api_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok()?;
    let beijing = chrono::FixedOffset::east_opt(8 * 3600)?;
    naive
        .and_local_timezone(beijing)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        parse_api_time("2026-06-01T00:00:00Z").unwrap()
    }

    fn healthy() -> cvm::Instance {
        cvm::Instance {
            instance_id: Some("ins-s1".into()),
            instance_state: Some("RUNNING".into()),
            restrict_state: Some("NORMAL".into()),
            isolated_source: Some("NOTISOLATED".into()),
            internet_accessible: Some(cvm::InternetAccessible {
                internet_max_bandwidth_out: Some(5),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn healthy_instance_is_eligible() {
        assert!(eligibility(&healthy(), now()).is_empty());
        let absent = cvm::Instance {
            restrict_state: None,
            isolated_source: None,
            expired_time: Some(String::new()),
            ..healthy()
        };
        assert!(eligibility(&absent, now()).is_empty());
    }

    #[test]
    fn future_expiry_is_fine_past_is_not() {
        let future = cvm::Instance {
            expired_time: Some("2026-10-01T00:00:00Z".into()),
            ..healthy()
        };
        assert!(eligibility(&future, now()).is_empty());
        let past = cvm::Instance {
            expired_time: Some("2026-01-01T00:00:00Z".into()),
            ..healthy()
        };
        assert_eq!(
            eligibility(&past, now()),
            vec![Ineligible::Expired {
                at: "2026-01-01T00:00:00Z".into()
            }]
        );
        let garbage = cvm::Instance {
            expired_time: Some("soon".into()),
            ..healthy()
        };
        assert_eq!(
            eligibility(&garbage, now()),
            vec![Ineligible::ExpiryUnreadable {
                value: "soon".into()
            }]
        );
    }

    #[test]
    fn isolation_by_state_or_source() {
        for (state, source) in [
            (Some("PROTECTIVELY_ISOLATED"), Some("NOTISOLATED")),
            (Some("EXPIRED"), None),
            (Some("NORMAL"), Some("ARREAR")),
            (None, Some("MANMADE")),
            (Some("NORMAL"), Some("EXPIRE")),
        ] {
            let i = cvm::Instance {
                restrict_state: state.map(Into::into),
                isolated_source: source.map(Into::into),
                ..healthy()
            };
            let r = eligibility(&i, now());
            assert!(
                matches!(r.as_slice(), [Ineligible::Isolated { .. }]),
                "{state:?} {source:?}: {r:?}"
            );
        }
    }

    #[test]
    fn an_expired_prepaid_instance_as_the_api_shows_it_is_expired_once() {
        let i = cvm::Instance {
            instance_charge_type: Some("PREPAID".into()),
            expired_time: Some("2026-05-01T00:00:00Z".into()),
            restrict_state: Some("EXPIRED".into()),
            isolated_source: Some("EXPIRE".into()),
            instance_state: Some("SHUTDOWN".into()),
            ..healthy()
        };
        assert_eq!(
            eligibility(&i, now()),
            vec![
                Ineligible::Expired {
                    at: "2026-05-01T00:00:00Z".into()
                },
                Ineligible::NotRunning {
                    state: "SHUTDOWN".into()
                },
            ]
        );
        // an arrears isolation of the same instance is still said
        let arrears = cvm::Instance {
            isolated_source: Some("ARREAR".into()),
            ..i
        };
        assert!(matches!(
            eligibility(&arrears, now()).first(),
            Some(Ineligible::Isolated { .. })
        ));
    }

    #[test]
    fn zero_or_missing_bandwidth_and_not_running() {
        let i = cvm::Instance {
            internet_accessible: Some(cvm::InternetAccessible {
                internet_max_bandwidth_out: Some(0),
                ..Default::default()
            }),
            instance_state: Some("STOPPED".into()),
            ..healthy()
        };
        assert_eq!(
            eligibility(&i, now()),
            vec![
                Ineligible::NoPublicBandwidth,
                Ineligible::NotRunning {
                    state: "STOPPED".into()
                }
            ]
        );
        let none = cvm::Instance {
            internet_accessible: None,
            ..healthy()
        };
        assert_eq!(
            eligibility(&none, now()),
            vec![Ineligible::NoPublicBandwidth]
        );
    }

    #[test]
    fn every_reason_has_text_in_both_languages() {
        let all = [
            Ineligible::Isolated {
                restrict_state: Some("PROTECTIVELY_ISOLATED".into()),
                isolated_source: Some("ARREAR".into()),
            },
            Ineligible::Expired {
                at: "2026-10-01T00:00:00Z".into(),
            },
            Ineligible::ExpiryUnreadable { value: "x".into() },
            Ineligible::NoPublicBandwidth,
            Ineligible::NotRunning { state: "".into() },
        ];
        for r in &all {
            for lang in [Lang::En, Lang::Zh] {
                let s = r.reason(lang);
                assert!(!s.contains('[') && !s.contains('{'), "{s}");
            }
        }
        assert_eq!(all[0].reason(Lang::En), "isolated (ARREAR)");
        assert_eq!(all[1].reason(Lang::En), "expired 2026-10-01");
    }

    #[test]
    fn clb_style_times_are_beijing_time() {
        let t = parse_api_time("2026-06-01 08:00:00").unwrap();
        assert_eq!(t, now());
    }
}
