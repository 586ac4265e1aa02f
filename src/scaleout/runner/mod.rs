//! The engine: performs the guide's steps through the API client, one async
//! function per step, reporting live [`Progress`] through a channel and
//! recording every ClientToken and every id in the run journal before and
//! after each call, so a run can be resumed or cleaned up.
//!
//! - [`wait`]: calls with reconnect/retry, and polling at a gentle interval
//! - [`image`], [`launch`], [`load_balancer`], [`bind`],
//!   [`security_group_step`], [`sdk_config_step`]: one step each
//! - [`flow`]: `run_plan` (a plan file's steps in the guide's order) and
//!   what to offer after a failure (retry / skip / clean up)
//! - [`record`]: the engine's handle on the run journal (`scaleout::journal`)
//! - [`resume`]: continuing a journaled run (CLI `resume` and the TUI's Runs screen)
//! - [`verify`]: whether a journaled step's resources are still there before it is skipped

pub mod autoscaling_step;
pub mod bind;
pub mod cleanup;
pub mod flow;
pub mod image;
pub mod intents;
pub mod kill_hook;
pub mod launch;
pub mod load_balancer;
pub mod overlap;
pub mod perform;
pub mod plan_check;
pub mod record;
pub mod remote_edit;
pub mod resume;
pub mod sdk_config_step;
pub mod security_group_step;
pub mod verify;
pub mod wait;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::cloud::{Client, CloudError};
use crate::i18n::{tf, Lang, Text};

pub use crate::scaleout::steps::Step;
pub use flow::{
    can_skip, failed_step, prepare_retry, recovery_options, run_plan, skip_failed, Recovery,
    RunOutcome,
};
pub use record::RunRecord;
pub use resume::resume;
pub use wait::PollPolicy;

/// What the engine reports while it works; the TUI and `apply` render from it.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    StepStarted {
        step: Step,
    },
    ImageState {
        id: String,
        state: String,
        elapsed: Duration,
    },
    InstanceState {
        id: String,
        state: String,
    },
    /// `RunInstances` with `DryRun` passed: the real launch would be accepted.
    DryRunPassed,
    /// A CLB asynchronous task (`DescribeTaskStatus`).
    Task {
        clb: String,
        task_id: String,
        status: crate::cloud::status::ClbTask,
    },
    TargetBound {
        instance: String,
    },
    TargetHealth {
        instance: String,
        status: String,
    },
    TatOutput {
        instance: String,
        status: String,
        output: String,
    },
    /// A call failed in a way worth retrying (throttled, internal error, CLB busy).
    Retrying {
        reason: String,
        wait: Duration,
    },
    /// The network is down; the engine retries by itself when the countdown ends.
    Reconnecting {
        seconds_left: u64,
    },
    StepDone {
        step: Step,
        summary: crate::i18n::Text,
    },
    StepFailed {
        step: Step,
        error: String,
    },
    /// Cleanup of one resource, in cleanup's order: `Started`, then its verdict.
    Cleanup {
        resource: crate::scaleout::journal::Resource,
        stage: cleanup::CleanupStage,
    },
    /// A wave of the rolling sdk.config update starts (1-based `wave` of `of`).
    SdkWave {
        wave: usize,
        of: usize,
        ids: Vec<String>,
    },
    /// Anything else worth a line (skipped targets, reused resources…),
    /// worded when shown.
    Log(crate::i18n::Text),
}

/// Why a step stopped.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StepError {
    /// The API refused a call (not a transient error).
    #[error("{0}")]
    Cloud(#[from] CloudError),
    /// Asynchronous work ended badly: CREATEFAILED, LAUNCH_FAILED, task status 1, TAT FAILED.
    /// `reason` is worded when explained (API messages are `Text::raw`).
    #[error("{what}: {}", .reason.in_lang(Lang::En))]
    Failed {
        what: String,
        reason: crate::i18n::Text,
        /// The RequestId of the call whose work failed (`LatestOperationRequestId`), when known.
        request_id: Option<String>,
    },
    /// Something the step needs is missing or inconsistent (no business server, port in use…).
    /// Worded when explained, in the language on screen then.
    #[error("{}", .0.in_lang(Lang::En))]
    Blocked(crate::i18n::Text),
    /// Waited longer than the operation can take.
    #[error("{what}: still {state} after {waited:?}")]
    TimedOut {
        what: String,
        state: String,
        waited: Duration,
    },
    /// The journal could not be written: continuing would lose track of resources.
    #[error("journal: {0}")]
    Journal(String),
}

impl StepError {
    /// The error as the user reads it, in their language.
    pub fn explain(&self, lang: Lang) -> String {
        match self {
            StepError::Cloud(e) => explain_cloud(e, lang),
            StepError::Failed { what, reason, .. } => tf(
                lang,
                "engine.error.failed",
                &[("what", what), ("reason", &reason.in_lang(lang))],
            ),
            StepError::Blocked(m) => tf(
                lang,
                "engine.error.blocked",
                &[("reason", &m.in_lang(lang))],
            ),
            StepError::TimedOut {
                what,
                state,
                waited,
            } => tf(
                lang,
                "engine.error.timed_out",
                &[
                    ("what", what),
                    ("state", state),
                    ("secs", &waited.as_secs()),
                ],
            ),
            StepError::Journal(m) => tf(lang, "engine.error.journal", &[("reason", m)]),
        }
    }
}

impl StepError {
    /// The API's error code: a refused call's `Code`, or the code an
    /// asynchronous failure's message starts with (`LaunchFailed: …`).
    pub fn code(&self) -> Option<String> {
        match self {
            StepError::Cloud(e) => e.code().map(str::to_string),
            StepError::Failed { reason, .. } => split_code(&reason.in_lang(Lang::En)).0,
            _ => None,
        }
    }

    /// The API's own message (an asynchronous failure's reason, its code off).
    pub fn api_message(&self) -> Option<String> {
        match self {
            StepError::Cloud(e) => e.message().map(str::to_string),
            StepError::Failed { reason, .. } => Some(split_code(&reason.in_lang(Lang::En)).1),
            _ => None,
        }
    }

    /// The RequestId of the failed call, to quote to support.
    pub fn request_id(&self) -> Option<String> {
        match self {
            StepError::Cloud(e) => e.request_id().map(str::to_string),
            StepError::Failed { request_id, .. } => request_id.clone(),
            _ => None,
        }
    }
}

/// `Code: message` → (the code, the message); a message not starting with
/// an API-style code (`Word.Word`, no spaces) has none.
fn split_code(m: &str) -> (Option<String>, String) {
    match m.split_once(": ") {
        Some((code, rest))
            if code.starts_with(|c: char| c.is_ascii_uppercase())
                && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') =>
        {
            (Some(code.to_string()), rest.to_string())
        }
        _ => (None, m.to_string()),
    }
}

/// A cloud error as the user reads it: what happened and what to do, then
/// the code, message and RequestId to quote to support.
fn explain_cloud(e: &CloudError, lang: Lang) -> String {
    match e {
        CloudError::Api {
            action,
            code,
            message,
            request_id,
            ..
        } => {
            let x = e.explain(lang);
            let raw = tf(
                lang,
                "engine.error.api",
                &[
                    ("action", action),
                    ("code", code),
                    ("message", message),
                    ("request_id", request_id),
                ],
            );
            format!("{} {} — {raw}", x.summary, x.fix)
        }
        CloudError::Network { action, .. } => {
            tf(lang, "engine.error.network", &[("action", action)])
        }
        other => other.to_string(),
    }
}

/// What every step gets: the client, where to report, how fast to poll,
/// and the run's record (journal).
#[derive(Clone)]
pub struct Engine {
    pub client: Client,
    pub progress: UnboundedSender<Progress>,
    pub poll: PollPolicy,
    pub lang: Lang,
    pub record: Arc<Mutex<RunRecord>>,
    /// Ambiguous answers to creations without a ClientToken (see
    /// [`Engine::send`]): bounds the look-and-retry loop.
    pub unknown: Arc<wait::UnknownCounts>,
    /// The sandbox world the client talks to (`sim::persist`); none on a
    /// Tencent Cloud account. A run is resumed only in the world it was made in.
    pub world: Option<String>,
}

impl Engine {
    pub fn new(
        client: Client,
        progress: UnboundedSender<Progress>,
        poll: PollPolicy,
        lang: Lang,
        record: RunRecord,
    ) -> Engine {
        Engine {
            client,
            progress,
            poll,
            lang,
            record: Arc::new(Mutex::new(record)),
            unknown: Arc::default(),
            world: None,
        }
    }

    /// This engine talks to the sandbox world `world` (or to a real account).
    pub fn in_world(mut self, world: Option<String>) -> Engine {
        self.world = world;
        self
    }

    /// An engine for another run (`record`) on this one's client and world.
    pub fn for_record(&self, record: RunRecord, progress: UnboundedSender<Progress>) -> Engine {
        Engine::new(self.client.clone(), progress, self.poll, self.lang, record)
            .in_world(self.world.clone())
    }

    /// Refuses to work on a run made in another world: a reset sandbox
    /// (its resources are gone), the sandbox for an account's run, or the
    /// other way round.
    pub fn check_world(&self) -> Result<(), StepError> {
        let (id, made_in, made_anything) = self.recorded(|r| {
            (
                r.id().to_string(),
                r.journal.sandbox.clone(),
                !r.journal.created_resources.is_empty()
                    || r.journal
                        .steps
                        .iter()
                        .any(|s| s.state != crate::scaleout::journal::StepState::Pending),
            )
        });
        match record::world_mismatch(made_in.as_deref(), made_anything, self.world.as_deref()) {
            None => Ok(()),
            Some(key) => Err(StepError::Blocked(Text::new(key, &[("id", &id)]))),
        }
    }

    /// Reports progress; a closed channel (the UI went away) is not an error:
    /// the work, once started, is finished and journaled regardless.
    pub fn report(&self, p: Progress) {
        let _ = self.progress.send(p);
    }

    pub fn log(&self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) {
        self.say(Text::new(key, args));
    }

    /// A log line already made into a [`Text`] (nested or per-language words).
    pub fn say(&self, text: Text) {
        self.report(Progress::Log(text));
    }

    /// Changes the record and writes the journal file at once (atomically).
    pub fn journal<R>(&self, f: impl FnOnce(&mut RunRecord) -> R) -> Result<R, StepError> {
        let mut rec = self.record.lock().unwrap_or_else(|p| p.into_inner());
        let out = f(&mut rec);
        rec.save().map_err(StepError::Journal)?;
        Ok(out)
    }

    /// A read of the record.
    pub fn recorded<R>(&self, f: impl FnOnce(&RunRecord) -> R) -> R {
        let rec = self.record.lock().unwrap_or_else(|p| p.into_inner());
        f(&rec)
    }
}
