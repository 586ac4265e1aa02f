//! Plain-language explanations of failed calls: what happened and what to
//! do about it, in the user's language. Common codes have hand-written text
//! (assets/i18n/cloud.toml, `cloud.explain.*`); any other code falls back to
//! the service's documented description of it.

use crate::cloud::action::spec;
use crate::cloud::CloudError;
use crate::i18n::{tf, Lang};

/// What went wrong and how to fix it, one sentence or two each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub summary: String,
    pub fix: String,
}

/// The strings-table entry (`cloud.explain.<key>.summary` / `.fix`) for an
/// API error code; `None` when there is no hand-written text for it. The
/// order matters: the specific cases come before the families they belong to.
pub fn explanation_key(code: &str) -> Option<&'static str> {
    let family = |prefix: &str| code == prefix || code.starts_with(&format!("{prefix}."));
    let key = match code {
        "AuthFailure.SignatureFailure" => "signature_failure",
        "AuthFailure.SecretIdNotFound" => "secret_id_not_found",
        "AuthFailure.SignatureExpire" => "signature_expire",
        "AuthFailure.InvalidAuthorization" => "invalid_authorization",
        "AuthFailure.TokenFailure" | "AuthFailure.InvalidToken" => "token_failure",
        _ if family("AuthFailure") => "auth_failure",
        _ if family("UnauthorizedOperation") || family("OperationDenied.CamUnauthorized") => {
            "unauthorized"
        }
        _ if family("RequestLimitExceeded") => "request_limit",
        _ if code.contains("InsufficientBalance") || code.contains("BalanceInsufficient") => {
            "insufficient_balance"
        }
        _ if code.contains("QuotaLimitExceeded") || code.contains("QuotaExceeded") => "quota",
        _ if family("LimitExceeded") => "limit_exceeded",
        _ if family("InvalidParameterValue") => "invalid_parameter_value",
        _ if family("InvalidParameter") => "invalid_parameter",
        _ if family("MissingParameter") => "missing_parameter",
        _ if family("ResourceNotFound") || code.ends_with(".NotFound") => "resource_not_found",
        _ if family("ResourceInsufficient") => "resource_insufficient",
        _ if code.ends_with("ResourceInOperating") || family("ResourceInOperating") => {
            "resource_in_operating"
        }
        _ if family("FailedOperation") => "failed_operation",
        _ if family("InternalError") => "internal_error",
        _ => return None,
    };
    Some(key)
}

fn from_table(lang: Lang, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> Explanation {
    Explanation {
        summary: tf(lang, &format!("cloud.explain.{key}.summary"), args),
        fix: tf(lang, &format!("cloud.explain.{key}.fix"), args),
    }
}

impl CloudError {
    /// What this error means for the user and what to do next.
    pub fn explain(&self, lang: Lang) -> Explanation {
        match self {
            CloudError::Api {
                service,
                action,
                code,
                message,
                request_id,
            } => {
                let args: [(&str, &dyn std::fmt::Display); 5] = [
                    ("service", service),
                    ("action", action),
                    ("code", code),
                    ("message", message),
                    ("request_id", request_id),
                ];
                match explanation_key(code) {
                    Some(key) => from_table(lang, key, &args),
                    None => {
                        let documented = spec(*service).error_description(code).or_else(|| {
                            // a sub-code's parent is often the documented one
                            let parent = code.split('.').next()?;
                            spec(*service).error_description(parent)
                        });
                        let summary = match documented {
                            Some(d) => tf(
                                lang,
                                "cloud.explain.documented.summary",
                                &[("code", code), ("description", &d)],
                            ),
                            None => tf(lang, "cloud.explain.unknown.summary", &args),
                        };
                        Explanation {
                            summary,
                            fix: tf(lang, "cloud.explain.unknown.fix", &args),
                        }
                    }
                }
            }
            CloudError::Network {
                service,
                action,
                timed_out,
                ..
            } => {
                let key = if *timed_out { "timeout" } else { "network" };
                from_table(lang, key, &[("service", service), ("action", action)])
            }
            CloudError::Decode {
                service,
                action,
                status,
                ..
            } => from_table(
                lang,
                "decode",
                &[("service", service), ("action", action), ("status", status)],
            ),
            CloudError::Local(message) => Explanation {
                summary: message.clone(),
                fix: tf(lang, "cloud.explain.local.fix", &[]),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Service;

    fn api(service: Service, code: &str) -> CloudError {
        CloudError::Api {
            service,
            action: "RunInstances".into(),
            code: code.into(),
            message: "the message".into(),
            request_id: "rid-42".into(),
        }
    }

    #[test]
    fn common_codes_map_to_their_explanation() {
        let cases = [
            ("AuthFailure.SignatureFailure", "signature_failure"),
            ("AuthFailure.SecretIdNotFound", "secret_id_not_found"),
            ("AuthFailure.SignatureExpire", "signature_expire"),
            ("AuthFailure.InvalidAuthorization", "invalid_authorization"),
            ("AuthFailure.TokenFailure", "token_failure"),
            ("AuthFailure.UnauthorizedOperation", "auth_failure"),
            ("UnauthorizedOperation", "unauthorized"),
            ("UnauthorizedOperation.CamNoAuth", "unauthorized"),
            ("RequestLimitExceeded", "request_limit"),
            ("RequestLimitExceeded.UinLimitExceeded", "request_limit"),
            ("InsufficientBalance", "insufficient_balance"),
            (
                "FailedOperation.InsufficientBalance",
                "insufficient_balance",
            ),
            (
                "ResourceInsufficient.AccountBalanceInsufficient",
                "insufficient_balance",
            ),
            ("LimitExceeded.InstanceQuotaLimitExceeded", "quota"),
            ("LimitExceeded", "limit_exceeded"),
            ("LimitExceeded.SingleUSGQuota", "limit_exceeded"),
            ("InvalidParameterValue.Range", "invalid_parameter_value"),
            ("InvalidParameter", "invalid_parameter"),
            ("MissingParameter", "missing_parameter"),
            ("ResourceNotFound", "resource_not_found"),
            ("InvalidInstanceId.NotFound", "resource_not_found"),
            (
                "ResourceInsufficient.SpecifiedInstanceType",
                "resource_insufficient",
            ),
            (
                "FailedOperation.ResourceInOperating",
                "resource_in_operating",
            ),
            ("ResourceInOperating", "resource_in_operating"),
            ("FailedOperation", "failed_operation"),
            ("InternalError", "internal_error"),
            ("InternalError.Db", "internal_error"),
        ];
        for (code, key) in cases {
            assert_eq!(explanation_key(code), Some(key), "{code}");
            for lang in [Lang::En, Lang::Zh] {
                let e = api(Service::Cvm, code).explain(lang);
                assert!(!e.summary.starts_with('['), "{code}: missing {}", e.summary);
                assert!(!e.fix.starts_with('['), "{code}: missing {}", e.fix);
            }
        }
        assert_eq!(explanation_key("UnsupportedOperation.Whatever"), None);
    }

    #[test]
    fn explanations_say_what_to_do() {
        let skew = api(Service::Cvm, "AuthFailure.SignatureExpire");
        assert!(skew.explain(Lang::En).summary.contains("clock"));
        assert!(skew.explain(Lang::Zh).summary.contains("时间"));
        let cam = api(Service::Cvm, "UnauthorizedOperation");
        assert!(cam.explain(Lang::En).fix.contains("CAM"));
        assert!(cam.explain(Lang::En).summary.contains("RunInstances"));
        let busy = api(Service::Clb, "FailedOperation.ResourceInOperating");
        assert!(busy.explain(Lang::En).fix.contains("task"));
    }

    #[test]
    fn unknown_codes_fall_back_to_the_documented_description() {
        let (code, description) = spec(Service::Cvm)
            .error_codes
            .iter()
            .find(|(c, _)| explanation_key(c).is_none())
            .copied()
            .expect("cvm documents codes without hand-written text");
        let e = api(Service::Cvm, code).explain(Lang::Zh);
        assert!(e.summary.contains(description), "{e:?}");
        let e = api(Service::Cvm, "Nope.NotDocumented").explain(Lang::En);
        assert!(e.summary.contains("Nope.NotDocumented"), "{e:?}");
        assert!(e.fix.contains("rid-42"), "{e:?}");
    }

    #[test]
    fn transport_failures_are_explained() {
        let net = CloudError::Network {
            service: Service::Cvm,
            action: "DescribeInstances".into(),
            message: "connection refused".into(),
            timed_out: false,
            before_send: true,
        };
        assert!(net.explain(Lang::En).fix.to_lowercase().contains("connect"));
        let dec = CloudError::Decode {
            service: Service::Cvm,
            action: "DescribeInstances".into(),
            status: 502,
            message: "html".into(),
        };
        assert!(dec.explain(Lang::Zh).summary.contains("502"));
    }
}
