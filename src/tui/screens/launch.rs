//! Step 4: how many copies, where; the consistency checklist; price and
//! quota; live per-instance PENDING → RUNNING.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph, Row, Wrap};

use crate::i18n::{t, tf};
use crate::tui::app::App;
use crate::tui::state::{Load, Progress};
use crate::tui::widgets::{checklist, progress, spinner, table, theme};

pub fn keys(app: &App) -> Vec<(&'static str, &'static str)> {
    match app.launch.progress {
        Progress::Done { .. } => vec![("⏎", "wizard.key.next")],
        Progress::Running { .. } => vec![],
        _ => vec![
            ("tab", "wizard.key.next_field"),
            ("^O", "wizard.key.override"),
            ("^P", "wizard.key.price"),
            ("⏎", "wizard.key.continue"),
        ],
    }
}

fn load_line(app: &App, label: &str, v: &Load<String>) -> Line<'static> {
    let value = match v {
        Load::Idle => "—".to_string(),
        Load::Loading => spinner(app.clock).to_string(),
        Load::Ready(s) => s.clone(),
        Load::Failed(e) => format!("✗ {e}"),
    };
    Line::from(vec![
        Span::styled(format!(" {label}: "), theme::label()),
        Span::raw(value),
    ])
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let l = &app.launch;
    let live = !matches!(l.progress, Progress::NotStarted);
    let checks_list = app.launch_checks();
    let form_h = 9 + [&l.count, &l.instance_type, &l.zone, &l.project]
        .iter()
        .filter(|f| f.error.is_some())
        .count() as u16;
    let top_h = form_h.max(checks_list.len() as u16 + 5);
    let [top, bottom, _] = Layout::vertical([
        Constraint::Length(top_h),
        Constraint::Length(if live {
            (l.instances.len() as u16 + 4).min(area.height / 2)
        } else {
            0
        }),
        Constraint::Min(0),
    ])
    .areas(area);
    let [form, checks] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    let editing = matches!(l.progress, Progress::NotStarted | Progress::Failed { .. });
    let mut lines = Vec::new();
    for (i, (input, key)) in [
        (&l.count, "wizard.launch.count"),
        (&l.instance_type, "wizard.launch.type"),
        (&l.zone, "wizard.launch.zone"),
        (&l.project, "wizard.launch.project"),
    ]
    .into_iter()
    .enumerate()
    {
        lines.extend(input.lines(&t(lang, key), editing && l.focus == i));
    }
    lines.push(Line::from(vec![
        Span::styled("VPC ", theme::label()),
        Span::raw(format!("{} / {}", l.vpc_id, l.subnet_id)),
    ]));
    lines.push(Line::from(vec![
        Span::styled(
            format!("{} ", t(lang, "wizard.launch.security_groups")),
            theme::label(),
        ),
        Span::raw(l.security_group_ids.join(", ")),
    ]));
    lines.push(Line::from(vec![
        Span::styled(
            format!("{} ", t(lang, "wizard.launch.image")),
            theme::label(),
        ),
        Span::raw(app.image.image_id.clone().unwrap_or_default()),
    ]));
    f.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(format!(" {} ", t(lang, "wizard.launch.title")))),
        form,
    );
    let mut right = checklist::lines(&checks_list);
    right.push(load_line(app, &t(lang, "wizard.launch.price"), &l.price));
    right.push(load_line(app, &t(lang, "wizard.launch.quota"), &l.quota));
    if l.override_mismatch {
        right.push(Line::styled(
            format!(" {}", t(lang, "wizard.launch.override_on")),
            theme::warn(),
        ));
    }
    let focus_style = if l.focus == 4 {
        theme::focus()
    } else {
        Style::new()
    };
    f.render_widget(
        Paragraph::new(right).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(format!(" {} ", t(lang, "wizard.launch.checks")))
                .border_style(focus_style),
        ),
        checks,
    );
    if !live {
        return;
    }
    let [status, list] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(bottom);
    let total: usize = l.count.value.trim().parse().unwrap_or(l.instances.len());
    let running = l.instances.iter().filter(|(_, s)| s == "RUNNING").count();
    let elapsed = match &l.progress {
        Progress::Running { started, .. } => app.clock.saturating_sub(*started),
        Progress::Done { took } => *took,
        _ => 0,
    };
    let status_line = match &l.progress {
        Progress::Failed { .. } => super::progress_line(app, &l.progress, "RunInstances"),
        Progress::Done { .. } => super::progress_line(
            app,
            &l.progress,
            &tf(lang, "wizard.launch.all_running", &[("n", &running)]),
        ),
        _ => progress::line(
            "RunInstances",
            running,
            total,
            elapsed,
            &if l.dry_run_ok {
                t(lang, "wizard.launch.dry_run_ok")
            } else {
                String::new()
            },
        ),
    };
    f.render_widget(status_line, status);
    let rows: Vec<Row> = l
        .instances
        .iter()
        .map(|(id, state)| {
            let style = if state == "RUNNING" {
                theme::good()
            } else {
                theme::warn()
            };
            Row::new(vec![id.clone(), state.clone()]).style(style)
        })
        .collect();
    table::render(
        app,
        f,
        list,
        &t(lang, "wizard.launch.instances"),
        None,
        rows,
        &[Constraint::Length(14), Constraint::Fill(1)],
        0,
        false,
    );
}
