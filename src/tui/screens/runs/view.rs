//! Drawing the Runs screen from its state: the table of runs, the steps
//! and resources of the selected one, the live progress, the status line
//! and the cleanup dialogs. Nothing here changes state.

use super::*;

/// The recovery options after a failed resume, as keys.
pub(super) fn recovery_text(step: Step, lang: Lang) -> String {
    let options: Vec<String> = recovery_options(step)
        .into_iter()
        .map(|o| match o {
            Recovery::Retry => t(lang, "runs.recovery.retry"),
            Recovery::Skip => t(lang, "runs.recovery.skip"),
            Recovery::CleanUp => t(lang, "runs.recovery.cleanup"),
        })
        .collect();
    tf(lang, "runs.recovery", &[("options", &options.join(" · "))])
}

pub(super) fn local_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

/// A column of the table. Narrow terminals drop the least needed first
/// (see [`columns`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Col {
    Id,
    Started,
    Region,
    Status,
    Flow,
    Stopped,
    Created,
}

impl Col {
    pub(super) fn name(self) -> &'static str {
        match self {
            Col::Id => "id",
            Col::Started => "started",
            Col::Region => "region",
            Col::Status => "status",
            Col::Flow => "flow",
            Col::Stopped => "stopped",
            Col::Created => "created",
        }
    }
}

/// The narrowest "stopped at" column worth showing (it takes what is left).
const STOPPED_MIN: u16 = 16;

/// The columns that fit in `width` (inside the borders) with their widths:
/// the run id is never cut; the start time (the id begins with it), then
/// the region (the session's own, usually; a run of another region is
/// refused naming both), then the count and the flow go first.
pub(super) fn columns(s: &RunsState, lang: Lang, width: u16) -> Vec<(Col, u16)> {
    let text_w = |x: &str| Span::raw(x.to_string()).width() as u16;
    let head = |c: Col| text_w(&t(lang, &format!("runs.col.{}", c.name())));
    let id_w = s
        .entries
        .iter()
        .map(|e| match e {
            RunEntry::Run(r) => text_w(&r.id),
            RunEntry::Unreadable { file, .. } => text_w(file) + 2,
        })
        .max()
        .unwrap_or(0)
        .max(head(Col::Id));
    let status_w = crate::scaleout::run::Verdict::all_status_texts(lang)
        .iter()
        .map(|st| text_w(st))
        .chain([
            text_w(&t(lang, "runs.step.running")) + 2,
            text_w(&t(lang, "runs.unreadable")),
        ])
        // Another process's runs, as listed (their pid decides the width).
        .chain(s.entries.iter().filter_map(|e| match e {
            RunEntry::Run(r) if r.in_use.is_some() => Some(text_w(&row_status_text(r, lang))),
            _ => None,
        }))
        .max()
        .unwrap_or(0)
        .max(head(Col::Status));
    let flow_w = [
        Some(plan::Role::Session),
        Some(plan::Role::Business),
        Some(plan::Role::Both),
        None,
    ]
    .iter()
    .map(|f| text_w(&flow_text(*f, lang)))
    .max()
    .unwrap_or(0)
    .max(head(Col::Flow));
    let mut cols = vec![
        (Col::Id, id_w),
        (Col::Started, 16.max(head(Col::Started))),
        (Col::Region, r_width(s).max(head(Col::Region))),
        (Col::Status, status_w),
        (Col::Flow, flow_w),
        (Col::Stopped, STOPPED_MIN),
        (Col::Created, head(Col::Created).max(3)),
    ];
    let need = |cols: &[(Col, u16)]| {
        cols.iter().map(|(_, w)| w).sum::<u16>() + cols.len().saturating_sub(1) as u16
    };
    for drop in [Col::Started, Col::Region, Col::Created, Col::Flow] {
        if need(&cols) <= width {
            break;
        }
        cols.retain(|(c, _)| *c != drop);
    }
    cols
}

/// One run's row; the "stopped at" text is cut to `stopped_w` columns with
/// an ellipsis (the steps pane below has it whole).
pub(super) fn table_row(
    e: &RunEntry,
    cols: &[Col],
    stopped_w: usize,
    lang: Lang,
    clock: u64,
    live: Option<&Live>,
) -> Row<'static> {
    let cell = |c: Col| -> Line<'static> {
        match e {
            RunEntry::Unreadable { file, error } => match c {
                Col::Id => Line::styled(format!("✗ {file}"), theme::bad()),
                Col::Status => Line::styled(t(lang, "runs.unreadable"), theme::bad()),
                Col::Stopped => Line::styled(error.clone(), theme::bad()),
                _ => Line::raw(""),
            },
            RunEntry::Run(r) => match c {
                Col::Id if r.current => Line::styled(r.id.clone(), theme::title()),
                Col::Id => Line::raw(r.id.clone()),
                Col::Started => Line::raw(local_time(r.started)),
                Col::Region => Line::raw(r.region.clone()),
                Col::Status => {
                    if live.is_some_and(|l| l.id == r.id && l.running()) {
                        Line::styled(
                            format!("{} {}", spinner(clock), t(lang, "runs.step.running")),
                            theme::warn(),
                        )
                    } else {
                        let style = match r.status {
                            RunStatus::Done => theme::good(),
                            RunStatus::Failed => theme::bad(),
                            RunStatus::Running => theme::warn(),
                            RunStatus::CleanedUp => theme::greyed(),
                        };
                        Line::styled(row_status_text(r, lang), style)
                    }
                }
                Col::Flow => Line::raw(flow_text(r.flow, lang)),
                Col::Stopped => Line::raw(fit(
                    &r.stopped
                        .as_ref()
                        .map(|s| stopped_text(s, lang))
                        .unwrap_or_default(),
                    stopped_w,
                )),
                Col::Created => Line::raw(r.created.len().to_string()),
            },
        }
    };
    Row::new(cols.iter().map(|c| cell(*c)).collect::<Vec<_>>())
}

pub(super) fn step_line(
    phase: &str,
    step: Step,
    state: &StepLive,
    lang: Lang,
    clock: u64,
) -> Line<'static> {
    let (mark, style, word) = match state {
        StepLive::Pending => (
            "○".to_string(),
            theme::label(),
            t(lang, "runs.step.pending"),
        ),
        StepLive::Running => (
            spinner(clock).to_string(),
            theme::warn(),
            t(lang, "runs.step.running"),
        ),
        StepLive::Interrupted => (
            "◌".to_string(),
            theme::warn(),
            t(lang, "runs.step.interrupted"),
        ),
        StepLive::Done(s) if !s.in_lang(lang).is_empty() => {
            ("✓".to_string(), theme::good(), s.in_lang(lang))
        }
        StepLive::Done(_) => ("✓".to_string(), theme::good(), t(lang, "runs.step.done")),
        StepLive::Skipped => (
            "–".to_string(),
            theme::greyed(),
            t(lang, "runs.step.skipped"),
        ),
        StepLive::Failed(e) => ("✗".to_string(), theme::bad(), e.clone()),
    };
    let phase = if phase.is_empty() {
        String::new()
    } else {
        format!("{} · ", flow_text(phase_role(phase), lang))
    };
    Line::from(vec![
        Span::styled(format!(" {mark} "), style),
        Span::raw(format!("{phase}{} ", step.title(lang))),
        Span::styled(word, style),
    ])
}

pub(super) fn phase_role(phase: &str) -> Option<plan::Role> {
    match phase {
        "session" => Some(plan::Role::Session),
        "business" => Some(plan::Role::Business),
        _ => None,
    }
}

pub(super) fn item_line(r: &Resource, s: &ItemState, lang: Lang, clock: u64) -> Line<'static> {
    let (mark, style, word) = match s {
        ItemState::Waiting => ("○".into(), theme::label(), t(lang, "runs.item.waiting")),
        ItemState::Working => (
            spinner(clock).to_string(),
            theme::warn(),
            t(
                lang,
                if r.kind == ResourceKind::SdkConfigChange {
                    "runs.item.restoring"
                } else {
                    "runs.item.deleting"
                },
            ),
        ),
        ItemState::Deleted => ("✓".into(), theme::good(), t(lang, "runs.item.deleted")),
        ItemState::Gone => ("✓".into(), theme::greyed(), t(lang, "runs.item.gone")),
        ItemState::Restored => ("✓".into(), theme::good(), t(lang, "runs.item.restored")),
        ItemState::AlreadyRestored => (
            "✓".into(),
            theme::greyed(),
            t(lang, "runs.item.already_restored"),
        ),
        ItemState::Manual(m) => (
            "!".into(),
            theme::warn(),
            tf(lang, "runs.item.manual", &[("what", m)]),
        ),
        ItemState::Kept => ("○".into(), theme::warn(), t(lang, "runs.item.kept")),
        ItemState::NotCreated => (
            "✓".into(),
            theme::greyed(),
            t(lang, "runs.item.not_created"),
        ),
        ItemState::Stopped => ("○".into(), theme::label(), t(lang, "runs.item.stopped")),
    };
    Line::from(vec![
        Span::styled(format!(" {mark} "), style),
        Span::raw(format!("{} ", resource_text(r, lang))),
        Span::styled(word, style),
    ])
}

/// A journaled step as the listing shows it: a step journaled as running
/// spins only while a process works on it (this session, or the lock's
/// holder); otherwise that process is gone and the step was interrupted.
pub(super) fn listed_state(r: &RunRow, s: &StepState) -> StepLive {
    match s {
        StepState::Running if r.in_use.is_none() && !r.current => StepLive::Interrupted,
        s => state_of(s),
    }
}

pub(super) fn state_of(s: &StepState) -> StepLive {
    match s {
        StepState::Pending => StepLive::Pending,
        StepState::Running => StepLive::Running,
        StepState::Done => StepLive::Done(Default::default()),
        StepState::Skipped => StepLive::Skipped,
        StepState::Failed { reason } => StepLive::Failed(reason.clone()),
    }
}

/// The last `n` rows of `log` wrapped at `width` columns (the newest at the bottom).
pub(super) fn tail(log: &[String], n: usize, width: usize) -> Vec<Line<'static>> {
    // Only the lines that can still show are wrapped.
    let last: Vec<Line<'static>> = log[log.len().saturating_sub(n)..]
        .iter()
        .map(|l| Line::raw(l.clone()))
        .collect();
    let rows = wrap::indented(last, width.max(8));
    let skip = rows.len().saturating_sub(n);
    rows.into_iter().skip(skip).collect()
}

/// The status line's words (what tests and screen readers compare).
pub fn status_line_text(s: &RunsState, lang: Lang) -> String {
    status_line(s, lang)
        .spans
        .iter()
        .map(|span| span.content.as_ref())
        .collect()
}

/// The status line: a refusal, the live run's state, or its result.
pub(super) fn status_line(s: &RunsState, lang: Lang) -> Line<'static> {
    if let Some((level, text)) = &s.message {
        let style = match level {
            CheckLevel::Ok => theme::good(),
            CheckLevel::Warn => theme::warn(),
            CheckLevel::Fail => theme::bad(),
        };
        return Line::styled(format!(" {text}"), style);
    }
    let Some(l) = &s.live else {
        return Line::raw("");
    };
    match &l.result {
        None => {
            let what = match l.kind {
                LiveKind::Resume => tf(lang, "runs.resuming", &[("id", &l.id)]),
                LiveKind::Cleanup => tf(lang, "runs.cleaning", &[("id", &l.id)]),
            };
            let mut text = tf(
                lang,
                "runs.elapsed",
                &[
                    ("what", &what),
                    ("time", &mmss(s.clock.saturating_sub(l.started))),
                ],
            );
            if let Some(secs) = l.reconnecting {
                text.push_str(" · ");
                text.push_str(&tf(lang, "runs.reconnecting", &[("secs", &secs)]));
            }
            Line::styled(format!(" {} {text}", spinner(s.clock)), theme::warn())
        }
        Some(Err(m)) if l.held_back.is_some() => Line::styled(format!(" ! {m}"), theme::warn()),
        // Worded now, so L re-words it (the list below is worded when drawn too).
        Some(Ok(_)) if l.partly => {
            let n = l
                .log
                .iter()
                .filter(|x| matches!(x, super::LogLine::Left(_)))
                .count();
            let m = tf(lang, "runs.resumed_partly", &[("id", &l.id), ("n", &n)]);
            Line::styled(format!(" ! {m}"), theme::warn())
        }
        Some(Ok(m)) => Line::styled(format!(" ✓ {m}"), theme::good()),
        Some(Err(m)) => {
            let mut text = format!(" ✗ {m}");
            if let Some(step) = l.failed {
                text.push_str(&format!(" · {}", recovery_text(step, lang)));
            }
            Line::styled(text, theme::bad())
        }
    }
}

/// The region column: as wide as the widest region listed.
pub(super) fn r_width(s: &RunsState) -> u16 {
    s.entries
        .iter()
        .filter_map(|e| match e {
            RunEntry::Run(r) => Some(r.region.len() as u16),
            _ => None,
        })
        .max()
        .unwrap_or(6)
        .max(6)
}

/// Rows to scroll the cleanup list by so the resource being worked on
/// (else the first not yet settled) is within `height` rows.
pub(super) fn focus_skip(l: &Live, lang: Lang, width: usize, height: usize) -> usize {
    let working = l.items.iter().position(|(_, st)| *st == ItemState::Working);
    let Some(focus) = working.or_else(|| l.items.iter().position(|(_, st)| st.open())) else {
        return 0;
    };
    let end: usize = l.items[..=focus]
        .iter()
        .map(|(r, st)| wrap::indented(vec![item_line(r, st, lang, 0)], width).len())
        .sum();
    end.saturating_sub(height)
}

/// Columns inside a bordered pane.
pub(super) fn inner_w(area: Rect) -> usize {
    area.width.saturating_sub(2).max(1) as usize
}

/// A pane's title, cut to fit its top border.
pub(super) fn titled(title: &str, area: Rect) -> String {
    format!(" {} ", fit(title, area.width.saturating_sub(4) as usize))
}

/// The Runs screen.
pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let s = &app.runs;
    let lang = app.lang;
    // The status wraps under its text; a long one (a held-back cleanup) takes up to 4 rows.
    let status_rows = wrap::indented(vec![status_line(s, lang)], area.width.max(1) as usize);
    let [top, bottom, status] = Layout::vertical([
        Constraint::Percentage(40),
        Constraint::Min(4),
        Constraint::Length(status_rows.len().clamp(2, 4) as u16),
    ])
    .areas(area);
    let title = tf(lang, "runs.title_dir", &[("dir", &s.dir.display())]);
    let title = fit(&title, top.width.saturating_sub(4) as usize);
    if s.entries.is_empty() {
        crate::tui::screens::message(
            f,
            top,
            &title,
            vec![Line::raw(format!(" {}", t(lang, "runs.none")))],
        );
    } else {
        let cols = columns(s, lang, top.width.saturating_sub(2));
        let names: Vec<&str> = cols.iter().map(|(c, _)| c.name()).collect();
        let kinds: Vec<Col> = cols.iter().map(|(c, _)| *c).collect();
        let widths: Vec<Constraint> = cols
            .iter()
            .map(|(c, w)| match c {
                Col::Stopped => Constraint::Min(*w),
                _ => Constraint::Length(*w),
            })
            .collect();
        // What the Min column gets: the inner width less the others and the gaps.
        let fixed: u16 = cols
            .iter()
            .filter(|(c, _)| *c != Col::Stopped)
            .map(|(_, w)| *w + 1)
            .sum();
        let stopped_w = usize::from(top.width.saturating_sub(2).saturating_sub(fixed));
        let head = crate::tui::widgets::table::header(lang, "runs.col", &names);
        let w = crate::tui::widgets::table::window(top, true, s.cursor, s.entries.len());
        let rows: Vec<Row> = s.entries[w.clone()]
            .iter()
            .map(|e| table_row(e, &kinds, stopped_w, lang, s.clock, s.live.as_ref()))
            .collect();
        crate::tui::widgets::table::render_window(
            app,
            f,
            top,
            &title,
            Some(head),
            rows,
            w.start,
            &widths,
            s.cursor,
            true,
        );
    }

    let [left, right] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(bottom);
    let inner_h = bottom.height.saturating_sub(2) as usize;
    let row = s.selected();
    let live = s.live.as_ref().filter(|l| row.is_none_or(|r| r.id == l.id));
    match (live, row) {
        (Some(l), _) => {
            let (title, lines): (String, Vec<Line>) = match l.kind {
                LiveKind::Resume => (
                    tf(lang, "runs.steps", &[("id", &l.id)]),
                    l.steps
                        .iter()
                        .map(|(p, st, state)| step_line(p, *st, state, lang, s.clock))
                        .collect(),
                ),
                LiveKind::Cleanup => (
                    t(lang, "runs.created_list"),
                    l.items
                        .iter()
                        .map(|(r, state)| item_line(r, state, lang, s.clock))
                        .collect(),
                ),
            };
            let lines = if lines.is_empty() {
                vec![Line::styled(
                    format!(" {}", t(lang, "runs.nothing_created")),
                    theme::label(),
                )]
            } else {
                lines
            };
            let rows = wrap::indented(lines, inner_w(left));
            // A long cleanup list scrolls so the resource being worked on shows.
            let skip = match l.kind {
                LiveKind::Cleanup => focus_skip(l, lang, inner_w(left), inner_h),
                LiveKind::Resume => 0,
            };
            f.render_widget(
                Paragraph::new(rows.into_iter().skip(skip).collect::<Vec<_>>())
                    .block(Block::bordered().title(titled(&title, left))),
                left,
            );
            f.render_widget(
                Paragraph::new(tail(
                    &l.log_lines(lang),
                    inner_h,
                    right.width.saturating_sub(2) as usize,
                ))
                .block(Block::bordered().title(titled(&t(lang, "runs.log"), right))),
                right,
            );
        }
        (None, Some(r)) => {
            let mut title = tf(lang, "runs.steps", &[("id", &r.id)]);
            if r.current {
                title.push(' ');
                title.push_str(&t(lang, "runs.this_session"));
            }
            let steps: Vec<Line> = r
                .steps
                .iter()
                .map(|(p, st, state)| step_line(p, *st, &listed_state(r, state), lang, s.clock))
                .collect();
            f.render_widget(
                Paragraph::new(wrap::indented(steps, inner_w(left)))
                    .block(Block::bordered().title(titled(&title, left))),
                left,
            );
            let auto_scaling = super::auto_scaling_texts(&r.created_as, lang);
            let created: Vec<Line> = if r.created.is_empty() && auto_scaling.is_empty() {
                vec![Line::styled(
                    format!(" {}", t(lang, "runs.nothing_created")),
                    theme::label(),
                )]
            } else {
                r.created
                    .iter()
                    .map(|c| resource_text(c, lang))
                    .chain(auto_scaling)
                    .map(|text| Line::raw(format!(" {text}")))
                    .collect()
            };
            f.render_widget(
                Paragraph::new(wrap::indented(created, inner_w(right)))
                    .block(Block::bordered().title(titled(&t(lang, "runs.created_list"), right))),
                right,
            );
        }
        (None, None) => {
            if let Some(RunEntry::Unreadable { file, error }) = s.entries.get(s.cursor) {
                let path = s.dir.join(format!("{file}.json"));
                crate::tui::screens::message(
                    f,
                    bottom,
                    &t(lang, "runs.unreadable"),
                    vec![
                        Line::styled(format!(" ✗ {}", path.display()), theme::bad()),
                        Line::raw(format!("   {error}")),
                    ],
                );
            }
        }
    }
    f.render_widget(Paragraph::new(status_rows), status);
    if let Some(c) = &s.confirm {
        render_confirm(lang, c, f, dialog_area(f.area(), area));
    }
}

/// Where a dialog goes: the frame from its top down to the end of the
/// screen's `body` (the notice and the footer below stay readable).
fn dialog_area(frame: Rect, body: Rect) -> Rect {
    Rect {
        height: (body.y + body.height).saturating_sub(frame.y),
        ..frame
    }
}

/// The dialog's lines: what cleanup does, in its order, in three groups
/// (sdk.config restored, resources deleted, rules left to the user).
pub fn confirm_lines(c: &RunConfirm, lang: Lang) -> Vec<Line<'static>> {
    if let Some(held) = &c.force {
        return force_lines(c, held, lang);
    }
    if let Some(ask) = &c.resume {
        return resume_lines(&c.row.journal, ask, lang);
    }
    let mut lines = vec![];
    if c.row.cleanup.is_empty() && !c.row.autoscaling {
        lines.push(Line::raw(t(lang, "runs.confirm.nothing")));
    } else {
        lines.push(Line::styled(t(lang, "runs.confirm.order"), theme::label()));
        let mut n = 0;
        if c.row.autoscaling {
            n += 1;
            lines.push(Line::raw(format!(
                " {n}. {}",
                t(lang, "runs.confirm.autoscaling")
            )));
        }
        for (group, head) in [
            (CleanupGroup::Restored, "runs.confirm.restored"),
            (CleanupGroup::Deleted, "runs.confirm.deleted"),
        ] {
            let items = c.row.in_group(group);
            if items.is_empty() {
                continue;
            }
            lines.push(Line::styled(t(lang, head), theme::label()));
            for r in items {
                n += 1;
                lines.push(Line::from(vec![
                    Span::raw(format!(" {n}. ")),
                    Span::styled(kind_text(r.kind, lang), theme::key()),
                    Span::raw(format!(" {}", preview_text(r, lang))),
                ]));
            }
        }
        let by_hand = c.row.by_hand();
        if !by_hand.is_empty() {
            lines.push(Line::raw(""));
            lines.push(Line::styled(t(lang, "runs.confirm.by_hand"), theme::warn()));
            for r in by_hand {
                lines.push(Line::raw(format!(" • {}", preview_text(r, lang))));
            }
        }
    }
    lines.push(Line::raw(""));
    lines.push(crate::tui::widgets::confirm::answer_keys(
        lang,
        "runs.key.confirm",
        "runs.key.cancel",
    ));
    lines
}

/// The resume dialog: `resume::preview` of the journal (the same lines
/// `tcscale resume` prints), the first as the heading.
fn resume_lines(
    journal: &crate::scaleout::journal::Journal,
    ask: &super::ResumeAsk,
    lang: Lang,
) -> Vec<Line<'static>> {
    let preview = crate::scaleout::runner::resume::preview(journal, lang);
    let mut lines: Vec<Line<'static>> = Vec::new();
    for (i, l) in preview.into_iter().enumerate() {
        lines.push(if i == 0 {
            Line::styled(l, theme::label())
        } else {
            Line::raw(l)
        });
    }
    if ask.skip {
        if let Some((_, step, _)) = crate::scaleout::runner::flow::failed_step(journal) {
            lines.push(Line::styled(
                tf(lang, "runs.confirm.skip", &[("step", &step.title(lang))]),
                theme::warn(),
            ));
        }
    }
    lines.push(Line::raw(""));
    lines.push(crate::tui::widgets::confirm::answer_keys(
        lang,
        "runs.key.resume_confirm",
        "runs.key.cancel",
    ));
    lines
}

/// The `F` dialog: which servers keep pointing at the VIP that goes, then
/// what is deleted.
pub(super) fn force_lines(c: &RunConfirm, held: &HeldBack, lang: Lang) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(
        tf(lang, "runs.force.intro", &[("vip", &held.vip)]),
        theme::warn(),
    )];
    for r in &held.unrestored {
        let (instance, path) = sdk_change_target(r);
        lines.push(Line::from(vec![
            Span::raw(" • "),
            Span::styled(instance, theme::key()),
            Span::raw(format!(
                " {}",
                tf(
                    lang,
                    "runs.force.server",
                    &[("path", &path), ("backup", &r.detail)]
                )
            )),
        ]));
    }
    lines.push(Line::raw(""));
    let n = c.row.deleted().len() + usize::from(c.row.autoscaling);
    lines.push(Line::raw(tf(lang, "runs.force.then", &[("n", &n)])));
    lines.push(Line::raw(""));
    lines.push(crate::tui::widgets::confirm::answer_keys(
        lang,
        "runs.key.force_confirm",
        "runs.key.cancel",
    ));
    lines
}

pub(super) fn render_confirm(lang: Lang, c: &RunConfirm, f: &mut Frame, area: Rect) {
    let width = area.width.saturating_sub(4).min(100);
    let inner_w = width.saturating_sub(2).max(1) as usize;
    let lines = wrap::indented(confirm_lines(c, lang), inner_w);
    let title = fit(
        &tf(
            lang,
            if c.force.is_some() {
                "runs.force.title"
            } else if c.resume.is_some() {
                "runs.confirm.resume_title"
            } else {
                "runs.confirm.title"
            },
            &[("id", &c.row.id)],
        ),
        inner_w.saturating_sub(2),
    );
    // Placed above the notice and the footer: its keys are never covered.
    crate::tui::widgets::confirm::dialog(f, area, width, format!(" {title} "), lines);
}
