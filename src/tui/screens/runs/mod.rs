//! The Runs screen: every journaled run (newest first, unreadable journals
//! listed as errors), and on an unfinished one: resume it through the
//! engine (`r`), skip its failed step where the engine allows it (`s`), or
//! clean it up (`c`, after a dialog listing exactly what will be deleted),
//! with the engine's progress live on the screen.
//!
//! A self-contained component like the browser: its own state, keys,
//! jobs ([`RunsState::take_jobs`]) and events. Drawing is in [`view`], the
//! async work in [`work`].

use std::path::PathBuf;

use chrono::{DateTime, Local, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph, Row};

use crate::i18n::{t, tf, Lang};
use crate::scaleout::journal::{
    Journal, JournalError, JournalStore, LockHolder, Resource, ResourceKind, StepState,
};
use crate::scaleout::plan;
use crate::scaleout::runner::cleanup::{
    group_of, preview_text, sdk_change_target, sg_rule_parts, sg_rule_text, CleanupAction,
    CleanupGroup, CleanupStage,
};
use crate::scaleout::runner::flow::{can_skip, failed_step, recovery_options, Recovery};
use crate::scaleout::runner::record::RunStatus;
use crate::scaleout::runner::Progress;
use crate::scaleout::steps::Step;
use crate::tui::app::App;
use crate::tui::state::CheckLevel;
use crate::tui::widgets::{fit, mmss, spinner, theme, wrap};

pub mod view;
pub mod work;

pub use view::{confirm_lines, render};

/// Async work the screen asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum RunsJob {
    /// Continue run `id` (journal in `dir`), after marking its failed step skipped when `skip`.
    Resume {
        id: String,
        dir: PathBuf,
        skip: bool,
        lang: Lang,
    },
    /// Delete what run `id` created; `force`: even while an sdk.config
    /// still points at the run's VIP.
    Cleanup {
        id: String,
        dir: PathBuf,
        lang: Lang,
        force: bool,
    },
}

/// What the work reports back.
#[derive(Debug, Clone, PartialEq)]
pub enum RunsEvent {
    /// The engine's live progress.
    Progress(Progress),
    /// The resume ended: Ok, or the error as the user reads it.
    /// The resume ended: the run's verdict from its journal, or why it stopped.
    Resumed {
        id: String,
        result: Result<crate::scaleout::run::Verdict, String>,
    },
    /// The cleanup ended: what happened to each resource, or why it stopped.
    CleanedUp {
        id: String,
        result: Result<Vec<(Resource, CleanupAction)>, String>,
    },
    /// The cleanup deleted nothing: sdk.config files it could not restore
    /// still point at the run's VIP (the run stays open).
    HeldBack {
        id: String,
        results: Vec<(Resource, CleanupAction)>,
        held: HeldBack,
    },
}

/// Why a cleanup deleted nothing: the sdk.config changes that were not
/// restored and still point at `vip` (their servers' login needs it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HeldBack {
    pub vip: String,
    pub unrestored: Vec<Resource>,
}

impl HeldBack {
    /// The servers, as the status line names them (`ins-1, ins-2`).
    pub fn servers(&self) -> String {
        self.unrestored
            .iter()
            .map(|r| sdk_change_target(r).0)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One journaled run as the table shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub id: String,
    pub started: DateTime<Utc>,
    pub region: String,
    pub status: RunStatus,
    /// The plan's role; `None`: a wizard run without a plan (cannot be resumed).
    pub flow: Option<plan::Role>,
    /// The step it stopped at and why (failed, or interrupted).
    pub stopped: Option<StoppedAt>,
    pub unfinished: bool,
    /// The wizard's own run of this session.
    pub current: bool,
    pub steps: Vec<(String, Step, StepState)>,
    pub created: Vec<Resource>,
    /// How it ended, as `apply` and `resume` decide their exit code.
    pub verdict: crate::scaleout::run::Verdict,
    /// The Auto Scaling resources it made (its step's record).
    pub created_as: crate::scaleout::runner::autoscaling_step::AsOutput,
    /// What cleanup deletes, in its order ([`Journal::cleanup_order`]).
    pub cleanup: Vec<Resource>,
    /// The journal has an Auto Scaling output (cleanup removes that first).
    pub autoscaling: bool,
    /// Another tcscale process works on this run now (holds its lock).
    pub in_use: Option<LockHolder>,
    /// The journal itself, as read (the resume dialog previews it).
    pub journal: std::sync::Arc<Journal>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoppedAt {
    pub phase: String,
    pub step: Step,
    pub why: Stop,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    Failed(String),
    /// Killed while the step ran.
    During,
    /// Killed between two steps.
    Before,
    /// Running now, in the process that holds the run.
    Working,
}

/// A line of the table: a run, or a journal that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEntry {
    Run(Box<RunRow>),
    /// The file (its name without `.json`) and why it cannot be read.
    Unreadable {
        file: String,
        error: String,
    },
}

impl RunEntry {
    fn unreadable(e: &JournalError) -> RunEntry {
        let (path, error) = match e {
            JournalError::Corrupt { path, message } => (Some(path), message.clone()),
            JournalError::Io { path, source } => (Some(path), source.to_string()),
            other => (None, other.to_string()),
        };
        RunEntry::Unreadable {
            file: path
                .and_then(|p| p.file_stem())
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            error,
        }
    }
}

impl RunRow {
    pub fn from_journal(j: &Journal, current: Option<&str>) -> RunRow {
        let stopped = failed_step(j)
            .map(|(phase, step, reason)| StoppedAt {
                phase,
                step,
                why: Stop::Failed(reason),
            })
            .or_else(|| {
                j.is_unfinished()
                    .then(|| j.next_step())
                    .flatten()
                    .map(|s| StoppedAt {
                        phase: s.phase.clone(),
                        step: s.step,
                        why: if s.state == StepState::Running {
                            Stop::During
                        } else {
                            Stop::Before
                        },
                    })
            });
        let status = j.status();
        RunRow {
            id: j.run_id.clone(),
            started: j.created,
            region: j.region.clone(),
            status,
            flow: j.plan.as_ref().map(|p| p.role),
            stopped: stopped.filter(|_| status != RunStatus::CleanedUp),
            unfinished: j.is_unfinished() && status != RunStatus::CleanedUp,
            current: current == Some(j.run_id.as_str()),
            steps: j
                .steps
                .iter()
                .map(|s| (s.phase.clone(), s.step, s.state.clone()))
                .collect(),
            created: j.created_resources.clone(),
            verdict: crate::scaleout::run::verdict(j),
            created_as: crate::scaleout::runner::autoscaling_step::recorded_in(j)
                .unwrap_or_default(),
            cleanup: j.cleanup_order().into_iter().cloned().collect(),
            autoscaling: j
                .steps
                .iter()
                .any(|s| s.step == Step::AutoScaling && !s.output.is_null()),
            journal: std::sync::Arc::new(j.clone()),
            in_use: None,
        }
    }

    /// What cleanup puts in `group`, in its order.
    pub fn in_group(&self, group: CleanupGroup) -> Vec<&Resource> {
        self.cleanup
            .iter()
            .filter(|r| group_of(r.kind) == group)
            .collect()
    }

    /// sdk.config files restored from their backups (first).
    pub fn restored(&self) -> Vec<&Resource> {
        self.in_group(CleanupGroup::Restored)
    }

    /// Deleted by tcscale, in order.
    pub fn deleted(&self) -> Vec<&Resource> {
        self.in_group(CleanupGroup::Deleted)
    }

    /// Left for the user: what the API set cannot undo (security group rules).
    pub fn by_hand(&self) -> Vec<&Resource> {
        self.in_group(CleanupGroup::LeftToUser)
    }

    /// The failed step, if the run stopped on a failure.
    pub fn failed(&self) -> Option<Step> {
        match &self.stopped {
            Some(StoppedAt {
                step,
                why: Stop::Failed(_),
                ..
            }) => Some(*step),
            _ => None,
        }
    }
}

/// The table's lines from the store's listing: newest first, then the
/// journals that could not be read (never hidden).
pub fn entries(runs: &[Journal], errors: &[JournalError], current: Option<&str>) -> Vec<RunEntry> {
    let mut rows: Vec<RunRow> = runs
        .iter()
        .map(|j| RunRow::from_journal(j, current))
        .collect();
    rows.sort_by(|a, b| b.started.cmp(&a.started).then(b.id.cmp(&a.id)));
    rows.into_iter()
        .map(|r| RunEntry::Run(Box::new(r)))
        .chain(errors.iter().map(RunEntry::unreadable))
        .collect()
}

/// A step's state on the live list.
#[derive(Debug, Clone, PartialEq)]
pub enum StepLive {
    Pending,
    Running,
    /// Journaled as running by a process that is gone (no one holds the run).
    Interrupted,
    /// With what it produced (ids), worded when shown.
    Done(crate::i18n::Text),
    Skipped,
    Failed(String),
}

/// A line of a live run's log, worded when drawn (so it follows `L`).
#[derive(Debug, Clone, PartialEq)]
pub enum LogLine {
    /// What the engine reported.
    Progress(Progress),
    /// What the screen said itself (the run started, how it ended).
    Text(crate::i18n::Text),
    /// Something the finished run left for the user (its verdict's list).
    Left(crate::scaleout::run::Left),
}

impl LogLine {
    pub fn in_lang(&self, lang: Lang) -> String {
        match self {
            LogLine::Progress(p) => {
                crate::front::progress::progress_line(p, lang, &mut None).unwrap_or_default()
            }
            LogLine::Text(t) => t.in_lang(lang),
            LogLine::Left(l) => format!("  ! {}", l.text(lang)),
        }
    }
}

/// A resource's state during cleanup.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemState {
    /// Not reached yet.
    Waiting,
    /// Being deleted or restored now.
    Working,
    Deleted,
    Gone,
    /// An sdk.config is its original again (the log has the backup and
    /// where tcscale's edit was kept).
    Restored,
    /// It already was (a second cleanup).
    AlreadyRestored,
    Manual(String),
    /// Not deleted: cleanup held it back (an sdk.config still points at the VIP).
    Kept,
    /// Sent before a crash, but the cloud has nothing for it.
    NotCreated,
    /// The cleanup stopped before it.
    Stopped,
}

impl ItemState {
    /// From the engine's verdict.
    pub fn of(a: &CleanupAction) -> ItemState {
        match a {
            CleanupAction::Deleted => ItemState::Deleted,
            CleanupAction::AlreadyGone => ItemState::Gone,
            CleanupAction::Manual(m) | CleanupAction::NotRestored { why: m, .. } => {
                ItemState::Manual(m.clone())
            }
            CleanupAction::Restored { .. } => ItemState::Restored,
            CleanupAction::AlreadyRestored { .. } => ItemState::AlreadyRestored,
            CleanupAction::Shared { .. } => ItemState::Kept,
        }
    }

    fn open(&self) -> bool {
        matches!(self, ItemState::Waiting | ItemState::Working)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveKind {
    Resume,
    Cleanup,
}

/// The resume or cleanup under way (or the last one, with its result).
#[derive(Debug, Clone, PartialEq)]
pub struct Live {
    pub kind: LiveKind,
    pub id: String,
    pub started: u64,
    pub finished: Option<u64>,
    /// Resume: (phase, step, state), in the journal's order.
    pub steps: Vec<(String, Step, StepLive)>,
    /// Cleanup: each resource and what became of it.
    pub items: Vec<(Resource, ItemState)>,
    pub log: Vec<LogLine>,
    /// Seconds until the engine reconnects (the network is down).
    pub reconnecting: Option<u64>,
    countdown: Option<u64>,
    /// None while running; the outcome as the user reads it.
    pub result: Option<Result<String, String>>,
    /// The resume ended with something left for the user (listed in `log`).
    pub partly: bool,
    /// After a failed resume: the step and what may be done now.
    pub failed: Option<Step>,
    /// A cleanup that deletes even while an sdk.config points at the VIP.
    pub force: bool,
    /// The cleanup deleted nothing, and why (`F` deletes anyway).
    pub held_back: Option<HeldBack>,
}

impl Live {
    fn new(kind: LiveKind, row: &RunRow, now: u64, skip: bool) -> Live {
        Live {
            kind,
            id: row.id.clone(),
            started: now,
            finished: None,
            steps: row
                .steps
                .iter()
                .map(|(p, s, st)| {
                    let l = match st {
                        StepState::Done => StepLive::Done(Default::default()),
                        StepState::Skipped => StepLive::Skipped,
                        StepState::Failed { .. } if skip => StepLive::Skipped,
                        // A resume reopens failed and interrupted steps.
                        _ => StepLive::Pending,
                    };
                    (p.clone(), *s, l)
                })
                .collect(),
            items: match kind {
                LiveKind::Cleanup => row
                    .cleanup
                    .iter()
                    .map(|r| (r.clone(), ItemState::Waiting))
                    .collect(),
                LiveKind::Resume => vec![],
            },
            log: vec![],
            reconnecting: None,
            countdown: None,
            result: None,
            failed: None,
            force: false,
            held_back: None,
            partly: false,
        }
    }

    /// A cleanup or resume of `id` under way with nothing listed (tests).
    #[doc(hidden)]
    pub fn for_test(kind: LiveKind, id: &str) -> Live {
        let row = RunRow {
            id: id.into(),
            started: DateTime::<Utc>::default(),
            region: String::new(),
            status: RunStatus::Running,
            flow: None,
            stopped: None,
            unfinished: true,
            current: false,
            steps: vec![],
            created: vec![],
            verdict: crate::scaleout::run::Verdict::CleanedUp,
            created_as: Default::default(),
            cleanup: vec![],
            autoscaling: false,
            in_use: None,
            journal: std::sync::Arc::new(Journal::open(id, "", DateTime::<Utc>::default())),
        };
        Live::new(kind, &row, 0, false)
    }

    /// The log as it reads in `lang`.
    pub fn log_lines(&self, lang: Lang) -> Vec<String> {
        self.log.iter().map(|l| l.in_lang(lang)).collect()
    }

    pub fn running(&self) -> bool {
        self.result.is_none()
    }

    /// Sets what became of `r`. A resource found for an intent (sent before
    /// a crash) takes the intent's place; a second one of it goes after it.
    fn set_item(&mut self, r: &Resource, state: ItemState) {
        if let Some(slot) = self.items.iter_mut().find(|(x, _)| x == r) {
            slot.1 = state;
            return;
        }
        let intent = self.items.iter().position(|(x, st)| {
            x.is_intent() && x.kind == r.kind && x.parent == r.parent && st.open()
        });
        if let Some(i) = intent {
            self.items[i] = (r.clone(), state);
            return;
        }
        let at = self
            .items
            .iter()
            .rposition(|(x, _)| x.kind == r.kind)
            .map_or(self.items.len(), |i| i + 1);
        self.items.insert(at, (r.clone(), state));
    }

    /// A cleanup that held every deletion back: the restores' verdicts
    /// stand, what would have been deleted is kept, rules are left to the
    /// user as always; the result says why and what to do.
    fn held_back_with(
        &mut self,
        results: Vec<(Resource, CleanupAction)>,
        held: HeldBack,
        lang: Lang,
    ) {
        for (r, a) in results {
            let state = match (group_of(r.kind), &a) {
                (CleanupGroup::Deleted, CleanupAction::Manual(_)) => ItemState::Kept,
                _ => ItemState::of(&a),
            };
            self.set_item(&r, state);
        }
        for (_, s) in &mut self.items {
            if s.open() {
                *s = ItemState::Kept;
            }
        }
        self.result = Some(Err(tf(
            lang,
            "runs.held_back",
            &[
                ("n", &held.unrestored.len()),
                ("vip", &held.vip),
                ("servers", &held.servers()),
            ],
        )));
        self.held_back = Some(held);
    }

    /// Applies one engine event: the step list, the log, the countdown.
    fn progress(&mut self, p: &Progress, lang: Lang) {
        self.reconnecting = match p {
            Progress::Reconnecting { seconds_left } => Some(*seconds_left),
            _ => None,
        };
        // Steps repeat across phases: the first one not yet settled moves.
        let settle = |steps: &mut Vec<(String, Step, StepLive)>, step: Step, to: StepLive| {
            let open = |l: &StepLive| matches!(l, StepLive::Pending | StepLive::Running);
            let running = steps
                .iter()
                .position(|(_, s, l)| *s == step && *l == StepLive::Running);
            let i = running.or_else(|| steps.iter().position(|(_, s, l)| *s == step && open(l)));
            match i {
                Some(i) => steps[i].2 = to,
                None if matches!(to, StepLive::Running) => {
                    steps.push((String::new(), step, to));
                }
                None => {}
            }
        };
        match p {
            Progress::StepStarted { step } => settle(&mut self.steps, *step, StepLive::Running),
            Progress::StepDone { step, summary } => {
                // Read back from the journal (done, or skipped earlier): the
                // list shows it so already; another phase's step must not move.
                let read_back = ["engine.step.already_done", "engine.step.skipped"]
                    .contains(&summary.key())
                    && !self
                        .steps
                        .iter()
                        .any(|(_, s, l)| s == step && *l == StepLive::Running);
                if !read_back {
                    settle(&mut self.steps, *step, StepLive::Done(summary.clone()))
                }
            }
            Progress::StepFailed { step, error } => {
                settle(&mut self.steps, *step, StepLive::Failed(error.clone()))
            }
            Progress::Cleanup { resource, stage } => {
                let state = match stage {
                    CleanupStage::Started => ItemState::Working,
                    CleanupStage::Done(a) => ItemState::of(a),
                };
                self.set_item(resource, state);
            }
            _ => {}
        }
        // A resource starting shows on the list; the log keeps the verdicts.
        let started = matches!(
            p,
            Progress::Cleanup {
                stage: CleanupStage::Started,
                ..
            }
        );
        // Whether it makes a line is decided now (a countdown is one line);
        // the words, when drawn.
        let line = crate::front::progress::progress_line(p, lang, &mut self.countdown);
        if line.is_some() && !started {
            self.log.push(LogLine::Progress(p.clone()));
            // Enough to scroll back a screenful; a long run does not grow without bound.
            if self.log.len() > 500 {
                self.log.drain(..100);
            }
        }
    }
}

/// The confirm dialog's contents: the run, and what cleanup (or the
/// resume) will do.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfirm {
    pub row: RunRow,
    /// `F` after a held-back cleanup: delete anyway, these servers keep
    /// pointing at the VIP that goes.
    pub force: Option<HeldBack>,
    /// `r`/`s`: a resume, not a cleanup.
    pub resume: Option<ResumeAsk>,
}

/// A resume asked for: whether the failed step is skipped (the dialog lists
/// `resume::preview` of the row's journal).
#[derive(Debug, Clone, PartialEq)]
pub struct ResumeAsk {
    pub skip: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunsState {
    /// Where the journals are (the data dir's `runs/`; tests use their own).
    pub dir: PathBuf,
    pub entries: Vec<RunEntry>,
    pub cursor: usize,
    /// The session's region: a run of another region is refused, naming both.
    pub region: String,
    /// The wizard's own run id in this session.
    pub current: Option<String>,
    pub confirm: Option<RunConfirm>,
    pub live: Option<Live>,
    /// The last refusal or outcome, under the table.
    pub message: Option<(CheckLevel, String)>,
    pub clock: u64,
    outbox: Vec<RunsJob>,
}

/// What a key did, for the app: nothing more, or leave the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    Handled,
    Back,
}

/// A row's status: another process's run says who holds it.
fn row_status_text(r: &RunRow, lang: Lang) -> String {
    match &r.in_use {
        Some(h) => tf(lang, "runs.in_use", &[("pid", &h.pid)]),
        None => r.verdict.status_text(lang),
    }
}

fn flow_text(f: Option<plan::Role>, lang: Lang) -> String {
    t(
        lang,
        match f {
            Some(plan::Role::Session) => "runs.flow.session",
            Some(plan::Role::Business) => "runs.flow.business",
            Some(plan::Role::Both) => "runs.flow.both",
            None => "runs.flow.no_plan",
        },
    )
}

fn stopped_text(s: &StoppedAt, lang: Lang) -> String {
    let step = s.step.title(lang);
    match &s.why {
        Stop::Failed(reason) => tf(
            lang,
            "runs.stopped.failed",
            &[("step", &step), ("reason", reason)],
        ),
        Stop::During => tf(lang, "runs.stopped.during", &[("step", &step)]),
        Stop::Working => tf(lang, "runs.stopped.working", &[("step", &step)]),
        Stop::Before => tf(lang, "runs.stopped.before", &[("step", &step)]),
    }
}

fn kind_text(k: ResourceKind, lang: Lang) -> String {
    t(lang, &format!("runs.kind.{}", k.name()))
}

/// The Auto Scaling resources a run made, a line each (`kind id`).
pub fn auto_scaling_texts(
    out: &crate::scaleout::runner::autoscaling_step::AsOutput,
    lang: Lang,
) -> Vec<String> {
    let mut out_lines = Vec::new();
    let mut add = |key: &str, id: &str| {
        if !id.is_empty() {
            out_lines.push(format!("{} {id}", t(lang, key)));
        }
    };
    add(
        "runs.kind.launch-configuration",
        &out.launch_configuration_id,
    );
    add("runs.kind.scaling-group", &out.group_id);
    for id in &out.scheduled_action_ids {
        add("runs.kind.scheduled-action", id);
    }
    for id in &out.policy_ids {
        add("runs.kind.scaling-policy", id);
    }
    out_lines
}

/// `kind id (on parent) detail` for the dialog and the cleanup list.
pub fn resource_text(r: &Resource, lang: Lang) -> String {
    format!("{} {}", kind_text(r.kind, lang), resource_detail(r, lang))
}

/// `id (on parent) detail`: a resource without its kind.
fn resource_detail(r: &Resource, lang: Lang) -> String {
    if r.is_intent() {
        return preview_text(r, lang);
    }
    match r.kind {
        // The backup is in the cleanup dialog and the log.
        ResourceKind::SdkConfigChange => {
            let (instance, path) = sdk_change_target(r);
            format!("{path} {}", tf(lang, "runs.on", &[("parent", &instance)]))
        }
        ResourceKind::SecurityGroupRule if sg_rule_parts(r).is_some() => sg_rule_text(r, lang),
        _ => {
            let mut s = r.id.clone();
            if let Some(p) = &r.parent {
                s.push_str(&format!(" {}", tf(lang, "runs.on", &[("parent", p)])));
            }
            // Instances and CLBs carry their ClientToken there: nothing to read.
            if !r.detail.is_empty() && r.kind == ResourceKind::Listener {
                s.push_str(&format!(" · {}", r.detail));
            }
            s
        }
    }
}

impl RunsState {
    /// Opens the screen: the journals read again, the cursor on `focus` when given.
    pub fn open(&mut self, region: &str, current: Option<String>, focus: Option<&str>) {
        self.region = region.to_string();
        self.current = current;
        self.refresh();
        if let Some(id) = focus {
            if let Some(i) = self.position(id) {
                self.cursor = i;
            }
        }
    }

    /// Reads the journals again (kept: the cursor's run, when still listed).
    pub fn refresh(&mut self) {
        let keep = self.selected().map(|r| r.id.clone());
        let store = JournalStore::new(&self.dir);
        let (runs, errors) = store.list_runs();
        self.entries = entries(&runs, &errors, self.current.as_deref());
        for e in &mut self.entries {
            if let RunEntry::Run(r) = e {
                if r.unfinished {
                    r.in_use = store.holder(&r.id);
                }
                // Its step runs now in that process: not interrupted.
                if let (Some(_), Some(at)) = (&r.in_use, &mut r.stopped) {
                    if at.why == Stop::During {
                        at.why = Stop::Working;
                    }
                }
            }
        }
        self.cursor = keep
            .and_then(|id| self.position(&id))
            .unwrap_or(0)
            .min(self.entries.len().saturating_sub(1));
    }

    /// Puts the cursor on run `id`, if listed.
    pub fn focus(&mut self, id: &str) {
        if let Some(i) = self.position(id) {
            self.cursor = i;
        }
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| matches!(e, RunEntry::Run(r) if r.id == id))
    }

    pub fn take_jobs(&mut self) -> Vec<RunsJob> {
        std::mem::take(&mut self.outbox)
    }

    pub fn selected(&self) -> Option<&RunRow> {
        match self.entries.get(self.cursor) {
            Some(RunEntry::Run(r)) => Some(r),
            _ => None,
        }
    }

    /// A resume or cleanup is under way (quitting asks first).
    pub fn busy(&self) -> bool {
        self.live.as_ref().is_some_and(Live::running)
    }

    /// Unfinished runs other than the session's own: (count, newest id, its resources).
    pub fn unfinished(&self) -> Option<(usize, String, usize)> {
        let runs: Vec<&RunRow> = self
            .entries
            .iter()
            .filter_map(|e| match e {
                RunEntry::Run(r) if r.unfinished && !r.current && r.in_use.is_none() => {
                    Some(r.as_ref())
                }
                _ => None,
            })
            .collect();
        let newest = runs.first()?;
        Some((runs.len(), newest.id.clone(), newest.created.len()))
    }

    fn refuse(&mut self, text: String) {
        self.message = Some((CheckLevel::Warn, text));
    }

    /// Why the selected run may not be worked on now (None: it may).
    fn blocked(&self, row: &RunRow, lang: Lang) -> Option<String> {
        if self.busy() {
            return Some(t(lang, "runs.busy"));
        }
        if let Some(h) = &row.in_use {
            return Some(tf(
                lang,
                "engine.runs.locked",
                &[
                    ("id", &row.id),
                    ("pid", &h.pid),
                    ("command", &h.command),
                    ("since", &h.since),
                ],
            ));
        }
        if !row.region.is_empty() && !self.region.is_empty() && row.region != self.region {
            return Some(tf(
                lang,
                "runs.region_mismatch",
                &[
                    ("id", &row.id),
                    ("run_region", &row.region),
                    ("session_region", &self.region),
                ],
            ));
        }
        None
    }

    fn start(&mut self, kind: LiveKind, row: &RunRow, skip: bool, force: bool, lang: Lang) {
        self.message = None;
        let mut live = Live::new(kind, row, self.clock, skip);
        live.force = force;
        let what = match kind {
            LiveKind::Resume => "runs.resuming",
            LiveKind::Cleanup if force => "runs.cleaning_forced",
            LiveKind::Cleanup => "runs.cleaning",
        };
        live.log.push(LogLine::Text(crate::i18n::Text::new(
            what,
            &[("id", &row.id)],
        )));
        self.live = Some(live);
        let (id, dir) = (row.id.clone(), self.dir.clone());
        self.outbox.push(match kind {
            LiveKind::Resume => RunsJob::Resume {
                id,
                dir,
                skip,
                lang,
            },
            LiveKind::Cleanup => RunsJob::Cleanup {
                id,
                dir,
                lang,
                force,
            },
        });
    }

    /// `r` (and `s`, with `skip`): resume the selected run.
    fn resume(&mut self, skip: bool, lang: Lang) {
        let Some(row) = self.selected().cloned() else {
            return;
        };
        if let Some(why) = self.blocked(&row, lang) {
            return self.refuse(why);
        }
        if row.current {
            return self.refuse(tf(lang, "runs.current_run", &[("id", &row.id)]));
        }
        if !row.unfinished {
            return self.refuse(tf(
                lang,
                "runs.not_unfinished",
                &[("id", &row.id), ("status", &row.verdict.status_text(lang))],
            ));
        }
        if row.flow.is_none() {
            return self.refuse(t(lang, "engine.runs.wizard_run"));
        }
        if skip {
            match row.failed() {
                Some(step) if can_skip(step) => {}
                Some(step) => {
                    return self.refuse(tf(
                        lang,
                        "engine.recovery.cannot_skip",
                        &[("step", &step.title(lang))],
                    ))
                }
                None => return self.refuse(t(lang, "engine.recovery.nothing_failed")),
            }
        }
        // Asked first, listing what it will check, retry and do.
        self.confirm = Some(RunConfirm {
            row,
            force: None,
            resume: Some(ResumeAsk { skip }),
        });
    }

    /// `c`: the confirm dialog for the selected run.
    fn ask_cleanup(&mut self, lang: Lang) {
        let Some(row) = self.selected().cloned() else {
            return;
        };
        if let Some(why) = self.blocked(&row, lang) {
            return self.refuse(why);
        }
        if row.status == RunStatus::CleanedUp {
            return self.refuse(tf(lang, "runs.already_cleaned", &[("id", &row.id)]));
        }
        self.confirm = Some(RunConfirm {
            row,
            force: None,
            resume: None,
        });
    }

    /// What the last cleanup of the selected run held back, when it did.
    pub fn held_back(&self) -> Option<&HeldBack> {
        let row = self.selected()?;
        self.live
            .as_ref()
            .filter(|l| l.id == row.id && l.kind == LiveKind::Cleanup && !l.running())
            .and_then(|l| l.held_back.as_ref())
    }

    /// `F`: after a held-back cleanup, the dialog to delete anyway.
    fn ask_force(&mut self, lang: Lang) {
        let Some(held) = self.held_back().cloned() else {
            return;
        };
        let Some(row) = self.selected().cloned() else {
            return;
        };
        if let Some(why) = self.blocked(&row, lang) {
            return self.refuse(why);
        }
        self.confirm = Some(RunConfirm {
            row,
            force: Some(held),
            resume: None,
        });
    }

    /// Opens the cleanup dialog for run `id` (the wizard's `C`).
    pub fn ask_cleanup_of(&mut self, id: &str, lang: Lang) {
        if let Some(i) = self.position(id) {
            self.cursor = i;
            self.ask_cleanup(lang);
        }
    }

    /// A key on the Runs screen.
    pub fn on_key(&mut self, key: KeyEvent, lang: Lang) -> KeyOutcome {
        if let Some(c) = self.confirm.clone() {
            match key.code {
                KeyCode::Char('y') | KeyCode::Enter => {
                    self.confirm = None;
                    match &c.resume {
                        Some(ask) => self.start(LiveKind::Resume, &c.row, ask.skip, false, lang),
                        None => {
                            self.start(LiveKind::Cleanup, &c.row, false, c.force.is_some(), lang)
                        }
                    }
                }
                KeyCode::Char('n') | KeyCode::Esc => self.confirm = None,
                _ => {}
            }
            return KeyOutcome::Handled;
        }
        let len = self.entries.len();
        match key.code {
            KeyCode::Esc | KeyCode::Char('l') => return KeyOutcome::Back,
            KeyCode::Up | KeyCode::Char('k') => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                self.cursor = (self.cursor + 1).min(len.saturating_sub(1))
            }
            KeyCode::Home | KeyCode::Char('g') => self.cursor = 0,
            KeyCode::End | KeyCode::Char('G') => self.cursor = len.saturating_sub(1),
            KeyCode::Char('r') => self.resume(false, lang),
            KeyCode::Char('s') => self.resume(true, lang),
            KeyCode::Char('c') => self.ask_cleanup(lang),
            KeyCode::Char('F') => self.ask_force(lang),
            _ => {}
        }
        KeyOutcome::Handled
    }

    pub fn tick(&mut self, now: u64) {
        self.clock = now;
    }

    pub fn on_event(&mut self, ev: RunsEvent, lang: Lang) {
        let now = self.clock;
        match ev {
            RunsEvent::Progress(p) => {
                if let Some(l) = &mut self.live {
                    l.progress(&p, lang);
                }
            }
            RunsEvent::Resumed { id, result } => {
                self.refresh();
                let failed = self.entries.iter().find_map(|e| match e {
                    RunEntry::Run(r) if r.id == id => r.failed(),
                    _ => None,
                });
                if let Some(l) = self.live.as_mut().filter(|l| l.id == id) {
                    l.finished = Some(now);
                    l.reconnecting = None;
                    l.failed = result.as_ref().err().and(failed);
                    l.result = Some(match result {
                        Ok(v) if !v.left().is_empty() => {
                            l.partly = true;
                            l.log.extend(v.left().iter().cloned().map(LogLine::Left));
                            Ok(tf(
                                lang,
                                "runs.resumed_partly",
                                &[("id", &id), ("n", &v.left().len())],
                            ))
                        }
                        Ok(_) => Ok(tf(lang, "runs.resumed", &[("id", &id)])),
                        Err(e) => Err(tf(
                            lang,
                            "runs.resume_failed",
                            &[("id", &id), ("error", &e)],
                        )),
                    });
                }
            }
            RunsEvent::CleanedUp { id, result } => {
                self.refresh();
                if let Some(l) = self.live.as_mut().filter(|l| l.id == id) {
                    l.finished = Some(now);
                    l.reconnecting = None;
                    l.result = Some(match result {
                        Ok(done) => {
                            for (r, a) in done {
                                l.set_item(&r, ItemState::of(&a));
                            }
                            // An intent still open: the cloud has nothing for it.
                            for (r, s) in &mut l.items {
                                if s.open() {
                                    *s = if r.is_intent() {
                                        ItemState::NotCreated
                                    } else {
                                        ItemState::Stopped
                                    };
                                }
                            }
                            let count = |f: fn(&ItemState) -> bool| {
                                l.items.iter().filter(|(_, s)| f(s)).count()
                            };
                            let restored = count(|s| {
                                matches!(s, ItemState::Restored | ItemState::AlreadyRestored)
                            });
                            let deleted = count(|s| matches!(s, ItemState::Deleted));
                            let gone =
                                count(|s| matches!(s, ItemState::Gone | ItemState::NotCreated));
                            let manual = count(|s| matches!(s, ItemState::Manual(_)));
                            Ok(tf(
                                lang,
                                "engine.cleanup.summary",
                                &[
                                    ("id", &id),
                                    ("restored", &restored),
                                    ("deleted", &deleted),
                                    ("gone", &gone),
                                    ("manual", &manual),
                                ],
                            ))
                        }
                        Err(e) => {
                            for (_, s) in &mut l.items {
                                if s.open() {
                                    *s = ItemState::Stopped;
                                }
                            }
                            Err(tf(
                                lang,
                                "runs.cleanup_failed",
                                &[("id", &id), ("error", &e)],
                            ))
                        }
                    });
                }
            }
            RunsEvent::HeldBack { id, results, held } => {
                self.refresh();
                if let Some(l) = self.live.as_mut().filter(|l| l.id == id) {
                    l.finished = Some(now);
                    l.reconnecting = None;
                    l.held_back_with(results, held, lang);
                }
            }
        }
    }

    /// Footer keys.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        if let Some(c) = &self.confirm {
            let yes = if c.force.is_some() {
                "runs.key.force_confirm"
            } else if c.resume.is_some() {
                "runs.key.resume_confirm"
            } else {
                "runs.key.confirm"
            };
            return vec![("y", yes), ("n", "runs.key.cancel")];
        }
        let mut k = vec![("↑↓", "runs.key.move")];
        if let Some(r) = self.selected() {
            let failed_here = self
                .live
                .as_ref()
                .is_some_and(|l| l.id == r.id && l.failed.is_some());
            if r.unfinished && !r.current {
                k.push((
                    "r",
                    if failed_here || r.failed().is_some() {
                        "runs.key.retry"
                    } else {
                        "runs.key.resume"
                    },
                ));
                if r.failed().is_some_and(can_skip) {
                    k.push(("s", "runs.key.skip"));
                }
            }
            if r.status != RunStatus::CleanedUp {
                k.push(("c", "runs.key.cleanup"));
            }
            if self.held_back().is_some() {
                k.push(("F", "runs.key.force"));
            }
        }
        k.push(("esc/l", "runs.key.leave"));
        k
    }
}

#[cfg(test)]
mod tests {
    use super::view::*;
    use super::*;
    use crossterm::event::KeyModifiers;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn plan() -> plan::Plan {
        plan::parse(include_str!(
            "../../../../assets/plans/session-servers.toml"
        ))
        .unwrap()
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

    /// Older: failed at Launch after the image; newer: killed during the CLB step.
    fn journals() -> Vec<Journal> {
        let mut a = Journal::new("run-a", plan(), at("2026-06-01T10:00:00Z"));
        a.region = "ap-guangzhou".into();
        let t = at("2026-06-01T10:01:00Z");
        a.mark_done("session", Step::Image, t).unwrap();
        a.mark_failed("session", Step::Launch, "quota exceeded", t)
            .unwrap();
        a.record_resource(resource(ResourceKind::Image, "img-1", None, ""), t);
        let mut b = Journal::new("run-b", plan(), at("2026-06-02T10:00:00Z"));
        b.region = "ap-guangzhou".into();
        for s in [Step::Image, Step::Launch] {
            b.mark_done("session", s, t).unwrap();
        }
        b.mark_running("session", Step::LoadBalancer, t).unwrap();
        for r in [
            resource(ResourceKind::Image, "img-2", None, ""),
            resource(ResourceKind::Instance, "ins-1", None, "token"),
            resource(ResourceKind::LoadBalancer, "lb-1", None, ""),
            resource(ResourceKind::Listener, "lbl-1", Some("lb-0"), "TCP:80"),
            resource(
                ResourceKind::SecurityGroupRule,
                "sg-1:ingress:TCP:80:10.0.0.9",
                Some("sg-1"),
                "tcscale: CLB VIP 10.0.0.9",
            ),
            resource(
                ResourceKind::SdkConfigChange,
                "ins-biz1:/etc/qcloud/sdk.config",
                Some("ins-biz1"),
                "/etc/qcloud/sdk.config.bak.1",
            ),
        ] {
            b.record_resource(r, t);
        }
        vec![a, b]
    }

    fn state() -> RunsState {
        let errors = vec![JournalError::Corrupt {
            path: "/runs/bad.json".into(),
            message: "expected value".into(),
        }];
        RunsState {
            entries: entries(&journals(), &errors, Some("run-c")),
            region: "ap-guangzhou".into(),
            dir: "/runs".into(),
            ..Default::default()
        }
    }

    fn key(s: &mut RunsState, c: KeyCode) -> KeyOutcome {
        s.on_key(KeyEvent::new(c, KeyModifiers::NONE), Lang::En)
    }

    fn run(e: &RunEntry) -> &RunRow {
        match e {
            RunEntry::Run(r) => r,
            e => panic!("a run, not {e:?}"),
        }
    }

    #[test]
    fn rows_are_newest_first_with_where_and_why_they_stopped_and_errors_listed() {
        let s = state();
        assert_eq!(s.entries.len(), 3);
        let b = run(&s.entries[0]);
        assert_eq!(b.id, "run-b");
        assert_eq!(b.status, RunStatus::Running);
        assert_eq!(
            b.stopped.as_ref().map(|x| (x.step, x.why.clone())),
            Some((Step::LoadBalancer, Stop::During))
        );
        assert_eq!(b.created.len(), 6);
        assert_eq!(b.flow, Some(plan::Role::Session));
        let a = run(&s.entries[1]);
        assert_eq!(a.status, RunStatus::Failed);
        assert_eq!(a.failed(), Some(Step::Launch));
        assert!(a.unfinished);
        assert!(
            matches!(&s.entries[2], RunEntry::Unreadable { file, error } if file == "bad" && error == "expected value"),
            "{:?}",
            s.entries[2]
        );
        assert_eq!(s.unfinished(), Some((2, "run-b".into(), 6)));
        let text = stopped_text(a.stopped.as_ref().unwrap(), Lang::En);
        assert!(text.contains("quota exceeded"), "{text}");
    }

    #[test]
    fn a_run_another_process_holds_says_so_and_is_not_offered() {
        let dir = std::env::temp_dir().join(format!("tcscale-runs-inuse-{}", uuid::Uuid::new_v4()));
        let store = JournalStore::new(&dir);
        for j in journals() {
            store.save(&j).unwrap();
        }
        // run-b is held by another process (flock(1) standing in for tcscale).
        std::fs::write(
            store.lock_path("run-b"),
            "pid=4242\ncommand=tcscale apply\nsince=-\n",
        )
        .unwrap();
        let mut other = std::process::Command::new("flock")
            .args(["-x", "-o"])
            .arg(store.lock_path("run-b"))
            .args(["sleep", "30"])
            .spawn()
            .expect("flock(1) runs");
        while store.holder("run-b").is_none() {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let mut s = RunsState {
            region: "ap-guangzhou".into(),
            dir: dir.clone(),
            ..Default::default()
        };
        s.refresh();
        let b = run(&s.entries[0]);
        assert_eq!(b.in_use.as_ref().map(|h| h.pid), Some(4242));
        assert_eq!(row_status_text(b, Lang::En), "in use (pid 4242)");
        assert_eq!(row_status_text(b, Lang::Zh), "使用中（pid 4242）");
        assert_eq!(
            stopped_text(b.stopped.as_ref().unwrap(), Lang::En),
            "Load balancer: running in that process"
        );
        // Only run-a is offered at start; r on run-b names the holder.
        assert_eq!(s.unfinished().map(|u| u.1), Some("run-a".to_string()));
        key(&mut s, KeyCode::Char('r'));
        let (_, m) = s.message.clone().unwrap();
        assert!(m.contains("pid 4242") && m.contains("kill 4242"), "{m}");
        assert!(s.take_jobs().is_empty());
        other.kill().unwrap();
        other.wait().unwrap();
        s.refresh();
        assert_eq!(run(&s.entries[0]).in_use, None, "free once its holder died");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn resume_is_refused_with_the_reason_and_started_when_allowed() {
        let mut s = state();
        // Another region: both named.
        s.region = "ap-shanghai".into();
        key(&mut s, KeyCode::Char('r'));
        let (_, m) = s.message.clone().unwrap();
        assert!(
            m.contains("ap-guangzhou") && m.contains("ap-shanghai"),
            "{m}"
        );
        assert!(s.take_jobs().is_empty());
        s.region = "ap-guangzhou".into();
        // The failed Launch may not be skipped.
        key(&mut s, KeyCode::Down);
        key(&mut s, KeyCode::Char('s'));
        assert!(s.message.clone().unwrap().1.contains("cannot be skipped"));
        assert!(s.take_jobs().is_empty());
        assert!(!s.keys().iter().any(|(k, _)| *k == "s"));
        // r asks first, listing what the resume checks, retries and does.
        key(&mut s, KeyCode::Char('r'));
        assert!(s.take_jobs().is_empty());
        let c = s.confirm.clone().expect("a resume dialog");
        assert!(c.resume.is_some());
        let text: Vec<String> = view::confirm_lines(&c, Lang::En)
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert!(text[0].contains("Resuming run run-a"), "{text:?}");
        assert!(text.iter().any(|l| l.contains("tried again")), "{text:?}");
        assert_eq!(s.keys()[0], ("y", "runs.key.resume_confirm"));
        // n leaves it as it was.
        key(&mut s, KeyCode::Char('n'));
        assert!(s.confirm.is_none() && s.take_jobs().is_empty() && !s.busy());
        key(&mut s, KeyCode::Char('r'));
        key(&mut s, KeyCode::Char('y'));
        assert_eq!(
            s.take_jobs(),
            vec![RunsJob::Resume {
                id: "run-a".into(),
                dir: "/runs".into(),
                skip: false,
                lang: Lang::En
            }]
        );
        assert!(s.busy());
        // One runs-job at a time.
        key(&mut s, KeyCode::Up);
        key(&mut s, KeyCode::Char('c'));
        assert!(s.confirm.is_none());
        assert!(s.message.clone().unwrap().1.contains("still running"));
        s.on_event(
            RunsEvent::Resumed {
                id: "run-a".into(),
                result: Err("boom".into()),
            },
            Lang::En,
        );
        assert!(!s.busy());
        assert_eq!(key(&mut s, KeyCode::Char('l')), KeyOutcome::Back);
        assert_eq!(key(&mut s, KeyCode::Esc), KeyOutcome::Back);
    }

    #[test]
    fn the_wizards_own_run_and_a_run_without_plan_are_not_resumed_here() {
        let mut j = Journal::open("run-c", "ap-guangzhou", at("2026-06-03T10:00:00Z"));
        j.ensure_step("session", Step::Image);
        let mut s = state();
        s.entries = entries(&[j.clone()], &[], Some("run-c"));
        key(&mut s, KeyCode::Char('r'));
        assert!(s.message.clone().unwrap().1.contains("current run"));
        s.entries = entries(&[j], &[], None);
        key(&mut s, KeyCode::Char('r'));
        assert!(s
            .message
            .clone()
            .unwrap()
            .1
            .contains("started in the wizard"));
        assert!(s.take_jobs().is_empty());
    }

    #[test]
    fn cleanup_asks_first_listing_what_is_restored_deleted_and_left_by_hand() {
        let mut s = state();
        key(&mut s, KeyCode::Char('c'));
        let c = s.confirm.clone().expect("a dialog");
        let text: Vec<String> = confirm_lines(&c, Lang::En)
            .iter()
            .map(|l| l.to_string())
            .collect();
        let text = text.join("\n");
        // Cleanup's order: the sdk.config restored (with its backup), then
        // newest first, the listener on a CLB it did not create; the rule last, by hand.
        let order = [
            "restored from the backup",
            "1. sdk.config change /etc/qcloud/sdk.config on ins-biz1, from /etc/qcloud/sdk.config.bak.1",
            "deleted:",
            "2. listener lbl-1 (lb-0)",
            "3. load balancer lb-1",
            "4. instance ins-1",
            "5. image img-2",
            "Left to you",
            "• inbound rule of sg-1: TCP port 80 from 10.0.0.9/32",
        ];
        let pos: Vec<usize> = order
            .iter()
            .map(|x| text.find(x).unwrap_or_else(|| panic!("{x} in\n{text}")))
            .collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert_eq!(text.matches("sg-1").count(), 1, "{text}");
        for lang in [Lang::En, Lang::Zh] {
            let lines = confirm_lines(&c, lang);
            assert!(lines.iter().all(|l| !l.to_string().contains("runs.")));
        }
        // n cancels, nothing started.
        key(&mut s, KeyCode::Char('n'));
        assert!(s.confirm.is_none() && s.take_jobs().is_empty());
        key(&mut s, KeyCode::Char('c'));
        key(&mut s, KeyCode::Enter);
        assert!(matches!(s.take_jobs().as_slice(), [RunsJob::Cleanup { id, .. }] if id == "run-b"));
        let l = s.live.clone().unwrap();
        assert_eq!(l.items.len(), 6);
        assert!(l.items.iter().all(|(_, st)| *st == ItemState::Waiting));
        let restored = CleanupAction::Restored {
            backup: "/etc/qcloud/sdk.config.bak.1".into(),
            saved_edit: "/etc/qcloud/sdk.config.before-restore".into(),
        };
        s.on_event(
            RunsEvent::CleanedUp {
                id: "run-b".into(),
                result: Ok(vec![
                    (c.row.cleanup[0].clone(), restored),
                    (
                        c.row.cleanup[1].clone(),
                        CleanupAction::Manual("do it".into()),
                    ),
                    (c.row.cleanup[2].clone(), CleanupAction::AlreadyGone),
                    (c.row.cleanup[3].clone(), CleanupAction::Deleted),
                ]),
            },
            Lang::En,
        );
        let l = s.live.clone().unwrap();
        assert_eq!(l.items[0].1, ItemState::Restored);
        assert_eq!(l.items[1].1, ItemState::Manual("do it".into()));
        assert_eq!(l.items[2].1, ItemState::Gone);
        assert_eq!(l.items[3].1, ItemState::Deleted);
        let result = l.result.unwrap().unwrap();
        assert!(
            result.contains("1 restored, 1 deleted, 1 already gone, 1 left"),
            "{result}"
        );
    }

    #[test]
    fn cleanup_items_tick_over_as_the_engine_reports_them() {
        let s = state();
        let mut row = run(&s.entries[0]).clone();
        // An image sent just before a crash: found by its name as img-9.
        let intent = resource(ResourceKind::Image, "", None, "web-scaleout");
        row.cleanup.push(intent.clone());
        let mut l = Live::new(LiveKind::Cleanup, &row, 0, false);
        let lang = Lang::En;
        let at = |l: &Live, id: &str| {
            l.items
                .iter()
                .find(|(r, _)| r.id == id)
                .map(|x| x.1.clone())
        };
        let ev = |resource: &Resource, stage: CleanupStage| Progress::Cleanup {
            resource: resource.clone(),
            stage,
        };
        let lb = row.cleanup.iter().find(|r| r.id == "lb-1").unwrap().clone();
        l.progress(&ev(&lb, CleanupStage::Started), lang);
        assert_eq!(at(&l, "lb-1"), Some(ItemState::Working));
        assert_eq!(at(&l, "img-2"), Some(ItemState::Waiting));
        l.progress(&ev(&lb, CleanupStage::Done(CleanupAction::Deleted)), lang);
        assert_eq!(at(&l, "lb-1"), Some(ItemState::Deleted));
        assert_eq!(
            l.log_lines(Lang::En),
            ["  clb lb-1: deleted"],
            "verdicts only"
        );
        // A short pane scrolls to the resource being worked on.
        assert_eq!(focus_skip(&l, lang, 200, 10), 0);
        let focus = l.items.iter().position(|(_, s)| s.open()).unwrap();
        assert_eq!(focus_skip(&l, lang, 200, 1), focus);
        // The intent's resource takes its place.
        let found = resource(ResourceKind::Image, "img-9", None, "web-scaleout");
        l.progress(&ev(&found, CleanupStage::Started), lang);
        assert_eq!(l.items.len(), row.cleanup.len());
        assert_eq!(l.items.last().unwrap().0.id, "img-9");
        // Rendered: the intent reads as what it is, in both languages.
        for lang in [Lang::En, Lang::Zh] {
            let text = item_line(&intent, &ItemState::Waiting, lang, 0).to_string();
            assert!(text.contains("web-scaleout"), "{text}");
            assert!(!text.contains("engine."), "{text}");
            let unnamed = resource(ResourceKind::Instance, "", None, "token-1");
            let text = resource_text(&unnamed, lang);
            assert!(!text.contains("token-1") && !text.contains("  "), "{text}");
        }
    }

    #[test]
    fn a_held_back_cleanup_says_why_and_offers_c_again_or_f_to_delete_anyway() {
        let mut s = state();
        // F means nothing before a cleanup was held back.
        key(&mut s, KeyCode::Char('F'));
        assert!(s.confirm.is_none());
        key(&mut s, KeyCode::Char('c'));
        let row = s.confirm.clone().unwrap().row;
        key(&mut s, KeyCode::Char('y'));
        assert!(matches!(
            s.take_jobs().as_slice(),
            [RunsJob::Cleanup { force: false, .. }]
        ));
        let sdk = row.restored()[0].clone();
        let offline = CleanupAction::Manual("ins-biz1: the TAT agent is offline".into());
        let why = CleanupAction::Manual("kept: 1 sdk.config still points at 10.0.0.9".into());
        let mut results = vec![(sdk.clone(), offline)];
        for r in row.deleted() {
            results.push((r.clone(), why.clone()));
        }
        let rule = row.by_hand()[0].clone();
        results.push((
            rule.clone(),
            CleanupAction::Manual("delete it in the console".into()),
        ));
        let held = HeldBack {
            vip: "10.0.0.9".into(),
            unrestored: vec![sdk.clone()],
        };
        s.on_event(
            RunsEvent::HeldBack {
                id: "run-b".into(),
                results,
                held: held.clone(),
            },
            Lang::En,
        );
        // The journals as before (refresh read a directory that does not exist).
        s.entries = state().entries;
        let l = s.live.clone().unwrap();
        assert!(!s.busy());
        assert_eq!(l.held_back.as_ref(), Some(&held));
        let state_of = |id: &str| l.items.iter().find(|(r, _)| r.id == id).unwrap().1.clone();
        assert!(matches!(state_of(&sdk.id), ItemState::Manual(m) if m.contains("offline")));
        for r in row.deleted() {
            assert_eq!(state_of(&r.id), ItemState::Kept, "{}", r.id);
        }
        assert!(matches!(state_of(&rule.id), ItemState::Manual(_)));
        // The status line: how many, where they point, nothing deleted, what to do.
        let status = status_line(&s, Lang::En).to_string();
        for must in [
            "1 sdk.config not restored",
            "10.0.0.9",
            "ins-biz1",
            "nothing was deleted",
            "c cleans up again",
            "F deletes anyway",
        ] {
            assert!(status.contains(must), "{must:?} in {status}");
        }
        assert!(status.starts_with(" ! "), "{status}");
        let keys: Vec<&str> = s.keys().iter().map(|(k, _)| *k).collect();
        assert!(keys.contains(&"c") && keys.contains(&"F"), "{keys:?}");
        // F on another run: nothing.
        key(&mut s, KeyCode::Down);
        key(&mut s, KeyCode::Char('F'));
        assert!(s.confirm.is_none());
        assert!(!s.keys().iter().any(|(k, _)| *k == "F"));
        key(&mut s, KeyCode::Up);
        // F: the dialog names the server that keeps pointing at the VIP; n cancels.
        key(&mut s, KeyCode::Char('F'));
        let c = s.confirm.clone().expect("the delete-anyway dialog");
        assert_eq!(c.force.as_ref(), Some(&held));
        let text: String = confirm_lines(&c, Lang::En)
            .iter()
            .map(|l| l.to_string() + "\n")
            .collect();
        for must in [
            "10.0.0.9",
            "ins-biz1 /etc/qcloud/sdk.config",
            "sdk.config.bak.1",
            "login breaks",
            "(4 resource(s))",
            "delete anyway",
        ] {
            assert!(text.contains(must), "{must:?} in {text}");
        }
        assert_eq!(s.keys()[0], ("y", "runs.key.force_confirm"));
        key(&mut s, KeyCode::Char('n'));
        assert!(s.confirm.is_none() && s.take_jobs().is_empty());
        // c cleans up again (after restoring by hand): the usual dialog, not forced.
        key(&mut s, KeyCode::Char('c'));
        assert_eq!(s.confirm.as_ref().map(|c| c.force.is_none()), Some(true));
        key(&mut s, KeyCode::Esc);
        // F, y: a forced cleanup with live progress.
        key(&mut s, KeyCode::Char('F'));
        key(&mut s, KeyCode::Enter);
        assert!(matches!(
            s.take_jobs().as_slice(),
            [RunsJob::Cleanup { id, force: true, .. }] if id == "run-b"
        ));
        let l = s.live.clone().unwrap();
        assert!(l.running() && l.force && l.held_back.is_none());
        assert!(l.items.iter().all(|(_, st)| *st == ItemState::Waiting));
        assert!(!s.keys().iter().any(|(k, _)| *k == "F"));
        s.on_event(
            RunsEvent::CleanedUp {
                id: "run-b".into(),
                result: Ok(row
                    .deleted()
                    .into_iter()
                    .map(|r| (r.clone(), CleanupAction::Deleted))
                    .collect()),
            },
            Lang::En,
        );
        let l = s.live.clone().unwrap();
        assert!(
            matches!(&l.result, Some(Ok(m)) if m.contains("4 deleted")),
            "{:?}",
            l.result
        );
        assert!(status_line(&s, Lang::En).to_string().starts_with(" ✓ "));
    }

    #[test]
    fn cleanup_verdicts_read_as_words() {
        assert_eq!(ItemState::of(&CleanupAction::Deleted), ItemState::Deleted);
        assert_eq!(ItemState::of(&CleanupAction::AlreadyGone), ItemState::Gone);
        assert_eq!(
            ItemState::of(&CleanupAction::Manual("x".into())),
            ItemState::Manual("x".into())
        );
        let again = ItemState::of(&CleanupAction::AlreadyRestored {
            backup: "/b".into(),
        });
        assert_eq!(again, ItemState::AlreadyRestored);
        for lang in [Lang::En, Lang::Zh] {
            let sdk = resource(
                ResourceKind::SdkConfigChange,
                "ins-1:/etc/qcloud/sdk.config",
                Some("ins-1"),
                "/etc/qcloud/sdk.config.bak.1",
            );
            for st in [
                ItemState::Restored,
                ItemState::AlreadyRestored,
                ItemState::Working,
            ] {
                let text = item_line(&sdk, &st, lang, 0).to_string();
                assert!(!text.contains("runs.") && !text.contains("bak.1"), "{text}");
            }
        }
    }

    #[test]
    fn at_80_columns_the_table_keeps_the_run_id_whole() {
        let s = state();
        for lang in [Lang::En, Lang::Zh] {
            for (width, dropped) in [(78, vec!["started"]), (60, vec!["started", "region"])] {
                let cols = columns(&s, lang, width);
                let names: Vec<&str> = cols.iter().map(|(c, _)| c.name()).collect();
                assert_eq!(cols[0], (Col::Id, 5), "the ids whole");
                assert!(dropped.iter().all(|d| !names.contains(d)), "{names:?}");
                assert!(names.contains(&"status") && names.contains(&"stopped"));
                let used: u16 = cols.iter().map(|(_, w)| w).sum::<u16>() + cols.len() as u16 - 1;
                assert!(used <= width, "{cols:?}");
            }
            assert_eq!(columns(&s, lang, 200).len(), 7);
        }
    }

    #[test]
    fn the_log_wraps_and_keeps_the_newest_rows() {
        let log = vec![
            "old".to_string(),
            "  retrying in 3 s".to_string(),
            "新".repeat(8),
        ];
        let rows: Vec<String> = tail(&log, 3, 10).iter().map(|l| l.to_string()).collect();
        // Continuations start under the text (after the mark), not at column 0.
        assert_eq!(rows, ["  in 3 s", "新新新新新", "新新新"]);
        assert!(rows.iter().all(|r| Span::raw(r.clone()).width() <= 10));
    }

    #[test]
    fn live_progress_moves_the_steps_and_counts_down_a_reconnect() {
        let s = state();
        let row = run(&s.entries[0]).clone();
        let mut l = Live::new(LiveKind::Resume, &row, 0, false);
        let lang = Lang::En;
        l.progress(
            &Progress::StepDone {
                step: Step::Image,
                summary: crate::i18n::Text::new("engine.step.already_done", &[]),
            },
            lang,
        );
        l.progress(
            &Progress::StepStarted {
                step: Step::LoadBalancer,
            },
            lang,
        );
        assert_eq!(l.steps[2].2, StepLive::Running);
        l.progress(&Progress::Reconnecting { seconds_left: 5 }, lang);
        l.progress(&Progress::Reconnecting { seconds_left: 4 }, lang);
        assert_eq!(l.reconnecting, Some(4));
        let lines = l.log.len();
        l.progress(
            &Progress::StepDone {
                step: Step::LoadBalancer,
                summary: crate::i18n::Text::raw("lb-9"),
            },
            lang,
        );
        assert_eq!(l.reconnecting, None);
        assert_eq!(l.steps[2].2, StepLive::Done(crate::i18n::Text::raw("lb-9")));
        assert_eq!(l.log.len(), lines + 1);
        let en = l.log_lines(Lang::En);
        assert!(
            en.iter().filter(|x| x.contains("reconnect")).count() == 1,
            "{en:?}"
        );
        // The lines already on screen follow the language.
        let zh = l.log_lines(Lang::Zh);
        assert_eq!(zh.len(), en.len());
        assert_ne!(zh, en, "worded again in Chinese");
    }
}
