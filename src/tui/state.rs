//! What the screens show, as plain data: the discovered architecture, each
//! step's inputs and live progress. Screens render from these alone, so a
//! test can build any state (loading, empty, failed, half-way) without a
//! network, and the update function is the only thing that changes them.

use crate::scaleout::eligibility::Ineligible;
use crate::tui::widgets::input::TextInput;

/// Which servers a flow scales: the guide's two sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `mina_auth` behind an internal CLB; business servers then point at its VIP.
    Session,
    /// The mini-program backend, added to the existing public CLB.
    Business,
}

impl Role {
    /// The CLB type the role's servers sit behind.
    pub fn clb_type(self) -> &'static str {
        match self {
            Role::Session => "INTERNAL",
            Role::Business => "OPEN",
        }
    }
}

/// What the user chose on the overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Session,
    Business,
    /// Session servers first, then business servers: the guide's order.
    Both,
}

impl Flow {
    pub fn roles(self) -> &'static [Role] {
        match self {
            Flow::Session => &[Role::Session],
            Flow::Business => &[Role::Business],
            Flow::Both => &[Role::Session, Role::Business],
        }
    }
}

/// Every screen of the wizard. `Onboarding`, `AutoScaling` and `Browse` are
/// slots other parts of tcscale fill; the wizard shows a placeholder until then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Screen {
    Onboarding,
    #[default]
    Overview,
    Source,
    Image,
    Launch,
    LoadBalancer,
    Bind,
    SecurityGroup,
    SdkConfig,
    Summary,
    AutoScaling,
    Browse,
    /// Journaled runs: resume or clean up.
    Runs,
}

impl Screen {
    /// The steps of one role's flow, in order (the overview is step 1).
    pub fn steps(role: Role) -> &'static [Screen] {
        match role {
            Role::Session => &[
                Screen::Overview,
                Screen::Source,
                Screen::Image,
                Screen::Launch,
                Screen::LoadBalancer,
                Screen::Bind,
                Screen::SecurityGroup,
                Screen::SdkConfig,
                Screen::Summary,
            ],
            Role::Business => &[
                Screen::Overview,
                Screen::Source,
                Screen::Image,
                Screen::Launch,
                Screen::LoadBalancer,
                Screen::Bind,
                Screen::SecurityGroup,
                Screen::Summary,
            ],
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Screen::Onboarding => "onboarding",
            Screen::Overview => "overview",
            Screen::Source => "source",
            Screen::Image => "image",
            Screen::Launch => "launch",
            Screen::LoadBalancer => "load_balancer",
            Screen::Bind => "bind",
            Screen::SecurityGroup => "security_group",
            Screen::SdkConfig => "sdk_config",
            Screen::Summary => "summary",
            Screen::AutoScaling => "auto_scaling",
            Screen::Browse => "browse",
            Screen::Runs => "runs",
        }
    }
}

/// Something that is fetched: not yet, under way, here, or failed with a message.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Load<T> {
    #[default]
    Idle,
    Loading,
    Ready(T),
    Failed(String),
}

impl<T> Load<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Load::Ready(v) => Some(v),
            _ => None,
        }
    }

    /// The same state with the ready value turned into another.
    pub fn map_ref<U>(&self, f: impl FnOnce(&T) -> U) -> Load<U> {
        match self {
            Load::Idle => Load::Idle,
            Load::Loading => Load::Loading,
            Load::Ready(v) => Load::Ready(f(v)),
            Load::Failed(e) => Load::Failed(e.clone()),
        }
    }
}

/// Why a row may not be chosen: the console's eligibility rule, or a
/// placement that does not match the load balancer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Rule(Ineligible),
    OtherZone { zone: String, clb_zone: String },
    OtherVpc { vpc: String, clb_vpc: String },
    OtherProject { project: i64, clb_project: i64 },
}

/// One CVM instance as the tables show it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InstanceView {
    pub id: String,
    pub name: String,
    pub zone: String,
    pub project_id: i64,
    pub state: String,
    pub private_ip: String,
    pub public_ip: String,
    pub bandwidth_out: i64,
    pub instance_type: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub security_group_ids: Vec<String>,
    pub os_name: String,
    /// Empty when the instance may be bound to a CLB.
    pub ineligible: Vec<Reason>,
    /// Whether the TAT agent is online (sdk.config edits need it).
    pub tat_online: bool,
}

/// One CLB listener and who is behind it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListenerView {
    pub id: String,
    pub protocol: String,
    pub port: i64,
    /// (instance id, backend port, healthy?)
    pub targets: Vec<(String, i64, Option<bool>)>,
}

/// One CLB.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClbView {
    pub id: String,
    pub name: String,
    /// `OPEN` or `INTERNAL`.
    pub kind: String,
    pub vip: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub project_id: i64,
    pub zone: String,
    pub listeners: Vec<ListenerView>,
}

/// Today's layout, as discovered from live data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Architecture {
    pub region: String,
    pub instances: Vec<InstanceView>,
    pub public_clb: Option<ClbView>,
    pub internal_clb: Option<ClbView>,
    /// Every CLB of the region (the load balancer screen offers them).
    pub clbs: Vec<ClbView>,
    pub business_ids: Vec<String>,
    pub session_ids: Vec<String>,
    /// `authServerUrl` as each business server's sdk.config has it today
    /// (read through TAT after discovery; `None`: no TAT agent, or the file
    /// could not be read).
    pub auth_urls: Load<Vec<(String, Option<String>)>>,
    /// Images of the account: (id, name, source instance, state).
    pub images: Vec<ImageView>,
    /// What the Overview says about the account, worded when drawn.
    pub checks: Vec<crate::scaleout::overview_checks::AccountCheck>,
    /// The instances as the API described them, by id: a launch copies its
    /// source's network, disks and login from these, and the confirm
    /// dialog shows the very request built from them.
    pub models: std::collections::BTreeMap<String, crate::cloud::models::cvm::Instance>,
}

impl Architecture {
    pub fn instance(&self, id: &str) -> Option<&InstanceView> {
        self.instances.iter().find(|i| i.id == id)
    }

    pub fn role_ids(&self, role: Role) -> &[String] {
        match role {
            Role::Session => &self.session_ids,
            Role::Business => &self.business_ids,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImageView {
    pub id: String,
    pub name: String,
    pub source_instance: String,
    pub state: String,
}

/// A line of a checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub level: CheckLevel,
    pub text: String,
}

/// A zone's pay-as-you-go instance quota (DescribeAccountQuota): the Launch
/// count and an Auto Scaling MaxSize may not exceed what is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ZoneQuota {
    pub used: u64,
    pub remaining: u64,
    pub total: u64,
}

impl ZoneQuota {
    pub fn of(q: &crate::cloud::models::cvm::PostPaidQuota) -> ZoneQuota {
        ZoneQuota {
            used: q.used_quota.unwrap_or(0),
            remaining: q.remaining_quota.unwrap_or(0),
            total: q.total_quota.unwrap_or(0),
        }
    }

    /// The quota line for a launch of `count`: what is used and left, or
    /// how short it falls.
    pub fn text(&self, lang: crate::i18n::Lang, count: i64) -> String {
        let key = if count <= self.remaining as i64 {
            "wizard.launch.quota_value"
        } else {
            "wizard.launch.quota_short"
        };
        crate::i18n::tf(
            lang,
            key,
            &[
                ("used", &self.used),
                ("total", &self.total),
                ("remaining", &self.remaining),
            ],
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckLevel {
    Ok,
    Warn,
    Fail,
}

impl From<crate::scaleout::overview_checks::Severity> for CheckLevel {
    fn from(s: crate::scaleout::overview_checks::Severity) -> CheckLevel {
        use crate::scaleout::overview_checks::Severity;
        match s {
            Severity::Ok => CheckLevel::Ok,
            Severity::Warn => CheckLevel::Warn,
            Severity::Fail => CheckLevel::Fail,
        }
    }
}

impl Check {
    /// An account check of the engine, worded briefly in `lang` (for a pane).
    pub fn of(
        c: &crate::scaleout::overview_checks::AccountCheck,
        lang: crate::i18n::Lang,
    ) -> Check {
        Check {
            level: c.severity().into(),
            text: c.brief(lang),
        }
    }
}

/// A line of the confirm dialog: one API call that will be made.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCall {
    pub service: &'static str,
    pub action: &'static str,
    pub detail: String,
}

/// The confirm dialog: nothing is created before the user accepts it.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    /// What the dialog says above its calls, when it is not only calls
    /// (e.g. what a choice skips); `None` with no calls: the quit dialog.
    pub body: Option<String>,
    pub calls: Vec<PlannedCall>,
    pub what: ConfirmWhat,
}

/// What accepting a confirm dialog starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmWhat {
    /// The Auto Scaling screen's own dialogs (it acts on them itself).
    AutoScalingSetup,
    ExecuteScalingPolicy,
    CreateImage,
    RunInstances,
    CreateClb,
    Bind,
    FixSecurityGroups,
    ApplySdkConfig,
    /// The whole sdk.config step by hand: TAT changes no server.
    SdkAllByHand,
    /// Copy a server of the other role all the same (the Source screen).
    SourceOtherRole,
    Quit,
}

/// An async step under way or finished, with the seconds it started at
/// (on the app's clock, so snapshots can fix it).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Progress {
    #[default]
    NotStarted,
    Running {
        started: u64,
        note: String,
    },
    Done {
        took: u64,
    },
    Failed {
        message: String,
    },
}

impl Progress {
    pub fn is_running(&self) -> bool {
        matches!(self, Progress::Running { .. })
    }
    pub fn is_done(&self) -> bool {
        matches!(self, Progress::Done { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct OverviewState {
    pub cursor: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceState {
    pub cursor: usize,
    pub chosen: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImageState {
    pub name: TextInput,
    pub description: TextInput,
    /// 0: create a new image; n: reuse the n-th existing image.
    pub choice: usize,
    /// Which field has the keyboard: 0 name, 1 description, 2 the choice list.
    pub focus: usize,
    pub image_id: Option<String>,
    pub image_state: String,
    pub progress: Progress,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LaunchState {
    pub count: TextInput,
    pub instance_type: TextInput,
    pub zone: TextInput,
    pub project: TextInput,
    pub focus: usize,
    pub vpc_id: String,
    pub subnet_id: String,
    pub security_group_ids: Vec<String>,
    /// The user accepted the placement mismatches shown in the checklist.
    pub override_mismatch: bool,
    /// Worded when drawn (`L` re-words it).
    pub price: Load<crate::i18n::Text>,
    /// The zone's instance quota, as the API said it (worded when drawn,
    /// against the count being typed).
    pub quota: Load<ZoneQuota>,
    /// What the price and quota were last asked for (zone, instance type,
    /// count); `asking` while that read is under way (one at a time: a
    /// field changed meanwhile is asked for when it answers).
    pub asked: Option<(String, String, i64)>,
    pub asking: bool,
    /// Values the API refused (field index 1 type, 2 zone, 3 project; the
    /// value; its message): the field's error while it holds that value.
    pub refused: Vec<(usize, String, String)>,
    /// (instance id, state) of the launched instances.
    pub instances: Vec<(String, String)>,
    pub dry_run_ok: bool,
    pub progress: Progress,
    /// The launch was confirmed while the image was still being made: it
    /// is sent the moment the image is NORMAL.
    pub waits_for_image: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoadBalancerState {
    pub cursor: usize,
    pub new_name: TextInput,
    pub chosen: Option<String>,
    pub created: Option<ClbView>,
    pub task: String,
    pub progress: Progress,
}

/// How far one target got.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TargetStatus {
    #[default]
    Idle,
    Queued,
    Binding,
    Bound,
    Failed(String),
    /// sdk.config only: no TAT agent runs there, so the file can only be
    /// changed by hand (worded when drawn).
    NoAgent,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BindRow {
    pub instance: InstanceView,
    pub checked: bool,
    pub status: TargetStatus,
    pub healthy: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BindState {
    pub cursor: usize,
    pub rows: Vec<BindRow>,
    pub port: TextInput,
    pub backend_port: TextInput,
    pub focus: usize,
    pub progress: Progress,
}

/// The security-group verdict for one bound instance.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SgRow {
    pub instance_id: String,
    pub instance_name: String,
    pub group_id: String,
    /// `Some(text)`: allowed (which rule); `None`: no rule lets the VIP in.
    pub allowed_by: Option<String>,
    pub fix: bool,
    pub fixed: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SecurityGroupState {
    pub cursor: usize,
    pub rows: Load<Vec<SgRow>>,
    pub progress: Progress,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SdkRow {
    pub instance_id: String,
    pub instance_name: String,
    pub runtime: String,
    /// The restart command the runtime needs, as a user would type it.
    pub restart: String,
    pub path: String,
    pub before: Option<String>,
    pub after: String,
    pub status: TargetStatus,
    pub output: Vec<String>,
    /// Why the file would not load with Node.js's `JSON.parse`, before or
    /// after the edit (already in the user's language); Node.js servers only.
    pub warning: Option<String>,
    /// The user does this server by hand (`m` on its row, or the whole
    /// step by hand): TAT leaves it alone, the pane shows the steps.
    pub by_hand: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SdkConfigState {
    pub cursor: usize,
    pub rows: Load<Vec<SdkRow>>,
    /// The servers of the rolling update's wave under way: when the next
    /// wave starts, they are finished (written, restarted, healthy again).
    pub wave: Vec<String>,
    pub progress: Progress,
}

/// A resource this run created, for the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    pub kind: &'static str,
    pub id: String,
    pub detail: String,
}
