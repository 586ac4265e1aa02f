//! Auto Scaling, page 2: "at these times, scale to N" — name, cron
//! recurrence shown back in plain words, start/end in Beijing time, sizes.

use ratatui::prelude::*;
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::i18n::t;
use crate::scaleout::autoscaling::validate_recurrence;
use crate::tui::app::App;
use crate::tui::screens::autoscaling::sf;
use crate::tui::screens::autoscaling_group::{pad, title};
use crate::tui::widgets::theme;

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let w = &app.autoscaling;
    let labels = [
        "autoscaling.field.ScheduledActionName",
        "autoscaling.field.Recurrence",
        "autoscaling.field.StartTime",
        "autoscaling.field.EndTime",
        "autoscaling.field.MinSize",
        "autoscaling.field.DesiredCapacity",
        "autoscaling.field.MaxSize",
    ];
    let width = labels
        .iter()
        .map(|k| Span::raw(t(lang, k)).width())
        .max()
        .unwrap_or(10)
        + 2;
    let mut lines: Vec<Line<'static>> = vec![
        Line::styled(
            format!(" {}", t(lang, "autoscaling.ui.schedule_hint")),
            theme::label(),
        ),
        Line::raw(""),
    ];
    for (i, key) in labels.iter().enumerate() {
        let label = format!(" {}", pad(&t(lang, key), width));
        lines.append(&mut w.schedule_fields[i].lines(lang, &label, w.focus == i));
        if i == sf::RECURRENCE && w.schedule_fields[i].error.is_none() {
            let text = w.schedule_fields[i].value.trim();
            let words = if text.is_empty() {
                Line::styled(
                    format!("   → {}", t(lang, "autoscaling.ui.once")),
                    theme::label(),
                )
            } else {
                match validate_recurrence(text) {
                    Ok(r) => Line::styled(format!("   → {}", r.describe(lang)), theme::good()),
                    Err(e) => Line::styled(format!("   ✗ {}", e.message(lang)), theme::warn()),
                }
            };
            lines.push(words);
        }
        if i == sf::START || i == sf::END {
            let last = lines.len() - 1 - usize::from(w.schedule_fields[i].error.is_some());
            let hint = t(
                lang,
                if i == sf::START {
                    "autoscaling.ui.beijing"
                } else {
                    "autoscaling.ui.end_hint"
                },
            );
            lines[last].push_span(Span::styled(format!("  {hint}"), theme::label()));
        }
        if i == sf::END {
            lines.push(Line::raw(""));
        }
    }
    lines.push(Line::raw(""));
    let summary = match w.schedule() {
        Ok(Some(s)) => Line::styled(format!(" ✓ {}", s.describe(lang)), theme::good()),
        Ok(None) => Line::styled(
            format!(" – {}", t(lang, "autoscaling.ui.no_schedule")),
            theme::label(),
        ),
        Err(e) => Line::styled(format!(" ✗ {}", e.message(lang)), theme::bad()),
    };
    lines.push(summary);
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!(" {}", t(lang, "autoscaling.ui.cron_help")),
        theme::label(),
    ));
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(
                " {} ",
                title(app, 2, "autoscaling.ui.page.schedule")
            ))),
        area,
    );
}
