//! Step 4: how many copies, where; the consistency checklist; price and
//! quota; live per-instance PENDING → RUNNING.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph, Row};

use crate::i18n::{t, tf, Lang};
use crate::tui::app::App;
use crate::tui::state::{Check, Load, Progress};
use crate::tui::widgets::{checklist, input, progress, spinner, table, theme, wrap};

pub fn keys(app: &App) -> Vec<(&'static str, &'static str)> {
    match app.launch.progress {
        Progress::Done { .. } => vec![("⏎", "wizard.key.next")],
        Progress::Running { .. } => vec![("⏎", "wizard.key.go_on")],
        _ => {
            let mut keys = vec![("tab", "wizard.key.next_field")];
            // ^O acts on mismatches: with none, there is nothing to accept.
            if app
                .launch_checks()
                .iter()
                .any(|c| c.level == crate::tui::CheckLevel::Fail)
            {
                keys.push(("^O", "wizard.key.override"));
            }
            keys.extend([("^P", "wizard.key.price"), ("⏎", "wizard.key.continue")]);
            keys
        }
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
        Span::styled(
            format!(
                " {}",
                tf(app.lang, "wizard.label_colon", &[("label", &label)])
            ),
            theme::label(),
        ),
        Span::raw(value),
    ])
}

/// The per-instance price as the API quotes it (`UnitPrice…` in yuan per
/// `ChargeUnit`), with the unit in the user's language.
pub fn price_value(lang: Lang, price: f64, charge_unit: &str) -> String {
    // ChargeUnit values of InquiryPriceRunInstances' ItemPrice: HOUR, GB.
    let unit = match charge_unit {
        "HOUR" => t(lang, "wizard.launch.unit.hour"),
        "GB" => t(lang, "wizard.launch.unit.gb"),
        other => other.to_string(),
    };
    tf(
        lang,
        "wizard.launch.price_value",
        &[("price", &format!("{price:.2}")), ("unit", &unit)],
    )
}

/// The checks pane's lines (checklist, price, quota, override), wrapped under
/// their text to a pane `pane_w` columns wide with one free column before the border.
fn check_lines(app: &App, checks: &[Check], pane_w: u16) -> Vec<Line<'static>> {
    let lang = app.lang;
    let l = &app.launch;
    let mut right = checklist::lines(checks);
    let price = l.price.map_ref(|p| p.in_lang(lang));
    right.push(load_line(app, &t(lang, "wizard.launch.price"), &price));
    let count = l.count.value.trim().parse().unwrap_or(0);
    let quota = l.quota.map_ref(|q| q.text(lang, count));
    right.push(load_line(app, &t(lang, "wizard.launch.quota"), &quota));
    if l.override_mismatch {
        right.push(Line::styled(
            format!(" {}", t(lang, "wizard.launch.override_on")),
            theme::warn(),
        ));
    }
    wrap::indented(right, pane_w.saturating_sub(3) as usize)
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let l = &app.launch;
    let live = !matches!(l.progress, Progress::NotStarted);
    let checks_list = app.launch_checks();
    let editing = matches!(l.progress, Progress::NotStarted | Progress::Failed { .. });
    let fields = [
        (&l.count, "wizard.launch.count"),
        (&l.instance_type, "wizard.launch.type"),
        (&l.zone, "wizard.launch.zone"),
        (&l.project, "wizard.launch.project"),
    ];
    let fixed = [
        // VPC and subnet on their own rows: together they overflow half of 80 columns.
        ("VPC".to_string(), l.vpc_id.clone()),
        (t(lang, "wizard.launch.subnet"), l.subnet_id.clone()),
        (
            t(lang, "wizard.launch.security_groups"),
            l.security_group_ids.join(", "),
        ),
        (
            t(lang, "wizard.launch.image"),
            app.image.image_id.clone().unwrap_or_default(),
        ),
    ];
    let labels: Vec<String> = fields
        .iter()
        .map(|(_, key)| t(lang, key))
        .chain(fixed.iter().map(|(label, _)| label.clone()))
        .collect();
    let label_w = input::label_width(&labels);
    let mut lines = Vec::new();
    for (i, (field, _)) in fields.into_iter().enumerate() {
        lines.extend(field.field(lang, &labels[i], label_w, editing && l.focus == i));
    }
    for (label, value) in fixed {
        lines.push(Line::from(vec![
            Span::styled(input::label(&label, label_w), theme::label()),
            Span::raw(value),
        ]));
    }
    let halves = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]);
    let [form_cols, checks_cols] = halves.areas(area);
    // A message under a field wraps inside the pane, never cut.
    let lines = wrap::indented(lines, form_cols.width.saturating_sub(2) as usize);
    let right = check_lines(app, &checks_list, checks_cols.width);
    let top_h = (lines.len() as u16 + 2).max(right.len() as u16 + 2);
    // A failure's whole text, wrapped under it (never cut at the edge).
    let failed = match &l.progress {
        Progress::Failed { .. } => {
            super::progress_lines(app, &l.progress, "RunInstances", area.width)
        }
        _ => Vec::new(),
    };
    let status_h = failed.len().max(1) as u16;
    let [top, bottom, _] = Layout::vertical([
        Constraint::Length(top_h),
        Constraint::Length(if live {
            (l.instances.len() as u16 + 4).min(area.height / 2) + status_h - 1
        } else {
            0
        }),
        Constraint::Min(0),
    ])
    .areas(area);
    let [form, checks] = halves.areas(top);
    f.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(format!(" {} ", t(lang, "wizard.launch.title")))),
        form,
    );
    let focus_style = if l.focus == 4 {
        theme::focus()
    } else {
        Style::new()
    };
    f.render_widget(
        Paragraph::new(right).block(
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
        Layout::vertical([Constraint::Length(status_h), Constraint::Min(0)]).areas(bottom);
    let total: usize = l.count.value.trim().parse().unwrap_or(l.instances.len());
    let running = l.instances.iter().filter(|(_, s)| s == "RUNNING").count();
    let elapsed = match &l.progress {
        Progress::Running { started, .. } => app.clock.saturating_sub(*started),
        Progress::Done { took } => *took,
        _ => 0,
    };
    let status_line = match &l.progress {
        Progress::Failed { .. } => super::progress_line(app, &l.progress, "RunInstances"),
        // Confirmed; sent the moment the image is NORMAL (the note says so).
        Progress::Running { .. } if l.waits_for_image => {
            super::progress_line(app, &l.progress, "RunInstances")
        }
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
    if failed.is_empty() {
        f.render_widget(status_line, status);
    } else {
        f.render_widget(Paragraph::new(failed), status);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_units_are_translated() {
        assert_eq!(price_value(Lang::En, 0.84, "HOUR"), "0.84 CNY / hour each");
        assert_eq!(price_value(Lang::Zh, 0.84, "HOUR"), "每台 0.84 元/小时");
        assert_eq!(price_value(Lang::Zh, 0.8, "GB"), "每台 0.80 元/GB");
    }
}
