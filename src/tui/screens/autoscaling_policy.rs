//! Auto Scaling, page 3: the CPU policy (an alarm, or target tracking), and
//! once confirmed the live group: its status explained, the activities
//! INIT → RUNNING → SUCCESSFUL/FAILED with their cause, and the instances
//! joining the CLB listener.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Cell, Paragraph, Row, Wrap};

use crate::i18n::{t, tf};
use crate::scaleout::autoscaling::{
    explain_activity_status, explain_group_status, explain_life_cycle,
};
use crate::tui::app::App;
use crate::tui::screens::autoscaling::{pf, PolicyKind};
use crate::tui::screens::autoscaling_group::{pad, title};
use crate::tui::state::{CheckLevel, Progress};
use crate::tui::widgets::{confirm, mmss, spinner, table, theme, wrap};

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let w = &app.autoscaling;
    if w.created.is_some() || !matches!(w.progress, Progress::NotStarted) {
        live(app, f, area);
    } else {
        form(app, f, area);
    }
    if let Some(c) = &w.confirm {
        let max = confirm::render_scrolled(app.lang, c, w.confirm_scroll, f, f.area());
        w.confirm_max_scroll.set(max);
    }
}

fn form(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let w = &app.autoscaling;
    let kinds = [
        (PolicyKind::Simple, "autoscaling.ui.kind.simple"),
        (PolicyKind::Target, "autoscaling.ui.kind.target"),
        (PolicyKind::None, "autoscaling.ui.kind.none"),
    ];
    let mut spans = vec![Span::styled(
        format!(" {}  ", t(lang, "autoscaling.ui.kind")),
        if w.focus == 0 {
            theme::focus()
        } else {
            theme::label()
        },
    )];
    for (k, key) in kinds {
        let on = w.policy_kind == k;
        spans.push(Span::styled(
            format!("{} {}   ", if on { "◉" } else { "○" }, t(lang, key)),
            if on { theme::title() } else { theme::label() },
        ));
    }
    let mut lines: Vec<Line<'static>> = vec![Line::from(spans), Line::raw("")];
    let labels = [
        (pf::THRESHOLD, "autoscaling.field.Threshold"),
        (pf::MINUTES, "autoscaling.field.ContinuousTime"),
        (pf::ADJUSTMENT, "autoscaling.field.AdjustmentValue"),
        (pf::COOLDOWN, "autoscaling.field.Cooldown"),
        (pf::TARGET, "autoscaling.field.TargetValue"),
    ];
    let width = labels
        .iter()
        .map(|(_, k)| Span::raw(t(lang, k)).width())
        .max()
        .unwrap_or(10)
        + 2;
    for (pos, idx) in w.policy_visible().iter().enumerate() {
        let key = labels
            .iter()
            .find(|(i, _)| i == idx)
            .map(|(_, k)| *k)
            .unwrap_or("");
        let label = format!(" {}", pad(&t(lang, key), width));
        lines.append(&mut w.policy_fields[*idx].lines(lang, &label, w.focus == pos + 1));
    }
    lines.push(Line::raw(""));
    match w.policy() {
        Ok(Some(p)) => lines.push(Line::styled(
            format!(" ✓ {}", p.describe(lang)),
            theme::good(),
        )),
        Ok(None) => lines.push(Line::styled(
            format!(" – {}", t(lang, "autoscaling.ui.no_policy")),
            theme::label(),
        )),
        Err(e) => lines.push(Line::styled(
            format!(" ✗ {}", e.message(lang)),
            theme::bad(),
        )),
    }
    // What stopped the last try, before the review (seen on a small screen).
    if let Some((level, text)) = &w.note {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!(" {text}"),
            if *level == CheckLevel::Fail {
                theme::bad()
            } else {
                theme::warn()
            },
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!(" {}", t(lang, "autoscaling.ui.review")),
        theme::label(),
    ));
    // What the three pages add up to.
    let g = &w.group_fields;
    lines.push(Line::raw(format!(
        "   {}",
        tf(
            lang,
            "autoscaling.ui.review_group",
            &[
                ("group", &g[3].value),
                ("min", &g[4].value),
                ("desired", &g[5].value),
                ("max", &g[6].value),
                ("image", &g[0].value),
            ],
        )
    )));
    if let Ok(Some(s)) = w.schedule() {
        lines.push(Line::raw(format!("   {}", s.describe(lang))));
    }
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered().title(format!(" {} ", title(app, 3, "autoscaling.ui.page.policy"))),
        ),
        area,
    );
}

fn live(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let w = &app.autoscaling;
    let snap = w.snapshot.as_ref();
    let mut head: Vec<Line<'static>> = Vec::new();
    head.push(match &w.progress {
        Progress::Running { started, .. } => Line::from(vec![
            Span::styled(format!(" {} ", spinner(app.clock)), theme::warn()),
            Span::raw(format!(
                "{} · {}",
                t(lang, "autoscaling.ui.creating"),
                mmss(app.clock.saturating_sub(*started))
            )),
        ]),
        Progress::Failed { message } => Line::styled(format!(" ✗ {message}"), theme::bad()),
        _ => match &w.created {
            Some(c) => Line::from(vec![
                Span::styled(" ✓ ", theme::good()),
                Span::raw(tf(
                    lang,
                    "autoscaling.ui.created",
                    &[
                        ("lc", &c.launch_configuration_id),
                        ("group", &c.group_id),
                        ("schedules", &c.scheduled_action_ids.len()),
                        ("policies", &c.policy_ids.len()),
                    ],
                )),
            ]),
            None => Line::raw(""),
        },
    });
    if let Some(s) = snap {
        let style = if s.status == "NORMAL" {
            theme::good()
        } else {
            theme::bad()
        };
        head.push(Line::from(vec![
            Span::styled(
                format!(" {} ", t(lang, "autoscaling.ui.status")),
                theme::label(),
            ),
            Span::styled(s.status.clone(), style),
            Span::raw(format!(
                " — {} · {}",
                explain_group_status(&s.status, lang),
                tf(
                    lang,
                    "autoscaling.ui.sizes_now",
                    &[
                        ("min", &s.min),
                        ("desired", &s.desired),
                        ("max", &s.max),
                        ("n", &s.in_service_and_bound())
                    ],
                )
            )),
        ]));
    }
    if let Some((level, text)) = &w.note {
        head.push(Line::styled(
            format!(" {text}"),
            match level {
                CheckLevel::Ok => theme::good(),
                CheckLevel::Warn => theme::warn(),
                CheckLevel::Fail => theme::bad(),
            },
        ));
    }
    let acts = snap.map(|s| s.activities.len()).unwrap_or(0).min(5) as u16;
    // Wrapped before drawing (by words, continuations indented): the block
    // is exactly as tall as its rows, so a long error never hides the
    // group's status line.
    let inner = area.width.saturating_sub(2).max(1) as usize;
    let head = wrap::indented(head, inner.saturating_sub(1));
    let head_rows = head.len();
    let [top, a_area, i_area, log_area] = Layout::vertical([
        Constraint::Length(head_rows as u16 + 2),
        Constraint::Length(acts.max(1) + 2),
        Constraint::Min(4),
        Constraint::Length(5),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(head).wrap(Wrap { trim: false }).block(
            Block::bordered().title(format!(" {} ", title(app, 3, "autoscaling.ui.page.live"))),
        ),
        top,
    );
    let act_rows: Vec<Row> = snap
        .map(|s| {
            s.activities
                .iter()
                .take(5)
                .map(|a| {
                    let style = match a.status.as_str() {
                        "SUCCESSFUL" => theme::good(),
                        "FAILED" | "CANCELLED" => theme::bad(),
                        _ => theme::warn(),
                    };
                    let why = if a.status == "FAILED" && !a.message.is_empty() {
                        format!("{} — {}", a.cause, a.message)
                    } else {
                        a.cause.clone()
                    };
                    Row::new(vec![
                        Cell::from(a.id.clone()),
                        Cell::from(a.kind.clone()),
                        Cell::from(explain_activity_status(&a.status, lang)).style(style),
                        Cell::from(why),
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    // An empty table's one line takes the width after the first column (never cut).
    let placeholder = [Constraint::Length(13), Constraint::Fill(1)];
    let (act_rows, act_widths): (Vec<Row>, &[Constraint]) = if act_rows.is_empty() {
        (
            vec![
                Row::new(vec![String::new(), t(lang, "autoscaling.ui.no_activity")])
                    .style(theme::greyed()),
            ],
            &placeholder,
        )
    } else {
        (
            act_rows,
            &[
                Constraint::Length(13),
                Constraint::Length(10),
                Constraint::Length(10),
                Constraint::Fill(1),
            ],
        )
    };
    table::render(
        app,
        f,
        a_area,
        &t(lang, "autoscaling.ui.activities"),
        None,
        act_rows,
        act_widths,
        0,
        false,
    );
    let clb = w
        .prefill
        .clb
        .as_ref()
        .map(|c| format!("{} {}", c.id, w.prefill.listener_label))
        .unwrap_or_default();
    let inst_rows: Vec<Row> = snap
        .map(|s| {
            s.instances
                .iter()
                .map(|i| {
                    let joined = if i.in_clb {
                        Cell::from(tf(lang, "autoscaling.ui.in_clb", &[("clb", &clb)]))
                            .style(theme::good())
                    } else {
                        Cell::from(t(lang, "autoscaling.ui.not_in_clb")).style(theme::greyed())
                    };
                    Row::new(vec![
                        Cell::from(i.id.clone()),
                        Cell::from(explain_life_cycle(&i.life_cycle, lang)),
                        Cell::from(i.health.clone()),
                        Cell::from(i.zone.clone()),
                        joined,
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    let no_instance = inst_rows.is_empty();
    table::render(
        app,
        f,
        i_area,
        &t(lang, "autoscaling.ui.instances"),
        None,
        if no_instance {
            vec![
                Row::new(vec![String::new(), t(lang, "autoscaling.ui.no_instances")])
                    .style(theme::greyed()),
            ]
        } else {
            inst_rows
        },
        if no_instance {
            &placeholder
        } else {
            &[
                Constraint::Length(13),
                Constraint::Length(16),
                Constraint::Length(9),
                Constraint::Length(15),
                Constraint::Fill(1),
            ]
        },
        0,
        false,
    );
    let shown = log_area.height.saturating_sub(2) as usize;
    let log: Vec<Line<'static>> = w
        .log
        .iter()
        .skip(w.log.len().saturating_sub(shown))
        .map(|l| Line::raw(format!(" {l}")))
        .collect();
    f.render_widget(
        Paragraph::new(log)
            .block(Block::bordered().title(format!(" {} ", t(lang, "autoscaling.ui.log")))),
        log_area,
    );
}
