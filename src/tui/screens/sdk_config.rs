//! Step 8 (session servers): point every business server's sdk.config at
//! the internal CLB: the exact before/after, applied through TAT with a
//! backup and the restart, live per-host output; or manual instructions.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph, Row, Wrap};

use crate::i18n::{t, tf, Lang};
use crate::scaleout::sdk_config::{node_json_problem, Stage};
use crate::tui::app::{sdk_left_to_change, App};
use crate::tui::state::{Load, Progress, SdkRow, TargetStatus};
use crate::tui::widgets::{fit, spinner, table, theme};

pub fn keys(app: &App) -> Vec<(&'static str, &'static str)> {
    match app.sdk.progress {
        Progress::Done { .. } => vec![("⏎", "wizard.key.next")],
        Progress::Running { .. } => vec![],
        _ => {
            let rows = match &app.sdk.rows {
                Load::Ready(rows) => rows,
                // The files could not be read: ⏎ goes on without them.
                Load::Failed(_) => return vec![("⏎", "wizard.key.next")],
                _ => return vec![],
            };
            let mut keys = vec![];
            if rows.len() > 1 {
                keys.push(("↑↓", "wizard.key.move"));
            }
            // `m` acts on the cursor's row: named for what it does there.
            match rows.get(app.sdk.cursor) {
                Some(r) if r.by_hand => keys.push(("m", "wizard.key.row_tat")),
                Some(r) if sdk_left_to_change(r) => keys.push(("m", "wizard.key.row_by_hand")),
                _ => {}
            }
            if rows.iter().any(sdk_left_to_change) {
                keys.push(if app.sdk_all_by_hand() {
                    ("M", "wizard.key.all_tat")
                } else {
                    ("M", "wizard.key.all_by_hand")
                });
            }
            keys.push(if !app.sdk_tat_ids().is_empty() {
                ("⏎", "wizard.key.apply")
            } else if rows.iter().any(|r| r.by_hand && sdk_left_to_change(r)) {
                ("⏎", "wizard.key.done_by_hand")
            } else {
                ("⏎", "wizard.key.next")
            });
            keys
        }
    }
}

fn status_text(app: &App, r: &SdkRow) -> Line<'static> {
    let lang = app.lang;
    match &r.status {
        // Left to the user: TAT does not touch it.
        TargetStatus::Idle | TargetStatus::NoAgent | TargetStatus::Failed(_)
            if r.by_hand && sdk_left_to_change(r) =>
        {
            Line::styled(
                format!("✎ {}", t(lang, "wizard.sdk.by_hand")),
                theme::label(),
            )
        }
        TargetStatus::Idle if r.before.as_deref() == Some(r.after.as_str()) => Line::styled(
            format!("✓ {}", t(lang, "wizard.sdk.already")),
            theme::good(),
        ),
        TargetStatus::Idle => Line::styled(t(lang, "wizard.sdk.to_change"), theme::warn()),
        // The row names the server; the pane below says what to do.
        TargetStatus::NoAgent => Line::styled(
            format!("! {}", t(lang, "wizard.sdk.no_agent_short")),
            theme::warn(),
        ),
        TargetStatus::Failed(e) if r.before.is_none() => {
            Line::styled(format!("! {e}"), theme::warn())
        }
        TargetStatus::Queued => Line::styled(
            format!("○ {}", t(lang, "wizard.bind.queued")),
            theme::label(),
        ),
        TargetStatus::Binding => Line::styled(
            format!("{} {}", spinner(app.clock), t(lang, "wizard.sdk.running")),
            theme::warn(),
        ),
        TargetStatus::Bound => Line::styled(
            format!("● {}", t(lang, "wizard.sdk.applied")),
            theme::good(),
        ),
        TargetStatus::Failed(e) => Line::styled(format!("✗ {e}"), theme::bad()),
    }
}

/// The warning for a Node.js server whose file would not load with
/// `JSON.parse`, now or after the edit (`SdkRow::warning`).
pub fn node_json_warning(lang: Lang, content: &str, vip: &str) -> Option<String> {
    let (stage, e) = node_json_problem(content, vip)?;
    let key = match stage {
        Stage::Before => "wizard.sdk.not_strict_before",
        Stage::After => "wizard.sdk.not_strict_after",
    };
    Some(tf(lang, key, &[("error", &e.message(lang))]))
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let title = t(lang, "wizard.sdk_config.title");
    let rows = match &app.sdk.rows {
        Load::Ready(rows) if !rows.is_empty() => rows,
        Load::Ready(_) => {
            super::message(
                f,
                area,
                &title,
                vec![Line::styled(
                    format!(" {}", t(lang, "wizard.sdk.empty")),
                    theme::warn(),
                )],
            );
            return;
        }
        Load::Failed(e) => {
            super::message(
                f,
                area,
                &title,
                vec![
                    Line::styled(format!(" ✗ {e}"), theme::bad()),
                    Line::raw(format!(" {}", t(lang, "wizard.sdk.retry"))),
                ],
            );
            return;
        }
        _ => {
            super::message(
                f,
                area,
                &title,
                vec![Line::raw(format!(
                    " {} {}",
                    spinner(app.clock),
                    t(lang, "wizard.sdk.reading")
                ))],
            );
            return;
        }
    };
    let list_h = (rows.len() as u16 + 3).min(area.height / 3).max(4);
    // A failure's whole text, wrapped (never cut at the edge).
    let status_lines = match &app.sdk.progress {
        Progress::NotStarted => vec![Line::raw("")],
        p => super::progress_lines(app, p, "RunCommand", area.width),
    };
    let [list, detail, status] = Layout::vertical([
        Constraint::Length(list_h),
        Constraint::Min(4),
        Constraint::Length(status_lines.len() as u16),
    ])
    .areas(area);
    let header = table::header(
        lang,
        "wizard.sdk.col",
        &["instance", "runtime", "path", "status"],
    );
    let widths = [
        Constraint::Fill(2),
        Constraint::Length(8),
        Constraint::Length(23),
        Constraint::Fill(3),
    ];
    // Cells longer than their column end in an ellipsis (the pane below
    // has the cursor row whole).
    let cols = table::column_widths(list, &widths);
    let body = rows
        .iter()
        .map(|r| {
            let status = status_text(app, r);
            let style = status.spans.first().map(|s| s.style).unwrap_or_default();
            Row::new(vec![
                Line::from(fit(
                    &format!("{} {}", r.instance_id, r.instance_name),
                    cols[0],
                )),
                Line::from(r.runtime.clone()),
                Line::from(fit(&r.path, cols[2])),
                Line::styled(fit(&status.to_string(), cols[3]), style),
            ])
        })
        .collect();
    table::render(
        app,
        f,
        list,
        &title,
        Some(header),
        body,
        &widths,
        app.sdk.cursor,
        true,
    );
    let Some(r) = rows.get(app.sdk.cursor) else {
        return;
    };
    let mut lines = Vec::new();
    if let Some(w) = &r.warning {
        lines.push(Line::styled(format!("! {w}"), theme::warn()));
    }
    if r.status == TargetStatus::NoAgent {
        lines.push(Line::styled(
            format!(
                "! {}",
                tf(lang, "wizard.sdk.agent_offline", &[("id", &r.instance_id)])
            ),
            theme::warn(),
        ));
    }
    if r.by_hand && sdk_left_to_change(r) {
        lines.push(Line::styled(
            tf(lang, "wizard.sdk.manual_intro", &[("id", &r.instance_id)]),
            theme::label(),
        ));
        lines.push(Line::raw(format!(
            "  1. {}",
            tf(lang, "wizard.sdk.manual_backup", &[("path", &r.path)])
        )));
        lines.push(Line::raw(format!(
            "  2. {}",
            tf(lang, "wizard.sdk.manual_edit", &[("path", &r.path)])
        )));
        lines.push(Line::styled(
            format!("       \"authServerUrl\": \"{}\",", r.after),
            theme::good(),
        ));
        lines.push(Line::raw(format!(
            "  3. {}",
            t(lang, "wizard.sdk.manual_restart")
        )));
        lines.push(Line::styled(format!("       {}", &r.restart), theme::key()));
    } else {
        lines.push(Line::styled(
            tf(lang, "wizard.sdk.diff", &[("path", &r.path)]),
            theme::label(),
        ));
        let before = r
            .before
            .clone()
            .unwrap_or_else(|| t(lang, "scaleout.unknown"));
        lines.push(Line::styled(
            format!("  - \"authServerUrl\": \"{before}\""),
            theme::bad(),
        ));
        lines.push(Line::styled(
            format!("  + \"authServerUrl\": \"{}\"", r.after),
            theme::good(),
        ));
        lines.push(Line::styled(
            tf(lang, "wizard.sdk.then", &[("cmd", &&r.restart)]),
            theme::label(),
        ));
        for o in r.output.iter().rev().take(6).rev() {
            lines.push(Line::raw(format!("  │ {o}")));
        }
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(" {} {} ", r.instance_id, r.instance_name))),
        detail,
    );
    f.render_widget(Paragraph::new(status_lines), status);
}
