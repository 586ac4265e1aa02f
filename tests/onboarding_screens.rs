//! Every page of onboarding, rendered from constructed state into a
//! TestBackend at 100×30 in English and Chinese (insta snapshots), and the
//! keys that move between pages.

use crate::screen_support;

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use screen_support::{lang_name, render};
use tcscale::cloud::credentials::CredentialSource;
use tcscale::cloud::{CloudError, Credential, Service};
use tcscale::i18n::Lang;
use tcscale::scaleout::preflight::{self, ProbeResult};
use tcscale::tui::app::{App, Msg};
use tcscale::tui::jobs::JobEvent;
use tcscale::tui::screens::onboarding::*;
use tcscale::tui::state::Screen;

const KEY: &str = "VerySecretKeyValue00000000000001";

fn cred(id: &str) -> Credential {
    Credential::new(id, KEY, None)
}

fn sources() -> Vec<SourceView> {
    vec![
        SourceView {
            source: CredentialSource::TccliProfile {
                name: "prod".into(),
                path: PathBuf::from("/home/u/.tccli/prod.credential"),
            },
            credential: Some(cred("AKIDprod000000000000000000abcd")),
            region: Some("ap-shanghai".into()),
            problem: None,
            in_use: false,
        },
        SourceView {
            source: CredentialSource::TccliProfile {
                name: "test".into(),
                path: PathBuf::from("/home/u/.tccli/test.credential"),
            },
            credential: Some(cred("AKIDtest000000000000000000wxyz")),
            region: None,
            problem: None,
            in_use: false,
        },
        SourceView {
            source: CredentialSource::IniFile {
                path: PathBuf::from("/home/u/.tencentcloud/credentials"),
            },
            credential: None,
            region: None,
            problem: Some((
                "no secret_id / secret_key in section [default]".into(),
                "[default] 段中没有 secret_id / secret_key".into(),
            )),
            in_use: false,
        },
    ]
}

fn app(lang: Lang, sources: Vec<SourceView>) -> App {
    let mut a = App::new(lang, Default::default(), Screen::Onboarding);
    a.onboarding = OnboardingState::new(
        sources,
        Some(PathBuf::from("/home/u/.config/tcscale/config.toml")),
        None,
    );
    a
}

fn key(a: &mut App, code: KeyCode) {
    a.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(a: &mut App, s: &str) {
    for c in s.chars() {
        key(a, KeyCode::Char(c));
    }
}

fn event(a: &mut App, e: OnboardingEvent) {
    a.update(Msg::Job(JobEvent::Onboarding(e)));
}

fn both(name: &str, make: impl Fn(Lang) -> App) {
    for lang in [Lang::En, Lang::Zh] {
        let a = make(lang);
        let text = render(&a, 100, 30);
        assert!(
            !text.contains("[onboarding."),
            "{name}: missing string\n{text}"
        );
        assert!(!text.contains("[wizard."), "{name}: missing string\n{text}");
        assert!(!text.contains(KEY), "{name}: the SecretKey shows\n{text}");
        insta::assert_snapshot!(format!("onboarding_{name}_{}", lang_name(lang)), text);
    }
}

fn keys_typed(lang: Lang) -> App {
    let mut a = app(lang, vec![]);
    key(&mut a, KeyCode::Char('e'));
    typed(&mut a, "AKIDz8krbsJ5yKBZQpn74WFkmLPx3abcd");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, KEY);
    a
}

#[test]
fn nothing_found() {
    both("nothing_found", |l| {
        let mut a = app(l, vec![]);
        a.onboarding.reason = Some("no credentials found (looked at: …)".into());
        a
    });
}

#[test]
fn several_profiles_to_pick_from() {
    both("profiles", |l| app(l, sources()));
}

#[test]
fn keys_form_masks_the_secret_key() {
    both("keys", keys_typed);
    let a = keys_typed(Lang::En);
    assert!(
        a.typing(),
        "letters type into the form (q and L do not act)"
    );
    assert_eq!(a.onboarding.secret_key.value, KEY);
}

#[test]
fn keys_missing_fields() {
    both("keys_missing", |l| {
        let mut a = app(l, vec![]);
        key(&mut a, KeyCode::Char('e'));
        key(&mut a, KeyCode::Enter);
        a
    });
}

#[test]
fn validating_then_failure_keeps_what_was_typed() {
    both("validating", |l| {
        let mut a = keys_typed(l);
        key(&mut a, KeyCode::Enter);
        assert!(a.onboarding.validating);
        a
    });
    for (name, code) in [
        ("wrong_key", "AuthFailure.SignatureFailure"),
        ("unknown_id", "AuthFailure.SecretIdNotFound"),
        ("clock_skew", "AuthFailure.SignatureExpire"),
    ] {
        both(name, |l| {
            let mut a = keys_typed(l);
            key(&mut a, KeyCode::Enter);
            let jobs = a.onboarding.take_jobs();
            assert!(matches!(jobs.as_slice(), [OnboardingJob::Validate { .. }]));
            event(
                &mut a,
                OnboardingEvent::Validated(Err(Failure(CloudError::Api {
                    service: Service::Cvm,
                    action: "DescribeRegions".into(),
                    code: code.into(),
                    message: "the API's message".into(),
                    request_id: "rid-1".into(),
                }))),
            );
            assert_eq!(a.onboarding.page, Page::Keys);
            assert_eq!(a.onboarding.secret_key.value, KEY);
            a
        });
    }
    both("network", |l| {
        let mut a = keys_typed(l);
        key(&mut a, KeyCode::Enter);
        event(
            &mut a,
            OnboardingEvent::Validated(Err(Failure(CloudError::Network {
                service: Service::Cvm,
                action: "DescribeRegions".into(),
                message: "connection refused".into(),
                timed_out: false,
                before_send: true,
            }))),
        );
        a
    });
}

fn at_region(lang: Lang, fallback: bool) -> App {
    let mut a = app(lang, sources());
    key(&mut a, KeyCode::Enter); // the first profile
    let regions = if fallback {
        builtin_regions(lang)
    } else {
        vec![
            ("ap-guangzhou".into(), "华南地区(广州)".into()),
            ("ap-shanghai".into(), "华东地区(上海)".into()),
        ]
    };
    event(&mut a, OnboardingEvent::Validated(Ok((regions, fallback))));
    a
}

#[test]
fn region_page_from_describe_regions_and_fallback() {
    both("region", |l| {
        let a = at_region(l, false);
        // the profile's region is preselected
        assert_eq!(a.onboarding.region_cursor, 1);
        a
    });
    both("region_fallback", |l| at_region(l, true));
}

#[test]
fn save_question_is_explicit() {
    both("save", |l| {
        let mut a = at_region(l, false);
        key(&mut a, KeyCode::Enter);
        assert_eq!(a.onboarding.page, Page::Save);
        assert!(a
            .onboarding
            .take_jobs()
            .iter()
            .all(|j| !matches!(j, OnboardingJob::Save { .. })));
        a
    });
    // n: nothing is saved
    let mut a = at_region(Lang::En, false);
    key(&mut a, KeyCode::Enter);
    a.onboarding.take_jobs();
    key(&mut a, KeyCode::Char('n'));
    let jobs = a.onboarding.take_jobs();
    assert!(jobs
        .iter()
        .all(|j| !matches!(j, OnboardingJob::Save { .. })));
    assert!(jobs
        .iter()
        .any(|j| matches!(j, OnboardingJob::Preflight { .. })));
    // y: the profile name and region are saved (not the keys: they stay in ~/.tccli)
    let mut a = at_region(Lang::En, false);
    key(&mut a, KeyCode::Enter);
    a.onboarding.take_jobs();
    key(&mut a, KeyCode::Char('y'));
    let save = a
        .onboarding
        .take_jobs()
        .into_iter()
        .find_map(|j| match j {
            OnboardingJob::Save { config, .. } => Some(config),
            _ => None,
        })
        .unwrap();
    assert_eq!(save.profile.as_deref(), Some("prod"));
    assert_eq!(save.region, "ap-shanghai");
    assert!(save.credential.is_none());
}

fn at_preflight(lang: Lang) -> App {
    let mut a = at_region(lang, false);
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Char('y'));
    a
}

#[test]
fn preflight_running_ok_and_denied() {
    both("preflight_running", |l| {
        let mut a = at_preflight(l);
        event(&mut a, OnboardingEvent::Saved(Ok(())));
        a
    });
    both("preflight_ok", |l| {
        let mut a = at_preflight(l);
        event(&mut a, OnboardingEvent::Saved(Ok(())));
        let all: Vec<(String, ProbeResult)> = preflight::all_actions()
            .into_iter()
            .map(|a| (a.to_string(), ProbeResult::Allowed))
            .collect();
        event(&mut a, OnboardingEvent::Preflight(preflight::report(&all)));
        a
    });
    both("preflight_denied", |l| {
        let mut a = at_preflight(l);
        event(
            &mut a,
            OnboardingEvent::Saved(Err("cannot write config.toml".into())),
        );
        let results = vec![
            (
                "clb:DescribeLoadBalancers".to_string(),
                ProbeResult::Denied {
                    code: "UnauthorizedOperation".into(),
                    message: "no".into(),
                },
            ),
            ("cvm:DescribeInstances".to_string(), ProbeResult::Allowed),
        ];
        event(
            &mut a,
            OnboardingEvent::Preflight(preflight::report(&results)),
        );
        a
    });
    // ⏎ connects to the account that was checked
    let mut a = at_preflight(Lang::En);
    event(&mut a, OnboardingEvent::Preflight(preflight::report(&[])));
    key(&mut a, KeyCode::Enter);
    match a.onboarding.outcome.clone() {
        Some(Outcome::Account {
            region, credential, ..
        }) => {
            assert_eq!(region, "ap-shanghai");
            assert_eq!(
                credential.secret_id.expose(),
                "AKIDprod000000000000000000abcd"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn sandbox_is_one_key_away_and_language_switches_everywhere() {
    let mut a = app(Lang::En, vec![]);
    key(&mut a, KeyCode::Char('s'));
    assert!(a.want_sandbox);
    let mut a = app(Lang::En, sources());
    key(&mut a, KeyCode::Char('L'));
    assert_eq!(a.lang, Lang::Zh);
    // but not while typing a key
    let mut a = keys_typed(Lang::En);
    key(&mut a, KeyCode::Char('L'));
    assert_eq!(a.lang, Lang::En);
    assert!(a.onboarding.secret_key.value.ends_with('L'));
}

/// The overview of a session in the sandbox, with the onboarding state the
/// loop builds at start.
fn overview(lang: Lang) -> App {
    let ctx = tcscale::tui::app::Context {
        region: "ap-guangzhou".into(),
        sandbox: true,
        credential_source: "sandbox".into(),
        journal_path: Some("/tmp/runs/run-old.json".into()),
        ..Default::default()
    };
    let mut a = App::new(lang, ctx, Screen::Overview);
    a.arch = tcscale::tui::state::Load::Ready(Default::default());
    a.onboarding = app(lang, sources()).onboarding;
    a
}

#[test]
fn onboarding_opens_from_the_overview_and_esc_comes_back() {
    let mut a = overview(Lang::En);
    let footer = render(&a, 100, 30);
    assert!(footer.contains("o account"), "{footer}");
    key(&mut a, KeyCode::Char('o'));
    assert_eq!(a.screen, Screen::Onboarding);
    let text = render(&a, 100, 30);
    assert!(
        text.contains("In use now: sandbox · ap-guangzhou"),
        "{text}"
    );
    assert!(text.contains("esc back"), "{text}");
    // Esc from a sub-page goes to the sources page, then to the overview.
    key(&mut a, KeyCode::Char('e'));
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.screen, Screen::Onboarding);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.screen, Screen::Overview);
    // Opened again, it starts over on the sources page.
    a.onboarding.page = Page::Preflight;
    key(&mut a, KeyCode::Char('o'));
    assert_eq!(a.onboarding.page, Page::Sources);
}

#[test]
fn onboarding_from_the_overview_waits_for_running_work() {
    let mut a = overview(Lang::En);
    a.in_flight = 1;
    key(&mut a, KeyCode::Char('o'));
    assert_eq!(a.screen, Screen::Overview);
    let notice = a.notice.clone().expect("a notice").1;
    assert!(notice.contains("still running"), "{notice}");
}

#[test]
fn a_new_account_replaces_the_old_ones_state_and_discovers_again() {
    use tcscale::tui::jobs::Job;
    use tcscale::tui::state::{Flow, Load};
    let mut a = overview(Lang::En);
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('b'),
        KeyModifiers::NONE,
    )));
    assert_eq!(a.screen, Screen::Browse);
    assert_eq!(
        a.browse.take_jobs().len(),
        1,
        "the browser loaded the old account"
    );
    key(&mut a, KeyCode::Esc);
    a.flow = Some(Flow::Business);
    key(&mut a, KeyCode::Char('o'));
    let new = tcscale::tui::app::Context {
        region: "ap-shanghai".into(),
        credential_source: "tccli profile prod".into(),
        journal_path: Some("/tmp/runs/run-new.json".into()),
        ..Default::default()
    };
    let jobs = a.switch_account(new.clone());
    assert_eq!(jobs, vec![Job::Discover]);
    assert_eq!(
        a.ctx, new,
        "header, journal and audit log are the new account's"
    );
    assert_eq!(a.screen, Screen::Overview);
    assert!(a.back.is_empty());
    assert!(matches!(a.arch, Load::Loading));
    assert_eq!(a.flow, None);
    assert_eq!(
        a.browse.phase,
        tcscale::tui::screens::browse::Phase::Idle,
        "the browser reloads on entry"
    );
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('b'),
        KeyModifiers::NONE,
    )));
    assert_eq!(a.browse.take_jobs().len(), 1);
}

#[test]
fn reopened_from_the_overview() {
    both("reopened", |lang| {
        let mut a = overview(lang);
        key(&mut a, KeyCode::Char('o'));
        a
    });
}

fn network_failure(lang: Lang) -> App {
    let mut a = keys_typed(lang);
    key(&mut a, KeyCode::Enter);
    event(
        &mut a,
        OnboardingEvent::Validated(Err(Failure(CloudError::Network {
            service: Service::Cvm,
            action: "DescribeRegions".into(),
            message: "connection refused".into(),
            timed_out: false,
            before_send: true,
        }))),
    );
    a
}

/// Inside the box every line starts indented (wrapped lines too) and ends
/// at the right border (nothing overflows it), in both languages.
fn assert_wrapped_inside(text: &str, what: &str) {
    let body: Vec<&str> = text
        .lines()
        .skip(1)
        .filter(|l| l.starts_with('│'))
        .collect();
    assert!(body.len() > 3, "{what}\n{text}");
    for l in body {
        let mut chars = l.chars();
        chars.next();
        assert_eq!(chars.next(), Some(' '), "{what}: wraps to column 0\n{text}");
        assert!(l.ends_with('│'), "{what}: overflows the border\n{text}");
        assert!(
            l.ends_with(" │") || l.ends_with("  │"),
            "{what}: no margin before the border\n{text}"
        );
    }
}

#[test]
fn long_paragraphs_keep_their_indent_at_80_and_120_columns() {
    for lang in [Lang::En, Lang::Zh] {
        for (w, h) in [(80, 24), (120, 40)] {
            let nothing = app(lang, vec![]);
            assert_wrapped_inside(&render(&nothing, w, h), &format!("nothing {w}"));
            let failed = network_failure(lang);
            let text = render(&failed, w, h);
            assert_wrapped_inside(&text, &format!("network {w}"));
            if w == 80 {
                insta::assert_snapshot!(format!("onboarding_network_80_{}", lang_name(lang)), text);
            }
        }
    }
}

/// Opened from the overview in the sandbox, the account in use is named
/// in the language on screen, before and after L.
#[test]
fn the_account_in_use_follows_the_language() {
    use tcscale::tui::screens::onboarding::CurrentAccount;
    let now = CurrentAccount {
        sandbox: true,
        source: "沙盒".into(),
        region: "ap-guangzhou".into(),
    };
    assert_eq!(now.text(Lang::En), "sandbox · ap-guangzhou");
    assert_eq!(now.text(Lang::Zh), "沙盒 · ap-guangzhou");
    let real = CurrentAccount {
        sandbox: false,
        source: "profile default".into(),
        region: "ap-shanghai".into(),
    };
    assert_eq!(real.text(Lang::Zh), "profile default · ap-shanghai");
}
