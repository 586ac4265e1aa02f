//! Step 6: bind the eligible servers (pre-selected) to the CLB's listener;
//! ineligible ones stay visible, greyed, with the reason. Live binding,
//! then target health.

use ratatui::prelude::*;
use ratatui::widgets::Paragraph;

use crate::i18n::{t, tf};
use crate::tui::app::App;
use crate::tui::state::{Progress, TargetStatus};
use crate::tui::widgets::{instance_table, progress, spinner, table, theme, wrap};

pub fn keys(app: &App) -> Vec<(&'static str, &'static str)> {
    if app.launch.progress.is_running() {
        return vec![];
    }
    match app.bind.progress {
        Progress::Done { .. } => vec![("⏎", "wizard.key.next")],
        Progress::Running { .. } => vec![],
        _ => vec![
            ("space", "wizard.key.toggle"),
            ("a", "wizard.key.all_eligible"),
            ("tab", "wizard.key.ports"),
            ("⏎", "wizard.key.bind"),
        ],
    }
}

fn status(app: &App, s: &TargetStatus, healthy: Option<bool>) -> Line<'static> {
    let lang = app.lang;
    let (mark, text, style) = match s {
        TargetStatus::Idle => return Line::raw(""),
        TargetStatus::Queued => ("○", t(lang, "wizard.bind.queued"), theme::label()),
        TargetStatus::Binding => (
            spinner(app.clock),
            t(lang, "wizard.bind.binding"),
            theme::warn(),
        ),
        TargetStatus::Bound => ("●", t(lang, "wizard.bind.bound"), theme::good()),
        TargetStatus::Failed(e) => ("✗", e.clone(), theme::bad()),
        // Not a bind state: an sdk.config row's.
        TargetStatus::NoAgent => return Line::raw(""),
    };
    // A health verdict says the target is bound: it alone fits 80 columns.
    match (s, healthy) {
        (TargetStatus::Bound, Some(true)) => {
            return Line::styled(format!("● {}", t(lang, "wizard.bind.alive")), theme::good())
        }
        (TargetStatus::Bound, Some(false)) => {
            return Line::styled(format!("● {}", t(lang, "wizard.bind.dead")), theme::bad())
        }
        _ => {}
    }
    let mut spans = vec![Span::styled(format!("{mark} {text}"), style)];
    match healthy {
        Some(true) => spans.push(Span::styled(
            format!("  ● {}", t(lang, "wizard.bind.alive")),
            theme::good(),
        )),
        Some(false) => spans.push(Span::styled(
            format!("  ● {}", t(lang, "wizard.bind.dead")),
            theme::bad(),
        )),
        None if *s == TargetStatus::Bound => spans.push(Span::styled(
            format!(
                "  {} {}",
                spinner(app.clock),
                t(lang, "wizard.bind.health_wait")
            ),
            theme::label(),
        )),
        None => {}
    }
    Line::from(spans)
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let b = &app.bind;
    let clb = app.chosen_clb();
    // The cursor row's whole reason, under the list: the table cuts it at
    // narrow widths (80 columns), the user must still read why.
    let detail: Vec<Line<'static>> = b
        .rows
        .get(b.cursor)
        .filter(|r| !r.instance.ineligible.is_empty())
        .map(|r| {
            let text = format!(
                " {} ─ {}",
                r.instance.id,
                tf(
                    lang,
                    "wizard.bind.not_eligible",
                    &[("reason", &crate::tui::rules::reasons(lang, &r.instance))]
                )
            );
            wrap::indented(
                vec![Line::styled(text, theme::greyed())],
                area.width as usize,
            )
        })
        .unwrap_or_default();
    let detail_h = detail.len().min(3) as u16;
    // A failure's whole text, wrapped (never cut at the edge).
    let failed = match &b.progress {
        p @ Progress::Failed { .. } => super::progress_lines(app, p, "RegisterTargets", area.width),
        _ => Vec::new(),
    };
    let status_h = failed.len().max(1) as u16;
    let list_h =
        (b.rows.len().max(1) as u16 + 3).min(area.height.saturating_sub(3 + status_h + detail_h));
    let [intro, ports, list, status_area, detail_area, _] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(
            if b.port.error.is_some() || b.backend_port.error.is_some() {
                2
            } else {
                1
            },
        ),
        Constraint::Length(list_h),
        Constraint::Length(status_h),
        Constraint::Length(detail_h),
        Constraint::Min(0),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(detail), detail_area);
    let intro_text = tf(
        lang,
        "wizard.bind.intro",
        &[
            ("clb", &clb.map(|c| c.id.as_str()).unwrap_or("?")),
            (
                "kind",
                &clb.map(|c| super::load_balancer::kind_name(lang, &c.kind))
                    .unwrap_or_else(|| "?".into()),
            ),
            ("vip", &clb.map(|c| c.vip.as_str()).unwrap_or("?")),
        ],
    );
    f.render_widget(super::intro_line(&intro_text).style(theme::title()), intro);
    let editing = !b.progress.is_running() && !b.progress.is_done();
    let mut p = b.port.lines(
        lang,
        &tf(lang, "wizard.bind.listener", &[("protocol", &"TCP")]),
        editing && b.focus == 1,
    );
    let bp = b.backend_port.lines(
        lang,
        &format!(" → {}", t(lang, "wizard.bind.backend_port")),
        editing && b.focus == 2,
    );
    let mut first = p.remove(0);
    first.spans.insert(0, Span::raw(" "));
    first.spans.extend(bp[0].spans.clone());
    let mut port_lines = vec![first];
    port_lines.extend(p);
    port_lines.extend(bp.into_iter().skip(1));
    f.render_widget(Paragraph::new(port_lines), ports);
    if b.rows.is_empty() {
        super::message(
            f,
            list,
            &t(lang, "wizard.bind.instances"),
            vec![Line::styled(
                format!(
                    " {}",
                    t(
                        lang,
                        if app.launch.progress.is_running() {
                            "wizard.bind.waiting_launch"
                        } else {
                            "wizard.bind.empty"
                        }
                    )
                ),
                theme::warn(),
            )],
        );
    } else {
        // Only the rows on screen are built (the list may be long).
        let shown = table::window(list, true, b.cursor, b.rows.len());
        let rows = b.rows[shown.clone()]
            .iter()
            .map(|r| {
                instance_table::row(
                    lang,
                    list.width.saturating_sub(2),
                    &r.instance,
                    r.checked,
                    status(app, &r.status, r.healthy),
                )
            })
            .collect();
        table::render_window(
            app,
            f,
            list,
            &t(lang, "wizard.bind.instances"),
            Some(instance_table::header(lang, list.width.saturating_sub(2))),
            rows,
            shown.start,
            &[Constraint::Fill(1)],
            b.cursor,
            b.focus == 0,
        );
    }
    let total = b.rows.iter().filter(|r| r.checked).count();
    let bound = b
        .rows
        .iter()
        .filter(|r| r.status == TargetStatus::Bound)
        .count();
    let line = match &b.progress {
        Progress::NotStarted => Line::styled(
            format!(" {}", tf(lang, "wizard.bind.selected", &[("n", &total)])),
            theme::label(),
        ),
        Progress::Running { started, note } => progress::line(
            "RegisterTargets",
            bound,
            total,
            app.clock.saturating_sub(*started),
            note,
        ),
        p => super::progress_line(app, p, "RegisterTargets"),
    };
    if failed.is_empty() {
        f.render_widget(line, status_area);
    } else {
        f.render_widget(Paragraph::new(failed), status_area);
    }
}
