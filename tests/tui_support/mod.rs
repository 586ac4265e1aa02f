//! Drives the real wizard with key events against the in-process sandbox
//! over loopback HTTP: the update function gets keys, the jobs it returns run
//! on the engine, their events go back into the update function. Shared by
//! the flow tests (tests/tui_flow.rs, tests/tui_business_flow.rs).
// Each test binary uses a part of it.
#![allow(dead_code)]

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use tcscale::i18n::Lang;
use tcscale::tui::app::{App, Msg};
use tcscale::tui::jobs::{self, Job, JobEvent};
use tcscale::tui::state::Screen;
use tcscale::tui::{sandbox_session, Session};

pub struct Driver {
    pub app: App,
    pub session: Session,
    tx: UnboundedSender<JobEvent>,
    rx: UnboundedReceiver<JobEvent>,
}

impl Driver {
    /// From the Image screen: confirms CreateImage, waits for it, goes on
    /// to Launch, confirms RunInstances, waits until the copies run, and
    /// goes on to the Load balancer screen; the copies' ids.
    pub async fn image_and_launch(&mut self) -> Vec<String> {
        self.confirm("CreateImage");
        self.until("image NORMAL", |a| a.image.progress.is_done())
            .await;
        self.key(KeyCode::Enter);
        self.confirm("RunInstances");
        self.until("instances RUNNING", |a| a.launch.progress.is_done())
            .await;
        let new_ids = self.launched_ids();
        self.key(KeyCode::Enter);
        assert_eq!(self.app.screen, Screen::LoadBalancer);
        new_ids
    }

    /// Stops the in-process sandbox the driver's session runs on.
    pub async fn shutdown(&mut self) {
        if let Some(sb) = self.session.sandbox.take() {
            sb.shutdown().await;
        }
    }

    pub async fn new() -> Driver {
        let session = sandbox_session(Lang::En, false)
            .await
            .expect("sandbox starts");
        let app = App::new(Lang::En, session.ctx.clone(), Screen::Overview);
        let (tx, rx) = unbounded_channel();
        let mut d = Driver {
            app,
            session,
            tx,
            rx,
        };
        let first = d.app.start();
        d.spawn(first);
        d
    }

    pub fn spawn(&mut self, jobs: Vec<Job>) {
        for j in jobs {
            jobs::spawn(&self.session.engine, self.app.role(), j, self.tx.clone());
        }
        // The Auto Scaling step queues its own work (as the wizard's loop runs it).
        for job in self.app.autoscaling.take_jobs() {
            let tx = self.tx.clone();
            let engine = self.session.engine.clone();
            tokio::spawn(async move {
                tcscale::tui::screens::autoscaling_work::run_job(engine, job, move |e| {
                    let _ = tx.send(JobEvent::AutoScaling(e));
                })
                .await
            });
        }
        // The browser and the Runs screen queue theirs too.
        for job in self.app.browse.take_jobs() {
            let tx = self.tx.clone();
            let client = self.session.engine.client.clone();
            tokio::spawn(async move {
                tcscale::tui::screens::browse::run_job(client, job, move |e| {
                    let _ = tx.send(JobEvent::Browse(e));
                })
                .await
            });
        }
        for job in self.app.runs.take_jobs() {
            let tx = self.tx.clone();
            let engine = self.session.engine.clone();
            tokio::spawn(async move {
                tcscale::tui::screens::runs::work::run_job(engine, job, move |e| {
                    let _ = tx.send(JobEvent::Runs(e));
                })
                .await
            });
        }
    }

    pub fn key(&mut self, code: KeyCode) {
        let jobs = self
            .app
            .update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        self.spawn(jobs);
    }

    /// Feeds job events into the app until `done` holds (or fails the test
    /// with the screen's state after 60 s).
    pub async fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        self.wait(what, done, true).await
    }

    /// [`Driver::until`] that lets a step fail (the test looks at the failure).
    pub async fn until_even_failing(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        self.wait(what, done, false).await
    }

    async fn wait(&mut self, what: &str, done: impl Fn(&App) -> bool, fail_on_error: bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while !done(&self.app) {
            let ev = tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "timed out waiting for {what} on {:?}; notice {:?}",
                        self.app.screen, self.app.notice
                    )
                })
                .expect("job channel open");
            if let (
                true,
                JobEvent::ImageFailed(e)
                | JobEvent::LaunchFailed(e)
                | JobEvent::ClbFailed(e)
                | JobEvent::BindFailed(e)
                | JobEvent::SecurityGroupsFailed(e),
            ) = (fail_on_error, &ev)
            {
                panic!("{what}: job failed: {e}");
            }
            let jobs = self.app.update(Msg::Job(ev));
            self.spawn(jobs);
        }
    }

    /// The ids of the servers the Launch step started, in order.
    pub fn launched_ids(&self) -> Vec<String> {
        self.app
            .launch
            .instances
            .iter()
            .map(|(i, _)| i.clone())
            .collect()
    }

    /// Enter opens the confirm dialog listing `action`; `y` accepts it.
    /// Opens the confirm dialog, checks it lists `action`, accepts it;
    /// returns the dialog as it was shown.
    pub fn confirm(&mut self, action: &str) -> tcscale::tui::state::Confirm {
        self.key(KeyCode::Enter);
        let c = self.app.confirm.clone().unwrap_or_else(|| {
            panic!(
                "a confirm dialog before {action}; notice {:?}",
                self.app.notice
            )
        });
        assert!(
            c.calls.iter().any(|x| x.action == action),
            "the dialog lists {action}: {:?}",
            c.calls
        );
        self.key(KeyCode::Char('y'));
        assert!(self.app.confirm.is_none());
        c
    }
}

impl Driver {
    /// The wizard with its run journaled in `dir` (as `tcscale` does in
    /// the data dir), on the same sandbox world.
    pub async fn journaled(dir: &std::path::Path) -> Driver {
        let d = Driver::new().await;
        let world = d.session.engine.world.clone();
        *d.session
            .engine
            .record
            .lock()
            .unwrap_or_else(|p| p.into_inner()) =
            tcscale::scaleout::runner::record::RunRecord::interactive(
                tcscale::tui::sandbox::REGION,
                Some(dir),
            )
            .in_world(world.as_deref());
        d
    }
}

/// Adds to `w` an internal CLB `id` in the session servers' project and
/// subnet (a copy of lb-ops4int1, which serves another project), with no
/// listener: an existing CLB the wizard can pick for them.
pub fn add_internal_clb(w: &mut tcscale::sim::world::World, id: &str) {
    let mut lb = w
        .clb
        .load_balancers
        .iter()
        .find(|l| l.id == "lb-ops4int1")
        .unwrap()
        .clone();
    lb.id = id.into();
    lb.name = "auth-internal".into();
    lb.project_id = 1002189;
    lb.subnet_id = "subnet-gz3a1b2c".into();
    lb.vips = vec!["10.0.1.201".into()];
    lb.listeners.clear();
    w.clb.load_balancers.push(lb);
}
