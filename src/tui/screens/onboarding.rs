//! First-time onboarding: which credentials were found (masked) and which
//! one is used; pick among tccli profiles; or type a SecretId/SecretKey
//! (masked as typed, optional token); validated with a real read-only call
//! (DescribeRegions, which also gives the region list) before anything is
//! saved; a failure is explained and what was typed is kept. Saving to the
//! config file is a question, never silent. Then the permission preflight
//! per guide step. Or the sandbox, one key away.
//!
//! Pages: Sources → (Keys) → Region → Save → Preflight → the wizard.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph};

use crate::cloud::config_file::TcscaleConfig;
use crate::cloud::credentials::{
    detect_all, mask, resolve, CredentialEnv, CredentialSource, ExplicitCredentials, DEFAULT_REGION,
};
use crate::cloud::{Client, ClientConfig, CloudError, Credential, RetryPolicy};
use crate::i18n::{t, tf, Lang, Text};
use crate::scaleout::preflight::{self, StepReport};
use crate::tui::app::App;
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::{fit, spinner, theme, wrap};

/// Regions offered when DescribeRegions cannot be asked (id, zh name, en name).
pub const BUILTIN_REGIONS: &[(&str, &str, &str)] = &[
    ("ap-guangzhou", "华南地区(广州)", "South China (Guangzhou)"),
    ("ap-shanghai", "华东地区(上海)", "East China (Shanghai)"),
    ("ap-nanjing", "华东地区(南京)", "East China (Nanjing)"),
    ("ap-beijing", "华北地区(北京)", "North China (Beijing)"),
    ("ap-chengdu", "西南地区(成都)", "Southwest China (Chengdu)"),
    (
        "ap-chongqing",
        "西南地区(重庆)",
        "Southwest China (Chongqing)",
    ),
    ("ap-hongkong", "港澳台地区(中国香港)", "Hong Kong, China"),
    (
        "ap-singapore",
        "亚太东南(新加坡)",
        "Southeast Asia (Singapore)",
    ),
    ("ap-jakarta", "亚太东南(雅加达)", "Southeast Asia (Jakarta)"),
    ("ap-bangkok", "亚太东南(曼谷)", "Southeast Asia (Bangkok)"),
    ("ap-tokyo", "亚太东北(东京)", "Northeast Asia (Tokyo)"),
    ("ap-seoul", "亚太东北(首尔)", "Northeast Asia (Seoul)"),
    ("ap-mumbai", "亚太南部(孟买)", "South Asia (Mumbai)"),
    (
        "na-siliconvalley",
        "美国西部(硅谷)",
        "US West (Silicon Valley)",
    ),
    ("na-ashburn", "美国东部(弗吉尼亚)", "US East (Virginia)"),
    ("eu-frankfurt", "欧洲地区(法兰克福)", "Europe (Frankfurt)"),
    (
        "sa-saopaulo",
        "南美地区(圣保罗)",
        "South America (São Paulo)",
    ),
];

/// One place credentials were found in, as the screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceView {
    pub source: CredentialSource,
    pub credential: Option<Credential>,
    pub region: Option<String>,
    /// Why the place cannot be used, in both languages (en, zh).
    pub problem: Option<(String, String)>,
    /// The chain would use this one.
    pub in_use: bool,
}

impl SourceView {
    pub fn label(&self, lang: Lang) -> String {
        let id = self
            .credential
            .as_ref()
            .map(|c| mask(c.secret_id.expose()))
            .unwrap_or_default();
        format!("{}  {id}", self.source.describe(lang))
    }
}

/// Every source of the chain (using the client's detection), and which one it would use.
pub fn detect(explicit: &ExplicitCredentials, env: &CredentialEnv) -> Vec<SourceView> {
    let used = resolve(explicit, env).ok().map(|r| r.source);
    detect_all(explicit, env)
        .into_iter()
        .map(|d| SourceView {
            in_use: used.as_ref() == Some(&d.source),
            problem: d
                .problem
                .as_ref()
                .map(|p| (p.message(Lang::En), p.message(Lang::Zh))),
            source: d.source,
            credential: d.credential,
            region: d.region,
        })
        .collect()
}

/// The UI language at start, as `--help` says: `--lang`, else a language
/// `LC_ALL`/`LANG` names explicitly (`env`), else the saved choice, else English.
pub fn startup_lang(flag: Option<&str>, config: Option<&TcscaleConfig>, env: Option<Lang>) -> Lang {
    flag.and_then(Lang::parse)
        .or(env)
        .or_else(|| config.and_then(TcscaleConfig::lang))
        .unwrap_or(Lang::En)
}

/// Saves the language choice to the config file (keeping everything else).
pub fn save_language(path: &std::path::Path, lang: Lang) -> Result<(), String> {
    let mut cfg = TcscaleConfig::load(path)
        .map_err(|e| e.message(lang))?
        .unwrap_or_default();
    cfg.lang = Some(lang.code().to_string());
    cfg.save(path).map_err(|e| e.message(lang))
}

/// A failed call, comparable (events are compared in tests).
#[derive(Debug, Clone)]
pub struct Failure(pub CloudError);

impl PartialEq for Failure {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}

/// What to connect to when onboarding is done.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Sandbox,
    Account {
        credential: Credential,
        region: String,
        /// Where the credential came from, for the header.
        source: CredentialSource,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum OnboardingJob {
    /// DescribeRegions with these keys: proves they work and lists regions.
    Validate {
        credential: Credential,
        region: String,
        endpoint: Option<String>,
    },
    Preflight {
        credential: Credential,
        region: String,
        endpoint: Option<String>,
    },
    Save {
        path: PathBuf,
        config: Box<SaveWhat>,
    },
}

/// What the user agreed to save.
#[derive(Debug, Clone, PartialEq)]
pub struct SaveWhat {
    pub credential: Option<Credential>,
    pub profile: Option<String>,
    pub region: String,
    pub lang: Lang,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OnboardingEvent {
    /// The keys work: the regions (id, name), `fallback` when DescribeRegions itself was refused.
    Validated(Result<(Vec<(String, String)>, bool), Failure>),
    Preflight(Vec<StepReport>),
    Saved(Result<(), String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Page {
    #[default]
    Sources,
    Keys,
    Region,
    Save,
    Preflight,
}

/// The account in use, said in the language on screen: the sandbox by its
/// name in that language, a real account by where its keys came from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CurrentAccount {
    pub sandbox: bool,
    /// Where the keys came from (a real account), as described at sign-in.
    pub source: String,
    pub region: String,
}

impl CurrentAccount {
    pub fn text(&self, lang: Lang) -> String {
        let source = if self.sandbox {
            t(lang, "common.sandbox")
        } else {
            self.source.clone()
        };
        format!("{source} · {}", self.region)
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct OnboardingState {
    pub page: Page,
    pub sources: Vec<SourceView>,
    /// Sources page: a usable source, then "enter keys", then "sandbox".
    pub cursor: usize,
    pub secret_id: TextInput,
    pub secret_key: TextInput,
    pub token: TextInput,
    /// Keys page: 0 id, 1 key, 2 token.
    pub focus: usize,
    pub validating: bool,
    pub error: Option<Failure>,
    /// The credential being tried, where it came from, its region.
    pub candidate: Option<(Credential, CredentialSource, String)>,
    pub regions: Vec<(String, String)>,
    pub regions_fallback: bool,
    pub region_cursor: usize,
    pub config_path: Option<PathBuf>,
    pub saved: Option<Result<(), String>>,
    pub preflight: Option<Vec<StepReport>>,
    /// `--endpoint` (the simulator, a proxy) for validation calls.
    pub endpoint: Option<String>,
    /// Why onboarding is shown (from the chain), already translated.
    pub reason: Option<String>,
    pub clock: u64,
    pub outcome: Option<Outcome>,
    /// The account in use when opened from the overview.
    pub current: Option<CurrentAccount>,
    outbox: Vec<OnboardingJob>,
}

/// What a key did, for the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    Handled,
    Back,
}

impl OnboardingState {
    pub fn new(
        sources: Vec<SourceView>,
        config_path: Option<PathBuf>,
        endpoint: Option<String>,
    ) -> Self {
        // Nothing usable found: the sandbox is the quickest way to see tcscale work.
        let cursor = match sources.iter().filter(|s| s.credential.is_some()).count() {
            0 => 1,
            _ => 0,
        };
        OnboardingState {
            sources,
            config_path,
            endpoint,
            cursor,
            ..Default::default()
        }
    }

    /// Opens again from the overview, on the sources page, with `current`
    /// (the account in use) said at the top. Typed keys are kept.
    pub fn reopen(&mut self, current: CurrentAccount) {
        self.page = Page::Sources;
        self.error = None;
        self.validating = false;
        self.outcome = None;
        self.preflight = None;
        self.saved = None;
        self.reason = None;
        self.current = Some(current);
    }

    pub fn take_jobs(&mut self) -> Vec<OnboardingJob> {
        std::mem::take(&mut self.outbox)
    }

    pub fn typing(&self) -> bool {
        self.page == Page::Keys
    }

    /// Sources that hold a credential (rows of the sources page).
    pub fn usable(&self) -> Vec<&SourceView> {
        self.sources
            .iter()
            .filter(|s| s.credential.is_some())
            .collect()
    }

    fn rows(&self) -> usize {
        self.usable().len() + 2
    }

    fn validate(&mut self, credential: Credential, source: CredentialSource, region: String) {
        self.validating = true;
        self.error = None;
        self.outbox.push(OnboardingJob::Validate {
            credential: credential.clone(),
            region: region.clone(),
            endpoint: self.endpoint.clone(),
        });
        self.candidate = Some((credential, source, region));
    }

    pub fn on_key(&mut self, key: KeyEvent, lang: Lang) -> KeyOutcome {
        if self.validating {
            return KeyOutcome::Handled;
        }
        match self.page {
            Page::Sources => {
                let n = self.rows();
                match key.code {
                    KeyCode::Up | KeyCode::Char('k') => self.cursor = self.cursor.saturating_sub(1),
                    KeyCode::Down | KeyCode::Char('j') => {
                        self.cursor = (self.cursor + 1).min(n - 1)
                    }
                    KeyCode::Char('s') => self.outcome = Some(Outcome::Sandbox),
                    KeyCode::Char('e') => self.page = Page::Keys,
                    KeyCode::Enter => {
                        let usable = self.usable().len();
                        if self.cursor < usable {
                            let s = self.usable()[self.cursor].clone();
                            let region = s.region.clone().unwrap_or_else(|| DEFAULT_REGION.into());
                            if let Some(c) = s.credential {
                                self.validate(c, s.source, region);
                            }
                        } else if self.cursor == usable {
                            self.page = Page::Keys;
                            self.error = None;
                        } else {
                            self.outcome = Some(Outcome::Sandbox);
                        }
                    }
                    KeyCode::Esc => return KeyOutcome::Back,
                    _ => {}
                }
            }
            Page::Keys => match key.code {
                KeyCode::Esc => {
                    self.page = Page::Sources;
                    self.error = None;
                }
                KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1) % 3,
                KeyCode::BackTab | KeyCode::Up => self.focus = (self.focus + 2) % 3,
                KeyCode::Enter => {
                    let id = self.secret_id.value.trim().to_string();
                    let k = self.secret_key.value.trim().to_string();
                    self.secret_id.error = id
                        .is_empty()
                        .then(|| Text::new("onboarding.keys.id_missing", &[]));
                    self.secret_key.error = k
                        .is_empty()
                        .then(|| Text::new("onboarding.keys.key_missing", &[]));
                    if id.is_empty() {
                        self.focus = 0;
                    } else if k.is_empty() {
                        self.focus = 1;
                    } else if self.focus < 1 {
                        self.focus += 1;
                    } else {
                        let token = self.token.value.trim().to_string();
                        let c = Credential::new(&id, &k, Some(&token));
                        self.validate(c, CredentialSource::Flags, DEFAULT_REGION.into());
                    }
                }
                _ => {
                    let field = match self.focus {
                        0 => &mut self.secret_id,
                        1 => &mut self.secret_key,
                        _ => &mut self.token,
                    };
                    if field.handle(key) {
                        field.error = None;
                    }
                }
            },
            Page::Region => match key.code {
                KeyCode::Up | KeyCode::Char('k') => {
                    self.region_cursor = self.region_cursor.saturating_sub(1)
                }
                KeyCode::Down | KeyCode::Char('j') => {
                    self.region_cursor =
                        (self.region_cursor + 1).min(self.regions.len().saturating_sub(1))
                }
                KeyCode::Enter => {
                    if let (Some((_, _, region)), Some((id, _))) =
                        (&mut self.candidate, self.regions.get(self.region_cursor))
                    {
                        *region = id.clone();
                        self.page = Page::Save;
                    }
                }
                KeyCode::Esc => self.page = Page::Sources,
                _ => {}
            },
            Page::Save => match key.code {
                KeyCode::Char('y') => {
                    if let (Some(path), Some((cred, source, region))) =
                        (self.config_path.clone(), self.candidate.clone())
                    {
                        let (credential, profile) = match &source {
                            CredentialSource::TccliProfile { name, .. } => {
                                (None, Some(name.clone()))
                            }
                            CredentialSource::Flags => (Some(cred), None),
                            _ => (None, None),
                        };
                        self.outbox.push(OnboardingJob::Save {
                            path,
                            config: Box::new(SaveWhat {
                                credential,
                                profile,
                                region,
                                lang,
                            }),
                        });
                    }
                    self.start_preflight();
                }
                KeyCode::Char('n') => {
                    self.saved = None;
                    self.start_preflight();
                }
                KeyCode::Esc => self.page = Page::Region,
                _ => {}
            },
            Page::Preflight => match key.code {
                KeyCode::Enter if self.preflight.is_some() => {
                    if let Some((credential, source, region)) = self.candidate.clone() {
                        self.outcome = Some(Outcome::Account {
                            credential,
                            region,
                            source,
                        });
                    }
                }
                KeyCode::Esc => self.page = Page::Save,
                _ => {}
            },
        }
        KeyOutcome::Handled
    }

    fn start_preflight(&mut self) {
        self.page = Page::Preflight;
        self.preflight = None;
        if let Some((credential, _, region)) = self.candidate.clone() {
            self.outbox.push(OnboardingJob::Preflight {
                credential,
                region,
                endpoint: self.endpoint.clone(),
            });
        }
    }

    pub fn on_event(&mut self, ev: OnboardingEvent) {
        match ev {
            OnboardingEvent::Validated(Ok((regions, fallback))) => {
                self.validating = false;
                self.error = None;
                let want = self
                    .candidate
                    .as_ref()
                    .map(|c| c.2.clone())
                    .unwrap_or_default();
                self.region_cursor = regions.iter().position(|(r, _)| *r == want).unwrap_or(0);
                self.regions = regions;
                self.regions_fallback = fallback;
                self.page = Page::Region;
            }
            OnboardingEvent::Validated(Err(e)) => {
                self.validating = false;
                self.error = Some(e);
            }
            OnboardingEvent::Preflight(r) => self.preflight = Some(r),
            OnboardingEvent::Saved(r) => self.saved = Some(r),
        }
    }

    /// The keys of the current page, for the footer and help.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        match self.page {
            Page::Sources => vec![
                ("↑↓", "onboarding.key.move"),
                ("⏎", "onboarding.key.choose"),
                ("e", "onboarding.key.enter_keys"),
                ("s", "onboarding.key.sandbox"),
            ],
            Page::Keys => vec![
                ("tab", "onboarding.key.next_field"),
                ("⏎", "onboarding.key.validate"),
                ("esc", "wizard.key.back"),
            ],
            Page::Region => vec![
                ("↑↓", "onboarding.key.move"),
                ("⏎", "onboarding.key.choose"),
                ("esc", "wizard.key.back"),
            ],
            Page::Save => vec![
                ("y", "onboarding.key.save"),
                ("n", "onboarding.key.no_save"),
                ("esc", "wizard.key.back"),
            ],
            Page::Preflight => vec![("⏎", "onboarding.key.continue"), ("esc", "wizard.key.back")],
        }
    }
}

/// The regions of a DescribeRegions answer, available ones, sorted by id.
/// The built-in list in the user's language.
pub fn builtin_regions(lang: Lang) -> Vec<(String, String)> {
    BUILTIN_REGIONS
        .iter()
        .map(|(id, zh, en)| {
            (
                id.to_string(),
                if lang == Lang::Zh { zh } else { en }.to_string(),
            )
        })
        .collect()
}

fn client(
    credential: Credential,
    region: &str,
    endpoint: Option<String>,
    lang: Lang,
) -> Result<Client, CloudError> {
    // One attempt: a wrong key must be reported now, not after backoff.
    let cfg = ClientConfig::new(credential, region)
        .with_endpoint(endpoint)
        .with_retry(RetryPolicy::none())
        .with_timeouts(
            std::time::Duration::from_secs(5),
            std::time::Duration::from_secs(15),
        )
        .with_language(Some(lang.code().to_string()));
    Client::new(cfg)
}

/// Proves the keys work with a read-only call and lists the regions. A
/// refused DescribeRegions (CAM) still proves the keys: the built-in list is used.
pub async fn validate(
    credential: Credential,
    region: &str,
    endpoint: Option<String>,
    lang: Lang,
) -> Result<(Vec<(String, String)>, bool), CloudError> {
    let c = client(credential, region, endpoint, lang)?;
    match crate::scaleout::account::regions(&c).await? {
        Some(v) if !v.is_empty() => Ok((v, false)),
        _ => Ok((builtin_regions(lang), true)),
    }
}

/// Runs one job; results come back through `send`.
pub async fn run_job(job: OnboardingJob, lang: Lang, send: impl Fn(OnboardingEvent) + Send + Sync) {
    match job {
        OnboardingJob::Validate {
            credential,
            region,
            endpoint,
        } => send(OnboardingEvent::Validated(
            validate(credential, &region, endpoint, lang)
                .await
                .map_err(Failure),
        )),
        OnboardingJob::Preflight {
            credential,
            region,
            endpoint,
        } => {
            let reports = match client(credential, &region, endpoint, lang) {
                Ok(c) => preflight::run(&c, lang).await,
                Err(_) => preflight::report(&[]),
            };
            send(OnboardingEvent::Preflight(reports))
        }
        OnboardingJob::Save { path, config } => {
            let r = (|| {
                let mut cfg = TcscaleConfig::load(&path)
                    .map_err(|e| e.message(lang))?
                    .unwrap_or_default();
                if let Some(c) = &config.credential {
                    cfg.set_credential(c);
                }
                if config.profile.is_some() {
                    cfg.profile = config.profile.clone();
                }
                cfg.region = Some(config.region.clone());
                cfg.lang = Some(config.lang.code().to_string());
                cfg.save(&path).map_err(|e| e.message(lang))
            })();
            send(OnboardingEvent::Saved(r))
        }
    }
}

/// `s` padded to `width` display columns (CJK counts double).
fn pad(s: &str, width: usize) -> String {
    let w = Span::raw(s).width();
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

fn masked(input: &TextInput) -> TextInput {
    TextInput {
        value: "•".repeat(input.value.chars().count()),
        cursor: input.cursor,
        error: input.error.clone(),
    }
}

fn error_lines(e: &Failure, lang: Lang) -> Vec<Line<'static>> {
    let x = e.0.explain(lang);
    let mut out = vec![Line::styled(format!(" ✗ {}", x.summary), theme::bad())];
    if let Some(code) = e.0.code() {
        out.push(Line::styled(
            format!("   {code}: {}", e.0.message().unwrap_or_default()),
            theme::label(),
        ));
    }
    out.push(Line::raw(format!("   → {}", x.fix)));
    if preflight::is_permission_denied(&e.0) {
        out.push(Line::raw(format!(
            "   {}",
            tf(
                lang,
                "onboarding.error.policy",
                &[("actions", &preflight::all_actions().join(", "))]
            )
        )));
    }
    out
}

fn sources_page(s: &OnboardingState, lang: Lang, width: usize) -> Vec<Line<'static>> {
    let intro = match &s.current {
        Some(now) => tf(
            lang,
            "onboarding.sources.current",
            &[("now", &now.text(lang))],
        ),
        None => t(lang, "onboarding.welcome"),
    };
    let mut lines = vec![Line::styled(format!(" {intro}"), theme::title())];
    lines.push(Line::raw(""));
    if s.sources.is_empty() {
        lines.push(Line::raw(format!(
            " {}",
            t(lang, "onboarding.sources.none")
        )));
    } else {
        lines.push(Line::styled(
            format!(" {}", t(lang, "onboarding.sources.found")),
            theme::label(),
        ));
    }
    let usable = s.usable();
    let mut row = 0;
    for src in &s.sources {
        match (&src.credential, &src.problem) {
            (Some(_), _) => {
                let sel = row == s.cursor;
                let mark = if sel { "▶" } else { " " };
                let mut text = format!(" {mark} {}", src.label(lang));
                if let Some(r) = &src.region {
                    text.push_str(&format!("  {r}"));
                }
                if src.in_use {
                    text.push_str(&format!("  ({})", t(lang, "onboarding.sources.in_use")));
                }
                let line = Line::raw(fit(&text, width));
                lines.push(if sel {
                    line.style(theme::selected())
                } else {
                    line
                });
                row += 1;
            }
            (None, Some((en, zh))) => {
                let why = if lang == Lang::Zh { zh } else { en };
                lines.push(Line::styled(
                    format!("   ✗ {}: {why}", src.source.describe(lang)),
                    theme::greyed(),
                ));
            }
            (None, None) => {}
        }
    }
    if usable.len() > 1 {
        lines.push(Line::styled(
            format!("   {}", t(lang, "onboarding.sources.pick")),
            theme::label(),
        ));
    }
    lines.push(Line::raw(""));
    for (i, key) in ["onboarding.choice.enter_keys", "onboarding.choice.sandbox"]
        .iter()
        .enumerate()
    {
        let sel = s.cursor == usable.len() + i;
        let line = Line::raw(format!(" {} {}", if sel { "▶" } else { " " }, t(lang, key)));
        lines.push(if sel {
            line.style(theme::selected())
        } else {
            line
        });
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!(" {}", t(lang, "onboarding.sandbox_hint")),
        theme::label(),
    ));
    if let Some(r) = s.reason.as_ref().filter(|_| !s.sources.is_empty()) {
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!(" {r}"), theme::greyed()));
    }
    lines
}

fn keys_page(s: &OnboardingState, lang: Lang) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::styled(
            format!(" {}", t(lang, "onboarding.keys.intro")),
            theme::label(),
        ),
        Line::raw(""),
    ];
    let label = |k: &str| format!(" {}", pad(&t(lang, k), 16));
    lines.extend(
        s.secret_id
            .lines(lang, &label("onboarding.keys.secret_id"), s.focus == 0),
    );
    lines.extend(masked(&s.secret_key).lines(
        lang,
        &label("onboarding.keys.secret_key"),
        s.focus == 1,
    ));
    lines.extend(masked(&s.token).lines(lang, &label("onboarding.keys.token"), s.focus == 2));
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!(" {}", t(lang, "onboarding.keys.where")),
        theme::label(),
    ));
    lines
}

fn region_page(s: &OnboardingState, lang: Lang, height: usize) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        format!(" ✓ {}", t(lang, "onboarding.region.valid")),
        theme::good(),
    )];
    if s.regions_fallback {
        lines.push(Line::styled(
            format!(" {}", t(lang, "onboarding.region.fallback")),
            theme::warn(),
        ));
    }
    lines.push(Line::raw(format!(" {}", t(lang, "onboarding.region.pick"))));
    let visible = height.saturating_sub(lines.len() + 1).max(1);
    let first = crate::tui::widgets::table::offset(s.region_cursor, visible);
    for (i, (id, name)) in s.regions.iter().enumerate().skip(first).take(visible) {
        let sel = i == s.region_cursor;
        let line = Line::raw(format!(" {} {id:<18} {name}", if sel { "▶" } else { " " }));
        lines.push(if sel {
            line.style(theme::selected())
        } else {
            line
        });
    }
    lines
}

fn save_page(s: &OnboardingState, lang: Lang) -> Vec<Line<'static>> {
    let path = s
        .config_path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "?".into());
    let mut lines = vec![];
    if let Some((c, source, region)) = &s.candidate {
        lines.push(Line::raw(format!(
            " {}",
            tf(
                lang,
                "onboarding.save.using",
                &[("id", &mask(c.secret_id.expose())), ("region", region)]
            )
        )));
        let what = match source {
            CredentialSource::Flags => t(lang, "onboarding.save.keys"),
            CredentialSource::TccliProfile { name, .. } => {
                tf(lang, "onboarding.save.profile", &[("name", name)])
            }
            _ => t(lang, "onboarding.save.region_only"),
        };
        lines.push(Line::raw(""));
        lines.push(Line::raw(format!(
            " {}",
            tf(lang, "onboarding.save.question", &[("path", &path)])
        )));
        lines.push(Line::styled(format!("   {what}"), theme::label()));
        lines.push(Line::styled(
            format!("   {}", t(lang, "onboarding.save.mode")),
            theme::label(),
        ));
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled(" y ", theme::key()),
            Span::raw(t(lang, "onboarding.key.save")),
            Span::styled("   n ", theme::key()),
            Span::raw(t(lang, "onboarding.save.no")),
        ]));
    }
    lines
}

fn preflight_page(s: &OnboardingState, lang: Lang, width: usize) -> Vec<Line<'static>> {
    let mut lines = vec![];
    match &s.saved {
        Some(Ok(())) => lines.push(Line::styled(
            format!(
                " ✓ {}",
                tf(
                    lang,
                    "onboarding.saved",
                    &[(
                        "path",
                        &s.config_path
                            .as_ref()
                            .map(|p| p.display().to_string())
                            .unwrap_or_default()
                    )]
                )
            ),
            theme::good(),
        )),
        Some(Err(e)) => lines.push(Line::styled(format!(" ✗ {e}"), theme::bad())),
        None => lines.push(Line::styled(
            format!(" {}", t(lang, "onboarding.not_saved")),
            theme::label(),
        )),
    }
    lines.push(Line::raw(""));
    match &s.preflight {
        None => lines.push(Line::raw(format!(
            " {} {}",
            spinner(s.clock),
            t(lang, "onboarding.preflight.running")
        ))),
        Some(reports) => {
            lines.push(Line::styled(
                format!(" {}", t(lang, "onboarding.preflight.title")),
                theme::label(),
            ));
            for r in reports {
                let (mark, style) = if !r.denied.is_empty() {
                    ("✗", theme::bad())
                } else if !r.unknown.is_empty() {
                    ("?", theme::warn())
                } else {
                    ("✓", theme::good())
                };
                lines.push(Line::from(vec![
                    Span::styled(format!(" {mark} "), style),
                    Span::raw(pad(&fit(&r.step.title(lang), 22), 23)),
                    Span::styled(fit(&r.summary(lang), width.saturating_sub(26)), style),
                ]));
            }
            // The way on comes before the (long) policy, which a short
            // terminal may cut.
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                format!(" {}", t(lang, "onboarding.preflight.next")),
                theme::key(),
            ));
            if reports.iter().any(|r| !r.denied.is_empty()) {
                lines.push(Line::raw(""));
                lines.push(Line::raw(format!(
                    " {}",
                    t(lang, "onboarding.preflight.policy")
                )));
                lines.push(Line::styled(
                    format!("   {}", preflight::all_actions().join(", ")),
                    theme::label(),
                ));
            }
        }
    }
    lines
}

/// The onboarding screen.
pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let s = &app.onboarding;
    let lang = app.lang;
    // Inside the borders, one column kept free before the right one.
    let width = area.width.saturating_sub(3) as usize;
    let mut lines = match s.page {
        Page::Sources => sources_page(s, lang, width),
        Page::Keys => keys_page(s, lang),
        Page::Region => region_page(s, lang, area.height.saturating_sub(2) as usize),
        Page::Save => save_page(s, lang),
        Page::Preflight => preflight_page(s, lang, width),
    };
    if s.validating {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!(" {} {}", spinner(s.clock), t(lang, "onboarding.validating")),
            theme::warn(),
        ));
    }
    if let Some(e) = &s.error {
        lines.push(Line::raw(""));
        lines.extend(error_lines(e, lang));
    }
    let title = match (s.page, &s.current) {
        (Page::Sources, Some(_)) => t(lang, "onboarding.page.account"),
        (page, _) => t(lang, &format!("onboarding.page.{page:?}").to_lowercase()),
    };
    // Wrapped here, not by the Paragraph: continuations keep their line's
    // indent, and a column stays free before the right border.
    let lines = wrap::indented(lines, width);
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(format!(" {title} "))),
        area,
    );
}
