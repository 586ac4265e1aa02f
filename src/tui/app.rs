//! The wizard's state and its one update function: a message in (key,
//! mouse, tick, or the result of an async job), state changed, jobs out.
//! Nothing here awaits or draws; the runtime spawns the returned jobs and
//! feeds their results back as messages.

use std::cell::RefCell;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use crate::i18n::{t, tf, Lang, Text};
use crate::tui::jobs::{Job, JobEvent, StepFailure};
use crate::tui::plan_preview;
use crate::tui::rules;
use crate::tui::state::*;
use crate::tui::widgets::input::TextInput;

/// Where the wizard runs: shown in the header.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Context {
    pub region: String,
    pub profile: Option<String>,
    pub sandbox: bool,
    /// Where the credentials came from (env, profile, sandbox…), already translated.
    pub credential_source: String,
    pub audit_log: Option<String>,
    pub journal_path: Option<String>,
}

/// Everything the update function reacts to (one at a time: size is no concern).
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Seconds since the wizard started.
    Tick(u64),
    Job(JobEvent),
}

/// A rectangle of the last frame where a click selects a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HitZone {
    pub area: Rect,
    /// Index of the row drawn on the zone's first line.
    pub first_row: usize,
}

/// Seconds between the Overview's own refreshes while it is shown.
pub const OVERVIEW_REFRESH_EVERY: u64 = 60;

/// The choices of the overview menu, in order.
pub const MENU: [&str; 6] = [
    "wizard.menu.session",
    "wizard.menu.business",
    "wizard.menu.both",
    "wizard.menu.auto_scaling",
    "wizard.menu.browse",
    "runs.menu",
];

#[derive(Debug, Default)]
pub struct App {
    pub lang: Lang,
    pub ctx: Context,
    /// Seconds since start; progress shows elapsed time against it.
    pub clock: u64,
    pub screen: Screen,
    /// Screens to return to with Esc.
    pub back: Vec<Screen>,
    pub flow: Option<Flow>,
    /// Index into `flow.roles()`.
    pub role_index: usize,
    pub arch: Load<Architecture>,
    /// A discovery is under way (never two at once).
    discovery_running: bool,
    /// Asked for while one ran: another follows it.
    discover_again: bool,
    /// The clock when `arch` was last discovered (the Overview says how long ago).
    pub discovered_at: Option<u64>,
    /// This process changed the world since the last discovery: the
    /// Overview discovers it again when shown.
    world_changed: bool,
    /// Same for the browser's tree (reloaded when shown).
    browse_stale: bool,
    pub overview: OverviewState,
    pub source: SourceState,
    pub image: ImageState,
    pub launch: LaunchState,
    pub lb: LoadBalancerState,
    pub bind: BindState,
    pub sg: SecurityGroupState,
    pub sdk: SdkConfigState,
    pub confirm: Option<Confirm>,
    pub help: bool,
    /// The last notice (errors, retries) shown above the footer.
    pub notice: Option<(CheckLevel, String)>,
    /// What the notice is about (with its text): the event resolving that
    /// clears it (see [`App::resolved`]).
    notice_about: Option<(NoticeAbout, String)>,
    pub created: Vec<Created>,
    /// What the run's journal leaves for the user so far (every half of
    /// "Both"), as `apply`'s last lines and the Runs screen say it.
    pub left: Vec<crate::scaleout::run::Left>,
    /// Jobs started and not yet finished.
    pub in_flight: usize,
    pub quit: bool,
    pub size: (u16, u16),
    /// Why onboarding is shown (no credentials found, sandbox failed to start).
    pub onboarding_reason: Option<String>,
    /// Onboarding asked for the sandbox; the loop starts it.
    pub want_sandbox: bool,
    /// Filled while drawing, read by mouse clicks.
    pub hit_zones: RefCell<Vec<HitZone>>,
    /// The onboarding screen (its own state and keys).
    pub onboarding: crate::tui::screens::onboarding::OnboardingState,
    /// The CLB browser (its own state and keys).
    pub browse: crate::tui::screens::browse::BrowseState,
    pub autoscaling: crate::tui::screens::autoscaling::AsWizard,
    /// Journaled runs: resume or clean up (its own state and keys).
    pub runs: crate::tui::screens::runs::RunsState,
    /// Where the Summary is scrolled to.
    pub summary: crate::tui::screens::summary::SummaryScroll,
    /// The run whose step just failed: `C` opens its cleanup dialog.
    pub recovery_run: Option<String>,
    /// The last failed step's error, as a value: `e` opens it while its
    /// notice shows (see [`App::shown_failure`]).
    failure: Option<StepFailure>,
    /// The error popup is open, scrolled this many rows down.
    pub error_popup: Option<usize>,
    /// How far the error popup can scroll, as last drawn.
    pub error_popup_max: std::cell::Cell<usize>,
}

/// What a notice is about, so that the event resolving it clears it; a
/// notice about nothing in particular stays until the screen changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeAbout {
    /// A step failed: it succeeding (the retry) resolves it.
    Failed(crate::scaleout::steps::Step),
    /// The CLB picked cannot serve the servers: another chosen or created resolves it.
    UnfitClb,
    /// The launch placement differs from the servers': fixed or accepted resolves it.
    Mismatch,
}

/// A business server whose sdk.config does not point at the VIP yet and
/// that this run has not changed: TAT's to change, or the user's by hand.
pub fn sdk_left_to_change(r: &SdkRow) -> bool {
    r.before.as_deref() != Some(r.after.as_str()) && r.status != TargetStatus::Bound
}

fn is_ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

/// Copies the wizard proposes to launch.
pub const DEFAULT_COUNT: i64 = 2;

/// The image name the wizard proposes for a source named `base`.
pub fn default_image_name(base: &str) -> String {
    format!("{base}-scaleout")
}

pub fn default_image_description(lang: Lang, base: &str) -> String {
    tf(lang, "wizard.image.default_description", &[("name", &base)])
}

impl App {
    pub fn new(lang: Lang, ctx: Context, first: Screen) -> App {
        let mut app = App {
            lang,
            ctx,
            screen: first,
            size: (80, 24),
            ..App::default()
        };
        app.runs.dir = crate::scaleout::runner::record::runs_dir();
        app
    }

    /// The jobs to start when the wizard opens on its first screen.
    pub fn start(&mut self) -> Vec<Job> {
        if self.screen == Screen::Overview {
            self.arch = Load::Loading;
            self.discover()
        } else {
            vec![]
        }
    }

    /// Runs left unfinished by an earlier session: the Runs screen opens
    /// on the newest, with a one-line notice; Esc leaves them as they are.
    pub fn open_unfinished_runs(&mut self) {
        let current = crate::tui::recovery::run_id(self.ctx.journal_path.as_deref());
        self.runs.open(&self.ctx.region, current, None);
        let Some((n, id, created)) = self.runs.unfinished() else {
            return;
        };
        self.runs.focus(&id);
        self.back.push(self.screen);
        self.screen = Screen::Runs;
        self.notice = Some((
            CheckLevel::Warn,
            tf(
                self.lang,
                "runs.unfinished_notice",
                &[("n", &n), ("id", &id), ("created", &created)],
            ),
        ));
    }

    /// After a step failed: what may be done now (the engine's options).
    fn note_recovery(&mut self, step: crate::scaleout::steps::Step, error: StepFailure) {
        self.failure = Some(error);
        let run = crate::tui::recovery::run_id(self.ctx.journal_path.as_deref());
        self.recovery_run = run.clone();
        // `C` types into a focused field: the notice names the key that works there.
        let key = if self.typing() { "Ctrl-X" } else { "C" };
        self.say_about(
            NoticeAbout::Failed(step),
            CheckLevel::Fail,
            crate::tui::recovery::notice(self.lang, step, run.as_deref(), key),
        );
    }

    /// The failed step's error whose notice shows now (`e` opens it).
    pub fn shown_failure(&self) -> Option<&crate::scaleout::runner::StepError> {
        let (NoticeAbout::Failed(_), text) = self.notice_about.as_ref()? else {
            return None;
        };
        let (_, shown) = self.notice.as_ref()?;
        (shown == text).then_some(())?;
        self.failure.as_ref().map(|f| &f.0)
    }

    /// `e` opens the failed step's error here (the screens with keys of
    /// their own keep theirs).
    pub fn failure_key_works(&self) -> bool {
        self.shown_failure().is_some()
            && !matches!(
                self.screen,
                Screen::Onboarding | Screen::Browse | Screen::AutoScaling | Screen::Runs
            )
    }

    /// Keys while the error popup is open: it scrolls, L re-words it, Esc closes it.
    fn key_error_popup(&mut self, key: KeyEvent, scroll: usize) {
        let max = self.error_popup_max.get();
        let scroll = match key.code {
            KeyCode::Esc => {
                self.error_popup = None;
                return;
            }
            _ if is_ctrl(&key, 'c') => {
                self.error_popup = None;
                self.request_quit();
                return;
            }
            _ if is_ctrl(&key, 'l') || key.code == KeyCode::Char('L') => {
                self.lang = self.lang.toggle();
                scroll
            }
            KeyCode::Up => scroll.saturating_sub(1),
            KeyCode::Down => (scroll + 1).min(max),
            KeyCode::PageUp => scroll.saturating_sub(10),
            KeyCode::PageDown => (scroll + 10).min(max),
            _ => scroll,
        };
        self.error_popup = Some(scroll);
    }

    /// Shows `text` as the notice, about `about`: the event resolving that clears it.
    fn say_about(&mut self, about: NoticeAbout, level: CheckLevel, text: String) {
        self.notice = Some((level, text.clone()));
        self.notice_about = Some((about, text));
    }

    /// `about` is resolved: its notice goes (unless another one replaced it since).
    fn resolved(&mut self, about: NoticeAbout) {
        let Some((a, text)) = &self.notice_about else {
            return;
        };
        if *a != about {
            return;
        }
        if self.notice.as_ref().is_some_and(|(_, shown)| shown == text) {
            self.notice = None;
        }
        self.notice_about = None;
    }

    /// After a launch key: a placement fixed or accepted answers the notice
    /// that refused it; an acceptance does not outlive the mismatches it
    /// accepted (a later one is accepted anew).
    fn launch_placement_changed(&mut self) {
        let mismatch = self
            .launch_checks()
            .iter()
            .any(|c| c.level == CheckLevel::Fail);
        if !mismatch {
            self.launch.override_mismatch = false;
        }
        if !mismatch || self.launch.override_mismatch {
            self.resolved(NoticeAbout::Mismatch);
        }
    }

    /// Forgets the wizard's flow: the role, every step's inputs and
    /// progress, what it created (a new account, or the run cleaned up).
    fn reset_flow(&mut self) {
        self.flow = None;
        self.role_index = 0;
        self.reset_steps();
        self.created.clear();
        self.autoscaling = Default::default();
        self.recovery_run = None;
    }

    /// The wizard's own run was cleaned up on the Runs screen: its screens
    /// would name deleted resources, so the wizard starts over from the
    /// overview (the architecture discovered again), saying what was done.
    fn after_current_run_cleaned(&mut self, summary: String) -> Vec<Job> {
        self.reset_flow();
        self.overview = OverviewState::default();
        let mut jobs = self.enter_overview();
        // What the wizard does next is a new run, not the cleaned-up one.
        jobs.push(Job::NewRun);
        self.notice = Some((
            CheckLevel::Ok,
            tf(self.lang, "runs.current_cleaned", &[("summary", &summary)]),
        ));
        jobs
    }

    /// Leaves onboarding for the overview once an account is connected.
    pub fn enter_overview(&mut self) -> Vec<Job> {
        self.back.clear();
        self.screen = Screen::Overview;
        self.arch = Load::Loading;
        self.discover()
    }

    /// Onboarding from the overview (other credentials, the permission
    /// check, the saved region and language); Esc comes back. Not while
    /// work runs: a new account would orphan it.
    fn open_onboarding(&mut self) {
        if self.work_in_flight() || self.browse.busy() {
            self.notice = Some((CheckLevel::Warn, t(self.lang, "wizard.account.busy")));
            return;
        }
        self.onboarding
            .reopen(crate::tui::screens::onboarding::CurrentAccount {
                sandbox: self.ctx.sandbox,
                source: self.ctx.credential_source.clone(),
                region: self.ctx.region.clone(),
            });
        self.go(Screen::Onboarding);
    }

    /// Another account replaces the current one (onboarding opened from the
    /// overview): everything learned about the old one is forgotten and the
    /// overview discovers the new one.
    pub fn switch_account(&mut self, ctx: Context) -> Vec<Job> {
        self.ctx = ctx;
        self.reset_flow();
        self.overview = OverviewState::default();
        self.in_flight = 0;
        self.browse = Default::default();
        self.notice = None;
        self.onboarding_reason = None;
        self.enter_overview()
    }

    pub fn role(&self) -> Role {
        self.flow
            .and_then(|f| f.roles().get(self.role_index).copied())
            .unwrap_or(Role::Session)
    }

    /// (n, total) of the current screen in the flow's steps, if it is one:
    /// one counter for the whole flow ("Both" counts on from the session
    /// servers' steps into the business servers', the overview once).
    pub fn step(&self) -> Option<(usize, usize)> {
        let roles = self.flow.map(Flow::roles).unwrap_or(&[Role::Session]);
        let count = |k: usize, r: &Role| Screen::steps(*r).len() - usize::from(k > 0);
        let total: usize = roles.iter().enumerate().map(|(k, r)| count(k, r)).sum();
        let before: usize = roles
            .iter()
            .enumerate()
            .take(self.role_index)
            .map(|(k, r)| count(k, r))
            .sum();
        let later = usize::from(self.role_index > 0);
        Screen::steps(self.role())
            .iter()
            .position(|s| *s == self.screen)
            .filter(|i| *i >= later)
            .map(|i| (before + i + 1 - later, total))
    }

    /// The image is being made and the user may go on meanwhile (its id
    /// is known, so the launch form can describe the copies).
    pub fn image_builds_behind(&self) -> bool {
        self.image.progress.is_running() && self.image.image_id.is_some()
    }

    /// Work of earlier steps still going while the user is on a later
    /// screen, for the status line: (what, state, seconds running).
    pub fn background_work(&self) -> Vec<(String, String, u64)> {
        let lang = self.lang;
        let since = |p: &Progress| match p {
            Progress::Running { started, .. } => self.clock.saturating_sub(*started),
            _ => 0,
        };
        let mut out = Vec::new();
        if self.image.progress.is_running() && self.screen != Screen::Image {
            out.push((
                tf(
                    lang,
                    "wizard.background.image",
                    &[("id", &self.image.image_id.clone().unwrap_or_default())],
                ),
                self.image.image_state.clone(),
                since(&self.image.progress),
            ));
        }
        if self.launch.progress.is_running() && self.screen != Screen::Launch {
            let state = if self.launch.waits_for_image {
                t(lang, "wizard.launch.waiting_image")
            } else {
                let running = self
                    .launch
                    .instances
                    .iter()
                    .filter(|(_, s)| s == "RUNNING")
                    .count();
                let total: usize = self
                    .launch
                    .count
                    .value
                    .trim()
                    .parse()
                    .unwrap_or(self.launch.instances.len());
                format!("{running}/{total} RUNNING")
            };
            out.push((
                t(lang, "wizard.background.launch"),
                state,
                since(&self.launch.progress),
            ));
        }
        if self.lb.progress.is_running() && self.screen != Screen::LoadBalancer {
            out.push((
                t(lang, "wizard.background.clb"),
                self.lb.task.clone(),
                since(&self.lb.progress),
            ));
        }
        out
    }

    /// Whether a text field has the keyboard (then letters type, not command).
    pub fn typing(&self) -> bool {
        match self.screen {
            // A form whose step started or finished takes no more typing.
            Screen::Image => {
                self.image.focus < 2
                    && self.image.choice == 0
                    && matches!(
                        self.image.progress,
                        Progress::NotStarted | Progress::Failed { .. }
                    )
            }
            Screen::Launch => {
                self.launch.focus < 4
                    && matches!(
                        self.launch.progress,
                        Progress::NotStarted | Progress::Failed { .. }
                    )
            }
            Screen::LoadBalancer => {
                self.lb_can_create()
                    && self.lb.cursor == self.lb_choices().len()
                    && !self.lb.progress.is_running()
            }
            Screen::Bind => {
                self.bind.focus > 0
                    && matches!(
                        self.bind.progress,
                        Progress::NotStarted | Progress::Failed { .. }
                    )
            }
            Screen::Onboarding => self.onboarding.typing(),
            Screen::Browse => self.browse.typing(),
            Screen::AutoScaling => self.autoscaling.typing(),
            _ => false,
        }
    }

    /// The image the Image form describes, as the engine will make it.
    pub fn image_input(&self) -> crate::scaleout::runner::image::ImageInput {
        crate::scaleout::runner::image::ImageInput {
            instance_id: self.source.chosen.clone().unwrap_or_default(),
            name: self.image.name.value.trim().to_string(),
            description: Some(self.image.description.value.trim().to_string()),
            reuse_image_id: None,
        }
    }

    /// The launch the Launch form describes, as the engine will send it:
    /// the source as the API described it, with the form's choices.
    pub fn launch_input(&self) -> Option<crate::scaleout::runner::launch::LaunchInput> {
        use crate::scaleout::runner::launch::{launch_input, LaunchForm};
        let src = self.source_instance()?;
        let model = self.arch.ready()?.models.get(&src.id)?;
        let l = &self.launch;
        Some(launch_input(
            model,
            &LaunchForm {
                image_id: self.image.image_id.clone()?,
                count: l.count.value.trim().parse().unwrap_or(1),
                instance_name: src.name.clone(),
                instance_type: l.instance_type.value.trim().to_string(),
                zone: l.zone.value.trim().to_string(),
                project_id: l.project.value.trim().parse().unwrap_or(0),
            },
        ))
    }

    /// What the wizard proposes for `role` before the user changes
    /// anything: today's server of the role, an image named after it, two
    /// copies, the CLB of today (the plan's default).
    pub fn role_defaults(&self, role: Role) -> Option<crate::scaleout::plan::Phase> {
        let arch = self.arch.ready()?;
        let id = arch.role_ids(role).first()?;
        let name = arch
            .instance(id)
            .map(|i| i.name.clone())
            .unwrap_or_default();
        Some(crate::scaleout::plan::Phase {
            source: id.clone(),
            count: DEFAULT_COUNT,
            image_name: Some(default_image_name(&name)),
            image_description: Some(default_image_description(self.lang, &name)),
            instance_name: Some(name),
            ..Default::default()
        })
    }

    pub fn source_instance(&self) -> Option<&InstanceView> {
        let arch = self.arch.ready()?;
        arch.instance(self.source.chosen.as_deref()?)
    }

    /// Why `i` cannot be copied, in the console's words (isolated, expired,
    /// not running); `None`: it can. Its public bandwidth does not matter
    /// to an image.
    pub fn source_unfit(&self, i: &InstanceView) -> Option<String> {
        use crate::scaleout::eligibility::Ineligible;
        let why: Vec<String> = i
            .ineligible
            .iter()
            .filter(|r| matches!(r, Reason::Rule(x) if *x != Ineligible::NoPublicBandwidth))
            .map(|r| rules::reason(self.lang, r))
            .collect();
        (!why.is_empty()).then(|| {
            why.join(match self.lang {
                Lang::Zh => "；",
                Lang::En => "; ",
            })
        })
    }

    /// The other role, when `i` is one of its servers (copying it makes
    /// servers of the role being scaled that run what it runs).
    pub fn source_other_role(&self, i: &InstanceView) -> Option<Role> {
        let other = match self.role() {
            Role::Session => Role::Business,
            Role::Business => Role::Session,
        };
        self.arch
            .ready()?
            .role_ids(other)
            .contains(&i.id)
            .then_some(other)
    }

    /// Instances the source table lists: every instance of the region.
    pub fn source_rows(&self) -> Vec<&InstanceView> {
        match self.arch.ready() {
            Some(a) => a.instances.iter().collect(),
            None => vec![],
        }
    }

    /// Existing images the user may reuse: NORMAL images made from the source.
    pub fn reusable_images(&self) -> Vec<&ImageView> {
        let (Some(arch), Some(src)) = (self.arch.ready(), self.source.chosen.as_deref()) else {
            return vec![];
        };
        arch.images
            .iter()
            .filter(|i| i.source_instance == src && i.state == "NORMAL")
            .collect()
    }

    /// CLBs of the type the role needs.
    pub fn lb_choices(&self) -> Vec<&ClbView> {
        let kind = self.role().clb_type();
        let mut v: Vec<&ClbView> = match self.arch.ready() {
            Some(a) => a.clbs.iter().filter(|c| c.kind == kind).collect(),
            None => vec![],
        };
        if let Some(c) = &self.lb.created {
            if !v.iter().any(|x| x.id == c.id) {
                v.push(c);
            }
        }
        v
    }

    /// Why `c` cannot serve the servers being scaled (the Bind step would
    /// find nothing it may bind): another project or VPC than the source's.
    pub fn lb_unfit(&self, c: &ClbView) -> Option<String> {
        let src = self.source_instance()?;
        if c.project_id != src.project_id {
            return Some(tf(
                self.lang,
                "wizard.lb.unfit_project",
                &[("project", &c.project_id), ("source", &src.project_id)],
            ));
        }
        if !c.vpc_id.is_empty() && c.vpc_id != src.vpc_id {
            return Some(tf(
                self.lang,
                "wizard.lb.unfit_vpc",
                &[("vpc", &c.vpc_id), ("source", &src.vpc_id)],
            ));
        }
        None
    }

    /// Only session servers get a new CLB (an internal one); business servers
    /// join the public CLB that already serves the mini-program.
    /// The CLB the Load balancer form would create: in the source's VPC,
    /// subnet and project (an internal CLB serves its subnet's zone).
    pub fn clb_input(&self) -> Option<crate::scaleout::runner::load_balancer::ClbInput> {
        use crate::scaleout::runner::load_balancer::{ClbChoice, ClbInput};
        let src = self.source_instance()?;
        Some(ClbInput {
            choice: ClbChoice::Create {
                name: self.lb.new_name.value.trim().to_string(),
            },
            vpc_id: src.vpc_id.clone(),
            subnet_id: src.subnet_id.clone(),
            project_id: src.project_id,
        })
    }

    pub fn lb_can_create(&self) -> bool {
        self.role() == Role::Session
    }

    pub fn chosen_clb(&self) -> Option<&ClbView> {
        let id = self.lb.chosen.as_deref()?;
        self.lb_choices().into_iter().find(|c| c.id == id)
    }

    pub fn work_in_flight(&self) -> bool {
        self.in_flight > 0 || self.runs.busy()
    }

    /// A discovery is under way.
    pub fn discovering(&self) -> bool {
        self.discovery_running
    }

    /// Discovers the architecture, unless a discovery runs already (then
    /// another follows it, as what it reads may predate the ask).
    fn discover(&mut self) -> Vec<Job> {
        if self.discovery_running {
            self.discover_again = true;
            return vec![];
        }
        self.discovery_running = true;
        self.world_changed = false;
        self.start_jobs(vec![Job::Discover])
    }

    /// What this process just did changed the world: the Overview (and
    /// the browser's tree, if loaded) are read again when shown.
    fn world_changed(&mut self, browse_too: bool) {
        self.world_changed = true;
        if browse_too && self.browse.phase == crate::tui::screens::browse::Phase::Ready {
            self.browse_stale = true;
        }
    }

    /// The screen shown is kept fresh: the Overview after a change or once
    /// a minute, the browser after a change made elsewhere.
    fn refresh_shown(&mut self) -> Vec<Job> {
        match self.screen {
            Screen::Overview if matches!(self.arch, Load::Ready(_) | Load::Failed(_)) => {
                let due = self
                    .discovered_at
                    .is_some_and(|at| self.clock >= at + OVERVIEW_REFRESH_EVERY);
                if (self.world_changed || due) && !self.discovery_running {
                    return self.discover();
                }
            }
            Screen::Browse
                if self.browse_stale
                    && self.browse.phase == crate::tui::screens::browse::Phase::Ready
                    && !self.browse.busy() =>
            {
                self.browse_stale = false;
                self.browse.start();
            }
            _ => {}
        }
        vec![]
    }

    fn start_jobs(&mut self, jobs: Vec<Job>) -> Vec<Job> {
        self.in_flight += jobs.iter().filter(|j| j.counts_as_work()).count();
        jobs
    }

    /// The one entry point: apply a message, return the jobs to start.
    pub fn update(&mut self, msg: Msg) -> Vec<Job> {
        let mut jobs = self.apply(msg);
        jobs.extend(self.refresh_shown());
        jobs
    }

    fn apply(&mut self, msg: Msg) -> Vec<Job> {
        match msg {
            Msg::Tick(now) => {
                self.clock = now;
                self.onboarding.clock = now;
                self.browse.tick(now);
                self.runs.tick(now);
                vec![]
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                vec![]
            }
            Msg::Mouse(m) => {
                self.on_mouse(m);
                vec![]
            }
            Msg::Key(k) => self.on_key(k),
            Msg::Job(ev) => self.on_job(ev),
        }
    }

    fn on_mouse(&mut self, m: MouseEvent) {
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                let hit = self.hit_zones.borrow().iter().find_map(|z| {
                    let a = z.area;
                    (m.column >= a.x
                        && m.column < a.x + a.width
                        && m.row >= a.y
                        && m.row < a.y + a.height)
                        .then(|| (z.first_row + (m.row - a.y) as usize, m.column - a.x))
                });
                match hit {
                    Some((row, column)) if self.screen == Screen::Browse => {
                        self.browse.click(row, column)
                    }
                    Some((row, _)) => self.select_row(row),
                    None => {}
                }
            }
            MouseEventKind::ScrollDown if self.screen == Screen::Browse => self.browse.scroll(1),
            MouseEventKind::ScrollUp if self.screen == Screen::Browse => self.browse.scroll(-1),
            MouseEventKind::ScrollDown => self.move_cursor(1),
            MouseEventKind::ScrollUp => self.move_cursor(-1),
            _ => {}
        }
    }

    fn select_row(&mut self, row: usize) {
        let len = self.list_len();
        if row >= len {
            return;
        }
        match self.screen {
            Screen::Overview => self.overview.cursor = row,
            Screen::Source => self.source.cursor = row,
            Screen::Image => {
                self.image.choice = row;
                self.image.focus = 2;
            }
            Screen::LoadBalancer => self.lb.cursor = row,
            Screen::Bind => {
                self.bind.cursor = row;
                self.bind.focus = 0;
            }
            Screen::SecurityGroup => self.sg.cursor = row,
            Screen::SdkConfig => self.sdk.cursor = row,
            _ => {}
        }
    }

    fn list_len(&self) -> usize {
        match self.screen {
            Screen::Overview => MENU.len(),
            Screen::Source => self.source_rows().len(),
            Screen::Image => 1 + self.reusable_images().len(),
            Screen::LoadBalancer => self.lb_choices().len() + usize::from(self.lb_can_create()),
            Screen::Bind => self.bind.rows.len(),
            Screen::SecurityGroup => self.sg.rows.ready().map_or(0, Vec::len),
            Screen::SdkConfig => self.sdk.rows.ready().map_or(0, Vec::len),
            _ => 0,
        }
    }

    fn move_cursor(&mut self, delta: i64) {
        let len = self.list_len();
        if len == 0 {
            return;
        }
        let step = |c: usize| ((c as i64 + delta).clamp(0, len as i64 - 1)) as usize;
        match self.screen {
            Screen::Overview => self.overview.cursor = step(self.overview.cursor),
            Screen::Source => self.source.cursor = step(self.source.cursor),
            Screen::Image => self.image.choice = step(self.image.choice),
            Screen::LoadBalancer => self.lb.cursor = step(self.lb.cursor),
            Screen::Bind => self.bind.cursor = step(self.bind.cursor),
            Screen::SecurityGroup => self.sg.cursor = step(self.sg.cursor),
            Screen::SdkConfig => self.sdk.cursor = step(self.sdk.cursor),
            _ => {}
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Job> {
        if key.kind == crossterm::event::KeyEventKind::Release {
            return vec![];
        }
        if let Some(c) = self.confirm.clone() {
            return match key.code {
                KeyCode::Char('y') | KeyCode::Enter => {
                    self.confirm = None;
                    self.on_confirm(c.what)
                }
                KeyCode::Char('n') | KeyCode::Esc => {
                    self.confirm = None;
                    vec![]
                }
                _ if is_ctrl(&key, 'c') => {
                    self.confirm = None;
                    self.request_quit();
                    vec![]
                }
                _ => vec![],
            };
        }
        if let Some(scroll) = self.error_popup {
            // Its notice went (the step retried): the popup went with it.
            if self.shown_failure().is_some() {
                self.key_error_popup(key, scroll);
                return vec![];
            }
            self.error_popup = None;
        }
        if self.help {
            self.help = false;
            return vec![];
        }
        if is_ctrl(&key, 'c') {
            self.request_quit();
            return vec![];
        }
        // After a failed step: its error in a popup (e; ^E from a text field).
        if ((key.code == KeyCode::Char('e') && !self.typing()) || is_ctrl(&key, 'e'))
            && self.failure_key_works()
        {
            self.error_popup = Some(0);
            return vec![];
        }
        if is_ctrl(&key, 'l') || (!self.typing() && key.code == KeyCode::Char('L')) {
            // Everything on screen is worded when drawn: nothing to read again.
            self.lang = self.lang.toggle();
            return vec![];
        }
        if !self.typing() {
            match key.code {
                KeyCode::Char('q') => {
                    self.request_quit();
                    return vec![];
                }
                KeyCode::Char('?') => {
                    self.help = true;
                    return vec![];
                }
                _ => {}
            }
        } else if key.code == KeyCode::F(1) {
            self.help = true;
            return vec![];
        }
        if matches!(
            self.screen,
            Screen::Onboarding | Screen::Browse | Screen::AutoScaling | Screen::Runs
        ) {
            self.key_own_screen(key);
            return vec![];
        }
        // After a failed step: the run's cleanup dialog (capital C: no screen
        // uses it; Ctrl-X also from a text field, where C is typed).
        if (key.code == KeyCode::Char('C') && !self.typing()) || is_ctrl(&key, 'x') {
            if let Some(id) = self.recovery_run.take() {
                let jobs = self.go(Screen::Runs);
                self.runs.ask_cleanup_of(&id, self.lang);
                return jobs;
            }
        }
        if key.code == KeyCode::Esc {
            self.go_back();
            return vec![];
        }
        match self.screen {
            Screen::Overview => self.key_overview(key),
            Screen::Source => self.key_source(key),
            Screen::Image => self.key_image(key),
            Screen::Launch => {
                let jobs = self.key_launch(key);
                self.launch_placement_changed();
                jobs
            }
            Screen::LoadBalancer => self.key_lb(key),
            Screen::Bind => self.key_bind(key),
            Screen::SecurityGroup => self.key_sg(key),
            Screen::SdkConfig => self.key_sdk(key),
            Screen::Summary => self.key_summary(key),
            Screen::Onboarding => {
                if key.code == KeyCode::Enter {
                    self.want_sandbox = true;
                }
                vec![]
            }
            Screen::AutoScaling | Screen::Browse | Screen::Runs => {
                if key.code == KeyCode::Enter {
                    self.go_back();
                }
                vec![]
            }
        }
    }

    /// Onboarding and the browser handle every key themselves (Esc included:
    /// it closes their dialogs and fields before leaving the screen).
    fn key_own_screen(&mut self, key: KeyEvent) {
        use crate::tui::screens::{browse, onboarding};
        let back = match self.screen {
            Screen::Onboarding => {
                let o = self.onboarding.on_key(key, self.lang);
                if self.onboarding.outcome == Some(onboarding::Outcome::Sandbox) {
                    self.onboarding.outcome = None;
                    self.want_sandbox = true;
                }
                o == onboarding::KeyOutcome::Back
            }
            Screen::AutoScaling => {
                use crate::tui::screens::autoscaling::KeyOutcome;
                self.autoscaling.on_key(key, self.lang, self.clock) == KeyOutcome::Back
            }
            Screen::Runs => {
                use crate::tui::screens::runs::KeyOutcome;
                let back = self.runs.on_key(key, self.lang) == KeyOutcome::Back;
                // The start-up notice about unfinished runs is stale once one is acted on.
                if self.runs.busy() {
                    self.notice = None;
                }
                back
            }
            _ => self.browse.on_key(key) == browse::KeyOutcome::Back,
        };
        if back {
            self.go_back();
        }
    }

    fn request_quit(&mut self) {
        if self.work_in_flight() {
            self.confirm = Some(Confirm {
                title: t(self.lang, "wizard.quit.title"),
                body: None,
                calls: vec![],
                what: ConfirmWhat::Quit,
            });
        } else {
            self.quit = true;
        }
    }

    fn go(&mut self, screen: Screen) -> Vec<Job> {
        self.back.push(self.screen);
        self.screen = screen;
        self.notice = None;
        self.on_enter()
    }

    fn go_back(&mut self) {
        if let Some(s) = self.back.pop() {
            self.screen = s;
            self.notice = None;
        }
    }

    /// The next screen of the role's steps.
    fn next_step(&mut self) -> Vec<Job> {
        let steps = Screen::steps(self.role());
        match steps.iter().position(|s| *s == self.screen) {
            Some(i) if i + 1 < steps.len() => self.go(steps[i + 1]),
            _ => vec![],
        }
    }

    /// Prefills a screen the first time it is reached and asks for its data.
    fn on_enter(&mut self) -> Vec<Job> {
        let lang = self.lang;
        match self.screen {
            Screen::Overview if matches!(self.arch, Load::Idle) => {
                self.arch = Load::Loading;
                self.discover()
            }
            Screen::Summary => {
                let (Some(clb), ids) = (self.chosen_clb(), self.bound_ids()) else {
                    return vec![];
                };
                if ids.is_empty() || !matches!(self.bind.progress, Progress::Done { .. }) {
                    return vec![];
                }
                let job = Job::FinishPhase {
                    clb_id: clb.id.clone(),
                    port: self.bind.port.value.trim().parse().unwrap_or(80),
                    instance_ids: ids,
                };
                self.start_jobs(vec![job])
            }
            Screen::AutoScaling => {
                let p = crate::tui::screens::autoscaling::prefill(self);
                self.autoscaling.enter(p);
                vec![]
            }
            Screen::Browse => {
                if self.browse.phase == crate::tui::screens::browse::Phase::Idle {
                    self.browse.start();
                }
                vec![]
            }
            Screen::Runs => {
                let current = crate::tui::recovery::run_id(self.ctx.journal_path.as_deref());
                self.runs.open(&self.ctx.region, current, None);
                vec![]
            }
            Screen::Source => {
                let want = self
                    .arch
                    .ready()
                    .and_then(|a| a.role_ids(self.role()).first().cloned());
                if self.source.chosen.is_none() {
                    if let Some(i) =
                        want.and_then(|w| self.source_rows().iter().position(|r| r.id == w))
                    {
                        self.source.cursor = i;
                    }
                }
                vec![]
            }
            Screen::Image => {
                if self.image.name.value.is_empty() {
                    let base = self
                        .source_instance()
                        .map(|i| i.name.clone())
                        .unwrap_or_default();
                    self.image.name = TextInput::new(&default_image_name(&base));
                    self.image.description =
                        TextInput::new(&default_image_description(lang, &base));
                }
                vec![]
            }
            Screen::Launch => {
                if self.launch.count.value.is_empty() {
                    if let Some(src) = self.source_instance().cloned() {
                        self.launch.count = TextInput::new(&DEFAULT_COUNT.to_string());
                        self.launch.instance_type = TextInput::new(&src.instance_type);
                        self.launch.zone = TextInput::new(&src.zone);
                        self.launch.project = TextInput::new(&src.project_id.to_string());
                        self.launch.vpc_id = src.vpc_id.clone();
                        self.launch.subnet_id = src.subnet_id.clone();
                        self.launch.security_group_ids = src.security_group_ids.clone();
                    }
                }
                self.price_job()
            }
            Screen::LoadBalancer => {
                if self.lb.chosen.is_none() {
                    let today = self.arch.ready().and_then(|a| match self.role() {
                        Role::Session => a.internal_clb.as_ref().map(|c| c.id.clone()),
                        Role::Business => a.public_clb.as_ref().map(|c| c.id.clone()),
                    });
                    let choices = self.lb_choices();
                    self.lb.cursor = today
                        .and_then(|id| choices.iter().position(|c| c.id == id))
                        .unwrap_or(if self.lb_can_create() {
                            choices.len()
                        } else {
                            0
                        });
                }
                if self.lb.new_name.value.is_empty() {
                    self.lb.new_name = TextInput::new(match self.role() {
                        Role::Session => "mina-auth-internal",
                        Role::Business => "weapp-public",
                    });
                }
                vec![]
            }
            Screen::Bind => {
                // The copies are listed once they run (the Launched event).
                if self.launch.progress.is_running() {
                    self.default_bind_ports();
                } else if !self.bind.progress.is_running() && !self.bind.progress.is_done() {
                    self.prepare_bind();
                }
                vec![]
            }
            Screen::SecurityGroup => {
                if matches!(self.sg.rows, Load::Idle) {
                    if let Some(clb) = self.chosen_clb() {
                        let job = Job::CheckSecurityGroups {
                            vip: clb.vip.clone(),
                            port: self.backend_port(),
                            instance_ids: self.bound_ids(),
                        };
                        self.sg.rows = Load::Loading;
                        return self.start_jobs(vec![job]);
                    }
                }
                vec![]
            }
            Screen::SdkConfig => {
                if matches!(self.sdk.rows, Load::Idle) {
                    if let (Some(clb), Some(arch)) = (self.chosen_clb(), self.arch.ready()) {
                        let job = Job::ReadSdkConfig {
                            vip: clb.vip.clone(),
                            instance_ids: arch.business_ids.clone(),
                        };
                        self.sdk.rows = Load::Loading;
                        return self.start_jobs(vec![job]);
                    }
                }
                vec![]
            }
            _ => vec![],
        }
    }

    /// What the Launch form's price and quota depend on: zone, instance
    /// type, count (`None` while the count is not a number).
    fn price_inputs(&self) -> Option<(String, String, i64)> {
        let l = &self.launch;
        let count = l.count.value.trim().parse::<i64>().ok()?;
        Some((
            l.zone.value.trim().to_string(),
            l.instance_type.value.trim().to_string(),
            count,
        ))
    }

    /// The price and quota asked again when a field they depend on changed.
    fn reprice_if_changed(&mut self) -> Vec<Job> {
        match self.price_inputs() {
            Some(now) if self.launch.asked.as_ref() != Some(&now) => self.price_job(),
            _ => vec![],
        }
    }

    fn price_job(&mut self) -> Vec<Job> {
        let Some(inputs) = self.price_inputs() else {
            return vec![];
        };
        let count = inputs.2;
        self.launch.price = Load::Loading;
        if self.launch.asked.as_ref().is_some_and(|a| a.0 != inputs.0) {
            // Another zone: the quota shown was the old zone's.
            self.launch.quota = Load::Loading;
        }
        if self.launch.asking {
            // One read at a time: its answer asks again for what is typed now.
            return vec![];
        }
        self.launch.asking = true;
        self.launch.asked = Some(inputs);
        // An image still being made cannot be priced (InvalidImageId.
        // IncorrectState): the source's own image prices the same copy.
        let image_id = if self.image.progress.is_running() {
            self.source_instance()
                .and_then(|s| self.arch.ready()?.models.get(&s.id))
                .and_then(|m| m.image_id.clone())
                .or_else(|| self.image.image_id.clone())
        } else {
            self.image.image_id.clone()
        };
        vec![Job::Price {
            zone: self.launch.zone.value.trim().to_string(),
            instance_type: self.launch.instance_type.value.trim().to_string(),
            image_id,
            count,
        }]
    }

    pub fn backend_port(&self) -> i64 {
        self.bind.backend_port.value.trim().parse().unwrap_or(80)
    }

    /// The business servers TAT changes when the sdk.config step is
    /// applied: read, pointing elsewhere, not done by hand, not done yet.
    pub fn sdk_tat_ids(&self) -> Vec<String> {
        self.sdk
            .rows
            .ready()
            .map(|rows| {
                rows.iter()
                    .filter(|r| r.before.is_some() && sdk_left_to_change(r) && !r.by_hand)
                    .map(|r| r.instance_id.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the whole sdk.config step is left to the user: every
    /// server still to change is done by hand (and there is one).
    pub fn sdk_all_by_hand(&self) -> bool {
        self.sdk.rows.ready().is_some_and(|rows| {
            let left: Vec<&SdkRow> = rows.iter().filter(|r| sdk_left_to_change(r)).collect();
            !left.is_empty() && left.iter().all(|r| r.by_hand)
        })
    }

    /// The security groups the rule goes into: the group of each ticked
    /// server still blocked, once each, in the order the engine adds them.
    pub fn sg_rule_groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = Vec::new();
        for r in self.sg.rows.ready().into_iter().flatten() {
            if r.fix && !r.fixed && !groups.contains(&r.group_id) {
                groups.push(r.group_id.clone());
            }
        }
        groups
    }

    /// The other ticked servers that need the rule in `row`'s group: an
    /// unticked server's group still gets it for them.
    pub fn sg_shared_with(&self, row: &SgRow) -> Vec<String> {
        self.sg
            .rows
            .ready()
            .into_iter()
            .flatten()
            .filter(|r| r.instance_id != row.instance_id && r.group_id == row.group_id && r.fix)
            .map(|r| r.instance_id.clone())
            .collect()
    }

    pub fn bound_ids(&self) -> Vec<String> {
        self.bind
            .rows
            .iter()
            .filter(|r| r.checked)
            .map(|r| r.instance.id.clone())
            .collect()
    }

    /// The role's servers the engine will refuse to bind (isolated,
    /// expired, no bandwidth; not those only in another zone or VPC, which
    /// the flow leaves out before binding): passed along with the checked
    /// ones so the journal says why each was left out, as `apply`'s does.
    fn ineligible_role_ids(&self) -> Vec<String> {
        let Some(arch) = self.arch.ready() else {
            return vec![];
        };
        let role_ids = arch.role_ids(self.role());
        self.bind
            .rows
            .iter()
            .filter(|r| !r.checked && role_ids.contains(&r.instance.id))
            .filter(|r| {
                arch.instance(&r.instance.id).is_some_and(|i| {
                    !i.ineligible.is_empty() && i.ineligible == r.instance.ineligible
                })
            })
            .map(|r| r.instance.id.clone())
            .collect()
    }

    /// The bind table: the role's servers and the new ones first, checked
    /// when eligible; then every other instance of the region, unchecked,
    /// greyed when it may not be bound.
    fn prepare_bind(&mut self) {
        let Some(arch) = self.arch.ready().cloned() else {
            return;
        };
        let role = self.role();
        let mut clb = self.chosen_clb().cloned();
        // An internal CLB serves the zone of its subnet; when the API does not
        // say which, it is the source's (the CLB was made in its subnet).
        if let (Some(c), Some(src)) = (clb.as_mut(), self.source_instance()) {
            if c.zone.is_empty() && c.kind == "INTERNAL" && c.subnet_id == src.subnet_id {
                c.zone = src.zone.clone();
            }
        }
        let other_role: Vec<String> = match role {
            Role::Session => arch.business_ids.clone(),
            Role::Business => arch.session_ids.clone(),
        };
        let new_ids: Vec<String> = self
            .launch
            .instances
            .iter()
            .map(|(i, _)| i.clone())
            .collect();
        let mut rows: Vec<BindRow> = Vec::new();
        let mine = |id: &String| arch.role_ids(role).contains(id) || new_ids.contains(id);
        // The source first, then the new servers, the role's others, and the rest.
        let src_id = self.source.chosen.clone().unwrap_or_default();
        let rank = |i: &InstanceView| {
            if i.id == src_id {
                0
            } else if new_ids.contains(&i.id) {
                1
            } else if mine(&i.id) {
                2
            } else {
                3
            }
        };
        let mut ordered: Vec<&InstanceView> = arch
            .instances
            .iter()
            .filter(|i| !other_role.contains(&i.id))
            .collect();
        ordered.sort_by_key(|i| rank(i));
        for inst in ordered {
            let mut inst = inst.clone();
            if let Some(c) = &clb {
                inst.ineligible.extend(rules::placement_reasons(&inst, c));
            }
            // Session servers go behind the internal CLB old and new; business
            // servers join the public CLB their source is already behind, and
            // only its copies are added (the role's others may run another
            // app), as `apply` binds them.
            let proposed = match role {
                Role::Session => mine(&inst.id),
                Role::Business => new_ids.contains(&inst.id),
            };
            let checked = inst.ineligible.is_empty() && proposed;
            rows.push(BindRow {
                instance: inst,
                checked,
                ..BindRow::default()
            });
        }
        self.bind.rows = rows;
        self.bind.cursor = 0;
        self.default_bind_ports();
    }

    /// The listener's ports, unless typed already: business servers keep
    /// the ports the existing targets use; session servers 80 → 80.
    fn default_bind_ports(&mut self) {
        let clb = self.chosen_clb().cloned();
        let (port, backend) = match (self.role(), &clb) {
            (Role::Business, Some(c)) => c
                .listeners
                .first()
                .map(|l| (l.port, l.targets.first().map(|t| t.1).unwrap_or(l.port)))
                .unwrap_or((80, 80)),
            _ => (80, 80),
        };
        if self.bind.port.value.is_empty() {
            self.bind.port = TextInput::new(&port.to_string());
            self.bind.backend_port = TextInput::new(&backend.to_string());
        }
    }

    fn key_overview(&mut self, key: KeyEvent) -> Vec<Job> {
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.move_cursor(-1),
            KeyCode::Down | KeyCode::Char('j') => self.move_cursor(1),
            KeyCode::Char('r') => {
                // While one runs, the world shown stays (another follows).
                if !self.discovery_running {
                    self.arch = Load::Loading;
                }
                return self.discover();
            }
            KeyCode::Char('b') => return self.go(Screen::Browse),
            KeyCode::Char('o') => self.open_onboarding(),
            KeyCode::Enter => {
                if self.arch.ready().is_none() {
                    return vec![];
                }
                let flow = match self.overview.cursor {
                    0 => Flow::Session,
                    1 => Flow::Business,
                    2 => Flow::Both,
                    3 => return self.go(Screen::AutoScaling),
                    4 => return self.go(Screen::Browse),
                    _ => return self.go(Screen::Runs),
                };
                let mut jobs = vec![];
                if self.flow != Some(flow) {
                    self.reset_steps();
                    self.flow = Some(flow);
                    self.role_index = 0;
                    // Every half of the flow is in the plan from the start,
                    // with what the wizard proposes (refined as the user
                    // chooses), so a run stopped at any point resumes to the
                    // end of the guide ("both": one run for both halves).
                    for role in flow.roles() {
                        jobs.extend(self.role_defaults(*role).map(|plan| Job::PlanPhase {
                            phase: match role {
                                Role::Session => crate::scaleout::runner::record::Phase::Session,
                                Role::Business => crate::scaleout::runner::record::Phase::Business,
                            },
                            plan: Box::new(plan),
                        }));
                    }
                }
                jobs.extend(self.go(Screen::Source));
                return self.start_jobs(jobs);
            }
            _ => {}
        }
        vec![]
    }

    /// Forgets the inputs of every step (a new flow or the next role).
    fn reset_steps(&mut self) {
        self.source = SourceState::default();
        self.image = ImageState::default();
        self.launch = LaunchState::default();
        self.lb = LoadBalancerState::default();
        self.bind = BindState::default();
        self.sg = SecurityGroupState::default();
        self.sdk = SdkConfigState::default();
    }

    fn key_source(&mut self, key: KeyEvent) -> Vec<Job> {
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.move_cursor(-1),
            KeyCode::Down | KeyCode::Char('j') => self.move_cursor(1),
            KeyCode::Enter => {
                let Some(row) = self.source_rows().get(self.source.cursor).copied() else {
                    return vec![];
                };
                let lang = self.lang;
                // Greyed: refused, saying why.
                if let Some(why) = self.source_unfit(row) {
                    self.notice = Some((
                        CheckLevel::Fail,
                        tf(
                            lang,
                            "wizard.source.refused",
                            &[("id", &row.id), ("reason", &why)],
                        ),
                    ));
                    return vec![];
                }
                // A server of the other role: asked first, naming its role.
                if let Some(other) = self.source_other_role(row) {
                    let short = |r: Role| match r {
                        Role::Session => "wizard.role.session_short",
                        Role::Business => "wizard.role.business_short",
                    };
                    let role = t(lang, short(other));
                    let want = t(lang, short(self.role()));
                    self.confirm = Some(Confirm {
                        title: tf(lang, "wizard.confirm.source_other_role", &[("role", &role)]),
                        body: Some(tf(
                            lang,
                            "wizard.confirm.source_other_role_body",
                            &[
                                ("id", &row.id),
                                ("name", &row.name),
                                ("role", &role),
                                ("want", &want),
                            ],
                        )),
                        calls: vec![],
                        what: ConfirmWhat::SourceOtherRole,
                    });
                    return vec![];
                }
                let id = row.id.clone();
                return self.choose_source(id);
            }
            _ => {}
        }
        vec![]
    }

    /// `id` is the server to copy: on to the Image step.
    fn choose_source(&mut self, id: String) -> Vec<Job> {
        if self.source.chosen.as_deref() != Some(id.as_str()) {
            // A different source invalidates the image and launch inputs.
            self.image = ImageState::default();
            self.launch = LaunchState::default();
        }
        self.source.chosen = Some(id);
        self.next_step()
    }

    fn key_image(&mut self, key: KeyEvent) -> Vec<Job> {
        if self.image.progress.is_done() || self.image_builds_behind() {
            // While the image builds, the next forms can be filled in: its
            // progress stays in the status line.
            if key.code == KeyCode::Enter {
                return self.next_step();
            }
            return vec![];
        }
        if self.image.progress.is_running() {
            return vec![];
        }
        match key.code {
            KeyCode::Tab => self.image.focus = (self.image.focus + 1) % 3,
            KeyCode::BackTab => self.image.focus = (self.image.focus + 2) % 3,
            KeyCode::Up if self.image.focus == 2 => self.move_cursor(-1),
            KeyCode::Down if self.image.focus == 2 => self.move_cursor(1),
            KeyCode::Enter => {
                if self.image.choice > 0 {
                    let Some(img) = self
                        .reusable_images()
                        .get(self.image.choice - 1)
                        .cloned()
                        .cloned()
                    else {
                        return vec![];
                    };
                    self.image.image_id = Some(img.id);
                    self.image.image_state = img.state;
                    self.image.progress = Progress::Done { took: 0 };
                    return self.next_step();
                }
                self.image.name.check(rules::image_name);
                self.image.description.check(rules::image_description);
                if self.image.name.error.is_some() {
                    self.image.focus = 0;
                } else if self.image.description.error.is_some() {
                    self.image.focus = 1;
                } else {
                    self.confirm = Some(plan_preview::create_image(self));
                }
            }
            _ => {
                let field = match self.image.focus {
                    0 => &mut self.image.name,
                    1 => &mut self.image.description,
                    _ => return vec![],
                };
                // Checked as typed: an error shows at once and goes once fixed.
                if field.handle(key) {
                    field.check(if self.image.focus == 0 {
                        rules::image_name
                    } else {
                        rules::image_description
                    });
                }
            }
        }
        vec![]
    }

    /// The launch form's field `i` against its rule (the count against the
    /// zone's quota as well, once known).
    fn check_launch_field(&mut self, i: usize) {
        let l = &mut self.launch;
        match i {
            0 => {
                let (zone, quota) = (l.zone.value.trim(), l.quota.ready());
                l.count
                    .check(|lang, v| rules::count_within(lang, v, zone, quota))
            }
            1 => l
                .instance_type
                .check(|lang, v| rules::not_empty(lang, "wizard.launch.type", v)),
            2 => l
                .zone
                .check(|lang, v| rules::not_empty(lang, "wizard.launch.zone", v)),
            _ => l.project.check(rules::project),
        }
        // What the API refused for this very value stays the field's error.
        let field = match i {
            1 => &mut l.instance_type,
            2 => &mut l.zone,
            3 => &mut l.project,
            _ => return,
        };
        if field.error.is_none() {
            field.error = l
                .refused
                .iter()
                .find(|(f, v, _)| *f == i && v == field.value.trim())
                .map(|(_, _, m)| Text::raw(m.clone()));
        }
    }

    fn launch_fields(&mut self) -> [&mut TextInput; 4] {
        [
            &mut self.launch.count,
            &mut self.launch.instance_type,
            &mut self.launch.zone,
            &mut self.launch.project,
        ]
    }

    /// The consistency checklist of the launch screen.
    pub fn launch_checks(&self) -> Vec<Check> {
        rules::launch_checks(self)
    }

    fn key_launch(&mut self, key: KeyEvent) -> Vec<Job> {
        let lang = self.lang;
        // While the copies launch (or wait for the image), the load
        // balancer can be chosen or made.
        if self.launch.progress.is_done() || self.launch.progress.is_running() {
            if key.code == KeyCode::Enter {
                return self.next_step();
            }
            return vec![];
        }
        if is_ctrl(&key, 'o') {
            self.launch.override_mismatch = !self.launch.override_mismatch;
            return vec![];
        }
        if is_ctrl(&key, 'p') {
            return self.price_job();
        }
        match key.code {
            KeyCode::Tab | KeyCode::Down => self.launch.focus = (self.launch.focus + 1) % 5,
            KeyCode::BackTab | KeyCode::Up => self.launch.focus = (self.launch.focus + 4) % 5,
            KeyCode::Char('o') if self.launch.focus == 4 => {
                self.launch.override_mismatch = !self.launch.override_mismatch
            }
            KeyCode::Char('p') if self.launch.focus == 4 => return self.price_job(),
            KeyCode::Enter => {
                for i in 0..4 {
                    self.check_launch_field(i);
                }
                if let Some(i) = self.launch_fields().iter().position(|f| f.error.is_some()) {
                    self.launch.focus = i;
                    return vec![];
                }
                let blocking = self
                    .launch_checks()
                    .iter()
                    .any(|c| c.level == CheckLevel::Fail);
                if blocking && !self.launch.override_mismatch {
                    self.say_about(
                        NoticeAbout::Mismatch,
                        CheckLevel::Fail,
                        t(lang, "wizard.launch.blocked"),
                    );
                    return vec![];
                }
                self.confirm = Some(plan_preview::run_instances(self));
            }
            _ => {
                let i = self.launch.focus;
                // Checked as typed: an error shows at once and goes once fixed.
                if i < 4 && self.launch_fields()[i].handle(key) {
                    self.check_launch_field(i);
                    // The price and quota follow the count, type and zone.
                    if i < 3 {
                        return self.reprice_if_changed();
                    }
                }
            }
        }
        vec![]
    }

    fn key_lb(&mut self, key: KeyEvent) -> Vec<Job> {
        if self.lb.progress.is_running() {
            return vec![];
        }
        let n = self.lb_choices().len();
        match key.code {
            KeyCode::Up => self.move_cursor(-1),
            KeyCode::Down => self.move_cursor(1),
            KeyCode::Enter if self.lb.cursor < n => {
                let chosen = self.lb_choices()[self.lb.cursor].clone();
                if let Some(why) = self.lb_unfit(&chosen) {
                    let text = tf(
                        self.lang,
                        "wizard.lb.unfit",
                        &[("id", &chosen.id), ("why", &why)],
                    );
                    self.say_about(NoticeAbout::UnfitClb, CheckLevel::Fail, text);
                    return vec![];
                }
                self.resolved(NoticeAbout::UnfitClb);
                let id = chosen.id;
                if self.lb.chosen.as_deref() != Some(id.as_str()) {
                    self.bind = BindState::default();
                    self.sg = SecurityGroupState::default();
                    self.sdk = SdkConfigState::default();
                }
                self.lb.chosen = Some(id.clone());
                let mut jobs = vec![Job::ChooseClb { clb_id: id }];
                jobs.extend(self.next_step());
                return jobs;
            }
            KeyCode::Enter if self.lb_can_create() => {
                self.lb.new_name.check(rules::clb_name);
                if self.lb.new_name.error.is_none() {
                    self.confirm = Some(plan_preview::create_clb(self));
                }
            }
            _ if self.lb_can_create() && self.lb.cursor == n && self.lb.new_name.handle(key) => {
                // Checked as typed, as the image name is.
                self.lb.new_name.check(rules::clb_name);
            }
            KeyCode::Char('k') => self.move_cursor(-1),
            KeyCode::Char('j') => self.move_cursor(1),
            _ => {}
        }
        vec![]
    }

    fn key_bind(&mut self, key: KeyEvent) -> Vec<Job> {
        let lang = self.lang;
        if self.bind.progress.is_running() || self.launch.progress.is_running() {
            return vec![];
        }
        if self.bind.progress.is_done() {
            if key.code == KeyCode::Enter {
                return self.next_step();
            }
            if key.code != KeyCode::Up && key.code != KeyCode::Down {
                return vec![];
            }
        }
        match key.code {
            KeyCode::Tab => self.bind.focus = (self.bind.focus + 1) % 3,
            KeyCode::BackTab => self.bind.focus = (self.bind.focus + 2) % 3,
            KeyCode::Up if self.bind.focus == 0 => self.move_cursor(-1),
            KeyCode::Down if self.bind.focus == 0 => self.move_cursor(1),
            KeyCode::Char('k') if self.bind.focus == 0 => self.move_cursor(-1),
            KeyCode::Char('j') if self.bind.focus == 0 => self.move_cursor(1),
            KeyCode::Char(' ') if self.bind.focus == 0 => {
                if let Some(r) = self.bind.rows.get_mut(self.bind.cursor) {
                    if r.instance.ineligible.is_empty() {
                        r.checked = !r.checked;
                    } else {
                        self.notice = Some((
                            CheckLevel::Warn,
                            tf(
                                lang,
                                "wizard.bind.not_eligible",
                                &[("reason", &rules::reasons(lang, &r.instance))],
                            ),
                        ));
                    }
                }
            }
            KeyCode::Char('a') if self.bind.focus == 0 => {
                for r in &mut self.bind.rows {
                    r.checked = r.instance.ineligible.is_empty();
                }
            }
            KeyCode::Enter => {
                self.bind.port.check(rules::listener_port);
                self.bind.backend_port.check(rules::backend_port);
                if self.bind.port.error.is_some() {
                    self.bind.focus = 1;
                } else if self.bind.backend_port.error.is_some() {
                    self.bind.focus = 2;
                } else if self.bound_ids().is_empty() {
                    self.notice = Some((CheckLevel::Warn, t(lang, "wizard.bind.none")));
                } else {
                    self.confirm = Some(plan_preview::bind(self));
                }
            }
            _ => {
                let (f, rule): (_, rules::FieldRule) = match self.bind.focus {
                    1 => (&mut self.bind.port, rules::listener_port),
                    2 => (&mut self.bind.backend_port, rules::backend_port),
                    _ => return vec![],
                };
                // Checked as typed, as the launch form's numbers are.
                if f.handle(key) {
                    f.check(rule);
                }
            }
        }
        vec![]
    }

    fn key_sg(&mut self, key: KeyEvent) -> Vec<Job> {
        if self.sg.progress.is_running() {
            return vec![];
        }
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.move_cursor(-1),
            KeyCode::Down | KeyCode::Char('j') => self.move_cursor(1),
            KeyCode::Char(' ') if !self.sg.progress.is_done() => {
                if let Load::Ready(rows) = &mut self.sg.rows {
                    if let Some(r) = rows.get_mut(self.sg.cursor) {
                        if r.allowed_by.is_none() {
                            r.fix = !r.fix;
                        }
                    }
                }
            }
            KeyCode::Char('r') => {
                self.sg.rows = Load::Idle;
                self.sg.progress = Progress::NotStarted;
                return self.on_enter();
            }
            KeyCode::Enter => {
                let wants_fix = self
                    .sg
                    .rows
                    .ready()
                    .is_some_and(|r| r.iter().any(|r| r.fix && !r.fixed));
                if wants_fix && !self.sg.progress.is_done() {
                    self.confirm = Some(plan_preview::fix_security_groups(self));
                } else if self.sg.rows.ready().is_some() || matches!(self.sg.rows, Load::Failed(_))
                {
                    return self.next_step();
                }
            }
            _ => {}
        }
        vec![]
    }

    fn key_sdk(&mut self, key: KeyEvent) -> Vec<Job> {
        if self.sdk.progress.is_running() {
            return vec![];
        }
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => self.move_cursor(-1),
            KeyCode::Down | KeyCode::Char('j') => self.move_cursor(1),
            // This server by hand (or back to TAT): its row only.
            KeyCode::Char('m') if !self.sdk.progress.is_done() => {
                let cursor = self.sdk.cursor;
                if let Load::Ready(rows) = &mut self.sdk.rows {
                    if let Some(r) = rows.get_mut(cursor).filter(|r| sdk_left_to_change(r)) {
                        r.by_hand = !r.by_hand;
                    }
                }
            }
            // The whole step by hand, after a confirm naming what TAT then
            // skips; or every server back to TAT.
            KeyCode::Char('M') if !self.sdk.progress.is_done() => {
                if self.sdk_all_by_hand() {
                    if let Load::Ready(rows) = &mut self.sdk.rows {
                        for r in rows.iter_mut() {
                            r.by_hand = false;
                        }
                    }
                } else if self.sdk.rows.ready().is_some() {
                    self.confirm = Some(plan_preview::sdk_all_by_hand(self));
                }
            }
            KeyCode::Char('r') if !self.sdk.progress.is_done() => {
                self.sdk.rows = Load::Idle;
                return self.on_enter();
            }
            KeyCode::Enter => {
                let pending = !self.sdk_tat_ids().is_empty();
                if self.sdk.progress.is_done() || !pending {
                    if self.sdk.rows.ready().is_some() || matches!(self.sdk.rows, Load::Failed(_)) {
                        return self.next_step();
                    }
                } else {
                    self.confirm = Some(plan_preview::apply_sdk_config(self));
                }
            }
            _ => {}
        }
        vec![]
    }

    fn key_summary(&mut self, key: KeyEvent) -> Vec<Job> {
        if self.summary.key(key.code) {
            return vec![];
        }
        // The next Summary is read from its top.
        self.summary.offset = 0;
        if key.code == KeyCode::Char('a') {
            return self.go(Screen::AutoScaling);
        }
        if key.code != KeyCode::Enter {
            return vec![];
        }
        let roles = self.flow.map(Flow::roles).unwrap_or(&[]);
        if self.role_index + 1 < roles.len() {
            // The guide's order: business servers after the session servers.
            self.role_index += 1;
            let keep_created = std::mem::take(&mut self.created);
            self.reset_steps();
            self.created = keep_created;
            self.back.clear();
            self.back.push(Screen::Overview);
            self.screen = Screen::Source;
            self.arch = Load::Loading;
            return self.discover();
        }
        self.flow = None;
        self.role_index = 0;
        self.back.clear();
        self.screen = Screen::Overview;
        self.arch = Load::Loading;
        self.discover()
    }

    /// The user accepted a confirm dialog: start exactly what it listed.
    fn on_confirm(&mut self, what: ConfirmWhat) -> Vec<Job> {
        let now = self.clock;
        let running = |note: String| Progress::Running { started: now, note };
        let jobs = match what {
            ConfirmWhat::Quit => {
                self.quit = true;
                return vec![];
            }
            // Accepted on the Auto Scaling screen, never through the app.
            ConfirmWhat::AutoScalingSetup | ConfirmWhat::ExecuteScalingPolicy => return vec![],
            ConfirmWhat::CreateImage => {
                if self.source.chosen.is_none() {
                    return vec![];
                }
                self.image.progress = running(String::new());
                vec![Job::CreateImage {
                    input: self.image_input(),
                }]
            }
            ConfirmWhat::RunInstances => {
                let Some(input) = self.launch_input() else {
                    return vec![];
                };
                self.launch.instances.clear();
                if self.image.progress.is_running() {
                    self.launch.progress = running(t(self.lang, "wizard.launch.waiting_image"));
                    self.launch.waits_for_image = true;
                    return vec![Job::NoteLaunch {
                        input: Box::new(input),
                        override_consistency: self.launch.override_mismatch,
                    }];
                }
                self.launch.progress = running(String::new());
                vec![Job::Launch {
                    input: Box::new(input),
                    override_consistency: self.launch.override_mismatch,
                }]
            }
            ConfirmWhat::CreateClb => {
                let Some(input) = self.clb_input() else {
                    return vec![];
                };
                self.lb.progress = running(String::new());
                self.resolved(NoticeAbout::UnfitClb);
                vec![Job::CreateClb { input }]
            }
            ConfirmWhat::Bind => {
                let Some(clb) = self.chosen_clb().cloned() else {
                    return vec![];
                };
                self.bind.progress = running(String::new());
                let ids = self.bound_ids();
                for r in &mut self.bind.rows {
                    r.status = if r.checked {
                        TargetStatus::Queued
                    } else {
                        TargetStatus::Idle
                    };
                }
                vec![Job::Bind {
                    clb_id: clb.id.clone(),
                    protocol: "TCP".to_string(),
                    port: self.bind.port.value.trim().parse().unwrap_or(80),
                    backend_port: self.backend_port(),
                    instance_ids: ids,
                    ineligible: self.ineligible_role_ids(),
                }]
            }
            ConfirmWhat::FixSecurityGroups => {
                let (Some(clb), Some(rows)) = (self.chosen_clb(), self.sg.rows.ready()) else {
                    return vec![];
                };
                let ids: Vec<String> = rows
                    .iter()
                    .filter(|r| r.fix && !r.fixed)
                    .map(|r| r.instance_id.clone())
                    .collect();
                let job = Job::FixSecurityGroups {
                    vip: clb.vip.clone(),
                    port: self.backend_port(),
                    instance_ids: ids,
                };
                self.sg.progress = running(String::new());
                vec![job]
            }
            ConfirmWhat::ApplySdkConfig => {
                let (Some(clb), Some(_)) = (self.chosen_clb(), self.sdk.rows.ready()) else {
                    return vec![];
                };
                // The servers done by hand are not TAT's.
                let ids = self.sdk_tat_ids();
                let job = Job::ApplySdkConfig {
                    vip: clb.vip.clone(),
                    instance_ids: ids.clone(),
                };
                if let Load::Ready(rows) = &mut self.sdk.rows {
                    for r in rows.iter_mut().filter(|r| ids.contains(&r.instance_id)) {
                        r.status = TargetStatus::Queued;
                    }
                }
                self.sdk.wave.clear();
                self.sdk.progress = running(String::new());
                vec![job]
            }
            // Asked on the Source screen: the row under the cursor (it cannot move meanwhile).
            ConfirmWhat::SourceOtherRole => {
                let Some(id) = self
                    .source_rows()
                    .get(self.source.cursor)
                    .map(|r| r.id.clone())
                else {
                    return vec![];
                };
                return self.choose_source(id);
            }
            ConfirmWhat::SdkAllByHand => {
                if let Load::Ready(rows) = &mut self.sdk.rows {
                    for r in rows.iter_mut().filter(|r| sdk_left_to_change(r)) {
                        r.by_hand = true;
                    }
                }
                return vec![];
            }
        };
        self.start_jobs(jobs)
    }

    fn job_finished(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    fn took(&self, p: &Progress) -> Progress {
        match p {
            Progress::Running { started, .. } => Progress::Done {
                took: self.clock.saturating_sub(*started),
            },
            _ => Progress::Done { took: 0 },
        }
    }

    fn on_job(&mut self, ev: JobEvent) -> Vec<Job> {
        use crate::scaleout::steps::Step;
        let lang = self.lang;
        // A step, a resume, a cleanup or a browse edit ended: the world
        // shown elsewhere may be out of date (the browser reloads its own edits).
        match &ev {
            JobEvent::ImageDone
            | JobEvent::ImageFailed(_)
            | JobEvent::Launched(_)
            | JobEvent::LaunchFailed(_)
            | JobEvent::ClbCreated(_)
            | JobEvent::ClbFailed(_)
            | JobEvent::BindDone
            | JobEvent::BindFailed(_)
            | JobEvent::SecurityGroupsDone
            | JobEvent::SecurityGroupsFailed(_)
            | JobEvent::SdkDone
            | JobEvent::SdkFailed(_)
            | JobEvent::Runs(
                crate::tui::screens::runs::RunsEvent::Resumed { .. }
                | crate::tui::screens::runs::RunsEvent::CleanedUp { .. }
                | crate::tui::screens::runs::RunsEvent::HeldBack { .. },
            ) => self.world_changed(true),
            JobEvent::Browse(crate::tui::screens::browse::BrowseEvent::TaskFinished(_)) => {
                self.world_changed(false)
            }
            _ => {}
        }
        match ev {
            JobEvent::Discovered(r) => {
                self.job_finished();
                self.discovery_running = false;
                self.discovered_at = Some(self.clock);
                self.arch = match r {
                    Ok(a) => Load::Ready(a),
                    Err(e) => Load::Failed(e),
                };
                // What the business servers' sdk.config really says, not
                // what it should say: read after the overview is drawn.
                let mut jobs = Vec::new();
                if let Load::Ready(a) = &mut self.arch {
                    if !a.business_ids.is_empty() {
                        a.auth_urls = Load::Loading;
                        jobs.push(Job::ReadAuthUrls {
                            instance_ids: a.business_ids.clone(),
                        });
                    }
                }
                let mut jobs = self.start_jobs(jobs);
                if std::mem::take(&mut self.discover_again) {
                    jobs.extend(self.discover());
                }
                if self.screen == Screen::Source {
                    jobs.extend(self.on_enter());
                }
                return jobs;
            }
            // Not counted as work (a read), so no job_finished.
            JobEvent::AuthUrls(r) => {
                if let Load::Ready(a) = &mut self.arch {
                    a.auth_urls = match r {
                        Ok(urls) => Load::Ready(urls),
                        Err(e) => Load::Failed(e),
                    };
                }
            }
            JobEvent::Price(_) | JobEvent::PriceRefused { .. } => {
                self.launch.asking = false;
                // An answer for what was typed before: ask for what is typed now.
                if self.launch.asked != self.price_inputs() {
                    return self.price_job();
                }
                match ev {
                    JobEvent::Price(Ok(p)) => self.launch.price = Load::Ready(p),
                    JobEvent::Price(Err(e)) => self.launch.price = Load::Failed(e),
                    JobEvent::PriceRefused { field, message } => {
                        let value = match field {
                            1 => self.launch.instance_type.value.trim().to_string(),
                            2 => self.launch.zone.value.trim().to_string(),
                            _ => self.launch.project.value.trim().to_string(),
                        };
                        self.launch
                            .refused
                            .retain(|(f, v, _)| !(*f == field && *v == value));
                        self.launch.refused.push((field, value, message));
                        self.launch.price = Load::Idle;
                    }
                    _ => {}
                }
                // A refusal shows under its field; one no longer made goes.
                if matches!(self.launch.price, Load::Ready(_)) {
                    let (t, z) = (
                        self.launch.instance_type.value.trim().to_string(),
                        self.launch.zone.value.trim().to_string(),
                    );
                    self.launch
                        .refused
                        .retain(|(f, v, _)| !((*f == 1 && *v == t) || (*f == 2 && *v == z)));
                }
                for i in 1..4 {
                    self.check_launch_field(i);
                }
            }
            JobEvent::Quota(r) => {
                // The quota of a zone no longer typed is not shown.
                if self.launch.asked.as_ref().map(|a| a.0.as_str())
                    != Some(self.launch.zone.value.trim())
                {
                    return vec![];
                }
                self.launch.quota = match r {
                    Ok(p) => Load::Ready(p),
                    Err(e) => Load::Failed(e),
                };
                // A count typed before the quota was known is checked against it now.
                if !self.launch.count.value.trim().is_empty() {
                    self.check_launch_field(0);
                }
            }
            JobEvent::ImageCreated { image_id } => {
                self.image.image_id = Some(image_id.clone());
                self.image.image_state = "CREATING".into();
                self.created.push(Created {
                    kind: "image",
                    id: image_id,
                    detail: self.image.name.value.clone(),
                });
            }
            JobEvent::ImageState { state } => self.image.image_state = state,
            JobEvent::ImageDone => {
                self.job_finished();
                self.resolved(NoticeAbout::Failed(Step::Image));
                self.image.progress = self.took(&self.image.progress);
                self.image.image_state = "NORMAL".into();
                // The launch form priced the source's image meanwhile.
                if self.screen == Screen::Launch && self.launch.progress == Progress::NotStarted {
                    return self.price_job();
                }
                // A launch confirmed meanwhile goes now, as confirmed.
                if std::mem::take(&mut self.launch.waits_for_image) {
                    if let Some(input) = self.launch_input() {
                        self.launch.progress = Progress::Running {
                            started: self.clock,
                            note: String::new(),
                        };
                        return self.start_jobs(vec![Job::Launch {
                            input: Box::new(input),
                            override_consistency: self.launch.override_mismatch,
                        }]);
                    }
                }
            }
            JobEvent::ImageFailed(e) => {
                self.job_finished();
                self.image.progress = Progress::Failed {
                    message: e.0.explain(lang),
                };
                if std::mem::take(&mut self.launch.waits_for_image) {
                    self.launch.progress = Progress::Failed {
                        message: t(lang, "wizard.launch.image_failed"),
                    };
                }
                self.note_recovery(crate::scaleout::steps::Step::Image, e);
            }
            JobEvent::DryRunPassed => {
                self.launch.dry_run_ok = true;
            }
            JobEvent::InstanceState { id, state } => {
                match self.launch.instances.iter_mut().find(|(i, _)| *i == id) {
                    Some(row) => row.1 = state,
                    None => {
                        self.created.push(Created {
                            kind: "instance",
                            id: id.clone(),
                            detail: self.launch.zone.value.clone(),
                        });
                        self.launch.instances.push((id, state));
                    }
                }
            }
            JobEvent::Launched(views) => {
                self.job_finished();
                self.resolved(NoticeAbout::Failed(Step::Launch));
                self.launch.progress = self.took(&self.launch.progress);
                if let Load::Ready(arch) = &mut self.arch {
                    for v in views {
                        arch.instances.retain(|i| i.id != v.id);
                        arch.instances.push(v);
                    }
                }
                // The user went on to Bind while the copies launched.
                if self.screen == Screen::Bind && self.bind.progress == Progress::NotStarted {
                    self.prepare_bind();
                }
            }
            JobEvent::LaunchFailed(e) => {
                self.job_finished();
                self.launch.progress = Progress::Failed {
                    message: e.0.explain(lang),
                };
                self.note_recovery(crate::scaleout::steps::Step::Launch, e);
            }
            JobEvent::ClbTask { note } => {
                if let Progress::Running { note: n, .. } = &mut self.lb.progress {
                    *n = note.clone();
                }
                if let Progress::Running { note: n, .. } = &mut self.bind.progress {
                    *n = note.clone();
                }
                self.lb.task = note;
            }
            JobEvent::ClbCreated(clb) => {
                self.job_finished();
                self.resolved(NoticeAbout::Failed(Step::LoadBalancer));
                self.lb.progress = self.took(&self.lb.progress);
                self.created.push(Created {
                    kind: "clb",
                    id: clb.id.clone(),
                    detail: format!("{} {}", clb.kind, clb.vip),
                });
                self.lb.chosen = Some(clb.id.clone());
                if let Load::Ready(arch) = &mut self.arch {
                    arch.clbs.push(clb.clone());
                }
                self.lb.cursor = self
                    .lb_choices()
                    .iter()
                    .position(|c| c.id == clb.id)
                    .unwrap_or(0);
                self.lb.created = Some(clb);
                self.bind = BindState::default();
                return self.next_step();
            }
            JobEvent::ClbFailed(e) => {
                self.job_finished();
                self.lb.progress = Progress::Failed {
                    message: e.0.explain(lang),
                };
                self.note_recovery(crate::scaleout::steps::Step::LoadBalancer, e);
            }
            JobEvent::ListenerCreated { listener_id, port } => {
                self.created.push(Created {
                    kind: "listener",
                    id: listener_id,
                    detail: format!("TCP {port}"),
                });
            }
            JobEvent::Target { id, status } => {
                if let Some(r) = self.bind.rows.iter_mut().find(|r| r.instance.id == id) {
                    r.status = status;
                }
            }
            JobEvent::TargetHealth { id, healthy } => {
                if let Some(r) = self.bind.rows.iter_mut().find(|r| r.instance.id == id) {
                    r.healthy = Some(healthy);
                }
            }
            JobEvent::HealthChecked { left } => {
                self.left = left;
                self.job_finished();
            }
            JobEvent::RunStarted { journal_path } => {
                // A panic from now on names the new run's journal.
                crate::tui::terminal::set_journal(journal_path.clone());
                // The new run's calls go to its own audit file, named like its journal.
                let run_id = journal_path.as_deref().and_then(|j| {
                    std::path::Path::new(j)
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                });
                if let (Some(audit), Some(id)) = (&self.ctx.audit_log, run_id) {
                    let path =
                        crate::cloud::audit::run_audit_path(std::path::Path::new(audit), &id);
                    self.ctx.audit_log = Some(path.display().to_string());
                }
                self.ctx.journal_path = journal_path;
            }
            JobEvent::BindDone => {
                self.job_finished();
                self.resolved(NoticeAbout::Failed(Step::Bind));
                self.bind.progress = self.took(&self.bind.progress);
            }
            JobEvent::BindFailed(e) => {
                self.job_finished();
                self.bind.progress = Progress::Failed {
                    message: e.0.explain(lang),
                };
                self.note_recovery(crate::scaleout::steps::Step::Bind, e);
            }
            JobEvent::SecurityGroups(r) => {
                self.job_finished();
                self.sg.rows = match r {
                    Ok(mut rows) => {
                        for row in &mut rows {
                            row.fix = row.allowed_by.is_none();
                        }
                        Load::Ready(rows)
                    }
                    Err(e) => Load::Failed(e),
                };
            }
            JobEvent::SecurityGroupFixed { group_id, rule } => {
                if let Load::Ready(rows) = &mut self.sg.rows {
                    for r in rows.iter_mut().filter(|r| r.group_id == group_id) {
                        r.fixed = true;
                        r.allowed_by = Some(rule.clone());
                    }
                }
                self.created.push(Created {
                    kind: "sg_rule",
                    id: group_id,
                    detail: rule,
                });
            }
            JobEvent::SecurityGroupsDone => {
                self.job_finished();
                self.resolved(NoticeAbout::Failed(Step::SecurityGroup));
                self.sg.progress = self.took(&self.sg.progress);
            }
            JobEvent::SecurityGroupsFailed(e) => {
                self.job_finished();
                self.sg.progress = Progress::Failed {
                    message: e.0.explain(lang),
                };
                self.note_recovery(crate::scaleout::steps::Step::SecurityGroup, e);
            }
            JobEvent::SdkConfigs(r) => {
                self.job_finished();
                self.sdk.rows = match r {
                    Ok(rows) => Load::Ready(rows),
                    Err(e) => Load::Failed(e),
                };
            }
            JobEvent::SdkWave { label, ids } => {
                if let Progress::Running { note, .. } = &mut self.sdk.progress {
                    *note = tf(lang, "wizard.sdk.wave", &[("wave", &label)]);
                }
                // The files were read at once; the later waves wait their
                // turn. A wave starts only once the one before it was
                // written and is healthy again: those servers are finished.
                let finished = std::mem::replace(&mut self.sdk.wave, ids.clone());
                if let Load::Ready(rows) = &mut self.sdk.rows {
                    for r in rows.iter_mut() {
                        if ids.contains(&r.instance_id) {
                            r.status = TargetStatus::Binding;
                        } else if finished.contains(&r.instance_id) {
                            if r.status == TargetStatus::Binding {
                                r.status = TargetStatus::Bound;
                            }
                        } else if r.status == TargetStatus::Binding {
                            r.status = TargetStatus::Queued;
                        }
                    }
                }
            }
            JobEvent::SdkHost { id, status, output } => {
                if let Load::Ready(rows) = &mut self.sdk.rows {
                    if let Some(r) = rows.iter_mut().find(|r| r.instance_id == id) {
                        r.status = status;
                        r.output.extend(output);
                    }
                }
            }
            JobEvent::SdkDone => {
                self.job_finished();
                self.resolved(NoticeAbout::Failed(Step::SdkConfig));
                self.sdk.progress = self.took(&self.sdk.progress);
                if let Load::Ready(rows) = &self.sdk.rows {
                    for r in rows.iter().filter(|r| r.status == TargetStatus::Bound) {
                        self.created.push(Created {
                            kind: "sdk_config",
                            id: r.instance_id.clone(),
                            detail: r.path.clone(),
                        });
                    }
                }
            }
            JobEvent::SdkFailed(e) => {
                self.job_finished();
                self.sdk.progress = Progress::Failed {
                    message: e.0.explain(lang),
                };
                self.note_recovery(crate::scaleout::steps::Step::SdkConfig, e);
            }
            JobEvent::Retrying { what, attempt } => {
                self.notice = Some((
                    CheckLevel::Warn,
                    tf(
                        lang,
                        "wizard.notice.retrying",
                        &[("what", &what), ("attempt", &attempt)],
                    ),
                ));
            }
            JobEvent::Reconnecting { seconds } => {
                self.notice = Some((
                    CheckLevel::Warn,
                    tf(lang, "wizard.notice.reconnecting", &[("seconds", &seconds)]),
                ));
            }
            JobEvent::Onboarding(e) => self.onboarding.on_event(e),
            JobEvent::Browse(e) => self.browse.on_event(e),
            JobEvent::AutoScaling(e) => self.autoscaling.on_event(e, lang, self.clock),
            JobEvent::Runs(e) => {
                let cleaned = match &e {
                    crate::tui::screens::runs::RunsEvent::CleanedUp { id, result: Ok(_) } => {
                        Some(id.clone())
                    }
                    _ => None,
                };
                self.runs.on_event(e, lang);
                let current = crate::tui::recovery::run_id(self.ctx.journal_path.as_deref());
                if let Some(id) = cleaned.filter(|id| current.as_ref() == Some(id)) {
                    let summary = self
                        .runs
                        .live
                        .as_ref()
                        .and_then(|l| l.result.clone())
                        .and_then(Result::ok)
                        .unwrap_or(id);
                    return self.after_current_run_cleaned(summary);
                }
            }
        }
        vec![]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::state::Load;

    fn key(c: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    fn arch() -> Architecture {
        let inst = |id: &str, name: &str| InstanceView {
            id: id.into(),
            name: name.into(),
            zone: "ap-guangzhou-3".into(),
            state: "RUNNING".into(),
            bandwidth_out: 1,
            ..Default::default()
        };
        Architecture {
            region: "ap-guangzhou".into(),
            instances: vec![inst("ins-b", "weapp"), inst("ins-s", "mina_auth")],
            business_ids: vec!["ins-b".into()],
            session_ids: vec!["ins-s".into()],
            ..Default::default()
        }
    }

    fn ready() -> App {
        let mut a = App::new(Lang::En, Context::default(), Screen::Overview);
        a.arch = Load::Ready(arch());
        a
    }

    #[test]
    fn both_counts_its_steps_once_across_the_two_roles() {
        let mut a = ready();
        a.flow = Some(Flow::Session);
        a.screen = Screen::Summary;
        assert_eq!(a.step(), Some((9, 9)));
        a.flow = Some(Flow::Both);
        a.screen = Screen::Source;
        assert_eq!(a.step(), Some((2, 16)));
        a.screen = Screen::Summary;
        assert_eq!(a.step(), Some((9, 16)));
        // The business servers' steps count on (the overview is not again).
        a.role_index = 1;
        a.screen = Screen::Source;
        assert_eq!(a.step(), Some((10, 16)));
        a.screen = Screen::Summary;
        assert_eq!(a.step(), Some((16, 16)));
        a.screen = Screen::Overview;
        assert_eq!(a.step(), None);
    }

    #[test]
    fn language_switches_on_every_screen_but_types_in_fields() {
        let mut a = ready();
        let jobs = a.update(key(KeyCode::Char('L')));
        assert_eq!(a.lang, Lang::Zh);
        assert_eq!(jobs, vec![], "the checks are worded when drawn: no call");
        a.update(key(KeyCode::Enter)); // session flow → source
        a.update(key(KeyCode::Enter)); // source → image, name field focused
        assert_eq!(a.screen, Screen::Image);
        let before = a.image.name.value.clone();
        a.update(key(KeyCode::Char('L')));
        assert_eq!(a.lang, Lang::Zh, "L types in a text field");
        assert_eq!(a.image.name.value, format!("{before}L"));
        a.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('l'),
            KeyModifiers::CONTROL,
        )));
        assert_eq!(a.lang, Lang::En, "Ctrl-L switches even in a field");
    }

    #[test]
    fn a_failed_step_notes_the_engines_recovery_options() {
        let mut a = ready();
        a.ctx.journal_path = Some("/tmp/runs/run-42.json".into());
        a.update(Msg::Job(JobEvent::BindFailed("boom".into())));
        let (level, text) = a.notice.clone().expect("a notice");
        assert_eq!(level, CheckLevel::Fail);
        assert!(
            text.contains("retry") && text.contains("tcscale cleanup run-42"),
            "{text}"
        );
        assert!(!text.contains("skip"), "binding may not be skipped: {text}");
        a.update(Msg::Job(JobEvent::SecurityGroupsFailed("boom".into())));
        assert!(a.notice.unwrap().1.contains("skip"));
    }

    #[test]
    fn ctrl_x_opens_the_failed_runs_cleanup_from_a_text_field_and_the_notice_says_so() {
        let mut a = ready();
        a.ctx.journal_path = Some("/tmp/runs/run-42.json".into());
        a.update(key(KeyCode::Enter)); // session flow → source
        a.update(key(KeyCode::Enter)); // source → image, name field focused
        a.update(Msg::Job(JobEvent::ImageFailed("boom".into())));
        assert!(a.typing());
        let text = a.notice.clone().expect("a notice").1;
        assert!(text.contains("Ctrl-X clean up"), "{text}");
        let typed = a.image.name.value.clone();
        a.update(key(KeyCode::Char('C')));
        assert_eq!(a.screen, Screen::Image, "C types in the field");
        assert_eq!(a.image.name.value, format!("{typed}C"));
        a.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('x'),
            KeyModifiers::CONTROL,
        )));
        assert_eq!(a.screen, Screen::Runs);
    }

    #[test]
    fn cleaning_up_the_wizards_own_run_starts_the_wizard_over() {
        use crate::tui::screens::runs::{LiveKind, RunsEvent};
        let mut a = ready();
        a.ctx.journal_path = Some("/tmp/runs/run-42.json".into());
        a.update(key(KeyCode::Enter));
        a.update(key(KeyCode::Enter));
        a.update(Msg::Job(JobEvent::ImageFailed("boom".into())));
        assert!(a.flow.is_some() && a.recovery_run.is_some());
        a.runs.live = Some(crate::tui::screens::runs::Live::for_test(
            LiveKind::Cleanup,
            "run-42",
        ));
        // Another run's cleanup changes nothing in the wizard.
        a.update(Msg::Job(JobEvent::Runs(RunsEvent::CleanedUp {
            id: "run-41".into(),
            result: Ok(vec![]),
        })));
        assert_eq!(a.screen, Screen::Image);
        let jobs = a.update(Msg::Job(JobEvent::Runs(RunsEvent::CleanedUp {
            id: "run-42".into(),
            result: Ok(vec![]),
        })));
        assert_eq!(a.screen, Screen::Overview);
        assert!(a.back.is_empty());
        assert!(a.flow.is_none() && a.recovery_run.is_none());
        assert_eq!(a.image.name.value, "", "the step's inputs are forgotten");
        assert!(
            matches!(jobs.as_slice(), [Job::Discover, Job::NewRun]),
            "the architecture again, and a new run journal: {jobs:?}"
        );
        a.ctx.audit_log = Some("/tmp/audit/run-42.jsonl".into());
        a.update(Msg::Job(JobEvent::RunStarted {
            journal_path: Some("/tmp/runs/run-43.json".into()),
        }));
        assert_eq!(a.ctx.journal_path.as_deref(), Some("/tmp/runs/run-43.json"));
        assert_eq!(
            a.ctx.audit_log.as_deref(),
            Some("/tmp/audit/run-43.jsonl"),
            "the new run's calls are audited in its own file"
        );
        let (level, text) = a.notice.clone().expect("a notice");
        assert_eq!(level, CheckLevel::Ok);
        assert!(
            text.contains("run-42 cleaned up") && text.contains("starts over"),
            "{text}"
        );
    }

    #[test]
    fn the_source_cursor_starts_on_the_roles_server_and_esc_keeps_input() {
        let mut a = ready();
        a.update(key(KeyCode::Down)); // business servers
        a.update(key(KeyCode::Enter));
        assert_eq!(a.role(), Role::Business);
        assert_eq!(a.source_rows()[a.source.cursor].id, "ins-b");
        a.update(key(KeyCode::Enter));
        a.update(key(KeyCode::Char('!')));
        let typed = a.image.name.value.clone();
        a.update(key(KeyCode::Esc));
        assert_eq!(a.screen, Screen::Source);
        a.update(key(KeyCode::Enter));
        assert_eq!(a.image.name.value, typed);
    }

    #[test]
    fn nothing_is_started_before_the_confirm_and_quitting_asks_while_work_runs() {
        let mut a = ready();
        a.update(key(KeyCode::Enter));
        a.update(key(KeyCode::Enter));
        let jobs = a.update(key(KeyCode::Enter));
        assert!(jobs.is_empty());
        assert_eq!(
            a.confirm.as_ref().map(|c| c.what),
            Some(ConfirmWhat::CreateImage)
        );
        let jobs = a.update(key(KeyCode::Char('y')));
        assert!(matches!(jobs.as_slice(), [Job::CreateImage { .. }]));
        assert!(a.work_in_flight());
        a.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        )));
        assert!(!a.quit);
        assert_eq!(a.confirm.as_ref().map(|c| c.what), Some(ConfirmWhat::Quit));
        a.update(key(KeyCode::Char('n')));
        assert!(!a.quit);
        a.update(Msg::Job(JobEvent::ImageCreated {
            image_id: "img-1".into(),
        }));
        a.update(Msg::Job(JobEvent::ImageDone));
        assert!(!a.work_in_flight());
        a.update(key(KeyCode::Char('q')));
        assert!(a.quit, "nothing in flight: q quits at once");
    }

    #[test]
    fn a_click_selects_the_row_under_the_pointer() {
        let mut a = ready();
        a.hit_zones.borrow_mut().push(HitZone {
            area: Rect::new(1, 10, 40, 5),
            first_row: 0,
        });
        a.update(Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 5,
            row: 12,
            modifiers: KeyModifiers::NONE,
        }));
        assert_eq!(a.overview.cursor, 2);
        a.update(Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 50,
            row: 12,
            modifiers: KeyModifiers::NONE,
        }));
        assert_eq!(a.overview.cursor, 2, "outside the zone: no change");
    }
}
