//! One frame: header, the current screen, the notice line, the footer,
//! and the overlays (confirm dialog, help).

use ratatui::prelude::*;
use ratatui::widgets::Paragraph;

use crate::tui::app::App;
use crate::tui::screens;
use crate::tui::state::{CheckLevel, Screen};
use crate::tui::widgets::{self, theme, wrap};

/// Draws the whole app into `f`. Reads state only (plus the click zones it records).
pub fn draw(app: &App, f: &mut Frame) {
    app.hit_zones.borrow_mut().clear();
    let area = f.area();
    let notice = app
        .notice
        .as_ref()
        .map(|(level, text)| (level, notice_lines(text, area.width)));
    let notice_h = notice.as_ref().map_or(0, |(_, lines)| lines.len() as u16);
    let background = app.background_work();
    let [header, body, background_area, notice_area, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(u16::from(!background.is_empty())),
        Constraint::Length(notice_h),
        Constraint::Length(1),
    ])
    .areas(area);
    if !background.is_empty() {
        f.render_widget(background_line(app, &background), background_area);
    }
    widgets::header::render(app, f, header);
    match app.screen {
        Screen::Overview => screens::overview::render(app, f, body),
        Screen::Source => screens::source::render(app, f, body),
        Screen::Image => screens::image::render(app, f, body),
        Screen::Launch => screens::launch::render(app, f, body),
        Screen::LoadBalancer => screens::load_balancer::render(app, f, body),
        Screen::Bind => screens::bind::render(app, f, body),
        Screen::SecurityGroup => screens::security_group::render(app, f, body),
        Screen::SdkConfig => screens::sdk_config::render(app, f, body),
        Screen::Summary => screens::summary::render(app, f, body),
        Screen::Onboarding => screens::onboarding::render(app, f, body),
        Screen::Browse => screens::browse::render(app, f, body),
        Screen::AutoScaling => screens::autoscaling::render(app, f, body),
        Screen::Runs => screens::runs::render(app, f, body),
    }
    if let Some((level, lines)) = notice {
        let style = match level {
            CheckLevel::Ok => theme::good(),
            CheckLevel::Warn => theme::warn(),
            CheckLevel::Fail => theme::bad(),
        };
        f.render_widget(Paragraph::new(lines).style(style), notice_area);
    }
    let keys = screens::keys(app);
    // A text field with the keyboard takes letters: only keys that work while typing are listed.
    let typing = app.typing() && app.confirm.is_none() && app.error_popup.is_none();
    widgets::footer::render(app.lang, &keys, typing, f, footer);
    if let Some(c) = &app.confirm {
        // Above the notice and the footer: its keys are never covered.
        let above = Rect {
            height: notice_area.y.saturating_sub(area.y),
            ..area
        };
        widgets::confirm::render(app.lang, c, f, above);
    } else if let (Some(scroll), Some(e)) = (app.error_popup, app.shown_failure()) {
        let above = Rect {
            height: notice_area.y.saturating_sub(area.y),
            ..area
        };
        let max = widgets::error_popup::render(app.lang, e, scroll, f, above);
        app.error_popup_max.set(max);
    } else if app.help {
        widgets::help::render(app.lang, &keys, typing, f, area);
    }
}

/// Earlier steps still at work while the user fills in later ones: one
/// line, each with its state and time (`◐ image img-… CREATING 01:12 · …`).
fn background_line(app: &App, work: &[(String, String, u64)]) -> Line<'static> {
    let mut spans = vec![Span::styled(
        format!(" {} ", widgets::spinner(app.clock)),
        theme::warn(),
    )];
    for (i, (what, state, secs)) in work.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme::label()));
        }
        spans.push(Span::styled(what.clone(), theme::title()));
        spans.push(Span::raw(format!(" {state} {}", widgets::mmss(*secs))));
    }
    Line::from(spans)
}

/// The notice wrapped at this width under its first column (it wraps, so
/// commands it quotes stay readable at 80 columns), at most 3 lines so the
/// screen keeps its room.
fn notice_lines(text: &str, width: u16) -> Vec<Line<'static>> {
    let mut lines = wrap::indented(vec![Line::from(format!(" {text}"))], usize::from(width));
    lines.truncate(3);
    lines
}

#[cfg(test)]
mod tests {
    fn text(text: &str, width: u16) -> Vec<String> {
        super::notice_lines(text, width)
            .iter()
            .map(|l| l.to_string())
            .collect()
    }

    #[test]
    fn long_notices_wrap_onto_up_to_three_lines() {
        assert_eq!(text("short", 80).len(), 1);
        assert_eq!(text(&"word ".repeat(20), 80).len(), 2);
        assert_eq!(text(&"x".repeat(1000), 80).len(), 3);
        // CJK characters take two columns each.
        assert_eq!(text(&"中".repeat(50), 80).len(), 2);
    }

    #[test]
    fn continuations_start_under_the_text_not_at_column_0() {
        let lines = text(&"重新连接中，请稍候".repeat(6), 40);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(l.starts_with(' ') && !l.starts_with("  "), "{l:?}");
        }
    }
}
