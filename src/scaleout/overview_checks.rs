//! What the Overview says about the account before anything is chosen:
//! plain facts worked out by the engine from the discovery and a few reads
//! (so `apply` can say the same), worded only when shown, in the language
//! on screen (a switch of language rewords them).

use crate::i18n::{t, tf, Lang};
use crate::scaleout::account::{self, PrivateImages};
use crate::scaleout::runner::Engine;

/// How a check reads: fine, worth a look, or in the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AccountCheck {
    /// The keys work: the discovery answered.
    Credentials,
    /// Custom images used of the quota (a new one needs a free slot).
    ImageQuota {
        used: i64,
        total: i64,
    },
    /// Business servers whose TAT agent is online, of all of them.
    TatAgents {
        online: usize,
        total: usize,
    },
    /// Business servers without an online TAT agent: their sdk.config
    /// cannot be edited until the agent is installed.
    TatMissing {
        ids: Vec<String>,
    },
    NoBusiness,
    NoSession,
    /// Instances that may not be bound to a CLB (isolated, expired, no bandwidth).
    Ineligible {
        n: usize,
    },
}

impl AccountCheck {
    pub fn severity(&self) -> Severity {
        match self {
            AccountCheck::Credentials => Severity::Ok,
            AccountCheck::ImageQuota { used, total } if used < total => Severity::Ok,
            AccountCheck::ImageQuota { .. } => Severity::Fail,
            AccountCheck::TatAgents { online, total } if online == total => Severity::Ok,
            AccountCheck::TatAgents { .. }
            | AccountCheck::TatMissing { .. }
            | AccountCheck::NoBusiness
            | AccountCheck::NoSession
            | AccountCheck::Ineligible { .. } => Severity::Warn,
        }
    }

    /// The words for a narrow pane (the Overview): the same fact, with what
    /// to do left to the step that needs it.
    pub fn brief(&self, lang: Lang) -> String {
        match self {
            AccountCheck::TatMissing { ids } => tf(
                lang,
                "wizard.check.tat_missing_brief",
                &[("ids", &ids.join(", "))],
            ),
            other => other.text(lang),
        }
    }

    pub fn text(&self, lang: Lang) -> String {
        match self {
            AccountCheck::Credentials => t(lang, "wizard.check.credentials"),
            AccountCheck::ImageQuota { used, total } => tf(
                lang,
                "wizard.check.image_quota",
                &[("used", used), ("total", total)],
            ),
            AccountCheck::TatAgents { online, total } => {
                tf(lang, "wizard.check.tat", &[("n", online), ("total", total)])
            }
            AccountCheck::TatMissing { ids } => tf(
                lang,
                "wizard.check.tat_missing",
                &[("ids", &ids.join(", "))],
            ),
            AccountCheck::NoBusiness => t(lang, "wizard.check.no_business"),
            AccountCheck::NoSession => t(lang, "wizard.check.no_session"),
            AccountCheck::Ineligible { n } => tf(lang, "wizard.check.ineligible", &[("n", n)]),
        }
    }
}

/// What the checks read on the way, for the caller to show too.
#[derive(Default)]
pub struct AccountFacts {
    /// The custom images (none when they could not be listed).
    pub images: Option<PrivateImages>,
    /// The business servers whose TAT agent is online (none: not known).
    pub agents_online: Option<Vec<String>>,
    pub checks: Vec<AccountCheck>,
}

/// The checks from what discovery found: the role of each server, and how
/// many instances may not be bound. A read that fails leaves its check out
/// (the step that needs it checks again, and says why it cannot go on).
pub async fn account_checks(
    eng: &Engine,
    business: &[String],
    session: &[String],
    ineligible: usize,
) -> AccountFacts {
    let mut facts = AccountFacts {
        checks: vec![AccountCheck::Credentials],
        ..Default::default()
    };
    if let Ok(images) = account::private_images(eng).await {
        if let Ok(total) = account::image_quota(eng).await {
            facts.checks.push(AccountCheck::ImageQuota {
                used: images.total,
                total,
            });
        }
        facts.images = Some(images);
    }
    if !business.is_empty() {
        if let Ok(online) = account::agents_online(eng, business).await {
            facts.checks.extend(agent_checks(business, &online));
            facts.agents_online = Some(online);
        }
    }
    if business.is_empty() {
        facts.checks.push(AccountCheck::NoBusiness);
    }
    if session.is_empty() {
        facts.checks.push(AccountCheck::NoSession);
    }
    if ineligible > 0 {
        facts
            .checks
            .push(AccountCheck::Ineligible { n: ineligible });
    }
    facts
}

/// How many business servers have an online agent, and which do not.
pub fn agent_checks(business: &[String], online: &[String]) -> Vec<AccountCheck> {
    let missing: Vec<String> = business
        .iter()
        .filter(|b| !online.contains(b))
        .cloned()
        .collect();
    let mut out = vec![AccountCheck::TatAgents {
        online: business.len() - missing.len(),
        total: business.len(),
    }];
    if !missing.is_empty() {
        out.push(AccountCheck::TatMissing { ids: missing });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_missing_are_named_and_warned_about_in_both_languages() {
        let business = vec!["ins-a".to_string(), "ins-b".into(), "ins-c".into()];
        let checks = agent_checks(&business, &["ins-b".to_string()]);
        assert_eq!(
            checks,
            vec![
                AccountCheck::TatAgents {
                    online: 1,
                    total: 3
                },
                AccountCheck::TatMissing {
                    ids: vec!["ins-a".into(), "ins-c".into()]
                }
            ]
        );
        assert_eq!(checks[0].severity(), Severity::Warn);
        let en = checks[1].text(Lang::En);
        assert!(
            en.contains("ins-a, ins-c") && en.contains("Install it"),
            "{en}"
        );
        assert!(!en.contains("ins-b"));
        assert!(checks[1].text(Lang::Zh).contains("安装"));
        let brief = checks[1].brief(Lang::En);
        assert!(
            brief.contains("ins-a, ins-c") && brief.len() < en.len(),
            "{brief}"
        );
        assert_eq!(agent_checks(&business, &business).len(), 1);
        assert_eq!(
            agent_checks(&business, &business)[0].severity(),
            Severity::Ok
        );
    }

    #[test]
    fn a_full_image_quota_is_in_the_way() {
        let full = AccountCheck::ImageQuota {
            used: 10,
            total: 10,
        };
        assert_eq!(full.severity(), Severity::Fail);
        assert!(full.text(Lang::En).contains("10"));
        let free = AccountCheck::ImageQuota { used: 3, total: 10 };
        assert_eq!(free.severity(), Severity::Ok);
    }
}
