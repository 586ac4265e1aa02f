//! The CLB browser: CLBs → listeners → targets with live health, a detail
//! pane for the selected row, filter as you type, sort, jump between CLBs,
//! and two confirmed changes (unbind, weight) with live task status.
//!
//! The tree arrives in pieces (the CLB list first, then each CLB's
//! listeners as they load, then health and instance details), so the screen
//! is usable at once with hundreds of CLBs. Health is refreshed in the
//! background and applied in place: rows never disappear while it loads.
//! Only the visible rows are built and drawn.

use std::collections::HashSet;

use crossterm::event::{KeyCode, KeyEvent};
use futures::StreamExt;
use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::cloud::Client;
use crate::i18n::{t, tf, Lang, Text};
use crate::scaleout::browse_tree::{
    self, BrowseTree, ClbNode, Health, HealthMap, InstanceInfo, ListenerNode, TargetChange,
    TargetNode, TargetRef,
};
use crate::tui::app::{App, HitZone};
use crate::tui::state::{Confirm, ConfirmWhat, PlannedCall};
use crate::tui::widgets::input::TextInput;
use crate::tui::widgets::{fit, mmss, spinner, theme};

/// Seconds between background health refreshes.
pub const HEALTH_EVERY: u64 = 5;

/// The last column (in the tree pane) of a CLB row's `▾`/`▸` and the space after it.
const EXPANDER_END: u16 = 1;

/// Async work the browser asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum BrowseJob {
    /// The CLB list, then every CLB's listeners, health and instances.
    LoadAll,
    /// Fresh health of these CLBs.
    Health(Vec<String>),
    /// Reload one CLB's listeners and targets (after a change).
    Listeners(String),
    Change {
        target: TargetRef,
        change: TargetChange,
    },
}

/// What the work reports back.
#[derive(Debug, Clone, PartialEq)]
pub enum BrowseEvent {
    Clbs(Result<Vec<ClbNode>, String>),
    Listeners {
        lb_id: String,
        listeners: Result<Vec<ListenerNode>, String>,
    },
    Health(Result<HealthMap, String>),
    Instances(Result<std::collections::BTreeMap<String, InstanceInfo>, String>),
    /// Every CLB's listeners have been fetched.
    AllLoaded,
    TaskStarted {
        task_id: String,
    },
    TaskFinished(Result<(), String>),
}

/// The columns the CLB list can be sorted by (`s` cycles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Name,
    Id,
    Kind,
    Vip,
    Targets,
    /// Most unhealthy targets first.
    Dead,
}

impl SortKey {
    fn next(self) -> SortKey {
        match self {
            SortKey::Name => SortKey::Id,
            SortKey::Id => SortKey::Kind,
            SortKey::Kind => SortKey::Vip,
            SortKey::Vip => SortKey::Targets,
            SortKey::Targets => SortKey::Dead,
            SortKey::Dead => SortKey::Name,
        }
    }
    fn key(self) -> &'static str {
        match self {
            SortKey::Name => "browse.sort.name",
            SortKey::Id => "browse.sort.id",
            SortKey::Kind => "browse.sort.kind",
            SortKey::Vip => "browse.sort.vip",
            SortKey::Targets => "browse.sort.targets",
            SortKey::Dead => "browse.sort.dead",
        }
    }
}

/// One visible line of the tree: indexes into `tree.clbs[c].listeners[l].targets[t]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Clb(usize),
    Listener(usize, usize),
    Target(usize, usize, usize),
}

/// The confirmed change being asked about, or under way.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingChange {
    pub target: TargetRef,
    pub change: TargetChange,
    /// `instance name (id):port on lb / listener`, for the dialog and status line.
    pub label: String,
}

/// A change's live status.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskState {
    Starting,
    Running { task_id: String },
    Done,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskStatus {
    pub change: PendingChange,
    pub state: TaskState,
    pub started: u64,
    pub finished: Option<u64>,
}

/// Where the first load stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Phase {
    #[default]
    Idle,
    Loading,
    Ready,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BrowseState {
    pub tree: BrowseTree,
    pub phase: Phase,
    /// Index into [`BrowseState::rows`].
    pub cursor: usize,
    /// CLB ids whose listeners are folded away.
    pub collapsed: HashSet<String>,
    pub filter: TextInput,
    /// The filter field has the keyboard.
    pub filtering: bool,
    pub sort: SortKey,
    pub descending: bool,
    /// Weight being typed for the selected target.
    pub weight: Option<TextInput>,
    /// Waiting for y/n.
    pub confirm: Option<PendingChange>,
    pub task: Option<TaskStatus>,
    pub health_in_flight: bool,
    pub last_health: u64,
    /// The last background error (health refresh), shown without hiding the tree.
    pub warning: Option<String>,
    pub clock: u64,
    outbox: Vec<BrowseJob>,
}

/// What a key did, for the app: nothing more, or leave the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    Handled,
    Back,
}

fn contains(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(needle)
}

fn target_matches(t: &TargetNode, f: &str) -> bool {
    contains(&t.instance_id, f)
        || contains(&t.instance_name, f)
        || contains(&t.private_ip, f)
        || contains(t.health.as_str(), f)
}

fn listener_matches(l: &ListenerNode, f: &str) -> bool {
    contains(&format!("{}:{}", l.protocol, l.port), f) || contains(&l.id, f)
}

fn clb_matches(c: &ClbNode, f: &str) -> bool {
    contains(&c.id, f)
        || contains(&c.name, f)
        || contains(&c.kind, f)
        || c.vips.iter().any(|v| contains(v, f))
        || contains(&c.vpc_id, f)
}

fn dead_count(c: &ClbNode) -> usize {
    c.listeners
        .iter()
        .flat_map(|l| &l.targets)
        .filter(|t| t.health == Health::Dead)
        .count()
}

impl BrowseState {
    /// Starts (or restarts) loading the tree.
    pub fn start(&mut self) {
        self.phase = Phase::Loading;
        self.outbox.push(BrowseJob::LoadAll);
    }

    /// The jobs asked for since the last call.
    pub fn take_jobs(&mut self) -> Vec<BrowseJob> {
        std::mem::take(&mut self.outbox)
    }

    /// Whether a text field has the keyboard (letters type, not command).
    pub fn typing(&self) -> bool {
        self.filtering || self.weight.is_some()
    }

    /// CLB indexes in display order (sorted, filtered).
    pub fn clb_order(&self) -> Vec<usize> {
        let f = self.filter.value.trim().to_lowercase();
        let mut idx: Vec<usize> = (0..self.tree.clbs.len())
            .filter(|&i| {
                let c = &self.tree.clbs[i];
                f.is_empty()
                    || clb_matches(c, &f)
                    || c.listeners.iter().any(|l| {
                        listener_matches(l, &f) || l.targets.iter().any(|t| target_matches(t, &f))
                    })
            })
            .collect();
        let clbs = &self.tree.clbs;
        idx.sort_by(|&a, &b| {
            let (a, b) = (&clbs[a], &clbs[b]);
            let o = match self.sort {
                SortKey::Name => a.name.cmp(&b.name),
                SortKey::Id => a.id.cmp(&b.id),
                SortKey::Kind => a.kind.cmp(&b.kind),
                SortKey::Vip => a.vips.first().cmp(&b.vips.first()),
                SortKey::Targets => b.target_count().cmp(&a.target_count()),
                SortKey::Dead => dead_count(b).cmp(&dead_count(a)),
            }
            .then_with(|| a.id.cmp(&b.id));
            if self.descending {
                o.reverse()
            } else {
                o
            }
        });
        idx
    }

    /// Every visible row, in order.
    pub fn rows(&self) -> Vec<Row> {
        let f = self.filter.value.trim().to_lowercase();
        let mut out = Vec::new();
        for c in self.clb_order() {
            out.push(Row::Clb(c));
            let clb = &self.tree.clbs[c];
            if self.collapsed.contains(&clb.id) {
                continue;
            }
            // When the CLB itself matches, everything under it is shown.
            let all = f.is_empty() || clb_matches(clb, &f);
            for (l, lis) in clb.listeners.iter().enumerate() {
                let lis_all = all || listener_matches(lis, &f);
                let targets: Vec<usize> = (0..lis.targets.len())
                    .filter(|&t| lis_all || target_matches(&lis.targets[t], &f))
                    .collect();
                if !lis_all && targets.is_empty() {
                    continue;
                }
                out.push(Row::Listener(c, l));
                out.extend(targets.into_iter().map(|t| Row::Target(c, l, t)));
            }
        }
        out
    }

    pub fn selected(&self) -> Option<Row> {
        self.rows().get(self.cursor).copied()
    }

    fn target_ref(&self, c: usize, l: usize, t: usize) -> (TargetRef, String) {
        let clb = &self.tree.clbs[c];
        let lis = &clb.listeners[l];
        let tg = &lis.targets[t];
        let name = if tg.instance_name.is_empty() {
            tg.instance_id.clone()
        } else {
            format!("{} ({})", tg.instance_name, tg.instance_id)
        };
        (
            TargetRef {
                lb_id: clb.id.clone(),
                listener_id: lis.id.clone(),
                location_id: tg.location_id.clone(),
                instance_id: tg.instance_id.clone(),
                port: tg.port,
            },
            format!(
                "{name}:{} · {} {}:{}",
                tg.port, clb.id, lis.protocol, lis.port
            ),
        )
    }

    fn clamp(&mut self) {
        let n = self.rows().len();
        self.cursor = self.cursor.min(n.saturating_sub(1));
    }

    /// Moves to the next (`+1`) or previous (`-1`) CLB row.
    fn jump_clb(&mut self, dir: i64) {
        let rows = self.rows();
        let mut i = self.cursor as i64 + dir;
        while i >= 0 && (i as usize) < rows.len() {
            if matches!(rows[i as usize], Row::Clb(_)) {
                self.cursor = i as usize;
                return;
            }
            i += dir;
        }
    }

    /// A key on the browse screen.
    pub fn on_key(&mut self, key: KeyEvent) -> KeyOutcome {
        if let Some(p) = self.confirm.clone() {
            match key.code {
                KeyCode::Char('y') | KeyCode::Enter => {
                    self.confirm = None;
                    self.task = Some(TaskStatus {
                        change: p.clone(),
                        state: TaskState::Starting,
                        started: self.clock,
                        finished: None,
                    });
                    self.outbox.push(BrowseJob::Change {
                        target: p.target,
                        change: p.change,
                    });
                }
                KeyCode::Char('n') | KeyCode::Esc => self.confirm = None,
                _ => {}
            }
            return KeyOutcome::Handled;
        }
        if let Some(w) = &mut self.weight {
            match key.code {
                KeyCode::Esc => self.weight = None,
                KeyCode::Enter => {
                    let value = w.value.trim().to_string();
                    match value.parse::<i64>() {
                        Ok(n) if (0..=100).contains(&n) => {
                            if let Some(Row::Target(c, l, t)) = self.selected() {
                                let (target, label) = self.target_ref(c, l, t);
                                self.confirm = Some(PendingChange {
                                    target,
                                    change: TargetChange::Weight(n),
                                    label,
                                });
                            }
                            self.weight = None;
                        }
                        _ => {
                            w.error = Some(Text::new("browse.weight.invalid", &[]));
                        }
                    }
                }
                _ => {
                    w.handle(key);
                }
            }
            return KeyOutcome::Handled;
        }
        if self.filtering {
            match key.code {
                KeyCode::Esc | KeyCode::Enter => self.filtering = false,
                KeyCode::Up | KeyCode::Down => {
                    self.filtering = false;
                    return self.on_key(key);
                }
                _ => {
                    self.filter.handle(key);
                    self.cursor = 0;
                }
            }
            return KeyOutcome::Handled;
        }
        let len = self.rows().len();
        match key.code {
            KeyCode::Esc => {
                if !self.filter.value.is_empty() {
                    self.filter = TextInput::default();
                    self.clamp();
                } else {
                    return KeyOutcome::Back;
                }
            }
            KeyCode::Up | KeyCode::Char('k') => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                self.cursor = (self.cursor + 1).min(len.saturating_sub(1))
            }
            KeyCode::PageUp => self.cursor = self.cursor.saturating_sub(10),
            KeyCode::PageDown => self.cursor = (self.cursor + 10).min(len.saturating_sub(1)),
            KeyCode::Home | KeyCode::Char('g') => self.cursor = 0,
            KeyCode::End | KeyCode::Char('G') => self.cursor = len.saturating_sub(1),
            KeyCode::Tab | KeyCode::Char('n') => self.jump_clb(1),
            KeyCode::BackTab | KeyCode::Char('p') => self.jump_clb(-1),
            KeyCode::Char('/') => self.filtering = true,
            KeyCode::Char('s') => {
                self.sort = self.sort.next();
                self.cursor = 0;
            }
            KeyCode::Char('S') => {
                self.descending = !self.descending;
                self.cursor = 0;
            }
            KeyCode::Char('r') => self.start(),
            KeyCode::Enter | KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right => {
                let row = self.selected();
                let c = match row {
                    Some(Row::Clb(c)) | Some(Row::Listener(c, _)) | Some(Row::Target(c, _, _)) => c,
                    None => return KeyOutcome::Handled,
                };
                let fold = match key.code {
                    KeyCode::Left => true,
                    KeyCode::Right => false,
                    _ => !self.collapsed.contains(&self.tree.clbs[c].id),
                };
                self.fold(c, fold);
            }
            KeyCode::Char('u') | KeyCode::Delete => {
                if let Some(Row::Target(c, l, t)) = self.selected() {
                    if self.busy() {
                        return KeyOutcome::Handled;
                    }
                    let (target, label) = self.target_ref(c, l, t);
                    self.confirm = Some(PendingChange {
                        target,
                        change: TargetChange::Unbind,
                        label,
                    });
                }
            }
            KeyCode::Char('w') => {
                if let Some(Row::Target(c, l, t)) = self.selected() {
                    if self.busy() {
                        return KeyOutcome::Handled;
                    }
                    let w = self.tree.clbs[c].listeners[l].targets[t].weight;
                    self.weight = Some(TextInput::new(&w.to_string()));
                }
            }
            _ => {}
        }
        KeyOutcome::Handled
    }

    /// Folds (or unfolds) CLB `c`; the cursor stays on its row when folding.
    fn fold(&mut self, c: usize, fold: bool) {
        let id = self.tree.clbs[c].id.clone();
        if fold {
            self.collapsed.insert(id);
            if let Some(i) = self.rows().iter().position(|r| *r == Row::Clb(c)) {
                self.cursor = i;
            }
        } else {
            self.collapsed.remove(&id);
        }
    }

    /// Whether the pointer may move the cursor: not while a weight is typed
    /// or a change awaits y/n (both apply to the selected row).
    fn pointer_free(&self) -> bool {
        self.confirm.is_none() && self.weight.is_none()
    }

    /// A click on row `row` of [`BrowseState::rows`], `column` cells into the
    /// tree pane: selects it; on a CLB row's expander (▾/▸) it also folds or
    /// unfolds the CLB.
    pub fn click(&mut self, row: usize, column: u16) {
        if !self.pointer_free() {
            return;
        }
        let Some(r) = self.rows().get(row).copied() else {
            return;
        };
        self.filtering = false;
        self.cursor = row;
        if let (Row::Clb(c), 0..=EXPANDER_END) = (r, column) {
            let folded = self.collapsed.contains(&self.tree.clbs[c].id);
            self.fold(c, !folded);
        }
    }

    /// The mouse wheel: moves the cursor `delta` rows (the list follows it).
    pub fn scroll(&mut self, delta: i64) {
        if !self.pointer_free() {
            return;
        }
        let last = self.rows().len().saturating_sub(1) as i64;
        self.cursor = (self.cursor as i64 + delta).clamp(0, last.max(0)) as usize;
    }

    /// A change is under way (one at a time, as the CLB accepts them).
    pub fn busy(&self) -> bool {
        matches!(
            self.task.as_ref().map(|t| &t.state),
            Some(TaskState::Starting) | Some(TaskState::Running { .. })
        )
    }

    /// The clock moved: maybe refresh health in the background.
    pub fn tick(&mut self, now: u64) {
        self.clock = now;
        if self.phase == Phase::Ready
            && !self.health_in_flight
            && now >= self.last_health + HEALTH_EVERY
        {
            let ids: Vec<String> = self
                .tree
                .clbs
                .iter()
                .filter(|c| c.loaded && c.target_count() > 0)
                .map(|c| c.id.clone())
                .collect();
            self.last_health = now;
            if !ids.is_empty() {
                self.health_in_flight = true;
                self.outbox.push(BrowseJob::Health(ids));
            }
        }
    }

    pub fn on_event(&mut self, ev: BrowseEvent) {
        match ev {
            BrowseEvent::Clbs(Ok(clbs)) => {
                // Keep what is known about CLBs that are still there (a
                // reload must not blank the tree).
                let old = std::mem::take(&mut self.tree.clbs);
                self.tree.clbs = clbs
                    .into_iter()
                    .map(|mut c| {
                        if let Some(o) = old.iter().find(|o| o.id == c.id) {
                            c.listeners = o.listeners.clone();
                            c.loaded = o.loaded;
                        }
                        c
                    })
                    .collect();
                self.clamp();
            }
            BrowseEvent::Clbs(Err(e)) => self.phase = Phase::Failed(e),
            BrowseEvent::Listeners { lb_id, listeners } => match listeners {
                Ok(ls) => {
                    if let Some(c) = self.tree.clbs.iter_mut().find(|c| c.id == lb_id) {
                        // keep the health we know until the next refresh
                        let mut ls = ls;
                        for l in &mut ls {
                            for t in &mut l.targets {
                                if let Some(old) =
                                    c.listeners.iter().find(|o| o.id == l.id).and_then(|o| {
                                        o.targets.iter().find(|o| {
                                            o.instance_id == t.instance_id && o.port == t.port
                                        })
                                    })
                                {
                                    t.health = old.health;
                                }
                            }
                        }
                        c.listeners = ls;
                        c.loaded = true;
                    }
                    self.tree.fill_target_names();
                    self.clamp();
                }
                Err(e) => self.warning = Some(e),
            },
            BrowseEvent::AllLoaded => {
                self.phase = Phase::Ready;
            }
            BrowseEvent::Health(r) => {
                self.health_in_flight = false;
                self.last_health = self.clock;
                match r {
                    Ok(map) => {
                        self.tree.apply_health(&map);
                        self.warning = None;
                    }
                    Err(e) => self.warning = Some(e),
                }
            }
            BrowseEvent::Instances(r) => match r {
                Ok(map) => {
                    self.tree.instances.extend(map);
                    self.tree.fill_target_names();
                }
                Err(e) => self.warning = Some(e),
            },
            BrowseEvent::TaskStarted { task_id } => {
                if let Some(t) = &mut self.task {
                    t.state = TaskState::Running { task_id };
                }
            }
            BrowseEvent::TaskFinished(r) => {
                if let Some(t) = &mut self.task {
                    t.finished = Some(self.clock);
                    t.state = match r {
                        Ok(()) => TaskState::Done,
                        Err(e) => TaskState::Failed(e),
                    };
                    self.outbox
                        .push(BrowseJob::Listeners(t.change.target.lb_id.clone()));
                    self.outbox
                        .push(BrowseJob::Health(vec![t.change.target.lb_id.clone()]));
                    self.health_in_flight = true;
                }
            }
        }
    }

    /// The keys of the current state, for the footer and help.
    pub fn keys(&self) -> Vec<(&'static str, &'static str)> {
        if self.confirm.is_some() {
            return vec![
                ("y", "wizard.confirm.accept"),
                ("n", "wizard.confirm.cancel"),
            ];
        }
        if self.weight.is_some() {
            return vec![("⏎", "browse.key.weight_ok"), ("esc", "browse.key.cancel")];
        }
        if self.filtering {
            return vec![
                ("⏎", "browse.key.filter_done"),
                ("esc", "browse.key.filter_done"),
            ];
        }
        let mut k = vec![
            ("↑↓", "browse.key.move"),
            ("⏎", "browse.key.fold"),
            ("/", "browse.key.filter"),
            ("s", "browse.key.sort"),
            ("tab", "browse.key.next_clb"),
        ];
        if matches!(self.selected(), Some(Row::Target(..))) {
            k.push(("u", "browse.key.unbind"));
            k.push(("w", "browse.key.weight"));
        }
        k.push(("r", "browse.key.refresh"));
        k
    }
}

/// Runs one job, reporting through `send`.
pub async fn run_job(client: Client, job: BrowseJob, send: impl Fn(BrowseEvent) + Send + Sync) {
    let err = |e: crate::cloud::CloudError| e.to_string();
    match job {
        BrowseJob::LoadAll => {
            let clbs = match browse_tree::load_clbs(&client).await {
                Ok(c) => c,
                Err(e) => return send(BrowseEvent::Clbs(Err(err(e)))),
            };
            let ids: Vec<String> = clbs.iter().map(|c| c.id.clone()).collect();
            send(BrowseEvent::Clbs(Ok(clbs)));
            // Listeners stream in as each CLB answers.
            let mut stream = futures::stream::iter(ids.clone())
                .map(|id| {
                    let client = client.clone();
                    async move {
                        let r = browse_tree::load_listeners(&client, &id).await;
                        (id, r)
                    }
                })
                .buffer_unordered(browse_tree::DETAIL_CONCURRENCY);
            let mut bound: Vec<String> = Vec::new();
            while let Some((lb_id, r)) = stream.next().await {
                if let Ok(ls) = &r {
                    bound.extend(
                        ls.iter()
                            .flat_map(|l| &l.targets)
                            .map(|t| t.instance_id.clone()),
                    );
                }
                send(BrowseEvent::Listeners {
                    lb_id,
                    listeners: r.map_err(err),
                });
            }
            send(BrowseEvent::AllLoaded);
            send(BrowseEvent::Health(
                browse_tree::load_health(&client, &ids).await.map_err(err),
            ));
            bound.sort();
            bound.dedup();
            send(BrowseEvent::Instances(
                browse_tree::load_instances(&client, &bound)
                    .await
                    .map_err(err),
            ));
        }
        BrowseJob::Health(ids) => send(BrowseEvent::Health(
            browse_tree::load_health(&client, &ids).await.map_err(err),
        )),
        BrowseJob::Listeners(lb_id) => {
            let r = browse_tree::load_listeners(&client, &lb_id).await;
            let ids: Vec<String> = r
                .as_ref()
                .map(|ls| {
                    ls.iter()
                        .flat_map(|l| &l.targets)
                        .map(|t| t.instance_id.clone())
                        .collect()
                })
                .unwrap_or_default();
            send(BrowseEvent::Listeners {
                lb_id,
                listeners: r.map_err(err),
            });
            if !ids.is_empty() {
                send(BrowseEvent::Instances(
                    browse_tree::load_instances(&client, &ids)
                        .await
                        .map_err(err),
                ));
            }
        }
        BrowseJob::Change { target, change } => {
            let task_id = match browse_tree::start_change(&client, &target, &change).await {
                Ok(id) => id,
                Err(e) => return send(BrowseEvent::TaskFinished(Err(err(e)))),
            };
            send(BrowseEvent::TaskStarted {
                task_id: task_id.clone(),
            });
            let r = browse_tree::wait_task(
                &client,
                &task_id,
                std::time::Duration::from_millis(500),
                crate::scaleout::runner::wait::deadline::CLB_TASK,
                |_| {},
            )
            .await;
            send(BrowseEvent::TaskFinished(r.map_err(err)));
        }
    }
}

fn health_style(h: Health) -> Style {
    match h {
        Health::Alive => theme::good(),
        Health::Dead => theme::bad(),
        Health::Unknown => theme::warn(),
        Health::Close => theme::greyed(),
    }
}

fn health_mark(h: Health) -> &'static str {
    match h {
        Health::Alive => "●",
        Health::Dead => "✗",
        Health::Unknown => "?",
        Health::Close => "○",
    }
}

fn health_text(h: Health, lang: Lang) -> String {
    t(
        lang,
        &format!("browse.health.{}", h.as_str().to_lowercase()),
    )
}

fn row_line(s: &BrowseState, row: Row, lang: Lang, width: usize) -> Line<'static> {
    let tree = &s.tree;
    match row {
        Row::Clb(c) => {
            let clb = &tree.clbs[c];
            let fold = if s.collapsed.contains(&clb.id) {
                "▸"
            } else {
                "▾"
            };
            let counts = if clb.loaded {
                let alive = clb
                    .listeners
                    .iter()
                    .flat_map(|l| &l.targets)
                    .filter(|t| t.health == Health::Alive)
                    .count();
                tf(
                    lang,
                    "browse.clb.counts",
                    &[
                        ("listeners", &clb.listeners.len()),
                        ("targets", &clb.target_count()),
                        ("alive", &alive),
                    ],
                )
            } else {
                format!("{} {}", spinner(s.clock), t(lang, "browse.loading_short"))
            };
            let kind = t(lang, &format!("browse.kind.{}", clb.kind.to_lowercase()));
            // The counts come before the name so a narrow pane cuts the VIP, not them.
            let text = format!(
                "{fold} {:<12} {} {} {} {}",
                clb.id,
                pad(&counts, 14),
                pad(&fit(&clb.name, 16), 16),
                pad(&kind, 8),
                clb.vips.first().cloned().unwrap_or_default(),
            );
            Line::from(Span::styled(fit(&text, width), theme::title()))
        }
        Row::Listener(c, l) => {
            let lis = &tree.clbs[c].listeners[l];
            let hc = match &lis.health_check {
                Some(h) if h.enabled => tf(
                    lang,
                    "browse.listener.hc_on",
                    &[
                        ("interval", &h.interval.unwrap_or(5)),
                        ("timeout", &h.timeout.unwrap_or(2)),
                    ],
                ),
                _ => t(lang, "browse.listener.hc_off"),
            };
            let text = format!("  ├ {}:{:<6} {:<14} {}", lis.protocol, lis.port, lis.id, hc);
            Line::from(Span::styled(fit(&text, width), theme::label()))
        }
        Row::Target(c, l, t) => {
            let tg = &tree.clbs[c].listeners[l].targets[t];
            // Fixed columns and the health first; the name gets what is
            // left, and is left out (it is in the detail pane) when that is
            // too little to read.
            let addr = format!("{}:{}", tg.private_ip, tg.port);
            let health = format!(
                "{} {}",
                health_mark(tg.health),
                health_text(tg.health, lang)
            );
            // The widest health text of the language, so every row's columns line up.
            let health_w = [Health::Alive, Health::Dead, Health::Unknown, Health::Close]
                .iter()
                .map(|h| Span::raw(health_text(*h, lang)).width() + 2)
                .max()
                .unwrap_or(10);
            let fixed = 4 + 14 + 16 + 5 + health_w;
            let room = width.saturating_sub(fixed + 1).min(20);
            let name = if room >= 6 {
                format!("{} ", pad(&fit(&tg.instance_name, room), room))
            } else {
                String::new()
            };
            // Narrower than the fixed columns: the weight goes too (it is
            // in the detail pane), so the health stays whole.
            let main = if width < fixed {
                format!("  │ {:<13} {addr} ", tg.instance_id)
            } else {
                format!(
                    "  │ {:<13} {name}{:<15} w{:<3} ",
                    tg.instance_id, addr, tg.weight
                )
            };
            Line::from(vec![
                Span::raw(main),
                Span::styled(health, health_style(tg.health)),
            ])
        }
    }
}

/// `s` padded with spaces to `width` display columns (CJK counts double).
fn pad(s: &str, width: usize) -> String {
    let w = Span::raw(s).width();
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

fn kv(label: String, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(pad(&label, 12), theme::label()),
        Span::raw(value),
    ])
}

fn detail_lines(s: &BrowseState, lang: Lang) -> (String, Vec<Line<'static>>) {
    let none = || t(lang, "browse.detail.none");
    match s.selected() {
        None => (t(lang, "browse.detail.title"), vec![Line::raw(none())]),
        Some(Row::Clb(c)) => {
            let clb = &s.tree.clbs[c];
            let status = t(
                lang,
                if clb.status == 1 {
                    "browse.status.normal"
                } else {
                    "browse.status.creating"
                },
            );
            (
                format!("{} {}", clb.id, clb.name),
                vec![
                    kv(t(lang, "browse.detail.type"), clb.kind.clone()),
                    kv(t(lang, "browse.detail.vips"), clb.vips.join(", ")),
                    kv(t(lang, "browse.detail.project"), clb.project_id.to_string()),
                    kv(t(lang, "browse.detail.vpc"), clb.vpc_id.clone()),
                    kv(t(lang, "browse.detail.status"), status),
                    kv(
                        t(lang, "browse.detail.listeners"),
                        clb.listeners.len().to_string(),
                    ),
                    kv(
                        t(lang, "browse.detail.targets"),
                        clb.target_count().to_string(),
                    ),
                ],
            )
        }
        Some(Row::Listener(c, l)) => {
            let lis = &s.tree.clbs[c].listeners[l];
            let mut lines = vec![
                kv(t(lang, "browse.detail.listener"), lis.id.clone()),
                kv(
                    t(lang, "browse.detail.protocol"),
                    format!("{}:{}", lis.protocol, lis.port),
                ),
            ];
            match &lis.health_check {
                Some(h) if h.enabled => {
                    let opt =
                        |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
                    lines.push(kv(t(lang, "browse.detail.hc"), t(lang, "browse.detail.on")));
                    lines.push(kv(
                        t(lang, "browse.detail.hc_timing"),
                        format!("{}s / {}s", opt(h.interval), opt(h.timeout)),
                    ));
                    lines.push(kv(
                        t(lang, "browse.detail.hc_thresholds"),
                        format!(
                            "{} / {}",
                            opt(h.healthy_threshold),
                            opt(h.unhealthy_threshold)
                        ),
                    ));
                    if let Some(ct) = &h.check_type {
                        lines.push(kv(t(lang, "browse.detail.hc_type"), ct.clone()));
                    }
                }
                _ => lines.push(kv(
                    t(lang, "browse.detail.hc"),
                    t(lang, "browse.detail.off"),
                )),
            }
            lines.push(kv(
                t(lang, "browse.detail.targets"),
                lis.targets.len().to_string(),
            ));
            (format!("{}:{}", lis.protocol, lis.port), lines)
        }
        Some(Row::Target(c, l, ti)) => {
            let tg = &s.tree.clbs[c].listeners[l].targets[ti];
            let mut lines = vec![
                Line::from(vec![
                    Span::styled(pad(&t(lang, "browse.detail.health"), 12), theme::label()),
                    Span::styled(
                        format!(
                            "{} {}",
                            health_mark(tg.health),
                            health_text(tg.health, lang)
                        ),
                        health_style(tg.health),
                    ),
                ]),
                kv(t(lang, "browse.detail.weight"), tg.weight.to_string()),
                kv(t(lang, "browse.detail.port"), tg.port.to_string()),
            ];
            if let Some(r) = &tg.rule {
                lines.push(kv(t(lang, "browse.detail.rule"), r.clone()));
            }
            match s.tree.instances.get(&tg.instance_id) {
                Some(i) => {
                    lines.push(kv(t(lang, "browse.detail.zone"), i.zone.clone()));
                    lines.push(kv(
                        t(lang, "browse.detail.project"),
                        i.project_id.to_string(),
                    ));
                    lines.push(kv(t(lang, "browse.detail.state"), i.state.clone()));
                    lines.push(kv(
                        t(lang, "browse.detail.private_ip"),
                        i.private_ips.join(", "),
                    ));
                    lines.push(kv(
                        t(lang, "browse.detail.public_ip"),
                        i.public_ips.join(", "),
                    ));
                    lines.push(kv(
                        t(lang, "browse.detail.bandwidth"),
                        format!("{} Mbps", i.bandwidth_out),
                    ));
                    lines.push(kv(
                        t(lang, "browse.detail.expiry"),
                        i.expired_time
                            .clone()
                            .unwrap_or_else(|| t(lang, "browse.detail.no_expiry")),
                    ));
                    lines.push(kv(
                        t(lang, "browse.detail.sgs"),
                        i.security_group_ids.join(", "),
                    ));
                    if i.ineligible.is_empty() {
                        lines.push(Line::styled(
                            format!("✓ {}", t(lang, "browse.detail.eligible")),
                            theme::good(),
                        ));
                    } else {
                        lines.push(Line::styled(
                            format!("✗ {}", t(lang, "browse.detail.ineligible")),
                            theme::bad(),
                        ));
                        for r in &i.ineligible {
                            lines.push(Line::styled(
                                format!("  · {}", r.reason(lang)),
                                theme::bad(),
                            ));
                        }
                    }
                }
                None => lines.push(Line::styled(
                    format!("{} {}", spinner(s.clock), t(lang, "browse.detail.loading")),
                    theme::label(),
                )),
            }
            let title = if tg.instance_name.is_empty() {
                tg.instance_id.clone()
            } else {
                format!("{} {}", tg.instance_id, tg.instance_name)
            };
            (title, lines)
        }
    }
}

fn status_line(s: &BrowseState, lang: Lang) -> Line<'static> {
    if let Some(task) = &s.task {
        let what = match &task.change.change {
            TargetChange::Unbind => t(lang, "browse.task.unbind"),
            TargetChange::Weight(w) => tf(lang, "browse.task.weight", &[("weight", w)]),
        };
        let elapsed = mmss(
            task.finished
                .unwrap_or(s.clock)
                .saturating_sub(task.started),
        );
        let (mark, style, state) = match &task.state {
            TaskState::Starting => (
                spinner(s.clock),
                theme::warn(),
                t(lang, "browse.task.starting"),
            ),
            TaskState::Running { task_id } => (
                spinner(s.clock),
                theme::warn(),
                tf(lang, "browse.task.running", &[("task", task_id)]),
            ),
            TaskState::Done => ("✓", theme::good(), t(lang, "browse.task.done")),
            TaskState::Failed(e) => (
                "✗",
                theme::bad(),
                tf(lang, "browse.task.failed", &[("error", e)]),
            ),
        };
        return Line::from(vec![
            Span::styled(format!(" {mark} "), style),
            Span::raw(format!("{what} {} · {elapsed} · ", task.change.label)),
            Span::styled(state, style),
        ]);
    }
    if let Some(w) = &s.warning {
        return Line::styled(format!(" ! {w}"), theme::warn());
    }
    Line::raw("")
}

/// The browse screen.
pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let s = &app.browse;
    let lang = app.lang;
    if let Phase::Failed(e) = &s.phase {
        super::message(
            f,
            area,
            &t(lang, "browse.title"),
            vec![
                Line::styled(
                    format!(" ✗ {}", t(lang, "browse.load_failed")),
                    theme::bad(),
                ),
                Line::raw(format!("   {e}")),
                Line::raw(""),
                Line::raw(format!(" {}", t(lang, "browse.retry"))),
            ],
        );
        return;
    }
    let [top, main, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    // Top line: filter, sort, counts / loading.
    let loaded = s.tree.clbs.iter().filter(|c| c.loaded).count();
    let mut spans = vec![];
    if s.filtering || !s.filter.value.is_empty() {
        let mut l = s.filter.lines(lang, "/", s.filtering);
        spans.extend(l.remove(0).spans);
        spans.push(Span::raw("  "));
    }
    spans.push(Span::styled(
        format!(
            "{} {}{}  ",
            t(lang, "browse.sort.label"),
            t(lang, s.sort.key()),
            if s.descending { " ↓" } else { "" }
        ),
        theme::label(),
    ));
    let targets: usize = s.tree.clbs.iter().map(ClbNode::target_count).sum();
    let counts = tf(
        lang,
        "browse.counts",
        &[("clbs", &s.tree.clbs.len()), ("targets", &targets)],
    );
    spans.push(Span::raw(counts));
    if s.phase == Phase::Loading {
        spans.push(Span::styled(
            format!(
                "  {} {}",
                spinner(s.clock),
                tf(
                    lang,
                    "browse.loading",
                    &[("done", &loaded), ("total", &s.tree.clbs.len())]
                )
            ),
            theme::warn(),
        ));
    }
    f.render_widget(Line::from(spans), top);

    let [left, right] =
        Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(main);
    let block = Block::bordered().title(format!(" {} ", t(lang, "browse.title")));
    let inner = block.inner(left);
    f.render_widget(block, left);
    let rows = s.rows();
    if rows.is_empty() {
        let text = if s.phase == Phase::Loading {
            format!("{} {}", spinner(s.clock), t(lang, "browse.loading_short"))
        } else if !s.filter.value.is_empty() {
            t(lang, "browse.no_match")
        } else {
            t(lang, "browse.empty")
        };
        f.render_widget(
            Paragraph::new(format!(" {text}")).wrap(Wrap { trim: false }),
            inner,
        );
    } else {
        let visible = inner.height as usize;
        let first = crate::tui::widgets::table::offset(s.cursor, visible);
        // Clicks on the tree go through the app's hit zones, like the wizard's tables.
        app.hit_zones.borrow_mut().push(HitZone {
            area: inner,
            first_row: first,
        });
        let lines: Vec<Line> = rows
            .iter()
            .enumerate()
            .skip(first)
            .take(visible)
            .map(|(i, r)| {
                let line = row_line(s, *r, lang, inner.width as usize);
                if i == s.cursor {
                    line.style(theme::selected())
                } else {
                    line
                }
            })
            .collect();
        f.render_widget(Paragraph::new(lines), inner);
    }
    let (title, mut lines) = detail_lines(s, lang);
    if let Some(w) = &s.weight {
        lines.push(Line::raw(""));
        lines.extend(w.lines(lang, &t(lang, "browse.weight.label"), true));
        lines.push(Line::styled(t(lang, "browse.weight.hint"), theme::label()));
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(
                " {} ",
                fit(&title, right.width.saturating_sub(4) as usize)
            ))),
        right,
    );
    f.render_widget(status_line(s, lang), status);
    if let Some(p) = &s.confirm {
        let (action, detail, title) = match &p.change {
            TargetChange::Unbind => (
                "DeregisterTargets",
                p.label.clone(),
                t(lang, "browse.confirm.unbind"),
            ),
            TargetChange::Weight(w) => (
                "ModifyTargetWeight",
                format!("{} → {w}", p.label),
                t(lang, "browse.confirm.weight"),
            ),
        };
        // Rendering only: the browser keeps its own pending change, the
        // app's confirm (and its `what`) is not involved.
        let c = Confirm {
            title,
            body: None,
            calls: vec![
                PlannedCall {
                    service: "clb",
                    action,
                    detail,
                },
                PlannedCall {
                    service: "clb",
                    action: "DescribeTaskStatus",
                    detail: t(lang, "browse.confirm.poll"),
                },
            ],
            what: ConfirmWhat::Bind,
        };
        crate::tui::widgets::confirm::render(lang, &c, f, f.area());
    }
}

/// `tcscale browse` without `--json`: the browser on its own, with the
/// wizard's header, footer, help and language switch.
pub async fn run_standalone(client: Client, lang: Lang) -> Result<(), String> {
    use crate::tui::app::{Context, Msg};
    use crate::tui::jobs::JobEvent;
    use crate::tui::state::Screen;

    let mut app = App::new(
        lang,
        Context {
            region: client.region().to_string(),
            sandbox: client.config().endpoint.is_some(),
            ..Default::default()
        },
        Screen::Browse,
    );
    app.browse.start();
    let mut term = crate::tui::terminal::enter(None).map_err(|e| e.to_string())?;
    if let Ok(size) = term.size() {
        app.size = (size.width, size.height);
    }
    let mut events = crate::tui::event::Events::new(std::time::Duration::from_millis(250));
    let result = async {
        loop {
            for job in app.browse.take_jobs() {
                let tx = events.sender();
                let client = client.clone();
                tokio::spawn(async move {
                    run_job(client, job, move |e| {
                        let _ = tx.send(JobEvent::Browse(e));
                    })
                    .await
                });
            }
            term.draw(|f| crate::tui::ui::draw(&app, f))
                .map_err(|e| e.to_string())?;
            let Some(msg) = events.next().await else {
                break;
            };
            if let Msg::Key(k) = &msg {
                if k.code == KeyCode::Esc
                    && !app.browse.typing()
                    && app.browse.confirm.is_none()
                    && app.browse.filter.value.is_empty()
                {
                    break;
                }
            }
            app.update(msg);
            if app.quit {
                break;
            }
        }
        Ok::<(), String>(())
    }
    .await;
    crate::tui::terminal::restore();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaleout::browse_tree::{ClbNode, ListenerNode, TargetNode};
    use crate::tui::app::{Context, Msg};
    use crate::tui::state::Screen;
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    /// `n` loaded CLBs `lb-000…`, each with one listener and two targets (4 rows each).
    fn browser(n: usize) -> App {
        let target = |i: usize, t: usize| TargetNode {
            instance_id: format!("ins-{i:03}-{t}"),
            instance_name: format!("web-{i}-{t}"),
            private_ip: format!("10.0.{i}.{t}"),
            port: 80,
            weight: 10,
            health: Health::Alive,
            ..Default::default()
        };
        let clbs = (0..n)
            .map(|i| ClbNode {
                id: format!("lb-{i:03}"),
                name: format!("clb-{i:03}"),
                kind: "OPEN".into(),
                vips: vec![format!("1.1.1.{i}")],
                status: 1,
                loaded: true,
                listeners: vec![ListenerNode {
                    id: format!("lbl-{i:03}"),
                    protocol: "TCP".into(),
                    port: 80,
                    targets: vec![target(i, 1), target(i, 2)],
                    ..Default::default()
                }],
                ..Default::default()
            })
            .collect();
        let mut app = App::new(Lang::En, Context::default(), Screen::Browse);
        app.browse.tree.clbs = clbs;
        app.browse.phase = Phase::Ready;
        app
    }

    /// Draws the frame (which records the hit zones) and returns its text, one string per row.
    fn draw(app: &App) -> Vec<String> {
        let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
        term.draw(|f| crate::tui::ui::draw(app, f)).unwrap();
        let buf = term.backend().buffer().clone();
        (0..30)
            .map(|y| (0..100).map(|x| buf[(x, y)].symbol().to_string()).collect())
            .collect()
    }

    /// Screen cell (column, row) where `needle` is drawn.
    fn cell_of(screen: &[String], needle: &str) -> (u16, u16) {
        screen
            .iter()
            .enumerate()
            .find_map(|(y, line)| {
                let byte = line.find(needle)?;
                Some((line[..byte].chars().count() as u16, y as u16))
            })
            .unwrap_or_else(|| panic!("{needle} not drawn:\n{}", screen.join("\n")))
    }

    fn mouse(app: &mut App, kind: MouseEventKind, column: u16, row: u16) {
        app.update(Msg::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }));
    }

    fn click(app: &mut App, (column, row): (u16, u16)) {
        mouse(app, MouseEventKind::Down(MouseButton::Left), column, row);
    }

    fn selected_text(app: &App) -> String {
        let s = &app.browse;
        match s.selected().expect("a selection") {
            Row::Clb(c) => s.tree.clbs[c].id.clone(),
            Row::Listener(c, l) => s.tree.clbs[c].listeners[l].id.clone(),
            Row::Target(c, l, t) => s.tree.clbs[c].listeners[l].targets[t].instance_id.clone(),
        }
    }

    #[test]
    fn a_click_selects_the_row_under_the_pointer() {
        let mut app = browser(3);
        let screen = draw(&app);
        click(&mut app, cell_of(&screen, "ins-001-2"));
        assert_eq!(selected_text(&app), "ins-001-2");
        click(&mut app, cell_of(&screen, "lbl-002"));
        assert_eq!(selected_text(&app), "lbl-002");
        // Below the last row, or in the detail pane: nothing changes.
        let (_, last_row) = cell_of(&screen, "ins-002-2");
        click(&mut app, (5, last_row + 2));
        let (detail_x, _) = cell_of(&screen, "Type");
        click(&mut app, (detail_x, last_row));
        assert_eq!(selected_text(&app), "lbl-002");
    }

    #[test]
    fn a_click_on_a_scrolled_list_selects_the_row_drawn_there() {
        let mut app = browser(20);
        app.browse.cursor = app.browse.rows().len() - 1;
        let screen = draw(&app);
        assert!(
            !screen.iter().any(|l| l.contains("lb-000")),
            "the list is scrolled: {}",
            screen.join("\n")
        );
        click(&mut app, cell_of(&screen, "lbl-015"));
        assert_eq!(selected_text(&app), "lbl-015");
        click(&mut app, cell_of(&screen, "lb-017"));
        assert_eq!(selected_text(&app), "lb-017");
    }

    #[test]
    fn a_click_on_the_expander_folds_and_unfolds_the_clb() {
        let mut app = browser(3);
        let screen = draw(&app);
        let (x, y) = cell_of(&screen, "lb-001");
        // The text of the row selects without folding.
        click(&mut app, (x, y));
        assert!(app.browse.collapsed.is_empty());
        let expander = (x - 2, y);
        click(&mut app, expander);
        assert!(app.browse.collapsed.contains("lb-001"));
        assert_eq!(selected_text(&app), "lb-001");
        let screen = draw(&app);
        assert!(!screen.iter().any(|l| l.contains("lbl-001")));
        assert!(screen[y as usize].contains("▸ lb-001"));
        click(&mut app, expander);
        assert!(app.browse.collapsed.is_empty());
    }

    #[test]
    fn a_narrow_tree_keeps_the_health_and_leaves_the_name_out() {
        let app = browser(1);
        let s = &app.browse;
        let target = Row::Target(0, 0, 0);
        for lang in [Lang::En, Lang::Zh] {
            let narrow = row_line(s, target, lang, 46).to_string();
            let health = health_text(Health::Alive, lang);
            assert!(narrow.ends_with(&format!("● {health}")), "{narrow}");
            assert!(Span::raw(narrow.as_str()).width() <= 46, "{narrow}");
            assert!(!narrow.contains("web-0-1"), "{narrow}");
            let wide = row_line(s, target, lang, 70).to_string();
            assert!(wide.contains("web-0-1"), "{wide}");
        }
    }

    #[test]
    fn the_wheel_moves_the_cursor_but_not_while_a_weight_is_typed() {
        let mut app = browser(3);
        draw(&app);
        mouse(&mut app, MouseEventKind::ScrollDown, 5, 5);
        mouse(&mut app, MouseEventKind::ScrollDown, 5, 5);
        assert_eq!(app.browse.cursor, 2);
        mouse(&mut app, MouseEventKind::ScrollUp, 5, 5);
        assert_eq!(app.browse.cursor, 1);
        for _ in 0..5 {
            mouse(&mut app, MouseEventKind::ScrollUp, 5, 5);
        }
        assert_eq!(app.browse.cursor, 0);
        app.browse.cursor = 2;
        app.browse.weight = Some(TextInput::new("10"));
        mouse(&mut app, MouseEventKind::ScrollDown, 5, 5);
        let screen = draw(&app);
        click(&mut app, cell_of(&screen, "lb-002"));
        assert_eq!(
            app.browse.cursor, 2,
            "the weight applies to the selected target"
        );
    }
}
