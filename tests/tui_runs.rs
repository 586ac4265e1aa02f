//! The TUI's Runs screen against the simulator: a `tcscale apply` is
//! SIGKILLed after a step (TCSCALE_TEST_KILL_AFTER_STEP, its own home),
//! then the real App, driven by keys, resumes it or cleans it up through
//! the engine with a client of the same simulator; the simulator's state
//! says whether exactly the planned resources exist (resume) or none of
//! the run's are left (cleanup).

use crate::e2e_support;

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use e2e_support::*;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use tcscale::cloud::{Client, ClientConfig, Credential};
use tcscale::i18n::Lang;
use tcscale::scaleout::journal::RunStatus;
use tcscale::scaleout::runner::record::RunRecord;
use tcscale::scaleout::runner::{Engine, PollPolicy};
use tcscale::sim::server::SimHandle;
use tcscale::tui::app::{App, Context, Msg};
use tcscale::tui::jobs::JobEvent;
use tcscale::tui::screens::runs::work::run_job;
use tcscale::tui::screens::runs::{ItemState, LiveKind, RunEntry};
use tcscale::tui::state::{ConfirmWhat, Screen};

/// The wizard App with the Runs component wired to an engine on the simulator.
struct Tui {
    app: App,
    engine: Engine,
    tx: UnboundedSender<JobEvent>,
    rx: UnboundedReceiver<JobEvent>,
}

impl Tui {
    fn new(h: &SimHandle, home: &Home, journal_path: Option<String>) -> Tui {
        let cfg = ClientConfig::new(Credential::new(&h.secret_id, &h.secret_key, None), REGION)
            .with_endpoint(Some(h.endpoint()))
            .with_audit_path(None);
        let (ptx, _prx) = unbounded_channel();
        let engine = Engine::new(
            Client::new(cfg).unwrap(),
            ptx,
            PollPolicy::with_speed(SPEED),
            Lang::En,
            RunRecord::interactive(REGION, None),
        );
        let mut app = App::new(
            Lang::En,
            Context {
                region: REGION.into(),
                journal_path,
                ..Default::default()
            },
            Screen::Overview,
        );
        app.runs.dir = home.store().dir;
        let (tx, rx) = unbounded_channel();
        Tui {
            app,
            engine,
            tx,
            rx,
        }
    }

    /// A key, then the runs-jobs it queued are started as the loop does.
    fn key(&mut self, code: KeyCode) {
        let _ = self
            .app
            .update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        for job in self.app.runs.take_jobs() {
            let tx = self.tx.clone();
            tokio::spawn(run_job(self.engine.clone(), job, move |e| {
                let _ = tx.send(JobEvent::Runs(e));
            }));
        }
    }

    /// Feeds the jobs' events into the app until the runs-job ended.
    async fn until_idle(&mut self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while self.app.runs.busy() {
            let ev = tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("runs-job still going: {:?}", self.app.runs.live))
                .expect("channel open");
            let _ = self.app.update(Msg::Job(ev));
        }
    }
}

/// `tcscale apply PLAN --yes` SIGKILLed after step `n`; the run's id.
async fn interrupted(h: &SimHandle, home: &Home, plan: &str, n: u32) -> String {
    let plan = plan_path(plan);
    let out = tcscale(
        h,
        home,
        &["apply", plan.to_str().unwrap(), "--yes"],
        &[("TCSCALE_TEST_KILL_AFTER_STEP", &n.to_string())],
    )
    .await;
    assert_eq!(out.status.signal(), Some(9), "{}", text(&out));
    let j = home.journal();
    assert_eq!(j.status(), RunStatus::Running);
    j.run_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_opens_the_runs_screen_and_resumes_to_exactly_the_plan() {
    let h = sim("").await;
    let home = Home::new("tui-resume");
    let before = h.with_world(|w| inventory(w));
    let id = interrupted(&h, &home, "session-servers.toml", 2).await;

    let mut tui = Tui::new(&h, &home, None);
    tui.app.open_unfinished_runs();
    assert_eq!(tui.app.screen, Screen::Runs);
    let notice = tui.app.notice.clone().expect("a notice").1;
    assert!(notice.contains(&id), "{notice}");
    assert_eq!(
        tui.app.runs.selected().map(|r| r.id.clone()),
        Some(id.clone())
    );

    tui.key(KeyCode::Char('r'));
    assert!(!tui.app.runs.busy(), "asks first");
    tui.key(KeyCode::Char('y'));
    assert!(tui.app.runs.busy(), "{:?}", tui.app.runs.message);
    // Quitting while it runs asks first.
    tui.key(KeyCode::Char('q'));
    assert!(!tui.app.quit);
    assert_eq!(
        tui.app.confirm.as_ref().map(|c| c.what),
        Some(ConfirmWhat::Quit)
    );
    tui.key(KeyCode::Char('n'));
    assert!(!tui.app.quit);
    tui.until_idle().await;

    let live = tui.app.runs.live.clone().unwrap();
    assert_eq!(live.kind, LiveKind::Resume);
    assert!(
        matches!(&live.result, Some(Ok(_))),
        "{:?}\n{}",
        live.result,
        live.log_lines(Lang::En).join("\n")
    );
    assert!(
        live.log_lines(Lang::En).iter().any(|l| l.starts_with("▶ ")),
        "progress lines shown: {:?}",
        live.log
    );
    assert!(
        live.steps.iter().all(|(_, _, s)| matches!(
            s,
            tcscale::tui::screens::runs::StepLive::Done(_)
                | tcscale::tui::screens::runs::StepLive::Skipped
        )),
        "{:?}",
        live.steps
    );
    let after = h.with_world(|w| inventory(w));
    let d = delta(&before, &after);
    assert_eq!(
        (d.images.len(), d.instances.len(), d.clbs.len()),
        (1, 2, 1),
        "exactly the planned resources"
    );
    let j = home.journal();
    assert_eq!(j.status(), RunStatus::Done);
    assert_explained(&d, &j, "tui resume");
    match &tui.app.runs.entries[0] {
        RunEntry::Run(r) => {
            assert_eq!(r.status, RunStatus::Done);
            assert_eq!(r.verdict.status_text(Lang::En), "partly done");
        }
        e => panic!("{e:?}"),
    }
    // One truth (issue 21): ins-tatoff01 has no TAT agent, so its sdk.config
    // keeps the old authServerUrl. The screen says "partly done" and names
    // it, with the very lines `tcscale resume` ends with (exit code 4).
    let verdict = tcscale::scaleout::run::verdict(&j);
    assert_eq!(verdict.exit_code(), 4, "{verdict:?}");
    assert!(live.partly, "{:?}", live.result);
    let status = tcscale::tui::screens::runs::view::status_line_text(&tui.app.runs, Lang::En);
    assert!(status.contains("partly done"), "{status}");
    // Worded when drawn: L re-words it.
    let zh = tcscale::tui::screens::runs::view::status_line_text(&tui.app.runs, Lang::Zh);
    assert!(zh.contains("部分完成"), "{zh}");
    let shown = live.log_lines(Lang::En);
    for line in verdict.left_lines(Lang::En).iter().skip(1) {
        assert!(
            shown.contains(line),
            "{line} is not on the Runs screen: {shown:?}"
        );
    }
    assert!(
        shown.iter().any(|l| l.contains("ins-tatoff01")),
        "{shown:?}"
    );
    let home2 = Home::new("cli-resume");
    let id2 = interrupted(&h, &home2, "session-servers.toml", 2).await;
    let out = tcscale(&h, &home2, &["resume", &id2, "--yes", "--lang", "en"], &[]).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    let verdict2 = tcscale::scaleout::run::verdict(&home2.journal());
    assert_eq!(
        verdict2.left().len(),
        verdict.left().len(),
        "the same things left: {verdict2:?} / {verdict:?}"
    );
    assert!(said.contains("ins-tatoff01"), "{said}");
    let listed = tcscale(&h, &home2, &["runs", "--lang", "en"], &[]).await;
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(&id2) && l.contains("partly done")),
        "{listed}"
    );
    for line in verdict2.left_lines(Lang::En) {
        assert!(said.contains(&line), "{line} not in: {said}");
    }
    // Nothing in flight: q quits at once.
    tui.key(KeyCode::Char('q'));
    assert!(tui.app.quit);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_wizard_step_offers_c_which_cleans_the_run_up_after_a_confirm() {
    let h = sim("").await;
    let home = Home::new("tui-cleanup");
    let before = h.with_world(|w| inventory(w));
    // After the listener (4): image, instances, CLB and listener exist.
    let id = interrupted(&h, &home, "session-servers.toml", 4).await;
    let mid = delta(&before, &h.with_world(|w| inventory(w)));
    assert_eq!(
        (
            mid.images.len(),
            mid.instances.len(),
            mid.clbs.len(),
            mid.listeners.len()
        ),
        (1, 2, 1, 1)
    );

    // As if the wizard of this session had made the run and its bind failed.
    let path = home.store().path_of(&id).display().to_string();
    let mut tui = Tui::new(&h, &home, Some(path));
    tui.app
        .update(Msg::Job(JobEvent::BindFailed("simulated failure".into())));
    let notice = tui.app.notice.clone().unwrap().1;
    assert!(notice.contains("C clean up"), "{notice}");
    tui.key(KeyCode::Char('C'));
    assert_eq!(tui.app.screen, Screen::Runs);
    let confirm = tui.app.runs.confirm.clone().expect("the cleanup dialog");
    assert_eq!(confirm.row.id, id);
    let listed: Vec<String> = confirm.row.deleted().iter().map(|r| r.id.clone()).collect();
    for x in mid.images.iter().chain(&mid.instances).chain(&mid.clbs) {
        assert!(listed.contains(x), "{x} listed: {listed:?}");
    }
    // Esc cancels without deleting anything; c asks again, y goes.
    tui.key(KeyCode::Esc);
    assert!(tui.app.runs.confirm.is_none() && !tui.app.runs.busy());
    assert_eq!(tui.app.screen, Screen::Runs, "Esc closed the dialog only");
    tui.key(KeyCode::Char('c'));
    tui.key(KeyCode::Char('y'));
    assert!(tui.app.runs.busy());
    tui.until_idle().await;

    let live = tui.app.runs.live.clone().unwrap();
    assert!(
        matches!(&live.result, Some(Ok(_))),
        "{:?}\n{}",
        live.result,
        live.log_lines(Lang::En).join("\n")
    );
    assert!(
        live.items
            .iter()
            .all(|(_, s)| matches!(s, ItemState::Deleted | ItemState::Gone)),
        "{:?}",
        live.items
    );
    // The wizard's own run: its screens named what is gone, so it starts over.
    assert_eq!(tui.app.screen, Screen::Overview);
    assert!(tui.app.flow.is_none());
    let notice = tui.app.notice.clone().expect("what was cleaned").1;
    assert!(notice.contains(&format!("run {id} cleaned up")), "{notice}");
    let after = delta(&before, &h.with_world(|w| inventory(w)));
    assert!(after.images.is_empty(), "{:?}", after.images);
    assert!(after.instances.is_empty(), "{:?}", after.instances);
    assert!(after.clbs.is_empty(), "{:?}", after.clbs);
    assert!(after.listeners.is_empty(), "{:?}", after.listeners);
    assert_eq!(home.journal().status(), RunStatus::CleanedUp);
    match &tui.app.runs.entries[0] {
        RunEntry::Run(r) => assert_eq!(r.status, RunStatus::CleanedUp),
        e => panic!("{e:?}"),
    }
    // A cleaned-up run is not offered again.
    tui.app.runs.ask_cleanup_of(&id, Lang::En);
    assert!(tui.app.runs.confirm.is_none());
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_reports_each_resource_in_its_order_before_the_result() {
    use std::sync::{Arc, Mutex};
    use tcscale::scaleout::journal::ResourceKind;
    use tcscale::scaleout::runner::cleanup::{CleanupAction, CleanupStage};
    use tcscale::scaleout::runner::Progress;
    use tcscale::tui::screens::runs::{RunsEvent, RunsJob};

    let h = sim("").await;
    let home = Home::new("tui-cleanup-order");
    // A whole session run: sdk.config changed, rules added, CLB, instances, image.
    let plan = plan_path("session-servers.toml");
    let out = tcscale(&h, &home, &["apply", plan.to_str().unwrap(), "--yes"], &[]).await;
    assert_applied(&out, "apply");
    let j = home.journal();
    let tui = Tui::new(&h, &home, None);
    let events: Arc<Mutex<Vec<RunsEvent>>> = Arc::default();
    let sink = events.clone();
    run_job(
        tui.engine.clone(),
        RunsJob::Cleanup {
            id: j.run_id.clone(),
            dir: home.store().dir,
            lang: Lang::En,
            force: false,
        },
        move |e| sink.lock().unwrap().push(e),
    )
    .await;
    let events = events.lock().unwrap().clone();
    let Some(RunsEvent::CleanedUp {
        result: Ok(done), ..
    }) = events.last()
    else {
        panic!("the result comes last: {:?}", events.last());
    };
    let stages: Vec<(String, Option<CleanupAction>)> = events
        .iter()
        .filter_map(|e| match e {
            RunsEvent::Progress(Progress::Cleanup { resource, stage }) => Some((
                resource.id.clone(),
                match stage {
                    CleanupStage::Started => None,
                    CleanupStage::Done(a) => Some(a.clone()),
                },
            )),
            RunsEvent::CleanedUp { .. } => None,
            RunsEvent::Progress(_) | RunsEvent::Resumed { .. } | RunsEvent::HeldBack { .. } => None,
        })
        .collect();
    // Every resource is started, then ended with the verdict the result has, in the result's order.
    let ended: Vec<(String, CleanupAction)> = stages
        .iter()
        .filter_map(|(id, a)| Some((id.clone(), a.clone()?)))
        .collect();
    let result: Vec<(String, CleanupAction)> = done
        .iter()
        .map(|(r, a)| (r.id.clone(), a.clone()))
        .collect();
    assert_eq!(ended, result);
    for (id, _) in &result {
        let start = stages.iter().position(|(x, a)| x == id && a.is_none());
        let end = stages.iter().position(|(x, a)| x == id && a.is_some());
        assert!(start.is_some() && start < end, "{id}: {stages:?}");
    }
    // Cleanup's order: every sdk.config restored before anything is deleted.
    let kinds: Vec<ResourceKind> = done.iter().map(|(r, _)| r.kind).collect();
    let last_sdk = kinds
        .iter()
        .rposition(|k| *k == ResourceKind::SdkConfigChange)
        .expect("sdk.config restored");
    assert!(kinds[..last_sdk]
        .iter()
        .all(|k| *k == ResourceKind::SdkConfigChange));
    assert!(done[..=last_sdk]
        .iter()
        .all(|(_, a)| matches!(a, CleanupAction::Restored { .. })));
    assert!(kinds.contains(&ResourceKind::SecurityGroupRule));
    h.shutdown().await;
}

/// After its own run is cleaned up, the wizard's next steps go into a new
/// journal beside it: the engine's record is replaced and the app told its path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_journals_into_a_new_run_after_its_own_was_cleaned() {
    let h = sim("").await;
    let home = Home::new("tui-newrun");
    let mut tui = Tui::new(&h, &home, None);
    let old = tui.engine.recorded(|r| r.id().to_string());
    tcscale::tui::jobs::spawn(
        &tui.engine,
        tcscale::tui::state::Role::Session,
        tcscale::tui::jobs::Job::NewRun,
        tui.tx.clone(),
    );
    let ev = tokio::time::timeout(Duration::from_secs(10), tui.rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(ev, JobEvent::RunStarted { .. }), "{ev:?}");
    let new = tui.engine.recorded(|r| r.id().to_string());
    assert_ne!(new, old);
    assert!(tui.engine.recorded(|r| r.created().is_empty()));
    h.shutdown().await;
}

/// A business server whose TAT agent went offline cannot have its
/// sdk.config restored: cleanup deletes nothing (the screen says so, the
/// simulator still has every resource), `c` tries again with the same
/// result, and `F` after its dialog deletes everything, live.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_back_cleanup_deletes_nothing_until_f_deletes_anyway() {
    use tcscale::scaleout::journal::ResourceKind;

    let h = sim("").await;
    let home = Home::new("tui-cleanup-held");
    let before = h.with_world(|w| inventory(w));
    let plan = plan_path("session-servers.toml");
    let out = tcscale(&h, &home, &["apply", plan.to_str().unwrap(), "--yes"], &[]).await;
    assert_applied(&out, "apply");
    let j = home.journal();
    let sdk = j
        .created_of(ResourceKind::SdkConfigChange)
        .next()
        .expect("an sdk.config changed")
        .clone();
    let offline = sdk.parent.clone().unwrap();
    h.with_world(|w| w.cvm.instance_mut(&offline).unwrap().tat_agent_online = false);
    let made = delta(&before, &h.with_world(|w| inventory(w)));
    assert!(!made.clbs.is_empty() && !made.instances.is_empty() && !made.images.is_empty());

    let mut tui = Tui::new(&h, &home, None);
    tui.app.runs.open(REGION, None, Some(&j.run_id));
    tui.app.screen = Screen::Runs;
    for attempt in ["first", "again with c"] {
        tui.key(KeyCode::Char('c'));
        assert!(tui.app.runs.confirm.is_some(), "{attempt}");
        tui.key(KeyCode::Char('y'));
        tui.until_idle().await;
        let live = tui.app.runs.live.clone().unwrap();
        let held = live
            .held_back
            .clone()
            .unwrap_or_else(|| panic!("{attempt}: held back, not {:?}", live.result));
        assert_eq!(
            held.unrestored
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>(),
            [sdk.id.as_str()],
            "{attempt}"
        );
        for (r, st) in &live.items {
            match r.kind {
                ResourceKind::SdkConfigChange if r.id == sdk.id => {
                    assert!(
                        matches!(st, ItemState::Manual(m) if m.contains("offline")),
                        "{st:?}"
                    )
                }
                ResourceKind::SdkConfigChange => assert!(
                    matches!(st, ItemState::Restored | ItemState::AlreadyRestored),
                    "{attempt}: {} {st:?}",
                    r.id
                ),
                ResourceKind::SecurityGroupRule => assert!(matches!(st, ItemState::Manual(_))),
                _ => assert_eq!(*st, ItemState::Kept, "{attempt}: {}", r.id),
            }
        }
        // Nothing deleted, the run open, the wizard where it was.
        let now = delta(&before, &h.with_world(|w| inventory(w)));
        assert_eq!(
            (&now.clbs, &now.instances, &now.images),
            (&made.clbs, &made.instances, &made.images),
            "{attempt}"
        );
        assert_ne!(home.journal().status(), RunStatus::CleanedUp);
        assert_eq!(tui.app.screen, Screen::Runs);
        let keys: Vec<&str> = tui.app.runs.keys().iter().map(|(k, _)| *k).collect();
        assert!(keys.contains(&"c") && keys.contains(&"F"), "{keys:?}");
    }

    // F: the dialog names the server; esc leaves everything as it is.
    tui.key(KeyCode::Char('F'));
    let c = tui
        .app
        .runs
        .confirm
        .clone()
        .expect("the delete-anyway dialog");
    let dialog: String = tcscale::tui::screens::runs::confirm_lines(&c, Lang::En)
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert!(dialog.contains(&offline), "{dialog}");
    tui.key(KeyCode::Esc);
    assert!(!tui.app.runs.busy());
    assert_eq!(
        delta(&before, &h.with_world(|w| inventory(w))).clbs,
        made.clbs
    );
    tui.key(KeyCode::Char('F'));
    tui.key(KeyCode::Char('y'));
    assert!(tui.app.runs.busy());
    tui.until_idle().await;
    let live = tui.app.runs.live.clone().unwrap();
    assert!(
        live.force && live.held_back.is_none() && matches!(&live.result, Some(Ok(_))),
        "{:?}\n{}",
        live.result,
        live.log_lines(Lang::En).join("\n")
    );
    assert!(live.items.iter().any(|(_, s)| *s == ItemState::Deleted));
    let after = delta(&before, &h.with_world(|w| inventory(w)));
    assert!(
        after.clbs.is_empty() && after.instances.is_empty() && after.images.is_empty(),
        "{:?} {:?} {:?}",
        after.clbs,
        after.instances,
        after.images
    );
    assert_eq!(home.journal().status(), RunStatus::CleanedUp);
    h.shutdown().await;
}
