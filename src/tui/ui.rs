//! One frame: header, the current screen, the notice line, the footer,
//! and the overlays (confirm dialog, help).

use ratatui::prelude::*;
use ratatui::widgets::Paragraph;

use crate::tui::app::App;
use crate::tui::screens;
use crate::tui::state::{CheckLevel, Screen};
use crate::tui::widgets::{self, theme};

/// Draws the whole app into `f`. Reads state only (plus the click zones it records).
pub fn draw(app: &App, f: &mut Frame) {
    app.hit_zones.borrow_mut().clear();
    let area = f.area();
    let notice_h = app
        .notice
        .as_ref()
        .map_or(0, |(_, text)| notice_height(text, area.width));
    let [header, body, notice, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(notice_h),
        Constraint::Length(1),
    ])
    .areas(area);
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
    if let Some((level, text)) = &app.notice {
        let style = match level {
            CheckLevel::Ok => theme::good(),
            CheckLevel::Warn => theme::warn(),
            CheckLevel::Fail => theme::bad(),
        };
        f.render_widget(
            Paragraph::new(format!(" {text}"))
                .style(style)
                .wrap(ratatui::widgets::Wrap { trim: false }),
            notice,
        );
    }
    let keys = screens::keys(app);
    widgets::footer::render(app.lang, &keys, f, footer);
    if let Some(c) = &app.confirm {
        widgets::confirm::render(app.lang, c, f, area);
    } else if app.help {
        widgets::help::render(app.lang, &keys, f, area);
    }
}

/// Lines the notice needs at this width (it wraps, so commands it quotes
/// stay readable at 80 columns), at most 3 so the screen keeps its room.
fn notice_height(text: &str, width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let needed = (Span::raw(text).width() + 1).div_ceil(width);
    needed.clamp(1, 3) as u16
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_notices_wrap_onto_up_to_three_lines() {
        assert_eq!(super::notice_height("short", 80), 1);
        assert_eq!(super::notice_height(&"x".repeat(100), 80), 2);
        assert_eq!(super::notice_height(&"x".repeat(1000), 80), 3);
        // CJK characters take two columns each.
        assert_eq!(super::notice_height(&"中".repeat(50), 80), 2);
    }
}
