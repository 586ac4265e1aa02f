//! Async work of the wizard: each [`Job`] runs in its own tokio task and
//! reports through [`JobEvent`]s on the app's channel, so the render loop
//! never awaits the network. The work itself is done by the scale-out
//! engine; this file only translates between the wizard's state and it.

use tokio::sync::mpsc::UnboundedSender;

use crate::scaleout::runner::Engine;
use crate::tui::state::{Architecture, ClbView, InstanceView, Role, SdkRow, SgRow, TargetStatus};

/// Something the wizard asked to be done.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    /// Today's architecture of the region.
    Discover,
    /// What each business server's sdk.config says `authServerUrl` is
    /// (batched TAT reads; nothing written).
    ReadAuthUrls { instance_ids: Vec<String> },
    /// InquiryPriceRunInstances for the launch form.
    Price {
        zone: String,
        instance_type: String,
        image_id: Option<String>,
        count: i64,
    },
    /// CreateImage, then poll DescribeImages until NORMAL.
    /// CreateImage of exactly the request the confirm dialog showed.
    CreateImage {
        input: crate::scaleout::runner::image::ImageInput,
    },
    /// RunInstances with DryRun, then for real, then poll until RUNNING.
    /// RunInstances of exactly the request the confirm dialog showed.
    Launch {
        input: Box<crate::scaleout::runner::launch::LaunchInput>,
        /// The user accepted the placement mismatches (^O): journaled, so a
        /// resume accepts them too, and only then.
        override_consistency: bool,
    },
    /// CreateLoadBalancer, then poll its task.
    /// CreateLoadBalancer (an internal CLB) of exactly the request the
    /// confirm dialog showed.
    CreateClb {
        input: crate::scaleout::runner::load_balancer::ClbInput,
    },
    /// The user picked an existing CLB: no call, but the run's plan must
    /// say so, or a resume would follow the plan default (create one).
    ChooseClb { clb_id: String },
    /// A launch confirmed while the image is still being made: its choices
    /// are noted now (no call), the launch itself is sent once the image is ready.
    NoteLaunch {
        input: Box<crate::scaleout::runner::launch::LaunchInput>,
        override_consistency: bool,
    },
    /// A phase's plan noted before its steps (the business half of
    /// "both", with the wizard's defaults): no call.
    PlanPhase {
        phase: crate::scaleout::runner::record::Phase,
        plan: Box<crate::scaleout::plan::Phase>,
    },
    /// The wizard's run was cleaned up: later steps go into a new journal.
    NewRun,
    /// The listener (created when missing), RegisterTargets, then health.
    Bind {
        clb_id: String,
        protocol: String,
        port: i64,
        backend_port: i64,
        instance_ids: Vec<String>,
        /// The role's servers that may not be bound: the engine leaves them
        /// out and journals why, as apply's Bind does.
        ineligible: Vec<String>,
    },
    /// Evaluate each instance's security groups for (VIP, TCP, port).
    CheckSecurityGroups {
        vip: String,
        port: i64,
        instance_ids: Vec<String>,
    },
    /// CreateSecurityGroupPolicies letting the VIP reach the port, on the
    /// first security group of each instance that lacks such a rule.
    FixSecurityGroups {
        vip: String,
        port: i64,
        instance_ids: Vec<String>,
    },
    /// Read each business server's sdk.config through TAT.
    ReadSdkConfig {
        vip: String,
        instance_ids: Vec<String>,
    },
    /// Write authServerUrl (compare-and-swap, backup, restart) through TAT.
    ApplySdkConfig {
        vip: String,
        instance_ids: Vec<String>,
    },
    /// At the Summary: the bound targets' health once more (the security
    /// group rule may just have let the health check in), polled until
    /// Alive or the health check's usual time; then the phase is closed in
    /// the run journal.
    FinishPhase {
        clb_id: String,
        port: i64,
        instance_ids: Vec<String>,
    },
}

impl Job {
    /// Whether quitting during this job should ask first (a price lookup need not).
    pub fn counts_as_work(&self) -> bool {
        // Neither is awaited by a screen: ChooseClb only writes the journal.
        !matches!(
            self,
            Job::Price { .. }
                | Job::ChooseClb { .. }
                | Job::PlanPhase { .. }
                | Job::NoteLaunch { .. }
                | Job::NewRun
                | Job::ReadAuthUrls { .. }
        )
    }
}

/// What a job reports back. A few events a second go through the channel,
/// so the size of the largest (the discovered architecture) does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum JobEvent {
    /// Each business server's `authServerUrl` (`None`: could not be read).
    AuthUrls(Result<Vec<(String, Option<String>)>, String>),
    /// A wave of the rolling sdk.config update starts: its servers restart now.
    SdkWave {
        label: String,
        ids: Vec<String>,
    },
    Discovered(Result<Architecture, String>),
    Price(Result<crate::i18n::Text, String>),
    /// InquiryPriceRunInstances refused a field of the Launch form (its
    /// index: 1 instance type, 2 zone, 3 project), the API's answer worded.
    PriceRefused {
        field: usize,
        message: String,
    },
    Quota(Result<crate::tui::state::ZoneQuota, String>),
    ImageCreated {
        image_id: String,
    },
    ImageState {
        state: String,
    },
    ImageDone,
    ImageFailed(StepFailure),
    DryRunPassed,
    InstanceState {
        id: String,
        state: String,
    },
    Launched(Vec<InstanceView>),
    LaunchFailed(StepFailure),
    ClbTask {
        note: String,
    },
    ClbCreated(ClbView),
    ClbFailed(StepFailure),
    ListenerCreated {
        listener_id: String,
        port: i64,
    },
    Target {
        id: String,
        status: TargetStatus,
    },
    TargetHealth {
        id: String,
        healthy: bool,
    },
    BindDone,
    BindFailed(StepFailure),
    SecurityGroups(Result<Vec<SgRow>, String>),
    SecurityGroupFixed {
        group_id: String,
        rule: String,
    },
    SecurityGroupsDone,
    SecurityGroupsFailed(StepFailure),
    SdkConfigs(Result<Vec<SdkRow>, String>),
    SdkHost {
        id: String,
        status: TargetStatus,
        output: Vec<String>,
    },
    SdkDone,
    SdkFailed(StepFailure),
    /// A new run journal replaced the cleaned-up one (its file, if journaled).
    RunStarted {
        journal_path: Option<String>,
    },
    /// The Summary's health re-check ended (its verdicts came as
    /// `TargetHealth`), with what the journal leaves for the user so far.
    HealthChecked {
        left: Vec<crate::scaleout::run::Left>,
    },
    Retrying {
        what: String,
        attempt: u32,
    },
    Reconnecting {
        seconds: u64,
    },
    Onboarding(crate::tui::screens::onboarding::OnboardingEvent),
    Browse(crate::tui::screens::browse::BrowseEvent),
    AutoScaling(crate::tui::screens::autoscaling::AsEvent),
    Runs(crate::tui::screens::runs::RunsEvent),
}

/// A step's error as a value: the API's code, message and RequestId when
/// it gave them, and tcscale's explanation, worded when drawn
/// ([`StepError::explain`]) in the language then on screen.
#[derive(Debug, Clone)]
pub struct StepFailure(pub crate::scaleout::runner::StepError);

impl PartialEq for StepFailure {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_string() == other.0.to_string() && self.0.request_id() == other.0.request_id()
    }
}

impl std::fmt::Display for StepFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<crate::scaleout::runner::StepError> for StepFailure {
    fn from(e: crate::scaleout::runner::StepError) -> Self {
        StepFailure(e)
    }
}

/// A failure with only words (tests, local refusals).
impl From<&str> for StepFailure {
    fn from(words: &str) -> Self {
        StepFailure(crate::scaleout::runner::StepError::Blocked(
            crate::i18n::Text::raw(words),
        ))
    }
}

/// Where jobs send their events.
pub type Events = UnboundedSender<JobEvent>;

/// Starts `job` on the runtime; its events arrive on `tx`.
pub fn spawn(engine: &Engine, role: Role, job: Job, tx: Events) {
    let engine = engine.clone();
    tokio::spawn(async move {
        crate::tui::work::run(&engine, role, job, &tx).await;
    });
}
