//! The terminal wizard: state + update ([`app`]), one file per screen
//! ([`screens`]), shared widgets ([`widgets`]), the terminal's setup and
//! restore ([`terminal`]), events ([`event`]) and async jobs ([`jobs`],
//! performed by the scale-out engine in [`work`]).
//!
//! The loop: draw → wait for the next message (key, mouse, tick, job
//! result) → `app.update(msg)` → spawn the jobs it returns. It never awaits
//! the network itself.

pub mod app;
pub mod event;
pub mod jobs;
pub mod plan_preview;
pub mod recovery;
pub mod rules;
pub use crate::sim::sandbox;
pub mod screens;
pub mod state;
pub mod terminal;
pub mod ui;
pub mod widgets;
pub mod work;

use std::time::Duration;

use crate::cloud::credentials::{resolve, CredentialEnv, Resolved};
use crate::cloud::{Client, ClientConfig};
use crate::front::session::explicit_credentials;
use crate::front::GlobalOpts;
use crate::i18n::{t, Lang};
use crate::scaleout::runner::record::{runs_dir, RunRecord};
use crate::scaleout::runner::{Engine, PollPolicy};
use app::{App, Context};
use state::{CheckLevel, Screen};

/// Where the wizard gets its cloud from.
pub enum Account {
    /// Credentials from the chain (flags, env, tccli profile, config file).
    Real(Box<Resolved>),
    /// The built-in simulator, started in-process.
    Sandbox,
    /// Nothing found: the onboarding screen decides (sandbox, or credentials).
    None(String),
}

/// The first screen: the overview when there is an account to look at,
/// else onboarding (which offers the sandbox).
pub fn first_screen(account: &Account) -> Screen {
    match account {
        Account::None(_) => Screen::Onboarding,
        _ => Screen::Overview,
    }
}

/// Which account `tcscale` (no subcommand) uses.
pub fn choose_account(g: &GlobalOpts, lang: Lang) -> Account {
    if g.sandbox {
        return Account::Sandbox;
    }
    match resolve(&explicit_credentials(g), &CredentialEnv::from_process()) {
        Ok(r) => Account::Real(Box::new(r)),
        Err(e) => Account::None(e.message(lang)),
    }
}

/// Everything the loop needs to run jobs against one account.
pub struct Session {
    pub engine: Engine,
    pub ctx: Context,
    /// Keeps the in-process simulator alive in sandbox mode.
    pub sandbox: Option<sandbox::Sandbox>,
}

/// The session's engine and its journal's path; `world` is the sandbox's.
fn engine_for(
    client: Client,
    lang: Lang,
    speed: f64,
    journal: bool,
    world: Option<&str>,
) -> (Engine, Option<String>) {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let dir = journal.then(runs_dir);
    let record = RunRecord::interactive(client.region(), dir.as_deref()).in_world(world);
    let path = record.path.as_ref().map(|p| p.display().to_string());
    let mut engine = Engine::new(client, tx, PollPolicy::with_speed(speed), lang, record)
        .in_world(world.map(str::to_string));
    // The calls go to the audit file of the wizard's current run, which
    // changes when the user starts another one.
    let record = engine.record.clone();
    engine.client = engine.client.auditing_run(std::sync::Arc::new(move || {
        let r = record.lock().unwrap_or_else(|p| p.into_inner());
        r.path.is_some().then(|| r.id().to_string())
    }));
    (engine, path)
}

/// Connects to a real account.
pub fn real_session(g: &GlobalOpts, r: &Resolved, lang: Lang) -> Result<Session, String> {
    let mut cfg =
        ClientConfig::new(r.credential.clone(), &r.region).with_endpoint(g.endpoint.clone());
    cfg.language = Some(lang.code().to_string());
    let client = Client::new(cfg).map_err(|e| e.to_string())?;
    let (engine, journal) = engine_for(client, lang, 1.0, true, None);
    let audit = engine.client.audit_path().map(|p| p.display().to_string());
    Ok(Session {
        engine,
        ctx: Context {
            region: r.region.clone(),
            profile: g.profile.clone(),
            sandbox: false,
            credential_source: r.source.describe(lang),
            audit_log: audit,
            journal_path: journal,
        },
        sandbox: None,
    })
}

/// Starts the simulator and connects to it over loopback HTTP, exactly as
/// to the real cloud. `journal`: runs are journaled and the sandbox world
/// is the data dir's, kept across starts (tests pass false: nothing kept).
pub async fn sandbox_session(lang: Lang, journal: bool) -> Result<Session, String> {
    let sb = sandbox::Sandbox::start(sandbox::GUIDE_SPEED, journal).await?;
    let mut cfg =
        ClientConfig::new(sb.credential(), sandbox::REGION).with_endpoint(Some(sb.endpoint()));
    cfg.language = Some(lang.code().to_string());
    let client = Client::new(cfg).map_err(|e| e.to_string())?;
    let (engine, journal) = engine_for(
        client,
        lang,
        sandbox::GUIDE_SPEED,
        journal,
        Some(sb.world_id()),
    );
    let audit = engine.client.audit_path().map(|p| p.display().to_string());
    Ok(Session {
        engine,
        ctx: Context {
            region: sandbox::REGION.to_string(),
            profile: None,
            sandbox: true,
            credential_source: t(lang, "common.sandbox"),
            audit_log: audit,
            journal_path: journal,
        },
        sandbox: Some(sb),
    })
}

/// `tcscale` with no subcommand. Returns the exit code.
pub fn run(g: &GlobalOpts) -> i32 {
    let cred_env = CredentialEnv::from_process();
    let saved = cred_env.config_path().and_then(|p| {
        crate::cloud::config_file::TcscaleConfig::load(&p)
            .ok()
            .flatten()
    });
    let lang = screens::onboarding::startup_lang(
        g.lang.as_deref(),
        saved.as_ref(),
        Lang::from_env_explicit(),
    );
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tcscale: {e}");
            return 1;
        }
    };
    let account = choose_account(g, lang);
    let mut onboarding = screens::onboarding::OnboardingState::new(
        screens::onboarding::detect(&explicit_credentials(g), &cred_env),
        cred_env.config_path(),
        g.endpoint.clone(),
    );
    if let Account::None(why) = &account {
        onboarding.reason = Some(why.clone());
    }
    let result = rt.block_on(async {
        let session = match &account {
            Account::Real(r) => Some(real_session(g, r, lang)?),
            Account::Sandbox => Some(sandbox_session(lang, true).await?),
            Account::None(_) => None,
        };
        run_loop(lang, &account, session, onboarding).await
    });
    terminal::restore();
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("tcscale: {e}");
            1
        }
    }
}

/// Onboarding connected an account: it becomes the session (the first
/// one, or replacing the one the overview showed) and the overview
/// discovers it. A fresh event channel drops whatever the old account's
/// jobs still report, so nothing of it lands in the new one's screens.
async fn adopt(
    app: &mut App,
    session: &mut Option<Session>,
    new: Session,
    events: &mut event::Events,
) {
    if let Some(old) = session.take() {
        events.fresh_jobs();
        if let Some(sb) = old.sandbox {
            sb.shutdown().await;
        }
    }
    let first = app.switch_account(new.ctx.clone());
    // A panic from now on names this session's journal, not the first one's.
    terminal::set_journal(app.ctx.journal_path.clone());
    for j in first {
        jobs::spawn(&new.engine, app.role(), j, events.sender());
    }
    *session = Some(new);
}

/// How often the clock (spinners, elapsed times) advances.
const TICK: Duration = Duration::from_millis(250);

async fn run_loop(
    lang: Lang,
    account: &Account,
    mut session: Option<Session>,
    onboarding: screens::onboarding::OnboardingState,
) -> Result<(), String> {
    let mut app = App::new(
        lang,
        session.as_ref().map(|s| s.ctx.clone()).unwrap_or_default(),
        first_screen(account),
    );
    app.onboarding = onboarding;
    let mut shown_lang = lang;
    if let Account::None(why) = account {
        app.onboarding_reason = Some(why.clone());
    }
    let journal = app.ctx.journal_path.clone();
    let mut term = terminal::enter(journal).map_err(|e| e.to_string())?;
    if let Ok(size) = term.size() {
        app.size = (size.width, size.height);
    }
    let mut events = event::Events::new(TICK);
    let first_jobs = app.start();
    // A sandbox world that was reset or is not kept: said before anything is done in it.
    if let Some(sb) = session.as_ref().and_then(|s| s.sandbox.as_ref()) {
        if !matches!(
            sb.origin(),
            crate::sim::persist::Origin::New | crate::sim::persist::Origin::Restored { .. }
        ) {
            app.notice = sb.notice(lang).map(|n| (CheckLevel::Warn, n));
        }
    }
    if app.ctx.journal_path.is_some() {
        app.open_unfinished_runs();
    }
    if let Some(s) = &session {
        for j in first_jobs {
            jobs::spawn(&s.engine, app.role(), j, events.sender());
        }
    }
    let signal = terminal::shutdown_signal();
    tokio::pin!(signal);
    loop {
        term.draw(|f| ui::draw(&app, f))
            .map_err(|e| e.to_string())?;
        let msg = tokio::select! {
            m = events.next() => m,
            _ = &mut signal => None,
        };
        let Some(msg) = msg else { break };
        let jobs = app.update(msg);
        // Jobs write their texts (checks, price, quota, errors) in the language shown.
        if let Some(s) = &mut session {
            s.engine.lang = app.lang;
        }
        if app.want_sandbox {
            app.want_sandbox = false;
            if session.as_ref().is_some_and(|s| s.sandbox.is_some()) {
                // Already in the sandbox (onboarding opened from the overview).
                app.screen = Screen::Overview;
                app.back.clear();
            } else {
                match sandbox_session(app.lang, true).await {
                    Ok(s) => adopt(&mut app, &mut session, s, &mut events).await,
                    Err(e) => app.onboarding_reason = Some(e),
                }
            }
        }
        if let Some(s) = &session {
            for j in jobs {
                jobs::spawn(&s.engine, app.role(), j, events.sender());
            }
        }
        // Onboarding and the browser queue their own work.
        for job in app.onboarding.take_jobs() {
            let tx = events.sender();
            let lang = app.lang;
            tokio::spawn(async move {
                screens::onboarding::run_job(job, lang, move |e| {
                    let _ = tx.send(jobs::JobEvent::Onboarding(e));
                })
                .await
            });
        }
        if let Some(s) = &session {
            for job in app.autoscaling.take_jobs() {
                let tx = events.sender();
                let engine = s.engine.clone();
                tokio::spawn(async move {
                    screens::autoscaling_work::run_job(engine, job, move |e| {
                        let _ = tx.send(jobs::JobEvent::AutoScaling(e));
                    })
                    .await
                });
            }
            for job in app.runs.take_jobs() {
                let tx = events.sender();
                let engine = s.engine.clone();
                tokio::spawn(async move {
                    screens::runs::work::run_job(engine, job, move |e| {
                        let _ = tx.send(jobs::JobEvent::Runs(e));
                    })
                    .await
                });
            }
            for job in app.browse.take_jobs() {
                let tx = events.sender();
                let client = s.engine.client.clone();
                tokio::spawn(async move {
                    screens::browse::run_job(client, job, move |e| {
                        let _ = tx.send(jobs::JobEvent::Browse(e));
                    })
                    .await
                });
            }
        }
        if let Some(screens::onboarding::Outcome::Account {
            credential,
            region,
            source,
        }) = app.onboarding.outcome.take()
        {
            let resolved = Resolved {
                credential,
                source,
                region,
                region_source: crate::cloud::credentials::RegionSource::Default,
            };
            let g = GlobalOpts {
                endpoint: app.onboarding.endpoint.clone(),
                ..Default::default()
            };
            match real_session(&g, &resolved, app.lang) {
                Ok(s) => adopt(&mut app, &mut session, s, &mut events).await,
                Err(e) => app.onboarding_reason = Some(e),
            }
        }
        // The language switch (L) is remembered in the config file.
        if app.lang != shown_lang {
            shown_lang = app.lang;
            if let Some(path) = &app.onboarding.config_path {
                match screens::onboarding::save_language(path, app.lang) {
                    // Said only when nothing else is: a notice about a failed
                    // step (and its error popup) stays through L.
                    Ok(()) if app.notice.is_some() => {}
                    Ok(()) => {
                        app.notice = Some((
                            state::CheckLevel::Ok,
                            crate::i18n::tf(
                                app.lang,
                                "onboarding.lang_saved",
                                &[("path", &path.display())],
                            ),
                        ))
                    }
                    Err(e) => app.notice = Some((state::CheckLevel::Warn, e)),
                }
            }
        }
        if app.quit {
            break;
        }
    }
    terminal::restore();
    if let Some(s) = session {
        if let Some(sb) = s.sandbox {
            sb.shutdown().await;
        }
    }
    Ok(())
}

/// `tcscale browse` (without `--json`): the interactive CLB browser alone.
pub fn browse(g: &GlobalOpts) -> i32 {
    let lang = g.ui_lang();
    crate::front::session::block_on_logged(async {
        let (client, sim) = match crate::front::session::client_for(g, lang).await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("tcscale: {e}");
                return 2;
            }
        };
        let code = match screens::browse::run_standalone(client, lang).await {
            Ok(()) => 0,
            Err(e) => {
                eprintln!(
                    "{}",
                    crate::i18n::tf(lang, "browse.failed", &[("error", &e)])
                );
                1
            }
        };
        if let Some(sim) = sim {
            sim.shutdown().await;
        }
        code
    })
}
