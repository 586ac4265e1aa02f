//! The run journal: what a scale-out run planned, which steps it reached,
//! every ClientToken before its call is sent and every id returned, so a run
//! that dies halfway can be resumed or cleaned up.
//!
//! The data model and its transitions are pure; the file I/O is thin: one
//! JSON file per run, `runs/<run_id>.json` in the data dir, written
//! atomically (temporary file + rename) with mode 0600. No secret is ever
//! stored: the journal holds a plan, ids and tokens, never credentials.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::scaleout::plan::Plan;
use crate::scaleout::steps::Step;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum StepState {
    Pending,
    Running,
    Done,
    Failed { reason: String },
    Skipped,
}

/// One step of a phase (`session` / `business`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub phase: String,
    pub step: Step,
    #[serde(flatten)]
    pub state: StepState,
    /// Recorded before the creating call is sent, reused on retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
    /// Ids the step's calls returned (image, instances, CLB, listener, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    /// The step's typed result as JSON (what a resume continues from).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub output: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<DateTime<Utc>>,
}

/// What kind of thing a run created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResourceKind {
    #[serde(rename = "image")]
    Image,
    #[serde(rename = "instance")]
    Instance,
    #[serde(rename = "clb")]
    LoadBalancer,
    #[serde(rename = "listener")]
    Listener,
    #[serde(rename = "sg-rule")]
    SecurityGroupRule,
    #[serde(rename = "sdk-config")]
    SdkConfigChange,
}

impl ResourceKind {
    /// The name in the journal file and in `tcscale cleanup`'s list.
    pub fn name(self) -> &'static str {
        match self {
            ResourceKind::Image => "image",
            ResourceKind::Instance => "instance",
            ResourceKind::LoadBalancer => "clb",
            ResourceKind::Listener => "listener",
            ResourceKind::SecurityGroupRule => "sg-rule",
            ResourceKind::SdkConfigChange => "sdk-config",
        }
    }
}

/// A cloud resource this run created (what cleanup deletes, newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub kind: ResourceKind,
    pub id: String,
    pub region: String,
    /// Where it hangs (the CLB of a listener, the SG of a rule, the instance of an sdk.config).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// What identifies it beyond the id: the ClientToken of an instance, a
    /// listener's `TCP:80`, a rule's text, an sdk.config's backup path.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// An sdk.config change: the sha256 of the original, which its backup
    /// (`detail`) must still match before cleanup puts it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl Resource {
    /// A creation sent but not answered into the journal (the process died
    /// in between): no id yet; `detail` is the key it is found by.
    pub fn is_intent(&self) -> bool {
        self.id.is_empty()
    }

    /// The key an intent is looked up by, where it means something to a
    /// reader (an image's name, a listener's `TCP:80`, a rule); a
    /// ClientToken (instances, CLBs) is not shown.
    pub fn intent_key(&self) -> &str {
        match self.kind {
            ResourceKind::Instance | ResourceKind::LoadBalancer => "",
            _ => &self.detail,
        }
    }
}

/// Where a run stands, derived from its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    /// Started and not finished: running now, or interrupted (resume it).
    Running,
    /// A step failed: retry (resume), skip it where safe, or clean up.
    Failed,
    Done,
    CleanedUp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub run_id: String,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// The region the run works in (resume and cleanup go there).
    #[serde(default)]
    pub region: String,
    /// The plan of `tcscale apply`; none for a wizard run, whose steps are
    /// added as the user reaches them.
    #[serde(default)]
    pub plan: Option<Plan>,
    pub steps: Vec<StepRecord>,
    #[serde(default)]
    pub created_resources: Vec<Resource>,
    /// Set when the run ended (all done, or cleaned up / abandoned by the user).
    #[serde(default)]
    pub closed: bool,
    /// Set when cleanup deleted what the run created.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cleaned_up: bool,
    /// The sandbox world the run was made in (`sim::persist`); none on a
    /// Tencent Cloud account. Resume and cleanup go to that world only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<String>,
}

impl StepRecord {
    fn pending(phase: &str, step: Step) -> StepRecord {
        StepRecord {
            phase: phase.to_string(),
            step,
            state: StepState::Pending,
            client_token: None,
            ids: Vec::new(),
            output: serde_json::Value::Null,
            started: None,
            finished: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("no step {step:?} in phase {phase} of run {run_id}")]
    NoSuchStep {
        run_id: String,
        phase: String,
        step: Step,
    },
    #[error("journal file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("journal file {path} is not valid: {message}")]
    Corrupt { path: PathBuf, message: String },
    /// Another process works on this run (its lock is held).
    #[error(
        "run {run_id} is in use by another tcscale process (pid {pid}: {command}, since {since})"
    )]
    Locked {
        run_id: String,
        pid: u32,
        command: String,
        since: String,
    },
}

impl JournalError {
    /// The error as the user reads it: a held run says who holds it and what to do.
    pub fn explain(&self, lang: crate::i18n::Lang) -> String {
        match self {
            JournalError::Locked {
                run_id,
                pid,
                command,
                since,
            } => crate::i18n::tf(
                lang,
                "engine.runs.locked",
                &[
                    ("id", run_id),
                    ("pid", pid),
                    ("command", command),
                    ("since", since),
                ],
            ),
            other => other.to_string(),
        }
    }
}

/// What a new run shares with an active one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlap {
    /// The same plan, by content (the path it was read from does not count).
    SamePlan,
    /// A server or CLB both runs create or change resources on.
    Resource(String),
}

/// An active run (its lock held by another process) that a new run would collide with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub run_id: String,
    pub holder: LockHolder,
    pub overlap: Overlap,
}

/// Why a new run could not start.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error("run {} (pid {}) is active and overlaps this one", .0.run_id, .0.holder.pid)]
    Conflict(Conflict),
    #[error(transparent)]
    Journal(#[from] JournalError),
}

impl ClaimError {
    /// The refusal as the user reads it: the other run, its pid and
    /// command, and what to do.
    pub fn explain(&self, lang: crate::i18n::Lang) -> String {
        match self {
            ClaimError::Conflict(c) => {
                let h = &c.holder;
                let args: [(&str, &dyn std::fmt::Display); 4] = [
                    ("run", &c.run_id),
                    ("pid", &h.pid),
                    ("command", &h.command),
                    ("since", &h.since),
                ];
                match &c.overlap {
                    Overlap::SamePlan => {
                        crate::i18n::tf(lang, "engine.apply.same_plan_running", &args)
                    }
                    Overlap::Resource(r) => {
                        let mut all = args.to_vec();
                        all.push(("resource", r));
                        crate::i18n::tf(lang, "engine.apply.same_resource_running", &all)
                    }
                }
            }
            ClaimError::Journal(e) => e.explain(lang),
        }
    }
}

/// Who holds a run's lock, as its lock file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    pub pid: u32,
    pub command: String,
    pub since: String,
}

impl LockHolder {
    fn parse(text: &str) -> LockHolder {
        let mut h = LockHolder {
            pid: 0,
            command: "?".into(),
            since: "?".into(),
        };
        for line in text.lines() {
            match line.split_once('=') {
                Some(("pid", v)) => h.pid = v.trim().parse().unwrap_or(0),
                Some(("command", v)) => h.command = v.trim().to_string(),
                Some(("since", v)) => h.since = v.trim().to_string(),
                _ => {}
            }
        }
        h
    }
}

/// One process per run: an exclusive advisory lock (flock) on
/// `runs/<id>.lock`, held while this value lives and released by the
/// kernel when the process dies, even by SIGKILL, so a killed run can be
/// resumed at once. Within one process the lock is shared (the wizard and
/// its Runs screen work on the same run); see [`JournalStore::lock`].
#[derive(Debug)]
pub struct RunLock {
    _file: std::fs::File,
    path: PathBuf,
}

impl RunLock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn held_locks(
) -> &'static std::sync::Mutex<std::collections::HashMap<PathBuf, std::sync::Weak<RunLock>>> {
    static HELD: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<PathBuf, std::sync::Weak<RunLock>>>,
    > = std::sync::OnceLock::new();
    HELD.get_or_init(Default::default)
}

/// The command line a lock file names its holder by: the program and its
/// subcommand words, never flags or their values (a `--secret-key` must not
/// land in a file).
fn holder_command() -> String {
    let mut words = Vec::new();
    for (i, a) in std::env::args().enumerate() {
        if i == 0 {
            let name = std::path::Path::new(&a)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or(a);
            words.push(name);
            continue;
        }
        if a.starts_with('-') || words.len() >= 3 {
            break;
        }
        words.push(a);
    }
    words.join(" ")
}

impl Journal {
    /// A new journal with every step of the plan's phases `Pending`.
    pub fn new(run_id: &str, plan: Plan, now: DateTime<Utc>) -> Journal {
        let mut j = Journal::open(run_id, plan.region.as_deref().unwrap_or(""), now);
        for (phase, present) in [
            ("session", plan.role.has_session()),
            ("business", plan.role.has_business()),
        ] {
            if !present {
                continue;
            }
            for step in crate::scaleout::steps::steps_of(phase == "session", &plan) {
                j.steps.push(StepRecord::pending(phase, step));
            }
        }
        j.plan = Some(plan);
        j
    }

    /// A journal without a plan (a wizard run): steps are added by
    /// [`Journal::ensure_step`] as the user reaches them.
    pub fn open(run_id: &str, region: &str, now: DateTime<Utc>) -> Journal {
        Journal {
            run_id: run_id.to_string(),
            created: now,
            updated: now,
            region: region.to_string(),
            plan: None,
            steps: Vec::new(),
            created_resources: Vec::new(),
            closed: false,
            cleaned_up: false,
            sandbox: None,
        }
    }

    /// Adds a `Pending` step if the journal has none of that phase and name
    /// (a wizard run, or a step outside the plan such as Auto Scaling).
    pub fn ensure_step(&mut self, phase: &str, step: Step) {
        if self.step(phase, step).is_none() {
            self.steps.push(StepRecord::pending(phase, step));
            self.closed = false;
        }
    }

    /// Stores a step's result (what a resume reads back instead of redoing it).
    pub fn set_output(
        &mut self,
        phase: &str,
        step: Step,
        output: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        self.step_mut(phase, step)?.output = output;
        self.updated = now;
        Ok(())
    }

    /// The servers and CLBs this run creates or changes resources on, as
    /// its plan names them (the source servers, an existing CLB) and as it
    /// made them (the CLBs it created).
    pub fn footprint(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(plan) = &self.plan {
            for p in [&plan.session, &plan.business].into_iter().flatten() {
                out.push(p.source.clone());
                if let Some(lb) = p.clb.as_deref().filter(|c| *c != "create") {
                    out.push(lb.to_string());
                }
            }
        }
        out.extend(
            self.created_of(ResourceKind::LoadBalancer)
                .map(|r| r.id.clone()),
        );
        out.sort();
        out.dedup();
        out
    }

    /// What this run shares with `other`: the same plan, or a server or CLB
    /// that one run's footprint names and the other's journal mentions (a
    /// wizard run has no plan, but its steps record the source and the CLB).
    pub fn overlap_with(&self, other: &Journal) -> Option<Overlap> {
        if self.plan.is_some() && self.plan == other.plan {
            return Some(Overlap::SamePlan);
        }
        let mentions = |j: &Journal, key: &str| {
            serde_json::to_string(j).is_ok_and(|text| text.contains(&format!("\"{key}\"")))
        };
        self.footprint()
            .into_iter()
            .find(|k| mentions(other, k))
            .or_else(|| other.footprint().into_iter().find(|k| mentions(self, k)))
            .map(Overlap::Resource)
    }

    /// Where the run stands.
    pub fn status(&self) -> RunStatus {
        if self.cleaned_up {
            RunStatus::CleanedUp
        } else if self
            .steps
            .iter()
            .any(|s| matches!(s.state, StepState::Failed { .. }))
        {
            RunStatus::Failed
        } else if self.closed || self.next_step().is_none() {
            RunStatus::Done
        } else {
            RunStatus::Running
        }
    }

    /// Records that cleanup deleted what the run created; the run is over.
    pub fn mark_cleaned_up(&mut self, now: DateTime<Utc>) {
        self.cleaned_up = true;
        self.closed = true;
        self.updated = now;
    }

    /// A resumed or retried failed step goes back to `Pending` (its token,
    /// ids and output are kept: the retry re-attaches to them).
    pub fn reopen(&mut self, now: DateTime<Utc>) {
        for s in &mut self.steps {
            if matches!(s.state, StepState::Failed { .. }) {
                s.state = StepState::Pending;
            }
        }
        self.closed = false;
        self.updated = now;
    }

    /// A fresh run id: time-sortable and unique (`20260601-120000-1a2b3c4d`).
    pub fn new_run_id(now: DateTime<Utc>) -> String {
        let rand = uuid::Uuid::new_v4().simple().to_string();
        format!("{}-{}", now.format("%Y%m%d-%H%M%S"), &rand[..8])
    }

    pub fn step(&self, phase: &str, step: Step) -> Option<&StepRecord> {
        self.steps
            .iter()
            .find(|s| s.phase == phase && s.step == step)
    }

    fn step_mut(&mut self, phase: &str, step: Step) -> Result<&mut StepRecord, JournalError> {
        let run_id = self.run_id.clone();
        self.steps
            .iter_mut()
            .find(|s| s.phase == phase && s.step == step)
            .ok_or(JournalError::NoSuchStep {
                run_id,
                phase: phase.to_string(),
                step,
            })
    }

    pub fn mark_running(
        &mut self,
        phase: &str,
        step: Step,
        now: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        let s = self.step_mut(phase, step)?;
        s.state = StepState::Running;
        s.started.get_or_insert(now);
        s.finished = None;
        self.updated = now;
        Ok(())
    }

    /// The step's ClientToken: the one already recorded (a retry or resume
    /// must reuse it), else `fresh` recorded now — before the call is sent.
    pub fn record_token_before_call(
        &mut self,
        phase: &str,
        step: Step,
        fresh: &str,
        now: DateTime<Utc>,
    ) -> Result<String, JournalError> {
        let s = self.step_mut(phase, step)?;
        let token = s
            .client_token
            .get_or_insert_with(|| fresh.to_string())
            .clone();
        self.updated = now;
        Ok(token)
    }

    /// Ids a call returned; duplicates are ignored (a resume sees them again).
    pub fn record_ids(
        &mut self,
        phase: &str,
        step: Step,
        ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        let s = self.step_mut(phase, step)?;
        for id in ids {
            if !s.ids.contains(id) {
                s.ids.push(id.clone());
            }
        }
        self.updated = now;
        Ok(())
    }

    /// A resource this run created (deleted by cleanup); duplicates ignored.
    pub fn record_resource(&mut self, resource: Resource, now: DateTime<Utc>) {
        if !self
            .created_resources
            .iter()
            .any(|r| r.kind == resource.kind && r.id == resource.id && r.parent == resource.parent)
        {
            self.created_resources.push(resource);
        }
        self.updated = now;
    }

    pub fn mark_done(
        &mut self,
        phase: &str,
        step: Step,
        now: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        self.finish(phase, step, StepState::Done, now)
    }

    pub fn mark_failed(
        &mut self,
        phase: &str,
        step: Step,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        self.finish(
            phase,
            step,
            StepState::Failed {
                reason: reason.to_string(),
            },
            now,
        )
    }

    pub fn mark_skipped(
        &mut self,
        phase: &str,
        step: Step,
        now: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        self.finish(phase, step, StepState::Skipped, now)
    }

    fn finish(
        &mut self,
        phase: &str,
        step: Step,
        state: StepState,
        now: DateTime<Utc>,
    ) -> Result<(), JournalError> {
        let s = self.step_mut(phase, step)?;
        s.state = state;
        s.finished = Some(now);
        self.updated = now;
        if self
            .steps
            .iter()
            .all(|s| matches!(s.state, StepState::Done | StepState::Skipped))
        {
            self.closed = true;
        }
        Ok(())
    }

    /// The first step not done or skipped: where a resume continues.
    pub fn next_step(&self) -> Option<&StepRecord> {
        self.steps
            .iter()
            .find(|s| !matches!(s.state, StepState::Done | StepState::Skipped))
    }

    /// Open and with work left.
    pub fn is_unfinished(&self) -> bool {
        !self.closed && self.next_step().is_some()
    }

    /// What cleanup undoes, in reverse creation order (rules and listeners
    /// before the CLB, instances before the image), except that every
    /// sdk.config change comes first: a business server must point back at
    /// its old session server before the VIP it was pointed at disappears,
    /// whatever order a wizard run created things in. A listener on a CLB
    /// the run created is not listed: it goes with its CLB.
    pub fn cleanup_order(&self) -> Vec<&Resource> {
        let own_clb = |id: &str| {
            self.created_resources
                .iter()
                .any(|r| r.kind == ResourceKind::LoadBalancer && r.id == id)
        };
        let mut order: Vec<&Resource> = self
            .created_resources
            .iter()
            .rev()
            .filter(|r| {
                !(r.kind == ResourceKind::Listener && r.parent.as_deref().is_some_and(own_clb))
            })
            .collect();
        // Stable: each group keeps its reverse creation order.
        order.sort_by_key(|r| r.kind != ResourceKind::SdkConfigChange);
        order
    }

    pub fn created_of(&self, kind: ResourceKind) -> impl Iterator<Item = &Resource> {
        self.created_resources
            .iter()
            .filter(move |r| r.kind == kind)
    }
}

/// A run id as it may appear in a file name: run ids are ours, but never
/// let one escape a directory (`a/../b` → `a____b`).
pub fn safe_run_id(run_id: &str) -> String {
    run_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Where journals live: `<data dir>/runs` (injectable for tests).
#[derive(Debug, Clone)]
pub struct JournalStore {
    pub dir: PathBuf,
}

impl JournalStore {
    pub fn new(dir: impl Into<PathBuf>) -> JournalStore {
        JournalStore { dir: dir.into() }
    }

    /// `$TCSCALE_DATA_DIR/runs`, else `runs/` under the platform's data dir
    /// (`~/.local/share/tcscale/runs` on Linux, beside the audit logs).
    pub fn default_location() -> Option<JournalStore> {
        if let Some(d) = std::env::var_os("TCSCALE_DATA_DIR").filter(|d| !d.is_empty()) {
            return Some(JournalStore::new(PathBuf::from(d).join("runs")));
        }
        crate::cloud::audit::project_dirs().map(|d| JournalStore::new(d.data_dir().join("runs")))
    }

    pub fn path_of(&self, run_id: &str) -> PathBuf {
        self.dir.join(format!("{}.json", safe_run_id(run_id)))
    }

    pub fn lock_path(&self, run_id: &str) -> PathBuf {
        self.path_of(run_id).with_extension("lock")
    }

    /// Takes the run's lock for this process (shared with any holder in
    /// this process); `Locked` names the other process holding it.
    pub fn lock(&self, run_id: &str) -> Result<std::sync::Arc<RunLock>, JournalError> {
        let path = self.lock_path(run_id);
        let mut held = held_locks().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(lock) = held.get(&path).and_then(std::sync::Weak::upgrade) {
            return Ok(lock);
        }
        let io = |source| JournalError::Io {
            path: path.clone(),
            source,
        };
        let mut file = self.open_lock_file(&path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let h = LockHolder::parse(&std::fs::read_to_string(&path).unwrap_or_default());
                return Err(JournalError::Locked {
                    run_id: run_id.to_string(),
                    pid: h.pid,
                    command: h.command,
                    since: h.since,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        // Ours now: say who holds it, for the next one who asks.
        let text = format!(
            "pid={}\ncommand={}\nsince={}\n",
            std::process::id(),
            holder_command(),
            Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
        );
        let _ = file.set_len(0);
        let _ = file.write_all(text.as_bytes());
        let _ = file.sync_all();
        let lock = std::sync::Arc::new(RunLock {
            _file: file,
            path: path.clone(),
        });
        held.retain(|_, w| w.strong_count() > 0);
        held.insert(path, std::sync::Arc::downgrade(&lock));
        Ok(lock)
    }

    /// Starts a new run: under one data-dir lock (`runs/.start.lock`, held
    /// only for this moment), looks for an active run it would collide with,
    /// then writes the journal and takes the run's lock. Without that one
    /// lock two processes started at the same instant both see "no other
    /// run" and both go ahead (issue 26); with it, the second one sees the
    /// first's journal, held by a live process, and is refused.
    pub fn claim(&self, journal: &Journal) -> Result<std::sync::Arc<RunLock>, ClaimError> {
        let _gate = self.start_gate()?;
        for other in self.list_runs().0 {
            if other.run_id == journal.run_id || other.cleaned_up {
                continue;
            }
            let Some(overlap) = journal.overlap_with(&other) else {
                continue;
            };
            if let Some(holder) = self.holder(&other.run_id) {
                return Err(ClaimError::Conflict(Conflict {
                    run_id: other.run_id,
                    holder,
                    overlap,
                }));
            }
        }
        let lock = self.lock(&journal.run_id)?;
        self.save(journal)?;
        Ok(lock)
    }

    /// The data dir's start lock, waited for (another start holds it for
    /// milliseconds) and released when the value is dropped.
    fn start_gate(&self) -> Result<std::fs::File, JournalError> {
        let path = self.dir.join(".start.lock");
        let io = |source| JournalError::Io {
            path: path.clone(),
            source,
        };
        let file = self.open_lock_file(&path).map_err(io)?;
        file.lock().map_err(io)?;
        Ok(file)
    }

    /// A lock file of this store (created 0600, never truncated: it names
    /// its holder), its folder made first.
    fn open_lock_file(&self, path: &Path) -> std::io::Result<std::fs::File> {
        std::fs::create_dir_all(&self.dir)?;
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        opts.open(path)
    }

    /// What `journal` created that another run of this data dir, not
    /// cleaned up, records too (two runs that found one image by its name
    /// before starts were serialized, or runs made on two machines with one
    /// data dir copied): id → that run. Cleanup keeps these, saying why.
    pub fn shared_with_other_runs(
        &self,
        journal: &Journal,
    ) -> std::collections::BTreeMap<String, String> {
        let mine: std::collections::BTreeSet<&str> = journal
            .created_resources
            .iter()
            .filter(|r| !r.is_intent() && r.kind != ResourceKind::SdkConfigChange)
            .map(|r| r.id.as_str())
            .collect();
        let mut out = std::collections::BTreeMap::new();
        for other in self.list_runs().0 {
            if other.run_id == journal.run_id || other.cleaned_up {
                continue;
            }
            for r in &other.created_resources {
                if mine.contains(r.id.as_str()) {
                    out.entry(r.id.clone())
                        .or_insert_with(|| other.run_id.clone());
                }
            }
        }
        out
    }

    /// Removes a run that never sent a call (its plan was refused by the
    /// check after it was claimed): nothing to resume or clean up.
    pub fn discard(&self, run_id: &str) {
        let _ = std::fs::remove_file(self.path_of(run_id));
        let _ = std::fs::remove_file(self.lock_path(run_id));
    }

    /// The other process working on `run_id` now, if any (this process's
    /// own lock does not count).
    pub fn holder(&self, run_id: &str) -> Option<LockHolder> {
        let path = self.lock_path(run_id);
        {
            let held = held_locks().lock().unwrap_or_else(|p| p.into_inner());
            if held.get(&path).is_some_and(|w| w.strong_count() > 0) {
                return None;
            }
        }
        let file = std::fs::File::open(&path).ok()?;
        match file.try_lock_shared() {
            Ok(()) => None,
            Err(_) => Some(LockHolder::parse(
                &std::fs::read_to_string(&path).unwrap_or_default(),
            )),
        }
    }

    /// Writes atomically: a temporary file in the same directory (0600),
    /// flushed, then renamed over the old one.
    pub fn save(&self, journal: &Journal) -> Result<PathBuf, JournalError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| JournalError::Io { path, source }
        };
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let path = self.path_of(&journal.run_id);
        let tmp = self.dir.join(format!(
            ".{}.{}.tmp",
            journal.run_id,
            uuid::Uuid::new_v4().simple()
        ));
        let json = serde_json::to_vec_pretty(journal).expect("a journal serializes");
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let result = (|| {
            let mut f = opts.open(&tmp)?;
            f.write_all(&json)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(io(&path)(e));
        }
        Ok(path)
    }

    pub fn load(&self, run_id: &str) -> Result<Journal, JournalError> {
        let path = self.path_of(run_id);
        let text = std::fs::read_to_string(&path).map_err(|source| JournalError::Io {
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| JournalError::Corrupt {
            path,
            message: e.to_string(),
        })
    }

    /// Every readable journal, oldest first; unreadable files are reported, not fatal.
    pub fn list_runs(&self) -> (Vec<Journal>, Vec<JournalError>) {
        let mut runs = Vec::new();
        let mut errors = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return (runs, errors);
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".json") else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            match self.load(id) {
                Ok(j) => runs.push(j),
                Err(err) => errors.push(err),
            }
        }
        runs.sort_by(|a, b| a.created.cmp(&b.created).then(a.run_id.cmp(&b.run_id)));
        (runs, errors)
    }

    /// Runs with work left, oldest first.
    pub fn unfinished(&self) -> Vec<Journal> {
        self.list_runs()
            .0
            .into_iter()
            .filter(Journal::is_unfinished)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaleout::plan;

    fn now() -> DateTime<Utc> {
        "2026-06-01T12:00:00Z".parse().unwrap()
    }

    fn session_plan() -> Plan {
        plan::parse(include_str!("../../assets/plans/session-servers.toml")).unwrap()
    }

    fn temp_store() -> JournalStore {
        JournalStore::new(
            std::env::temp_dir().join(format!("tcscale-journal-{}", uuid::Uuid::new_v4().simple())),
        )
    }

    #[test]
    fn one_process_per_run_shared_within_the_process_released_when_its_holder_dies() {
        let store = temp_store();
        let mine = store.lock("r1").unwrap();
        // The wizard and its Runs screen share this process's hold.
        let again = store.lock("r1").unwrap();
        assert!(std::sync::Arc::ptr_eq(&mine, &again));
        assert_eq!(store.holder("r1"), None, "our own hold is not another's");
        let text = std::fs::read_to_string(store.lock_path("r1")).unwrap();
        assert!(
            text.contains(&format!("pid={}", std::process::id())),
            "{text}"
        );
        drop((mine, again));

        // Another process holds run r2 (flock(1), as a stand-in for tcscale).
        std::fs::write(
            store.lock_path("r2"),
            "pid=4242\ncommand=tcscale apply plan.toml\nsince=2026-06-01 12:00:00 UTC\n",
        )
        .unwrap();
        let mut other = std::process::Command::new("flock")
            // -o: the lock stays with flock itself, not with its `sleep`.
            .args(["-x", "-o"])
            .arg(store.lock_path("r2"))
            .args(["sleep", "30"])
            .spawn()
            .expect("flock(1) runs");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while store.holder("r2").is_none() {
            assert!(std::time::Instant::now() < deadline, "flock never took it");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let err = store.lock("r2").unwrap_err();
        match &err {
            JournalError::Locked { pid, command, .. } => {
                assert_eq!(*pid, 4242);
                assert_eq!(command, "tcscale apply plan.toml");
            }
            other => panic!("{other:?}"),
        }
        let zh = err.explain(crate::i18n::Lang::Zh);
        assert!(zh.contains("4242") && zh.contains("kill 4242"), "{zh}");
        assert_eq!(store.holder("r2").map(|h| h.pid), Some(4242));
        // Killed (even -9): the kernel lets go, the run can be taken at once.
        other.kill().unwrap();
        other.wait().unwrap();
        // (Polled briefly: on a loaded machine the kernel may close the dead
        // process's files a moment after its parent has reaped it.)
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let taken = loop {
            match store.lock("r2") {
                Ok(l) => break Ok(l),
                Err(e) if std::time::Instant::now() > deadline => break Err(e),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        };
        assert!(taken.is_ok(), "{taken:?}");
        let _ = std::fs::remove_dir_all(&store.dir);
    }

    /// Holds `run_id`'s lock from another process (flock(1) standing in
    /// for tcscale) until the returned child is killed.
    fn held_elsewhere(store: &JournalStore, run_id: &str) -> std::process::Child {
        std::fs::write(
            store.lock_path(run_id),
            "pid=4242\ncommand=tcscale apply plan.toml\nsince=2026-06-01 12:00:00 UTC\n",
        )
        .unwrap();
        let other = std::process::Command::new("flock")
            .args(["-x", "-o"])
            .arg(store.lock_path(run_id))
            .args(["sleep", "30"])
            .spawn()
            .expect("flock(1) runs");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while store.holder(run_id).is_none() {
            assert!(std::time::Instant::now() < deadline, "flock never took it");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        other
    }

    #[test]
    fn overlap_is_the_same_plan_or_a_shared_source_server_or_clb() {
        let a = Journal::new("r1", session_plan(), now());
        // The same plan, by content.
        let b = Journal::new("r2", session_plan(), now());
        assert_eq!(a.overlap_with(&b), Some(Overlap::SamePlan));
        // Another plan on the same source server.
        let mut p = session_plan();
        p.session.as_mut().unwrap().count = 5;
        let c = Journal::new("r3", p, now());
        assert_eq!(
            a.overlap_with(&c),
            Some(Overlap::Resource("ins-auth0001".into()))
        );
        // Another source, but an existing CLB the other run created.
        let mut p = session_plan();
        p.session.as_mut().unwrap().source = "ins-auth0002".into();
        p.session.as_mut().unwrap().clb = Some("lb-made0001".into());
        let d = Journal::new("r4", p, now());
        assert_eq!(a.overlap_with(&d), None);
        let mut a2 = a.clone();
        a2.record_resource(
            Resource {
                kind: ResourceKind::LoadBalancer,
                id: "lb-made0001".into(),
                region: "ap-guangzhou".into(),
                parent: None,
                detail: String::new(),
                sha256: None,
            },
            now(),
        );
        assert_eq!(
            a2.overlap_with(&d),
            Some(Overlap::Resource("lb-made0001".into()))
        );
        // A wizard run (no plan) that recorded the source server.
        let mut w = Journal::open("r5", "ap-guangzhou", now());
        w.ensure_step("session", Step::Image);
        w.set_output(
            "session",
            Step::Image,
            serde_json::json!({"source": "ins-auth0001"}),
            now(),
        )
        .unwrap();
        assert_eq!(
            a.overlap_with(&w),
            Some(Overlap::Resource("ins-auth0001".into()))
        );
        assert_eq!(w.overlap_with(&d), None);
    }

    #[test]
    fn a_new_run_is_refused_while_an_overlapping_run_is_held_elsewhere() {
        let store = temp_store();
        let first = Journal::new("r1", session_plan(), now());
        store.save(&first).unwrap();
        let mut other = held_elsewhere(&store, "r1");
        let second = Journal::new("r2", session_plan(), now());
        let err = store.claim(&second).unwrap_err();
        match &err {
            ClaimError::Conflict(c) => {
                assert_eq!(c.run_id, "r1");
                assert_eq!(c.holder.pid, 4242);
                assert_eq!(c.overlap, Overlap::SamePlan);
            }
            other => panic!("{other:?}"),
        }
        for lang in [crate::i18n::Lang::En, crate::i18n::Lang::Zh] {
            let text = err.explain(lang);
            assert!(
                text.contains("r1") && text.contains("4242") && text.contains("kill 4242"),
                "{text}"
            );
        }
        assert!(
            !store.path_of("r2").exists(),
            "a refused run writes no journal"
        );
        // A plan on other servers and another CLB goes ahead beside it.
        let mut p = session_plan();
        p.session.as_mut().unwrap().source = "ins-auth0002".into();
        let third = Journal::new("r3", p, now());
        let lock = store.claim(&third).unwrap();
        assert!(store.path_of("r3").exists() && lock.path() == store.lock_path("r3"));
        // Once the first holder is gone, the same plan may start again.
        other.kill().unwrap();
        other.wait().unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while store.claim(&second).is_err() {
            assert!(std::time::Instant::now() < deadline, "never released");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        store.discard("r2");
        assert!(!store.path_of("r2").exists() && !store.lock_path("r2").exists());
        let _ = std::fs::remove_dir_all(&store.dir);
    }

    #[test]
    fn transitions() {
        let mut j = Journal::new("r1", session_plan(), now());
        assert_eq!(j.steps[0].step, Step::Image);
        assert!(j.is_unfinished());
        j.mark_running("session", Step::Launch, now()).unwrap();
        let t1 = j
            .record_token_before_call("session", Step::Launch, "tok-1", now())
            .unwrap();
        // A retry keeps the first token: the API then returns the same instances.
        let t2 = j
            .record_token_before_call("session", Step::Launch, "tok-2", now())
            .unwrap();
        assert_eq!((t1.as_str(), t2.as_str()), ("tok-1", "tok-1"));
        let ids = vec!["ins-aaaaaaaa".to_string(), "ins-bbbbbbbb".to_string()];
        j.record_ids("session", Step::Launch, &ids, now()).unwrap();
        j.record_ids("session", Step::Launch, &ids[..1], now())
            .unwrap();
        assert_eq!(j.step("session", Step::Launch).unwrap().ids, ids);
        j.mark_failed("session", Step::Launch, "LAUNCH_FAILED", now())
            .unwrap();
        assert_eq!(j.next_step().unwrap().step, Step::Image);
        assert!(j.mark_done("business", Step::Launch, now()).is_err());
        for s in j.steps.clone() {
            j.mark_done(&s.phase, s.step, now()).unwrap();
        }
        assert!(!j.is_unfinished());
        assert!(j.closed);
    }

    fn res(kind: ResourceKind, id: &str, parent: Option<&str>) -> Resource {
        Resource {
            kind,
            id: id.into(),
            region: "ap-guangzhou".into(),
            parent: parent.map(str::to_string),
            detail: String::new(),
            sha256: None,
        }
    }

    #[test]
    fn cleanup_is_reverse_creation_order() {
        use ResourceKind::*;
        let mut j = Journal::new("r1", session_plan(), now());
        for (kind, id, parent) in [
            (Image, "img-1", None),
            (Instance, "ins-1", None),
            (LoadBalancer, "lb-1", None),
            (Listener, "lbl-own", Some("lb-1")),
            (Listener, "lbl-2", Some("lb-public")),
            (Image, "img-1", None),
        ] {
            j.record_resource(res(kind, id, parent), now());
        }
        let order: Vec<&str> = j.cleanup_order().iter().map(|r| r.id.as_str()).collect();
        // The listener on the run's own CLB goes with the CLB.
        assert_eq!(order, vec!["lbl-2", "lb-1", "ins-1", "img-1"]);
        // sdk.config changes are restored before anything is deleted, even
        // when the journal has them before the CLB (a wizard run's order).
        let mut w = Journal::open("r2", "ap-guangzhou", now());
        for (kind, id, parent) in [
            (Image, "img-1", None),
            (
                SdkConfigChange,
                "ins-b1:/etc/qcloud/sdk.config",
                Some("ins-b1"),
            ),
            (LoadBalancer, "lb-1", None),
            (
                SecurityGroupRule,
                "sg-1:ingress:TCP:80:10.0.1.20",
                Some("sg-1"),
            ),
            (
                SdkConfigChange,
                "ins-b2:/etc/qcloud/sdk.config",
                Some("ins-b2"),
            ),
            (Instance, "ins-1", None),
        ] {
            w.record_resource(res(kind, id, parent), now());
        }
        let order: Vec<&str> = w.cleanup_order().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            order,
            vec![
                "ins-b2:/etc/qcloud/sdk.config",
                "ins-b1:/etc/qcloud/sdk.config",
                "ins-1",
                "sg-1:ingress:TCP:80:10.0.1.20",
                "lb-1",
                "img-1"
            ]
        );
        assert_eq!(j.created_of(Instance).count(), 1);
        let json = serde_json::to_string(&j.created_resources).unwrap();
        assert!(json.contains("\"kind\":\"clb\""), "{json}");
    }

    #[test]
    fn status_follows_the_steps() {
        let mut j = Journal::new("r1", session_plan(), now());
        assert_eq!(j.status(), RunStatus::Running);
        j.mark_failed("session", Step::Image, "CREATEFAILED", now())
            .unwrap();
        assert_eq!(j.status(), RunStatus::Failed);
        j.reopen(now());
        assert_eq!(j.status(), RunStatus::Running);
        assert_eq!(j.next_step().unwrap().step, Step::Image);
        j.mark_cleaned_up(now());
        assert_eq!(j.status(), RunStatus::CleanedUp);
        assert!(!j.is_unfinished());

        // A wizard run grows as the user goes.
        let mut w = Journal::open("r2", "ap-guangzhou", now());
        assert!(w.mark_running("session", Step::Image, now()).is_err());
        w.ensure_step("session", Step::Image);
        w.mark_running("session", Step::Image, now()).unwrap();
        w.set_output(
            "session",
            Step::Image,
            serde_json::json!({"image_id": "img-1"}),
            now(),
        )
        .unwrap();
        w.mark_done("session", Step::Image, now()).unwrap();
        assert_eq!(w.status(), RunStatus::Done);
        assert_eq!(
            w.step("session", Step::Image).unwrap().output["image_id"],
            "img-1"
        );
    }

    #[test]
    fn save_load_list_unfinished() {
        let store = temp_store();
        let mut a = Journal::new("20260601-120000-aaaa", session_plan(), now());
        let mut b = Journal::new("20260601-120001-bbbb", session_plan(), now());
        for s in b.steps.clone() {
            b.mark_done(&s.phase, s.step, now()).unwrap();
        }
        a.mark_running("session", Step::Image, now()).unwrap();
        let path = store.save(&a).unwrap();
        store.save(&b).unwrap();
        assert_eq!(store.load(&a.run_id).unwrap(), a);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Overwrite is atomic: no temporary file remains.
        a.mark_done("session", Step::Image, now()).unwrap();
        store.save(&a).unwrap();
        std::fs::write(store.dir.join("garbage.json"), "{").unwrap();
        let (runs, errors) = store.list_runs();
        assert_eq!(runs.len(), 2);
        assert_eq!(errors.len(), 1);
        let left: Vec<String> = std::fs::read_dir(&store.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        let unfinished = store.unfinished();
        assert_eq!(unfinished.len(), 1);
        assert_eq!(unfinished[0].run_id, a.run_id);
        assert_eq!(
            store.path_of("../../etc/passwd").parent().unwrap(),
            store.dir.as_path()
        );
        let _ = std::fs::remove_dir_all(&store.dir);
    }

    #[test]
    fn no_secret_in_the_journal() {
        // The journal's types hold no credential field: a saved journal of a
        // full plan carries no credential-like key. (The end-to-end secret
        // scan of issue 7 covers the values.)
        let mut j = Journal::new(&Journal::new_run_id(now()), session_plan(), now());
        j.record_token_before_call("session", Step::Launch, "tok", now())
            .unwrap();
        let store = temp_store();
        let path = store.save(&j).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        for field in [
            "SecretKey",
            "secret_key",
            "SecretId",
            "Token\":",
            "password",
        ] {
            assert!(!text.contains(field), "{field} in journal");
        }
        let _ = std::fs::remove_dir_all(&store.dir);
    }
}
