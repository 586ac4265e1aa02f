//! The Auto Scaling step of the wizard, three pages on one screen:
//! 1. launch configuration (from the source server and the image) and the
//!    group's sizes, with the consistency checklist ([`super::autoscaling_group`]);
//! 2. a schedule: "at these times, scale to N" ([`super::autoscaling_schedule`]);
//! 3. a CPU policy, the confirm, then live progress and "test this policy
//!    now" ([`super::autoscaling_policy`]).
//!
//! This file holds the state, the keys and the events; the async work is in
//! [`super::autoscaling_work`]. Nothing is created before the confirm.

use chrono::{DateTime, Datelike, FixedOffset};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Serialize};

use crate::cloud::models::{clb, cvm};
use crate::i18n::{t, tf, Lang, Text};
use crate::scaleout::autoscaling::{
    self as rules, beijing, CpuPolicy, FieldError, GroupSpec, ListenerTarget, Schedule,
    ScheduleForm, Sizes,
};
use crate::scaleout::runner::autoscaling_step::{changes, AsOutput, GroupSnapshot};
use crate::tui::app::App;
use crate::tui::state::{
    Check, CheckLevel, ClbView, Confirm, ConfirmWhat, InstanceView, Load, PlannedCall, Progress,
};
use crate::tui::widgets::input::TextInput;

/// Which page of the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Page {
    #[default]
    Group,
    Schedule,
    Policy,
}

/// What the policy page sets up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicyKind {
    /// An alarm: CPU above a threshold for some minutes → add instances.
    #[default]
    Simple,
    /// Keep the average CPU near a target.
    Target,
    None,
}

/// What the step starts from, read from the wizard's state when it opens.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AsPrefill {
    pub region: String,
    pub source: Option<InstanceView>,
    /// The source as the API described it: the launch configuration the
    /// confirm shows copies it, as the engine's does.
    pub source_model: Option<cvm::Instance>,
    /// The image made (or chosen) in the scale-out, or the newest of the source.
    pub image_id: String,
    pub clb: Option<ClbView>,
    pub listener_id: Option<String>,
    pub listener_label: String,
    pub backend_port: i64,
    /// Servers already behind the CLB (the consistency check compares with them).
    pub existing: Vec<InstanceView>,
    /// Wall clock now, Beijing time (fixed in tests).
    pub now: Option<DateTime<FixedOffset>>,
}

/// The work this step asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum AsJob {
    /// Create (or find) everything, then report.
    Setup(Box<SetupRequest>),
    /// Wait `delay_ms`, then read the group once.
    Watch {
        group_id: String,
        target: Option<ListenerTarget>,
        delay_ms: u64,
    },
    /// ExecuteScalingPolicy ("test this policy now").
    Execute { policy_id: String },
    /// The zone's pay-as-you-go instance quota (MaxSize may not exceed what is left).
    Quota { zone: String },
}

/// The pay-as-you-go instance quota of the group's zone (the Launch form's too).
pub use crate::tui::state::ZoneQuota;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetupRequest {
    pub source_id: String,
    pub image_id: String,
    pub launch_configuration_name: String,
    pub instance_type: Option<String>,
    pub group: GroupSpec,
    pub schedules: Vec<Schedule>,
    pub policies: Vec<(String, CpuPolicy)>,
}

impl SetupRequest {
    /// The engine's input for this setup, copying `source` (the confirm
    /// shows it, the job sends it: one input, so they cannot disagree).
    pub fn input(
        &self,
        source: crate::cloud::models::cvm::Instance,
    ) -> crate::scaleout::runner::autoscaling_step::AsInput {
        crate::scaleout::runner::autoscaling_step::AsInput {
            source,
            image_id: self.image_id.clone(),
            launch_configuration_name: self.launch_configuration_name.clone(),
            instance_type: self.instance_type.clone(),
            group: self.group.clone(),
            schedules: self.schedules.clone(),
            policies: self.policies.clone(),
        }
    }
}

/// What the work reports.
#[derive(Debug, Clone, PartialEq)]
pub enum AsEvent {
    Log(crate::i18n::Text),
    Created(AsOutput),
    /// What the setup had made when it stopped (the group among it): the
    /// live view follows that group, a retry reuses it.
    Partial(AsOutput),
    Failed(String),
    Snapshot(Result<GroupSnapshot, String>),
    Executed(Result<String, String>),
    /// `Ok(None)`: the account reports no quota for the zone.
    Quota(Result<Option<ZoneQuota>, String>),
}

/// Whether a key leaves the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    Stay,
    Back,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AsWizard {
    pub page: Page,
    pub prefill: AsPrefill,
    /// Page 1: image, launch configuration name, instance type, group name,
    /// min, desired, max, grace period.
    pub group_fields: [TextInput; 8],
    /// Page 2: name, recurrence, start, end, min, desired, max.
    pub schedule_fields: [TextInput; 7],
    /// Page 3: threshold, minutes, adjustment, cooldown, target.
    pub policy_fields: [TextInput; 5],
    pub policy_kind: PolicyKind,
    /// Focused field of the current page (page 3: 0 is the kind chooser).
    pub focus: usize,
    pub confirm: Option<Confirm>,
    /// Rows the confirm's calls are scrolled down (↑↓ when they do not fit).
    pub confirm_scroll: usize,
    /// How far the confirm as last drawn could scroll.
    pub confirm_max_scroll: std::cell::Cell<usize>,
    pub progress: Progress,
    pub created: Option<AsOutput>,
    /// What a setup that failed had made (followed live, reused by the retry).
    pub partial: Option<AsOutput>,
    pub snapshot: Option<GroupSnapshot>,
    /// The engine's lines, newest last.
    pub log: Vec<String>,
    /// The zone's quota, read when the step opens.
    pub quota: Load<Option<ZoneQuota>>,
    pub note: Option<(CheckLevel, String)>,
    /// Keep reading the group while the step is shown.
    pub watching: bool,
    /// A read of the group is under way (one at a time).
    watch_pending: bool,
    jobs: Vec<AsJob>,
    opened: bool,
}

/// Group page field indexes.
pub mod gf {
    pub const IMAGE: usize = 0;
    pub const LC_NAME: usize = 1;
    pub const TYPE: usize = 2;
    pub const GROUP_NAME: usize = 3;
    pub const MIN: usize = 4;
    pub const DESIRED: usize = 5;
    pub const MAX: usize = 6;
    pub const GRACE: usize = 7;
}

/// Schedule page field indexes.
pub mod sf {
    pub const NAME: usize = 0;
    pub const RECURRENCE: usize = 1;
    pub const START: usize = 2;
    pub const END: usize = 3;
    pub const MIN: usize = 4;
    pub const DESIRED: usize = 5;
    pub const MAX: usize = 6;
}

/// Policy page field indexes (after the kind chooser at focus 0).
pub mod pf {
    pub const THRESHOLD: usize = 0;
    pub const MINUTES: usize = 1;
    pub const ADJUSTMENT: usize = 2;
    pub const COOLDOWN: usize = 3;
    pub const TARGET: usize = 4;
}

/// A name the API accepts made from a server's name.
fn api_name(base: &str, suffix: &str) -> String {
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut s = format!("{}-{suffix}", clean.trim_matches('-'));
    while s.len() > rules::MAX_NAME_BYTES {
        s.remove(0);
    }
    s
}

/// What the step starts from: the scale-out just done when there is one
/// (its source, image, CLB and listener), else the business server behind
/// today's public CLB.
pub fn prefill(app: &App) -> AsPrefill {
    let mut p = AsPrefill {
        region: app.ctx.region.clone(),
        now: Some(chrono::Utc::now().with_timezone(&beijing())),
        ..Default::default()
    };
    let Some(arch) = app.arch.ready() else {
        return p;
    };
    let from_flow = app
        .source_instance()
        .cloned()
        .zip(app.chosen_clb().cloned());
    let (source, clb, port) = match from_flow {
        Some((s, c)) => (
            Some(s),
            Some(c),
            app.bind.port.value.trim().parse::<i64>().ok(),
        ),
        None => (
            arch.business_ids
                .first()
                .and_then(|id| arch.instance(id))
                .cloned(),
            arch.public_clb.clone(),
            None,
        ),
    };
    if let Some(c) = &clb {
        let l = port
            .and_then(|port| c.listeners.iter().find(|l| l.port == port))
            .or_else(|| c.listeners.first());
        if let Some(l) = l {
            p.listener_id = Some(l.id.clone());
            p.listener_label = format!("{} {}", l.protocol, l.port);
            p.backend_port = if app.bind.progress.is_done() {
                app.backend_port()
            } else {
                l.targets.first().map(|t| t.1).unwrap_or(l.port)
            };
            p.existing = l
                .targets
                .iter()
                .filter_map(|t| arch.instance(&t.0).cloned())
                .collect();
        }
    }
    p.image_id = app.image.image_id.clone().unwrap_or_else(|| {
        source
            .as_ref()
            .and_then(|s| {
                arch.images
                    .iter()
                    .rev()
                    .find(|i| i.source_instance == s.id && i.state == "NORMAL")
            })
            .map(|i| i.id.clone())
            .unwrap_or_default()
    });
    p.source_model = source
        .as_ref()
        .and_then(|s| arch.models.get(&s.id).cloned());
    p.source = source;
    p.clb = clb;
    p
}

impl AsWizard {
    /// Opens the step (the first time: fills the forms from `p`).
    pub fn enter(&mut self, p: AsPrefill) {
        if self.opened && self.created.is_some() {
            // Back on a step already done: keep showing the group live.
            if !self.watching {
                self.watch(0);
            }
            return;
        }
        let name = p
            .source
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default();
        let itype = p
            .source
            .as_ref()
            .map(|s| s.instance_type.clone())
            .unwrap_or_default();
        self.group_fields = [
            TextInput::new(&p.image_id),
            TextInput::new(&api_name(&name, "lc")),
            TextInput::new(&itype),
            TextInput::new(&api_name(&name, "asg")),
            TextInput::new("0"),
            TextInput::new("1"),
            TextInput::new("4"),
            TextInput::new("60"),
        ];
        // A default schedule: weekday mornings, from tomorrow, for a year.
        let (start, end) = p
            .now
            .map(|n| {
                let tomorrow = n.date_naive().succ_opt().unwrap_or(n.date_naive());
                let later = tomorrow.with_year(tomorrow.year() + 1).unwrap_or(tomorrow);
                (
                    format!("{} 08:00", tomorrow.format("%Y-%m-%d")),
                    format!("{} 08:00", later.format("%Y-%m-%d")),
                )
            })
            .unwrap_or_default();
        self.schedule_fields = [
            TextInput::new("weekday-morning"),
            TextInput::new("0 9 * * 1-5"),
            TextInput::new(&start),
            TextInput::new(&end),
            TextInput::new("0"),
            TextInput::new("3"),
            TextInput::new("4"),
        ];
        self.policy_fields = [
            TextInput::new("70"),
            TextInput::new("5"),
            TextInput::new("1"),
            TextInput::new("300"),
            TextInput::new("50"),
        ];
        self.policy_kind = PolicyKind::Simple;
        if self.failed() {
            self.progress = Progress::NotStarted;
            self.note = None;
        }
        self.page = Page::Group;
        self.focus = gf::MIN;
        // The engine refuses a MaxSize above the zone's remaining quota: read it now.
        self.quota = match p.source.as_ref().filter(|s| !s.zone.is_empty()) {
            Some(s) => {
                self.jobs.push(AsJob::Quota {
                    zone: s.zone.clone(),
                });
                Load::Loading
            }
            None => Load::Idle,
        };
        self.prefill = p;
        self.opened = true;
    }

    /// The remaining quota MaxSize is checked against, once known.
    pub fn remaining_quota(&self) -> Option<u64> {
        self.quota.ready().copied().flatten().map(|q| q.remaining)
    }

    /// The sizes' message under its field as the user types (and when the
    /// quota arrives), without moving the focus.
    fn check_sizes_live(&mut self) {
        for i in [gf::MIN, gf::DESIRED, gf::MAX] {
            self.group_fields[i].error = None;
        }
        if let Err(e) = self.sizes() {
            let i = match e.field {
                "MinSize" => gf::MIN,
                "DesiredCapacity" => gf::DESIRED,
                _ => gf::MAX,
            };
            self.group_fields[i].error = Some(Text::per_lang(|l| e.message(l)));
        }
        // The schedule's sizes, once any is typed, against the same quota.
        let f = &self.schedule_fields;
        if [sf::MIN, sf::DESIRED, sf::MAX]
            .iter()
            .all(|i| f[*i].value.trim().is_empty())
        {
            return;
        }
        let checked = rules::validate_sizes(
            &f[sf::MIN].value,
            &f[sf::DESIRED].value,
            &f[sf::MAX].value,
            self.remaining_quota(),
        );
        for i in [sf::MIN, sf::DESIRED, sf::MAX] {
            self.schedule_fields[i].error = None;
        }
        if let Err(e) = checked {
            let i = match e.field {
                "MinSize" => sf::MIN,
                "DesiredCapacity" => sf::DESIRED,
                _ => sf::MAX,
            };
            self.schedule_fields[i].error = Some(Text::per_lang(|l| e.message(l)));
        }
    }

    /// The setup stopped with an error (its live view shows it until the
    /// user goes back to the form).
    pub fn failed(&self) -> bool {
        matches!(self.progress, Progress::Failed { .. })
    }

    /// The current page's fields against the engine's rules as the user
    /// types: each message under its field, the focus left where it is.
    fn check_page_live(&mut self) {
        match self.page {
            Page::Group => {
                for f in &mut self.group_fields {
                    f.error = None;
                }
                for (i, e) in self.group_errors() {
                    if self.group_fields[i].error.is_none() {
                        self.group_fields[i].error = Some(Text::per_lang(|l| e.message(l)));
                    }
                }
            }
            Page::Schedule => {
                for f in &mut self.schedule_fields {
                    f.error = None;
                }
                if let Err(e) = self.schedule() {
                    if let Some(i) = schedule_field(e.field) {
                        self.schedule_fields[i].error = Some(Text::per_lang(|l| e.message(l)));
                    }
                }
            }
            Page::Policy => {
                for f in &mut self.policy_fields {
                    f.error = None;
                }
                if let Err(e) = self.policy() {
                    if let Some(i) = policy_field(e.field) {
                        self.policy_fields[i].error = Some(Text::per_lang(|l| e.message(l)));
                    }
                }
            }
        }
    }

    /// Jobs asked for since the last call (the loop spawns them).
    pub fn take_jobs(&mut self) -> Vec<AsJob> {
        std::mem::take(&mut self.jobs)
    }

    /// Whether a text field has the keyboard.
    pub fn typing(&self) -> bool {
        self.confirm.is_none()
            && !self.progress.is_running()
            && self.created.is_none()
            && !self.failed()
            && !(self.page == Page::Policy && self.focus == 0)
    }

    pub fn target(&self) -> Option<ListenerTarget> {
        let clb = self.prefill.clb.as_ref()?;
        Some(ListenerTarget {
            load_balancer_id: clb.id.clone(),
            listener_id: self.prefill.listener_id.clone()?,
            backend_port: self.prefill.backend_port.max(1) as u64,
            weight: 10,
        })
    }

    /// The consistency checklist: the group's instances live where the
    /// source lives; the CLB and the servers behind it must match.
    pub fn checks(&self, lang: Lang) -> Vec<Check> {
        let Some(src) = &self.prefill.source else {
            return vec![Check {
                level: CheckLevel::Fail,
                text: t(lang, "autoscaling.ui.no_source"),
            }];
        };
        let as_model = |i: &InstanceView| cvm::Instance {
            instance_id: Some(i.id.clone()),
            instance_name: Some(i.name.clone()),
            placement: Some(cvm::Placement {
                zone: Some(i.zone.clone()),
                project_id: Some(i.project_id),
                ..Default::default()
            }),
            virtual_private_cloud: Some(cvm::VirtualPrivateCloud {
                vpc_id: Some(i.vpc_id.clone()).filter(|v| !v.is_empty()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let lb = self.prefill.clb.as_ref().map(|c| {
            (
                clb::LoadBalancer {
                    load_balancer_id: Some(c.id.clone()),
                    load_balancer_name: Some(c.name.clone()),
                    load_balancer_type: Some(c.kind.clone()),
                    project_id: Some(c.project_id.max(0) as u64),
                    vpc_id: Some(c.vpc_id.clone()),
                    ..Default::default()
                },
                Some(c.zone.clone()).filter(|z| !z.is_empty()),
            )
        });
        let existing: Vec<cvm::Instance> = self.prefill.existing.iter().map(as_model).collect();
        let list = rules::group_consistency(
            &self.prefill.region,
            &as_model(src),
            lb.as_ref().map(|(l, z)| (l, z.as_deref())),
            &existing,
        );
        let mut out: Vec<Check> = list
            .checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| Check {
                level: CheckLevel::Fail,
                text: c.item(lang),
            })
            .collect();
        if out.is_empty() {
            out.push(Check {
                level: CheckLevel::Ok,
                text: tf(
                    lang,
                    "autoscaling.ui.consistent",
                    &[
                        ("zone", &src.zone),
                        ("project", &src.project_id),
                        ("vpc", &src.vpc_id),
                    ],
                ),
            });
        }
        if self.prefill.listener_id.is_none() {
            out.push(Check {
                level: CheckLevel::Warn,
                text: t(lang, "autoscaling.ui.no_listener"),
            });
        }
        out
    }

    fn fields_mut(&mut self) -> &mut [TextInput] {
        match self.page {
            Page::Group => &mut self.group_fields,
            Page::Schedule => &mut self.schedule_fields,
            Page::Policy => &mut self.policy_fields,
        }
    }

    /// Fields the policy page shows for its kind (indexes into `policy_fields`).
    pub fn policy_visible(&self) -> &'static [usize] {
        match self.policy_kind {
            PolicyKind::Simple => &[pf::THRESHOLD, pf::MINUTES, pf::ADJUSTMENT, pf::COOLDOWN],
            PolicyKind::Target => &[pf::TARGET],
            PolicyKind::None => &[],
        }
    }

    /// How many focus positions the page has.
    fn focus_count(&self) -> usize {
        match self.page {
            Page::Group => 8,
            Page::Schedule => 7,
            Page::Policy => 1 + self.policy_visible().len(),
        }
    }

    /// The text input with the keyboard, if any.
    fn focused_input(&mut self) -> Option<&mut TextInput> {
        match self.page {
            Page::Policy => {
                let idx = *self.policy_visible().get(self.focus.checked_sub(1)?)?;
                self.policy_fields.get_mut(idx)
            }
            _ => {
                let f = self.focus;
                self.fields_mut().get_mut(f)
            }
        }
    }

    fn clear_errors(&mut self) {
        for f in self.fields_mut() {
            f.error = None;
        }
    }

    /// Puts `e` under its field and the focus on it.
    fn show_error(&mut self, e: &FieldError, lang: Lang, field_of: impl Fn(&str) -> Option<usize>) {
        match field_of(e.field) {
            Some(i) => {
                self.fields_mut()[i].error = Some(Text::per_lang(|l| e.message(l)));
                self.focus = match self.page {
                    Page::Policy => self
                        .policy_visible()
                        .iter()
                        .position(|x| *x == i)
                        .map(|p| p + 1)
                        .unwrap_or(0),
                    _ => i,
                };
            }
            None => self.note = Some((CheckLevel::Fail, e.message(lang))),
        }
    }

    pub fn sizes(&self) -> Result<Sizes, FieldError> {
        let f = &self.group_fields;
        rules::validate_sizes(
            &f[gf::MIN].value,
            &f[gf::DESIRED].value,
            &f[gf::MAX].value,
            self.remaining_quota(),
        )
    }

    fn validate_group(&self) -> Result<(Sizes, u64), FieldError> {
        if let Some((_, e)) = self.group_errors().into_iter().next() {
            return Err(e);
        }
        let sizes = self.sizes()?;
        let grace = rules::validate_grace_period(&self.group_fields[gf::GRACE].value)?;
        Ok((sizes, grace))
    }

    /// Every field of the group page against its rule, in the page's order
    /// (the field's index and its message).
    fn group_errors(&self) -> Vec<(usize, FieldError)> {
        let f = &self.group_fields;
        let mut out = vec![];
        if !f[gf::IMAGE].value.trim().starts_with("img-") {
            out.push((
                gf::IMAGE,
                FieldError {
                    field: "ImageId",
                    reason: "bad_image",
                    args: vec![],
                },
            ));
        }
        if let Err(e) = rules::validate_name("LaunchConfigurationName", &f[gf::LC_NAME].value) {
            out.push((gf::LC_NAME, e));
        }
        if f[gf::TYPE].value.trim().is_empty() {
            out.push((
                gf::TYPE,
                FieldError {
                    field: "InstanceType",
                    reason: "empty",
                    args: vec![],
                },
            ));
        }
        if let Err(e) = rules::validate_name("AutoScalingGroupName", &f[gf::GROUP_NAME].value) {
            out.push((gf::GROUP_NAME, e));
        }
        if let Err(e) = self.sizes() {
            let i = match e.field {
                "MinSize" => gf::MIN,
                "DesiredCapacity" => gf::DESIRED,
                _ => gf::MAX,
            };
            out.push((i, e));
        }
        if let Err(e) = rules::validate_grace_period(&f[gf::GRACE].value) {
            out.push((gf::GRACE, e));
        }
        out
    }

    pub fn schedule_form(&self) -> ScheduleForm {
        let f = &self.schedule_fields;
        ScheduleForm {
            name: f[sf::NAME].value.clone(),
            min: f[sf::MIN].value.clone(),
            desired: f[sf::DESIRED].value.clone(),
            max: f[sf::MAX].value.clone(),
            recurrence: f[sf::RECURRENCE].value.clone(),
            start: f[sf::START].value.clone(),
            end: f[sf::END].value.clone(),
        }
    }

    /// `None` when the schedule is left empty (no scheduled action).
    pub fn schedule(&self) -> Result<Option<Schedule>, FieldError> {
        if self.schedule_fields[sf::NAME].value.trim().is_empty() {
            return Ok(None);
        }
        let now = self
            .prefill
            .now
            .unwrap_or_else(|| chrono::Utc::now().with_timezone(&beijing()));
        // Its MaxSize against the zone's quota, as the group's.
        rules::validate_schedule(&self.schedule_form(), self.remaining_quota(), now).map(Some)
    }

    pub fn policy(&self) -> Result<Option<CpuPolicy>, FieldError> {
        let f = &self.policy_fields;
        match self.policy_kind {
            PolicyKind::Simple => rules::validate_simple(
                &f[pf::THRESHOLD].value,
                &f[pf::MINUTES].value,
                &f[pf::ADJUSTMENT].value,
                &f[pf::COOLDOWN].value,
            )
            .map(Some),
            PolicyKind::Target => rules::validate_target(&f[pf::TARGET].value).map(Some),
            PolicyKind::None => Ok(None),
        }
    }

    fn policy_name(&self) -> String {
        let base = self.group_fields[gf::GROUP_NAME].value.trim().to_string();
        match self.policy_kind {
            PolicyKind::Target => api_name(&base, "cpu-target"),
            _ => api_name(&base, "cpu-high"),
        }
    }

    /// The confirmed work, built from the validated pages.
    fn setup_request(&self) -> Result<SetupRequest, FieldError> {
        let (sizes, grace) = self.validate_group()?;
        let src = self.prefill.source.clone().unwrap_or_default();
        let f = &self.group_fields;
        let group = GroupSpec {
            name: f[gf::GROUP_NAME].value.trim().to_string(),
            sizes,
            vpc_id: src.vpc_id.clone(),
            subnet_ids: vec![src.subnet_id.clone()],
            project_id: src.project_id.max(0) as u64,
            target: self.target(),
            grace_period: grace,
            cooldown: 300,
        };
        let itype = f[gf::TYPE].value.trim();
        Ok(SetupRequest {
            source_id: src.id.clone(),
            image_id: f[gf::IMAGE].value.trim().to_string(),
            launch_configuration_name: f[gf::LC_NAME].value.trim().to_string(),
            instance_type: (itype != src.instance_type).then(|| itype.to_string()),
            group,
            schedules: self.schedule()?.into_iter().collect(),
            policies: self
                .policy()?
                .into_iter()
                .map(|p| (self.policy_name(), p))
                .collect(),
        })
    }

    /// The confirm: every request the setup will send, built by the
    /// engine's own builders (`setup_requests`); the ids it learns as it
    /// goes (the launch configuration's, the group's) are shown as `…`.
    fn confirm_for(&self, req: &SetupRequest, lang: Lang) -> Confirm {
        use crate::scaleout::runner::autoscaling_step::{setup_requests, AsCreate};
        use crate::tui::plan_preview::JOURNAL_VALUE;
        let input = req.input(self.prefill.source_model.clone().unwrap_or_default());
        let calls = setup_requests(&input, JOURNAL_VALUE, JOURNAL_VALUE)
            .into_iter()
            .map(|c| PlannedCall {
                service: "as",
                action: c.action(),
                detail: match &c {
                    // The source not described yet: nothing to copy from.
                    AsCreate::LaunchConfiguration(_) if self.prefill.source_model.is_none() => {
                        "?".into()
                    }
                    _ => c.json(),
                },
            })
            .collect();
        Confirm {
            title: t(lang, "autoscaling.ui.confirm_title"),
            body: None,
            calls,
            what: ConfirmWhat::AutoScalingSetup,
        }
    }

    fn watch(&mut self, delay_ms: u64) {
        let group = self
            .created
            .as_ref()
            .or(self.partial.as_ref())
            .map(|o| o.group_id.clone())
            .filter(|g| !g.is_empty());
        if let Some(group_id) = group {
            self.watching = true;
            // A read already under way goes on to the next one itself.
            if self.watch_pending {
                return;
            }
            self.watch_pending = true;
            self.jobs.push(AsJob::Watch {
                group_id,
                target: self.target(),
                delay_ms,
            });
        }
    }

    /// Leaving the screen stops the live reads (the next answer is the last).
    pub fn leave(&mut self) {
        self.watching = false;
    }

    pub fn on_key(&mut self, key: KeyEvent, lang: Lang, clock: u64) -> KeyOutcome {
        if let Some(c) = self.confirm.clone() {
            match key.code {
                KeyCode::Char('y') | KeyCode::Enter
                    if c.what == ConfirmWhat::ExecuteScalingPolicy =>
                {
                    self.confirm = None;
                    if let Some(p) = self.created.as_ref().and_then(|c| c.policy_ids.first()) {
                        self.jobs.push(AsJob::Execute {
                            policy_id: p.clone(),
                        });
                    }
                }
                KeyCode::Char('y') | KeyCode::Enter => {
                    self.confirm = None;
                    if let Ok(req) = self.setup_request() {
                        self.progress = Progress::Running {
                            started: clock,
                            note: String::new(),
                        };
                        self.log.clear();
                        self.jobs.push(AsJob::Setup(Box::new(req)));
                    }
                }
                KeyCode::Char('n') | KeyCode::Esc => self.confirm = None,
                KeyCode::Up => self.confirm_scroll = self.confirm_scroll.saturating_sub(1),
                KeyCode::Down => {
                    self.confirm_scroll =
                        (self.confirm_scroll + 1).min(self.confirm_max_scroll.get())
                }
                KeyCode::PageUp => self.confirm_scroll = self.confirm_scroll.saturating_sub(10),
                KeyCode::PageDown => {
                    self.confirm_scroll =
                        (self.confirm_scroll + 10).min(self.confirm_max_scroll.get())
                }
                _ => {}
            }
            return KeyOutcome::Stay;
        }
        if self.progress.is_running() {
            return KeyOutcome::Stay;
        }
        if self.created.is_some() {
            return self.key_live(key, lang);
        }
        if self.failed() {
            self.key_failed(key, lang);
            return KeyOutcome::Stay;
        }
        match key.code {
            KeyCode::Esc => {
                self.note = None;
                match self.page {
                    Page::Group => {
                        self.leave();
                        return KeyOutcome::Back;
                    }
                    Page::Schedule => {
                        self.page = Page::Group;
                        self.focus = 0;
                    }
                    Page::Policy => {
                        self.page = Page::Schedule;
                        self.focus = 0;
                    }
                }
            }
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1) % self.focus_count(),
            KeyCode::BackTab | KeyCode::Up => {
                let n = self.focus_count();
                self.focus = (self.focus + n - 1) % n;
            }
            KeyCode::Left | KeyCode::Right if self.page == Page::Policy && self.focus == 0 => {
                let kinds = [PolicyKind::Simple, PolicyKind::Target, PolicyKind::None];
                let i = kinds
                    .iter()
                    .position(|k| *k == self.policy_kind)
                    .unwrap_or(0);
                let j = if key.code == KeyCode::Right {
                    (i + 1) % 3
                } else {
                    (i + 2) % 3
                };
                self.policy_kind = kinds[j];
                self.check_page_live();
            }
            KeyCode::Enter => self.submit(lang),
            _ => {
                if key.modifiers.contains(KeyModifiers::CONTROL) {
                    return KeyOutcome::Stay;
                }
                let sizes = (self.page == Page::Group
                    && [gf::MIN, gf::DESIRED, gf::MAX].contains(&self.focus))
                    || (self.page == Page::Schedule
                        && [sf::MIN, sf::DESIRED, sf::MAX].contains(&self.focus));
                let edited = self.focused_input().is_some_and(|f| f.handle(key));
                if edited {
                    self.check_page_live();
                    if sizes {
                        self.check_sizes_live();
                    }
                }
            }
        }
        KeyOutcome::Stay
    }

    fn submit(&mut self, lang: Lang) {
        self.note = None;
        self.clear_errors();
        match self.page {
            Page::Group => match self.validate_group() {
                Ok(_) => {
                    if self
                        .checks(lang)
                        .iter()
                        .any(|c| c.level == CheckLevel::Fail)
                    {
                        self.note = Some((CheckLevel::Fail, t(lang, "autoscaling.ui.blocked")));
                        return;
                    }
                    self.page = Page::Schedule;
                    self.focus = 0;
                }
                Err(e) => self.show_error(&e, lang, |f| match f {
                    "ImageId" => Some(gf::IMAGE),
                    "LaunchConfigurationName" => Some(gf::LC_NAME),
                    "InstanceType" => Some(gf::TYPE),
                    "AutoScalingGroupName" => Some(gf::GROUP_NAME),
                    "MinSize" => Some(gf::MIN),
                    "DesiredCapacity" => Some(gf::DESIRED),
                    "MaxSize" => Some(gf::MAX),
                    "LoadBalancerHealthCheckGracePeriod" => Some(gf::GRACE),
                    _ => None,
                }),
            },
            Page::Schedule => match self.schedule() {
                Ok(_) => {
                    self.page = Page::Policy;
                    self.focus = 0;
                }
                Err(e) => self.show_error(&e, lang, schedule_field),
            },
            Page::Policy => match self.policy() {
                Ok(_) => match self.setup_request() {
                    Ok(req) => {
                        self.confirm = Some(self.confirm_for(&req, lang));
                        self.confirm_scroll = 0;
                    }
                    Err(e) => self.note = Some((CheckLevel::Fail, e.message(lang))),
                },
                Err(e) => self.show_error(&e, lang, policy_field),
            },
        }
    }

    /// Keys after a failed setup: back to the form (its note says what
    /// failed; ⏎ there asks again, and the engine reuses what was made),
    /// refresh the group it made.
    fn key_failed(&mut self, key: KeyEvent, lang: Lang) {
        match key.code {
            KeyCode::Enter | KeyCode::Esc => {
                let message = match &self.progress {
                    Progress::Failed { message } => message.clone(),
                    _ => String::new(),
                };
                self.progress = Progress::NotStarted;
                self.watching = false;
                self.page = Page::Policy;
                self.focus = 0;
                self.check_page_live();
                self.note = Some((
                    CheckLevel::Fail,
                    tf(
                        lang,
                        "autoscaling.ui.fix_and_retry",
                        &[("message", &message)],
                    ),
                ));
            }
            KeyCode::Char('r') if !self.watching => self.watch(0),
            _ => {}
        }
    }

    /// Keys once the group exists: test the policy, refresh, leave.
    fn key_live(&mut self, key: KeyEvent, lang: Lang) -> KeyOutcome {
        match key.code {
            // Executing the policy launches (billed) or removes instances:
            // asked first, like every other change.
            KeyCode::Char('t') => {
                if let Some(p) = self.created.as_ref().and_then(|c| c.policy_ids.first()) {
                    self.confirm_scroll = 0;
                    self.confirm = Some(Confirm {
                        title: t(lang, "autoscaling.ui.test_title"),
                        body: None,
                        calls: vec![PlannedCall {
                            service: "as",
                            action: "ExecuteScalingPolicy",
                            detail: tf(lang, "autoscaling.ui.test_detail", &[("id", p)]),
                        }],
                        what: ConfirmWhat::ExecuteScalingPolicy,
                    });
                }
            }
            KeyCode::Char('r') if !self.watching => self.watch(0),
            KeyCode::Esc | KeyCode::Enter => {
                self.leave();
                return KeyOutcome::Back;
            }
            _ => {}
        }
        KeyOutcome::Stay
    }

    pub fn on_event(&mut self, ev: AsEvent, lang: Lang, clock: u64) {
        match ev {
            AsEvent::Log(l) => {
                self.log.push(l.in_lang(lang));
                let keep = self.log.len().saturating_sub(50);
                self.log.drain(..keep);
            }
            AsEvent::Created(out) => {
                let took = match self.progress {
                    Progress::Running { started, .. } => clock.saturating_sub(started),
                    _ => 0,
                };
                self.progress = Progress::Done { took };
                self.created = Some(out);
                self.partial = None;
                self.watch(0);
            }
            AsEvent::Partial(out) => self.partial = Some(out),
            AsEvent::Failed(e) => {
                self.progress = Progress::Failed { message: e };
                // The group made before the failure is followed live.
                self.watch(0);
            }
            AsEvent::Snapshot(r) => {
                self.watch_pending = false;
                match r {
                    Ok(s) => {
                        // What changed since the last read goes to the log.
                        self.log.extend(changes(lang, self.snapshot.as_ref(), &s));
                        let keep = self.log.len().saturating_sub(50);
                        self.log.drain(..keep);
                        self.snapshot = Some(s);
                        if matches!(self.note, Some((CheckLevel::Warn, _))) {
                            self.note = None;
                        }
                    }
                    Err(e) => self.note = Some((CheckLevel::Warn, e)),
                }
                if self.watching {
                    self.watch(2000);
                }
            }
            AsEvent::Quota(r) => {
                self.quota = match r {
                    Ok(q) => Load::Ready(q),
                    Err(e) => Load::Failed(e),
                };
                if self.created.is_none() && !self.progress.is_running() {
                    self.check_sizes_live();
                }
            }
            AsEvent::Executed(r) => {
                self.note = Some(match r {
                    Ok(id) => (
                        CheckLevel::Ok,
                        tf(lang, "autoscaling.ui.executed", &[("activity", &id)]),
                    ),
                    Err(e) => (CheckLevel::Fail, e),
                });
            }
        }
    }

    /// The footer's keys for the current state.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        if self.confirm.is_some() {
            return vec![
                ("y", "wizard.confirm.accept"),
                ("n", "wizard.confirm.cancel"),
            ];
        }
        if self.progress.is_running() {
            return vec![];
        }
        if self.created.is_some() {
            let mut k = vec![];
            if self
                .created
                .as_ref()
                .is_some_and(|c| !c.policy_ids.is_empty())
            {
                k.push(("t", "autoscaling.key.test_policy"));
            }
            if !self.watching {
                k.push(("r", "wizard.key.refresh"));
            }
            k.push(("⏎", "autoscaling.key.done"));
            return k;
        }
        if self.failed() {
            let mut k = vec![("⏎", "autoscaling.key.fix")];
            if self.partial.is_some() && !self.watching {
                k.push(("r", "wizard.key.refresh"));
            }
            k.push(("esc", "wizard.key.back"));
            return k;
        }
        let mut k = vec![("tab", "autoscaling.key.next_field")];
        if self.page == Page::Policy && self.focus == 0 {
            k.push(("←→", "autoscaling.key.kind"));
        }
        k.push((
            "⏎",
            match self.page {
                Page::Policy => "autoscaling.key.review",
                _ => "wizard.key.next",
            },
        ));
        k.push(("esc", "wizard.key.back"));
        k
    }
}

/// The schedule page's field an engine error names.
fn schedule_field(field: &str) -> Option<usize> {
    match field {
        "ScheduledActionName" => Some(sf::NAME),
        "Recurrence" => Some(sf::RECURRENCE),
        "StartTime" => Some(sf::START),
        "EndTime" => Some(sf::END),
        "MinSize" => Some(sf::MIN),
        "DesiredCapacity" => Some(sf::DESIRED),
        "MaxSize" => Some(sf::MAX),
        _ => None,
    }
}

/// The policy page's field an engine error names.
fn policy_field(field: &str) -> Option<usize> {
    match field {
        "Threshold" => Some(pf::THRESHOLD),
        "ContinuousTime" => Some(pf::MINUTES),
        "AdjustmentValue" => Some(pf::ADJUSTMENT),
        "Cooldown" => Some(pf::COOLDOWN),
        "TargetValue" => Some(pf::TARGET),
        _ => None,
    }
}

/// Draws the current page.
pub fn render(app: &App, f: &mut ratatui::Frame, area: ratatui::layout::Rect) {
    match app.autoscaling.page {
        Page::Group => super::autoscaling_group::render(app, f, area),
        Page::Schedule => super::autoscaling_schedule::render(app, f, area),
        Page::Policy => super::autoscaling_policy::render(app, f, area),
    }
}
