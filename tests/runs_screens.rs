//! The Runs screen rendered from constructed journals (no network) in
//! English and Chinese: the list (with an unreadable journal), the cleanup
//! dialog, a resume in progress and a cleanup's result. Snapshots in
//! tests/snapshots/.

use crate::screen_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use screen_support::{lang_name, render};
use tcscale::i18n::Lang;
use tcscale::scaleout::journal::{Journal, Resource, ResourceKind};
use tcscale::scaleout::runner::cleanup::{CleanupAction, CleanupStage};
use tcscale::scaleout::runner::Progress;
use tcscale::scaleout::steps::Step;
use tcscale::tui::app::{App, Context, Msg};
use tcscale::tui::jobs::JobEvent;
use tcscale::tui::screens::runs::{HeldBack, RunsEvent};
use tcscale::tui::state::Screen;

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().unwrap()
}

fn resource(kind: ResourceKind, id: &str, parent: Option<&str>, detail: &str) -> Resource {
    Resource {
        kind,
        id: id.into(),
        region: "ap-guangzhou".into(),
        parent: parent.map(str::to_string),
        detail: detail.into(),
        sha256: None,
    }
}

/// A failed run, an interrupted one (newest), a finished one.
fn journals() -> Vec<Journal> {
    let plan = |name: &str| {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("assets/plans")
                .join(name),
        )
        .unwrap();
        tcscale::scaleout::plan::parse(&text).unwrap()
    };
    let t = at("2026-06-01T10:05:00Z");
    let mut failed = Journal::new(
        "20260601-100000-1a2b3c4d",
        plan("business-servers.toml"),
        at("2026-06-01T10:00:00Z"),
    );
    failed.region = "ap-guangzhou".into();
    failed.mark_done("business", Step::Image, t).unwrap();
    failed
        .mark_failed("business", Step::Launch, "quota of instances exceeded", t)
        .unwrap();
    failed.record_resource(resource(ResourceKind::Image, "img-b7", None, ""), t);

    let mut killed = Journal::new(
        "20260602-090000-5e6f7a8b",
        plan("session-servers.toml"),
        at("2026-06-02T09:00:00Z"),
    );
    killed.region = "ap-guangzhou".into();
    for s in [
        Step::Image,
        Step::Launch,
        Step::LoadBalancer,
        Step::Listener,
    ] {
        killed.mark_done("session", s, t).unwrap();
    }
    killed.mark_running("session", Step::Bind, t).unwrap();
    for r in [
        resource(ResourceKind::Image, "img-s1", None, ""),
        resource(ResourceKind::Instance, "ins-n7", None, "token"),
        resource(ResourceKind::Instance, "ins-n8", None, "token"),
        resource(ResourceKind::LoadBalancer, "lb-int4c", None, ""),
        resource(ResourceKind::Listener, "lbl-80", Some("lb-int4c"), "TCP:80"),
        resource(
            ResourceKind::SecurityGroupRule,
            "sg-9:ingress:TCP:80:10.0.1.20",
            Some("sg-9"),
            "tcscale: CLB VIP 10.0.1.20",
        ),
        resource(
            ResourceKind::SdkConfigChange,
            "ins-biz1:/etc/qcloud/sdk.config",
            Some("ins-biz1"),
            "/etc/qcloud/sdk.config.bak.20260602090500",
        ),
        // Sent just before the kill, never answered: an intent.
        resource(ResourceKind::Image, "", None, "session-scaleout-2"),
    ] {
        killed.record_resource(r, t);
    }

    let mut done = Journal::new(
        "20260531-080000-0c0d0e0f",
        plan("business-servers.toml"),
        at("2026-05-31T08:00:00Z"),
    );
    done.region = "ap-guangzhou".into();
    for s in done.steps.clone() {
        done.mark_done(&s.phase, s.step, t).unwrap();
    }
    vec![failed, killed, done]
}

/// The journals saved in a private directory (with one corrupt file), as
/// the screen reads them; each render names the directory `RUNS`.
pub(crate) struct Dir(pub(crate) std::path::PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn store() -> Dir {
    let dir = std::env::temp_dir().join(format!("tcscale-runs-snap-{}", uuid::Uuid::new_v4()));
    let store = tcscale::scaleout::journal::JournalStore::new(&dir);
    for j in journals() {
        store.save(&j).unwrap();
    }
    std::fs::write(dir.join("20260530-x.json"), "{\"run_id\": ").unwrap();
    Dir(dir)
}

pub(crate) fn app(lang: Lang, dir: &Dir) -> App {
    // Times show in the local zone: fixed here so the snapshots are too.
    std::env::set_var("TZ", "UTC");
    let mut a = App::new(
        lang,
        Context {
            region: "ap-guangzhou".into(),
            ..Default::default()
        },
        Screen::Overview,
    );
    a.runs.dir = dir.0.clone();
    for _ in 0..5 {
        key(&mut a, KeyCode::Down);
    }
    // The menu's last entry: Runs (the architecture is not needed for it).
    a.arch = tcscale::tui::state::Load::Ready(Default::default());
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.screen, Screen::Runs);
    assert_eq!(a.runs.entries.len(), 4);
    a
}

pub(crate) fn key(a: &mut App, c: KeyCode) {
    a.update(Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)));
}

fn both(name: &str, make: impl Fn(Lang, &Dir) -> App) {
    sized(name, (110, 32), make)
}

/// At 80x24 every line fits inside its borders: the text of a row never
/// runs into the right border (a border character is the last on its row).
fn narrow(name: &str, make: impl Fn(Lang, &Dir) -> App) {
    sized(&format!("{name}_80x24"), (80, 24), make)
}

fn sized(name: &str, (w, h): (u16, u16), make: impl Fn(Lang, &Dir) -> App) {
    for lang in [Lang::En, Lang::Zh] {
        let dir = store();
        let a = make(lang, &dir);
        let text = render(&a, w, h).replace(&dir.0.display().to_string(), "RUNS");
        assert!(
            !text.contains("[runs.") && !text.contains("[engine."),
            "{name}: a string key has no text:\n{text}"
        );
        insta::assert_snapshot!(format!("runs_{name}_{}", lang_name(lang)), text);
    }
}

#[test]
fn list() {
    both("list", app);
    narrow("list", app);
}

/// The run ids whole at 80 columns (the start time and region give way).
#[test]
fn narrow_table_keeps_run_ids_whole() {
    for lang in [Lang::En, Lang::Zh] {
        let dir = store();
        let a = app(lang, &dir);
        let text = render(&a, 80, 24);
        for id in [
            "20260602-090000-5e6f7a8b",
            "20260601-100000-1a2b3c4d",
            "20260531-080000-0c0d0e0f",
        ] {
            assert!(text.contains(id), "{id} whole:\n{text}");
        }
    }
}

#[test]
fn cleanup_confirm() {
    both("confirm", |l, d| {
        let mut a = app(l, d);
        key(&mut a, KeyCode::Char('c'));
        assert!(a.runs.confirm.is_some());
        a
    });
    narrow("confirm", |l, d| {
        let mut a = app(l, d);
        key(&mut a, KeyCode::Char('c'));
        a
    });
}

/// A cleanup under way: items tick over as the engine reports them.
#[test]
fn cleanup_in_progress() {
    let make = |l: Lang, d: &Dir| {
        let mut a = app(l, d);
        key(&mut a, KeyCode::Char('c'));
        let row = a.runs.confirm.clone().unwrap().row;
        key(&mut a, KeyCode::Char('y'));
        a.runs.take_jobs();
        a.update(Msg::Tick(3));
        let ev = |r: &Resource, stage: CleanupStage| {
            Msg::Job(JobEvent::Runs(RunsEvent::Progress(Progress::Cleanup {
                resource: r.clone(),
                stage,
            })))
        };
        let sdk = &row.cleanup[0];
        a.update(ev(sdk, CleanupStage::Started));
        a.update(ev(
            sdk,
            CleanupStage::Done(CleanupAction::Restored {
                backup: sdk.detail.clone(),
                saved_edit: "/etc/qcloud/sdk.config.before-restore".into(),
            }),
        ));
        // The image sent before the kill was found: it takes the intent's place.
        let found = resource(ResourceKind::Image, "img-s2", None, "session-scaleout-2");
        a.update(ev(&found, CleanupStage::Started));
        a.update(ev(&found, CleanupStage::Done(CleanupAction::Deleted)));
        let lb = row.cleanup.iter().find(|r| r.id == "lb-int4c").unwrap();
        a.update(ev(lb, CleanupStage::Started));
        a
    };
    both("cleaning", make);
    narrow("cleaning", make);
}

#[test]
fn resume_in_progress_and_failed_again() {
    let progress = |a: &mut App, p: Progress| {
        a.update(Msg::Job(JobEvent::Runs(RunsEvent::Progress(p))));
    };
    // r asks first: what is checked, retried and done, with the calls.
    let ask = |l, d: &_| {
        let mut a = app(l, d);
        key(&mut a, KeyCode::Char('r'));
        assert!(!a.runs.busy() && a.runs.take_jobs().is_empty());
        a
    };
    both("resume_confirm", ask);
    narrow("resume_confirm", ask);
    both("resuming", |l, d| {
        let mut a = app(l, d);
        key(&mut a, KeyCode::Char('r'));
        key(&mut a, KeyCode::Char('y'));
        assert!(a.runs.busy(), "{:?}", a.runs.message);
        assert_eq!(a.runs.take_jobs().len(), 1);
        a.update(Msg::Tick(7));
        for p in [
            Progress::StepDone {
                step: Step::Image,
                summary: tcscale::i18n::Text::new("engine.step.already_done", &[]),
            },
            Progress::StepDone {
                step: Step::Launch,
                summary: tcscale::i18n::Text::new("engine.step.already_done", &[]),
            },
            Progress::StepStarted { step: Step::Bind },
            Progress::Task {
                clb: "lb-int4c".into(),
                task_id: "task-1".into(),
                status: tcscale::cloud::status::ClbTask::Running,
            },
            Progress::InstanceState {
                id: "ins-n9".into(),
                state: "PENDING".into(),
            },
            Progress::Retrying {
                reason: "RequestLimitExceeded".into(),
                wait: std::time::Duration::from_millis(1500),
            },
            Progress::Reconnecting { seconds_left: 8 },
        ] {
            progress(&mut a, p);
        }
        a
    });
    both("resume_failed", |l, d| {
        let mut a = app(l, d);
        key(&mut a, KeyCode::Char('r'));
        key(&mut a, KeyCode::Char('y'));
        a.runs.take_jobs();
        progress(&mut a, Progress::StepStarted { step: Step::Bind });
        progress(
            &mut a,
            Progress::StepFailed {
                step: Step::Bind,
                error: "the CLB is busy".into(),
            },
        );
        // As the engine leaves the journal when a step fails.
        let store = tcscale::scaleout::journal::JournalStore::new(&d.0);
        let mut j = store.load("20260602-090000-5e6f7a8b").unwrap();
        j.mark_failed(
            "session",
            Step::Bind,
            "the CLB is busy",
            at("2026-06-02T09:10:00Z"),
        )
        .unwrap();
        store.save(&j).unwrap();
        a.update(Msg::Job(JobEvent::Runs(RunsEvent::Resumed {
            id: "20260602-090000-5e6f7a8b".into(),
            result: Err("the CLB is busy".into()),
        })));
        a
    });
}

#[test]
fn cleanup_result() {
    both("cleaned", cleaned);
    // The status line's second row continues under its text.
    narrow("cleaned", cleaned);
}

fn cleaned(l: Lang, d: &Dir) -> App {
    {
        let mut a = app(l, d);
        key(&mut a, KeyCode::Char('c'));
        let row = a.runs.confirm.clone().unwrap().row;
        key(&mut a, KeyCode::Char('y'));
        a.runs.take_jobs();
        let mut done: Vec<(Resource, CleanupAction)> = row
            .cleanup
            .iter()
            .map(|r| (r.clone(), CleanupAction::Deleted))
            .collect();
        for (r, a) in &mut done {
            match r.kind {
                ResourceKind::SdkConfigChange => {
                    *a = CleanupAction::Restored {
                        backup: r.detail.clone(),
                        saved_edit: "/etc/qcloud/sdk.config.before-restore".into(),
                    }
                }
                ResourceKind::SecurityGroupRule => {
                    *a = CleanupAction::Manual("remove the rule in the console".into())
                }
                ResourceKind::Instance => *a = CleanupAction::AlreadyGone,
                _ => {}
            }
        }
        // The intent created nothing: not in the result.
        done.retain(|(r, _)| !r.is_intent());
        a.update(Msg::Job(JobEvent::Runs(RunsEvent::CleanedUp {
            id: row.id.clone(),
            result: Ok(done),
        })));
        a
    }
}

/// A cleanup held back: business server ins-biz1's TAT agent is offline,
/// so its sdk.config still points at the VIP and nothing was deleted.
fn held_back(l: Lang, d: &Dir) -> App {
    let mut a = app(l, d);
    key(&mut a, KeyCode::Char('c'));
    let row = a.runs.confirm.clone().unwrap().row;
    key(&mut a, KeyCode::Char('y'));
    a.runs.take_jobs();
    let sdk = row.restored()[0].clone();
    let offline = tcscale::i18n::tf(
        l,
        "engine.cleanup.sdk_offline",
        &[
            ("instance", &"ins-biz1"),
            ("path", &"/etc/qcloud/sdk.config"),
            (
                "copy",
                &"cp -p '/etc/qcloud/sdk.config.bak.20260602090500' '/etc/qcloud/sdk.config'",
            ),
        ],
    );
    let why = tcscale::i18n::tf(
        l,
        "engine.cleanup.held_back",
        &[("n", &1), ("vip", &"10.0.1.20")],
    );
    let mut results = vec![(sdk.clone(), CleanupAction::Manual(offline))];
    for r in row.deleted() {
        results.push((r.clone(), CleanupAction::Manual(why.clone())));
    }
    for r in row.by_hand() {
        let rule = "remove the rule in the console".into();
        results.push((r.clone(), CleanupAction::Manual(rule)));
    }
    a.update(Msg::Job(JobEvent::Runs(RunsEvent::HeldBack {
        id: row.id.clone(),
        results,
        held: HeldBack {
            vip: "10.0.1.20".into(),
            unrestored: vec![sdk],
        },
    })));
    assert!(a.runs.live.as_ref().unwrap().held_back.is_some());
    a
}

#[test]
fn cleanup_held_back_and_delete_anyway() {
    both("held_back", held_back);
    narrow("held_back", held_back);
    let force = |l: Lang, d: &Dir| {
        let mut a = held_back(l, d);
        key(&mut a, KeyCode::Char('F'));
        assert!(a.runs.confirm.as_ref().unwrap().force.is_some());
        a
    };
    both("force_confirm", force);
    narrow("force_confirm", force);
}
